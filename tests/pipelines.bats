#!/usr/bin/env bats
# pipelines/pgs-ingest and pipelines/pgs-backfill, end to end over the real
# tools: a small pgs-sample league, crash-and-resume, failing batches, and
# the real basketball-reference data when it is present.

load test_helper

setup_file() {
	# One small league for the whole file; tests copy nothing, they only read it.
	export SAMPLE="$BATS_FILE_TMPDIR/sample"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH" pgs-sample --seed 7 --scale 0.1 --to 2021-12-31 -o "$SAMPLE" >/dev/null
}

setup() {
	common_setup
}

# Three weeks of the sample league: its games start on 2021-10-19 and, at
# --scale 0.1, stop on 2021-11-04.
FROM=2021-10-18
TO=2021-11-07

db_of() {
	echo "${1#sqlite:}"
}

# player_game_summary sorted by key, every column but processed_at and the
# columns named after the store.
dump_summary() {
	local db cols skip="'processed_at'" c
	db=$(db_of "$1")
	shift
	for c; do
		skip="$skip, '$c'"
	done
	cols=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM pragma_table_info('player_game_summary')
		WHERE name NOT IN ($skip)")
	sqlite3 "$db" "SELECT $cols FROM player_game_summary ORDER BY game_id, player_lookup"
}

count() {
	sqlite3 "$(db_of "$PGS_STORE")" "$1"
}

ingest_sample() {
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$SAMPLE"/*
	assert_success
}

# --- usage ------------------------------------------------------------------

@test "pgs-backfill --help prints the usage block and exits 0" {
	run --separate-stderr pgs-backfill --help
	assert_success
	assert_line --index 0 "Usage: pgs-backfill --from D --to D [OPTIONS]"
	assert_output --partial "--batch-days N"
	[ -z "$stderr" ]
}

@test "pgs-backfill rejects a bad flag, a missing range and a bad date with exit 2" {
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --bogus
	assert_output ""
	[[ $stderr == *"pgs-backfill: unknown option '--bogus'"* ]]

	run -2 --separate-stderr pgs-backfill --from "$FROM"
	[[ $stderr == *"--from and --to are required"* ]]

	run -2 --separate-stderr pgs-backfill --from 2021-13-01 --to "$TO"
	[[ $stderr == *"bad date '2021-13-01'"* ]]

	run -2 --separate-stderr pgs-backfill --from "$TO" --to "$FROM"
	[[ $stderr == *"is before --from"* ]]

	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --jobs 0
	[[ $stderr == *"bad --jobs '0'"* ]]
}

@test "pgs-ingest --help, a bad flag, no source" {
	run --separate-stderr pgs-ingest --help
	assert_success
	assert_line --index 0 "Usage: pgs-ingest [OPTIONS] SOURCE..."

	run -2 --separate-stderr pgs-ingest --bogus x.csv
	[[ $stderr == *"pgs-ingest: unknown option '--bogus'"* ]]

	run -2 --separate-stderr pgs-ingest
	[[ $stderr == *"no SOURCE given"* ]]
}

# --- ingest -------------------------------------------------------------------

