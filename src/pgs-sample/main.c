/*
 * pgs-sample — generate a deterministic, fictional but realistic NBA league
 * and write its player box scores as basketball-reference derived CSV or as
 * pgs raw rows (NDJSON).  This file is the options and the flow; sample.h
 * says where the rest lives.
 */
#include <errno.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "opts.h"
#include "sample.h"

static const char *const synopsis[] = {
	"pgs-sample [--seed N] [--scale X] [--format bbref-csv|raw] [--from D] [--to D] [-o DIR]",
	NULL,
};

static void
help(FILE *fp)
{
	fputs(
"Generate a deterministic, fictional but realistic NBA league (30 teams, NBA\n"
"tricodes, made-up players) and write its player box scores: one row per\n"
"player listed for a team in a game, regular season, play-in, playoffs and\n"
"the 2023 Cup final.  Same seed and options give byte-identical output.\n"
"Quiet unless -v, which prints what was written.\n"
"\n"
"  --seed N            random seed, a decimal integer (default 1)\n"
"  --scale X           league size (default 1: seasons 2021-22..2023-24, about\n"
"                      100k rows).  X < 1 keeps the three seasons but plays only\n"
"                      the first max(1, round(X*D)) of each season's D (~165)\n"
"                      regular-season game days; the play-in and playoffs are\n"
"                      played only when X >= 0.5.  The kept days are exactly those\n"
"                      of --scale 1.  X > 1 adds earlier seasons: round(3*X)\n"
"                      seasons ending 2023-24 (--scale 15: 45 seasons, about\n"
"                      1.5M rows).  0 < X <= 100.\n"
"  --format F          bbref-csv (default): basketball-reference derived CSV with\n"
"                      a header line (BRK/CHO/PHO team codes); raw: NDJSON raw\n"
"                      rows (NBA tricodes, source \"sample\", no end marker)\n"
"  --from D, --to D    only games dated D or later / D or earlier (YYYY-MM-DD,\n"
"                      inclusive); the league itself does not change\n"
"  -o, --output DIR    write one file per season to DIR (created if missing):\n"
"                      sample_<season>.csv or sample_<season>.ndjson; a season\n"
"                      without games in the window gets no file\n",
	    fp);
}

static const struct pgs_tool tool = {
	synopsis, help, "0 success, 2 usage error, 3 I/O failure", PGS_TOOL_NO_OPERANDS,
};

static int
opt_seed(void *arg, const char *v)
{
	struct opts *o = arg;
	char *end;

	errno = 0;
	o->seed = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || v[0] == '+')
		return pgs_usage_error("bad --seed '%s': want a non-negative integer", v);
	return 0;
}

static int
opt_scale(void *arg, const char *v)
{
	struct opts *o = arg;
	char *end;

	errno = 0;
	o->scale = strtod(v, &end);
	if (errno || end == v || *end || !(o->scale > 0.0) || o->scale > SCALE_MAX)
		return pgs_usage_error("bad --scale '%s': want a number in (0, 100]", v);
	return 0;
}

static int
opt_format(void *arg, const char *v)
{
	struct opts *o = arg;

	if (strcmp(v, "bbref-csv") == 0)
		o->fmt = FMT_BBREF;
	else if (strcmp(v, "raw") == 0)
		o->fmt = FMT_RAW;
	else
		return pgs_usage_error("bad --format '%s': want bbref-csv or raw", v);
	return 0;
}

/* -1 to go on, or the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	const char *from = NULL, *to = NULL;
	const struct pgs_option opts[] = {
		PGS_OPT_CALLBACK(0, "seed", opt_seed),
		PGS_OPT_CALLBACK(0, "scale", opt_scale),
		PGS_OPT_CALLBACK(0, "format", opt_format),
		PGS_OPT_STRING(0, "from", &from),
		PGS_OPT_STRING(0, "to", &to),
		PGS_OPT_STRING('o', "output", &o->dir),
		PGS_OPT_END(),
	};
	int rc;

	o->seed = 1;
	o->scale = 1.0;
	o->fmt = FMT_BBREF;
	o->from = days_from_civil(1, 1, 1);
	o->to = days_from_civil(9999, 12, 31);
	o->dir = NULL;
	pgs_verbosity = 0;	/* quiet unless -v */
	if ((rc = pgs_parse_options(argc, argv, &tool, opts, NULL, o)) >= 0)
		return rc;
	if (o->dir && o->dir[0] == '\0')
		return pgs_usage_error("bad --output '': want a directory");
	if ((rc = pgs_opt_window(from, to, &o->from, &o->to)) != 0)
		return rc;
	return -1;
}

void
internal_error(const char *what)
{
	pgs_err("internal error: %s", what);
	exit(PGS_EXIT_FAIL);
}

/* The league, each season played and written.  The exit status. */
static int
generate(const struct opts *o)
{
	struct league L = { 0 };
	struct season S = { 0 };
	struct out out = { 0 };
	int nseasons = o->scale > 1.0 ? (int)lround(3.0 * o->scale) : 3;
	int first = LAST_YEAR - nseasons + 1, ok;

	out.fmt = o->fmt;
	out.dir = o->dir;
	out.from = o->from;
	out.to = o->to;
	ok = out_start(&out) == 0;
	for (int year = first; ok && year <= LAST_YEAR; year++) {
		if (year == first)
			league_create(&L, o->seed, year);
		else
			offseason(&L, o->seed, year);
		L.year = year;
		run_season(&L, &S, o, year);
		ok = write_season(&out, &L, &S) == 0;
	}
	if (out_close(&out) < 0)
		ok = 0;
	if (ok)
		pgs_info("%d seasons, %llu games, %llu rows, %llu files", nseasons, out.games, out.rows,
		    out.files);
	league_free(&L);
	free(S.g);
	free(S.r);
	return ok ? PGS_EXIT_OK : PGS_EXIT_FAIL;
}

int
main(int argc, char **argv)
{
	struct opts o;
	int rc;

	pgs_setprog(argv[0]);
	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	return generate(&o);
}
