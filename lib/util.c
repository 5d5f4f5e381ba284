/* util.c — error family, checked allocation, buffers, stream checks. */
#include "util.h"

#include <errno.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <stdint.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <time.h>
#include <unistd.h>

const char *pgs_prog = "pgs";
int pgs_verbosity = 1;

void
pgs_setprog(const char *argv0)
{
	const char *slash = strrchr(argv0, '/');

	pgs_prog = slash ? slash + 1 : argv0;
}

void
pgs_verr(const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", pgs_prog);
	vfprintf(stderr, fmt, ap);
	fputc('\n', stderr);
}

static void verr_errnum(int errnum, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
verr_errnum(int errnum, const char *fmt, va_list ap)
{
	fprintf(stderr, "%s: ", pgs_prog);
	vfprintf(stderr, fmt, ap);
	fprintf(stderr, ": %s\n", errnum ? strerror(errnum) : "I/O error");
}

void
pgs_err_errno(const char *fmt, ...)
{
	int errnum = errno;
	va_list ap;

	va_start(ap, fmt);
	verr_errnum(errnum, fmt, ap);
	va_end(ap);
}

void
pgs_err_errnum(int errnum, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	verr_errnum(errnum, fmt, ap);
	va_end(ap);
}

void
pgs_err(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pgs_verr(fmt, ap);
	va_end(ap);
}

/* pgs_verr() when the verbosity is at least level (1 normal, 2 -v). */
static void say(int level, const char *fmt, va_list ap) __attribute__((format(printf, 2, 0)));

static void
say(int level, const char *fmt, va_list ap)
{
	if (pgs_verbosity >= level)
		pgs_verr(fmt, ap);
}

void
pgs_warn(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(1, fmt, ap);
	va_end(ap);
}

void
pgs_info(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	say(2, fmt, ap);
	va_end(ap);
}

static void
oom(void)
{
	pgs_err("out of memory");
	exit(PGS_EXIT_FAIL);
}

void *
pgs_xmalloc(size_t n)
{
	void *p = malloc(n ? n : 1);

	if (!p)
		oom();
	return p;
}

void *
pgs_xcalloc(size_t n, size_t size)
{
	void *p = calloc(n ? n : 1, size ? size : 1);

	if (!p)
		oom();
	return p;
}

void *
pgs_xrealloc(void *p, size_t n)
{
	void *q = realloc(p, n ? n : 1);

	if (!q)
		oom();
	return q;
}

char *
pgs_xstrdup(const char *s)
{
	char *p = strdup(s);

	if (!p)
		oom();
	return p;
}

char *
pgs_xstrndup(const char *s, size_t n)
{
	char *p = strndup(s, n);

	if (!p)
		oom();
	return p;
}

char *
pgs_xvasprintf(const char *fmt, va_list ap)
{
	char *s;

	if (vasprintf(&s, fmt, ap) < 0)
		oom();
	return s;
}

char *
pgs_xasprintf(const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = pgs_xvasprintf(fmt, ap);
	va_end(ap);
	return s;
}

void *
pgs_xgrow(void *p, size_t n, size_t *cap, size_t size)
{
	if (n < *cap)
		return p;
	*cap = *cap ? 2 * *cap : 16;
	if (*cap > SIZE_MAX / size)
		oom();
	return pgs_xrealloc(p, *cap * size);
}

int
pgs_fail(char *why, size_t whylen, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(why, whylen, fmt, ap);
	va_end(ap);
	return -1;
}

void
pgs_buf_reserve(pgs_buf *b, size_t n)
{
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;

		while (cap < b->len + n + 1)
			cap *= 2;
		b->s = pgs_xrealloc(b->s, cap);
		b->cap = cap;
	}
}

void
pgs_buf_add(pgs_buf *b, const char *s, size_t n)
{
	pgs_buf_reserve(b, n);
	if (n)   /* s may be NULL when n is 0 (an empty HTTP body) */
		memcpy(b->s + b->len, s, n);
	b->len += n;
	b->s[b->len] = '\0';
}

void
pgs_buf_adds(pgs_buf *b, const char *s)
{
	pgs_buf_add(b, s, strlen(s));
}

void
pgs_buf_addint(pgs_buf *b, long long v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	pgs_buf_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

void
pgs_buf_addjson(pgs_buf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *end = s + n;
	char *w;

	pgs_buf_reserve(b, 6 * n + 2); /* the worst case: every byte as \u00XX */
	w = b->s + b->len;
	*w++ = '"';
	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*w++ = (char)c;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"': case '\\': *w++ = (char)c; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			memcpy(w, "u00", 3);
			w[3] = hex[c >> 4];
			w[4] = hex[c & 15];
			w += 5;
		}
	}
	*w++ = '"';
	*w = '\0';
	b->len = (size_t)(w - b->s);
}

