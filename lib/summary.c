/* summary.c — one game's raw rows → its summary rows: validate, merge sources, compute. */
#include "summary.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "dnp.h"
#include "formulas.h"
#include "hash.h"
#include "hashmap.h"
#include "minutes.h"
#include "names.h"
#include "ndjson.h"
#include "rawcheck.h"
#include "schema.h"
#include "teams.h"
#include "util.h"

/* The counting stats, in pgs_stat_fields order (checked in pgs_summary_new). */
enum {
	S_PTS, S_FGM, S_FGA, S_FG3M, S_FG3A, S_FTM, S_FTA, S_OREB, S_DREB, S_TREB,
	S_AST, S_STL, S_BLK, S_TOV, S_PF, S_PM, NSTAT
};
const char *const pgs_summary_stats[PGS_SUMMARY_NSTATS] = {
	"points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts",
	"ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds",
	"total_rebounds", "assists", "steals", "blocks", "turnovers",
	"personal_fouls", "plus_minus",
};
#define stat_names pgs_summary_stats
_Static_assert(NSTAT == PGS_SUMMARY_NSTATS && S_PM == PGS_SUMMARY_PLUS_MINUS,
    "summary.h's stat count and plus_minus index are this file's");

/* The input columns this file reads, found in each row by one walk over it (read_columns). */
enum {
	I_GAME_ID, I_GAME_DATE, I_SEASON, I_GAME_TYPE, I_FINAL, I_HOME, I_TEAM, I_OPP, I_SOURCE, I_NAME,
	I_STATUS, I_REASON, I_STARTER, I_MINUTES, I_LOOKUP, I_UID, I_REGISTRY, I_FULL_NAME, I_STAT0,
	NIN = I_STAT0 + NSTAT
};
static const char *const in_names[I_STAT0] = {
	"game_id", "game_date", "season_year", "game_type", "is_final", "home_team_abbr", "team_abbr",
	"opponent_team_abbr", "source", "player_name", "player_status", "dnp_reason", "starter",
	"minutes", "player_lookup", "universal_player_id", "registry_status", "player_full_name",
};

/* The summary fields this file fills, mapped to their schema position at start-up. */
enum {
	F_LOOKUP, F_UID, F_FULL_NAME, F_GAME_ID, F_GAME_DATE, F_SEASON, F_GAME_TYPE, F_REGULAR, F_FINAL,
	F_TEAM,
	F_OPP, F_HOME_GAME, F_MINUTES_PLAYED, F_SECONDS, F_EFG, F_TS, F_USAGE, F_IS_ACTIVE,
	F_STATUS, F_IS_DNP, F_DNP_REASON, F_DNP_CAT, F_STARTER, F_WIN, F_TEAM_PTS, F_OPP_PTS,
	F_LINE, F_LINE_SOURCE, F_OVER_UNDER, F_MARGIN,
	F_PRIMARY, F_SOURCES, F_TIER, F_ISSUES, F_REGISTRY, F_DATA_HASH, F_PROCESSED_AT, NF
};
static const char *const field_names[NF] = {
	"player_lookup", "universal_player_id", "player_full_name", "game_id", "game_date",
	"season_year", "game_type", "counts_toward_regular_season", "is_final", "team_abbr",
	"opponent_team_abbr",
	"home_game",
	"minutes_played", "seconds_played", "efg_pct", "ts_pct", "usage_rate", "is_active",
	"player_status", "is_dnp", "dnp_reason", "dnp_reason_category", "starter_flag", "win_flag",
	"team_points", "opponent_points",
	"points_line", "points_line_source", "over_under_result", "margin", "primary_source_used", "sources_seen",
	"data_quality_tier", "quality_issues", "registry_status", "data_hash", "processed_at",
};

static const struct {
	unsigned bit;
	const char *code;
} issue_codes[] = {
	{ PGS_ISSUE_MINUTES_DISAGREE, "minutes_disagree" },
	{ PGS_ISSUE_POINTS_DISAGREE, "points_disagree" },
	{ PGS_ISSUE_MINUTES_MISSING, "minutes_missing" },
	{ PGS_ISSUE_USAGE_IMPLAUSIBLE, "usage_implausible" },
	{ PGS_ISSUE_TEAM_MINUTES_SHORT, "team_minutes_short" },
	{ PGS_ISSUE_UNRESOLVED_PLAYER, "unresolved_player" },
	{ PGS_ISSUE_STATS_DISAGREE, "stats_disagree" },
};

const char *const pgs_known_sources[] = { "bbref", "nbacom", "nbastats", "sample", NULL };

#define TEAM_SECONDS_FULL (240L * 60L)
#define LOOKUP_CAP 256

/* One accepted raw row; strings are borrowed from row. */
struct raw {
	json_t *row;
	json_t *col[NIN];    /* row's value of each I_ column, or NULL */
	const char *game_id, *source, *lookup, *uid, *team, *status, *name;
	int rank;            /* index of source in --prefer, or nprefer when not listed */
	int has_secs;
	int precise;         /* its minutes are to the second (MM:SS, ISO), not whole minutes */
	long secs;
	unsigned has_stat;   /* bit i: stat[i] is not null */
	long stat[NSTAT];
	int extra;           /* the row has fields this stage does not know */
	int group;
	int next;            /* next row of the same group, in preference order; -1 ends */
};

/* One player of the game: the rows of every source that has him. */
struct group {
	int head;            /* most preferred row */
	int key_is_uid;
	const char *key;     /* universal_player_id, else player_lookup */
	int alias;           /* merged into another group: skip; -1 when live */
	/* merged values */
	int has_secs, secs_precise;
	long secs;
	unsigned has_stat;
	long stat[NSTAT];
	int active, team;
	unsigned issues;
};

