/* http.c — GET with libcurl: one reused handle, timeouts, retries with backoff, templates. */
#include "http.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>
#include <zlib.h>

#include "dates.h"
#include "dl_curl.h"   /* libcurl is loaded on first use */
#include "ndjson.h"

struct pgs_http {
	CURL *curl;
	struct curl_slist *headers;
	struct pgs_http_opts o;
	char errbuf[CURL_ERROR_SIZE];
	pgs_buf raw;             /* the body as it came off the wire */
	/* from the headers of the last response (reset at each status line) */
	long retry_after_s;      /* -1: none */
	char encoding[32];
	char reason[64];
	char location[2048];     /* Location (a resumable upload's session) */
	int too_big;
	int retries;
	uint64_t rng;
};

/* what one attempt came to */
enum { ATTEMPT_OK, ATTEMPT_RETRY, ATTEMPT_FAIL, ATTEMPT_MISSING };

long
pgs_http_parse_seconds(const char *s)
{
	char *end;
	double v;

	if (!s || !*s || !isdigit((unsigned char)*s))
		return -1;
	errno = 0;
	v = strtod(s, &end);
	if (errno || *end || !isfinite(v) || v > 1e7)
		return -1;
	return (long)(v * 1000 + 0.5);
}

static int
env_seconds(const char *name, long *ms)
{
	const char *s = getenv(name);
	long v;

	if (!s || !*s)
		return 0;
	if ((v = pgs_http_parse_seconds(s)) < 0) {
		pgs_err("bad %s '%s': want seconds", name, s);
		return -1;
	}
	*ms = v;
	return 0;
}

static int
env_count(const char *name, long max, long *out)
{
	const char *s = getenv(name);
	long v;

	if (!s || !*s)
		return 0;
	if ((v = pgs_parse_count(s)) < 0 || v > max) {
		pgs_err("bad %s '%s': want a number from 0 to %ld", name, s, max);
		return -1;
	}
	*out = v;
	return 0;
}

int
pgs_http_opts_init(struct pgs_http_opts *o)
{
	long low_speed_ms, retries;
	const char *ua;

	memset(o, 0, sizeof *o);
	o->connect_timeout_ms = 10000;
	o->timeout_ms = 120000;
	o->low_speed_time_s = 20;
	o->max_retries = 5;
	o->backoff_base_ms = 1000;
	o->backoff_max_ms = 30000;
	o->retry_after_max_s = 120;
	o->max_body = 256LL << 20;
	o->user_agent = "pgs/" PGS_VERSION;

	low_speed_ms = o->low_speed_time_s * 1000;
	retries = o->max_retries;
	if (env_seconds("PGS_HTTP_TIMEOUT", &o->timeout_ms) < 0 ||
	    env_seconds("PGS_HTTP_CONNECT_TIMEOUT", &o->connect_timeout_ms) < 0 ||
	    env_seconds("PGS_HTTP_LOW_SPEED_TIME", &low_speed_ms) < 0 ||
	    env_count("PGS_HTTP_RETRIES", 100, &retries) < 0 ||
	    env_count("PGS_HTTP_BACKOFF_MS", 3600000, &o->backoff_base_ms) < 0)
		return -1;
	/* curl counts low-speed time in whole seconds; 0 would switch the check off */
	o->low_speed_time_s = low_speed_ms > 0 ? (low_speed_ms + 999) / 1000 : 0;
	o->max_retries = (int)retries;
	if ((ua = getenv("PGS_HTTP_USER_AGENT")) && *ua)
		o->user_agent = ua;
	return 0;
}

int
pgs_http_opts_resolve(struct pgs_http_opts *o, const struct pgs_http_given *given,
    const char *const *headers)
{
	if (pgs_http_opts_init(o) < 0)
		return -1;
	if (given->timeout_ms >= 0)
		o->timeout_ms = given->timeout_ms;
	if (given->connect_timeout_ms >= 0)
		o->connect_timeout_ms = given->connect_timeout_ms;
	if (given->max_retries >= 0)
		o->max_retries = given->max_retries;
	o->headers = headers;
	return 0;
}

