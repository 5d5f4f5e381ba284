/*
 * store.h — the stores that hold pgs's tables, behind one interface.
 *
 *   sqlite:PATH                     store_sqlite.c (the embedded default)
 *   postgres://… / postgresql://…   store_pg.c (libpq)
 *   bigquery://PROJECT/DATASET      store_bq.c (REST over libcurl)
 *
 * Two layers.  Tools call the pgs_store_* functions of this header and the
 * window writer of window.h.  Every rule — table keys, row checks and their
 * reject wording, the content digest, the shrink guard, fencing, the ledger
 * row, the registry's id numbering — lives in backend-neutral code
 * (store.c, window.c, registry.c).  A backend is a pgs_store_ops table of
 * primitives: stage rows, lock and inspect a window, apply it, read the
 * ledger, load and write the registry.  It decides nothing.
 *
 * Tables (created on first use by a read-write open):
 *   player_game_summary   summary rows, key (game_id, player_lookup)
 *   raw_boxscores         raw rows, key (source, game_id, team_abbr, player_name)
 *   pgs_windows           the write ledger: one row per committed window and scope
 *   players_registry      universal_player_id, player_lookup, player_full_name
 *   player_source_ids     (source, source_player_id) -> universal_player_id
 *   player_aliases        alias_lookup -> universal_player_id, with the rule that made it
 *   unresolved_player_names  names that did not resolve, with counts
 *   player_team_seasons   (universal_player_id, team_abbr, season_year) seen by
 *                         pgs-resolve: the team-season context of its suffix rule
 *
 * Errors are reported (pgs_err) where they happen; functions return -1.
 * Strings passed in are borrowed; strings handed out are noted per function.
 * A store URI's password or token never reaches a message: the store keeps
 * a redacted copy (pgs_store.uri) for messages, made once when parsed.
 */
#ifndef PGS_STORE_H
#define PGS_STORE_H

#include <stddef.h>

#include <jansson.h>

#include "schema.h"

typedef struct pgs_store pgs_store;
typedef struct pgs_stage pgs_stage;

#define PGS_TABLE_SUMMARY "player_game_summary"
#define PGS_TABLE_RAW "raw_boxscores"
/* Every superseded version of a summary row (a window write that changed or
 * deleted it), with when it was valid: see MANUAL "History". */
#define PGS_TABLE_HISTORY "player_game_summary_history"
/* The same for landed raw rows. */
#define PGS_TABLE_RAW_HISTORY "raw_boxscores_history"

/* ---- URIs ---- */

/* 1 when s names a store (sqlite:, postgres://, postgresql://, bigquery://),
 * else 0: the one place that decides it. */
int pgs_store_is_uri(const char *s);

/* A new string: uri with any password (user:PASS@, password=…) or token
 * replaced by "***".  For messages about a URI that was not opened. */
char *pgs_store_redact(const char *uri);
/* A new string: uri without its password and without the parameters that
 * hold secrets, for a host that finds its own (a ~/.pgpass, PGPASSWORD ...). */
char *pgs_store_strip_secrets(const char *uri);

/*
 * Keep a password given on the command line out of `ps`: every argument
 * holding one (a URI with user:PASS@ or password=…, alone or as
 * --opt=URI) is copied to the heap for the program to use, and its bytes in
 * the process's argument area are overwritten with the redacted form.  Call
 * first thing in main(), before parsing options.
 */
void pgs_store_hide_secrets(int argc, char **argv);

/* ---- opening ---- */

enum pgs_store_mode {
	PGS_STORE_RW = 0,   /* read and write; creates the schema on first use */
	PGS_STORE_RO = 1,   /* read only: no DDL, no lock; a missing store is an error */
};

/* Open a store by URI; NULL (reported) when the URI is unknown (*usage set
 * to 1 when not NULL: a usage error, exit 2) or the store cannot be opened
 * (*usage 0: exit 3). */
pgs_store *pgs_store_open(const char *uri, enum pgs_store_mode mode, int *usage);
void pgs_store_close(pgs_store *st);
/* The redacted URI, for messages. */
const char *pgs_store_name(const pgs_store *st);

/* ---- the tables' shapes ---- */

struct pgs_table {
	const char *name;                 /* PGS_TABLE_SUMMARY or PGS_TABLE_RAW */
	const struct pgs_field *f;        /* columns, in order */
	size_t nf;
	const int *keys;                  /* indexes into f of the key columns */
	size_t nkeys;
	int raw;                          /* raw_boxscores: a doc column, per-source scope */
	int scope_field;                  /* raw: index of "source"; -1 for the summary */
	int date_field;                   /* index of game_date */
};

