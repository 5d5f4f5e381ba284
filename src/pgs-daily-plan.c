/*
 * pgs-daily-plan — what a pgs-daily run works on, so that the pipeline is
 * options and pipes: its settings (the config file and the command line,
 * checked, with the days worked out in league time), its lock, the gaps it
 * rebuilds (from pgs-validate --json), what failed (from pgs-checkpoint
 * status --json and pgs-validate --json), the days a landing landed and the
 * days it still owes, and ranges of days merged, each as lines for the shell.
 */
#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <time.h>
#include <unistd.h>

#include "checkpoint.h"
#include "dates.h"
#include "hash.h"
#include "opts.h"
#include "store.h"
#include "util.h"

#define LEAGUE_TZ "America/New_York"
#define NTHRESHOLDS 9

static const char *const thresholds[NTHRESHOLDS] = {
	"max-null-minutes", "max-null-usage", "max-null-ts", "max-null-efg",
	"min-players", "max-players", "min-played", "seconds-tolerance", "max-unresolved",
};

struct source {
	const char *uri;
	struct pgs_strlist opts;     /* its pgs-ingest options, in order */
};

/* The settings of one origin: the command line, or the config file. */
struct settings {
	const char *origin;          /* NULL: the command line; else the config file's name */
	const char *date, *days_back, *store, *log, *state_dir, *gap_days, *sweep_days, *config, *fd;
	const char *threshold[NTHRESHOLDS];
	/* a backfill's options (the rebuilds'), and the landing's HTTP settings */
	const char *prefer, *aliases, *lines, *http_timeout, *http_retries;
	int no_register;
	struct pgs_strlist forget;   /* --forget-day: days owed that are owed no more */
	struct pgs_strlist schedule; /* --schedule: team game logs pgs-validate holds the days against */
	struct source *src;
	size_t nsrc, cap;
};

static const char *const synopsis[] = {
	"pgs-daily-plan settings [pgs-daily's options]",
	"pgs-daily-plan lock --fd N",
	"pgs-daily-plan gaps < REPORT",
	"pgs-daily-plan provisional [DAYS]... < REPORT",
	"pgs-daily-plan why (landing | rebuild) < STATUS",
	"pgs-daily-plan why validation < REPORT",
	"pgs-daily-plan ranges < DAYS",
	"pgs-daily-plan landing FROM TO < STATUS",
	"pgs-daily-plan changed STORED FETCHED",
	"pgs-daily-plan corrections CHANGES",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "pgs-daily's C half.  settings: the config file and the command line checked\n"
	    "and merged (the command line wins), the days worked out, the state directory\n"
	    "and the log made; KEY<TAB>VALUE lines.  lock: take pgs-daily's lock on the open\n"
	    "file descriptor N (exit 4 when another run holds it).  gaps: the ranges to\n"
	    "rebuild in pgs-validate --json's report, \"FROM..TO DAYS\" lines.  provisional:\n"
	    "the report's dates with games not final but DAYS (D or FROM..TO), \"FROM..TO DAYS\"\n"
	    "lines, then \"games<TAB>N\": the provisional games on them.  why: what\n"
	    "failed, in a job's pgs-checkpoint status --json or a pgs-validate --json report\n"
	    "(a landing without failed batches: the rows it skipped as filed under other days).\n"
	    "ranges: days (D or FROM..TO lines) merged, \"FROM..TO DAYS\" lines.  landing:\n"
	    "what a landing job's status says of FROM..TO: \"landed<TAB>FROM..TO\" lines, and\n"
	    "\"owed<TAB>D\" for every day not landed (all of them without a status).\n"
	    "\n");
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 2 usage error, 3 failure (a file, the state directory, the log, the input),\n"
	"4 the lock is held by another run",
	0,
};

/* ---- settings ---- */

static int
opt_source(void *ctx, const char *arg)
{
	struct settings *s = ctx;

	s->src = pgs_xgrow(s->src, s->nsrc, &s->cap, sizeof(*s->src));
	memset(&s->src[s->nsrc], 0, sizeof(*s->src));
	s->src[s->nsrc++].uri = arg;
	return 0;
}

/* An option of the last --source: NAME [ARG]. */
static int
source_opt(struct settings *s, const char *name, const char *arg)
{
	struct pgs_strlist *l;

	if (s->nsrc == 0)
		return pgs_usage_error("%s belongs to a --source: give it after one", name);
	l = &s->src[s->nsrc - 1].opts;
	l->v = pgs_xrealloc(l->v, (size_t)(l->n + 3) * sizeof(*l->v));
	l->v[l->n++] = name;
	if (arg)
		l->v[l->n++] = arg;
	l->v[l->n] = NULL;
	return 0;
}

static int opt_format(void *ctx, const char *a) { return source_opt(ctx, "--format", a); }
static int opt_map(void *ctx, const char *a) { return source_opt(ctx, "--map", a); }
static int opt_games(void *ctx, const char *a) { return source_opt(ctx, "--games", a); }
static int opt_headers(void *ctx, const char *a) { return source_opt(ctx, "--http-headers", a); }
static int opt_missing(void *ctx, const char *a) { return source_opt(ctx, "--allow-missing", NULL); }

