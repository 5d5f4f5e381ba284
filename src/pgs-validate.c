/*
 * pgs-validate — the checks the old team ran by hand, over a store's
 * window: NULL rates per month, duplicate keys, rows against a baseline,
 * raw dates without summary rows, stale summary windows, per-game sanity
 * and unresolved names.  Opens the store read-only.
 *
 * The checks live in lib/validate.c and produce one JSON report; this file
 * parses options and prints that report as text, JSON or an SVG picture.
 */
#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "ndjson.h"
#include "opts.h"
#include "store.h"
#include "util.h"
#include "validate.h"

struct opts {
	const char *store, *baseline, *save_baseline, *svg;
	int json;
	long list;
	struct pgs_validate_opts v;
	struct pgs_common co;
};

enum {
	OPT_STORE = PGS_OPT_TOOL, OPT_FROM, OPT_TO, OPT_JSON, OPT_BASELINE, OPT_SAVE_BASELINE,
	OPT_SVG, OPT_NULL_MINUTES, OPT_NULL_USAGE, OPT_NULL_TS, OPT_NULL_EFG, OPT_TOLERANCE,
	OPT_MIN_PLAYERS, OPT_MAX_PLAYERS, OPT_SECONDS, OPT_UNRESOLVED, OPT_LIST,
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pgs-validate --store URI --from D --to D [--json] [--baseline FILE]\n"
	    "                    [--save-baseline FILE] [--svg FILE] [thresholds...]\n"
	    "Check player_game_summary over [D, D]; exit 4 when a check fails.\n"
	    "  --store URI              sqlite:PATH, postgres://... or bigquery://PROJECT/DATASET\n"
	    "                           (default $PGS_STORE, else sqlite:pgs.db); opened read-only\n"
	    "  --from D, --to D         the window, inclusive YYYY-MM-DD (required)\n"
	    "  --json                   print the report as one JSON object instead of text\n"
	    "  --baseline FILE          compare rows per month with a saved baseline\n"
	    "  --save-baseline FILE     save this run's rows per month as a baseline\n"
	    "  --svg FILE               draw rows and NULL rates per month as an SVG picture\n"
	    "  --list N                 text: failures listed per check (default 10, 0 all)\n"
	    "thresholds (a month fails above PCT percent NULL among the rows that need a value):\n"
	    "  --max-null-minutes PCT   minutes_played among active rows (default 0)\n"
	    "  --max-null-usage PCT     usage_rate among active rows with seconds (default 0)\n"
	    "  --max-null-ts PCT        ts_pct among active rows with FGA + FTA > 0 (default 0)\n"
	    "  --max-null-efg PCT       efg_pct among active rows with FGA > 0 (default 0)\n"
	    "  --baseline-tolerance PCT rows per month vs the baseline (default 2)\n"
	    "  --min-players N, --max-players N   rows per game (default 18, 36)\n"
	    "  --seconds-tolerance SEC  team seconds vs 240 min +25 per OT (default 60)\n"
	    "  --max-unresolved N       unresolved rows in the window (default 0)\n"
	    "  -q, -v, -h, -V           quiet, verbose, help, version\n"
	    "Exit: 0 every check passed, 2 usage, 3 the store or a file cannot be read or\n"
	    "written, 4 a check failed.\n");
}

static int
parse_pct(const char *opt, const char *s, double *out)
{
	char *end;
	double v = strtod(s, &end);

	if (end == s || *end || !(v >= 0 && v <= 100))
		return pgs_usage_error("bad %s '%s': want a percentage 0..100", opt, s);
	*out = v;
	return 0;
}

static int
parse_num(const char *opt, const char *s, long *out)
{
	long v = pgs_parse_count(s);

	if (v < 0)
		return pgs_usage_error("bad %s '%s': want a count", opt, s);
	*out = v;
	return 0;
}

