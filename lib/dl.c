/* dl.c — dlopen() a library on first use, and the tables of libpq, libcurl and libcrypto (see dl.h). */
#include "dl.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dl_crypto.h"
#include "dl_curl.h"
#include "dl_pq.h"
#include "util.h"

_Static_assert(sizeof(void (*)(void)) == sizeof(void *), "dlsym() results fit a function pointer");

#define PQ_SYM(f) { #f, &pgs_dl_pq.p_##f },
#define CURL_SYM(f) { #f, &pgs_dl_curl.p_##f },
#define CRYPTO_SYM(f) { #f, &pgs_dl_crypto.p_##f },

struct pgs_dl_pq pgs_dl_pq;
static const struct pgs_dl_sym pq_syms[] = { PGS_DL_PQ_FUNCS(PQ_SYM) { NULL, NULL } };
struct pgs_dl_lib pgs_dl_libpq = { "libpq.so.5", "PostgreSQL store", pq_syms, 0, "" };

struct pgs_dl_curl pgs_dl_curl;
static const struct pgs_dl_sym curl_syms[] = { PGS_DL_CURL_FUNCS(CURL_SYM) { NULL, NULL } };
struct pgs_dl_lib pgs_dl_libcurl = { "libcurl.so.4", "HTTP client", curl_syms, 0, "" };

struct pgs_dl_crypto pgs_dl_crypto;
static const struct pgs_dl_sym crypto_syms[] = { PGS_DL_CRYPTO_FUNCS(CRYPTO_SYM) { NULL, NULL } };
struct pgs_dl_lib pgs_dl_libcrypto = { "libcrypto.so.3", "SHA-256 and signing", crypto_syms, 0, "" };

/* dlerror()'s text, without a leading "SONAME: " that the message says already. */
static void
set_why(struct pgs_dl_lib *lib)
{
	const char *e = dlerror();
	size_t n = strlen(lib->soname);

	if (!e)
		e = "unknown error";
	if (strncmp(e, lib->soname, n) == 0 && strncmp(e + n, ": ", 2) == 0)
		e += n + 2;
	snprintf(lib->why, sizeof(lib->why), "%s", e);
}

int
pgs_dl_open(struct pgs_dl_lib *lib, const char *what)
{
	const struct pgs_dl_sym *s;
	void *h, *fn;

	if (lib->state == 0) {
		lib->state = -1;
		if (!(h = dlopen(lib->soname, RTLD_NOW | RTLD_LOCAL)))
			set_why(lib);
		else {
			for (s = lib->syms; s->name; s++) {
				dlerror();
				if (!(fn = dlsym(h, s->name))) {
					set_why(lib);
					break;
				}
				/* a data pointer to a function pointer: POSIX guarantees it fits */
				memcpy(s->fn, &fn, sizeof(fn));
			}
			if (!s->name)
				lib->state = 1;
			else
				dlclose(h);
		}
	}
	if (lib->state > 0)
		return 0;
	pgs_err("%s needs %s: %s", what ? what : lib->what, lib->soname, lib->why);
	return -1;
}

void
pgs_dl_need(struct pgs_dl_lib *lib)
{
	if (pgs_dl_open(lib, NULL) < 0)
		exit(PGS_EXIT_FAIL);
}
