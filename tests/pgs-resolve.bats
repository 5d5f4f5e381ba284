#!/usr/bin/env bats
# pgs-resolve: registry lookups, registration, aliases, unresolved names, stream contract.

load test_helper

setup() {
	common_setup
	DB="$BATS_TEST_TMPDIR/pgs.db"
	SMALL="$FIXTURES/resolve_small.ndjson"
	ALIASES="$FIXTURES/resolve_aliases.csv"
}

# row NAME [SOURCE] [SOURCE_PLAYER_ID] [EXTRA_JSON]: one complete raw row (compact
# JSON) of DEN at home to LAL on 2023-10-24, with a played stat line that every
# row shares unless EXTRA_JSON (merged last) changes it.
row() {
	jq -cn --arg n "$1" --arg s "${2:-bbref}" --arg id "${3:-}" --argjson x "${4:-{\}}" '
	    {game_id: "20231024_LAL_DEN", game_date: "2023-10-24", season_year: 2023,
	     game_type: "regular", home_team_abbr: "DEN", away_team_abbr: "LAL",
	     team_abbr: "DEN", opponent_team_abbr: "LAL",
	     source: $s, source_game_id: null, source_player_id: (if $id == "" then null else $id end),
	     player_name: $n, player_status: "active", dnp_reason: null, starter: null,
	     minutes: "25:00", points: 10, fg_makes: 4, fg_attempts: 9, three_pt_makes: 1,
	     three_pt_attempts: 3, ft_makes: 1, ft_attempts: 2, offensive_rebounds: 1,
	     defensive_rebounds: 4, total_rebounds: 5, assists: 3, steals: 1, blocks: 0,
	     turnovers: 2, personal_fouls: 2, plus_minus: 3} + $x'
}

# game_of GAME_ID TEAM: the game's fields for TEAM's row (GAME_ID is
# YYYYMMDD_AWAY_HOME; the season follows from the date), as JSON.
game_of() {
	jq -cn --arg g "$1" --arg t "$2" '
	    ($g[0:4] | tonumber) as $y | ($g[4:6] | tonumber) as $m |
	    {game_id: $g, game_date: ($g[0:4] + "-" + $g[4:6] + "-" + $g[6:8]),
	     season_year: (if $m >= 7 then $y else $y - 1 end),
	     away_team_abbr: $g[9:12], home_team_abbr: $g[13:16], team_abbr: $t,
	     opponent_team_abbr: (if $t == $g[9:12] then $g[13:16] else $g[9:12] end)}'
}

# gid YYYYMMDD TEAM: a game id of TEAM at home that day (to BOS, or NYK for BOS).
gid() {
	if [ "$2" = BOS ]; then echo "$1_NYK_$2"; else echo "$1_BOS_$2"; fi
}

# game_row NAME SOURCE ID TEAM GAME_ID [EXTRA_JSON]: a raw row of TEAM in the game.
game_row() {
	row "$1" "$2" "$3" "$(jq -cn --argjson g "$(game_of "$5" "$4")" --argjson x "${6:-{\}}" '$g + $x')"
}

# line SEED [whole]: a played stat line of its own for SEED (1..40), as JSON: minutes
# "MM:17" as bbref prints them, or with "whole" the whole minutes NBA.com rounds them to.
line() {
	jq -cn --argjson n "$1" --arg whole "${2:-}" '
	    ($n % 3) as $t | ($n % 4) as $f | ($n % 2) as $o |
	    {minutes: (if $whole == "" then "\(10 + $n):17" else "\(10 + $n)" end),
	     fg_makes: $n, fg_attempts: ($n + 4), three_pt_makes: $t, three_pt_attempts: ($t + 2),
	     ft_makes: $f, ft_attempts: ($f + 1), points: (2 * $n + $t + $f),
	     offensive_rebounds: $o, defensive_rebounds: ($n + 1), total_rebounds: ($o + $n + 1),
	     assists: ($n % 5), steals: ($n % 3), blocks: $o, turnovers: $f,
	     personal_fouls: (1 + $n % 5), plus_minus: ($n - 5)}'
}

# box NAME SOURCE ID TEAM GAME_ID SEED [EXTRA_JSON]: a row of TEAM in the game with
# stat line SEED (whole minutes for nbacom), EXTRA_JSON merged last.
box() {
	local whole=""
	[ "$2" = nbacom ] && whole=1
	game_row "$1" "$2" "$3" "$4" "$5" "$(jq -cn --argjson l "$(line "$6" $whole)" \
	    --argjson x "${7:-{\}}" '$l + $x')"
}

# BOX_FIELDS: the fields the box-score rule compares, as its alias rule names them.
BOX_FIELDS=minutes,points,total_rebounds,assists,fg_makes,fg_attempts,three_pt_makes,three_pt_attempts,ft_makes,ft_attempts,steals,blocks,turnovers,personal_fouls

# The names NBA.com prints differently from bbref: bbref name|bbref id|team|NBA.com name|status|alias rule.
pairs() {
	cat <<-'EOF'
	Nikola Jokić|jokicni01|DEN|Nikola Jokic|new|
	A.J. Green|greenaj01|MIL|AJ Green|new|
	Jeenathan Williams|willije02|HOU|Nate Williams|alias|aliases-file
	Matthew Hurt|hurtma01|MEM|Matt Hurt|alias|aliases-file
	Marcus Morris|morrima03|PHI|Marcus Morris Sr.|alias|suffix-insensitive
	Xavier Tillman Sr.|tillmxa01|MEM|Xavier Tillman|alias|suffix-insensitive
	GG Jackson II|jacksgg01|MEM|GG Jackson|alias|suffix-insensitive
	Kevin Knox|knoxke01|DET|Kevin Knox II|alias|suffix-insensitive
	Reggie Bullock|bullore01|HOU|Reggie Bullock Jr.|alias|suffix-insensitive
	Harry Giles|gilesha01|BKN|Harry Giles III|alias|suffix-insensitive
	Robert Williams|williro04|POR|Robert Williams III|alias|suffix-insensitive
	Jermaine Samuels|samueje01|HOU|Jermaine Samuels Jr.|alias|suffix-insensitive
	Jeff Dowtin|dowtije01|PHI|Jeff Dowtin Jr.|alias|suffix-insensitive
	EOF
}

# pair_rows: bbref.ndjson and nbacom.ndjson, each pair in one game of its team.
pair_rows() {
	local b id t n st rule
	while IFS='|' read -r b id t n st rule; do
		game_row "$b" bbref "$id" "$t" "$(gid 20240110 "$t")" >>bbref.ndjson
		game_row "$n" nbacom "" "$t" "$(gid 20240110 "$t")" '{"minutes": "25"}' >>nbacom.ndjson
	done < <(pairs)
}

# field N KEY: KEY of the N-th output row (1-based) of $output, raw.
field() {
	sed -n "$1p" <<<"$output" | jq -r ".$2"
}

# marked FILE: the file's rows followed by a valid end marker.
marked() {
	cat "$1"
	printf '{"pgs_end":{"tool":"test","rows":%d}}\n' "$(grep -c . "$1")"
}

sql() {
	sqlite3 "$DB" "$1"
}

@test "pgs-resolve --help prints the usage and exits 0" {
	run --separate-stderr pgs-resolve --help
	assert_success
	assert_line --index 0 --partial "usage: pgs-resolve [--registry URI] [--aliases FILE] [--register]"
	assert_output --partial "--unresolved FILE"
	[ -z "$stderr" ]
}