@test "pgs-ingest lands the sample and prints pgs-write's statistics; again: unchanged" {
	run --separate-stderr pgs-ingest "$SAMPLE"/*
	assert_success
	rows=$(count "SELECT count(*) FROM raw_boxscores")
	[ "$rows" -gt 100 ]
	[ "$(jq -r .inserted <<<"$output")" -eq "$rows" ]

	run --separate-stderr pgs-ingest "$SAMPLE"/*
	assert_success
	[ "$(jq -r .unchanged <<<"$output")" -eq "$rows" ]
	[ "$(jq -r .inserted <<<"$output")" -eq 0 ]
}

@test "pgs-ingest: a missing file exits 3 and writes nothing" {
	run -3 --separate-stderr pgs-ingest "$BATS_TEST_TMPDIR/nope.csv"
	assert_output ""
	[[ $stderr == *"nope.csv"* ]]
}

# --- backfill -----------------------------------------------------------------

@test "pgs-backfill: one summary row per raw row; progress and summary on stderr only" {
	ingest_sample
	raw=$(count "SELECT count(*) FROM raw_boxscores")

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	assert_output ""
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$raw" ]
	[ "$(count "SELECT count(*) FROM (SELECT DISTINCT game_id, player_lookup FROM player_game_summary)")" -eq "$raw" ]
	# 21 days in 7-day batches: 3 batches, one progress line each, then the summary.
	[[ $stderr == *"pgs-backfill: 1/3 batches  7/21 days"* ]]
	[[ $stderr == *"pgs-backfill: 3/3 batches  21/21 days  $raw rows"* ]]
	[[ $stderr == *"summary of job backfill-$FROM-$TO"* ]]
	[[ $stderr == *"rows       $raw in: $raw inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"failed     none"* ]]
}

@test "pgs-backfill: re-running a finished job does nothing and changes nothing" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO"
	assert_success
	before=$(dump_summary "$PGS_STORE")

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO"
	assert_success
	assert_output ""
	[[ $stderr == *"nothing to do"* ]]
	[ "$(dump_summary "$PGS_STORE")" = "$before" ]

	# The ledger counts too: a lost state file or another batch size redoes nothing.
	rm -rf "$PGS_STATE_DIR"
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 3 --job other
	assert_success
	[[ $stderr == *"nothing to do"* ]]
}

@test "pgs-backfill --restart redoes every batch; the table stays the same" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_success
	rows=$(count "SELECT count(*) FROM player_game_summary")

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10 --restart
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
	[[ $stderr == *"$rows in: 0 inserted, "*", 0 deleted"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$rows" ]
}

@test "pgs-backfill --dry-run commits nothing and marks nothing done" {
	ingest_sample
	raw=$(count "SELECT count(*) FROM raw_boxscores")

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10 --dry-run
	assert_success
	[[ $stderr == *"dry run: nothing committed"* ]]
	[[ $stderr == *"$raw in: $raw inserted"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq 0 ]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$raw" ]
}

@test "pgs-backfill --jobs 2 builds the same table as a sequential run" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --jobs 2
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
	# players are registered in one pass in date order before the batches fan
	# out: ids, registry_status and the hashes over them agree with a sequential run
	parallel_dump=$(dump_summary "$PGS_STORE")

	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/seq.db" PGS_STATE_DIR="$BATS_TEST_TMPDIR/seq-state"
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	[ -n "$parallel_dump" ]
	[ "$(dump_summary "$PGS_STORE")" = "$parallel_dump" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/seq.db" "SELECT count(*) FROM player_game_summary WHERE registry_status = 'new'")" -gt 0 ]
}

# A pgs-write that fails for the batch starting on $FAIL_FROM, first on PATH.
make_failing_write() {
	mkdir -p "$BATS_TEST_TMPDIR/shim"
	cat >"$BATS_TEST_TMPDIR/shim/pgs-write" <<-EOF
	#!/bin/bash
	for a; do
		if [ "\${prev:-}" = --from ] && [ "\$a" = "\${FAIL_FROM:-}" ]; then
			cat >/dev/null
			echo "pgs-write: store: disk I/O error (simulated)" >&2
			exit 3
		fi
		prev=\$a
	done
	exec "$PGS_ROOT/bin/pgs-write" "\$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/shim/pgs-write"
	PATH="$BATS_TEST_TMPDIR/shim:$PATH"
}

@test "pgs-backfill: a failed batch is recorded, the others go on, exit 3; resume re-runs it" {
	ingest_sample
	raw=$(count "SELECT count(*) FROM raw_boxscores")
	make_failing_write

	FAIL_FROM=2021-10-28 run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_output ""
	[[ $stderr == *"pgs-write: store: disk I/O error (simulated)"* ]]
	[[ $stderr == *"3/3 batches  21/21 days"*"1 failed"* ]]
	[[ $stderr == *"failed     2021-10-28..2021-11-06  pgs-write exited 3: store: disk I/O error (simulated)"* ]]
	[[ $stderr == *"pgs-backfill: failed batches: 2021-10-28..2021-11-06 (re-run to retry them)"* ]]
	run pgs-checkpoint status --job "backfill-$FROM-$TO"
	assert_output --partial "failed:  2021-10-28..2021-11-06"

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_success
	[[ $stderr == *"1/1 batches"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$raw" ]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	[[ $stderr == *"nothing to do"* ]]
}

@test "pgs-backfill --halt-on-error stops at the first failed batch" {
	ingest_sample
	make_failing_write
	FAIL_FROM=2021-10-18 run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10 \
		--halt-on-error
	[[ $stderr == *"1/3 batches"* ]]
	[[ $stderr != *"2/3 batches"* ]]
	[[ $stderr == *"failed batches: 2021-10-18..2021-10-27"* ]]
}

@test "pgs-backfill: the shrink guard refuses a batch that lost its raw rows (exit 4 recorded)" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_success
	rows=$(count "SELECT count(*) FROM player_game_summary")
	count "DELETE FROM raw_boxscores WHERE game_date BETWEEN '2021-10-28' AND '2021-10-30'"

	run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10 --restart
	[[ $stderr == *"pgs-write exited 4"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$rows" ]
}

# Put a logging TOOL first on PATH: it appends its arguments to args.log
# (one line per call), then runs the real one.
log_args_of() {
	local tool
	mkdir -p "$BATS_TEST_TMPDIR/shim"
	for tool; do
		cat >"$BATS_TEST_TMPDIR/shim/$tool" <<-EOF
		#!/bin/bash
		echo "$tool \$*" >>"$BATS_TEST_TMPDIR/args.log"
		exec "$PGS_ROOT/bin/$tool" "\$@"
		EOF
		chmod +x "$BATS_TEST_TMPDIR/shim/$tool"
	done
	PATH="$BATS_TEST_TMPDIR/shim:$PATH"
}

@test "pgs-backfill passes pipelines/aliases.csv to pgs-resolve; --aliases, --prefer, --lines reach their stage" {
	ingest_sample
	log_args_of pgs-resolve pgs-transform
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	# one registration pass over the whole range, then one call per batch
	run grep -c "^pgs-resolve .*--register --aliases $PGS_ROOT/pipelines/aliases.csv\$" args.log
	assert_output 4
	run grep -c '^pgs-transform $' args.log
	assert_output 3

	# given ones win, in sequential and in parallel runs alike
	: >args.log
	: >lines.ndjson
	printf 'alias,target\nNate Williams,Jeenathan Williams\n' >"my aliases.csv"
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --restart --jobs 2 \
		--aliases "my aliases.csv" --prefer bbref,nbacom --lines lines.ndjson
	assert_success
	run grep -c '^pgs-resolve .*--aliases my aliases.csv$' args.log
	assert_output 4
	run grep -c '^pgs-transform --prefer bbref,nbacom --lines lines.ndjson$' args.log
	assert_output 3

	# --aliases "" uses none; a file that is not there fails before any batch
	: >args.log
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --restart --aliases ""
	assert_success
	run grep -c -- '--aliases' args.log
	assert_output 0
	run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --restart --aliases nope.csv
	[[ $stderr == *"pgs-backfill: cannot read 'nope.csv'"* ]]
	[[ $stderr != *"batches"* ]]
}

# Start a daily-batch backfill in its own process group, kill -9 the whole
# group after 0.3..1.5 s, and wait for it.
run_and_kill() {
	local pid ms
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 >/dev/null 2>>"$BATS_TEST_TMPDIR/killed.log" &
	pid=$!
	ms=$((300 + RANDOM % 1200))
	sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
	kill -9 -- "-$pid" 2>/dev/null || true
	wait "$pid" || true
}

@test "pgs-backfill: kill -9 several times, resume: same table as an uninterrupted run" {
	ingest_sample
	for _ in 1 2 3 4 5; do
		run_and_kill
	done
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	assert_success
	killed=$(dump_summary "$PGS_STORE")
	[ -n "$killed" ]

	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/clean.db" PGS_STATE_DIR="$BATS_TEST_TMPDIR/clean-state"
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	assert_success
	[ "$(dump_summary "$PGS_STORE")" = "$killed" ]
}

# --- real data ------------------------------------------------------------------

@test "real data: ingest the bbref CSVs, backfill in 7-day batches: 93,852 rows, all verified" {
	require_data
	export FROM=2021-10-01 TO=2024-05-01
	run --separate-stderr pgs-ingest "$PGS_DATA"/bbref_parminpatel28/derived/bbref_player_box_20*.csv.gz
	assert_success
	[ "$(count "SELECT count(*) FROM raw_boxscores")" -eq 93852 ]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq 93852 ]
	[ "$(count "SELECT count(*) FROM (SELECT DISTINCT game_id, player_lookup FROM player_game_summary)")" -eq 93852 ]
	run --separate-stderr python3 "$PGS_ROOT/tests/realdata/verify.py" --db "$(db_of "$PGS_STORE")" --data "$PGS_DATA"
	assert_success
}
