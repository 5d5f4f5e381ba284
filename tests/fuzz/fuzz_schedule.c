/* fuzz_schedule — pgs-extract's --games schedule reader (pgs_schedule_load, lib/formats.c),
 * plain or gzip (lib/ndjson.c's input layer). */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgs_schedule *s;
	long days;

	fuzz_setup();
	s = pgs_schedule_new();
	if (pgs_schedule_load(s, fuzz_file(data, size)) == 0 && pgs_schedule_size(s) > 0)
		(void)pgs_schedule_date(s, "0022300061", &days);
	pgs_schedule_free(s);
	return 0;
}
