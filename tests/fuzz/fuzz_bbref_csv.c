/* fuzz_bbref_csv — the bbref-csv reader (lib/fmt_bbref_csv.c, lib/csv.c) on arbitrary lines. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgs_fmt_opts opts = { 0 };

	fuzz_feed(&pgs_fmt_bbref_csv, &opts, data, size);
	return 0;
}