struct team {
	const char *abbr;
	long fga, fta, tov, secs, pts;
	int usage_missing, secs_missing, pts_missing;
};

/* One value of the output row: written as pgs_json_dump() would write it. */
struct outv {
	enum { V_NULL, V_INT, V_REAL, V_BOOL, V_STR, V_JSON, V_TEXT } kind;
	long long i;           /* V_INT, V_BOOL */
	double d;              /* V_REAL */
	const char *s;         /* V_STR: the string; V_TEXT: JSON text */
	size_t len;
	json_t *j;             /* V_JSON: an input row's value, borrowed */
};

struct pgs_summary {
	const char **prefer;
	size_t nprefer;
	char processed_at[32];
	const pgs_lines *lines;
	int field_pos[NF];                 /* schema index of each F_ */
	int stat_pos[NSTAT];               /* schema index of each stat */
	pgs_map known;                     /* field names this stage consumes or writes: their
	                                      place in kcol + 1 */
	const char **known_names;          /* the known names, in the order rows list them */
	int *kcol;                         /* per known name: its I_ column, or -1 */
	size_t nknown, cap_known, cap_names;

	struct raw *rows;
	size_t nrows, caprows;
	struct group *groups;
	size_t ngroups, capgroups;
	struct team *teams;
	size_t nteams, capteams;
	pgs_map by_key;                    /* group number of a group key (group_key()) */
	pgs_map by_src;                    /* (group key, source) pairs seen: duplicates */
	pgs_buf key;                       /* scratch for building those keys */
	struct outv *val;                  /* the output row's value of each summary field */
	char **key_text;                   /* each field's '"name":' (',' before, '{' first) */
	size_t *key_len;
	int hash_pos;                      /* schema index of data_hash */
	const char **extra_keys;           /* keys passed through into the current row */
	size_t nextra, capextra;
	pgs_buf text, seen, issues;        /* the output row's JSON and its two arrays, reused */
	int final;                         /* the game's is_final (pgs_summary_flush) */
	/* disagreements between sources: per pair of sources (by their index in src) and stat */
	char *src[PGS_MAX_SOURCES];
	size_t nsrc;
	struct pgs_disagree pair[PGS_MAX_SOURCES][PGS_MAX_SOURCES];   /* [a][b], a < b */
};

static void set_str(pgs_summary *s, int f, const char *v);

/* ---- set-up ---- */

static int
known_has(const pgs_summary *s, const char *name)
{
	return pgs_map_has(&s->known, name);
}

/* Add name (a string that outlives s) to the known names once, read into column col (or -1). */
static void
know(pgs_summary *s, const char *name, int col)
{
	long pos;

	if (pgs_map_get_num(&s->known, name, &pos) == 0) {
		if (col >= 0)
			s->kcol[pos - 1] = col;
		return;
	}
	s->kcol = pgs_xgrow(s->kcol, s->nknown, &s->cap_known, sizeof(*s->kcol));
	s->known_names = pgs_xgrow(s->known_names, s->nknown, &s->cap_names, sizeof(*s->known_names));
	s->kcol[s->nknown] = col;
	s->known_names[s->nknown] = name;
	pgs_map_put_num(&s->known, name, (long)++s->nknown);
}

/* The schema index of each of the n names into pos; -1 when one is not a summary field. */
static int
schema_positions(const char *const *names, size_t n, int *pos)
{
	for (size_t i = 0; i < n; i++) {
		const struct pgs_field *f = pgs_field_find(pgs_summary_fields, pgs_summary_nfields, names[i]);

		if (!f)
			return -1;
		pos[i] = (int)(f - pgs_summary_fields);
	}
	return 0;
}

pgs_summary *
pgs_summary_new(const struct pgs_summary_opts *o)
{
	pgs_summary *s;

	if (!o->processed_at || strlen(o->processed_at) >= sizeof(s->processed_at))
		return NULL;
	for (size_t i = 0; i < NSTAT; i++)
		if (i >= pgs_stat_nfields || strcmp(stat_names[i], pgs_stat_fields[i]) != 0)
			return NULL;   /* schema.c and this file disagree: a build bug */
	/* emit_group() hashes the text before data_hash: every content field must precede it */
	for (size_t i = 0; i < pgs_summary_nfields; i++) {
		if (strcmp(pgs_summary_fields[i].name, "data_hash") == 0)
			break;
		if (!pgs_summary_fields[i].content)
			return NULL;
	}
	for (size_t i = 0, past = 0; i < pgs_summary_nfields; i++) {
		past |= strcmp(pgs_summary_fields[i].name, "data_hash") == 0;
		if (past && pgs_summary_fields[i].content)
			return NULL;
	}
	s = pgs_xcalloc(1, sizeof(*s));
	if (schema_positions(field_names, NF, s->field_pos) < 0 ||
	    schema_positions(stat_names, NSTAT, s->stat_pos) < 0) {
		free(s);
		return NULL;
	}
	s->prefer = pgs_xcalloc(o->nprefer + 1, sizeof(*s->prefer));
	for (size_t i = 0; i < o->nprefer; i++)
		s->prefer[i] = pgs_xstrdup(o->prefer[i]);
	s->nprefer = o->nprefer;
	strcpy(s->processed_at, o->processed_at);
	s->lines = o->lines;

	/* the known names in the order rows list them: raw fields, then pgs-resolve's
	 * three, then the other summary fields; each mapped to the column read from it */
	for (size_t i = 0; i < pgs_raw_nfields; i++)
		know(s, pgs_raw_fields[i].name, -1);
	know(s, "player_lookup", -1);
	know(s, "universal_player_id", -1);
	know(s, "registry_status", -1);
	for (size_t i = 0; i < pgs_summary_nfields; i++)
		know(s, pgs_summary_fields[i].name, -1);
	for (int i = 0; i < I_STAT0; i++)
		know(s, in_names[i], i);
	for (int i = 0; i < NSTAT; i++)
		know(s, stat_names[i], I_STAT0 + i);
	/* every summary field in schema order: the keys' text made once */
	s->val = pgs_xcalloc(pgs_summary_nfields, sizeof(*s->val));
	s->key_text = pgs_xcalloc(pgs_summary_nfields, sizeof(*s->key_text));
	s->key_len = pgs_xcalloc(pgs_summary_nfields, sizeof(*s->key_len));
	for (size_t i = 0; i < pgs_summary_nfields; i++) {
		pgs_buf b = { 0 };

		pgs_buf_add(&b, i ? "," : "{", 1);
		pgs_buf_addjson(&b, pgs_summary_fields[i].name, strlen(pgs_summary_fields[i].name));
		pgs_buf_add(&b, ":", 1);
		s->key_text[i] = b.s;
		s->key_len[i] = b.len;
	}
	s->hash_pos = s->field_pos[F_DATA_HASH];
	set_str(s, F_PROCESSED_AT, s->processed_at);
	return s;
}

