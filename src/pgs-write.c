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
	const char *store, *from, *to, *table, *source, *run_id, *config;
	double allow_shrink;
	int no_end_marker, dry_run;
	long long run_started_us;
	struct pgs_common co;
};

static const char *const synopsis[] = {
	"pgs-write --store URI --from D --to D [--table T] [--source NAME] [--allow-shrink PCT]",
	"[--no-end-marker] [--dry-run] [--run-id ID] [--run-started TS] [--config-digest HEX]",
	"[--rejects FILE] [--max-rejects N] [FILE...]",
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
	if (!o->from || !o->to)
		return pgs_usage_error("--from and --to are required");
	if (pgs_opt_window(o->from, o->to, &dfrom, &dto) != 0)
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

static int
print_stats(const struct opts *o, const struct pgs_write_stats *s, long long ms, const char *refused)
{
	json_t *j = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "table", o->table, "from", o->from, "to", o->to, "rows_in", (json_int_t)s->rows_in,
	    "inserted", (json_int_t)s->inserted, "updated", (json_int_t)s->updated,
	    "unchanged", (json_int_t)s->unchanged, "deleted", (json_int_t)s->deleted,
	    "ms", (json_int_t)ms);
	int r;

	if (pgs_reject_count() > 0)
		json_object_set_new(j, "rejected", json_integer(pgs_reject_count()));
	if (o->dry_run)
		json_object_set_new(j, "dry_run", json_true());
	if (refused)
		json_object_set_new(j, "refused", json_string(refused));
	r = pgs_emit(j);
	json_decref(j);
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

int
main(int argc, char **argv)
{
	struct opts o;
	struct pgs_write_opts wo;
	struct pgs_write_stats stats = { 0 };
	pgs_store *st = NULL;
	pgs_window *w = NULL;
	pgs_rows *rows = NULL;
	pgs_sha256 *h = NULL;
	json_t *row;
	char digest[65], *run_id = NULL;
	long long t0 = pgs_mono_ms(), t_open;
	int argi, r, ex = PGS_EXIT_FAIL, committed = 0, usage;

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
	t_open = pgs_now_us();
	if (!(st = pgs_store_open(o.store, PGS_STORE_RW, &usage))) {
		ex = usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
		goto out;
	}
	pgs_info("store '%s' opened and its schema checked in %.2f ms", pgs_store_name(st),
	    (double)(pgs_now_us() - t_open) / 1000.0);
	wo = (struct pgs_write_opts){ .table = o.table, .from = o.from, .to = o.to,
		.source = o.source, .allow_shrink = o.allow_shrink, .dry_run = o.dry_run,
		.run_id = o.run_id, .run_started_us = o.run_started_us, .config = o.config };
	if (!(w = pgs_window_begin(st, &wo)))
		goto out;

	rows = pgs_rows_open(argv + argi, argc - argi);
	h = pgs_sha256_new();
	while ((r = pgs_rows_next(rows, &row)) == PGS_ROWS_ROW) {
		pgs_sha256_update(h, pgs_rows_text(rows), strlen(pgs_rows_text(rows)));
		pgs_sha256_update(h, "\n", 1);
		r = stage_row(w, rows, row);
		json_decref(row);
		if (r < 0)
			break;
	}
	pgs_sha256_final_hex(h, digest);
	if (r < 0) {
		pgs_err("nothing written");
		goto out;
	}
	if (!pgs_rows_marked(rows) && !o.no_end_marker) {
		pgs_err("input has no end marker: upstream truncated or hand-made (use --no-end-marker)");
		goto out;
	}

	r = pgs_window_commit(w, digest, &stats);
	w = NULL;
	if (r == PGS_WRITE_FAIL)
		goto out;
	committed = r == PGS_WRITE_OK && !o.dry_run;
	print_stats(&o, &stats, pgs_mono_ms() - t0, r == PGS_WRITE_SHRINK ? "shrink" :
	    r == PGS_WRITE_FENCED ? "fenced" : NULL);
	ex = r != PGS_WRITE_OK ? PGS_EXIT_GUARD : pgs_reject_count() > 0 ? PGS_EXIT_REJECTS : PGS_EXIT_OK;
out:
	pgs_window_abort(w);
	pgs_rows_close(rows);
	pgs_store_close(st);
	free(run_id);
	if (pgs_rejects_close() < 0)
		ex = PGS_EXIT_FAIL;
	if (pgs_out_close() < 0) {
		if (committed)
			pgs_err("the window was committed; only the statistics line was lost");
		ex = PGS_EXIT_FAIL;
	}
	return ex;
}