int
pgs_http_header_ok(const char *h)
{
	size_t n = strcspn(h, ":");

	return n > 0 && h[n] == ':' && strcspn(h, " \t\r\n") >= n && !strpbrk(h, "\r\n");
}

int
pgs_http_headers_add(pgs_http_headers *h, const char *line)
{
	if (!pgs_http_header_ok(line))
		return -1;
	h->v = pgs_xrealloc(h->v, (size_t)(h->n + 2) * sizeof(*h->v));
	h->v[h->n++] = line;
	h->v[h->n] = NULL;
	return 0;
}

int
pgs_http_headers_load(pgs_http_headers *h, const char *path)
{
	pgs_input *in = pgs_input_open((char **)&path, 1);
	char *line;
	size_t len;
	int got, rc = 0;

	while ((got = pgs_input_line(in, &line, &len)) > 0) {
		if (len == 0 || line[0] == '#')
			continue;
		if (!pgs_http_header_ok(line)) {
			pgs_err("%s:%ld: not a 'Name: value' header line", path, pgs_input_lineno(in));
			rc = -1;
			break;
		}
		h->owned = pgs_xrealloc(h->owned, (size_t)(h->nowned + 1) * sizeof(*h->owned));
		h->owned[h->nowned] = pgs_xstrdup(line);
		pgs_http_headers_add(h, h->owned[h->nowned++]);
	}
	if (got < 0)
		rc = -1;
	pgs_input_close(in);
	return rc;
}

void
pgs_http_headers_free(pgs_http_headers *h)
{
	for (int i = 0; i < h->nowned; i++)
		free(h->owned[i]);
	free(h->owned);
	free(h->v);
	memset(h, 0, sizeof(*h));
}

static size_t
on_body(char *p, size_t size, size_t n, void *arg)
{
	pgs_http *h = arg;

	n *= size;
	if ((long long)(h->raw.len + n) > h->o.max_body) {
		h->too_big = 1;
		return 0; /* curl aborts the transfer with CURLE_WRITE_ERROR */
	}
	pgs_buf_add(&h->raw, p, n);
	return n;
}

/* "Name: value" → value without surrounding blanks, or NULL when the name differs. */
static const char *
header_value(const char *line, size_t n, const char *name, size_t *vlen)
{
	size_t k = strlen(name);
	const char *v, *end = line + n;

	if (n <= k || strncasecmp(line, name, k) != 0 || line[k] != ':')
		return NULL;
	for (v = line + k + 1; v < end && (*v == ' ' || *v == '\t'); v++)
		;
	while (end > v && isspace((unsigned char)end[-1]))
		end--;
	*vlen = (size_t)(end - v);
	return v;
}

static void
copy_value(char *dst, size_t cap, const char *v, size_t n)
{
	if (n >= cap)
		n = cap - 1;
	memcpy(dst, v, n);
	dst[n] = '\0';
}

static size_t
on_header(char *p, size_t size, size_t n, void *arg)
{
	pgs_http *h = arg;
	const char *v;
	size_t len;
	char tmp[64];

	n *= size;
	if (n > 5 && strncmp(p, "HTTP/", 5) == 0) {
		/* a new response (after a redirect or a 100): forget the previous one's headers */
		h->retry_after_s = -1;
		h->encoding[0] = h->reason[0] = h->location[0] = '\0';
		v = memchr(p, ' ', n);
		if (v && (v = memchr(v + 1, ' ', (size_t)(p + n - v - 1)))) {
			for (len = (size_t)(p + n - v - 1); len && isspace((unsigned char)v[len]); len--)
				;
			copy_value(h->reason, sizeof h->reason, v + 1, len);
		}
	} else if ((v = header_value(p, n, "Content-Encoding", &len))) {
		copy_value(h->encoding, sizeof h->encoding, v, len);
	} else if ((v = header_value(p, n, "Location", &len))) {
		copy_value(h->location, sizeof h->location, v, len);
	} else if ((v = header_value(p, n, "Retry-After", &len))) {
		copy_value(tmp, sizeof tmp, v, len);
		if (len && strspn(tmp, "0123456789") == strlen(tmp)) {
			h->retry_after_s = strtol(tmp, NULL, 10);
		} else {
			time_t t = curl_getdate(tmp, NULL); /* an HTTP date */

			if (t != -1)
				h->retry_after_s = t > time(NULL) ? (long)(t - time(NULL)) : 0;
		}
	}
	return n;
}

