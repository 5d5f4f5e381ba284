#!/usr/bin/env bats
# lib/http (the http(s) sources of pgs-extract) through the test driver
# bin-test/pgs-http-get (built by the Makefile with the tools), against
# tests/http/server.py on loopback: GETs, connection reuse, each injected
# fault, redaction, templates, and pgs-extract over HTTP.
#
# Everything served comes from the repository (the v3 fixture documents, a
# week of pgs-sample rows), so a fresh clone runs every fault test; only the
# tests that fetch the five real stats.nba.com files need ../shared/data.

load test_helper
load http/server

REAL_V3="$PGS_DATA/nbastats_hoopr_raw_v3_samples/boxscoretraditionalv3"

setup_file() {
	local v3="$FIXTURES/extract_nbastats_v3.json" d
	[ -x "$PGS_ROOT/bin-test/pgs-http-get" ] || {
		echo "bin-test/pgs-http-get is missing: run make" >&2
		return 1
	}
	WWW="$BATS_FILE_TMPDIR/www"
	mkdir -p "$WWW/2024" "$WWW/2022" "$WWW/real"
	# the two v3 fixture documents in the hoopR layout {season_end}/{game_id}.json,
	# with a schedule that dates both
	sed -n 1,216p "$v3" >"$WWW/2024/0022300061.json"
	sed -n 217p "$v3" >"$WWW/2022/0052100101.json"
	gzip -c "$WWW/2024/0022300061.json" >"$WWW/2024/0022300061.json.gz"
	printf 'game_id,game_date\n0052100101,2022-04-12\n0022300061,2023-10-24\n' >"$BATS_FILE_TMPDIR/games.csv"
	printf 'a,b\r\nc,d\r\nlast' >"$WWW/crlf.txt"
	# a week of sample rows as raw NDJSON, one file per day, days/DATE.ndjson
	# (half/ lacks the last day)
	pgs-sample --format raw --from 2021-10-19 --to 2021-10-26 | pgs-extract >"$BATS_FILE_TMPDIR/week.ndjson"
	mkdir -p "$WWW/days" "$WWW/half"
	awk -v dir="$WWW/days" '/"pgs_end"/ { next }
		{ match($0, /"game_date":"[0-9-]+"/); print >(dir "/" substr($0, RSTART + 13, 10) ".ndjson") }' \
		"$BATS_FILE_TMPDIR/week.ndjson"
	cp "$WWW"/days/2021-10-{19,2[0-5]}.ndjson "$WWW/half/"
	# the five real stats.nba.com files, when the data is there (gunzipped when stored as .gz)
	if [ -d "$REAL_V3" ]; then
		(cd "$REAL_V3" && find . -name '*.json' -o -name '*.json.gz') | while read -r f; do
			d="$WWW/real/$(dirname "$f")"
			mkdir -p "$d"
			case $f in
			*.gz) gzip -dc "$REAL_V3/$f" >"$WWW/real/${f%.gz}" ;;
			*) cp "$REAL_V3/$f" "$WWW/real/$f" ;;
			esac
		done
	fi
	# one loopback server for the file (python starts slowly on a busy machine)
	start_test_server "$WWW"
}

teardown_file() {
	stop_test_server
}

setup() {
	common_setup
	PATH="$PGS_ROOT/bin-test:$PATH"
	WWW="$BATS_FILE_TMPDIR/www"
	BASE="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")"
	F=2024/0022300061.json
	SIZE=$(wc -c <"$WWW/$F")
	SENT=$((SIZE / 2))          # what a cut or stalled response sends of the body
	HALF=$((SIZE - SENT))        # and what it still owes
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

# rows FILE: the data rows (not the marker) of an NDJSON file
rows() {
	grep -vc '"pgs_end"' "$1"
}

@test "the week of sample rows is served as eight day files" {
	assert_equal "$(find "$WWW/days" -name '*.ndjson' | wc -l)" 8
	assert_equal "$(find "$WWW/half" -name '*.ndjson' | wc -l)" 7
	[ "$(rows "$WEEK")" -gt 1000 ] || fail "only $(rows "$WEEK") rows in the week"
}

