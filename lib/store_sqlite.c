/*
 * store_sqlite.c — the embedded store: sqlite:PATH.
 *
 * Concurrency: the database runs in WAL mode, so readers never block the
 * writer and the writer never blocks readers.  Writers serialize on
 * BEGIN IMMEDIATE with a busy timeout (60 s, PGS_BUSY_TIMEOUT_MS): the
 * second writer waits for the first to commit instead of failing.
 *
 * A window write stages its rows in a TEMP table of this connection (the
 * temp database is private and takes no lock on the main file), then does
 * the whole replacement in one short IMMEDIATE transaction.  A writer that
 * dies while staging leaves nothing behind: the temp file is unlinked.
 *
 * Table and column names are pasted into SQL text, but only ones compiled
 * in (lib/schema.c and the constants below), never input; every value is
 * bound.
 */
#include "store.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <sqlite3.h>

#include "dates.h"
#include "hash.h"
#include "schema.h"
#include "util.h"

#define DEFAULT_BUSY_MS 60000

struct sq_store {
	pgs_store base;
	sqlite3 *db;
	int writing;    /* a writer is open on this connection */
};

/* The shape of one target table. */
struct tdesc {
	const char *name;
	const struct pgs_field *f;
	const char *const *keys;
	size_t nkeys;
	int raw;        /* raw_boxscores: seq and doc columns, per-source scope */
};

struct sq_writer {
	pgs_writer base;
	struct sq_store *s;
	const struct tdesc *t;
	char *from, *to, *source, *run_id;
	double allow_shrink;
	int dry_run;
	long long run_started_us;
	char started_at[32];
	sqlite3_stmt *ins;      /* INSERT into the staging table */
	sqlite3_stmt *scope;    /* INSERT OR IGNORE into the scope table */
	char *last_source;      /* last source added to the scope, to skip repeats */
	long staged;
	pgs_buf tmp;
};

static const char *const summary_keys[] = { "game_id", "player_lookup" };
static const char *const raw_keys[] = { "source", "game_id", "team_abbr", "player_name" };

static const struct tdesc t_summary = {
	PGS_TABLE_SUMMARY, pgs_summary_fields, summary_keys, 2, 0,
};
static const struct tdesc t_raw = {
	PGS_TABLE_RAW, pgs_raw_fields, raw_keys, 4, 1,
};

/* The field counts are not constant expressions; read them at use. */
static size_t
nfields(const struct tdesc *t)
{
	return t->raw ? pgs_raw_nfields : pgs_summary_nfields;
}

static const struct tdesc *
table_desc(const char *name)
{
	if (!name || strcmp(name, PGS_TABLE_SUMMARY) == 0)
		return &t_summary;
	if (strcmp(name, PGS_TABLE_RAW) == 0)
		return &t_raw;
	return NULL;
}

static int
is_key(const struct tdesc *t, const char *name)
{
	for (size_t i = 0; i < t->nkeys; i++)
		if (strcmp(t->keys[i], name) == 0)
			return 1;
	return 0;
}

/* ---- small helpers ---- */

/* json_dumps fails only when memory is exhausted: treat it like pgs_xmalloc. */
static char *
xdumps(const json_t *v, size_t flags)
{
	char *s = json_dumps(v, flags);

	if (!s) {
		pgs_err("out of memory");
		exit(PGS_EXIT_FAIL);
	}
	return s;
}

static int
sq_fail(struct sq_store *s, const char *what)
{
	pgs_err("store '%s': %s: %s", s->base.uri, what, sqlite3_errmsg(s->db));
	return -1;
}

