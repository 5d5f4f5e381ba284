#!/usr/bin/env bats
# pgs-write as a command: options, input, output, exit codes, and the SQLite
# store's own concerns.  The write semantics every store shares (atomic window
# replace, guards, fencing, ledger, dry run, racing writers, rejects) are in
# tests/conformance/window.bats, run against each backend.

load test_helper

setup() {
	common_setup
	DB="$BATS_TEST_TMPDIR/pgs.db"
	W=(--from 2023-10-01 --to 2023-10-05)
}

# summary FIRST LAST [POINTS] [PROCESSED_AT]: rows for players FIRST..LAST,
# spread over five game days 2023-10-01..05.
summary() {
	jq -cn --argjson a "$1" --argjson b "$2" --argjson p "${3:-10}" \
	    --arg at "${4:-2023-11-14T22:13:20Z}" '
	    range($a; $b + 1) as $i | ($i % 5 + 1) as $d |
	    {player_lookup: "player\($i)", universal_player_id: "player\($i)_001",
	     player_full_name: "Player \($i)", game_id: "2023100\($d)_BOS_NYK",
	     game_date: "2023-10-0\($d)", season_year: 2023, game_type: "regular",
	     team_abbr: "NYK", opponent_team_abbr: "BOS", home_game: true, points: $p,
	     minutes_played: 30.5, seconds_played: 1830, efg_pct: 0.5, is_active: true,
	     sources_seen: ["bbref"], quality_issues: [], note: "unknown fields are fine",
	     processed_at: $at}'
}

# raw SOURCE FIRST LAST: raw rows of one source for players FIRST..LAST.
raw() {
	jq -cn --arg s "$1" --argjson a "$2" --argjson b "$3" '
	    range($a; $b + 1) as $i | ($i % 5 + 1) as $d |
	    {game_id: "2023100\($d)_BOS_NYK", game_date: "2023-10-0\($d)", season_year: 2023,
	     game_type: "regular", home_team_abbr: "NYK", away_team_abbr: "BOS", team_abbr: "NYK",
	     opponent_team_abbr: "BOS", source: $s, player_name: "Player \($i)",
	     player_status: "active", starter: false, minutes: "12:34", points: $i}'
}

# marked FILE: the file's rows followed by a valid end marker.
marked() {
	cat "$1"
	printf '{"pgs_end":{"tool":"test","rows":%d}}\n' "$(grep -c . "$1")"
}

dump() {
	sqlite3 "$DB" "SELECT * FROM player_game_summary ORDER BY game_id, player_lookup"
}

count() {
	sqlite3 "$DB" "SELECT count(*) FROM ${1:-player_game_summary}"
}

# load FILE [OPTIONS...]: write a marked batch, expecting success.
load_batch() {
	local f=$1
	shift
	marked "$f" >"$f.m"
	run --separate-stderr pgs-write "${W[@]}" "$@" "$f.m"
	assert_success
}

@test "pgs-write --help prints the usage and exits 0" {
	run --separate-stderr pgs-write --help
	assert_success
	assert_line --index 0 --partial 'usage: pgs-write --store URI --from D --to D'
	[ -z "$stderr" ]
}

@test "pgs-write: a bad flag is a usage error" {
	run -2 --separate-stderr pgs-write --bogus "${W[@]}"
	[ -z "$output" ]
	[[ "$stderr" == *"Try 'pgs-write --help'."* ]]
}

@test "pgs-write: --from and --to are required, and checked" {
	run -2 --separate-stderr pgs-write --to 2023-10-05
	[[ "$stderr" == *"--from and --to are required"* ]]
	run -2 --separate-stderr pgs-write --from 2023-10-32 --to 2023-11-01
	[[ "$stderr" == *"bad --from '2023-10-32'"* ]]
	run -2 --separate-stderr pgs-write --from 2023-10-05 --to 2023-10-01
	[[ "$stderr" == *"is after --to"* ]]
	run -2 --separate-stderr pgs-write "${W[@]}" --table nope
	run -2 --separate-stderr pgs-write "${W[@]}" --allow-shrink abc
	run -2 --separate-stderr pgs-write "${W[@]}" --run-started yesterday
}

