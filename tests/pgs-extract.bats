#!/usr/bin/env bats
# pgs-extract: formats bbref-csv, nbacom-csv (--map), nbastats-v3 (--games) and
# raw, detection, files/stdin/.gz and sqlite: sources, date window, rejects, end
# markers, failure paths, the real bbref, NBA.com and stats.nba.com data.

load test_helper

setup() {
	common_setup
	CSV="$FIXTURES/extract_bbref.csv"
	GOLDEN="$FIXTURES/extract_bbref.golden.ndjson"
	BAD="$FIXTURES/extract_bad.csv"
	NBACOM="$FIXTURES/extract_nbacom.csv"
	V3="$FIXTURES/extract_nbastats_v3.json"
	GAMES="$FIXTURES/extract_games.csv"
	MAP=(--map TO=steals --map STL=blocks --map BLK=turnovers)
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
	assert_line --index 0 'usage: pgs-extract [--from D] [--to D] [--format F] [--map COL=FIELD]... [--games FILE]... [--source URI]...'
	assert_line --index 3 '                   [--fetch-around N] [--rejects FILE] [--max-rejects N] [--span] [FILE...]'
	assert_output --partial 'bbref-csv, nbacom-csv, nbastats-v3, raw'
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
	assert_equal "$stderr" "pgs-extract: unknown option '--bogus'"$'\n'"Try 'pgs-extract --help'."
	run --separate-stderr -2 pgs-extract --from
	assert_equal "${stderr_lines[0]}" "pgs-extract: option '--from' needs an argument"
	run --separate-stderr -2 pgs-extract --allow-missing=yes
	assert_equal "${stderr_lines[0]}" "pgs-extract: option '--allow-missing' takes no argument"
	run --separate-stderr -2 pgs-extract -x
	assert_equal "${stderr_lines[0]}" "pgs-extract: unknown option '-x'"
}

