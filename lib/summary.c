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
#include "util.h"

/* The counting stats, in pgs_stat_fields order (checked in pgs_summary_new). */
enum {
	S_PTS, S_FGM, S_FGA, S_FG3M, S_FG3A, S_FTM, S_FTA, S_OREB, S_DREB, S_TREB,
	S_AST, S_STL, S_BLK, S_TOV, S_PF, S_PM, NSTAT
};
static const char *const stat_names[NSTAT] = {
	"points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts",
	"ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds",
	"total_rebounds", "assists", "steals", "blocks", "turnovers",
	"personal_fouls", "plus_minus",
};

/* The summary fields this file fills, mapped to their schema position at start-up. */
enum {
	F_LOOKUP, F_UID, F_FULL_NAME, F_GAME_ID, F_GAME_DATE, F_SEASON, F_GAME_TYPE, F_TEAM,
	F_OPP, F_HOME_GAME, F_MINUTES_PLAYED, F_SECONDS, F_EFG, F_TS, F_USAGE, F_IS_ACTIVE,
	F_STATUS, F_IS_DNP, F_DNP_REASON, F_DNP_CAT, F_STARTER, F_WIN, F_TEAM_PTS, F_OPP_PTS,
	F_LINE, F_LINE_SOURCE, F_OVER_UNDER, F_MARGIN,
	F_PRIMARY, F_SOURCES, F_TIER, F_ISSUES, F_REGISTRY, F_DATA_HASH, F_PROCESSED_AT, NF
};
static const char *const field_names[NF] = {
	"player_lookup", "universal_player_id", "player_full_name", "game_id", "game_date",
	"season_year", "game_type", "team_abbr", "opponent_team_abbr", "home_game",
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
};

#define TEAM_SECONDS_FULL (240L * 60L)
#define LOOKUP_CAP 256
#define HASH_PLACEHOLDER "0000000000000000"

/* One accepted raw row; strings are borrowed from row. */
struct raw {
	json_t *row;
	const char *game_id, *source, *lookup, *uid, *team, *status, *name;
	int rank;            /* index of source in --prefer, or nprefer when not listed */
	int has_secs;
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
	int has_secs;
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

struct pgs_summary {
	const char **prefer;
	size_t nprefer;
	char processed_at[32];
	const pgs_lines *lines;
	int field_pos[NF];                 /* schema index of each F_ */
	int stat_pos[NSTAT];               /* schema index of each stat */
	pgs_map known;                     /* field names this stage consumes or writes */

