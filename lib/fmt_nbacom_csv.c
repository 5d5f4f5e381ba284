/*
 * fmt_nbacom_csv.c — format "nbacom-csv": NBA.com's player box-score export
 * (the "player box scores" page), one row per player who played:
 *
 *   Player,Team,Opponent,Date,Result,Minutes,Points,FGM,FGA,FG%,3PM,3PA,3P%,
 *   FTM,FTA,FT%,OREB,DREB,REB,AST,TO,STL,BLK,PF,+/-,SPI
 *
 * Columns are found by header name.  What a stat column means can be changed
 * with --map COL=field, because real exports mislabel columns (the 2023-24
 * one has steals under TO, blocks under STL, turnovers under BLK).
 *
 * The export is ordered by date (descending in the real file), but within a
 * date the rows of a game are not contiguous.  Downstream stages need games
 * contiguous, so the reader holds the rows of one date (~300) and, when the
 * date changes, hands them over sorted by game: memory is bounded by a day,
 * not by the file.  Dates are emitted in input order; a date that comes back
 * later in the file makes its games non-contiguous, which the driver rejects.
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

#define HEADER_START "Player,Team,Opponent,Date"

/* What a column means: a stat (index into stats[]), minutes, or nothing. */
enum { NSTATS = 16, M_MINUTES = NSTATS, M_IGNORE, M_PLAYER, M_TEAM, M_MATCHUP, M_DATE };

/* Counting stats in raw-row order. */
static const char *const stats[NSTATS] = {
	"points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts", "ft_makes",
	"ft_attempts", "offensive_rebounds", "defensive_rebounds", "total_rebounds", "assists",
	"steals", "blocks", "turnovers", "personal_fouls", "plus_minus",
};

/* The export's header and what each column means unless --map says otherwise. */
static const struct {
	const char *col;
	int meaning;
	int required;   /* the identity columns; the stat columns are required when they mean a field */
} hdr[] = {
	{ "Player", M_PLAYER, 1 }, { "Team", M_TEAM, 1 }, { "Opponent", M_MATCHUP, 1 },
	{ "Date", M_DATE, 1 }, { "Result", M_IGNORE, 0 }, { "Minutes", M_MINUTES, 0 },
	{ "Points", 0, 0 }, { "FGM", 1, 0 }, { "FGA", 2, 0 }, { "FG%", M_IGNORE, 0 },
	{ "3PM", 3, 0 }, { "3PA", 4, 0 }, { "3P%", M_IGNORE, 0 }, { "FTM", 5, 0 },
	{ "FTA", 6, 0 }, { "FT%", M_IGNORE, 0 }, { "OREB", 7, 0 }, { "DREB", 8, 0 },
	{ "REB", 9, 0 }, { "AST", 10, 0 }, { "TO", 13, 0 }, { "STL", 11, 0 }, { "BLK", 12, 0 },
	{ "PF", 14, 0 }, { "+/-", 15, 0 }, { "SPI", M_IGNORE, 0 },
};
#define NHDR ((int)(sizeof(hdr) / sizeof(hdr[0])))

static const char *
meaning_name(int m)
{
	return m < NSTATS ? stats[m] : m == M_MINUTES ? "minutes" : "nothing";
}

static int
find_hdr(const char *col)
{
	int i;

	for (i = 0; i < NHDR; i++)
		if (strcmp(hdr[i].col, col) == 0)
			return i;
	return -1;
}

