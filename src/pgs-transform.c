/*
 * pgs-transform — raw rows in, one summary row per player per game out.
 *
 * Rows arrive grouped by game; one game is buffered at a time, its sources
 * merged and its summary rows computed by lib/summary.c, so memory is bounded
 * by the largest game and not by the input.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "contig.h"
#include "lines.h"
#include "ndjson.h"
#include "rawcheck.h"
#include "opts.h"
#include "rejects.h"
#include "summary.h"
#include "teams.h"
#include "util.h"

/* The command line, as given; checked and turned into a run by setup(). */
struct options {
	const char *prefer, *now, *lines, *bookmakers, *max_disagree;
	int keep_exhibition;
	struct pgs_common co;
};

static const char *const synopsis[] = {
	"pgs-transform [--prefer LIST] [--max-disagree PCT] [--lines FILE] [--bookmakers LIST]",
	"[--keep-exhibition] [--now TS] [--rejects FILE] [--max-rejects N] [FILE...]",
	NULL,
};

/* A source pair's disagreement on a stat is judged once this many players were compared:
 * a game's worth, so a day of games is judged and one odd player is not a rate. */
#define MIN_COMPARED 20

static void
help(FILE *f)
{
	fprintf(f,
	    "Group raw rows by game, merge sources, write one summary row per player per game.\n"
	    "\n"
	    "  --prefer LIST       source preference, most preferred first (default %s);\n"
	    "                      minutes come from the most precise source whatever the order\n"
	    "  --max-disagree PCT  two sources may differ on a counted stat for PCT percent of the\n"
	    "                      players both list (default 5; judged from %d players on): above\n"
	    "                      it nothing is vouched for, exit 4 (a mislabelled column)\n"
	    "  --lines FILE        points lines (NDJSON, .gz ok) for points_line, over_under_result, margin\n"
	    "  --bookmakers LIST   bookmaker priority for --lines, most trusted first\n"
	    "                      (default %s; others rank after, by name)\n"
	    "  --keep-exhibition   keep preseason and all_star games (left out by default, counted)\n"
	    "  --now TS            processed_at as ISO-8601 UTC, e.g. 2024-01-01T00:00:00Z\n"
	    "                      (default $SOURCE_DATE_EPOCH, else the current time)\n",
	    PGS_SUMMARY_DEFAULT_PREFER, MIN_COMPARED, PGS_LINES_DEFAULT_BOOKMAKERS);
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 1 some rows rejected, 2 usage error, 3 failure: I/O or a truncated upstream, "
	"4 sources disagree above --max-disagree (no end marker: nothing downstream commits)",
	PGS_TOOL_ROWS,
};

/* ---- processed_at ---- */

/* Seconds since the epoch that still format as a year <= 9999. */
#define EPOCH_MAX 253402300799LL

/* --now, else $SOURCE_DATE_EPOCH (reproducible runs), else the clock; as "YYYY-MM-DDTHH:MM:SSZ". */
static int
processed_at(const char *now, char out[32])
{
	const char *sde = getenv("SOURCE_DATE_EPOCH");
	long long us, v;

	if (now) {
		if (pgs_timestamp_parse(now, &us) < 0)
			return pgs_usage_error("bad --now '%s': want YYYY-MM-DDTHH:MM:SS[.f] and Z or +HH:MM", now);
	} else if (sde && *sde) {
		if ((v = pgs_parse_count(sde)) < 0 || v > EPOCH_MAX)
			return pgs_usage_error("bad SOURCE_DATE_EPOCH '%s': want seconds since 1970 (up to year 9999)", sde);
		us = v * 1000000LL;
	} else {
		us = pgs_now_us();
	}
	if (pgs_timestamp_format(us, out) < 0)
		return pgs_usage_error("bad time '%s': before 1900", now ? now : sde ? sde : "now");
	return 0;
}

/* ---- the stream ---- */

struct run {
	pgs_rows *in;
	pgs_summary *sum;
	double max_disagree;          /* percent */
	int refused;                  /* sources disagreed above it: exit 4, no marker */
	pgs_contig games;
	long rows_out;
	int keep_exhibition;
	long excluded[2];             /* rows of preseason, all_star games left out */
	struct pgs_window_mark mark;  /* window streams: the window in progress */
};

static int
write_row(const char *line, size_t len, void *arg)
{
	struct run *r = arg;

	if (pgs_out_write(line, len) < 0 || pgs_out_write("\n", 1) < 0)
		return -1;
	r->rows_out++;
	return 0;
}

/* Emit the buffered game; -1 on a write error. */
static int
finish_game(struct run *r)
{
	return pgs_summary_flush(r->sum, write_row, r) < 0 ? -1 : 0;
}

/* 1 when row is of a game the table leaves out (preseason, all_star), counted. */
static int
excluded(struct run *r, json_t *row)
{
	const char *t = json_string_value(json_object_get(row, "game_type"));

	if (!pgs_game_type_excluded(t))
		return 0;
	r->excluded[strcmp(t, "preseason") == 0 ? 0 : 1]++;
	return 1;
}

