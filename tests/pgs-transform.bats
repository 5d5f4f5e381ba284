#!/usr/bin/env bats
# pgs-transform: per-game summary rows, source merging, formulas, stream contract.

load test_helper

NOW=2024-01-01T00:00:00Z

setup() {
	common_setup
	GAME="$FIXTURES/transform_game.ndjson"
	GOLDEN="$FIXTURES/transform_game.golden.ndjson"
	MERGE="$FIXTURES/transform_merge.ndjson"
	BAD="$FIXTURES/transform_bad.ndjson"
	LINES="$FIXTURES/lines_game.ndjson"
	LINES_BAD="$FIXTURES/lines_bad.ndjson"
}

# player LOOKUP: the summary row of that player in $output.
player() {
	grep -F "\"player_lookup\":\"$1\"" <<<"$output"
}

# marked FILE: the file's rows followed by a valid end marker.
marked() {
	cat "$1"
	printf '{"pgs_end":{"tool":"pgs-resolve","rows":%d,"rejects":0}}\n' "$(grep -c . "$1")"
}

# many N: the game fixture repeated N times, on N dates (from 2000-01-02), so that
# every copy is a real game of the raw-row contract (game_id = date and teams).
many() {
	jq -c -n --argjson n "$1" --slurpfile rows "$GAME" '
	    range(1; $n + 1) as $i | (946684800 + $i * 86400) as $t | ($t | strftime("%Y-%m-%d")) as $d |
	    $rows[] | .game_date = $d |
	    .game_id = ($d | gsub("-"; "")) + "_" + .away_team_abbr + "_" + .home_team_abbr |
	    .season_year = ($t | gmtime | if .[1] >= 6 then .[0] else .[0] - 1 end | floor)'
}

@test "pgs-transform --help prints the usage and exits 0" {
	run --separate-stderr pgs-transform --help
	assert_success
	assert_line --index 0 "usage: pgs-transform [--prefer LIST] [--max-disagree PCT] [--lines FILE] [--bookmakers LIST]"
	assert_output --partial "nbastats,nbacom,bbref"
	assert_output --partial "draftkings,fanduel,betmgm,caesars"
	[ -z "$stderr" ]
}

@test "pgs-transform -V prints the version" {
	run --separate-stderr pgs-transform -V
	assert_success
	assert_output --regexp '^pgs-transform [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "pgs-transform: a bad flag is a usage error (2)" {
	run -2 --separate-stderr pgs-transform --bogus
	[ -z "$output" ]
	[[ "$stderr" == *"Try 'pgs-transform --help'."* ]]
}

@test "pgs-transform: a bad --now or --prefer is a usage error (2)" {
	run -2 --separate-stderr pgs-transform --now yesterday "$GAME"
	[ -z "$output" ]
	[[ "$stderr" == *"pgs-transform: bad --now 'yesterday'"* ]]
	run -2 --separate-stderr pgs-transform --prefer nbacom,,bbref "$GAME"
	[ -z "$output" ]
	[[ "$stderr" == *"pgs-transform: bad --prefer 'nbacom,,bbref'"* ]]
}

@test "pgs-transform: --prefer with a source pgs does not know is a usage error naming the known ones (2)" {
	local bad
	for bad in BBREF bref nbacom,bbref,nba; do
		run -2 --separate-stderr pgs-transform --prefer "$bad" "$GAME"
		[ -z "$output" ]
		assert_equal "${stderr%%$'\n'*}" "pgs-transform: unknown source '${bad##*,}' in --prefer: the sources are bbref, nbacom, nbastats, sample"
	done
	run -2 --separate-stderr pgs-transform --max-disagree 101 "$GAME"
	[[ "$stderr" == *"bad --max-disagree '101'"* ]]
	run -0 --separate-stderr pgs-transform --prefer sample,nbastats "$GAME"
}

@test "pgs-transform: minutes come from the most precise source whatever --prefer says" {
	# a player's whole minutes from the preferred source, MM:SS from another, and the reverse order
	jq -c 'select(.player_name == "Jaylen Brown") | .minutes = (if .source == "bbref" then "36:16" else "36" end)' \
	    "$MERGE" >mins.ndjson
	for p in nbacom,bbref bbref,nbacom; do
		run -0 --separate-stderr pgs-transform --prefer "$p" --now "$NOW" mins.ndjson
		run jq -c 'select(.player_lookup) | [.seconds_played, .minutes_played, (.quality_issues | index("minutes_disagree"))]' <<<"$output"
		assert_output '[2176,36.3,null]'
	done
	# whole minutes only: they are used
	jq -c 'select(.source == "nbacom")' mins.ndjson >whole.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" whole.ndjson
	run jq -c 'select(.player_lookup) | .seconds_played' <<<"$output"
	assert_output 2160
}

