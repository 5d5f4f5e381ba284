/*
 * fmt_raw.c — format "raw": NDJSON already in raw-row form, e.g. an earlier
 * pgs-extract's output.  Rows pass through as they are (unknown fields kept).
 *
 * End markers are checked with the rules of lib/ndjson's pgs_rows: a marker
 * must count the data lines before it, and an input that has a marker must
 * end with one.  pgs_rows cannot be used itself because the driver has
 * already consumed the first line to detect the format (stdin cannot be
 * rewound), so this reader applies the same rules line by line.
 */
#include <stdlib.h>
#include <string.h>

#include "formats.h"
#include "jsonparse.h"
#include "rejects.h"
#include "util.h"

enum { MARK_NONE, MARK_OPEN, MARK_CLOSED };

struct raw_reader {
	const struct pgs_fmt_io *io;
	long since_mark;   /* data lines (also rejected ones) since the last marker */
	int state;         /* MARK_NONE: no marker seen; OPEN: lines after one; CLOSED */
};

static int
raw_detect(const char *line, size_t len)
{
	size_t i = 0;

	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && (line[i] == ' ' || line[i] == '\t'))
		i++;
	return i < len && line[i] == '{';
}

static void *
raw_open(const struct pgs_fmt_io *io)
{
	struct raw_reader *r = pgs_xcalloc(1, sizeof(*r));

	r->io = io;
	return r;
}

static int
check_marker(struct raw_reader *r, json_t *end, long lineno)
{
	json_t *jrows = json_object_get(end, "rows");
	const char *tool = json_string_value(json_object_get(end, "tool"));

	if (!json_is_integer(jrows)) {
		pgs_err("%s:%ld: end marker without a row count", r->io->input, lineno);
		return -1;
	}
	if (json_integer_value(jrows) != r->since_mark) {
		pgs_err("%s:%ld: end marker of %s says %lld rows but %ld arrived: upstream truncated",
		    r->io->input, lineno, tool ? tool : "upstream",
		    (long long)json_integer_value(jrows), r->since_mark);
		return -1;
	}
	r->since_mark = 0;
	r->state = MARK_CLOSED;
	return 0;
}

static int
raw_line(void *st, char *line, size_t len, long lineno)
{
	struct raw_reader *r = st;
	json_error_t jerr;
	json_t *obj, *end;
	int bad;

	if (len == 0 || strspn(line, " \t") == len)
		return 0;
	obj = pgs_json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
	if (obj && json_is_object(obj)) {
		end = json_object_get(obj, "pgs_end");
		if (end && json_object_size(obj) == 1) {
			bad = check_marker(r, end, lineno);
			json_decref(obj);
			return bad;
		}
	}
	r->since_mark++;
	if (r->state == MARK_CLOSED)
		r->state = MARK_OPEN;
	if (!obj || !json_is_object(obj)) {
		bad = pgs_reject(r->io->input, lineno, line,
		    obj ? "not a JSON object" : "malformed JSON: %s", jerr.text);
		json_decref(obj);
		return bad;
	}
	return r->io->row(obj, lineno, line, r->io->arg);
}

static int
raw_finish(void *st)
{
	struct raw_reader *r = st;

	if (r->state == MARK_NONE || (r->state == MARK_CLOSED && r->since_mark == 0))
		return 0;
	pgs_err("%s: input ended without the upstream end marker after %ld rows: upstream truncated",
	    r->io->input, r->since_mark);
	return -1;
}

static void
raw_close(void *st)
{
	free(st);
}

const struct pgs_format pgs_fmt_raw = {
	.name = "raw",
	.detect = raw_detect,
	.open = raw_open,
	.line = raw_line,
	.finish = raw_finish,
	.close = raw_close,
};
