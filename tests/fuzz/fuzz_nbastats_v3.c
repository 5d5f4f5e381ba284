/* fuzz_nbastats_v3 — the nbastats-v3 reader (lib/fmt_nbastats_v3.c): JSON documents, one a line
 * or pretty-printed, dated from the document or from a --games schedule. */
#include "fuzz.h"

static pgs_schedule *sched;

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
	static const char games[] =
	    "game_id,game_date\n0022300061,2023-10-24\n0052100101,2022-04-12\n0022100001,2021-10-19\n";

	(void)argc;
	(void)argv;
	fuzz_setup();
	sched = pgs_schedule_new();
	if (pgs_schedule_load(sched, fuzz_file((const uint8_t *)games, sizeof(games) - 1)) < 0)
		abort();
	return 0;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgs_fmt_opts opts = { 0 };

	if (!sched)
		LLVMFuzzerInitialize(NULL, NULL);
	opts.schedule = size > 0 && data[0] == '{' ? sched : NULL;
	fuzz_feed(&pgs_fmt_nbastats_v3, &opts, data, size);
	return 0;
}