@test "bad option values are usage errors (2)" {
	run --separate-stderr -2 pgs-extract --from 2023-02-30 "$CSV"
	[[ "$stderr" == *"bad --from '2023-02-30'"* ]]
	run --separate-stderr -2 pgs-extract --from 2023-02-02 --to 2023-02-01 "$CSV"
	[[ "$stderr" == *"is after --to"* ]]
	run --separate-stderr -2 pgs-extract --format xml "$CSV"
	[[ "$stderr" == *"unknown format 'xml' (known: bbref-csv, nbacom-csv, nbastats-v3, raw)"* ]]
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
	assert_line '20220412_CLE_BKN play_in'
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

@test "--span prints the first and last game_date of the rows instead of them; nothing when there are none" {
	first=$(jq -r 'select(.game_date) | .game_date' "$GOLDEN" | sort | head -n 1)
	last=$(jq -r 'select(.game_date) | .game_date' "$GOLDEN" | sort | tail -n 1)
	run -0 --separate-stderr pgs-extract --span "$CSV"
	assert_output "$first	$last"
	assert_equal "$stderr" ""
	# pgs output reads back the same (pgs-ingest takes a window from it)
	run -0 --separate-stderr pgs-extract --span "$GOLDEN"
	assert_output "$first	$last"
	run -0 --separate-stderr pgs-extract --span --from 2099-01-01 "$CSV"
	assert_output ""
}

@test "gz input equals plain input" {
	gzip -c "$CSV" >in.csv.gz
	run --separate-stderr pgs-extract in.csv.gz
	assert_success
	assert_output "$(cat "$GOLDEN")"
}

@test "stdin equals the file, with and without '-'" {
	run --separate-stderr pgs-extract <"$CSV"
	assert_success
	assert_output "$(cat "$GOLDEN")"
	# a gzipped pipe
	run --separate-stderr pgs-extract - < <(gzip -c "$CSV")
	assert_success
	assert_output "$(cat "$GOLDEN")"
}

@test "--from/--to keep only games in the window, and the marker says so" {
	run --separate-stderr pgs-extract --from 2021-12-19 --to 2022-04-12 "$CSV"
	assert_success
	run jq -r 'select(.game_date) | .game_date' <<<"$output"
	assert_output "$(printf '%s\n' 2021-12-19 2021-12-19 2021-12-29 2022-02-05 2022-04-12 2022-04-12)"
	run --separate-stderr pgs-extract --from 2021-12-19 --to 2022-04-12 "$CSV"
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":6,"rejects":0,"from":"2021-12-19","to":"2022-04-12","skipped_out_of_window":10,"skipped_dates":{"2021-10-20":3,"2021-11-26":1,"2022-05-29":2,"2023-10-24":2,"2023-12-09":2}}'
	run --separate-stderr pgs-extract --from 2030-01-01 --to 2030-01-02 "$CSV"
	assert_success
	assert_output '{"pgs_end":{"tool":"pgs-extract","rows":0,"rejects":0,"from":"2030-01-01","to":"2030-01-02","skipped_out_of_window":16,"skipped_dates":{"2021-10-20":3,"2021-11-26":1,"2021-12-19":2,"2021-12-29":1,"2022-02-05":1,"2022-04-12":2,"2022-05-29":2,"2023-10-24":2,"2023-12-09":2}}}'
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
pgs-extract: $BAD:13: game '20211020_BOS_NYK' is not contiguous: it ended earlier in the input"
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
	{
		head -n 1 "$GOLDEN" | jq -c '. + {note: "kept", extra: [1, {"a": 2, "r": 0.1}], w: 36.2}'
		head -n 1 "$GOLDEN" | jq -c '.game_id = "20211020_NYK_BOS"'
		head -n 1 "$GOLDEN" | jq -c '.team_abbr = "BRK"'
		head -n 1 "$GOLDEN" | jq -c '.ft_makes = 9'
		head -n 1 "$GOLDEN" | jq -c 'del(.source)'
		echo '{"not json'
	} >in.ndjson
	run --separate-stderr -1 pgs-extract in.ndjson
	# passed through byte for byte as pgs writes reals: 0.1, not 0.10000000000000001
	[[ ${lines[0]} == *',"note":"kept","extra":[1,{"a":2,"r":0.1}],"w":36.2}' ]] || fail "got ${lines[0]}"
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":1,"rejects":5,"from":null,"to":null}'
	[[ "$stderr" == *"in.ndjson:2: game_id '20211020_NYK_BOS' does not match date and teams (want 20211020_BOS_NYK)"* ]]
	[[ "$stderr" == *"in.ndjson:3: team_abbr 'BRK' is not an NBA tricode"* ]]
	[[ "$stderr" == *"in.ndjson:4: ft_makes 9 > ft_attempts 5"* ]]
	[[ "$stderr" == *"in.ndjson:5: missing source"* ]]
	[[ "$stderr" == *"in.ndjson:6: malformed JSON"* ]]
}

@test "over-long fields are rejects with their length; a name at the bound is kept whole; nothing crashes" {
	local long name
	long=$(printf 'x%.0s' $(seq 510))
	name=$(printf 'y%.0s' $(seq 200))
	{
		head -n 1 "$GOLDEN" | jq -c --arg s "$long" '.source = $s'
		head -n 1 "$GOLDEN" | jq -c --arg s "$name" '.player_name = $s'
		head -n 1 "$GOLDEN" | jq -c --arg s "${name}z" '.player_name = $s'
		# the same long key twice is a duplicate: the whole key is compared, not a prefix
		head -n 1 "$GOLDEN" | jq -c --arg s "$name" '.player_name = $s'
	} >long.ndjson
	run --separate-stderr -1 pgs-extract --format raw long.ndjson
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":1,"rejects":3,"from":null,"to":null}'
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r '.player_name | length')" 200
	[[ $stderr == *"long.ndjson:1: source is 510 bytes, more than 32"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"long.ndjson:3: player_name is 201 bytes, more than 200"* ]] || fail "stderr: $stderr"
	[[ $stderr == *"long.ndjson:4: duplicate row for ${name} (BOS) in game 20211020_BOS_NYK"* ]] ||
		fail "stderr: $stderr"
	# landed in the store and read back whole
	printf '%s\n' "$output" >landed.ndjson
	run --separate-stderr pgs-write --store "sqlite:$BATS_TEST_TMPDIR/long.db" --table raw_boxscores \
		--from 2021-10-20 --to 2021-10-20 landed.ndjson
	assert_success
	run --separate-stderr pgs-extract --source "sqlite:$BATS_TEST_TMPDIR/long.db" --from 2021-10-20 --to 2021-10-20
	assert_success
	assert_equal "$(printf '%s\n' "${lines[0]}" | jq -r '.player_name')" "$name"
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
	# shellcheck disable=SC2016 # $1 is bash -c's
	run --separate-stderr -3 bash -c 'pgs-extract "$1" >/dev/full' _ "$CSV"
	[[ "$stderr" == *"pgs-extract: write error on stdout"* ]]
}

@test "a write error while reading a store names the write's own error, not the store's close" {
	pgs-extract "$CSV" | pgs-write --store "sqlite:$BATS_TEST_TMPDIR/raw.db" \
	    --table raw_boxscores --from 2021-10-01 --to 2024-05-01 >/dev/null
	# shellcheck disable=SC2016 # $1 is bash -c's
	run --separate-stderr -3 bash -c 'pgs-extract --source "$1" --from 2021-10-01 --to 2024-05-01 >/dev/full' _ \
	    "sqlite:$BATS_TEST_TMPDIR/raw.db"
	assert_output ""
	assert_equal "$stderr" "pgs-extract: write error on stdout: No space left on device"
}

@test "| head -1 ends quietly: pgs-extract itself ends by SIGPIPE, with nothing on stderr" {
	pgs-sample --scale 0.2 >big.csv
	pgs-extract big.csv 2>err | head -n 1 >first
	local st=("${PIPESTATUS[@]}")
	assert_equal "${st[*]}" "141 0"
	[ ! -s err ] || fail "stderr: $(cat err)"
	assert_equal "$(jq -r .source first)" bbref
	# the same when SIGPIPE is ignored (as some daemons leave it): EPIPE ends it quietly too
	(
		trap '' PIPE
		pgs-extract big.csv 2>err | head -n 1 >first
		echo "${PIPESTATUS[*]}" >st
	)
	assert_equal "$(cat st)" "141 0"
	[ ! -s err ] || fail "stderr with SIGPIPE ignored: $(cat err)"
	# a small output fits the pipe: the tool finishes and exits 0
	pgs-extract "$CSV" 2>err | head -n 1 >first
	st=("${PIPESTATUS[@]}")
	assert_equal "${st[*]}" "0 0"
	assert_equal "$(cat first)" "$(head -n 1 "$GOLDEN")"
}

