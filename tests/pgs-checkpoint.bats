#!/usr/bin/env bats
# pgs-checkpoint: job state, per-day done-ness, ledger, locking, status and
# list, and what it refuses: a missing or bad statistics line, days outside
# the job, a corrupt state file (with the way out), an unwritable state dir.

load test_helper

setup() {
	common_setup
	J=(--job season)
	R=(--from 2023-10-01 --to 2023-10-20)
	STATE=$PGS_STATE_DIR/season.json
}

state_ok() {
	jq -e 'type == "object"' "$STATE" >/dev/null
}

stats() { # ROWS: a statistics line as pgs-write prints it, without the window
	echo "{\"rows_in\":$1,\"inserted\":$1,\"updated\":0,\"unchanged\":0,\"deleted\":0,\"ms\":1}"
}

plan() {
	pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
}

# --- usage ------------------------------------------------------------------

@test "pgs-checkpoint --help prints the usage, with only the options it honours" {
	run --separate-stderr pgs-checkpoint --help
	assert_success
	assert_line --index 0 'usage: pgs-checkpoint plan --job J --from D --to D [--batch-days N] [--store URI | --ledger] [--table T]'
	assert_line --index 1 '                      [--config-digest HEX] [--source-key TEXT]'
	assert_line --index 2 '       pgs-checkpoint done --job J --from D --to D [--no-stats]'
	assert_line --index 3 '       pgs-checkpoint done --job J --stream'
	assert_line --index 6 '       pgs-checkpoint list [--json]'
	refute_output --partial 'rejects'
	[ -z "$stderr" ]
	run --separate-stderr pgs-checkpoint -V
	assert_output --regexp '^pgs-checkpoint [0-9]+\.[0-9]+\.[0-9]+$'
}

@test "pgs-checkpoint: usage errors exit 2 and touch nothing" {
	run -2 --separate-stderr pgs-checkpoint
	[[ "$stderr" == *"missing command"* ]]
	run -2 --separate-stderr pgs-checkpoint frobnicate "${J[@]}"
	run -2 --separate-stderr pgs-checkpoint plan "${R[@]}"
	[[ "$stderr" == *"--job is required"* ]]
	run -2 --separate-stderr pgs-checkpoint plan --job ../evil "${R[@]}"
	[[ "$stderr" == *"bad --job '../evil'"* ]]
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" --from 2023-10-01
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 0
	run -2 --separate-stderr pgs-checkpoint fail "${J[@]}" "${R[@]}"
	[[ "$stderr" == *"--error is required"* ]]
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" --bogus
	# an option the command does not honour is an error, not ignored
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --rejects r.ndjson
	[[ "$stderr" == *"unknown option '--rejects'"* ]]
	run -2 --separate-stderr pgs-checkpoint status "${J[@]}" --from 2023-10-01
	assert_equal "$stderr" "pgs-checkpoint: status does not take --from
Try 'pgs-checkpoint --help'."
	run -2 --separate-stderr pgs-checkpoint "done" "${J[@]}" "${R[@]}" --batch-days 3
	[[ "$stderr" == *"done does not take --batch-days"* ]]
	run -2 --separate-stderr pgs-checkpoint list --job season
	[[ "$stderr" == *"list does not take --job"* ]]
	[ ! -e "$STATE" ]
}

# --- plan ---------------------------------------------------------------------

@test "pgs-checkpoint plan slices the range into batches" {
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_success
	assert_output $'2023-10-01\t2023-10-07\n2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	state_ok
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 10
	assert_output $'2023-10-01\t2023-10-10\n2023-10-11\t2023-10-20'
}

@test "pgs-checkpoint plan | head -n 1: the first batch, and pgs-checkpoint's own status is 0" {
	set +e
	pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 1 | head -n 1 >first
	st=("${PIPESTATUS[@]}")
	set -e
	assert_equal "${st[*]}" "0 0"
	assert_equal "$(cat first)" $'2023-10-01\t2023-10-01'
}

