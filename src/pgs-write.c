/*
 * pgs-write — make a table's window [from, to] equal to the input rows,
 * atomically, and print one line of statistics.
 *
 * The rows are staged privately while they stream in; nothing touches the
 * table until the whole input has arrived with its end marker.  Then one
 * transaction checks the fence and the shrink guard, upserts, deletes the
 * rows no longer present and records the window in the ledger.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dates.h"
#include "hash.h"
#include "ndjson.h"
#include "opts.h"
#include "rejects.h"
#include "store.h"
#include "util.h"
#include "window.h"

struct opts {
	const char *store, *from, *to, *table, *source, *run_id, *config, *windows_file;
	pgs_window_list windows;   /* --windows FILE */
	size_t nwindows;
	double allow_shrink;
	int no_end_marker, dry_run;
	long long run_started_us;
	struct pgs_common co;
};

static const char *const synopsis[] = {
	"pgs-write --store URI --from D --to D [--table T] [--source NAME] [--allow-shrink PCT]",
	"[--no-end-marker] [--dry-run] [--run-id ID] [--run-started TS] [--config-digest HEX]",
	"[--rejects FILE] [--max-rejects N] [FILE...]",
	"pgs-write --store URI --windows FILE [the same options but --from and --to] [FILE...]",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "Make the rows of table T with game_date in [D, D] equal to the input, atomically,\n"
	    "and print one JSON line of statistics.\n"
	    "\n"
	    "  --store URI         sqlite:PATH, postgres://… or bigquery://PROJECT/DATASET\n"
	    "                      (default $PGS_STORE, else sqlite:pgs.db)\n"
	    "  --from D, --to D    the window, inclusive YYYY-MM-DD (required)\n"
	    "  --windows FILE      instead: a window stream (pgs-extract --windows with the same FILE):\n"
	    "                      each window of FILE written at its marker, one statistics line each\n"
	    "  --table T           player_game_summary (default) or raw_boxscores\n"
	    "  --source NAME       raw_boxscores: replace only this source's rows\n"
	    "                      (default: every source present in the input)\n"
	    "  --allow-shrink PCT  refuse (exit 4) when the window would lose more rows (default 2)\n"
	    "  --no-end-marker     accept hand-made input that has no pgs end marker\n"
	    "  --dry-run           do everything but commit; print the same statistics\n"
	    "  --run-id ID         recorded in the ledger (default $PGS_RUN_ID, else host-pid-time)\n"
	    "  --run-started TS    when the run began (us since the epoch or ISO-8601;\n"
	    "                      default $PGS_RUN_STARTED): enables fencing of stale writers\n"
	    "  --config-digest HEX the configuration that made the rows, recorded in the ledger\n"
	    "                      (default $PGS_CONFIG_DIGEST; pgs-backfill sets it)\n");
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 1 rows rejected, 2 usage error, 3 failure (nothing committed),\n"
	"4 refused by the shrink guard or fencing",
	PGS_TOOL_ROWS,
};

/* "1700000000000000" (us since the epoch) or an ISO-8601 timestamp; -1 when neither. */
static long long
parse_run_started(const char *s)
{
	long long us;

	if (!s || !*s)
		return -1;
	if (strspn(s, "0123456789") == strlen(s))
		return strlen(s) > 18 ? -1 : atoll(s);
	return pgs_timestamp_parse(s, &us) < 0 || us < 0 ? -1 : us;
}

static int
opt_allow_shrink(void *ctx, const char *arg)
{
	struct opts *o = ctx;
	char *end;

	o->allow_shrink = strtod(arg, &end);
	if (end == arg || *end || !(o->allow_shrink >= 0 && o->allow_shrink <= 100))
		return pgs_usage_error("bad --allow-shrink '%s': want a percentage 0..100", arg);
	return 0;
}

