/* test_dl.c — pgs_dl_open (lib/dl.c): loading a library on first use, and its errors. */
#include <fcntl.h>
#include <stdlib.h>
#include <unistd.h>

#include "dl.h"
#include "dl_curl.h"
#include "dl_pq.h"
#include "unit.h"
#include "util.h"

/* pgs_dl_open with stderr (the expected error message) sent to /dev/null. */
static int
open_quiet(struct pgs_dl_lib *lib)
{
	int saved = dup(2), null = open("/dev/null", O_WRONLY), rc;

	dup2(null, 2);
	rc = pgs_dl_open(lib, "test");
	dup2(saved, 2);
	close(saved);
	close(null);
	return rc;
}

static void
test_missing_library(void)
{
	void *fn = NULL;
	const struct pgs_dl_sym syms[] = { { "f", &fn }, { NULL, NULL } };
	struct pgs_dl_lib lib = { "libpgs-no-such.so.0", "test", syms, 0, "" };

	CHECK_INT(open_quiet(&lib), -1);
	CHECK_INT(lib.state, -1);
	/* dlerror() starts with the soname, which the message says already */
	CHECK_STR(lib.why, "cannot open shared object file: No such file or directory");
	CHECK_INT(open_quiet(&lib), -1);   /* it stays an error, reported again */
	CHECK(fn == NULL);
}

static void
test_missing_symbol(void)
{
	void *fn = NULL, *none = NULL;
	const struct pgs_dl_sym syms[] = { { "zlibVersion", &fn }, { "pgs_no_such_function", &none },
		{ NULL, NULL } };
	struct pgs_dl_lib lib = { "libz.so.1", "test", syms, 0, "" };

	CHECK_INT(open_quiet(&lib), -1);
	CHECK_INT(lib.state, -1);
	CHECK(strstr(lib.why, "undefined symbol: pgs_no_such_function") != NULL);
}

static void
test_loads(void)
{
	const char *(*version)(void) = NULL;
	const struct pgs_dl_sym syms[] = { { "zlibVersion", &version }, { NULL, NULL } };
	struct pgs_dl_lib lib = { "libz.so.1", "test", syms, 0, "" };

	CHECK_INT(pgs_dl_open(&lib, NULL), 0);
	CHECK_INT(lib.state, 1);
	CHECK(version != NULL && version()[0] == '1');
	CHECK_INT(pgs_dl_open(&lib, NULL), 0);
}

/* The real tables: libcurl loads itself on its first call, libpq when opened. */
static void
test_tables(void)
{
	char *e;

	CHECK_INT(pgs_dl_libcurl.state, 0);
	e = curl_easy_escape(NULL, "a b&c", 0);
	CHECK_INT(pgs_dl_libcurl.state, 1);
	CHECK_STR(e, "a%20b%26c");
	curl_free(e);
	CHECK_INT(pgs_dl_pq_open(), 0);
	CHECK_INT(PQstatus(NULL), CONNECTION_BAD);
}

int
main(void)
{
	pgs_setprog("test_dl");
	test_missing_library();
	test_missing_symbol();
	test_loads();
	test_tables();
	return unit_report();
}
