/*
 * pgs-extract — read raw box scores (bbref-csv, nbacom-csv, nbastats-v3,
 * raw NDJSON; files, stdin, .gz, http(s) URLs and URL templates, or the
 * store's raw_boxscores) and write raw rows for the games dated in
 * [from, to], then the stream end marker.
 *
 * Rows stream through: memory does not grow with the input, except for one
 * short id per game seen, which is how a game that reappears after another
 * one started is caught (downstream stages group by game and rely on a
 * game's rows being contiguous).
 */
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "contig.h"
#include "csv.h"
#include "dates.h"
#include "formats.h"
#include "hashmap.h"
#include "http.h"
#include "ndjson.h"
#include "opts.h"
#include "rawcheck.h"
#include "rejects.h"
#include "store.h"
#include "util.h"

/* A game of the --games schedules, for a {game_id} URL template. */
struct tgame {
	long days;
	char id[16];
};

/* The http(s) side: options as given (-1: not given), then one client for every URL. */
struct httpside {
	long timeout_ms, connect_ms;
	int retries;
	int allow_missing;
	const char **headers;            /* "Name: value", NULL-terminated */
	int nheaders, capheaders;
	struct pgs_strlist files;        /* --http-headers FILE */
	char **owned;                    /* the lines of those files */
	int nowned;
	struct pgs_http_opts o;
	pgs_http *client;                /* made at the first URL */
	struct tgame *games;             /* the window's games, by date then id; loaded once */
	size_t ngames;
	int games_loaded;
};

struct extract {
	const char *from_s, *to_s;       /* as given, for the store read and the marker */
	long from, to;                   /* day numbers; unbounded ends are LONG_MIN/MAX */
	const struct pgs_format *format; /* --format, or NULL to detect per input */
	const char *only_source;
	struct pgs_strlist sources;      /* --source URIs, in order */
	struct pgs_strlist maps;         /* --map COL=field (nbacom-csv) */
	struct pgs_strlist games;        /* --games FILE: schedules dating nbastats-v3 game ids */
	struct pgs_common co;
	struct pgs_fmt_opts fmt_opts;
	pgs_schedule *schedule;
	const char *input;               /* current input's name, for rejects */
	long rows;                       /* rows written */
	pgs_contig games_seen;           /* the contiguity of games */
	pgs_map players;                 /* (source, team, player) of the current game's rows */
	pgs_buf key;                     /* scratch for a players key */
	struct httpside http;
};

static const char *const synopsis[] = {
	"pgs-extract [--from D] [--to D] [--format F] [--map COL=FIELD]... [--games FILE]... [--source URI]...",
	"[--only-source NAME] [--http-timeout S] [--http-connect-timeout S] [--http-retries N]",
	"[--http-header H]... [--http-headers FILE] [--allow-missing]",
	"[--rejects FILE] [--max-rejects N] [FILE...]",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "Read raw box scores and write raw rows (NDJSON) for the games dated in [from, to],\n"
	    "then an end marker.  FILE '-' or no input at all means standard input; .gz is read transparently.\n"
	    "\n"
	    "  --from D, --to D    date window YYYY-MM-DD, inclusive (default: unbounded)\n"
	    "  --format F          input format: %s\n"
	    "                      (default: detected from each input's first lines)\n"
	    "  --map COL=FIELD     nbacom-csv: read column COL as FIELD, a raw field (steals) or what\n"
	    "                      another column means (STL); repeatable\n"
	    "  --games FILE        a schedule CSV with game_id (or nba_game_id) and game_date columns: dates\n"
	    "                      nbastats-v3 documents that carry only a gameId, and lists the games of a\n"
	    "                      {game_id} URL template; repeatable\n"
	    "  --source URI        a file; sqlite:PATH (the store's raw_boxscores; needs --from and --to);\n"
	    "                      or an http(s) URL, fetched once, or a template fetched per day of the\n"
	    "                      window ({date} {yyyymmdd} {season} {season_end}; needs --from and --to)\n"
	    "                      or per game of --games ({game_id}); repeatable; read before FILE operands\n"
	    "  --only-source NAME  read only rows of this source (bbref, nbacom, ...) from a store source\n"
	    "  --http-timeout S    one HTTP attempt, in seconds (default 120, or PGS_HTTP_TIMEOUT)\n"
	    "  --http-connect-timeout S  the connect, in seconds (default 10)\n"
	    "  --http-retries N    retries after a 429, 5xx, timeout or cut transfer (default 5)\n"
	    "  --http-header H     an extra request header 'Name: value'; repeatable\n"
	    "  --http-headers FILE extra request headers, one per line (for tokens: not in ps)\n"
	    "  --allow-missing     a 404 or 410 for a templated URL is a day or game without rows\n",
	    pgs_format_names());
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 1 some input rejected, 2 usage error, 3 failure (no end marker written)",
	PGS_TOOL_ROWS,
};