void
pgs_buf_addf(pgs_buf *b, const char *fmt, ...)
{
	va_list ap;
	char *s;

	va_start(ap, fmt);
	s = pgs_xvasprintf(fmt, ap);
	va_end(ap);
	pgs_buf_adds(b, s);
	free(s);
}

void
pgs_buf_reset(pgs_buf *b)
{
	b->len = 0;
	if (b->s)
		b->s[0] = '\0';
}

void
pgs_buf_free(pgs_buf *b)
{
	free(b->s);
	b->s = NULL;
	b->len = b->cap = 0;
}

int
pgs_close_stream(FILE *f, const char *name)
{
	return pgs_close_stream_errnum(f, name, 0);
}

int
pgs_close_stream_errnum(FILE *f, const char *name, int first_errno)
{
	int bad = 0, saved = 0;

	if (fflush(f) != 0 || ferror(f)) {
		bad = 1;
		saved = first_errno ? first_errno : errno;
	}
	if (fclose(f) != 0 && !bad) {
		bad = 1;
		saved = errno;
	}
	if (bad && saved == EPIPE) {
		/* the reader left (| head -1): end quietly, as SIGPIPE does when it is not ignored */
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	if (bad) {
		pgs_err_errnum(saved, "write error on %s", name);
		return -1;
	}
	return 0;
}

size_t
pgs_rank(const char *const *names, size_t n, const char *s, int (*cmp)(const char *, const char *))
{
	size_t i;

	for (i = 0; i < n && cmp(names[i], s) != 0; i++)
		;
	return i;
}

int
pgs_mkdir_p(const char *dir)
{
	char *path = pgs_xstrdup(dir), *s, c;
	int rc = 0;

	for (s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		c = *s;
		*s = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST) {
			pgs_err_errno("cannot create directory '%s'", path);
			rc = -1;
			break;
		}
		*s = c;
		if (c == '\0')
			break;
	}
	free(path);
	return rc;
}

/* Write all of buf to fd: 0, or -1 with errno set (a short write goes on, to learn why). */
static int
write_all(int fd, const char *buf, size_t len)
{
	ssize_t n;

	while (len > 0) {
		if ((n = write(fd, buf, len)) < 0) {
			if (errno == EINTR)
				continue;
			return -1;
		}
		buf += n;
		len -= (size_t)n;
	}
	return 0;
}

int
pgs_write_atomic(const char *path, const char *text, size_t len,
    void (*hook)(const char *tmp, int renamed), char *why, size_t whylen)
{
	char *tmp = pgs_xasprintf("%s.tmp.XXXXXX", path);
	int fd, rc = -1, e;

	if ((fd = mkstemp(tmp)) < 0) {
		e = errno;
		pgs_fail(why, whylen, "cannot create '%s': %s", tmp, strerror(e));
		free(tmp);
		errno = e;
		return -1;
	}
	if (fchmod(fd, 0644) < 0 || write_all(fd, text, len) < 0 || fsync(fd) < 0) {
		e = errno;
		close(fd);
		goto fail;
	}
	if (close(fd) < 0) {
		e = errno;
		goto fail;
	}
	if (hook)
		hook(tmp, 0);
	if (rename(tmp, path) < 0) {
		e = errno;
		pgs_fail(why, whylen, "cannot rename '%s' to '%s': %s", tmp, path, strerror(e));
		goto out;
	}
	if (hook)
		hook(tmp, 1);
	rc = 0;
	goto done;
fail:
	pgs_fail(why, whylen, "cannot write '%s': %s", tmp, strerror(e));
out:
	unlink(tmp);
	errno = e;
done:
	free(tmp);
	return rc;
}

long
pgs_parse_count(const char *s)
{
	char *end;
	long v;

	if (!s || !*s || *s == '-' || *s == '+')
		return -1;
	errno = 0;
	v = strtol(s, &end, 10);
	if (errno || *end)
		return -1;
	return v;
}

void
pgs_fault_pause(const char *var, const char *where)
{
	const char *e = getenv(var);
	long ms = e && *e ? pgs_parse_count(e) : 0;
	struct timespec ts;

	if (ms <= 0)
		return;
	fprintf(stderr, "%s: fault: sleeping %ld ms %s (%s)\n", pgs_prog, ms, where, var);
	ts = (struct timespec){ ms / 1000, (ms % 1000) * 1000000L };
	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

void
pgs_now_iso(char *out, size_t cap)
{
	struct timeval tv;
	struct tm tm;

	gettimeofday(&tv, NULL);
	gmtime_r(&tv.tv_sec, &tm);
	snprintf(out, cap, "%04d-%02d-%02dT%02d:%02d:%02d.%06ldZ", tm.tm_year + 1900,
	    tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec, (long)tv.tv_usec);
}

long long
pgs_now_us(void)
{
	struct timeval tv;

	gettimeofday(&tv, NULL);
	return (long long)tv.tv_sec * 1000000LL + tv.tv_usec;
}

long long
pgs_mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (long long)ts.tv_sec * 1000LL + ts.tv_nsec / 1000000;
}
