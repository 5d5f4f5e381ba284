/* gauth.c — Google OAuth access tokens for the BigQuery store (see gauth.h). */
#include "gauth.h"

#include <sys/stat.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <curl/curl.h>

#include "dates.h"
#include "dl_crypto.h" /* libcrypto and libcurl are loaded on first use */
#include "dl_curl.h"
#include "util.h"

#define SCOPE_BQ "https://www.googleapis.com/auth/bigquery"
/* what STS is asked for, and what generateAccessToken needs its caller's token to carry */
#define SCOPE_CLOUD "https://www.googleapis.com/auth/cloud-platform"
#define GOOGLE_TOKEN_URI "https://oauth2.googleapis.com/token"
#define STS_TOKEN_URL "https://sts.googleapis.com/v1/token"
#define METADATA_HOST "metadata.google.internal"
#define TOKEN_EXCHANGE "urn:ietf:params:oauth:grant-type:token-exchange"
#define ACCESS_TOKEN_TYPE "urn:ietf:params:oauth:token-type:access_token"
#define TYPES "service_account, authorized_user, external_account or impersonated_service_account"
#define SOURCES "a file (credential_source.file) or a URL (credential_source.url)"
#define RENEW_MAX 300           /* renew at most this many seconds before expiry … */
#define GCLOUD_LIFE 600         /* gcloud says no expiry: ask it again this often */
#define SUBJECT_MAX (1 << 20)   /* bytes of a subject token file */
#define IMPERSONATE_LIFE 3600   /* seconds, generateAccessToken's default and usual maximum */

enum source { SRC_NONE, SRC_ENV, SRC_FILE, SRC_METADATA, SRC_GCLOUD };

struct pgs_gauth {
	pgs_http *http;
	char *endpoint;         /* PGS_BQ_ENDPOINT, or NULL */
	enum source src;
	json_t *cred;           /* the credentials file, when one is used */
	char *what;             /* the source, for messages and -v */
	char *token;
	time_t obtained, expires;   /* expires 0: unknown */
};

/* A token being fetched. */
struct tok {
	char *s;
	time_t expires;         /* 0: unknown */
};

static void
wipe(char *s)
{
	if (s) {
		memset(s, 0, strlen(s));
		free(s);
	}
}

static void
buf_wipe(pgs_buf *b)
{
	if (b->s)
		memset(b->s, 0, b->len);
	pgs_buf_free(b);
}

static const char *
str(const json_t *o, const char *k)
{
	return json_string_value(json_object_get(o, k));
}

const char *
pgs_gauth_source(const pgs_gauth *g)
{
	switch (g->src) {
	case SRC_ENV:
		return "PGS_BQ_TOKEN";
	case SRC_FILE:
		return g->what;
	case SRC_METADATA:
		return "the metadata server";
	case SRC_GCLOUD:
		return "gcloud auth print-access-token";
	default:
		return "none";
	}
}

/* ---- credentials files ---- */

char *
pgs_gauth_adc_path(void)
{
	const char *dir = getenv("CLOUDSDK_CONFIG"), *home = getenv("HOME");

	if (dir && *dir)
		return pgs_xasprintf("%s/application_default_credentials.json", dir);
	if (home && *home)
		return pgs_xasprintf("%s/.config/gcloud/application_default_credentials.json", home);
	return NULL;
}

char *
pgs_gauth_principal(const char *url)
{
	const char *p = url ? strstr(url, "/serviceAccounts/") : NULL, *end;

	if (!p)
		return NULL;
	p += strlen("/serviceAccounts/");
	end = strstr(p, ":generateAccessToken");
	if (!end || end == p || end[strlen(":generateAccessToken")] != '\0' ||
	    memchr(p, '/', (size_t)(end - p)))
		return NULL;
	return pgs_xstrndup(p, (size_t)(end - p));
}

/* 0 when every name is a non-empty string of o, else -1 with why. */
static int
need(const json_t *o, const char *type, char *why, size_t whylen, const char *const *names)
{
	for (; *names; names++) {
		const char *v = str(o, *names);

		if (!v || !*v)
			return pgs_fail(why, whylen, "%s credentials without \"%s\"", type, *names);
	}
	return 0;
}

static int
check_url(const json_t *o, const char *name, int required, char *why, size_t whylen)
{
	json_t *v = json_object_get(o, name);

	if (!v && !required)
		return 0;
	if (!json_is_string(v) || !pgs_http_is_url(json_string_value(v)))
		return pgs_fail(why, whylen, "\"%s\" is %s", name, v ? "not an http(s) URL" : "missing");
	return 0;
}

