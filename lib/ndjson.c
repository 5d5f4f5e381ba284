/* ndjson.c — line input over files/stdin/gzip, JSON rows, end markers. */
#include "ndjson.h"

#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <poll.h>
#include <sys/stat.h>
#include <zlib.h>

#include "dates.h"
#include "jsonparse.h"
#include "rejects.h"
#include "util.h"

#define CHUNK (256 * 1024)

struct pgs_input {
	char **names;
	int n, cur;           /* cur: index of the open file, -1 before the first */
	int fd;               /* the open file, or -1 */
	int gz;               /* it is gzip data, inflated through zs */
	int zend;             /* the last inflate() ended a gzip member: a clean end */
	z_stream zs;
	unsigned char *zbuf;  /* compressed bytes read ahead (gz) */
	const char *name;     /* current display name */
	long lineno;
	int new_file;
	char *buf;            /* read buffer */
	size_t start, end;    /* unread bytes are buf[start, end) */
	size_t cap;
	int eof;              /* current file is exhausted */
};

pgs_input *
pgs_input_open(char **names, int n)
{
	pgs_input *in = pgs_xcalloc(1, sizeof(*in));

	in->names = names;
	in->n = n;
	in->cur = -1;
	in->fd = -1;
	in->cap = CHUNK;
	in->buf = pgs_xmalloc(in->cap);
	in->zbuf = pgs_xmalloc(CHUNK);
	return in;
}

/*
 * A pipe between two stages holds 64 KiB by default: about 60 rows.  On two
 * cores, three stages then take turns in lockstep, each waking the next for
 * every few rows, and the pipe ran at a little over one core (1.47M rows:
 * 67 s).  With 1 MiB (the largest an unprivileged process may ask for,
 * /proc/sys/fs/pipe-max-size) each stage runs for longer between waits, and
 * the same pipe took 39 s.  Either end of a pipe may grow it; a pipe that
 * cannot grow (a user over fs.pipe-user-pages-soft) stays as it is.
 */
#define PIPE_BYTES (1 << 20)

static void
pipe_grow(int fd)
{
	struct stat sb;
	int now;

	if (fstat(fd, &sb) == 0 && S_ISFIFO(sb.st_mode) &&
	    (now = fcntl(fd, F_GETPIPE_SZ)) >= 0 && now < PIPE_BYTES)
		(void)fcntl(fd, F_SETPIPE_SZ, PIPE_BYTES);
}

/* read(2) that retries on EINTR; -1 reported. */
static ssize_t
read_some(pgs_input *in, void *to, size_t n)
{
	ssize_t got;

	while ((got = read(in->fd, to, n)) < 0 && errno == EINTR)
		;
	if (got < 0)
		pgs_err_errno("read error on '%s'", in->name);
	return got;
}

static void
close_current(pgs_input *in)
{
	if (in->fd >= 0)
		close(in->fd);
	if (in->gz)
		inflateEnd(&in->zs);
	in->fd = -1;
	in->gz = 0;
}

/*
 * Open the next input.  Its first bytes say whether it is gzip (the magic
 * 1f 8b): then it is inflated with zlib's inflate(); else read as it is.
 * Both read what is there and return it, never waiting to fill a buffer
 * (zlib's gzread() does wait, which held a window stream's lines in a
 * pipe until 256 KiB or the end had come).
 */
