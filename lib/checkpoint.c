/* checkpoint.c — a job's state and pgs-write's statistics line, checked. */
#include "checkpoint.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "dates.h"
#include "store.h"
#include "util.h"

/* ---- the set of days ---- */

void
pgs_days_add(struct pgs_days *d, long a, long b)
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

long
pgs_days_count(const struct pgs_days *d, long a, long b)
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

json_t *
pgs_days_json(const struct pgs_days *d)
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

void
pgs_days_free(struct pgs_days *d)
{
	free(d->iv);
	memset(d, 0, sizeof(*d));
}

/* ---- the state ---- */

/* o[k] as a date: 0, or -1 with why naming where. */
static int
date_of(json_t *o, const char *k, const char *where, long *d, char *why, size_t whylen)
{
	json_t *v = json_object_get(o, k);

	if (!v)
		return pgs_fail(why, whylen, "%sno \"%s\"", where, k);
	if (pgs_date_parse(json_string_value(v), d) < 0)
		return pgs_fail(why, whylen, "%s\"%s\" is not a date YYYY-MM-DD", where, k);
	return 0;
}

static int
range_of(json_t *o, const char *where, long *a, long *b, char *why, size_t whylen)
{
	if (date_of(o, "from", where, a, why, whylen) < 0 || date_of(o, "to", where, b, why, whylen) < 0)
		return -1;
	if (*a > *b)
		return pgs_fail(why, whylen, "%s\"from\" is after \"to\"", where);
	return 0;
}

static int
check_batches(json_t *batches, char *why, size_t whylen)
{
	static const char *const statuses[] = { "done", "failed", "refused" };
	const char *key, *st;
	char where[64];
	json_t *b, *att;
	long a, e;
	size_t i;

	if (!json_is_object(batches))
		return pgs_fail(why, whylen, "\"batches\" is not an object");
	json_object_foreach(batches, key, b) {
		snprintf(where, sizeof(where), "batch \"%.24s\": ", key);
		if (!json_is_object(b))
			return pgs_fail(why, whylen, "%snot an object", where);
		if (range_of(b, where, &a, &e, why, whylen) < 0)
			return -1;
		st = json_string_value(json_object_get(b, "status"));
		for (i = 0; st && i < sizeof(statuses) / sizeof(statuses[0]); i++)
			if (strcmp(st, statuses[i]) == 0)
				break;
		if (!st || i == sizeof(statuses) / sizeof(statuses[0]))
			return pgs_fail(why, whylen, "%sno \"status\" done, failed or refused", where);
		att = json_object_get(b, "attempts");
		if (att && (!json_is_integer(att) || json_integer_value(att) < 0))
			return pgs_fail(why, whylen, "%s\"attempts\" is not a count", where);
	}
	return 0;
}

