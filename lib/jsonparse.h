/*
 * jsonparse.h — a fast reader of one JSON text into a jansson tree.
 *
 * jansson's json_loadb() reads a character at a time through a stream
 * callback and a growing buffer; for the flat 0.6–1.1 KB rows pgs stages
 * exchange that is most of a stage's time.  pgs_json_loadb() reads the text
 * itself, in one pass over the bytes, and builds the same tree with
 * jansson's constructors.  It reads only a plain subset — objects, arrays,
 * strings without \u escapes, integers of up to 18 digits, decimals without
 * an exponent, true/false/null, nesting up to 64 levels, no key twice — and
 * hands anything else (every error included) to json_loadb() itself, so the
 * result and every error message are jansson's, byte for byte.
 * tests/fuzz/fuzz_jsonparse.c checks that the fast path and json_loadb()
 * agree on every text the fast path accepts.
 */
#ifndef PGS_JSONPARSE_H
#define PGS_JSONPARSE_H

#include <jansson.h>
#include <stddef.h>

/*
 * As json_loadb(buf, len, flags, err): a new reference, or NULL with err
 * filled.  buf need not be NUL-terminated.
 */
json_t *pgs_json_loadb(const char *buf, size_t len, size_t flags, json_error_t *err);

/*
 * The fast path alone: the tree, or NULL when the text is not in the subset
 * it reads (nothing is then left allocated).  Keys given twice are not in
 * the subset.  For the fuzz target and the benchmarks.
 */
json_t *pgs_json_fast(const char *buf, size_t len);

/*
 * Read the text of an object into obj, an object read from an earlier row
 * that nothing else holds (refcount 1), when the text has exactly obj's keys
 * in obj's order: values are set in place (a string, integer or real that
 * only obj holds) or replaced, and no key is hashed or allocated again.
 * The result is the tree pgs_json_fast() would build.  Returns 0, or -1
 * when the text is outside the subset, its keys differ, or obj is shared: obj
 * is then left half-read, to be dropped.
 */
int pgs_json_reread(json_t *obj, const char *buf, size_t len);

#endif