static int
open_next(pgs_input *in)
{
	const char *path;
	size_t have = 0;
	ssize_t got;

	close_current(in);
	in->cur++;
	if (in->cur >= (in->n ? in->n : 1))
		return 0;
	path = in->n ? in->names[in->cur] : "-";
	if (strcmp(path, "-") == 0) {
		in->fd = dup(STDIN_FILENO);
		in->name = "-";
		pipe_grow(STDIN_FILENO);
	} else {
		in->fd = open(path, O_RDONLY | O_CLOEXEC);
		in->name = path;
	}
	if (in->fd < 0) {
		pgs_err_errno("cannot open '%s'", path);
		return -1;
	}
	in->lineno = 0;
	in->start = in->end = 0;
	in->eof = 0;
	in->new_file = 1;
	/* the first two bytes, to tell gzip */
	while (have < 2 && (got = read_some(in, in->zbuf + have, CHUNK - have)) > 0)
		have += (size_t)got;
	if (got < 0 && have < 2)
		return -1;
	if (have >= 2 && in->zbuf[0] == 0x1f && in->zbuf[1] == 0x8b) {
		memset(&in->zs, 0, sizeof(in->zs));
		if (inflateInit2(&in->zs, 16 + MAX_WBITS) != Z_OK) {
			pgs_err("cannot read '%s': zlib did not start", path);
			return -1;
		}
		in->gz = 1;
		in->zend = 0;
		in->zs.next_in = in->zbuf;
		in->zs.avail_in = (uInt)have;
	} else {
		memcpy(in->buf, in->zbuf, have);
		in->end = have;
		if (have == 0)
			in->eof = 1;
	}
	return 1;
}

/* Inflate some gzip data into buf[end, cap - 1): 1 got some, 0 clean eof, -1 error. */
static int
fill_gz(pgs_input *in)
{
	size_t room = in->cap - in->end - 1, made;
	ssize_t got;
	int zr;

	for (;;) {
		if (in->zs.avail_in == 0) {
			if ((got = read_some(in, in->zbuf, CHUNK)) < 0)
				return -1;
			if (got == 0) {
				if (in->zend)
					return 0;
				pgs_err("read error on '%s': truncated gzip data", in->name);
				return -1;
			}
			in->zs.next_in = in->zbuf;
			in->zs.avail_in = (uInt)got;
		}
		/* gzip allows members one after another */
		if (in->zend && inflateReset(&in->zs) != Z_OK) {
			pgs_err("read error on '%s': zlib failed", in->name);
			return -1;
		}
		in->zend = 0;
		in->zs.next_out = (Bytef *)in->buf + in->end;
		in->zs.avail_out = (uInt)room;
		zr = inflate(&in->zs, Z_NO_FLUSH);
		made = room - in->zs.avail_out;
		in->end += made;
		if (zr == Z_STREAM_END)
			in->zend = 1;
		else if (zr != Z_OK && zr != Z_BUF_ERROR) {
			pgs_err("read error on '%s': %s", in->name, in->zs.msg ? in->zs.msg : "bad gzip data");
			return -1;
		}
		if (made > 0)
			return 1;
	}
}

/* Read more bytes into the buffer; 1 got some, 0 eof, -1 error. */
static int
fill(pgs_input *in)
{
	ssize_t got;

	if (in->start > 0) {
		memmove(in->buf, in->buf + in->start, in->end - in->start);
		in->end -= in->start;
		in->start = 0;
	}
	if (in->end + 1 >= in->cap) {
		in->cap *= 2;
		in->buf = pgs_xrealloc(in->buf, in->cap);
	}
	if (in->gz)
		return fill_gz(in);
	if ((got = read_some(in, in->buf + in->end, in->cap - in->end - 1)) < 0)
		return -1;
	in->end += (size_t)got;
	return got > 0;
}

int
pgs_input_line(pgs_input *in, char **line, size_t *len)
{
	char *nl;
	size_t scanned = 0;
	int r;

	for (;;) {
		if (in->cur < 0 || in->eof) {
			if (in->cur >= 0 && in->start < in->end)
				break; /* last line without a newline */
			r = open_next(in);
			if (r <= 0)
				return r;
			continue;
		}
		nl = memchr(in->buf + in->start + scanned, '\n', in->end - in->start - scanned);
		if (nl) {
			size_t n = (size_t)(nl - (in->buf + in->start));

			*line = in->buf + in->start;
			*nl = '\0';
			in->start += n + 1;
			if (n > 0 && (*line)[n - 1] == '\r')
				(*line)[--n] = '\0';
			*len = n;
			in->lineno++;
			goto got;
		}
		scanned = in->end - in->start;
		r = fill(in);
		if (r < 0)
			return -1;
		if (r == 0)
			in->eof = 1;
	}
	/* final line with no trailing newline */
	*line = in->buf + in->start;
	*len = in->end - in->start;
	in->buf[in->end] = '\0';
	in->start = in->end;
	in->lineno++;
got:
	return 1;
}

