/*
 * store_pg.c — PostgreSQL: postgres://… and postgresql://… (libpq).
 * Primitives only; the rules are in window.c and registry.c.
 *
 * The URI is a libpq connection URI; libpq's environment (PGPASSWORD,
 * PGSERVICE, ~/.pgpass, PGSSLMODE …) applies as usual.  One parameter is
 * pgs's own and is removed before libpq sees it: schema=NAME (default
 * public), the schema that holds the tables (created on first use).
 *
 * A window write COPYs its batch into a session temporary table (no lock
 * on anything shared while the upstream is slow), then one transaction
 * takes pg_advisory_xact_lock keys for each (table, scope, date) of the
 * window — in one order, so overlapping writers serialize without deadlock
 * and disjoint windows do not wait for each other — inspects, upserts,
 * deletes what left the window, records the ledger and commits.  A
 * serialization failure or deadlock rolls back and asks window.c to retry;
 * the staged batch survives the rollback (the temp table is not
 * transactional to it: it was filled before BEGIN).
 *
 * Names are pasted into SQL only when compiled in, or quoted by
 * PQescapeIdentifier (the schema); every value is a parameter.
 */
#include "sql.h"
#include "store.h"

#include <pthread.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <libpq-fe.h>

#include "dates.h"
#include "dl_pq.h"   /* libpq is loaded on first use */
#include "hash.h"
#include "util.h"

struct pg_store {
	pgs_store base;
	PGconn *conn;
	char *schema;         /* quoted identifier */
	int staging;          /* stages open on pg_temp.pgs_stage (a group's share it) */
	int copying;          /* its COPY FROM STDIN is open */
	int next_w;           /* the next stage's window number in it */
	const struct pgs_table *staged_t;
	/* the connection's health (see "a server that stops answering") */
	char *conninfo;       /* for the watchdog's probes */
	int pid;              /* the server process of conn */
	int fd;               /* conn's socket */
	long answer_s;        /* PGS_PG_TIMEOUT */
	long busy_ms;         /* PGS_BUSY_TIMEOUT_MS: the longest wait for a lock */
	char lost[640];       /* set by the watchdog when it gave the connection up */
	struct pg_store *next;
};

struct pg_stage {
	pgs_stage base;
	struct pg_store *s;
	const struct pgs_table *t;
	int w;                /* its rows' window number (column w of the stage) */
	int in_tx;
	pgs_buf line;
};

/* The text of a message may end in newlines: strip them in place. */
static void
chomp(char *m)
{
	size_t n = strlen(m);

	while (n > 0 && m[n - 1] == '\n')
		m[--n] = '\0';
}

/* ---- a server that stops answering ----
 *
 * TCP keepalives (set at connect) find a peer that vanished, but not a
 * path that stops forwarding while both ends of the socket stay up: a
 * proxy that hangs keeps acknowledging, and libpq would wait for the
 * answer for ever.  So every call that waits on the server runs under a
 * watchdog thread.  When a call has had no answer for PGS_PG_TIMEOUT
 * seconds (default 20), the watchdog asks the server over a new
 * connection (connect_timeout 10 s) what the call's session is doing:
 * running it, or waiting for a lock, is fine (it asks again later); a
 * session that is idle, or that waits for what we sent (ClientRead), twice
 * in a row, or a server that cannot be reached at all, means the
 * connection is lost.  The watchdog then shuts the socket down: the
 * waiting call fails at once, and the failure is reported with the
 * watchdog's reason (exit 3).  The server, for its part, ends a session
 * left idle in a transaction after PGS_PG_IDLE_TIMEOUT seconds, so the
 * locks of a writer cut off this way are released within a minute.
 */
/* libpq's own function f, not the watched one defined below */
#define RAW_PQ(f) ((pgs_dl_libpq.state > 0 ? (void)0 : pgs_dl_need(&pgs_dl_libpq)), pgs_dl_pq.p_##f)

static struct {
	pthread_mutex_t mu;
	pthread_cond_t cv;
	int started;
	struct pg_store *stores;  /* open stores, to find a connection's */
	struct pg_store *cur;     /* the store inside a waiting call, or NULL */
	unsigned long seq;        /* calls begun so far */
	long long since;          /* when the current call began */
	long long next_probe;
	int bad;                  /* probes in a row that found the session not working */
	char last_lost[640];      /* the last reason given, for results that outlive it */
} watch = { PTHREAD_MUTEX_INITIALIZER, PTHREAD_COND_INITIALIZER, 0, NULL, NULL, 0, 0, 0, 0, "" };

#define PROBE_CONNECT_TIMEOUT "10"

/*
 * Ask the server, over a new connection, what session pid is doing.
 * 1 working on our call, 0 not (why says what), -1 the server cannot be
 * reached (why says why).
 */
static int
probe(const char *conninfo, int pid, char *why, size_t cap)
{
	static const char *const keys[] = { "connect_timeout", "dbname", "application_name", NULL };
	const char *vals[] = { PROBE_CONNECT_TIMEOUT, conninfo, "pgs probe", NULL };
	char spid[16];
	const char *p[1] = { spid };
	PGconn *c = PQconnectdbParams(keys, vals, 1);
	PGresult *res = NULL;
	int r = -1;

	if (!c || PQstatus(c) != CONNECTION_OK) {
		char *m = pgs_xstrdup(c ? PQerrorMessage(c) : "out of memory");

		chomp(m);
		snprintf(why, cap, "a new connection failed too (%s)", m);
		free(m);
		goto out;
	}
	snprintf(spid, sizeof(spid), "%d", pid);
	res = PQexecParams(c, "SELECT coalesce(state, ''), coalesce(wait_event, '')"
	    " FROM pg_stat_activity WHERE pid = $1", 1, NULL, p, NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		snprintf(why, cap, "a new connection could not ask about it (%s)",
		    PQresultErrorMessage(res));
		chomp(why);
		goto out;
	}
	if (PQntuples(res) == 0) {
		snprintf(why, cap, "the server has no session %d any more", pid);
		r = 0;
	} else if (strcmp(PQgetvalue(res, 0, 1), "ClientRead") == 0) {
		snprintf(why, cap, "the server's session %d still waits for what was sent", pid);
		r = 0;
	} else if (strcmp(PQgetvalue(res, 0, 0), "active") != 0) {
		snprintf(why, cap, "the server's session %d is '%s': the answer was lost on the way",
		    pid, PQgetvalue(res, 0, 0));
		r = 0;
	} else
		r = 1;
out:
	PQclear(res);
	if (c)
		PQfinish(c);
	return r;
}

static void *
watch_main(void *arg)
{
	(void)arg;
	pthread_mutex_lock(&watch.mu);
	for (;;) {
		struct pg_store *s = watch.cur;
		long long now = pgs_mono_ms(), wait;
		unsigned long seq = watch.seq;
		char *conninfo, why[400];
		int pid, r;

		if (!s) {
			pthread_cond_wait(&watch.cv, &watch.mu);
			continue;
		}
		if (now < watch.next_probe) {
			wait = watch.next_probe - now;
			pthread_mutex_unlock(&watch.mu);
			usleep((useconds_t)(wait < 250 ? wait : 250) * 1000);
			pthread_mutex_lock(&watch.mu);
			continue;
		}
		conninfo = pgs_xstrdup(s->conninfo);
		pid = s->pid;
		pthread_mutex_unlock(&watch.mu);
		r = probe(conninfo, pid, why, sizeof(why));
		free(conninfo);
		pthread_mutex_lock(&watch.mu);
		if (watch.cur != s || watch.seq != seq)
			continue;   /* the answer came meanwhile */
		now = pgs_mono_ms();
		if (r == 1) {
			watch.bad = 0;
			watch.next_probe = now + s->answer_s * 1000;
			continue;
		}
		if (r == 0 && ++watch.bad < 2) {
			watch.next_probe = now + 2000;   /* an answer may be on its way: look again */
			continue;
		}
		snprintf(s->lost, sizeof(s->lost), "the server stopped answering: no answer for %lld s,"
		    " and %s; the connection is given up (PGS_PG_TIMEOUT=%ld)",
		    (now - watch.since) / 1000, why, s->answer_s);
		snprintf(watch.last_lost, sizeof(watch.last_lost), "%s", s->lost);
		shutdown(s->fd, SHUT_RDWR);
		watch.cur = NULL;
	}
	return NULL;
}

static struct pg_store *
watch_find(const PGconn *c)
{
	struct pg_store *s;

	for (s = watch.stores; s && s->conn != c; s = s->next)
		;
	return s;
}

/* A call that waits on c's server begins; c may be a connection pgs does not watch. */
static void
watch_begin(const PGconn *c)
{
	struct pg_store *s;
	pthread_t th;

	pthread_mutex_lock(&watch.mu);
	if ((s = watch_find(c)) != NULL && s->answer_s > 0 && !s->lost[0]) {
		if (!watch.started && pthread_create(&th, NULL, watch_main, NULL) == 0) {
			pthread_detach(th);
			watch.started = 1;
		}
		watch.cur = s;
		watch.seq++;
		watch.since = pgs_mono_ms();
		watch.next_probe = watch.since + s->answer_s * 1000;
		watch.bad = 0;
		pthread_cond_signal(&watch.cv);
	}
	pthread_mutex_unlock(&watch.mu);
}

static void
watch_end(void)
{
	pthread_mutex_lock(&watch.mu);
	watch.cur = NULL;
	pthread_mutex_unlock(&watch.mu);
}

static void
watch_add(struct pg_store *s)
{
	pthread_mutex_lock(&watch.mu);
	s->next = watch.stores;
	watch.stores = s;
	pthread_mutex_unlock(&watch.mu);
}

static void
watch_remove(struct pg_store *s)
{
	pthread_mutex_lock(&watch.mu);
	for (struct pg_store **pp = &watch.stores; *pp; pp = &(*pp)->next)
		if (*pp == s) {
			*pp = s->next;
			break;
		}
	if (watch.cur == s)
		watch.cur = NULL;
	pthread_mutex_unlock(&watch.mu);
}

/*
 * The calls that wait on the server, under the watchdog.  From here on,
 * PQexec(...) and the others in this file are these; a message about a
 * connection the watchdog gave up is its reason, not libpq's "server
 * closed the connection unexpectedly".
 */
static PGresult *
w_exec(PGconn *c, const char *q)
{
	PGresult *r;

	watch_begin(c);
	r = RAW_PQ(PQexec)(c, q);
	watch_end();
	return r;
}

static PGresult *
w_exec_params(PGconn *c, const char *q, int n, const Oid *types, const char *const *v,
    const int *lens, const int *fmts, int rfmt)
{
	PGresult *r;

	watch_begin(c);
	r = RAW_PQ(PQexecParams)(c, q, n, types, v, lens, fmts, rfmt);
	watch_end();
	return r;
}

static PGresult *
w_get_result(PGconn *c)
{
	PGresult *r;

	watch_begin(c);
	r = RAW_PQ(PQgetResult)(c);
	watch_end();
	return r;
}

static int
w_put_copy_data(PGconn *c, const char *buf, int n)
{
	int r;

	watch_begin(c);
	r = RAW_PQ(PQputCopyData)(c, buf, n);
	watch_end();
	return r;
}

static int
w_put_copy_end(PGconn *c, const char *err)
{
	int r;

	watch_begin(c);
	r = RAW_PQ(PQputCopyEnd)(c, err);
	watch_end();
	return r;
}

