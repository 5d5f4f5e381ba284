/*
 * lines.h — player points lines (props) for pgs-transform --lines FILE.
 *
 * FILE is NDJSON, one line per bookmaker snapshot:
 *   {"game_date":"2023-10-24","player_name":"Nikola Jokić","bookmaker":"draftkings",
 *    "line":28.5,"snapshot_at":"2023-10-24T22:10:00Z","tipoff_at":"2023-10-25T02:30:00Z"}
 * (player_lookup instead of or beside player_name; optional market, game_id).
 *
 * Only the best candidate per (game_date, player_lookup) is kept while reading,
 * so memory is bounded by the number of player-games, not of snapshots.  Best:
 * the bookmaker ranked highest by the priority list (unlisted bookmakers after,
 * by name), then, within it, the latest snapshot taken before tip-off.
 *
 * Bad lines are rejected through rejects.h with FILE:LINE (like pgs_rows); the
 * caller folds pgs_reject_count() into its exit status.  Nothing here exits.
 */
#ifndef PGS_LINES_H
#define PGS_LINES_H

#include <stddef.h>

/* The default bookmaker priority, most trusted first. */
#define PGS_LINES_DEFAULT_BOOKMAKERS "draftkings,fanduel,betmgm,caesars"

typedef struct pgs_lines pgs_lines;

/* The line chosen for one player-game; strings live as long as the table. */
struct pgs_line {
	double line;
	const char *bookmaker;   /* as the file spells it */
};

/* Statistics of a load, for -v. */
struct pgs_lines_stats {
	long read;          /* JSON objects read (rejected lines not counted) */
	long used;          /* candidates considered (points market, before tip-off) */
	long late;          /* snapshots at or after tip-off: ignored */
	long other_market;  /* a market other than points: skipped */
	long keys;          /* distinct (game_date, player) pairs with a line */
};

/* bookmakers: priority list, most trusted first (borrowed, compared without case). */
pgs_lines *pgs_lines_new(const char *const *bookmakers, size_t n);
void pgs_lines_free(pgs_lines *l);

/*
 * Read path (plain or gzip NDJSON) into the table.  Returns 0 (bad lines were
 * rejected, see pgs_reject_count()), or -1 when the file cannot be read or
 * --max-rejects was exceeded (already reported).
 */
int pgs_lines_load(pgs_lines *l, const char *path);

/* The chosen line of a player on a date ("YYYY-MM-DD", player_lookup), or NULL. */
const struct pgs_line *pgs_lines_find(const pgs_lines *l, const char *game_date, const char *lookup);

void pgs_lines_stats(const pgs_lines *l, struct pgs_lines_stats *st);

#endif
