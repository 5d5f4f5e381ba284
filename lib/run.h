/*
 * run.h — the rules of pgs-run, the batch coordinator, apart from its
 * processes so that they can be tested directly: a batch's outcome from
 * pgs-write's statistics line or from its stages' exit statuses and
 * diagnostics, how a plan is cut into chunks for GNU parallel, the run's
 * totals, its progress line, summary and exit status, and what GNU
 * parallel's job log says of lost hosts.
 *
 * Nothing here prints, forks or exits: the functions fill buffers (pgs_buf,
 * caller-owned) and structs.
 */
#ifndef PGS_RUN_H
#define PGS_RUN_H

#include <stddef.h>

#include "util.h"

enum pgs_batch_status { PGS_BATCH_DONE, PGS_BATCH_FAILED, PGS_BATCH_REFUSED };

/* One batch's outcome. */
struct pgs_batch {
	char from[11], to[11];
	long days;
	int status;              /* PGS_BATCH_* */
	int code;                /* 0; 1 rows were rejected; 4 refused; else the failing stage's status */
	long counts[5];          /* rows_in, inserted, updated, unchanged, deleted: 0 unless done */
	char msg[600];           /* why it failed or was refused; "" when done */
	char refused[16];        /* the guard that refused it ("shrink", "fenced"), or "" */
};

/* The batch [from, to] as done with no counts yet (days set); -1 on a bad date. */
int pgs_batch_init(struct pgs_batch *b, const char *from, const char *to);

/*
 * The outcome of a batch from pgs-write's statistics line: done with its
 * counts (code 1 when it names rejected rows), or refused (code 4) in the
 * words of pgs_refusal_message.  The window is the line's own "from" and
 * "to".  0, or -1 with why when the line is not a statistics line.
 */
int pgs_batch_from_stats(struct pgs_batch *b, const char *line, size_t len, char *why, size_t whylen);

/*
 * Which stage's exit status explains a pipeline that stopped before its
 * window was written: the first stage that failed by itself (status 2 or
 * more, but not 141 — a stage killed by SIGPIPE only lost its reader — and
 * not 4, a refusal, which comes with a statistics line); else the first
 * killed by SIGPIPE.  Returns its index, or -1 when none failed.
 */
int pgs_run_cause(const int *status, size_t n);

/*
 * "STAGE exited CODE: MESSAGE" into out: MESSAGE is the stage's own last
 * diagnostic in log (its last line "STAGE: ...", without the prefix), else
 * the last line that names STAGE ("not found"), else nothing ("STAGE exited
 * CODE").  A stage killed by a signal (CODE 128 + N) is "STAGE was killed
 * (SIGKILL)".
 */
void pgs_run_stage_message(const char *stage, int code, const char *log, size_t len,
    char *out, size_t cap);

/* A stage's argument with {} replaced by windows, {from} and {to} by the
 * dates (each only when not NULL); a new string. */
char *pgs_run_fill(const char *arg, const char *windows, const char *from, const char *to);

/* When the run began, ms since the epoch: started (PGS_RUN_STARTED: µs
 * since the epoch, or ISO-8601), else now. */
long long pgs_run_started_ms(const char *started);

/* How many batches a chunk of a plan of n batches holds with jobs workers:
 * about four chunks a worker, so that a chunk of busy days does not keep
 * one worker going long after the others. */
size_t pgs_run_chunk_size(size_t n, long jobs);

/* A list of lines, owned. */
struct pgs_run_list {
	char **v;
	size_t n, cap;
};

/* The totals of a run, as the coordinator adds up its batches. */
struct pgs_run_totals {
	long batches_total, days_total;  /* of the plan */
	long stale;                      /* ledger windows the plan found stale */
	long batches, days;              /* run so far */
	long counts[5];
	long rejected;                   /* batches (or streams) with rejected rows */
	long lost;                       /* results that could not be had or recorded */
	struct pgs_run_list failed, refused;  /* "F..T  message" each */
	struct pgs_batch *seen;          /* the outcome counted for each batch */
	size_t nseen, capseen;
};

void pgs_run_totals_free(struct pgs_run_totals *t);
/*
 * Add one batch's outcome to the totals.  A batch is counted once: when
 * GNU parallel runs a lost host's chunk again elsewhere, a batch that
 * reported from the lost host reports again.  Its done outcome stands (it
 * made the changes; the second run found them made); a later outcome
 * replaces an earlier one that was not done.
 */
void pgs_run_account(struct pgs_run_totals *t, const struct pgs_batch *b);

/* The progress line after the batches so far, elapsed_ms after the run's
 * start: "N/M batches  D/E days  R rows  X rows/s  eta H:MM:SS" and the
 * failed, refused and stale counts when there are any. */
void pgs_run_progress(const struct pgs_run_totals *t, long long elapsed_ms, pgs_buf *out);

/* The summary's lines (each ending in a newline), prog and job naming it. */
void pgs_run_summary(const struct pgs_run_totals *t, const char *prog, const char *job, int dry_run,
    long long elapsed_ms, pgs_buf *out);

/*
 * The lines after the summary (failed, refused, halted, lost batches) into
 * out, and the run's exit status: 4 when a guard refused a batch, else 3
 * when one failed, --halt-on-error stopped the run or batches gave no
 * result, else 1 when rows were rejected, else 0.
 */
int pgs_run_end(const struct pgs_run_totals *t, const char *prog, int halted, pgs_buf *out);

/*
 * GNU parallel's --joblog text: for every try that ended with ssh's 255
 * (the host was lost or could not be reached), the line
 * "PROG: host H was lost or could not be reached (ssh exited 255); no result for: F..T ..."
 * one a host, into out, and for every try that ended with 127 (no pgs-run
 * there) "PROG: host H: 'pgs-run' not found on PATH (...); no result for: ...";
 * the batches are read from the job's command (--from F --to T).  Returns
 * the number of such tries.
 */
long pgs_run_lost_hosts(const char *joblog, size_t len, const char *prog, pgs_buf *out);

#endif
