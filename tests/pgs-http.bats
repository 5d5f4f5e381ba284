#!/usr/bin/env bats
# lib/http (the http(s) sources of pgs-extract) through the test driver
# tests/http/pgs-http-get, against tests/http/server.py on loopback: plain GETs
# of the real stats.nba.com files, connection reuse, each injected fault,
# redaction, templates.
#
# The driver is built here against build/libpgs.a.  PGS_HTTP_SANITIZE=1 builds
# it with ASan+UBSan (lib into PGS_HTTP_BUILD, default build-san); so does a
# run whose bin/ tools are sanitized (tests/run-all's second pass).

load test_helper

V3="$PGS_DATA/nbastats_hoopr_raw_v3_samples/boxscoretraditionalv3"
WARN=(-std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -Wshadow -Wpointer-arith
	-Wstrict-prototypes -Wmissing-prototypes -Wno-unused-parameter -Wformat=2)

setup_file() {
	local san=${PGS_HTTP_SANITIZE:-} build cflags=(-O2 -g) ldflags=()

	if [ -z "$san" ] && grep -qa __asan_init "$PGS_ROOT/bin/pgs-extract" 2>/dev/null; then
		san=1
	fi
	if [ "$san" = 1 ]; then
		build=${PGS_HTTP_BUILD:-$PGS_ROOT/build-san}
		cflags=(-O1 -g "-fsanitize=address,undefined" -fno-omit-frame-pointer -fno-sanitize-recover=undefined)
		ldflags=("-fsanitize=address,undefined")
		make -s -C "$PGS_ROOT" SANITIZE=1 BUILD="$build" "$build/libpgs.a" >&2
	else
		build=${PGS_HTTP_BUILD:-$PGS_ROOT/build}
		make -s -C "$PGS_ROOT" BUILD="$build" "$build/libpgs.a" >&2
	fi
	mkdir -p "$BATS_FILE_TMPDIR/bin"
	# shellcheck disable=SC2046 # pkg-config prints several words on purpose
	gcc "${WARN[@]}" "${cflags[@]}" -I"$PGS_ROOT/lib" -o "$BATS_FILE_TMPDIR/bin/pgs-http-get" \
		"$PGS_ROOT/tests/http/pgs-http-get.c" "$build/libpgs.a" "${ldflags[@]}" \
		$(pkg-config --libs jansson libcurl sqlite3 libpq libutf8proc zlib libcrypto) -lm

	# the served tree: the five real files (gunzipped when stored as .gz), keeping the hoopR layout
	WWW="$BATS_FILE_TMPDIR/www"
	mkdir -p "$WWW"
	if [ -d "$V3" ]; then
		(cd "$V3" && find . -name '*.json' -o -name '*.json.gz') | while read -r f; do
			mkdir -p "$WWW/$(dirname "$f")"
			case $f in
			*.gz) gzip -dc "$V3/$f" >"$WWW/${f%.gz}" ;;
			*) cp "$V3/$f" "$WWW/$f" ;;
			esac
		done
		gzip -c "$WWW/2024/0022300061.json" >"$WWW/2024/0022300061.json.gz"
	fi
	printf 'a,b\r\nc,d\r\nlast' >"$WWW/crlf.txt"

	# one loopback server for the file (python starts slowly on a busy machine);
	# each test zeroes its counters with /reset.  It exits by itself after 300 s
	# should teardown_file never run, and holds none of bats' descriptors.
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	python3 "$PGS_ROOT/tests/http/server.py" "$WWW" "$BATS_FILE_TMPDIR/port" 300 \
		>"$BATS_FILE_TMPDIR/server.log" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/server.pid"
	for _ in $(seq 200); do
		[ -f "$BATS_FILE_TMPDIR/port" ] && break
		sleep 0.1
	done
	[ -f "$BATS_FILE_TMPDIR/port" ] || {
		echo "test server did not start" >&2
		return 1
	}
}

teardown_file() {
	if [ -f "$BATS_FILE_TMPDIR/server.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/server.pid")" 2>/dev/null || true
	fi
}

