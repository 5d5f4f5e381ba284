/*
 * hashmap.h — the one hash map of pgs: string keys to pointer values, open
 * addressing with linear probing over a power-of-two table, FNV-1a
 * (hash.h) as the one hash function.  Keys are copied; values are the
 * caller's (the map never frees them unless given a free function).
 *
 * A zero-initialized pgs_map is empty and ready:
 *
 *	pgs_map seen = { 0 };
 *	if (pgs_map_add(&seen, game_id) == 0)   → was there already
 *	...
 *	pgs_map_free(&seen, NULL);
 *
 * A compound key is one string with a separator that cannot occur in its
 * parts (pgs_map_key() joins parts with '\x1f').  Memory: one slot per
 * key, at most half the table full; nothing here prints or exits except
 * through the checked allocators.
 */
#ifndef PGS_HASHMAP_H
#define PGS_HASHMAP_H

#include <stddef.h>
#include <stdint.h>

#include "util.h"

struct pgs_map_slot {
	char *key;          /* NULL: empty */
	uint32_t hash;
	void *value;
};

typedef struct pgs_map {
	struct pgs_map_slot *slot;
	size_t cap, n;      /* cap: 0 or a power of two */
} pgs_map;

/* The value of key, or NULL when key is absent (or its value is NULL). */
void *pgs_map_get(const pgs_map *m, const char *key);
/* The value slot of key, or NULL when key is absent.  Valid until the next insertion. */
void **pgs_map_find(const pgs_map *m, const char *key);
/* 1 when key is in the map. */
int pgs_map_has(const pgs_map *m, const char *key);
/*
 * The value slot of key, added with a NULL value when absent: *added (when
 * not NULL) says which.  The pointer is valid until the next insertion.
 */
void **pgs_map_slot(pgs_map *m, const char *key, int *added);
/* Set key to value.  Returns the value it replaced, or NULL. */
void *pgs_map_put(pgs_map *m, const char *key, void *value);
/* A set: add key.  Returns 1 when it was new, 0 when it was there already. */
int pgs_map_add(pgs_map *m, const char *key);
/* The number of keys. */
size_t pgs_map_size(const pgs_map *m);
/*
 * Walk every entry, in no particular order: start *pos at 0; returns the
 * next key (and its value in *value when not NULL), or NULL at the end.
 */
const char *pgs_map_next(const pgs_map *m, size_t *pos, void **value);
/* Remove every key (free_value, when not NULL, is called on each value); keep the table. */
void pgs_map_clear(pgs_map *m, void (*free_value)(void *));
/* Free everything; the map is empty and usable again afterwards. */
void pgs_map_free(pgs_map *m, void (*free_value)(void *));

/*
 * Integers as values (row numbers, counts): stored in the pointer, so no
 * allocation.  pgs_map_get_num() returns 0 and *v when key is there, else -1.
 */
static inline void
pgs_map_put_num(pgs_map *m, const char *key, long v)
{
	pgs_map_put(m, key, (void *)(intptr_t)v);
}

static inline int
pgs_map_get_num(const pgs_map *m, const char *key, long *v)
{
	void **p = pgs_map_find(m, key);

	if (!p)
		return -1;
	*v = (long)(intptr_t)*p;
	return 0;
}

/*
 * Build a compound key in b (reset first): the n parts joined by '\x1f'.
 * Returns b->s.  Any length: nothing is cut.  (Parts that themselves hold
 * '\x1f' could make two keys equal; ids and names from pgs rows do not.)
 */
const char *pgs_map_key(pgs_buf *b, int n, const char *const *parts);

#endif
