/* csv.c — an in-place RFC 4180 record splitter (see csv.h). */
#include "csv.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

int
pgs_csv_split(char *line, size_t len, char **fields, int max, const char **err)
{
	char *p = line, *end = line + len, *w, *comma;
	int n = 0;

	*err = NULL;
	for (;;) {
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
			if (p < end && *p != ',') {
				*err = "text after a closing quote";
				return -1;
			}
			*w = '\0';
			n++;
		} else {
			/* plain: up to the next comma; a stray quote inside is kept as text */
			comma = memchr(p, ',', (size_t)(end - p));
			if (n < max)
				fields[n] = p;
			n++;
			if (!comma) {
				*end = '\0';
				return n;
			}
			*comma = '\0';
			p = comma + 1;
			continue;
		}
		if (p >= end)
			return n;
		p++; /* the comma after a quoted field */
	}
}

int
pgs_csv_header(struct pgs_csv_rec *c, const char *line, size_t len)
{
	const char *err;
	int n;

	free(c->header);
	c->header = pgs_xstrndup(line, len);
	c->header_len = len;
	free(c->copy);
	c->copy = pgs_xstrndup(line, len);
	c->copy_cap = len + 1;
	if (len >= 3 && memcmp(c->copy, "\xef\xbb\xbf", 3) == 0)
		memmove(c->copy, c->copy + 3, len - 2);
	n = pgs_csv_split(c->copy, strlen(c->copy), c->f, PGS_CSV_MAXCOLS, &err);
	return n > PGS_CSV_MAXCOLS ? -1 : n;
}

int
pgs_csv_record(struct pgs_csv_rec *c, const char *line, size_t len, char *why, size_t whylen)
{
	const char *err;
	int n;

	if (len == 0)
		return 0;
	if (len == c->header_len && memcmp(line, c->header, len) == 0)
		return 0;
	if (len + 1 > c->copy_cap) {
		free(c->copy);
		c->copy_cap = len + 1 > 4096 ? len + 1 : 4096;
		c->copy = pgs_xmalloc(c->copy_cap);
	}
	memcpy(c->copy, line, len + 1);
	n = pgs_csv_split(c->copy, len, c->f, PGS_CSV_MAXCOLS, &err);
	if (n < 0) {
		snprintf(why, whylen, "bad CSV: %s", err);
		return -1;
	}
	if (n != c->ncols) {
		snprintf(why, whylen, "%d fields, the header has %d", n, c->ncols);
		return -1;
	}
	return 1;
}

int
pgs_csv_count(const char *s, long *v)
{
	long n = 0;
	int neg = 0;

	if (*s == '\0')
		return 0;
	if (*s == '+' || *s == '-')
		neg = *s++ == '-';
	if (*s == '\0')
		return -1;
	for (; *s; s++) {
		if (*s < '0' || *s > '9' || n > 100000000)
			return -1;
		n = n * 10 + (*s - '0');
	}
	*v = neg ? -n : n;
	return 1;
}

void
pgs_csv_rec_free(struct pgs_csv_rec *c)
{
	free(c->header);
	free(c->copy);
}
