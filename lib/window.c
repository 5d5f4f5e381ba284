/*
 * window.c — the rules of a window write, for every store (see window.h).
 * The backend supplies primitives (store.h); everything decided here is
 * decided the same way on SQLite, PostgreSQL and BigQuery.
 */
#include "window.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "dates.h"
#include "hash.h"
#include "hashmap.h"
#include "ndjson.h"
#include "rawcheck.h"
#include "sumcheck.h"
#include "util.h"

/* Stores without locks across calls (BigQuery) retry a window that changed
 * under the write; with many writers on one window that takes a few rounds. */
#define MAX_ATTEMPTS 24
#define MAX_BACKOFF_MS 8000

struct scope {
	char *name;
	long rows;
};

struct pgs_window {
	pgs_store *st;
	const struct pgs_table *t;
	struct pgs_window_spec spec;
	pgs_stage *sg;
	char *from, *to, *source, *run_id, *config;
	double allow_shrink;
	int dry_run;
	char started_at[32];
	long long begun_ms;         /* when staging began (monotonic), for -v */
	struct scope *scopes;       /* sorted by name */
	size_t nscopes, capscopes;
	const char **scope_names;   /* spec.scopes */
	struct pgs_val *vals;
	json_t **jv;                /* the current row's value of each column, or NULL */
	pgs_map index;              /* column name -> its index + 1 */
	pgs_buf *owned;             /* JSON texts made for the current row, per column */
	long staged;
	long rehashed;              /* summary rows whose data_hash was not their content's */
	int hash_field;             /* summary: index of data_hash; -1 for raw */
	char hash[17];
	pgs_map keys;               /* staged keys, for a backend that does not dedup */
	pgs_buf key;
};

/* ---- what the window was made from ---- */

void
pgs_window_set_watermark(pgs_window *w, const char *watermark)
{
	/* the ledger's started_at: the raw watermark when it is the earlier (it always
	 * is: it was read before the rows, and they before this window began) */
	if (watermark && strlen(watermark) < sizeof(w->started_at) && strcmp(watermark, w->started_at) < 0)
		snprintf(w->started_at, sizeof(w->started_at), "%s", watermark);
}

/* ---- begin / abort ---- */

static void
window_free(pgs_window *w)
{
	if (!w)
		return;
	if (w->sg) {
		w->st->ops->stage_end(w->sg);
		w->st->writing--;
	}
	for (size_t i = 0; i < w->nscopes; i++)
		free(w->scopes[i].name);
	free(w->scopes);
	free(w->scope_names);
	if (w->owned)
		for (size_t i = 0; i < w->t->nf; i++)
			pgs_buf_free(&w->owned[i]);
	free(w->owned);
	free(w->vals);
	free(w->jv);
	pgs_map_free(&w->index, NULL);
	free(w->from);
	free(w->to);
	free(w->source);
	free(w->run_id);
	free(w->config);
	pgs_map_free(&w->keys, NULL);
	pgs_buf_free(&w->key);
	free(w);
}

void
pgs_window_abort(pgs_window *w)
{
	window_free(w);
}

/* The scope named s, added when absent (kept sorted: ledger entries and
 * lock order are then the same in every run). */
static struct scope *
scope_get(pgs_window *w, const char *s)
{
	size_t lo = 0, hi = w->nscopes;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(w->scopes[mid].name, s);

		if (c == 0)
			return &w->scopes[mid];
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (w->nscopes == w->capscopes) {
		w->capscopes = w->capscopes ? 2 * w->capscopes : 4;
		w->scopes = pgs_xrealloc(w->scopes, w->capscopes * sizeof(*w->scopes));
	}
	memmove(&w->scopes[lo + 1], &w->scopes[lo], (w->nscopes - lo) * sizeof(*w->scopes));
	w->scopes[lo].name = pgs_xstrdup(s);
	w->scopes[lo].rows = 0;
	w->nscopes++;
	return &w->scopes[lo];
}