@test "an input whose format cannot be detected fails (3) naming the file" {
	printf 'player,team,pts\nA,BOS,3\n' >what.csv
	run --separate-stderr -3 pgs-extract "$CSV" what.csv
	refute_output --partial '"pgs_end"'
	assert_equal "$stderr" "pgs-extract: what.csv:1: cannot tell the input format from this line; use --format (bbref-csv, nbacom-csv, nbastats-v3, raw)"
	run --separate-stderr -3 pgs-extract --format bbref-csv what.csv
	[[ "$stderr" == *"what.csv:1: not a bbref-csv header"* ]]
}

@test "several inputs, each in its own format; a repeated header is skipped" {
	pgs-extract --to 2021-12-31 "$CSV" >early.ndjson
	awk -F, 'NR == 1 || $4 >= "2022"' "$CSV" | gzip >late.csv.gz
	run --separate-stderr pgs-extract early.ndjson late.csv.gz
	assert_success
	assert_output "$(cat "$GOLDEN")"
	run --separate-stderr pgs-extract --from 2023-01-01 < <(cat "$CSV" "$CSV")
	# the second copy repeats games already written: rejected, not duplicated
	assert_failure 1
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":4,"rejects":4,"from":"2023-01-01","to":null,"skipped_out_of_window":24,"skipped_dates":{"2021-10-20":6,"2021-11-26":2,"2021-12-19":4,"2021-12-29":2,"2022-02-05":2,"2022-04-12":4,"2022-05-29":4}}'
	[[ "$stderr" != *":18: "* ]] # line 18 is the repeated header
	[[ "$stderr" == *"-:34: duplicate row for LeBron James (LAL) in game 20231209_IND_LAL"* ]]
}

