/*
 * pgs-extract — read raw box scores (bbref-csv, nbacom-csv, nbastats-v3,
 * raw NDJSON; files, stdin, .gz, http(s) URLs and URL templates, or the
 * store's raw_boxscores) and write raw rows for the games dated in
 * [from, to], then the stream end marker.
 *
 * The formats and their detection (lib/formats.c), the schedule
 * (lib/schedule.c) and HTTP (lib/http.c) live in lib; this file is the
 * options and the flow: every row of every source goes through
 * accept_row(): contract check, date window, contiguity, output.
 *
 * Rows stream through: memory does not grow with the input, except for one
 * short id per game seen, which is how a game that reappears after another
 * one started is caught (downstream stages group by game and rely on a
 * game's rows being contiguous).
 */
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "contig.h"
#include "dates.h"
#include "formats.h"
#include "hashmap.h"
#include "http.h"
#include "ndjson.h"
#include "opts.h"
#include "rawcheck.h"
#include "rejects.h"
#include "schedule.h"
#include "store.h"
#include "teams.h"
#include "util.h"

/* A game's identity for spotting one listed twice under two dates. */
struct game_print {
	char gid[64];
	long day;
	char pair[16];                   /* the two teams, in order: "BOS NYK" */
	uint64_t sum;                    /* of its rows' content hashes: order does not matter */
	long rows;
};

/* A row of the current game, waiting for the game's end (readers reuse their
 * row objects: the row is held as the text it is written as). */
struct held {
	long lineno;
	int has_text;                    /* text is the input line (else: a store row) */
	pgs_buf text;
	pgs_buf out;                     /* the row as it is written */
	char date[11];
};

struct extract {
	/* options */
	const char *from_s, *to_s;       /* as given, for the store read and the marker */
	long from, to;                   /* day numbers; unbounded ends are LONG_MIN/MAX */
	const struct pgs_format *format; /* --format, or NULL to detect per input */
	const char *only_source;
	const char *table;               /* --table: raw_boxscores (NULL) or player_game_summary */
	const char *as_of_s;             /* --as-of TIME, as given */
	char as_of[28];                  /* it as the ledger's commit times are written, or "" */
	struct pgs_strlist sources;      /* --source URIs, in order */
	struct pgs_strlist maps;         /* --map COL=field (nbacom-csv) */
	struct pgs_strlist games;        /* --games FILE: schedules */
	struct pgs_strlist header_files; /* --http-headers FILE */
	const char *windows_file;        /* --windows FILE */
	pgs_window_list windows;         /* its windows, in order */
	size_t nwindows;
	char (*watermark)[40];           /* each window's raw watermark ("" for none) */
	struct pgs_http_given http_given;
	int allow_missing;
	long fetch_around;               /* --fetch-around N */
	int span;                        /* --span: the first and last game_date, not the rows */
	char first[11], last[11];
	struct pgs_common co;
	/* what they make */
	pgs_http_headers headers;
	struct pgs_http_opts http_opts;
	pgs_http *http;                  /* made at the first URL */
	pgs_schedule *schedule;
	pgs_map sched_types;             /* YYYYMMDD_AWAY_HOME -> the game type --games gives it */
	struct pgs_fmt_opts fmt_opts;
	struct pgs_fmt_io io;            /* io.input names the input being read */
	pgs_reader *reader;
	/* the rows written */
	long rows;
	long skipped;                    /* rows dated outside the window, never written */
	long skipped_fetched;            /* of them, rows of a body fetched for a date of the window */
	int fetching;                    /* reading such a body */
	struct { long day, n; } *skipped_days;   /* how many of them each date had */
	size_t nskipped_days, capskipped_days;
	pgs_contig order;                /* games must be contiguous */
	pgs_map players;                 /* (source, team, player) of the current game's rows */
	pgs_buf key;                     /* scratch for a players key */
	const char *doc;                 /* the stored text of the store row being read, when */
	size_t doclen;                   /* it is what pgs_emit() would write (store_row) */
	/* the current game's rows, held until it ends: a game that repeats the game of
	 * the day before (the same teams, the same box score) is rejected whole */
	struct held *held;               /* slots and their buffers are reused game after game */
	size_t nheld, capheld, held_made;
	struct game_print cur;           /* the current game's fingerprint so far */
	struct game_print ref;           /* the same, of a game of the day before (store) */
	struct game_print *recent;       /* the games of the current and the previous day */
	size_t nrecent, caprecent;
	long ref_upto;                   /* the last day read for fingerprints only (store) */
};

