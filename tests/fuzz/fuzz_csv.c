/* fuzz_csv — the CSV splitter and record reader (lib/csv.c): pgs_csv_splitx with and without
 * PGS_CSV_TRIM on the input as one line, then the input as lines through pgs_csv_push/next/end. */
#include "csv.h"
#include "fuzz.h"

static void
split(const uint8_t *data, size_t size, unsigned flags)
{
	char *line = pgs_xmalloc(size + 1), *f[16];
	const char *err = NULL;
	int n, i;

	memcpy(line, data, size);
	n = pgs_csv_splitx(line, size, f, 16, flags, &err);
	if (n < 0) {
		FUZZ_ASSERT(err != NULL);
	} else {
		FUZZ_ASSERT(n >= 1 && err == NULL);
		/* every field lies inside the buffer, NUL-terminated there */
		for (i = 0; i < n && i < 16; i++)
			FUZZ_ASSERT(f[i] >= line && f[i] + strlen(f[i]) <= line + size);
	}
	free(line);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgs_csv_rec c = { 0 };
	const uint8_t *p = data, *end = data + size, *nl;
	char why[256];
	long lineno = 0, seen = 0;
	int k;

	split(data, size, 0);
	split(data, size, PGS_CSV_TRIM);
	for (; p <= end; p = nl + 1) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		pgs_csv_push(&c, (const char *)p, (size_t)(nl - p), ++lineno);
		while ((k = pgs_csv_next(&c, why, sizeof(why))) != PGS_CSV_NONE) {
			FUZZ_ASSERT(k == PGS_CSV_ROW || k == PGS_CSV_HEADER || k == PGS_CSV_BAD);
			FUZZ_ASSERT(c.lineno >= 1 && c.text != NULL);
			FUZZ_ASSERT(k != PGS_CSV_HEADER || seen == 0);
			if (k == PGS_CSV_HEADER)
				c.ncols = c.nf;
			if (k == PGS_CSV_ROW)
				FUZZ_ASSERT(c.nf == c.ncols);
			seen++;
		}
		if (nl == end)
			break;
	}
	k = pgs_csv_end(&c, why, sizeof(why));
	FUZZ_ASSERT(k == PGS_CSV_NONE || k == PGS_CSV_BAD);
	pgs_csv_rec_free(&c);
	return 0;
}
