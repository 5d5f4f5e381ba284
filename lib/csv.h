/*
 * csv.h — CSV, RFC 4180 style: fields separated by commas, a field may be
 * quoted ("a,b"), and "" inside quotes is one ".
 *
 * Two layers.  pgs_csv_split() splits one record in place: the one splitter
 * of the tree (source formats, the --games schedule, the aliases file).  The
 * record reader (struct pgs_csv_rec) turns the lines pgs reads into records:
 * a quoted field may run over a line break (RFC 4180), so one record can span
 * lines; a bare CR ends a line too (old Mac files); it remembers the header
 * and skips blank lines and repeated headers.  Neither prints or exits.
 */
#ifndef PGS_CSV_H
#define PGS_CSV_H

#include <stddef.h>

#include "util.h"

/* pgs_csv_splitx() flags. */
enum {
	PGS_CSV_TRIM = 1,   /* drop blanks (space, tab) around each field, quoted or not */
};

/*
 * Split line (len bytes, modified in place; line[len] must be writable, it
 * becomes a NUL) into at most max fields: quotes are removed and escapes
 * undone inside the buffer, and the fields point into it, NUL-terminated.
 * Returns the number of fields in the record, which may be more than max
 * (only the first max are stored; the count lets the caller say "40 fields,
 * want 34"), or -1 when the record is malformed (an unterminated quote, text
 * after a closing quote, a NUL byte, which would silently cut a field short);
 * *err then names the problem.  Allocates nothing.
 */
int pgs_csv_splitx(char *line, size_t len, char **fields, int max, unsigned flags, const char **err);
/* pgs_csv_splitx() without flags. */
int pgs_csv_split(char *line, size_t len, char **fields, int max, const char **err);

/*
 * The record reader every CSV source format uses.  Zero-initialize; hand it
 * each input line with pgs_csv_push(), then take records with pgs_csv_next()
 * until it says PGS_CSV_NONE; at the end of the input call pgs_csv_end().
 * pgs_csv_rec_free() releases the buffers.
 */
#define PGS_CSV_MAXCOLS 128
/* A record may span at most this many lines and bytes; past that it is one reject.
 * PGS_CSV_BAD is -1, so a reason from pgs_fail() returns it. */
#define PGS_CSV_MAXLINES 8
#define PGS_CSV_MAXBYTES (1 << 20)

enum { PGS_CSV_BAD = -1, PGS_CSV_NONE = 0, PGS_CSV_ROW = 1, PGS_CSV_HEADER = 2 };

struct pgs_csv_rec {
	char *f[PGS_CSV_MAXCOLS];  /* the fields of the last record, NUL-terminated */
	int nf;                    /* how many (at most PGS_CSV_MAXCOLS are stored) */
	int ncols;                 /* fields in the header: the caller sets it once it accepts the header */
	const char *text;          /* the last record as read (lines joined by '\n'), for rejects */
	size_t text_len;
	long lineno;               /* its first line */
	/* private */
	pgs_buf rec, copy;
	char *header;
	size_t header_len;
	long nlines, nrecords, crs;
	int q;                     /* where rec stands: inside a quoted field, … */
	const char *in;            /* the pushed line not yet consumed */
	size_t in_len;
	long in_lineno;
};

/* Hand over one input line (len bytes, without its '\n'), 1-based lineno.  Borrowed until the
 * next push: take its records first. */
void pgs_csv_push(struct pgs_csv_rec *c, const char *line, size_t len, long lineno);

/*
 * The next record of the pushed line(s):
 *   PGS_CSV_HEADER  the input's first record, split into f/nf (a UTF-8 BOM
 *                   dropped); the caller checks its columns and sets ncols;
 *   PGS_CSV_ROW     a data record, split into f/nf, with as many fields as the header;
 *   PGS_CSV_BAD     a record to reject, why says why (bad quoting, a NUL
 *                   byte, a line break inside a quoted field, too long, a
 *                   field count other than the header's); text/lineno locate it;
 *   PGS_CSV_NONE    nothing more until the next push (the line was blank, a
 *                   repeated header, or the record goes on in the next line).
 * f, text and lineno are valid until the next call.
 */
int pgs_csv_next(struct pgs_csv_rec *c, char *why, size_t whylen);

/* The end of the input: PGS_CSV_BAD (why, text, lineno set) when a record was left open inside a
 * quoted field, else PGS_CSV_NONE. */
int pgs_csv_end(struct pgs_csv_rec *c, char *why, size_t whylen);

/* After PGS_CSV_HEADER: 0, or -1 with why when a column name (not empty) is given twice; whichever
 * copy a reader took, the other would be silently ignored. */
int pgs_csv_header_check(const struct pgs_csv_rec *c, char *why, size_t whylen);

/*
 * A count field: "" (or only blanks) is no value (returns 0; never read as
 * 0), "7", "+7" and "-3" return 1 with *v set; -1 when not an integer or
 * beyond a billion.
 */
int pgs_csv_count(const char *s, long *v);

/* A field with its leading and trailing blanks (space, tab) dropped, in place. */
char *pgs_csv_trim(char *s);

void pgs_csv_rec_free(struct pgs_csv_rec *c);

#endif
