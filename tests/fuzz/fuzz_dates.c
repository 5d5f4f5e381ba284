/* fuzz_dates — the date and timestamp parsers (lib/dates.c, pgs_timestamp_parse):
 * whatever parses formats back to itself. */
#include "dates.h"
#include "fuzz.h"
#include "lines.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), out[11];
	long d = 0, d2 = 0, y;
	long long us;
	int m, dd;

	if (pgs_date_parse(s, &d) == 0) {
		pgs_date_format(d, out);
		FUZZ_ASSERT(strcmp(out, s) == 0);
		pgs_civil_from_days(d, &y, &m, &dd);
		FUZZ_ASSERT(y >= 1900 && y <= 2199 && pgs_days_from_civil(y, m, dd) == d);
		FUZZ_ASSERT(pgs_season_year(d) == y || pgs_season_year(d) == y - 1);
	}
	if (pgs_date_parse_mdy(s, &d) == 0) {
		pgs_date_format(d, out);
		FUZZ_ASSERT(pgs_date_parse(out, &d2) == 0 && d2 == d);
	}
	if (pgs_date_parse_prefix(s, &d) == 0)
		FUZZ_ASSERT(strlen(s) >= 10);
	if (pgs_timestamp_parse(s, &us) == 0) {
		/* the date part is a real date; the offset moves it by at most a day */
		memcpy(out, s, 10);
		out[10] = '\0';
		FUZZ_ASSERT(pgs_date_parse(out, &d) == 0);
		FUZZ_ASSERT(us / 86400000000LL >= d - 2 && us / 86400000000LL <= d + 2);
	}
	/* day numbers far outside the calendar still format without overflowing the buffer */
	if (size >= sizeof(long)) {
		long any;

		memcpy(&any, data, sizeof(any));
		pgs_date_format(any, out);
		FUZZ_ASSERT(strlen(out) == 10);
	}
	free(s);
	return 0;
}