const char *
pgs_input_name(const pgs_input *in)
{
	return in->name ? in->name : "-";
}

long
pgs_input_lineno(const pgs_input *in)
{
	return in->lineno;
}

int
pgs_input_new_file(const pgs_input *in)
{
	return in->new_file && in->lineno == 1;
}

void
pgs_input_close(pgs_input *in)
{
	if (!in)
		return;
	close_current(in);
	free(in->buf);
	free(in->zbuf);
	free(in);
}

/* ---- JSON rows with end markers ---- */

enum { MARK_NONE, MARK_OPEN, MARK_CLOSED };

/* Trees kept for reuse: more than a game's rows, for a caller that holds a game. */
#define POOL 64

struct pgs_rows {
	pgs_input *in;
	const char *text;
	long rows;          /* data rows returned */
	long since_mark;    /* data lines (incl. rejected) since the last marker in this file */
	int file_state;     /* MARK_*: this file had no marker / rows after a marker / closed */
	int all_marked;     /* every finished file ended with a marker */
	int started;
	json_t *pool[POOL]; /* rows returned earlier, to read later ones into (pgs_json_reread) */
	size_t npool, next; /* next: where to look for a free one first */
	int reuse;          /* < 0: rows to go before trying that again */
	int take_windows;   /* the caller takes window markers (pgs_rows_windows) */
	long since_window;  /* data lines (incl. rejected) since the last window marker */
	int in_windows;     /* this file's stream has had a window marker */
	json_t *carried;    /* what the upstream markers say was skipped, summed (pgs_rows_carried) */
};

pgs_rows *
pgs_rows_open(char **names, int n)
{
	pgs_rows *r = pgs_xcalloc(1, sizeof(*r));

	r->in = pgs_input_open(names, n);
	r->all_marked = 1;
	return r;
}

/* Close the bookkeeping of one input file; -1 when it was cut short. */
static int
finish_file(pgs_rows *r)
{
	if (!r->started)
		return 0;
	if (r->file_state == MARK_CLOSED && r->since_mark == 0)
		return 0;
	if (r->file_state != MARK_NONE) {
		pgs_err("%s: input ended without the upstream end marker after %ld rows: upstream truncated",
		    pgs_input_name(r->in), r->since_mark);
		return -1;
	}
	r->all_marked = 0;
	return 0;
}

/*
 * Rows an upstream skipped (pgs-extract: dated outside its window) go on
 * being counted downstream: the counts of the end markers read are summed
 * here, and every marker written after them carries the sums.
 */
static void
carry(pgs_rows *r, json_t *end)
{
	static const char *const counts[] = { "skipped_out_of_window", "skipped_misfiled" };
	json_t *n = json_object_get(end, "skipped_out_of_window");
	json_t *dates = json_object_get(end, "skipped_dates"), *v, *have;
	const char *k;

	if (!json_is_integer(n) || json_integer_value(n) <= 0)
		return;
	if (!r->carried)
		r->carried = json_pack("{s:I, s:{}}", "skipped_out_of_window", (json_int_t)0,
		    "skipped_dates");
	for (size_t i = 0; i < sizeof(counts) / sizeof(counts[0]); i++) {
		json_int_t add = json_integer_value(json_object_get(end, counts[i]));

		if (add <= 0)
			continue;
		have = json_object_get(r->carried, counts[i]);
		json_object_set_new(r->carried, counts[i], json_integer(json_integer_value(have) + add));
	}
	have = json_object_get(r->carried, "skipped_dates");
	json_object_foreach(dates, k, v) {
		json_t *was = json_object_get(have, k);

		if (json_is_integer(v))
			json_object_set_new(have, k, json_integer(json_integer_value(v) +
			    (was ? json_integer_value(was) : 0)));
	}
}

