/*
 * sql.h — the SQL text the stores build alike: column lists, key joins, a
 * table's DDL and the validation reads, with what differs between them
 * (column types, the raw table's extra columns, how a stage is kept, how an
 * identifier is quoted, a conditional count, a date as text, parameters,
 * collation) in one dialect struct each: SQLite's, PostgreSQL's and, for the
 * reads, BigQuery's.  A new dialect is a new struct, not a new copy of the
 * builders.  Only names from the tables' own field lists go into the text:
 * values always travel as bound parameters.
 */
#ifndef PGS_SQL_H
#define PGS_SQL_H

#include <stddef.h>

#include "schema.h"
#include "store.h"
#include "util.h"

struct pgs_sql_dialect {
	/* the DDL (NULL in BigQuery's: it makes its tables through its API) */
	const char *(*type)(enum pgs_ftype t);   /* a column's type */
	const char *raw_extra;                   /* the raw table's seq and doc columns, ", "-ended */
	const char *digest_col;                  /* the row digest column */
	int key_not_null;                        /* key columns NOT NULL when the table has its key */
	const char *stage_end;                   /* after a stage's column list (its key included) */
	/* the validation reads */
	const char *quote;                       /* around every identifier: "" or "`" */
	const char *count_if[2];                 /* around a condition: the rows that meet it */
	const char *is_true;                     /* after a boolean column, to make it a condition */
	const char *date_text[2];                /* around a date: YYYY-MM-DD text */
	const char *from, *to;                   /* the window's two bound parameters */
	const char *collate;                     /* after a text key of ORDER BY: bytewise order */
	const char *has_issue[2];                /* around a quality code: the row's quality_issues has it */
	const char *multi_source;                /* the row's sources_seen lists more than one source */
	/* the history (NULL in BigQuery's) */
	const char *ts_type;                     /* a commit time: valid_from, valid_to */
	const char *sources_text;                /* the row's sources_seen as text (its names in order) */
};

extern const struct pgs_sql_dialect pgs_sql_sqlite, pgs_sql_postgres, pgs_sql_bigquery;

/* The name of key column k of t. */
const char *pgs_sql_key(const struct pgs_table *t, size_t k);
/* "PREFIXc1, PREFIXc2, ..." every column of t, the raw table's seq and doc and the row digest. */
void pgs_sql_cols(pgs_buf *b, const struct pgs_table *t, const char *prefix);
/* "k1, k2" */
void pgs_sql_keys(pgs_buf *b, const struct pgs_table *t);
/* "a.k1 = b.k1 AND a.k2 = b.k2" */
void pgs_sql_key_eq(pgs_buf *b, const struct pgs_table *t, const char *a, const char *bb);
/*
 * "CREATE [PREFIX]TABLE IF NOT EXISTS NAME (cols..., [PRIMARY KEY (keys)])" and
 * ";\n": a target (prefix "", its key) or a stage (prefix "TEMP "; its key
 * when key is set, then the dialect's stage_end).
 */
void pgs_sql_table_ddl(pgs_buf *b, const struct pgs_sql_dialect *d, const struct pgs_table *t,
    const char *prefix, const char *name, int key);

/*
 * A table's history (see store.h): "CREATE TABLE IF NOT EXISTS
 * player_game_summary_history (...)" (raw_boxscores_history for the raw
 * table) with the table's columns (the raw table's seq and doc), its digest,
 * valid_from, valid_to, superseded_by_run, window_from, window_to and
 * reason, and its indexes (by game_date for the as-of reads, by valid_to for
 * pruning), each statement ";\n"-ended.
 */
void pgs_sql_history_ddl(pgs_buf *b, const struct pgs_sql_dialect *d, const struct pgs_table *t);
/*
 * "INSERT INTO <t's history> (...) SELECT A.cols...,
 * A.valid_from, V[0], V[1], V[2], V[3], 'REASON' " and then from_where: the
 * rows of alias A (the table's old versions) that a commit at V[0] by run
 * V[1] of the window V[2]..V[3] supersedes.  V are placeholders or
 * expressions, never values.
 */
void pgs_sql_history_insert(pgs_buf *b, const struct pgs_table *t, const char *alias,
    const char *const v[4], const char *reason, const char *from_where);
/* "A.f1, A.f2, ..." the row fields of t alone (no digest, no store columns). */
void pgs_sql_fields(pgs_buf *b, const struct pgs_table *t, const char *alias);
/* The same, but the n columns absent (a table an older pgs made, read before its next write
 * adds them) each selected as its expr AS column (the value its rows read as). */
struct pgs_sql_absent {
	const char *column, *expr;
};
void pgs_sql_fields_absent(pgs_buf *b, const struct pgs_table *t, const struct pgs_sql_absent *absent,
    size_t n);

/*
 * The validation reads of store.h (summary_games, raw_dates,
 * summary_unresolved): ONE GROUP BY query each over [from, to] of table
 * (the caller's name for it: BigQuery's is project.dataset-qualified),
 * its columns in the order of struct pgs_game_stats, pgs_raw_date and
 * pgs_unresolved_name.  Which rows count for each rate (the active players
 * that played, shot, ...) is decided here, once for every store.
 */
/* The columns summed per team-game, in struct pgs_game_stats' sums order. */
extern const char *const pgs_sql_game_sums[PGS_GAME_NSUMS];
void pgs_sql_summary_games(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table);
/* The same over a table an older pgs made without is_final (read before its next write
 * adds it): no row of it is provisional. */
void pgs_sql_summary_games_before_final(pgs_buf *b, const struct pgs_sql_dialect *d,
    const char *table);
void pgs_sql_raw_dates(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table);
void pgs_sql_summary_unresolved(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table);

#endif
