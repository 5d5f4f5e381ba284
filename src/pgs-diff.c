/*
 * pgs-diff — what changed in player_game_summary: between two times, or by
 * one run, per row and field, old → new, from the table and its history
 * (player_game_summary_history).  Text for people, NDJSON with --json.  A
 * changed over_under_result is called out: a bet settled on it flips.
 *
 * How: the window as it stood at the first time against the window as it
 * stood at the second (two as-of reads, the reads of pgs-extract --as-of),
 * matched by key.  A run is found in the ledger: each of its windows, just
 * before its commit against just after.
 *
 * --prune-history-days N is the history's maintenance: versions superseded
 * more than N days ago are deleted, in a transaction of their own.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "ndjson.h"
#include "opts.h"
#include "store.h"
#include "util.h"

struct opts {
	const char *store, *since_s, *until_s, *run, *from, *to, *prune_s;
	int json;
	char since[28], until[28];
	long prune_days;
};

/* One comparison: the window [from, to] at `before` against it at `after`. */
struct span {
	const char *from, *to;
	char before[28], after[28];
	const char *run;             /* the run that committed `after`, when known */
};

static const char *const synopsis[] = {
	"pgs-diff --store URI (--since TIME [--until TIME] | --run RUN_ID) [--from D --to D] [--json]",
	"pgs-diff --store URI --prune-history-days N",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "Print the changes to player_game_summary between two times or made by one run:\n"
	    "each row inserted, updated or deleted and, per field, old -> new; a changed\n"
	    "over_under_result is called out.  Reads the table and its history read-only.\n"
	    "\n"
	    "  --store URI         sqlite:PATH, postgres://... or bigquery://PROJECT/DATASET\n"
	    "                      (default $PGS_STORE, else sqlite:pgs.db)\n"
	    "  --since TIME        the changes committed after TIME (ISO 8601 with Z or an offset)\n"
	    "  --until TIME        ... up to and including TIME (default: now)\n"
	    "  --run RUN_ID        the changes the run's commits made (its windows in the ledger)\n"
	    "  --from D, --to D    only rows with game_date in the window (default: every date)\n"
	    "  --json              one JSON object per changed row instead of text\n"
	    "  --prune-history-days N\n"
	    "                      instead: delete the history's versions superseded more than\n"
	    "                      N days ago (a maintenance command; never part of a write)\n");
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 2 usage error, 3 failure: the store cannot be read or written, or the run is"
	" not in its ledger",
	PGS_TOOL_NO_OPERANDS,
};

/* ---- options ---- */

static int
parse_time(const char *opt, const char *s, char out[28])
{
	long long us;

	if (pgs_timestamp_parse(s, &us) < 0 || pgs_timestamp_format_us(us, out) < 0)
		return pgs_usage_error("bad %s '%s': want an ISO 8601 time with its zone,"
		    " e.g. 2024-01-16T12:00:00Z", opt, s);
	return 0;
}

/* -1 to go on, else the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "store", &o->store),
		PGS_OPT_STRING(0, "since", &o->since_s),
		PGS_OPT_STRING(0, "until", &o->until_s),
		PGS_OPT_STRING(0, "run", &o->run),
		PGS_OPT_STRING(0, "from", &o->from),
		PGS_OPT_STRING(0, "to", &o->to),
		PGS_OPT_FLAG(0, "json", &o->json),
		PGS_OPT_STRING(0, "prune-history-days", &o->prune_s),
		PGS_OPT_END(),
	};

	return pgs_parse_options(argc, argv, &tool, opts, NULL, o);
}

static int
check_args(struct opts *o)
{
	long a, z;

	if (o->prune_s) {
		if (o->since_s || o->until_s || o->run || o->from || o->to)
			return pgs_usage_error("--prune-history-days is a command of its own: no"
			    " --since, --until, --run, --from or --to");
		if ((o->prune_days = pgs_parse_count(o->prune_s)) < 0)
			return pgs_usage_error("bad --prune-history-days '%s': want a number of days",
			    o->prune_s);
		return 0;
	}
	if (!o->since_s == !o->run)
		return pgs_usage_error("want --since TIME or --run RUN_ID (one of them)");
	if (o->run && o->until_s)
		return pgs_usage_error("--until goes with --since, not --run");
	if (!o->from != !o->to)
		return pgs_usage_error("--from and --to go together");
	if (o->from && pgs_opt_window(o->from, o->to, &a, &z) != 0)
		return PGS_EXIT_USAGE;
	if (!o->from) {
		o->from = "1900-01-01";
		o->to = "9999-12-31";
	}
	if (o->since_s && parse_time("--since", o->since_s, o->since) != 0)
		return PGS_EXIT_USAGE;
	if (o->until_s && parse_time("--until", o->until_s, o->until) != 0)
		return PGS_EXIT_USAGE;
	if (o->since_s && !o->until_s)
		pgs_timestamp_format_us(pgs_now_us(), o->until);
	if (o->since_s && strcmp(o->since, o->until) > 0)
		return pgs_usage_error("--since %s is after --until %s", o->since_s, o->until);
	return 0;
}

/* ---- the comparison ---- */

