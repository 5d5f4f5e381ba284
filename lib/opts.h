/*
 * opts.h — the one options path of every tool: a declarative table of the
 * tool's own options, and pgs_parse_options(), which wraps getopt_long and
 * handles the common flags itself, so they are spelled, checked and
 * explained the same way everywhere:
 *
 *	-h, --help  -V, --version  -q, --quiet  -v, --verbose     every tool
 *	--name PROG   messages as PROG's (a pipeline running it)  every tool
 *	--rejects FILE  --max-rejects N                           tools that read rows
 *
 * A tool describes itself once (struct pgs_tool: its SYNOPSIS lines, as in
 * MANUAL.md, a help text and its exit statuses) and lists only the options
 * it honours:
 *
 *	static const char *const synopsis[] = { "pgs-x [--lines FILE] [FILE...]", NULL };
 *	static const struct pgs_tool tool = { synopsis, help, "0 ok, ...", PGS_TOOL_ROWS };
 *	struct pgs_option opts[] = {
 *		PGS_OPT_STRING(0, "lines", &x->lines),
 *		PGS_OPT_CALLBACK(0, "now", opt_now),
 *		PGS_OPT_END(),
 *	};
 *	if ((rc = pgs_parse_options(argc, argv, &tool, opts, &co, x)) >= 0)
 *		return rc;                       (help, version, or a usage error)
 *	operands: argv[optind..argc)
 *
 * Messages: an unknown option, a missing argument or a callback's complaint
 * is one line "PROG: ..." and "Try 'PROG --help'." on stderr, exit 2.
 *
 * "PROG --list-options", alone, is hidden: the subcommands of the synopsis
 * and the options of the table that the usage names, one a line, from which
 * the build makes the bash completion (scripts/completion).
 */
#ifndef PGS_OPTS_H
#define PGS_OPTS_H

#include <getopt.h>
#include <stdio.h>

/* --rejects / --max-rejects, for the tools that read rows (PGS_TOOL_ROWS). */
struct pgs_common {
	const char *rejects;   /* --rejects FILE, or NULL for stderr */
	long max_rejects;      /* --max-rejects N, or -1 for no limit */
};

/* What a tool says about itself, for --help and the checks of pgs_parse_options(). */
struct pgs_tool {
	/*
	 * The SYNOPSIS of MANUAL.md, NULL-terminated: a line starting with the
	 * tool's name begins a form ("usage: " before the first, aligned below it
	 * after), any other line continues the form above.
	 */
	const char *const *synopsis;
	void (*help)(FILE *f);   /* after the usage: what the tool does, its own options */
	const char *exits;       /* "0 ok, 1 some input rejected, 2 usage error, 3 failure" */
	unsigned flags;          /* PGS_TOOL_* */
};

enum {
	PGS_TOOL_ROWS = 1 << 0,        /* reads rows: --rejects and --max-rejects */
	PGS_TOOL_NO_OPERANDS = 1 << 1, /* an operand is a usage error */
};

enum pgs_opt_kind {
	PGS_OPTK_END = 0,
	PGS_OPTK_FLAG,       /* no argument; *(int *)value = 1 */
	PGS_OPTK_STRING,     /* *(const char **)value = the argument; the last one given wins */
	PGS_OPTK_LIST,       /* the argument is appended to the struct pgs_strlist at value */
	PGS_OPTK_CALLBACK,   /* fn(ctx, argument): 0, or an exit status after its message */
	PGS_OPTK_CALLBACK0,  /* the same without an argument (arg is NULL) */
};

/* A repeatable option's arguments, in order; v is NULL-terminated.  free(v). */
struct pgs_strlist {
	const char **v;
	int n;
};

struct pgs_option {
	const char *name;    /* the long name, without "--" */
	int short_name;      /* 'o', or 0 for none */
	enum pgs_opt_kind kind;
	void *value;
	int (*fn)(void *ctx, const char *arg);
};

