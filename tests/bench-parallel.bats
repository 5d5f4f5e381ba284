#!/usr/bin/env bats
# A short tests/bench/parallel (make bench-parallel runs the whole one): four
# weeks of the real data into the BigQuery emulator with 300 ms a statement,
# --jobs 1 against --jobs 4.  It checks what the benchmark reports and that
# both tables are the same, not how fast either was.

load test_helper
# shellcheck source=tests/bqemu/server.bash
. "$PGS_ROOT/tests/bqemu/server.bash"

setup() {
	require_data
	why=$(bq_skip_reason)
	[ -z "$why" ] || skip "$why"
	common_setup
}

@test "bench-parallel: --jobs 1 and --jobs 4 against a slow store give the same table; both wall times and the ratio" {
	run -0 --separate-stderr "$PGS_ROOT/tests/bench/parallel" --latency-ms 300 --jobs 4 \
		--from 2021-10-18 --to 2021-11-14
	assert_equal "$stderr" ""
	assert_line --index 0 --regexp '^parallel: 2021-10-18\.\.2021-11-14, 4 batches of 7 days, [1-9][0-9]* rows, 300 ms latency per statement$'
	assert_line --index 1 --regexp '^jobs +wall s +speedup$'
	assert_line --index 2 --regexp '^1 +[0-9]+\.[0-9] +1\.0$'
	assert_line --index 3 --regexp '^4 +[0-9]+\.[0-9] +[0-9]+\.[0-9]$'
	assert_line --index 4 'parallel: the two tables are identical (every column but processed_at)'
	[ "${#lines[@]}" -eq 5 ]
}

@test "bench-parallel: a bad option is 2, with the usage hint" {
	run -2 --separate-stderr "$PGS_ROOT/tests/bench/parallel" --jobs 0
	assert_output ""
	assert_equal "$stderr" "parallel: --jobs needs a positive number
Try 'parallel --help'."
	run -2 --separate-stderr "$PGS_ROOT/tests/bench/parallel" --latency-ms
	assert_equal "$stderr" "parallel: option '--latency-ms' needs a value
Try 'parallel --help'."
}