static int
opt_config(void *ctx, const char *arg)
{
	struct settings *s = ctx;

	if (s->origin)
		return pgs_usage_error("%s: a config file cannot name another (--config)", s->origin);
	s->config = arg;
	return 0;
}

#define NOPTS (23 + NTHRESHOLDS)   /* daily_options()'s, the end not counted */

/* o[(*n)++] = opt, or abort: NOPTS is one short (an option added without it). */
static void
put_option(struct pgs_option o[NOPTS + 1], size_t *n, struct pgs_option opt)
{
	if (*n >= NOPTS) {
		fprintf(stderr, "pgs-daily-plan: NOPTS (%d) is less than its options\n", NOPTS);
		abort();
	}
	o[(*n)++] = opt;
}

/* pgs-daily's options into s (the last one is the end). */
static void
daily_options(struct settings *s, struct pgs_option o[NOPTS + 1])
{
	size_t n = 0;

	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "date", &s->date));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "days-back", &s->days_back));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "store", &s->store));
	put_option(o, &n, (struct pgs_option)PGS_OPT_CALLBACK(0, "source", opt_source));
	put_option(o, &n, (struct pgs_option)PGS_OPT_CALLBACK(0, "format", opt_format));
	put_option(o, &n, (struct pgs_option)PGS_OPT_CALLBACK(0, "map", opt_map));
	put_option(o, &n, (struct pgs_option)PGS_OPT_CALLBACK(0, "games", opt_games));
	put_option(o, &n, (struct pgs_option)PGS_OPT_CALLBACK0(0, "allow-missing", opt_missing));
	put_option(o, &n, (struct pgs_option)PGS_OPT_CALLBACK(0, "http-headers", opt_headers));
	put_option(o, &n, (struct pgs_option)PGS_OPT_CALLBACK(0, "config", opt_config));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "log", &s->log));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "state-dir", &s->state_dir));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "gap-days", &s->gap_days));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "sweep-days", &s->sweep_days));
	put_option(o, &n, (struct pgs_option)PGS_OPT_LIST(0, "forget-day", &s->forget));
	put_option(o, &n, (struct pgs_option)PGS_OPT_LIST(0, "schedule", &s->schedule));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "prefer", &s->prefer));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "aliases", &s->aliases));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "lines", &s->lines));
	put_option(o, &n, (struct pgs_option)PGS_OPT_FLAG(0, "no-register", &s->no_register));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "http-timeout", &s->http_timeout));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "http-retries", &s->http_retries));
	for (size_t k = 0; k < NTHRESHOLDS; k++)
		put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, thresholds[k], &s->threshold[k]));
	put_option(o, &n, (struct pgs_option)PGS_OPT_STRING(0, "fd", &s->fd));
	o[n] = (struct pgs_option)PGS_OPT_END();
}

static void
settings_free(struct settings *s)
{
	for (size_t i = 0; i < s->nsrc; i++)
		free(s->src[i].opts.v);
	free(s->src);
	free(s->forget.v);
	free(s->schedule.v);
}

/* A count of days, 1..999999: the value, or -1 after a usage error. */
static long
count(const char *name, const char *v)
{
	long n = pgs_parse_count(v);

	if (n < 1 || n > 999999) {
		pgs_usage_error("bad --%s '%s' (want a positive integer)", name, v);
		return -1;
	}
	return n;
}

/* The config file given, else the first of the default ones that is there; NULL for none. */
static char *
config_path(const char *given)
{
	const char *xdg = getenv("XDG_CONFIG_HOME"), *home = getenv("HOME");
	char *p = NULL;

	if (given)
		return pgs_xstrdup(given);
	if (xdg && *xdg)
		p = pgs_xasprintf("%s/pgs/daily.conf", xdg);
	else if (home && *home)
		p = pgs_xasprintf("%s/.config/pgs/daily.conf", home);
	if (p && access(p, F_OK) == 0)
		return p;
	free(p);
	return access("/etc/pgs/daily.conf", F_OK) == 0 ? pgs_xstrdup("/etc/pgs/daily.conf") : NULL;
}

/* Yesterday in league time, as a day number; -1 after a message. */
static long
league_yesterday(void)
{
	struct tm tm;
	time_t now = time(NULL);

	if (access("/usr/share/zoneinfo/" LEAGUE_TZ, R_OK) != 0) {
		pgs_err("no time zone data for " LEAGUE_TZ " (install tzdata) to know yesterday; give --date");
		return -1;
	}
	setenv("TZ", LEAGUE_TZ, 1);
	tzset();
	localtime_r(&now, &tm);
	return pgs_days_from_civil(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday) - 1;
}