static int
parse_args(int argc, char **argv, struct opts *o)
{
	static const struct option longopts[] = {
		PGS_COMMON_LONGOPTS,
		{ "store", required_argument, NULL, OPT_STORE },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "json", no_argument, NULL, OPT_JSON },
		{ "baseline", required_argument, NULL, OPT_BASELINE },
		{ "save-baseline", required_argument, NULL, OPT_SAVE_BASELINE },
		{ "svg", required_argument, NULL, OPT_SVG },
		{ "list", required_argument, NULL, OPT_LIST },
		{ "max-null-minutes", required_argument, NULL, OPT_NULL_MINUTES },
		{ "max-null-usage", required_argument, NULL, OPT_NULL_USAGE },
		{ "max-null-ts", required_argument, NULL, OPT_NULL_TS },
		{ "max-null-efg", required_argument, NULL, OPT_NULL_EFG },
		{ "baseline-tolerance", required_argument, NULL, OPT_TOLERANCE },
		{ "min-players", required_argument, NULL, OPT_MIN_PLAYERS },
		{ "max-players", required_argument, NULL, OPT_MAX_PLAYERS },
		{ "seconds-tolerance", required_argument, NULL, OPT_SECONDS },
		{ "max-unresolved", required_argument, NULL, OPT_UNRESOLVED },
		{ NULL, 0, NULL, 0 },
	};
	struct pgs_validate_opts *v = &o->v;
	const char *name;
	long dfrom, dto;
	int c, r, bad;

	memset(o, 0, sizeof(*o));
	pgs_common_init(&o->co);
	pgs_validate_defaults(v);
	o->list = 10;
	while ((c = getopt_long(argc, argv, PGS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		r = pgs_common_opt(c, optarg, &o->co, usage);
		if (r == PGS_OPT_EXIT)
			exit(PGS_EXIT_OK);
		if (r == PGS_OPT_BAD)
			return -1;
		if (r == PGS_OPT_HANDLED)
			continue;
		name = argv[optind - 1];
		bad = 0;
		switch (c) {
		case OPT_STORE: o->store = optarg; break;
		case OPT_FROM: v->from = optarg; break;
		case OPT_TO: v->to = optarg; break;
		case OPT_JSON: o->json = 1; break;
		case OPT_BASELINE: o->baseline = optarg; break;
		case OPT_SAVE_BASELINE: o->save_baseline = optarg; break;
		case OPT_SVG: o->svg = optarg; break;
		case OPT_LIST: bad = parse_num("--list", optarg, &o->list); break;
		case OPT_NULL_MINUTES:
			bad = parse_pct("--max-null-minutes", optarg, &v->max_null_pct[PGS_V_MINUTES]);
			break;
		case OPT_NULL_USAGE:
			bad = parse_pct("--max-null-usage", optarg, &v->max_null_pct[PGS_V_USAGE]);
			break;
		case OPT_NULL_TS: bad = parse_pct("--max-null-ts", optarg, &v->max_null_pct[PGS_V_TS]); break;
		case OPT_NULL_EFG: bad = parse_pct("--max-null-efg", optarg, &v->max_null_pct[PGS_V_EFG]); break;
		case OPT_TOLERANCE: bad = parse_pct("--baseline-tolerance", optarg, &v->baseline_tolerance); break;
		case OPT_MIN_PLAYERS: bad = parse_num("--min-players", optarg, &v->min_players); break;
		case OPT_MAX_PLAYERS: bad = parse_num("--max-players", optarg, &v->max_players); break;
		case OPT_SECONDS: bad = parse_num("--seconds-tolerance", optarg, &v->seconds_tolerance); break;
		case OPT_UNRESOLVED: bad = parse_num("--max-unresolved", optarg, &v->max_unresolved); break;
		default:
			return pgs_usage_error("unexpected option '%s'", name), -1;
		}
		if (bad)
			return -1;
	}
	if (optind < argc)
		return pgs_usage_error("unexpected argument '%s'", argv[optind]), -1;
	if (!v->from || !v->to)
		return pgs_usage_error("--from and --to are required"), -1;
	if (pgs_opt_window(v->from, v->to, &dfrom, &dto) != 0)
		return -1;
	if (v->min_players > v->max_players)
		return pgs_usage_error("--min-players %ld is above --max-players %ld", v->min_players,
		    v->max_players), -1;
	o->store = pgs_default_store(o->store);
	return 0;
}

/* ---- text ---- */

static long
jint(const json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

/* "0.00%", "0.0021%", "-" (nothing to count), with '*' when it fails. */
static void
cell_pct(char *out, size_t cap, const json_t *cell)
{
	const json_t *p = json_object_get(cell, "pct");
	double v = json_real_value(p);

	if (!json_is_number(p))
		snprintf(out, cap, "-");
	else
		snprintf(out, cap, "%.*f%%%s", v > 0 && v < 0.01 ? 4 : 2, json_number_value(p),
		    json_is_true(json_object_get(cell, "fail")) ? "*" : "");
}

static void
cell_baseline(char *out, size_t cap, const json_t *b)
{
	const json_t *d = json_object_get(b, "diff_pct");

	if (!json_is_object(b))
		snprintf(out, cap, "-");
	else if (!json_is_true(json_object_get(b, "compared")))
		snprintf(out, cap, "n/a");
	else if (!json_is_number(d))
		snprintf(out, cap, "new%s", json_is_true(json_object_get(b, "fail")) ? "*" : "");
	else
		snprintf(out, cap, "%+.2f%%%s", json_number_value(d),
		    json_is_true(json_object_get(b, "fail")) ? "*" : "");
}

static void
print_text(const json_t *r, long list)
{
	const json_t *months = json_object_get(r, "months"), *tot = json_object_get(r, "totals");
	const json_t *m, *f, *k;
	size_t i, j;
	long passed = 0, failed = 0, skipped = 0;
	int marked = 0;
	pgs_buf names = { 0 };
	char cell[PGS_V_NCOLS][24], base[24];

	printf("pgs-validate %s %s..%s\n\n", jstr(r, "store"), jstr(r, "from"), jstr(r, "to"));
	printf("%-7s %6s %7s %7s %7s  %-9s %-9s %-9s %-9s %9s\n", "month", "games", "rows",
	    "active", "raw", "null:min", "usage", "ts_pct", "efg_pct", "baseline");
	json_array_foreach(months, i, m) {
		for (int c = 0; c < PGS_V_NCOLS; c++)
			cell_pct(cell[c], sizeof(cell[c]),
			    json_object_get(json_object_get(m, "null"), pgs_validate_cols[c]));
		cell_baseline(base, sizeof(base), json_object_get(m, "baseline"));
		for (int c = 0; c < PGS_V_NCOLS; c++)
			marked |= strchr(cell[c], '*') != NULL;
		marked |= strchr(base, '*') != NULL;
		printf("%-7s %6ld %7ld %7ld %7ld  %-9s %-9s %-9s %-9s %9s\n", jstr(m, "month"),
		    jint(m, "games"), jint(m, "rows"), jint(m, "active"), jint(m, "raw_rows"),
		    cell[0], cell[1], cell[2], cell[3], base);
	}
	printf("%-7s %6ld %7ld %7ld %7ld\n", "total", jint(tot, "games"), jint(tot, "rows"),
	    jint(tot, "active"), jint(tot, "raw_rows"));
	if (json_array_size(months) == 0)
		printf("(no rows in the window)\n");
	if (marked)
		printf("* fails its threshold\n");
	printf("\n");

	json_array_foreach(json_object_get(r, "checks"), i, k) {
		const char *id = jstr(k, "check"), *status = jstr(k, "status");
		long shown = 0, n = jint(k, "failures");

		if (strcmp(status, "pass") == 0)
			passed++;
		else if (strcmp(status, "skipped") == 0)
			skipped++;
		if (strcmp(status, "fail") != 0)
			continue;
		failed++;
		pgs_buf_addf(&names, "%s%s", names.len ? ", " : "", id);
		json_array_foreach(json_object_get(r, "failures"), j, f) {
			if (strcmp(jstr(f, "check"), id) != 0)
				continue;
			if (list > 0 && shown == list) {
				printf("FAIL %s: ... and %ld more (--json lists them all)\n", id, n - shown);
				break;
			}
			printf("FAIL %s %s\n", id, jstr(f, "message"));
			shown++;
		}
	}
	if (failed)
		printf("\nchecks: %ld passed, %ld failed (%s), %ld skipped\n", passed, failed, names.s,
		    skipped);
	else
		printf("checks: %ld passed, 0 failed, %ld skipped\n", passed, skipped);
	pgs_buf_free(&names);
}

/* ---- files ---- */

static int
save_json(const char *path, json_t *j, const char *what)
{
	char *s = json_dumps(j, JSON_INDENT(1) | JSON_REAL_PRECISION(15));
	pgs_buf b = { 0 };
	int r;

	pgs_buf_adds(&b, s);
	pgs_buf_adds(&b, "\n");
	r = pgs_validate_save(path, b.s, b.len, what);
	free(s);
	pgs_buf_free(&b);
	return r;
}

int
main(int argc, char **argv)
{
	struct opts o;
	pgs_store *st = NULL;
	json_t *base = NULL, *r = NULL, *nb;
	pgs_buf svg = { 0 };
	int ex = PGS_EXIT_FAIL, usage;

	pgs_setprog(argv[0]);
	if (parse_args(argc, argv, &o) < 0)
		return PGS_EXIT_USAGE;
	pgs_out_init();
	if (o.baseline && !(base = pgs_baseline_load(o.baseline)))
		goto out;
	o.v.baseline = base;
	if (!(st = pgs_store_open(o.store, PGS_STORE_RO, &usage))) {
		ex = usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
		goto out;
	}
	if (!(r = pgs_validate_run(st, &o.v)))
		goto out;
	if (o.svg) {
		pgs_validate_svg(r, &svg);
		if (pgs_validate_save(o.svg, svg.s, svg.len, "svg") < 0)
			goto out;
	}
	if (o.save_baseline) {
		nb = pgs_baseline_from_report(r);
		if (save_json(o.save_baseline, nb, "baseline") < 0) {
			json_decref(nb);
			goto out;
		}
		json_decref(nb);
	}
	if (o.json)
		pgs_emit(r);
	else
		print_text(r, o.list);
	ex = pgs_validate_ok(r) ? PGS_EXIT_OK : PGS_EXIT_GUARD;
	if (!pgs_validate_ok(r))
		pgs_info("%ld checks failed", jint(r, "failed_checks"));
out:
	pgs_buf_free(&svg);
	json_decref(r);
	json_decref(base);
	pgs_store_close(st);
	if (pgs_out_close() < 0)
		ex = PGS_EXIT_FAIL;
	return ex;
}
