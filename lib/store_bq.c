/*
 * store_bq.c — BigQuery: bigquery://PROJECT/DATASET[?location=LOC], over
 * the REST API v2 with libcurl (lib/http.c's retries) and OAuth tokens from
 * lib/gauth.c.  Primitives only; the rules are in window.c and registry.c.
 *
 * A window write costs three jobs, whatever its size: the batch goes up
 * once as a load job (multipart NDJSON, explicit schema) into a staging
 * table of its own that expires by itself; one query inspects the window
 * against it (counts, the fence, the ledger's version); one multi-statement
 * transaction checks that the ledger did not move since, bumps the table's
 * row in pgs_table_versions, deletes the window's rows that changed or left
 * it, inserts the new and changed ones and the ledger rows, then COMMITs.
 * Every read of the table names the window's dates, so BigQuery prunes it
 * to the monthly partitions they touch (a MERGE with WHEN NOT MATCHED BY
 * SOURCE would read the whole table).  tabledata.insertAll is never used:
 * streamed rows cannot be touched by DML for ~30 minutes, which is how the
 * old backfill lost rows.
 *
 * Concurrency: BigQuery's transactions conflict only when they update or
 * delete rows of the same table; appends never do.  Two writers of an
 * overlapping window that holds no rows yet would both only insert, both
 * pass the ledger check on their snapshots, and both commit.  So every
 * commit updates its table's row in pgs_table_versions: two overlapping
 * commits always mutate the same table, and the second fails at COMMIT
 * ("Could not serialize access … due to concurrent update").  The loser,
 * like a writer whose ledger check saw an overlapping window committed
 * since its inspection, writes nothing; window.c inspects again (backing
 * off from 1 s, doubling), where the fence judges it.
 *
 * Idempotence and retries, as BigQuery's error documentation prescribes:
 * jobs.insert carries a client-chosen jobId (a retried POST that already
 * reached the server answers 409 and that job is polled, never run twice);
 * jobs.query carries a requestId, so an HTTP-level retry (429, 5xx,
 * backendError, rateLimitExceeded, internalError: lib/http.c and bq_call)
 * never runs a statement twice.  A job that was created and then failed
 * (jobBackendError, jobInternalError, jobRateLimitExceeded; a DONE job's
 * backendError), or was refused because the table's DML queue is full
 * (resourcesExceeded, "Too many DML statements outstanding"), is run again
 * as a new job, with a new id, after a backoff from 1 s doubling to 32 s:
 * the same id would only answer the same failed job.  quotaExceeded is not
 * retried: the error names the quota.
 *
 * Values travel as named query parameters.  Every identifier in the SQL is
 * quoted with backticks (the ledger has a column named `rows`, a reserved
 * word in GoogleSQL); the only names pasted into SQL are compiled in, or
 * the project and dataset, checked against BigQuery's rules for them when
 * the URI is parsed.  A table that exists already is checked against the
 * columns pgs writes before the first write to it.
 */
#include "store.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>
#include <sys/file.h>
#include <sys/mman.h>

#include <curl/curl.h>

#include "dates.h"
#include "dl_crypto.h" /* libcrypto and libcurl are loaded on first use */
#include "dl_curl.h"
#include "gauth.h"
#include "http.h"
#include "sql.h"
#include "util.h"

#define STAGE_TTL_MS (3600LL * 1000)  /* a staging table a crash left behind expires */
#define PAGE_ROWS "10000"
#define MAX_API_RETRIES 5
#define MAX_RACE_RETRIES 8
#define MAX_JOB_RETRIES 8             /* a failed job run again as a new job */
#define MAX_JOB_BACKOFF_MS 32000      /* BigQuery's SLA: from 1 s, doubling, up to 32 s */
#define VERSIONS "pgs_table_versions" /* one row per table: bumped by every window commit */
/* a load's data up to this size goes in one multipart request; more, resumable */
#define UPLOAD_MULTIPART_MAX (5L << 20)
/* what a 401 to PGS_BQ_TOKEN's token says (no token in it) */
#define ENV_TOKEN_REFUSED "the token given in PGS_BQ_TOKEN was refused (HTTP 401): such tokens" \
	" expire about an hour after they are made. Unset PGS_BQ_TOKEN to let pgs use Application" \
	" Default Credentials, which it renews itself (run 'gcloud auth application-default login'," \
	" or set GOOGLE_APPLICATION_CREDENTIALS to a key or credentials file), or give a fresh token" \
	" ('gcloud auth print-access-token')"

struct bq_store {
	pgs_store base;
	char *project, *dataset, *location;
	char *api, *upload;           /* ENDPOINT/bigquery/v2, ENDPOINT/upload/bigquery/v2 */
	pgs_http *http;
	pgs_gauth *auth;
	pgs_buf name[6];              /* scratch for table names */
	long present;                 /* all_tables[k] exists (bit k), after open */
	long checked;                 /* all_tables[k] was made or checked by this handle */
	char last[512];               /* the last failed call's reason and message */
	long versioned;               /* all_tables[k] has its row in pgs_table_versions (bit k) */
};

struct bq_stage {
	pgs_stage base;
	struct bq_store *b;
	const struct pgs_table *t;
	FILE *rows;                   /* the batch as NDJSON, for the load job */
	char table[64];               /* the staging table */
	int created, loaded;
	long long ledger_n;           /* overlapping ledger entries at inspection */
	long long versions;           /* the table's rows in pgs_table_versions at inspection */
	pgs_buf line;
};

/* BQ_AGAIN: the job was created and failed, or refused, for a reason that
 * passes: run it again as a new job (a new jobId or requestId). */
enum { BQ_OK = 0, BQ_FAIL = -1, BQ_CONFLICT = 1, BQ_NOTFOUND = 2, BQ_RACE = 3, BQ_AGAIN = 4 };

/* ---- small helpers ---- */

static void
random_hex(char *out, size_t bytes)
{
	unsigned char r[32];

	if (bytes > sizeof(r))
		bytes = sizeof(r);
	if (RAND_bytes(r, (int)bytes) != 1)
		for (size_t i = 0; i < bytes; i++)
			r[i] = (unsigned char)((unsigned long long)pgs_now_us() >> (i % 7 * 8));
	for (size_t i = 0; i < bytes; i++)
		snprintf(out + 2 * i, 3, "%02x", r[i]);
}

static void
sleep_ms(long ms)
{
	struct timespec ts = { ms / 1000, (ms % 1000) * 1000000L };

	nanosleep(&ts, NULL);
}

/* `project.dataset.table` as SQL, in scratch slot k. */
static const char *
fq(struct bq_store *b, int k, const char *table)
{
	pgs_buf_reset(&b->name[k]);
	pgs_buf_addf(&b->name[k], "`%s.%s.%s`", b->project, b->dataset, table);
	return b->name[k].s;
}

static char *
esc(const char *s)
{
	char *e = curl_easy_escape(NULL, s, 0), *r = pgs_xstrdup(e ? e : "");

	curl_free(e);
	return r;
}

/* base + path (printf-style). */
static char *
url(struct bq_store *b, const char *base, const char *fmt, ...) __attribute__((format(printf, 3, 4)));

static char *
url(struct bq_store *b, const char *base, const char *fmt, ...)
{
	pgs_buf u = { 0 };
	char *tail = NULL;
	va_list ap;

	(void)b;
	va_start(ap, fmt);
	if (vasprintf(&tail, fmt, ap) < 0)
		tail = NULL;
	va_end(ap);
	pgs_buf_addf(&u, "%s%s", base, tail ? tail : "");
	free(tail);
	return u.s;
}

/* A job's URL: API + "/projects/P/<what>/JOB" + query, with location= —
 * the calls on a job (jobs.get, getQueryResults) take it as a parameter
 * and find a job outside the US only with it; the others take it in the
 * body or not at all. */
static char *
job_url(struct bq_store *b, const char *what, const char *job, const char *query)
{
	char *loc = b->location ? esc(b->location) : NULL, *u;

	u = pgs_xasprintf("%s/projects/%s/%s/%s%s%s%s%s", b->api, b->project, what, job,
	    query && *query ? "?" : "", query ? query : "", loc ? (query && *query ? "&location=" :
	    "?location=") : "", loc ? loc : "");
	free(loc);
	return u;
}

/* ---- identifiers ---- */

/* `name`, or alias.`name`, appended to q.  Every identifier pgs sends is
 * quoted: a column may be a reserved word (`rows`). */
static void
qid(pgs_buf *q, const char *alias, const char *name)
{
	pgs_buf_addf(q, "%s%s`%s`", alias ? alias : "", alias ? "." : "", name);
}

/* "YYYY-MM-DDTHH:MM:SS.ffffffZ" from µs since the epoch. */
static void
iso_us(long long us, char out[32])
{
	char sec[21];

	if (pgs_timestamp_format(us - ((us % 1000000) + 1000000) % 1000000, sec) < 0) {
		snprintf(out, 32, "%s", "");
		return;
	}
	sec[19] = '\0';
	snprintf(out, 32, "%s.%06lldZ", sec, ((us % 1000000) + 1000000) % 1000000);
}

/* ---- API calls ---- */

static void
api_error(json_t *doc, const char **reason, const char **message)
{
	json_t *e = json_object_get(doc, "error");

	*reason = json_string_value(json_object_get(json_array_get(json_object_get(e, "errors"), 0),
	    "reason"));
	*message = json_string_value(json_object_get(e, "message"));
}

/* quotaExceeded is not retried: the quota refills on its own schedule (a
 * day, for most), and BigQuery's message names it. */
#define QUOTA_HINT "a BigQuery quota is used up (not retried: wait until it refills, or raise it): "

/* An API call that failed for a reason that passes: the same request again. */
static int
transient(const char *reason)
{
	return reason && (strcmp(reason, "backendError") == 0 ||
	    strcmp(reason, "rateLimitExceeded") == 0 || strcmp(reason, "internalError") == 0);
}

/*
 * A job that was created and failed for a reason that passes (BigQuery's
 * error table: "retry the job with a new jobId or requestId"), or that was
 * refused because its table's DML queue is full: a new job, after a while.
 */
static int
job_again(const char *reason, const char *message)
{
	return reason && (strcmp(reason, "jobBackendError") == 0 ||
	    strcmp(reason, "jobInternalError") == 0 || strcmp(reason, "jobRateLimitExceeded") == 0 ||
	    (strcmp(reason, "resourcesExceeded") == 0 && message &&
	    strstr(message, "Too many DML statements outstanding")));
}

/* Lost a race with a concurrent transaction, or pgs's own version check did. */
static int
race(const char *message)
{
	return message && (strstr(message, "Could not serialize access") ||
	    strstr(message, "due to concurrent update") || strstr(message, "pgs-retry:"));
}

/* ms or up to half as much again, at random: writers that a rate limit turned away together
 * do not come back together (Google's truncated exponential backoff adds the same). */
static long
jitter(long ms)
{
	static unsigned seed;

	if (!seed)
		seed = (unsigned)getpid() ^ (unsigned)pgs_now_us();
	return ms + (long)(rand_r(&seed) % (ms / 2 + 1));
}

/*
 * One API call.  body is JSON text (or NULL), ctype its type (NULL: JSON);
 * extra is one more header line, or NULL.
 * A 401 refreshes the token once (a 401 to PGS_BQ_TOKEN says how to mend
 * it: pgs cannot renew that token); 429/5xx are retried by lib/http, the
 * API's transient errors here.  BQ_OK with *resp (a new reference, may be
 * NULL), BQ_CONFLICT (409), BQ_NOTFOUND (404), BQ_RACE (a serialization
 * conflict), BQ_AGAIN (see job_again), or BQ_FAIL after reporting; with
 * errmsg, a failure is not reported but its message copied there
 * (errmsg_cap bytes).  Every failure's reason and message are kept in
 * b->last.
 */
static int
bq_call(struct bq_store *b, const char *method, const char *u, const char *body, size_t bodylen,
    const char *ctype, const char *extra, json_t **resp, char *errmsg, size_t errmsg_cap)
{
	pgs_buf ans = { 0 }, auth = { 0 }, ct = { 0 };
	const char *hdrs[4] = { NULL, NULL, NULL, NULL }, *reason = NULL, *message = NULL, *tok;
	struct pgs_http_req r = { method, u, hdrs, body, bodylen, 1 };
	char *shown = pgs_http_redact(u);
	json_t *doc = NULL;
	long status = 0;
	int refreshed = 0, quota, rc = BQ_FAIL;

	*resp = NULL;
	for (int attempt = 0;; attempt++) {
		if (!(tok = pgs_gauth_token(b->auth)))
			goto out;
		pgs_buf_reset(&auth);
		pgs_buf_addf(&auth, "Authorization: Bearer %s", tok);
		pgs_buf_reset(&ct);
		pgs_buf_addf(&ct, "Content-Type: %s", ctype ? ctype : "application/json; charset=UTF-8");
		hdrs[0] = auth.s;
		hdrs[1] = body ? ct.s : extra;
		hdrs[2] = body ? extra : NULL;
		if (pgs_http_request(b->http, &r, &ans, &status) < 0)
			goto out;
		json_decref(doc);
		doc = ans.len ? json_loadb(ans.s, ans.len, 0, NULL) : NULL;
		if (status >= 200 && status < 300) {
			*resp = doc;
			doc = NULL;
			rc = BQ_OK;
			goto out;
		}
		if (status == 401 && !refreshed) {
			if (pgs_gauth_refresh(b->auth) == 0) {
				refreshed = 1;
				continue;
			}
			/* PGS_BQ_TOKEN's, which pgs cannot renew: most likely its hour is up */
			if (errmsg)
				snprintf(errmsg, errmsg_cap, "%s", ENV_TOKEN_REFUSED);
			else
				pgs_err("store '%s': %s", b->base.uri, ENV_TOKEN_REFUSED);
			goto out;
		}
		api_error(doc, &reason, &message);
		if (status == 409) {
			rc = BQ_CONFLICT;
			goto out;
		}
		if (status == 404) {
			rc = BQ_NOTFOUND;
			goto out;
		}
		snprintf(b->last, sizeof(b->last), "%s%s%s", reason ? reason : "", reason ? ": " : "",
		    message ? message : "no message");
		if (race(message)) {
			rc = BQ_RACE;
			goto out;
		}
		if (job_again(reason, message)) {
			rc = BQ_AGAIN;
			goto out;
		}
		if ((transient(reason) || status == 429 || status >= 500) && attempt < MAX_API_RETRIES) {
			pgs_info("%s %s: HTTP %ld %s; again", method, shown, status, reason ? reason : "");
			sleep_ms(jitter(500L << attempt));
			continue;
		}
		break;
	}
	quota = reason && strcmp(reason, "quotaExceeded") == 0;
	if (errmsg)
		snprintf(errmsg, errmsg_cap, "%s%s", quota ? QUOTA_HINT : "",
		    message ? message : "no message");
	else if (quota)
		pgs_err("store '%s': %s%s", b->base.uri, QUOTA_HINT, message ? message : "no message");
	else
		pgs_err("store '%s': %s %s: HTTP %ld%s%s: %s", b->base.uri, method, shown, status,
		    reason ? " " : "", reason ? reason : "", message ? message : "no message");
out:
	json_decref(doc);
	pgs_buf_free(&ans);
	if (auth.s)
		memset(auth.s, 0, auth.len);
	pgs_buf_free(&auth);
	pgs_buf_free(&ct);
	free(shown);
	return rc;
}