static const char *const synopsis[] = {
	"pgs-extract [--from D] [--to D] [--format F] [--map COL=FIELD]... [--games FILE]... [--source URI]...",
	"[--source-env VAR]... [--only-source NAME] [--http-timeout S] [--http-connect-timeout S]",
	"[--http-retries N] [--http-header H]... [--http-headers FILE] [--allow-missing]",
	"[--fetch-around N] [--rejects FILE] [--max-rejects N] [--span] [FILE...]",
	"pgs-extract --windows FILE [--source URI]... [--only-source NAME] [--rejects FILE]",
	"pgs-extract --source STORE --table player_game_summary --from D --to D [--as-of TIME]",
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
	    "                      {game_id} URL template; with game_type and team columns, types the\n"
	    "                      games it names (Cup, playoffs); repeatable; read once (a pipe is fine)\n"
	    "  --source URI        a file; sqlite:PATH (the store's raw_boxscores; needs --from and --to);\n"
	    "                      or an http(s) URL, fetched once, or a template fetched per day of the\n"
	    "                      window ({date} {yyyymmdd} {season} {season_end}; needs --from and --to)\n"
	    "                      or per game of --games ({game_id}); repeatable; read before FILE operands\n"
	    "  --source-env VAR    the --source URI in the environment variable VAR: a URI with a\n"
	    "                      password or a token stays out of ps; repeatable\n"
	    "  --only-source NAME  read only rows of this source (bbref, nbacom, ...) from a store source\n"
	    "  --windows FILE      a window stream from store sources (default: $PGS_SOURCE, else the\n"
	    "                      store $PGS_STORE): for each FROM<TAB>TO line of FILE\n"
	    "                      (ascending, not overlapping: pgs-checkpoint plan's output), its rows\n"
	    "                      and a window marker; for pgs-write --windows (one process per stage\n"
	    "                      for a whole backfill instead of per batch)\n"
	    "  --http-timeout S    one HTTP attempt, in seconds (default 120, or PGS_HTTP_TIMEOUT)\n"
	    "  --http-connect-timeout S  the connect, in seconds (default 10)\n"
	    "  --http-retries N    retries after a 429, 5xx, timeout or cut transfer (default 5)\n"
	    "  --http-header H     an extra request header 'Name: value'; repeatable\n"
	    "  --http-headers FILE extra request headers, one per line (for tokens: not in ps)\n"
	    "  --allow-missing     a 404 or 410 for a templated URL is a day or game without rows\n"
	    "  --fetch-around N    a {date} template is fetched for N more days either side of the\n"
	    "                      window too, for the window's games filed under a neighbouring day\n"
	    "  --span              instead of the rows, one line FIRST<TAB>LAST: the first and last\n"
	    "                      game_date of the rows (nothing when there are none)\n"
	    "  --table T           the store table a store source is read from: raw_boxscores\n"
	    "                      (default) or player_game_summary (its summary rows as they are)\n"
	    "  --as-of TIME        player_game_summary as it stood at TIME (ISO 8601 with Z or an\n"
	    "                      offset, e.g. 2024-01-16T12:00:00Z): its history keeps every version\n",
	    pgs_format_names());
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 1 some input rejected, 2 usage error, 3 failure (no end marker written)",
	PGS_TOOL_ROWS,
};

/* ---- rows ---- */

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
	why = pgs_xvasprintf(fmt, ap);
	va_end(ap);
	if (!text) {
		pgs_json_dump(&dump, row);
		text = dump.s ? dump.s : "";
	}
	r = pgs_reject(x->io.input, lineno, text, "%s", why);
	pgs_buf_free(&dump);
	free(why);
	return r;
}

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

/* n rows of day number day were skipped: outside the window.  (Also the readers' skip hook.) */
static void
skip_rows(long day, long n, void *arg)
{
	struct extract *x = arg;
	size_t i;

	x->skipped += n;
	/* a row of another date in a body fetched for the window: its own window fetches
	 * that body too only with --fetch-around reaching this far */
	if (x->fetching && (day < x->from - x->fetch_around || day > x->to + x->fetch_around))
		x->skipped_fetched += n;
	for (i = 0; i < x->nskipped_days && x->skipped_days[i].day != day; i++)
		;
	if (i == x->nskipped_days) {
		x->skipped_days = pgs_xgrow(x->skipped_days, x->nskipped_days, &x->capskipped_days,
		    sizeof(*x->skipped_days));
		x->skipped_days[x->nskipped_days++].day = day;
		x->skipped_days[i].n = 0;
	}
	x->skipped_days[i].n += n;
}

/* ---- a game listed twice ---- */

/* The fields of a row that make its box-score line: identical lines hash alike. */
static const char *const print_fields[] = {
	"source", "team_abbr", "player_name", "player_status", "minutes", "points", "fg_makes",
	"fg_attempts", "three_pt_makes", "three_pt_attempts", "ft_makes", "ft_attempts",
	"offensive_rebounds", "defensive_rebounds", "total_rebounds", "assists", "steals",
	"blocks", "turnovers", "personal_fouls", "plus_minus",
};

static uint64_t
fnv64(const char *s, size_t n, uint64_t h)
{
	for (size_t i = 0; i < n; i++) {
		h ^= (unsigned char)s[i];
		h *= 0x100000001b3ULL;
	}
	return h;
}

/* The content hash of row's box-score line. */
static uint64_t
row_print(json_t *row)
{
	uint64_t h = 0xcbf29ce484222325ULL;
	char num[32];

	for (size_t i = 0; i < sizeof(print_fields) / sizeof(print_fields[0]); i++) {
		json_t *v = json_object_get(row, print_fields[i]);
		const char *t = json_is_string(v) ? json_string_value(v) : NULL;

		if (json_is_integer(v)) {
			snprintf(num, sizeof(num), "%lld", (long long)json_integer_value(v));
			t = num;
		}
		h = fnv64(t ? t : "\x01", t ? strlen(t) : 1, h);
		h = fnv64("\x1f", 1, h);
	}
	return h;
}

/* Start the fingerprint g of the game of row (day its date). */
static void
print_start(struct game_print *g, json_t *row, long day)
{
	const char *a = json_string_value(json_object_get(row, "away_team_abbr"));
	const char *h = json_string_value(json_object_get(row, "home_team_abbr"));

	memset(g, 0, sizeof(*g));
	snprintf(g->gid, sizeof(g->gid), "%s", json_string_value(json_object_get(row, "game_id")));
	g->day = day;
	if (!a || !h)
		a = h = "?";
	if (strcmp(a, h) > 0) {
		const char *t = a;

		a = h;
		h = t;
	}
	snprintf(g->pair, sizeof(g->pair), "%s %s", a, h);
}

