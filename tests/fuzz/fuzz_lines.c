/* fuzz_lines — pgs-transform's --lines file (pgs_lines_load, lib/lines.c), plain or gzip. */
#include "fuzz.h"
#include "lines.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const books[] = { "draftkings", "fanduel", "betmgm", "caesars" };
	struct pgs_lines_stats st;
	const struct pgs_line *ln;
	pgs_lines *l;

	fuzz_setup();
	l = pgs_lines_new(books, 4);
	if (pgs_lines_load(l, fuzz_file(data, size)) == 0) {
		pgs_lines_stats(l, &st);
		FUZZ_ASSERT(st.keys <= st.used && st.used <= st.read);
		if ((ln = pgs_lines_find(l, "2023-10-24", "nikolajokic")) != NULL)
			FUZZ_ASSERT(ln->bookmaker != NULL);
	}
	pgs_lines_free(l);
	return 0;
}
