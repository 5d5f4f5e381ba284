#!/usr/bin/env bats
# Crash safety: a backfill killed with SIGKILL anywhere and resumed ends with
# a clean run's table, ledger coverage, job state and registry.  First the
# crash points one at a time (pgs-checkpoint killed around the rename of its
# state, a batch whose write committed but whose done was killed), then a
# short crash campaign on each store: tests/crash/campaign on a pgs-sample
# league, 3 kills a store.  The long campaign (50 kills on the real seasons)
# is `make crashtest`.

# Each @test runs in a subshell of its own, pg/server.bash sets PG_*, and
# shim bodies are single-quoted on purpose:
# shellcheck disable=SC2030,SC2031,SC2154,SC2016

load test_helper
load pipeline_helper

setup() {
	common_setup
	STATE=$PGS_STATE_DIR/j.json
}

teardown() {
	if [ -n "${bg:-}" ]; then
		kill -9 "$bg" 2>/dev/null || true
	fi
	if [ -n "${PG_DIR:-}" ]; then
		pg_stop
	fi
}

stats() { # ROWS: a statistics line as pgs-write prints it, without the window
	echo "{\"rows_in\":$1,\"inserted\":$1,\"updated\":0,\"unchanged\":0,\"deleted\":0,\"ms\":1}"
}

# running SID: a process of session SID runs (zombies, which init may never
# reap here, are dead).
running() {
	local st
	while read -r st; do
		[[ $st == Z* ]] || return 0
	done < <(ps -s "$1" -o stat=)
	return 1
}

# paused_in_hook LOG: until LOG says a fault hook is sleeping (at most 10 s).
paused_in_hook() {
	for _ in $(seq 200); do
		! grep -q 'fault: sleeping' "$1" 2>/dev/null || return 0
		sleep 0.05
	done
	fail "no fault hook announced in $1: $(cat "$1")"
}

# --- pgs-checkpoint's own crash points ------------------------------------------------

@test "crash: pgs-checkpoint killed before its rename: the old state stays; the next update removes its temporary file" {
	pgs-checkpoint plan --job j --from 2023-10-01 --to 2023-10-07 --batch-days 1 >/dev/null
	cp "$STATE" before.json
	stats 10 | PGS_FAULT_STATE_RENAME_MS=10000 pgs-checkpoint "done" --job j --from 2023-10-01 --to 2023-10-01 2>err &
	bg=$!
	paused_in_hook err
	run cat err
	assert_output --regexp "^pgs-checkpoint: fault: sleeping 10000 ms before renaming '$PGS_STATE_DIR/j\.json\.tmp\.[A-Za-z0-9]{6}' \(PGS_FAULT_STATE_RENAME_MS\)$"
	[ -n "$(find "$PGS_STATE_DIR" -name 'j.json.tmp.*')" ]
	kill -9 "$bg"
	wait "$bg" || true
	bg=""
	cmp before.json "$STATE"
	run --separate-stderr pgs-checkpoint status --job j --json
	assert_success
	[ "$(jq -c '[.days_done, .rows_in]' <<<"$output")" = "[0,0]" ]
	# the next update (under the job's lock: no other writer) removes the orphan
	stats 20 | pgs-checkpoint "done" --job j --from 2023-10-02 --to 2023-10-02 -v 2>err
	[[ $(cat err) == "pgs-checkpoint: removed '$PGS_STATE_DIR/j.json.tmp."*"', left by an interrupted update" ]]
	[ -z "$(find "$PGS_STATE_DIR" -name 'j.json.tmp.*')" ]
	run pgs-checkpoint status --job j --json
	[ "$(jq -c '[.days_done, .rows_in]' <<<"$output")" = "[1,20]" ]
}

@test "crash: pgs-checkpoint killed right after its rename: the new state is whole and in place" {
	pgs-checkpoint plan --job j --from 2023-10-01 --to 2023-10-07 --batch-days 1 >/dev/null
	stats 10 | PGS_FAULT_STATE_RENAMED_MS=10000 pgs-checkpoint "done" --job j --from 2023-10-01 --to 2023-10-01 2>err &
	bg=$!
	paused_in_hook err
	grep -q "after renaming .*(PGS_FAULT_STATE_RENAMED_MS)" err
	kill -9 "$bg"
	wait "$bg" || true
	bg=""
	[ -z "$(find "$PGS_STATE_DIR" -name 'j.json.tmp.*')" ]
	run pgs-checkpoint status --job j --json
	[ "$(jq -c '[.days_done, .rows_in]' <<<"$output")" = "[1,10]" ]
}

