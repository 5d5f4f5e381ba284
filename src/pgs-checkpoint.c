/*
 * pgs-checkpoint — the state of a named backfill job: which days are done,
 * which batches failed, progress and rate.
 *
 * State lives in $PGS_STATE_DIR/JOB.json (default $XDG_STATE_HOME/pgs/, else
 * ~/.local/state/pgs/), parsed and checked by lib/checkpoint.c.  Done-ness is
 * kept per day, as merged date ranges, so a different --batch-days re-slices
 * the range without redoing or skipping work.  Every update holds
 * flock(JOB.lock) and replaces the file atomically (temp file, fsync,
 * rename), so parallel workers can share one job and a crash leaves the
 * old state or the new, never half of one.  A state
 * file that does not parse is never guessed at: every command but reset
 * says what is wrong and how to start over.
 */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "ledger.h"
#include "dates.h"
#include "hash.h"
#include "ndjson.h"
#include "opts.h"
#include "store.h"
#include "util.h"

enum { CMD_PLAN, CMD_DONE, CMD_FAIL, CMD_STATUS, CMD_LIST, CMD_RESET, NCMD };
static const char *const cmd_names[NCMD] = { "plan", "done", "fail", "status", "list", "reset" };

enum {
	OPT_JOB, OPT_FROM, OPT_TO, OPT_BATCH_DAYS, OPT_STORE, OPT_TABLE,
	OPT_ERROR, OPT_JSON, OPT_NO_STATS, OPT_CONFIG_DIGEST, OPT_LEDGER, OPT_STREAM, OPT_SOURCE_KEY,
};

/* The options each command takes (bit i: the option OPT_JOB + i, in the order of parse_args). */
#define BIT(opt) (1u << (opt))
static const unsigned cmd_opts[NCMD] = {
	[CMD_PLAN] = BIT(OPT_JOB) | BIT(OPT_FROM) | BIT(OPT_TO) | BIT(OPT_BATCH_DAYS) |
	    BIT(OPT_STORE) | BIT(OPT_TABLE) | BIT(OPT_CONFIG_DIGEST) | BIT(OPT_LEDGER) | BIT(OPT_SOURCE_KEY),
	[CMD_DONE] = BIT(OPT_JOB) | BIT(OPT_FROM) | BIT(OPT_TO) | BIT(OPT_NO_STATS) | BIT(OPT_STREAM),
	[CMD_FAIL] = BIT(OPT_JOB) | BIT(OPT_FROM) | BIT(OPT_TO) | BIT(OPT_ERROR),
	[CMD_STATUS] = BIT(OPT_JOB) | BIT(OPT_JSON),
	[CMD_LIST] = BIT(OPT_JSON),
	[CMD_RESET] = BIT(OPT_JOB),
};

struct opts {
	int cmd;
	const char *job, *from, *to, *store, *table, *error, *config, *source_key;
	long dfrom, dto, batch_days;
	int json, no_stats, ledger, stream;
};

static const char *const synopsis[] = {
	"pgs-checkpoint plan --job J --from D --to D [--batch-days N] [--store URI | --ledger] [--table T]",
	"[--config-digest HEX] [--source-key TEXT]",
	"pgs-checkpoint done --job J --from D --to D [--no-stats]",
	"pgs-checkpoint done --job J --stream",
	"pgs-checkpoint fail --job J --from D --to D --error MSG",
	"pgs-checkpoint status --job J [--json]",
	"pgs-checkpoint list [--json]",
	"pgs-checkpoint reset --job J",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "Keep the state of backfill job J in $PGS_STATE_DIR/J.json.\n"
	    "\n"
	    "  plan    create or update the job and print the batches still to do as\n"
	    "          FROM<TAB>TO lines (never-run, failed and refused; days already done\n"
	    "          are left out of a batch); --batch-days N slices the range (default 7);\n"
	    "          with --store, the store's ledger decides: a player_game_summary day is\n"
	    "          done when its latest window was made under --config-digest HEX (when\n"
	    "          given) and no raw rows of its dates were landed after what it was made\n"
	    "          from; for --table raw_boxscores a day the job landed rows for is done\n"
	    "          only while the ledger has a raw window over it; --ledger is --store\n"
	    "          $PGS_STORE (else sqlite:pgs.db), for a URI that must stay off command lines.\n"
	    "          The state is kept for one store ($PGS_STORE, or --store) and --source-key:\n"
	    "          planned for another, it starts afresh\n"
	    "  done    mark the days done, with pgs-write's statistics line read from stdin;\n"
	    "          a missing, bad, refused or dry-run line marks nothing;\n"
	    "          --no-stats marks the days done without reading stdin;\n"
	    "          --stream: every statistics line of pgs-write --windows, each window\n"
	    "          recorded as its line arrives (done, or refused), then copied to stdout\n"
	    "  fail    record a failed attempt with its error\n"
	    "  status  batches, days, rows, rate and ETA of job J; --json for machines\n"
	    "  list    every job in the state directory with its state; --json: one object a job\n"
	    "  reset   remove the job's state (also a state file that does not parse)\n"
	    "\n");
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 2 usage error, 3 failure (no such job, bad state file, no or bad statistics line,\n"
	"I/O, store), 4 done or fail refused: the statistics say the write was refused or a dry\n"
	"run, or the days are outside the job's range",
	0,
};

