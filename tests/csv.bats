#!/usr/bin/env bats
# CSV records in the bbref-csv and nbacom-csv readers (lib/csv.c): NUL bytes,
# quoted line breaks, CR-only line ends, duplicated header columns, blank
# reasons, header-only files.  pgs_csv_split/splitx are unit-tested in
# tests/unit/test_contract.c.

load test_helper

setup() {
	common_setup
	CSV="$FIXTURES/extract_bbref.csv"
	GOLDEN="$FIXTURES/extract_bbref.golden.ndjson"
	NBACOM="$FIXTURES/extract_nbacom.csv"
	NBACOM_GOLDEN="$FIXTURES/extract_nbacom.golden.ndjson"
}

# line N of the bbref fixture (1 is the header)
bbref_line() {
	sed -n "${1}p" "$CSV"
}

@test "csv: a NUL byte inside a field is a reject, not a silently shorter name (exit 1)" {
	{ bbref_line 1; bbref_line 2 | sed 's/Jayson Tatum/Jayson@Tatum/' | tr '@' '\000'; bbref_line 3; } >nul.csv
	run -1 --separate-stderr pgs-extract --rejects rej.ndjson nul.csv
	refute_output --partial '"player_name":"Jayson"'
	[ "$(grep -c '"player_name"' <<<"$output")" -eq 1 ]
	run jq -r '[.line, .error] | @tsv' rej.ndjson
	assert_output "$(printf '2\tbad CSV: NUL byte in the record')"
	# the rejects file keeps the whole record, the NUL shown as U+FFFD
	run jq -r .raw rej.ndjson
	assert_output --partial $'Jayson\xef\xbf\xbdTatum,tatumja01'
}

@test "csv: a quoted field running over a line break is one reject; its tail is not a row" {
	# line 2 ends inside a quoted reason; the next line (a whole row of its own) is that field's tail
	{ bbref_line 1; bbref_line 2 | sed 's/,$/,"Did Not Play/'
	  bbref_line 3 | sed 's/"Randle,Julius"/Randle/; s/,$/,"/'; bbref_line 4; } >nl.csv
	run -1 --separate-stderr pgs-extract nl.csv
	[ "$stderr" = "pgs-extract: nl.csv:2: line break inside a quoted field (lines 2-3)" ]
	refute_output --partial 'Julius Randle'
	refute_output --partial 'Jayson Tatum'
	assert_output --partial 'Quentin Grimes'
	[ "$(grep -c '"player_name"' <<<"$output")" -eq 1 ]
}

@test "csv: an unterminated quote swallows at most 8 lines, and one at the end of the input is a reject" {
	{ head -n 1 "$NBACOM"; sed -n '2p' "$NBACOM" | sed 's/^/"/'; sed -n '3,$p' "$NBACOM"; } >open.csv
	run -1 --separate-stderr pgs-extract --rejects rej.ndjson open.csv
	# lines 2..9 are the one reject, lines 10 and 11 rows again
	[ "$(grep -c '"player_name"' <<<"$output")" -eq 2 ]
	run jq -r '[.line, .error] | @tsv' rej.ndjson
	assert_output "$(printf '2\tunterminated quoted field (8 lines, %d bytes)' \
		"$(sed -n '2,9p' open.csv | wc -c | awk '{ print $1 - 1 }')")"
	{ cat "$CSV"; printf '2021-22,regular,"202110200NYK\n'; } >end.csv
	run -1 --separate-stderr pgs-extract end.csv
	[ "$stderr" = "pgs-extract: end.csv:18: unterminated quoted field at the end of the input" ]
	[ "$(grep -c '"player_name"' <<<"$output")" -eq 16 ]
}