static int
bq_json(struct bq_store *b, const char *method, const char *u, json_t *req, json_t **resp,
    char *errmsg, size_t cap)
{
	char *text = req ? json_dumps(req, JSON_COMPACT) : NULL;
	int rc = bq_call(b, method, u, text, text ? strlen(text) : 0, NULL, NULL, resp, errmsg, cap);

	free(text);
	return rc;
}

/* ---- query parameters ---- */

static void
param(json_t *ps, const char *name, const char *type, const char *value)
{
	json_array_append_new(ps, json_pack("{s:s, s:{s:s}, s:{s:o}}", "name", name,
	    "parameterType", "type", type, "parameterValue", "value",
	    value ? json_string(value) : json_null()));
}

static void
param_int(json_t *ps, const char *name, long long v)
{
	char buf[32];

	snprintf(buf, sizeof(buf), "%lld", v);
	param(ps, name, "INT64", buf);
}

/* ARRAY<type> of n values, every stride-th of v. */
static void
param_array(json_t *ps, const char *name, const char *type, const char *const *v, size_t n,
    size_t stride)
{
	json_t *vals = json_array();

	for (size_t i = 0; i < n; i++)
		json_array_append_new(vals, json_pack("{s:o}", "value",
		    v[i * stride] ? json_string(v[i * stride]) : json_null()));
	json_array_append_new(ps, json_pack("{s:s, s:{s:s, s:{s:s}}, s:{s:o}}", "name", name,
	    "parameterType", "type", "ARRAY", "arrayType", "type", type,
	    "parameterValue", "arrayValues", vals));
}

/* ---- queries ---- */

typedef int (*row_fn)(json_t *f, void *arg);

/* Column i of a row (an "f" array) as text; NULL for SQL NULL. */
static const char *
cell(json_t *f, size_t i)
{
	return json_string_value(json_object_get(json_array_get(f, i), "v"));
}

static long long
cell_int(json_t *f, size_t i)
{
	const char *s = cell(f, i);

	return s ? atoll(s) : 0;
}

/* How long before the n-th (from 0) run of a failed job again: 1 s, doubling, up to 32 s. */
static long
job_backoff(int n)
{
	long ms = 1000L << (n < 6 ? n : 6);

	return ms > MAX_JOB_BACKOFF_MS ? MAX_JOB_BACKOFF_MS : ms;
}

/*
 * One run of sql as one job (a new requestId), its rows handed to fn page
 * by page.  *delivered counts the rows handed over.  BQ_OK, BQ_RACE,
 * BQ_AGAIN, or BQ_FAIL (reported unless errmsg; or fn returned -1).
 */
static int
query_once(struct bq_store *b, const char *sql, json_t *ps, row_fn fn, void *arg, char *errmsg,
    size_t cap, long *delivered)
{
	json_t *req, *resp = NULL, *rows;
	char request_id[40], *u = NULL, *job = NULL, *tok = NULL;
	int rc;

	random_hex(request_id, 16);
	req = json_pack("{s:s, s:b, s:s, s:O, s:s, s:i, s:i}", "query", sql, "useLegacySql", 0,
	    "parameterMode", "NAMED", "queryParameters", ps, "requestId", request_id,
	    "maxResults", atoi(PAGE_ROWS), "timeoutMs", 10000);
	if (b->location)
		json_object_set_new(req, "location", json_string(b->location));
	u = url(b, b->api, "/projects/%s/queries", b->project);
	rc = bq_json(b, "POST", u, req, &resp, errmsg, cap);
	json_decref(req);
	free(u);
	if (rc == BQ_RACE || rc == BQ_FAIL || rc == BQ_AGAIN)
		return rc;
	if (rc != BQ_OK) {
		if (errmsg)
			snprintf(errmsg, cap, "unexpected answer to jobs.query");
		else
			pgs_err("store '%s': unexpected answer to jobs.query", b->base.uri);
		return BQ_FAIL;
	}
	job = pgs_xstrdup(json_string_value(json_object_get(json_object_get(resp, "jobReference"),
	    "jobId")) ?: "");
	for (;;) {
		/* a failed job is an HTTP error of jobs.query or getQueryResults; "errors"
		 * in a 200 answer may be warnings */
		if (json_is_true(json_object_get(resp, "jobComplete"))) {
			rows = json_object_get(resp, "rows");
			for (size_t i = 0; fn && i < json_array_size(rows); i++, (*delivered)++)
				if (fn(json_object_get(json_array_get(rows, i), "f"), arg) < 0) {
					rc = BQ_FAIL;
					goto out;
				}
			free(tok);
			tok = json_string_value(json_object_get(resp, "pageToken")) ?
			    esc(json_string_value(json_object_get(resp, "pageToken"))) : NULL;
			if (!tok || !fn)
				break;
		}
		/* not done yet, or another page: getQueryResults */
		if (!*job) {
			pgs_err("store '%s': jobs.query answered without a job id", b->base.uri);
			rc = BQ_FAIL;
			break;
		}
		json_decref(resp);
		resp = NULL;
		{
			char *qs = pgs_xasprintf("maxResults=" PAGE_ROWS "&timeoutMs=10000%s%s",
			    tok ? "&pageToken=" : "", tok ? tok : "");

			u = job_url(b, "queries", job, qs);
			free(qs);
		}
		rc = bq_json(b, "GET", u, NULL, &resp, errmsg, cap);
		free(u);
		if (rc != BQ_OK)
			break;
	}
out:
	free(tok);
	free(job);
	json_decref(resp);
	return rc;
}

/*
 * Run sql (GoogleSQL, named parameters ps — stolen) as one job and hand
 * every result row to fn, page by page: memory holds one page.  A job that
 * failed for a reason that passes (BQ_AGAIN) runs again as a new job,
 * backing off, as long as none of its rows were handed over.  BQ_OK,
 * BQ_RACE (lost to a concurrent transaction; nothing done), or BQ_FAIL
 * (reported; or fn returned -1).  With errmsg, a failed query is not
 * reported but its message copied there.
 */
static int
bq_query(struct bq_store *b, const char *sql, json_t *ps, row_fn fn, void *arg, char *errmsg,
    size_t cap)
{
	long delivered = 0;
	int rc = BQ_FAIL;

	if (!ps)
		ps = json_array();
	for (int n = 0;; n++) {
		rc = query_once(b, sql, ps, fn, arg, errmsg, cap, &delivered);
		if (rc != BQ_AGAIN)
			break;
		if (delivered > 0 || n + 1 >= MAX_JOB_RETRIES) {
			if (errmsg)
				snprintf(errmsg, cap, "the job kept failing (%d runs): %.400s", n + 1, b->last);
			else
				pgs_err("store '%s': a query job kept failing (%d runs, each a new job): %s",
				    b->base.uri, n + 1, b->last);
			rc = BQ_FAIL;
			break;
		}
		pgs_info("store '%s': the job failed (%s); again as a new job in %ld ms", b->base.uri,
		    b->last, job_backoff(n));
		sleep_ms(job_backoff(n));
	}
	json_decref(ps);
	return rc;
}

/* A statement (or script) that is run again when it loses a race, backing
 * off from 1 s, doubling, capped at 16 s.  BQ_OK or BQ_FAIL. */
static int
bq_exec(struct bq_store *b, const char *what, const char *sql, json_t *ps, char *errmsg, size_t cap)
{
	long wait = 1000;
	int rc = BQ_FAIL;

	for (int i = 0; i < MAX_RACE_RETRIES; i++) {
		rc = bq_query(b, sql, json_deep_copy(ps), NULL, NULL, errmsg, cap);
		if (rc != BQ_RACE)
			break;
		pgs_info("store '%s': %s lost a race with a concurrent transaction; again in %ld ms",
		    b->base.uri, what, wait);
		sleep_ms(wait);
		wait = wait * 2 > 16000 ? 16000 : wait * 2;
	}
	json_decref(ps);
	if (rc == BQ_RACE) {
		pgs_err("store '%s': %s kept losing races with concurrent transactions", b->base.uri, what);
		rc = BQ_FAIL;
	}
	return rc;
}

/* ---- jobs ---- */

/* Poll job until DONE: BQ_OK, BQ_RACE, BQ_AGAIN (it failed for a reason
 * that passes: run it again as a new job), or BQ_FAIL (reported). */
static int
job_wait(struct bq_store *b, const char *job)
{
	long wait = 100;
	int rc;

	for (;;) {
		json_t *resp = NULL, *st, *er;
		char *u = job_url(b, "jobs", job, NULL);
		const char *state, *msg, *reason;

		rc = bq_json(b, "GET", u, NULL, &resp, NULL, 0);
		free(u);
		if (rc != BQ_OK) {
			json_decref(resp);
			return rc == BQ_RACE ? BQ_RACE : BQ_FAIL;
		}
		st = json_object_get(resp, "status");
		state = json_string_value(json_object_get(st, "state"));
		if (state && strcmp(state, "DONE") == 0) {
			er = json_object_get(st, "errorResult");
			msg = json_string_value(json_object_get(er, "message"));
			reason = json_string_value(json_object_get(er, "reason"));
			if (er)
				snprintf(b->last, sizeof(b->last), "%s%s%s", reason ? reason : "",
				    reason ? ": " : "", msg ? msg : "no message");
			/* a DONE job's backendError is the job's own failure: only a new job helps */
			rc = !er ? BQ_OK : race(msg) ? BQ_RACE :
			    job_again(reason, msg) || transient(reason) ? BQ_AGAIN : BQ_FAIL;
			if (rc == BQ_FAIL)
				pgs_err("store '%s': job %s failed: %s%s", b->base.uri, job,
				    reason && strcmp(reason, "quotaExceeded") == 0 ? QUOTA_HINT : "",
				    msg ? msg : "no message");
			json_decref(resp);
			return rc;
		}
		json_decref(resp);
		/* jobs.get has no long poll (load jobs have no getQueryResults): poll
		 * every half second at most, or each load's end waits for up to 2 s */
		sleep_ms(wait);
		wait = wait * 2 > 500 ? 500 : wait * 2;
	}
}

/* ---- schema ---- */

static const char *
bq_type(enum pgs_ftype t)
{
	switch (t) {
	case PGS_T_INT:
		return "INT64";
	case PGS_T_REAL:
		return "FLOAT64";
	case PGS_T_BOOL:
		return "BOOL";
	case PGS_T_DATE:
		return "DATE";
	default:
		return "STRING";
	}
}

static json_t *
field(const char *name, const char *type, const char *mode)
{
	return json_pack("{s:s, s:s, s:s}", "name", name, "type", type, "mode", mode);
}

static int
is_key(const struct pgs_table *t, size_t i)
{
	for (size_t k = 0; k < t->nkeys; k++)
		if ((size_t)t->keys[k] == i)
			return 1;
	return 0;
}

/* The schema fields of a row table (its stage too). */
static json_t *
row_fields(const struct pgs_table *t)
{
	json_t *f = json_array();

	for (size_t i = 0; i < t->nf; i++)
		json_array_append_new(f, field(t->f[i].name, bq_type(t->f[i].type),
		    t->f[i].type == PGS_T_JSON ? "REPEATED" : is_key(t, i) ? "REQUIRED" : "NULLABLE"));
	if (t->raw) {
		json_array_append_new(f, field("seq", "INT64", "NULLABLE"));
		json_array_append_new(f, field("doc", "STRING", "NULLABLE"));
	}
	json_array_append_new(f, field("row_digest", "STRING", "NULLABLE"));
	return f;
}

/* The other tables: "name:TYPE" lists. */
static const struct {
	const char *name;
	const char *const cols[12];
} other_tables[] = {
	{ "pgs_windows", { "tbl:STRING", "scope:STRING", "from_date:DATE", "to_date:DATE",
	    "rows:INT64", "digest:STRING", "config:STRING", "run_id:STRING", "run_started_us:INT64",
	    "started_at:TIMESTAMP", "committed_at:TIMESTAMP", NULL } },
	{ "players_registry", { "universal_player_id:STRING", "player_lookup:STRING",
	    "player_full_name:STRING", "first_game_id:STRING", "created_at:TIMESTAMP", NULL } },
	{ "player_source_ids", { "source:STRING", "source_player_id:STRING",
	    "universal_player_id:STRING", NULL } },
	{ "player_aliases", { "alias_lookup:STRING", "universal_player_id:STRING", "rule:STRING",
	    "created_at:TIMESTAMP", NULL } },
	{ "unresolved_player_names", { "player_lookup:STRING", "source:STRING", "player_name:STRING",
	    "team_abbr:STRING", "first_game_id:STRING", "first_game_date:DATE",
	    "last_game_date:DATE", "occurrences:INT64", NULL } },
	{ "player_team_seasons", { "universal_player_id:STRING", "team_abbr:STRING",
	    "season_year:INT64", NULL } },
	/* BigQuery's own: the row of a table that every window commit updates (see the top) */
	{ VERSIONS, { "tbl:STRING", "version:INT64", "run_id:STRING", "committed_at:TIMESTAMP",
	    NULL } },
};

/* The history's own columns, after the summary table's (see store.h). */
static const char *const history_cols[] = { "valid_to:TIMESTAMP", "superseded_by_run:STRING",
	"window_from:DATE", "window_to:DATE", "reason:STRING", NULL };

