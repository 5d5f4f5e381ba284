#!/usr/bin/env bats
# BigQuery's job economy: a backfill's jobs do not grow with its batches.
# pgs-extract --windows reads a run of windows with one query, pgs-resolve
# the registry with one, and pgs-write --windows writes groups of windows in
# one load, one inspection and one transaction, each window still its own:
# its guards, its ledger row and digest, its statistics line.  Against the
# emulator in tests/bqemu (it refuses SQL Google's parser refuses).

load test_helper
# shellcheck source=tests/bqemu/server.bash
. "$PGS_ROOT/tests/bqemu/server.bash"

setup() {
	local why
	why=$(bq_skip_reason)
	[ -z "$why" ] || skip "$why"
	common_setup
	# shellcheck disable=SC2119 # the emulator's defaults
	bq_start
	S=bigquery://pgs-test/groups
	pgs-sample --seed 5 --scale 1 --from 2023-10-24 --to 2023-11-20 -o sample >/dev/null
	pgs-ingest -q --store "$S" sample/* >/dev/null
}

teardown() {
	bq_stop
}

# The jobs the emulator ran so far, by kind: "N KIND" lines.
jobs_by_kind() {
	bq_requests | jq -r 'select(.kind != null and .status == 200 and (.api | startswith("jobs.")))
	    | .kind' | sort | uniq -c
}

njobs() {
	bq_requests | jq -s '[.[] | select(.kind != null and .status == 200 and (.api | startswith("jobs.")))] | length'
}

# The summary table without the run's times, and the ledger's windows with their rows and digests.
table_of() {
	"$PGS_ROOT/bin-test/pgs-store-dump" "$1" player_game_summary | jq -c 'del(.processed_at)'
}
windows_of() {
	"$PGS_ROOT/bin-test/pgs-store-dump" "$1" pgs_windows tbl from_date to_date rows digest |
		jq -c 'select(.[0] == "player_game_summary")' | sort
}

@test "bq groups: 28 one-day batches cost the jobs of 4 weekly ones; the table and the ledger's digests are SQLite's" {
	pgs-ingest -q --store sqlite:ref.db sample/*
	pgs-backfill -q --store sqlite:ref.db --from 2023-10-24 --to 2023-11-20 --batch-days 1
	before=$(njobs)
	run -0 --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-20 --batch-days 1
	daily=$(($(njobs) - before))
	jobs_by_kind | sed "s/^/# /" >&3
	diff <(table_of sqlite:ref.db) <(table_of "$S")
	# 28 windows in the ledger, each with the digest of its own input, as the SQLite run's
	[ "$(windows_of "$S" | grep -c .)" -eq 28 ]
	diff <(windows_of sqlite:ref.db) <(windows_of "$S")
	# the same backfill in 7-day batches, into a fresh dataset
	pgs-ingest -q --store bigquery://pgs-test/weekly sample/* >/dev/null
	before=$(njobs)
	run -0 --separate-stderr pgs-backfill --store bigquery://pgs-test/weekly --from 2023-10-24 --to 2023-11-20 \
		--batch-days 7
	weekly=$(($(njobs) - before))
	echo "# jobs: $daily for 28 one-day batches, $weekly for 4 weekly ones" >&3
	[ "$daily" -le "$weekly" ]
	[ "$daily" -le 15 ]
}

@test "bq groups: a window the shrink guard refuses is left out of its group and recorded refused; the others commit" {
	run -0 --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-20 --batch-days 1
	# the same windows again, one of them (2023-11-01) nearly empty now
	printf '2023-10-30\t2023-10-31\n2023-11-01\t2023-11-01\n2023-11-02\t2023-11-03\n' >windows
	# all but two rows of 2023-11-01 left out, the markers' counts made to match
	pgs-extract --source "$S" --windows windows | pgs-resolve --registry "$S" | pgs-transform |
		awk '/"pgs_window"/ { sub(/"rows":[0-9]+/, "\"rows\":" n); n = 0; print; next }
		    /"pgs_end"/ { sub(/"rows":[0-9]+/, "\"rows\":" t); print; next }
		    /"game_date":"2023-11-01"/ && ++d > 2 { next }
		    { n++; t++; print }' >input
	run -4 --separate-stderr pgs-write --store "$S" --windows windows input
	[ "$(jq -r '[.from, (.refused // "ok")] | join(" ")' <<<"$output")" = $'2023-10-30 ok\n2023-11-01 shrink\n2023-11-02 ok' ]
	[[ $stderr == *"shrink guard: the window 2023-11-01..2023-11-01"* ]]
	# one transaction for the group, and the refused window's rows untouched
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows from_date | grep -c '2023-11-01')" -eq 1 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_date | grep -c '2023-11-01')" -gt 2 ]
}

@test "bq groups: a dry run prints every window's statistics and commits nothing" {
	scripts=$(bq_requests | jq -s '[.[] | select(.kind == "SCRIPT")] | length')
	printf '2023-10-24\t2023-10-25\n2023-10-26\t2023-10-28\n' >windows
	pgs-extract --source "$S" --windows windows | pgs-resolve --registry "$S" --register --dry-run | pgs-transform >input
	run -0 --separate-stderr pgs-write --store "$S" --windows windows --dry-run input
	[ "$(jq -c '[.from, .dry_run, .inserted > 0]' <<<"$output")" = $'["2023-10-24",true,true]\n["2023-10-26",true,true]' ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq 0 ]
	[ "$(bq_requests | jq -s '[.[] | select(.kind == "SCRIPT")] | length')" -eq "$scripts" ]
}

@test "bq groups: a stream cut after a window commits the windows whose markers came, nothing after; exit 3" {
	printf '2023-10-24\t2023-10-25\n2023-10-26\t2023-10-27\n2023-10-28\t2023-10-29\n' >windows
	pgs-extract --source "$S" --windows windows | pgs-resolve --registry "$S" --register | pgs-transform >input
	# everything up to the second window's marker, then the stream ends
	awk '{ print } /"pgs_window"/ && ++n == 2 { exit }' input >cut.nd
	run -3 --separate-stderr pgs-write --store "$S" --windows windows cut.nd
	[ "$(jq -r .from <<<"$output")" = $'2023-10-24\n2023-10-26' ]
	[[ $stderr == *"input has no end marker: the stage before failed or its output was cut short; the 2 windows whose markers came were committed, nothing after them"* ]]
	"$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows from_date | grep -q 2023-10-26
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows from_date | grep -c 2023-10-28)" -eq 0 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_date | grep -c 2023-10-28)" -eq 0 ]
}

@test "bq groups: PGS_GROUP_SECONDS=0 writes every window at its marker; PGS_GROUP_MB bounds a group" {
	printf '2023-10-24\t2023-10-25\n2023-10-26\t2023-10-27\n2023-10-28\t2023-10-29\n' >windows
	pgs-extract --source "$S" --windows windows | pgs-resolve --registry "$S" --register | pgs-transform >input
	PGS_GROUP_SECONDS=0 run -0 --separate-stderr pgs-write -v --store "$S" --windows windows input
	[ "$(grep -c 'group of 1 windows.*apply and commit' <<<"$stderr")" -eq 3 ]
	# a group as big as one window's input: each window alone too; again: every row unchanged
	PGS_GROUP_MB=0.001 run -0 --separate-stderr pgs-write -v --store "$S" --windows windows input
	[ "$(grep -c 'group of 1 windows.*apply and commit' <<<"$stderr")" -eq 3 ]
	[ "$(jq -s 'map(.unchanged == .rows_in) | all' <<<"$output")" = true ]
	# by default: one group
	run -0 --separate-stderr pgs-write -v --store "$S" --windows windows input
	[ "$(grep -c 'group of 3 windows.*apply and commit' <<<"$stderr")" -eq 1 ]
}

@test "bq groups: pgs-extract --windows reads close windows with one query and far ones apart; rows between windows belong to none" {
	printf '2023-10-24\t2023-10-25\n2023-10-28\t2023-10-29\n2023-11-15\t2023-11-16\n' >windows
	before=$(bq_requests | grep -c .)
	run -0 --separate-stderr pgs-extract --source "$S" --windows windows
	# two reads of rows, and one of the ledger for the windows' raw watermarks
	[ "$(bq_requests | tail -n +$((before + 1)) | jq -s '[.[] | select(.kind == "SELECT")] | length')" -eq 3 ]
	# the same rows, in the same order, as one read a window
	for w in "2023-10-24 2023-10-25" "2023-10-28 2023-10-29" "2023-11-15 2023-11-16"; do
		read -r from to <<<"$w"
		pgs-extract --source "$S" --from "$from" --to "$to" | grep -v pgs_end
	done >each
	diff <(grep -v '"pgs_' <<<"$output") each
	[ "$(grep -c '"pgs_window"' <<<"$output")" -eq 3 ]
}

@test "bq groups: two window streams racing on the same empty windows: each row once, every commit in the ledger" {
	printf '2023-10-24\t2023-10-25\n2023-10-26\t2023-10-27\n2023-10-28\t2023-10-29\n' >windows
	pgs-extract --source "$S" --windows windows | pgs-resolve --registry "$S" --register | pgs-transform >input
	curl -sS -f -X POST -d '{"latencyMs":700}' "http://127.0.0.1:$BQ_PORT/_emu/config" >/dev/null
	pgs-write -v --store "$S" --windows windows input >out1 2>err1 &
	p1=$!
	pgs-write -v --store "$S" --windows windows input >out2 2>err2 &
	p2=$!
	wait "$p1"
	wait "$p2"
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id player_lookup | sort | uniq -d | grep -c .)" -eq 0 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq "$(grep -vc '"pgs_' input)" ]
	[ "$(windows_of "$S" | grep -c .)" -eq 6 ]
	# the second to commit lost the race and inspected again
	cat err1 err2 | grep -q 'changed under the write'
}