@test "pgs-transform: sources disagreeing on a counted stat: a quality code, and above --max-disagree exit 4 with no end marker" {
	# steals and blocks swapped in nbacom's rows, as an unmapped NBA.com export has them
	jq -c 'if .source == "nbacom" then (.steals as $s | .steals = .blocks | .blocks = $s) else . end' "$MERGE" >swap.rows
	marked swap.rows >swap.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" "$MERGE"
	refute_output --partial stats_disagree
	# a game is below the 20 players a rate is judged on: the codes, the stats line, no failure
	run -0 --separate-stderr pgs-transform -v --now "$NOW" swap.ndjson
	assert_line --partial '"pgs_end"'
	[ "$(jq -r 'select(.quality_issues) | select(.quality_issues | index("stats_disagree")) | .player_lookup' <<<"$output" | wc -l)" -ge 1 ]
	[[ $stderr == *"pgs-transform: nbacom vs bbref: 3 players both list; differ: steals 3 of 3 (100.00%), blocks 3 of 3 (100.00%), plus_minus 1 of 2 (50.00%)"* ]]
	# 20 games of it: the pair is judged, and fails loudly
	for i in $(seq 10 29); do
		jq -c --arg d "$i" '.game_id = "202401\($d)_BOS_NYK" | .game_date = "2024-01-\($d)"' swap.rows
	done >many.rows
	marked many.rows >many.ndjson
	run -4 --separate-stderr pgs-transform --now "$NOW" many.ndjson
	refute_output --partial '"pgs_end"'
	[[ $stderr == *"pgs-transform: nbacom and bbref disagree on steals for "*" players both list ("*"%, more than --max-disagree 5%): a mislabelled or shifted column?"* ]]
	# pgs-write downstream commits nothing
	run -3 --separate-stderr pgs-write --store "sqlite:$BATS_TEST_TMPDIR/w.db" --from 2024-01-10 --to 2024-01-29 <<<"$output"
	# a looser threshold lets it through
	run -0 --separate-stderr pgs-transform --now "$NOW" --max-disagree 100 many.ndjson
	assert_line --partial '"pgs_end"'
}

@test "pgs-transform: a missing input file fails (3)" {
	run -3 --separate-stderr pgs-transform "$BATS_TEST_TMPDIR/nope.ndjson"
	[ -z "$output" ]
	[[ "$stderr" == *"cannot open '$BATS_TEST_TMPDIR/nope.ndjson'"* ]]
}

@test "pgs-transform: bad rows are rejected with file:line and a reason, good rows flow (1)" {
	run -1 --separate-stderr pgs-transform --now "$NOW" "$BAD"
	[[ "$stderr" == *"pgs-transform: $BAD:2: malformed JSON"* ]]
	[[ "$stderr" == *"pgs-transform: $BAD:3: bad minutes '3a:10'"* ]]
	[[ "$stderr" == *"pgs-transform: $BAD:4: negative assists -2"* ]]
	[[ "$stderr" == *"pgs-transform: $BAD:5: fg_makes 11 > fg_attempts 10"* ]]
	[[ "$stderr" == *"pgs-transform: $BAD:6: missing game_id"* ]]
	[[ "$stderr" == *"pgs-transform: $BAD:7: bad game_date '2024-02-30'"* ]]
	[[ "$stderr" == *"pgs-transform: $BAD:8: ft_makes 3 > ft_attempts 2"* ]]
	[ "$(grep -c . <<<"$stderr")" -eq 7 ]
	# lines 1 and 9 are good and still come out
	[ "$(jq -r .player_lookup <<<"$output" | paste -sd,)" = "jaysontatum,lukekornet" ]
}

@test "pgs-transform --rejects records the bad line as NDJSON" {
	run -1 --separate-stderr pgs-transform --now "$NOW" --rejects "$BATS_TEST_TMPDIR/rej.ndjson" "$BAD"
	[ -z "$stderr" ]
	run jq -r 'select(.line == 3) | [.tool, .error] | join(" ")' "$BATS_TEST_TMPDIR/rej.ndjson"
	assert_output "pgs-transform bad minutes '3a:10'"
	run jq -r 'select(.line == 2) | .raw' "$BATS_TEST_TMPDIR/rej.ndjson"
	assert_output '{"game_id":"20240110_BOS_NYK",'
}

@test "pgs-transform --max-rejects: too many rejects fail (3) without an end marker" {
	marked "$BAD" > in.ndjson
	run -3 --separate-stderr pgs-transform --max-rejects 2 --now 2024-01-01T00:00:00Z in.ndjson
	refute_output --partial pgs_end
}

@test "pgs-transform: writing to /dev/full fails (3)" {
	# shellcheck disable=SC2016 # $1 is bash -c's
	run -3 --separate-stderr bash -c 'pgs-transform --now 2024-01-01T00:00:00Z "$1" > /dev/full' _ "$GAME"
	[[ "$stderr" == *"pgs-transform: write error"* ]]
}

