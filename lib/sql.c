/* sql.c — the SQL text of the SQL stores (see sql.h). */
#include "sql.h"

#include <stdio.h>
#include <string.h>
#include <stdlib.h>

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
	"", { "sum(CASE WHEN ", " THEN 1 ELSE 0 END)" }, " = 1", { "", "" }, "?1", "?2", "",
	{ "{quality_issues} LIKE '%\"", "\"%'" }, "json_array_length({sources_seen}) > 1", "TEXT",
	"{sources_seen}",
};

const struct pgs_sql_dialect pgs_sql_postgres = {
	postgres_type, "seq bigint, doc json, ", "row_digest text", 1, "",
	"", { "count(*) FILTER (WHERE ", ")" }, "", { "to_char(", ", 'YYYY-MM-DD')" }, "$1", "$2",
	" COLLATE \"C\"", { "{quality_issues} @> '[\"", "\"]'" }, "jsonb_array_length({sources_seen}) > 1",
	"timestamptz", "{sources_seen}::text",
};

/* GoogleSQL reserves words such as "rows": every identifier in backticks. */
const struct pgs_sql_dialect pgs_sql_bigquery = {
	NULL, NULL, NULL, 0, NULL,
	"`", { "COUNTIF(", ")" }, "", { "CAST(", " AS STRING)" }, "@from", "@to", "",
	{ "'", "' IN UNNEST({quality_issues})" }, "ARRAY_LENGTH({sources_seen}) > 1", NULL,
	"ARRAY_TO_STRING({sources_seen}, ',')",
};

/* ---- the validation reads ---- */

/* Append text with every {name} an identifier in the dialect's quotes. */
static void
add(pgs_buf *b, const struct pgs_sql_dialect *d, const char *text)
{
	for (const char *p = text; *p; ) {
		const char *close;

		if (*p == '{' && (close = strchr(p, '}'))) {
			pgs_buf_addf(b, "%s%.*s%s", d->quote, (int)(close - p - 1), p + 1, d->quote);
			p = close + 1;
		} else {
			size_t n = strcspn(p + 1, "{") + 1;

			pgs_buf_add(b, p, n);
			p += n;
		}
	}
}

/* The rows that meet cond among the active players: ", COUNT_IF(is_active AND cond)". */
static void
count_active(pgs_buf *b, const struct pgs_sql_dialect *d, const char *cond)
{
	pgs_buf_addf(b, ", %s", d->count_if[0]);
	add(b, d, "{is_active}");
	pgs_buf_adds(b, d->is_true);
	if (cond) {
		pgs_buf_adds(b, " AND ");
		add(b, d, cond);
	}
	pgs_buf_adds(b, d->count_if[1]);
}

static void
date_text(pgs_buf *b, const struct pgs_sql_dialect *d, const char *expr)
{
	pgs_buf_adds(b, d->date_text[0]);
	add(b, d, expr);
	pgs_buf_adds(b, d->date_text[1]);
}

/* " FROM table WHERE game_date BETWEEN from AND to" */
static void
window(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table)
{
	pgs_buf_addf(b, " FROM %s WHERE ", table);
	add(b, d, "{game_date}");
	pgs_buf_addf(b, " BETWEEN %s AND %s", d->from, d->to);
}

const char *const pgs_sql_game_sums[PGS_GAME_NSUMS] = {
	"fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts", "ft_makes", "ft_attempts",
	"offensive_rebounds", "defensive_rebounds", "assists", "steals", "blocks", "turnovers",
	"personal_fouls",
};

