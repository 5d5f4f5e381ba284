/* test_sql.c — lib/sql.c: the SQL text both SQL stores build from one table shape. */
#include <stdio.h>
#include <string.h>

#include "sql.h"
#include "unit.h"

int
main(void)
{
	const struct pgs_table *sum = pgs_table_get(PGS_TABLE_SUMMARY), *raw = pgs_table_get(PGS_TABLE_RAW);
	pgs_buf b = { 0 };

	/* the key join and list, by the table's key columns */
	pgs_sql_key_eq(&b, sum, "t", "s");
	CHECK_STR(b.s, "t.game_id = s.game_id AND t.player_lookup = s.player_lookup");
	pgs_buf_reset(&b);
	pgs_sql_keys(&b, sum);
	CHECK_STR(b.s, "game_id, player_lookup");
	/* every column, the raw table's seq and doc, the digest last */
	pgs_buf_reset(&b);
	pgs_sql_cols(&b, raw, "s.");
	CHECK(strstr(b.s, "s.seq, s.doc, s.row_digest") != NULL);
	CHECK(strncmp(b.s, "s.", 2) == 0);
	/* SQLite: the target keyed, the stage one b-tree in key order */
	pgs_buf_reset(&b);
	pgs_sql_table_ddl(&b, &pgs_sql_sqlite, sum, "TEMP ", "pgs_stage", 1);
	CHECK(strncmp(b.s, "CREATE TEMP TABLE IF NOT EXISTS pgs_stage (", 43) == 0);
	CHECK(strstr(b.s, "row_digest TEXT, PRIMARY KEY (game_id, player_lookup)) WITHOUT ROWID;\n") != NULL);
	CHECK(strstr(b.s, "NOT NULL") == NULL);
	pgs_buf_reset(&b);
	pgs_sql_table_ddl(&b, &pgs_sql_sqlite, raw, "", raw->name, 1);
	CHECK(strstr(b.s, "seq INTEGER, doc TEXT, row_digest TEXT, PRIMARY KEY (") != NULL);
	CHECK(strstr(b.s, "WITHOUT ROWID") == NULL);
	/* PostgreSQL: its types, keys NOT NULL in a keyed table, a stage without a key */
	pgs_buf_reset(&b);
	pgs_sql_table_ddl(&b, &pgs_sql_postgres, sum, "", sum->name, 1);
	CHECK(strstr(b.s, "game_id text NOT NULL, ") != NULL);
	CHECK(strstr(b.s, "game_date date, ") != NULL);
	CHECK(strstr(b.s, "row_digest text, PRIMARY KEY (game_id, player_lookup));\n") != NULL);
	pgs_buf_reset(&b);
	pgs_sql_table_ddl(&b, &pgs_sql_postgres, raw, "TEMP ", "pgs_stage", 0);
	CHECK(strstr(b.s, "seq bigint, doc json, row_digest text);\n") != NULL);
	CHECK(strstr(b.s, "PRIMARY KEY") == NULL);
	CHECK(strstr(b.s, "NOT NULL") == NULL);
	pgs_buf_free(&b);
	return unit_report();
}
