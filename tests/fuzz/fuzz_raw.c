/* fuzz_raw — the raw NDJSON reader (lib/fmt_raw.c): rows, end markers, truncation. */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgs_fmt_opts opts = { 0 };

	fuzz_feed(&pgs_fmt_raw, &opts, data, size);
	return 0;
}