static int
check_marker(pgs_rows *r, json_t *end)
{
	json_t *jrows = json_object_get(end, "rows");
	const char *tool = json_string_value(json_object_get(end, "tool"));

	if (!json_is_integer(jrows)) {
		pgs_err("%s:%ld: end marker without a row count", pgs_input_name(r->in),
		    pgs_input_lineno(r->in));
		return -1;
	}
	if (json_integer_value(jrows) != r->since_mark) {
		pgs_err("%s:%ld: end marker of %s says %lld rows but %ld arrived: upstream truncated",
		    pgs_input_name(r->in), pgs_input_lineno(r->in), tool ? tool : "upstream",
		    (long long)json_integer_value(jrows), r->since_mark);
		return -1;
	}
	if (r->in_windows && r->since_window > 0) {
		pgs_err("%s:%ld: %ld rows after the last window marker: upstream truncated",
		    pgs_input_name(r->in), pgs_input_lineno(r->in), r->since_window);
		return -1;
	}
	carry(r, end);
	r->since_mark = 0;
	r->since_window = 0;
	r->in_windows = 0;
	r->file_state = MARK_CLOSED;
	return 0;
}

/* A window marker {"pgs_window":{"from":D,"to":D,"rows":N,...}}: its dates, and its
 * count of the data lines since the previous one. */
static int
check_window(pgs_rows *r, json_t *w)
{
	json_t *jrows = json_object_get(w, "rows");
	const char *from = json_string_value(json_object_get(w, "from"));
	const char *to = json_string_value(json_object_get(w, "to"));
	long a, b;

	if (!r->take_windows) {
		pgs_err("%s:%ld: a window marker (the stream of pgs-extract --windows), which %s takes only"
		    " with --windows", pgs_input_name(r->in), pgs_input_lineno(r->in), pgs_prog);
		return -1;
	}
	if (!json_is_integer(jrows) || !from || !to || pgs_date_parse(from, &a) < 0 ||
	    pgs_date_parse(to, &b) < 0 || a > b) {
		pgs_err("%s:%ld: bad window marker: want from and to dates and a row count",
		    pgs_input_name(r->in), pgs_input_lineno(r->in));
		return -1;
	}
	if (json_integer_value(jrows) != r->since_window) {
		pgs_err("%s:%ld: window marker of %s..%s says %lld rows but %ld arrived: upstream truncated",
		    pgs_input_name(r->in), pgs_input_lineno(r->in), from, to,
		    (long long)json_integer_value(jrows), r->since_window);
		return -1;
	}
	r->since_window = 0;
	r->in_windows = 1;
	if (r->file_state == MARK_CLOSED)
		r->file_state = MARK_OPEN;
	return 0;
}

/*
 * A tree of an earlier row with the line read into it, when the caller has
 * let go of that row and the line has the same fields in the same order
 * (rows of a stream mostly do): no allocation, no hashing.  NULL otherwise.
 * A tree whose reading failed is dropped, and the next try waits 32 rows.
 */
static json_t *
next_tree(pgs_rows *r, const char *line, size_t len)
{
	json_t *t;
	size_t i, k;

	if (r->reuse < 0) {
		r->reuse++;
		return NULL;
	}
	for (k = 0; k < r->npool; k++) {
		i = (r->next + k) % r->npool;
		if (r->pool[i]->refcount != 1)
			continue;   /* the caller still holds it */
		t = r->pool[i];
		r->pool[i] = r->pool[--r->npool];
		r->next = r->npool ? (i + 1) % r->npool : 0;
		if (pgs_json_reread(t, line, len) == 0)
			return t;
		json_decref(t);
		r->reuse = -32;
		return NULL;
	}
	return NULL;
}