/* The game of the day before that g repeats, or NULL. */
static const struct game_print *
repeated(const struct extract *x, const struct game_print *g)
{
	for (size_t i = 0; i < x->nrecent; i++) {
		const struct game_print *o = &x->recent[i];

		if (o->day == g->day - 1 && o->rows == g->rows && o->sum == g->sum &&
		    strcmp(o->pair, g->pair) == 0)
			return o;
	}
	return NULL;
}

/* Remember g; forget the games of days before the day before it. */
static void
remember(struct extract *x, const struct game_print *g)
{
	size_t k = 0;

	if (g->rows == 0)
		return;
	for (size_t i = 0; i < x->nrecent; i++)
		if (x->recent[i].day >= g->day - 1)
			x->recent[k++] = x->recent[i];
	x->nrecent = k;
	x->recent = pgs_xgrow(x->recent, x->nrecent, &x->caprecent, sizeof(*x->recent));
	x->recent[x->nrecent++] = *g;
}

static void
held_free(struct held *h)
{
	pgs_buf_free(&h->text);
	pgs_buf_free(&h->out);
}

/* Write one held row out (or count it, --span). 0, or -1 on a write error. */
static int
emit_row(struct extract *x, const struct held *h)
{
	if (x->span) {
		if (!x->first[0] || strcmp(h->date, x->first) < 0)
			snprintf(x->first, sizeof(x->first), "%s", h->date);
		if (strcmp(h->date, x->last) > 0)
			snprintf(x->last, sizeof(x->last), "%s", h->date);
	} else if (pgs_emit_text(h->out.s, h->out.len) < 0)
		return -1; /* pgs_out_close() reports the write error */
	x->rows++;
	return 0;
}

/* Hold row (of the current game) until the game ends.  0, or -1 for a row that cannot be written. */
static int
hold_row(struct extract *x, json_t *row, long lineno, const char *text)
{
	struct held *h;

	x->held = pgs_xgrow(x->held, x->nheld, &x->capheld, sizeof(*x->held));
	if (x->nheld == x->held_made)
		memset(&x->held[x->held_made++], 0, sizeof(*x->held));
	h = &x->held[x->nheld];
	pgs_buf_reset(&h->out);
	if (x->doc)
		pgs_buf_add(&h->out, x->doc, x->doclen);
	else if (pgs_json_dump(&h->out, row) < 0)
		return reject_row(x, row, lineno, text, "a number that is not finite");
	pgs_buf_add(&h->out, "", 0);
	pgs_buf_reset(&h->text);
	if ((h->has_text = text != NULL))
		pgs_buf_adds(&h->text, text);
	pgs_buf_add(&h->text, "", 0);
	h->lineno = lineno;
	snprintf(h->date, sizeof(h->date), "%s", json_string_value(json_object_get(row, "game_date")));
	x->nheld++;
	return 0;
}

/*
 * The current game has ended: write its rows, or reject them all when it
 * repeats a game of the day before (the same two teams, every box-score line
 * the same: a game filed under two dates; the first stays).  0, or -1.
 */
static int
flush_game(struct extract *x)
{
	const struct game_print *o = x->nheld ? repeated(x, &x->cur) : NULL;
	char other[64], day[11];
	int r = 0;

	if (o) {
		snprintf(other, sizeof(other), "%s", o->gid);
		pgs_date_format(o->day, day);
	}
	for (size_t i = 0; i < x->nheld; i++) {
		struct held *h = &x->held[i];

		if (r == 0 && o) {
			json_t *row = json_loadb(h->out.s, h->out.len, 0, NULL);

			r = reject_row(x, row, h->lineno, h->has_text ? h->text.s : NULL, "duplicate game: %s repeats game %s"
			    " of %s (the same teams and box score a day apart); the first is kept",
			    x->cur.gid, other, day);
			json_decref(row);
		} else if (r == 0)
			r = emit_row(x, h);
	}
	if (x->nheld && !o)
		remember(x, &x->cur);
	x->nheld = 0;
	memset(&x->cur, 0, sizeof(x->cur));
	return r;
}

/*
 * The schedule's type for row's game, when --games types it: the Cup's
 * games are regular-season games in the box scores (and bbref's CSVs have
 * no Cup at all).  A schedule's plain "regular" leaves a Cup knockout date's
 * type alone: the team logs label the quarterfinals regular_season.
 */
static void
type_row(struct extract *x, json_t *row, const char *gid)
{
	const char *t = pgs_map_get(&x->sched_types, gid);
	const char *have = json_string_value(json_object_get(row, "game_type"));

	if (!t || (strcmp(t, "regular") == 0 && have && strcmp(have, "cup_knockout") == 0))
		return;
	if (!have || strcmp(have, t) != 0)
		json_object_set_new(row, "game_type", json_string(t));
}

