#!/usr/bin/env bats
# The summary table's history through the real pipeline (SQLite), and the
# command lines of pgs-extract --table/--as-of and pgs-diff: their usage
# errors and failures.  Every store's behaviour: tests/conformance/history.bats.

load test_helper

setup() {
	common_setup
	S="sqlite:$BATS_TEST_TMPDIR/pgs.db"
	GAME="$PGS_ROOT/tests/fixtures/transform_game.ndjson"
	LINES="$PGS_ROOT/tests/fixtures/lines_game.ndjson"
}

# build RAW: transform RAW with the points lines and write its window.
build() {
	pgs-transform --lines "$LINES" --now 2024-01-20T00:00:00Z "$1" >sum.nd
	run --separate-stderr pgs-write --store "$S" --from 2024-01-10 --to 2024-01-12 --no-end-marker sum.nd
	assert_success
}

# The fixture corrected: Julius Randle made one more free throw (21 -> 22 points, line 21.5).
corrected() {
	jq -c 'if .player_name == "Julius Randle" and .source == "bbref" then .points += 1
	    | .ft_makes += 1 | .ft_attempts = ([.ft_attempts, .ft_makes] | max) else . end' "$GAME"
}

@test "a corrected box score: the history keeps the old row, the diff names the fields and the flipped over/under" {
	build "$GAME"
	pgs-extract --source "$S" --table player_game_summary --from 2024-01-10 --to 2024-01-12 >before.nd
	sleep 0.1
	between=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
	corrected >fixed.ndjson
	build fixed.ndjson
	assert_output --partial '"deleted":0'
	# the history: Randle's old row, and his teammates' (their team_points changed)
	sqlite3 "${S#sqlite:}" "SELECT player_lookup, points, over_under_result, reason
	    FROM player_game_summary_history WHERE player_lookup = 'juliusrandle'" >h
	[ "$(cat h)" = "juliusrandle|21|UNDER|updated" ]
	run --separate-stderr pgs-diff --store "$S" --since "$between" --json
	assert_success
	[ -z "$stderr" ]
	printf '%s\n' "$output" >diff.nd
	jq -e -s 'map(select(.player_lookup == "juliusrandle")) | length == 1 and
	    (.[0].fields | keys) == ["ft_makes", "margin", "over_under_result", "points",
	      "team_points", "ts_pct"] and .[0].fields.points == {"old": 21, "new": 22}
	    and .[0].fields.over_under_result == {"old": "UNDER", "new": "OVER"}
	    and .[0].over_under_flipped' diff.nd
	# everyone else of the game changed in the team's (or the opponent's) points alone
	jq -e -s 'map(select(.player_lookup != "juliusrandle")) | length > 0 and
	    all(.change == "updated" and ((.fields | keys) == ["team_points"]
	        or (.fields | keys) == ["opponent_points"]) and (.over_under_flipped | not))' diff.nd
	# --as-of between the two writes: the table the first write made, byte for byte
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary --from 2024-01-10 \
	    --to 2024-01-12 --as-of "$between"
	assert_success
	printf '%s\n' "$output" | cmp before.nd -
	# the text names the flip
	run --separate-stderr pgs-diff --store "$S" --since "$between" --from 2024-01-10 --to 2024-01-10
	assert_success
	assert_line --regexp '^2024-01-10 20240110_BOS_NYK juliusrandle updated: .*points 21 -> 22.*over_under_result "UNDER" -> "OVER".*\[over/under flipped\]$'
	# the 2024-01-12 game did not change, and --from/--to keep it out
	[[ $output != *2024-01-12* ]]
}

@test "pgs-extract --table and --as-of: usage errors (2) name the option; nothing on stdout" {
	build "$GAME"
	run -2 --separate-stderr pgs-extract --source "$S" --table players --from 2024-01-10 --to 2024-01-12
	[ -z "$output" ]
	[[ $stderr == *"unknown --table 'players' (known: raw_boxscores, player_game_summary)"* ]]
	run -2 --separate-stderr pgs-extract --source "$S" --table player_game_summary --from 2024-01-10 \
	    --to 2024-01-12 --as-of 2024-01-16T12:00:00
	[ -z "$output" ]
	[[ $stderr == *"bad --as-of '2024-01-16T12:00:00': want an ISO 8601 time with its zone"* ]]
	run -2 --separate-stderr pgs-extract --source "$S" --table player_game_summary --from 2024-01-10 \
	    --to 2024-01-12 --as-of yesterday
	[[ $stderr == *"bad --as-of 'yesterday'"* ]]
	run -2 --separate-stderr pgs-extract --source "$S" --from 2024-01-10 --to 2024-01-12 \
	    --as-of 2024-01-16T12:00:00Z
	[[ $stderr == *"--as-of reads the history of player_game_summary: add --table player_game_summary"* ]]
	run -2 --separate-stderr pgs-extract --table player_game_summary --from 2024-01-10 --to 2024-01-12 "$GAME"
	[[ $stderr == *"--table player_game_summary reads one store"* ]]
	run -2 --separate-stderr pgs-extract --source "$S" --table player_game_summary
	[[ $stderr == *"needs --from and --to"* ]]
	# --table raw_boxscores is the default, said out loud
	run --separate-stderr pgs-extract --source "$S" --table raw_boxscores --from 2024-01-10 --to 2024-01-12
	assert_success
	assert_output '{"pgs_end":{"tool":"pgs-extract","rows":0,"rejects":0,"from":"2024-01-10","to":"2024-01-12"}}'
}

