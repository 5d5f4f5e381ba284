/*
 * pgs-checkpoint — the state of a named backfill job: which days are done,
 * which batches failed, progress and rate.
 *
 * State lives in $PGS_STATE_DIR/JOB.json (default $XDG_STATE_HOME/pgs/, else
 * ~/.local/state/pgs/).  Done-ness is kept per day, as merged date ranges,
 * so a different --batch-days re-slices the range without redoing or
 * skipping work.  Every update holds flock(JOB.lock) and replaces the file
 * atomically (temp file, fsync, rename, fsync of the directory), so parallel
 * workers can share one job and a crash leaves the old state or the new,
 * never half of one.
 */
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include "dates.h"
#include "ndjson.h"
#include "opts.h"
#include "store.h"
#include "util.h"

enum { CMD_PLAN, CMD_DONE, CMD_FAIL, CMD_STATUS, CMD_RESET };
static const char *const cmd_names[] = { "plan", "done", "fail", "status", "reset" };

struct opts {
	int cmd;
	const char *job, *from, *to, *store, *table, *error;
	long dfrom, dto, batch_days;
	int json;
	struct pgs_common co;
};

enum {
	OPT_JOB = PGS_OPT_TOOL, OPT_FROM, OPT_TO, OPT_BATCH_DAYS, OPT_STORE, OPT_TABLE,
	OPT_ERROR, OPT_JSON,
};

/* Days done, as sorted, disjoint, non-adjacent closed intervals of day numbers. */
struct days {
	long (*iv)[2];
	size_t n, cap;
};

struct job {
	char *dir, *path, *lockpath;
	int lockfd;
	json_t *st;         /* the state object */
	struct days done;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pgs-checkpoint plan --job J --from D --to D [--batch-days N] [--store URI] [--table T]\n"
	    "       pgs-checkpoint done --job J --from D --to D\n"
	    "       pgs-checkpoint fail --job J --from D --to D --error MSG\n"
	    "       pgs-checkpoint status --job J [--json]\n"
	    "       pgs-checkpoint reset --job J\n"
	    "Keep the state of backfill job J in $PGS_STATE_DIR/J.json.\n"
	    "  plan    print the batches still to do as FROM<TAB>TO lines (never-run and failed;\n"
	    "          days already done are left out of a batch);\n"
	    "          --batch-days N slices the range (default 7); with --store, windows in the\n"
	    "          store's ledger for --table (default player_game_summary) count as done\n"
	    "  done    mark the days done; reads pgs-write's statistics line from stdin when piped\n"
	    "  fail    record a failed attempt with its error\n"
	    "  status  batches, days, rows, rate and ETA; --json for machines\n"
	    "  reset   remove the job's state\n"
	    "  -q, -v, -h, -V  quiet, verbose, help, version\n"
	    "Exit: 0 ok, 2 usage, 3 failure (unknown job for status, I/O, store),\n"
	    "4 done refused because the statistics say the write was refused or a dry run.\n");
}

/* ---- the set of done days ---- */

static void
days_add(struct days *d, long a, long b)
{
	size_t i = 0, j;

	while (i < d->n && d->iv[i][1] < a - 1)
		i++;
	j = i;
	while (j < d->n && d->iv[j][0] <= b + 1) {
		if (d->iv[j][0] < a)
			a = d->iv[j][0];
		if (d->iv[j][1] > b)
			b = d->iv[j][1];
		j++;
	}
	if (j == i) { /* no overlap: insert at i */
		if (d->n == d->cap) {
			d->cap = d->cap ? 2 * d->cap : 16;
			d->iv = pgs_xrealloc(d->iv, d->cap * sizeof(*d->iv));
		}
		memmove(d->iv + i + 1, d->iv + i, (d->n - i) * sizeof(*d->iv));
		d->n++;
	} else if (j > i + 1) { /* merged several: keep one */
		memmove(d->iv + i + 1, d->iv + j, (d->n - j) * sizeof(*d->iv));
		d->n -= j - i - 1;
	}
	d->iv[i][0] = a;
	d->iv[i][1] = b;
}

/* Days of [a, b] that are done. */
static long
days_count(const struct days *d, long a, long b)
{
	long n = 0;

	for (size_t i = 0; i < d->n; i++) {
		long lo = d->iv[i][0] > a ? d->iv[i][0] : a;
		long hi = d->iv[i][1] < b ? d->iv[i][1] : b;

		if (hi >= lo)
			n += hi - lo + 1;
	}
	return n;
}