/* -1 to go on (operands from optind), or the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	const char *started = getenv("PGS_RUN_STARTED");
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "store", &o->store),
		PGS_OPT_STRING(0, "from", &o->from),
		PGS_OPT_STRING(0, "to", &o->to),
		PGS_OPT_STRING(0, "table", &o->table),
		PGS_OPT_STRING(0, "source", &o->source),
		PGS_OPT_CALLBACK(0, "allow-shrink", opt_allow_shrink),
		PGS_OPT_FLAG(0, "no-end-marker", &o->no_end_marker),
		PGS_OPT_FLAG(0, "dry-run", &o->dry_run),
		PGS_OPT_STRING(0, "run-id", &o->run_id),
		PGS_OPT_STRING(0, "run-started", &started),
		PGS_OPT_STRING(0, "config-digest", &o->config),
		PGS_OPT_STRING(0, "windows", &o->windows_file),
		PGS_OPT_END(),
	};
	long dfrom, dto;
	int rc;

	memset(o, 0, sizeof(*o));
	o->table = PGS_TABLE_SUMMARY;
	o->allow_shrink = 2;
	o->run_id = getenv("PGS_RUN_ID");
	o->config = getenv("PGS_CONFIG_DIGEST");
	if ((rc = pgs_parse_options(argc, argv, &tool, opts, &o->co, o)) >= 0)
		return rc;
	if (o->windows_file && (o->from || o->to))
		return pgs_usage_error("--windows replaces --from and --to");
	if (!o->windows_file && (!o->from || !o->to))
		return pgs_usage_error("--from and --to are required");
	if (!o->windows_file && pgs_opt_window(o->from, o->to, &dfrom, &dto) != 0)
		return PGS_EXIT_USAGE;
	if (strcmp(o->table, PGS_TABLE_SUMMARY) != 0 && strcmp(o->table, PGS_TABLE_RAW) != 0)
		return pgs_usage_error("bad --table '%s': want %s or %s", o->table,
		    PGS_TABLE_SUMMARY, PGS_TABLE_RAW);
	if (o->source && strcmp(o->table, PGS_TABLE_RAW) != 0)
		return pgs_usage_error("--source applies only to --table %s", PGS_TABLE_RAW);
	if (o->config && *o->config && (strlen(o->config) > 64 ||
	    strspn(o->config, "0123456789abcdef") != strlen(o->config)))
		return pgs_usage_error("bad --config-digest '%s': want lowercase hex", o->config);
	if (started && *started && (o->run_started_us = parse_run_started(started)) < 0)
		return pgs_usage_error("bad --run-started '%s': want microseconds since the epoch"
		    " or YYYY-MM-DDTHH:MM:SSZ", started);
	o->store = pgs_default_store(o->store);
	if (!pgs_store_is_uri(o->store)) {
		/* said now, though the store is opened only once input comes (it says why) */
		pgs_store_open(o->store, PGS_STORE_RW, NULL);
		return PGS_EXIT_USAGE;
	}
	if (o->windows_file && (rc = pgs_opt_windows(o->windows_file, &o->windows, &o->nwindows)) != 0)
		return rc;
	return -1;
}

/* Stage one row; 0 staged or rejected, -1 fatal. */
static int
stage_row(pgs_window *w, pgs_rows *rows, json_t *row)
{
	char why[256];
	int r = pgs_window_add(w, row, pgs_rows_text(rows), why, sizeof(why));

	if (r == 1)
		return pgs_reject(pgs_rows_name(rows), pgs_rows_lineno(rows), pgs_rows_text(rows),
		    "%s", why);
	return r;
}

/* What upstream skipped, from its end marker (pgs_rows_carried): a single
 * window's statistics line carries it on. */
static json_t *carried;

/* The statistics line of the window from..to; upstream: the rejects of its
 * window marker (a window stream), or -1. */
