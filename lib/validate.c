/*
 * validate.c — pgs-validate's checks.  The store hands over plain counts
 * (one row per team and game, per raw date and source, per unresolved
 * name, and the ledger); everything below decides what they mean.
 *
 * Games arrive ordered by game_id, so one game is held at a time and
 * memory is bounded by the window's months and days, not its rows (with
 * --schedule, also by the schedule's games and the table games it lacks).
 */
#include "validate.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dates.h"
#include "hashmap.h"
#include "ledger.h"
#include "util.h"

/* ---- the store's validation reads ---- */

static int
no_primitive(pgs_store *st, const char *what)
{
	pgs_err("store '%s': this store cannot %s yet (no validation reads)", pgs_store_name(st), what);
	return -1;
}

int
pgs_store_summary_games(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_game_stats *g, void *arg), void *arg)
{
	if (!st->ops->summary_games)
		return no_primitive(st, "summarize games");
	return st->ops->summary_games(st, from, to, fn, arg);
}

int
pgs_store_raw_dates(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_raw_date *d, void *arg), void *arg)
{
	if (!st->ops->raw_dates)
		return no_primitive(st, "count raw rows by date");
	return st->ops->raw_dates(st, from, to, fn, arg);
}

int
pgs_store_summary_unresolved(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_unresolved_name *u, void *arg), void *arg)
{
	if (!st->ops->summary_unresolved)
		return no_primitive(st, "list unresolved names");
	return st->ops->summary_unresolved(st, from, to, fn, arg);
}

/* ---- checks ---- */

const char *const pgs_validate_cols[PGS_V_NCOLS] = { "minutes", "usage", "ts_pct", "efg_pct" };
static const char *const col_field[PGS_V_NCOLS] = {
	"minutes_played", "usage_rate", "ts_pct", "efg_pct",
};
static const char *const col_due[PGS_V_NCOLS] = {
	"active rows", "active rows with seconds_played > 0",
	"active rows with FGA + FTA > 0", "active rows with FGA > 0",
};

enum {
	C_NULL_MINUTES, C_NULL_USAGE, C_NULL_TS, C_NULL_EFG, C_BASELINE, C_DUPLICATES,
	C_BOTH_TEAMS, C_PLAYERS, C_TEAM_POINTS, C_TEAM_SECONDS, C_RAW_NO_SUMMARY, C_STALE,
	C_UNRESOLVED, C_DISAGREE, C_SCHED_GAMES, C_SCHED_DATES, C_SCHED_TOTALS, C_SCHED_MINUTES, NCHECKS
};

/* The checks that need --schedule: skipped without one. */
#define SCHEDULE_CHECK(k) ((k) >= C_SCHED_GAMES && (k) <= C_SCHED_MINUTES)

static const struct {
	const char *id, *what;
} checks[NCHECKS] = {
	{ "null_minutes", "NULL minutes_played among active rows, per month" },
	{ "null_usage", "NULL usage_rate among active rows with seconds played, per month" },
	{ "null_ts_pct", "NULL ts_pct among active rows with FGA + FTA > 0, per month" },
	{ "null_efg_pct", "NULL efg_pct among active rows with FGA > 0, per month" },
	{ "baseline_rows", "rows per month against the saved baseline" },
	{ "duplicate_keys", "rows of a team-game sharing a player_lookup" },
	{ "both_teams", "each game has rows for exactly two teams" },
	{ "players_per_game", "rows per game, both teams together" },
	{ "team_points", "team_points equals the sum of the team's player points" },
	{ "team_seconds", "seconds played per team: 240 minutes, +25 per overtime" },
	{ "raw_without_summary", "dates with raw rows but no summary rows" },
	{ "stale_summary", "summary windows committed before raw rows of their dates landed" },
	{ "unresolved_names", "summary rows whose player did not resolve" },
	{ "source_disagreement", "rows merged from the same sources that differ on a counted stat, per month and list of sources" },
	{ "schedule_games", "every scheduled game has rows for both teams; every game is scheduled" },
	{ "schedule_dates", "each game's date and home and road teams are the schedule's" },
	{ "schedule_totals", "the players' sums of each team-game are the schedule's team totals" },
	{ "schedule_minutes", "seconds played per team are the schedule's team minutes" },
};

#define REG_SECONDS (240 * 60)     /* five players, 48 minutes */
#define OT_SECONDS (25 * 60)       /* five players, 5 minutes */

struct month {
	char ym[16], from[11], to[11];
	long games, rows, active, raw_rows, unresolved;
	long due[PGS_V_NCOLS], nul[PGS_V_NCOLS];
	long failures, game_failures, date_failures;
	long multi, disagree;       /* rows merged from several sources; those that differ */
	int disagree_fail;          /* a list of sources (struct srcrate) failed in it */
	long sched_games, sched_failures;   /* --schedule: its games of the month; those
	                                       missing, partial, unscheduled or misdated */
	const json_t *base;         /* the baseline's month, or NULL */
};

struct day {
	long sum_rows, raw_rows;
	pgs_buf sources;            /* "bbref,nbacom" */
	int gap;                    /* raw_without_summary or stale_summary: to build again */
};

struct team {
	struct pgs_game_stats s;    /* its strings point into the copies below */
	char *game_id, *team, *date, *opp;
};

/* A game of the schedule, by its key in the table's form (YYYYMMDD_AWAY_HOME). */
struct sgame {
	char key[32], id[16], date[11];
	const struct pgs_sched_game *g;
	int seen;                   /* a table game matched it */
};

/* A table game the schedule does not have under its game_id. */
struct tgame {
	char *game_id, date[11], away[8], home[8];
	long days;
	int paired;
};

/* The merged rows of one month and one list of sources, and those that differ. */
struct srcrate {
	size_t month;               /* index into ctx.m */
	char *sources;              /* "bbref,nbacom" */
	long multi, disagree;
};

struct ctx {
	const struct pgs_validate_opts *o;
	struct srcrate *sr;
	size_t nsr, srcap;
	struct sgame *sg;           /* the schedule's games with teams, and by key */
	size_t nsg;
	pgs_map sched;              /* key → index + 1 into sg */
	struct tgame *tg;           /* table games not in the schedule */
	size_t ntg, tgcap;
	long dfrom, dto, m0;
	struct month *m;
	size_t nm;
	struct day *d;
	size_t nd;
	struct team *t;             /* the current game's teams */
	size_t nt, tcap;
	long games, team_games, rows, active, raw_rows, unresolved;
	long prov_games, prov_rows;  /* games some of whose rows are provisional; their rows */
	json_t *prov_dates;         /* the dates of those games, ascending */
	long nfail[NCHECKS];
	json_t *failures, *unres;
	struct pgs_ledger ledger;
	int bad;                    /* a row the checks cannot place (reported) */
};

void
pgs_validate_defaults(struct pgs_validate_opts *o)
{
	memset(o, 0, sizeof(*o));
	for (int i = 0; i < PGS_V_NCOLS; i++)
		o->max_null_pct[i] = 0;
	o->baseline_tolerance = 2;
	o->min_players = 18;
	o->max_players = 36;
	o->min_played = 10;
	o->seconds_tolerance = 60;
	o->max_unresolved = 0;
	o->max_disagree_pct = 5;
	o->team_turnovers = 6;
	o->redate_days = 7;
}

