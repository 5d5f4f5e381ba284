#!/usr/bin/env bats
# What the pipelines share (pipelines/pipeline.bash): the common options, the
# calendar in bash, the installed layout; and the real basketball-reference
# data end to end when it is present.  Each pipeline has its own suite too:
# pgs-ingest.bats, pgs-backfill.bats.

# Each @test runs in a subshell of its own, bats's run sets $stderr, and the
# bash -c scripts are single-quoted on purpose:
# shellcheck disable=SC2030,SC2031,SC2154,SC2016

load test_helper
load pipeline_helper

setup() {
	common_setup
}

@test "every pipeline: --help prints its Usage header, -V the version, -q and -v are options" {
	version=$(pgs-checkpoint --version | cut -d' ' -f2)
	for p in pgs-ingest pgs-backfill; do
		run --separate-stderr "$p" --help
		assert_success
		assert_line --index 0 --regexp "^Usage: $p "
		assert_output --partial "-q, --quiet"
		assert_output --partial "-v, --verbose"
		assert_output --partial "-V, --version"
		assert_equal "$stderr" ""
		run --separate-stderr "$p" -V
		assert_output "$p $version"
		# -q and -v are taken, not unknown options (the usage error is about something else)
		run -2 --separate-stderr "$p" -q -v
		[[ $stderr != *"unknown option"* ]]
	done
}

