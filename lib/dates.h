/*
 * dates.h — calendar dates as day numbers: days since 1970-01-01 (proleptic Gregorian, UTC).
 *
 * Ownership: no allocation; the caller owns every buffer. Parsers return 0 and set *days, or
 * -1 and leave *days alone. Never print or exit.
 */
#ifndef PGS_DATES_H
#define PGS_DATES_H

/* strict "YYYY-MM-DD", real calendar date, years 1900..2199; 0 ok, -1 bad */
int pgs_date_parse(const char *s, long *days);

/* "MM/DD/YYYY" (NBA.com), also "M/D/YYYY"; same calendar and year checks; 0 ok, -1 bad */
int pgs_date_parse_mdy(const char *s, long *days);

/* "YYYY-MM-DD" optionally followed by "T..." or " ..." (ISO datetime; the rest is not checked) */
int pgs_date_parse_prefix(const char *s, long *days);

/* "YYYY-MM-DD"; a day number outside years 0..9999 gives "0000-00-00" */
void pgs_date_format(long days, char out[11]);

/* start year of the NBA season: month >= 7 → year, else year - 1 */
int pgs_season_year(long days);

/* The day number of year y, month m (1..12), day d, and back: exact for the
 * proleptic Gregorian calendar over any year a long holds; no range checks. */
long pgs_days_from_civil(long y, int m, int d);
void pgs_civil_from_days(long days, long *y, int *m, int *d);

/*
 * Timestamps as microseconds since 1970-01-01T00:00:00Z.
 *
 * pgs_timestamp_parse: ISO-8601 "YYYY-MM-DDTHH:MM:SS", an optional fraction
 * ".d…" (digits past microseconds are dropped), then "Z" or an offset
 * "+HH:MM" / "-HH:MM"; the date as pgs_date_parse checks it, the time
 * 00:00:00..23:59:59.  A time without a zone is refused: it would be a
 * guess.  0 ok, -1 bad (*us untouched).
 */
int pgs_timestamp_parse(const char *s, long long *us);
/* us as "YYYY-MM-DDTHH:MM:SSZ" (whole seconds, UTC); -1 when outside years 1900..9999. */
int pgs_timestamp_format(long long us, char out[21]);

/* us as "YYYY-MM-DDTHH:MM:SS.ffffffZ" (the ledger's commit times); -1 outside 1900..9999. */
int pgs_timestamp_format_us(long long us, char out[28]);

/* today's day number (UTC) */
long pgs_today_utc(void);

#endif