pgs_http *
pgs_http_new(const struct pgs_http_opts *o)
{
	static int curl_ready;
	struct pgs_http_opts def;
	const char *const *hp;
	pgs_http *h;

	if (pgs_dl_curl_open(NULL) < 0)
		return NULL;
	if (!o) {
		if (pgs_http_opts_init(&def) < 0)
			return NULL;
		o = &def;
	}
	if (!curl_ready) {
		if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
			pgs_err("cannot initialize libcurl");
			return NULL;
		}
		curl_ready = 1;
	}
	h = pgs_xcalloc(1, sizeof *h);
	h->o = *o;
	h->rng = ((uint64_t)pgs_now_us() ^ ((uint64_t)getpid() << 32)) | 1;
	if (!(h->curl = curl_easy_init())) {
		pgs_err("cannot initialize libcurl");
		free(h);
		return NULL;
	}
	for (hp = o->headers; hp && *hp; hp++) {
		struct curl_slist *l = curl_slist_append(h->headers, *hp);

		if (!l) {
			pgs_err("out of memory");
			pgs_http_free(h);
			return NULL;
		}
		h->headers = l;
	}
	curl_easy_setopt(h->curl, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h->curl, CURLOPT_ERRORBUFFER, h->errbuf);
	curl_easy_setopt(h->curl, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(h->curl, CURLOPT_WRITEDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(h->curl, CURLOPT_HEADERDATA, h);
	curl_easy_setopt(h->curl, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h->curl, CURLOPT_MAXREDIRS, 5L);
#if LIBCURL_VERSION_NUM >= 0x075500
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h->curl, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	curl_easy_setopt(h->curl, CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	curl_easy_setopt(h->curl, CURLOPT_REDIR_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	/* we inflate ourselves (see http.h), so offer only what zlib reads */
	curl_easy_setopt(h->curl, CURLOPT_ACCEPT_ENCODING, "gzip, deflate");
	curl_easy_setopt(h->curl, CURLOPT_HTTP_CONTENT_DECODING, 0L);
	curl_easy_setopt(h->curl, CURLOPT_CONNECTTIMEOUT_MS, o->connect_timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_TIMEOUT_MS, o->timeout_ms);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_LIMIT, 1L);
	curl_easy_setopt(h->curl, CURLOPT_LOW_SPEED_TIME, o->low_speed_time_s);
	curl_easy_setopt(h->curl, CURLOPT_TCP_KEEPALIVE, 1L);
	curl_easy_setopt(h->curl, CURLOPT_USERAGENT, o->user_agent);
	if (h->headers)
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
	return h;
}

void
pgs_http_free(pgs_http *h)
{
	if (!h)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	curl_slist_free_all(h->headers);
	pgs_buf_free(&h->raw);
	free(h);
}

const char *
pgs_http_location(const pgs_http *h)
{
	return h->location;
}

int
pgs_http_retries(const pgs_http *h)
{
	return h->retries;
}

void
pgs_http_set_missing_ok(pgs_http *h, int on)
{
	h->o.missing_ok = on;
}

/*
 * Inflate gzip or zlib data (wbits as for inflateInit2), members one after
 * another as gzip allows.  0, or -1 with *why: a stream that stops before its
 * end is truncated, whatever the transfer said.
 */
static int
inflate_all(const pgs_buf *in, int wbits, pgs_buf *out, long long max, const char **why)
{
	z_stream z;
	char chunk[65536];
	int zr, rc = -1;

	memset(&z, 0, sizeof z);
	if (inflateInit2(&z, wbits) != Z_OK) {
		*why = "cannot start zlib";
		return -1;
	}
	z.next_in = (Bytef *)in->s;
	z.avail_in = (uInt)in->len;
	for (;;) {
		z.next_out = (Bytef *)chunk;
		z.avail_out = sizeof chunk;
		zr = inflate(&z, Z_NO_FLUSH);
		if (zr != Z_OK && zr != Z_STREAM_END && zr != Z_BUF_ERROR) {
			*why = z.msg ? z.msg : "corrupt compressed body";
			goto out;
		}
		pgs_buf_add(out, chunk, sizeof chunk - z.avail_out);
		if ((long long)out->len > max) {
			*why = "body too large after inflating";
			goto out;
		}
		if (zr == Z_STREAM_END) {
			if (z.avail_in == 0)
				break;
			if (inflateReset(&z) != Z_OK)
				goto out;
		} else if (zr == Z_BUF_ERROR) {
			/* no progress possible: the input ended inside a stream */
			*why = "truncated compressed body";
			goto out;
		}
	}
	rc = 0;
out:
	inflateEnd(&z);
	return rc;
}

/* The wire body into body, inflated when it is compressed.  OK, RETRY or FAIL, with why. */
static int
decode_body(pgs_http *h, pgs_buf *body, pgs_buf *why)
{
	const char *enc = h->encoding, *msg = NULL;
	int gz_magic = h->raw.len >= 2 && (unsigned char)h->raw.s[0] == 0x1f &&
	    (unsigned char)h->raw.s[1] == 0x8b;

	if (h->raw.len == 0)
		return ATTEMPT_OK; /* nothing to inflate, whatever the headers say */
	if (!*enc || strcasecmp(enc, "identity") == 0) {
		if (!gz_magic) {
			/* hand over the wire buffer; body's old one becomes the next wire buffer */
			pgs_buf tmp = *body;

			*body = h->raw;
			h->raw = tmp;
			return ATTEMPT_OK;
		}
		enc = "gzip"; /* a .gz file served as it is */
	}
	if (strcasecmp(enc, "gzip") == 0 || strcasecmp(enc, "x-gzip") == 0) {
		if (inflate_all(&h->raw, 15 + 16, body, h->o.max_body, &msg) == 0)
			return ATTEMPT_OK;
	} else if (strcasecmp(enc, "deflate") == 0) {
		/* zlib-wrapped as the RFC says, or raw deflate as some servers send */
		if (inflate_all(&h->raw, 15, body, h->o.max_body, &msg) == 0)
			return ATTEMPT_OK;
		pgs_buf_reset(body);
		if (inflate_all(&h->raw, -15, body, h->o.max_body, &msg) == 0)
			return ATTEMPT_OK;
	} else {
		pgs_buf_addf(why, "unsupported Content-Encoding '%s'", enc);
		return ATTEMPT_FAIL;
	}
	pgs_buf_addf(why, "%s body: %s", enc, msg);
	return strstr(msg, "too large") ? ATTEMPT_FAIL : ATTEMPT_RETRY;
}

static int
retryable_curl(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_CONNECT:
	case CURLE_PARTIAL_FILE:
	case CURLE_RECV_ERROR:
	case CURLE_SEND_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SSL_CONNECT_ERROR:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
		return 1;
	default:
		return 0;
	}
}

/*
 * A request other than a plain GET (pgs_http_request); NULL for GET.  The
 * per-request headers come after the client's own.
 */
struct req_extra {
	const struct pgs_http_req *r;
	struct curl_slist *headers;
};

/* Set the handle up for one request: the method, body and headers of x, or a plain GET. */
static void
setup_request(pgs_http *h, struct req_extra *x)
{
	if (!x || !x->r) {
		curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, NULL);
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
		curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, h->headers);
		return;
	}
	if (x->r->body) {
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)x->r->bodylen);
		curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, x->r->body);
	} else
		curl_easy_setopt(h->curl, CURLOPT_HTTPGET, 1L);
	curl_easy_setopt(h->curl, CURLOPT_CUSTOMREQUEST, x->r->method);
	curl_easy_setopt(h->curl, CURLOPT_HTTPHEADER, x->headers);
}

