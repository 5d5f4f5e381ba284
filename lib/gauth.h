/*
 * gauth.h — a Google OAuth access token for the BigQuery store, from the
 * first source that has one, in Application Default Credentials order:
 *
 *   1. PGS_BQ_TOKEN: the token itself (pgs's own; never renewed).
 *   2. GOOGLE_APPLICATION_CREDENTIALS: a credentials file (below).
 *   3. gcloud's well-known file, $CLOUDSDK_CONFIG/application_default_credentials.json,
 *      else $HOME/.config/gcloud/application_default_credentials.json (what
 *      `gcloud auth application-default login` writes), when it exists.
 *   4. The GCE metadata server (instance/service-accounts/default/token) at
 *      GCE_METADATA_HOST when set, else metadata.google.internal.
 *   5. `gcloud auth print-access-token`.
 *
 * A credentials file is one of (its "type"):
 *   service_account        an RS256 JWT signed with its private key by OpenSSL,
 *                          exchanged at the token endpoint;
 *   authorized_user        a user's refresh token, exchanged there;
 *   external_account       workload identity federation: a subject token read
 *                          from a file (credential_source.file) or a URL
 *                          (credential_source.url, with headers), as text or
 *                          JSON (format.type, subject_token_field_name),
 *                          exchanged at token_url (STS, RFC 8693), then
 *                          optionally for a service account's token at
 *                          service_account_impersonation_url (IAM Credentials
 *                          generateAccessToken);
 *   impersonated_service_account
 *                          source_credentials (authorized_user or
 *                          service_account) give a token that is exchanged at
 *                          service_account_impersonation_url (with delegates).
 * Executable, AWS and X.509 credential sources are refused, named.
 *
 * A token is renewed before it expires (expires_in / expireTime): at most
 * 5 minutes, and at most a quarter of its lifetime, before.
 *
 * PGS_BQ_ENDPOINT (a base URL such as http://127.0.0.1:9050) replaces every
 * Google host — the token endpoint ENDPOINT/token, STS and IAM Credentials
 * (ENDPOINT + their URL's path) and the metadata server
 * ENDPOINT/computeMetadata/... (unless GCE_METADATA_HOST names one) — so
 * tests run against a local server.  A credential_source.url is the
 * identity provider's, and is used as it is.
 *
 * A token, a key, a refresh token, a client secret or a subject token is
 * never printed: errors say which source failed and the server's error code
 * and text, nothing more.
 */
#ifndef PGS_GAUTH_H
#define PGS_GAUTH_H

#include <stddef.h>

#include <jansson.h>

#include "http.h"

typedef struct pgs_gauth pgs_gauth;

/* A token source; NULL (reported) when a named source is broken (a
 * credentials file that cannot be read, or of a kind pgs does not support).
 * http is borrowed for the token requests. */
pgs_gauth *pgs_gauth_new(pgs_http *http, const char *endpoint);
void pgs_gauth_free(pgs_gauth *g);

/* The current token, fetched on first use and renewed before it expires;
 * NULL after reporting when no source gives one.  Owned by g, valid until
 * the next call. */
const char *pgs_gauth_token(pgs_gauth *g);

/* The server refused the token (401): forget it, so the next
 * pgs_gauth_token() fetches a new one.  Returns 0 when a new one can be
 * fetched, -1 when not: the token is PGS_BQ_TOKEN's, which pgs cannot renew
 * (the caller says so). */
int pgs_gauth_refresh(pgs_gauth *g);

/* Which source gives the token ("PGS_BQ_TOKEN", "external_account
 * credentials in GOOGLE_APPLICATION_CREDENTIALS '…'", …), for -v. */
const char *pgs_gauth_source(const pgs_gauth *g);

/* ---- pure pieces, for the unit tests ---- */

/* 0 when cred (a parsed credentials file) is of a supported type with the
 * fields it needs; else -1 with why (whylen bytes): what is missing, or
 * which type or credential source is not supported.  Never a secret. */
int pgs_gauth_check(const json_t *cred, char *why, size_t whylen);

/* The subject token in text (len bytes, as read from credential_source's
 * file or URL): format "text" (or NULL) is the text less trailing white
 * space, "json" is the string field named field of a JSON object.  A new
 * string, or NULL with why (never the text). */
char *pgs_gauth_subject_token(const char *text, size_t len, const char *format,
    const char *field, char *why, size_t whylen);

/* The service account of an impersonation URL
 * (…/serviceAccounts/EMAIL:generateAccessToken): a new string, or NULL. */
char *pgs_gauth_principal(const char *url);

/* gcloud's well-known file: $CLOUDSDK_CONFIG/application_default_credentials.json,
 * else $HOME/.config/gcloud/application_default_credentials.json; a new
 * string, or NULL when neither variable is set. */
char *pgs_gauth_adc_path(void);

#endif
