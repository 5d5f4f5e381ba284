/* fuzz_schedule — pgs-extract's --games schedule reader (pgs_schedule_load, lib/formats.c),
 * plain or gzip (lib/ndjson.c's input layer). */
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	pgs_schedule *s;
	long days;

	fuzz_setup();
#ifndef FUZZ_KNOWN_BUGS
	/* known, reported: a schedule with no game passes NULL to qsort in pgs_schedule_load
	 * (tests/fuzz/known/schedule/); -DFUZZ_KNOWN_BUGS fuzzes that path again */
	{
		const uint8_t *nl = memchr(data, '\n', size);

		if (!(size > 2 && data[0] == 0x1f && data[1] == 0x8b) &&
		    (!nl || !memchr(nl + 1, ',', size - (size_t)(nl + 1 - data))))
			return 0;
	}
#endif
	s = pgs_schedule_new();
	if (pgs_schedule_load(s, fuzz_file(data, size)) == 0 && pgs_schedule_size(s) > 0)
		(void)pgs_schedule_date(s, "0022300061", &days);
	pgs_schedule_free(s);
	return 0;
}
