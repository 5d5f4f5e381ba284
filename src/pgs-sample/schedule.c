/* schedule.c — pgs-sample's regular-season calendar and schedule. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* ---- dates (days since 1970-01-01, proleptic Gregorian) ------------------- */

/* 0 = Sunday. */
static int
weekday(long z)
{
	long w = (z + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* First day on or after z that falls on weekday wd. */
static long
on_or_after(long z, int wd)
{
	return z + (wd - weekday(z) + 7) % 7;
}

/* ---- schedule ------------------------------------------------------------- */

struct calendar
season_calendar(int year)
{
	struct calendar c;

	c.start = on_or_after(days_from_civil(year, 10, 18), 2);	/* Tuesday */
	c.end = on_or_after(days_from_civil(year + 1, 4, 9), 0);	/* Sunday */
	c.thanksgiving = on_or_after(days_from_civil(year, 11, 22), 4);
	c.allstar = on_or_after(days_from_civil(year + 1, 2, 15), 0);
	c.cup = year == 2023 ? days_from_civil(2023, 12, 9) : -1;
	return c;
}

static int
is_off_day(const struct calendar *c, long d)
{
	int y, m, day;

	civil_from_days(d, &y, &m, &day);
	if (d == c->thanksgiving || d == c->cup || (m == 12 && day == 24))
		return 1;
	return d >= c->allstar - 2 && d <= c->allstar + 3;
}

static int
is_christmas(long d)
{
	int y, m, day;

	civil_from_days(d, &y, &m, &day);
	return m == 12 && day == 25;
}

/*
 * 82 rounds in which every team plays once (circle method over three
 * shuffled cycles), home side balancing each team's home count.
 */
static void
make_matchups(struct sched *s, struct rng *r)
{
	int homes[NTEAMS] = { 0 }, ng = 0;

	for (int cycle = 0; ng < REG_TOTAL; cycle++) {
		int perm[NTEAMS], rounds[NTEAMS - 1];

		for (int t = 0; t < NTEAMS; t++)
			perm[t] = t;
		rng_shuffle(r, perm, NTEAMS);
		for (int k = 0; k < NTEAMS - 1; k++)
			rounds[k] = k;
		rng_shuffle(r, rounds, NTEAMS - 1);
		for (int k = 0; k < NTEAMS - 1 && ng < REG_TOTAL; k++) {
			int arr[NTEAMS];
			for (int i = 0; i < NTEAMS - 1; i++)
				arr[i] = perm[(i + rounds[k]) % (NTEAMS - 1)];
			arr[NTEAMS - 1] = perm[NTEAMS - 1];
			for (int i = 0; i < NPAIRS; i++) {
				int a = arr[i], b = arr[NTEAMS - 1 - i];
				int a_home = homes[a] < homes[b] ||
				    (homes[a] == homes[b] && rng_unit(r) < 0.5);
				s->home[ng] = a_home ? a : b;
				s->away[ng] = a_home ? b : a;
				homes[s->home[ng]]++;
				ng++;
			}
		}
	}
}

static double
weekday_factor(long d)
{
	static const double f[7] = { 0.85, 1.0, 0.85, 1.3, 0.6, 1.25, 1.05 };

	return f[weekday(d)];
}

/* Moves the games of a day with fewer than DAY_MIN games to days that have room. */
static void
fix_thin_days(struct sched *s, int *day_of, int *cnt, uint32_t *busy)
{
	for (int d = s->nday - 1; d >= 0; d--) {
		if (cnt[d] >= DAY_MIN)
			continue;
		for (int g = 0; g < REG_TOTAL; g++) {
			uint32_t bits;
			if (day_of[g] != d)
				continue;
			bits = (1u << s->home[g]) | (1u << s->away[g]);
			for (int e = s->nday - 1; e >= 0; e--) {
				if (e == d || cnt[e] >= DAY_MAX || (busy[e] & bits))
					continue;
				day_of[g] = e;
				busy[e] |= bits;
				busy[d] &= ~bits;
				cnt[e]++;
				cnt[d]--;
				break;
			}
		}
		if (cnt[d] > 0)
			continue;
		for (int g = 0; g < REG_TOTAL; g++)
			if (day_of[g] > d)
				day_of[g]--;
		for (int e = d; e + 1 < s->nday; e++) {
			s->date[e] = s->date[e + 1];
			cnt[e] = cnt[e + 1];
			busy[e] = busy[e + 1];
		}
		s->nday--;
	}
}

/*
 * Spreads the 1,230 games over the calendar: each day takes DAY_MIN..DAY_MAX
 * games, the earliest pending ones whose teams are free that day, aiming to
 * finish on the planned last day.
 */
void
make_schedule(struct sched *s, const struct calendar *c, uint64_t seed, int year)
{
	static int day_of[REG_TOTAL], cnt[MAX_DAYS], pos[MAX_DAYS + 1];
	static uint32_t busy[MAX_DAYS];
	static long plan[MAX_DAYS];
	static double suf[MAX_DAYS + 1];
	static unsigned char used[REG_TOTAL];
	struct rng r;
	int nplan = 0, head = 0, remaining = REG_TOTAL;
	long d;

	rng_init(&r, seed, (uint64_t)year, ST_SCHEDULE);
	make_matchups(s, &r);
	for (d = c->start; d <= c->end && nplan < MAX_DAYS; d++)
		if (!is_off_day(c, d))
			plan[nplan++] = d;
	suf[nplan] = 0.0;
	for (int i = nplan - 1; i >= 0; i--)
		suf[i] = suf[i + 1] + weekday_factor(plan[i]);
	memset(used, 0, sizeof(used));
	s->nday = 0;
	d = c->end;
	for (int i = 0; remaining > 0; i++) {
		long date;
		int target, taken = 0;
		uint32_t mask = 0;

		if (s->nday >= MAX_DAYS)
			internal_error("the schedule does not fit");
		if (i < nplan) {
			date = plan[i];
			target = (int)lround(remaining * weekday_factor(date) / suf[i] *
			    exp(0.2 * rng_normal(&r)));
		} else {
			do
				d++;
			while (is_off_day(c, d));
			date = d;
			target = DAY_MAX;
		}
		if (is_christmas(date))
			target = 5;
		target = target < DAY_MIN ? DAY_MIN : target > DAY_MAX ? DAY_MAX : target;
		for (int g = head; g < REG_TOTAL && taken < target; g++) {
			uint32_t bits = (1u << s->home[g]) | (1u << s->away[g]);
			if (used[g] || (mask & bits))
				continue;
			used[g] = 1;
			day_of[g] = s->nday;
			mask |= bits;
			taken++;
		}
		while (head < REG_TOTAL && used[head])
			head++;
		s->date[s->nday] = date;
		cnt[s->nday] = taken;
		busy[s->nday] = mask;
		s->nday++;
		remaining -= taken;
	}
	fix_thin_days(s, day_of, cnt, busy);
	s->first[0] = 0;
	for (int k = 0; k < s->nday; k++) {
		s->first[k + 1] = s->first[k] + cnt[k];
		pos[k] = s->first[k];
	}
	for (int g = 0; g < REG_TOTAL; g++)
		s->order[pos[day_of[g]]++] = g;
}