static char *
w_error_message(const PGconn *c)
{
	struct pg_store *s;
	char *m;

	pthread_mutex_lock(&watch.mu);
	s = watch_find(c);
	m = s && s->lost[0] ? s->lost : RAW_PQ(PQerrorMessage)(c);
	pthread_mutex_unlock(&watch.mu);
	return m;
}

static char *
w_result_error_message(const PGresult *res)
{
	char *m = RAW_PQ(PQresultErrorMessage)(res);

	/* a result made when the socket was shut down has libpq's words for it */
	pthread_mutex_lock(&watch.mu);
	if (watch.last_lost[0] && (!res || PQresultStatus(res) == PGRES_FATAL_ERROR) &&
	    !PQresultErrorField(res, PG_DIAG_SQLSTATE))
		m = watch.last_lost;
	pthread_mutex_unlock(&watch.mu);
	return m;
}

#undef PQexec
#undef PQexecParams
#undef PQgetResult
#undef PQputCopyData
#undef PQputCopyEnd
#undef PQerrorMessage
#undef PQresultErrorMessage
#define PQexec w_exec
#define PQexecParams w_exec_params
#define PQgetResult w_get_result
#define PQputCopyData w_put_copy_data
#define PQputCopyEnd w_put_copy_end
#define PQerrorMessage w_error_message
#define PQresultErrorMessage w_result_error_message

/* ---- small helpers ---- */

static const char *
shown(const struct pg_store *s)
{
	return s->base.uri;
}

/* The server's message without its trailing newline. */
static const char *
conn_msg(struct pg_store *s)
{
	static char buf[1024];
	size_t n;

	snprintf(buf, sizeof(buf), "%s", PQerrorMessage(s->conn));
	n = strlen(buf);
	while (n > 0 && (buf[n - 1] == '\n' || buf[n - 1] == ' '))
		buf[--n] = '\0';
	return buf;
}

static int
pg_fail(struct pg_store *s, const char *what)
{
	pgs_err("store '%s': %s: %s", shown(s), what, conn_msg(s));
	return -1;
}

/* 1 when res failed with a serialization failure or a deadlock: worth a retry. */
static int
retryable(const PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return st && (strcmp(st, "40001") == 0 || strcmp(st, "40P01") == 0);
}

/* 1 when res failed because a lock was not granted within lock_timeout. */
static int
lock_timed_out(const PGresult *res)
{
	const char *st = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : NULL;

	return st && strcmp(st, "55P03") == 0;
}

/*
 * Run sql with text parameters; returns the result (caller PQclear()s) when
 * it succeeded, else NULL after reporting (unless *retry is given: then a
 * retryable failure sets it and reports nothing).
 */
static PGresult *
pg_run(struct pg_store *s, const char *what, const char *sql, int n, const char *const *params,
    int *retry)
{
	PGresult *res = PQexecParams(s->conn, sql, n, NULL, params, NULL, NULL, 0);
	ExecStatusType st = PQresultStatus(res);

	if (st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK)
		return res;
	if (retry && retryable(res)) {
		*retry = 1;
		PQclear(res);
		return NULL;
	}
	if (lock_timed_out(res))
		pgs_err("store '%s': %s: gave up after %ld s waiting for a lock another session holds;"
		    " set PGS_BUSY_TIMEOUT_MS to wait longer", shown(s), what, s->busy_ms / 1000);
	else
		pgs_err("store '%s': %s: %s", shown(s), what,
		    res ? PQresultErrorMessage(res) : conn_msg(s));
	PQclear(res);
	return NULL;
}

/* Run sql, which may hold several statements and no parameters; 0 or -1 (reported). */
static int
pg_exec(struct pg_store *s, const char *what, const char *sql)
{
	PGresult *res = PQexec(s->conn, sql);
	ExecStatusType st = PQresultStatus(res);
	int ok = st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;

	if (!ok && lock_timed_out(res))
		pgs_err("store '%s': %s: gave up after %ld s waiting for a lock another session holds;"
		    " set PGS_BUSY_TIMEOUT_MS to wait longer", shown(s), what, s->busy_ms / 1000);
	else if (!ok)
		pgs_err("store '%s': %s: %s", shown(s), what,
		    res ? PQresultErrorMessage(res) : conn_msg(s));
	PQclear(res);
	return ok ? 0 : -1;
}

static void
pg_rollback(struct pg_store *s)
{
	if (PQtransactionStatus(s->conn) != PQTRANS_IDLE)
		PQclear(PQexec(s->conn, "ROLLBACK"));
}


/* A text[] literal of n strings (NULL elements allowed), into b. */
static const char *
array_lit(pgs_buf *b, const char *const *v, size_t n, size_t stride)
{
	pgs_buf_reset(b);
	pgs_buf_add(b, "{", 1);
	for (size_t i = 0; i < n; i++) {
		const char *x = v[i * stride];

		if (i)
			pgs_buf_add(b, ",", 1);
		if (!x) {
			pgs_buf_adds(b, "NULL");
			continue;
		}
		pgs_buf_add(b, "\"", 1);
		for (; *x; x++) {
			if (*x == '"' || *x == '\\')
				pgs_buf_add(b, "\\", 1);
			pgs_buf_add(b, x, 1);
		}
		pgs_buf_add(b, "\"", 1);
	}
	pgs_buf_add(b, "}", 1);
	return b->s;
}

/* ---- schema ---- */

static const char registry_ddl[] =
    "CREATE TABLE IF NOT EXISTS pgs_windows (id bigserial PRIMARY KEY, tbl text NOT NULL,"
    " scope text NOT NULL, from_date date NOT NULL, to_date date NOT NULL, rows bigint,"
    " digest text, config text, run_id text, run_started_us bigint,"
    " started_at timestamptz, committed_at timestamptz);\n"
    "CREATE INDEX IF NOT EXISTS pgs_windows_range ON pgs_windows (tbl, scope, from_date);\n"
    "CREATE INDEX IF NOT EXISTS player_game_summary_date ON player_game_summary (game_date);\n"
    "CREATE INDEX IF NOT EXISTS raw_boxscores_window ON raw_boxscores"
    " (game_date, game_id, source, seq);\n"
    "CREATE TABLE IF NOT EXISTS players_registry (universal_player_id text PRIMARY KEY,"
    " player_lookup text NOT NULL, player_full_name text, first_game_id text,"
    " created_at timestamptz);\n"
    "CREATE INDEX IF NOT EXISTS players_registry_lookup ON players_registry (player_lookup);\n"
    "CREATE TABLE IF NOT EXISTS player_source_ids (source text NOT NULL,"
    " source_player_id text NOT NULL, universal_player_id text NOT NULL,"
    " PRIMARY KEY (source, source_player_id));\n"
    "CREATE TABLE IF NOT EXISTS player_aliases (alias_lookup text PRIMARY KEY,"
    " universal_player_id text NOT NULL, rule text, created_at timestamptz);\n"
    "CREATE TABLE IF NOT EXISTS unresolved_player_names (player_lookup text NOT NULL,"
    " source text NOT NULL, player_name text, team_abbr text, first_game_id text,"
    " first_game_date date, last_game_date date, occurrences bigint,"
    " PRIMARY KEY (player_lookup, source));\n"
    "CREATE TABLE IF NOT EXISTS player_team_seasons (universal_player_id text NOT NULL,"
    " team_abbr text NOT NULL, season_year integer NOT NULL,"
    " PRIMARY KEY (universal_player_id, team_abbr, season_year));\n";

static const char *const all_tables[] = {
	"player_game_summary", "raw_boxscores", "pgs_windows", "players_registry",
	"player_source_ids", "player_aliases", "unresolved_player_names",
	"player_team_seasons", PGS_TABLE_HISTORY, PGS_TABLE_RAW_HISTORY,
};
#define NTABLES (sizeof(all_tables) / sizeof(all_tables[0]))

/* Columns added after a table first shipped ("table.column"): added to older stores once. */
static const char *const added_columns[] = {
	"player_game_summary.counts_toward_regular_season",
	PGS_TABLE_HISTORY ".counts_toward_regular_season",
	"player_game_summary.is_final",
	PGS_TABLE_HISTORY ".is_final",
	"raw_boxscores.is_final",
	PGS_TABLE_RAW_HISTORY ".is_final",
};
#define NADDED (sizeof(added_columns) / sizeof(added_columns[0]))

/* Advisory lock keys: one namespace for pgs (class), one key per purpose. */
#define LOCK_DDL 1
#define LOCK_REGISTRY 2

/* How many of the tables exist in the schema; -1 on error. */
static long
tables_present(struct pg_store *s)
{
	pgs_buf b = { 0 };
	PGresult *res;
	const char *p[2];
	long n = -1;

	p[0] = s->schema;
	p[1] = array_lit(&b, all_tables, NTABLES, 1);
	res = pg_run(s, "reading the schema", "SELECT count(*) FROM pg_catalog.pg_tables"
	    " WHERE schemaname = $1 AND tablename = ANY ($2::text[])", 2, p, NULL);
	if (res)
		n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	if (n == (long)NTABLES) {
		/* every table: the columns added since count as present only when all are there */
		pgs_buf_reset(&b);
		p[1] = array_lit(&b, added_columns, NADDED, 1);
		res = pg_run(s, "reading the schema", "SELECT count(*) FROM information_schema.columns"
		    " WHERE table_schema = $1 AND table_name || '.' || column_name = ANY ($2::text[])",
		    2, p, NULL);
		n = res && atol(PQgetvalue(res, 0, 0)) == (long)NADDED ? n : res ? n - 1 : -1;
		PQclear(res);
	}
	pgs_buf_free(&b);
	return n;
}

static int
create_schema(struct pg_store *s, const char *quoted)
{
	const struct pgs_table *sum = pgs_table_get(PGS_TABLE_SUMMARY), *raw = pgs_table_get(PGS_TABLE_RAW);
	pgs_buf b = { 0 };
	long n = tables_present(s);
	int rc = -1;

	if (n < 0)
		return -1;
	if (n == (long)NTABLES)
		return 0;
	pgs_fault_pause("PGS_FAULT_DDL_SLEEP_MS", "before the creator's lock");
	/*
	 * One creator at a time: concurrent CREATE ... IF NOT EXISTS can still
	 * collide.  Once the lock is ours, look again: a writer that made the
	 * schema while we waited may be writing to it now, and even a DDL that
	 * changes nothing (ADD COLUMN IF NOT EXISTS, CREATE INDEX IF NOT EXISTS)
	 * takes the tables' locks first, so running it again could wait on that
	 * writer or deadlock with it.
	 */
	pgs_buf_addf(&b, "BEGIN; SELECT pg_advisory_xact_lock(%d, %d)", (int)0x70677300, LOCK_DDL);
	if (pg_exec(s, "locking the schema", b.s) < 0)
		goto out;
	if ((n = tables_present(s)) < 0)
		goto out;
	if (n == (long)NTABLES) {
		rc = pg_exec(s, "creating the schema", "COMMIT");
		goto out;
	}
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "CREATE SCHEMA IF NOT EXISTS %s; SET LOCAL search_path TO %s;\n",
	    quoted, quoted);
	pgs_sql_table_ddl(&b, &pgs_sql_postgres, sum, "", sum->name, 1);
	pgs_sql_table_ddl(&b, &pgs_sql_postgres, raw, "", raw->name, 1);
	pgs_buf_adds(&b, registry_ddl);
	/* the commit that made the row's version (its history's valid_from); a
	 * store made before pgs kept history gets the column and the table here */
	pgs_buf_adds(&b, "ALTER TABLE player_game_summary ADD COLUMN IF NOT EXISTS valid_from"
	    " timestamptz;\nALTER TABLE raw_boxscores ADD COLUMN IF NOT EXISTS valid_from"
	    " timestamptz;\n");
	/* the competition context (issue 22): null in rows written before it */
	pgs_buf_adds(&b, "ALTER TABLE player_game_summary ADD COLUMN IF NOT EXISTS"
	    " counts_toward_regular_season boolean;\n");
	/* provisional rows (issue 22): the rows written before it were final (the default
	 * fills them, then goes: every write names the column); a raw row's null is its
	 * source's silence, read as final too */
	pgs_buf_adds(&b, "ALTER TABLE player_game_summary ADD COLUMN IF NOT EXISTS"
	    " is_final boolean DEFAULT true;\nALTER TABLE player_game_summary ALTER COLUMN"
	    " is_final DROP DEFAULT;\nALTER TABLE raw_boxscores ADD COLUMN IF NOT EXISTS"
	    " is_final boolean;\n");
	pgs_sql_history_ddl(&b, &pgs_sql_postgres, sum);
	pgs_sql_history_ddl(&b, &pgs_sql_postgres, raw);
	pgs_buf_adds(&b, "ALTER TABLE " PGS_TABLE_HISTORY " ADD COLUMN IF NOT EXISTS"
	    " counts_toward_regular_season boolean;\n");
	pgs_buf_adds(&b, "ALTER TABLE " PGS_TABLE_HISTORY " ADD COLUMN IF NOT EXISTS"
	    " is_final boolean DEFAULT true;\nALTER TABLE " PGS_TABLE_HISTORY " ALTER COLUMN"
	    " is_final DROP DEFAULT;\nALTER TABLE " PGS_TABLE_RAW_HISTORY " ADD COLUMN IF NOT EXISTS"
	    " is_final boolean;\n");
	pgs_buf_adds(&b, "COMMIT;");
	rc = pg_exec(s, "creating the schema", b.s) < 0 ? -1 : 0;
