/* store.c — dispatch from the store interface to a backend by URI scheme. */
#include "store.h"

#include <string.h>

#include "util.h"

static const struct pgs_store_ops *const backends[] = {
	&pgs_store_sqlite_ops,
};

pgs_store *
pgs_store_open(const char *uri)
{
	size_t n;

	for (size_t i = 0; i < sizeof(backends) / sizeof(backends[0]); i++) {
		n = strlen(backends[i]->scheme);
		if (strncmp(uri, backends[i]->scheme, n) == 0 && uri[n] == ':')
			return backends[i]->open(uri);
	}
	pgs_err("unknown store '%.*s': want sqlite:PATH", (int)strcspn(uri, ":@/"), uri);
	return NULL;
}

void
pgs_store_close(pgs_store *st)
{
	if (st)
		st->ops->close(st);
}

pgs_writer *
pgs_store_write_begin(pgs_store *st, const struct pgs_write_opts *o)
{
	return st->ops->write_begin(st, o);
}

int
pgs_store_write_add(pgs_writer *w, json_t *row, char *why, size_t whylen)
{
	return w->st->ops->write_add(w, row, why, whylen);
}

int
pgs_store_write_commit(pgs_writer *w, const char *digest, struct pgs_write_stats *stats)
{
	return w->st->ops->write_commit(w, digest, stats);
}

void
pgs_store_write_abort(pgs_writer *w)
{
	if (w)
		w->st->ops->write_abort(w);
}

int
pgs_store_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(json_t *row, void *arg), void *arg)
{
	return st->ops->raw_read(st, from, to, source, fn, arg);
}

int
pgs_store_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const char *from, const char *to, long rows, void *arg), void *arg)
{
	return st->ops->ledger(st, table, from, to, fn, arg);
}

int
pgs_store_registry_load(pgs_store *st, const struct pgs_registry_cb *cb, void *arg)
{
	return st->ops->registry_load(st, cb, arg);
}

int
pgs_store_register_player(pgs_store *st, const char *lookup, const char *name,
    const char *source, const char *source_player_id, const char *game_id,
    char **uid, char **first_game_id, int *created)
{
	return st->ops->register_player(st, lookup, name, source, source_player_id, game_id,
	    uid, first_game_id, created);
}

int
pgs_store_add_source_ids(pgs_store *st, const char *const *triples, size_t n)
{
	return st->ops->add_source_ids(st, triples, n);
}

int
pgs_store_add_alias(pgs_store *st, const char *alias_lookup, const char *uid, const char *rule)
{
	return st->ops->add_alias(st, alias_lookup, uid, rule);
}

int
pgs_store_queue_unresolved(pgs_store *st, const struct pgs_unresolved *u, size_t n)
{
	return st->ops->queue_unresolved(st, u, n);
}

int
pgs_store_add_team_seasons(pgs_store *st, const char *const *triples, size_t n)
{
	if (!st->ops->add_team_seasons)
		return 0;
	return st->ops->add_team_seasons(st, triples, n);
}