@test "sqlite: source reads the store's raw_boxscores by date range" {
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

# ---- nbacom-csv ----------------------------------------------------------

@test "nbacom-csv fixture matches the golden file: matchups, dates, '-' percentages" {
	local golden="$FIXTURES/extract_nbacom.golden.ndjson"
	[ -f "$golden" ] || fail "golden file $golden is missing"
	run --separate-stderr pgs-extract "$NBACOM"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$golden")"
	run --separate-stderr pgs-extract --format nbacom-csv "$NBACOM"
	assert_output "$(cat "$golden")"
}

@test "nbacom-csv mapping: home/away from the matchup, games grouped within a date, cup final" {
	pgs-extract "$NBACOM" >out.ndjson
	# 'NYK @ MIL': NYK away at MIL; 'SAS vs. PHI': SAS at home
	run jq -r 'select(.team_abbr == "NYK" or .team_abbr == "SAS") | "\(.team_abbr) \(.game_id) \(.home_team_abbr)"' out.ndjson
	assert_line 'NYK 20240407_NYK_MIL MIL'
	assert_line 'SAS 20240407_PHI_SAS SAS'
	# the export interleaves games within a date: they come out contiguous, dates in input order
	run bash -c "jq -r 'select(.game_id) | .game_id' out.ndjson | uniq"
	assert_output "$(printf '%s\n' 20240407_NYK_MIL 20240407_PHI_SAS 20231209_IND_LAL 20231024_LAL_DEN)"
	run jq -r 'select(.game_id) | "\(.game_id) \(.game_type)"' out.ndjson
	assert_line '20231209_IND_LAL cup_final'
	assert_line '20231024_LAL_DEN regular'
	# whole minutes verbatim, no ids, no starter, always active
	run jq -c 'select(.player_name == "Nikola Jokic") | [.minutes, .source, .source_game_id, .source_player_id, .starter, .player_status, .season_year]' out.ndjson
	assert_output '["36","nbacom",null,null,null,"active",2023]'
}

@test "--map fixes the mislabelled TO/STL/BLK columns, by field or by column name" {
	run --separate-stderr pgs-extract "${MAP[@]}" "$NBACOM"
	assert_success
	run jq -c 'select(.player_name == "Isaiah Hartenstein") | [.steals, .blocks, .turnovers]' <<<"$output"
	assert_output '[1,0,2]'
	pgs-extract "${MAP[@]}" "$NBACOM" >by-field.ndjson
	pgs-extract --map TO=STL --map STL=BLK --map BLK=TO "$NBACOM" >by-col.ndjson
	cmp by-field.ndjson by-col.ndjson
	# without --map the labels are taken at their word
	pgs-extract "$NBACOM" >plain.ndjson
	run jq -c 'select(.player_name == "Isaiah Hartenstein") | [.steals, .blocks, .turnovers]' plain.ndjson
	assert_output '[0,2,1]'
}

@test "a bad --map is a usage error (2)" {
	run --separate-stderr -2 pgs-extract --map STEALS=steals "$NBACOM"
	assert_output ""
	[[ "$stderr" == *"--map 'STEALS=steals': no column 'STEALS' in the nbacom-csv header"* ]]
	run --separate-stderr -2 pgs-extract --map TO=stealz "$NBACOM"
	[[ "$stderr" == *"--map 'TO=stealz': unknown field 'stealz'"* ]]
	run --separate-stderr -2 pgs-extract --map TO "$NBACOM"
	[[ "$stderr" == *"bad --map 'TO': want COL=field"* ]]
	run --separate-stderr -2 pgs-extract --map Player=points "$NBACOM"
	[[ "$stderr" == *"column 'Player' cannot be remapped"* ]]
	# a partial fix would read one stat from two columns
	run --separate-stderr -2 pgs-extract --map TO=steals "$NBACOM"
	[[ "$stderr" == *"columns 'TO' and 'STL' would both be steals; map the other one too"* ]]
	run --separate-stderr -2 pgs-extract --format bbref-csv --map TO=steals "$CSV"
	[[ "$stderr" == *"--map applies to nbacom-csv input, not bbref-csv"* ]]
}

@test "nbacom-csv bad lines are rejected with file:line; good rows flow (exit 1)" {
	local row=',W,29,18,8,9,88.9,0,0,-,2,3,66.7,3,7,10,1,1,0,2,2,7,32.5'
	{
		head -n 1 "$NBACOM"
		echo "A One,NYK,NYK - MIL,04/07/2024$row"
		echo "A Two,BOS,NYK @ MIL,04/07/2024$row"
		echo "A Three,NYK,NYK @ MIL,2024-04-07$row"
		echo "A Four,NYK,NYK @ MIL,04/07/2024${row%,32.5}"
		echo 'A Five,NYK,NYK @ MIL,04/07/2024,W,2x,18,8,9,88.9,0,0,-,2,3,66.7,3,7,10,1,1,0,2,2,7,32.5'
		echo 'A Six,NYK,NYK @ MIL,04/07/2024,W,29,18,9,8,88.9,0,0,-,2,3,66.7,3,7,10,1,1,0,2,2,7,32.5'
		echo 'A Seven,NYK,NYK @ MIL,04/07/2024,W,29,1x,8,9,88.9,0,0,-,2,3,66.7,3,7,10,1,1,0,2,2,7,32.5'
		echo "A Good,NYK,NYK @ MIL,04/07/2024$row"
	} >bad.csv
	run --separate-stderr -1 pgs-extract bad.csv
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.player_name) | .player_name')" 'A Good'
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":1,"rejects":7,"from":null,"to":null}'
	# line rejects come at once; contract rejects when the date's rows are handed over
	assert_equal "$stderr" "pgs-extract: bad.csv:2: bad matchup 'NYK - MIL': want 'AAA @ BBB' or 'AAA vs. BBB'
pgs-extract: bad.csv:3: matchup 'NYK @ MIL' does not fit team BOS
pgs-extract: bad.csv:4: bad Date '2024-04-07': want MM/DD/YYYY
pgs-extract: bad.csv:5: 25 fields, the header has 26
pgs-extract: bad.csv:8: points '1x' is not an integer
pgs-extract: bad.csv:6: bad minutes '2x'
pgs-extract: bad.csv:7: fg_makes 9 > fg_attempts 8"
	# a header without a needed column stops the run
	printf 'Player,Team,Opponent,Date,Minutes\n' >short.csv
	run --separate-stderr -3 pgs-extract short.csv
	refute_output --partial pgs_end
	[[ "$stderr" == *"short.csv:1: nbacom-csv header lacks column 'Points'"* ]]
}

# ---- nbastats-v3 ---------------------------------------------------------

@test "nbastats-v3 fixture matches the golden file: pretty and one-line documents" {
	local golden="$FIXTURES/extract_nbastats_v3.golden.ndjson"
	[ -f "$golden" ] || fail "golden file $golden is missing"
	run --separate-stderr pgs-extract --games "$GAMES" "$V3"
	assert_success
	assert_equal "$stderr" ""
	assert_output "$(cat "$golden")"
	# the same documents compacted one per line, through stdin
	run --separate-stderr pgs-extract --games "$GAMES" < <(jq -c . "$V3")
	assert_success
	assert_output "$(cat "$golden")"
}

@test "nbastats-v3 mapping: names, starters, DNP and inactive, game types, null stats" {
	pgs-extract --games "$GAMES" "$V3" >out.ndjson
	run jq -r 'select(.game_id) | "\(.player_name)|\(.source_player_id)|\(.starter)|\(.player_status)|\(.dnp_reason)|\(.minutes)|\(.points)|\(.plus_minus)"' out.ndjson
	assert_line 'Nikola Jokić|203999|true|active|null|36:16|29|15'
	assert_line 'Michael Porter Jr.|1629008|false|active|null|0:00|0|0'
	assert_line "Vlatko Čančar|1628427|false|dnp|DNP - Coach's Decision|null|null|null"
	assert_line 'Austin Reaves|1630559|false|inactive|NWT - Personal|null|null|null'
	run jq -r 'select(.game_id) | "\(.game_id) \(.game_type) \(.source_game_id)"' out.ndjson
	assert_line '20231024_LAL_DEN regular 0022300061'
	assert_line '20220412_CLE_BKN play_in 0052100101'
}

