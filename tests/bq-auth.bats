#!/usr/bin/env bats
# shellcheck disable=SC2016 # $names in single quotes are jq's variables, not the shell's
# The BigQuery store's credentials, in Application Default Credentials order
# (lib/gauth.h): gcloud's well-known file, GOOGLE_APPLICATION_CREDENTIALS
# first, external_account (workload identity federation: file- and
# URL-sourced subject tokens, STS, impersonation), impersonated_service_account,
# the metadata server at GCE_METADATA_HOST, renewal before expiry, an expired
# PGS_BQ_TOKEN, what is refused — and no secret ever printed.  Every test runs
# the emulator (tests/bqemu) with --strict-auth: only tokens it issued are
# accepted, so a call that got through proves where its token came from (the
# request log's tokenSource).

load test_helper
# shellcheck source=tests/bqemu/server.bash
. "$PGS_ROOT/tests/bqemu/server.bash"

AUD=//iam.googleapis.com/projects/123456/locations/global/workloadIdentityPools/pgs-pool/providers/pgs-oidc
SUBJ=eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJwZ3MtY2kiLCJhdWQiOiJwZ3MifQ.U3ViamVjdFRva2VuU2lnbmF0dXJl
JWT_TYPE=urn:ietf:params:oauth:token-type:jwt
SA=pgs-writer@pgs-test.iam.gserviceaccount.com
IAM_URL="https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/$SA:generateAccessToken"

setup() {
	local why
	why=$(bq_skip_reason)
	[ -z "$why" ] || skip "$why"
	common_setup
	# no credentials but those a test gives: a HOME of its own, nothing in the environment
	export HOME="$BATS_TEST_TMPDIR/home"
	mkdir -p "$HOME"
	unset GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CONFIG GCE_METADATA_HOST PGS_BQ_TOKEN
	echo '{"pgs_end":{"tool":"t","rows":0}}' >empty.nd
	MARK=0
}

teardown() {
	[ -z "${PROXY_PID:-}" ] || { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null || true; }
	bq_stop
}

# emu ARGS...: the emulator with --strict-auth; no PGS_BQ_TOKEN (bq_start sets one).
emu() {
	bq_start --strict-auth "$@"
	unset PGS_BQ_TOKEN
}

# write DATASET: an empty one-window write, the smallest run that opens the store and commits.
write() {
	pgs-write --store "bigquery://pgs-test/$1" --from 2023-10-01 --to 2023-10-02 "${@:2}" empty.nd
}

# mark: the request log from here on is what since and api_sources read.
mark() {
	MARK=$(bq_requests | grep -c . || true)
}

since() {
	bq_requests | tail -n +$((MARK + 1))
}

# The distinct tokenSource of the BigQuery API calls since the mark, as JSON.
api_sources() {
	since | jq -s -c '[.[] | select(.path | test("^/(upload/)?bigquery/")) | .tokenSource] | unique'
}

# no_secrets S...: none of S, nor any token the emulator issued (ya29.), in the
# last run's stdout or stderr, nor in the emulator's files.
no_secrets() {
	local s
	for s in "$@" ya29.; do
		[[ "$output$stderr" != *"$s"* ]] || { echo "printed: $s" >&2; return 1; }
		! grep -rqF -e "$s" "$BQ_DIR" || { echo "in the emulator's files: $s" >&2; return 1; }
	done
}

# user_json CLIENT_ID SECRET REFRESH_TOKEN: what `gcloud auth application-default login` writes.
user_json() {
	jq -n --arg id "$1" --arg s "$2" --arg r "$3" \
		'{account: "", client_id: $id, client_secret: $s, quota_project_id: "pgs-test",
		  refresh_token: $r, type: "authorized_user", universe_domain: "googleapis.com"}'
}

# external_json SOURCE_JSON [JQ-ARGS...]: an external_account configuration as
# `gcloud iam workload-identity-pools create-cred-config` writes it, with
# credential_source SOURCE_JSON, then through jq JQ-ARGS.
external_json() {
	local src=$1
	shift
	[ $# -gt 0 ] || set -- .
	jq -n --arg aud "$AUD" --arg type "$JWT_TYPE" --argjson src "$src" \
		'{universe_domain: "googleapis.com", type: "external_account", audience: $aud,
		  subject_token_type: $type, token_url: "https://sts.googleapis.com/v1/token",
		  credential_source: $src}' | jq "$@"
}

