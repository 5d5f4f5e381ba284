/* registry.c — the in-memory player registry and the resolution rules (see registry.h). */
#include "registry.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "hashmap.h"
#include "names.h"
#include "util.h"

/* ---- an arena for the registry's strings: freed all at once, no per-string bookkeeping ---- */

struct chunk {
	struct chunk *next;
	size_t used, cap;
	char data[];
};

struct arena {
	struct chunk *head;
};

static void *
arena_alloc(struct arena *a, size_t n)
{
	struct chunk *c = a->head;
	void *p;

	n = (n + 7) & ~(size_t)7;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > 60000 ? n : 60000;

		c = pgs_xmalloc(sizeof(*c) + cap);
		c->next = a->head;
		c->used = 0;
		c->cap = cap;
		a->head = c;
	}
	p = c->data + c->used;
	c->used += n;
	return p;
}

static char *
arena_strndup(struct arena *a, const char *s, size_t n)
{
	char *p = arena_alloc(a, n + 1);

	memcpy(p, s, n);
	p[n] = '\0';
	return p;
}

static char *
arena_strdup(struct arena *a, const char *s)
{
	return s ? arena_strndup(a, s, strlen(s)) : NULL;
}

static void
arena_free(struct arena *a)
{
	struct chunk *c, *next;

	for (c = a->head; c; c = next) {
		next = c->next;
		free(c);
	}
	a->head = NULL;
}

/* ---- the registry ---- */

struct sid {
	const char *source, *spid;
};

struct lk;

struct player {
	const char *uid, *name;
	const char *first_game;  /* the earliest game any run saw him in (game_id order), or NULL */
	int first_moved;         /* first_game moved earlier in this run: to be saved */
	struct lk *lk;
	const char *suffix;      /* generational suffix of the name ("jr", "ii"), "" when none;
	                            set when the player is put in the suffix-free index */
	struct sid *sids;        /* this player's ids, one per source normally */
	size_t nsids, capsids;
	int pending;             /* registered by this run, not yet in the store */
};

struct alias {
	struct lk *lk;           /* the alias lookup */
	const char *rule;        /* decided in this run: "suffix-insensitive" or "source-id" */
	const char *uid;         /* the target, once known */
	const char *target_uid;  /* aliases file: target given as a uid */
	struct lk *target_lk;    /* aliases file: target given as a name */
	const char *store_uid;   /* what the store says for this alias, if anything */
	int saved;
};

struct lk {
	const char *s;
	size_t len;
	struct player **players; /* registered players with this lookup */
	size_t nplayers, capplayers;
	struct alias *alias;
};

struct unres {
	struct pgs_unresolved u;
};

/* Players whose names are alike but for a generational suffix. */
struct nsx {
	struct player **players;
	size_t n, cap;
};

struct pgs_registry {
	struct arena a;
	pgs_map names;           /* display name -> struct lk, or a bad-name sentinel */
	pgs_map lookups;         /* lookup -> struct lk */
	pgs_map uids;            /* uid -> struct player */
	pgs_map sids;            /* "source\x1fspid" -> struct player */
	pgs_buf key;             /* scratch for composite keys */
	char *norm;              /* scratch for normalizing */
	size_t normcap;

	struct alias **file_aliases;
	size_t nfile_aliases, capfile_aliases;

	const char **triples;    /* new source ids: n × {source, spid, uid} */
	size_t ntriples, captriples;
	pgs_map unres_map;       /* "lookup\x1fsource" -> struct unres */
	struct unres **unres;
	size_t nunres, capunres;

	struct alias **decided;  /* aliases decided by a rule in this run, to be saved */
	size_t ndecided, capdecided;

	struct player **pending; /* players registered by this run, to be saved */
	size_t npending, cappending;

	/*
	 * Players of the store whose first game this run found to be earlier
	 * than the store says, and the dates of the games that were their first
	 * before: summary rows of those dates called them "new" and are stale.
	 */
	struct player **moved;
	size_t nmoved, capmoved;
	char (*stale_dates)[11]; /* every one of this run; those from stale_saved on not saved yet */
	size_t nstale_dates, capstale_dates, stale_saved;

	/*
	 * The run's context, for matching names that differ by a suffix: who was
	 * seen for which team in which season ("s\x1fTEAM\x1fSEASON\x1fUID"), in
	 * which team-game ("g\x1fGAME\x1fTEAM\x1fUID"), and which source listed
	 * each team-game ("G\x1fGAME\x1fTEAM").  Filled from the rows resolved so far.
	 */
	pgs_map ctx;
	/*
	 * The "g" and "G" entries live only while their game's rows stream by
	 * (input is grouped by game): a map and arena of their own, emptied when
	 * the game changes, so memory is bounded by one game, not by the input.
	 */
	pgs_map gctx;
	struct arena ga;
	char *cur_game;
	pgs_map nsx;             /* suffix-free lookup -> struct nsx; built on first need */
	int nsx_built;

	/*
	 * The "s" entries outlive the run: the store's player_team_seasons is
	 * loaded into ctx, and the ones this run adds wait here for the flush
	 * (n × {uid, team, season}), so a later run of one source alone still
	 * knows who played for a team in a season.
	 */
	const char **team_seasons;
	size_t nteam_seasons, capteam_seasons;

	long nplayers, nsids, naliases, nnames, registered, learned, suffix_matched, ambiguous;
	long game_spelling, box_matched, box_refused;
	long nts_known, nts_learned;
	long first_moved;
};

/* Sentinels for names that have no lookup. */
static struct lk bad_utf8, bad_empty;

#define GROW(arr, n, cap) do {                                              \
	if ((n) == (cap)) {                                                 \
		(cap) = (cap) ? 2 * (cap) : 8;                              \
		(arr) = pgs_xrealloc((arr), (cap) * sizeof(*(arr)));        \
	}                                                                   \
} while (0)

const char *
pgs_reg_status_name(enum pgs_reg_status s)
{
	switch (s) {
	case PGS_REG_RESOLVED:
		return "resolved";
	case PGS_REG_ALIAS:
		return "alias";
	case PGS_REG_NEW:
		return "new";
	case PGS_REG_UNRESOLVED:
		break;
	}
	return "unresolved";
}

pgs_registry *
pgs_registry_new(void)
{
	return pgs_xcalloc(1, sizeof(pgs_registry));
}

static void
free_players(pgs_registry *r)
{
	size_t pos;
	void *v;

	for (pos = 0; pgs_map_next(&r->uids, &pos, &v);)
		free(((struct player *)v)->sids);
	for (pos = 0; pgs_map_next(&r->lookups, &pos, &v);)
		free(((struct lk *)v)->players);
	for (pos = 0; pgs_map_next(&r->nsx, &pos, &v);)
		free(((struct nsx *)v)->players);
}

