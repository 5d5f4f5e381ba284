/* opts.c — the options path of every tool (see opts.h). */
#include "opts.h"

#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "util.h"

/* getopt_long values: short options return their character, long-only ones these. */
enum {
	VAL_REJECTS = 0x10000,
	VAL_MAX_REJECTS,
	VAL_NAME,
	VAL_TOOL = 0x20000,   /* + the option's index in the tool's table */
};

static const struct {
	const char *name;
	int val;
	int rows_only;
	const char *arg, *help;
} common[] = {
	{ "rejects", VAL_REJECTS, 1, "FILE", "append rejected lines to FILE as NDJSON instead of stderr" },
	{ "max-rejects", VAL_MAX_REJECTS, 1, "N", "fail (exit 3, no end marker) once more than N are rejected" },
	{ "quiet", 'q', 0, NULL, "only errors on stderr" },
	{ "verbose", 'v', 0, NULL, "also progress and counts on stderr" },
	{ "help", 'h', 0, NULL, "print this help and exit" },
	{ "version", 'V', 0, NULL, "print the version and exit" },
	{ "name", VAL_NAME, 0, "PROG", "word messages as PROG's (a pipeline that runs this tool)" },
};
#define NCOMMON (sizeof(common) / sizeof(common[0]))

/* The column where an option's explanation starts in --help. */
#define HELP_COLUMN 22

void
pgs_usage(FILE *f, const struct pgs_tool *tool)
{
	const char *const *l;
	size_t indent = 0;

	for (l = tool->synopsis; *l; l++) {
		size_t plen = strlen(pgs_prog);
		int form = strncmp(*l, pgs_prog, plen) == 0 && ((*l)[plen] == ' ' || (*l)[plen] == '\0');

		if (l == tool->synopsis)
			fprintf(f, "usage: %s\n", *l);
		else if (form)
			fprintf(f, "       %s\n", *l);
		else
			fprintf(f, "%*s%s\n", (int)indent, "", *l);
		if (form || l == tool->synopsis)
			indent = strlen("usage: ") + strcspn(*l, " ") + 1;
	}
	fputc('\n', f);
	if (tool->help)
		tool->help(f);
	for (size_t i = 0; i < NCOMMON; i++) {
		char head[64];

		if (common[i].rows_only && !(tool->flags & PGS_TOOL_ROWS))
			continue;
		if (common[i].val < 0x100)
			snprintf(head, sizeof(head), "-%c, --%s", common[i].val, common[i].name);
		else
			snprintf(head, sizeof(head), "--%s %s", common[i].name, common[i].arg);
		fprintf(f, "  %-*s%s\n", HELP_COLUMN - 2, head, common[i].help);
	}
	fprintf(f, "\nExit status: %s.\n", tool->exits);
}

int
pgs_usage_error(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	pgs_verr(fmt, ap);
	va_end(ap);
	fprintf(stderr, "Try '%s --help'.\n", pgs_prog);
	return PGS_EXIT_USAGE;
}

/* The option text of argv element arg: "--name" without any "=value". */
static int
long_len(const char *arg)
{
	return (int)strcspn(arg, "=");
}

/* getopt_long said '?' or ':' (opterr is off): one message of our own. */
static int
bad_option(int c, char **argv, const struct option *longopts)
{
	const char *arg = argv[optind - 1];

	/* a long option given "=value" that it does not take: optopt is its value */
	if (optopt != 0 && strncmp(arg, "--", 2) == 0 && strchr(arg, '=')) {
		for (const struct option *o = longopts; o->name; o++)
			if (o->val == optopt && o->has_arg == no_argument &&
			    (int)strlen(o->name) == long_len(arg + 2) &&
			    strncmp(o->name, arg + 2, strlen(o->name)) == 0)
				return pgs_usage_error("option '%.*s' takes no argument", long_len(arg), arg);
	}
	if (optopt > 0 && optopt < 0x100) {
		if (c == ':')
			return pgs_usage_error("option '-%c' needs an argument", optopt);
		return pgs_usage_error("unknown option '-%c'", optopt);
	}
	if (c == ':')
		return pgs_usage_error("option '%.*s' needs an argument", long_len(arg), arg);
	return pgs_usage_error("unknown option '%.*s'", long_len(arg), arg);
}

static void
list_add(struct pgs_strlist *l, const char *s)
{
	l->v = pgs_xrealloc(l->v, (size_t)(l->n + 2) * sizeof(*l->v));
	l->v[l->n++] = s;
	l->v[l->n] = NULL;
}

/* The tool's option that getopt_long returned as c, or NULL. */
static const struct pgs_option *
tool_option(const struct pgs_option *opts, int c)
{
	if (c >= VAL_TOOL)
		return &opts[c - VAL_TOOL];
	for (const struct pgs_option *o = opts; o->kind != PGS_OPTK_END; o++)
		if (o->short_name == c)
			return o;
	return NULL;
}

