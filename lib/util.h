/*
 * util.h — the pieces every pgs tool shares: exit codes, the error family,
 * checked allocation and a growable string buffer.
 *
 * Errors: pgs_err()/pgs_warn() print "PROG: message" on stderr, where PROG was
 * set once by pgs_setprog().  Library code reports through these and returns
 * an error to its caller; only a tool's main() decides to exit.
 * Allocation: pgs_xmalloc() and friends never return NULL; on exhaustion they
 * print an error and exit 3 (the one place lib exits: nothing can be done).
 */
#ifndef PGS_UTIL_H
#define PGS_UTIL_H

#include <stdarg.h>
#include <stddef.h>

#define PGS_VERSION "0.1.0"

enum pgs_exit {
	PGS_EXIT_OK = 0,      /* success */
	PGS_EXIT_REJECTS = 1, /* finished, but some input was rejected */
	PGS_EXIT_USAGE = 2,   /* usage error */
	PGS_EXIT_FAIL = 3,    /* I/O, store, network, truncated upstream; nothing committed */
	PGS_EXIT_GUARD = 4,   /* refused by a guard or validation threshold */
};

extern const char *pgs_prog;   /* program name for messages */
extern int pgs_verbosity;      /* 0 quiet, 1 normal, 2 verbose */

void pgs_setprog(const char *argv0);
void pgs_err(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
void pgs_warn(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* suppressed by -q */
void pgs_info(const char *fmt, ...) __attribute__((format(printf, 1, 2)));  /* only with -v */
void pgs_verr(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/* pgs_err() with ": " and strerror(errno) appended (errno as it was on entry):
 * pgs_err_errno("cannot open '%s'", path) → "PROG: cannot open 'x': No such file or directory" */
void pgs_err_errno(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/* The same with an error number saved earlier (0 says "I/O error"). */
void pgs_err_errnum(int errnum, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

void *pgs_xmalloc(size_t n);
void *pgs_xcalloc(size_t n, size_t size);
void *pgs_xrealloc(void *p, size_t n);     /* returns the new block; p is invalid afterwards */
char *pgs_xstrdup(const char *s);
char *pgs_xstrndup(const char *s, size_t n);
char *pgs_xasprintf(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
char *pgs_xvasprintf(const char *fmt, va_list ap) __attribute__((format(printf, 1, 0)));
/*
 * Make room for element n of the array p of *cap elements of size bytes:
 * when n == *cap the array doubles (16 the first time).  Returns the array
 * (p is invalid afterwards):  v = pgs_xgrow(v, nv, &capv, sizeof(*v));
 */
void *pgs_xgrow(void *p, size_t n, size_t *cap, size_t size);

/*
 * Format why a value was refused into why (whylen bytes) for the caller to
 * report with its input position; returns -1, so a checker can end with
 * `return pgs_fail(why, whylen, "bad minutes '%s'", s);`.
 */
int pgs_fail(char *why, size_t whylen, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* A growable NUL-terminated byte buffer. Zero-initialize, free with pgs_buf_free. */
typedef struct pgs_buf {
	char *s;
	size_t len, cap;
} pgs_buf;
void pgs_buf_add(pgs_buf *b, const char *s, size_t n);
/* Make room for n more bytes (and the NUL) without adding them: b->s + b->len is writable. */
void pgs_buf_reserve(pgs_buf *b, size_t n);
void pgs_buf_adds(pgs_buf *b, const char *s);
void pgs_buf_addint(pgs_buf *b, long long v);   /* decimal */
/* The n bytes of s as a JSON string: quoted, escaped as jansson does (pgs_json_dump). */
void pgs_buf_addjson(pgs_buf *b, const char *s, size_t n);
void pgs_buf_addf(pgs_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void pgs_buf_reset(pgs_buf *b);
void pgs_buf_free(pgs_buf *b);

/* Check a finished output stream: flush, ferror, close. Returns 0, or -1 after
 * printing "PROG: write error on NAME: ..." (so `> /dev/full` fails).  A reader
 * that closed the pipe (EPIPE, SIGPIPE ignored) ends the tool quietly by SIGPIPE. */
#include <stdio.h>
int pgs_close_stream(FILE *f, const char *name);
/* The same, for a stream whose first failed write saw errno first_errno (0: none seen): that is
 * the error reported, not whatever errno holds by the time the stream is closed. */
int pgs_close_stream_errnum(FILE *f, const char *name, int first_errno);

/* The index of s in names[0..n), compared with cmp (strcmp, strcasecmp), or n when it is
 * not there: a preference rank, unlisted names last. */
size_t pgs_rank(const char *const *names, size_t n, const char *s,
    int (*cmp)(const char *, const char *));

/* mkdir -p: dir and its missing parents.  0, or -1 after reporting. */
int pgs_mkdir_p(const char *dir);

/*
 * Replace the file path by text atomically: a temporary file beside it
 * (PATH.tmp.XXXXXX, mode 0644) written, fsynced and renamed over path, so a
 * reader sees the old file or the new, never half of one.  hook, when not
 * NULL, is called with the temporary file's name just before the rename
 * (renamed 0) and just after it (renamed 1): the crash tests' fault points.
 * No fsync of the directory: after a power cut the file may be the old one.
 * 0, or -1 with errno set and why saying which step failed ("cannot write
 * 'PATH.tmp.XXXXXX': ..."); the temporary file is removed.
 */
int pgs_write_atomic(const char *path, const char *text, size_t len,
    void (*hook)(const char *tmp, int renamed), char *why, size_t whylen);

/* Parse a non-negative decimal integer option value; -1 when not a number. */
long pgs_parse_count(const char *s);

/*
 * A fault hook for the tests: when the environment variable var holds a
 * count of milliseconds, announce "PROG: fault: sleeping MS ms WHERE (VAR)"
 * on stderr and sleep that long (through signals that interrupt the sleep).
 */
void pgs_fault_pause(const char *var, const char *where);

/* Current UTC time as "YYYY-MM-DDTHH:MM:SS.ffffffZ" into out (cap >= 32). */
void pgs_now_iso(char *out, size_t cap);
/* Microseconds since the epoch, wall clock. */
long long pgs_now_us(void);
/* Monotonic milliseconds, for measuring durations. */
long long pgs_mono_ms(void);

#endif
