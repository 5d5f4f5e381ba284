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

# The store as a pgs before the competition context left it: the column gone from
# the summary table (and its history, where pgs adds it itself).
drop_column() {
	case $PGS_TEST_STORE in
	sqlite)
		sqlite3 "${S#sqlite:}" "ALTER TABLE player_game_summary DROP COLUMN counts_toward_regular_season;
			ALTER TABLE player_game_summary_history DROP COLUMN counts_toward_regular_season"
		;;
	postgres)
		pg_sql "ALTER TABLE \"${S##*schema=}\".player_game_summary DROP COLUMN counts_toward_regular_season;
			ALTER TABLE \"${S##*schema=}\".player_game_summary_history DROP COLUMN counts_toward_regular_season"
		;;
	bigquery)
		# no DROP COLUMN in the emulator: the table made again, as pgs made it but without
		# the column, and its rows put back
		local ds=${S##*/}
		# (an older store is made in a second: more table updates than BigQuery's 5 in 10 s)
		curl -sS -o /dev/null -X POST "$PGS_BQ_ENDPOINT/_emu/config" \
			-d '{"tableUpdateRate":{"operations":100,"seconds":10}}'
		bq_api GET "/datasets/$ds/tables/player_game_summary" </dev/null >def.json
		bq_sql "CREATE TABLE \`pgs-test.$ds.old\` AS SELECT * EXCEPT (counts_toward_regular_season)
			FROM \`pgs-test.$ds.player_game_summary\`"
		bq_api DELETE "/datasets/$ds/tables/player_game_summary" </dev/null >/dev/null
		jq -c '{tableReference, timePartitioning, clustering, schema: {fields:
			[.schema.fields[] | select(.name != "counts_toward_regular_season")]}}' def.json |
			bq_api POST "/datasets/$ds/tables" >/dev/null
		bq_sql "INSERT INTO \`pgs-test.$ds.player_game_summary\` SELECT * FROM \`pgs-test.$ds.old\`"
		;;
	esac
}



@test "game type: a summary table made before counts_toward_regular_season gains the column" {
	summary >a.nd
	write a.nd
	assert_success
	drop_column
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
