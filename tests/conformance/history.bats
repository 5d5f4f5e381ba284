#!/usr/bin/env bats
# Store conformance, the summary table's history: the same tests on every
# backend (PGS_TEST_STORE=sqlite|postgres|bigquery; see store.bash).  A window
# write keeps what it changes or deletes in player_game_summary_history, in
# its transaction; pgs-extract --as-of and pgs-diff read it back.

load ../test_helper
load store

setup() {
	store_skip_unless_ready
	common_setup
	S=$(store_fresh h)
	export PGS_STORE=$S
	W=(--from 2023-10-01 --to 2023-10-05)
}

# summary FIRST LAST [POINTS]: rows for players FIRST..LAST over five game
# days, each with a points line of 11.5 and its result.
summary() {
	# shellcheck disable=SC2016 # $p is jq's: the row's points
	summary_rows "$1" "$2" "${3:-10}" '{points_line: 11.5, points_line_source: "test",
	    over_under_result: (if $p > 11.5 then "OVER" else "UNDER" end), margin: ($p - 11.5)}'
}

# write FILE [OPTIONS...]: a marked batch through pgs-write, expecting success.
write() {
	local f=$1
	shift
	{ cat "$f"; printf '{"pgs_end":{"tool":"test","rows":%d}}\n' "$(grep -c . "$f")"; } >"$f.m"
	run --separate-stderr pgs-write "${W[@]}" --allow-shrink 50 "$@" "$f.m"
	assert_success
}

# The history as "player|points|reason|window" lines, sorted.
history() {
	dump "$S" player_game_summary_history player_lookup points reason window_from window_to |
		jq -r 'join("|")' | sort
}

# The first batch, then the correction: player3 scores 14 (UNDER -> OVER), player10 is gone.
# $between: a time between the two commits.
correct() {
	summary 1 10 >a.nd
	write a.nd
	sleep 0.1
	between=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
	sleep 0.1
	jq -c 'if .player_lookup == "player3" then .points = 14 | .over_under_result = "OVER"
	    | .margin = 2.5 else . end' a.nd | grep -v '"player10"' >b.nd
	write b.nd
}

# The jobs the BigQuery emulator ran so far (its request log).
njobs() {
	bq_requests | jq -s '[.[] | select(.kind != null and .status == 200 and (.api | startswith("jobs.")))] | length'
}

