/* test_checkpoint.c — lib/checkpoint.c: the day set, the state file and the statistics line. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "dates.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static long
day(const char *s)
{
	long d = 0;

	pgs_date_parse(s, &d);
	return d;
}

/* The set as "a..b a..b" for comparing. */
static const char *
days_str(const struct pgs_days *d)
{
	static char buf[256];
	char a[11], b[11];
	size_t n = 0;

	buf[0] = '\0';
	for (size_t i = 0; i < d->n && n < sizeof(buf) - 24; i++) {
		pgs_date_format(d->iv[i][0], a);
		pgs_date_format(d->iv[i][1], b);
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, "%s%s..%s", i ? " " : "", a, b);
	}
	return buf;
}

static void
test_days(void)
{
	struct pgs_days d = { 0 };

	pgs_days_add(&d, day("2023-10-10"), day("2023-10-12"));
	pgs_days_add(&d, day("2023-10-01"), day("2023-10-03"));
	CHECK_STR(days_str(&d), "2023-10-01..2023-10-03 2023-10-10..2023-10-12");
	/* adjacent ranges merge, so do overlapping ones */
	pgs_days_add(&d, day("2023-10-04"), day("2023-10-05"));
	CHECK_STR(days_str(&d), "2023-10-01..2023-10-05 2023-10-10..2023-10-12");
	pgs_days_add(&d, day("2023-10-20"), day("2023-10-20"));
	pgs_days_add(&d, day("2023-10-05"), day("2023-10-21"));
	CHECK_STR(days_str(&d), "2023-10-01..2023-10-21");
	CHECK_INT(pgs_days_count(&d, day("2023-09-25"), day("2023-10-02")), 2);
	CHECK_INT(pgs_days_count(&d, day("2023-10-21"), day("2023-10-30")), 1);
	CHECK_INT(pgs_days_count(&d, day("2023-10-22"), day("2023-10-30")), 0);
	/* many single days, added backwards, become one range */
	pgs_days_free(&d);
	for (long x = day("2023-12-31"); x >= day("2023-01-01"); x -= 2)
		pgs_days_add(&d, x, x);
	CHECK_INT(d.n, 183);
	for (long x = day("2023-01-02"); x <= day("2023-12-31"); x += 2)
		pgs_days_add(&d, x, x);
	CHECK_STR(days_str(&d), "2023-01-01..2023-12-31");
	pgs_days_free(&d);
}

#define GOOD "\"job\":\"j\",\"from\":\"2023-10-01\",\"to\":\"2023-10-20\",\"batch_days\":7," \
	"\"table\":\"player_game_summary\""

static const struct {
	int line;
	const char *text;
	const char *why;   /* NULL: parses */
} states[] = {
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{}}", NULL },
	{ __LINE__, "{" GOOD ",\"done\":[[\"2023-10-01\",\"2023-10-07\"]],\"batches\":{\"2023-10-01..2023-10-07\":"
	    "{\"from\":\"2023-10-01\",\"to\":\"2023-10-07\",\"status\":\"done\",\"attempts\":1}},"
	    "\"started_us\":1,\"updated_us\":2}", NULL },
	{ __LINE__, "", "line 1: '[' or '{' expected near end of file" },
	{ __LINE__, "{\"job\":\"j\",\"fr", "line 1: premature end of input near '\"fr'" },
	{ __LINE__, "[]", "not a JSON object" },
	{ __LINE__, "{}", "no \"job\"" },
	{ __LINE__, "{\"job\":\"k\"}", "it is the state of job 'k'" },
	{ __LINE__, "{\"job\":\"j\",\"from\":\"2023-10-01\"}", "no \"to\"" },
	{ __LINE__, "{\"job\":\"j\",\"from\":1,\"to\":\"2023-10-01\"}", "\"from\" is not a date YYYY-MM-DD" },
	{ __LINE__, "{\"job\":\"j\",\"from\":\"2023-10-02\",\"to\":\"2023-10-01\"}", "\"from\" is after \"to\"" },
	{ __LINE__, "{\"job\":\"j\",\"from\":\"2023-10-01\",\"to\":\"2023-10-20\",\"batch_days\":-1}",
	    "\"batch_days\" is not a count of days" },
	{ __LINE__, "{\"job\":\"j\",\"from\":\"2023-10-01\",\"to\":\"2023-10-20\",\"batch_days\":7,\"table\":\"x\"}",
	    "\"table\" is not player_game_summary or raw_boxscores" },
	{ __LINE__, "{" GOOD ",\"done\":{}}", "\"done\" is not an array" },
	{ __LINE__, "{" GOOD ",\"done\":[[\"2023-10-07\",\"2023-10-01\"]]}", "\"done\" range 1 is not [FROM, TO]" },
	{ __LINE__, "{" GOOD ",\"done\":[[\"2023-10-01\",\"2023-10-07\",\"x\"]]}", "\"done\" range 1 is not [FROM, TO]" },
	{ __LINE__, "{" GOOD ",\"done\":[]}", "\"batches\" is not an object" },
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{\"b\":1}}", "batch \"b\": not an object" },
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{\"b\":{\"from\":\"2023-10-01\",\"to\":\"2023-10-07\","
	    "\"status\":\"maybe\"}}}", "batch \"b\": no \"status\" done, failed or refused" },
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{\"b\":{\"from\":\"2023-10-01\",\"to\":\"2023-10-07\","
	    "\"status\":\"done\",\"attempts\":-2}}}", "batch \"b\": \"attempts\" is not a count" },
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{},\"updated_us\":\"x\"}", "\"updated_us\" is not an integer" },
	{ __LINE__, "{" GOOD ",\"job\":\"j\",\"done\":[],\"batches\":{}}", "line 1: duplicate object key near '\"job\"'" },
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{},\"totals\":{\"batches\":3,\"rows_in\":9}}", NULL },
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{},\"totals\":[]}", "\"totals\" is not an object" },
	{ __LINE__, "{" GOOD ",\"done\":[],\"batches\":{},\"totals\":{\"rows_in\":-9}}", "\"totals\": \"rows_in\" is not a count" },
};