static void
clear_game(pgs_summary *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		json_decref(s->rows[i].row);
	s->nrows = 0;
	s->ngroups = 0;
	s->nteams = 0;
	pgs_map_clear(&s->by_key, NULL);
	pgs_map_clear(&s->by_src, NULL);
}

void
pgs_summary_free(pgs_summary *s)
{
	if (!s)
		return;
	clear_game(s);
	for (size_t i = 0; i < s->nprefer; i++)
		free((char *)s->prefer[i]);
	free(s->prefer);
	pgs_map_free(&s->known, NULL);
	free(s->kcol);
	free(s->known_names);
	pgs_map_free(&s->by_key, NULL);
	pgs_map_free(&s->by_src, NULL);
	pgs_buf_free(&s->key);
	free(s->rows);
	free(s->groups);
	free(s->teams);
	for (size_t i = 0; s->key_text && i < pgs_summary_nfields; i++)
		free(s->key_text[i]);
	free(s->key_text);
	free(s->key_len);
	free(s->val);
	free(s->extra_keys);
	pgs_buf_free(&s->text);
	pgs_buf_free(&s->seen);
	pgs_buf_free(&s->issues);
	for (size_t i = 0; i < s->nsrc; i++)
		free(s->src[i]);
	free(s);
}

long
pgs_summary_parse_prefer(const char *list, const char ***names)
{
	size_t n = 1, len = strlen(list);
	char *copy;
	const char **v;
	long k = 0;

	for (const char *p = list; *p; p++)
		n += *p == ',';
	/* one block: the pointer array, then the split copy of list */
	v = pgs_xmalloc((n + 1) * sizeof(*v) + len + 1);
	copy = (char *)(v + n + 1);
	memcpy(copy, list, len + 1);
	for (char *tok = copy, *end;; tok = end + 1) {
		end = strchr(tok, ',');
		if (end)
			*end = '\0';
		if (*tok == '\0')
			goto bad;
		for (long j = 0; j < k; j++)
			if (strcmp(v[j], tok) == 0)
				goto bad;
		v[k++] = tok;
		if (!end)
			break;
	}
	v[k] = NULL;
	*names = v;
	return k;
bad:
	free(v);
	*names = NULL;
	return -1;
}

/* ---- accepting rows ---- */

static int
source_rank(const pgs_summary *s, const char *src)
{
	return (int)pgs_rank(s->prefer, s->nprefer, src, strcmp);
}

/* Preference order: --prefer rank, then sources not listed by name. */
static int
prefer_cmp(const struct raw *a, const struct raw *b)
{
	if (a->rank != b->rank)
		return a->rank < b->rank ? -1 : 1;
	return strcmp(a->source, b->source);
}

/*
 * The counting stats into r.  The row passed pgs_raw_check: every count is an
 * integer in its bounds, so team totals cannot overflow.
 */
static void
read_stats(struct raw *r)
{
	r->has_stat = 0;
	for (int i = 0; i < NSTAT; i++) {
		json_t *v = r->col[I_STAT0 + i];

		if (!json_is_integer(v))
			continue;
		r->stat[i] = (long)json_integer_value(v);
		r->has_stat |= 1u << i;
	}
}

/* Resolve's fields (checked by pgs_raw_check): use them when present, else normalize the name here. */
static int
read_identity(struct raw *r, char *err, size_t cap)
{
	json_t *lk = r->col[I_LOOKUP];
	json_t *reg = r->col[I_REGISTRY];
	char buf[LOOKUP_CAP];

	if (!lk || json_is_null(lk)) {
		if (pgs_player_lookup(r->name, buf, sizeof(buf)) <= 0)
			return pgs_fail(err, cap, "cannot normalize player name '%s'", r->name);
		json_object_set_new(r->row, "player_lookup", json_string(buf));
		if (!reg || json_is_null(reg)) {
			json_object_set_new(r->row, "registry_status", json_string("unresolved"));
			r->col[I_REGISTRY] = json_object_get(r->row, "registry_status");
		}
		lk = r->col[I_LOOKUP] = json_object_get(r->row, "player_lookup");
	}
	r->lookup = json_string_value(lk);
	r->uid = json_string_value(r->col[I_UID]);
	return 0;
}

