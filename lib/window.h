/*
 * window.h — the window write of pgs-write, on every store: make the rows
 * of a table with game_date in [from, to] (for raw_boxscores: of the
 * sources in scope) equal to a batch, atomically, and record it in the
 * ledger.
 *
 * The rules live here, once, for every backend (store.h has the
 * primitives): which rows are rejects and why, the content digest that
 * decides inserted/updated/unchanged (computed here, never taken from the
 * input's data_hash), the shrink guard, fencing of stale writers, and the
 * ledger entries.
 *
 * Use: pgs_window_begin(); pgs_window_add() per row as it streams in
 * (rows are staged privately: no lock is held while the upstream is slow);
 * then pgs_window_commit(), which takes the store's write lock only for the
 * commit, or pgs_window_abort().
 */
#ifndef PGS_WINDOW_H
#define PGS_WINDOW_H

#include <jansson.h>

#include "store.h"

typedef struct pgs_window pgs_window;

struct pgs_write_opts {
	const char *table;          /* PGS_TABLE_SUMMARY (NULL) or PGS_TABLE_RAW */
	const char *from, *to;      /* the window, inclusive YYYY-MM-DD */
	const char *source;         /* raw table: the source whose window is replaced;
	                               NULL means every source present in the batch */
	double allow_shrink;        /* percent the window may shrink by */
	int dry_run;                /* do everything but commit */
	const char *run_id;         /* recorded in the ledger */
	long long run_started_us;   /* run start (µs since epoch); fencing applies when > 0 */
	const char *config;         /* configuration digest recorded in the ledger, or NULL */
};

struct pgs_write_stats {
	long rows_in, inserted, updated, unchanged, deleted;
	long before, after;         /* rows in the window before and after */
};

enum pgs_write_result {
	PGS_WRITE_OK = 0,
	PGS_WRITE_FAIL = -1,        /* reported; nothing committed */
	PGS_WRITE_SHRINK = -4,      /* refused by the shrink guard (reported) */
	PGS_WRITE_FENCED = -5,      /* refused: a later run committed an overlapping window */
};

/* NULL (reported) when the table is unknown or the store cannot stage. */
pgs_window *pgs_window_begin(pgs_store *st, const struct pgs_write_opts *o);

/*
 * The raw watermark of the window's rows (a window marker's, from
 * pgs-extract --windows: the latest landing in the ledger when they were
 * read), recorded as the ledger's started_at in place of the time the
 * window began: a landing that committed after it is one the rows may not
 * hold, and makes the window stale (ledger.h).  NULL: the time it began.
 */
void pgs_window_set_watermark(pgs_window *w, const char *watermark);

/*
 * Stage one row: 0 staged; 1 rejected, with the reason in why (the caller
 * records the reject with its input position); -1 fatal (reported).
 * text is the row's input line, or NULL: a summary row's data_hash is
 * checked against it, and recomputed from the row's fields when the text
 * does not vouch for it.  A row is rejected when it breaks its table's
 * contract, lies outside the window, has another source than --source, or
 * repeats a staged key.
 */
int pgs_window_add(pgs_window *w, json_t *row, const char *text, char *why, size_t whylen);

/*
 * Check the fence and the shrink guard, apply, record the ledger and
 * commit (or roll back for a dry run), all in one transaction.  digest is
 * the SHA-256 of the input.  Fills stats in every case but FAIL.  Frees w.
 */
enum pgs_write_result pgs_window_commit(pgs_window *w, const char *digest,
    struct pgs_write_stats *stats);

/* 1 when the store writes several windows of table (NULL: the summary table)
 * in one transaction: pgs_window_commit_group() then saves its jobs. */
int pgs_window_groups(const pgs_store *st, const char *table);

/* How much input a group holds before it is written, in bytes: PGS_GROUP_MB,
 * else the store's own default (BigQuery's is larger: each group costs jobs). */
long long pgs_window_group_bytes(const pgs_store *st);

/*
 * Commit the n windows ws — consecutive, ascending, each staged whole, on
 * one store that groups (pgs_window_groups) — in one transaction, each with
 * its own guards (res[i]: PGS_WRITE_OK, or refused: SHRINK, FENCED), ledger
 * entry (digests[i]) and statistics (stats[i]).  A refused window is left
 * out; the others commit.  Returns PGS_WRITE_OK when the transaction
 * committed (or had nothing to commit, or a dry run), PGS_WRITE_FAIL
 * (reported; nothing of the group committed, every res[i] FAIL).  Frees
 * every window.
 */
enum pgs_write_result pgs_window_commit_group(pgs_window **ws, size_t n,
    const char *const *digests, struct pgs_write_stats *stats, enum pgs_write_result *res);

/* Discard the staged batch and free w (NULL is fine). */
void pgs_window_abort(pgs_window *w);

/* The 16-hex content digest of a row of t from its values (raw rows: of
 * their stored text).  Exposed for tests. */
void pgs_row_digest(const struct pgs_table *t, const struct pgs_val *v, const char *doc,
    size_t doclen, char out[17]);

#endif
