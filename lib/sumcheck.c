/* sumcheck.c — the summary-row contract, checked in one place (see sumcheck.h). */
#include "sumcheck.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "dates.h"
#include "formulas.h"
#include "lines.h"
#include "minutes.h"
#include "names.h"
#include "ndjson.h"
#include "rawcheck.h"
#include "schema.h"
#include "teams.h"
#include "util.h"

/* preseason and all_star only with pgs-transform --keep-exhibition */
static const char *const game_types[] = { "regular", "play_in", "playoffs", "cup_knockout",
	"cup_final", "all_star", "preseason", NULL };
static const char *const statuses[] = { "active", "dnp", "inactive", NULL };
static const char *const dnp_categories[] = {
	"injury", "rest", "personal", "coach_decision", "suspension", "not_with_team", "other", NULL
};
static const char *const over_under[] = { "OVER", "UNDER", "PUSH", NULL };
static const char *const tiers[] = { "gold", "silver", NULL };
static const char *const registry_statuses[] = { "resolved", "alias", "new", "unresolved", NULL };

static const struct {
	const char *field;
	const char *const *set;
} enums[] = {
	{ "game_type", game_types },
	{ "player_status", statuses },
	{ "dnp_reason_category", dnp_categories },
	{ "over_under_result", over_under },
	{ "data_quality_tier", tiers },
	{ "registry_status", registry_statuses },
};

/* Bytes a text field may hold; the exactly-checked ones (ids, dates, enums) get the name bound first. */
static size_t
text_max(const char *field)
{
	if (strcmp(field, "player_lookup") == 0 || strcmp(field, "universal_player_id") == 0)
		return PGS_MAX_LOOKUP_BYTES;
	if (strcmp(field, "primary_source_used") == 0)
		return PGS_MAX_SOURCE_BYTES;
	if (strcmp(field, "points_line_source") == 0)
		return PGS_MAX_SOURCE_ID_BYTES;
	return PGS_MAX_NAME_BYTES;
}

static int
in_set(const char *s, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(s, *set) == 0)
			return 1;
	return 0;
}

/*
 * The row being checked: its value of each contract field, by schema index
 * (NULL when absent).  The checks name fields by string literal; get() finds
 * a literal's schema index once, remembered by the literal's address, so a
 * row costs no hash lookup per field (92 of them a row cost pgs-write a
 * tenth of its time).
 */
struct view {
	json_t *const *cols;
};

#define MAXFIELDS 128   /* at least pgs_summary_nfields (checked) */
#define MEMO 256        /* a power of two, well above the literals this file names */

static int
field_index(const char *name)
{
	static struct {
		const char *name;
		int pos;
	} memo[MEMO];
	size_t h = ((uintptr_t)name >> 3) & (MEMO - 1);
	const struct pgs_field *f;

	while (memo[h].name && memo[h].name != name)
		h = (h + 1) & (MEMO - 1);
	if (!memo[h].name) {
		f = pgs_field_find(pgs_summary_fields, pgs_summary_nfields, name);
		memo[h].name = name;
		memo[h].pos = f ? (int)(f - pgs_summary_fields) : -1;
	}
	return memo[h].pos;
}

static json_t *
get(const struct view *row, const char *name)
{
	int i = field_index(name);
	json_t *v = i < 0 ? NULL : row->cols[i];

	return json_is_null(v) ? NULL : v;
}

static const char *
str(const struct view *row, const char *name)
{
	return json_string_value(get(row, name));
}

/* Each contract field's text bound (text_max()) and count bounds, by schema index, worked out
 * once: looking them up by name cost pgs-write a strcmp walk per field per row. */
static size_t field_textmax[MAXFIELDS];
static long field_lo[MAXFIELDS], field_hi[MAXFIELDS];

static void
field_bounds(void)
{
	static int ready;
	size_t i;

	if (ready)
		return;
	for (i = 0; i < pgs_summary_nfields && i < MAXFIELDS; i++) {
		const char *name = pgs_summary_fields[i].name;

		field_textmax[i] = text_max(name);
		if (pgs_count_bounds(name, &field_lo[i], &field_hi[i]) == 0)
			continue;
		if (strcmp(name, "seconds_played") == 0) {
			field_lo[i] = 0;
			field_hi[i] = PGS_MAX_SECONDS;
		} else if (strcmp(name, "team_points") == 0 || strcmp(name, "opponent_points") == 0) {
			field_lo[i] = 0;
			field_hi[i] = PGS_MAX_TEAM_POINTS;
		} else {
			field_lo[i] = -2147483647L;   /* season_year: checked against game_date */
			field_hi[i] = 2147483647L;
		}
	}
	ready = 1;
}