/* The meaning of every header column after the --map specs; -1 with why. */
static int
resolve_maps(const char *const *maps, int n, int meaning[NHDR], char *why, size_t whylen)
{
	int i, j, h, t, m, by[M_IGNORE];
	const char *eq;
	char col[64];

	for (i = 0; i < NHDR; i++)
		meaning[i] = hdr[i].meaning;
	for (i = 0; i < n; i++) {
		eq = strchr(maps[i], '=');
		if (!eq || eq == maps[i] || !eq[1] || (size_t)(eq - maps[i]) >= sizeof(col)) {
			snprintf(why, whylen, "bad --map '%s': want COL=field", maps[i]);
			return -1;
		}
		memcpy(col, maps[i], (size_t)(eq - maps[i]));
		col[eq - maps[i]] = '\0';
		if ((h = find_hdr(col)) < 0) {
			snprintf(why, whylen, "--map '%s': no column '%s' in the nbacom-csv header", maps[i], col);
			return -1;
		}
		if (hdr[h].meaning > M_IGNORE) {
			snprintf(why, whylen, "--map '%s': column '%s' cannot be remapped", maps[i], col);
			return -1;
		}
		/* the target: a raw field, or another header's usual meaning */
		m = -1;
		for (j = 0; j < NSTATS; j++)
			if (strcmp(stats[j], eq + 1) == 0)
				m = j;
		if (strcmp(eq + 1, "minutes") == 0)
			m = M_MINUTES;
		if (m < 0 && (t = find_hdr(eq + 1)) >= 0 && hdr[t].meaning <= M_IGNORE)
			m = hdr[t].meaning;
		if (m < 0 || m == M_IGNORE) {
			snprintf(why, whylen, "--map '%s': unknown field '%s' (a raw stat field like steals, "
			    "minutes, or a stat column like STL)", maps[i], eq + 1);
			return -1;
		}
		meaning[h] = m;
	}
	/* every field from exactly one column, or a partial fix silently doubles one */
	for (m = 0; m < M_IGNORE; m++)
		by[m] = -1;
	for (i = 0; i < NHDR; i++) {
		if ((m = meaning[i]) >= M_IGNORE)
			continue;
		if (by[m] >= 0) {
			snprintf(why, whylen, "--map: columns '%s' and '%s' would both be %s; map the other one too",
			    hdr[by[m]].col, hdr[i].col, meaning_name(m));
			return -1;
		}
		by[m] = i;
	}
	for (m = 0; m < M_IGNORE; m++)
		if (by[m] < 0) {
			snprintf(why, whylen, "--map: no column would be %s", meaning_name(m));
			return -1;
		}
	return 0;
}

int
pgs_nbacom_map_check(const char *const *maps, int n, char *why, size_t whylen)
{
	int meaning[NHDR];

	return resolve_maps(maps, n, meaning, why, whylen);
}

/* A row held until its date is complete. */
struct held {
	json_t *row;
	char *text;
	long lineno;
	size_t seq;
	const char *gid, *team;   /* borrowed from row */
};

struct nbacom_reader {
	const struct pgs_fmt_io *io;
	int have_header;
	int pos[M_DATE + 1];     /* header position of each meaning, -1 when absent */
	struct pgs_csv_rec csv;
	long day;                /* the date being held */
	struct held *held;
	size_t nheld, capheld, seq;
};

static int
nbacom_detect(const char *head, size_t len)
{
	size_t n = strlen(HEADER_START);

	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0) {
		head += 3;
		len -= 3;
	}
	return len >= n && memcmp(head, HEADER_START, n) == 0 &&
	    (len == n || head[n] == ',' || head[n] == '\n') ? PGS_DETECT_YES : PGS_DETECT_NO;
}

static void *
nbacom_open(const struct pgs_fmt_io *io)
{
	struct nbacom_reader *r = pgs_xcalloc(1, sizeof(*r));

	r->io = io;
	return r;
}

static int
read_header(struct nbacom_reader *r)
{
	int meaning[NHDR], i, h, n = r->csv.nf;
	long lineno = r->csv.lineno;
	char why[256];

	if (resolve_maps(r->io->opts->maps, r->io->opts->nmaps, meaning, why, sizeof(why)) < 0) {
		pgs_err("%s", why); /* checked at option time; kept for library callers */
		return -1;
	}
	if (nbacom_detect(r->csv.text, r->csv.text_len) != PGS_DETECT_YES) {
		pgs_err("%s:%ld: not an nbacom-csv header (want '%s,...')", r->io->input, lineno,
		    HEADER_START);
		return -1;
	}
	if (pgs_csv_header_check(&r->csv, why, sizeof(why)) < 0) {
		pgs_err("%s:%ld: nbacom-csv: %s", r->io->input, lineno, why);
		return -1;
	}
	for (i = 0; i <= M_DATE; i++)
		r->pos[i] = -1;
	for (i = 0; i < n; i++)
		if ((h = find_hdr(r->csv.f[i])) >= 0)
			r->pos[meaning[h]] = i;
	for (h = 0; h < NHDR; h++)
		if (meaning[h] < M_IGNORE || hdr[h].required)
			if (r->pos[meaning[h]] < 0) {
				pgs_err("%s:%ld: nbacom-csv header lacks column '%s'", r->io->input,
				    lineno, hdr[h].col);
				return -1;
			}
	r->csv.ncols = n;
	r->have_header = 1;
	return 0;
}