/* The state directory: --state-dir, else as every tool finds it; NULL after a message. */
static char *
state_dir(const char *given)
{
	const char *e = getenv("PGS_STATE_DIR"), *x = getenv("XDG_STATE_HOME"), *h = getenv("HOME");

	if (given)
		return pgs_xstrdup(given);
	if ((e && *e) || (x && *x) || (h && *h))
		return pgs_state_dir();
	pgs_err("no state directory: give --state-dir (or set PGS_STATE_DIR or HOME)");
	return NULL;
}

/* Make the log's directory and open the log for appending: 0, or -1 after a message. */
static int
log_ready(const char *log)
{
	char *dir = pgs_xstrdup(log), *slash = strrchr(dir, '/');
	FILE *f;

	if (slash && slash != dir)
		*slash = '\0';
	if ((slash && slash != dir && pgs_mkdir_p(dir) < 0) || !(f = fopen(log, "a"))) {
		pgs_err("cannot write the log '%s'", log);
		free(dir);
		return -1;
	}
	fclose(f);
	free(dir);
	return 0;
}

/* A settings line; a value with a line break would split it, and is a usage error. */
static int
put(const char *key, const char *value)
{
	if (strpbrk(value, "\n\r\t"))
		return pgs_usage_error("a %s with a tab or line break: '%s'", key, value);
	printf("%s\t%s\n", key, value);
	return 0;
}

static int
put_redacted(const char *key, const char *value)
{
	char *shown = pgs_store_redact(value), *k = pgs_xasprintf("%s_shown", key);
	int rc = put(key, value) != 0 || put(k, shown) != 0 ? PGS_EXIT_USAGE : 0;

	free(shown);
	free(k);
	return rc;
}

/* Did any argument carry a secret (a password, a token)? */
static int
secret_given(int argc, char **argv)
{
	int found = 0;

	for (int i = 1; i < argc && !found; i++) {
		char *shown = pgs_store_redact(argv[i]);

		found = strcmp(shown, argv[i]) != 0;
		free(shown);
	}
	return found;
}

/* The config file's settings into file (their strings in args): 0 or an exit status. */
static int
read_config(const char *conf, struct settings *file, struct pgs_strlist *args)
{
	struct pgs_option opts[NOPTS + 1];
	int rc;

	file->origin = conf;
	daily_options(file, opts);
	if ((rc = pgs_opt_config(conf, opts, args)) != 0)
		return rc;
	/* parsed as a command line is: after an argv[0] */
	args->v = pgs_xrealloc(args->v, (size_t)(args->n + 2) * sizeof(*args->v));
	memmove(args->v + 1, args->v, (size_t)(args->n + 1) * sizeof(*args->v));
	args->v[0] = pgs_prog;
	rc = pgs_parse_options(args->n + 1, (char **)args->v, &tool, opts, NULL, file);
	memmove(args->v, args->v + 1, (size_t)(args->n + 1) * sizeof(*args->v));
	return rc >= 0 ? rc : 0;
}

/* The sources (their options after each) and the thresholds, as settings lines. */
static int
put_sources(const struct settings *srcs, const struct settings *cli, const struct settings *file)
{
	const struct pgs_strlist *sched;

	for (size_t i = 0; i < srcs->nsrc; i++) {
		if (put_redacted("source", srcs->src[i].uri) != 0)
			return PGS_EXIT_USAGE;
		for (int k = 0; k < srcs->src[i].opts.n; k++)
			if (put("source_opt", srcs->src[i].opts.v[k]) != 0)
				return PGS_EXIT_USAGE;
	}
	/* the command line's schedules replace the file's, as its sources do */
	sched = cli->schedule.n ? &cli->schedule : &file->schedule;
	for (int k = 0; k < sched->n; k++) {
		printf("validate_opt\t--schedule\n");
		if (put("validate_opt", sched->v[k]) != 0)
			return PGS_EXIT_USAGE;
	}
	for (size_t k = 0; k < NTHRESHOLDS; k++) {
		const char *v = cli->threshold[k] ? cli->threshold[k] : file->threshold[k];

		if (v) {
			printf("validate_opt\t--%s\n", thresholds[k]);
			if (put("validate_opt", v) != 0)
				return PGS_EXIT_USAGE;
		}
	}
	return 0;
}

/*
 * The options of the whole run: the rebuilds' (a backfill's: the same
 * settings make the same configuration digest), the landings' HTTP
 * settings, and the days forgotten (checked).
 */