/* Presence and JSON type of every contract field, text lengths, count bounds. */
static int
check_types(const struct view *row, char *why, size_t whylen)
{
	size_t i;

	field_bounds();
	for (i = 0; i < pgs_summary_nfields; i++) {
		const struct pgs_field *f = &pgs_summary_fields[i];
		json_t *v = json_is_null(row->cols[i]) ? NULL : row->cols[i];

		if (!v) {
			if (f->required)
				return pgs_fail(why, whylen, "missing %s", f->name);
			continue;
		}
		switch (f->type) {
		case PGS_T_TEXT:
		case PGS_T_DATE:
			if (pgs_check_text(v, f->name, field_textmax[i], why, whylen) < 0)
				return -1;
			if (f->required && json_string_length(v) == 0)
				return pgs_fail(why, whylen, "missing %s", f->name);
			break;
		case PGS_T_INT:
			if (pgs_check_count(v, f->name, field_lo[i], field_hi[i], why, whylen) < 0)
				return -1;
			break;
		case PGS_T_REAL:
			if (!json_is_number(v))
				return pgs_fail(why, whylen, "%s is not a number", f->name);
			break;
		case PGS_T_BOOL:
			if (!json_is_boolean(v))
				return pgs_fail(why, whylen, "%s is not a boolean", f->name);
			break;
		case PGS_T_JSON:
			if (!json_is_array(v))
				return pgs_fail(why, whylen, "%s is not an array", f->name);
			break;
		}
	}
	return 0;
}

/* Date, season, game type, teams and the game id they make. */
static int
check_game(const struct view *row, char *why, size_t whylen)
{
	const char *date = str(row, "game_date"), *team = str(row, "team_abbr");
	const char *opp = str(row, "opponent_team_abbr"), *gid = str(row, "game_id");
	json_t *home = get(row, "home_game");
	char as_away[32], as_home[32];
	long days;

	if (pgs_date_parse(date, &days) < 0)
		return pgs_fail(why, whylen, "bad game_date '%s'", date);
	if (json_integer_value(get(row, "season_year")) != pgs_season_year(days))
		return pgs_fail(why, whylen, "season_year %lld does not match game_date %s",
		    (long long)json_integer_value(get(row, "season_year")), date);
	if (!pgs_team_is_tricode(team))
		return pgs_fail(why, whylen, "team_abbr '%s' is not an NBA tricode", team);
	if (!pgs_team_is_tricode(opp))
		return pgs_fail(why, whylen, "opponent_team_abbr '%s' is not an NBA tricode", opp);
	if (strcmp(team, opp) == 0)
		return pgs_fail(why, whylen, "team and opponent are both %s", team);
	pgs_game_id(days, team, opp, as_away, sizeof(as_away));
	pgs_game_id(days, opp, team, as_home, sizeof(as_home));
	if (home ? strcmp(gid, json_is_true(home) ? as_home : as_away) != 0 :
	    strcmp(gid, as_home) != 0 && strcmp(gid, as_away) != 0)
		return pgs_fail(why, whylen, "game_id '%s' does not match date, teams and home_game "
		    "(want %s)", gid, home && json_is_false(home) ? as_away : as_home);
	if (!pgs_is_player_lookup(str(row, "player_lookup"), PGS_MAX_LOOKUP_BYTES))
		return pgs_fail(why, whylen, "player_lookup '%s' is not [a-z0-9]+", str(row, "player_lookup"));
	if (get(row, "universal_player_id") && json_string_length(get(row, "universal_player_id")) == 0)
		return pgs_fail(why, whylen, "universal_player_id is empty");
	return 0;
}

/* 1 when a number is within lo..hi. */
static int
between(json_t *v, double lo, double hi)
{
	double x = json_number_value(v);

	return x >= lo && x <= hi;
}

