/*
 * store.h — one small interface over the stores that hold pgs's tables:
 * sqlite:PATH (store_sqlite.c), and later postgres://… (store_pg.c) and
 * bigquery://PROJECT/DATASET (store_bq.c).  A backend is a pgs_store_ops
 * table; tools call only the pgs_store_* functions below.
 *
 * Tables (the schema is created on first use):
 *   player_game_summary   summary rows, key (game_id, player_lookup)
 *   raw_boxscores         raw rows, key (source, game_id, team_abbr, player_name)
 *   pgs_windows           the write ledger: one row per committed window
 *   players_registry      universal_player_id, player_lookup, player_full_name
 *   player_source_ids     (source, source_player_id) -> universal_player_id
 *   player_aliases        alias_lookup -> universal_player_id, with the rule that made it
 *   unresolved_player_names  names that did not resolve, with counts
 *   player_team_seasons   (universal_player_id, team_abbr, season_year) seen by
 *                         pgs-resolve: the team-season context of its suffix rule
 *
 * Write semantics (every backend): a window write makes the table's rows with
 * game_date in [from, to] (for raw_boxscores: and source in scope) equal to
 * the staged batch, atomically, serialized against other writers, and
 * records the window in pgs_windows in the same transaction.
 *
 * Errors are reported (pgs_err) where they happen; functions return -1.
 * Strings passed in are borrowed; strings handed out are noted per function.
 */
#ifndef PGS_STORE_H
#define PGS_STORE_H

#include <jansson.h>

typedef struct pgs_store pgs_store;
typedef struct pgs_writer pgs_writer;

#define PGS_TABLE_SUMMARY "player_game_summary"
#define PGS_TABLE_RAW "raw_boxscores"

struct pgs_write_opts {
	const char *table;          /* PGS_TABLE_SUMMARY or PGS_TABLE_RAW */
	const char *from, *to;      /* the window, inclusive YYYY-MM-DD */
	const char *source;         /* raw table: the source whose window is replaced;
	                               NULL means every source present in the batch */
	double allow_shrink;        /* percent the window may shrink by (default 2) */
	int dry_run;                /* do everything but commit */
	const char *run_id;         /* recorded in the ledger */
	long long run_started_us;   /* run start (µs since epoch); fencing applies when > 0 */
};

struct pgs_write_stats {
	long rows_in, inserted, updated, unchanged, deleted;
	long before, after;         /* rows in the window before and after */
};

enum { PGS_WRITE_OK = 0, PGS_WRITE_FAIL = -1, PGS_WRITE_GUARD = -4 };

/* Callbacks for pgs_store_registry_load; each returns 0 to go on, -1 to stop. */
struct pgs_registry_cb {
	/* first_game_id: the game whose row registered the player (may be NULL) */
	int (*player)(const char *uid, const char *lookup, const char *name,
	    const char *first_game_id, void *arg);
	int (*source_id)(const char *source, const char *source_player_id, const char *uid, void *arg);
	int (*alias)(const char *alias_lookup, const char *uid, const char *rule, void *arg);
	int (*team_season)(const char *uid, const char *team_abbr, int season_year, void *arg);
};

/* One queued unresolved name (pgs_store_queue_unresolved). */
struct pgs_unresolved {
	const char *player_lookup, *player_name, *source, *team_abbr, *game_id, *game_date;
	long count;
};

struct pgs_store_ops {
	const char *scheme;   /* "sqlite" */
	pgs_store *(*open)(const char *uri);
	void (*close)(pgs_store *st);

	pgs_writer *(*write_begin)(pgs_store *st, const struct pgs_write_opts *o);
	int (*write_add)(pgs_writer *w, json_t *row, char *why, size_t whylen);
	int (*write_commit)(pgs_writer *w, const char *digest, struct pgs_write_stats *stats);
	void (*write_abort)(pgs_writer *w);

	int (*raw_read)(pgs_store *st, const char *from, const char *to, const char *source,
	    int (*fn)(json_t *row, void *arg), void *arg);
	int (*ledger)(pgs_store *st, const char *table, const char *from, const char *to,
	    int (*fn)(const char *from, const char *to, long rows, void *arg), void *arg);