/* 1 when the current game already has this row's (source, team, player); else adds it. */
static int
player_seen(struct extract *x, json_t *row)
{
	const char *parts[3] = {
		json_string_value(json_object_get(row, "source")),
		json_string_value(json_object_get(row, "team_abbr")),
		json_string_value(json_object_get(row, "player_name")),
	};

	return !pgs_map_add(&x->players, pgs_map_key(&x->key, 3, parts));
}

/* Reject row; text NULL (rows from a store) records the row as pgs writes it. */
static int
reject_row(struct extract *x, json_t *row, long lineno, const char *text, const char *fmt, ...)
    __attribute__((format(printf, 5, 6)));

static int
reject_row(struct extract *x, json_t *row, long lineno, const char *text, const char *fmt, ...)
{
	pgs_buf dump = { 0 };
	va_list ap;
	char *why;
	int r;

	va_start(ap, fmt);
	if (vasprintf(&why, fmt, ap) < 0)
		why = NULL;
	va_end(ap);
	if (!text) {
		pgs_json_dump(&dump, row);
		text = dump.s ? dump.s : "";
	}
	r = pgs_reject(x->input, lineno, text, "%s", why ? why : "out of memory");
	pgs_buf_free(&dump);
	free(why);
	return r;
}
/*
 * Every row of every format and source comes through here: contract check,
 * date window, contiguity, output.  Takes row's reference.  0 or -1 fatal.
 */
static int
accept_row(json_t *row, long lineno, const char *text, void *arg)
{
	struct extract *x = arg;
	long days = LONG_MIN;
	char why[256];
	const char *gid;
	int bad, r = 0;

	bad = pgs_raw_check(row, &days, why, sizeof(why));
	/* outside the window: not ours to judge, even if bad */
	if (days != LONG_MIN && (days < x->from || days > x->to))
		goto out;
	if (bad) {
		r = reject_row(x, row, lineno, text, "%s", why);
		goto out;
	}
	gid = json_string_value(json_object_get(row, "game_id"));
	switch (pgs_contig_next(&x->games_seen, gid, why, sizeof(why))) {
	case PGS_CONTIG_BAD:
		r = reject_row(x, row, lineno, text, "%s", why);
		goto out;
	case PGS_CONTIG_NEW:
		pgs_map_clear(&x->players, NULL);
		break;
	}
	if (player_seen(x, row)) {
		r = reject_row(x, row, lineno, text, "duplicate row for %s (%s) in game %s",
		    json_string_value(json_object_get(row, "player_name")),
		    json_string_value(json_object_get(row, "team_abbr")), gid);
		goto out;
	}
	if (pgs_emit(row) < 0)
		r = -1; /* pgs_out_close() reports the write error */
	else
		x->rows++;
out:
	json_decref(row);
	return r;
}

/*
 * One input on its way to a format reader.  Until the format is known the
 * input's first lines are held in head (joined by '\n'), since a
 * pretty-printed JSON document cannot be told from raw NDJSON by its first
 * line "{"; once a format says yes they are replayed to its reader.
 */
