/*
 * pgs-validate — the checks the old team ran by hand, over a store's
 * window: NULL rates per month, duplicate keys, rows against a baseline,
 * raw dates without summary rows, stale summary windows, per-game sanity
 * and unresolved names.  Opens the store read-only.
 *
 * The checks live in lib/validate.c and produce one JSON report; this file
 * parses options and prints that report as text, JSON, an SVG picture or
 * an HTML page.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ndjson.h"
#include "opts.h"
#include "store.h"
#include "util.h"
#include "validate.h"

/* The command line, as given; checked by check_args(). */
struct opts {
	const char *store, *from, *to, *baseline, *save_baseline, *svg, *html, *list;
	const char *null_pct[PGS_V_NCOLS], *tolerance, *min_players, *max_players, *min_played,
	    *seconds, *unresolved, *turnovers, *redate, *disagree;
	struct pgs_strlist schedule;
	int json;
	long nlist;
	struct pgs_validate_opts v;
};

static const char *const synopsis[] = {
	"pgs-validate --store URI --from D --to D [--json] [--baseline FILE]",
	"[--save-baseline FILE] [--schedule FILE]... [--svg FILE] [--html FILE]",
	"[--list N] [THRESHOLDS]",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "Check player_game_summary over [--from, --to]: NULL rates per month, duplicate\n"
	    "keys, rows per month against a baseline, raw dates without summary rows, stale\n"
	    "summary windows, per-game sanity, unresolved names, sources that disagree, and with\n"
	    "--schedule the league's own schedule and team totals.  Opens the store read-only.\n"
	    "\n"
	    "  --store URI         sqlite:PATH, postgres://... or bigquery://PROJECT/DATASET\n"
	    "                      (default $PGS_STORE, else sqlite:pgs.db)\n"
	    "  --from D, --to D    the window, inclusive YYYY-MM-DD (required)\n"
	    "  --json              print the report as one JSON object instead of text\n"
	    "  --baseline FILE     compare rows per month with a saved baseline\n"
	    "  --save-baseline FILE\n"
	    "                      save this run's rows per month as a baseline\n"
	    "  --schedule FILE     team game logs (stats.nba.com's shape: one row per team with\n"
	    "                      TEAM_ABBREVIATION and MATCHUP, or one per game with _home and\n"
	    "                      _road columns; team totals and minutes when given): every\n"
	    "                      scheduled game has both teams' rows, on its date, with the\n"
	    "                      players summing to the team totals; repeatable, merged by game_id\n"
	    "  --svg FILE          draw rows and NULL rates per month as an SVG picture\n"
	    "  --html FILE         write one self-contained page: the picture, the findings,\n"
	    "                      the checks and the thresholds\n"
	    "  --list N            failures listed per check in the text (default 10, 0 all)\n"
	    "\n"
	    "THRESHOLDS (a month fails above PCT percent NULL among the rows that need a value):\n"
	    "  --max-null-minutes PCT\n"
	    "                      minutes_played among active rows (default 0)\n"
	    "  --max-null-usage PCT\n"
	    "                      usage_rate among active rows with seconds played (default 0)\n"
	    "  --max-null-ts PCT   ts_pct among active rows with FGA + FTA > 0 (default 0)\n"
	    "  --max-null-efg PCT  efg_pct among active rows with FGA > 0 (default 0)\n"
	    "  --baseline-tolerance PCT\n"
	    "                      rows per month may differ from the baseline by PCT (default 2)\n"
	    "  --min-players N     rows per game, both teams together (default 18)\n"
	    "  --max-players N     (default 36)\n"
	    "  --min-played N      rows of a game whose sources list only the players who\n"
	    "                      played, NBA.com's export (default 10: five a side)\n"
	    "  --seconds-tolerance SEC\n"
	    "                      a team's seconds vs 240 min, +25 per overtime (default 60)\n"
	    "  --max-unresolved N  unresolved rows allowed in the window (default 0)\n"
	    "  --max-disagree PCT  rows merged from several sources that differ on a counted\n"
	    "                      stat (stats_disagree), percent of a month's (default 5)\n"
	    "  --team-turnovers N  a schedule's team TOV may exceed the players' sum by N:\n"
	    "                      turnovers charged to the team, not a player (default 6)\n"
	    "  --redate-days N     a missing scheduled game and an unscheduled table game of the\n"
	    "                      same teams up to N days apart are one game re-dated (default 7)\n"
	    "\n");
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 every check passed, 2 usage error, 3 failure: the store or a file cannot be read or "
	"written, 4 a check failed",
	PGS_TOOL_NO_OPERANDS,
};

