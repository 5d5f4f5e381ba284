/* test_gauth.c — the pure pieces of lib/gauth.c: which credentials files are
 * taken and why others are not, the subject token of a text or JSON source,
 * the service account of an impersonation URL, gcloud's well-known path. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "gauth.h"
#include "unit.h"

#define NELEM(a) (sizeof(a) / sizeof((a)[0]))

/* One credentials file: its JSON, and NULL when taken, else a part of why not. */
struct cred_case {
	int line;
	const char *json, *why;
};

#define EXT(src, more) "{\"type\":\"external_account\",\"audience\":\"//iam.googleapis.com/x\"," \
	"\"subject_token_type\":\"urn:ietf:params:oauth:token-type:jwt\"," \
	"\"token_url\":\"https://sts.googleapis.com/v1/token\",\"credential_source\":" src more "}"
#define IMP_URL "\"https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/" \
	"sa@p.iam.gserviceaccount.com:generateAccessToken\""
#define USER "{\"type\":\"authorized_user\",\"client_id\":\"i\",\"client_secret\":\"s\",\"refresh_token\":\"r\"}"

static const struct cred_case creds[] = {
	{ __LINE__, "{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key\":\"k\"}", NULL },
	{ __LINE__, "{\"type\":\"service_account\",\"client_email\":\"a@b\"}",
	  "service_account credentials without \"private_key\"" },
	{ __LINE__, USER, NULL },
	{ __LINE__, "{\"type\":\"authorized_user\",\"client_id\":\"i\",\"client_secret\":\"\",\"refresh_token\":\"r\"}",
	  "authorized_user credentials without \"client_secret\"" },
	{ __LINE__, "[1]", "not a JSON object" },
	{ __LINE__, "{}", "no \"type\" (want service_account, authorized_user, external_account or"
	  " impersonated_service_account)" },
	{ __LINE__, "{\"type\":\"gdch_service_account\"}", "type 'gdch_service_account' is not supported" },
	{ __LINE__, "{\"type\":\"external_account_authorized_user\"}",
	  "type 'external_account_authorized_user' is not supported" },
	/* external_account: file and URL sources, text and json */
	{ __LINE__, EXT("{\"file\":\"/run/token\"}", ""), NULL },
	{ __LINE__, EXT("{\"file\":\"/run/token\",\"format\":{\"type\":\"text\"}}", ""), NULL },
	{ __LINE__, EXT("{\"file\":\"/t\",\"format\":{\"type\":\"json\",\"subject_token_field_name\":\"id_token\"}}", ""), NULL },
	{ __LINE__, EXT("{\"url\":\"http://169.254.169.254/metadata/identity/oauth2/token\",\"headers\":{\"Metadata\":\"True\"},"
	  "\"format\":{\"type\":\"json\",\"subject_token_field_name\":\"access_token\"}}", ",\"service_account_impersonation_url\":" IMP_URL
	  ",\"service_account_impersonation\":{\"token_lifetime_seconds\":1200}"), NULL },
	{ __LINE__, EXT("{\"file\":\"/t\"}", ",\"client_id\":\"c\",\"client_secret\":\"s\",\"workforce_pool_user_project\":\"p\""), NULL },
	{ __LINE__, EXT("{\"file\":\"/t\",\"format\":{\"type\":\"json\"}}", ""),
	  "credential_source.format is json without subject_token_field_name" },
	{ __LINE__, EXT("{\"file\":\"/t\",\"format\":{\"type\":\"xml\"}}", ""),
	  "credential_source.format.type 'xml': want text or json" },
	{ __LINE__, EXT("{\"file\":\"/t\",\"url\":\"http://x/\"}", ""), "both \"file\" and \"url\"" },
	{ __LINE__, EXT("{}", ""), "neither \"file\" nor \"url\"" },
	{ __LINE__, EXT("\"/t\"", ""), "without a \"credential_source\" object" },
	{ __LINE__, EXT("{\"url\":\"ftp://x/\"}", ""), "\"url\" is not an http(s) URL" },
	{ __LINE__, EXT("{\"url\":\"http://x/\",\"headers\":{\"A\":1}}", ""), "credential_source.headers.A is not a string" },
	{ __LINE__, EXT("{\"file\":\"/t\"}", ",\"service_account_impersonation_url\":\"https://iamcredentials.googleapis.com/v1/x\""),
	  "service_account_impersonation_url does not end in /serviceAccounts/EMAIL:generateAccessToken" },
	{ __LINE__, EXT("{\"file\":\"/t\"}", ",\"service_account_impersonation\":{\"token_lifetime_seconds\":0}"),
	  "token_lifetime_seconds is not a number of seconds" },
	{ __LINE__, EXT("{\"file\":\"/t\"}", ",\"token_url\":7"), "\"token_url\" is not an http(s) URL" },
	/* what is refused, named: an AWS source has a url too, which must not hide it */
	{ __LINE__, EXT("{\"environment_id\":\"aws1\",\"url\":\"http://169.254.169.254/latest/meta-data/iam/security-credentials\"}", ""),
	  "AWS credential sources (credential_source.environment_id 'aws1') are not supported: pgs reads the"
	  " subject token from a file (credential_source.file) or a URL (credential_source.url)" },
	{ __LINE__, EXT("{\"executable\":{\"command\":\"/bin/tok\",\"timeout_millis\":30000}}", ""),
	  "executable-sourced credentials (credential_source.executable) are not supported" },
	{ __LINE__, EXT("{\"certificate\":{\"use_default_certificate_config\":true}}", ""),
	  "X.509 certificate credentials (credential_source.certificate) are not supported" },
	/* impersonated_service_account */
	{ __LINE__, "{\"type\":\"impersonated_service_account\",\"service_account_impersonation_url\":" IMP_URL
	  ",\"delegates\":[\"d@p.iam.gserviceaccount.com\"],\"source_credentials\":" USER "}", NULL },
	{ __LINE__, "{\"type\":\"impersonated_service_account\",\"service_account_impersonation_url\":" IMP_URL
	  ",\"delegates\":null,\"source_credentials\":{\"type\":\"service_account\",\"client_email\":\"a@b\",\"private_key\":\"k\"}}", NULL },
	{ __LINE__, "{\"type\":\"impersonated_service_account\",\"source_credentials\":" USER "}",
	  "\"service_account_impersonation_url\" is missing" },
	{ __LINE__, "{\"type\":\"impersonated_service_account\",\"service_account_impersonation_url\":" IMP_URL "}",
	  "without a \"source_credentials\" object" },
	{ __LINE__, "{\"type\":\"impersonated_service_account\",\"service_account_impersonation_url\":" IMP_URL
	  ",\"source_credentials\":{\"type\":\"external_account_authorized_user\"}}",
	  "source_credentials of type 'external_account_authorized_user' are not supported (want authorized_user or service_account)" },
	{ __LINE__, "{\"type\":\"impersonated_service_account\",\"service_account_impersonation_url\":" IMP_URL
	  ",\"source_credentials\":{\"type\":\"authorized_user\",\"client_id\":\"i\"}}",
	  "authorized_user credentials without \"client_secret\"" },
	{ __LINE__, "{\"type\":\"impersonated_service_account\",\"service_account_impersonation_url\":" IMP_URL
	  ",\"delegates\":[\"\"],\"source_credentials\":" USER "}", "delegates[0] is not a service account" },
};

