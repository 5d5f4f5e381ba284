/*
 * pgs-run — the batch coordinator: every batch of a job's plan through a
 * pipeline of stages, each batch recorded in the job's checkpoint as its
 * outcome arrives, a progress line a batch, a summary and one exit status.
 *
 * The plan (FROM<TAB>TO lines, what pgs-checkpoint plan prints) comes on
 * standard input; the stages follow "--", separated by "|" arguments, with
 * {} standing for a file of windows (--windows: each stage started once for
 * many batches, a window stream) or {from} and {to} for one batch's dates.
 * With --jobs N GNU parallel runs N workers (pgs-run --worker) over chunks of
 * the plan; with --sshlogin/--sshloginfile it runs them on other hosts, one
 * batch a job.  A worker records nothing: it prints each batch's outcome as
 * one JSON line, and the coordinator records it.  The rules (outcomes,
 * messages, totals, exit status) are lib/run.c's, the process groups,
 * spawning, signals and stopping lib/proc.c's; this file ties them to a run.
 */
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "dates.h"
#include "hash.h"
#include "opts.h"
#include "proc.h"
#include "run.h"
#include "store.h"
#include "util.h"

#define QUIET (pgs_verbosity == 0)
#define VERBOSE (pgs_verbosity >= 2)

struct opts {
	const char *job, *remote_path, *sshloginfile, *plan, *from, *to, *same_version;
	struct pgs_strlist sshlogin, same_file;
	long jobs;
	int windows, halt, dry_run, worker;
};

/* One run: its options, stages, files and totals. */
struct run {
	struct opts o;
	char **stage[PGS_MAXSTAGES];     /* argv of each stage, NULL-terminated, placeholders unreplaced */
	size_t nstages;
	char *tmp;                   /* the run's temporary directory */
	struct pgs_stagelog log;     /* the stages' diagnostics: written by them, read here */
	long long t0_ms;             /* the run's start (PGS_RUN_STARTED), wall clock */
	struct pgs_run_totals t;
	int stage_rejected;          /* a stage said it rejected rows (exit 1) */
	const char *host;            /* a worker on a host: its name */
};

static const char *const synopsis[] = {
	"pgs-run [--job J] [--jobs N] [--windows] [--halt-on-error] [--dry-run]",
	"[--sshlogin LOGIN]... [--sshloginfile FILE] [--remote-path DIR] [--same-file FILE]...",
	"-- STAGE [ARG...] [| STAGE [ARG...]]... < PLAN",
	"pgs-run --worker [--job J] (--plan FILE | --from D --to D) [--windows]",
	"[--halt-on-error] [--dry-run] [--same-version V] [--same-file FILE=SHA256]... [--remote-path DIR]",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "Run every batch of job J's plan (FROM<TAB>TO lines on standard input) through\n"
	    "the stages after \"--\" (a pipeline: \"|\" arguments separate them), record each\n"
	    "batch in the job's checkpoint as its outcome arrives (done, failed or refused;\n"
	    "nothing with --dry-run), print a progress line a batch and a summary on\n"
	    "standard error, and exit with the run's status.  In the stages {} is a file of\n"
	    "the windows still to do (--windows: each stage started once for many batches),\n"
	    "{from} and {to} one batch's dates (the stages started once a batch).  Without\n"
	    "--job nothing is recorded and there is no summary: each statistics line goes to\n"
	    "standard output, and only a batch written is a progress line (pgs-ingest FILE).\n"
	    "\n"
	    "  --jobs N             N workers at once, through GNU parallel (default 1)\n"
	    "  --windows            the stages take a window stream ({})\n"
	    "  --halt-on-error      stop at the first batch that fails or is refused\n"
	    "  --dry-run            record nothing (the stages were told themselves)\n"
	    "  --sshlogin LOGIN, --sshloginfile FILE\n"
	    "                       run the batches on these hosts (GNU parallel's options)\n"
	    "  --remote-path DIR    the directory of the pgs tools on the hosts\n"
	    "  --same-file FILE     a file every host must have the same, at the same path\n"
	    "  --worker             run as GNU parallel's worker: print each batch's outcome\n"
	    "                       as a JSON line on standard output, record nothing\n"
	    "\n");
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 every batch done, 1 rows were rejected, 2 usage error, 3 a batch failed, gave no\n"
	"result or could not be recorded, 4 a guard refused a batch; 128+N after signal N",
	0,
};

static char *
tmp_path(const struct run *r, const char *file)
{
	return pgs_xasprintf("%s/%s", r->tmp, file);
}

/* Write the text to stderr; a closed stderr is SIGPIPE's business. */
static void
to_stderr(const char *s, size_t n)
{
	while (n > 0) {
		ssize_t w = write(STDERR_FILENO, s, n);

		if (w < 0) {
			if (errno == EINTR && !pgs_stop_signal())
				continue;
			return;
		}
		s += w;
		n -= (size_t)w;
	}
}

/* ---- the stages ---- */