@test "nbastats-v3: a game not over (gameStatus 1 or 2, a gameStatusText not Final) gives rows with is_final false" {
	jq -c . "$V3" | head -n 1 >doc.json
	for st in '.gameStatus = 2' '.gameStatus = 1' '.gameStatusText = "Q4 2:31"' '.gameStatus = 3' \
		'.gameStatusText = "Final/OT"' '.'; do
		jq -c ".boxScoreTraditional |= ($st)" doc.json >st.json
		run -0 --separate-stderr pgs-extract --games "$GAMES" st.json
		[ -z "$stderr" ]
		echo "$st $(jq -c 'select(.game_id) | .is_final' <<<"$output" | sort -u)" >>got
	done
	[ "$(cat got)" = '.gameStatus = 2 false
.gameStatus = 1 false
.gameStatusText = "Q4 2:31" false
.gameStatus = 3 true
.gameStatusText = "Final/OT" true
. null' ]
}

@test "nbastats-v3: a provisional game's rows replaced by its final ones: summary rows updated, the history keeps the provisional ones" {
	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/p.db"
	jq -c . "$V3" | head -n 1 >doc.json
	# mid-game: the same players, Jokić four field goals short
	jq -c '.boxScoreTraditional.gameStatus = 2 | .boxScoreTraditional.gameStatusText = "Q3 4:12" |
		.boxScoreTraditional.homeTeam.players[0].statistics |= (.fieldGoalsMade = 8 | .points = 21)' \
		doc.json >live.json
	jq -c '.boxScoreTraditional.gameStatus = 3 | .boxScoreTraditional.gameStatusText = "Final"' doc.json >final.json
	pgs-extract --games "$GAMES" live.json | pgs-transform --now 2023-10-24T23:00:00Z >live.nd
	[ "$(jq -c 'select(.game_id) | .is_final' live.nd | sort -u)" = false ]
	run -0 --separate-stderr pgs-write --from 2023-10-24 --to 2023-10-24 live.nd
	rows=$(jq -r .rows_in <<<"$output")
	[ "$rows" -gt 0 ]
	pgs-extract --games "$GAMES" final.json | pgs-transform --now 2023-10-25T06:00:00Z >final.nd
	[ "$(jq -c 'select(.game_id) | .is_final' final.nd | sort -u)" = true ]
	run -0 --separate-stderr pgs-write --from 2023-10-24 --to 2023-10-24 final.nd
	[ "$(jq -c '[.inserted, .updated, .deleted]' <<<"$output")" = "[0,$rows,0]" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/p.db" "SELECT DISTINCT is_final FROM player_game_summary")" = 1 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/p.db" "SELECT count(*) FROM player_game_summary_history WHERE is_final = 0")" -eq "$rows" ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/p.db" "SELECT points FROM player_game_summary_history
		WHERE player_lookup = 'nikolajokic'")" = 21 ]
	[ "$(sqlite3 "$BATS_TEST_TMPDIR/p.db" "SELECT points FROM player_game_summary WHERE player_lookup = 'nikolajokic'")" = 29 ]
}

@test "nbastats-v3: preseason and all-star ids give typed rows; a game not between two NBA teams is skipped with a warning" {
	jq -c . "$V3" | tail -n 1 >playin.json
	jq -c '.boxScoreTraditional.gameId = "0012100101"' playin.json >pre.json
	run -0 --separate-stderr pgs-extract pre.json
	[ "$(jq -r 'select(.game_id) | "\(.game_id) \(.game_type)"' <<<"$output" | sort -u)" = '20220412_CLE_BKN preseason' ]
	[ -z "$stderr" ]
	# an All-Star game's teams have no NBA code: no rows, no reject, a warning that names it
	jq -c '.boxScoreTraditional.gameId = "0032100101" | .boxScoreTraditional.homeTeam.teamTricode = "LBN"' \
		playin.json >asg.json
	run -0 --separate-stderr pgs-extract asg.json
	[ "$(marker)" = '{"tool":"pgs-extract","rows":0,"rejects":0,"from":null,"to":null}' ]
	assert_equal "$stderr" "pgs-extract: asg.json:1: game 0032100101 (all_star) is not between two NBA teams: skipped"
	# any other game with an unknown team is still a reject
	jq -c '.boxScoreTraditional.homeTeam.teamTricode = "LBN"' playin.json >bad.json
	run -1 --separate-stderr pgs-extract bad.json
	[[ $stderr == *"bad.json:1: game 0052100101: missing or unknown homeTeam/awayTeam teamTricode"* ]]
}

@test "--games types the games it names: its Cup and playoff labels win, its regular_season leaves a Cup date alone" {
	# the NBA.com export has no playoff or Cup marker: a schedule gives them
	{
		echo 'game_id,game_date,game_type,team_abbreviation_home,team_abbreviation_road'
		echo '0042300101,2024-04-07,Playoffs,MIL,NYK'
		echo '0022300001,2024-01-06,nba_cup_semi,IND,MIL'
		echo '0022300002,2023-12-04,regular_season,IND,BOS'
	} >sched.csv
	jq -c 'select(.game_id) | [.game_id, .game_type]' "$FIXTURES/extract_nbacom.golden.ndjson" | sort -u >before
	run -0 --separate-stderr pgs-extract --games sched.csv "$NBACOM"
	jq -c 'select(.game_id) | [.game_id, .game_type]' <<<"$output" | sort -u >after
	[ "$(diff before after | grep '^[<>]' || true)" = '< ["20240407_NYK_MIL","regular"]
> ["20240407_NYK_MIL","playoffs"]' ]
	# a Cup knockout date stays cup_knockout when a log calls the game regular_season
	jq -c '.game_id = "20231204_BOS_IND" | .game_date = "2023-12-04" | .home_team_abbr = "IND"
		| .away_team_abbr = "BOS" | .team_abbr = (if .team_abbr == .home_team_abbr then "IND" else "BOS" end)
		| .opponent_team_abbr = (if .team_abbr == "IND" then "BOS" else "IND" end) | .game_type = "cup_knockout"' \
		<(head -n 1 "$FIXTURES/extract_nbacom.golden.ndjson") >cup.ndjson
	run -0 --separate-stderr pgs-extract --games sched.csv cup.ndjson
	[ "$(jq -r 'select(.game_id) | .game_type' <<<"$output")" = cup_knockout ]
	# and a semifinal on a date pgs does not know is typed by the log
	jq -c '.game_id = "20240106_MIL_IND" | .game_date = "2024-01-06" | .game_type = "regular"' cup.ndjson >semi.ndjson
	sed -i 's/"BOS"/"MIL"/g' semi.ndjson
	run -0 --separate-stderr pgs-extract --games sched.csv semi.ndjson
	[ "$(jq -r 'select(.game_id) | .game_type' <<<"$output")" = cup_knockout ]
}

@test "real data: the 2023-24 Cup knockouts and final, and the play-in games, typed as the league's logs type them" {
	require_data
	local logs="$PGS_DATA/nbastats_millxing_team_logs" box="$PGS_DATA/bbref_parminpatel28/derived"
	run -0 --separate-stderr pgs-extract --from 2023-12-04 --to 2023-12-09 "$box/bbref_player_box_2023-24.csv.gz"
	jq -r 'select(.game_id and .game_type != "regular") | "\(.game_id) \(.game_type)"' <<<"$output" | sort -u >nolog
	[ "$(cat nolog)" = '20231204_BOS_IND cup_knockout
20231204_NOP_SAC cup_knockout
20231205_NYK_MIL cup_knockout
20231205_PHX_LAL cup_knockout
20231207_IND_MIL cup_knockout
20231207_NOP_LAL cup_knockout
20231209_IND_LAL cup_final' ]
	# the semifinals and the final as the logs label them (nba_cup_semi, nba_cup_final)
	zcat "$logs/team_game_logs_2023-24.csv.gz" | awk -F, '$4 ~ /^nba_cup/ {
		gsub(/-/, "", $2); print $2 "_" $10 "_" $7 " " ($4 == "nba_cup_final" ? "cup_final" : "cup_knockout") }' |
		sort >want
	[ "$(grep -c . want)" -eq 3 ]
	run -0 --separate-stderr pgs-extract --from 2023-12-04 --to 2023-12-09 \
		--games "$logs/team_game_logs_2023-24.csv.gz" "$box/bbref_player_box_2023-24.csv.gz"
	jq -r 'select(.game_id and .game_type != "regular") | "\(.game_id) \(.game_type)"' <<<"$output" | sort -u >got
	diff nolog got
	[ "$(join want got | grep -c .)" -eq 3 ]
	# the play-in games of 2021-22 and 2022-23: the logs' (playin, play_in) are bbref's
	for season in 2021-22 2022-23; do
		zcat "$logs/team_game_logs_$season.csv.gz" | awk -F, '$4 ~ /^play_?in$/ {
			gsub(/-/, "", $2); print $2 "_" $10 "_" $7 }' | sort >want
		[ "$(grep -c . want)" -eq 6 ]
		pgs-extract --games "$logs/team_game_logs_$season.csv.gz" "$box/bbref_player_box_$season.csv.gz" |
			jq -r 'select(.game_type == "play_in") | .game_id' | sort -u >got
		diff want got
	done
}

@test "nbastats-v3 without a date: the document is one reject, the rest flows (exit 1)" {
	# the first document has no date field and there is no --games; the second has a gameCode
	run --separate-stderr -1 pgs-extract "$V3"
	assert_equal "$(printf '%s\n' "$output" | jq -r 'select(.game_id) | .game_id' | sort -u)" 20220412_CLE_BKN
	assert_equal "$stderr" "pgs-extract: $V3:1: no date for game 0022300061: the document has none; give --games with a schedule that lists it"
	run --separate-stderr -3 pgs-extract --games nope.csv "$V3"
	assert_output ""
	[[ "$stderr" == *"cannot open 'nope.csv'"* ]]
}

@test "a truncated nbastats-v3 document is a reject naming its first line (exit 1)" {
	jq -c . "$V3" >docs.ndjson
	# the first document cut short, then the second one whole
	{ head -n 1 docs.ndjson | head -c 900; echo; tail -n 1 docs.ndjson; } >cut.json
	run --separate-stderr -1 pgs-extract --format nbastats-v3 --games "$GAMES" cut.json
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":2,"rejects":1,"from":null,"to":null}'
	[[ "$stderr" == "pgs-extract: cut.json:1: truncated JSON document"* ]]
	# a pretty-printed document that ends early
	head -n 60 "$V3" >end.json
	run --separate-stderr -1 pgs-extract --games "$GAMES" end.json
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":0,"rejects":1,"from":null,"to":null}'
	assert_equal "$stderr" "pgs-extract: end.json:1: truncated JSON document (the input ended inside it)"
	# a document without players
	jq -c 'del(.boxScoreTraditional.homeTeam.players)' docs.ndjson >noplayers.json
	run --separate-stderr -1 pgs-extract --games "$GAMES" noplayers.json
	[[ "$stderr" == *"noplayers.json:1: game 0022300061: missing players"* ]]
	[[ "$stderr" == *"noplayers.json:2: game 0052100101: missing players"* ]]
	# rejects keep the document's text
	run --separate-stderr -1 pgs-extract --games "$GAMES" --rejects rej.ndjson end.json
	run jq -r '.raw' rej.ndjson
	assert_output "$(head -n 60 "$V3")"
}

# ---- detection -----------------------------------------------------------

@test "each format is detected without --format, from files and from stdin" {
	# (these fixtures share games with each other, so one run per format)
	pgs-extract "$NBACOM" >raw.ndjson
	run --separate-stderr pgs-extract raw.ndjson
	assert_success
	assert_output "$(cat "$FIXTURES/extract_nbacom.golden.ndjson")"
	run --separate-stderr pgs-extract --games "$GAMES" < <(gzip -c "$V3")
	assert_success
	assert_output "$(cat "$FIXTURES/extract_nbastats_v3.golden.ndjson")"
	run --separate-stderr pgs-extract < <(cat "$NBACOM")
	assert_output "$(cat "$FIXTURES/extract_nbacom.golden.ndjson")"
	# a JSON object that is not a box score is raw (and here a bad raw row)
	echo '{"hello": 1}' >other.json
	run --separate-stderr -1 pgs-extract other.json
	[[ "$stderr" == *"other.json:1: missing game_id"* ]]
	# JSON that is not an object: no format fits
	echo '[1, 2]' >arr.json
	run --separate-stderr -3 pgs-extract arr.json
	[[ "$stderr" == *"arr.json:1: cannot tell the input format"* ]]
}

@test "detection is linear: a document whose key comes after 100k lines, and 100k raw rows after a '{' line" {
	# the v3 document's key is 100k lines down: detection must wait for it without rescanning
	# the held head at every line (that was quadratic: minutes for this file)
	{ sed -n 1,2p "$V3"; echo '"pad": ['; yes '1,' | head -n 100000; echo '1],'; sed -n 3,216p "$V3"; } >padded.json
	sed -n 1,216p "$V3" >plain.json
	pgs-extract --games "$GAMES" plain.json >want.ndjson
	run --separate-stderr timeout 60 pgs-extract --games "$GAMES" padded.json
	assert_success
	assert_equal "$stderr" ""
	assert_equal "$(rows want.ndjson)" 6
	assert_output "$(cat want.ndjson)"
	# a stray '{' line, then 100k raw rows: the head is held to 1 MiB, then it is raw
	head -n 1 want.ndjson | awk -v q='"' '{ k = q "player_name" q ":" q; i = index($0, k) + length(k)
		pre = substr($0, 1, i - 1); rest = substr($0, i); post = substr(rest, index(rest, q))
		print "{"; for (n = 1; n <= 100000; n++) print pre "P" n post }' >many.ndjson
	local rc=0
	pgs-extract many.ndjson >out.ndjson 2>err || rc=$?
	assert_equal "$rc" 1
	assert_equal "$(tail -n 1 out.ndjson)" '{"pgs_end":{"tool":"pgs-extract","rows":100000,"rejects":1,"from":null,"to":null}}'
	assert_equal "$(wc -l <err)" 1
	grep -q '^pgs-extract: many.ndjson:1: malformed JSON' err
}