@test "pgs-write: a missing input file fails with 3 and writes nothing" {
	run -3 --separate-stderr pgs-write "${W[@]}" no-such-file
	[[ "$stderr" == *"cannot open 'no-such-file'"* ]]
	[ ! -e "$DB" ]
}

@test "pgs-write: an empty input without a marker (the stage before failed) says so, and creates no store" {
	unset PGS_STORE
	run -3 --separate-stderr pgs-write "${W[@]}" </dev/null
	[ -z "$output" ]
	assert_equal "$stderr" "pgs-write: input has no end marker: the stage before failed or its output was cut short, so nothing was written (only for input made by hand: --no-end-marker)"
	# the default store, sqlite:pgs.db in the current directory, is not made
	run compgen -G 'pgs.db*'
	assert_failure
	assert_output ""
	# rows without a marker: the same words, nothing committed
	summary 1 3 >b.nd
	run -3 --separate-stderr pgs-write "${W[@]}" b.nd
	[[ $stderr == "pgs-write: input has no end marker: the stage before failed"* ]]
	assert_equal "$(count)" 0
	# an empty input with its marker is a batch: the store is made, the window written
	run --separate-stderr pgs-write "${W[@]}" <<<'{"pgs_end":{"tool":"test","rows":0}}'
	assert_success
	assert_output --partial '"rows_in":0'
	[ -e pgs.db ]
}

@test "pgs-write: hand-made input without a marker is accepted with --no-end-marker" {
	summary 1 20 >b.nd
	run --separate-stderr pgs-write "${W[@]}" --no-end-marker b.nd
	assert_success
	assert_output --partial '"inserted":20'
	[ "$(count)" -eq 20 ]
}

@test "pgs-write: reads standard input" {
	summary 1 20 >b.nd
	marked b.nd >b.m
	run --separate-stderr bash -c 'pgs-write --from 2023-10-01 --to 2023-10-05 <b.m'
	assert_success
	assert_output --partial '"inserted":20'
}

@test "pgs-write: --max-rejects exceeded fails with 3 and commits nothing" {
	{ summary 1 5; echo '{bad'; echo '{bad'; } >bad.nd
	run -3 --separate-stderr pgs-write "${W[@]}" --no-end-marker --max-rejects 1 bad.nd
	[ -z "$output" ]
	[ "$(count)" -eq 0 ]
}

@test "pgs-write: a write error on stdout exits 3" {
	summary 1 10 >b.nd
	run -3 --separate-stderr bash -c 'pgs-write --from 2023-10-01 --to 2023-10-05 --no-end-marker b.nd >/dev/full'
	[[ "$stderr" == *"write error on stdout"* ]]
}

@test "pgs-write: | head -1 ends quietly, with pgs-write's own status 0" {
	summary 1 10 >b.nd
	# shellcheck disable=SC2016 # expanded by the inner shell
	run --separate-stderr bash -c 'pgs-write --from 2023-10-01 --to 2023-10-05 --no-end-marker b.nd | head -1; exit "${PIPESTATUS[0]}"'
	assert_success
	assert_output --partial '"inserted":10'
	[ -z "$stderr" ]
}

@test "pgs-write: the raw-read index serves a window read" {
	raw bbref 1 5 >a.nd
	load_batch a.nd --table raw_boxscores
	run sqlite3 "$DB" "EXPLAIN QUERY PLAN SELECT doc FROM raw_boxscores WHERE game_date BETWEEN '2023-10-01' AND '2023-10-02'
	    AND (NULL IS NULL OR source = NULL) ORDER BY game_date, game_id, source, seq"
	assert_output --partial 'USING INDEX raw_boxscores_window'
	refute_output --partial 'TEMP B-TREE'
}

