/*
 * fmt_bbref_csv.c — format "bbref-csv": basketball-reference box-score rows as
 * a CSV derived from its box-score pages (Starters, Bench, Did Not Play and
 * the rest), one row per player listed
 * in a game.  Columns are found by header name, so reordered or extra
 * columns are fine; the percentage columns are not carried (pgs-transform
 * recomputes them).
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "csv.h"
#include "dates.h"
#include "formats.h"
#include "rejects.h"
#include "teams.h"
#include "util.h"

#define HEADER_START "season,game_type,bbref_game_id"

/* The columns the reader needs. */
enum { C_GAME_TYPE, C_GAME_ID, C_DATE, C_HOME, C_TEAM, C_OPP, C_IS_HOME, C_STARTER,
	C_PLAYER, C_PLAYER_ID, C_MP, C_REASON, C_FIRST_STAT };

/* Counting stats: source column -> raw field, in raw-row order. */
static const struct { const char *col, *field; } stats[] = {
	{ "pts", "points" },
	{ "fg", "fg_makes" },
	{ "fga", "fg_attempts" },
	{ "fg3", "three_pt_makes" },
	{ "fg3a", "three_pt_attempts" },
	{ "ft", "ft_makes" },
	{ "fta", "ft_attempts" },
	{ "orb", "offensive_rebounds" },
	{ "drb", "defensive_rebounds" },
	{ "trb", "total_rebounds" },
	{ "ast", "assists" },
	{ "stl", "steals" },
	{ "blk", "blocks" },
	{ "tov", "turnovers" },
	{ "pf", "personal_fouls" },
	{ "plus_minus", "plus_minus" },
};
#define NSTATS (sizeof(stats) / sizeof(stats[0]))
#define NCOLS (C_FIRST_STAT + NSTATS)

static const char *const col_names[C_FIRST_STAT] = {
	"game_type", "bbref_game_id", "game_date", "home_team", "team", "opponent", "is_home",
	"starter", "player", "bbref_player_id", "mp", "reason",
};

/* Small counts come from a shared table of integers. */
#define INT_LO (-64)
#define INT_HI 447

/* Game-level fields: the same for every row of a team in a game. */
enum { G_GAME_ID, G_DATE, G_SEASON, G_TYPE, G_FINAL, G_HOME, G_AWAY, G_TEAM, G_OPP, G_SRC_ID, G_N };
static const char *const game_fields[G_N] = {
	"game_id", "game_date", "season_year", "game_type", "is_final", "home_team_abbr",
	"away_team_abbr", "team_abbr", "opponent_team_abbr", "source_game_id",
};

struct bbref_reader {
	const struct pgs_fmt_io *io;
	int have_header;
	int col[NCOLS];        /* header position of each needed column */
	struct pgs_csv_rec csv;
	/*
	 * Speed: the real data is ~1.4M rows per benchmark run, so a row is built
	 * into one reused object (no hashtable growth, no key copies per row), and
	 * values that repeat are shared json_t's (jansson values are refcounted
	 * and never modified once made).
	 */
	json_t *obj;
	json_t *source;        /* "bbref" */
	json_t *status[3];     /* "active", "dnp", "inactive" */
	json_t *ints[INT_HI - INT_LO + 1];
	struct {               /* the game fields of the previous row, reused while they repeat */
		char key[256];
		size_t keylen;
		json_t *v[G_N];
	} game;
};

static int
bbref_detect(const char *line, size_t len)
{
	size_t n = strlen(HEADER_START);

	if (len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0) {
		line += 3;
		len -= 3;
	}
	return len >= n && memcmp(line, HEADER_START, n) == 0 &&
	    (len == n || line[n] == ',');
}

static void *
bbref_open(const struct pgs_fmt_io *io)
{
	struct bbref_reader *r = pgs_xcalloc(1, sizeof(*r));

	size_t i;

	r->io = io;
	r->obj = json_object();
	r->source = json_string("bbref");
	r->status[0] = json_string("active");
	r->status[1] = json_string("dnp");
	r->status[2] = json_string("inactive");
	for (i = 0; i < sizeof(r->ints) / sizeof(r->ints[0]); i++)
		r->ints[i] = json_integer(INT_LO + (json_int_t)i);
	return r;
}