static int
print_stats(const struct opts *o, const char *from, const char *to, const struct pgs_write_stats *s,
    long long ms, const char *refused, long rejected, long upstream)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "table", o->table, "from", from, "to", to, "rows_in", (json_int_t)s->rows_in,
	    "inserted", (json_int_t)s->inserted, "updated", (json_int_t)s->updated,
	    "unchanged", (json_int_t)s->unchanged, "deleted", (json_int_t)s->deleted,
	    "ms", (json_int_t)ms);
	int r;

	if (rejected > 0)
		json_object_set_new(j, "rejected", json_integer(rejected));
	if (upstream > 0)
		json_object_set_new(j, "rejected_upstream", json_integer(upstream));
	if (o->dry_run)
		json_object_set_new(j, "dry_run", json_true());
	if (refused)
		json_object_set_new(j, "refused", json_string(refused));
	if (carried && upstream < 0)
		json_object_update(j, carried);
	r = pgs_emit(j);
	json_decref(j);
	/* a window stream's reader (pgs-checkpoint) records each window as it lands */
	if (r == 0 && upstream >= 0 && fflush(stdout) != 0)
		r = -1;
	return r;
}

static char *
default_run_id(void)
{
	char host[256] = "localhost";

	gethostname(host, sizeof(host) - 1);
	host[sizeof(host) - 1] = '\0';
	return pgs_xasprintf("%s-%ld-%lld", host, (long)getpid(), pgs_now_us() / 1000000);
}

/* The write of one window, from the first row after the previous marker to its own. */
struct win {
	const char *from, *to;
	pgs_window *w;
	pgs_sha256 *h;
	long long t0;
	long rejects_at;
};

/*
 * Fault hook for the tests: PGS_FAULT_FAIL_WINDOW=D fails the write of the
 * window that starts on D as a store error would (exit 3, nothing of that
 * window committed; in a window stream, the windows before it are).
 */
static int
fault_fails(const char *from)
{
	const char *d = getenv("PGS_FAULT_FAIL_WINDOW");

	if (!d || strcmp(d, from) != 0)
		return 0;
	pgs_err("store: disk I/O error (simulated)");
	return 1;
}

static int
win_begin(struct win *v, pgs_store *st, struct pgs_write_opts *wo, const char *from, const char *to)
{
	wo->from = v->from = from;
	wo->to = v->to = to;
	v->t0 = pgs_mono_ms();
	v->rejects_at = pgs_reject_count();
	if (!(v->w = pgs_window_begin(st, wo)))
		return -1;
	v->h = pgs_sha256_new();
	return 0;
}

/*
 * Commit the window and print its statistics line.  Returns the window's
 * exit status (0, 1 rows rejected, 4 refused) or PGS_EXIT_FAIL (reported);
 * *committed tells whether it was committed.
 */
static int
win_commit(struct win *v, const struct opts *o, long upstream, int *committed)
{
	struct pgs_write_stats stats = { 0 };
	long rejected = pgs_reject_count() - v->rejects_at;
	char digest[65];
	int r;

	pgs_sha256_final_hex(v->h, digest);
	v->h = NULL;
	if (fault_fails(v->from))
		return PGS_EXIT_FAIL;
	/* a window stream whose reader (the pipeline's recorder) died: the
	 * pipeline is gone, and this window would be committed for nobody */
	if (upstream >= 0 && pgs_out_reader_gone()) {
		pgs_err("window %s..%s: the reader of the statistics has gone: not written", v->from, v->to);
		return PGS_EXIT_FAIL;
	}
	r = pgs_window_commit(v->w, digest, &stats);   /* frees the window */
	v->w = NULL;
	*committed = r == PGS_WRITE_OK && !o->dry_run;
	if (r == PGS_WRITE_FAIL)
		return PGS_EXIT_FAIL;
	if (print_stats(o, v->from, v->to, &stats, pgs_mono_ms() - v->t0,
	    r == PGS_WRITE_SHRINK ? "shrink" : r == PGS_WRITE_FENCED ? "fenced" : NULL, rejected,
	    upstream) < 0)
		return PGS_EXIT_FAIL;
	return r != PGS_WRITE_OK ? PGS_EXIT_GUARD : rejected > 0 || upstream > 0 ? PGS_EXIT_REJECTS
	    : PGS_EXIT_OK;
}
/*
 * Group commit (a store whose window write costs jobs, not milliseconds:
 * BigQuery).  Complete windows wait in a group; the group is written in
 * one transaction when it holds PGS_GROUP_MB of input or began
 * PGS_GROUP_SECONDS ago (at a window's end), and when the input ends —
 * also when it ends cut short: the windows whose markers came are
 * complete.  Each window keeps its verdict, ledger entry and statistics
 * line; a crash redoes at most the group in flight.
 */
