/* schedule.c — game dates by stats.nba.com game id (see schedule.h). */
#include "schedule.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "dates.h"
#include "hashmap.h"
#include "ndjson.h"
#include "util.h"

struct pgs_schedule {
	pgs_map days;      /* game id → day number */
	pgs_map games;     /* game id → struct pgs_sched_game (teams and totals, when a file has them) */
};

const char *const pgs_team_totals[PGS_TT_N] = {
	"points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts", "ft_makes",
	"ft_attempts", "offensive_rebounds", "defensive_rebounds", "assists", "steals", "blocks",
	"turnovers", "personal_fouls",
};

/* The team log's names of the totals: stats.nba.com's, lowercased (millxing adds _home/_road). */
static const char *const tt_col[PGS_TT_N] = {
	"pts", "fgm", "fga", "fg3m", "fg3a", "ftm", "fta", "oreb", "dreb", "ast", "stl", "blk",
	"tov", "pf",
};

/* Where a file keeps a side's team and totals: one row per game with _home and _road
 * columns (millxing), or one row per team with MATCHUP (stats.nba.com's team logs). */
struct cols {
	int type, abbr[2], tot[2][PGS_TT_N], min[2];   /* [0] road, [1] home */
	int team, matchup, tmin, ttot[PGS_TT_N];       /* one row per team */
};

pgs_schedule *
pgs_schedule_new(void)
{
	return pgs_xcalloc(1, sizeof(struct pgs_schedule));
}

#define SCHED_MAXCOLS 128

static void
cols_find(struct cols *c, char **f, int n)
{
	static const char *const side[2] = { "_road", "_home" };
	char name[64];

	memset(c, -1, sizeof(*c));
	for (int i = 0; i < n && i < SCHED_MAXCOLS; i++) {
		if (strcasecmp(f[i], "game_type") == 0)
			c->type = i;
		if (strcasecmp(f[i], "team_abbreviation") == 0)
			c->team = i;
		if (strcasecmp(f[i], "matchup") == 0)
			c->matchup = i;
		if (strcasecmp(f[i], "min") == 0)
			c->tmin = i;
		for (int k = 0; k < PGS_TT_N; k++)
			if (strcasecmp(f[i], tt_col[k]) == 0)
				c->ttot[k] = i;
		for (int h = 0; h < 2; h++) {
			snprintf(name, sizeof(name), "team_abbreviation%s", side[h]);
			if (strcasecmp(f[i], name) == 0)
				c->abbr[h] = i;
			snprintf(name, sizeof(name), "minutes%s", side[h]);
			if (strcasecmp(f[i], name) == 0)
				c->min[h] = i;
			for (int k = 0; k < PGS_TT_N; k++) {
				snprintf(name, sizeof(name), "%s%s", tt_col[k], side[h]);
				if (strcasecmp(f[i], name) == 0)
					c->tot[h][k] = i;
			}
		}
	}
}

/* A whole count ("12", "11.0": NocturneBear writes some as floats); 0, or -1. */
static int
count_of(const char *s, long *v)
{
	char *end;
	double d;

	if (!*s)
		return -1;
	d = strtod(s, &end);
	if (*end || d < 0 || d > 1e6 || d != (double)(long)d)
		return -1;
	*v = (long)d;
	return 0;
}

/* A team's minutes: 240, 265, ... as the logs of one row per game count them (five
 * players), or 48.0, 53.0 as stats.nba.com's team log does (the game's length). */
static int
minutes_of(const char *s, long *v)
{
	char *end;
	double d = strtod(s, &end);

	if (!*s || *end || !(d > 0 && d < 1000))
		return -1;
	*v = (long)(d < 100 ? d * 5 + 0.5 : d + 0.5);
	return 0;
}

static void
set_abbr(char out[8], const char *s)
{
	snprintf(out, 8, "%s", s);
}