static int
check_impersonation_url(const json_t *o, int required, char *why, size_t whylen)
{
	const char *u = str(o, "service_account_impersonation_url");
	char *email;

	if (!json_object_get(o, "service_account_impersonation_url") && !required)
		return 0;
	if (check_url(o, "service_account_impersonation_url", 1, why, whylen) < 0)
		return -1;
	if (!(email = pgs_gauth_principal(u)))
		return pgs_fail(why, whylen, "service_account_impersonation_url does not end in "
		    "/serviceAccounts/EMAIL:generateAccessToken");
	free(email);
	return 0;
}

static int
check_source(const json_t *cs, char *why, size_t whylen)
{
	const json_t *fmt = json_object_get(cs, "format"), *hdrs = json_object_get(cs, "headers");
	const char *env = str(cs, "environment_id"), *type, *k;
	json_t *v;
	int file = json_object_get(cs, "file") != NULL, url = json_object_get(cs, "url") != NULL;

	if (!json_is_object(cs))
		return pgs_fail(why, whylen, "external_account credentials without a \"credential_source\" object");
	/* an AWS source also has a "url" (the instance metadata's): name it first */
	if (json_object_get(cs, "environment_id"))
		return pgs_fail(why, whylen, "%s credential sources (credential_source.environment_id"
		    " '%.20s') are not supported: pgs reads the subject token from " SOURCES,
		    env && strncmp(env, "aws", 3) == 0 ? "AWS" : "environment", env ? env : "");
	if (json_object_get(cs, "executable"))
		return pgs_fail(why, whylen, "executable-sourced credentials (credential_source.executable)"
		    " are not supported: pgs reads the subject token from " SOURCES);
	if (json_object_get(cs, "certificate"))
		return pgs_fail(why, whylen, "X.509 certificate credentials (credential_source.certificate)"
		    " are not supported: pgs reads the subject token from " SOURCES);
	if (file && url)
		return pgs_fail(why, whylen, "credential_source has both \"file\" and \"url\": want one");
	if (!file && !url)
		return pgs_fail(why, whylen, "credential_source has neither \"file\" nor \"url\": pgs reads"
		    " the subject token from " SOURCES);
	if (file && (!str(cs, "file") || !*str(cs, "file")))
		return pgs_fail(why, whylen, "credential_source.file is not a path");
	if (url && check_url(cs, "url", 1, why, whylen) < 0)
		return -1;
	if (fmt && !json_is_object(fmt))
		return pgs_fail(why, whylen, "credential_source.format is not an object");
	type = str(fmt, "type");
	if (json_object_get(fmt, "type") && (!type ||
	    (strcmp(type, "text") != 0 && strcmp(type, "json") != 0)))
		return pgs_fail(why, whylen, "credential_source.format.type '%.20s': want text or json",
		    type ? type : "");
	if (type && strcmp(type, "json") == 0 && (!str(fmt, "subject_token_field_name") ||
	    !*str(fmt, "subject_token_field_name")))
		return pgs_fail(why, whylen, "credential_source.format is json without"
		    " subject_token_field_name");
	if (hdrs && !json_is_object(hdrs))
		return pgs_fail(why, whylen, "credential_source.headers is not an object");
	json_object_foreach((json_t *)hdrs, k, v)
		if (!json_is_string(v))
			return pgs_fail(why, whylen, "credential_source.headers.%.40s is not a string", k);
	return 0;
}

static int
check_external(const json_t *c, char *why, size_t whylen)
{
	static const char *const names[] = { "audience", "subject_token_type", NULL };
	const json_t *life = json_object_get(json_object_get(c, "service_account_impersonation"),
	    "token_lifetime_seconds");

	if (need(c, "external_account", why, whylen, names) < 0 ||
	    check_url(c, "token_url", 0, why, whylen) < 0 ||
	    check_impersonation_url(c, 0, why, whylen) < 0)
		return -1;
	if (life && (!json_is_integer(life) || json_integer_value(life) < 1 ||
	    json_integer_value(life) > 43200))
		return pgs_fail(why, whylen, "service_account_impersonation.token_lifetime_seconds"
		    " is not a number of seconds from 1 to 43200");
	return check_source(json_object_get(c, "credential_source"), why, whylen);
}