int
pgs_state_parse(const char *text, size_t len, const char *job, struct pgs_state *s,
    char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *o, *v, *p;
	const char *name;
	long a, b;
	size_t i;

	memset(s, 0, sizeof(*s));
	if (!(o = json_loadb(text, len, JSON_REJECT_DUPLICATES, &jerr)))
		return pgs_fail(why, whylen, "line %d: %s", jerr.line, jerr.text);
	s->obj = o;
	if (!json_is_object(o)) {
		pgs_fail(why, whylen, "not a JSON object");
		goto bad;
	}
	name = json_string_value(json_object_get(o, "job"));
	if (!name) {
		pgs_fail(why, whylen, "no \"job\"");
		goto bad;
	}
	if (strcmp(name, job) != 0) {
		pgs_fail(why, whylen, "it is the state of job '%.64s'", name);
		goto bad;
	}
	if (range_of(o, "", &s->from, &s->to, why, whylen) < 0)
		goto bad;
	v = json_object_get(o, "batch_days");
	if (!json_is_integer(v) || json_integer_value(v) < 1 || json_integer_value(v) > 100000) {
		pgs_fail(why, whylen, "\"batch_days\" is not a count of days");
		goto bad;
	}
	s->batch_days = (long)json_integer_value(v);
	s->table = json_string_value(json_object_get(o, "table"));
	if (!s->table || (strcmp(s->table, PGS_TABLE_SUMMARY) != 0 && strcmp(s->table, PGS_TABLE_RAW) != 0)) {
		pgs_fail(why, whylen, "\"table\" is not %s or %s", PGS_TABLE_SUMMARY, PGS_TABLE_RAW);
		goto bad;
	}
	v = json_object_get(o, "done");
	if (!json_is_array(v)) {
		pgs_fail(why, whylen, "\"done\" is not an array");
		goto bad;
	}
	json_array_foreach(v, i, p) {
		if (json_array_size(p) != 2 ||
		    pgs_date_parse(json_string_value(json_array_get(p, 0)), &a) < 0 ||
		    pgs_date_parse(json_string_value(json_array_get(p, 1)), &b) < 0 || a > b) {
			pgs_fail(why, whylen, "\"done\" range %zu is not [FROM, TO]", i + 1);
			goto bad;
		}
		pgs_days_add(&s->done, a, b);
	}
	if (check_batches(json_object_get(o, "batches"), why, whylen) < 0)
		goto bad;
	if ((v = json_object_get(o, "totals"))) {
		const char *k;

		if (!json_is_object(v)) {
			pgs_fail(why, whylen, "\"totals\" is not an object");
			goto bad;
		}
		json_object_foreach(v, k, p) {
			if (!json_is_integer(p) || json_integer_value(p) < 0) {
				pgs_fail(why, whylen, "\"totals\": \"%.24s\" is not a count", k);
				goto bad;
			}
		}
	}
	for (i = 0; i < 2; i++) {
		v = json_object_get(o, i ? "updated_us" : "started_us");
		if (v && !json_is_integer(v)) {
			pgs_fail(why, whylen, "\"%s\" is not an integer", i ? "updated_us" : "started_us");
			goto bad;
		}
	}
	return 0;
bad:
	pgs_state_free(s);
	return -1;
}

void
pgs_state_init(struct pgs_state *s, const char *job, long from, long to, long batch_days,
    const char *table)
{
	char now[32], a[11], b[11];

	memset(s, 0, sizeof(*s));
	pgs_now_iso(now, sizeof(now));
	pgs_date_format(from, a);
	pgs_date_format(to, b);
	s->obj = json_pack("{s:s, s:s, s:s, s:I, s:s, s:s, s:I, s:[], s:{}}",
	    "job", job, "from", a, "to", b, "batch_days", (json_int_t)batch_days,
	    "table", table, "created_at", now, "started_us", (json_int_t)pgs_now_us(),
	    "done", "batches");
	s->from = from;
	s->to = to;
	s->batch_days = batch_days;
	s->table = json_string_value(json_object_get(s->obj, "table"));
}

char *
pgs_state_dump(struct pgs_state *s)
{
	json_object_set_new(s->obj, "done", pgs_days_json(&s->done));
	return json_dumps(s->obj, JSON_INDENT(1));
}

void
pgs_state_free(struct pgs_state *s)
{
	json_decref(s->obj);
	pgs_days_free(&s->done);
	memset(s, 0, sizeof(*s));
}

/* ---- pgs-write's statistics line ---- */

static int
copy_string(json_t *o, const char *k, char *out, size_t cap, char *why, size_t whylen)
{
	json_t *v = json_object_get(o, k);
	const char *s = json_string_value(v);

	out[0] = '\0';
	if (!v)
		return 0;
	if (!s || strlen(s) >= cap)
		return pgs_fail(why, whylen, "\"%s\" is not a short string", k);
	memcpy(out, s, strlen(s) + 1);
	return 0;
}

