/* hashmap.c — string-keyed open-addressing hash map (see hashmap.h). */
#include "hashmap.h"

#include <stdlib.h>
#include <string.h>

#include "hash.h"

#define MIN_CAP 16

/* The slot of key: where it is, or the empty slot where it would go. */
static struct pgs_map_slot *
probe(const pgs_map *m, const char *key, uint32_t h)
{
	size_t mask = m->cap - 1, i;

	for (i = h & mask;; i = (i + 1) & mask) {
		struct pgs_map_slot *s = &m->slot[i];

		if (!s->key || (s->hash == h && strcmp(s->key, key) == 0))
			return s;
	}
}

/* Double the table (or make the first one) so one more key keeps it at most half full. */
static void
grow(pgs_map *m)
{
	struct pgs_map_slot *old = m->slot;
	size_t oldcap = m->cap, i;

	if (2 * (m->n + 1) <= m->cap)
		return;
	m->cap = m->cap ? 2 * m->cap : MIN_CAP;
	m->slot = pgs_xcalloc(m->cap, sizeof(*m->slot));
	for (i = 0; i < oldcap; i++)
		if (old[i].key)
			*probe(m, old[i].key, old[i].hash) = old[i];
	free(old);
}

void **
pgs_map_find(const pgs_map *m, const char *key)
{
	struct pgs_map_slot *s;

	if (m->n == 0)
		return NULL;
	s = probe(m, key, pgs_fnv1a(key, PGS_FNV1A_BASIS));
	return s->key ? &s->value : NULL;
}

void *
pgs_map_get(const pgs_map *m, const char *key)
{
	void **v = pgs_map_find(m, key);

	return v ? *v : NULL;
}

int
pgs_map_has(const pgs_map *m, const char *key)
{
	return pgs_map_find(m, key) != NULL;
}

void **
pgs_map_slot(pgs_map *m, const char *key, int *added)
{
	uint32_t h = pgs_fnv1a(key, PGS_FNV1A_BASIS);
	struct pgs_map_slot *s;

	if (m->cap) {
		s = probe(m, key, h);
		if (s->key) {
			if (added)
				*added = 0;
			return &s->value;
		}
	}
	grow(m);
	s = probe(m, key, h);
	s->key = pgs_xstrdup(key);
	s->hash = h;
	s->value = NULL;
	m->n++;
	if (added)
		*added = 1;
	return &s->value;
}

void *
pgs_map_put(pgs_map *m, const char *key, void *value)
{
	void **v = pgs_map_slot(m, key, NULL), *old = *v;

	*v = value;
	return old;
}

int
pgs_map_add(pgs_map *m, const char *key)
{
	int added;

	pgs_map_slot(m, key, &added);
	return added;
}

size_t
pgs_map_size(const pgs_map *m)
{
	return m->n;
}

const char *
pgs_map_next(const pgs_map *m, size_t *pos, void **value)
{
	for (; *pos < m->cap; (*pos)++) {
		const struct pgs_map_slot *s = &m->slot[*pos];

		if (s->key) {
			(*pos)++;
			if (value)
				*value = s->value;
			return s->key;
		}
	}
	return NULL;
}

void
pgs_map_clear(pgs_map *m, void (*free_value)(void *))
{
	size_t i;

	if (m->n == 0)
		return;
	for (i = 0; i < m->cap; i++) {
		if (!m->slot[i].key)
			continue;
		if (free_value)
			free_value(m->slot[i].value);
		free(m->slot[i].key);
		m->slot[i].key = NULL;
	}
	m->n = 0;
}

void
pgs_map_free(pgs_map *m, void (*free_value)(void *))
{
	pgs_map_clear(m, free_value);
	free(m->slot);
	m->slot = NULL;
	m->cap = 0;
}

const char *
pgs_map_key(pgs_buf *b, int n, const char *const *parts)
{
	int i;

	pgs_buf_reset(b);
	for (i = 0; i < n; i++) {
		if (i > 0)
			pgs_buf_add(b, "\x1f", 1);
		pgs_buf_adds(b, parts[i]);
	}
	if (!b->s)
		pgs_buf_add(b, "", 0);
	return b->s;
}