/* One side's totals and minutes from the fields at idx[] and min (-1: absent). */
static int
side_fill(struct pgs_sched_side *sd, char **f, int n, const int *idx, int min)
{
	long v;

	for (int k = 0; k < PGS_TT_N; k++) {
		if (idx[k] < 0 || idx[k] >= n || !*f[idx[k]] || (sd->has >> k & 1))
			continue;
		if (count_of(f[idx[k]], &v) < 0)
			return -1;
		sd->tot[k] = v;
		sd->has |= 1u << k;
	}
	if (min >= 0 && min < n && *f[min] && sd->minutes < 0) {
		if (minutes_of(f[min], &sd->minutes) < 0)
			return -1;
	}
	return 0;
}

static struct pgs_sched_game *
game_get(pgs_schedule *s, const char *id, long days)
{
	int added;
	void **slot = pgs_map_slot(&s->games, id, &added);
	struct pgs_sched_game *g;

	if (!added)
		return *slot;
	g = pgs_xcalloc(1, sizeof(*g));
	g->days = days;
	g->away.minutes = g->home.minutes = -1;
	*slot = g;
	return g;
}

/* "ATL @ CHI" (ATL at CHI) or "CHI vs. ATL" (CHI at home): 1 home, 0 road, -1 not a matchup;
 * the opponent into opp. */
static int
matchup_of(const char *m, const char *team, char opp[8])
{
	const char *at = strstr(m, " @ "), *vs = strstr(m, " vs. ");
	size_t tl = strlen(team);

	if (strncmp(m, team, tl) != 0 || (m[tl] != ' '))
		return -1;
	if (at) {
		set_abbr(opp, at + 3);
		return 0;
	}
	if (vs) {
		set_abbr(opp, vs + 5);
		return 1;
	}
	return -1;
}

/* The teams and totals of a schedule row; 0, or -1 with *why. */
static int
game_fill(pgs_schedule *s, const struct cols *c, char **f, int n, const char *id, long days,
    const char **why)
{
	struct pgs_sched_game *g;

	if (c->abbr[0] >= 0 && c->abbr[1] >= 0) {
		g = game_get(s, id, days);
		if (!g->teams && *f[c->abbr[0]] && *f[c->abbr[1]]) {
			set_abbr(g->away.abbr, f[c->abbr[0]]);
			set_abbr(g->home.abbr, f[c->abbr[1]]);
			g->teams = 1;
		}
		if (side_fill(&g->away, f, n, c->tot[0], c->min[0]) < 0 ||
		    side_fill(&g->home, f, n, c->tot[1], c->min[1]) < 0) {
			*why = "a total or the minutes are not a whole count";
			return -1;
		}
	} else if (c->team >= 0 && c->matchup >= 0) {
		struct pgs_sched_side *sd;
		char opp[8];
		int home = matchup_of(f[c->matchup], f[c->team], opp);

		if (home < 0) {
			*why = "MATCHUP is not 'TEAM @ OPP' or 'TEAM vs. OPP' of its TEAM_ABBREVIATION";
			return -1;
		}
		g = game_get(s, id, days);
		if (!g->teams) {
			set_abbr(home ? g->home.abbr : g->away.abbr, f[c->team]);
			set_abbr(home ? g->away.abbr : g->home.abbr, opp);
			g->teams = 1;
		}
		sd = strcmp(g->home.abbr, f[c->team]) == 0 ? &g->home :
		    strcmp(g->away.abbr, f[c->team]) == 0 ? &g->away : NULL;
		if (sd && side_fill(sd, f, n, c->ttot, c->tmin) < 0) {
			*why = "a total or MIN is not a whole count";
			return -1;
		}
	} else {
		return 0;
	}
	if (c->type >= 0 && c->type < n && !g->type[0])
		snprintf(g->type, sizeof(g->type), "%s", f[c->type]);
	return 0;
}

