#!/usr/bin/env bats
# pgs-validate --schedule: the table held against team game logs.  A sample
# league passes against a schedule made from its own box scores; the same
# store spoiled by hand (one team's rows gone, a player's field goals
# changed, a game moved a day, a game the schedule lacks) fails with exit 4
# and a line naming the game; the failure paths of the option.  Then the real
# seasons: bbref 2021-22..2023-24 against millxing's stats.nba.com team logs
# (skipped when ../shared/data is absent).

load test_helper

FROM=2021-10-18
TO=2021-11-07

setup_file() {
	export SAMPLE="$BATS_FILE_TMPDIR/sample" CLEAN="$BATS_FILE_TMPDIR/clean.db"
	export SCHED="$BATS_FILE_TMPDIR/schedule.csv"
	export PATH="$BATS_TEST_DIRNAME/../bin:$BATS_TEST_DIRNAME/../pipelines:$PATH"
	pgs-sample --seed 7 --scale 0.1 --to 2021-12-31 -o "$SAMPLE" >/dev/null
	pgs-sample --seed 7 --scale 0.1 --from "$FROM" --to "$TO" --format raw | "$BATS_TEST_DIRNAME/helper/schedule-of-raw" >"$SCHED"
	PGS_STORE="sqlite:$CLEAN" PGS_STATE_DIR="$BATS_FILE_TMPDIR/state" SOURCE_DATE_EPOCH=1700000000 \
		pgs-ingest --from "$FROM" --to "$TO" "$SAMPLE"/* >/dev/null
	PGS_STORE="sqlite:$CLEAN" PGS_STATE_DIR="$BATS_FILE_TMPDIR/state" SOURCE_DATE_EPOCH=1700000000 \
		pgs-backfill --from "$FROM" --to "$TO" 2>/dev/null
}

setup() {
	common_setup
	DB="$BATS_TEST_TMPDIR/pgs.db"
	sqlite3 "$CLEAN" ".backup '$DB'"
}

sql() {
	sqlite3 "$DB" "$1"
}

validate() {
	pgs-validate --from "$FROM" --to "$TO" "$@"
}

# A game of 2021-10-27, its home and its road team.
pick_game() {
	GAME=$(sql "SELECT min(game_id) FROM player_game_summary WHERE game_date = '2021-10-27'")
	HOME=${GAME##*_}
	AWAY=${GAME#*_}
	AWAY=${AWAY%_*}
}

@test "schedule: the sample league against a schedule of its own box scores passes (exit 0)" {
	[ "$(wc -l <"$SCHED")" -eq 245 ]
	run -0 --separate-stderr validate --schedule "$SCHED"
	[ -z "$stderr" ]
	assert_line "checks: 17 passed, 0 failed, 1 skipped"
	refute_output --partial FAIL
	run -0 --separate-stderr validate --schedule "$SCHED" --json
	jq -e '.totals.scheduled_games == 122 and .totals.games == 122 and .thresholds.team_turnovers == 6
	    and ([.checks[] | select(.check | startswith("schedule_")) | .status] == ["pass","pass","pass","pass"])' \
	    <<<"$output" >/dev/null
	# without --schedule the report has no schedule checks at all
	run -0 --separate-stderr validate --json
	jq -e '[.checks[] | select(.check | startswith("schedule_"))] == [] and (.totals | has("scheduled_games") | not)' \
	    <<<"$output" >/dev/null
}

@test "schedule: one team's rows of a game removed: schedule_games names the game and the team (4)" {
	pick_game
	sql "DELETE FROM player_game_summary WHERE game_id = '$GAME' AND team_abbr = '$AWAY'"
	run -4 --separate-stderr validate --schedule "$SCHED"
	assert_line --regexp "^FAIL schedule_games game $GAME \\([0-9]+$HOME, 2021-10-27\\): $AWAY has no rows$"
	[ -z "$stderr" ]
	assert_line "checks: 14 passed, 3 failed (both_teams, players_per_game, schedule_games), 1 skipped"
	# the whole game removed: scheduled but no rows
	sql "DELETE FROM player_game_summary WHERE game_id = '$GAME'"
	run -4 --separate-stderr validate --schedule "$SCHED"
	assert_line --regexp "^FAIL schedule_games game $GAME \\([0-9]+$HOME, $AWAY at $HOME, 2021-10-27\\) is scheduled but has no rows$"
	assert_line "checks: 16 passed, 1 failed (schedule_games), 1 skipped"
	# the month's schedule row: in --json and, with its numbers, in the picture
	run -4 --separate-stderr validate --schedule "$SCHED" --json --svg v.svg
	jq -e '[.months[] | [.month, .scheduled_games, .schedule_failures]] == [["2021-10", 94, 1], ["2021-11", 28, 0]]' \
	    <<<"$output" >/dev/null
	xmllint --noout v.svg
	grep -q 'data-month="2021-10" data-column="schedule_failures" data-n="1" data-fail="1"' v.svg
	grep -q 'data-month="2021-11" data-column="schedule_failures" data-n="0" data-fail="0"' v.svg
	# without --schedule neither (and the game gone without a trace passes)
	run -0 --separate-stderr validate --json --svg plain.svg
	jq -e '[.months[] | has("scheduled_games")] == [false, false]' <<<"$output" >/dev/null
	run -1 grep -q schedule_failures plain.svg
}

@test "schedule: one player's field goals changed: schedule_totals names the game, team and stat (4)" {
	pick_game
	sql "UPDATE player_game_summary SET fg_makes = fg_makes + 1, fg_attempts = fg_attempts + 2
	     WHERE game_id = '$GAME' AND player_lookup = (SELECT min(player_lookup) FROM player_game_summary
	     WHERE game_id = '$GAME' AND team_abbr = '$HOME' AND fg_attempts > 0)"
	run -4 --separate-stderr validate --schedule "$SCHED" --json
	jq -e --arg g "$GAME" --arg t "$HOME" '.ok == false and ([.failures[] | select(.check == "schedule_totals")] | length == 1)
	    and (.failures[] | select(.check == "schedule_totals") | .game_id == $g and .team_abbr == $t
	         and .differences.fg_makes.players == .differences.fg_makes.team + 1
	         and .differences.fg_attempts.players == .differences.fg_attempts.team + 2
	         and (.differences | keys == ["fg_attempts", "fg_makes"]))' <<<"$output" >/dev/null
	run -4 --separate-stderr validate --schedule "$SCHED"
	assert_line --regexp "^FAIL schedule_totals $GAME $HOME: the players' sums are not the team's totals \\([0-9]+$HOME\\): fg_makes [0-9]+ vs [0-9]+, fg_attempts [0-9]+ vs [0-9]+ \\(players vs team\\)$"
}

@test "schedule: a game moved a day is named as re-dated, not as one missing and one extra (4)" {
	pick_game
	local moved="20211028_${AWAY}_$HOME"
	sql "UPDATE player_game_summary SET game_id = '$moved', game_date = '2021-10-28' WHERE game_id = '$GAME'"
	run -4 --separate-stderr validate --schedule "$SCHED"
	assert_line --regexp "^FAIL schedule_dates game $moved is dated 2021-10-28 in the table, 2021-10-27 in the schedule \\([0-9]+$HOME\\)$"
	assert_line "checks: 16 passed, 1 failed (schedule_dates), 1 skipped"
	refute_output --partial "has no rows"
	refute_output --partial "not in the schedule"
	# its date alone changed, its game_id kept: the same finding
	sqlite3 "$CLEAN" ".backup '$DB'"
	sql "UPDATE player_game_summary SET game_date = '2021-10-26' WHERE game_id = '$GAME'"
	run -4 --separate-stderr validate --schedule "$SCHED"
	assert_line --regexp "^FAIL schedule_dates game $GAME is dated 2021-10-26 in the table, 2021-10-27 in the schedule "
	# beyond --redate-days the two are told apart
	sqlite3 "$CLEAN" ".backup '$DB'"
	sql "UPDATE player_game_summary SET game_id = '$moved', game_date = '2021-10-28' WHERE game_id = '$GAME'"
	run -4 --separate-stderr validate --schedule "$SCHED" --redate-days 0
	assert_line --partial "game $moved (2021-10-28) is not in the schedule"
	assert_line --partial "game $GAME ("
}

@test "schedule: home and road swapped, a game the schedule lacks, team minutes off (4)" {
	pick_game
	sql "UPDATE player_game_summary SET home_game = NOT home_game WHERE game_id = '$GAME'"
	run -4 --separate-stderr validate --schedule "$SCHED"
	assert_line --regexp "^FAIL schedule_dates game $GAME has $AWAY at home in the table, $HOME in the schedule "
	# the schedule without the game: the table's game is not scheduled
	grep -v ",2021-10-27,$HOME," "$SCHED" | grep -v ",2021-10-27,$AWAY," >short.csv
	sqlite3 "$CLEAN" ".backup '$DB'"
	run -4 --separate-stderr validate --schedule short.csv
	assert_line "FAIL schedule_games game $GAME (2021-10-27) is not in the schedule"
	# a team's minutes in the schedule five more (an overtime the table lacks)
	awk -F, -v OFS=, -v t="$HOME" '$2 == "2021-10-27" && $3 == t { $5 = $5 + 5 ".0" } 1' "$SCHED" >ot.csv
	run -4 --separate-stderr validate --schedule ot.csv --json
	jq -e --arg g "$GAME" '[.failures[] | select(.check == "schedule_minutes") | .game_id] == [$g]' <<<"$output" >/dev/null
}

@test "schedule: team turnovers: the team's TOV may exceed the players' by --team-turnovers, never fall below" {
	pick_game
	awk -F, -v OFS=, -v t="$HOME" '$2 == "2021-10-27" && $3 == t { $18 = $18 + 3 } 1' "$SCHED" >tov3.csv
	run -0 --separate-stderr validate --schedule tov3.csv
	run -4 --separate-stderr validate --schedule tov3.csv --team-turnovers 2
	assert_line --regexp "^FAIL schedule_totals $GAME $HOME: .*: turnovers [0-9]+ vs [0-9]+ \\(players vs team\\)$"
	awk -F, -v OFS=, -v t="$HOME" '$2 == "2021-10-27" && $3 == t { $18 = $18 - 1 } 1' "$SCHED" >tovm.csv
	run -4 --separate-stderr validate --schedule tovm.csv
	assert_line --partial "FAIL schedule_totals $GAME $HOME"
}

@test "schedule: failure paths: a missing file, a file without teams (3); bad numbers (2)" {
	run -3 --separate-stderr validate --schedule nope.csv
	[ -z "$output" ]
	[[ $stderr == *"nope.csv"* ]]
	printf 'game_id,game_date\n0022100001,2021-10-19\n' >bare.csv
	run -3 --separate-stderr validate --schedule bare.csv
	[ -z "$output" ]
	[[ $stderr == *"games of the window name no teams"* ]]
	printf 'GAME_ID,GAME_DATE,TEAM_ABBREVIATION,MATCHUP\n1,2021-10-19,MIL,BKN at MIL\n' >badm.csv
	run -3 --separate-stderr validate --schedule badm.csv
	[[ $stderr == *"badm.csv:2: game '1': MATCHUP is not"* ]]
	run -2 --separate-stderr validate --schedule "$SCHED" --team-turnovers x
	[[ $stderr == *"bad --team-turnovers 'x'"* ]]
	run -2 --separate-stderr validate --schedule "$SCHED" --redate-days -1
}

# --- real data ------------------------------------------------------------------

# millxing's team logs and team minutes of the three seasons, as --schedule options.
millxing() {
	local m="$PGS_DATA/nbastats_millxing_team_logs" s
	for s in 2021-22 2022-23 2023-24; do
		printf -- '--schedule\n%s\n--schedule\n%s\n' "$m/team_game_logs_$s.csv.gz" "$m/box_score_advanced_$s.csv.gz"
	done
}

@test "real data: bbref 2021-22..2023-24 against the stats.nba.com team logs: 45 findings, each a source's own" {
	require_data
	local opts
	mapfile -t opts < <(millxing)
	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/real.db"
	run -0 --separate-stderr pgs-ingest "$PGS_DATA"/bbref_parminpatel28/derived/bbref_player_box_20*.csv.gz
	run -0 --separate-stderr pgs-backfill --from 2021-10-01 --to 2024-05-01 --batch-days 30
	# bbref's scrape ends 2024-03-20
	run -4 --separate-stderr pgs-validate --from 2021-10-01 --to 2024-03-20 "${opts[@]}" --json
	jq -e '.totals.scheduled_games == 3676 and .totals.games == 3632' <<<"$output" >/dev/null
	# 44 games the scraped repository has no page for (16, 18 and 10 a season: SOURCES.md)
	[ "$(jq '[.failures[] | select(.check == "schedule_games" and (.message | endswith("is scheduled but has no rows")))] | length' <<<"$output")" -eq 44 ]
	jq -e '[.failures[] | select(.check == "schedule_games") | .schedule_game_id] | index("0022100336") and index("0042200214") and index("0022300712")' <<<"$output" >/dev/null
	# one personal foul: bbref's MIL players have 27, the NBA's team total 26
	jq -e '[.failures[] | select(.check == "schedule_totals")] ==
	    [{"check": "schedule_totals", "month": "2022-05", "game_id": "20220507_BOS_MIL", "team_abbr": "MIL",
	      "schedule_game_id": "0042100213", "differences": {"personal_fouls": {"players": 27, "team": 26}},
	      "message": "20220507_BOS_MIL MIL: the players'"'"' sums are not the team'"'"'s totals (0042100213): personal_fouls 27 vs 26 (players vs team)"}]' \
	    <<<"$output" >/dev/null
	[ "$(jq '.failures | length' <<<"$output")" -eq 45 ]
	jq -e '[.checks[] | select(.status == "fail") | .check] == ["schedule_games", "schedule_totals"]' <<<"$output" >/dev/null
	# bbref's TOV is the players' sum; the NBA's counts team turnovers, up to 6 more
	run -4 --separate-stderr pgs-validate --from 2021-10-01 --to 2024-03-20 "${opts[@]}" --json --team-turnovers 5
	[ "$(jq '[.failures[] | select(.differences.turnovers)] | length' <<<"$output")" -eq 2 ]
	# the playoffs against NocturneBear's per-team logs (MATCHUP, MIN 48.0, TOV 11.0): the same findings
	run -4 --separate-stderr pgs-validate --from 2022-04-16 --to 2022-06-16 \
	    --schedule "$PGS_DATA/nbastats_nocturnebear/play_off_totals_2010_2024.csv.gz" --list 0
	assert_equal "$(grep '^FAIL' <<<"$output")" "FAIL schedule_games game 20220428_PHX_NOP (0042100146, PHX at NOP, 2022-04-28) is scheduled but has no rows
FAIL schedule_totals 20220507_BOS_MIL MIL: the players' sums are not the team's totals (0042100213): personal_fouls 27 vs 26 (players vs team)"

	# spoiled: one team's rows of a game gone, a player's field goals changed, a game moved a day
	sqlite3 "$BATS_TEST_TMPDIR/real.db" "
	    DELETE FROM player_game_summary WHERE game_id = '20231024_LAL_DEN' AND team_abbr = 'LAL';
	    UPDATE player_game_summary SET fg_makes = fg_makes + 1 WHERE game_id = '20231025_HOU_ORL'
	        AND player_lookup = 'jalengreen';
	    UPDATE player_game_summary SET game_id = '20231026_CLE_BKN', game_date = '2023-10-26'
	        WHERE game_id = '20231025_CLE_BKN';"
	run -4 --separate-stderr pgs-validate --from 2023-10-01 --to 2023-10-31 "${opts[@]}"
	assert_line "FAIL schedule_games game 20231024_LAL_DEN (0022300061, 2023-10-24): LAL has no rows"
	assert_line --regexp "^FAIL schedule_totals 20231025_HOU_ORL HOU: .* \\(0022300066\\): fg_makes [0-9]+ vs [0-9]+ \\(players vs team\\)$"
	assert_line "FAIL schedule_dates game 20231026_CLE_BKN is dated 2023-10-26 in the table, 2023-10-25 in the schedule (0022300067)"
	# and the game bbref lacks that month, nothing else of the schedule's
	[ "$(grep -c '^FAIL schedule_' <<<"$output")" -eq 4 ]
	assert_line --partial "FAIL schedule_games game 20231025_ATL_CHA (0022300063"
}