@test "crash: a batch written but never marked done: plan --ledger takes its days, and its rows into the totals" {
	pgs-sample --seed 7 --scale 0.1 --to 2021-10-24 -o sample >/dev/null
	pgs-ingest -q --from 2021-10-18 --to 2021-10-24 sample/* >/dev/null
	pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-24 --batch-days 7 --ledger >/dev/null
	# the write commits, then the process that would mark it done is killed
	pgs-extract --source "$PGS_STORE" --from 2021-10-18 --to 2021-10-24 | pgs-resolve --register |
		pgs-transform | pgs-write --from 2021-10-18 --to 2021-10-24 >stats.json
	rows=$(jq .rows_in stats.json)
	[ "$rows" -gt 100 ]
	run --separate-stderr pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-24 --batch-days 7 --ledger
	assert_success
	assert_output ""
	run pgs-checkpoint status --job j --json
	[ "$(jq -c '[.batches_done, .days_done, .rows_in, .rows_ledger]' <<<"$output")" = "[1,7,$rows,$rows]" ]
	run pgs-checkpoint status --job j
	assert_line --index 3 "rows:    $rows written (0 inserted, 0 updated, 0 deleted; $rows found in the ledger)"
	# taken once: planning again adds nothing
	pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-24 --batch-days 7 --ledger >/dev/null
	run pgs-checkpoint status --job j --json
	[ "$(jq .rows_in <<<"$output")" -eq "$rows" ]
}

@test "crash: a batch done twice (an orphan of a killed run and the resume's redo of it) is counted once" {
	pgs-checkpoint plan --job j --from 2023-10-01 --to 2023-10-14 >/dev/null
	stats 10 | pgs-checkpoint "done" --job j --from 2023-10-01 --to 2023-10-07
	echo '{"rows_in":10,"inserted":0,"updated":0,"unchanged":10,"deleted":0}' |
		pgs-checkpoint "done" --job j --from 2023-10-01 --to 2023-10-07 -v 2>err
	assert_equal "$(cat err)" "pgs-checkpoint: 2023-10-01..2023-10-07 was done already: its counts are not added again"
	run pgs-checkpoint status --job j --json
	[ "$(jq -c '[.batches_done, .days_done, .rows_in, .inserted]' <<<"$output")" = "[1,7,10,10]" ]
}

@test "crash: kill -9 of pgs-backfill's process group leaves its batch running; with the resume, every batch counts once" {
	pgs-sample --seed 7 --scale 0.1 --to 2021-11-07 -o sample >/dev/null
	pgs-ingest -q --from 2021-10-18 --to 2021-11-07 sample/* >/dev/null
	shim pgs-write 'sleep 1; exec "$real" "$@"'
	# from the sample file: one batch at a time, each in a process group of its own
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-backfill --from 2021-10-18 --to 2021-11-07 --source sample/sample_2021-22.csv \
		>/dev/null 2>bf.log &
	bg=$!
	for _ in $(seq 200); do
		! pgrep -s "$bg" -f 'pgs-write --from 2021-10-18' >/dev/null || break
		sleep 0.05
	done
	# the coordinator's group only: each batch runs in a process group of its own
	kill -9 -- "-$bg"
	wait "$bg" || true
	pgrep -s "$bg" -f 'pgs-write --from 2021-10-18' >/dev/null
	run --separate-stderr pgs-backfill --from 2021-10-18 --to 2021-11-07 --source sample/sample_2021-22.csv
	assert_success
	# (the orphan ends with its batch)
	for _ in $(seq 200); do
		running "$bg" || break
		sleep 0.05
	done
	no_process_left "$bg"
	bg=""
	rows=$(count 'SELECT count(*) FROM player_game_summary')
	[ "$(count "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary' AND from_date = '2021-10-18'")" -eq 2 ]
	run pgs-checkpoint status --job backfill-2021-10-18-2021-11-07 --json
	# (the orphan's write is in the ledger, not in the state: the coordinator
	# that would have recorded it is gone; the resume's write of the same
	# batch is the one counted, its rows perhaps unchanged by then)
	[ "$(jq -c '[.batches_done, .days_done, .rows_in]' <<<"$output")" = "[3,21,$rows]" ]
	[ "$(jq '.inserted + .updated' <<<"$output")" -le "$rows" ]
}

@test "crash: kill -9 of pgs-backfill's process group: its window stream stops by itself at its next window; with the resume, every batch counts once" {
	pgs-sample --seed 7 --scale 0.1 --to 2021-11-07 -o sample >/dev/null
	pgs-ingest -q --from 2021-10-18 --to 2021-11-07 sample/* >/dev/null
	slow_shim pgs-write 1
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-backfill --from 2021-10-18 --to 2021-11-07 --batch-days 1 >/dev/null 2>bf.log &
	bg=$!
	# (the stream starts after the plan and the registration pass: seconds under ASan and load)
	# ((^|/): the stream's pgs-write, not the coordinator, whose arguments name it)
	for _ in $(seq 1200); do
		! pgrep -s "$bg" -f '(^|/)pgs-write --windows' >/dev/null || break
		sleep 0.05
	done
	stream=$(pgrep -s "$bg" -f '(^|/)pgs-write --windows') || fail "no window stream after 60 s: $(cat bf.log)"
	# the coordinator's group only: the stream runs in a process group of its own (after
	# the kill it may be gone already: with its reader dead, it stops at once or at its
	# next window, as fast as it notices)
	for p in $stream; do
		pgid=$(ps -o pgid= -p "$p" | tr -d ' ')
		[ "$pgid" != "$bg" ] || fail "the stream's pgs-write $p is in the coordinator's process group"
	done
	kill -9 -- "-$bg"
	wait "$bg" || true
	# with nobody reading its results, the orphan stream writes at most the
	# window in flight and stops (no 21 windows written for nobody)
	for _ in $(seq 200); do
		running "$bg" || break
		sleep 0.05
	done
	no_process_left "$bg"
	bg=""
	[ "$(count "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary'")" -le 1 ]
	rm -r "$BATS_TEST_TMPDIR/shim"
	run --separate-stderr pgs-backfill --from 2021-10-18 --to 2021-11-07 --batch-days 1
	assert_success
	rows=$(count 'SELECT count(*) FROM player_game_summary')
	[ "$(count "SELECT count(DISTINCT from_date) FROM pgs_windows WHERE tbl = 'player_game_summary'")" -eq 21 ]
	run pgs-checkpoint status --job backfill-2021-10-18-2021-11-07 --json
	[ "$(jq -c '[.batches_done, .days_done, .rows_in]' <<<"$output")" = "[21,21,$rows]" ]
}

@test "crash: pgs-write killed inside its commit (lock held): nothing of the window, and the next writer gets the lock" {
	pgs-sample --seed 7 --scale 0.1 --to 2021-10-24 -o sample >/dev/null
	pgs-ingest -q --from 2021-10-18 --to 2021-10-24 sample/* >/dev/null
	pgs-extract --source "$PGS_STORE" --from 2021-10-18 --to 2021-10-24 | pgs-resolve --register |
		pgs-transform >rows.ndjson
	PGS_FAULT_COMMIT_SLEEP_MS=10000 pgs-write --from 2021-10-18 --to 2021-10-24 rows.ndjson >out 2>err &
	bg=$!
	paused_in_hook err
	kill -9 "$bg"
	wait "$bg" || true
	bg=""
	[ ! -s out ]
	[ "$(count 'SELECT count(*) FROM player_game_summary')" -eq 0 ]
	[ "$(count "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary'")" -eq 0 ]
	run sqlite3 "$(db_of "$PGS_STORE")" 'PRAGMA integrity_check'
	assert_output ok
	PGS_BUSY_TIMEOUT_MS=2000 run --separate-stderr pgs-write --from 2021-10-18 --to 2021-10-24 rows.ndjson
	assert_success
	[ "$(count 'SELECT count(*) FROM player_game_summary')" -eq "$(jq .rows_in <<<"$output")" ]
}

# --- the campaign, short ------------------------------------------------------------------

@test "crash campaign (sqlite): 3 SIGKILLs at random moments and resumes end as a clean run" {
	run --separate-stderr timeout 600 "$PGS_ROOT/tests/crash/campaign" --store sqlite --data sample --kills 3 --seed 7 \
		--dir "$BATS_TEST_TMPDIR/c"
	[ "$status" -eq 0 ] || fail "exit $status: $output $stderr"
	assert_line --regexp '^kill 1/3: [0-9]+ ms: '
	assert_line --regexp '^same table: [0-9]+ lines$'
	assert_line 'same ledger-coverage: 1 lines'
	assert_line --regexp '^same job state: \{"batches_total":75,"batches_done":75,'
	assert_line --regexp '^campaign: [1-3] kills, [0-9]+ runs \([0-9]+ resumes\), seed 7: PASS$'
	[ ! -e "$BATS_TEST_TMPDIR/c" ]
}

@test "crash campaign (postgres): 3 SIGKILLs at random moments and resumes end as a clean run" {
	load pg/server
	reason=$(pg_skip_reason)
	[ -z "$reason" ] || skip "$reason"
	run --separate-stderr timeout 600 "$PGS_ROOT/tests/crash/campaign" --store postgres --data sample --kills 3 --seed 11 \
		--dir "$BATS_TEST_TMPDIR/c"
	[ "$status" -eq 0 ] || fail "exit $status: $output $stderr"
	assert_line --regexp '^kill 1/3: [0-9]+ ms: '
	assert_line --regexp '^campaign: [1-3] kills, [0-9]+ runs \([0-9]+ resumes\), seed 11: PASS$'
}

@test "crash campaign (bigquery): 3 SIGKILLs at random moments and resumes end as a clean run" {
	# (its time is the emulator's; pgs's BigQuery code runs under ASan in store-bigquery.bats)
	skip_if_sanitized "the BigQuery campaign's cost"
	# shellcheck source=tests/bqemu/server.bash
	. "$PGS_ROOT/tests/bqemu/server.bash"
	reason=$(bq_skip_reason)
	[ -z "$reason" ] || skip "$reason"
	run --separate-stderr timeout 600 "$PGS_ROOT/tests/crash/campaign" --store bigquery --data sample --kills 3 --seed 13 \
		--latency-ms 100 --group-mb 0.3 --dir "$BATS_TEST_TMPDIR/c"
	[ "$status" -eq 0 ] || fail "exit $status: $output $stderr"
	assert_line --regexp '^campaign: store bigquery \(100 ms a job\), data sample '
	assert_line --regexp '^kill 1/3: [0-9]+ ms: '
	assert_line --regexp '^same table: [0-9]+ lines$'
	assert_line 'same ledger-coverage: 1 lines'
	assert_line --regexp '^same job state: \{"batches_total":75,"batches_done":75,'
	assert_line --regexp '^campaign: 3 kills, [0-9]+ runs \([0-9]+ resumes\), seed 13: PASS$'
}

@test "crash campaign: its comparison fails when the crashed store lost a row (--tamper)" {
	skip_if_sanitized "a test of the campaign's own comparison"
	run --separate-stderr timeout 600 "$PGS_ROOT/tests/crash/campaign" --store sqlite --data sample --kills 1 --seed 3 \
		--dir "$BATS_TEST_TMPDIR/c" --tamper
	[ "$status" -eq 1 ] || fail "exit $status: $output $stderr"
	assert_line 'DIFFERENT table:'
	assert_line --regexp '^campaign: 1 kills, [0-9]+ runs \([0-9]+ resumes\), seed 3: FAIL \(1 differences\)$'
	# kept, to look at
	[ -d "$BATS_TEST_TMPDIR/c" ]
	run -2 --separate-stderr "$PGS_ROOT/tests/crash/campaign" --store nope
	assert_equal "$stderr" "campaign: bad --store 'nope': want sqlite, postgres or bigquery"
}