/* The stages of argv[0..argc) split at "|" arguments; 0, or a usage error. */
static int
parse_stages(struct run *r, int argc, char **argv)
{
	int i, start = 0;

	for (i = 0; i <= argc; i++) {
		if (i < argc && strcmp(argv[i], "|") != 0)
			continue;
		if (i == start)
			return pgs_usage_error("an empty stage: want STAGE [ARG...] [| STAGE [ARG...]]... after --");
		if (r->nstages == PGS_MAXSTAGES)
			return pgs_usage_error("more than %d stages", PGS_MAXSTAGES);
		r->stage[r->nstages] = pgs_xcalloc((size_t)(i - start + 1), sizeof(char *));
		for (int k = start; k < i; k++)
			r->stage[r->nstages][k - start] = pgs_xstrdup(argv[k]);
		r->nstages++;
		start = i + 1;
	}
	return -1;
}

/* The stages, their placeholders filled, into a pipeline of their own. */
static int
pipeline_start(struct run *r, struct pgs_pipeline *p, const char *windows, const char *from, const char *to)
{
	char **argv[PGS_MAXSTAGES];
	int rc;

	for (size_t i = 0; i < r->nstages; i++) {
		size_t n = 0;

		while (r->stage[i][n])
			n++;
		argv[i] = pgs_xcalloc(n + 1, sizeof(char *));
		for (size_t k = 0; k < n; k++)
			argv[i][k] = pgs_run_fill(r->stage[i][k], windows, from, to);
	}
	rc = pgs_pipeline_start(p, argv, r->nstages, r->log.fd);
	for (size_t i = 0; i < r->nstages; i++) {
		for (char **q = argv[i]; *q; q++)
			free(*q);
		free(argv[i]);
	}
	return rc;
}

/* ---- where a batch's outcome goes ---- */

/* Record the batch in the job's checkpoint (not in a dry run): 0, or -1
 * after saying it could not. */
static int
record(struct run *r, const struct pgs_batch *b, const char *stats, size_t len)
{
	struct pgs_job j = PGS_JOB_INIT;
	struct pgs_stats st;
	char *dir = NULL, why[256];
	long a, e;
	int rc = -1, loaded;

	if (r->o.dry_run || !r->o.job)
		return 0;
	if (!(dir = pgs_state_dir()) || pgs_date_parse(b->from, &a) < 0 || pgs_date_parse(b->to, &e) < 0 ||
	    pgs_job_lock(&j, dir, r->o.job, 0) < 0 || (loaded = pgs_job_load(&j)) < 0 ||
	    pgs_job_check_batch(&j, b->from, b->to, a, e) != 0)
		goto out;
	if (b->status == PGS_BATCH_DONE)
		rc = pgs_job_done(&j, b->from, b->to, a, e,
		    stats && pgs_stats_parse(stats, len, &st, why, sizeof(why)) == 0 ? &st : NULL);
	else
		rc = pgs_job_failed(&j, b->from, b->to, b->status == PGS_BATCH_REFUSED ?
		    (b->refused[0] ? b->refused : "refused") : NULL, b->msg);
out:
	(void)loaded;
	pgs_job_free(&j);
	free(dir);
	if (rc < 0)
		pgs_err(b->status == PGS_BATCH_DONE ? "cannot mark batch %s..%s done in job '%s'" :
		    b->status == PGS_BATCH_REFUSED ? "cannot record batch %s..%s refused in job '%s'" :
		    "cannot mark batch %s..%s failed in job '%s'", b->from, b->to, r->o.job);
	return rc;
}

static long long
elapsed_ms(const struct run *r)
{
	return pgs_now_us() / 1000 - r->t0_ms;
}

/* The coordinator's part: record the batch, show its diagnostics (all of
 * them when it did not succeed, none with -q when it did), add it to the
 * totals and print the progress line.  -1 when it could not be recorded. */
static int
account(struct run *r, const struct pgs_batch *b, const char *stats, size_t len, const char *log,
    size_t loglen)
{
	pgs_buf line = { 0 };
	int tty = isatty(STDERR_FILENO);

	if (record(r, b, stats, len) < 0) {
		r->t.lost++;
		return -1;
	}
	if (loglen > 0 && (!QUIET || b->status != PGS_BATCH_DONE)) {
		if (tty && !QUIET)
			to_stderr("\n", 1);
		to_stderr(log, loglen);
	}
	pgs_run_account(&r->t, b);
	/* no job: the statistics line is the output, and only a write is progress */
	if (!r->o.job && stats && (printf("%.*s\n", (int)len, stats) < 0 || fflush(stdout) != 0))
		return -1;
	if (QUIET || (!r->o.job && b->status != PGS_BATCH_DONE))
		return 0;
	pgs_buf_addf(&line, tty ? "\r%s: " : "%s: ", pgs_prog);
	pgs_run_progress(&r->t, elapsed_ms(r), &line);
	pgs_buf_adds(&line, tty ? "\033[K" : "\n");
	to_stderr(line.s, line.len);
	pgs_buf_free(&line);
	return 0;
}

/* The worker's part: the batch's outcome as one JSON line on standard
 * output, for the coordinator.  -1 when it cannot be written. */