/* ---- plan ---- */

/* What plan took from the ledger that the state did not have: the windows
 * of a batch whose write committed but whose done never happened (killed
 * in between), or of a lost state file. */
struct adopted {
	long batches, days, rows;
};

/*
 * The summary days of [from, to] that the ledger says are done: those whose
 * latest window is good (lib/ledger.h).  A day no window covers is not done:
 * the ledger, not the state file, is the truth about the table.  stale[0]
 * and stale[1] count the latest windows made under another configuration
 * and those older than raw rows landed since; ad the good windows with days
 * that were not done in old.
 */
static int
ledger_done(pgs_store *st, const struct opts *o, const struct pgs_days *old, struct pgs_days *done,
    long stale[2], struct adopted *ad)
{
	struct pgs_ledger l;
	long n = o->dto - o->dfrom + 1, *latest = NULL, d, i;
	unsigned char *verdict = NULL, *taken = NULL;
	int rc = -1;

	if (pgs_ledger_load(&l, st, o->from, o->to, o->config) < 0)
		goto out;
	latest = pgs_ledger_latest(&l, o->dfrom, o->dto);
	verdict = pgs_xcalloc(l.nsum + 1, 1);   /* PGS_WIN_* + 1: 0 is not judged yet */
	taken = pgs_xcalloc(l.nsum + 1, 1);
	for (d = 0; d < n; d++) {
		if ((i = latest[d]) < 0)
			continue;
		if (verdict[i] == 0) {
			verdict[i] = (unsigned char)(pgs_ledger_judge(&l, (size_t)i) + 1);
			if (verdict[i] != PGS_WIN_GOOD + 1)
				stale[verdict[i] == PGS_WIN_OTHER_CONFIG + 1 ? 0 : 1]++;
		}
		if ((verdict[i] & 0x7f) != PGS_WIN_GOOD + 1)
			continue;
		/* a first game moved away from this day: this day's rows only */
		if (pgs_ledger_day_stale(&l, (size_t)i, o->dfrom + d)) {
			if (!(verdict[i] & 0x80))
				stale[1]++;
			verdict[i] |= 0x80;   /* counted; still good for its other days */
			continue;
		}
		pgs_days_add(done, o->dfrom + d, o->dfrom + d);
		if (pgs_days_count(old, o->dfrom + d, o->dfrom + d))
			continue;
		ad->days++;
		if (!taken[i]) {
			taken[i] = 1;
			ad->batches++;
			ad->rows += l.sum[i].rows;
		}
	}
	rc = 0;
out:
	free(latest);
	free(verdict);
	free(taken);
	pgs_ledger_free(&l);
	return rc;
}

static int
ledger_day(const struct pgs_ledger_entry *e, void *arg)
{
	struct pgs_days *d = arg;
	long a, b;

	if (pgs_date_parse(e->from, &a) == 0 && pgs_date_parse(e->to, &b) == 0 && a <= b)
		pgs_days_add(d, a, b);
	return 0;
}

/* Days the ledger has and the state had not: their windows' batches, days
 * and rows go into the totals (rows_ledger says how many rows of rows_in
 * came that way: their inserted/updated split died with their done). */
static void
adopt(struct pgs_job *j, const struct adopted *ad)
{
	json_t *totals = pgs_job_totals(j);

	pgs_job_add_total(totals, "batches", ad->batches);
	pgs_job_add_total(totals, "days", ad->days);
	pgs_job_add_total(totals, "rows_in", ad->rows);
	pgs_job_add_total(totals, "rows_ledger", ad->rows);
}

/*
 * Raw rows: the store's ledger (its raw windows over [from, to]: led) decides
 * what the state says was landed.  A day done that landed rows (the state's
 * "landed") is done only while a raw window of the ledger covers it: a store
 * restored from a backup, or another store, has to land it again.  A day
 * done without rows (no games, a 404 allowed) leaves no ledger row: the
 * state alone keeps it done.  The ledger's windows are not added to the done
 * days: they may be another source's (the ledger's scope is the rows'
 * source, which a URL template does not name before it is fetched).
 */
static void
raw_done(struct pgs_job *j, const struct opts *o, const struct pgs_days *led)
{
	struct pgs_days landed = { 0 }, done = { 0 }, kept = { 0 };
	long lost = 0;

	pgs_days_add_json(&landed, json_object_get(j->s.obj, "landed"));
	for (size_t i = 0; i < j->s.done.n; i++)
		for (long d = j->s.done.iv[i][0]; d <= j->s.done.iv[i][1]; d++) {
			if (d >= o->dfrom && d <= o->dto && pgs_days_count(&landed, d, d) &&
			    !pgs_days_count(led, d, d)) {
				lost++;
				continue;
			}
			pgs_days_add(&done, d, d);
		}
	for (size_t i = 0; i < landed.n; i++)
		for (long d = landed.iv[i][0]; d <= landed.iv[i][1]; d++)
			if (pgs_days_count(&done, d, d))
				pgs_days_add(&kept, d, d);
	if (lost > 0)
		pgs_warn("job %s: %ld days its state says were landed are not in the store's ledger"
		    " (a store restored from a backup, or another one): they are planned again", o->job, lost);
	json_object_set_new(j->s.obj, "landed", pgs_days_json(&kept));
	pgs_days_free(&j->s.done);
	j->s.done = done;
	pgs_days_free(&landed);
	pgs_days_free(&kept);
}