/* "" -> null (no value; never 0), "7" -> 7, "-3" -> -3; -1 when not an integer. */
static int
parse_count(const char *s, json_t **out)
{
	long v;
	int k = pgs_csv_count(s, &v);

	if (k <= 0) {
		if (k == 0)
			*out = json_null();
		return k;
	}
	*out = json_integer(v);
	return 0;
}

/* "NYK @ MIL": NYK away at MIL; "SAS vs. PHI": SAS at home.  Static codes, or -1. */
static int
parse_matchup(const char *s, const char **left, const char **right, int *left_home)
{
	char a[8], b[8];
	const char *sep;
	size_t l;

	if ((sep = strstr(s, " @ ")) != NULL)
		*left_home = 0;
	else if ((sep = strstr(s, " vs. ")) != NULL)
		*left_home = 1;
	else
		return -1;
	l = (size_t)(sep - s);
	if (l == 0 || l >= sizeof(a))
		return -1;
	memcpy(a, s, l);
	a[l] = '\0';
	sep += *left_home ? 5 : 3;
	if (strlen(sep) == 0 || strlen(sep) >= sizeof(b))
		return -1;
	strcpy(b, sep);
	*left = pgs_team_tricode(a);
	*right = pgs_team_tricode(b);
	return *left && *right ? 0 : -1;
}

/* The raw row of one split line into *out; -1 with why. */
static int
make_row(struct nbacom_reader *r, long days, json_t **out, char *why, size_t whylen)
{
	const char *team, *left, *right, *home, *away, *v;
	char gid[32], date[11];
	json_t *o, *x = NULL;
	int left_home, i;

#define COL(m) r->csv.f[r->pos[m]]
	if (!(team = pgs_team_tricode(COL(M_TEAM)))) {
		snprintf(why, whylen, "unknown team '%s'", COL(M_TEAM));
		return -1;
	}
	if (parse_matchup(COL(M_MATCHUP), &left, &right, &left_home) < 0) {
		snprintf(why, whylen, "bad matchup '%s': want 'AAA @ BBB' or 'AAA vs. BBB'",
		    COL(M_MATCHUP));
		return -1;
	}
	if (strcmp(left, team) != 0 || strcmp(left, right) == 0) {
		snprintf(why, whylen, "matchup '%s' does not fit team %s", COL(M_MATCHUP), COL(M_TEAM));
		return -1;
	}
	home = left_home ? left : right;
	away = left_home ? right : left;
	pgs_game_id(days, away, home, gid, sizeof(gid));
	pgs_date_format(days, date);
	o = json_object();
	/* in pgs_raw_fields order, as every format writes them */
	json_object_set_new_nocheck(o, "game_id", json_string_nocheck(gid));
	json_object_set_new_nocheck(o, "game_date", json_string_nocheck(date));
	json_object_set_new_nocheck(o, "season_year", json_integer(pgs_season_year(days)));
	json_object_set_new_nocheck(o, "game_type",
	    json_string_nocheck(pgs_regular_game_type(days)));
	/* the export lists finished games only */
	json_object_set_new_nocheck(o, "is_final", json_true());
	json_object_set_new_nocheck(o, "home_team_abbr", json_string_nocheck(home));
	json_object_set_new_nocheck(o, "away_team_abbr", json_string_nocheck(away));
	json_object_set_new_nocheck(o, "team_abbr", json_string_nocheck(team));
	json_object_set_new_nocheck(o, "opponent_team_abbr", json_string_nocheck(right));
	json_object_set_new_nocheck(o, "source", json_string_nocheck("nbacom"));
	json_object_set_new_nocheck(o, "source_game_id", json_null());
	json_object_set_new_nocheck(o, "source_player_id", json_null());
	v = COL(M_PLAYER);
	if (*v && !(x = json_string(v)))
		goto utf8;
	json_object_set_new_nocheck(o, "player_name", *v ? x : json_null());
	json_object_set_new_nocheck(o, "player_status", json_string_nocheck("active"));
	json_object_set_new_nocheck(o, "dnp_reason", json_null());
	json_object_set_new_nocheck(o, "starter", json_null());
	v = COL(M_MINUTES);
	if (*v && !(x = json_string(v)))
		goto utf8;
	json_object_set_new_nocheck(o, "minutes", *v ? x : json_null());
	for (i = 0; i < NSTATS; i++) {
		v = COL(i);
		if (parse_count(v, &x) < 0) {
			snprintf(why, whylen, "%s '%s' is not an integer", stats[i], v);
			json_decref(o);
			return -1;
		}
		json_object_set_new_nocheck(o, stats[i], x);
	}
	*out = o;
	return 0;
#undef COL
utf8:
	json_decref(o);
	snprintf(why, whylen, "text is not valid UTF-8");
	return -1;
}

