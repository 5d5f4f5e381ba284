#!/usr/bin/env bats
# No password or token anywhere: not in a message, a log, a rejects file, a
# state file, a ledger row or a process title — in runs that succeed and in
# runs that fail.  A real PostgreSQL and the BigQuery emulator are started.

load test_helper
load http/server
# shellcheck source=tests/pg/server.bash
. "$PGS_ROOT/tests/pg/server.bash"
# shellcheck source=tests/bqemu/server.bash
. "$PGS_ROOT/tests/bqemu/server.bash"

setup_file() {
	PG_SKIP=$(pg_skip_reason)
	export PG_SKIP
	[ -n "$PG_SKIP" ] || pg_start
	# a {date} URL source: a sample league, a file a day, served on loopback
	local www=$BATS_FILE_TMPDIR/www
	mkdir -p "$www/days"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH" pgs-sample --seed 6 --scale 1 --format raw \
		--from 2023-10-24 --to 2023-10-31 -o "$BATS_FILE_TMPDIR/league" >/dev/null
	awk -v dir="$www/days" '{ match($0, /"game_date":"[0-9-]+"/); print >(dir "/" substr($0, RSTART + 13, 10) ".ndjson") }' \
		"$BATS_FILE_TMPDIR"/league/*.ndjson
	start_test_server "$www"
}

teardown_file() {
	pg_stop
	stop_test_server
}

setup() {
	[ -z "$PG_SKIP" ] || skip "$PG_SKIP"
	common_setup
	SECRET=$PG_PASSWORD
	S="$PG_URI?schema=s$BATS_TEST_NUMBER"
	pg_sql "DROP SCHEMA IF EXISTS s$BATS_TEST_NUMBER CASCADE" >/dev/null
}

teardown() {
	[ -z "${WATCH_PID:-}" ] || { kill "$WATCH_PID" 2>/dev/null; wait "$WATCH_PID" 2>/dev/null || true; }
	bq_stop
}

# Record the command line of every pgs process, every 20 ms, until killed.
watch_titles() {
	while :; do
		for p in /proc/[0-9]*; do
			tr '\0' ' ' <"$p/cmdline" 2>/dev/null | grep -a 'pgs-\|parallel' || true
		done
		sleep 0.02
	done >titles.log 2>/dev/null &
	WATCH_PID=$!
}

# Record every process's command line (/proc/PID/cmdline, as ps reads it,
# whole), every 20 ms, until killed: one line "PID ARGS" a process and sample.
watch_argv() {
	while :; do
		ps -e -ww -o pid=,args=
		sleep 0.02
	done >argv.log 2>/dev/null &
	WATCH_PID=$!
}

stop_watching() {
	kill "$WATCH_PID"
	wait "$WATCH_PID" 2>/dev/null || true
	WATCH_PID=
}

# No file under the given directories, nor the files given, holds the secret.
assert_no_secret_in() {
	if grep -rlaF -- "$SECRET" "$@" 2>/dev/null; then
		fail "the secret appears in the files above"
	fi
}

@test "secrets: a password in the store URI reaches no output, file, ledger row or process title" {
	pgs-sample --seed 6 --scale 1 --from 2023-10-24 --to 2023-11-04 -o sample >/dev/null
	watch_titles
	run --separate-stderr pgs-ingest -v --store "$S" sample/*
	assert_success
	printf '%s\n%s\n' "$output" "$stderr" >out.ingest
	# each commit lingers a little, so the watcher sees every stage at work
	PGS_FAULT_COMMIT_SLEEP_MS=400 run --separate-stderr pgs-backfill -v --store "$S" \
	    --from 2023-10-24 --to 2023-11-04 --batch-days 4 --jobs 2
	assert_success
	printf '%s\n%s\n' "$output" "$stderr" >out.backfill
	run --separate-stderr pgs-checkpoint list
	printf '%s\n%s\n' "$output" "$stderr" >out.list
	run --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-11-04 --json
	printf '%s\n%s\n' "$output" "$stderr" >out.validate
	kill "$WATCH_PID"
	wait "$WATCH_PID" 2>/dev/null || true
	WATCH_PID=
	# the watcher did see the pipeline's processes
	grep -q 'pgs-write' titles.log
	"$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows >ledger.json
	for t in players_registry player_aliases unresolved_player_names; do
		"$PGS_ROOT/bin-test/pgs-store-dump" "$S" "$t" >>tables.json
	done
	assert_no_secret_in out.* titles.log ledger.json tables.json "$PGS_STATE_DIR"
}

@test "secrets: failing runs (a wrong password, a bad row, a refused write) say why without the secret" {
	bad="postgres://pgs:$SECRET-wrong@127.0.0.1:$PG_PORT/pgs?schema=s$BATS_TEST_NUMBER"
	pgs-sample --seed 6 --scale 1 --from 2023-10-24 --to 2023-10-27 -o sample >/dev/null
	run --separate-stderr pgs-ingest --store "$bad" sample/*
	[ "$status" -eq 3 ]
	printf '%s\n%s\n' "$output" "$stderr" >out.1
	run --separate-stderr pgs-backfill --store "$bad" --from 2023-10-24 --to 2023-10-27
	[ "$status" -eq 3 ]
	printf '%s\n%s\n' "$output" "$stderr" >out.2
	# a reject goes to a rejects file; a store error names the store, redacted
	pgs-extract sample/* >raw.nd
	sed -i '2s/"points":[0-9]*/"points":-5/' raw.nd
	run --separate-stderr pgs-write --store "$S" --table raw_boxscores --from 2023-10-24 --to 2023-10-27 \
	    --rejects rej.nd raw.nd
	[ "$status" -eq 1 ]
	printf '%s\n%s\n' "$output" "$stderr" >out.3
	[ -s rej.nd ]
	run --separate-stderr pgs-write --store "$bad" --table raw_boxscores --from 2023-10-24 --to 2023-10-27 raw.nd
	[ "$status" -eq 3 ]
	[[ "$stderr" == *"pgs:***@127.0.0.1"* ]]
	printf '%s\n%s\n' "$output" "$stderr" >out.4
	run --separate-stderr pgs-validate --store "$bad" --from 2023-10-24 --to 2023-10-27
	[ "$status" -eq 3 ]
	printf '%s\n%s\n' "$output" "$stderr" >out.5
	assert_no_secret_in out.* rej.nd "$PGS_STATE_DIR"
}