int
pgs_rows_next(pgs_rows *r, json_t **row)
{
	char *line;
	size_t len;
	json_error_t jerr;
	json_t *obj, *end;
	int got;

	for (;;) {
		got = pgs_input_line(r->in, &line, &len);
		if (got < 0)
			return PGS_ROWS_FATAL;
		if (got == 0)
			return finish_file(r) < 0 ? PGS_ROWS_FATAL : PGS_ROWS_END;
		if (pgs_input_new_file(r->in)) {
			if (finish_file(r) < 0)
				return PGS_ROWS_FATAL;
			r->started = 1;
			r->file_state = MARK_NONE;
			r->since_mark = 0;
			r->since_window = 0;
			r->in_windows = 0;
		}
		if (len == 0 || strspn(line, " \t") == len)
			continue;
		r->text = line;
		obj = next_tree(r, line, len);
		if (!obj)
			obj = pgs_json_loadb(line, len, JSON_REJECT_DUPLICATES, &jerr);
		if (!obj || !json_is_object(obj)) {
			r->since_mark++;
			r->since_window++;
			if (r->file_state == MARK_CLOSED)
				r->file_state = MARK_OPEN;
			if (pgs_reject(pgs_input_name(r->in), pgs_input_lineno(r->in), line,
			    obj ? "not a JSON object" : "malformed JSON: %s", jerr.text) < 0) {
				json_decref(obj);
				return PGS_ROWS_FATAL;
			}
			json_decref(obj);
			continue;
		}
		end = json_object_get(obj, "pgs_end");
		if (end && json_object_size(obj) == 1) {
			int bad = check_marker(r, end);

			json_decref(obj);
			if (bad)
				return PGS_ROWS_FATAL;
			continue;
		}
		if ((end = json_object_get(obj, "pgs_window")) && json_object_size(obj) == 1) {
			int bad = check_window(r, end);

			if (!bad)
				*row = json_incref(end);
			json_decref(obj);
			return bad ? PGS_ROWS_FATAL : PGS_ROWS_WINDOW;
		}
		r->since_mark++;
		r->since_window++;
		if (r->file_state == MARK_CLOSED)
			r->file_state = MARK_OPEN;
		r->rows++;
		*row = obj;
		if (r->npool < POOL)
			r->pool[r->npool++] = json_incref(obj);
		return PGS_ROWS_ROW;
	}
}

const char *
pgs_rows_name(const pgs_rows *r)
{
	return pgs_input_name(r->in);
}

long
pgs_rows_lineno(const pgs_rows *r)
{
	return pgs_input_lineno(r->in);
}

const char *
pgs_rows_text(const pgs_rows *r)
{
	return r->text;
}

int
pgs_rows_marked(const pgs_rows *r)
{
	return r->started && r->all_marked;
}

void
pgs_rows_windows(pgs_rows *r)
{
	r->take_windows = 1;
}

long
pgs_rows_count(const pgs_rows *r)
{
	return r->rows;
}

json_t *
pgs_rows_carried(const pgs_rows *r)
{
	return r->carried;
}

void
pgs_rows_close(pgs_rows *r)
{
	if (!r)
		return;
	for (size_t i = 0; i < r->npool; i++)
		json_decref(r->pool[i]);
	json_decref(r->carried);
	pgs_input_close(r->in);
	free(r);
}

/* ---- output ---- */

static char outbuf[1 << 16];

void
pgs_out_init(void)
{
	setvbuf(stdout, outbuf, _IOFBF, sizeof(outbuf));
	pipe_grow(STDOUT_FILENO);
}

/* ---- the row serializer ---- */

/* As jansson's jsonp_dtostr(): "%.15g", a ".0" when it looks like an integer, no '+' or leading zeros in the exponent. */
static int
format_real(char tmp[40], double x)
{
	char *e;
	int n;

	n = snprintf(tmp, 40 - 3, "%.15g", x);
	if (n < 0 || n >= 40 - 3)
		return -1;
	if (!strchr(tmp, '.') && !strchr(tmp, 'e')) {
		memcpy(tmp + n, ".0", 3);
		n += 2;
	}
	if ((e = strchr(tmp, 'e'))) {
		/* e points at the exponent's sign or first digit, end past '+' and leading zeros */
		char *end = ++e + 1;

		if (*e == '-')
			e++;
		while (*end == '0')
			end++;
		if (end != e)
			memmove(e, end, strlen(end) + 1);
		n = (int)strlen(tmp);
	}
	return n;
}

#define REAL_CACHE 2048