struct feed {
	struct extract *x;
	const struct pgs_format *fmt;
	void *st;                  /* the reader, once the format is known */
	struct pgs_fmt_io io;
	pgs_buf head;
	long head_first;           /* line number of the first held line; 0: none held */
};

/* Detection gives up asking for more lines past this much head. */
#define HEAD_MAX (1 << 20)

static void
feed_start(struct extract *x, struct feed *f, const char *name)
{
	f->x = x;
	f->fmt = NULL;
	f->st = NULL;
	f->io = (struct pgs_fmt_io){ name, x->from, x->to, accept_row, x, &x->fmt_opts };
	pgs_buf_reset(&f->head);
	f->head_first = 0;
	x->input = name;
}

/* The format is fmt (NULL: none fits): open its reader and replay the held lines. */
static int
feed_decide(struct feed *f, const struct pgs_format *fmt)
{
	char *p, *nl, *end;
	long lineno = f->head_first;
	int rc = 0;

	if (!fmt) {
		pgs_err("%s:%ld: cannot tell the input format from this line; use --format (%s)",
		    f->io.input, f->head_first, pgs_format_names());
		return -1;
	}
	f->fmt = fmt;
	f->st = fmt->open(&f->io);
	end = f->head.s + f->head.len;
	for (p = f->head.s; rc == 0 && p <= end; p = nl + 1, lineno++) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		*nl = '\0';
		rc = fmt->line(f->st, p, (size_t)(nl - p), lineno);
	}
	pgs_buf_reset(&f->head);
	return rc;
}

/* One line of the input.  0, or -1 fatal (reported). */
static int
feed_line(struct feed *f, char *line, size_t len, long lineno)
{
	const struct pgs_format *fmt;
	int more = 0;

	if (f->st)
		return f->fmt->line(f->st, line, len, lineno);
	if (!f->head_first) {
		if (strspn(line, " \t") == len)
			return 0; /* detect from the first non-blank line */
		f->head_first = lineno;
	} else {
		pgs_buf_add(&f->head, "\n", 1);
	}
	pgs_buf_add(&f->head, line, len);
	fmt = f->x->format;
	if (!fmt)
		fmt = pgs_format_detect(f->head.s, f->head.len, f->head.len < HEAD_MAX ? &more : NULL);
	if (!fmt && more)
		return 0;
	return feed_decide(f, fmt);
}

/* The end of the input: a format still undecided decides now; finish the reader. */
static int
feed_end(struct feed *f, int rc)
{
	if (rc == 0 && !f->st && f->head_first)
		rc = feed_decide(f, pgs_format_detect(f->head.s, f->head.len, NULL));
	if (f->st) {
		if (rc == 0)
			rc = f->fmt->finish(f->st);
		f->fmt->close(f->st);
		f->st = NULL;
	}
	return rc;
}

/*
 * One input held in memory (an HTTP response body): its lines go to a
 * format reader exactly as a file's would.  The body's bytes are split in
 * place.  0, or -1 fatal (reported).
 */
static int
extract_buffer(struct extract *x, const char *name, pgs_buf *body)
{
	struct feed f = { 0 };
	size_t pos = 0, len;
	char *line;
	long lineno = 0;
	int rc = 0;

	feed_start(x, &f, name);
	while (rc == 0 && pgs_http_body_line(body, &pos, &line, &len))
		rc = feed_line(&f, line, len, ++lineno);
	rc = feed_end(&f, rc);
	pgs_buf_free(&f.head);
	x->input = NULL; /* name is the caller's and about to go */
	return rc;
}

/* Files (or stdin when n == 0), each in its own format. */
static int
read_files(struct extract *x, char **names, int n)
{
	pgs_input *in = pgs_input_open(names, n);
	struct feed f = { 0 };
	char *line;
	size_t len;
	int got, started = 0, rc = 0;

	while ((got = pgs_input_line(in, &line, &len)) > 0) {
		if (pgs_input_new_file(in) || !started) {
			if (started && (rc = feed_end(&f, 0)) < 0)
				break;
			feed_start(x, &f, pgs_input_name(in));
			started = 1;
		}
		if ((rc = feed_line(&f, line, len, pgs_input_lineno(in))) < 0)
			break;
	}
	if (got < 0)
		rc = -1;
	if (started)
		rc = feed_end(&f, rc);
	pgs_buf_free(&f.head);
	pgs_input_close(in);
	return rc;
}

