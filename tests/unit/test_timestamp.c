/* test_timestamp.c — pgs_timestamp_parse/format, the one ISO-8601 timestamp parser. */
#include <stdio.h>

#include "dates.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define S 1000000LL

static const struct {
	int line;
	const char *in;
	int ok;
	long long us;
} cases[] = {
	{ __LINE__, "1970-01-01T00:00:00Z", 0, 0 },
	{ __LINE__, "2024-01-10T18:00:00Z", 0, 1704909600LL * S },
	{ __LINE__, "2024-01-10T18:00:00.5Z", 0, 1704909600LL * S + 500000 },
	{ __LINE__, "2024-01-10T18:00:00.123456789Z", 0, 1704909600LL * S + 123456 },
	{ __LINE__, "2024-01-10T18:00:00+00:00", 0, 1704909600LL * S },
	{ __LINE__, "2024-01-10T18:00:00-00:00", 0, 1704909600LL * S },
	{ __LINE__, "2024-01-12T19:00:00-05:00", 0, 1705104000LL * S },	/* = 2024-01-13T00:00:00Z */
	{ __LINE__, "2024-01-13T05:30:00+05:30", 0, 1705104000LL * S },
	{ __LINE__, "2024-02-29T23:59:59Z", 0, 1709251199LL * S },
	{ __LINE__, "1900-01-01T00:00:00Z", 0, -2208988800LL * S },
	{ __LINE__, "1969-12-31T23:59:59.999999Z", 0, -1 },
	/* refused */
	{ __LINE__, "2024-01-10T18:00:00", -1, 0 },		/* no zone: a guess */
	{ __LINE__, "2024-01-10 18:00:00Z", -1, 0 },
	{ __LINE__, "2024-01-10t18:00:00Z", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00z", -1, 0 },
	{ __LINE__, "2024-01-10T18:00Z", -1, 0 },
	{ __LINE__, "2024-01-10T24:00:00Z", -1, 0 },
	{ __LINE__, "2024-01-10T18:60:00Z", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:60Z", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00.Z", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00,5Z", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00+0500", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00+05", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00+24:00", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00+05:60", -1, 0 },
	{ __LINE__, "2024-01-10T18:00:00Zjunk", -1, 0 },
	{ __LINE__, "2024-02-30T18:00:00Z", -1, 0 },
	{ __LINE__, "2024-01-10", -1, 0 },
	{ __LINE__, "yesterday", -1, 0 },
	{ __LINE__, "", -1, 0 },
	{ __LINE__, "1899-12-31T23:59:59Z", -1, 0 },
};

static void
test_parse(void)
{
	for (size_t i = 0; i < NELEM(cases); i++) {
		long long us = 42;
		int r = pgs_timestamp_parse(cases[i].in, &us);

		unit_int(__FILE__, cases[i].line, cases[i].in, r, cases[i].ok);
		unit_int(__FILE__, cases[i].line, cases[i].in, us, r == 0 ? cases[i].us : 42);
	}
}

static void
test_format(void)
{
	char out[21];
	long long us = 0;

	CHECK_INT(pgs_timestamp_format(0, out), 0);
	CHECK_STR(out, "1970-01-01T00:00:00Z");
	CHECK_INT(pgs_timestamp_format(1704909600LL * S + 999999, out), 0);
	CHECK_STR(out, "2024-01-10T18:00:00Z");	/* the fraction is dropped */
	CHECK_INT(pgs_timestamp_format(-1, out), 0);
	CHECK_STR(out, "1969-12-31T23:59:59Z");	/* rounded down, also before the epoch */
	CHECK_INT(pgs_timestamp_format(253402300799LL * S, out), 0);
	CHECK_STR(out, "9999-12-31T23:59:59Z");
	CHECK_INT(pgs_timestamp_format(253402300800LL * S, out), -1);	/* year 10000 */
	CHECK_INT(pgs_timestamp_format(-2208988801LL * S, out), -1);	/* 1899 */
	/* round trip */
	CHECK_INT(pgs_timestamp_parse("2023-10-24T23:30:00-04:00", &us), 0);
	CHECK_INT(pgs_timestamp_format(us, out), 0);
	CHECK_STR(out, "2023-10-25T03:30:00Z");
}

int
main(void)
{
	test_parse();
	test_format();
	return unit_report();
}
