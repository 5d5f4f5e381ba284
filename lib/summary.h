/*
 * summary.h — the per-game computation of pgs-transform: raw rows of one game
 * in, one summary row per player out (MANUAL "Summary row").  Store-neutral and
 * independent of how rows arrive, so it can be tested directly.
 *
 * Use: pgs_summary_new(); for every raw row of a game pgs_summary_add(); then
 * pgs_summary_flush() emits that game's summary rows and empties the buffer for
 * the next game.  Memory is bounded by the largest game, and buffers are reused.
 *
 * Ownership: pgs_summary_add() takes its own reference to a row it accepts (the
 * caller keeps and drops its own) and may add player_lookup / registry_status to
 * it when they are absent.  Lines handed to the emit callback live only during
 * the call.  Nothing here prints or exits; errors are returned.
 */
#ifndef PGS_SUMMARY_H
#define PGS_SUMMARY_H

#include <jansson.h>
#include <stddef.h>

#include "lines.h"

struct pgs_summary_opts {
	const char *const *prefer;  /* source names, most preferred first (borrowed) */
	size_t nprefer;
	const char *processed_at;   /* "YYYY-MM-DDTHH:MM:SSZ" (copied) */
	const pgs_lines *lines;     /* points lines, or NULL: props fields stay null (borrowed) */
};

/* The default --prefer order. */
#define PGS_SUMMARY_DEFAULT_PREFER "nbastats,nbacom,bbref"

/* Quality codes, in the order they appear in quality_issues. */
enum pgs_issue {
	PGS_ISSUE_MINUTES_DISAGREE = 1 << 0,   /* sources differ by more than 60 s */
	PGS_ISSUE_POINTS_DISAGREE = 1 << 1,    /* sources differ on points */
	PGS_ISSUE_MINUTES_MISSING = 1 << 2,    /* active, but no source has minutes */
	PGS_ISSUE_USAGE_IMPLAUSIBLE = 1 << 3,  /* usage_rate > 100 */
	PGS_ISSUE_TEAM_MINUTES_SHORT = 1 << 4, /* the team's seconds < 240·60 − 60 */
	PGS_ISSUE_UNRESOLVED_PLAYER = 1 << 5,  /* no universal_player_id / status unresolved */
	PGS_ISSUE_STATS_DISAGREE = 1 << 6,     /* sources differ on a counted stat other than points */
};

/* The sources pgs's readers name ("bbref", "nbacom", "nbastats", "sample"), NULL-ended:
 * the names --prefer accepts. */
extern const char *const pgs_known_sources[];
/* 1 when name is one of them. */
int pgs_summary_known_source(const char *name);

/* Disagreements between two sources over the players both list: players compared, and
 * per stat (pgs_summary_stats order) the players both have a value for and those whose
 * values differ. */
#define PGS_SUMMARY_NSTATS 16
#define PGS_SUMMARY_PLUS_MINUS 15          /* its index: rounded apart, never a threshold */
#define PGS_MAX_SOURCES 8
extern const char *const pgs_summary_stats[PGS_SUMMARY_NSTATS];
struct pgs_disagree {
	long players;
	long compared[PGS_SUMMARY_NSTATS], differ[PGS_SUMMARY_NSTATS];
};

typedef struct pgs_summary pgs_summary;

/* Returns a new context, or NULL when opts->processed_at is missing. */
pgs_summary *pgs_summary_new(const struct pgs_summary_opts *opts);
void pgs_summary_free(pgs_summary *s);

/*
 * Check raw row against the contract and buffer it for the current game.
 * Returns 0, or -1 with the reason (e.g. "bad minutes '3a:10'") in err (cap
 * bytes); a rejected row is not buffered.  The caller decides where games end:
 * it flushes before adding the first row of a different game_id.
 */
int pgs_summary_add(pgs_summary *s, json_t *row, char *err, size_t cap);

/* game_id of the buffered rows, or NULL when none are buffered. */
const char *pgs_summary_game(const pgs_summary *s);

/* 1 when the game added since the last flush is final: none of its rows says
 * is_final false (see summary.c); 0 otherwise. */
int pgs_summary_game_final(const pgs_summary *s);

/*
 * Called once per summary row: line is its compact JSON, as pgs_json_dump()
 * writes it, without a newline: the content fields in schema order,
 * data_hash, processed_at, then the passed-through unknown fields.  The row
 * is written as text directly (no tree is built for it).  Non-zero stops the
 * flush.
 */
typedef int (*pgs_summary_emit_fn)(const char *line, size_t len, void *arg);

/*
 * Merge the buffered game's sources, compute its summary rows and emit them in
 * the order the players first appeared.  The buffer is emptied in every case.
 * Returns the number of rows emitted, or -1 when emit returned non-zero.
 */
long pgs_summary_flush(pgs_summary *s, pgs_summary_emit_fn emit, void *arg);

/* Parse a --prefer LIST ("nbastats,nbacom,bbref") into *names (an array of
 * pointers into one allocation; free(*names) frees both).  Returns the count,
 * or -1 for an empty name or a name given twice. */
long pgs_summary_parse_prefer(const char *list, const char ***names);

/* Call fn(a, b, counts) for each pair of sources compared since the last reset (a before b
 * in the order first seen); with reset, start counting again.  Stops at fn's non-zero,
 * returned. */
int pgs_summary_disagreements(pgs_summary *s, int (*fn)(const char *a, const char *b,
    const struct pgs_disagree *d, void *arg), void *arg, int reset);

#endif
