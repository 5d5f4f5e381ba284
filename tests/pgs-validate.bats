#!/usr/bin/env bats
# shellcheck disable=SC2016 # the bash -c scripts expand their own "$1" on purpose
# pgs-validate: a clean sample league passes; the same store spoiled by hand
# fails (exit 4) with each problem named by its month, game or date; the
# SVG is well-formed and carries the JSON's numbers; failure paths.

load test_helper

# Three weeks of the sample league (games 2021-10-19..2021-11-04), backfilled
# in 7-day batches: windows 10-18..24, 10-25..31, 11-01..07.
FROM=2021-10-18
TO=2021-11-07

setup_file() {
	export SAMPLE="$BATS_FILE_TMPDIR/sample" CLEAN="$BATS_FILE_TMPDIR/clean.db"
	export PATH="$BATS_TEST_DIRNAME/../bin:$BATS_TEST_DIRNAME/../pipelines:$PATH"
	pgs-sample --seed 7 --scale 0.1 --to 2021-12-31 -o "$SAMPLE" >/dev/null
	PGS_STORE="sqlite:$CLEAN" PGS_STATE_DIR="$BATS_FILE_TMPDIR/state" SOURCE_DATE_EPOCH=1700000000 \
		pgs-ingest --from "$FROM" --to "$TO" "$SAMPLE"/* >/dev/null
	PGS_STORE="sqlite:$CLEAN" PGS_STATE_DIR="$BATS_FILE_TMPDIR/state" SOURCE_DATE_EPOCH=1700000000 \
		pgs-backfill --from "$FROM" --to "$TO" 2>/dev/null
}

# Every test starts from its own copy of the clean, backfilled store.
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

# The first game (by game_id) of a date, and one team of it.
game_of() {
	sql "SELECT min(game_id) FROM player_game_summary WHERE game_date = '$1'"
}

# --- a clean store ------------------------------------------------------------

@test "a clean sample league passes every check (exit 0): the month table, nothing on stderr" {
	run -0 --separate-stderr validate
	[ -z "$stderr" ]
	assert_line --index 0 "pgs-validate sqlite:$DB $FROM..$TO"
	assert_line --regexp '^2021-10 +94 +2361 +1969 +2361  0\.00% +0\.00% +0\.00% +0\.00% +-$'
	assert_line --regexp '^2021-11 +28 +691 +586 +691  0\.00% +0\.00% +0\.00% +0\.00% +-$'
	assert_line --regexp '^total +122 +3052 +2555 +3052$'
	assert_line "checks: 13 passed, 0 failed, 1 skipped"
	refute_output --partial "FAIL"
}

@test "--json: the documented shape, numbers equal to SQL over the table (golden)" {
	local golden="$FIXTURES/validate_clean.golden.json"
	run -0 --separate-stderr validate --json
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 1 ]
	[ -f "$golden" ] || fail "missing golden file $golden"
	diff -u "$golden" <(jq -S 'del(.store)' <<<"$output")
	[ "$(jq -r .store <<<"$output")" = "sqlite:$DB" ]
	[ "$(jq .totals.rows <<<"$output")" -eq "$(sql "SELECT count(*) FROM player_game_summary")" ]
	[ "$(jq -c '[.months[] | [.month, .rows, .active]]' <<<"$output")" = \
		"$(sql "SELECT json_group_array(json_array(m, n, a)) FROM (SELECT substr(game_date, 1, 7) m,
			count(*) n, sum(is_active) a FROM player_game_summary GROUP BY m ORDER BY m)")" ]
	[ "$(jq -r '[.checks[].check] | join(",")' <<<"$output")" = \
		"null_minutes,null_usage,null_ts_pct,null_efg_pct,baseline_rows,duplicate_keys,both_teams,players_per_game,team_points,team_seconds,raw_without_summary,stale_summary,unresolved_names,source_disagreement" ]
}

@test "the store is opened read-only: validating changes nothing in it" {
	before=$(sha256sum "$DB")
	run -0 --separate-stderr validate --json
	[ "$(sha256sum "$DB")" = "$before" ]
	[ ! -e "$DB-wal" ] || [ ! -s "$DB-wal" ]
}

# --- spoiled by hand: exit 4, each problem named ------------------------------

@test "one month's minutes set to NULL: null_minutes names 2021-11 with its numbers" {
	sql "UPDATE player_game_summary SET minutes_played = NULL WHERE game_date LIKE '2021-11-%' AND is_active = 1"
	run -4 --separate-stderr validate
	assert_line "FAIL null_minutes 2021-11: 586 of 586 active rows have NULL minutes_played (100.00% > 0%)"
	assert_line --regexp '^2021-11 .* 100\.00%\* '
	assert_line "checks: 12 passed, 1 failed (null_minutes), 1 skipped"
	[ -z "$stderr" ]

	# under a documented threshold it passes
	run -0 --separate-stderr validate --max-null-minutes 100
	run -4 --separate-stderr validate --max-null-minutes 99.9
}

@test "one NULL minute in a month fails by default; --max-null-minutes allows it" {
	sql "UPDATE player_game_summary SET minutes_played = NULL WHERE rowid = (SELECT min(rowid)
		FROM player_game_summary WHERE game_date LIKE '2021-10-%' AND is_active = 1)"
	run -4 --separate-stderr validate --json
	[ "$(jq -c '.months[0].null.minutes' <<<"$output")" = '{"n":1,"of":1969,"pct":0.05,"fail":true}' ]
	[ "$(jq -r '.failures[0].message' <<<"$output")" = \
		"2021-10: 1 of 1969 active rows have NULL minutes_played (0.05% > 0%)" ]
	run -0 --separate-stderr validate --max-null-minutes 0.1
}

@test "one team's rows of a game deleted: both_teams and players_per_game name the game" {
	g=$(game_of 2021-10-25)
	team=$(sql "SELECT min(team_abbr) FROM player_game_summary WHERE game_id = '$g'")
	other=$(sql "SELECT max(team_abbr) FROM player_game_summary WHERE game_id = '$g'")
	left=$(sql "SELECT count(*) FROM player_game_summary WHERE game_id = '$g' AND team_abbr = '$other'")
	sql "DELETE FROM player_game_summary WHERE game_id = '$g' AND team_abbr = '$team'"
	run -4 --separate-stderr validate
	assert_line "FAIL both_teams $g: only $other has rows ($team has none)"
	assert_line "FAIL players_per_game $g: $left players listed (want 18..36)"
	assert_line "checks: 11 passed, 2 failed (both_teams, players_per_game), 1 skipped"
}

@test "a game only NBA.com's export lists (no DNP rows) is held to --min-played, not --min-players" {
	local d=2021-10-25 g n
	g=$(game_of $d)
	# the game as that export gives it: only the players who played
	sql "DELETE FROM player_game_summary WHERE game_id = '$g' AND NOT is_active"
	n=$(sql "SELECT count(*) FROM player_game_summary WHERE game_id = '$g'")
	[ "$n" -gt 10 ]
	# from a source that lists the whole team, n rows are too few for --min-players n+1
	run -4 --separate-stderr pgs-validate --from $d --to $d --min-players $((n + 1))
	assert_line "FAIL players_per_game $g: $n players listed (want $((n + 1))..36)"
	# from NBA.com's export they are all it lists: the game is held to --min-played (10)
	sql "UPDATE player_game_summary SET primary_source_used = 'nbacom' WHERE game_id = '$g'"
	run --separate-stderr pgs-validate --from $d --to $d --min-players $((n + 1))
	refute_line --partial "FAIL players_per_game $g:"
	run -4 --separate-stderr pgs-validate --from $d --to $d --min-players $((n + 1)) --min-played $((n + 1))
	assert_line "FAIL players_per_game $g: $n players listed (want $((n + 1))..36: its source lists only the players who played)"
	run -4 --separate-stderr pgs-validate --from $d --to $d --min-played $((n + 1)) --json
	assert_equal "$(jq -c --arg g "$g" '.failures[] | select(.game_id == $g) | [.rows, .min, .played_only]' <<<"$output")" \
		"[$n,$((n + 1)),true]"
	assert_equal "$(jq .thresholds.min_played <<<"$output")" $((n + 1))
}

@test "a month's rows halved against a saved baseline: baseline_rows names 2021-11" {
	run -0 --separate-stderr validate --save-baseline base.json
	[ "$(jq -c '.months' base.json)" = \
		'[{"month":"2021-10","from":"2021-10-18","to":"2021-10-31","rows":2361},{"month":"2021-11","from":"2021-11-01","to":"2021-11-07","rows":691}]' ]
	run -0 --separate-stderr validate --baseline base.json
	assert_line "checks: 14 passed, 0 failed, 0 skipped"

	# every other game of November goes
	sql "DELETE FROM player_game_summary WHERE game_id IN (SELECT game_id FROM (SELECT game_id,
		row_number() OVER (ORDER BY game_id) n FROM (SELECT DISTINCT game_id FROM player_game_summary
		WHERE game_date LIKE '2021-11-%')) WHERE n % 2 = 0)"
	rows=$(sql "SELECT count(*) FROM player_game_summary WHERE game_date LIKE '2021-11-%'")
	diff=$(awk -v r="$rows" 'BEGIN { printf "%+.2f", (r - 691) * 100 / 691 }')
	run -4 --separate-stderr validate --baseline base.json
	assert_line "FAIL baseline_rows 2021-11: $rows rows, baseline 691 ($diff%, tolerance ±2%)"
	assert_line --regexp "^2021-11 .* ${diff//+/\\+}%\*$"
	refute_line --partial "FAIL baseline_rows 2021-10"

	run -0 --separate-stderr validate --baseline base.json --baseline-tolerance 60 --json
	[ "$(jq -r '.checks[] | select(.check == "baseline_rows") | .status' <<<"$output")" = pass ]
}

@test "a baseline saved over another window compares only the months measured alike" {
	run -0 --separate-stderr pgs-validate --from 2021-10-20 --to "$TO" --save-baseline base.json
	part=$(sql "SELECT count(*) FROM player_game_summary WHERE game_date BETWEEN '2021-10-20' AND '2021-10-31'")
	run -0 --separate-stderr validate --baseline base.json --json
	[ "$(jq -c '.months[0].baseline' <<<"$output")" = \
		"{\"rows\":$part,\"compared\":false,\"from\":\"2021-10-20\",\"to\":\"2021-10-31\"}" ]
	[ "$(jq -c '.months[1].baseline' <<<"$output")" = '{"rows":691,"compared":true,"diff_pct":0,"fail":false}' ]
}

@test "a player's points changed: team_points names the game and the team" {
	g=$(game_of 2021-10-27)
	read -r lookup team < <(sql "SELECT player_lookup, team_abbr FROM player_game_summary WHERE game_id = '$g'
		AND points > 0 ORDER BY player_lookup LIMIT 1" | tr '|' ' ')
	tp=$(sql "SELECT team_points FROM player_game_summary WHERE game_id = '$g' AND team_abbr = '$team' LIMIT 1")
	sql "UPDATE player_game_summary SET points = points + 3 WHERE game_id = '$g' AND player_lookup = '$lookup'"
	run -4 --separate-stderr validate
	assert_line "FAIL team_points $g $team: team_points $tp but the players' points sum to $((tp + 3))"
	assert_line "checks: 12 passed, 1 failed (team_points), 1 skipped"
}

@test "a team's seconds short of 240 minutes: team_seconds names the game and the team" {
	g=$(game_of 2021-10-20)
	team=$(sql "SELECT min(team_abbr) FROM player_game_summary WHERE game_id = '$g'")
	secs=$(sql "SELECT sum(seconds_played) FROM player_game_summary WHERE game_id = '$g' AND team_abbr = '$team'")
	sql "UPDATE player_game_summary SET seconds_played = seconds_played - 300 WHERE rowid = (SELECT min(rowid)
		FROM player_game_summary WHERE game_id = '$g' AND team_abbr = '$team' AND seconds_played > 600)"
	run -4 --separate-stderr validate
	assert_line "FAIL team_seconds $g $team: $((secs - 300)) seconds played, want $secs (240 min, regulation) ±60"
	run -0 --separate-stderr validate --seconds-tolerance 300
}

@test "a provisional game (is_final false) short of its minutes and points: counted, its sums not checked" {
	g=$(game_of 2021-10-20)
	rows=$(sql "SELECT count(*) FROM player_game_summary WHERE game_id = '$g'")
	sql "UPDATE player_game_summary SET is_final = 0, seconds_played = seconds_played / 2,
		points = points / 2 WHERE game_id = '$g'"
	run -0 --separate-stderr validate
	assert_line "provisional: 1 game ($rows rows) not final yet, on 1 date; their team sums are not checked"
	refute_output --partial FAIL
	run -0 --separate-stderr validate --json
	[ "$(jq -c .provisional <<<"$output")" = "{\"games\":1,\"rows\":$rows,\"dates\":[{\"date\":\"2021-10-20\",\"games\":1}]}" ]
	# final again, the same rows fail
	sql "UPDATE player_game_summary SET is_final = 1 WHERE game_id = '$g'"
	run -4 --separate-stderr validate
	assert_line --partial "FAIL team_seconds $g"
	refute_output --partial "provisional:"
}

@test "raw rows landed after the backfill of their date: stale_summary names the window and date" {
	run -0 --separate-stderr pgs-ingest --from 2021-10-27 --to 2021-10-27 "$SAMPLE"/*
	run -4 --separate-stderr validate --json
	[ "$(jq -c '[.failures[] | .check]' <<<"$output")" = '["stale_summary"]' ]
	[ "$(jq -c '.failures[0] | [.month, .from, .to, .stale_dates, .first_date, .last_date, .dates, .raw_source]' \
		<<<"$output")" = '["2021-10","2021-10-25","2021-10-31",1,"2021-10-27","2021-10-27",["2021-10-27"],"bbref"]' ]
	sum_at=$(sql "SELECT started_at FROM pgs_windows WHERE tbl = 'player_game_summary' AND from_date = '2021-10-25'")
	raw_at=$(sql "SELECT max(committed_at) FROM pgs_windows WHERE tbl = 'raw_boxscores'")
	[ "$(jq -r '.failures[0].started_at' <<<"$output")" = "$sum_at" ]
	[ "$(jq -r '.failures[0].message' <<<"$output")" = \
		"2021-10-25..2021-10-31: summary made from raw rows as of $sum_at, but raw rows of 1 of its dates (2021-10-27) landed after that (bbref, $raw_at)" ]
	[ "$(jq '.months[0].date_failures' <<<"$output")" -eq 1 ]
	# the dates to build again
	[ "$(jq -c .gaps <<<"$output")" = '[["2021-10-27","2021-10-27"]]' ]

	# backfilling that window again makes it current
	run -0 --separate-stderr pgs-backfill --from 2021-10-25 --to 2021-10-31 --restart
	run -0 --separate-stderr validate
}

@test "a date with raw rows but no summary rows: raw_without_summary names the date" {
	raw=$(sql "SELECT count(*) FROM raw_boxscores WHERE game_date = '2021-10-29'")
	sql "DELETE FROM player_game_summary WHERE game_date = '2021-10-29'"
	run -4 --separate-stderr validate
	assert_line "FAIL raw_without_summary 2021-10-29: $raw raw rows (bbref) but no summary rows"
	assert_line "checks: 12 passed, 1 failed (raw_without_summary), 1 skipped"
}

# SQLite's primary key makes a duplicate impossible in a pgs store, so the
# table is rebuilt without one (as a store without keys, BigQuery, may be).
@test "a duplicated row: duplicate_keys names the game and the team (table rebuilt without a key)" {
	# a player who did not play: his copy changes no sum, only the key count
	read -r g team < <(sql "SELECT game_id, team_abbr FROM player_game_summary WHERE game_date = '2021-11-02'
		AND is_active = 0 ORDER BY game_id, team_abbr LIMIT 1" | tr '|' ' ')
	n=$(sql "SELECT count(*) FROM player_game_summary WHERE game_id = '$g' AND team_abbr = '$team'")
	sql "CREATE TABLE nokey AS SELECT * FROM player_game_summary; DROP TABLE player_game_summary;
		ALTER TABLE nokey RENAME TO player_game_summary;
		INSERT INTO player_game_summary SELECT * FROM player_game_summary WHERE game_id = '$g'
			AND team_abbr = '$team' AND is_active = 0 LIMIT 1"
	run -4 --separate-stderr validate
	assert_line "FAIL duplicate_keys $g $team: 1 duplicate key ($((n + 1)) rows, $n distinct player_lookup)"
	assert_line "checks: 12 passed, 1 failed (duplicate_keys), 1 skipped"
}

@test "unresolved names: counted per name with their dates; --max-unresolved allows them" {
	lookup=$(sql "SELECT min(player_lookup) FROM player_game_summary")
	read -r n first last team < <(sql "SELECT count(*), min(game_date), max(game_date), min(team_abbr)
		FROM player_game_summary WHERE player_lookup = '$lookup'" | tr '|' ' ')
	sql "UPDATE player_game_summary SET registry_status = 'unresolved' WHERE player_lookup = '$lookup'"
	run -4 --separate-stderr validate
	assert_line "FAIL unresolved_names $n unresolved rows of 1 names (max 0): $lookup ($team, $n rows, $first..$last)"
	run -0 --separate-stderr validate --max-unresolved "$n" --json
	[ "$(jq -c '.unresolved[0] | [.player_lookup, .rows, .first_date, .last_date]' <<<"$output")" = \
		"[\"$lookup\",$n,\"$first\",\"$last\"]" ]
	[ "$(jq '.totals.unresolved' <<<"$output")" -eq "$n" ]
}

@test "many failures: the text lists --list N per check, --json all of them" {
	sql "UPDATE player_game_summary SET seconds_played = seconds_played / 2 WHERE game_date LIKE '2021-10-%'"
	teams=$(sql "SELECT count(DISTINCT game_id || team_abbr) FROM player_game_summary WHERE game_date LIKE '2021-10-%'")
	run -4 --separate-stderr validate --list 3
	[ "$(grep -c '^FAIL team_seconds 2021' <<<"$output")" -eq 3 ]
	assert_line "FAIL team_seconds: ... and $((teams - 3)) more (--json lists them all)"
	run -4 --separate-stderr validate --json
	[ "$(jq '[.failures[] | select(.check == "team_seconds")] | length' <<<"$output")" -eq "$teams" ]
	run -4 --separate-stderr validate --list 0
	[ "$(grep -c '^FAIL team_seconds 2021' <<<"$output")" -eq "$teams" ]
}

# --- the picture ---------------------------------------------------------------

# Every bar and cell of an SVG against the JSON report: prints the mismatches.
svg_vs_json() {
	python3 - "$1" "$2" <<-'EOF'
	import json, sys
	import xml.etree.ElementTree as ET
	svg = ET.parse(sys.argv[1]).getroot()
	rep = json.load(open(sys.argv[2]))
	months = {m["month"]: m for m in rep["months"]}
	bad, bars, cells = [], 0, 0
	for g in svg.iter("{http://www.w3.org/2000/svg}g"):
	    cls, a = g.get("class", ""), g.attrib
	    m = months.get(a.get("data-month"))
	    if cls.startswith("bar"):
	        bars += 1
	        if m is None or int(a["data-rows"]) != m["rows"] or int(a["data-games"]) != m["games"]:
	            bad.append(("bar", a))
	        b = m and m["baseline"]
	        if b and b.get("compared") and (int(a["data-baseline"]) != b["rows"] or
	                (a["data-fail"] == "1") != b["fail"] or ("fail" in cls) != b["fail"]):
	            bad.append(("baseline", a))
	    elif cls.startswith("cell"):
	        cells += 1
	        col = a["data-column"]
	        if col in ("game_failures", "date_failures"):
	            ok = m is not None and int(a["data-n"]) == m[col]
	        else:
	            c = m and m["null"][col]
	            ok = (c is not None and int(a["data-n"]) == c["n"] and int(a["data-of"]) == c["of"]
	                  and (a["data-fail"] == "1") == c["fail"] and ("fail" in cls) == c["fail"]
	                  and (c["pct"] is None) == ("data-pct" not in a)
	                  and (c["pct"] is None or abs(float(a["data-pct"]) - c["pct"]) < 1e-9))
	        if not ok:
	            bad.append(("cell", a))
	if bars != len(months) or cells != 6 * len(months):
	    bad.append(("count", bars, cells, len(months)))
	for b in bad:
	    print(b)
	EOF
}

@test "--svg: well-formed (xmllint), months labelled, its numbers equal --json's" {
	run -0 --separate-stderr validate --svg clean.svg --json
	printf '%s\n' "$output" >clean.json
	xmllint --noout clean.svg
	[ "$(xmllint --xpath 'count(//*[local-name()="text"][@class="month"])' clean.svg)" -eq 2 ]
	xmllint --xpath '//*[local-name()="text"][@class="month"]/text()' clean.svg | grep -qx '2021-10'
	run -0 svg_vs_json clean.svg clean.json
	assert_output ""
	[ "$(xmllint --xpath 'string(/*/@data-ok)' clean.svg)" = 1 ]
}

