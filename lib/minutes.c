/* minutes.c — minutes strings to seconds (see minutes.h). */
#include <stddef.h>

#include "minutes.h"

#define MAX_INT_DIGITS 6	/* 999999 minutes: far beyond any game, far below overflow */
#define MAX_FRAC_DIGITS 9	/* later digits cannot move a half-up rounding of seconds */

static int
is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' || c == '\f';
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Read 1..MAX_INT_DIGITS digits at *pp (before end) into *v. */
static int
read_int(const char **pp, const char *end, long long *v)
{
	const char *p = *pp;
	int n = 0;

	*v = 0;
	while (p < end && is_digit(*p)) {
		if (++n > MAX_INT_DIGITS)
			return -1;
		*v = *v * 10 + (*p++ - '0');
	}
	if (n == 0)
		return -1;
	*pp = p;
	return 0;
}

/* Read the digits after a decimal point: at least one, all digits up to the first
 * non-digit. Returns the first MAX_FRAC_DIGITS as num/den. */
static int
read_frac(const char **pp, const char *end, long long *num, long long *den)
{
	const char *p = *pp;
	int n = 0;

	*num = 0;
	*den = 1;
	while (p < end && is_digit(*p)) {
		if (n++ < MAX_FRAC_DIGITS) {
			*num = *num * 10 + (*p - '0');
			*den *= 10;
		}
		p++;
	}
	if (n == 0)
		return -1;
	*pp = p;
	return 0;
}

/* unit·num/den rounded half up (all values >= 0). */
static long long
scale_half_up(long long unit, long long num, long long den)
{
	long long x = unit * num;
	long long q = x / den, r = x % den;

	return 2 * r >= den ? q + 1 : q;
}

/* ISO 8601 duration limited to time parts: PT[nH][nM][n[.f]S], at least one part. */
static int
parse_iso(const char *p, const char *end, long *seconds)
{
	static const char units[] = "HMS";
	long long v, num, den, total = 0;
	int next = 0, seen_h = 0, seen_m = 0, k, any = 0;
	char u;

	if (end - p < 3 || (p[0] != 'P' && p[0] != 'p') || (p[1] != 'T' && p[1] != 't'))
		return PGS_MIN_BAD;
	p += 2;
	while (p < end) {
		if (read_int(&p, end, &v) < 0)
			return PGS_MIN_BAD;
		num = 0;
		den = 1;
		if (p < end && *p == '.') {
			p++;
			if (read_frac(&p, end, &num, &den) < 0)
				return PGS_MIN_BAD;
		}
		if (p == end)
			return PGS_MIN_BAD;
		u = *p++;
		if (u >= 'a' && u <= 'z')
			u = (char)(u - 'a' + 'A');
		for (k = next; k < 3 && units[k] != u; k++)
			;
		if (k == 3)	/* unknown designator, repeated, or out of order */
			return PGS_MIN_BAD;
		if (u != 'S' && den != 1)	/* only seconds may have a fraction */
			return PGS_MIN_BAD;
		if (u == 'H') {
			total += v * 3600;
			seen_h = 1;
		} else if (u == 'M') {
			if (seen_h && v >= 60)
				return PGS_MIN_BAD;
			total += v * 60;
			seen_m = 1;
		} else {
			if ((seen_h || seen_m) && v >= 60)
				return PGS_MIN_BAD;
			total += v + scale_half_up(1, num, den);
		}
		next = k + 1;
		any = 1;
	}
	if (!any)
		return PGS_MIN_BAD;
	*seconds = (long)total;
	return PGS_MIN_OK;
}

int
pgs_parse_minutes(const char *s, long *seconds)
{
	const char *p, *end;
	long long m, ss, num, den;

	if (s == NULL)
		return PGS_MIN_NULL;
	for (p = s; is_blank(*p); p++)
		;
	for (end = p; *end != '\0'; end++)
		;
	while (end > p && is_blank(end[-1]))
		end--;
	if (p == end)
		return PGS_MIN_NULL;
	if (*p == 'P' || *p == 'p')
		return parse_iso(p, end, seconds);

	if (read_int(&p, end, &m) < 0)
		return PGS_MIN_BAD;
	if (p == end) {				/* whole minutes: "38" */
		*seconds = (long)(m * 60);
		return PGS_MIN_OK;
	}
	if (*p == ':') {			/* "MM:SS" */
		p++;
		if (end - p != 2 || !is_digit(p[0]) || !is_digit(p[1]))
			return PGS_MIN_BAD;
		ss = (p[0] - '0') * 10 + (p[1] - '0');
		if (ss >= 60)
			return PGS_MIN_BAD;
		*seconds = (long)(m * 60 + ss);
		return PGS_MIN_OK;
	}
	if (*p == '.') {			/* decimal minutes: "36.5" */
		p++;
		if (read_frac(&p, end, &num, &den) < 0 || p != end)
			return PGS_MIN_BAD;
		*seconds = (long)(m * 60 + scale_half_up(60, num, den));
		return PGS_MIN_OK;
	}
	return PGS_MIN_BAD;
}

double
pgs_minutes_played(long seconds)
{
	/* tenths of a minute = seconds / 6, rounded half away from zero in integers so
	 * that no binary fraction can tip it. */
	long tenths = seconds >= 0 ? (seconds + 3) / 6 : (seconds - 3) / 6;

	return (double)tenths / 10.0;
}
