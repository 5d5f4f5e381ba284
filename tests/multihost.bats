#!/usr/bin/env bats
# pgs-backfill across hosts (--sshlogin, --sshloginfile, --remote-path):
# two loopback "hosts" with an sshd each (tests/ssh/server.bash), started by
# this file with keys made for it, a real PostgreSQL (tests/pg/server.bash)
# as the shared store, and a small pgs-sample league.  The coordinator keeps
# the job's state; the hosts find the database password in their own
# environment (a PGPASSFILE their sshd sets), never on a command line.

# Each @test runs in a subshell of its own, and the shim bodies are
# single-quoted on purpose:
# shellcheck disable=SC2030,SC2031,SC2016

load test_helper
load pipeline_helper
# shellcheck source=tests/pg/server.bash
. "$PGS_ROOT/tests/pg/server.bash"
# shellcheck source=tests/ssh/server.bash
. "$PGS_ROOT/tests/ssh/server.bash"

# Three weeks of the sample league (its games start on 2021-10-19), in
# batches of two days: 11 batches.
FROM=2021-10-18
TO=2021-11-07
DAYS=2
BATCHES=11
JOB=backfill-$FROM-$TO

setup_file() {
	MH_SKIP=$(ssh_skip_reason)
	[ -n "$MH_SKIP" ] || MH_SKIP=$(pg_skip_reason)
	export MH_SKIP
	[ -z "$MH_SKIP" ] || return 0
	export SAMPLE="$BATS_FILE_TMPDIR/sample"
	pgs-sample --seed 7 --scale 0.1 --to 2021-12-31 -o "$SAMPLE" >/dev/null
	pg_start
	# the hosts' own password file; "bare" has none
	printf '127.0.0.1:%s:pgs:pgs:%s\n' "$PG_PORT" "$PG_PASSWORD" >"$BATS_FILE_TMPDIR/pgpass"
	chmod 600 "$BATS_FILE_TMPDIR/pgpass"
	ssh_init "$BATS_FILE_TMPDIR/ssh"
	ssh_host h1 127.0.0.1 "PGPASSFILE=$BATS_FILE_TMPDIR/pgpass"
	ssh_host h2 127.0.0.2 "PGPASSFILE=$BATS_FILE_TMPDIR/pgpass"
	ssh_host bare 127.0.0.3
	printf '%s\n' "# the two hosts" "$(ssh_login h1)" "$(ssh_login h2)" >"$BATS_FILE_TMPDIR/hosts"
	export HOSTS="$BATS_FILE_TMPDIR/hosts"

	# the table of a local run, to compare every remote run with
	export REFERENCE="$BATS_FILE_TMPDIR/reference.dump"
	(
		export PGS_STORE PGS_STATE_DIR="$BATS_FILE_TMPDIR/reference-state" SOURCE_DATE_EPOCH=1700000000
		PGS_STORE=$(pg_fresh reference)
		pgs-ingest -q --from "$FROM" --to "$TO" "$SAMPLE"/* >/dev/null
		pgs-backfill -q --from "$FROM" --to "$TO" --batch-days "$DAYS"
		dump "$PGS_STORE" >"$REFERENCE"
	)
}

teardown_file() {
	ssh_stop
	pg_stop
}

setup() {
	[ -z "$MH_SKIP" ] || skip "$MH_SKIP"
	common_setup
	PGS_STORE=$(pg_fresh "mh$BATS_TEST_NUMBER")
	# the store's URI carries the password: the coordinator's own
	[[ $PGS_STORE == *":$PG_PASSWORD@"* ]]
	# every tool on the hosts, through wrappers a test may slow down; pgs-run
	# runs the stages there
	RBIN=$BATS_TEST_TMPDIR/rbin
	mkdir -p "$RBIN"
	for t in pgs-extract pgs-resolve pgs-transform pgs-write pgs-run; do
		remote_tool "$t" 'exec "$real" "$@"'
	done
}

teardown() {
	# a test that lost a host brings it back for the next one
	[ -z "${MH_SKIP:-}" ] || return 0
	local h
	for h in h1 h2; do
		[ -e "$SSH_DIR/sshd-$h.daemon" ] || ssh_restart "$h"
	done
}

# dump URI: player_game_summary, one JSON object a row, without processed_at.
dump() {
	"$PGS_ROOT/bin-test/pgs-store-dump" "$1" player_game_summary | jq -c 'del(.processed_at)'
}

ingest_sample() {
	run --separate-stderr pgs-ingest -q --from "$FROM" --to "$TO" "$SAMPLE"/*
	assert_success
}

# remote_tool TOOL SCRIPT: TOOL in the hosts' --remote-path directory runs
# SCRIPT (bash, $real the built tool).
remote_tool() {
	printf '#!/bin/bash\nreal=%q\n%s\n' "$PGS_ROOT/bin/$1" "$2" >"$RBIN/$1"
	chmod +x "$RBIN/$1"
}

# remote_backfill ARGS...: pgs-backfill of the test's range over both hosts.
remote_backfill() {
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days "$DAYS" \
		--sshloginfile "$HOSTS" --remote-path "$RBIN" "$@"
}

# start_remote ARGS...: remote_backfill in the background, in a session of
# its own, stderr to bf.log; sets pid.
start_remote() {
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-backfill --from "$FROM" --to "$TO" --batch-days "$DAYS" \
		--sshloginfile "$HOSTS" --remote-path "$RBIN" "$@" >/dev/null 2>"$BATS_TEST_TMPDIR/bf.log" &
	pid=$!
}

# host_tools HOST: the pgs tools running under HOST's sshd.
host_tools() {
	local p
	for p in $(ssh_pids "$1"); do
		case $(cat "/proc/$p/comm" 2>/dev/null) in
		pgs-*) echo "$p" ;;
		esac
	done
}

# run_procs: every process of this test's runs, wherever it was started
# (both hosts are this machine): those with the job's PGS_RUN_ID in their
# environment, a process that left its host's sshd included.
run_procs() {
	local p
	for p in /proc/[0-9]*; do
		if grep -qz "^PGS_RUN_ID=$JOB-" "$p/environ" 2>/dev/null; then
			[[ $(cat "$p/stat" 2>/dev/null) =~ ^[0-9]+\ \(.*\)\ Z ]] ||
				echo "${p#/proc/} $({ tr '\0' ' ' <"$p/cmdline"; } 2>/dev/null)"
		fi
	done
}

# --- a run over two hosts ------------------------------------------------------

@test "multihost: a backfill over two hosts into PostgreSQL gives the table of a local run; the state stays here" {
	ingest_sample
	remote_backfill -v --jobs 2
	assert_success
	assert_output ""
	[[ $stderr == *"$BATCHES/$BATCHES batches"* ]]
	[[ $stderr == *"batches    $BATCHES of $BATCHES run, 0 failed, 0 refused"* ]]
	# -v names the host of each batch: both ran some
	[ "$(grep -c '^pgs-backfill: batch [0-9-]*\.\.[0-9-]* ran on host ' <<<"$stderr")" -eq "$BATCHES" ]
	grep -q ' ran on host h1$' <<<"$stderr"
	grep -q ' ran on host h2$' <<<"$stderr"
	# the stages' own -v messages came back too
	grep -q '^pgs-resolve: [0-9]* rows in ' <<<"$stderr"
	dump "$PGS_STORE" >remote.dump
	[ -s remote.dump ]
	diff "$REFERENCE" remote.dump
	# the coordinator recorded every batch in its own state directory
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: $BATCHES total, $BATCHES done, 0 failed, 0 pending"
	# an unchanged re-run does nothing
	remote_backfill --jobs 2
	assert_success
	[[ $stderr == *"nothing to do"* ]]
}

@test "multihost: --sshlogin LOGIN works like a login file; --jobs 1 runs one batch at a time on each host" {
	ingest_sample
	remote_tool pgs-transform 'exec "$real" "$@"'
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days "$DAYS" --jobs 1 \
		--sshlogin "$(ssh_login h1)" --sshlogin "$(ssh_login h2)" --remote-path "$RBIN"
	assert_success
	[[ $stderr == *"batches    $BATCHES of $BATCHES run, 0 failed, 0 refused"* ]]
	dump "$PGS_STORE" >remote.dump
	diff "$REFERENCE" remote.dump
}

@test "multihost: no password on any command line, here or on the hosts, nor in the hosts' environment: they read their own file" {
	ingest_sample
	remote_tool pgs-transform 'sleep 0.5; exec "$real" "$@"'
	# GNU parallel carries --env to the hosts hex-encoded on ssh's command line
	hex() { printf %s "$1" | od -An -tx1 | tr -d ' \n'; }
	start_remote --jobs 2
	: >cmdlines
	: >hostenv
	while kill -0 "$pid" 2>/dev/null; do
		ps -e -ww -o args= >>cmdlines
		for p in $(host_tools h1) $(host_tools h2); do
			tr '\0' '\n' 2>/dev/null <"/proc/$p/environ" >>hostenv || true
		done
		sleep 0.1
	done
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 0 ] || fail "exit $status: $(cat bf.log)"
	# what was seen: the ssh command lines with the variables, the hosts' stages
	grep -q 'GNU_Parallel_worker' cmdlines
	tr -d ' ' <cmdlines | grep -q "$(hex "schema=mh$BATS_TEST_NUMBER")"
	grep -q "/pgs-write --windows .* --run-id $JOB-" cmdlines
	grep -qx "PGPASSFILE=$BATS_FILE_TMPDIR/pgpass" hostenv
	grep -q '^PGS_STORE=postgres://pgs@127.0.0.1:' hostenv
	# and the password nowhere in them, plain or encoded
	run ! grep -qF "$PG_PASSWORD" cmdlines
	run ! grep -q "$(hex "$PG_PASSWORD")" < <(tr -d ' ' <cmdlines)
	run ! grep -qF "$PG_PASSWORD" hostenv
	run ! grep -qF "$PG_PASSWORD" bf.log
	dump "$PGS_STORE" >remote.dump
	diff "$REFERENCE" remote.dump
}

# --- what is refused -------------------------------------------------------------

@test "multihost: a sqlite: store or source with hosts is refused (2); --remote-path needs hosts (2); a missing login file is 3" {
	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/pgs.db"
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --sshloginfile "$HOSTS"
	assert_output ""
	assert_equal "$stderr" "pgs-backfill: a sqlite: store cannot be shared with remote hosts (--sshlogin, --sshloginfile): use a PostgreSQL or BigQuery store
Try 'pgs-backfill --help'."
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --sshlogin "$(ssh_login h1)"
	[[ $stderr == *"a sqlite: store cannot be shared with remote hosts"* ]]
	run -2 --separate-stderr pgs-backfill --store "$(pg_fresh "mh${BATS_TEST_NUMBER}b")" \
		--source "sqlite:$BATS_TEST_TMPDIR/raw.db" --from "$FROM" --to "$TO" --sshlogin "$(ssh_login h1)"
	[[ $stderr == *"remote hosts cannot read the sqlite: source 'sqlite:$BATS_TEST_TMPDIR/raw.db'"* ]]
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --remote-path /opt/pgs/bin
	[[ $stderr == *"--remote-path needs --sshlogin or --sshloginfile"* ]]
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --sshlogin
	[[ $stderr == *"option '--sshlogin' needs a value"* ]]
	run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --sshloginfile "$BATS_TEST_TMPDIR/nohosts"
	[[ $stderr == *"cannot read sshloginfile '$BATS_TEST_TMPDIR/nohosts'"* ]]
	# nothing ran, nothing was created
	[ ! -e "$PGS_STATE_DIR" ]
	[ ! -e "$BATS_TEST_TMPDIR/pgs.db" ]
}

@test "multihost: the hosts get the store without its password; one without its own fails every batch, named" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to 2021-10-21 --batch-days "$DAYS" --jobs 2 \
		--sshlogin "$(ssh_login bare)" --remote-path "$RBIN"
	[ "$status" -eq 3 ]
	[[ $stderr == *"batches    2 of 2 run, 2 failed, 0 refused"* ]]
	# libpq on the host had no password: the URI it was given has none
	[[ $stderr == *"failed     $FROM..2021-10-19  host bare: pgs-extract exited 3: "*"store 'postgres://pgs@127.0.0.1:$PG_PORT/pgs?schema=mh$BATS_TEST_NUMBER'"*"no password"* ]]
	[[ $stderr != *"$PG_PASSWORD"* ]]
	run pgs-checkpoint status --job "backfill-$FROM-2021-10-21"
	assert_line --index 1 "batches: 2 total, 0 done, 2 failed, 0 pending"
	run ! grep -rq "$PG_PASSWORD" "$PGS_STATE_DIR"
	[ "$(pg_sql "SELECT count(*) FROM mh$BATS_TEST_NUMBER.player_game_summary")" -eq 0 ]
}

@test "multihost: tools missing on a host, another pgs version, another aliases file: its batches fail, saying which" {
	ingest_sample
	# two batches, one on each host
	range=(--from "$FROM" --to 2021-10-21 --batch-days "$DAYS" --jobs 1)
	# no --remote-path: the hosts' PATH has no pgs (unless pgs is installed there)
	if ! ssh -F "$SSH_CONFIG" h1 'command -v pgs-extract' >/dev/null; then
		run -3 --separate-stderr pgs-backfill "${range[@]}" --sshlogin "$(ssh_login h1)"
		[[ $stderr == *"pgs-backfill: host h1: 'pgs-run' not found on PATH (--remote-path DIR names the directory of the pgs tools there); no result for: $FROM..2021-10-19"* ]]
		[[ $stderr == *"pgs-backfill: 2 batches gave no result (re-run to retry them)"* ]]
	fi
	# pgs-run there, a stage missing
	mv "$RBIN/pgs-extract" "$RBIN/pgs-extract.away"
	run -3 --separate-stderr pgs-backfill "${range[@]}" --sshlogin "$(ssh_login h1)" --remote-path "$RBIN"
	[[ $stderr == *"failed     $FROM..2021-10-19  host h1: 'pgs-extract' not found on PATH (--remote-path DIR names the directory of the pgs tools there)"* ]]
	mv "$RBIN/pgs-extract.away" "$RBIN/pgs-extract"
	remote_tool pgs-write '[ "$1" != --version ] || { echo "pgs-write 0.0.1"; exit 0; }; exec "$real" "$@"'
	run -3 --separate-stderr pgs-backfill "${range[@]}" --sshloginfile "$HOSTS" --remote-path "$RBIN"
	v=$(pgs-checkpoint --version)
	[[ $stderr == *"failed     $FROM..2021-10-19  host h"[12]": pgs 0.0.1 there, ${v##* } on the coordinator: every host needs the same version"* ]]
	[[ $stderr == *"batches    2 of 2 run, 2 failed, 0 refused"* ]]
	remote_tool pgs-write 'exec "$real" "$@"'
	# the aliases file changed on the hosts after the coordinator read it
	cp "$PGS_ROOT/pipelines/aliases.csv" my.csv
	remote_tool pgs-run 'echo "Nate Williams,Jeenathan Williams" >>'"$BATS_TEST_TMPDIR/my.csv"'; exec "$real" "$@"'
	run -3 --separate-stderr pgs-backfill "${range[@]}" --sshloginfile "$HOSTS" --remote-path "$RBIN" --aliases my.csv
	[[ $stderr == *"failed     $FROM..2021-10-19  host h"[12]": the file '$BATS_TEST_TMPDIR/my.csv' is missing there or differs from the coordinator's (every host needs the same file at the same path)"* ]]
	[[ $stderr == *"batches    2 of 2 run, 2 failed, 0 refused"* ]]
	[ "$(pg_sql "SELECT count(*) FROM mh$BATS_TEST_NUMBER.player_game_summary")" -eq 0 ]
	# the same files and version: the batches run; a relative --lines file
	# is looked for at its absolute path (a host starts in its home directory)
	remote_tool pgs-run 'exec "$real" "$@"'
	: >lines.ndjson
	run --separate-stderr pgs-backfill "${range[@]}" --sshloginfile "$HOSTS" --remote-path "$RBIN" --lines lines.ndjson
	assert_success
	[[ $stderr == *"batches    2 of 2 run, 0 failed, 0 refused"* ]]
}

# --- failures and lost hosts -----------------------------------------------------------

@test "multihost: a failed batch on a host does not stop the others (3, named); --halt-on-error starts no other" {
	ingest_sample
	# pgs-write fails for the batch that starts on the date in the file fail_from
	# (a host's batch is a window stream of one window)
	echo 2021-10-24 >"$BATS_TEST_TMPDIR/fail_from"
	remote_tool pgs-write '
for a; do
	if [ "${prev:-}" = --windows ] && [ "$(cut -f1 "$a")" = "$(cat '"$BATS_TEST_TMPDIR"'/fail_from)" ]; then
		cat >/dev/null
		echo "pgs-write: store: disk I/O error (simulated)" >&2
		exit 3
	fi
	prev=$a
done
exec "$real" "$@"'
	remote_backfill --jobs 2
	[ "$status" -eq 3 ]
	[[ $stderr == *"batches    $BATCHES of $BATCHES run, 1 failed, 0 refused"* ]]
	[[ $stderr == *"failed     2021-10-24..2021-10-25  host h"[12]": pgs-write exited 3: store: disk I/O error (simulated)"* ]]
	[[ $stderr == *"pgs-backfill: failed batches: 2021-10-24..2021-10-25 (re-run to retry them)"* ]]
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: $BATCHES total, $((BATCHES - 1)) done, 1 failed, 0 pending"
	# the re-run redoes that batch only, and ends with the local table
	echo none >"$BATS_TEST_TMPDIR/fail_from"
	remote_backfill --jobs 2
	assert_success
	[[ $stderr == *"1/1 batches"* ]]
	dump "$PGS_STORE" >remote.dump
	diff "$REFERENCE" remote.dump

	# --halt-on-error, one batch at a time on one host: nothing after the failure
	export PGS_STORE PGS_STATE_DIR=$BATS_TEST_TMPDIR/halt-state
	PGS_STORE=$(pg_fresh "mh${BATS_TEST_NUMBER}h")
	ingest_sample
	echo 2021-10-20 >"$BATS_TEST_TMPDIR/fail_from"
	run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days "$DAYS" --jobs 1 \
		--sshlogin "$(ssh_login h1)" --remote-path "$RBIN" --halt-on-error
	[[ $stderr == *"stopped at the first batch that did not succeed (--halt-on-error)"* ]]
	[[ $stderr == *"batches    2 of $BATCHES run, 1 failed, 0 refused"* ]]
}

@test "multihost: one of two hosts lost mid-run: the other runs its batches; the table is a local run's" {
	ingest_sample
	remote_tool pgs-transform 'sleep 0.5; exec "$real" "$@"'
	start_remote --jobs 2
	# h2 is lost while batches run on it
	for _ in $(seq 300); do
		[ -z "$(host_tools h2)" ] || break
		sleep 0.1
	done
	# (when h2 never ran a batch, say what the run saw of it)
	[ -n "$(host_tools h2)" ] || { cat "$BATS_TEST_TMPDIR/bf.log"; false; }
	wait_progress 2 60
	ssh_kill h2
	status=0
	wait "$pid" || status=$?
	cat bf.log
	# GNU parallel gave the lost batches (and those still to start) to h1
	[ "$status" -eq 0 ]
	grep -q "batches    $BATCHES of $BATCHES run, 0 failed, 0 refused" bf.log
	dump "$PGS_STORE" >remote.dump
	diff "$REFERENCE" remote.dump
	# h2 still down: a re-run has nothing to do
	remote_backfill --jobs 2
	assert_success
	[[ $stderr == *"nothing to do"* ]]
}

@test "multihost: the only host lost mid-run: exit 3, its batches named; once it is back a re-run finishes" {
	ingest_sample
	remote_tool pgs-transform 'sleep 0.5; exec "$real" "$@"'
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-backfill --from "$FROM" --to "$TO" --batch-days "$DAYS" --jobs 2 \
		--sshlogin "$(ssh_login h2)" --remote-path "$RBIN" >/dev/null 2>bf.log &
	pid=$!
	wait_progress 2 60
	ssh_kill h2
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 3 ]
	grep -q "^pgs-backfill: host h2 was lost or could not be reached (ssh exited 255); no result for: [0-9]" bf.log
	grep -q "^pgs-backfill: [0-9]* batches gave no result (re-run to retry them)$" bf.log
	run pgs-checkpoint status --job "$JOB" --json
	done_before=$(jq .batches_done <<<"$output")
	[ "$done_before" -ge 2 ]
	[ "$done_before" -lt "$BATCHES" ]
	# the ledger stays the truth: the lost batches are planned again
	ssh_restart h2
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days "$DAYS" --jobs 2 \
		--sshlogin "$(ssh_login h2)" --remote-path "$RBIN"
	assert_success
	[[ $stderr == *"$((BATCHES - done_before))/$((BATCHES - done_before)) batches"* ]]
	dump "$PGS_STORE" >remote.dump
	diff "$REFERENCE" remote.dump
}

# --- interrupts --------------------------------------------------------------------------

@test "multihost: SIGTERM to the coordinator stops the batches on both hosts: no pgs process left; a re-run finishes" {
	ingest_sample
	remote_tool pgs-transform 'sleep 0.5; exec "$real" "$@"'
	start_remote --jobs 2
	# batches running on both hosts
	for _ in $(seq 300); do
		on1=$(host_tools h1) on2=$(host_tools h2) procs=$(run_procs)
		[ -z "$on1" ] || [ -z "$on2" ] || break
		sleep 0.1
	done
	[ -n "$on1" ]
	[ -n "$on2" ]
	[ -n "$procs" ]
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	grep -q "^pgs-backfill: interrupted by SIGTERM: batches in flight were stopped, nothing half-written; re-run to resume$" bf.log
	no_process_left "$pid"
	# the hosts' workers notice their lost connection and stop their batch
	for _ in $(seq 50); do
		[ -n "$(run_procs)" ] || break
		sleep 0.1
	done
	left=$(run_procs)
	[ -z "$left" ] || fail "left running: $left"
	[ -z "$(host_tools h1)$(host_tools h2)" ]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days "$DAYS" \
		--sshloginfile "$HOSTS" --remote-path "$RBIN" --jobs 2
	assert_success
	dump "$PGS_STORE" >remote.dump
	diff "$REFERENCE" remote.dump
}