static int
takes_arg(const struct pgs_option *o)
{
	return o->kind == PGS_OPTK_STRING || o->kind == PGS_OPTK_LIST || o->kind == PGS_OPTK_CALLBACK;
}

/* One of the tool's options: 0 or an exit status. */
static int
tool_opt(const struct pgs_option *o, const char *arg, void *ctx)
{
	switch (o->kind) {
	case PGS_OPTK_FLAG:
		*(int *)o->value = 1;
		return 0;
	case PGS_OPTK_STRING:
		*(const char **)o->value = arg;
		return 0;
	case PGS_OPTK_LIST:
		list_add(o->value, arg);
		return 0;
	case PGS_OPTK_CALLBACK:
	case PGS_OPTK_CALLBACK0:
		return o->fn(ctx, arg);
	default:
		return pgs_usage_error("internal error: option kind %d", (int)o->kind);
	}
}

/* -V: the version on stdout.  0, or -1 when stdout failed (reported). */
static int
version(void)
{
	printf("%s %s\n", pgs_prog, PGS_VERSION);
	return pgs_close_stream(stdout, "stdout");
}

/* -q, -v, --rejects, --max-rejects: 0, or PGS_EXIT_USAGE after a message. */
static int
set_common(int c, const char *arg, struct pgs_common *co)
{
	switch (c) {
	case 'q':
		pgs_verbosity = 0;
		return 0;
	case 'v':
		pgs_verbosity = 2;
		return 0;
	case VAL_REJECTS:
		co->rejects = arg;
		return 0;
	case VAL_NAME:
		pgs_prog = arg;
		return 0;
	case VAL_MAX_REJECTS:
		if ((co->max_rejects = pgs_parse_count(arg)) < 0)
			return pgs_usage_error("bad --max-rejects '%s': want a count", arg);
		return 0;
	}
	return pgs_usage_error("internal error: option %d", c);
}

/* One of the common options: -1 to go on, or an exit status. */
static int
common_opt(int c, const char *arg, const struct pgs_tool *tool, struct pgs_common *co)
{
	int r;

	switch (c) {
	case 'h':
		pgs_usage(stdout, tool);
		return pgs_close_stream(stdout, "stdout") == 0 ? PGS_EXIT_OK : PGS_EXIT_FAIL;
	case 'V':
		return version() == 0 ? PGS_EXIT_OK : PGS_EXIT_FAIL;
	}
	return (r = set_common(c, arg, co)) == 0 ? -1 : r;
}

/* Does the usage text name the option --name (not a longer one that starts so)? */
static int
documented(const char *text, const char *name)
{
	size_t len = strlen(name);

	for (const char *p = text; (p = strstr(p, "--")); p += 2)
		if (strncmp(p + 2, name, len) == 0 && !strchr("abcdefghijklmnopqrstuvwxyz0123456789-", p[2 + len]))
			return 1;
	return 0;
}

/*
 * --list-options, hidden: what bash completion offers, made at build time
 * (scripts/completion) from the table that parses the options, so the two
 * cannot drift.  One word a line: the subcommands of the synopsis forms
 * ("pgs-checkpoint plan ..."), then -x and --name of each option the usage
 * text names (internal ones, which it does not, are left out).
 */
static int
list_options(const struct pgs_tool *tool, const struct pgs_option *opts)
{
	const char *const *l, *w;
	size_t nlen = strcspn(tool->synopsis[0], " "), wlen, len = 0;
	char *text = NULL;
	FILE *m = open_memstream(&text, &len);

	if (!m) {
		pgs_err_errno("cannot list the options");
		return PGS_EXIT_FAIL;
	}
	pgs_usage(m, tool);
	fclose(m);
	for (l = tool->synopsis; *l; l++) {
		if (strncmp(*l, tool->synopsis[0], nlen) != 0 || (*l)[nlen] != ' ')
			continue;
		w = *l + nlen + 1;
		wlen = strspn(w, "abcdefghijklmnopqrstuvwxyz-");
		if (wlen == 0 || *w == '-' || (w[wlen] != ' ' && w[wlen] != '\0'))
			continue;
		const char *const *k;   /* a command of two forms is listed once */
		for (k = tool->synopsis; k < l; k++)
			if (strncmp(*k, tool->synopsis[0], nlen) == 0 && strncmp(*k + nlen + 1, w, wlen) == 0 &&
			    ((*k)[nlen + 1 + wlen] == ' ' || (*k)[nlen + 1 + wlen] == '\0'))
				break;
		if (k == l)
			printf("%.*s\n", (int)wlen, w);
	}
	for (size_t i = 0; i < NCOMMON; i++) {
		if (common[i].rows_only && !(tool->flags & PGS_TOOL_ROWS))
			continue;
		if (common[i].val < 0x100)
			printf("-%c\n", common[i].val);
		printf("--%s\n", common[i].name);
	}
	for (const struct pgs_option *o = opts; o->kind != PGS_OPTK_END; o++) {
		if (!documented(text, o->name))
			continue;
		if (o->short_name)
			printf("-%c\n", o->short_name);
		printf("--%s\n", o->name);
	}
	free(text);
	return pgs_close_stream(stdout, "stdout") == 0 ? PGS_EXIT_OK : PGS_EXIT_FAIL;
}