pgs_window *
pgs_window_begin(pgs_store *st, const struct pgs_write_opts *o)
{
	const struct pgs_table *t = pgs_table_get(o->table);
	pgs_window *w;

	if (!t) {
		pgs_err("unknown table '%s': want %s or %s", o->table, PGS_TABLE_SUMMARY, PGS_TABLE_RAW);
		return NULL;
	}
	if (st->mode == PGS_STORE_RO) {
		pgs_store_readonly(st, "write a window");
		return NULL;
	}
	/* a handle stages one window at a time — but the windows of a group
	 * commit, on a store that writes them together */
	if (st->writing && !st->ops->group_apply) {
		pgs_err("store '%s': a window write is already open on this handle", st->uri);
		return NULL;
	}
	w = pgs_xcalloc(1, sizeof(*w));
	w->st = st;
	w->t = t;
	w->from = pgs_xstrdup(o->from);
	w->to = pgs_xstrdup(o->to);
	w->source = o->source && t->raw ? pgs_xstrdup(o->source) : NULL;
	w->run_id = pgs_xstrdup(o->run_id ? o->run_id : "");
	w->config = o->config && *o->config ? pgs_xstrdup(o->config) : NULL;
	w->allow_shrink = o->allow_shrink;
	w->dry_run = o->dry_run;
	pgs_now_iso(w->started_at, sizeof(w->started_at));
	w->begun_ms = pgs_mono_ms();
	w->vals = pgs_xcalloc(t->nf, sizeof(*w->vals));
	w->jv = pgs_xcalloc(t->nf, sizeof(*w->jv));
	for (size_t i = 0; i < t->nf; i++)
		pgs_map_put_num(&w->index, t->f[i].name, (long)i + 1);
	w->hash_field = -1;
	for (size_t i = 0; i < t->nf && !t->raw; i++)
		if (strcmp(t->f[i].name, "data_hash") == 0)
			w->hash_field = (int)i;
	w->owned = pgs_xcalloc(t->nf, sizeof(*w->owned));
	/* the scope of the window: every summary row, or the source replaced */
	if (!t->raw)
		scope_get(w, "*");
	else if (w->source)
		scope_get(w, w->source);
	w->spec = (struct pgs_window_spec){ .t = t, .from = w->from, .to = w->to,
		.run_id = w->run_id, .run_started_us = o->run_started_us };
	if (!(w->sg = st->ops->stage_begin(st, &w->spec))) {
		window_free(w);
		return NULL;
	}
	st->writing++;
	return w;
}

/* ---- rows ---- */

static int
is_key(const struct pgs_table *t, size_t i)
{
	for (size_t k = 0; k < t->nkeys; k++)
		if ((size_t)t->keys[k] == i)
			return 1;
	return 0;
}

/* "bad points "x": want an integer" */
static int
bad_type(const struct pgs_field *f, json_t *v, char *why, size_t whylen)
{
	static const char *const want[] = {
		[PGS_T_TEXT] = "a string", [PGS_T_INT] = "an integer",
		[PGS_T_REAL] = "a number", [PGS_T_BOOL] = "true or false",
		[PGS_T_DATE] = "a YYYY-MM-DD date", [PGS_T_JSON] = "an array or object",
	};
	char *shown = json_dumps(v, JSON_ENCODE_ANY | JSON_COMPACT);

	snprintf(why, whylen, "bad %s %.40s: want %s", f->name, shown ? shown : "?", want[f->type]);
	free(shown);
	return 1;
}

/* 1 when v holds a real anywhere. */
static int
has_real(json_t *v)
{
	const char *k;
	json_t *x;
	size_t i;

	if (json_is_real(v))
		return 1;
	if (json_is_array(v)) {
		json_array_foreach(v, i, x)
			if (has_real(x))
				return 1;
	} else if (json_is_object(v)) {
		json_object_foreach(v, k, x)
			if (has_real(x))
				return 1;
	}
	return 0;
}

/*
 * A JSON column's stored text, json_dumps(v, JSON_COMPACT), into b: that
 * text is hashed into the row's digest, so it never changes.  pgs_json_dump()
 * writes the same bytes faster for everything but reals (it prints 15
 * digits, jansson 17), which a column seldom holds.  0, or -1 out of memory.
 */
static int
json_text(pgs_buf *b, json_t *v)
{
	char *dump;

	pgs_buf_reset(b);
	if (!has_real(v))
		return pgs_json_dump(b, v);
	if (!(dump = json_dumps(v, JSON_COMPACT)))
		return -1;
	pgs_buf_adds(b, dump);
	free(dump);
	return 0;
}