static int
check_typed(const json_t *c, int impersonated_ok, char *why, size_t whylen)
{
	static const char *const sa[] = { "client_email", "private_key", NULL };
	static const char *const user[] = { "client_id", "client_secret", "refresh_token", NULL };
	const char *type = str(c, "type");
	const json_t *src, *dels;
	size_t i;

	if (!json_is_object(c))
		return pgs_fail(why, whylen, "not a JSON object");
	if (!type)
		return pgs_fail(why, whylen, "no \"type\" (want " TYPES ")");
	if (strcmp(type, "service_account") == 0)
		return need(c, type, why, whylen, sa);
	if (strcmp(type, "authorized_user") == 0)
		return need(c, type, why, whylen, user);
	if (impersonated_ok && strcmp(type, "external_account") == 0)
		return check_external(c, why, whylen);
	if (impersonated_ok && strcmp(type, "impersonated_service_account") == 0) {
		if (check_impersonation_url(c, 1, why, whylen) < 0)
			return -1;
		src = json_object_get(c, "source_credentials");
		if (!json_is_object(src))
			return pgs_fail(why, whylen, "impersonated_service_account credentials without a"
			    " \"source_credentials\" object");
		type = str(src, "type");
		if (!type || (strcmp(type, "authorized_user") != 0 && strcmp(type, "service_account") != 0))
			return pgs_fail(why, whylen, "source_credentials of type '%.40s' are not supported"
			    " (want authorized_user or service_account)", type ? type : "");
		if (check_typed(src, 0, why, whylen) < 0)
			return -1;
		dels = json_object_get(c, "delegates");
		if (dels && !json_is_null(dels) && !json_is_array(dels))
			return pgs_fail(why, whylen, "\"delegates\" is not an array");
		for (i = 0; i < json_array_size(dels); i++) {
			const char *d = json_string_value(json_array_get(dels, i));

			if (!d || !*d)
				return pgs_fail(why, whylen, "delegates[%zu] is not a service account", i);
		}
		return 0;
	}
	return pgs_fail(why, whylen, "type '%.40s' is not supported (want %s)", type,
	    impersonated_ok ? TYPES : "authorized_user or service_account");
}

int
pgs_gauth_check(const json_t *cred, char *why, size_t whylen)
{
	return check_typed(cred, 1, why, whylen);
}

/* Load and check a credentials file; NULL after reporting.  A parse error
 * says where, never what is there (the file holds secrets). */
static json_t *
load_cred(const char *path, const char *where)
{
	json_error_t jerr;
	json_t *j;
	char why[256];
	FILE *f;

	if (!(f = fopen(path, "r"))) {
		pgs_err_errno("%s '%s'", where, path);
		return NULL;
	}
	j = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!j) {
		pgs_err("%s '%s': not a JSON credentials file (error at line %d, column %d)", where, path,
		    jerr.line, jerr.column);
		return NULL;
	}
	if (pgs_gauth_check(j, why, sizeof(why)) < 0) {
		pgs_err("%s '%s': %s", where, path, why);
		json_decref(j);
		return NULL;
	}
	return j;
}

pgs_gauth *
pgs_gauth_new(pgs_http *http, const char *endpoint)
{
	pgs_gauth *g = pgs_xcalloc(1, sizeof(*g));
	const char *env = getenv("GOOGLE_APPLICATION_CREDENTIALS"), *where = NULL;
	char *adc = NULL, *path = NULL;
	struct stat st;

	g->http = http;
	g->endpoint = endpoint && *endpoint ? pgs_xstrdup(endpoint) : NULL;
	if (getenv("PGS_BQ_TOKEN") && *getenv("PGS_BQ_TOKEN")) {
		g->src = SRC_ENV;
		return g;
	}
	if (env && *env) {
		where = "GOOGLE_APPLICATION_CREDENTIALS";
		path = pgs_xstrdup(env);
	} else if ((adc = pgs_gauth_adc_path()) != NULL && stat(adc, &st) == 0) {
		where = "application default credentials";
		path = adc;
		adc = NULL;
	}
	free(adc);
	if (!path)
		return g;   /* the metadata server or gcloud, on first use */
	if (!(g->cred = load_cred(path, where))) {
		free(path);
		pgs_gauth_free(g);
		return NULL;
	}
	g->src = SRC_FILE;
	g->what = pgs_xasprintf("%s credentials in %s '%s'", str(g->cred, "type"), where, path);
	free(path);
	return g;
}

void
pgs_gauth_free(pgs_gauth *g)
{
	if (!g)
		return;
	json_decref(g->cred);
	wipe(g->token);
	free(g->what);
	free(g->endpoint);
	free(g);
}

/* ---- subject tokens ---- */

