/* fuzz_ndjson — the NDJSON row reader every filter stage uses (pgs_rows, lib/ndjson.c): gzip
 * detection and inflation, long lines, end markers and their row counts, and window markers
 * (an input whose first byte is odd is read as a window stream). */
#include "fuzz.h"
#include "ndjson.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *name = (char *)fuzz_file(data, size);
	pgs_rows *r;
	json_t *row;
	long n = 0;
	int got;

	fuzz_setup();
	r = pgs_rows_open(&name, 1);
	if (size > 0 && (data[0] & 1))
		pgs_rows_windows(r);
	while ((got = pgs_rows_next(r, &row)) > 0) {
		if (got == PGS_ROWS_WINDOW) {
			FUZZ_ASSERT(size > 0 && (data[0] & 1));
			FUZZ_ASSERT(json_is_string(json_object_get(row, "from")) &&
			    json_is_string(json_object_get(row, "to")) &&
			    json_is_integer(json_object_get(row, "rows")));
			json_decref(row);
			continue;
		}
		FUZZ_ASSERT(json_is_object(row) && pgs_rows_text(r) != NULL);
		json_decref(row);
		n++;
	}
	FUZZ_ASSERT(got == PGS_ROWS_END || got == PGS_ROWS_FATAL);
	FUZZ_ASSERT(pgs_rows_count(r) == n);
	pgs_rows_close(r);
	return 0;
}