	int (*registry_load)(pgs_store *st, const struct pgs_registry_cb *cb, void *arg);
	int (*register_player)(pgs_store *st, const char *lookup, const char *name,
	    const char *source, const char *source_player_id, const char *game_id,
	    char **uid, char **first_game_id, int *created);
	int (*add_source_ids)(pgs_store *st, const char *const *triples, size_t n);
	int (*add_alias)(pgs_store *st, const char *alias_lookup, const char *uid, const char *rule);
	int (*queue_unresolved)(pgs_store *st, const struct pgs_unresolved *u, size_t n);
	int (*add_team_seasons)(pgs_store *st, const char *const *triples, size_t n);
};

/* Every backend's handle starts with this. */
struct pgs_store {
	const struct pgs_store_ops *ops;
	char *uri;   /* for messages; never holds a password */
};

/* Every backend's writer starts with this. */
struct pgs_writer {
	pgs_store *st;
};

/* Open a store by URI; NULL (reported) when the URI is unknown or the store
 * cannot be opened.  Creates the schema on first use. */
pgs_store *pgs_store_open(const char *uri);
void pgs_store_close(pgs_store *st);

/*
 * Window write.  begin stages nothing in the target table and takes no
 * write lock: rows are staged privately as they arrive (memory bounded),
 * and only commit takes the store's write lock, so a slow upstream never
 * blocks other writers.
 * add: 0 staged; 1 the row is rejected (why says which key is missing or
 *   bad; the caller records the reject); -1 fatal.
 * commit: in one transaction under the write lock: fencing check (a writer
 *   whose run started before the run that last committed an overlapping
 *   window is stale → PGS_WRITE_GUARD), shrink guard (→ PGS_WRITE_GUARD),
 *   upsert + delete of rows no longer present, ledger row; then COMMIT, or
 *   ROLLBACK when dry_run.  Fills stats in every case.  Frees w.
 * abort: discards the staged batch and frees w.
 */
pgs_writer *pgs_store_write_begin(pgs_store *st, const struct pgs_write_opts *o);
int pgs_store_write_add(pgs_writer *w, json_t *row, char *why, size_t whylen);
int pgs_store_write_commit(pgs_writer *w, const char *digest, struct pgs_write_stats *stats);
void pgs_store_write_abort(pgs_writer *w);

/* Call fn(row) for every raw row with game_date in [from, to] (and source
 * equal to source when non-NULL), ordered by game_date, game_id, source and
 * landing order, through an index.  row is borrowed for the call.  Returns 0,
 * or -1 (reported, or fn returned -1). */
int pgs_store_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(json_t *row, void *arg), void *arg);

/* Call fn for each ledger window of table overlapping [from, to], oldest first. */
int pgs_store_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const char *from, const char *to, long rows, void *arg), void *arg);

/* Registry: load everything in a few queries (the resolver caches it).
 * Any callback may be NULL: that table is not read. */
int pgs_store_registry_load(pgs_store *st, const struct pgs_registry_cb *cb, void *arg);
/*
 * Register a player atomically (serialized with other writers): within one
 * transaction, if (source, source_player_id) is already known return its
 * uid; else if players with this lookup exist and none has a different id
 * for this source (or no source id is given), return the first of them;
 * else create lookup_NNN with the next free number and record the source
 * id.  A new player records game_id (may be NULL) as his first game, which
 * makes registry_status "new" reproducible: it is "new" on that game's rows
 * in every run, not only in the run that happened to register him.  *uid is
 * a new string the caller free()s, and so is *first_game_id (the player's
 * first game, NULL when unknown); *created is 1 when a new player was made.
 */
int pgs_store_register_player(pgs_store *st, const char *lookup, const char *name,
    const char *source, const char *source_player_id, const char *game_id,
    char **uid, char **first_game_id, int *created);
/* Record source ids: triples is n × {source, source_player_id, uid}; existing ones are kept. */
int pgs_store_add_source_ids(pgs_store *st, const char *const *triples, size_t n);
int pgs_store_add_alias(pgs_store *st, const char *alias_lookup, const char *uid, const char *rule);
/* Queue unresolved names in one transaction (counts add up). */
int pgs_store_queue_unresolved(pgs_store *st, const struct pgs_unresolved *u, size_t n);
/* Record where players played: triples is n × {uid, team_abbr, season_year as
 * decimal text}; existing ones are kept; one transaction.  A backend without
 * the op keeps nothing (returns 0): the suffix rule then sees one run only. */
int pgs_store_add_team_seasons(pgs_store *st, const char *const *triples, size_t n);

extern const struct pgs_store_ops pgs_store_sqlite_ops;

#endif
