/* test_lib.c — table-driven unit tests for lib/: names, minutes, formulas, dates, teams, hash. */
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "dates.h"
#include "formulas.h"
#include "hash.h"
#include "minutes.h"
#include "names.h"
#include "teams.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))
#define LOOKUP_CAP 64

static long
day(const char *s)
{
	long d = 0;

	if (pgs_date_parse(s, &d) != 0)
		printf("test bug: bad date literal %s\n", s);
	return d;
}

/* ---- names ---- */

static const struct {
	int line;
	const char *name, *want;	/* want NULL: expect -1 */
} lookup_cases[] = {
	/* the contract's examples: accents, suffixes, initials */
	{ __LINE__, "Nikola Jokić", "nikolajokic" },
	{ __LINE__, "Kelly Oubre Jr.", "kellyoubrejr" },
	{ __LINE__, "P.J. Tucker", "pjtucker" },
	/* decomposable diacritics */
	{ __LINE__, "Dāvis Bertāns", "davisbertans" },
	{ __LINE__, "Kristaps Porziņģis", "kristapsporzingis" },
	{ __LINE__, "Alperen Şengün", "alperensengun" },
	{ __LINE__, "Dennis Schröder", "dennisschroder" },
	{ __LINE__, "Mãozinha Pereira", "maozinhapereira" },
	{ __LINE__, "Luka Dončić", "lukadoncic" },
	{ __LINE__, "Jonas Valančiūnas", "jonasvalanciunas" },
	{ __LINE__, "Nicolò Melli", "nicolomelli" },
	{ __LINE__, "Théo Maledon", "theomaledon" },
	{ __LINE__, "Vlatko Čančar", "vlatkocancar" },
	{ __LINE__, "Nikola Jokic\xcc\x81", "nikolajokic" },	/* already NFD: c + U+0301 */
	/* case folding, Turkish i */
	{ __LINE__, "Ersan İlyasova", "ersanilyasova" },
	{ __LINE__, "ERSAN İLYASOVA", "ersanilyasova" },
	{ __LINE__, "Ilkan Karaman", "ilkankaraman" },
	{ __LINE__, "ılkan", "ilkan" },			/* dotless ı */
	{ __LINE__, "Ernst Groß", "ernstgross" },
	{ __LINE__, "GROẞ", "gross" },			/* capital sharp s U+1E9E */
	/* letters without a decomposition */
	{ __LINE__, "Mikkel Jørgensen", "mikkeljorgensen" },
	{ __LINE__, "ØRJAN", "orjan" },
	{ __LINE__, "Đorđe Đurić", "dordeduric" },
	{ __LINE__, "Łukasz Kłos", "lukaszklos" },
	{ __LINE__, "Ægir Æsir", "aegiraesir" },
	{ __LINE__, "Œuvre cœur", "oeuvrecoeur" },
	{ __LINE__, "Þór Þórsson", "thorthorsson" },
	{ __LINE__, "Guðmundur", "gudmundur" },
	/* punctuation, spacing, compatibility forms */
	{ __LINE__, "Devonte' Graham", "devontegraham" },
	{ __LINE__, "Devonte\xe2\x80\x99 Graham", "devontegraham" },	/* U+2019 */
	{ __LINE__, "A.J. Green", "ajgreen" },
	{ __LINE__, "AJ Green", "ajgreen" },
	{ __LINE__, "D'Angelo Russell", "dangelorussell" },
	{ __LINE__, "Karl-Anthony Towns", "karlanthonytowns" },
	{ __LINE__, "  LeBron \t James  ", "lebronjames" },
	{ __LINE__, "LeBron\xc2\xa0James", "lebronjames" },		/* NBSP */
	{ __LINE__, "\xef\xbc\xac\xef\xbd\x85\xef\xbc\xa2\xef\xbd\x92\xef\xbd\x8f\xef\xbd\x8e", "lebron" },	/* fullwidth */
	{ __LINE__, "Marcus Morris Sr.", "marcusmorrissr" },
	{ __LINE__, "Robert Williams III", "robertwilliamsiii" },
	{ __LINE__, "Player 2", "player2" },
	/* empty results */
	{ __LINE__, "---", "" },
	{ __LINE__, "", "" },
	/* invalid UTF-8 */
	{ __LINE__, "Jok\xc4", NULL },			/* truncated sequence */
	{ __LINE__, "\xff", NULL },
	{ __LINE__, "\xc0\xaf", NULL },			/* overlong '/' */
	{ __LINE__, "\xed\xa0\x80", NULL },		/* UTF-16 surrogate */
	{ __LINE__, "Luka \x80 Doncic", NULL },		/* stray continuation byte */
};

