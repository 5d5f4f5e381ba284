/* test_opts.c — pgs_parse_options: the common flags, the kinds of a tool's options, the checks. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "opts.h"
#include "unit.h"
#include "util.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

static const char *const synopsis[] = { "pgs-test [--name S] [--tag T]... [FILE...]", NULL };
static const struct pgs_tool tool = { synopsis, NULL, "0 ok", PGS_TOOL_ROWS };
static const struct pgs_tool bare = { synopsis, NULL, "0 ok", PGS_TOOL_NO_OPERANDS };

struct got {
	const char *name;
	struct pgs_strlist tags;
	int flag, calls;
	const char *last;
};

static int
on_level(void *ctx, const char *arg)
{
	struct got *g = ctx;

	g->calls++;
	g->last = arg;
	if (strcmp(arg, "bad") == 0)
		return pgs_usage_error("bad --level '%s'", arg);
	return 0;
}

/* Parse the words of argv (NULL-terminated) with a fresh getopt state. */
static int
parse(const struct pgs_tool *t, struct got *g, struct pgs_common *co, const char **words, int *nleft)
{
	char *argv[16];
	int argc = 0, rc;
	const struct pgs_option opts[] = {
		PGS_OPT_STRING('n', "nick", &g->name),
		PGS_OPT_LIST(0, "tag", &g->tags),
		PGS_OPT_FLAG(0, "flag", &g->flag),
		PGS_OPT_CALLBACK(0, "level", on_level),
		PGS_OPT_END(),
	};

	argv[argc++] = (char *)"pgs-test";
	while (*words && argc < (int)NELEM(argv) - 1)
		argv[argc++] = (char *)*words++;
	argv[argc] = NULL;
	memset(g, 0, sizeof(*g));
	optind = 0;	/* glibc: a full reset of getopt */
	pgs_verbosity = 1;
	rc = pgs_parse_options(argc, argv, t, opts, co, g);
	*nleft = argc - optind;
	return rc;
}

static void
test_parse(void)
{
	struct pgs_common co;
	struct got g;
	int left;

	{
		const char *w[] = { "--nick", "x", "--tag", "a", "--flag", "--tag=b", "-q", "in.ndjson", NULL };

		CHECK_INT(parse(&tool, &g, &co, w, &left), -1);
		CHECK_STR(g.name, "x");
		CHECK_INT(g.tags.n, 2);
		CHECK_STR(g.tags.v[0], "a");
		CHECK_STR(g.tags.v[1], "b");
		CHECK(g.tags.v[2] == NULL);
		CHECK_INT(g.flag, 1);
		CHECK_INT(pgs_verbosity, 0);
		CHECK_INT(left, 1);
		CHECK(co.rejects == NULL);
		CHECK_INT(co.max_rejects, -1);
		free(g.tags.v);
	}
	{
		const char *w[] = { "-n", "y", "--nick", "z", "--rejects", "r.ndjson", "--max-rejects", "3", "-v",
			"--level", "hi", NULL };

		CHECK_INT(parse(&tool, &g, &co, w, &left), -1);
		CHECK_STR(g.name, "z");	/* the last one given wins */
		CHECK_STR(co.rejects, "r.ndjson");
		CHECK_INT(co.max_rejects, 3);
		CHECK_INT(pgs_verbosity, 2);
		CHECK_INT(g.calls, 1);
		CHECK_STR(g.last, "hi");
		CHECK_INT(left, 0);
	}
}

static void
test_errors(void)
{
	const char *const *bad[] = {
		(const char *[]){ "--bogus", NULL },
		(const char *[]){ "-x", NULL },
		(const char *[]){ "--name", NULL },
		(const char *[]){ "--flag=1", NULL },
		(const char *[]){ "--max-rejects", "many", NULL },
		(const char *[]){ "--level", "bad", NULL },
	};
	struct pgs_common co;
	struct got g;
	int left;
	FILE *saved = stderr;

	stderr = fopen("/dev/null", "w");	/* the messages are the bats tests' business */
	for (size_t i = 0; i < NELEM(bad); i++)
		CHECK_INT(parse(&tool, &g, &co, (const char **)bad[i], &left), PGS_EXIT_USAGE);
	/* --rejects belongs to tools that read rows */
	CHECK_INT(parse(&bare, &g, NULL, (const char *[]){ "--rejects", "r", NULL }, &left), PGS_EXIT_USAGE);
	CHECK_INT(parse(&bare, &g, NULL, (const char *[]){ "stray", NULL }, &left), PGS_EXIT_USAGE);
	CHECK_INT(parse(&bare, &g, NULL, (const char *[]){ "--name", "n", NULL }, &left), -1);
	fclose(stderr);
	stderr = saved;
}

static void
test_usage(void)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);

	pgs_setprog("pgs-test");
	pgs_usage(f, &tool);
	fclose(f);
	CHECK(strncmp(text, "usage: pgs-test [--name S] [--tag T]... [FILE...]\n\n", 51) == 0);
	CHECK(strstr(text, "  --rejects FILE      append rejected lines") != NULL);
	CHECK(strstr(text, "  -h, --help          print this help and exit\n") != NULL);
	CHECK(strstr(text, "\nExit status: 0 ok.\n") != NULL);
	free(text);
	f = open_memstream(&text, &len);
	pgs_usage(f, &bare);
	fclose(f);
	CHECK(strstr(text, "--rejects") == NULL);
	free(text);
}

/* Write text to a new file; its name, a new string. */
static char *
config_file(const char *text)
{
	char *path = strdup("/tmp/pgs-test-opts.XXXXXX");
	int fd = mkstemp(path);

	CHECK(fd >= 0 && write(fd, text, strlen(text)) == (ssize_t)strlen(text));
	close(fd);
	return path;
}

/* A settings file is the options it names, checked against the table. */
static void
test_config(void)
{
	struct got g = { 0 };
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "nick", &g.name),
		PGS_OPT_FLAG(0, "flag", &g.flag),
		PGS_OPT_END(),
	};
	struct pgs_strlist args;
	char *f;

	f = config_file("# comment\n\n  nick =  two words  \r\nflag\n");
	CHECK_INT(pgs_opt_config(f, opts, &args), 0);
	CHECK_INT(args.n, 3);
	if (args.n == 3) {
		CHECK_STR(args.v[0], "--nick");
		CHECK_STR(args.v[1], "two words");
		CHECK_STR(args.v[2], "--flag");
	}
	pgs_opt_config_free(&args);
	unlink(f);
	free(f);
	fprintf(stderr, "(expected:) ");
	f = config_file("nick = a\nwhat ever\n");
	CHECK_INT(pgs_opt_config(f, opts, &args), PGS_EXIT_USAGE);
	CHECK_INT(args.n, 0);
	unlink(f);
	free(f);
	fprintf(stderr, "(expected:) ");
	f = config_file("colour = blue\n");
	CHECK_INT(pgs_opt_config(f, opts, &args), PGS_EXIT_USAGE);
	unlink(f);
	free(f);
	fprintf(stderr, "(expected:) ");
	f = config_file("flag = yes\n");
	CHECK_INT(pgs_opt_config(f, opts, &args), PGS_EXIT_USAGE);
	unlink(f);
	free(f);
	fprintf(stderr, "(expected:) ");
	CHECK_INT(pgs_opt_config("/nonexistent/pgs.conf", opts, &args), PGS_EXIT_FAIL);
}

int
main(void)
{
	test_parse();
	test_errors();
	test_usage();
	test_config();
	return unit_report();
}