@test "pgs-resolve -V prints the version" {
	run --separate-stderr pgs-resolve -V
	assert_success
	assert_output --regexp '^pgs-resolve [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "pgs-resolve: a bad flag is a usage error (2)" {
	run -2 --separate-stderr pgs-resolve --bogus
	[ -z "$output" ]
	[[ "$stderr" == *"Try 'pgs-resolve --help'."* ]]
}

@test "pgs-resolve: a missing input file fails (3)" {
	pgs-resolve --register </dev/null
	run -3 --separate-stderr pgs-resolve "$BATS_TEST_TMPDIR/nope.ndjson"
	[ -z "$output" ]
	[[ "$stderr" == *"cannot open '$BATS_TEST_TMPDIR/nope.ndjson'"* ]]
}

@test "pgs-resolve: --register on an empty store gives new ids, a second run the same ids resolved" {
	grep -v pgs_end "$SMALL" | grep -v nbacom >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	[ -z "$stderr" ]
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "nikolajokic_001 new"
	assert_equal "$(field 2 universal_player_id) $(field 2 registry_status)" "lebronjames_001 new"
	assert_equal "$(field 1 player_lookup)" "nikolajokic"
	first=$output
	run --separate-stderr pgs-resolve in.ndjson
	assert_success
	assert_equal "$(jq -r .universal_player_id <<<"$output")" "$(jq -r .universal_player_id <<<"$first")"
	# "new" marks the registering game's rows in every run, so a rerun is identical
	assert_equal "$(jq -r .registry_status <<<"$output" | sort -u)" "new"
	assert_equal "$(sql "SELECT source_player_id FROM player_source_ids WHERE universal_player_id = 'nikolajokic_001'")" "jokicni01"
	# the same player in another game is plain resolved
	jq -c '.game_id = "20240420" + .game_id[8:] | .game_date = "2024-04-20"' in.ndjson >later.ndjson
	run --separate-stderr pgs-resolve later.ndjson
	assert_success
	assert_equal "$(jq -r .registry_status <<<"$output" | sort -u)" "resolved"
}

@test "pgs-resolve: two source ids with the same lookup are two players (_001, _002)" {
	{ row "Marcus Williams" bbref willima01; row "Marcus Williams" bbref willima02; row "Marcus Williams" bbref willima01; } >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_equal "$(jq -r .universal_player_id <<<"$output" | paste -sd' ')" \
	    "marcuswilliams_001 marcuswilliams_002 marcuswilliams_001"
	assert_equal "$(jq -r .registry_status <<<"$output" | paste -sd' ')" "new new new"
	# without --register a third id of that name is ambiguous: unresolved
	row "Marcus Williams" bbref willima03 >in3.ndjson
	run --separate-stderr pgs-resolve in3.ndjson
	assert_success
	assert_equal "$(field 1 registry_status)" "unresolved"
}

@test "pgs-resolve: a known source id resolves a different spelling (status alias)" {
	row "Jeenathan Williams" bbref willije02 >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	row "Nate Williams" bbref willije02 >in2.ndjson
	run --separate-stderr pgs-resolve in2.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "jeenathanwilliams_001 alias"
	# the registry's lookup and name, whatever the spelling; the printed name stays
	assert_equal "$(field 1 player_lookup)|$(field 1 player_full_name)|$(field 1 player_name)" \
	    "jeenathanwilliams|Jeenathan Williams|Nate Williams"
	# the decision is recorded, so a source without ids resolves that spelling too
	assert_equal "$(sql "SELECT alias_lookup, universal_player_id, rule FROM player_aliases")" \
	    "natewilliams|jeenathanwilliams_001|source-id"
	row "Nate Williams" nbacom >in3.ndjson
	run --separate-stderr pgs-resolve in3.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "jeenathanwilliams_001 alias"
}

@test "pgs-resolve: one player with the lookup resolves a new source's id, which is recorded" {
	row "Nikola Jokić" bbref jokicni01 >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	row "Nikola Jokic" nbastats 203999 >in2.ndjson
	run --separate-stderr pgs-resolve in2.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "nikolajokic_001 new"
	assert_equal "$(sql "SELECT universal_player_id FROM player_source_ids WHERE source = 'nbastats' AND source_player_id = '203999'")" \
	    "nikolajokic_001"
	# the same name under a different id of a known source is someone else
	row "Nikola Jokic" bbref jokicni99 >in3.ndjson
	run --separate-stderr pgs-resolve in3.ndjson
	assert_success
	assert_equal "$(field 1 registry_status)" "unresolved"
}

@test "pgs-resolve: an unknown name without --register is unresolved, kept and queued" {
	{ row "Nobody Known" bbref nobodyk01; row "Nobody Known" bbref nobodyk01; } >in.ndjson
	pgs-resolve --register </dev/null
	run --separate-stderr pgs-resolve --unresolved unres.ndjson in.ndjson
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "null unresolved"
	assert_equal "$(field 1 points)" "10"
	assert_equal "$(sql "SELECT player_lookup, source, player_name, team_abbr, first_game_id, occurrences FROM unresolved_player_names")" \
	    "nobodyknown|bbref|Nobody Known|DEN|20231024_LAL_DEN|2"
	assert_equal "$(sql "SELECT count(*) FROM players_registry")" "0"
	run jq -c . unres.ndjson
	assert_line --index 0 '{"player_name":"Nobody Known","player_lookup":"nobodyknown","source":"bbref","team_abbr":"DEN","game_id":"20231024_LAL_DEN","game_date":"2023-10-24"}'
	assert_equal "${#lines[@]}" 2
}

@test "pgs-resolve: aliases file maps NBA.com names to the bbref player (status alias) and saves them" {
	grep -v pgs_end "$SMALL" | grep bbref >bbref.ndjson
	grep -v pgs_end "$SMALL" | grep nbacom >nbacom.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	run --separate-stderr pgs-resolve --aliases "$ALIASES" nbacom.ndjson
	assert_success
	assert_equal "$(jq -r '[.player_name, .universal_player_id, .registry_status] | join(",")' <<<"$output" | paste -sd';')" \
	    "Nikola Jokic,nikolajokic_001,new;Matt Hurt,matthewhurt_001,alias;Nate Williams,jeenathanwilliams_001,alias"
	assert_equal "$(sql "SELECT alias_lookup, universal_player_id, rule FROM player_aliases ORDER BY 1" | paste -sd';')" \
	    "jokicnikola|nikolajokic_001|aliases-file;matthurt|matthewhurt_001|aliases-file;natewilliams|jeenathanwilliams_001|aliases-file"
	# saved in the store: the next run needs no aliases file
	run --separate-stderr pgs-resolve nbacom.ndjson
	assert_success
	assert_equal "$(field 3 universal_player_id) $(field 3 registry_status)" "jeenathanwilliams_001 alias"
}

