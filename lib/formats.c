/* formats.c — the table of source formats (see formats.h). */
#include "formats.h"

#include <string.h>

const struct pgs_format *const pgs_formats[] = {
	&pgs_fmt_bbref_csv,
	&pgs_fmt_raw,
	NULL,
};

const struct pgs_format *
pgs_format_find(const char *name)
{
	const struct pgs_format *const *f;

	for (f = pgs_formats; *f; f++)
		if (strcmp((*f)->name, name) == 0)
			return *f;
	return NULL;
}

const struct pgs_format *
pgs_format_detect(const char *line, size_t len)
{
	const struct pgs_format *const *f;

	for (f = pgs_formats; *f; f++)
		if ((*f)->detect(line, len))
			return *f;
	return NULL;
}

const char *
pgs_format_names(void)
{
	static char names[256];
	const struct pgs_format *const *f;

	if (names[0])
		return names;
	for (f = pgs_formats; *f; f++) {
		if (f != pgs_formats)
			strncat(names, ", ", sizeof(names) - strlen(names) - 1);
		strncat(names, (*f)->name, sizeof(names) - strlen(names) - 1);
	}
	return names;
}