setup() {
	common_setup
	PATH="$BATS_FILE_TMPDIR/bin:$PATH"
	WWW="$BATS_FILE_TMPDIR/www"
	BASE="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")"
	F=2024/0022300061.json
	# fast retries unless a test says otherwise
	export PGS_HTTP_BACKOFF_MS=20
	curl -sS -o /dev/null "$BASE/reset"
}

# stats JQ: a field of the server's counters (fetched with curl, one more connection)
stats() {
	curl -sS "$BASE/stats" | jq -r "$1"
}

# stderr_matches N ERE: line N of the tool's stderr matches ERE (whole line)
stderr_matches() {
	[[ ${stderr_lines[$1]-} =~ ^$2$ ]] || fail "stderr line $1 '${stderr_lines[$1]-}' does not match '$2'"
}

@test "plain GETs return the five real files byte for byte" {
	require_data
	local f n=0
	for f in $(cd "$WWW" && find . -name '*.json' | sort); do
		pgs-http-get "$BASE/${f#./}" >got
		cmp got "$WWW/$f"
		n=$((n + 1))
	done
	assert_equal "$n" 5
}

@test "five GETs in one run share one connection" {
	require_data
	local urls
	urls=$(cd "$WWW" && find . -name '*.json' | sort | sed "s|^\./|$BASE/|")
	(cd "$WWW" && find . -name '*.json' | sort | xargs cat) >want
	# shellcheck disable=SC2086 # one URL per word
	pgs-http-get $urls "$BASE/stats" >got 2>err
	[ ! -s err ]
	head -c "$(wc -c <want)" got | cmp - want
	# the driver's six requests (five files, then /stats) came on one connection
	run jq -c '{connections, requests}' <<<"$(tail -c +"$(($(wc -c <want) + 1))" got)"
	assert_output '{"connections":1,"requests":6}'
}

@test "a 500 is retried and the body is the file; -v shows the retry" {
	require_data
	run --separate-stderr pgs-http-get -v "$BASE/fault/500once/$F"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
	stderr_matches 0 "pgs-http-get: GET $BASE/fault/500once/$F: HTTP 500 Internal Server Error; retry 1 of 5 in [0-9]+ ms"
	stderr_matches 1 "pgs-http-get: GET $BASE/fault/500once/$F: HTTP 200, 20288 bytes in [0-9]+ ms, 1 retry"
	assert_equal "${#stderr_lines[@]}" 2
	assert_equal "$(stats ".hits[\"/fault/500once/$F\"]")" 2
}

@test "a 429 waits for Retry-After, then succeeds" {
	require_data
	local t0=$SECONDS
	run --separate-stderr pgs-http-get -v "$BASE/fault/429/$F"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
	assert_equal "${stderr_lines[0]}" "pgs-http-get: GET $BASE/fault/429/$F: HTTP 429 Too Many Requests; retry 1 of 5 in 1000 ms"
	[ $((SECONDS - t0)) -ge 1 ]
}

@test "a dropped connection is retried" {
	require_data
	run --separate-stderr pgs-http-get -v "$BASE/fault/drop/$F"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
	stderr_matches 0 "pgs-http-get: GET $BASE/fault/drop/$F: Empty reply from server; retry 1 of 5 in [0-9]+ ms"
	# quiet by default
	run --separate-stderr pgs-http-get "$BASE/fault/drop/$F"
	assert_success
	assert_equal "$stderr" ""
}

@test "a 404 fails at once (3) naming the URL and the status" {
	require_data
	run --separate-stderr -3 pgs-http-get -v "$BASE/fault/404/$F"
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/404/$F: HTTP 404 Not Found"
	assert_equal "$(stats ".hits[\"/fault/404/$F\"]")" 1
	run --separate-stderr -3 pgs-http-get "$BASE/nope.json"
	assert_equal "$stderr" "pgs-http-get: GET $BASE/nope.json: HTTP 404 Not Found"
}

