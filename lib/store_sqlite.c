/*
 * store_sqlite.c — the embedded store: sqlite:PATH.  Primitives only; the
 * rules are in window.c and registry.c.
 *
 * Concurrency: the database runs in WAL mode, so readers never block the
 * writer and the writer never blocks readers.  Writers serialize on
 * BEGIN IMMEDIATE with a busy timeout (60 s, PGS_BUSY_TIMEOUT_MS): the
 * second writer waits for the first to commit instead of failing.  Holding
 * that lock from lock() to apply(), the window cannot change under the
 * write, so apply never asks for a retry.
 *
 * A window write stages its rows in a TEMP table of this connection (the
 * temp database is private and takes no lock on the main file), then does
 * the whole replacement in one short IMMEDIATE transaction.  A writer that
 * dies while staging leaves nothing behind: the temp file is unlinked.
 *
 * Settings, chosen for a bulk writer that must survive a crash and stay
 * within 64 MB of memory (MANUAL.md "SQLite settings" says why each):
 *  - journal_mode=WAL, synchronous=FULL: a commit fsyncs the WAL, so a
 *    window is durable when pgs-write reports it (and before pgs-checkpoint
 *    records it done); one fsync per commit.  A crash or a power cut never
 *    corrupts and never loses a reported commit.
 *  - no checkpoint when a connection closes (SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE):
 *    a checkpoint costs two fsyncs, and with SQLite's default every tool of
 *    every backfill batch paid them on exit (with the WAL deleted and made
 *    again, a directory fsync more).  Instead the commit that grows the WAL
 *    past 1000 pages checkpoints it and truncates it (wal_hook());
 *    journal_size_limit 64 MiB bounds what a WAL that could not be truncated
 *    keeps on disk.
 *  - cache_size 32 MiB for the main database; temp_store=FILE with an 8 MiB
 *    temp cache: the staged batch spills to an unlinked temporary file
 *    instead of growing the process (temp_store=MEMORY held a 1.4M-row batch
 *    in 1 GB of RAM).
 *  - the stage is a WITHOUT ROWID table (one b-tree in key order, not a rowid
 *    table and a key index): the upsert then reads it in key order and the
 *    table's key index grows at its end.  Indexes are kept while inserting
 *    (a batch arrives in date order, so each grows at its end; dropping and
 *    rebuilding them would cost a sort of the whole table).
 *  - SQLITE_OPEN_NOMUTEX: one connection, one thread; no mutex per call.
 * Table and column names are pasted into SQL text, but only ones compiled
 * in (lib/schema.c and the constants below), never input; every value is
 * bound.
 */
#include "sql.h"
#include "store.h"

#include <errno.h>
#include <limits.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "util.h"

#define DEFAULT_BUSY_MS 60000

struct sq_store {
	pgs_store base;
	sqlite3 *db;
	int busy_ms;    /* the busy timeout */
};

struct sq_stage {
	pgs_stage base;
	struct sq_store *s;
	const struct pgs_table *t;
	sqlite3_stmt *ins;      /* INSERT into the staging table */
	long nrows;             /* rows staged */
};

/* ---- small helpers ---- */

/* SQLite's message, with the system's reason when an I/O call failed
 * ("disk I/O error (No space left on device)"). */
static const char *
sq_errmsg(struct sq_store *s, const char *msg, char *buf, size_t len)
{
	int code = sqlite3_errcode(s->db) & 0xff, e = sqlite3_system_errno(s->db);

	if (!msg)
		msg = sqlite3_errmsg(s->db);
	if (e == 0 || (code != SQLITE_IOERR && code != SQLITE_CANTOPEN && code != SQLITE_FULL &&
	    code != SQLITE_READONLY) || strstr(msg, strerror(e)))
		return msg;
	snprintf(buf, len, "%s (%s)", msg, strerror(e));
	return buf;
}

static int
sq_fail(struct sq_store *s, const char *what)
{
	char buf[512];

	pgs_err("store '%s': %s: %s", s->base.uri, what, sq_errmsg(s, NULL, buf, sizeof(buf)));
	return -1;
}