/* The values of the row's columns (w->jv); 1 with why on a wrong type. */
static int
row_values(pgs_window *w, char *why, size_t whylen)
{
	const struct pgs_table *t = w->t;
	long days;

	for (size_t i = 0; i < t->nf; i++) {
		const struct pgs_field *f = &t->f[i];
		json_t *v = w->jv[i];
		struct pgs_val *x = &w->vals[i];

		memset(x, 0, sizeof(*x));
		if (!v || json_is_null(v)) {
			x->null = 1;
			continue;
		}
		switch (f->type) {
		case PGS_T_DATE:
			if (!json_is_string(v) || pgs_date_parse(json_string_value(v), &days) < 0)
				return bad_type(f, v, why, whylen);
			/* FALLTHROUGH */
		case PGS_T_TEXT:
			if (!json_is_string(v))
				return bad_type(f, v, why, whylen);
			x->s = json_string_value(v);
			x->len = json_string_length(v);
			if (strlen(x->s) != x->len) {
				snprintf(why, whylen, "bad %s: contains a NUL character", f->name);
				return 1;
			}
			break;
		case PGS_T_INT:
			if (!json_is_integer(v))
				return bad_type(f, v, why, whylen);
			x->i = json_integer_value(v);
			break;
		case PGS_T_REAL:
			if (!json_is_number(v))
				return bad_type(f, v, why, whylen);
			x->d = json_number_value(v);
			break;
		case PGS_T_BOOL:
			if (!json_is_boolean(v))
				return bad_type(f, v, why, whylen);
			x->i = json_is_true(v);
			break;
		case PGS_T_JSON:
			if (!json_is_array(v) && !json_is_object(v))
				return bad_type(f, v, why, whylen);
			if (json_text(&w->owned[i], v) < 0) {
				pgs_err("out of memory");
				exit(PGS_EXIT_FAIL);
			}
			x->s = w->owned[i].s;
			x->len = w->owned[i].len;
			break;
		}
	}
	return 0;
}

/*
 * "R%.17g;" of d into b.  snprintf of a double is the slowest step of a
 * digest, and a batch holds few distinct reals (minutes to 0.1, percentages
 * to 0.001), so the texts are remembered by the value's bits.
 */
#define REAL_CACHE 4096
static void
add_real(pgs_buf *b, double d)
{
	static struct {
		uint64_t bits;
		unsigned char len;   /* 0: empty */
		char text[39];
	} cache[REAL_CACHE];
	uint64_t bits;
	size_t slot;
	int n;

	memcpy(&bits, &d, sizeof(bits));
	slot = (size_t)((bits * 0x9E3779B97F4A7C15ULL) >> 52) % REAL_CACHE;
	if (cache[slot].len == 0 || cache[slot].bits != bits) {
		n = snprintf(cache[slot].text, sizeof(cache[slot].text), "R%.17g;", d);
		if (n <= 0 || (size_t)n >= sizeof(cache[slot].text)) {
			cache[slot].len = 0;
			pgs_buf_addf(b, "R%.17g;", d);
			return;
		}
		cache[slot].bits = bits;
		cache[slot].len = (unsigned char)n;
	}
	pgs_buf_add(b, cache[slot].text, cache[slot].len);
}

void
pgs_row_digest(const struct pgs_table *t, const struct pgs_val *v, const char *doc,
    size_t doclen, char out[17])
{
	static pgs_buf b;   /* reused: this runs for every row */

	/* raw rows are stored whole, unknown fields included: their text is the content */
	if (t->raw) {
		pgs_sha256_hex16(doc, doclen, out);
		return;
	}
	/* a canonical encoding of the content columns: a rerun at another time
	 * (processed_at) is not a change, and data_hash is derived, not content.
	 * "N" null, "I%lld;" integers and booleans, "R%.17g;" reals, "T%zu:" and
	 * the bytes for text: stores keep these digests, so the encoding never changes. */
	pgs_buf_reset(&b);
	for (size_t i = 0; i < t->nf; i++) {
		if (!t->f[i].content)
			continue;
		if (v[i].null) {
			pgs_buf_add(&b, "N", 1);
			continue;
		}
		switch (t->f[i].type) {
		case PGS_T_INT:
		case PGS_T_BOOL:
			pgs_buf_add(&b, "I", 1);
			pgs_buf_addint(&b, v[i].i);
			pgs_buf_add(&b, ";", 1);
			break;
		case PGS_T_REAL:
			add_real(&b, v[i].d);
			break;
		default:
			pgs_buf_add(&b, "T", 1);
			pgs_buf_addint(&b, (long long)v[i].len);
			pgs_buf_add(&b, ":", 1);
			pgs_buf_add(&b, v[i].s, v[i].len);
			break;
		}
	}
	pgs_sha256_hex16(b.s ? b.s : "", b.len, out);
}

