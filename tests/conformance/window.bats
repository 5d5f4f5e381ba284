#!/usr/bin/env bats
# Store conformance, window writes: the same tests on every backend
# (PGS_TEST_STORE=sqlite|postgres|bigquery; see store.bash).

load ../test_helper
load store

setup() {
	store_skip_unless_ready
	common_setup
	S=$(store_fresh w)
	export PGS_STORE=$S
	W=(--from 2023-10-01 --to 2023-10-05)
}

# summary FIRST LAST [POINTS]: rows for players FIRST..LAST over five game days 2023-10-01..05.
summary() {
	summary_rows "$1" "$2" "${3:-10}" '{note: "unknown fields are fine"}'
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

marked() {
	cat "$1"
	printf '{"pgs_end":{"tool":"test","rows":%d}}\n' "$(grep -c . "$1")"
}

# load FILE [OPTIONS...]: write a marked batch, expecting success.
load_batch() {
	local f=$1
	shift
	marked "$f" >"$f.m"
	run --separate-stderr pgs-write "${W[@]}" "$@" "$f.m"
	assert_success
}

# The summary table as "player|points" lines, sorted.
points() {
	dump "$S" player_game_summary player_lookup points | jq -r 'join("|")' | sort
}

@test "conformance: a batch is inserted whole; the rows read back equal the input" {
	summary 1 100 >b.nd
	load_batch b.nd
	assert_output --regexp '^\{"table":"player_game_summary","from":"2023-10-01","to":"2023-10-05","rows_in":100,"inserted":100,"updated":0,"unchanged":0,"deleted":0,"ms":[0-9]+\}$'
	[ -z "$stderr" ]
	[ "$(count "$S" player_game_summary)" -eq 100 ]
	# every field as written (the unknown one is not stored); data_hash is the content's
	dump "$S" player_game_summary | jq -c 'del(.data_hash) | with_entries(select(.value != null))' | sort >got
	jq -cS 'del(.note) | with_entries(select(.value != null))' b.nd | sort >want
	diff want got
	dump "$S" player_game_summary data_hash | sort -u | grep -cE '^\["[0-9a-f]{16}"\]$' >n
	[ "$(cat n)" -eq 100 ]
}

@test "conformance: the same batch again changes nothing, processed_at included" {
	summary 1 50 >b.nd
	load_batch b.nd
	dump "$S" player_game_summary >before
	sed 's/2023-11-14T22:13:20Z/2024-01-01T00:00:00Z/' b.nd >later.nd
	load_batch later.nd
	assert_output --partial '"inserted":0,"updated":0,"unchanged":50,"deleted":0'
	dump "$S" player_game_summary >after
	cmp before after
}

@test "conformance: one row gone and one changed: deleted 1, updated 1, the rest untouched" {
	summary 1 50 >b.nd
	load_batch b.nd
	{ summary 1 1 99; summary 2 49; } >c.nd
	load_batch c.nd
	assert_output --partial '"rows_in":49,"inserted":0,"updated":1,"unchanged":48,"deleted":1'
	assert_equal "$(points | grep -c .)" 49
	assert_equal "$(points | grep '^player1|')" "player1|99"
	run ! grep -q '^player50|' <<<"$(points)"
}

@test "conformance: a truncated upstream (no marker, short count) commits nothing (3)" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump "$S" player_game_summary >before
	summary 1 10 >short.nd
	run -3 --separate-stderr pgs-write "${W[@]}" short.nd
	[ -z "$output" ]
	[[ "$stderr" == *"input has no end marker"* ]]
	{ summary 1 10; echo '{"pgs_end":{"tool":"pgs-transform","rows":100}}'; } >cut.nd
	run -3 --separate-stderr pgs-write "${W[@]}" cut.nd
	[[ "$stderr" == *"says 100 rows but 10 arrived"* ]]
	dump "$S" player_game_summary >after
	cmp before after
}

@test "conformance: the shrink guard refuses (4) and names itself; --allow-shrink lets it through" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump "$S" player_game_summary >before
	summary 1 50 >half.nd
	marked half.nd >half.m
	run -4 --separate-stderr pgs-write "${W[@]}" half.m
	assert_output --partial '"rows_in":50,"inserted":0,"updated":0,"unchanged":50,"deleted":50'
	assert_output --partial '"refused":"shrink"'
	[[ "$stderr" == *"shrink guard"*"from 100 to 50 rows"* ]]
	dump "$S" player_game_summary >after
	cmp before after
	# an empty batch over a full window is the same refusal
	run -4 --separate-stderr bash -c 'echo "{\"pgs_end\":{\"tool\":\"x\",\"rows\":0}}" |
	    pgs-write --from 2023-10-01 --to 2023-10-05'
	assert_output --partial '"refused":"shrink"'
	run --separate-stderr pgs-write "${W[@]}" --allow-shrink 60 half.m
	assert_success
	assert_output --partial '"deleted":50'
	[ "$(count "$S" player_game_summary)" -eq 50 ]
}