@test "pgs-checkpoint: a done batch leaves the plan; a failed one stays" {
	plan
	run --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 < <(stats 5)
	assert_success
	state_ok
	run --separate-stderr pgs-checkpoint fail "${J[@]}" --from 2023-10-08 --to 2023-10-14 --error 'store busy'
	assert_success
	state_ok
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	run jq -r '.batches["2023-10-08..2023-10-14"] | "\(.status) \(.attempts) \(.last_error)"' "$STATE"
	assert_output 'failed 1 store busy'
	pgs-checkpoint fail "${J[@]}" --from 2023-10-08 --to 2023-10-14 --error 'again'
	run jq -r '.batches["2023-10-08..2023-10-14"] | "\(.attempts) \(.last_error)"' "$STATE"
	assert_output '2 again'
}

@test "pgs-checkpoint: a job's state is kept for one store: planned for another, it starts afresh, counted once" {
	plan
	pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 < <(stats 5)
	[ "$(jq -r .store "$STATE")" = "$PGS_STORE" ]
	run -0 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	[ -z "$stderr" ]
	run -0 --separate-stderr env PGS_STORE="sqlite:$BATS_TEST_TMPDIR/other.db" pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-01\t2023-10-07\n2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	[ "$stderr" = "pgs-checkpoint: job season: its state was kept for another store or source ($PGS_STORE): it starts afresh for sqlite:$BATS_TEST_TMPDIR/other.db" ]
	PGS_STORE="sqlite:$BATS_TEST_TMPDIR/other.db" pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 < <(stats 5)
	run -0 --separate-stderr pgs-checkpoint status "${J[@]}" --json
	[ "$(jq -c '[.days_done, .rows_in, .store]' <<<"$output")" = "[7,5,\"sqlite:$BATS_TEST_TMPDIR/other.db\"]" ]
	# --source-key likewise, when given; a plan by hand (none) takes the job's
	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/other.db"
	run -0 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --source-key a
	[ -z "$stderr" ]
	[ "${#lines[@]}" -eq 2 ]
	run -0 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	[ "${#lines[@]}" -eq 2 ]
	run -0 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --source-key b
	[ "${#lines[@]}" -eq 3 ]
	[[ $stderr == *"its state was kept for another store or source"* ]]
}

@test "pgs-checkpoint: a failed batch done later leaves the failures; a state of older pgs still counts" {
	plan
	pgs-checkpoint fail "${J[@]}" --from 2023-10-08 --to 2023-10-14 --error 'store busy'
	stats 9 | pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14
	run jq -c '[.batches, .totals.rows_in]' "$STATE"
	assert_output '[{},9]'
	run pgs-checkpoint status "${J[@]}"
	assert_line --index 1 'batches: 3 total, 1 done, 0 failed, 2 pending'
	refute_output --partial 'failed:'
	# pgs before the totals kept a record per batch done
	jq '.batches["2023-10-01..2023-10-07"] = {from: "2023-10-01", to: "2023-10-07", status: "done",
	    attempts: 1, rows_in: 5, inserted: 5, updated: 0, deleted: 0} | .done += [["2023-10-01", "2023-10-07"]]' \
	    "$STATE" >old.json
	mv old.json "$STATE"
	run pgs-checkpoint status "${J[@]}"
	assert_line --index 1 'batches: 3 total, 2 done, 0 failed, 1 pending'
	assert_line --index 3 'rows:    14 written (14 inserted, 0 updated, 0 deleted)'
}

@test "pgs-checkpoint: a changed --batch-days neither redoes nor skips days" {
	plan
	pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 --no-stats
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 5
	# 10-01..05 done; of 10-06..10 only the missing days are left
	assert_output $'2023-10-08\t2023-10-10\n2023-10-11\t2023-10-15\n2023-10-16\t2023-10-20'
	pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-10 --no-stats
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 7
	assert_output $'2023-10-11\t2023-10-14\n2023-10-15\t2023-10-20'
	run jq -c .done "$STATE"
	assert_output '[["2023-10-01","2023-10-10"]]'
}

