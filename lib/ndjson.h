/*
 * ndjson.h — reading lines and NDJSON rows from files, stdin and .gz, and
 * writing rows with the stream end marker.
 *
 * Input: pgs_input reads the named files in order ("-" or no names means
 * stdin); gzip data is detected by its magic bytes and inflated by zlib, so
 * a .gz file or a gzipped pipe both work.  Lines may be of any length; the
 * returned line is valid until the next call.
 *
 * Stream end marker: a pgs stage that finishes its whole input writes one
 * last line {"pgs_end":{"tool":T,"rows":N,...}}.  pgs_rows reads JSON rows
 * and consumes markers itself: a marker whose row count differs from the
 * rows that arrived, or rows after a marker with no marker following them,
 * means the upstream died, and reading fails (PGS_ROWS_FATAL).  An input
 * with no marker at all is hand-made: accepted, and pgs_rows_marked()
 * tells the caller so it does not vouch for the stream with its own marker.
 */
#ifndef PGS_NDJSON_H
#define PGS_NDJSON_H

#include <jansson.h>
#include <stddef.h>

#include "hashmap.h"
#include "schema.h"
#include "util.h"

typedef struct pgs_input pgs_input;

/* names: n file names; n == 0 means stdin.  Files open lazily, in order. */
pgs_input *pgs_input_open(char **names, int n);
/* Next line without its '\n' (and without a trailing '\r').  Returns 1 and
 * sets *line and *len, 0 at the end of all input, -1 on an I/O error or a file
 * that cannot be opened (reported). */
int pgs_input_line(pgs_input *in, char **line, size_t *len);
const char *pgs_input_name(const pgs_input *in);  /* current input, "-" for stdin */
long pgs_input_lineno(const pgs_input *in);       /* 1-based line number in it */
/* 1 when the line just returned was the first of a new input file. */
int pgs_input_new_file(const pgs_input *in);
void pgs_input_close(pgs_input *in);

typedef struct pgs_rows pgs_rows;
enum { PGS_ROWS_WINDOW = 2, PGS_ROWS_ROW = 1, PGS_ROWS_END = 0, PGS_ROWS_FATAL = -1 };

pgs_rows *pgs_rows_open(char **names, int n);
/*
 * Next JSON object.  Returns PGS_ROWS_ROW with *row a new reference (the
 * caller json_decref()s it), PGS_ROWS_END at the end of input, or
 * PGS_ROWS_FATAL (I/O error, truncated upstream, a marker whose count does
 * not match, too many rejects; already reported).  Lines that are not JSON
 * objects are rejected through rejects.h and skipped; blank lines are
 * ignored.
 */
int pgs_rows_next(pgs_rows *r, json_t **row);
/*
 * Window streams (pgs-extract --windows): the rows of several windows, each
 * followed by {"pgs_window":{"from":D,"to":D,"rows":N,"rejects":R}}, N the
 * data lines since the previous window marker (checked like an end
 * marker's count), R the rejects of that window in the stages so far; one
 * end marker after the last window.  After pgs_rows_windows(), pgs_rows_next()
 * returns PGS_ROWS_WINDOW at each window marker, with *row a new reference to
 * its inner object; without it a window marker is fatal.  Rows after the
 * last window marker of a stream are a truncation.
 */
void pgs_rows_windows(pgs_rows *r);
/* A filter's bookkeeping of the window in progress (zeroed at the start). */
struct pgs_window_mark {
	long rows_at, rejects_at;   /* rows written and rejects at the previous marker */
};
/*
 * Pass the window marker w (from pgs_rows_next) on: the rows written since
 * the previous marker (rows_out is every row written so far), its rejects
 * plus this tool's since then, its watermark; then stdout is flushed, so that the window's
 * rows reach the next stage now.  0, or -1 on a write error.
 */
int pgs_pass_window(json_t *w, long rows_out, struct pgs_window_mark *m);
/*
 * Write a window marker of from..to, rows and rejects, and flush stdout.
 * watermark (or NULL): the raw rows' watermark when they were read (see
 * ledger.h), passed on as it is by every stage.  0 or -1.
 */
