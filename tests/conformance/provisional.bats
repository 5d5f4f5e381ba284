#!/usr/bin/env bats
# Store conformance, provisional rows (is_final): the same tests on every backend
# (PGS_TEST_STORE=sqlite|postgres|bigquery; see store.bash).

load ../test_helper
load store

setup() {
	store_skip_unless_ready
	common_setup
	S=$(store_fresh p)
	export PGS_STORE=$S
	W=(--from 2023-10-01 --to 2023-10-05)
}

# write FILE [FROM TO]: pgs-write of FILE's rows over the window (default W).
write() {
	with_end "$1"
	if [ $# -eq 3 ]; then
		run --separate-stderr pgs-write --from "$2" --to "$3" "$1.m"
	else
		run --separate-stderr pgs-write "${W[@]}" "$1.m"
	fi
}

# The stored is_final of each row, by game day (SQLite stores 1 and 0).
finals() {
	dump "$S" "$1" game_date is_final | jq -c '[.[0], (if .[1] == 1 then true elif .[1] == 0 then false else .[1] end)]' |
		sort -u
}

@test "provisional: is_final is stored and read back as written, and its change alone updates the row" {
	# five players, one a day; the game of 2023-10-03 provisional
	# shellcheck disable=SC2016 # $d is jq's: the row's day of the month
	summary_rows 1 5 10 '{is_final: ($d != 3)}' >a.nd
	write a.nd
	assert_success
	[ "$(finals player_game_summary)" = '["2023-10-01",true]
["2023-10-02",true]
["2023-10-03",false]
["2023-10-04",true]
["2023-10-05",true]' ]
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary "${W[@]}"
	assert_success
	[ "$(jq -c 'select(.pgs_end == null) | [.game_date, .is_final]' <<<"$output" | sort -u | grep 10-03)" = \
		'["2023-10-03",false]' ]
	# the game over: the same stats, final; the row is updated, its history keeps the provisional one
	summary_rows 1 5 10 '{is_final: true}' >b.nd
	write b.nd
	assert_success
	assert_output --partial '"updated":1,"unchanged":4'
	[ "$(finals player_game_summary | grep -c false)" -eq 0 ]
	[ "$(finals player_game_summary_history)" = '["2023-10-03",false]' ]
}

@test "provisional: raw rows keep is_final as the source gave it (null: it did not say)" {
	jq -c 'select(.game_id == "20240110_BOS_NYK") | .is_final = false' "$FIXTURES/transform_game.ndjson" >raw.nd
	jq -c 'select(.game_id == "20240112_LAL_DEN") | del(.is_final)' "$FIXTURES/transform_game.ndjson" >>raw.nd
	with_end raw.nd
	run --separate-stderr pgs-write --table raw_boxscores --from 2024-01-10 --to 2024-01-12 raw.nd.m
	assert_success
	[ "$(finals raw_boxscores)" = '["2024-01-10",false]
["2024-01-12",null]' ]
	run --separate-stderr pgs-extract --source "$S" --from 2024-01-10 --to 2024-01-12
	assert_success
	[ "$(jq -c 'select(.pgs_end == null) | [.game_date, .is_final]' <<<"$output" | sort -u)" = '["2024-01-10",false]
["2024-01-12",null]' ]
}

@test "provisional: a table made before is_final gains the column; the rows it had read as final" {
	# players 5..8 play 2023-10-01..04, player 4 on 2023-10-05
	summary_rows 5 8 >a.nd
	write a.nd 2023-10-01 2023-10-04
	assert_success
	store_drop_column is_final player_game_summary player_game_summary_history raw_boxscores raw_boxscores_history
	# read before the next write: the rows final (BigQuery: an error that names the column)
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary "${W[@]}"
	if [ "$PGS_TEST_STORE" = bigquery ]; then
		[ "$status" -eq 3 ]
		[[ $stderr == *is_final* ]]
	else
		assert_success
		[ "$(jq -c 'select(.pgs_end == null) | .is_final' <<<"$output" | sort -u)" = true ]
		# and pgs-validate finds no provisional game there
		run --separate-stderr pgs-validate --json "${W[@]}"
		[ "$status" -le 4 ]
		[ "$(jq -c '.provisional' <<<"$output")" = '{"games":0,"rows":0,"dates":[]}' ]
	fi
	# a write of another day: the column added, the rows of the days it did not touch final
	summary_rows 4 4 10 '{is_final: true}' >b.nd
	write b.nd 2023-10-05 2023-10-05
	if [ "$PGS_TEST_STORE" = bigquery ]; then
		# BigQuery's table gains it by one ALTER TABLE job, said on stderr
		assert_success
		[[ $stderr == *"table player_game_summary was made by an older pgs: added is_final BOOL"* ]]
		# BigQuery's added column is null in the rows it had: null reads as final
		[ "$(finals player_game_summary)" = '["2023-10-01",null]
["2023-10-02",null]
["2023-10-03",null]
["2023-10-04",null]
["2023-10-05",true]' ]
	else
		assert_success
		[ "$(finals player_game_summary)" = '["2023-10-01",true]
["2023-10-02",true]
["2023-10-03",true]
["2023-10-04",true]
["2023-10-05",true]' ]
		# and the raw table and the histories have it too
		jq -c '.is_final = false' "$FIXTURES/transform_game.ndjson" >raw.nd
		with_end raw.nd
		run --separate-stderr pgs-write --table raw_boxscores --from 2024-01-10 --to 2024-01-12 raw.nd.m
		assert_success
		[ "$(finals raw_boxscores)" = '["2024-01-10",false]
["2024-01-12",false]' ]
	fi
	# the rows of 2023-10-01..04 made provisional: an update, the final version into the history
	summary_rows 5 8 10 '{is_final: false}' >c.nd
	write c.nd 2023-10-01 2023-10-04
	assert_success
	assert_output --partial '"updated":4'
	[ "$(finals player_game_summary | grep -c false)" -eq 4 ]
}

@test "provisional: pgs-validate counts the provisional games and rows of its window" {
	# shellcheck disable=SC2016 # $d is jq's: the row's day of the month
	summary_rows 1 10 10 '{is_final: ($d != 3)}' >a.nd
	write a.nd
	assert_success
	run --separate-stderr pgs-validate --json "${W[@]}"
	[ "$(jq -c '.provisional' <<<"$output")" = '{"games":1,"rows":2,"dates":[{"date":"2023-10-03","games":1}]}' ]
}
