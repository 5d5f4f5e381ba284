/* formats.c — the table of source formats and the game-date schedule (see formats.h). */
#include "formats.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "http.h"
#include "ndjson.h"
#include "util.h"

const struct pgs_format *const pgs_formats[] = {
	&pgs_fmt_bbref_csv,
	&pgs_fmt_nbacom_csv,
	&pgs_fmt_nbastats_v3, /* before raw: both start with '{' */
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
pgs_format_detect(const char *head, size_t len, int *more)
{
	const struct pgs_format *const *f;
	int d;

	if (more)
		*more = 0;
	for (f = pgs_formats; *f; f++) {
		d = (*f)->detect(head, len);
		if (d == PGS_DETECT_MORE && more) {
			/* an earlier format might still claim it: do not let a later one win */
			*more = 1;
			return NULL;
		}
		if (d == PGS_DETECT_YES)
			return *f;
	}
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

/* ---- the detection driver ---- */

/* Detection stops asking for more lines past this much head. */
#define HEAD_MAX (1 << 20)

struct pgs_reader {
	const struct pgs_format *given;   /* --format, or NULL */
	struct pgs_fmt_io *io;
	/* the input being read */
	const struct pgs_format *fmt;
	void *st;                  /* the reader, once the format is known */
	pgs_buf head;              /* held lines, joined by '\n' */
	long head_first;           /* line number of the first held line; 0: none held */
	size_t asked;              /* head length at the last detection */
};

pgs_reader *
pgs_reader_new(const struct pgs_format *fmt, struct pgs_fmt_io *io)
{
	pgs_reader *r = pgs_xcalloc(1, sizeof(*r));

	r->given = fmt;
	r->io = io;
	return r;
}

void
pgs_reader_free(pgs_reader *r)
{
	if (!r)
		return;
	pgs_buf_free(&r->head);
	free(r);
}

static void
input_start(pgs_reader *r, const char *name)
{
	r->io->input = name;
	r->fmt = NULL;
	r->st = NULL;
	pgs_buf_reset(&r->head);
	r->head_first = 0;
	r->asked = 0;
}

/* The format is fmt (NULL: none fits): open its reader and replay the held lines. */
static int
decide(pgs_reader *r, const struct pgs_format *fmt)
{
	char *p, *nl, *end;
	long lineno = r->head_first;
	int rc = 0;

	if (!fmt) {
		pgs_err("%s:%ld: cannot tell the input format from this line; use --format (%s)",
		    r->io->input, r->head_first, pgs_format_names());
		return -1;
	}
	r->fmt = fmt;
	r->st = fmt->open(r->io);
	end = r->head.s + r->head.len;
	for (p = r->head.s; rc == 0 && p <= end; p = nl + 1, lineno++) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		*nl = '\0';
		rc = fmt->line(r->st, p, (size_t)(nl - p), lineno);
	}
	pgs_buf_reset(&r->head);
	return rc;
}

/* One line of the input.  0, or -1 fatal (reported). */
static int
input_line(pgs_reader *r, char *line, size_t len, long lineno)
{
	const struct pgs_format *fmt;
	int more = 0;

	if (r->st)
		return r->fmt->line(r->st, line, len, lineno);
	if (!r->head_first) {
		if (strspn(line, " \t") == len)
			return 0; /* detect from the first non-blank line */
		r->head_first = lineno;
	} else {
		pgs_buf_add(&r->head, "\n", 1);
	}
	pgs_buf_add(&r->head, line, len);
	if (r->given)
		return decide(r, r->given);
	/* asking again at every line would rescan the head each time: quadratic */
	if (r->head.len < HEAD_MAX && r->asked > 0 && r->head.len < 2 * r->asked)
		return 0;
	r->asked = r->head.len;
	fmt = pgs_format_detect(r->head.s, r->head.len, r->head.len < HEAD_MAX ? &more : NULL);
	if (!fmt && more)
		return 0;
	return decide(r, fmt);
}

/* The end of the input: a format still undecided decides now; finish the reader. */
static int
input_end(pgs_reader *r, int rc)
{
	if (rc == 0 && !r->st && r->head_first)
		rc = decide(r, pgs_format_detect(r->head.s, r->head.len, NULL));
	if (r->st) {
		if (rc == 0)
			rc = r->fmt->finish(r->st);
		r->fmt->close(r->st);
		r->st = NULL;
	}
	return rc;
}

int
pgs_reader_buffer(pgs_reader *r, const char *name, pgs_buf *body)
{
	size_t pos = 0, len;
	char *line;
	long lineno = 0;
	int rc = 0;

	input_start(r, name);
	while (rc == 0 && pgs_http_body_line(body, &pos, &line, &len))
		rc = input_line(r, line, len, ++lineno);
	return input_end(r, rc);
}

int
pgs_reader_files(pgs_reader *r, char **names, int n)
{
	pgs_input *in = pgs_input_open(names, n);
	char *line;
	size_t len;
	int got, started = 0, rc = 0;

	while ((got = pgs_input_line(in, &line, &len)) > 0) {
		if (pgs_input_new_file(in) || !started) {
			if (started && (rc = input_end(r, 0)) < 0)
				break;
			input_start(r, pgs_input_name(in));
			started = 1;
		}
		if ((rc = input_line(r, line, len, pgs_input_lineno(in))) < 0)
			break;
	}
	if (got < 0)
		rc = -1;
	if (started)
		rc = input_end(r, rc);
	pgs_input_close(in);
	return rc;
}
