/*
 * checkpoint.h — a pgs-checkpoint job's state and pgs-write's statistics
 * line, parsed and checked in one place, so that a truncated or hand-edited
 * state file or a garbage statistics line is refused with a reason instead
 * of being half-used.
 *
 * A job's state is one JSON object:
 *   {"job":J, "from":D, "to":D, "batch_days":N, "table":T,
 *    "created_at":ISO, "started_us":US, "updated_at":ISO, "updated_us":US,
 *    "done":[[D,D],...],
 *    "totals":{"batches":N, "days":N, "rows_in":N, "inserted":N, "updated":N,
 *              "unchanged":N, "deleted":N, "ms":N},
 *    "batches":{"F..T":{"from":D, "to":D, "status":"failed"|"refused",
 *                       "attempts":N, "last_error":S, "failed_at":ISO}, ...}}
 * "done" is the set of days done, as merged ranges: the truth of the plan.
 * "totals" adds up the batches done; "batches" keeps the batches whose last
 * attempt failed or was refused (status "done" records, with their counts,
 * are those of older state files).
 *
 * Ownership: a pgs_state owns its JSON object and its day set; free it with
 * pgs_state_free().  Parsers return 0, or -1 with a short reason in why
 * (pgs_fail); they never print or exit.
 */
#ifndef PGS_CHECKPOINT_H
#define PGS_CHECKPOINT_H

#include <jansson.h>
#include <stddef.h>

/* A set of day numbers, as sorted, disjoint, non-adjacent closed intervals. */
struct pgs_days {
	long (*iv)[2];
	size_t n, cap;
};

/* Add the days [a, b], merging with the intervals they touch. */
void pgs_days_add(struct pgs_days *d, long a, long b);
/* How many days of [a, b] are in the set. */
long pgs_days_count(const struct pgs_days *d, long a, long b);
/* The set as [["YYYY-MM-DD","YYYY-MM-DD"], ...]; a new reference. */
json_t *pgs_days_json(const struct pgs_days *d);
void pgs_days_free(struct pgs_days *d);

struct pgs_state {
	json_t *obj;             /* the whole state object, owned */
	long from, to;           /* the job's range, day numbers */
	long batch_days;
	const char *table;       /* borrowed from obj */
	struct pgs_days done;
};

/*
 * Parse and check the text of job's state file: every field above that
 * pgs-checkpoint reads must be there with the right type, dates real and
 * in order, "job" equal to job.  On success s holds the state.
 */
int pgs_state_parse(const char *text, size_t len, const char *job, struct pgs_state *s,
    char *why, size_t whylen);
/* A new state for job over [from, to] (day numbers). */
void pgs_state_init(struct pgs_state *s, const char *job, long from, long to, long batch_days,
    const char *table);
/* The state as text for its file (the day set written into "done"); the caller frees it. */
char *pgs_state_dump(struct pgs_state *s);
void pgs_state_free(struct pgs_state *s);

/* pgs-write's statistics line. */
struct pgs_stats {
	long rows_in, inserted, updated, unchanged, deleted;
	long ms;                 /* -1 when absent */
	int dry_run;             /* "dry_run":true */
	char refused[16];        /* "shrink", "fenced", …; "" when not refused */
	char table[32];          /* "" when absent */
	char from[11], to[11];   /* the window written; "" when absent */
};

/*
 * Parse one statistics line: a JSON object with the counts rows_in,
 * inserted, updated, unchanged and deleted as non-negative integers, and
 * optionally ms, dry_run, refused, table, from and to.
 */
int pgs_stats_parse(const char *line, size_t len, struct pgs_stats *st, char *why, size_t whylen);

#endif
