/* rawcheck.c — the raw-row contract, checked in one place (see rawcheck.h). */
#include "rawcheck.h"

#include <stdio.h>
#include <string.h>

#include "dates.h"
#include "minutes.h"
#include "schema.h"
#include "teams.h"
#include "util.h"

/* Field positions in pgs_raw_fields, found once by name so that schema.c
 * stays the only place that orders the fields. */
enum { F_GAME_ID, F_GAME_DATE, F_SEASON, F_GAME_TYPE, F_HOME, F_AWAY, F_TEAM, F_OPP,
	F_STATUS, F_MINUTES, F_FGM, F_FGA, F_3PM, F_3PA, F_FTM, F_FTA, F_PM, F_NKNOWN };

static const char *const known_names[F_NKNOWN] = {
	"game_id", "game_date", "season_year", "game_type", "home_team_abbr",
	"away_team_abbr", "team_abbr", "opponent_team_abbr", "player_status", "minutes",
	"fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts", "ft_makes",
	"ft_attempts", "plus_minus",
};

#define MAXFIELDS 64
static size_t known_idx[F_NKNOWN];
static int known_ready;

static void
find_known(void)
{
	size_t i, k;

	for (k = 0; k < F_NKNOWN; k++)
		for (i = 0; i < pgs_raw_nfields; i++)
			if (strcmp(pgs_raw_fields[i].name, known_names[k]) == 0)
				known_idx[k] = i;
	known_ready = 1;
}

static const char *
one_of(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return *set;
	return NULL;
}

static const char *const game_types[] = { "regular", "playin", "playoffs", "cup_final", NULL };
static const char *const statuses[] = { "active", "dnp", "inactive", NULL };

/* Types, presence and sign of every contract field; fills v[] in field order. */
static int
check_fields(json_t *row, json_t **v, char *why, size_t whylen)
{
	void *it = json_object_iter(row);
	json_t *x;
	size_t i;

	for (i = 0; i < pgs_raw_nfields; i++) {
		const struct pgs_field *f = &pgs_raw_fields[i];

		/* rows usually carry the fields in contract order: walk instead of hashing */
		if (it && strcmp(json_object_iter_key(it), f->name) == 0) {
			x = json_object_iter_value(it);
			it = json_object_iter_next(row, it);
		} else {
			x = json_object_get(row, f->name);
			it = NULL;
		}

		v[i] = json_is_null(x) ? NULL : x;
		if (!v[i]) {
			if (f->required)
				return pgs_fail(why, whylen, "missing %s", f->name);
			continue;
		}
		switch (f->type) {
		case PGS_T_TEXT:
		case PGS_T_DATE:
			if (!json_is_string(x))
				return pgs_fail(why, whylen, "%s is not a string", f->name);
			if (f->required && json_string_length(x) == 0)
				return pgs_fail(why, whylen, "missing %s", f->name);
			break;
		case PGS_T_INT:
			if (!json_is_integer(x))
				return pgs_fail(why, whylen, "%s is not an integer", f->name);
			if (i != known_idx[F_PM] && json_integer_value(x) < 0)
				return pgs_fail(why, whylen, "negative %s %lld", f->name,
				    (long long)json_integer_value(x));
			break;
		case PGS_T_BOOL:
			if (!json_is_boolean(x))
				return pgs_fail(why, whylen, "%s is not a boolean", f->name);
			break;
		default:
			break;
		}
	}
	return 0;
}

/*
 * 1 when code is a current NBA tricode (BKN, not BRK or bkn).  The answer for
 * every three-letter code is computed once from pgs_team_tricode(): this
 * check runs four times per row on millions of rows.
 */
static int
is_tricode(const char *code)
{
	static unsigned char canon[26 * 26 * 26];
	static int ready;
	char c[4] = { 0 };
	const char *t;
	int i;

	if (!ready) {
		for (i = 0; i < 26 * 26 * 26; i++) {
			c[0] = (char)('A' + i / 676);
			c[1] = (char)('A' + i / 26 % 26);
			c[2] = (char)('A' + i % 26);
			t = pgs_team_tricode(c);
			canon[i] = t && strcmp(t, c) == 0;
		}
		ready = 1;
	}
	for (i = 0; i < 3; i++)
		if (code[i] < 'A' || code[i] > 'Z')
			return 0;
	if (code[3] != '\0')
		return 0;
	return canon[(code[0] - 'A') * 676 + (code[1] - 'A') * 26 + (code[2] - 'A')];
}