#define PGS_OPT_FLAG(s, name, p)        { (name), (s), PGS_OPTK_FLAG, (p), NULL }
#define PGS_OPT_STRING(s, name, p)      { (name), (s), PGS_OPTK_STRING, (p), NULL }
#define PGS_OPT_LIST(s, name, p)        { (name), (s), PGS_OPTK_LIST, (p), NULL }
#define PGS_OPT_CALLBACK(s, name, fn)   { (name), (s), PGS_OPTK_CALLBACK, NULL, (fn) }
#define PGS_OPT_CALLBACK0(s, name, fn)  { (name), (s), PGS_OPTK_CALLBACK0, NULL, (fn) }
#define PGS_OPT_END()                   { NULL, 0, PGS_OPTK_END, NULL, NULL }

/*
 * Parse argv: the common flags and the tool's options, in the order given.
 * co receives --rejects/--max-rejects (it may be NULL without PGS_TOOL_ROWS);
 * ctx is handed to the callbacks.  Returns -1 to go on, with the operands in
 * argv[optind..argc); or the exit status to end with: 0 after --help or
 * --version, 2 after a usage error (reported), 3 when stdout failed.
 */
int pgs_parse_options(int argc, char **argv, const struct pgs_tool *tool,
    const struct pgs_option *opts, struct pgs_common *co, void *ctx);

/* Print the tool's usage: the synopsis forms, its help, the common options, the exit statuses. */
void pgs_usage(FILE *f, const struct pgs_tool *tool);

/* Print "PROG: message" and "Try 'PROG --help'." to stderr; returns PGS_EXIT_USAGE. */
int pgs_usage_error(const char *fmt, ...) __attribute__((format(printf, 1, 2)));
/*
 * Parse the window --from FROM --to TO (YYYY-MM-DD) into day numbers; a NULL
 * string is not parsed and its day number is kept.  Returns 0, or
 * PGS_EXIT_USAGE after a usage error: a bad date, or FROM after TO.
 */
int pgs_opt_window(const char *from, const char *to, long *dfrom, long *dto);
/* The windows of a --windows FILE: [i][0] from, [i][1] to, YYYY-MM-DD. */
typedef char (*pgs_window_list)[2][11];
/*
 * Read a --windows FILE: FROM<TAB>TO lines (what pgs-checkpoint plan
 * prints), ascending and not overlapping, into a new array *out of *n.
 * Returns 0, PGS_EXIT_USAGE after a usage error naming the line, or
 * PGS_EXIT_FAIL when the file cannot be read (reported).
 */
int pgs_opt_windows(const char *path, pgs_window_list *out, size_t *n);
/*
 * Read a settings file into args, as the options it stands for: each line
 * "key = value" or "key" (a long option without its dashes; the value the
 * rest of the line, spaces trimmed, no quoting), blank lines and '#'
 * comments skipped.  A key must be one of opts, with a value when the
 * option takes one and without when it does not, so that pgs_parse_options()
 * over args (after an argv[0]) parses the file as it parses a command line.
 * The strings are new: pgs_opt_config_free(args).  Returns 0,
 * PGS_EXIT_USAGE after a message naming the file (and line), or
 * PGS_EXIT_FAIL when the file cannot be read (reported).
 */
int pgs_opt_config(const char *path, const struct pgs_option *opts, struct pgs_strlist *args);
void pgs_opt_config_free(struct pgs_strlist *args);
/* The store URI: the option value when given, else $PGS_STORE, else "sqlite:pgs.db". */
const char *pgs_default_store(const char *opt);

/*
 * Deprecated: the older per-tool getopt loop (PGS_COMMON_SHORTOPTS at the
 * front of the short options, PGS_COMMON_LONGOPTS in the long ones, every
 * option character handed to pgs_common_opt() first).  Kept until every tool
 * uses pgs_parse_options(); do not use it in new code.
 */
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

enum { PGS_OPT_NOT_MINE = 0, PGS_OPT_HANDLED = 1, PGS_OPT_EXIT = 2, PGS_OPT_BAD = -1 };

/* Deprecated.  Initialize defaults. */
void pgs_common_init(struct pgs_common *co);
/*
 * Deprecated.  Handle option c (from getopt_long) if it is a common one.
 * Returns PGS_OPT_HANDLED, PGS_OPT_NOT_MINE, PGS_OPT_EXIT after printing help
 * or version to stdout (the tool exits 0), or PGS_OPT_BAD after printing a
 * usage error (the tool exits 2).  usage prints the tool's usage text.
 */
int pgs_common_opt(int c, const char *arg, struct pgs_common *co, void (*usage)(FILE *));

#endif