static void
test_state(void)
{
	struct pgs_state s;
	char why[256], *text;

	for (size_t i = 0; i < NELEM(states); i++) {
		int r = pgs_state_parse(states[i].text, strlen(states[i].text), "j", &s, why, sizeof(why));

		unit_int(__FILE__, states[i].line, "pgs_state_parse", r, states[i].why ? -1 : 0);
		if (states[i].why)
			unit_str(__FILE__, states[i].line, "why", why, states[i].why);
		else
			pgs_state_free(&s);
	}
	/* what it reads, and a round trip through the dump */
	CHECK_INT(pgs_state_parse(states[1].text, strlen(states[1].text), "j", &s, why, sizeof(why)), 0);
	CHECK_INT(s.to - s.from, 19);
	CHECK_INT(s.batch_days, 7);
	CHECK_STR(s.table, "player_game_summary");
	CHECK_STR(days_str(&s.done), "2023-10-01..2023-10-07");
	pgs_days_add(&s.done, day("2023-10-08"), day("2023-10-09"));
	text = pgs_state_dump(&s);
	pgs_state_free(&s);
	CHECK_INT(pgs_state_parse(text, strlen(text), "j", &s, why, sizeof(why)), 0);
	CHECK_STR(days_str(&s.done), "2023-10-01..2023-10-09");
	free(text);
	pgs_state_free(&s);
	/* a new state parses */
	pgs_state_init(&s, "j", day("2023-10-01"), day("2023-10-20"), 7, "raw_boxscores");
	text = pgs_state_dump(&s);
	pgs_state_free(&s);
	CHECK_INT(pgs_state_parse(text, strlen(text), "j", &s, why, sizeof(why)), 0);
	CHECK_STR(s.table, "raw_boxscores");
	free(text);
	pgs_state_free(&s);
}

static const struct {
	int line;
	const char *text;
	const char *why;   /* NULL: parses */
} statlines[] = {
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0}", NULL },
	{ __LINE__, "{\"table\":\"player_game_summary\",\"from\":\"2023-10-01\",\"to\":\"2023-10-07\",\"rows_in\":3,"
	    "\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0,\"ms\":5,\"refused\":\"shrink\",\"dry_run\":false}", NULL },
	{ __LINE__, "", "not JSON ('[' or '{' expected near end of file)" },
	{ __LINE__, "{\"rows_in\":3", "not JSON ('}' expected near end of file)" },
	{ __LINE__, "3", "not JSON ('[' or '{' expected near '3')" },
	{ __LINE__, "[3]", "not a JSON object" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1}", "no count \"updated\"" },
	{ __LINE__, "{\"rows_in\":\"3\",\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0}", "no count \"rows_in\"" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":-1}", "no count \"deleted\"" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0,\"ms\":1.5}", "no count \"ms\"" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0,\"dry_run\":1}",
	    "\"dry_run\" is not true or false" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0,\"refused\":\"\"}",
	    "\"refused\" is empty" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0,\"refused\":7}",
	    "\"refused\" is not a short string" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0,\"from\":\"2023-13-01\"}",
	    "\"from\" or \"to\" is not a date YYYY-MM-DD" },
	{ __LINE__, "{\"rows_in\":3,\"inserted\":1,\"updated\":1,\"unchanged\":1,\"deleted\":0,\"to\":\"2023-10-01T00\"}",
	    "\"to\" is not a short string" },
};

static void
test_stats(void)
{
	struct pgs_stats st;
	char why[256];

	for (size_t i = 0; i < NELEM(statlines); i++) {
		int r = pgs_stats_parse(statlines[i].text, strlen(statlines[i].text), &st, why, sizeof(why));

		unit_int(__FILE__, statlines[i].line, "pgs_stats_parse", r, statlines[i].why ? -1 : 0);
		if (statlines[i].why)
			unit_str(__FILE__, statlines[i].line, "why", why, statlines[i].why);
	}
	CHECK_INT(pgs_stats_parse(statlines[1].text, strlen(statlines[1].text), &st, why, sizeof(why)), 0);
	CHECK_INT(st.rows_in, 3);
	CHECK_INT(st.ms, 5);
	CHECK_INT(st.dry_run, 0);
	CHECK_STR(st.refused, "shrink");
	CHECK_STR(st.table, "player_game_summary");
	CHECK_STR(st.from, "2023-10-01");
	CHECK_STR(st.to, "2023-10-07");
	CHECK_INT(pgs_stats_parse(statlines[0].text, strlen(statlines[0].text), &st, why, sizeof(why)), 0);
	CHECK_INT(st.ms, -1);
	CHECK_STR(st.refused, "");
}

int
main(void)
{
	test_days();
	test_state();
	test_stats();
	return unit_report();
}
