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