@test "pgs-checkpoint: with --store, windows in the ledger count as done" {
	jq -cn '{player_lookup: "a", player_full_name: "A", game_id: "20231009_BOS_NYK",
	    game_date: "2023-10-09", season_year: 2023, game_type: "regular", team_abbr: "NYK",
	    opponent_team_abbr: "BOS"}' >row.nd
	pgs-write --from 2023-10-08 --to 2023-10-14 --no-end-marker row.nd >/dev/null
	# a dry run is not in the ledger
	pgs-write --from 2023-10-15 --to 2023-10-20 --no-end-marker --dry-run </dev/null >/dev/null
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --store "$PGS_STORE"
	assert_success
	assert_output $'2023-10-01\t2023-10-07\n2023-10-15\t2023-10-20'
	# a window that covers part of a batch leaves only the rest of it
	run --separate-stderr pgs-checkpoint plan --job third "${R[@]}" --store "$PGS_STORE" --batch-days 10
	assert_output $'2023-10-01\t2023-10-07\n2023-10-15\t2023-10-20'
	# the state now knows it too, even without --store
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-01\t2023-10-07\n2023-10-15\t2023-10-20'
	# raw_boxscores windows do not count for the summary table
	run --separate-stderr pgs-checkpoint plan --job other "${R[@]}" --store "$PGS_STORE" --table raw_boxscores
	assert_output $'2023-10-01\t2023-10-07\n2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
}

# summary_window FROM TO [CONFIG]: a committed window of one hand-made row (in FROM) in the ledger.
summary_window() {
	jq -cn --arg d "$1" '{player_lookup: "a", player_full_name: "A", game_id: (($d | gsub("-"; "")) + "_BOS_NYK"),
	    game_date: $d, season_year: 2023, game_type: "regular", team_abbr: "NYK", opponent_team_abbr: "BOS"}' >row.nd
	pgs-write --from "$1" --to "$2" --no-end-marker ${3:+--config-digest "$3"} row.nd >/dev/null
}

# raw_window DAY: a raw row of DAY landed now.
raw_window() {
	head -n 1 "$FIXTURES/extract_bbref.golden.ndjson" |
		jq -c --arg d "$1" '.game_date = $d | .season_year = 2023 | .source_game_id = null | .game_id = (($d | gsub("-"; "")) + "_BOS_NYK")' >raw.nd
	pgs-write --table raw_boxscores --from "$1" --to "$1" --no-end-marker raw.nd >/dev/null
}

@test "pgs-checkpoint plan --config-digest: windows made under another configuration are planned again" {
	summary_window 2023-10-01 2023-10-07 abc123
	summary_window 2023-10-08 2023-10-14 def456
	summary_window 2023-10-15 2023-10-20
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --store "$PGS_STORE" --config-digest abc123
	assert_success
	assert_output $'2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	assert_equal "$stderr" "pgs-checkpoint: job season: 2 ledger windows are stale (2 made under another configuration, 0 older than raw rows landed or first games moved since): their days are planned again"
	# without a digest any configuration will do; -q keeps the plan quiet
	run --separate-stderr pgs-checkpoint -q plan --job other "${R[@]}" --store "$PGS_STORE"
	assert_output ""
	assert_equal "$stderr" ""
	# a newer window over the same days replaces the older one's verdict
	summary_window 2023-10-08 2023-10-14 abc123
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --store "$PGS_STORE" --config-digest abc123
	assert_output $'2023-10-15\t2023-10-20'
}

@test "pgs-checkpoint plan --store: raw rows landed after a summary window make it stale" {
	summary_window 2023-10-01 2023-10-07
	raw_window 2023-10-09
	summary_window 2023-10-08 2023-10-14
	summary_window 2023-10-15 2023-10-20
	raw_window 2023-10-03
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --store "$PGS_STORE"
	assert_success
	assert_output $'2023-10-01\t2023-10-07'
	assert_equal "$stderr" "pgs-checkpoint: job season: 1 ledger windows are stale (0 made under another configuration, 1 older than raw rows landed or first games moved since): their days are planned again"
	# a state that says done does not outvote the ledger
	pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 --no-stats
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --store "$PGS_STORE"
	assert_output $'2023-10-01\t2023-10-07'
	# nor does it for days the ledger has no window of (a state from another store)
	pgs-checkpoint "done" --job fresh --from 2023-10-01 --to 2023-10-20 --no-stats 2>/dev/null || true
	pgs-checkpoint plan --job fresh --from 2023-10-21 --to 2023-10-31 >/dev/null
	pgs-checkpoint "done" --job fresh --from 2023-10-21 --to 2023-10-31 --no-stats
	run --separate-stderr pgs-checkpoint plan --job fresh --from 2023-10-21 --to 2023-10-31 --store "$PGS_STORE"
	assert_output $'2023-10-21\t2023-10-27\n2023-10-28\t2023-10-31'
}