static const char *
col_str(const struct raw *r, int c)
{
	return json_string_value(r->col[c]);
}

/*
 * The columns of r's row into r->col, in one walk over its fields, and
 * r->extra: whether it has a field this stage neither reads nor writes (it
 * passes through).  Rows list their fields in the order of s->known, so the
 * name after the last one found is tried first and most cost no lookup.
 */
static void
read_columns(const pgs_summary *s, struct raw *r)
{
	const char *k;
	json_t *v;
	long pos;
	size_t next = 0;

	memset(r->col, 0, sizeof(r->col));
	r->extra = 0;
	json_object_foreach(r->row, k, v) {
		if (next < s->nknown && strcmp(k, s->known_names[next]) == 0) {
			pos = (long)next;
		} else if (pgs_map_get_num(&s->known, k, &pos) == 0) {
			pos--;
		} else {
			r->extra = 1;
			continue;
		}
		if (s->kcol[pos] >= 0)
			r->col[s->kcol[pos]] = v;
		next = (size_t)pos + 1;
	}
}

/* Minutes printed to the second: "36:16", "PT34M12.00S"; not "36" or "36.0" (whole or decimal
 * minutes, NBA.com's export rounds to the minute). */
static int
minutes_precise(const char *m)
{
	return m && (strchr(m, ':') || strchr(m, 'S'));
}

/* The raw-row contract (pgs_raw_check, the same as pgs-extract's), then the values this stage uses. */
static int
check_row(pgs_summary *s, struct raw *r, char *err, size_t cap)
{
	json_t *row = r->row;

	if (pgs_raw_check(row, NULL, err, cap) < 0)
		return -1;
	read_columns(s, r);
	r->game_id = col_str(r, I_GAME_ID);
	r->source = col_str(r, I_SOURCE);
	r->team = col_str(r, I_TEAM);
	r->status = col_str(r, I_STATUS);
	r->name = col_str(r, I_NAME);
	r->has_secs = pgs_parse_minutes(col_str(r, I_MINUTES), &r->secs) == PGS_MIN_OK;
	r->precise = r->has_secs && minutes_precise(col_str(r, I_MINUTES));
	read_stats(r);
	if (read_identity(r, err, cap) < 0)
		return -1;
	r->rank = source_rank(s, r->source);
	return 0;
}

/* Group key of a row: its universal_player_id, else its player_lookup. */
static const char *
row_key(const struct raw *r, int *is_uid)
{
	*is_uid = r->uid != NULL;
	return r->uid ? r->uid : r->lookup;
}

/*
 * The key of a group in by_key ("u" or "l", then the id), and with a source
 * the key of one source's row in by_src; built in s->key.
 */
static const char *
group_key(pgs_summary *s, const char *key, int is_uid, const char *source)
{
	const char *parts[3] = { is_uid ? "u" : "l", key, source };

	return pgs_map_key(&s->key, source ? 3 : 2, parts);
}

/* Find the group of key, creating it; returns its number. */
static int
find_group(pgs_summary *s, const char *key, int is_uid)
{
	int added;
	void **slot = pgs_map_slot(&s->by_key, group_key(s, key, is_uid, NULL), &added);

	if (!added)
		return (int)(intptr_t)*slot;
	if (s->ngroups == s->capgroups) {
		s->capgroups = s->capgroups ? 2 * s->capgroups : 64;
		s->groups = pgs_xrealloc(s->groups, s->capgroups * sizeof(*s->groups));
	}
	memset(&s->groups[s->ngroups], 0, sizeof(s->groups[0]));
	s->groups[s->ngroups].key = key;
	s->groups[s->ngroups].key_is_uid = is_uid;
	s->groups[s->ngroups].head = -1;
	s->groups[s->ngroups].alias = -1;
	*slot = (void *)(intptr_t)s->ngroups;
	return (int)s->ngroups++;
}

/* Link row i into group g's list, which stays in preference order. */
static void
link_row(pgs_summary *s, int g, int i)
{
	int *pp = &s->groups[g].head;

	while (*pp >= 0 && prefer_cmp(&s->rows[*pp], &s->rows[i]) <= 0)
		pp = &s->rows[*pp].next;
	s->rows[i].next = *pp;
	*pp = i;
	s->rows[i].group = g;
}

int
pgs_summary_add(pgs_summary *s, json_t *row, char *err, size_t cap)
{
	struct raw *r;
	int is_uid;
	const char *key;

	if (!json_is_object(row))
		return pgs_fail(err, cap, "not a JSON object");
	if (s->nrows == s->caprows) {
		s->caprows = s->caprows ? 2 * s->caprows : 128;
		s->rows = pgs_xrealloc(s->rows, s->caprows * sizeof(*s->rows));
	}
	r = &s->rows[s->nrows];
	memset(r, 0, sizeof(*r));
	r->row = row;
	if (check_row(s, r, err, cap) < 0)
		return -1;
	if (s->nrows > 0 && strcmp(r->game_id, s->rows[0].game_id) != 0)
		return pgs_fail(err, cap, "game '%s' mixed into game '%s'", r->game_id, s->rows[0].game_id);
	key = row_key(r, &is_uid);
	if (!pgs_map_add(&s->by_src, group_key(s, key, is_uid, r->source)))
		return pgs_fail(err, cap, "duplicate player '%s' from source '%s' in game '%s'",
		    r->lookup, r->source, r->game_id);
	json_incref(row);
	link_row(s, find_group(s, key, is_uid), (int)s->nrows);
	s->nrows++;
	return 0;
}

const char *
pgs_summary_game(const pgs_summary *s)
{
	return s->nrows ? s->rows[0].game_id : NULL;
}