	struct raw *rows;
	size_t nrows, caprows;
	struct group *groups;
	size_t ngroups, capgroups;
	struct team *teams;
	size_t nteams, capteams;
	pgs_map by_key;                    /* group number of a group key (group_key()) */
	pgs_map by_src;                    /* (group key, source) pairs seen: duplicates */
	pgs_buf key;                       /* scratch for building those keys */
	json_t *out;                       /* the output row, reused: keys stay, values change */
	const char **extra_keys;           /* passed-through keys to take out of it again */
	size_t nextra, capextra;
	pgs_buf text;                      /* the output row's JSON, reused */
};

/* ---- set-up ---- */

static int
known_has(const pgs_summary *s, const char *name)
{
	return pgs_map_has(&s->known, name);
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

	for (size_t i = 0; i < pgs_raw_nfields; i++)
		pgs_map_add(&s->known, pgs_raw_fields[i].name);
	for (size_t i = 0; i < pgs_summary_nfields; i++)
		pgs_map_add(&s->known, pgs_summary_fields[i].name);
	/* every summary field in schema order, once: later rows only swap values */
	s->out = json_object();
	for (size_t i = 0; i < pgs_summary_nfields; i++)
		json_object_set_new(s->out, pgs_summary_fields[i].name, json_null());
	json_object_set_new(s->out, "data_hash", json_string(HASH_PLACEHOLDER));
	json_object_set_new(s->out, "processed_at", json_string(s->processed_at));
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
	pgs_map_free(&s->by_key, NULL);
	pgs_map_free(&s->by_src, NULL);
	pgs_buf_free(&s->key);
	free(s->rows);
	free(s->groups);
	free(s->teams);
	json_decref(s->out);
	free(s->extra_keys);
	pgs_buf_free(&s->text);
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
		json_t *v = json_object_get(r->row, stat_names[i]);

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
	json_t *lk = json_object_get(r->row, "player_lookup");
	json_t *reg = json_object_get(r->row, "registry_status");
	char buf[LOOKUP_CAP];

	if (!lk || json_is_null(lk)) {
		if (pgs_player_lookup(r->name, buf, sizeof(buf)) <= 0)
			return pgs_fail(err, cap, "cannot normalize player name '%s'", r->name);
		json_object_set_new(r->row, "player_lookup", json_string(buf));
		if (!reg || json_is_null(reg))
			json_object_set_new(r->row, "registry_status", json_string("unresolved"));
		lk = json_object_get(r->row, "player_lookup");
	}
	r->lookup = json_string_value(lk);
	r->uid = json_string_value(json_object_get(r->row, "universal_player_id"));
	return 0;
}

static const char *
str(json_t *row, const char *name)
{
	return json_string_value(json_object_get(row, name));
}

/* 1 when row has a field this stage neither reads nor writes: it passes through. */
static int
has_extra(const pgs_summary *s, json_t *row)
{
	const char *k;
	json_t *v;

	json_object_foreach(row, k, v)
		if (!known_has(s, k))
			return 1;
	return 0;
}

/* The raw-row contract (pgs_raw_check, the same as pgs-extract's), then the values this stage uses. */
static int
check_row(pgs_summary *s, struct raw *r, char *err, size_t cap)
{
	json_t *row = r->row;

	if (pgs_raw_check(row, NULL, err, cap) < 0)
		return -1;
	r->game_id = str(row, "game_id");
	r->source = str(row, "source");
	r->team = str(row, "team_abbr");
	r->status = str(row, "player_status");
	r->name = str(row, "player_name");
	r->has_secs = pgs_parse_minutes(str(row, "minutes"), &r->secs) == PGS_MIN_OK;
	read_stats(r);
	if (read_identity(r, err, cap) < 0)
		return -1;
	r->rank = source_rank(s, r->source);
	r->extra = has_extra(s, row);
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
first_value(const pgs_summary *s, const struct group *g, const char *name)
{
	for (int i = g->head; i >= 0; i = s->rows[i].next) {
		json_t *v = json_object_get(s->rows[i].row, name);

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
	for (int i = g->head; i >= 0; i = s->rows[i].next) {
		const struct raw *r = &s->rows[i];

		if (r->has_secs) {
			if (!g->has_secs) {
				g->has_secs = 1;
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

static json_t *
opt_int(const struct group *g, int k)
{
	return g->has_stat >> k & 1 ? json_integer(g->stat[k]) : json_null();
}

static json_t *
opt_real(int defined, double x)
{
	return defined ? json_real(x) : json_null();
}

static json_t *
borrowed(json_t *v)
{
	return v ? json_incref(v) : json_null();
}

static void
setv(pgs_summary *s, int f, json_t *v)
{
	json_object_set_new(s->out, pgs_summary_fields[s->field_pos[f]].name, v);
}

/*
 * The player's line: the lookup of each of his rows in preference order (sources
 * may spell him differently), then, since books often drop "Jr."/"III", the same
 * names without a generational suffix.  NULL when none matches.
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
		if (pgs_player_lookup_nosuffix(s->rows[i].name, buf, sizeof(buf)) > 0 &&
		    strcmp(buf, s->rows[i].lookup) != 0 && (ln = pgs_lines_find(s->lines, date, buf)))
			return ln;
	return NULL;
}

/* Props fields: set on every row, the output object being reused. */
static void
fill_line(pgs_summary *s, const struct group *g, const char *date)
{
	const struct pgs_line *ln = NULL;
	double pts;

	/* a player who did not play, or whose points are unknown, has no result to grade */
	if (s->lines && g->active && (g->has_stat >> S_PTS & 1))
		ln = find_line(s, g, date);
	if (!ln) {
		setv(s, F_LINE, json_null());
		setv(s, F_LINE_SOURCE, json_null());
		setv(s, F_OVER_UNDER, json_null());
		setv(s, F_MARGIN, json_null());
		return;
	}
	pts = (double)g->stat[S_PTS];
	setv(s, F_LINE, json_real(ln->line));
	setv(s, F_LINE_SOURCE, json_string(ln->bookmaker));
	setv(s, F_OVER_UNDER, json_string(pts > ln->line ? "OVER" : pts < ln->line ? "UNDER" : "PUSH"));
	setv(s, F_MARGIN, json_real(pgs_round(pts - ln->line, 1)));
}

/* The values of every content field of player g, into the output row. */
static void
fill_values(pgs_summary *s, const struct group *g, const char *best_source)
{
	const struct raw *p = &s->rows[g->head];
	const struct team *t = &s->teams[g->team];
	const struct team *o = NULL;
	const char *opp = str(p->row, "opponent_team_abbr");
	const char *home = str(p->row, "home_team_abbr");
	const char *reason = NULL;
	unsigned issues = g->issues;
	json_t *seen, *iss, *reg, *uid;
	double x;
	int ok;

	for (size_t k = 0; k < s->nteams; k++)
		if (opp && strcmp(s->teams[k].abbr, opp) == 0)
			o = &s->teams[k];
	for (int i = 0; i < NSTAT; i++) {
		json_object_set_new(s->out, pgs_summary_fields[s->stat_pos[i]].name, opt_int(g, i));
	}
	uid = first_value(s, g, "universal_player_id");
	setv(s, F_LOOKUP, borrowed(json_object_get(p->row, "player_lookup")));
	setv(s, F_UID, borrowed(uid));
	setv(s, F_FULL_NAME, borrowed(json_object_get(p->row, "player_name")));
	setv(s, F_GAME_ID, borrowed(json_object_get(p->row, "game_id")));
	setv(s, F_GAME_DATE, borrowed(json_object_get(p->row, "game_date")));
	setv(s, F_SEASON, borrowed(json_object_get(p->row, "season_year")));
	setv(s, F_GAME_TYPE, borrowed(json_object_get(p->row, "game_type")));
	setv(s, F_TEAM, borrowed(json_object_get(p->row, "team_abbr")));
	setv(s, F_OPP, borrowed(json_object_get(p->row, "opponent_team_abbr")));
	setv(s, F_HOME_GAME, json_boolean(home && strcmp(home, p->team) == 0));
	setv(s, F_SECONDS, g->has_secs ? json_integer(g->secs) : json_null());
	setv(s, F_MINUTES_PLAYED, opt_real(g->has_secs, g->has_secs ? pgs_minutes_played(g->secs) : 0));

	ok = (g->has_stat >> S_FGM & 1) && (g->has_stat >> S_FG3M & 1) && (g->has_stat >> S_FGA & 1) &&
	    pgs_efg_pct(g->stat[S_FGM], g->stat[S_FG3M], g->stat[S_FGA], &x);
	setv(s, F_EFG, opt_real(ok, x));
	ok = (g->has_stat >> S_PTS & 1) && (g->has_stat >> S_FGA & 1) && (g->has_stat >> S_FTA & 1) &&
	    pgs_ts_pct(g->stat[S_PTS], g->stat[S_FGA], g->stat[S_FTA], &x);
	setv(s, F_TS, opt_real(ok, x));
	ok = g->has_secs && (g->has_stat >> S_FGA & 1) && (g->has_stat >> S_FTA & 1) &&
	    (g->has_stat >> S_TOV & 1) && !t->usage_missing && !t->secs_missing &&
	    pgs_usage_rate(g->stat[S_FGA], g->stat[S_FTA], g->stat[S_TOV], g->secs,
	        t->fga, t->fta, t->tov, t->secs, &x);
	setv(s, F_USAGE, opt_real(ok, x));
	if (ok && x > 100.0)
		issues |= PGS_ISSUE_USAGE_IMPLAUSIBLE;
	/* a team-level flaw, flagged where it matters: on the rows whose usage it feeds */
	if (g->active && !t->secs_missing && t->secs > 0 && t->secs < TEAM_SECONDS_FULL - 60)
		issues |= PGS_ISSUE_TEAM_MINUTES_SHORT;

	/* a reason belongs to a player who did not play, whichever source printed it */
	if (!g->active)
		reason = json_string_value(first_value(s, g, "dnp_reason"));
	setv(s, F_IS_ACTIVE, json_boolean(g->active));
	setv(s, F_STATUS, borrowed(json_object_get(p->row, "player_status")));
	setv(s, F_IS_DNP, json_boolean(!g->active));
	setv(s, F_DNP_REASON, reason ? json_string(reason) : json_null());
	if (g->active) {
		setv(s, F_DNP_CAT, json_null());
	} else {
		const char *cat = pgs_dnp_category(reason);

		setv(s, F_DNP_CAT, json_string(cat ? cat : "other"));
	}
	setv(s, F_STARTER, borrowed(first_value(s, g, "starter")));
	setv(s, F_TEAM_PTS, t->pts_missing ? json_null() : json_integer(t->pts));
	setv(s, F_OPP_PTS, !o || o->pts_missing ? json_null() : json_integer(o->pts));
	setv(s, F_WIN, !o || o->pts_missing || t->pts_missing ? json_null() :
	    json_boolean(t->pts > o->pts));
	fill_line(s, g, str(p->row, "game_date"));

	seen = json_array();
	for (int i = g->head; i >= 0; i = s->rows[i].next)
		json_array_append_new(seen, json_string(s->rows[i].source));
	reg = first_value(s, g, "registry_status");
	if (!uid || (json_is_string(reg) && strcmp(json_string_value(reg), "unresolved") == 0))
		issues |= PGS_ISSUE_UNRESOLVED_PLAYER;
	iss = json_array();
	for (size_t k = 0; k < sizeof(issue_codes) / sizeof(issue_codes[0]); k++)
		if (issues & issue_codes[k].bit)
			json_array_append_new(iss, json_string(issue_codes[k].code));
	setv(s, F_PRIMARY, borrowed(json_object_get(p->row, "source")));
	setv(s, F_SOURCES, seen);
	setv(s, F_TIER, json_string(strcmp(p->source, best_source) == 0 ? "gold" : "silver"));
	setv(s, F_ISSUES, iss);
	setv(s, F_REGISTRY, borrowed(reg));
}

/* Unknown fields of the player's rows pass through, the preferred source's first. */
static void
add_passthrough(pgs_summary *s, const struct group *g)
{
	for (int i = g->head; i >= 0; i = s->rows[i].next) {
		const char *k;
		json_t *v;

		if (!s->rows[i].extra)
			continue;
		json_object_foreach(s->rows[i].row, k, v) {
			if (known_has(s, k) || json_object_get(s->out, k))
				continue;
			json_object_set(s->out, k, v);
			if (s->nextra == s->capextra) {
				s->capextra = s->capextra ? 2 * s->capextra : 16;
				s->extra_keys = pgs_xrealloc(s->extra_keys, s->capextra * sizeof(*s->extra_keys));
			}
			s->extra_keys[s->nextra++] = k;
		}
	}
}

static const char hash_key[] = ",\"data_hash\":\"";

static int
emit_group(pgs_summary *s, const struct group *g, const char *best_source,
    pgs_summary_emit_fn emit, void *arg)
{
	char hash[17], *at;
	size_t n;
	int rc;

	fill_values(s, g, best_source);
	add_passthrough(s, g);
	pgs_buf_reset(&s->text);
	if (pgs_json_dump(&s->text, s->out) < 0) {
		rc = -1;   /* cannot happen: every real here is finite */
		goto out;
	}
	n = s->text.len;
	/*
	 * data_hash covers the content fields, which come first in schema order:
	 * the text before data_hash, closed with '}'.  Inside a JSON string every
	 * quote is escaped, so the first unescaped ,"data_hash":" is the boundary.
	 * The real hash then overwrites the placeholder in place: one dump per row.
	 */
	at = memmem(s->text.s, n, hash_key, sizeof(hash_key) - 1);
	if (!at || (size_t)(s->text.s + n - at) < sizeof(hash_key) - 1 + 16) {
		rc = -1;   /* cannot happen: data_hash is always in the row */
		goto out;
	}
	at[0] = '}';
	pgs_sha256_hex16(s->text.s, (size_t)(at - s->text.s) + 1, hash);
	at[0] = ',';
	memcpy(at + sizeof(hash_key) - 1, hash, 16);
	json_string_set(json_object_get(s->out, "data_hash"), hash);
	rc = emit(s->out, s->text.s, n, arg);
out:
	for (size_t i = 0; i < s->nextra; i++)
		json_object_del(s->out, s->extra_keys[i]);
	s->nextra = 0;
	json_string_set(json_object_get(s->out, "data_hash"), HASH_PLACEHOLDER);
	return rc;
}

long
pgs_summary_flush(pgs_summary *s, pgs_summary_emit_fn emit, void *arg)
{
	long out = 0;
	const struct raw *best = NULL;

	if (s->nrows == 0)
		return 0;
	merge_unresolved(s);
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
