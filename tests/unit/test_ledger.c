/* test_ledger.c — lib/ledger.c: which summary window makes a day, and when it is stale. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "ledger.h"
#include "unit.h"

static long
day(const char *s)
{
	long d = 0;

	pgs_date_parse(s, &d);
	return d;
}

static void
win(struct pgs_lwin *w, const char *from, const char *to, const char *started, const char *committed)
{
	memset(w, 0, sizeof(*w));
	w->a = day(from);
	w->b = day(to);
	snprintf(w->from, sizeof(w->from), "%s", from);
	snprintf(w->to, sizeof(w->to), "%s", to);
	snprintf(w->started, sizeof(w->started), "%s", started);
	snprintf(w->committed, sizeof(w->committed), "%s", committed);
}

int
main(void)
{
	struct pgs_lwin sum[3], raw[2];
	struct pgs_ledger l = { .sum = sum, .nsum = 3, .raw = raw, .nraw = 2 };
	long *latest;

	/* a week, then its Wednesday again (later), listed first: the latest commit makes a day */
	win(&sum[0], "2021-10-27", "2021-10-27", "2021-11-02T10:00:00Z", "2021-11-02T10:00:01Z");
	win(&sum[1], "2021-10-25", "2021-10-31", "2021-11-01T10:00:00Z", "2021-11-01T10:00:05Z");
	/* a window whose writer began before a landing committed and itself committed after */
	win(&sum[2], "2021-11-01", "2021-11-01", "2021-11-03T10:00:00Z", "2021-11-03T10:00:09Z");
	win(&raw[0], "2021-10-26", "2021-10-26", "2021-11-01T10:00:03Z", "2021-11-01T10:00:04Z");
	win(&raw[1], "2021-11-01", "2021-11-01", "2021-11-03T10:00:02Z", "2021-11-03T10:00:03Z");

	latest = pgs_ledger_latest(&l, day("2021-10-24"), day("2021-11-01"));
	CHECK_INT(latest[0], -1);                  /* 10-24: no window */
	CHECK_INT(latest[1], 1);
	CHECK_INT(latest[3], 0);                   /* 10-27: the later window */
	CHECK_INT(latest[8], 2);

	/* the week's writer began before 10-26 landed (committed while it ran): stale there only */
	CHECK_INT(pgs_ledger_newer_raw(&l, 1, day("2021-10-26"), day("2021-10-26")), 0);
	CHECK_INT(pgs_ledger_newer_raw(&l, 1, day("2021-10-25"), day("2021-10-25")), -1);
	CHECK_INT(pgs_ledger_judge(&l, 1), PGS_WIN_RAW_NEWER);
	CHECK_INT(pgs_ledger_judge(&l, 0), PGS_WIN_GOOD);
	/* committed after the landing, but began before it: stale (plan and validate alike) */
	CHECK_INT(pgs_ledger_judge(&l, 2), PGS_WIN_RAW_NEWER);
	CHECK_INT(pgs_ledger_newer_raw(&l, 2, day("2021-11-01"), day("2021-11-01")), 1);
	/* another configuration outranks the raw rows */
	sum[2].other_config = 1;
	CHECK_INT(pgs_ledger_judge(&l, 2), PGS_WIN_OTHER_CONFIG);
	free(latest);
	return unit_report();
}
