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

pgs_schedule *pgs_schedule_new(void);
/* Add the games of one CSV (.gz fine).  A game listed twice keeps its first date.  0, or -1 reported. */
int pgs_schedule_load(pgs_schedule *s, const char *path);
/* 0 and *days when game_id is known, else -1. */
int pgs_schedule_date(const pgs_schedule *s, const char *game_id, long *days);
size_t pgs_schedule_size(const pgs_schedule *s);
/* The games dated in [from, to], by date then id: a new array of *n entries (free() it; NULL when none). */
struct pgs_game_date *pgs_schedule_window(const pgs_schedule *s, long from, long to, size_t *n);
void pgs_schedule_free(pgs_schedule *s);

#endif
