/*
 * pgs-extract — read raw box scores (bbref-csv, nbacom-csv, nbastats-v3,
 * raw NDJSON; files, stdin, .gz, or the store's raw_boxscores) and write raw rows for the games dated
 * in [from, to], then the stream end marker.
 *
 * Rows stream through: memory does not grow with the input, except for one
 * short id per game seen, which is how a game that reappears after another
 * one started is caught (downstream stages group by game and rely on a
 * game's rows being contiguous).
 */
#include <errno.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "dates.h"
#include "formats.h"
#include "ndjson.h"
#include "opts.h"
#include "rawcheck.h"
#include "rejects.h"
#include "store.h"
#include "util.h"

enum { OPT_FROM = PGS_OPT_TOOL, OPT_TO, OPT_FORMAT, OPT_SOURCE, OPT_ONLY_SOURCE, OPT_MAP, OPT_GAMES };

/* The ids of games already emitted: an open-addressing string set. */
struct gameset {
	char **slot;
	size_t cap, n;
};

/* The rows of the game being written, by (source, team, player): a game is
 * ~30 rows, so a reused buffer and a linear scan are enough. */
struct gamerows {
	pgs_buf keys;       /* NUL-separated keys */
	size_t *off;
	size_t n, cap;
};

struct extract {
	const char *from_s, *to_s;       /* as given, for the store read and the marker */
	long from, to;                   /* day numbers; unbounded ends are LONG_MIN/MAX */
	const struct pgs_format *format; /* --format, or NULL to detect per input */
	const char *only_source;
	const char **sources;            /* --source URIs, in order */
	int nsources;
	const char **maps;               /* --map COL=field (nbacom-csv) */
	const char **games;              /* --games FILE: schedules dating nbastats-v3 game ids */
	int ngames;
	struct pgs_fmt_opts fmt_opts;
	pgs_schedule *schedule;
	const char *input;               /* current input's name, for rejects */
	long rows;                       /* rows written */
	char game[32];                   /* the game being written */
	struct gameset seen;
	struct gamerows players;
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "Usage: %s [--from D] [--to D] [--format F] [--map COL=FIELD]... [--games FILE]... [--source URI]...\n"
	    "       [--rejects FILE] [--max-rejects N] [FILE...]\n"
	    "Read raw box scores and write raw rows (NDJSON) for the games dated in [from, to],\n"
	    "then an end marker.  FILE '-' or no input at all means standard input; .gz is read transparently.\n"
	    "\n"
	    "  --from D, --to D    date window YYYY-MM-DD, inclusive (default: unbounded)\n"
	    "  --format F          input format: %s\n"
	    "                      (default: detected from each input's first lines)\n"
	    "  --map COL=FIELD     nbacom-csv: read column COL as FIELD, a raw field (steals) or what\n"
	    "                      another column means (STL); repeatable\n"
	    "  --games FILE        nbastats-v3: a schedule CSV with game_id (or nba_game_id) and game_date\n"
	    "                      columns, to date documents that carry only a gameId; repeatable\n"
	    "  --source URI        a file, or sqlite:PATH (the store's raw_boxscores; needs --from and --to);\n"
	    "                      repeatable; sources are read before FILE operands\n"
	    "  --only-source NAME  read only rows of this source (bbref, nbacom, ...) from a store source\n"
	    "  --rejects FILE      append rejected lines to FILE as NDJSON instead of reporting them on stderr\n"
	    "  --max-rejects N     fail (exit 3, no end marker) once more than N lines are rejected\n"
	    "  -q, --quiet         less on stderr;  -v, --verbose  more\n"
	    "  -h, --help          this text;       -V, --version  the version\n"
	    "\n"
	    "Exit status: 0 ok, 1 some input rejected, 2 usage error, 3 failure (no end marker written).\n",
	    pgs_prog, pgs_format_names());
}

static size_t
hash_str(const char *s)
{
	size_t h = 5381;

	while (*s)
		h = h * 33 + (unsigned char)*s++;
	return h;
}

/* 1 when id is in the set; otherwise adds it and returns 0. */
static int
gameset_add(struct gameset *g, const char *id)
{
	size_t i, old;
	char **prev;

	if (g->n * 2 >= g->cap) {
		prev = g->slot;
		old = g->cap;
		g->cap = old ? old * 2 : 1024;
		g->slot = pgs_xcalloc(g->cap, sizeof(*g->slot));
		g->n = 0;
		for (i = 0; i < old; i++)
			if (prev[i])
				gameset_add(g, prev[i]), free(prev[i]);
		free(prev);
	}
	for (i = hash_str(id) & (g->cap - 1); g->slot[i]; i = (i + 1) & (g->cap - 1))
		if (strcmp(g->slot[i], id) == 0)
			return 1;
	g->slot[i] = pgs_xstrdup(id);
	g->n++;
	return 0;
}

