/* contig.c — the game-contiguity rule (see contig.h). */
#include "contig.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

int
pgs_contig_peek(const pgs_contig *c, const char *gid, char *why, size_t whylen)
{
	if (c->current && strcmp(c->current, gid) == 0)
		return PGS_CONTIG_SAME;
	if (pgs_map_has(&c->ended, gid)) {
		pgs_fail(why, whylen, "game '%s' is not contiguous: it ended earlier in the input", gid);
		return PGS_CONTIG_BAD;
	}
	return PGS_CONTIG_NEW;
}

int
pgs_contig_next(pgs_contig *c, const char *gid, char *why, size_t whylen)
{
	int r = pgs_contig_peek(c, gid, why, whylen);

	if (r != PGS_CONTIG_NEW)
		return r;
	if (c->current) {
		pgs_map_add(&c->ended, c->current);
		free(c->current);
	}
	c->current = pgs_xstrdup(gid);
	return PGS_CONTIG_NEW;
}

const char *
pgs_contig_current(const pgs_contig *c)
{
	return c->current;
}

void
pgs_contig_free(pgs_contig *c)
{
	pgs_map_free(&c->ended, NULL);
	free(c->current);
	c->current = NULL;
}