static int
put_daily(const struct settings *cli, const struct settings *file)
{
	static const char *const names[] = { "prefer", "aliases", "lines", "http-timeout", "http-retries" };
	const char *v[5];
	long d;

#define PICK(f) (cli->f ? cli->f : file->f)
	v[0] = PICK(prefer), v[1] = PICK(aliases), v[2] = PICK(lines);
	v[3] = PICK(http_timeout), v[4] = PICK(http_retries);
#undef PICK
	for (size_t k = 0; k < 5; k++) {
		if (!v[k])
			continue;
		printf("%s\t--%s\n", k < 3 ? "backfill_opt" : "ingest_opt", names[k]);
		if (put(k < 3 ? "backfill_opt" : "ingest_opt", v[k]) != 0)
			return PGS_EXIT_USAGE;
	}
	if (cli->no_register || file->no_register)
		printf("backfill_opt\t--no-register\n");
	for (const struct settings *s = cli; s; s = s == cli ? file : NULL)
		for (int k = 0; k < s->forget.n; k++) {
			if (pgs_date_parse(s->forget.v[k], &d) < 0)
				return pgs_usage_error("bad --forget-day '%s' (want YYYY-MM-DD)", s->forget.v[k]);
			put("forget", s->forget.v[k]);
		}
	return 0;
}

/*
 * settings: the command line (cli) over the config file's, the days, the
 * state directory and the log, printed.
 */
static int
settings(struct settings *cli, int secret)
{
	struct settings file = { 0 };
	struct pgs_strlist args = { 0 };
	char *conf = config_path(cli->config), *dir = NULL, *log = NULL, d[11];
	const char *date;
	long day, back, gap = 0, sweep = 0;
	int rc;

	if (conf && (rc = read_config(conf, &file, &args)) != 0)
		goto out;
#define PICK(f) (cli->f ? cli->f : file.f)
	rc = PGS_EXIT_USAGE;
	if ((date = PICK(date)) && pgs_date_parse(date, &day) < 0) {
		pgs_usage_error("bad --date '%s' (want YYYY-MM-DD)", date);
		goto out;
	}
	if ((back = PICK(days_back) ? count("days-back", PICK(days_back)) : 3) < 0 ||
	    (PICK(gap_days) && (gap = count("gap-days", PICK(gap_days))) < 0) ||
	    (PICK(sweep_days) && (sweep = count("sweep-days", PICK(sweep_days))) < 0))
		goto out;
	rc = PGS_EXIT_FAIL;
	if ((!date && (day = league_yesterday()) < 0) || !(dir = state_dir(PICK(state_dir))))
		goto out;
	if (pgs_mkdir_p(dir) < 0) {
		pgs_err("cannot create the state directory '%s'", dir);
		goto out;
	}
	log = PICK(log) ? pgs_xstrdup(PICK(log)) : pgs_xasprintf("%s/daily.log", dir);
	if (log_ready(log) < 0)
		goto out;
	rc = PGS_EXIT_USAGE;
	pgs_date_format(day, d);
	put("day", d);
	pgs_date_format(day - back + 1, d);
	put("first", d);
	printf("days_back\t%ld\n", back);
	if (gap)
		pgs_date_format(day - gap, d);
	put("scan_from", gap ? d : "1900-01-01");
	/* the sweep: the days of D-S+1..D before the run's own, compared with the store */
	if (sweep > back) {
		pgs_date_format(day - sweep + 1, d);
		put("sweep_from", d);
		pgs_date_format(day - back, d);
		put("sweep_to", d);
	}
	if (put_redacted("store", pgs_default_store(PICK(store))) != 0 || put("state_dir", dir) != 0 ||
	    put("log", log) != 0)
		goto out;
	printf("lock\t%s/daily.lock\nverbose\t%d\nrerun\t%d\n", dir, pgs_verbosity >= 2, secret);
	if (put_sources(cli->nsrc ? cli : &file, cli, &file) != 0 || put_daily(cli, &file) != 0)
		goto out;
	{
		char *shown = pgs_store_redact(pgs_default_store(PICK(store))), key[17];

		/* the state of a store is its own: the key names no password */
		pgs_sha256_hex16(shown, strlen(shown), key);
		printf("store_key\t%s\n", key);
		free(shown);
	}
#undef PICK
	rc = pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
out:
	pgs_opt_config_free(&args);
	settings_free(&file);
	free(conf);
	free(dir);
	free(log);
	return rc;
}

/* ---- lock ---- */

/* pgs-daily's lock on the open descriptor fd, held while any copy of it is open. */
static int
lock(const char *fd)
{
	long n = pgs_parse_count(fd);

	if (n < 0 || n > 1023)
		return pgs_usage_error("bad --fd '%s' (want an open file descriptor)", fd);
	if (flock((int)n, LOCK_EX | LOCK_NB) == 0)
		return PGS_EXIT_OK;
	if (errno == EWOULDBLOCK)
		return PGS_EXIT_GUARD;
	pgs_err("cannot lock file descriptor %ld: %s", n, strerror(errno));
	return PGS_EXIT_FAIL;
}

/* ---- reading the tools' JSON ---- */

/* The JSON object on standard input (what, for the message); NULL after a message. */
static json_t *
read_json(const char *what)
{
	json_error_t e;
	json_t *o = json_loadf(stdin, 0, &e);

	if (!json_is_object(o)) {
		pgs_err("no %s on standard input: %s", what, o ? "not an object" : e.text);
		json_decref(o);
		return NULL;
	}
	return o;
}

