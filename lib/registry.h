/*
 * registry.h — the player registry as pgs-resolve sees it: an in-memory cache
 * of the store's players_registry, player_source_ids and player_aliases, and
 * the resolution rules (MANUAL "pgs-resolve": how a row is resolved).
 *
 * The cache is store-neutral: it is filled once by pgs_registry_load() through
 * lib/store.h, so every backend reuses it, and afterwards a row costs no store
 * round trip.  The store is touched again only to register a new player
 * (rule 4) and to flush what was learned (new source ids, aliases from the
 * aliases file, unresolved names, team-seasons) in one call each, by
 * pgs_registry_flush().
 *
 * A game's rows are resolved together (pgs_registry_resolve_game), first by
 * spelling, each row on its own (rules 1–3b), then the rows left over by
 * what the other sources of the game say (rules 6 and 7), and only then are
 * new players registered (rule 4).
 *
 * Rules, in order, for a row's (lookup, source, source_player_id):
 *   1. (source, source_player_id) is known: its uid; ALIAS when that player's
 *      lookup differs from the row's, else RESOLVED.  A spelling no player
 *      has becomes an alias (rule "source-id"), so sources without ids
 *      resolve it too.
 *   2. the lookup is an alias (aliases file, then the store): ALIAS; not
 *      when the alias's player has another id of the row's source (the
 *      spelling then names someone else).
 *   3. exactly one player has the lookup and has no different id for this
 *      source: RESOLVED (a new source id is remembered and flushed).
 *   3b. no player has the lookup: exactly one player whose name is the
 *      same but for a generational suffix on one side (pgs_player_lookup_nosuffix)
 *      and who was seen in this run for the row's team-game (when another
 *      source listed that team-game), else for the row's team and season, in
 *      this run or an earlier one (player_team_seasons): ALIAS, and
 *      the spelling becomes an alias (rule "suffix-insensitive").  Several
 *      such players (father and son): UNRESOLVED, even with a store to
 *      register in.
 *   6. same game, same spelling: a row of another source in the row's
 *      team-game carries the row's very spelling and resolved to a player
 *      no row of the row's source in that team-game has (a namesake the id
 *      of another source told apart, an initialed name): ALIAS or RESOLVED;
 *      nothing is recorded, the spelling being ambiguous by nature.
 *   7. box score: the row's full stat line (struct pgs_reg_line) equals
 *      that of exactly one row of another source in its team-game whose
 *      player no row of the row's source there has (or that is left over
 *      itself), and neither line is shared by another row of its source in
 *      the team-game: that row's player (registered first, when both are
 *      new and do_register).  The spelling becomes an alias (rule
 *      "box-score game=… team=… sources=… fields=…", the evidence) when
 *      nobody has it and it is no initial; a row 3b left ambiguous gets
 *      the player but no alias.
 *   4. with do_register: among namesakes no source id tells apart, the
 *      first (RESOLVED); else a new player lookup_NNN, the first number
 *      free (NEW), written to the store at the next flush.  Rows with a
 *      source id register before rows without one, each in input order.
 *   5. otherwise UNRESOLVED (uid NULL); the caller queues the name.
 *
 * Every row that resolves carries the player's canonical lookup and full
 * name (players_registry), whichever spelling it came with.
 *
 * A player's first game (players_registry.first_game_id) is the earliest
 * game, in game_id order (the date first), that any run saw a row of him in:
 * a run that sees an earlier one moves it there, and "new" marks his rows of
 * that game only.  So the registry and the rows do not depend on the order
 * in which runs visited the dates.  The dates of the games a move took the
 * mark from are written to the ledger with the move (table
 * players_registry), which makes the summary windows of those dates stale.
 *
 * The context of rule 3b: the team-games are what this run resolved so far;
 * the team-seasons are those too, plus every (uid, team, season) an earlier
 * run resolved, loaded from the store's player_team_seasons and added to at
 * each flush.  So a run of NBA.com rows alone (a daily run) still finds
 * the bbref players registered by earlier runs.  Within a run, feed
 * id-carrying sources first (the store's raw_boxscores orders a game's rows
 * bbref, nbacom, nbastats).
 *
 * Ownership: every string handed out (lookups, uids) belongs to the registry
 * and lives until pgs_registry_free().  Strings passed in are copied.
 * Errors are reported (pgs_err) where they happen; functions return -1.
 */
#ifndef PGS_REGISTRY_H
#define PGS_REGISTRY_H

#include <stddef.h>

#include "store.h"

typedef struct pgs_registry pgs_registry;

enum pgs_reg_status {
	PGS_REG_UNRESOLVED = 0,
	PGS_REG_RESOLVED,
	PGS_REG_ALIAS,
	PGS_REG_NEW,
};

/* "unresolved", "resolved", "alias", "new" */
const char *pgs_reg_status_name(enum pgs_reg_status s);

pgs_registry *pgs_registry_new(void);
void pgs_registry_free(pgs_registry *r);

/*
 * Read an aliases file: CSV lines "alias,target" (fields may be double-quoted;
 * blank lines, '#' comments and a header line "alias,target" are skipped).
 * alias is a display name; target a universal_player_id or a display name.
 * Call before pgs_registry_load(): file aliases win over the store's.
 * Returns 0; -1 when the file cannot be read (reported; a failure, exit 3);
 * -2 on a bad line (reported as "FILE:LINE: …"; a usage error, exit 2).
 */
int pgs_registry_read_aliases(pgs_registry *r, const char *path);

