/* fuzz_jsonparse — the fast JSON reader (lib/jsonparse.c) against jansson's json_loadb: whatever
 * the fast path accepts, jansson accepts too and reads into the same tree (types, values, key
 * order); pgs_json_loadb() and json_loadb() agree on every input, errors included.  An input
 * with a newline is also two rows: the second read into the first one's tree
 * (pgs_json_reread) must, when it succeeds, be the tree json_loadb makes of it.  A text that
 * pgs_json_is_dump() (lib/ndjson.c) vouches for is what pgs_json_dump() writes of its tree. */
#include "fuzz.h"
#include "jsonparse.h"
#include "ndjson.h"

/* Compact text with 17 digits: equal texts mean equal trees, key order and int/real kinds included. */
static char *
dump(json_t *v)
{
	return json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(17));
}

static void
same(json_t *a, json_t *b, const char *what)
{
	char *x = dump(a), *y = dump(b);

	if (!x || !y || strcmp(x, y) != 0 || !json_equal(a, b)) {
		fprintf(stderr, "%s: fast path and json_loadb differ:\n%s\n%s\n", what, x ? x : "?",
		    y ? y : "?");
		abort();
	}
	free(x);
	free(y);
}

static void
reread(const char *buf, size_t size)
{
	const char *nl = memchr(buf, '\n', size);
	json_t *tree, *ref;
	size_t n;

	if (!nl)
		return;
	n = (size_t)(nl - buf);
	if (!(tree = pgs_json_fast(buf, n)))
		return;
	if (pgs_json_reread(tree, nl + 1, size - n - 1) == 0) {
		ref = json_loadb(nl + 1, size - n - 1, JSON_REJECT_DUPLICATES, NULL);
		FUZZ_ASSERT(ref != NULL);
		same(tree, ref, "reread");
		json_decref(ref);
	}
	json_decref(tree);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	/* a copy of exactly size bytes: the reader must not look past len */
	char *buf = pgs_xmalloc(size ? size : 1);
	json_error_t e1, e2;
	json_t *fast, *ref, *got;
	size_t flags;

	memcpy(buf, data, size);
	for (int round = 0; round < 2; round++) {
		flags = round ? JSON_REJECT_DUPLICATES : 0;
		fast = pgs_json_fast(buf, size);
		ref = json_loadb(buf, size, flags, &e1);
		got = pgs_json_loadb(buf, size, flags, &e2);
		if (fast) {
			FUZZ_ASSERT(ref != NULL);
			same(fast, ref, "fast");
		}
		FUZZ_ASSERT(!ref == !got);
		if (ref)
			same(got, ref, "pgs_json_loadb");
		else
			FUZZ_ASSERT(strcmp(e1.text, e2.text) == 0 && e1.position == e2.position);
		if (ref && pgs_json_is_dump(buf, size, ref)) {
			pgs_buf b = { 0 };

			FUZZ_ASSERT(pgs_json_dump(&b, ref) == 0 && b.len == size && memcmp(b.s, buf, size) == 0);
			pgs_buf_free(&b);
		}
		json_decref(fast);
		json_decref(ref);
		json_decref(got);
	}
	reread(buf, size);
	free(buf);
	return 0;
}