@test "pgs-checkpoint plan --ledger is --store \$PGS_STORE; a bare path is not a store (exit 2)" {
	summary_window 2023-10-08 2023-10-14
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --ledger
	assert_success
	assert_output $'2023-10-01\t2023-10-07\n2023-10-15\t2023-10-20'
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --ledger --store "$PGS_STORE"
	[[ "$stderr" == *"plan: --ledger is --store \$PGS_STORE: give one of them"* ]]
	run -2 --separate-stderr pgs-checkpoint plan --job other "${R[@]}" --store pgs.db
	[[ "$stderr" == *"unknown store 'pgs.db'"* ]]
	[ ! -e "$PGS_STATE_DIR/other.json" ]
	run -3 --separate-stderr pgs-checkpoint plan --job other "${R[@]}" --store "sqlite:$BATS_TEST_TMPDIR/none.db"
	[ ! -e "$PGS_STATE_DIR/other.json" ]
}

@test "pgs-checkpoint plan --config-digest: usage errors" {
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --config-digest abc
	assert_equal "$stderr" "pgs-checkpoint: plan: --config-digest needs --store and the summary table
Try 'pgs-checkpoint --help'."
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --store "$PGS_STORE" --config-digest ABC
	[[ "$stderr" == *"bad --config-digest 'ABC': want lowercase hex"* ]]
	run -2 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --store "$PGS_STORE" --config-digest abc --table raw_boxscores
	run -2 --separate-stderr pgs-checkpoint status "${J[@]}" --config-digest abc
}

# --- done: what the statistics line says ------------------------------------------

@test "pgs-checkpoint "done" records pgs-write's statistics from stdin" {
	plan
	echo '{"table":"player_game_summary","from":"2023-10-01","to":"2023-10-07","rows_in":300,"inserted":250,"updated":40,"unchanged":10,"deleted":2,"ms":120}' >stats
	run --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 <stats
	assert_success
	assert_equal "$stderr" ""
	# a batch done is added to the totals; its record goes (the state stays small)
	run jq -c '[.totals.batches, .totals.days, .totals.rows_in, .totals.inserted, .totals.updated,
	    .totals.unchanged, .totals.deleted, .totals.ms, .batches["2023-10-01..2023-10-07"]]' "$STATE"
	assert_output '[1,7,300,250,40,10,2,120,null]'
}

@test "pgs-checkpoint done: a refused or dry-run write is not marked done (exit 4)" {
	plan
	echo '{"rows_in":3,"inserted":0,"updated":0,"unchanged":0,"deleted":3,"ms":1,"refused":"shrink"}' >refused
	run -4 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 <refused
	assert_equal "$stderr" "pgs-checkpoint: the write of 2023-10-08..2023-10-14 was refused (shrink): not marking it done"
	run pgs-checkpoint status "${J[@]}"
	assert_line "refused: 2023-10-08..2023-10-14 after 1 attempt(s): refused by pgs-write's shrink guard (the window would lose rows; see --allow-shrink)"
	echo '{"rows_in":3,"inserted":3,"updated":0,"unchanged":0,"deleted":0,"ms":1,"dry_run":true}' >dry
	cp "$STATE" before.json
	run -4 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 <dry
	assert_equal "$stderr" "pgs-checkpoint: the write of 2023-10-01..2023-10-07 was a dry run: not marking it done"
	# a dry run records nothing at all
	cmp before.json "$STATE"
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-01\t2023-10-07\n2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
}