char *
pgs_gauth_subject_token(const char *text, size_t len, const char *format, const char *field,
    char *why, size_t whylen)
{
	json_error_t jerr;
	json_t *doc, *v;
	char *tok;

	if (!format || strcmp(format, "text") == 0) {
		/* Google's libraries take the text as it is; a file written with a
		 * final newline would then fail at STS for a reason no one sees */
		while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == '\r' ||
		    text[len - 1] == ' ' || text[len - 1] == '\t'))
			len--;
		if (len == 0 || memchr(text, '\0', len)) {
			pgs_fail(why, whylen, len ? "the subject token holds a NUL byte" :
			    "the subject token is empty");
			return NULL;
		}
		return pgs_xstrndup(text, len);
	}
	if (strcmp(format, "json") != 0 || !field) {
		pgs_fail(why, whylen, "format '%.20s': want text, or json with subject_token_field_name",
		    format);
		return NULL;
	}
	if (!(doc = json_loadb(text, len, 0, &jerr)) || !json_is_object(doc)) {
		pgs_fail(why, whylen, "not a JSON object (format json)");
		json_decref(doc);
		return NULL;
	}
	v = json_object_get(doc, field);
	if (!json_is_string(v) || !*json_string_value(v)) {
		pgs_fail(why, whylen, "no string \"%.60s\" in the JSON (subject_token_field_name)", field);
		tok = NULL;
	} else
		tok = pgs_xstrdup(json_string_value(v));
	json_decref(doc);   /* the token is in doc's strings: jansson frees, cannot wipe them */
	return tok;
}

/* The file's whole text (at most SUBJECT_MAX bytes); 0, or -1 after reporting. */
static int
read_small(const char *path, const char *what, pgs_buf *out)
{
	char chunk[4096];
	size_t n;
	FILE *f = fopen(path, "rb");

	if (!f) {
		pgs_err_errno("BigQuery credentials (%s): credential_source.file '%s'", what, path);
		return -1;
	}
	while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0 && out->len <= SUBJECT_MAX)
		pgs_buf_add(out, chunk, n);
	memset(chunk, 0, sizeof(chunk));
	if (ferror(f) || out->len > SUBJECT_MAX) {
		if (ferror(f))
			pgs_err_errno("BigQuery credentials (%s): credential_source.file '%s'", what, path);
		else
			pgs_err("BigQuery credentials (%s): credential_source.file '%s': larger than %d bytes",
			    what, path, SUBJECT_MAX);
		fclose(f);
		return -1;
	}
	fclose(f);
	return 0;
}

/* The subject token of an external_account; NULL after reporting. */
static char *
subject_token(pgs_gauth *g, const json_t *cs, const char *what)
{
	const json_t *fmt = json_object_get(cs, "format"), *hdrs = json_object_get(cs, "headers");
	const char *path = str(cs, "file"), *url = str(cs, "url"), *k, *fmtype = str(fmt, "type");
	const char **hv = pgs_xcalloc(json_object_size(hdrs) + 1, sizeof(*hv));
	pgs_buf body = { 0 }, hb = { 0 };
	char why[200], *tok = NULL, *shown = NULL;
	size_t nh = 0, *off = pgs_xcalloc(json_object_size(hdrs) + 1, sizeof(*off));
	long status = 0;
	json_t *v;

	if (path) {
		if (read_small(path, what, &body) < 0)
			goto out;
	} else {
		/* "Name: value" lines end to end in hb, pointed at once hb stops growing */
		json_object_foreach((json_t *)hdrs, k, v) {
			off[nh++] = hb.len;
			pgs_buf_addf(&hb, "%s: %s", k, json_string_value(v));
			pgs_buf_add(&hb, "", 1);
		}
		for (size_t i = 0; i < nh; i++) {
			hv[i] = hb.s + off[i];
			if (!pgs_http_header_ok(hv[i])) {
				/* the value may be a secret: only the name */
				pgs_err("BigQuery credentials (%s): credential_source.headers: '%.*s' does not"
				    " make a 'Name: value' header", what, (int)strcspn(hv[i], ":"), hv[i]);
				goto out;
			}
		}
		{
			struct pgs_http_req r = { "GET", url, hv, NULL, 0, 1 };

			shown = pgs_http_redact(url);
			if (pgs_http_request(g->http, &r, &body, &status) < 0)
				goto out;
		}
		if (status != 200) {
			pgs_err("BigQuery credentials (%s): credential_source.url %s answered HTTP %ld",
			    what, shown, status);
			goto out;
		}
	}
	if (!(tok = pgs_gauth_subject_token(body.s ? body.s : "", body.len, fmtype,
	    str(fmt, "subject_token_field_name"), why, sizeof(why)))) {
		if (path)
			pgs_err("BigQuery credentials (%s): credential_source.file '%s': %s", what, path, why);
		else
			pgs_err("BigQuery credentials (%s): credential_source.url %s: %s", what, shown, why);
	}
out:
	buf_wipe(&body);
	buf_wipe(&hb);
	free(hv);
	free(off);
	free(shown);
	return tok;
}

/* ---- base64url and the JWT ---- */

static char *
b64(const unsigned char *p, size_t n, int url)
{
	char *out = pgs_xmalloc(4 * ((n + 2) / 3) + 1);
	int len = EVP_EncodeBlock((unsigned char *)out, p, (int)n);

	if (!url)
		return out;
	for (int i = 0; i < len; i++)
		out[i] = out[i] == '+' ? '-' : out[i] == '/' ? '_' : out[i];
	while (len > 0 && out[len - 1] == '=')
		len--;
	out[len] = '\0';
	return out;
}