@test "pgs-resolve: each NBA.com spelling of a bbref player resolves to the bbref player's uid" {
	pair_rows
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	# a batch as the store hands it over: a game's bbref rows, then its nbacom rows
	run --separate-stderr pgs-resolve --aliases "$PGS_ROOT/pipelines/aliases.csv" bbref.ndjson nbacom.ndjson
	assert_success
	[ -z "$stderr" ]
	n=$(pairs | wc -l)
	assert_equal "${#lines[@]}" $((2 * n))
	local i b id t nb st rule
	i=0
	while IFS='|' read -r b id t nb st rule; do
		i=$((i + 1))
		assert_equal "$(field $((n + i)) player_name) $(field $((n + i)) universal_player_id) $(field $((n + i)) registry_status)" \
		    "$nb $(field $i universal_player_id) $st"
		# one lookup and name for both rows: the registry's
		assert_equal "$(field $((n + i)) player_lookup)|$(field $((n + i)) player_full_name)" \
		    "$(field $i player_lookup)|$b"
		[ -z "$rule" ] || assert_equal "$(sql "SELECT r.player_full_name, a.rule FROM player_aliases a JOIN players_registry r
		    USING (universal_player_id) WHERE a.universal_player_id = '$(field $i universal_player_id)'")" "$b|$rule"
	done < <(pairs)
	assert_equal "$(sql "SELECT rule, count(*) FROM player_aliases GROUP BY 1 ORDER BY 1" | paste -sd' ')" \
	    "aliases-file|2 suffix-insensitive|9"
	assert_equal "$(sql "SELECT count(*) FROM players_registry")" "$n"
	# recorded: the next run needs neither the aliases file nor the bbref rows
	run --separate-stderr pgs-resolve nbacom.ndjson
	assert_success
	assert_equal "$(jq -r .universal_player_id <<<"$output" | grep -c null)" "0"
	assert_equal "$(jq -r .registry_status <<<"$output" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" \
	    "alias=11 new=2 "
}

@test "pgs-resolve: with --register in one batch the NBA.com spellings still join the bbref players" {
	pair_rows
	run --separate-stderr pgs-resolve --register --aliases "$PGS_ROOT/pipelines/aliases.csv" bbref.ndjson nbacom.ndjson
	assert_success
	n=$(pairs | wc -l)
	assert_equal "$(sql "SELECT count(*) FROM players_registry")" "$n"
	assert_equal "$(jq -r .registry_status <<<"$output" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" \
	    "alias=11 new=15 "
}

@test "pgs-resolve: box score: a nickname takes the player whose row in its team-game has its stat line; the alias keeps the evidence" {
	g=20231025_HOU_ORL
	{
		box "Jeenathan Williams" bbref willije02 HOU $g 1
		box "Jalen Green" bbref greenja05 HOU $g 2
		box "Paolo Banchero" bbref banchpa01 ORL $g 1
	} >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	# the store hands a game over source by source; Banchero's line is the same, on the other team
	{
		cat bbref.ndjson
		box "Nate Williams" nbacom "" HOU $g 1
		box "Jalen Green" nbacom "" HOU $g 2
		box "Paolo Banchero" nbacom "" ORL $g 1
	} >game.ndjson
	run --separate-stderr pgs-resolve -v game.ndjson
	assert_success
	assert_equal "$(field 4 player_name)|$(field 4 universal_player_id)|$(field 4 registry_status)" \
	    "Nate Williams|jeenathanwilliams_001|alias"
	assert_equal "$(field 4 player_lookup)|$(field 4 player_full_name)" "jeenathanwilliams|Jeenathan Williams"
	[[ "$stderr" == *"box-score rule: 1 matched, 0 tied or shared"* ]]
	assert_equal "$(sql "SELECT alias_lookup, universal_player_id, rule FROM player_aliases")" \
	    "natewilliams|jeenathanwilliams_001|box-score game=$g team=HOU sources=nbacom,bbref fields=$BOX_FIELDS"
	# recorded: a later NBA.com-only game resolves the spelling by the alias
	box "Nate Williams" nbacom "" HOU 20240404_GSW_HOU 9 >later.ndjson
	run --separate-stderr pgs-resolve -v later.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id)|$(field 1 registry_status)|$(field 1 player_full_name)" \
	    "jeenathanwilliams_001|alias|Jeenathan Williams"
	[[ "$stderr" == *"box-score rule: 0 matched"* ]]
	# the same game again: the same rows
	run --separate-stderr pgs-resolve game.ndjson
	assert_success
	assert_equal "$(field 4 universal_player_id)|$(field 4 registry_status)" "jeenathanwilliams_001|alias"
}

@test "pgs-resolve: box score in one --register batch: the nickname joins the player its id-carrying twin registers" {
	g=20231025_HOU_ORL
	# NBA.com's rows first this time: the bbref row, which has an id, registers the player
	{
		box "Nate Williams" nbacom "" HOU $g 1
		box "Jalen Green" nbacom "" HOU $g 2
		box "Jeenathan Williams" bbref willije02 HOU $g 1
		box "Jalen Green" bbref greenja05 HOU $g 2
	} >game.ndjson
	run --separate-stderr pgs-resolve --register game.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.player_name)|\(.universal_player_id)|\(.registry_status)|\(.player_lookup)"' <<<"$output" | paste -sd,)" \
	    "Nate Williams|jeenathanwilliams_001|alias|jeenathanwilliams,Jalen Green|jalengreen_001|new|jalengreen,Jeenathan Williams|jeenathanwilliams_001|new|jeenathanwilliams,Jalen Green|jalengreen_001|new|jalengreen"
	assert_equal "$(sql "SELECT universal_player_id, player_full_name FROM players_registry ORDER BY 1" | paste -sd,)" \
	    "jalengreen_001|Jalen Green,jeenathanwilliams_001|Jeenathan Williams"
	assert_equal "$(sql "SELECT alias_lookup || ' ' || substr(rule, 1, 9) FROM player_aliases")" "natewilliams box-score"
	# the games of a batch in another order, into another store: the same ids and aliases
	box "Nate Williams" nbacom "" HOU 20231027_HOU_UTA 7 >g2.ndjson
	box "Jeenathan Williams" bbref willije02 HOU 20231027_HOU_UTA 7 >>g2.ndjson
	run --separate-stderr pgs-resolve --register --registry sqlite:a.db game.ndjson g2.ndjson
	assert_success
	a=$output
	run --separate-stderr pgs-resolve --register --registry sqlite:b.db g2.ndjson game.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.game_id) \(.player_name) \(.universal_player_id)"' <<<"$output" | sort)" \
	    "$(jq -r '"\(.game_id) \(.player_name) \(.universal_player_id)"' <<<"$a" | sort)"
	for db in a b; do
		assert_equal "$(sqlite3 $db.db "SELECT alias_lookup, universal_player_id, substr(rule, 1, 9) FROM player_aliases")" \
		    "natewilliams|jeenathanwilliams_001|box-score"
	done
}

@test "pgs-resolve: box score: no false merge when two players of a team-game share a stat line, or a line matches two rows" {
	g=20240110_BOS_DEN
	{
		box "Alpha One" bbref alpha01 DEN $g 3
		box "Beta Two" bbref beta02 DEN $g 3
		box "Gamma Three" bbref gamma03 DEN $g 4
		box "Delta Four" bbref delta04 DEN $g 5
		box "Jayson Tatum" bbref tatumja01 BOS $g 3
	} >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	# two nicknames with the one line Alpha and Beta share; a third nickname matches Gamma and
	# Delta both (Delta's line made equal to Gamma's); NBA.com's Beta claims Beta, yet Alpha's
	# line is still one two players share
	{
		cat bbref.ndjson
		box "Al One" nbacom "" DEN $g 3
		box "Bet Two" nbacom "" DEN $g 3
	} >shared.ndjson
	jq -c 'if .player_name == "Delta Four" then . + $g else . end' --argjson g "$(line 4)" bbref.ndjson >tied.ndjson
	box "Gam Three" nbacom "" DEN $g 4 >>tied.ndjson
	{ cat bbref.ndjson; box "Beta Two" nbacom "" DEN $g 3; box "Al One" nbacom "" DEN $g 3; } >claimed.ndjson
	for f in shared tied claimed; do
		run --separate-stderr pgs-resolve -v $f.ndjson
		assert_success
		assert_equal "$(jq -r 'select(.source == "nbacom" and .player_name != "Beta Two") | .registry_status' <<<"$output" | sort -u)" \
		    "unresolved"
		# the line matched, and was refused
		[[ "$stderr" == *"box-score rule: 0 matched, "[1-9]" tied or shared"* ]] || fail "$f: $stderr"
	done
	assert_equal "$(sql "SELECT count(*) FROM player_aliases")" "0"
	# registered, they are players of their own; through pgs-transform, one row per person
	run --separate-stderr pgs-resolve --register shared.ndjson
	assert_success
	printf '%s\n' "$output" >resolved.ndjson
	run --separate-stderr pgs-transform --prefer bbref,nbacom resolved.ndjson
	assert_success
	assert_equal "$(jq -r 'select(.team_abbr == "DEN") | "\(.player_full_name) \(.sources_seen | join("+"))"' <<<"$output" | sort | paste -sd,)" \
	    "Al One nbacom,Alpha One bbref,Bet Two nbacom,Beta Two bbref,Delta Four bbref,Gamma Three bbref"
}

