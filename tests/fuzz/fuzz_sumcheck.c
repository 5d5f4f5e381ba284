/* fuzz_sumcheck — pgs_summary_check (lib/sumcheck.c) on any JSON value. */
#include "fuzz.h"
#include "sumcheck.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	json_t *row = json_loadb((const char *)data, size, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
	char why[256];

	fuzz_setup();
	if (!row)
		return 0;
	if (pgs_summary_check(row, why, sizeof(why)) < 0)
		FUZZ_ASSERT(why[0] != '\0');
	json_decref(row);
	return 0;
}
