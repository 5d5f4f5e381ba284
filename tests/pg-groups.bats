#!/usr/bin/env bats
# Group commit on PostgreSQL: pgs-write --windows stages consecutive windows
# into one stage and writes them in one transaction (one set of round
# trips), each window still its own: its guards, its ledger row and digest,
# its statistics line.  PGS_GROUP_COMMIT=0 writes one transaction a window,
# as before.  What it buys is measured by tests/bench/pg-groups (MANUAL,
# PostgreSQL).  A real PostgreSQL 15 is started on loopback for this file.

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
	pgs-sample --seed 5 --scale 1 --from 2023-10-24 --to 2023-11-20 -o sample >/dev/null
	pgs-ingest -q --store "$S" sample/* >/dev/null
}

# The summary table without the run's times, and the ledger's windows with their rows and digests.
table_of() {
	"$PGS_ROOT/bin-test/pgs-store-dump" "$1" player_game_summary | jq -c 'del(.processed_at)'
}
windows_of() {
	"$PGS_ROOT/bin-test/pgs-store-dump" "$1" pgs_windows tbl from_date to_date rows digest |
		jq -c 'select(.[0] == "player_game_summary")' | sort
}

# The windows of the test and their input, resolved and transformed.
input_of() {
	printf '%s\n' "$@" | tr ' ' '\t' >windows
	pgs-extract --source "$S" --windows windows | pgs-resolve --registry "$S" --register | pgs-transform >input
}

@test "pg groups: 28 one-day batches in a few transactions; the table and the ledger's digests are SQLite's and one transaction a window's" {
	pgs-ingest -q --store sqlite:ref.db sample/*
	pgs-backfill -q --store sqlite:ref.db --from 2023-10-24 --to 2023-11-20 --batch-days 1
	run -0 --separate-stderr pgs-backfill -v --store "$S" --from 2023-10-24 --to 2023-11-20 --batch-days 1
	[[ $stderr == *"pgs-write: group of "*" windows 2023-10-24.."*": apply and commit"* ]]
	[[ $stderr != *"pgs-write: window 2023-10-24..2023-10-24: apply and commit"* ]]
	diff <(table_of sqlite:ref.db) <(table_of "$S")
	[ "$(windows_of "$S" | grep -c .)" -eq 28 ]
	diff <(windows_of sqlite:ref.db) <(windows_of "$S")
	# one transaction a window: the same table and ledger
	one=$(pg_fresh "one$BATS_TEST_NUMBER")
	pgs-ingest -q --store "$one" sample/* >/dev/null
	PGS_GROUP_COMMIT=0 run -0 --separate-stderr pgs-backfill -v --store "$one" --from 2023-10-24 --to 2023-11-20 --batch-days 1
	[[ $stderr == *"pgs-write: window 2023-10-24..2023-10-24: apply and commit"* ]]
	[[ $stderr != *"pgs-write: group of"* ]]
	diff <(table_of "$one") <(table_of "$S")
	diff <(windows_of "$one") <(windows_of "$S")
}

@test "pg groups: a window the shrink guard refuses is left out of its group and recorded refused; the others commit" {
	run -0 --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-20 --batch-days 1
	printf '2023-10-30\t2023-10-31\n2023-11-01\t2023-11-01\n2023-11-02\t2023-11-03\n' >windows
	# all but two rows of 2023-11-01 left out, the markers' counts made to match
	pgs-extract --source "$S" --windows windows | pgs-resolve --registry "$S" | pgs-transform |
		awk '/"pgs_window"/ { sub(/"rows":[0-9]+/, "\"rows\":" n); n = 0; print; next }
		    /"pgs_end"/ { sub(/"rows":[0-9]+/, "\"rows\":" t); print; next }
		    /"game_date":"2023-11-01"/ && ++d > 2 { next }
		    { n++; t++; print }' >input
	run -4 --separate-stderr pgs-write -v --store "$S" --windows windows input
	[ "$(jq -r '[.from, (.refused // "ok")] | join(" ")' <<<"$output")" = $'2023-10-30 ok\n2023-11-01 shrink\n2023-11-02 ok' ]
	[[ $stderr == *"shrink guard: the window 2023-11-01..2023-11-01"* ]]
	[ "$(grep -c 'group of 3 windows.*apply and commit' <<<"$stderr")" -eq 1 ]
	# the refused window: its one ledger row of the backfill, its rows untouched
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows from_date | grep -c '2023-11-01')" -eq 1 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_date | grep -c '2023-11-01')" -gt 2 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows from_date | grep -c '2023-11-02')" -eq 2 ]
}

@test "pg groups: a window that lost rows: they are deleted, its own counts in its line" {
	input_of '2023-10-24 2023-10-25' '2023-10-26 2023-10-27'
	run -0 --separate-stderr pgs-write --store "$S" --windows windows input
	# one row of the second window gone (within the shrink guard), one changed in the first
	awk '/"pgs_window"/ { sub(/"rows":[0-9]+/, "\"rows\":" n); n = 0; print; next }
	    /"pgs_end"/ { sub(/"rows":[0-9]+/, "\"rows\":" t); print; next }
	    /"game_date":"2023-10-26"/ && !gone++ { next }
	    /"game_date":"2023-10-24"/ && !changed++ { sub(/"plus_minus":-?[0-9]+/, "\"plus_minus\":77") }
	    { n++; t++; print }' input >input2
	[ "$(grep -c '"plus_minus":77' input2)" -eq 1 ]
	run -0 --separate-stderr pgs-write --store "$S" --windows windows --allow-shrink 5 input2
	[ "$(jq -c '[.from, .updated, .deleted]' <<<"$output")" = $'["2023-10-24",1,0]\n["2023-10-26",0,1]' ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq "$(grep -vc '"pgs_' input2)" ]
}

@test "pg groups: a dry run prints every window's statistics and commits nothing" {
	input_of '2023-10-24 2023-10-25' '2023-10-26 2023-10-28'
	run -0 --separate-stderr pgs-write --store "$S" --windows windows --dry-run input
	[ "$(jq -c '[.from, .dry_run, .inserted > 0]' <<<"$output")" = $'["2023-10-24",true,true]\n["2023-10-26",true,true]' ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq 0 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows tbl | grep -c player_game_summary)" -eq 0 ]
}

@test "pg groups: a stream cut after a window commits the windows whose markers came, nothing after; exit 3" {
	input_of '2023-10-24 2023-10-25' '2023-10-26 2023-10-27' '2023-10-28 2023-10-29'
	# everything up to the second window's marker and a few rows of the third, then the stream ends
	awk '{ print } /"pgs_window"/ && ++n == 2 { cut = 1 } cut && ++k == 4 { exit }' input >cut.nd
	run -3 --separate-stderr pgs-write --store "$S" --windows windows cut.nd
	[ "$(jq -r .from <<<"$output")" = $'2023-10-24\n2023-10-26' ]
	[[ $stderr == *"input has no end marker: the stage before failed or its output was cut short; the 2 windows whose markers came were committed, nothing after them"* ]]
	"$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows from_date | grep -q 2023-10-26
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows from_date | grep -c 2023-10-28)" -eq 0 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_date | grep -c 2023-10-28)" -eq 0 ]
	# and the handle's stage is gone with the stream: the next write starts a new one
	run -0 --separate-stderr pgs-write --store "$S" --windows windows input
	[ "$(jq -sc 'map([.from, .inserted == .rows_in])' <<<"$output")" = '[["2023-10-24",false],["2023-10-26",false],["2023-10-28",true]]' ]
}

@test "pg groups: PGS_GROUP_SECONDS=0 writes every window at its marker; by default one group" {
	input_of '2023-10-24 2023-10-25' '2023-10-26 2023-10-27' '2023-10-28 2023-10-29'
	PGS_GROUP_SECONDS=0 run -0 --separate-stderr pgs-write -v --store "$S" --windows windows input
	[ "$(grep -c 'group of 1 windows.*apply and commit' <<<"$stderr")" -eq 3 ]
	run -0 --separate-stderr pgs-write -v --store "$S" --windows windows input
	[ "$(grep -c 'group of 3 windows.*apply and commit' <<<"$stderr")" -eq 1 ]
	[ "$(jq -s 'map(.unchanged == .rows_in) | all' <<<"$output")" = true ]
}

@test "pg groups: a group killed inside its commit (locks held) leaves nothing of it; the next writer gets the locks" {
	input_of '2023-10-24 2023-10-25' '2023-10-26 2023-10-27'
	PGS_FAULT_COMMIT_SLEEP_MS=10000 pgs-write --store "$S" --windows windows input >out 2>err &
	bg=$!
	for _ in $(seq 200); do
		! grep -q 'fault: sleeping' err || break
		sleep 0.05
	done
	grep -q 'fault: sleeping' err
	kill -9 "$bg"
	wait "$bg" || true
	[ ! -s out ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq 0 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows tbl | grep -c player_game_summary)" -eq 0 ]
	run -0 --separate-stderr pgs-write --store "$S" --windows windows input
	[ "$(windows_of "$S" | grep -c .)" -eq 2 ]
}

@test "pg groups: two window streams racing on the same windows: one waits for the other's locks; each row once, every commit in the ledger" {
	input_of '2023-10-24 2023-10-25' '2023-10-26 2023-10-27' '2023-10-28 2023-10-29'
	# both hold their group's locks for a while: one waits for the other
	PGS_FAULT_COMMIT_SLEEP_MS=500 pgs-write -v --store "$S" --windows windows input >out1 2>err1 &
	p1=$!
	PGS_FAULT_COMMIT_SLEEP_MS=500 pgs-write -v --store "$S" --windows windows input >out2 2>err2 &
	p2=$!
	wait "$p1"
	wait "$p2"
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id player_lookup | sort | uniq -d | grep -c .)" -eq 0 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq "$(grep -vc '"pgs_' input)" ]
	[ "$(windows_of "$S" | grep -c .)" -eq 6 ]
	# the second to commit found the first's rows: unchanged
	[ "$(cat out1 out2 | jq -s 'map(select(.unchanged == .rows_in)) | length')" -eq 3 ]
}