static const struct {
	int line;
	const char *name, *want;
} nosuffix_cases[] = {
	{ __LINE__, "Marcus Morris Sr.", "marcusmorris" },
	{ __LINE__, "GG Jackson II", "ggjackson" },
	{ __LINE__, "Robert Williams III", "robertwilliams" },
	{ __LINE__, "Kelly Oubre Jr.", "kellyoubre" },
	{ __LINE__, "Tim Hardaway Jr", "timhardaway" },
	{ __LINE__, "Tony Snell IV", "tonysnell" },
	{ __LINE__, "Someone Smith V", "someonesmith" },
	{ __LINE__, "P.J. Washington Jr.", "pjwashington" },
	{ __LINE__, "Nance, Larry Jr.", "nancelarry" },
	{ __LINE__, "Morris,Sr.", "morris" },
	{ __LINE__, "Kelly Oubre Jr. *", "kellyoubre" },	/* bbref marks with * */
	{ __LINE__, "Wendell Carter Jr.\xc2\xa0", "wendellcarter" },
	{ __LINE__, "Trey Murphy\xc2\xa0III", "treymurphy" },
	/* kept */
	{ __LINE__, "Nikola Jokić", "nikolajokic" },
	{ __LINE__, "Junior Harrington", "juniorharrington" },
	{ __LINE__, "Derrick Jones Junior", "derrickjonesjunior" },
	{ __LINE__, "Jrue Holiday", "jrueholiday" },
	{ __LINE__, "Jr Smith", "jrsmith" },			/* not trailing */
	{ __LINE__, "Mitchell Robinsonjr", "mitchellrobinsonjr" },	/* not a separate word */
	{ __LINE__, "Ivica Zubac", "ivicazubac" },
	{ __LINE__, "Jr.", "jr" },				/* nothing but a suffix */
	{ __LINE__, "V", "v" },
	{ __LINE__, "---", "" },
	{ __LINE__, "Jok\xc4 Jr.", NULL },
};

static void
test_names(void)
{
	char out[LOOKUP_CAP], expr[160];
	size_t i;
	int r;

	for (i = 0; i < NELEM(lookup_cases); i++) {
		snprintf(expr, sizeof(expr), "pgs_player_lookup(\"%s\")", lookup_cases[i].name);
		r = pgs_player_lookup(lookup_cases[i].name, out, sizeof(out));
		if (lookup_cases[i].want == NULL) {
			unit_int(__FILE__, lookup_cases[i].line, expr, r, -1);
			continue;
		}
		unit_int(__FILE__, lookup_cases[i].line, expr, r, (long long)strlen(lookup_cases[i].want));
		unit_str(__FILE__, lookup_cases[i].line, expr, out, lookup_cases[i].want);
	}
	for (i = 0; i < NELEM(nosuffix_cases); i++) {
		snprintf(expr, sizeof(expr), "pgs_player_lookup_nosuffix(\"%s\")", nosuffix_cases[i].name);
		r = pgs_player_lookup_nosuffix(nosuffix_cases[i].name, out, sizeof(out));
		if (nosuffix_cases[i].want == NULL) {
			unit_int(__FILE__, nosuffix_cases[i].line, expr, r, -1);
			continue;
		}
		unit_int(__FILE__, nosuffix_cases[i].line, expr, r, (long long)strlen(nosuffix_cases[i].want));
		unit_str(__FILE__, nosuffix_cases[i].line, expr, out, nosuffix_cases[i].want);
	}

	/* A.J. Green and AJ Green are one player */
	{
		char a[LOOKUP_CAP], b[LOOKUP_CAP];

		pgs_player_lookup("A.J. Green", a, sizeof(a));
		pgs_player_lookup("AJ Green", b, sizeof(b));
		CHECK_STR(a, b);
	}

	/* buffer sizes: "nikolajokic" is 11 bytes + NUL */
	CHECK_INT(pgs_player_lookup("Nikola Jokić", out, 12), 11);
	CHECK_STR(out, "nikolajokic");
	CHECK_INT(pgs_player_lookup("Nikola Jokić", out, 11), -1);
	CHECK_STR(out, "");
	CHECK_INT(pgs_player_lookup("Kelly Oubre Jr.", out, 4), -1);
	CHECK_INT(pgs_player_lookup("Nikola Jokić", out, 0), -1);
	CHECK_INT(pgs_player_lookup("", out, 1), 0);
	CHECK_INT(pgs_player_lookup("æ", out, 2), -1);	/* the 2-letter mapping must fit too */
	CHECK_INT(pgs_player_lookup("æ", out, 3), 2);
	CHECK_INT(pgs_player_lookup(NULL, out, sizeof(out)), -1);
	/* nosuffix only needs room for its own, shorter result */
	CHECK_INT(pgs_player_lookup_nosuffix("Marcus Morris Sr.", out, 13), 12);
	CHECK_STR(out, "marcusmorris");
	CHECK_INT(pgs_player_lookup_nosuffix("Marcus Morris Sr.", out, 12), -1);
	CHECK_INT(pgs_player_lookup_nosuffix(NULL, out, sizeof(out)), -1);
	/* a long name works with a big enough buffer */
	{
		char big[4096], res[4096];
		size_t k;

		for (k = 0; k + 3 < sizeof(big); k += 3)
			memcpy(big + k, "Ab ", 3);
		big[k] = '\0';
		CHECK_INT(pgs_player_lookup(big, res, sizeof(res)), (long long)(k / 3 * 2));
		CHECK_INT(pgs_player_lookup(big, res, 100), -1);
	}
}

