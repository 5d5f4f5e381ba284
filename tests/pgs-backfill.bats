#!/usr/bin/env bats
# pipelines/pgs-backfill over the real tools and a small pgs-sample league:
# progress and summary, resume, failing and refused batches and their exit
# codes, parallel runs, kill -9, SIGTERM and SIGINT.

# Each @test runs in a subshell of its own, the shim bodies are single-quoted
# on purpose, and pg/server.bash sets PG_* when loaded:
# shellcheck disable=SC2030,SC2031,SC2016,SC2154

load test_helper
load pipeline_helper

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
JOB=backfill-$FROM-$TO

ingest_sample() {
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$SAMPLE"/*
	assert_success
}

# A pgs-write that fails (exit 3) for the batch starting on $FAIL_FROM (its
# fault hook: in a window stream the windows before it are committed).
failing_write() {
	shim pgs-write 'PGS_FAULT_FAIL_WINDOW=${FAIL_FROM:-} exec "$real" "$@"'
}

# --- usage ------------------------------------------------------------------

@test "pgs-backfill --help prints the usage block; -V the version" {
	run --separate-stderr pgs-backfill --help
	assert_success
	assert_line --index 0 --partial "Usage: pgs-backfill --from D --to D [--batch-days N] [--jobs N]"
	assert_output --partial "--batch-days N"
	assert_output --partial "-q, --quiet"
	[ -z "$stderr" ]
	run --separate-stderr pgs-backfill -V
	assert_success
	assert_output "pgs-backfill $(pgs-checkpoint -V | cut -d' ' -f2)"
}

@test "pgs-backfill: a bad flag, a missing range, bad dates and counts exit 2 and run nothing" {
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --bogus
	assert_output ""
	assert_equal "$stderr" "pgs-backfill: unknown option '--bogus'
Try 'pgs-backfill --help'."
	run -2 --separate-stderr pgs-backfill --from "$FROM"
	[[ $stderr == *"--from and --to are required"* ]]
	run -2 --separate-stderr pgs-backfill --from 2021-13-01 --to "$TO"
	[[ $stderr == *"pgs-backfill: bad --from '2021-13-01': want YYYY-MM-DD"* ]]
	# the calendar, in bash: no 29 February in 2021, one in 2024, none in 1900
	run -2 --separate-stderr pgs-backfill --from 2021-02-29 --to "$TO"
	[[ $stderr == *"bad --from '2021-02-29'"* ]]
	run -2 --separate-stderr pgs-backfill --from 1900-02-29 --to "$TO"
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to 2021-11-31
	[[ $stderr == *"bad --to '2021-11-31'"* ]]
	run -2 --separate-stderr pgs-backfill --from "$TO" --to "$FROM"
	[[ $stderr == *"--from $TO is after --to $FROM"* ]]
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --jobs 0
	[[ $stderr == *"bad --jobs '0'"* ]]
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days x
	[[ $stderr == *"bad --batch-days 'x'"* ]]
	run -2 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --store
	[[ $stderr == *"option '--store' needs a value"* ]]
	# bad dates are usage errors before a store that is not there is
	run -2 --separate-stderr pgs-backfill --store sqlite:nosuch.db --from 2021-13-01 --to "$TO"
	assert_equal "$stderr" "pgs-backfill: bad --from '2021-13-01': want YYYY-MM-DD
Try 'pgs-backfill --help'."
	[ ! -e "$PGS_STATE_DIR" ]
}

# --- a run ----------------------------------------------------------------------

