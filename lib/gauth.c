/* gauth.c — Google OAuth access tokens for the BigQuery store (see gauth.h). */
#include "gauth.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>
#include <jansson.h>

#include "dl_crypto.h" /* libcrypto and libcurl are loaded on first use */
#include "dl_curl.h"
#include "util.h"

#define SCOPE "https://www.googleapis.com/auth/bigquery"
#define GOOGLE_TOKEN_URI "https://oauth2.googleapis.com/token"
#define METADATA_BASE "http://metadata.google.internal"

enum source { SRC_NONE, SRC_ENV, SRC_SERVICE, SRC_USER, SRC_METADATA, SRC_GCLOUD };

struct pgs_gauth {
	pgs_http *http;
	char *endpoint;         /* PGS_BQ_ENDPOINT, or NULL */
	enum source src;
	json_t *key;            /* the credentials file, when one is used */
	char *token;
	time_t expires;         /* 0: unknown */
	int tried;              /* every source was tried once and none answered */
};

static const char *const source_names[] = {
	[SRC_NONE] = "none", [SRC_ENV] = "PGS_BQ_TOKEN", [SRC_SERVICE] = "service account key",
	[SRC_USER] = "authorized_user credentials", [SRC_METADATA] = "metadata server",
	[SRC_GCLOUD] = "gcloud",
};

const char *
pgs_gauth_source(const pgs_gauth *g)
{
	return source_names[g->src];
}

pgs_gauth *
pgs_gauth_new(pgs_http *http, const char *endpoint)
{
	pgs_gauth *g = pgs_xcalloc(1, sizeof(*g));
	const char *path = getenv("GOOGLE_APPLICATION_CREDENTIALS");
	const char *type;
	json_error_t jerr;

	g->http = http;
	g->endpoint = endpoint && *endpoint ? pgs_xstrdup(endpoint) : NULL;
	if (getenv("PGS_BQ_TOKEN") && *getenv("PGS_BQ_TOKEN")) {
		g->src = SRC_ENV;
		return g;
	}
	if (path && *path) {
		if (!(g->key = json_load_file(path, 0, &jerr)) || !json_is_object(g->key)) {
			pgs_err("GOOGLE_APPLICATION_CREDENTIALS '%s': not a JSON key file: %s", path,
			    g->key ? "not an object" : jerr.text);
			pgs_gauth_free(g);
			return NULL;
		}
		type = json_string_value(json_object_get(g->key, "type"));
		if (type && strcmp(type, "service_account") == 0)
			g->src = SRC_SERVICE;
		else if (type && strcmp(type, "authorized_user") == 0)
			g->src = SRC_USER;
		else {
			pgs_err("GOOGLE_APPLICATION_CREDENTIALS '%s': type '%s': want service_account"
			    " or authorized_user", path, type ? type : "");
			pgs_gauth_free(g);
			return NULL;
		}
	}
	return g;
}

void
pgs_gauth_free(pgs_gauth *g)
{
	if (!g)
		return;
	json_decref(g->key);
	if (g->token) {
		memset(g->token, 0, strlen(g->token));
		free(g->token);
	}
	free(g->endpoint);
	free(g);
}

/* ---- base64url and the JWT ---- */

static char *
b64url(const unsigned char *p, size_t n)
{
	char *out = pgs_xmalloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);

	for (int i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	return out;
}

/* The signed assertion of a service account for aud; NULL after reporting. */
static char *
service_jwt(pgs_gauth *g, const char *aud)
{
	const char *email = json_string_value(json_object_get(g->key, "client_email"));
	const char *pem = json_string_value(json_object_get(g->key, "private_key"));
	json_t *claims;
	char *hdr = NULL, *cl = NULL, *sig64 = NULL, *jwt = NULL, *text;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *md = NULL;
	BIO *bio;
	time_t now = time(NULL);
	pgs_buf b = { 0 };

	if (!email || !pem) {
		pgs_err("service account key: client_email or private_key missing");
		return NULL;
	}
	if ((bio = BIO_new_mem_buf(pem, -1)) != NULL) {
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (!pk) {
		pgs_err("service account key: private_key is not a PEM private key");
		return NULL;
	}
	hdr = b64url((const unsigned char *)"{\"alg\":\"RS256\",\"typ\":\"JWT\"}", 27);
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", email, "scope", SCOPE, "aud", aud,
	    "iat", (json_int_t)now, "exp", (json_int_t)now + 3600);
	text = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	cl = b64url((const unsigned char *)text, strlen(text));
	free(text);
	pgs_buf_addf(&b, "%s.%s", hdr, cl);
	if (!(md = EVP_MD_CTX_new()) ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)b.s, b.len) != 1 ||
	    !(sig = pgs_xmalloc(siglen)) ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)b.s, b.len) != 1) {
		pgs_err("service account key: signing the token request failed (is it an RSA key?)");
		goto out;
	}
	sig64 = b64url(sig, siglen);
	jwt = pgs_xasprintf("%s.%s", b.s, sig64);
