/* fuzz_minutes — pgs_parse_minutes and pgs_minutes_played (lib/minutes.c). */
#include "fuzz.h"
#include "minutes.h"
#include "rawcheck.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), back[32];
	long secs = -7, again = -7;
	int r = pgs_parse_minutes(s, &secs);

	FUZZ_ASSERT(r == PGS_MIN_OK || r == PGS_MIN_NULL || r == PGS_MIN_BAD);
	if (r == PGS_MIN_OK) {
		/* at most 6 digits a part: far below overflow, never negative */
		FUZZ_ASSERT(secs >= 0 && secs < 1000000L * 3600L + 3600L);
		FUZZ_ASSERT(pgs_minutes_played(secs) >= 0);
		/* the canonical M:SS of a result reads back as the same seconds */
		snprintf(back, sizeof(back), "%ld:%02ld", secs / 60, secs % 60);
		if (secs / 60 < 1000000) {
			FUZZ_ASSERT(pgs_parse_minutes(back, &again) == PGS_MIN_OK);
			FUZZ_ASSERT(again == secs);
		}
	} else {
		FUZZ_ASSERT(secs == -7);   /* left alone */
	}
	free(s);
	return 0;
}