static int
sq_exec(struct sq_store *s, const char *sql)
{
	char *msg = NULL;

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pgs_err("store '%s': %s", s->base.uri, msg ? msg : sqlite3_errmsg(s->db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

static sqlite3_stmt *
sq_prep(struct sq_store *s, const char *sql)
{
	sqlite3_stmt *st = NULL;

	if (sqlite3_prepare_v2(s->db, sql, -1, &st, NULL) != SQLITE_OK) {
		sq_fail(s, "prepare");
		sqlite3_finalize(st);
		return NULL;
	}
	return st;
}

/* Run a statement that returns no rows; 0 or -1 (reported). */
static int
sq_run(struct sq_store *s, sqlite3_stmt *st)
{
	int rc = sqlite3_step(st);

	sqlite3_reset(st);
	if (rc != SQLITE_DONE && rc != SQLITE_ROW)
		return sq_fail(s, "step");
	return 0;
}

static void
bind_text(sqlite3_stmt *st, int i, const char *v)
{
	if (v)
		sqlite3_bind_text(st, i, v, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(st, i);
}

/* BEGIN IMMEDIATE, with a message that says what "busy" means to a user. */
static int
begin_immediate(struct sq_store *s)
{
	int rc = sqlite3_exec(s->db, "BEGIN IMMEDIATE", NULL, NULL, NULL);

	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY || (rc & 0xff) == SQLITE_LOCKED) {
		pgs_err("store '%s': another writer held the lock past the busy timeout "
		    "(PGS_BUSY_TIMEOUT_MS): %s", s->base.uri, sqlite3_errmsg(s->db));
		return -1;
	}
	return sq_fail(s, "begin");
}

static void
rollback(struct sq_store *s)
{
	if (!sqlite3_get_autocommit(s->db))
		sqlite3_exec(s->db, "ROLLBACK", NULL, NULL, NULL);
}

/* ---- schema ---- */

static const char *
sql_type(enum pgs_ftype t)
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

/* "CREATE TABLE [TEMP] NAME (cols..., PRIMARY KEY (...))" for a target or its stage. */
static void
table_ddl(pgs_buf *b, const struct tdesc *t, const char *prefix, const char *name)
{
	size_t n = nfields(t);

	pgs_buf_addf(b, "CREATE %sTABLE IF NOT EXISTS %s (", prefix, name);
	for (size_t i = 0; i < n; i++)
		pgs_buf_addf(b, "%s %s, ", t->f[i].name, sql_type(t->f[i].type));
	if (t->raw)
		pgs_buf_adds(b, "seq INTEGER, doc TEXT, ");
	pgs_buf_adds(b, "row_digest TEXT, PRIMARY KEY (");
	for (size_t i = 0; i < t->nkeys; i++)
		pgs_buf_addf(b, "%s%s", i ? ", " : "", t->keys[i]);
	pgs_buf_adds(b, "));\n");
}

static const char registry_ddl[] =
    "CREATE TABLE IF NOT EXISTS pgs_windows (tbl TEXT NOT NULL, scope TEXT NOT NULL,"
    " from_date TEXT NOT NULL, to_date TEXT NOT NULL, rows INTEGER, digest TEXT,"
    " run_id TEXT, run_started_us INTEGER, started_at TEXT, committed_at TEXT);\n"
    "CREATE INDEX IF NOT EXISTS pgs_windows_range ON pgs_windows (tbl, scope, from_date);\n"
    "CREATE INDEX IF NOT EXISTS player_game_summary_date ON player_game_summary (game_date);\n"
    "CREATE INDEX IF NOT EXISTS raw_boxscores_window ON raw_boxscores"
    " (game_date, game_id, source, seq);\n"
    "CREATE TABLE IF NOT EXISTS players_registry (universal_player_id TEXT PRIMARY KEY,"
    " player_lookup TEXT NOT NULL, player_full_name TEXT, first_game_id TEXT, created_at TEXT);\n"
    "CREATE INDEX IF NOT EXISTS players_registry_lookup ON players_registry (player_lookup);\n"
    "CREATE TABLE IF NOT EXISTS player_source_ids (source TEXT NOT NULL,"
    " source_player_id TEXT NOT NULL, universal_player_id TEXT NOT NULL,"
    " PRIMARY KEY (source, source_player_id));\n"
    "CREATE TABLE IF NOT EXISTS player_aliases (alias_lookup TEXT PRIMARY KEY,"
    " universal_player_id TEXT NOT NULL, rule TEXT, created_at TEXT);\n"
    "CREATE TABLE IF NOT EXISTS unresolved_player_names (player_lookup TEXT NOT NULL,"
    " source TEXT NOT NULL, player_name TEXT, team_abbr TEXT, first_game_id TEXT,"
    " first_game_date TEXT, last_game_date TEXT, occurrences INTEGER,"
    " PRIMARY KEY (player_lookup, source));\n"
    "CREATE TABLE IF NOT EXISTS player_team_seasons (universal_player_id TEXT NOT NULL,"
    " team_abbr TEXT NOT NULL, season_year INTEGER NOT NULL,"
    " PRIMARY KEY (universal_player_id, team_abbr, season_year));\n";

/*
 * Every table of the schema.  A database made by an older pgs lacks the
 * newer ones; since every statement above is IF NOT EXISTS, running them all
 * again adds what is missing, so a table added here is all an upgrade needs.
 */
static const char *const all_tables[] = {
	"player_game_summary", "raw_boxscores", "pgs_windows", "players_registry",
	"player_source_ids", "player_aliases", "unresolved_player_names",
	"player_team_seasons",
};
#define NTABLES (int)(sizeof(all_tables) / sizeof(all_tables[0]))

/* 1 when every table exists already (the common case: no write lock needed). */
static int
schema_present(struct sq_store *s)
{
	sqlite3_stmt *st;
	pgs_buf b = { 0 };
	int n = -1;

	pgs_buf_adds(&b, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (");
	for (int i = 0; i < NTABLES; i++)
		pgs_buf_addf(&b, "%s?%d", i ? ", " : "", i + 1);
	pgs_buf_adds(&b, ")");
	st = sq_prep(s, b.s);
	pgs_buf_free(&b);
	if (!st)
		return -1;
	for (int i = 0; i < NTABLES; i++)
		sqlite3_bind_text(st, i + 1, all_tables[i], -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		sq_fail(s, "reading the schema");
	sqlite3_finalize(st);
	return n < 0 ? -1 : n == NTABLES;
}

/* 1 when players_registry has the first_game_id column (added after the
 * first release of the schema), 0 when not, -1 on error. */
static int
has_first_game_column(struct sq_store *s)
{
	sqlite3_stmt *st = sq_prep(s, "SELECT count(*) FROM pragma_table_info('players_registry')"
	    " WHERE name = 'first_game_id'");
	int n = -1;

	if (!st)
		return -1;
	if (sqlite3_step(st) == SQLITE_ROW)
		n = sqlite3_column_int(st, 0);
	else
		sq_fail(s, "reading the schema");
	sqlite3_finalize(st);
	return n < 0 ? -1 : n > 0;
}

static int
create_schema(struct sq_store *s)
{
	pgs_buf b = { 0 };
	int r = schema_present(s), rc = -1, col;

	if (r > 0) {
		if ((col = has_first_game_column(s)) != 0)
			return col < 0 ? -1 : 0;
		/* an older registry: add the column under the write lock, once */
		if (begin_immediate(s) < 0)
			return -1;
		if ((col = has_first_game_column(s)) == 0 &&
		    sq_exec(s, "ALTER TABLE players_registry ADD COLUMN first_game_id TEXT") < 0) {
			rollback(s);
			return -1;
		}
		return col < 0 ? (rollback(s), -1) : sq_exec(s, "COMMIT");
	}
	if (r < 0)
		return -1;
	/* IMMEDIATE so concurrent first uses create it once, one after the other */
	if (begin_immediate(s) < 0)
		return -1;
	table_ddl(&b, &t_summary, "", t_summary.name);
	table_ddl(&b, &t_raw, "", t_raw.name);
	pgs_buf_adds(&b, registry_ddl);
	if (sq_exec(s, b.s) < 0 || sq_exec(s, "COMMIT") < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		rollback(s);
	pgs_buf_free(&b);
	return rc;
}

/* ---- open / close ---- */

static void sq_close(pgs_store *st);

static pgs_store *
sq_open(const char *uri)
{
	struct sq_store *s;
	const char *path = uri + strlen("sqlite:"), *env;
	long busy = DEFAULT_BUSY_MS;

	if (!*path) {
		pgs_err("store '%s': want sqlite:PATH", uri);
		return NULL;
	}
	env = getenv("PGS_BUSY_TIMEOUT_MS");
	if (env && *env && (busy = pgs_parse_count(env)) < 0) {
		pgs_err("bad PGS_BUSY_TIMEOUT_MS '%s': want milliseconds", env);
		return NULL;
	}
	s = pgs_xcalloc(1, sizeof(*s));
	s->base.ops = &pgs_store_sqlite_ops;
	s->base.uri = pgs_xstrdup(uri);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		pgs_err("store '%s': cannot open: %s", uri,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* the busy timeout first: switching to WAL may itself have to wait */
	sqlite3_busy_timeout(s->db, busy > 2000000000L ? 2000000000 : (int)busy);
	if (sq_exec(s, "PRAGMA journal_mode=WAL") < 0 ||
	    sq_exec(s, "PRAGMA synchronous=NORMAL") < 0 ||
	    create_schema(s) < 0)
		goto fail;
	return &s->base;
fail:
	sq_close(&s->base);
	return NULL;
}

static void
sq_close(pgs_store *st)
{
	struct sq_store *s = (struct sq_store *)st;

	if (!s)
		return;
	sqlite3_close_v2(s->db);
	free(s->base.uri);
	free(s);
}

/* ---- window write ---- */

static void
col_list(pgs_buf *b, const struct tdesc *t, const char *prefix)
{
	size_t n = nfields(t);

	for (size_t i = 0; i < n; i++)
		pgs_buf_addf(b, "%s%s%s", i ? ", " : "", prefix, t->f[i].name);
	if (t->raw)
		pgs_buf_addf(b, ", %sseq, %sdoc", prefix, prefix);
	pgs_buf_addf(b, ", %srow_digest", prefix);
}

/* "a.k1 = b.k1 AND a.k2 = b.k2" */
static void
key_eq(pgs_buf *b, const struct tdesc *t, const char *a, const char *bb)
{
	for (size_t i = 0; i < t->nkeys; i++)
		pgs_buf_addf(b, "%s%s.%s = %s.%s", i ? " AND " : "", a, t->keys[i], bb, t->keys[i]);
}

static void
writer_free(struct sq_writer *w)
{
	if (!w)
		return;
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->scope);
	if (w->s) {
		rollback(w->s);
		sqlite3_exec(w->s->db, "DROP TABLE IF EXISTS temp.pgs_stage;"
		    " DROP TABLE IF EXISTS temp.pgs_scope", NULL, NULL, NULL);
		w->s->writing = 0;
	}
	free(w->from);
	free(w->to);
	free(w->source);
	free(w->run_id);
	free(w->last_source);
	pgs_buf_free(&w->tmp);
	free(w);
}

static pgs_writer *
sq_write_begin(pgs_store *st, const struct pgs_write_opts *o)
{
	struct sq_store *s = (struct sq_store *)st;
	struct sq_writer *w;
	const struct tdesc *t = table_desc(o->table);
	pgs_buf b = { 0 };
	size_t n;

	if (!t) {
		pgs_err("unknown table '%s': want %s or %s", o->table, PGS_TABLE_SUMMARY, PGS_TABLE_RAW);
		return NULL;
	}
	if (s->writing) {
		pgs_err("store '%s': a window write is already open on this handle", st->uri);
		return NULL;
	}
	w = pgs_xcalloc(1, sizeof(*w));
	w->base.st = st;
	w->t = t;
	w->from = pgs_xstrdup(o->from);
	w->to = pgs_xstrdup(o->to);
	w->source = o->source && t->raw ? pgs_xstrdup(o->source) : NULL;
	w->run_id = pgs_xstrdup(o->run_id ? o->run_id : "");
	w->allow_shrink = o->allow_shrink;
	w->dry_run = o->dry_run;
	w->run_started_us = o->run_started_us;
	pgs_now_iso(w->started_at, sizeof(w->started_at));

	sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.pgs_stage;"
	    " DROP TABLE IF EXISTS temp.pgs_scope", NULL, NULL, NULL);
	table_ddl(&b, t, "TEMP ", "pgs_stage");
	pgs_buf_adds(&b, "CREATE TEMP TABLE pgs_scope (source TEXT PRIMARY KEY);");
	if (sq_exec(s, b.s) < 0)
		goto fail;
	s->writing = 1;
	w->s = s;
	pgs_buf_reset(&b);
	pgs_buf_adds(&b, "INSERT INTO temp.pgs_stage (");
	col_list(&b, t, "");
	pgs_buf_adds(&b, ") VALUES (");
	n = nfields(t) + (t->raw ? 3 : 1);
	for (size_t i = 0; i < n; i++)
		pgs_buf_addf(&b, "%s?%zu", i ? ", " : "", i + 1);
	pgs_buf_adds(&b, ")");
	/* Prepared before BEGIN: preparing reads the main schema, and that read
	 * must not stay open for the whole (possibly slow) staging. */
	w->ins = sq_prep(s, b.s);
	w->scope = sq_prep(s, "INSERT OR IGNORE INTO temp.pgs_scope (source) VALUES (?1)");
	if (!w->ins || !w->scope)
		goto fail;
	/* The scope of the window: every summary row, or the sources replaced. */
	if (!t->raw || w->source) {
		bind_text(w->scope, 1, t->raw ? w->source : "*");
		if (sq_run(s, w->scope) < 0)
			goto fail;
	}
	/* one transaction over the temp database only: fast, and no main-db lock */
	if (sq_exec(s, "BEGIN") < 0)
		goto fail;
	pgs_buf_free(&b);
	return &w->base;
fail:
	pgs_buf_free(&b);
	writer_free(w);
	return NULL;
}

/* Bind field f of row to parameter i; 1 with why filled on a wrong type. */
static int
bind_field(struct sq_writer *w, const struct pgs_field *f, json_t *v, int i, char *why, size_t whylen)
{
	sqlite3_stmt *st = w->ins;
	long days;
	char *txt;

	if (!v || json_is_null(v)) {
		sqlite3_bind_null(st, i);
		return 0;
	}
	switch (f->type) {
	case PGS_T_DATE:
		if (!json_is_string(v) || pgs_date_parse(json_string_value(v), &days) < 0)
			goto bad;
		/* FALLTHROUGH */
	case PGS_T_TEXT:
		if (!json_is_string(v))
			goto bad;
		sqlite3_bind_text(st, i, json_string_value(v), (int)json_string_length(v), SQLITE_TRANSIENT);
		return 0;
	case PGS_T_INT:
		if (!json_is_integer(v))
			goto bad;
		sqlite3_bind_int64(st, i, json_integer_value(v));
		return 0;
	case PGS_T_REAL:
		if (!json_is_number(v))
			goto bad;
		sqlite3_bind_double(st, i, json_number_value(v));
		return 0;
	case PGS_T_BOOL:
		if (!json_is_boolean(v))
			goto bad;
		sqlite3_bind_int(st, i, json_is_true(v));
		return 0;
	case PGS_T_JSON:
		if (!json_is_array(v) && !json_is_object(v))
			goto bad;
		txt = xdumps(v, JSON_COMPACT);
		sqlite3_bind_text(st, i, txt, -1, free);
		return 0;
	}
bad:
	{
		static const char *const want[] = {
			[PGS_T_TEXT] = "a string", [PGS_T_INT] = "an integer",
			[PGS_T_REAL] = "a number", [PGS_T_BOOL] = "true or false",
			[PGS_T_DATE] = "a YYYY-MM-DD date", [PGS_T_JSON] = "an array or object",
		};
		char *shown = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

		snprintf(why, whylen, "bad %s %.40s: want %s", f->name, shown ? shown : "?", want[f->type]);
		free(shown);
	}
	return 1;
}

/* row_digest: the first 16 hex of SHA-256 over the row's content, that is
 * every stored field but processed_at (a rerun at another time is not a
 * change); for raw rows the whole document, unknown fields included, as it
 * is stored whole. */
static void
row_digest(struct sq_writer *w, json_t *row, const char *doc, char out[17])
{
	json_t *c, *dh;
	const char *h;
	char *txt;

	if (w->t->raw) {
		/* the stored document itself, as landed */
		pgs_sha256_hex16(doc, strlen(doc), out);
		return;
	}
	/* data_hash is already this digest when pgs-transform made the row */
	dh = json_object_get(row, "data_hash");
	h = json_string_value(dh);
	if (h && strlen(h) == 16 && strspn(h, "0123456789abcdef") == 16) {
		memcpy(out, h, 17);
		return;
	}
	c = json_object();
	for (size_t i = 0; i < nfields(w->t); i++) {
		json_t *v = json_object_get(row, w->t->f[i].name);

		if (v)
			json_object_set(c, w->t->f[i].name, v);
	}
	json_object_del(c, "processed_at");
	txt = xdumps(c, JSON_COMPACT | JSON_SORT_KEYS);
	pgs_sha256_hex16(txt, strlen(txt), out);
	free(txt);
	json_decref(c);
}

static void
describe_key(struct sq_writer *w, json_t *row, pgs_buf *b)
{
	pgs_buf_reset(b);
	for (size_t i = 0; i < w->t->nkeys; i++)
		pgs_buf_addf(b, "%s%s=%s", i ? ", " : "", w->t->keys[i],
		    json_string_value(json_object_get(row, w->t->keys[i])));
}

static int
sq_write_add(pgs_writer *pw, json_t *row, char *why, size_t whylen)
{
	struct sq_writer *w = (struct sq_writer *)pw;
	size_t n = nfields(w->t);
	const char *src = NULL;
	char *doc = NULL;
	char digest[17];
	int rc, r;

	/* keys and required fields first, so the reason names the worst problem */
	for (size_t i = 0; i < n; i++) {
		const struct pgs_field *f = &w->t->f[i];
		json_t *v = json_object_get(row, f->name);

		if ((f->required || is_key(w->t, f->name)) && (!v || json_is_null(v))) {
			snprintf(why, whylen, "missing %s", f->name);
			return 1;
		}
		if (is_key(w->t, f->name) && (!json_is_string(v) || json_string_length(v) == 0)) {
			snprintf(why, whylen, "bad %s: want a non-empty string", f->name);
			return 1;
		}
	}
	if (w->t->raw) {
		src = json_string_value(json_object_get(row, "source"));
		if (w->source && strcmp(src, w->source) != 0) {
			snprintf(why, whylen, "source '%s' is not the --source '%s' being written",
			    src, w->source);
			return 1;
		}
	}
	for (size_t i = 0; i < n; i++) {
		r = bind_field(w, &w->t->f[i], json_object_get(row, w->t->f[i].name), (int)i + 1,
		    why, whylen);
		if (r) {
			sqlite3_clear_bindings(w->ins);
			return r;
		}
	}
	if (w->t->raw) {
		doc = xdumps(row, JSON_COMPACT);
		sqlite3_bind_int64(w->ins, (int)n + 1, w->staged);
		sqlite3_bind_text(w->ins, (int)n + 2, doc, -1, free);
	}
	row_digest(w, row, doc, digest);
	sqlite3_bind_text(w->ins, (int)n + (w->t->raw ? 3 : 1), digest, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(w->ins);
	sqlite3_reset(w->ins);
	sqlite3_clear_bindings(w->ins);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
		describe_key(w, row, &w->tmp);
		snprintf(why, whylen, "duplicate key (%s) in batch", w->tmp.s);
		return 1;
	}
	if (rc != SQLITE_DONE)
		return sq_fail(w->s, "staging a row");
	w->staged++;
	/* raw rows without --source: the window covers every source in the batch */
	if (w->t->raw && !w->source && (!w->last_source || strcmp(w->last_source, src) != 0)) {
		free(w->last_source);
		w->last_source = pgs_xstrdup(src);
		bind_text(w->scope, 1, src);
		if (sq_run(w->s, w->scope) < 0)
			return -1;
	}
	return 0;
}

/* One count(*) query, with ?1 = from and ?2 = to when it has them. */
static int
count_sql(struct sq_writer *w, const char *sql, long *out)
{
	sqlite3_stmt *st = sq_prep(w->s, sql);
	int rc;

	if (!st)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 2) {
		sqlite3_bind_text(st, 1, w->from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, w->to, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		*out = (long)sqlite3_column_int64(st, 0);
	else
		sq_fail(w->s, "counting");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

/* Fencing: a later-started run committed an overlapping window → 1 (reported). */
static int
fenced(struct sq_writer *w)
{
	sqlite3_stmt *st;
	int rc, r = -1;

	if (w->run_started_us <= 0)
		return 0;
	st = sq_prep(w->s, "SELECT run_id, run_started_us, from_date, to_date, committed_at"
	    " FROM pgs_windows WHERE tbl = ?1 AND scope IN (SELECT source FROM temp.pgs_scope)"
	    " AND from_date <= ?3 AND to_date >= ?2 AND run_id IS NOT ?4 AND run_started_us > ?5"
	    " ORDER BY run_started_us DESC LIMIT 1");
	if (!st)
		return -1;
	sqlite3_bind_text(st, 1, w->t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->run_id, -1, SQLITE_STATIC);
	sqlite3_bind_int64(st, 5, w->run_started_us);
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW) {
		pgs_err("fenced: run '%s' (started %lld us) committed the overlapping window %s..%s"
		    " at %s, after this run (started %lld us) began: this writer is stale; nothing written",
		    (const char *)sqlite3_column_text(st, 0), (long long)sqlite3_column_int64(st, 1),
		    (const char *)sqlite3_column_text(st, 2), (const char *)sqlite3_column_text(st, 3),
		    (const char *)sqlite3_column_text(st, 4), w->run_started_us);
		r = 1;
	} else if (rc == SQLITE_DONE)
		r = 0;
	else
		sq_fail(w->s, "reading the ledger");
	sqlite3_finalize(st);
	return r;
}

static int
sq_write_commit(pgs_writer *pw, const char *digest, struct pgs_write_stats *stats)
{
	struct sq_writer *w = (struct sq_writer *)pw;
	struct sq_store *s = w->s;
	const struct tdesc *t = w->t;
	const char *scope = t->raw ? " AND source IN (SELECT source FROM temp.pgs_scope)" : "";
	pgs_buf b = { 0 };
	sqlite3_stmt *st = NULL;
	long unchanged = 0;
	char now[32];
	int rc = PGS_WRITE_FAIL, f;
	size_t n = nfields(t);

	memset(stats, 0, sizeof(*stats));
	stats->rows_in = stats->after = w->staged;
	/* end the staging transaction (temp only) before taking the write lock */
	if (sq_exec(s, "COMMIT") < 0 || begin_immediate(s) < 0)
		goto out;

	pgs_buf_addf(&b, "SELECT count(*) FROM main.%s WHERE game_date BETWEEN ?1 AND ?2%s",
	    t->name, scope);
	if (count_sql(w, b.s, &stats->before) < 0)
		goto out;
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "SELECT count(*) FROM temp.pgs_stage s WHERE NOT EXISTS"
	    " (SELECT 1 FROM main.%s t WHERE ", t->name);
	key_eq(&b, t, "t", "s");
	pgs_buf_adds(&b, ")");
	if (count_sql(w, b.s, &stats->inserted) < 0)
		goto out;
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "SELECT count(*) FROM temp.pgs_stage s JOIN main.%s t ON ", t->name);
	key_eq(&b, t, "t", "s");
	pgs_buf_adds(&b, " WHERE NOT (t.row_digest IS NOT s.row_digest");
	if (t->raw)
		pgs_buf_adds(&b, " OR t.seq IS NOT s.seq");
	pgs_buf_adds(&b, ")");
	if (count_sql(w, b.s, &unchanged) < 0)
		goto out;
	stats->unchanged = unchanged;
	stats->updated = stats->rows_in - stats->inserted - unchanged;
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "SELECT count(*) FROM main.%s t WHERE game_date BETWEEN ?1 AND ?2%s"
	    " AND NOT EXISTS (SELECT 1 FROM temp.pgs_stage s WHERE ", t->name, scope);
	key_eq(&b, t, "t", "s");
	pgs_buf_adds(&b, ")");
	if (count_sql(w, b.s, &stats->deleted) < 0)
		goto out;

	if (stats->before > 0 &&
	    (double)stats->after < (double)stats->before * (1.0 - w->allow_shrink / 100.0)) {
		pgs_err("shrink guard: the window %s..%s of %s would go from %ld to %ld rows"
		    " (-%.1f%%, more than --allow-shrink %g%%); nothing written",
		    w->from, w->to, t->name, stats->before, stats->after,
		    100.0 * (double)(stats->before - stats->after) / (double)stats->before,
		    w->allow_shrink);
		rc = PGS_WRITE_GUARD;
		goto out;
	}
	/* after the shrink guard: pgs-write names the guard from the stats */
	f = fenced(w);
	if (f != 0) {
		rc = f < 0 ? PGS_WRITE_FAIL : PGS_WRITE_GUARD;
		goto out;
	}

	/* upsert: rows whose digest is the same are not rewritten (processed_at stays) */
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "INSERT INTO main.%s (", t->name);
	col_list(&b, t, "");
	pgs_buf_adds(&b, ") SELECT ");
	col_list(&b, t, "");
	pgs_buf_adds(&b, " FROM temp.pgs_stage WHERE true ON CONFLICT (");
	for (size_t i = 0; i < t->nkeys; i++)
		pgs_buf_addf(&b, "%s%s", i ? ", " : "", t->keys[i]);
	pgs_buf_adds(&b, ") DO UPDATE SET ");
	for (size_t i = 0; i < n; i++)
		if (!is_key(t, t->f[i].name))
			pgs_buf_addf(&b, "%s = excluded.%s, ", t->f[i].name, t->f[i].name);
	if (t->raw)
		pgs_buf_adds(&b, "seq = excluded.seq, doc = excluded.doc, ");
	pgs_buf_addf(&b, "row_digest = excluded.row_digest WHERE %s.row_digest IS NOT excluded.row_digest",
	    t->name);
	if (t->raw)
		pgs_buf_addf(&b, " OR %s.seq IS NOT excluded.seq", t->name);
	if (!(st = sq_prep(s, b.s)) || sq_run(s, st) < 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;

	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "DELETE FROM main.%s WHERE game_date BETWEEN ?1 AND ?2%s"
	    " AND NOT EXISTS (SELECT 1 FROM temp.pgs_stage s WHERE ", t->name, scope);
	key_eq(&b, t, t->name, "s");
	pgs_buf_adds(&b, ")");
	if (!(st = sq_prep(s, b.s)))
		goto out;
	sqlite3_bind_text(st, 1, w->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->to, -1, SQLITE_STATIC);
	if (sq_run(s, st) < 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;

	/* the ledger row(s), one per scope, in the same transaction */
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "INSERT INTO pgs_windows (tbl, scope, from_date, to_date, rows, digest,"
	    " run_id, run_started_us, started_at, committed_at)"
	    " SELECT ?1, p.source, ?2, ?3, (SELECT count(*) FROM temp.pgs_stage s%s),"
	    " ?4, ?5, ?6, ?7, ?8 FROM temp.pgs_scope p",
	    t->raw ? " WHERE s.source = p.source" : "");
	if (!(st = sq_prep(s, b.s)))
		goto out;
	pgs_now_iso(now, sizeof(now));
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->to, -1, SQLITE_STATIC);
	bind_text(st, 4, digest);
	sqlite3_bind_text(st, 5, w->run_id, -1, SQLITE_STATIC);
	if (w->run_started_us > 0)
		sqlite3_bind_int64(st, 6, w->run_started_us);
	else
		sqlite3_bind_null(st, 6);
	sqlite3_bind_text(st, 7, w->started_at, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 8, now, -1, SQLITE_STATIC);
	if (sq_run(s, st) < 0)
		goto out;

	if (sq_exec(s, w->dry_run ? "ROLLBACK" : "COMMIT") < 0)
		goto out;
	rc = PGS_WRITE_OK;
out:
	sqlite3_finalize(st);
	pgs_buf_free(&b);
	writer_free(w);   /* rolls back whatever is still open */
	return rc;
}

static void
sq_write_abort(pgs_writer *pw)
{
	writer_free((struct sq_writer *)pw);
}

/* ---- reading ---- */

static int
sq_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(json_t *row, void *arg), void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q;
	json_error_t jerr;
	json_t *row;
	int rc, r = 0;

	/* the range predicate and ORDER BY match raw_boxscores_window: one index walk */
	q = sq_prep(s, "SELECT doc FROM raw_boxscores WHERE game_date BETWEEN ?1 AND ?2"
	    " AND (?3 IS NULL OR source = ?3) ORDER BY game_date, game_id, source, seq");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, to, -1, SQLITE_STATIC);
	bind_text(q, 3, source);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *doc = (const char *)sqlite3_column_text(q, 0);

		row = doc ? json_loads(doc, 0, &jerr) : NULL;
		if (!row) {
			pgs_err("store '%s': raw_boxscores row with a bad doc: %s", st->uri,
			    doc ? jerr.text : "null");
			r = -1;
			break;
		}
		r = fn(row, arg);
		json_decref(row);
		if (r < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(s, "reading raw_boxscores");
	sqlite3_finalize(q);
	return r < 0 ? -1 : 0;
}

static int
sq_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const char *from, const char *to, long rows, void *arg), void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q;
	int rc, r = 0;

	q = sq_prep(s, "SELECT from_date, to_date, rows FROM pgs_windows WHERE tbl = ?1"
	    " AND from_date <= ?3 AND to_date >= ?2 ORDER BY committed_at, rowid");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, table ? table : PGS_TABLE_SUMMARY, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, from ? from : "0000-00-00", -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, to ? to : "9999-99-99", -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		r = fn((const char *)sqlite3_column_text(q, 0), (const char *)sqlite3_column_text(q, 1),
		    (long)sqlite3_column_int64(q, 2), arg);
		if (r < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(s, "reading the ledger");
	sqlite3_finalize(q);
	return r < 0 ? -1 : 0;
}