@test "pgs-resolve: box score: never a DNP row or a row of zeros; minutes only within the sources' rounding" {
	{
		box "Sitting Guy" bbref sittigu01 DEN 20240110_BOS_DEN 1 \
		    '{"player_status": "dnp", "dnp_reason": "Did Not Play", "minutes": null, "points": null,
		      "fg_makes": null, "fg_attempts": null, "three_pt_makes": null, "three_pt_attempts": null,
		      "ft_makes": null, "ft_attempts": null, "offensive_rebounds": null, "defensive_rebounds": null,
		      "total_rebounds": null, "assists": null, "steals": null, "blocks": null, "turnovers": null,
		      "personal_fouls": null, "plus_minus": null}'
		box "Zero Guy" bbref zerogu01 BOS 20240110_BOS_DEN 1 \
		    '{"minutes": "3:12", "points": 0, "fg_makes": 0, "fg_attempts": 0, "three_pt_makes": 0,
		      "three_pt_attempts": 0, "ft_makes": 0, "ft_attempts": 0, "offensive_rebounds": 0,
		      "defensive_rebounds": 0, "total_rebounds": 0, "assists": 0, "steals": 0, "blocks": 0,
		      "turnovers": 0, "personal_fouls": 0, "plus_minus": 0}'
		box "Late Guy" bbref lategu01 DEN 20240111_BOS_DEN 2 '{"minutes": "24:31"}'
		box "Early Guy" bbref earlygu01 DEN 20240112_BOS_DEN 2 '{"minutes": "24:28"}'
		box "Sharp Guy" bbref sharpgu01 DEN 20240113_BOS_DEN 2 '{"minutes": "24:28"}'
	} >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	zeros=$(sed -n 2p bbref.ndjson | jq -c '{points, fg_makes, fg_attempts, three_pt_makes, three_pt_attempts,
	    ft_makes, ft_attempts, offensive_rebounds, defensive_rebounds, total_rebounds, assists, steals,
	    blocks, turnovers, personal_fouls, plus_minus}')
	{
		sed -n 1,2p bbref.ndjson
		# NBA.com lists a DNP player with 0 minutes and zeros
		box "Sit Guy" nbacom "" DEN 20240110_BOS_DEN 1 "$(jq -c '. + {minutes: "0"}' <<<"$zeros")"
		box "Zed Guy" nbacom "" BOS 20240110_BOS_DEN 1 "$(jq -c '. + {minutes: "3"}' <<<"$zeros")"
		sed -n 3p bbref.ndjson
		box "Laddie Guy" nbacom "" DEN 20240111_BOS_DEN 2 '{"minutes": "25"}'    # 24:31 rounds to 25
		sed -n 4p bbref.ndjson
		box "Earl Guy" nbacom "" DEN 20240112_BOS_DEN 2 '{"minutes": "25"}'      # 24:28 rounds to 24
		sed -n 5p bbref.ndjson
		box "Sharpe Guy" nbastats 1630001 DEN 20240113_BOS_DEN 2 '{"minutes": "24:29"}'   # one second
	} >nbacom.ndjson
	run --separate-stderr pgs-resolve -v nbacom.ndjson
	assert_success
	assert_equal "$(jq -r 'select(.source != "bbref") | "\(.player_name) \(.universal_player_id)"' <<<"$output" | paste -sd,)" \
	    "Sit Guy null,Zed Guy null,Laddie Guy lateguy_001,Earl Guy null,Sharpe Guy sharpguy_001"
	[[ "$stderr" == *"box-score rule: 2 matched, 0 tied or shared"* ]]
	# an id learned by the rule is the player's from then on
	assert_equal "$(sql "SELECT universal_player_id FROM player_source_ids WHERE source = 'nbastats'")" "sharpguy_001"
}

@test "pgs-resolve: the aliases file wins over the box score" {
	box "Nathaniel Williams" bbref willina01 HOU 20231020_HOU_ORL 5 >other.ndjson
	g=20231025_HOU_ORL
	{ box "Jeenathan Williams" bbref willije02 HOU $g 1; box "Nate Williams" nbacom "" HOU $g 1; } >game.ndjson
	run --separate-stderr pgs-resolve --register other.ndjson game.ndjson
	assert_success
	assert_equal "$(field 3 universal_player_id)" "jeenathanwilliams_001"
	sql "DELETE FROM player_aliases"
	printf 'alias,target\nNate Williams,Nathaniel Williams\n' >aliases.csv
	run --separate-stderr pgs-resolve -v --aliases aliases.csv game.ndjson
	assert_success
	assert_equal "$(field 2 universal_player_id)|$(field 2 player_full_name)" "nathanielwilliams_001|Nathaniel Williams"
	[[ "$stderr" == *"box-score rule: 0 matched"* ]]
	assert_equal "$(sql "SELECT alias_lookup, universal_player_id, rule FROM player_aliases")" \
	    "natewilliams|nathanielwilliams_001|aliases-file"
}

@test "pgs-resolve: an alias does not take a row whose source id belongs to someone else" {
	row "Jeenathan Williams" bbref willije02 >b.ndjson
	printf 'alias,target\nNate Williams,Jeenathan Williams\n' >aliases.csv
	run --separate-stderr pgs-resolve --register --aliases aliases.csv b.ndjson
	assert_success
	{ row "Nate Williams" nbacom ""; row "Nate Williams" bbref willina09; } >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.source)|\(.universal_player_id)|\(.registry_status)"' <<<"$output" | paste -sd,)" \
	    "nbacom|jeenathanwilliams_001|alias,bbref|natewilliams_001|new"
}

