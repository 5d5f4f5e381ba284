/* rawcheck.c — the raw-row contract, checked in one place (see rawcheck.h). */
#include "rawcheck.h"

#include <limits.h>
#include <stdio.h>
#include <string.h>

#include "dates.h"
#include "minutes.h"
#include "names.h"
#include "schema.h"
#include "teams.h"
#include "util.h"

/* Field positions in pgs_raw_fields, found once by name so that schema.c
 * stays the only place that orders the fields. */
enum { F_GAME_ID, F_GAME_DATE, F_SEASON, F_GAME_TYPE, F_HOME, F_AWAY, F_TEAM, F_OPP,
	F_SOURCE, F_STATUS, F_MINUTES, F_PTS, F_FGM, F_FGA, F_3PM, F_3PA, F_FTM, F_FTA, F_OREB,
	F_DREB, F_TREB, F_NKNOWN };

static const char *const known_names[F_NKNOWN] = {
	"game_id", "game_date", "season_year", "game_type", "home_team_abbr",
	"away_team_abbr", "team_abbr", "opponent_team_abbr", "source", "player_status",
	"minutes", "points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts",
	"ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds", "total_rebounds",
};

/* "playin": how older pgs spelled play_in, still in stores' raw rows (pgs-transform normalizes it) */
static const char *const game_types[] = { "regular", "play_in", "playin", "playoffs", "cup_knockout",
	"cup_final", "all_star", "preseason", NULL };
static const char *const statuses[] = { "active", "dnp", "inactive", NULL };
static const char *const registry_statuses[] = { "resolved", "alias", "new", "unresolved", NULL };

/*
 * The counting stats' plausible range for one player in one game: about twice
 * the all-time single-game record (100 points, 55 rebounds, 30 assists, 17
 * blocks, 11 steals), so no real box score comes near a bound, while a count
 * near 2^63 (which overflows a team total) or seconds read as points does.
 * personal_fouls leaves room for the rule that keeps a player with six fouls
 * on the floor when no substitute is eligible.
 */
static const struct {
	const char *field;
	long lo, hi;
} count_bounds[] = {
	{ "points", 0, 200 },
	{ "fg_makes", 0, 100 },
	{ "fg_attempts", 0, 150 },
	{ "three_pt_makes", 0, 60 },
	{ "three_pt_attempts", 0, 100 },
	{ "ft_makes", 0, 60 },
	{ "ft_attempts", 0, 100 },
	{ "offensive_rebounds", 0, 60 },
	{ "defensive_rebounds", 0, 80 },
	{ "total_rebounds", 0, 120 },
	{ "assists", 0, 60 },
	{ "steals", 0, 30 },
	{ "blocks", 0, 40 },
	{ "turnovers", 0, 40 },
	{ "personal_fouls", 0, 20 },
	{ "plus_minus", -150, 150 },
};

int
pgs_count_bounds(const char *field, long *lo, long *hi)
{
	size_t i;

	for (i = 0; i < sizeof(count_bounds) / sizeof(count_bounds[0]); i++)
		if (strcmp(count_bounds[i].field, field) == 0) {
			*lo = count_bounds[i].lo;
			*hi = count_bounds[i].hi;
			return 0;
		}
	return -1;
}

/* The longest text a raw field may hold, in bytes. */
static size_t
text_max(const char *field)
{
	if (strcmp(field, "source") == 0)
		return PGS_MAX_SOURCE_BYTES;
	if (strcmp(field, "source_game_id") == 0 || strcmp(field, "source_player_id") == 0)
		return PGS_MAX_SOURCE_ID_BYTES;
	if (strcmp(field, "minutes") == 0)
		return PGS_MAX_MINUTES_BYTES;
	/* names and reasons; ids, dates, codes and enums are then checked exactly */
	return PGS_MAX_NAME_BYTES;
}

#define MAXFIELDS 64
static size_t known_idx[F_NKNOWN];
static long field_lo[MAXFIELDS], field_hi[MAXFIELDS];   /* integer fields */
static size_t field_textmax[MAXFIELDS];                 /* text fields */
static int known_ready;