@test "pgs-transform | head -1 ends quietly: pgs-transform itself ends by SIGPIPE" {
	many 2000 > big.ndjson
	pgs-transform --now 2024-01-01T00:00:00Z big.ndjson 2> err | head -n 1 > first
	local st=("${PIPESTATUS[@]}")
	assert_equal "${st[*]}" "141 0"
	[ ! -s err ] || fail "stderr: $(cat err)"
	assert_equal "$(jq -r .player_lookup first)" jaysontatum
}

@test "pgs-transform: a truncated upstream fails (3) without an end marker" {
	{ head -5 "$GAME"; echo '{"pgs_end":{"tool":"pgs-resolve","rows":24}}'; } > short.ndjson
	run -3 --separate-stderr pgs-transform --now "$NOW" short.ndjson
	refute_output --partial pgs_end
	[[ "$stderr" == *"upstream truncated"* ]]
	# rows after the last marker and no marker following them: upstream died mid-stream
	{ marked "$GAME"; head -3 "$GAME"; } > cut.ndjson
	run -3 --separate-stderr pgs-transform --now "$NOW" cut.ndjson
	refute_output --partial pgs_end
}

@test "pgs-transform: marked input gets its own end marker; hand-made input none" {
	marked "$GAME" > in.ndjson
	run --separate-stderr pgs-transform --now "$NOW" in.ndjson
	assert_success
	[ "$(tail -1 <<<"$output")" = '{"pgs_end":{"tool":"pgs-transform","rows":24,"rejects":0}}' ]
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	assert_success
	refute_output --partial pgs_end
	[ "${#lines[@]}" -eq 24 ]
}

@test "pgs-transform: golden summary rows for a hand-made regulation game and an overtime game" {
	[ -f "$GOLDEN" ] || fail "golden file $GOLDEN is missing"
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	assert_success
	[ -z "$stderr" ]
	diff -u "$GOLDEN" <(printf '%s\n' "$output")
}

@test "pgs-transform: efg, ts and usage match hand-computed values" {
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	assert_success
	# Tatum: 10/20 FG, 4 3PM, 6/7 FT, 3 TOV, 40:00; BOS 65 FGA, 18 FTA, 9 TOV, 240:00
	#   efg = (10 + 0.5·4)/20 = 0.6;  ts = 30/(2·(20 + 0.44·7)) = 30/46.16 = 0.650
	#   usage = 100·(20 + 3.08 + 3)·(240/5) / (40·(65 + 7.92 + 9)) = 125184/3276.8 = 38.2
	run jq -c '[.efg_pct, .ts_pct, .usage_rate]' <<<"$(player jaysontatum)"
	assert_output '[0.6,0.65,38.2]'
	# James, overtime: 22 FGA, 6 FTA, 4 TOV in 53:00; LAL 77 FGA, 19 FTA, 12 TOV over 265:00
	#   usage = 100·28.64·(265/5) / (53·97.36) = 29.4 (with 240 team minutes it would be 26.6)
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	run jq -c '[.usage_rate, .team_points, .opponent_points, .win_flag, .home_game]' <<<"$(player lebronjames)"
	assert_output '[29.4,96,95,true,false]'
}

@test "pgs-transform: zero is not null; DNP minutes are null" {
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	assert_success
	# a 0-for-5 shooter: efg and ts are a true 0.0
	[[ "$(player derrickwhite)" == *'"efg_pct":0.0,"ts_pct":0.0,'* ]]
	# 0 FGA but 2 FTA: efg undefined, ts = 1/(2·0.88) = 0.568
	[[ "$(player alhorford)" == *'"efg_pct":null,"ts_pct":0.568,'* ]]
	# 0:00 played: minutes 0.0, usage undefined
	[[ "$(player samhauser)" == *'"minutes_played":0.0,"seconds_played":0,'* ]]
	[[ "$(player samhauser)" == *'"usage_rate":null,'* ]]
	# Did Not Play with empty minutes: null minutes, a coach's decision
	run jq -c '[.minutes_played, .seconds_played, .is_active, .is_dnp, .dnp_reason, .dnp_reason_category]' \
	    <<<"$(player lukekornet)"
	assert_output '[null,null,false,true,"Did Not Play","coach_decision"]'
}

@test "pgs-transform: player_lookup is computed when pgs-resolve did not run; unknown fields pass through" {
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	run jq -c '[.player_lookup, .universal_player_id, .registry_status, .quality_issues]' <<<"$(player nikolajokic)"
	assert_output '["nikolajokic",null,"unresolved",["unresolved_player"]]'
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	[[ "$(player jaysontatum)" == *'"processed_at":"2024-01-01T00:00:00Z","bbref_player_id":"tatumja01"}' ]]
}