@test "pgs-write: content decides unchanged, not the input's data_hash; the stored hash is the content's" {
	summary 1 4 >in.ndjson
	load_batch in.ndjson
	h1=$(sqlite3 "$DB" "SELECT data_hash FROM player_game_summary WHERE player_lookup = 'player1'")
	[[ "$h1" =~ ^[0-9a-f]{16}$ ]]
	# the same content with a made-up hash is unchanged, and keeps the content's hash
	jq -c 'if .player_lookup == "player1" then .data_hash = "0000000000000000" else . end' in.ndjson >fake.ndjson
	load_batch fake.ndjson
	assert_equal "$(jq -c '[.inserted, .updated, .unchanged]' <<<"$output")" "[0,0,4]"
	assert_equal "$(sqlite3 "$DB" "SELECT data_hash FROM player_game_summary WHERE player_lookup = 'player1'")" "$h1"
	[[ "$stderr" == *"1 rows came with a data_hash that is not their content's"* ]]
	# an edited row that keeps its old hash is an update, stored with its new content's hash
	jq -c --arg h "$h1" 'if .player_lookup == "player1" then .points = 99 | .data_hash = $h else . end' in.ndjson >edit.ndjson
	load_batch edit.ndjson
	assert_equal "$(jq -c '[.inserted, .updated, .unchanged]' <<<"$output")" "[0,1,3]"
	assert_equal "$(sqlite3 "$DB" "SELECT points FROM player_game_summary WHERE player_lookup = 'player1'")" "99"
	h2=$(sqlite3 "$DB" "SELECT data_hash FROM player_game_summary WHERE player_lookup = 'player1'")
	[ "$h2" != "$h1" ]
}

@test "pgs-write: an unknown store is a usage error (2); a password in the URI is never shown" {
	summary 1 2 >in.ndjson
	marked in.ndjson >in.m
	run -2 --separate-stderr pgs-write "${W[@]}" --store "pgs.db" in.m
	[ -z "$output" ]
	[[ "$stderr" == *"unknown store 'pgs.db'"* ]]
	run -2 --separate-stderr pgs-write "${W[@]}" --store "mysql://bob:s3cr3tpw@db/x?password=s3cr3tpw" in.m
	[[ "$stderr" == *"unknown store 'mysql://bob:***@db/x?password=***'"* ]]
	[[ "$stderr" != *s3cr3tpw* ]]
}

@test "pgs-write: a raw row that breaks the contract is refused when landed" {
	raw bbref 1 3 | jq -c 'if .player_name == "Player 2" then .fg_makes = 3 | .fg_attempts = 5 | .three_pt_makes = 4 | .three_pt_attempts = 6 else . end' >in.ndjson
	marked in.ndjson >in.m
	run -1 --separate-stderr pgs-write "${W[@]}" --table raw_boxscores in.m
	assert_equal "$(jq -c '[.rows_in, .inserted, .rejected]' <<<"$output")" "[2,2,1]"
	[[ "$stderr" == *"in.m:2: three_pt_makes 4 > fg_makes 3"* ]]
	assert_equal "$(count raw_boxscores)" "2"
}

@test "pgs-write: a summary row that breaks the contract is refused when landed" {
	summary 1 4 | jq -c 'if .player_lookup == "player2" then .minutes_played = 12.0
	    elif .player_lookup == "player3" then .win_flag = true | .team_points = 90 | .opponent_points = 99
	    else . end' >in.ndjson
	marked in.ndjson >in.m
	run -1 --separate-stderr pgs-write "${W[@]}" in.m
	assert_equal "$(jq -c '[.rows_in, .inserted, .rejected]' <<<"$output")" "[2,2,2]"
	[[ "$stderr" == *"in.m:2: minutes_played 12 is not seconds_played 1830 in minutes"* ]] ||
		fail "stderr: $stderr"
	[[ "$stderr" == *"in.m:3: win_flag true does not match team_points 90 vs 99"* ]] ||
		fail "stderr: $stderr"
	assert_equal "$(count player_game_summary)" "2"
}