static const char *
col_name(int c)
{
	return c < C_FIRST_STAT ? col_names[c] : stats[c - C_FIRST_STAT].col;
}

static int
read_header(struct bbref_reader *r)
{
	char why[256];
	int i, c, n = r->csv.nf;

	if (!bbref_detect(r->csv.text, r->csv.text_len)) {
		pgs_err("%s:%ld: not a bbref-csv header (want '%s,...')", r->io->input, r->csv.lineno,
		    HEADER_START);
		return -1;
	}
	if (pgs_csv_header_check(&r->csv, why, sizeof(why)) < 0) {
		pgs_err("%s:%ld: bbref-csv: %s", r->io->input, r->csv.lineno, why);
		return -1;
	}
	for (c = 0; c < (int)NCOLS; c++) {
		r->col[c] = -1;
		for (i = 0; i < n; i++)
			if (strcmp(r->csv.f[i], col_name(c)) == 0)
				r->col[c] = i;
		if (r->col[c] < 0) {
			pgs_err("%s:%ld: bbref-csv header lacks column '%s'", r->io->input, r->csv.lineno,
			    col_name(c));
			return -1;
		}
	}
	r->csv.ncols = n;
	r->have_header = 1;
	return 0;
}

/* "" -> null (the source has no value; never 0), "+7" -> 7, "-3" -> -3. */
static int
parse_count(struct bbref_reader *r, const char *s, json_t **out)
{
	long v;
	int k = pgs_csv_count(s, &v);

	if (k <= 0) {
		if (k == 0)
			*out = json_null();
		return k;
	}
	*out = v >= INT_LO && v <= INT_HI ? json_incref(r->ints[v - INT_LO]) : json_integer(v);
	return 0;
}

static const char *
game_type(const char *s, long days)
{
	const char *t = pgs_game_type_norm(s);

	/* the CSVs say regular, play-in or playoffs; the Cup's games are regular there */
	return t && strcmp(t, "regular") == 0 ? pgs_regular_game_type(days) : t;
}

/* Compute the game-level fields of a row into r->game; -1 with why when bad. */
static int
make_game(struct bbref_reader *r, long days, char *why, size_t whylen)
{
	char **f = r->csv.f, date[11], gid[32];
	const char *home, *team, *opp, *away, *gtype, *v;
	json_t *g[G_N];
	size_t i;
	int is_home;

#define COL(c) f[r->col[c]]
	home = pgs_team_tricode(COL(C_HOME));
	team = pgs_team_tricode(COL(C_TEAM));
	opp = pgs_team_tricode(COL(C_OPP));
	if (!home || !team || !opp) {
		snprintf(why, whylen, "unknown team '%s'",
		    !home ? COL(C_HOME) : !team ? COL(C_TEAM) : COL(C_OPP));
		return -1;
	}
	v = COL(C_IS_HOME);
	is_home = strcmp(v, "1") == 0 ? 1 : strcmp(v, "0") == 0 ? 0 : -1;
	if (is_home < 0 || is_home != (strcmp(team, home) == 0) || strcmp(team, opp) == 0 ||
	    (strcmp(opp, home) != 0 && strcmp(team, home) != 0)) {
		snprintf(why, whylen, "team %s, opponent %s, is_home '%s' do not fit home team %s",
		    COL(C_TEAM), COL(C_OPP), v, COL(C_HOME));
		return -1;
	}
	away = is_home ? opp : team;
	if (!(gtype = game_type(COL(C_GAME_TYPE), days))) {
		snprintf(why, whylen, "unknown game_type '%s'", COL(C_GAME_TYPE));
		return -1;
	}
	if (*COL(C_GAME_ID) && !(g[G_SRC_ID] = json_string(COL(C_GAME_ID)))) {
		snprintf(why, whylen, "bbref_game_id is not valid UTF-8");
		return -1;
	}
	if (!*COL(C_GAME_ID))
		g[G_SRC_ID] = json_null();
	pgs_game_id(days, away, home, gid, sizeof(gid));
	pgs_date_format(days, date);
	g[G_GAME_ID] = json_string_nocheck(gid);
	g[G_DATE] = json_string_nocheck(date);
	g[G_SEASON] = json_integer(pgs_season_year(days));
	g[G_TYPE] = json_string_nocheck(gtype);
	/* basketball-reference publishes a box score once the game is over */
	g[G_FINAL] = json_true();
	g[G_HOME] = json_string_nocheck(home);
	g[G_AWAY] = json_string_nocheck(away);
	g[G_TEAM] = json_string_nocheck(team);
	g[G_OPP] = json_string_nocheck(opp);
	for (i = 0; i < G_N; i++) {
		json_decref(r->game.v[i]);
		r->game.v[i] = g[i];
	}
	return 0;
#undef COL
}

