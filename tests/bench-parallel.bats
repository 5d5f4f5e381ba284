#!/usr/bin/env bats
# A short tests/bench/parallel (make bench-parallel runs the whole one): four
# weeks of the real data into the BigQuery emulator with 300 ms a job, one-
# and seven-day batches, --jobs 1 against --jobs 4.  It checks what the
# benchmark reports and that every table and ledger is SQLite's, not how fast
# any run was.

load test_helper
# shellcheck source=tests/bqemu/server.bash
. "$PGS_ROOT/tests/bqemu/server.bash"

setup() {
	require_data
	why=$(bq_skip_reason)
	[ -z "$why" ] || skip "$why"
	common_setup
}

@test "bench-parallel: one- and seven-day batches, --jobs 1 and 4, against a slow store: wall and CPU times, the jobs by kind; every table and ledger SQLite's" {
	skip_if_sanitized "a benchmark's timings"
	run -0 --separate-stderr "$PGS_ROOT/tests/bench/parallel" --latency-ms 300 --jobs 4 \
		--from 2021-10-18 --to 2021-11-14
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^parallel: 2021-10-18\.\.2021-11-14, [1-9][0-9]* rows, 300 ms a job \(the BigQuery emulator\)$'
	assert_line --index 1 --regexp '^run +wall s +pgs cpu +emu cpu +jobs +loads +queries +scripts +other +inserts$'
	num='[0-9]+\.[0-9]'
	jobs=' +[1-9][0-9]* +[0-9]+ +[0-9]+ +[0-9]+ +[0-9]+ +0$'
	assert_line --index 2 --regexp "^ingest +$num +$num +$num$jobs"
	assert_line --index 3 --regexp "^1-day --jobs 1 +$num +$num +$num$jobs"
	assert_line --index 4 --regexp "^1-day --jobs 4 +$num +$num +$num$jobs"
	assert_line --index 5 --regexp "^7-day --jobs 1 +$num +$num +$num$jobs"
	assert_line --index 6 --regexp "^7-day --jobs 4 +$num +$num +$num$jobs"
	assert_line --index 7 --regexp "^1-day --jobs 1, 0 ms +$num +$num +$num$jobs"
	assert_line --index 8 --regexp "^parallel: targets: one-day backfill <= 30 s: $num s \((met|missed)\); <= 30 jobs: [0-9]+ \((met|missed)\); ingest <= 10 jobs: [0-9]+ \((met|missed)\)$"
	assert_line --index 9 "parallel: every table is SQLite's (every column but processed_at), every ledger window its rows and digest"
	[ "${#lines[@]}" -eq 10 ]
	# a run's jobs are the sum of their kinds
	for i in 2 3 4 5 6 7; do
		[ "$(awk '{ print $(NF-5) == $(NF-4) + $(NF-3) + $(NF-2) + $(NF-1) }' <<<"${lines[i]}")" = 1 ]
	done
}

@test "bench-parallel: a bad option is 2, with the usage hint" {
	run -2 --separate-stderr "$PGS_ROOT/tests/bench/parallel" --jobs 0
	assert_output ""
	assert_equal "$stderr" "parallel: --jobs needs a positive number
Try 'parallel --help'."
	run -2 --separate-stderr "$PGS_ROOT/tests/bench/parallel" --latency-ms
	assert_equal "$stderr" "parallel: option '--latency-ms' needs a value
Try 'parallel --help'."
	run -2 --separate-stderr "$PGS_ROOT/tests/bench/parallel" --batch-days 1,x
	assert_equal "$stderr" "parallel: --batch-days needs day counts, comma-separated
Try 'parallel --help'."
}
