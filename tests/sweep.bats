#!/usr/bin/env bats
# shellcheck disable=SC2016 # the SQL's quotes are SQL's
# pgs-daily --sweep-days S: the days D-S+1..D-N fetched again and compared
# with the raw rows stored; only the days whose rows changed are landed and
# rebuilt, one-day windows; the corrections counted and logged.  The source
# is a {date} URL template served on loopback by tests/http/server.py: a
# pgs-sample league split by game_date into days/YYYY-MM-DD.ndjson, which a
# test corrects in place (the file copied back in teardown).

load test_helper
load http/server
load pg/server
load bqemu/server

setup_file() {
	local root=$BATS_TEST_DIRNAME/..

	export SAMPLE="$BATS_FILE_TMPDIR/sample"
	PATH="$root/bin:$PATH" pgs-sample --seed 7 --scale 0.2 --format raw --to 2021-11-30 -o "$SAMPLE" >/dev/null
	WWW="$BATS_FILE_TMPDIR/www"
	mkdir -p "$WWW/days" "$BATS_FILE_TMPDIR/orig"
	awk -v dir="$WWW/days" '{ match($0, /"game_date":"[0-9-]+"/); print >(dir "/" substr($0, RSTART + 13, 10) ".ndjson") }' \
		"$SAMPLE"/*.ndjson
	cp "$WWW"/days/*.ndjson "$BATS_FILE_TMPDIR/orig/"
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

teardown() {
	cp "$BATS_FILE_TMPDIR"/orig/*.ndjson "$WWW/days/"
	[ -z "${PG_DIR:-}" ] || pg_stop
	bq_stop
}

sql() {
	sqlite3 "$DB" "$1"
}

# correct DAY PLAYER: the league corrects the player's line of DAY at the
# source: two free throws more; every other line stays byte for byte.
correct() {
	local f=$WWW/days/$1.ndjson
	grep -q "\"player_name\":\"$2\"" "$f"
	jq -c --arg p "$2" 'if .player_name == $p then .points += 2 | .ft_makes += 2 | .ft_attempts += 2 else . end' \
		"$f" >"$f.new"
	mv "$f.new" "$f"
}

# drop DAY: the league drops the first DNP row of DAY (a player listed by
# mistake); prints its game
drop() {
	local f=$WWW/days/$1.ndjson
	grep -m1 '"player_status":"dnp"' "$f" | jq -r .game_id
	awk '!done && /"player_status":"dnp"/ { done = 1; next } { print }' "$f" >"$f.new"
	mv "$f.new" "$f"
}

# the player's summary points on DAY
points() {
	sql "SELECT points FROM player_game_summary WHERE player_full_name = '$2' AND game_date = '$1'"
}

# A player of DAY: the first line's.
player() {
	head -1 "$WWW/days/$1.ndjson" | jq -r .player_name
}

@test "--sweep-days: a bad value is a usage error (exit 2) and runs nothing" {
	for bad in 0 -3 x 1.5 ''; do
		run -2 --separate-stderr pgs-daily --date 2021-10-30 --sweep-days "$bad" --source "$DAYS"
		[[ $stderr == *"bad --sweep-days '$bad' (want a positive integer)"* ]]
	done
	printf 'sweep-days = many\n' >bad.conf
	run -2 --separate-stderr pgs-daily --config bad.conf --date 2021-10-30 --source "$DAYS"
	[[ $stderr == *"bad --sweep-days 'many'"* ]]
	[ ! -e "$LOG" ] && [ ! -e "$DB" ]
}

@test "a sweep rebuilds only the days whose raw rows changed, keeps the old rows in the history, counts the corrections" {
	a=$(player 2021-10-26) b=$(player 2021-10-28)
	# a points line half a point above what the player of 2021-10-26 scored:
	# the correction's two points flip his bet from UNDER to OVER
	pa=$(jq -r --arg p "$a" 'select(.player_name == $p) | .points' "$WWW/days/2021-10-26.ndjson")
	printf '{"game_date":"2021-10-26","player_name":"%s","bookmaker":"dk","line":%s.5,"snapshot_at":"2021-10-26T18:00:00Z"}\n' \
		"$a" "$pa" >lines.ndjson
	# three weeks landed and built, then caught up to 2021-11-10
	run -0 --separate-stderr pgs-daily --date 2021-11-08 --days-back 21 --source "$DAYS" --lines lines.ndjson
	run -0 --separate-stderr pgs-daily --date 2021-11-10 --source "$DAYS" --lines lines.ndjson
	[ "$(sql "SELECT over_under_result FROM player_game_summary WHERE player_full_name = '$a' AND game_date = '2021-10-26'")" = UNDER ]
	old_a=$(points 2021-10-26 "$a") old_b=$(points 2021-10-28 "$b")
	# the league corrects two box scores of the week of 2021-10-25, and
	# drops a row of a game of 2021-11-02
	correct 2021-10-26 "$a"
	correct 2021-10-28 "$b"
	gone=$(drop 2021-11-02)
	mark=$(sql "SELECT max(committed_at) FROM pgs_windows")
	raw_before=$(sql "SELECT count(*) FROM raw_boxscores_history")
	rows_before=$(sql "SELECT count(*) FROM player_game_summary WHERE game_id = '$gone'")

	run -0 --separate-stderr pgs-daily -v --date 2021-11-10 --sweep-days 21 --source "$DAYS" --lines lines.ndjson
	[ -z "$stderr" ]
	line=$output
	# the three changed games, rebuilt alone; and this run's own three days
	assert_output --regexp "^pgs-daily: 2021-11-10: landed 1 source for 2021-11-08\.\.2021-11-10, swept 2021-10-21\.\.2021-11-07: 3 games changed on 3 days \(2021-10-26, 2021-10-28, 2021-11-02\), rebuilt 6 days \(3 swept\), [1-9][0-9]* corrections in 3 games \(1 over/under flipped\), validation passed; log: $LOG$"
	# the ledger: the raw rows of the three days landed again, nothing else of the sweep's
	run sql "SELECT from_date || '..' || to_date FROM pgs_windows WHERE tbl = 'raw_boxscores'
		AND committed_at > '$mark' AND from_date < '2021-11-08' ORDER BY from_date"
	assert_output $'2021-10-26..2021-10-26\n2021-10-28..2021-10-28\n2021-11-02..2021-11-02'
	# the summary: one-day windows of the three days, and the run's own days
	run sql "SELECT from_date || '..' || to_date FROM pgs_windows WHERE tbl = 'player_game_summary'
		AND committed_at > '$mark' ORDER BY from_date"
	assert_output $'2021-10-26..2021-10-26\n2021-10-28..2021-10-28\n2021-11-02..2021-11-02\n2021-11-08..2021-11-10'
	[ "$(points 2021-10-26 "$a")" -eq $((old_a + 2)) ]
	[ "$(points 2021-10-28 "$b")" -eq $((old_b + 2)) ]
	[ "$(sql "SELECT count(*) FROM player_game_summary WHERE game_id = '$gone'")" -eq $((rows_before - 1)) ]
	grep -q ": sweep source 1: changed: $gone of 2021-11-02$" "$LOG"
	# the history holds the old rows: the raw rows of the three days only (a
	# row dropped moves the landing order, seq, of the rows after it in its
	# day: they are kept too), the corrected ones with their old points, the
	# dropped one as deleted; and the summary's
	[ "$(sql "SELECT count(*) FROM raw_boxscores_history WHERE game_date NOT IN ('2021-10-26', '2021-10-28', '2021-11-02')")" -eq "$raw_before" ]
	[ "$(sql "SELECT points FROM raw_boxscores_history WHERE player_name = '$a' AND game_date = '2021-10-26' AND reason = 'updated'")" -eq "$old_a" ]
	[ "$(sql "SELECT count(*) FROM raw_boxscores_history WHERE game_date = '2021-10-28' AND reason = 'updated'")" -eq 1 ]
	[ "$(sql "SELECT count(*) FROM raw_boxscores_history WHERE game_id = '$gone' AND reason = 'deleted'")" -eq 1 ]
	[ "$(sql "SELECT count(*) FROM player_game_summary_history WHERE game_id = '$gone' AND reason = 'deleted'")" -eq 1 ]
	[ "$(sql "SELECT points FROM player_game_summary_history WHERE player_full_name = '$a'
		AND game_date = '2021-10-26' ORDER BY valid_to DESC LIMIT 1")" -eq "$old_a" ]
	# the corrections: as many as pgs-diff finds since the sweep began, each in the log
	n=$(grep -c ': correction: ' "$LOG")
	[ "$(pgs-diff --since "$mark" --from 2021-10-21 --to 2021-11-07 | grep -c -E ' (updated|deleted)')" -eq "$n" ]
	[[ $line == *", $n corrections in 3 games (1 over/under flipped),"* ]]
	grep ": correction: " "$LOG" | sed 's/^.*: correction: //' |
		jq -e -s --argjson a "$old_a" 'map(select(.game_date == "2021-10-26" and .change == "updated"
			and .fields.points == {old: $a, new: ($a + 2)} and .over_under_flipped)) | length == 1' >/dev/null
	[ "$(sql "SELECT over_under_result FROM player_game_summary WHERE player_full_name = '$a' AND game_date = '2021-10-26'")" = OVER ]
	grep -q ": sweep source 1: 3 of the days 2021-10-21..2021-11-07 changed: 2021-10-26 2021-10-28 2021-11-02$" "$LOG"
	# pgs-validate finds no stale window: the days not landed again are fresh
	run -0 --separate-stderr pgs-validate --json --from 2021-10-19 --to 2021-11-10
	[ "$(jq -c .gaps <<<"$output")" = "[]" ]

	# a sweep with nothing changed lands and rebuilds nothing of its days
	mark=$(sql "SELECT max(committed_at) FROM pgs_windows")
	run -0 --separate-stderr pgs-daily -v --date 2021-11-10 --sweep-days 21 --source "$DAYS" --lines lines.ndjson
	assert_output "pgs-daily: 2021-11-10: landed 1 source for 2021-11-08..2021-11-10, swept 2021-10-21..2021-11-07: nothing changed, rebuilt 3 days, 0 corrections, validation passed; log: $LOG"
	[ "$(sql "SELECT count(*) FROM pgs_windows WHERE committed_at > '$mark' AND to_date < '2021-11-08'")" -eq 0 ]
}

@test "a sweep whose source fails for a day fails (exit 3), lands and rebuilds nothing of its days, owes nothing" {
	run -0 --separate-stderr pgs-daily --date 2021-11-07 --days-back 14 --source "$DAYS"
	mark=$(sql "SELECT max(committed_at) FROM pgs_windows")
	mv "$WWW/days/2021-10-27.ndjson" gone.ndjson
	run -3 --separate-stderr pgs-daily --date 2021-11-07 --sweep-days 14 --source "$DAYS"
	mv gone.ndjson "$WWW/days/2021-10-27.ndjson"
	[[ $stderr == *"2021-11-07: sweeping source 1 ("*") failed: pgs-extract exited 3; log: $LOG" ]]
	[ "$(sql "SELECT count(*) FROM pgs_windows WHERE committed_at > '$mark' AND to_date < '2021-11-05'")" -eq 0 ]
	# nothing owed: the next sweep, the day back, finds nothing to do
	run -0 --separate-stderr pgs-daily -v --date 2021-11-07 --sweep-days 14 --source "$DAYS"
	assert_output "pgs-daily: 2021-11-07: landed 1 source for 2021-11-05..2021-11-07, swept 2021-10-25..2021-11-04: nothing changed, rebuilt 3 days, 0 corrections, validation passed; log: $LOG"
}

# The sweep compares the text of the rows a store gives back with the text
# fetched: every store must give back what was landed, byte for byte.
sweep_on() {
	local store=$1
	run -0 --separate-stderr pgs-daily --store "$store" --date 2021-10-25 --days-back 7 --source "$DAYS"
	run -0 --separate-stderr pgs-daily -v --store "$store" --date 2021-10-25 --sweep-days 7 --source "$DAYS"
	assert_output --partial ", swept 2021-10-19..2021-10-22: nothing changed, rebuilt 3 days, 0 corrections,"
	a=$(player 2021-10-20)
	correct 2021-10-20 "$a"
	run -0 --separate-stderr pgs-daily -v --store "$store" --date 2021-10-25 --sweep-days 7 --source "$DAYS"
	assert_output --regexp ", swept 2021-10-19\.\.2021-10-22: 1 game changed on 1 day \(2021-10-20\), rebuilt 4 days \(1 swept\), [1-9][0-9]* corrections in 1 game,"
}

@test "on PostgreSQL, a sweep finds what changed, and only that" {
	reason=$(pg_skip_reason)
	[ -z "$reason" ] || skip "$reason"
	pg_start
	sweep_on "$(pg_fresh sweep)"
}

@test "on the BigQuery emulator, a sweep finds what changed, and only that" {
	reason=$(bq_skip_reason)
	[ -z "$reason" ] || skip "$reason"
	bq_start
	sweep_on "$(bq_fresh sweep)"
}
