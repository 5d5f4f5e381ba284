# Shared set-up for every bats suite: load bats-support/bats-assert, put the
# built tools and pipelines first on PATH, and keep every test hermetic.
bats_require_minimum_version 1.5.0
load '/usr/lib/bats/bats-support/load'
load '/usr/lib/bats/bats-assert/load'

# The repository root: above tests/, also for suites in a subdirectory of it.
PGS_ROOT="$(cd "$BATS_TEST_DIRNAME/.." && pwd)"
[ -f "$PGS_ROOT/Makefile" ] || PGS_ROOT="$(cd "$PGS_ROOT/.." && pwd)"
export PGS_ROOT
export PATH="$PGS_ROOT/bin:$PGS_ROOT/pipelines:$PATH"
export LC_ALL=C
FIXTURES="$PGS_ROOT/tests/fixtures"
# The real public box scores live beside the repository, never inside it.
PGS_DATA="${PGS_DATA:-$PGS_ROOT/../shared/data}"
export FIXTURES PGS_DATA

common_setup() {
	export PGS_STATE_DIR="$BATS_TEST_TMPDIR/state"
	export PGS_STORE="sqlite:$BATS_TEST_TMPDIR/pgs.db"
	export SOURCE_DATE_EPOCH=1700000000
	unset XDG_STATE_HOME
	cd "$BATS_TEST_TMPDIR" || return 1
}

# Skip, under a sanitizer build, a test whose measure ASan distorts (memory held
# in its quarantine, timings) or whose cost is not pgs's code (the same seasons
# again, the emulator): the normal build's pass runs it.  $1: why.
skip_if_sanitized() {
	if grep -q '^build-san ' "$PGS_ROOT/bin/.flags" 2>/dev/null; then
		skip "left to the normal build's pass under ASan: $1"
	fi
}

# make in the repository from a test, with the flags bin/ was built with: a plain
# `make install` under the ASan suite would relink bin/ without the sanitizers
# for every test after it.
make_as_built() {
	local san=
	grep -q '^build-san ' "$PGS_ROOT/bin/.flags" 2>/dev/null && san=SANITIZE=1
	make -C "$PGS_ROOT" ${san:+"$san"} "$@"
}

# misfile_game WWW: WWW/misfiled/, a copy of the day files WWW/days/ with the
# first game of 2021-10-20 moved into 2021-10-21's body (a source that filed a
# game under the next day); sets game (its id) and n (its rows).
# shellcheck disable=SC2034 # game and n are the caller's
misfile_game() {
	mkdir -p "$1/misfiled"
	cp "$1"/days/*.ndjson "$1/misfiled/"
	game=$(head -n 1 "$1/days/2021-10-20.ndjson" | jq -r .game_id)
	grep "\"game_id\":\"$game\"" "$1/days/2021-10-20.ndjson" >>"$1/misfiled/2021-10-21.ndjson"
	grep -v "\"game_id\":\"$game\"" "$1/days/2021-10-20.ndjson" >"$1/misfiled/2021-10-20.ndjson"
	n=$(grep -c "\"game_id\":\"$game\"" "$1/days/2021-10-20.ndjson")
}

# Skip, with a clear message, a test that needs ../shared/data.
require_data() {
	[ -d "$PGS_DATA/bbref_parminpatel28" ] ||
		skip "real data not found at $PGS_DATA (present in CI; see README)"
}

# hold_ingest: a pgs-ingest first on PATH (in ./shim: put it there) that
# touches ./started, then waits for ./release before it runs the real one:
# a pgs-daily held mid-run.
hold_ingest() {
	mkdir -p "$BATS_TEST_TMPDIR/shim"
	cat >"$BATS_TEST_TMPDIR/shim/pgs-ingest" <<-EOF
	#!/bin/bash
	touch "$BATS_TEST_TMPDIR/started"
	for _ in \$(seq 300); do [ -e "$BATS_TEST_TMPDIR/release" ] && break; sleep 0.1; done
	exec "$PGS_ROOT/pipelines/pgs-ingest" "\$@"
	EOF
	chmod +x "$BATS_TEST_TMPDIR/shim/pgs-ingest"
}