@test "conformance: --dry-run prints the statistics a commit would and commits nothing" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump "$S" player_game_summary >before
	dump "$S" pgs_windows >ledger.before
	{ summary 1 90; summary 91 91 7; summary 101 110; } >c.nd
	load_batch c.nd --dry-run
	assert_output --partial '"rows_in":101,"inserted":10,"updated":1,"unchanged":90,"deleted":9'
	assert_output --partial '"dry_run":true'
	dump "$S" player_game_summary >after
	cmp before after
	dump "$S" pgs_windows >ledger.after
	cmp ledger.before ledger.after
	load_batch c.nd
	assert_output --partial '"rows_in":101,"inserted":10,"updated":1,"unchanged":90,"deleted":9'
}

@test "conformance: rows outside the window and bad rows are rejects; the rest is committed (1)" {
	{
		summary 1 10
		summary 11 11 | jq -c '.game_date = "2023-10-09" | .game_id = "20231009_BOS_NYK"'
		summary 12 12 | jq -c 'del(.player_lookup)'
		summary 13 13 | jq -c '.points = "ten"'
		summary 2 2
		echo '{not json'
	} >b.nd
	marked b.nd >b.m
	sed -i '$ s/"rows":[0-9]*/"rows":15/' b.m
	run -1 --separate-stderr pgs-write "${W[@]}" --rejects rej.ndjson b.m
	assert_output --partial '"rows_in":10,"inserted":10'
	assert_output --partial '"rejected":5'
	[ "$(count "$S" player_game_summary)" -eq 10 ]
	run jq -r '"\(.line) \(.error)"' rej.ndjson
	assert_line --index 0 "11 game_date 2023-10-09 outside the window 2023-10-01..2023-10-05"
	assert_line --index 1 "12 missing player_lookup"
	assert_line --index 2 '13 bad points "ten": want an integer'
	assert_line --index 3 "14 duplicate key (game_id=20231003_BOS_NYK, player_lookup=player2) in batch"
	assert_line --index 4 --partial "15 "
}

@test "conformance: raw windows are scoped per source" {
	raw bbref 1 40 >a.nd
	raw nbacom 1 30 >b.nd
	load_batch a.nd --table raw_boxscores
	load_batch b.nd --table raw_boxscores
	assert_output --partial '"inserted":30,"updated":0,"unchanged":0,"deleted":0'
	run bash -c "\"$PGS_ROOT/bin-test/pgs-store-dump\" '$S' raw_boxscores source | sort | uniq -c | awk '{print \$2, \$1}'"
	assert_output $'["bbref"] 40\n["nbacom"] 30'
	# rewriting nbacom with fewer rows never touches bbref
	raw nbacom 1 29 >b2.nd
	load_batch b2.nd --table raw_boxscores --source nbacom --allow-shrink 5
	assert_output --partial '"deleted":1'
	assert_equal "$(dump "$S" raw_boxscores source | grep -c bbref)" 40
	assert_equal "$(dump "$S" raw_boxscores source | grep -c nbacom)" 29
	run bash -c "\"$PGS_ROOT/bin-test/pgs-store-dump\" '$S' pgs_windows tbl scope rows | grep raw_boxscores | sort"
	assert_output $'["raw_boxscores","bbref",40]\n["raw_boxscores","nbacom",29]\n["raw_boxscores","nbacom",30]'
	# --source rejects rows of another source
	cat a.nd b2.nd >mixed.nd
	run -1 --separate-stderr pgs-write "${W[@]}" --table raw_boxscores --source bbref --no-end-marker mixed.nd
	assert_output --partial '"rows_in":40,"inserted":0,"updated":0,"unchanged":40'
	[[ "$stderr" == *"source 'nbacom' is not the --source 'bbref' being written"* ]]
}

@test "conformance: raw rows keep the whole document; pgs-extract reads them back in landing order" {
	raw bbref 1 10 | jq -c '.extra = {"x": [1, 2]}' >a.nd
	load_batch a.nd --table raw_boxscores
	run --separate-stderr pgs-extract --source "$S" --from 2023-10-01 --to 2023-10-05
	assert_success
	grep -v pgs_end <<<"$output" | jq -cS . >got
	# grouped by date and game, in landing order within a game
	jq -cS . a.nd | jq -sc 'sort_by(.game_date) | .[]' >want
	diff want got
	assert_output --partial '"extra":{"x":[1,2]}'
}

@test "conformance: the ledger records each window with its rows, digest, config and run" {
	summary 1 20 >b.nd
	load_batch b.nd --run-id r1 --run-started 1000000 --config-digest abc123
	run --separate-stderr "$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows
	assert_success
	assert_equal "${#lines[@]}" 1
	jq -e --arg d "$(sha256sum <b.nd.m | cut -c1-64)" '.tbl == "player_game_summary" and .scope == "*"
	    and .from_date == "2023-10-01" and .to_date == "2023-10-05" and .rows == 20
	    and .config == "abc123" and .run_id == "r1" and .run_started_us == 1000000' <<<"$output"
	# plan --store counts the ledger's window as done
	run --separate-stderr pgs-checkpoint plan --job j --from 2023-10-01 --to 2023-10-08 --batch-days 4 --store "$S"
	assert_success
	assert_output $'2023-10-06\t2023-10-08'
}