/* ---- registry ---- */

static int
sq_registry_load(pgs_store *st, const struct pgs_registry_cb *cb, void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	static const char *const sql[] = {
		"SELECT universal_player_id, player_lookup, player_full_name, first_game_id"
		" FROM players_registry"
		" ORDER BY universal_player_id",
		"SELECT source, source_player_id, universal_player_id FROM player_source_ids",
		"SELECT alias_lookup, universal_player_id, rule FROM player_aliases",
		"SELECT universal_player_id, team_abbr, season_year FROM player_team_seasons",
	};
	const int want[] = { !!cb->player, !!cb->source_id, !!cb->alias, !!cb->team_season };
	int r = 0;

	for (int k = 0; k < 4 && r == 0; k++) {
		sqlite3_stmt *q;
		int rc;

		if (!want[k])
			continue;
		if (!(q = sq_prep(s, sql[k])))
			return -1;
		while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
			const char *a = (const char *)sqlite3_column_text(q, 0);
			const char *b = (const char *)sqlite3_column_text(q, 1);
			const char *c = (const char *)sqlite3_column_text(q, 2);

			if (k == 0)
				r = cb->player(a, b, c, (const char *)sqlite3_column_text(q, 3), arg);
			else if (k == 1)
				r = cb->source_id(a, b, c, arg);
			else if (k == 2)
				r = cb->alias(a, b, c, arg);
			else
				r = cb->team_season(a, b, sqlite3_column_int(q, 2), arg);
			if (r < 0)
				break;
		}
		if (r == 0 && rc != SQLITE_DONE)
			r = sq_fail(s, "loading the registry");
		sqlite3_finalize(q);
	}
	return r < 0 ? -1 : 0;
}

