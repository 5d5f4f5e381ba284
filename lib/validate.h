/*
 * validate.h — the checks of pgs-validate over a store's window, through
 * the store's validation reads (store.h: summary_games, raw_dates,
 * summary_unresolved, and the ledger).  Four reads in all, whatever the
 * window; every threshold and rule is decided here, none in a backend.
 *
 * The result is one JSON report (its shape is MANUAL.md's "pgs-validate
 * --json"); the text and the SVG picture are drawn from that report only,
 * so what a person sees and what a machine reads cannot disagree.
 *
 * Ownership: the report and a baseline are new references; the caller
 * json_decref()s them.  Errors are reported (pgs_err) and returned.
 */
#ifndef PGS_VALIDATE_H
#define PGS_VALIDATE_H

#include <jansson.h>

#include "schedule.h"
#include "store.h"
#include "util.h"

/* The NULL-rate columns, in report order. */
enum { PGS_V_MINUTES, PGS_V_USAGE, PGS_V_TS, PGS_V_EFG, PGS_V_NCOLS };

struct pgs_validate_opts {
	const char *from, *to;            /* the window, YYYY-MM-DD, checked by the caller */
	double max_null_pct[PGS_V_NCOLS]; /* a month fails above this percent of NULLs */
	double baseline_tolerance;        /* percent a month's rows may differ from the baseline */
	long min_players, max_players;    /* rows of a game, both teams together */
	long min_played;                  /* the same of a game whose sources list only the
	                                     players who played (NBA.com's export) */
	long seconds_tolerance;           /* a team's seconds vs 240 min (+25 per overtime) */
	long max_unresolved;              /* unresolved rows allowed in the window */
	double max_disagree_pct;          /* a month fails above this percent of its rows merged
	                                     from several sources that differ on a counted stat */
	const json_t *baseline;           /* from pgs_baseline_load(), or NULL (borrowed) */
	const pgs_schedule *schedule;     /* team game logs to hold the table against, or NULL
	                                     (borrowed) */
	long team_turnovers;              /* a schedule's team TOV may exceed the players' sum
	                                     by this much: team turnovers (shot clock, 8 s ...) */
	long redate_days;                 /* a table game and a scheduled one of the same teams
	                                     this many days apart are one game re-dated */
};

/* The defaults (MANUAL.md explains each). */
void pgs_validate_defaults(struct pgs_validate_opts *o);

/* Run every check over the window of st; a new report, or NULL (reported)
 * when the store cannot be read. */
json_t *pgs_validate_run(pgs_store *st, const struct pgs_validate_opts *o);

/* 1 when every check of the report passed. */
int pgs_validate_ok(const json_t *report);

/* Column names as the report has them ("minutes", "usage", "ts_pct", "efg_pct"). */
extern const char *const pgs_validate_cols[PGS_V_NCOLS];

/* ---- baselines: rows per month, saved from one report, compared by a later one ---- */

/* A new baseline object from a report. */
json_t *pgs_baseline_from_report(const json_t *report);
/* Read and check a baseline file; a new object, or NULL (reported). */
json_t *pgs_baseline_load(const char *path);
/* Write len bytes of text to path atomically (a temp file beside it,
 * fsync, rename); 0 or -1 (reported).  what names the file in messages
 * ("baseline", "svg"). */
int pgs_validate_save(const char *path, const char *text, size_t len, const char *what);

/* ---- the picture ---- */

/* Append the report as a standalone SVG document (UTF-8, no external
 * references) to out; it scales to its window (a viewBox, width 100%). */
void pgs_validate_svg(const json_t *report, pgs_buf *out);
/* The same picture as an <svg> element to put inside an HTML page. */
void pgs_validate_svg_inline(const json_t *report, pgs_buf *out);
/* Append s to out with &, <, >, " and ' escaped: text or attribute content
 * of XML and HTML alike. */
void pgs_xml_escape(pgs_buf *out, const char *s);

/* ---- the page ---- */

/* Append the report as one self-contained HTML page to out: the picture
 * inline, the findings and checks as tables, the thresholds, the store,
 * the window and generated (when the page was made, as given). */
void pgs_validate_html(const json_t *report, const char *generated, pgs_buf *out);

#endif