static long
month_key(long days)
{
	long y;
	int m, d;

	pgs_civil_from_days(days, &y, &m, &d);
	return y * 12 + (m - 1);
}

/* The month of a "YYYY-MM-DD..." date inside the window, or NULL. */
static struct month *
month_of(struct ctx *c, const char *date)
{
	long days, k;

	if (!date || pgs_date_parse_prefix(date, &days) < 0 || days < c->dfrom || days > c->dto)
		return NULL;
	k = month_key(days) - c->m0;
	return k >= 0 && (size_t)k < c->nm ? &c->m[k] : NULL;
}

static struct day *
day_of(struct ctx *c, const char *date)
{
	long days;

	if (!date || pgs_date_parse_prefix(date, &days) < 0 || days < c->dfrom || days > c->dto)
		return NULL;
	return &c->d[days - c->dfrom];
}

static double
pct(long n, long of)
{
	return of > 0 ? 100.0 * (double)n / (double)of : 0;
}

/* A percentage as the report stores it: 2 decimals, or 4 below 0.01 so a
 * rare NULL never shows as 0. */
static double
round_pct(double p)
{
	double scale = p > 0 && p < 0.01 ? 10000 : 100;

	return round(p * scale) / scale;
}

/* Record a failure of check k: {"check", ["month"], extra..., "message"}.
 * extra is stolen (may be NULL); m is the month it belongs to, or NULL. */