@test "conformance: a writer whose run started before the last committer is fenced (4)" {
	summary 1 100 >b.nd
	load_batch b.nd --run-id new --run-started 2000000
	dump "$S" player_game_summary >before
	summary 1 100 5 >old.nd
	run -4 --separate-stderr pgs-write --from 2023-10-03 --to 2023-10-09 --no-end-marker \
	    --run-id old --run-started 1000000 old.nd
	assert_output --partial '"refused":"fenced"'
	[[ "$stderr" == *"fenced: run 'new'"* ]]
	dump "$S" player_game_summary >after
	cmp before after
	# a window that does not overlap is not fenced
	summary 1 1 | jq -c '.game_date = "2023-10-10" | .game_id = "20231010_BOS_NYK"' >x.nd
	run --separate-stderr pgs-write --from 2023-10-10 --to 2023-10-10 --no-end-marker \
	    --run-id old --run-started 1000000 x.nd
	assert_success
}

# race FIRST: twelve writers at once, writer i with run id wI and the batch of
# players i..i+99 (points i), half over 2023-10-01..05 and half over a longer
# window that overlaps it; FIRST 1 commits writer 1's batch before they start.
# Each must succeed; then the table holds one row per key, 100 of them.
race() {
	local i pids=()
	for i in $(seq 1 12); do
		summary "$i" $((i + 99)) "$i" >"b$i.nd"
		marked "b$i.nd" >"b$i.m"
	done
	[ "$1" -eq 0 ] || pgs-write "${W[@]}" --run-id w0 b1.m >/dev/null
	for i in $(seq 1 12); do
		if [ $((i % 2)) -eq 0 ]; then
			pgs-write --from 2023-10-01 --to 2023-10-09 --run-id "w$i" "b$i.m" >"out$i" 2>"err$i" &
		else
			pgs-write "${W[@]}" --run-id "w$i" "b$i.m" >"out$i" 2>"err$i" &
		fi
		pids+=($!)
	done
	for i in $(seq 1 12); do
		wait "${pids[$((i - 1))]}" || { cat "err$i"; false; }
	done
	[ "$(count "$S" player_game_summary)" -eq 100 ]
	[ "$(dump "$S" player_game_summary game_id player_lookup | sort -u | grep -c .)" -eq 100 ]
}

@test "conformance: twelve writers racing on overlapping windows never duplicate or lose a row" {
	race 1 # the first fills the window; all later ones overlap it
	# the table is exactly one writer's batch, not a mix
	got=$(points)
	match=0
	for i in $(seq 1 12); do
		if [ "$got" = "$(jq -r '"\(.player_lookup)|\(.points)"' "b$i.nd" | sort)" ]; then
			match=1
		fi
	done
	[ "$match" -eq 1 ]
	[ "$(count "$S" pgs_windows)" -eq 13 ]
}

# On BigQuery, transactions that only append never conflict: writers of a
# window that holds no rows yet must still exclude each other.
@test "conformance: twelve writers racing on empty overlapping windows of a fresh store: no duplicate, no lost row, the ledger matches" {
	local last
	race 0
	# every writer committed once, each entry says 100 rows, and the last one's batch is the table
	[ "$(count "$S" pgs_windows)" -eq 12 ]
	[ "$(dump "$S" pgs_windows rows | sort -u)" = '[100]' ]
	last=$(dump "$S" pgs_windows committed_at run_id | sort | tail -n 1 | jq -r '.[1]')
	[ "$(points)" = "$(jq -r '"\(.player_lookup)|\(.points)"' "b${last#w}.nd" | sort)" ]
}

@test "conformance: a writer killed while staging, or inside its commit, leaves the old rows" {
	summary 1 100 >b.nd
	load_batch b.nd
	dump "$S" player_game_summary >before
	summary 1 20000 3 >big.nd
	mkfifo feed
	pgs-write "${W[@]}" feed >out 2>err &
	wpid=$!
	exec 5>feed
	cat big.nd >&5
	sleep 0.5
	kill -KILL "$wpid"
	exec 5>&-
	wait "$wpid" || true
	dump "$S" player_game_summary >after
	cmp before after
	# inside the commit: the lock held, the window inspected, not yet applied
	summary 1 100 4 >next.nd
	marked next.nd >next.m
	PGS_FAULT_COMMIT_SLEEP_MS=5000 pgs-write "${W[@]}" next.m >out 2>err &
	wpid=$!
	for _ in $(seq 1 100); do
		grep -q "fault: sleeping" err && break
		sleep 0.1
	done
	grep -q "fault: sleeping" err
	kill -KILL "$wpid"
	wait "$wpid" || true
	dump "$S" player_game_summary >after
	cmp before after
	# and the next writer gets the lock at once
	run --separate-stderr timeout 20 pgs-write "${W[@]}" next.m
	assert_success
	assert_output --partial '"updated":100'
}
