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
load http/server

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

	# for pgs-extract: the five games' schedule (from the bbref crosswalk), and
	# a week of real bbref rows as raw NDJSON split into one file per day,
	# days/DATE.ndjson (half/ lacks the last day)
	local d="$PGS_DATA/bbref_parminpatel28/derived"
	if [ -d "$d" ]; then
		gzip -dc "$d/bbref_to_nba_game_id_crosswalk.csv.gz" |
			awk -F, 'NR == 1 || $3 ~ /^(0022100001|0052100101|0022200001|0042200405|0022300061)$/' \
				>"$BATS_FILE_TMPDIR/games.csv"
		pgs-extract --from 2023-10-24 --to 2023-10-31 "$d/bbref_player_box_2023-24.csv.gz" \
			>"$BATS_FILE_TMPDIR/week.ndjson"
		mkdir -p "$WWW/days" "$WWW/half"
		awk -v dir="$WWW/days" '/"pgs_end"/ { next }
			{ match($0, /"game_date":"[0-9-]+"/); print >(dir "/" substr($0, RSTART + 13, 10) ".ndjson") }' \
			"$BATS_FILE_TMPDIR/week.ndjson"
		cp "$WWW"/days/2023-10-2*.ndjson "$WWW/days/2023-10-30.ndjson" "$WWW/half/"
	fi

	# one loopback server for the file (python starts slowly on a busy machine)
	start_test_server "$WWW"
}

teardown_file() {
	stop_test_server
}

setup() {
	common_setup
	PATH="$BATS_FILE_TMPDIR/bin:$PATH"
	WWW="$BATS_FILE_TMPDIR/www"
	BASE="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")"
	F=2024/0022300061.json
	GAMES_CSV="$BATS_FILE_TMPDIR/games.csv"
	WEEK="$BATS_FILE_TMPDIR/week.ndjson"
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

# ---- pgs-extract --source URL ---------------------------------------------