/*
 * One input row: a new game_id ends the buffered game — once the row is
 * known good: a rejected row (its game_id of another date, say) ends
 * nothing, and the next row of the game in progress is still its own.
 * -1 stops the run.
 */
static int
take_row(struct run *r, json_t *row)
{
	const char *gid = json_string_value(json_object_get(row, "game_id"));
	char err[512];
	int c = gid ? pgs_contig_peek(&r->games, gid, err, sizeof(err)) : PGS_CONTIG_SAME;

	if (c == PGS_CONTIG_NEW && pgs_raw_check(row, NULL, err, sizeof(err)) < 0)
		c = PGS_CONTIG_BAD;
	if (c != PGS_CONTIG_BAD && !r->keep_exhibition && excluded(r, row))
		return 0;
	if (c == PGS_CONTIG_NEW && (pgs_contig_next(&r->games, gid, err, sizeof(err)) != PGS_CONTIG_NEW ||
	    finish_game(r) < 0))
		return -1;
	if (c != PGS_CONTIG_BAD && pgs_summary_add(r->sum, row, err, sizeof(err)) == 0)
		return 0;
	return pgs_reject(pgs_rows_name(r->in), pgs_rows_lineno(r->in), pgs_rows_text(r->in),
	    "%s", err);
}

struct window_check {
	struct run *r;
	const char *span;             /* "from..to" of a window, or NULL for the input */
};

/* One pair of sources: the stats line (-v), and every counted stat they differ on for more
 * than --max-disagree of the players both list, said loudly. */
static int
check_pair(const char *a, const char *b, const struct pgs_disagree *d, void *arg)
{
	struct window_check *w = arg;
	pgs_buf line = { 0 };

	for (int k = 0; k < PGS_SUMMARY_NSTATS; k++) {
		double pct = d->compared[k] ? 100.0 * (double)d->differ[k] / (double)d->compared[k] : 0;

		if (d->differ[k] == 0)
			continue;
		pgs_buf_addf(&line, "%s %s %ld of %ld (%.2f%%)", line.len ? "," : "", pgs_summary_stats[k],
		    d->differ[k], d->compared[k], pct);
		if (k == PGS_SUMMARY_PLUS_MINUS || d->compared[k] < MIN_COMPARED || pct <= w->r->max_disagree)
			continue;
		pgs_err("%s%s%s and %s disagree on %s for %ld of %ld players both list (%.1f%%, more than "
		    "--max-disagree %g%%): a mislabelled or shifted column?", w->span ? w->span : "",
		    w->span ? ": " : "", a, b, pgs_summary_stats[k], d->differ[k], d->compared[k], pct,
		    w->r->max_disagree);
		w->r->refused = 1;
	}
	pgs_info("%s%s%s vs %s: %ld players both list; differ:%s", w->span ? w->span : "",
	    w->span ? ": " : "", a, b, d->players, line.len ? line.s : " nothing");
	pgs_buf_free(&line);
	return 0;
}

/* The disagreements since the last check (a window's, or the input's); -1 when one is
 * above --max-disagree. */
static int
check_disagreements(struct run *r, json_t *window)
{
	char span[32] = "";
	struct window_check w = { r, NULL };

	if (window) {
		snprintf(span, sizeof(span), "%s..%s",
		    json_string_value(json_object_get(window, "from")) ?: "?",
		    json_string_value(json_object_get(window, "to")) ?: "?");
		w.span = span;
	}
	pgs_summary_disagreements(r->sum, check_pair, &w, 1);
	return r->refused ? -1 : 0;
}

/* Read every row; returns PGS_ROWS_END, or PGS_ROWS_FATAL after an error. */
static int
transform(struct run *r)
{
	json_t *row;
	int got, bad;

	while ((got = pgs_rows_next(r->in, &row)) > 0) {
		/* a window marker ends the game in progress: no game spans windows */
		if (got == PGS_ROWS_WINDOW)
			bad = finish_game(r) < 0 || check_disagreements(r, row) < 0 ||
			    pgs_pass_window(row, r->rows_out, &r->mark) < 0 ? -1 : 0;
		else
			bad = take_row(r, row);
		json_decref(row);
		if (bad < 0)
			return PGS_ROWS_FATAL;
	}
	if (got == PGS_ROWS_END && (finish_game(r) < 0 || check_disagreements(r, NULL) < 0))
		return PGS_ROWS_FATAL;
	return got;
}

/* The end marker's count of the rows left out, by game type; NULL when none was. */
static json_t *
excluded_counts(const struct run *r)
{
	if (r->excluded[0] + r->excluded[1] == 0)
		return NULL;
	return json_pack("{s:{s:I, s:I}}", "excluded", "preseason", (json_int_t)r->excluded[0],
	    "all_star", (json_int_t)r->excluded[1]);
}

