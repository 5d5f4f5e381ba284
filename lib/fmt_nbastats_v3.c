/*
 * fmt_nbastats_v3.c — format "nbastats-v3": stats.nba.com boxscoretraditionalv3
 * JSON (homeTeam and awayTeam, each with its players and their statistics),
 * one game per document.
 *
 * A document may be one line or pretty-printed over many, and an input may
 * hold several (one per line, as an API dump does).  Lines are accumulated
 * and a brace counter that knows about strings says when a document is
 * complete; then it is parsed whole.  A document is never split into rows
 * before it parsed, so a truncated one yields no rows at all: it is one
 * reject naming the input and the document's first line.
 *
 * The documents carry a gameId but no date, so the date comes from a date
 * field when the document has one (gameCode "20211019/BKNMIL", gameDate,
 * gameDateEst, gameEt), else from the --games schedule.
 *
 * A document fetched while the game is on says so: gameStatus 1 (scheduled)
 * or 2 (in progress), 3 once it is final, and gameStatusText ("Final",
 * "Q3 5:12", "Halftime").  Its rows carry is_final false until a final
 * document replaces them; a document that says neither has is_final null
 * (read as final, as the box scores pgs is usually given are).
 */
#include <ctype.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "formats.h"
#include "rejects.h"
#include "teams.h"
#include "util.h"

/* Raw field <- statistics key, in raw-row order. */
static const struct { const char *field, *key; } stats[] = {
	{ "points", "points" },
	{ "fg_makes", "fieldGoalsMade" },
	{ "fg_attempts", "fieldGoalsAttempted" },
	{ "three_pt_makes", "threePointersMade" },
	{ "three_pt_attempts", "threePointersAttempted" },
	{ "ft_makes", "freeThrowsMade" },
	{ "ft_attempts", "freeThrowsAttempted" },
	{ "offensive_rebounds", "reboundsOffensive" },
	{ "defensive_rebounds", "reboundsDefensive" },
	{ "total_rebounds", "reboundsTotal" },
	{ "assists", "assists" },
	{ "steals", "steals" },
	{ "blocks", "blocks" },
	{ "turnovers", "turnovers" },
	{ "personal_fouls", "foulsPersonal" },
	{ "plus_minus", "plusMinusPoints" },
};
#define NSTATS (sizeof(stats) / sizeof(stats[0]))

struct v3_reader {
	const struct pgs_fmt_io *io;
	pgs_buf doc;        /* the document being accumulated */
	long first;         /* its first line */
	int open;           /* inside a document */
	int depth, in_str, esc;
};

/* Brace state over s: returns the offset just past the byte that closes the
 * top-level object, or len when it is still open. */
static size_t
scan(const char *s, size_t len, int *depth, int *in_str, int *esc)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];

		if (*in_str) {
			if (*esc)
				*esc = 0;
			else if (c == '\\')
				*esc = 1;
			else if (c == '"')
				*in_str = 0;
			continue;
		}
		if (c == '"')
			*in_str = 1;
		else if (c == '{' || c == '[')
			++*depth;
		else if ((c == '}' || c == ']') && --*depth == 0)
			return i + 1;
	}
	return len;
}

static int
v3_detect(const char *head, size_t len)
{
	int depth = 0, in_str = 0, esc = 0;
	const char *nl, *end = head + len;
	size_t i = 0;

	if (len >= 3 && memcmp(head, "\xef\xbb\xbf", 3) == 0)
		i = 3;
	while (i < len && strchr(" \t\n", head[i]))
		i++;
	if (i == len || head[i] != '{')
		return PGS_DETECT_NO;
	if (memmem(head, len, "\"boxScoreTraditional\"", 21))
		return PGS_DETECT_YES;
	/* line by line: a string cannot span lines in JSON, and a complete
	 * object without the key is some other JSON (raw rows) */
	for (head += i; head < end; head = nl + 1) {
		nl = memchr(head, '\n', (size_t)(end - head));
		if (!nl)
			nl = end;
		if (scan(head, (size_t)(nl - head), &depth, &in_str, &esc) < (size_t)(nl - head) ||
		    depth == 0 || in_str)
			return PGS_DETECT_NO;
		if (nl == end)
			break;
	}
	return PGS_DETECT_MORE;
}

