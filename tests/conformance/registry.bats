#!/usr/bin/env bats
# Store conformance, the registry and the pipelines: the same tests on every
# backend (PGS_TEST_STORE=sqlite|postgres|bigquery; see store.bash).

load ../test_helper
load store

setup() {
	store_skip_unless_ready
	common_setup
	S=$(store_fresh r)
	export PGS_STORE=$S
}

# row NAME SOURCE ID [GAME_ID]: a raw row of DEN at home to LAL.
row() {
	jq -cn --arg n "$1" --arg s "$2" --arg id "$3" --arg g "${4:-20231024_LAL_DEN}" '
	    {game_id: $g, game_date: ($g[0:4] + "-" + $g[4:6] + "-" + $g[6:8]), season_year: 2023,
	     game_type: "regular", home_team_abbr: "DEN", away_team_abbr: "LAL", team_abbr: "DEN",
	     opponent_team_abbr: "LAL", source: $s,
	     source_player_id: (if $id == "" then null else $id end), player_name: $n,
	     player_status: "active", minutes: "30:00", points: 10}'
}

ids() {
	jq -r '"\(.player_name)|\(.universal_player_id)|\(.registry_status)"' <<<"$output"
}

@test "conformance: registration numbers players once, namesakes apart, and a rerun resolves them" {
	{
		row "Nikola Jokić" bbref jokicni01
		row "Marcus Williams" bbref willima01
		row "Marcus Williams" bbref willima02
		row "Marcus Williams" bbref willima01
	} >in.ndjson
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_equal "$(ids | paste -sd,)" \
	    "Nikola Jokić|nikolajokic_001|new,Marcus Williams|marcuswilliams_001|new,Marcus Williams|marcuswilliams_002|new,Marcus Williams|marcuswilliams_001|new"
	run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$S" players_registry universal_player_id player_lookup player_full_name first_game_id
	assert_output $'["marcuswilliams_001","marcuswilliams","Marcus Williams","20231024_LAL_DEN"]\n["marcuswilliams_002","marcuswilliams","Marcus Williams","20231024_LAL_DEN"]\n["nikolajokic_001","nikolajokic","Nikola Jokić","20231024_LAL_DEN"]'
	run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_source_ids
	assert_equal "${#lines[@]}" 3
	# the same rows again: the same ids, "new" on the registering game only
	run --separate-stderr pgs-resolve --register in.ndjson
	assert_success
	assert_equal "$(ids | cut -d'|' -f2,3 | paste -sd,)" \
	    "nikolajokic_001|new,marcuswilliams_001|new,marcuswilliams_002|new,marcuswilliams_001|new"
	row "Nikola Jokić" bbref jokicni01 20231026_LAL_DEN >later.ndjson
	run --separate-stderr pgs-resolve later.ndjson
	assert_equal "$(ids)" "Nikola Jokić|nikolajokic_001|resolved"
	[ "$(count "$S" players_registry)" -eq 3 ]
}

@test "conformance: unresolved names are kept and queued with counts; aliases and team-seasons are saved" {
	pgs-resolve --register </dev/null
	{ row "Nobody Known" bbref nobodyk01; row "Nobody Known" bbref nobodyk01; } >in.ndjson
	run --separate-stderr pgs-resolve in.ndjson
	assert_success
	assert_equal "$(ids | paste -sd,)" "Nobody Known|null|unresolved,Nobody Known|null|unresolved"
	run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$S" unresolved_player_names player_lookup source team_abbr first_game_id occurrences
	assert_output '["nobodyknown","bbref","DEN","20231024_LAL_DEN",2]'
	# a second run adds up
	run --separate-stderr pgs-resolve in.ndjson
	run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$S" unresolved_player_names occurrences
	assert_output '[4]'
	# the aliases file's decisions are saved; the player's team-season too
	row "Jeenathan Williams" bbref willije02 >b.ndjson
	row "Nate Williams" nbacom "" >n.ndjson
	printf 'alias,target\nNate Williams,Jeenathan Williams\n' >aliases.csv
	run --separate-stderr pgs-resolve --register b.ndjson
	assert_success
	run --separate-stderr pgs-resolve --aliases aliases.csv n.ndjson
	assert_equal "$(ids)" "Nate Williams|jeenathanwilliams_001|alias"
	run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_aliases alias_lookup universal_player_id rule
	assert_output '["natewilliams","jeenathanwilliams_001","aliases-file"]'
	run --separate-stderr pgs-resolve n.ndjson
	assert_equal "$(ids)" "Nate Williams|jeenathanwilliams_001|alias"
	run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_team_seasons
	assert_output --partial '"team_abbr":"DEN"'
}