@test "bq-auth: a backfill authenticates with nothing but gcloud's well-known file in HOME" {
	emu --refresh-client wk-client:wk-Cl1entSecret:1//wk-Refr3shTok3n
	mkdir -p "$HOME/.config/gcloud"
	user_json wk-client wk-Cl1entSecret 1//wk-Refr3shTok3n >"$HOME/.config/gcloud/application_default_credentials.json"
	[ -z "${GOOGLE_APPLICATION_CREDENTIALS:-}${PGS_BQ_TOKEN:-}${CLOUDSDK_CONFIG:-}" ]
	S=bigquery://pgs-test/wellknown
	pgs-sample --seed 5 --scale 1 --from 2023-10-24 --to 2023-10-30 -o sample >/dev/null
	run --separate-stderr pgs-ingest --store "$S" sample/*
	assert_success
	no_secrets wk-Cl1entSecret 1//wk-Refr3shTok3n
	run --separate-stderr pgs-backfill -v --store "$S" --from 2023-10-24 --to 2023-10-30 --batch-days 3
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
	[[ $stderr == *"authorized_user credentials in application default credentials '$HOME/.config/gcloud/application_default_credentials.json'"* ]]
	no_secrets wk-Cl1entSecret 1//wk-Refr3shTok3n
	# rows went in, every API call carried a token of the refresh token, and
	# nothing asked the metadata server
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -gt 500 ]
	[ "$(api_sources)" = '["refresh:wk-client"]' ]
	bq_requests | jq -e -s 'map(select(.api == "oauth.token" and .status == 200)) | length >= 1' >/dev/null
	bq_requests | jq -e -s 'map(select(.api == "metadata")) | length == 0' >/dev/null
}

@test "bq-auth: CLOUDSDK_CONFIG holds the well-known file; GOOGLE_APPLICATION_CREDENTIALS comes before it" {
	emu --refresh-client client-a:secret-a:refresh-a --refresh-client client-b:secret-b:refresh-b
	export CLOUDSDK_CONFIG="$BATS_TEST_TMPDIR/gcloud-config"
	mkdir -p "$CLOUDSDK_CONFIG" "$HOME/.config/gcloud"
	WK="$CLOUDSDK_CONFIG/application_default_credentials.json"
	user_json client-a secret-a refresh-a >"$WK"
	# HOME's is not read when CLOUDSDK_CONFIG is set
	echo 'not json' >"$HOME/.config/gcloud/application_default_credentials.json"
	mark
	run --separate-stderr write a
	assert_success
	[ "$(api_sources)" = '["refresh:client-a"]' ]
	# GOOGLE_APPLICATION_CREDENTIALS first: the well-known file is not even read
	user_json client-b secret-b refresh-b >b.json
	echo '{"type": "authorized_user", oops' >"$WK"
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/b.json run --separate-stderr write b
	assert_success
	[ "$(api_sources)" = '["refresh:client-b"]' ]
	# alone, a broken well-known file is an error naming it and where it breaks, not what it holds
	printf '{"type": "authorized_user", "client_secret": "secret-a",\n  "refresh_token": refresh-a}\n' >"$WK"
	run -3 --separate-stderr write a
	[[ $stderr == *"application default credentials '$WK': not a JSON credentials file (error at line 2, column "* ]]
	no_secrets secret-a refresh-a
	# a refresh token the server refuses: its answer, the file named, nothing secret
	user_json client-a secret-a refresh-WRONG >"$WK"
	run -3 --separate-stderr write a
	[[ $stderr == *"authorized_user credentials in application default credentials '$WK'): the token endpoint answered HTTP 400: invalid_grant"* ]]
	no_secrets secret-a refresh-WRONG
	# a GOOGLE_APPLICATION_CREDENTIALS that names no file is an error, not a fall-through
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/missing.json run -3 --separate-stderr write a
	[[ $stderr == *"GOOGLE_APPLICATION_CREDENTIALS '$PWD/missing.json': No such file or directory"* ]]
}

@test "bq-auth: external_account, file-sourced, text and json, exchanged at STS with client authentication" {
	emu --sts-audience "$AUD" --sts-subject-token "$SUBJ" --sts-client wif-client:wif-Cl1entSecret
	# text, with the final newline `echo` leaves
	echo "$SUBJ" >subject.txt
	external_json "$(jq -n --arg f "$PWD/subject.txt" '{file: $f}')" \
		'.client_id = "wif-client" | .client_secret = "wif-Cl1entSecret"' >text.json
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/text.json run --separate-stderr write t -v
	assert_success
	no_secrets "$SUBJ" wif-Cl1entSecret
	# the federated token itself calls BigQuery; STS saw Basic client auth and the jwt type
	[ "$(api_sources)" = '["sts"]' ]
	since | jq -e -s 'map(select(.api == "sts.token")) | length == 1 and
		.[0].clientAuth == "basic" and .[0].subjectTokenType == "urn:ietf:params:oauth:token-type:jwt"' >/dev/null
	since | jq -e -s 'map(select(.api == "iam.generateAccessToken")) | length == 0' >/dev/null
	# json: the token is a field of the file
	jq -n --arg t "$SUBJ" '{id_token: $t, token_type: "Bearer", expires_in: 3600}' >subject.json
	external_json "$(jq -n --arg f "$PWD/subject.json" '{file: $f, format: {type: "json", subject_token_field_name: "id_token"}}')" \
		'.client_id = "wif-client" | .client_secret = "wif-Cl1entSecret"' >json.json
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/json.json run --separate-stderr write j
	assert_success
	[ "$(api_sources)" = '["sts"]' ]
	no_secrets "$SUBJ" wif-Cl1entSecret
	# a field that is not there: named, exit 3, nothing of the file printed
	jq '.credential_source.format.subject_token_field_name = "access_token"' json.json >nofield.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/nofield.json run -3 --separate-stderr write j
	[[ $stderr == *"credential_source.file '$PWD/subject.json': no string \"access_token\" in the JSON"* ]]
	no_secrets "$SUBJ" wif-Cl1entSecret
	# a subject token STS does not trust: its invalid_grant, the token never shown
	echo "Untrusted-$SUBJ" >subject.txt
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/text.json run -3 --separate-stderr write t
	[[ $stderr == *"the token exchange endpoint (STS) answered HTTP 400: invalid_grant: "* ]]
	no_secrets "$SUBJ" wif-Cl1entSecret
	# a wrong client secret: invalid_client
	echo "$SUBJ" >subject.txt
	jq '.client_secret = "wif-Wr0ngSecret"' text.json >badclient.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/badclient.json run -3 --separate-stderr write t
	[[ $stderr == *"answered HTTP 401: invalid_client"* ]]
	no_secrets "$SUBJ" wif-Wr0ngSecret
	# a subject token file that is not there
	jq --arg f "$PWD/gone.txt" '.credential_source.file = $f' text.json >gone.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/gone.json run -3 --separate-stderr write t
	[[ $stderr == *"credential_source.file '$PWD/gone.txt': No such file or directory"* ]]
}

@test "bq-auth: external_account, URL-sourced with a header, text and json, impersonating a service account" {
	emu --sts-audience "$AUD" --sts-subject-token "$SUBJ" --url-subject-token "$SUBJ" \
		--url-subject-header 'Metadata: True' --impersonate "$SA"
	U="http://127.0.0.1:$BQ_PORT/subject-token"
	external_json "$(jq -n --arg u "$U" '{url: $u, headers: {Metadata: "True"}}')" \
		--arg imp "$IAM_URL" '.service_account_impersonation_url = $imp' >url.json
	pgs-sample --seed 5 --scale 1 --from 2023-10-24 --to 2023-10-26 -o sample >/dev/null
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/url.json run --separate-stderr pgs-ingest -v --store bigquery://pgs-test/url sample/*
	assert_success
	no_secrets "$SUBJ"
	# BigQuery saw only the service account's tokens, which the federated token bought
	[ "$(api_sources)" = "[\"iam:$SA\"]" ]
	since | jq -e -s --arg sa "$SA" 'map(select(.api == "iam.generateAccessToken")) | length >= 1 and
		all(.tokenSource == "sts" and .target == $sa and .lifetime == 3600 and .status == 200)' >/dev/null
	since | jq -e -s 'map(select(.api == "subject-token" and .status == 200)) | length >= 1' >/dev/null
	# json from the URL, and a lifetime asked for in the file
	external_json "$(jq -n --arg u "$U?field=access_token" '{url: $u, headers: {Metadata: "True"},
		format: {type: "json", subject_token_field_name: "access_token"}}')" \
		--arg imp "$IAM_URL" '.service_account_impersonation_url = $imp |
		.service_account_impersonation = {token_lifetime_seconds: 1200}' >urljson.json
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/urljson.json run --separate-stderr write uj
	assert_success
	[ "$(api_sources)" = "[\"iam:$SA\"]" ]
	since | jq -e -s 'map(select(.api == "iam.generateAccessToken")) | .[0].lifetime == 1200' >/dev/null
	no_secrets "$SUBJ"
	# without the header the identity provider refuses: the URL named, exit 3
	jq 'del(.credential_source.headers)' url.json >nohdr.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/nohdr.json run -3 --separate-stderr write u
	[[ $stderr == *"credential_source.url $U answered HTTP 400"* ]]
	# a service account the caller may not impersonate: IAM's PERMISSION_DENIED
	jq '.service_account_impersonation_url |= sub("pgs-writer@"; "someone-else@")' url.json >other.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/other.json run -3 --separate-stderr write u
	[[ $stderr == *"IAM Credentials (generateAccessToken) answered HTTP 403: PERMISSION_DENIED: Permission 'iam.serviceAccounts.getAccessToken' denied"* ]]
	no_secrets "$SUBJ"
}

@test "bq-auth: impersonated_service_account, from an authorized_user with delegates and from a service account key" {
	openssl genrsa -out key.pem 2048 2>/dev/null
	openssl rsa -in key.pem -pubout -out pub.pem 2>/dev/null
	emu --refresh-client imp-client:imp-Cl1entSecret:imp-Refr3sh --trust-key pub.pem --impersonate "$SA"
	jq -n --arg imp "$IAM_URL" --argjson src "$(user_json imp-client imp-Cl1entSecret imp-Refr3sh)" \
		'{delegates: ["delegate@pgs-test.iam.gserviceaccount.com"], service_account_impersonation_url: $imp,
		  source_credentials: $src, type: "impersonated_service_account"}' >user-imp.json
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/user-imp.json run --separate-stderr write iu -v
	assert_success
	no_secrets imp-Cl1entSecret imp-Refr3sh
	[ "$(api_sources)" = "[\"iam:$SA\"]" ]
	# the delegate went in the form the API wants, projects/-/serviceAccounts/EMAIL (checked by the emulator)
	since | jq -e -s 'map(select(.api == "iam.generateAccessToken")) | length == 1 and
		.[0].tokenSource == "refresh:imp-client" and .[0].delegates == 1' >/dev/null
	# a service account key as the source, no delegates
	jq -n --rawfile k key.pem '{type: "service_account", project_id: "pgs-test",
	    client_email: "pgs-source@pgs-test.iam.gserviceaccount.com", private_key: $k,
	    token_uri: "https://oauth2.googleapis.com/token"}' >sa.json
	jq --slurpfile s sa.json '.source_credentials = $s[0] | del(.delegates)' user-imp.json >sa-imp.json
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/sa-imp.json run --separate-stderr write is
	assert_success
	[ "$(api_sources)" = "[\"iam:$SA\"]" ]
	since | jq -e -s 'map(select(.api == "iam.generateAccessToken")) | length == 1 and
		.[0].tokenSource == "jwt:pgs-source@pgs-test.iam.gserviceaccount.com" and .[0].delegates == null' >/dev/null
	[[ "$stderr$output" != *PRIVATE* ]]
	# a source pgs cannot use is named before anything is sent
	mark
	jq '.source_credentials = {type: "external_account"}' user-imp.json >ext-imp.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/ext-imp.json run -3 --separate-stderr write iu
	[[ $stderr == *"source_credentials of type 'external_account' are not supported (want authorized_user or service_account)"* ]]
	[ "$(since | grep -c .)" -eq 0 ]
}

@test "bq-auth: tokens that expire during a backfill are renewed before they do: no 401" {
	# every token lives 4 s; each job takes 1 s more: the backfill's writer (one
	# group: a load, an inspection, a transaction) outlives its first token
	emu --token-lifetime 4 --latency-ms 1000 --sts-audience "$AUD" --sts-subject-token "$SUBJ" --impersonate "$SA"
	printf '%s' "$SUBJ" >subject.txt
	external_json "$(jq -n --arg f "$PWD/subject.txt" '{file: $f}')" \
		--arg imp "$IAM_URL" '.service_account_impersonation_url = $imp' >ext.json
	export GOOGLE_APPLICATION_CREDENTIALS=$PWD/ext.json
	S=bigquery://pgs-test/renew
	pgs-sample --seed 5 --scale 1 --from 2023-10-24 --to 2023-11-06 -o sample >/dev/null
	run --separate-stderr pgs-ingest --store "$S" sample/*
	assert_success
	SECONDS=0
	run --separate-stderr pgs-backfill -v --store "$S" --from 2023-10-24 --to 2023-11-06 --batch-days 3
	assert_success
	[ "$SECONDS" -gt 4 ]
	[[ $stderr == *"5/5 batches"* ]]
	# processes renewed their token while they ran, and BigQuery never refused one
	[[ $stderr == *"renewing the access token"* ]]
	bq_requests | jq -e -s 'map(select(.status == 401)) | length == 0' >/dev/null
	[ "$(api_sources)" = "[\"iam:$SA\"]" ]
	bq_requests | jq -e -s 'map(select(.api == "iam.generateAccessToken")) | length > 5' >/dev/null
	no_secrets "$SUBJ"
}

@test "bq-auth: a refused PGS_BQ_TOKEN says it has most likely expired and how to mend it, exit 3" {
	emu --token good-token-123 --refresh-client c:s:r
	# PGS_BQ_TOKEN comes first: a good well-known file does not hide the stale token
	mkdir -p "$HOME/.config/gcloud"
	user_json c s r >"$HOME/.config/gcloud/application_default_credentials.json"
	export PGS_BQ_TOKEN=ya29.Expired-Tok3n-0f-An-H0ur-Ag0
	run -3 --separate-stderr write x
	[[ $stderr == *"store 'bigquery://pgs-test/x': the token given in PGS_BQ_TOKEN was refused (HTTP 401): such tokens expire about an hour after they are made."* ]]
	[[ $stderr == *"Unset PGS_BQ_TOKEN to let pgs use Application Default Credentials, which it renews itself"* ]]
	[[ $stderr == *"gcloud auth application-default login"* && $stderr == *GOOGLE_APPLICATION_CREDENTIALS* ]]
	[[ "$stderr$output" != *Expired-Tok3n* ]]
	run -3 --separate-stderr pgs-extract --source bigquery://pgs-test/x --from 2023-10-01 --to 2023-10-02
	[[ $stderr == *"the token given in PGS_BQ_TOKEN was refused (HTTP 401)"* ]]
	[[ "$stderr$output" != *Expired-Tok3n* ]]
	run -3 --separate-stderr pgs-backfill --store bigquery://pgs-test/x --from 2023-10-01 --to 2023-10-02
	[[ $stderr == *"the token given in PGS_BQ_TOKEN was refused"* ]]
	[[ "$stderr$output" != *Expired-Tok3n* ]]
	! grep -rqF Expired-Tok3n "$BQ_DIR" || false
	# as the message says: unset it, and the well-known file's renewable tokens do the work
	unset PGS_BQ_TOKEN
	run --separate-stderr write x
	assert_success
}

@test "bq-auth: credential sources pgs does not support are named, before anything is sent; exit 3" {
	emu
	mark
	# check FILTER TEXT: the configuration FILTER makes of a file-sourced one is refused with TEXT
	check() {
		external_json '{"file": "/dev/null"}' "$1" >cfg.json
		GOOGLE_APPLICATION_CREDENTIALS=$PWD/cfg.json run -3 --separate-stderr write n
		[[ $stderr == *"GOOGLE_APPLICATION_CREDENTIALS '$PWD/cfg.json': $2"* ]] || { echo "$stderr"; return 1; }
	}
	# as gcloud writes them (--executable-command, --aws, --credential-cert-path)
	check '.credential_source = {executable: {command: "/usr/bin/fetch-token", timeout_millis: 30000}}' \
		"executable-sourced credentials (credential_source.executable) are not supported: pgs reads the subject token from a file (credential_source.file) or a URL (credential_source.url)"
	check '.subject_token_type = "urn:ietf:params:aws:token-type:aws4_request" | .credential_source = {environment_id: "aws1",
		region_url: "http://169.254.169.254/latest/meta-data/placement/availability-zone",
		url: "http://169.254.169.254/latest/meta-data/iam/security-credentials",
		regional_cred_verification_url: "https://sts.{region}.amazonaws.com?Action=GetCallerIdentity&Version=2011-06-15"}' \
		"AWS credential sources (credential_source.environment_id 'aws1') are not supported: pgs reads the subject token from a file"
	check '.credential_source = {certificate: {use_default_certificate_config: true}}' \
		"X.509 certificate credentials (credential_source.certificate) are not supported"
	check '.credential_source = {}' "credential_source has neither \"file\" nor \"url\""
	check '.credential_source = {file: "/dev/null", format: {type: "json"}}' \
		"credential_source.format is json without subject_token_field_name"
	check 'del(.audience)' "external_account credentials without \"audience\""
	check '.service_account_impersonation_url = "https://iamcredentials.googleapis.com/v1/projects/-/serviceAccounts/x"' \
		"service_account_impersonation_url does not end in /serviceAccounts/EMAIL:generateAccessToken"
	check '.type = "external_account_authorized_user"' \
		"type 'external_account_authorized_user' is not supported (want service_account, authorized_user, external_account or impersonated_service_account)"
	# nothing reached the emulator
	[ "$(since | grep -c .)" -eq 0 ]
}

@test "bq-auth: GCE_METADATA_HOST names the metadata server, ahead of PGS_BQ_ENDPOINT's" {
	emu
	"$(dirname "$BQEMU")/faultproxy" --listen 0 --port-file proxy.port --upstream "127.0.0.1:$BQ_PORT" \
		--log proxy.log >proxy.out 2>&1 &
	PROXY_PID=$!
	for _ in $(seq 1 50); do
		[ -s proxy.port ] && break
		sleep 0.1
	done
	GCE_METADATA_HOST="127.0.0.1:$(cat proxy.port)"
	export GCE_METADATA_HOST
	mark
	run --separate-stderr write m
	assert_success
	[ "$(api_sources)" = '["metadata"]' ]
	# the metadata request went through GCE_METADATA_HOST's server; BigQuery's did not
	jq -e -s 'map(select(.path | startswith("/computeMetadata/v1/instance/service-accounts/default/token"))) | length >= 1' proxy.log >/dev/null
	jq -e -s 'map(select(.path | startswith("/bigquery"))) | length == 0' proxy.log >/dev/null
}

@test "bq-auth: configurations written by gcloud itself are read as they are" {
	command -v gcloud >/dev/null || skip "gcloud not installed"
	emu --sts-audience "$AUD" --sts-subject-token "$SUBJ" --impersonate "$SA"
	export CLOUDSDK_CONFIG="$BATS_TEST_TMPDIR/gcloud-config"
	jq -n --arg t "$SUBJ" '{id_token: $t}' >subject.json
	gcloud iam workload-identity-pools create-cred-config "${AUD#//iam.googleapis.com/}" \
		--service-account="$SA" --credential-source-file="$PWD/subject.json" \
		--credential-source-type=json --credential-source-field-name=id_token \
		--output-file="$PWD/gcloud-wif.json" >/dev/null 2>&1 || skip "gcloud could not write a configuration here"
	rm -f "$CLOUDSDK_CONFIG/application_default_credentials.json"
	mark
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/gcloud-wif.json run --separate-stderr write g
	assert_success
	[ "$(api_sources)" = "[\"iam:$SA\"]" ]
	no_secrets "$SUBJ"
	gcloud iam workload-identity-pools create-cred-config "${AUD#//iam.googleapis.com/}" \
		--executable-command=/usr/bin/fetch-token --output-file="$PWD/gcloud-exe.json" >/dev/null 2>&1
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/gcloud-exe.json run -3 --separate-stderr write g
	[[ $stderr == *"executable-sourced credentials (credential_source.executable) are not supported"* ]]
}
