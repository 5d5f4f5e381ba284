/*
 * csv.h — split one CSV record into fields, RFC 4180 style: fields separated
 * by commas, a field may be quoted ("a,b"), and "" inside quotes is one ".
 *
 * Records are lines: pgs reads input line by line, so a quoted field cannot
 * span a newline (none of the sources does that); an unterminated quote is
 * an error.  Splitting works in place: quotes are removed and escapes undone
 * inside the caller's buffer, and the fields point into it, NUL-terminated.
 * pgs_csv_split() allocates nothing; the record reader below owns two
 * buffers.  Neither prints or exits.
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

/*
 * The plumbing every CSV source format shares: remember the header, split
 * each data line in a reused copy (the caller's line stays intact for the
 * rejects file), skip blank lines and repeated headers (files concatenated
 * into one stream), and check the field count against the header's.
 * Zero-initialize; pgs_csv_rec_free() releases the buffers.
 */
#define PGS_CSV_MAXCOLS 128

struct pgs_csv_rec {
	char *f[PGS_CSV_MAXCOLS];  /* the fields of the last line split */
	int ncols;                 /* fields in the header */
	char *header;              /* the header line as read, to skip repeats */
	size_t header_len;
	char *copy;                /* the line split in place */
	size_t copy_cap;
};

/*
 * Take line (len bytes) as the header: keep it, and split it, without a
 * UTF-8 byte-order mark, into c->f.  Returns the number of fields, or -1
 * when the quoting is malformed or there are more than PGS_CSV_MAXCOLS.
 * The caller checks the columns and then sets c->ncols.
 */
int pgs_csv_header(struct pgs_csv_rec *c, const char *line, size_t len);

/*
 * Split data line (len bytes, NUL-terminated) into c->f.  Returns 1 with the
 * fields set, 0 for a line to skip (empty, or the header again), or -1 with
 * the reason in why (bad quoting, a field count other than the header's).
 */
int pgs_csv_record(struct pgs_csv_rec *c, const char *line, size_t len, char *why,
    size_t whylen);

/*
 * A count field: "" is no value (returns 0; never read as 0), "7", "+7" and
 * "-3" return 1 with *v set; -1 when not an integer or beyond a billion.
 */
int pgs_csv_count(const char *s, long *v);

void pgs_csv_rec_free(struct pgs_csv_rec *c);

#endif
