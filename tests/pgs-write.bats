#!/usr/bin/env bats
# pgs-write: atomic window writes, guards, ledger, fencing, concurrency.

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
	[ "$(count)" -eq 0 ]
}

@test "pgs-write: happy path inserts every row and prints one stats line" {
	summary 1 100 >b.nd
	load_batch b.nd
	assert_output --regexp '^\{"table":"player_game_summary","from":"2023-10-01","to":"2023-10-05","rows_in":100,"inserted":100,"updated":0,"unchanged":0,"deleted":0,"ms":[0-9]+\}$'
	[ "${#lines[@]}" -eq 1 ]
	[ "$(count)" -eq 100 ]
	run sqlite3 "$DB" "SELECT player_full_name, home_game, points, minutes_played, sources_seen,
	    processed_at, length(row_digest) FROM player_game_summary WHERE player_lookup = 'player7'"
	assert_output 'Player 7|1|10|30.5|["bbref"]|2023-11-14T22:13:20Z|16'
	# the ledger records the window in the same transaction
	run sqlite3 "$DB" "SELECT tbl, scope, from_date, to_date, rows, length(digest) FROM pgs_windows"
	assert_output 'player_game_summary|*|2023-10-01|2023-10-05|100|64'
}

@test "pgs-write: rerunning the same batch changes nothing, processed_at included" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump >before
	summary 1 100 10 2024-02-02T00:00:00Z >again.nd
	load_batch again.nd
	assert_output --partial '"rows_in":100,"inserted":0,"updated":0,"unchanged":100,"deleted":0'
	dump >after
	cmp before after
}

@test "pgs-write: one row removed and one changed → deleted 1, updated 1" {
	summary 1 100 >b.nd
	load_batch b.nd
	{ summary 1 98; summary 99 99 42; } >c.nd
	load_batch c.nd
	assert_output --partial '"rows_in":99,"inserted":0,"updated":1,"unchanged":98,"deleted":1'
	[ "$(count)" -eq 99 ]
	[ "$(sqlite3 "$DB" "SELECT points FROM player_game_summary WHERE player_lookup = 'player99'")" -eq 42 ]
}

@test "pgs-write: truncated upstream (no marker) fails with 3 and leaves the table alone" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump >before
	summary 1 10 >short.nd
	run -3 --separate-stderr pgs-write "${W[@]}" short.nd
	[ -z "$output" ]
	[[ "$stderr" == *"input has no end marker: upstream truncated or hand-made (use --no-end-marker)"* ]]
	dump >after
	cmp before after
}

@test "pgs-write: a marker whose count does not match fails with 3, table unchanged" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump >before
	{ summary 1 10; echo '{"pgs_end":{"tool":"pgs-transform","rows":100}}'; } >cut.nd
	run -3 --separate-stderr pgs-write "${W[@]}" cut.nd
	[ -z "$output" ]
	[[ "$stderr" == *"says 100 rows but 10 arrived"* ]]
	# rows after the last marker: the second upstream died
	{ marked b.nd; summary 1 3; } >tail.nd
	run -3 --separate-stderr pgs-write "${W[@]}" tail.nd
	dump >after
	cmp before after
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

@test "pgs-write: shrinking the window by half is refused with 4 unless allowed" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump >before
	summary 1 50 >half.nd
	marked half.nd >half.m
	run -4 --separate-stderr pgs-write "${W[@]}" half.m
	assert_output --partial '"rows_in":50,"inserted":0,"updated":0,"unchanged":50,"deleted":50'
	assert_output --partial '"refused":"shrink"'
	[[ "$stderr" == *"shrink guard"*"from 100 to 50 rows"* ]]
	dump >after
	cmp before after
	run --separate-stderr pgs-write "${W[@]}" --allow-shrink 60 half.m
	assert_success
	assert_output --partial '"deleted":50'
	[ "$(count)" -eq 50 ]
}

@test "pgs-write: an empty marked batch over a full window is refused" {
	summary 1 100 >b.nd
	load_batch b.nd
	run -4 --separate-stderr bash -c 'echo "{\"pgs_end\":{\"tool\":\"x\",\"rows\":0}}" |
	    pgs-write --from 2023-10-01 --to 2023-10-05'
	assert_output --partial '"refused":"shrink"'
	[ "$(count)" -eq 100 ]
}

