#!/usr/bin/env bats
# Window streams: pgs-extract --windows FILE, window markers through
# pgs-resolve and pgs-transform, pgs-write --windows FILE (one transaction,
# ledger entry and statistics line a window) and pgs-checkpoint done
# --stream; against per-batch runs of the same windows, and their failures.

load test_helper
load pipeline_helper

setup_file() {
	export SAMPLE="$BATS_FILE_TMPDIR/sample"
	PATH="$BATS_TEST_DIRNAME/../bin:$PATH" pgs-sample --seed 7 --scale 0.1 --to 2021-12-31 -o "$SAMPLE" >/dev/null
}

setup() {
	common_setup
	pgs-ingest -q --from 2021-10-18 --to 2021-11-07 "$SAMPLE"/* >/dev/null
	# one league's registry: every stage after it resolves the same way
	pgs-extract --source "$PGS_STORE" --from 2021-10-18 --to 2021-11-07 | pgs-resolve --register >/dev/null
	printf '2021-10-18\t2021-10-20\n2021-10-21\t2021-10-21\n2021-10-22\t2021-10-27\n' >wins
}

# stream: pgs-extract --windows wins piped through pgs-resolve and pgs-transform
stream() {
	pgs-extract --source "$PGS_STORE" --windows wins | pgs-resolve | pgs-transform
}

@test "pgs-extract --windows: each window's rows, then its marker; one end marker for them all" {
	run --separate-stderr pgs-extract --source "$PGS_STORE" --windows wins
	assert_success
	[ -z "$stderr" ]
	printf '%s\n' "$output" >out
	run grep -c '"pgs_window"' out
	assert_output 3
	# each marker counts the rows since the one before, and names its window
	total=0
	while IFS=$'\t' read -r from to; do
		n=$(pgs-extract --source "$PGS_STORE" --from "$from" --to "$to" | grep -vc pgs_end)
		[ "$n" -gt 0 ]
		# and the raw watermark: the latest landing over its days in the ledger
		wm=$(count "SELECT max(committed_at) FROM pgs_windows WHERE tbl IN ('raw_boxscores', 'players_registry')
			AND from_date <= '$to' AND to_date >= '$from'")
		[ -n "$wm" ]
		grep -qxF "{\"pgs_window\":{\"from\":\"$from\",\"to\":\"$to\",\"rows\":$n,\"rejects\":0,\"watermark\":\"$wm\"}}" out
		total=$((total + n))
	done <wins
	assert_equal "$(tail -n 1 out)" "{\"pgs_end\":{\"tool\":\"pgs-extract\",\"rows\":$total,\"rejects\":0,\"from\":\"2021-10-18\",\"to\":\"2021-10-27\"}}"
	# the rows are those of the windows read one by one, in order
	diff <(grep -v '^{"pgs_' out) <(while IFS=$'\t' read -r from to; do
		pgs-extract --source "$PGS_STORE" --from "$from" --to "$to" | grep -v pgs_end; done <wins)
}

@test "pgs-extract --windows: usage errors (2) and an unreadable file (3)" {
	run -2 --separate-stderr pgs-extract --source "$PGS_STORE" --windows wins --from 2021-10-18
	assert_equal "$stderr" "pgs-extract: --windows replaces --from and --to
Try 'pgs-extract --help'."
	# without --source: $PGS_SOURCE, else the store; a file is not a store
	PGS_SOURCE=$SAMPLE/sample_2021-22.csv run -2 --separate-stderr pgs-extract --windows wins
	[[ $stderr == *"--windows reads store sources only, not '$SAMPLE/sample_2021-22.csv'"* ]]
	run -0 --separate-stderr pgs-extract --windows wins
	[ "$(grep -c '^{"pgs_window"' <<<"$output")" -eq "$(wc -l <wins)" ]
	run -2 --separate-stderr pgs-extract --windows wins --source "$SAMPLE/sample_2021-22.csv"
	[[ $stderr == *"--windows reads store sources only, not '$SAMPLE/sample_2021-22.csv'"* ]]
	run -2 --separate-stderr pgs-extract --windows wins --source "$PGS_STORE" "$SAMPLE/sample_2021-22.csv"
	[[ $stderr == *"--windows reads store sources only, not FILE operands"* ]]
	printf '2021-10-22\t2021-10-27\n2021-10-18\t2021-10-20\n' >back
	run -2 --separate-stderr pgs-extract --windows back --source "$PGS_STORE"
	[[ $stderr == *"back:2: window 2021-10-18..2021-10-20 does not come after the one before it"* ]]
	printf '2021-10-18\t2021-10-20\n2021-10-20\t2021-10-22\n' >overlap
	run -2 --separate-stderr pgs-extract --windows overlap --source "$PGS_STORE"
	[[ $stderr == *"overlap:2: window 2021-10-20..2021-10-22 does not come after"* ]]
	printf '2021-10-18 2021-10-20\n' >bad
	run -2 --separate-stderr pgs-extract --windows bad --source "$PGS_STORE"
	[[ $stderr == *"bad:1: want FROM<TAB>TO (YYYY-MM-DD, FROM not after TO)"* ]]
	run -3 --separate-stderr pgs-extract --windows missing --source "$PGS_STORE"
	[[ $stderr == *"cannot open 'missing'"* ]]
	assert_output ""
}

@test "pgs-resolve and pgs-transform pass each window's marker on, with their own counts" {
	stream >out
	[ "${PIPESTATUS[0]}" -eq 0 ]
	run grep -c '"pgs_window"' out
	assert_output 3
	# a marker after each window's summary rows, counting them
	awk '/"pgs_window"/ { match($0, /"rows":[0-9]+/); if (substr($0, RSTART + 7, RLENGTH - 7) != n) bad = 1; n = 0; next }
		/"pgs_end"/ { next } { n++ } END { exit bad }' out
	# every summary row of a window has a game_date inside it
	run awk -v w="$(tr '\t\n' ' ;' <wins)" 'BEGIN { split(w, ws, ";") } /"pgs_window"/ { k++; next } /"pgs_end"/ { next }
		{ match($0, /"game_date":"[0-9-]+"/); d = substr($0, RSTART + 13, 10); split(ws[k + 1], ft, " ");
		  if (d < ft[1] || d > ft[2]) print "outside: " d " " ws[k + 1] }' out
	assert_output ""
	# the rows are what per-batch runs of the windows make
	diff <(grep -v '^{"pgs_' out) <(while IFS=$'\t' read -r from to; do
		pgs-extract --source "$PGS_STORE" --from "$from" --to "$to" | pgs-resolve | pgs-transform |
			grep -v pgs_end; done <wins)
}

@test "a window marker that does not count its rows, or rows after the last marker: upstream truncated (3)" {
	pgs-extract --source "$PGS_STORE" --windows wins >good
	# one row of the first window lost
	awk 'NR != 2' good >short
	for tool in pgs-resolve pgs-transform; do
		run -3 --separate-stderr "$tool" short
		[[ $stderr == *"short:"*": window marker of 2021-10-18..2021-10-20 says "*" rows but "*" arrived: upstream truncated"* ]]
		[[ $output != *'"pgs_end"'* ]]
	done
	# a row between the last window marker and the end marker
	n=$(grep -vc '^{"pgs_' good)
	{ grep -v pgs_end good; sed -n 1p good; tail -n 1 good | sed "s/\"rows\":[0-9]*/\"rows\":$((n + 1))/"; } >after
	run -3 --separate-stderr pgs-resolve after
	[[ $stderr == *"rows after the last window marker: upstream truncated"* ]]
	# a window marker is fatal to a tool that is not told of windows
	stream >sum
	run -3 --separate-stderr pgs-write --from 2021-10-18 --to 2021-10-27 sum
	[[ $stderr == *"a window marker (the stream of pgs-extract --windows), which pgs-write takes only with --windows"* ]]
	[ "$(count "SELECT count(*) FROM player_game_summary")" -eq 0 ]
}