static int
days_load(struct days *d, json_t *arr)
{
	size_t i;
	json_t *p;
	long a, b;

	json_array_foreach(arr, i, p) {
		if (pgs_date_parse(json_string_value(json_array_get(p, 0)), &a) < 0 ||
		    pgs_date_parse(json_string_value(json_array_get(p, 1)), &b) < 0 || a > b)
			return -1;
		days_add(d, a, b);
	}
	return 0;
}

static json_t *
days_json(const struct days *d)
{
	json_t *arr = json_array();
	char a[11], b[11];

	for (size_t i = 0; i < d->n; i++) {
		pgs_date_format(d->iv[i][0], a);
		pgs_date_format(d->iv[i][1], b);
		json_array_append_new(arr, json_pack("[s, s]", a, b));
	}
	return arr;
}

/* ---- the job's files ---- */

static int
mkdirs(const char *path)
{
	char *p = pgs_xstrdup(path), *s;
	int rc = 0;

	for (s = p + 1; ; s++) {
		if (*s != '/' && *s)
			continue;
		char c = *s;

		*s = '\0';
		if (mkdir(p, 0755) < 0 && errno != EEXIST) {
			pgs_err("cannot create state directory '%s': %s", p, strerror(errno));
			rc = -1;
			break;
		}
		*s = c;
		if (!c)
			break;
	}
	free(p);
	return rc;
}

static char *
state_dir(void)
{
	const char *v = getenv("PGS_STATE_DIR");

	if (v && *v)
		return pgs_xstrdup(v);
	v = getenv("XDG_STATE_HOME");
	if (v && *v)
		return pgs_xasprintf("%s/pgs", v);
	v = getenv("HOME");
	if (v && *v)
		return pgs_xasprintf("%s/.local/state/pgs", v);
	return NULL;
}

static void
job_free(struct job *j)
{
	if (j->lockfd >= 0)
		close(j->lockfd); /* releases the flock */
	json_decref(j->st);
	free(j->done.iv);
	free(j->dir);
	free(j->path);
	free(j->lockpath);
}