static void
gameset_free(struct gameset *g)
{
	size_t i;

	for (i = 0; i < g->cap; i++)
		free(g->slot[i]);
	free(g->slot);
}

/*
 * Write one row as a compact JSON line, byte for byte what pgs_emit() writes
 * (jansson's escaping, keys in insertion order).  Done here because
 * json_dumpf() was more than half of the run time on the real data: it does
 * a locked stdio call per token and a snprintf("%p") per object for its loop
 * check.  Flat values are written directly; nested ones (only in unknown
 * pass-through fields) go through jansson.
 */
struct obuf {
	char *s;
	size_t len, cap;
};

static inline void
ob_reserve(struct obuf *b, size_t n)
{
	if (b->len + n > b->cap) {
		size_t cap = b->cap ? b->cap : 4096;

		while (cap < b->len + n)
			cap *= 2;
		b->s = pgs_xrealloc(b->s, cap);
		b->cap = cap;
	}
}

static inline void
ob_add(struct obuf *b, const char *s, size_t n)
{
	ob_reserve(b, n);
	memcpy(b->s + b->len, s, n);
	b->len += n;
}

static void
put_string(struct obuf *b, const char *s, size_t n)
{
	static const char hex[] = "0123456789ABCDEF";
	const char *end = s + n;
	char *w;

	ob_reserve(b, 6 * n + 2); /* the worst case: every byte as \u00XX */
	w = b->s + b->len;
	*w++ = '"';
	for (; s < end; s++) {
		unsigned char c = (unsigned char)*s;

		if (c >= 0x20 && c != '"' && c != '\\') {
			*w++ = (char)c;
			continue;
		}
		*w++ = '\\';
		switch (c) {
		case '"': case '\\': *w++ = (char)c; break;
		case '\b': *w++ = 'b'; break;
		case '\f': *w++ = 'f'; break;
		case '\n': *w++ = 'n'; break;
		case '\r': *w++ = 'r'; break;
		case '\t': *w++ = 't'; break;
		default:
			memcpy(w, "u00", 3);
			w[3] = hex[c >> 4];
			w[4] = hex[c & 15];
			w += 5;
		}
	}
	*w++ = '"';
	b->len = (size_t)(w - b->s);
}

static void
put_int(struct obuf *b, json_int_t v)
{
	char tmp[24], *p = tmp + sizeof(tmp);
	unsigned long long u = v < 0 ? 0ULL - (unsigned long long)v : (unsigned long long)v;

	do
		*--p = (char)('0' + u % 10);
	while (u /= 10);
	if (v < 0)
		*--p = '-';
	ob_add(b, p, (size_t)(tmp + sizeof(tmp) - p));
}

static int
put_value(struct obuf *b, json_t *v)
{
	char *s;

	switch (json_typeof(v)) {
	case JSON_STRING:
		put_string(b, json_string_value(v), json_string_length(v));
		return 0;
	case JSON_INTEGER:
		put_int(b, json_integer_value(v));
		return 0;
	case JSON_TRUE:
		ob_add(b, "true", 4);
		return 0;
	case JSON_FALSE:
		ob_add(b, "false", 5);
		return 0;
	case JSON_NULL:
		ob_add(b, "null", 4);
		return 0;
	default:
		if (!(s = json_dumps(v, JSON_COMPACT | JSON_ENCODE_ANY)))
			return -1;
		ob_add(b, s, strlen(s));
		free(s);
		return 0;
	}
}

static int
emit_row(json_t *row)
{
	static struct obuf b;
	const char *key;
	json_t *v;

	b.len = 0;
	ob_add(&b, "{", 1);
	json_object_foreach(row, key, v) {
		if (b.len > 1)
			ob_add(&b, ",", 1);
		put_string(&b, key, strlen(key));
		ob_add(&b, ":", 1);
		if (put_value(&b, v) < 0)
			return pgs_emit(row); /* let jansson's own path report the problem */
	}
	ob_add(&b, "}\n", 2);
	return fwrite_unlocked(b.s, 1, b.len, stdout) == b.len ? 0 : -1;
}