void
pgs_registry_free(pgs_registry *r)
{
	if (!r)
		return;
	free_players(r);
	pgs_map_free(&r->names, NULL);
	pgs_map_free(&r->lookups, NULL);
	pgs_map_free(&r->uids, NULL);
	pgs_map_free(&r->sids, NULL);
	pgs_map_free(&r->unres_map, NULL);
	pgs_map_free(&r->ctx, NULL);
	pgs_map_free(&r->gctx, NULL);
	arena_free(&r->ga);
	free(r->cur_game);
	pgs_map_free(&r->nsx, NULL);
	pgs_buf_free(&r->key);
	free(r->norm);
	free(r->file_aliases);
	free(r->triples);
	free(r->unres);
	free(r->decided);
	free(r->pending);
	free(r->moved);
	free(r->stale_dates);
	free(r->team_seasons);
	arena_free(&r->a);
	free(r);
}

/* The entry of lookup s (len bytes, not necessarily NUL-terminated there). */
static struct lk *
lk_get(pgs_registry *r, const char *s, size_t len, int create)
{
	struct lk *lk;

	if (s[len] != '\0') {
		pgs_buf_reset(&r->key);
		pgs_buf_add(&r->key, s, len);
		s = r->key.s;
	}
	if ((lk = pgs_map_get(&r->lookups, s)) != NULL || !create)
		return lk;
	lk = arena_alloc(&r->a, sizeof(*lk));
	memset(lk, 0, sizeof(*lk));
	lk->s = arena_strndup(&r->a, s, len);
	lk->len = len;
	pgs_map_put(&r->lookups, lk->s, lk);
	return lk;
}

static struct player *
player_get(const pgs_registry *r, const char *uid)
{
	return pgs_map_get(&r->uids, uid);
}

/* The lookup part of a uid: "marcuswilliams_002" -> "marcuswilliams". */
static size_t
uid_lookup_len(const char *uid)
{
	const char *us = strrchr(uid, '_');

	return us ? (size_t)(us - uid) : strlen(uid);
}

/* A target written as a uid rather than a name: [a-z0-9]+_[0-9]+. */
static int
uid_shaped(const char *s)
{
	const char *us = strrchr(s, '_');
	const char *p;

	if (!us || us == s || !us[1])
		return 0;
	for (p = s; p < us; p++)
		if (!islower((unsigned char)*p) && !isdigit((unsigned char)*p))
			return 0;
	for (p = us + 1; *p; p++)
		if (!isdigit((unsigned char)*p))
			return 0;
	return 1;
}

/* ---- the suffix-free index: "Kevin Knox II" and "Kevin Knox" side by side ---- */

/*
 * Normalize name twice into the scratch buffer: *full its lookup, *ns its
 * lookup without a generational suffix.  Returns 0, or -1 when the name does
 * not normalize (invalid UTF-8, nothing left).
 */
static int
split_suffix(pgs_registry *r, const char *name, char **full, char **ns)
{
	/* NFKD can expand a byte into 18 (see pgs_registry_lookup); two results */
	size_t half = 18 * strlen(name) + 16;

	if (2 * half > r->normcap) {
		free(r->norm);
		r->normcap = 2 * half;
		r->norm = pgs_xmalloc(r->normcap);
	}
	*full = r->norm;
	*ns = r->norm + half;
	if (pgs_player_lookup(name, *full, half) <= 0 ||
	    pgs_player_lookup_nosuffix(name, *ns, half) <= 0)
		return -1;
	return 0;
}

/* The suffix full has after ns ("jr" for "kellyoubrejr" after "kellyoubre"), or "". */
static const char *
suffix_of(const char *full, const char *ns)
{
	size_t n = strlen(ns);

	return strncmp(full, ns, n) == 0 ? full + n : "";
}

static void
nsx_index(pgs_registry *r, struct player *p)
{
	const char *key = p->lk->s;
	char *full, *ns;
	struct nsx *x;
	void **slot;
	int added;

	p->suffix = "";
	/* a player known only by uid has no name to split: his lookup stands as it is */
	if (p->name && split_suffix(r, p->name, &full, &ns) == 0) {
		key = ns;
		p->suffix = arena_strdup(&r->a, suffix_of(full, ns));
	}
	slot = pgs_map_slot(&r->nsx, key, &added);
	if (added) {
		x = arena_alloc(&r->a, sizeof(*x));
		memset(x, 0, sizeof(*x));
		*slot = x;
	}
	x = *slot;
	GROW(x->players, x->n, x->cap);
	x->players[x->n++] = p;
}

/* Built on first need, so a run whose names all match costs nothing for it. */
static void
nsx_build(pgs_registry *r)
{
	size_t pos;
	void *v;

	if (r->nsx_built)
		return;
	r->nsx_built = 1;
	for (pos = 0; pgs_map_next(&r->uids, &pos, &v);)
		nsx_index(r, v);
}

static struct player *
player_add(pgs_registry *r, const char *uid, const char *lookup, size_t lookuplen, const char *name)
{
	struct player *p = player_get(r, uid);
	struct lk *lk;

	if (p) {
		if (name && !p->name)
			p->name = arena_strdup(&r->a, name);
		return p;
	}
	p = arena_alloc(&r->a, sizeof(*p));
	memset(p, 0, sizeof(*p));
	p->uid = arena_strdup(&r->a, uid);
	p->name = arena_strdup(&r->a, name);
	lk = lk_get(r, lookup, lookuplen, 1);
	p->lk = lk;
	GROW(lk->players, lk->nplayers, lk->capplayers);
	lk->players[lk->nplayers++] = p;
	pgs_map_put(&r->uids, p->uid, p);
	r->nplayers++;
	if (r->nsx_built)
		nsx_index(r, p);
	return p;
}

void
pgs_registry_add_player(pgs_registry *r, const char *uid, const char *lookup, const char *name)
{
	if (!lookup || !*lookup)
		player_add(r, uid, uid, uid_lookup_len(uid), name);
	else
		player_add(r, uid, lookup, strlen(lookup), name);
}

static const char *
sid_key(pgs_registry *r, const char *source, const char *spid)
{
	pgs_buf_reset(&r->key);
	pgs_buf_adds(&r->key, source);
	pgs_buf_add(&r->key, "\x1f", 1);
	pgs_buf_adds(&r->key, spid);
	return r->key.s;
}

/* The id player p has for source, or NULL. */
static const char *
player_sid(const struct player *p, const char *source)
{
	size_t i;

	for (i = 0; i < p->nsids; i++)
		if (strcmp(p->sids[i].source, source) == 0)
			return p->sids[i].spid;
	return NULL;
}

/* Cache (source, spid) -> p; an id already known keeps its player. Returns 1 when new. */
static int
sid_add(pgs_registry *r, struct player *p, const char *source, const char *spid)
{
	int added;
	void **slot = pgs_map_slot(&r->sids, sid_key(r, source, spid), &added);
	struct sid s;

	if (!added)
		return 0;
	*slot = p;
	s.source = arena_strdup(&r->a, source);
	s.spid = arena_strdup(&r->a, spid);
	GROW(p->sids, p->nsids, p->capsids);
	p->sids[p->nsids++] = s;
	r->nsids++;
	return 1;
}

void
pgs_registry_add_source_id(pgs_registry *r, const char *source, const char *spid, const char *uid)
{
	struct player *p = player_get(r, uid);

	if (!p)   /* an id for a player the store did not list: its uid names the lookup */
		p = player_add(r, uid, uid, uid_lookup_len(uid), NULL);
	sid_add(r, p, source, spid);
}