@test "pgs-backfill: a SQLite store that is not there is named as missing, with what lands it (exit 3); no store, no state is made" {
	run -3 --separate-stderr pgs-backfill --store sqlite:nosuch.db --from "$FROM" --to "$TO"
	assert_output ""
	assert_equal "$stderr" "pgs-backfill: store 'sqlite:nosuch.db' not found: land raw box scores in it first (pgs-ingest --store sqlite:nosuch.db FILE...)"
	# the old hint, --restart, gives the same answer and still makes nothing
	run -3 --separate-stderr pgs-backfill --store sqlite:nosuch.db --from "$FROM" --to "$TO" --restart
	[[ $stderr == *"store 'sqlite:nosuch.db' not found"* ]]
	[[ $stderr != *"--restart"* ]]
	[ ! -e nosuch.db ]
	[ ! -e nosuch.db-wal ]
	[ ! -e "$PGS_STATE_DIR/$JOB.json" ]
	# a separate SQLite --source that is missing is named as the source
	ingest_sample
	run -3 --separate-stderr pgs-backfill --source sqlite:nosource.db --from "$FROM" --to "$TO"
	assert_equal "$stderr" "pgs-backfill: source 'sqlite:nosource.db' not found"
	# following the hint works
	run --separate-stderr pgs-ingest --store sqlite:nosuch.db --from "$FROM" --to "$TO" "$SAMPLE"/*
	assert_success
	run --separate-stderr pgs-backfill --store sqlite:nosuch.db --from "$FROM" --to "$TO"
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
}

@test "pgs-backfill: a store that cannot be opened is no job to --restart: the plan's failure gives no such hint" {
	: >empty.db
	run -3 --separate-stderr pgs-backfill --store sqlite:empty.db --from "$FROM" --to "$TO"
	assert_output ""
	[[ $stderr == *"not a pgs store"* ]]
	[[ $stderr == *"pgs-backfill: cannot plan job '$JOB'" ]]
	[[ $stderr != *"--restart"* ]]
}

@test "pgs-backfill over days with no raw rows at all says so and exits 3 (registering, --no-register, --dry-run); --allow-empty runs them" {
	ingest_sample
	local from=2022-10-18 to=2022-10-24 want
	want="pgs-backfill: no raw rows for $from..$to in the store's raw_boxscores: nothing to backfill; land them first (pgs-ingest --store $PGS_STORE --from $from --to $to SOURCE...), or --allow-empty to empty these days"
	for opt in --halt-on-error --no-register --dry-run; do
		run -3 --separate-stderr pgs-backfill --from "$from" --to "$to" "$opt"
		assert_output ""
		assert_equal "$stderr" "$want"
	done
	# nothing was recorded done: the next run says it again
	run -3 --separate-stderr pgs-backfill --from "$from" --to "$to"
	assert_equal "$stderr" "$want"
	# a range with rows in part of it is a backfill (2021-11-05.. has no games)
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO"
	assert_success
	# and the way to empty days on purpose (pgs-daily in the off-season)
	run --separate-stderr pgs-backfill --from "$from" --to "$to" --allow-empty
	assert_success
	[[ $stderr == *"1/1 batches  7/7 days  0 rows"* ]]
	# a --source of files with none of these days: named as the --source
	local files=("$SAMPLE"/*)
	run -3 --separate-stderr pgs-backfill --source "${files[0]}" --from 2023-01-01 --to 2023-01-02
	assert_equal "$stderr" "pgs-backfill: no raw rows for 2023-01-01..2023-01-02 in the --source: nothing to backfill (--allow-empty to empty these days)"
}

@test "pgs-backfill: one summary row per raw row; progress and summary on stderr only" {
	ingest_sample
	raw=$(count "SELECT count(*) FROM raw_boxscores")

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	assert_output ""
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$raw" ]
	[ "$(count "SELECT count(*) FROM (SELECT DISTINCT game_id, player_lookup FROM player_game_summary)")" -eq "$raw" ]
	# 21 days in 7-day batches: 3 batches, one progress line each, then the summary.
	run grep -c '^pgs-backfill: [0-9]/3 batches' <<<"$stderr"
	assert_output 3
	[[ $stderr == *"pgs-backfill: 1/3 batches  7/21 days"* ]]
	[[ $stderr == *"pgs-backfill: 3/3 batches  21/21 days  $raw rows  "*" rows/s  eta 0:00:00"* ]]
	[[ $stderr == *"pgs-backfill: summary of job $JOB
  batches    3 of 3 run, 0 failed, 0 refused
  days       21
  rows       $raw in: $raw inserted, 0 updated, 0 unchanged, 0 deleted
  failed     none
  wall time  "*" s"* ]]
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: 3 total, 3 done, 0 failed, 0 pending"
}

@test "pgs-backfill -q prints nothing on success; -v the plan and the stages' own messages" {
	ingest_sample
	run --separate-stderr pgs-backfill -q --from "$FROM" --to "$TO"
	assert_success
	assert_output ""
	assert_equal "$stderr" ""
	run --separate-stderr pgs-backfill --quiet --from "$FROM" --to "$TO"
	assert_equal "$stderr" ""

	run --separate-stderr pgs-backfill -v --from "$FROM" --to "$TO" --restart --batch-days 10
	assert_success
	assert_equal "$(head -n 1 <<<"$stderr")" "pgs-backfill: job $JOB: 3 batches, 21 days to do"
	[ "$(grep -c '^pgs-extract: [0-9]* rows, 0 rejects$' <<<"$stderr")" -ge 1 ]
	# each window's own commit, shown before its progress line (in a window
	# stream perhaps also before an earlier window's: the stages run ahead)
	n=$(grep -c '^' <<<"$stderr")
	for w in 1:2021-10-18..2021-10-27 2:2021-10-28..2021-11-06 3:2021-11-07..2021-11-07; do
		c=$(grep -n -m 1 "^pgs-write: window ${w#*:}: apply and commit" <<<"$stderr" | cut -d: -f1)
		p=$(grep -n -m 1 "^pgs-backfill: ${w%%:*}/3 batches" <<<"$stderr" | cut -d: -f1)
		[ "${c:-$n}" -lt "${p:-0}" ]
	done
}

@test "pgs-backfill --jobs 1 on a store: one process a stage for the whole run; a failed batch is retried alone, named, and the stream goes on" {
	ingest_sample
	mkdir t
	for tool in pgs-extract pgs-resolve pgs-transform pgs-checkpoint pgs-run; do
		shim "$tool" "echo \"$tool \$*\" >>\"$BATS_TEST_TMPDIR/calls\"; exec \"\$real\" \"\$@\""
	done
	shim pgs-write 'echo "pgs-write $*" >>"$BATS_TEST_TMPDIR/calls"
(cd "$TMPDIR"/pgs-backfill.* && ls | tr "\n" " "; echo) >>"$BATS_TEST_TMPDIR/listing"
PGS_FAULT_FAIL_WINDOW=${FAIL_FROM:-} exec "$real" "$@"'
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 --job whole
	assert_success
	[[ $stderr == *"21/21 batches  21/21 days"* ]]
	# the registration pass, then one stream of the 21 windows; pgs-run, which
	# records them all, and no other recorder
	run grep -c '^pgs-extract .*--windows ' calls
	assert_output 1
	run grep -c '^pgs-extract ' calls
	assert_output 2
	run grep -c '^pgs-write ' calls
	assert_output 1
	run grep -c '^pgs-transform' calls
	assert_output 1
	run grep -c '^pgs-run .*--job whole .*--windows -- pgs-extract ' calls
	assert_output 1
	run grep -c '^pgs-checkpoint done' calls
	assert_output 0
	run pgs-checkpoint status --job whole
	assert_line --index 1 "batches: 21 total, 21 done, 0 failed, 0 pending"

	# a window that fails mid-stream: the windows before it are done, it is
	# tried again at the head of a stream of its own, recorded failed with its
	# stage's message, and a third stream does the rest
	: >calls
	: >listing
	FAIL_FROM=2021-10-25 TMPDIR=$BATS_TEST_TMPDIR/t run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 --restart
	assert_failure 3
	[[ $stderr == *"pgs-backfill: batch 2021-10-25..2021-10-25: pgs-write exited 3: store: disk I/O error (simulated); running it again on its own"* ]]
	[[ $stderr == *"  failed     2021-10-25..2021-10-25  pgs-write exited 3: store: disk I/O error (simulated)"* ]]
	[[ $stderr == *"failed batches: 2021-10-25..2021-10-25"* ]]
	[[ $stderr == *"21/21 batches  21/21 days"*"  1 failed"* ]]
	run grep -c '^pgs-write ' calls
	assert_output 3
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: 21 total, 20 done, 1 failed, 0 pending"
	assert_line --index 6 "failed:  2021-10-25..2021-10-25 after 1 attempt(s): pgs-write exited 3: store: disk I/O error (simulated)"
	# the run's temporary directory at each stream: a few files of its own, none a batch's
	[ "$(wc -l <listing)" -eq 3 ]
	[ "$(grep -c '2021-' listing)" -eq 0 ]
	[ "$(grep -c '\bstream\.log ' listing)" -eq 3 ]
	[ -z "$(ls -A t)" ]
}

@test "pgs-backfill: a stage killed (SIGKILL) mid-stream: the same run starts the stream again at that window; every batch done" {
	ingest_sample
	# pgs-write killed once, just after the stream's first window was recorded
	shim pgs-write 'if [ -e "$BATS_TEST_TMPDIR/killed" ]; then exec "$real" "$@"; fi
touch "$BATS_TEST_TMPDIR/killed"
"$real" "$@" | { IFS= read -r line; printf "%s\n" "$line"; kill -9 $$; }'
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	assert_success
	[ -e killed ]
	[[ $stderr == *"pgs-backfill: batch 2021-10-19..2021-10-19: pgs-write was killed (SIGKILL); running it again on its own"* ]]
	[[ $stderr == *"  failed     none"* ]]
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: 21 total, 21 done, 0 failed, 0 pending"
	[ "$(count "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary'")" -eq 21 ]
}

@test "pgs-backfill: a batch whose stage was killed is recorded failed in words ('pgs-write was killed (SIGKILL)'); the others go on" {
	ingest_sample
	shim pgs-write 'case " $* " in *" --from 2021-10-25 "*) kill -9 $$ ;; esac
exec "$real" "$@"'
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 --source "$SAMPLE/sample_2021-22.csv"
	assert_failure 3
	[[ $stderr == *"  failed     2021-10-25..2021-10-25  pgs-write was killed (SIGKILL)"$'\n'* ]]
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: 21 total, 20 done, 1 failed, 0 pending"
	assert_line --index 6 "failed:  2021-10-25..2021-10-25 after 1 attempt(s): pgs-write was killed (SIGKILL)"
}

@test "pgs-backfill: a window that fails mid-stream is named by its stage's words, even when they came before the window ahead of it was recorded" {
	ingest_sample
	# pgs-write's statistics held back until it has exited: its error is in
	# the stages' log before the good windows' lines reach pgs-run
	shim pgs-write 'PGS_FAULT_FAIL_WINDOW=${FAIL_FROM:-} "$real" "$@" >"$BATS_TEST_TMPDIR/held"
st=$?
cat "$BATS_TEST_TMPDIR/held"
exit $st'
	FAIL_FROM=2021-10-25 run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	assert_failure 3
	[[ $stderr == *"pgs-backfill: batch 2021-10-25..2021-10-25: pgs-write exited 3: store: disk I/O error (simulated); running it again on its own"* ]]
	[[ $stderr == *"  failed     2021-10-25..2021-10-25  pgs-write exited 3: store: disk I/O error (simulated)"$'\n'* ]]
}

@test "pgs-backfill --jobs 2 on a store: window streams over chunks of the plan, the table of --jobs 1" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 --job one
	assert_success
	one=$(dump_summary "$PGS_STORE")
	shim pgs-write 'echo "pgs-write $*" >>"$BATS_TEST_TMPDIR/calls"; exec "$real" "$@"'
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 --jobs 2 --restart --job two
	assert_success
	[[ $stderr == *"21/21 batches  21/21 days"* ]]
	# about four chunks a job: 21 batches in chunks of 3 (ceil(21 / 8)), 7 streams
	run grep -c '^pgs-write --windows ' calls
	assert_output 7
	[ "$(grep -c ' --from ' calls)" -eq 0 ]
	[ "$(dump_summary "$PGS_STORE")" = "$one" ]
	run pgs-checkpoint status --job two
	assert_line --index 1 "batches: 21 total, 21 done, 0 failed, 0 pending"
}

@test "pgs-backfill --jobs 1 from files: every batch reuses one set of files (no new file a batch); failures are still named" {
	ingest_sample
	mkdir t
	# what the run's temporary directory holds each time a batch starts
	shim pgs-write '(cd "$TMPDIR"/pgs-backfill.* && ls | tr "\n" " "; echo) >>"$BATS_TEST_TMPDIR/listing"
PGS_FAULT_FAIL_WINDOW=${FAIL_FROM:-} exec "$real" "$@"'
	FAIL_FROM=2021-10-25 TMPDIR=$BATS_TEST_TMPDIR/t run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 \
		--source "$SAMPLE/sample_2021-22.csv"
	assert_failure 3
	[[ $stderr == *"failed batches: 2021-10-25..2021-10-25"* ]]
	[[ $stderr == *"pgs-write: store: disk I/O error (simulated)"* ]]
	# 21 batches, the directory the same at each: one.log (the stages' diagnostics;
	# their statistics come through a pipe) and the run's own files
	[ "$(wc -l <listing)" -eq 21 ]
	[ "$(sort -u listing | wc -l)" -eq 1 ]
	[[ " $(head -n 1 listing) " == *" one.log "* ]]
	[ "$(grep -c '2021-' listing)" -eq 0 ]
	# and the run removed it
	[ -z "$(ls -A t)" ]
}

@test "pgs-backfill: re-running a finished job does nothing and changes nothing" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO"
	assert_success
	before=$(dump_summary "$PGS_STORE")

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO"
	assert_success
	assert_output ""
	assert_equal "$stderr" "pgs-backfill: job $JOB: nothing to do ($FROM..$TO already done)"
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
	[[ $stderr == *"summary of job $JOB (dry run: nothing committed)"* ]]
	[[ $stderr == *"$raw in: $raw inserted"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq 0 ]
	[ "$(count "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary'")" -eq 0 ]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$raw" ]
}

@test "pgs-backfill --dry-run does not write the registry either" {
	ingest_sample
	before=$(dump_registry "$PGS_STORE")
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --dry-run
	assert_success
	assert_equal "$(dump_registry "$PGS_STORE")" "$before"
}

@test "pgs-backfill --jobs 2 builds the same table as a sequential run" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --jobs 2
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
	[[ $stderr == *"batches    3 of 3 run, 0 failed, 0 refused"* ]]
	# players are registered in one pass in date order before the batches fan
	# out: ids, registry_status and the hashes over them agree with a sequential run
	parallel_dump=$(dump_summary "$PGS_STORE")

	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/seq.db" PGS_STATE_DIR="$BATS_TEST_TMPDIR/seq-state"
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	[ -n "$parallel_dump" ]
	[ "$(dump_summary "$PGS_STORE")" = "$parallel_dump" ]
	[ "$(count "SELECT count(*) FROM player_game_summary WHERE registry_status = 'new'")" -gt 0 ]
}

# --- resumed by content -------------------------------------------------------------

@test "pgs-backfill: a changed --prefer or aliases file redoes the job's windows; an unchanged re-run does nothing" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	before=$(dump_summary "$PGS_STORE")

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --prefer bbref
	assert_success
	[[ $stderr == *"pgs-backfill: job $JOB: 3 ledger windows are stale (3 made under another configuration, 0 older than raw rows landed or first games moved since): their days are planned again"* ]]
	[[ $stderr == *"pgs-backfill: 3/3 batches  21/21 days  "*"  3 stale windows redone"* ]]
	[[ $stderr == *"  stale      3 ledger windows redone"* ]]
	[ "$(dump_summary "$PGS_STORE")" = "$before" ]
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --prefer bbref
	assert_success
	[[ $stderr == *"nothing to do"* ]]

	# the aliases file counts by its content, not its name
	cp "$PGS_ROOT/pipelines/aliases.csv" my.csv
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --aliases my.csv
	[[ $stderr == *"3 ledger windows are stale (3 made under another configuration"* ]]
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --aliases my.csv
	[[ $stderr == *"nothing to do"* ]]
	echo 'Nate Williams,Jeenathan Williams' >>my.csv
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --aliases my.csv
	[[ $stderr == *"3 ledger windows are stale (3 made under another configuration"* ]]
}

@test "pgs-backfill: raw rows landed after a backfill of their dates redo those windows only" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	# one day landed again (a corrected box score)
	run --separate-stderr pgs-ingest --from 2021-10-27 --to 2021-10-27 "$SAMPLE"/*
	assert_success
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	[[ $stderr == *"1 ledger windows are stale (0 made under another configuration, 1 older than raw rows landed or first games moved since)"* ]]
	[[ $stderr == *"pgs-backfill: 1/1 batches  7/7 days"* ]]
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: 3 total, 3 done, 0 failed, 0 pending"
}

@test "pgs-backfill run before its raw rows were landed: says so (exit 3), marks nothing done; after the ingest the re-run fills the table" {
	# the store exists (another season is in it) but has no rows of these weeks yet
	run --separate-stderr pgs-ingest --from 2021-12-01 --to 2021-12-31 "$SAMPLE"/*
	assert_success
	run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_output ""
	[[ $stderr == "pgs-backfill: no raw rows for $FROM..$TO in the store's raw_boxscores: nothing to backfill; land them first"* ]]
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: 3 total, 0 done, 0 failed, 3 pending"
	ingest_sample
	raw=$(count "SELECT count(*) FROM raw_boxscores WHERE game_date BETWEEN '$FROM' AND '$TO'")
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	[[ $stderr == *"pgs-backfill: 3/3 batches  21/21 days"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$raw" ]
}

# --- exit codes -------------------------------------------------------------------

@test "pgs-backfill: a failed batch is recorded, the others go on, exit 3; resume re-runs it" {
	ingest_sample
	raw=$(count "SELECT count(*) FROM raw_boxscores")
	failing_write

	FAIL_FROM=2021-10-28 run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_output ""
	[[ $stderr == *"pgs-write: store: disk I/O error (simulated)"* ]]
	[[ $stderr == *"3/3 batches  21/21 days"*"  1 failed"* ]]
	[[ $stderr == *"  batches    3 of 3 run, 1 failed, 0 refused"* ]]
	[[ $stderr == *"  failed     2021-10-28..2021-11-06  pgs-write exited 3: store: disk I/O error (simulated)"* ]]
	assert_equal "$(tail -n 1 <<<"$stderr")" "pgs-backfill: failed batches: 2021-10-28..2021-11-06 (re-run to retry them)"
	run pgs-checkpoint status --job "$JOB"
	assert_output --partial "failed:  2021-10-28..2021-11-06 after 1 attempt(s): pgs-write exited 3"

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_success
	[[ $stderr == *"1/1 batches"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq "$raw" ]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	[[ $stderr == *"nothing to do"* ]]
}

@test "pgs-backfill --jobs 2: one failed batch does not stop the others" {
	ingest_sample
	failing_write
	FAIL_FROM=2021-10-18 run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 5 --jobs 2
	[[ $stderr == *"batches    5 of 5 run, 1 failed, 0 refused"* ]]
	[[ $stderr == *"failed     2021-10-18..2021-10-22  pgs-write exited 3"* ]]
	run pgs-checkpoint status --job "$JOB"
	assert_line --index 1 "batches: 5 total, 4 done, 1 failed, 0 pending"
}

@test "pgs-backfill --halt-on-error stops at the first failed batch, with --jobs 1 and 2" {
	ingest_sample
	failing_write
	FAIL_FROM=2021-10-18 run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10 \
		--halt-on-error
	[[ $stderr == *"1/3 batches"* ]]
	[[ $stderr != *"2/3 batches"* ]]
	[[ $stderr == *"failed batches: 2021-10-18..2021-10-27"* ]]
	[[ $stderr == *"stopped at the first batch that did not succeed (--halt-on-error)"* ]]

	# in parallel the batches already running finish; no new one starts
	FAIL_FROM=2021-10-18 run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 2 \
		--halt-on-error --jobs 2 --job halting
	[[ $stderr == *"failed batches: 2021-10-18..2021-10-19"* ]]
	run pgs-checkpoint status --job halting --json
	[ "$(jq .batches_pending <<<"$output")" -gt 0 ]
}

@test "pgs-backfill: the shrink guard refuses a batch (exit 4), named in the summary; the table keeps its rows" {
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10
	assert_success
	before=$(dump_summary "$PGS_STORE")
	count "DELETE FROM raw_boxscores WHERE game_date BETWEEN '2021-10-28' AND '2021-10-30'"

	run -4 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 10 --restart
	[[ $stderr == *"3/3 batches  21/21 days  "*"  1 refused"* ]]
	[[ $stderr == *"  batches    3 of 3 run, 0 failed, 1 refused"* ]]
	[[ $stderr == *"  refused    2021-10-28..2021-11-06  refused by pgs-write's shrink guard"* ]]
	assert_equal "$(tail -n 1 <<<"$stderr")" "pgs-backfill: refused batches: 2021-10-28..2021-11-06 (nothing written; see the summary)"
	[ "$(dump_summary "$PGS_STORE")" = "$before" ]
	run pgs-checkpoint status --job "$JOB"
	assert_output --partial "refused: 2021-10-28..2021-11-06 after 1 attempt(s): refused by pgs-write's shrink guard"
	run pgs-checkpoint plan --job "$JOB" --from "$FROM" --to "$TO" --batch-days 10
	assert_output $'2021-10-28\t2021-11-06'
}

@test "pgs-backfill: fencing refuses the batches of an older run (exit 4)" {
	ingest_sample
	# a run that started in the future has written the first week
	future=$(( $(date +%s) * 1000000 + 86400000000 ))
	pgs-extract --source "$PGS_STORE" --from 2021-10-18 --to 2021-10-24 | pgs-resolve --register |
		pgs-transform | pgs-write --from 2021-10-18 --to 2021-10-24 --run-id later --run-started "$future" >/dev/null

	run -4 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7 --restart
	[[ $stderr == *"  refused    2021-10-18..2021-10-24  refused by pgs-write's fencing (a newer run has written these dates)"* ]]
	[[ $stderr == *"batches    3 of 3 run, 0 failed, 1 refused"* ]]
}

@test "pgs-backfill: rows rejected by a stage: exit 1; a refusal and a failure together: exit 4" {
	ingest_sample
	shim pgs-transform '"$real" "$@"; s=$?; [ "$s" -ne 0 ] || s=1; exit "$s"'
	run -1 --separate-stderr pgs-backfill --from "$FROM" --to "$TO"
	[[ $stderr == *"failed     none"* ]]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --restart --job again
	[ "$status" -eq 1 ]
	rm "$BATS_TEST_TMPDIR/shim/pgs-transform"
	count "DELETE FROM raw_boxscores WHERE game_date BETWEEN '2021-10-25' AND '2021-10-31'"
	failing_write
	FAIL_FROM=2021-10-18 run -4 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --restart
	[[ $stderr == *"batches    3 of 3 run, 1 failed, 1 refused"* ]]
	[[ $stderr == *"failed batches: 2021-10-18..2021-10-24 (re-run to retry them)"* ]]
	[[ $stderr == *"refused batches: 2021-10-25..2021-10-31"* ]]
}

@test "pgs-backfill passes its aliases.csv to pgs-resolve; --aliases, --prefer, --lines reach their stage" {
	ingest_sample
	for t in pgs-resolve pgs-transform; do
		shim "$t" "echo \"$t \$*\" >>\"$BATS_TEST_TMPDIR/args.log\"; exec \"\$real\" \"\$@\""
	done
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 7
	assert_success
	# one registration pass over the whole range, then one stream of the batches
	run grep -c "^pgs-resolve .*--register --aliases $PGS_ROOT/pipelines/aliases.csv\$" args.log
	assert_output 2
	run grep -c '^pgs-transform $' args.log
	assert_output 1

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
	assert_equal "$stderr" "pgs-backfill: cannot read 'nope.csv'"
}

@test "pgs-backfill: a corrupt job state says how to recover; --restart recovers" {
	ingest_sample
	mkdir -p "$PGS_STATE_DIR"
	printf '{"job":"%s","from":"2021-10-18","to"' "$JOB" >"$PGS_STATE_DIR/$JOB.json"
	run -3 --separate-stderr pgs-backfill --from "$FROM" --to "$TO"
	[[ $stderr == *"bad state file"*"'pgs-checkpoint reset --job $JOB' starts the job over"* ]]
	[[ $stderr == *"pgs-backfill: cannot plan job '$JOB' (--restart starts it over)"* ]]
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --restart
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
}

# --- interrupted --------------------------------------------------------------------

# start_backfill ARGS...: pgs-backfill in a session of its own (its pid is
# the session id), stderr to bf.log, in the background; sets pid.
start_backfill() {
	# (SIGINT back to its default: bash ignores it for commands run with &)
	TMPDIR=$BATS_TEST_TMPDIR setsid env --default-signal=INT pgs-backfill "$@" >/dev/null \
		2>"$BATS_TEST_TMPDIR/bf.log" &
	pid=$!
}

# The table of an uninterrupted run, in a store of its own.
clean_dump() {
	(
		export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/clean.db" PGS_STATE_DIR="$BATS_TEST_TMPDIR/clean-state"
		pgs-ingest --from "$FROM" --to "$TO" "$SAMPLE"/* >/dev/null
		pgs-backfill -q "$@" >/dev/null
		dump_summary "$PGS_STORE"
	)
}

@test "pgs-backfill: kill -9 of everything several times, resume: same table as an uninterrupted run" {
	ingest_sample
	# (a window a little slower: the kills land in the middle of the run)
	slow_shim pgs-write 0.03
	for _ in 1 2 3 4 5; do
		start_backfill --from "$FROM" --to "$TO" --batch-days 1
		ms=$((300 + RANDOM % 1200))
		sleep "$((ms / 1000)).$(printf '%03d' $((ms % 1000)))"
		# the whole session: the coordinator and the batch in flight
		pkill -9 -s "$pid" || true
		wait "$pid" || true
	done
	rm -r "$BATS_TEST_TMPDIR/shim"
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	[ "$status" -eq 0 ] || fail "the resume exited $status: $stderr"
	killed=$(dump_summary "$PGS_STORE")
	[ -n "$killed" ]

	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/clean.db" PGS_STATE_DIR="$BATS_TEST_TMPDIR/clean-state"
	ingest_sample
	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	assert_success
	[ "$(dump_summary "$PGS_STORE")" = "$killed" ]
}

@test "pgs-backfill --jobs 4: SIGTERM stops every worker, leaves no process; a re-run ends with a clean run's table" {
	ingest_sample
	shim pgs-transform 'sleep 0.3; exec "$real" "$@"'
	start_backfill --from "$FROM" --to "$TO" --batch-days 1 --jobs 4
	wait_progress 4
	kill -TERM "$pid"
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 143 ]
	no_process_left "$pid"
	grep -q "^pgs-backfill: interrupted by SIGTERM: batches in flight were stopped, nothing half-written; re-run to resume$" bf.log
	grep -q "^pgs-backfill: summary of job $JOB" bf.log
	run pgs-checkpoint status --job "$JOB" --json
	done_before=$(jq .days_done <<<"$output")
	[ "$done_before" -ge 4 ]
	[ "$done_before" -lt 21 ]

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 --jobs 4
	assert_success
	# the days still to do, less those whose windows were committed just
	# before the signal, which the plan takes from the ledger (at most one a worker)
	[[ $stderr =~ batches\ +([0-9]+)\ of\ ([0-9]+)\ run,\ 0\ failed ]]
	redone=${BASH_REMATCH[1]}
	[ "${BASH_REMATCH[2]}" -eq "$redone" ]
	[ "$redone" -le "$((21 - done_before))" ]
	[ "$redone" -ge "$((21 - done_before - 4))" ]
	rm -r "$BATS_TEST_TMPDIR/shim"
	[ "$(dump_summary "$PGS_STORE")" = "$(clean_dump --from "$FROM" --to "$TO" --batch-days 1 --jobs 4)" ]
}

@test "pgs-backfill: SIGINT to a sequential run stops the batch in flight; a re-run completes" {
	ingest_sample
	slow_shim pgs-write 0.3
	start_backfill --from "$FROM" --to "$TO" --batch-days 1
	wait_progress 2
	kill -INT "$pid" || { cat "$BATS_TEST_TMPDIR/bf.log"; false; }
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 130 ]
	no_process_left "$pid"
	grep -q "interrupted by SIGINT" bf.log

	run --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	assert_success
	rm -r "$BATS_TEST_TMPDIR/shim"
	[ "$(dump_summary "$PGS_STORE")" = "$(clean_dump --from "$FROM" --to "$TO" --batch-days 1)" ]
}

@test "pgs-backfill 2>&1 | head -n 1: the reader's exit stops the run quietly (141), nothing left running" {
	ingest_sample
	slow_shim pgs-write 0.2
	# every process of the run inherits fd 9, the write end of the witness's
	# pipe: the witness's cat ends when the last of them has exited
	exec 9> >(exec cat >witness)
	witness=$!
	set +e
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-backfill --from "$FROM" --to "$TO" --batch-days 1 2>&1 | head -n 1 >first
	st=("${PIPESTATUS[@]}")
	set -e
	exec 9>&-
	wait "$witness"
	[ "${st[0]}" -eq 141 ]
	[ "${st[1]}" -eq 0 ]
	run cat first
	assert_output --regexp '^pgs-backfill: 1/21 batches  1/21 days  [0-9]+ rows  [0-9]+ rows/s  eta [0-9:]+$'
	[ -z "$(pgrep -f "pgs-.*$BATS_TEST_TMPDIR" || true)" ]
}

# --- a correction landed during a run ------------------------------------------------

@test "a correction landed while a slow backfill runs: the window that missed it is stale, the next run brings it in" {
	ingest_sample
	day=2021-11-04
	pgs-extract --source "$PGS_STORE" --from "$day" --to "$day" | grep -v '"pgs_end"' >day.ndjson
	name=$(jq -r 'select(.points != null and .ft_attempts != null) | .player_name' day.ndjson | head -n 1)
	jq -c --arg n "$name" 'if .player_name == $n then .points += 2 | .ft_makes += 2 | .ft_attempts += 2 else . end' \
		day.ndjson >fixed.ndjson
	slow_shim pgs-write 0.4
	start_backfill --from "$FROM" --to "$TO" --batch-days 1
	wait_progress 1
	# the stream has read its windows (one query, all of them); the write of
	# $day begins seconds after this landing commits
	run -0 --separate-stderr pgs-ingest --from "$day" --to "$day" fixed.ndjson
	wait "$pid"
	rm -r "$BATS_TEST_TMPDIR/shim"
	summary_points() { count "SELECT sum(points) FROM player_game_summary WHERE game_date = '$day'"; }
	raw_points=$(count "SELECT sum(points) FROM raw_boxscores WHERE game_date = '$day'")
	# the backfill wrote what it read, from before the correction ...
	[ "$(summary_points)" -eq $((raw_points - 2)) ]
	# ... and its ledger says so: the window's watermark is older than the landing
	[ "$(count "SELECT count(*) FROM pgs_windows s WHERE s.tbl = 'player_game_summary' AND s.from_date = '$day'
		AND s.started_at < (SELECT max(committed_at) FROM pgs_windows r WHERE r.tbl = 'raw_boxscores'
		AND r.from_date <= '$day' AND r.to_date >= '$day')")" -eq 1 ]
	# so pgs-validate (pgs-daily's gap check) calls it stale, and the plan redoes it, alone
	run --separate-stderr pgs-validate --json --from "$FROM" --to "$TO"
	[ "$(jq -c .gaps <<<"$output")" = "[[\"$day\",\"$day\"]]" ]
	run -0 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	[[ $stderr == *" 1/1 batches "* ]]
	[ "$(summary_points)" -eq "$raw_points" ]
	run -0 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	[[ $stderr == *"nothing to do"* ]]
}

@test "a correction landed while a slow backfill runs, on PostgreSQL: the window that missed it is stale, the next run brings it in" {
	load pg/server
	reason=$(pg_skip_reason)
	[ -z "$reason" ] || skip "$reason"
	pg_start
	sch="corr$BATS_TEST_NUMBER"
	PGS_STORE=$(pg_fresh "$sch")
	export PGS_STORE
	ingest_sample
	day=2021-11-04
	pgs-extract --source "$PGS_STORE" --from "$day" --to "$day" | grep -v '"pgs_end"' >day.ndjson
	name=$(jq -r 'select(.points != null and .ft_attempts != null) | .player_name' day.ndjson | head -n 1)
	jq -c --arg n "$name" 'if .player_name == $n then .points += 2 | .ft_makes += 2 | .ft_attempts += 2 else . end' \
		day.ndjson >fixed.ndjson
	slow_shim pgs-write 0.4
	# each window committed at its marker, not in a group at the end
	PGS_GROUP_SECONDS=0 start_backfill --from "$FROM" --to "$TO" --batch-days 1
	wait_progress 1
	run -0 --separate-stderr pgs-ingest --from "$day" --to "$day" fixed.ndjson
	wait "$pid"
	rm -r "$BATS_TEST_TMPDIR/shim"
	summary_points() { pg_sql "SELECT sum(points) FROM \"$sch\".player_game_summary WHERE game_date = '$day'"; }
	raw_points=$(pg_sql "SELECT sum(points) FROM \"$sch\".raw_boxscores WHERE game_date = '$day'")
	[ "$(summary_points)" -eq $((raw_points - 2)) ]
	run --separate-stderr pgs-validate --json --from "$FROM" --to "$TO"
	[ "$(jq -c .gaps <<<"$output")" = "[[\"$day\",\"$day\"]]" ]
	run -0 --separate-stderr pgs-backfill --from "$FROM" --to "$TO" --batch-days 1
	[[ $stderr == *" 1/1 batches "* ]]
	[ "$(summary_points)" -eq "$raw_points" ]
}

# --- secrets ----------------------------------------------------------------------

teardown() {
	if [ -n "${PG_DIR:-}" ]; then
		pg_stop
	fi
}

@test "pgs-ingest and pgs-backfill --jobs 2 keep a store's password off command lines, messages and state" {
	load pg/server
	reason=$(pg_skip_reason)
	[ -z "$reason" ] || skip "$reason"
	pg_start
	uri=$(pg_fresh "bf$BATS_TEST_NUMBER")
	[[ $uri == *"$PG_PASSWORD"* ]]
	shim pgs-transform 'sleep 0.2; exec "$real" "$@"'
	# every command line of the pipelines' session, sampled while they run,
	# after the first instant in which a pipeline moves the URI into its
	# environment; pgs-extract is handed the store as its --source and masks
	# it itself
	watch_cmdlines() {
		local pid=$1 p
		sleep 0.2
		while kill -0 "$pid" 2>/dev/null; do
			for p in $(pgrep -s "$pid"); do
				{ tr '\0' ' ' <"/proc/$p/cmdline"; } 2>/dev/null | grep -v '^pgs-extract ' || true
				echo
			done
			sleep 0.05
		done
	}
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-ingest --store "$uri" --from "$FROM" --to "$TO" "$SAMPLE"/* \
		>ingest.out 2>ingest.err &
	pid=$!
	watch_cmdlines "$pid" >cmdlines
	wait "$pid"
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-backfill --store="$uri" --from "$FROM" --to "$TO" --batch-days 3 --jobs 2 \
		>bf.out 2>bf.err &
	pid=$!
	watch_cmdlines "$pid" >>cmdlines
	wait "$pid"
	[[ $(cat bf.err) == *"7/7 batches  21/21 days"* ]]
	[ "$(grep -c 'pgs-backfill\|pgs-write' cmdlines)" -gt 0 ]
	run grep -r -F "$PG_PASSWORD" cmdlines ingest.out ingest.err bf.out bf.err "$PGS_STATE_DIR"
	assert_failure
	assert_output ""
}

# --- order (issue 25) -----------------------------------------------------------

@test "pgs-backfill: a later range backfilled before an earlier one gives the clean run's table and registry: first games move earlier, and the days that called a player new are redone" {
	pgs-ingest -q --store sqlite:clean.db --from "$FROM" --to "$TO" "$SAMPLE"/* >/dev/null
	pgs-ingest -q --store sqlite:swap.db --from "$FROM" --to "$TO" "$SAMPLE"/* >/dev/null
	pgs-backfill -q --store sqlite:clean.db --from 2021-10-18 --to 2021-11-07
	pgs-backfill -q --store sqlite:swap.db --from 2021-10-24 --to 2021-11-07
	run -0 --separate-stderr pgs-backfill --store sqlite:swap.db --from 2021-10-18 --to 2021-11-01
	# the days outside the plan that named the players' old first games are redone
	[[ $stderr == *"pgs-backfill: 2021-10-24: a player's first game moved earlier; its rows there called him new: redoing it"* ]]
	diff <(dump_summary sqlite:clean.db) <(dump_summary sqlite:swap.db)
	registry() {
		sqlite3 "$1" "SELECT universal_player_id, player_lookup, player_full_name, first_game_id
			FROM players_registry ORDER BY 1"
	}
	diff <(registry clean.db) <(registry swap.db)
	[ "$(sqlite3 swap.db "SELECT count(*) FROM player_game_summary WHERE registry_status = 'new'")" -eq \
		"$(sqlite3 clean.db "SELECT count(*) FROM player_game_summary WHERE registry_status = 'new'")" ]
	# nothing is left stale
	run -0 --separate-stderr pgs-checkpoint plan --job again --from 2021-10-18 --to 2021-11-07 --store sqlite:swap.db
	[ -z "$output" ]
}