@test "secrets: pgs-daily's log and its one-line failure carry no password from its config file" {
	mkdir -p days
	pgs-sample --seed 6 --scale 1 --from 2023-10-24 --to 2023-10-26 -o days >/dev/null
	cat >daily.conf <<-EOF
	store = $S
	source = $PWD/days/sample_2023-24.csv
	days-back = 2
	EOF
	run --separate-stderr pgs-daily --config daily.conf --date 2023-10-26 --log daily.log
	printf '%s\n%s\n' "$output" "$stderr" >out.ok
	sed -i "s|^store = .*|store = postgres://pgs:$SECRET-wrong@127.0.0.1:$PG_PORT/pgs|" daily.conf
	run --separate-stderr pgs-daily --config daily.conf --date 2023-10-26 --log daily.log
	[ "$status" -ne 0 ]
	printf '%s\n%s\n' "$output" "$stderr" >out.fail
	[ -s daily.log ]
	assert_no_secret_in out.* daily.log "$PGS_STATE_DIR"
}

@test "secrets: a BigQuery token, refused or not, is in no output and no log" {
	why=$(bq_skip_reason)
	[ -z "$why" ] || skip "$why"
	bq_start --strict-auth --token "$SECRET-bq"
	SECRET="$SECRET-bq"
	echo '{"pgs_end":{"tool":"t","rows":0}}' >empty.nd
	PGS_BQ_TOKEN=$SECRET run --separate-stderr pgs-write --store bigquery://pgs-test/sec --from 2023-10-01 --to 2023-10-02 empty.nd
	assert_success
	printf '%s\n%s\n' "$output" "$stderr" >out.1
	PGS_BQ_TOKEN=$SECRET-nope run --separate-stderr pgs-extract --source bigquery://pgs-test/sec --from 2023-10-01 --to 2023-10-02
	[ "$status" -eq 3 ]
	printf '%s\n%s\n' "$output" "$stderr" >out.2
	PGS_BQ_TOKEN=$SECRET run --separate-stderr pgs-backfill --store bigquery://pgs-test/sec --from 2023-10-01 --to 2023-10-02
	printf '%s\n%s\n' "$output" "$stderr" >out.3
	assert_no_secret_in out.* "$PGS_STATE_DIR" "$BQ_DIR/requests.ndjson"
}

