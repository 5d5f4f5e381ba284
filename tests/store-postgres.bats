#!/usr/bin/env bats
# The PostgreSQL store's own concerns (the write semantics it shares with
# every store are in tests/conformance/): connecting, secrets, read-only
# use, streaming reads, and the real seasons against the SQLite store.
# A real PostgreSQL 15 is started on loopback for this file.

load test_helper
# shellcheck source=tests/pg/server.bash
. "$PGS_ROOT/tests/pg/server.bash"

setup_file() {
	PG_SKIP=$(pg_skip_reason)
	export PG_SKIP
	[ -n "$PG_SKIP" ] || pg_start
}

teardown_file() {
	pg_stop
}

teardown() {
	[ -z "${proxy:-}" ] || kill "$proxy" 2>/dev/null || true
	[ -z "${bg:-}" ] || kill -9 "$bg" 2>/dev/null || true
}

setup() {
	[ -z "$PG_SKIP" ] || skip "$PG_SKIP"
	common_setup
	S=$(pg_fresh "t$BATS_TEST_NUMBER")
	export PGS_STORE=$S
}

sample() {
	pgs-sample --seed 2 --scale 1 --from 2023-10-24 --to 2023-11-05 -o sample >/dev/null
	pgs-ingest --store "$S" sample/* 2>/dev/null
}

@test "postgres: a wrong password fails (3) with the server's reason, and the password is in no output" {
	bad="postgres://pgs:Wr0ngSecret77@127.0.0.1:$PG_PORT/pgs?schema=x"
	echo '{"pgs_end":{"tool":"t","rows":0}}' >empty.nd
	run -3 --separate-stderr pgs-write --store "$bad" --from 2023-10-01 --to 2023-10-02 empty.nd
	[ -z "$output" ]
	[[ "$stderr" == *"store 'postgres://pgs:***@127.0.0.1:$PG_PORT/pgs?schema=x': cannot connect:"*"password authentication failed"* ]]
	[[ "$stderr" != *Wr0ngSecret77* ]]
	for tool in "pgs-extract --source $bad --from 2023-10-01 --to 2023-10-02" \
	    "pgs-resolve --registry $bad" "pgs-checkpoint plan --job j --from 2023-10-01 --to 2023-10-02 --store $bad"; do
		# shellcheck disable=SC2086
		run -3 --separate-stderr $tool </dev/null
		[[ "$stderr" == *"password authentication failed"* ]]
		[[ "$stderr$output" != *Wr0ngSecret77* ]]
	done
}

@test "postgres: a password given on the command line is not in the process title" {
	mkfifo feed
	pgs-write --store "$PG_URI?schema=t$BATS_TEST_NUMBER" --from 2023-10-01 --to 2023-10-02 feed >out 2>err &
	pid=$!
	exec 5>feed
	sleep 0.3
	tr '\0' ' ' </proc/$pid/cmdline >cmdline
	exec 5>&-
	wait $pid || true
	grep -q 'pgs-write --store postgres://pgs:\*\*\*@127.0.0.1' cmdline
	run ! grep -q "$PG_PASSWORD" cmdline
}

@test "postgres: libpq's environment and password file work; schema= names the schema" {
	plain="postgres://pgs@127.0.0.1:$PG_PORT/pgs?schema=envtest"
	summary='{"player_lookup":"a","player_full_name":"A","game_id":"20231001_BOS_NYK","game_date":"2023-10-01","season_year":2023,"game_type":"regular","team_abbr":"NYK","opponent_team_abbr":"BOS"}'
	echo "$summary" >one.nd
	PGPASSWORD=$PG_PASSWORD run --separate-stderr pgs-write --store "$plain" --from 2023-10-01 --to 2023-10-01 --no-end-marker one.nd
	assert_success
	assert_output --partial '"inserted":1'
	[ "$(pg_sql "SELECT count(*) FROM envtest.player_game_summary")" -eq 1 ]
	echo "127.0.0.1:$PG_PORT:pgs:pgs:$PG_PASSWORD" >pgpass
	chmod 600 pgpass
	PGPASSFILE=$PWD/pgpass run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$plain" player_game_summary player_lookup
	assert_success
	assert_output '["a"]'
	# without a password it is refused, saying so
	PGPASSFILE=/nonexistent run -3 --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$plain" player_game_summary
	[[ "$stderr" == *"cannot connect"* ]]
}

@test "postgres: reading needs no write rights; a reader cannot write" {
	sample
	pg_sql_as postgres pgs "CREATE ROLE reader LOGIN PASSWORD 'rpw'; GRANT USAGE ON SCHEMA t$BATS_TEST_NUMBER TO reader;
	    GRANT SELECT ON ALL TABLES IN SCHEMA t$BATS_TEST_NUMBER TO reader" >/dev/null
	ro="postgres://reader:rpw@127.0.0.1:$PG_PORT/pgs?schema=t$BATS_TEST_NUMBER"
	run --separate-stderr pgs-extract --source "$ro" --from 2023-10-24 --to 2023-10-26
	assert_success
	[ "$(grep -vc pgs_end <<<"$output")" -gt 100 ]
	run --separate-stderr pgs-checkpoint plan --job j --from 2023-10-24 --to 2023-10-30 --store "$ro"
	assert_success
	pgs-extract --source "$S" --from 2023-10-24 --to 2023-10-26 >raw.nd
	run -3 --separate-stderr pgs-write --store "$ro" --table raw_boxscores --from 2023-10-24 --to 2023-10-26 raw.nd
	[[ "$stderr" == *"permission denied"* ]]
	pg_sql_as postgres pgs "DROP OWNED BY reader; DROP ROLE reader" >/dev/null
}

@test "postgres: a window read streams: memory does not grow with the window" {
	skip_if_sanitized "memory (ASan holds freed memory in its quarantine)"
	pgs-sample --seed 4 --scale 3 --from 2021-10-19 --to 2022-06-16 -o big >/dev/null
	pgs-ingest --store "$S" big/* 2>/dev/null
	/usr/bin/time -f '%M' -o small.rss pgs-extract --source "$S" --from 2021-10-19 --to 2021-10-25 >small.nd
	/usr/bin/time -f '%M' -o big.rss pgs-extract --source "$S" --from 2021-10-19 --to 2022-06-16 >big.nd
	rows=$(grep -vc pgs_end big.nd)
	[ "$rows" -gt 30000 ]
	# the whole season costs no more than a week (a few MB of slack)
	[ "$(cat big.rss)" -lt $(($(cat small.rss) + 8000)) ]
}

@test "postgres: the three real seasons backfilled in 7-day batches give exactly the SQLite store's table" {
	# (under ASan the seasons go through SQLite in pipelines.bats, PostgreSQL's code through the other tests)
	skip_if_sanitized "three seasons twice over"
	require_data
	files=("$PGS_DATA"/bbref_parminpatel28/derived/bbref_player_box_20*.csv.gz)
	run --separate-stderr pgs-ingest --store "$S" "${files[@]}"
	assert_success
	run --separate-stderr pgs-backfill --store "$S" --from 2021-10-01 --to 2024-05-01 --batch-days 7 --jobs 2
	assert_success
	ref="sqlite:$BATS_TEST_TMPDIR/ref.db"
	export PGS_STATE_DIR="$BATS_TEST_TMPDIR/ref-state"
	pgs-ingest --store "$ref" "${files[@]}" 2>/dev/null
	pgs-backfill --store "$ref" --from 2021-10-01 --to 2024-05-01 --batch-days 7 2>/dev/null
	"$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary | jq -c 'del(.processed_at)' >got
	"$PGS_ROOT/bin-test/pgs-store-dump" "$ref" player_game_summary | jq -c 'del(.processed_at)' >want
	[ "$(grep -c . want)" -eq 93852 ]
	diff want got
}

# --- a network that goes silent (issue 25) --------------------------------------------

# A week of summary rows of the sample, in summary.nd.
summary_rows() {
	pgs-sample --seed 2 --scale 1 --from 2023-10-24 --to 2023-10-30 -o sample >/dev/null
	pgs-ingest -q --store "$S" sample/* >/dev/null
	pgs-extract --source "$S" --from 2023-10-24 --to 2023-10-30 | pgs-resolve --registry "$S" --register |
		pgs-transform >summary.nd
}

# paused_in_hook LOG: until LOG says a fault hook is sleeping (at most 10 s).
paused_in_hook() {
	for _ in $(seq 200); do
		! grep -q 'fault: sleeping' "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	fail "no fault hook announced in $1: $(cat "$1")"
}

# The server's sessions of this test's schema other than psql's: "STATE" lines.
sessions() {
	pg_sql "SELECT state FROM pg_stat_activity WHERE datname = 'pgs' AND usename = 'pgs'
		AND application_name = 'pgs' AND pid <> pg_backend_pid()"
}

@test "postgres: a window lock held by an abandoned session: -v names it, the wait gives up after PGS_BUSY_TIMEOUT_MS (3), and the server ends the session after PGS_PG_IDLE_TIMEOUT" {
	summary_rows
	# a writer frozen inside its commit, as a client whose network died: its session is idle in transaction
	PGS_PG_IDLE_TIMEOUT=4 PGS_FAULT_COMMIT_SLEEP_MS=60000 pgs-write --store "$S" --from 2023-10-24 --to 2023-10-30 summary.nd >out 2>err &
	bg=$!
	paused_in_hook err
	kill -STOP "$bg"
	PGS_BUSY_TIMEOUT_MS=1000 run -3 --separate-stderr pgs-write -v --store "$S" --from 2023-10-24 --to 2023-10-30 summary.nd
	[ -z "$output" ]
	[[ $stderr == *"waiting for the lock on player_game_summary 2023-10-24..2023-10-30, held by session "*" (idle in transaction for "*" s, pgs at 127.0.0.1); giving up after 1 s (PGS_BUSY_TIMEOUT_MS)"* ]]
	[[ $stderr == *"gave up after 1 s waiting for the lock on player_game_summary 2023-10-24..2023-10-30, held by session "*"; set PGS_BUSY_TIMEOUT_MS to wait longer"* ]]
	# the default wait outlasts the abandoned session: the server ends it and the lock is ours
	run -0 --separate-stderr pgs-write --store "$S" --from 2023-10-24 --to 2023-10-30 summary.nd
	[ "$(jq .inserted <<<"$output")" -eq "$(($(wc -l <summary.nd) - 1))" ]
	kill -9 "$bg"
	wait "$bg" || true
	[ "$(pg_sql "SELECT count(*) FROM t$BATS_TEST_NUMBER.pgs_windows WHERE tbl = 'player_game_summary'")" -eq 1 ]
}

@test "postgres: a proxy that stops forwarding: pgs-write fails (3) within PGS_PG_TIMEOUT and a probe, the server drops the session, and a write after the network returns does not wait for it" {
	summary_rows
	"$PGS_ROOT/tests/pg/stallproxy" port "$PG_PORT" &
	proxy=$!
	for _ in $(seq 100); do [ -s port ] && break; sleep 0.05; done
	via="postgres://pgs:$PG_PASSWORD@127.0.0.1:$(cat port)/pgs?schema=t$BATS_TEST_NUMBER&connect_timeout=2"
	PGS_PG_TIMEOUT=2 PGS_PG_IDLE_TIMEOUT=3 PGS_FAULT_COMMIT_SLEEP_MS=500 \
		timeout 60 pgs-write --store "$via" --from 2023-10-24 --to 2023-10-30 summary.nd >out 2>err &
	bg=$!
	paused_in_hook err
	kill -USR1 "$proxy"
	SECONDS=0
	st=0
	wait "$bg" || st=$?
	[ "$st" -eq 3 ]
	[ "$SECONDS" -le 10 ]
	[ ! -s out ]
	grep -q "the server stopped answering: no answer for [0-9]* s, and a new connection failed too (.*timeout expired); the connection is given up (PGS_PG_TIMEOUT=2)" err
	# nothing was committed, and the server ended the abandoned session (it was idle in its transaction)
	for _ in $(seq 100); do [ -z "$(sessions)" ] && break; sleep 0.1; done
	[ -z "$(sessions)" ]
	[ "$(pg_sql "SELECT count(*) FROM t$BATS_TEST_NUMBER.player_game_summary")" -eq 0 ]
	kill -USR2 "$proxy"
	SECONDS=0
	run -0 --separate-stderr pgs-write --store "$via" --from 2023-10-24 --to 2023-10-30 summary.nd
	[ "$SECONDS" -le 5 ]
}

# --- the first use of a fresh schema by writers at once ------------------------------

@test "postgres: a writer that found the schema missing and waited while another made it and began writing goes on without running the DDL (CI once saw the two deadlock)" {
	summary_rows
	# one window of summary.nd for each writer, each with its end marker
	for w in 24 28; do
		jq -c --arg d "2023-10-$w" 'select(.game_date == $d)' summary.nd >"w$w.nd"
		echo '{"pgs_end":{"tool":"t","rows":'"$(wc -l <"w$w.nd")"'}}' >>"w$w.nd"
	done
	F=$(pg_fresh "f$BATS_TEST_NUMBER")
	pg_sql "DROP SCHEMA f$BATS_TEST_NUMBER"
	# the first writer finds no tables, then pauses before taking the creator's lock
	PGS_FAULT_DDL_SLEEP_MS=3000 pgs-write --store "$F" --from 2023-10-24 --to 2023-10-24 w24.nd >out1 2>err1 &
	first=$!
	paused_in_hook err1
	# the second makes the schema and stays inside its commit, holding the tables it writes
	PGS_FAULT_COMMIT_SLEEP_MS=30000 pgs-write --store "$F" --from 2023-10-28 --to 2023-10-28 w28.nd >out2 2>err2 &
	bg=$!
	paused_in_hook err2
	# the first wakes, finds the tables made, and writes its own window while the second still holds its
	st=0
	timeout 20 tail --pid="$first" -f /dev/null || st=$?
	[ "$st" -eq 0 ]
	wait "$first"
	kill -0 "$bg"
	[ "$(jq .inserted out1)" -eq "$(($(wc -l <w24.nd) - 1))" ]
	kill "$bg"
	wait "$bg" || true
}
