#!/usr/bin/env bats
# The row contracts (MANUAL "Row contracts"): one raw-row check used by every
# stage that reads raw rows, with bounds on counts, minutes and lengths.
# pgs_summary_check is unit-tested in tests/unit/test_contract.c.

load test_helper

setup() {
	common_setup
	GAME="$FIXTURES/transform_game.ndjson"
	NOW=2024-01-01T00:00:00Z
}

# bad JQ: the fixture's first row changed by the jq program JQ, as one line of bad.ndjson.
bad() {
	head -n 1 "$GAME" | jq -c "$1" >>bad.ndjson
}

# both REASON...: pgs-extract --format raw and pgs-transform each reject every
# line of bad.ndjson (exit 1, no row out), line N with the Nth reason.
both() {
	local tool n
	for tool in "pgs-extract --format raw" "pgs-transform --now $NOW"; do
		# shellcheck disable=SC2086 # the tool and its options, split on purpose
		run -1 --separate-stderr $tool bad.ndjson
		refute_output --partial '"player_lookup"'
		refute_output --partial '"player_name"'
		n=0
		for reason in "$@"; do
			n=$((n + 1))
			[[ "$stderr" == *"bad.ndjson:$n: $reason"* ]] ||
				fail "$tool: line $n: want '$reason' in: $stderr"
		done
		[ "$(grep -c . <<<"$stderr")" -eq "$#" ] || fail "$tool: $(grep -c . <<<"$stderr") lines: $stderr"
	done
}

@test "contract: 3PM > FGM is rejected by pgs-extract and by pgs-transform alike" {
	bad '.three_pt_makes = 11 | .three_pt_attempts = 12'
	both "three_pt_makes 11 > fg_makes 10"
}

@test "contract: counts have an upper bound (a count near 2^63 would overflow team points)" {
	bad '.points = 9223372036854775000'
	bad '.assists = 61'
	bad '.plus_minus = -151'
	bad '.personal_fouls = 21'
	both "points 9223372036854775000 is out of range 0..200" \
		"assists 61 is out of range 0..60" \
		"plus_minus -151 is out of range -150..150" \
		"personal_fouls 21 is out of range 0..20"
}

@test "contract: negative counts and minutes beyond 90:00 are rejected, 90:00 is not" {
	bad '.steals = -1'
	bad '.minutes = "999999"'
	bad '.minutes = "90:01"'
	bad '.minutes = "PT2H"'
	both "negative steals -1" "minutes '999999' are more than 90:00" \
		"minutes '90:01' are more than 90:00" "minutes 'PT2H' are more than 90:00"
	head -n 1 "$GAME" | jq -c '.minutes = "90:00"' >ok.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" ok.ndjson
	[ "$(jq -c '[.seconds_played, .minutes_played]' <<<"$output")" = "[5400,90]" ]
}

@test "contract: text lengths are bounded: a 600-byte source is a reject, not a crash" {
	long=$(printf 'x%.0s' {1..600})
	bad ".source = \"$long\""
	bad ".player_name = \"$(printf 'n%.0s' {1..201})\""
	bad '.source_player_id = "'"$(printf '9%.0s' {1..65})"'"'
	bad '.minutes = "                                  40:00"'
	both "source is 600 bytes, more than 32" "player_name is 201 bytes, more than 200" \
		"source_player_id is 65 bytes, more than 64" "minutes is 39 bytes, more than 32"
}

@test "contract: a NUL inside a text field is a reject, never a silently shorter name" {
	bad '.player_name = "Jayson\u0000Tatum"'
	bad '.source = "bb\u0000ref"'
	# the JSON reader refuses it already; pgs_raw_check refuses it for rows from elsewhere (unit test)
	both 'malformed JSON: \u0000 is not allowed' 'malformed JSON: \u0000 is not allowed'
}

@test "contract: source is a short name; pgs-resolve's fields are checked when present" {
	bad '.source = "BBref"'
	bad '.player_lookup = "Jayson Tatum"'
	bad '.universal_player_id = ""'
	bad '.registry_status = "maybe"'
	both "bad source 'BBref': want a short name of [a-z0-9_-]" \
		"player_lookup 'Jayson Tatum' is not [a-z0-9]+" \
		"universal_player_id is empty" "bad registry_status 'maybe'"
}

@test "contract: a name that normalizes to nothing is a reject of pgs-extract too, unless resolved" {
	bad 'del(.player_lookup, .universal_player_id, .registry_status) | .player_name = "---"'
	bad 'del(.player_lookup) | .player_name = "*"'
	both "cannot normalize player name '---'" "cannot normalize player name '*'"
	# with pgs-resolve's player_lookup the printed name is not what rows are keyed on
	head -n 1 "$GAME" | jq -c '.player_name = "---"' >ok.ndjson
	run -0 --separate-stderr pgs-extract --format raw ok.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" ok.ndjson
	[ "$(jq -r .player_lookup <<<"$output")" = jaysontatum ]
}

@test "contract: pgs-transform checks what pgs-extract checks (game id, teams, season, game type)" {
	bad '.game_id = "g1"'
	bad '.team_abbr = "BRK"'
	bad '.season_year = 2024'
	bad '.game_type = "exhibition"'
	both "game_id 'g1' does not match date and teams (want 20240110_BOS_NYK)" \
		"team_abbr 'BRK' is not an NBA tricode" \
		"season_year 2024 does not match game_date 2024-01-10" \
		"bad game_type 'exhibition'"
}

@test "contract: the bounds hold on real data: three bbref seasons and the NBA.com export pass" {
	require_data
	run -0 --separate-stderr pgs-extract "$PGS_DATA"/bbref_parminpatel28/derived/bbref_player_box_20*.csv.gz
	[ -z "$stderr" ]
	[ "$(grep -vc pgs_end <<<"$output")" -eq 93852 ]
	run -0 --separate-stderr pgs-extract "$PGS_DATA/nbacom_ebube45/nba_player_boxscores_2023-2024.csv.gz"
	[ -z "$stderr" ]
	[ "$(grep -vc pgs_end <<<"$output")" -eq 25143 ]
}

@test "contract: points = 2*FGM + 3PM + FTM and total = offensive + defensive rebounds" {
	bad '.points = 31'
	bad '.total_rebounds = 6'
	both "points 31 is not 2*fg_makes + three_pt_makes + ft_makes = 30" \
		"total_rebounds 6 is not offensive + defensive = 5"
	# a null among them: nothing to compare
	head -n 1 "$GAME" | jq -c '.points = 31 | .ft_makes = null | .total_rebounds = 6 | .offensive_rebounds = null' >ok.ndjson
	run -0 --separate-stderr pgs-extract --format raw ok.ndjson
	[ -z "$stderr" ]
}