@test "--missing-ok: a 404 is an empty result (0), said only with -v; a 500 still fails" {
	run --separate-stderr pgs-http-get --missing-ok "$BASE/nope.json" "$BASE/crlf.txt"
	assert_success
	assert_output "$(cat "$WWW/crlf.txt")"
	assert_equal "$stderr" ""
	run --separate-stderr pgs-http-get -v --missing-ok "$BASE/nope.json"
	assert_success
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/nope.json: HTTP 404 Not Found: nothing there, allowed"
	run --separate-stderr -3 pgs-http-get --missing-ok --retries 0 "$BASE/fault/503/crlf.txt"
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/503/crlf.txt: HTTP 503 Service Unavailable"
}

@test "a 503 that does not go away fails (3) after the retries" {
	require_data
	run --separate-stderr -3 pgs-http-get --retries 2 "$BASE/fault/503/$F"
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/503/$F: HTTP 503 Service Unavailable (gave up after 2 retries)"
	assert_equal "$(stats ".hits[\"/fault/503/$F\"]")" 3
}

@test "a cut body (short of Content-Length) fails (3) after the retries, never a short success" {
	require_data
	run --separate-stderr -3 pgs-http-get --retries 2 "$BASE/fault/cut/$F"
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/cut/$F: transfer closed with 10144 bytes remaining to read (gave up after 2 retries)"
	assert_equal "$(stats ".hits[\"/fault/cut/$F\"]")" 3
}

@test "a stalled response fails within the timeout" {
	require_data
	local t0=$SECONDS
	run --separate-stderr -3 pgs-http-get --timeout 1 --retries 1 "$BASE/fault/stall/$F"
	assert_output ""
	stderr_matches 0 "pgs-http-get: GET $BASE/fault/stall/$F: Operation timed out after [0-9]+ milliseconds with 10144 out of 20288 bytes received \(gave up after 1 retry\)"
	[ $((SECONDS - t0)) -le 6 ]
	# PGS_HTTP_TIMEOUT says the same
	PGS_HTTP_TIMEOUT=0.5 PGS_HTTP_RETRIES=0 run --separate-stderr -3 pgs-http-get "$BASE/fault/stall/$F"
	[[ $stderr == *"Operation timed out"* ]]
}

@test "gzip: Accept-Encoding and User-Agent are sent; gzip bodies and .gz files are inflated" {
	require_data
	run --separate-stderr pgs-http-get "$BASE/fault/gzip/$F" "$BASE/$F.gz" "$BASE/stats"
	assert_success
	assert_equal "$stderr" ""
	pgs-http-get "$BASE/fault/gzip/$F" "$BASE/$F.gz" "$BASE/stats" >got
	cat "$WWW/$F" "$WWW/$F" >want
	head -c 40576 got | cmp - want
	run jq -c '.last | {"accept-encoding", "user-agent"}' <<<"$(tail -c +40577 got)"
	assert_output '{"accept-encoding":"gzip, deflate","user-agent":"pgs/0.1.0"}'
	PGS_HTTP_USER_AGENT='props-team/1 (ops@example.com)' pgs-http-get --header 'X-Test: 1' "$BASE/$F" "$BASE/stats" >got
	run jq -c '.last | {"user-agent", "x-test"}' <<<"$(tail -c +20289 got)"
	assert_output '{"user-agent":"props-team/1 (ops@example.com)","x-test":"1"}'
}

@test "a gzip stream cut short fails (3) after the retries" {
	require_data
	run --separate-stderr -3 pgs-http-get --retries 1 "$BASE/fault/gzipcut/$F"
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/gzipcut/$F: gzip body: truncated compressed body (gave up after 1 retry)"
}

@test "redirects are followed" {
	require_data
	run --separate-stderr pgs-http-get "$BASE/fault/redirect/$F"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
}

@test "secrets in the URL never reach a message" {
	require_data
	local url="${BASE/http:\/\//http://ann:hunter2@}/fault/404/$F?token=s3cret&day=1"
	run --separate-stderr -3 pgs-http-get -v "$url"
	assert_equal "$stderr" "pgs-http-get: GET http://...@${BASE#http://}/fault/404/$F?...: HTTP 404 Not Found"
	run --separate-stderr -3 pgs-http-get -v --retries 1 "$BASE/fault/503/$F?api_key=s3cret"
	[[ $stderr != *s3cret* ]]
	[[ $stderr == *"/fault/503/$F?...: HTTP 503 Service Unavailable; retry 1 of 1 in "* ]]
}

