#!/usr/bin/env bats
# pgs-extract: formats bbref-csv and raw, files/stdin/.gz and sqlite: sources,
# date window, rejects, end markers, failure paths, the real bbref seasons.

load test_helper

setup() {
	common_setup
	CSV="$FIXTURES/extract_bbref.csv"
	GOLDEN="$FIXTURES/extract_bbref.golden.ndjson"
	BAD="$FIXTURES/extract_bad.csv"
}

# rows FILE: data rows (not the marker) in an NDJSON file.
rows() {
	grep -vc '"pgs_end"' "$1"
}

# marker: the end marker line of $output.
marker() {
	printf '%s\n' "$output" | tail -n 1 | jq -c .pgs_end
}

@test "--help prints the synopsis to stdout and exits 0" {
	run --separate-stderr pgs-extract --help
	assert_success
	assert_line --index 0 'Usage: pgs-extract [--from D] [--to D] [--format F] [--source URI]... [--rejects FILE] [--max-rejects N] [FILE...]'
	assert_output --partial 'bbref-csv, raw'
	assert_equal "$stderr" ""
}

@test "-V prints the version" {
	run --separate-stderr pgs-extract -V
	assert_success
	assert_output --regexp '^pgs-extract [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "a bad flag is a usage error (2) on stderr" {
	run --separate-stderr -2 pgs-extract --bogus
	assert_output ""
	[[ "$stderr" == *"pgs-extract: unrecognized option '--bogus'"* ]]
	[[ "$stderr" == *"Try 'pgs-extract --help'."* ]]
}

@test "bad option values are usage errors (2)" {
	run --separate-stderr -2 pgs-extract --from 2023-02-30 "$CSV"
	[[ "$stderr" == *"bad --from '2023-02-30'"* ]]
	run --separate-stderr -2 pgs-extract --from 2023-02-02 --to 2023-02-01 "$CSV"
	[[ "$stderr" == *"is after --to"* ]]
	run --separate-stderr -2 pgs-extract --format xml "$CSV"
	[[ "$stderr" == *"unknown format 'xml' (known: bbref-csv, raw)"* ]]
	run --separate-stderr -2 pgs-extract --source "sqlite:$BATS_TEST_TMPDIR/x.db"
	[[ "$stderr" == *"needs --from and --to"* ]]
	run --separate-stderr -2 pgs-extract --only-source bbref "$CSV"
	[[ "$stderr" == *"--only-source needs a store --source"* ]]
	assert_output ""
}

@test "a missing file fails (3) with no end marker" {
	run --separate-stderr -3 pgs-extract nope.csv
	assert_output ""
	assert_equal "$stderr" "pgs-extract: cannot open 'nope.csv': No such file or directory"
}

@test "bbref-csv fixture with quirks matches the golden file" {
	[ -f "$GOLDEN" ] || fail "golden file $GOLDEN is missing"
	run --separate-stderr pgs-extract "$CSV"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$GOLDEN")"
}

@test "bbref mapping: tricodes, game types, DNP, minutes, counts" {
	pgs-extract "$CSV" >out.ndjson
	# BRK/CHO/PHO become BKN/CHA/PHX in teams and game ids
	run jq -r 'select(.game_id) | .game_id' out.ndjson
	assert_line 20211219_CHA_PHX
	assert_line 20220412_CLE_BKN
	refute_output --regexp 'BRK|CHO|PHO'
	run jq -r 'select(.game_id) | "\(.game_id) \(.game_type)"' out.ndjson
	assert_line '20231209_IND_LAL cup_final'
	assert_line '20220412_CLE_BKN playin'
	assert_line '20220529_BOS_MIA playoffs'
	assert_line '20231024_LAL_DEN regular'
	# 0:00 stays a string, blank +/- is null (never 0), +7 is 7
	run jq -c 'select(.player_name == "Quentin Grimes") | [.minutes, .points, .plus_minus]' out.ndjson
	assert_output '["0:00",0,null]'
	run jq -c 'select(.player_name == "Julius Randle") | .plus_minus' out.ndjson
	assert_output 10
	# DNP reasons
	run jq -r 'select(.dnp_reason) | "\(.player_status) \(.dnp_reason) \(.minutes) \(.points)"' out.ndjson
	assert_line 'inactive Player Suspended null null'
	assert_line 'inactive Not With Team null null'
	assert_line 'inactive Did Not Dress null null'
	assert_line 'dnp Did Not Play null null'
	# diacritics kept; source ids carried
	run jq -r 'select(.source_player_id == "jokicni01") | "\(.player_name) \(.source) \(.source_game_id) \(.starter)"' out.ndjson
	assert_output 'Nikola Jokić bbref 202310240DEN true'
}

