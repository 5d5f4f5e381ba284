/*
 * formats.h — the source formats pgs-extract reads, one file per format
 * (fmt_bbref_csv.c, fmt_raw.c, …) and one table mapping a name to its reader.
 * A new format is a new file plus one entry in pgs_formats[] (formats.c).
 *
 * A reader is line-driven: the driver reads lines from files, stdin, .gz or
 * an in-memory body (an HTTP response), detects the format from an input's
 * head (its first non-blank line, or the first few lines when one line cannot
 * tell, e.g. a pretty-printed JSON document) when --format is absent, opens a
 * reader for that input, hands it every line, and finishes it at the end of
 * the input.  The reader
 * turns lines into raw rows (MANUAL "Raw row") and passes each to io->row;
 * lines it cannot turn into a row it rejects itself (pgs_reject with the
 * input name and line number).  Checking a row against the contract,
 * filtering by date and keeping games contiguous is the driver's job, so
 * every format gets it the same way.
 */
#ifndef PGS_FORMATS_H
#define PGS_FORMATS_H

#include <jansson.h>
#include <stddef.h>

#include "schedule.h"
#include "util.h"

/* Options that some formats use; set once from the command line.  Borrowed. */
struct pgs_fmt_opts {
	const char *const *maps;      /* nbacom-csv --map COL=field, checked by pgs_nbacom_map_check */
	int nmaps;
	const pgs_schedule *schedule; /* --games: dates of stats.nba.com game ids, or NULL */
};

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
	const struct pgs_fmt_opts *opts;   /* never NULL */
	/*
	 * A reader that skips rows dated outside [from, to] early says so here, with arg
	 * (may be NULL): n rows of day number days, so none is skipped uncounted.
	 */
	void (*skip)(long days, long n, void *arg);
};

/* What detect() says about an input's head. */
enum { PGS_DETECT_NO = 0, PGS_DETECT_YES = 1, PGS_DETECT_MORE = 2 };

struct pgs_format {
	const char *name;
	/*
	 * Does head start this format?  head is an input's first non-blank line,
	 * or its first lines joined by '\n' after an earlier answer of MORE.
	 * PGS_DETECT_YES, _NO, or _MORE: cannot tell yet, show me more lines.
	 */
	int (*detect)(const char *head, size_t len);
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
/*
 * The format of an input whose head is given: the first format, in table
 * order, that says YES with no earlier one saying MORE.  When an earlier one
 * says MORE, returns NULL and sets *more (if more is not NULL) so the caller
 * can come back with more lines; with more NULL (no more lines to show),
 * MORE counts as NO.  NULL with *more == 0: no format fits.
 */
const struct pgs_format *pgs_format_detect(const char *head, size_t len, int *more);
/* "bbref-csv, nbacom-csv, ...": the names, for usage and error messages (static storage). */
const char *pgs_format_names(void);

extern const struct pgs_format pgs_fmt_bbref_csv;
extern const struct pgs_format pgs_fmt_nbacom_csv;
extern const struct pgs_format pgs_fmt_nbastats_v3;
extern const struct pgs_format pgs_fmt_raw;

/*
 * nbacom-csv --map: check the specs ("COL=field") as a whole, against the
 * export's known header.  0, or -1 with the reason in why (a usage error).
 */
int pgs_nbacom_map_check(const char *const *maps, int n, char *why, size_t whylen);

/* nbastats-v3: whether a boxscoretraditionalv3 document (doc, its boxScoreTraditional
 * object bst) says its game is over: 1 final, 0 not yet (gameStatus 1 or 2, or a
 * gameStatusText other than "Final..."), -1 it does not say. */
int pgs_nbastats_final(json_t *doc, json_t *bst);

/*
 * The detection driver: reads inputs line by line and hands each to its
 * format's reader.  Until an input's format is known its first lines are
 * held (a pretty-printed JSON document cannot be told from raw NDJSON by its
 * first line "{"); once a format says yes they are replayed to its reader.
 * Detection asks again only when the held head has doubled, so it costs
 * linear time however long a format keeps saying MORE, and it stops asking
 * at 1 MiB of head.
 */
typedef struct pgs_reader pgs_reader;
/*
 * fmt: every input's format (--format), or NULL to detect per input.  io:
 * borrowed, outlives the reader; its input field is set to the name of each
 * input as it is read (so the row callback can name it).
 */
pgs_reader *pgs_reader_new(const struct pgs_format *fmt, struct pgs_fmt_io *io);
/* Read the named files in order (n == 0: stdin), each in its own format.  0, or -1 reported. */
int pgs_reader_files(pgs_reader *r, char **names, int n);
/* Read one input held in memory (an HTTP body) called name; its bytes are split in place.  0, or -1 reported. */
int pgs_reader_buffer(pgs_reader *r, const char *name, pgs_buf *body);
void pgs_reader_free(pgs_reader *r);

#endif