/* Fields that say how a row was made, not what it holds: never a change. */
static int
lineage(const char *field)
{
	return strcmp(field, "data_hash") == 0 || strcmp(field, "processed_at") == 0;
}

static char *
row_key(json_t *row)
{
	return pgs_xasprintf("%s\x1f%s", json_string_value(json_object_get(row, "game_id")) ?: "",
	    json_string_value(json_object_get(row, "player_lookup")) ?: "");
}

static int
keep_row(json_t *row, void *arg)
{
	char *k = row_key(row);

	json_object_set(arg, k, row);
	free(k);
	return 0;
}

struct cmp {
	json_t *before;              /* key -> row, at the span's start; taken as matched */
	json_t *changes;             /* the change records */
	const struct span *sp;
};

/* A change record: the row's identity, what happened, old -> new per field. */
static json_t *
change(const struct span *sp, json_t *id, const char *what)
{
	json_t *c = json_pack("{s:O?, s:O?, s:O?, s:s}", "game_date", json_object_get(id, "game_date"),
	    "game_id", json_object_get(id, "game_id"), "player_lookup",
	    json_object_get(id, "player_lookup"), "change", what);

	json_object_set_new(c, "old_as_of", json_string(sp->before));
	json_object_set_new(c, "new_as_of", json_string(sp->after));
	if (sp->run)
		json_object_set_new(c, "run", json_string(sp->run));
	return c;
}

static int
compare_row(json_t *row, void *arg)
{
	struct cmp *c = arg;
	char *k = row_key(row);
	json_t *old = json_object_get(c->before, k), *fields, *ch;
	const char *name;
	json_t *v;

	if (!old) {
		json_array_append_new(c->changes, change(c->sp, row, "inserted"));
		free(k);
		return 0;
	}
	fields = json_object();
	json_object_foreach(row, name, v) {
		json_t *o = json_object_get(old, name);

		if (!lineage(name) && !json_equal(o ? o : json_null(), v))
			json_object_set_new(fields, name, json_pack("{s:O, s:O}", "old",
			    o ? o : json_null(), "new", v));
	}
	if (json_object_size(fields) > 0) {
		ch = change(c->sp, row, "updated");
		json_object_set_new(ch, "fields", fields);
		if (json_object_get(fields, "over_under_result"))
			json_object_set_new(ch, "over_under_flipped", json_true());
		json_array_append_new(c->changes, ch);
	} else {
		json_decref(fields);
	}
	json_object_del(c->before, k);
	free(k);
	return 0;
}

/* The changes of one span, appended to changes.  0, or -1 (reported). */
static int
diff_span(pgs_store *st, const struct span *sp, json_t *changes)
{
	struct cmp c = { json_object(), changes, sp };
	const char *k;
	json_t *v;
	int rc = -1;

	if (pgs_store_summary_read(st, sp->from, sp->to, sp->before, keep_row, c.before) < 0 ||
	    pgs_store_summary_read(st, sp->from, sp->to, sp->after, compare_row, &c) < 0)
		goto out;
	json_object_foreach(c.before, k, v)
		json_array_append_new(changes, change(sp, v, "deleted"));
	rc = 0;
out:
	json_decref(c.before);
	return rc;
}

static int
by_row(const void *a, const void *b)
{
	static const char *const keys[] = { "game_date", "game_id", "player_lookup", "new_as_of" };
	json_t *x = *(json_t *const *)a, *y = *(json_t *const *)b;

	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		int r = strcmp(json_string_value(json_object_get(x, keys[i])) ?: "",
		    json_string_value(json_object_get(y, keys[i])) ?: "");

		if (r)
			return r;
	}
	return 0;
}

/* ---- a run's windows ---- */

struct run_arg {
	const struct opts *o;
	struct span *spans;
	size_t n;
};