/* The done days with --store: for the summary table the ledger decides every
 * day of [from, to]; for raw rows, the days landed (raw_done).
 * 0, or an exit status (2 when the store is not a store URI at all). */
static int
plan_store(struct pgs_job *j, const struct opts *o)
{
	struct pgs_days done = { 0 };
	struct adopted ad = { 0, 0, 0 };
	long stale[2] = { 0, 0 };
	pgs_store *st;
	int r, usage = 0;

	if (strcmp(j->s.table, PGS_TABLE_RAW) == 0) {
		struct pgs_days landed = { 0 };
		long n;

		/* nothing landed in the range: nothing the ledger could take back (and a
		 * first landing may find no store yet); a SQLite file not there is a
		 * store without a ledger */
		pgs_days_add_json(&landed, json_object_get(j->s.obj, "landed"));
		n = pgs_days_count(&landed, o->dfrom, o->dto);
		pgs_days_free(&landed);
		if (n == 0)
			return 0;
		if (strncmp(o->store, "sqlite:", 7) == 0 && access(o->store + 7, F_OK) != 0 && errno == ENOENT)
			r = 0;
		else if (!(st = pgs_store_open(o->store, PGS_STORE_RO, &usage)))
			return usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
		else {
			r = pgs_store_ledger(st, PGS_TABLE_RAW, o->from, o->to, ledger_day, &done);
			pgs_store_close(st);
		}
		if (r == 0)
			raw_done(j, o, &done);
		pgs_days_free(&done);
		return r < 0 ? PGS_EXIT_FAIL : 0;
	}
	if (!(st = pgs_store_open(o->store, PGS_STORE_RO, &usage)))
		return usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
	/* the days outside the range keep what the state says */
	for (size_t i = 0; i < j->s.done.n; i++) {
		if (j->s.done.iv[i][0] < o->dfrom)
			pgs_days_add(&done, j->s.done.iv[i][0], j->s.done.iv[i][1] < o->dfrom ?
			    j->s.done.iv[i][1] : o->dfrom - 1);
		if (j->s.done.iv[i][1] > o->dto)
			pgs_days_add(&done, j->s.done.iv[i][0] > o->dto ? j->s.done.iv[i][0] : o->dto + 1,
			    j->s.done.iv[i][1]);
	}
	r = ledger_done(st, o, &j->s.done, &done, stale, &ad);
	pgs_store_close(st);
	if (r < 0) {
		pgs_days_free(&done);
		return PGS_EXIT_FAIL;
	}
	pgs_days_free(&j->s.done);
	j->s.done = done;
	if (ad.days > 0)
		adopt(j, &ad);
	/* for pgs-run's progress and summary */
	json_object_set_new(j->s.obj, "stale_windows", json_integer(stale[0] + stale[1]));
	if (stale[0] + stale[1] > 0)
		pgs_warn("job %s: %ld ledger windows are stale (%ld made under another configuration, "
		    "%ld older than raw rows landed or first games moved since): their days are planned again",
		    o->job, stale[0] + stale[1], stale[0], stale[1]);
	return 0;
}

/*
 * The key of a job's state: its store, as shown (a password changed is the
 * same store).  Kept as text, not hashed: planning needs no libcrypto.  The
 * caller frees it.
 */
static char *
state_key(const struct opts *o)
{
	return pgs_store_redact(o->store ? o->store : pgs_default_store(NULL));
}

static int
cmd_plan(struct pgs_job *j, const struct opts *o)
{
	char a[11], b[11], *shown = state_key(o);
	const char *key = shown;
	const char *had = j->loaded ? json_string_value(json_object_get(j->s.obj, "store_key")) : NULL;
	const char *had_src = j->loaded ? json_string_value(json_object_get(j->s.obj, "source_key")) : NULL;
	const char *table;
	int r;

	/* another store's state (or another source's) says nothing of this one; a
	 * plan that names no source (by hand) takes the job's */
	if ((had && strcmp(had, key) != 0) || (had_src && o->source_key && strcmp(had_src, o->source_key) != 0)) {
		const char *was = json_string_value(json_object_get(j->s.obj, "store"));

		pgs_warn("job %s: its state was kept for another store or source (%s): it starts afresh for %s",
		    o->job, was ? was : "?", shown);
		pgs_state_free(&j->s);
		j->loaded = 0;
	}
	table = o->table ? o->table : j->loaded ? j->s.table : PGS_TABLE_SUMMARY;
	if (!j->loaded) {
		pgs_state_init(&j->s, o->job, o->dfrom, o->dto, o->batch_days, table);
		j->loaded = 1;
	}
	json_object_set_new(j->s.obj, "store_key", json_string(key));
	json_object_set_new(j->s.obj, "store", json_string(shown));
	if (o->source_key)
		json_object_set_new(j->s.obj, "source_key", json_string(o->source_key));
	free(shown);
	json_object_set_new(j->s.obj, "from", json_string(o->from));
	json_object_set_new(j->s.obj, "to", json_string(o->to));
	json_object_set_new(j->s.obj, "batch_days", json_integer(o->batch_days));
	json_object_set_new(j->s.obj, "table", json_string(table));
	j->s.from = o->dfrom;
	j->s.to = o->dto;
	j->s.batch_days = o->batch_days;
	j->s.table = json_string_value(json_object_get(j->s.obj, "table"));
	json_object_del(j->s.obj, "stale_windows");
	if (o->store && (r = plan_store(j, o)) != 0)
		return r;
	if (pgs_job_save(j) < 0)
		return PGS_EXIT_FAIL;
	/* Each batch minus its done days: a batch half done by an earlier
	 * slicing runs only its missing days, so nothing is redone or skipped. */
	for (long d = o->dfrom; d <= o->dto; d += o->batch_days) {
		long e = d + o->batch_days - 1 < o->dto ? d + o->batch_days - 1 : o->dto;

		for (long x = d; x <= e; x++) {
			long y = x;

			if (pgs_days_count(&j->s.done, x, x))
				continue;
			while (y < e && !pgs_days_count(&j->s.done, y + 1, y + 1))
				y++;
			pgs_date_format(x, a);
			pgs_date_format(y, b);
			if (printf("%s\t%s\n", a, b) < 0)
				return PGS_EXIT_OK; /* pgs_close_stream reports it */
			x = y;
		}
	}
	return PGS_EXIT_OK;
}

