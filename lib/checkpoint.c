/* checkpoint.c — a job's state and pgs-write's statistics line, checked. */
#include "checkpoint.h"

#include <stdlib.h>
#include <string.h>

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
	r = 0;
out:
	json_decref(o);
	return r;
}