/* The first text column of a one-row query, as a new string; NULL when no row. */
static int
query_text(struct sq_store *s, sqlite3_stmt *q, char **out)
{
	int rc = sqlite3_step(q);

	*out = NULL;
	if (rc == SQLITE_ROW && sqlite3_column_text(q, 0))
		*out = pgs_xstrdup((const char *)sqlite3_column_text(q, 0));
	sqlite3_reset(q);
	if (rc != SQLITE_ROW && rc != SQLITE_DONE)
		return sq_fail(s, "registry query");
	return 0;
}

static int
sq_register_player(pgs_store *st, const char *lookup, const char *name,
    const char *source, const char *spid, const char *game_id, char **uid, char **first_game,
    int *created)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q_sid = NULL, *q_cand = NULL, *q_conf = NULL, *q_id = NULL;
	sqlite3_stmt *ins_p = NULL, *ins_s = NULL, *q_first = NULL;
	int have_sid = source && *source && spid && *spid;
	char now[32], *cand = NULL, *taken = NULL;
	int rc = -1, step;

	*uid = NULL;
	*first_game = NULL;
	*created = 0;
	if (begin_immediate(s) < 0)
		return -1;
	q_sid = sq_prep(s, "SELECT universal_player_id FROM player_source_ids"
	    " WHERE source = ?1 AND source_player_id = ?2");
	q_cand = sq_prep(s, "SELECT universal_player_id FROM players_registry"
	    " WHERE player_lookup = ?1 ORDER BY universal_player_id");
	q_conf = sq_prep(s, "SELECT 1 FROM player_source_ids p JOIN players_registry r"
	    " USING (universal_player_id) WHERE r.player_lookup = ?1 AND p.source = ?2"
	    " AND p.source_player_id <> ?3");
	q_id = sq_prep(s, "SELECT universal_player_id FROM players_registry WHERE universal_player_id = ?1");
	ins_p = sq_prep(s, "INSERT INTO players_registry (universal_player_id, player_lookup,"
	    " player_full_name, created_at, first_game_id) VALUES (?1, ?2, ?3, ?4, ?5)");
	ins_s = sq_prep(s, "INSERT OR IGNORE INTO player_source_ids (source, source_player_id,"
	    " universal_player_id) VALUES (?1, ?2, ?3)");
	if (!q_sid || !q_cand || !q_conf || !q_id || !ins_p || !ins_s)
		goto out;
	if (have_sid) {
		bind_text(q_sid, 1, source);
		bind_text(q_sid, 2, spid);
		if (query_text(s, q_sid, uid) < 0)
			goto out;
		if (*uid)
			goto commit;
	}
	bind_text(q_cand, 1, lookup);
	if (query_text(s, q_cand, &cand) < 0)
		goto out;
	if (cand) {
		int conflict = 0;

		if (have_sid) {
			bind_text(q_conf, 1, lookup);
			bind_text(q_conf, 2, source);
			bind_text(q_conf, 3, spid);
			step = sqlite3_step(q_conf);
			sqlite3_reset(q_conf);
			if (step != SQLITE_ROW && step != SQLITE_DONE) {
				sq_fail(s, "registry query");
				goto out;
			}
			conflict = step == SQLITE_ROW;
		}
		if (!conflict) {
			*uid = cand;
			cand = NULL;
			goto record_sid;
		}
	}
	/* a new player: lookup_001, or the next number free after a real collision */
	for (int k = 1; k < 100000; k++) {
		free(taken);
		*uid = pgs_xasprintf("%s_%03d", lookup, k);
		bind_text(q_id, 1, *uid);
		if (query_text(s, q_id, &taken) < 0)
			goto out;
		if (!taken)
			break;
		free(*uid);
		*uid = NULL;
	}
	if (!*uid) {
		pgs_err("store '%s': no free player id for '%s'", st->uri, lookup);
		goto out;
	}
	pgs_now_iso(now, sizeof(now));
	bind_text(ins_p, 1, *uid);
	bind_text(ins_p, 2, lookup);
	bind_text(ins_p, 3, name);
	bind_text(ins_p, 4, now);
	bind_text(ins_p, 5, game_id);
	if (sq_run(s, ins_p) < 0)
		goto out;
	*created = 1;