static void
summary_games(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table, int has_final)
{
	/* each rate's denominator, then its NULLs: who counts is decided here */
	static const char *const counted[] = {
		"{minutes_played} IS NULL",
		"{seconds_played} > 0", "{seconds_played} > 0 AND {usage_rate} IS NULL",
		"{fg_attempts} + {ft_attempts} > 0", "{fg_attempts} + {ft_attempts} > 0 AND {ts_pct} IS NULL",
		"{fg_attempts} > 0", "{fg_attempts} > 0 AND {efg_pct} IS NULL",
	};

	add(b, d, "SELECT {game_id}, {team_abbr}, ");
	date_text(b, d, "min({game_date})");
	add(b, d, ", min({opponent_team_abbr}), count(*), count(DISTINCT {player_lookup})");
	count_active(b, d, NULL);
	for (size_t i = 0; i < sizeof(counted) / sizeof(counted[0]); i++)
		count_active(b, d, counted[i]);
	add(b, d, ", coalesce(sum({points}), 0), coalesce(min({team_points}), -1),"
	    " coalesce(max({team_points}), -1), coalesce(min({opponent_points}), -1),"
	    " coalesce(max({opponent_points}), -1), coalesce(sum({seconds_played}), 0), ");
	pgs_buf_adds(b, d->count_if[0]);
	add(b, d, "{registry_status} = 'unresolved'");
	pgs_buf_adds(b, d->count_if[1]);
	/* The sources that list only the players who played: NBA.com's player box-score
	 * export has no DNP or inactive rows; basketball-reference and the stats API list
	 * the whole team.  pgs-validate holds a game of such rows to a lower minimum. */
	pgs_buf_addf(b, ", %s", d->count_if[0]);
	add(b, d, "{primary_source_used} IN ('nbacom')");
	pgs_buf_adds(b, d->count_if[1]);
	/* the home rows and the team's sums, held against a schedule's team totals */
	pgs_buf_addf(b, ", %s", d->count_if[0]);
	add(b, d, "{home_game}");
	pgs_buf_adds(b, d->is_true);
	pgs_buf_adds(b, d->count_if[1]);
	/* the rows merged from several sources, and those whose sources differ on a counted stat */
	pgs_buf_addf(b, ", %s", d->count_if[0]);
	add(b, d, d->multi_source);
	pgs_buf_adds(b, d->count_if[1]);
	pgs_buf_addf(b, ", %s", d->count_if[0]);
	add(b, d, d->has_issue[0]);
	pgs_buf_adds(b, "stats_disagree");
	add(b, d, d->has_issue[1]);
	pgs_buf_adds(b, d->count_if[1]);
	for (size_t i = 0; i < PGS_GAME_NSUMS; i++) {
		char col[64];

		snprintf(col, sizeof(col), ", coalesce(sum({%s}), 0)", pgs_sql_game_sums[i]);
		add(b, d, col);
	}
	/* the provisional rows (is_final false; null, as in rows older than the column, is final) */
	if (has_final) {
		pgs_buf_addf(b, ", %s", d->count_if[0]);
		add(b, d, "{is_final} = FALSE");
		pgs_buf_adds(b, d->count_if[1]);
	} else {
		pgs_buf_adds(b, ", 0");
	}
	/* the sources of the merged rows (a team-game's are one list but for a player only one
	 * source lists), for pgs-validate's disagreement rates per source list */
	add(b, d, ", max(CASE WHEN ");
	add(b, d, d->multi_source);
	add(b, d, " THEN ");
	add(b, d, d->sources_text);
	add(b, d, " END)");
	window(b, d, table);
	add(b, d, " GROUP BY {game_id}, {team_abbr} ORDER BY {game_id}");
	pgs_buf_adds(b, d->collate);
	add(b, d, ", {team_abbr}");
	pgs_buf_adds(b, d->collate);
}

void
pgs_sql_summary_games(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table)
{
	summary_games(b, d, table, 1);
}

void
pgs_sql_summary_games_before_final(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table)
{
	summary_games(b, d, table, 0);
}