@test "pgs-write --windows: one transaction and statistics line a window; the table and ledger of per-batch writes" {
	stream >sum
	run --separate-stderr pgs-write --windows wins --run-id r1 sum
	assert_success
	[ "${#lines[@]}" -eq 3 ]
	i=0
	while IFS=$'\t' read -r from to; do
		[[ ${lines[i]} == "{\"table\":\"player_game_summary\",\"from\":\"$from\",\"to\":\"$to\",\"rows_in\":"*",\"deleted\":0,\"ms\":"* ]]
		i=$((i + 1))
	done <wins
	run count "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary'"
	assert_output 3
	streamed=$(dump_summary "$PGS_STORE")
	ledger=$(count "SELECT from_date, to_date, rows, digest FROM pgs_windows WHERE tbl = 'player_game_summary' ORDER BY 1")

	# the same windows written one by one, into a copy of the store before
	cp pgs.db per.db
	sqlite3 per.db "DELETE FROM player_game_summary; DELETE FROM pgs_windows WHERE tbl = 'player_game_summary'"
	while IFS=$'\t' read -r from to; do
		pgs-extract --source "$PGS_STORE" --from "$from" --to "$to" | pgs-resolve | pgs-transform |
			pgs-write --store sqlite:per.db --from "$from" --to "$to" >/dev/null
	done <wins
	[ "$(dump_summary sqlite:per.db)" = "$streamed" ]
	[ "$(sqlite3 per.db "SELECT from_date, to_date, rows, digest FROM pgs_windows WHERE tbl = 'player_game_summary' ORDER BY 1")" = "$ledger" ]

	# again: every row unchanged
	run --separate-stderr pgs-write --windows wins sum
	assert_success
	[[ ${lines[0]} == *'"inserted":0,"updated":0,"unchanged":'* ]]
	run --separate-stderr pgs-write --windows wins --from 2021-10-18 sum
	assert_failure 2
	[[ $stderr == *"--windows replaces --from and --to"* ]]
}