/* Load players, source ids, aliases and team-seasons from the store in one call. */
int pgs_registry_load(pgs_registry *r, pgs_store *st);

/* Add to the cache only (the store is not written); for loaders and tests. */
void pgs_registry_add_player(pgs_registry *r, const char *uid, const char *lookup, const char *name);
void pgs_registry_add_source_id(pgs_registry *r, const char *source, const char *spid, const char *uid);
void pgs_registry_add_alias(pgs_registry *r, const char *alias_lookup, const char *uid);

/*
 * Normalize a display name to player_lookup through a cache, so each
 * distinct name is normalized once.  Returns the lookup (owned by the
 * registry), or NULL when the name is not valid UTF-8 or normalizes to
 * nothing; *why then says which.
 */
const char *pgs_registry_lookup(pgs_registry *r, const char *name, size_t len, const char **why);

/* Where a row was seen: the context of rule 3b.  Any member may be NULL / 0 (unknown). */
struct pgs_reg_context {
	const char *team_abbr;
	const char *game_id;
	int season_year;
};

struct pgs_resolution {
	const char *lookup;           /* the player's canonical player_lookup, else the row's own */
	const char *full_name;        /* the player's canonical name; NULL when unresolved or unknown */
	const char *uid;              /* universal_player_id, NULL when unresolved */
	enum pgs_reg_status status;
};

/* The counting stats of a stat line (rule 7), in this order: points, total_rebounds,
 * assists, fg_makes, fg_attempts, three_pt_makes, three_pt_attempts, ft_makes,
 * ft_attempts, steals, blocks, turnovers, personal_fouls (raw-row field names). */
#define PGS_REG_NLINE 13
extern const char *const pgs_reg_line_fields[PGS_REG_NLINE];

/*
 * A row's stat line for rule 7.  It takes part only when it is full: an
 * active row, minutes known, every stat known, and not all of them 0 (a DNP
 * row, or a row of zeros, tells nobody apart).  Plus-minus and the split
 * rebounds are left out: sources disagree on them for the same player.
 */
struct pgs_reg_line {
	int active;                   /* player_status "active" */
	int has_secs;                 /* minutes parsed */
	long secs;                    /* minutes played, in seconds */
	int slack;                    /* seconds the printed minutes may be off the real time:
	                                 30 for whole minutes ("38"), 1 for "36:11" */
	unsigned has;                 /* bit i: stat[i] is known */
	long stat[PGS_REG_NLINE];
};

/* One row of a game for pgs_registry_resolve_game(). */
struct pgs_reg_row {
	/* in */
	const char *lookup;           /* from pgs_registry_lookup() */
	const char *name;             /* the display name (registering, rules 1, 3b, 7) */
	const char *source, *spid;    /* may be NULL */
	struct pgs_reg_context ctx;
	struct pgs_reg_line line;
	/* out */
	struct pgs_resolution res;
	/* private */
	int state_, partner_, how_, ambiguous_;
};

/*
 * Resolve the n rows of one game (the same ctx.game_id; a game may come in
 * several calls, each call is paired within itself).  With do_register,
 * rule 4 registers new players: in the cache at once (the rows get their
 * ids), in the store at the next pgs_registry_flush(), all of them in one
 * round trip.  Every rows[i].res is filled.  Memory and time: n rows, and
 * n * n comparisons of one team's rows at worst.  Returns 0.
 */
int pgs_registry_resolve_game(pgs_registry *r, struct pgs_reg_row *rows, size_t n, int do_register);

/* Count one unresolved row for the store's unresolved_player_names (strings copied;
 * counted per (lookup, source), the first row's team and game kept). */
void pgs_registry_queue_unresolved(pgs_registry *r, const struct pgs_unresolved *u);

/* How many learned facts wait for pgs_registry_flush(). */
size_t pgs_registry_pending(const pgs_registry *r);

/* Write what was learned to the store in one round trip
 * (pgs_store_registry_write): the players registered by rule 4, new source
 * ids, team-seasons, queued unresolved names, aliases from the file whose
 * target resolved, and aliases decided by rules 1 and 3b (with their rule).
 * Pending items are dropped after a successful flush.  When a concurrent
 * run took one of the new ids, nothing is written and -1 is returned
 * (reported): the rows already resolved name ids the store does not hold,
 * so the caller must not vouch for them. */
int pgs_registry_flush(pgs_registry *r, pgs_store *st);

/* The dates whose summary rows this run's first-game moves made stale
 * (YYYY-MM-DD, in the order found): how many, and the i-th (NULL past the end). */
size_t pgs_registry_nstale_dates(const pgs_registry *r);
const char *pgs_registry_stale_date(const pgs_registry *r, size_t i);

/* Counters for -v statistics. */
struct pgs_registry_stats {
	long players, source_ids, aliases;          /* in the cache */
	long names_cached;                          /* distinct names normalized */
	long registered, source_ids_learned;        /* this run */
	long suffix_matched, ambiguous;             /* rule 3b this run: matched, left ambiguous */
	long game_spelling;                         /* rule 6 this run: matched */
	long box_matched, box_refused;              /* rule 7 this run: matched; a line that
	                                               matched but was tied or shared */
	long team_seasons, team_seasons_learned;    /* known (store + run), new this run */
	long first_games_moved;                     /* players seen in a game before their first */
};
void pgs_registry_stats(const pgs_registry *r, struct pgs_registry_stats *s);

#endif
