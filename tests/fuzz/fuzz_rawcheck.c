/* fuzz_rawcheck — pgs_raw_check (lib/rawcheck.c) on any JSON value (NUL in strings allowed, as a
 * row read back from a store could hold one); a row it accepts must also pass pgs-transform's
 * pgs_summary_add, and every summary row made from it must pass pgs_summary_check. */
#include "fuzz.h"
#include "summary.h"
#include "sumcheck.h"

static int
check_out(const char *line, size_t len, void *arg)
{
	json_t *row = json_loadb(line, len, JSON_REJECT_DUPLICATES, NULL);
	char why[256];

	(void)arg;
	if (!row || pgs_summary_check(row, why, sizeof(why)) < 0) {
		fprintf(stderr, "summary row of an accepted raw row fails its contract: %s\n",
		    row ? why : "not JSON");
		abort();
	}
	json_decref(row);
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static pgs_summary *s;
	static const char *const prefer[] = { "nbastats", "nbacom", "bbref" };
	struct pgs_summary_opts o = { prefer, 3, "2024-01-01T00:00:00Z", NULL };
	json_t *row = json_loadb((const char *)data, size, JSON_ALLOW_NUL | JSON_DECODE_ANY, NULL);
	char why[256];
	long days = -1;

	fuzz_setup();
	if (!s)
		s = pgs_summary_new(&o);
	if (!row)
		return 0;
	if (pgs_raw_check(row, &days, why, sizeof(why)) == 0) {
		FUZZ_ASSERT(days != -1);
		/* pgs-transform takes it: the two stages agree on the contract */
		if (pgs_summary_add(s, row, why, sizeof(why)) < 0) {
			fprintf(stderr, "pgs_raw_check accepts, pgs_summary_add rejects: %s\n", why);
			abort();
		}
		pgs_summary_flush(s, check_out, NULL);
	}
	json_decref(row);
	return 0;
}
