#!/usr/bin/env bats
# libpq, libcurl and libcrypto are loaded on first use (lib/dl.c): no tool
# links them, a run that needs none never loads them, and one that needs a
# missing or broken copy fails on use with a clear message (exit 3), never at
# start.
# A broken copy is put first on LD_LIBRARY_PATH: a text file named like the
# library ("file too short"), or a real shared object without its functions.

load test_helper

setup() {
	common_setup
	BROKEN="$BATS_TEST_TMPDIR/broken"
	mkdir -p "$BROKEN"
	printf 'not a library\n' >"$BROKEN/libpq.so.5"
	printf 'not a library\n' >"$BROKEN/libcurl.so.4"
	PG=postgres://pgs@127.0.0.1:1/nba
	W=(--from 2023-10-01 --to 2023-10-05)
	printf '{"pgs_end":{"tool":"test","rows":0}}\n' >empty.ndjson
}

# run_broken STATUS CMD...: run CMD with the broken libraries first on the path.
run_broken() {
	local status=$1
	shift
	LD_LIBRARY_PATH="$BROKEN${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" run "$status" --separate-stderr "$@"
}

@test "no tool links libpq, libcurl, libcrypto or their TLS/Kerberos/LDAP closure" {
	local t
	for t in pgs-extract pgs-resolve pgs-transform pgs-write pgs-checkpoint pgs-validate pgs-sample \
	    ../bin-test/pgs-store-dump ../bin-test/pgs-http-get; do
		run ldd "$PGS_ROOT/bin/$t"
		assert_success
		refute_output --regexp 'lib(pq|curl|ssl|crypto|gssapi|krb5|ldap|nghttp2|ssh2|idn2)'
	done
}

@test "a SQLite run never loads them: broken copies on the path change nothing" {
	pgs-sample --seed 7 --scale 0.1 --to 2021-10-25 -o sample >/dev/null
	export LD_LIBRARY_PATH="$BROKEN"
	run pgs-write --version
	assert_success
	run --separate-stderr pgs-ingest --from 2021-10-18 --to 2021-10-25 sample/*
	assert_success
	run --separate-stderr pgs-backfill --from 2021-10-18 --to 2021-10-25
	assert_success
	[[ $stderr == *"0 failed, 0 refused"* ]]
	run -0 --separate-stderr pgs-validate --store "$PGS_STORE" --from 2021-10-18 --to 2021-10-25
	[[ $stderr != *"needs lib"* ]]
	run --separate-stderr pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-25 --store "$PGS_STORE"
	assert_success
	run -0 --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$PGS_STORE" player_game_summary
	[ -n "$output" ]
}

@test "a PostgreSQL store without a usable libpq.so.5: every tool says so and exits 3" {
	local why="PostgreSQL store needs libpq.so.5: $BROKEN/libpq.so.5: file too short"

	run_broken -3 pgs-write --store "$PG" "${W[@]}" empty.ndjson
	assert_output ""
	assert_equal "$stderr" "pgs-write: $why"
	run_broken -3 pgs-extract --source "$PG" "${W[@]}"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: $why"
	run_broken -3 pgs-resolve --registry "$PG" </dev/null
	assert_output ""
	assert_equal "${stderr_lines[0]}" "pgs-resolve: $why"
	run_broken -3 pgs-validate --store "$PG" "${W[@]}"
	assert_equal "$stderr" "pgs-validate: $why"
	run_broken -3 pgs-checkpoint plan --job j "${W[@]}" --store "$PG"
	assert_equal "$stderr" "pgs-checkpoint: $why"
	run_broken -3 "$PGS_ROOT/bin-test/pgs-store-dump" "$PG" player_game_summary
	assert_equal "$stderr" "pgs-store-dump: $why"
}

@test "a libpq.so.5 that lacks a function pgs calls is refused by name" {
	command -v "${CC:-cc}" >/dev/null || skip "no C compiler to build a stub library"
	echo 'int pgs_stub;' | "${CC:-cc}" -shared -fPIC -x c -o "$BROKEN/libpq.so.5" -
	run_broken -3 pgs-write --store "$PG" "${W[@]}" empty.ndjson
	assert_equal "$stderr" \
	    "pgs-write: PostgreSQL store needs libpq.so.5: $BROKEN/libpq.so.5: undefined symbol: PQclear"
}

@test "BigQuery and HTTP without a usable libcurl.so.4: said on use, exit 3, no end marker" {
	run_broken -3 pgs-write --store bigquery://my-project/nba "${W[@]}" empty.ndjson
	assert_output ""
	assert_equal "$stderr" \
	    "pgs-write: BigQuery store needs libcurl.so.4: $BROKEN/libcurl.so.4: file too short"
	run_broken -3 pgs-extract --source http://127.0.0.1:1/day.ndjson
	assert_output ""
	assert_equal "$stderr" \
	    "pgs-extract: HTTP client needs libcurl.so.4: $BROKEN/libcurl.so.4: file too short"
	# SQLite needs neither
	run_broken -0 pgs-write --store "$PGS_STORE" "${W[@]}" empty.ndjson
}

@test "libcrypto is loaded by the first hash: without it only the tools that hash fail, on use, exit 3" {
	printf 'not a library\n' >"$BROKEN/libcrypto.so.3"
	pgs-sample --seed 7 --scale 0.1 --to 2021-10-25 -o sample >/dev/null
	pgs-ingest -q --from 2021-10-18 --to 2021-10-25 sample/*
	D=(--from 2021-10-18 --to 2021-10-25)
	# reading, resolving and checkpointing never hash
	run_broken -0 pgs-extract --source "$PGS_STORE" "${D[@]}"
	printf '%s\n' "$output" >raw.ndjson
	[ "$(grep -c . raw.ndjson)" -gt 1 ]
	run_broken -0 pgs-resolve --registry "$PGS_STORE" raw.ndjson
	printf '%s\n' "$output" >resolved.ndjson
	run_broken -0 pgs-checkpoint plan --job j "${D[@]}"
	# a summary row's data_hash is SHA-256
	run_broken -3 pgs-transform resolved.ndjson
	assert_equal "${stderr_lines[0]}" \
	    "pgs-transform: SHA-256 and signing needs libcrypto.so.3: $BROKEN/libcrypto.so.3: file too short"
	[[ $output != *pgs_end* ]]
	# rows are hashed into their digests; an empty window's input digest is a constant
	pgs-transform resolved.ndjson >summary.ndjson
	run_broken -3 pgs-write --store "$PGS_STORE" "${D[@]}" summary.ndjson
	assert_output ""
	assert_equal "$stderr" \
	    "pgs-write: SHA-256 and signing needs libcrypto.so.3: $BROKEN/libcrypto.so.3: file too short"
	run_broken -0 pgs-write --store "$PGS_STORE" --from 2021-10-10 --to 2021-10-11 empty.ndjson
	[[ $output == *'"rows_in":0,'* ]]
}
