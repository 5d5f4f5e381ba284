/* csv.c — the one CSV splitter and the record reader of the CSV formats (see csv.h). */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int
is_blank(char c)
{
	return c == ' ' || c == '\t';
}

int
pgs_csv_splitx(char *line, size_t len, char **fields, int max, unsigned flags, const char **err)
{
	char *p = line, *end = line + len, *w, *comma, *e;
	int trim = flags & PGS_CSV_TRIM, n = 0;

	*err = NULL;
	if (memchr(line, '\0', len)) {
		*err = "NUL byte in the record";
		return -1;
	}
	for (;;) {
		if (trim)
			while (p < end && is_blank(*p))
				p++;
		if (p < end && *p == '"') {
			/* quoted: copy down over the quotes, undoing "" escapes */
			w = p++;
			if (n < max)
				fields[n] = w;
			for (;;) {
				if (p >= end) {
					*err = "unterminated quoted field";
					return -1;
				}
				if (*p == '"') {
					if (p + 1 < end && p[1] == '"') {
						*w++ = '"';
						p += 2;
						continue;
					}
					p++;
					break;
				}
				*w++ = *p++;
			}
			if (trim)
				while (p < end && is_blank(*p))
					p++;
			if (p < end && *p != ',') {
				*err = "text after a closing quote";
				return -1;
			}
			*w = '\0';
			n++;
		} else {
			/* plain: up to the next comma; a stray quote inside is kept as text */
			comma = memchr(p, ',', (size_t)(end - p));
			e = comma ? comma : end;
			if (n < max)
				fields[n] = p;
			n++;
			if (trim)
				while (e > p && is_blank(e[-1]))
					e--;
			*e = '\0';
			if (!comma)
				return n;
			p = comma + 1;
			continue;
		}
		if (p >= end)
			return n;
		p++; /* the comma after a quoted field */
	}
}

int
pgs_csv_split(char *line, size_t len, char **fields, int max, const char **err)
{
	return pgs_csv_splitx(line, len, fields, max, 0, err);
}

void
pgs_csv_push(struct pgs_csv_rec *c, const char *line, size_t len, long lineno)
{
	c->in = line;
	c->in_len = len;
	c->in_lineno = lineno;
}

/*
 * Where a record stands at the end of a line, read the way pgs_csv_split()
 * reads it: a quote opens a quoted field only at the start of a field (a
 * stray one inside a plain field is text), and inside one "" is a quote.
 */
enum { Q_START, Q_PLAIN, Q_QUOTED, Q_QUOTE };

static int
scan_quotes(const char *s, size_t n, int q)
{
	const char *end = s + n;

	for (; s < end; s++) {
		switch (q) {
		case Q_START:
			q = *s == '"' ? Q_QUOTED : *s == ',' ? Q_START : Q_PLAIN;
			break;
		case Q_PLAIN:
			if (*s == ',')
				q = Q_START;
			break;
		case Q_QUOTED:
			if (*s == '"')
				q = Q_QUOTE;
			break;
		default: /* Q_QUOTE: a quote inside a quoted field, escaped or closing */
			q = *s == '"' ? Q_QUOTED : *s == ',' ? Q_START : Q_PLAIN;
			break;
		}
	}
	return q;
}

/* The record as text for a reject: NUL bytes shown as U+FFFD, so the text is not cut there. */
static void
show_record(struct pgs_csv_rec *c)
{
	const char *p = c->rec.s, *end = c->rec.s + c->rec.len, *z;

	pgs_buf_reset(&c->copy);
	while ((z = memchr(p, '\0', (size_t)(end - p))) != NULL) {
		pgs_buf_add(&c->copy, p, (size_t)(z - p));
		pgs_buf_add(&c->copy, "\xef\xbf\xbd", 3);
		p = z + 1;
	}
	pgs_buf_add(&c->copy, p, (size_t)(end - p));
	c->text = c->copy.s;
	c->text_len = c->copy.len;
}