record_sid:
	if (have_sid) {
		bind_text(ins_s, 1, source);
		bind_text(ins_s, 2, spid);
		bind_text(ins_s, 3, *uid);
		if (sq_run(s, ins_s) < 0)
			goto out;
	}
commit:
	/* the player's first game, so the caller marks "new" rows the same way
	 * whichever resolver registered him */
	if (*created) {
		*first_game = game_id ? pgs_xstrdup(game_id) : NULL;
	} else {
		if (!(q_first = sq_prep(s, "SELECT first_game_id FROM players_registry"
		    " WHERE universal_player_id = ?1")))
			goto out;
		bind_text(q_first, 1, *uid);
		if (query_text(s, q_first, first_game) < 0)
			goto out;
	}
	if (sq_exec(s, "COMMIT") < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0) {
		rollback(s);
		free(*uid);
		*uid = NULL;
		free(*first_game);
		*first_game = NULL;
		*created = 0;
	}
	sqlite3_finalize(q_first);
	free(cand);
	free(taken);
	sqlite3_finalize(q_sid);
	sqlite3_finalize(q_cand);
	sqlite3_finalize(q_conf);
	sqlite3_finalize(q_id);
	sqlite3_finalize(ins_p);
	sqlite3_finalize(ins_s);
	return rc;
}