/* The signed assertion of service account key for aud and scope; NULL after reporting. */
static char *
service_jwt(const json_t *key, const char *aud, const char *scope, const char *what)
{
	const char *email = str(key, "client_email"), *pem = str(key, "private_key");
	json_t *claims;
	char *hdr = NULL, *cl = NULL, *sig64 = NULL, *jwt = NULL, *text;
	unsigned char *sig = NULL;
	size_t siglen = 0;
	EVP_PKEY *pk = NULL;
	EVP_MD_CTX *md = NULL;
	BIO *bio;
	time_t now = time(NULL);
	pgs_buf b = { 0 };

	if ((bio = BIO_new_mem_buf(pem, -1)) != NULL) {
		pk = PEM_read_bio_PrivateKey(bio, NULL, NULL, NULL);
		BIO_free(bio);
	}
	if (!pk) {
		pgs_err("BigQuery credentials (%s): private_key is not a PEM private key", what);
		return NULL;
	}
	hdr = b64((const unsigned char *)"{\"alg\":\"RS256\",\"typ\":\"JWT\"}", 27, 1);
	claims = json_pack("{s:s, s:s, s:s, s:I, s:I}", "iss", email, "scope", scope, "aud", aud,
	    "iat", (json_int_t)now, "exp", (json_int_t)now + 3600);
	text = json_dumps(claims, JSON_COMPACT);
	json_decref(claims);
	cl = b64((const unsigned char *)text, strlen(text), 1);
	free(text);
	pgs_buf_addf(&b, "%s.%s", hdr, cl);
	if (!(md = EVP_MD_CTX_new()) ||
	    EVP_DigestSignInit(md, NULL, EVP_sha256(), NULL, pk) != 1 ||
	    EVP_DigestSign(md, NULL, &siglen, (const unsigned char *)b.s, b.len) != 1 ||
	    !(sig = pgs_xmalloc(siglen)) ||
	    EVP_DigestSign(md, sig, &siglen, (const unsigned char *)b.s, b.len) != 1) {
		pgs_err("BigQuery credentials (%s): signing the token request failed (is it an RSA key?)",
		    what);
		goto out;
	}
	sig64 = b64(sig, siglen, 1);
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

/* URL-encoded value appended to b. */
static void
form_add(pgs_buf *b, const char *name, const char *value)
{
	char *e = curl_easy_escape(NULL, value, 0);

	pgs_buf_addf(b, "%s%s=%s", b->len ? "&" : "", name, e ? e : "");
	if (e)
		memset(e, 0, strlen(e));
	curl_free(e);
}

/* url with its scheme and host replaced by PGS_BQ_ENDPOINT, when set: a new string. */
static char *
google_url(const pgs_gauth *g, const char *url)
{
	const char *p = strstr(url, "://");

	if (!g->endpoint)
		return pgs_xstrdup(url);
	p = p ? p + 3 : url;
	p += strcspn(p, "/?");
	return pgs_xasprintf("%s%s%s", g->endpoint, *p == '/' ? "" : "/", p);
}

/*
 * POST body to url and read the answer.  0 with *doc (a 200 answer, a new
 * reference), or -1 after reporting "BigQuery credentials (what): SERVER
 * answered HTTP N: error: description" — the server's words, never the
 * request, which holds secrets.
 */
static int
post(pgs_gauth *g, const char *url, const char *const *hdrs, const pgs_buf *body,
    const char *what, const char *server, json_t **doc)
{
	struct pgs_http_req r = { "POST", url, hdrs, body->s, body->len, 1 };
	pgs_buf ans = { 0 };
	long status = 0;
	json_t *j, *e;
	const char *code = NULL, *text = NULL;

	*doc = NULL;
	if (pgs_http_request(g->http, &r, &ans, &status) < 0) {
		buf_wipe(&ans);
		return -1;
	}
	j = json_loadb(ans.s ? ans.s : "", ans.len, 0, NULL);
	buf_wipe(&ans);
	if (status == 200 && json_is_object(j)) {
		*doc = j;
		return 0;
	}
	e = json_object_get(j, "error");
	if (json_is_string(e)) {                /* OAuth: {"error":…, "error_description":…} */
		code = json_string_value(e);
		text = str(j, "error_description");
	} else if (json_is_object(e)) {         /* Google APIs: {"error":{"status":…, "message":…}} */
		code = str(e, "status");
		text = str(e, "message");
	}
	pgs_err("BigQuery credentials (%s): %s answered HTTP %ld%s%.60s%s%.300s", what, server, status,
	    code ? ": " : "", code ? code : "", text ? ": " : "", text ? text : "");
	json_decref(j);
	return -1;
}

/* access_token and expires_in (a number, or a string as some servers send it) of an OAuth answer. */
static int
oauth_token(json_t *doc, struct tok *t, const char *what, const char *server)
{
	const char *tok = str(doc, "access_token");
	json_t *e = json_object_get(doc, "expires_in");
	long long in = json_is_integer(e) ? json_integer_value(e) :
	    json_is_string(e) ? atoll(json_string_value(e)) : 0;

	if (!tok || !*tok) {
		pgs_err("BigQuery credentials (%s): %s answered without an access_token", what, server);
		json_decref(doc);
		return -1;
	}
	t->s = pgs_xstrdup(tok);
	t->expires = in > 0 ? time(NULL) + (time_t)in : 0;
	json_decref(doc);
	return 0;
}

static int
post_form(pgs_gauth *g, const char *url, const char *auth, const pgs_buf *form, const char *what,
    const char *server, struct tok *t)
{
	const char *hdrs[] = { "Content-Type: application/x-www-form-urlencoded", auth, NULL };
	json_t *doc;

	if (post(g, url, hdrs, form, what, server, &doc) < 0)
		return -1;
	return oauth_token(doc, t, what, server);
}

/* The token endpoint of a service account key or a user's credentials: a new string. */
static char *
token_uri(const pgs_gauth *g, const json_t *c)
{
	const char *u = str(c, "token_uri");

	if (g->endpoint)
		return pgs_xasprintf("%s/token", g->endpoint);
	return pgs_xstrdup(u && *u ? u : GOOGLE_TOKEN_URI);
}

static int
from_service(pgs_gauth *g, const json_t *c, const char *scope, const char *what, struct tok *t)
{
	char *uri = token_uri(g, c), *jwt = service_jwt(c, uri, scope, what);
	pgs_buf form = { 0 };
	int rc = -1;

	if (jwt) {
		form_add(&form, "grant_type", "urn:ietf:params:oauth:grant-type:jwt-bearer");
		form_add(&form, "assertion", jwt);
		rc = post_form(g, uri, NULL, &form, what, "the token endpoint", t);
		wipe(jwt);
	}
	buf_wipe(&form);
	free(uri);
	return rc;
}

static int
from_user(pgs_gauth *g, const json_t *c, const char *what, struct tok *t)
{
	char *uri = g->endpoint ? pgs_xasprintf("%s/token", g->endpoint) : pgs_xstrdup(GOOGLE_TOKEN_URI);
	pgs_buf form = { 0 };
	int rc;

	form_add(&form, "grant_type", "refresh_token");
	form_add(&form, "client_id", str(c, "client_id"));
	form_add(&form, "client_secret", str(c, "client_secret"));
	form_add(&form, "refresh_token", str(c, "refresh_token"));
	rc = post_form(g, uri, NULL, &form, what, "the token endpoint", t);
	buf_wipe(&form);
	free(uri);
	return rc;
}

/*
 * IAM Credentials generateAccessToken at url, authorized by bearer: a token
 * of the service account for BigQuery, lifetime seconds long.  delegates
 * (or NULL) are sent as the API wants them, projects/-/serviceAccounts/EMAIL.
 */
static int
impersonate(pgs_gauth *g, const char *url, const char *bearer, const json_t *delegates,
    long lifetime, const char *what, struct tok *t)
{
	static const char server[] = "IAM Credentials (generateAccessToken)";
	json_t *req, *doc, *d;
	char *u = google_url(g, url), *text, *e, life[32];
	const char *hdrs[] = { "Content-Type: application/json", NULL, NULL }, *tok, *exp;
	pgs_buf auth = { 0 }, body = { 0 };
	long long us;
	int rc = -1;

	snprintf(life, sizeof(life), "%lds", lifetime);
	req = json_pack("{s:[s], s:s}", "scope", SCOPE_BQ, "lifetime", life);
	if (json_array_size(delegates) > 0) {
		d = json_array();
		for (size_t i = 0; i < json_array_size(delegates); i++) {
			const char *s = json_string_value(json_array_get(delegates, i));

			e = strncmp(s, "projects/", 9) == 0 ? pgs_xstrdup(s) :
			    pgs_xasprintf("projects/-/serviceAccounts/%s", s);
			json_array_append_new(d, json_string(e));
			free(e);
		}
		json_object_set_new(req, "delegates", d);
	}
	text = json_dumps(req, JSON_COMPACT);
	json_decref(req);
	pgs_buf_adds(&body, text);
	free(text);
	pgs_buf_addf(&auth, "Authorization: Bearer %s", bearer);
	hdrs[1] = auth.s;
	if (post(g, u, hdrs, &body, what, server, &doc) == 0) {
		tok = str(doc, "accessToken");
		exp = str(doc, "expireTime");
		if (!tok || !*tok || !exp || pgs_timestamp_parse(exp, &us) < 0)
			pgs_err("BigQuery credentials (%s): %s answered without an accessToken and"
			    " expireTime", what, server);
		else {
			t->s = pgs_xstrdup(tok);
			t->expires = (time_t)(us / 1000000);
			rc = 0;
		}
		json_decref(doc);
	}
	buf_wipe(&auth);
	pgs_buf_free(&body);
	free(u);
	return rc;
}

/* Workload identity federation: subject token → STS → (generateAccessToken). */
static int
from_external(pgs_gauth *g, const json_t *c, const char *what, struct tok *t)
{
	const char *id = str(c, "client_id"), *secret = str(c, "client_secret");
	const char *imp = str(c, "service_account_impersonation_url");
	const char *project = str(c, "workforce_pool_user_project");
	const json_t *life = json_object_get(json_object_get(c, "service_account_impersonation"),
	    "token_lifetime_seconds");
	char *subject, *url = google_url(g, str(c, "token_url") ? str(c, "token_url") : STS_TOKEN_URL);
	char *cred = NULL, *basic = NULL, *opts = NULL;
	pgs_buf form = { 0 }, auth = { 0 };
	struct tok sts = { 0 };
	int rc = -1;

	if (!(subject = subject_token(g, json_object_get(c, "credential_source"), what)))
		goto out;
	/* RFC 8693 as google-auth sends it: the scope is cloud-platform, which
	 * generateAccessToken requires and which covers BigQuery */
	form_add(&form, "grant_type", TOKEN_EXCHANGE);
	form_add(&form, "audience", str(c, "audience"));
	form_add(&form, "scope", SCOPE_CLOUD);
	form_add(&form, "requested_token_type", ACCESS_TOKEN_TYPE);
	form_add(&form, "subject_token", subject);
	form_add(&form, "subject_token_type", str(c, "subject_token_type"));
	if (project && *project && !id) {
		/* a workforce pool's billing project, unless the client id names it */
		json_t *o = json_pack("{s:s}", "userProject", project);

		opts = json_dumps(o, JSON_COMPACT);
		json_decref(o);
		form_add(&form, "options", opts);
	}
	if (id) {
		/* client authentication: HTTP Basic, as google-auth does it */
		cred = pgs_xasprintf("%s:%s", id, secret ? secret : "");
		basic = b64((const unsigned char *)cred, strlen(cred), 0);
		pgs_buf_addf(&auth, "Authorization: Basic %s", basic);
	}
	if (post_form(g, url, auth.s, &form, what, "the token exchange endpoint (STS)", &sts) < 0)
		goto out;
	if (!imp) {
		*t = sts;
		sts.s = NULL;
		rc = 0;
		goto out;
	}
	rc = impersonate(g, imp, sts.s, NULL, life ? (long)json_integer_value(life) : IMPERSONATE_LIFE,
	    what, t);
out:
	wipe(subject);
	wipe(sts.s);
	wipe(cred);
	wipe(basic);
	free(opts);
	buf_wipe(&form);
	buf_wipe(&auth);
	free(url);
	return rc;
}

static int
from_impersonated(pgs_gauth *g, const json_t *c, const char *what, struct tok *t)
{
	const json_t *src = json_object_get(c, "source_credentials");
	struct tok st = { 0 };
	char *swhat = pgs_xasprintf("%s, its source_credentials", what);
	int rc = -1;

	/* the source's token calls generateAccessToken: cloud-platform scope */
	if ((strcmp(str(src, "type"), "service_account") == 0 ?
	    from_service(g, src, SCOPE_CLOUD, swhat, &st) : from_user(g, src, swhat, &st)) == 0)
		rc = impersonate(g, str(c, "service_account_impersonation_url"), st.s,
		    json_object_get(c, "delegates"), IMPERSONATE_LIFE, what, t);
	wipe(st.s);
	free(swhat);
	return rc;
}

static int
from_file(pgs_gauth *g, struct tok *t)
{
	const char *type = str(g->cred, "type");

	if (strcmp(type, "service_account") == 0)
		return from_service(g, g->cred, SCOPE_BQ, g->what, t);
	if (strcmp(type, "authorized_user") == 0)
		return from_user(g, g->cred, g->what, t);
	if (strcmp(type, "external_account") == 0)
		return from_external(g, g->cred, g->what, t);
	return from_impersonated(g, g->cred, g->what, t);
}

/* The metadata server answers at once on GCE; elsewhere its name does not
 * resolve, or nothing listens: quietly no token, unless GCE_METADATA_HOST
 * or PGS_BQ_ENDPOINT named it. */
static int
from_metadata(pgs_gauth *g, struct tok *t)
{
	static const char *const hdrs[] = { "Metadata-Flavor: Google", NULL };
	const char *host = getenv("GCE_METADATA_HOST");
	int named = (host && *host) || g->endpoint;
	char *url = host && *host ?
	    pgs_xasprintf("http://%s/computeMetadata/v1/instance/service-accounts/default/token", host) :
	    pgs_xasprintf("%s/computeMetadata/v1/instance/service-accounts/default/token",
	    g->endpoint ? g->endpoint : "http://" METADATA_HOST);
	struct pgs_http_opts o;
	struct pgs_http_req r = { "GET", url, hdrs, NULL, 0, 1 };
	pgs_http *h;
	pgs_buf body = { 0 };
	long status = 0;
	int rc = -1, saved = pgs_verbosity;
	json_t *doc;

	pgs_http_opts_init(&o);
	o.connect_timeout_ms = 1500;
	o.timeout_ms = 5000;
	o.max_retries = named ? o.max_retries : 0;
	if ((h = pgs_http_new(&o)) != NULL) {
		if (!named)
			pgs_verbosity = 0;   /* no metadata server is the common case, not an error */
		if (pgs_http_request(h, &r, &body, &status) == 0 && status == 200 &&
		    (doc = json_loadb(body.s, body.len, 0, NULL)) != NULL)
			rc = oauth_token(doc, t, "metadata server", "the metadata server");
		pgs_verbosity = saved;
		pgs_http_free(h);
	}
	buf_wipe(&body);
	free(url);
	return rc;
}

static int
from_gcloud(struct tok *t)
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
	if (pclose(p) != 0) {
		memset(line, 0, sizeof(line));
		return -1;
	}
	n = strcspn(line, "\r\n");
	line[n] = '\0';
	if (!n)
		return -1;
	t->s = pgs_xstrdup(line);
	memset(line, 0, sizeof(line));
	/* gcloud renews its own token; asking it again now and then keeps ours fresh */
	t->expires = time(NULL) + GCLOUD_LIFE;
	return 0;
}