@test "pgs-checkpoint done: no statistics line, or a bad one, marks nothing (exit 3) and records the failure" {
	plan
	run -3 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 </dev/null
	assert_equal "$stderr" "pgs-checkpoint: 2023-10-01..2023-10-07: no statistics line on standard input (the write failed or never ran): not marking it done"
	run --separate-stderr -3 pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 <<<'garbage'
	[[ "$stderr" == *"2023-10-08..2023-10-14: bad statistics line on standard input: not JSON ("*"): not marking it done" ]]
	run -3 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 <<<'{"rows_in":3}'
	[[ "$stderr" == *'bad statistics line on standard input: no count "inserted"'* ]]
	run -3 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 <<<'[1,2]'
	[[ "$stderr" == *"not a JSON object"* ]]
	run -3 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 < <(stats 1; stats 2)
	[[ "$stderr" == *"bad statistics line on standard input: more than one line"* ]]
	run -3 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 <<<'{"rows_in":-1,"inserted":0,"updated":0,"unchanged":0,"deleted":0}'
	[[ "$stderr" == *'no count "rows_in"'* ]]
	# the statistics of another window, or of another table, are not this batch's
	echo '{"table":"player_game_summary","from":"2023-10-15","to":"2023-10-20","rows_in":1,"inserted":1,"updated":0,"unchanged":0,"deleted":0}' >other
	run -3 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 <other
	assert_equal "$stderr" "pgs-checkpoint: the statistics line is for 2023-10-15..2023-10-20, not 2023-10-08..2023-10-14: not marking it done"
	echo '{"table":"raw_boxscores","rows_in":1,"inserted":1,"updated":0,"unchanged":0,"deleted":0}' >raw
	run -3 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-08 --to 2023-10-14 <raw
	[[ "$stderr" == *"is for table raw_boxscores, but job 'season' writes player_game_summary"* ]]

	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-01\t2023-10-07\n2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	run pgs-checkpoint status "${J[@]}"
	assert_line "failed:  2023-10-01..2023-10-07 after 1 attempt(s): no statistics line on standard input (the write failed or never ran)"
	assert_line 'failed:  2023-10-08..2023-10-14 after 5 attempt(s): bad statistics line on standard input: no count "rows_in"'
}

@test "pgs-checkpoint "done" after a failing upstream never marks the batch done" {
	plan
	# the upstream of pgs-write dies: no end marker, pgs-write exits 3 and prints no statistics
	set +e
	pgs-extract --from 2023-10-01 --to 2023-10-07 nope.csv |
		pgs-write --from 2023-10-01 --to 2023-10-07 |
		pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 2>err
	st=("${PIPESTATUS[@]}")
	# a cut stream: rows but no end marker
	printf '%s\n' '{"player_lookup":"a","game_id":"20231002_BOS_NYK","game_date":"2023-10-02"}' |
		pgs-write --from 2023-10-01 --to 2023-10-07 |
		pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 2>>err
	st2=("${PIPESTATUS[@]}")
	set -e
	assert_equal "${st[*]}" "3 3 3"
	assert_equal "${st2[*]}" "0 3 3"
	run grep -c "no statistics line on standard input" err
	assert_output 2
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_line --index 0 $'2023-10-01\t2023-10-07'
	[ "$(count_rows)" -eq 0 ]
}

count_rows() {
	sqlite3 "${PGS_STORE#sqlite:}" 'SELECT count(*) FROM player_game_summary' 2>/dev/null || echo 0
}

@test "pgs-checkpoint "done" --no-stats marks the days without reading stdin; a terminal is not read" {
	plan
	run --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 --no-stats <<<'garbage'
	assert_success
	run jq -c '[.totals.batches, .totals.rows_in, .done]' "$STATE"
	assert_output '[1,null,[["2023-10-01","2023-10-07"]]]'
	# standard input a terminal: done would wait for a line nobody types
	command -v script >/dev/null || skip "script(1) not installed"
	run -2 script -qec "pgs-checkpoint done --job season --from 2023-10-08 --to 2023-10-14" /dev/null
	assert_output --partial "a terminal here; --no-stats marks the days done without one"
}

