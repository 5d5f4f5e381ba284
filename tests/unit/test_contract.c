/* test_contract.c — table-driven unit tests of the row contracts: pgs_raw_check, pgs_summary_check. */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "contract.h"
#include "csv.h"
#include "names.h"
#include "rawcheck.h"
#include "sumcheck.h"
#include "teams.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* A valid raw row and a valid summary row (pgs-transform's output for it, with a points line). */
static const char raw_base[] =
    "{\"game_id\":\"20240110_BOS_NYK\",\"game_date\":\"2024-01-10\",\"season_year\":2023,"
    "\"game_type\":\"regular\",\"home_team_abbr\":\"NYK\",\"away_team_abbr\":\"BOS\","
    "\"team_abbr\":\"BOS\",\"opponent_team_abbr\":\"NYK\",\"source\":\"bbref\","
    "\"source_game_id\":null,\"source_player_id\":null,\"player_name\":\"Jayson Tatum\","
    "\"player_status\":\"active\",\"dnp_reason\":null,\"starter\":true,\"minutes\":\"40:00\","
    "\"points\":30,\"fg_makes\":10,\"fg_attempts\":20,\"three_pt_makes\":4,\"three_pt_attempts\":9,"
    "\"ft_makes\":6,\"ft_attempts\":7,\"offensive_rebounds\":1,\"defensive_rebounds\":4,"
    "\"total_rebounds\":5,\"assists\":3,\"steals\":1,\"blocks\":0,\"turnovers\":3,"
    "\"personal_fouls\":2,\"plus_minus\":8}";

static const char sum_base[] =
    "{\"player_lookup\":\"jaysontatum\",\"universal_player_id\":\"jaysontatum_001\","
    "\"player_full_name\":\"Jayson Tatum\",\"game_id\":\"20240110_BOS_NYK\","
    "\"game_date\":\"2024-01-10\",\"season_year\":2023,\"game_type\":\"regular\","
    "\"team_abbr\":\"BOS\",\"opponent_team_abbr\":\"NYK\",\"home_game\":false,\"points\":30,"
    "\"minutes_played\":40.0,\"seconds_played\":2400,\"fg_makes\":10,\"fg_attempts\":20,"
    "\"three_pt_makes\":4,\"three_pt_attempts\":9,\"ft_makes\":6,\"ft_attempts\":7,"
    "\"offensive_rebounds\":1,\"defensive_rebounds\":4,\"total_rebounds\":5,\"assists\":3,"
    "\"steals\":1,\"blocks\":0,\"turnovers\":3,\"personal_fouls\":2,\"plus_minus\":8,"
    "\"efg_pct\":0.6,\"ts_pct\":0.65,\"usage_rate\":38.2,\"is_active\":true,"
    "\"player_status\":\"active\",\"is_dnp\":false,\"dnp_reason\":null,"
    "\"dnp_reason_category\":null,\"starter_flag\":true,\"win_flag\":true,\"team_points\":86,"
    "\"opponent_points\":82,\"points_line\":29.5,\"points_line_source\":\"draftkings\","
    "\"over_under_result\":\"OVER\",\"margin\":0.5,\"primary_source_used\":\"bbref\","
    "\"sources_seen\":[\"bbref\"],\"data_quality_tier\":\"gold\",\"quality_issues\":[],"
    "\"registry_status\":\"resolved\",\"data_hash\":\"c09c17232d8cc8d9\","
    "\"processed_at\":\"2024-01-01T00:00:00Z\",\"bbref_player_id\":\"tatumja01\"}";

static int t_passed, t_failed;

static void
t_ok(int ok)
{
	if (ok)
		t_passed++;
	else
		t_failed++;
}

