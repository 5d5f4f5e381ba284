/*
 * unit.h — a tiny assert harness for the lib/ unit tests.
 *
 * Every check counts one pass or one failure; a failure prints
 *   FAIL file:line: expr (got …, want …)
 * to stdout. unit_report() prints "N passed, M failed" and returns the exit status.
 * Table-driven tests pass the table row's line to the unit_* functions directly.
 * Header-only: the counters are static, so use it from one test file per binary.
 */
#ifndef PGS_UNIT_H
#define PGS_UNIT_H

#include <math.h>
#include <stdio.h>
#include <string.h>

static int unit_passed, unit_failed;

static inline void
unit_ok(int ok)
{
	if (ok)
		unit_passed++;
	else
		unit_failed++;
}

static inline void
unit_bool(const char *file, int line, const char *expr, int got)
{
	unit_ok(got);
	if (!got)
		printf("FAIL %s:%d: %s (got false, want true)\n", file, line, expr);
}

static inline void
unit_int(const char *file, int line, const char *expr, long long got, long long want)
{
	unit_ok(got == want);
	if (got != want)
		printf("FAIL %s:%d: %s (got %lld, want %lld)\n", file, line, expr, got, want);
}

/* Doubles here are rounded results, compared to the nearest double of a decimal literal. */
static inline void
unit_dbl(const char *file, int line, const char *expr, double got, double want)
{
	int ok = fabs(got - want) <= 1e-12 * (fabs(want) > 1 ? fabs(want) : 1);

	unit_ok(ok);
	if (!ok)
		printf("FAIL %s:%d: %s (got %.17g, want %.17g)\n", file, line, expr, got, want);
}

static inline void
unit_str(const char *file, int line, const char *expr, const char *got, const char *want)
{
	int ok = (got == NULL || want == NULL) ? got == want : strcmp(got, want) == 0;

	unit_ok(ok);
	if (!ok)
		printf("FAIL %s:%d: %s (got %s%s%s, want %s%s%s)\n", file, line, expr,
		    got ? "\"" : "", got ? got : "NULL", got ? "\"" : "",
		    want ? "\"" : "", want ? want : "NULL", want ? "\"" : "");
}

static inline int
unit_report(void)
{
	printf("%d passed, %d failed\n", unit_passed, unit_failed);
	return unit_failed > 0 ? 1 : 0;
}

#define CHECK(expr)            unit_bool(__FILE__, __LINE__, #expr, !!(expr))
#define CHECK_INT(got, want)   unit_int(__FILE__, __LINE__, #got, (long long)(got), (long long)(want))
#define CHECK_DBL(got, want)   unit_dbl(__FILE__, __LINE__, #got, (double)(got), (double)(want))
#define CHECK_STR(got, want)   unit_str(__FILE__, __LINE__, #got, (got), (want))

#endif
