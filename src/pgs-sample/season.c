/* season.c — pgs-sample's season: standings, play-in, playoffs, the Cup final. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* ---- standings, play-in, playoffs ------------------------------------------ */

struct standing { const struct season *S; const struct league *L; };
static struct standing cmp_ctx;

/* Better record first (win percentage), then strength, then code. */
static int
cmp_record(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	const int *w = cmp_ctx.S->wins, *l = cmp_ctx.S->losses;
	long lhs = (long)w[a] * (w[b] + l[b]), rhs = (long)w[b] * (w[a] + l[a]);
	double sa = cmp_ctx.L->strength[a], sb = cmp_ctx.L->strength[b];

	if (lhs != rhs)
		return lhs > rhs ? -1 : 1;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a - b;
}

/* Teams of a conference (east 1/0) by record; returns 15. */
static int
conference_table(const struct league *L, const struct season *S, int east, int *out)
{
	int n = 0;

	for (int t = 0; t < NTEAMS; t++)
		if (is_east[t] == east)
			out[n++] = t;
	cmp_ctx.S = S;
	cmp_ctx.L = L;
	qsort(out, (size_t)n, sizeof(int), cmp_record);
	return n;
}

/* Is team a seeded above team b (better record)? */
static int
seeded_above(const struct league *L, const struct season *S, int a, int b)
{
	cmp_ctx.S = S;
	cmp_ctx.L = L;
	return cmp_record(&a, &b) < 0;
}

/*
 * Best-of-seven; the better seed hosts games 1, 2, 5, 7.  Game k is played
 * on start + offs[k].  Returns the winner; *last gets the last game's date.
 */
static int
play_series(struct league *L, struct season *S, struct rng *r, int hi, int lo, long start,
    const int *offs, long *last)
{
	int w_hi = 0, w_lo = 0;

	for (int k = 0; w_hi < 4 && w_lo < 4; k++) {
		int hi_home = k == 0 || k == 1 || k == 4 || k == 6;
		int w = play_game(L, S, r, start + offs[k], GT_PLAYOFFS,
		    hi_home ? hi : lo, hi_home ? lo : hi);
		*last = start + offs[k];
		if (w == hi)
			w_hi++;
		else
			w_lo++;
	}
	return w_hi == 4 ? hi : lo;
}

static int
play_hosted(struct league *L, struct season *S, struct rng *r, long date, int type, int a,
    int b)
{
	if (seeded_above(L, S, a, b))
		return play_game(L, S, r, date, type, a, b);
	return play_game(L, S, r, date, type, b, a);
}

/* Play-in (6 games) and four rounds of best-of-seven. */
static void
postseason(struct league *L, struct season *S, uint64_t seed, long last_regular)
{
	static const int offs[7] = { 0, 2, 5, 7, 9, 11, 13 };
	static const int finals_offs[7] = { 0, 3, 5, 8, 10, 13, 16 };
	int seeds[2][8], table[NTEAMS];
	struct rng r;
	long day1 = last_regular + 2, start, end = 0;
	int alive[2][8];

	rng_init(&r, seed, (uint64_t)S->year, ST_POSTSEASON);
	for (int c = 0; c < 2; c++) {
		int east = c == 0, w78, l78, w910;
		long d = day1 + c;

		conference_table(L, S, east, table);
		for (int i = 0; i < 6; i++)
			seeds[c][i] = table[i];
		w78 = play_hosted(L, S, &r, d, GT_PLAYIN, table[6], table[7]);
		l78 = w78 == table[6] ? table[7] : table[6];
		w910 = play_hosted(L, S, &r, d, GT_PLAYIN, table[8], table[9]);
		seeds[c][6] = w78;
		seeds[c][7] = play_hosted(L, S, &r, day1 + 3, GT_PLAYIN, l78, w910);
	}
	start = day1 + 4;
	/* round 1: 1-8, 4-5, 3-6, 2-7 so winners meet in bracket order */
	for (int c = 0; c < 2; c++) {
		static const int pairs[4][2] = { { 0, 7 }, { 3, 4 }, { 2, 5 }, { 1, 6 } };
		for (int i = 0; i < 4; i++) {
			long last;
			alive[c][i] = play_series(L, S, &r, seeds[c][pairs[i][0]],
			    seeds[c][pairs[i][1]], start + ((c * 4 + i) % 2), offs, &last);
			end = last > end ? last : end;
		}
	}
	for (int n = 4; n > 1; n /= 2) {	/* conference semifinals, finals */
		start = end + 2;
		for (int c = 0; c < 2; c++)
			for (int i = 0; i < n / 2; i++) {
				long last;
				int a = alive[c][2 * i], b = alive[c][2 * i + 1];
				int hi = seeded_above(L, S, a, b) ? a : b;
				alive[c][i] = play_series(L, S, &r, hi, hi == a ? b : a,
				    start + ((c * 2 + i) % 2), offs, &last);
				end = last > end ? last : end;
			}
	}
	{
		long last;
		int a = alive[0][0], b = alive[1][0];
		int hi = seeded_above(L, S, a, b) ? a : b;
		play_series(L, S, &r, hi, hi == a ? b : a, end + 4, finals_offs, &last);
	}
}

/* The Cup final: the best East and West records so far, the better one hosting. */
static void
cup_final(struct league *L, struct season *S, struct rng *r, long date)
{
	int east[NTEAMS], west[NTEAMS];

	conference_table(L, S, 1, east);
	conference_table(L, S, 0, west);
	play_hosted(L, S, r, date, GT_CUP_FINAL, east[0], west[0]);
}

/* ---- a season ---------------------------------------------------------------- */

/* Regular-season days kept at this scale (see usage). */
static int
days_kept(double scale, int nday)
{
	long k;

	if (scale >= 1.0)
		return nday;
	k = lround(scale * nday);
	return k < 1 ? 1 : (int)k;
}

void
run_season(struct league *L, struct season *S, const struct opts *o, int year)
{
	static struct sched sc;
	struct trade tr[TRADES_MAX];
	struct calendar cal = season_calendar(year);
	struct rng gr, sr;
	int ntr, keep, cup_done = cal.cup < 0;

	S->year = year;
	S->ng = S->nr = 0;
	memset(S->wins, 0, sizeof(S->wins));
	memset(S->losses, 0, sizeof(S->losses));
	rng_init(&sr, o->seed, (uint64_t)year, ST_STRENGTH);
	team_strengths(L, &sr);
	make_schedule(&sc, &cal, o->seed, year);
	ntr = plan_trades(L, o->seed, year, sc.nday, tr);
	keep = days_kept(o->scale, sc.nday);
	rng_init(&gr, o->seed, (uint64_t)year, ST_GAMES);
	for (int d = 0; d < keep; d++) {
		apply_trades(L, tr, ntr, d);
		if (!cup_done && cal.cup < sc.date[d]) {
			cup_final(L, S, &gr, cal.cup);
			cup_done = 1;
		}
		for (int k = sc.first[d]; k < sc.first[d + 1]; k++) {
			int g = sc.order[k], h = sc.home[g], a = sc.away[g];
			int w = play_game(L, S, &gr, sc.date[d], GT_REGULAR, h, a);
			S->wins[w]++;
			S->losses[w == h ? a : h]++;
		}
	}
	if (o->scale >= 0.5)	/* on the usual dates, even after a short season */
		postseason(L, S, o->seed, sc.date[sc.nday - 1]);
	apply_trades(L, tr, ntr, MAX_DAYS);
}
