/*
 * schedule.h — game dates by stats.nba.com game id, from the --games files
 * of pgs-extract: schedule CSVs with a game_id (or nba_game_id) and a
 * game_date column, names compared case-insensitively (millxing's
 * team_game_logs, the bbref crosswalk, NocturneBear's play_off_totals).
 *
 * boxscoretraditionalv3 documents carry only the id, so the schedule dates
 * them; and a {game_id} URL template fetches the games it lists.  Each file
 * is read once, so a pipe (--games <(…)) serves both.
 *
 * The same files are pgs-validate's --schedule: when a file names the teams
 * and their totals, the reader keeps them too (struct pgs_sched_game), so
 * the table can be held against what the league published.  A value that
 * is there but not a whole count is an error, never a guess.
 *
 * Ownership: the schedule owns its ids; pgs_schedule_window() returns an
 * array the caller frees, whose ids live as long as the schedule.
 */
#ifndef PGS_SCHEDULE_H
#define PGS_SCHEDULE_H

#include <stddef.h>

typedef struct pgs_schedule pgs_schedule;

struct pgs_game_date {
	const char *id;    /* borrowed from the schedule */
	long days;
};

/* The team totals a team log may give, in this order (pgs_team_totals: the summary's names). */
enum {
	PGS_TT_PTS, PGS_TT_FGM, PGS_TT_FGA, PGS_TT_FG3M, PGS_TT_FG3A, PGS_TT_FTM, PGS_TT_FTA,
	PGS_TT_OREB, PGS_TT_DREB, PGS_TT_AST, PGS_TT_STL, PGS_TT_BLK, PGS_TT_TOV, PGS_TT_PF, PGS_TT_N
};
extern const char *const pgs_team_totals[PGS_TT_N];

/* One team of a scheduled game, as a team game log gives it. */
struct pgs_sched_side {
	char abbr[8];            /* NBA tricode, "" when no file named it */
	long tot[PGS_TT_N];      /* the team's totals; bit k of has when tot[k] was given */
	unsigned has;
	long minutes;            /* 240, 265, ... (five players' minutes), -1 when not given */
};

/* A game of a team log (millxing's one row per game with _home and _road columns,
 * box_score_advanced's minutes_home/_road, linescores' pts_home/_road; or stats.nba.com's
 * one row per team with TEAM_ABBREVIATION, MATCHUP "ATL @ CHI" and MIN).  Files are merged
 * by game id: the first file to name a value keeps it. */
struct pgs_sched_game {
	long days;               /* its date */
	int teams;               /* away and home are named */
	struct pgs_sched_side away, home;
	char type[24];           /* the log's game_type, "" when none */
};

pgs_schedule *pgs_schedule_new(void);
/* Add the games of one CSV (.gz fine).  A game listed twice keeps its first date.  0, or -1 reported. */
int pgs_schedule_load(pgs_schedule *s, const char *path);
/* 0 and *days when game_id is known, else -1. */
int pgs_schedule_date(const pgs_schedule *s, const char *game_id, long *days);
size_t pgs_schedule_size(const pgs_schedule *s);
/* The games dated in [from, to], by date then id: a new array of *n entries (free() it; NULL when none). */
struct pgs_game_date *pgs_schedule_window(const pgs_schedule *s, long from, long to, size_t *n);
/* The teams and totals of game_id as the files gave them, or NULL (borrowed). */
const struct pgs_sched_game *pgs_schedule_game(const pgs_schedule *s, const char *game_id);
void pgs_schedule_free(pgs_schedule *s);

#endif