/* ---- done / fail ---- */

enum { STATS_NONE = 0, STATS_OK = 1, STATS_BAD = -1, STATS_TTY = -2 };

/*
 * pgs-write's statistics line from stdin: STATS_OK, STATS_NONE (no line:
 * the write failed or never ran), STATS_BAD (why says what), or STATS_TTY
 * (stdin is a terminal: not read).  Exactly one non-blank line is wanted.
 */
static int
read_stats(struct pgs_stats *st, char *why, size_t whylen)
{
	pgs_input *in;
	char *line;
	size_t len;
	int r, n = 0, res = STATS_NONE;

	if (isatty(STDIN_FILENO))
		return STATS_TTY;
	in = pgs_input_open(NULL, 0);
	while ((r = pgs_input_line(in, &line, &len)) > 0) {
		if (strspn(line, " \t") == len)
			continue;
		if (++n > 1) {
			res = pgs_fail(why, whylen, "more than one line");
			break;
		}
		res = pgs_stats_parse(line, len, st, why, whylen) < 0 ? STATS_BAD : STATS_OK;
	}
	if (r < 0)
		res = pgs_fail(why, whylen, "cannot read standard input");
	pgs_input_close(in);
	return res;
}

/* Mark the batch done, after checking what pgs-write said about it (got: read_stats). */
static int
cmd_done(struct pgs_job *j, const struct opts *o, int got, const struct pgs_stats *st, const char *why)
{
	char msg[320];

	if (!o->no_stats) {
		if (got != STATS_OK) {
			if (got == STATS_NONE)
				snprintf(msg, sizeof(msg), "no statistics line on standard input (the write failed or never ran)");
			else
				snprintf(msg, sizeof(msg), "bad statistics line on standard input: %s", why);
			pgs_err("%s..%s: %s: not marking it done", o->from, o->to, msg);
			pgs_job_failed(j, o->from, o->to, NULL, msg);
			return PGS_EXIT_FAIL;
		}
		if (st->dry_run) {
			pgs_err("the write of %s..%s was a dry run: not marking it done", o->from, o->to);
			return PGS_EXIT_GUARD;
		}
		if (st->refused[0]) {
			pgs_err("the write of %s..%s was refused (%s): not marking it done", o->from, o->to, st->refused);
			pgs_job_failed(j, o->from, o->to, st->refused, pgs_refusal_message(st->refused, msg, sizeof(msg)));
			return PGS_EXIT_GUARD;
		}
		if ((st->from[0] && strcmp(st->from, o->from) != 0) || (st->to[0] && strcmp(st->to, o->to) != 0)) {
			pgs_err("the statistics line is for %s..%s, not %s..%s: not marking it done",
			    st->from[0] ? st->from : "?", st->to[0] ? st->to : "?", o->from, o->to);
			return PGS_EXIT_FAIL;
		}
		if (st->table[0] && strcmp(st->table, j->s.table) != 0) {
			pgs_err("the statistics line is for table %s, but job '%s' writes %s: not marking it done",
			    st->table, o->job, j->s.table);
			return PGS_EXIT_FAIL;
		}
	}
	return pgs_job_done(j, o->from, o->to, o->dfrom, o->dto, o->no_stats ? NULL : st) < 0 ?
	    PGS_EXIT_FAIL : PGS_EXIT_OK;
}

/* ---- status and list ---- */

struct progress {
	long batches, bdone, bfailed, days, ddone, days_run;
	long rows_in, inserted, updated, deleted, rows_ledger;
	double elapsed_s, rows_per_s, days_per_min, eta_s;   /* rates < 0: unknown */
	json_t *failed;     /* [{from, to, status, attempts, error}] of batches not done since */
};