/* The game types of the --games schedules that name them, by pgs game id. */
static void
schedule_types(struct extract *x)
{
	size_t n = 0;
	struct pgs_game_date *g = pgs_schedule_window(x->schedule, LONG_MIN / 2, LONG_MAX / 2, &n);
	char gid[32];

	for (size_t i = 0; i < n; i++) {
		const struct pgs_sched_game *s = pgs_schedule_game(x->schedule, g[i].id);
		const char *t = s ? pgs_game_type_norm(s->type) : NULL;

		if (!t || !s->teams || pgs_game_id(s->days, s->away.abbr, s->home.abbr, gid,
		    sizeof(gid)) < 0)
			continue;
		pgs_map_put(&x->sched_types, gid, (void *)t);
	}
	free(g);
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
	/* outside the window: not ours to judge, even if bad, but counted */
	if (days != LONG_MIN && (days < x->from || days > x->to)) {
		skip_rows(days, 1, x);
		goto out;
	}
	if (bad) {
		r = reject_row(x, row, lineno, text, "%s", why);
		goto out;
	}
	gid = json_string_value(json_object_get(row, "game_id"));
	type_row(x, row, gid);
	switch (pgs_contig_next(&x->order, gid, why, sizeof(why))) {
	case PGS_CONTIG_BAD:
		r = reject_row(x, row, lineno, text, "%s", why);
		goto out;
	case PGS_CONTIG_NEW:
		pgs_map_clear(&x->players, NULL);
		if ((r = flush_game(x)) < 0)
			goto out;
		print_start(&x->cur, row, days);
		break;
	}
	if (player_seen(x, row)) {
		r = reject_row(x, row, lineno, text, "duplicate row for %s (%s) in game %s",
		    json_string_value(json_object_get(row, "player_name")),
		    json_string_value(json_object_get(row, "team_abbr")), gid);
		goto out;
	}
	/* held until the game ends (memory: one game) */
	x->cur.sum += row_print(row);
	x->cur.rows++;
	r = hold_row(x, row, lineno, text);
out:
	json_decref(row);
	return r;
}

/* ---- sources ---- */

/* A stored row: its text is written as it was stored when that is what pgs_emit() would write
 * (the case for every row pgs-write landed: re-printing it was a quarter of this tool's time). */
static int
store_row(json_t *row, const char *doc, size_t len, void *arg)
{
	struct extract *x = arg;
	int r;

	if (pgs_json_is_dump(doc, len, row)) {
		x->doc = doc;
		x->doclen = len;
	}
	r = accept_row(json_incref(row), 0, NULL, arg);
	x->doc = NULL;
	return r;
}

/* A stored row of the day before a window (borrowed): only its game's fingerprint is kept. */
static int
ref_row(json_t *row, const char *doc, size_t len, void *arg)
{
	struct extract *x = arg;
	const char *gid = json_string_value(json_object_get(row, "game_id"));
	long day;

	(void)doc;
	(void)len;
	if (gid && pgs_date_parse(json_string_value(json_object_get(row, "game_date")), &day) == 0) {
		if (strcmp(gid, x->ref.gid) != 0) {
			remember(x, &x->ref);
			print_start(&x->ref, row, day);
		}
		x->ref.sum += row_print(row);
		x->ref.rows++;
	}
	return 0;   /* row is the store's (borrowed) */
}

/* The last game read by ref_row is complete. */
static void
ref_done(struct extract *x)
{
	if (x->ref.rows == 0)
		return;
	remember(x, &x->ref);
	memset(&x->ref, 0, sizeof(x->ref));
}

/*
 * The games of the day before the window, from store st, for spotting a
 * window's game that repeats one of them; nothing of them is written.  Not
 * again when that day was read already (the previous window of a stream).
 */
static int
read_day_before(struct extract *x, pgs_store *st)
{
	char day[11];
	int rc;

	if (x->from == LONG_MIN || x->from - 1 <= x->ref_upto)
		return 0;
	pgs_date_format(x->from - 1, day);
	memset(&x->ref, 0, sizeof(x->ref));
	rc = pgs_store_raw_read(st, day, day, x->only_source, ref_row, x);
	ref_done(x);
	return rc;
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
	x->io.input = uri;
	rc = read_day_before(x, st);
	if (rc == 0)
		rc = pgs_store_raw_read(st, x->from_s, x->to_s, x->only_source, store_row, x);
	pgs_store_close(st);
	return rc;
}

/* GET url and read its body like a file named by the redacted URL.  0 (also an allowed 404), or -1. */
static int
read_url(struct extract *x, char *url)
{
	pgs_buf body = { 0 };
	char *name;
	int r;

	if (!url)
		return -1; /* cannot happen: check_http_source() checked the template */
	name = pgs_http_redact(url);
	if ((r = pgs_http_get(x->http, url, &body, NULL)) == 0)
		r = pgs_reader_buffer(x->reader, name, &body);
	/* a body holds whole games: its last one goes out now, before the next GET can fail */
	if (r == 0)
		r = flush_game(x);
	x->io.input = NULL; /* it named the body, about to go */
	pgs_buf_free(&body);
	free(name);
	free(url);
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
	int vars = pgs_http_template_vars(tmpl), rc = 0;
	struct pgs_game_date *g;
	size_t i, n;
	long day;

	if (!x->http && !(x->http = pgs_http_new(&x->http_opts)))
		return -1;
	/* a missing fixed URL is a mistake; a missing day or game, maybe not */
	pgs_http_set_missing_ok(x->http, vars != 0 && x->allow_missing);
	if (vars == 0)
		return read_url(x, pgs_xstrdup(tmpl));
	if (!(vars & PGS_HTTP_VAR_GAME_ID)) {
		/* a day's body is fetched for that day: rows of other dates in it are misfiled;
		 * --fetch-around: the neighbours' bodies too, for the window's games filed there
		 * (their own rows are the neighbours' windows', skipped but not misfiled) */
		for (day = x->from - x->fetch_around; rc == 0 && day <= x->to + x->fetch_around; day++) {
			x->fetching = day >= x->from && day <= x->to;
			/* a neighbour's body is a courtesy: missing, it takes nothing from the window */
			pgs_http_set_missing_ok(x->http, x->allow_missing || !x->fetching);
			rc = read_url(x, pgs_http_expand(tmpl, day, NULL));
		}
		x->fetching = 0;
		return rc;
	}
	g = pgs_schedule_window(x->schedule, x->from, x->to, &n);
	if (n == 0)
		pgs_warn("source '%s': no game of --games is dated in the window", tmpl);
	for (i = 0; rc == 0 && i < n; i++)
		rc = read_url(x, pgs_http_expand(tmpl, g[i].days, g[i].id));
	free(g);
	return rc;
}