static void
test_check(void)
{
	for (size_t i = 0; i < NELEM(creds); i++) {
		const struct cred_case *c = &creds[i];
		json_error_t jerr;
		json_t *j = json_loads(c->json, 0, &jerr);
		char why[512] = "";
		int rc;

		if (!j) {
			printf("FAIL %s:%d: bad test JSON: %s\n", __FILE__, c->line, jerr.text);
			unit_ok(0);
			continue;
		}
		rc = pgs_gauth_check(j, why, sizeof(why));
		unit_int(__FILE__, c->line, "pgs_gauth_check", rc, c->why ? -1 : 0);
		if (c->why)
			unit_bool(__FILE__, c->line, c->why, strstr(why, c->why) != NULL);
		if (c->why && !strstr(why, c->why))
			printf("     why: %s\n", why);
		json_decref(j);
	}
}

struct subject_case {
	int line;
	const char *text, *format, *field, *want, *why;
};

static const struct subject_case subjects[] = {
	{ __LINE__, "eyJ.a.b", NULL, NULL, "eyJ.a.b", NULL },
	{ __LINE__, "eyJ.a.b\n", "text", NULL, "eyJ.a.b", NULL },          /* echo's newline */
	{ __LINE__, "eyJ.a.b\r\n \t", "text", NULL, "eyJ.a.b", NULL },
	{ __LINE__, " eyJ.a.b", "text", NULL, " eyJ.a.b", NULL },          /* only the end is trimmed */
	{ __LINE__, "\n", "text", NULL, NULL, "the subject token is empty" },
	{ __LINE__, "{\"id_token\":\"eyJ.a.b\",\"expires_in\":3600}", "json", "id_token", "eyJ.a.b", NULL },
	{ __LINE__, "{\"access_token\":\"tok\"}\n", "json", "access_token", "tok", NULL },
	{ __LINE__, "{\"id_token\":\"eyJ.a.b\"}", "json", "access_token", NULL,
	  "no string \"access_token\" in the JSON (subject_token_field_name)" },
	{ __LINE__, "{\"id_token\":7}", "json", "id_token", NULL, "no string \"id_token\"" },
	{ __LINE__, "{\"id_token\":\"\"}", "json", "id_token", NULL, "no string \"id_token\"" },
	{ __LINE__, "eyJ.secret.sig", "json", "id_token", NULL, "not a JSON object (format json)" },
	{ __LINE__, "[\"eyJ.secret.sig\"]", "json", "id_token", NULL, "not a JSON object" },
	{ __LINE__, "x", "yaml", "f", NULL, "format 'yaml': want text, or json" },
};

