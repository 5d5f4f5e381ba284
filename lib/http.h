/*
 * http.h — GET over http(s) with libcurl for the http(s):// sources of
 * pgs-extract: one reused connection, timeouts, retries with backoff, and
 * URL templates ({date}, {game_id}, …).
 *
 * A pgs_http owns one curl easy handle, so consecutive GETs to one host reuse
 * one connection.  pgs_http_get() returns only a complete 2xx body: a body cut
 * short (Content-Length not reached, a gzip stream that does not end) is an
 * error after the retries, never a short success.  Bodies sent with
 * Content-Encoding gzip/deflate, and bodies that are themselves gzip data
 * (a .gz file served as is), are inflated here; curl 7.88 accepts a cut gzip
 * stream as complete, which is why curl does not decode them itself.
 *
 * Retried, with exponential backoff and full jitter: 429 and 5xx (honouring
 * Retry-After, capped), 408, dropped connections, partial transfers, timeouts,
 * failed connects.  Not retried: other 4xx, 3xx left after redirects, bad
 * URLs, unknown host, TLS verification.  Messages name the URL with its query
 * and user info redacted ("?...", "...@"): a token in a URL never reaches a log.
 *
 * Errors are reported through pgs_err() ("PROG: GET URL: reason"); retries and
 * timings through pgs_info() (-v).  Nothing here exits.
 *
 * Typical use (a {date} source over [from, to]):
 *	if (pgs_http_opts_init(&o) < 0 || (vars = pgs_http_template_vars(src)) < 0)
 *		return PGS_EXIT_USAGE;
 *	h = pgs_http_new(&o);
 *	for (day = from; day <= to; day++) {
 *		url = pgs_http_expand(src, day, NULL);
 *		name = pgs_http_redact(url);          (the input name in messages)
 *		if ((r = pgs_http_get(h, url, &body, NULL)) < 0)  → exit 3, no marker
 *		for (pos = 0; r == 0 && pgs_http_body_line(&body, &pos, &line, &len); )
 *			feed line to the format reader, lineno++;
 *	}
 *	pgs_http_free(h);
 */
#ifndef PGS_HTTP_H
#define PGS_HTTP_H

#include <limits.h>

#include "util.h"

struct pgs_http_opts {
	long connect_timeout_ms;   /* TCP+TLS connect; default 10000 */
	long timeout_ms;           /* one attempt, whole transfer; default 120000 */
	long low_speed_time_s;     /* fail an attempt that moves < 1 byte/s this long; default 20 */
	int max_retries;           /* attempts after the first; default 5 */
	long backoff_base_ms;      /* first backoff ceiling, doubled per retry; default 1000 */
	long backoff_max_ms;       /* backoff ceiling; default 30000 */
	long retry_after_max_s;    /* Retry-After is honoured up to this; default 120 */
	long long max_body;        /* bytes, after inflating; default 256 MiB */
	const char *user_agent;    /* default "pgs/VERSION"; borrowed */
	const char *const *headers;/* extra "Name: value" lines, NULL-terminated, or NULL; borrowed */
	int missing_ok;            /* 404/410 is "no data here" (pgs_http_get returns 1), not an error */
};

/*
 * Defaults, then the environment: PGS_HTTP_TIMEOUT, PGS_HTTP_CONNECT_TIMEOUT,
 * PGS_HTTP_LOW_SPEED_TIME (seconds, decimals allowed), PGS_HTTP_RETRIES,
 * PGS_HTTP_BACKOFF_MS, PGS_HTTP_USER_AGENT.  A tool applies its options after
 * this (options, then environment, then defaults).  Returns 0, or -1 after
 * reporting a bad environment value (a usage error).
 */
int pgs_http_opts_init(struct pgs_http_opts *o);

/* What a command line gave (--http-timeout …): -1 where it gave nothing. */
struct pgs_http_given {
	long timeout_ms, connect_timeout_ms;
	int max_retries;
};
/*
 * The options of a tool: the defaults, then the environment
 * (pgs_http_opts_init), then given; headers (NULL-terminated, borrowed, may
 * be NULL) are the extra request headers.  0, or -1 after reporting a bad
 * environment value (a usage error).
 */
int pgs_http_opts_resolve(struct pgs_http_opts *o, const struct pgs_http_given *given,
    const char *const *headers);

/* 1 when h looks like a request header line "Name: value" (a token, a colon, no CR or LF). */
int pgs_http_header_ok(const char *h);