static int
report(struct run *r, const struct pgs_batch *b, const char *stats, size_t len, const char *log,
    size_t loglen)
{
	static const char *const names[] = { "done", "failed", "refused" };
	json_t *o, *lines = json_array(), *st = stats ? json_loadb(stats, len, 0, NULL) : NULL;
	char msg[sizeof(b->msg) + 300];
	char *text;
	int rc;

	for (const char *p = log, *end = log + loglen; p < end; ) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		size_t n = nl ? (size_t)(nl - p) : (size_t)(end - p);

		json_array_append_new(lines, json_stringn_nocheck(p, n));
		p += n + 1;
	}
	snprintf(msg, sizeof(msg), "%s%s%s", r->host && b->status != PGS_BATCH_DONE ? "host " : "",
	    r->host && b->status != PGS_BATCH_DONE ? r->host : "", r->host && b->status != PGS_BATCH_DONE ? ": " : "");
	strncat(msg, b->msg, sizeof(msg) - strlen(msg) - 1);
	o = json_pack("{s:s, s:s, s:s, s:i, s:s, s:o, s:o}", "from", b->from, "to", b->to,
	    "status", names[b->status], "code", b->code, "message", msg,
	    "stats", st ? st : json_null(), "log", lines);
	if (r->host)
		json_object_set_new(o, "host", json_string(r->host));
	text = json_dumps(o, JSON_COMPACT);
	json_decref(o);
	rc = text && printf("%s\n", text) >= 0 && fflush(stdout) == 0 ? 0 : -1;
	free(text);
	return rc;
}

static int
emit(struct run *r, const struct pgs_batch *b, const char *stats, size_t len, const char *log, size_t loglen)
{
	return r->o.worker ? report(r, b, stats, len, log, loglen) : account(r, b, stats, len, log, loglen);
}

/* ---- running windows ---- */

enum { RUN_OK, RUN_HALTED, RUN_STOPPED };

/* The windows w[i..n) into the file of a window stream. */
static int
write_windows(const char *path, const pgs_window_list w, size_t i, size_t n)
{
	FILE *f = fopen(path, "w");

	if (!f) {
		pgs_err("cannot create '%s': %s", path, strerror(errno));
		return -1;
	}
	for (; i < n; i++)
		fprintf(f, "%s\t%s\n", w[i][0], w[i][1]);
	return pgs_close_stream(f, path);
}

/*
 * Every window of w through the stages: with --windows one pipeline for
 * them all (a window stream), else one a window.  Each statistics line of
 * the last stage is a window's outcome, handed on as it arrives.  When a
 * pipeline stops before a window was written, that window is tried again
 * at the head of a pipeline of its own, so that a failure is recorded
 * against the batch that caused it, with its stage's message; the run
 * then goes on after it.
 */
static int
run_windows(struct run *r, const pgs_window_list w, size_t n)
{
	char *logpath = tmp_path(r, r->o.windows ? "stream.log" : "one.log");
	char *wfile = tmp_path(r, "stream.windows"), *line = NULL;
	size_t i = 0, cap = 0, first;
	pgs_buf log = { 0 }, said = { 0 };   /* a window's diagnostics; all the stream's */
	struct pgs_pipeline p;
	ssize_t len;
	int rc = RUN_OK;

	while (i < n && rc == RUN_OK) {
		first = i;
		pgs_buf_reset(&said);
		if ((r->o.windows && write_windows(wfile, w, i, n) < 0) || pgs_stagelog_reset(&r->log, logpath) < 0 ||
		    pipeline_start(r, &p, r->o.windows ? wfile : NULL, w[i][0], w[i][1]) < 0) {
			rc = RUN_STOPPED;
			break;
		}
		while (rc == RUN_OK && (r->o.windows || i == first)) {
			struct pgs_batch b;
			char why[256];

			errno = 0;
			if ((len = getline(&line, &cap, p.out)) < 0) {
				if (errno == EINTR && !pgs_stop_signal()) {
					clearerr(p.out);
					continue;
				}
				break;
			}
			while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
				line[--len] = '\0';
			if (len == 0)
				continue;
			if (pgs_batch_from_stats(&b, line, (size_t)len, why, sizeof(why)) < 0) {
				pgs_batch_init(&b, w[i][0], w[i][1]);
				b.status = PGS_BATCH_FAILED;
				b.code = 3;
				snprintf(b.msg, sizeof(b.msg), "bad statistics line from pgs-write: %s", why);
			}
			pgs_buf_reset(&log);
			if (!QUIET || b.status != PGS_BATCH_DONE || r->o.worker)
				pgs_stagelog_take(&r->log, &log);
			pgs_buf_add(&said, log.s ? log.s : "", log.len);
			if (emit(r, &b, line, (size_t)len, log.s, log.len) < 0)
				rc = RUN_STOPPED;
			i++;
			if (r->o.halt && b.status != PGS_BATCH_DONE && rc == RUN_OK)
				rc = RUN_HALTED;
		}
		if (rc != RUN_OK || pgs_stop_signal()) {
			pgs_pipeline_stop(&p);
			rc = rc == RUN_OK ? RUN_STOPPED : rc;
			break;
		}
		pgs_pipeline_wait(&p);
		for (size_t k = 0; k < p.n; k++)
			if (p.status[k] == 1)
				r->stage_rejected = 1;
		if (i > first && (!r->o.windows || i >= n))
			continue;
		/* the pipeline stopped before window i: which stage, and what it said */
		struct pgs_batch b;
		int k = pgs_run_cause(p.status, p.n);

		pgs_batch_init(&b, w[i][0], w[i][1]);
		b.status = PGS_BATCH_FAILED;
		b.code = k >= 0 ? p.status[k] : 3;
		/* its words may have come before an earlier window's outcome was read
		 * (the stage runs ahead of us): all the stream said counts */
		pgs_buf_reset(&log);
		pgs_stagelog_take(&r->log, &log);
		pgs_buf_add(&said, log.s ? log.s : "", log.len);
		if (k >= 0)
			pgs_run_stage_message(r->stage[k][0], p.status[k], said.s ? said.s : "", said.len,
			    b.msg, sizeof(b.msg));
		else
			snprintf(b.msg, sizeof(b.msg), "the stages stopped before its window was written");
		if (i > first) {
			/* not the stream's first window: try it again at the head of a stream */
			if (!QUIET) {
				char *m = pgs_xasprintf("%s: batch %s..%s: %s; running it again on its own\n",
				    pgs_prog, b.from, b.to, b.msg);

				to_stderr(m, strlen(m));
				free(m);
			}
			continue;
		}
		/* the window failed at the head of its stream: it is the cause */
		if (emit(r, &b, NULL, 0, log.s, log.len) < 0)
			rc = RUN_STOPPED;
		i++;
		if (r->o.halt && rc == RUN_OK)
			rc = RUN_HALTED;
	}
	/* what the stages said after the last window's outcome */
	if (rc == RUN_OK && !QUIET) {
		pgs_buf_reset(&log);
		pgs_stagelog_take(&r->log, &log);
		to_stderr(log.s ? log.s : "", log.len);
	}
	pgs_buf_free(&log);
	pgs_buf_free(&said);
	free(line);
	free(wfile);
	free(logpath);
	return rc;
}