@test "pgs-checkpoint "done" and fail: an unknown job exits 3, days outside the job exit 4; nothing recorded" {
	run -3 --separate-stderr pgs-checkpoint "done" --job nope --from 2023-10-01 --to 2023-10-07 < <(stats 1)
	[[ "$stderr" == *"no such job 'nope' (no state at $PGS_STATE_DIR/nope.json): 'pgs-checkpoint plan' creates it"* ]]
	run -3 --separate-stderr pgs-checkpoint fail --job nope --from 2023-10-01 --to 2023-10-07 --error x
	[ ! -e "$PGS_STATE_DIR/nope.json" ]
	plan
	cp "$STATE" before.json
	run -4 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-11-01 --to 2023-11-07 < <(stats 1)
	assert_equal "$stderr" "pgs-checkpoint: 2023-11-01..2023-11-07 is outside job 'season' (2023-10-01..2023-10-20): not recorded"
	run -4 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-10-15 --to 2023-10-21 < <(stats 1)
	run -4 --separate-stderr pgs-checkpoint "done" "${J[@]}" --from 2023-09-30 --to 2023-10-01 --no-stats
	run -4 --separate-stderr pgs-checkpoint fail "${J[@]}" --from 2023-09-01 --to 2023-09-07 --error x
	cmp before.json "$STATE"
}

@test "pgs-checkpoint: eight concurrent done calls are all recorded" {
	pgs-checkpoint plan "${J[@]}" --from 2023-10-01 --to 2023-10-08 --batch-days 1 >/dev/null
	for d in 1 2 3 4 5 6 7 8; do
		stats "$d" | pgs-checkpoint "done" "${J[@]}" --from "2023-10-0$d" --to "2023-10-0$d" &
	done
	wait
	run --separate-stderr pgs-checkpoint plan "${J[@]}" --from 2023-10-01 --to 2023-10-08 --batch-days 1
	assert_success
	assert_output ''
	run jq -c '[.done, .totals.batches, .totals.rows_in, (.batches | length)]' "$STATE"
	assert_output '[[["2023-10-01","2023-10-08"]],8,36,0]'
	[ -z "$(find "$PGS_STATE_DIR" -name '*.tmp.*')" ]
}

# --- status and list ------------------------------------------------------------------

@test "pgs-checkpoint status: text for people, --json for machines" {
	plan
	echo '{"rows_in":100,"inserted":90,"updated":10,"unchanged":0,"deleted":1,"ms":5}' |
	    pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07
	pgs-checkpoint fail "${J[@]}" --from 2023-10-08 --to 2023-10-14 --error 'boom'
	run --separate-stderr pgs-checkpoint status "${J[@]}"
	assert_success
	assert_line --index 0 'job season: 2023-10-01..2023-10-20 in batches of 7 days'
	assert_line --index 1 'batches: 3 total, 1 done, 1 failed, 1 pending'
	assert_line --index 2 'days:    7 of 20 done (35.0%)'
	assert_line --index 3 'rows:    100 written (90 inserted, 10 updated, 1 deleted)'
	assert_line --regexp '^rate: +[0-9.]+ rows/s, [0-9.]+ days/min$'
	assert_line --regexp '^eta: +[0-9]+h[0-9]{2}m[0-9]{2}s$'
	assert_line 'failed:  2023-10-08..2023-10-14 after 1 attempt(s): boom'
	run --separate-stderr pgs-checkpoint status "${J[@]}" --json
	assert_success
	run jq -c '[.batches_total, .batches_done, .batches_failed, .batches_pending, .days_total,
	    .days_done, .rows_in, .inserted, .updated, .deleted, (.eta_s | type), .failed[0].error,
	    .failed[0].status, .table, (.updated_at | test("^2[0-9-]+T"))]' <<<"$output"
	assert_output '[3,1,1,1,20,7,100,90,10,1,"number","boom","failed","player_game_summary",true]'
}

@test "pgs-checkpoint status of an unknown job exits 3" {
	run -3 --separate-stderr pgs-checkpoint status --job nope
	[ -z "$output" ]
	[[ "$stderr" == *"no such job 'nope'"* ]]
}