/* ---- merging and computing ---- */

/*
 * A game is final unless one of its rows, of any source, says it is not
 * (is_final false; null or absent: the source does not say, and those
 * that do not publish a game before it is over).  A source caught
 * mid-game still fills fields of the merged rows, and the preferred
 * source wins field by field, so one provisional source makes the merged
 * rows provisional: they are marked so, and rebuilt, until it is final too.
 */
int
pgs_summary_game_final(const pgs_summary *s)
{
	for (size_t i = 0; i < s->nrows; i++)
		if (json_is_false(s->rows[i].col[I_FINAL]))
			return 0;
	return 1;
}

/*
 * A source that left universal_player_id null is matched on player_lookup:
 * its rows join the one resolved group with the same lookup, if exactly one.
 */
static void
merge_unresolved(pgs_summary *s)
{
	for (size_t g = 0; g < s->ngroups; g++) {
		struct group *u = &s->groups[g];
		int target = -1, n = 0;

		if (u->key_is_uid)
			continue;
		for (size_t k = 0; k < s->ngroups; k++) {
			if (!s->groups[k].key_is_uid || s->groups[k].alias >= 0)
				continue;
			for (int i = s->groups[k].head; i >= 0; i = s->rows[i].next)
				if (strcmp(s->rows[i].lookup, u->key) == 0) {
					target = (int)k;
					n++;
					break;
				}
		}
		if (n != 1)
			continue;
		/* only when no source would then have the player twice */
		for (int i = u->head; i >= 0; i = s->rows[i].next)
			for (int j = s->groups[target].head; j >= 0; j = s->rows[j].next)
				if (strcmp(s->rows[i].source, s->rows[j].source) == 0)
					goto next;
		for (int i = u->head, nx; i >= 0; i = nx) {
			nx = s->rows[i].next;
			link_row(s, target, i);
		}
		u->head = -1;
		u->alias = target;
next:;
	}
}

static json_t *
first_value(const pgs_summary *s, const struct group *g, int col)
{
	for (int i = g->head; i >= 0; i = s->rows[i].next) {
		json_t *v = s->rows[i].col[col];

		if (v && !json_is_null(v))
			return v;
	}
	return NULL;
}

static int
team_of(pgs_summary *s, const char *abbr)
{
	for (size_t t = 0; t < s->nteams; t++)
		if (strcmp(s->teams[t].abbr, abbr) == 0)
			return (int)t;
	if (s->nteams == s->capteams) {
		s->capteams = s->capteams ? 2 * s->capteams : 4;
		s->teams = pgs_xrealloc(s->teams, s->capteams * sizeof(*s->teams));
	}
	memset(&s->teams[s->nteams], 0, sizeof(s->teams[0]));
	s->teams[s->nteams].abbr = abbr;
	return (int)s->nteams++;
}

/* The index of source name in s->src, added when new; -1 past PGS_MAX_SOURCES. */
static int
source_index(pgs_summary *s, const char *name)
{
	for (size_t i = 0; i < s->nsrc; i++)
		if (strcmp(s->src[i], name) == 0)
			return (int)i;
	if (s->nsrc == PGS_MAX_SOURCES)
		return -1;
	s->src[s->nsrc] = pgs_xstrdup(name);
	return (int)s->nsrc++;
}

/* Every pair of the player's rows from two sources: each stat both have, compared; a
 * counted stat (not plus_minus, which sources round apart) they differ on is a quality code. */
static void
count_disagreements(pgs_summary *s, struct group *g)
{
	for (int i = g->head; i >= 0; i = s->rows[i].next)
		for (int j = s->rows[i].next; j >= 0; j = s->rows[j].next) {
			const struct raw *a = &s->rows[i], *b = &s->rows[j];
			int ia = source_index(s, a->source), ib = source_index(s, b->source);
			struct pgs_disagree *p;
			unsigned both = a->has_stat & b->has_stat;

			if (ia < 0 || ib < 0 || ia == ib)
				continue;
			p = ia < ib ? &s->pair[ia][ib] : &s->pair[ib][ia];
			p->players++;
			for (int k = 0; k < NSTAT; k++) {
				if (!(both >> k & 1))
					continue;
				p->compared[k]++;
				if (a->stat[k] == b->stat[k])
					continue;
				p->differ[k]++;
				if (k != S_PTS && k != S_PM)
					g->issues |= PGS_ISSUE_STATS_DISAGREE;
			}
		}
}

/* Field-by-field merge of one player: the preferred source wins where it has a value. */
static void
merge_group(pgs_summary *s, struct group *g)
{
	const struct raw *p = &s->rows[g->head];
	long lo = 0, hi = 0, pts = 0;
	int nsecs = 0, npts = 0;

	g->has_stat = 0;
	g->has_secs = 0;
	g->issues = 0;
	count_disagreements(s, g);
	for (int i = g->head; i >= 0; i = s->rows[i].next) {
		const struct raw *r = &s->rows[i];

		if (r->has_secs) {
			/* minutes from the most precise source that has them, whatever the
			 * preference: NBA.com's whole minutes never replace bbref's 36:16 */
			if (!g->has_secs || (r->precise && !g->secs_precise)) {
				g->has_secs = 1;
				g->secs_precise = r->precise;
				g->secs = r->secs;
			}
			lo = nsecs == 0 || r->secs < lo ? r->secs : lo;
			hi = nsecs == 0 || r->secs > hi ? r->secs : hi;
			nsecs++;
		}
		for (int k = 0; k < NSTAT; k++)
			if (!(g->has_stat >> k & 1) && (r->has_stat >> k & 1)) {
				g->has_stat |= 1u << k;
				g->stat[k] = r->stat[k];
			}
		if (r->has_stat >> S_PTS & 1) {
			if (npts++ > 0 && r->stat[S_PTS] != pts)
				g->issues |= PGS_ISSUE_POINTS_DISAGREE;
			pts = r->stat[S_PTS];
		}
	}
	if (hi - lo > 60)
		g->issues |= PGS_ISSUE_MINUTES_DISAGREE;
	g->active = strcmp(p->status, "active") == 0;
	if (g->active && !g->has_secs)
		g->issues |= PGS_ISSUE_MINUTES_MISSING;
	g->team = team_of(s, p->team);
}

