#!/usr/bin/env bats
# pipelines/pgs-ingest: files landed in one write, and a {date} URL template
# landed as a checkpointed job, day by day, from tests/http/server.py on
# loopback.  The served days are a small pgs-sample league (raw NDJSON) split
# by game_date into days/YYYY-MM-DD.ndjson, so every result can be compared
# with a direct ingest of the same rows.

# Each @test runs in a subshell of its own:
# shellcheck disable=SC2030,SC2031

load test_helper
load pipeline_helper
load http/server

# Ten days with games in the sample league (it starts on 2021-10-19).
FROM=2021-10-19
TO=2021-10-28

setup_file() {
	local root=$BATS_TEST_DIRNAME/..

	# the league, and one file per day of it under www/days/
	export SAMPLE="$BATS_FILE_TMPDIR/sample"
	PATH="$root/bin:$PATH" pgs-sample --seed 7 --scale 0.2 --format raw --to 2021-11-30 -o "$SAMPLE" >/dev/null
	WWW="$BATS_FILE_TMPDIR/www"
	mkdir -p "$WWW/days"
	awk -v dir="$WWW/days" '{ match($0, /"game_date":"[0-9-]+"/); print >(dir "/" substr($0, RSTART + 13, 10) ".ndjson") }' \
		"$SAMPLE"/*.ndjson

	# one loopback server for the file, as tests/pgs-http.bats runs it
	start_test_server "$WWW"
}

teardown_file() {
	stop_test_server
}

setup() {
	common_setup
	WWW="$BATS_FILE_TMPDIR/www"
	BASE="http://127.0.0.1:$(cat "$BATS_FILE_TMPDIR/port")"
	DAYS="$BASE/days/{date}.ndjson"
	JOB="ingest-$FROM-$TO"
	# fast retries unless a test says otherwise
	export PGS_HTTP_BACKOFF_MS=20
	curl -sS -o /dev/null "$BASE/reset"
}

# raw_boxscores of a store sorted by key, every column but seq (the row's
# place in its batch, which follows the batching), then the store read back
# in order by pgs-extract.
dump_raw() {
	sqlite3 "$(db_of "$1")" "SELECT source, game_id, team_abbr, player_name, game_date, minutes, points,
		row_digest, doc FROM raw_boxscores ORDER BY source, game_id, team_abbr, player_name"
	pgs-extract --source "$1" --from "$FROM" --to "$TO"
}

# The same rows landed straight from the league file, in a store of their own.
direct_store() {
	local store="sqlite:$BATS_TEST_TMPDIR/direct.db"
	PGS_STORE=$store pgs-ingest --from "$FROM" --to "$TO" "$SAMPLE"/*.ndjson >/dev/null
	echo "$store"
}

# hits PREFIX: the server's request count per path under PREFIX, "path n" lines
hits() {
	curl -sS "$BASE/stats" | jq -r --arg p "$1" '.hits | to_entries[] | select(.key | startswith($p))
		| "\(.key) \(.value)"' | sort
}

# done_days JOB: the days the job's state says are done, one per line
done_days() {
	jq -r '.done[] | [.[] | strptime("%Y-%m-%d") | mktime] | range(.[0]; .[1] + 1; 86400) |
		strftime("%Y-%m-%d")' "$PGS_STATE_DIR/$1.json" 2>/dev/null | sort
}

# --- usage ----------------------------------------------------------------------

@test "pgs-ingest --help shows the template options" {
	run --separate-stderr pgs-ingest --help
	assert_success
	assert_line --index 0 --partial "Usage: pgs-ingest [--store URI] [--from D] [--to D]"
	assert_output --partial "--batch-days N"
	assert_output --partial "--allow-missing"
	[ -z "$stderr" ]
}

@test "pgs-ingest template usage errors exit 2 and fetch nothing" {
	run -2 --separate-stderr pgs-ingest "$DAYS"
	assert_output ""
	[[ $stderr == *"pgs-ingest: a URL template SOURCE needs --from and --to"* ]]

	run -2 --separate-stderr pgs-ingest --from "$FROM" "$DAYS"
	[[ $stderr == *"needs --from and --to"* ]]

	run -2 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --batch-days 0 "$DAYS"
	[[ $stderr == *"bad --batch-days '0'"* ]]

	run -2 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$DAYS" -
	[[ $stderr == *"standard input ('-') cannot be read batch by batch"* ]]

	run -2 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --job x "$SAMPLE"/*.ndjson
	[[ $stderr == *"--batch-days, --job and --restart need a URL template SOURCE"* ]]

	run -2 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --games "$DAYS"
	[[ $stderr == *"no SOURCE given"* ]]

	assert_equal "$(hits /days/)" ""
	[ ! -e "$PGS_STATE_DIR" ]
}

@test "pgs-ingest: an unknown placeholder is pgs-extract's usage error, recorded as a failed batch" {
	run -3 --separate-stderr pgs-ingest --from "$FROM" --to "$FROM" "$BASE/days/{day}.ndjson"
	[[ $stderr == *"unknown placeholder '{day}'"* ]]
	[[ $stderr == *"failed batches: $FROM..$FROM"* ]]
}

@test "pgs-ingest -V prints the version; a bad flag, no source, bad dates exit 2" {
	run --separate-stderr pgs-ingest --version
	assert_success
	assert_output "pgs-ingest $(pgs-checkpoint -V | cut -d' ' -f2)"
	run -2 --separate-stderr pgs-ingest --bogus x.csv
	assert_equal "$stderr" "pgs-ingest: unknown option '--bogus'
Try 'pgs-ingest --help'."
	run -2 --separate-stderr pgs-ingest
	[[ $stderr == *"no SOURCE given"* ]]
	run -2 --separate-stderr pgs-ingest --from 2021-02-30 x.csv
	[[ $stderr == *"pgs-ingest: bad --from '2021-02-30': want YYYY-MM-DD"* ]]
	run -2 --separate-stderr pgs-ingest --from "$TO" --to "$FROM" x.csv
	[[ $stderr == *"--from $TO is after --to $FROM"* ]]
}

# --- files ----------------------------------------------------------------------

@test "pgs-ingest FILE...: one write, pgs-write's statistics on stdout, one progress line; again: unchanged" {
	run --separate-stderr pgs-ingest "$SAMPLE"/*.ndjson
	assert_success
	rows=$(count "SELECT count(*) FROM raw_boxscores")
	[ "$rows" -gt 1000 ]
	[ "$(jq -r .inserted <<<"$output")" -eq "$rows" ]
	first=$(count "SELECT min(game_date) FROM raw_boxscores")
	last=$(count "SELECT max(game_date) FROM raw_boxscores")
	[ "$(jq -r '"\(.from) \(.to)"' <<<"$output")" = "$first $last" ]
	[[ $stderr =~ ^pgs-ingest:\ 1/1\ batches\ \ [0-9]+/[0-9]+\ days\ \ $rows\ rows\ \ [0-9]+\ rows/s\ \ eta\ 0:00:00$ ]]

	run --separate-stderr pgs-ingest -q "$SAMPLE"/*.ndjson
	assert_success
	[ "$(jq -r .unchanged <<<"$output")" -eq "$rows" ]
	[ "$(jq -r .inserted <<<"$output")" -eq 0 ]
	assert_equal "$stderr" ""
}

@test "pgs-ingest FILE | head -n 1: the statistics line, and pgs-ingest's own status is 0" {
	set +e
	pgs-ingest -q --from "$FROM" --to "$TO" "$SAMPLE"/*.ndjson | head -n 1 >first
	st=("${PIPESTATUS[@]}")
	set -e
	assert_equal "${st[*]}" "0 0"
	[ "$(jq -r .table first)" = raw_boxscores ]
}

@test "pgs-ingest: a missing file exits 3 and writes nothing" {
	run -3 --separate-stderr pgs-ingest "$BATS_TEST_TMPDIR/nope.csv"
	assert_output ""
	[[ $stderr == *"nope.csv"* ]]
	[[ $stderr == *"pgs-ingest: pgs-extract failed (exit 3); nothing was written"* ]]
	[ "$(count "SELECT count(*) FROM raw_boxscores" 2>/dev/null || echo 0)" -eq 0 ]
}

@test "pgs-ingest FILE: the shrink guard's refusal is exit 4, with the statistics line" {
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$SAMPLE"/*.ndjson
	assert_success
	head -n 100 "$SAMPLE"/*.ndjson >few.ndjson
	run -4 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" few.ndjson
	[ "$(jq -r .refused <<<"$output")" = shrink ]
	[[ $stderr != *"1/1 batches"* ]]
}

# --- landing ----------------------------------------------------------------------

@test "pgs-ingest {date} over 10 days: one batch a day, same table as a direct ingest; again: nothing to do" {
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$DAYS"
	assert_success
	assert_output ""
	rows=$(count "SELECT count(*) FROM raw_boxscores")
	[ "$rows" -gt 1000 ]
	[[ $stderr == *"pgs-ingest: 1/10 batches  1/10 days"* ]]
	[[ $stderr == *"pgs-ingest: 10/10 batches  10/10 days  $rows rows"* ]]
	[[ $stderr == *"summary of job $JOB"* ]]
	[[ $stderr == *"rows       $rows in: $rows inserted, 0 updated, 0 unchanged, 0 deleted"* ]]
	[[ $stderr == *"failed     none"* ]]
	# each day fetched once
	run hits /days/
	assert_equal "${#lines[@]}" 10
	assert_equal "$(cut -d' ' -f2 <<<"$output" | sort -u)" 1

	direct=$(direct_store)
	[ "$(dump_raw "$PGS_STORE")" = "$(dump_raw "$direct")" ]

	run pgs-checkpoint status --job "$JOB"
	assert_output --partial "days:    10 of 10 done"

	curl -sS -o /dev/null "$BASE/reset"
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$DAYS"
	assert_success
	[[ $stderr == *"job $JOB: nothing to do"* ]]
	assert_equal "$(hits /days/)" ""
}

@test "pgs-ingest --batch-days 4 --job NAME --source-name: three batches, the same table" {
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --batch-days 4 --job weekly \
		--source-name sample "$DAYS"
	assert_success
	[[ $stderr == *"3/3 batches  10/10 days"* ]]
	[[ $stderr == *"summary of job weekly"* ]]
	[ "$(dump_raw "$PGS_STORE")" = "$(dump_raw "$(direct_store)")" ]
	assert_equal "$(hits /days/ | wc -l)" 10
}

@test "pgs-ingest --dry-run over a template commits nothing and marks nothing done" {
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --dry-run "$DAYS"
	assert_success
	[[ $stderr == *"(dry run: nothing committed)"* ]]
	[ "$(count "SELECT count(*) FROM raw_boxscores")" -eq 0 ]
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$DAYS"
	assert_success
	[[ $stderr == *"10/10 batches"* ]]
}

@test "pgs-ingest --restart fetches every day again; the rows stay the same" {
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$DAYS"
	assert_success
	rows=$(count "SELECT count(*) FROM raw_boxscores")
	before=$(dump_raw "$PGS_STORE")
	curl -sS -o /dev/null "$BASE/reset"
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --restart "$DAYS"
	assert_success
	[[ $stderr == *"$rows in: 0 inserted, 0 updated, $rows unchanged, 0 deleted"* ]]
	assert_equal "$(hits /days/ | wc -l)" 10
	[ "$(dump_raw "$PGS_STORE")" = "$before" ]
}

# --- interrupted, failed, missing ------------------------------------------------

@test "pgs-ingest: kill -9 mid-run, re-run: completes, same table, done days not fetched again" {
	# /fault/429/ makes every day's first GET wait a second (Retry-After: 1),
	# so the run is still going when a few days are done.
	# (its temporary directory, which kill -9 leaves behind, in the test's)
	TMPDIR=$BATS_TEST_TMPDIR setsid pgs-ingest --from "$FROM" --to "$TO" --job "$JOB" "$BASE/fault/429/days/{date}.ndjson" \
		>/dev/null 2>"$BATS_TEST_TMPDIR/killed.log" &
	pid=$!
	for _ in $(seq 300); do
		[ "$(done_days "$JOB" | wc -l)" -ge 3 ] && break
		sleep 0.1
	done
	kill -9 -- "-$pid"
	wait "$pid" || true
	done_days "$JOB" >done_before
	ndone=$(wc -l <done_before)
	[ "$ndone" -ge 3 ]
	[ "$ndone" -lt 10 ]
	# the days done are in the table, and only whole days are
	landed=$(count "SELECT count(DISTINCT game_date) FROM raw_boxscores")
	[ "$landed" -ge "$ndone" ]
	[ "$landed" -le $((ndone + 1)) ]

	# the same job from the plain path: only the days not done are fetched
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --job "$JOB" "$DAYS"
	assert_success
	[[ $stderr == *"$((10 - ndone))/$((10 - ndone)) batches"* ]]
	hits /days/ | cut -d' ' -f1 | sed 's|^/days/||; s|\.ndjson$||' >fetched
	assert_equal "$(wc -l <fetched)" $((10 - ndone))
	assert_equal "$(comm -12 done_before fetched)" ""
	[ "$(dump_raw "$PGS_STORE")" = "$(dump_raw "$(direct_store)")" ]
}

@test "pgs-ingest: a day whose body is cut fails its batch (exit 3), the others land; re-run after the fault: complete" {
	# a second, flaky mirror that has only one day, and cuts it; the other
	# days are 404 there, which --allow-missing lets pass
	CUT=2021-10-23
	mkdir -p "$WWW/flaky$BATS_TEST_NUMBER"
	cp "$WWW/days/$CUT.ndjson" "$WWW/flaky$BATS_TEST_NUMBER/"
	flaky="$BASE/fault/cut/flaky$BATS_TEST_NUMBER/{date}.ndjson"
	cut_rows=$(wc -l <"$WWW/days/$CUT.ndjson")

	run -3 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --allow-missing --http-retries 1 "$DAYS" "$flaky"
	assert_output ""
	[[ $stderr == *"10/10 batches  10/10 days"*"1 failed"* ]]
	[[ $stderr == *"failed     $CUT..$CUT  pgs-extract exited 3: GET $BASE/fault/cut/flaky$BATS_TEST_NUMBER/$CUT.ndjson: transfer closed with "*" bytes remaining to read (gave up after 1 retry)"* ]]
	[[ $stderr == *"pgs-ingest: failed batches: $CUT..$CUT (re-run to retry them)"* ]]
	direct=$(direct_store)
	[ "$(count "SELECT count(*) FROM raw_boxscores")" -eq $(($(sqlite3 "$(db_of "$direct")" \
		"SELECT count(*) FROM raw_boxscores") - cut_rows)) ]
	[ "$(count "SELECT count(*) FROM raw_boxscores WHERE game_date = '$CUT'")" -eq 0 ]
	run pgs-checkpoint status --job "$JOB"
	assert_output --partial "failed:  $CUT..$CUT"

	# the mirror drops the day: only that day is fetched again, and it lands
	rm "$WWW/flaky$BATS_TEST_NUMBER/$CUT.ndjson"
	curl -sS -o /dev/null "$BASE/reset"
	run --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --allow-missing --http-retries 1 "$DAYS" "$flaky"
	assert_success
	[[ $stderr == *"1/1 batches  1/1 days  $cut_rows rows"* ]]
	assert_equal "$(hits /days/)" "/days/$CUT.ndjson 1"
	[ "$(dump_raw "$PGS_STORE")" = "$(dump_raw "$direct")" ]
}

@test "pgs-ingest: a missing day is a failed batch, or with --allow-missing a done day without rows" {
	# 2021-10-17 and 2021-10-18 have no games: no file on the server
	run -3 --separate-stderr pgs-ingest --from 2021-10-17 --to 2021-10-20 --job gap "$DAYS"
	[[ $stderr == *"failed     2021-10-17..2021-10-17  pgs-extract exited 3: GET $BASE/days/2021-10-17.ndjson: HTTP 404 Not Found"* ]]
	[[ $stderr == *"failed batches: 2021-10-17..2021-10-17 2021-10-18..2021-10-18"* ]]
	rows=$(count "SELECT count(*) FROM raw_boxscores")
	[ "$rows" -gt 0 ]

	run --separate-stderr pgs-ingest --from 2021-10-17 --to 2021-10-20 --job gap --allow-missing "$DAYS"
	assert_success
	[[ $stderr == *"2/2 batches  2/2 days  0 rows"* ]]
	[[ $stderr == *"failed     none"* ]]
	[ "$(count "SELECT count(*) FROM raw_boxscores")" -eq "$rows" ]
	run pgs-checkpoint status --job gap
	assert_output --partial "days:    4 of 4 done"

	# the empty days stay done: nothing is fetched again
	curl -sS -o /dev/null "$BASE/reset"
	run --separate-stderr pgs-ingest --from 2021-10-17 --to 2021-10-20 --job gap --allow-missing "$DAYS"
	assert_success
	[[ $stderr == *"nothing to do"* ]]
	assert_equal "$(hits /days/)" ""
}

@test "pgs-ingest {game_id} with --games: one GET per game, the same table" {
	# one file per game, named by a made-up NBA game id, and the schedule
	# that lists them (a schedule's ids are NBA's, not pgs's canonical ones)
	mkdir -p "$WWW/games$BATS_TEST_NUMBER"
	cat "$WWW"/days/2021-10-{19,20,21}.ndjson |
		awk -v dir="$WWW/games$BATS_TEST_NUMBER" -v games=games.csv '
			BEGIN { print "game_id,game_date" >games }
			{
				match($0, /"game_id":"[^"]+"/)
				g = substr($0, RSTART + 11, RLENGTH - 12)
				if (!(g in id)) {
					id[g] = sprintf("00221%05d", ++n)
					print id[g] "," substr(g, 1, 4) "-" substr(g, 5, 2) "-" substr(g, 7, 2) >games
				}
				print >(dir "/" id[g] ".ndjson")
			}'
	ngames=$(($(wc -l <games.csv) - 1))

	run --separate-stderr pgs-ingest --from 2021-10-19 --to 2021-10-21 --games games.csv \
		"$BASE/games$BATS_TEST_NUMBER/{game_id}.ndjson"
	assert_success
	[[ $stderr == *"3/3 batches"* ]]
	assert_equal "$(hits "/games$BATS_TEST_NUMBER/" | wc -l)" "$ngames"
	export TO=2021-10-21
	[ "$(dump_raw "$PGS_STORE")" = "$(dump_raw "$(direct_store)")" ]
}

@test "pgs-ingest {date}: a batch the shrink guard refuses is named, the others land; exit 4" {
	run --separate-stderr pgs-ingest -q --from "$FROM" --to "$TO" "$DAYS"
	assert_success
	assert_equal "$stderr" ""
	# a mirror where one day lost most of its rows
	mkdir -p "$WWW/short$BATS_TEST_NUMBER"
	cp "$WWW"/days/*.ndjson "$WWW/short$BATS_TEST_NUMBER/"
	head -n 3 "$WWW/days/2021-10-22.ndjson" >"$WWW/short$BATS_TEST_NUMBER/2021-10-22.ndjson"
	before=$(dump_raw "$PGS_STORE")
	run -4 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --job mirror \
		"$BASE/short$BATS_TEST_NUMBER/{date}.ndjson"
	[[ $stderr == *"batches    10 of 10 run, 0 failed, 1 refused"* ]]
	[[ $stderr == *"  refused    2021-10-22..2021-10-22  refused by pgs-write's shrink guard"* ]]
	[[ $stderr == *"pgs-ingest: refused batches: 2021-10-22..2021-10-22 (nothing written; see the summary)"* ]]
	[ "$(dump_raw "$PGS_STORE")" = "$before" ]
	run pgs-checkpoint plan --job mirror --from "$FROM" --to "$TO" --batch-days 1 --table raw_boxscores
	assert_output $'2021-10-22\t2021-10-22'
}

# --- the store decides what is landed ----------------------------------------------------

@test "pgs-ingest {date}: the job's state is the store's: a new store with the same state directory lands again" {
	run -0 --separate-stderr pgs-ingest -q --from "$FROM" --to "$TO" "$DAYS"
	run -0 --separate-stderr env PGS_STORE="sqlite:$BATS_TEST_TMPDIR/new.db" pgs-ingest --from "$FROM" --to "$TO" "$DAYS"
	[[ $stderr == *"job $JOB: its state was kept for another store or source (sqlite:$BATS_TEST_TMPDIR/pgs.db): it starts afresh for sqlite:$BATS_TEST_TMPDIR/new.db"* ]]
	[[ $stderr == *"10/10 batches"* ]]
	[ "$(dump_raw "sqlite:$BATS_TEST_TMPDIR/new.db")" = "$(dump_raw "$PGS_STORE")" ]
	# the status counts that store's landing once, not both
	run -0 --separate-stderr pgs-checkpoint status --job "$JOB" --json
	[ "$(jq .days_done <<<"$output")" -eq 10 ]
	[ "$(jq .rows_in <<<"$output")" -eq "$(sqlite3 new.db "SELECT count(*) FROM raw_boxscores")" ]
}

@test "pgs-ingest {date}: days the state says landed but the store lost (restored from a backup) land again" {
	run -0 --separate-stderr pgs-ingest -q --from "$FROM" --to "$TO" "$DAYS"
	before=$(dump_raw "$PGS_STORE")
	# the store as it was before two of the days were landed
	count "DELETE FROM raw_boxscores WHERE game_date IN ('2021-10-21', '2021-10-24');
		DELETE FROM pgs_windows WHERE tbl = 'raw_boxscores' AND from_date IN ('2021-10-21', '2021-10-24')"
	curl -sS -o /dev/null "$BASE/reset"
	run -0 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$DAYS"
	[[ $stderr == *"job $JOB: 2 days its state says were landed are not in the store's ledger (a store restored from a backup, or another one): they are planned again"* ]]
	[[ $stderr == *"2/2 batches"* ]]
	run hits /days/
	assert_output $'/days/2021-10-21.ndjson 1\n/days/2021-10-24.ndjson 1'
	[ "$(dump_raw "$PGS_STORE")" = "$before" ]
	# a day without games stays done by the state alone: it leaves no ledger row
	run -0 --separate-stderr pgs-ingest --from 2021-10-10 --to 2021-10-11 --allow-missing "$DAYS"
	curl -sS -o /dev/null "$BASE/reset"
	run -0 --separate-stderr pgs-ingest --from 2021-10-10 --to 2021-10-11 --allow-missing "$DAYS"
	[[ $stderr == *"nothing to do"* ]]
	run hits /days/
	assert_output ""
}

@test "pgs-ingest {date}: a URL fixed is another source: its days are fetched, not taken as done" {
	run -3 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$BASE/dayz/{date}.ndjson"
	run -0 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --allow-missing "$BASE/dayz/{date}.ndjson"
	[ "$(count "SELECT count(*) FROM raw_boxscores")" -eq 0 ]
	# the typo fixed: the days are fetched, though the job of the range says done
	run -0 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$DAYS"
	[[ $stderr == *"10/10 batches"* ]]
	[ "$(dump_raw "$PGS_STORE")" = "$(dump_raw "$(direct_store)")" ]
	# a job named by --job is its name's: a mirror resumes it
	run -0 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --job named --allow-missing "$BASE/dayz/{date}.ndjson"
	run -0 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --job named "$DAYS"
	[[ $stderr == *"nothing to do"* ]]
}

# --- rows filed under another day (issue 25) ---------------------------------------

@test "pgs-ingest: a game filed in the next day's body is skipped, counted and named (exit 1); --fetch-around 1 lands it with its own day" {
	misfile_game "$WWW"
	run -1 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" "$BASE/misfiled/{date}.ndjson"
	[ -z "$output" ]
	[[ $stderr == *"pgs-extract: $n rows dated outside the window 2021-10-21..2021-10-21 were skipped, $n of them in the bodies fetched for its dates (2021-10-20: $n)"* ]]
	[ "$(sqlite3 "$(db_of "$PGS_STORE")" "SELECT count(*) FROM raw_boxscores WHERE game_id = '$game'")" -eq 0 ]
	run -0 --separate-stderr pgs-checkpoint status --job "$JOB" --json
	[ "$(jq -c '[.skipped_out_of_window, .skipped_misfiled, .skipped_dates]' <<<"$output")" = "[$n,$n,{\"2021-10-20\":$n}]" ]
	# the neighbours' bodies read too: the game lands on its own day, nothing is lost, exit 0
	run -0 --separate-stderr pgs-ingest --from "$FROM" --to "$TO" --fetch-around 1 --job around "$BASE/misfiled/{date}.ndjson"
	[ "$(sqlite3 "$(db_of "$PGS_STORE")" "SELECT count(*) FROM raw_boxscores WHERE game_id = '$game'")" -eq "$n" ]
	diff <(dump_raw "$PGS_STORE") <(dump_raw "$(direct_store)")
}