/* ---- minutes ---- */

#define BAD PGS_MIN_BAD
#define NUL PGS_MIN_NULL
#define OK PGS_MIN_OK

static const struct {
	int line;
	const char *s;
	int status;
	long seconds;
} minutes_cases[] = {
	{ __LINE__, "36:11", OK, 2171 },
	{ __LINE__, "9:05", OK, 545 },
	{ __LINE__, "09:05", OK, 545 },
	{ __LINE__, "0:00", OK, 0 },			/* 0, not null */
	{ __LINE__, "00:00", OK, 0 },
	{ __LINE__, "240:00", OK, 14400 },		/* team total */
	{ __LINE__, "265:00", OK, 15900 },		/* team total, one overtime */
	{ __LINE__, "PT34M12.00S", OK, 2052 },
	{ __LINE__, "PT34M12.50S", OK, 2053 },		/* half up */
	{ __LINE__, "PT34M12.49S", OK, 2052 },
	{ __LINE__, "PT34M12.4999S", OK, 2052 },
	{ __LINE__, "PT5M", OK, 300 },
	{ __LINE__, "PT0M00.00S", OK, 0 },
	{ __LINE__, "PT240M00.00S", OK, 14400 },
	{ __LINE__, "PT59.5S", OK, 60 },
	{ __LINE__, "PT12S", OK, 12 },
	{ __LINE__, "PT1H02M03S", OK, 3723 },
	{ __LINE__, "pt5m", OK, 300 },
	{ __LINE__, "38", OK, 2280 },
	{ __LINE__, "265", OK, 15900 },
	{ __LINE__, "0", OK, 0 },
	{ __LINE__, "48.0", OK, 2880 },
	{ __LINE__, "36.5", OK, 2190 },
	{ __LINE__, "36.51", OK, 2191 },		/* 30.6 s rounds to 31 */
	{ __LINE__, "36.525", OK, 2192 },		/* 31.5 s: half up */
	{ __LINE__, "0.0", OK, 0 },
	{ __LINE__, "  36:11 ", OK, 2171 },
	{ __LINE__, "\t9:05\n", OK, 545 },
	{ __LINE__, " 38 ", OK, 2280 },
	{ __LINE__, " PT5M ", OK, 300 },
	{ __LINE__, "", NUL, 0 },
	{ __LINE__, "   ", NUL, 0 },
	{ __LINE__, "3a:10", BAD, 0 },
	{ __LINE__, "12:60", BAD, 0 },
	{ __LINE__, "-1:00", BAD, 0 },
	{ __LINE__, "-5", BAD, 0 },
	{ __LINE__, "+5", BAD, 0 },
	{ __LINE__, ":30", BAD, 0 },
	{ __LINE__, "12:", BAD, 0 },
	{ __LINE__, "1:2:3", BAD, 0 },
	{ __LINE__, "12:5", BAD, 0 },
	{ __LINE__, "12:050", BAD, 0 },
	{ __LINE__, "12:05.5", BAD, 0 },
	{ __LINE__, "36.", BAD, 0 },
	{ __LINE__, ".5", BAD, 0 },
	{ __LINE__, "36.5.1", BAD, 0 },
	{ __LINE__, "36 11", BAD, 0 },
	{ __LINE__, "36:11x", BAD, 0 },
	{ __LINE__, "DNP", BAD, 0 },
	{ __LINE__, "1234567", BAD, 0 },		/* too many digits */
	{ __LINE__, "PT", BAD, 0 },
	{ __LINE__, "P", BAD, 0 },
	{ __LINE__, "PT5", BAD, 0 },
	{ __LINE__, "PTM", BAD, 0 },
	{ __LINE__, "PT5S5M", BAD, 0 },			/* out of order */
	{ __LINE__, "PT5M5M", BAD, 0 },
	{ __LINE__, "PT5.5M", BAD, 0 },
	{ __LINE__, "PT34M60.00S", BAD, 0 },
	{ __LINE__, "PT-5M", BAD, 0 },
	{ __LINE__, "PT5M3", BAD, 0 },
	{ __LINE__, "PT5MS", BAD, 0 },
	{ __LINE__, "P5M", BAD, 0 },
	{ __LINE__, "PT5X", BAD, 0 },
};

