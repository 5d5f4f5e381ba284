/* sql.c — the SQL text of the SQL stores (see sql.h). */
#include "sql.h"

static const char *
sqlite_type(enum pgs_ftype t)
{
	switch (t) {
	case PGS_T_INT:
	case PGS_T_BOOL:
		return "INTEGER";
	case PGS_T_REAL:
		return "REAL";
	default:
		return "TEXT";
	}
}

static const char *
postgres_type(enum pgs_ftype t)
{
	switch (t) {
	case PGS_T_INT:
		return "bigint";
	case PGS_T_BOOL:
		return "boolean";
	case PGS_T_REAL:
		return "double precision";
	case PGS_T_DATE:
		return "date";
	case PGS_T_JSON:
		return "jsonb";
	default:
		return "text";
	}
}

/* SQLite keeps a stage as one b-tree in key order: no rowid table beside the key index. */
const struct pgs_sql_dialect pgs_sql_sqlite = {
	sqlite_type, "seq INTEGER, doc TEXT, ", "row_digest TEXT", 0, " WITHOUT ROWID",
};

const struct pgs_sql_dialect pgs_sql_postgres = {
	postgres_type, "seq bigint, doc json, ", "row_digest text", 1, "",
};

const char *
pgs_sql_key(const struct pgs_table *t, size_t k)
{
	return t->f[t->keys[k]].name;
}

void
pgs_sql_cols(pgs_buf *b, const struct pgs_table *t, const char *prefix)
{
	for (size_t i = 0; i < t->nf; i++)
		pgs_buf_addf(b, "%s%s%s", i ? ", " : "", prefix, t->f[i].name);
	if (t->raw)
		pgs_buf_addf(b, ", %sseq, %sdoc", prefix, prefix);
	pgs_buf_addf(b, ", %srow_digest", prefix);
}

void
pgs_sql_keys(pgs_buf *b, const struct pgs_table *t)
{
	for (size_t k = 0; k < t->nkeys; k++)
		pgs_buf_addf(b, "%s%s", k ? ", " : "", pgs_sql_key(t, k));
}

void
pgs_sql_key_eq(pgs_buf *b, const struct pgs_table *t, const char *a, const char *bb)
{
	for (size_t k = 0; k < t->nkeys; k++)
		pgs_buf_addf(b, "%s%s.%s = %s.%s", k ? " AND " : "", a, pgs_sql_key(t, k), bb,
		    pgs_sql_key(t, k));
}

void
pgs_sql_table_ddl(pgs_buf *b, const struct pgs_sql_dialect *d, const struct pgs_table *t,
    const char *prefix, const char *name, int key)
{
	pgs_buf_addf(b, "CREATE %sTABLE IF NOT EXISTS %s (", prefix, name);
	for (size_t i = 0; i < t->nf; i++) {
		int is_key = 0;

		for (size_t k = 0; k < t->nkeys; k++)
			is_key |= (size_t)t->keys[k] == i;
		pgs_buf_addf(b, "%s %s%s, ", t->f[i].name, d->type(t->f[i].type),
		    is_key && key && d->key_not_null ? " NOT NULL" : "");
	}
	if (t->raw)
		pgs_buf_adds(b, d->raw_extra);
	pgs_buf_adds(b, d->digest_col);
	if (key) {
		pgs_buf_adds(b, ", PRIMARY KEY (");
		pgs_sql_keys(b, t);
		pgs_buf_adds(b, ")");
	}
	pgs_buf_addf(b, ")%s;\n", *prefix ? d->stage_end : "");
}