/* The table by name (NULL: the summary table); NULL when unknown. */
const struct pgs_table *pgs_table_get(const char *name);
/* The name of t's history table (PGS_TABLE_HISTORY or PGS_TABLE_RAW_HISTORY). */
const char *pgs_table_history(const struct pgs_table *t);

/*
 * One value of a staged row.  TEXT/DATE: s and len (s NUL-terminated);
 * JSON: s is the compact JSON text; INT and BOOL: i; REAL: d.  A NULL value
 * has null set and nothing else.  Strings are borrowed for the call.
 */
struct pgs_val {
	const char *s;
	size_t len;
	long long i;
	double d;
	int null;
};

/* ---- the ledger ---- */

/* One row of pgs_windows.  Times are "YYYY-MM-DDTHH:MM:SS.ffffffZ" (UTC). */
struct pgs_ledger_entry {
	const char *table;
	const char *scope;          /* "*" for the summary; the source for raw rows */
	const char *from, *to;
	long rows;                  /* rows of this scope in the window after the commit */
	const char *digest;         /* SHA-256 of the input lines */
	const char *config;         /* digest of the configuration that made the rows, or NULL */
	const char *run_id;
	long long run_started_us;   /* 0 when the writer gave none */
	const char *started_at, *committed_at;
};

/* ---- backend primitives (one table per backend) ---- */

/* What a window write asks of the store: the window, its scopes (summary:
 * {"*"}; raw: the sources replaced, sorted), and who writes. */
struct pgs_window_spec {
	const struct pgs_table *t;
	const char *from, *to;
	const char *const *scopes;
	size_t nscopes;
	const char *run_id;
	long long run_started_us;
};

/* What a store finds in a locked window, compared with the staged batch. */
struct pgs_window_state {
	long before;                /* rows of the window (its scopes) now */
	long inserted;              /* staged rows whose key is not in the table */
	long unchanged;             /* staged rows equal to the table's (same digest) */
	long deleted;               /* window rows whose key is not staged */
	/* the overlapping ledger entry (same table and scopes, another run id)
	 * whose run started last, for fencing; has_fence 0 when none */
	int has_fence;
	char fence_run_id[128];
	long long fence_run_started_us;
	char fence_from[11], fence_to[11], fence_committed_at[32];
	/* a version of the ledger for stores without locks (see apply) */
	char version[64];
};

/* Result of apply and of registry_write besides 0 and -1. */
enum { PGS_STORE_RETRY = 1, PGS_STORE_CONFLICT = 2 };

/* A new player for registry_write. */
struct pgs_new_player {
	const char *uid, *lookup, *name, *first_game_id;
};

/* An alias decision for registry_write. */
struct pgs_alias_row {
	const char *alias_lookup, *uid, *rule;
};

/* One queued unresolved name (counts add up in the store). */
struct pgs_unresolved {
	const char *player_lookup, *player_name, *source, *team_abbr, *game_id, *game_date;
	long count;
};

/* Everything one resolver run learned, written in one round trip. */
struct pgs_registry_batch {
	const struct pgs_new_player *players;
	size_t nplayers;
	const char *const *source_ids;     /* n × {source, source_player_id, uid} */
	size_t nsource_ids;
	const struct pgs_alias_row *aliases;
	size_t naliases;
	const struct pgs_unresolved *unresolved;
	size_t nunresolved;
	const char *const *team_seasons;   /* n × {uid, team_abbr, season_year as text} */
	size_t nteam_seasons;
	/* players of the store seen in a game before their first_game_id:
	 * n × {uid, game_id}, set when earlier than the stored one (or it is NULL) */
	const char *const *first_games;
	size_t nfirst_games;
	/* dates whose summary rows named a first game that moved: each gets a
	 * ledger entry (tbl 'players_registry', scope 'first_game_id', from = to
	 * = the date, committed now), which makes the summary windows over it stale */
	const char *const *stale_dates;
	size_t nstale_dates;
};

/* Callbacks for registry_load; each returns 0 to go on, -1 to stop.  Any may be NULL. */
struct pgs_registry_cb {
	/* first_game_id: the game whose row registered the player (may be NULL) */
	int (*player)(const char *uid, const char *lookup, const char *name,
	    const char *first_game_id, void *arg);
	int (*source_id)(const char *source, const char *source_player_id, const char *uid, void *arg);
	int (*alias)(const char *alias_lookup, const char *uid, const char *rule, void *arg);
	int (*team_season)(const char *uid, const char *team_abbr, int season_year, void *arg);
};