static json_t *
table_def(struct bq_store *b, const char *name)
{
	json_t *def, *fields = NULL;
	int history = strcmp(name, PGS_TABLE_HISTORY) == 0 || strcmp(name, PGS_TABLE_RAW_HISTORY) == 0;
	const struct pgs_table *t = pgs_table_get(strcmp(name, PGS_TABLE_RAW) == 0 ||
	    strcmp(name, PGS_TABLE_RAW_HISTORY) == 0 ? PGS_TABLE_RAW :
	    strcmp(name, PGS_TABLE_SUMMARY) == 0 || history ? PGS_TABLE_SUMMARY : "none");

	if (t)
		fields = row_fields(t);
	/* the commit that made the row's version; the history adds when it ended, and why */
	if (t)
		json_array_append_new(fields, field("valid_from", "TIMESTAMP", "NULLABLE"));
	for (size_t i = 0; history && history_cols[i]; i++) {
		char *n = pgs_xstrndup(history_cols[i], strcspn(history_cols[i], ":"));

		json_array_append_new(fields, field(n, strchr(history_cols[i], ':') + 1, "NULLABLE"));
		free(n);
	}
	for (size_t i = 0; !fields && i < sizeof(other_tables) / sizeof(other_tables[0]); i++) {
		if (strcmp(other_tables[i].name, name) != 0)
			continue;
		fields = json_array();
		for (const char *const *c = other_tables[i].cols; *c; c++) {
			char *n = pgs_xstrndup(*c, strcspn(*c, ":"));

			json_array_append_new(fields, field(n, strchr(*c, ':') + 1, "NULLABLE"));
			free(n);
		}
	}
	def = json_pack("{s:{s:s, s:s, s:s}, s:{s:o}}", "tableReference", "projectId", b->project,
	    "datasetId", b->dataset, "tableId", name, "schema", "fields", fields);
	/*
	 * Monthly partitions on game_date: a backfill's ~31 months stay far from
	 * BigQuery's partition limits and partitions far from too small (a day is
	 * ~100 rows), yet a weekly batch's MERGE reads one or two of them.
	 * Clustering by the key makes the MERGE's join and the window reads cheap.
	 */
	if (t) {
		json_object_set_new(def, "timePartitioning", json_pack("{s:s, s:s}", "type", "MONTH",
		    "field", "game_date"));
		json_object_set_new(def, "clustering", json_pack("{s:[s, s]}", "fields",
		    t->raw ? "source" : "game_id", t->raw ? "game_id" : "player_lookup"));
	}
	return def;
}

static const char *const all_tables[] = {
	"player_game_summary", "raw_boxscores", "pgs_windows", "players_registry",
	"player_source_ids", "player_aliases", "unresolved_player_names", "player_team_seasons",
	VERSIONS, PGS_TABLE_HISTORY, PGS_TABLE_RAW_HISTORY,
};
#define NTABLES (sizeof(all_tables) / sizeof(all_tables[0]))

static int
table_index(const char *name)
{
	for (size_t k = 0; k < NTABLES; k++)
		if (strcmp(name, all_tables[k]) == 0)
			return (int)k;
	return -1;
}

/* Which of the tables exist (bits), from tables.list, page by page (a
 * dataset may hold more tables than a page); -1 on error. */
static long
tables_present(struct bq_store *b)
{
	json_t *resp = NULL, *list;
	char *u, *tok = NULL;
	long bits = 0;
	int rc, k;

	do {
		u = url(b, b->api, "/projects/%s/datasets/%s/tables?maxResults=1000%s%s", b->project,
		    b->dataset, tok ? "&pageToken=" : "", tok ? tok : "");
		free(tok);
		tok = NULL;
		rc = bq_json(b, "GET", u, NULL, &resp, NULL, 0);
		free(u);
		if (rc == BQ_NOTFOUND)
			return 0;
		if (rc != BQ_OK)
			return -1;
		list = json_object_get(resp, "tables");
		for (size_t i = 0; i < json_array_size(list); i++) {
			const char *id = json_string_value(json_object_get(json_object_get(
			    json_array_get(list, i), "tableReference"), "tableId"));

			if (id && (k = table_index(id)) >= 0)
				bits |= 1L << k;
		}
		if (json_string_value(json_object_get(resp, "nextPageToken")))
			tok = esc(json_string_value(json_object_get(resp, "nextPageToken")));
		json_decref(resp);
		resp = NULL;
	} while (tok);
	return bits;
}

/* A REST type name as GoogleSQL's (tables.get answers INTEGER for INT64, …). */
static const char *
std_type(const char *t)
{
	static const char *const alias[][2] = { { "INTEGER", "INT64" }, { "FLOAT", "FLOAT64" },
		{ "BOOLEAN", "BOOL" }, { "RECORD", "STRUCT" } };

	for (size_t i = 0; t && i < sizeof(alias) / sizeof(alias[0]); i++)
		if (strcmp(t, alias[i][0]) == 0)
			return alias[i][1];
	return t ? t : "?";
}

/*
 * An existing table against the columns pgs writes (one tables.get): every
 * column pgs needs is there with its type and mode, and no column pgs does
 * not know is REQUIRED (its inserts would fail).  A NULLABLE column a table
 * made by an older pgs lacks is added (one ALTER TABLE job, said on
 * stderr), as SQLite and PostgreSQL add theirs; any other difference is
 * named.  0, or -1 after reporting.
 */
static int
check_table(struct bq_store *b, const char *name)
{
	json_t *want = table_def(b, name), *resp = NULL, *have, *wf = NULL, *hf;
	char *u = url(b, b->api, "/projects/%s/datasets/%s/tables/%s", b->project, b->dataset, name);
	int rc = bq_json(b, "GET", u, NULL, &resp, NULL, 0), bad = 0;
	pgs_buf add = { 0 }, added = { 0 };

	free(u);
	if (rc != BQ_OK) {
		if (rc == BQ_NOTFOUND)
			pgs_err("store '%s': table %s is gone", b->base.uri, name);
		goto out;
	}
	wf = json_object_get(json_object_get(want, "schema"), "fields");
	have = json_object_get(json_object_get(resp, "schema"), "fields");
	for (size_t i = 0; i < json_array_size(wf); i++) {
		const char *col = json_string_value(json_object_get(json_array_get(wf, i), "name"));
		const char *wt = json_string_value(json_object_get(json_array_get(wf, i), "type"));
		const char *wm = json_string_value(json_object_get(json_array_get(wf, i), "mode"));
		const char *ht = NULL, *hm = NULL;
		size_t j;

		for (j = 0; j < json_array_size(have); j++) {
			hf = json_array_get(have, j);
			if (strcasecmp(json_string_value(json_object_get(hf, "name")) ?: "", col) == 0) {
				ht = json_string_value(json_object_get(hf, "type"));
				hm = json_string_value(json_object_get(hf, "mode"));
				break;
			}
		}
		if (j == json_array_size(have) && strcmp(wm, "NULLABLE") == 0) {
			/* a table made by an older pgs: the column added */
			pgs_buf_addf(&add, "%s ADD COLUMN IF NOT EXISTS `%s` %s", add.len ? "," : "", col,
			    std_type(wt));
			pgs_buf_addf(&added, "%s%s %s", added.len ? ", " : "", col, std_type(wt));
		} else if (j == json_array_size(have)) {
			pgs_err("store '%s': table %s has no column %s (%s %s), and BigQuery adds no"
			    " REQUIRED column to a table", b->base.uri, name, col, wt, wm);
			bad++;
		} else if (strcmp(std_type(ht), std_type(wt)) != 0 ||
		    strcmp(hm ? hm : "NULLABLE", wm) != 0) {
			pgs_err("store '%s': table %s: column %s is %s %s, pgs writes %s %s", b->base.uri,
			    name, col, std_type(ht), hm ? hm : "NULLABLE", wt, wm);
			bad++;
		}
	}
	for (size_t j = 0; j < json_array_size(have); j++) {
		const char *col = json_string_value(json_object_get(json_array_get(have, j), "name"));
		const char *hm = json_string_value(json_object_get(json_array_get(have, j), "mode"));
		size_t i;

		for (i = 0; col && i < json_array_size(wf); i++)
			if (strcasecmp(json_string_value(json_object_get(json_array_get(wf, i), "name")),
			    col) == 0)
				break;
		if (col && i == json_array_size(wf) && hm && strcmp(hm, "REQUIRED") == 0) {
			pgs_err("store '%s': table %s: column %s is REQUIRED, and pgs does not write it",
			    b->base.uri, name, col);
			bad++;
		}
	}
	if (bad && added.len)
		pgs_err("store '%s': table %s has no column %s (NULLABLE), which pgs adds to a table"
		    " otherwise its own", b->base.uri, name, added.s);
	if (bad)
		pgs_err("store '%s': table %s does not have the columns pgs writes; nothing written"
		    " (a table made by another version or by hand?)", b->base.uri, name);
	rc = bad ? BQ_FAIL : BQ_OK;
	if (rc == BQ_OK && add.len) {
		char *sql = pgs_xasprintf("ALTER TABLE `%s.%s.%s`%s", b->project, b->dataset, name, add.s);
		char msg[600];

		/* (IF NOT EXISTS: a concurrent writer may add them first) */
		rc = bq_exec(b, "adding columns", sql, json_array(), msg, sizeof(msg));
		if (rc == BQ_OK)
			pgs_warn("store '%s': table %s was made by an older pgs: added %s", b->base.uri,
			    name, added.s);
		else
			pgs_err("store '%s': table %s has no column %s and adding it failed: %s",
			    b->base.uri, name, added.s, msg);
		free(sql);
	}
out:
	pgs_buf_free(&add);
	pgs_buf_free(&added);
	json_decref(want);
	json_decref(resp);
	return rc == BQ_OK ? 0 : -1;
}

/* Check each of the named tables once per handle, before the first write to it. */
static int
check_tables(struct bq_store *b, const char *const *names)
{
	int k;

	for (; *names; names++) {
		if ((k = table_index(*names)) < 0 || (b->checked & (1L << k)))
			continue;
		if (check_table(b, *names) < 0)
			return -1;
		b->checked |= 1L << k;
	}
	return 0;
}

static int
create_schema(struct bq_store *b)
{
	long have = tables_present(b);
	json_t *req, *resp = NULL;
	char *u;
	int rc;

	if (have < 0)
		return -1;
	b->present = have;
	if (have == (1L << NTABLES) - 1)
		return 0;
	if (have == 0) {
		/* the dataset may be missing too; one made by a concurrent first use is fine */
		req = json_pack("{s:{s:s, s:s}}", "datasetReference", "projectId", b->project,
		    "datasetId", b->dataset);
		if (b->location)
			json_object_set_new(req, "location", json_string(b->location));
		u = url(b, b->api, "/projects/%s/datasets", b->project);
		rc = bq_json(b, "POST", u, req, &resp, NULL, 0);
		free(u);
		json_decref(req);
		json_decref(resp);
		if (rc != BQ_OK && rc != BQ_CONFLICT)
			return -1;
	}
	for (size_t k = 0; k < NTABLES; k++) {
		char why[600];

		if (have & (1L << k))
			continue;
		req = table_def(b, all_tables[k]);
		u = url(b, b->api, "/projects/%s/datasets/%s/tables", b->project, b->dataset);
		resp = NULL;
		rc = bq_json(b, "POST", u, req, &resp, why, sizeof(why));
		free(u);
		json_decref(req);
		json_decref(resp);
		/* turned away (the table's update rate, which a dozen first uses at once exceed):
		 * made by one of them meanwhile, as a 409 says */
		if (rc != BQ_OK && rc != BQ_CONFLICT) {
			u = url(b, b->api, "/projects/%s/datasets/%s/tables/%s", b->project, b->dataset,
			    all_tables[k]);
			resp = NULL;
			if (bq_json(b, "GET", u, NULL, &resp, NULL, 0) == BQ_OK)
				rc = BQ_CONFLICT;
			free(u);
			json_decref(resp);
		}
		if (rc != BQ_OK && rc != BQ_CONFLICT) {
			pgs_err("store '%s': cannot create table %s: %s", b->base.uri, all_tables[k], why);
			return -1;
		}
		/* made here with pgs's columns; one a concurrent first use made is checked */
		if (rc == BQ_OK)
			b->checked |= 1L << k;
		b->present |= 1L << k;
	}
	return 0;
}

/* ---- open / close ---- */

static void bq_close(pgs_store *st);

/* BigQuery's rules: a project id of letters, digits, '-' (and a "domain:"
 * prefix with '.'); a dataset of letters, digits and '_'. */
static int
valid_name(const char *s, const char *extra, size_t max)
{
	size_t n = strlen(s);

	if (n == 0 || n > max)
		return 0;
	for (; *s; s++)
		if (!((*s >= 'a' && *s <= 'z') || (*s >= 'A' && *s <= 'Z') || (*s >= '0' && *s <= '9') ||
		    strchr(extra, *s)))
			return 0;
	return 1;
}

static pgs_store *
bq_open(const char *uri, const char *shown, enum pgs_store_mode mode)
{
	struct bq_store *b = pgs_xcalloc(1, sizeof(*b));
	const char *p = uri + strlen("bigquery://"), *endpoint = getenv("PGS_BQ_ENDPOINT");
	const char *slash = strchr(p, '/'), *q;
	struct pgs_http_opts o;
	long have;

	b->base.uri = pgs_xstrdup(shown);
	if (!slash) {
		pgs_err("store '%s': want bigquery://PROJECT/DATASET", shown);
		goto fail;
	}
	b->project = pgs_xstrndup(p, (size_t)(slash - p));
	q = strchr(slash + 1, '?');
	b->dataset = q ? pgs_xstrndup(slash + 1, (size_t)(q - slash - 1)) : pgs_xstrdup(slash + 1);
	if (q && strncmp(q + 1, "location=", 9) == 0 && q[10])
		b->location = pgs_xstrndup(q + 10, strcspn(q + 10, "&"));
	else if (q) {
		pgs_err("store '%s': the only parameter is location=", shown);
		goto fail;
	}
	if (!valid_name(b->project, "-.:", 128) || !valid_name(b->dataset, "_", 1024)) {
		pgs_err("store '%s': bad project or dataset name", shown);
		goto fail;
	}
	if (endpoint && *endpoint) {
		b->api = pgs_xasprintf("%s/bigquery/v2", endpoint);
		b->upload = pgs_xasprintf("%s/upload/bigquery/v2", endpoint);
	} else {
		b->api = pgs_xstrdup("https://bigquery.googleapis.com/bigquery/v2");
		b->upload = pgs_xstrdup("https://bigquery.googleapis.com/upload/bigquery/v2");
	}
	if (pgs_dl_curl_open("BigQuery store") < 0)
		goto fail;
	if (pgs_http_opts_init(&o) < 0 || !(b->http = pgs_http_new(&o)) ||
	    !(b->auth = pgs_gauth_new(b->http, endpoint)))
		goto fail;
	if (mode == PGS_STORE_RW) {
		if (create_schema(b) < 0)
			goto fail;
	} else {
		if ((have = tables_present(b)) < 0)
			goto fail;
		if (have == 0) {
			pgs_err("store '%s': not a pgs store (no pgs tables in the dataset)", shown);
			goto fail;
		}
	}
	free(b->base.uri);
	b->base.uri = NULL;
	return &b->base;
fail:
	bq_close(&b->base);
	return NULL;
}

static void
bq_close(pgs_store *st)
{
	struct bq_store *b = (struct bq_store *)st;

	if (!b)
		return;
	pgs_gauth_free(b->auth);
	pgs_http_free(b->http);
	for (int k = 0; k < 6; k++)
		pgs_buf_free(&b->name[k]);
	free(b->project);
	free(b->dataset);
	free(b->location);
	free(b->api);
	free(b->upload);
	free(b->base.uri);
	free(b);
}