static const char *
str(json_t **v, int k)
{
	return json_string_value(v[known_idx[k]]);
}

static int
check_teams(json_t **v, char *why, size_t whylen)
{
	static const int team_fields[] = { F_HOME, F_AWAY, F_TEAM, F_OPP };
	const char *home = str(v, F_HOME), *away = str(v, F_AWAY);
	const char *team = str(v, F_TEAM), *opp = str(v, F_OPP), *gid;
	const char *date = str(v, F_GAME_DATE);
	char want[32];
	size_t i;

	for (i = 0; i < sizeof(team_fields) / sizeof(team_fields[0]); i++) {
		const char *code = str(v, team_fields[i]);

		/* the contract wants NBA tricodes: BRK is known but not canonical */
		if (!is_tricode(code))
			return pgs_fail(why, whylen, "%s '%s' is not an NBA tricode",
			    pgs_raw_fields[known_idx[team_fields[i]]].name, code);
	}
	if (strcmp(home, away) == 0)
		return pgs_fail(why, whylen, "home and away team are both %s", home);
	if (!((strcmp(team, home) == 0 && strcmp(opp, away) == 0) ||
	    (strcmp(team, away) == 0 && strcmp(opp, home) == 0)))
		return pgs_fail(why, whylen, "team %s vs %s is not the game %s at %s", team, opp, away, home);
	/* pgs_game_id()'s YYYYMMDD_AWAY_HOME, spelled out: date and codes are checked */
	memcpy(want, date, 4);
	memcpy(want + 4, date + 5, 2);
	memcpy(want + 6, date + 8, 2);
	want[8] = '_';
	memcpy(want + 9, away, 3);
	want[12] = '_';
	memcpy(want + 13, home, 3);
	want[16] = '\0';
	gid = str(v, F_GAME_ID);
	if (strcmp(gid, want) != 0)
		return pgs_fail(why, whylen, "game_id '%s' does not match date and teams (want %s)", gid, want);
	return 0;
}

static int
check_shooting(json_t **v, char *why, size_t whylen)
{
	static const int pairs[][2] = {
		{ F_FGM, F_FGA }, { F_3PM, F_3PA }, { F_3PM, F_FGM }, { F_FTM, F_FTA },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		json_t *a = v[known_idx[pairs[i][0]]], *b = v[known_idx[pairs[i][1]]];

		if (a && b && json_integer_value(a) > json_integer_value(b))
			return pgs_fail(why, whylen, "%s %lld > %s %lld",
			    known_names[pairs[i][0]], (long long)json_integer_value(a),
			    known_names[pairs[i][1]], (long long)json_integer_value(b));
	}
	return 0;
}

int
pgs_raw_check(json_t *row, long *days, char *why, size_t whylen)
{
	json_t *v[MAXFIELDS];
	const char *s;
	long d, secs;

	if (!known_ready)
		find_known();
	if (!json_is_object(row))
		return pgs_fail(why, whylen, "not a JSON object");
	/* the date first, so the caller can filter by it even when the row is bad */
	s = json_string_value(json_object_get(row, "game_date"));
	if (s && pgs_date_parse(s, &d) == 0 && days)
		*days = d;
	if (pgs_raw_nfields > MAXFIELDS)
		return pgs_fail(why, whylen, "internal error: too many raw fields");
	if (check_fields(row, v, why, whylen) < 0)
		return -1;
	s = str(v, F_GAME_DATE);
	if (pgs_date_parse(s, &d) < 0)
		return pgs_fail(why, whylen, "bad game_date '%s'", s);
	if (json_integer_value(v[known_idx[F_SEASON]]) != pgs_season_year(d))
		return pgs_fail(why, whylen, "season_year %lld does not match game_date %s",
		    (long long)json_integer_value(v[known_idx[F_SEASON]]), s);
	if (!one_of(str(v, F_GAME_TYPE), game_types))
		return pgs_fail(why, whylen, "bad game_type '%s'", str(v, F_GAME_TYPE));
	if (check_teams(v, why, whylen) < 0)
		return -1;
	if (!one_of(str(v, F_STATUS), statuses))
		return pgs_fail(why, whylen, "bad player_status '%s'", str(v, F_STATUS));
	s = str(v, F_MINUTES);
	if (s && pgs_parse_minutes(s, &secs) == PGS_MIN_BAD)
		return pgs_fail(why, whylen, "bad minutes '%s'", s);
	return check_shooting(v, why, whylen);
}