/* 1 when the game already has this row's (source, team, player); else adds it. */
static int
gamerows_add(struct gamerows *g, json_t *row)
{
	static const char *const keys[] = { "source", "team_abbr", "player_name" };
	char key[512];
	size_t i, n = 0, l;

	for (i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const char *v = json_string_value(json_object_get(row, keys[i]));

		l = strlen(v);
		if (n + l + 1 >= sizeof(key))
			l = sizeof(key) - n - 2; /* absurdly long: compare a prefix */
		memcpy(key + n, v, l);
		n += l;
		key[n++] = '\x1f';
	}
	key[n - 1] = '\0';
	for (i = 0; i < g->n; i++)
		if (strcmp(g->keys.s + g->off[i], key) == 0)
			return 1;
	if (g->n == g->cap) {
		g->cap = g->cap ? g->cap * 2 : 64;
		g->off = pgs_xrealloc(g->off, g->cap * sizeof(*g->off));
	}
	g->off[g->n++] = g->keys.len;
	pgs_buf_add(&g->keys, key, n);
	return 0;
}

static void
gamerows_reset(struct gamerows *g)
{
	g->n = 0;
	g->keys.len = 0;
}

/* Reject row; text NULL (rows from a store) records the row as JSON. */
static int
reject_row(struct extract *x, json_t *row, long lineno, const char *text, const char *why)
{
	char *dump = NULL;
	int r;

	if (!text)
		text = dump = json_dumps(row, JSON_COMPACT);
	r = pgs_reject(x->input, lineno, text, "%s", why);
	free(dump);
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
		r = reject_row(x, row, lineno, text, why);
		goto out;
	}
	gid = json_string_value(json_object_get(row, "game_id"));
	if (strcmp(gid, x->game) != 0) {
		if (gameset_add(&x->seen, gid)) {
			snprintf(why, sizeof(why), "game %s is not contiguous in the input", gid);
			r = reject_row(x, row, lineno, text, why);
			goto out;
		}
		snprintf(x->game, sizeof(x->game), "%s", gid);
		gamerows_reset(&x->players);
	}
	if (gamerows_add(&x->players, row)) {
		snprintf(why, sizeof(why), "duplicate row for %s (%s) in game %s",
		    json_string_value(json_object_get(row, "player_name")),
		    json_string_value(json_object_get(row, "team_abbr")), gid);
		r = reject_row(x, row, lineno, text, why);
		goto out;
	}
	if (emit_row(row) < 0)
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
 * format reader exactly as a file's would.  0, or -1 fatal (reported).
 */
static int __attribute__((unused))
extract_buffer(struct extract *x, const char *name, const char *data, size_t len)
{
	struct feed f = { 0 };
	char *copy = pgs_xstrndup(data, len), *p = copy, *nl, *end = copy + len;
	long lineno = 0;
	size_t l;
	int rc = 0;

	feed_start(x, &f, name);
	while (rc == 0 && p < end) {
		if (!(nl = memchr(p, '\n', (size_t)(end - p))))
			nl = end;
		l = (size_t)(nl - p);
		if (l > 0 && p[l - 1] == '\r')
			l--;
		p[l] = '\0';
		rc = feed_line(&f, p, l, ++lineno);
		p = nl + 1;
	}
	rc = feed_end(&f, rc);
	pgs_buf_free(&f.head);
	free(copy);
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

	/* opening a store creates it: a typo must not read as an empty window */
	if (strncmp(uri, "sqlite:", 7) == 0 && access(uri + 7, F_OK) < 0) {
		pgs_err("cannot open store '%s': %s", uri, strerror(errno));
		return -1;
	}
	if (!(st = pgs_store_open(uri)))
		return -1;
	x->input = uri;
	rc = pgs_store_raw_read(st, x->from_s, x->to_s, x->only_source, store_row, x);
	pgs_store_close(st);
	return rc;
}

static int
is_store_uri(const char *s)
{
	return strncmp(s, "sqlite:", 7) == 0 || strncmp(s, "postgres://", 11) == 0 ||
	    strncmp(s, "postgresql://", 13) == 0 || strncmp(s, "bigquery://", 11) == 0;
}

static int
read_inputs(struct extract *x, char **files, int nfiles)
{
	int i;

	for (i = 0; i < x->nsources; i++) {
		const char *s = x->sources[i];
		int rc = is_store_uri(s) ? read_store(x, s) : read_files(x, (char **)&x->sources[i], 1);

		if (rc < 0)
			return -1;
	}
	if (nfiles > 0 || x->nsources == 0)
		return read_files(x, files, nfiles);
	return 0;
}

static int
parse_date(const char *opt, const char *s, long *days)
{
	if (pgs_date_parse(s, days) < 0) {
		pgs_usage_error("bad %s '%s': want YYYY-MM-DD", opt, s);
		return -1;
	}
	return 0;
}