/* ---- window write ---- */

static void
bq_stage_end(pgs_stage *pg)
{
	struct bq_stage *g = (struct bq_stage *)pg;
	json_t *resp = NULL;
	char *u;

	if (!g)
		return;
	if (g->created) {
		u = url(g->b, g->b->api, "/projects/%s/datasets/%s/tables/%s", g->b->project,
		    g->b->dataset, g->table);
		/* a table that cannot be dropped now expires by itself */
		bq_json(g->b, "DELETE", u, NULL, &resp, NULL, 0);
		json_decref(resp);
		free(u);
	}
	if (g->rows)
		fclose(g->rows);
	pgs_buf_free(&g->line);
	free(g);
}

static pgs_stage *
bq_stage_begin(pgs_store *st, const struct pgs_window_spec *w)
{
	struct bq_store *b = (struct bq_store *)st;
	struct bq_stage *g;
	char hex[33];

	/* window.c allows one window a handle, but a group commit's: each its
	 * own file, the group one staging table */
	g = pgs_xcalloc(1, sizeof(*g));
	g->base.st = st;
	g->base.w = w;
	g->b = b;
	g->t = w->t;
	random_hex(hex, 12);
	snprintf(g->table, sizeof(g->table), "_pgs_stage_%s", hex);
	if (!(g->rows = tmpfile())) {
		pgs_err_errno("store '%s': cannot make a temporary file for the batch", st->uri);
		bq_stage_end(&g->base);
		return NULL;
	}
	return &g->base;
}

/* s as a JSON string, into b. */
static void
json_str(pgs_buf *b, const char *s, size_t n)
{
	json_t *j = json_stringn(s, n);
	char *t = j ? json_dumps(j, JSON_ENCODE_ANY) : NULL;

	if (t)
		pgs_buf_adds(b, t);
	else
		pgs_buf_adds(b, "null");
	free(t);
	json_decref(j);
}

static int
bq_stage_row(pgs_stage *pg, const struct pgs_val *v, const char *doc, size_t doclen,
    const char *digest, long seq)
{
	struct bq_stage *g = (struct bq_stage *)pg;
	const struct pgs_table *t = g->t;
	pgs_buf *b = &g->line;

	pgs_buf_reset(b);
	pgs_buf_add(b, "{", 1);
	for (size_t k = 0; k < t->nf; k++) {
		pgs_buf_addf(b, "\"%s\":", t->f[k].name);
		if (v[k].null) {
			/* a repeated field has no NULL: an empty array */
			pgs_buf_adds(b, t->f[k].type == PGS_T_JSON ? "[]," : "null,");
			continue;
		}
		switch (t->f[k].type) {
		case PGS_T_INT:
			pgs_buf_addf(b, "%lld,", v[k].i);
			break;
		case PGS_T_BOOL:
			pgs_buf_adds(b, v[k].i ? "true," : "false,");
			break;
		case PGS_T_REAL:
			pgs_buf_addf(b, "%.17g,", v[k].d);
			break;
		case PGS_T_JSON:
			pgs_buf_add(b, v[k].s, v[k].len);   /* compact JSON of its own */
			pgs_buf_add(b, ",", 1);
			break;
		default:
			json_str(b, v[k].s, v[k].len);
			pgs_buf_add(b, ",", 1);
			break;
		}
	}
	if (t->raw) {
		pgs_buf_addf(b, "\"seq\":%ld,\"doc\":", seq);
		json_str(b, doc, doclen);
		pgs_buf_add(b, ",", 1);
	}
	pgs_buf_addf(b, "\"row_digest\":\"%s\"}\n", digest);
	if (fwrite(b->s, 1, b->len, g->rows) != b->len) {
		pgs_err_errno("store '%s': writing the batch to a temporary file", g->b->base.uri);
		return -1;
	}
	return 0;
}

/*
 * The staged rows of the files (a window's each), as the data of a load
 * job: the rows of file k get a field "_w":k first when with_w (a group's
 * staging table says whose window each row is).  Written to a temporary
 * file and mapped, not held on the heap: a group's body is up to
 * PGS_GROUP_MB (128 MiB by default), and mapped pages of a file are the
 * page cache's, which the kernel may drop.  *body and *len (munmap() it),
 * or NULL for no rows; 0, or -1 after reporting.
 */
static int
stage_body(struct bq_store *b, FILE *const *files, size_t n, int with_w, char **body, size_t *len)
{
	char *line = NULL;
	size_t cap = 0, skip = with_w ? 1 : 0;   /* with_w: the line's '{' is written first */
	ssize_t got;
	long end;
	FILE *out = tmpfile();
	int rc = -1;

	*body = NULL;
	*len = 0;
	if (!out) {
		pgs_err_errno("store '%s': cannot make a temporary file for the load", b->base.uri);
		return -1;
	}
	for (size_t k = 0; k < n; k++) {
		rewind(files[k]);
		while ((got = getline(&line, &cap, files[k])) > 0) {
			if (with_w)
				fprintf(out, "{\"_w\":%zu,", k);
			fwrite(line + skip, 1, (size_t)got - skip, out);
		}
		if (ferror(files[k])) {
			pgs_err_errno("store '%s': reading the batch back", b->base.uri);
			goto out;
		}
	}
	if (fflush(out) != 0 || ferror(out) || (end = ftell(out)) < 0) {
		pgs_err_errno("store '%s': writing the load's rows to a temporary file", b->base.uri);
		goto out;
	}
	if (end > 0 && (*body = mmap(NULL, (size_t)end, PROT_READ, MAP_PRIVATE, fileno(out), 0)) ==
	    MAP_FAILED) {
		*body = NULL;
		pgs_err_errno("store '%s': cannot map the load's rows", b->base.uri);
		goto out;
	}
	*len = (size_t)end;
	rc = 0;
out:
	free(line);
	fclose(out);   /* the mapping keeps the file's pages */
	return rc;
}

/*
 * One load job of rows (NDJSON) into table, whose schema is fields (stolen),
 * with a new jobId.  Up to UPLOAD_MULTIPART_MAX bytes in one multipart
 * request; more through a resumable upload (a session, then the rows in one
 * PUT), as Google's upload documentation advises for larger data.  BQ_OK,
 * BQ_AGAIN, or BQ_FAIL (reported).
 */
static int
load_job(struct bq_store *b, const char *table, json_t *fields, const char *rows, size_t nrows)
{
	json_t *meta, *resp = NULL;
	pgs_buf body = { 0 };
	char boundary[40], job[48], hex[33], ctype[96], hdr[64], *u, *text, *session;
	int rc;

	random_hex(hex, 16);
	snprintf(job, sizeof(job), "pgs_load_%s", hex);
	meta = json_pack("{s:{s:s, s:s}, s:{s:{s:s, s:{s:o}, s:{s:s, s:s, s:s}, s:s, s:s}}}",
	    "jobReference", "projectId", b->project, "jobId", job,
	    "configuration", "load", "sourceFormat", "NEWLINE_DELIMITED_JSON",
	    "schema", "fields", fields,
	    "destinationTable", "projectId", b->project, "datasetId", b->dataset, "tableId", table,
	    "writeDisposition", "WRITE_TRUNCATE", "createDisposition", "CREATE_NEVER");
	if (b->location)
		json_object_set_new(json_object_get(meta, "jobReference"), "location",
		    json_string(b->location));
	text = json_dumps(meta, JSON_COMPACT);
	json_decref(meta);
	if (nrows <= UPLOAD_MULTIPART_MAX) {
		random_hex(hex, 16);
		snprintf(boundary, sizeof(boundary), "pgs%s", hex);
		pgs_buf_addf(&body, "--%s\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n%s\r\n"
		    "--%s\r\nContent-Type: application/octet-stream\r\n\r\n", boundary, text, boundary);
		pgs_buf_add(&body, rows, nrows);
		pgs_buf_addf(&body, "\r\n--%s--\r\n", boundary);
		snprintf(ctype, sizeof(ctype), "multipart/related; boundary=%s", boundary);
		u = url(b, b->upload, "/projects/%s/jobs?uploadType=multipart", b->project);
		rc = bq_call(b, "POST", u, body.s, body.len, ctype, NULL, &resp, NULL, 0);
		free(u);
	} else {
		snprintf(hdr, sizeof(hdr), "X-Upload-Content-Length: %zu", nrows);
		u = url(b, b->upload, "/projects/%s/jobs?uploadType=resumable", b->project);
		rc = bq_call(b, "POST", u, text, strlen(text), NULL, hdr, &resp, NULL, 0);
		free(u);
		json_decref(resp);
		resp = NULL;
		session = rc == BQ_OK ? pgs_xstrdup(pgs_http_location(b->http)) : NULL;
		if (session && !*session) {
			pgs_err("store '%s': a resumable upload was answered without its session",
			    b->base.uri);
			rc = BQ_FAIL;
		} else if (session)
			rc = bq_call(b, "PUT", session, rows, nrows, "application/octet-stream",
			    NULL, &resp, NULL, 0);
		free(session);
	}
	free(text);
	pgs_buf_free(&body);
	json_decref(resp);
	/* 409: an earlier attempt of this very POST reached the server: that job is ours */
	if (rc == BQ_AGAIN)
		return BQ_AGAIN;
	if (rc != BQ_OK && rc != BQ_CONFLICT)
		return BQ_FAIL;
	rc = job_wait(b, job);
	return rc == BQ_OK || rc == BQ_AGAIN ? rc : BQ_FAIL;
}

/*
 * The staging table (named table, the rows of t, "_w" too when with_w),
 * expiring by itself should this writer die, then the rows of the files
 * loaded into it: one tables.insert, one load job (run again as a new job
 * when it fails for a reason that passes).  *created is set once the table
 * is made.  0, or -1 after reporting.
 */
static int
load_stage(struct bq_store *b, const struct pgs_table *t, const char *table, FILE *const *files,
    size_t n, int with_w, int *created)
{
	json_t *def, *fields, *resp = NULL;
	char *u, *rows = NULL;
	size_t nrows = 0;
	int rc = BQ_FAIL;

	def = table_def(b, t->name);
	json_object_set_new(json_object_get(def, "tableReference"), "tableId", json_string(table));
	json_object_del(def, "timePartitioning");
	json_object_del(def, "clustering");
	json_object_set_new(def, "expirationTime", json_sprintf("%lld",
	    pgs_now_us() / 1000 + STAGE_TTL_MS));
	if (with_w)
		json_array_append_new(json_object_get(json_object_get(def, "schema"), "fields"),
		    field("_w", "INT64", "REQUIRED"));
	fields = json_deep_copy(json_object_get(json_object_get(def, "schema"), "fields"));
	u = url(b, b->api, "/projects/%s/datasets/%s/tables", b->project, b->dataset);
	rc = bq_json(b, "POST", u, def, &resp, NULL, 0);
	free(u);
	json_decref(def);
	json_decref(resp);
	if (rc != BQ_OK && rc != BQ_CONFLICT)
		goto out;
	*created = 1;
	if (stage_body(b, files, n, with_w, &rows, &nrows) < 0) {
		rc = BQ_FAIL;
		goto out;
	}
	for (int tries = 0;; tries++) {
		if ((rc = load_job(b, table, json_deep_copy(fields), rows ? rows : "", nrows)) != BQ_AGAIN)
			break;
		if (tries + 1 >= MAX_JOB_RETRIES) {
			pgs_err("store '%s': the load job kept failing (%d jobs): %s", b->base.uri,
			    tries + 1, b->last);
			rc = BQ_FAIL;
			break;
		}
		pgs_info("store '%s': the load job failed (%s); again as a new job in %ld ms",
		    b->base.uri, b->last, job_backoff(tries));
		sleep_ms(job_backoff(tries));
	}
out:
	json_decref(fields);
	if (rows)
		munmap(rows, nrows);
	return rc == BQ_OK ? 0 : -1;
}

static int
bq_lock(pgs_stage *pg)
{
	struct bq_stage *g = (struct bq_stage *)pg;

	const char *const tables[] = { g->t->name, "pgs_windows", VERSIONS, NULL };

	/* no lock across jobs: apply checks the ledger's version instead */
	if (check_tables(g->b, tables) < 0)
		return -1;
	if (!g->loaded && load_stage(g->b, g->t, g->table, &g->rows, 1, 0, &g->created) < 0)
		return -1;
	g->loaded = 1;
	return 0;
}

/* "a.`k1` = b.`k1` AND …" over the table's key. */
static void
key_eq(pgs_buf *q, const struct pgs_table *t, const char *a, const char *b)
{
	for (size_t k = 0; k < t->nkeys; k++) {
		pgs_buf_adds(q, k ? " AND " : "");
		qid(q, a, t->f[t->keys[k]].name);
		pgs_buf_adds(q, " = ");
		qid(q, b, t->f[t->keys[k]].name);
	}
}

/* Every stored column of a row table, quoted, with alias when given. */
static void
col_list(pgs_buf *q, const struct pgs_table *t, const char *alias)
{
	static const char *const raw_extra[] = { "seq", "doc" };

	for (size_t i = 0; i < t->nf; i++) {
		pgs_buf_adds(q, i ? ", " : "");
		qid(q, alias, t->f[i].name);
	}
	for (size_t i = 0; t->raw && i < 2; i++) {
		pgs_buf_adds(q, ", ");
		qid(q, alias, raw_extra[i]);
	}
	pgs_buf_adds(q, ", ");
	qid(q, alias, "row_digest");
}

/* The window's rows of T (its scopes), as a FROM item named alias: the
 * dates spelled out where BigQuery can prune the partitions by them. */
static void
window_rows(pgs_buf *q, struct bq_store *b, const struct pgs_table *t, const char *alias)
{
	pgs_buf_addf(q, "(SELECT * FROM %s WHERE `game_date` BETWEEN @from AND @to%s) %s",
	    fq(b, 3, t->name), t->raw ? " AND `source` IN UNNEST(@scopes)" : "", alias);
}

/* The window's parameters: @from, @to, @scopes, @tbl, @run_id. */
static json_t *
window_params(const struct pgs_window_spec *w)
{
	json_t *ps = json_array();

	param(ps, "from", "DATE", w->from);
	param(ps, "to", "DATE", w->to);
	param_array(ps, "scopes", "STRING", w->scopes, w->nscopes, 1);
	param(ps, "tbl", "STRING", w->t->name);
	param(ps, "run_id", "STRING", w->run_id);
	return ps;
}

/* The ledger entries overlapping the window, as a WHERE clause. */
#define OVERLAP "`tbl` = @tbl AND `scope` IN UNNEST(@scopes) AND `from_date` <= @to" \
	" AND `to_date` >= @from"

struct inspect_arg {
	struct pgs_window_state *s;
	struct bq_stage *g;
};

