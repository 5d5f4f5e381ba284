/*
 * dl_curl.h — libcurl, loaded on first use (see dl.h).  Include after
 * <curl/curl.h>: from here on curl_easy_init() and the other functions
 * listed below call through pgs_dl_curl.  A libcurl function pgs starts to
 * use is added to both lists, or the tool does not link (no -lcurl).
 *
 * curl_easy_setopt and curl_easy_getinfo lose the argument type checks that
 * <curl/typecheck-gcc.h> wraps around them (those macros call the linked
 * function by name); pass long, curl_off_t, pointers, as the options ask.
 */
#ifndef PGS_DL_CURL_H
#define PGS_DL_CURL_H

#include <curl/curl.h>

#include "dl.h"

#define PGS_DL_CURL_FUNCS(X) \
	X(curl_easy_cleanup) X(curl_easy_escape) X(curl_easy_getinfo) X(curl_easy_init) \
	X(curl_easy_perform) X(curl_easy_setopt) X(curl_easy_strerror) X(curl_free) \
	X(curl_getdate) X(curl_global_init) X(curl_slist_append) X(curl_slist_free_all)

struct pgs_dl_curl {
	PGS_DL_CURL_FUNCS(PGS_DL_MEMBER)
};
extern struct pgs_dl_curl pgs_dl_curl;
extern struct pgs_dl_lib pgs_dl_libcurl;   /* "libcurl.so.4", for an "HTTP client" */

/* Load libcurl: 0, or -1 after "WHAT needs libcurl.so.4: …". */
#define pgs_dl_curl_open(what) pgs_dl_open(&pgs_dl_libcurl, (what))

#undef curl_easy_setopt
#undef curl_easy_getinfo
#define PGS_DL_CURL(f) PGS_DL_CALL(pgs_dl_libcurl, pgs_dl_curl, f)
#define curl_easy_cleanup       PGS_DL_CURL(curl_easy_cleanup)
#define curl_easy_escape        PGS_DL_CURL(curl_easy_escape)
#define curl_easy_getinfo       PGS_DL_CURL(curl_easy_getinfo)
#define curl_easy_init          PGS_DL_CURL(curl_easy_init)
#define curl_easy_perform       PGS_DL_CURL(curl_easy_perform)
#define curl_easy_setopt        PGS_DL_CURL(curl_easy_setopt)
#define curl_easy_strerror      PGS_DL_CURL(curl_easy_strerror)
#define curl_free               PGS_DL_CURL(curl_free)
#define curl_getdate            PGS_DL_CURL(curl_getdate)
#define curl_global_init        PGS_DL_CURL(curl_global_init)
#define curl_slist_append       PGS_DL_CURL(curl_slist_append)
#define curl_slist_free_all     PGS_DL_CURL(curl_slist_free_all)

#endif