int
pgs_schedule_load(pgs_schedule *s, const char *path)
{
	pgs_input *in = pgs_input_open((char **)&path, 1);
	char *line, *f[SCHED_MAXCOLS];
	const char *err, *why;
	int got, n, c_id = -1, c_date = -1, i, added, rc = -1;
	struct cols c;
	size_t len;
	long days;
	void **slot;

	while ((got = pgs_input_line(in, &line, &len)) > 0) {
		n = pgs_csv_split(line, len, f, SCHED_MAXCOLS, &err);
		if (pgs_input_lineno(in) == 1) {
			for (i = 0; i < n && i < SCHED_MAXCOLS; i++) {
				/* the crosswalk has both: nba_game_id is the stats.nba.com one */
				if (strcasecmp(f[i], "nba_game_id") == 0 ||
				    (c_id < 0 && strcasecmp(f[i], "game_id") == 0))
					c_id = i;
				if (strcasecmp(f[i], "game_date") == 0)
					c_date = i;
			}
			if (c_id < 0 || c_date < 0) {
				pgs_err("%s:1: not a schedule: want game_id (or nba_game_id) and game_date columns", path);
				goto out;
			}
			cols_find(&c, f, n);
			continue;
		}
		if (len == 0)
			continue;
		if (n <= c_id || n <= c_date || n > SCHED_MAXCOLS) {
			pgs_err("%s:%ld: schedule line has %d fields", path, pgs_input_lineno(in), n);
			goto out;
		}
		if (f[c_id][0] == '\0' || pgs_date_parse_prefix(f[c_date], &days) < 0) {
			pgs_err("%s:%ld: bad game id '%s' or date '%s' in schedule", path,
			    pgs_input_lineno(in), f[c_id], f[c_date]);
			goto out;
		}
		/* team logs list a game once per team: the first date stands */
		pgs_map_get_num(&s->days, f[c_id], &days);
		if (game_fill(s, &c, f, n, f[c_id], days, &why) < 0) {
			pgs_err("%s:%ld: game '%s': %s", path, pgs_input_lineno(in), f[c_id], why);
			goto out;
		}
		slot = pgs_map_slot(&s->days, f[c_id], &added);
		if (added)
			*slot = (void *)(intptr_t)days;
	}
	if (got == 0 && c_id < 0)
		pgs_err("%s: empty schedule", path);
	else if (got == 0)
		rc = 0;
out:
	pgs_input_close(in);
	return rc;
}

int
pgs_schedule_date(const pgs_schedule *s, const char *game_id, long *days)
{
	return s ? pgs_map_get_num(&s->days, game_id, days) : -1;
}

size_t
pgs_schedule_size(const pgs_schedule *s)
{
	return s ? pgs_map_size(&s->days) : 0;
}

static int
cmp_game(const void *a, const void *b)
{
	const struct pgs_game_date *p = a, *q = b;

	if (p->days != q->days)
		return p->days < q->days ? -1 : 1;
	return strcmp(p->id, q->id);
}

struct pgs_game_date *
pgs_schedule_window(const pgs_schedule *s, long from, long to, size_t *n)
{
	struct pgs_game_date *g = NULL;
	size_t pos = 0, cap = 0;
	const char *id;
	void *v;

	*n = 0;
	while (s && (id = pgs_map_next(&s->days, &pos, &v))) {
		long days = (long)(intptr_t)v;

		if (days < from || days > to)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			g = pgs_xrealloc(g, cap * sizeof(*g));
		}
		g[(*n)++] = (struct pgs_game_date){ id, days };
	}
	if (*n > 1)
		qsort(g, *n, sizeof(*g), cmp_game);
	return g;
}

const struct pgs_sched_game *
pgs_schedule_game(const pgs_schedule *s, const char *game_id)
{
	return s ? pgs_map_get(&s->games, game_id) : NULL;
}

void
pgs_schedule_free(pgs_schedule *s)
{
	if (!s)
		return;
	pgs_map_free(&s->days, NULL);
	pgs_map_free(&s->games, free);
	free(s);
}