/* The box score: shooting, identities, time played, the percentages. */
static int
check_box(const struct view *row, char *why, size_t whylen)
{
	json_t *secs = get(row, "seconds_played"), *mins = get(row, "minutes_played"), *v;

	if (pgs_check_shooting(get(row, "fg_makes"), get(row, "fg_attempts"),
	    get(row, "three_pt_makes"), get(row, "three_pt_attempts"), get(row, "ft_makes"),
	    get(row, "ft_attempts"), why, whylen) < 0)
		return -1;
	if (pgs_check_totals(get(row, "points"), get(row, "fg_makes"), get(row, "three_pt_makes"),
	    get(row, "ft_makes"), get(row, "fg_attempts"), get(row, "ft_attempts"),
	    get(row, "offensive_rebounds"), get(row, "defensive_rebounds"), get(row, "total_rebounds"),
	    why, whylen) < 0)
		return -1;
	if (!secs != !mins)
		return pgs_fail(why, whylen, "minutes_played and seconds_played must both be null or neither");
	if (secs && fabs(json_number_value(mins) -
	    pgs_minutes_played((long)json_integer_value(secs))) > 1e-9)
		return pgs_fail(why, whylen, "minutes_played %g is not seconds_played %lld in minutes",
		    json_number_value(mins), (long long)json_integer_value(secs));
	/* (FGM + 0.5*3PM)/FGA <= 1.5 since 3PM <= FGM <= FGA; PTS/(2(FGA + 0.44*FTA)) <= 1.5 since
	 * PTS <= 3*FGA + FTA */
	if ((v = get(row, "efg_pct")) && !between(v, 0, 1.5))
		return pgs_fail(why, whylen, "efg_pct %g is out of range 0..1.5", json_number_value(v));
	if ((v = get(row, "ts_pct")) && !between(v, 0, 1.5))
		return pgs_fail(why, whylen, "ts_pct %g is out of range 0..1.5", json_number_value(v));
	if ((v = get(row, "usage_rate")) && !between(v, 0, PGS_MAX_USAGE_RATE))
		return pgs_fail(why, whylen, "usage_rate %g is out of range 0..%g", json_number_value(v),
		    PGS_MAX_USAGE_RATE);
	return 0;
}

/* The enums, and the flags that must agree with them or with the points. */
static int
check_flags(const struct view *row, char *why, size_t whylen)
{
	const char *status = str(row, "player_status");
	json_t *act = get(row, "is_active"), *dnp = get(row, "is_dnp"), *win = get(row, "win_flag");
	json_t *tp = get(row, "team_points"), *op = get(row, "opponent_points");
	size_t i;
	int active;

	for (i = 0; i < sizeof(enums) / sizeof(enums[0]); i++) {
		const char *s = str(row, enums[i].field);

		if (s && !in_set(s, enums[i].set))
			return pgs_fail(why, whylen, "bad %s '%.32s'", enums[i].field, s);
	}
	if (act && dnp && json_is_true(act) == json_is_true(dnp))
		return pgs_fail(why, whylen, "is_active and is_dnp are both %s", json_is_true(act) ? "true" : "false");
	if (status) {
		active = strcmp(status, "active") == 0;
		if ((act && json_is_true(act) != active) || (dnp && json_is_true(dnp) == active))
			return pgs_fail(why, whylen, "is_active/is_dnp do not match player_status '%s'", status);
		if (active && get(row, "dnp_reason_category"))
			return pgs_fail(why, whylen, "an active player has a dnp_reason_category");
	}
	if (win && tp && op && json_is_true(win) != (json_integer_value(tp) > json_integer_value(op)))
		return pgs_fail(why, whylen, "win_flag %s does not match team_points %lld vs %lld",
		    json_is_true(win) ? "true" : "false", (long long)json_integer_value(tp),
		    (long long)json_integer_value(op));
	return 0;
}

