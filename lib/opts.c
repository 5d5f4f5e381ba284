/* opts.c — common option handling. */
#include "opts.h"

#include <stdarg.h>
#include <stdlib.h>

#include "dates.h"
#include "util.h"

void
pgs_common_init(struct pgs_common *co)
{
	co->rejects = NULL;
	co->max_rejects = -1;
}

int
pgs_common_opt(int c, const char *arg, struct pgs_common *co, void (*usage)(FILE *))
{
	switch (c) {
	case 'h':
		usage(stdout);
		return pgs_close_stream(stdout, "stdout") == 0 ? PGS_OPT_EXIT : PGS_OPT_BAD;
	case 'V':
		printf("%s %s\n", pgs_prog, PGS_VERSION);
		return pgs_close_stream(stdout, "stdout") == 0 ? PGS_OPT_EXIT : PGS_OPT_BAD;
	case 'q':
		pgs_verbosity = 0;
		return PGS_OPT_HANDLED;
	case 'v':
		pgs_verbosity = 2;
		return PGS_OPT_HANDLED;
	case PGS_OPT_REJECTS:
		co->rejects = arg;
		return PGS_OPT_HANDLED;
	case PGS_OPT_MAX_REJECTS:
		co->max_rejects = pgs_parse_count(arg);
		if (co->max_rejects < 0) {
			pgs_usage_error("bad --max-rejects '%s': want a count", arg);
			return PGS_OPT_BAD;
		}
		return PGS_OPT_HANDLED;
	case '?':
		/* getopt_long already said what was wrong */
		fprintf(stderr, "Try '%s --help'.\n", pgs_prog);
		return PGS_OPT_BAD;
	}
	return PGS_OPT_NOT_MINE;
}

int
pgs_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pgs_verr(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", pgs_prog);
	return PGS_EXIT_USAGE;
}

int
pgs_opt_window(const char *from, const char *to, long *dfrom, long *dto)
{
	if (from && pgs_date_parse(from, dfrom) < 0)
		return pgs_usage_error("bad --from '%s': want YYYY-MM-DD", from);
	if (to && pgs_date_parse(to, dto) < 0)
		return pgs_usage_error("bad --to '%s': want YYYY-MM-DD", to);
	if (*dfrom > *dto)
		return pgs_usage_error("--from %s is after --to %s", from, to);
	return 0;
}

const char *
pgs_default_store(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv("PGS_STORE");
	if (env && *env)
		return env;
	return "sqlite:pgs.db";
}
