# shellcheck disable=SC2016 # backticks in single quotes are BigQuery names, not shell
# tests/bqemu/test_helper.bash — start the BigQuery emulator (and the fault
# proxy) on loopback for one test, and talk to it with curl + jq.  Load it
# after tests/test_helper.bash.
#   start_bqemu [OPTION...]  start tests/bqemu/bqemu; sets BQ_URL, BQ_API
#   stop_bqemu               stop it and any proxy (teardown)
#   api METHOD PATH [JSON]   call $BQ_API PATH with the bearer token; prints
#                            the HTTP status, keeps the body in $BQ_BODY
#   sql SQL [PARAMS] [EXTRA] jobs.query with useLegacySql:false; PARAMS is a
#                            queryParameters JSON array, EXTRA merged into the body
#   b [JQ-OPTION...] FILTER  jq -c over the last body
# Each server exits by itself after 120 s should teardown never run.

BQEMU_DIR="$PGS_ROOT/tests/bqemu"
BQ_TOKEN=test-token-not-a-secret
BQ_PROJECT=pgs-test

bqemu_ready() {
	command -v node >/dev/null && [ -f "$BQEMU_DIR/node_modules/@duckdb/node-api/package.json" ]
}

# Wait for FILE to hold a port (the server writes it once it listens).
wait_port() {
	local _
	for _ in $(seq 300); do
		[ -s "$1" ] && return 0
		sleep 0.02
	done
	echo "no port in $1" >&2
	return 1
}

start_bqemu() {
	bqemu_ready || skip "the BigQuery emulator needs node and its npm packages (tests/bqemu/setup could not install them)"
	"$BQEMU_DIR/bqemu" --port 0 --port-file "$BATS_TEST_TMPDIR/bq.port" --log "$BATS_TEST_TMPDIR/bq.log" \
		--exit-after 120 "$@" >"$BATS_TEST_TMPDIR/bq.stderr" 2>&1 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/bq.pid"
	wait_port "$BATS_TEST_TMPDIR/bq.port" || {
		cat "$BATS_TEST_TMPDIR/bq.stderr" >&2
		return 1
	}
	BQ_PORT=$(cat "$BATS_TEST_TMPDIR/bq.port")
	BQ_URL="http://127.0.0.1:$BQ_PORT"
	BQ_API="$BQ_URL/bigquery/v2/projects/$BQ_PROJECT"
	BQ_BODY="$BATS_TEST_TMPDIR/body"
}

# start_proxy PLAN [OPTION...]: tests/bqemu/faultproxy in front of the emulator; sets PROXY_URL.
start_proxy() {
	"$BQEMU_DIR/faultproxy" --listen 0 --port-file "$BATS_TEST_TMPDIR/proxy.port" --upstream "127.0.0.1:$BQ_PORT" \
		--plan "$1" --exit-after 120 "${@:2}" >"$BATS_TEST_TMPDIR/proxy.stderr" 2>&1 3>&- &
	echo $! >"$BATS_TEST_TMPDIR/proxy.pid"
	wait_port "$BATS_TEST_TMPDIR/proxy.port" || {
		cat "$BATS_TEST_TMPDIR/proxy.stderr" >&2
		return 1
	}
	# shellcheck disable=SC2034 # used by the tests
	PROXY_URL="http://127.0.0.1:$(cat "$BATS_TEST_TMPDIR/proxy.port")"
}

stop_bqemu() {
	local f
	for f in "$BATS_TEST_TMPDIR/proxy.pid" "$BATS_TEST_TMPDIR/bq.pid"; do
		[ -f "$f" ] || continue
		kill "$(cat "$f")" 2>/dev/null || true
		wait "$(cat "$f")" 2>/dev/null || true
	done
}

api() {
	local data=()
	[ $# -lt 3 ] || data=(--data-binary "$3")
	curl -sS -o "$BQ_BODY" -w '%{http_code}' -X "$1" -H "Authorization: Bearer $BQ_TOKEN" \
		-H 'Content-Type: application/json' "${data[@]}" "$BQ_API$2"
}

# The jobs.query body of SQL [PARAMS] [EXTRA].
query_body() {
	local params=${2:-[]} extra=${3:-'{}'}
	jq -nc --arg q "$1" --argjson p "$params" --argjson x "$extra" \
		'{query: $q, useLegacySql: false, parameterMode: "NAMED", queryParameters: $p, location: "US"} + $x'
}

sql() {
	api POST /queries "$(query_body "$@")"
}

b() {
	jq -c "$@" "$BQ_BODY"
}

emu() {
	curl -sS -o "$BATS_TEST_TMPDIR/emu.out" -w '%{http_code}' -X POST "$BQ_URL/_emu/$1" -d "$2"
}

# A named query parameter: param NAME TYPE VALUE, or param NAME ARRAY ELEMTYPE V1 V2...
param() {
	if [ "$2" = ARRAY ]; then
		jq -nc --arg n "$1" --arg t "$3" '{name: $n, parameterType: {type: "ARRAY", arrayType: {type: $t}},
			parameterValue: {arrayValues: ($ARGS.positional | map({value: .}))}}' --args "${@:4}"
	else
		jq -nc --arg n "$1" --arg t "$2" --arg v "$3" '{name: $n, parameterType: {type: $t}, parameterValue: {value: $v}}'
	fi
}

