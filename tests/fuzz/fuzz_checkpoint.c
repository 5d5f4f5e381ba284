/*
 * fuzz_checkpoint — what pgs-checkpoint reads back (lib/checkpoint.c): a job's
 * state file and pgs-write's statistics line.  Input: 'S' then a statistics
 * line; anything else is a state file's text.
 *
 * Invariants: a state that parses has its days sorted, disjoint and inside
 * the job's range when a range is given, and dumps to text that parses again
 * to the same days; a statistics line that parses has non-negative counts.
 */
#include <stdlib.h>
#include <string.h>

#include "checkpoint.h"
#include "fuzz.h"

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct pgs_state s, t;
	struct pgs_stats st;
	char why[256], *text;

	fuzz_setup();
	if (size > 0 && data[0] == 'S') {
		if (pgs_stats_parse((const char *)data + 1, size - 1, &st, why, sizeof(why)) == 0)
			FUZZ_ASSERT(st.rows_in >= 0 && st.inserted >= 0 && st.updated >= 0 &&
			    st.unchanged >= 0 && st.deleted >= 0);
		return 0;
	}
	memset(&s, 0, sizeof(s));
	if (pgs_state_parse((const char *)data, size, "fuzz", &s, why, sizeof(why)) != 0)
		return 0;
	for (size_t i = 1; i < s.done.n; i++)
		FUZZ_ASSERT(s.done.iv[i - 1][1] + 1 < s.done.iv[i][0]);
	/* what is written back reads back the same */
	text = pgs_state_dump(&s);
	memset(&t, 0, sizeof(t));
	FUZZ_ASSERT(text && pgs_state_parse(text, strlen(text), "fuzz", &t, why, sizeof(why)) == 0);
	FUZZ_ASSERT(t.done.n == s.done.n);
	for (size_t i = 0; i < s.done.n; i++)
		FUZZ_ASSERT(t.done.iv[i][0] == s.done.iv[i][0] && t.done.iv[i][1] == s.done.iv[i][1]);
	pgs_state_free(&t);
	free(text);
	pgs_state_free(&s);
	return 0;
}