@test "pgs-resolve: same game, same spelling: a namesake the other source's id told apart; an initial is paired but not recorded" {
	{
		row "Marcus Williams" bbref willima01 '{"game_id": "20231020_LAL_DEN", "game_date": "2023-10-20"}'
		row "Marcus Williams" bbref willima02 '{"game_id": "20231021_LAL_DEN", "game_date": "2023-10-21"}'
	} >namesakes.ndjson
	run --separate-stderr pgs-resolve --register namesakes.ndjson
	assert_success
	g=20240110_BOS_DEN
	{
		box "Marcus Williams" bbref willima02 DEN $g 3
		box "Jamal Murray" bbref murraja01 DEN $g 6
		box "Marcus Williams" nbacom "" DEN $g 3 '{"points": 99}'
		box "J. Murray" nbacom "" DEN $g 6
	} >game.ndjson
	# the NBA.com line is not a box-score twin (points differ): the spelling alone decides
	jq -c 'if .source == "nbacom" and .player_name == "Marcus Williams" then . + $l else . end' \
	    --argjson l "$(line 3 whole)" game.ndjson >fixed.ndjson
	grep -q '"points":99' game.ndjson
	run --separate-stderr pgs-resolve -v --register fixed.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.player_name)|\(.universal_player_id)|\(.registry_status)|\(.player_full_name)"' <<<"$output" | paste -sd,)" \
	    "Marcus Williams|marcuswilliams_002|resolved|Marcus Williams,Jamal Murray|jamalmurray_001|new|Jamal Murray,Marcus Williams|marcuswilliams_002|resolved|Marcus Williams,J. Murray|jamalmurray_001|alias|Jamal Murray"
	[[ "$stderr" == *"same-game spelling: 1 matched; box-score rule: 1 matched"* ]]
	# neither spelling is recorded: "marcuswilliams" is two players, "J. Murray" could be Jamal or Jaden
	assert_equal "$(sql "SELECT count(*) FROM player_aliases")" "0"
}

@test "pgs-resolve | pgs-transform: one player_lookup and player_full_name per player, whichever source printed the row" {
	{
		box "Marcus Morris" bbref morrima03 PHI 20240110_BOS_PHI 4
		box "Tyrese Maxey" bbref maxeyty01 PHI 20240110_BOS_PHI 8
		box "Marcus Morris Sr." nbacom "" PHI 20240110_BOS_PHI 4
		box "Tyrese Maxey" nbacom "" PHI 20240110_BOS_PHI 8
		box "Marcus Morris Sr." nbacom "" PHI 20240405_BOS_PHI 5
		box "Tyrese Maxey" nbacom "" PHI 20240405_BOS_PHI 9
	} >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.player_name)|\(.player_lookup)|\(.player_full_name)"' <<<"$output" | sort -u | paste -sd,)" \
	    "Marcus Morris Sr.|marcusmorris|Marcus Morris,Marcus Morris|marcusmorris|Marcus Morris,Tyrese Maxey|tyresemaxey|Tyrese Maxey"
	printf '%s\n' "$output" >resolved.ndjson
	# a book that prints NBA.com's spelling still finds the player
	printf '%s\n' '{"game_date":"2024-04-05","player_name":"Marcus Morris Sr.","bookmaker":"draftkings","line":5.5,"snapshot_at":"2024-04-05T18:00:00Z","tipoff_at":"2024-04-05T23:00:00Z"}' >lines.ndjson
	run --separate-stderr pgs-transform --prefer nbacom,bbref --lines lines.ndjson resolved.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.game_id) \(.player_lookup) \(.player_full_name) \(.sources_seen | join("+"))"' <<<"$output" | paste -sd,)" \
	    "20240110_BOS_PHI marcusmorris Marcus Morris nbacom+bbref,20240110_BOS_PHI tyresemaxey Tyrese Maxey nbacom+bbref,20240405_BOS_PHI marcusmorris Marcus Morris nbacom,20240405_BOS_PHI tyresemaxey Tyrese Maxey nbacom"
	assert_equal "$(jq -r 'select(.points_line) | "\(.player_lookup) \(.points_line)"' <<<"$output")" "marcusmorris 5.5"
}

@test "pgs-resolve: the suffix rule looks at the team's season when no other source listed the game" {
	game_row "Kevin Knox" bbref knoxke01 DET "$(gid 20240110 DET)" >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	{
		game_row "Kevin Knox II" nbacom "" DET 20240405_DET_BOS        # a game bbref lacks
		game_row "Kevin Knox II" nbacom "" DEN 20240405_DEN_BOS        # another team
		game_row "Kevin Knox II" nbacom "" DET 20230405_DET_BOS        # another season
	} >nbacom.ndjson
	for i in 3 2; do
		sed -n "${i}p" nbacom.ndjson >one.ndjson
		run --separate-stderr pgs-resolve bbref.ndjson one.ndjson
		assert_success
		assert_equal "$(field 2 registry_status)" "unresolved"
	done
	assert_equal "$(sql "SELECT count(*) FROM player_aliases")" "0"
	run --separate-stderr pgs-resolve bbref.ndjson nbacom.ndjson
	assert_success
	# once decided, the spelling is an alias everywhere
	assert_equal "$(jq -r .universal_player_id <<<"$output" | paste -sd' ')" \
	    "kevinknox_001 kevinknox_001 kevinknox_001 kevinknox_001"
	# a source's own rows of a game do not hide the team's season from it
	game_row "Jeff Dowtin" bbref dowtije01 PHI "$(gid 20240110 PHI)" >b2.ndjson
	{ game_row "Tyrese Maxey" nbacom "" PHI 20240406_PHI_BOS; game_row "Jeff Dowtin Jr." nbacom "" PHI 20240406_PHI_BOS; } >n2.ndjson
	run --separate-stderr pgs-resolve --register b2.ndjson n2.ndjson
	assert_success
	assert_equal "$(field 3 universal_player_id) $(field 3 registry_status)" "jeffdowtin_001 alias"
}

@test "pgs-resolve: a father and son on one team leave a suffix-less spelling unresolved, even with --register" {
	{
		game_row "Gary Payton" bbref paytoga01 GSW "$(gid 20240110 GSW)"
		game_row "Gary Payton II" bbref paytoga02 GSW "$(gid 20240110 GSW)"
		game_row "Tim Hardaway Jr." bbref hardati02 DAL "$(gid 20240110 DAL)"
	} >bbref.ndjson
	{
		game_row "Gary Payton Sr." nbacom "" GSW "$(gid 20240110 GSW)"
		game_row "Gary Payton Jr." nbacom "" GSW "$(gid 20240110 GSW)"
		game_row "Gary Payton II" nbacom "" GSW "$(gid 20240110 GSW)"
		game_row "Tim Hardaway Sr." nbacom "" DAL "$(gid 20240110 DAL)"
	} >nbacom.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	run --separate-stderr pgs-resolve -v --unresolved unres.ndjson bbref.ndjson nbacom.ndjson
	assert_success
	assert_equal "$(jq -r '[.player_name, .universal_player_id, .registry_status] | join(",")' <<<"$output" | tail -4 | paste -sd';')" \
	    "Gary Payton Sr.,,unresolved;Gary Payton Jr.,,unresolved;Gary Payton II,garypaytonii_001,new;Tim Hardaway Sr.,,unresolved"
	[[ "$stderr" == *"suffix rule: 0 matched, 2 ambiguous"* ]]
	assert_equal "$(jq -r .player_name unres.ndjson | paste -sd,)" "Gary Payton Sr.,Gary Payton Jr.,Tim Hardaway Sr."
	assert_equal "$(sql "SELECT count(*) FROM player_aliases")" "0"
	# registering would make a third Gary Payton: an ambiguous name is not registered
	run --separate-stderr pgs-resolve --register bbref.ndjson nbacom.ndjson
	assert_success
	assert_equal "$(field 4 registry_status) $(field 5 registry_status)" "unresolved unresolved"
	assert_equal "$(sql "SELECT group_concat(universal_player_id, ' ') FROM (SELECT universal_player_id FROM players_registry ORDER BY 1)")" \
	    "garypayton_001 garypaytonii_001 timhardawayjr_001 timhardawaysr_001"
	# a son with his own bbref id is his own player, not his father
	game_row "Gary Payton III" bbref paytoga03 GSW "$(gid 20240110 GSW)" >son.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson son.ndjson
	assert_success
	assert_equal "$(field 4 universal_player_id) $(field 4 registry_status)" "garypaytoniii_001 new"
}