static int
store_row(json_t *row, void *arg)
{
	return accept_row(json_incref(row), 0, NULL, arg);
}

/* The store's raw_boxscores over [from, to]: one indexed query. */
static int
read_store(struct extract *x, const char *uri)
{
	pgs_store *st;
	int rc;

	/* read-only: a typo must not read as an empty window */
	if (!(st = pgs_store_open(uri, PGS_STORE_RO, NULL)))
		return -1;
	x->input = uri;
	rc = pgs_store_raw_read(st, x->from_s, x->to_s, x->only_source, store_row, x);
	pgs_store_close(st);
	return rc;
}

static int
cmp_tgame(const void *a, const void *b)
{
	const struct tgame *p = a, *q = b;

	if (p->days != q->days)
		return p->days < q->days ? -1 : 1;
	return strcmp(p->id, q->id);
}

/*
 * The games of the --games schedules dated in the window, by date then id,
 * each once (team logs list a game once per team): what a {game_id}
 * template fetches.  The files were already checked by load_games(), which
 * keeps only a lookup by id; this reads them again for the listing.
 * 0, or -1 reported.
 */
static int
load_template_games(struct extract *x)
{
	struct httpside *hs = &x->http;
	char *line, *f[128];
	const char *err;
	size_t len, cap = 0, i, n;
	int g, got, nf, c_id, c_date, rc = 0;
	long days;

	if (hs->games_loaded)
		return 0;
	hs->games_loaded = 1;
	for (g = 0; g < x->games.n && rc == 0; g++) {
		pgs_input *in = pgs_input_open((char **)&x->games.v[g], 1);

		c_id = c_date = -1;
		while ((got = pgs_input_line(in, &line, &len)) > 0) {
			nf = pgs_csv_split(line, len, f, 128, &err);
			if (pgs_input_lineno(in) == 1) {
				for (i = 0; nf > 0 && i < (size_t)nf && i < 128; i++) {
					/* as pgs_schedule_load: nba_game_id is the stats.nba.com id */
					if (strcasecmp(f[i], "nba_game_id") == 0 ||
					    (c_id < 0 && strcasecmp(f[i], "game_id") == 0))
						c_id = (int)i;
					if (strcasecmp(f[i], "game_date") == 0)
						c_date = (int)i;
				}
				continue;
			}
			if (len == 0 || c_id < 0 || c_date < 0 || nf <= c_id || nf <= c_date ||
			    strlen(f[c_id]) >= sizeof(hs->games->id) ||
			    pgs_date_parse_prefix(f[c_date], &days) < 0)
				continue; /* load_games() has refused such files already */
			if (days < x->from || days > x->to)
				continue;
			if (hs->ngames == cap) {
				cap = cap ? cap * 2 : 256;
				hs->games = pgs_xrealloc(hs->games, cap * sizeof(*hs->games));
			}
			hs->games[hs->ngames].days = days;
			strcpy(hs->games[hs->ngames++].id, f[c_id]);
		}
		if (got < 0)
			rc = -1;
		pgs_input_close(in);
	}
	if (hs->ngames > 0) {
		qsort(hs->games, hs->ngames, sizeof(*hs->games), cmp_tgame);
		for (i = n = 1; i < hs->ngames; i++)
			if (cmp_tgame(&hs->games[i], &hs->games[n - 1]) != 0)
				hs->games[n++] = hs->games[i];
		hs->ngames = n;
	}
	return rc;
}

/* GET url and extract its body.  0 (also for an allowed 404), or -1 reported. */
static int
extract_url(struct extract *x, const char *url)
{
	char *name = pgs_http_redact(url);
	pgs_buf body = { 0 };
	int r;

	if ((r = pgs_http_get(x->http.client, url, &body, NULL)) == 0)
		r = extract_buffer(x, name, &body);
	pgs_buf_free(&body);
	free(name);
	return r < 0 ? -1 : 0;
}