/* ---- workers under GNU parallel ---- */

/* The environment a host gets: these when they are set here (never a
 * secret: they travel on ssh's command line), the store without its
 * password, and the stages. */
static const char *const carried[] = {
	"PGS_RUN_STAGES", "PGS_STORE", "PGS_SOURCE", "PGS_RUN_ID", "PGS_RUN_STARTED", "PGS_CONFIG_DIGEST",
	"SOURCE_DATE_EPOCH", "PGS_BQ_ENDPOINT", "PGS_BUSY_TIMEOUT_MS", "PGS_FAULT_COMMIT_SLEEP_MS",
	"PGS_HTTP_TIMEOUT", "PGS_HTTP_CONNECT_TIMEOUT", "PGS_HTTP_LOW_SPEED_TIME", "PGS_HTTP_RETRIES",
	"PGS_HTTP_BACKOFF_MS", "PGS_HTTP_USER_AGENT", NULL,
};

/* The stages as JSON (an array of argv arrays) for the workers; for hosts
 * (strip) every argument without its secrets. */
static char *
stages_json(const struct run *r, int strip)
{
	json_t *a = json_array();
	char *s;

	for (size_t i = 0; i < r->nstages; i++) {
		json_t *argv = json_array();

		for (char **p = r->stage[i]; *p; p++) {
			char *v = strip ? pgs_store_strip_secrets(*p) : pgs_xstrdup(*p);

			json_array_append_new(argv, json_string(v));
			free(v);
		}
		json_array_append_new(a, argv);
	}
	s = json_dumps(a, JSON_COMPACT);
	json_decref(a);
	return s;
}

/* A worker's stages, from PGS_RUN_STAGES. */
static int
stages_from_env(struct run *r)
{
	const char *s = getenv("PGS_RUN_STAGES");
	json_t *a = s ? json_loads(s, 0, NULL) : NULL, *argv, *v;
	size_t i, k;

	if (!json_is_array(a) || json_array_size(a) == 0 || json_array_size(a) > PGS_MAXSTAGES) {
		json_decref(a);
		return pgs_usage_error("--worker: no stages (PGS_RUN_STAGES)");
	}
	json_array_foreach(a, i, argv) {
		r->stage[i] = pgs_xcalloc(json_array_size(argv) + 1, sizeof(char *));
		json_array_foreach(argv, k, v)
			r->stage[i][k] = pgs_xstrdup(json_is_string(v) ? json_string_value(v) : "");
		if (!r->stage[i][0]) {
			json_decref(a);
			return pgs_usage_error("--worker: an empty stage in PGS_RUN_STAGES");
		}
	}
	r->nstages = json_array_size(a);
	json_decref(a);
	return -1;
}

/* On a host: why batches cannot run here (a tool not on PATH, another pgs
 * version, a file that is not the coordinator's), into why; 0 when they can. */
static int
host_check(const struct run *r, char *why, size_t whylen)
{
	for (size_t i = 0; i < r->nstages; i++)
		if (!pgs_on_path(r->stage[i][0]))
			return pgs_fail(why, whylen, "'%s' not found on PATH (--remote-path DIR names the directory "
			    "of the pgs tools there)", r->stage[i][0]);
	for (size_t i = 0; r->o.same_version && i < r->nstages; i++) {
		char *v = pgs_program_version(r->stage[i][0]);
		int same = v && strcmp(v, r->o.same_version) == 0;

		if (!same) {
			pgs_fail(why, whylen, "pgs %s there, %s on the coordinator: every host needs the same version",
			    v ? v : "?", r->o.same_version);
			free(v);
			return -1;
		}
		free(v);
	}
	for (int i = 0; i < r->o.same_file.n; i++) {
		const char *f = r->o.same_file.v[i], *eq = strrchr(f, '=');
		char *path = pgs_xstrndup(f, eq ? (size_t)(eq - f) : strlen(f)), sum[65];

		pgs_sha256_file(path, sum);
		if (!eq || strcmp(sum, eq + 1) != 0) {
			pgs_fail(why, whylen, "the file '%s' is missing there or differs from the coordinator's "
			    "(every host needs the same file at the same path)", path);
			free(path);
			return -1;
		}
		free(path);
	}
	return 0;
}