@test "history: an update and a delete keep exactly the old rows, with their reasons and window" {
	[ "$PGS_TEST_STORE" != bigquery ] || before=$(njobs)
	correct
	assert_output --partial '"updated":1,"unchanged":8,"deleted":1'
	# on BigQuery the history costs no job: the correction is a load, an inspection and one
	# commit script, as a write was before pgs kept history (the first write: 4, with the
	# version row's insert)
	[ "$PGS_TEST_STORE" != bigquery ] || [ "$(($(njobs) - before))" -eq 7 ]
	[ "$(history)" = "player10|10|deleted|2023-10-01|2023-10-05
player3|10|updated|2023-10-01|2023-10-05" ]
	# the new version begins when the old one ends: valid_to, the ledger's commit time
	dump "$S" player_game_summary_history superseded_by_run | sort -u >runs
	[ "$(grep -c . runs)" -eq 1 ]
}

@test "history: the same data again, a dry run, or a write a guard refuses adds no history" {
	correct
	history >before
	write b.nd
	assert_output --partial '"updated":0,"unchanged":9,"deleted":0'
	summary 1 10 20 >c.nd
	write c.nd --dry-run
	assert_output --partial '"updated":9'
	# the shrink guard (exit 4): the table and its history stay as they were
	summary 1 2 20 >d.nd
	{ cat d.nd; echo '{"pgs_end":{"tool":"test","rows":2}}'; } >d.m
	run -4 --separate-stderr pgs-write "${W[@]}" d.m
	assert_output --partial '"refused":"shrink"'
	history >after
	diff before after
}

@test "history: --as-of before the correction prints the table as a write made before it" {
	summary 1 10 >a.nd
	write a.nd
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary "${W[@]}"
	assert_success
	printf '%s\n' "$output" >then.nd
	sleep 0.1
	t=$(date -u +%Y-%m-%dT%H:%M:%S.%6NZ)
	sleep 0.1
	jq -c 'if .player_lookup == "player3" then .points = 14 | .over_under_result = "OVER"
	    | .margin = 2.5 else . end' a.nd | grep -v '"player10"' >b.nd
	write b.nd
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary "${W[@]}" --as-of "$t"
	assert_success
	printf '%s\n' "$output" >asof.nd
	cmp then.nd asof.nd
	grep -q '"player_lookup":"player10"' asof.nd
	# a store that only ever saw the first batch prints the same bytes
	S2=$(store_fresh h2)
	{ cat a.nd; printf '{"pgs_end":{"tool":"test","rows":10}}\n'; } >a.m
	run --separate-stderr pgs-write --store "$S2" "${W[@]}" a.m
	assert_success
	run --separate-stderr pgs-extract --source "$S2" --table player_game_summary "${W[@]}"
	printf '%s\n' "$output" >fresh.nd
	cmp fresh.nd asof.nd
	# and now: the correction, without player10
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary "${W[@]}"
	assert_success
	[[ "$output" == *'"player_lookup":"player3"'*'"points":14'* ]]
	[[ "$output" != *'"player10"'* ]]
	[[ "${lines[-1]}" == '{"pgs_end":{"tool":"pgs-extract","rows":9,'* ]]
}

@test "history: pgs-diff names exactly the changed fields and flags the over/under" {
	correct
	run --separate-stderr pgs-diff --store "$S" --since "$between" --json
	assert_success
	[ -z "$stderr" ]
	assert_equal "${#lines[@]}" 2
	jq -e -s '.[0].player_lookup == "player10" and .[0].change == "deleted"' <<<"$output"
	jq -e -s '.[1].player_lookup == "player3" and .[1].change == "updated"
	    and (.[1].fields | keys) == ["margin", "over_under_result", "points"]
	    and .[1].fields.points == {"old": 10, "new": 14}
	    and .[1].fields.over_under_result == {"old": "UNDER", "new": "OVER"}
	    and .[1].over_under_flipped == true' <<<"$output"
	# by run: the correction's run id, from the history
	run_id=$(dump "$S" player_game_summary_history superseded_by_run | jq -r '.[0]' | head -1)
	run --separate-stderr pgs-diff --store "$S" --run "$run_id"
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 1 --regexp '^2023-10-04 20231004_BOS_NYK player3 updated: .*points 10 -> 14.*\[over/under flipped\]$'
	# the first write, by its own run, inserted every row
	first=$(dump "$S" pgs_windows run_id | jq -r '.[0]' | grep -v "^$run_id$" | head -1)
	run --separate-stderr pgs-diff --store "$S" --run "$first"
	assert_success
	assert_equal "$(grep -c ' inserted$' <<<"$output")" 10
}

@test "history: --prune-history-days keeps recent versions and drops old ones" {
	correct
	run --separate-stderr pgs-diff --store "$S" --prune-history-days 1 --json
	assert_success
	jq -e '.pruned == 0' <<<"$output"
	[ "$(history | grep -c .)" -eq 2 ]
	run --separate-stderr pgs-diff --store "$S" --prune-history-days 0
	assert_success
	assert_output --regexp '^pruned 2 versions superseded before '
	[ "$(history | grep -c .)" -eq 0 ]
}

# stream FILE: FILE's rows as a window stream, one window a day (2023-10-01..05), for pgs-write --windows.
stream() {
	local d total=0 n
	for d in 1 2 3 4 5; do
		n=$(grep -c "\"game_date\":\"2023-10-0$d\"" "$1" || true)
		grep "\"game_date\":\"2023-10-0$d\"" "$1" || true
		printf '{"pgs_window":{"from":"2023-10-0%d","to":"2023-10-0%d","rows":%d,"rejects":0}}\n' "$d" "$d" "$n"
		total=$((total + n))
	done
	printf '{"pgs_end":{"tool":"test","rows":%d}}\n' "$total"
}

@test "history: a window stream (a group commit where the store has one) keeps it too" {
	printf '2023-10-0%d\t2023-10-0%d\n' 1 1 2 2 3 3 4 4 5 5 >windows
	summary 1 10 >a.nd
	stream a.nd >a.s
	run --separate-stderr pgs-write --windows windows a.s
	assert_success
	jq -c 'if .player_lookup == "player3" then .points = 14 | .over_under_result = "OVER"
	    | .margin = 2.5 else . end' a.nd | grep -v '"player10"' >b.nd
	stream b.nd >b.s
	run --separate-stderr pgs-write -v --windows windows --allow-shrink 50 b.s
	assert_success
	# PostgreSQL and BigQuery write the five windows in one transaction
	[ "$PGS_TEST_STORE" = sqlite ] || [[ "$stderr" == *"group of 5 windows"*"apply and commit"* ]]
	[ "$(history)" = "player10|10|deleted|2023-10-01|2023-10-01
player3|10|updated|2023-10-04|2023-10-04" ]
	run --separate-stderr pgs-write --windows windows --allow-shrink 50 b.s
	assert_success
	[ "$(history | grep -c .)" -eq 2 ]
}

# raw SOURCE FIRST LAST [PLUS]: raw rows of one source for players FIRST..LAST; Player 3 scores PLUS more.
raw() {
	jq -cn --arg s "$1" --argjson a "$2" --argjson b "$3" --argjson p "${4:-0}" '
	    range($a; $b + 1) as $i | ($i % 5 + 1) as $d |
	    {game_id: "2023100\($d)_BOS_NYK", game_date: "2023-10-0\($d)", season_year: 2023,
	     game_type: "regular", home_team_abbr: "NYK", away_team_abbr: "BOS", team_abbr: "NYK",
	     opponent_team_abbr: "BOS", source: $s, player_name: "Player \($i)",
	     player_status: "active", starter: false, minutes: "12:34",
	     points: ($i + (if $i == 3 then $p else 0 end))}'
}

@test "history: a landing of raw rows keeps what it replaces in raw_boxscores_history, per source" {
	{ raw bbref 1 10; raw nbacom 1 10; } >r1.nd
	write r1.nd --table raw_boxscores
	raw bbref 1 9 2 >r2.nd
	write r2.nd --table raw_boxscores
	assert_output --partial '"updated":1,"unchanged":8,"deleted":1'
	dump "$S" raw_boxscores_history source player_name points reason window_from window_to |
		jq -r 'join("|")' | sort >h
	[ "$(cat h)" = "bbref|Player 10|10|deleted|2023-10-01|2023-10-05
bbref|Player 3|3|updated|2023-10-01|2023-10-05" ]
	# the same landing again: nothing more; the summary's history is untouched
	write r2.nd --table raw_boxscores
	assert_output --partial '"updated":0,"unchanged":9,"deleted":0'
	[ "$(dump "$S" raw_boxscores_history source | grep -c .)" -eq 2 ]
	[ "$(history | grep -c .)" -eq 0 ]
	# pruning takes the raw history too
	run --separate-stderr pgs-diff --store "$S" --prune-history-days 0 --json
	assert_success
	jq -e '.pruned == 2' <<<"$output"
	[ "$(dump "$S" raw_boxscores_history source | grep -c .)" -eq 0 ]
}
