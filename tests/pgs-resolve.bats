#!/usr/bin/env bats
# pgs-resolve: registry lookups, registration, aliases, unresolved names, stream contract.

load test_helper

setup() {
	common_setup
	DB="$BATS_TEST_TMPDIR/pgs.db"
	SMALL="$FIXTURES/resolve_small.ndjson"
	ALIASES="$FIXTURES/resolve_aliases.csv"
}

# row NAME [SOURCE] [SOURCE_PLAYER_ID] [EXTRA_JSON]: one raw row (compact JSON).
row() {
	jq -cn --arg n "$1" --arg s "${2:-bbref}" --arg id "${3:-}" --argjson x "${4:-{\}}" '
	    {game_id: "20231024_LAL_DEN", game_date: "2023-10-24", team_abbr: "DEN",
	     source: $s, source_player_id: (if $id == "" then null else $id end),
	     player_name: $n, points: 10} + $x'
}

# game_row NAME SOURCE ID TEAM GAME_ID [SEASON]: a raw row of one team in one game.
game_row() {
	row "$1" "$2" "$3" "$(jq -cn --arg t "$4" --arg g "$5" --argjson y "${6:-2023}" \
	    '{team_abbr: $t, game_id: $g, game_date: ($g[0:4] + "-" + $g[4:6] + "-" + $g[6:8]), season_year: $y}')"
}

# The name pairs of SOURCES.md section 2: bbref name|bbref id|team|NBA.com name|status|alias rule.
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
		game_row "$b" bbref "$id" "$t" "20240110_OPP_$t" >>bbref.ndjson
		game_row "$n" nbacom "" "$t" "20240110_OPP_$t" >>nbacom.ndjson
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
	jq -c '.game_id = "20231026_DEN_LAL" | .game_date = "2023-10-26"' in.ndjson >later.ndjson
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
	assert_equal "$(field 1 player_lookup)" "natewilliams"
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
		[ -z "$rule" ] || assert_equal "$(sql "SELECT r.player_full_name, a.rule FROM player_aliases a JOIN players_registry r
		    USING (universal_player_id) WHERE a.alias_lookup = '$(field $((n + i)) player_lookup)'")" "$b|$rule"
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