/* The game key of a row: the columns the game fields come from. */
static size_t
game_key(struct bbref_reader *r, char *key, size_t cap)
{
	static const int cols[] = { C_GAME_TYPE, C_GAME_ID, C_DATE, C_HOME, C_TEAM, C_OPP, C_IS_HOME };
	size_t i, n = 0, l;

	for (i = 0; i < sizeof(cols) / sizeof(cols[0]); i++) {
		const char *v = r->csv.f[r->col[cols[i]]];

		l = strlen(v);
		if (n + l + 1 >= cap)
			return 0; /* too long to cache: always recompute */
		memcpy(key + n, v, l);
		n += l;
		key[n++] = '\x1f';
	}
	return n;
}

/*
 * Set key to v (a new reference) in the reused row object.  After the first
 * row the object's keys are already there in this order, so walking them
 * with an iterator avoids a hash lookup per field.
 */
static void
put(json_t *o, void **it, const char *key, json_t *v)
{
	if (*it && strcmp(json_object_iter_key(*it), key) == 0) {
		json_object_iter_set_new(o, *it, v);
		*it = json_object_iter_next(o, *it);
		return;
	}
	json_object_set_new_nocheck(o, key, v);
	*it = NULL;
}

/* Build the raw row of one split CSV line into r->obj; -1 with why when bad. */
static int
make_row(struct bbref_reader *r, long days, char *why, size_t whylen)
{
	char key[sizeof(r->game.key)];
	const char *reason, *v;
	json_t *o = r->obj, *x;
	void *it;
	size_t i, klen;

#define COL(c) r->csv.f[r->col[c]]
	klen = game_key(r, key, sizeof(key));
	if (klen == 0 || klen != r->game.keylen || memcmp(key, r->game.key, klen) != 0) {
		r->game.keylen = 0;
		if (make_game(r, days, why, whylen) < 0)
			return -1;
		memcpy(r->game.key, key, klen);
		r->game.keylen = klen;
	}
	/* set in pgs_raw_fields order: the object keeps its first row's key order */
	it = json_object_iter(o);
	for (i = 0; i < G_SRC_ID; i++)
		put(o, &it, game_fields[i], json_incref(r->game.v[i]));
	put(o, &it, "source", json_incref(r->source));
	put(o, &it, "source_game_id", json_incref(r->game.v[G_SRC_ID]));
	v = COL(C_PLAYER_ID);
	if (!(x = *v ? json_string(v) : json_null()))
		goto utf8;
	put(o, &it, "source_player_id", x);
	if (!(x = json_string(COL(C_PLAYER))))
		goto utf8;
	put(o, &it, "player_name", x);
	/* blanks around the text are not part of it, and a blank reason is no reason */
	reason = pgs_csv_trim(COL(C_REASON));
	put(o, &it, "player_status",
	    json_incref(r->status[!*reason ? 0 : strcmp(reason, "Did Not Play") == 0 ? 1 : 2]));
	if (!(x = *reason ? json_string(reason) : json_null()))
		goto utf8;
	put(o, &it, "dnp_reason", x);
	v = COL(C_STARTER);
	if (*v && strcmp(v, "0") != 0 && strcmp(v, "1") != 0) {
		snprintf(why, whylen, "starter '%s' is not 0 or 1", v);
		return -1;
	}
	put(o, &it, "starter", *v ? json_boolean(*v == '1') : json_null());
	/* minutes exactly as printed; the driver's contract check parses them */
	v = COL(C_MP);
	if (!(x = *v ? json_string(v) : json_null()))
		goto utf8;
	put(o, &it, "minutes", x);
	for (i = 0; i < NSTATS; i++) {
		v = COL(C_FIRST_STAT + i);
		if (parse_count(r, v, &x) < 0) {
			snprintf(why, whylen, "%s '%s' is not an integer", stats[i].col, v);
			return -1;
		}
		put(o, &it, stats[i].field, x);
	}
	return 0;
#undef COL
utf8:
	snprintf(why, whylen, "text is not valid UTF-8");
	return -1;
}