@test "pgs-checkpoint list: every job with its state, sorted; text and --json" {
	run --separate-stderr pgs-checkpoint list
	assert_success
	assert_output ""
	plan
	stats 100 | pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07
	pgs-checkpoint fail "${J[@]}" --from 2023-10-08 --to 2023-10-14 --error boom
	pgs-checkpoint plan --job a-first --from 2023-11-01 --to 2023-11-02 --batch-days 1 >/dev/null
	run --separate-stderr pgs-checkpoint list
	assert_success
	assert_equal "${#lines[@]}" 2
	assert_line --index 0 --regexp '^a-first  2023-11-01\.\.2023-11-02  batches 0 done, 0 failed, 2 pending  days 0/2  rows 0  updated 2[0-9T:.-]+Z$'
	assert_line --index 1 --regexp '^season   2023-10-01\.\.2023-10-20  batches 1 done, 1 failed, 1 pending  days 7/20  rows 100  updated 2[0-9T:.-]+Z$'
	run --separate-stderr pgs-checkpoint list --json
	assert_success
	run jq -c '[.job, .batches_done, .batches_failed, .batches_pending, .days_done, .rows_in]' <<<"$output"
	assert_output $'["a-first",0,0,2,0,0]\n["season",1,1,1,7,100]'
}

@test "pgs-checkpoint list: a corrupt job is named with the way out (exit 3); the others are listed" {
	plan
	printf '{"job":"broken","fro' >"$PGS_STATE_DIR/broken.json"
	: >"$PGS_STATE_DIR/season.json.tmp.AbCdEf"
	run -3 --separate-stderr pgs-checkpoint list
	assert_equal "${#lines[@]}" 1
	assert_line --index 0 --partial "season  "
	[[ "$stderr" == "pgs-checkpoint: $PGS_STATE_DIR/broken.json: bad state file ("*"); 'pgs-checkpoint reset --job broken' starts the job over"* ]]
}

# --- a state that cannot be trusted -----------------------------------------------------

@test "pgs-checkpoint: a truncated state file is refused with the way out; reset recovers" {
	plan
	stats 1 | pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07
	head -c 100 "$STATE" >truncated && mv truncated "$STATE"
	for cmd in "plan ${R[*]}" "status" "fail ${R[*]} --error x" "done ${R[*]} --no-stats"; do
		read -r -a words <<<"$cmd"
		run -3 --separate-stderr pgs-checkpoint "${words[@]}" "${J[@]}"
		[[ "$stderr" == "pgs-checkpoint: $STATE: bad state file (line "*"); 'pgs-checkpoint reset --job season' starts the job over (with --store, windows in the store's ledger stay done)" ]] ||
			fail "$cmd: $stderr"
		assert_output ""
	done
	run --separate-stderr pgs-checkpoint reset "${J[@]}"
	assert_success
	[ ! -e "$STATE" ]
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_success
	assert_equal "${#lines[@]}" 3
}

@test "pgs-checkpoint: states that parse but are not a job's are refused, never printed as (null)" {
	mkdir -p "$PGS_STATE_DIR"
	check() { # STATE-TEXT REASON
		printf '%s' "$1" >"$STATE"
		run -3 --separate-stderr pgs-checkpoint status "${J[@]}"
		assert_output ""
		[[ "$stderr" == *"bad state file ($2)"* ]] || fail "$1: $stderr"
		[[ "$stderr" != *"(null)"* ]]
	}
	check '{}' 'no "job"'
	check '[]' 'not a JSON object'
	check '' "line 1: '[' or '{' expected near end of file"
	check '{"job":"other"}' "it is the state of job 'other'"
	base='"job":"season","from":"2023-10-01","to":"2023-10-20","batch_days":7,"table":"player_game_summary"'
	check '{"job":"season"}' 'no "from"'
	check '{"job":"season","from":"2023-10-01","to":"2023-09-01"}' '"from" is after "to"'
	check '{"job":"season","from":"2023-02-30","to":"2023-10-20"}' '"from" is not a date YYYY-MM-DD'
	check "{$base}" '"done" is not an array'
	check "{$base,\"done\":[[\"2023-10-01\"]],\"batches\":{}}" '"done" range 1 is not [FROM, TO]'
	check "{$base,\"done\":[],\"batches\":[]}" '"batches" is not an object'
	check "{$base,\"done\":[],\"batches\":{\"x\":{\"from\":\"2023-10-01\",\"to\":\"2023-10-07\"}}}" 'batch "x": no "status" done, failed or refused'
	check "{$base,\"done\":[],\"batches\":{}}{}" "line 1: end of file expected near '{'"
	check "{${base/\"batch_days\":7/\"batch_days\":0},\"done\":[],\"batches\":{}}" '"batch_days" is not a count of days'
	check "{$base,\"batch_days\":8,\"done\":[],\"batches\":{}}" "line 1: duplicate object key near '\"batch_days\"'"
	# and a good one is fine
	printf '{%s,"done":[],"batches":{}}' "$base" >"$STATE"
	run --separate-stderr pgs-checkpoint status "${J[@]}"
	assert_success
	assert_line --index 0 'job season: 2023-10-01..2023-10-20 in batches of 7 days'
}