@test "gz input equals plain input" {
	gzip -c "$CSV" >in.csv.gz
	run --separate-stderr pgs-extract in.csv.gz
	assert_success
	assert_output "$(cat "$GOLDEN")"
}

@test "stdin equals the file, with and without '-'" {
	run --separate-stderr bash -c 'pgs-extract <"$1"' _ "$CSV"
	assert_success
	assert_output "$(cat "$GOLDEN")"
	run --separate-stderr bash -c 'gzip -c "$1" | pgs-extract -' _ "$CSV"
	assert_success
	assert_output "$(cat "$GOLDEN")"
}

@test "--from/--to keep only games in the window, and the marker says so" {
	run --separate-stderr pgs-extract --from 2021-12-19 --to 2022-04-12 "$CSV"
	assert_success
	run jq -r 'select(.game_date) | .game_date' <<<"$output"
	assert_output "$(printf '%s\n' 2021-12-19 2021-12-19 2021-12-29 2022-02-05 2022-04-12 2022-04-12)"
	run --separate-stderr pgs-extract --from 2021-12-19 --to 2022-04-12 "$CSV"
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":6,"rejects":0,"from":"2021-12-19","to":"2022-04-12"}'
	run --separate-stderr pgs-extract --from 2030-01-01 --to 2030-01-02 "$CSV"
	assert_success
	assert_output '{"pgs_end":{"tool":"pgs-extract","rows":0,"rejects":0,"from":"2030-01-01","to":"2030-01-02"}}'
}

@test "each kind of bad row is rejected with file:line; good rows flow (exit 1)" {
	run --separate-stderr -1 pgs-extract "$BAD"
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.player_name) | .player_name' | paste -sd,)" \
	    'Jayson Tatum,Julius Randle,Joe Harris'
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":3,"rejects":9,"from":null,"to":null}'
	assert_equal "$stderr" "pgs-extract: $BAD:3: 33 fields, the header has 34
pgs-extract: $BAD:4: bad game_date '2021-10-32'
pgs-extract: $BAD:5: unknown team 'XYZ'
pgs-extract: $BAD:6: pts '9x' is not an integer
pgs-extract: $BAD:7: negative assists -6
pgs-extract: $BAD:8: fg_makes 14 > fg_attempts 12
pgs-extract: $BAD:9: bad minutes '3a:10'
pgs-extract: $BAD:10: missing player_name
pgs-extract: $BAD:13: game 20211020_BOS_NYK is not contiguous in the input"
}

@test "--rejects FILE records tool, input, line, error and the raw line" {
	run --separate-stderr -1 pgs-extract --rejects rej.ndjson "$BAD"
	assert_equal "$stderr" ""
	assert_equal "$(rows rej.ndjson)" 9
	run jq -c --arg f "$BAD" 'select(.line == 9) | [.tool, .input == $f, .error, (.raw | startswith("2021-22,regular,202110200NYK"))]' rej.ndjson
	assert_output '["pgs-extract",true,"bad minutes '"'"'3a:10'"'"'",true]'
	run jq -r 'select(.line == 9) | .raw' rej.ndjson
	assert_output "$(sed -n 9p "$BAD")"
}