@test "pgs-resolve: the suffix rule looks at the team's season when no other source listed the game" {
	game_row "Kevin Knox" bbref knoxke01 DET 20240110_OPP_DET >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	{
		game_row "Kevin Knox II" nbacom "" DET 20240405_DET_XXX        # a game bbref lacks
		game_row "Kevin Knox II" nbacom "" DEN 20240405_DEN_XXX        # another team
		game_row "Kevin Knox II" nbacom "" DET 20230405_DET_XXX 2022   # another season
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
	game_row "Jeff Dowtin" bbref dowtije01 PHI 20240110_OPP_PHI >b2.ndjson
	{ game_row "Tyrese Maxey" nbacom "" PHI 20240406_PHI_XXX; game_row "Jeff Dowtin Jr." nbacom "" PHI 20240406_PHI_XXX; } >n2.ndjson
	run --separate-stderr pgs-resolve --register b2.ndjson n2.ndjson
	assert_success
	assert_equal "$(field 3 universal_player_id) $(field 3 registry_status)" "jeffdowtin_001 alias"
}

@test "pgs-resolve: a father and son on one team leave a suffix-less spelling unresolved, even with --register" {
	{
		game_row "Gary Payton" bbref paytoga01 GSW 20240110_OPP_GSW
		game_row "Gary Payton II" bbref paytoga02 GSW 20240110_OPP_GSW
		game_row "Tim Hardaway Jr." bbref hardati02 DAL 20240110_OPP_DAL
	} >bbref.ndjson
	{
		game_row "Gary Payton Sr." nbacom "" GSW 20240110_OPP_GSW
		game_row "Gary Payton Jr." nbacom "" GSW 20240110_OPP_GSW
		game_row "Gary Payton II" nbacom "" GSW 20240110_OPP_GSW
		game_row "Tim Hardaway Sr." nbacom "" DAL 20240110_OPP_DAL
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
	game_row "Gary Payton III" bbref paytoga03 GSW 20240110_OPP_GSW >son.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson son.ndjson
	assert_success
	assert_equal "$(field 4 universal_player_id) $(field 4 registry_status)" "garypaytoniii_001 new"
}

@test "pgs-resolve: the suffix rule remembers teams and seasons across runs: an NBA.com-only run joins the bbref player" {
	game_row "Marcus Morris" bbref morrima03 PHI 20240110_OPP_PHI >bbref.ndjson
	run --separate-stderr pgs-resolve -v --register bbref.ndjson
	assert_success
	[[ "$stderr" == *"1 team-seasons (1 learned)"* ]]
	assert_equal "$(sql "SELECT * FROM player_team_seasons")" "marcusmorris_001|PHI|2023"
	# later runs hold NBA.com rows only: another team, then another season, know nobody
	game_row "Marcus Morris Sr." nbacom "" DEN 20240405_DEN_XXX >other_team.ndjson
	game_row "Marcus Morris Sr." nbacom "" PHI 20230405_PHI_XXX 2022 >other_season.ndjson
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
	game_row "Marcus Morris Sr." nbacom "" PHI 20240405_PHI_XXX >same.ndjson
	run --separate-stderr pgs-resolve -v same.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "marcusmorris_001 alias"
	[[ "$stderr" == *"suffix rule: 1 matched, 0 ambiguous"* ]]
	assert_equal "$(sql "SELECT alias_lookup, universal_player_id, rule FROM player_aliases")" \
	    "marcusmorrissr|marcusmorris_001|suffix-insensitive"
	# a resolved NBA.com row records its own team-season, once
	game_row "Tyrese Maxey" bbref maxeyty01 PHI 20240110_OPP_PHI >maxey.ndjson
	run --separate-stderr pgs-resolve --register maxey.ndjson
	assert_success
	game_row "Marcus Morris Sr." nbacom "" LAC 20240406_LAC_XXX >lac.ndjson
	run --separate-stderr pgs-resolve lac.ndjson lac.ndjson
	assert_success
	assert_equal "$(sql "SELECT universal_player_id, team_abbr, season_year FROM player_team_seasons ORDER BY 1, 2" | paste -sd' ')" \
	    "marcusmorris_001|LAC|2023 marcusmorris_001|PHI|2023 tyresemaxey_001|PHI|2023"
}

@test "pgs-resolve: a father and son on one team stay ambiguous when the team-season comes from an earlier run" {
	{
		game_row "Gary Payton" bbref paytoga01 GSW 20240110_OPP_GSW
		game_row "Gary Payton II" bbref paytoga02 GSW 20240110_OPP_GSW
	} >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	{
		game_row "Gary Payton Sr." nbacom "" GSW 20240405_GSW_XXX
		game_row "Gary Payton Jr." nbacom "" GSW 20240405_GSW_XXX
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
	game_row "Marcus Morris" bbref morrima03 PHI 20240110_OPP_PHI >bbref.ndjson
	run --separate-stderr pgs-resolve bbref.ndjson
	assert_success
	[ -z "$stderr" ]
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "marcusmorris_001 resolved"
	assert_equal "$(sql "SELECT * FROM player_team_seasons")" "marcusmorris_001|PHI|2023"
	game_row "Marcus Morris Sr." nbacom "" PHI 20240405_PHI_XXX >nbacom.ndjson
	run --separate-stderr pgs-resolve nbacom.ndjson
	assert_success
	assert_equal "$(field 1 universal_player_id) $(field 1 registry_status)" "marcusmorris_001 alias"
	# the other tables of the old database are untouched
	assert_equal "$(sql "SELECT count(*) FROM players_registry") $(sql "SELECT count(*) FROM player_source_ids")" "1 1"
}

@test "pgs-resolve: a stats.nba.com personId resolves by id after its first resolution" {
	game_row "Jimmy Butler" bbref butleji01 MIA 20230612_MIA_DEN 2022 >bbref.ndjson
	game_row "Jimmy Butler III" nbastats 202710 MIA 20230612_MIA_DEN 2022 >v3.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	run --separate-stderr pgs-resolve bbref.ndjson v3.ndjson
	assert_success
	assert_equal "$(field 2 universal_player_id) $(field 2 registry_status)" "jimmybutler_001 alias"
	assert_equal "$(sql "SELECT universal_player_id FROM player_source_ids WHERE source = 'nbastats' AND source_player_id = '202710'")" \
	    "jimmybutler_001"
	# another game, no context, any spelling: the id decides
	{ game_row "J. Butler" nbastats 202710 MIA 20231101_MIA_XXX; game_row "Jimmy Butler" nbastats 202710 MIA 20231101_MIA_XXX; } >v3b.ndjson
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
	    "game_id,game_date,team_abbr,source,source_player_id,player_name,points,zz_custom,minutes,player_lookup,universal_player_id,registry_status"
}

@test "pgs-resolve: input that is not compact still comes out compact, and old fields are replaced" {
	printf '{ "player_name" : "LeBron James", "source": "bbref", "source_player_id": "jamesle01",\t"registry_status": "stale" }\n' >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_output '{"player_name":"LeBron James","source":"bbref","source_player_id":"jamesle01","registry_status":"new","player_lookup":"lebronjames","universal_player_id":"lebronjames_001"}'
}

@test "pgs-resolve: malformed JSON and bad names are rejected with line numbers; good rows flow (1)" {
	{ row "LeBron James"; echo '{"player_name": broken'; echo '{"points": 3}'; row "---"; row "Nikola Jokić"; } >in.ndjson
	run -1 --separate-stderr pgs-resolve --register in.ndjson
	assert_equal "${#lines[@]}" 2
	assert_equal "$(field 2 universal_player_id)" "nikolajokic_001"
	[[ "$stderr" == *"pgs-resolve: in.ndjson:2: malformed JSON"* ]]
	[[ "$stderr" == *"pgs-resolve: in.ndjson:3: missing player_name"* ]]
	[[ "$stderr" == *"pgs-resolve: in.ndjson:4: player_name '---' has no letters or digits"* ]]
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
	run -3 --separate-stderr bash -c 'pgs-resolve --register "$1" >/dev/full' _ "$SMALL"
	[[ "$stderr" == *"write error"* ]]
}

@test "pgs-resolve: | head -1 ends quietly" {
	yes "$(head -1 "$SMALL")" | head -100000 >many.ndjson
	run --separate-stderr bash -c 'pgs-resolve --register many.ndjson | head -1'
	assert_success
	assert_equal "${#lines[@]}" 1
	[ -z "$stderr" ]
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
	zcat "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz" |
	    awk -F, 'NR > 1 && !seen[$12]++ { printf "{\"source\":\"bbref\",\"source_player_id\":\"%s\",\"player_name\":\"%s\"}\n", $12, $11 }' >players.ndjson
	run --separate-stderr pgs-resolve --register players.ndjson
	assert_success
	assert_equal "$(jq -r .registry_status <<<"$output" | sort -u)" "new"
	n=$(wc -l <players.ndjson)
	assert_equal "$(sql "SELECT count(*) FROM players_registry")" "$n"
	run --separate-stderr pgs-resolve players.ndjson
	assert_success
	assert_equal "$(jq -r .registry_status <<<"$output" | sort -u)" "resolved"
}

@test "pgs-resolve: NBA.com 2023-24 names against a bbref registry, with the aliases of the suffix/nickname pairs" {
	require_data
	zcat "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz" |
	    awk -F, 'NR > 1 && !seen[$12]++ { printf "{\"source\":\"bbref\",\"source_player_id\":\"%s\",\"player_name\":\"%s\"}\n", $12, $11 }' >bbref.ndjson
	run --separate-stderr pgs-resolve --register bbref.ndjson
	assert_success
	# one row per distinct NBA.com name (no ids in that export)
	zcat "$PGS_DATA/nbacom_ebube45/nba_player_boxscores_2023-2024.csv.gz" |
	    awk -F, 'NR > 1 && !seen[$1]++ { printf "{\"source\":\"nbacom\",\"source_player_id\":null,\"player_name\":\"%s\"}\n", $1 }' >nbacom.ndjson
	run --separate-stderr pgs-resolve --aliases "$FIXTURES/resolve_nbacom_aliases.csv" nbacom.ndjson
	assert_success
	assert_equal "$(jq -r .registry_status <<<"$output" | sort | uniq -c | awk '{ printf "%s=%s ", $2, $1 }')" \
	    "alias=11 resolved=550 unresolved=8 "
	assert_equal "$(jq -r 'select(.player_name == "Marcus Morris Sr.") | .universal_player_id' <<<"$output")" "marcusmorris_001"
	# the 8 left played only after the bbref scrape ends (2024-03-20)
	assert_equal "$(jq -r 'select(.registry_status == "unresolved") | .player_name' <<<"$output" | sort | paste -sd,)" \
	    "Brandon Clarke,D.J. Wilson,Javonte Green,Kobi Simmons,Malik Williams,Timmy Allen,Tristan Vukcevic,Zavier Simpson"
}

@test "pgs-resolve: real NBA.com 2023-24 rows join the bbref players: every name pair one uid, >= 99.5% resolved" {
	require_data
	pgs-extract "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz" >bbref.ndjson
	# the export's TO/STL/BLK columns hold steals/blocks/turnovers (SOURCES.md section 2)
	pgs-extract --format nbacom-csv --map TO=steals --map STL=blocks --map BLK=turnovers \
	    "$PGS_DATA/nbacom_ebube45/nba_player_boxscores_2023-2024.csv.gz" >nbacom.ndjson
	run --separate-stderr bash -c 'pgs-resolve --register bbref.ndjson >/dev/null'
	assert_success
	# the batch: bbref rows, then NBA.com's, as the store's raw_boxscores orders sources
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

@test "pgs-resolve: two resolvers registering at once agree on every id" {
	for i in $(seq 1 40); do row "Player Number$i" bbref "pl$i"; done >a.ndjson
	tac a.ndjson >b.ndjson
	pgs-resolve --register a.ndjson >a.out &
	pgs-resolve --register b.ndjson >b.out
	wait $!
	assert_equal "$(jq -r '"\(.source_player_id) \(.universal_player_id)"' a.out | sort)" \
	    "$(jq -r '"\(.source_player_id) \(.universal_player_id)"' b.out | sort)"
	assert_equal "$(sql "SELECT count(*), count(DISTINCT player_lookup) FROM players_registry")" "40|40"
	assert_equal "$(jq -r .registry_status a.out b.out | grep -c new)" "80"
}
