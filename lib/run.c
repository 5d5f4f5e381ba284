/* run.c — the rules of the batch coordinator (see run.h). */
#include "run.h"

#include <jansson.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dates.h"

int
pgs_batch_init(struct pgs_batch *b, const char *from, const char *to)
{
	long a, e;

	memset(b, 0, sizeof(*b));
	snprintf(b->from, sizeof(b->from), "%s", from);
	snprintf(b->to, sizeof(b->to), "%s", to);
	if (pgs_date_parse(from, &a) < 0 || pgs_date_parse(to, &e) < 0 || e < a)
		return -1;
	b->days = e - a + 1;
	b->status = PGS_BATCH_DONE;
	return 0;
}

int
pgs_batch_from_stats(struct pgs_batch *b, const char *line, size_t len, char *why, size_t whylen)
{
	struct pgs_stats st;
	json_t *o;
	int rejected;

	if (pgs_stats_parse(line, len, &st, why, whylen) < 0)
		return -1;
	if (!st.from[0] || !st.to[0] || pgs_batch_init(b, st.from, st.to) < 0)
		return pgs_fail(why, whylen, "no window (\"from\", \"to\")");
	/* (pgs_stats_parse has checked the line is a JSON object) */
	o = json_loadb(line, len, 0, NULL);
	rejected = o && (json_object_get(o, "rejected") || json_object_get(o, "rejected_upstream"));
	json_decref(o);
	if (st.refused[0]) {
		b->status = PGS_BATCH_REFUSED;
		b->code = 4;
		snprintf(b->refused, sizeof(b->refused), "%s", st.refused);
		pgs_refusal_message(st.refused, b->msg, sizeof(b->msg));
		return 0;
	}
	b->code = rejected ? 1 : 0;
	b->counts[0] = st.rows_in;
	b->counts[1] = st.inserted;
	b->counts[2] = st.updated;
	b->counts[3] = st.unchanged;
	b->counts[4] = st.deleted;
	return 0;
}

int
pgs_run_cause(const int *status, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (status[i] >= 2 && status[i] != 141 && status[i] != 4)
			return (int)i;
	for (size_t i = 0; i < n; i++)
		if (status[i] == 141)
			return (int)i;
	return -1;
}

/* The last line of log[0..len) that is the stage's own ("STAGE: ...", own) or names it. */
static int
last_line(const char *log, size_t len, const char *stage, int own, const char **at, size_t *n)
{
	size_t slen = strlen(stage);
	const char *p = log, *end = log + len;
	int found = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p);
		int ok = own ? l > slen + 1 && memcmp(p, stage, slen) == 0 && p[slen] == ':' && p[slen + 1] == ' '
		    : memmem(p, l, stage, slen) != NULL;

		if (ok) {
			*at = p;
			*n = l;
			found = 1;
		}
		p += l + 1;
	}
	return found;
}

void
pgs_run_stage_message(const char *stage, int code, const char *log, size_t len, char *out, size_t cap)
{
	const char *at = NULL, *sig = code > 128 && code < 128 + 65 ? sigabbrev_np(code - 128) : NULL;
	size_t n = 0;

	/* killed: by whom is not known, but not what it was doing (its last words are older) */
	if (sig) {
		snprintf(out, cap, "%s was killed (SIG%s)", stage, sig);
		return;
	}
	if (last_line(log, len, stage, 1, &at, &n)) {
		at += strlen(stage) + 2;
		n -= strlen(stage) + 2;
	} else if (!last_line(log, len, stage, 0, &at, &n))
		n = 0;
	if (n > 0)
		snprintf(out, cap, "%s exited %d: %.*s", stage, code, (int)n, at);
	else
		snprintf(out, cap, "%s exited %d", stage, code);
}

char *
pgs_run_fill(const char *arg, const char *windows, const char *from, const char *to)
{
	pgs_buf b = { 0 };

	for (const char *p = arg; *p; ) {
		if (windows && strncmp(p, "{}", 2) == 0) {
			pgs_buf_adds(&b, windows);
			p += 2;
		} else if (from && strncmp(p, "{from}", 6) == 0) {
			pgs_buf_adds(&b, from);
			p += 6;
		} else if (to && strncmp(p, "{to}", 4) == 0) {
			pgs_buf_adds(&b, to);
			p += 4;
		} else
			pgs_buf_add(&b, p++, 1);
	}
	return b.s ? b.s : pgs_xstrdup("");
}

long long
pgs_run_started_ms(const char *t0)
{
	long long us;

	if (t0 && *t0 && strspn(t0, "0123456789") == strlen(t0))
		return atoll(t0) / 1000;
	return (t0 && pgs_timestamp_parse(t0, &us) == 0 ? us : pgs_now_us()) / 1000;
}

size_t
pgs_run_chunk_size(size_t n, long jobs)
{
	size_t k = 4 * (size_t)(jobs > 0 ? jobs : 1);

	return n == 0 ? 1 : (n + k - 1) / k;
}