static long
jlong(json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static void
progress(const struct pgs_state *s, struct progress *p)
{
	json_t *b;
	const char *key;
	long a, e;
	size_t i;

	memset(p, 0, sizeof(*p));
	p->failed = json_array();
	p->days = s->to - s->from + 1;
	p->ddone = pgs_days_count(&s->done, s->from, s->to);
	b = json_object_get(s->obj, "totals");
	p->rows_in = jlong(b, "rows_in");
	p->inserted = jlong(b, "inserted");
	p->updated = jlong(b, "updated");
	p->deleted = jlong(b, "deleted");
	p->rows_ledger = jlong(b, "rows_ledger");
	p->days_run = jlong(b, "days");
	/* the batch records were checked by pgs_state_parse; "done" ones are
	 * from the state files of pgs before the totals */
	json_object_foreach(json_object_get(s->obj, "batches"), key, b) {
		const char *st = json_string_value(json_object_get(b, "status"));

		pgs_date_parse(json_string_value(json_object_get(b, "from")), &a);
		pgs_date_parse(json_string_value(json_object_get(b, "to")), &e);
		if (strcmp(st, "done") == 0) {
			p->rows_in += jlong(b, "rows_in");
			p->inserted += jlong(b, "inserted");
			p->updated += jlong(b, "updated");
			p->deleted += jlong(b, "deleted");
			p->days_run += e - a + 1;
		} else if (pgs_days_count(&s->done, a, e) < e - a + 1) {
			json_array_append_new(p->failed, json_pack("{s:O, s:O, s:s, s:I, s:O, s:O}",
			    "from", json_object_get(b, "from"), "to", json_object_get(b, "to"), "status", st,
			    "attempts", (json_int_t)jlong(b, "attempts"),
			    "error", json_object_get(b, "last_error") ? json_object_get(b, "last_error") : json_null(),
			    "refused", json_object_get(b, "refused") ? json_object_get(b, "refused") : json_null()));
		}
	}
	for (long d = s->from; d <= s->to; d += s->batch_days) {
		long end = d + s->batch_days - 1 < s->to ? d + s->batch_days - 1 : s->to;

		p->batches++;
		if (pgs_days_count(&s->done, d, end) == end - d + 1) {
			p->bdone++;
			continue;
		}
		json_array_foreach(p->failed, i, b) {
			pgs_date_parse(json_string_value(json_object_get(b, "from")), &a);
			pgs_date_parse(json_string_value(json_object_get(b, "to")), &e);
			if (a <= end && e >= d) {
				p->bfailed++;
				break;
			}
		}
	}
	p->elapsed_s = (double)(jlong(s->obj, "updated_us") - jlong(s->obj, "started_us")) / 1e6;
	p->rows_per_s = p->days_per_min = p->eta_s = -1;
	if (p->elapsed_s > 0 && p->days_run > 0) {
		p->rows_per_s = (double)p->rows_in / p->elapsed_s;
		p->days_per_min = (double)p->days_run / (p->elapsed_s / 60);
		p->eta_s = (double)(p->days - p->ddone) / p->days_per_min * 60;
	}
}

static json_t *
rate_json(double v)
{
	return v < 0 ? json_null() : json_real((double)(long long)(v * 10 + 0.5) / 10);
}

/* The job's state as one JSON object (status --json, list --json); a new reference. */
static json_t *
status_json(const struct pgs_job *j, const struct progress *p)
{
	json_t *out, *obj = j->s.obj, *up = json_object_get(obj, "updated_at");

	out = json_pack("{s:s, s:O, s:O, s:I, s:s, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
	    "job", j->name, "from", json_object_get(obj, "from"), "to", json_object_get(obj, "to"),
	    "batch_days", (json_int_t)j->s.batch_days, "table", j->s.table,
	    "batches_total", (json_int_t)p->batches, "batches_done", (json_int_t)p->bdone,
	    "batches_failed", (json_int_t)p->bfailed,
	    "batches_pending", (json_int_t)(p->batches - p->bdone - p->bfailed),
	    "days_total", (json_int_t)p->days, "days_done", (json_int_t)p->ddone,
	    "rows_in", (json_int_t)p->rows_in, "inserted", (json_int_t)p->inserted,
	    "updated", (json_int_t)p->updated, "deleted", (json_int_t)p->deleted);
	json_object_set_new(out, "rows_ledger", json_integer(p->rows_ledger));
	json_object_set_new(out, "elapsed_s", rate_json(p->elapsed_s));
	json_object_set_new(out, "rows_per_s", rate_json(p->rows_per_s));
	json_object_set_new(out, "days_per_min", rate_json(p->days_per_min));
	json_object_set_new(out, "eta_s", p->eta_s < 0 ? json_null() : json_integer((json_int_t)(p->eta_s + 0.5)));
	json_object_set_new(out, "updated_at", json_is_string(up) ? json_incref(up) : json_null());
	json_object_set(out, "failed", p->failed);
	/* the days done, as ranges: what a landing did land (pgs-daily's debt) */
	json_object_set_new(out, "done", pgs_days_json(&j->s.done));
	/* the store the state is kept for (as shown), null in a state of older pgs */
	json_object_set(out, "store", json_is_string(json_object_get(obj, "store")) ?
	    json_object_get(obj, "store") : json_null());
	/* rows the batches' upstream skipped (dated outside their windows), per date */
	{
		json_t *t = json_object_get(obj, "totals"), *v;

		if (json_is_integer(v = json_object_get(t, "skipped_out_of_window")))
			json_object_set(out, "skipped_out_of_window", v);
		if (json_is_integer(v = json_object_get(t, "skipped_misfiled")))
			json_object_set(out, "skipped_misfiled", v);
		if (json_is_object(v = json_object_get(obj, "skipped_dates")))
			json_object_set(out, "skipped_dates", v);
	}
	return out;
}

static int
print_json(json_t *o)
{
	int r = json_dumpf(o, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12)) < 0 || putchar('\n') == EOF;

	json_decref(o);
	return r ? -1 : 0;
}