int
pgs_stats_parse(const char *line, size_t len, struct pgs_stats *st, char *why, size_t whylen)
{
	static const char *const keys[] = { "rows_in", "inserted", "updated", "unchanged", "deleted", "ms" };
	long *vals[] = { &st->rows_in, &st->inserted, &st->updated, &st->unchanged, &st->deleted, &st->ms };
	json_error_t jerr;
	json_t *o, *v;
	int r = -1;
	long d;

	memset(st, 0, sizeof(*st));
	st->ms = -1;
	if (!(o = json_loadb(line, len, 0, &jerr)))
		return pgs_fail(why, whylen, "not JSON (%s)", jerr.text);
	if (!json_is_object(o)) {
		pgs_fail(why, whylen, "not a JSON object");
		goto out;
	}
	for (size_t i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		v = json_object_get(o, keys[i]);
		if (!v && i == 5)
			continue; /* ms is optional */
		if (!json_is_integer(v) || json_integer_value(v) < 0 || json_integer_value(v) > 1000000000000LL) {
			pgs_fail(why, whylen, "no count \"%s\"", keys[i]);
			goto out;
		}
		*vals[i] = (long)json_integer_value(v);
	}
	v = json_object_get(o, "dry_run");
	if (v && !json_is_boolean(v)) {
		pgs_fail(why, whylen, "\"dry_run\" is not true or false");
		goto out;
	}
	st->dry_run = json_is_true(v);
	if (copy_string(o, "refused", st->refused, sizeof(st->refused), why, whylen) < 0 ||
	    copy_string(o, "table", st->table, sizeof(st->table), why, whylen) < 0 ||
	    copy_string(o, "from", st->from, sizeof(st->from), why, whylen) < 0 ||
	    copy_string(o, "to", st->to, sizeof(st->to), why, whylen) < 0)
		goto out;
	if (json_object_get(o, "refused") && !st->refused[0]) {
		pgs_fail(why, whylen, "\"refused\" is empty");
		goto out;
	}
	if ((st->from[0] && pgs_date_parse(st->from, &d) < 0) || (st->to[0] && pgs_date_parse(st->to, &d) < 0)) {
		pgs_fail(why, whylen, "\"from\" or \"to\" is not a date YYYY-MM-DD");
		goto out;
	}
	/* what upstream skipped: kept in the job's totals, for pgs-daily and status */
	st->skipped = json_is_integer(v = json_object_get(o, "skipped_out_of_window")) ?
	    (long)json_integer_value(v) : 0;
	st->misfiled = json_is_integer(v = json_object_get(o, "skipped_misfiled")) ?
	    (long)json_integer_value(v) : 0;
	if (json_is_object(v = json_object_get(o, "skipped_dates"))) {
		char *t = json_dumps(v, JSON_COMPACT);

		if (t && strlen(t) < sizeof(st->skipped_dates))
			memcpy(st->skipped_dates, t, strlen(t) + 1);
		free(t);
	}
	r = 0;
out:
	json_decref(o);
	return r;
}

/* ---- refusals ---- */

const char *
pgs_refusal_message(const char *refused, char *buf, size_t cap)
{
	if (strcmp(refused, "shrink") == 0)
		snprintf(buf, cap, "refused by pgs-write's shrink guard (the window would lose rows; see --allow-shrink)");
	else if (strcmp(refused, "fenced") == 0)
		snprintf(buf, cap, "refused by pgs-write's fencing (a newer run has written these dates)");
	else if (*refused)
		snprintf(buf, cap, "refused by pgs-write (%s)", refused);
	else
		snprintf(buf, cap, "refused by pgs-write");
	return buf;
}

/* ---- a job's files ---- */

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

char *
pgs_state_dir(void)
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
	pgs_err("no state directory: set PGS_STATE_DIR, XDG_STATE_HOME or HOME");
	return NULL;
}

int
pgs_job_name_ok(const char *s, size_t len)
{
	return len > 0 && s[0] != '.' && strspn(s, "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz"
	    "0123456789._-") >= len;
}