static void
test_subject(void)
{
	for (size_t i = 0; i < NELEM(subjects); i++) {
		const struct subject_case *c = &subjects[i];
		char why[256] = "";
		char *got = pgs_gauth_subject_token(c->text, strlen(c->text), c->format, c->field, why,
		    sizeof(why));

		unit_str(__FILE__, c->line, "pgs_gauth_subject_token", got, c->want);
		if (c->why)
			unit_bool(__FILE__, c->line, c->why, strstr(why, c->why) != NULL);
		/* why never holds the text it refused */
		unit_bool(__FILE__, c->line, "why holds no token", !strstr(why, "eyJ") && !strstr(why, "secret"));
		free(got);
	}
	/* a NUL inside a text token is refused, not cut short */
	{
		char why[128] = "", *got = pgs_gauth_subject_token("ab\0cd", 5, NULL, NULL, why, sizeof(why));

		CHECK(got == NULL);
		CHECK(strstr(why, "NUL") != NULL);
	}
}

static void
test_principal(void)
{
	char *p;

	p = pgs_gauth_principal("https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/"
	    "sa@p.iam.gserviceaccount.com:generateAccessToken");
	CHECK_STR(p, "sa@p.iam.gserviceaccount.com");
	free(p);
	p = pgs_gauth_principal("http://127.0.0.1:9/v1/projects/-/serviceAccounts/123456789:generateAccessToken");
	CHECK_STR(p, "123456789");
	free(p);
	CHECK(pgs_gauth_principal("https://x/v1/projects/-/serviceAccounts/sa@p:generateIdToken") == NULL);
	CHECK(pgs_gauth_principal("https://x/v1/projects/-/serviceAccounts/:generateAccessToken") == NULL);
	CHECK(pgs_gauth_principal("https://x/v1/projects/-/serviceAccounts/a/b:generateAccessToken") == NULL);
	CHECK(pgs_gauth_principal("https://x/v1/sa@p:generateAccessToken") == NULL);
	CHECK(pgs_gauth_principal("https://x/v1/projects/-/serviceAccounts/sa@p:generateAccessToken?x=1") == NULL);
	CHECK(pgs_gauth_principal(NULL) == NULL);
}

static void
test_adc_path(void)
{
	char *p;

	setenv("HOME", "/home/u", 1);
	unsetenv("CLOUDSDK_CONFIG");
	p = pgs_gauth_adc_path();
	CHECK_STR(p, "/home/u/.config/gcloud/application_default_credentials.json");
	free(p);
	setenv("CLOUDSDK_CONFIG", "", 1);          /* empty: as if unset */
	p = pgs_gauth_adc_path();
	CHECK_STR(p, "/home/u/.config/gcloud/application_default_credentials.json");
	free(p);
	setenv("CLOUDSDK_CONFIG", "/etc/gc", 1);
	p = pgs_gauth_adc_path();
	CHECK_STR(p, "/etc/gc/application_default_credentials.json");
	free(p);
	unsetenv("CLOUDSDK_CONFIG");
	unsetenv("HOME");
	CHECK(pgs_gauth_adc_path() == NULL);
}

int
main(void)
{
	test_check();
	test_subject();
	test_principal();
	test_adc_path();
	return unit_report();
}