/* The props fields: a line, then a result and a margin that follow from it. */
static int
check_props(const struct view *row, char *why, size_t whylen)
{
	json_t *line = get(row, "points_line"), *pts = get(row, "points"), *margin = get(row, "margin");
	const char *ou = str(row, "over_under_result"), *want;
	double p, l;

	if (!line) {
		if (ou || margin || get(row, "points_line_source"))
			return pgs_fail(why, whylen, "props fields without a points_line");
		return 0;
	}
	if (!between(line, 0, PGS_MAX_POINTS_LINE))
		return pgs_fail(why, whylen, "points_line %g is out of range 0..%g", json_number_value(line),
		    PGS_MAX_POINTS_LINE);
	if (!pts) {
		if (ou || margin)
			return pgs_fail(why, whylen, "over_under_result or margin without points");
		return 0;
	}
	p = (double)json_integer_value(pts);
	l = json_number_value(line);
	want = p > l ? "OVER" : p < l ? "UNDER" : "PUSH";
	if (ou && strcmp(ou, want) != 0)
		return pgs_fail(why, whylen, "over_under_result %s, but points %g against line %g is %s",
		    ou, p, l, want);
	if (margin && fabs(json_number_value(margin) - pgs_round(p - l, 1)) > 1e-9)
		return pgs_fail(why, whylen, "margin %g is not points %g - line %g", json_number_value(margin),
		    p, l);
	return 0;
}

/* An array of at most PGS_MAX_LIST strings, each accepted by ok(). */
static int
check_list(const struct view *row, const char *name, int (*ok)(const char *), char *why, size_t whylen)
{
	json_t *a = get(row, name), *v;
	size_t i;

	if (!a)
		return 0;
	if (json_array_size(a) > PGS_MAX_LIST)
		return pgs_fail(why, whylen, "%s has %zu entries, more than %d", name, json_array_size(a),
		    PGS_MAX_LIST);
	json_array_foreach(a, i, v) {
		if (pgs_check_text(v, name, 32, why, whylen) < 0)
			return -1;
		if (!ok(json_string_value(v)))
			return pgs_fail(why, whylen, "bad %s entry '%s'", name, json_string_value(v));
	}
	return 0;
}

static int
is_issue_code(const char *s)
{
	return *s && strspn(s, "abcdefghijklmnopqrstuvwxyz_0123456789") == strlen(s);
}

/* Quality and lineage. */
static int
check_quality(const struct view *row, char *why, size_t whylen)
{
	const char *src = str(row, "primary_source_used"), *hash = str(row, "data_hash");
	const char *at = str(row, "processed_at");
	long long us;

	if (src && !pgs_is_source_name(src))
		return pgs_fail(why, whylen, "bad primary_source_used '%s'", src);
	if (check_list(row, "sources_seen", pgs_is_source_name, why, whylen) < 0 ||
	    check_list(row, "quality_issues", is_issue_code, why, whylen) < 0)
		return -1;
	if (hash && (strlen(hash) != 16 || strspn(hash, "0123456789abcdef") != 16))
		return pgs_fail(why, whylen, "bad data_hash '%.32s': want 16 hex digits", hash);
	if (at && (at[0] == '\0' || (at[strlen(at) - 1] != 'Z') || pgs_timestamp_parse(at, &us) < 0))
		return pgs_fail(why, whylen, "bad processed_at '%.40s': want YYYY-MM-DDTHH:MM:SSZ", at);
	return 0;
}

int
pgs_summary_check_cols(json_t *row, json_t *const *cols, char *why, size_t whylen)
{
	const struct view v = { cols };

	if (!json_is_object(row))
		return pgs_fail(why, whylen, "not a JSON object");
	if (pgs_summary_nfields > MAXFIELDS)
		return pgs_fail(why, whylen, "schema has more than %d fields", MAXFIELDS);
	if (check_types(&v, why, whylen) < 0 || check_game(&v, why, whylen) < 0 ||
	    check_box(&v, why, whylen) < 0 || check_flags(&v, why, whylen) < 0 ||
	    check_props(&v, why, whylen) < 0 || check_quality(&v, why, whylen) < 0)
		return -1;
	return 0;
}

int
pgs_summary_check(json_t *row, char *why, size_t whylen)
{
	json_t *cols[MAXFIELDS];

	if (!json_is_object(row))
		return pgs_fail(why, whylen, "not a JSON object");
	if (pgs_summary_nfields > MAXFIELDS)
		return pgs_fail(why, whylen, "schema has more than %d fields", MAXFIELDS);
	pgs_field_values(row, pgs_summary_fields, pgs_summary_nfields, NULL, cols);
	return pgs_summary_check_cols(row, cols, why, whylen);
}