static void *
v3_open(const struct pgs_fmt_io *io)
{
	struct v3_reader *r = pgs_xcalloc(1, sizeof(*r));

	r->io = io;
	return r;
}

/* Reject the whole document being accumulated, and forget it. */
static int
reject_doc(struct v3_reader *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static int
reject_doc(struct v3_reader *r, const char *fmt, ...)
{
	char why[512];
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(why, sizeof(why), fmt, ap);
	va_end(ap);
	rc = pgs_reject(r->io->input, r->first, r->doc.s ? r->doc.s : "", "%s", why);
	pgs_buf_reset(&r->doc);
	r->open = r->depth = r->in_str = r->esc = 0;
	return rc;
}

/* A JSON number that must be a whole count; plus-minus is a float that is rounded. */
static int
get_count(json_t *st, size_t i, json_t **out)
{
	json_t *v = json_object_get(st, stats[i].key);
	double d;

	if (!v || json_is_null(v)) {
		*out = json_null();
		return 0;
	}
	if (json_is_integer(v)) {
		*out = json_integer(json_integer_value(v));
		return 0;
	}
	if (!json_is_real(v))
		return -1;
	d = json_real_value(v);
	if (!isfinite(d) || fabs(d) > 1e9)
		return -1;
	if (strcmp(stats[i].field, "plus_minus") != 0 && d != floor(d))
		return -1;
	*out = json_integer((json_int_t)lround(d));
	return 0;
}

/* 1 when s is NULL, empty or only blanks. */
static int
is_blank(const char *s)
{
	return !s || s[strspn(s, " \t")] == '\0';
}

/* The length of s without its trailing blanks. */
static size_t
trimmed_len(const char *s)
{
	size_t n = strlen(s);

	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t'))
		n--;
	return n;
}

/* A comment that says the player was not with the team or not dressed. */
static const char *
dnp_status(const char *comment)
{
	static const char *const inactive[] = {
		"NWT", "Not With Team", "Inactive", "DND", "Did Not Dress", "Suspen", NULL,
	};
	const char *const *p;

	for (p = inactive; *p; p++)
		if (strcasestr(comment, *p))
			return "inactive";
	return "dnp";
}

/* The game-level fields, shared by every row of the document. */
struct game {
	char gid[32], date[11], source_id[32];
	const char *type, *home, *away;
	long days;
	int final;           /* 1 final, 0 not yet, -1 the document does not say */
};

/* One player's raw row into *out; -1 with why. */
static int
make_row(const struct game *g, const char *team, const char *opp, json_t *p, json_t **out,
    char *why, size_t whylen)
{
	const char *first, *family, *comment, *minutes;
	json_t *o, *st, *id, *x;
	int played;
	size_t i;
	char *name;

	st = json_object_get(p, "statistics");
	first = json_string_value(json_object_get(p, "firstName"));
	family = json_string_value(json_object_get(p, "familyName"));
	if (!json_is_object(p) || !json_is_object(st) || !family) {
		snprintf(why, whylen, "player without familyName or statistics");
		return -1;
	}
	comment = json_string_value(json_object_get(p, "comment"));
	minutes = json_string_value(json_object_get(st, "minutes"));
	/* DNP rows have minutes "" and zeros everywhere: those zeros are not real */
	played = !is_blank(minutes);
	/* a blank comment is no reason; blanks around one are not part of it */
	if (is_blank(comment))
		comment = NULL;
	else
		comment += strspn(comment, " \t");
	o = json_object();
	json_object_set_new_nocheck(o, "game_id", json_string_nocheck(g->gid));
	json_object_set_new_nocheck(o, "game_date", json_string_nocheck(g->date));
	json_object_set_new_nocheck(o, "season_year", json_integer(pgs_season_year(g->days)));
	json_object_set_new_nocheck(o, "game_type", json_string_nocheck(g->type));
	json_object_set_new_nocheck(o, "is_final", g->final < 0 ? json_null() : json_boolean(g->final));
	json_object_set_new_nocheck(o, "home_team_abbr", json_string_nocheck(g->home));
	json_object_set_new_nocheck(o, "away_team_abbr", json_string_nocheck(g->away));
	json_object_set_new_nocheck(o, "team_abbr", json_string_nocheck(team));
	json_object_set_new_nocheck(o, "opponent_team_abbr", json_string_nocheck(opp));
	json_object_set_new_nocheck(o, "source", json_string_nocheck("nbastats"));
	json_object_set_new_nocheck(o, "source_game_id", json_string(g->source_id));
	id = json_object_get(p, "personId");
	if (json_is_integer(id))
		x = json_sprintf("%lld", (long long)json_integer_value(id));
	else if (json_is_string(id) && json_string_length(id) > 0)
		x = json_incref(id);
	else
		x = json_null();
	json_object_set_new_nocheck(o, "source_player_id", x);
	name = first && *first ? pgs_xasprintf("%s %s", first, family) : pgs_xstrdup(family);
	json_object_set_new_nocheck(o, "player_name", json_string(name));
	free(name);
	json_object_set_new_nocheck(o, "player_status",
	    json_string(played ? "active" : comment ? dnp_status(comment) : "dnp"));
	json_object_set_new_nocheck(o, "dnp_reason",
	    !played && comment ? json_stringn(comment, trimmed_len(comment)) : json_null());
	x = json_object_get(p, "position");
	json_object_set_new_nocheck(o, "starter",
	    json_is_string(x) ? json_boolean(json_string_length(x) > 0) : json_null());
	json_object_set_new_nocheck(o, "minutes", played ? json_string(minutes) : json_null());
	for (i = 0; i < NSTATS; i++) {
		if (!played) {
			json_object_set_new_nocheck(o, stats[i].field, json_null());
			continue;
		}
		if (get_count(st, i, &x) < 0) {
			snprintf(why, whylen, "%s is not a whole number", stats[i].key);
			json_decref(o);
			return -1;
		}
		json_object_set_new_nocheck(o, stats[i].field, x);
	}
	*out = o;
	return 0;
}

/* The game date from the document's own fields; -1 when it has none. */
static int
doc_date(json_t *doc, json_t *bst, long *days)
{
	static const char *const keys[] = { "gameDate", "gameDateEst", "gameEt", "gameDateTimeEst", NULL };
	json_t *where[2] = { bst, doc };
	const char *s;
	char iso[11];
	int w, k;

	for (w = 0; w < 2; w++) {
		s = json_string_value(json_object_get(where[w], "gameCode"));
		if (s && strlen(s) >= 8 && strspn(s, "0123456789") >= 8) {
			snprintf(iso, sizeof(iso), "%.4s-%.2s-%.2s", s, s + 4, s + 6);
			if (pgs_date_parse(iso, days) == 0)
				return 0;
		}
		for (k = 0; keys[k]; k++) {
			s = json_string_value(json_object_get(where[w], keys[k]));
			if (s && pgs_date_parse_prefix(s, days) == 0)
				return 0;
		}
	}
	return -1;
}

/*
 * Whether the game is over, from the document's gameStatus (3 final; 1
 * scheduled, 2 in progress), else its gameStatusText ("Final", "Final/OT":
 * final; any other text: not yet): 1, 0, or -1 when the document has
 * neither (or a status pgs does not know).
 */
int
pgs_nbastats_final(json_t *doc, json_t *bst)
{
	json_t *where[2] = { bst, doc }, *v;
	const char *t;
	long long n = -1;

	for (int w = 0; w < 2; w++) {
		v = json_object_get(where[w], "gameStatus");
		if (json_is_integer(v))
			n = json_integer_value(v);
		else if (json_is_string(v) && json_string_length(v) == 1 && isdigit((unsigned char)*json_string_value(v)))
			n = *json_string_value(v) - '0';
		if (n == 3)
			return 1;
		if (n == 1 || n == 2)
			return 0;
	}
	for (int w = 0; w < 2; w++) {
		t = json_string_value(json_object_get(where[w], "gameStatusText"));
		if (!t)
			continue;
		t += strspn(t, " \t");
		if (!*t)
			continue;
		return strncasecmp(t, "final", 5) == 0;
	}
	return -1;
}

/* stats.nba.com game id prefix -> game type (preseason and all_star too: pgs-transform
 * leaves them out of the table and counts them), NULL unknown. */
static const char *
game_type(const char *gid, long days)
{
	return pgs_game_type_from_id(gid, days);
}

static int
team_rows(struct v3_reader *r, const struct game *g, json_t *team, const char *code,
    const char *opp)
{
	json_t *players = json_object_get(team, "players"), *p, *row;
	char why[256], *dump;
	size_t i;
	int rc;

	json_array_foreach(players, i, p) {
		if (make_row(g, code, opp, p, &row, why, sizeof(why)) < 0) {
			dump = json_dumps(p, JSON_COMPACT);
			rc = pgs_reject(r->io->input, r->first, dump, "game %s, player %zu of %s: %s",
			    g->source_id, i + 1, code, why);
			free(dump);
		} else {
			/* text NULL: a contract reject records the row itself */
			rc = r->io->row(row, r->first, NULL, r->io->arg);
		}
		if (rc < 0)
			return -1;
	}
	return 0;
}

/* A complete, parsed document: its rows, or one reject. */
static int
document(struct v3_reader *r, json_t *doc)
{
	json_t *bst, *home, *away, *gidv;
	const char *hcode, *acode;
	struct game g;

	bst = json_object_get(doc, "boxScoreTraditional");
	if (!json_is_object(bst))
		return reject_doc(r, "%s", "not a boxscoretraditionalv3 document: no boxScoreTraditional object");
	gidv = json_object_get(bst, "gameId");
	if (!json_is_string(gidv) || json_string_length(gidv) != 10 ||
	    strspn(json_string_value(gidv), "0123456789") != 10)
		return reject_doc(r, "%s", "missing or bad gameId (want 10 digits)");
	snprintf(g.source_id, sizeof(g.source_id), "%s", json_string_value(gidv));
	if (doc_date(doc, bst, &g.days) < 0 &&
	    pgs_schedule_date(r->io->opts->schedule, g.source_id, &g.days) < 0)
		return reject_doc(r, "no date for game %s: the document has none; give --games with a schedule that lists it",
		    g.source_id);
	g.final = pgs_nbastats_final(doc, bst);
	if (!(g.type = game_type(g.source_id, g.days)))
		return reject_doc(r, "game %s: unknown game id prefix", g.source_id);
	home = json_object_get(bst, "homeTeam");
	away = json_object_get(bst, "awayTeam");
	/* an All-Star team or a visiting club has no NBA code: such a game has no place in the
	 * rows, and it is no error either (pgs-transform leaves the others out, counted) */
	if (pgs_game_type_excluded(g.type) && (!pgs_team_tricode(json_string_value(json_object_get(home,
	    "teamTricode"))) || !pgs_team_tricode(json_string_value(json_object_get(away, "teamTricode"))))) {
		pgs_warn("%s:%ld: game %s (%s) is not between two NBA teams: skipped", r->io->input,
		    r->first, g.source_id, g.type);
		goto done;
	}
	if (g.days < r->io->from || g.days > r->io->to) {
		if (r->io->skip)
			r->io->skip(g.days, (long)(json_array_size(json_object_get(home, "players")) +
			    json_array_size(json_object_get(away, "players"))), r->io->arg);
		goto done;
	}
	hcode = pgs_team_tricode(json_string_value(json_object_get(home, "teamTricode")));
	acode = pgs_team_tricode(json_string_value(json_object_get(away, "teamTricode")));
	if (!hcode || !acode || strcmp(hcode, acode) == 0)
		return reject_doc(r, "game %s: missing or unknown homeTeam/awayTeam teamTricode", g.source_id);
	if (!json_is_array(json_object_get(home, "players")) ||
	    !json_is_array(json_object_get(away, "players")))
		return reject_doc(r, "game %s: missing players", g.source_id);
	g.home = hcode;
	g.away = acode;
	pgs_game_id(g.days, acode, hcode, g.gid, sizeof(g.gid));
	pgs_date_format(g.days, g.date);
	if (team_rows(r, &g, away, acode, hcode) < 0 || team_rows(r, &g, home, hcode, acode) < 0)
		return -1;
done:
	pgs_buf_reset(&r->doc);
	r->open = 0;
	return 0;
}

/* The accumulated document is complete: parse it and make its rows. */
static int
complete(struct v3_reader *r)
{
	json_error_t jerr;
	json_t *doc;
	int rc;

	doc = json_loadb(r->doc.s, r->doc.len, JSON_REJECT_DUPLICATES, &jerr);
	if (!doc)
		return reject_doc(r, "malformed JSON document: %s", jerr.text);
	if (!json_is_object(doc)) {
		json_decref(doc);
		return reject_doc(r, "%s", "not a JSON object");
	}
	rc = document(r, doc);
	json_decref(doc);
	return rc;
}

static int
v3_line(void *st, char *line, size_t len, long lineno)
{
	struct v3_reader *r = st;
	size_t skip, used;

	while (len > 0) {
		if (!r->open) {
			skip = strspn(line, " \t");
			if (skip == 0 && r->doc.len == 0 && len >= 3 && memcmp(line, "\xef\xbb\xbf", 3) == 0)
				skip = 3;
			line += skip;
			len -= skip;
			if (len == 0)
				return 0;
			if (*line != '{')
				return pgs_reject(r->io->input, lineno, line,
				    "not a boxscoretraditionalv3 JSON document");
			r->open = 1;
			r->first = lineno;
		} else if (*line == '{' && r->depth > 0) {
			/* a new document at column 0 while one is open: pretty printers
			 * indent nested objects, so the open one was cut short */
			if (reject_doc(r, "%s", "truncated JSON document") < 0)
				return -1;
			continue;
		}
		used = scan(line, len, &r->depth, &r->in_str, &r->esc);
		pgs_buf_add(&r->doc, line, used);
		if (r->depth == 0 && used > 0) {
			if (complete(r) < 0)
				return -1;
			line += used;
			len -= used;
			continue;
		}
		if (r->in_str) /* JSON strings cannot hold a newline */
			return reject_doc(r, "%s", "truncated JSON document (a line ends inside a string)");
		pgs_buf_add(&r->doc, "\n", 1);
		return 0;
	}
	return 0;
}

static int
v3_finish(void *st)
{
	struct v3_reader *r = st;

	if (r->open)
		return reject_doc(r, "%s", "truncated JSON document (the input ended inside it)") < 0 ? -1 : 0;
	return 0;
}

static void
v3_close(void *st)
{
	struct v3_reader *r = st;

	pgs_buf_free(&r->doc);
	free(r);
}

const struct pgs_format pgs_fmt_nbastats_v3 = {
	.name = "nbastats-v3",
	.detect = v3_detect,
	.open = v3_open,
	.line = v3_line,
	.finish = v3_finish,
	.close = v3_close,
};