static int
run_entry(const struct pgs_ledger_entry *e, void *arg)
{
	struct run_arg *r = arg;
	struct span *sp;
	long long us;

	if (!e->run_id || strcmp(e->run_id, r->o->run) != 0 ||
	    pgs_timestamp_parse(e->committed_at, &us) < 0)
		return 0;
	r->spans = pgs_xrealloc(r->spans, (r->n + 1) * sizeof(*r->spans));
	sp = &r->spans[r->n++];
	/* the window, within --from/--to */
	sp->from = pgs_xstrdup(strcmp(e->from, r->o->from) > 0 ? e->from : r->o->from);
	sp->to = pgs_xstrdup(strcmp(e->to, r->o->to) < 0 ? e->to : r->o->to);
	sp->run = r->o->run;
	pgs_timestamp_format_us(us - 1, sp->before);
	pgs_timestamp_format_us(us, sp->after);
	return 0;
}

/* ---- the landings behind the changes ---- */

static int
keep_landing(const struct pgs_ledger_entry *e, void *arg)
{
	json_array_append_new(arg, json_pack("{s:s?, s:s?, s:s?, s:s?, s:s?}", "source", e->scope,
	    "from", e->from, "to", e->to, "run", e->run_id, "committed_at", e->committed_at));
	return 0;
}

/*
 * Each change gets "landed": per source, the last landing of raw rows over
 * its date committed before the change was (the raw data it was rebuilt
 * from: a correction lands, then its summary window is rebuilt).  The
 * ledger's times compare as text: they are all "YYYY-MM-DDTHH:MM:SS.ffffffZ".
 */
static int
add_landings(pgs_store *st, const struct opts *o, json_t *changes)
{
	json_t *lands = json_array(), *c, *l;
	size_t i, k;

	if (json_array_size(changes) == 0 ||
	    pgs_store_ledger(st, PGS_TABLE_RAW, o->from, o->to, keep_landing, lands) < 0) {
		json_decref(lands);
		return json_array_size(changes) == 0 ? 0 : -1;
	}
	json_array_foreach(changes, i, c) {
		const char *d = json_string_value(json_object_get(c, "game_date"));
		const char *at = json_string_value(json_object_get(c, "new_as_of"));
		json_t *by = json_object(), *out = json_array(), *v;
		const char *src;

		json_array_foreach(lands, k, l) {
			const char *f = json_string_value(json_object_get(l, "from"));
			const char *t = json_string_value(json_object_get(l, "to"));
			const char *ca = json_string_value(json_object_get(l, "committed_at"));

			/* oldest first: a later landing of the source replaces an earlier one */
			if (d && at && f && t && ca && strcmp(f, d) <= 0 && strcmp(d, t) <= 0 &&
			    strcmp(ca, at) <= 0)
				json_object_set(by, json_string_value(json_object_get(l, "source")) ?: "?", l);
		}
		json_object_foreach(by, src, v)
			json_array_append_new(out, json_pack("{s:s, s:O, s:O}", "source", src, "run",
			    json_object_get(v, "run"), "committed_at", json_object_get(v, "committed_at")));
		json_object_set_new(c, "landed", out);
		json_decref(by);
	}
	json_decref(lands);
	return 0;
}

/* ---- output ---- */

static void
add_value(pgs_buf *b, json_t *v)
{
	char *s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY | JSON_REAL_PRECISION(15));

	pgs_buf_adds(b, s ? s : "?");
	free(s);
}

/* "GAME_DATE GAME_ID PLAYER updated: points 10 -> 12, ... [over/under flipped]
 * (landed: SOURCE TIME, ...)" */
static int
print_text(json_t *c)
{
	json_t *fields = json_object_get(c, "fields"), *v;
	const char *name;
	pgs_buf b = { 0 };
	size_t i;
	int first = 1, r;

	pgs_buf_addf(&b, "%s %s %s %s", json_string_value(json_object_get(c, "game_date")) ?: "?",
	    json_string_value(json_object_get(c, "game_id")) ?: "?",
	    json_string_value(json_object_get(c, "player_lookup")) ?: "?",
	    json_string_value(json_object_get(c, "change")));
	json_object_foreach(fields, name, v) {
		pgs_buf_addf(&b, "%s %s ", first ? ":" : ",", name);
		add_value(&b, json_object_get(v, "old"));
		pgs_buf_adds(&b, " -> ");
		add_value(&b, json_object_get(v, "new"));
		first = 0;
	}
	if (json_is_true(json_object_get(c, "over_under_flipped")))
		pgs_buf_adds(&b, "  [over/under flipped]");
	json_array_foreach(json_object_get(c, "landed"), i, v)
		pgs_buf_addf(&b, "%s%s %s", i ? ", " : "  (landed: ",
		    json_string_value(json_object_get(v, "source")) ?: "?",
		    json_string_value(json_object_get(v, "committed_at")) ?: "?");
	if (json_array_size(json_object_get(c, "landed")) > 0)
		pgs_buf_adds(&b, ")");
	r = pgs_emit_text(b.s, b.len);
	pgs_buf_free(&b);
	return r;
}