@test "--svg of a spoiled store: failing cells and bars marked, numbers equal --json's" {
	run -0 --separate-stderr validate --save-baseline base.json
	sql "UPDATE player_game_summary SET minutes_played = NULL WHERE game_date LIKE '2021-11-%' AND is_active = 1"
	sql "DELETE FROM player_game_summary WHERE game_date = '2021-10-29'"
	run -4 --separate-stderr validate --baseline base.json --svg spoiled.svg --json
	printf '%s\n' "$output" >spoiled.json
	xmllint --noout spoiled.svg
	run -0 svg_vs_json spoiled.svg spoiled.json
	assert_output ""
	xmllint --xpath 'string(//*[local-name()="g"][@data-month="2021-11"][@data-column="minutes"]/@class)' \
		spoiled.svg | grep -qx 'cell fail'
	xmllint --xpath 'string(//*[local-name()="g"][@data-month="2021-10"][@data-rows]/@class)' \
		spoiled.svg | grep -qx 'bar fail'
	xmllint --xpath 'string(//*[local-name()="g"][@data-month="2021-10"][@data-column="date_failures"]/@data-n)' \
		spoiled.svg | grep -qx 1
	xmllint --xpath '//*[local-name()="text"]/text()' spoiled.svg |
		grep -q 'null_minutes  2021-11: 586 of 586 active rows have NULL minutes_played'
}