/* ---- validation reads: one row of each (strings borrowed for the call) ---- */

/* Aggregates of the summary rows of one team in one game.  "active" means
 * is_active = 1; the *_due counts are the active rows where the value can
 * be computed, the null_* counts those of them where it is NULL. */
/* The counted stats a team-game's rows are summed over, besides points (sql.c's
 * pgs_sql_game_sums: fg_makes ... personal_fouls, schedule.h's order after PGS_TT_PTS). */
#define PGS_GAME_NSUMS 13

struct pgs_game_stats {
	const char *game_id, *team_abbr;
	const char *game_date;          /* min(game_date) */
	const char *opponent_abbr;      /* min(opponent_team_abbr) */
	long rows;                      /* count(*) */
	long players;                   /* count(DISTINCT player_lookup) */
	long active;
	long null_minutes;              /* active, minutes_played NULL */
	long usage_due, null_usage;     /* active, seconds_played > 0; usage_rate NULL */
	long ts_due, null_ts;           /* active, fg_attempts + ft_attempts > 0; ts_pct NULL */
	long efg_due, null_efg;         /* active, fg_attempts > 0; efg_pct NULL */
	long points;                    /* sum(points), 0 when all NULL */
	long team_points_min, team_points_max;   /* min/max(team_points), -1 when all NULL */
	long opp_points_min, opp_points_max;     /* min/max(opponent_points), -1 when all NULL */
	long seconds;                   /* sum(seconds_played), 0 when all NULL */
	long unresolved;                /* registry_status = 'unresolved' */
	long played_only;               /* primary_source_used a source that lists only the
	                                   players who played (sql.c: NBA.com's export) */
	long home;                      /* rows with home_game true */
	long multi_source;              /* rows whose sources_seen lists more than one source */
	long stats_disagree;            /* rows with the quality code stats_disagree */
	long sums[PGS_GAME_NSUMS];      /* sum of each of pgs_sql_game_sums (sql.h), 0 when all NULL */
	long provisional;               /* rows with is_final false (MANUAL "Provisional rows") */
	const char *sources;            /* the merged rows' sources_seen as the store gives it
	                                   ('["bbref","nbacom"]', 'bbref,nbacom'), NULL when none */
};

/* raw_boxscores rows of one date and source. */
struct pgs_raw_date {
	const char *game_date, *source;
	long rows;                      /* count(*) */
	long games;                     /* count(DISTINCT game_id) */
};

/* Summary rows of one unresolved player_lookup in a window. */
struct pgs_unresolved_name {
	const char *player_lookup;
	const char *player_name;        /* min(player_full_name) */
	const char *team_abbr;          /* min(team_abbr) */
	const char *first_date, *last_date;   /* min/max(game_date) */
	long rows;                      /* count(*) */
	long teams;                     /* count(DISTINCT team_abbr) */
};

struct pgs_store_ops {
	const char *const *prefixes;      /* URI prefixes, e.g. { "sqlite:", NULL } */
	/* uri is the whole URI, shown its redacted form for messages. */
	pgs_store *(*open)(const char *uri, const char *shown, enum pgs_store_mode mode);
	void (*close)(pgs_store *st);

	/*
	 * Window write, driven by window.c in this order:
	 *   stage_begin, stage_row × n, lock, inspect, [apply], stage_end.
	 * stage_row: 0 staged; PGS_STORE_CONFLICT when the key was staged
	 *   already (the backend detects duplicates when dedups is set; else
	 *   window.c does); -1 fatal.  vals follow t->f; doc is the raw row's
	 *   text (raw table) or NULL; digest the row's 16-hex content digest;
	 *   seq its position in the batch.
	 * lock: begin the transaction that serializes writers of overlapping
	 *   windows (a store without transactions over several calls may do
	 *   nothing here and check the version in apply instead).
	 * inspect: fill the window state, inside that transaction.
	 * apply: upsert the staged rows whose digest differs, insert the new
	 *   ones, delete the window's rows that are not staged, insert the
	 *   ledger entries, then COMMIT — all or nothing.  A store that could
	 *   not hold the lock across calls checks that the window and the
	 *   ledger still match state (version, counts) inside its transaction;
	 *   when they do not, or the store reports a serialization conflict, it
	 *   commits nothing and returns PGS_STORE_RETRY (window.c inspects
	 *   again).
	 * stage_end: roll back whatever is open, drop the stage, free it.
	 */
	int dedups;
	int retry_ms;                     /* first back-off after PGS_STORE_RETRY */
	pgs_stage *(*stage_begin)(pgs_store *st, const struct pgs_window_spec *w);
	int (*stage_row)(pgs_stage *sg, const struct pgs_val *vals, const char *doc, size_t doclen,
	    const char *digest, long seq);
	int (*lock)(pgs_stage *sg);
	int (*inspect)(pgs_stage *sg, struct pgs_window_state *state);
	int (*apply)(pgs_stage *sg, const struct pgs_window_state *state,
	    const struct pgs_ledger_entry *ledger, size_t nledger);
	void (*stage_end)(pgs_stage *sg);