static void
fail(struct ctx *c, int k, struct month *m, json_t *extra, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static void
fail(struct ctx *c, int k, struct month *m, json_t *extra, const char *fmt, ...)
{
	json_t *f = json_object();
	va_list ap;
	char *msg;
	int n;

	json_object_set_new(f, "check", json_string(checks[k].id));
	if (m) {
		json_object_set_new(f, "month", json_string(m->ym));
		m->failures++;
		m->sched_failures += k == C_SCHED_GAMES || k == C_SCHED_DATES;
	}
	if (extra) {
		json_object_update(f, extra);
		json_decref(extra);
	}
	va_start(ap, fmt);
	n = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		msg = pgs_xstrdup("(out of memory)");
	json_object_set_new(f, "message", json_string(msg));
	free(msg);
	json_array_append_new(c->failures, f);
	c->nfail[k]++;
}

/* ---- per game ---- */

static void
team_free(struct team *t)
{
	free(t->game_id);
	free(t->team);
	free(t->date);
	free(t->opp);
	memset(t, 0, sizeof(*t));
}

static char *
dup_or_empty(const char *s)
{
	return pgs_xstrdup(s ? s : "");
}

/* How far a team's seconds may be from its minutes: --seconds-tolerance, or for a team
 * whose every row is NBA.com's export (minutes rounded to the whole minute) half a minute
 * per player who played, what rounding can add up to. */
static long
seconds_tolerance(const struct ctx *c, const struct pgs_game_stats *s)
{
	long whole = s->played_only == s->rows ? 30 * s->active : 0;

	return whole > c->o->seconds_tolerance ? whole : c->o->seconds_tolerance;
}

/* Checks of one team's rows; returns 1 when one failed. */
static int
team_checks(struct ctx *c, struct month *m, const struct team *t, const struct team *other)
{
	const struct pgs_game_stats *s = &t->s;
	const char *g = t->game_id, *ab = t->team;
	long ot, want, off;
	int failed = 0;

	if (s->rows > s->players) {
		fail(c, C_DUPLICATES, m, json_pack("{s:s, s:s, s:I, s:I, s:I}", "game_id", g,
		    "team_abbr", ab, "duplicates", (json_int_t)(s->rows - s->players),
		    "rows", (json_int_t)s->rows, "players", (json_int_t)s->players),
		    "%s %s: %ld duplicate key%s (%ld rows, %ld distinct player_lookup)", g, ab,
		    s->rows - s->players, s->rows - s->players == 1 ? "" : "s", s->rows, s->players);
		failed = 1;
	}
	if (s->team_points_min >= 0) {
		long opp_tp = other && other->s.team_points_min >= 0 ? other->s.team_points_min : -1;
		int bad_sum = s->team_points_min != s->points, bad_rows =
		    s->team_points_min != s->team_points_max;
		int bad_opp = opp_tp >= 0 && (s->opp_points_min != opp_tp || s->opp_points_max != opp_tp);

		if (bad_sum || bad_rows || bad_opp) {
			json_t *x = json_pack("{s:s, s:s, s:I, s:I}", "game_id", g, "team_abbr", ab,
			    "team_points", (json_int_t)s->team_points_min,
			    "points_sum", (json_int_t)s->points);

			if (bad_rows)
				json_object_set_new(x, "team_points_max", json_integer(s->team_points_max));
			if (bad_opp) {
				json_object_set_new(x, "opponent_points", json_integer(s->opp_points_min));
				json_object_set_new(x, "opponent_team_points", json_integer(opp_tp));
			}
			if (bad_rows)
				fail(c, C_TEAM_POINTS, m, x, "%s %s: team_points differs between its rows "
				    "(%ld..%ld); the players' points sum to %ld", g, ab,
				    s->team_points_min, s->team_points_max, s->points);
			else if (bad_sum)
				fail(c, C_TEAM_POINTS, m, x, "%s %s: team_points %ld but the players' points "
				    "sum to %ld", g, ab, s->team_points_min, s->points);
			else
				fail(c, C_TEAM_POINTS, m, x, "%s %s: opponent_points %ld but %s's team_points "
				    "is %ld", g, ab, s->opp_points_min, other->team, opp_tp);
			failed = 1;
		}
	}
	if (s->active > 0) {
		long tol = seconds_tolerance(c, s);

		ot = s->seconds > REG_SECONDS ?
		    (s->seconds - REG_SECONDS + OT_SECONDS / 2) / OT_SECONDS : 0;
		want = REG_SECONDS + ot * OT_SECONDS;
		off = s->seconds - want;
		if (labs(off) > tol) {
			fail(c, C_TEAM_SECONDS, m, json_pack("{s:s, s:s, s:I, s:I, s:I}", "game_id", g,
			    "team_abbr", ab, "seconds", (json_int_t)s->seconds,
			    "expected", (json_int_t)want, "overtimes", (json_int_t)ot),
			    "%s %s: %ld seconds played, want %ld (%ld min%s) ±%ld", g, ab, s->seconds,
			    want, want / 60, ot == 0 ? ", regulation" : ot == 1 ? ", 1 overtime" :
			    ot == 2 ? ", 2 overtimes" : ", 3+ overtimes", tol);
			failed = 1;
		}
	}
	return failed;
}

static void date_str(long days, char out[11]);

/* ---- the schedule (--schedule): games, dates, team totals and minutes ---- */

static void
key_of(char out[32], long days, const char *away, const char *home)
{
	char d[11];

	pgs_date_format(days, d);
	snprintf(out, 32, "%.4s%.2s%.2s_%s_%s", d, d + 5, d + 8, away, home);
}

/* Index the schedule's games by key; -1 (reported) when one in the window names no teams. */
static int
sched_init(struct ctx *c)
{
	struct pgs_game_date *all;
	size_t n, noteams = 0;
	const char *first = NULL;

	if (!c->o->schedule)
		return 0;
	all = pgs_schedule_window(c->o->schedule, LONG_MIN / 2, LONG_MAX / 2, &n);
	c->sg = n ? pgs_xcalloc(n, sizeof(*c->sg)) : NULL;
	for (size_t i = 0; i < n; i++) {
		const struct pgs_sched_game *g = pgs_schedule_game(c->o->schedule, all[i].id);
		struct sgame *e;

		if (!g || !g->teams) {
			if (all[i].days >= c->dfrom && all[i].days <= c->dto && noteams++ == 0)
				first = all[i].id;
			continue;
		}
		e = &c->sg[c->nsg++];
		e->g = g;
		snprintf(e->id, sizeof(e->id), "%s", all[i].id);
		date_str(g->days, e->date);
		key_of(e->key, g->days, g->away.abbr, g->home.abbr);
		pgs_map_put_num(&c->sched, e->key, (long)c->nsg);
	}
	free(all);
	if (noteams) {
		pgs_err("--schedule: %zu games of the window name no teams (the first: '%s'): want "
		    "team_abbreviation_home and _road, or TEAM_ABBREVIATION and MATCHUP columns",
		    noteams, first);
		return -1;
	}
	return 0;
}

static const struct team *
team_named(const struct ctx *c, const char *abbr)
{
	for (size_t i = 0; i < c->nt; i++)
		if (strcmp(c->t[i].team, abbr) == 0)
			return &c->t[i];
	return NULL;
}

/* The players' sums of team t against the schedule's side sd; 1 when they differ. */
static int
sched_totals(struct ctx *c, struct month *m, const struct sgame *e, const struct team *t,
    const struct pgs_sched_side *sd)
{
	json_t *diff = json_object();
	pgs_buf b = { 0 };
	int failed = 0;

	for (int k = 0; k < PGS_TT_N; k++) {
		long sum = k == PGS_TT_PTS ? t->s.points : t->s.sums[k - 1], want = sd->tot[k];

		if (!(sd->has >> k & 1))
			continue;
		/* stats.nba.com's team TOV counts team turnovers, charged to no player */
		if (k == PGS_TT_TOV ? sum <= want && want - sum <= c->o->team_turnovers : sum == want)
			continue;
		json_object_set_new(diff, pgs_team_totals[k], json_pack("{s:I, s:I}", "players",
		    (json_int_t)sum, "team", (json_int_t)want));
		pgs_buf_addf(&b, "%s%s %ld vs %ld", b.len ? ", " : "", pgs_team_totals[k], sum, want);
		failed = 1;
	}
	if (failed)
		fail(c, C_SCHED_TOTALS, m, json_pack("{s:s, s:s, s:s, s:o}", "game_id", t->game_id,
		    "team_abbr", t->team, "schedule_game_id", e->id, "differences", diff),
		    "%s %s: the players' sums are not the team's totals (%s): %s (players vs team)",
		    t->game_id, t->team, e->id, b.s);
	else
		json_decref(diff);
	pgs_buf_free(&b);
	if (sd->minutes >= 0 && t->s.active > 0 && labs(t->s.seconds - sd->minutes * 60) >
	    seconds_tolerance(c, &t->s)) {
		fail(c, C_SCHED_MINUTES, m, json_pack("{s:s, s:s, s:s, s:I, s:I}", "game_id",
		    t->game_id, "team_abbr", t->team, "schedule_game_id", e->id,
		    "seconds", (json_int_t)t->s.seconds, "expected", (json_int_t)(sd->minutes * 60)),
		    "%s %s: %ld seconds played, the schedule's team minutes are %ld (%ld s) ±%ld",
		    t->game_id, t->team, t->s.seconds, sd->minutes, sd->minutes * 60,
		    seconds_tolerance(c, &t->s));
		failed = 1;
	}
	return failed;
}

/* The home and road team of the held game: the team whose rows say home_game, else
 * the game_id's YYYYMMDD_AWAY_HOME. */
static void
game_sides(const struct ctx *c, char away[8], char home[8])
{
	const char *g = c->t[0].game_id, *u1 = strchr(g, '_'), *u2 = u1 ? strchr(u1 + 1, '_') : NULL;

	away[0] = home[0] = '\0';
	if (u1 && u2) {
		snprintf(away, 8, "%.*s", (int)(u2 - u1 - 1), u1 + 1);
		snprintf(home, 8, "%s", u2 + 1);
	}
	if (c->nt == 2 && (c->t[0].s.home > 0) != (c->t[1].s.home > 0)) {
		int h = c->t[0].s.home > 0 ? 0 : 1;

		snprintf(home, 8, "%s", c->t[h].team);
		snprintf(away, 8, "%s", c->t[1 - h].team);
	}
}

/* The held game against the schedule (its sums only when final); 1 when a check failed. */
static int
sched_game(struct ctx *c, struct month *m, int provisional)
{
	const char *gid = c->t[0].game_id, *tdate = c->t[0].date;
	char away[8], home[8];
	struct sgame *e;
	struct tgame *u;
	long i, days;
	int failed = 0;

	if (!c->o->schedule)
		return 0;
	game_sides(c, away, home);
	if (pgs_map_get_num(&c->sched, gid, &i) < 0) {
		if (c->ntg == c->tgcap) {
			c->tgcap = c->tgcap ? 2 * c->tgcap : 64;
			c->tg = pgs_xrealloc(c->tg, c->tgcap * sizeof(*c->tg));
		}
		u = &c->tg[c->ntg++];
		memset(u, 0, sizeof(*u));
		u->game_id = pgs_xstrdup(gid);
		snprintf(u->date, sizeof(u->date), "%.10s", tdate);
		pgs_date_parse_prefix(tdate, &days);
		u->days = days;
		snprintf(u->away, sizeof(u->away), "%s", away);
		snprintf(u->home, sizeof(u->home), "%s", home);
		return 0;
	}
	e = &c->sg[i - 1];
	e->seen = 1;
	if (strncmp(tdate, e->date, 10) != 0) {
		fail(c, C_SCHED_DATES, m, json_pack("{s:s, s:s, s:s, s:s}", "game_id", gid,
		    "schedule_game_id", e->id, "date", tdate, "schedule_date", e->date),
		    "game %s is dated %.10s in the table, %s in the schedule (%s)", gid, tdate,
		    e->date, e->id);
		failed = 1;
	}
	if (c->nt == 2 && *home && strcmp(home, e->g->home.abbr) != 0) {
		fail(c, C_SCHED_DATES, m, json_pack("{s:s, s:s, s:s, s:s}", "game_id", gid,
		    "schedule_game_id", e->id, "home", home, "schedule_home", e->g->home.abbr),
		    "game %s has %s at home in the table, %s in the schedule (%s)", gid, home,
		    e->g->home.abbr, e->id);
		failed = 1;
	}
	for (int h = 0; h < 2; h++) {
		const struct pgs_sched_side *sd = h ? &e->g->home : &e->g->away;
		const struct team *t = team_named(c, sd->abbr);

		if (!t) {
			fail(c, C_SCHED_GAMES, m, json_pack("{s:s, s:s, s:s, s:s}", "game_id", gid,
			    "schedule_game_id", e->id, "date", e->date, "missing", sd->abbr),
			    "game %s (%s, %s): %s has no rows", gid, e->id, e->date, sd->abbr);
			failed = 1;
			continue;
		}
		if (!provisional)
			failed |= sched_totals(c, m, e, t, sd);
	}
	return failed;
}

/* 1 when table game u and scheduled game e look like one game re-dated or with its
 * teams the other way round. */
static int
same_game(const struct ctx *c, const struct tgame *u, const struct sgame *e, int swapped)
{
	const struct pgs_sched_game *g = e->g;

	if (swapped)
		return u->days == g->days && strcmp(u->away, g->home.abbr) == 0 &&
		    strcmp(u->home, g->away.abbr) == 0;
	return strcmp(u->away, g->away.abbr) == 0 && strcmp(u->home, g->home.abbr) == 0 &&
	    labs(u->days - g->days) <= c->o->redate_days;
}

/* After the last game: scheduled games of the window no table game matched, table games
 * the schedule lacks, and the pairs of them that are one game re-dated. */
static void
sched_rest(struct ctx *c)
{
	if (!c->o->schedule)
		return;
	for (size_t i = 0; i < c->nsg; i++) {
		struct month *m = month_of(c, c->sg[i].date);

		if (m)
			m->sched_games++;
	}
	for (size_t i = 0; i < c->nsg; i++) {
		struct sgame *e = &c->sg[i];
		struct tgame *best = NULL;
		int swapped = 0;

		if (e->seen || e->g->days < c->dfrom || e->g->days > c->dto)
			continue;
		for (size_t j = 0; j < c->ntg; j++) {
			struct tgame *u = &c->tg[j];

			if (!u->paired && same_game(c, u, e, 0) && (!best ||
			    labs(u->days - e->g->days) < labs(best->days - e->g->days)))
				best = u;
		}
		for (size_t j = 0; !best && j < c->ntg; j++)
			if (!c->tg[j].paired && same_game(c, &c->tg[j], e, 1)) {
				best = &c->tg[j];
				swapped = 1;
			}
		if (best && !swapped) {
			best->paired = e->seen = 1;
			fail(c, C_SCHED_DATES, month_of(c, best->date), json_pack("{s:s, s:s, s:s, s:s}",
			    "game_id", best->game_id, "schedule_game_id", e->id, "date", best->date,
			    "schedule_date", e->date),
			    "game %s is dated %s in the table, %s in the schedule (%s)", best->game_id,
			    best->date, e->date, e->id);
		} else if (best) {
			best->paired = e->seen = 1;
			fail(c, C_SCHED_DATES, month_of(c, best->date), json_pack("{s:s, s:s, s:s, s:s}",
			    "game_id", best->game_id, "schedule_game_id", e->id, "home", best->home,
			    "schedule_home", e->g->home.abbr),
			    "game %s has %s at home in the table, %s in the schedule (%s)", best->game_id,
			    best->home, e->g->home.abbr, e->id);
		} else {
			fail(c, C_SCHED_GAMES, month_of(c, e->date), json_pack("{s:s, s:s, s:s, s:s, s:s}",
			    "game_id", e->key, "schedule_game_id", e->id, "date", e->date,
			    "away", e->g->away.abbr, "home", e->g->home.abbr),
			    "game %s (%s, %s at %s, %s) is scheduled but has no rows", e->key, e->id,
			    e->g->away.abbr, e->g->home.abbr, e->date);
		}
	}
	for (size_t j = 0; j < c->ntg; j++) {
		struct tgame *u = &c->tg[j];

		if (u->paired)
			continue;
		fail(c, C_SCHED_GAMES, month_of(c, u->date), json_pack("{s:s, s:s}", "game_id",
		    u->game_id, "date", u->date), "game %s (%s) is not in the schedule", u->game_id,
		    u->date);
	}
}

/* The held game has provisional rows: counted, and in its date's count of such games. */
static void
provisional_game(struct ctx *c, long rows)
{
	size_t i, n = json_array_size(c->prov_dates);
	char date[11];
	json_t *d;
	int cmp;

	c->prov_games++;
	c->prov_rows += rows;
	snprintf(date, sizeof(date), "%.10s", c->t[0].date);
	/* games come by game_id, which begins with the date: almost always in order */
	for (i = n; i > 0; i--) {
		d = json_array_get(c->prov_dates, i - 1);
		cmp = strcmp(json_string_value(json_object_get(d, "date")), date);
		if (cmp == 0) {
			json_object_set_new(d, "games", json_integer(json_integer_value(json_object_get(d,
			    "games")) + 1));
			return;
		}
		if (cmp < 0)
			break;
	}
	json_array_insert_new(c->prov_dates, i, json_pack("{s:s, s:i}", "date", date, "games", 1));
}

/* The held game is complete: run the game checks, then forget it. */
static void
game_done(struct ctx *c)
{
	struct month *m;
	const char *g;
	long rows = 0, played_only = 0, min;
	int failed = 0, provisional = 0;

	if (c->nt == 0)
		return;
	g = c->t[0].game_id;
	m = month_of(c, c->t[0].date);
	for (size_t i = 0; i < c->nt; i++) {
		rows += c->t[i].s.rows;
		played_only += c->t[i].s.played_only;
		provisional |= c->t[i].s.provisional > 0;
	}
	c->games++;
	if (m)
		m->games++;
	if (provisional)
		provisional_game(c, rows);
	if (c->nt != 2) {
		json_t *teams = json_array();
		pgs_buf b = { 0 };

		for (size_t i = 0; i < c->nt; i++) {
			json_array_append_new(teams, json_string(c->t[i].team));
			pgs_buf_addf(&b, "%s%s", i ? ", " : "", c->t[i].team);
		}
		if (c->nt == 1)
			fail(c, C_BOTH_TEAMS, m, json_pack("{s:s, s:o, s:s}", "game_id", g, "teams", teams,
			    "missing", c->t[0].opp), "%s: only %s has rows (%s has none)", g,
			    c->t[0].team, *c->t[0].opp ? c->t[0].opp : "the opponent");
		else
			fail(c, C_BOTH_TEAMS, m, json_pack("{s:s, s:o}", "game_id", g, "teams", teams),
			    "%s: %zu teams have rows (%s)", g, c->nt, b.s);
		pgs_buf_free(&b);
		failed = 1;
	}
	/* a game whose every row comes from a source that lists only the players
	 * who played has no DNP or inactive rows to count: its own minimum */
	min = played_only == rows ? c->o->min_played : c->o->min_players;
	if (rows < min || rows > c->o->max_players) {
		fail(c, C_PLAYERS, m, json_pack("{s:s, s:I, s:I, s:I, s:b}", "game_id", g,
		    "rows", (json_int_t)rows, "min", (json_int_t)min, "max",
		    (json_int_t)c->o->max_players, "played_only", played_only == rows),
		    "%s: %ld players listed (want %ld..%ld%s)", g, rows, min, c->o->max_players,
		    played_only == rows ? ": its source lists only the players who played" : "");
		failed = 1;
	}
	/* a game not over yet is partial by nature: its sums (minutes, points, the
	 * schedule's team totals) are checked once it is final */
	for (size_t i = 0; i < c->nt && !provisional; i++) {
		const struct team *other = NULL;

		/* the opponent: the other team of a two-team game */
		if (c->nt == 2)
			other = &c->t[1 - i];
		failed |= team_checks(c, m, &c->t[i], other);
	}
	failed |= sched_game(c, m, provisional);
	if (failed && m)
		m->game_failures++;
	for (size_t i = 0; i < c->nt; i++)
		team_free(&c->t[i]);
	c->nt = 0;
}

/* "bbref,nbacom" of a store's sources_seen text ('["bbref", "nbacom"]', 'bbref,nbacom'). */
static char *
src_names(const char *text)
{
	pgs_buf b = { 0 };
	int sep = 0;

	for (const char *p = text ? text : ""; *p; p++) {
		if (strchr("[]\" \t", *p))
			continue;
		if (*p == ',') {
			sep = b.len > 0;
			continue;
		}
		if (sep)
			pgs_buf_adds(&b, ",");
		sep = 0;
		pgs_buf_add(&b, p, 1);
	}
	return b.s ? b.s : pgs_xstrdup("?");
}

static void
src_add(struct ctx *c, size_t month, const char *text, long multi, long disagree)
{
	char *names = src_names(text);
	size_t i;

	for (i = 0; i < c->nsr; i++)
		if (c->sr[i].month == month && strcmp(c->sr[i].sources, names) == 0)
			break;
	if (i == c->nsr) {
		c->sr = pgs_xgrow(c->sr, c->nsr, &c->srcap, sizeof(*c->sr));
		c->sr[c->nsr++] = (struct srcrate){ month, names, 0, 0 };
	} else
		free(names);
	c->sr[i].multi += multi;
	c->sr[i].disagree += disagree;
}

static int
on_game(const struct pgs_game_stats *s, void *arg)
{
	struct ctx *c = arg;
	struct month *m = month_of(c, s->game_date);
	struct day *d = day_of(c, s->game_date);
	struct team *t;

	if (!m || !d) {
		pgs_err("summary rows of game '%s' have game_date '%s', outside the window",
		    s->game_id ? s->game_id : "", s->game_date ? s->game_date : "");
		c->bad = 1;
		return -1;
	}
	if (c->nt > 0 && strcmp(c->t[0].game_id, s->game_id ? s->game_id : "") != 0)
		game_done(c);
	if (c->nt == c->tcap) {
		c->tcap = c->tcap ? 2 * c->tcap : 4;
		c->t = pgs_xrealloc(c->t, c->tcap * sizeof(*c->t));
	}
	t = &c->t[c->nt++];
	t->s = *s;
	t->game_id = dup_or_empty(s->game_id);
	t->team = dup_or_empty(s->team_abbr);
	t->date = dup_or_empty(s->game_date);
	t->opp = dup_or_empty(s->opponent_abbr);
	t->s.game_id = t->game_id;
	t->s.team_abbr = t->team;
	t->s.game_date = t->date;
	t->s.opponent_abbr = t->opp;

	c->team_games++;
	c->rows += s->rows;
	c->active += s->active;
	c->unresolved += s->unresolved;
	m->rows += s->rows;
	m->active += s->active;
	m->unresolved += s->unresolved;
	m->multi += s->multi_source;
	m->disagree += s->stats_disagree;
	t->s.sources = NULL;
	if (s->multi_source > 0)
		src_add(c, (size_t)(m - c->m), s->sources, s->multi_source, s->stats_disagree);
	m->due[PGS_V_MINUTES] += s->active;
	m->nul[PGS_V_MINUTES] += s->null_minutes;
	m->due[PGS_V_USAGE] += s->usage_due;
	m->nul[PGS_V_USAGE] += s->null_usage;
	m->due[PGS_V_TS] += s->ts_due;
	m->nul[PGS_V_TS] += s->null_ts;
	m->due[PGS_V_EFG] += s->efg_due;
	m->nul[PGS_V_EFG] += s->null_efg;
	d->sum_rows += s->rows;
	return 0;
}

/* ---- raw dates, the ledger, unresolved names ---- */

static int
on_raw_date(const struct pgs_raw_date *r, void *arg)
{
	struct ctx *c = arg;
	struct day *d = day_of(c, r->game_date);
	struct month *m = month_of(c, r->game_date);

	if (!d || !m)
		return 0;
	d->raw_rows += r->rows;
	m->raw_rows += r->rows;
	c->raw_rows += r->rows;
	pgs_buf_addf(&d->sources, "%s%s", d->sources.len ? "," : "", r->source ? r->source : "");
	return 0;
}

static int
on_unresolved(const struct pgs_unresolved_name *u, void *arg)
{
	struct ctx *c = arg;

	json_array_append_new(c->unres, json_pack("{s:s, s:s?, s:s?, s:I, s:I, s:s?, s:s?}",
	    "player_lookup", u->player_lookup ? u->player_lookup : "",
	    "player_name", u->player_name, "team_abbr", u->team_abbr,
	    "rows", (json_int_t)u->rows, "teams", (json_int_t)u->teams,
	    "first_date", u->first_date, "last_date", u->last_date));
	return 0;
}

/* ---- window-wide checks ---- */

static void
month_checks(struct ctx *c)
{
	static const int kind[PGS_V_NCOLS] = { C_NULL_MINUTES, C_NULL_USAGE, C_NULL_TS, C_NULL_EFG };

	for (size_t i = 0; i < c->nm; i++) {
		struct month *m = &c->m[i];

		for (int k = 0; k < PGS_V_NCOLS; k++) {
			double p = pct(m->nul[k], m->due[k]);

			if (m->due[k] == 0 || p <= c->o->max_null_pct[k])
				continue;
			fail(c, kind[k], m, json_pack("{s:s, s:I, s:I, s:f, s:f}", "column", col_field[k],
			    "n", (json_int_t)m->nul[k], "of", (json_int_t)m->due[k], "pct", round_pct(p),
			    "max_pct", c->o->max_null_pct[k]),
			    "%s: %ld of %ld %s have NULL %s (%.*f%% > %g%%)", m->ym, m->nul[k], m->due[k],
			    col_due[k], col_field[k], p > 0 && p < 0.01 ? 4 : 2, p, c->o->max_null_pct[k]);
		}
	}
}

/* A month's rate of rows whose sources differ on a counted stat is judged from this many
 * merged rows on (pgs-transform's --max-disagree judges a source pair from 20 players). */
#define MIN_MERGED 20

static int
disagree_fails(const struct ctx *c, long disagree, long multi)
{
	return multi >= MIN_MERGED && pct(disagree, multi) > c->o->max_disagree_pct;
}

/* NBA.com's export landed without its --map (steals, blocks, turnovers swapped) and written
 * with pgs-transform's --max-disagree lifted: most merged rows carry stats_disagree.  Judged
 * per month and list of sources, so that a good pair does not hide a bad one. */
static void
disagree_checks(struct ctx *c)
{
	for (size_t i = 0; i < c->nsr; i++) {
		const struct srcrate *r = &c->sr[i];
		struct month *m = &c->m[r->month];
		double p = pct(r->disagree, r->multi);

		if (!disagree_fails(c, r->disagree, r->multi))
			continue;
		m->disagree_fail = 1;
		fail(c, C_DISAGREE, m, json_pack("{s:s, s:I, s:I, s:f, s:f}", "sources", r->sources,
		    "n", (json_int_t)r->disagree, "of", (json_int_t)r->multi, "pct", round_pct(p),
		    "max_pct", c->o->max_disagree_pct),
		    "%s: %ld of %ld rows merged from %s differ on a counted stat "
		    "(stats_disagree, %.2f%% > %g%%): a mislabelled column?", m->ym, r->disagree,
		    r->multi, r->sources, p, c->o->max_disagree_pct);
	}
}

/* The rates per season and list of sources: [{"season", "sources", "merged", "differ",
 * "pct", "fail"}] in season order; "fail" when one of its months failed. */
static json_t *
disagree_json(const struct ctx *c)
{
	json_t *out = json_array();
	int *done = pgs_xcalloc(c->nsr + 1, sizeof(*done));

	for (size_t i = 0; i < c->nsr; i++) {
		const struct srcrate *r = &c->sr[i];
		long days, multi = 0, disagree = 0;
		int season, fails = 0;
		char name[16];

		if (done[i])
			continue;
		pgs_date_parse(c->m[r->month].from, &days);
		season = pgs_season_year(days);
		for (size_t j = i; j < c->nsr; j++) {
			long dj;

			pgs_date_parse(c->m[c->sr[j].month].from, &dj);
			if (done[j] || pgs_season_year(dj) != season || strcmp(c->sr[j].sources, r->sources))
				continue;
			done[j] = 1;
			multi += c->sr[j].multi;
			disagree += c->sr[j].disagree;
			fails |= disagree_fails(c, c->sr[j].disagree, c->sr[j].multi);
		}
		snprintf(name, sizeof(name), "%d-%02d", season, (season + 1) % 100);
		json_array_append_new(out, json_pack("{s:s, s:s, s:I, s:I, s:f, s:b}", "season", name,
		    "sources", r->sources, "merged", (json_int_t)multi, "differ", (json_int_t)disagree,
		    "pct", round_pct(pct(disagree, multi)), "fail", fails));
	}
	free(done);
	return out;
}

static long
jint(const json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* 1 when the baseline month was measured over the same days as m. */
static int
same_span(const struct month *m, const json_t *b)
{
	return strcmp(jstr(b, "from"), m->from) == 0 && strcmp(jstr(b, "to"), m->to) == 0;
}

static void
baseline_checks(struct ctx *c)
{
	const json_t *months = c->o->baseline ? json_object_get(c->o->baseline, "months") : NULL;
	size_t i;
	json_t *b;

	json_array_foreach(months, i, b) {
		const char *ym = jstr(b, "month");
		long base = jint(b, "rows");

		for (size_t k = 0; k < c->nm; k++) {
			struct month *m = &c->m[k];
			double diff;

			if (strcmp(m->ym, ym) != 0)
				continue;
			m->base = b;
			if (!same_span(m, b))
				break;
			diff = base > 0 ? pct(m->rows - base, base) : 0;
			if (base > 0 ? fabs(diff) <= c->o->baseline_tolerance : m->rows == 0)
				break;
			if (base > 0)
				fail(c, C_BASELINE, m, json_pack("{s:I, s:I, s:f, s:f}", "rows",
				    (json_int_t)m->rows, "baseline", (json_int_t)base, "diff_pct",
				    round_pct(diff), "tolerance_pct", c->o->baseline_tolerance),
				    "%s: %ld rows, baseline %ld (%+.2f%%, tolerance ±%g%%)", m->ym, m->rows,
				    base, diff, c->o->baseline_tolerance);
			else
				fail(c, C_BASELINE, m, json_pack("{s:I, s:I}", "rows", (json_int_t)m->rows,
				    "baseline", (json_int_t)0),
				    "%s: %ld rows where the baseline had none", m->ym, m->rows);
			break;
		}
	}
}

static void
date_str(long days, char out[11])
{
	pgs_date_format(days, out);
}

static void
raw_summary_checks(struct ctx *c)
{
	for (size_t i = 0; i < c->nd; i++) {
		struct day *d = &c->d[i];
		char date[11];
		struct month *m;
		json_t *src;

		if (d->raw_rows == 0 || d->sum_rows > 0)
			continue;
		date_str(c->dfrom + (long)i, date);
		m = month_of(c, date);
		src = json_array();
		for (const char *p = d->sources.s; p && *p; ) {
			size_t n = strcspn(p, ",");

			json_array_append_new(src, json_stringn(p, n));
			p += n + (p[n] == ',');
		}
		d->gap = 1;
		fail(c, C_RAW_NO_SUMMARY, m, json_pack("{s:s, s:I, s:o}", "date", date, "raw_rows",
		    (json_int_t)d->raw_rows, "sources", src),
		    "%s: %ld raw rows (%s) but no summary rows", date, d->raw_rows, d->sources.s);
		if (m)
			m->date_failures++;
	}
}

struct stale {
	long first, last, dates, raw;   /* day indexes, count, the latest raw entry */
	json_t *list;                   /* the stale dates */
};

/* The summary windows with stale days (lib/ledger.h: the meaning plan uses). */
static void
stale_checks(struct ctx *c)
{
	const struct pgs_ledger *l = &c->ledger;
	struct stale *st = l->nsum ? pgs_xcalloc(l->nsum, sizeof(*st)) : NULL;
	long *latest = pgs_ledger_latest(l, c->dfrom, c->dto);
	char date[11], first[11], last[11], span[24];

	for (size_t i = 0; i < c->nd; i++) {
		long s = latest[i], r;

		if (s < 0 || (r = pgs_ledger_newer_raw(l, (size_t)s, c->dfrom + (long)i, c->dfrom + (long)i)) < 0)
			continue;
		date_str(c->dfrom + (long)i, date);
		if (st[s].dates++ == 0) {
			st[s].first = (long)i;
			st[s].list = json_array();
		}
		json_array_append_new(st[s].list, json_string(date));
		c->d[i].gap = 1;
		st[s].last = (long)i;
		if (st[s].dates == 1 || strcmp(l->raw[r].committed, l->raw[st[s].raw].committed) > 0)
			st[s].raw = r;
		month_of(c, date)->date_failures++;
	}
	for (size_t s = 0; s < l->nsum; s++) {
		const struct pgs_lwin *e = &l->sum[s], *r;

		if (st[s].dates == 0)
			continue;
		r = &l->raw[st[s].raw];
		date_str(c->dfrom + st[s].first, first);
		date_str(c->dfrom + st[s].last, last);
		snprintf(span, sizeof(span), strcmp(first, last) == 0 ? "%s" : "%s..%s", first, last);
		fail(c, C_STALE, month_of(c, first), json_pack("{s:s, s:s, s:s, s:s, s:I, s:s, s:s, s:o, s:s, s:s}",
		    "from", e->from, "to", e->to, "started_at", e->started, "committed_at", e->committed,
		    "stale_dates", (json_int_t)st[s].dates, "first_date", first, "last_date", last,
		    "dates", st[s].list, "raw_source", r->scope, "raw_committed_at", r->committed),
		    strcmp(r->scope, PGS_LEDGER_REGISTRY) == 0 ?
		    "%s..%s: summary made from raw rows as of %s, but a player's first game moved away from %ld of its "
		    "dates (%s) after that (%s, %s): their rows call him new" :
		    "%s..%s: summary made from raw rows as of %s, but raw rows of %ld of its dates (%s) landed after that "
		    "(%s, %s)", e->from, e->to, e->started, st[s].dates, span, r->scope, r->committed);
	}
	free(latest);
	free(st);
}

static void
unresolved_check(struct ctx *c)
{
	pgs_buf b = { 0 };
	size_t i, n = json_array_size(c->unres);
	json_t *u;

	if (c->unresolved <= c->o->max_unresolved)
		return;
	json_array_foreach(c->unres, i, u) {
		if (i == 5) {
			pgs_buf_addf(&b, ", and %zu more", n - 5);
			break;
		}
		pgs_buf_addf(&b, "%s%s (%s, %ld rows, %s..%s)", i ? ", " : "", jstr(u, "player_lookup"),
		    jstr(u, "team_abbr"), jint(u, "rows"), jstr(u, "first_date"), jstr(u, "last_date"));
	}
	fail(c, C_UNRESOLVED, NULL, json_pack("{s:I, s:I, s:I}", "rows", (json_int_t)c->unresolved,
	    "names", (json_int_t)n, "max", (json_int_t)c->o->max_unresolved),
	    "%ld unresolved rows of %zu names (max %ld): %s", c->unresolved, n,
	    c->o->max_unresolved, b.s ? b.s : "");
	pgs_buf_free(&b);
}

/* ---- the report ---- */

/* The dates to build again (raw rows without a summary, or a stale one),
 * as [[FROM, TO], ...] ranges of consecutive days. */
static json_t *
gaps_json(const struct ctx *c)
{
	json_t *a = json_array();
	char from[11], to[11];

	for (size_t i = 0; i < c->nd; i++) {
		size_t j = i;

		if (!c->d[i].gap)
			continue;
		while (j + 1 < c->nd && c->d[j + 1].gap)
			j++;
		date_str(c->dfrom + (long)i, from);
		date_str(c->dfrom + (long)j, to);
		json_array_append_new(a, json_pack("[s, s]", from, to));
		i = j;
	}
	return a;
}

static json_t *
month_json(const struct ctx *c, const struct month *m)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I}", "month", m->ym,
	    "from", m->from, "to", m->to, "games", (json_int_t)m->games, "rows", (json_int_t)m->rows,
	    "active", (json_int_t)m->active, "raw_rows", (json_int_t)m->raw_rows,
	    "unresolved", (json_int_t)m->unresolved);
	json_t *nul = json_object(), *b;

	for (int k = 0; k < PGS_V_NCOLS; k++) {
		double p = pct(m->nul[k], m->due[k]);

		json_object_set_new(nul, pgs_validate_cols[k], json_pack("{s:I, s:I, s:o, s:b}",
		    "n", (json_int_t)m->nul[k], "of", (json_int_t)m->due[k],
		    "pct", m->due[k] ? json_real(round_pct(p)) : json_null(),
		    "fail", m->due[k] > 0 && p > c->o->max_null_pct[k]));
	}
	json_object_set_new(j, "null", nul);
	json_object_set_new(j, "disagree", json_pack("{s:I, s:I, s:o, s:b}", "n",
	    (json_int_t)m->disagree, "of", (json_int_t)m->multi,
	    "pct", m->multi ? json_real(round_pct(pct(m->disagree, m->multi))) : json_null(),
	    "fail", m->disagree_fail));
	if (!m->base) {
		b = json_null();
	} else if (!same_span(m, m->base)) {
		b = json_pack("{s:I, s:b, s:s, s:s}", "rows", (json_int_t)jint(m->base, "rows"),
		    "compared", 0, "from", jstr(m->base, "from"), "to", jstr(m->base, "to"));
	} else {
		long base = jint(m->base, "rows");
		double diff = pct(m->rows - base, base);

		b = json_pack("{s:I, s:b, s:o, s:b}", "rows", (json_int_t)base, "compared", 1,
		    "diff_pct", base > 0 ? json_real(round_pct(diff)) : json_null(),
		    "fail", base > 0 ? fabs(diff) > c->o->baseline_tolerance : m->rows > 0);
	}
	json_object_set_new(j, "baseline", b);
	json_object_set_new(j, "game_failures", json_integer(m->game_failures));
	json_object_set_new(j, "date_failures", json_integer(m->date_failures));
	if (c->o->schedule) {
		json_object_set_new(j, "scheduled_games", json_integer(m->sched_games));
		json_object_set_new(j, "schedule_failures", json_integer(m->sched_failures));
	}
	json_object_set_new(j, "failures", json_integer(m->failures));
	return j;
}