@test "pgs-transform: two sources merge field by field, the preferred one winning" {
	run --separate-stderr pgs-transform --now "$NOW" "$MERGE"
	assert_success
	[ "${#lines[@]}" -eq 4 ]
	# nbacom (preferred) lacks starter and plus_minus: bbref fills the gaps
	run jq -c '[.primary_source_used, .sources_seen, .data_quality_tier, .minutes_played, .starter_flag, .plus_minus]' \
	    <<<"$(player jaysontatum)"
	assert_output '["nbacom",["nbacom","bbref"],"gold",40,true,8]'
	# both have plus_minus and minutes: nbacom's plus_minus wins, but the minutes are
	# bbref's 40:00, to the second, not nbacom's whole 38; > 60 s apart is a quality code
	run --separate-stderr pgs-transform --now "$NOW" "$MERGE"
	run jq -c '[.minutes_played, .plus_minus, .quality_issues[0]]' <<<"$(player jaylenbrown)"
	assert_output '[40,7,"minutes_disagree"]'
	# a DNP only bbref lists: kept, from the fallback source
	run --separate-stderr pgs-transform --now "$NOW" "$MERGE"
	run jq -c '[.primary_source_used, .sources_seen, .data_quality_tier]' <<<"$(player lukekornet)"
	assert_output '["bbref",["bbref"],"silver"]'
}

@test "pgs-transform --prefer changes which source is primary" {
	run --separate-stderr pgs-transform --prefer bbref,nbacom --now "$NOW" "$MERGE"
	assert_success
	run jq -c '[.primary_source_used, .sources_seen, .data_quality_tier, .minutes_played, .plus_minus]' \
	    <<<"$(player jaylenbrown)"
	assert_output '["bbref",["bbref","nbacom"],"gold",40,6]'
	run --separate-stderr pgs-transform --prefer bbref,nbacom --now "$NOW" "$MERGE"
	run jq -r .data_quality_tier <<<"$(player lukekornet)"
	assert_output gold
}

@test "pgs-transform: rows of a game that come back after it was written are rejected" {
	{ head -2 "$GAME"; sed -n 15p "$GAME"; sed -n 3p "$GAME"; } > split.ndjson
	run -1 --separate-stderr pgs-transform --now "$NOW" split.ndjson
	[[ "$stderr" == *"split.ndjson:4: game '20240110_BOS_NYK' is not contiguous: it ended earlier in the input"* ]]
	[ "${#lines[@]}" -eq 3 ]
}

@test "pgs-transform: a rejected row ends no game: the next good rows of its game are taken" {
	# line 3 says another day's game: a reject for that alone, not the start of a game
	{ head -2 "$GAME"; sed -n 3p "$GAME" | jq -c '.game_id = "20240111_BOS_NYK"'; sed -n 4,5p "$GAME"; } >rej.ndjson
	run -1 --separate-stderr pgs-transform --now "$NOW" rej.ndjson
	assert_equal "$stderr" "pgs-transform: rej.ndjson:3: game_id '20240111_BOS_NYK' does not match date and teams (want 20240110_BOS_NYK)"
	[ "${#lines[@]}" -eq 4 ]
	assert_equal "$(jq -r .game_id <<<"$output" | sort -u)" 20240110_BOS_NYK
}

@test "pgs-transform: the same player twice from one source is rejected" {
	{ head -2 "$GAME"; sed -n 1p "$GAME"; } > dup.ndjson
	run -1 --separate-stderr pgs-transform --now "$NOW" dup.ndjson
	[[ "$stderr" == *"dup.ndjson:3: duplicate player 'jaysontatum' from source 'bbref'"* ]]
	[ "${#lines[@]}" -eq 2 ]
}

@test "pgs-transform is deterministic: the same input gives the same bytes" {
	pgs-transform --now "$NOW" "$GAME" > a.ndjson
	pgs-transform --now "$NOW" "$GAME" > b.ndjson
	cmp a.ndjson b.ndjson
	# without --now, SOURCE_DATE_EPOCH fixes processed_at
	run --separate-stderr pgs-transform "$GAME"
	run jq -r .processed_at <<<"${lines[0]}"
	assert_output 2023-11-14T22:13:20Z
}

@test "pgs-transform --now: one ISO-8601 syntax, any offset, written in UTC; bad times are usage errors" {
	pgs-transform --now 2024-01-01T02:30:00.75+02:30 "$GAME" >a.ndjson
	assert_equal "$(head -n 1 a.ndjson | jq -r .processed_at)" 2024-01-01T00:00:00Z
	pgs-transform --now 2023-12-31T19:00:00-05:00 "$GAME" >b.ndjson
	cmp a.ndjson b.ndjson
	local bad
	for bad in 2024-01-01 2024-01-01T00:00:00 '2024-01-01 00:00:00Z' 2024-01-01T24:00:00Z 2024-02-30T00:00:00Z; do
		run -2 --separate-stderr pgs-transform --now "$bad" "$GAME"
		assert_output ""
		assert_equal "${stderr_lines[0]}" "pgs-transform: bad --now '$bad': want YYYY-MM-DDTHH:MM:SS[.f] and Z or +HH:MM"
	done
	# SOURCE_DATE_EPOCH past year 9999 is refused, not printed as year 3170843
	SOURCE_DATE_EPOCH=99999999999999 run -2 --separate-stderr pgs-transform "$GAME"
	assert_output ""
	[[ ${stderr_lines[0]} == "pgs-transform: bad SOURCE_DATE_EPOCH '99999999999999'"* ]]
	SOURCE_DATE_EPOCH=253402300799 run --separate-stderr pgs-transform "$GAME"
	assert_success
	assert_equal "$(jq -r .processed_at <<<"${lines[0]}")" 9999-12-31T23:59:59Z
}