void
pgs_job_free(struct pgs_job *j)
{
	if (j->lockfd >= 0)
		close(j->lockfd); /* releases the flock */
	if (j->loaded)
		pgs_state_free(&j->s);
	free(j->dir);
	free(j->path);
	free(j->lockpath);
	memset(j, 0, sizeof(*j));
	j->lockfd = -1;
}

int
pgs_job_lock(struct pgs_job *j, const char *dir, const char *name, int shared)
{
	memset(j, 0, sizeof(*j));
	j->lockfd = -1;
	j->name = name;
	j->dir = pgs_xstrdup(dir);
	j->path = pgs_xasprintf("%s/%s.json", dir, name);
	j->lockpath = pgs_xasprintf("%s/%s.lock", dir, name);
	if (!shared && mkdirs(dir) < 0)
		return -1;
	j->lockfd = open(j->lockpath, (shared ? O_RDONLY : O_RDWR | O_CREAT) | O_CLOEXEC, 0644);
	if (j->lockfd < 0) {
		if (shared && errno == ENOENT)
			return 0; /* never written: nothing to wait for */
		pgs_err("cannot open lock '%s': %s", j->lockpath, strerror(errno));
		return -1;
	}
	while (flock(j->lockfd, shared ? LOCK_SH : LOCK_EX) < 0) {
		if (errno != EINTR) {
			pgs_err("cannot lock '%s': %s", j->lockpath, strerror(errno));
			return -1;
		}
	}
	return 0;
}

/* The whole file into b: 0, 1 when it does not exist, -1 with why. */
static int
read_file(const char *path, pgs_buf *b, char *why, size_t whylen)
{
	char chunk[65536];
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	if (fd < 0)
		return errno == ENOENT ? 1 : pgs_fail(why, whylen, "%s", strerror(errno));
	while ((n = read(fd, chunk, sizeof(chunk))) != 0) {
		if (n < 0) {
			if (errno == EINTR)
				continue;
			pgs_fail(why, whylen, "%s", strerror(errno));
			close(fd);
			return -1;
		}
		pgs_buf_add(b, chunk, (size_t)n);
	}
	close(fd);
	return 0;
}

int
pgs_job_load(struct pgs_job *j)
{
	pgs_buf b = { 0 };
	char why[256];
	int r;

	r = read_file(j->path, &b, why, sizeof(why));
	if (r == 0)
		r = pgs_state_parse(b.s ? b.s : "", b.len, j->name, &j->s, why, sizeof(why)) < 0 ? -1 : 0;
	pgs_buf_free(&b);
	if (r == 1)
		return 0;
	if (r < 0) {
		pgs_err("%s: bad state file (%s); 'pgs-checkpoint reset --job %s' starts the job over "
		    "(with --store, windows in the store's ledger stay done)", j->path, why, j->name);
		return -1;
	}
	j->loaded = 1;
	return 1;
}

/*
 * Fault hooks for the crash tests: PGS_FAULT_STATE_RENAME_MS pauses after the
 * new state is written and synced but before it replaces the old one,
 * PGS_FAULT_STATE_RENAMED_MS right after the rename; both with the job's lock
 * held, so a test can kill the recorder there.
 */
static void
fault_sleep(const char *tmp, int renamed)
{
	char where[PATH_MAX + 32];

	snprintf(where, sizeof(where), "%s '%s'", renamed ? "after renaming" : "before renaming", tmp);
	pgs_fault_pause(renamed ? "PGS_FAULT_STATE_RENAMED_MS" : "PGS_FAULT_STATE_RENAME_MS", where);
}

/*
 * Remove the temporary files of earlier saves of this job that never got
 * renamed (their writer was killed).  Only a holder of the exclusive lock
 * writes one, and that is us now, so every one there is an orphan.
 */