static int
cmp_held(const void *a, const void *b)
{
	const struct held *x = a, *y = b;
	int c;

	if ((c = strcmp(x->gid, y->gid)) != 0)
		return c;
	if ((c = strcmp(x->team, y->team)) != 0)
		return c;
	return x->seq < y->seq ? -1 : x->seq > y->seq;
}

/* Hand over the held date's rows, game by game.  0, or -1 fatal. */
static int
flush(struct nbacom_reader *r)
{
	size_t i;
	int rc = 0;

	if (r->nheld == 0)
		return 0; /* qsort(NULL, 0, …) is undefined */
	qsort(r->held, r->nheld, sizeof(*r->held), cmp_held);
	for (i = 0; i < r->nheld; i++) {
		struct held *h = &r->held[i];

		if (rc == 0)
			rc = r->io->row(h->row, h->lineno, h->text, r->io->arg);
		else
			json_decref(h->row);
		free(h->text);
	}
	r->nheld = 0;
	return rc;
}

/* One record of the input, split in r->csv: held until its date is complete.  0, or -1 fatal. */
static int
nbacom_record(struct nbacom_reader *r)
{
	struct pgs_csv_rec *c = &r->csv;
	char why[256];
	struct held *h;
	json_t *row;
	long days;

	if (pgs_date_parse_mdy(c->f[r->pos[M_DATE]], &days) < 0)
		return pgs_reject(r->io->input, c->lineno, c->text, "bad Date '%s': want MM/DD/YYYY",
		    c->f[r->pos[M_DATE]]);
	if (days < r->io->from || days > r->io->to) {
		if (r->io->skip)
			r->io->skip(days, 1, r->io->arg);
		return 0;
	}
	if (make_row(r, days, &row, why, sizeof(why)) < 0)
		return pgs_reject(r->io->input, c->lineno, c->text, "%s", why);
	if (r->nheld > 0 && days != r->day && flush(r) < 0) {
		json_decref(row);
		return -1;
	}
	r->day = days;
	if (r->nheld == r->capheld) {
		r->capheld = r->capheld ? r->capheld * 2 : 512;
		r->held = pgs_xrealloc(r->held, r->capheld * sizeof(*r->held));
	}
	h = &r->held[r->nheld++];
	h->row = row;
	h->text = pgs_xstrndup(c->text, c->text_len);
	h->lineno = c->lineno;
	h->seq = r->seq++;
	h->gid = json_string_value(json_object_get(row, "game_id"));
	h->team = json_string_value(json_object_get(row, "team_abbr"));
	return 0;
}

static int
nbacom_line(void *st, char *line, size_t len, long lineno)
{
	struct nbacom_reader *r = st;
	char why[256];
	int k;

	pgs_csv_push(&r->csv, line, len, lineno);
	while ((k = pgs_csv_next(&r->csv, why, sizeof(why))) != PGS_CSV_NONE) {
		if (k == PGS_CSV_BAD && !r->have_header) {
			pgs_err("%s:%ld: not an nbacom-csv header: %s", r->io->input, r->csv.lineno, why);
			return -1;
		} else if (k == PGS_CSV_HEADER) {
			if (read_header(r) < 0)
				return -1;
		} else if (k == PGS_CSV_BAD) {
			if (pgs_reject(r->io->input, r->csv.lineno, r->csv.text, "%s", why) < 0)
				return -1;
		} else if (nbacom_record(r) < 0) {
			return -1;
		}
	}
	return 0;
}

static int
nbacom_finish(void *st)
{
	struct nbacom_reader *r = st;
	char why[256];

	if (pgs_csv_end(&r->csv, why, sizeof(why)) == PGS_CSV_BAD &&
	    pgs_reject(r->io->input, r->csv.lineno, r->csv.text, "%s", why) < 0)
		return -1;
	return flush(r);
}

static void
nbacom_close(void *st)
{
	struct nbacom_reader *r = st;
	size_t i;

	for (i = 0; i < r->nheld; i++) {
		json_decref(r->held[i].row);
		free(r->held[i].text);
	}
	free(r->held);
	pgs_csv_rec_free(&r->csv);
	free(r);
}

const struct pgs_format pgs_fmt_nbacom_csv = {
	.name = "nbacom-csv",
	.detect = nbacom_detect,
	.open = nbacom_open,
	.line = nbacom_line,
	.finish = nbacom_finish,
	.close = nbacom_close,
};