@test "--svg renders in headless Chromium: a 900x600 picture with something drawn on it" {
	[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (scripts/setup-debian installs it)"
	run -0 --separate-stderr validate --svg c.svg
	run timeout 60 /usr/bin/chromium --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$BATS_TEST_TMPDIR/chromium" --screenshot="$BATS_TEST_TMPDIR/c.png" \
		--window-size=900,600 "file://$BATS_TEST_TMPDIR/c.svg"
	[ -s c.png ]
	# a PNG of the window's size; bars, cells and labels make it far larger than a blank page (~3 KB)
	assert_equal "$(od -An -tx1 -j16 -N8 c.png | tr -d ' \n')" "0000038400000258"
	[ "$(stat -c %s c.png)" -gt 12000 ]
}

# Two seasons of the sample league (2021-10..11 and 2022-10..11 at --scale 0.1)
# backfilled into two.db, the first spoiled: NULL minutes in 2022-11, a date
# deleted, a game cut short, two rows whose player did not resolve.
two_seasons() {
	local env=(PGS_STORE="sqlite:$BATS_TEST_TMPDIR/two.db" PGS_STATE_DIR="$BATS_TEST_TMPDIR/two-state"
		SOURCE_DATE_EPOCH=1700000000)
	pgs-sample --seed 7 --scale 0.1 --from 2021-10-01 --to 2022-11-30 -o two-sample >/dev/null
	env "${env[@]}" pgs-ingest --from 2021-10-01 --to 2022-11-30 two-sample/* >/dev/null
	env "${env[@]}" pgs-backfill --from 2021-10-01 --to 2022-11-30 2>/dev/null
	[ "${1:-}" = spoil ] || return 0
	sqlite3 two.db "UPDATE player_game_summary SET minutes_played = NULL
			WHERE game_date LIKE '2022-11-0%' AND is_active = 1 AND rowid % 3 = 0;
		DELETE FROM player_game_summary WHERE game_date = '2021-10-29';
		DELETE FROM player_game_summary WHERE rowid IN
			(SELECT rowid FROM player_game_summary WHERE game_date = '2022-10-20' LIMIT 9);
		UPDATE player_game_summary SET registry_status = 'unresolved', player_lookup = 'd''angelo&<co>' || rowid
			WHERE rowid IN (SELECT rowid FROM player_game_summary WHERE game_date = '2021-10-19' LIMIT 2)"
}

validate_two() {
	SOURCE_DATE_EPOCH=1700000000 pgs-validate --store "sqlite:$BATS_TEST_TMPDIR/two.db" \
		--from 2021-10-01 --to 2022-11-30 "$@"
}

@test "--svg scales to its container: a viewBox, width 100%, no fixed pixel size" {
	run -0 --separate-stderr validate --svg clean.svg
	[ "$(xmllint --xpath 'string(/*/@width)' clean.svg)" = "100%" ]
	[ -z "$(xmllint --xpath 'string(/*/@height)' clean.svg)" ]
	[[ $(xmllint --xpath 'string(/*/@viewBox)' clean.svg) =~ ^0\ 0\ [0-9]+\ [0-9]+$ ]]
	run -1 grep -E '<svg[^>]* (width|height)="[0-9.]+(px)?"' clean.svg
}