int
pgs_json_dump_real(pgs_buf *b, double x)
{
	/* snprintf of a double is the dearest token of a row, and rows repeat few
	 * values (minutes to 0.1, percentages to 0.001): remembered by their bits */
	static struct {
		uint64_t bits;
		int len;        /* 0: empty */
		char text[40];
	} cache[REAL_CACHE];
	uint64_t bits;
	size_t slot;
	int n;

	if (!isfinite(x))
		return -1;
	memcpy(&bits, &x, sizeof(bits));
	slot = (size_t)((bits * 0x9E3779B97F4A7C15ULL) >> 53) % REAL_CACHE;
	if (cache[slot].len == 0 || cache[slot].bits != bits) {
		if ((n = format_real(cache[slot].text, x)) < 0) {
			cache[slot].len = 0;
			return -1;
		}
		cache[slot].bits = bits;
		cache[slot].len = n;
	}
	pgs_buf_add(b, cache[slot].text, (size_t)cache[slot].len);
	return 0;
}

int
pgs_json_dump(pgs_buf *b, json_t *v)
{
	const char *key;
	json_t *item;
	size_t i, first = 1;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		pgs_buf_add(b, "{", 1);
		json_object_foreach(v, key, item) {
			if (!first)
				pgs_buf_add(b, ",", 1);
			first = 0;
			pgs_buf_addjson(b, key, strlen(key));
			pgs_buf_add(b, ":", 1);
			if (pgs_json_dump(b, item) < 0)
				return -1;
		}
		pgs_buf_add(b, "}", 1);
		return 0;
	case JSON_ARRAY:
		pgs_buf_add(b, "[", 1);
		json_array_foreach(v, i, item) {
			if (i > 0)
				pgs_buf_add(b, ",", 1);
			if (pgs_json_dump(b, item) < 0)
				return -1;
		}
		pgs_buf_add(b, "]", 1);
		return 0;
	case JSON_STRING:
		pgs_buf_addjson(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		pgs_buf_addint(b, json_integer_value(v));
		return 0;
	case JSON_REAL:
		return pgs_json_dump_real(b, json_real_value(v));
	case JSON_TRUE:
		pgs_buf_add(b, "true", 4);
		return 0;
	case JSON_FALSE:
		pgs_buf_add(b, "false", 5);
		return 0;
	default:
		pgs_buf_add(b, "null", 4);
		return 0;
	}
}

/* One reused line buffer: json_dumpf() would write token by token through locked stdio. */
static pgs_buf emit_buf;
static int out_errno;   /* errno of the first failed write to stdout */

int
pgs_out_write(const void *s, size_t n)
{
	if (fwrite_unlocked(s, 1, n, stdout) == n)
		return 0;
	if (!out_errno)
		out_errno = errno ? errno : EIO;
	return -1;
}

int
pgs_emit(json_t *obj)
{
	pgs_buf_reset(&emit_buf);
	if (pgs_json_dump(&emit_buf, obj) < 0)
		return -1;
	pgs_buf_add(&emit_buf, "\n", 1);
	return pgs_out_write(emit_buf.s, emit_buf.len);
}

int
pgs_json_is_dump(const char *s, size_t n, json_t *obj)
{
	const char *p, *end = s + n;
	size_t members = 0;
	unsigned char c;

	if (!json_is_object(obj) || n < 2 || s[0] != '{' || s[n - 1] != '}')
		return 0;
	for (p = s + 1; p < end - 1; p++) {
		c = (unsigned char)*p;
		if (c == '"') {
			/* a string: bytes pgs_buf_addjson() writes as they are, and its escapes */
			for (p++; p < end && *p != '"'; p++) {
				c = (unsigned char)*p;
				if (c < 0x20)
					return 0;
				if (c == '\\' && (++p >= end || !*p || !strchr("\"\\bfnrt", *p)))
					return 0;
			}
			if (p >= end)
				return 0;
		} else if (c == ':')
			members++;
		else if (c == '-') {
			if (p + 1 >= end || p[1] < '1' || p[1] > '9')
				return 0;   /* -0 is printed 0 */
		} else if (c == 't' || c == 'f' || c == 'n') {
			const char *lit = c == 't' ? "true" : c == 'f' ? "false" : "null";
			size_t len = strlen(lit);

			if ((size_t)(end - p) < len || memcmp(p, lit, len) != 0)
				return 0;
			p += len - 1;
		} else if (!((c >= '0' && c <= '9') || c == ','))
			return 0;   /* white space, a fraction or exponent, nesting, anything else */
	}
	return members == json_object_size(obj);
}