static void
test_minutes(void)
{
	char expr[96];
	long secs;
	size_t i;
	int st;

	for (i = 0; i < NELEM(minutes_cases); i++) {
		snprintf(expr, sizeof(expr), "pgs_parse_minutes(\"%s\")", minutes_cases[i].s);
		secs = -42;
		st = pgs_parse_minutes(minutes_cases[i].s, &secs);
		unit_int(__FILE__, minutes_cases[i].line, expr, st, minutes_cases[i].status);
		/* on success the seconds; otherwise untouched */
		unit_int(__FILE__, minutes_cases[i].line, expr, secs,
		    minutes_cases[i].status == OK ? minutes_cases[i].seconds : -42);
	}
	secs = -42;
	CHECK_INT(pgs_parse_minutes(NULL, &secs), PGS_MIN_NULL);
	CHECK_INT(secs, -42);

	CHECK_DBL(pgs_minutes_played(2171), 36.2);
	CHECK_DBL(pgs_minutes_played(0), 0.0);
	CHECK_DBL(pgs_minutes_played(3), 0.1);		/* 0.05 min, half up */
	CHECK_DBL(pgs_minutes_played(2), 0.0);
	CHECK_DBL(pgs_minutes_played(2193), 36.6);	/* 36.55 */
	CHECK_DBL(pgs_minutes_played(2192), 36.5);
	CHECK_DBL(pgs_minutes_played(14400), 240.0);
	CHECK_DBL(pgs_minutes_played(545), 9.1);	/* 9.0833 */
}

/* ---- formulas ---- */

static void
test_formulas(void)
{
	double v;

	CHECK_DBL(pgs_round(0.5, 0), 1.0);
	CHECK_DBL(pgs_round(-0.5, 0), -1.0);
	CHECK_DBL(pgs_round(1.5, 0), 2.0);
	CHECK_DBL(pgs_round(2.5, 0), 3.0);		/* not banker's rounding */
	CHECK_DBL(pgs_round(2.675, 2), 2.68);		/* stored as 2.67499999… */
	CHECK_DBL(pgs_round(1.005, 2), 1.01);
	CHECK_DBL(pgs_round(0.0625, 3), 0.063);
	CHECK_DBL(pgs_round(0.1234, 3), 0.123);
	CHECK_DBL(pgs_round(0.4444, 3), 0.444);
	CHECK_DBL(pgs_round(36.25, 1), 36.3);
	CHECK_DBL(pgs_round(-36.25, 1), -36.3);
	CHECK_DBL(pgs_round(123.0, 1), 123.0);
	v = pgs_round(-0.0001, 3);
	CHECK_DBL(v, 0.0);
	CHECK(!signbit(v));				/* no "-0.0" in the output */
	CHECK(isnan(pgs_round(NAN, 3)));

	/* efg_pct = (FGM + 0.5·3PM) / FGA */
	CHECK_INT(pgs_efg_pct(0, 0, 0, &v), 0);		/* 0 attempts: null */
	v = -1;
	CHECK_INT(pgs_efg_pct(0, 0, 5, &v), 1);		/* 0 of 5: a true 0.0 */
	CHECK_DBL(v, 0.0);
	CHECK_INT(pgs_efg_pct(10, 3, 20, &v), 1);	/* (10 + 1.5) / 20 */
	CHECK_DBL(v, 0.575);
	CHECK_INT(pgs_efg_pct(9, 0, 16, &v), 1);	/* 0.5625 exactly: half up */
	CHECK_DBL(v, 0.563);
	CHECK_INT(pgs_efg_pct(123, 1, 1000, &v), 1);	/* 0.1235, not exact in binary */
	CHECK_DBL(v, 0.124);
	CHECK_INT(pgs_efg_pct(5, 5, 5, &v), 1);		/* all threes: 1.5 */
	CHECK_DBL(v, 1.5);
	CHECK_INT(pgs_efg_pct(1, 0, 3, &v), 1);
	CHECK_DBL(v, 0.333);

	/* ts_pct = PTS / (2·(FGA + 0.44·FTA)) */
	CHECK_INT(pgs_ts_pct(0, 0, 0, &v), 0);		/* no attempts: null */
	CHECK_INT(pgs_ts_pct(25, 20, 5, &v), 1);	/* 25 / 44.4 = 0.56306 */
	CHECK_DBL(v, 0.563);
	CHECK_INT(pgs_ts_pct(2, 0, 2, &v), 1);		/* free throws only: 2 / 1.76 = 1.13636 */
	CHECK_DBL(v, 1.136);
	CHECK_INT(pgs_ts_pct(0, 0, 2, &v), 1);		/* 0 of 2 FT: a true 0.0 */
	CHECK_DBL(v, 0.0);
	CHECK_INT(pgs_ts_pct(0, 7, 0, &v), 1);
	CHECK_DBL(v, 0.0);
	CHECK_INT(pgs_ts_pct(1, 8, 0, &v), 1);		/* 1/16 = 0.0625: half up */
	CHECK_DBL(v, 0.063);

	/*
	 * usage_rate, worked by hand: 20 FGA, 5 FTA, 3 TOV in 36:00 (2160 s); the team had
	 * 85 FGA, 20 FTA, 12 TOV.
	 *   player possessions used  20 + 0.44·5 + 3   = 25.2
	 *   team possessions used    85 + 0.44·20 + 12 = 105.8
	 *   regulation, 240 team minutes: 100 · 25.2 · (240/5) / (36 · 105.8) = 120960 / 3808.8 = 31.758 → 31.8
	 *   one overtime, 265 team minutes: 100 · 25.2 · (265/5) / (36 · 105.8) = 133560 / 3808.8 = 35.066 → 35.1
	 */
	CHECK_INT(pgs_usage_rate(20, 5, 3, 2160, 85, 20, 12, 240 * 60, &v), 1);
	CHECK_DBL(v, 31.8);
	CHECK_INT(pgs_usage_rate(20, 5, 3, 2160, 85, 20, 12, 265 * 60, &v), 1);
	CHECK_DBL(v, 35.1);
	/* implausible but computed (> 100): 3 minutes, 10 FGA, 2 FTA, 1 TOV; team 80/20/12 in 240 min.
	 * 100 · 11.88 · 48 / (3 · 100.8) = 188.571 → 188.6 */
	CHECK_INT(pgs_usage_rate(10, 2, 1, 180, 80, 20, 12, 14400, &v), 1);
	CHECK_DBL(v, 188.6);
	/* a true 0: on the floor, used nothing */
	v = -1;
	CHECK_INT(pgs_usage_rate(0, 0, 0, 600, 85, 20, 12, 14400, &v), 1);
	CHECK_DBL(v, 0.0);
	/* undefined */
	v = -1;
	CHECK_INT(pgs_usage_rate(0, 0, 0, 0, 85, 20, 12, 14400, &v), 0);	/* 0 seconds */
	CHECK_INT(pgs_usage_rate(20, 5, 3, 0, 85, 20, 12, 14400, &v), 0);
	CHECK_INT(pgs_usage_rate(20, 5, 3, -60, 85, 20, 12, 14400, &v), 0);
	CHECK_INT(pgs_usage_rate(20, 5, 3, 2160, 85, 20, 12, 0, &v), 0);	/* no team minutes */
	CHECK_INT(pgs_usage_rate(20, 5, 3, 2160, 0, 0, 0, 14400, &v), 0);	/* team denominator 0 */
	CHECK_DBL(v, -1);					/* *out untouched */
}