/* Team totals over the active players: a null among them makes the total unknown. */
static void
add_to_team(pgs_summary *s, const struct group *g)
{
	struct team *t = &s->teams[g->team];
	unsigned usage_bits = 1u << S_FGA | 1u << S_FTA | 1u << S_TOV;

	if (!g->active)
		return;
	if ((g->has_stat & usage_bits) != usage_bits) {
		t->usage_missing = 1;
	} else {
		t->fga += g->stat[S_FGA];
		t->fta += g->stat[S_FTA];
		t->tov += g->stat[S_TOV];
	}
	if (g->has_secs)
		t->secs += g->secs;
	else
		t->secs_missing = 1;
	if (g->has_stat >> S_PTS & 1)
		t->pts += g->stat[S_PTS];
	else
		t->pts_missing = 1;
}

/* ---- the output row ---- */

static void
set_null(pgs_summary *s, int f)
{
	s->val[s->field_pos[f]] = (struct outv){ .kind = V_NULL };
}

static void
set_int(pgs_summary *s, int pos, int defined, long long i)
{
	s->val[pos] = (struct outv){ .kind = defined ? V_INT : V_NULL, .i = i };
}

static void
set_real(pgs_summary *s, int f, int defined, double d)
{
	s->val[s->field_pos[f]] = (struct outv){ .kind = defined ? V_REAL : V_NULL, .d = d };
}

static void
set_bool(pgs_summary *s, int f, int b)
{
	s->val[s->field_pos[f]] = (struct outv){ .kind = V_BOOL, .i = b };
}

/* A C string (NULL: null). */
static void
set_str(pgs_summary *s, int f, const char *v)
{
	s->val[s->field_pos[f]] = v ? (struct outv){ .kind = V_STR, .s = v, .len = strlen(v) }
	    : (struct outv){ .kind = V_NULL };
}

/* A value of an input row, as it is (absent: null). */
static void
set_json(pgs_summary *s, int f, json_t *v)
{
	s->val[s->field_pos[f]] = (struct outv){ .kind = v ? V_JSON : V_NULL, .j = v };
}

/* Text already in JSON (the two arrays), in b. */
static void
set_text(pgs_summary *s, int f, const pgs_buf *b)
{
	s->val[s->field_pos[f]] = (struct outv){ .kind = V_TEXT, .s = b->s, .len = b->len };
}

/* Append a JSON array of strings to b: ["a","b"]. */
static void
array_add(pgs_buf *b, const char *v)
{
	pgs_buf_add(b, b->len > 1 ? "," : "", b->len > 1);
	pgs_buf_addjson(b, v, strlen(v));
}

/*
 * The player's line: the lookup of each of his rows in preference order (sources
 * may spell him differently), then, since books often drop "Jr."/"III", the
 * names as the sources printed them (pgs-resolve gives every row the registry's
 * lookup) and the same without a generational suffix.  NULL when none matches.
 */
static const struct pgs_line *
find_line(const pgs_summary *s, const struct group *g, const char *date)
{
	const struct pgs_line *ln;
	char buf[LOOKUP_CAP];

	for (int i = g->head; i >= 0; i = s->rows[i].next)
		if ((ln = pgs_lines_find(s->lines, date, s->rows[i].lookup)))
			return ln;
	for (int i = g->head; i >= 0; i = s->rows[i].next)
		if (pgs_player_lookup(s->rows[i].name, buf, sizeof(buf)) > 0 &&
		    strcmp(buf, s->rows[i].lookup) != 0 && (ln = pgs_lines_find(s->lines, date, buf)))
			return ln;
	for (int i = g->head; i >= 0; i = s->rows[i].next)
		if (pgs_player_lookup_nosuffix(s->rows[i].name, buf, sizeof(buf)) > 0 &&
		    strcmp(buf, s->rows[i].lookup) != 0 && (ln = pgs_lines_find(s->lines, date, buf)))
			return ln;
	return NULL;
}

/* Props fields: set on every row. */
static void
fill_line(pgs_summary *s, const struct group *g, const char *date)
{
	const struct pgs_line *ln = NULL;
	double pts;

	/* a player who did not play, or whose points are unknown, has no result to grade */
	if (s->lines && g->active && (g->has_stat >> S_PTS & 1))
		ln = find_line(s, g, date);
	if (!ln) {
		set_null(s, F_LINE);
		set_null(s, F_LINE_SOURCE);
		set_null(s, F_OVER_UNDER);
		set_null(s, F_MARGIN);
		return;
	}
	pts = (double)g->stat[S_PTS];
	set_real(s, F_LINE, 1, ln->line);
	set_str(s, F_LINE_SOURCE, ln->bookmaker);
	set_str(s, F_OVER_UNDER, pts > ln->line ? "OVER" : pts < ln->line ? "UNDER" : "PUSH");
	set_real(s, F_MARGIN, 1, pgs_round(pts - ln->line, 1));
}

