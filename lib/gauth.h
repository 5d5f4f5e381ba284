/*
 * gauth.h — a Google OAuth access token for the BigQuery store, from the
 * first source that has one, in this order:
 *
 *   1. PGS_BQ_TOKEN: the token itself.
 *   2. GOOGLE_APPLICATION_CREDENTIALS: a JSON key file — a service account
 *      ("type":"service_account": an RS256 JWT signed with its private key
 *      by OpenSSL, exchanged at the token endpoint), or a user's refresh
 *      token ("type":"authorized_user").
 *   3. The GCE metadata server (instance/service-accounts/default/token).
 *   4. `gcloud auth print-access-token`.
 *
 * PGS_BQ_ENDPOINT (a base URL such as http://127.0.0.1:9050) replaces every
 * Google host — the token endpoint ENDPOINT/token and the metadata server
 * ENDPOINT/computeMetadata/... — so tests run against a local server.
 *
 * A token, a key, a refresh token or a client secret is never printed:
 * errors say which source failed and the server's error code, nothing more.
 */
#ifndef PGS_GAUTH_H
#define PGS_GAUTH_H

#include "http.h"

typedef struct pgs_gauth pgs_gauth;

/* A token source; NULL (reported) when a named source is broken (a key
 * file that cannot be read).  http is borrowed for the token requests. */
pgs_gauth *pgs_gauth_new(pgs_http *http, const char *endpoint);
void pgs_gauth_free(pgs_gauth *g);

/* The current token, fetched on first use; NULL after reporting when no
 * source gives one.  Owned by g, valid until the next call. */
const char *pgs_gauth_token(pgs_gauth *g);

/* The server refused the token (401): forget it, so the next
 * pgs_gauth_token() fetches a new one.  Returns 0 when a new one can be
 * fetched (a source other than a fixed PGS_BQ_TOKEN), -1 when not. */
int pgs_gauth_refresh(pgs_gauth *g);

/* Which source gave the token ("PGS_BQ_TOKEN", "service account", …), for -v. */
const char *pgs_gauth_source(const pgs_gauth *g);

#endif