@test "pgs-transform: data_hash follows the content, not processed_at" {
	pgs-transform --now "$NOW" "$GAME" | jq -r .data_hash > h1
	pgs-transform --now 2030-06-01T12:00:00Z "$GAME" | jq -r .data_hash > h2
	cmp h1 h2
	# one more assist for Tatum: his hash changes, nobody else's
	sed '1s/"assists":3/"assists":4/' "$GAME" > changed.ndjson
	pgs-transform --now "$NOW" changed.ndjson | jq -r .data_hash > h3
	[ "$(diff h1 h3 | grep -c '^>')" -eq 1 ]
	[ "$(sed -n 1p h1)" != "$(sed -n 1p h3)" ]
	# it is SHA-256 of the content fields as compact JSON: the row up to data_hash
	line="$(head -1 "$GOLDEN")"
	want="$(printf '%s}' "${line%%,\"data_hash\":*}" | sha256sum | cut -c1-16)"
	[ "$want" = "$(sed -n 1p h1)" ]
}

@test "pgs-transform: real bbref data through extract | resolve | transform" {
	require_data
	pgs-extract --from 2022-10-18 --to 2022-10-31 \
	    "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2022-23.csv.gz" |
	    pgs-resolve --register | pgs-transform > sum.ndjson
	tail -1 sum.ndjson | jq -e '.pgs_end.tool == "pgs-transform" and .pgs_end.rejects == 0'
	# every active player has minutes; usage is missing only for 0:00 players
	run jq -s -c '[.[] | select(.is_active)] | [length,
	    (map(select(.minutes_played == null)) | length),
	    (map(select(.usage_rate == null and .seconds_played > 0)) | length)]' sum.ndjson
	assert_output --regexp '^\[[0-9]{4,},0,0\]$'
	# team points are the sum of player points, and each game has a winner
	run jq -s -c '[.[] | select(.game_id) | select(.team_points + .opponent_points == 0 or .win_flag == null)] | length' sum.ndjson
	assert_output 0
}

# typed GAME_TYPE: the fixture's games as the given types (first game, second game).
typed() {
	jq -c --arg a "$1" --arg b "$2" '.game_type = (if .game_id == "20240110_BOS_NYK" then $a else $b end)' "$GAME"
}

