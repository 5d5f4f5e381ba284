/*
 * pgs-http-get — a test driver for lib/http: GET each URL with one client and
 * write the bodies to stdout, or expand a URL template.  Built by the
 * Makefile into bin-test/ with the tools (and their flags); not installed.
 */
#include <stdio.h>
#include <stdlib.h>

#include "dates.h"
#include "http.h"
#include "opts.h"
#include "util.h"

struct get {
	struct pgs_http_opts o;
	pgs_http_headers headers;
	const char *tmpl, *game_id;
	long day;
	int lines, missing_ok;
};

static const char *const synopsis[] = {
	"pgs-http-get [--timeout S] [--connect-timeout S] [--low-speed-time S] [--retries N]",
	"[--backoff-ms N] [--header H]... [--missing-ok] [--lines] URL...",
	"pgs-http-get --expand TEMPLATE [--date D] [--game-id ID]",
	NULL,
};

static const struct pgs_tool tool = { synopsis, NULL, "0 ok, 2 usage error, 3 failure", 0 };

static int
seconds(const char *name, const char *arg, long *ms)
{
	if ((*ms = pgs_http_parse_seconds(arg)) < 0)
		return pgs_usage_error("bad %s '%s': want seconds", name, arg);
	return 0;
}

static int
opt_timeout(void *g, const char *v)
{
	return seconds("--timeout", v, &((struct get *)g)->o.timeout_ms);
}

static int
opt_connect(void *g, const char *v)
{
	return seconds("--connect-timeout", v, &((struct get *)g)->o.connect_timeout_ms);
}

static int
opt_low_speed(void *g, const char *v)
{
	long ms;

	if (seconds("--low-speed-time", v, &ms) != 0)
		return PGS_EXIT_USAGE;
	((struct get *)g)->o.low_speed_time_s = (ms + 999) / 1000;
	return 0;
}

static int
opt_retries(void *g, const char *v)
{
	long n = pgs_parse_count(v);

	if (n < 0 || n > 100)
		return pgs_usage_error("bad --retries '%s'", v);
	((struct get *)g)->o.max_retries = (int)n;
	return 0;
}

static int
opt_backoff(void *g, const char *v)
{
	if ((((struct get *)g)->o.backoff_base_ms = pgs_parse_count(v)) < 0)
		return pgs_usage_error("bad --backoff-ms '%s'", v);
	return 0;
}

static int
opt_header(void *g, const char *v)
{
	if (pgs_http_headers_add(&((struct get *)g)->headers, v) < 0)
		return pgs_usage_error("bad --header: want 'Name: value'");
	return 0;
}

static int
opt_date(void *g, const char *v)
{
	if (pgs_date_parse(v, &((struct get *)g)->day) < 0)
		return pgs_usage_error("bad --date '%s'", v);
	return 0;
}

/* --lines: print each body line as "N<TAB>line", to test pgs_http_body_line */
static int
put_body(pgs_buf *body, int lines)
{
	size_t pos = 0, len;
	char *line;
	long n = 0;

	if (!lines)
		return fwrite(body->s ? body->s : "", 1, body->len, stdout) == body->len ? 0 : -1;
	while (pgs_http_body_line(body, &pos, &line, &len))
		printf("%ld\t%s\n", ++n, line);
	return 0;
}

static int
expand(struct get *g)
{
	char *url;

	if (pgs_http_template_vars(g->tmpl) < 0)
		return PGS_EXIT_USAGE;
	if (!(url = pgs_http_expand(g->tmpl, g->day, g->game_id)))
		return pgs_usage_error("template '%s' needs --date or --game-id", g->tmpl);
	printf("%s\n", url);
	free(url);
	return pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

static int
get_all(struct get *g, char **urls, int n)
{
	pgs_buf body = { 0 };
	pgs_http *h;
	long status;
	int i, r, rc = PGS_EXIT_OK;

	if (n == 0)
		return pgs_usage_error("no URL given");
	g->o.headers = g->headers.v;
	g->o.missing_ok = g->missing_ok;
	if (!(h = pgs_http_new(&g->o)))
		return PGS_EXIT_FAIL;
	for (i = 0; i < n && rc == PGS_EXIT_OK; i++) {
		if (!pgs_http_is_url(urls[i]))
			rc = pgs_usage_error("not an http(s) URL: '%s'", urls[i]);
		else if ((r = pgs_http_get(h, urls[i], &body, &status)) < 0 ||
		    (r == 0 && put_body(&body, g->lines) < 0))
			rc = PGS_EXIT_FAIL;
	}
	pgs_http_free(h);
	pgs_buf_free(&body);
	if (pgs_close_stream(stdout, "stdout") < 0 && rc == PGS_EXIT_OK)
		rc = PGS_EXIT_FAIL;
	return rc;
}

int
main(int argc, char **argv)
{
	struct get g = { .day = PGS_HTTP_NO_DAY };
	const struct pgs_option opts[] = {
		PGS_OPT_CALLBACK(0, "timeout", opt_timeout),
		PGS_OPT_CALLBACK(0, "connect-timeout", opt_connect),
		PGS_OPT_CALLBACK(0, "low-speed-time", opt_low_speed),
		PGS_OPT_CALLBACK(0, "retries", opt_retries),
		PGS_OPT_CALLBACK(0, "backoff-ms", opt_backoff),
		PGS_OPT_CALLBACK(0, "header", opt_header),
		PGS_OPT_STRING(0, "expand", &g.tmpl),
		PGS_OPT_CALLBACK(0, "date", opt_date),
		PGS_OPT_STRING(0, "game-id", &g.game_id),
		PGS_OPT_FLAG(0, "lines", &g.lines),
		PGS_OPT_FLAG(0, "missing-ok", &g.missing_ok),
		PGS_OPT_END(),
	};
	int rc;

	pgs_setprog(argv[0]);
	/* the environment first, so that options override it */
	if (pgs_http_opts_init(&g.o) < 0)
		return PGS_EXIT_USAGE;
	if ((rc = pgs_parse_options(argc, argv, &tool, opts, NULL, &g)) < 0)
		rc = g.tmpl ? expand(&g) : get_all(&g, argv + optind, argc - optind);
	pgs_http_headers_free(&g.headers);
	return rc;
}