static void
find_known(void)
{
	size_t i, k;

	for (k = 0; k < F_NKNOWN; k++)
		for (i = 0; i < pgs_raw_nfields; i++)
			if (strcmp(pgs_raw_fields[i].name, known_names[k]) == 0)
				known_idx[k] = i;
	for (i = 0; i < pgs_raw_nfields && i < MAXFIELDS; i++) {
		if (pgs_count_bounds(pgs_raw_fields[i].name, &field_lo[i], &field_hi[i]) < 0) {
			field_lo[i] = LONG_MIN;   /* season_year: checked against game_date */
			field_hi[i] = LONG_MAX;
		}
		field_textmax[i] = text_max(pgs_raw_fields[i].name);
	}
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

int
pgs_check_text(json_t *v, const char *name, size_t max, char *why, size_t whylen)
{
	size_t n;

	if (!json_is_string(v))
		return pgs_fail(why, whylen, "%s is not a string", name);
	n = json_string_length(v);
	/* jansson keeps "\u0000": C code would see the text cut short there */
	if (n != strlen(json_string_value(v)))
		return pgs_fail(why, whylen, "%s has a NUL character", name);
	if (n > max)
		return pgs_fail(why, whylen, "%s is %zu bytes, more than %zu", name, n, max);
	return 0;
}

int
pgs_is_source_name(const char *s)
{
	size_t n;

	if (!s || !*s)
		return 0;
	for (n = 0; s[n]; n++)
		if (n >= PGS_MAX_SOURCE_BYTES || !((s[n] >= 'a' && s[n] <= 'z') ||
		    (s[n] >= '0' && s[n] <= '9') || s[n] == '_' || s[n] == '-'))
			return 0;
	return 1;
}

int
pgs_check_count(json_t *v, const char *name, long lo, long hi, char *why, size_t whylen)
{
	json_int_t x;

	if (!json_is_integer(v))
		return pgs_fail(why, whylen, "%s is not an integer", name);
	x = json_integer_value(v);
	if (x < 0 && lo == 0)
		return pgs_fail(why, whylen, "negative %s %lld", name, (long long)x);
	if (x < lo || x > hi)
		return pgs_fail(why, whylen, "%s %lld is out of range %ld..%ld", name, (long long)x,
		    lo, hi);
	return 0;
}

/* Types, presence, lengths and bounds of every contract field; fills v[] in field order. */
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
			if (pgs_check_text(x, f->name, field_textmax[i], why, whylen) < 0)
				return -1;
			if (f->required && json_string_length(x) == 0)
				return pgs_fail(why, whylen, "missing %s", f->name);
			break;
		case PGS_T_INT:
			if (pgs_check_count(x, f->name, field_lo[i], field_hi[i], why, whylen) < 0)
				return -1;
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
		if (!pgs_team_is_tricode(code))
			return pgs_fail(why, whylen, "%s '%s' is not an NBA tricode",
			    pgs_raw_fields[known_idx[team_fields[i]]].name, code);
	}
	if (strcmp(home, away) == 0)
		return pgs_fail(why, whylen, "home and away team are both %s", home);
	if (!((strcmp(team, home) == 0 && strcmp(opp, away) == 0) ||
	    (strcmp(team, away) == 0 && strcmp(opp, home) == 0)))
		return pgs_fail(why, whylen, "team %s vs %s is not the game %s at %s", team, opp, away, home);
	/* pgs_game_id()'s YYYYMMDD_AWAY_HOME: date and codes are checked */
	pgs_game_id_spell(date, away, home, want);
	gid = str(v, F_GAME_ID);
	if (strcmp(gid, want) != 0)
		return pgs_fail(why, whylen, "game_id '%s' does not match date and teams (want %s)", gid, want);
	return 0;
}

int
pgs_check_shooting(json_t *fgm, json_t *fga, json_t *fg3m, json_t *fg3a, json_t *ftm, json_t *fta,
    char *why, size_t whylen)
{
	const struct {
		json_t *a, *b;
		const char *an, *bn;
	} pairs[] = {
		{ fgm, fga, "fg_makes", "fg_attempts" },
		{ fg3m, fg3a, "three_pt_makes", "three_pt_attempts" },
		{ fg3m, fgm, "three_pt_makes", "fg_makes" },
		{ ftm, fta, "ft_makes", "ft_attempts" },
	};
	size_t i;

	for (i = 0; i < sizeof(pairs) / sizeof(pairs[0]); i++) {
		json_t *a = pairs[i].a, *b = pairs[i].b;

		if (json_is_integer(a) && json_is_integer(b) && json_integer_value(a) > json_integer_value(b))
			return pgs_fail(why, whylen, "%s %lld > %s %lld",
			    pairs[i].an, (long long)json_integer_value(a),
			    pairs[i].bn, (long long)json_integer_value(b));
	}
	return 0;
}

int
pgs_check_totals(json_t *pts, json_t *fgm, json_t *fg3m, json_t *ftm, json_t *fga, json_t *fta,
    json_t *oreb, json_t *dreb, json_t *treb, char *why, size_t whylen)
{
	long long want;

	/* at most 3 points an attempt from the field and 1 a free throw, whatever else is missing */
	if (json_is_integer(pts) && json_is_integer(fga) && json_is_integer(fta)) {
		want = 3 * json_integer_value(fga) + json_integer_value(fta);
		if (json_integer_value(pts) > want)
			return pgs_fail(why, whylen, "points %lld is more than 3*fg_attempts + ft_attempts = %lld",
			    (long long)json_integer_value(pts), want);
	}

	/* a two is 2 points, a three 3 (a make and a three), a free throw 1 */
	if (json_is_integer(pts) && json_is_integer(fgm) && json_is_integer(fg3m) && json_is_integer(ftm)) {
		want = 2 * json_integer_value(fgm) + json_integer_value(fg3m) + json_integer_value(ftm);
		if (json_integer_value(pts) != want)
			return pgs_fail(why, whylen, "points %lld is not 2*fg_makes + three_pt_makes + "
			    "ft_makes = %lld", (long long)json_integer_value(pts), want);
	}
	if (json_is_integer(oreb) && json_is_integer(dreb) && json_is_integer(treb)) {
		want = json_integer_value(oreb) + json_integer_value(dreb);
		if (json_integer_value(treb) != want)
			return pgs_fail(why, whylen, "total_rebounds %lld is not offensive + defensive = %lld",
			    (long long)json_integer_value(treb), want);
	}
	return 0;
}