out:
	if (rc < 0)
		pg_rollback(s);
	pgs_buf_free(&b);
	return rc;
}

/* ---- open / close ---- */

static void pg_close(pgs_store *st);

/* The server's notices ("already exists, skipping") are not for users. */
static void
quiet(void *arg, const char *message)
{
	(void)arg;
	(void)message;
}

/*
 * The URI without pgs's own schema= parameter (libpq refuses parameters it
 * does not know), and that parameter's value (a new string, NULL when absent).
 */
static char *
split_schema(const char *uri, char **schema)
{
	const char *q = strchr(uri, '?');
	pgs_buf b = { 0 };
	char sep = '?';

	*schema = NULL;
	if (!q)
		return pgs_xstrdup(uri);
	pgs_buf_add(&b, uri, (size_t)(q - uri));
	for (const char *p = q + 1; *p; ) {
		size_t n = strcspn(p, "&");

		if (n > 7 && strncmp(p, "schema=", 7) == 0) {
			free(*schema);
			*schema = pgs_xstrndup(p + 7, n - 7);
		} else if (n > 0) {
			pgs_buf_add(&b, &sep, 1);
			pgs_buf_add(&b, p, n);
			sep = '&';
		}
		p += n + (p[n] == '&');
	}
	return b.s;
}

/* An environment variable of whole units: def when unset; -1 (reported) when bad. */
static long
env_count(const char *name, long def)
{
	const char *e = getenv(name);
	long v;

	if (!e || !*e)
		return def;
	if ((v = pgs_parse_count(e)) < 0)
		pgs_err("bad %s '%s': want a whole number", name, e);
	return v;
}

/* 1 when the user set the server setting name already (in the URI or PGOPTIONS). */
static int
user_set(const char *conninfo, const char *name)
{
	const char *o = getenv("PGOPTIONS");

	return strstr(conninfo, name) || (o && strstr(o, name));
}

/*
 * The session's limits, so that a client that vanishes or stops answering
 * never holds locks for long: the server ends a session idle in a
 * transaction after PGS_PG_IDLE_TIMEOUT s and probes a silent client with
 * keepalives (about 30 s), and from PostgreSQL 14 on checks for a client
 * gone during a long statement; a wait for a lock ends after
 * PGS_BUSY_TIMEOUT_MS.  A setting the user gave (options=-c … in the URI,
 * or PGOPTIONS) is left alone.
 */
static void
session_limits(pgs_buf *b, const struct pg_store *s, const char *conninfo, long idle_s)
{
	if (idle_s > 0 && !user_set(conninfo, "idle_in_transaction_session_timeout"))
		pgs_buf_addf(b, "SET idle_in_transaction_session_timeout = %ld; ", idle_s * 1000);
	if (!user_set(conninfo, "lock_timeout"))
		pgs_buf_addf(b, "SET lock_timeout = %ld; ", s->busy_ms);
	if (!user_set(conninfo, "tcp_keepalives"))
		pgs_buf_adds(b, "SET tcp_keepalives_idle = 15; SET tcp_keepalives_interval = 5;"
		    " SET tcp_keepalives_count = 3; ");
	if (PQserverVersion(s->conn) >= 140000 && !user_set(conninfo, "client_connection_check_interval"))
		pgs_buf_adds(b, "SET client_connection_check_interval = 10000; ");
}

static pgs_store *
pg_open(const char *uri, const char *shown_uri, enum pgs_store_mode mode)
{
	/*
	 * Keepalives and timeouts by default; the URI comes after them, so a
	 * parameter it names wins (connect_timeout=30).  keepalives find a
	 * server host that vanished while we wait for an answer, tcp_user_timeout
	 * one that stops acknowledging what we send, both in about 30 s
	 * instead of the kernel's two hours.
	 */
	const char *keys[12], *vals[12];
	struct pg_store *s = pgs_xcalloc(1, sizeof(*s));
	char *conninfo, *schema, *quoted = NULL, *sql = NULL;
	pgs_buf set = { 0 };
	long n, idle_s;
	int k = 0;

	s->base.uri = pgs_xstrdup(shown_uri);   /* store.c sets it again; messages need it now */
	conninfo = split_schema(uri, &schema);
	if (schema && !*schema) {
		pgs_err("store '%s': empty schema=", shown_uri);
		goto fail;
	}
	s->schema = pgs_xstrdup(schema ? schema : "public");
	if ((s->answer_s = env_count("PGS_PG_TIMEOUT", 20)) < 0 ||
	    (idle_s = env_count("PGS_PG_IDLE_TIMEOUT", 30)) < 0 ||
	    (s->busy_ms = env_count("PGS_BUSY_TIMEOUT_MS", 60000)) < 0)
		goto fail;
	if (pgs_dl_pq_open() < 0)
		goto fail;
	if (!getenv("PGCONNECT_TIMEOUT")) {
		keys[k] = "connect_timeout";
		vals[k++] = "10";
	}
	keys[k] = "keepalives";
	vals[k++] = "1";
	keys[k] = "keepalives_idle";
	vals[k++] = "15";
	keys[k] = "keepalives_interval";
	vals[k++] = "5";
	keys[k] = "keepalives_count";
	vals[k++] = "3";
	if (PQlibVersion() >= 120000) {
		keys[k] = "tcp_user_timeout";
		vals[k++] = "30000";
	}
	keys[k] = "dbname";          /* expand_dbname: dbname holds the whole URI */
	vals[k++] = conninfo;
	keys[k] = "fallback_application_name";
	vals[k++] = "pgs";
	keys[k] = NULL;
	vals[k] = NULL;
	s->conn = PQconnectdbParams(keys, vals, 1);
	if (!s->conn || PQstatus(s->conn) != CONNECTION_OK) {
		if (!s->conn)
			pgs_err("store '%s': cannot connect: out of memory", shown_uri);
		else {
			char *m = pgs_xstrdup(PQerrorMessage(s->conn));

			chomp(m);
			pgs_err("store '%s': cannot connect: %s", shown_uri, m);
			free(m);
		}
		goto fail;
	}
	s->pid = PQbackendPID(s->conn);
	s->fd = PQsocket(s->conn);
	s->conninfo = conninfo;
	conninfo = NULL;
	watch_add(s);
	PQsetNoticeProcessor(s->conn, quiet, NULL);
	session_limits(&set, s, s->conninfo, idle_s);
	if (set.s && pg_exec(s, "opening", set.s) < 0)
		goto fail;
	quoted = PQescapeIdentifier(s->conn, s->schema, strlen(s->schema));
	if (!quoted) {
		pg_fail(s, "bad schema name");
		goto fail;
	}
	if (mode == PGS_STORE_RO) {
		if ((n = tables_present(s)) < 0)
			goto fail;
		if (n == 0) {
			pgs_err("store '%s': not a pgs store (no pgs tables in schema %s)", shown_uri,
			    s->schema);
			goto fail;
		}
		if (pg_exec(s, "opening", "SET default_transaction_read_only = on") < 0)
			goto fail;
	} else if (create_schema(s, quoted) < 0)
		goto fail;
	sql = pgs_xasprintf("SET search_path TO %s; SET timezone TO 'UTC'", quoted);
	if (pg_exec(s, "opening", sql) < 0)
		goto fail;
	free(sql);
	pgs_buf_free(&set);
	PQfreemem(quoted);
	free(schema);
	free(s->base.uri);
	s->base.uri = NULL;
	return &s->base;
fail:
	free(sql);
	pgs_buf_free(&set);
	if (quoted)
		PQfreemem(quoted);
	free(conninfo);
	free(schema);
	pg_close(&s->base);
	return NULL;
}

static void
pg_close(pgs_store *st)
{
	struct pg_store *s = (struct pg_store *)st;

	if (!s)
		return;
	watch_remove(s);
	if (s->conn)
		PQfinish(s->conn);
	free(s->conninfo);
	free(s->schema);
	free(s->base.uri);
	free(s);
}

/* ---- window write ---- */

static void
pg_stage_end(pgs_stage *pg)
{
	struct pg_stage *g = (struct pg_stage *)pg;
	struct pg_store *s;
	PGresult *res;

	if (!g)
		return;
	s = g->s;
	/* the last stage of a group drops the table the group shares */
	if (--s->staging == 0) {
		if (s->copying) {
			PQputCopyEnd(s->conn, "aborted");
			while ((res = PQgetResult(s->conn)) != NULL)
				PQclear(res);
			s->copying = 0;
		}
		pg_rollback(s);
		PQclear(PQexec(s->conn, "DROP TABLE IF EXISTS pg_temp.pgs_stage"));
		s->next_w = 0;
		s->staged_t = NULL;
	} else if (!s->copying) {
		pg_rollback(s);
	}
	pgs_buf_free(&g->line);
	free(g);
}

/*
 * A stage: rows of one window, COPYed into pg_temp.pgs_stage with the
 * window's number in column w.  A stage begun while others are open on the
 * handle (a group: windows staged one after the other, written in one
 * transaction) joins their table and their COPY.
 */