static int
sq_exec(struct sq_store *s, const char *sql)
{
	char *msg = NULL, buf[512];

	if (sqlite3_exec(s->db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		pgs_err("store '%s': %s", s->base.uri, sq_errmsg(s, msg, buf, sizeof(buf)));
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

static const char *
col_text(sqlite3_stmt *q, int i)
{
	return (const char *)sqlite3_column_text(q, i);
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

static const char registry_ddl[] =
    "CREATE TABLE IF NOT EXISTS pgs_windows (tbl TEXT NOT NULL, scope TEXT NOT NULL,"
    " from_date TEXT NOT NULL, to_date TEXT NOT NULL, rows INTEGER, digest TEXT, config TEXT,"
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
	"player_team_seasons", PGS_TABLE_HISTORY, PGS_TABLE_RAW_HISTORY,
};
#define NTABLES (int)(sizeof(all_tables) / sizeof(all_tables[0]))

/* Columns added after a table first shipped: added to older stores once. */
static const struct { const char *table, *column, *type; } added_columns[] = {
	{ "players_registry", "first_game_id", "TEXT" },
	{ "pgs_windows", "config", "TEXT" },
	/* the commit that made the row's version (its history's valid_from) */
	{ "player_game_summary", "valid_from", "TEXT" },
	{ "raw_boxscores", "valid_from", "TEXT" },
	/* the competition context (issue 22): null in rows written before it */
	{ "player_game_summary", "counts_toward_regular_season", "INTEGER" },
	{ PGS_TABLE_HISTORY, "counts_toward_regular_season", "INTEGER" },
	/* provisional rows (issue 22): the rows written before it were final; a raw row's
	 * null is its source's silence, read as final too */
	{ "player_game_summary", "is_final", "INTEGER DEFAULT 1" },
	{ PGS_TABLE_HISTORY, "is_final", "INTEGER DEFAULT 1" },
	{ "raw_boxscores", "is_final", "INTEGER" },
	{ PGS_TABLE_RAW_HISTORY, "is_final", "INTEGER" },
};
#define NADDED (int)(sizeof(added_columns) / sizeof(added_columns[0]))

/* A count(*) query with text parameters; -1 on error (reported). */
static long
count_query(struct sq_store *s, const char *sql, const char *const *params, int n)
{
	sqlite3_stmt *st = sq_prep(s, sql);
	long v = -1;

	if (!st)
		return -1;
	for (int i = 0; i < n; i++)
		sqlite3_bind_text(st, i + 1, params[i], -1, SQLITE_STATIC);
	if (sqlite3_step(st) == SQLITE_ROW)
		v = (long)sqlite3_column_int64(st, 0);
	else
		sq_fail(s, "reading the schema");
	sqlite3_finalize(st);
	return v;
}

/* 1 when every table and column exists already (the common case: no write
 * lock needed), 0 when something is missing, -1 on error. */
static int
schema_present(struct sq_store *s)
{
	pgs_buf b = { 0 };
	long n;

	pgs_buf_adds(&b, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name IN (");
	for (int i = 0; i < NTABLES; i++)
		pgs_buf_addf(&b, "%s?%d", i ? ", " : "", i + 1);
	pgs_buf_adds(&b, ")");
	n = count_query(s, b.s, all_tables, NTABLES);
	pgs_buf_free(&b);
	if (n < 0)
		return -1;
	if (n != NTABLES)
		return 0;
	for (int i = 0; i < NADDED; i++) {
		const char *p[2] = { added_columns[i].table, added_columns[i].column };

		n = count_query(s, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", p, 2);
		if (n <= 0)
			return (int)n;
	}
	return 1;
}

static int
create_schema(struct sq_store *s)
{
	const struct pgs_table *sum = pgs_table_get(PGS_TABLE_SUMMARY), *raw = pgs_table_get(PGS_TABLE_RAW);
	pgs_buf b = { 0 };
	int r = schema_present(s), rc = -1;

	if (r != 0)
		return r < 0 ? -1 : 0;
	/* IMMEDIATE so concurrent first uses create it once, one after the other */
	if (begin_immediate(s) < 0)
		return -1;
	pgs_sql_table_ddl(&b, &pgs_sql_sqlite, sum, "", sum->name, 1);
	pgs_sql_table_ddl(&b, &pgs_sql_sqlite, raw, "", raw->name, 1);
	pgs_buf_adds(&b, registry_ddl);
	pgs_sql_history_ddl(&b, &pgs_sql_sqlite, sum);
	pgs_sql_history_ddl(&b, &pgs_sql_sqlite, raw);
	if (sq_exec(s, b.s) < 0)
		goto out;
	for (int i = 0; i < NADDED; i++) {
		const char *p[2] = { added_columns[i].table, added_columns[i].column };
		long n = count_query(s, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2", p, 2);

		if (n < 0)
			goto out;
		if (n > 0)
			continue;
		pgs_buf_reset(&b);
		pgs_buf_addf(&b, "ALTER TABLE %s ADD COLUMN %s %s", added_columns[i].table,
		    added_columns[i].column, added_columns[i].type);
		if (sq_exec(s, b.s) < 0)
			goto out;
	}
	if (sq_exec(s, "COMMIT") < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		rollback(s);
	pgs_buf_free(&b);
	return rc;
}

/* ---- open / close ---- */

#define CHECKPOINT_FRAMES 1000   /* SQLite's own auto-checkpoint threshold */

/*
 * SQLite's auto-checkpoint, and then, when no reader holds the WAL, the WAL
 * truncated to nothing.  Connections do not checkpoint when they close (see
 * the top of this file), and the first connection to open the database reads
 * the whole WAL to rebuild its index: an empty WAL keeps that under a
 * millisecond, even after a batch that wrote hundreds of megabytes.  It never
 * waits for a reader: the truncation is simply skipped then.
 */
static int
wal_hook(void *arg, sqlite3 *db, const char *name, int frames)
{
	struct sq_store *s = arg;

	if (frames < CHECKPOINT_FRAMES)
		return SQLITE_OK;
	sqlite3_busy_timeout(db, 0);
	if (sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_TRUNCATE, NULL, NULL) != SQLITE_OK)
		sqlite3_wal_checkpoint_v2(db, name, SQLITE_CHECKPOINT_PASSIVE, NULL, NULL);
	sqlite3_busy_timeout(db, s->busy_ms);
	return SQLITE_OK;
}

/*
 * The switch to WAL, waited for.  Two tools opening a new store at the same
 * moment (pgs-resolve --register | ... | pgs-write) were seen to get
 * "database is locked" from it at once, the busy handler not waited for
 * (a loaded machine, one run in a few hundred).  So it is tried again,
 * every 5 ms, for the busy timeout.
 */
static int
set_wal(struct sq_store *s)
{
	char buf[512];
	long long t0 = pgs_mono_ms();
	int rc;

	/* each try may itself wait up to the busy timeout: the time is counted, not the tries */
	for (;;) {
		rc = sqlite3_exec(s->db, "PRAGMA journal_mode=WAL", NULL, NULL, NULL);
		if ((rc & 0xff) != SQLITE_BUSY || pgs_mono_ms() - t0 >= s->busy_ms)
			break;
		sqlite3_sleep(5);
	}
	if (rc == SQLITE_OK)
		return 0;
	if ((rc & 0xff) == SQLITE_BUSY)
		pgs_err("store '%s': cannot switch to WAL mode: another process kept the store busy for"
		    " %d ms (PGS_BUSY_TIMEOUT_MS; a store in rollback-journal mode is locked by its"
		    " readers too)", s->base.uri, s->busy_ms);
	else
		pgs_err("store '%s': cannot switch to WAL mode: %s", s->base.uri,
		    sq_errmsg(s, NULL, buf, sizeof(buf)));
	return -1;
}

static void sq_close(pgs_store *st);

/* The directory of path, a new string. */
static char *
dir_of(const char *path)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		return pgs_xstrdup(".");
	if (slash == path)
		return pgs_xstrdup("/");
	return pgs_xasprintf("%.*s", (int)(slash - path), path);
}

/* 1 when the database file at path is in WAL mode (header bytes 18, 19). */
static int
is_wal(const char *path)
{
	unsigned char h[20];
	FILE *f = fopen(path, "rb");
	int wal = f && fread(h, 1, sizeof(h), f) == sizeof(h) &&
	    memcmp(h, "SQLite format 3", 16) == 0 && h[18] == 2 && h[19] == 2;

	if (f)
		fclose(f);
	return wal;
}

/*
 * What in the file system keeps SQLite from using path the way mode needs,
 * in words a user can act on (into why); 0 when nothing there explains it.
 * A WAL database is read through PATH-shm and written through PATH-wal
 * too, which SQLite creates beside it: a reader in a directory it may not
 * write fails unless another process left a -shm there.
 */
static int
sq_diagnose(const char *path, enum pgs_store_mode mode, char *why, size_t len)
{
	char *dir = dir_of(path), *shm = pgs_xasprintf("%s-shm", path);
	int wal = is_wal(path), r = 0;

	if (access(path, R_OK) < 0) {
		r = snprintf(why, len, "'%s' is not readable (%s)", path, strerror(errno));
	} else if (mode == PGS_STORE_RW && access(path, W_OK) < 0) {
		r = snprintf(why, len, "'%s' is read-only (%s)", path, strerror(errno));
	} else if (mode == PGS_STORE_RW && access(dir, W_OK) < 0) {
		r = snprintf(why, len, "its directory '%s' is not writable (%s), and SQLite must "
		    "create %s-wal and -shm beside the database to write it", dir, strerror(errno), path);
	} else if (wal && access(shm, F_OK) < 0 && access(dir, W_OK) < 0) {
		/* a rollback-journal database is read with file locks alone */
		r = snprintf(why, len, "its directory '%s' is not writable (%s), and SQLite must "
		    "create %s-shm beside the database to read it in WAL mode; make the directory "
		    "writable, or have its owner switch it to a rollback journal first "
		    "(sqlite3 %s 'PRAGMA journal_mode=DELETE'; the next pgs write switches it back)",
		    dir, strerror(errno), path, path);
	}
	free(dir);
	free(shm);
	return r > 0;
}

/*
 * PATH-wal and PATH-shm that this user may not write (a read of the store as
 * another user created them: SQLite gives them the database's mode but the
 * reader's ownership), in words that name the cause and the fix (into why);
 * 0 when there are none.  A writer would otherwise fail at its first
 * statement with "attempt to write a readonly database".
 */
static int
foreign_wal(const char *path, char *why, size_t len)
{
	char *f[2] = { pgs_xasprintf("%s-shm", path), pgs_xasprintf("%s-wal", path) };
	struct stat st[2];
	int bad[2], r = 0;
	const struct passwd *pw;
	char owner[64], me[64];

	for (int i = 0; i < 2; i++)
		bad[i] = stat(f[i], &st[i]) == 0 && access(f[i], W_OK) < 0;
	if (bad[0] || bad[1]) {
		int k = bad[0] ? 0 : 1;

		if ((pw = getpwuid(st[k].st_uid)) != NULL)
			snprintf(owner, sizeof(owner), "user %s", pw->pw_name);
		else
			snprintf(owner, sizeof(owner), "uid %lu", (unsigned long)st[k].st_uid);
		pw = getpwuid(geteuid());
		snprintf(me, sizeof(me), "%s", pw ? pw->pw_name : "this user");
		if (bad[1] && st[1].st_size > 0)
			r = snprintf(why, len, "'%s%s%s' belong%s to %s, not %s, who may not write %s: a read of"
			    " the store as %s made them, and the WAL holds %lld bytes of commits not yet in the"
			    " database, so do not delete it: have %s or root checkpoint it (sqlite3 %s"
			    " 'PRAGMA wal_checkpoint(TRUNCATE)'), or give the files to %s (chown)",
			    bad[0] ? f[0] : "", bad[0] && bad[1] ? "' and '" : "", bad[1] ? f[1] : "",
			    bad[0] && bad[1] ? "" : "s", owner, me, bad[0] && bad[1] ? "them" : "it", owner,
			    (long long)st[1].st_size, owner, path, me);
		else
			r = snprintf(why, len, "'%s%s%s' belong%s to %s, not %s, who may not write %s: a read of"
			    " the store as %s made them when the store was not open; when no process has it open,"
			    " delete them (rm '%s-shm' '%s-wal': the WAL is empty, nothing is lost) or give"
			    " them to %s (chown); readers of other users should share a group with the owner"
			    " and a group-writable store",
			    bad[0] ? f[0] : "", bad[0] && bad[1] ? "' and '" : "", bad[1] ? f[1] : "",
			    bad[0] && bad[1] ? "" : "s", owner, me, bad[0] && bad[1] ? "them" : "it", owner,
			    path, path, me);
	}
	free(f[0]);
	free(f[1]);
	return r > 0;
}

/*
 * A first read of the store, so that a file pgs cannot use fails at open
 * with the reason (not a database, damaged, not writable, a directory
 * SQLite needs to write in) instead of at the first statement.
 */
static int
sq_probe(struct sq_store *s, const char *path, const char *shown, enum pgs_store_mode mode)
{
	int rc = sqlite3_exec(s->db, "SELECT count(*) FROM sqlite_master", NULL, NULL, NULL);
	char why[PATH_MAX * 2 + 256], buf[512];

	if (rc == SQLITE_OK) {
		if (mode == PGS_STORE_RO || sqlite3_db_readonly(s->db, "main") != 1)
			return 0;
		if (!sq_diagnose(path, mode, why, sizeof(why)))
			snprintf(why, sizeof(why), "SQLite opened it read-only");
		pgs_err("store '%s': cannot write to it: %s", shown, why);
		return -1;
	}
	switch (rc & 0xff) {
	case SQLITE_NOTADB:
		pgs_err("store '%s': '%s' is not an SQLite database (%s)", shown, path, sqlite3_errmsg(s->db));
		break;
	case SQLITE_CORRUPT:
		pgs_err("store '%s': '%s' is damaged (%s): restore it from a copy", shown, path,
		    sqlite3_errmsg(s->db));
		break;
	default:
		if (sq_diagnose(path, mode, why, sizeof(why)))
			pgs_err("store '%s': cannot %s it: %s (SQLite says: %s)", shown,
			    mode == PGS_STORE_RW ? "write to" : "read", why, sq_errmsg(s, NULL, buf, sizeof(buf)));
		else
			pgs_err("store '%s': cannot open: %s", shown, sq_errmsg(s, NULL, buf, sizeof(buf)));
	}
	return -1;
}

static pgs_store *
sq_open(const char *uri, const char *shown, enum pgs_store_mode mode)
{
	struct sq_store *s;
	const char *path = uri + strlen("sqlite:"), *env;
	long busy = DEFAULT_BUSY_MS;
	int flags = SQLITE_OPEN_NOMUTEX | (mode == PGS_STORE_RO ? SQLITE_OPEN_READONLY
	    : SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE);
	char why[PATH_MAX * 4 + 512];
	int r;

	if (!*path) {
		pgs_err("store '%s': want sqlite:PATH", shown);
		return NULL;
	}
	env = getenv("PGS_BUSY_TIMEOUT_MS");
	if (env && *env && (busy = pgs_parse_count(env)) < 0) {
		pgs_err("bad PGS_BUSY_TIMEOUT_MS '%s': want milliseconds", env);
		return NULL;
	}
	/* reading a store that is not there must not create an empty one */
	if (mode == PGS_STORE_RO && access(path, F_OK) < 0) {
		pgs_err("cannot open store '%s': %s", shown, strerror(errno));
		return NULL;
	}
	s = pgs_xcalloc(1, sizeof(*s));
	s->base.uri = pgs_xstrdup(shown);   /* store.c replaces it; messages need it now */
	if (sqlite3_open_v2(path, &s->db, flags, NULL) != SQLITE_OK) {
		pgs_err("store '%s': cannot open: %s", shown,
		    s->db ? sqlite3_errmsg(s->db) : "out of memory");
		goto fail;
	}
	sqlite3_extended_result_codes(s->db, 1);
	/* the busy timeout first: switching to WAL may itself have to wait */
	s->busy_ms = busy > 2000000000L ? 2000000000 : (int)busy;
	sqlite3_busy_timeout(s->db, s->busy_ms);
	if (sq_probe(s, path, shown, mode) < 0)
		goto fail;
	if (mode == PGS_STORE_RW && foreign_wal(path, why, sizeof(why))) {
		pgs_err("store '%s': cannot write to it: %s", shown, why);
		goto fail;
	}
	if (mode == PGS_STORE_RO) {
		/* a file that is not a database fails here, with SQLite's reason */
		if ((r = schema_present(s)) < 0)
			goto fail;
		/* an older store lacking newer tables is still one: a writer upgrades it */
		if (r == 0 && count_query(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table'"
		    " AND name IN ('pgs_windows', 'players_registry')", NULL, 0) <= 0) {
			pgs_err("store '%s': not a pgs store (no pgs tables)", shown);
			goto fail;
		}
	} else if (sqlite3_db_config(s->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL) != SQLITE_OK ||
	    (sqlite3_wal_hook(s->db, wal_hook, s), 0) ||
	    set_wal(s) < 0 || sq_exec(s, "PRAGMA synchronous=FULL;"
	    " PRAGMA journal_size_limit=67108864; PRAGMA cache_size=-32768;"
	    " PRAGMA temp_store=FILE; PRAGMA temp.cache_size=-8192") < 0 ||
	    create_schema(s) < 0)
		goto fail;
	free(s->base.uri);
	s->base.uri = NULL;
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
drop_stage(struct sq_store *s)
{
	sqlite3_exec(s->db, "DROP TABLE IF EXISTS temp.pgs_stage;"
	    " DROP TABLE IF EXISTS temp.pgs_scope", NULL, NULL, NULL);
}

static void
sq_stage_end(pgs_stage *pg)
{
	struct sq_stage *g = (struct sq_stage *)pg;

	if (!g)
		return;
	sqlite3_finalize(g->ins);
	rollback(g->s);
	drop_stage(g->s);
	free(g);
}

static pgs_stage *
sq_stage_begin(pgs_store *st, const struct pgs_window_spec *w)
{
	struct sq_store *s = (struct sq_store *)st;
	const struct pgs_table *t = w->t;
	struct sq_stage *g;
	pgs_buf b = { 0 };
	size_t n;

	g = pgs_xcalloc(1, sizeof(*g));
	g->base.st = st;
	g->base.w = w;
	g->s = s;
	g->t = t;
	drop_stage(s);
	pgs_sql_table_ddl(&b, &pgs_sql_sqlite, t, "TEMP ", "pgs_stage", 1);
	pgs_buf_adds(&b, "CREATE TEMP TABLE pgs_scope (source TEXT PRIMARY KEY);");
	if (sq_exec(s, b.s) < 0)
		goto fail;
	pgs_buf_reset(&b);
	pgs_buf_adds(&b, "INSERT INTO temp.pgs_stage (");
	pgs_sql_cols(&b, t, "");
	pgs_buf_adds(&b, ") VALUES (");
	n = t->nf + (t->raw ? 3 : 1);
	for (size_t i = 0; i < n; i++)
		pgs_buf_addf(&b, "%s?%zu", i ? ", " : "", i + 1);
	pgs_buf_adds(&b, ")");
	/* Prepared before BEGIN: preparing reads the main schema, and that read
	 * must not stay open for the whole (possibly slow) staging. */
	if (!(g->ins = sq_prep(s, b.s)))
		goto fail;
	/* one transaction over the temp database only: fast, and no main-db lock */
	if (sq_exec(s, "BEGIN") < 0)
		goto fail;
	pgs_buf_free(&b);
	return &g->base;
fail:
	pgs_buf_free(&b);
	sq_stage_end(&g->base);
	return NULL;
}

static int
sq_stage_row(pgs_stage *pg, const struct pgs_val *v, const char *doc, size_t doclen,
    const char *digest, long seq)
{
	struct sq_stage *g = (struct sq_stage *)pg;
	sqlite3_stmt *q = g->ins;
	const struct pgs_table *t = g->t;
	int i, rc;

	for (size_t k = 0; k < t->nf; k++) {
		i = (int)k + 1;
		if (v[k].null) {
			sqlite3_bind_null(q, i);
			continue;
		}
		switch (t->f[k].type) {
		case PGS_T_INT:
		case PGS_T_BOOL:
			sqlite3_bind_int64(q, i, v[k].i);
			break;
		case PGS_T_REAL:
			sqlite3_bind_double(q, i, v[k].d);
			break;
		default:
			sqlite3_bind_text(q, i, v[k].s, (int)v[k].len, SQLITE_STATIC);
			break;
		}
	}
	i = (int)t->nf;
	if (t->raw) {
		sqlite3_bind_int64(q, i + 1, seq);
		sqlite3_bind_text(q, i + 2, doc, (int)doclen, SQLITE_STATIC);
		i += 2;
	}
	sqlite3_bind_text(q, i + 1, digest, -1, SQLITE_STATIC);
	/* every parameter is bound for every row: no sqlite3_clear_bindings() */
	rc = sqlite3_step(q);
	sqlite3_reset(q);
	if (rc == SQLITE_CONSTRAINT_PRIMARYKEY)
		return PGS_STORE_CONFLICT;
	if (rc != SQLITE_DONE)
		return sq_fail(g->s, "staging a row");
	g->nrows++;
	return 0;
}

static int
sq_lock(pgs_stage *pg)
{
	struct sq_stage *g = (struct sq_stage *)pg;
	const struct pgs_window_spec *w = pg->w;
	sqlite3_stmt *q;

	/* end the staging transaction (temp only) before taking the write lock */
	if (!sqlite3_get_autocommit(g->s->db) && sq_exec(g->s, "COMMIT") < 0)
		return -1;
	if (sq_exec(g->s, "DELETE FROM temp.pgs_scope") < 0 ||
	    !(q = sq_prep(g->s, "INSERT OR IGNORE INTO temp.pgs_scope (source) VALUES (?1)")))
		return -1;
	for (size_t i = 0; i < w->nscopes; i++) {
		bind_text(q, 1, w->scopes[i]);
		if (sq_run(g->s, q) < 0) {
			sqlite3_finalize(q);
			return -1;
		}
	}
	sqlite3_finalize(q);
	return begin_immediate(g->s);
}

/* Run sql (?1 = from, ?2 = to when it has them) and read up to n integer columns. */
static int
ints_query(struct sq_stage *g, const char *sql, long *out, int n)
{
	sqlite3_stmt *st = sq_prep(g->s, sql);
	int rc;

	if (!st)
		return -1;
	if (sqlite3_bind_parameter_count(st) >= 2) {
		sqlite3_bind_text(st, 1, g->base.w->from, -1, SQLITE_STATIC);
		sqlite3_bind_text(st, 2, g->base.w->to, -1, SQLITE_STATIC);
	}
	rc = sqlite3_step(st);
	if (rc == SQLITE_ROW)
		for (int i = 0; i < n; i++)
			out[i] = (long)sqlite3_column_int64(st, i);
	else
		sq_fail(g->s, "counting");
	sqlite3_finalize(st);
	return rc == SQLITE_ROW ? 0 : -1;
}

static void
copy_text(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int
sq_inspect(pgs_stage *pg, struct pgs_window_state *s)
{
	struct sq_stage *g = (struct sq_stage *)pg;
	const struct pgs_window_spec *w = pg->w;
	const struct pgs_table *t = g->t;
	const char *scope = t->raw ? " AND source IN (SELECT source FROM temp.pgs_scope)" : "";
	pgs_buf b = { 0 };
	sqlite3_stmt *st = NULL;
	long v[2];
	int rc = -1, step;

	/* the window now: its rows, and those the batch does not have */
	pgs_buf_adds(&b, "SELECT count(*), coalesce(sum(NOT EXISTS (SELECT 1 FROM temp.pgs_stage s"
	    " WHERE ");
	pgs_sql_key_eq(&b, t, "t", "s");
	pgs_buf_addf(&b, ")), 0) FROM main.%s t WHERE game_date BETWEEN ?1 AND ?2%s", t->name, scope);
	if (ints_query(g, b.s, v, 2) < 0)
		goto out;
	s->before = v[0];
	s->deleted = v[1];
	/* the batch against the table, in one pass over the stage */
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "SELECT coalesce(sum(t.%s IS NULL), 0), coalesce(sum(t.row_digest IS"
	    " s.row_digest%s), 0) FROM temp.pgs_stage s LEFT JOIN main.%s t ON ",
	    pgs_sql_key(t, 0), t->raw ? " AND t.seq IS s.seq" : "", t->name);
	pgs_sql_key_eq(&b, t, "t", "s");
	if (ints_query(g, b.s, v, 2) < 0)
		goto out;
	s->inserted = v[0];
	s->unchanged = v[1];

	/* fencing: the overlapping window of another run that started last */
	st = sq_prep(g->s, "SELECT run_id, run_started_us, from_date, to_date, committed_at"
	    " FROM pgs_windows WHERE tbl = ?1 AND scope IN (SELECT source FROM temp.pgs_scope)"
	    " AND from_date <= ?3 AND to_date >= ?2 AND run_id IS NOT ?4"
	    " AND run_started_us IS NOT NULL ORDER BY run_started_us DESC LIMIT 1");
	if (!st)
		goto out;
	sqlite3_bind_text(st, 1, t->name, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, w->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 3, w->to, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 4, w->run_id, -1, SQLITE_STATIC);
	step = sqlite3_step(st);
	if (step == SQLITE_ROW) {
		s->has_fence = 1;
		copy_text(s->fence_run_id, sizeof(s->fence_run_id), col_text(st, 0));
		s->fence_run_started_us = sqlite3_column_int64(st, 1);
		copy_text(s->fence_from, sizeof(s->fence_from), col_text(st, 2));
		copy_text(s->fence_to, sizeof(s->fence_to), col_text(st, 3));
		copy_text(s->fence_committed_at, sizeof(s->fence_committed_at), col_text(st, 4));
	} else if (step != SQLITE_DONE) {
		sq_fail(g->s, "reading the ledger");
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(st);
	pgs_buf_free(&b);
	return rc;
}

/*
 * The old versions of the rows this commit supersedes — "updated": those
 * the upsert is about to change; "deleted": those the delete is about to
 * remove — into the table's history, in the commit's transaction: valid_to
 * is the commit's time, the time the new versions get as valid_from.
 */
static int
keep_history(struct sq_stage *g, const struct pgs_ledger_entry *led, const char *reason)
{
	static const char *const v[4] = { "?1", "?2", "?3", "?4" };
	const struct pgs_table *t = g->t;
	pgs_buf b = { 0 }, fw = { 0 };
	sqlite3_stmt *st;
	int rc = -1;

	if (strcmp(reason, "updated") == 0) {
		pgs_buf_addf(&fw, " FROM main.%s t JOIN temp.pgs_stage s ON ", t->name);
		pgs_sql_key_eq(&fw, t, "t", "s");
		pgs_buf_addf(&fw, " WHERE t.row_digest IS NOT s.row_digest%s",
		    t->raw ? " OR t.seq IS NOT s.seq" : "");
	} else {
		pgs_buf_addf(&fw, " FROM main.%s t WHERE t.game_date BETWEEN ?3 AND ?4%s AND NOT EXISTS"
		    " (SELECT 1 FROM temp.pgs_stage s WHERE ", t->name,
		    t->raw ? " AND t.source IN (SELECT source FROM temp.pgs_scope)" : "");
		pgs_sql_key_eq(&fw, t, "t", "s");
		pgs_buf_adds(&fw, ")");
	}
	pgs_sql_history_insert(&b, t, "t", v, reason, fw.s);
	if ((st = sq_prep(g->s, b.s)) != NULL) {
		bind_text(st, 1, led[0].committed_at);
		bind_text(st, 2, led[0].run_id);
		bind_text(st, 3, g->base.w->from);
		bind_text(st, 4, g->base.w->to);
		rc = sq_run(g->s, st);
		sqlite3_finalize(st);
	}
	pgs_buf_free(&b);
	pgs_buf_free(&fw);
	return rc;
}

static int
sq_apply(pgs_stage *pg, const struct pgs_window_state *state,
    const struct pgs_ledger_entry *led, size_t nled)
{
	struct sq_stage *g = (struct sq_stage *)pg;
	struct sq_store *s = g->s;
	const struct pgs_table *t = g->t;
	const char *scope = t->raw ? " AND source IN (SELECT source FROM temp.pgs_scope)" : "";
	pgs_buf b = { 0 };
	sqlite3_stmt *st = NULL;
	int rc = -1, history = nled > 0;

	/* the IMMEDIATE lock held since lock() keeps state true: a pass that would
	 * change nothing (a batch written again) is skipped */
	if (state->inserted == 0 && state->unchanged == g->nrows)
		goto deleted;
	/* upsert: rows whose digest is the same are not rewritten (processed_at stays) */
	pgs_buf_addf(&b, "INSERT INTO main.%s (", t->name);
	pgs_sql_cols(&b, t, "");
	pgs_buf_adds(&b, history ? ", valid_from" : "");
	pgs_buf_adds(&b, ") SELECT ");
	pgs_sql_cols(&b, t, "");
	pgs_buf_adds(&b, history ? ", ?1" : "");
	pgs_buf_adds(&b, " FROM temp.pgs_stage WHERE true ON CONFLICT (");
	pgs_sql_keys(&b, t);
	pgs_buf_adds(&b, ") DO UPDATE SET ");
	for (size_t i = 0; i < t->nf; i++) {
		int key = 0;

		for (size_t k = 0; k < t->nkeys; k++)
			key |= (size_t)t->keys[k] == i;
		if (!key)
			pgs_buf_addf(&b, "%s = excluded.%s, ", t->f[i].name, t->f[i].name);
	}
	if (t->raw)
		pgs_buf_adds(&b, "seq = excluded.seq, doc = excluded.doc, ");
	if (history)
		pgs_buf_adds(&b, "valid_from = excluded.valid_from, ");
	pgs_buf_addf(&b, "row_digest = excluded.row_digest WHERE %s.row_digest IS NOT excluded.row_digest",
	    t->name);
	if (t->raw)
		pgs_buf_addf(&b, " OR %s.seq IS NOT excluded.seq", t->name);
	/* the versions it replaces first, while the table still holds them */
	if (history && g->nrows - state->inserted - state->unchanged > 0 &&
	    keep_history(g, led, "updated") < 0)
		goto out;
	if (!(st = sq_prep(s, b.s)))
		goto out;
	if (history)
		bind_text(st, 1, led[0].committed_at);
	if (sq_run(s, st) < 0)
		goto out;
	sqlite3_finalize(st);
	st = NULL;

deleted:
	if (state->deleted == 0)
		goto ledger;
	if (history && keep_history(g, led, "deleted") < 0)
		goto out;
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "DELETE FROM main.%s WHERE game_date BETWEEN ?1 AND ?2%s"
	    " AND NOT EXISTS (SELECT 1 FROM temp.pgs_stage s WHERE ", t->name, scope);
	pgs_sql_key_eq(&b, t, t->name, "s");
	pgs_buf_adds(&b, ")");
	if (!(st = sq_prep(s, b.s)))
		goto out;
	sqlite3_bind_text(st, 1, pg->w->from, -1, SQLITE_STATIC);
	sqlite3_bind_text(st, 2, pg->w->to, -1, SQLITE_STATIC);
	if (sq_run(s, st) < 0)
		goto out;
	sqlite3_finalize(st);
ledger:
	/* the ledger, in the same transaction */
	st = sq_prep(s, "INSERT INTO pgs_windows (tbl, scope, from_date, to_date, rows, digest,"
	    " config, run_id, run_started_us, started_at, committed_at)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)");
	if (!st)
		goto out;
	for (size_t i = 0; i < nled; i++) {
		const struct pgs_ledger_entry *e = &led[i];

		bind_text(st, 1, e->table);
		bind_text(st, 2, e->scope);
		bind_text(st, 3, e->from);
		bind_text(st, 4, e->to);
		sqlite3_bind_int64(st, 5, e->rows);
		bind_text(st, 6, e->digest);
		bind_text(st, 7, e->config);
		bind_text(st, 8, e->run_id);
		if (e->run_started_us > 0)
			sqlite3_bind_int64(st, 9, e->run_started_us);
		else
			sqlite3_bind_null(st, 9);
		bind_text(st, 10, e->started_at);
		bind_text(st, 11, e->committed_at);
		if (sq_run(s, st) < 0)
			goto out;
	}
	if (sq_exec(s, "COMMIT") < 0)
		goto out;
	rc = 0;
out:
	sqlite3_finalize(st);
	pgs_buf_free(&b);
	if (rc < 0)
		rollback(s);
	return rc;
}

/* ---- reading ---- */

static int
sq_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(const char *doc, size_t len, void *arg), void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q;
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
		const char *doc = col_text(q, 0);

		if ((r = fn(doc ? doc : "null", doc ? (size_t)sqlite3_column_bytes(q, 0) : 4, arg)) < 0)
			break;
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(s, "reading raw_boxscores");
	sqlite3_finalize(q);
	return r < 0 ? -1 : 0;
}

static int
sq_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const struct pgs_ledger_entry *e, void *arg), void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	struct pgs_ledger_entry e;
	sqlite3_stmt *q;
	int rc, r = 0;

	q = sq_prep(s, "SELECT tbl, scope, from_date, to_date, rows, digest, config, run_id,"
	    " run_started_us, started_at, committed_at FROM pgs_windows WHERE (tbl = ?1 OR ?1 = '*')"
	    " AND from_date <= ?3 AND to_date >= ?2 ORDER BY committed_at, rowid");
	if (!q)
		return -1;
	sqlite3_bind_text(q, 1, table, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 2, from, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, to, -1, SQLITE_STATIC);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		e = (struct pgs_ledger_entry){ col_text(q, 0), col_text(q, 1), col_text(q, 2),
			col_text(q, 3), (long)sqlite3_column_int64(q, 4), col_text(q, 5),
			col_text(q, 6), col_text(q, 7), sqlite3_column_int64(q, 8),
			col_text(q, 9), col_text(q, 10) };
		if ((r = fn(&e, arg)) < 0)
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
		("SELECT universal_player_id, player_lookup, player_full_name, first_game_id"
		" FROM players_registry ORDER BY universal_player_id"),
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
			const char *a = col_text(q, 0), *b = col_text(q, 1), *c = col_text(q, 2);

			if (k == 0)
				r = cb->player(a, b, c, col_text(q, 3), arg);
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

/* 1 when a new player's uid exists, or one of the batch's source ids names
 * another player: a concurrent registration took them. */
static int
registry_conflict(struct sq_store *s, const struct pgs_registry_batch *b)
{
	sqlite3_stmt *q_uid = sq_prep(s, "SELECT 1 FROM players_registry WHERE universal_player_id = ?1");
	sqlite3_stmt *q_sid = sq_prep(s, "SELECT 1 FROM player_source_ids WHERE source = ?1"
	    " AND source_player_id = ?2 AND universal_player_id <> ?3");
	int r = -1, step = SQLITE_DONE;

	if (!q_uid || !q_sid)
		goto out;
	for (size_t i = 0; i < b->nplayers && step == SQLITE_DONE; i++) {
		bind_text(q_uid, 1, b->players[i].uid);
		step = sqlite3_step(q_uid);
		sqlite3_reset(q_uid);
	}
	for (size_t i = 0; i < b->nsource_ids && step == SQLITE_DONE; i++) {
		for (int k = 0; k < 3; k++)
			bind_text(q_sid, k + 1, b->source_ids[3 * i + (size_t)k]);
		step = sqlite3_step(q_sid);
		sqlite3_reset(q_sid);
	}
	if (step == SQLITE_ROW)
		r = 1;
	else if (step == SQLITE_DONE)
		r = 0;
	else
		sq_fail(s, "registry query");
out:
	sqlite3_finalize(q_uid);
	sqlite3_finalize(q_sid);
	return r;
}

static int
sq_registry_write(pgs_store *st, const struct pgs_registry_batch *b)
{
	struct sq_store *s = (struct sq_store *)st;
	sqlite3_stmt *q[5] = { 0 };
	char now[32];
	int rc = -1, c;
	long season;

	if (begin_immediate(s) < 0)
		return -1;
	if ((c = registry_conflict(s, b)) != 0) {
		rc = c < 0 ? -1 : PGS_STORE_CONFLICT;
		goto out;
	}
	q[0] = sq_prep(s, "INSERT INTO players_registry (universal_player_id, player_lookup,"
	    " player_full_name, created_at, first_game_id) VALUES (?1, ?2, ?3, ?4, ?5)");
	q[1] = sq_prep(s, "INSERT OR IGNORE INTO player_source_ids (source, source_player_id,"
	    " universal_player_id) VALUES (?1, ?2, ?3)");
	/* a newer alias decision replaces the old one; created_at says when first made */
	q[2] = sq_prep(s, "INSERT INTO player_aliases (alias_lookup, universal_player_id, rule,"
	    " created_at) VALUES (?1, ?2, ?3, ?4) ON CONFLICT (alias_lookup) DO UPDATE SET"
	    " universal_player_id = excluded.universal_player_id, rule = excluded.rule");
	q[3] = sq_prep(s, "INSERT INTO unresolved_player_names (player_lookup,"
	    " source, player_name, team_abbr, first_game_id, first_game_date, last_game_date,"
	    " occurrences)"
	    " VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?6, ?7)"
	    " ON CONFLICT (player_lookup, source) DO UPDATE SET"
	    " occurrences = occurrences + excluded.occurrences,"
	    " first_game_id = CASE WHEN excluded.first_game_date < first_game_date"
	    "   THEN excluded.first_game_id ELSE first_game_id END,"
	    " first_game_date = min(first_game_date, excluded.first_game_date),"
	    " last_game_date = max(last_game_date, excluded.last_game_date)");
	q[4] = sq_prep(s, "INSERT OR IGNORE INTO player_team_seasons"
	    " (universal_player_id, team_abbr, season_year) VALUES (?1, ?2, ?3)");
	for (int k = 0; k < 5; k++)
		if (!q[k])
			goto out;
	pgs_now_iso(now, sizeof(now));
	for (size_t i = 0; i < b->nplayers; i++) {
		const struct pgs_new_player *p = &b->players[i];

		bind_text(q[0], 1, p->uid);
		bind_text(q[0], 2, p->lookup);
		bind_text(q[0], 3, p->name);
		bind_text(q[0], 4, now);
		bind_text(q[0], 5, p->first_game_id);
		if (sq_run(s, q[0]) < 0)
			goto out;
	}
	for (size_t i = 0; i < b->nsource_ids; i++) {
		for (int k = 0; k < 3; k++)
			bind_text(q[1], k + 1, b->source_ids[3 * i + (size_t)k]);
		if (sq_run(s, q[1]) < 0)
			goto out;
	}
	for (size_t i = 0; i < b->naliases; i++) {
		bind_text(q[2], 1, b->aliases[i].alias_lookup);
		bind_text(q[2], 2, b->aliases[i].uid);
		bind_text(q[2], 3, b->aliases[i].rule);
		bind_text(q[2], 4, now);
		if (sq_run(s, q[2]) < 0)
			goto out;
	}
	for (size_t i = 0; i < b->nunresolved; i++) {
		const struct pgs_unresolved *u = &b->unresolved[i];

		bind_text(q[3], 1, u->player_lookup);
		bind_text(q[3], 2, u->source ? u->source : "");
		bind_text(q[3], 3, u->player_name);
		bind_text(q[3], 4, u->team_abbr);
		bind_text(q[3], 5, u->game_id);
		bind_text(q[3], 6, u->game_date);
		sqlite3_bind_int64(q[3], 7, u->count > 0 ? u->count : 1);
		if (sq_run(s, q[3]) < 0)
			goto out;
	}
	for (size_t i = 0; i < b->nteam_seasons; i++) {
		const char *const *ts = &b->team_seasons[3 * i];

		/* bound as an integer, so '2023' and 2023 are one key */
		if ((season = pgs_parse_count(ts[2])) < 0) {
			pgs_err("store '%s': bad season_year '%s' for '%s'", st->uri, ts[2], ts[0]);
			goto out;
		}
		bind_text(q[4], 1, ts[0]);
		bind_text(q[4], 2, ts[1]);
		sqlite3_bind_int64(q[4], 3, season);
		if (sq_run(s, q[4]) < 0)
			goto out;
	}
	for (size_t i = 0; i < b->nfirst_games; i++) {
		sqlite3_stmt *u = sq_prep(s, "UPDATE players_registry SET first_game_id = ?2"
		    " WHERE universal_player_id = ?1 AND (first_game_id IS NULL OR first_game_id > ?2)");

		if (!u)
			goto out;
		bind_text(u, 1, b->first_games[2 * i]);
		bind_text(u, 2, b->first_games[2 * i + 1]);
		c = sq_run(s, u);
		sqlite3_finalize(u);
		if (c < 0)
			goto out;
	}
	for (size_t i = 0; i < b->nstale_dates; i++) {
		sqlite3_stmt *u = sq_prep(s, "INSERT INTO pgs_windows (tbl, scope, from_date, to_date,"
		    " rows, started_at, committed_at) VALUES ('players_registry', 'first_game_id',"
		    " ?1, ?1, 0, ?2, ?2)");

		if (!u)
			goto out;
		bind_text(u, 1, b->stale_dates[i]);
		bind_text(u, 2, now);
		c = sq_run(s, u);
		sqlite3_finalize(u);
		if (c < 0)
			goto out;
	}
	if (sq_exec(s, "COMMIT") < 0)
		goto out;
	rc = 0;
out:
	if (rc != 0)
		rollback(s);
	for (int k = 0; k < 5; k++)
		sqlite3_finalize(q[k]);
	return rc;
}

/* Each row of q as one JSON object of its columns, to fn. */
static int
json_rows(struct sq_store *s, sqlite3_stmt *q, const char *what,
    int (*fn)(const char *json, size_t len, void *arg), void *arg)
{
	int rc = SQLITE_DONE, r = 0;

	while (r == 0 && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		json_t *o = json_object();
		char *text;

		for (int i = 0; i < sqlite3_column_count(q); i++) {
			json_t *v;

			switch (sqlite3_column_type(q, i)) {
			case SQLITE_INTEGER:
				v = json_integer(sqlite3_column_int64(q, i));
				break;
			case SQLITE_FLOAT:
				v = json_real(sqlite3_column_double(q, i));
				break;
			case SQLITE_NULL:
				v = json_null();
				break;
			default:
				v = json_stringn(col_text(q, i), (size_t)sqlite3_column_bytes(q, i));
				break;
			}
			json_object_set_new(o, sqlite3_column_name(q, i), v ? v : json_null());
		}
		text = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		r = text ? fn(text, strlen(text), arg) : -1;
		free(text);
	}
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(s, what);
	return r < 0 ? -1 : 0;
}

static int
sq_table_read(pgs_store *st, const char *table, int (*fn)(const char *json, size_t len, void *arg),
    void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	char *sql = pgs_xasprintf("SELECT * FROM %s ORDER BY %s", table, pgs_store_table_keys(table));
	sqlite3_stmt *q = sq_prep(s, sql);
	int r;

	free(sql);
	if (!q)
		return -1;
	r = json_rows(s, q, "reading a table", fn, arg);
	sqlite3_finalize(q);
	return r;
}

/* The columns added since a summary table first shipped (added_columns), when a store read
 * before its next write (which adds them) lacks them: its rows read them as the value the
 * write gives the rows it finds (counts_toward_regular_season null, is_final true).  The
 * absent ones into a (two at most); their number. */
static size_t
columns_absent(struct sq_store *s, const char *table, struct pgs_sql_absent *a)
{
	static const struct pgs_sql_absent cols[] = {
		{ "counts_toward_regular_season", "NULL" }, { "is_final", "1" },
	};
	size_t n = 0;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++)
		if (count_query(s, "SELECT count(*) FROM pragma_table_info(?1) WHERE name = ?2",
		    (const char *const[]){ table, cols[i].column }, 2) == 0)
			a[n++] = cols[i];
	return n;
}

/* 1 when the table has column: it is not among the n absent ones. */
static int
has_column(size_t n, const struct pgs_sql_absent *absent, const char *column)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(absent[i].column, column) == 0)
			return 0;
	return 1;
}

/* Commit times are "YYYY-MM-DDTHH:MM:SS.ffffffZ" text: they compare as text.
 * A row written before pgs kept history has no valid_from: it was there
 * from the start. */
static int
sq_summary_read(pgs_store *st, const char *from, const char *to, const char *as_of,
    int (*fn)(const char *json, size_t len, void *arg), void *arg)
{
	struct sq_store *s = (struct sq_store *)st;
	const struct pgs_table *t = pgs_table_get(PGS_TABLE_SUMMARY);
	struct pgs_sql_absent absent[2];
	pgs_buf b = { 0 };
	sqlite3_stmt *q;
	int r = -1;

	/* a store opened read-only is not upgraded: say so rather than "no such table" */
	if (count_query(s, "SELECT count(*) FROM sqlite_master WHERE type = 'table' AND name = ?1",
	    (const char *const[]){ PGS_TABLE_HISTORY }, 1) == 0) {
		pgs_err("store '%s' has no %s yet (made by an older pgs): the next write of %s adds it",
		    st->uri, PGS_TABLE_HISTORY, PGS_TABLE_SUMMARY);
		return -1;
	}
	pgs_buf_adds(&b, "SELECT ");
	pgs_sql_fields_absent(&b, t, absent, columns_absent(s, PGS_TABLE_SUMMARY, absent));
	pgs_buf_adds(&b, " FROM main.player_game_summary WHERE game_date BETWEEN ?1 AND ?2"
	    " AND (?3 IS NULL OR coalesce(valid_from, '') <= ?3) UNION ALL SELECT ");
	pgs_sql_fields_absent(&b, t, absent, columns_absent(s, PGS_TABLE_HISTORY, absent));
	pgs_buf_adds(&b, " FROM main." PGS_TABLE_HISTORY " WHERE ?3 IS NOT NULL"
	    " AND game_date BETWEEN ?1 AND ?2 AND coalesce(valid_from, '') <= ?3 AND valid_to > ?3"
	    " ORDER BY game_date, game_id, player_lookup");
	if ((q = sq_prep(s, b.s)) != NULL) {
		bind_text(q, 1, from);
		bind_text(q, 2, to);
		bind_text(q, 3, as_of);
		r = json_rows(s, q, "reading player_game_summary", fn, arg);
		sqlite3_finalize(q);
	}
	pgs_buf_free(&b);
	return r;
}

static long
sq_history_prune(pgs_store *st, const char *before)
{
	static const char *const tables[] = { PGS_TABLE_HISTORY, PGS_TABLE_RAW_HISTORY };
	struct sq_store *s = (struct sq_store *)st;
	long n = 0;

	if (begin_immediate(s) < 0)
		return -1;
	for (size_t i = 0; n >= 0 && i < 2; i++) {
		char *sql = pgs_xasprintf("DELETE FROM main.%s WHERE valid_to < ?1", tables[i]);
		sqlite3_stmt *q = sq_prep(s, sql);

		free(sql);
		if (!q) {
			n = -1;
			break;
		}
		bind_text(q, 1, before);
		if (sq_run(s, q) == 0)
			n += (long)sqlite3_changes(s->db);
		else
			n = -1;
		sqlite3_finalize(q);
	}
	if (n >= 0 && sq_exec(s, "COMMIT") < 0)
		n = -1;
	if (n < 0)
		rollback(s);
	return n;
}

/* ---- validation reads (pgs-validate): one GROUP BY each, counts only ---- */

/* Prepare sql, bind ?1 = from and ?2 = to; NULL (reported) on error. */
static sqlite3_stmt *
window_query(struct sq_store *s, const char *sql, const char *from, const char *to)
{
	sqlite3_stmt *q = sq_prep(s, sql);

	if (q) {
		sqlite3_bind_text(q, 1, from, -1, SQLITE_STATIC);
		sqlite3_bind_text(q, 2, to, -1, SQLITE_STATIC);
	}
	return q;
}

/* Step q to its end, calling row(q, arg) per row; 0, or -1 (reported, or row said stop). */
static int
each_row(struct sq_store *s, sqlite3_stmt *q, const char *what,
    int (*row)(sqlite3_stmt *q, void *arg), void *arg)
{
	int rc, r = 0;

	while ((rc = sqlite3_step(q)) == SQLITE_ROW)
		if ((r = row(q, arg)) < 0)
			break;
	if (r == 0 && rc != SQLITE_DONE)
		r = sq_fail(s, what);
	sqlite3_finalize(q);
	return r < 0 ? -1 : 0;
}

/* The caller's callback of one of the three reads, and its argument. */
struct sq_cb {
	int (*game)(const struct pgs_game_stats *g, void *arg);
	int (*raw)(const struct pgs_raw_date *d, void *arg);
	int (*unresolved)(const struct pgs_unresolved_name *u, void *arg);
	void *arg;
};

static long
col_long(sqlite3_stmt *q, int i)
{
	return (long)sqlite3_column_int64(q, i);
}

static int
game_row(sqlite3_stmt *q, void *arg)
{
	struct sq_cb *c = arg;
	struct pgs_game_stats g = {
		col_text(q, 0), col_text(q, 1), col_text(q, 2), col_text(q, 3),
		col_long(q, 4), col_long(q, 5), col_long(q, 6), col_long(q, 7),
		col_long(q, 8), col_long(q, 9), col_long(q, 10), col_long(q, 11),
		col_long(q, 12), col_long(q, 13), col_long(q, 14), col_long(q, 15),
		col_long(q, 16), col_long(q, 17), col_long(q, 18), col_long(q, 19),
		col_long(q, 20), col_long(q, 21), col_long(q, 22), col_long(q, 23), col_long(q, 24),
		{ 0 }, 0, NULL,
	};

	for (int i = 0; i < PGS_GAME_NSUMS; i++)
		g.sums[i] = col_long(q, 25 + i);
	g.provisional = col_long(q, 25 + PGS_GAME_NSUMS);
	g.sources = col_text(q, 26 + PGS_GAME_NSUMS);
	return c->game(&g, c->arg);
}

/* A validation read: the query of lib/sql.c over [from, to], each row to fn. */
static int
sq_window_read(struct sq_store *s, void (*query)(pgs_buf *, const struct pgs_sql_dialect *, const char *),
    const char *table, const char *from, const char *to, int (*fn)(sqlite3_stmt *, void *), void *arg)
{
	pgs_buf b = { 0 };
	sqlite3_stmt *q;
	char *what = pgs_xasprintf("reading %s", table);
	int rc = -1;

	query(&b, &pgs_sql_sqlite, table);
	if ((q = window_query(s, b.s, from, to)))
		rc = each_row(s, q, what, fn, arg);
	pgs_buf_free(&b);
	free(what);
	return rc;
}

static int
sq_summary_games(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_game_stats *g, void *arg), void *arg)
{
	struct sq_cb c = { .game = fn, .arg = arg };
	struct pgs_sql_absent absent[2];
	/* a store an older pgs made, read before its next write: no provisional rows */
	int has_final = has_column(columns_absent((struct sq_store *)st, PGS_TABLE_SUMMARY, absent),
	    absent, "is_final");

	return sq_window_read((struct sq_store *)st, has_final ? pgs_sql_summary_games :
	    pgs_sql_summary_games_before_final, PGS_TABLE_SUMMARY, from, to, game_row, &c);
}

static int
raw_date_row(sqlite3_stmt *q, void *arg)
{
	struct sq_cb *c = arg;
	struct pgs_raw_date d = { col_text(q, 0), col_text(q, 1), col_long(q, 2), col_long(q, 3) };

	return c->raw(&d, c->arg);
}

static int
sq_raw_dates(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_raw_date *d, void *arg), void *arg)
{
	struct sq_cb c = { .raw = fn, .arg = arg };

	return sq_window_read((struct sq_store *)st, pgs_sql_raw_dates, PGS_TABLE_RAW, from, to, raw_date_row, &c);
}

