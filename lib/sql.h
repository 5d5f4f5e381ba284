/*
 * sql.h — the SQL text the SQL stores build alike: column lists, key joins
 * and a table's DDL, with what differs between them (column types, the raw
 * table's extra columns, how a stage is kept) in one dialect struct each.
 * A new dialect (BigQuery's, say) is a new struct, not a new copy of the
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
	const char *(*type)(enum pgs_ftype t);   /* a column's type */
	const char *raw_extra;                   /* the raw table's seq and doc columns, ", "-ended */
	const char *digest_col;                  /* the row digest column */
	int key_not_null;                        /* key columns NOT NULL when the table has its key */
	const char *stage_end;                   /* after a stage's column list (its key included) */
};

extern const struct pgs_sql_dialect pgs_sql_sqlite, pgs_sql_postgres;

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

#endif