out:
	EVP_MD_CTX_free(md);
	EVP_PKEY_free(pk);
	free(hdr);
	free(cl);
	free(sig);
	free(sig64);
	pgs_buf_free(&b);
	return jwt;
}

/* ---- token requests ---- */

/* URL-encoded s appended to b. */
static void
form_add(pgs_buf *b, const char *name, const char *value)
{
	char *e = curl_easy_escape(NULL, value, 0);

	pgs_buf_addf(b, "%s%s=%s", b->len ? "&" : "", name, e ? e : "");
	curl_free(e);
}

/* Take access_token and expires_in from a token answer; 0, or -1 after reporting. */
static int
take_token(pgs_gauth *g, const pgs_buf *body, long status, const char *what)
{
	json_t *j = json_loadb(body->s, body->len, 0, NULL);
	const char *tok = json_string_value(json_object_get(j, "access_token"));
	json_int_t exp = json_integer_value(json_object_get(j, "expires_in"));

	if (status != 200 || !tok || !*tok) {
		const char *e = json_string_value(json_object_get(j, "error"));
		json_t *ed = json_object_get(j, "error_description");

		/* the server's error code and text; never the request, which holds secrets */
		pgs_err("BigQuery credentials (%s): the token endpoint answered HTTP %ld%s%s%s%s", what,
		    status, e ? ": " : "", e ? e : "", json_is_string(ed) ? ": " : "",
		    json_is_string(ed) ? json_string_value(ed) : "");
		json_decref(j);
		return -1;
	}
	free(g->token);
	g->token = pgs_xstrdup(tok);
	g->expires = exp > 0 ? time(NULL) + (time_t)exp : 0;
	json_decref(j);
	return 0;
}

static char *
token_uri(pgs_gauth *g)
{
	const char *u = json_string_value(json_object_get(g->key, "token_uri"));

	if (g->endpoint)
		return pgs_xasprintf("%s/token", g->endpoint);
	return pgs_xstrdup(u && *u ? u : GOOGLE_TOKEN_URI);
}

static int
post_form(pgs_gauth *g, const char *url, const pgs_buf *form, const char *what)
{
	static const char *const hdrs[] = { "Content-Type: application/x-www-form-urlencoded", NULL };
	struct pgs_http_req r = { "POST", url, hdrs, form->s, form->len, 1 };
	pgs_buf body = { 0 };
	long status = 0;
	int rc = -1;

	if (pgs_http_request(g->http, &r, &body, &status) == 0)
		rc = take_token(g, &body, status, what);
	pgs_buf_free(&body);
	return rc;
}