	/*
	 * Group commit (optional; NULL where one transaction a window is as
	 * cheap: SQLite.  BigQuery's jobs cost a second each, PostgreSQL's
	 * statements a network round trip each: tests/bench/pg-groups).
	 * Several consecutive windows of the summary table, each begun and
	 * staged as above (their stages open at once on one handle), written
	 * in one transaction:
	 *   group_lock: load every stage (once, whatever the retries);
	 *   group_inspect: fill states[i] for window i, in one read;
	 *   group_apply: apply the windows whose ok[i] is set — as apply does
	 *     one, with led[i] (nled[i] entries) — and COMMIT, all or nothing;
	 *     PGS_STORE_RETRY as apply (window.c inspects the group again).
	 * Windows are ascending and do not overlap.
	 */
	int group_mb;   /* input a group holds by default, MiB (PGS_GROUP_MB overrides; 0: 32) */
	int (*group_lock)(pgs_stage *const *sgs, size_t n);
	int (*group_inspect)(pgs_stage *const *sgs, size_t n, struct pgs_window_state *states);
	int (*group_apply)(pgs_stage *const *sgs, size_t n, const int *ok,
	    const struct pgs_window_state *states, const struct pgs_ledger_entry *const *led,
	    const size_t *nled);

	/* Raw rows of [from, to] (and source when not NULL), ordered by
	 * game_date, game_id, source and landing order: fn gets each row's
	 * stored text. */
	int (*raw_read)(pgs_store *st, const char *from, const char *to, const char *source,
	    int (*fn)(const char *doc, size_t len, void *arg), void *arg);
	/* Ledger entries of table ("*": of every table) overlapping [from, to], oldest commit first. */
	int (*ledger)(pgs_store *st, const char *table, const char *from, const char *to,
	    int (*fn)(const struct pgs_ledger_entry *e, void *arg), void *arg);

	int (*registry_load)(pgs_store *st, const struct pgs_registry_cb *cb, void *arg);
	/* All of b in one transaction.  PGS_STORE_CONFLICT, writing nothing,
	 * when a new player's uid exists already or one of his source ids
	 * names another player (a concurrent registration). */
	int (*registry_write)(pgs_store *st, const struct pgs_registry_batch *b);

	/* Every row of one of the schema's tables (by its name), each as one
	 * JSON object of its columns, ordered by the table's key (bytewise).
	 * For tests and debugging: a store-neutral look at what a store holds. */
	int (*table_read)(pgs_store *st, const char *table,
	    int (*fn)(const char *json, size_t len, void *arg), void *arg);

	/*
	 * The history (PGS_TABLE_HISTORY; a window write keeps it, and
 * PGS_TABLE_RAW_HISTORY for raw rows, in apply).  Times are "YYYY-MM-DDTHH:MM:SS.ffffffZ".
	 * summary_read: the summary rows of [from, to] — with as_of, as they
	 *   stood at that time: the rows whose version began at or before it
	 *   (valid_from NULL: before history was kept) and had not ended by it —
	 *   each as one JSON object of the row's fields, ordered by game_date,
	 *   game_id, player_lookup (bytewise).
	 * history_prune: delete the versions whose valid_to is before `before`,
	 *   in a transaction of its own; the number deleted, or -1.
	 */
	int (*summary_read)(pgs_store *st, const char *from, const char *to, const char *as_of,
	    int (*fn)(const char *json, size_t len, void *arg), void *arg);
	long (*history_prune)(pgs_store *st, const char *before);

