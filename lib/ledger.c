/* ledger.c — done and stale summary days, from the write ledger (see ledger.h). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "ledger.h"
#include "util.h"

static void
copy_str(char *dst, size_t cap, const char *src)
{
	snprintf(dst, cap, "%s", src ? src : "");
}

static int
add(const struct pgs_ledger_entry *e, const char *config, struct pgs_lwin **v, size_t *n, size_t *cap)
{
	struct pgs_lwin *w;
	long a, b;

	if (!e->from || !e->to || !e->committed_at || pgs_date_parse(e->from, &a) < 0 ||
	    pgs_date_parse(e->to, &b) < 0 || a > b)
		return 0;
	if (*n == *cap) {
		*cap = *cap ? 2 * *cap : 64;
		*v = pgs_xrealloc(*v, *cap * sizeof(**v));
	}
	w = &(*v)[(*n)++];
	w->a = a;
	w->b = b;
	w->rows = e->rows;
	copy_str(w->from, sizeof(w->from), e->from);
	copy_str(w->to, sizeof(w->to), e->to);
	copy_str(w->committed, sizeof(w->committed), e->committed_at);
	copy_str(w->started, sizeof(w->started), e->started_at ? e->started_at : e->committed_at);
	copy_str(w->scope, sizeof(w->scope), e->scope);
	w->other_config = config && (!e->config || strcmp(e->config, config) != 0);
	return 0;
}

/* An entry of either table: one read of the ledger (on BigQuery, a job: a second or more). */
static int
on_entry(const struct pgs_ledger_entry *e, void *arg)
{
	struct pgs_ledger *l = arg;

	if (strcmp(e->table, PGS_TABLE_SUMMARY) == 0)
		return add(e, l->config, &l->sum, &l->nsum, &l->sumcap);
	if (strcmp(e->table, PGS_TABLE_RAW) == 0)
		return add(e, NULL, &l->raw, &l->nraw, &l->rawcap);
	/* a registry change (a first game that moved) stales the summary like a landing */
	if (strcmp(e->table, "players_registry") == 0) {
		struct pgs_ledger_entry r = *e;

		r.scope = PGS_LEDGER_REGISTRY;
		return add(&r, NULL, &l->raw, &l->nraw, &l->rawcap);
	}
	return 0;
}

int
pgs_ledger_load(struct pgs_ledger *l, pgs_store *st, const char *from, const char *to,
    const char *config)
{
	memset(l, 0, sizeof(*l));
	l->config = config;
	if (pgs_store_ledger(st, "*", from, to, on_entry, l) < 0)
		return -1;
	return 0;
}

void
pgs_ledger_free(struct pgs_ledger *l)
{
	free(l->sum);
	free(l->raw);
	memset(l, 0, sizeof(*l));
}

long *
pgs_ledger_latest(const struct pgs_ledger *l, long dfrom, long dto)
{
	long n = dto - dfrom + 1, *latest = pgs_xmalloc((size_t)(n > 0 ? n : 1) * sizeof(*latest));

	for (long d = 0; d < n; d++)
		latest[d] = -1;
	/* the latest commit wins a day; of two alike, the one the ledger lists last */
	for (size_t i = 0; i < l->nsum; i++)
		for (long d = l->sum[i].a > dfrom ? l->sum[i].a : dfrom; d <= l->sum[i].b && d <= dto; d++) {
			long *x = &latest[d - dfrom];

			if (*x < 0 || strcmp(l->sum[i].committed, l->sum[*x].committed) >= 0)
				*x = (long)i;
		}
	return latest;
}

/* The latest raw window (registry: registry change) covering a day of [a, b]
 * committed after summary window s's writer began, or -1. */
static long
newer(const struct pgs_ledger *l, size_t s, long a, long b, int registry)
{
	const char *began = l->sum[s].started;
	long best = -1;

	for (size_t i = 0; i < l->nraw; i++) {
		const struct pgs_lwin *r = &l->raw[i];

		if ((strcmp(r->scope, PGS_LEDGER_REGISTRY) == 0) != registry)
			continue;
		if (r->a <= b && r->b >= a && strcmp(r->committed, began) > 0 &&
		    (best < 0 || strcmp(r->committed, l->raw[best].committed) > 0))
			best = (long)i;
	}
	return best;
}

long
pgs_ledger_newer_raw(const struct pgs_ledger *l, size_t s, long a, long b)
{
	long r = newer(l, s, a, b, 0), g = newer(l, s, a, b, 1);

	return r < 0 ? g : g < 0 ? r : strcmp(l->raw[g].committed, l->raw[r].committed) > 0 ? g : r;
}

int
pgs_ledger_day_stale(const struct pgs_ledger *l, size_t s, long day)
{
	return newer(l, s, day, day, 1) >= 0;
}

int
pgs_ledger_judge(const struct pgs_ledger *l, size_t s)
{
	if (l->sum[s].other_config)
		return PGS_WIN_OTHER_CONFIG;
	if (newer(l, s, l->sum[s].a, l->sum[s].b, 0) >= 0)
		return PGS_WIN_RAW_NEWER;
	return PGS_WIN_GOOD;
}