@test "a refused connection is retried, then fails (3)" {
	run --separate-stderr -3 pgs-http-get -v --retries 1 http://127.0.0.1:1/x.json
	assert_output ""
	stderr_matches 0 'pgs-http-get: GET http://127.0.0.1:1/x.json: Failed to connect to 127.0.0.1 port 1 .*; retry 1 of 1 in [0-9]+ ms'
	stderr_matches 1 'pgs-http-get: GET http://127.0.0.1:1/x.json: Failed to connect to 127.0.0.1 port 1 .* \(gave up after 1 retry\)'
}

@test "body lines: CRLF stripped, a last line without newline kept" {
	run --separate-stderr pgs-http-get --lines "$BASE/crlf.txt"
	assert_success
	assert_output "$(printf '1\ta,b\n2\tc,d\n3\tlast')"
}

@test "templates: {date} {yyyymmdd} {season} {season_end} {game_id}" {
	run --separate-stderr pgs-http-get --expand 'https://h/{date}/{yyyymmdd}/{season}/{season_end}.json' --date 2023-10-24
	assert_success
	assert_output 'https://h/2023-10-24/20231024/2023-24/2024.json'
	run pgs-http-get --expand 'http://h/{season}/{date}' --date 2024-01-05
	assert_output 'http://h/2023-24/2024-01-05'
	run pgs-http-get --expand 'http://h/g/{game_id}.json?x=1' --game-id '0022300061'
	assert_output 'http://h/g/0022300061.json?x=1'
	run pgs-http-get --expand 'http://h/g/{game_id}' --game-id 'a b/c&d'
	assert_output 'http://h/g/a%20b%2Fc%26d'
	run pgs-http-get --expand 'http://h/plain.json'
	assert_output 'http://h/plain.json'
}

@test "templates: an unknown placeholder or a missing value is a usage error (2)" {
	run --separate-stderr -2 pgs-http-get --expand 'http://h/{day}.json' --date 2023-10-24
	assert_equal "$stderr" "pgs-http-get: bad URL template 'http://h/{day}.json': unknown placeholder '{day}' (known: {date}, {yyyymmdd}, {season}, {season_end}, {game_id})"
	run --separate-stderr -2 pgs-http-get --expand 'http://h/{date'
	[[ $stderr == *"unknown placeholder '{date'"* ]]
	run --separate-stderr -2 pgs-http-get --expand 'http://h/{game_id}' --date 2023-10-24
	[[ $stderr == *"needs --date or --game-id"* ]]
}

@test "a template expanded by day and game fetches the real hoopR layout" {
	require_data
	local url
	url=$(pgs-http-get --expand "$BASE/{season_end}/{game_id}.json" --date 2023-10-24 --game-id 0022300061)
	run --separate-stderr pgs-http-get "$url"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
	run jq -r '.boxScoreTraditional | "\(.awayTeam.teamTricode)@\(.homeTeam.teamTricode)"' <<<"$output"
	assert_output 'LAL@DEN'
}

@test "bad environment values are usage errors (2)" {
	PGS_HTTP_TIMEOUT=soon run --separate-stderr -2 pgs-http-get http://127.0.0.1:1/
	assert_equal "$stderr" "pgs-http-get: bad PGS_HTTP_TIMEOUT 'soon': want seconds"
	PGS_HTTP_RETRIES=-1 run --separate-stderr -2 pgs-http-get http://127.0.0.1:1/
	assert_equal "$stderr" "pgs-http-get: bad PGS_HTTP_RETRIES '-1': want a number from 0 to 100"
	run --separate-stderr -2 pgs-http-get ftp://127.0.0.1/x
	assert_equal "${stderr_lines[0]}" "pgs-http-get: not an http(s) URL: 'ftp://127.0.0.1/x'"
}