/* ---- dates ---- */

static const struct {
	int line;
	const char *s;
	int ok;		/* 1 valid, 0 bad */
	long days;
} date_cases[] = {
	{ __LINE__, "1970-01-01", 1, 0 },
	{ __LINE__, "2000-03-01", 1, 11017 },
	{ __LINE__, "2023-10-24", 1, 19654 },
	{ __LINE__, "2024-02-29", 1, 19782 },		/* leap year */
	{ __LINE__, "2000-02-29", 1, 11016 },		/* divisible by 400 */
	{ __LINE__, "1900-01-01", 1, -25567 },		/* first allowed */
	{ __LINE__, "2199-12-31", 1, 84005 },		/* last allowed */
	{ __LINE__, "2023-02-29", 0, 0 },
	{ __LINE__, "1900-02-29", 0, 0 },		/* divisible by 100 */
	{ __LINE__, "2023-04-31", 0, 0 },
	{ __LINE__, "2023-13-01", 0, 0 },
	{ __LINE__, "2023-00-10", 0, 0 },
	{ __LINE__, "2023-10-00", 0, 0 },
	{ __LINE__, "2023-1-05", 0, 0 },
	{ __LINE__, "2023-01-5", 0, 0 },
	{ __LINE__, "1899-12-31", 0, 0 },
	{ __LINE__, "2200-01-01", 0, 0 },
	{ __LINE__, "2023/10/24", 0, 0 },
	{ __LINE__, "2023-10-24 ", 0, 0 },
	{ __LINE__, " 2023-10-24", 0, 0 },
	{ __LINE__, "2023-10-24T00:00:00", 0, 0 },	/* strict form: no time */
	{ __LINE__, "20231024", 0, 0 },
	{ __LINE__, "", 0, 0 },
	{ __LINE__, "2023-1", 0, 0 },
};