static int
inspect_row(json_t *f, void *arg)
{
	struct inspect_arg *a = arg;
	struct pgs_window_state *s = a->s;
	const char *run;

	s->before = (long)cell_int(f, 0);
	s->deleted = (long)cell_int(f, 1);
	s->inserted = (long)cell_int(f, 2);
	s->unchanged = (long)cell_int(f, 3);
	a->g->ledger_n = cell_int(f, 4);
	snprintf(s->version, sizeof(s->version), "%lld", a->g->ledger_n);
	if ((run = cell(f, 5)) != NULL) {
		s->has_fence = 1;
		snprintf(s->fence_run_id, sizeof(s->fence_run_id), "%s", run);
		s->fence_run_started_us = cell_int(f, 6);
		snprintf(s->fence_from, sizeof(s->fence_from), "%s", cell(f, 7) ? cell(f, 7) : "");
		snprintf(s->fence_to, sizeof(s->fence_to), "%s", cell(f, 8) ? cell(f, 8) : "");
		iso_us(cell_int(f, 9), s->fence_committed_at);
	}
	a->g->versions = cell_int(f, 10);
	return 0;
}

static int
bq_inspect(pgs_stage *pg, struct pgs_window_state *s)
{
	struct bq_stage *g = (struct bq_stage *)pg;
	struct bq_store *b = g->b;
	const struct pgs_table *t = g->t;
	const char *S = fq(b, 1, g->table), *L = fq(b, 2, "pgs_windows");
	struct inspect_arg a = { s, g };
	pgs_buf q = { 0 };
	int rc;

	/* before, deleted, inserted, unchanged: the window's rows against the staged ones */
	pgs_buf_adds(&q, "SELECT (SELECT COUNT(*) FROM ");
	window_rows(&q, b, t, "t");
	pgs_buf_adds(&q, "), (SELECT COUNT(*) FROM ");
	window_rows(&q, b, t, "t");
	pgs_buf_addf(&q, " WHERE NOT EXISTS (SELECT 1 FROM %s s WHERE ", S);
	key_eq(&q, t, "s", "t");
	pgs_buf_adds(&q, ")), (SELECT COUNTIF(");
	qid(&q, "t", t->f[t->keys[0]].name);
	pgs_buf_addf(&q, " IS NULL) FROM %s s LEFT JOIN ", S);
	window_rows(&q, b, t, "t");
	pgs_buf_adds(&q, " ON ");
	key_eq(&q, t, "t", "s");
	pgs_buf_addf(&q, "), (SELECT COUNTIF(t.`row_digest` = s.`row_digest`%s) FROM %s s JOIN ",
	    t->raw ? " AND t.`seq` = s.`seq`" : "", S);
	window_rows(&q, b, t, "t");
	pgs_buf_adds(&q, " ON ");
	key_eq(&q, t, "t", "s");
	pgs_buf_addf(&q, "), (SELECT COUNT(*) FROM %s WHERE " OVERLAP ")", L);
	/* the fence: the overlapping window of another run that started last */
	static const char *const fence_cols[] = { "`run_id`", "`run_started_us`",
		"CAST(`from_date` AS STRING)", "CAST(`to_date` AS STRING)",
		"UNIX_MICROS(`committed_at`)" };
	for (size_t i = 0; i < 5; i++)
		pgs_buf_addf(&q, ", (SELECT %s FROM %s WHERE " OVERLAP " AND `run_id` != @run_id"
		    " AND `run_started_us` IS NOT NULL ORDER BY `run_started_us` DESC LIMIT 1)",
		    fence_cols[i], L);
	pgs_buf_addf(&q, ", (SELECT COUNT(*) FROM %s WHERE `tbl` = @tbl)", fq(b, 3, VERSIONS));
	rc = bq_query(b, q.s, window_params(pg->w), inspect_row, &a, NULL, 0);
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : -1;
}

/*
 * BigQuery aborts a transaction when another one committed a change to the
 * same table after it began ("could not serialize access ... due to
 * concurrent update"), and a commit transaction lasts as long as its job.
 * Parallel writers of one machine (pgs-backfill --jobs N sets
 * PGS_COMMIT_LOCK) therefore take turns for it: the file's lock is held
 * around the transaction, so they queue instead of aborting each other and
 * paying for the jobs again.  Returns the descriptor to close, or -1 (no
 * lock: unset, or the file cannot be opened, which is not an error).
 */
static int
commit_lock(void)
{
	const char *path = getenv("PGS_COMMIT_LOCK");
	int fd;

	if (!path || !*path || (fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600)) < 0)
		return -1;
	while (flock(fd, LOCK_EX) < 0) {
		if (errno != EINTR) {
			close(fd);
			return -1;
		}
	}
	return fd;
}

/*
 * Table's row in pgs_table_versions, made once (a job of its own, outside
 * any transaction: two made at once are harmless, a commit updates every
 * row of its table).  0, or -1 after reporting.
 */
static int
ensure_version_row(struct bq_store *b, const char *table)
{
	json_t *ps;
	pgs_buf q = { 0 };
	int k = table_index(table), rc;

	if (k >= 0 && (b->versioned & (1L << k)))
		return 0;
	ps = json_array();
	param(ps, "tbl", "STRING", table);
	pgs_buf_addf(&q, "INSERT INTO %s (`tbl`, `version`) SELECT @tbl, 0 FROM UNNEST([1])"
	    " WHERE NOT EXISTS (SELECT 1 FROM %s WHERE `tbl` = @tbl)", fq(b, 0, VERSIONS),
	    fq(b, 1, VERSIONS));
	rc = bq_exec(b, "making the table's version row", q.s, ps, NULL, 0);
	pgs_buf_free(&q);
	if (rc == BQ_OK && k >= 0)
		b->versioned |= 1L << k;
	return rc == BQ_OK ? 0 : -1;
}

/* The statements that bump table's version inside a transaction (the
 * parameter @vtbl names it): any two transactions that do conflict. */
static void
bump_version(pgs_buf *q, struct bq_store *b)
{
	pgs_buf_addf(q, "UPDATE %s SET `version` = `version` + 1, `run_id` = @run_id,"
	    " `committed_at` = CURRENT_TIMESTAMP() WHERE `tbl` = @vtbl;\n"
	    "IF @@row_count = 0 THEN\n"
	    "  RAISE USING MESSAGE = 'pgs_table_versions has no row for this table';\n"
	    "END IF;\n", fq(b, 3, VERSIONS));
}

/*
 * "INSERT INTO history ... SELECT" the rows of t's table (alias t,
 * FROM it and then `where`, which names the window's dates: partitions are
 * pruned by them) that the staged batch S changes or leaves out, with
 * valid_to `committed`, this run, the window (from, to: expressions) and
 * why.  A statement of the commit's script, in its transaction: no job more.
 */
static void
history_insert(pgs_buf *q, struct bq_store *b, const struct pgs_table *t, const char *S,
    const char *from, const char *to, const char *committed, const char *where)
{
	pgs_buf_addf(q, "INSERT INTO %s (", fq(b, 4, pgs_table_history(t)));
	col_list(q, t, NULL);
	pgs_buf_adds(q, ", `valid_from`, `valid_to`, `superseded_by_run`, `window_from`, `window_to`,"
	    " `reason`) SELECT ");
	col_list(q, t, "t");
	pgs_buf_addf(q, ", t.`valid_from`, %s, @run_id, %s, %s, IF(EXISTS (SELECT 1 FROM %s s WHERE ",
	    committed, from, to, S);
	key_eq(q, t, "s", "t");
	pgs_buf_addf(q, "), 'updated', 'deleted') FROM %s t%s AND NOT EXISTS (SELECT 1 FROM %s s"
	    " WHERE ", fq(b, 5, t->name), where, S);
	key_eq(q, t, "s", "t");
	pgs_buf_addf(q, " AND s.`row_digest` = t.`row_digest`%s);\n",
	    t->raw ? " AND s.`seq` = t.`seq`" : "");
}

/* @h_from, @h_to: the window of each date of @d_date (group_params' order). */
static void
history_params(json_t *ps, pgs_stage *const *sgs, size_t n, const int *ok)
{
	json_t *hf = json_array(), *ht = json_array();
	long d0, d1;

	for (size_t i = 0; i < n; i++) {
		const struct pgs_window_spec *w = sgs[i]->w;

		if (!ok[i] || pgs_date_parse(w->from, &d0) < 0 || pgs_date_parse(w->to, &d1) < 0)
			continue;
		for (long d = d0; d <= d1; d++) {
			json_array_append_new(hf, json_pack("{s:s}", "value", w->from));
			json_array_append_new(ht, json_pack("{s:s}", "value", w->to));
		}
	}
	json_array_append_new(ps, json_pack("{s:s, s:{s:s, s:{s:s}}, s:{s:o}}", "name", "h_from",
	    "parameterType", "type", "ARRAY", "arrayType", "type", "DATE", "parameterValue",
	    "arrayValues", hf));
	json_array_append_new(ps, json_pack("{s:s, s:{s:s, s:{s:s}}, s:{s:o}}", "name", "h_to",
	    "parameterType", "type", "ARRAY", "arrayType", "type", "DATE", "parameterValue",
	    "arrayValues", ht));
}

static int
bq_apply(pgs_stage *pg, const struct pgs_window_state *state,
    const struct pgs_ledger_entry *led, size_t nled)
{
	struct bq_stage *g = (struct bq_stage *)pg;
	struct bq_store *b = g->b;
	const struct pgs_table *t = g->t;
	const struct pgs_window_spec *w = pg->w;
	const char *scope = t->raw ? " AND t.`source` IN UNNEST(@scopes)" : "", *T, *S, *L;
	json_t *ps;
	pgs_buf q = { 0 };
	char name[32], msg[512];
	long long us;
	int rc;

	if (nled == 0)
		return 0;       /* no scope, no rows: nothing to delete or record */
	if (g->versions > 0 && table_index(t->name) >= 0)
		b->versioned |= 1L << table_index(t->name);
	if (ensure_version_row(b, t->name) < 0)
		return -1;
	/* the names after ensure_version_row(), which uses the same scratch */
	T = fq(b, 0, t->name);
	S = fq(b, 1, g->table);
	L = fq(b, 2, "pgs_windows");
	ps = window_params(w);
	param_int(ps, "ledger_n", g->ledger_n);
	/*
	 * A job reported failed is run again as a new job (bq_query); should the
	 * failed one have committed after all, its ledger row (this run, this
	 * commit time to the microsecond) says so, and nothing is written twice.
	 */
	pgs_buf_addf(&q, "IF EXISTS (SELECT 1 FROM %s WHERE `tbl` = @tbl AND `run_id` = @run_id"
	    " AND `committed_at` = TIMESTAMP_MICROS(@committed0)) THEN\n"
	    "  RAISE USING MESSAGE = 'pgs-landed: this commit is in the ledger already';\n"
	    "END IF;\n", L);
	pgs_buf_addf(&q, "BEGIN TRANSACTION;\n"
	    "IF (SELECT COUNT(*) FROM %s WHERE " OVERLAP ") != @ledger_n THEN\n"
	    "  RAISE USING MESSAGE = 'pgs-retry: an overlapping window was committed meanwhile';\n"
	    "END IF;\n", L);
	/* a mutation of one row every commit of the table makes: overlapping commits conflict */
	bump_version(&q, b);
	param(ps, "vtbl", "STRING", t->name);
	/* what this commit supersedes, into the history, while the table still holds it;
	 * the ledger check above keeps state true, so a commit that replaces nothing (a
	 * first load, a re-run) does not read the window's full rows for it */
	if (state->before - state->unchanged > 0)
		history_insert(&q, b, t, S, "@from", "@to", "TIMESTAMP_MICROS(@committed0)", t->raw ?
		    " WHERE t.`game_date` BETWEEN @from AND @to AND t.`source` IN UNNEST(@scopes)" :
		    " WHERE t.`game_date` BETWEEN @from AND @to");
	/* the window's rows that changed or left it, then the new and changed ones */
	pgs_buf_addf(&q, "DELETE FROM %s t WHERE t.`game_date` BETWEEN @from AND @to%s"
	    " AND NOT EXISTS (SELECT 1 FROM %s s WHERE ", T, scope, S);
	key_eq(&q, t, "s", "t");
	pgs_buf_addf(&q, " AND s.`row_digest` = t.`row_digest`%s);\n",
	    t->raw ? " AND s.`seq` = t.`seq`" : "");
	pgs_buf_addf(&q, "INSERT INTO %s (", T);
	col_list(&q, t, NULL);
	pgs_buf_adds(&q, ", `valid_from`) SELECT ");
	col_list(&q, t, "s");
	pgs_buf_adds(&q, ", TIMESTAMP_MICROS(@committed0)");
	pgs_buf_addf(&q, " FROM %s s WHERE NOT EXISTS (SELECT 1 FROM %s t WHERE"
	    " t.`game_date` BETWEEN @from AND @to%s AND ", S, T, scope);
	key_eq(&q, t, "t", "s");
	pgs_buf_adds(&q, ");\n");
	pgs_buf_addf(&q, "INSERT INTO %s (`tbl`, `scope`, `from_date`, `to_date`, `rows`, `digest`,"
	    " `config`, `run_id`, `run_started_us`, `started_at`, `committed_at`) VALUES ", L);
	for (size_t i = 0; i < nled; i++) {
		const struct pgs_ledger_entry *e = &led[i];

		pgs_buf_addf(&q, "%s(@tbl, @scope%zu, @from, @to, @rows%zu, @digest, @config, @run_id,"
		    " @run_started_us, TIMESTAMP_MICROS(@started%zu), TIMESTAMP_MICROS(@committed%zu))",
		    i ? ", " : "", i, i, i, i);
		snprintf(name, sizeof(name), "scope%zu", i);
		param(ps, name, "STRING", e->scope);
		snprintf(name, sizeof(name), "rows%zu", i);
		param_int(ps, name, e->rows);
		snprintf(name, sizeof(name), "started%zu", i);
		param_int(ps, name, pgs_timestamp_parse(e->started_at, &us) == 0 ? us : pgs_now_us());
		snprintf(name, sizeof(name), "committed%zu", i);
		param_int(ps, name, pgs_timestamp_parse(e->committed_at, &us) == 0 ? us : pgs_now_us());
	}
	pgs_buf_adds(&q, ";\nCOMMIT TRANSACTION;\n");
	param(ps, "digest", "STRING", led[0].digest);
	param(ps, "config", "STRING", led[0].config);
	if (w->run_started_us > 0)
		param_int(ps, "run_started_us", w->run_started_us);
	else
		param(ps, "run_started_us", "INT64", NULL);
	{
		int lock = commit_lock();

		rc = bq_query(b, q.s, ps, NULL, NULL, msg, sizeof(msg));
		if (lock >= 0)
			close(lock);
	}
	if (rc == BQ_FAIL && strstr(msg, "pgs-landed:")) {
		pgs_info("store '%s': the window %s..%s was committed by a job reported failed",
		    b->base.uri, w->from, w->to);
		rc = BQ_OK;
	}
	if (rc == BQ_FAIL)
		pgs_err("store '%s': writing the window %s..%s: %s", b->base.uri, w->from, w->to, msg);
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : rc == BQ_RACE ? PGS_STORE_RETRY : -1;
}