@test "GETs return the files byte for byte, on one connection" {
	local f n=0 urls=()
	for f in 2024/0022300061.json 2022/0052100101.json crlf.txt days/2021-10-19.ndjson; do
		pgs-http-get "$BASE/$f" >got
		cmp got "$WWW/$f"
		urls+=("$BASE/$f")
		n=$((n + 1))
	done
	assert_equal "$n" 4
	(cd "$WWW" && cat 2024/0022300061.json 2022/0052100101.json crlf.txt days/2021-10-19.ndjson) >want
	curl -sS -o /dev/null "$BASE/reset"
	pgs-http-get "${urls[@]}" "$BASE/stats" >got 2>err
	[ ! -s err ] || fail "stderr: $(cat err)"
	head -c "$(wc -c <want)" got | cmp - want
	# the driver's five requests (four files, then /stats) came on one connection
	run jq -c '{connections, requests}' <<<"$(tail -c +"$(($(wc -c <want) + 1))" got)"
	assert_output '{"connections":1,"requests":5}'
}

@test "plain GETs return the five real files byte for byte" {
	require_data
	local f n=0
	for f in $(cd "$WWW/real" && find . -name '*.json' | sort); do
		pgs-http-get "$BASE/real/${f#./}" >got
		cmp got "$WWW/real/$f"
		n=$((n + 1))
	done
	assert_equal "$n" 5
}

@test "a 500 is retried and the body is the file; -v shows the retry" {
	run --separate-stderr pgs-http-get -v "$BASE/fault/500once/$F"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
	stderr_matches 0 "pgs-http-get: GET $BASE/fault/500once/$F: HTTP 500 Internal Server Error; retry 1 of 5 in [0-9]+ ms"
	stderr_matches 1 "pgs-http-get: GET $BASE/fault/500once/$F: HTTP 200, $SIZE bytes in [0-9]+ ms, 1 retry"
	assert_equal "${#stderr_lines[@]}" 2
	assert_equal "$(stats ".hits[\"/fault/500once/$F\"]")" 2
}

@test "a 429 waits for Retry-After, then succeeds" {
	run --separate-stderr pgs-http-get -v "$BASE/fault/429/$F"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
	assert_equal "${stderr_lines[0]}" "pgs-http-get: GET $BASE/fault/429/$F: HTTP 429 Too Many Requests; retry 1 of 5 in 1000 ms"
	# the server answers a retry that comes before Retry-After with a 429 again
	assert_equal "$(stats ".hits[\"/fault/429/$F\"]")" 2
}

@test "a dropped connection is retried" {
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
	run --separate-stderr -3 pgs-http-get --retries 2 "$BASE/fault/503/$F"
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/503/$F: HTTP 503 Service Unavailable (gave up after 2 retries)"
	assert_equal "$(stats ".hits[\"/fault/503/$F\"]")" 3
}

@test "a cut body (short of Content-Length) fails (3) after the retries, never a short success" {
	run --separate-stderr -3 pgs-http-get --retries 2 "$BASE/fault/cut/$F"
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/cut/$F: transfer closed with $HALF bytes remaining to read (gave up after 2 retries)"
	assert_equal "$(stats ".hits[\"/fault/cut/$F\"]")" 3
}

@test "a stalled response fails within the timeout" {
	# "Operation timed out" is the client's own timer: the server would have
	# closed the connection only after 30 s ("transfer closed ...")
	run --separate-stderr -3 pgs-http-get --timeout 1 --retries 1 "$BASE/fault/stall/$F"
	assert_output ""
	stderr_matches 0 "pgs-http-get: GET $BASE/fault/stall/$F: Operation timed out after [0-9]+ milliseconds with $SENT out of $SIZE bytes received \(gave up after 1 retry\)"
	# PGS_HTTP_TIMEOUT says the same
	PGS_HTTP_TIMEOUT=0.5 PGS_HTTP_RETRIES=0 run --separate-stderr -3 pgs-http-get "$BASE/fault/stall/$F"
	[[ $stderr == *"Operation timed out"* ]]
}