static void
remove_orphans(const struct pgs_job *j)
{
	char *prefix = pgs_xasprintf("%s.json.tmp.", j->name), *path;
	size_t plen = strlen(prefix);
	struct dirent *e;
	DIR *d = opendir(j->dir);

	while (d && (e = readdir(d))) {
		if (strncmp(e->d_name, prefix, plen) != 0 || strlen(e->d_name) != plen + 6)
			continue;
		path = pgs_xasprintf("%s/%s", j->dir, e->d_name);
		if (unlink(path) == 0)
			pgs_info("removed '%s', left by an interrupted update", path);
		free(path);
	}
	if (d)
		closedir(d);
	free(prefix);
}

int
pgs_job_save(struct pgs_job *j)
{
	char now[32], why[PATH_MAX + 256], *text;
	int rc;

	pgs_now_iso(now, sizeof(now));
	json_object_set_new(j->s.obj, "updated_at", json_string(now));
	json_object_set_new(j->s.obj, "updated_us", json_integer(pgs_now_us()));
	text = pgs_state_dump(&j->s);
	remove_orphans(j);
	/* (the text ends in a newline: a file of lines) */
	text = pgs_xrealloc(text, strlen(text) + 2);
	strcat(text, "\n");
	/* No fsync of the directory: after a power cut the state may be one
	 * update behind (the old file or the new, never half of one), which
	 * plan --store takes from the ledger again; it would cost a batch
	 * more than everything else the checkpoint does. */
	if ((rc = pgs_write_atomic(j->path, text, strlen(text), fault_sleep, why, sizeof(why))) < 0)
		pgs_err("%s", why);
	free(text);
	return rc;
}

json_t *
pgs_job_totals(struct pgs_job *j)
{
	json_t *totals = json_object_get(j->s.obj, "totals");

	if (!totals) {
		totals = json_object();
		json_object_set_new(j->s.obj, "totals", totals);
	}
	return totals;
}

void
pgs_job_add_total(json_t *totals, const char *k, long n)
{
	json_object_set_new(totals, k, json_integer(json_integer_value(json_object_get(totals, k)) + n));
}

int
pgs_job_check_batch(const struct pgs_job *j, const char *from, const char *to, long dfrom, long dto)
{
	if (!j->loaded) {
		pgs_err("no such job '%s' (no state at %s): 'pgs-checkpoint plan' creates it", j->name, j->path);
		return 3;
	}
	if (dfrom < j->s.from || dto > j->s.to) {
		pgs_err("%s..%s is outside job '%s' (%s..%s): not recorded", from, to, j->name,
		    json_string_value(json_object_get(j->s.obj, "from")),
		    json_string_value(json_object_get(j->s.obj, "to")));
		return 4;
	}
	return 0;
}

/* The record of batch [from, to], created on its first attempt; attempts + 1. */
static json_t *
batch_attempt(struct pgs_job *j, const char *from, const char *to)
{
	json_t *batches = json_object_get(j->s.obj, "batches"), *b;
	char *key = pgs_xasprintf("%s..%s", from, to);

	b = json_object_get(batches, key);
	if (!b) {
		b = json_pack("{s:s, s:s, s:i}", "from", from, "to", to, "attempts", 0);
		json_object_set_new(batches, key, b);
	}
	free(key);
	json_object_set_new(b, "attempts",
	    json_integer(json_integer_value(json_object_get(b, "attempts")) + 1));
	return b;
}

int
pgs_job_failed(struct pgs_job *j, const char *from, const char *to, const char *refused,
    const char *error)
{
	json_t *b = batch_attempt(j, from, to);
	char now[32];

	pgs_now_iso(now, sizeof(now));
	json_object_set_new(b, "status", json_string(refused ? "refused" : "failed"));
	if (refused)
		json_object_set_new(b, "refused", json_string(refused));
	else
		json_object_del(b, "refused");
	json_object_set_new(b, "failed_at", json_string(now));
	json_object_set_new(b, "last_error", json_string(error));
	return pgs_job_save(j);
}