int
pgs_parse_options(int argc, char **argv, const struct pgs_tool *tool,
    const struct pgs_option *opts, struct pgs_common *co, void *ctx)
{
	struct option *longopts;
	const struct pgs_option *o;
	pgs_buf shorts = { 0 };
	size_t n = 0, nopts = 0;
	int c, rc = -1;

	if (co) {
		co->rejects = NULL;
		co->max_rejects = -1;
	}
	if (argc == 2 && strcmp(argv[1], "--list-options") == 0)
		return list_options(tool, opts);
	while (opts[nopts].kind != PGS_OPTK_END)
		nopts++;
	longopts = pgs_xcalloc(NCOMMON + nopts + 1, sizeof(*longopts));
	pgs_buf_adds(&shorts, ":hVqv");
	for (size_t i = 0; i < NCOMMON; i++) {
		if (common[i].rows_only && !(tool->flags & PGS_TOOL_ROWS))
			continue;
		longopts[n++] = (struct option){ common[i].name,
			common[i].arg ? required_argument : no_argument, NULL, common[i].val };
	}
	for (size_t i = 0; i < nopts; i++) {
		o = &opts[i];
		longopts[n++] = (struct option){ o->name, takes_arg(o) ? required_argument : no_argument,
			NULL, o->short_name ? o->short_name : VAL_TOOL + (int)i };
		if (o->short_name) {
			char s[3] = { (char)o->short_name, ':', '\0' };

			s[1] = takes_arg(o) ? ':' : '\0';
			pgs_buf_adds(&shorts, s);
		}
	}
	opterr = 0;
	optind = 0;   /* getopt_long starts afresh: a tool may parse twice (a settings file) */
	while (rc < 0 && (c = getopt_long(argc, argv, shorts.s, longopts, NULL)) != -1) {
		if (c == '?' || c == ':')
			rc = bad_option(c, argv, longopts);
		else if ((o = tool_option(opts, c)) && (rc = tool_opt(o, optarg, ctx)) == 0)
			rc = -1;
		else if (!o)
			rc = common_opt(c, optarg, tool, co);
	}
	if (rc < 0 && (tool->flags & PGS_TOOL_NO_OPERANDS) && optind < argc)
		rc = pgs_usage_error("unexpected argument '%s'", argv[optind]);
	free(longopts);
	pgs_buf_free(&shorts);
	return rc;
}

int
pgs_opt_window(const char *from, const char *to, long *dfrom, long *dto)
{
	if (from && pgs_date_parse(from, dfrom) < 0)
		return pgs_usage_error("bad --from '%s': want YYYY-MM-DD", from);
	if (to && pgs_date_parse(to, dto) < 0)
		return pgs_usage_error("bad --to '%s': want YYYY-MM-DD", to);
	if (*dfrom > *dto)
		return pgs_usage_error("--from %s is after --to %s", from, to);
	return 0;
}

int
pgs_opt_windows(const char *path, pgs_window_list *out, size_t *n)
{
	FILE *f = strcmp(path, "-") == 0 ? stdin : fopen(path, "r");
	char *line = NULL, *tab;
	size_t cap = 0, have = 0;
	ssize_t len;
	long a, b, last = LONG_MIN, lineno = 0;
	int rc = 0;

	*out = NULL;
	*n = 0;
	if (!f) {
		pgs_err_errno("cannot open '%s'", path);
		return PGS_EXIT_FAIL;
	}
	while ((len = getline(&line, &cap, f)) >= 0) {
		lineno++;
		if (len > 0 && line[len - 1] == '\n')
			line[--len] = '\0';
		if (len == 0)
			continue;
		tab = strchr(line, '\t');
		if (tab)
			*tab++ = '\0';
		if (!tab || strlen(line) != 10 || strlen(tab) != 10 || pgs_date_parse(line, &a) < 0 ||
		    pgs_date_parse(tab, &b) < 0 || a > b) {
			rc = pgs_usage_error("%s:%ld: want FROM<TAB>TO (YYYY-MM-DD, FROM not after TO)",
			    path, lineno);
			break;
		}
		if (a <= last) {
			rc = pgs_usage_error("%s:%ld: window %s..%s does not come after the one before it",
			    path, lineno, line, tab);
			break;
		}
		last = b;
		if (*n == have) {
			have = have ? 2 * have : 64;
			*out = pgs_xrealloc(*out, have * sizeof(**out));
		}
		memcpy((*out)[*n][0], line, 11);
		memcpy((*out)[*n][1], tab, 11);
		(*n)++;
	}
	if (rc == 0 && ferror(f)) {
		pgs_err_errno("cannot read '%s'", path);
		rc = PGS_EXIT_FAIL;
	}
	free(line);
	if (f != stdin)
		fclose(f);
	if (rc != 0) {
		free(*out);
		*out = NULL;
		*n = 0;
	}
	return rc;
}