static int
from_service(pgs_gauth *g)
{
	char *uri = token_uri(g), *jwt = service_jwt(g, uri);
	pgs_buf form = { 0 };
	int rc = -1;

	if (jwt) {
		form_add(&form, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
		form_add(&form, "assertion", jwt);
		rc = post_form(g, uri, &form, "service account key");
		memset(form.s, 0, form.len);
		free(jwt);
	}
	pgs_buf_free(&form);
	free(uri);
	return rc;
}

static int
from_user(pgs_gauth *g)
{
	const char *id = json_string_value(json_object_get(g->key, "client_id"));
	const char *secret = json_string_value(json_object_get(g->key, "client_secret"));
	const char *refresh = json_string_value(json_object_get(g->key, "refresh_token"));
	char *uri;
	pgs_buf form = { 0 };
	int rc;

	if (!id || !secret || !refresh) {
		pgs_err("authorized_user credentials: client_id, client_secret or refresh_token missing");
		return -1;
	}
	uri = g->endpoint ? pgs_xasprintf("%s/token", g->endpoint) : pgs_xstrdup(GOOGLE_TOKEN_URI);
	form_add(&form, "grant_type", "refresh_token");
	form_add(&form, "client_id", id);
	form_add(&form, "client_secret", secret);
	form_add(&form, "refresh_token", refresh);
	rc = post_form(g, uri, &form, "authorized_user credentials");
	memset(form.s, 0, form.len);
	pgs_buf_free(&form);
	free(uri);
	return rc;
}

/* The metadata server answers at once on GCE; elsewhere its name does not
 * resolve, or nothing listens: quietly no token. */
static int
from_metadata(pgs_gauth *g)
{
	static const char *const hdrs[] = { "Metadata-Flavor: Google", NULL };
	char *url = pgs_xasprintf("%s/computeMetadata/v1/instance/service-accounts/default/token",
	    g->endpoint ? g->endpoint : METADATA_BASE);
	struct pgs_http_opts o;
	struct pgs_http_req r = { "GET", url, hdrs, NULL, 0, 1 };
	pgs_http *h;
	pgs_buf body = { 0 };
	long status = 0;
	int rc = -1, saved = pgs_verbosity;

	pgs_http_opts_init(&o);
	o.connect_timeout_ms = 1500;
	o.timeout_ms = 5000;
	o.max_retries = g->endpoint ? o.max_retries : 0;
	if ((h = pgs_http_new(&o)) != NULL) {
		if (!g->endpoint)
			pgs_verbosity = 0;   /* no metadata server is the common case, not an error */
		if (pgs_http_request(h, &r, &body, &status) == 0 && status == 200)
			rc = take_token(g, &body, status, "metadata server");
		pgs_verbosity = saved;
		pgs_http_free(h);
	}
	pgs_buf_free(&body);
	free(url);
	return rc;
}

static int
from_gcloud(pgs_gauth *g)
{
	char line[4096];
	FILE *p;
	size_t n;

	if (system("command -v gcloud >/dev/null 2>&1") != 0)
		return -1;
	if (!(p = popen("gcloud auth print-access-token 2>/dev/null", "r")))
		return -1;
	if (!fgets(line, sizeof(line), p))
		line[0] = '\0';
	if (pclose(p) != 0)
		return -1;
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (!n)
		return -1;
	free(g->token);
	g->token = pgs_xstrdup(line);
	memset(line, 0, sizeof(line));
	g->expires = 0;
	return 0;
}

const char *
pgs_gauth_token(pgs_gauth *g)
{
	int rc = -1;

	/* a token that is about to expire is renewed first */
	if (g->token && (!g->expires || time(NULL) < g->expires - 60))
		return g->token;
	switch (g->src) {
	case SRC_ENV:
		free(g->token);
		g->token = pgs_xstrdup(getenv("PGS_BQ_TOKEN"));
		return g->token;
	case SRC_SERVICE:
		rc = from_service(g);
		break;
	case SRC_USER:
		rc = from_user(g);
		break;
	case SRC_METADATA:
		rc = from_metadata(g);
		break;
	case SRC_GCLOUD:
		rc = from_gcloud(g);
		break;
	case SRC_NONE:
		if (from_metadata(g) == 0) {
			g->src = SRC_METADATA;
			rc = 0;
		} else if (from_gcloud(g) == 0) {
			g->src = SRC_GCLOUD;
			rc = 0;
		} else
			pgs_err("no BigQuery credentials: set PGS_BQ_TOKEN or GOOGLE_APPLICATION_CREDENTIALS,"
			    " run on GCE, or log in with gcloud");
		break;
	}
	return rc == 0 ? g->token : NULL;
}

int
pgs_gauth_refresh(pgs_gauth *g)
{
	if (g->src == SRC_ENV)
		return -1;
	if (g->token) {
		memset(g->token, 0, strlen(g->token));
		free(g->token);
		g->token = NULL;
	}
	return 0;
}