/*
 * An http(s) source: one GET for a plain URL; for a template one per game of
 * --games in the window ({game_id}, with its date for the date
 * placeholders), else one per day of the window; in date order.
 */
static int
read_http(struct extract *x, const char *tmpl)
{
	struct httpside *hs = &x->http;
	int vars = pgs_http_template_vars(tmpl), rc = 0;
	size_t i;
	long day;
	char *url;

	if (!hs->client && !(hs->client = pgs_http_new(&hs->o)))
		return -1;
	/* a missing fixed URL is a mistake; a missing day or game, maybe not */
	pgs_http_set_missing_ok(hs->client, vars != 0 && hs->allow_missing);
	if (vars == 0)
		return extract_url(x, tmpl);
	if (vars & PGS_HTTP_VAR_GAME_ID) {
		if (load_template_games(x) < 0)
			return -1;
		if (hs->ngames == 0)
			pgs_warn("source '%s': no game of --games is dated in the window", tmpl);
		for (i = 0; rc == 0 && i < hs->ngames; i++) {
			url = pgs_http_expand(tmpl, hs->games[i].days, hs->games[i].id);
			rc = extract_url(x, url);
			free(url);
		}
		return rc;
	}
	for (day = x->from; rc == 0 && day <= x->to; day++) {
		url = pgs_http_expand(tmpl, day, NULL);
		rc = extract_url(x, url);
		free(url);
	}
	return rc;
}

static int
read_inputs(struct extract *x, char **files, int nfiles)
{
	int i;

	for (i = 0; i < x->sources.n; i++) {
		const char *s = x->sources.v[i];
		int rc = pgs_store_is_uri(s) ? read_store(x, s) : pgs_http_is_url(s) ? read_http(x, s)
		                                                                 : read_files(x, (char **)&x->sources.v[i], 1);

		if (rc < 0)
			return -1;
	}
	if (nfiles > 0 || x->sources.n == 0)
		return read_files(x, files, nfiles);
	return 0;
}

/* 1 when h looks like "Name: value" (a token, a colon). */
static int
header_ok(const char *h)
{
	size_t n = strcspn(h, ":");

	return n > 0 && h[n] == ':' && strcspn(h, " \t\r\n") >= n && !strpbrk(h, "\r\n");
}

static void
add_header(struct httpside *hs, const char *h)
{
	if (hs->nheaders + 1 >= hs->capheaders) {
		hs->capheaders = hs->capheaders ? hs->capheaders * 2 : 16;
		hs->headers = pgs_xrealloc(hs->headers, (size_t)hs->capheaders * sizeof(*hs->headers));
	}
	hs->headers[hs->nheaders++] = h;
	hs->headers[hs->nheaders] = NULL;
}

/* --http-headers FILE: "Name: value" lines; blank and '#' lines skipped.  0, or -1 reported. */
static int
load_header_file(struct httpside *hs, const char *path)
{
	pgs_input *in = pgs_input_open((char **)&path, 1);
	char *line;
	size_t len;
	int got, rc = 0;

	while ((got = pgs_input_line(in, &line, &len)) > 0) {
		if (len == 0 || line[0] == '#')
			continue;
		if (!header_ok(line)) {
			/* the line may hold a token: say where, not what */
			pgs_err("%s:%ld: not a 'Name: value' header line", path, pgs_input_lineno(in));
			rc = -1;
			break;
		}
		hs->owned = pgs_xrealloc(hs->owned, (size_t)(hs->nowned + 1) * sizeof(*hs->owned));
		hs->owned[hs->nowned] = pgs_xstrdup(line);
		add_header(hs, hs->owned[hs->nowned++]);
	}
	if (got < 0)
		rc = -1;
	pgs_input_close(in);
	return rc;
}