/* Lock the job (shared for reading) and load its state: 1 loaded, 0 none, -1 error. */
static int
job_open(struct job *j, const char *name, int shared)
{
	json_error_t jerr;

	memset(j, 0, sizeof(*j));
	j->lockfd = -1;
	if (!(j->dir = state_dir())) {
		pgs_err("no state directory: set PGS_STATE_DIR, XDG_STATE_HOME or HOME");
		return -1;
	}
	j->path = pgs_xasprintf("%s/%s.json", j->dir, name);
	j->lockpath = pgs_xasprintf("%s/%s.lock", j->dir, name);
	if (mkdirs(j->dir) < 0)
		return -1;
	j->lockfd = open(j->lockpath, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if (j->lockfd < 0) {
		pgs_err("cannot open lock '%s': %s", j->lockpath, strerror(errno));
		return -1;
	}
	while (flock(j->lockfd, shared ? LOCK_SH : LOCK_EX) < 0) {
		if (errno != EINTR) {
			pgs_err("cannot lock '%s': %s", j->lockpath, strerror(errno));
			return -1;
		}
	}
	if (access(j->path, F_OK) < 0 && errno == ENOENT)
		return 0;
	j->st = json_load_file(j->path, 0, &jerr);
	if (!j->st || !json_is_object(j->st)) {
		pgs_err("%s:%d: bad state file: %s", j->path, jerr.line,
		    j->st ? "not a JSON object" : jerr.text);
		return -1;
	}
	if (days_load(&j->done, json_object_get(j->st, "done")) < 0) {
		pgs_err("%s: bad \"done\" ranges", j->path);
		return -1;
	}
	return 1;
}

/* Replace the state file atomically: temp file, fsync, rename, fsync the directory. */
static int
job_save(struct job *j)
{
	char *tmp = pgs_xasprintf("%s.tmp.XXXXXX", j->path), now[32];
	FILE *f = NULL;
	int fd, dfd, rc = -1;

	pgs_now_iso(now, sizeof(now));
	json_object_set_new(j->st, "updated_at", json_string(now));
	json_object_set_new(j->st, "updated_us", json_integer(pgs_now_us()));
	json_object_set_new(j->st, "done", days_json(&j->done));
	if ((fd = mkstemp(tmp)) < 0 || !(f = fdopen(fd, "w"))) {
		pgs_err("cannot create '%s': %s", tmp, strerror(errno));
		if (fd >= 0)
			close(fd);
		goto out;
	}
	fchmod(fd, 0644);
	if (json_dumpf(j->st, f, JSON_INDENT(1)) < 0 || fputc('\n', f) == EOF ||
	    fflush(f) != 0 || fsync(fd) < 0) {
		pgs_err("cannot write '%s': %s", tmp, strerror(errno));
		fclose(f);
		goto out;
	}
	if (fclose(f) != 0) {
		pgs_err("cannot write '%s': %s", tmp, strerror(errno));
		goto out;
	}
	if (rename(tmp, j->path) < 0) {
		pgs_err("cannot rename '%s' to '%s': %s", tmp, j->path, strerror(errno));
		goto out;
	}
	free(tmp);
	tmp = NULL;
	/* the rename is durable only once the directory is on disk too */
	if ((dfd = open(j->dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		fsync(dfd);
		close(dfd);
	}
	rc = 0;
out:
	if (tmp)
		unlink(tmp);
	free(tmp);
	return rc;
}

/* A fresh state for a job created by this command. */
static void
job_init(struct job *j, const struct opts *o)
{
	char now[32];

	pgs_now_iso(now, sizeof(now));
	j->st = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:[], s:{}}",
	    "job", o->job, "from", o->from, "to", o->to, "batch_days", (json_int_t)o->batch_days,
	    "table", o->table ? o->table : PGS_TABLE_SUMMARY, "created_at", now,
	    "started_us", (json_int_t)pgs_now_us(), "done", "batches");
}

static json_t *
batch_rec(struct job *j, const struct opts *o)
{
	json_t *batches = json_object_get(j->st, "batches"), *b;
	char *key = pgs_xasprintf("%s..%s", o->from, o->to);

	if (!json_is_object(batches)) {
		batches = json_object();
		json_object_set_new(j->st, "batches", batches);
	}
	b = json_object_get(batches, key);
	if (!b) {
		b = json_pack("{s:s, s:s, s:i}", "from", o->from, "to", o->to, "attempts", 0);
		json_object_set_new(batches, key, b);
	}
	free(key);
	json_object_set_new(b, "attempts",
	    json_integer(json_integer_value(json_object_get(b, "attempts")) + 1));
	return b;
}

/* ---- plan ---- */

static int
ledger_day(const struct pgs_ledger_entry *e, void *arg)
{
	struct days *d = arg;
	long a, b;

	if (pgs_date_parse(e->from, &a) == 0 && pgs_date_parse(e->to, &b) == 0 && a <= b)
		days_add(d, a, b);
	return 0;
}

static int
cmd_plan(struct job *j, const struct opts *o)
{
	pgs_store *st;
	char a[11], b[11];

	if (!j->st)
		job_init(j, o);
	json_object_set_new(j->st, "from", json_string(o->from));
	json_object_set_new(j->st, "to", json_string(o->to));
	json_object_set_new(j->st, "batch_days", json_integer(o->batch_days));
	if (o->table)
		json_object_set_new(j->st, "table", json_string(o->table));
	if (o->store) {
		/* the ledger is the truth: windows committed there are done */
		if (!(st = pgs_store_open(o->store, PGS_STORE_RO, NULL)))
			return PGS_EXIT_FAIL;
		if (pgs_store_ledger(st, o->table ? o->table : PGS_TABLE_SUMMARY, o->from, o->to,
		    ledger_day, &j->done) < 0) {
			pgs_store_close(st);
			return PGS_EXIT_FAIL;
		}
		pgs_store_close(st);
	}
	if (job_save(j) < 0)
		return PGS_EXIT_FAIL;
	/* Each batch minus its done days: a batch half done by an earlier
	 * slicing runs only its missing days, so nothing is redone or skipped. */
	for (long d = o->dfrom; d <= o->dto; d += o->batch_days) {
		long e = d + o->batch_days - 1 < o->dto ? d + o->batch_days - 1 : o->dto;

		for (long x = d; x <= e; x++) {
			long y = x;

			if (days_count(&j->done, x, x))
				continue;
			while (y < e && !days_count(&j->done, y + 1, y + 1))
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

/* pgs-write's statistics line from stdin, when stdin is a pipe or file; NULL otherwise. */
static json_t *
read_stats(void)
{
	struct stat sb;
	pgs_input *in;
	char *line;
	size_t len;
	json_t *stats = NULL, *o;
	int r;

	if (isatty(STDIN_FILENO) || fstat(STDIN_FILENO, &sb) < 0 ||
	    !(S_ISFIFO(sb.st_mode) || S_ISREG(sb.st_mode)))
		return NULL;
	in = pgs_input_open(NULL, 0);
	while ((r = pgs_input_line(in, &line, &len)) > 0) {
		o = json_loadb(line, len, 0, NULL);
		if (json_is_object(o) && json_object_get(o, "rows_in")) {
			json_decref(stats);
			stats = o;
		} else
			json_decref(o);
	}
	pgs_input_close(in);
	return stats;
}

static int
cmd_done(struct job *j, const struct opts *o, json_t *stats)
{
	static const char *const keep[] = { "rows_in", "inserted", "updated", "unchanged", "deleted", "ms" };
	json_t *b;
	char now[32];

	if (!j->st)
		job_init(j, o);
	days_add(&j->done, o->dfrom, o->dto);
	b = batch_rec(j, o);
	pgs_now_iso(now, sizeof(now));
	json_object_set_new(b, "status", json_string("done"));
	json_object_set_new(b, "finished_at", json_string(now));
	json_object_del(b, "last_error");
	for (size_t i = 0; stats && i < sizeof(keep) / sizeof(keep[0]); i++)
		if (json_is_integer(json_object_get(stats, keep[i])))
			json_object_set(b, keep[i], json_object_get(stats, keep[i]));
	return job_save(j) < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

static int
cmd_fail(struct job *j, const struct opts *o)
{
	json_t *b;
	char now[32];

	if (!j->st)
		job_init(j, o);
	b = batch_rec(j, o);
	pgs_now_iso(now, sizeof(now));
	json_object_set_new(b, "status", json_string("failed"));
	json_object_set_new(b, "failed_at", json_string(now));
	json_object_set_new(b, "last_error", json_string(o->error));
	return job_save(j) < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

/* ---- status ---- */

struct progress {
	long batches, bdone, bfailed, days, ddone, days_run;
	long rows_in, inserted, updated, deleted;
	double elapsed_s, rows_per_s, days_per_min, eta_s;   /* rates < 0: unknown */
	json_t *failed;
};

static long
jlong(json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static void
progress(struct job *j, struct progress *p)
{
	json_t *batches = json_object_get(j->st, "batches"), *b;
	const char *key;
	long from, to, bd = jlong(j->st, "batch_days"), a, e;

	memset(p, 0, sizeof(*p));
	p->failed = json_array();
	if (pgs_date_parse(json_string_value(json_object_get(j->st, "from")), &from) < 0 ||
	    pgs_date_parse(json_string_value(json_object_get(j->st, "to")), &to) < 0 || from > to)
		from = 1, to = 0;
	if (bd < 1)
		bd = 7;
	p->days = to - from + 1;
	p->ddone = days_count(&j->done, from, to);
	json_object_foreach(batches, key, b) {
		const char *st = json_string_value(json_object_get(b, "status"));

		if (st && strcmp(st, "done") == 0) {
			p->rows_in += jlong(b, "rows_in");
			p->inserted += jlong(b, "inserted");
			p->updated += jlong(b, "updated");
			p->deleted += jlong(b, "deleted");
			if (pgs_date_parse(json_string_value(json_object_get(b, "from")), &a) == 0 &&
			    pgs_date_parse(json_string_value(json_object_get(b, "to")), &e) == 0)
				p->days_run += e - a + 1;
		} else if (st && strcmp(st, "failed") == 0 &&
		    pgs_date_parse(json_string_value(json_object_get(b, "from")), &a) == 0 &&
		    pgs_date_parse(json_string_value(json_object_get(b, "to")), &e) == 0 &&
		    days_count(&j->done, a, e) < e - a + 1) {
			json_array_append_new(p->failed, json_pack("{s:O, s:O, s:O, s:O}",
			    "from", json_object_get(b, "from"), "to", json_object_get(b, "to"),
			    "attempts", json_object_get(b, "attempts"),
			    "error", json_object_get(b, "last_error") ? json_object_get(b, "last_error") : json_null()));
		}
	}
	for (long d = from; d <= to; d += bd) {
		long end = d + bd - 1 < to ? d + bd - 1 : to;
		size_t i;

		p->batches++;
		if (days_count(&j->done, d, end) == end - d + 1) {
			p->bdone++;
			continue;
		}
		json_array_foreach(p->failed, i, b) {
			if (pgs_date_parse(json_string_value(json_object_get(b, "from")), &a) == 0 &&
			    pgs_date_parse(json_string_value(json_object_get(b, "to")), &e) == 0 &&
			    a <= end && e >= d) {
				p->bfailed++;
				break;
			}
		}
	}
	p->elapsed_s = (double)(json_integer_value(json_object_get(j->st, "updated_us")) -
	    json_integer_value(json_object_get(j->st, "started_us"))) / 1e6;
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

static int
cmd_status(struct job *j, const struct opts *o)
{
	struct progress p;
	json_t *out, *f;
	size_t i;
	int r;

	progress(j, &p);
	if (o->json) {
		out = json_pack("{s:s, s:O, s:O, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}",
		    "job", o->job, "from", json_object_get(j->st, "from"), "to", json_object_get(j->st, "to"),
		    "batch_days", (json_int_t)jlong(j->st, "batch_days"),
		    "batches_total", (json_int_t)p.batches, "batches_done", (json_int_t)p.bdone,
		    "batches_failed", (json_int_t)p.bfailed,
		    "batches_pending", (json_int_t)(p.batches - p.bdone - p.bfailed),
		    "days_total", (json_int_t)p.days, "days_done", (json_int_t)p.ddone,
		    "rows_in", (json_int_t)p.rows_in, "inserted", (json_int_t)p.inserted,
		    "updated", (json_int_t)p.updated, "deleted", (json_int_t)p.deleted);
		json_object_set_new(out, "elapsed_s", rate_json(p.elapsed_s));
		json_object_set_new(out, "rows_per_s", rate_json(p.rows_per_s));
		json_object_set_new(out, "days_per_min", rate_json(p.days_per_min));
		json_object_set_new(out, "eta_s", p.eta_s < 0 ? json_null() : json_integer((json_int_t)(p.eta_s + 0.5)));
		json_object_set(out, "failed", p.failed);
		r = json_dumpf(out, stdout, JSON_COMPACT | JSON_REAL_PRECISION(12)) < 0 ||
		    putchar('\n') == EOF ? -1 : 0;
		json_decref(out);
		json_decref(p.failed);
		return r < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
	}
	printf("job %s: %s..%s in batches of %ld days\n", o->job,
	    json_string_value(json_object_get(j->st, "from")),
	    json_string_value(json_object_get(j->st, "to")), jlong(j->st, "batch_days"));
	printf("batches: %ld total, %ld done, %ld failed, %ld pending\n", p.batches, p.bdone,
	    p.bfailed, p.batches - p.bdone - p.bfailed);
	printf("days:    %ld of %ld done (%.1f%%)\n", p.ddone, p.days,
	    p.days > 0 ? 100.0 * (double)p.ddone / (double)p.days : 0.0);
	printf("rows:    %ld written (%ld inserted, %ld updated, %ld deleted)\n", p.rows_in,
	    p.inserted, p.updated, p.deleted);
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
	json_array_foreach(p.failed, i, f)
		printf("failed:  %s..%s after %lld attempt(s): %s\n",
		    json_string_value(json_object_get(f, "from")), json_string_value(json_object_get(f, "to")),
		    (long long)json_integer_value(json_object_get(f, "attempts")),
		    json_string_value(json_object_get(f, "error")) ? json_string_value(json_object_get(f, "error")) : "?");
	json_decref(p.failed);
	return PGS_EXIT_OK;
}

static int
cmd_reset(struct job *j)
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
	static const struct option longopts[] = {
		PGS_COMMON_LONGOPTS,
		{ "job", required_argument, NULL, OPT_JOB },
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "batch-days", required_argument, NULL, OPT_BATCH_DAYS },
		{ "store", required_argument, NULL, OPT_STORE },
		{ "table", required_argument, NULL, OPT_TABLE },
		{ "error", required_argument, NULL, OPT_ERROR },
		{ "json", no_argument, NULL, OPT_JSON },
		{ NULL, 0, NULL, 0 },
	};
	const char *bd = NULL;
	int c, r;

	memset(o, 0, sizeof(*o));
	pgs_common_init(&o->co);
	o->cmd = -1;
	o->batch_days = 7;
	while ((c = getopt_long(argc, argv, PGS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		r = pgs_common_opt(c, optarg, &o->co, usage);
		if (r == PGS_OPT_EXIT)
			exit(PGS_EXIT_OK);
		if (r == PGS_OPT_BAD)
			return -1;
		if (r == PGS_OPT_HANDLED)
			continue;
		switch (c) {
		case OPT_JOB: o->job = optarg; break;
		case OPT_FROM: o->from = optarg; break;
		case OPT_TO: o->to = optarg; break;
		case OPT_BATCH_DAYS: bd = optarg; break;
		case OPT_STORE: o->store = optarg; break;
		case OPT_TABLE: o->table = optarg; break;
		case OPT_ERROR: o->error = optarg; break;
		case OPT_JSON: o->json = 1; break;
		default: return pgs_usage_error("unexpected option"), -1;
		}
	}
	if (optind >= argc)
		return pgs_usage_error("missing command: plan, done, fail, status or reset"), -1;
	for (int i = 0; i < 5; i++)
		if (strcmp(argv[optind], cmd_names[i]) == 0)
			o->cmd = i;
	if (o->cmd < 0)
		return pgs_usage_error("unknown command '%s': want plan, done, fail, status or reset",
		    argv[optind]), -1;
	if (optind + 1 < argc)
		return pgs_usage_error("unexpected argument '%s'", argv[optind + 1]), -1;
	if (!o->job)
		return pgs_usage_error("%s: --job is required", cmd_names[o->cmd]), -1;
	if (!*o->job || strspn(o->job, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") != strlen(o->job) || o->job[0] == '.')
		return pgs_usage_error("bad --job '%s': want letters, digits, '.', '_' and '-'", o->job), -1;
	if (o->cmd == CMD_PLAN || o->cmd == CMD_DONE || o->cmd == CMD_FAIL) {
		if (!o->from || !o->to)
			return pgs_usage_error("%s: --from and --to are required", cmd_names[o->cmd]), -1;
		if (pgs_opt_window(o->from, o->to, &o->dfrom, &o->dto) != 0)
			return -1;
	}
	if (bd && ((o->batch_days = pgs_parse_count(bd)) < 1 || o->batch_days > 100000))
		return pgs_usage_error("bad --batch-days '%s': want a positive count", bd), -1;
	if (o->cmd == CMD_FAIL && !o->error)
		return pgs_usage_error("fail: --error is required"), -1;
	if (o->table && strcmp(o->table, PGS_TABLE_SUMMARY) != 0 && strcmp(o->table, PGS_TABLE_RAW) != 0)
		return pgs_usage_error("bad --table '%s': want %s or %s", o->table,
		    PGS_TABLE_SUMMARY, PGS_TABLE_RAW), -1;
	if (o->store && !*o->store)
		return pgs_usage_error("empty --store"), -1;
	return 0;
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct job j = { .lockfd = -1 };
	json_t *stats = NULL;
	const char *why;
	int loaded, ex = PGS_EXIT_FAIL;

	pgs_setprog(argv[0]);
	if (parse_args(argc, argv, &o) < 0)
		return PGS_EXIT_USAGE;
	/* read the statistics before locking: upstream may still be writing */
	if (o.cmd == CMD_DONE && (stats = read_stats())) {
		why = json_is_true(json_object_get(stats, "dry_run")) ? "was a dry run" :
		    json_object_get(stats, "refused") ? "was refused" : NULL;
		if (why) {
			pgs_err("the write of %s..%s %s: not marking it done", o.from, o.to, why);
			ex = PGS_EXIT_GUARD;
			goto out;
		}
	}
	if ((loaded = job_open(&j, o.job, o.cmd == CMD_STATUS)) < 0)
		goto out;
	switch (o.cmd) {
	case CMD_PLAN: ex = cmd_plan(&j, &o); break;
	case CMD_DONE: ex = cmd_done(&j, &o, stats); break;
	case CMD_FAIL: ex = cmd_fail(&j, &o); break;
	case CMD_RESET: ex = cmd_reset(&j); break;
	case CMD_STATUS:
		if (!loaded) {
			pgs_err("no such job '%s' (no state at %s)", o.job, j.path);
			break;
		}
		ex = cmd_status(&j, &o);
		break;
	}
out:
	json_decref(stats);
	job_free(&j);
	if (pgs_close_stream(stdout, "stdout") < 0)
		ex = PGS_EXIT_FAIL;
	return ex;
}