static int
parse_pct(const char *opt, const char *s, double *out)
{
	char *end;
	double v;

	if (!s)
		return 0;
	v = strtod(s, &end);
	if (end == s || *end || !(v >= 0 && v <= 100))
		return pgs_usage_error("bad %s '%s': want a percentage 0..100", opt, s);
	*out = v;
	return 0;
}

static int
parse_num(const char *opt, const char *s, long *out)
{
	long v;

	if (!s)
		return 0;
	if ((v = pgs_parse_count(s)) < 0)
		return pgs_usage_error("bad %s '%s': want a count", opt, s);
	*out = v;
	return 0;
}

/* -1 to go on, else the exit status (help, version, usage error). */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "store", &o->store),
		PGS_OPT_STRING(0, "from", &o->from),
		PGS_OPT_STRING(0, "to", &o->to),
		PGS_OPT_FLAG(0, "json", &o->json),
		PGS_OPT_STRING(0, "baseline", &o->baseline),
		PGS_OPT_STRING(0, "save-baseline", &o->save_baseline),
		PGS_OPT_STRING(0, "svg", &o->svg),
		PGS_OPT_STRING(0, "html", &o->html),
		PGS_OPT_LIST(0, "schedule", &o->schedule),
		PGS_OPT_STRING(0, "team-turnovers", &o->turnovers),
		PGS_OPT_STRING(0, "redate-days", &o->redate),
		PGS_OPT_STRING(0, "list", &o->list),
		PGS_OPT_STRING(0, "max-null-minutes", &o->null_pct[PGS_V_MINUTES]),
		PGS_OPT_STRING(0, "max-null-usage", &o->null_pct[PGS_V_USAGE]),
		PGS_OPT_STRING(0, "max-null-ts", &o->null_pct[PGS_V_TS]),
		PGS_OPT_STRING(0, "max-null-efg", &o->null_pct[PGS_V_EFG]),
		PGS_OPT_STRING(0, "baseline-tolerance", &o->tolerance),
		PGS_OPT_STRING(0, "min-players", &o->min_players),
		PGS_OPT_STRING(0, "max-players", &o->max_players),
		PGS_OPT_STRING(0, "min-played", &o->min_played),
		PGS_OPT_STRING(0, "seconds-tolerance", &o->seconds),
		PGS_OPT_STRING(0, "max-unresolved", &o->unresolved),
		PGS_OPT_STRING(0, "max-disagree", &o->disagree),
		PGS_OPT_END(),
	};

	return pgs_parse_options(argc, argv, &tool, opts, NULL, o);
}