/* The values of every content field of player g. */
static void
fill_values(pgs_summary *s, const struct group *g, const char *best_source)
{
	const struct raw *p = &s->rows[g->head];
	const struct team *t = &s->teams[g->team];
	const struct team *o = NULL;
	const char *opp = col_str(p, I_OPP);
	const char *home = col_str(p, I_HOME);
	const char *reason = NULL, *gtype;
	unsigned issues = g->issues;
	json_t *reg, *uid;
	double x = 0.0;
	int ok;

	for (size_t k = 0; k < s->nteams; k++)
		if (opp && strcmp(s->teams[k].abbr, opp) == 0)
			o = &s->teams[k];
	for (int i = 0; i < NSTAT; i++)
		set_int(s, s->stat_pos[i], g->has_stat >> i & 1, g->stat[i]);
	uid = first_value(s, g, I_UID);
	set_json(s, F_LOOKUP, p->col[I_LOOKUP]);
	set_json(s, F_UID, uid);
	/* pgs-resolve's canonical name, else the primary source's spelling */
	set_json(s, F_FULL_NAME, json_is_string(p->col[I_FULL_NAME]) ? p->col[I_FULL_NAME] :
	    p->col[I_NAME]);
	set_json(s, F_GAME_ID, p->col[I_GAME_ID]);
	set_json(s, F_GAME_DATE, p->col[I_GAME_DATE]);
	set_json(s, F_SEASON, p->col[I_SEASON]);
	/* normalized: a store's older raw rows say "playin" */
	gtype = pgs_game_type_norm(col_str(p, I_GAME_TYPE));
	set_str(s, F_GAME_TYPE, gtype ? gtype : col_str(p, I_GAME_TYPE));
	set_bool(s, F_REGULAR, pgs_game_type_counts_regular(gtype) == 1);
	set_bool(s, F_FINAL, s->final);
	set_json(s, F_TEAM, p->col[I_TEAM]);
	set_json(s, F_OPP, p->col[I_OPP]);
	set_bool(s, F_HOME_GAME, home && strcmp(home, p->team) == 0);
	set_int(s, s->field_pos[F_SECONDS], g->has_secs, g->secs);
	set_real(s, F_MINUTES_PLAYED, g->has_secs, g->has_secs ? pgs_minutes_played(g->secs) : 0);

	ok = (g->has_stat >> S_FGM & 1) && (g->has_stat >> S_FG3M & 1) && (g->has_stat >> S_FGA & 1) &&
	    pgs_efg_pct(g->stat[S_FGM], g->stat[S_FG3M], g->stat[S_FGA], &x);
	set_real(s, F_EFG, ok, x);
	ok = (g->has_stat >> S_PTS & 1) && (g->has_stat >> S_FGA & 1) && (g->has_stat >> S_FTA & 1) &&
	    pgs_ts_pct(g->stat[S_PTS], g->stat[S_FGA], g->stat[S_FTA], &x);
	set_real(s, F_TS, ok, x);
	ok = g->has_secs && (g->has_stat >> S_FGA & 1) && (g->has_stat >> S_FTA & 1) &&
	    (g->has_stat >> S_TOV & 1) && !t->usage_missing && !t->secs_missing &&
	    pgs_usage_rate(g->stat[S_FGA], g->stat[S_FTA], g->stat[S_TOV], g->secs,
	        t->fga, t->fta, t->tov, t->secs, &x);
	set_real(s, F_USAGE, ok, x);
	if (ok && x > 100.0)
		issues |= PGS_ISSUE_USAGE_IMPLAUSIBLE;
	/* a team-level flaw, flagged where it matters: on the rows whose usage it feeds */
	if (g->active && !t->secs_missing && t->secs > 0 && t->secs < TEAM_SECONDS_FULL - 60)
		issues |= PGS_ISSUE_TEAM_MINUTES_SHORT;

	/* a reason belongs to a player who did not play, whichever source printed it */
	if (!g->active)
		reason = json_string_value(first_value(s, g, I_REASON));
	set_bool(s, F_IS_ACTIVE, g->active);
	set_json(s, F_STATUS, p->col[I_STATUS]);
	set_bool(s, F_IS_DNP, !g->active);
	set_str(s, F_DNP_REASON, reason);
	if (g->active) {
		set_null(s, F_DNP_CAT);
	} else {
		const char *cat = pgs_dnp_category(reason);

		set_str(s, F_DNP_CAT, cat ? cat : "other");
	}
	set_json(s, F_STARTER, first_value(s, g, I_STARTER));
	set_int(s, s->field_pos[F_TEAM_PTS], !t->pts_missing, t->pts);
	set_int(s, s->field_pos[F_OPP_PTS], o && !o->pts_missing, o ? o->pts : 0);
	if (!o || o->pts_missing || t->pts_missing)
		set_null(s, F_WIN);
	else
		set_bool(s, F_WIN, t->pts > o->pts);
	fill_line(s, g, col_str(p, I_GAME_DATE));

	pgs_buf_reset(&s->seen);
	pgs_buf_add(&s->seen, "[", 1);
	for (int i = g->head; i >= 0; i = s->rows[i].next)
		array_add(&s->seen, s->rows[i].source);
	pgs_buf_add(&s->seen, "]", 1);
	reg = first_value(s, g, I_REGISTRY);
	if (!uid || (json_is_string(reg) && strcmp(json_string_value(reg), "unresolved") == 0))
		issues |= PGS_ISSUE_UNRESOLVED_PLAYER;
	pgs_buf_reset(&s->issues);
	pgs_buf_add(&s->issues, "[", 1);
	for (size_t k = 0; k < sizeof(issue_codes) / sizeof(issue_codes[0]); k++)
		if (issues & issue_codes[k].bit)
			array_add(&s->issues, issue_codes[k].code);
	pgs_buf_add(&s->issues, "]", 1);
	set_json(s, F_PRIMARY, p->col[I_SOURCE]);
	set_text(s, F_SOURCES, &s->seen);
	set_str(s, F_TIER, strcmp(p->source, best_source) == 0 ? "gold" : "silver");
	set_text(s, F_ISSUES, &s->issues);
	set_json(s, F_REGISTRY, reg);
}