static int
cmd_status(struct pgs_job *j, const struct opts *o)
{
	struct progress p;
	json_t *f;
	size_t i;

	progress(&j->s, &p);
	if (o->json) {
		i = print_json(status_json(j, &p)) < 0;
		json_decref(p.failed);
		return i ? PGS_EXIT_FAIL : PGS_EXIT_OK;
	}
	printf("job %s: %s..%s in batches of %ld days\n", j->name,
	    json_string_value(json_object_get(j->s.obj, "from")),
	    json_string_value(json_object_get(j->s.obj, "to")), j->s.batch_days);
	printf("batches: %ld total, %ld done, %ld failed, %ld pending\n", p.batches, p.bdone,
	    p.bfailed, p.batches - p.bdone - p.bfailed);
	printf("days:    %ld of %ld done (%.1f%%)\n", p.ddone, p.days,
	    p.days > 0 ? 100.0 * (double)p.ddone / (double)p.days : 0.0);
	printf("rows:    %ld written (%ld inserted, %ld updated, %ld deleted", p.rows_in,
	    p.inserted, p.updated, p.deleted);
	if (p.rows_ledger > 0)
		printf("; %ld found in the ledger", p.rows_ledger);
	printf(")\n");
	if (p.rows_per_s >= 0)
		printf("rate:    %.1f rows/s, %.1f days/min\n", p.rows_per_s, p.days_per_min);
	else
		printf("rate:    unknown (no batch finished yet)\n");
	if (p.ddone >= p.days)
		printf("eta:     finished\n");
	else if (p.eta_s >= 0)
		printf("eta:     %ldh%02ldm%02lds\n", (long)p.eta_s / 3600, (long)p.eta_s / 60 % 60,
		    (long)p.eta_s % 60);
	else
		printf("eta:     unknown\n");
	json_array_foreach(p.failed, i, f) {
		const char *err = json_string_value(json_object_get(f, "error"));

		printf("%-8s %s..%s after %lld attempt(s): %s\n",
		    strcmp(json_string_value(json_object_get(f, "status")), "refused") == 0 ? "refused:" : "failed:",
		    json_string_value(json_object_get(f, "from")), json_string_value(json_object_get(f, "to")),
		    (long long)json_integer_value(json_object_get(f, "attempts")), err ? err : "?");
	}
	json_decref(p.failed);
	return PGS_EXIT_OK;
}

static int
cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* The jobs of the state directory, sorted; *n set.  NULL with *n 0 when there is none. */
static char **
job_names(const char *dir, size_t *n, int *err)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	char **names = NULL;
	size_t cap = 0, len;

	*n = 0;
	if (!d) {
		if (errno != ENOENT) {
			pgs_err("cannot read state directory '%s': %s", dir, strerror(errno));
			*err = 1;
		}
		return NULL;
	}
	while ((e = readdir(d))) {
		len = strlen(e->d_name);
		if (len <= 5 || strcmp(e->d_name + len - 5, ".json") != 0 || !pgs_job_name_ok(e->d_name, len - 5))
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 16;
			names = pgs_xrealloc(names, cap * sizeof(*names));
		}
		names[(*n)++] = pgs_xstrndup(e->d_name, len - 5);
	}
	closedir(d);
	if (*n > 1)
		qsort(names, *n, sizeof(*names), cmp_names);
	return names;
}