/* Binds row i of rows to q; -1 (reported) abandons the whole batch. */
typedef int (*sq_bind_row)(struct sq_store *s, sqlite3_stmt *q, const void *rows, size_t i);

/*
 * Run sql once per row in one IMMEDIATE transaction: every row lands or
 * none does.  0, or -1 (reported, rolled back).
 */
static int
sq_batch(struct sq_store *s, const char *sql, const void *rows, size_t n, sq_bind_row bind)
{
	sqlite3_stmt *q = NULL;
	int rc = -1;

	if (n == 0)
		return 0;
	if (begin_immediate(s) < 0)
		return -1;
	if (!(q = sq_prep(s, sql)))
		goto out;
	for (size_t i = 0; i < n; i++) {
		if (bind(s, q, rows, i) < 0 || sq_run(s, q) < 0)
			goto out;
	}
	if (sq_exec(s, "COMMIT") < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		rollback(s);
	sqlite3_finalize(q);
	return rc;
}

static int
bind_source_id(struct sq_store *s, sqlite3_stmt *q, const void *rows, size_t i)
{
	const char *const *triples = rows;

	(void)s;
	for (int k = 0; k < 3; k++)
		bind_text(q, k + 1, triples[3 * i + (size_t)k]);
	return 0;
}

static int
sq_add_source_ids(pgs_store *st, const char *const *triples, size_t n)
{
	return sq_batch((struct sq_store *)st, "INSERT OR IGNORE INTO player_source_ids (source,"
	    " source_player_id, universal_player_id) VALUES (?1, ?2, ?3)", triples, n,
	    bind_source_id);
}

static int
sq_add_alias(pgs_store *st, const char *alias_lookup, const char *uid, const char *rule)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q;
	char now[32];
	int rc;

	/* a newer alias decision replaces the old one; created_at says when first made */
	q = sq_prep(s, "INSERT INTO player_aliases (alias_lookup, universal_player_id, rule, created_at)"
	    " VALUES (?1, ?2, ?3, ?4) ON CONFLICT (alias_lookup) DO UPDATE SET"
	    " universal_player_id = excluded.universal_player_id, rule = excluded.rule");
	if (!q)
		return -1;
	pgs_now_iso(now, sizeof(now));
	bind_text(q, 1, alias_lookup);
	bind_text(q, 2, uid);
	bind_text(q, 3, rule);
	bind_text(q, 4, now);
	rc = sq_run(s, q);
	sqlite3_finalize(q);
	return rc;
}