@test "pgs-write --windows: a stream cut after a window keeps that window, commits nothing after it, exits 3" {
	stream >sum
	# through the second window's marker, then nothing
	awk '{ print } /"pgs_window"/ && ++n == 2 { exit }' sum >two
	run -3 --separate-stderr pgs-write --windows wins two
	[ "${#lines[@]}" -eq 2 ]
	[[ ${lines[1]} == *'"from":"2021-10-21","to":"2021-10-21"'* ]]
	[[ $stderr == *"input has no end marker: the stage before failed or its output was cut short"* ]]
	run count "SELECT count(*) FROM player_game_summary WHERE game_date > '2021-10-21'"
	assert_output 0
	run count "SELECT count(*) FROM player_game_summary WHERE game_date <= '2021-10-21'"
	[ "$output" -gt 0 ]
	# rows of the third window without its marker: not committed
	awk '{ print } /"pgs_window"/ && ++n == 2 { w = 1 } w && !/"pgs_window"/ { if (++k == 5) exit }' sum >cut2
	run -3 --separate-stderr pgs-write --windows wins cut2
	run count "SELECT count(*) FROM player_game_summary WHERE game_date > '2021-10-21'"
	assert_output 0
	# a marker of a window the file does not have next
	printf '2021-10-18\t2021-10-20\n2021-10-22\t2021-10-27\n' >other
	run -3 --separate-stderr pgs-write --windows other sum
	[[ $stderr == *"a marker of window 2021-10-21..2021-10-21 where 'other' has 2021-10-22..2021-10-27 next"* ]]
	# the window the store fails on: the ones before it stay, with their lines
	run -3 --separate-stderr env PGS_FAULT_FAIL_WINDOW=2021-10-21 pgs-write --windows wins --allow-shrink 100 sum
	[ "${#lines[@]}" -eq 1 ]
	assert_equal "$stderr" "pgs-write: store: disk I/O error (simulated)"
}

@test "pgs-write --windows: a refused window is refused alone (exit 4); rejects upstream are counted in their window's line (exit 1)" {
	stream >sum
	pgs-write --windows wins sum >/dev/null
	# the first window loses most of its rows: the shrink guard refuses it, the others are written
	awk '/"pgs_window"/ { n++ } n == 0 && !/"pgs_window"/ && ++k > 3 { next } { print }' sum |
		awk '/"pgs_window"/ && !done { sub(/"rows":[0-9]+/, "\"rows\":3"); done = 1 } { print }' |
		awk '/"pgs_end"/ { sub(/"rows":[0-9]+/, "\"rows\":" n) } !/"pgs_/ { n++ } { print }' >shrunk
	run -4 --separate-stderr pgs-write --windows wins shrunk
	[ "${#lines[@]}" -eq 3 ]
	[[ ${lines[0]} == *'"refused":"shrink"'* ]]
	[[ ${lines[1]} != *refused* ]]
	[[ ${lines[2]} != *refused* ]]
	# a window whose marker carries rejects of the stages before
	sed '0,/"rejects":0,/s//"rejects":2,/' sum >rejected
	run -1 --separate-stderr pgs-write --windows wins rejected
	[[ ${lines[0]} == *'"rejected_upstream":2'* ]]
	[[ ${lines[1]} != *rejected* ]]
}

