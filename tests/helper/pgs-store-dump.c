/*
 * pgs-store-dump — a test helper: print every row of a table of any store
 * as one compact JSON object per line with sorted keys, ordered by key, so
 * tests can compare what two stores hold without a store's own shell.
 *
 *   pgs-store-dump URI TABLE [COLUMN...]
 *
 * With COLUMNs, only those (in that order, as a JSON array per row).
 * Without, every column but the store's internals (row_digest, seq, id).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "store.h"
#include "util.h"

struct ctx {
	char **cols;
	int ncols;
};

static int
print_row(json_t *row, void *arg)
{
	struct ctx *c = arg;
	json_t *out;
	char *text;
	int r;

	if (c->ncols) {
		out = json_array();
		for (int i = 0; i < c->ncols; i++) {
			json_t *v = json_object_get(row, c->cols[i]);

			json_array_append(out, v ? v : json_null());
		}
	} else {
		out = json_copy(row);
		json_object_del(out, "row_digest");
		json_object_del(out, "seq");
		json_object_del(out, "id");
		/* a commit time: differs between stores and runs */
		json_object_del(out, "valid_from");
	}
	text = json_dumps(out, JSON_COMPACT | JSON_SORT_KEYS | JSON_REAL_PRECISION(15) |
	    JSON_ENCODE_ANY);
	json_decref(out);
	r = text && puts(text) >= 0 ? 0 : -1;
	free(text);
	return r;
}

int
main(int argc, char **argv)
{
	struct ctx c = { argv + 3, argc - 3 };
	pgs_store *st;
	int r;

	pgs_setprog(argv[0]);
	if (argc < 3) {
		fprintf(stderr, "usage: pgs-store-dump URI TABLE [COLUMN...]\n");
		return PGS_EXIT_USAGE;
	}
	if (!(st = pgs_store_open(argv[1], PGS_STORE_RO, NULL)))
		return PGS_EXIT_FAIL;
	r = pgs_store_table_read(st, argv[2], print_row, &c);
	pgs_store_close(st);
	if (pgs_close_stream(stdout, "stdout") < 0)
		r = -1;
	return r < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}