static const char hash_key[] = ",\"data_hash\":\"";

/*
 * A summary row's data_hash is its lineage: SHA-256 over the compact JSON
 * of its content fields in schema order, which pgs-transform writes first,
 * so the row's own text up to ,"data_hash":" closed with '}' is what was
 * hashed.  That check is cheap; a row whose text does not vouch for its
 * hash (edited, re-serialized, or lying) gets the hash of its content
 * recomputed from its fields, and that is what is stored.
 */
static void
summary_hash(pgs_window *w, const char *text)
{
	struct pgs_val *h = &w->vals[w->hash_field];
	const char *at = text ? strstr(text, hash_key) : NULL;
	pgs_sha256 *sh;
	char hex[65], *dump;
	json_t *c;

	if (at && !h->null && h->len == 16) {
		sh = pgs_sha256_new();
		pgs_sha256_update(sh, text, (size_t)(at - text));
		pgs_sha256_update(sh, "}", 1);
		pgs_sha256_final_hex(sh, hex);
		if (memcmp(hex, h->s, 16) == 0)
			return;
	}
	c = json_object();
	for (size_t i = 0; i < w->t->nf; i++) {
		json_t *v = w->jv[i];

		if (w->t->f[i].content)
			json_object_set(c, w->t->f[i].name, v ? v : json_null());
	}
	dump = json_dumps(c, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(c);
	if (!dump) {
		pgs_err("out of memory");
		exit(PGS_EXIT_FAIL);
	}
	pgs_sha256_hex16(dump, strlen(dump), w->hash);
	free(dump);
	if (!h->null && h->len == 16 && memcmp(h->s, w->hash, 16) == 0)
		return;
	w->rehashed += !h->null;   /* a hand-made row without one just gets it */
	*h = (struct pgs_val){ .s = w->hash, .len = 16 };
}

static void
describe_key(const pgs_window *w, char *out, size_t cap)
{
	pgs_buf b = { 0 };

	for (size_t k = 0; k < w->t->nkeys; k++) {
		const struct pgs_val *v = &w->vals[w->t->keys[k]];

		pgs_buf_addf(&b, "%s%s=%s", k ? ", " : "", w->t->f[w->t->keys[k]].name,
		    v->null ? "" : v->s);
	}
	snprintf(out, cap, "duplicate key (%s) in batch", b.s);
	pgs_buf_free(&b);
}

int
pgs_window_add(pgs_window *w, json_t *row, const char *text, char *why, size_t whylen)
{
	const struct pgs_table *t = w->t;
	const struct pgs_val *date, *src = NULL;
	char digest[17], *doc = NULL;
	size_t doclen = 0;
	long days;
	int r;

	pgs_field_values(row, t->f, t->nf, &w->index, w->jv);
	/* keys and required fields first, so the reason names the worst problem */
	for (size_t i = 0; i < t->nf; i++) {
		json_t *v = w->jv[i];

		if ((t->f[i].required || is_key(t, i)) && (!v || json_is_null(v)))
			return snprintf(why, whylen, "missing %s", t->f[i].name), 1;
		if (is_key(t, i) && (!json_is_string(v) || json_string_length(v) == 0))
			return snprintf(why, whylen, "bad %s: want a non-empty string", t->f[i].name), 1;
	}
	if (row_values(w, why, whylen))
		return 1;
	date = &w->vals[t->date_field];
	if (strcmp(date->s, w->from) < 0 || strcmp(date->s, w->to) > 0)
		return snprintf(why, whylen, "game_date %s outside the window %s..%s", date->s,
		    w->from, w->to), 1;
	/* a poison row is refused when landed, not when read back (raw rows: below) */
	if (!t->raw && pgs_summary_check_cols(row, w->jv, why, whylen) < 0)
		return 1;
	if (t->raw) {
		src = &w->vals[t->scope_field];
		if (w->source && strcmp(src->s, w->source) != 0)
			return snprintf(why, whylen, "source '%s' is not the --source '%s' being written",
			    src->s, w->source), 1;
		/* a poison row is refused when landed, not when read back */
		if (pgs_raw_check(row, &days, why, whylen) < 0)
			return 1;
		if (!(doc = json_dumps(row, JSON_COMPACT))) {
			pgs_err("out of memory");
			exit(PGS_EXIT_FAIL);
		}
		doclen = strlen(doc);
	}
	if (!w->st->ops->dedups) {
		const char *parts[8];

		for (size_t k = 0; k < t->nkeys; k++)
			parts[k] = w->vals[t->keys[k]].s;
		if (!pgs_map_add(&w->keys, pgs_map_key(&w->key, (int)t->nkeys, parts))) {
			free(doc);
			describe_key(w, why, whylen);
			return 1;
		}
	}
	if (w->hash_field >= 0)
		summary_hash(w, text);
	pgs_row_digest(t, w->vals, doc, doclen, digest);
	r = w->st->ops->stage_row(w->sg, w->vals, doc, doclen, digest, w->staged);
	free(doc);
	if (r == PGS_STORE_CONFLICT) {
		describe_key(w, why, whylen);
		return 1;
	}
	if (r < 0)
		return -1;
	w->staged++;
	scope_get(w, t->raw ? src->s : "*")->rows++;
	return 0;
}

/* ---- commit ---- */

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/*
 * A fault hook for the crash tests: PGS_FAULT_COMMIT_SLEEP_MS makes the
 * commit pause with the write lock held and the window inspected, so a test
 * can kill a writer inside its commit.
 */
static void
fault_sleep(void)
{
	pgs_fault_pause("PGS_FAULT_COMMIT_SLEEP_MS", "inside the commit");
}

/* The guards, in the order users see them named: shrink, then the fence. */
static enum pgs_write_result
guards(const pgs_window *w, const struct pgs_window_state *s, const struct pgs_write_stats *stats)
{
	if (stats->before > 0 &&
	    (double)stats->after < (double)stats->before * (1.0 - w->allow_shrink / 100.0)) {
		pgs_err("shrink guard: the window %s..%s of %s would go from %ld to %ld rows"
		    " (-%.1f%%, more than --allow-shrink %g%%); nothing written",
		    w->from, w->to, w->t->name, stats->before, stats->after,
		    100.0 * (double)(stats->before - stats->after) / (double)stats->before,
		    w->allow_shrink);
		return PGS_WRITE_SHRINK;
	}
	if (w->spec.run_started_us > 0 && s->has_fence &&
	    s->fence_run_started_us > w->spec.run_started_us) {
		pgs_err("fenced: run '%s' (started %lld us) committed the overlapping window %s..%s"
		    " at %s, after this run (started %lld us) began: this writer is stale; nothing written",
		    s->fence_run_id, s->fence_run_started_us, s->fence_from, s->fence_to,
		    s->fence_committed_at, w->spec.run_started_us);
		return PGS_WRITE_FENCED;
	}
	return PGS_WRITE_OK;
}

/* The window is staged whole: its scopes are final (the sources of the batch,
 * sorted), its statistics start.  Returns its ledger entries, to fill. */
static struct pgs_ledger_entry *
window_close(pgs_window *w, struct pgs_write_stats *stats)
{
	memset(stats, 0, sizeof(*stats));
	stats->rows_in = stats->after = w->staged;
	if (w->rehashed)
		pgs_warn("%ld rows came with a data_hash that is not their content's; stored with"
		    " the hash of their content", w->rehashed);
	w->scope_names = pgs_xcalloc(w->nscopes + 1, sizeof(*w->scope_names));
	for (size_t i = 0; i < w->nscopes; i++)
		w->scope_names[i] = w->scopes[i].name;
	w->spec.scopes = w->scope_names;
	w->spec.nscopes = w->nscopes;
	return pgs_xcalloc(w->nscopes + 1, sizeof(struct pgs_ledger_entry));
}

/* What the window's commit would do, from the store's state of it. */
static void
window_stats(const pgs_window *w, const struct pgs_window_state *s, struct pgs_write_stats *stats)
{
	stats->before = s->before;
	stats->inserted = s->inserted;
	stats->unchanged = s->unchanged;
	stats->updated = w->staged - s->inserted - s->unchanged;
	stats->deleted = s->deleted;
}

/* The window's ledger entries, one a scope, committed at now. */
static void
window_ledger(const pgs_window *w, const char *digest, const char *now, struct pgs_ledger_entry *led)
{
	for (size_t i = 0; i < w->nscopes; i++)
		led[i] = (struct pgs_ledger_entry){ .table = w->t->name,
			.scope = w->scopes[i].name, .from = w->from, .to = w->to,
			.rows = w->scopes[i].rows, .digest = digest, .config = w->config,
			.run_id = w->run_id, .run_started_us = w->spec.run_started_us,
			.started_at = w->started_at, .committed_at = now };
}

/* Jittered: writers that collided spread out instead of colliding again. */
static void
backoff_sleep(long *backoff)
{
	sleep_ms(*backoff / 2 + rand() % (*backoff + 1));
	*backoff = *backoff * 2 > MAX_BACKOFF_MS ? MAX_BACKOFF_MS : *backoff * 2;
}

enum pgs_write_result
pgs_window_commit(pgs_window *w, const char *digest, struct pgs_write_stats *stats)
{
	const struct pgs_store_ops *ops = w->st->ops;
	struct pgs_window_state s;
	struct pgs_ledger_entry *led = window_close(w, stats);
	enum pgs_write_result rc = PGS_WRITE_FAIL;
	char now[32];
	long backoff = ops->retry_ms > 0 ? ops->retry_ms : 50;
	int r = -1;

	for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		long long t0 = pgs_mono_ms(), t1, t2;

		memset(&s, 0, sizeof(s));
		if (ops->lock(w->sg) < 0) {
			rc = PGS_WRITE_FAIL;
			goto out;
		}
		t1 = pgs_mono_ms();
		if (ops->inspect(w->sg, &s) < 0) {
			rc = PGS_WRITE_FAIL;
			goto out;
		}
		t2 = pgs_mono_ms();
		pgs_info("window %s..%s: %ld rows staged in %lld ms; lock %lld ms, inspect %lld ms",
		    w->from, w->to, w->staged, t0 - w->begun_ms, t1 - t0, t2 - t1);
		window_stats(w, &s, stats);
		if ((rc = guards(w, &s, stats)) != PGS_WRITE_OK || w->dry_run)
			goto out;
		fault_sleep();
		pgs_now_iso(now, sizeof(now));
		window_ledger(w, digest, now, led);
		t0 = pgs_mono_ms();
		r = ops->apply(w->sg, &s, led, w->nscopes);
		pgs_info("window %s..%s: apply and commit %lld ms", w->from, w->to, pgs_mono_ms() - t0);
		if (r != PGS_STORE_RETRY)
			break;
		/* a concurrent writer changed the window between inspect and apply */
		pgs_info("window %s..%s changed under the write (attempt %d); again", w->from, w->to,
		    attempt);
		backoff_sleep(&backoff);
	}
	if (r == PGS_STORE_RETRY)
		pgs_err("store '%s': the window %s..%s kept changing under the write (%d attempts);"
		    " nothing written", w->st->uri, w->from, w->to, MAX_ATTEMPTS);
	rc = r == 0 ? PGS_WRITE_OK : PGS_WRITE_FAIL;
out:
	free(led);
	window_free(w);   /* stage_end rolls back whatever is still open */
	return rc;
}