static pgs_stage *
pg_stage_begin(pgs_store *st, const struct pgs_window_spec *w)
{
	struct pg_store *s = (struct pg_store *)st;
	struct pg_stage *g;
	pgs_buf b = { 0 };
	PGresult *res;

	if (s->staging && (!s->copying || s->staged_t != w->t)) {
		pgs_err("store '%s': a window write is already open on this handle", shown(s));
		return NULL;
	}
	g = pgs_xcalloc(1, sizeof(*g));
	g->base.st = st;
	g->base.w = w;
	g->s = s;
	g->t = w->t;
	g->w = s->next_w++;
	if (s->staging++)
		return &g->base;
	s->staged_t = w->t;
	pgs_buf_adds(&b, "DROP TABLE IF EXISTS pg_temp.pgs_stage; ");
	pgs_sql_table_ddl(&b, &pgs_sql_postgres, w->t, "TEMP ", "pgs_stage", 0);
	pgs_buf_adds(&b, "ALTER TABLE pg_temp.pgs_stage ADD COLUMN w integer");
	if (pg_exec(s, "staging", b.s) < 0)
		goto fail;
	pgs_buf_reset(&b);
	pgs_buf_adds(&b, "COPY pg_temp.pgs_stage (");
	pgs_sql_cols(&b, w->t, "");
	pgs_buf_adds(&b, ", w) FROM STDIN");
	res = PQexec(s->conn, b.s);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		pgs_err("store '%s': staging: %s", shown(s), PQresultErrorMessage(res));
		PQclear(res);
		goto fail;
	}
	PQclear(res);
	s->copying = 1;
	pgs_buf_free(&b);
	return &g->base;
fail:
	pgs_buf_free(&b);
	pg_stage_end(&g->base);
	return NULL;
}

/* One value in COPY text format. */
static void
copy_text(pgs_buf *b, const char *s, size_t n)
{
	const char *end = s + n, *p = s;

	for (; p < end; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		default: continue;
		}
		pgs_buf_add(b, s, (size_t)(p - s));
		pgs_buf_adds(b, esc);
		s = p + 1;
	}
	pgs_buf_add(b, s, (size_t)(end - s));
}

static int
pg_stage_row(pgs_stage *pg, const struct pgs_val *v, const char *doc, size_t doclen,
    const char *digest, long seq)
{
	struct pg_stage *g = (struct pg_stage *)pg;
	const struct pgs_table *t = g->t;
	pgs_buf *b = &g->line;

	pgs_buf_reset(b);
	for (size_t k = 0; k < t->nf; k++) {
		if (k)
			pgs_buf_add(b, "\t", 1);
		if (v[k].null) {
			pgs_buf_adds(b, "\\N");
			continue;
		}
		switch (t->f[k].type) {
		case PGS_T_INT:
			pgs_buf_addf(b, "%lld", v[k].i);
			break;
		case PGS_T_BOOL:
			pgs_buf_add(b, v[k].i ? "t" : "f", 1);
			break;
		case PGS_T_REAL:
			pgs_buf_addf(b, "%.17g", v[k].d);
			break;
		default:
			copy_text(b, v[k].s, v[k].len);
			break;
		}
	}
	if (t->raw) {
		pgs_buf_addf(b, "\t%ld\t", seq);
		copy_text(b, doc, doclen);
	}
	pgs_buf_addf(b, "\t%s\t%d\n", digest, g->w);
	if (PQputCopyData(g->s->conn, b->s, (int)b->len) != 1)
		return pg_fail(g->s, "staging a row");
	return 0;
}

/* End the stage's COPY (once for a group) and index the stage; 0 or -1 (reported). */
static int
copy_end(struct pg_store *s, const struct pgs_table *t)
{
	PGresult *res;
	int rc = 0;

	if (!s->copying)
		return 0;
	s->copying = 0;
	if (PQputCopyEnd(s->conn, NULL) != 1)
		return pg_fail(s, "staging");
	while ((res = PQgetResult(s->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			pgs_err("store '%s': staging: %s", shown(s), PQresultErrorMessage(res));
			rc = -1;
		}
		PQclear(res);
	}
	/* the stage is read by key in every statement of the commit: index it once,
	 * with statistics, so each is a join on keys, not a scan per row */
	if (rc == 0) {
		pgs_buf b = { 0 };

		pgs_buf_adds(&b, "CREATE INDEX ON pg_temp.pgs_stage (");
		pgs_sql_keys(&b, t);
		pgs_buf_adds(&b, "); ANALYZE pg_temp.pgs_stage");
		rc = pg_exec(s, "staging", b.s);
		pgs_buf_free(&b);
	}
	return rc;
}

/* The advisory lock class of a (table, scope): 32 bits of its FNV-1a. */
static int
lock_class(const char *table, const char *scope)
{
	return (int)pgs_fnv1a(scope, pgs_fnv1a("/", pgs_fnv1a(table, PGS_FNV1A_BASIS)));
}

/*
 * Who holds one of the advisory locks (cls, days a..z) of a window, other
 * than this session: "session PID (STATE for N s, APP at ADDR)" into out;
 * 1 when someone does, 0 when nobody (or it cannot be seen).
 */
static int
lock_holder(struct pg_store *s, const char *const *p, char *out, size_t cap)
{
	PGresult *res = PQexecParams(s->conn, "SELECT a.pid, coalesce(a.state, '?'),"
	    " coalesce(extract(epoch FROM now() - a.state_change)::bigint, 0),"
	    " coalesce(nullif(a.application_name, ''), '?'), coalesce(host(a.client_addr), 'local')"
	    " FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid"
	    " WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2 AND l.pid <> pg_backend_pid()"
	    " AND l.classid::bigint = ($1::int::bigint & 4294967295)"
	    " AND l.objid::bigint BETWEEN $2::bigint AND $3::bigint LIMIT 1", 3, NULL, p, NULL, NULL, 0);
	int found = PQresultStatus(res) == PGRES_TUPLES_OK && PQntuples(res) == 1;

	if (found)
		snprintf(out, cap, "session %s (%s for %s s, %s at %s)", PQgetvalue(res, 0, 0),
		    PQgetvalue(res, 0, 1), PQgetvalue(res, 0, 2), PQgetvalue(res, 0, 3),
		    PQgetvalue(res, 0, 4));
	PQclear(res);
	return found;
}

static int
pg_lock(pgs_stage *pg)
{
	struct pg_stage *g = (struct pg_stage *)pg;
	const struct pgs_window_spec *w = pg->w;
	PGresult *res;
	long a, z;
	char cls[16], da[16], dz[16], holder[256] = "";
	const char *p[3] = { cls, da, dz };
	const char *st;

	if (copy_end(g->s, g->t) < 0)
		return -1;
	if (pgs_date_parse(w->from, &a) < 0 || pgs_date_parse(w->to, &z) < 0) {
		pgs_err("store '%s': bad window %s..%s", shown(g->s), w->from, w->to);
		return -1;
	}
	if (pg_exec(g->s, "begin", "BEGIN") < 0)
		return -1;
	g->in_tx = 1;
	/* scopes are sorted and days ascend: every writer locks in one order */
	for (size_t i = 0; i < w->nscopes; i++) {
		snprintf(cls, sizeof(cls), "%d", lock_class(w->t->name, w->scopes[i]));
		snprintf(da, sizeof(da), "%ld", a);
		snprintf(dz, sizeof(dz), "%ld", z);
		/* -v: whom we are about to wait for (an abandoned session keeps its locks until
		 * the server ends it: PGS_PG_IDLE_TIMEOUT).  Only looked at, never taken out of
		 * order: a lock taken ahead of the order would let two writers deadlock */
		if (pgs_verbosity >= 2 && lock_holder(g->s, p, holder, sizeof(holder)))
			pgs_info("store '%s': waiting for the lock on %s %s..%s, held by %s; giving up after"
			    " %ld s (PGS_BUSY_TIMEOUT_MS)", shown(g->s), w->t->name, w->from, w->to, holder,
			    g->s->busy_ms / 1000);
		res = PQexecParams(g->s->conn, "SELECT count(pg_advisory_xact_lock($1::int, d))"
		    " FROM generate_series($2::int, $3::int) AS d", 3, NULL, p, NULL, NULL, 0);
		if (PQresultStatus(res) != PGRES_TUPLES_OK) {
			st = PQresultErrorField(res, PG_DIAG_SQLSTATE);
			/* the transaction is aborted: out of it, look at who still holds the lock */
			if (st && strcmp(st, "55P03") == 0) {
				pg_rollback(g->s);
				if (!lock_holder(g->s, p, holder, sizeof(holder)))
					snprintf(holder, sizeof(holder), "another session");
			}
			if (st && strcmp(st, "55P03") == 0)
				pgs_err("store '%s': gave up after %ld s waiting for the lock on %s %s..%s,"
				    " held by %s; set PGS_BUSY_TIMEOUT_MS to wait longer", shown(g->s),
				    g->s->busy_ms / 1000, w->t->name, w->from, w->to, holder);
			else
				pgs_err("store '%s': locking the window: %s", shown(g->s),
				    PQresultErrorMessage(res));
			PQclear(res);
			return -1;
		}
		PQclear(res);
	}
	return 0;
}

static void
copy_field(char *dst, size_t cap, const PGresult *res, int row, int col)
{
	snprintf(dst, cap, "%s", PQgetisnull(res, row, col) ? "" : PQgetvalue(res, row, col));
}

/* Scope parameter: the scopes as a text[] literal. */
static const char *
scopes_lit(pgs_buf *b, const struct pgs_window_spec *w)
{
	return array_lit(b, w->scopes, w->nscopes, 1);
}

#define ISO_TS "to_char(%s AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"

static int
pg_inspect(pgs_stage *pg, struct pgs_window_state *s)
{
	struct pg_stage *g = (struct pg_stage *)pg;
	const struct pgs_window_spec *w = pg->w;
	const struct pgs_table *t = g->t;
	const char *scope = t->raw ? " AND source = ANY ($3::text[])" : "";
	pgs_buf b = { 0 }, sc = { 0 };
	PGresult *res = NULL;
	const char *p[5];
	char started[24];
	int rc = -1;

	p[0] = w->from;
	p[1] = w->to;
	p[2] = scopes_lit(&sc, w);
	pgs_buf_adds(&b, "SELECT count(*), count(*) FILTER (WHERE NOT EXISTS"
	    " (SELECT 1 FROM pg_temp.pgs_stage s WHERE ");
	pgs_sql_key_eq(&b, t, "t", "s");
	pgs_buf_addf(&b, ")) FROM %s t WHERE game_date BETWEEN $1 AND $2%s", t->name, scope);
	if (!(res = pg_run(g->s, "counting", b.s, t->raw ? 3 : 2, p, NULL)))
		goto out;
	s->before = atol(PQgetvalue(res, 0, 0));
	s->deleted = atol(PQgetvalue(res, 0, 1));
	PQclear(res);

	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "SELECT count(*) FILTER (WHERE t.%s IS NULL), count(*) FILTER (WHERE"
	    " t.row_digest IS NOT DISTINCT FROM s.row_digest%s) FROM pg_temp.pgs_stage s"
	    " LEFT JOIN %s t ON ", pgs_sql_key(t, 0), t->raw ? " AND t.seq IS NOT DISTINCT FROM s.seq" : "",
	    t->name);
	pgs_sql_key_eq(&b, t, "t", "s");
	if (!(res = pg_run(g->s, "counting", b.s, 0, NULL, NULL)))
		goto out;
	s->inserted = atol(PQgetvalue(res, 0, 0));
	s->unchanged = atol(PQgetvalue(res, 0, 1));
	PQclear(res);

	/* fencing: the overlapping window of another run that started last */
	p[0] = t->name;
	p[1] = w->from;
	p[2] = w->to;
	p[3] = w->run_id;
	p[4] = sc.s;
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "SELECT run_id, run_started_us, from_date, to_date, " ISO_TS
	    " FROM pgs_windows WHERE tbl = $1 AND scope = ANY ($5::text[])"
	    " AND from_date <= $3 AND to_date >= $2 AND run_id IS DISTINCT FROM $4"
	    " AND run_started_us IS NOT NULL ORDER BY run_started_us DESC LIMIT 1", "committed_at");
	if (!(res = pg_run(g->s, "reading the ledger", b.s, 5, p, NULL)))
		goto out;
	if (PQntuples(res) == 1) {
		s->has_fence = 1;
		copy_field(s->fence_run_id, sizeof(s->fence_run_id), res, 0, 0);
		copy_field(started, sizeof(started), res, 0, 1);
		s->fence_run_started_us = atoll(started);
		copy_field(s->fence_from, sizeof(s->fence_from), res, 0, 2);
		copy_field(s->fence_to, sizeof(s->fence_to), res, 0, 3);
		copy_field(s->fence_committed_at, sizeof(s->fence_committed_at), res, 0, 4);
	}
	rc = 0;
