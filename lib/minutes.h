/*
 * minutes.h — minutes played as the sources print them, parsed to whole seconds.
 *
 * Ownership: no allocation; the caller owns every pointer. Never prints or exits:
 * a string that cannot be parsed is PGS_MIN_BAD, and the caller turns that into a reject.
 */
#ifndef PGS_MINUTES_H
#define PGS_MINUTES_H

enum { PGS_MIN_OK = 0, PGS_MIN_NULL = 1, PGS_MIN_BAD = -1 };

/* Parse minutes as a source printed them: "MM:SS", "M:SS", "MMM:SS" (team "240:00"), "0:00" → 0 (not null),
 * ISO "PT34M12.00S" / "PT5M" / "PT0M00.00S", whole minutes "38", decimal minutes "48.0" / "36.5".
 * Leading/trailing blanks ignored. NULL, "" or only blanks → PGS_MIN_NULL. Seconds must be < 60 in MM:SS
 * (exactly two digits); negatives, junk like "3a:10", "12:", ":30", "1:2:3" → PGS_MIN_BAD.
 * Fractions of a second (ISO) and of a minute (decimal) round half up to whole seconds.
 * Each integer part has at most 6 digits. On success sets *seconds; otherwise leaves it alone. */
int pgs_parse_minutes(const char *s, long *seconds);

/* minutes_played = seconds / 60 rounded to 1 decimal place (half up: 3 s → 0.1). */
double pgs_minutes_played(long seconds);

#endif