/* ---- group commit ---- */

int
pgs_window_groups(const pgs_store *st, const char *table)
{
	const char *e = getenv("PGS_GROUP_COMMIT");

	/* PGS_GROUP_COMMIT=0: one transaction a window, to compare the two */
	if (e && strcmp(e, "0") == 0)
		return 0;
	return st->ops->group_apply != NULL && (!table || strcmp(table, PGS_TABLE_SUMMARY) == 0);
}

long long
pgs_window_group_bytes(const pgs_store *st)
{
	const char *e = getenv("PGS_GROUP_MB");
	double mb = e && *e ? atof(e) : 0;

	if (mb <= 0)
		mb = st->ops->group_mb > 0 ? st->ops->group_mb : 32;
	return (long long)(mb * (1 << 20));
}

enum pgs_write_result
pgs_window_commit_group(pgs_window **ws, size_t n, const char *const *digests,
    struct pgs_write_stats *stats, enum pgs_write_result *res)
{
	const struct pgs_store_ops *ops = n ? ws[0]->st->ops : NULL;
	struct pgs_window_state *states = pgs_xcalloc(n + 1, sizeof(*states));
	struct pgs_ledger_entry **led = pgs_xcalloc(n + 1, sizeof(*led));
	size_t *nled = pgs_xcalloc(n + 1, sizeof(*nled));
	pgs_stage **sgs = pgs_xcalloc(n + 1, sizeof(*sgs));
	int *ok = pgs_xcalloc(n + 1, sizeof(*ok));
	enum pgs_write_result rc = PGS_WRITE_FAIL;
	long backoff = ops && ops->retry_ms > 0 ? ops->retry_ms : 50;
	char now[32];
	int r = -1, any;