static int
summary_out(json_t *row, void *arg)
{
	struct extract *x = arg;

	if (pgs_emit(row) < 0)
		return -1;
	x->rows++;
	return 0;
}

/* --table player_game_summary: the store's summary rows of the window, as
 * they are or, with --as-of, as they stood then (streamed: one query). */
static int
read_summary(struct extract *x)
{
	pgs_store *st = pgs_store_open(x->sources.v[0], PGS_STORE_RO, NULL);
	int rc;

	if (!st)
		return -1;
	rc = pgs_store_summary_read(st, x->from_s, x->to_s, x->as_of[0] ? x->as_of : NULL,
	    summary_out, x);
	pgs_store_close(st);
	return rc;
}

/* Every --source in order, then the FILE operands (stdin when there is neither). */
static int
read_inputs(struct extract *x, char **files, int nfiles)
{
	int i, rc = 0;

	for (i = 0; rc == 0 && i < x->sources.n; i++) {
		const char *s = x->sources.v[i];

		if (pgs_store_is_uri(s))
			rc = read_store(x, s);
		else if (pgs_http_is_url(s))
			rc = read_http(x, s);
		else
			rc = pgs_reader_files(x->reader, (char **)&x->sources.v[i], 1);
	}
	if (rc == 0 && (nfiles > 0 || x->sources.n == 0))
		rc = pgs_reader_files(x->reader, files, nfiles);
	return rc;
}

/* ---- options ---- */

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
	return opt_seconds("http-timeout", v, &((struct extract *)arg)->http_given.timeout_ms);
}

static int
opt_connect_timeout(void *arg, const char *v)
{
	return opt_seconds("http-connect-timeout", v, &((struct extract *)arg)->http_given.connect_timeout_ms);
}

static int
opt_retries(void *arg, const char *v)
{
	long n = pgs_parse_count(v);

	if (n < 0 || n > 100)
		return pgs_usage_error("bad --http-retries '%s': want a number from 0 to 100", v);
	((struct extract *)arg)->http_given.max_retries = (int)n;
	return 0;
}

static int
opt_fetch_around(void *arg, const char *v)
{
	long n = pgs_parse_count(v);

	if (n < 0 || n > 7)
		return pgs_usage_error("bad --fetch-around '%s': want a number of days from 0 to 7", v);
	((struct extract *)arg)->fetch_around = n;
	return 0;
}

