#!/usr/bin/env bats
# pgs-checkpoint: job state, per-day done-ness, ledger, locking, status.

load test_helper

setup() {
	common_setup
	J=(--job season)
	R=(--from 2023-10-01 --to 2023-10-20)
}

state_ok() {
	jq -e 'type == "object"' "$PGS_STATE_DIR/season.json" >/dev/null
}

@test "pgs-checkpoint --help prints the usage and exits 0" {
	run --separate-stderr pgs-checkpoint --help
	assert_success
	assert_line --index 0 --partial 'usage: pgs-checkpoint plan --job J --from D --to D'
	[ -z "$stderr" ]
}

@test "pgs-checkpoint: usage errors exit 2" {
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
	[ ! -e "$PGS_STATE_DIR/season.json" ]
}

@test "pgs-checkpoint plan slices the range into batches" {
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_success
	assert_output $'2023-10-01\t2023-10-07\n2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	state_ok
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 10
	assert_output $'2023-10-01\t2023-10-10\n2023-10-11\t2023-10-20'
}

@test "pgs-checkpoint: a done batch leaves the plan; a failed one stays" {
	pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	run --separate-stderr pgs-checkpoint done "${J[@]}" --from 2023-10-01 --to 2023-10-07 </dev/null
	assert_success
	state_ok
	run --separate-stderr pgs-checkpoint fail "${J[@]}" --from 2023-10-08 --to 2023-10-14 --error 'store busy'
	assert_success
	state_ok
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
	run jq -r '.batches["2023-10-08..2023-10-14"] | "\(.status) \(.attempts) \(.last_error)"' \
	    "$PGS_STATE_DIR/season.json"
	assert_output 'failed 1 store busy'
	pgs-checkpoint fail "${J[@]}" --from 2023-10-08 --to 2023-10-14 --error 'again'
	run jq -r '.batches["2023-10-08..2023-10-14"] | "\(.attempts) \(.last_error)"' "$PGS_STATE_DIR/season.json"
	assert_output '2 again'
}

@test "pgs-checkpoint: a changed --batch-days neither redoes nor skips days" {
	pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	pgs-checkpoint done "${J[@]}" --from 2023-10-01 --to 2023-10-07 </dev/null
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 5
	# 10-01..05 done; of 10-06..10 only the missing days are left
	assert_output $'2023-10-08\t2023-10-10\n2023-10-11\t2023-10-15\n2023-10-16\t2023-10-20'
	pgs-checkpoint done "${J[@]}" --from 2023-10-08 --to 2023-10-10 </dev/null
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}" --batch-days 7
	assert_output $'2023-10-11\t2023-10-14\n2023-10-15\t2023-10-20'
	run jq -c .done "$PGS_STATE_DIR/season.json"
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

@test "pgs-checkpoint done records pgs-write's statistics from stdin" {
	pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	echo '{"table":"player_game_summary","from":"2023-10-01","to":"2023-10-07","rows_in":300,"inserted":250,"updated":40,"unchanged":10,"deleted":2,"ms":120}' >stats
	run --separate-stderr pgs-checkpoint done "${J[@]}" --from 2023-10-01 --to 2023-10-07 <stats
	assert_success
	run jq -c '.batches["2023-10-01..2023-10-07"] | [.status, .rows_in, .inserted, .updated, .deleted, .ms]' \
	    "$PGS_STATE_DIR/season.json"
	assert_output '["done",300,250,40,2,120]'
	# a refused or dry-run write is not marked done
	echo '{"rows_in":3,"inserted":0,"updated":0,"unchanged":0,"deleted":3,"ms":1,"refused":"shrink"}' >refused
	run -4 --separate-stderr pgs-checkpoint done "${J[@]}" --from 2023-10-08 --to 2023-10-14 <refused
	[[ "$stderr" == *"was refused: not marking it done"* ]]
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_output $'2023-10-08\t2023-10-14\n2023-10-15\t2023-10-20'
}

@test "pgs-checkpoint: eight concurrent done calls are all recorded" {
	pgs-checkpoint plan "${J[@]}" --from 2023-10-01 --to 2023-10-08 --batch-days 1 >/dev/null
	for d in 1 2 3 4 5 6 7 8; do
		echo "{\"rows_in\":$d,\"inserted\":$d,\"updated\":0,\"unchanged\":0,\"deleted\":0,\"ms\":1}" |
		    pgs-checkpoint done "${J[@]}" --from "2023-10-0$d" --to "2023-10-0$d" &
	done
	wait
	run --separate-stderr pgs-checkpoint plan "${J[@]}" --from 2023-10-01 --to 2023-10-08 --batch-days 1
	assert_success
	assert_output ''
	run jq -c '[.done, (.batches | length), ([.batches[].rows_in] | add)]' "$PGS_STATE_DIR/season.json"
	assert_output '[[["2023-10-01","2023-10-08"]],8,36]'
	[ -z "$(find "$PGS_STATE_DIR" -name '*.tmp.*')" ]
}

@test "pgs-checkpoint status: text for people, --json for machines" {
	pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	echo '{"rows_in":100,"inserted":90,"updated":10,"unchanged":0,"deleted":1,"ms":5}' |
	    pgs-checkpoint done "${J[@]}" --from 2023-10-01 --to 2023-10-07
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
	    .days_done, .rows_in, .inserted, .updated, .deleted, (.eta_s | type), .failed[0].error]' <<<"$output"
	assert_output '[3,1,1,1,20,7,100,90,10,1,"number","boom"]'
}

@test "pgs-checkpoint status of an unknown job exits 3" {
	run -3 --separate-stderr pgs-checkpoint status --job nope
	[ -z "$output" ]
	[[ "$stderr" == *"no such job 'nope'"* ]]
}

@test "pgs-checkpoint reset removes the state" {
	pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	pgs-checkpoint done "${J[@]}" --from 2023-10-01 --to 2023-10-07 </dev/null
	run --separate-stderr pgs-checkpoint reset "${J[@]}"
	assert_success
	[ ! -e "$PGS_STATE_DIR/season.json" ]
	run -3 --separate-stderr pgs-checkpoint status "${J[@]}"
	run --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	assert_equal "${#lines[@]}" 3
}

@test "pgs-checkpoint: the state dir defaults to XDG_STATE_HOME, then ~/.local/state" {
	unset PGS_STATE_DIR
	XDG_STATE_HOME="$BATS_TEST_TMPDIR/xdg" pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	[ -f "$BATS_TEST_TMPDIR/xdg/pgs/season.json" ]
	HOME="$BATS_TEST_TMPDIR/home" pgs-checkpoint plan "${J[@]}" "${R[@]}" >/dev/null
	[ -f "$BATS_TEST_TMPDIR/home/.local/state/pgs/season.json" ]
}

@test "pgs-checkpoint: a corrupt state file is an error, not a silent reset" {
	mkdir -p "$PGS_STATE_DIR"
	echo '{"job":' >"$PGS_STATE_DIR/season.json"
	run -3 --separate-stderr pgs-checkpoint plan "${J[@]}" "${R[@]}"
	[[ "$stderr" == *"bad state file"* ]]
}

@test "pgs-checkpoint: a write error on stdout exits 3" {
	run -3 --separate-stderr bash -c 'pgs-checkpoint plan --job season --from 2023-10-01 --to 2023-10-20 >/dev/full'
	[[ "$stderr" == *"write error on stdout"* ]]
}