@test "secrets: no process's command line holds a password or a token at any moment (ingest, backfill, daily)" {
	token=tok-$RANDOM$RANDOM
	url="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")/days/{date}.ndjson?token=$token"
	watch_argv
	# given the ways that keep them off command lines: the environment, a config file
	PGS_STORE=$S PGS_SOURCE=$url run --separate-stderr pgs-ingest -q --from 2023-10-24 --to 2023-10-27 \
		--source-env PGS_SOURCE
	assert_success
	# each commit lingers a little, so the watcher sees every stage at work
	PGS_FAULT_COMMIT_SLEEP_MS=200 PGS_STORE=$S run --separate-stderr pgs-backfill -q \
		--from 2023-10-24 --to 2023-10-27 --batch-days 2 --jobs 2
	assert_success
	# a URL source: the stages once a batch
	PGS_STORE=$S PGS_SOURCE=$url run --separate-stderr pgs-backfill -q --from 2023-10-24 --to 2023-10-27 \
		--batch-days 1 --job from-url
	assert_success
	cat >daily.conf <<-EOF
	store = $S
	source = $url
	days-back = 2
	EOF
	PGS_FAULT_COMMIT_SLEEP_MS=100 run --separate-stderr pgs-daily --config daily.conf --date 2023-10-29
	assert_success
	# on a pipeline's command line: gone when it ran itself again
	PGS_FAULT_COMMIT_SLEEP_MS=100 run --separate-stderr pgs-ingest -q --store "$S" --from 2023-10-30 \
		--to 2023-10-31 "$url"
	assert_success
	stop_watching
	# the watcher saw the pipelines' processes: it would have seen a secret
	grep -q 'pgs-extract .*--source-env PGS_SOURCE' argv.log
	grep -q 'pgs-write' argv.log
	grep -q 'pgs-daily' argv.log
	# none held one, but the first instant of the one run given them on its
	# command line (its own process, before it runs itself again)
	if grep -F -e "$SECRET" -e "$token" argv.log | grep -v '/pgs-ingest -q --store '; then
		fail "a password or a token on a command line (above)"
	fi
}

@test "secrets: pgs-daily given a password and a token on its command line keeps neither in its argv" {
	token=tok-$RANDOM$RANDOM
	url="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")/days/{date}.ndjson?token=$token"
	hold_ingest
	PATH="$BATS_TEST_TMPDIR/shim:$PATH" pgs-daily --store "$S" --source "$url" --date 2023-10-29 \
		--days-back 1 >daily.out 2>daily.err 3>&- &
	daily=$!
	for _ in $(seq 300); do [ -e started ] && break; sleep 0.1; done
	[ -e started ]
	tr '\0' ' ' </proc/$daily/cmdline >daily.argv
	for p in $(pgrep -g "$(ps -o pgid= $daily)" || true); do
		tr '\0' ' ' 2>/dev/null <"/proc/$p/cmdline" || true
		echo
	done >>daily.argv
	touch release
	wait "$daily"
	grep -q pgs-daily daily.argv
	if grep -F -e "$SECRET" -e "$token" daily.argv daily.out daily.err; then
		fail "a password or a token in pgs-daily's processes or output (above)"
	fi
}