@test "pgs-resolve: the suffix rule remembers teams and seasons across runs: an NBA.com-only run joins the bbref player" {
	game_row "Marcus Morris" bbref morrima03 PHI "$(gid 20240110 PHI)" >bbref.ndjson
	run --separate-stderr pgs-resolve -v --register bbref.ndjson
	assert_success
	[[ "$stderr" == *"1 team-seasons (1 learned)"* ]]
	assert_equal "$(sql "SELECT * FROM player_team_seasons")" "marcusmorris_001|PHI|2023"
	# later runs hold NBA.com rows only: another team, then another season, know nobody
	game_row "Marcus Morris Sr." nbacom "" DEN 20240405_DEN_BOS >other_team.ndjson
	game_row "Marcus Morris Sr." nbacom "" PHI 20230405_PHI_BOS >other_season.ndjson
	for f in other_team other_season; do
		run --separate-stderr pgs-resolve -v $f.ndjson
		assert_success
		assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "null unresolved"
		[[ "$stderr" == *"suffix rule: 0 matched, 0 ambiguous"* ]]
	done
	assert_equal "$(sql "SELECT count(*) FROM player_aliases")" "0"
	# an unresolved row teaches nothing about teams
	assert_equal "$(sql "SELECT count(*) FROM player_team_seasons")" "1"
	# the same team and season, in a game bbref never listed: the bbref player
	game_row "Marcus Morris Sr." nbacom "" PHI 20240405_PHI_BOS >same.ndjson
	run --separate-stderr pgs-resolve -v same.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "marcusmorris_001 alias"
	[[ "$stderr" == *"suffix rule: 1 matched, 0 ambiguous"* ]]
	assert_equal "$(sql "SELECT alias_lookup, universal_player_id, rule FROM player_aliases")" \
	    "marcusmorrissr|marcusmorris_001|suffix-insensitive"
	# a resolved NBA.com row records its own team-season, once
	game_row "Tyrese Maxey" bbref maxeyty01 PHI "$(gid 20240110 PHI)" >maxey.ndjson
	run --separate-stderr pgs-resolve --register maxey.ndjson
	assert_success
	game_row "Marcus Morris Sr." nbacom "" LAC 20240406_LAC_BOS >lac.ndjson
	run --separate-stderr pgs-resolve lac.ndjson lac.ndjson
	assert_success
	assert_equal "$(sql "SELECT universal_player_id, team_abbr, season_year FROM player_team_seasons ORDER BY 1, 2" | paste -sd' ')" \
	    "marcusmorris_001|LAC|2023 marcusmorris_001|PHI|2023 tyresemaxey_001|PHI|2023"
}

@test "pgs-resolve: a father and son on one team stay ambiguous when the team-season comes from an earlier run" {
	{
		game_row "Gary Payton" bbref paytoga01 GSW "$(gid 20240110 GSW)"
		game_row "Gary Payton II" bbref paytoga02 GSW "$(gid 20240110 GSW)"
	} >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	{
		game_row "Gary Payton Sr." nbacom "" GSW 20240405_GSW_BOS
		game_row "Gary Payton Jr." nbacom "" GSW 20240405_GSW_BOS
	} >nbacom.ndjson
	run --separate-stderr pgs-resolve -v --register nbacom.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.universal_player_id) \(.registry_status)"' <<<"$output" | paste -sd,)" \
	    "null unresolved,null unresolved"
	[[ "$stderr" == *"suffix rule: 0 matched, 2 ambiguous"* ]]
	assert_equal "$(sql "SELECT count(*) FROM player_aliases") $(sql "SELECT count(*) FROM players_registry")" "0 2"
}

@test "pgs-resolve: a database made before player_team_seasons gains the table and keeps working" {
	# the current schema without the new table, as an older pgs left it, with one player
	run --separate-stderr pgs-resolve --register --registry "sqlite:new.db" </dev/null
	assert_success
	sqlite3 new.db "SELECT sql || ';' FROM sqlite_master WHERE sql IS NOT NULL
	    AND tbl_name <> 'player_team_seasons'" | sqlite3 "$DB"
	sql "INSERT INTO players_registry (universal_player_id, player_lookup, player_full_name)
	        VALUES ('marcusmorris_001', 'marcusmorris', 'Marcus Morris');
	    INSERT INTO player_source_ids VALUES ('bbref', 'morrima03', 'marcusmorris_001')"
	assert_equal "$(sql "SELECT count(*) FROM sqlite_master WHERE name = 'player_team_seasons'")" "0"
	game_row "Marcus Morris" bbref morrima03 PHI "$(gid 20240110 PHI)" >bbref.ndjson
	run --separate-stderr pgs-resolve bbref.ndjson
	assert_success
	[ -z "$stderr" ]
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "marcusmorris_001 resolved"
	assert_equal "$(sql "SELECT * FROM player_team_seasons")" "marcusmorris_001|PHI|2023"
	game_row "Marcus Morris Sr." nbacom "" PHI 20240405_PHI_BOS >nbacom.ndjson
	run --separate-stderr pgs-resolve nbacom.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "marcusmorris_001 alias"
	# the other tables of the old database are untouched
	assert_equal "$(sql "SELECT count(*) FROM players_registry") $(sql "SELECT count(*) FROM player_source_ids")" "1 1"
}

@test "pgs-resolve: a stats.nba.com personId resolves by id after its first resolution" {
	game_row "Jimmy Butler" bbref butleji01 MIA 20230612_MIA_DEN >bbref.ndjson
	game_row "Jimmy Butler III" nbastats 202710 MIA 20230612_MIA_DEN >v3.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	run --separate-stderr pgs-resolve bbref.ndjson v3.ndjson
	assert_success
	assert_equal "$(field 2 universal_player_id) $(field 2 registry_status)" "jimmybutler_001 alias"
	assert_equal "$(sql "SELECT universal_player_id FROM player_source_ids WHERE source = 'nbastats' AND source_player_id = '202710'")" \
	    "jimmybutler_001"
	# another game, no context, any spelling: the id decides
	{ game_row "J. Butler" nbastats 202710 MIA 20231101_MIA_BOS; game_row "Jimmy Butler" nbastats 202710 MIA 20231101_MIA_BOS; } >v3b.ndjson
	run --separate-stderr pgs-resolve v3b.ndjson
	assert_success
	assert_equal "$(jq -r '"\(.universal_player_id) \(.registry_status)"' <<<"$output" | paste -sd,)" \
	    "jimmybutler_001 alias,jimmybutler_001 resolved"
	# an initial vouched for by an id is not an alias for sources without one
	assert_equal "$(sql "SELECT alias_lookup, rule FROM player_aliases ORDER BY 1" | paste -sd' ')" \
	    "jimmybutleriii|suffix-insensitive"
}

@test "pgs-resolve: a bad aliases line is a usage error naming FILE:LINE (2)" {
	printf 'alias,target\nMatt Hurt,Matthew Hurt\nonly one field\n' >bad.csv
	run -2 --separate-stderr pgs-resolve --aliases bad.csv "$SMALL"
	[ -z "$output" ]
	[[ "$stderr" == *"pgs-resolve: bad.csv:3: want 'alias,target', got 1 field"* ]]
	run -3 --separate-stderr pgs-resolve --aliases missing.csv "$SMALL"
	[[ "$stderr" == *"cannot open aliases file 'missing.csv'"* ]]
}