out:
	PQclear(res);
	pgs_buf_free(&b);
	pgs_buf_free(&sc);
	return rc;
}

/*
 * The upsert of the staged rows (those WHERE where says, after FROM the
 * stage): rows whose digest is the same are not rewritten (processed_at
 * stays).
 */
static void
upsert_sql(pgs_buf *b, const struct pgs_table *t, const char *where, const char *valid_from)
{
	pgs_buf_addf(b, "INSERT INTO %s AS t (", t->name);
	pgs_sql_cols(b, t, "");
	pgs_buf_adds(b, valid_from ? ", valid_from) SELECT " : ") SELECT ");
	pgs_sql_cols(b, t, "");
	if (valid_from)
		pgs_buf_addf(b, ", %s", valid_from);
	pgs_buf_addf(b, " FROM pg_temp.pgs_stage%s ON CONFLICT (", where);
	pgs_sql_keys(b, t);
	pgs_buf_adds(b, ") DO UPDATE SET ");
	for (size_t i = 0; i < t->nf; i++) {
		int key = 0;

		for (size_t k = 0; k < t->nkeys; k++)
			key |= (size_t)t->keys[k] == i;
		if (!key)
			pgs_buf_addf(b, "%s = excluded.%s, ", t->f[i].name, t->f[i].name);
	}
	if (t->raw)
		pgs_buf_adds(b, "seq = excluded.seq, doc = excluded.doc, ");
	if (valid_from)
		pgs_buf_adds(b, "valid_from = excluded.valid_from, ");
	pgs_buf_adds(b, "row_digest = excluded.row_digest"
	    " WHERE t.row_digest IS DISTINCT FROM excluded.row_digest");
	if (t->raw)
		pgs_buf_adds(b, " OR t.seq IS DISTINCT FROM excluded.seq");
}

/*
 * The window's write, in two statements whose common table expressions
 * keep what they supersede in the table's history (one round trip each, as
 * without it): the old versions of the rows the upsert changes, and the
 * rows the delete removes.  A statement's parts all read the snapshot from
 * before it, so the history gets the versions as they were.  $1..$4: the
 * commit's time and run, the window; $5 (the delete's) the raw table's sources.  The last
 * result, or NULL (reported; *retry set when the store says try again).
 */
static PGresult *
window_write(struct pg_store *s, const struct pgs_window_spec *w,
    const struct pgs_ledger_entry *led, int *retry)
{
	static const char *const v[4] = { "$1::timestamptz", "$2::text", "$3::date", "$4::date" };
	const struct pgs_table *t = w->t;
	pgs_buf b = { 0 }, fw = { 0 }, sc = { 0 };
	const char *p[5] = { led[0].committed_at, led[0].run_id, w->from, w->to, NULL };
	int np = t->raw ? 5 : 4;
	PGresult *res;

	p[4] = scopes_lit(&sc, w);
	pgs_buf_addf(&fw, " FROM %s x JOIN pg_temp.pgs_stage s ON ", t->name);
	pgs_sql_key_eq(&fw, t, "x", "s");
	pgs_buf_addf(&fw, " WHERE x.row_digest IS DISTINCT FROM s.row_digest%s",
	    t->raw ? " OR x.seq IS DISTINCT FROM s.seq" : "");
	pgs_buf_adds(&b, "WITH h AS (");
	pgs_sql_history_insert(&b, t, "x", v, "updated", fw.s);
	pgs_buf_adds(&b, ") ");
	upsert_sql(&b, t, "", "$1::timestamptz");
	res = pg_run(s, "writing the window", b.s, 4, p, retry);
	if (!res)
		goto out;
	PQclear(res);
	pgs_buf_reset(&b);
	pgs_buf_addf(&b, "WITH gone AS (DELETE FROM %s t WHERE game_date BETWEEN $3 AND $4%s"
	    " AND NOT EXISTS (SELECT 1 FROM pg_temp.pgs_stage s WHERE ", t->name,
	    t->raw ? " AND source = ANY ($5::text[])" : "");
	pgs_sql_key_eq(&b, t, "t", "s");
	pgs_buf_adds(&b, ") RETURNING t.*) ");
	pgs_sql_history_insert(&b, t, "gone", v, "deleted", " FROM gone");
	res = pg_run(s, "writing the window", b.s, np, p, retry);
out:
	pgs_buf_free(&b);
	pgs_buf_free(&fw);
	pgs_buf_free(&sc);
	return res;
}

static int
pg_apply(pgs_stage *pg, const struct pgs_window_state *state,
    const struct pgs_ledger_entry *led, size_t nled)
{
	struct pg_stage *g = (struct pg_stage *)pg;
	struct pg_store *s = g->s;
	const struct pgs_window_spec *w = pg->w;
	PGresult *res;
	const char *p[11];
	char rows[24], started[24];
	int retry = 0, rc = -1;

	(void)state;   /* the advisory locks held since lock() keep it true */
	if (nled > 0) {
		if (!(res = window_write(s, w, led, &retry)))
			goto out;
		PQclear(res);
	}

	for (size_t i = 0; i < nled; i++) {
		const struct pgs_ledger_entry *e = &led[i];

		snprintf(rows, sizeof(rows), "%ld", e->rows);
		snprintf(started, sizeof(started), "%lld", e->run_started_us);
		p[0] = e->table;
		p[1] = e->scope;
		p[2] = e->from;
		p[3] = e->to;
		p[4] = rows;
		p[5] = e->digest;
		p[6] = e->config;
		p[7] = e->run_id;
		p[8] = e->run_started_us > 0 ? started : NULL;
		p[9] = e->started_at;
		p[10] = e->committed_at;
		res = pg_run(s, "writing the ledger", "INSERT INTO pgs_windows (tbl, scope, from_date,"
		    " to_date, rows, digest, config, run_id, run_started_us, started_at, committed_at)"
		    " VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)", 11, p, &retry);
		if (!res)
			goto out;
		PQclear(res);
	}
	if (!(res = pg_run(s, "commit", "COMMIT", 0, NULL, &retry)))
		goto out;
	PQclear(res);
	g->in_tx = 0;
	rc = 0;
out:
	if (rc != 0) {
		pg_rollback(s);
		g->in_tx = 0;
		if (retry)
			rc = PGS_STORE_RETRY;
	}
	return rc;
}

/*
 * ---- group commit ----
 *
 * Consecutive windows of the summary table, staged one after the other into
 * one stage (column w tells whose each row is), written in one transaction:
 * BEGIN, the advisory locks of every window's days (in the one order every
 * writer takes them), one query that inspects every window, one upsert, one
 * delete and one ledger insert for the windows that passed their guards,
 * COMMIT.  The statements of a window write cost a network round trip each:
 * a group costs the round trips of one window, however many it holds.
 */

/* An int[] literal of the windows' numbers (those whose ok[i] is set, when
 * ok is given), into b. */
static const char *
group_numbers(pgs_buf *b, pgs_stage *const *sgs, size_t n, const int *ok)
{
	int first = 1;

	pgs_buf_reset(b);
	pgs_buf_add(b, "{", 1);
	for (size_t i = 0; i < n; i++)
		if (!ok || ok[i]) {
			pgs_buf_addf(b, "%s%d", first ? "" : ",", ((struct pg_stage *)sgs[i])->w);
			first = 0;
		}
	pgs_buf_add(b, "}", 1);
	return b->s;
}

/* A text[] literal of one field of the windows' specs (those whose ok[i] is set). */
static const char *
group_field(pgs_buf *b, pgs_stage *const *sgs, size_t n, const int *ok, size_t off)
{
	const char **v = pgs_xcalloc(n + 1, sizeof(*v));
	size_t k = 0;

	for (size_t i = 0; i < n; i++)
		if (!ok || ok[i])
			v[k++] = *(const char *const *)((const char *)sgs[i]->w + off);
	array_lit(b, v, k, 1);
	free(v);
	return b->s;
}

static int
pg_group_lock(pgs_stage *const *sgs, size_t n)
{
	struct pg_stage *g = (struct pg_stage *)sgs[0];
	const struct pgs_window_spec *w0 = sgs[0]->w;
	pgs_buf days = { 0 };
	PGresult *res;
	char cls[16];
	const char *p[2] = { cls, NULL };
	long a, z;
	int rc = -1, first = 1;

	if (g->t->raw) {
		pgs_err("store '%s': windows of %s are not written as a group", shown(g->s), g->t->name);
		return -1;
	}
	if (copy_end(g->s, g->t) < 0)
		return -1;
	/* the windows ascend and do not overlap: their days ascend */
	pgs_buf_add(&days, "{", 1);
	for (size_t i = 0; i < n; i++) {
		const struct pgs_window_spec *w = sgs[i]->w;

		if (pgs_date_parse(w->from, &a) < 0 || pgs_date_parse(w->to, &z) < 0) {
			pgs_err("store '%s': bad window %s..%s", shown(g->s), w->from, w->to);
			goto out;
		}
		for (; a <= z; a++, first = 0)
			pgs_buf_addf(&days, "%s%ld", first ? "" : ",", a);
	}
	pgs_buf_add(&days, "}", 1);
	p[1] = days.s;
	/* without JIT: its compiling took most of a group's inspection (1.2 of
	 * 1.6 s for 350 windows), for queries that run in a fraction of that
	 * (the setting is not there before PostgreSQL 11: then nothing is set) */
	if (pg_exec(g->s, "begin", "BEGIN; SELECT set_config(name, 'off', true) FROM pg_settings"
	    " WHERE name = 'jit'") < 0)
		goto out;
	for (size_t i = 0; i < n; i++)
		((struct pg_stage *)sgs[i])->in_tx = 1;
	/* scopes are sorted and days ascend: every writer locks in one order */
	for (size_t i = 0; i < w0->nscopes; i++) {
		snprintf(cls, sizeof(cls), "%d", lock_class(w0->t->name, w0->scopes[i]));
		res = pg_run(g->s, "locking the windows", "SELECT count(pg_advisory_xact_lock($1::int, d))"
		    " FROM unnest($2::int[]) AS d", 2, p, NULL);
		if (!res)
			goto out;
		PQclear(res);
	}
	rc = 0;
out:
	pgs_buf_free(&days);
	return rc;
}