# load JOBID TABLE DISPOSITION SCHEMA-FIELDS-JSON NDJSON-FILE: a multipart load job; prints the HTTP status.
load() {
	local meta
	meta=$(jq -nc --arg j "$1" --arg t "$2" --arg w "$3" --argjson f "$4" --arg p "$BQ_PROJECT" \
		'{jobReference: {projectId: $p, jobId: $j, location: "US"}, configuration: {load: {
			sourceFormat: "NEWLINE_DELIMITED_JSON", destinationTable: {projectId: $p, datasetId: "nba", tableId: $t},
			writeDisposition: $w, createDisposition: "CREATE_IF_NEEDED", schema: {fields: $f}}}}')
	{
		printf -- '--bqemu_boundary\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n%s\r\n' "$meta"
		printf -- '--bqemu_boundary\r\nContent-Type: application/octet-stream\r\n\r\n'
		cat "$5"
		printf -- '\r\n--bqemu_boundary--\r\n'
	} >"$BATS_TEST_TMPDIR/upload"
	curl -sS -o "$BQ_BODY" -w '%{http_code}' -H "Authorization: Bearer $BQ_TOKEN" \
		-H 'Content-Type: multipart/related; boundary=bqemu_boundary' --data-binary @"$BATS_TEST_TMPDIR/upload" \
		"$BQ_URL/upload/bigquery/v2/projects/$BQ_PROJECT/jobs?uploadType=multipart"
}

# wait_job JOBID: poll jobs.get until DONE (10 s at most); the last body stays in $BQ_BODY.
wait_job() {
	local _
	for _ in $(seq 200); do
		[ "$(api GET "/jobs/$1?location=US")" = 200 ] || return 1
		[ "$(b -r .status.state)" = DONE ] && return 0
		sleep 0.05
	done
	return 1
}

now_ms() {
	echo $(($(date +%s%N) / 1000000))
}

# The nba dataset and its player_game_summary-like table, partitioned and clustered as pgs makes it.
make_pgs_table() {
	[ "$(sql 'CREATE SCHEMA IF NOT EXISTS `pgs-test.nba`')" = 200 ] || return 1
	[ "$(sql 'CREATE TABLE IF NOT EXISTS `pgs-test.nba.pgs` (game_date DATE NOT NULL, player_lookup STRING NOT NULL,
		points INT64, minutes FLOAT64, starter BOOL, processed_at TIMESTAMP, tags ARRAY<STRING>)
		PARTITION BY DATE_TRUNC(game_date, MONTH) CLUSTER BY player_lookup
		OPTIONS (description = "test table")')" = 200 ] || return 1
}

# sql_bg NAME SQL [PARAMS] [EXTRA]: jobs.query in the background; the body goes
# to $BATS_TEST_TMPDIR/NAME.out, the curl pid onto BG_PIDS (wait "${BG_PIDS[@]}").
BG_PIDS=()
sql_bg() {
	query_body "$2" "${3:-}" "${4:-}" >"$BATS_TEST_TMPDIR/$1.in"
	curl -sS -o "$BATS_TEST_TMPDIR/$1.out" -H "Authorization: Bearer $BQ_TOKEN" -H 'Content-Type: application/json' \
		--data-binary @"$BATS_TEST_TMPDIR/$1.in" "$BQ_API/queries" &
	BG_PIDS+=($!)
}

# jobs_overlapped STATEMENT-TYPE: every job of that type ran while all the
# others did (each started before any ended), from the emulator's job times.
jobs_overlapped() {
	curl -sS "$BQ_URL/_emu/jobs" | jq -e --arg t "$1" '[.jobs[] | select(.statementType == $t)] |
		length >= 2 and (map(.startTime | tonumber) | max) < (map(.endTime | tonumber) | min)' >/dev/null
}