/* --worker: the batches of --plan FILE, or the one of --from/--to, each
 * outcome a JSON line; the exit status GNU parallel counts: 0, 1 when
 * --halt-on-error stopped at a batch, 128+N after a signal, 3 when the
 * outcomes could not be written. */
static int
worker(struct run *r)
{
	pgs_window_list w = NULL;
	size_t n = 0;
	char why[600];
	int rc;

	/* on a host (the coordinator asks for its version there): its name */
	if (r->o.same_version)
		r->host = getenv("PARALLEL_SSHHOST") ? getenv("PARALLEL_SSHHOST") : "localhost";
	/* --remote-path: the pgs tools there come first */
	if (r->o.remote_path) {
		char *path = pgs_xasprintf("%s:%s", r->o.remote_path, getenv("PATH") ? getenv("PATH") : "");

		setenv("PATH", path, 1);
		free(path);
	}
	if (r->o.plan) {
		if ((rc = pgs_opt_windows(r->o.plan, &w, &n)) != 0)
			return rc;
	} else {
		w = pgs_xcalloc(1, sizeof(*w));
		snprintf(w[0][0], sizeof(w[0][0]), "%s", r->o.from);
		snprintf(w[0][1], sizeof(w[0][1]), "%s", r->o.to);
		n = 1;
	}
	if (r->host && host_check(r, why, sizeof(why)) < 0) {
		for (size_t i = 0; i < n; i++) {
			struct pgs_batch b;

			pgs_batch_init(&b, w[i][0], w[i][1]);
			b.status = PGS_BATCH_FAILED;
			b.code = 3;
			snprintf(b.msg, sizeof(b.msg), "%s", why);
			if (report(r, &b, NULL, 0, "", 0) < 0)
				break;
		}
		free(w);
		return r->o.halt ? 1 : 0;
	}
	rc = run_windows(r, w, n);
	free(w);
	if (r->stage_rejected && rc == RUN_OK && (printf("{\"rejected\":true}\n") < 0 || fflush(stdout) != 0))
		rc = RUN_STOPPED;
	if (pgs_stop_signal())
		return 128 + pgs_stop_signal();
	return rc == RUN_HALTED ? 1 : rc == RUN_STOPPED ? PGS_EXIT_FAIL : 0;
}

/* One line of a worker: its batch's outcome, shown, recorded and counted. */
static int
worker_line(struct run *r, const char *line, size_t len)
{
	json_t *o = json_loadb(line, len, 0, NULL), *stats, *log, *v;
	struct pgs_batch b;
	const char *status, *host;
	pgs_buf text = { 0 };
	char *stext = NULL;
	size_t i;
	int rc;

	if (json_is_true(json_object_get(o, "rejected"))) {
		r->t.rejected++;
		json_decref(o);
		return 0;
	}
	status = json_string_value(json_object_get(o, "status"));
	if (!o || !status || pgs_batch_init(&b, json_string_value(json_object_get(o, "from")) ?: "",
	    json_string_value(json_object_get(o, "to")) ?: "") < 0) {
		/* a worker that died (or was killed) before printing its line */
		r->t.lost++;
		json_decref(o);
		return 0;
	}
	b.status = strcmp(status, "done") == 0 ? PGS_BATCH_DONE : strcmp(status, "refused") == 0 ?
	    PGS_BATCH_REFUSED : PGS_BATCH_FAILED;
	b.code = (int)json_integer_value(json_object_get(o, "code"));
	snprintf(b.msg, sizeof(b.msg), "%s", json_string_value(json_object_get(o, "message")) ?: "");
	if ((stats = json_object_get(o, "stats")) && json_is_object(stats)) {
		struct pgs_batch s;
		char why[256];

		stext = json_dumps(stats, JSON_COMPACT);
		if (stext && pgs_batch_from_stats(&s, stext, strlen(stext), why, sizeof(why)) == 0) {
			if (b.status == PGS_BATCH_DONE)
				memcpy(b.counts, s.counts, sizeof(b.counts));
			memcpy(b.refused, s.refused, sizeof(b.refused));
		}
	}
	/* -v says where each batch ran, first among its diagnostics */
	if (VERBOSE && (host = json_string_value(json_object_get(o, "host"))))
		pgs_buf_addf(&text, "%s: batch %s..%s ran on host %s\n", pgs_prog, b.from, b.to, host);
	log = json_object_get(o, "log");
	json_array_foreach(log, i, v)
		pgs_buf_addf(&text, "%s\n", json_string_value(v) ?: "");
	rc = account(r, &b, stext, stext ? strlen(stext) : 0, text.s ? text.s : "", text.len);
	free(stext);
	pgs_buf_free(&text);
	json_decref(o);
	return rc;
}