@test "--svg of two seasons: a gap and a line between 2021-11 and 2022-10, each season named" {
	two_seasons
	run -0 --separate-stderr validate_two --svg two.svg
	xmllint --noout two.svg
	[ "$(xmllint --xpath 'count(//*[@class="season-break"])' two.svg)" -eq 1 ]
	[ "$(xmllint --xpath 'string(//*[@class="season-break"]/@data-after)' two.svg)" = 2021-11 ]
	[ "$(xmllint --xpath 'string(//*[@class="season-break"]/@data-before)' two.svg)" = 2022-10 ]
	[ "$(xmllint --xpath '//*[local-name()="g"][@class="season"]/*[local-name()="text"]/text()' two.svg)" = \
		"2021-22"$'\n'"2022-23" ]
	[ "$(xmllint --xpath 'string(//*[local-name()="g"][@class="season"][2]/@data-first)' two.svg)" = 2022-10 ]
	# the months either side of the break are further apart than two neighbours of one season
	x() { xmllint --xpath "string(//*[local-name()=\"text\"][@class=\"month\"][text()=\"$1\"]/@x)" two.svg; }
	python3 -c 'import sys; a, b, c = map(float, sys.argv[1:]); sys.exit(not (c - b > 1.3 * (b - a)))' \
		"$(x 2021-10)" "$(x 2021-11)" "$(x 2022-10)"
}