@test "pgs-write: --dry-run prints the same statistics and commits nothing" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump >before
	{ summary 1 90; summary 91 91 7; summary 101 110; } >c.nd
	marked c.nd >c.m
	run --separate-stderr pgs-write "${W[@]}" --allow-shrink 10 --dry-run c.m
	assert_success
	assert_output --partial '"inserted":10,"updated":1,"unchanged":90,"deleted":9'
	assert_output --partial '"dry_run":true'
	dry=$(jq -c 'del(.ms, .dry_run)' <<<"$output")
	dump >after
	cmp before after
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM pgs_windows')" -eq 1 ]
	run --separate-stderr pgs-write "${W[@]}" --allow-shrink 10 c.m
	assert_success
	[ "$(jq -c 'del(.ms)' <<<"$output")" = "$dry" ]
}

@test "pgs-write: rows outside the window are rejects; the others are committed (exit 1)" {
	summary 1 100 >b.nd
	marked b.nd >b.m
	run -1 --separate-stderr pgs-write --from 2023-10-01 --to 2023-10-03 --rejects rej.nd b.m
	assert_output --partial '"rows_in":60,"inserted":60'
	assert_output --partial '"rejected":40'
	[ "$(count)" -eq 60 ]
	[ "$(grep -c . rej.nd)" -eq 40 ]
	run jq -r 'select(.line == 4) | "\(.tool) \(.input) \(.error)"' rej.nd
	assert_output 'pgs-write b.m game_date 2023-10-05 outside the window 2023-10-01..2023-10-03'
}

@test "pgs-write: bad rows (missing key, wrong type, duplicate key, bad JSON) are rejects" {
	{
		summary 1 5
		summary 3 3
		echo '{"player_full_name":"No Key","game_date":"2023-10-01"}'
		summary 6 6 | jq -c '.points = "ten"'
		summary 7 7 | jq -c '.home_game = "yes"'
		echo '{not json'
	} >bad.nd
	run -1 --separate-stderr pgs-write "${W[@]}" --no-end-marker bad.nd
	assert_output --partial '"rows_in":5,"inserted":5'
	[[ "$stderr" == *"bad.nd:6: duplicate key (game_id=20231004_BOS_NYK, player_lookup=player3) in batch"* ]]
	[[ "$stderr" == *"bad.nd:7: missing player_lookup"* ]]
	[[ "$stderr" == *"bad.nd:8: bad points \"ten\": want an integer"* ]]
	[[ "$stderr" == *"bad.nd:9: bad home_game \"yes\": want true or false"* ]]
	[[ "$stderr" == *"bad.nd:10: malformed JSON"* ]]
	[ "$(count)" -eq 5 ]
}

@test "pgs-write: --max-rejects exceeded fails with 3 and commits nothing" {
	{ summary 1 5; echo '{bad'; echo '{bad'; } >bad.nd
	run -3 --separate-stderr pgs-write "${W[@]}" --no-end-marker --max-rejects 1 bad.nd
	[ -z "$output" ]
	[ "$(count)" -eq 0 ]
}

@test "pgs-write: raw_boxscores windows are scoped per source" {
	raw bbref 1 40 >a.nd
	raw nbacom 1 30 >b.nd
	load_batch a.nd --table raw_boxscores
	assert_output --partial '"table":"raw_boxscores"'
	load_batch b.nd --table raw_boxscores
	assert_output --partial '"inserted":30,"updated":0,"unchanged":0,"deleted":0'
	run sqlite3 "$DB" "SELECT source, count(*) FROM raw_boxscores GROUP BY source"
	assert_output $'bbref|40\nnbacom|30'
	# rewriting nbacom with fewer rows never touches bbref
	raw nbacom 1 29 >b2.nd
	load_batch b2.nd --table raw_boxscores --source nbacom --allow-shrink 5
	assert_output --partial '"deleted":1'
	run sqlite3 "$DB" "SELECT source, count(*) FROM raw_boxscores GROUP BY source"
	assert_output $'bbref|40\nnbacom|29'
	run sqlite3 "$DB" "SELECT scope, rows FROM pgs_windows WHERE tbl = 'raw_boxscores' ORDER BY rowid"
	assert_output $'bbref|40\nnbacom|30\nnbacom|29'
	# --source rejects rows of another source
	cat a.nd b2.nd >mixed.nd
	run -1 --separate-stderr pgs-write "${W[@]}" --table raw_boxscores --source bbref --no-end-marker mixed.nd
	assert_output --partial '"rows_in":40,"inserted":0,"updated":0,"unchanged":40'
	[[ "$stderr" == *"source 'nbacom' is not the --source 'bbref' being written"* ]]
}