static void
list_add(struct pgs_run_list *l, char *s)
{
	l->v = pgs_xgrow(l->v, l->n, &l->cap, sizeof(*l->v));
	l->v[l->n++] = s;
}

static void
list_free(struct pgs_run_list *l)
{
	for (size_t i = 0; i < l->n; i++)
		free(l->v[i]);
	free(l->v);
	memset(l, 0, sizeof(*l));
}

void
pgs_run_totals_free(struct pgs_run_totals *t)
{
	list_free(&t->failed);
	list_free(&t->refused);
	free(t->seen);
	t->seen = NULL;
	t->nseen = t->capseen = 0;
}

/* Remove the line of batch b ("F..T  ...") from l. */
static void
list_drop(struct pgs_run_list *l, const struct pgs_batch *b)
{
	char *key = pgs_xasprintf("%s..%s  ", b->from, b->to);

	for (size_t i = 0; i < l->n; i++)
		if (strncmp(l->v[i], key, strlen(key)) == 0) {
			free(l->v[i]);
			memmove(l->v + i, l->v + i + 1, (l->n - i - 1) * sizeof(*l->v));
			l->n--;
			break;
		}
	free(key);
}

/* Add (sign 1) or take back (sign -1) b's share of the totals. */
static void
tally(struct pgs_run_totals *t, const struct pgs_batch *b, int sign)
{
	t->batches += sign;
	t->days += sign * b->days;
	if (b->status == PGS_BATCH_DONE)
		for (int i = 0; i < 5; i++)
			t->counts[i] += sign * b->counts[i];
	if (b->code == 1)
		t->rejected += sign;
	if (sign < 0) {
		list_drop(b->status == PGS_BATCH_FAILED ? &t->failed : &t->refused, b);
		return;
	}
	if (b->status == PGS_BATCH_FAILED)
		list_add(&t->failed, pgs_xasprintf("%s..%s  %s", b->from, b->to, b->msg));
	else if (b->status == PGS_BATCH_REFUSED)
		list_add(&t->refused, pgs_xasprintf("%s..%s  %s", b->from, b->to, b->msg));
}

void
pgs_run_account(struct pgs_run_totals *t, const struct pgs_batch *b)
{
	size_t i;

	for (i = 0; i < t->nseen; i++)
		if (strcmp(t->seen[i].from, b->from) == 0 && strcmp(t->seen[i].to, b->to) == 0)
			break;
	if (i < t->nseen) {
		if (t->seen[i].status == PGS_BATCH_DONE)
			return;
		tally(t, &t->seen[i], -1);
		t->seen[i] = *b;
	} else {
		t->seen = pgs_xgrow(t->seen, t->nseen, &t->capseen, sizeof(*t->seen));
		t->seen[t->nseen++] = *b;
	}
	tally(t, b, 1);
}

void
pgs_run_progress(const struct pgs_run_totals *t, long long elapsed_ms, pgs_buf *out)
{
	long long rate = elapsed_ms > 0 ? t->counts[0] * 1000LL / elapsed_ms : 0;
	long long eta = t->days > 0 ? elapsed_ms * (t->days_total - t->days) / t->days / 1000 : 0;

	pgs_buf_addf(out, "%ld/%ld batches  %ld/%ld days  %ld rows  %lld rows/s  eta %lld:%02lld:%02lld",
	    t->batches, t->batches_total, t->days, t->days_total, t->counts[0], rate, eta / 3600,
	    eta % 3600 / 60, eta % 60);
	if (t->failed.n)
		pgs_buf_addf(out, "  %zu failed", t->failed.n);
	if (t->refused.n)
		pgs_buf_addf(out, "  %zu refused", t->refused.n);
	if (t->stale)
		pgs_buf_addf(out, "  %ld stale windows redone", t->stale);
}

void
pgs_run_summary(const struct pgs_run_totals *t, const char *prog, const char *job, int dry_run,
    long long elapsed_ms, pgs_buf *out)
{
	long long tenths = elapsed_ms / 100;

	pgs_buf_addf(out, "%s: summary of job %s%s\n", prog, job, dry_run ? " (dry run: nothing committed)" : "");
	pgs_buf_addf(out, "  batches    %ld of %ld run, %zu failed, %zu refused\n", t->batches,
	    t->batches_total, t->failed.n, t->refused.n);
	pgs_buf_addf(out, "  days       %ld\n", t->days);
	if (t->stale)
		pgs_buf_addf(out, "  stale      %ld ledger windows redone\n", t->stale);
	pgs_buf_addf(out, "  rows       %ld in: %ld inserted, %ld updated, %ld unchanged, %ld deleted\n",
	    t->counts[0], t->counts[1], t->counts[2], t->counts[3], t->counts[4]);
	if (t->failed.n == 0)
		pgs_buf_adds(out, "  failed     none\n");
	for (size_t i = 0; i < t->failed.n; i++)
		pgs_buf_addf(out, "  failed     %s\n", t->failed.v[i]);
	for (size_t i = 0; i < t->refused.n; i++)
		pgs_buf_addf(out, "  refused    %s\n", t->refused.v[i]);
	pgs_buf_addf(out, "  wall time  %lld.%lld s\n", tenths / 10, tenths % 10);
}