@test "make install: the pipelines find pipeline.bash, aliases.csv and the tools where they were installed" {
	prefix=$BATS_TEST_TMPDIR/usr
	# (-o all: install what is built; never rebuild bin/ under a running suite)
	run make_as_built -s -o all install PREFIX="$prefix"
	assert_success
	[ -x "$prefix/bin/pgs-backfill" ]
	[ -x "$prefix/bin/pgs-checkpoint" ]
	[ -f "$prefix/share/pgs/pipeline.bash" ]
	[ -f "$prefix/share/pgs/aliases.csv" ]
	[ ! -e "$prefix/bin/pipeline.bash" ]
	cmp "$PGS_ROOT/pipelines/aliases.csv" "$prefix/share/pgs/aliases.csv"

	# a PATH without the build tree: the installed pipeline, the installed tools
	mkdir -p shim
	printf '#!/bin/bash\necho "pgs-resolve $*" >>%q\nexec %q "$@"\n' "$BATS_TEST_TMPDIR/args.log" \
		"$prefix/bin/pgs-resolve" >shim/pgs-resolve
	chmod +x shim/pgs-resolve
	pgs-sample --seed 3 --scale 0.02 --to 2021-10-25 -o sample >/dev/null
	export PATH="$BATS_TEST_TMPDIR/shim:/usr/bin:/bin"
	run --separate-stderr "$prefix/bin/pgs-ingest" sample/*
	assert_success
	run --separate-stderr "$prefix/bin/pgs-backfill" --from 2021-10-19 --to 2021-10-25
	assert_success
	[[ $stderr == *"1/1 batches  7/7 days"* ]]
	run grep -c -- "--aliases $prefix/share/pgs/aliases.csv" args.log
	assert_output 2
	run --separate-stderr "$prefix/bin/pgs-backfill" -V
	assert_output --regexp '^pgs-backfill [0-9.]+$'

	# a missing aliases.csv is an error, not a silent run without it
	rm "$prefix/share/pgs/aliases.csv"
	run -3 --separate-stderr "$prefix/bin/pgs-backfill" --from 2021-10-19 --to 2021-10-25 --restart
	assert_equal "$stderr" "pgs-backfill: cannot read '$prefix/share/pgs/aliases.csv'"
}

# --- real data ------------------------------------------------------------------

@test "real data: ingest the bbref CSVs, backfill in 7-day batches: 93,852 rows, all verified" {
	require_data
	run --separate-stderr pgs-ingest "$PGS_DATA"/bbref_parminpatel28/derived/bbref_player_box_20*.csv.gz
	assert_success
	[ "$(count "SELECT count(*) FROM raw_boxscores")" -eq 93852 ]

	run --separate-stderr pgs-backfill --from 2021-10-01 --to 2024-05-01 --batch-days 7
	assert_success
	[[ $stderr == *"batches    135 of 135 run, 0 failed, 0 refused"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq 93852 ]
	[ "$(count "SELECT count(*) FROM (SELECT DISTINCT game_id, player_lookup FROM player_game_summary)")" -eq 93852 ]
	run --separate-stderr python3 "$PGS_ROOT/tests/realdata/verify.py" --db "$(db_of "$PGS_STORE")" --data "$PGS_DATA"
	assert_success
}

@test "real data: --jobs 4 gives the table of --jobs 1 in every column but processed_at, and the same registry (but created_at)" {
	skip_if_sanitized "three seasons twice over (parallel identity, not memory)"
	require_data
	local one="$BATS_TEST_TMPDIR/one.db" four="$BATS_TEST_TMPDIR/four.db" reg
	PGS_STORE=sqlite:$one run --separate-stderr pgs-ingest "$PGS_DATA"/bbref_parminpatel28/derived/bbref_player_box_20*.csv.gz
	assert_success
	# the same raw rows in both stores
	sqlite3 "$one" 'PRAGMA wal_checkpoint(TRUNCATE)' >/dev/null
	cp "$one" "$four"
	PGS_STORE=sqlite:$one PGS_STATE_DIR=$BATS_TEST_TMPDIR/state1 run --separate-stderr \
		pgs-backfill --from 2021-10-01 --to 2024-05-01 --batch-days 7 --jobs 1
	assert_success
	PGS_STORE=sqlite:$four PGS_STATE_DIR=$BATS_TEST_TMPDIR/state4 run --separate-stderr \
		pgs-backfill --from 2021-10-01 --to 2024-05-01 --batch-days 7 --jobs 4
	assert_success
	[[ $stderr == *"batches    135 of 135 run, 0 failed, 0 refused"* ]]
	dump_summary "sqlite:$one" >one.dump
	dump_summary "sqlite:$four" >four.dump
	[ "$(wc -l <one.dump)" -eq 93852 ]
	cmp one.dump four.dump
	reg='SELECT universal_player_id, player_lookup, player_full_name, first_game_id FROM players_registry ORDER BY 1'
	[ "$(sqlite3 "$one" "$reg" | wc -l)" -eq 836 ]
	[ "$(sqlite3 "$one" "$reg" | md5sum)" = "$(sqlite3 "$four" "$reg" | md5sum)" ]
}

@test "the stages grow the pipe between them to 1 MiB, from either end (a pipe of 64 KiB made three stages take turns on two cores)" {
	# the reader reads everything first, so the writer has set up its stdout
	getsz='import fcntl, sys; sys.stdin.buffer.read(); print(fcntl.fcntl(0, 1032))'   # F_GETPIPE_SZ
	run --separate-stderr bash -c 'pgs-extract "$1" | python3 -c "$2"' _ "$FIXTURES/extract_bbref.csv" "$getsz"
	assert_success
	assert_output 1048576
	run --separate-stderr bash -c 'pgs-transform --now 2024-01-01T00:00:00Z "$1" | python3 -c "$2"' _ \
		"$FIXTURES/transform_game.ndjson" "$getsz"
	assert_success
	assert_output 1048576
	# the reading end: a pipe from cat (64 KiB) is grown by pgs-resolve reading it
	run --separate-stderr bash -c 'cat "$1" | { pgs-resolve --registry "$2" --register >/dev/null && \
		python3 -c "import fcntl; print(fcntl.fcntl(0, 1032))"; }' _ \
		"$FIXTURES/resolve_small.ndjson" "sqlite:$BATS_TEST_TMPDIR/r.db"
	assert_success
	assert_output 1048576
	# and a pipe that is not grown stays at the kernel default: the check above can fail
	run bash -c 'cat "$1" | python3 -c "import fcntl; print(fcntl.fcntl(0, 1032))"' _ "$FIXTURES/resolve_small.ndjson"
	assert_output 65536
}