	for (size_t i = 0; i < n; i++) {
		led[i] = window_close(ws[i], &stats[i]);
		sgs[i] = ws[i]->sg;
		res[i] = PGS_WRITE_FAIL;
	}
	if (!n || !pgs_window_groups(ws[0]->st, ws[0]->t->name)) {
		pgs_err("store '%s' cannot write windows as a group", n ? ws[0]->st->uri : "?");
		goto out;
	}
	for (int attempt = 1; attempt <= MAX_ATTEMPTS; attempt++) {
		long long t0 = pgs_mono_ms(), t1;

		memset(states, 0, n * sizeof(*states));
		if (ops->group_lock(sgs, n) < 0 || ops->group_inspect(sgs, n, states) < 0)
			goto out;
		t1 = pgs_mono_ms();
		pgs_info("group of %zu windows %s..%s: staged and inspected in %lld ms", n, ws[0]->from,
		    ws[n - 1]->to, t1 - t0);
		any = 0;
		for (size_t i = 0; i < n; i++) {
			window_stats(ws[i], &states[i], &stats[i]);
			res[i] = guards(ws[i], &states[i], &stats[i]);
			ok[i] = res[i] == PGS_WRITE_OK && !ws[i]->dry_run;
			any |= ok[i];
		}
		if (!any) {
			rc = PGS_WRITE_OK;   /* each window has its verdict; nothing to commit */
			goto out;
		}
		fault_sleep();
		pgs_now_iso(now, sizeof(now));
		for (size_t i = 0; i < n; i++) {
			nled[i] = ok[i] ? ws[i]->nscopes : 0;
			window_ledger(ws[i], digests[i], now, led[i]);
		}
		r = ops->group_apply(sgs, n, ok, states, (const struct pgs_ledger_entry *const *)led, nled);
		pgs_info("group of %zu windows %s..%s: apply and commit %lld ms", n, ws[0]->from,
		    ws[n - 1]->to, pgs_mono_ms() - t1);
		if (r != PGS_STORE_RETRY)
			break;
		pgs_info("group %s..%s changed under the write (attempt %d); again", ws[0]->from,
		    ws[n - 1]->to, attempt);
		backoff_sleep(&backoff);
	}
	if (r == PGS_STORE_RETRY)
		pgs_err("store '%s': the windows %s..%s kept changing under the write (%d attempts);"
		    " nothing written", ws[0]->st->uri, ws[0]->from, ws[n - 1]->to, MAX_ATTEMPTS);
	rc = r == 0 ? PGS_WRITE_OK : PGS_WRITE_FAIL;
out:
	if (rc == PGS_WRITE_FAIL)
		for (size_t i = 0; i < n; i++)
			res[i] = PGS_WRITE_FAIL;
	for (size_t i = 0; i < n; i++) {
		free(led[i]);
		window_free(ws[i]);   /* the first stage drops the group's staging */
	}
	free(states);
	free(led);
	free(nled);
	free(sgs);
	free(ok);
	return rc;
}
