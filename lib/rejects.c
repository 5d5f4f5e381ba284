/* rejects.c — the reject sink shared by every tool. */
#include "rejects.h"

#include <errno.h>
#include <jansson.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static FILE *rej_file;
static const char *rej_path;
static long rej_max = -1;
static long rej_count;

int
pgs_rejects_init(const char *path, long max)
{
	rej_max = max;
	rej_count = 0;
	rej_path = path;
	if (!path)
		return 0;
	rej_file = fopen(path, "a");
	if (!rej_file) {
		pgs_err("cannot open rejects file '%s': %s", path, strerror(errno));
		return -1;
	}
	return 0;
}

int
pgs_reject(const char *input, long line, const char *raw, const char *fmt, ...)
{
	va_list ap;
	char *msg;
	int r;

	va_start(ap, fmt);
	r = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (r < 0)
		msg = NULL;
	rej_count++;
	if (rej_file) {
		json_t *o = json_pack("{s:s, s:s, s:I, s:s, s:s?}", "tool", pgs_prog,
		    "input", input ? input : "-", "line", (json_int_t)line,
		    "error", msg ? msg : "?", "raw", raw);

		if (!o) /* raw was not valid UTF-8: keep the record, lose the text */
			o = json_pack("{s:s, s:s, s:I, s:s, s:n}", "tool", pgs_prog,
			    "input", input ? input : "-", "line", (json_int_t)line,
			    "error", msg ? msg : "?", "raw");
		if (!o || json_dumpf(o, rej_file, JSON_COMPACT) < 0 || fputc('\n', rej_file) == EOF) {
			pgs_err("cannot write rejects file '%s'", rej_path);
			json_decref(o);
			free(msg);
			return -1;
		}
		json_decref(o);
	} else if (line > 0)
		fprintf(stderr, "%s: %s:%ld: %s\n", pgs_prog, input ? input : "-", line, msg ? msg : "?");
	else
		fprintf(stderr, "%s: %s: %s\n", pgs_prog, input ? input : "-", msg ? msg : "?");
	free(msg);
	if (rej_max >= 0 && rej_count > rej_max) {
		pgs_err("too many rejects (more than %ld): giving up", rej_max);
		return -1;
	}
	return 0;
}

long
pgs_reject_count(void)
{
	return rej_count;
}

int
pgs_rejects_close(void)
{
	FILE *f = rej_file;

	rej_file = NULL;
	if (!f)
		return 0;
	return pgs_close_stream(f, rej_path);
}