/* ---- group commit: several windows of the summary table, one transaction ---- */

/*
 * The group's windows as parameters: @g_from, @g_to (the span: every read
 * of the table names it, so BigQuery prunes by it), @w_from and @w_to (each
 * window, ARRAY<DATE>), @d_date and @d_w (every date of a window and that
 * window's index: the equi-join that gives a table row its window), @tbl,
 * @run_id.  Only the windows with ok[i] set (every one when ok is NULL),
 * in their order; @d_w says each date's window by its index among all n.
 */
static json_t *
group_params(pgs_stage *const *sgs, size_t n, const int *ok)
{
	json_t *ps = json_array();
	const char **wf = pgs_xcalloc(n + 1, sizeof(*wf)), **wt = pgs_xcalloc(n + 1, sizeof(*wt));
	json_t *dd = json_array(), *dw = json_array();
	size_t m = 0;
	long d0, d1;
	char day[11], num[24];

	for (size_t i = 0; i < n; i++) {
		const struct pgs_window_spec *w = sgs[i]->w;

		if (ok && !ok[i])
			continue;
		wf[m] = w->from;
		wt[m] = w->to;
		if (pgs_date_parse(w->from, &d0) == 0 && pgs_date_parse(w->to, &d1) == 0)
			for (long d = d0; d <= d1; d++) {
				pgs_date_format(d, day);
				snprintf(num, sizeof(num), "%zu", i);
				json_array_append_new(dd, json_pack("{s:s}", "value", day));
				json_array_append_new(dw, json_pack("{s:s}", "value", num));
			}
		m++;
	}
	param(ps, "g_from", "DATE", m ? wf[0] : "1970-01-01");
	param(ps, "g_to", "DATE", m ? wt[m - 1] : "1970-01-01");
	param_array(ps, "w_from", "DATE", wf, m, 1);
	param_array(ps, "w_to", "DATE", wt, m, 1);
	json_array_append_new(ps, json_pack("{s:s, s:{s:s, s:{s:s}}, s:{s:o}}", "name", "d_date",
	    "parameterType", "type", "ARRAY", "arrayType", "type", "DATE", "parameterValue",
	    "arrayValues", dd));
	json_array_append_new(ps, json_pack("{s:s, s:{s:s, s:{s:s}}, s:{s:o}}", "name", "d_w",
	    "parameterType", "type", "ARRAY", "arrayType", "type", "INT64", "parameterValue",
	    "arrayValues", dw));
	param(ps, "tbl", "STRING", sgs[0]->w->t->name);
	param(ps, "run_id", "STRING", sgs[0]->w->run_id);
	free(wf);
	free(wt);
	return ps;
}

/* The group's table rows with their window's index, as the FROM item tw. */
static void
group_rows(pgs_buf *q, struct bq_store *b, const struct pgs_table *t)
{
	pgs_buf_addf(q, "(SELECT t.*, @d_w[OFFSET(j)] AS `_w` FROM %s t JOIN UNNEST(@d_date) AS d"
	    " WITH OFFSET j ON t.`game_date` = d WHERE t.`game_date` BETWEEN @g_from AND @g_to)",
	    fq(b, 3, t->name));
}

struct group_arg {
	pgs_stage *const *sgs;
	size_t n;
	struct pgs_window_state *states;
};

/* One row of the group's inspection: (kind, window, n, run, started, from, to, committed). */
static int
group_row(json_t *f, void *arg)
{
	struct group_arg *a = arg;
	const char *kind = cell(f, 0);
	long long i = cell_int(f, 1), n = cell_int(f, 2);
	struct pgs_window_state *s;

	if (!kind)
		return 0;
	if (strcmp(kind, "versions") == 0) {
		((struct bq_stage *)a->sgs[0])->versions = n;
		return 0;
	}
	if (i < 0 || (size_t)i >= a->n)
		return 0;
	s = &a->states[i];
	if (strcmp(kind, "before") == 0)
		s->before = (long)n;
	else if (strcmp(kind, "deleted") == 0)
		s->deleted = (long)n;
	else if (strcmp(kind, "inserted") == 0)
		s->inserted = (long)n;
	else if (strcmp(kind, "unchanged") == 0)
		s->unchanged = (long)n;
	else if (strcmp(kind, "ledger") == 0) {
		((struct bq_stage *)a->sgs[i])->ledger_n = n;
		snprintf(s->version, sizeof(s->version), "%lld", n);
	} else if (strcmp(kind, "fence") == 0 && cell(f, 3)) {
		s->has_fence = 1;
		snprintf(s->fence_run_id, sizeof(s->fence_run_id), "%s", cell(f, 3));
		s->fence_run_started_us = cell_int(f, 4);
		snprintf(s->fence_from, sizeof(s->fence_from), "%s", cell(f, 5) ? cell(f, 5) : "");
		snprintf(s->fence_to, sizeof(s->fence_to), "%s", cell(f, 6) ? cell(f, 6) : "");
		iso_us(cell_int(f, 7), s->fence_committed_at);
	}
	return 0;
}

/* The kinds of the inspection, one UNION ALL branch each, all with the same columns. */
#define GROUP_NULLS "CAST(NULL AS STRING), CAST(NULL AS INT64), CAST(NULL AS STRING)," \
	" CAST(NULL AS STRING), CAST(NULL AS INT64)"
/* the ledger's windows of the summary table that overlap window i, as "l" beside "f"/"i" */
#define GROUP_LEDGER "FROM UNNEST(@w_from) AS f WITH OFFSET i CROSS JOIN (SELECT * FROM %s" \
	" WHERE `tbl` = @tbl AND `scope` = '*' AND `from_date` <= @g_to AND `to_date` >= @g_from) l" \
	" WHERE l.`from_date` <= @w_to[OFFSET(i)] AND l.`to_date` >= f"

static int
bq_group_lock(pgs_stage *const *sgs, size_t n)
{
	struct bq_stage *g = (struct bq_stage *)sgs[0];
	const char *const tables[] = { g->t->name, "pgs_windows", VERSIONS, NULL };
	FILE **files;
	int rc;

	if (g->loaded)
		return 0;
	if (check_tables(g->b, tables) < 0)
		return -1;
	files = pgs_xcalloc(n + 1, sizeof(*files));
	for (size_t i = 0; i < n; i++)
		files[i] = ((struct bq_stage *)sgs[i])->rows;
	/* one staging table for the group, the first window's: its stage_end drops it */
	rc = load_stage(g->b, g->t, g->table, files, n, 1, &g->created);
	free(files);
	if (rc < 0)
		return -1;
	g->loaded = 1;
	return 0;
}

static int
bq_group_inspect(pgs_stage *const *sgs, size_t n, struct pgs_window_state *states)
{
	struct bq_stage *g = (struct bq_stage *)sgs[0];
	struct bq_store *b = g->b;
	const struct pgs_table *t = g->t;
	const char *S = fq(b, 1, g->table), *L = fq(b, 2, "pgs_windows");
	struct group_arg a = { sgs, n, states };
	pgs_buf q = { 0 };
	int rc;

	pgs_buf_adds(&q, "WITH tw AS ");
	group_rows(&q, b, t);
	pgs_buf_addf(&q, ", s AS (SELECT * FROM %s)\n", S);
	pgs_buf_adds(&q, "SELECT 'before', tw.`_w`, COUNT(*), " GROUP_NULLS " FROM tw GROUP BY tw.`_w`\n");
	pgs_buf_adds(&q, "UNION ALL SELECT 'deleted', tw.`_w`, COUNT(*), " GROUP_NULLS
	    " FROM tw LEFT JOIN s ON ");
	key_eq(&q, t, "s", "tw");
	pgs_buf_addf(&q, " WHERE s.`%s` IS NULL GROUP BY tw.`_w`\n", t->f[t->keys[0]].name);
	pgs_buf_addf(&q, "UNION ALL SELECT 'inserted', s.`_w`, COUNTIF(tw.`%s` IS NULL), " GROUP_NULLS
	    " FROM s LEFT JOIN tw ON ", t->f[t->keys[0]].name);
	key_eq(&q, t, "tw", "s");
	pgs_buf_adds(&q, " GROUP BY s.`_w`\n");
	pgs_buf_adds(&q, "UNION ALL SELECT 'unchanged', s.`_w`, COUNTIF(tw.`row_digest` = s.`row_digest`), "
	    GROUP_NULLS " FROM s JOIN tw ON ");
	key_eq(&q, t, "tw", "s");
	pgs_buf_adds(&q, " GROUP BY s.`_w`\n");
	pgs_buf_addf(&q, "UNION ALL SELECT 'ledger', i, COUNT(*), " GROUP_NULLS " " GROUP_LEDGER
	    " GROUP BY i\n", L);
	/* the fence: per window, the overlapping window of another run that started last */
	pgs_buf_addf(&q, "UNION ALL SELECT 'fence', i, NULL, run_id, run_started_us, from_date, to_date,"
	    " committed FROM (SELECT i, l.`run_id` AS run_id, l.`run_started_us` AS run_started_us,"
	    " CAST(l.`from_date` AS STRING) AS from_date, CAST(l.`to_date` AS STRING) AS to_date,"
	    " UNIX_MICROS(l.`committed_at`) AS committed, ROW_NUMBER() OVER (PARTITION BY i"
	    " ORDER BY l.`run_started_us` DESC) AS rn " GROUP_LEDGER " AND l.`run_id` != @run_id"
	    " AND l.`run_started_us` IS NOT NULL) WHERE rn = 1\n", L);
	pgs_buf_addf(&q, "UNION ALL SELECT 'versions', -1, COUNT(*), " GROUP_NULLS
	    " FROM %s WHERE `tbl` = @tbl", fq(b, 3, VERSIONS));
	rc = bq_query(b, q.s, group_params(sgs, n, NULL), group_row, &a, NULL, 0);
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : -1;
}

/* An ARRAY<type> parameter of the values of the windows with ok set. */
static void
param_ok(json_t *ps, const char *name, const char *type, const char *const *v, size_t n,
    const int *ok)
{
	const char **sel = pgs_xcalloc(n + 1, sizeof(*sel));
	size_t m = 0;

	for (size_t i = 0; i < n; i++)
		if (ok[i])
			sel[m++] = v[i];
	param_array(ps, name, type, sel, m, 1);
	free(sel);
}

static int
bq_group_apply(pgs_stage *const *sgs, size_t n, const int *ok,
    const struct pgs_window_state *states, const struct pgs_ledger_entry *const *led,
    const size_t *nled)
{
	struct bq_stage *g = (struct bq_stage *)sgs[0];
	struct bq_store *b = g->b;
	const struct pgs_table *t = g->t;
	const struct pgs_ledger_entry *e0 = NULL;
	char **col[4], msg[512];
	const char *T, *S, *L;
	long long us, nsum = 0;
	long superseded = 0;        /* rows updated or deleted: the history's */
	json_t *ps;
	pgs_buf q = { 0 };
	size_t i;
	int rc;

	for (i = 0; i < n; i++)
		superseded += ok[i] ? states[i].before - states[i].unchanged : 0;
	for (i = 0; i < n && !e0; i++)
		if (ok[i] && nled[i] == 1)
			e0 = led[i];
	if (!e0)
		return 0;       /* nothing to write */
	if (g->versions > 0 && table_index(t->name) >= 0)
		b->versioned |= 1L << table_index(t->name);
	if (ensure_version_row(b, t->name) < 0)
		return -1;
	T = fq(b, 0, t->name);
	S = fq(b, 1, g->table);
	L = fq(b, 2, "pgs_windows");
	/* per accepted window: its staging index, rows, digest, start, overlapping entries */
	for (int c = 0; c < 4; c++)
		col[c] = pgs_xcalloc(n + 1, sizeof(char *));
	for (i = 0; i < n; i++) {
		if (!ok[i])
			continue;
		col[0][i] = pgs_xasprintf("%zu", i);
		col[1][i] = pgs_xasprintf("%ld", led[i][0].rows);
		col[2][i] = pgs_xstrdup(led[i][0].digest ? led[i][0].digest : "");
		col[3][i] = pgs_xasprintf("%lld", pgs_timestamp_parse(led[i][0].started_at, &us) == 0 ?
		    us : pgs_now_us());
		nsum += ((struct bq_stage *)sgs[i])->ledger_n;
	}
	ps = group_params(sgs, n, ok);
	param_ok(ps, "a_w", "INT64", (const char *const *)col[0], n, ok);
	param_ok(ps, "a_rows", "INT64", (const char *const *)col[1], n, ok);
	param_ok(ps, "a_digest", "STRING", (const char *const *)col[2], n, ok);
	param_ok(ps, "a_started", "INT64", (const char *const *)col[3], n, ok);
	param_int(ps, "ledger_n", nsum);
	param_int(ps, "committed", pgs_timestamp_parse(e0->committed_at, &us) == 0 ? us : pgs_now_us());
	param(ps, "config", "STRING", e0->config);
	if (sgs[0]->w->run_started_us > 0)
		param_int(ps, "run_started_us", sgs[0]->w->run_started_us);
	else
		param(ps, "run_started_us", "INT64", NULL);
	param(ps, "vtbl", "STRING", t->name);

	/* a job reported failed that committed after all: its ledger rows say so */
	pgs_buf_addf(&q, "IF EXISTS (SELECT 1 FROM %s WHERE `tbl` = @tbl AND `run_id` = @run_id"
	    " AND `committed_at` = TIMESTAMP_MICROS(@committed)) THEN\n"
	    "  RAISE USING MESSAGE = 'pgs-landed: this commit is in the ledger already';\n"
	    "END IF;\n", L);
	/* entries are only ever added: the same sum means no window changed since */
	pgs_buf_addf(&q, "BEGIN TRANSACTION;\n"
	    "IF (SELECT COUNT(*) " GROUP_LEDGER ") != @ledger_n THEN\n"
	    "  RAISE USING MESSAGE = 'pgs-retry: an overlapping window was committed meanwhile';\n"
	    "END IF;\n", L);
	bump_version(&q, b);
	/* what it supersedes, into the history: each row's window by its date's */
	if (superseded > 0) {
		history_insert(&q, b, t, S, "@h_from[OFFSET(j)]", "@h_to[OFFSET(j)]",
		    "TIMESTAMP_MICROS(@committed)", " JOIN UNNEST(@d_date) AS d WITH OFFSET j"
		    " ON t.`game_date` = d WHERE t.`game_date` BETWEEN @g_from AND @g_to");
		history_params(ps, sgs, n, ok);
	}
	/* the accepted windows' rows that changed or left them; a refused window's stay */
	pgs_buf_addf(&q, "DELETE FROM %s t WHERE t.`game_date` BETWEEN @g_from AND @g_to"
	    " AND t.`game_date` IN UNNEST(@d_date) AND NOT EXISTS (SELECT 1 FROM %s s WHERE ", T, S);
	key_eq(&q, t, "s", "t");
	pgs_buf_adds(&q, " AND s.`row_digest` = t.`row_digest`);\n");
	pgs_buf_addf(&q, "INSERT INTO %s (", T);
	col_list(&q, t, NULL);
	pgs_buf_adds(&q, ", `valid_from`) SELECT ");
	col_list(&q, t, "s");
	pgs_buf_adds(&q, ", TIMESTAMP_MICROS(@committed)");
	pgs_buf_addf(&q, " FROM %s s WHERE s.`_w` IN UNNEST(@a_w) AND NOT EXISTS (SELECT 1 FROM %s t"
	    " WHERE t.`game_date` BETWEEN @g_from AND @g_to AND ", S, T);
	key_eq(&q, t, "t", "s");
	pgs_buf_adds(&q, ");\n");
	pgs_buf_addf(&q, "INSERT INTO %s (`tbl`, `scope`, `from_date`, `to_date`, `rows`, `digest`,"
	    " `config`, `run_id`, `run_started_us`, `started_at`, `committed_at`)"
	    " SELECT @tbl, '*', f, @w_to[OFFSET(i)], @a_rows[OFFSET(i)], @a_digest[OFFSET(i)], @config,"
	    " @run_id, @run_started_us, TIMESTAMP_MICROS(@a_started[OFFSET(i)]),"
	    " TIMESTAMP_MICROS(@committed) FROM UNNEST(@w_from) AS f WITH OFFSET i;\n"
	    "COMMIT TRANSACTION;\n", L);
	{
		int lock = commit_lock();

		rc = bq_query(b, q.s, ps, NULL, NULL, msg, sizeof(msg));
		if (lock >= 0)
			close(lock);
	}
	if (rc == BQ_FAIL && strstr(msg, "pgs-landed:")) {
		pgs_info("store '%s': the windows %s..%s were committed by a job reported failed",
		    b->base.uri, sgs[0]->w->from, sgs[n - 1]->w->to);
		rc = BQ_OK;
	}
	if (rc == BQ_FAIL)
		pgs_err("store '%s': writing the windows %s..%s: %s", b->base.uri, sgs[0]->w->from,
		    sgs[n - 1]->w->to, msg);
	for (int c = 0; c < 4; c++) {
		for (i = 0; i < n; i++)
			free(col[c][i]);
		free(col[c]);
	}
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : rc == BQ_RACE ? PGS_STORE_RETRY : -1;
}