@test "pgs-transform: game_type normalized, counts_toward_regular_season from it; usage and win flag unchanged" {
	pgs-transform --now "$NOW" "$GAME" | jq -c '[.game_id, .player_lookup, .usage_rate, .win_flag, .points]' >want
	# the spelling of older stores' raw rows (playin) comes out as play_in
	typed playin cup_final >in.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" in.ndjson
	[ "$(jq -c '[.game_id, .game_type, .counts_toward_regular_season]' <<<"$output" | sort -u)" = '["20240110_BOS_NYK","play_in",false]
["20240112_LAL_DEN","cup_final",false]' ]
	diff want <(jq -c '[.game_id, .player_lookup, .usage_rate, .win_flag, .points]' <<<"$output")
	typed cup_knockout playoffs >in.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" in.ndjson
	[ "$(jq -c '[.game_id, .game_type, .counts_toward_regular_season]' <<<"$output" | sort -u)" = '["20240110_BOS_NYK","cup_knockout",true]
["20240112_LAL_DEN","playoffs",false]' ]
	run -0 --separate-stderr pgs-transform --now "$NOW" "$GAME"
	[ "$(jq -c '[.game_type, .counts_toward_regular_season]' <<<"$output" | sort -u)" = '["regular",true]' ]
}

@test "pgs-transform: a game is provisional (is_final false) in every row when one source says so; final when none does" {
	# 20240110_BOS_NYK: basketball-reference final, three of its players also from stats.nba.com mid-game
	{
		jq -c 'select(.game_id == "20240110_BOS_NYK") | .is_final = true' "$GAME"
		jq -c 'select(.game_id == "20240110_BOS_NYK")' "$GAME" | head -n 3 | jq -c '.source = "nbastats" | .is_final = false'
		jq -c 'select(.game_id == "20240112_LAL_DEN")' "$GAME"
	} >in.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" in.ndjson
	[ "$(jq -c 'select(.game_id) | [.game_id, .is_final]' <<<"$output" | sort | uniq -c | awk '{ print $2 }')" = \
		'["20240110_BOS_NYK",false]
["20240112_LAL_DEN",true]' ]
	# the same source saying nothing (null) leaves the game final
	sed 's/"is_final":false/"is_final":null/' in.ndjson >silent.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" silent.ndjson
	[ "$(jq -c 'select(.game_id) | .is_final' <<<"$output" | sort -u)" = true ]
}

@test "pgs-transform: preseason and all_star games are left out, counted in the end marker and statistics" {
	typed preseason regular >in.ndjson
	marked in.ndjson >m.ndjson
	run -0 --separate-stderr pgs-transform -v --now "$NOW" m.ndjson
	[ "$(jq -r 'select(.game_id) | .game_id' <<<"$output" | sort -u)" = 20240112_LAL_DEN ]
	[ "$(tail -1 <<<"$output")" = '{"pgs_end":{"tool":"pgs-transform","rows":10,"rejects":0,"excluded":{"preseason":14,"all_star":0}}}' ]
	[[ $stderr == *"24 rows in, 10 summary rows out, 0 rejected, 14 excluded (14 preseason, 0 all_star)"* ]]
	typed regular all_star >in.ndjson
	marked in.ndjson >m.ndjson
	run -0 --separate-stderr pgs-transform --now "$NOW" m.ndjson
	[ "$(tail -1 <<<"$output")" = '{"pgs_end":{"tool":"pgs-transform","rows":14,"rejects":0,"excluded":{"preseason":0,"all_star":10}}}' ]
	# --keep-exhibition keeps them, typed
	run -0 --separate-stderr pgs-transform --keep-exhibition --now "$NOW" m.ndjson
	[ "$(jq -c 'select(.game_id) | [.game_type, .counts_toward_regular_season]' <<<"$output" | sort -u)" = '["all_star",false]
["regular",true]' ]
	[ "$(tail -1 <<<"$output")" = '{"pgs_end":{"tool":"pgs-transform","rows":24,"rejects":0}}' ]
}

@test "pgs-transform: an excluded game's rows are still checked: a bad one is a reject" {
	typed preseason regular | jq -c 'if .player_name == "Jayson Tatum" then .season_year = 2030 else . end' >in.ndjson
	run -1 --separate-stderr pgs-transform --now "$NOW" in.ndjson
	[[ $stderr == *"in.ndjson:1: season_year 2030 does not match game_date 2024-01-10"* ]]
}

@test "pgs-transform: DNP reasons map to categories" {
	# one DNP row per reason, each a different player of the same game
	base="$(sed -n 8p "$GAME")"
	i=0
	while IFS='|' read -r reason want; do
		i=$((i + 1))
		jq -c --arg r "$reason" --arg n "p$i" '.dnp_reason = $r | .player_lookup = $n | .universal_player_id = $n' \
		    <<<"$base"
		printf '%s\n' "$want" >> want.txt
	done > dnp.ndjson <<-'EOT'
	Did Not Play|coach_decision
	Did Not Dress|other
	Not With Team|not_with_team
	Player Suspended|suspension
	DNP - Coach's Decision|coach_decision
	DNP - Injury/Illness - Left Ankle; Sprain|injury
	Rest|rest
	Personal Reasons|personal
	G League - Two-Way|not_with_team
	Health and Safety Protocols|injury
	Inactive|other
	EOT
	run --separate-stderr pgs-transform --now "$NOW" dnp.ndjson
	assert_success
	[ "$(jq -r .dnp_reason_category <<<"$output")" = "$(cat want.txt)" ]
}

# line LOOKUP: the props fields of that player, as a compact JSON array.
# summarize ARGS...: run pgs-transform --now $NOW ARGS (status and stderr as run leaves
# them) and keep its rows in summary.ndjson for props.
summarize() {
	run --separate-stderr pgs-transform --now "$NOW" "$@"
	printf '%s\n' "$output" >summary.ndjson
}

# props LOOKUP: the props fields of that player's row in summary.ndjson.
props() {
	jq -c '[.points_line, .points_line_source, .over_under_result, .margin]' \
	    <<<"$(grep -F "\"player_lookup\":\"$1\"" summary.ndjson)"
}

@test "pgs-transform --lines: the highest-priority bookmaker wins, unknown ones after by name" {
	summarize --lines "$LINES" "$GAME"
	assert_success
	[ -z "$stderr" ]
	# Brown: pointsbet (not listed) is newer, fanduel (listed) still wins
	run props jaylenbrown
	assert_output '[22,"fanduel","PUSH",0]'
	# Brunson: BetMGM is listed (names compare without case), bovada is not
	run props jalenbrunson
	assert_output '[33.5,"BetMGM","UNDER",-1.5]'
	# Randle: two unlisted bookmakers, betrivers before bovada by name
	run props juliusrandle
	assert_output '[21.5,"betrivers","UNDER",-0.5]'
	# --bookmakers reorders: bovada first
	summarize --lines "$LINES" --bookmakers bovada,draftkings "$GAME"
	run props jalenbrunson
	assert_output '[30.5,"bovada","OVER",1.5]'
}

@test "pgs-transform --lines: the latest snapshot before tip-off wins; one at or after tip-off is ignored" {
	summarize --lines "$LINES" "$GAME"
	assert_success
	# Tatum, draftkings: 26.5 at 12:00, 28.5 at 18:00, 29.5 at 00:15, 31.5 at tip-off 00:30 (ignored);
	# fanduel's later 27.5 loses to the preferred bookmaker
	run props jaysontatum
	assert_output '[29.5,"draftkings","OVER",0.5]'
	# Jokić has no tipoff_at: 2024-01-13T00:10Z is past the end of game_date UTC, ignored
	run props nikolajokic
	assert_output '[26.5,"draftkings","OVER",6.5]'
	# an offset timestamp is converted: 19:00-05:00 is 00:00Z, before the 03:00Z tip-off
	run props lebronjames
	assert_output '[25.5,"draftkings","OVER",3.5]'
}

@test "pgs-transform --lines: OVER, UNDER, PUSH and the margin printed with 1 dp" {
	summarize --lines "$LINES" "$GAME"
	assert_success
	[[ "$(player jaysontatum)" == *'"points_line":29.5,"points_line_source":"draftkings","over_under_result":"OVER","margin":0.5,'* ]]
	[[ "$(player jaylenbrown)" == *'"points_line":22.0,"points_line_source":"fanduel","over_under_result":"PUSH","margin":0.0,'* ]]
	[[ "$(player kristapsporzingis)" == *'"over_under_result":"OVER","margin":0.5,'* ]]
	# zero points is a result, not a missing one
	[[ "$(player samhauser)" == *'"points_line":0.5,"points_line_source":"draftkings","over_under_result":"UNDER","margin":-0.5,'* ]]
}

@test "pgs-transform --lines: no line, a DNP, another market, or no --lines at all give nulls" {
	summarize --lines "$LINES" "$GAME"
	assert_success
	# Derrick White has no line
	run props derrickwhite
	assert_output '[null,null,null,null]'
	# Luke Kornet has a line but did not play
	run props lukekornet
	assert_output '[null,null,null,null]'
	# LeBron's rebounds line is skipped (his points line is used above); without it he has none
	grep -v player_points "$LINES" > reb.ndjson
	summarize --lines reb.ndjson "$GAME"
	assert_success
	run props lebronjames
	assert_output '[null,null,null,null]'
	# without --lines every props field is null
	run --separate-stderr pgs-transform --now "$NOW" "$GAME"
	[ "$(jq -c '[.points_line, .points_line_source, .over_under_result, .margin] | map(select(. != null)) | length' \
	    <<<"$output" | sort -u)" = 0 ]
}

@test "pgs-transform --lines: names match lookups, without diacritics, and without a Jr. suffix" {
	summarize --lines "$LINES" "$GAME"
	assert_success
	# "Nikola Jokic" in the lines file, "Nikola Jokić" in the box score
	run props nikolajokic
	assert_output '[26.5,"draftkings","OVER",6.5]'
	# player_lookup given instead of player_name, for "Kristaps Porziņģis"
	run props kristapsporzingis
	assert_output '[19.5,"caesars","OVER",0.5]'
	# "Michael Porter" in the lines file, "Michael Porter Jr." in the box score
	run props michaelporterjr
	assert_output '[16.5,"fanduel","UNDER",-1.5]'
}

@test "pgs-transform --lines: a gzipped lines file works; props fields are hashed into data_hash" {
	gzip -c "$LINES" > lines.ndjson.gz
	pgs-transform --now "$NOW" --lines "$LINES" "$GAME" > plain.ndjson
	pgs-transform --now "$NOW" --lines lines.ndjson.gz "$GAME" > gz.ndjson
	cmp plain.ndjson gz.ndjson
	# players with a line get a new hash, players without keep theirs
	pgs-transform --now "$NOW" "$GAME" > none.ndjson
	[ "$(jq -r 'select(.player_lookup == "jaysontatum") | .data_hash' plain.ndjson)" != \
	  "$(jq -r 'select(.player_lookup == "jaysontatum") | .data_hash' none.ndjson)" ]
	[ "$(jq -r 'select(.player_lookup == "derrickwhite") | .data_hash' plain.ndjson)" = \
	  "$(jq -r 'select(.player_lookup == "derrickwhite") | .data_hash' none.ndjson)" ]
	line="$(grep -F '"jaysontatum"' plain.ndjson)"
	want="$(printf '%s}' "${line%%,\"data_hash\":*}" | sha256sum | cut -c1-16)"
	[ "$want" = "$(jq -r .data_hash <<<"$line")" ]
	[[ "${line%%,\"data_hash\":*}" == *'"points_line":29.5,'* ]]
}

@test "pgs-transform --lines: a bad line is rejected with FILE:LINE, the other lines are used (1)" {
	marked "$GAME" > in.ndjson
	summarize --lines "$LINES_BAD" in.ndjson
	assert_failure 1
	[[ "$stderr" == *"pgs-transform: $LINES_BAD:2: malformed JSON"* ]]
	[[ "$stderr" == *"pgs-transform: $LINES_BAD:3: line is not a number"* ]]
	[[ "$stderr" == *"pgs-transform: $LINES_BAD:4: bad game_date '2024-02-30'"* ]]
	[[ "$stderr" == *"pgs-transform: $LINES_BAD:5: missing bookmaker"* ]]
	[[ "$stderr" == *"pgs-transform: $LINES_BAD:6: bad snapshot_at 'yesterday'"* ]]
	[[ "$stderr" == *"pgs-transform: $LINES_BAD:7: missing player_name or player_lookup"* ]]
	[ "$(grep -c . <<<"$stderr")" -eq 6 ]
	# every game row still comes out; lines 1 and 8 are used
	[ "$(grep -c player_lookup summary.ndjson)" -eq 24 ]
	# the run finished: its marker counts the rejects
	assert_equal "$(tail -1 summary.ndjson)" '{"pgs_end":{"tool":"pgs-transform","rows":24,"rejects":6}}'
	run props jaysontatum
	assert_output '[28.5,"draftkings","OVER",1.5]'
	run props jalenbrunson
	assert_output '[30.5,"draftkings","OVER",1.5]'
	# --rejects records them with the lines file's name
	run -1 --separate-stderr pgs-transform --now "$NOW" --lines "$LINES_BAD" --rejects rej.ndjson in.ndjson
	[ -z "$stderr" ]
	run jq -r 'select(.line == 3) | [.input, .error] | join(" ")' rej.ndjson
	assert_output "$LINES_BAD line is not a number"
	# and --max-rejects counts them: the run fails before any row is written
	run -3 --separate-stderr pgs-transform --now "$NOW" --lines "$LINES_BAD" --max-rejects 2 in.ndjson
	[ -z "$output" ]
}

@test "pgs-transform --lines: a missing lines file fails (3); a bad --bookmakers is a usage error (2)" {
	run -3 --separate-stderr pgs-transform --now "$NOW" --lines "$BATS_TEST_TMPDIR/nope.ndjson" "$GAME"
	[ -z "$output" ]
	[[ "$stderr" == *"cannot open '$BATS_TEST_TMPDIR/nope.ndjson'"* ]]
	run -2 --separate-stderr pgs-transform --now "$NOW" --lines "$LINES" --bookmakers draftkings,,fanduel "$GAME"
	[ -z "$output" ]
	[[ "$stderr" == *"pgs-transform: bad --bookmakers 'draftkings,,fanduel'"* ]]
}

@test "pgs-transform --lines: timestamps with fractions and offsets, bad tip-off, other value types" {
	cat > odd.ndjson <<-'EOF'
	{"game_date":"2024-01-10","player_name":"Josh Hart","bookmaker":"draftkings","line":5.5,"snapshot_at":"2024-01-10T19:30:00.123+00:00","tipoff_at":"2024-01-10T19:30:00.124Z"}
	{"game_date":"2024-01-10","player_name":"Josh Hart","bookmaker":"draftkings","line":9.5,"snapshot_at":"2024-01-10T19:30:00.124Z","tipoff_at":"2024-01-10T19:30:00.124Z"}
	{"game_date":"2024-01-10","player_name":"Donte DiVincenzo","bookmaker":"draftkings","line":12.5,"snapshot_at":"2024-01-10T19:30:00","tipoff_at":"2024-01-11T00:30:00Z"}
	{"game_date":"2024-01-10","player_name":"Donte DiVincenzo","bookmaker":"draftkings","line":12.5,"snapshot_at":"2024-01-10T19:30:00Z","tipoff_at":"soon"}
	{"game_date":"2024-01-10","player_name":"Donte DiVincenzo","bookmaker":"draftkings","line":-1,"snapshot_at":"2024-01-10T19:30:00Z"}
	{"game_date":"2024-01-10","player_name":"Donte DiVincenzo","bookmaker":"draftkings","line":12.5,"snapshot_at":"2024-01-10T19:30:00Z","market":7}
	{"game_date":"2024-01-10","player_name":"Mitchell Robinson","bookmaker":"draftkings","line":9,"snapshot_at":"2024-01-10T23:59:59Z"}
	EOF
	summarize --lines odd.ndjson "$GAME"
	assert_failure 1
	[[ "$stderr" == *"odd.ndjson:3: bad snapshot_at '2024-01-10T19:30:00'"* ]]
	[[ "$stderr" == *"odd.ndjson:4: bad tipoff_at 'soon'"* ]]
	[[ "$stderr" == *"odd.ndjson:5: negative line (-1)"* ]]
	[[ "$stderr" == *"odd.ndjson:6: market is not a string"* ]]
	[ "$(grep -c . <<<"$stderr")" -eq 4 ]
	# a millisecond before tip-off counts, at tip-off does not
	run props joshhart
	assert_output '[5.5,"draftkings","OVER",0.5]'
	run props dontedivincenzo
	assert_output '[null,null,null,null]'
	# the last second of game_date still counts when there is no tipoff_at
	run props mitchellrobinson
	assert_output '[9,"draftkings","PUSH",0]'
}
