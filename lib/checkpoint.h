/*
 * checkpoint.h — a pgs-checkpoint job's state and pgs-write's statistics
 * line, parsed and checked in one place, so that a truncated or hand-edited
 * state file or a garbage statistics line is refused with a reason instead
 * of being half-used; and the job's files (lock, load, atomic save) and
 * what recording a batch does to them, for pgs-checkpoint and pgs-run.
 *
 * A job's state is one JSON object:
 *   {"job":J, "from":D, "to":D, "batch_days":N, "table":T,
 *    "created_at":ISO, "started_us":US, "updated_at":ISO, "updated_us":US,
 *    "done":[[D,D],...],
 *    "totals":{"batches":N, "days":N, "rows_in":N, "inserted":N, "updated":N,
 *              "unchanged":N, "deleted":N, "ms":N},
 *    "batches":{"F..T":{"from":D, "to":D, "status":"failed"|"refused",
 *                       "attempts":N, "last_error":S, "failed_at":ISO}, ...},
 *    "stale_windows":N}
 * ("stale_windows": the ledger windows the last plan --store found stale,
 * for pgs-run's progress and summary.)
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
/* Add the ranges of j ([["YYYY-MM-DD","YYYY-MM-DD"], ...], as pgs_days_json
 * makes them; anything else is skipped) to d. */
void pgs_days_add_json(struct pgs_days *d, const json_t *j);

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
	long skipped;            /* "skipped_out_of_window": rows upstream skipped, 0 when absent */
	long misfiled;           /* "skipped_misfiled": of them, rows of bodies fetched for the window */
	char skipped_dates[512]; /* "skipped_dates" as compact JSON ({"D":N,...}), "" when absent */
};

/*
 * Parse one statistics line: a JSON object with the counts rows_in,
 * inserted, updated, unchanged and deleted as non-negative integers, and
 * optionally ms, dry_run, refused, table, from and to.
 */
int pgs_stats_parse(const char *line, size_t len, struct pgs_stats *st, char *why, size_t whylen);

/* The words for a refusal of pgs-write ("shrink", "fenced", ...), the one
 * wording of pgs-checkpoint and pgs-run; into buf, which is returned. */
const char *pgs_refusal_message(const char *refused, char *buf, size_t cap);

/*
 * ---- a job's files ----
 *
 * State lives in DIR/JOB.json (pgs_state_dir: $PGS_STATE_DIR, else
 * $XDG_STATE_HOME/pgs, else ~/.local/state/pgs).  Every update holds
 * flock(DIR/JOB.lock) and replaces the file atomically (pgs_write_atomic),
 * so parallel writers can share one job and a crash leaves the old state or
 * the new, never half of one.  Functions that fail report why (pgs_err) and
 * return -1; a struct pgs_job is freed (and its lock released) by
 * pgs_job_free, whatever happened.
 */
struct pgs_job {
	const char *name;        /* borrowed */
	char *dir, *path, *lockpath;
	int lockfd;              /* -1 when not locked */
	int loaded;              /* s holds the state read from path */
	struct pgs_state s;
};

#define PGS_JOB_INIT { .lockfd = -1 }

/* The state directory, a new string; NULL after reporting that none is set. */
char *pgs_state_dir(void);
/* Is name a good job name: letters, digits, '.', '_' and '-', not starting with '.'. */
int pgs_job_name_ok(const char *name, size_t len);
/* Lock job name in dir, shared for reading (a job never written: nothing to wait for). */
int pgs_job_lock(struct pgs_job *j, const char *dir, const char *name, int shared);
/* Load the locked job's state: 1 loaded, 0 none, -1 bad (reported, with the way out). */
int pgs_job_load(struct pgs_job *j);
/* Replace the state file (updated_at set). */
int pgs_job_save(struct pgs_job *j);
void pgs_job_free(struct pgs_job *j);

/* The job's totals object, created on first use; borrowed. */
json_t *pgs_job_totals(struct pgs_job *j);
/* Add n to totals[k]. */
void pgs_job_add_total(json_t *totals, const char *k, long n);

/* Is [dfrom, dto] a batch of the loaded job j: 0, or an exit status after
 * reporting (3 no such job, 4 outside its range). */
int pgs_job_check_batch(const struct pgs_job *j, const char *from, const char *to, long dfrom, long dto);
/* Record batch [from, to] done and save: its days, and its counts from st
 * (NULL: no statistics).  Days done already are not counted again. */
int pgs_job_done(struct pgs_job *j, const char *from, const char *to, long dfrom, long dto,
    const struct pgs_stats *st);
/* Record a failed attempt of [from, to] with its error, and save; refused: the
 * guard that refused it ("shrink", "fenced", ...: status "refused"), or NULL
 * (status "failed"). */
int pgs_job_failed(struct pgs_job *j, const char *from, const char *to, const char *refused,
    const char *error);

#endif