/* One request.  ATTEMPT_OK with body filled, or RETRY/FAIL with why; *status the HTTP status. */
static int
attempt_req(pgs_http *h, const char *url, struct req_extra *x, pgs_buf *body, long *status,
    pgs_buf *why)
{
	CURLcode rc;

	pgs_buf_reset(&h->raw);
	pgs_buf_reset(body);
	h->errbuf[0] = h->encoding[0] = h->reason[0] = '\0';
	h->retry_after_s = -1;
	h->too_big = 0;
	*status = 0;
	setup_request(h, x);
	curl_easy_setopt(h->curl, CURLOPT_URL, url);
	rc = curl_easy_perform(h->curl);
	curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE, status);
	if (rc != CURLE_OK) {
		if (h->too_big) {
			pgs_buf_addf(why, "body larger than %lld bytes", h->o.max_body);
			return ATTEMPT_FAIL;
		}
		pgs_buf_adds(why, h->errbuf[0] ? h->errbuf : curl_easy_strerror(rc));
		return retryable_curl(rc) ? ATTEMPT_RETRY : ATTEMPT_FAIL;
	}
	if (*status >= 200 && *status < 300)
		return decode_body(h, body, why);
	/* an API's error document is the caller's to read */
	if (x && x->r && x->r->keep_error_body && decode_body(h, body, why) != ATTEMPT_OK)
		pgs_buf_reset(body);
	pgs_buf_addf(why, "HTTP %ld%s%s", *status, h->reason[0] ? " " : "", h->reason);
	if ((*status == 404 || *status == 410) && h->o.missing_ok)
		return ATTEMPT_MISSING;
	if (*status == 429 || *status == 408 || *status >= 500)
		return ATTEMPT_RETRY;
	return ATTEMPT_FAIL;
}