/* The argv of GNU parallel over the chunks (local) or the plan (hosts). */
static char **
parallel_argv(struct run *r, const char *input, int remote)
{
	char **a = pgs_xcalloc(64 + 2 * (size_t)(r->o.sshlogin.n + r->o.same_file.n) + 2 * 16, sizeof(char *));
	size_t n = 0;
	char self[PATH_MAX];
	ssize_t l;

	a[n++] = pgs_xstrdup("parallel");
	a[n++] = pgs_xstrdup("--will-cite");
	a[n++] = pgs_xstrdup("-q");
	a[n++] = pgs_xstrdup("-j");
	a[n++] = pgs_xasprintf("%ld", r->o.jobs);
	a[n++] = pgs_xstrdup("--line-buffer");
	/* each job in a process group of its own, stopped when GNU parallel is */
	a[n++] = pgs_xstrdup("--termseq");
	a[n++] = pgs_xstrdup("TERM,500,TERM,500,KILL,25");
	if (r->o.halt) {
		a[n++] = pgs_xstrdup("--halt");
		a[n++] = pgs_xstrdup("soon,fail=1");
	}
	if (remote) {
		a[n++] = pgs_xstrdup("--colsep");
		a[n++] = pgs_xstrdup("\t");
		for (int i = 0; i < r->o.sshlogin.n; i++) {
			a[n++] = pgs_xstrdup("--sshlogin");
			a[n++] = pgs_xstrdup(r->o.sshlogin.v[i]);
		}
		if (r->o.sshloginfile) {
			a[n++] = pgs_xstrdup("--sshloginfile");
			a[n++] = pgs_xstrdup(r->o.sshloginfile);
		}
		for (size_t i = 0; carried[i]; i++)
			if (getenv(carried[i])) {
				a[n++] = pgs_xstrdup("--env");
				a[n++] = pgs_xstrdup(carried[i]);
			}
		/* a job whose host was lost is tried again on another, except
		 * with --halt-on-error, which stops at it */
		if (!r->o.halt) {
			a[n++] = pgs_xstrdup("--retries");
			a[n++] = pgs_xstrdup("3");
		}
		a[n++] = pgs_xstrdup("--joblog");
		a[n++] = tmp_path(r, "joblog");
		a[n++] = r->o.remote_path ? pgs_xasprintf("%s/pgs-run", r->o.remote_path) : pgs_xstrdup("pgs-run");
	} else {
		l = readlink("/proc/self/exe", self, sizeof(self) - 1);
		a[n++] = l > 0 ? pgs_xstrndup(self, (size_t)l) : pgs_xstrdup("pgs-run");
	}
	a[n++] = pgs_xstrdup("--worker");
	a[n++] = pgs_xstrdup(QUIET ? "-q" : VERBOSE ? "-v" : "--name");
	if (QUIET || VERBOSE)
		a[n++] = pgs_xstrdup("--name");
	a[n++] = pgs_xstrdup(pgs_prog);
	if (r->o.job) {
		a[n++] = pgs_xstrdup("--job");
		a[n++] = pgs_xstrdup(r->o.job);
	}
	if (r->o.windows)
		a[n++] = pgs_xstrdup("--windows");
	if (r->o.halt)
		a[n++] = pgs_xstrdup("--halt-on-error");
	if (r->o.dry_run)
		a[n++] = pgs_xstrdup("--dry-run");
	if (remote) {
		char sum[65];

		a[n++] = pgs_xstrdup("--same-version");
		a[n++] = pgs_xstrdup(PGS_VERSION);
		if (r->o.remote_path) {
			a[n++] = pgs_xstrdup("--remote-path");
			a[n++] = pgs_xstrdup(r->o.remote_path);
		}
		for (int i = 0; i < r->o.same_file.n; i++) {
			pgs_sha256_file(r->o.same_file.v[i], sum);
			a[n++] = pgs_xstrdup("--same-file");
			a[n++] = pgs_xasprintf("%s=%s", r->o.same_file.v[i], sum);
		}
		a[n++] = pgs_xstrdup("--from");
		a[n++] = pgs_xstrdup("{1}");
		a[n++] = pgs_xstrdup("--to");
		a[n++] = pgs_xstrdup("{2}");
	} else {
		a[n++] = pgs_xstrdup("--plan");
		a[n++] = pgs_xstrdup("{}");
	}
	a[n++] = pgs_xstrdup("::::");
	a[n++] = pgs_xstrdup(input);
	return a;
}

/* GNU parallel's input: the plan's contiguous chunks, in order, a file
 * each (local), or the plan itself, a batch a job (hosts).  0, or -1. */
static int
write_input(struct run *r, const char *input, const pgs_window_list w, size_t n, int remote)
{
	size_t per = remote ? 1 : pgs_run_chunk_size(n, r->o.jobs);
	FILE *in = fopen(input, "w");

	if (!in) {
		pgs_err("cannot create '%s': %s", input, strerror(errno));
		return -1;
	}
	for (size_t i = 0, c = 0; i < n; i += per, c++) {
		char *name, *path;

		if (remote) {
			fprintf(in, "%s\t%s\n", w[i][0], w[i][1]);
			continue;
		}
		name = pgs_xasprintf("s%zu.plan", c + 1);
		path = tmp_path(r, name);
		if (write_windows(path, w, i, i + per < n ? i + per : n) < 0) {
			free(name);
			free(path);
			fclose(in);
			return -1;
		}
		fprintf(in, "%s\n", path);
		free(name);
		free(path);
	}
	return pgs_close_stream(in, input);
}

/* The workers' environment: their stages; for hosts the store and source
 * without their passwords (each finds its own), and bash to run them. */
