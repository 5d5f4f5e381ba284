/*
 * sample.h — what the files of pgs-sample share: the league's data, the
 * random streams and the functions one file calls in another.
 *
 * pgs-sample generates a deterministic, fictional but realistic NBA league
 * and writes its box scores; it makes the test and benchmark data of the
 * other tools, so it shares lib's plumbing (options, errors, allocation,
 * buffers, the calendar, the hash map) but none of their parsing, naming or
 * formulas.
 *
 *	main.c      options and flow: a league, then each season played and written
 *	rng.c       random numbers: xoshiro256** streams named by (seed, season, purpose)
 *	league.c    teams, names, players, rosters, off-seasons
 *	schedule.c  a regular season's calendar and schedule
 *	game.c      trades and one game: lineups, minutes, box scores
 *	season.c    a season: standings, play-in, playoffs, the Cup final
 *	output.c    bbref-derived CSV or raw NDJSON, to stdout or one file per season
 *
 * Determinism: every random decision comes from a stream named by (seed,
 * season, purpose).  The rosters, the schedule and the games of one season
 * each have their own stream, so cutting a season short (--scale < 1) or
 * filtering by date never changes what the kept games look like.
 */
#ifndef PGS_SAMPLE_H
#define PGS_SAMPLE_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "dates.h"
#include "hashmap.h"
#include "util.h"

#define LAST_YEAR	2023	/* the newest season is 2023-24 */
#define SCALE_MAX	100.0
#define PI		3.14159265358979323846
#define STRENGTH_SD	6.0	/* points, before the margin narrowing */
#define MARGIN_SIGMA	23.0	/* see play_game() */
#define OT_SIGMA	6.0	/* overtime games were tied after 48 minutes */

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

enum {
	NTEAMS = 30,
	NPAIRS = NTEAMS / 2,
	ROSTER_MAX = 20,
	ROSTER_BASE = 15,
	PLAY_MIN = 8,
	PLAY_MAX = 13,
	DNP_MAX = 4,
	REG_GAMES = 82,
	REG_TOTAL = NTEAMS * REG_GAMES / 2,	/* 1,230 games */
	DAY_MIN = 3,
	DAY_MAX = 14,
	MAX_DAYS = 400,
	NPINNED_MAX = 32,
};

/* Independent random streams; see rng_init(). */
enum stream {
	ST_LEAGUE = 1,
	ST_OFFSEASON,
	ST_SCHEDULE,
	ST_TRADES,
	ST_GAMES,
	ST_POSTSEASON,
	ST_STRENGTH,
};

enum gtype { GT_REGULAR, GT_PLAYIN, GT_PLAYOFFS, GT_CUP_FINAL };
enum format { FMT_BBREF, FMT_RAW };
enum reason { R_NONE, R_DNP, R_DND, R_NWT, R_SUSP };

enum box_stat {
	S_FG, S_FGA, S_FG3, S_FG3A, S_FT, S_FTA, S_ORB, S_DRB,
	S_AST, S_STL, S_BLK, S_TOV, S_PF, S_PTS, NSTAT
};

/* NBA tricodes (bbref differs for three of them) and conferences (league.c). */
extern const char *const nba_code[NTEAMS];
extern const char *const bbref_code[NTEAMS];
extern const unsigned char is_east[NTEAMS];

struct player {
	char name[80];		/* display name, UTF-8, as printed */
	char csk[80];		/* bbref sort key "Last,First" (no suffix) */
	char id[24];		/* bbref style id, e.g. jokavni01 */
	double q;		/* overall quality, 0..1: minutes and role */
	double pos;		/* 0 guard .. 1 center */
	double usage, r3, ftr, p2, p3, pft;
	double orb, drb, ast, stl, blk, tov, pf;
	int team;		/* -1 when not in the league */
	int injured;		/* games still to miss */
	unsigned char is_pinned, traded;
};