int
pgs_opt_config(const char *path, const struct pgs_option *opts, struct pgs_strlist *args)
{
	FILE *f = fopen(path, "r");
	char *line = NULL;
	size_t cap = 0, lineno = 0;
	ssize_t len;
	int rc = 0;

	memset(args, 0, sizeof(*args));
	if (!f) {
		pgs_err("cannot read the config file '%s': %s", path, strerror(errno));
		return PGS_EXIT_FAIL;
	}
	while (rc == 0 && (len = getline(&line, &cap, f)) >= 0) {
		char *k = line, *end = line + len, *v = NULL;
		const struct pgs_option *o;
		size_t klen;

		lineno++;
		while (end > k && (end[-1] == '\n' || end[-1] == '\r' || end[-1] == ' ' || end[-1] == '\t'))
			*--end = '\0';
		k += strspn(k, " \t");
		if (!*k || *k == '#')
			continue;
		klen = strspn(k, "abcdefghijklmnopqrstuvwxyz-");
		v = k + klen + strspn(k + klen, " \t");
		if (klen == 0 || (*v && *v != '=')) {
			rc = pgs_usage_error("%s:%zu: want 'key = value', not '%s'", path, lineno, k);
			break;
		}
		for (o = opts; o->kind != PGS_OPTK_END; o++)
			if (strlen(o->name) == klen && strncmp(o->name, k, klen) == 0)
				break;
		if (o->kind == PGS_OPTK_END) {
			rc = pgs_usage_error("%s: unknown setting '%.*s'", path, (int)klen, k);
			break;
		}
		if (*v == '=')
			v += 1 + strspn(v + 1, " \t");
		if (takes_arg(o) != (*v != '\0')) {
			rc = pgs_usage_error("%s:%zu: '%s' %s", path, lineno, o->name,
			    takes_arg(o) ? "needs a value" : "takes no value");
			break;
		}
		list_add(args, pgs_xasprintf("--%s", o->name));
		if (*v)
			list_add(args, pgs_xstrdup(v));
	}
	if (rc == 0 && ferror(f)) {
		pgs_err("cannot read the config file '%s': %s", path, strerror(errno));
		rc = PGS_EXIT_FAIL;
	}
	fclose(f);
	free(line);
	if (rc != 0)
		pgs_opt_config_free(args);
	return rc;
}

void
pgs_opt_config_free(struct pgs_strlist *args)
{
	for (int i = 0; i < args->n; i++)
		free((char *)args->v[i]);
	free(args->v);
	memset(args, 0, sizeof(*args));
}

const char *
pgs_default_store(const char *opt)
{
	const char *env;

	if (opt && *opt)
		return opt;
	env = getenv("PGS_STORE");
	if (env && *env)
		return env;
	return "sqlite:pgs.db";
}

/* ---- deprecated: the per-tool getopt loop ---- */

void
pgs_common_init(struct pgs_common *co)
{
	co->rejects = NULL;
	co->max_rejects = -1;
}

int
pgs_common_opt(int c, const char *arg, struct pgs_common *co, void (*usage)(FILE *))
{
	switch (c) {
	case 'h':
		usage(stdout);
		return pgs_close_stream(stdout, "stdout") == 0 ? PGS_OPT_EXIT : PGS_OPT_BAD;
	case 'V':
		return version() == 0 ? PGS_OPT_EXIT : PGS_OPT_BAD;
	case 'q':
	case 'v':
		return set_common(c, arg, co) == 0 ? PGS_OPT_HANDLED : PGS_OPT_BAD;
	case PGS_OPT_REJECTS:
		return set_common(VAL_REJECTS, arg, co) == 0 ? PGS_OPT_HANDLED : PGS_OPT_BAD;
	case PGS_OPT_MAX_REJECTS:
		return set_common(VAL_MAX_REJECTS, arg, co) == 0 ? PGS_OPT_HANDLED : PGS_OPT_BAD;
	case '?':
		/* getopt_long already said what was wrong */
		fprintf(stderr, "Try '%s --help'.\n", pgs_prog);
		return PGS_OPT_BAD;
	}
	return PGS_OPT_NOT_MINE;
}