@test "pgs-write: raw rows keep the whole document and the landing order" {
	raw bbref 1 10 | jq -c '.extra = {"x": [1, 2]}' >a.nd
	load_batch a.nd --table raw_boxscores
	run sqlite3 "$DB" "SELECT seq, doc FROM raw_boxscores WHERE player_name = 'Player 6'"
	assert_output "5|$(sed -n 6p a.nd)"
}

@test "pgs-write: fencing refuses a writer whose run started before the last committer" {
	summary 1 100 >b.nd
	load_batch b.nd --run-id new --run-started 2000000
	dump >before
	summary 1 100 5 >old.nd
	marked old.nd >old.m
	run -4 --separate-stderr pgs-write --from 2023-10-03 --to 2023-10-09 --no-end-marker \
	    --run-id old --run-started 1000000 old.nd
	assert_output --partial '"refused":"fenced"'
	[[ "$stderr" == *"fenced: run 'new'"* ]]
	dump >after
	cmp before after
	# the same run may write again; ISO-8601 starts and the environment work too
	run --separate-stderr pgs-write "${W[@]}" --run-id new --run-started 2000000 old.m
	assert_success
	PGS_RUN_ID=older PGS_RUN_STARTED=1970-01-01T00:00:01Z run -4 --separate-stderr pgs-write "${W[@]}" old.m
	run --separate-stderr pgs-write "${W[@]}" --run-id newest --run-started 2024-01-01T00:00:00.5Z old.m
	assert_success
	# a non-overlapping window is not fenced
	summary 1 1 | jq -c '.game_date = "2023-10-10" | .game_id = "20231010_BOS_NYK"' >x.nd
	run --separate-stderr pgs-write --from 2023-10-10 --to 2023-10-10 --no-end-marker \
	    --run-id old --run-started 1000000 x.nd
	assert_success
}

@test "pgs-write: eight writers racing on one window never duplicate or lose a row" {
	for i in 1 2 3 4 5 6 7 8; do
		summary "$i" $((i + 99)) "$i" >"b$i.nd"
		marked "b$i.nd" >"b$i.m"
	done
	pgs-write "${W[@]}" b1.m >/dev/null # the first fills the window; all later ones overlap it
	for i in 1 2 3 4 5 6 7 8; do
		pgs-write "${W[@]}" "b$i.m" >"out$i" 2>"err$i" &
		pids+=($!)
	done
	for i in 1 2 3 4 5 6 7 8; do
		wait "${pids[$((i - 1))]}" || { cat "err$i"; false; }
	done
	[ "$(count)" -eq 100 ]
	[ "$(sqlite3 "$DB" 'SELECT count(DISTINCT game_id || player_lookup) FROM player_game_summary')" -eq 100 ]
	got=$(sqlite3 "$DB" "SELECT player_lookup, points FROM player_game_summary" | sort)
	match=0
	for i in 1 2 3 4 5 6 7 8; do
		want=$(jq -r '"\(.player_lookup)|\(.points)"' "b$i.nd" | sort)
		[ "$got" = "$want" ] && match=1
	done
	[ "$match" -eq 1 ]
	[ "$(sqlite3 "$DB" 'SELECT count(*) FROM pgs_windows')" -eq 9 ]
}

@test "pgs-write: a write error on stdout exits 3" {
	summary 1 10 >b.nd
	run -3 --separate-stderr bash -c 'pgs-write --from 2023-10-01 --to 2023-10-05 --no-end-marker b.nd >/dev/full'
	[[ "$stderr" == *"write error on stdout"* ]]
}

@test "pgs-write: a writer killed while staging leaves the table unchanged" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump >before
	summary 1 20000 3 >big.nd
	mkfifo feed
	pgs-write "${W[@]}" feed >out 2>err &
	wpid=$!
	exec 5>feed # (bats owns fd 3)
	cat big.nd >&5
	sleep 0.5
	kill -KILL "$wpid"
	exec 5>&-
	wait "$wpid" || true
	dump >after
	cmp before after
	{ summary 1 99; } >next.nd
	load_batch next.nd
	assert_output --partial '"deleted":1'
}

@test "pgs-write: | head -1 ends quietly" {
	summary 1 10 >b.nd
	run --separate-stderr bash -c 'pgs-write --from 2023-10-01 --to 2023-10-05 --no-end-marker b.nd | head -1'
	assert_success
	assert_output --partial '"inserted":10'
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