void
pgs_registry_add_alias(pgs_registry *r, const char *alias_lookup, const char *uid)
{
	struct lk *lk = lk_get(r, alias_lookup, strlen(alias_lookup), 1);
	struct alias *a;

	if (lk->alias) {   /* the aliases file wins over the store */
		if (!lk->alias->store_uid)
			lk->alias->store_uid = arena_strdup(&r->a, uid);
		return;
	}
	a = arena_alloc(&r->a, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->lk = lk;
	a->uid = arena_strdup(&r->a, uid);
	a->store_uid = a->uid;
	a->saved = 1;
	lk->alias = a;
	r->naliases++;
}

/* ---- loading from the store ---- */

struct load_rec {
	char *a, *b, *c, *d;
};

struct load {
	struct load_rec *v[3];   /* players, source ids, aliases */
	size_t n[3], cap[3];
	pgs_registry *r;         /* team-seasons go straight into its context */
};

static int
load_push(struct load *l, int kind, const char *a, const char *b, const char *c)
{
	GROW(l->v[kind], l->n[kind], l->cap[kind]);
	l->v[kind][l->n[kind]++] = (struct load_rec){
		a ? pgs_xstrdup(a) : NULL, b ? pgs_xstrdup(b) : NULL, c ? pgs_xstrdup(c) : NULL, NULL
	};
	return 0;
}

static int
load_player(const char *uid, const char *lookup, const char *name, const char *first_game,
    void *arg)
{
	struct load *l = arg;

	if (!uid || load_push(l, 0, uid, lookup, name) < 0)
		return uid ? -1 : 0;
	l->v[0][l->n[0] - 1].d = first_game ? pgs_xstrdup(first_game) : NULL;
	return 0;
}

static int
load_source_id(const char *source, const char *spid, const char *uid, void *arg)
{
	return source && spid && uid ? load_push(arg, 1, source, spid, uid) : 0;
}

static int
load_alias(const char *alias_lookup, const char *uid, const char *rule, void *arg)
{
	return alias_lookup && uid ? load_push(arg, 2, alias_lookup, uid, NULL) : 0;
}

static int ctx_put(pgs_registry *r, char kind, const char *a, const char *b, const char *c);

static int
load_team_season(const char *uid, const char *team, int season, void *arg)
{
	struct load *l = arg;
	char buf[16];

	if (!uid || !*uid || !team || !*team || season <= 0)
		return 0;
	snprintf(buf, sizeof(buf), "%d", season);
	if (ctx_put(l->r, 's', team, buf, uid))
		l->r->nts_known++;
	return 0;
}

int
pgs_registry_load(pgs_registry *r, pgs_store *st)
{
	static const struct pgs_registry_cb cb = {
		load_player, load_source_id, load_alias, load_team_season
	};
	struct load l;
	size_t i;
	int k, ret;

	/* Collected first and built after, so the order the backend calls back in
	 * does not matter: an id or alias always finds its player. */
	memset(&l, 0, sizeof(l));
	l.r = r;
	ret = pgs_store_registry_load(st, &cb, &l);
	if (ret == 0) {
		for (i = 0; i < l.n[0]; i++) {
			pgs_registry_add_player(r, l.v[0][i].a, l.v[0][i].b, l.v[0][i].c);
			if (l.v[0][i].d)
				player_get(r, l.v[0][i].a)->first_game = arena_strdup(&r->a, l.v[0][i].d);
		}
		for (i = 0; i < l.n[1]; i++)
			pgs_registry_add_source_id(r, l.v[1][i].a, l.v[1][i].b, l.v[1][i].c);
		for (i = 0; i < l.n[2]; i++)
			pgs_registry_add_alias(r, l.v[2][i].a, l.v[2][i].b);
	}
	for (k = 0; k < 3; k++) {
		for (i = 0; i < l.n[k]; i++) {
			free(l.v[k][i].a);
			free(l.v[k][i].b);
			free(l.v[k][i].c);
			free(l.v[k][i].d);
		}
		free(l.v[k]);
	}
	return ret < 0 ? -1 : 0;
}

/* ---- names ---- */

const char *
pgs_registry_lookup(pgs_registry *r, const char *name, size_t len, const char **why)
{
	struct lk *lk;
	size_t need;
	int n;

	/* a NUL inside the name would cut the key short: such a name has no lookup */
	if (memchr(name, '\0', len)) {
		*why = "is not valid UTF-8 text";
		return NULL;
	}
	if ((lk = pgs_map_get(&r->names, name)) == NULL) {
		/* NFKD can expand a character into several letters; 18 bytes per
		 * input byte covers the longest compatibility decomposition. */
		need = 18 * len + 16;
		if (need > r->normcap) {
			free(r->norm);
			r->normcap = need;
			r->norm = pgs_xmalloc(need);
		}
		n = pgs_player_lookup(name, r->norm, r->normcap);
		if (n < 0)
			lk = &bad_utf8;
		else if (n == 0)
			lk = &bad_empty;
		else
			lk = lk_get(r, r->norm, (size_t)n, 1);
		pgs_map_put(&r->names, name, lk);
		r->nnames++;
	}
	if (lk == &bad_utf8 || lk == &bad_empty) {
		*why = lk == &bad_utf8 ? "is not valid UTF-8 text" : "has no letters or digits";
		return NULL;
	}
	return lk->s;
}

/* ---- the run's context ---- */

/* Key "KIND\x1fa\x1fb[\x1fc]" in r->key. */
static const char *
ctx_key(pgs_registry *r, char kind, const char *a, const char *b, const char *c)
{
	pgs_buf_reset(&r->key);
	pgs_buf_add(&r->key, &kind, 1);
	pgs_buf_add(&r->key, "\x1f", 1);
	pgs_buf_adds(&r->key, a);
	pgs_buf_add(&r->key, "\x1f", 1);
	pgs_buf_adds(&r->key, b);
	if (c) {
		pgs_buf_add(&r->key, "\x1f", 1);
		pgs_buf_adds(&r->key, c);
	}
	return r->key.s;
}

/* Game-scoped kinds go to the per-game map. */
static pgs_map *
ctx_map(pgs_registry *r, char kind)
{
	return kind == 'g' || kind == 'G' ? &r->gctx : &r->ctx;
}

/* A row of another game: forget the previous game's context. */
static void
ctx_enter_game(pgs_registry *r, const char *game)
{
	if (!game || !*game || (r->cur_game && strcmp(r->cur_game, game) == 0))
		return;
	pgs_map_clear(&r->gctx, NULL);
	arena_free(&r->ga);
	free(r->cur_game);
	r->cur_game = pgs_xstrdup(game);
}

static int
ctx_has(pgs_registry *r, char kind, const char *a, const char *b, const char *c)
{
	return pgs_map_has(ctx_map(r, kind), ctx_key(r, kind, a, b, c));
}

/* Returns 1 when the entry is new. */
static int
ctx_put(pgs_registry *r, char kind, const char *a, const char *b, const char *c)
{
	return pgs_map_add(ctx_map(r, kind), ctx_key(r, kind, a, b, c));
}

/* Value of a "G" entry listed by several sources. */
static const char several_sources[] = "";

/*
 * Remember which source listed a team-game: its roster restricts rule 3b
 * only for rows of another source, since a source's own rows say nothing
 * about who it failed to match.
 */
static void
ctx_game(pgs_registry *r, const char *game, const char *team, const char *source)
{
	int added;
	void **slot = pgs_map_slot(&r->gctx, ctx_key(r, 'G', game, team, NULL), &added);

	if (added)
		*slot = arena_strdup(&r->ga, source);
	else if (*slot != several_sources && strcmp(*slot, source) != 0)
		*slot = (void *)several_sources;
}

/* 1 when a source other than source listed the team-game. */
static int
ctx_game_known(pgs_registry *r, const char *game, const char *team, const char *source)
{
	const char *v = pgs_map_get(&r->gctx, ctx_key(r, 'G', game, team, NULL));

	return v && (v == several_sources || strcmp(v, source) != 0);
}

/* Remember that uid played for the row's team, in its season and its game;
 * a team-season new to the store is queued for the next flush. */
static void
ctx_note(pgs_registry *r, const struct pgs_reg_context *ctx, const char *source, const char *uid)
{
	char season[16];

	if (!ctx || !ctx->team_abbr || !*ctx->team_abbr)
		return;
	if (ctx->season_year > 0) {
		snprintf(season, sizeof(season), "%d", ctx->season_year);
		if (uid && ctx_put(r, 's', ctx->team_abbr, season, uid)) {
			/* uid is registry-owned already; the row's strings are not */
			if (r->nteam_seasons + 3 > r->capteam_seasons) {
				r->capteam_seasons = r->capteam_seasons ? 2 * r->capteam_seasons : 3 * 256;
				r->team_seasons = pgs_xrealloc(r->team_seasons,
				    r->capteam_seasons * sizeof(*r->team_seasons));
			}
			r->team_seasons[r->nteam_seasons++] = uid;
			r->team_seasons[r->nteam_seasons++] = arena_strdup(&r->a, ctx->team_abbr);
			r->team_seasons[r->nteam_seasons++] = arena_strdup(&r->a, season);
			r->nts_known++;
			r->nts_learned++;
		}
	}
	if (ctx->game_id && *ctx->game_id) {
		ctx_put(r, 'g', ctx->game_id, ctx->team_abbr, uid);
		ctx_game(r, ctx->game_id, ctx->team_abbr, source ? source : "");
	}
}

/* ---- resolution ---- */

/* Remember a source id seen for p, to be written at the next flush. */
static void
learn(pgs_registry *r, struct player *p, const char *source, const char *spid)
{
	const struct sid *s;

	if (!sid_add(r, p, source, spid))
		return;
	s = &p->sids[p->nsids - 1];
	if (r->ntriples + 3 > r->captriples) {
		r->captriples = r->captriples ? 2 * r->captriples : 3 * 256;
		r->triples = pgs_xrealloc(r->triples, r->captriples * sizeof(*r->triples));
	}
	r->triples[r->ntriples++] = s->source;
	r->triples[r->ntriples++] = s->spid;
	r->triples[r->ntriples++] = p->uid;
	r->learned++;
}

/*
 * 1 when a word of name is a bare initial ("J. Butler"): a source id vouches
 * for its own row, but as an alias for every source the spelling could be
 * Jimmy or Jared.
 */
static int
initialed(pgs_registry *r, const char *name)
{
	char word[64], *full, *ns;
	size_t n;

	for (;;) {
		name += strspn(name, " \t");
		if (!*name)
			return 0;
		n = strcspn(name, " \t");
		if (n < sizeof(word)) {
			memcpy(word, name, n);
			word[n] = '\0';
			if (split_suffix(r, word, &full, &ns) == 0 && strlen(full) == 1)
				return 1;
		}
		name += n;
	}
}

/*
 * Make lk an alias of p, decided by rule, so later rows of this spelling take
 * rule 2 and the store learns it at the next flush.  A spelling that already
 * is an alias (an aliases-file line whose target is not registered yet) keeps
 * it: the file is the user's word.
 */
static void
decide_alias(pgs_registry *r, struct lk *lk, const struct player *p, const char *rule)
{
	struct alias *a;

	if (lk->alias)
		return;
	a = arena_alloc(&r->a, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->lk = lk;
	a->uid = p->uid;
	a->rule = rule;
	lk->alias = a;
	r->naliases++;
	GROW(r->decided, r->ndecided, r->capdecided);
	r->decided[r->ndecided++] = a;
}

/* The target of an alias, resolving a file alias's target once its player is known. */
static const char *
alias_uid(pgs_registry *r, struct alias *a)
{
	struct player *p;

	if (a->uid)
		return a->uid;
	if (a->target_uid) {
		if ((p = player_get(r, a->target_uid)) != NULL)
			a->uid = p->uid;
	} else if (a->target_lk && a->target_lk->nplayers == 1)
		a->uid = a->target_lk->players[0]->uid;
	return a->uid;
}

/*
 * The suffix rule: the player whose name equals the row's but for a
 * generational suffix ("Kevin Knox II" / "Kevin Knox"), when he is the only
 * one of that suffix-free name among the players this run saw for the row's
 * team-game (when another source listed that team-game), else for the row's
 * team in the row's season.  A player with another id of the row's source
 * is someone else and does not count.  Several (a father and son on one
 * team): NULL with *ambiguous set, which must not be guessed.  One, but
 * with a different suffix (Sr. / Jr.): NULL, he is someone else.
 */
static struct player *
suffix_match(pgs_registry *r, const char *name, const char *source, const char *spid,
    const struct pgs_reg_context *ctx, int *ambiguous)
{
	struct player *p, *found = NULL;
	const char *suffix, *have, *team;
	char *full, *ns, season[16];
	struct nsx *x;
	size_t i;
	int by_game;

	*ambiguous = 0;
	if (!ctx || !ctx->team_abbr || !*ctx->team_abbr || !name)
		return NULL;
	team = ctx->team_abbr;
	by_game = ctx->game_id && *ctx->game_id &&
	    ctx_game_known(r, ctx->game_id, team, source ? source : "");
	if (!by_game && ctx->season_year <= 0)
		return NULL;
	snprintf(season, sizeof(season), "%d", ctx->season_year);
	nsx_build(r);
	if (split_suffix(r, name, &full, &ns) < 0)
		return NULL;
	suffix = suffix_of(full, ns);
	if ((x = pgs_map_get(&r->nsx, ns)) == NULL)
		return NULL;
	for (i = 0; i < x->n; i++) {
		p = x->players[i];
		if (source && spid && (have = player_sid(p, source)) != NULL && strcmp(have, spid) != 0)
			continue;
		if (by_game ? !ctx_has(r, 'g', ctx->game_id, team, p->uid)
		    : !ctx_has(r, 's', team, season, p->uid))
			continue;
		/* two of one name on the team: which one is meant, no rule can say */
		if (found && found != p) {
			*ambiguous = 1;
			return NULL;
		}
		found = p;
	}
	/* "Sr." is not "Jr.": the one of that name on the team is someone else */
	if (found && *suffix && *found->suffix && strcmp(suffix, found->suffix) != 0)
		return NULL;
	return found;
}

static void
set(struct pgs_resolution *res, const struct player *p, const struct lk *lk)
{
	res->uid = p->uid;
	res->status = p->lk == lk ? PGS_REG_RESOLVED : PGS_REG_ALIAS;
}

/*
 * Rule 4: a player nobody has under this spelling, or a namesake the
 * source's id says is someone else.  Among namesakes that no id tells
 * apart, the first is him.  A new player gets lookup_001, or the next
 * number free, and waits in the cache for the flush: registering a batch
 * costs one store round trip, not one per player.  The number depends only
 * on the players known and the order rows arrive in, so a run in date
 * order numbers namesakes the same way every time.
 */
static void
register_player(pgs_registry *r, struct lk *lk, const char *name, const char *source,
    const char *spid, const char *game_id, struct pgs_resolution *res)
{
	struct player *p = NULL;
	const char *have;
	char *uid = NULL;
	int conflict = 0;

	for (size_t i = 0; i < lk->nplayers && source && spid; i++)
		if ((have = player_sid(lk->players[i], source)) && strcmp(have, spid) != 0)
			conflict = 1;
	if (lk->nplayers > 0 && !conflict) {
		p = lk->players[0];
		if (source && spid && !player_sid(p, source))
			learn(r, p, source, spid);
		set(res, p, lk);
		return;
	}
	for (int k = 1; !uid; k++) {
		uid = pgs_xasprintf("%s_%03d", lk->s, k);
		if (player_get(r, uid)) {
			free(uid);
			uid = NULL;
		}
	}
	/* ids are keys other systems keep: never renumbered, so a namesake met out of
	 * date order keeps the number of the order he was met in; say so */
	for (size_t i = 0; i < lk->nplayers && game_id; i++)
		if (lk->players[i]->first_game && strcmp(lk->players[i]->first_game, game_id) > 0)
			pgs_warn("registry: %s (first game %s) is numbered after his namesake %s, whose"
			    " first game %s is later: ids are never renumbered, so a run in date order"
			    " would have numbered them the other way", uid, game_id, lk->players[i]->uid,
			    lk->players[i]->first_game);
	p = player_add(r, uid, lk->s, lk->len, name);
	free(uid);
	p->first_game = game_id ? arena_strdup(&r->a, game_id) : NULL;
	p->pending = 1;
	GROW(r->pending, r->npending, r->cappending);
	r->pending[r->npending++] = p;
	if (source && spid)
		learn(r, p, source, spid);
	r->registered++;
	res->uid = p->uid;
	res->status = PGS_REG_NEW;
}

/*
 * Rules 1 to 3b: the row's own spelling and id.  Returns 1 with res set when
 * one of them names the player; else 0, *ambiguous set when rule 3b found
 * several players the row could be.
 */
static int
by_spelling(pgs_registry *r, struct lk *lk, const char *name, const char *source,
    const char *spid, const struct pgs_reg_context *ctx, struct pgs_resolution *res,
    int *ambiguous)
{
	struct player *p;
	const char *uid, *have;

	*ambiguous = 0;
	/* 1: a known source id names the player, whatever the spelling */
	if (source && spid && (p = pgs_map_get(&r->sids, sid_key(r, source, spid))) != NULL) {
		set(res, p, lk);
		/* a spelling nobody else has: other sources may print it too */
		if (res->status == PGS_REG_ALIAS && lk->nplayers == 0 && !initialed(r, name))
			decide_alias(r, lk, p, "source-id");
		return 1;
	}
	/* 2: an alias, unless the row's own id says its player is someone else */
	if (lk->alias && (uid = alias_uid(r, lk->alias)) != NULL) {
		p = player_get(r, uid);
		if (!p || !source || !spid || (have = player_sid(p, source)) == NULL ||
		    strcmp(have, spid) == 0) {
			res->uid = uid;
			res->status = p && p->lk == lk ? PGS_REG_RESOLVED : PGS_REG_ALIAS;
			if (p && source && spid && !player_sid(p, source))
				learn(r, p, source, spid);
			return 1;
		}
	}
	/* 3: one player with this lookup, and not known under another id of this source */
	if (lk->nplayers == 1) {
		p = lk->players[0];
		have = source && spid ? player_sid(p, source) : NULL;
		if (!have || strcmp(have, spid) == 0) {
			if (source && spid && !have)
				learn(r, p, source, spid);
			set(res, p, lk);
			return 1;
		}
	}
	/* 3b: nobody has this lookup: the same name but for a suffix, seen for this team */
	if (lk->nplayers == 0) {
		if ((p = suffix_match(r, name, source, spid, ctx, ambiguous)) != NULL) {
			decide_alias(r, lk, p, "suffix-insensitive");
			if (source && spid && !player_sid(p, source))
				learn(r, p, source, spid);
			res->uid = p->uid;
			res->status = PGS_REG_ALIAS;
			r->suffix_matched++;
			return 1;
		}
	}
	return 0;
}

/* Where a row of a game stands while the game is resolved. */
enum { ROW_LEFT = 0, ROW_DONE };
/* How a leftover's partner was found (rules 6 and 7). */
enum { BY_NONE = 0, BY_SPELLING, BY_BOX_SCORE };

/* The date of a canonical game id (YYYYMMDD_…) into out; 0, or -1 when it has none. */
static int
game_date_of(const char *game_id, char out[11])
{
	for (int i = 0; i < 8; i++)
		if (game_id[i] < '0' || game_id[i] > '9')
			return -1;
	snprintf(out, 11, "%.4s-%.2s-%.2s", game_id, game_id + 4, game_id + 6);
	return 0;
}

/*
 * A row of p in game_id: the player's first game is the earliest game any
 * run saw him in, whatever order the runs came in (game ids begin with the
 * date, so their order is the games' order).  An earlier one than the
 * registry's replaces it, and the date of the old one is remembered: its
 * summary rows called him "new" and must be made again.
 */
static void
first_game_seen(pgs_registry *r, struct player *p, const char *game_id)
{
	char date[11];

	/* none known (a player an older pgs registered): it stays unknown, in every run alike */
	if (!p->first_game || strcmp(game_id, p->first_game) >= 0)
		return;
	if (!p->pending && game_date_of(p->first_game, date) == 0) {
		size_t i;

		for (i = 0; i < r->nstale_dates && strcmp(r->stale_dates[i], date) != 0; i++)
			;
		if (i == r->nstale_dates) {
			GROW(r->stale_dates, r->nstale_dates, r->capstale_dates);
			memcpy(r->stale_dates[r->nstale_dates++], date, 11);
		}
	}
	p->first_game = arena_strdup(&r->a, game_id);
	if (!p->pending && !p->first_moved) {
		p->first_moved = 1;
		GROW(r->moved, r->nmoved, r->capmoved);
		r->moved[r->nmoved++] = p;
	}
	r->first_moved++;
}

/*
 * A resolved row: "new" marks the rows of the player's first game (the
 * earliest any run saw him in), in every run (a rerun or a resumed batch must produce the same
 * rows as the run that first registered him); the row's player joins the
 * run's context; the row takes his canonical lookup and name.
 */
static void
row_done(pgs_registry *r, struct pgs_reg_row *w)
{
	const struct player *p = player_get(r, w->res.uid);

	w->state_ = ROW_DONE;
	if (p && w->ctx.game_id)
		first_game_seen(r, (struct player *)p, w->ctx.game_id);
	if (p && w->res.status == PGS_REG_RESOLVED && w->ctx.game_id && p->first_game &&
	    strcmp(p->first_game, w->ctx.game_id) == 0)
		w->res.status = PGS_REG_NEW;
	ctx_note(r, &w->ctx, w->source, w->res.uid);
	if (p) {
		w->res.lookup = p->lk->s;
		w->res.full_name = p->name;
	}
}

static int
spelled(pgs_registry *r, struct pgs_reg_row *w, int *ambiguous)
{
	struct lk *lk = lk_get(r, w->lookup, strlen(w->lookup), 1);

	w->res.lookup = lk->s;
	return by_spelling(r, lk, w->name, w->source, w->spid, &w->ctx, &w->res, ambiguous);
}

static int
same_team(const struct pgs_reg_row *a, const struct pgs_reg_row *b)
{
	return a->ctx.team_abbr && b->ctx.team_abbr && strcmp(a->ctx.team_abbr, b->ctx.team_abbr) == 0;
}

static int
same_source(const struct pgs_reg_row *a, const struct pgs_reg_row *b)
{
	return a->source && b->source ? strcmp(a->source, b->source) == 0 : a->source == b->source;
}

/* 1 when a row of w's source in w's team-game, other than w, is resolved to uid. */
static int
claimed(const struct pgs_reg_row *rows, size_t n, const struct pgs_reg_row *w, const char *uid)
{
	for (size_t k = 0; k < n; k++)
		if (&rows[k] != w && rows[k].state_ == ROW_DONE && rows[k].res.uid &&
		    same_source(&rows[k], w) && same_team(&rows[k], w) &&
		    strcmp(rows[k].res.uid, uid) == 0)
			return 1;
	return 0;
}

/*
 * 1 when row j (another source, the same team-game) may be leftover w's
 * partner: left over itself, or resolved to a player that no row of w's
 * source there has and that no id of w's source tells apart from w.
 */
static int
open_for(pgs_registry *r, const struct pgs_reg_row *rows, size_t n, const struct pgs_reg_row *w,
    const struct pgs_reg_row *j)
{
	const struct player *p;
	const char *have;

	if (j == w || same_source(j, w) || !same_team(j, w))
		return 0;
	if (j->state_ == ROW_LEFT)
		return 1;
	if (!j->res.uid || claimed(rows, n, w, j->res.uid))
		return 0;
	p = player_get(r, j->res.uid);
	return !(p && w->source && w->spid && (have = player_sid(p, w->source)) != NULL &&
	    strcmp(have, w->spid) != 0);
}

const char *const pgs_reg_line_fields[PGS_REG_NLINE] = {
	"points", "total_rebounds", "assists", "fg_makes", "fg_attempts", "three_pt_makes",
	"three_pt_attempts", "ft_makes", "ft_attempts", "steals", "blocks", "turnovers",
	"personal_fouls",
};

/* The fields rule 7 compares, as its alias rule records them. */
#define BOX_FIELDS "minutes,points,total_rebounds,assists,fg_makes,fg_attempts," \
	"three_pt_makes,three_pt_attempts,ft_makes,ft_attempts,steals,blocks,turnovers,personal_fouls"

/* A played line with every value known, not all zeros. */
static int
line_full(const struct pgs_reg_line *l)
{
	long sum = 0;

	if (!l->active || !l->has_secs || l->has != (1u << PGS_REG_NLINE) - 1)
		return 0;
	for (int k = 0; k < PGS_REG_NLINE; k++)
		sum |= l->stat[k];
	return sum != 0;
}

/*
 * Two full lines of one player: every stat equal, and the minutes within
 * what the two printings round away (whole minutes are rounded from the real
 * time, "MM:SS" cut to the second; two whole-minute printings must agree).
 */
static int
same_line(const struct pgs_reg_line *a, const struct pgs_reg_line *b)
{
	long d = a->secs > b->secs ? a->secs - b->secs : b->secs - a->secs;
	long slack = a->slack >= 30 && b->slack >= 30 ? 0 : (long)a->slack + b->slack;

	for (int k = 0; k < PGS_REG_NLINE; k++)
		if (a->stat[k] != b->stat[k])
			return 0;
	return d <= slack;
}

/* 1 when another row of w's source in its team-game has w's line: it tells nobody apart. */
static int
line_shared(const struct pgs_reg_row *rows, size_t n, const struct pgs_reg_row *w)
{
	for (size_t k = 0; k < n; k++)
		if (&rows[k] != w && same_source(&rows[k], w) && same_team(&rows[k], w) &&
		    line_full(&rows[k].line) && same_line(&rows[k].line, &w->line))
			return 1;
	return 0;
}

/* The uid a candidate row stands for, NULL for a leftover. */
static const char *
row_uid(const struct pgs_reg_row *j)
{
	return j->state_ == ROW_DONE ? j->res.uid : NULL;
}

/*
 * Rules 6 and 7 for leftover w: find the one row of another source in its
 * team-game that is the same player, and remember it in w->partner_.
 */
static void
find_partner(pgs_registry *r, struct pgs_reg_row *rows, size_t n, struct pgs_reg_row *w)
{
	const char *uid = NULL;
	int cand = -1, tie = 0;

	/* 6: the same spelling (lookups are interned: equal strings are one pointer) */
	for (size_t j = 0; j < n && !tie; j++) {
		if (rows[j].state_ != ROW_DONE || rows[j].lookup != w->lookup ||
		    !open_for(r, rows, n, w, &rows[j]))
			continue;
		if (cand < 0) {
			cand = (int)j;
			uid = rows[j].res.uid;
		} else if (strcmp(uid, rows[j].res.uid) != 0)
			tie = 1;
	}
	if (cand >= 0 && !tie) {
		w->partner_ = cand;
		w->how_ = BY_SPELLING;
		return;
	}
	/* 7: the same box score */
	if (!line_full(&w->line))
		return;
	cand = -1;
	tie = 0;
	for (size_t j = 0; j < n; j++) {
		if (!line_full(&rows[j].line) || !same_line(&w->line, &rows[j].line) ||
		    !open_for(r, rows, n, w, &rows[j]))
			continue;
		if (cand < 0)
			cand = (int)j;
		/* two sources' rows of one player count once; anything else is a tie */
		else if (!row_uid(&rows[cand]) || !row_uid(&rows[j]) ||
		    strcmp(row_uid(&rows[cand]), row_uid(&rows[j])) != 0)
			tie = 1;
	}
	if (cand < 0)
		return;
	if (tie || line_shared(rows, n, w) || line_shared(rows, n, &rows[cand])) {
		r->box_refused++;
		return;
	}
	w->partner_ = cand;
	w->how_ = BY_BOX_SCORE;
}

/* The box-score rule with its evidence: the game, the team, the sources, the fields. */
static const char *
box_rule(pgs_registry *r, const struct pgs_reg_row *w, const struct pgs_reg_row *partner)
{
	pgs_buf b = { 0 };
	const char *rule;

	pgs_buf_addf(&b, "box-score game=%s team=%s sources=%s,%s fields=" BOX_FIELDS,
	    w->ctx.game_id ? w->ctx.game_id : "", w->ctx.team_abbr ? w->ctx.team_abbr : "",
	    w->source ? w->source : "", partner->source ? partner->source : "");
	rule = arena_strdup(&r->a, b.s);
	pgs_buf_free(&b);
	return rule;
}

/* Leftover w takes its partner's player, if the partner has one by now.  Returns 1 when it did. */
static int
take_partner(pgs_registry *r, struct pgs_reg_row *rows, size_t n, struct pgs_reg_row *w)
{
	const struct pgs_reg_row *pt = w->partner_ >= 0 ? &rows[w->partner_] : NULL;
	struct player *p;
	struct lk *lk;

	if (!pt || pt->state_ != ROW_DONE || !pt->res.uid || claimed(rows, n, w, pt->res.uid) ||
	    (p = player_get(r, pt->res.uid)) == NULL)
		return 0;
	lk = lk_get(r, w->lookup, strlen(w->lookup), 1);
	set(&w->res, p, lk);
	if (w->source && w->spid && !player_sid(p, w->source))
		learn(r, p, w->source, w->spid);
	if (w->how_ == BY_SPELLING) {
		r->game_spelling++;
		return 1;
	}
	r->box_matched++;
	/* a spelling that could be someone else (an initial, a name 3b found twice) is not recorded */
	if (lk->nplayers == 0 && !w->ambiguous_ && !initialed(r, w->name))
		decide_alias(r, lk, p, box_rule(r, w, pt));
	return 1;
}

/* The last word on a leftover: its spelling again (the game may have taught
 * something since), its partner, registering, or unresolved. */
static void
settle(pgs_registry *r, struct pgs_reg_row *rows, size_t n, struct pgs_reg_row *w, int do_register)
{
	struct lk *lk;
	int ambiguous;

	if (spelled(r, w, &ambiguous) || take_partner(r, rows, n, w)) {
		row_done(r, w);
		return;
	}
	/* registering would make a third person of one of the two */
	if (ambiguous || w->ambiguous_) {
		r->ambiguous++;
		return;
	}
	if (!do_register)
		return;
	lk = lk_get(r, w->lookup, strlen(w->lookup), 1);
	register_player(r, lk, w->name, w->source, w->spid, w->ctx.game_id, &w->res);
	if (w->res.status == PGS_REG_NEW) {
		/* registered by this row: "new" already, the context and names as row_done gives them */
		w->state_ = ROW_DONE;
		ctx_note(r, &w->ctx, w->source, w->res.uid);
		w->res.lookup = lk->s;
		w->res.full_name = player_get(r, w->res.uid)->name;
		return;
	}
	row_done(r, w);
}

int
pgs_registry_resolve_game(pgs_registry *r, struct pgs_reg_row *rows, size_t n, int do_register)
{
	size_t i;
	int pass;

	for (i = 0; i < n; i++) {
		struct pgs_reg_row *w = &rows[i];

		w->res = (struct pgs_resolution){ w->lookup, NULL, NULL, PGS_REG_UNRESOLVED };
		if (w->source && !*w->source)
			w->source = NULL;
		if (w->spid && !*w->spid)
			w->spid = NULL;
		w->state_ = ROW_LEFT;
		w->partner_ = -1;
		w->how_ = BY_NONE;
		w->ambiguous_ = 0;
		ctx_enter_game(r, w->ctx.game_id);
	}
	/* by spelling first, each row on its own, in input order */
	for (i = 0; i < n; i++)
		if (spelled(r, &rows[i], &rows[i].ambiguous_))
			row_done(r, &rows[i]);
	/* then the leftovers by what the game's other sources say */
	for (i = 0; i < n; i++)
		if (rows[i].state_ == ROW_LEFT)
			find_partner(r, rows, n, &rows[i]);
	/* then the rest: rows with a source id first, so a new player is registered
	 * under the source that identifies him and the other spellings join him */
	for (pass = 0; pass < 2; pass++)
		for (i = 0; i < n; i++)
			if (rows[i].state_ == ROW_LEFT && (rows[i].spid != NULL) == (pass == 0))
				settle(r, rows, n, &rows[i], do_register);
	return 0;
}

/* ---- the unresolved queue and flushing ---- */

void
pgs_registry_queue_unresolved(pgs_registry *r, const struct pgs_unresolved *u)
{
	const char *src = u->source ? u->source : "";
	const char *k;
	struct unres *e;

	pgs_buf_reset(&r->key);
	pgs_buf_adds(&r->key, u->player_lookup);
	pgs_buf_add(&r->key, "\x1f", 1);
	pgs_buf_adds(&r->key, src);
	k = r->key.s;
	if ((e = pgs_map_get(&r->unres_map, k)) != NULL) {
		e->u.count += u->count > 0 ? u->count : 1;
		return;
	}
	e = arena_alloc(&r->a, sizeof(*e));
	e->u.player_lookup = arena_strdup(&r->a, u->player_lookup);
	e->u.player_name = arena_strdup(&r->a, u->player_name);
	e->u.source = arena_strdup(&r->a, u->source);
	e->u.team_abbr = arena_strdup(&r->a, u->team_abbr);
	e->u.game_id = arena_strdup(&r->a, u->game_id);
	e->u.game_date = arena_strdup(&r->a, u->game_date);
	e->u.count = u->count > 0 ? u->count : 1;
	pgs_map_put(&r->unres_map, k, e);
	GROW(r->unres, r->nunres, r->capunres);
	r->unres[r->nunres++] = e;
}

size_t
pgs_registry_pending(const pgs_registry *r)
{
	size_t n = r->npending + r->ntriples / 3 + r->nunres + r->ndecided + r->nteam_seasons / 3 +
	    r->nmoved;

	/* aliases from the file are saved once their target is known */
	for (size_t i = 0; i < r->nfile_aliases; i++)
		n += !r->file_aliases[i]->saved;
	return n;
}

int
pgs_registry_flush(pgs_registry *r, pgs_store *st)
{
	struct pgs_registry_batch b = { 0 };
	struct pgs_new_player *np;
	struct pgs_unresolved *u;
	struct pgs_alias_row *al;
	struct alias *a;
	const char **fg, **sd;
	size_t i, n = 0;
	int rc;

	np = pgs_xcalloc(r->npending + 1, sizeof(*np));
	for (i = 0; i < r->npending; i++)
		np[i] = (struct pgs_new_player){ r->pending[i]->uid, r->pending[i]->lk->s,
			r->pending[i]->name, r->pending[i]->first_game };
	u = pgs_xcalloc(r->nunres + 1, sizeof(*u));
	for (i = 0; i < r->nunres; i++)
		u[i] = r->unres[i]->u;
	/* aliases from the file whose target resolved, then those decided by a rule */
	al = pgs_xcalloc(r->nfile_aliases + r->ndecided + 1, sizeof(*al));
	for (i = 0; i < r->nfile_aliases; i++) {
		a = r->file_aliases[i];
		if (a->saved || !alias_uid(r, a))
			continue;
		if (!a->store_uid || strcmp(a->store_uid, a->uid) != 0)
			al[n++] = (struct pgs_alias_row){ a->lk->s, a->uid, "aliases-file" };
	}
	for (i = 0; i < r->ndecided; i++)
		al[n++] = (struct pgs_alias_row){ r->decided[i]->lk->s, r->decided[i]->uid,
			r->decided[i]->rule };
	b = (struct pgs_registry_batch){ np, r->npending, r->triples, r->ntriples / 3, al, n,
		u, r->nunres, r->team_seasons, r->nteam_seasons / 3, NULL, r->nmoved, NULL,
		r->nstale_dates - r->stale_saved };
	fg = pgs_xcalloc(2 * r->nmoved + 1, sizeof(*fg));
	for (i = 0; i < r->nmoved; i++) {
		fg[2 * i] = r->moved[i]->uid;
		fg[2 * i + 1] = r->moved[i]->first_game;
	}
	sd = pgs_xcalloc(r->nstale_dates + 1, sizeof(*sd));
	for (i = r->stale_saved; i < r->nstale_dates; i++)
		sd[i - r->stale_saved] = r->stale_dates[i];
	b.first_games = fg;
	b.stale_dates = sd;
	rc = pgs_store_registry_write(st, &b);
	free(fg);
	free(sd);
	free(np);
	free(u);
	free(al);
	if (rc == PGS_STORE_CONFLICT) {
		pgs_err("registry: another run registered some of these %zu new players at the same"
		    " time; nothing was written; run the batch again", r->npending);
		return -1;
	}
	if (rc < 0)
		return -1;
	/* written: nothing is pending any more */
	for (i = 0; i < r->npending; i++)
		r->pending[i]->pending = 0;
	r->npending = 0;
	for (i = 0; i < r->nmoved; i++)
		r->moved[i]->first_moved = 0;
	r->nmoved = 0;
	r->stale_saved = r->nstale_dates;
	r->ntriples = 0;
	r->nteam_seasons = 0;
	r->nunres = 0;
	pgs_map_clear(&r->unres_map, NULL);
	for (i = 0; i < r->nfile_aliases; i++)
		if (alias_uid(r, r->file_aliases[i]))
			r->file_aliases[i]->saved = 1;
	for (i = 0; i < r->ndecided; i++)
		r->decided[i]->saved = 1;
	r->ndecided = 0;
	return 0;
}

size_t
pgs_registry_nstale_dates(const pgs_registry *r)
{
	return r->nstale_dates;
}

const char *
pgs_registry_stale_date(const pgs_registry *r, size_t i)
{
	return i < r->nstale_dates ? r->stale_dates[i] : NULL;
}

void
pgs_registry_stats(const pgs_registry *r, struct pgs_registry_stats *s)
{
	s->players = r->nplayers;
	s->source_ids = r->nsids;
	s->aliases = r->naliases;
	s->names_cached = r->nnames;
	s->registered = r->registered;
	s->source_ids_learned = r->learned;
	s->suffix_matched = r->suffix_matched;
	s->ambiguous = r->ambiguous;
	s->game_spelling = r->game_spelling;
	s->box_matched = r->box_matched;
	s->box_refused = r->box_refused;
	s->team_seasons = r->nts_known;
	s->team_seasons_learned = r->nts_learned;
	s->first_games_moved = r->first_moved;
}

/* ---- the aliases file ---- */

/* Add one alias from the file; 0, or -1 with *why set. */
static int
file_alias(pgs_registry *r, const char *alias, const char *target, const char **why)
{
	char abuf[256], tbuf[256];
	int an, tn;
	struct lk *lk, *tlk = NULL;
	struct alias *a;

	an = pgs_player_lookup(alias, abuf, sizeof(abuf));
	if (an <= 0) {
		*why = an < 0 ? "alias is not valid UTF-8 or too long" : "alias has no letters or digits";
		return -1;
	}
	if (!uid_shaped(target)) {
		tn = pgs_player_lookup(target, tbuf, sizeof(tbuf));
		if (tn <= 0) {
			*why = tn < 0 ? "target is not valid UTF-8 or too long" : "target has no letters or digits";
			return -1;
		}
		if (strcmp(abuf, tbuf) == 0)
			return 0;   /* both spellings normalize alike: nothing to alias */
		tlk = lk_get(r, tbuf, (size_t)tn, 1);
	} else if (uid_lookup_len(target) == (size_t)an && strncmp(target, abuf, (size_t)an) == 0)
		return 0;   /* the alias is the uid's own lookup */
	lk = lk_get(r, abuf, (size_t)an, 1);
	if ((a = lk->alias) != NULL) {
		if ((tlk && a->target_lk == tlk) || (!tlk && a->target_uid && strcmp(a->target_uid, target) == 0))
			return 0;   /* the same line twice */
		*why = "alias given twice with different targets";
		return -1;
	}
	a = arena_alloc(&r->a, sizeof(*a));
	memset(a, 0, sizeof(*a));
	a->lk = lk;
	a->target_lk = tlk;
	a->target_uid = tlk ? NULL : arena_strdup(&r->a, target);
	lk->alias = a;
	GROW(r->file_aliases, r->nfile_aliases, r->capfile_aliases);
	r->file_aliases[r->nfile_aliases++] = a;
	r->naliases++;
	return 0;
}

int
pgs_registry_read_aliases(pgs_registry *r, const char *path)
{
	FILE *f = fopen(path, "r");
	char *line = NULL, *fld[3];
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int n, first = 1, ret = -2;
	const char *why, *err;

	if (!f) {
		pgs_err_errno("cannot open aliases file '%s'", path);
		return -1;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (line[strspn(line, " \t")] == '\0' || line[strspn(line, " \t")] == '#')
			continue;
		n = pgs_csv_splitx(line, (size_t)len, fld, 2, PGS_CSV_TRIM, &err);
		if (n < 0) {
			pgs_err("%s:%ld: %s", path, lineno, err);
			goto out;
		}
		if (n != 2) {
			pgs_err("%s:%ld: want 'alias,target', got %d field%s", path, lineno,
			    n, n == 1 ? "" : "s");
			goto out;
		}
		if (first && strcasecmp(fld[0], "alias") == 0 && strcasecmp(fld[1], "target") == 0) {
			first = 0;
			continue;
		}
		first = 0;
		if (file_alias(r, fld[0], fld[1], &why) < 0) {
			pgs_err("%s:%ld: bad alias '%s,%s': %s", path, lineno, fld[0], fld[1], why);
			goto out;
		}
	}
	if (ferror(f)) {
		pgs_err_errno("read error on aliases file '%s'", path);
		ret = -1;
		goto out;
	}
	ret = 0;
out:
	free(line);
	fclose(f);
	return ret;
}