static int
bind_unresolved(struct sq_store *s, sqlite3_stmt *q, const void *rows, size_t i)
{
	const struct pgs_unresolved *u = rows;

	(void)s;
	bind_text(q, 1, u[i].player_lookup);
	bind_text(q, 2, u[i].source ? u[i].source : "");
	bind_text(q, 3, u[i].player_name);
	bind_text(q, 4, u[i].team_abbr);
	bind_text(q, 5, u[i].game_id);
	bind_text(q, 6, u[i].game_date);
	sqlite3_bind_int64(q, 7, u[i].count > 0 ? u[i].count : 1);
	return 0;
}

static int
sq_queue_unresolved(pgs_store *st, const struct pgs_unresolved *u, size_t n)
{
	return sq_batch((struct sq_store *)st, "INSERT INTO unresolved_player_names (player_lookup,"
	    " source, player_name, team_abbr, first_game_id, first_game_date, last_game_date,"
	    " occurrences)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)"
	    " ON CONFLICT (player_lookup, source) DO UPDATE SET"
	    " occurrences = occurrences + excluded.occurrences,"
	    " first_game_id = CASE WHEN excluded.first_game_date < first_game_date"
	    "   THEN excluded.first_game_id ELSE first_game_id END,"
	    " first_game_date = min(first_game_date, excluded.first_game_date),"
	    " last_game_date = max(last_game_date, excluded.last_game_date)", u, n,
	    bind_unresolved);
}

