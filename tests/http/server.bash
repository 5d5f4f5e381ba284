# tests/http/server.bash — one loopback server (tests/http/server.py) for a
# whole bats file.  Load it after test_helper, then call
#   start_test_server DIR   in setup_file: serve DIR, port in $BATS_FILE_TMPDIR/port
#   stop_test_server        in teardown_file
# Each test zeroes the server's counters with /reset.  The server exits by
# itself after 300 s should teardown_file never run, and holds none of bats'
# descriptors; the tests of the file run one at a time, as they share it.

start_test_server() {
	export BATS_NO_PARALLELIZE_WITHIN_FILE=true
	python3 "$BATS_TEST_DIRNAME/http/server.py" "$1" "$BATS_FILE_TMPDIR/port" 300 \
		>"$BATS_FILE_TMPDIR/server.log" 2>&1 3>&- &
	echo $! >"$BATS_FILE_TMPDIR/server.pid"
	for _ in $(seq 200); do
		[ -f "$BATS_FILE_TMPDIR/port" ] && break
		sleep 0.1
	done
	[ -f "$BATS_FILE_TMPDIR/port" ] || {
		echo "test server did not start" >&2
		return 1
	}
}

stop_test_server() {
	if [ -f "$BATS_FILE_TMPDIR/server.pid" ]; then
		kill "$(cat "$BATS_FILE_TMPDIR/server.pid")" 2>/dev/null || true
	fi
}
