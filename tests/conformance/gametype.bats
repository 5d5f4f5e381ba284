#!/usr/bin/env bats
# Store conformance, the competition context (game_type, counts_toward_regular_season):
# the same tests on every backend (PGS_TEST_STORE=sqlite|postgres|bigquery; see store.bash).

load ../test_helper
load store

setup() {
	store_skip_unless_ready
	common_setup
	S=$(store_fresh g)
	export PGS_STORE=$S
	W=(--from 2023-12-04 --to 2023-12-09)
}

# The summary rows of one player per game: a Cup quarterfinal, a plain regular game,
# the Cup final, as pgs-transform types them; POINTS for every row.
summary() {
	jq -cn --argjson p "${1:-10}" '
	    [["20231204_BOS_IND", "2023-12-04", "cup_knockout", true],
	     ["20231206_CHA_CHI", "2023-12-06", "regular", true],
	     ["20231209_IND_LAL", "2023-12-09", "cup_final", false]][] as [$g, $d, $t, $r] |
	    ($g | .[13:16]) as $home | ($g | .[9:12]) as $away |
	    {player_lookup: "player\($d[8:10])", universal_player_id: "player\($d[8:10])_001",
	     player_full_name: "Player", game_id: $g, game_date: $d, season_year: 2023,
	     game_type: $t, counts_toward_regular_season: $r, team_abbr: $home,
	     opponent_team_abbr: $away, home_game: true, points: $p, is_active: true,
	     player_status: "active", sources_seen: ["bbref"], quality_issues: [],
	     processed_at: "2023-12-10T00:00:00Z"}'
}

write() {
	with_end "$1"
	run --separate-stderr pgs-write "${W[@]}" "$1.m"
}

types() {
	dump "$S" player_game_summary game_date game_type counts_toward_regular_season
}

want='["2023-12-04","cup_knockout",true]
["2023-12-06","regular",true]
["2023-12-09","cup_final",false]'

@test "game type: game_type and counts_toward_regular_season are stored and read back as written" {
	summary >a.nd
	write a.nd
	assert_success
	[ "$(types)" = "$want" ]
	# read back as rows: the same values, the boolean a boolean
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary "${W[@]}"
	assert_success
	[ "$(jq -c 'select(.pgs_end == null) | [.game_type, .counts_toward_regular_season]' <<<"$output")" = '["cup_knockout",true]
["regular",true]
["cup_final",false]' ]
	# a change of the flag alone is a change of the row (its history keeps the old one)
	jq -c 'if .game_type == "cup_final" then .counts_toward_regular_season = true else . end' a.nd >b.nd
	write b.nd
	assert_success
	assert_output --partial '"updated":1,"unchanged":2'
	# (SQLite's history reads back its stored 0 for false)
	[ "$(dump "$S" player_game_summary_history game_type counts_toward_regular_season |
		jq -c '[.[0], .[1] == false or .[1] == 0]')" = '["cup_final",true]' ]
}

@test "game type: a summary table made before counts_toward_regular_season gains the column" {
	summary >a.nd
	write a.nd
	assert_success
	store_drop_column counts_toward_regular_season player_game_summary player_game_summary_history
	[ "$(dump "$S" player_game_summary counts_toward_regular_season | sort -u)" = '[null]' ]
	# read before the next write: the rows, the flag null (BigQuery: an error that names it)
	run --separate-stderr pgs-extract --source "$S" --table player_game_summary "${W[@]}"
	if [ "$PGS_TEST_STORE" = bigquery ]; then
		[ "$status" -eq 3 ]
		[[ $stderr == *counts_toward_regular_season* ]]
	else
		assert_success
		[ "$(jq -c 'select(.pgs_end == null) | [.game_type, .counts_toward_regular_season]' <<<"$output")" = '["cup_knockout",null]
["regular",null]
["cup_final",null]' ]
	fi
	summary 12 >b.nd
	write b.nd
	if [ "$PGS_TEST_STORE" = bigquery ]; then
		# BigQuery's table gains it by one ALTER TABLE job, said on stderr
		[[ $stderr == *"table player_game_summary was made by an older pgs: added counts_toward_regular_season BOOL"* ]]
	fi
	assert_success
	assert_output --partial '"updated":3'
	[ "$(types)" = "$want" ]
	[ "$(dump "$S" player_game_summary points | sort -u)" = '[12]' ]
}

@test "game type: raw rows of preseason and All-Star games make no gap: pgs-validate wants no summary rows for them" {
	# one preseason game's raw rows landed, one regular game's too, neither built
	jq -c '.game_type = (if .game_id == "20240110_BOS_NYK" then "preseason" else "regular" end)' \
		"$FIXTURES/transform_game.ndjson" >raw.nd
	with_end raw.nd
	run --separate-stderr pgs-write --table raw_boxscores --from 2024-01-10 --to 2024-01-12 raw.nd.m
	assert_success
	run --separate-stderr pgs-validate --json --from 2024-01-10 --to 2024-01-12
	[ "$(jq -c '.gaps' <<<"$output")" = '[["2024-01-12","2024-01-12"]]' ]
	[ "$(jq -c '[.failures[] | select(.check == "raw_without_summary") | .date]' <<<"$output")" = '["2024-01-12"]' ]
	[ "$(jq -c '.totals.raw_rows' <<<"$output")" = 10 ]
}