/* The values behind the options; 0, or PGS_EXIT_USAGE (reported). */
static int
check_args(struct opts *o)
{
	static const char *const pct_opt[PGS_V_NCOLS] = {
		"--max-null-minutes", "--max-null-usage", "--max-null-ts", "--max-null-efg",
	};
	struct pgs_validate_opts *v = &o->v;
	long dfrom, dto;

	pgs_validate_defaults(v);
	o->nlist = 10;
	if (!o->from || !o->to)
		return pgs_usage_error("--from and --to are required");
	if (pgs_opt_window(o->from, o->to, &dfrom, &dto) != 0)
		return PGS_EXIT_USAGE;
	v->from = o->from;
	v->to = o->to;
	for (int k = 0; k < PGS_V_NCOLS; k++)
		if (parse_pct(pct_opt[k], o->null_pct[k], &v->max_null_pct[k]) != 0)
			return PGS_EXIT_USAGE;
	if (parse_pct("--baseline-tolerance", o->tolerance, &v->baseline_tolerance) != 0 ||
	    parse_pct("--max-disagree", o->disagree, &v->max_disagree_pct) != 0 ||
	    parse_num("--min-players", o->min_players, &v->min_players) != 0 ||
	    parse_num("--max-players", o->max_players, &v->max_players) != 0 ||
	    parse_num("--min-played", o->min_played, &v->min_played) != 0 ||
	    parse_num("--seconds-tolerance", o->seconds, &v->seconds_tolerance) != 0 ||
	    parse_num("--max-unresolved", o->unresolved, &v->max_unresolved) != 0 ||
	    parse_num("--team-turnovers", o->turnovers, &v->team_turnovers) != 0 ||
	    parse_num("--redate-days", o->redate, &v->redate_days) != 0 ||
	    parse_num("--list", o->list, &o->nlist) != 0)
		return PGS_EXIT_USAGE;
	if (v->min_players > v->max_players)
		return pgs_usage_error("--min-players %ld is above --max-players %ld", v->min_players,
		    v->max_players);
	if (v->min_played > v->max_players)
		return pgs_usage_error("--min-played %ld is above --max-players %ld", v->min_played,
		    v->max_players);
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
	const json_t *m, *f, *k, *prov;
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
	prov = json_object_get(r, "provisional");
	if (jint(prov, "games") > 0)
		printf("provisional: %ld game%s (%ld rows) not final yet, on %zu date%s; their team sums"
		    " are not checked\n", jint(prov, "games"), jint(prov, "games") == 1 ? "" : "s",
		    jint(prov, "rows"), json_array_size(json_object_get(prov, "dates")),
		    json_array_size(json_object_get(prov, "dates")) == 1 ? "" : "s");
	printf("\n");
	if (json_array_size(json_object_get(r, "disagreement")) > 0) {
		printf("%-8s %-24s %7s %7s  %s\n", "season", "merged from", "rows", "differ", "rate");
		json_array_foreach(json_object_get(r, "disagreement"), i, m) {
			cell_pct(cell[0], sizeof(cell[0]), m);
			printf("%-8s %-24s %7ld %7ld  %s\n", jstr(m, "season"), jstr(m, "sources"),
			    jint(m, "merged"), jint(m, "differ"), cell[0]);
		}
		printf("\n");
	}

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

/* When the page was made: $SOURCE_DATE_EPOCH (reproducible pages), else now. */
static void
generated(char *out, size_t cap)
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	char *end;
	time_t t = time(NULL);
	long long v;
	struct tm tm;

	if (sde && *sde) {
		v = strtoll(sde, &end, 10);
		if (!*end && v >= 0 && v < 253402300800LL)
			t = (time_t)v;
	}
	gmtime_r(&t, &tm);
	strftime(out, cap, "%Y-%m-%d %H:%M:%S UTC", &tm);
}

/* The picture and the page, when asked for; 0 or -1 (reported). */
static int
save_pictures(const struct opts *o, const json_t *r)
{
	pgs_buf b = { 0 };
	char when[64];
	int rc = 0;

	if (o->svg) {
		pgs_validate_svg(r, &b);
		rc = pgs_validate_save(o->svg, b.s, b.len, "svg");
	}
	if (rc == 0 && o->html) {
		pgs_buf_reset(&b);
		generated(when, sizeof(when));
		pgs_validate_html(r, when, &b);
		rc = pgs_validate_save(o->html, b.s, b.len, "html");
	}
	pgs_buf_free(&b);
	return rc;
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	pgs_store *st = NULL;
	pgs_schedule *sched = NULL;
	json_t *base = NULL, *r = NULL, *nb;
	int ex = PGS_EXIT_FAIL, usage;

	pgs_setprog(argv[0]);
	if ((ex = parse_args(argc, argv, &o)) >= 0 || (ex = check_args(&o)) != 0) {
		free(o.schedule.v);
		return ex;
	}
	ex = PGS_EXIT_FAIL;
	pgs_out_init();
	if (o.baseline && !(base = pgs_baseline_load(o.baseline)))
		goto out;
	o.v.baseline = base;
	if (o.schedule.n > 0) {
		sched = pgs_schedule_new();
		for (int i = 0; i < o.schedule.n; i++)
			if (pgs_schedule_load(sched, o.schedule.v[i]) < 0)
				goto out;
		o.v.schedule = sched;
	}
	if (!(st = pgs_store_open(o.store, PGS_STORE_RO, &usage))) {
		ex = usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
		goto out;
	}
	if (!(r = pgs_validate_run(st, &o.v)))
		goto out;
	if (save_pictures(&o, r) < 0)
		goto out;
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
		print_text(r, o.nlist);
	ex = pgs_validate_ok(r) ? PGS_EXIT_OK : PGS_EXIT_GUARD;
	if (!pgs_validate_ok(r))
		pgs_info("%ld checks failed", jint(r, "failed_checks"));
out:
	json_decref(r);
	json_decref(base);
	pgs_schedule_free(sched);
	free(o.schedule.v);
	pgs_store_close(st);
	if (pgs_out_close() < 0)
		ex = PGS_EXIT_FAIL;
	return ex;
}
