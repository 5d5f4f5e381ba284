#!/usr/bin/env bats
# Two real sources for the same season, merged player by player: the
# basketball-reference and NBA.com 2023-24 box scores (issue 3's check).

load test_helper

setup() {
	common_setup
	require_data
}

sql() {
	sqlite3 "$BATS_TEST_TMPDIR/pgs.db" "$1"
}

@test "bbref + NBA.com 2023-24 merged: NBA.com rows land on their bbref twin, no duplicates, one id per person" {
	local D=$PGS_DATA
	run --separate-stderr bash -c "pgs-extract '$D/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz' |
		pgs-write --table raw_boxscores --from 2023-10-01 --to 2024-04-30"
	assert_success
	# the export's TO/STL/BLK columns hold steals/blocks/turnovers
	run --separate-stderr bash -c "pgs-extract --map TO=steals --map STL=blocks --map BLK=turnovers \
		'$D/nbacom_ebube45/nba_player_boxscores_2023-2024.csv.gz' |
		pgs-write --table raw_boxscores --from 2023-10-01 --to 2024-04-30"
	assert_success
	# landing NBA.com rows did not touch the bbref rows (per-source raw window)
	assert_equal "$(sql "SELECT source, count(*) FROM raw_boxscores GROUP BY 1 ORDER BY 1" | paste -sd' ')" \
	    "bbref|26942 nbacom|25143"
	run --separate-stderr bash -c "pgs-extract --source '$PGS_STORE' --from 2023-10-01 --to 2024-04-30 |
		pgs-resolve --register --aliases '$PGS_ROOT/pipelines/aliases.csv' |
		pgs-transform --prefer bbref,nbacom |
		pgs-write --from 2023-10-01 --to 2024-04-30"
	assert_success
	[ -z "$stderr" ]
	# no player-game twice
	assert_equal "$(sql "SELECT count(*) = count(DISTINCT game_id || '/' || player_lookup),
	    count(*) = count(DISTINCT game_id || '/' || universal_player_id) FROM player_game_summary")" "1|1"
	# NBA.com player-games in games bbref also has: merged onto the bbref row
	read -r total merged < <(sql "
	    WITH bg AS (SELECT DISTINCT game_id FROM player_game_summary WHERE sources_seen LIKE '%bbref%')
	    SELECT count(*), sum(sources_seen LIKE '%bbref%') FROM player_game_summary
	    WHERE sources_seen LIKE '%nbacom%' AND game_id IN (SELECT game_id FROM bg)" | tr '|' ' ')
	[ "$total" -gt 21000 ] || fail "only $total NBA.com rows in bbref games"
	(( merged * 1000 >= total * 995 )) || fail "only $merged of $total NBA.com rows merged"
	# every name variant pair of SOURCES.md resolves to one universal id
	local pair a b ids
	pgs-extract --source "$PGS_STORE" --from 2023-10-01 --to 2024-04-30 |
		pgs-resolve --aliases "$PGS_ROOT/pipelines/aliases.csv" |
		jq -r '[.player_name, .universal_player_id // "null"] | @tsv' | sort -u >uids.tsv
	for pair in "Nikola Jokić|Nikola Jokic" "Marcus Morris|Marcus Morris Sr." "A.J. Green|AJ Green" \
	    "Jeenathan Williams|Nate Williams" "Matthew Hurt|Matt Hurt" "Xavier Tillman Sr.|Xavier Tillman" \
	    "GG Jackson II|GG Jackson" "Kevin Knox|Kevin Knox II" "Reggie Bullock|Reggie Bullock Jr." \
	    "Harry Giles|Harry Giles III" "Robert Williams|Robert Williams III" \
	    "Jermaine Samuels|Jermaine Samuels Jr." "Jeff Dowtin|Jeff Dowtin Jr." "Dennis Schröder|Dennis Schroder"; do
		a=${pair%%|*} b=${pair#*|}
		ids=$(awk -F'\t' -v a="$a" -v b="$b" '$1 == a || $1 == b { print $2 }' uids.tsv | sort -u)
		[ "$(wc -l <<<"$ids")" -eq 1 ] && [ "$ids" != null ] && [ -n "$ids" ] ||
			fail "'$a' and '$b' resolve to: $(tr '\n' ' ' <<<"$ids")"
	done
}