/* Every job of the state directory: one line (or JSON object) each; a bad one is reported. */
static int
cmd_list(const struct opts *o)
{
	char *dir = pgs_state_dir(), **names;
	size_t n = 0, i, w = 3;
	int err = !dir, r;
	struct pgs_job j = PGS_JOB_INIT;
	struct progress p;

	names = dir ? job_names(dir, &n, &err) : NULL;
	for (i = 0; i < n; i++)
		if (strlen(names[i]) > w)
			w = strlen(names[i]);
	for (i = 0; i < n; i++) {
		r = pgs_job_lock(&j, dir, names[i], 1);
		if (r == 0)
			r = pgs_job_load(&j);
		if (r > 0) {
			const char *up = json_string_value(json_object_get(j.s.obj, "updated_at"));

			progress(&j.s, &p);
			if (o->json)
				r = print_json(status_json(&j, &p));
			else
				r = printf("%-*s  %s..%s  batches %ld done, %ld failed, %ld pending  days %ld/%ld  "
				    "rows %ld  updated %s\n", (int)w, names[i],
				    json_string_value(json_object_get(j.s.obj, "from")),
				    json_string_value(json_object_get(j.s.obj, "to")), p.bdone, p.bfailed,
				    p.batches - p.bdone - p.bfailed, p.ddone, p.days, p.rows_in, up ? up : "-");
			json_decref(p.failed);
		}
		if (r < 0)
			err = 1;
		pgs_job_free(&j);
		free(names[i]);
	}
	free(names);
	free(dir);
	return err ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

/* Remove the state without reading it, so that a corrupt file can be reset too. */
static int
cmd_reset(struct pgs_job *j)
{
	if (unlink(j->path) < 0 && errno != ENOENT) {
		pgs_err("cannot remove '%s': %s", j->path, strerror(errno));
		return PGS_EXIT_FAIL;
	}
	return PGS_EXIT_OK;
}

/* ---- options ---- */

static int
parse_args(int argc, char **argv, struct opts *o)
{
	const char *bd = NULL, *cmd;
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "job", &o->job),
		PGS_OPT_STRING(0, "from", &o->from),
		PGS_OPT_STRING(0, "to", &o->to),
		PGS_OPT_STRING(0, "batch-days", &bd),
		PGS_OPT_STRING(0, "store", &o->store),
		PGS_OPT_STRING(0, "table", &o->table),
		PGS_OPT_STRING(0, "error", &o->error),
		PGS_OPT_FLAG(0, "json", &o->json),
		PGS_OPT_FLAG(0, "no-stats", &o->no_stats),
		PGS_OPT_STRING(0, "config-digest", &o->config),
		PGS_OPT_FLAG(0, "ledger", &o->ledger),
		PGS_OPT_FLAG(0, "stream", &o->stream),
		PGS_OPT_STRING(0, "source-key", &o->source_key),
		PGS_OPT_END(),
	};
	int r, c;

	memset(o, 0, sizeof(*o));
	o->cmd = -1;
	o->batch_days = 7;
	if ((r = pgs_parse_options(argc, argv, &tool, opts, NULL, o)) >= 0)
		return r;
	if (optind >= argc)
		return pgs_usage_error("missing command: plan, done, fail, status, list or reset");
	for (int i = 0; i < NCMD; i++)
		if (strcmp(argv[optind], cmd_names[i]) == 0)
			o->cmd = i;
	if (o->cmd < 0)
		return pgs_usage_error("unknown command '%s': want plan, done, fail, status, list or reset",
		    argv[optind]);
	cmd = cmd_names[o->cmd];
	if (optind + 1 < argc)
		return pgs_usage_error("unexpected argument '%s'", argv[optind + 1]);
	/* an option the command does not honour is an error, not ignored */
	const int given[] = { !!o->job, !!o->from, !!o->to, !!bd, !!o->store, !!o->table,
	    !!o->error, o->json, o->no_stats, !!o->config, o->ledger, o->stream,
	    !!o->source_key };   /* in the order of opts[] and OPT_ */

	for (c = OPT_JOB; c <= OPT_SOURCE_KEY; c++)
		if (given[c] && !(cmd_opts[o->cmd] & BIT(c)))
			return pgs_usage_error("%s does not take --%s", cmd, opts[c].name);
	if (o->cmd != CMD_LIST) {
		if (!o->job)
			return pgs_usage_error("%s: --job is required", cmd);
		if (!pgs_job_name_ok(o->job, strlen(o->job)))
			return pgs_usage_error("bad --job '%s': want letters, digits, '.', '_' and '-'", o->job);
	}
	if (o->stream && (o->from || o->to || o->no_stats))
		return pgs_usage_error("done --stream takes the windows from the statistics lines:"
		    " no --from, --to or --no-stats");
	if ((cmd_opts[o->cmd] & BIT(OPT_FROM)) && !o->stream) {
		if (!o->from || !o->to)
			return pgs_usage_error("%s: --from and --to are required", cmd);
		if (pgs_opt_window(o->from, o->to, &o->dfrom, &o->dto) != 0)
			return PGS_EXIT_USAGE;
	}
	if (bd && ((o->batch_days = pgs_parse_count(bd)) < 1 || o->batch_days > 100000))
		return pgs_usage_error("bad --batch-days '%s': want a positive count", bd);
	if (o->cmd == CMD_FAIL && !o->error)
		return pgs_usage_error("fail: --error is required");
	if (o->table && strcmp(o->table, PGS_TABLE_SUMMARY) != 0 && strcmp(o->table, PGS_TABLE_RAW) != 0)
		return pgs_usage_error("bad --table '%s': want %s or %s", o->table,
		    PGS_TABLE_SUMMARY, PGS_TABLE_RAW);
	if (o->store && !*o->store)
		return pgs_usage_error("empty --store");
	if (o->ledger && o->store)
		return pgs_usage_error("plan: --ledger is --store $PGS_STORE: give one of them");
	if (o->ledger)
		o->store = pgs_default_store(NULL);
	if (o->config && (!*o->config || strspn(o->config, "0123456789abcdef") != strlen(o->config) ||
	    strlen(o->config) > 128))
		return pgs_usage_error("bad --config-digest '%s': want lowercase hex", o->config);
	if (o->config && (!o->store || (o->table && strcmp(o->table, PGS_TABLE_SUMMARY) != 0)))
		return pgs_usage_error("plan: --config-digest needs --store and the summary table");
	return -1;
}

