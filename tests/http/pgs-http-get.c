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

enum { OPT_TIMEOUT = PGS_OPT_TOOL, OPT_CONNECT, OPT_LOW_SPEED, OPT_RETRIES, OPT_BACKOFF,
	OPT_HEADER, OPT_EXPAND, OPT_DATE, OPT_GAME_ID, OPT_LINES, OPT_MISSING_OK };

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: %s [--timeout S] [--connect-timeout S] [--low-speed-time S] [--retries N]\n"
	    "           [--backoff-ms N] [--header H]... [--missing-ok] [--lines] URL...\n"
	    "       %s --expand TEMPLATE [--date D] [--game-id ID]\n",
	    pgs_prog, pgs_prog);
}

static int
seconds_opt(const char *name, const char *arg, long *ms)
{
	if ((*ms = pgs_http_parse_seconds(arg)) < 0)
		return pgs_usage_error("bad %s '%s': want seconds", name, arg);
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

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PGS_COMMON_LONGOPTS,
		{ "timeout", required_argument, NULL, OPT_TIMEOUT },
		{ "connect-timeout", required_argument, NULL, OPT_CONNECT },
		{ "low-speed-time", required_argument, NULL, OPT_LOW_SPEED },
		{ "retries", required_argument, NULL, OPT_RETRIES },
		{ "backoff-ms", required_argument, NULL, OPT_BACKOFF },
		{ "header", required_argument, NULL, OPT_HEADER },
		{ "expand", required_argument, NULL, OPT_EXPAND },
		{ "date", required_argument, NULL, OPT_DATE },
		{ "game-id", required_argument, NULL, OPT_GAME_ID },
		{ "lines", no_argument, NULL, OPT_LINES },
		{ "missing-ok", no_argument, NULL, OPT_MISSING_OK },
		{ NULL, 0, NULL, 0 },
	};
	struct pgs_http_opts o;
	struct pgs_common co;
	const char *headers[16] = { NULL }, *tmpl = NULL, *game_id = NULL;
	long day = PGS_HTTP_NO_DAY, v, status;
	int c, r, nheaders = 0, lines = 0, rc = PGS_EXIT_OK;
	pgs_http *h = NULL;
	pgs_buf body = { 0 };
	char *url;

	pgs_setprog(argv[0]);
	pgs_common_init(&co);
	if (pgs_http_opts_init(&o) < 0)
		return PGS_EXIT_USAGE;
	while ((c = getopt_long(argc, argv, PGS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		if ((r = pgs_common_opt(c, optarg, &co, usage)) == PGS_OPT_HANDLED)
			continue;
		if (r == PGS_OPT_EXIT)
			return PGS_EXIT_OK;
		if (r == PGS_OPT_BAD)
			return PGS_EXIT_USAGE;
		switch (c) {
		case OPT_TIMEOUT:
			if (seconds_opt("--timeout", optarg, &o.timeout_ms))
				return PGS_EXIT_USAGE;
			break;
		case OPT_CONNECT:
			if (seconds_opt("--connect-timeout", optarg, &o.connect_timeout_ms))
				return PGS_EXIT_USAGE;
			break;
		case OPT_LOW_SPEED:
			if (seconds_opt("--low-speed-time", optarg, &v))
				return PGS_EXIT_USAGE;
			o.low_speed_time_s = (v + 999) / 1000;
			break;
		case OPT_RETRIES:
			if ((v = pgs_parse_count(optarg)) < 0 || v > 100)
				return pgs_usage_error("bad --retries '%s'", optarg);
			o.max_retries = (int)v;
			break;
		case OPT_BACKOFF:
			if ((o.backoff_base_ms = pgs_parse_count(optarg)) < 0)
				return pgs_usage_error("bad --backoff-ms '%s'", optarg);
			break;
		case OPT_HEADER:
			if (nheaders == 15)
				return pgs_usage_error("too many --header");
			headers[nheaders++] = optarg;
			break;
		case OPT_EXPAND:
			tmpl = optarg;
			break;
		case OPT_DATE:
			if (pgs_date_parse(optarg, &day) < 0)
				return pgs_usage_error("bad --date '%s'", optarg);
			break;
		case OPT_GAME_ID:
			game_id = optarg;
			break;
		case OPT_LINES:
			lines = 1;
			break;
		case OPT_MISSING_OK:
			o.missing_ok = 1;
			break;
		default:
			usage(stderr);
			return PGS_EXIT_USAGE;
		}
	}
	if (tmpl) {
		if (pgs_http_template_vars(tmpl) < 0)
			return PGS_EXIT_USAGE;
		if (!(url = pgs_http_expand(tmpl, day, game_id)))
			return pgs_usage_error("template '%s' needs --date or --game-id", tmpl);
		printf("%s\n", url);
		free(url);
		return pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
	}
	if (optind == argc)
		return pgs_usage_error("no URL given");
	o.headers = headers;
	if (!(h = pgs_http_new(&o)))
		return PGS_EXIT_FAIL;
	for (; optind < argc && rc == PGS_EXIT_OK; optind++) {
		if (!pgs_http_is_url(argv[optind])) {
			rc = pgs_usage_error("not an http(s) URL: '%s'", argv[optind]);
		} else if ((r = pgs_http_get(h, argv[optind], &body, &status)) < 0 ||
		    (r == 0 && put_body(&body, lines) < 0)) {
			rc = PGS_EXIT_FAIL;
		}
	}
	pgs_http_free(h);
	pgs_buf_free(&body);
	if (pgs_close_stream(stdout, "stdout") < 0 && rc == PGS_EXIT_OK)
		rc = PGS_EXIT_FAIL;
	return rc;
}