/* Read the lines file before any row: a file that cannot be read fails the run. */
static pgs_lines *
load_lines(const char *path, const char *const *books, size_t nbooks)
{
	pgs_lines *l = pgs_lines_new(books, nbooks);
	struct pgs_lines_stats st;

	if (pgs_lines_load(l, path) < 0) {
		pgs_lines_free(l);
		return NULL;
	}
	pgs_lines_stats(l, &st);
	pgs_info("%s: %ld lines, %ld player-games; ignored %ld after tip-off, %ld of other markets",
	    path, st.read, st.keys, st.late, st.other_market);
	return l;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "prefer", &o->prefer),
		PGS_OPT_STRING(0, "max-disagree", &o->max_disagree),
		PGS_OPT_STRING(0, "now", &o->now),
		PGS_OPT_STRING(0, "lines", &o->lines),
		PGS_OPT_STRING(0, "bookmakers", &o->bookmakers),
		PGS_OPT_FLAG(0, "keep-exhibition", &o->keep_exhibition),
		PGS_OPT_END(),
	};

	o->prefer = PGS_SUMMARY_DEFAULT_PREFER;
	o->bookmakers = PGS_LINES_DEFAULT_BOOKMAKERS;
	return pgs_parse_options(argc, argv, &tool, opts, &o->co, o);
}

/* The summary context the options ask for.  0, or an exit status (reported). */
static int
setup(const struct options *o, struct run *run, pgs_lines **lt)
{
	struct pgs_summary_opts so = { 0 };
	const char **names = NULL, **books = NULL;
	long n, nbooks;
	char at[32];
	int rc = PGS_EXIT_USAGE;

	if ((n = pgs_summary_parse_prefer(o->prefer, &names)) < 0) {
		pgs_usage_error("bad --prefer '%s': want distinct source names separated by commas", o->prefer);
		goto out;
	}
	for (long i = 0; i < n; i++)
		if (!pgs_summary_known_source(names[i])) {
			pgs_buf known = { 0 };

			for (size_t k = 0; pgs_known_sources[k]; k++)
				pgs_buf_addf(&known, "%s%s", k ? ", " : "", pgs_known_sources[k]);
			/* a typo would silently rank the source last: the preference would be ignored */
			pgs_usage_error("unknown source '%s' in --prefer: the sources are %s", names[i], known.s);
			pgs_buf_free(&known);
			goto out;
		}
	run->keep_exhibition = o->keep_exhibition;
	run->max_disagree = 5;
	if (o->max_disagree) {
		char *end;

		run->max_disagree = strtod(o->max_disagree, &end);
		if (end == o->max_disagree || *end || !(run->max_disagree >= 0 && run->max_disagree <= 100)) {
			pgs_usage_error("bad --max-disagree '%s': want a percentage 0..100", o->max_disagree);
			goto out;
		}
	}
	if ((nbooks = pgs_summary_parse_prefer(o->bookmakers, &books)) < 0) {
		pgs_usage_error("bad --bookmakers '%s': want distinct names separated by commas", o->bookmakers);
		goto out;
	}
	if (processed_at(o->now, at) != 0)
		goto out;
	rc = PGS_EXIT_FAIL;
	if (pgs_rejects_init(o->co.rejects, o->co.max_rejects) < 0)
		goto out;
	if (o->lines && !(*lt = load_lines(o->lines, books, (size_t)nbooks)))
		goto out;
	so.prefer = names;
	so.nprefer = (size_t)n;
	so.processed_at = at;
	so.lines = *lt;
	if (!(run->sum = pgs_summary_new(&so))) {
		pgs_err("internal error: summary fields do not match the schema");
		goto out;
	}
	rc = 0;
out:
	free(names);
	free(books);
	return rc;
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct run run = { 0 };
	pgs_lines *lt = NULL;
	int rc, got;

	pgs_setprog(argv[0]);
	if ((rc = parse_args(argc, argv, &o)) >= 0 || (rc = setup(&o, &run, &lt)) != 0)
		goto out;
	run.in = pgs_rows_open(argv + optind, argc - optind);
	pgs_rows_windows(run.in);
	pgs_out_init();
	got = transform(&run);
	if (!run.refused) {
		json_t *extra = excluded_counts(&run);

		got = pgs_rows_vouch_extra(got, run.in, run.rows_out, extra);
		json_decref(extra);
	}
	pgs_info("%ld rows in, %ld summary rows out, %ld rejected, %ld excluded (%ld preseason,"
	    " %ld all_star)", pgs_rows_count(run.in), run.rows_out, pgs_reject_count(),
	    run.excluded[0] + run.excluded[1], run.excluded[0], run.excluded[1]);
	if (pgs_out_close() < 0 || pgs_rejects_close() < 0)
		got = PGS_ROWS_FATAL;
	rc = run.refused && got != PGS_ROWS_END ? PGS_EXIT_GUARD : got != PGS_ROWS_END ? PGS_EXIT_FAIL :
	    pgs_reject_count() > 0 ? PGS_EXIT_REJECTS : PGS_EXIT_OK;
out:
	pgs_rows_close(run.in);
	pgs_summary_free(run.sum);
	pgs_contig_free(&run.games);
	pgs_lines_free(lt);
	return rc;
}