/* Extra request headers from options and files.  Zero-initialize; pgs_http_headers_free(). */
typedef struct pgs_http_headers {
	const char **v;      /* NULL-terminated once one is added: for pgs_http_opts.headers */
	int n;
	char **owned;        /* the lines read from files */
	int nowned;
} pgs_http_headers;
/* Add one header (borrowed: it must outlive the client).  0, or -1 when it is not
 * "Name: value" — nothing is printed, since the value may be a token. */
int pgs_http_headers_add(pgs_http_headers *h, const char *line);
/* Add the headers of a file, one "Name: value" a line (blank and '#' lines skipped).
 * 0, or -1 reported with the line number, never its text (it may hold a token). */
int pgs_http_headers_load(pgs_http_headers *h, const char *path);
void pgs_http_headers_free(pgs_http_headers *h);

/* Parse "2", "0.5": seconds to milliseconds; -1 when not a number >= 0. */
long pgs_http_parse_seconds(const char *s);

typedef struct pgs_http pgs_http;

/*
 * A client.  o is copied (its strings are borrowed and must outlive the
 * client); NULL means pgs_http_opts_init().  Returns NULL after reporting
 * when curl cannot start or the environment is bad.  Free with pgs_http_free.
 */
pgs_http *pgs_http_new(const struct pgs_http_opts *o);
void pgs_http_free(pgs_http *h);

/*
 * GET url into body (reset first; NUL-terminated, may hold NULs).  Returns 0
 * for a complete 2xx body; 1 with an empty body for 404/410 when missing_ok
 * (a day with no games; said with -v only); or -1 after reporting
 * "GET URL: reason" (the tool exits PGS_EXIT_FAIL).  status, when not NULL,
 * gets the last HTTP status (0 when no response arrived).
 */
int pgs_http_get(pgs_http *h, const char *url, pgs_buf *body, long *status);
/*
 * Any request (an API call): method ("GET", "POST", "DELETE" …), the URL,
 * extra "Name: value" headers (NULL-terminated, or NULL) sent after the
 * client's own, and a body (NULL for none).  Retried like pgs_http_get — so
 * a POST retried after a cut connection may reach the server twice: only
 * use it for requests made idempotent by the API (a client-chosen job id,
 * a request id).
 */
struct pgs_http_req {
	const char *method, *url;
	const char *const *headers;
	const char *body;
	size_t bodylen;
	int keep_error_body;   /* a 4xx/5xx answer is returned (0, *status, its body)
	                          for the caller to read, not reported */
};

/* 0 with the answer's body (NUL-terminated) and *status, or -1 after reporting. */
int pgs_http_request(pgs_http *h, const struct pgs_http_req *r, pgs_buf *body, long *status);

/* The Location header of the last answer ("" when it had none): the session
 * URL of a resumable upload.  Owned by h, valid until the next request. */
const char *pgs_http_location(const pgs_http *h);

/* Retries spent by the last pgs_http_get(), for statistics. */
int pgs_http_retries(const pgs_http *h);
/* Change the client's missing_ok from now on: a tool that mixes template URLs
 * (where a 404 is a day without games) and fixed ones (where it is a mistake)
 * keeps one client, and so one connection. */
void pgs_http_set_missing_ok(pgs_http *h, int on);

/* 1 when s starts with http:// or https:// (any case). */
int pgs_http_is_url(const char *s);

/* url with "user:pass@" shown as "...@" and the query as "?...": for messages.  New string. */
char *pgs_http_redact(const char *url);

/*
 * URL templates.  {date} YYYY-MM-DD, {yyyymmdd}, {season} 2023-24,
 * {season_end} 2024 (the hoopR directory layout), {game_id} (percent-encoded).
 */
enum { PGS_HTTP_VAR_DATE = 1, PGS_HTTP_VAR_GAME_ID = 2 };
#define PGS_HTTP_NO_DAY LONG_MIN

/* The variables tmpl needs (PGS_HTTP_VAR_* bits, 0 for a plain URL), or -1
 * after reporting an unknown or unclosed placeholder. */
int pgs_http_template_vars(const char *tmpl);
/* tmpl with its placeholders filled: a new string, or NULL when tmpl has a bad
 * placeholder or needs a value not given (day PGS_HTTP_NO_DAY, game_id NULL). */
char *pgs_http_expand(const char *tmpl, long day, const char *game_id);

/*
 * Walk the lines of a body in place, the way pgs_input reads a file: returns 1
 * with *line (NUL-terminated, without "\n" or a trailing "\r") and *len, or 0
 * at the end.  *pos starts at 0.  The body's bytes are modified.
 */
int pgs_http_body_line(pgs_buf *body, size_t *pos, char **line, size_t *len);

#endif
