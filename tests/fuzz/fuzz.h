/*
 * fuzz.h — what the libFuzzer targets of tests/fuzz/ share.
 *
 * Each fuzz_<name>.c defines LLVMFuzzerTestOneInput() (and may define
 * LLVMFuzzerInitialize()); `make fuzz` links it with libFuzzer
 * (clang -fsanitize=fuzzer,address,undefined), `make fuzz-replay` with
 * replay.c's main() (any compiler) to run saved inputs.  A target reports a
 * bug by crashing: a sanitizer finding, a leak, an abort() on a broken
 * invariant (FUZZ_ASSERT), or a timeout.  Diagnostics of the code under test
 * go to stderr, which the runs discard (-close_fd_mask=3).
 */
#ifndef PGS_FUZZ_H
#define PGS_FUZZ_H

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "formats.h"
#include "rawcheck.h"
#include "rejects.h"
#include "util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/* An invariant of the code under test; a failure is a bug, reported as a crash. */
#define FUZZ_ASSERT(c) do { if (!(c)) { fprintf(stderr, "%s:%d: invariant failed: %s\n", \
	__FILE__, __LINE__, #c); abort(); } } while (0)

/* Program name and the reject sink (to /dev/null: the tools' rejects are not what is tested). */
static inline void
fuzz_setup(void)
{
	static int done;

	if (done)
		return;
	pgs_setprog("pgs-fuzz");
	pgs_rejects_init("/dev/null", -1);
	done = 1;
}

/* data as a NUL-terminated string (a NUL inside ends it early, as in C callers).  Free it. */
static inline char *
fuzz_str(const uint8_t *data, size_t size)
{
	char *s = pgs_xmalloc(size + 1);

	memcpy(s, data, size);
	s[size] = '\0';
	return s;
}

/*
 * A file holding data, for readers that take a path: a memfd rewritten for
 * every input.  Returns its path ("/proc/self/fd/N"), valid until the next call.
 */
static inline const char *
fuzz_file(const uint8_t *data, size_t size)
{
	static int fd = -1;
	static char path[64];
	size_t off = 0;
	ssize_t n;

	if (fd < 0) {
		fd = memfd_create("pgs-fuzz", 0);
		if (fd < 0) {
			perror("memfd_create");
			abort();
		}
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
	}
	if (ftruncate(fd, 0) < 0)
		abort();
	while (off < size) {
		n = pwrite(fd, data + off, size - off, (off_t)off);
		if (n <= 0)
			abort();
		off += (size_t)n;
	}
	return path;
}

/* The row callback of a format reader: check the row as pgs-extract would, and drop it. */
static inline int
fuzz_take_row(json_t *row, long lineno, const char *text, void *arg)
{
	char why[256];
	long days;

	(void)lineno;
	(void)text;
	(void)arg;
	if (pgs_raw_check(row, &days, why, sizeof(why)) == 0) {
		/* a row that passes has every required field as a non-empty string */
		FUZZ_ASSERT(json_string_length(json_object_get(row, "player_name")) > 0);
		FUZZ_ASSERT(json_string_length(json_object_get(row, "game_id")) == 16);
	}
	json_decref(row);
	return 0;
}

/*
 * Feed data to a format reader line by line, as pgs-extract's driver does:
 * lines split at '\n', a trailing '\r' dropped, each handed over writable and
 * NUL-terminated; the reader is finished at the end unless a line was fatal.
 */
static inline void
fuzz_feed(const struct pgs_format *fmt, const struct pgs_fmt_opts *opts, const uint8_t *data,
    size_t size)
{
	struct pgs_fmt_io io = { .input = "fuzz", .from = -100000, .to = 100000, .row = fuzz_take_row,
	    .opts = opts };
	char *buf = fuzz_str(data, size), *p = buf, *end = buf + size, *nl;
	void *st;
	long lineno = 0;
	size_t len;
	int rc = 0;

	fuzz_setup();
	st = fmt->open(&io);
	while (rc == 0 && p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		if (!nl)
			nl = end;
		*nl = '\0';
		len = (size_t)(nl - p);
		if (len > 0 && p[len - 1] == '\r')
			p[--len] = '\0';
		rc = fmt->line(st, p, len, ++lineno);
		p = nl + 1;
	}
	if (rc == 0)
		fmt->finish(st);
	fmt->close(st);
	free(buf);
}

#endif