static const struct {
	int line;
	const char *s;
	int ok;
	long days;
} mdy_cases[] = {
	{ __LINE__, "10/24/2023", 1, 19654 },
	{ __LINE__, "02/29/2024", 1, 19782 },
	{ __LINE__, "2/29/2024", 1, 19782 },
	{ __LINE__, "1/1/1970", 1, 0 },
	{ __LINE__, "01/01/1970", 1, 0 },
	{ __LINE__, "2/29/2023", 0, 0 },
	{ __LINE__, "13/01/2024", 0, 0 },
	{ __LINE__, "0/10/2024", 0, 0 },
	{ __LINE__, "10/24/23", 0, 0 },
	{ __LINE__, "10-24-2023", 0, 0 },
	{ __LINE__, "10/24/2023 ", 0, 0 },
	{ __LINE__, "100/5/2024", 0, 0 },
	{ __LINE__, "10/245/2024", 0, 0 },
	{ __LINE__, "/5/2024", 0, 0 },
	{ __LINE__, "", 0, 0 },
};

static const struct {
	int line;
	const char *s;
	int ok;
	long days;
} prefix_cases[] = {
	{ __LINE__, "2023-10-24", 1, 19654 },
	{ __LINE__, "2023-10-24T00:00:00", 1, 19654 },
	{ __LINE__, "2023-10-24T19:30:00Z", 1, 19654 },
	{ __LINE__, "2023-10-24 19:30:00", 1, 19654 },
	{ __LINE__, "2023-10-24x", 0, 0 },
	{ __LINE__, "2023-10-2", 0, 0 },
	{ __LINE__, "2023-02-29T00:00:00", 0, 0 },
	{ __LINE__, "T00:00:00", 0, 0 },
};

static void
test_dates(void)
{
	char buf[11], expr[80], oracle[11];
	long d, first, last, bad = 0, bad_oracle = 0;
	size_t i;
	struct tm tm;
	time_t t;

	for (i = 0; i < NELEM(date_cases); i++) {
		snprintf(expr, sizeof(expr), "pgs_date_parse(\"%s\")", date_cases[i].s);
		d = -99999;
		unit_int(__FILE__, date_cases[i].line, expr, pgs_date_parse(date_cases[i].s, &d),
		    date_cases[i].ok ? 0 : -1);
		unit_int(__FILE__, date_cases[i].line, expr, d, date_cases[i].ok ? date_cases[i].days : -99999);
	}
	for (i = 0; i < NELEM(mdy_cases); i++) {
		snprintf(expr, sizeof(expr), "pgs_date_parse_mdy(\"%s\")", mdy_cases[i].s);
		d = -99999;
		unit_int(__FILE__, mdy_cases[i].line, expr, pgs_date_parse_mdy(mdy_cases[i].s, &d),
		    mdy_cases[i].ok ? 0 : -1);
		unit_int(__FILE__, mdy_cases[i].line, expr, d, mdy_cases[i].ok ? mdy_cases[i].days : -99999);
	}
	for (i = 0; i < NELEM(prefix_cases); i++) {
		snprintf(expr, sizeof(expr), "pgs_date_parse_prefix(\"%s\")", prefix_cases[i].s);
		d = -99999;
		unit_int(__FILE__, prefix_cases[i].line, expr, pgs_date_parse_prefix(prefix_cases[i].s, &d),
		    prefix_cases[i].ok ? 0 : -1);
		unit_int(__FILE__, prefix_cases[i].line, expr, d, prefix_cases[i].ok ? prefix_cases[i].days : -99999);
	}
	CHECK_INT(pgs_date_parse(NULL, &d), -1);
	CHECK_INT(pgs_date_parse_mdy(NULL, &d), -1);
	CHECK_INT(pgs_date_parse_prefix(NULL, &d), -1);

	/* Every day of the allowed range: format → parse gives the day back, and the text
	 * matches gmtime(), an independent oracle. One check each, so a failure names a day. */
	first = day("1900-01-01");
	last = day("2199-12-31");
	for (d = first; d <= last; d++) {
		long back = -1;

		pgs_date_format(d, buf);
		if (pgs_date_parse(buf, &back) != 0 || back != d) {
			if (bad++ == 0)
				printf("FAIL %s:%d: round trip of day %ld (got %s → %ld)\n",
				    __FILE__, __LINE__, d, buf, back);
		}
		t = (time_t)d * 86400;
		if (gmtime_r(&t, &tm) == NULL ||
		    strftime(oracle, sizeof(oracle), "%Y-%m-%d", &tm) != 10 || strcmp(oracle, buf) != 0) {
			if (bad_oracle++ == 0)
				printf("FAIL %s:%d: pgs_date_format(%ld) (got %s, want %s)\n",
				    __FILE__, __LINE__, d, buf, oracle);
		}
	}
	CHECK_INT(bad, 0);
	CHECK_INT(bad_oracle, 0);
	pgs_date_format(0, buf);
	CHECK_STR(buf, "1970-01-01");
	pgs_date_format(19654, buf);
	CHECK_STR(buf, "2023-10-24");
	pgs_date_format(-25568, buf);
	CHECK_STR(buf, "1899-12-31");		/* formatting is not limited to the parse range */
	pgs_date_format(-800000, buf);
	CHECK_STR(buf, "0000-00-00");		/* year < 0 */

	CHECK_INT(pgs_season_year(day("2023-10-24")), 2023);
	CHECK_INT(pgs_season_year(day("2024-04-01")), 2023);
	CHECK_INT(pgs_season_year(day("2024-06-30")), 2023);
	CHECK_INT(pgs_season_year(day("2024-07-01")), 2024);
	CHECK_INT(pgs_season_year(day("2024-01-01")), 2023);
	CHECK_INT(pgs_season_year(day("2023-12-31")), 2023);

	d = pgs_today_utc();
	t = time(NULL);
	CHECK(d == (long)(t / 86400) || d == (long)(t / 86400) - 1);
}