@test "conformance: a dry run resolves and registers in memory and writes nothing" {
	row "Nikola Jokić" bbref jokicni01 >seed.ndjson
	pgs-resolve --register seed.ndjson >/dev/null
	for t in players_registry player_source_ids player_aliases unresolved_player_names player_team_seasons; do
		dump "$S" "$t" >"before.$t"
	done
	{ row "New Player" bbref newpl01; row "Someone Else" nbacom ""; } >in.ndjson
	run --separate-stderr pgs-resolve --register --dry-run in.ndjson
	assert_success
	assert_equal "$(ids | paste -sd,)" "New Player|newplayer_001|new,Someone Else|someoneelse_001|new"
	for t in players_registry player_source_ids player_aliases unresolved_player_names player_team_seasons; do
		dump "$S" "$t" | cmp "before.$t" -
	done
}

@test "conformance: two runs registering the same new players at once: ids once, the loser says so (3)" {
	for i in $(seq 1 40); do row "Player Number$i" bbref "pn$i"; done >in.ndjson
	marked() { cat "$1"; printf '{"pgs_end":{"tool":"t","rows":%d}}\n' "$(grep -c . "$1")"; }
	marked in.ndjson >in.m
	pgs-resolve --register </dev/null
	pgs-resolve --register in.m >out1 2>err1 &
	p1=$!
	pgs-resolve --register in.m >out2 2>err2 &
	p2=$!
	s1=0 s2=0
	wait $p1 || s1=$?
	wait $p2 || s2=$?
	# at least one wins; a loser fails (3) without vouching for its rows
	[ $s1 -eq 0 ] || [ $s2 -eq 0 ]
	for i in 1 2; do
		s=$([ $i -eq 1 ] && echo $s1 || echo $s2)
		if [ "$s" -ne 0 ]; then
			[ "$s" -eq 3 ]
			grep -q "another run registered some of these" "err$i"
			run ! grep -q pgs_end "out$i"
		fi
	done
	[ "$(count "$S" players_registry)" -eq 40 ]
	# a rerun of the loser resolves to the winner's ids
	run --separate-stderr pgs-resolve --register in.m
	assert_success
	[ "$(jq -r 'select(.universal_player_id) | .universal_player_id' <<<"$output" | sort -u | grep -c _001)" -eq 40 ]
	[ "$(count "$S" players_registry)" -eq 40 ]
}