struct group {
	struct win *v;
	long *upstream, *rejected;
	char (*digest)[65];
	size_t n, cap;
	long long bytes, t0;
	long long max_bytes, max_ms;
};

/* The group's budgets: its store's (PGS_GROUP_MB or the store's default), PGS_GROUP_SECONDS. */
static void
group_init(struct group *g, const pgs_store *st)
{
	const char *sec = getenv("PGS_GROUP_SECONDS");
	double x;

	memset(g, 0, sizeof(*g));
	g->max_bytes = pgs_window_group_bytes(st);
	g->max_ms = 10000;
	if (sec && *sec && (x = atof(sec)) >= 0)
		g->max_ms = (long long)(x * 1000);
}

static void
group_free(struct group *g)
{
	for (size_t i = 0; i < g->n; i++)
		pgs_window_abort(g->v[i].w);
	free(g->v);
	free(g->upstream);
	free(g->rejected);
	free(g->digest);
}

/* The complete window v joins the group (v is moved there). */
static void
group_add(struct group *g, struct win *v, long upstream, long long bytes)
{
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 16;
		g->v = pgs_xrealloc(g->v, g->cap * sizeof(*g->v));
		g->upstream = pgs_xrealloc(g->upstream, g->cap * sizeof(*g->upstream));
		g->rejected = pgs_xrealloc(g->rejected, g->cap * sizeof(*g->rejected));
		g->digest = pgs_xrealloc(g->digest, g->cap * sizeof(*g->digest));
	}
	if (g->n == 0) {
		g->t0 = v->t0;
		g->bytes = 0;
	}
	g->rejected[g->n] = pgs_reject_count() - v->rejects_at;
	pgs_sha256_final_hex(v->h, g->digest[g->n]);
	v->h = NULL;
	g->upstream[g->n] = upstream;
	g->v[g->n++] = *v;
	memset(v, 0, sizeof(*v));
	g->bytes += bytes;
}

static int
group_full(const struct group *g)
{
	return g->n > 0 && (g->bytes >= g->max_bytes || pgs_mono_ms() - g->t0 >= g->max_ms);
}

/*
 * Write the group's windows (the first k of them when a fault hook fails
 * window k: those commit, then the failure), print their statistics lines.
 * The group's worst exit status (0, 1, 4), or PGS_EXIT_FAIL (reported; the
 * group's windows not committed).  *committed counts the windows committed.
 */
static int
group_flush(struct group *g, const struct opts *o, int *committed)
{
	struct pgs_write_stats *stats;
	enum pgs_write_result *res, r;
	pgs_window **ws;
	const char **digests;
	size_t n = g->n, k;
	int worst = PGS_EXIT_OK, fail = 0, ex;

	if (n == 0)
		return PGS_EXIT_OK;
	for (k = 0; k < n && !fault_fails(g->v[k].from); k++)
		;
	fail = k < n;
	if (pgs_out_reader_gone()) {
		pgs_err("windows %s..%s: the reader of the statistics has gone: not written",
		    g->v[0].from, g->v[n - 1].to);
		return PGS_EXIT_FAIL;
	}
	stats = pgs_xcalloc(n, sizeof(*stats));
	res = pgs_xcalloc(n, sizeof(*res));
	ws = pgs_xcalloc(n, sizeof(*ws));
	digests = pgs_xcalloc(n, sizeof(*digests));
	for (size_t i = 0; i < k; i++) {
		ws[i] = g->v[i].w;
		g->v[i].w = NULL;   /* the group commit frees them */
		digests[i] = g->digest[i];
	}
	r = k ? pgs_window_commit_group(ws, k, digests, stats, res) : PGS_WRITE_OK;
	for (size_t i = 0; r == PGS_WRITE_OK && i < k; i++) {
		*committed += res[i] == PGS_WRITE_OK && !o->dry_run;
		if (print_stats(o, g->v[i].from, g->v[i].to, &stats[i], pgs_mono_ms() - g->v[i].t0,
		    res[i] == PGS_WRITE_SHRINK ? "shrink" : res[i] == PGS_WRITE_FENCED ? "fenced" : NULL,
		    g->rejected[i], g->upstream[i]) < 0) {
			r = PGS_WRITE_FAIL;
			break;
		}
		ex = res[i] != PGS_WRITE_OK ? PGS_EXIT_GUARD : g->rejected[i] > 0 || g->upstream[i] > 0 ?
		    PGS_EXIT_REJECTS : PGS_EXIT_OK;
		worst = ex > worst ? ex : worst;
	}
	free(stats);
	free(res);
	free(ws);
	free(digests);
	for (size_t i = 0; i < n; i++)
		pgs_window_abort(g->v[i].w);   /* the windows after a failed one */
	g->n = 0;
	return r != PGS_WRITE_OK || fail ? PGS_EXIT_FAIL : worst;
}