/* The failures in check order (each check's in the order found): a new array. */
static json_t *
by_check(const json_t *failures)
{
	json_t *out = json_array(), *f;
	size_t i;

	for (int k = 0; k < NCHECKS; k++)
		json_array_foreach(failures, i, f)
			if (strcmp(jstr(f, "check"), checks[k].id) == 0)
				json_array_append(out, f);
	return out;
}

static json_t *
report(struct ctx *c, const char *store)
{
	const struct pgs_validate_opts *o = c->o;
	json_t *r, *months = json_array(), *chk = json_array(), *th;
	long nfailed = 0;

	for (size_t i = 0; i < c->nm; i++) {
		const struct month *m = &c->m[i];

		if (m->rows || m->raw_rows || m->base || m->sched_games)
			json_array_append_new(months, month_json(c, m));
	}
	for (int k = 0; k < NCHECKS; k++) {
		const char *status = c->nfail[k] ? "fail" : "pass";

		/* the schedule's checks are listed only when one was given */
		if (SCHEDULE_CHECK(k) && !o->schedule)
			continue;
		if (k == C_BASELINE && !o->baseline)
			status = "skipped";
		nfailed += c->nfail[k] > 0;
		json_array_append_new(chk, json_pack("{s:s, s:s, s:I, s:s}", "check", checks[k].id,
		    "status", status, "failures", (json_int_t)c->nfail[k], "what", checks[k].what));
	}
	th = json_pack("{s:f, s:f, s:f, s:f, s:f, s:I, s:I, s:I, s:I, s:I, s:f}",
	    "max_null_minutes_pct", o->max_null_pct[PGS_V_MINUTES],
	    "max_null_usage_pct", o->max_null_pct[PGS_V_USAGE],
	    "max_null_ts_pct", o->max_null_pct[PGS_V_TS],
	    "max_null_efg_pct", o->max_null_pct[PGS_V_EFG],
	    "baseline_tolerance_pct", o->baseline_tolerance,
	    "min_players", (json_int_t)o->min_players, "max_players", (json_int_t)o->max_players,
	    "min_played", (json_int_t)o->min_played, "seconds_tolerance", (json_int_t)o->seconds_tolerance,
	    "max_unresolved", (json_int_t)o->max_unresolved, "max_disagree_pct", o->max_disagree_pct);
	r = json_pack("{s:s, s:s, s:s, s:s, s:s, s:b, s:I, s:o, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
	    "tool", "pgs-validate", "version", PGS_VERSION, "store", store, "from", o->from,
	    "to", o->to, "ok", nfailed == 0, "failed_checks", (json_int_t)nfailed,
	    "thresholds", th, "totals", "months", (json_int_t)json_array_size(months),
	    "games", (json_int_t)c->games, "team_games", (json_int_t)c->team_games,
	    "rows", (json_int_t)c->rows, "active", (json_int_t)c->active,
	    "raw_rows", (json_int_t)c->raw_rows);
	json_object_set_new(json_object_get(r, "totals"), "unresolved", json_integer(c->unresolved));
	if (o->schedule) {
		long in = 0;

		for (size_t i = 0; i < c->nsg; i++)
			in += c->sg[i].g->days >= c->dfrom && c->sg[i].g->days <= c->dto;
		json_object_set_new(json_object_get(r, "totals"), "scheduled_games", json_integer(in));
		json_object_set_new(th, "team_turnovers", json_integer(o->team_turnovers));
		json_object_set_new(th, "redate_days", json_integer(o->redate_days));
	}
	json_object_set_new(r, "months", months);
	json_object_set_new(r, "checks", chk);
	json_object_set_new(r, "failures", by_check(c->failures));
	json_object_set_new(r, "disagreement", disagree_json(c));
	json_object_set_new(r, "gaps", gaps_json(c));
	json_object_set_new(r, "unresolved", json_incref(c->unres));
	json_object_set_new(r, "provisional", json_pack("{s:I, s:I, s:O}", "games",
	    (json_int_t)c->prov_games, "rows", (json_int_t)c->prov_rows, "dates", c->prov_dates));
	return r;
}