@test "gzip: Accept-Encoding and User-Agent are sent; gzip bodies and .gz files are inflated" {
	run --separate-stderr pgs-http-get "$BASE/fault/gzip/$F" "$BASE/$F.gz" "$BASE/stats"
	assert_success
	assert_equal "$stderr" ""
	pgs-http-get "$BASE/fault/gzip/$F" "$BASE/$F.gz" "$BASE/stats" >got
	cat "$WWW/$F" "$WWW/$F" >want
	head -c $((2 * SIZE)) got | cmp - want
	run jq -c '.last | {"accept-encoding", "user-agent"}' <<<"$(tail -c +$((2 * SIZE + 1)) got)"
	assert_output '{"accept-encoding":"gzip, deflate","user-agent":"pgs/0.1.0"}'
	PGS_HTTP_USER_AGENT='props-team/1 (ops@example.com)' pgs-http-get --header 'X-Test: 1' "$BASE/$F" "$BASE/stats" >got
	run jq -c '.last | {"user-agent", "x-test"}' <<<"$(tail -c +$((SIZE + 1)) got)"
	assert_output '{"user-agent":"props-team/1 (ops@example.com)","x-test":"1"}'
}

@test "a gzip stream cut short fails (3) after the retries" {
	run --separate-stderr -3 pgs-http-get --retries 1 "$BASE/fault/gzipcut/$F"
	assert_output ""
	assert_equal "$stderr" "pgs-http-get: GET $BASE/fault/gzipcut/$F: gzip body: truncated compressed body (gave up after 1 retry)"
}

@test "redirects are followed" {
	run --separate-stderr pgs-http-get "$BASE/fault/redirect/$F"
	assert_success
	assert_equal "$output" "$(cat "$WWW/$F")"
}

@test "secrets in the URL never reach a message" {
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
	run --separate-stderr -2 pgs-http-get --expand 'http://h/{day}.json' --date 2021-10-19
	assert_equal "$stderr" "pgs-http-get: bad URL template 'http://h/{day}.json': unknown placeholder '{day}' (known: {date}, {yyyymmdd}, {season}, {season_end}, {game_id})"
	run --separate-stderr -2 pgs-http-get --expand 'http://h/{date'
	[[ $stderr == *"unknown placeholder '{date'"* ]]
	run --separate-stderr -2 pgs-http-get --expand 'http://h/{game_id}' --date 2021-10-19
	[[ $stderr == *"needs --date or --game-id"* ]]
}