/* The record is complete in c->rec: split it.  ROW, HEADER, BAD or NONE (skipped). */
static int
take_record(struct pgs_csv_rec *c, char *why, size_t whylen)
{
	const char *err;
	char *s;
	size_t n;
	int header;

	c->text = c->rec.s;
	c->text_len = c->rec.len;
	if (c->rec.len == 0)
		return PGS_CSV_NONE; /* a blank line */
	if (c->nrecords > 0 && c->rec.len == c->header_len && memcmp(c->rec.s, c->header, c->header_len) == 0)
		return PGS_CSV_NONE; /* the header again: files concatenated into one stream */
	header = c->nrecords++ == 0;
	if (header) {
		/* bytes, not a string: a NUL in the header must not shorten the copy */
		free(c->header);
		c->header = pgs_xmalloc(c->rec.len + 1);
		memcpy(c->header, c->rec.s, c->rec.len + 1);
		c->header_len = c->rec.len;
	}
	if (c->nlines > 1)
		/* valid CSV, but no source has a line break inside a field: the whole record goes */
		return pgs_fail(why, whylen, "line break inside a quoted field (lines %ld-%ld)", c->lineno,
		    c->lineno + c->nlines - 1);
	pgs_buf_reset(&c->copy);
	pgs_buf_add(&c->copy, c->rec.s, c->rec.len);
	s = c->copy.s;
	n = c->copy.len;
	if (header && n >= 3 && memcmp(s, "\xef\xbb\xbf", 3) == 0) {
		s += 3;
		n -= 3;
	}
	c->nf = pgs_csv_split(s, n, c->f, PGS_CSV_MAXCOLS, &err);
	if (c->nf < 0) {
		show_record(c);
		return pgs_fail(why, whylen, "bad CSV%s: %s", header ? " header" : "", err);
	}
	if (header) {
		if (c->nf > PGS_CSV_MAXCOLS)
			return pgs_fail(why, whylen, "the header has %d columns, more than %d", c->nf,
			    PGS_CSV_MAXCOLS);
		return PGS_CSV_HEADER;
	}
	if (c->nf != c->ncols)
		return pgs_fail(why, whylen, "%d fields, the header has %d", c->nf, c->ncols);
	return PGS_CSV_ROW;
}

int
pgs_csv_next(struct pgs_csv_rec *c, char *why, size_t whylen)
{
	const char *cr;
	size_t n;
	long lineno;
	int r;

	while (c->in) {
		/* one line of the input: up to a bare CR, which ends a line as well */
		cr = memchr(c->in, '\r', c->in_len);
		n = cr ? (size_t)(cr - c->in) : c->in_len;
		lineno = c->in_lineno + c->crs;
		if (c->q != Q_QUOTED) {
			pgs_buf_reset(&c->rec);
			c->lineno = lineno;
			c->nlines = 0;
			c->q = Q_START;
		} else {
			pgs_buf_add(&c->rec, "\n", 1);
		}
		pgs_buf_add(&c->rec, c->in, n);
		c->nlines++;
		c->q = scan_quotes(c->in, n, c->q);
		if (cr) {
			c->in += n + 1;
			c->in_len -= n + 1;
			c->crs++;
		} else {
			c->in = NULL;
		}
		if (c->q == Q_QUOTED) {
			if (c->nlines < PGS_CSV_MAXLINES && c->rec.len < PGS_CSV_MAXBYTES)
				continue;
			/* a stray quote must not swallow the rest of the input: reject, read on */
			c->q = Q_START;
			c->nrecords++;
			show_record(c);
			return pgs_fail(why, whylen, "unterminated quoted field (%ld lines, %zu bytes)",
			    c->nlines, c->rec.len);
		}
		if ((r = take_record(c, why, whylen)) != PGS_CSV_NONE)
			return r;
	}
	return PGS_CSV_NONE;
}

int
pgs_csv_end(struct pgs_csv_rec *c, char *why, size_t whylen)
{
	if (c->q != Q_QUOTED)
		return PGS_CSV_NONE;
	c->q = Q_START;
	show_record(c);
	return pgs_fail(why, whylen, "unterminated quoted field at the end of the input");
}

int
pgs_csv_header_check(const struct pgs_csv_rec *c, char *why, size_t whylen)
{
	int i, j, n = c->nf < PGS_CSV_MAXCOLS ? c->nf : PGS_CSV_MAXCOLS;

	for (i = 0; i < n; i++)
		for (j = i + 1; *c->f[i] && j < n; j++)
			if (strcmp(c->f[i], c->f[j]) == 0)
				return pgs_fail(why, whylen, "the header has column '%s' twice (columns %d and %d)",
				    c->f[i], i + 1, j + 1);
	return 0;
}

char *
pgs_csv_trim(char *s)
{
	char *e;

	while (is_blank(*s))
		s++;
	for (e = s + strlen(s); e > s && is_blank(e[-1]); e--)
		;
	*e = '\0';
	return s;
}

int
pgs_csv_count(const char *s, long *v)
{
	long n = 0;
	int neg = 0;

	while (is_blank(*s))
		s++;
	if (*s == '\0')
		return 0;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s < '0' || *s > '9')
		return -1;
	for (; *s >= '0' && *s <= '9'; s++) {
		if (n > 100000000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	while (is_blank(*s))
		s++;
	if (*s)
		return -1;
	*v = neg ? -n : n;
	return 1;
}

void
pgs_csv_rec_free(struct pgs_csv_rec *c)
{
	pgs_buf_free(&c->rec);
	pgs_buf_free(&c->copy);
	free(c->header);
}