static void
ctx_init(struct ctx *c, const struct pgs_validate_opts *o)
{
	long k1;

	memset(c, 0, sizeof(*c));
	c->o = o;
	pgs_date_parse(o->from, &c->dfrom);
	pgs_date_parse(o->to, &c->dto);
	c->m0 = month_key(c->dfrom);
	k1 = month_key(c->dto);
	c->nm = (size_t)(k1 - c->m0 + 1);
	c->m = pgs_xcalloc(c->nm, sizeof(*c->m));
	for (size_t i = 0; i < c->nm; i++) {
		struct month *m = &c->m[i];
		long key = c->m0 + (long)i, y = key / 12, first, last;
		int mo = (int)(key % 12) + 1;

		first = pgs_days_from_civil(y, mo, 1);
		last = pgs_days_from_civil(mo == 12 ? y + 1 : y, mo == 12 ? 1 : mo + 1, 1) - 1;
		snprintf(m->ym, sizeof(m->ym), "%04d-%02d", (int)y, mo);
		date_str(first > c->dfrom ? first : c->dfrom, m->from);
		date_str(last < c->dto ? last : c->dto, m->to);
	}
	c->nd = (size_t)(c->dto - c->dfrom + 1);
	c->d = pgs_xcalloc(c->nd, sizeof(*c->d));
	c->failures = json_array();
	c->unres = json_array();
	c->prov_dates = json_array();
}