/* ---- reading ---- */

struct doc_arg {
	int (*fn)(const char *doc, size_t len, void *arg);
	void *arg;
};

static int
doc_row(json_t *f, void *arg)
{
	struct doc_arg *d = arg;
	const char *s = cell(f, 0);

	return d->fn(s ? s : "null", s ? strlen(s) : 4, d->arg);
}

static int
bq_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(const char *doc, size_t len, void *arg), void *arg)
{
	struct bq_store *b = (struct bq_store *)st;
	struct doc_arg d = { fn, arg };
	json_t *ps = json_array();
	pgs_buf q = { 0 };
	int rc;

	param(ps, "from", "DATE", from);
	param(ps, "to", "DATE", to);
	param(ps, "source", "STRING", source);
	/* one partition-pruned query, read page by page */
	pgs_buf_addf(&q, "SELECT `doc` FROM %s WHERE `game_date` BETWEEN @from AND @to"
	    " AND (@source IS NULL OR `source` = @source)"
	    " ORDER BY `game_date`, `game_id`, `source`, `seq`",
	    fq(b, 0, PGS_TABLE_RAW));
	rc = bq_query(b, q.s, ps, doc_row, &d, NULL, 0);
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : -1;
}

struct ledger_arg {
	int (*fn)(const struct pgs_ledger_entry *e, void *arg);
	void *arg;
};

static int
ledger_row(json_t *f, void *arg)
{
	struct ledger_arg *l = arg;
	char started[32], committed[32];
	struct pgs_ledger_entry e;

	iso_us(cell_int(f, 9), started);
	iso_us(cell_int(f, 10), committed);
	e = (struct pgs_ledger_entry){ cell(f, 0), cell(f, 1), cell(f, 2), cell(f, 3),
		(long)cell_int(f, 4), cell(f, 5), cell(f, 6), cell(f, 7), cell_int(f, 8),
		started, committed };
	return l->fn(&e, l->arg);
}

static int
bq_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const struct pgs_ledger_entry *e, void *arg), void *arg)
{
	struct bq_store *b = (struct bq_store *)st;
	struct ledger_arg l = { fn, arg };
	json_t *ps = json_array();
	pgs_buf q = { 0 };
	int rc;

	param(ps, "tbl", "STRING", table);
	param(ps, "from", "DATE", from);
	param(ps, "to", "DATE", to);
	pgs_buf_addf(&q, "SELECT `tbl`, `scope`, CAST(`from_date` AS STRING),"
	    " CAST(`to_date` AS STRING), `rows`, `digest`, `config`, `run_id`, `run_started_us`,"
	    " UNIX_MICROS(`started_at`), UNIX_MICROS(`committed_at`)"
	    " FROM %s WHERE (`tbl` = @tbl OR @tbl = '*') AND `from_date` <= @to AND `to_date` >= @from"
	    " ORDER BY `committed_at`, `run_id`, `scope`", fq(b, 0, "pgs_windows"));
	rc = bq_query(b, q.s, ps, ledger_row, &l, NULL, 0);
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : -1;
}

/* ---- registry ---- */

struct reg_arg {
	const struct pgs_registry_cb *cb;
	void *arg;
	int kind;
};

static int
registry_row(json_t *f, void *arg)
{
	struct reg_arg *a = arg;

	/* (kind, then the kind's columns from 1) */
	switch ((int)cell_int(f, 0)) {
	case 0:
		return a->cb->player ? a->cb->player(cell(f, 1), cell(f, 2), cell(f, 3), cell(f, 4),
		    a->arg) : 0;
	case 1:
		return a->cb->source_id ? a->cb->source_id(cell(f, 1), cell(f, 2), cell(f, 3), a->arg) : 0;
	case 2:
		return a->cb->alias ? a->cb->alias(cell(f, 1), cell(f, 2), cell(f, 3), a->arg) : 0;
	default:
		return a->cb->team_season ? a->cb->team_season(cell(f, 1), cell(f, 2),
		    (int)cell_int(f, 3), a->arg) : 0;
	}
}

/* The registry's four tables in one query (a job: a second or more on
 * BigQuery), as rows (kind, four columns as text), the players by id. */
static int
bq_registry_load(pgs_store *st, const struct pgs_registry_cb *cb, void *arg)
{
	struct bq_store *b = (struct bq_store *)st;
	static const char *const cols[] = {
		"`universal_player_id`, `player_lookup`, `player_full_name`, `first_game_id`",
		"`source`, `source_player_id`, `universal_player_id`, NULL",
		"`alias_lookup`, `universal_player_id`, `rule`, NULL",
		"`universal_player_id`, `team_abbr`, CAST(`season_year` AS STRING), NULL",
	};
	static const char *const tables[] = { "players_registry", "player_source_ids",
		"player_aliases", "player_team_seasons" };
	const int want[] = { !!cb->player, !!cb->source_id, !!cb->alias, !!cb->team_season };
	struct reg_arg a = { cb, arg, 0 };
	pgs_buf q = { 0 };
	int rc, n = 0;

	for (int k = 0; k < 4; k++) {
		if (!want[k])
			continue;
		pgs_buf_addf(&q, "%sSELECT %d AS k, %s FROM %s", n++ ? " UNION ALL " : "", k, cols[k],
		    fq(b, 0, tables[k]));
	}
	if (!n)
		return 0;
	pgs_buf_adds(&q, " ORDER BY 1, 2");
	rc = bq_query(b, q.s, NULL, registry_row, &a, NULL, 0) == BQ_OK ? 0 : -1;
	pgs_buf_free(&q);
	return rc;
}

/* Column k of n records of stride strings, as an ARRAY<STRING> parameter. */
static void
column(json_t *ps, const char *name, const char *const *base, size_t n, size_t stride)
{
	param_array(ps, name, "STRING", base, n, stride);
}

static int
bq_registry_write(pgs_store *st, const struct pgs_registry_batch *rb)
{
	struct bq_store *b = (struct bq_store *)st;
	json_t *ps = json_array();
	pgs_buf q = { 0 };
	const char **tmp;
	size_t n = rb->nplayers, i;
	char msg[512], **counts = NULL;
	int rc;

	static const char *const tables[] = { "players_registry", "player_source_ids",
		"player_aliases", "unresolved_player_names", "player_team_seasons", NULL };
	static const char *const ledger[] = { "pgs_windows", NULL };

	if (check_tables(b, tables) < 0 || (rb->nstale_dates && check_tables(b, ledger) < 0) ||
	    ensure_version_row(b, "players_registry") < 0) {
		json_decref(ps);
		return -1;
	}
	n = n > rb->naliases ? n : rb->naliases;
	n = n > rb->nunresolved ? n : rb->nunresolved;
	tmp = pgs_xcalloc(7 * n + 1, sizeof(*tmp));
	pgs_buf_adds(&q, "BEGIN TRANSACTION;\n");

	/* a concurrent run that took one of the new ids, or gave a source id to another player */
	for (i = 0; i < rb->nplayers; i++)
		tmp[i] = rb->players[i].uid;
	column(ps, "p_uid", tmp, rb->nplayers, 1);
	column(ps, "s_src", rb->source_ids, rb->nsource_ids, 3);
	column(ps, "s_spid", rb->source_ids + 1, rb->nsource_ids, 3);
	column(ps, "s_uid", rb->source_ids + 2, rb->nsource_ids, 3);
	pgs_buf_addf(&q, "IF EXISTS (SELECT 1 FROM %s WHERE `universal_player_id` IN UNNEST(@p_uid))"
	    " OR EXISTS (SELECT 1 FROM UNNEST(@s_src) AS src WITH OFFSET o JOIN %s p"
	    " ON p.`source` = src AND p.`source_player_id` = @s_spid[OFFSET(o)]"
	    " WHERE p.`universal_player_id` != @s_uid[OFFSET(o)]) THEN\n"
	    "  RAISE USING MESSAGE = 'pgs-conflict: a concurrent run registered these players';\n"
	    "END IF;\n", fq(b, 0, "players_registry"), fq(b, 1, "player_source_ids"));
	/* inserts alone never conflict on BigQuery: two runs registering the same new
	 * players would both commit; the registry's version row makes them conflict, and
	 * the loser, run again, meets the check above */
	bump_version(&q, b);
	param(ps, "vtbl", "STRING", "players_registry");
	param(ps, "run_id", "STRING", NULL);
	if (rb->nplayers) {
		for (i = 0; i < rb->nplayers; i++) {
			tmp[n + i] = rb->players[i].lookup;
			tmp[2 * n + i] = rb->players[i].name;
			tmp[3 * n + i] = rb->players[i].first_game_id;
		}
		column(ps, "p_lookup", tmp + n, rb->nplayers, 1);
		column(ps, "p_name", tmp + 2 * n, rb->nplayers, 1);
		column(ps, "p_game", tmp + 3 * n, rb->nplayers, 1);
		pgs_buf_addf(&q, "INSERT INTO %s (`universal_player_id`, `player_lookup`,"
		    " `player_full_name`, `first_game_id`, `created_at`) SELECT u, @p_lookup[OFFSET(o)],"
		    " @p_name[OFFSET(o)],"
		    " @p_game[OFFSET(o)], CURRENT_TIMESTAMP() FROM UNNEST(@p_uid) AS u WITH OFFSET o;\n",
		    fq(b, 0, "players_registry"));
	}
	if (rb->nsource_ids)
		pgs_buf_addf(&q, "MERGE %s t USING (SELECT src, @s_spid[OFFSET(o)] AS spid,"
		    " @s_uid[OFFSET(o)] AS uid FROM UNNEST(@s_src) AS src WITH OFFSET o) n"
		    " ON t.`source` = n.src AND t.`source_player_id` = n.spid"
		    " WHEN NOT MATCHED THEN INSERT (`source`, `source_player_id`, `universal_player_id`)"
		    " VALUES (n.src, n.spid, n.uid);\n", fq(b, 0, "player_source_ids"));
	if (rb->naliases) {
		for (i = 0; i < rb->naliases; i++) {
			tmp[i] = rb->aliases[i].alias_lookup;
			tmp[n + i] = rb->aliases[i].uid;
			tmp[2 * n + i] = rb->aliases[i].rule;
		}
		column(ps, "a_lookup", tmp, rb->naliases, 1);
		column(ps, "a_uid", tmp + n, rb->naliases, 1);
		column(ps, "a_rule", tmp + 2 * n, rb->naliases, 1);
		/* a newer alias decision replaces the old one; created_at says when first made */
		pgs_buf_addf(&q, "MERGE %s t USING (SELECT a, @a_uid[OFFSET(o)] AS u, @a_rule[OFFSET(o)] AS r"
		    " FROM UNNEST(@a_lookup) AS a WITH OFFSET o) n ON t.`alias_lookup` = n.a"
		    " WHEN MATCHED THEN UPDATE SET `universal_player_id` = n.u, `rule` = n.r"
		    " WHEN NOT MATCHED THEN INSERT (`alias_lookup`, `universal_player_id`, `rule`,"
		    " `created_at`) VALUES (n.a, n.u, n.r, CURRENT_TIMESTAMP());\n",
		    fq(b, 0, "player_aliases"));
	}
	if (rb->nunresolved) {
		counts = pgs_xcalloc(rb->nunresolved, sizeof(*counts));
		for (i = 0; i < rb->nunresolved; i++) {
			const struct pgs_unresolved *u = &rb->unresolved[i];

			tmp[i] = u->player_lookup;
			tmp[n + i] = u->source ? u->source : "";
			tmp[2 * n + i] = u->player_name;
			tmp[3 * n + i] = u->team_abbr;
			tmp[4 * n + i] = u->game_id;
			tmp[5 * n + i] = u->game_date;
			counts[i] = pgs_xasprintf("%ld", u->count > 0 ? u->count : 1);
			tmp[6 * n + i] = counts[i];
		}
		column(ps, "u_lookup", tmp, rb->nunresolved, 1);
		column(ps, "u_source", tmp + n, rb->nunresolved, 1);
		column(ps, "u_name", tmp + 2 * n, rb->nunresolved, 1);
		column(ps, "u_team", tmp + 3 * n, rb->nunresolved, 1);
		column(ps, "u_game", tmp + 4 * n, rb->nunresolved, 1);
		column(ps, "u_date", tmp + 5 * n, rb->nunresolved, 1);
		param_array(ps, "u_count", "INT64", tmp + 6 * n, rb->nunresolved, 1);
		pgs_buf_addf(&q, "MERGE %s t USING (SELECT l, @u_source[OFFSET(o)] AS s,"
		    " @u_name[OFFSET(o)] AS nm, @u_team[OFFSET(o)] AS tm, @u_game[OFFSET(o)] AS g,"
		    " CAST(@u_date[OFFSET(o)] AS DATE) AS d, @u_count[OFFSET(o)] AS c"
		    " FROM UNNEST(@u_lookup) AS l WITH OFFSET o) n"
		    " ON t.`player_lookup` = n.l AND t.`source` = n.s"
		    " WHEN MATCHED THEN UPDATE SET `occurrences` = t.`occurrences` + n.c,"
		    " `first_game_id` = IF(n.d < t.`first_game_date`, n.g, t.`first_game_id`),"
		    " `first_game_date` = LEAST(t.`first_game_date`, n.d),"
		    " `last_game_date` = GREATEST(t.`last_game_date`, n.d)"
		    " WHEN NOT MATCHED THEN INSERT (`player_lookup`, `source`, `player_name`, `team_abbr`,"
		    " `first_game_id`, `first_game_date`, `last_game_date`, `occurrences`)"
		    " VALUES (n.l, n.s, n.nm, n.tm, n.g, n.d, n.d, n.c);\n",
		    fq(b, 0, "unresolved_player_names"));
	}
	if (rb->nteam_seasons) {
		column(ps, "ts_uid", rb->team_seasons, rb->nteam_seasons, 3);
		column(ps, "ts_team", rb->team_seasons + 1, rb->nteam_seasons, 3);
		param_array(ps, "ts_year", "INT64", rb->team_seasons + 2, rb->nteam_seasons, 3);
		pgs_buf_addf(&q, "MERGE %s t USING (SELECT DISTINCT u, @ts_team[OFFSET(o)] AS tm,"
		    " @ts_year[OFFSET(o)] AS y FROM UNNEST(@ts_uid) AS u WITH OFFSET o) n"
		    " ON t.`universal_player_id` = n.u AND t.`team_abbr` = n.tm AND t.`season_year` = n.y"
		    " WHEN NOT MATCHED THEN INSERT (`universal_player_id`, `team_abbr`, `season_year`)"
		    " VALUES (n.u, n.tm, n.y);\n", fq(b, 0, "player_team_seasons"));
	}
	if (rb->nfirst_games) {
		column(ps, "fg_uid", rb->first_games, rb->nfirst_games, 2);
		column(ps, "fg_game", rb->first_games + 1, rb->nfirst_games, 2);
		/* the earliest wins, whichever run saw it first */
		pgs_buf_addf(&q, "UPDATE %s t SET `first_game_id` = n.g FROM (SELECT u,"
		    " @fg_game[OFFSET(o)] AS g FROM UNNEST(@fg_uid) AS u WITH OFFSET o) n"
		    " WHERE t.`universal_player_id` = n.u AND (t.`first_game_id` IS NULL"
		    " OR t.`first_game_id` > n.g);\n", fq(b, 0, "players_registry"));
	}
	if (rb->nstale_dates) {
		param_array(ps, "sd_date", "DATE", rb->stale_dates, rb->nstale_dates, 1);
		param_int(ps, "sd_now", pgs_now_us());
		pgs_buf_addf(&q, "INSERT INTO %s (`tbl`, `scope`, `from_date`, `to_date`, `rows`,"
		    " `started_at`, `committed_at`) SELECT 'players_registry', 'first_game_id', d, d, 0,"
		    " TIMESTAMP_MICROS(@sd_now), TIMESTAMP_MICROS(@sd_now) FROM UNNEST(@sd_date) AS d;\n",
		    fq(b, 0, "pgs_windows"));
	}
	pgs_buf_adds(&q, "COMMIT TRANSACTION;\n");
	msg[0] = '\0';
	rc = bq_exec(b, "registering players", q.s, ps, msg, sizeof(msg));
	if (rc == BQ_FAIL && strstr(msg, "pgs-conflict:"))
		rc = PGS_STORE_CONFLICT;
	else if (rc == BQ_FAIL) {
		if (*msg)
			pgs_err("store '%s': writing the registry: %s", b->base.uri, msg);
		rc = -1;
	}
	for (i = 0; counts && i < rb->nunresolved; i++)
		free(counts[i]);
	free(counts);
	free(tmp);
	pgs_buf_free(&q);
	return rc;
}

