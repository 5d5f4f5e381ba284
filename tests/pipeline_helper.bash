# Helpers of the pipeline suites (pgs-backfill.bats, pgs-ingest.bats,
# pipelines.bats): the store's tables read with the sqlite3 shell, and shims
# that stand in for a tool on PATH.

db_of() {
	echo "${1#sqlite:}"
}

# count SQL: one value from the store of $PGS_STORE.
count() {
	sqlite3 "$(db_of "$PGS_STORE")" "$1"
}

# dump_summary STORE [COLUMN...]: player_game_summary sorted by key, every
# column but processed_at, valid_from (a commit's time) and the COLUMNs named.
dump_summary() {
	local db cols skip="'processed_at', 'valid_from'" c
	db=$(db_of "$1")
	shift
	for c; do
		skip="$skip, '$c'"
	done
	cols=$(sqlite3 "$db" "SELECT group_concat(name, ',') FROM pragma_table_info('player_game_summary')
		WHERE name NOT IN ($skip)")
	sqlite3 "$db" "SELECT $cols FROM player_game_summary ORDER BY game_id, player_lookup"
}

# dump_registry STORE: every registry table, sorted.
dump_registry() {
	local db t
	db=$(db_of "$1")
	for t in players_registry player_source_ids player_aliases player_team_seasons unresolved_player_names; do
		echo "== $t"
		sqlite3 "$db" "SELECT * FROM $t ORDER BY 1, 2, 3" 2>/dev/null || true
	done
}

# shim TOOL SCRIPT: put a TOOL first on PATH that runs SCRIPT (bash, with
# $real the real tool), e.g. shim pgs-transform 'sleep 0.2; exec "$real" "$@"'.
shim() {
	mkdir -p "$BATS_TEST_TMPDIR/shim"
	printf '#!/bin/bash\nreal=%q\n%s\n' "$PGS_ROOT/bin/$1" "$2" >"$BATS_TEST_TMPDIR/shim/$1"
	chmod +x "$BATS_TEST_TMPDIR/shim/$1"
	case :$PATH: in
	*":$BATS_TEST_TMPDIR/shim:"*) ;;
	*) PATH="$BATS_TEST_TMPDIR/shim:$PATH" ;;
	esac
}

# no_process_left SID: no process of session SID is still running (the
# pipeline ran under setsid, so each of its processes is in that session),
# at the latest 5 s from now: a process that was told to stop may still be
# on its way out (an ssh client closing its connection, on a loaded machine).
# Zombies are dead: they only wait for init, which here may never reap them.
no_process_left() {
	local left
	for _ in $(seq 50); do
		left=$(ps -s "$1" -o pid=,stat=,args= | while read -r p st args; do
			[[ $st == Z* ]] || echo "$p $st $args"
		done)
		[ -n "$left" ] || return 0
		sleep 0.1
	done
	fail "processes left running: $left"
}

# slow_shim TOOL SECONDS: TOOL takes SECONDS longer a batch: at its start,
# and in a window stream (pgs-backfill's --jobs 1 on a store source, one
# process a stage for the run) also before each window marker it reads.
# shellcheck disable=SC2016 # the shim's body is single-quoted on purpose
slow_shim() {
	shim "$1" "secs=$2"'
sleep "$secs"
[ $# -eq 0 ] || [ "$1" != --help ] || exec "$real" "$@"
awk -v secs="$secs" '\''/^\{"pgs_window":/ { fflush(); system("sleep " secs) } { print }'\'' | "$real" "$@"
st=("${PIPESTATUS[@]}")
exit "${st[1]}"'
}

# wait_progress N [SECONDS]: until pgs-backfill's progress in bf.log (of
# start_backfill) reported N batches, at most SECONDS (default 30).
wait_progress() {
	local n
	for _ in $(seq $((${2:-30} * 10))); do
		# (bf.log may not be there yet: the pipeline has only just been started)
		n=$(grep -c ' batches  ' "$BATS_TEST_TMPDIR/bf.log" 2>/dev/null) || true
		[ "${n:-0}" -lt "$1" ] || return 0
		sleep 0.1
	done
	fail "no $1 batches after ${2:-30} s: $(cat "$BATS_TEST_TMPDIR/bf.log")"
}