/* ---- teams ---- */

static const struct {
	int line;
	const char *code, *want;
} team_cases[] = {
	{ __LINE__, "BRK", "BKN" },
	{ __LINE__, "brk", "BKN" },
	{ __LINE__, "CHO", "CHA" },
	{ __LINE__, "PHO", "PHX" },
	{ __LINE__, "NJN", "BKN" },
	{ __LINE__, "NOH", "NOP" },
	{ __LINE__, "NOK", "NOP" },
	{ __LINE__, "SEA", "OKC" },
	{ __LINE__, "CHH", "CHA" },
	{ __LINE__, "VAN", "MEM" },
	{ __LINE__, "GS", "GSW" },
	{ __LINE__, "gs", "GSW" },
	{ __LINE__, "NO", "NOP" },
	{ __LINE__, "NY", "NYK" },
	{ __LINE__, "SA", "SAS" },
	{ __LINE__, "UTAH", "UTA" },
	{ __LINE__, "Utah", "UTA" },
	{ __LINE__, "WSH", "WAS" },
	{ __LINE__, "LAL", "LAL" },
	{ __LINE__, "lal", "LAL" },
	{ __LINE__, "BKN", "BKN" },
	{ __LINE__, "PHX", "PHX" },
	{ __LINE__, "XXX", NULL },
	{ __LINE__, "LA", NULL },
	{ __LINE__, "", NULL },
	{ __LINE__, " LAL", NULL },
	{ __LINE__, "LALX", NULL },
	{ __LINE__, "L", NULL },
};