static int
bind_team_season(struct sq_store *s, sqlite3_stmt *q, const void *rows, size_t i)
{
	const char *const *triples = rows;
	long season;

	/* bound as an integer, so '2023' and 2023 are one key */
	if ((season = pgs_parse_count(triples[3 * i + 2])) < 0) {
		pgs_err("store '%s': bad season_year '%s' for '%s'", s->base.uri,
		    triples[3 * i + 2], triples[3 * i]);
		return -1;
	}
	bind_text(q, 1, triples[3 * i]);
	bind_text(q, 2, triples[3 * i + 1]);
	sqlite3_bind_int64(q, 3, season);
	return 0;
}

static int
sq_add_team_seasons(pgs_store *st, const char *const *triples, size_t n)
{
	return sq_batch((struct sq_store *)st, "INSERT OR IGNORE INTO player_team_seasons"
	    " (universal_player_id, team_abbr, season_year) VALUES (?1, ?2, ?3)", triples, n,
	    bind_team_season);
}

const struct pgs_store_ops pgs_store_sqlite_ops = {
	.scheme = "sqlite",
	.open = sq_open,
	.close = sq_close,
	.write_begin = sq_write_begin,
	.write_add = sq_write_add,
	.write_commit = sq_write_commit,
	.write_abort = sq_write_abort,
	.raw_read = sq_raw_read,
	.ledger = sq_ledger,
	.registry_load = sq_registry_load,
	.register_player = sq_register_player,
	.add_source_ids = sq_add_source_ids,
	.add_alias = sq_add_alias,
	.queue_unresolved = sq_queue_unresolved,
	.add_team_seasons = sq_add_team_seasons,
};