static void
worker_env(const struct run *r, int remote)
{
	char *json = stages_json(r, remote);

	setenv("PGS_RUN_STAGES", json, 1);
	free(json);
	if (!remote)
		return;
	for (const char *const *var = (const char *const[]){ "PGS_STORE", "PGS_SOURCE", NULL }; *var; var++) {
		const char *s = getenv(*var);

		if (s) {
			char *bare = pgs_store_strip_secrets(s);

			setenv(*var, bare, 1);
			free(bare);
		}
	}
	setenv("PARALLEL_SHELL", "bash", 1);
	setenv("SHELL", "bash", 1);
}

/* The batches of the hosts that were lost, from GNU parallel's job log, on stderr. */
static void
say_lost_hosts(const struct run *r)
{
	char *log = tmp_path(r, "joblog"), chunk[8192];
	pgs_buf text = { 0 }, lost = { 0 };
	int fd = open(log, O_RDONLY | O_CLOEXEC);
	ssize_t k;

	while (fd >= 0 && (k = read(fd, chunk, sizeof(chunk))) > 0)
		pgs_buf_add(&text, chunk, (size_t)k);
	if (fd >= 0)
		close(fd);
	if (text.len && pgs_run_lost_hosts(text.s, text.len, pgs_prog, &lost) > 0)
		to_stderr(lost.s, lost.len);
	pgs_buf_free(&text);
	pgs_buf_free(&lost);
	free(log);
}

/*
 * --jobs N or hosts: GNU parallel runs the workers, each worker's outcome
 * lines are recorded and counted here as they come.  Returns GNU parallel's
 * exit status (-1 when it could not be started).
 */
static int
run_parallel(struct run *r, const pgs_window_list w, size_t n, int remote)
{
	char *input = tmp_path(r, remote ? "plan" : "chunks"), **argv = NULL, *line = NULL;
	size_t cap = 0;
	FILE *out = NULL;
	int rc = -1, stopping = 0;
	ssize_t len;
	pid_t pid;

	if (write_input(r, input, w, n, remote) < 0)
		goto out;
	worker_env(r, remote);
	argv = parallel_argv(r, input, remote);
	if ((pid = pgs_spawn_reader(argv, &out)) < 0)
		goto out;
	for (;;) {
		if (pgs_stop_signal() && !stopping) {
			/* GNU parallel stops each job's process group (--termseq) */
			kill(pid, SIGTERM);
			stopping = 1;
		}
		errno = 0;
		if ((len = getline(&line, &cap, out)) < 0) {
			if (errno == EINTR) {
				clearerr(out);
				continue;
			}
			break;
		}
		if (!stopping && worker_line(r, line, (size_t)len) < 0) {
			kill(pid, SIGTERM);
			stopping = 1;
		}
	}
	rc = pgs_wait_status(pid);
	if (remote)
		say_lost_hosts(r);
out:
	if (out)
		fclose(out);
	for (char **p = argv; p && *p; p++)
		free(*p);
	free(argv);
	free(line);
	free(input);
	return rc;
}

/* ---- the coordinator ---- */

/* The ledger windows the plan found stale, as pgs-checkpoint plan recorded them. */
static long
stale_windows(const struct run *r)
{
	struct pgs_job j = PGS_JOB_INIT;
	char *dir = pgs_state_dir();
	long n = 0;

	if (dir && pgs_job_lock(&j, dir, r->o.job, 1) == 0 && pgs_job_load(&j) > 0)
		n = (long)json_integer_value(json_object_get(j.s.obj, "stale_windows"));
	pgs_job_free(&j);
	free(dir);
	return n;
}

static int
coordinate(struct run *r)
{
	pgs_window_list w = NULL;
	size_t n = 0;
	pgs_buf text = { 0 };
	int rc, halted = 0, remote = r->o.sshlogin.n > 0 || r->o.sshloginfile, st;
	char *lock;

	if (isatty(STDIN_FILENO))
		return pgs_usage_error("the plan (FROM<TAB>TO lines) comes on standard input, a terminal here");
	if ((rc = pgs_opt_windows("/dev/stdin", &w, &n)) != 0)
		return rc;
	if (n == 0) {
		free(w);
		return PGS_EXIT_OK;
	}
	for (size_t i = 0; i < n; i++) {
		struct pgs_batch b;

		pgs_batch_init(&b, w[i][0], w[i][1]);
		r->t.batches_total++;
		r->t.days_total += b.days;
	}
	if (r->o.job) {
		r->t.stale = stale_windows(r);
		pgs_info("job %s: %ld batches, %ld days to do", r->o.job, r->t.batches_total, r->t.days_total);
	}
	/* this machine's writers take turns for their commit transaction on
	 * BigQuery, which aborts concurrent ones on a table (MANUAL: BigQuery) */
	lock = tmp_path(r, "commit.lock");
	setenv("PGS_COMMIT_LOCK", getenv("PGS_COMMIT_LOCK") ? getenv("PGS_COMMIT_LOCK") : lock, 1);
	free(lock);
	if (r->o.jobs == 1 && !remote) {
		rc = run_windows(r, w, n);
		if (r->stage_rejected)
			r->t.rejected++;
		halted = rc == RUN_HALTED;
	} else {
		st = run_parallel(r, w, n, remote);
		if (st < 0)
			r->t.lost++;
		halted = r->o.halt && st != 0 && !pgs_stop_signal();
	}
	free(w);
	if (!r->o.job) {
		/* one write and its statistics line: no summary, the run's status */
		if (isatty(STDERR_FILENO) && !QUIET && r->t.batches)
			to_stderr("\n", 1);
		rc = pgs_stop_signal() ? 128 + pgs_stop_signal() : pgs_run_end(&r->t, pgs_prog, halted, &text);
		pgs_buf_free(&text);
		return rc;
	}
	if (!QUIET) {
		if (isatty(STDERR_FILENO))
			pgs_buf_adds(&text, "\n");
		pgs_run_summary(&r->t, pgs_prog, r->o.job, r->o.dry_run, elapsed_ms(r), &text);
	}
	if (pgs_stop_signal()) {
		pgs_buf_addf(&text, "%s: interrupted by SIG%s: batches in flight were stopped, nothing "
		    "half-written; re-run to resume\n", pgs_prog, pgs_signal_name(pgs_stop_signal()));
		to_stderr(text.s, text.len);
		pgs_buf_free(&text);
		return 128 + pgs_stop_signal();
	}
	rc = pgs_run_end(&r->t, pgs_prog, halted, &text);
	to_stderr(text.s ? text.s : "", text.len);
	pgs_buf_free(&text);
	return rc;
}