static int
pg_group_inspect(pgs_stage *const *sgs, size_t n, struct pgs_window_state *states)
{
	struct pg_stage *g = (struct pg_stage *)sgs[0];
	const struct pgs_table *t = g->t;
	pgs_buf q = { 0 }, a[6] = { { 0 } };
	PGresult *res = NULL;
	const char *p[6];
	char started[24];
	int rc = -1;

	p[0] = group_numbers(&a[0], sgs, n, NULL);
	p[1] = group_field(&a[1], sgs, n, NULL, offsetof(struct pgs_window_spec, from));
	p[2] = group_field(&a[2], sgs, n, NULL, offsetof(struct pgs_window_spec, to));
	p[3] = group_field(&a[3], sgs, n, NULL, offsetof(struct pgs_window_spec, run_id));
	p[4] = t->name;
	p[5] = scopes_lit(&a[5], sgs[0]->w);
	pgs_buf_adds(&q, "WITH win AS (SELECT * FROM unnest($1::int[], $2::date[], $3::date[], $4::text[])"
	    " AS win (wn, wf, wt, wrun)),"
	    " cur AS (SELECT win.wn, count(*) AS n, count(*) FILTER (WHERE NOT EXISTS"
	    " (SELECT 1 FROM pg_temp.pgs_stage s WHERE s.w = win.wn AND ");
	pgs_sql_key_eq(&q, t, "x", "s");
	pgs_buf_addf(&q, ")) AS gone FROM win JOIN %s x ON x.game_date BETWEEN win.wf AND win.wt"
	    " GROUP BY win.wn),"
	    " stg AS (SELECT s.w, count(*) FILTER (WHERE x.%s IS NULL) AS new,"
	    " count(*) FILTER (WHERE x.row_digest IS NOT DISTINCT FROM s.row_digest) AS same"
	    " FROM pg_temp.pgs_stage s LEFT JOIN %s x ON ", t->name, pgs_sql_key(t, 0), t->name);
	pgs_sql_key_eq(&q, t, "x", "s");
	pgs_buf_addf(&q, " WHERE s.w = ANY ($1::int[]) GROUP BY s.w)"
	    " SELECT win.wn, coalesce(cur.n, 0), coalesce(cur.gone, 0), coalesce(stg.new, 0),"
	    " coalesce(stg.same, 0), fe.run_id, fe.run_started_us, fe.from_date, fe.to_date, " ISO_TS
	    " FROM win LEFT JOIN cur ON cur.wn = win.wn LEFT JOIN stg ON stg.w = win.wn"
	    " LEFT JOIN LATERAL (SELECT run_id, run_started_us, from_date, to_date, committed_at"
	    " FROM pgs_windows WHERE tbl = $5 AND scope = ANY ($6::text[]) AND from_date <= win.wt"
	    " AND to_date >= win.wf AND run_id IS DISTINCT FROM win.wrun AND run_started_us IS NOT NULL"
	    " ORDER BY run_started_us DESC LIMIT 1) fe ON true", "fe.committed_at");
	if (!(res = pg_run(g->s, "inspecting the windows", q.s, 6, p, NULL)))
		goto out;
	for (int r = 0; r < PQntuples(res); r++) {
		int wn = atoi(PQgetvalue(res, r, 0));
		struct pgs_window_state *st = NULL;

		for (size_t i = 0; i < n && !st; i++)
			if (((struct pg_stage *)sgs[i])->w == wn)
				st = &states[i];
		if (!st)
			continue;
		st->before = atol(PQgetvalue(res, r, 1));
		st->deleted = atol(PQgetvalue(res, r, 2));
		st->inserted = atol(PQgetvalue(res, r, 3));
		st->unchanged = atol(PQgetvalue(res, r, 4));
		if (!PQgetisnull(res, r, 5)) {
			st->has_fence = 1;
			copy_field(st->fence_run_id, sizeof(st->fence_run_id), res, r, 5);
			copy_field(started, sizeof(started), res, r, 6);
			st->fence_run_started_us = atoll(started);
			copy_field(st->fence_from, sizeof(st->fence_from), res, r, 7);
			copy_field(st->fence_to, sizeof(st->fence_to), res, r, 8);
			copy_field(st->fence_committed_at, sizeof(st->fence_committed_at), res, r, 9);
		}
	}
	rc = 0;
out:
	PQclear(res);
	pgs_buf_free(&q);
	for (size_t i = 0; i < 6; i++)
		pgs_buf_free(&a[i]);
	return rc;
}

/* Column k of the ledger entries of the windows that commit, as an array literal. */
static const char *
ledger_column(pgs_buf *b, const struct pgs_ledger_entry *const *led, const size_t *nled,
    size_t n, const int *ok, int k)
{
	size_t m = 0, j = 0;
	const char **v;
	char (*num)[24];

	for (size_t i = 0; i < n; i++)
		m += ok[i] ? nled[i] : 0;
	v = pgs_xcalloc(m + 1, sizeof(*v));
	num = pgs_xcalloc(m + 1, sizeof(*num));
	for (size_t i = 0; i < n; i++)
		for (size_t e = 0; ok[i] && e < nled[i]; e++, j++) {
			const struct pgs_ledger_entry *x = &led[i][e];

			switch (k) {
			case 0: v[j] = x->table; break;
			case 1: v[j] = x->scope; break;
			case 2: v[j] = x->from; break;
			case 3: v[j] = x->to; break;
			case 4: snprintf(num[j], sizeof(num[j]), "%ld", x->rows); v[j] = num[j]; break;
			case 5: v[j] = x->digest; break;
			case 6: v[j] = x->config; break;
			case 7: v[j] = x->run_id; break;
			case 8:
				snprintf(num[j], sizeof(num[j]), "%lld", x->run_started_us);
				v[j] = x->run_started_us > 0 ? num[j] : NULL;
				break;
			case 9: v[j] = x->started_at; break;
			default: v[j] = x->committed_at; break;
			}
		}
	array_lit(b, v, m, 1);
	free(v);
	free(num);
	return b->s;
}

static int
pg_group_apply(pgs_stage *const *sgs, size_t n, const int *ok,
    const struct pgs_window_state *states, const struct pgs_ledger_entry *const *led,
    const size_t *nled)
{
	struct pg_stage *g = (struct pg_stage *)sgs[0];
	struct pg_store *s = g->s;
	const struct pgs_table *t = g->t;
	static const char *const types[11] = { "text", "text", "date", "date", "bigint", "text",
		"text", "text", "bigint", "timestamptz", "timestamptz" };
	static const char *const hv[4] = { "$4::timestamptz", "$5::text", "win.wf", "win.wt" };
	static const char *const hv_gone[4] = { "$4::timestamptz", "$5::text", "gone.h_from",
		"gone.h_to" };
	pgs_buf b = { 0 }, a[11] = { { 0 } };
	PGresult *res;
	const char *p[11];
	long gone = 0;
	int retry = 0, rc = -1;

	/* the advisory locks held since group_lock keep states true */
	for (size_t i = 0; i < n; i++)
		gone += ok[i] ? states[i].deleted : 0;
	/* $1..$3: the windows that commit; $4, $5: the commit's time and run, for the history */
	p[0] = group_numbers(&a[0], sgs, n, ok);
	p[1] = group_field(&a[1], sgs, n, ok, offsetof(struct pgs_window_spec, from));
	p[2] = group_field(&a[2], sgs, n, ok, offsetof(struct pgs_window_spec, to));
	p[3] = led[0][0].committed_at;
	p[4] = sgs[0]->w->run_id;
	/* as window_write: each statement keeps what it supersedes */
	pgs_buf_adds(&b, "WITH h AS (");
	pgs_sql_history_insert(&b, t, "x", hv, "updated", " FROM player_game_summary x"
	    " JOIN pg_temp.pgs_stage s ON x.game_id = s.game_id AND x.player_lookup = s.player_lookup"
	    " JOIN unnest($1::int[], $2::date[], $3::date[]) AS win (wn, wf, wt) ON win.wn = s.w"
	    " WHERE x.row_digest IS DISTINCT FROM s.row_digest");
	pgs_buf_adds(&b, ") ");
	upsert_sql(&b, t, " WHERE w = ANY ($1::int[])", "$4::timestamptz");
	if (!(res = pg_run(s, "writing the windows", b.s, 5, p, &retry)))
		goto out;
	PQclear(res);
	if (gone > 0) {
		pgs_buf_reset(&b);
		pgs_buf_addf(&b, "WITH gone AS (DELETE FROM %s x USING unnest($1::int[], $2::date[],"
		    " $3::date[]) AS win (wn, wf, wt) WHERE x.game_date BETWEEN win.wf AND win.wt AND"
		    " NOT EXISTS (SELECT 1 FROM pg_temp.pgs_stage s WHERE s.w = win.wn AND ", t->name);
		pgs_sql_key_eq(&b, t, "x", "s");
		pgs_buf_adds(&b, ") RETURNING x.*, win.wf AS h_from, win.wt AS h_to) ");
		pgs_sql_history_insert(&b, t, "gone", hv_gone, "deleted", " FROM gone");
		if (!(res = pg_run(s, "writing the windows", b.s, 5, p, &retry)))
			goto out;
		PQclear(res);
	}
	pgs_buf_reset(&b);
	pgs_buf_adds(&b, "INSERT INTO pgs_windows (tbl, scope, from_date, to_date, rows, digest, config,"
	    " run_id, run_started_us, started_at, committed_at) SELECT * FROM unnest(");
	for (int k = 0; k < 11; k++) {
		p[k] = ledger_column(&a[k], led, nled, n, ok, k);
		pgs_buf_addf(&b, "%s$%d::%s[]", k ? ", " : "", k + 1, types[k]);
	}
	pgs_buf_adds(&b, ")");
	if (!(res = pg_run(s, "writing the ledger", b.s, 11, p, &retry)))
		goto out;
	PQclear(res);
	if (!(res = pg_run(s, "commit", "COMMIT", 0, NULL, &retry)))
		goto out;
	PQclear(res);
	rc = 0;
out:
	if (rc != 0) {
		pg_rollback(s);
		if (retry)
			rc = PGS_STORE_RETRY;
	}
	for (size_t i = 0; i < n; i++)
		((struct pg_stage *)sgs[i])->in_tx = 0;
	pgs_buf_free(&b);
	for (size_t i = 0; i < 11; i++)
		pgs_buf_free(&a[i]);
	return rc;
}

/* ---- reading ---- */

/*
 * Run a query in single-row mode and hand each row to fn: memory stays one
 * row however large the window.  0, or -1 (reported, or fn returned -1).
 */
static int
stream(struct pg_store *s, const char *what, const char *sql, int n, const char *const *params,
    int (*fn)(PGresult *row, void *arg), void *arg)
{
	PGresult *res;
	int r = 0, failed = 0;

	if (!PQsendQueryParams(s->conn, sql, n, NULL, params, NULL, NULL, 0) ||
	    !PQsetSingleRowMode(s->conn))
		return pg_fail(s, what);
	while ((res = PQgetResult(s->conn)) != NULL) {
		ExecStatusType st = PQresultStatus(res);

		if (st == PGRES_SINGLE_TUPLE && r == 0)
			r = fn(res, arg);
		else if (st != PGRES_SINGLE_TUPLE && st != PGRES_TUPLES_OK && !failed) {
			pgs_err("store '%s': %s: %s", shown(s), what, PQresultErrorMessage(res));
			failed = 1;
		}
		PQclear(res);
		/* fn said stop: the rest is read and dropped, the connection stays usable */
	}
	return r < 0 || failed ? -1 : 0;
}

struct doc_arg {
	int (*fn)(const char *doc, size_t len, void *arg);
	void *arg;
};

static int
doc_row(PGresult *row, void *arg)
{
	struct doc_arg *d = arg;

	return d->fn(PQgetvalue(row, 0, 0), (size_t)PQgetlength(row, 0, 0), d->arg);
}

static int
pg_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(const char *doc, size_t len, void *arg), void *arg)
{
	struct doc_arg d = { fn, arg };
	const char *p[3] = { from, to, source };

	/* COLLATE "C": the order of the SQLite store, whatever the database's locale */
	return stream((struct pg_store *)st, "reading raw_boxscores", "SELECT doc FROM raw_boxscores"
	    " WHERE game_date BETWEEN $1 AND $2 AND ($3::text IS NULL OR source = $3)"
	    " ORDER BY game_date, game_id COLLATE \"C\", source COLLATE \"C\", seq", 3, p, doc_row, &d);
}