static int
unresolved_row(sqlite3_stmt *q, void *arg)
{
	struct sq_cb *c = arg;
	struct pgs_unresolved_name u = { col_text(q, 0), col_text(q, 1), col_text(q, 2),
		col_text(q, 3), col_text(q, 4), col_long(q, 5), col_long(q, 6) };

	return c->unresolved(&u, c->arg);
}

static int
sq_summary_unresolved(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_unresolved_name *u, void *arg), void *arg)
{
	struct sq_cb c = { .unresolved = fn, .arg = arg };

	return sq_window_read((struct sq_store *)st, pgs_sql_summary_unresolved, PGS_TABLE_SUMMARY, from, to,
	    unresolved_row, &c);
}

static const char *const sq_prefixes[] = { "sqlite:", NULL };

const struct pgs_store_ops pgs_store_sqlite_ops = {
	.prefixes = sq_prefixes,
	.open = sq_open,
	.close = sq_close,
	.dedups = 1,
	.stage_begin = sq_stage_begin,
	.stage_row = sq_stage_row,
	.lock = sq_lock,
	.inspect = sq_inspect,
	.apply = sq_apply,
	.stage_end = sq_stage_end,
	.raw_read = sq_raw_read,
	.ledger = sq_ledger,
	.registry_load = sq_registry_load,
	.registry_write = sq_registry_write,
	.table_read = sq_table_read,
	.summary_read = sq_summary_read,
	.history_prune = sq_history_prune,
	.summary_games = sq_summary_games,
	.raw_dates = sq_raw_dates,
	.summary_unresolved = sq_summary_unresolved,
};