@test "csv: CR-only line ends read like LF ones, with the same line numbers, bbref and nbacom" {
	tr '\n' '\r' <"$CSV" >cr.csv
	run -0 --separate-stderr pgs-extract cr.csv
	[ -z "$stderr" ]
	[ "$output" = "$(cat "$GOLDEN")" ]
	tr '\n' '\r' <"$NBACOM" >cr-nbacom.csv
	run -0 --separate-stderr pgs-extract cr-nbacom.csv
	[ "$output" = "$(cat "$NBACOM_GOLDEN")" ]
	# a bad line in the middle keeps its number; CRLF still works
	sed '5s/,Player Suspended$/,x,Player Suspended/' "$CSV" | tr '\n' '\r' >cr-bad.csv
	run -1 --separate-stderr pgs-extract cr-bad.csv
	[ "$stderr" = "pgs-extract: cr-bad.csv:5: 35 fields, the header has 34" ]
	sed 's/$/\r/' "$CSV" >crlf.csv
	run -0 --separate-stderr pgs-extract crlf.csv
	[ "$output" = "$(cat "$GOLDEN")" ]
}

@test "csv: a column named twice in the header is a format error naming it (3)" {
	{ bbref_line 1 | sed 's/,pts,/,pts,fg,/'; sed -n '2p' "$CSV" | sed 's/,20,-3,/,20,7,-3,/'; } >dup.csv
	run -3 --separate-stderr pgs-extract dup.csv
	[ "$stderr" = "pgs-extract: dup.csv:1: bbref-csv: the header has column 'fg' twice (columns 15 and 33)" ]
	refute_output --partial pgs_end
	{ head -n 1 "$NBACOM" | sed 's/,SPI$/,SPI,Points/'; sed -n '2p' "$NBACOM" | sed 's/$/,1/'; } >dup-nbacom.csv
	run -3 --separate-stderr pgs-extract dup-nbacom.csv
	[ "$stderr" = "pgs-extract: dup-nbacom.csv:1: nbacom-csv: the header has column 'Points' twice (columns 7 and 27)" ]
}

@test "csv: a blank-only reason is no reason: the player stays active" {
	{ bbref_line 1; bbref_line 2 | sed 's/,$/,   /'; bbref_line 5 | sed 's/,Player Suspended$/, Player Suspended /'; } >blank.csv
	run -0 --separate-stderr pgs-extract blank.csv
	[ "$(jq -c 'select(.player_name) | [.player_status, .dnp_reason]' <<<"$output" | paste -sd' ')" = \
		'["active",null] ["inactive","Player Suspended"]' ]
}

@test "csv: blank-only counts are no value; a count with blanks around it is read" {
	{ bbref_line 1; bbref_line 2 | sed 's/,4,1,1,3,2,20,-3,$/, 4 ,1,1,3,2,20,  ,/'; } >counts.csv
	run -0 --separate-stderr pgs-extract counts.csv
	[ "$(jq -c 'select(.player_name) | [.assists, .plus_minus]' <<<"$output")" = '[4,null]' ]
}

@test "csv: a header-only file, or an empty one after its header, is an empty success" {
	head -n 1 "$NBACOM" >only.csv
	run -0 --separate-stderr pgs-extract only.csv
	[ -z "$stderr" ]
	[ "$output" = '{"pgs_end":{"tool":"pgs-extract","rows":0,"rejects":0,"from":null,"to":null}}' ]
	head -n 1 "$CSV" >only-bbref.csv
	run -0 --separate-stderr pgs-extract only-bbref.csv
	[ "$output" = '{"pgs_end":{"tool":"pgs-extract","rows":0,"rejects":0,"from":null,"to":null}}' ]
}

@test "nbastats-v3: a blank comment is no reason, blank minutes are no minutes" {
	sed -n '$p' "$FIXTURES/extract_nbastats_v3.json" | jq -c '
	    .boxScoreTraditional.homeTeam.players[0].comment = "   " |
	    .boxScoreTraditional.homeTeam.players[0].statistics.minutes = "  " |
	    .boxScoreTraditional.awayTeam.players[0].comment = " DNP - Rest " |
	    .boxScoreTraditional.awayTeam.players[0].statistics.minutes = ""' >blank.json
	run -0 --separate-stderr pgs-extract --games "$FIXTURES/extract_games.csv" blank.json
	[ "$(jq -c 'select(.player_name) | [.player_name, .player_status, .dnp_reason, .minutes, .points]' <<<"$output" | paste -sd' ')" = \
		'["Darius Garland","dnp","DNP - Rest",null,null] ["Kevin Durant","dnp",null,null,null]' ]
}
