#!/usr/bin/env bats
# shellcheck disable=SC2016,SC2154 # bash -c scripts expand their own "$1"; bats' run sets stderr_lines
# pipelines/pgs-daily, the cron entry: silent success, one line on failure,
# one run at a time, re-landed days redone (and only those), the config
# file, a minimal environment.  The source is a {date} URL template served
# on loopback by tests/http/server.py: a pgs-sample league (raw NDJSON) split
# by game_date into days/YYYY-MM-DD.ndjson.

load test_helper
load http/server

setup_file() {
	local root=$BATS_TEST_DIRNAME/..

	export SAMPLE="$BATS_FILE_TMPDIR/sample"
	PATH="$root/bin:$PATH" pgs-sample --seed 7 --scale 0.2 --format raw --to 2021-11-30 -o "$SAMPLE" >/dev/null
	WWW="$BATS_FILE_TMPDIR/www"
	mkdir -p "$WWW/days"
	awk -v dir="$WWW/days" '{ match($0, /"game_date":"[0-9-]+"/); print >(dir "/" substr($0, RSTART + 13, 10) ".ndjson") }' \
		"$SAMPLE"/*.ndjson
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
	LOG="$PGS_STATE_DIR/daily.log"
	DB="$BATS_TEST_TMPDIR/pgs.db"
	export PGS_HTTP_BACKOFF_MS=20 PGS_HTTP_RETRIES=1
	curl -sS -o /dev/null "$BASE/reset"
}

sql() {
	sqlite3 "$DB" "$1"
}

# Raw rows served for the days FROM..TO.
served() {
	local n=0 d=$1
	while [[ ! $d > $2 ]]; do
		[ ! -f "$WWW/days/$d.ndjson" ] || n=$((n + $(wc -l <"$WWW/days/$d.ndjson")))
		d=$(date -ud "$d +1 day" +%F)
	done
	echo "$n"
}

# --- usage ----------------------------------------------------------------------

@test "pgs-daily --help prints its Usage header; usage errors exit 2 and run nothing" {
	run -0 --separate-stderr pgs-daily --help
	assert_line --index 0 "Usage: pgs-daily [--date D] [--days-back N] [--store URI]"
	assert_output --partial "--days-back N"
	run -0 --separate-stderr pgs-daily -V
	assert_output "pgs-daily $(pgs-validate -V | cut -d' ' -f2)"

	run -2 --separate-stderr pgs-daily --bogus
	[ "$stderr" = "pgs-daily: unknown option '--bogus'"$'\n'"Try 'pgs-daily --help'." ]
	run -2 --separate-stderr pgs-daily --date 2021-02-30
	[[ $stderr == *"bad --date '2021-02-30' (want YYYY-MM-DD)"* ]]
	run -2 --separate-stderr pgs-daily --days-back 0
	[[ $stderr == *"bad --days-back '0'"* ]]
	run -2 --separate-stderr pgs-daily --format raw --source "$DAYS"
	[[ $stderr == *"--format belongs to a --source: give it after one"* ]]
	printf 'store = sqlite:x.db\nwhat ever\n' >bad.conf
	run -2 --separate-stderr pgs-daily --config bad.conf
	[[ $stderr == *"bad.conf:2: want 'key = value', not 'what ever'"* ]]
	printf 'colour = blue\n' >bad.conf
	run -2 --separate-stderr pgs-daily --config bad.conf
	[[ $stderr == *"bad.conf: unknown setting 'colour'"* ]]
	run -3 --separate-stderr pgs-daily --config nope.conf
	[[ $stderr == *"cannot read the config file 'nope.conf'"* ]]
	[ ! -e "$LOG" ] && [ ! -e "$DB" ]
}

# --- a day ---------------------------------------------------------------------------

@test "a daily run lands D-2..D, rebuilds them, validates: silent on success, all in the log" {
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS"
	assert_output ""
	[ -z "$stderr" ]
	rows=$(served 2021-10-19 2021-10-21)
	[ "$rows" -gt 100 ]
	[ "$(sql "SELECT count(*) FROM raw_boxscores")" -eq "$rows" ]
	[ "$(sql "SELECT count(*) FROM player_game_summary")" -eq "$rows" ]
	[ "$(sql "SELECT from_date || '..' || to_date FROM pgs_windows WHERE tbl = 'player_game_summary'")" = \
		"2021-10-19..2021-10-21" ]
	# appended and timestamped, every stage in it
	grep -q 'pgs-daily\[[0-9]*\]: start: day 2021-10-21, days 2021-10-19..2021-10-21' "$LOG"
	grep -q ': land source 1: pgs-ingest: summary of job daily-source1-2021-10-19-2021-10-21' "$LOG"
	grep -q ': validate 2021-10-19..2021-10-21: every check passed' "$LOG"
	grep -q ': done: 2021-10-21: landed 1 source for 2021-10-19..2021-10-21, rebuilt 3 days, 0 corrections, validation passed' "$LOG"
	[ "$(grep -cv '^[0-9]\{4\}-[0-9][0-9]-[0-9][0-9]T[0-9:]\{8\}[+-][0-9]\{4\} pgs-daily\[[0-9]*\]: ' "$LOG")" -eq 0 ]

	# -v: one line, on standard output; the log grows
	before=$(wc -l <"$LOG")
	run -0 --separate-stderr pgs-daily -v --date 2021-10-21 --source "$DAYS"
	assert_output "pgs-daily: 2021-10-21: landed 1 source for 2021-10-19..2021-10-21, rebuilt 3 days, 0 corrections, validation passed; log: $LOG"
	[ -z "$stderr" ]
	[ "$(wc -l <"$LOG")" -gt "$before" ]
	[ "$(grep -c ': start: day 2021-10-21' "$LOG")" -eq 2 ]
}

@test "a failing source: non-zero, one line naming the day, the source and the log; the others land" {
	run -3 --separate-stderr pgs-daily --date 2021-10-21 --source "$BASE/fault/404/days/{date}.ndjson"
	assert_output ""
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "pgs-daily: 2021-10-21: landing source 1 ($BASE/fault/404/days/{date}.ndjson) failed for 2021-10-19, 2021-10-20, 2021-10-21: pgs-extract exited 3: GET $BASE/fault/404/days/2021-10-19.ndjson: HTTP 404 Not Found; not landed yet (the next run tries again): 2021-10-19..2021-10-21; log: $LOG" ]
	grep -qF "FAILED: 2021-10-21: landing source 1" "$LOG"

	# a 500: the same, and a second, good source still lands and is rebuilt
	run -3 --separate-stderr pgs-daily --date 2021-10-21 --source "$BASE/fault/503/days/{date}.ndjson" \
		--source "$DAYS"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "pgs-daily: 2021-10-21: landing source 1 ($BASE/fault/503/days/{date}.ndjson) failed for 2021-10-19, 2021-10-20, 2021-10-21: pgs-extract exited 3: "*"HTTP 503 Service Unavailable (gave up after 1 retry); not landed yet (the next run tries again): 2021-10-19..2021-10-21; log: $LOG" ]]
	[ "$(sql "SELECT count(*) FROM player_game_summary")" -eq "$(served 2021-10-19 2021-10-21)" ]
}

@test "a token in a source URL never reaches the failure line or the log" {
	run -3 --separate-stderr pgs-daily --date 2021-10-21 --source "$BASE/fault/404/days/{date}.ndjson?token=s3cr3t"
	[[ $stderr == *"/fault/404/days/{date}.ndjson?token=***) failed for "* ]]
	[[ $stderr != *s3cr3t* ]]
	run grep -c s3cr3t "$LOG"
	assert_output 0
}

@test "days without games (404 with --allow-missing) are fine" {
	run -0 --separate-stderr pgs-daily --date 2021-10-16 --source "$DAYS" --allow-missing
	assert_output ""
	[ "$(sql "SELECT count(*) FROM raw_boxscores")" -eq 0 ]
}

@test "a validation threshold that fails: exit 4, one line naming the check" {
	run -4 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS" --min-players 30
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "pgs-daily: 2021-10-21: validation of 2021-10-19..2021-10-21 failed: players_per_game 2021"*" players listed (want 30..36) (and "*" more); log: $LOG" ]]
	grep -q ': validate 2021-10-19..2021-10-21: FAIL players_per_game ' "$LOG"
	# the rows are written all the same: validation reports, it does not undo
	[ "$(sql "SELECT count(*) FROM player_game_summary")" -gt 0 ]
}

@test "--schedule: validated against the league's schedule; a game of D no source has is the failure line (exit 4)" {
	cat "$SAMPLE"/*.ndjson | jq -c 'select(.game_date >= "2021-10-19" and .game_date <= "2021-10-21")' >days.ndjson
	"$PGS_ROOT/tests/helper/schedule-of-raw" <days.ndjson >sched.csv
	# every game there: the run passes, validated against the schedule
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source days.ndjson --schedule sched.csv
	[ -z "$stderr" ]
	grep -q ': validate 2021-10-19..2021-10-21: pgs-validate --json --from 2021-10-19 --to 2021-10-21 --schedule sched.csv' "$LOG"
	grep -q ': validate 2021-10-19..2021-10-21: every check passed' "$LOG"
	# a game of D that no source has (and one of the day before, which is not the headline)
	gone=$(jq -r 'select(.game_date == "2021-10-21") | .game_id' days.ndjson | sort -u | tail -1)
	before=$(jq -r 'select(.game_date == "2021-10-19") | .game_id' days.ndjson | sort -u | head -1)
	[ -n "$gone" ]
	[ -n "$before" ]
	jq -c --arg g "$gone" --arg b "$before" 'select(.game_id != $g and .game_id != $b)' days.ndjson >short.ndjson
	rm -f "$PGS_STATE_DIR"/daily-owed-*
	sql "DELETE FROM player_game_summary; DELETE FROM raw_boxscores; DELETE FROM pgs_windows"
	run -4 --separate-stderr pgs-daily --date 2021-10-21 --source short.ndjson --schedule sched.csv
	assert_output ""
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "pgs-daily: 2021-10-21: validation of 2021-10-19..2021-10-21 failed: schedule_games game $gone ("*", 2021-10-21"*") is scheduled but has no rows (and 1 more); log: $LOG" ]]
	grep -q ": validate 2021-10-19..2021-10-21: FAIL schedule_games game $before " "$LOG"
	# the same schedule from the config file; the command line's replaces it
	printf 'schedule = %s\n' "$BATS_TEST_TMPDIR/sched.csv" >daily.conf
	run -4 --separate-stderr pgs-daily --config daily.conf --date 2021-10-21 --source short.ndjson
	[[ $stderr == *"failed: schedule_games game $gone ("* ]]
	head -n 1 sched.csv >empty.csv
	run --separate-stderr pgs-daily --config daily.conf --date 2021-10-21 --source short.ndjson --schedule empty.csv
	[[ $stderr != *"schedule_games game $gone ("* ]]
	# without a schedule the missing game goes unseen: that is what the setting is for
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source short.ndjson
}

# --- one run at a time ------------------------------------------------------------------

@test "two runs at once: the second exits 4 with one 'already running' line; the first finishes" {
	hold_ingest
	PATH="$BATS_TEST_TMPDIR/shim:$PATH" pgs-daily --date 2021-10-21 --source "$DAYS" >first.out 2>first.err 3>&- &
	first=$!
	for _ in $(seq 300); do [ -e started ] && break; sleep 0.1; done
	[ -e started ]

	run -4 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS"
	touch release
	wait "$first"
	assert_output ""
	[ "$stderr" = "pgs-daily: 2021-10-21: already running (another pgs-daily holds $PGS_STATE_DIR/daily.lock); this run did nothing; log: $LOG" ]
	[ ! -s first.out ]
	[ ! -s first.err ]
	[ "$(sql "SELECT count(*) FROM player_game_summary")" -eq "$(served 2021-10-19 2021-10-21)" ]
	grep -q 'already running' "$LOG"
}

@test "a daily run that meets a later writer of its days is fenced, says so, overwrites nothing" {
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS"
	# another run, started an hour from now, has rewritten 2021-10-20 meanwhile
	future=$((($(date +%s) + 3600) * 1000000))
	pgs-extract --source "$PGS_STORE" --from 2021-10-20 --to 2021-10-20 | pgs-resolve --registry "$PGS_STORE" |
		pgs-transform | pgs-write --from 2021-10-20 --to 2021-10-20 --run-id later --run-started "$future" >/dev/null
	before=$(sql "SELECT count(*), max(committed_at) FROM pgs_windows")

	run -4 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "pgs-daily: 2021-10-21: rebuilding 2021-10-19..2021-10-21 was refused by fencing: a later run (a backfill?) committed these days; nothing was overwritten; log: $LOG" ]
	grep -q 'pgs-write: fenced: ' "$LOG"
	[ "$(sql "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary' AND committed_at > '${before#*|}'")" -eq 0 ]
}

# --- days owed -----------------------------------------------------------------------------

# flaky DAY...: a source in $WWW/flaky-N (N the test's number) that serves
# every day but the DAYs (a 404: exit 3 without --allow-missing); its URL
# template in FLAKY.
flaky() {
	local d
	FLAKY_DIR=$WWW/flaky-$BATS_TEST_NUMBER
	FLAKY="$BASE/flaky-$BATS_TEST_NUMBER/{date}.ndjson"
	rm -rf "$FLAKY_DIR"
	cp -r "$WWW/days" "$FLAKY_DIR"
	for d; do
		rm "$FLAKY_DIR/$d.ndjson"
	done
}

hits() {
	curl -sS "$BASE/stats" | jq --arg p "/flaky-$BATS_TEST_NUMBER/$1.ndjson" '.hits[$p] // 0'
}

@test "a day whose source failed is owed: every later run lands it again, whatever --days-back, then rebuilds it" {
	flaky 2021-10-20
	run -3 --separate-stderr pgs-daily --date 2021-10-21 --source "$FLAKY"
	assert_output ""
	[ "${#stderr_lines[@]}" -eq 1 ]
	[ "$stderr" = "pgs-daily: 2021-10-21: landing source 1 ($FLAKY) failed for 2021-10-20: pgs-extract exited 3: GET $BASE/flaky-$BATS_TEST_NUMBER/2021-10-20.ndjson: HTTP 404 Not Found; not landed yet (the next run tries again): 2021-10-20; log: $LOG" ]
	[ "$(sql "SELECT count(*) FROM raw_boxscores")" -eq $(($(served 2021-10-19 2021-10-21) - $(served 2021-10-20 2021-10-20))) ]

	# the next day, one day back: 2021-10-20 is tried again, and still fails
	run -3 --separate-stderr pgs-daily --date 2021-10-22 --days-back 1 --source "$FLAKY"
	[ "${#stderr_lines[@]}" -eq 1 ]
	[[ $stderr == "pgs-daily: 2021-10-22: landing source 1 ($FLAKY) failed for 2021-10-20: "*"; not landed yet (the next run tries again): 2021-10-20; log: $LOG" ]]
	[ "$(hits 2021-10-20)" -ge 2 ]
	grep -q ': land source 1 for 2021-10-20..2021-10-20: ' "$LOG"
	grep -q ': owed by earlier runs: 2021-10-20; every source lands them again$' "$LOG"

	# the source is back: two days later, one day back, the day lands and is rebuilt
	cp "$WWW/days/2021-10-20.ndjson" "$FLAKY_DIR/"
	run -0 --separate-stderr pgs-daily -v --date 2021-10-24 --days-back 1 --source "$FLAKY"
	assert_output "pgs-daily: 2021-10-24: landed 1 source for 2021-10-20, 2021-10-24, rebuilt 2 days, 0 corrections, validation passed; log: $LOG"
	[ -z "$stderr" ]
	[ "$(sql "SELECT count(*) FROM raw_boxscores WHERE game_date = '2021-10-20'")" -eq "$(served 2021-10-20 2021-10-20)" ]
	[ "$(sql "SELECT count(*) FROM player_game_summary WHERE game_date = '2021-10-20'")" -eq "$(served 2021-10-20 2021-10-20)" ]
	# nothing owed any more, no job state left behind: the lock and the log
	run -0 ls "$PGS_STATE_DIR"
	assert_output $'daily.lock\ndaily.log'
	run -0 --separate-stderr pgs-daily -v --date 2021-10-25 --days-back 1 --source "$FLAKY"
	assert_output "pgs-daily: 2021-10-25: landed 1 source for 2021-10-25, rebuilt 1 days, 0 corrections, validation passed; log: $LOG"
}

@test "a provisional game (is_final false) is landed again and rebuilt by every later run, whatever --days-back, until final" {
	flaky
	jq -c '.is_final = false' "$WWW/days/2021-10-20.ndjson" >"$FLAKY_DIR/2021-10-20.ndjson"
	games=$(jq -r .game_id "$WWW/days/2021-10-20.ndjson" | sort -u | wc -l)
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source "$FLAKY"
	[ -z "$stderr" ]
	[ "$(sql "SELECT DISTINCT is_final FROM player_game_summary WHERE game_date = '2021-10-20'")" = 0 ]
	[ "$(sql "SELECT DISTINCT is_final FROM player_game_summary WHERE game_date <> '2021-10-20'")" = 1 ]
	# its own days are landed anyway: no second landing of them
	run -1 grep ': provisional: ' "$LOG"

	# still in progress three days later: landed again, rebuilt, still provisional
	run -0 --separate-stderr pgs-daily -v --date 2021-10-24 --days-back 1 --source "$FLAKY"
	assert_output "pgs-daily: 2021-10-24: landed 1 source for 2021-10-24, rebuilt 2 days ($games provisional games among them), 0 corrections, validation passed; log: $LOG"
	grep -q ": provisional: $games games not final on 2021-10-20: landed again and rebuilt$" "$LOG"
	[ "$(hits 2021-10-20)" -eq 2 ]
	[ "$(sql "SELECT DISTINCT is_final FROM player_game_summary WHERE game_date = '2021-10-20'")" = 0 ]

	# the source final: the next run, one day back, makes the rows final; the history keeps
	# the provisional ones
	cp "$WWW/days/2021-10-20.ndjson" "$FLAKY_DIR/"
	run -0 --separate-stderr pgs-daily -v --date 2021-10-25 --days-back 1 --source "$FLAKY"
	assert_output "pgs-daily: 2021-10-25: landed 1 source for 2021-10-25, rebuilt 2 days ($games provisional games among them), $(served 2021-10-20 2021-10-20) corrections in $games games, validation passed; log: $LOG"
	[ "$(hits 2021-10-20)" -eq 3 ]
	[ "$(sql "SELECT DISTINCT is_final FROM player_game_summary WHERE game_date = '2021-10-20'")" = 1 ]
	[ "$(sql "SELECT count(*) FROM player_game_summary_history WHERE game_date = '2021-10-20' AND is_final = 0")" -eq \
		"$(served 2021-10-20 2021-10-20)" ]
	[ "$(sql "SELECT count(*) FROM raw_boxscores WHERE is_final = 0")" -eq 0 ]

	# final: no run lands it again
	run -0 --separate-stderr pgs-daily -v --date 2021-10-26 --days-back 1 --source "$FLAKY"
	assert_output "pgs-daily: 2021-10-26: landed 1 source for 2021-10-26, rebuilt 1 days, 0 corrections, validation passed; log: $LOG"
	[ "$(hits 2021-10-20)" -eq 3 ]
}

@test "the days owed are the store's: another store with the same state directory owes nothing" {
	flaky 2021-10-20
	run -3 --separate-stderr pgs-daily --date 2021-10-21 --source "$FLAKY"
	run -0 --separate-stderr pgs-daily -v --date 2021-10-21 --store "sqlite:$BATS_TEST_TMPDIR/other.db" \
		--source "$FLAKY" --days-back 1
	assert_output "pgs-daily: 2021-10-21: landed 1 source for 2021-10-21, rebuilt 1 days, 0 corrections, validation passed; log: $LOG"
	# and the first store still owes it
	run -3 --separate-stderr pgs-daily --date 2021-10-22 --days-back 1 --source "$FLAKY"
	[[ $stderr == *"; not landed yet (the next run tries again): 2021-10-20; log: $LOG" ]]
}

@test "--forget-day gives an owed day up; a source whose URL was fixed lands what the wrong one owed" {
	flaky 2021-10-19 2021-10-20
	run -3 --separate-stderr pgs-daily --date 2021-10-21 --source "$FLAKY"
	[[ $stderr == *"; not landed yet (the next run tries again): 2021-10-19..2021-10-20; log: $LOG" ]]
	run -2 --separate-stderr pgs-daily --date 2021-10-22 --forget-day 2021-10-32 --source "$FLAKY"
	[[ $stderr == *"bad --forget-day '2021-10-32' (want YYYY-MM-DD)"* ]]
	run -3 --separate-stderr pgs-daily --date 2021-10-22 --days-back 1 --forget-day 2021-10-19 --source "$FLAKY"
	[[ $stderr == *"; not landed yet (the next run tries again): 2021-10-20; log: $LOG" ]]
	grep -q 'forget 2021-10-19 (--forget-day)' "$LOG"
	# the URL fixed: the right source lands the day the wrong one owed
	run -0 --separate-stderr pgs-daily -v --date 2021-10-23 --days-back 1 --source "$DAYS"
	assert_output "pgs-daily: 2021-10-23: landed 1 source for 2021-10-20, 2021-10-23, rebuilt 2 days, 0 corrections, validation passed; log: $LOG"
	[ "$(sql "SELECT count(*) FROM raw_boxscores WHERE game_date = '2021-10-19'")" -eq 0 ]
	[ "$(sql "SELECT count(*) FROM player_game_summary WHERE game_date = '2021-10-20'")" -eq "$(served 2021-10-20 2021-10-20)" ]
}

@test "a run of the same --date fetches its days again: that is how a correction is picked up by hand" {
	flaky
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --days-back 1 --source "$FLAKY"
	[ "$(hits 2021-10-21)" -eq 1 ]
	# the league corrects the day: two free throws more for one player
	name=$(jq -r 'select(.points != null and .ft_attempts != null) | .player_name' "$WWW/days/2021-10-21.ndjson" | head -n 1)
	jq -c --arg n "$name" 'if .player_name == $n then .points += 2 | .ft_makes += 2 | .ft_attempts += 2 else . end' \
		"$WWW/days/2021-10-21.ndjson" >"$FLAKY_DIR/2021-10-21.ndjson"
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --days-back 1 --source "$FLAKY"
	[ "$(hits 2021-10-21)" -eq 2 ]
	[ "$(sql "SELECT sum(points) FROM raw_boxscores WHERE game_date = '2021-10-21'")" -eq \
		"$(sql "SELECT sum(points) FROM player_game_summary WHERE game_date = '2021-10-21'")" ]
	[ "$(sql "SELECT sum(points) FROM raw_boxscores WHERE game_date = '2021-10-21'")" -eq \
		$(($(jq -s 'map(.points // 0) | add' "$WWW/days/2021-10-21.ndjson") + 2)) ]
}

# --- gaps and stale windows -------------------------------------------------------------

@test "a day re-landed with corrected stats is rebuilt by the next run, and only the days it must" {
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS"
	run -0 --separate-stderr pgs-daily --date 2021-10-24 --source "$DAYS"
	# the league corrects 2021-10-20 (outside the next run's three days): two free throws more
	jq -c 'if .player_name == "Jalen Thomas" then .points += 2 | .ft_makes += 2 | .ft_attempts += 2 else . end' \
		"$WWW/days/2021-10-20.ndjson" >fixed.ndjson
	old=$(sql "SELECT points FROM player_game_summary WHERE player_full_name = 'Jalen Thomas' AND game_date = '2021-10-20'")
	run -0 --separate-stderr pgs-ingest --from 2021-10-20 --to 2021-10-20 fixed.ndjson
	[ "$(jq .updated <<<"$output")" -eq 1 ]
	mark=$(sql "SELECT max(committed_at) FROM pgs_windows")

	run -0 --separate-stderr pgs-daily -v --date 2021-10-25 --source "$DAYS"
	# the correction's rows, counted and each one in the log
	n=$(pgs-diff --since "$mark" --from 2021-10-20 --to 2021-10-20 | grep -c ' updated: ')
	[ "$n" -gt 0 ]
	[ "$(grep -c ': correction: {"game_date":"2021-10-20",' "$LOG")" -eq "$n" ]
	assert_output "pgs-daily: 2021-10-25: landed 1 source for 2021-10-23..2021-10-25, rebuilt 4 days (1 gap among them), $n corrections in 1 game, validation passed; log: $LOG"
	# the ledger: this run wrote the summary of its own three days and of 2021-10-20, nothing else
	run sql "SELECT from_date || '..' || to_date FROM pgs_windows WHERE tbl = 'player_game_summary'
		AND committed_at > '$mark' ORDER BY from_date"
	assert_output $'2021-10-20..2021-10-20\n2021-10-23..2021-10-25'
	[ "$(sql "SELECT points FROM player_game_summary WHERE player_full_name = 'Jalen Thomas' AND game_date = '2021-10-20'")" -eq $((old + 2)) ]
	grep -q ': scan for gaps: 2021-10-20..2021-10-20$' "$LOG"

	# and the run after that has no gap left
	run -0 --separate-stderr pgs-daily -v --date 2021-10-25 --source "$DAYS"
	assert_output "pgs-daily: 2021-10-25: landed 1 source for 2021-10-23..2021-10-25, rebuilt 3 days, 0 corrections, validation passed; log: $LOG"
}

@test "a correction landed while a daily run rebuilds its days is not lost: its gap scan brings it in" {
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS"
	# a pgs-write of the summary that starts 3 s late: the rebuild's rows are
	# read, then the window begins
	mkdir -p shim
	cat >shim/pgs-write <<-EOF
	#!/bin/bash
	case " \$* " in
	*" raw_boxscores "*) ;;
	*) touch "$BATS_TEST_TMPDIR/write-started"; sleep 3 ;;
	esac
	exec "$PGS_ROOT/bin/pgs-write" "\$@"
	EOF
	chmod +x shim/pgs-write
	PATH="$BATS_TEST_TMPDIR/shim:$PATH" pgs-daily --date 2021-10-21 --source "$DAYS" >run.out 2>run.err 3>&- &
	daily=$!
	for _ in $(seq 300); do [ -e write-started ] && break; sleep 0.1; done
	[ -e write-started ]
	sleep 1
	# the league corrects 2021-10-20 meanwhile, landed by hand
	jq -c 'if .player_name == "Jalen Thomas" then .points += 2 | .ft_makes += 2 | .ft_attempts += 2 else . end' \
		"$WWW/days/2021-10-20.ndjson" >fixed.ndjson
	run -0 --separate-stderr pgs-ingest --from 2021-10-20 --to 2021-10-20 fixed.ndjson
	wait "$daily"
	[ ! -s run.out ]
	[ ! -s run.err ]
	summary() { sql "SELECT points FROM player_game_summary WHERE player_full_name = 'Jalen Thomas' AND game_date = '2021-10-20'"; }
	raw=$(sql "SELECT points FROM raw_boxscores WHERE player_name = 'Jalen Thomas' AND game_date = '2021-10-20'")
	# the rebuild wrote what it had read, from before the correction; its
	# window says so (its raw watermark), and the same run's gap scan finds
	# the day stale and rebuilds it
	grep -q ': scan for gaps: 2021-10-20..2021-10-20$' "$LOG"
	[ "$(summary)" -eq "$raw" ]
	# the next run lands the source's 2021-10-20 again, which still has the
	# old numbers: it undoes the hand correction, and counts what it undid
	mark=$(sql "SELECT max(committed_at) FROM pgs_windows")
	run -0 --separate-stderr pgs-daily -v --date 2021-10-21 --source "$DAYS"
	n=$(pgs-diff --since "$mark" --from 2021-10-19 --to 2021-10-21 | grep -c ' updated: ')
	[ "$n" -gt 0 ]
	assert_output "pgs-daily: 2021-10-21: landed 1 source for 2021-10-19..2021-10-21, rebuilt 3 days, $n corrections in 1 game, validation passed; log: $LOG"
	[ "$(summary)" -eq $((raw - 2)) ]
}

@test "a date with raw rows but no summary rows is a gap the next run fills" {
	run -0 --separate-stderr pgs-ingest --from 2021-10-19 --to 2021-10-20 "$SAMPLE"/*.ndjson
	run -0 --separate-stderr pgs-daily --date 2021-10-24 --days-back 1 --source "$DAYS"
	# 2021-10-24 is written again after the gap: its players' first games moved to 2021-10-19
	grep -q '2021-10-24: a player.s first game moved earlier' "$LOG"
	run sql "SELECT DISTINCT from_date || '..' || to_date FROM pgs_windows WHERE tbl = 'player_game_summary' ORDER BY 1"
	assert_output $'2021-10-19..2021-10-20\n2021-10-24..2021-10-24'
	# --gap-days bounds the search
	sql "DELETE FROM player_game_summary WHERE game_date = '2021-10-19'"
	run -0 --separate-stderr pgs-daily --date 2021-10-24 --days-back 1 --gap-days 3 --source "$DAYS"
	[ "$(sql "SELECT count(*) FROM player_game_summary WHERE game_date = '2021-10-19'")" -eq 0 ]
	run -0 --separate-stderr pgs-daily --date 2021-10-24 --days-back 1 --source "$DAYS"
	[ "$(sql "SELECT count(*) FROM player_game_summary WHERE game_date = '2021-10-19'")" -gt 0 ]
}

# --- configuration and environment --------------------------------------------------------

@test "the config file gives the settings; command-line options win, --source replaces its sources" {
	cat >daily.conf <<-EOF
	# a comment, and a blank line

	store = sqlite:$BATS_TEST_TMPDIR/conf.db
	days-back = 2
	source = $BASE/fault/404/days/{date}.ndjson
	format = raw
	min-players = 18
	EOF
	run -3 --separate-stderr pgs-daily --config daily.conf --date 2021-10-21
	[[ $stderr == *"landing source 1 ($BASE/fault/404/days/{date}.ndjson) failed for 2021-10-20, 2021-10-21: "* ]]

	# (the days the wrong source owes are landed too, by the right one)
	run -0 --separate-stderr pgs-daily --config daily.conf --date 2021-10-21 --days-back 1 --source "$DAYS"
	[ "$(sqlite3 conf.db "SELECT min(game_date) || '..' || max(game_date) FROM raw_boxscores")" = "2021-10-20..2021-10-21" ]
	grep -q ': land source 1 for 2021-10-20..2021-10-21: ' "$LOG"
	[ ! -e "$DB" ]

	# found by default under $XDG_CONFIG_HOME
	mkdir -p xdg/pgs
	printf 'store = sqlite:%s/xdg.db\nsource = %s\n' "$BATS_TEST_TMPDIR" "$DAYS" >xdg/pgs/daily.conf
	XDG_CONFIG_HOME=$BATS_TEST_TMPDIR/xdg run -0 --separate-stderr pgs-daily --date 2021-10-21
	[ "$(sqlite3 xdg.db "SELECT count(*) FROM player_game_summary")" -eq "$(served 2021-10-19 2021-10-21)" ]
}

@test "pgs-daily takes a backfill's options: the same settings make the same configuration digest" {
	run -0 --separate-stderr pgs-daily --date 2021-10-21 --source "$DAYS" --prefer bbref,nbacom \
		--http-timeout 10 --http-retries 2
	# a backfill of those days with the same settings has nothing to do
	run -0 --separate-stderr pgs-backfill --from 2021-10-19 --to 2021-10-21 --prefer bbref,nbacom
	assert_output ""
	[[ $stderr == *"nothing to do"* ]]
	# with others, the windows are stale
	run -0 --separate-stderr pgs-backfill --from 2021-10-19 --to 2021-10-21 --job other
	[[ $stderr != *"nothing to do"* ]]
	# the config file's likewise
	printf 'prefer = nbacom\nsource = %s\n' "$DAYS" >daily.conf
	run -0 --separate-stderr pgs-daily --config daily.conf --date 2021-10-21
	run -0 --separate-stderr pgs-backfill --from 2021-10-19 --to 2021-10-21 --prefer nbacom --job third
	[[ $stderr == *"nothing to do"* ]]
	run -2 --separate-stderr pgs-daily --date 2021-10-21 --prefer
	[[ $stderr == *"--prefer"* ]]
}

@test "works with env -i PATH=/usr/bin:/bin, no TTY, from any directory" {
	cat >cron.conf <<-EOF
	store = sqlite:$BATS_TEST_TMPDIR/cron.db
	state-dir = $BATS_TEST_TMPDIR/cron-state
	log = $BATS_TEST_TMPDIR/cron.log
	source = $DAYS
	allow-missing
	EOF
	run -0 --separate-stderr env -i PATH=/usr/bin:/bin bash -c 'cd / && "$1" --config "$2" --date 2021-10-21 </dev/null' \
		_ "$PGS_ROOT/pipelines/pgs-daily" "$BATS_TEST_TMPDIR/cron.conf"
	assert_output ""
	[ -z "$stderr" ]
	[ "$(sqlite3 cron.db "SELECT count(*) FROM player_game_summary")" -eq "$(served 2021-10-19 2021-10-21)" ]
	grep -q ': done: 2021-10-21: ' cron.log
	[ -e cron-state/daily.lock ]

	# without --date: yesterday in America/New_York
	yesterday=$(TZ=America/New_York date -d yesterday +%F)
	run -0 --separate-stderr env -i PATH=/usr/bin:/bin "$PGS_ROOT/pipelines/pgs-daily" --config cron.conf
	grep -q ": start: day $yesterday, " cron.log

	# no state directory to be found
	run -3 --separate-stderr env -i PATH=/usr/bin:/bin "$PGS_ROOT/pipelines/pgs-daily" --store "sqlite:$BATS_TEST_TMPDIR/x.db"
	[[ $stderr == *"no state directory: give --state-dir (or set PGS_STATE_DIR or HOME)"* ]]
}

@test "a game filed in the next day's body: exit 1, one line naming the rows skipped, their date and the fix" {
	misfile_game "$WWW"
	run -1 --separate-stderr pgs-daily --date 2021-10-21 --store "sqlite:$DB" --source "$BASE/misfiled/{date}.ndjson"
	assert_output ""
	[ "$stderr" = "pgs-daily: 2021-10-21: landing source 1 ($BASE/misfiled/{date}.ndjson) skipped $n rows filed under other days (2021-10-20: $n): pgs-ingest --fetch-around 1 lands them with their own days; log: $LOG" ]
	[ "$(sql "SELECT count(*) FROM raw_boxscores WHERE game_id = '$game'")" -eq 0 ]
}