static void
ctx_free(struct ctx *c)
{
	for (size_t i = 0; i < c->nt; i++)
		team_free(&c->t[i]);
	free(c->t);
	for (size_t i = 0; i < c->nd; i++)
		pgs_buf_free(&c->d[i].sources);
	free(c->d);
	free(c->m);
	pgs_ledger_free(&c->ledger);
	free(c->sg);
	pgs_map_free(&c->sched, NULL);
	for (size_t i = 0; i < c->ntg; i++)
		free(c->tg[i].game_id);
	free(c->tg);
	json_decref(c->failures);
	json_decref(c->unres);
	for (size_t i = 0; i < c->nsr; i++)
		free(c->sr[i].sources);
	free(c->sr);
	json_decref(c->prov_dates);
}

json_t *
pgs_validate_run(pgs_store *st, const struct pgs_validate_opts *o)
{
	struct ctx c;
	json_t *r = NULL;

	ctx_init(&c, o);
	if (sched_init(&c) < 0 || pgs_store_summary_games(st, o->from, o->to, on_game, &c) < 0)
		goto out;
	game_done(&c);
	sched_rest(&c);
	if (pgs_store_raw_dates(st, o->from, o->to, on_raw_date, &c) < 0 ||
	    pgs_ledger_load(&c.ledger, st, o->from, o->to, NULL) < 0 ||
	    pgs_store_summary_unresolved(st, o->from, o->to, on_unresolved, &c) < 0)
		goto out;
	month_checks(&c);
	baseline_checks(&c);
	raw_summary_checks(&c);
	stale_checks(&c);
	unresolved_check(&c);
	disagree_checks(&c);
	r = report(&c, pgs_store_name(st));
out:
	ctx_free(&c);
	return r;
}