/* The batches' names "F..T" of lines "F..T  message", space-separated. */
static void
names(const struct pgs_run_list *l, pgs_buf *out)
{
	for (size_t i = 0; i < l->n; i++) {
		const char *sp = strstr(l->v[i], "  ");

		if (i)
			pgs_buf_adds(out, " ");
		pgs_buf_add(out, l->v[i], sp ? (size_t)(sp - l->v[i]) : strlen(l->v[i]));
	}
}

int
pgs_run_end(const struct pgs_run_totals *t, const char *prog, int halted, pgs_buf *out)
{
	if (t->failed.n) {
		pgs_buf_addf(out, "%s: failed batches: ", prog);
		names(&t->failed, out);
		pgs_buf_adds(out, " (re-run to retry them)\n");
	}
	if (t->refused.n) {
		pgs_buf_addf(out, "%s: refused batches: ", prog);
		names(&t->refused, out);
		pgs_buf_adds(out, " (nothing written; see the summary)\n");
	}
	if (halted)
		pgs_buf_addf(out, "%s: stopped at the first batch that did not succeed (--halt-on-error)\n", prog);
	if (t->lost > 0 || (!halted && t->batches < t->batches_total)) {
		pgs_buf_addf(out, "%s: %ld batches gave no result (re-run to retry them)\n", prog,
		    t->batches_total - t->batches);
		if (!t->refused.n)
			return 3;
	}
	if (t->refused.n)
		return 4;
	if (t->failed.n || halted)
		return 3;
	return t->rejected ? 1 : 0;
}

/* The value after "--opt " in s[0..len), 10 characters (a date); NULL when absent. */
static const char *
opt_date(const char *s, size_t len, const char *opt)
{
	size_t ol = strlen(opt);

	for (const char *p = s; p + ol + 10 <= s + len; p++)
		if (memcmp(p, opt, ol) == 0 && p[ol] == ' ')
			return p + ol + 1;
	return NULL;
}

long
pgs_run_lost_hosts(const char *joblog, size_t len, const char *prog, pgs_buf *out)
{
	struct pgs_run_list hosts = { 0 }, lists = { 0 };
	const char *p = joblog, *end = joblog + len;
	long tries = 0;

	while (p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p)), *f[9], *q = p, *a, *b;
		size_t l = nl ? (size_t)(nl - p) : (size_t)(end - p), i, k = 0, hl;
		int missing;

		/* Seq Host Starttime JobRuntime Send Receive Exitval Signal Command */
		for (f[k++] = q; k < 9 && (q = memchr(q, '\t', (size_t)(p + l - q))); f[k++] = ++q)
			;
		p += l + 1;
		if (k < 9 || f[0][0] < '0' || f[0][0] > '9')
			continue;
		missing = strncmp(f[6], "127\t", 4) == 0;   /* no pgs-run there */
		if (!missing && strncmp(f[6], "255\t", 4) != 0)
			continue;
		a = opt_date(f[8], (size_t)(p - 1 - f[8]), "--from");
		b = opt_date(f[8], (size_t)(p - 1 - f[8]), "--to");
		if (!a || !b)
			continue;
		tries++;
		/* the host: the last word of GNU parallel's sshlogin */
		hl = (size_t)(f[2] - f[1] - 1);
		for (q = f[1] + hl; q > f[1] && q[-1] != ' '; q--)
			;
		hl = (size_t)(f[1] + hl - q);
		for (i = 0; i < hosts.n; i++)
			if (strlen(hosts.v[i]) == hl + 1 && memcmp(hosts.v[i], q, hl) == 0 &&
			    hosts.v[i][hl] == (missing ? '?' : '!'))
				break;
		if (i == hosts.n) {
			char *h = pgs_xasprintf("%.*s%c", (int)hl, q, missing ? '?' : '!');

			list_add(&hosts, h);
			list_add(&lists, pgs_xstrdup(""));
		}
		char *more = pgs_xasprintf("%s %.10s..%.10s", lists.v[i], a, b);

		free(lists.v[i]);
		lists.v[i] = more;
	}
	for (size_t i = 0; i < hosts.n; i++) {
		size_t hl = strlen(hosts.v[i]) - 1;

		if (hosts.v[i][hl] == '?')
			pgs_buf_addf(out, "%s: host %.*s: 'pgs-run' not found on PATH (--remote-path DIR names the "
			    "directory of the pgs tools there); no result for:%s\n", prog, (int)hl, hosts.v[i], lists.v[i]);
		else
			pgs_buf_addf(out, "%s: host %.*s was lost or could not be reached (ssh exited 255); no result "
			    "for:%s\n", prog, (int)hl, hosts.v[i], lists.v[i]);
	}
	list_free(&hosts);
	list_free(&lists);
	return tries;
}