/* One value as pgs_json_dump() writes it; -1 for a real that is not finite. */
static int
write_value(pgs_buf *b, const struct outv *v)
{
	switch (v->kind) {
	case V_INT:
		pgs_buf_addint(b, v->i);
		return 0;
	case V_REAL:
		return pgs_json_dump_real(b, v->d);
	case V_BOOL:
		pgs_buf_add(b, v->i ? "true" : "false", v->i ? 4 : 5);
		return 0;
	case V_STR:
		pgs_buf_addjson(b, v->s, v->len);
		return 0;
	case V_JSON:
		return pgs_json_dump(b, v->j);
	case V_TEXT:
		pgs_buf_add(b, v->s, v->len);
		return 0;
	default:
		pgs_buf_add(b, "null", 4);
		return 0;
	}
}

/* 1 when key was passed through already for this row. */
static int
passed(const pgs_summary *s, const char *key)
{
	for (size_t i = 0; i < s->nextra; i++)
		if (strcmp(s->extra_keys[i], key) == 0)
			return 1;
	return 0;
}

/* Unknown fields of the player's rows pass through, the preferred source's first. */
static int
add_passthrough(pgs_summary *s, const struct group *g)
{
	s->nextra = 0;
	for (int i = g->head; i >= 0; i = s->rows[i].next) {
		const char *k;
		json_t *v;

		if (!s->rows[i].extra)
			continue;
		json_object_foreach(s->rows[i].row, k, v) {
			if (known_has(s, k) || passed(s, k))
				continue;
			pgs_buf_add(&s->text, ",", 1);
			pgs_buf_addjson(&s->text, k, strlen(k));
			pgs_buf_add(&s->text, ":", 1);
			if (pgs_json_dump(&s->text, v) < 0)
				return -1;
			s->extra_keys = pgs_xgrow(s->extra_keys, s->nextra, &s->capextra,
			    sizeof(*s->extra_keys));
			s->extra_keys[s->nextra++] = k;
		}
	}
	return 0;
}

/*
 * The row's text: every summary field in schema order, then the passed-through
 * fields.  data_hash covers the content fields, which come first: the text
 * before ,"data_hash": closed with '}'.
 */
static int
emit_group(pgs_summary *s, const struct group *g, const char *best_source,
    pgs_summary_emit_fn emit, void *arg)
{
	pgs_buf *b = &s->text;
	char hash[17];

	fill_values(s, g, best_source);
	pgs_buf_reset(b);
	for (size_t i = 0; i < pgs_summary_nfields; i++) {
		if ((int)i == s->hash_pos) {
			pgs_buf_add(b, "}", 1);
			pgs_sha256_hex16(b->s, b->len, hash);
			b->len--;
			pgs_buf_add(b, ",\"data_hash\":\"", sizeof(",\"data_hash\":\"") - 1);
			pgs_buf_add(b, hash, 16);
			pgs_buf_add(b, "\"", 1);
			continue;
		}
		pgs_buf_add(b, s->key_text[i], s->key_len[i]);
		if (write_value(b, &s->val[i]) < 0)
			return -1;   /* cannot happen: every real here is finite */
	}
	if (add_passthrough(s, g) < 0)
		return -1;
	pgs_buf_add(b, "}", 1);
	return emit(b->s, b->len, arg);
}

long
pgs_summary_flush(pgs_summary *s, pgs_summary_emit_fn emit, void *arg)
{
	long out = 0;
	const struct raw *best = NULL;

	if (s->nrows == 0)
		return 0;
	merge_unresolved(s);
	s->final = pgs_summary_game_final(s);
	/* the game's most preferred source present decides gold vs silver */
	for (size_t i = 0; i < s->nrows; i++)
		if (!best || prefer_cmp(&s->rows[i], best) < 0)
			best = &s->rows[i];
	for (size_t g = 0; g < s->ngroups; g++)
		if (s->groups[g].alias < 0)
			merge_group(s, &s->groups[g]);
	for (size_t g = 0; g < s->ngroups; g++)
		if (s->groups[g].alias < 0)
			add_to_team(s, &s->groups[g]);
	for (size_t g = 0; g < s->ngroups; g++) {
		if (s->groups[g].alias >= 0)
			continue;
		if (emit_group(s, &s->groups[g], best->source, emit, arg) != 0) {
			out = -1;
			break;
		}
		out++;
	}
	clear_game(s);
	return out;
}

int
pgs_summary_disagreements(pgs_summary *s, int (*fn)(const char *a, const char *b,
    const struct pgs_disagree *d, void *arg), void *arg, int reset)
{
	int rc = 0;

	for (size_t a = 0; a < s->nsrc; a++)
		for (size_t b = a + 1; b < s->nsrc; b++) {
			struct pgs_disagree *d = &s->pair[a][b];

			if (d->players > 0 && rc == 0)
				rc = fn(s->src[a], s->src[b], d, arg);
			if (reset)
				memset(d, 0, sizeof(*d));
		}
	return rc;
}

int
pgs_summary_known_source(const char *name)
{
	for (size_t i = 0; pgs_known_sources[i]; i++)
		if (strcmp(pgs_known_sources[i], name) == 0)
			return 1;
	return 0;
}