@test "--svg says in words what each row and colour means; its counts add up to the failures" {
	two_seasons spoil
	run -4 --separate-stderr validate_two --svg two.svg --json
	printf '%s\n' "$output" >two.json
	xmllint --xpath '//*[local-name()="text"][@class="legend"]/text()' two.svg >legend.txt
	tr '\n' ' ' <legend.txt >legend1.txt
	grep -qF 'NULL minutes: share of active rows with NULL minutes_played; green 0, yellow up to 1 %, orange up to 10 %, red over 10 %; fails above 0 %.' legend1.txt
	grep -qF 'failing games: games of the month failing a per-game check' legend1.txt
	grep -qF 'failing dates: dates with raw rows but no summary rows' legend1.txt
	# the verdict names each failing check's count, and they add up to the failures
	verdict=$(xmllint --xpath '//*[local-name()="text"][@class="verdict"]/text()' two.svg | tr '\n' ' ')
	n=$(jq '.failures | length' two.json)
	[[ $verdict == "$(jq .failed_checks two.json) of 14 checks failed, $n failures: "* ]]
	[ "$(grep -oE '[a-z_]+ [0-9]+' <<<"${verdict#*failures: }" | awk '{ s += $2 } END { print s }')" -eq "$n" ]
	# a month's failing games say of how many, and by which checks; the total is their sum
	t=$(xmllint --xpath 'string(//*[local-name()="g"][@data-month="2022-10"][@data-column="game_failures"]/*[local-name()="title"])' two.svg)
	[[ $t == "2022-10: 1 of $(jq '.months[] | select(.month == "2022-10") | .games' two.json) games fail a per-game check (players_per_game 1, team_points 1, team_seconds 1)" ]]
	[ "$(xmllint --xpath 'string(//*[local-name()="g"][@class="total fail"][@data-column="game_failures"]/@data-n)' two.svg)" -eq \
		"$(jq '[.months[].game_failures] | add' two.json)" ]
	[ "$(xmllint --xpath 'string(//*[local-name()="g"][@class="total fail"][@data-column="date_failures"]/@data-n)' two.svg)" -eq \
		"$(jq '[.months[].date_failures] | add' two.json)" ]
	[ "$(xmllint --xpath 'string(//*[local-name()="g"][@class="total fail"][@data-column="minutes"]/@data-n)' two.svg)" -eq \
		"$(jq '[.months[].null.minutes.n] | add' two.json)" ]
	run -0 svg_vs_json two.svg two.json
	assert_output ""
}

# HTML parser errors of a page other than the SVG elements it does not know.
html_errors() {
	xmllint --html --noout "$1" 2>&1 | grep 'error :' | grep -v 'Tag [a-zA-Z]* invalid' || true
}

@test "--html: one self-contained page, HTML and XML well-formed: store, window, time, a row per finding, checks, thresholds" {
	two_seasons spoil
	run -4 --separate-stderr validate_two --html two.html --json --max-null-ts 0.5 --min-players 17
	printf '%s\n' "$output" >two.json
	xmllint --noout two.html
	run -0 html_errors two.html
	assert_output ""
	head -1 two.html | grep -qx '<!DOCTYPE html>'
	x() { xmllint --xpath "$1" two.html; }
	[ "$(x 'string(//*[local-name()="title"][1])')" = \
		"pgs-validate sqlite:$BATS_TEST_TMPDIR/two.db 2021-10-01..2022-11-30: failed" ]
	[ "$(x 'string(//*[local-name()="tr"][*[local-name()="th"]="store"]/*[local-name()="td"])')" = \
		"sqlite:$BATS_TEST_TMPDIR/two.db" ]
	[[ $(x 'string(//*[local-name()="tr"][*[local-name()="th"]="window"]/*[local-name()="td"])') == 2021-10-01..2022-11-30:* ]]
	[[ $(x 'string(//*[local-name()="tr"][*[local-name()="th"]="generated"]/*[local-name()="td"])') == "2023-11-14 22:13:20 UTC by pgs-validate "* ]]
	# the picture inline
	[ "$(x 'count(//*[local-name()="figure"]/*[local-name()="svg"][@viewBox])')" -eq 1 ]
	# a row per finding, in the report's order, its message whole
	[ "$(x 'count(//*[local-name()="tr"][@class="finding"])')" -eq "$(jq '.failures | length' two.json)" ]
	diff <(jq -r '.failures[] | "\(.check) \(.message)"' two.json) \
		<(x '//*[local-name()="tr"][@class="finding"]' | python3 -c '
import sys, xml.etree.ElementTree as ET
for tr in ET.fromstring("<r>" + sys.stdin.read() + "</r>"):
    td = ["".join(c.itertext()) for c in tr]
    print(td[1], td[4])')
	# every check with its status, every threshold with its value and option
	[ "$(x 'count(//*[local-name()="table"][@class="checks"]//*[local-name()="tbody"]/*)')" -eq 14 ]
	[ "$(x 'string(//*[local-name()="tr"][@data-threshold="max_null_ts_pct"])')" = "max_null_ts_pct--max-null-ts0.5 %" ]
	[ "$(x 'string(//*[local-name()="tr"][@data-threshold="min_players"])')" = "min_players--min-players17 rows" ]
	[ "$(x 'count(//*[local-name()="tr"][@data-threshold])')" -eq 11 ]
	# nothing from elsewhere: no script, stylesheet link, import, url() or remote address
	run -1 grep -iE '<script|<link|@import|url\(|src=|(https?:)?//[a-z]' \
		<(grep -v 'xmlns="http://www.w3.org/' two.html)
}

@test "--html and --svg escape names: a store path and player lookups with ' & < >" {
	two_seasons spoil
	mkdir "D'Angelo & <Co>"
	mv two.db "D'Angelo & <Co>/two.db"
	store="sqlite:$BATS_TEST_TMPDIR/D'Angelo & <Co>/two.db"
	run -4 --separate-stderr pgs-validate --store "$store" --from 2021-10-01 --to 2022-11-30 \
		--html page.html --svg pic.svg --list 0
	grep -q "unresolved rows of 2 names (max 0): d'angelo&<co>" <<<"$output"
	xmllint --noout page.html
	xmllint --noout pic.svg
	run -0 html_errors page.html
	assert_output ""
	[ "$(xmllint --xpath 'string(//*[local-name()="tr"][*[local-name()="th"]="store"]/*[local-name()="td"])' page.html)" = "$store" ]
	[[ $(xmllint --xpath 'string(//*[local-name()="tr"][@data-check="unresolved_names"]/*[local-name()="td"][5])' page.html) == \
		*"names (max 0): d'angelo&<co>"* ]]
	[[ $(xmllint --xpath 'string(/*/*[local-name()="title"])' pic.svg) == "pgs-validate $store "* ]]
	grep -qF 'D&#39;Angelo &amp; &lt;Co&gt;' page.html
}

@test "--html /dev/stdout: the page on standard output, /dev/stdout left a symlink" {
	run -0 --separate-stderr bash -c 'pgs-validate --from "$1" --to "$2" --html /dev/stdout | cat >out.html' \
		_ "$FROM" "$TO"
	grep -q '<h1 class="pass">pgs-validate: every check passed</h1>' out.html
	grep -q '^pgs-validate sqlite:' out.html
	[ -L /dev/stdout ]
	# a symlink to a file is written through, not replaced
	ln -s page.html link.html
	run -0 --separate-stderr validate --html link.html
	[ -L link.html ] && [ -s page.html ]
}

# Headless Chromium with what it needs to run as root and offline, its
# profile in the test's directory.
chromium_run() {
	timeout 30 "$CHROMIUM" --headless --no-sandbox --disable-gpu --no-first-run \
		--disable-background-networking --disable-component-update --disable-sync \
		--user-data-dir="$BATS_TEST_TMPDIR/chromium" "$@" 2>/dev/null
}

@test "--html in headless Chromium at 1000 and 1600 px: the page drawn at that width, every month in view, no text clipped" {
	CHROMIUM=$(command -v chromium || command -v chromium-browser) ||
		skip "no chromium on PATH (scripts/setup-debian installs it): the page was not rendered"
	two_seasons spoil
	run -4 --separate-stderr validate_two --html two.html
	# the page with a script that reports, after layout, what sticks out
	{
		sed '/^<\/body>$/,$d' two.html
		printf '<script>\n'
		cat "$FIXTURES/validate_fit.js"
		printf '</script>\n</body>\n</html>\n'
	} >probe.html
	for w in 1000 1600; do
		chromium_run --screenshot="$BATS_TEST_TMPDIR/p$w.png" --window-size="$w,800" "file://$BATS_TEST_TMPDIR/two.html"
		[ -s "p$w.png" ] || fail "no screenshot at $w px"
		# the PNG's IHDR: width and height as asked; the page drawn, not blank (~3 KB)
		assert_equal "$(od -An -tx1 -j16 -N8 "p$w.png" | tr -d ' \n')" "$(printf '%08x%08x' "$w" 800)"
		[ "$(stat -c %s "p$w.png")" -gt 30000 ]
		dom=$(chromium_run --dump-dom --window-size="$w,800" "file://$BATS_TEST_TMPDIR/probe.html")
		fit=$(grep -o '<p id="fit">[^<]*' <<<"$dom") || fail "the probe did not run at $w px"
		[[ $fit =~ ^\<p\ id=\"fit\"\>fit\ ([0-9]+)\ texts\ ([0-9]+)\ clipped\ none$ ]] || fail "at $w px: $fit"
		# the window as wide as asked (less a scroll bar); every text of the picture checked
		((BASH_REMATCH[1] > w - 30 && BASH_REMATCH[1] <= w && BASH_REMATCH[2] > 80))
	done
}

# --- failure paths ---------------------------------------------------------------

@test "usage errors exit 2: bad flag, operand, missing window, bad date, bad threshold, unknown store" {
	run -2 --separate-stderr validate --bogus
	assert_output ""
	assert_equal "$stderr" "pgs-validate: unknown option '--bogus'"$'\n'"Try 'pgs-validate --help'."
	run -2 --separate-stderr validate extra
	[[ $stderr == *"unexpected argument 'extra'"* ]]
	run -2 --separate-stderr pgs-validate --from "$FROM"
	[[ $stderr == *"--from and --to are required"* ]]
	run -2 --separate-stderr pgs-validate --from 2021-13-01 --to "$TO"
	[[ $stderr == *"bad --from '2021-13-01'"* ]]
	run -2 --separate-stderr validate --max-null-minutes 101
	[[ $stderr == *"bad --max-null-minutes '101': want a percentage 0..100"* ]]
	run -2 --separate-stderr validate --min-players x
	[[ $stderr == *"bad --min-players 'x': want a count"* ]]
	run -2 --separate-stderr validate --min-players 40
	[[ $stderr == *"--min-players 40 is above --max-players 36"* ]]
	run -2 --separate-stderr validate --min-played 40
	[[ $stderr == *"--min-played 40 is above --max-players 36"* ]]
	run -2 --separate-stderr validate --store nosuch:x
	[[ $stderr == *"unknown store 'nosuch:x'"* ]]
}

@test "a missing store exits 3 and is not created (read-only open)" {
	run -3 --separate-stderr validate --store "sqlite:$BATS_TEST_TMPDIR/none.db"
	assert_output ""
	[[ $stderr == *"cannot open store 'sqlite:$BATS_TEST_TMPDIR/none.db'"* ]]
	[ ! -e none.db ]
	echo junk >junk.db
	run -3 --separate-stderr validate --store "sqlite:$BATS_TEST_TMPDIR/junk.db"
	[[ $stderr == *"file is not a database"* ]]
}

@test "files that cannot be read or written exit 3: baseline, --save-baseline, --svg" {
	run -3 --separate-stderr validate --baseline nope.json
	assert_output ""
	[[ $stderr == *"cannot read baseline 'nope.json'"* ]]
	echo '{"months":[]}' >bad.json
	run -3 --separate-stderr validate --baseline bad.json
	[[ $stderr == *"baseline 'bad.json': not a pgs-validate baseline"* ]]
	run -3 --separate-stderr validate --svg /nonexistent/x.svg
	[[ $stderr == *"cannot write svg '/nonexistent/x.svg'"* ]]
	run -3 --separate-stderr validate --save-baseline /nonexistent/b.json
	[[ $stderr == *"cannot write baseline '/nonexistent/b.json'"* ]]
	run -3 --separate-stderr validate --html /nonexistent/x.html
	assert_output ""
	[[ $stderr == *"cannot write html '/nonexistent/x.html'"* ]]
	mkdir ro && chmod 555 ro
	if [ ! -w ro ] || [ "$(id -u)" != 0 ]; then
		run -3 --separate-stderr validate --html ro/x.html
		[[ $stderr == *"cannot write html 'ro/x.html'"* ]]
	fi
	[ -z "$(ls ro)" ]
}

@test "--html /dev/full and --svg /dev/full exit 3, and leave the device a device" {
	run -3 --separate-stderr validate --html /dev/full
	assert_output ""
	[[ $stderr == *"cannot write html '/dev/full': No space left on device"* ]]
	run -3 --separate-stderr validate --svg /dev/full
	[[ $stderr == *"cannot write svg '/dev/full': No space left on device"* ]]
	[ -c /dev/full ]
	run -1 compgen -G '/dev/full.tmp.*'
}

@test "> /dev/full fails with 3" {
	run -3 --separate-stderr bash -c 'pgs-validate --from "$1" --to "$2" >/dev/full' _ "$FROM" "$TO"
	[[ $stderr == *"pgs-validate: write error on stdout"* ]]
	run -3 --separate-stderr bash -c 'pgs-validate --from "$1" --to "$2" --json >/dev/full' _ "$FROM" "$TO"
	[[ $stderr == *"write error on stdout"* ]]
}

@test "--json | head -c 10 ends quietly; the tool's own status is its verdict or SIGPIPE" {
	run --separate-stderr bash -c 'pgs-validate --from "$1" --to "$2" --json | head -c 10; echo; echo "${PIPESTATUS[0]}"' \
		_ "$FROM" "$TO"
	assert_success
	assert_line --index 0 '{"tool":"p'
	[[ ${lines[1]} == 0 || ${lines[1]} == 141 ]]
	[ -z "$stderr" ]
	# a long report into a reader that stops at once: killed quietly by SIGPIPE, nothing on stderr
	sql "UPDATE player_game_summary SET seconds_played = 0"
	run --separate-stderr bash -c 'pgs-validate --from "$1" --to "$2" --list 0 | head -c 10 >/dev/null; echo "${PIPESTATUS[0]}"' \
		_ "$FROM" "$TO"
	[[ $output == 4 || $output == 141 ]]
	[ -z "$stderr" ]
}

# --- real data ------------------------------------------------------------------

@test "real data: three bbref seasons ingested and backfilled validate with exit 0" {
	require_data
	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/real.db"
	run -0 --separate-stderr pgs-ingest "$PGS_DATA"/bbref_parminpatel28/derived/bbref_player_box_20*.csv.gz
	run -0 --separate-stderr pgs-backfill --from 2021-10-01 --to 2024-05-01 --batch-days 7
	run -0 --separate-stderr pgs-validate --store "$PGS_STORE" --from 2021-10-01 --to 2024-05-01 --json --svg real.svg
	[ "$(jq -c '[.totals.months, .totals.games, .totals.rows, .totals.active, .totals.raw_rows]' <<<"$output")" = \
		'[24,3632,93852,76990,93852]' ]
	[ "$(jq '[.months[].null[] | .n] | add' <<<"$output")" -eq 0 ]
	[ "$(jq '.failed_checks' <<<"$output")" -eq 0 ]
	xmllint --noout real.svg
	# the off-seasons set apart: June's finals and October's openers are not neighbours
	[ "$(xmllint --xpath 'count(//*[@class="season-break"])' real.svg)" -eq 2 ]
	xmllint --xpath '//*[@class="season-break"][@data-after="2022-06"][@data-before="2022-10"]' real.svg >/dev/null
	xmllint --xpath '//*[@class="season-break"][@data-after="2023-06"][@data-before="2023-10"]' real.svg >/dev/null
}