static int
print_changes(json_t *changes, int json)
{
	size_t i, n = json_array_size(changes), flipped = 0;
	json_t **v = pgs_xcalloc(n + 1, sizeof(*v));
	int r = 0;

	for (i = 0; i < n; i++)
		v[i] = json_array_get(changes, i);
	qsort(v, n, sizeof(*v), by_row);
	for (i = 0; r == 0 && i < n; i++) {
		flipped += json_is_true(json_object_get(v[i], "over_under_flipped"));
		r = json ? pgs_emit(v[i]) : print_text(v[i]);
	}
	pgs_info("%zu rows changed, %zu over/under results flipped", n, flipped);
	free(v);
	return r;
}

/* ---- the commands ---- */

static int
diff(pgs_store *st, struct opts *o)
{
	struct run_arg r = { o, NULL, 0 };
	json_t *changes = json_array();
	int ex = PGS_EXIT_FAIL;

	if (o->run) {
		if (pgs_store_ledger(st, PGS_TABLE_SUMMARY, o->from, o->to, run_entry, &r) < 0)
			goto out;
		if (r.n == 0) {
			pgs_err("run '%s' committed no window of %s over %s..%s in store '%s'"
			    " (pgs-checkpoint status, or the ledger pgs_windows, names the runs)",
			    o->run, PGS_TABLE_SUMMARY, o->from, o->to, pgs_store_name(st));
			goto out;
		}
	} else {
		r.spans = pgs_xcalloc(1, sizeof(*r.spans));
		r.n = 1;
		r.spans[0].from = pgs_xstrdup(o->from);
		r.spans[0].to = pgs_xstrdup(o->to);
		memcpy(r.spans[0].before, o->since, sizeof(o->since));
		memcpy(r.spans[0].after, o->until, sizeof(o->until));
	}
	for (size_t i = 0; i < r.n; i++)
		if (diff_span(st, &r.spans[i], changes) < 0)
			goto out;
	if (add_landings(st, o, changes) < 0)
		goto out;
	if (print_changes(changes, o->json) == 0)
		ex = PGS_EXIT_OK;
out:
	for (size_t i = 0; i < r.n; i++) {
		free((char *)r.spans[i].from);
		free((char *)r.spans[i].to);
	}
	free(r.spans);
	json_decref(changes);
	return ex;
}

static int
prune(pgs_store *st, const struct opts *o)
{
	char before[28];
	long n;

	pgs_timestamp_format_us(pgs_now_us() - (long long)o->prune_days * 86400LL * 1000000LL, before);
	if ((n = pgs_store_history_prune(st, before)) < 0)
		return PGS_EXIT_FAIL;
	if (o->json) {
		json_t *j = json_pack("{s:i, s:s}", "pruned", (json_int_t)n, "superseded_before", before);
		int r = pgs_emit(j);

		json_decref(j);
		return r == 0 ? PGS_EXIT_OK : PGS_EXIT_FAIL;
	}
	{
		char *line = pgs_xasprintf("pruned %ld versions superseded before %s", n, before);
		int r = pgs_emit_text(line, strlen(line));

		free(line);
		return r == 0 ? PGS_EXIT_OK : PGS_EXIT_FAIL;
	}
}

int
main(int argc, char **argv)
{
	struct opts o = { 0 };
	pgs_store *st;
	int ex, usage;

	pgs_setprog(argv[0]);
	pgs_store_hide_secrets(argc, argv);
	if ((ex = parse_args(argc, argv, &o)) >= 0 || (ex = check_args(&o)) != 0)
		return ex;
	pgs_out_init();
	/* the diff reads; the pruning writes, and only the history */
	st = pgs_store_open(pgs_default_store(o.store), o.prune_s ? PGS_STORE_RW : PGS_STORE_RO,
	    &usage);
	if (!st)
		ex = usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
	else
		ex = o.prune_s ? prune(st, &o) : diff(st, &o);
	pgs_store_close(st);
	if (pgs_out_close() < 0)
		ex = PGS_EXIT_FAIL;
	return ex;
}
