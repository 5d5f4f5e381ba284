/*
 * ledger.h — what the write ledger (pgs_windows) says of the summary's days:
 * the one meaning of "done" and "stale" that pgs-checkpoint plan and
 * pgs-validate share (and pgs-daily, through pgs-validate --json).
 *
 * A summary day is made by the latest summary window that covers it (the
 * latest commit).  That window is stale for the day when a raw_boxscores
 * window covering the day committed after what the summary window was made
 * from: its started_at, which is the raw watermark of its rows when they
 * came through a window stream (pgs-extract --windows reads, before the
 * rows, the latest landing over the window's days in the ledger; pgs-write
 * records it), else the time its writer began.  A landing that committed
 * after the rows were read, even before the write began (a stream reads
 * windows well ahead of pgs-write), is one they may not hold.  So is a window over a day whose summary rows a
 * registry change concerns: a player's first game moved earlier, and the
 * rows of the old one called him "new" (ledger entries of table
 * players_registry; they are listed with the raw windows, their scope
 * PGS_LEDGER_REGISTRY).  A window made under another configuration than the
 * one asked for is stale too.  The times are the writers' clocks, UTC
 * ISO-8601, so they compare as strings; with a watermark, a landing's commit
 * is compared with another landing's, not with the summary writer's clock.
 *
 * Ownership: pgs_ledger_load fills a struct pgs_ledger that the caller frees
 * with pgs_ledger_free; the windows own their strings.
 */
#ifndef PGS_LEDGER_H
#define PGS_LEDGER_H

#include <stddef.h>

#include "store.h"

/* The scope of a registry change among the raw windows. */
#define PGS_LEDGER_REGISTRY "players_registry"

struct pgs_lwin {
	long a, b;                  /* its days */
	long rows;
	char from[11], to[11];
	char started[40];           /* what it was made from: the raw watermark, else when its
	                               writer began (the committed time when unknown) */
	char committed[40];
	char scope[64];
	int other_config;           /* made under another configuration than asked for */
};

struct pgs_ledger {
	struct pgs_lwin *sum, *raw;
	size_t nsum, nraw, sumcap, rawcap;
	const char *config;         /* the configuration asked for; NULL: any will do */
};

/* The summary and raw windows overlapping [from, to]; config as above.
 * 0, or -1 with the store's error reported. */
int pgs_ledger_load(struct pgs_ledger *l, pgs_store *st, const char *from, const char *to,
    const char *config);
void pgs_ledger_free(struct pgs_ledger *l);

/* For each day dfrom..dto, the index of the latest summary window covering
 * it, -1 for none: a new array of dto - dfrom + 1 longs. */
long *pgs_ledger_latest(const struct pgs_ledger *l, long dfrom, long dto);

/* The latest raw window or registry change covering a day of [a, b] that
 * committed after summary window s's writer began, or -1: none made s stale there. */
long pgs_ledger_newer_raw(const struct pgs_ledger *l, size_t s, long a, long b);

enum { PGS_WIN_GOOD, PGS_WIN_OTHER_CONFIG, PGS_WIN_RAW_NEWER };

/* Summary window s over its whole range: PGS_WIN_GOOD, or why it is stale
 * (configuration, or raw rows landed since; a registry change stales only its
 * own days: pgs_ledger_day_stale). */
int pgs_ledger_judge(const struct pgs_ledger *l, size_t s);

/* 1 when a registry change of day (a first game that moved away from it)
 * committed after summary window s's writer began: s is stale for that day. */
int pgs_ledger_day_stale(const struct pgs_ledger *l, size_t s, long day);

#endif