@test "--max-rejects: within the limit exit 1, beyond it exit 3 and no marker" {
	run --separate-stderr -1 pgs-extract --max-rejects 9 "$BAD"
	assert_output --partial '"pgs_end"'
	run --separate-stderr -3 pgs-extract --max-rejects 2 "$BAD"
	refute_output --partial '"pgs_end"'
	[[ "$stderr" == *"pgs-extract: too many rejects (more than 2): giving up"* ]]
}

@test "raw round trip: bbref -> raw -> extract --format raw is identical" {
	pgs-extract "$CSV" >raw.ndjson
	run --separate-stderr pgs-extract --format raw raw.ndjson
	assert_success
	assert_output "$(cat "$GOLDEN")"
	# detected without --format, and hand-made raw input without a marker is fine
	grep -v pgs_end raw.ndjson >hand.ndjson
	run --separate-stderr pgs-extract hand.ndjson
	assert_success
	assert_output "$(cat "$GOLDEN")"
}

@test "raw format keeps unknown fields and checks the contract" {
	head -n 1 "$GOLDEN" | jq -c '. + {note: "kept", extra: [1, {"a": 2}]}' >in.ndjson
	head -n 1 "$GOLDEN" | jq -c '.game_id = "20211020_NYK_BOS"' >>in.ndjson
	head -n 1 "$GOLDEN" | jq -c '.team_abbr = "BRK"' >>in.ndjson
	head -n 1 "$GOLDEN" | jq -c '.ft_makes = 9' >>in.ndjson
	head -n 1 "$GOLDEN" | jq -c 'del(.source)' >>in.ndjson
	echo '{"not json' >>in.ndjson
	run --separate-stderr -1 pgs-extract in.ndjson
	assert_equal "$(printf '%s\n' "$output" | head -n 1 | jq -c '[.note, .extra]')" '["kept",[1,{"a":2}]]'
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":1,"rejects":5,"from":null,"to":null}'
	[[ "$stderr" == *"in.ndjson:2: game_id '20211020_NYK_BOS' does not match date and teams (want 20211020_BOS_NYK)"* ]]
	[[ "$stderr" == *"in.ndjson:3: team_abbr 'BRK' is not an NBA tricode"* ]]
	[[ "$stderr" == *"in.ndjson:4: ft_makes 9 > ft_attempts 5"* ]]
	[[ "$stderr" == *"in.ndjson:5: missing source"* ]]
	[[ "$stderr" == *"in.ndjson:6: malformed JSON"* ]]
}

@test "raw input cut short upstream fails (3) with no marker" {
	pgs-extract "$CSV" >good.ndjson
	# rows after the last marker
	{ cat good.ndjson; head -n 2 good.ndjson; } >tail.ndjson
	run --separate-stderr -3 pgs-extract tail.ndjson
	refute_output --partial '"pgs_end"'
	[[ "$stderr" == *"input ended without the upstream end marker after 2 rows: upstream truncated"* ]]
	# a marker whose count does not match the rows before it
	{ head -n 5 good.ndjson; tail -n 1 good.ndjson; } >short.ndjson
	run --separate-stderr -3 pgs-extract --format raw short.ndjson
	refute_output --partial '"pgs_end"'
	[[ "$stderr" == *"short.ndjson:6: end marker of pgs-extract says 16 rows but 5 arrived: upstream truncated"* ]]
}

@test "a write error (> /dev/full) fails with 3" {
	run --separate-stderr -3 bash -c 'pgs-extract "$1" >/dev/full' _ "$CSV"
	[[ "$stderr" == *"pgs-extract: write error on stdout"* ]]
}

@test "| head -1 ends quietly" {
	run --separate-stderr bash -c 'pgs-extract "$1" | head -n 1' _ "$CSV"
	assert_success
	assert_output "$(head -n 1 "$GOLDEN")"
	assert_equal "$stderr" ""
}

@test "an input whose format cannot be detected fails (3) naming the file" {
	printf 'player,team,pts\nA,BOS,3\n' >what.csv
	run --separate-stderr -3 pgs-extract "$CSV" what.csv
	refute_output --partial '"pgs_end"'
	assert_equal "$stderr" "pgs-extract: what.csv:1: cannot tell the input format from this line; use --format (bbref-csv, raw)"
	run --separate-stderr -3 pgs-extract --format bbref-csv what.csv
	[[ "$stderr" == *"what.csv:1: not a bbref-csv header"* ]]
}

