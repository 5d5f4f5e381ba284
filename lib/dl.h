/*
 * dl.h — client libraries loaded on first use.
 *
 * libpq and libcurl pull in ~30 shared libraries (TLS, Kerberos, LDAP, ssh2,
 * nghttp2 …) that the dynamic loader would map at every start of every tool
 * that links the store layer — ~4 ms of CPU a process — although most runs
 * use the SQLite store and make no HTTP request.  So no tool links them.
 * lib/dl_pq.h and lib/dl_curl.h list the functions pgs calls; a file that
 * includes one of them calls those names (PQexec(...), curl_easy_init())
 * through a table of pointers that pgs_dl_open() fills with dlopen() and
 * dlsym() of the installed library ("libpq.so.5", "libcurl.so.4", found the
 * usual way: LD_LIBRARY_PATH, then the ld.so cache).  Types and constants
 * still come from <libpq-fe.h> and <curl/curl.h> at compile time.  libcrypto
 * (lib/dl_crypto.h) is loaded the same way, by the first hash or signature.
 *
 * The code that first needs a library (opening a PostgreSQL or BigQuery
 * store, pgs_http_new) calls pgs_dl_open() and fails like any other open:
 * "PostgreSQL store needs libpq.so.5: REASON", and the tool exits 3.  A call
 * through the table before that loads the library itself, and on failure
 * reports and exits 3 (like pgs_xmalloc: a caller could do nothing else).
 */
#ifndef PGS_DL_H
#define PGS_DL_H

/* One function to resolve: its name, and the address of its table pointer. */
struct pgs_dl_sym {
	const char *name;
	void *fn;
};

struct pgs_dl_lib {
	const char *soname;             /* "libpq.so.5" */
	const char *what;               /* who needs it when no caller says: "PostgreSQL store" */
	const struct pgs_dl_sym *syms;  /* ends with { NULL, NULL } */
	int state;                      /* 0 not tried, 1 loaded, -1 failed (why says why) */
	char why[512];
};

/*
 * Load lib and resolve all its functions, once.  Returns 0; or -1 after
 * reporting "WHAT needs SONAME: REASON" (what NULL: lib->what), again at
 * every call once loading failed.
 */
int pgs_dl_open(struct pgs_dl_lib *lib, const char *what);
/* pgs_dl_open(lib, NULL), exiting 3 when it fails. */
void pgs_dl_need(struct pgs_dl_lib *lib);

/* A table member: a pointer p_F with function F's own prototype. */
#define PGS_DL_MEMBER(f) __typeof__(f) *p_##f;
/* Function F of table T, loading the library L first if needed. */
#define PGS_DL_CALL(L, T, f) (((L).state > 0 ? (void)0 : pgs_dl_need(&(L))), (T).p_##f)

#endif