/* The http(s) options over the environment over the defaults.  0 or an exit status. */
static int
http_options(struct httpside *hs)
{
	struct pgs_http_opts *o = &hs->o;

	if (pgs_http_opts_init(o) < 0)
		return PGS_EXIT_USAGE;
	if (hs->timeout_ms >= 0)
		o->timeout_ms = hs->timeout_ms;
	if (hs->connect_ms >= 0)
		o->connect_timeout_ms = hs->connect_ms;
	if (hs->retries >= 0)
		o->max_retries = hs->retries;
	o->headers = hs->headers;
	return 0;
}

/* One http(s) source: a good template with the values it needs.  0 or an exit status. */
static int
check_http_source(struct extract *x, const char *s)
{
	int vars = pgs_http_template_vars(s), rc = 0;
	char *shown;

	if (vars < 0)
		return PGS_EXIT_USAGE;
	shown = pgs_http_redact(s);
	if ((vars & PGS_HTTP_VAR_GAME_ID) && x->games.n == 0)
		rc = pgs_usage_error("source '%s' needs --games FILE: the games for {game_id}", shown);
	else if (vars == PGS_HTTP_VAR_DATE && (!x->from_s || !x->to_s))
		rc = pgs_usage_error("source '%s' needs --from and --to: one GET per day", shown);
	free(shown);
	return rc;
}

/* Check the options that depend on each other; 0 or an exit status. */
static int
check_options(struct extract *x)
{
	int i, r, store = 0, http = 0;

	if ((r = pgs_opt_window(x->from_s, x->to_s, &x->from, &x->to)) != 0)
		return r;
	for (i = 0; i < x->sources.n; i++) {
		const char *s = x->sources.v[i];

		if (pgs_http_is_url(s)) {
			if ((r = check_http_source(x, s)) != 0)
				return r;
			http = 1;
		}
		if (pgs_store_is_uri(s)) {
			store = 1;
			if (!x->from_s || !x->to_s)
				return pgs_usage_error("source '%s' needs --from and --to", s);
		}
	}
	if (x->only_source && !store)
		return pgs_usage_error("--only-source needs a store --source (sqlite:PATH)");
	/* the environment is read only when it matters: a bad PGS_HTTP_* must not break file runs */
	if (http && (r = http_options(&x->http)) != 0)
		return r;
	if (x->fmt_opts.nmaps > 0) {
		char why[256];

		if (x->format && x->format != &pgs_fmt_nbacom_csv)
			return pgs_usage_error("--map applies to nbacom-csv input, not %s", x->format->name);
		if (pgs_nbacom_map_check(x->fmt_opts.maps, x->fmt_opts.nmaps, why, sizeof(why)) < 0)
			return pgs_usage_error("%s", why);
	}
	return 0;
}

/* The --games schedules.  0, or -1 reported. */
static int
load_games(struct extract *x)
{
	int i;

	if (x->games.n == 0)
		return 0;
	x->schedule = pgs_schedule_new();
	x->fmt_opts.schedule = x->schedule;
	for (i = 0; i < x->games.n; i++)
		if (pgs_schedule_load(x->schedule, x->games.v[i]) < 0)
			return -1;
	pgs_info("%zu games in the --games schedules", pgs_schedule_size(x->schedule));
	return 0;
}

static int
opt_format(void *arg, const char *v)
{
	struct extract *x = arg;

	if (!(x->format = pgs_format_find(v)))
		return pgs_usage_error("unknown format '%s' (known: %s)", v, pgs_format_names());
	return 0;
}

static int
opt_seconds(const char *name, const char *v, long *ms)
{
	if ((*ms = pgs_http_parse_seconds(v)) <= 0)
		return pgs_usage_error("bad --%s '%s': want seconds > 0", name, v);
	return 0;
}

static int
opt_timeout(void *arg, const char *v)
{
	return opt_seconds("http-timeout", v, &((struct extract *)arg)->http.timeout_ms);
}

static int
opt_connect_timeout(void *arg, const char *v)
{
	return opt_seconds("http-connect-timeout", v, &((struct extract *)arg)->http.connect_ms);
}

