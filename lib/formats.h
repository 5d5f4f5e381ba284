/*
 * formats.h — the source formats pgs-extract reads, one file per format
 * (fmt_bbref_csv.c, fmt_raw.c, …) and one table mapping a name to its reader.
 * A new format is a new file plus one entry in pgs_formats[] (formats.c).
 *
 * A reader is line-driven: the driver reads lines from files, stdin or .gz
 * (lib/ndjson's pgs_input), detects the format from an input's first
 * non-blank line when --format is absent, opens a reader for that input,
 * hands it every line, and finishes it at the end of the input.  The reader
 * turns lines into raw rows (SPEC "Raw row") and passes each to io->row;
 * lines it cannot turn into a row it rejects itself (pgs_reject with the
 * input name and line number).  Checking a row against the contract,
 * filtering by date and keeping games contiguous is the driver's job, so
 * every format gets it the same way.
 */
#ifndef PGS_FORMATS_H
#define PGS_FORMATS_H

#include <jansson.h>
#include <stddef.h>

/* What the driver gives a reader for one input.  Borrowed; outlives the reader. */
struct pgs_fmt_io {
	const char *input;   /* the input's name, for messages */
	long from, to;       /* date window as day numbers, inclusive; a reader may
	                        skip rows outside it early (the driver filters anyway) */
	/*
	 * Hand over one raw row.  row: a new reference, the callee takes it.
	 * lineno/text: where it came from, for rejects.  Returns 0 (emitted,
	 * filtered out or rejected), or -1 fatal: the reader stops and returns -1.
	 */
	int (*row)(json_t *row, long lineno, const char *text, void *arg);
	void *arg;
};

struct pgs_format {
	const char *name;
	/* 1 when line (an input's first non-blank line) starts this format */
	int (*detect)(const char *line, size_t len);
	/* Start reading one input; never NULL (allocation failure exits). */
	void *(*open)(const struct pgs_fmt_io *io);
	/*
	 * One line, without its newline; the reader may modify the bytes.
	 * lineno is 1-based.  Blank lines are the reader's to judge.
	 * Returns 0, or -1 fatal (reported): bad header, too many rejects, …
	 */
	int (*line)(void *st, char *line, size_t len, long lineno);
	/* End of this input: 0, or -1 fatal (reported), e.g. a truncated upstream. */
	int (*finish)(void *st);
	void (*close)(void *st);
};

/* Every format, NULL-terminated, in detection order. */
extern const struct pgs_format *const pgs_formats[];

/* The format called name, or NULL. */
const struct pgs_format *pgs_format_find(const char *name);
/* The first format whose detect() accepts line, or NULL. */
const struct pgs_format *pgs_format_detect(const char *line, size_t len);
/* "bbref-csv, raw": the names, for usage and error messages (static storage). */
const char *pgs_format_names(void);

extern const struct pgs_format pgs_fmt_bbref_csv;
extern const struct pgs_format pgs_fmt_raw;

#endif