@test "a template expanded by day and game fetches the real hoopR layout" {
	require_data
	local url
	url=$(pgs-http-get --expand "$BASE/real/{season_end}/{game_id}.json" --date 2023-10-24 --game-id 0022300061)
	run --separate-stderr pgs-http-get "$url"
	assert_success
	assert_equal "$output" "$(cat "$WWW/real/$F")"
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

# disk_v3: the two games extracted from the served files on disk (date order = path order)
disk_v3() {
	pgs-extract --games "$GAMES_CSV" "$WWW"/20*/*.json
}

# no_marker: $output has rows or nothing, but no end marker
no_marker() {
	[[ $output != *'"pgs_end"'* ]] || fail "an end marker was written: ${output##*$'\n'}"
}

@test "pgs-extract {season_end}/{game_id} over HTTP equals the files from disk, byte for byte" {
	disk_v3 >want
	assert_equal "$(rows want)" 8
	run --separate-stderr pgs-extract --games "$GAMES_CSV" --source "$BASE/{season_end}/{game_id}.json"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$(cat want)"
	# one GET per game, in date order, on one connection (and one more for stats)
	curl -sS -o /dev/null "$BASE/reset"
	run --separate-stderr pgs-extract -v --games "$GAMES_CSV" --source "$BASE/{season_end}/{game_id}.json"
	assert_success
	run grep -o "GET $BASE/[^:]*" <<<"$stderr"
	assert_output "$(printf "GET $BASE/%s\n" 2022/0052100101.json 2024/0022300061.json)"
	assert_equal "$(stats .connections)" 2
}

@test "pgs-extract --games from a pipe: the {game_id} template fetches the same games as from a file" {
	# the schedule is read once: it both lists the template's games and dates the documents
	pgs-extract --games "$GAMES_CSV" --source "$BASE/{season_end}/{game_id}.json" >want
	assert_equal "$(rows want)" 8
	run --separate-stderr pgs-extract --games <(cat "$GAMES_CSV") --source "$BASE/{season_end}/{game_id}.json"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$(cat want)"
	# and from stdin through /dev/stdin
	run --separate-stderr pgs-extract --games /dev/stdin --source "$BASE/{season_end}/{game_id}.json" <"$GAMES_CSV"
	assert_success
	assert_equal "$output" "$(cat want)"
	assert_equal "$(stats '[.hits | keys[] | select(endswith(".json"))] | length')" 2
}

@test "pgs-extract over HTTP: 500 once, 429 with Retry-After, a dropped connection, gzip, a redirect: same output" {
	local fault
	disk_v3 >want
	for fault in 500once 429 drop gzip redirect; do
		run --separate-stderr pgs-extract --games "$GAMES_CSV" --source "$BASE/fault/$fault/{season_end}/{game_id}.json"
		assert_success
		assert_equal "$stderr" ""
		assert_equal "$output" "$(cat want)"
	done
	# each game's first 500 was retried
	assert_equal "$(stats '[.hits | to_entries[] | select(.key | startswith("/fault/500once/")) | .value] | add')" 4
}

@test "pgs-extract over HTTP: a 404 fails (3) naming URL and status, no end marker" {
	run --separate-stderr -3 pgs-extract --games "$GAMES_CSV" --source "$BASE/fault/404/{season_end}/{game_id}.json"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/404/2022/0052100101.json: HTTP 404 Not Found"
	# rows already written stay written, but no marker vouches for them
	run --separate-stderr -3 pgs-extract --games "$GAMES_CSV" --source "$BASE/{season_end}/{game_id}.json" \
		--source "$BASE/nope.json"
	assert_equal "${#lines[@]}" 8
	no_marker
	assert_equal "$stderr" "pgs-extract: GET $BASE/nope.json: HTTP 404 Not Found"
}

@test "pgs-extract over HTTP: a stalled response fails (3) within the timeout, no end marker" {
	# timed out by the client's timer, not cut by the server's close after 30 s
	run --separate-stderr -3 pgs-extract --http-timeout 1 --http-retries 1 --games "$GAMES_CSV" \
		--source "$BASE/fault/stall/{season_end}/{game_id}.json"
	assert_output ""
	[[ $stderr == "pgs-extract: GET $BASE/fault/stall/2022/0052100101.json: Operation timed out after "*" (gave up after 1 retry)" ]]
	# the environment says the same when the option is not given
	PGS_HTTP_TIMEOUT=0.5 PGS_HTTP_RETRIES=0 run --separate-stderr -3 pgs-extract --games "$GAMES_CSV" \
		--source "$BASE/fault/stall/{season_end}/{game_id}.json"
	[[ $stderr == *"Operation timed out"* ]]
}

@test "pgs-extract over HTTP: a cut body fails (3) after the retries, no end marker" {
	run --separate-stderr -3 pgs-extract --http-retries 2 --games "$GAMES_CSV" \
		--source "$BASE/{season_end}/{game_id}.json" --source "$BASE/fault/cut/$F"
	assert_equal "${#lines[@]}" 8
	no_marker
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/cut/$F: transfer closed with $HALF bytes remaining to read (gave up after 2 retries)"
	assert_equal "$(stats ".hits[\"/fault/cut/$F\"]")" 3
	run --separate-stderr -3 pgs-extract --http-retries 1 --games "$GAMES_CSV" --source "$BASE/fault/gzipcut/{season_end}/{game_id}.json"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/gzipcut/2022/0052100101.json: gzip body: truncated compressed body (gave up after 1 retry)"
}

@test "pgs-extract {date} over per-day raw files equals the extraction from disk" {
	pgs-extract --from 2021-10-19 --to 2021-10-26 "$WEEK" >want
	assert_equal "$(grep -c . want)" "$(grep -c . "$WEEK")"
	run --separate-stderr pgs-extract --from 2021-10-19 --to 2021-10-26 --source "$BASE/days/{date}.ndjson"
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$output" "$(cat want)"
	assert_equal "$(stats '[.hits | keys[] | select(startswith("/days/"))] | length')" 8
	# a narrower window fetches only its days, and the other placeholders work too
	pgs-extract --from 2021-10-21 --to 2021-10-22 "$WEEK" >want
	mkdir -p "$WWW/2021-22"
	cp "$WWW/days/2021-10-21.ndjson" "$WWW/2021-22/20211021.ndjson"
	cp "$WWW/days/2021-10-22.ndjson" "$WWW/2021-22/20211022.ndjson"
	run --separate-stderr pgs-extract --from 2021-10-21 --to 2021-10-22 --source "$BASE/{season}/{yyyymmdd}.ndjson"
	assert_success
	# the same rows; the file's marker also counts its other days' rows, skipped
	assert_equal "$(grep -v '^{"pgs_end"' <<<"$output")" "$(grep -v '^{"pgs_end"' want)"
	assert_equal "$(tail -n 1 <<<"$output")" '{"pgs_end":{"tool":"pgs-extract","rows":426,"rejects":0,"from":"2021-10-21","to":"2021-10-22"}}'
}

@test "pgs-extract --allow-missing: a 404 day is a day without games (-v says so); without it, exit 3" {
	run --separate-stderr -3 pgs-extract --from 2021-10-19 --to 2021-10-26 --source "$BASE/half/{date}.ndjson"
	no_marker
	assert_equal "$stderr" "pgs-extract: GET $BASE/half/2021-10-26.ndjson: HTTP 404 Not Found"
	pgs-extract --from 2021-10-17 --to 2021-10-25 "$WEEK" >want
	run --separate-stderr pgs-extract --allow-missing --from 2021-10-17 --to 2021-10-26 --source "$BASE/half/{date}.ndjson"
	assert_success
	assert_equal "$stderr" ""
	# the same rows as the days that exist; the marker names the window asked for
	assert_equal "$(grep -v pgs_end <<<"$output")" "$(grep -v pgs_end want)"
	assert_equal "${lines[-1]}" '{"pgs_end":{"tool":"pgs-extract","rows":'"$(rows want)"',"rejects":0,"from":"2021-10-17","to":"2021-10-26"}}'
	run --separate-stderr pgs-extract -v --allow-missing --from 2021-10-17 --to 2021-10-26 --source "$BASE/half/{date}.ndjson"
	assert_success
	run grep -c 'Not Found: nothing there, allowed' <<<"$stderr"
	assert_output 3
}

@test "pgs-extract --allow-missing does not excuse a fixed URL's 404, nor a 503" {
	run --separate-stderr -3 pgs-extract --allow-missing --source "$BASE/nope.ndjson"
	assert_equal "$stderr" "pgs-extract: GET $BASE/nope.ndjson: HTTP 404 Not Found"
	run --separate-stderr -3 pgs-extract --allow-missing --http-retries 0 --from 2021-10-19 --to 2021-10-19 \
		--source "$BASE/fault/503/days/{date}.ndjson"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: GET $BASE/fault/503/days/2021-10-19.ndjson: HTTP 503 Service Unavailable"
}

@test "pgs-extract URL | pgs-write: a cut body leaves the table unchanged (pgs-write exits 3)" {
	local write=(pgs-write --store "$PGS_STORE" --table raw_boxscores --from 2021-10-19 --to 2021-10-26 --allow-shrink 100)
	"${write[@]}" <"$WEEK" >/dev/null
	pgs-extract --source "$PGS_STORE" --from 2021-10-19 --to 2021-10-26 >before
	# six days arrive whole, then the last one is cut: without a marker pgs-write commits nothing
	# (not even the deletion of 2021-10-26, which the shrink guard is told to allow)
	local st=(0 0)
	pgs-extract --allow-missing --from 2021-10-19 --to 2021-10-26 --source "$BASE/half/{date}.ndjson" \
		--source "$BASE/fault/cut/days/2021-10-26.ndjson" 2>err | "${write[@]}" >out 2>>err ||
		st=("${PIPESTATUS[@]}")
	assert_equal "${st[*]}" "3 3"
	[ ! -s out ] || fail "pgs-write printed statistics: $(cat out)"
	grep -q "^pgs-extract: GET $BASE/fault/cut/days/2021-10-26.ndjson: transfer closed with " err
	grep -q "^pgs-write: input has no end marker" err
	pgs-extract --source "$PGS_STORE" --from 2021-10-19 --to 2021-10-26 >after
	cmp before after
	assert_equal "$(rows after)" "$(rows "$WEEK")"
}

@test "pgs-extract http sources: usage errors (2)" {
	run --separate-stderr -2 pgs-extract --source "$BASE/{date}.json"
	assert_output ""
	assert_equal "${stderr_lines[0]}" "pgs-extract: source '$BASE/{date}.json' needs --from and --to: one GET per day"
	run --separate-stderr -2 pgs-extract --from 2021-10-19 --to 2021-10-19 --source "$BASE/{game_id}.json"
	assert_equal "${stderr_lines[0]}" "pgs-extract: source '$BASE/{game_id}.json' needs --games FILE: the games for {game_id}"
	run --separate-stderr -2 pgs-extract --from 2021-10-19 --to 2021-10-19 --source "$BASE/{day}.json?key=s3cret"
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
	printf '# the token\nAuthorization: Bearer s3cret\n\n' >headers.txt
	run --separate-stderr pgs-extract --http-header 'X-Team: props' --http-headers headers.txt \
		--from 2021-10-19 --to 2021-10-19 --source "$BASE/days/{date}.ndjson"
	assert_success
	assert_equal "$(stats '.headers["/days/2021-10-19.ndjson"] | "\(.["x-team"]) \(.authorization)"')" "props Bearer s3cret"
	printf 'Authorization Bearer s3cret\n' >bad.txt
	run --separate-stderr -3 pgs-extract --http-headers bad.txt --source "$BASE/x.json"
	assert_equal "$stderr" "pgs-extract: bad.txt:1: not a 'Name: value' header line"
	run --separate-stderr -3 pgs-extract --http-headers nope.txt --source "$BASE/x.json"
	[[ $stderr == "pgs-extract: "*"nope.txt"* ]]
}

@test "pgs-extract over HTTP: a reject names the URL (redacted) and line; exit 1" {
	{ head -n 2 "$WWW/days/2021-10-19.ndjson"; echo '{"game_id":'; } >"$WWW/bad.ndjson"
	run --separate-stderr -1 pgs-extract --source "$BASE/bad.ndjson?token=s3cret"
	assert_equal "${#lines[@]}" 3
	assert_equal "${lines[2]}" '{"pgs_end":{"tool":"pgs-extract","rows":2,"rejects":1,"from":null,"to":null}}'
	[[ $stderr == "pgs-extract: $BASE/bad.ndjson?...:3: "* ]]
	[[ $stderr != *s3cret* ]]
}

@test "pgs-extract over HTTP: | head -1 ends quietly; > /dev/full fails (3)" {
	# a week is far more than a pipe holds: pgs-extract itself ends by SIGPIPE, quietly
	pgs-extract --from 2021-10-19 --to 2021-10-26 --source "$BASE/days/{date}.ndjson" 2>err | head -n 1 >first
	local st=("${PIPESTATUS[@]}")
	assert_equal "${st[*]}" "141 0"
	[ ! -s err ] || fail "stderr: $(cat err)"
	assert_equal "$(cat first)" "$(head -n 1 "$WWW/days/2021-10-19.ndjson")"
	# shellcheck disable=SC2016 # $1 is bash -c's
	run --separate-stderr -3 bash -c 'pgs-extract --from 2021-10-19 --to 2021-10-26 --source "$1/days/{date}.ndjson" >/dev/full' _ "$BASE"
	[[ $stderr == *"pgs-extract: "*"No space left on device"* ]]
}
