# The BigQuery emulator (tests/bqemu/bqemu) for the store tests: started on
# a free loopback port, stopped afterwards.
#
#   bq_start [ARGS...]   start it (ARGS go to bqemu); sets BQ_PORT, BQ_DIR and
#                        exports PGS_BQ_ENDPOINT and PGS_BQ_TOKEN for pgs
#   bq_stop              stop it and remove its directory
#   bq_fresh NAME        print the URI of a new dataset NAME (made on first write)
#   bq_skip_reason       why the emulator cannot run here, or nothing
#   bq_requests          the emulator's request log (NDJSON), so far
# PGS_BQ_SQL_LOG=FILE appends every SQL text the emulator receives, with
# ZetaSQL's verdict, to FILE (bqemu --sql-log), to collect what pgs sends.

BQEMU=${PGS_BQEMU:-$PGS_ROOT/tests/bqemu/bqemu}

bq_skip_reason() {
	command -v node >/dev/null || { echo "node not installed (tests/bqemu/setup installs it)"; return; }
	[ -d "$(dirname "$BQEMU")/node_modules" ] ||
		echo "the emulator's npm packages are not installed (run tests/bqemu/setup)"
}

bq_start() {
	local i
	BQ_DIR=$(mktemp -d "${TMPDIR:-/tmp}/pgs-bq.XXXXXX")
	"$BQEMU" --port 0 --port-file "$BQ_DIR/port" --log "$BQ_DIR/requests.ndjson" \
		${PGS_BQ_SQL_LOG:+--sql-log "$PGS_BQ_SQL_LOG"} "$@" \
		>"$BQ_DIR/emu.log" 2>&1 &
	echo $! >"$BQ_DIR/pid"
	for i in $(seq 1 100); do
		[ -s "$BQ_DIR/port" ] && break
		sleep 0.1
	done
	[ -s "$BQ_DIR/port" ] || { cat "$BQ_DIR/emu.log" >&2; return 1; }
	BQ_PORT=$(cat "$BQ_DIR/port")
	PGS_BQ_ENDPOINT="http://127.0.0.1:$BQ_PORT"
	PGS_BQ_TOKEN="test-token-$RANDOM$i"
	export BQ_DIR BQ_PORT PGS_BQ_ENDPOINT PGS_BQ_TOKEN
}

bq_stop() {
	[ -n "${BQ_DIR:-}" ] || return 0
	kill "$(cat "$BQ_DIR/pid")" 2>/dev/null || true
	wait "$(cat "$BQ_DIR/pid")" 2>/dev/null || true
	rm -rf "$BQ_DIR"
}

bq_fresh() {
	echo "bigquery://pgs-test/$1"
}

bq_requests() {
	cat "$BQ_DIR/requests.ndjson"
}
