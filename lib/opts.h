/*
 * opts.h — the options every tool shares, handled once so they are worded
 * the same everywhere: -h/--help, -V/--version, -q/--quiet, -v/--verbose,
 * --rejects FILE, --max-rejects N.
 *
 * A tool puts PGS_COMMON_SHORTOPTS at the front of its getopt_long() short
 * options and PGS_COMMON_LONGOPTS into its long options, then hands every
 * option character to pgs_common_opt() before its own switch.
 */
#ifndef PGS_OPTS_H
#define PGS_OPTS_H

#include <getopt.h>
#include <stdio.h>

enum {
	PGS_OPT_REJECTS = 1000,
	PGS_OPT_MAX_REJECTS,
	PGS_OPT_TOOL = 1100,     /* first free value for a tool's own long-only options */
};

#define PGS_COMMON_SHORTOPTS "hVqv"
#define PGS_COMMON_LONGOPTS                                     \
	{ "help", no_argument, NULL, 'h' },                     \
	{ "version", no_argument, NULL, 'V' },                  \
	{ "quiet", no_argument, NULL, 'q' },                    \
	{ "verbose", no_argument, NULL, 'v' },                  \
	{ "rejects", required_argument, NULL, PGS_OPT_REJECTS }, \
	{ "max-rejects", required_argument, NULL, PGS_OPT_MAX_REJECTS }

struct pgs_common {
	const char *rejects;   /* --rejects FILE, or NULL for stderr */
	long max_rejects;      /* --max-rejects N, or -1 for no limit */
};

enum { PGS_OPT_NOT_MINE = 0, PGS_OPT_HANDLED = 1, PGS_OPT_EXIT = 2, PGS_OPT_BAD = -1 };

/* Initialize defaults. */
void pgs_common_init(struct pgs_common *co);
/*
 * Handle option c (from getopt_long) if it is a common one.  Returns
 * PGS_OPT_HANDLED, PGS_OPT_NOT_MINE, PGS_OPT_EXIT after printing help or
 * version to stdout (the tool exits 0), or PGS_OPT_BAD after printing a usage
 * error (the tool exits 2).  usage prints the tool's usage text to a stream.
 */
int pgs_common_opt(int c, const char *arg, struct pgs_common *co, void (*usage)(FILE *));
/* Print "PROG: message" and "Try 'PROG --help'." to stderr; returns PGS_EXIT_USAGE. */
int pgs_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Parse the window --from FROM --to TO (YYYY-MM-DD) into day numbers; a NULL
 * string is not parsed and its day number is kept.  Returns 0, or
 * PGS_EXIT_USAGE after a usage error: a bad date, or FROM after TO.
 */
int pgs_opt_window(const char *from, const char *to, long *dfrom, long *dto);
/* The store URI: the option value when given, else $PGS_STORE, else "sqlite:pgs.db". */
const char *pgs_default_store(const char *opt);

#endif
