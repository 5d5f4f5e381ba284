/*
 * contig.h — the one game-contiguity rule.  Every stage after pgs-extract
 * groups rows by game and relies on all rows of a game coming together, so
 * a row of a game that already ended earlier in the stream (another game
 * started since) is a reject, with the same message in every stage:
 *
 *	game '20240110_BOS_NYK' is not contiguous: it ended earlier in the input
 *
 * Memory: one copy of each game id seen.  Nothing here prints or exits.
 */
#ifndef PGS_CONTIG_H
#define PGS_CONTIG_H

#include <stddef.h>

#include "hashmap.h"

/* Zero-initialize; free with pgs_contig_free(). */
typedef struct pgs_contig {
	pgs_map ended;     /* games that ended: another game started after them */
	char *current;     /* the game being read, or NULL before the first row */
} pgs_contig;

enum { PGS_CONTIG_SAME = 0, PGS_CONTIG_NEW = 1, PGS_CONTIG_BAD = -1 };

/*
 * A row of game gid arrives.  PGS_CONTIG_SAME: the current game goes on;
 * PGS_CONTIG_NEW: gid starts (the previous game, if any, has ended);
 * PGS_CONTIG_BAD: gid ended earlier, the reason is in why (whylen bytes) and
 * the current game is unchanged.
 */
int pgs_contig_next(pgs_contig *c, const char *gid, char *why, size_t whylen);
/* What pgs_contig_next() would return, without taking the row: a stage that
 * may still reject the row asks first, so that a rejected row ends no game. */
int pgs_contig_peek(const pgs_contig *c, const char *gid, char *why, size_t whylen);
/* The game being read, or NULL. */
const char *pgs_contig_current(const pgs_contig *c);
void pgs_contig_free(pgs_contig *c);

#endif