	/*
	 * Validation reads (pgs-validate): each is ONE GROUP BY query whose rows
	 * are plain counts handed to fn; the checks are decided in validate.c.
	 * A backend that does not have them yet leaves them NULL.
	 * summary_games: player_game_summary rows of [from, to] grouped by
	 *   (game_id, team_abbr), ordered by game_id, team_abbr.
	 * raw_dates: raw_boxscores rows of [from, to] grouped by (game_date,
	 *   source), ordered by game_date, source.
	 * summary_unresolved: player_game_summary rows of [from, to] with
	 *   registry_status 'unresolved', grouped by player_lookup, ordered by
	 *   rows descending, then player_lookup.
	 */
	int (*summary_games)(pgs_store *st, const char *from, const char *to,
	    int (*fn)(const struct pgs_game_stats *g, void *arg), void *arg);
	int (*raw_dates)(pgs_store *st, const char *from, const char *to,
	    int (*fn)(const struct pgs_raw_date *d, void *arg), void *arg);
	int (*summary_unresolved)(pgs_store *st, const char *from, const char *to,
	    int (*fn)(const struct pgs_unresolved_name *u, void *arg), void *arg);
};

/* Every backend's handle starts with this. */
struct pgs_store {
	const struct pgs_store_ops *ops;
	char *uri;                  /* redacted: for messages */
	enum pgs_store_mode mode;
	int writing;                /* windows staged on this handle (window.c) */
};

/* Every backend's stage starts with this. */
struct pgs_stage {
	pgs_store *st;
	const struct pgs_window_spec *w;
};

/* Call fn for every raw row of [from, to] (and source when not NULL) in
 * landing order per game (see raw_read), with the stored text it was read
 * from (len bytes, not NUL-terminated); row and doc are borrowed for the
 * call.  Returns 0, or -1 (reported, or fn returned -1). */
int pgs_store_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(json_t *row, const char *doc, size_t len, void *arg), void *arg);

/* Call fn for each ledger entry of table ("*": every table) overlapping [from, to] (NULL: any),
 * oldest commit first.  The entry is borrowed for the call. */
int pgs_store_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const struct pgs_ledger_entry *e, void *arg), void *arg);

/* Registry: load everything in a few queries (the resolver caches it). */
int pgs_store_registry_load(pgs_store *st, const struct pgs_registry_cb *cb, void *arg);
/* Write what a resolver run learned in one round trip; 0, PGS_STORE_CONFLICT, -1. */
int pgs_store_registry_write(pgs_store *st, const struct pgs_registry_batch *b);

/* Call fn(row) for every row of table (a name of the schema), ordered by its
 * key; row is borrowed.  Columns of the summary and raw tables come with
 * their schema types (booleans, arrays); others as the store keeps them. */
int pgs_store_table_read(pgs_store *st, const char *table, int (*fn)(json_t *row, void *arg),
    void *arg);
/* The summary rows of [from, to], as they stand or, with as_of (a time as
 * in the ledger), as they stood then, in game_date, game_id, player_lookup
 * order; fn(row) with the row's fields in their schema order and types (row
 * borrowed).  0, or -1 (reported, or fn returned -1). */
int pgs_store_summary_read(pgs_store *st, const char *from, const char *to, const char *as_of,
    int (*fn)(json_t *row, void *arg), void *arg);
/* Delete the history's versions superseded before `before`; how many, or -1 (reported). */
long pgs_store_history_prune(pgs_store *st, const char *before);

/* The tables of the schema, NULL-terminated, and each one's key columns. */
extern const char *const pgs_store_tables[];
const char *pgs_store_table_keys(const char *table);

/* Backends.  A backend not built in is NULL in store.c's table. */
extern const struct pgs_store_ops pgs_store_sqlite_ops;
extern const struct pgs_store_ops pgs_store_pg_ops;
extern const struct pgs_store_ops pgs_store_bq_ops;

/* Helpers for backends. */
/* Store an error for a read-only store asked to write. */
int pgs_store_readonly(pgs_store *st, const char *what);

/* Validation reads (see summary_games, raw_dates and summary_unresolved in
 * pgs_store_ops); -1 (reported) on error, when fn returns -1, or when the
 * backend does not have the primitive yet.  Implemented in validate.c. */
int pgs_store_summary_games(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_game_stats *g, void *arg), void *arg);
int pgs_store_raw_dates(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_raw_date *d, void *arg), void *arg);
int pgs_store_summary_unresolved(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_unresolved_name *u, void *arg), void *arg);

#endif