/* A window marker: it must be the next window of --windows. */
static int
check_window_marker(const struct opts *o, size_t k, json_t *m, long *upstream, pgs_window *w)
{
	const char *wm = json_string_value(json_object_get(m, "watermark"));
	long long us;

	const char *from = json_string_value(json_object_get(m, "from"));
	const char *to = json_string_value(json_object_get(m, "to"));
	json_t *jr = json_object_get(m, "rejects");

	if (k >= o->nwindows) {
		pgs_err("a marker of window %s..%s after the last window of '%s'", from, to,
		    o->windows_file);
		return -1;
	}
	if (strcmp(from, o->windows[k][0]) != 0 || strcmp(to, o->windows[k][1]) != 0) {
		pgs_err("a marker of window %s..%s where '%s' has %s..%s next", from, to,
		    o->windows_file, o->windows[k][0], o->windows[k][1]);
		return -1;
	}
	*upstream = json_is_integer(jr) && json_integer_value(jr) > 0 ? (long)json_integer_value(jr) : 0;
	if (json_object_get(m, "watermark") && (!wm || pgs_timestamp_parse(wm, &us) < 0)) {
		pgs_err("a marker of window %s..%s with a bad watermark (want a UTC timestamp)", from, to);
		return -1;
	}
	if (w)
		pgs_window_set_watermark(w, wm);
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct pgs_write_opts wo;
	struct win v = { 0 };
	struct group grp = { 0 };
	pgs_store *st = NULL;
	pgs_rows *rows = NULL;
	json_t *row;
	char *run_id = NULL;
	long long t0 = pgs_mono_ms(), t_open;
	long long wbytes = 0;
	long upstream = -1;
	size_t k = 0;
	int argi, r, ex = PGS_EXIT_FAIL, committed = 0, ncommitted = 0, worst = PGS_EXIT_OK, usage;
	int grouping = 0;

	pgs_setprog(argv[0]);
	pgs_store_hide_secrets(argc, argv);
	if ((r = parse_args(argc, argv, &o)) >= 0)
		return r;
	argi = optind;
	if (pgs_rejects_init(o.co.rejects, o.co.max_rejects) < 0)
		return PGS_EXIT_FAIL;
	pgs_out_init();
	if (!o.run_id || !*o.run_id)
		o.run_id = run_id = default_run_id();
	rows = pgs_rows_open(argv + argi, argc - argi);
	if (o.windows_file)
		pgs_rows_windows(rows);
	/*
	 * The store is opened once the input has a first line (or is empty with
	 * its marker, or hand-made): a stage before that failed, or an empty
	 * pipe, commits nothing and so creates no store.
	 */
	r = pgs_rows_next(rows, &row);
	if (r <= 0 && !pgs_rows_marked(rows) && !o.no_end_marker)
		goto ended;
	t_open = pgs_now_us();
	if (!(st = pgs_store_open(o.store, PGS_STORE_RW, &usage))) {
		ex = usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
		if (r > 0)
			json_decref(row);
		goto out;
	}
	pgs_info("store '%s' opened and its schema checked in %.2f ms", pgs_store_name(st),
	    (double)(pgs_now_us() - t_open) / 1000.0);
	wo = (struct pgs_write_opts){ .table = o.table, .source = o.source,
		.allow_shrink = o.allow_shrink, .dry_run = o.dry_run, .run_id = o.run_id,
		.run_started_us = o.run_started_us, .config = o.config };
	grouping = o.windows_file && pgs_window_groups(st, o.table);
	group_init(&grp, st);
	if ((o.windows_file ? o.nwindows > 0 && win_begin(&v, st, &wo, o.windows[0][0], o.windows[0][1])
	    : win_begin(&v, st, &wo, o.from, o.to)) < 0) {
		if (r > 0)
			json_decref(row);
		goto out;
	}
	if (!o.windows_file)
		v.t0 = t0;   /* one window: its ms count the store's opening too, as they always did */
	for (; r > 0; r = pgs_rows_next(rows, &row)) {
		if (r == PGS_ROWS_WINDOW) {
			/* --windows: this window is complete; commit it and start the next */
			r = check_window_marker(&o, k, row, &upstream, v.w);
			json_decref(row);
			if (r < 0)
				break;
			if (grouping) {
				group_add(&grp, &v, upstream, wbytes);
				wbytes = 0;
				r = group_full(&grp) ? group_flush(&grp, &o, &ncommitted) : PGS_EXIT_OK;
			} else {
				r = win_commit(&v, &o, upstream, &committed);
				ncommitted += committed;
			}
			if (r == PGS_EXIT_FAIL)
				goto out;   /* reported: the store's word is the last */
			worst = r > worst ? r : worst;
			if (++k < o.nwindows && win_begin(&v, st, &wo, o.windows[k][0], o.windows[k][1]) < 0) {
				r = -1;
				break;
			}
			continue;
		}
		if (!v.w) {
			pgs_err("rows after the last window of '%s'", o.windows_file);
			json_decref(row);
			r = -1;
			break;
		}
		wbytes += (long long)strlen(pgs_rows_text(rows)) + 1;
		pgs_sha256_update(v.h, pgs_rows_text(rows), strlen(pgs_rows_text(rows)));
		pgs_sha256_update(v.h, "\n", 1);
		r = stage_row(v.w, rows, row);
		json_decref(row);
		if (r < 0)
			break;
	}
ended:
	/* the windows whose markers came are complete, whatever follows */
	if (grouping && grp.n > 0) {
		if ((ex = group_flush(&grp, &o, &ncommitted)) == PGS_EXIT_FAIL)
			goto out;
		worst = ex > worst ? ex : worst;
		ex = PGS_EXIT_FAIL;
	}
	if (r < 0) {
		pgs_err(ncommitted ? "nothing more written (%d windows were committed before)"
		    : "nothing written", ncommitted);
		goto out;
	}
	if (!pgs_rows_marked(rows) && !o.no_end_marker) {
		if (ncommitted)
			pgs_err("input has no end marker: the stage before failed or its output was cut"
			    " short; the %d windows whose markers came were committed, nothing after them",
			    ncommitted);
		else
			pgs_err("input has no end marker: the stage before failed or its output was cut"
			    " short, so nothing was written (only for input made by hand: --no-end-marker)");
		goto out;
	}
	if (o.windows_file) {
		if (k < o.nwindows) {
			pgs_err("the input ended before the marker of window %s..%s: upstream truncated",
			    o.windows[k][0], o.windows[k][1]);
			goto out;
		}
		ex = worst;
		goto out;
	}
	/* (its exit status: the window's, rejects included) */
	carried = pgs_rows_carried(rows);
	ex = win_commit(&v, &o, -1, &committed);
out:
	group_free(&grp);
	pgs_window_abort(v.w);
	if (v.h) {
		char unused[65];

		pgs_sha256_final_hex(v.h, unused);
	}
	pgs_rows_close(rows);
	pgs_store_close(st);
	free(run_id);
	free(o.windows);
	if (pgs_rejects_close() < 0)
		ex = PGS_EXIT_FAIL;
	if (pgs_out_close() < 0) {
		if (committed || ncommitted)
			pgs_err("the window was committed; only the statistics line was lost");
		ex = PGS_EXIT_FAIL;
	}
	return ex;
}