static int
opt_header(void *arg, const char *v)
{
	/* the value may be a token: not repeated here */
	if (pgs_http_headers_add(&((struct extract *)arg)->headers, v) < 0)
		return pgs_usage_error("bad --http-header: want 'Name: value'");
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

/* --table and --as-of: a summary read is one store, a window, nothing else.
 * 0 or an exit status. */
static int
check_table(struct extract *x, int nfiles)
{
	long long us;

	if (x->table && strcmp(x->table, PGS_TABLE_RAW) == 0)
		x->table = NULL;
	if (x->table && strcmp(x->table, PGS_TABLE_SUMMARY) != 0)
		return pgs_usage_error("unknown --table '%s' (known: %s, %s)", x->table, PGS_TABLE_RAW,
		    PGS_TABLE_SUMMARY);
	if (x->as_of_s) {
		if (!x->table)
			return pgs_usage_error("--as-of reads the history of %s: add --table %s",
			    PGS_TABLE_SUMMARY, PGS_TABLE_SUMMARY);
		if (pgs_timestamp_parse(x->as_of_s, &us) < 0 || pgs_timestamp_format_us(us, x->as_of) < 0)
			return pgs_usage_error("bad --as-of '%s': want an ISO 8601 time with its zone,"
			    " e.g. 2024-01-16T12:00:00Z", x->as_of_s);
	}
	if (!x->table)
		return 0;
	if (x->windows_file || x->sources.n != 1 || !pgs_store_is_uri(x->sources.v[0]) || nfiles > 0)
		return pgs_usage_error("--table %s reads one store: --source STORE, no --windows,"
		    " no FILE", PGS_TABLE_SUMMARY);
	if (x->only_source || x->span)
		return pgs_usage_error("--only-source and --span read raw rows, not --table %s",
		    PGS_TABLE_SUMMARY);
	return 0;
}

/* Check the options that depend on each other; 0 or an exit status. */
static int
check_options(struct extract *x, int nfiles)
{
	int i, r, store = 0, http = 0;
	char why[256];

	if ((r = check_table(x, nfiles)) != 0)
		return r;

	if (x->windows_file) {
		if (x->from_s || x->to_s)
			return pgs_usage_error("--windows replaces --from and --to");
		if (x->sources.n == 0) {
			/* the store of the environment, which keeps a password off command
			 * lines: $PGS_SOURCE, else the store ($PGS_STORE, else sqlite:pgs.db) */
			const char *env = getenv("PGS_SOURCE");

			x->sources.v = pgs_xcalloc(2, sizeof(*x->sources.v));
			x->sources.v[0] = env && *env ? env : pgs_default_store(NULL);
			x->sources.n = 1;
		}
		for (i = 0; i < x->sources.n; i++)
			if (!pgs_store_is_uri(x->sources.v[i]))
				return pgs_usage_error("--windows reads store sources only, not '%s'", x->sources.v[i]);
		if (nfiles > 0)
			return pgs_usage_error("--windows reads store sources only, not FILE operands");
		return pgs_opt_windows(x->windows_file, &x->windows, &x->nwindows);
	}
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
	if (http && pgs_http_opts_resolve(&x->http_opts, &x->http_given, x->headers.v) < 0)
		return PGS_EXIT_USAGE;
	if (x->maps.n > 0) {
		if (x->format && x->format != &pgs_fmt_nbacom_csv)
			return pgs_usage_error("--map applies to nbacom-csv input, not %s", x->format->name);
		if (pgs_nbacom_map_check(x->maps.v, x->maps.n, why, sizeof(why)) < 0)
			return pgs_usage_error("%s", why);
	}
	return 0;
}

/* --source-env VAR: the source is $VAR, off the command line. */
static int
opt_source_env(void *ctx, const char *var)
{
	struct extract *x = ctx;
	const char *v = getenv(var);
	int n = x->sources.n;

	if (!v || !*v)
		return pgs_usage_error("--source-env %s: the variable is not set", var);
	x->sources.v = pgs_xrealloc(x->sources.v, (size_t)(n + 2) * sizeof(*x->sources.v));
	x->sources.v[n] = v;
	x->sources.v[n + 1] = NULL;
	x->sources.n = n + 1;
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
		PGS_OPT_CALLBACK(0, "source-env", opt_source_env),
		PGS_OPT_STRING(0, "only-source", &x->only_source),
		PGS_OPT_LIST(0, "map", &x->maps),
		PGS_OPT_LIST(0, "games", &x->games),
		PGS_OPT_CALLBACK(0, "http-timeout", opt_timeout),
		PGS_OPT_CALLBACK(0, "http-connect-timeout", opt_connect_timeout),
		PGS_OPT_CALLBACK(0, "http-retries", opt_retries),
		PGS_OPT_CALLBACK(0, "fetch-around", opt_fetch_around),
		PGS_OPT_CALLBACK(0, "http-header", opt_header),
		PGS_OPT_LIST(0, "http-headers", &x->header_files),
		PGS_OPT_FLAG(0, "allow-missing", &x->allow_missing),
		PGS_OPT_STRING(0, "windows", &x->windows_file),
		PGS_OPT_FLAG(0, "span", &x->span),
		PGS_OPT_STRING(0, "table", &x->table),
		PGS_OPT_STRING(0, "as-of", &x->as_of_s),
		PGS_OPT_END(),
	};
	int i, r;

	x->from = LONG_MIN;
	x->ref_upto = LONG_MIN;
	x->to = LONG_MAX;
	x->http_given = (struct pgs_http_given){ -1, -1, -1 };
	if ((r = pgs_parse_options(argc, argv, &tool, opts, &x->co, x)) >= 0)
		return r;
	/* header files after the command line's headers, before the options are checked */
	for (i = 0; i < x->header_files.n; i++)
		if (pgs_http_headers_load(&x->headers, x->header_files.v[i]) < 0)
			return PGS_EXIT_FAIL;
	r = check_options(x, argc - optind);
	return r ? r : -1;
}

/* ---- the run ---- */

/* Rejects, the --games schedules (each read once) and the format reader.  0, or -1 reported. */
static int
setup(struct extract *x)
{
	int i;

	if (pgs_rejects_init(x->co.rejects, x->co.max_rejects) < 0)
		return -1;
	if (x->games.n > 0) {
		x->schedule = pgs_schedule_new();
		for (i = 0; i < x->games.n; i++)
			if (pgs_schedule_load(x->schedule, x->games.v[i]) < 0)
				return -1;
		pgs_info("%zu games in the --games schedules", pgs_schedule_size(x->schedule));
		schedule_types(x);
	}
	x->fmt_opts = (struct pgs_fmt_opts){ x->maps.v, x->maps.n, x->schedule };
	x->io = (struct pgs_fmt_io){ NULL, x->from, x->to, accept_row, x, &x->fmt_opts, skip_rows };
	x->reader = pgs_reader_new(x->format, &x->io);
	return 0;
}

/* Windows this close (days between one's end and the next's start) are read
 * by one query: the rows of the days between cost less than another query
 * (on BigQuery, a job: a second or more). */
#define SPAN_GAP_DAYS 7

/* Window k's marker, after its rows; the next window's dates become current. */
static int
window_done(struct extract *x, size_t k, long *rows_at, long *rejects_at)
{
	/* a game never spans windows */
	if (flush_game(x) < 0)
		return -1;
	x->ref_upto = x->to;
	if (pgs_emit_window(x->windows[k][0], x->windows[k][1], x->rows - *rows_at,
	    pgs_reject_count() - *rejects_at, x->watermark && *x->watermark[k] ? x->watermark[k] : NULL) < 0)
		return -1;
	*rows_at = x->rows;
	*rejects_at = pgs_reject_count();
	if (k + 1 < x->nwindows) {
		x->from_s = x->windows[k + 1][0];
		x->to_s = x->windows[k + 1][1];
		pgs_date_parse(x->from_s, &x->from);
		pgs_date_parse(x->to_s, &x->to);
	}
	return 0;
}

/* A run of windows read by one query, its rows cut into windows as they come. */
struct span {
	struct extract *x;
	size_t k, end;              /* the current window; one past the run's last */
	long rows_at, rejects_at;
};