/* ---- a neutral look at a table ---- */

static int
json_row(json_t *f, void *arg)
{
	struct doc_arg *d = arg;
	const char *s = cell(f, 0);

	return d->fn(s ? s : "{}", s ? strlen(s) : 2, d->arg);
}

static int
bq_table_read(pgs_store *st, const char *table, int (*fn)(const char *json, size_t len, void *arg),
    void *arg)
{
	struct bq_store *b = (struct bq_store *)st;
	struct doc_arg d = { fn, arg };
	pgs_buf q = { 0 };
	int rc;

	const char *k = pgs_store_table_keys(table);

	pgs_buf_addf(&q, "SELECT TO_JSON_STRING(t) FROM %s t ORDER BY ", fq(b, 0, table));
	/* "a, b" quoted as "t.`a`, t.`b`" */
	while (k && *k) {
		size_t n = strcspn(k, ", ");

		pgs_buf_addf(&q, "t.`%.*s`", (int)n, k);
		k += n;
		if (*k)
			pgs_buf_adds(&q, ", ");
		k += strspn(k, ", ");
	}
	rc = bq_query(b, q.s, NULL, json_row, &d, NULL, 0);
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : -1;
}

/* The summary rows of one table among the window's, as of @as_of when set:
 * "SELECT fields FROM TABLE WHERE ..." (partitions pruned by the dates). */
static void
summary_select(pgs_buf *q, struct bq_store *b, int k, const char *table, int as_of, int history)
{
	const struct pgs_table *t = pgs_table_get(PGS_TABLE_SUMMARY);

	pgs_buf_adds(q, "SELECT ");
	for (size_t i = 0; i < t->nf; i++) {
		pgs_buf_adds(q, i ? ", " : "");
		qid(q, NULL, t->f[i].name);
	}
	pgs_buf_addf(q, " FROM %s WHERE `game_date` BETWEEN @from AND @to", fq(b, k, table));
	if (as_of)
		pgs_buf_adds(q, " AND (`valid_from` IS NULL OR `valid_from` <= TIMESTAMP_MICROS(@as_of))");
	if (history)
		pgs_buf_adds(q, " AND `valid_to` > TIMESTAMP_MICROS(@as_of)");
}

static int
bq_summary_read(pgs_store *st, const char *from, const char *to, const char *as_of,
    int (*fn)(const char *json, size_t len, void *arg), void *arg)
{
	struct bq_store *b = (struct bq_store *)st;
	struct doc_arg d = { fn, arg };
	json_t *ps = json_array();
	pgs_buf q = { 0 };
	long long us = 0;
	int rc;

	if (as_of && pgs_timestamp_parse(as_of, &us) < 0) {
		pgs_err("store '%s': bad time '%s'", b->base.uri, as_of);
		json_decref(ps);
		return -1;
	}
	param(ps, "from", "DATE", from);
	param(ps, "to", "DATE", to);
	/* without a time, the table alone: the history's bytes are not billed */
	pgs_buf_adds(&q, "SELECT TO_JSON_STRING(r) FROM (");
	summary_select(&q, b, 0, PGS_TABLE_SUMMARY, as_of != NULL, 0);
	if (as_of) {
		param_int(ps, "as_of", us);
		pgs_buf_adds(&q, " UNION ALL ");
		summary_select(&q, b, 1, PGS_TABLE_HISTORY, 1, 1);
	}
	pgs_buf_adds(&q, ") r ORDER BY r.`game_date`, r.`game_id`, r.`player_lookup`");
	rc = bq_query(b, q.s, ps, json_row, &d, NULL, 0);
	pgs_buf_free(&q);
	return rc == BQ_OK ? 0 : -1;
}

static int
count_row(json_t *f, void *arg)
{
	*(long *)arg = (long)cell_int(f, 0);
	return 0;
}

/* Counted, then deleted, each history table: up to four jobs (a DML job does
 * not return its count here). */
static long
bq_history_prune(pgs_store *st, const char *before)
{
	static const char *const tables[] = { PGS_TABLE_HISTORY, PGS_TABLE_RAW_HISTORY };
	struct bq_store *b = (struct bq_store *)st;
	pgs_buf q = { 0 };
	long long us;
	long total = 0, n;
	json_t *ps;

	if (pgs_timestamp_parse(before, &us) < 0) {
		pgs_err("store '%s': bad time '%s'", b->base.uri, before);
		return -1;
	}
	for (size_t i = 0; total >= 0 && i < 2; i++) {
		n = -1;
		ps = json_array();
		param_int(ps, "before", us);
		pgs_buf_reset(&q);
		pgs_buf_addf(&q, "SELECT COUNT(*) FROM %s WHERE `valid_to` < TIMESTAMP_MICROS(@before)",
		    fq(b, 0, tables[i]));
		if (bq_query(b, q.s, ps, count_row, &n, NULL, 0) != BQ_OK)
			n = -1;
		if (n > 0) {
			ps = json_array();
			param_int(ps, "before", us);
			pgs_buf_reset(&q);
			pgs_buf_addf(&q, "DELETE FROM %s WHERE `valid_to` < TIMESTAMP_MICROS(@before)",
			    fq(b, 0, tables[i]));
			if (bq_exec(b, "pruning the history", q.s, ps, NULL, 0) != BQ_OK)
				n = -1;
		}
		total = n < 0 ? -1 : total + n;
	}
	pgs_buf_free(&q);
	return total;
}

/* ---- validation reads (pgs-validate): one GROUP BY query each ---- */

struct val_arg {
	int (*game)(const struct pgs_game_stats *g, void *arg);
	int (*raw)(const struct pgs_raw_date *d, void *arg);
	int (*unresolved)(const struct pgs_unresolved_name *u, void *arg);
	void *arg;
};

static int
game_row(json_t *f, void *arg)
{
	struct val_arg *a = arg;
	long v[21];

	for (size_t i = 0; i < 21; i++)
		v[i] = (long)cell_int(f, i + 4);
	struct pgs_game_stats g = { cell(f, 0), cell(f, 1), cell(f, 2), cell(f, 3), v[0], v[1], v[2],
		v[3], v[4], v[5], v[6], v[7], v[8], v[9], v[10], v[11], v[12], v[13], v[14], v[15], v[16],
		v[17], v[18], v[19], v[20], { 0 }, 0, NULL };

	for (int i = 0; i < PGS_GAME_NSUMS; i++)
		g.sums[i] = (long)cell_int(f, 25 + (size_t)i);
	g.provisional = (long)cell_int(f, 25 + PGS_GAME_NSUMS);
	g.sources = cell(f, 26 + PGS_GAME_NSUMS);
	return a->game(&g, a->arg);
}

/* A validation read: the query of lib/sql.c over [from, to] of the dataset's table, each row to fn. */
static int
window_read(struct bq_store *b, void (*query)(pgs_buf *, const struct pgs_sql_dialect *, const char *),
    const char *table, const char *from, const char *to, row_fn fn, void *arg)
{
	json_t *ps = json_array();
	pgs_buf q = { 0 };
	int rc;

	query(&q, &pgs_sql_bigquery, fq(b, 0, table));
	param(ps, "from", "DATE", from);
	param(ps, "to", "DATE", to);
	rc = bq_query(b, q.s, ps, fn, arg, NULL, 0) == BQ_OK ? 0 : -1;
	pgs_buf_free(&q);
	return rc;
}

static int
bq_summary_games(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_game_stats *g, void *arg), void *arg)
{
	struct val_arg a = { .game = fn, .arg = arg };

	return window_read((struct bq_store *)st, pgs_sql_summary_games, PGS_TABLE_SUMMARY, from, to, game_row, &a);
}

static int
raw_date_row(json_t *f, void *arg)
{
	struct val_arg *a = arg;
	struct pgs_raw_date d = { cell(f, 0), cell(f, 1), (long)cell_int(f, 2), (long)cell_int(f, 3) };

	return a->raw(&d, a->arg);
}

static int
bq_raw_dates(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_raw_date *d, void *arg), void *arg)
{
	struct val_arg a = { .raw = fn, .arg = arg };

	return window_read((struct bq_store *)st, pgs_sql_raw_dates, PGS_TABLE_RAW, from, to, raw_date_row, &a);
}

static int
unresolved_name_row(json_t *f, void *arg)
{
	struct val_arg *a = arg;
	struct pgs_unresolved_name u = { cell(f, 0), cell(f, 1), cell(f, 2), cell(f, 3), cell(f, 4),
		(long)cell_int(f, 5), (long)cell_int(f, 6) };

	return a->unresolved(&u, a->arg);
}

static int
bq_summary_unresolved(pgs_store *st, const char *from, const char *to,
    int (*fn)(const struct pgs_unresolved_name *u, void *arg), void *arg)
{
	struct val_arg a = { .unresolved = fn, .arg = arg };

	return window_read((struct bq_store *)st, pgs_sql_summary_unresolved, PGS_TABLE_SUMMARY, from, to,
	    unresolved_name_row, &a);
}

static const char *const bq_prefixes[] = { "bigquery://", NULL };

const struct pgs_store_ops pgs_store_bq_ops = {
	.prefixes = bq_prefixes,
	.open = bq_open,
	.close = bq_close,
	.dedups = 0,
	.retry_ms = 1000,
	.stage_begin = bq_stage_begin,
	.stage_row = bq_stage_row,
	.lock = bq_lock,
	.inspect = bq_inspect,
	.apply = bq_apply,
	.stage_end = bq_stage_end,
	/* each group costs a load job, an inspection and a transaction (about 1 s each):
	 * the real seasons' one-day backfill took 43.6 s in groups of 32 MiB, 31.5 s in
	 * one of 128 MiB (the load's body is a mapped temporary file, not heap) */
	.group_mb = 128,
	.group_lock = bq_group_lock,
	.group_inspect = bq_group_inspect,
	.group_apply = bq_group_apply,
	.raw_read = bq_raw_read,
	.ledger = bq_ledger,
	.registry_load = bq_registry_load,
	.registry_write = bq_registry_write,
	.table_read = bq_table_read,
	.summary_read = bq_summary_read,
	.history_prune = bq_history_prune,
	.summary_games = bq_summary_games,
	.raw_dates = bq_raw_dates,
	.summary_unresolved = bq_summary_unresolved,
};
