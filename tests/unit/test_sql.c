/* test_sql.c — lib/sql.c: the SQL text both SQL stores build from one table shape. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sql.h"
#include "unit.h"
#include "window.h"

/* The validation reads: one builder, each dialect's words, who counts decided once. */
static void
test_validation(void)
{
	pgs_buf b = { 0 };

	pgs_sql_summary_games(&b, &pgs_sql_sqlite, "player_game_summary");
	CHECK(strstr(b.s, ", sum(CASE WHEN is_active = 1 AND fg_attempts + ft_attempts > 0 AND ts_pct IS NULL "
	    "THEN 1 ELSE 0 END), ") != NULL);
	CHECK(strstr(b.s, " FROM player_game_summary WHERE game_date BETWEEN ?1 AND ?2 GROUP BY game_id, "
	    "team_abbr ORDER BY game_id, team_abbr") != NULL);
	pgs_buf_reset(&b);
	pgs_sql_summary_games(&b, &pgs_sql_postgres, "player_game_summary");
	CHECK(strstr(b.s, "SELECT game_id, team_abbr, to_char(min(game_date), 'YYYY-MM-DD'), ") != NULL);
	CHECK(strstr(b.s, ", count(*) FILTER (WHERE is_active AND seconds_played > 0), ") != NULL);
	CHECK(strstr(b.s, "ORDER BY game_id COLLATE \"C\", team_abbr COLLATE \"C\"") != NULL);
	/* BigQuery: every identifier in backticks (GoogleSQL reserves words) */
	pgs_buf_reset(&b);
	pgs_sql_summary_games(&b, &pgs_sql_bigquery, "`p.d.player_game_summary`");
	CHECK(strstr(b.s, ", COUNTIF(`is_active` AND `fg_attempts` > 0 AND `efg_pct` IS NULL), ") != NULL);
	CHECK(strstr(b.s, "COUNTIF(`registry_status` = 'unresolved'), COUNTIF(`primary_source_used` IN "
	    "('nbacom')), COUNTIF(`home_game`), COUNTIF(ARRAY_LENGTH(`sources_seen`) > 1), "
	    "COUNTIF('stats_disagree' IN UNNEST(`quality_issues`)), coalesce(sum(`fg_makes`), 0), ") != NULL);
	/* the team-game sums a --schedule holds against the team totals, then the provisional rows,
	 * then the merged rows' sources, for the disagreement rates per list of sources */
	CHECK(strstr(b.s, ", coalesce(sum(`turnovers`), 0), coalesce(sum(`personal_fouls`), 0), "
	    "COUNTIF(`is_final` = FALSE), max(CASE WHEN ARRAY_LENGTH(`sources_seen`) > 1 THEN ARRAY_TO_STRING("
	    "`sources_seen`, ',') END) FROM `p.d.player_game_summary` WHERE `game_date` BETWEEN @from "
	    "AND @to") != NULL);
	/* a table made before is_final: no provisional rows, and no word of the column */
	pgs_buf_reset(&b);
	pgs_sql_summary_games_before_final(&b, &pgs_sql_sqlite, "player_game_summary");
	CHECK(strstr(b.s, ", coalesce(sum(personal_fouls), 0), 0, max(CASE WHEN") != NULL);
	CHECK(strstr(b.s, "is_final") == NULL);
	pgs_buf_reset(&b);
	pgs_sql_summary_games(&b, &pgs_sql_sqlite, "player_game_summary");
	CHECK(strstr(b.s, ", sum(CASE WHEN is_final = FALSE THEN 1 ELSE 0 END), max(CASE WHEN") != NULL);
	pgs_buf_reset(&b);
	pgs_sql_summary_games(&b, &pgs_sql_sqlite, "player_game_summary");
	CHECK(strstr(b.s, ", sum(CASE WHEN home_game = 1 THEN 1 ELSE 0 END), sum(CASE WHEN "
	    "json_array_length(sources_seen) > 1 THEN 1 ELSE 0 END), sum(CASE WHEN quality_issues LIKE "
	    "'%\"stats_disagree\"%' THEN 1 ELSE 0 END), coalesce(sum(fg_makes), 0), ") != NULL);
	pgs_buf_reset(&b);
	pgs_sql_summary_games(&b, &pgs_sql_postgres, "player_game_summary");
	CHECK(strstr(b.s, ", count(*) FILTER (WHERE jsonb_array_length(sources_seen) > 1), count(*) FILTER "
	    "(WHERE quality_issues @> '[\"stats_disagree\"]'), ") != NULL);
	CHECK(strstr(b.s, ", max(CASE WHEN jsonb_array_length(sources_seen) > 1 THEN sources_seen::text END)"
	    " FROM player_game_summary") != NULL);
	pgs_buf_reset(&b);
	pgs_sql_raw_dates(&b, &pgs_sql_bigquery, "`p.d.raw_boxscores`");
	CHECK_STR(b.s, "SELECT CAST(`game_date` AS STRING), `source`, count(*), count(DISTINCT `game_id`) "
	    "FROM `p.d.raw_boxscores` WHERE `game_date` BETWEEN @from AND @to"
	    " AND `game_type` NOT IN ('preseason', 'all_star') GROUP BY `game_date`, `source` "
	    "ORDER BY `game_date`, `source`");
	pgs_buf_reset(&b);
	pgs_sql_summary_unresolved(&b, &pgs_sql_postgres, "player_game_summary");
	CHECK(strstr(b.s, " AND registry_status = 'unresolved' GROUP BY player_lookup ORDER BY count(*) DESC, "
	    "player_lookup COLLATE \"C\"") != NULL);
	pgs_buf_free(&b);
}

/* One window write at a time on a handle, whatever the store: said once, for all. */
static void
test_one_write(void)
{
	char dir[] = "/tmp/pgs-test-sql.XXXXXX", *uri;
	struct pgs_write_opts o = { .from = "2021-10-01", .to = "2021-10-02", .allow_shrink = 2 };
	pgs_store *st;
	pgs_window *w, *w2;

	if (!mkdtemp(dir)) {
		CHECK(0);
		return;
	}
	uri = pgs_xasprintf("sqlite:%s/s.db", dir);
	st = pgs_store_open(uri, PGS_STORE_RW, NULL);
	CHECK(st != NULL);
	w = st ? pgs_window_begin(st, &o) : NULL;
	CHECK(w != NULL);
	fprintf(stderr, "(expected:) ");
	w2 = w ? pgs_window_begin(st, &o) : NULL;
	CHECK(w2 == NULL);
	pgs_window_abort(w);
	w = st ? pgs_window_begin(st, &o) : NULL;
	CHECK(w != NULL);
	pgs_window_abort(w);
	pgs_store_close(st);
	free(uri);
	uri = pgs_xasprintf("rm -rf '%s'", dir);
	CHECK(system(uri) == 0);
	free(uri);
}

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
	test_validation();
	test_one_write();
	return unit_report();
}