@test "pgs-checkpoint: the state dir defaults to XDG_STATE_HOME, then ~/.local/state" {
	unset PGS_STATE_DIR
	XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg" pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	[ -f "$BATS_TEST_TMPDIR/xdg/pgs/season.json" ]
	HOME="$BATS_TEST_TMPDIR/home" pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	[ -f "$BATS_TEST_TMPDIR/home/.local/state/pgs/season.json" ]
	XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg" run pgs-checkpoint list
	assert_output --partial "season  2023-10-01..2023-10-20"
}

@test "pgs-checkpoint: a state dir that cannot be made exits 3, clearly" {
	: >afile
	PGS_STATE_DIR=$BATS_TEST_TMPDIR/afile/state run -3 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output ""
	assert_equal "$stderr" "pgs-checkpoint: cannot create state directory '$BATS_TEST_TMPDIR/afile/state': Not a directory"
}

@test "pgs-checkpoint: a state write that fails exits 3 and leaves the old state whole, no temporary file" {
	pgs-checkpoint plan "${J[@]}" --from 2023-10-01 --to 2023-12-31 --batch-days 1 >/dev/null
	for d in 01 02 03 04 05 06 07 08 09 10; do
		pgs-checkpoint fail "${J[@]}" --from "2023-10-$d" --to "2023-10-$d" --error "a long enough error message for $d"
	done
	[ "$(stat -c %s "$STATE")" -gt 2048 ]
	cp "$STATE" before.json
	# files may not grow past 1 KiB: the write of the new state fails (EFBIG)
	run -3 --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 1; exec pgs-checkpoint fail --job season --from 2023-10-11 --to 2023-10-11 --error x'
	[[ "$stderr" == "pgs-checkpoint: cannot write '$STATE.tmp."*"': File too large" ]]
	cmp before.json "$STATE"
	[ -z "$(find "$PGS_STATE_DIR" -name '*.tmp.*')" ]
	run -3 --separate-stderr bash -c 'trap "" XFSZ; ulimit -f 1; pgs-checkpoint "done" --job season --from 2023-10-11 --to 2023-10-11 --no-stats'
	cmp before.json "$STATE"
}

@test "pgs-checkpoint reset removes the state" {
	plan
	pgs-checkpoint "done" "${J[@]}" --from 2023-10-01 --to 2023-10-07 --no-stats
	run --separate-stderr pgs-checkpoint reset "${J[@]}"
	assert_success
	[ ! -e "$STATE" ]
	run -3 --separate-stderr pgs-checkpoint status "${J[@]}"
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_equal "${#lines[@]}" 3
	# resetting a job that has no state is fine
	run --separate-stderr pgs-checkpoint reset --job never
	assert_success
}

@test "pgs-checkpoint: a write error on stdout exits 3" {
	run -3 --separate-stderr bash -c 'pgs-checkpoint plan --job season --from 2023-10-01 --to 2023-10-20 >/dev/full'
	[[ "$stderr" == *"write error on stdout"* ]]
	pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	run -3 --separate-stderr bash -c 'pgs-checkpoint list >/dev/full'
	run -3 --separate-stderr bash -c 'pgs-checkpoint status --job season --json >/dev/full'
}