@test "pgs-resolve: golden output for a small fixture with --register and aliases" {
	[ -f "$FIXTURES/resolve_small.golden" ] || fail "golden file missing"
	run --separate-stderr pgs-resolve --register --aliases "$ALIASES" "$SMALL"
	assert_success
	[ -z "$stderr" ]
	assert_equal "$output" "$(cat "$FIXTURES/resolve_small.golden")"
}

@test "pgs-resolve: unknown fields pass through and field order is kept" {
	row "LeBron James" bbref jamesle01 '{"zz_custom":{"a":[1,2]},"minutes":"36:11"}' >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_equal "$(jq -c .zz_custom <<<"$output")" '{"a":[1,2]}'
	assert_equal "$(jq -r 'keys_unsorted | join(",")' <<<"$output")" \
	    "$(jq -r 'keys_unsorted | join(",")' in.ndjson),player_lookup,universal_player_id,registry_status,player_full_name"
	assert_equal "$(jq -r 'keys_unsorted | .[-1]' in.ndjson)" zz_custom
}

@test "pgs-resolve: input that is not compact still comes out compact, and old fields are replaced" {
	row "LeBron James" bbref jamesle01 '{"registry_status": "unresolved"}' | sed 's/,"/, "/g; s/^{/{ /; s/}$/\t}/' >in.ndjson
	grep -q ', "' in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_output "$(row "LeBron James" bbref jamesle01 '{"registry_status": "new"}' |
	    jq -c '. + {player_lookup: "lebronjames", universal_player_id: "lebronjames_001", player_full_name: "LeBron James"}')"
}

@test "pgs-resolve: malformed JSON and bad names are rejected with line numbers; good rows flow (1)" {
	{
		row "LeBron James"
		echo '{"player_name": broken'
		row x | jq -c 'del(.player_name)'
		row "---"
		row "Nikola Jokić"
		row "---" bbref "" '{"player_lookup": "x"}'
	} >in.ndjson
	run -1 --separate-stderr pgs-resolve --register in.ndjson
	assert_equal "${#lines[@]}" 2
	assert_equal "$(field 2 universal_player_id)" "nikolajokic_001"
	assert_equal "$stderr" "pgs-resolve: in.ndjson:2: malformed JSON: invalid token near 'broken'
pgs-resolve: in.ndjson:3: missing player_name
pgs-resolve: in.ndjson:4: cannot normalize player name '---'
pgs-resolve: in.ndjson:6: player_name '---' has no letters or digits"
}

@test "pgs-resolve: rows that break the raw-row contract are rejects, worded as pgs-transform words them (1)" {
	{
		row "A One" bbref a01 '{"team_abbr": "OPP"}'
		row "B Two" bbref b01 '{"opponent_team_abbr": "BOS"}'
		row "C Three" bbref c01 '{"fg_makes": 10}'
		row "D Four" bbref d01 '{"season_year": 2024}'
		row "E Five" bbref e01 | jq -c 'del(.game_type)'
		row "F Six" bbref f01 '{"minutes": "3a:10"}'
		row "Good Row" bbref g01
	} >in.ndjson
	run -1 --separate-stderr pgs-resolve --register in.ndjson
	assert_equal "${#lines[@]}" 1
	assert_equal "$(field 1 player_name) $(field 1 registry_status)" "Good Row new"
	assert_equal "$(grep -c . <<<"$stderr")" 6
	resolve_err=$stderr
	run -1 --separate-stderr pgs-transform --now 2024-01-01T00:00:00Z in.ndjson
	assert_equal "${resolve_err//pgs-resolve:/}" "${stderr//pgs-transform:/}"
	# nothing of the rejected rows reached the registry
	assert_equal "$(sql "SELECT group_concat(universal_player_id) FROM players_registry")" "goodrow_001"
}

@test "pgs-resolve: --rejects records rejects; --max-rejects fails (3) without a marker" {
	{ echo 'nope'; row "LeBron James"; echo 'nope again'; } >in.ndjson
	marked in.ndjson >in.m
	run -1 --separate-stderr pgs-resolve --register --rejects rej.ndjson in.m
	[ -z "$stderr" ]
	assert_equal "$(jq -r '[.tool, .input, .line] | join(" ")' rej.ndjson | paste -sd';')" \
	    "pgs-resolve in.m 1;pgs-resolve in.m 3"
	assert_equal "$(tail -1 <<<"$output")" '{"pgs_end":{"tool":"pgs-resolve","rows":1,"rejects":2}}'
	run -3 --separate-stderr pgs-resolve --max-rejects 1 in.m
	refute_output --partial pgs_end
	[[ "$stderr" == *"too many rejects"* ]]
}

@test "pgs-resolve: a marked input gets a marker; unmarked input gets none" {
	run --separate-stderr pgs-resolve --register "$SMALL"
	assert_success
	assert_equal "$(tail -1 <<<"$output")" '{"pgs_end":{"tool":"pgs-resolve","rows":7,"rejects":0}}'
	grep -v pgs_end "$SMALL" >plain.ndjson
	run --separate-stderr pgs-resolve plain.ndjson
	assert_success
	assert_equal "${#lines[@]}" 7
	refute_output --partial pgs_end
}

@test "pgs-resolve: a truncated upstream (marker count short, or no marker after rows) fails (3), no marker out" {
	{ head -3 "$SMALL"; echo '{"pgs_end":{"tool":"pgs-extract","rows":7}}'; } >short.ndjson
	pgs-resolve --register </dev/null
	run -3 --separate-stderr pgs-resolve short.ndjson
	refute_output --partial pgs_end
	[[ "$stderr" == *"upstream truncated"* ]]
	{ cat "$SMALL"; head -2 "$SMALL"; } >cut.ndjson
	run -3 --separate-stderr pgs-resolve cut.ndjson
	refute_output --partial pgs_end
	[[ "$stderr" == *"upstream truncated"* ]]
}

@test "pgs-resolve: reads standard input and gzip" {
	gzip -c "$SMALL" >small.ndjson.gz
	run --separate-stderr bash -c 'pgs-resolve --register < small.ndjson.gz'
	assert_success
	assert_equal "${#lines[@]}" 8
}

@test "pgs-resolve: > /dev/full fails (3)" {
	# shellcheck disable=SC2016 # $1 is bash -c's
	run -3 --separate-stderr bash -c 'pgs-resolve --register "$1" >/dev/full' _ "$SMALL"
	[[ "$stderr" == *"write error"* ]]
}

@test "pgs-resolve: | head -1 ends quietly" {
	yes "$(head -1 "$SMALL")" | head -100000 >many.ndjson
	pgs-resolve --register many.ndjson 2>err | head -n 1 >first
	local st=("${PIPESTATUS[@]}")
	# pgs-resolve itself ends by SIGPIPE, saying nothing
	assert_equal "${st[*]}" "141 0"
	[ ! -s err ] || fail "stderr: $(cat err)"
	assert_equal "$(wc -l <first) $(jq -r .universal_player_id first)" "1 nikolajokic_001"
}

@test "pgs-resolve: --registry names the store, overriding PGS_STORE" {
	run --separate-stderr pgs-resolve --register --registry "sqlite:$BATS_TEST_TMPDIR/other.db" "$SMALL"
	assert_success
	assert_equal "$(sqlite3 other.db "SELECT count(*) FROM players_registry")" "6"
	[ ! -e "$DB" ] || assert_equal "$(sql "SELECT count(*) FROM players_registry")" "0"
	run -2 --separate-stderr pgs-resolve --registry "nosuch:x" "$SMALL"
	[[ "$stderr" == *"unknown store"* ]]
	# a registry that does not exist is an error without --register, not a new empty store
	run -3 --separate-stderr pgs-resolve --registry "sqlite:$BATS_TEST_TMPDIR/none.db" "$SMALL"
	[ -z "$output" ]
	[[ "$stderr" == *"give --register to start one"* ]]
	[ ! -e none.db ]
}

