/* dates.c — day numbers and the calendar (see dates.h).
 * The conversions are Howard Hinnant's days_from_civil / civil_from_days, exact for
 * the proleptic Gregorian calendar over any year a long can hold. */
#include <time.h>

#include "dates.h"

#include <stdio.h>

#define YEAR_MIN 1900
#define YEAR_MAX 2199

long
pgs_days_from_civil(long y, int m, int d)
{
	long era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153L * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468;
}

void
pgs_civil_from_days(long z, long *y, int *m, int *d)
{
	long era, doe, yoe, doy, mp;

	/* far outside any calendar a caller prints (±2.7 million years): clamp, so
	 * the arithmetic below cannot overflow; callers range-check the year */
	if (z > 1000000000L)
		z = 1000000000L;
	else if (z < -1000000000L)
		z = -1000000000L;
	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = z - era * 146097;
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = yoe + era * 400 + (*m <= 2);
}

static int
is_leap(long y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static int
days_in_month(long y, int m)
{
	static const int dim[] = { 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31 };

	return m == 2 && is_leap(y) ? 29 : dim[m - 1];
}

static int
check_ymd(long y, int m, int d, long *days)
{
	if (y < YEAR_MIN || y > YEAR_MAX || m < 1 || m > 12 || d < 1 || d > days_in_month(y, m))
		return -1;
	*days = pgs_days_from_civil(y, m, d);
	return 0;
}

static int
is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Exactly n digits at s; -1 when any is not a digit. */
static long
fixed_digits(const char *s, int n)
{
	long v = 0;
	int i;

	for (i = 0; i < n; i++) {
		if (!is_digit(s[i]))
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	return v;
}

/* The common "YYYY-MM-DD" head of pgs_date_parse and pgs_date_parse_prefix. */
static int
parse_ymd10(const char *s, long *days)
{
	long y, m, d;

	if (s == NULL || (y = fixed_digits(s, 4)) < 0 || s[4] != '-' ||
	    (m = fixed_digits(s + 5, 2)) < 0 || s[7] != '-' ||
	    (d = fixed_digits(s + 8, 2)) < 0)
		return -1;
	return check_ymd(y, (int)m, (int)d, days);
}

int
pgs_date_parse(const char *s, long *days)
{
	long v;

	if (parse_ymd10(s, &v) < 0 || s[10] != '\0')
		return -1;
	*days = v;
	return 0;
}

int
pgs_date_parse_prefix(const char *s, long *days)
{
	long v;

	if (parse_ymd10(s, &v) < 0 || (s[10] != '\0' && s[10] != 'T' && s[10] != ' '))
		return -1;
	*days = v;
	return 0;
}

/* 1 or 2 digits followed by sep; advances *pp past sep. */
static long
short_field(const char **pp, char sep)
{
	const char *p = *pp;
	long v;

	if (!is_digit(p[0]))
		return -1;
	v = p[0] - '0';
	p++;
	if (is_digit(p[0])) {
		v = v * 10 + (p[0] - '0');
		p++;
	}
	if (*p != sep)
		return -1;
	*pp = p + 1;
	return v;
}

int
pgs_date_parse_mdy(const char *s, long *days)
{
	long m, d, y;

	if (s == NULL || (m = short_field(&s, '/')) < 0 || (d = short_field(&s, '/')) < 0 ||
	    (y = fixed_digits(s, 4)) < 0 || s[4] != '\0')
		return -1;
	return check_ymd(y, (int)m, (int)d, days);
}

void
pgs_date_format(long days, char out[11])
{
	long y;
	int m, d;

	pgs_civil_from_days(days, &y, &m, &d);
	if (y < 0 || y > 9999)
		y = m = d = 0;
	out[0] = (char)('0' + y / 1000);
	out[1] = (char)('0' + y / 100 % 10);
	out[2] = (char)('0' + y / 10 % 10);
	out[3] = (char)('0' + y % 10);
	out[4] = '-';
	out[5] = (char)('0' + m / 10);
	out[6] = (char)('0' + m % 10);
	out[7] = '-';
	out[8] = (char)('0' + d / 10);
	out[9] = (char)('0' + d % 10);
	out[10] = '\0';
}

int
pgs_season_year(long days)
{
	long y;
	int m, d;

	pgs_civil_from_days(days, &y, &m, &d);
	return (int)(m >= 7 ? y : y - 1);
}

#define US_PER_SEC 1000000LL
#define US_PER_DAY (86400LL * US_PER_SEC)

/* "HH:MM" with hh <= maxh and mm <= 59, into minutes; -1 when not. */
static long
hh_mm(const char *s, long maxh)
{
	long h = fixed_digits(s, 2), m;

	if (h < 0 || h > maxh || s[2] != ':' || (m = fixed_digits(s + 3, 2)) < 0 || m > 59)
		return -1;
	return h * 60 + m;
}

int
pgs_timestamp_parse(const char *s, long long *us)
{
	long days, hm, sec, off = 0;
	long long frac = 0, scale = US_PER_SEC / 10;
	const char *p;

	if (parse_ymd10(s, &days) < 0 || s[10] != 'T')
		return -1;
	p = s + 11;
	if ((hm = hh_mm(p, 23)) < 0 || p[5] != ':' || (sec = fixed_digits(p + 6, 2)) < 0 || sec > 59)
		return -1;
	p += 8;
	if (*p == '.') {
		if (!is_digit(p[1]))
			return -1;
		for (p++; is_digit(*p); p++, scale /= 10)
			frac += scale * (*p - '0');
	}
	if (p[0] == 'Z' && p[1] == '\0') {
		off = 0;
	} else if ((p[0] == '+' || p[0] == '-') && (off = hh_mm(p + 1, 23)) >= 0 && p[6] == '\0') {
		off = p[0] == '+' ? off : -off;
	} else {
		return -1;
	}
	*us = days * US_PER_DAY + ((hm - off) * 60 + sec) * US_PER_SEC + frac;
	return 0;
}

int
pgs_timestamp_format(long long us, char out[21])
{
	long long sec = us >= 0 ? us / US_PER_SEC : -((-us + US_PER_SEC - 1) / US_PER_SEC);
	long long days = sec >= 0 ? sec / 86400 : -((-sec + 86399) / 86400);
	long rest = (long)(sec - days * 86400), y;
	int m, d;

	pgs_civil_from_days((long)days, &y, &m, &d);
	if (y < YEAR_MIN || y > 9999)
		return -1;
	pgs_date_format((long)days, out);
	out[10] = 'T';
	out[11] = (char)('0' + rest / 36000);
	out[12] = (char)('0' + rest / 3600 % 10);
	out[13] = ':';
	out[14] = (char)('0' + rest / 600 % 6);
	out[15] = (char)('0' + rest / 60 % 10);
	out[16] = ':';
	out[17] = (char)('0' + rest % 60 / 10);
	out[18] = (char)('0' + rest % 10);
	out[19] = 'Z';
	out[20] = '\0';
	return 0;
}

long
pgs_today_utc(void)
{
	time_t t = time(NULL);
	long s = (long)t;

	return s >= 0 ? s / 86400 : -((-s + 86399) / 86400);
}

int
pgs_timestamp_format_us(long long us, char out[28])
{
	long long frac = us % US_PER_SEC;
	char sec[21];

	if (frac < 0)
		frac += US_PER_SEC;
	if (pgs_timestamp_format(us, sec) < 0)
		return -1;
	snprintf(out, 28, "%.19s.%06lldZ", sec, frac);
	return 0;
}