void
pgs_sql_raw_dates(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table)
{
	pgs_buf_adds(b, "SELECT ");
	date_text(b, d, "{game_date}");
	add(b, d, ", {source}, count(*), count(DISTINCT {game_id})");
	window(b, d, table);
	/* the games pgs-transform leaves out of the table: their raw rows make no gap */
	add(b, d, " AND {game_type} NOT IN ('preseason', 'all_star')");
	add(b, d, " GROUP BY {game_date}, {source} ORDER BY {game_date}, {source}");
	pgs_buf_adds(b, d->collate);
}

void
pgs_sql_summary_unresolved(pgs_buf *b, const struct pgs_sql_dialect *d, const char *table)
{
	add(b, d, "SELECT {player_lookup}, min({player_full_name}), min({team_abbr}), ");
	date_text(b, d, "min({game_date})");
	pgs_buf_adds(b, ", ");
	date_text(b, d, "max({game_date})");
	add(b, d, ", count(*), count(DISTINCT {team_abbr})");
	window(b, d, table);
	add(b, d, " AND {registry_status} = 'unresolved' GROUP BY {player_lookup}"
	    " ORDER BY count(*) DESC, {player_lookup}");
	pgs_buf_adds(b, d->collate);
}

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

/* ---- the history ---- */

void
pgs_sql_history_ddl(pgs_buf *b, const struct pgs_sql_dialect *d, const struct pgs_table *t)
{
	const char *h = pgs_table_history(t);

	pgs_buf_addf(b, "CREATE TABLE IF NOT EXISTS %s (", h);
	for (size_t i = 0; i < t->nf; i++)
		pgs_buf_addf(b, "%s %s, ", t->f[i].name, d->type(t->f[i].type));
	if (t->raw)
		pgs_buf_adds(b, d->raw_extra);
	pgs_buf_addf(b, "%s, valid_from %s, valid_to %s NOT NULL, superseded_by_run %s,"
	    " window_from %s, window_to %s, reason %s NOT NULL);\n", d->digest_col, d->ts_type,
	    d->ts_type, d->type(PGS_T_TEXT), d->type(PGS_T_DATE), d->type(PGS_T_DATE),
	    d->type(PGS_T_TEXT));
	pgs_buf_addf(b, "CREATE INDEX IF NOT EXISTS %s_date ON %s (game_date);\n"
	    "CREATE INDEX IF NOT EXISTS %s_valid_to ON %s (valid_to);\n", h, h, h, h);
}

void
pgs_sql_fields(pgs_buf *b, const struct pgs_table *t, const char *alias)
{
	for (size_t i = 0; i < t->nf; i++)
		pgs_buf_addf(b, "%s%s%s%s", i ? ", " : "", alias ? alias : "", alias ? "." : "",
		    t->f[i].name);
}

void
pgs_sql_fields_absent(pgs_buf *b, const struct pgs_table *t, const struct pgs_sql_absent *absent,
    size_t n)
{
	for (size_t i = 0; i < t->nf; i++) {
		size_t k;

		for (k = 0; k < n; k++)
			if (strcmp(t->f[i].name, absent[k].column) == 0)
				break;
		if (k < n)
			pgs_buf_addf(b, "%s%s AS %s", i ? ", " : "", absent[k].expr, absent[k].column);
		else
			pgs_buf_addf(b, "%s%s", i ? ", " : "", t->f[i].name);
	}
}

void
pgs_sql_history_insert(pgs_buf *b, const struct pgs_table *t, const char *alias,
    const char *const v[4], const char *reason, const char *from_where)
{
	pgs_buf_addf(b, "INSERT INTO %s (", pgs_table_history(t));
	pgs_sql_cols(b, t, "");
	pgs_buf_adds(b, ", valid_from, valid_to, superseded_by_run, window_from, window_to,"
	    " reason) SELECT ");
	{
		char *prefix = pgs_xasprintf("%s.", alias);

		pgs_sql_cols(b, t, prefix);
		pgs_buf_addf(b, ", %svalid_from, %s, %s, %s, %s, '%s' %s", prefix, v[0], v[1], v[2],
		    v[3], reason, from_where);
		free(prefix);
	}
}