/*
 * done --stream: a statistics line at a time, as pgs-write --windows
 * prints them; each window is recorded under the job's lock (taken and
 * released per line: parallel workers share the job), then the line is
 * copied to stdout for the pipeline's progress.  A refused window is
 * recorded as refused and the stream goes on.  The exit status: 0, 4 when
 * a window was refused or a dry run, 3 at the first line that could not
 * be recorded (the lines after it are not read).
 */
static int
cmd_done_stream(const char *dir, struct opts *o)
{
	pgs_input *in;
	struct pgs_stats st;
	struct pgs_job j = PGS_JOB_INIT;
	char *line, why[256];
	size_t len;
	int r, ex = PGS_EXIT_OK, e, loaded;

	if (isatty(STDIN_FILENO))
		return pgs_usage_error("done --stream reads pgs-write's statistics lines from standard input,"
		    " a terminal here");
	in = pgs_input_open(NULL, 0);
	while ((r = pgs_input_line(in, &line, &len)) > 0) {
		if (strspn(line, " \t") == len)
			continue;
		if (pgs_stats_parse(line, len, &st, why, sizeof(why)) < 0 || !st.from[0] || !st.to[0]) {
			pgs_err("bad statistics line on standard input: %s", st.from[0] && st.to[0] ? why
			    : "no from and to");
			ex = PGS_EXIT_FAIL;
			break;
		}
		/* the pipeline that reads the copies has gone: record nothing more */
		if (pgs_out_reader_gone()) {
			pgs_err("%s..%s: the reader of standard output has gone: not recorded", st.from, st.to);
			ex = PGS_EXIT_FAIL;
			break;
		}
		o->from = st.from;
		o->to = st.to;
		if (pgs_opt_window(o->from, o->to, &o->dfrom, &o->dto) != 0 ||
		    pgs_job_lock(&j, dir, o->job, 0) < 0 || (loaded = pgs_job_load(&j)) < 0) {
			ex = PGS_EXIT_FAIL;
			break;
		}
		if ((e = pgs_job_check_batch(&j, o->from, o->to, o->dfrom, o->dto)) == PGS_EXIT_OK)
			e = cmd_done(&j, o, STATS_OK, &st, why);
		pgs_job_free(&j);
		if (e == PGS_EXIT_FAIL || (e == PGS_EXIT_GUARD && !st.dry_run && !st.refused[0])) {
			ex = e;
			break;
		}
		if (e != PGS_EXIT_OK)
			ex = PGS_EXIT_GUARD;
		if (pgs_out_write(line, len) < 0 || pgs_out_write("\n", 1) < 0 || fflush(stdout) != 0) {
			ex = PGS_EXIT_FAIL;
			break;
		}
	}
	if (r < 0)
		ex = PGS_EXIT_FAIL;
	pgs_job_free(&j);
	pgs_input_close(in);
	return ex;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct pgs_job j = PGS_JOB_INIT;
	struct pgs_stats stats;
	char why[256] = "", *dir = NULL;
	int loaded = 0, got = STATS_NONE, ex = PGS_EXIT_FAIL;

	pgs_setprog(argv[0]);
	pgs_store_hide_secrets(argc, argv);
	if ((ex = parse_args(argc, argv, &o)) >= 0)
		return ex;
	ex = PGS_EXIT_FAIL;
	if (o.cmd == CMD_LIST) {
		ex = cmd_list(&o);
		goto out;
	}
	if (o.cmd == CMD_DONE && o.stream) {
		ex = (dir = pgs_state_dir()) ? cmd_done_stream(dir, &o) : PGS_EXIT_FAIL;
		goto out;
	}
	/* read the statistics before locking: upstream may still be writing */
	if (o.cmd == CMD_DONE && !o.no_stats && (got = read_stats(&stats, why, sizeof(why))) == STATS_TTY) {
		ex = pgs_usage_error("done reads pgs-write's statistics line from standard input, a terminal"
		    " here; --no-stats marks the days done without one");
		goto out;
	}
	if (!(dir = pgs_state_dir()) || pgs_job_lock(&j, dir, o.job, o.cmd == CMD_STATUS) < 0)
		goto out;
	if (o.cmd == CMD_RESET) {
		ex = cmd_reset(&j);
		goto out;
	}
	if ((loaded = pgs_job_load(&j)) < 0)
		goto out;
	switch (o.cmd) {
	case CMD_PLAN:
		ex = cmd_plan(&j, &o);
		break;
	case CMD_DONE:
		if ((ex = pgs_job_check_batch(&j, o.from, o.to, o.dfrom, o.dto)) == PGS_EXIT_OK)
			ex = cmd_done(&j, &o, got, &stats, why);
		break;
	case CMD_FAIL:
		if ((ex = pgs_job_check_batch(&j, o.from, o.to, o.dfrom, o.dto)) == PGS_EXIT_OK)
			ex = pgs_job_failed(&j, o.from, o.to, NULL, o.error) < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
		break;
	case CMD_STATUS:
		if (!loaded) {
			pgs_err("no such job '%s' (no state at %s)", o.job, j.path);
			break;
		}
		ex = cmd_status(&j, &o);
		break;
	}
out:
	pgs_job_free(&j);
	free(dir);
	if (pgs_close_stream(stdout, "stdout") < 0)
		ex = PGS_EXIT_FAIL;
	return ex;
}
