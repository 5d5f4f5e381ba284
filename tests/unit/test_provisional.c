/* test_provisional.c — provisional rows: whether a stats.nba.com document says its game is
 * over (pgs_nbastats_final), and whether a game's rows make it final (pgs_summary_game_final). */
#include <jansson.h>
#include <stdio.h>
#include <string.h>

#include "formats.h"
#include "summary.h"
#include "unit.h"

/* pgs_nbastats_final of a document given as JSON text; bst is its boxScoreTraditional. */
static int
final_of(const char *text)
{
	json_t *doc = json_loads(text, 0, NULL);
	int r;

	if (!doc) {
		printf("test bug: bad JSON %s\n", text);
		return -2;
	}
	r = pgs_nbastats_final(doc, json_object_get(doc, "boxScoreTraditional"));
	json_decref(doc);
	return r;
}

static const struct {
	int line;
	const char *doc;
	int want;
} docs[] = {
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":3}}", 1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":2}}", 0 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":1}}", 0 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":\"2\"}}", 0 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":\"3\"}}", 1 },
	/* the document's top level, as a scoreboard entry carries it */
	{ __LINE__, "{\"gameStatus\":2,\"boxScoreTraditional\":{}}", 0 },
	/* the object's own status first */
	{ __LINE__, "{\"gameStatus\":2,\"boxScoreTraditional\":{\"gameStatus\":3}}", 1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatusText\":\"Final\"}}", 1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatusText\":\"Final/OT\"}}", 1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatusText\":\" FINAL \"}}", 1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatusText\":\"Q3 5:12\"}}", 0 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatusText\":\"Halftime\"}}", 0 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatusText\":\"7:30 pm ET\"}}", 0 },
	/* the number wins over the text */
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":2,\"gameStatusText\":\"Final\"}}", 0 },
	/* silence, an empty text, an unknown number: the document does not say */
	{ __LINE__, "{\"boxScoreTraditional\":{}}", -1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatusText\":\"  \"}}", -1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":7}}", -1 },
	{ __LINE__, "{\"boxScoreTraditional\":{\"gameStatus\":null}}", -1 },
};

static void
test_nbastats_final(void)
{
	for (size_t i = 0; i < sizeof(docs) / sizeof(docs[0]); i++)
		unit_int(__FILE__, docs[i].line, docs[i].doc, final_of(docs[i].doc), docs[i].want);
}

/* One raw row of player n of game 20240110_BOS_NYK from source src, is_final as given
 * (NULL: no field). */
static json_t *
raw_row(const char *src, int n, const char *is_final)
{
	char text[1024];

	snprintf(text, sizeof(text), "{\"game_id\":\"20240110_BOS_NYK\",\"game_date\":\"2024-01-10\","
	    "\"season_year\":2023,\"game_type\":\"regular\",%s%s%s\"home_team_abbr\":\"NYK\","
	    "\"away_team_abbr\":\"BOS\",\"team_abbr\":\"NYK\",\"opponent_team_abbr\":\"BOS\","
	    "\"source\":\"%s\",\"source_game_id\":null,\"source_player_id\":null,"
	    "\"player_name\":\"Player %c\",\"player_status\":\"active\",\"dnp_reason\":null,"
	    "\"starter\":true,\"minutes\":\"30:00\",\"points\":10}",
	    is_final ? "\"is_final\":" : "", is_final ? is_final : "", is_final ? "," : "", src,
	    'A' + n);
	return json_loads(text, 0, NULL);
}

/* The game's is_final after adding rows "SOURCE:PLAYER:FINAL" (FINAL true, false, null,
 * or - for no field), and the is_final of the summary rows flushed. */
static int emitted_final;

static int
on_row(const char *line, size_t len, void *arg)
{
	json_t *o = json_loadb(line, len, 0, NULL);

	(void)arg;
	if (json_is_false(json_object_get(o, "is_final")))
		emitted_final = 0;
	json_decref(o);
	return 0;
}

static int
game_final(const char *const *rows, size_t n)
{
	const char *prefer[] = { "nbastats", "bbref" };
	struct pgs_summary_opts o = { prefer, 2, "2024-01-11T00:00:00Z", NULL };
	pgs_summary *s = pgs_summary_new(&o);
	char err[256], src[16], fin[8];
	int player, r;

	for (size_t i = 0; i < n; i++) {
		json_t *row;

		if (sscanf(rows[i], "%15[^:]:%d:%7s", src, &player, fin) != 3) {
			printf("test bug: %s\n", rows[i]);
			continue;
		}
		row = raw_row(src, player, strcmp(fin, "-") == 0 ? NULL : fin);
		if (pgs_summary_add(s, row, err, sizeof(err)) < 0)
			printf("test bug: %s: %s\n", rows[i], err);
		json_decref(row);
	}
	r = pgs_summary_game_final(s);
	emitted_final = 1;
	unit_int(__FILE__, __LINE__, "rows flushed", pgs_summary_flush(s, on_row, NULL) > 0, 1);
	/* every summary row says what the game is */
	unit_int(__FILE__, __LINE__, "is_final of the rows", emitted_final, r);
	pgs_summary_free(s);
	return r;
}

static void
test_game_final(void)
{
	static const char *const final_only[] = { "bbref:0:true", "bbref:1:true" };
	static const char *const silent[] = { "bbref:0:-", "bbref:1:null" };
	static const char *const live[] = { "nbastats:0:false", "nbastats:1:false" };
	/* a source mid-game and one final: the merged rows are partial, so provisional */
	static const char *const mixed[] = { "nbastats:0:false", "bbref:0:true", "bbref:1:true" };
	/* a source that says nothing does not make a game provisional, nor final */
	static const char *const mixed_silent[] = { "nbastats:0:true", "bbref:0:-", "bbref:1:null" };
	static const char *const one_player[] = { "bbref:0:true", "nbastats:1:false" };

	CHECK_INT(game_final(final_only, 2), 1);
	CHECK_INT(game_final(silent, 2), 1);
	CHECK_INT(game_final(live, 2), 0);
	CHECK_INT(game_final(mixed, 3), 0);
	CHECK_INT(game_final(mixed_silent, 3), 1);
	CHECK_INT(game_final(one_player, 2), 0);
}

int
main(void)
{
	test_nbastats_final();
	test_game_final();
	return unit_report();
}