int
pgs_emit_text(const char *s, size_t n)
{
	return pgs_out_write(s, n) == 0 && pgs_out_write("\n", 1) == 0 ? 0 : -1;
}

void
pgs_field_values(json_t *row, const struct pgs_field *f, size_t nf, const pgs_map *index,
    json_t **out)
{
	const struct pgs_field *found;
	size_t next = 0, i;
	const char *k;
	json_t *v;
	long pos;

	memset(out, 0, nf * sizeof(*out));
	json_object_foreach(row, k, v) {
		if (next < nf && strcmp(k, f[next].name) == 0)
			i = next;
		else if (index && pgs_map_get_num(index, k, &pos) == 0)
			i = (size_t)pos - 1;
		else if (!index && (found = pgs_field_find(f, nf, k)))
			i = (size_t)(found - f);
		else
			continue;   /* not a field */
		out[i] = v;
		next = i + 1;
	}
}

int
pgs_emit_end(long rows, long rejects, json_t *extra)
{
	json_t *m = json_pack("{s:s, s:I, s:I}", "tool", pgs_prog, "rows", (json_int_t)rows,
	    "rejects", (json_int_t)rejects);
	json_t *o;
	int r;

	if (extra)
		json_object_update(m, extra);
	o = json_pack("{s:o}", "pgs_end", m);
	r = pgs_emit(o);
	json_decref(o);
	return r;
}

int
pgs_emit_window(const char *from, const char *to, long rows, long rejects, const char *watermark)
{
	json_t *o = json_pack("{s:{s:s, s:s, s:I, s:I}}", "pgs_window", "from", from, "to", to,
	    "rows", (json_int_t)rows, "rejects", (json_int_t)rejects);
	int r;

	if (o && watermark)
		json_object_set_new(json_object_get(o, "pgs_window"), "watermark", json_string(watermark));
	r = o ? pgs_emit(o) : -1;

	json_decref(o);
	if (r == 0 && fflush_unlocked(stdout) != 0) {
		if (!out_errno)
			out_errno = errno ? errno : EIO;
		r = -1;
	}
	return r;
}

int
pgs_pass_window(json_t *w, long rows_out, struct pgs_window_mark *m)
{
	json_t *jr = json_object_get(w, "rejects");
	long in = json_is_integer(jr) && json_integer_value(jr) > 0 ? (long)json_integer_value(jr) : 0;
	long mine = pgs_reject_count() - m->rejects_at;
	int r = pgs_emit_window(json_string_value(json_object_get(w, "from")),
	    json_string_value(json_object_get(w, "to")), rows_out - m->rows_at, in + mine,
	    json_string_value(json_object_get(w, "watermark")));

	m->rows_at = rows_out;
	m->rejects_at += mine;
	return r;
}

int
pgs_rows_vouch(int got, const pgs_rows *in, long rows_out)
{
	return pgs_rows_vouch_extra(got, in, rows_out, NULL);
}

int
pgs_rows_vouch_extra(int got, const pgs_rows *in, long rows_out, json_t *extra)
{
	json_t *all = NULL;
	int r = 0;

	if (got != PGS_ROWS_END || !pgs_rows_marked(in))
		return got;
	if (in->carried || extra) {
		all = json_object();
		if (in->carried)
			json_object_update(all, in->carried);
		if (extra)
			json_object_update(all, extra);
	}
	r = pgs_emit_end(rows_out, pgs_reject_count(), all);
	json_decref(all);
	return r < 0 ? PGS_ROWS_FATAL : got;
}

int
pgs_out_reader_gone(void)
{
	struct pollfd p = { .fd = STDOUT_FILENO, .events = 0 };

	return poll(&p, 1, 0) == 1 && (p.revents & POLLERR) != 0;
}

int
pgs_out_close(void)
{
	pgs_buf_free(&emit_buf);
	return pgs_close_stream_errnum(stdout, "stdout", out_errno);
}