@test "conformance: a sample league ingested and backfilled holds exactly what the SQLite store holds" {
	pgs-sample --seed 3 --scale 1 --from 2023-10-24 --to 2023-11-12 -o sample >/dev/null
	run --separate-stderr pgs-ingest --store "$S" sample/*
	assert_success
	run --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-12 --batch-days 5 --jobs 2
	assert_success
	[[ $stderr == *"4/4 batches"* ]]
	ref="sqlite:$BATS_TEST_TMPDIR/ref.db"
	PGS_STATE_DIR="$BATS_TEST_TMPDIR/ref-state" pgs-ingest --store "$ref" sample/* 2>/dev/null
	PGS_STATE_DIR="$BATS_TEST_TMPDIR/ref-state" pgs-backfill --store "$ref" --from 2023-10-24 --to 2023-11-12 --batch-days 5 2>/dev/null
	for t in player_game_summary raw_boxscores players_registry player_source_ids player_aliases player_team_seasons; do
		dump "$S" "$t" | jq -c 'del(.processed_at, .created_at)' >"got.$t"
		dump "$ref" "$t" | jq -c 'del(.processed_at, .created_at)' >"want.$t"
		[ -s "want.$t" ] || [ "$t" = player_aliases ]
		diff "want.$t" "got.$t"
	done
	# re-running the finished job does nothing
	run --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-12 --batch-days 5
	assert_success
	[[ $stderr == *"nothing to do"* ]]
}

@test "conformance: pgs-validate reads the store read-only; a team's rows written away is named by game (4)" {
	pgs-sample --seed 3 --scale 1 --from 2023-10-24 --to 2023-11-02 -o sample >/dev/null
	pgs-ingest --store "$S" sample/* 2>/dev/null
	pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-02 --batch-days 5 2>/dev/null
	run --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-11-02 --json
	assert_success
	jq -e '.ok == true and .totals.rows > 1000 and .totals.months == 2' <<<"$output" >/dev/null
	totals=$(jq -c .totals <<<"$output")
	# the same figures as SQLite's for the same league
	ref="sqlite:$BATS_TEST_TMPDIR/ref.db"
	PGS_STATE_DIR=$BATS_TEST_TMPDIR/ref-state pgs-ingest --store "$ref" sample/* 2>/dev/null
	PGS_STATE_DIR=$BATS_TEST_TMPDIR/ref-state pgs-backfill --store "$ref" --from 2023-10-24 --to 2023-11-02 --batch-days 5 2>/dev/null
	run --separate-stderr pgs-validate --store "$ref" --from 2023-10-24 --to 2023-11-02 --json
	assert_equal "$(jq -c .totals <<<"$output")" "$totals"
	# one team's rows of one game are written away through pgs-write itself
	game=$(pgs-extract --source "$S" --from 2023-10-25 --to 2023-10-25 | jq -r 'select(.game_id) | .game_id' | head -n 1)
	team=${game##*_}
	pgs-extract --source "$S" --from 2023-10-25 --to 2023-10-25 | pgs-resolve --registry "$S" |
		pgs-transform >day.nd
	jq -c --arg g "$game" --arg t "$team" 'select(.pgs_end or .game_id != $g or .team_abbr != $t)' day.nd |
		jq -c 'if .pgs_end then .pgs_end.rows = 0 else . end' >spoiled.nd
	grep -v pgs_end spoiled.nd >spoiled.rows
	pgs-write --store "$S" --from 2023-10-25 --to 2023-10-25 --allow-shrink 100 --no-end-marker spoiled.rows >/dev/null
	run -4 --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-11-02
	[ -z "$stderr" ]
	assert_output --partial "$game"
}

@test "conformance: pgs-validate --schedule: the team-game sums read alike; a player's line changed is named (4)" {
	pgs-sample --seed 3 --scale 1 --from 2023-10-24 --to 2023-10-28 -o sample >/dev/null
	pgs-sample --seed 3 --scale 1 --from 2023-10-24 --to 2023-10-28 --format raw |
		"$PGS_ROOT/tests/helper/schedule-of-raw" >schedule.csv
	pgs-ingest --store "$S" sample/* 2>/dev/null
	pgs-backfill --store "$S" --from 2023-10-24 --to 2023-10-28 --batch-days 5 2>/dev/null
	run -0 --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-10-28 --schedule schedule.csv --json
	jq -e '.ok and .totals.scheduled_games > 20 and .totals.scheduled_games == .totals.games
	    and ([.checks[] | select(.check | startswith("schedule_")) | .status] == ["pass","pass","pass","pass"])' \
	    <<<"$output" >/dev/null
	# one player's field goal attempts and steals one more, written through pgs-write
	game=$(pgs-extract --source "$S" --from 2023-10-25 --to 2023-10-25 | jq -r 'select(.game_id) | .game_id' | head -n 1)
	team=${game##*_}
	pgs-extract --source "$S" --from 2023-10-25 --to 2023-10-25 | pgs-resolve --registry "$S" |
		pgs-transform | grep -v pgs_end >day.rows
	player=$(jq -r --arg g "$game" --arg t "$team" 'select(.game_id == $g and .team_abbr == $t and .is_active) | .player_lookup' day.rows | head -n 1)
	jq -c --arg g "$game" --arg p "$player" 'if .game_id == $g and .player_lookup == $p
	    then .fg_attempts += 1 | .steals += 1 else . end' day.rows >spoiled.rows
	pgs-write --store "$S" --from 2023-10-25 --to 2023-10-25 --no-end-marker spoiled.rows >/dev/null
	run -4 --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-10-28 --schedule schedule.csv --json
	[ -z "$stderr" ]
	jq -e --arg g "$game" --arg t "$team" '[.failures[] | select(.check | startswith("schedule_")) | [.game_id, .team_abbr, (.differences | keys)]]
	    == [[$g, $t, ["fg_attempts", "steals"]]]' <<<"$output" >/dev/null
}

@test "conformance: pgs-validate counts the rows whose sources disagree alike; above --max-disagree a month fails (4)" {
	pgs-sample --seed 3 --scale 1 --from 2023-10-24 --to 2023-10-25 --format raw >sample.ndjson
	# a second source of the same box scores with steals and blocks swapped
	jq -c '.source = "nbastats" | .steals as $s | .steals = .blocks | .blocks = $s' sample.ndjson >swapped.ndjson
	for f in sample swapped; do
		pgs-write --store "$S" --table raw_boxscores --from 2023-10-24 --to 2023-10-25 --no-end-marker "$f.ndjson" >/dev/null
	done
	pgs-extract --source "$S" --from 2023-10-24 --to 2023-10-25 | pgs-resolve --register |
		pgs-transform --max-disagree 100 | pgs-write --store "$S" --from 2023-10-24 --to 2023-10-25 >/dev/null
	merged=$(jq -s '[.[] | select(.player_status == "active")] | length' sample.ndjson)
	differ=$(jq -s '[.[] | select(.player_status == "active" and .steals != .blocks)] | length' sample.ndjson)
	[ "$differ" -gt 20 ]
	run -4 --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-10-25 --json
	[ -z "$stderr" ]
	jq -e --argjson m "$merged" --argjson d "$differ" '.months[0].disagree.of >= $m and .months[0].disagree.n == $d
	    and [.failures[] | .check] == ["source_disagreement"]' <<<"$output" >/dev/null
	run -0 --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-10-25 --max-disagree 100
}