# disk_v3: the five games extracted from the served files on disk (date order = path order)
disk_v3() {
	pgs-extract --games "$GAMES_CSV" "$WWW"/20*/*.json
}

# no_marker: $output has rows or nothing, but no end marker
no_marker() {
	[[ $output != *'"pgs_end"'* ]] || fail "an end marker was written: ${output##*$'\n'}"
}

@test "pgs-extract {season_end}/{game_id} over HTTP equals the five files from disk, byte for byte" {
	require_data
	disk_v3 >want
	assert_equal "$(grep -c . want)" 138
	run --separate-stderr pgs-extract --games "$GAMES_CSV" --source "$BASE/{season_end}/{game_id}.json"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$(cat want)"
	# one GET per game, in date order, on one connection (and one more for stats)
	curl -sS -o /dev/null "$BASE/reset"
	run --separate-stderr pgs-extract -v --games "$GAMES_CSV" --source "$BASE/{season_end}/{game_id}.json"
	assert_success
	run grep -o "GET $BASE/[^:]*" <<<"$stderr"
	assert_output "$(printf "GET $BASE/%s\n" 2022/0022100001.json 2022/0052100101.json \
		2023/0022200001.json 2023/0042200405.json 2024/0022300061.json)"
	assert_equal "$(stats .connections)" 2
}

@test "pgs-extract over HTTP: 500 once, 429 with Retry-After, a dropped connection, gzip, a redirect: same output" {
	require_data
	local fault
	disk_v3 >want
	for fault in 500once 429 drop gzip redirect; do
		run --separate-stderr pgs-extract --games "$GAMES_CSV" --source "$BASE/fault/$fault/{season_end}/{game_id}.json"
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$output" "$(cat want)"
	done
	# each game's first 500 was retried
	assert_equal "$(stats '[.hits | to_entries[] | select(.key | startswith("/fault/500once/")) | .value] | add')" 10
}

@test "pgs-extract over HTTP: a 404 fails (3) naming URL and status, no end marker" {
	require_data
	run --separate-stderr -3 pgs-extract --games "$GAMES_CSV" --source "$BASE/fault/404/{season_end}/{game_id}.json"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/404/2022/0022100001.json: HTTP 404 Not Found"
	# rows already written stay written, but no marker vouches for them
	run --separate-stderr -3 pgs-extract --games "$GAMES_CSV" --source "$BASE/{season_end}/{game_id}.json" \
		--source "$BASE/nope.json"
	assert_equal "${#lines[@]}" 137
	no_marker
	assert_equal "$stderr" "pgs-extract: GET $BASE/nope.json: HTTP 404 Not Found"
}

@test "pgs-extract over HTTP: a stalled response fails (3) within the timeout, no end marker" {
	require_data
	local t0=$SECONDS
	run --separate-stderr -3 pgs-extract --http-timeout 1 --http-retries 1 --games "$GAMES_CSV" \
		--source "$BASE/fault/stall/{season_end}/{game_id}.json"
	assert_output ""
	[[ $stderr == "pgs-extract: GET $BASE/fault/stall/2022/0022100001.json: Operation timed out after "*" (gave up after 1 retry)" ]]
	[ $((SECONDS - t0)) -le 6 ]
	# the environment says the same when the option is not given
	PGS_HTTP_TIMEOUT=0.5 PGS_HTTP_RETRIES=0 run --separate-stderr -3 pgs-extract --games "$GAMES_CSV" \
		--source "$BASE/fault/stall/{season_end}/{game_id}.json"
	[[ $stderr == *"Operation timed out"* ]]
}

@test "pgs-extract over HTTP: a cut body fails (3) after the retries, no end marker" {
	require_data
	run --separate-stderr -3 pgs-extract --http-retries 2 --games "$GAMES_CSV" \
		--source "$BASE/{season_end}/{game_id}.json" --source "$BASE/fault/cut/$F"
	assert_equal "${#lines[@]}" 137
	no_marker
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/cut/$F: transfer closed with 10144 bytes remaining to read (gave up after 2 retries)"
	assert_equal "$(stats ".hits[\"/fault/cut/$F\"]")" 3
	run --separate-stderr -3 pgs-extract --http-retries 1 --games "$GAMES_CSV" --source "$BASE/fault/gzipcut/{season_end}/{game_id}.json"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/gzipcut/2022/0022100001.json: gzip body: truncated compressed body (gave up after 1 retry)"
}

@test "pgs-extract {date} over per-day raw files equals the extraction from disk" {
	require_data
	pgs-extract --from 2023-10-24 --to 2023-10-31 "$WEEK" >want
	assert_equal "$(grep -c . want)" 1489
	run --separate-stderr pgs-extract --from 2023-10-24 --to 2023-10-31 --source "$BASE/days/{date}.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$(cat want)"
	assert_equal "$(stats '[.hits | keys[] | select(startswith("/days/"))] | length')" 8
	# a narrower window fetches only its days, and the other placeholders work too
	pgs-extract --from 2023-10-26 --to 2023-10-27 "$WEEK" >want
	mkdir -p "$WWW/2023-24"
	cp "$WWW/days/2023-10-26.ndjson" "$WWW/2023-24/20231026.ndjson"
	cp "$WWW/days/2023-10-27.ndjson" "$WWW/2023-24/20231027.ndjson"
	run --separate-stderr pgs-extract --from 2023-10-26 --to 2023-10-27 --source "$BASE/{season}/{yyyymmdd}.ndjson"
	assert_success
	assert_equal "$output" "$(cat want)"
}

@test "pgs-extract --allow-missing: a 404 day is a day without games (-v says so); without it, exit 3" {
	require_data
	run --separate-stderr -3 pgs-extract --from 2023-10-24 --to 2023-10-31 --source "$BASE/half/{date}.ndjson"
	no_marker
	assert_equal "$stderr" "pgs-extract: GET $BASE/half/2023-10-31.ndjson: HTTP 404 Not Found"
	pgs-extract --from 2023-10-22 --to 2023-10-30 "$WEEK" >want
	run --separate-stderr pgs-extract --allow-missing --from 2023-10-22 --to 2023-10-31 --source "$BASE/half/{date}.ndjson"
	assert_success
	assert_equal "$stderr" ""
	# the same rows as the days that exist; the marker names the window asked for
	assert_equal "$(grep -v pgs_end <<<"$output")" "$(grep -v pgs_end want)"
	assert_equal "${lines[-1]}" '{"pgs_end":{"tool":"pgs-extract","rows":1407,"rejects":0,"from":"2023-10-22","to":"2023-10-31"}}'
	run --separate-stderr pgs-extract -v --allow-missing --from 2023-10-22 --to 2023-10-31 --source "$BASE/half/{date}.ndjson"
	assert_success
	run grep -c 'Not Found: nothing there, allowed' <<<"$stderr"
	assert_output 3
}

@test "pgs-extract --allow-missing does not excuse a fixed URL's 404, nor a 503" {
	require_data
	run --separate-stderr -3 pgs-extract --allow-missing --source "$BASE/nope.ndjson"
	assert_equal "$stderr" "pgs-extract: GET $BASE/nope.ndjson: HTTP 404 Not Found"
	run --separate-stderr -3 pgs-extract --allow-missing --http-retries 0 --from 2023-10-24 --to 2023-10-24 \
		--source "$BASE/fault/503/days/{date}.ndjson"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/503/days/2023-10-24.ndjson: HTTP 503 Service Unavailable"
}

@test "pgs-extract URL | pgs-write: a cut body leaves the table unchanged (pgs-write exits 3)" {
	require_data
	local write=(pgs-write --store "$PGS_STORE" --table raw_boxscores --from 2023-10-24 --to 2023-10-31 --allow-shrink 100)
	"${write[@]}" <"$WEEK" >/dev/null
	pgs-extract --source "$PGS_STORE" --from 2023-10-24 --to 2023-10-31 >before
	# six days arrive whole, then the last one is cut: without a marker pgs-write commits nothing
	# (not even the deletion of 2023-10-31, which the shrink guard is told to allow)
	run --separate-stderr bash -c '
		pgs-extract --allow-missing --from 2023-10-24 --to 2023-10-31 --source "$1/half/{date}.ndjson" \
			--source "$1/fault/cut/days/2023-10-31.ndjson" | "${@:2}"
		echo "${PIPESTATUS[*]}"' _ "$BASE" "${write[@]}"
	assert_output "3 3"
	[[ $stderr == *"pgs-extract: GET $BASE/fault/cut/days/2023-10-31.ndjson: transfer closed with "* ]]
	[[ $stderr == *"pgs-write: input has no end marker"* ]]
	pgs-extract --source "$PGS_STORE" --from 2023-10-24 --to 2023-10-31 >after
	cmp before after
	assert_equal "$(grep -c . after)" 1489
}

@test "pgs-extract http sources: usage errors (2)" {
	run --separate-stderr -2 pgs-extract --source "$BASE/{date}.json"
	assert_output ""
	assert_equal "${stderr_lines[0]}" "pgs-extract: source '$BASE/{date}.json' needs --from and --to: one GET per day"
	run --separate-stderr -2 pgs-extract --from 2023-10-24 --to 2023-10-24 --source "$BASE/{game_id}.json"
	assert_equal "${stderr_lines[0]}" "pgs-extract: source '$BASE/{game_id}.json' needs --games FILE: the games for {game_id}"
	run --separate-stderr -2 pgs-extract --from 2023-10-24 --to 2023-10-24 --source "$BASE/{day}.json?key=s3cret"
	assert_equal "$stderr" "pgs-extract: bad URL template '$BASE/{day}.json?...': unknown placeholder '{day}' (known: {date}, {yyyymmdd}, {season}, {season_end}, {game_id})"
	run --separate-stderr -2 pgs-extract --http-timeout soon --source "$BASE/x.json"
	assert_equal "${stderr_lines[0]}" "pgs-extract: bad --http-timeout 'soon': want seconds > 0"
	run --separate-stderr -2 pgs-extract --http-retries 101 --source "$BASE/x.json"
	assert_equal "${stderr_lines[0]}" "pgs-extract: bad --http-retries '101': want a number from 0 to 100"
	run --separate-stderr -2 pgs-extract --http-header 'Authorization Bearer s3cret' --source "$BASE/x.json"
	assert_equal "${stderr_lines[0]}" "pgs-extract: bad --http-header: want 'Name: value'"
	# a bad PGS_HTTP_* matters only to an http source
	PGS_HTTP_RETRIES=many run --separate-stderr -2 pgs-extract --source "$BASE/x.json"
	assert_equal "$stderr" "pgs-extract: bad PGS_HTTP_RETRIES 'many': want a number from 0 to 100"
	PGS_HTTP_RETRIES=many run --separate-stderr pgs-extract --format raw /dev/null
	assert_success
}

@test "pgs-extract over HTTP: headers from options and a file are sent, and never shown" {
	require_data
	printf '# the token\nAuthorization: Bearer s3cret\n\n' >headers.txt
	run --separate-stderr pgs-extract --http-header 'X-Team: props' --http-headers headers.txt \
		--from 2023-10-24 --to 2023-10-24 --source "$BASE/days/{date}.ndjson"
	assert_success
	assert_equal "$(stats '.headers["/days/2023-10-24.ndjson"] | "\(.["x-team"]) \(.authorization)"')" "props Bearer s3cret"
	printf 'Authorization Bearer s3cret\n' >bad.txt
	run --separate-stderr -3 pgs-extract --http-headers bad.txt --source "$BASE/x.json"
	assert_equal "$stderr" "pgs-extract: bad.txt:1: not a 'Name: value' header line"
	run --separate-stderr -3 pgs-extract --http-headers nope.txt --source "$BASE/x.json"
	[[ $stderr == "pgs-extract: "*"nope.txt"* ]]
}

@test "pgs-extract over HTTP: a reject names the URL (redacted) and line; exit 1" {
	require_data
	{ head -n 2 "$WWW/days/2023-10-24.ndjson"; echo '{"game_id":'; } >"$WWW/bad.ndjson"
	run --separate-stderr -1 pgs-extract --source "$BASE/bad.ndjson?token=s3cret"
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[2]}" '{"pgs_end":{"tool":"pgs-extract","rows":2,"rejects":1,"from":null,"to":null}}'
	[[ $stderr == "pgs-extract: $BASE/bad.ndjson?...:3: "* ]]
	[[ $stderr != *s3cret* ]]
}

@test "pgs-extract over HTTP: | head -1 ends quietly; > /dev/full fails (3)" {
	require_data
	run --separate-stderr bash -c 'pgs-extract --from 2023-10-24 --to 2023-10-31 --source "$1/days/{date}.ndjson" | head -1' _ "$BASE"
	assert_success
	assert_equal "$output" "$(head -n 1 "$WWW/days/2023-10-24.ndjson")"
	assert_equal "$stderr" ""
	run --separate-stderr -3 bash -c 'pgs-extract --from 2023-10-24 --to 2023-10-31 --source "$1/days/{date}.ndjson" >/dev/full' _ "$BASE"
	[[ $stderr == *"pgs-extract: "*"No space left on device"* ]]
}