static void
test_teams(void)
{
	static const char *const current[] = {
		"ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
		"HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
		"OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
	};
	char expr[64], id[32];
	size_t i;

	for (i = 0; i < NELEM(team_cases); i++) {
		snprintf(expr, sizeof(expr), "pgs_team_tricode(\"%s\")", team_cases[i].code);
		unit_str(__FILE__, team_cases[i].line, expr, pgs_team_tricode(team_cases[i].code), team_cases[i].want);
	}
	for (i = 0; i < NELEM(current); i++) {
		snprintf(expr, sizeof(expr), "pgs_team_tricode(\"%s\")", current[i]);
		unit_str(__FILE__, __LINE__, expr, pgs_team_tricode(current[i]), current[i]);
	}
	CHECK(pgs_team_tricode(NULL) == NULL);

	CHECK_INT(pgs_game_id(day("2023-10-24"), "LAL", "DEN", id, sizeof(id)), 0);
	CHECK_STR(id, "20231024_LAL_DEN");
	CHECK_INT(pgs_game_id(day("2024-01-05"), "BRK", "pho", id, sizeof(id)), 0);
	CHECK_STR(id, "20240105_BKN_PHX");
	CHECK_INT(pgs_game_id(day("2023-10-24"), "LAL", "DEN", id, 17), 0);	/* exactly fits */
	CHECK_STR(id, "20231024_LAL_DEN");
	CHECK_INT(pgs_game_id(day("2023-10-24"), "LAL", "DEN", id, 16), -1);
	CHECK_STR(id, "");
	CHECK_INT(pgs_game_id(day("2023-10-24"), "LAL", "XXX", id, sizeof(id)), -1);
	CHECK_INT(pgs_game_id(day("2023-10-24"), NULL, "DEN", id, sizeof(id)), -1);

	CHECK_INT(pgs_is_cup_final_date(day("2023-12-09")), 1);
	CHECK_INT(pgs_is_cup_final_date(day("2024-12-17")), 1);
	CHECK_INT(pgs_is_cup_final_date(day("2025-12-16")), 1);
	CHECK_INT(pgs_is_cup_final_date(day("2023-12-10")), 0);
	CHECK_INT(pgs_is_cup_final_date(day("2024-12-09")), 0);

	/* game types: every source's and season's label, the Cup by date, the id's prefix */
	CHECK_STR(pgs_game_type_norm("regular_season"), "regular");
	CHECK_STR(pgs_game_type_norm("Regular Season"), "regular");
	CHECK_STR(pgs_game_type_norm("playin"), "play_in");
	CHECK_STR(pgs_game_type_norm("play-in"), "play_in");
	CHECK_STR(pgs_game_type_norm("Play-In"), "play_in");
	CHECK_STR(pgs_game_type_norm("playoff"), "playoffs");
	CHECK_STR(pgs_game_type_norm("nba_cup_semi"), "cup_knockout");
	CHECK_STR(pgs_game_type_norm("nba_cup_final"), "cup_final");
	CHECK_STR(pgs_game_type_norm("All-Star"), "all_star");
	CHECK_INT(pgs_game_type_norm("exhibition") == NULL, 1);
	CHECK_INT(pgs_game_type_norm("regular_season_and_then_some_more_words") == NULL, 1);
	CHECK_STR(pgs_regular_game_type(day("2023-12-07")), "cup_knockout");
	CHECK_STR(pgs_regular_game_type(day("2023-12-04")), "cup_knockout");
	CHECK_STR(pgs_regular_game_type(day("2023-12-06")), "regular");
	CHECK_STR(pgs_regular_game_type(day("2023-12-09")), "cup_final");
	CHECK_STR(pgs_game_type_from_id("0022301229", day("2023-12-07")), "cup_knockout");
	CHECK_STR(pgs_game_type_from_id("0062300001", day("2023-12-09")), "cup_final");
	CHECK_STR(pgs_game_type_from_id("0052300101", day("2024-04-16")), "play_in");
	CHECK_STR(pgs_game_type_from_id("0012300001", day("2023-10-05")), "preseason");
	CHECK_STR(pgs_game_type_from_id("0032300001", day("2024-02-18")), "all_star");
	CHECK_INT(pgs_game_type_from_id("0072300001", day("2024-02-18")) == NULL, 1);
	CHECK_INT(pgs_game_type_counts_regular("regular"), 1);
	CHECK_INT(pgs_game_type_counts_regular("cup_knockout"), 1);
	CHECK_INT(pgs_game_type_counts_regular("cup_final"), 0);
	CHECK_INT(pgs_game_type_counts_regular("play_in"), 0);
	CHECK_INT(pgs_game_type_counts_regular("playin"), -1);
	CHECK_INT(pgs_game_type_excluded("preseason") && pgs_game_type_excluded("all_star"), 1);
	CHECK_INT(pgs_game_type_excluded("cup_final"), 0);
}

/* ---- hash ---- */

static void
test_hash(void)
{
	static const char abc[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
	char hex[65], hex2[65], h16[17];
	unsigned char big[1000];
	pgs_sha256 *h;
	size_t i;

	pgs_sha256_hex("abc", 3, hex);
	CHECK_STR(hex, abc);
	pgs_sha256_hex("", 0, hex);
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	pgs_sha256_hex16("abc", 3, h16);
	CHECK_STR(h16, "ba7816bf8f01cfea");
	CHECK_INT(strlen(h16), 16);

	CHECK((h = pgs_sha256_new()) != NULL);
	pgs_sha256_update(h, "a", 1);
	pgs_sha256_update(h, "", 0);
	pgs_sha256_update(h, "bc", 2);
	pgs_sha256_final_hex(h, hex);
	CHECK_STR(hex, abc);

	for (i = 0; i < sizeof(big); i++)
		big[i] = (unsigned char)(i * 7 + 3);
	pgs_sha256_hex(big, sizeof(big), hex);
	CHECK((h = pgs_sha256_new()) != NULL);
	for (i = 0; i < sizeof(big); i += 37)
		pgs_sha256_update(h, big + i, sizeof(big) - i < 37 ? sizeof(big) - i : 37);
	pgs_sha256_final_hex(h, hex2);
	CHECK_STR(hex2, hex);

	h = pgs_sha256_new();
	pgs_sha256_final_hex(h, hex);	/* nothing hashed: the empty digest */
	CHECK_STR(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
	pgs_sha256_update(NULL, "x", 1);
	pgs_sha256_final_hex(NULL, hex);
	CHECK_STR(hex, "");
}

int
main(void)
{
	test_names();
	test_minutes();
	test_formulas();
	test_dates();
	test_teams();
	test_hash();
	return unit_report();
}