/* ---- options ---- */

static int
parse_args(int argc, char **argv, struct run *r)
{
	struct opts *o = &r->o;
	const char *jobs = NULL;
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "job", &o->job),
		PGS_OPT_STRING(0, "jobs", &jobs),
		PGS_OPT_FLAG(0, "windows", &o->windows),
		PGS_OPT_FLAG(0, "halt-on-error", &o->halt),
		PGS_OPT_FLAG(0, "dry-run", &o->dry_run),
		PGS_OPT_LIST(0, "sshlogin", &o->sshlogin),
		PGS_OPT_STRING(0, "sshloginfile", &o->sshloginfile),
		PGS_OPT_STRING(0, "remote-path", &o->remote_path),
		PGS_OPT_LIST(0, "same-file", &o->same_file),
		PGS_OPT_FLAG(0, "worker", &o->worker),
		PGS_OPT_STRING(0, "plan", &o->plan),
		PGS_OPT_STRING(0, "from", &o->from),
		PGS_OPT_STRING(0, "to", &o->to),
		PGS_OPT_STRING(0, "same-version", &o->same_version),
		PGS_OPT_END(),
	};
	long a, b;
	int rc;

	o->jobs = 1;
	if ((rc = pgs_parse_options(argc, argv, &tool, opts, NULL, r)) >= 0)
		return rc;
	if (o->job && !pgs_job_name_ok(o->job, strlen(o->job)))
		return pgs_usage_error("bad --job '%s': want letters, digits, '.', '_' and '-'", o->job);
	if (jobs && ((o->jobs = pgs_parse_count(jobs)) < 1 || o->jobs > 100000))
		return pgs_usage_error("bad --jobs '%s' (want a positive integer)", jobs);
	if (o->remote_path && !o->sshlogin.n && !o->sshloginfile && !o->worker)
		return pgs_usage_error("--remote-path needs --sshlogin or --sshloginfile");
	if (o->worker) {
		if (!o->plan == !(o->from && o->to))
			return pgs_usage_error("--worker takes --plan FILE or --from D --to D");
		if (o->from && pgs_opt_window(o->from, o->to, &a, &b) != 0)
			return PGS_EXIT_USAGE;
		if (optind < argc)
			return pgs_usage_error("--worker takes its stages from PGS_RUN_STAGES");
		return stages_from_env(r);
	}
	if (o->plan || o->from || o->to || o->same_version)
		return pgs_usage_error("--plan, --from, --to and --same-version are a worker's (--worker)");
	if (optind >= argc || strcmp(argv[optind - 1], "--") != 0)
		return pgs_usage_error("no stages: want -- STAGE [ARG...] [| STAGE [ARG...]]...");
	return parse_stages(r, argc - optind, argv + optind);
}

static void
free_stages(struct run *r)
{
	for (size_t i = 0; i < r->nstages; i++) {
		for (char **p = r->stage[i]; *p; p++)
			free(*p);
		free(r->stage[i]);
	}
	r->nstages = 0;
}

int
main(int argc, char **argv)
{
	struct run r;
	int ex;

	memset(&r, 0, sizeof(r));
	r.log.fd = -1;
	pgs_setprog(argv[0]);
	pgs_store_hide_secrets(argc, argv);
	if ((ex = parse_args(argc, argv, &r)) >= 0) {
		free_stages(&r);
		return ex;   /* (after --help or --version, stdout is closed and checked) */
	}
	/* the run began before its plan (the pipeline's PGS_RUN_STARTED) */
	r.t0_ms = pgs_run_started_ms(getenv("PGS_RUN_STARTED"));
	pgs_catch_stops();
	if (!(r.tmp = pgs_tmpdir_make(r.o.worker ? "pgs-batch" : pgs_prog))) {
		ex = PGS_EXIT_FAIL;
		goto out;
	}
	ex = r.o.worker ? worker(&r) : coordinate(&r);
out:
	pgs_stagelog_close(&r.log);
	pgs_tmpdir_remove(r.tmp);
	free_stages(&r);
	free(r.o.sshlogin.v);
	free(r.o.same_file.v);
	pgs_run_totals_free(&r.t);
	if (pgs_close_stream(stdout, "stdout") < 0 && ex == 0)
		ex = PGS_EXIT_FAIL;
	return ex;
}