# ---- real data -------------------------------------------------------------

@test "real data: the 2023-24 NBA.com export with --map matches bbref steals/blocks/turnovers" {
	require_data
	local nba="$PGS_DATA/nbacom_ebube45/nba_player_boxscores_2023-2024.csv.gz"
	run --separate-stderr pgs-extract "${MAP[@]}" "$nba"
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >mapped.ndjson
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":25143,"rejects":0,"from":null,"to":null}'
	pgs-extract "$nba" >plain.ndjson
	pgs-extract "$PGS_DATA/bbref_parminpatel28/derived/bbref_player_box_2023-24.csv.gz" >bbref.ndjson
	# join on game_id + name without diacritics, case and punctuation
	cat >cmp.py <<'EOF'
import json, re, sys, unicodedata
def key(r):
    n = unicodedata.normalize("NFKD", r["player_name"])
    n = "".join(c for c in n if not unicodedata.combining(c)).lower()
    return (r["game_id"], re.sub("[^a-z0-9]", "", n))
def load(p):
    rows = (json.loads(l) for l in open(p))
    return {key(r): r for r in rows if "pgs_end" not in r and r["player_status"] == "active"}
a, b = load(sys.argv[1]), load(sys.argv[2])
common = [k for k in a if k in b]
same = sum(all(a[k][f] == b[k][f] for f in ("steals", "blocks", "turnovers")) for k in common)
print(len(common), int(10000 * same / len(common)))
EOF
	run python3 cmp.py mapped.ndjson bbref.ndjson
	read -r matched permyriad <<<"$output"
	[ "$matched" -ge 20000 ] || fail "only $matched rows matched bbref"
	[ "$permyriad" -ge 9900 ] || fail "with --map only $permyriad/10000 rows agree"
	run python3 cmp.py plain.ndjson bbref.ndjson
	read -r matched permyriad <<<"$output"
	[ "$permyriad" -lt 9900 ] || fail "without --map $permyriad/10000 rows agree: the test cannot tell"
	# every game contiguous
	run bash -c "grep -v pgs_end mapped.ndjson | jq -r .game_id | uniq | sort | uniq -d"
	assert_output ""
}