static const char *
str(const json_t *o, const char *key)
{
	const char *s = json_string_value(json_object_get(o, key));

	return s ? s : "";
}

/* gaps: the report's "gaps", "FROM..TO DAYS" lines. */
static int
gaps(void)
{
	json_t *r = read_json("pgs-validate --json report"), *g;
	size_t i;
	long a, b;

	if (!r)
		return PGS_EXIT_FAIL;
	json_array_foreach(json_object_get(r, "gaps"), i, g) {
		const char *from = json_string_value(json_array_get(g, 0)), *to = json_string_value(json_array_get(g, 1));

		if (!from || !to || pgs_date_parse(from, &a) < 0 || pgs_date_parse(to, &b) < 0 || b < a) {
			pgs_err("a gap that is not [FROM, TO] in the report");
			json_decref(r);
			return PGS_EXIT_FAIL;
		}
		printf("%s..%s %ld\n", from, to, b - a + 1);
	}
	json_decref(r);
	return pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

/*
 * why landing: "FROM[..TO], ... [and N more batches]: ERROR" of the job's
 * failed batches; with none, the rows it skipped because a body fetched for
 * one day held them under another's date: "skipped N rows filed under other
 * days (DATE: n, ...)".  why rebuild: "STATUS<TAB>what became of the rebuild" of
 * its first failed batch: 4 refused (fencing, another guard), 3 failed.
 * Nothing when there is nothing of the kind to say.
 */
static int
why_job(int landing)
{
	json_t *st = read_json("pgs-checkpoint status --json"), *failed, *f;
	size_t i, n;

	if (!st)
		return PGS_EXIT_FAIL;
	failed = json_object_get(st, "failed");
	n = json_array_size(failed);
	f = json_array_get(failed, 0);
	if (n && landing) {
		json_array_foreach(failed, i, f) {
			if (i == 3)
				break;
			printf("%s%s", i ? ", " : "", str(f, "from"));
			if (strcmp(str(f, "from"), str(f, "to")) != 0)
				printf("..%s", str(f, "to"));
		}
		if (n > 3)
			printf(" and %zu more batches", n - 3);
		printf(": %s\n", str(json_array_get(failed, 0), "error"));
	} else if (landing && json_integer_value(json_object_get(st, "skipped_misfiled")) > 0) {
		const char *d;
		json_t *v;

		printf("skipped %lld rows filed under other days (",
		    (long long)json_integer_value(json_object_get(st, "skipped_misfiled")));
		i = 0;
		json_object_foreach(json_object_get(st, "skipped_dates"), d, v)
			printf("%s%s: %lld", i++ ? ", " : "", d, (long long)json_integer_value(v));
		printf(")\n");
	} else if (n && strcmp(str(f, "refused"), "fenced") == 0)
		printf("4\twas refused by fencing: a later run (a backfill?) committed these days; "
		    "nothing was overwritten\n");
	else if (n && *str(f, "refused"))
		printf("4\twas refused: %s\n", str(f, "error"));
	else if (n)
		printf("3\tfailed: %s..%s  %s\n", str(f, "from"), str(f, "to"), str(f, "error"));
	json_decref(st);
	return pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

/*
 * why validation: "CHECK MESSAGE [(and N more)]", then "FAIL CHECK MESSAGE" a
 * failure.  The headline is the first failure, but a scheduled game of the
 * report's last day (the run's game day) that has no rows comes first: a
 * game missing from every source is what the morning's mail must say.
 */
static int
why_validation(void)
{
	json_t *r = read_json("pgs-validate --json report"), *failures, *f;
	const char *last;
	size_t i, n, head = 0;

	if (!r)
		return PGS_EXIT_FAIL;
	failures = json_object_get(r, "failures");
	last = json_string_value(json_object_get(r, "to"));
	json_array_foreach(failures, i, f)
		if (last && strcmp(str(f, "check"), "schedule_games") == 0 &&
		    strcmp(str(f, "date"), last) == 0 && json_object_get(f, "schedule_game_id")) {
			head = i;
			break;
		}
	if ((n = json_array_size(failures)) > 0) {
		f = json_array_get(failures, head);
		printf("%s %s", str(f, "check"), str(f, "message"));
		if (n > 1)
			printf(" (and %zu more)", n - 1);
		printf("\n");
	}
	json_array_foreach(failures, i, f)
		printf("FAIL %s %s\n", str(f, "check"), str(f, "message"));
	json_decref(r);
	return pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

/* ---- days ---- */

/* "D" or "FROM..TO" into days; -1 when it is neither. */
static int
add_days(struct pgs_days *days, const char *line)
{
	char a[11], b[11];
	const char *dots = strstr(line, "..");
	long x, y;

	if (!dots) {
		if (pgs_date_parse(line, &x) < 0)
			return -1;
		pgs_days_add(days, x, x);
		return 0;
	}
	if (dots - line != 10 || strlen(dots + 2) != 10)
		return -1;
	memcpy(a, line, 10), a[10] = '\0';
	memcpy(b, dots + 2, 10), b[10] = '\0';
	if (pgs_date_parse(a, &x) < 0 || pgs_date_parse(b, &y) < 0 || y < x)
		return -1;
	pgs_days_add(days, x, y);
	return 0;
}

/* The days as "FROM..TO DAYS" lines, one a range. */
static void
print_ranges(const struct pgs_days *days)
{
	char a[11], b[11];

	for (size_t i = 0; i < days->n; i++) {
		pgs_date_format(days->iv[i][0], a);
		pgs_date_format(days->iv[i][1], b);
		printf("%s..%s %ld\n", a, b, days->iv[i][1] - days->iv[i][0] + 1);
	}
}

/* ranges: the days on standard input merged, "FROM..TO DAYS" lines. */
static int
ranges(void)
{
	struct pgs_days days = { 0 };
	char *line = NULL;
	size_t cap = 0;
	ssize_t len;
	long lineno = 0;
	int rc = PGS_EXIT_OK;

	while ((len = getline(&line, &cap, stdin)) > 0) {
		lineno++;
		while (len > 0 && (line[len - 1] == '\n' || line[len - 1] == '\r'))
			line[--len] = '\0';
		if (len > 0 && add_days(&days, line) < 0) {
			pgs_err("stdin:%ld: want a day or FROM..TO, not '%.40s'", lineno, line);
			rc = PGS_EXIT_FAIL;
			goto out;
		}
	}
	print_ranges(&days);
	rc = pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
out:
	free(line);
	pgs_days_free(&days);
	return rc;
}

/*
 * provisional: the dates of the report's provisional games (pgs-validate's
 * "provisional") but those among the days given (a run's days, landed and
 * rebuilt already), merged into "FROM..TO DAYS" lines, then "games<TAB>N",
 * the provisional games on them.
 */
static int
provisional(char **given, int n)
{
	json_t *r, *d;
	struct pgs_days skip = { 0 }, days = { 0 };
	long x, games = 0;
	size_t i;
	int rc = PGS_EXIT_FAIL;

	for (int k = 0; k < n; k++)
		if (add_days(&skip, given[k]) < 0) {
			pgs_usage_error("'%s' is not a day (YYYY-MM-DD) or a range FROM..TO", given[k]);
			pgs_days_free(&skip);
			return PGS_EXIT_USAGE;
		}
	if (!(r = read_json("pgs-validate --json report")))
		goto out;
	json_array_foreach(json_object_get(json_object_get(r, "provisional"), "dates"), i, d) {
		json_t *g = json_object_get(d, "games");

		if (pgs_date_parse(str(d, "date"), &x) < 0 || !json_is_integer(g)) {
			pgs_err("a provisional date that is not {date, games} in the report");
			goto out;
		}
		if (pgs_days_count(&skip, x, x) > 0)
			continue;
		pgs_days_add(&days, x, x);
		games += (long)json_integer_value(g);
	}
	print_ranges(&days);
	printf("games\t%ld\n", games);
	rc = pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
out:
	json_decref(r);
	pgs_days_free(&skip);
	pgs_days_free(&days);
	return rc;
}

/*
 * landing FROM TO: what the landing job's status (its "done" days) says of
 * FROM..TO: "landed<TAB>A..B" lines and "owed<TAB>D" for each day not done.
 * No status, or one that cannot be read: nothing landed.
 */
static int
landing(const char *from, const char *to)
{
	struct pgs_days done = { 0 };
	json_error_t e;
	json_t *st, *p;
	long f, t, a, b;
	size_t i;
	char d[11], d2[11];

	if (pgs_date_parse(from, &f) < 0 || pgs_date_parse(to, &t) < 0 || t < f)
		return pgs_usage_error("want: landing FROM TO (two dates, in order)");
	st = json_loadf(stdin, 0, &e);
	json_array_foreach(json_object_get(st, "done"), i, p) {
		if (pgs_date_parse(json_string_value(json_array_get(p, 0)), &a) == 0 &&
		    pgs_date_parse(json_string_value(json_array_get(p, 1)), &b) == 0 && a <= b &&
		    a <= t && b >= f)
			pgs_days_add(&done, a < f ? f : a, b > t ? t : b);
	}
	json_decref(st);
	for (i = 0; i < done.n; i++) {
		pgs_date_format(done.iv[i][0], d);
		pgs_date_format(done.iv[i][1], d2);
		printf("landed\t%s..%s\n", d, d2);
	}
	for (long day = f; day <= t; day++)
		if (pgs_days_count(&done, day, day) == 0) {
			pgs_date_format(day, d);
			printf("owed\t%s\n", d);
		}
	pgs_days_free(&done);
	return pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
}

/* ---- changed: a sweep's fetched rows against the store's ---- */

/* A raw row: its game ("DAY GAME_ID"), source, and canonical text. */
struct row_rec {
	char *game, *source, *canon;
};

struct row_set {
	struct row_rec *v;
	size_t n, cap;
};

static int
rec_cmp(const void *a, const void *b)
{
	const struct row_rec *x = a, *y = b;
	int c = strcmp(x->game, y->game);

	if (c == 0)
		c = strcmp(x->source, y->source);
	return c ? c : strcmp(x->canon, y->canon);
}

/* The rows of NDJSON file path (markers skipped), sorted.  0, or -1 reported. */
static int
load_rows(const char *path, struct row_set *rs)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0;
	long lineno = 0;
	int rc = 0;

	if (!f) {
		pgs_err("cannot read '%s': %s", path, strerror(errno));
		return -1;
	}
	while (rc == 0 && getline(&line, &cap, f) > 0) {
		json_error_t e;
		json_t *row = json_loads(line, 0, &e);
		const char *d, *g, *src, *k;
		json_t *v;
		int marker = 0;

		lineno++;
		if (!json_is_object(row)) {
			pgs_err("%s:%ld: not a JSON object", path, lineno);
			rc = -1;
		} else {
			json_object_foreach(row, k, v)
				marker |= strncmp(k, "pgs_", 4) == 0;
			d = json_string_value(json_object_get(row, "game_date"));
			g = json_string_value(json_object_get(row, "game_id"));
			src = json_string_value(json_object_get(row, "source"));
			if (!marker && (!d || !g || !src)) {
				pgs_err("%s:%ld: a row without game_date, game_id or source", path, lineno);
				rc = -1;
			} else if (!marker) {
				rs->v = pgs_xgrow(rs->v, rs->n, &rs->cap, sizeof(*rs->v));
				rs->v[rs->n].game = pgs_xasprintf("%.10s %s", d, g);
				rs->v[rs->n].source = pgs_xstrdup(src);
				rs->v[rs->n++].canon = json_dumps(row, JSON_COMPACT | JSON_SORT_KEYS);
			}
		}
		json_decref(row);
	}
	free(line);
	fclose(f);
	if (rs->n)
		qsort(rs->v, rs->n, sizeof(*rs->v), rec_cmp);
	return rc;
}

static void
rows_free(struct row_set *rs)
{
	for (size_t i = 0; i < rs->n; i++) {
		free(rs->v[i].game);
		free(rs->v[i].source);
		free(rs->v[i].canon);
	}
	free(rs->v);
}

/* The end of the group of rows of i's game and source. */
static size_t
group_end(const struct row_set *rs, size_t i)
{
	size_t j = i;

	while (j < rs->n && strcmp(rs->v[j].game, rs->v[i].game) == 0 &&
	    strcmp(rs->v[j].source, rs->v[i].source) == 0)
		j++;
	return j;
}

/* Whether fetched has rows of source on the day of game (its first 10 bytes). */
static int
day_fetched(const struct row_set *fetched, const char *game, const char *source)
{
	for (size_t i = 0; i < fetched->n; i++)
		if (strncmp(fetched->v[i].game, game, 10) == 0 && strcmp(fetched->v[i].source, source) == 0)
			return 1;
	return 0;
}

/*
 * changed STORED FETCHED: the games whose rows FETCHED (a source fetched
 * again) holds otherwise than STORED (the store's raw rows of the same
 * days), compared per game and source as canonical JSON: a row changed, new
 * or gone.  A source with no rows on a day of FETCHED is not compared on
 * that day (a landing would not replace its rows either).  "DAY GAME_ID"
 * lines, sorted, each once.
 */
static int
changed(const char *stored_path, const char *fetched_path)
{
	struct row_set st = { 0 }, fe = { 0 };
	const char *last = "";
	size_t i = 0, j = 0;
	int rc = PGS_EXIT_FAIL;

	if (load_rows(stored_path, &st) < 0 || load_rows(fetched_path, &fe) < 0)
		goto out;
	while (i < st.n || j < fe.n) {
		int c = i == st.n ? 1 : j == fe.n ? -1 : strcmp(st.v[i].game, fe.v[j].game);
		size_t ie, je, k;
		const char *game;
		int diff;

		if (c == 0)
			c = strcmp(st.v[i].source, fe.v[j].source);
		if (c < 0) {          /* stored only: gone, if its day and source were fetched */
			ie = group_end(&st, i);
			game = st.v[i].game;
			diff = day_fetched(&fe, game, st.v[i].source);
			i = ie;
		} else if (c > 0) {   /* fetched only: new */
			game = fe.v[j].game;
			diff = 1;
			j = group_end(&fe, j);
		} else {
			ie = group_end(&st, i);
			je = group_end(&fe, j);
			game = st.v[i].game;
			diff = ie - i != je - j;
			for (k = 0; !diff && k < ie - i; k++)
				diff = strcmp(st.v[i + k].canon, fe.v[j + k].canon) != 0;
			i = ie;
			j = je;
		}
		/* groups come in game order: a game printed once */
		if (diff && strcmp(game, last) != 0) {
			printf("%s\n", game);
			last = game;
		}
	}
	rc = pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
out:
	rows_free(&st);
	rows_free(&fe);
	return rc;
}

/*
 * corrections CHANGES: pgs-diff --json records, the file CHANGES; those that
 * changed or removed a row (a correction, not a new day's rows) are printed
 * as they came, then one line "total<TAB>N<TAB>GAMES<TAB>FLIPPED": the
 * corrections, the games they touch, the over/under results they flipped.
 */
static int
corrections(const char *path)
{
	FILE *f = fopen(path, "r");
	char **games = NULL, *line = NULL;
	size_t cap = 0, ngames = 0, capgames = 0, i;
	long n = 0, flipped = 0, lineno = 0;
	int rc = PGS_EXIT_OK;

	if (!f) {
		pgs_err("cannot read '%s': %s", path, strerror(errno));
		return PGS_EXIT_FAIL;
	}
	while (getline(&line, &cap, f) > 0) {
		json_error_t e;
		json_t *c = json_loads(line, 0, &e);
		const char *what = json_string_value(json_object_get(c, "change"));
		const char *game = json_string_value(json_object_get(c, "game_id"));

		lineno++;
		if (!what) {
			pgs_err("%s:%ld: not a pgs-diff --json record", path, lineno);
			json_decref(c);
			rc = PGS_EXIT_FAIL;
			break;
		}
		if (strcmp(what, "updated") == 0 || strcmp(what, "deleted") == 0) {
			fputs(line, stdout);
			n++;
			flipped += json_is_true(json_object_get(c, "over_under_flipped"));
			for (i = 0; game && i < ngames && strcmp(games[i], game) != 0; i++)
				;
			if (game && i == ngames) {
				games = pgs_xgrow(games, ngames, &capgames, sizeof(*games));
				games[ngames++] = pgs_xstrdup(game);
			}
		}
		json_decref(c);
	}
	free(line);
	fclose(f);
	if (rc == PGS_EXIT_OK) {
		printf("total\t%ld\t%zu\t%ld\n", n, ngames, flipped);
		rc = pgs_close_stream(stdout, "stdout") < 0 ? PGS_EXIT_FAIL : PGS_EXIT_OK;
	}
	for (i = 0; i < ngames; i++)
		free(games[i]);
	free(games);
	return rc;
}

int
main(int argc, char **argv)
{
	struct settings cli = { 0 };
	struct pgs_option opts[NOPTS + 1];
	const char *cmd, *kind;
	int rc, secret;

	pgs_setprog(argv[0]);
	secret = secret_given(argc, argv);
	pgs_store_hide_secrets(argc, argv);
	daily_options(&cli, opts);
	if ((rc = pgs_parse_options(argc, argv, &tool, opts, NULL, &cli)) >= 0)
		goto out;
	cmd = optind < argc ? argv[optind] : "";
	kind = optind + 1 < argc ? argv[optind + 1] : "";
	rc = PGS_EXIT_USAGE;
	if (strcmp(cmd, "settings") == 0) {
		if (optind + 1 < argc)
			pgs_usage_error("unexpected argument '%s'", argv[optind + 1]);
		else if (cli.fd)
			pgs_usage_error("--fd is lock's");
		else
			rc = settings(&cli, secret);
	} else if (strcmp(cmd, "lock") == 0) {
		if (!cli.fd || optind + 1 < argc)
			pgs_usage_error("want: lock --fd N");
		else
			rc = lock(cli.fd);
	} else if (strcmp(cmd, "gaps") == 0 && optind + 1 == argc)
		rc = gaps();
	else if (strcmp(cmd, "provisional") == 0)
		rc = provisional(argv + optind + 1, argc - optind - 1);
	else if (strcmp(cmd, "why") == 0 && optind + 2 == argc && strcmp(kind, "validation") == 0)
		rc = why_validation();
	else if (strcmp(cmd, "why") == 0 && optind + 2 == argc &&
	    (strcmp(kind, "landing") == 0 || strcmp(kind, "rebuild") == 0))
		rc = why_job(strcmp(kind, "landing") == 0);
	else if (strcmp(cmd, "ranges") == 0 && optind + 1 == argc)
		rc = ranges();
	else if (strcmp(cmd, "landing") == 0 && optind + 3 == argc)
		rc = landing(argv[optind + 1], argv[optind + 2]);
	else if (strcmp(cmd, "changed") == 0 && optind + 3 == argc)
		rc = changed(argv[optind + 1], argv[optind + 2]);
	else if (strcmp(cmd, "corrections") == 0 && optind + 2 == argc)
		rc = corrections(argv[optind + 1]);
	else
		pgs_usage_error("want a command: settings, lock, gaps, provisional [DAYS]..., why (landing | rebuild | validation), "
		    "ranges, landing FROM TO, changed STORED FETCHED or corrections CHANGES");
out:
	settings_free(&cli);
	return rc;
}