/* One check that prints its own line when it fails. */
#define T(expr) do { int ok_ = !!(expr); t_ok(ok_); \
	if (!ok_) printf("FAIL %s:%d: %s\n", __FILE__, __LINE__, #expr); } while (0)

/*
 * base with patch (a JSON object) merged in, a key mapped to the string
 * "DEL" deleted; then check: want NULL means valid, else the reason starts
 * with want.
 */
static void
check_case(int line, const char *base, const char *patch, int summary, const char *want)
{
	json_t *row = json_loads(base, 0, NULL), *p = json_loads(patch, 0, NULL), *v;
	const char *k;
	char why[256] = "";
	int r;

	if (!row || !p) {
		printf("FAIL %s:%d: test bug: bad JSON in the case\n", __FILE__, line);
		t_ok(0);
		goto out;
	}
	json_object_foreach(p, k, v) {
		if (json_is_string(v) && strcmp(json_string_value(v), "DEL") == 0)
			json_object_del(row, k);
		else
			json_object_set(row, k, v);
	}
	r = summary ? pgs_summary_check(row, why, sizeof(why)) : pgs_raw_check(row, NULL, why, sizeof(why));
	if (!want) {
		t_ok(r == 0);
		if (r != 0)
			printf("FAIL %s:%d: %s rejected: %s\n", __FILE__, line, patch, why);
	} else {
		int ok = r < 0 && strncmp(why, want, strlen(want)) == 0;

		t_ok(ok);
		if (!ok)
			printf("FAIL %s:%d: %s: got %s '%s', want '%s'\n", __FILE__, line, patch,
			    r < 0 ? "reject" : "accepted", why, want);
	}
out:
	json_decref(row);
	json_decref(p);
}

static const struct {
	int line;
	const char *patch, *want;   /* want NULL: accepted */
} raw_cases[] = {
	{ __LINE__, "{}", NULL },
	{ __LINE__, "{\"points\":null,\"minutes\":null}", NULL },
	/* bounds: the edge is in, one past it out */
	{ __LINE__, "{\"assists\":60}", NULL },
	{ __LINE__, "{\"assists\":61}", "assists 61 is out of range 0..60" },
	{ __LINE__, "{\"plus_minus\":-150}", NULL },
	{ __LINE__, "{\"plus_minus\":151}", "plus_minus 151 is out of range -150..150" },
	{ __LINE__, "{\"points\":9223372036854775807}", "points 9223372036854775807 is out of range" },
	{ __LINE__, "{\"steals\":-1}", "negative steals -1" },
	{ __LINE__, "{\"minutes\":\"90:00\"}", NULL },
	{ __LINE__, "{\"minutes\":\"90:01\"}", "minutes '90:01' are more than 90:00" },
	{ __LINE__, "{\"minutes\":\"PT1H30M0.4S\"}", NULL },
	{ __LINE__, "{\"minutes\":\"PT1H30M0.5S\"}", "minutes 'PT1H30M0.5S' are more than 90:00" },
	{ __LINE__, "{\"minutes\":\"3a:10\"}", "bad minutes '3a:10'" },
	/* shooting and the identities */
	{ __LINE__, "{\"three_pt_makes\":11,\"three_pt_attempts\":12}", "three_pt_makes 11 > fg_makes 10" },
	{ __LINE__, "{\"fg_attempts\":9}", "fg_makes 10 > fg_attempts 9" },
	{ __LINE__, "{\"points\":29}", "points 29 is not 2*fg_makes + three_pt_makes + ft_makes = 30" },
	{ __LINE__, "{\"points\":29,\"ft_makes\":null}", NULL },
	{ __LINE__, "{\"points\":67,\"fg_makes\":null}", NULL },
	{ __LINE__, "{\"points\":68,\"fg_makes\":null}", "points 68 is more than 3*fg_attempts + ft_attempts = 67" },
	{ __LINE__, "{\"points\":31,\"fg_makes\":null,\"fg_attempts\":1,\"ft_attempts\":11}", "points 31 is more than 3*fg_attempts + ft_attempts = 14" },
	{ __LINE__, "{\"total_rebounds\":4}", "total_rebounds 4 is not offensive + defensive = 5" },
	/* text */
	{ __LINE__, "{\"source\":\"Bbref\"}", "bad source 'Bbref'" },
	{ __LINE__, "{\"source\":\"my-source_2\"}", NULL },
	{ __LINE__, "{\"source\":\"aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\"}", "source is 33 bytes, more than 32" },
	{ __LINE__, "{\"player_name\":\"\"}", "missing player_name" },
	{ __LINE__, "{\"player_name\":7}", "player_name is not a string" },
	{ __LINE__, "{\"player_name\":\"DEL\"}", "missing player_name" },
	{ __LINE__, "{\"player_name\":\"---\"}", "cannot normalize player name '---'" },
	{ __LINE__, "{\"player_name\":\"\u00e9\"}", NULL },
	{ __LINE__, "{\"player_name\":\"\u2014\"}", "cannot normalize player name" },
	{ __LINE__, "{\"player_name\":\"---\",\"player_lookup\":\"x\"}", NULL },
	/* pgs-resolve's fields */
	{ __LINE__, "{\"player_lookup\":\"jaysontatum\",\"universal_player_id\":\"jaysontatum_001\","
	    "\"registry_status\":\"alias\"}", NULL },
	{ __LINE__, "{\"player_lookup\":\"Jayson\"}", "player_lookup 'Jayson' is not [a-z0-9]+" },
	{ __LINE__, "{\"player_lookup\":\"\"}", "player_lookup '' is not [a-z0-9]+" },
	{ __LINE__, "{\"universal_player_id\":3}", "universal_player_id is not a string" },
	{ __LINE__, "{\"registry_status\":\"sure\"}", "bad registry_status 'sure'" },
	/* the game */
	{ __LINE__, "{\"game_id\":\"20240110_NYK_BOS\"}", "game_id '20240110_NYK_BOS' does not match" },
	{ __LINE__, "{\"season_year\":2024}", "season_year 2024 does not match game_date 2024-01-10" },
	{ __LINE__, "{\"team_abbr\":\"BRK\"}", "team_abbr 'BRK' is not an NBA tricode" },
};

static const struct {
	int line;
	const char *patch, *want;
} sum_cases[] = {
	{ __LINE__, "{}", NULL },
	/* a DNP row: nulls throughout, a category */
	{ __LINE__, "{\"points\":null,\"minutes_played\":null,\"seconds_played\":null,\"efg_pct\":null,"
	    "\"is_active\":false,\"is_dnp\":true,\"player_status\":\"dnp\",\"dnp_reason\":\"Did Not Play\","
	    "\"dnp_reason_category\":\"coach_decision\",\"points_line\":null,\"points_line_source\":null,"
	    "\"over_under_result\":null,\"margin\":null}", NULL },
	/* required fields, types */
	{ __LINE__, "{\"game_id\":null}", "missing game_id" },
	{ __LINE__, "{\"player_lookup\":\"DEL\"}", "missing player_lookup" },
	{ __LINE__, "{\"player_full_name\":\"\"}", "missing player_full_name" },
	{ __LINE__, "{\"points\":\"30\"}", "points is not an integer" },
	{ __LINE__, "{\"minutes_played\":\"40\"}", "minutes_played is not a number" },
	{ __LINE__, "{\"minutes_played\":40}", NULL },
	{ __LINE__, "{\"home_game\":0}", "home_game is not a boolean" },
	{ __LINE__, "{\"sources_seen\":\"bbref\"}", "sources_seen is not an array" },
	/* the key and the game */
	{ __LINE__, "{\"player_lookup\":\"Jayson Tatum\"}", "player_lookup 'Jayson Tatum' is not [a-z0-9]+" },
	{ __LINE__, "{\"universal_player_id\":\"\"}", "universal_player_id is empty" },
	{ __LINE__, "{\"game_date\":\"2024-02-30\"}", "bad game_date '2024-02-30'" },
	{ __LINE__, "{\"season_year\":2024}", "season_year 2024 does not match" },
	{ __LINE__, "{\"game_type\":\"exhibition\"}", "bad game_type 'exhibition'" },
	{ __LINE__, "{\"game_type\":\"playin\"}", "bad game_type 'playin'" },
	{ __LINE__, "{\"game_type\":\"cup_knockout\"}", NULL },
	{ __LINE__, "{\"game_type\":\"preseason\"}", NULL },
	{ __LINE__, "{\"team_abbr\":\"bos\"}", "team_abbr 'bos' is not an NBA tricode" },
	{ __LINE__, "{\"opponent_team_abbr\":\"BOS\"}", "team and opponent are both BOS" },
	{ __LINE__, "{\"home_game\":true}", "game_id '20240110_BOS_NYK' does not match date, teams and home_game (want 20240110_NYK_BOS)" },
	{ __LINE__, "{\"home_game\":null}", NULL },
	{ __LINE__, "{\"game_id\":\"20240111_BOS_NYK\",\"home_game\":null}", "game_id '20240111_BOS_NYK' does not match" },
	/* counts */
	{ __LINE__, "{\"blocks\":-1}", "negative blocks -1" },
	{ __LINE__, "{\"blocks\":41}", "blocks 41 is out of range 0..40" },
	{ __LINE__, "{\"three_pt_makes\":11,\"three_pt_attempts\":12,\"points\":37}", "three_pt_makes 11 > fg_makes 10" },
	{ __LINE__, "{\"ft_attempts\":5}", "ft_makes 6 > ft_attempts 5" },
	{ __LINE__, "{\"points\":31}", "points 31 is not 2*fg_makes" },
	{ __LINE__, "{\"total_rebounds\":6}", "total_rebounds 6 is not offensive + defensive = 5" },
	{ __LINE__, "{\"team_points\":401}", "team_points 401 is out of range 0..400" },
	{ __LINE__, "{\"opponent_points\":-1}", "negative opponent_points -1" },
	/* time played */
	{ __LINE__, "{\"seconds_played\":-1}", "negative seconds_played -1" },
	{ __LINE__, "{\"seconds_played\":5401,\"minutes_played\":90.0}", "seconds_played 5401 is out of range 0..5400" },
	{ __LINE__, "{\"seconds_played\":5400,\"minutes_played\":90.0}", NULL },
	{ __LINE__, "{\"minutes_played\":40.1}", "minutes_played 40.1 is not seconds_played 2400 in minutes" },
	{ __LINE__, "{\"minutes_played\":null}", "minutes_played and seconds_played must both be null or neither" },
	{ __LINE__, "{\"seconds_played\":2403,\"minutes_played\":40.1}", NULL },
	/* percentages */
	{ __LINE__, "{\"efg_pct\":1.5}", NULL },
	{ __LINE__, "{\"efg_pct\":1.501}", "efg_pct 1.501 is out of range 0..1.5" },
	{ __LINE__, "{\"ts_pct\":-0.1}", "ts_pct -0.1 is out of range 0..1.5" },
	{ __LINE__, "{\"usage_rate\":1196.8}", NULL },
	{ __LINE__, "{\"usage_rate\":-1}", "usage_rate -1 is out of range" },
	/* enums and flags */
	{ __LINE__, "{\"player_status\":\"benched\"}", "bad player_status 'benched'" },
	{ __LINE__, "{\"dnp_reason_category\":\"bored\",\"is_active\":false,\"is_dnp\":true,\"player_status\":\"dnp\"}", "bad dnp_reason_category 'bored'" },
	{ __LINE__, "{\"dnp_reason_category\":\"rest\"}", "an active player has a dnp_reason_category" },
	{ __LINE__, "{\"data_quality_tier\":\"bronze\"}", "bad data_quality_tier 'bronze'" },
	{ __LINE__, "{\"registry_status\":\"guessed\"}", "bad registry_status 'guessed'" },
	{ __LINE__, "{\"is_dnp\":true}", "is_active and is_dnp are both true" },
	{ __LINE__, "{\"is_active\":false,\"is_dnp\":true}", "is_active/is_dnp do not match player_status 'active'" },
	{ __LINE__, "{\"win_flag\":false}", "win_flag false does not match team_points 86 vs 82" },
	{ __LINE__, "{\"opponent_points\":null}", NULL },
	/* props */
	{ __LINE__, "{\"over_under_result\":\"UNDER\"}", "over_under_result UNDER, but points 30 against line 29.5 is OVER" },
	{ __LINE__, "{\"over_under_result\":\"over\"}", "bad over_under_result 'over'" },
	{ __LINE__, "{\"margin\":1.5}", "margin 1.5 is not points 30 - line 29.5" },
	{ __LINE__, "{\"points_line\":30,\"over_under_result\":\"PUSH\",\"margin\":0}", NULL },
	{ __LINE__, "{\"points_line\":null}", "props fields without a points_line" },
	{ __LINE__, "{\"points_line\":-0.5}", "points_line -0.5 is out of range 0..200" },
	/* quality, lineage, lengths */
	{ __LINE__, "{\"sources_seen\":[\"bbref\",\"nbacom\"]}", NULL },
	{ __LINE__, "{\"sources_seen\":[\"bbref\",7]}", "sources_seen is not a string" },
	{ __LINE__, "{\"sources_seen\":[\"BB REF\"]}", "bad sources_seen entry 'BB REF'" },
	{ __LINE__, "{\"sources_seen\":[\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\",\"a\"]}", "sources_seen has 17 entries, more than 16" },
	{ __LINE__, "{\"quality_issues\":[\"usage_implausible\",\"minutes_missing\"]}", NULL },
	{ __LINE__, "{\"quality_issues\":[\"Bad Code\"]}", "bad quality_issues entry 'Bad Code'" },
	{ __LINE__, "{\"primary_source_used\":\"NBA.com\"}", "bad primary_source_used 'NBA.com'" },
	{ __LINE__, "{\"data_hash\":\"C09C17232D8CC8D9\"}", "bad data_hash" },
	{ __LINE__, "{\"data_hash\":\"c09c\"}", "bad data_hash 'c09c'" },
	{ __LINE__, "{\"processed_at\":\"2024-01-01\"}", "bad processed_at '2024-01-01'" },
	{ __LINE__, "{\"processed_at\":\"2024-01-01T00:00:00+01:00\"}", "bad processed_at" },
	{ __LINE__, "{\"processed_at\":\"2024-01-01T00:00:00.5Z\"}", NULL },
	{ __LINE__, "{\"processed_at\":\"\"}", "bad processed_at ''" },
};

/* Text built with json_stringn can hold a NUL, as rows from a store could. */
static void
test_nul(void)
{
	json_t *row = json_loads(raw_base, 0, NULL);
	char why[256] = "";

	json_object_set_new(row, "player_name", json_stringn("Jayson\0Tatum", 12));
	T(pgs_raw_check(row, NULL, why, sizeof(why)) < 0 && strcmp(why, "player_name has a NUL character") == 0);
	json_decref(row);
	row = json_loads(sum_base, 0, NULL);
	json_object_set_new(row, "player_full_name", json_stringn("Jayson\0Tatum", 12));
	T(pgs_summary_check(row, why, sizeof(why)) < 0 && strcmp(why, "player_full_name has a NUL character") == 0);
	json_decref(row);
	T(pgs_summary_check(NULL, why, sizeof(why)) < 0 && strcmp(why, "not a JSON object") == 0);
	/* the name bound: 200 bytes are fine, 201 are not */
	{
		char name[202];

		memset(name, 'x', 201);
		name[201] = '\0';
		row = json_loads(sum_base, 0, NULL);
		json_object_set_new(row, "player_full_name", json_string(name));
		T(pgs_summary_check(row, why, sizeof(why)) < 0 &&
		    strcmp(why, "player_full_name is 201 bytes, more than 200") == 0);
		name[200] = '\0';
		json_object_set_new(row, "player_full_name", json_string(name));
		T(pgs_summary_check(row, why, sizeof(why)) == 0);
		json_decref(row);
	}
	row = json_array();
	T(pgs_raw_check(row, NULL, why, sizeof(why)) < 0 && strcmp(why, "not a JSON object") == 0);
	json_decref(row);
}

static void
test_helpers(void)
{
	long lo = 1, hi = 1;

	T(pgs_count_bounds("points", &lo, &hi) == 0 && lo == 0 && hi == 200);
	T(pgs_count_bounds("plus_minus", &lo, &hi) == 0 && lo == -150 && hi == 150);
	T(pgs_count_bounds("season_year", &lo, &hi) < 0);
	T(pgs_is_player_lookup("nikolajokic", 255));
	T(!pgs_is_player_lookup("nikola_jokic", 255));
	T(!pgs_is_player_lookup("abc", 2));
	T(pgs_is_player_lookup("ab", 2));
	T(!pgs_is_player_lookup("", 255) && !pgs_is_player_lookup(NULL, 255));
	T(pgs_team_is_tricode("BKN") && !pgs_team_is_tricode("BRK") && !pgs_team_is_tricode("bkn"));
	T(!pgs_team_is_tricode("BK") && !pgs_team_is_tricode("BKNX") && !pgs_team_is_tricode(NULL));
	{
		/* every three-letter code: a tricode exactly when pgs_team_tricode() gives it back */
		char c[4] = { 0 };
		const char *t;
		int i, same = 1, n = 0;

		for (i = 0; i < 26 * 26 * 26; i++) {
			c[0] = (char)('A' + i / 676), c[1] = (char)('A' + i / 26 % 26), c[2] = (char)('A' + i % 26);
			t = pgs_team_tricode(c);
			n += pgs_team_is_tricode(c);
			same &= pgs_team_is_tricode(c) == (t && strcmp(t, c) == 0);
		}
		T(same && n == 30);
	}
	T(pgs_is_source_name("nbastats") && !pgs_is_source_name("") && !pgs_is_source_name(NULL));
}

/* pgs_csv_splitx: fields joined by '|' for comparison, or "ERR:reason". */
static const struct {
	int line;
	const char *in;
	size_t len;       /* 0: strlen(in) */
	unsigned flags;
	int max;
	const char *want;
	int n;            /* the count returned */
} split_cases[] = {
	{ __LINE__, "a,b,c", 0, 0, 8, "a|b|c", 3 },
	{ __LINE__, "", 0, 0, 8, "", 1 },
	{ __LINE__, "a,,", 0, 0, 8, "a||", 3 },
	{ __LINE__, "\"Tatum,Jayson\",44:37", 0, 0, 8, "Tatum,Jayson|44:37", 2 },
	{ __LINE__, "\"say \"\"hi\"\"\",x", 0, 0, 8, "say \"hi\"|x", 2 },
	{ __LINE__, "De'Aaron \"Fox\",x", 0, 0, 8, "De'Aaron \"Fox\"|x", 2 },  /* a stray quote is text */
	{ __LINE__, "\"open,x", 0, 0, 8, "ERR:unterminated quoted field", -1 },
	{ __LINE__, "\"a\"b,x", 0, 0, 8, "ERR:text after a closing quote", -1 },
	{ __LINE__, "a,b\0c,d", 7, 0, 8, "ERR:NUL byte in the record", -1 },
	{ __LINE__, "a,b,c,d", 0, 0, 2, "a|b", 4 },                           /* more than max: counted */
	{ __LINE__, " a , b ", 0, 0, 8, " a | b ", 2 },
	{ __LINE__, " a , b ", 0, PGS_CSV_TRIM, 8, "a|b", 2 },
	{ __LINE__, "  \" x \"  ,y", 0, PGS_CSV_TRIM, 8, " x |y", 2 },
	{ __LINE__, "\"x\" z,y", 0, PGS_CSV_TRIM, 8, "ERR:text after a closing quote", -1 },
};

static void
test_split(void)
{
	char buf[64], got[128], *f[8];
	const char *err;
	size_t i, len;
	int n, k;

	for (i = 0; i < NELEM(split_cases); i++) {
		len = split_cases[i].len ? split_cases[i].len : strlen(split_cases[i].in);
		memcpy(buf, split_cases[i].in, len);
		n = pgs_csv_splitx(buf, len, f, split_cases[i].max, split_cases[i].flags, &err);
		got[0] = '\0';
		if (n < 0)
			snprintf(got, sizeof(got), "ERR:%s", err);
		for (k = 0; n > 0 && k < n && k < split_cases[i].max; k++) {
			if (k)
				strcat(got, "|");
			strcat(got, f[k]);
		}
		t_ok(n == split_cases[i].n && strcmp(got, split_cases[i].want) == 0);
		if (n != split_cases[i].n || strcmp(got, split_cases[i].want) != 0)
			printf("FAIL %s:%d: split got %d '%s', want %d '%s'\n", __FILE__, split_cases[i].line,
			    n, got, split_cases[i].n, split_cases[i].want);
	}
}

/* The record reader: records across pushes, CRs, a repeated header, the end. */
static void
test_records(void)
{
	struct pgs_csv_rec c = { 0 };
	char why[256] = "";
	long v = 0;

	pgs_csv_push(&c, "\xef\xbb\xbf" "a,b\rx,y\r\r1,\"2", 16, 1);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_HEADER && c.nf == 2 && strcmp(c.f[0], "a") == 0 &&
	    c.lineno == 1);
	c.ncols = 2;
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_ROW && strcmp(c.f[1], "y") == 0 && c.lineno == 2);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_NONE);   /* a blank line, then "1,"2 goes on */
	pgs_csv_push(&c, "3\"", 2, 2);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_BAD && c.lineno == 4 &&
	    strcmp(why, "line break inside a quoted field (lines 4-5)") == 0 &&
	    c.text_len == 7 && memcmp(c.text, "1,\"2\n3\"", 7) == 0);
	pgs_csv_push(&c, "\xef\xbb\xbf" "a,b", 6, 3);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_NONE);   /* the header again */
	pgs_csv_push(&c, "1,2,3", 5, 4);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_BAD && strcmp(why, "3 fields, the header has 2") == 0);
	pgs_csv_push(&c, "\"x", 2, 5);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_NONE);
	T(pgs_csv_end(&c, why, sizeof(why)) == PGS_CSV_BAD &&
	    strcmp(why, "unterminated quoted field at the end of the input") == 0);
	T(pgs_csv_end(&c, why, sizeof(why)) == PGS_CSV_NONE);
	pgs_csv_rec_free(&c);

	memset(&c, 0, sizeof(c));
	pgs_csv_push(&c, "a,b,,a", 6, 1);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_HEADER);
	T(pgs_csv_header_check(&c, why, sizeof(why)) < 0 &&
	    strcmp(why, "the header has column 'a' twice (columns 1 and 4)") == 0);
	pgs_csv_rec_free(&c);
	memset(&c, 0, sizeof(c));
	pgs_csv_push(&c, "a,,b,", 5, 1);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_HEADER && pgs_csv_header_check(&c, why, sizeof(why)) == 0);
	pgs_csv_rec_free(&c);

	/* found by fuzz_csv: a NUL in the header shortened the copy the repeat check compares with */
	memset(&c, 0, sizeof(c));
	pgs_csv_push(&c, "a\0b,c", 5, 1);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_BAD && strcmp(why, "bad CSV header: NUL byte in the record") == 0);
	pgs_csv_push(&c, "a\0b,c", 5, 2);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_NONE);   /* the same header again */
	pgs_csv_rec_free(&c);
	/* found by fuzz_csv: a first record left open was not counted, so a later one became the header */
	memset(&c, 0, sizeof(c));
	for (long i = 1; i <= PGS_CSV_MAXLINES; i++) {
		pgs_csv_push(&c, i == 1 ? "\"a" : "b", i == 1 ? 2 : 1, i);
		if (i < PGS_CSV_MAXLINES)
			T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_NONE);
		else
			T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_BAD && c.lineno == 1);
	}
	pgs_csv_push(&c, "x,y", 3, PGS_CSV_MAXLINES + 2);
	T(pgs_csv_next(&c, why, sizeof(why)) == PGS_CSV_BAD);   /* a data record (0 columns accepted), not a header */
	pgs_csv_rec_free(&c);

	T(pgs_csv_count("", &v) == 0 && pgs_csv_count("  ", &v) == 0);
	T(pgs_csv_count("+7", &v) == 1 && v == 7 && pgs_csv_count(" -3 ", &v) == 1 && v == -3);
	T(pgs_csv_count("7x", &v) < 0 && pgs_csv_count("+", &v) < 0 && pgs_csv_count("1 2", &v) < 0);
	T(pgs_csv_count("1000000000", &v) == 1 && pgs_csv_count("10000000000", &v) < 0);
}

void
test_contract(int *passed, int *failed)
{
	size_t i;

	for (i = 0; i < NELEM(raw_cases); i++)
		check_case(raw_cases[i].line, raw_base, raw_cases[i].patch, 0, raw_cases[i].want);
	for (i = 0; i < NELEM(sum_cases); i++)
		check_case(sum_cases[i].line, sum_base, sum_cases[i].patch, 1, sum_cases[i].want);
	test_nul();
	test_helpers();
	test_split();
	test_records();
	*passed += t_passed;
	*failed += t_failed;
}

int
main(void)
{
	int passed = 0, failed = 0;

	test_contract(&passed, &failed);
	printf("%d passed, %d failed\n", passed, failed);
	return failed > 0;
}