int pgs_emit_window(const char *from, const char *to, long rows, long rejects, const char *watermark);
/* Position of the row just returned, for reject messages. */
const char *pgs_rows_name(const pgs_rows *r);
long pgs_rows_lineno(const pgs_rows *r);
/* The raw text of the row just returned (valid until the next call). */
const char *pgs_rows_text(const pgs_rows *r);
/* After PGS_ROWS_END: 1 when every input ended with a valid end marker. */
int pgs_rows_marked(const pgs_rows *r);
/* Data rows read so far (markers and rejected lines not counted). */
long pgs_rows_count(const pgs_rows *r);
/*
 * What the end markers read so far say upstream skipped, summed:
 * {"skipped_out_of_window":N,"skipped_dates":{"YYYY-MM-DD":N,...}}, or
 * NULL when nothing was (borrowed; lives until pgs_rows_close).  Every end
 * marker pgs_rows_vouch() writes carries it on.
 */
json_t *pgs_rows_carried(const pgs_rows *r);
void pgs_rows_close(pgs_rows *r);

/*
 * Append v as compact JSON to b: the one serializer of pgs rows.  Byte for
 * byte what jansson's json_dumps(JSON_COMPACT | JSON_ENCODE_ANY |
 * JSON_REAL_PRECISION(15)) writes — its escaping, keys in insertion order —
 * but several times faster (no stdio per token, no loop-check snprintf).
 * Reals get 15 significant digits: 0.1 prints as 0.1, 36.2 as 36.2 (17
 * would print 0.10000000000000001).  Returns 0, or -1 for a real that is not
 * finite (b then holds a partial dump).
 */
int pgs_json_dump(pgs_buf *b, json_t *v);
/* The real x as pgs_json_dump() writes it; -1 (nothing written) when it is not finite. */
int pgs_json_dump_real(pgs_buf *b, double x);

/* Output goes to stdout through a large buffer. Call once before writing. */
void pgs_out_init(void);
/* Write obj as one compact JSON line (pgs_json_dump).  Returns 0, or -1 on a
 * write error (the caller stops; pgs_out_close() reports it). */
int pgs_emit(json_t *obj);
/*
 * 1 when the n bytes at s, which parse to the object obj, are byte for byte
 * what pgs_emit(obj) writes (less its newline): one flat object (no nested
 * object or array) with obj's number of members (no key twice), no white
 * space outside strings, integers only (no fraction, exponent or -0), no \/
 * or \u escape.  A cheap, conservative test (0 means "perhaps not") that
 * never parses.
 */
int pgs_json_is_dump(const char *s, size_t n, json_t *obj);
/*
 * Each of the nf fields' value in the object row (borrowed; NULL when
 * absent) into out[0..nf), in one walk over the row: rows list their fields
 * in schema order, so the field after the last one found is tried first, and
 * only other keys cost a lookup, in index (name -> position + 1) when given,
 * else by pgs_field_find().  Keys that are not fields are skipped.
 */
void pgs_field_values(json_t *row, const struct pgs_field *f, size_t nf, const pgs_map *index,
    json_t **out);
/* Write the n bytes at s as one line (text pgs_json_is_dump() vouched for); as pgs_emit(). */
int pgs_emit_text(const char *s, size_t n);
/* Write n bytes to stdout: 0, or -1 on a write error, whose errno pgs_out_close() reports
 * (by then a store's close may have overwritten errno).  Every tool writes stdout through it. */
int pgs_out_write(const void *s, size_t n);
/* Write the end marker {"pgs_end":{"tool":PROG,"rows":rows,"rejects":rejects,...extra}}.
 * extra (borrowed, may be NULL) is an object whose keys are added. */
int pgs_emit_end(long rows, long rejects, json_t *extra);
/*
 * Finish a filter's stream: got is what its read loop ended with.  Only when
 * the input ended cleanly and upstream vouched for all of it
 * (pgs_rows_marked) does the filter vouch in turn, with an end marker of
 * rows_out rows and the rejects so far.  Returns got, or PGS_ROWS_FATAL when
 * the marker could not be written.
 */
int pgs_rows_vouch(int got, const pgs_rows *in, long rows_out);
/* The same, with the keys of extra (borrowed, may be NULL) added to the marker. */
int pgs_rows_vouch_extra(int got, const pgs_rows *in, long rows_out, json_t *extra);
/* 1 when stdout is a pipe whose reader has gone (a write would fail with
 * EPIPE): a window stream whose consumer died stops before its next commit. */
int pgs_out_reader_gone(void);
/* Flush and close stdout; -1 after reporting a write error. */
int pgs_out_close(void);

#endif