@test "real data: the 5 stats.nba.com v3 games: 137 rows, 5 starters a team, points equal bbref's" {
	require_data
	local d="$PGS_DATA/bbref_parminpatel28/derived"
	run --separate-stderr pgs-extract --games "$d/bbref_to_nba_game_id_crosswalk.csv.gz" \
	    "$PGS_DATA"/nbastats_hoopr_raw_v3_samples/boxscoretraditionalv3/*/*.json
	assert_success
	assert_equal "$stderr" ""
	printf '%s\n' "$output" >v3.ndjson
	assert_equal "$(marker)" '{"tool":"pgs-extract","rows":137,"rejects":0,"from":null,"to":null}'
	run bash -c "jq -r 'select(.starter) | \"\(.game_id) \(.team_abbr)\"' v3.ndjson | sort | uniq -c | awk '{print \$1}' | sort | uniq -c"
	assert_output '     10 5'
	# points per team against the bbref rows of the same games
	local sums='[.[] | select(.game_id)] | group_by([.game_id, .team_abbr]) | map("\(.[0].game_id) \(.[0].team_abbr) \(map(.points // 0) | add)") | .[]'
	jq -rs "$sums" v3.ndjson >v3.sums
	assert_equal "$(wc -l <v3.sums)" 10
	pgs-extract "$d"/bbref_player_box_202[123]-2[234].csv.gz >bbref.ndjson
	grep -F -f <(cut -d' ' -f1 v3.sums | sort -u) bbref.ndjson | jq -rs "$sums" >bbref.sums
	assert_equal "$(cat bbref.sums)" "$(cat v3.sums)"
}

# --- a game listed under two dates (issue 25) ------------------------------------

@test "a game listed again the next day with the same teams and box score is rejected whole (exit 1); from a store too, across windows" {
	pgs-sample --seed 7 --scale 0.1 --format raw --from 2021-10-19 --to 2021-10-22 -o sample >/dev/null
	cat sample/*.ndjson >raw.ndjson
	game=$(jq -r 'select(.game_date == "2021-10-20") | .game_id' raw.ndjson | head -n 1)
	n=$(grep -c "\"game_id\":\"$game\"" raw.ndjson)
	# the same game again under 2021-10-21 (its id says the date too)
	again=${game/20211020/20211021}
	{
		grep -v '"game_date":"2021-10-2[12]"' raw.ndjson
		grep "\"game_id\":\"$game\"" raw.ndjson | sed "s/$game/$again/; s/2021-10-20/2021-10-21/"
		grep '"game_date":"2021-10-2[12]"' raw.ndjson
	} >twice.ndjson
	run -1 --separate-stderr pgs-extract --format raw twice.ndjson
	[ "$(grep -c "\"game_id\":\"$again\"" <<<"$output")" -eq 0 ]
	[ "$(grep -c "\"game_id\":\"$game\"" <<<"$output")" -eq "$n" ]
	[ "$(grep -c "duplicate game: $again repeats game $game of 2021-10-20 (the same teams and box score a day apart); the first is kept" <<<"$stderr")" -eq "$n" ]
	# landed in a store (both copies, two days), the windows read from it: each window alone too
	pgs-write --store sqlite:s.db --table raw_boxscores --from 2021-10-19 --to 2021-10-22 --no-end-marker twice.ndjson >/dev/null
	run -1 --separate-stderr pgs-extract --source sqlite:s.db --from 2021-10-21 --to 2021-10-21
	[ "$(grep -c "\"game_id\":\"$again\"" <<<"$output")" -eq 0 ]
	printf '2021-10-19\t2021-10-20\n2021-10-21\t2021-10-22\n' >windows
	run -1 --separate-stderr pgs-extract --source sqlite:s.db --windows windows
	[ "$(grep -c "\"game_id\":\"$again\"" <<<"$output")" -eq 0 ]
	[ "$(grep -c "\"game_id\":\"$game\"" <<<"$output")" -eq "$n" ]
	# a real rematch the next day (another box score) is two games
	grep "\"game_id\":\"$game\"" raw.ndjson | sed "s/$game/$again/; s/2021-10-20/2021-10-21/" |
		jq -c 'if .turnovers != null then .turnovers += 1 else . end' >rematch.ndjson
	{ grep "\"game_id\":\"$game\"" raw.ndjson; cat rematch.ndjson; } >both.ndjson
	run -0 --separate-stderr pgs-extract --format raw both.ndjson
	[ "$(grep -c "\"game_id\":\"$again\"" <<<"$output")" -eq "$n" ]
}
