/* test_hashmap.c — lib/hashmap (the one hash map) and lib/contig (the one contiguity rule). */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "contig.h"
#include "hashmap.h"
#include "unit.h"

static void
test_map_basics(void)
{
	pgs_map m = { 0 };
	int added = -1;
	void **slot;

	CHECK(pgs_map_get(&m, "a") == NULL);	/* an empty map needs no set-up */
	CHECK(!pgs_map_has(&m, "a"));
	CHECK_INT(pgs_map_size(&m), 0);
	CHECK(pgs_map_put(&m, "a", "1") == NULL);
	CHECK_STR(pgs_map_get(&m, "a"), "1");
	CHECK_STR(pgs_map_put(&m, "a", "2"), "1");	/* replaced: the old value comes back */
	CHECK_STR(pgs_map_get(&m, "a"), "2");
	CHECK_INT(pgs_map_size(&m), 1);
	CHECK_INT(pgs_map_add(&m, "b"), 1);
	CHECK_INT(pgs_map_add(&m, "b"), 0);
	CHECK(pgs_map_has(&m, "b"));
	CHECK(pgs_map_get(&m, "b") == NULL);	/* a set member has a NULL value */
	CHECK(pgs_map_add(&m, "") == 1);	/* the empty key is a key */
	CHECK(pgs_map_has(&m, ""));
	slot = pgs_map_slot(&m, "c", &added);
	CHECK_INT(added, 1);
	*slot = "3";
	pgs_map_slot(&m, "c", &added);
	CHECK_INT(added, 0);
	CHECK_STR(pgs_map_get(&m, "c"), "3");
	CHECK_INT(pgs_map_size(&m), 4);
	pgs_map_clear(&m, NULL);
	CHECK_INT(pgs_map_size(&m), 0);
	CHECK(!pgs_map_has(&m, "a"));
	CHECK_INT(pgs_map_add(&m, "a"), 1);	/* usable after a clear */
	pgs_map_free(&m, NULL);
	CHECK_INT(pgs_map_size(&m), 0);
	CHECK_INT(pgs_map_add(&m, "a"), 1);	/* and after a free */
	pgs_map_free(&m, NULL);
}

static void
test_map_many(void)
{
	pgs_map m = { 0 };
	char key[32];
	long v, sum = 0, n = 0;
	size_t pos = 0;
	const char *k;
	void *val;
	int i, ok = 1;

	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "game-%d", i);
		pgs_map_put_num(&m, key, i);
	}
	CHECK_INT(pgs_map_size(&m), 20000);
	for (i = 0; i < 20000; i++) {
		snprintf(key, sizeof(key), "game-%d", i);
		ok &= pgs_map_get_num(&m, key, &v) == 0 && v == i;
	}
	CHECK(ok);
	CHECK_INT(pgs_map_get_num(&m, "game-20000", &v), -1);
	CHECK(m.n * 2 <= m.cap);	/* at most half full */
	while ((k = pgs_map_next(&m, &pos, &val)) != NULL) {
		sum += (long)(intptr_t)val;
		n++;
	}
	CHECK_INT(n, 20000);
	CHECK_INT(sum, 20000L * 19999 / 2);
	pgs_map_free(&m, NULL);
}

static int freed;

static void
count_free(void *p)
{
	freed++;
	free(p);
}

static void
test_map_values_and_keys(void)
{
	pgs_map m = { 0 };
	pgs_buf b = { 0 };
	const char *parts[3] = { "bbref", "BOS", NULL };
	char long_key[2000];

	pgs_map_put(&m, "x", pgs_xstrdup("owned"));
	pgs_map_put(&m, "y", pgs_xstrdup("owned too"));
	pgs_map_free(&m, count_free);
	CHECK_INT(freed, 2);

	/* compound keys of any length: the ~510-byte source that crashed pgs-extract */
	memset(long_key, 'x', sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 1] = '\0';
	parts[2] = long_key;
	CHECK_INT(pgs_map_add(&m, pgs_map_key(&b, 3, parts)), 1);
	CHECK_INT(strlen(b.s), strlen("bbref") + 1 + strlen("BOS") + 1 + sizeof(long_key) - 1);
	long_key[sizeof(long_key) - 2] = 'y';	/* differs only in its last byte */
	CHECK_INT(pgs_map_add(&m, pgs_map_key(&b, 3, parts)), 1);
	CHECK_INT(pgs_map_add(&m, pgs_map_key(&b, 3, parts)), 0);
	CHECK_STR(pgs_map_key(&b, 2, parts), "bbref\x1f" "BOS");
	CHECK_STR(pgs_map_key(&b, 0, parts), "");
	pgs_buf_free(&b);
	pgs_map_free(&m, NULL);
}

static void
test_contig(void)
{
	pgs_contig c = { 0 };
	char why[128] = "";

	CHECK(pgs_contig_current(&c) == NULL);
	CHECK_INT(pgs_contig_next(&c, "A", why, sizeof(why)), PGS_CONTIG_NEW);
	CHECK_INT(pgs_contig_next(&c, "A", why, sizeof(why)), PGS_CONTIG_SAME);
	CHECK_INT(pgs_contig_next(&c, "B", why, sizeof(why)), PGS_CONTIG_NEW);
	CHECK_INT(pgs_contig_next(&c, "A", why, sizeof(why)), PGS_CONTIG_BAD);
	CHECK_STR(why, "game 'A' is not contiguous: it ended earlier in the input");
	CHECK_STR(pgs_contig_current(&c), "B");	/* a bad row does not end the current game */
	CHECK_INT(pgs_contig_next(&c, "B", why, sizeof(why)), PGS_CONTIG_SAME);
	CHECK_INT(pgs_contig_next(&c, "C", why, sizeof(why)), PGS_CONTIG_NEW);
	CHECK_INT(pgs_contig_next(&c, "B", why, sizeof(why)), PGS_CONTIG_BAD);
	/* peek says what next would, and takes nothing: a rejected row ends no game */
	CHECK_INT(pgs_contig_peek(&c, "D", why, sizeof(why)), PGS_CONTIG_NEW);
	CHECK_STR(pgs_contig_current(&c), "C");
	CHECK_INT(pgs_contig_peek(&c, "C", why, sizeof(why)), PGS_CONTIG_SAME);
	CHECK_INT(pgs_contig_peek(&c, "A", why, sizeof(why)), PGS_CONTIG_BAD);
	CHECK_INT(pgs_contig_next(&c, "C", why, sizeof(why)), PGS_CONTIG_SAME);
	pgs_contig_free(&c);
}

int
main(void)
{
	test_map_basics();
	test_map_many();
	test_map_values_and_keys();
	test_contig();
	return unit_report();
}