int
pgs_validate_ok(const json_t *report)
{
	return json_is_true(json_object_get(report, "ok"));
}

/* ---- baselines ---- */

json_t *
pgs_baseline_from_report(const json_t *r)
{
	json_t *months = json_array(), *m;
	char now[32];
	size_t i;

	json_array_foreach(json_object_get(r, "months"), i, m)
		json_array_append_new(months, json_pack("{s:s, s:s, s:s, s:I}", "month", jstr(m, "month"),
		    "from", jstr(m, "from"), "to", jstr(m, "to"), "rows", (json_int_t)jint(m, "rows")));
	pgs_now_iso(now, sizeof(now));
	return json_pack("{s:i, s:s, s:s, s:s, s:s, s:o}", "pgs_baseline", 1,
	    "store", jstr(r, "store"), "from", jstr(r, "from"), "to", jstr(r, "to"),
	    "saved_at", now, "months", months);
}

json_t *
pgs_baseline_load(const char *path)
{
	json_error_t e;
	json_t *b = json_load_file(path, 0, &e), *m;
	size_t i;
	long d;

	if (!b) {
		if (e.line < 0 || access(path, R_OK) < 0)
			pgs_err("cannot read baseline '%s': %s", path, strerror(errno));
		else
			pgs_err("baseline '%s':%d: %s", path, e.line, e.text);
		return NULL;
	}
	if (json_integer_value(json_object_get(b, "pgs_baseline")) != 1 ||
	    !json_is_array(json_object_get(b, "months")))
		goto bad;
	json_array_foreach(json_object_get(b, "months"), i, m) {
		const char *ym = jstr(m, "month");

		if (strlen(ym) != 7 || pgs_date_parse(jstr(m, "from"), &d) < 0 ||
		    pgs_date_parse(jstr(m, "to"), &d) < 0 || !json_is_integer(json_object_get(m, "rows")) ||
		    jint(m, "rows") < 0 || strncmp(ym, jstr(m, "from"), 7) != 0)
			goto bad;
	}
	return b;
bad:
	pgs_err("baseline '%s': not a pgs-validate baseline (want {\"pgs_baseline\":1,\"months\":"
	    "[{\"month\",\"from\",\"to\",\"rows\"}...]})", path);
	json_decref(b);
	return NULL;
}

int
pgs_validate_save(const char *path, const char *text, size_t len, const char *what)
{
	char why[PATH_MAX + 128];
	struct stat sb;
	ssize_t n;
	size_t off = 0;
	int fd, e;

	/* a symlink, device or pipe (/dev/stdout, /dev/full, a FIFO) is
	 * written to in place, never replaced by a renamed file: run as root,
	 * a rename would put a plain file where /dev/stdout was */
	if (lstat(path, &sb) == 0 && !S_ISREG(sb.st_mode) && !S_ISDIR(sb.st_mode)) {
		if ((fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644)) < 0)
			goto fail;
		for (; off < len; off += (size_t)n)
			if ((n = write(fd, text + off, len - off)) < 0) {
				if (errno == EINTR) {
					n = 0;
					continue;
				}
				e = errno;
				close(fd);
				errno = e;
				goto fail;
			}
		if (close(fd) < 0)
			goto fail;
		return 0;
	}
	if (pgs_write_atomic(path, text, len, NULL, why, sizeof(why)) == 0)
		return 0;
fail:
	pgs_err("cannot write %s '%s': %s", what, path, strerror(errno));
	return -1;
}
