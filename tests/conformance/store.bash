# The store under test, for the conformance suite (tests/conformance/*.bats):
# every test there runs unchanged against each backend, chosen by
# PGS_TEST_STORE = sqlite (default), postgres or bigquery.  tests/run-all runs
# the suite once per store in PGS_TEST_STORES.
#
#   store_setup_file / store_teardown_file   start and stop the store's server
#   store_fresh NAME                         print the URI of a new, empty store
#   dump URI TABLE [COLUMN...]               the table's rows, one JSON per line (sorted keys)
#   count URI TABLE                          its number of rows
# Results are read through pgs-store-dump (tests/helper), never a store's own shell.

PGS_TEST_STORE=${PGS_TEST_STORE:-sqlite}

# Sourced at load time: functions defined in setup_file do not reach the tests.
case $PGS_TEST_STORE in
postgres)
	# shellcheck source=tests/pg/server.bash
	. "$PGS_ROOT/tests/pg/server.bash"
	;;
bigquery)
	# shellcheck source=tests/bqemu/server.bash
	. "$PGS_ROOT/tests/bqemu/server.bash"
	;;
esac

store_setup_file() {
	STORE_SKIP=
	case $PGS_TEST_STORE in
	sqlite) ;;
	postgres)
		STORE_SKIP=$(pg_skip_reason)
		[ -n "$STORE_SKIP" ] || pg_start
		;;
	bigquery)
		STORE_SKIP=$(bq_skip_reason)
		[ -n "$STORE_SKIP" ] || bq_start --seed 1
		;;
	*)
		echo "unknown PGS_TEST_STORE '$PGS_TEST_STORE'" >&2
		return 1
		;;
	esac
	export STORE_SKIP
}

# Call first in setup(): a store whose server cannot run here skips every
# test with the reason (bats cannot skip from setup_file).
store_skip_unless_ready() {
	[ -z "${STORE_SKIP:-}" ] || skip "$PGS_TEST_STORE: $STORE_SKIP"
}

store_teardown_file() {
	case $PGS_TEST_STORE in
	postgres) pg_stop ;;
	bigquery) bq_stop ;;
	esac
}

# A fresh store named after NAME (and the test), as a URI.
store_fresh() {
	local name="${1}_${BATS_TEST_NUMBER:-0}"
	case $PGS_TEST_STORE in
	sqlite) echo "sqlite:$BATS_TEST_TMPDIR/$name.db" ;;
	postgres) pg_fresh "$name" ;;
	bigquery) bq_fresh "$name" ;;
	esac
}

dump() {
	"$PGS_ROOT/bin-test/pgs-store-dump" "$@"
}

count() {
	dump "$1" "$2" | grep -c . || true
}
