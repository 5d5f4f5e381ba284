/* test_schedule.c — lib/schedule: the team game logs of --games and --schedule, both shapes. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "schedule.h"
#include "unit.h"

static char dir[] = "/tmp/pgs-test-schedule.XXXXXX";

/* A file of dir with text; its path (static, until the next call). */
static const char *
file(const char *name, const char *text)
{
	static char path[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "w");
	if (!f)
		return path;
	fputs(text, f);
	fclose(f);
	return path;
}

/* One row per game with _home and _road columns (millxing), its team minutes from another file. */
static void
test_per_game(void)
{
	pgs_schedule *s = pgs_schedule_new();
	const struct pgs_sched_game *g;
	long days;

	CHECK_INT(pgs_schedule_load(s, file("logs.csv",
	    "game_id,game_date,game_type,team_abbreviation_home,team_abbreviation_road,pts_home,pts_road,"
	    "fgm_home,fgm_road,tov_home,tov_road\n"
	    "0022300061,2023-10-24,regular_season,DEN,LAL,119,107,48,41,12,12\n")), 0);
	CHECK_INT(pgs_schedule_load(s, file("adv.csv",
	    "game_id,game_date,season,team_abbreviation_home,minutes_home,team_abbreviation_road,minutes_road\n"
	    "0022300061,2023-10-24,2023-24,DEN,265,LAL,265\n")), 0);
	CHECK_INT(pgs_schedule_size(s), 1);
	g = pgs_schedule_game(s, "0022300061");
	CHECK(g != NULL);
	if (g) {
		CHECK(g->teams);
		CHECK_STR(g->home.abbr, "DEN");
		CHECK_STR(g->away.abbr, "LAL");
		CHECK_INT(g->home.tot[PGS_TT_PTS], 119);
		CHECK_INT(g->away.tot[PGS_TT_FGM], 41);
		CHECK_INT(g->home.has, 1u << PGS_TT_PTS | 1u << PGS_TT_FGM | 1u << PGS_TT_TOV);
		CHECK_INT(g->home.minutes, 265);
		CHECK_STR(g->type, "regular_season");
	}
	CHECK_INT(pgs_schedule_date(s, "0022300061", &days), 0);
	pgs_schedule_free(s);
}

/* One row per team (stats.nba.com, NocturneBear): MATCHUP, MIN as the game's length, floats. */
static void
test_per_team(void)
{
	pgs_schedule *s = pgs_schedule_new();
	const struct pgs_sched_game *g;

	CHECK_INT(pgs_schedule_load(s, file("team.csv",
	    "SEASON_YEAR,TEAM_ABBREVIATION,GAME_ID,GAME_DATE,MATCHUP,MIN,PTS,TOV\n"
	    "2021-22,ATL,0042100105,2022-04-26T00:00:00,ATL @ MIA,48.0,94,11.0\n"
	    "2021-22,MIA,0042100105,2022-04-26T00:00:00,MIA vs. ATL,48.0,97,13.0\n"
	    "2021-22,MIA,0042100105,2022-04-26T00:00:00,MIA vs. ATL,48.0,97,13.0\n")), 0);
	g = pgs_schedule_game(s, "0042100105");
	CHECK(g != NULL);
	if (g) {
		CHECK_STR(g->home.abbr, "MIA");
		CHECK_STR(g->away.abbr, "ATL");
		CHECK_INT(g->away.tot[PGS_TT_PTS], 94);
		CHECK_INT(g->home.tot[PGS_TT_TOV], 13);
		CHECK_INT(g->home.minutes, 240);
	}
	/* a matchup that is not its team's, a total that is not whole: errors, not guesses */
	fputs("(expected:) ", stderr);
	CHECK_INT(pgs_schedule_load(s, file("bad.csv",
	    "GAME_ID,GAME_DATE,TEAM_ABBREVIATION,MATCHUP\n1,2021-10-19,MIL,BKN @ MIL\n")), -1);
	fputs("(expected:) ", stderr);
	CHECK_INT(pgs_schedule_load(s, file("frac.csv",
	    "GAME_ID,GAME_DATE,TEAM_ABBREVIATION,MATCHUP,PTS\n2,2021-10-19,MIL,MIL vs. BKN,10.5\n")), -1);
	/* ids and dates alone still load (pgs-extract --games): no teams */
	CHECK_INT(pgs_schedule_load(s, file("ids.csv", "game_id,game_date\n3,2021-10-20\n")), 0);
	CHECK(pgs_schedule_game(s, "3") == NULL);
	CHECK_INT(pgs_schedule_size(s), 2);	/* the failed files added no date */
	pgs_schedule_free(s);
}

int
main(void)
{
	char cmd[64];

	if (!mkdtemp(dir)) {
		CHECK(0);
		return unit_report();
	}
	test_per_game();
	test_per_team();
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	if (system(cmd) != 0)
		CHECK(0);
	return unit_report();
}