/* A row of the run's query (ordered by game_date): the windows before its
 * date are complete; a row between two windows belongs to neither. */
static int
span_row(json_t *row, const char *doc, size_t len, void *arg)
{
	struct span *sp = arg;
	struct extract *x = sp->x;
	const char *d = json_string_value(json_object_get(row, "game_date"));

	while (d && sp->k < sp->end && strcmp(d, x->windows[sp->k][1]) > 0)
		if (window_done(x, sp->k++, &sp->rows_at, &sp->rejects_at) < 0)
			return -1;
	/* a row between two windows is only a game of a day before a window */
	if (d && (sp->k == sp->end || strcmp(d, x->windows[sp->k][0]) < 0))
		return ref_row(row, doc, len, x);
	ref_done(x);
	return store_row(row, doc, len, x);
}

/* Windows k..end-1, whose watermarks a ledger read sets. */
struct wm {
	struct extract *x;
	size_t k, end;
};

static int
wm_entry(const struct pgs_ledger_entry *e, void *arg)
{
	struct wm *m = arg;
	char (*w)[2][11] = m->x->windows;

	if ((strcmp(e->table, PGS_TABLE_RAW) != 0 && strcmp(e->table, "players_registry") != 0) ||
	    !e->from || !e->to || !e->committed_at)
		return 0;
	for (size_t i = m->k; i < m->end; i++)
		if (strcmp(e->from, w[i][1]) <= 0 && strcmp(e->to, w[i][0]) >= 0 &&
		    strcmp(e->committed_at, m->x->watermark[i]) > 0)
			snprintf(m->x->watermark[i], sizeof(m->x->watermark[i]), "%s", e->committed_at);
	return 0;
}

/*
 * The raw watermark of windows k..end-1, read from store st before their
 * rows are (before the stream's first row): for each, the latest commit of a landing (or a registry change)
 * over a day of it, as the ledger has them now; the time now when none does.
 * Every landing the rows read may miss committed after it, so pgs-write
 * records it as what the window was made from (ledger.h: staleness), not
 * the time it began the window.  0, or -1 (reported).
 */
static int
read_watermarks(struct extract *x, pgs_store *st, size_t k, size_t end)
{
	struct wm m = { x, k, end };
	char now[40];

	pgs_now_iso(now, sizeof(now));
	for (size_t i = k; i < end; i++)
		x->watermark[i][0] = '\0';
	if (pgs_store_ledger(st, "*", x->windows[k][0], x->windows[end - 1][1], wm_entry, &m) < 0)
		return -1;
	for (size_t i = k; i < end; i++)
		if (!x->watermark[i][0])
			snprintf(x->watermark[i], sizeof(x->watermark[i]), "%s", now);
	return 0;
}

/*
 * --windows: each window's rows, then its marker (flushed: the next stage
 * gets a window as soon as it is read).  The stores are opened once.  One
 * store source: one query for each run of windows close together, its rows
 * cut into windows by their dates.  Several: each window's rows from every
 * source in turn, one query each.  0, or -1 (reported).
 */
static int
read_windows_stream(struct extract *x)
{
	pgs_store **st = pgs_xcalloc((size_t)x->sources.n, sizeof(*st));
	struct span sp = { x, 0, 0, 0, 0 };
	char day_before[11];
	long d0, d1;
	int i, rc = 0;

	for (i = 0; rc == 0 && i < x->sources.n; i++)
		if (!(st[i] = pgs_store_open(x->sources.v[i], PGS_STORE_RO, NULL)))
			rc = -1;
	/* one store: its ledger is the one the windows are judged by (several: no
	 * watermark).  Read once for the stream, before any of its rows: one query
	 * more a stream (on BigQuery, a job), not one a run of windows; a landing
	 * that commits between this read and a later run's makes that run's
	 * windows stale though they read it: redone, never lost. */
	if (rc == 0 && x->sources.n == 1 && x->nwindows) {
		x->watermark = pgs_xcalloc(x->nwindows, sizeof(*x->watermark));
		rc = read_watermarks(x, st[0], 0, x->nwindows);
	}
	if (x->nwindows) {
		x->from_s = x->windows[0][0];
		x->to_s = x->windows[0][1];
		pgs_date_parse(x->from_s, &x->from);
		pgs_date_parse(x->to_s, &x->to);
	}
	while (rc == 0 && sp.k < x->nwindows) {
		if (x->sources.n == 1) {
			/* the run: the next windows, each within SPAN_GAP_DAYS of the one before */
			for (sp.end = sp.k + 1; sp.end < x->nwindows; sp.end++)
				if (pgs_date_parse(x->windows[sp.end - 1][1], &d0) < 0 ||
				    pgs_date_parse(x->windows[sp.end][0], &d1) < 0 ||
				    d1 - d0 - 1 > SPAN_GAP_DAYS)
					break;
			/* from the day before the run: its games are the reference of a game
			 * listed twice (span_row hands rows before a window to ref_row) */
			x->io.input = x->sources.v[0];
			pgs_date_format(x->from - 1, day_before);
			rc = pgs_store_raw_read(st[0], day_before, x->windows[sp.end - 1][1],
			    x->only_source, span_row, &sp);
		} else {
			sp.end = sp.k + 1;
			for (i = 0; rc == 0 && i < x->sources.n; i++) {
				x->io.input = x->sources.v[i];
				if ((rc = read_day_before(x, st[i])) == 0)
					rc = pgs_store_raw_read(st[i], x->from_s, x->to_s, x->only_source,
					    store_row, x);
			}
		}
		while (rc == 0 && sp.k < sp.end)
			rc = window_done(x, sp.k++, &sp.rows_at, &sp.rejects_at);
	}
	for (i = 0; i < x->sources.n; i++)
		pgs_store_close(st[i]);
	free(st);
	/* the end marker names the whole span */
	x->from_s = x->nwindows ? x->windows[0][0] : NULL;
	x->to_s = x->nwindows ? x->windows[x->nwindows - 1][1] : NULL;
	return rc;
}