/*
 * A name every later stage can key on: without pgs-resolve's player_lookup,
 * pgs-resolve and pgs-transform make one from it, so it must normalize to
 * something ("---" does not) and be valid UTF-8.
 */
static int
check_name(json_t *row, const char *name, char *why, size_t whylen)
{
	char buf[PGS_MAX_LOOKUP_BYTES + 1];
	json_t *lk = json_object_get(row, "player_lookup");
	const char *p;
	int alnum = 0;

	if (lk && !json_is_null(lk))
		return 0;
	/* fast path, most names: plain ASCII with a letter or digit normalizes to those */
	for (p = name; *p && !(*p & 0x80); p++)
		alnum |= (*p >= 'a' && *p <= 'z') || (*p >= 'A' && *p <= 'Z') || (*p >= '0' && *p <= '9');
	if (!*p && alnum)
		return 0;
	if (pgs_player_lookup(name, buf, sizeof(buf)) <= 0)
		return pgs_fail(why, whylen, "cannot normalize player name '%s'", name);
	return 0;
}

/* player_lookup, universal_player_id, registry_status: pgs-resolve's, when there. */
static int
check_resolved(json_t *row, char *why, size_t whylen)
{
	json_t *lk = json_object_get(row, "player_lookup");
	json_t *uid = json_object_get(row, "universal_player_id");
	json_t *reg = json_object_get(row, "registry_status");

	if (lk && !json_is_null(lk)) {
		if (pgs_check_text(lk, "player_lookup", PGS_MAX_LOOKUP_BYTES, why, whylen) < 0)
			return -1;
		if (!pgs_is_player_lookup(json_string_value(lk), PGS_MAX_LOOKUP_BYTES))
			return pgs_fail(why, whylen, "player_lookup '%s' is not [a-z0-9]+",
			    json_string_value(lk));
	}
	if (uid && !json_is_null(uid)) {
		if (pgs_check_text(uid, "universal_player_id", PGS_MAX_LOOKUP_BYTES, why, whylen) < 0)
			return -1;
		if (json_string_length(uid) == 0)
			return pgs_fail(why, whylen, "universal_player_id is empty");
	}
	if (reg && !json_is_null(reg)) {
		if (!json_is_string(reg))
			return pgs_fail(why, whylen, "registry_status is not a string");
		if (!one_of(json_string_value(reg), registry_statuses))
			return pgs_fail(why, whylen, "bad registry_status '%.32s'", json_string_value(reg));
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
	if (!pgs_is_source_name(str(v, F_SOURCE)))
		return pgs_fail(why, whylen, "bad source '%s': want a short name of [a-z0-9_-]",
		    str(v, F_SOURCE));
	if (!one_of(str(v, F_STATUS), statuses))
		return pgs_fail(why, whylen, "bad player_status '%s'", str(v, F_STATUS));
	if (check_name(row, json_string_value(json_object_get(row, "player_name")), why, whylen) < 0)
		return -1;
	s = str(v, F_MINUTES);
	switch (pgs_parse_minutes(s, &secs)) {
	case PGS_MIN_BAD:
		return pgs_fail(why, whylen, "bad minutes '%s'", s);
	case PGS_MIN_OK:
		if (secs > PGS_MAX_SECONDS)
			return pgs_fail(why, whylen, "minutes '%s' are more than %ld:00", s,
			    PGS_MAX_SECONDS / 60);
		break;
	default:
		break;
	}
	if (pgs_check_shooting(v[known_idx[F_FGM]], v[known_idx[F_FGA]], v[known_idx[F_3PM]],
	    v[known_idx[F_3PA]], v[known_idx[F_FTM]], v[known_idx[F_FTA]], why, whylen) < 0)
		return -1;
	if (pgs_check_totals(v[known_idx[F_PTS]], v[known_idx[F_FGM]], v[known_idx[F_3PM]],
	    v[known_idx[F_FTM]], v[known_idx[F_FGA]], v[known_idx[F_FTA]], v[known_idx[F_OREB]],
	    v[known_idx[F_DREB]], v[known_idx[F_TREB]], why, whylen) < 0)
		return -1;
	return check_resolved(row, why, whylen);
}
