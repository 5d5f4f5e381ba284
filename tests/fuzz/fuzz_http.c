/*
 * fuzz_http — what lib/http.c parses from a server: the header lines (status line, Retry-After
 * as seconds or an HTTP date, Content-Encoding), the body's decoding (gzip, deflate, raw deflate,
 * gzip magic without a header; inflate bombs stop at max_body), the body's lines; and URL
 * templates and redaction on the first line.  Input: TEMPLATE '\n' HEADER-LINES '\n' '\n' BODY.
 *
 * The parsers are static in lib/http.c, so the file is included here; they should move to
 * functions of their own (pgs_http_parse_header(), pgs_http_decode()) so this can link instead.
 */
#include "../../lib/http.c"

#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *all = fuzz_str(data, size), *p = all, *end = all + size, *nl, *url, *line;
	struct pgs_http h;
	pgs_buf body = { 0 }, why = { 0 }, hl = { 0 };
	size_t pos = 0, len;
	long ms;
	int vars, i;

	fuzz_setup();
	memset(&h, 0, sizeof(h));
	h.o.max_body = 1 << 20;
	h.o.backoff_base_ms = 1000;
	h.o.backoff_max_ms = 30000;
	h.o.retry_after_max_s = 120;
	h.retry_after_s = -1;
	h.rng = 42;

	/* the template line */
	nl = memchr(p, '\n', (size_t)(end - p));
	if (nl)
		*nl = '\0';
	if ((vars = pgs_http_template_vars(p)) >= 0) {
		url = pgs_http_expand(p, 19000, "0022300061");
		FUZZ_ASSERT(url != NULL && strchr(url, '{') == NULL);
		free(url);
		url = pgs_http_expand(p, PGS_HTTP_NO_DAY, NULL);
		FUZZ_ASSERT(vars == 0 ? url != NULL : url == NULL);
		free(url);
	}
	url = pgs_http_redact(p);
	FUZZ_ASSERT(url != NULL && strlen(url) <= strlen(p) + 6);
	free(url);
	(void)pgs_http_is_url(p);
	(void)pgs_http_parse_seconds(p);
	p = nl ? nl + 1 : end;

	/* header lines, as curl hands them over: with their CRLF */
	while (p < end) {
		nl = memchr(p, '\n', (size_t)(end - p));
		len = nl ? (size_t)(nl - p) : (size_t)(end - p);
		if (len == 0) {
			p++;
			break;
		}
		pgs_buf_reset(&hl);
		pgs_buf_add(&hl, p, len);
		pgs_buf_add(&hl, "\r\n", 2);
		FUZZ_ASSERT(on_header(hl.s, 1, hl.len, &h) == hl.len);
		p += len + (nl != NULL);
	}
	FUZZ_ASSERT(strlen(h.encoding) < sizeof(h.encoding) && strlen(h.reason) < sizeof(h.reason));
	for (i = 0; i < 8; i++) {
		ms = backoff_ms(&h, i);
		FUZZ_ASSERT(ms >= 0 && ms <= 120000 + 30000);
	}

	/* the body */
	pgs_buf_add(&h.raw, p, (size_t)(end - p));
	(void)decode_body(&h, &body, &why);
	FUZZ_ASSERT((long long)body.len <= h.o.max_body + 65536);
	while (pgs_http_body_line(&body, &pos, &line, &len))
		FUZZ_ASSERT(strlen(line) <= len);
	pgs_buf_free(&body);
	pgs_buf_free(&why);
	pgs_buf_free(&hl);
	pgs_buf_free(&h.raw);
	free(all);
	return 0;
}