@test "pgs-resolve: real bbref names resolve the same across seasons (registry of the whole data)" {
	require_data
	# one row per bbref player: his first of the season
	pgs-extract "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz" >all.ndjson
	grep -v pgs_end all.ndjson | jq -cs 'group_by(.source_player_id)[] | .[0]' >players.ndjson
	run --separate-stderr pgs-resolve --register players.ndjson
	assert_success
	assert_equal "$(jq -r .registry_status <<<"$output" | sort -u)" "new"
	n=$(wc -l <players.ndjson)
	assert_equal "$(sql "SELECT count(*) FROM players_registry")" "$n"
	first=$(jq -r .universal_player_id <<<"$output")
	# the same rows again: the same ids ("new": each is his registering game)
	run --separate-stderr pgs-resolve players.ndjson
	assert_success
	assert_equal "$(jq -r .universal_player_id <<<"$output")" "$first"
	assert_equal "$(jq -r .registry_status <<<"$output" | sort -u)" "new"
	# each player's last game of the season: resolved, "new" only for a player of one game
	grep -v pgs_end all.ndjson | jq -cs 'group_by(.source_player_id)[] | .[-1]' >last.ndjson
	run --separate-stderr pgs-resolve last.ndjson
	assert_success
	jq -r .game_id players.ndjson >first_games
	assert_equal "$(jq -r '"\(.game_id) \(.registry_status)"' <<<"$output" | paste -d' ' - first_games |
	    awk '($1 == $3) != ($2 == "new") || $2 == "unresolved"' | wc -l)" 0
	assert_equal "$(jq -r .registry_status <<<"$output" | sort -u | paste -sd,)" "new,resolved"
}

@test "pgs-resolve: NBA.com 2023-24 names against a bbref registry, with the aliases of the suffix/nickname pairs" {
	require_data
	pgs-extract "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz" >all.ndjson
	grep -v pgs_end all.ndjson | jq -cs 'group_by(.source_player_id)[] | .[0]' >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	# one row per distinct NBA.com name (no ids in that export)
	pgs-extract --map TO=steals --map STL=blocks --map BLK=turnovers \
	    "$PGS_DATA/nbacom_ebube45/nba_player_boxscores_2023-2024.csv.gz" >all.ndjson
	grep -v pgs_end all.ndjson | jq -cs 'group_by(.player_name)[] | .[0]' >nbacom.ndjson
	run --separate-stderr pgs-resolve --aliases "$FIXTURES/resolve_nbacom_aliases.csv" nbacom.ndjson
	assert_success
	assert_equal "$(jq -r .registry_status <<<"$output" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" \
	    "alias=11 new=5 resolved=545 unresolved=8 "
	assert_equal "$(jq -r 'select(.player_name == "Marcus Morris Sr.") | .universal_player_id' <<<"$output")" "marcusmorris_001"
	# the 8 left played only after the bbref scrape ends (2024-03-20)
	assert_equal "$(jq -r 'select(.registry_status == "unresolved") | .player_name' <<<"$output" | sort | paste -sd,)" \
	    "Brandon Clarke,D.J. Wilson,Javonte Green,Kobi Simmons,Malik Williams,Timmy Allen,Tristan Vukcevic,Zavier Simpson"
}

@test "pgs-resolve: real NBA.com 2023-24 rows join the bbref players: every name pair one uid, >= 99.5% resolved" {
	require_data
	pgs-extract "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz" >bbref.ndjson
	# the export's TO/STL/BLK columns hold steals/blocks/turnovers (a known quirk of that export)
	pgs-extract --format nbacom-csv --map TO=steals --map STL=blocks --map BLK=turnovers \
	    "$PGS_DATA/nbacom_ebube45/nba_player_boxscores_2023-2024.csv.gz" >nbacom.ndjson
	run --separate-stderr bash -c 'pgs-resolve --register bbref.ndjson >/dev/null'
	assert_success
	# the batch: bbref rows, then NBA.com's, as the store's raw_boxscores orders sources
	# shellcheck disable=SC2016 # $1 is bash -c's
	run --separate-stderr bash -c 'pgs-resolve --aliases "$1" bbref.ndjson nbacom.ndjson >out.ndjson' _ \
	    "$PGS_ROOT/pipelines/aliases.csv"
	assert_success
	[ -z "$stderr" ]
	jq -r 'select(.universal_player_id) | [.source, .player_name, .universal_player_id] | @tsv' out.ndjson |
	    sort -u >uids.tsv
	local b id t n st rule
	while IFS='|' read -r b id t n st rule; do
		assert_equal "$(awk -F'\t' -v b="$b" -v n="$n" '($1 == "bbref" && $2 == b) || ($1 == "nbacom" && $2 == n) { print $3 }' uids.tsv |
		    sort -u | wc -l) $(grep -c "^bbref	$b	" uids.tsv)" "1 1"
	done < <(pairs)
	total=$(grep -c '"source":"nbacom"' out.ndjson)
	ok=$(grep '"source":"nbacom"' out.ndjson | grep -vc '"universal_player_id":null')
	assert_equal "$total" 25143
	(( ok * 1000 >= total * 995 )) || fail "only $ok of $total NBA.com rows resolved"
	# what is left played only after the bbref scrape ends (2024-03-20)
	assert_equal "$(grep '"registry_status":"unresolved"' out.ndjson | jq -r .player_name | sort -u | paste -sd,)" \
	    "Brandon Clarke,D.J. Wilson,Javonte Green,Kobi Simmons,Malik Williams,Timmy Allen,Tristan Vukcevic,Zavier Simpson"
	assert_equal "$(sql "SELECT rule, count(*) FROM player_aliases GROUP BY 1 ORDER BY 1" | paste -sd' ')" \
	    "aliases-file|2 suffix-insensitive|9"
}

@test "pgs-resolve: two resolvers registering at once agree on every id (a loser of the race says so and reruns)" {
	for i in $(seq 1 40); do row "Player Number$i" bbref "pl$i"; done >a.ndjson
	tac a.ndjson >b.ndjson
	pgs-resolve --register </dev/null
	sa=0 sb=0
	pgs-resolve --register a.ndjson >a.out 2>a.err &
	pgs-resolve --register b.ndjson >b.out 2>b.err || sb=$?
	wait $! || sa=$?
	# at least one wins; a loser fails (3) saying why, and its rerun takes the winner's ids
	[ $sa -eq 0 ] || [ $sb -eq 0 ]
	for x in a b; do
		s=$sa
		[ $x = a ] || s=$sb
		[ "$s" -eq 0 ] && continue
		[ "$s" -eq 3 ]
		grep -q "another run registered some of these" $x.err
		pgs-resolve --register $x.ndjson >$x.out
	done
	assert_equal "$(jq -r '"\(.source_player_id) \(.universal_player_id)"' a.out | sort)" \
	    "$(jq -r '"\(.source_player_id) \(.universal_player_id)"' b.out | sort)"
	assert_equal "$(sql "SELECT count(*), count(DISTINCT player_lookup) FROM players_registry")" "40|40"
	assert_equal "$(jq -r .registry_status a.out b.out | grep -c new)" "80"
}