struct ledger_arg {
	int (*fn)(const struct pgs_ledger_entry *e, void *arg);
	void *arg;
};

static const char *
val(PGresult *r, int c)
{
	return PQgetisnull(r, 0, c) ? NULL : PQgetvalue(r, 0, c);
}

static int
ledger_row(PGresult *r, void *arg)
{
	struct ledger_arg *l = arg;
	struct pgs_ledger_entry e = { val(r, 0), val(r, 1), val(r, 2), val(r, 3),
		atol(PQgetvalue(r, 0, 4)), val(r, 5), val(r, 6), val(r, 7),
		val(r, 8) ? atoll(val(r, 8)) : 0, val(r, 9), val(r, 10) };

	return l->fn(&e, l->arg);
}

static int
pg_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const struct pgs_ledger_entry *e, void *arg), void *arg)
{
	struct ledger_arg l = { fn, arg };
	const char *p[3] = { table, from, to };

	return stream((struct pg_store *)st, "reading the ledger", "SELECT tbl, scope,"
	    " to_char(from_date, 'YYYY-MM-DD'), to_char(to_date, 'YYYY-MM-DD'), rows, digest, config,"
	    " run_id, run_started_us, " "to_char(started_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"'),"
	    " to_char(committed_at AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"')"
	    " FROM pgs_windows WHERE (tbl = $1 OR $1 = '*') AND from_date <= $3 AND to_date >= $2"
	    " ORDER BY committed_at, id", 3, p, ledger_row, &l);
}

/* ---- registry ---- */

struct reg_arg {
	const struct pgs_registry_cb *cb;
	void *arg;
	int kind;
};

static int
registry_row(PGresult *r, void *arg)
{
	struct reg_arg *a = arg;

	switch (a->kind) {
	case 0:
		return a->cb->player(val(r, 0), val(r, 1), val(r, 2), val(r, 3), a->arg);
	case 1:
		return a->cb->source_id(val(r, 0), val(r, 1), val(r, 2), a->arg);
	case 2:
		return a->cb->alias(val(r, 0), val(r, 1), val(r, 2), a->arg);
	default:
		return a->cb->team_season(val(r, 0), val(r, 1), atoi(PQgetvalue(r, 0, 2)), a->arg);
	}
}

static int
pg_registry_load(pgs_store *st, const struct pgs_registry_cb *cb, void *arg)
{
	static const char *const sql[] = {
		("SELECT universal_player_id, player_lookup, player_full_name, first_game_id"
		" FROM players_registry ORDER BY universal_player_id COLLATE \"C\""),
		"SELECT source, source_player_id, universal_player_id FROM player_source_ids",
		"SELECT alias_lookup, universal_player_id, rule FROM player_aliases",
		"SELECT universal_player_id, team_abbr, season_year FROM player_team_seasons",
	};
	const int want[] = { !!cb->player, !!cb->source_id, !!cb->alias, !!cb->team_season };
	struct reg_arg a = { cb, arg, 0 };

	for (a.kind = 0; a.kind < 4; a.kind++)
		if (want[a.kind] && stream((struct pg_store *)st, "loading the registry", sql[a.kind],
		    0, NULL, registry_row, &a) < 0)
			return -1;
	return 0;
}

/* Column k of n records of stride fields as a text[] literal. */
static const char *
column(pgs_buf *b, const char *const *base, size_t n, size_t stride)
{
	return array_lit(b, base, n, stride);
}

static int
pg_registry_write(pgs_store *st, const struct pgs_registry_batch *rb)
{
	struct pg_store *s = (struct pg_store *)st;
	pgs_buf col[7] = { { 0 } };
	const char **tmp = NULL;
	const char *p[7];
	PGresult *res = NULL;
	size_t n;
	char lock[64];
	int rc = -1;

	snprintf(lock, sizeof(lock), "SELECT pg_advisory_xact_lock(%d, %d)", (int)0x70677300,
	    LOCK_REGISTRY);
	if (pg_exec(s, "begin", "BEGIN") < 0 || pg_exec(s, "locking the registry", lock) < 0)
		goto out;
	n = rb->nplayers > rb->nunresolved ? rb->nplayers : rb->nunresolved;
	n = n > rb->naliases ? n : rb->naliases;
	tmp = pgs_xcalloc(7 * n + 1, sizeof(*tmp));

	/* a concurrent run that took a new player's id, or one of the ids' sources */
	for (size_t i = 0; i < rb->nplayers; i++)
		tmp[i] = rb->players[i].uid;
	p[0] = column(&col[0], tmp, rb->nplayers, 1);
	p[1] = column(&col[1], rb->source_ids, rb->nsource_ids, 3);
	p[2] = column(&col[2], rb->source_ids + 1, rb->nsource_ids, 3);
	p[3] = column(&col[3], rb->source_ids + 2, rb->nsource_ids, 3);
	if (!(res = pg_run(s, "registry query", "SELECT (SELECT count(*) FROM players_registry"
	    " WHERE universal_player_id = ANY ($1::text[])) + (SELECT count(*) FROM player_source_ids p"
	    " JOIN unnest($2::text[], $3::text[], $4::text[]) AS n (source, spid, uid)"
	    " ON p.source = n.source AND p.source_player_id = n.spid"
	    " WHERE p.universal_player_id <> n.uid)", 4, p, NULL)))
		goto out;
	if (atol(PQgetvalue(res, 0, 0)) > 0) {
		rc = PGS_STORE_CONFLICT;
		goto out;
	}
	PQclear(res);
	res = NULL;

	if (rb->nplayers) {
		for (size_t i = 0; i < rb->nplayers; i++) {
			tmp[i] = rb->players[i].uid;
			tmp[n + i] = rb->players[i].lookup;
			tmp[2 * n + i] = rb->players[i].name;
			tmp[3 * n + i] = rb->players[i].first_game_id;
		}
		for (int k = 0; k < 4; k++)
			p[k] = column(&col[k], tmp + (size_t)k * n, rb->nplayers, 1);
		if (!(res = pg_run(s, "registering players", "INSERT INTO players_registry"
		    " (universal_player_id, player_lookup, player_full_name, first_game_id, created_at)"
		    " SELECT u, l, nm, g, now() FROM unnest($1::text[], $2::text[], $3::text[],"
		    " $4::text[]) AS x (u, l, nm, g)", 4, p, NULL)))
			goto out;
		PQclear(res);
		res = NULL;
	}
	if (rb->nsource_ids) {
		for (int k = 0; k < 3; k++)
			p[k] = column(&col[k], rb->source_ids + k, rb->nsource_ids, 3);
		if (!(res = pg_run(s, "recording source ids", "INSERT INTO player_source_ids"
		    " (source, source_player_id, universal_player_id) SELECT * FROM"
		    " unnest($1::text[], $2::text[], $3::text[]) ON CONFLICT DO NOTHING", 3, p, NULL)))
			goto out;
		PQclear(res);
		res = NULL;
	}
	if (rb->naliases) {
		for (size_t i = 0; i < rb->naliases; i++) {
			tmp[i] = rb->aliases[i].alias_lookup;
			tmp[n + i] = rb->aliases[i].uid;
			tmp[2 * n + i] = rb->aliases[i].rule;
		}
		for (int k = 0; k < 3; k++)
			p[k] = column(&col[k], tmp + (size_t)k * n, rb->naliases, 1);
		/* a newer alias decision replaces the old one; created_at says when first made */
		if (!(res = pg_run(s, "recording aliases", "INSERT INTO player_aliases"
		    " (alias_lookup, universal_player_id, rule, created_at)"
		    " SELECT DISTINCT ON (a) a, u, r, now() FROM unnest($1::text[], $2::text[],"
		    " $3::text[]) WITH ORDINALITY AS x (a, u, r, o) ORDER BY a, o DESC"
		    " ON CONFLICT (alias_lookup) DO UPDATE SET"
		    " universal_player_id = excluded.universal_player_id, rule = excluded.rule",
		    3, p, NULL)))
			goto out;
		PQclear(res);
		res = NULL;
	}
	if (rb->nunresolved) {
		char **counts = pgs_xcalloc(rb->nunresolved, sizeof(*counts));

		for (size_t i = 0; i < rb->nunresolved; i++) {
			const struct pgs_unresolved *u = &rb->unresolved[i];

			tmp[i] = u->player_lookup;
			tmp[n + i] = u->source ? u->source : "";
			tmp[2 * n + i] = u->player_name;
			tmp[3 * n + i] = u->team_abbr;
			tmp[4 * n + i] = u->game_id;
			tmp[5 * n + i] = u->game_date;
			counts[i] = pgs_xasprintf("%ld", u->count > 0 ? u->count : 1);
			tmp[6 * n + i] = counts[i];
		}
		for (int k = 0; k < 7; k++)
			p[k] = column(&col[k], tmp + (size_t)k * n, rb->nunresolved, 1);
		for (size_t i = 0; i < rb->nunresolved; i++)
			free(counts[i]);
		free(counts);
		if (!(res = pg_run(s, "queueing unresolved names", "INSERT INTO unresolved_player_names"
		    " AS q (player_lookup, source, player_name, team_abbr, first_game_id,"
		    " first_game_date, last_game_date, occurrences)"
		    " SELECT l, s, nm, t, g, d::date, d::date, c::bigint FROM unnest($1::text[],"
		    " $2::text[], $3::text[], $4::text[], $5::text[], $6::text[], $7::text[])"
		    " AS x (l, s, nm, t, g, d, c)"
		    " ON CONFLICT (player_lookup, source) DO UPDATE SET"
		    " occurrences = q.occurrences + excluded.occurrences,"
		    " first_game_id = CASE WHEN excluded.first_game_date < q.first_game_date"
		    "   THEN excluded.first_game_id ELSE q.first_game_id END,"
		    " first_game_date = least(q.first_game_date, excluded.first_game_date),"
		    " last_game_date = greatest(q.last_game_date, excluded.last_game_date)", 7, p, NULL)))
			goto out;
		PQclear(res);
		res = NULL;
	}
	if (rb->nteam_seasons) {
		for (int k = 0; k < 3; k++)
			p[k] = column(&col[k], rb->team_seasons + k, rb->nteam_seasons, 3);
		if (!(res = pg_run(s, "recording team-seasons", "INSERT INTO player_team_seasons"
		    " (universal_player_id, team_abbr, season_year) SELECT u, t, y::integer FROM"
		    " unnest($1::text[], $2::text[], $3::text[]) AS x (u, t, y) ON CONFLICT DO NOTHING",
		    3, p, NULL)))
			goto out;
		PQclear(res);
		res = NULL;
	}
	if (rb->nfirst_games) {
		p[0] = column(&col[0], rb->first_games, rb->nfirst_games, 2);
		p[1] = column(&col[1], rb->first_games + 1, rb->nfirst_games, 2);
		/* the earliest wins, whichever run saw it first (bytewise, as pgs compares) */
		if (!(res = pg_run(s, "recording first games", "UPDATE players_registry AS r"
		    " SET first_game_id = x.g FROM unnest($1::text[], $2::text[]) AS x (u, g)"
		    " WHERE r.universal_player_id = x.u AND (r.first_game_id IS NULL"
		    " OR r.first_game_id COLLATE \"C\" > x.g COLLATE \"C\")", 2, p, NULL)))
			goto out;
		PQclear(res);
		res = NULL;
	}
	if (rb->nstale_dates) {
		char now[32];

		pgs_now_iso(now, sizeof(now));
		p[0] = column(&col[0], rb->stale_dates, rb->nstale_dates, 1);
		p[1] = now;
		if (!(res = pg_run(s, "recording first games", "INSERT INTO pgs_windows (tbl, scope,"
		    " from_date, to_date, rows, started_at, committed_at) SELECT 'players_registry',"
		    " 'first_game_id', d::date, d::date, 0, $2::timestamptz, $2::timestamptz"
		    " FROM unnest($1::text[]) AS x (d)", 2, p, NULL)))
			goto out;
		PQclear(res);
		res = NULL;
	}
	if (pg_exec(s, "commit", "COMMIT") < 0)
		goto out;
	rc = 0;
out:
	PQclear(res);
	if (rc != 0)
		pg_rollback(s);
	free(tmp);
	for (int k = 0; k < 7; k++)
		pgs_buf_free(&col[k]);
	return rc;
}