@test "several inputs, each in its own format; a repeated header is skipped" {
	pgs-extract --to 2021-12-31 "$CSV" >early.ndjson
	awk -F, 'NR == 1 || $4 >= "2022"' "$CSV" | gzip >late.csv.gz
	run --separate-stderr pgs-extract early.ndjson late.csv.gz
	assert_success
	assert_output "$(cat "$GOLDEN")"
	run --separate-stderr bash -c 'cat "$1" "$1" | pgs-extract --from 2023-01-01' _ "$CSV"
	# the second copy repeats games already written: rejected, not duplicated
	assert_failure 1
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":4,"rejects":4,"from":"2023-01-01","to":null}'
	[[ "$stderr" != *":18: "* ]] # line 18 is the repeated header
	[[ "$stderr" == *"-:34: duplicate row for LeBron James (LAL) in game 20231209_IND_LAL"* ]]
}

@test "sqlite: source reads the store's raw_boxscores by date range" {
	command -v pgs-write >/dev/null || skip "pgs-write not built yet"
	pgs-extract "$CSV" | pgs-write --store "sqlite:$BATS_TEST_TMPDIR/raw.db" \
	    --table raw_boxscores --from 2021-10-01 --to 2024-05-01 >/dev/null
	run --separate-stderr pgs-extract --source "sqlite:$BATS_TEST_TMPDIR/raw.db" \
	    --from 2021-10-01 --to 2024-05-01
	assert_success
	assert_equal "$(printf '%s\n' "$output" | grep -v pgs_end)" "$(grep -v pgs_end "$GOLDEN")"
	run --separate-stderr pgs-extract --source "sqlite:$BATS_TEST_TMPDIR/raw.db" \
	    --from 2023-12-09 --to 2023-12-09 --only-source bbref
	assert_success
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":2,"rejects":0,"from":"2023-12-09","to":"2023-12-09"}'
	run --separate-stderr pgs-extract --source "sqlite:$BATS_TEST_TMPDIR/raw.db" \
	    --from 2021-10-01 --to 2024-05-01 --only-source nbacom
	assert_success
	assert_output --partial '"rows":0'
	# a store that does not exist is an error, not an empty window
	run --separate-stderr -3 pgs-extract --source "sqlite:$BATS_TEST_TMPDIR/typo.db" \
	    --from 2021-10-01 --to 2024-05-01
	assert_output ""
	[ ! -e "$BATS_TEST_TMPDIR/typo.db" ]
	[[ "$stderr" == *"cannot open store 'sqlite:$BATS_TEST_TMPDIR/typo.db'"* ]]
}

@test "real data: three bbref seasons, exact row counts, no rejects, no duplicates" {
	require_data
	local d="$PGS_DATA/bbref_parminpatel28/derived" season want
	for season in 2021-22:33394 2022-23:33516 2023-24:26942; do
		want=${season#*:}
		run --separate-stderr pgs-extract "$d/bbref_player_box_${season%:*}.csv.gz"
		assert_success
		assert_equal "$stderr" ""
		printf '%s\n' "$output" >"out-${season%:*}.ndjson"
		assert_equal "$(marker)" "{\"tool\":\"pgs-extract\",\"rows\":$want,\"rejects\":0,\"from\":null,\"to\":null}"
	done
	cat out-*.ndjson | grep -v pgs_end >all.ndjson
	assert_equal "$(wc -l <all.ndjson)" $((33394 + 33516 + 26942))
	run bash -c "jq -r '[.game_id, .team_abbr, .player_name] | @tsv' all.ndjson | sort | uniq -d"
	assert_output ""
	run bash -c "jq -r .game_id all.ndjson | grep -Evc '^[0-9]{8}_[A-Z]{3}_[A-Z]{3}\$'"
	assert_output 0
}