struct league {
	struct player *p;
	size_t n, cap;
	int roster[NTEAMS][ROSTER_MAX];
	int nroster[NTEAMS];
	int year;		/* the season being played (its start year) */
	double strength[NTEAMS];	/* points per game above average */
	pgs_map names, ids;	/* display names and ids given out: namesakes, clashes */
};

struct row {
	int player;
	unsigned char team, starter, reason, variant, pm_blank;
	short sec;			/* -1 on DNP rows */
	short pm;
	unsigned char st[NSTAT];
};

struct game {
	long date;
	int type, home, away, n_ot;
	int pts_home, pts_away;
	size_t row0;
	int nrows_away, nrows_home;
	char key[16];		/* output order within a date */
};

struct season {
	int year;
	struct game *g;
	size_t ng, capg;
	struct row *r;
	size_t nr, capr;
	int wins[NTEAMS], losses[NTEAMS];
};

struct sched {
	int home[REG_TOTAL], away[REG_TOTAL];
	int nday;
	long date[MAX_DAYS];
	int first[MAX_DAYS + 1];	/* games of day d: order[first[d]..first[d+1]) */
	int order[REG_TOTAL];
};

struct opts {
	uint64_t seed;
	double scale;
	enum format fmt;
	long from, to;
	const char *dir;
};

struct out {
	enum format fmt;
	const char *dir;
	FILE *fp;
	char *path, *tmp;	/* NULL path: standard output */
	long from, to;
	unsigned long long rows, games, files;
	int failed;		/* a write failed: the file is gone, nothing more is written */
};

struct rng { uint64_t s[4]; };

/* Day numbers and the calendar: lib/dates, with int years. */
static inline long
days_from_civil(int y, int m, int d)
{
	return pgs_days_from_civil(y, m, d);
}

static inline void
civil_from_days(long z, int *y, int *m, int *d)
{
	long yy;

	pgs_civil_from_days(z, &yy, m, d);
	*y = (int)yy;
}

/* main.c: a broken invariant of the generator (a bug): says so and exits 3. */
void internal_error(const char *what) __attribute__((noreturn));

/* rng.c */
void rng_init(struct rng *r, uint64_t seed, uint64_t a, uint64_t b);
uint64_t rng_next(struct rng *r);
double rng_unit(struct rng *r);
int rng_below(struct rng *r, int n);
double rng_normal(struct rng *r);
int rng_poisson(struct rng *r, double lambda);
int rng_binom(struct rng *r, int n, double p);
int rng_pick(struct rng *r, const double *w, int n);
void rng_shuffle(struct rng *r, int *a, int n);
double clamp(double x, double lo, double hi);

/* league.c */
void league_create(struct league *L, uint64_t seed, int year);
void offseason(struct league *L, uint64_t seed, int year);
void league_free(struct league *L);
void roster_add(struct league *L, int t, int pi);
void roster_remove(struct league *L, int t, int pi);
void team_strengths(struct league *L, struct rng *r);

/* schedule.c */
struct calendar {
	long start, end;		/* planned regular season */
	long thanksgiving, allstar, cup;	/* cup: -1 when none */
};
struct calendar season_calendar(int year);
void make_schedule(struct sched *s, const struct calendar *c, uint64_t seed, int year);

/* game.c */
enum { TRADES_MAX = 40, TRADE_SIDE_MAX = 3 };

struct trade {
	int day;		/* schedule day index it takes effect */
	int a, b, k;
	int pa[TRADE_SIDE_MAX], pb[TRADE_SIDE_MAX];
	int done;
};
int plan_trades(struct league *L, uint64_t seed, int year, int nday, struct trade *tr);
void apply_trades(struct league *L, struct trade *tr, int n, int upto_day);
int play_game(struct league *L, struct season *S, struct rng *r, long date, int type,
    int home, int away);

/* season.c */
void run_season(struct league *L, struct season *S, const struct opts *o, int year);

/* output.c: 0, or -1 after reporting (the tool exits 3) */
int out_start(struct out *o);
int write_season(struct out *o, const struct league *L, struct season *S);
int out_close(struct out *o);

#endif