/* Renew when less than a quarter of the token's life, at most RENEW_MAX s, is left. */
static int
stale(const pgs_gauth *g, time_t now)
{
	time_t margin;

	if (!g->expires)
		return 0;
	margin = (g->expires - g->obtained) / 4;
	if (margin > RENEW_MAX)
		margin = RENEW_MAX;
	return now >= g->expires - margin;
}

const char *
pgs_gauth_token(pgs_gauth *g)
{
	struct tok t = { 0 };
	time_t now = time(NULL);
	int rc = -1;

	if (g->src == SRC_ENV) {
		if (!g->token)
			g->token = pgs_xstrdup(getenv("PGS_BQ_TOKEN"));
		return g->token;
	}
	if (g->token && !stale(g, now))
		return g->token;
	if (g->token)
		pgs_info("BigQuery credentials (%s): renewing the access token, %lld s before it expires",
		    pgs_gauth_source(g), (long long)(g->expires - now));
	switch (g->src) {
	case SRC_FILE:
		rc = from_file(g, &t);
		break;
	case SRC_METADATA:
		rc = from_metadata(g, &t);
		break;
	case SRC_GCLOUD:
		rc = from_gcloud(&t);
		break;
	default:
		if ((rc = from_metadata(g, &t)) == 0)
			g->src = SRC_METADATA;
		else if ((rc = from_gcloud(&t)) == 0)
			g->src = SRC_GCLOUD;
		else
			pgs_err("no BigQuery credentials: set GOOGLE_APPLICATION_CREDENTIALS to a"
			    " credentials file, run 'gcloud auth application-default login', run on"
			    " Google Cloud (the metadata server), log in with gcloud, or set PGS_BQ_TOKEN");
		break;
	}
	if (rc < 0)
		return NULL;
	wipe(g->token);
	g->token = t.s;
	g->obtained = now;
	/* an expiry already past by our clock (a skewed clock, an expireTime in
	 * whole seconds) would renew on every call: then rely on the 401 */
	g->expires = t.expires > now ? t.expires : 0;
	if (g->expires)
		pgs_info("BigQuery credentials: an access token from %s, valid for %lld s",
		    pgs_gauth_source(g), (long long)(g->expires - now));
	else
		pgs_info("BigQuery credentials: an access token from %s", pgs_gauth_source(g));
	return g->token;
}

int
pgs_gauth_refresh(pgs_gauth *g)
{
	if (g->src == SRC_ENV)
		return -1;
	wipe(g->token);
	g->token = NULL;
	return 0;
}