static int
opt_retries(void *arg, const char *v)
{
	long n = pgs_parse_count(v);

	if (n < 0 || n > 100)
		return pgs_usage_error("bad --http-retries '%s': want a number from 0 to 100", v);
	((struct extract *)arg)->http.retries = (int)n;
	return 0;
}

static int
opt_header(void *arg, const char *v)
{
	/* the value may be a token: not repeated here */
	if (!header_ok(v))
		return pgs_usage_error("bad --http-header: want 'Name: value'");
	add_header(&((struct extract *)arg)->http, v);
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(int argc, char **argv, struct extract *x)
{
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "from", &x->from_s),
		PGS_OPT_STRING(0, "to", &x->to_s),
		PGS_OPT_CALLBACK(0, "format", opt_format),
		PGS_OPT_LIST(0, "source", &x->sources),
		PGS_OPT_STRING(0, "only-source", &x->only_source),
		PGS_OPT_LIST(0, "map", &x->maps),
		PGS_OPT_LIST(0, "games", &x->games),
		PGS_OPT_CALLBACK(0, "http-timeout", opt_timeout),
		PGS_OPT_CALLBACK(0, "http-connect-timeout", opt_connect_timeout),
		PGS_OPT_CALLBACK(0, "http-retries", opt_retries),
		PGS_OPT_CALLBACK(0, "http-header", opt_header),
		PGS_OPT_LIST(0, "http-headers", &x->http.files),
		PGS_OPT_FLAG(0, "allow-missing", &x->http.allow_missing),
		PGS_OPT_END(),
	};
	int i, r;

	x->from = LONG_MIN;
	x->to = LONG_MAX;
	x->http.timeout_ms = x->http.connect_ms = -1;
	x->http.retries = -1;
	if ((r = pgs_parse_options(argc, argv, &tool, opts, &x->co, x)) >= 0)
		return r;
	x->fmt_opts.maps = x->maps.v;
	x->fmt_opts.nmaps = x->maps.n;
	/* header files after the command line's headers, before the options are checked */
	for (i = 0; i < x->http.files.n; i++)
		if (load_header_file(&x->http, x->http.files.v[i]) < 0)
			return PGS_EXIT_FAIL;
	r = check_options(x);
	return r ? r : -1;
}

int
main(int argc, char **argv)
{
	struct extract x = { 0 };
	json_t *extra;
	int rc, ok, i;

	pgs_setprog(argv[0]);
	if ((rc = parse_args(argc, argv, &x)) >= 0)
		goto out;
	if (pgs_rejects_init(x.co.rejects, x.co.max_rejects) < 0) {
		rc = PGS_EXIT_FAIL;
		goto out;
	}
	if (load_games(&x) < 0) {
		rc = PGS_EXIT_FAIL;
		goto out;
	}
	pgs_out_init();
	ok = read_inputs(&x, argv + optind, argc - optind) == 0;
	if (ok) {
		extra = json_pack("{s:s?, s:s?}", "from", x.from_s, "to", x.to_s);
		ok = pgs_emit_end(x.rows, pgs_reject_count(), extra) == 0;
		json_decref(extra);
	}
	if (pgs_out_close() < 0)
		ok = 0;
	if (pgs_rejects_close() < 0)
		ok = 0;
	pgs_info("%ld rows, %ld rejects", x.rows, pgs_reject_count());
	rc = !ok ? PGS_EXIT_FAIL : pgs_reject_count() > 0 ? PGS_EXIT_REJECTS : PGS_EXIT_OK;
out:
	pgs_contig_free(&x.games_seen);
	pgs_map_free(&x.players, NULL);
	pgs_buf_free(&x.key);
	free(x.sources.v);
	free(x.maps.v);
	free(x.games.v);
	pgs_schedule_free(x.schedule);
	pgs_http_free(x.http.client);
	free(x.http.games);
	free(x.http.headers);
	for (i = 0; i < x.http.nowned; i++)
		free(x.http.owned[i]);
	free(x.http.owned);
	free(x.http.files.v);
	return rc;
}