static int
attempt(pgs_http *h, const char *url, pgs_buf *body, long *status, pgs_buf *why)
{
	return attempt_req(h, url, NULL, body, status, why);
}

static uint64_t
next_random(pgs_http *h)
{
	/* xorshift64*: jitter only has to keep clients apart, not be secure */
	h->rng ^= h->rng >> 12;
	h->rng ^= h->rng << 25;
	h->rng ^= h->rng >> 27;
	return h->rng * 0x2545F4914F6CDD1DULL;
}

/* Milliseconds to wait before retry number n (0-based): Retry-After, else full jitter. */
static long
backoff_ms(pgs_http *h, int n)
{
	long ceiling = h->o.backoff_base_ms;
	int i;

	if (h->retry_after_s >= 0)
		return (h->retry_after_s < h->o.retry_after_max_s ? h->retry_after_s
		                                                  : h->o.retry_after_max_s) * 1000;
	for (i = 0; i < n && ceiling < h->o.backoff_max_ms; i++)
		ceiling *= 2;
	if (ceiling > h->o.backoff_max_ms)
		ceiling = h->o.backoff_max_ms;
	return ceiling > 0 ? (long)(next_random(h) % (uint64_t)(ceiling + 1)) : 0;
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	while (nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

int
pgs_http_get(pgs_http *h, const char *url, pgs_buf *body, long *status)
{
	char *shown = pgs_http_redact(url);
	pgs_buf why = { 0 };
	long code = 0, wait;
	long long t0 = pgs_mono_ms();
	int r, rc = -1;

	h->retries = 0;
	for (;;) {
		pgs_buf_reset(&why);
		r = attempt(h, url, body, &code, &why);
		if (r == ATTEMPT_OK) {
			pgs_info("GET %s: HTTP %ld, %zu bytes in %lld ms, %d retr%s", shown, code,
			    body->len, pgs_mono_ms() - t0, h->retries, h->retries == 1 ? "y" : "ies");
			rc = 0;
			break;
		}
		if (r == ATTEMPT_MISSING) {
			pgs_info("GET %s: %s: nothing there, allowed", shown, why.s);
			pgs_buf_reset(body);
			rc = 1;
			break;
		}
		if (r == ATTEMPT_FAIL || h->retries >= h->o.max_retries) {
			if (h->retries > 0)
				pgs_err("GET %s: %s (gave up after %d retr%s)", shown, why.s, h->retries,
				    h->retries == 1 ? "y" : "ies");
			else
				pgs_err("GET %s: %s", shown, why.s);
			pgs_buf_reset(body);
			break;
		}
		wait = backoff_ms(h, h->retries);
		h->retries++;
		pgs_info("GET %s: %s; retry %d of %d in %ld ms", shown, why.s, h->retries,
		    h->o.max_retries, wait);
		sleep_ms(wait);
	}
	pgs_buf_add(body, "", 0); /* NUL-terminated even when empty */
	if (status)
		*status = code;
	pgs_buf_free(&why);
	free(shown);
	return rc;
}

int
pgs_http_is_url(const char *s)
{
	return strncasecmp(s, "http://", 7) == 0 || strncasecmp(s, "https://", 8) == 0;
}

char *
pgs_http_redact(const char *url)
{
	const char *p = strstr(url, "://"), *host, *auth_end, *at, *q;
	pgs_buf b = { 0 };

	host = p ? p + 3 : url;
	auth_end = host + strcspn(host, "/?#");
	at = memchr(host, '@', (size_t)(auth_end - host));
	pgs_buf_add(&b, url, (size_t)(host - url));
	if (at) {
		pgs_buf_adds(&b, "...");
		host = at;
	}
	q = host + strcspn(host, "?#");
	pgs_buf_add(&b, host, (size_t)(q - host));
	if (*q == '?')
		pgs_buf_adds(&b, "?...");
	if (!b.s)
		pgs_buf_adds(&b, "");
	return b.s;
}

/*
 * Walk tmpl, filling placeholders into out when out is not NULL.  Returns 0;
 * -1 for an unknown or unclosed placeholder (*bad, *badlen point at it);
 * -2 when a value is missing.  *vars gets the PGS_HTTP_VAR_* bits used.
 */
static int
walk_template(const char *tmpl, long day, const char *game_id, pgs_buf *out, int *vars,
    const char **bad, size_t *badlen)
{
	static const char unreserved[] = "-._~";
	const char *p = tmpl, *open, *close;
	char date[11];
	int missing = 0;

	*vars = 0;
	while ((open = strchr(p, '{'))) {
		size_t n;

		if (out)
			pgs_buf_add(out, p, (size_t)(open - p));
		if (!(close = strchr(open, '}'))) {
			*bad = open;
			*badlen = strlen(open);
			return -1;
		}
		n = (size_t)(close - open + 1);
#define IS(name) (n == sizeof(name) - 1 && strncmp(open, name, n) == 0)
		if (IS("{game_id}")) {
			*vars |= PGS_HTTP_VAR_GAME_ID;
			if (!game_id)
				missing = 1;
			for (; out && game_id && *game_id; game_id++) {
				unsigned char c = (unsigned char)*game_id;

				if (isalnum(c) || strchr(unreserved, c))
					pgs_buf_add(out, game_id, 1);
				else
					pgs_buf_addf(out, "%%%02X", c);
			}
		} else if (IS("{date}") || IS("{yyyymmdd}") || IS("{season}") || IS("{season_end}")) {
			*vars |= PGS_HTTP_VAR_DATE;
			if (day == PGS_HTTP_NO_DAY) {
				missing = 1;
			} else if (out) {
				int sy = pgs_season_year(day);

				pgs_date_format(day, date);
				if (IS("{date}"))
					pgs_buf_adds(out, date);
				else if (IS("{yyyymmdd}"))
					pgs_buf_addf(out, "%.4s%.2s%.2s", date, date + 5, date + 8);
				else if (IS("{season}"))
					pgs_buf_addf(out, "%d-%02d", sy, (sy + 1) % 100);
				else
					pgs_buf_addf(out, "%d", sy + 1);
			}
		} else {
			*bad = open;
			*badlen = n;
			return -1;
		}
#undef IS
		p = close + 1;
	}
	if (out)
		pgs_buf_adds(out, p);
	return missing ? -2 : 0;
}

int
pgs_http_template_vars(const char *tmpl)
{
	const char *bad;
	size_t badlen;
	int vars;

	if (walk_template(tmpl, PGS_HTTP_NO_DAY, NULL, NULL, &vars, &bad, &badlen) == -1) {
		char *shown = pgs_http_redact(tmpl); /* a token in the query stays out */

		pgs_err("bad URL template '%s': unknown placeholder '%.*s' "
		        "(known: {date}, {yyyymmdd}, {season}, {season_end}, {game_id})",
		    shown, (int)(badlen > 40 ? 40 : badlen), bad);
		free(shown);
		return -1;
	}
	return vars;
}

char *
pgs_http_expand(const char *tmpl, long day, const char *game_id)
{
	pgs_buf b = { 0 };
	const char *bad;
	size_t badlen;
	int vars;

	if (walk_template(tmpl, day, game_id, &b, &vars, &bad, &badlen) < 0) {
		pgs_buf_free(&b);
		return NULL;
	}
	if (!b.s)
		pgs_buf_adds(&b, "");
	return b.s;
}

int
pgs_http_body_line(pgs_buf *body, size_t *pos, char **line, size_t *len)
{
	char *start, *nl;
	size_t n;

	if (!body->s || *pos >= body->len)
		return 0;
	start = body->s + *pos;
	nl = memchr(start, '\n', body->len - *pos);
	n = nl ? (size_t)(nl - start) : body->len - *pos;
	*pos += nl ? n + 1 : n;
	if (n > 0 && start[n - 1] == '\r')
		n--;
	start[n] = '\0';
	*line = start;
	*len = n;
	return 1;
}

int
pgs_http_request(pgs_http *h, const struct pgs_http_req *r, pgs_buf *body, long *status)
{
	struct req_extra x = { r, NULL };
	char *shown = pgs_http_redact(r->url);
	pgs_buf why = { 0 };
	long code = 0, wait;
	long long t0 = pgs_mono_ms();
	int a, rc = -1;

	for (const struct curl_slist *l = h->headers; l; l = l->next)
		x.headers = curl_slist_append(x.headers, l->data);
	for (const char *const *hp = r->headers; hp && *hp; hp++)
		x.headers = curl_slist_append(x.headers, *hp);
	h->retries = 0;
	for (;;) {
		pgs_buf_reset(&why);
		a = attempt_req(h, r->url, &x, body, &code, &why);
		if (a == ATTEMPT_OK || (a == ATTEMPT_FAIL && code >= 400 && r->keep_error_body)) {
			pgs_info("%s %s: HTTP %ld, %zu bytes in %lld ms, %d retr%s", r->method, shown,
			    code, body->len, pgs_mono_ms() - t0, h->retries, h->retries == 1 ? "y" : "ies");
			rc = 0;
			break;
		}
		if (a != ATTEMPT_RETRY || h->retries >= h->o.max_retries) {
			/* the last answer's document still says why, for the caller */
			if (a == ATTEMPT_RETRY && code >= 400 && r->keep_error_body) {
				rc = 0;
				break;
			}
			pgs_err("%s %s: %s%s", r->method, shown, why.s, h->retries ? " (gave up after"
			    " retrying)" : "");
			pgs_buf_reset(body);
			break;
		}
		wait = backoff_ms(h, h->retries);
		h->retries++;
		pgs_info("%s %s: %s; retry %d of %d in %ld ms", r->method, shown, why.s, h->retries,
		    h->o.max_retries, wait);
		sleep_ms(wait);
	}
	/* the next plain GET on this handle must not inherit this request's method or body */
	setup_request(h, NULL);
	curl_easy_setopt(h->curl, CURLOPT_POSTFIELDS, NULL);
	curl_slist_free_all(x.headers);
	pgs_buf_add(body, "", 0);
	if (status)
		*status = code;
	pgs_buf_free(&why);
	free(shown);
	return rc;
}