/* One record of the input, split in r->csv.  0, or -1 fatal. */
static int
bbref_record(struct bbref_reader *r)
{
	struct pgs_csv_rec *c = &r->csv;
	char why[256];
	long days;

	if (pgs_date_parse(c->f[r->col[C_DATE]], &days) < 0)
		return pgs_reject(r->io->input, c->lineno, c->text, "bad game_date '%s'",
		    c->f[r->col[C_DATE]]);
	if (days < r->io->from || days > r->io->to) {
		if (r->io->skip)
			r->io->skip(days, 1, r->io->arg);
		return 0;
	}
	if (make_row(r, days, why, sizeof(why)) < 0)
		return pgs_reject(r->io->input, c->lineno, c->text, "%s", why);
	return r->io->row(json_incref(r->obj), c->lineno, c->text, r->io->arg);
}

static int
bbref_line(void *st, char *line, size_t len, long lineno)
{
	struct bbref_reader *r = st;
	char why[256];
	int k;

	pgs_csv_push(&r->csv, line, len, lineno);
	while ((k = pgs_csv_next(&r->csv, why, sizeof(why))) != PGS_CSV_NONE) {
		if (k == PGS_CSV_BAD && !r->have_header) {
			pgs_err("%s:%ld: not a bbref-csv header: %s", r->io->input, r->csv.lineno, why);
			return -1;
		} else if (k == PGS_CSV_HEADER) {
			if (read_header(r) < 0)
				return -1;
		} else if (k == PGS_CSV_BAD) {
			if (pgs_reject(r->io->input, r->csv.lineno, r->csv.text, "%s", why) < 0)
				return -1;
		} else if (bbref_record(r) < 0) {
			return -1;
		}
	}
	return 0;
}

static int
bbref_finish(void *st)
{
	struct bbref_reader *r = st;
	char why[256];

	if (pgs_csv_end(&r->csv, why, sizeof(why)) == PGS_CSV_BAD)
		return pgs_reject(r->io->input, r->csv.lineno, r->csv.text, "%s", why);
	return 0;
}

static void
bbref_close(void *st)
{
	struct bbref_reader *r = st;

	size_t i;

	json_decref(r->obj);
	json_decref(r->source);
	for (i = 0; i < 3; i++)
		json_decref(r->status[i]);
	for (i = 0; i < sizeof(r->ints) / sizeof(r->ints[0]); i++)
		json_decref(r->ints[i]);
	for (i = 0; i < G_N; i++)
		json_decref(r->game.v[i]);
	pgs_csv_rec_free(&r->csv);
	free(r);
}

const struct pgs_format pgs_fmt_bbref_csv = {
	.name = "bbref-csv",
	.detect = bbref_detect,
	.open = bbref_open,
	.line = bbref_line,
	.finish = bbref_finish,
	.close = bbref_close,
};