/* Check the options that depend on each other; 0 or an exit status. */
static int
check_options(struct extract *x)
{
	int i, store = 0;

	if (x->from_s && parse_date("--from", x->from_s, &x->from) < 0)
		return PGS_EXIT_USAGE;
	if (x->to_s && parse_date("--to", x->to_s, &x->to) < 0)
		return PGS_EXIT_USAGE;
	if (x->from > x->to)
		return pgs_usage_error("--from %s is after --to %s", x->from_s, x->to_s);
	for (i = 0; i < x->nsources; i++) {
		const char *s = x->sources[i];

		if (strncmp(s, "http://", 7) == 0 || strncmp(s, "https://", 8) == 0)
			return pgs_usage_error("source '%s': http(s) sources are not supported yet", s);
		if (is_store_uri(s)) {
			store = 1;
			if (!x->from_s || !x->to_s)
				return pgs_usage_error("source '%s' needs --from and --to", s);
		}
	}
	if (x->only_source && !store)
		return pgs_usage_error("--only-source needs a store --source (sqlite:PATH)");
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

	if (x->ngames == 0)
		return 0;
	x->schedule = pgs_schedule_new();
	x->fmt_opts.schedule = x->schedule;
	for (i = 0; i < x->ngames; i++)
		if (pgs_schedule_load(x->schedule, x->games[i]) < 0)
			return -1;
	pgs_info("%zu games in the --games schedules", pgs_schedule_size(x->schedule));
	return 0;
}

/* Returns -1 to go on, or the exit status. */
static int
parse_args(int argc, char **argv, struct extract *x, struct pgs_common *co)
{
	static const struct option longopts[] = {
		PGS_COMMON_LONGOPTS,
		{ "from", required_argument, NULL, OPT_FROM },
		{ "to", required_argument, NULL, OPT_TO },
		{ "format", required_argument, NULL, OPT_FORMAT },
		{ "source", required_argument, NULL, OPT_SOURCE },
		{ "only-source", required_argument, NULL, OPT_ONLY_SOURCE },
		{ "map", required_argument, NULL, OPT_MAP },
		{ "games", required_argument, NULL, OPT_GAMES },
		{ NULL, 0, NULL, 0 },
	};
	int c, r;

	x->from = LONG_MIN;
	x->to = LONG_MAX;
	x->sources = pgs_xcalloc((size_t)argc, sizeof(*x->sources));
	x->maps = pgs_xcalloc((size_t)argc, sizeof(*x->maps));
	x->games = pgs_xcalloc((size_t)argc, sizeof(*x->games));
	x->fmt_opts.maps = x->maps;
	while ((c = getopt_long(argc, argv, PGS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		r = pgs_common_opt(c, optarg, co, usage);
		if (r == PGS_OPT_EXIT)
			return PGS_EXIT_OK;
		if (r == PGS_OPT_BAD)
			return PGS_EXIT_USAGE;
		if (r == PGS_OPT_HANDLED)
			continue;
		switch (c) {
		case OPT_FROM:
			x->from_s = optarg;
			break;
		case OPT_TO:
			x->to_s = optarg;
			break;
		case OPT_FORMAT:
			if (!(x->format = pgs_format_find(optarg)))
				return pgs_usage_error("unknown format '%s' (known: %s)", optarg,
				    pgs_format_names());
			break;
		case OPT_SOURCE:
			x->sources[x->nsources++] = optarg;
			break;
		case OPT_ONLY_SOURCE:
			x->only_source = optarg;
			break;
		case OPT_MAP:
			x->maps[x->fmt_opts.nmaps++] = optarg;
			break;
		case OPT_GAMES:
			x->games[x->ngames++] = optarg;
			break;
		default:
			return pgs_usage_error("unhandled option");
		}
	}
	r = check_options(x);
	return r ? r : -1;
}

int
main(int argc, char **argv)
{
	struct extract x = { 0 };
	struct pgs_common co;
	json_t *extra;
	int rc, ok;

	pgs_setprog(argv[0]);
	pgs_common_init(&co);
	if ((rc = parse_args(argc, argv, &x, &co)) >= 0)
		goto out;
	if (pgs_rejects_init(co.rejects, co.max_rejects) < 0) {
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
	gameset_free(&x.seen);
	pgs_buf_free(&x.players.keys);
	free(x.players.off);
	free(x.sources);
	free(x.maps);
	free(x.games);
	pgs_schedule_free(x.schedule);
	return rc;
}
