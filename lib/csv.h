/*
 * csv.h — split one CSV record into fields, RFC 4180 style: fields separated
 * by commas, a field may be quoted ("a,b"), and "" inside quotes is one ".
 *
 * Records are lines: pgs reads input line by line, so a quoted field cannot
 * span a newline (none of the sources does that); an unterminated quote is
 * an error.  Splitting works in place: quotes are removed and escapes undone
 * inside the caller's buffer, and the fields point into it, NUL-terminated.
 * No allocation; never prints or exits.
 */
#ifndef PGS_CSV_H
#define PGS_CSV_H

#include <stddef.h>

/*
 * Split line (len bytes, modified in place; line[len] must be writable, it
 * becomes a NUL) into at most max fields.
 * Returns the number of fields in the record, which may be more than max
 * (only the first max are stored; the count lets the caller say "40 fields,
 * want 34"), or -1 when the quoting is malformed (an unterminated quote, or
 * text after a closing quote); *err then names the problem.
 */
int pgs_csv_split(char *line, size_t len, char **fields, int max, const char **err);

#endif