static int
json_row(PGresult *r, void *arg)
{
	struct doc_arg *d = arg;

	return d->fn(PQgetvalue(r, 0, 0), (size_t)PQgetlength(r, 0, 0), d->arg);
}

static int
pg_table_read(pgs_store *st, const char *table, int (*fn)(const char *json, size_t len, void *arg),
    void *arg)
{
	struct doc_arg d = { fn, arg };
	pgs_buf b = { 0 };
	const char *keys = pgs_store_table_keys(table), *p = keys;
	int rc;

	/* the key columns in C collation, so the order is SQLite's */
	pgs_buf_addf(&b, "SELECT row_to_json(t)::text FROM %s t ORDER BY ", table);
	while (*p) {
		size_t n = strcspn(p, ", ");

		pgs_buf_addf(&b, "%.*s::text COLLATE \"C\"", (int)n, p);
		p += n;
		if (*p) {
			pgs_buf_adds(&b, ", ");
			p += strspn(p, ", ");
		}
	}
	rc = stream((struct pg_store *)st, "reading a table", b.s, 0, NULL, json_row, &d);
	pgs_buf_free(&b);
	return rc;
}

/* ---- validation reads (pgs-validate): one GROUP BY each ---- */

struct val_arg {
	int (*game)(const struct pgs_game_stats *g, void *arg);
	int (*raw)(const struct pgs_raw_date *d, void *arg);
	int (*unresolved)(const struct pgs_unresolved_name *u, void *arg);
	void *arg;
};

/* 1 when the store has the history table (on its search path); 0 after saying it has not. */
static int
history_present(struct pg_store *s)
{
	PGresult *res = pg_run(s, "reading the schema", "SELECT to_regclass('" PGS_TABLE_HISTORY
	    "') IS NOT NULL", 0, NULL, NULL);
	int ok = res && strcmp(PQgetvalue(res, 0, 0), "t") == 0;

	if (res && !ok)
		pgs_err("store '%s' has no %s yet (made by an older pgs): the next write of %s adds it",
		    shown(s), PGS_TABLE_HISTORY, PGS_TABLE_SUMMARY);
	PQclear(res);
	return ok;
}

/* The columns added since a summary table first shipped (added_columns), when a store read
 * before its next write (which adds them) lacks them: its rows read them as the value the
 * write gives the rows it finds (counts_toward_regular_season null, is_final true).  The
 * absent ones into a (two at most); their number, or -1 on error. */
static int
columns_absent(struct pg_store *s, const char *table, struct pgs_sql_absent *a)
{
	static const struct pgs_sql_absent cols[] = {
		{ "counts_toward_regular_season", "NULL::boolean" }, { "is_final", "true" },
	};
	int n = 0;

	for (size_t i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		const char *p[3] = { s->schema, table, cols[i].column };
		PGresult *res = pg_run(s, "reading the schema", "SELECT count(*) FROM"
		    " information_schema.columns WHERE table_schema = $1 AND table_name = $2"
		    " AND column_name = $3", 3, p, NULL);

		if (!res)
			return -1;
		if (atol(PQgetvalue(res, 0, 0)) == 0)
			a[n++] = cols[i];
		PQclear(res);
	}
	return n;
}

static int
pg_summary_read(pgs_store *st, const char *from, const char *to, const char *as_of,
    int (*fn)(const char *json, size_t len, void *arg), void *arg)
{
	const struct pgs_table *t = pgs_table_get(PGS_TABLE_SUMMARY);
	struct doc_arg d = { fn, arg };
	const char *p[3] = { from, to, as_of };
	struct pgs_sql_absent absent[2], absent_h[2];
	pgs_buf b = { 0 };
	int rc, n, n_h;

	/* a store opened read-only is not upgraded: say so rather than "does not exist" */
	if (!history_present((struct pg_store *)st))
		return -1;
	/* a row written before pgs kept history (valid_from NULL) was there from the start */
	if ((n = columns_absent((struct pg_store *)st, PGS_TABLE_SUMMARY, absent)) < 0 ||
	    (n_h = columns_absent((struct pg_store *)st, PGS_TABLE_HISTORY, absent_h)) < 0)
		return -1;
	pgs_buf_adds(&b, "SELECT row_to_json(r)::text FROM (SELECT ");
	pgs_sql_fields_absent(&b, t, absent, (size_t)n);
	pgs_buf_adds(&b, " FROM player_game_summary WHERE game_date BETWEEN $1::date AND $2::date"
	    " AND ($3::timestamptz IS NULL OR valid_from IS NULL OR valid_from <= $3::timestamptz)"
	    " UNION ALL SELECT ");
	pgs_sql_fields_absent(&b, t, absent_h, (size_t)n_h);
	pgs_buf_adds(&b, " FROM " PGS_TABLE_HISTORY " WHERE $3::timestamptz IS NOT NULL"
	    " AND game_date BETWEEN $1::date AND $2::date AND (valid_from IS NULL"
	    " OR valid_from <= $3::timestamptz) AND valid_to > $3::timestamptz) r"
	    " ORDER BY game_date, game_id COLLATE \"C\", player_lookup COLLATE \"C\"");
	rc = stream((struct pg_store *)st, "reading player_game_summary", b.s, 3, p, json_row, &d);
	pgs_buf_free(&b);
	return rc;
}

static long
pg_history_prune(pgs_store *st, const char *before)
{
	const char *p[1] = { before };
	PGresult *res = pg_run((struct pg_store *)st, "pruning the history", "WITH d AS"
	    " (DELETE FROM " PGS_TABLE_HISTORY " WHERE valid_to < $1::timestamptz RETURNING 1),"
	    " r AS (DELETE FROM " PGS_TABLE_RAW_HISTORY " WHERE valid_to < $1::timestamptz"
	    " RETURNING 1) SELECT (SELECT count(*) FROM d) + (SELECT count(*) FROM r)", 1, p, NULL);
	long n;

	if (!res)
		return -1;
	n = atol(PQgetvalue(res, 0, 0));
	PQclear(res);
	return n;
}

static long
lv(PGresult *r, int c)
{
	return PQgetisnull(r, 0, c) ? 0 : atol(PQgetvalue(r, 0, c));
}

static int
game_row(PGresult *r, void *arg)
{
	struct val_arg *a = arg;
	struct pgs_game_stats g = { val(r, 0), val(r, 1), val(r, 2), val(r, 3), lv(r, 4), lv(r, 5),
		lv(r, 6), lv(r, 7), lv(r, 8), lv(r, 9), lv(r, 10), lv(r, 11), lv(r, 12), lv(r, 13),
		lv(r, 14), lv(r, 15), lv(r, 16), lv(r, 17), lv(r, 18), lv(r, 19), lv(r, 20), lv(r, 21),
		lv(r, 22), lv(r, 23), lv(r, 24), { 0 }, 0, NULL };

	for (int i = 0; i < PGS_GAME_NSUMS; i++)
		g.sums[i] = lv(r, 25 + i);
	g.provisional = lv(r, 25 + PGS_GAME_NSUMS);
	g.sources = val(r, 26 + PGS_GAME_NSUMS);
	return a->game(&g, a->arg);
}

/* A validation read: the query of lib/sql.c over [from, to], each row to fn. */
static int
pg_window_read(pgs_store *st, void (*query)(pgs_buf *, const struct pgs_sql_dialect *, const char *),
    const char *table, const char *from, const char *to, int (*fn)(PGresult *, void *), void *arg)
{
	const char *p[2] = { from, to };
	pgs_buf b = { 0 };
	char *what = pgs_xasprintf("reading %s", table);
	int rc;

	query(&b, &pgs_sql_postgres, table);
	rc = stream((struct pg_store *)st, what, b.s, 2, p, fn, arg);
	pgs_buf_free(&b);
	free(what);
	return rc;
}

static int
pg_summary_games(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_game_stats *g, void *arg), void *arg)
{
	struct val_arg a = { .game = fn, .arg = arg };
	struct pgs_sql_absent absent[2];
	int n = columns_absent((struct pg_store *)st, PGS_TABLE_SUMMARY, absent), has_final = 1;

	if (n < 0)
		return -1;
	for (int i = 0; i < n; i++)
		has_final &= strcmp(absent[i].column, "is_final") != 0;
	return pg_window_read(st, has_final ? pgs_sql_summary_games : pgs_sql_summary_games_before_final,
	    PGS_TABLE_SUMMARY, from, to, game_row, &a);
}

static int
raw_date_row(PGresult *r, void *arg)
{
	struct val_arg *a = arg;
	struct pgs_raw_date d = { val(r, 0), val(r, 1), lv(r, 2), lv(r, 3) };

	return a->raw(&d, a->arg);
}

static int
pg_raw_dates(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_raw_date *d, void *arg), void *arg)
{
	struct val_arg a = { .raw = fn, .arg = arg };

	return pg_window_read(st, pgs_sql_raw_dates, PGS_TABLE_RAW, from, to, raw_date_row, &a);
}

static int
unresolved_name_row(PGresult *r, void *arg)
{
	struct val_arg *a = arg;
	struct pgs_unresolved_name u = { val(r, 0), val(r, 1), val(r, 2), val(r, 3), val(r, 4),
		lv(r, 5), lv(r, 6) };

	return a->unresolved(&u, a->arg);
}

static int
pg_summary_unresolved(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_unresolved_name *u, void *arg), void *arg)
{
	struct val_arg a = { .unresolved = fn, .arg = arg };

	return pg_window_read(st, pgs_sql_summary_unresolved, PGS_TABLE_SUMMARY, from, to, unresolved_name_row, &a);
}

static const char *const pg_prefixes[] = { "postgres://", "postgresql://", NULL };

const struct pgs_store_ops pgs_store_pg_ops = {
	.prefixes = pg_prefixes,
	.open = pg_open,
	.close = pg_close,
	.dedups = 0,
	.retry_ms = 50,
	.stage_begin = pg_stage_begin,
	.stage_row = pg_stage_row,
	.lock = pg_lock,
	.inspect = pg_inspect,
	.apply = pg_apply,
	.stage_end = pg_stage_end,
	.group_lock = pg_group_lock,
	.group_inspect = pg_group_inspect,
	.group_apply = pg_group_apply,
	.raw_read = pg_raw_read,
	.ledger = pg_ledger,
	.registry_load = pg_registry_load,
	.registry_write = pg_registry_write,
	.table_read = pg_table_read,
	.summary_read = pg_summary_read,
	.history_prune = pg_history_prune,
	.summary_games = pg_summary_games,
	.raw_dates = pg_raw_dates,
	.summary_unresolved = pg_summary_unresolved,
};