/* The dates of the skipped rows, in date order: {"YYYY-MM-DD": rows, ...}. */
static json_t *
skipped_dates(struct extract *x)
{
	json_t *o = json_object();
	char d[11];

	for (long prev = LONG_MIN;;) {
		long best = LONG_MAX, n = 0;

		for (size_t i = 0; i < x->nskipped_days; i++)
			if (x->skipped_days[i].day > prev && x->skipped_days[i].day < best) {
				best = x->skipped_days[i].day;
				n = x->skipped_days[i].n;
			}
		if (best == LONG_MAX)
			return o;
		pgs_date_format(best, d);
		json_object_set_new(o, d, json_integer(n));
		prev = best;
	}
}

/* Say on stderr that rows were skipped, and which dates they had (the first few). */
static void
warn_skipped(struct extract *x, json_t *dates)
{
	pgs_buf b = { 0 };
	const char *k;
	json_t *v;
	int shown = 0;

	json_object_foreach(dates, k, v) {
		if (shown++ == 5) {
			pgs_buf_addf(&b, ", and %zu more dates", json_object_size(dates) - 5);
			break;
		}
		pgs_buf_addf(&b, "%s%s: %lld", shown > 1 ? ", " : "", k, (long long)json_integer_value(v));
	}
	/* a body fetched for a day of the window that holds rows of another day: those rows
	 * are lost unless a window of their own day reads this body too; a file read for a
	 * window holds other windows' rows by design */
	if (x->skipped_fetched > 0)
		pgs_warn("%ld rows dated outside the window %s..%s were skipped, %ld of them in the"
		    " bodies fetched for its dates (%s): the window of their own date does not fetch"
		    " those bodies, so they are not landed (--fetch-around N fetches the neighbours'"
		    " too)", x->skipped, x->from_s ? x->from_s : "", x->to_s ? x->to_s : "",
		    x->skipped_fetched, b.s ? b.s : "");
	else
		pgs_info("%ld rows dated outside the window %s..%s were skipped (%s)", x->skipped,
		    x->from_s ? x->from_s : "", x->to_s ? x->to_s : "", b.s ? b.s : "");
	pgs_buf_free(&b);
}

/* Read everything, then the end marker.  The exit status. */
static int
run(struct extract *x, char **files, int nfiles)
{
	json_t *extra, *dates = NULL;
	int ok;

	pgs_out_init();
	ok = (x->windows_file ? read_windows_stream(x) : x->table ? read_summary(x) :
	    read_inputs(x, files, nfiles)) == 0;
	if (ok && flush_game(x) < 0)
		ok = 0;
	if (ok && x->span) {
		if (x->rows > 0 && printf("%s\t%s\n", x->first, x->last) < 0)
			ok = 0;
	} else if (ok) {
		extra = json_pack("{s:s?, s:s?}", "from", x->from_s, "to", x->to_s);
		if (x->skipped > 0) {
			json_object_set_new(extra, "skipped_out_of_window", json_integer(x->skipped));
			if (x->skipped_fetched > 0)
				json_object_set_new(extra, "skipped_misfiled",
				    json_integer(x->skipped_fetched));
			json_object_set(extra, "skipped_dates", dates = skipped_dates(x));
		}
		ok = pgs_emit_end(x->rows, pgs_reject_count(), extra) == 0;
		json_decref(extra);
	}
	if (ok && x->skipped > 0 && !x->span) {
		if (!dates)
			dates = skipped_dates(x);
		warn_skipped(x, dates);
	}
	json_decref(dates);
	if (pgs_out_close() < 0)
		ok = 0;
	if (pgs_rejects_close() < 0)
		ok = 0;
	pgs_info("%ld rows, %ld rejects", x->rows, pgs_reject_count());
	/* misfiled rows are not landed by any window: like rejects, they make the exit 1 */
	return !ok ? PGS_EXIT_FAIL : pgs_reject_count() > 0 || x->skipped_fetched > 0 ?
	    PGS_EXIT_REJECTS : PGS_EXIT_OK;
}

static void
cleanup(struct extract *x)
{
	pgs_reader_free(x->reader);
	pgs_contig_free(&x->order);
	pgs_map_free(&x->players, NULL);
	pgs_buf_free(&x->key);
	pgs_schedule_free(x->schedule);
	pgs_map_free(&x->sched_types, NULL);
	pgs_http_free(x->http);
	pgs_http_headers_free(&x->headers);
	free(x->sources.v);
	free(x->maps.v);
	free(x->games.v);
	free(x->header_files.v);
	free(x->windows);
	free(x->watermark);
	free(x->skipped_days);
	for (size_t i = 0; i < x->held_made; i++)
		held_free(&x->held[i]);
	free(x->held);
	free(x->recent);
}

int
main(int argc, char **argv)
{
	struct extract x = { 0 };
	int rc;

	pgs_setprog(argv[0]);
	pgs_store_hide_secrets(argc, argv);
	if ((rc = parse_args(argc, argv, &x)) < 0)
		rc = setup(&x) < 0 ? PGS_EXIT_FAIL : run(&x, argv + optind, argc - optind);
	cleanup(&x);
	return rc;
}
