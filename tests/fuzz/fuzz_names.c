/* fuzz_names — player name normalization (lib/names.c), DNP reason categories (lib/dnp.c) and
 * team codes (lib/teams.c): output shape, idempotence, no overflow of small buffers. */
#include "dnp.h"
#include "fuzz.h"
#include "names.h"
#include "teams.h"

static void
check_lookup(const char *out, int n, size_t cap)
{
	if (n < 0) {
		FUZZ_ASSERT(cap == 0 || out[0] == '\0');
		return;
	}
	FUZZ_ASSERT((size_t)n < cap && strlen(out) == (size_t)n);
	FUZZ_ASSERT(n == 0 || pgs_is_player_lookup(out, (size_t)n));
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char *s = fuzz_str(data, size), out[256], again[256], small[8], gid[32];
	const char *cat, *t;
	int n, k;

	n = pgs_player_lookup(s, out, sizeof(out));
	check_lookup(out, n, sizeof(out));
	if (n > 0) {
		/* a lookup is its own lookup */
		k = pgs_player_lookup(out, again, sizeof(again));
		FUZZ_ASSERT(k == n && strcmp(again, out) == 0);
	}
	check_lookup(small, pgs_player_lookup(s, small, sizeof(small)), sizeof(small));
	n = pgs_player_lookup_nosuffix(s, out, sizeof(out));
	check_lookup(out, n, sizeof(out));
	check_lookup(small, pgs_player_lookup_nosuffix(s, small, sizeof(small)), sizeof(small));
	cat = pgs_dnp_category(s);
	FUZZ_ASSERT(!cat || strlen(cat) < 16);
	if ((t = pgs_team_tricode(s)) != NULL) {
		FUZZ_ASSERT(pgs_team_is_tricode(t));
		FUZZ_ASSERT(pgs_game_id(19000, s, s, gid, sizeof(gid)) == 0 && strlen(gid) == 16);
	}
	free(s);
	return 0;
}