/* Rows a batch's upstream skipped, into the totals: the counts, and per date
 * how many (the state's "skipped_dates"), so a daily run can land them with
 * their own day. */
static void
add_skipped(json_t *state, json_t *totals, const struct pgs_stats *st)
{
	json_t *dates, *have, *v;
	const char *k;

	pgs_job_add_total(totals, "skipped_out_of_window", st->skipped);
	if (st->misfiled > 0)
		pgs_job_add_total(totals, "skipped_misfiled", st->misfiled);
	if (!st->skipped_dates[0] || !(dates = json_loads(st->skipped_dates, 0, NULL)))
		return;
	/* beside the totals, which hold counts only */
	if (!json_is_object(have = json_object_get(state, "skipped_dates"))) {
		have = json_object();
		json_object_set_new(state, "skipped_dates", have);
	}
	json_object_foreach(dates, k, v) {
		json_t *was = json_object_get(have, k);

		json_object_set_new(have, k, json_integer(json_integer_value(v) +
		    (was ? json_integer_value(was) : 0)));
	}
	json_decref(dates);
}

void
pgs_days_add_json(struct pgs_days *d, const json_t *j)
{
	const json_t *p;
	size_t i;
	long a, b;

	json_array_foreach(j, i, p) {
		if (pgs_date_parse(json_string_value(json_array_get(p, 0)), &a) == 0 &&
		    pgs_date_parse(json_string_value(json_array_get(p, 1)), &b) == 0 && a <= b)
			pgs_days_add(d, a, b);
	}
}

/* Raw rows landed: the days go into the state's "landed", which plan holds
 * against the store's ledger (a day landed that the ledger lacks is not done:
 * the store was restored from a backup, or is another one). */
static void
add_landed(struct pgs_job *j, long dfrom, long dto)
{
	struct pgs_days landed = { 0 };

	pgs_days_add_json(&landed, json_object_get(j->s.obj, "landed"));
	pgs_days_add(&landed, dfrom, dto);
	json_object_set_new(j->s.obj, "landed", pgs_days_json(&landed));
	pgs_days_free(&landed);
}

int
pgs_job_done(struct pgs_job *j, const char *from, const char *to, long dfrom, long dto,
    const struct pgs_stats *st)
{
	static const char *const keep[] = { "rows_in", "inserted", "updated", "unchanged", "deleted", "ms" };
	char *key;
	json_t *totals;

	/* A batch done leaves only its days and its counts in the totals: the
	 * state stays small, so a done costs the same at the last of 944
	 * batches as at the first.  Batches not done keep their record. */
	key = pgs_xasprintf("%s..%s", from, to);
	json_object_del(json_object_get(j->s.obj, "batches"), key);
	free(key);
	/* Days done already were counted when they were done: a second writer
	 * of the same batch (an orphan of a killed run finishing its batch
	 * while the resumed run redoes it) must not count them twice. */
	if (pgs_days_count(&j->s.done, dfrom, dto) == dto - dfrom + 1) {
		pgs_info("%s..%s was done already: its counts are not added again", from, to);
		return pgs_job_save(j);
	}
	pgs_days_add(&j->s.done, dfrom, dto);
	totals = pgs_job_totals(j);
	pgs_job_add_total(totals, "batches", 1);
	pgs_job_add_total(totals, "days", dto - dfrom + 1);
	if (st) {
		const long vals[] = { st->rows_in, st->inserted, st->updated, st->unchanged, st->deleted, st->ms };

		for (size_t i = 0; i < sizeof(keep) / sizeof(keep[0]); i++)
			if (vals[i] >= 0)
				pgs_job_add_total(totals, keep[i], vals[i]);
		if (st->skipped > 0)
			add_skipped(j->s.obj, totals, st);
		if (st->rows_in > 0 && strcmp(j->s.table, PGS_TABLE_RAW) == 0)
			add_landed(j, dfrom, dto);
	}
	return pgs_job_save(j);
}
