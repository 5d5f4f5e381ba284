/* csv.c — an in-place RFC 4180 record splitter (see csv.h). */
#include "csv.h"

#include <string.h>

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