@test "pgs-extract --table player_game_summary: a missing store is exit 3, a closed pipe quiet, /dev/full 3" {
	run -3 --separate-stderr pgs-extract --source "sqlite:$BATS_TEST_TMPDIR/none.db" \
	    --table player_game_summary --from 2024-01-10 --to 2024-01-12
	[ -z "$output" ]
	[[ $stderr == *none.db* ]]
	build "$GAME"
	run --separate-stderr bash -c "pgs-extract --source '$S' --table player_game_summary \
	    --from 2024-01-10 --to 2024-01-12 | head -1"
	assert_success
	[ -z "$stderr" ]
	[[ $output == '{"player_lookup":'* ]]
	run -3 --separate-stderr bash -c "pgs-extract --source '$S' --table player_game_summary \
	    --from 2024-01-10 --to 2024-01-12 >/dev/full"
	[ -n "$stderr" ]
}

@test "pgs-diff: usage errors (2), an unknown run and a missing store (3), --help" {
	run -2 --separate-stderr pgs-diff --store "$S"
	[[ $stderr == *"want --since TIME or --run RUN_ID (one of them)"* ]]
	run -2 --separate-stderr pgs-diff --store "$S" --since 2024-01-01T00:00:00Z --run r1
	[[ $stderr == *"one of them"* ]]
	run -2 --separate-stderr pgs-diff --store "$S" --since 2024-01-01
	[[ $stderr == *"bad --since '2024-01-01'"* ]]
	run -2 --separate-stderr pgs-diff --store "$S" --run r1 --until 2024-01-01T00:00:00Z
	[[ $stderr == *"--until goes with --since, not --run"* ]]
	run -2 --separate-stderr pgs-diff --store "$S" --run r1 --from 2024-01-01
	[[ $stderr == *"--from and --to go together"* ]]
	run -2 --separate-stderr pgs-diff --store "$S" --since 2024-02-01T00:00:00Z --until 2024-01-01T00:00:00Z
	[[ $stderr == *"is after --until"* ]]
	run -2 --separate-stderr pgs-diff --store "$S" --prune-history-days 30 --since 2024-01-01T00:00:00Z
	[[ $stderr == *"--prune-history-days is a command of its own"* ]]
	run -2 --separate-stderr pgs-diff --store "$S" --prune-history-days soon
	[[ $stderr == *"bad --prune-history-days 'soon'"* ]]
	run -3 --separate-stderr pgs-diff --store "sqlite:$BATS_TEST_TMPDIR/none.db" --run r1
	[ -z "$output" ]
	[ ! -e "$BATS_TEST_TMPDIR/none.db" ]
	build "$GAME"
	run -3 --separate-stderr pgs-diff --store "$S" --run no-such-run
	[ -z "$output" ]
	[[ $stderr == *"run 'no-such-run' committed no window of player_game_summary"* ]]
	# nothing changed since the write: no output, exit 0
	sleep 0.1
	run --separate-stderr pgs-diff --store "$S" --since "$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)"
	assert_success
	[ -z "$output" ]
	run --separate-stderr pgs-diff --help
	assert_success
	assert_line --index 0 'usage: pgs-diff --store URI (--since TIME [--until TIME] | --run RUN_ID) [--from D --to D] [--json]'
	[ -z "$stderr" ]
}

@test "pgs-diff: a write error on stdout is exit 3" {
	build "$GAME"
	corrected >fixed.ndjson
	build fixed.ndjson
	run -3 --separate-stderr bash -c "pgs-diff --store '$S' --since 2000-01-01T00:00:00Z >/dev/full"
	[ -n "$stderr" ]
}

@test "pgs-diff names the raw landing behind a change, per source" {
	# land the box scores, build the summary from the store; then the corrected landing and a rebuild
	land() {
		run --separate-stderr pgs-write --store "$S" --table raw_boxscores --from 2024-01-10 \
		    --to 2024-01-12 --no-end-marker --run-id "$2" "$1"
		assert_success
		pgs-extract --source "$S" --from 2024-01-10 --to 2024-01-12 |
			pgs-transform --lines "$LINES" --now 2024-01-20T00:00:00Z >sum.nd
		run --separate-stderr pgs-write --store "$S" --from 2024-01-10 --to 2024-01-12 --run-id "$3" sum.nd
		assert_success
	}
	land "$GAME" landing-1 build-1
	corrected >fixed.ndjson
	land fixed.ndjson landing-2 build-2
	run --separate-stderr pgs-diff --store "$S" --run build-2 --json
	assert_success
	jq -e -s 'map(select(.player_lookup == "juliusrandle"))[0] | .over_under_flipped
	    and (.landed | map([.source, .run])) == [["bbref", "landing-2"]]' <<<"$output"
	run --separate-stderr pgs-diff --store "$S" --run build-2
	assert_success
	assert_line --regexp '^2024-01-10 20240110_BOS_NYK juliusrandle updated: .*\[over/under flipped\]  \(landed: bbref 20[0-9-]+T[0-9:.]+Z\)$'
}