@test "pgs-write --windows: a marker's watermark is the window's started_at in the ledger; a bad one is an error (3)" {
	stream >sum
	wm=$(grep -m 1 -o '"watermark":"[^"]*"' sum | cut -d'"' -f4)
	[ -n "$wm" ]
	run -0 --separate-stderr pgs-write --windows wins sum
	[ "$(count "SELECT started_at FROM pgs_windows WHERE tbl = 'player_game_summary' AND from_date = '2021-10-18'")" = "$wm" ]
	sed '0,/"watermark":"[^"]*"/s//"watermark":"yesterday"/' sum >bad
	run -3 --separate-stderr pgs-write --windows wins bad
	[[ $stderr == *"a marker of window 2021-10-18..2021-10-20 with a bad watermark (want a UTC timestamp)"* ]]
}

@test "pgs-write --windows: each window's line comes out as it is committed, not at the end of the input" {
	stream >sum
	# the first window and its marker, then the input stays open
	awk '{ print } /"pgs_window"/ { exit }' sum >first
	mkfifo in
	pgs-write --windows wins <in >out 2>err &
	pid=$!
	exec {w}>in
	cat first >&"$w"
	for _ in $(seq 100); do
		[ ! -s out ] || break
		sleep 0.05
	done
	[[ $(cat out) == *'"from":"2021-10-18","to":"2021-10-20"'* ]]
	# and its commit is in the ledger while the stream goes on
	run count "SELECT count(*) FROM pgs_windows WHERE tbl = 'player_game_summary'"
	assert_output 1
	exec {w}>&-
	status=0
	wait "$pid" || status=$?
	[ "$status" -eq 3 ]
}

@test "pgs-checkpoint done --stream: records each window as its line arrives, copies it; a refused one is recorded and the rest go on" {
	pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-27 --batch-days 3 >batches
	printf '2021-10-18\t2021-10-20\n2021-10-21\t2021-10-23\n2021-10-24\t2021-10-26\n2021-10-27\t2021-10-27\n' >expected
	diff batches expected
	stream_lines() {
		local f t
		while IFS=$'\t' read -r f t; do
			printf '{"table":"player_game_summary","from":"%s","to":"%s","rows_in":5,"inserted":5,"updated":0,"unchanged":0,"deleted":0,"ms":1%s}\n' \
				"$f" "$t" "$([ "$f" = 2021-10-21 ] && echo ',"refused":"shrink"')"
		done <batches
	}
	run -4 --separate-stderr pgs-checkpoint "done" --job j --stream < <(stream_lines)
	assert_equal "$output" "$(stream_lines)"
	[[ $stderr == *"the write of 2021-10-21..2021-10-23 was refused (shrink): not marking it done"* ]]
	run pgs-checkpoint status --job j
	assert_line --index 1 "batches: 4 total, 3 done, 1 failed, 0 pending"
	assert_output --partial "refused: 2021-10-21..2021-10-23 after 1 attempt(s)"
	run pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-27 --batch-days 3
	assert_output $'2021-10-21\t2021-10-23'

	# a line that is not statistics stops it (3); the lines before it are recorded
	run -3 --separate-stderr pgs-checkpoint "done" --job j --stream < <(printf '%s\n' \
		'{"table":"player_game_summary","from":"2021-10-21","to":"2021-10-23","rows_in":1,"inserted":1,"updated":0,"unchanged":0,"deleted":0}' 'nonsense')
	[[ $stderr == *"bad statistics line on standard input"* ]]
	assert_line --index 0 --partial '"from":"2021-10-21"'
	run pgs-checkpoint plan --job j --from 2021-10-18 --to 2021-10-27 --batch-days 3
	assert_output ""
	run -2 --separate-stderr pgs-checkpoint "done" --job j --stream --from 2021-10-18 --to 2021-10-20
	[[ $stderr == *"done --stream takes the windows from the statistics lines"* ]]
}
