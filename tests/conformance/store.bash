# The store under test, for the conformance suite (tests/conformance/*.bats):
# every test there runs unchanged against each backend, chosen by
# PGS_TEST_STORE = sqlite (default), postgres or bigquery.  tests/run-all runs
# the suite once per store in PGS_TEST_STORES.
#
#   store_setup_file / store_teardown_file   start and stop the store's server
#                                            (setup_file and teardown_file call them)
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

# Every conformance file's setup_file and teardown_file (a file may define its own).
setup_file() {
	store_setup_file
}

teardown_file() {
	store_teardown_file
}

# with_end FILE: FILE.m, FILE's rows and an end marker counting them.
with_end() {
	{ cat "$1"; printf '{"pgs_end":{"tool":"test","rows":%d}}\n' "$(grep -c . "$1")"; } >"$1.m"
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

# summary_rows FIRST LAST [POINTS [EXTRA]]: summary rows for players
# FIRST..LAST over five game days 2023-10-01..05, POINTS each (default 10),
# with the fields of the jq object EXTRA ($p is POINTS) added.
summary_rows() {
	local extra=${4:-"{}"}
	jq -cn --argjson a "$1" --argjson b "$2" --argjson p "${3:-10}" '
	    range($a; $b + 1) as $i | ($i % 5 + 1) as $d |
	    {player_lookup: "player\($i)", universal_player_id: "player\($i)_001",
	     player_full_name: "Player \($i)", game_id: "2023100\($d)_BOS_NYK",
	     game_date: "2023-10-0\($d)", season_year: 2023, game_type: "regular",
	     team_abbr: "NYK", opponent_team_abbr: "BOS", home_game: true, points: $p,
	     minutes_played: 30.5, seconds_played: 1830, efg_pct: 0.5, is_active: true,
	     player_status: "active", sources_seen: ["bbref"], quality_issues: [],
	     processed_at: "2023-11-14T22:13:20Z"} + ('"$extra"')'
}

# bq_api METHOD PATH: one call of the emulator's REST API (body on stdin), which must
# succeed; its answer on stdout.
bq_api() {
	local code
	code=$(curl -sS -o "$BATS_TEST_TMPDIR/bq.out" -w '%{http_code}' -X "$1" \
		-H "Authorization: Bearer $PGS_BQ_TOKEN" -H 'Content-Type: application/json' \
		--data-binary @- "$PGS_BQ_ENDPOINT/bigquery/v2/projects/pgs-test$2")
	case $code in
	2*) cat "$BATS_TEST_TMPDIR/bq.out" ;;
	*) cat "$BATS_TEST_TMPDIR/bq.out" >&2; return 1 ;;
	esac
}

# bq_sql SQL: one query, which must succeed.
bq_sql() {
	jq -nc --arg q "$1" '{query: $q, useLegacySql: false, location: "US"}' |
		bq_api POST /queries >/dev/null
}

# store_drop_column COLUMN TABLE...: the store as an older pgs left it, COLUMN gone from
# each TABLE of store $S.  BigQuery (no DROP COLUMN in the emulator): player_game_summary
# made again as pgs made it but without COLUMN, and its rows put back.
store_drop_column() {
	local col=$1 t ds=${S##*/}
	shift
	case $PGS_TEST_STORE in
	sqlite)
		for t; do
			sqlite3 "${S#sqlite:}" "ALTER TABLE $t DROP COLUMN $col"
		done
		;;
	postgres)
		for t; do
			pg_sql "ALTER TABLE \"${S##*schema=}\".$t DROP COLUMN $col"
		done
		;;
	bigquery)
		# (an older store is made in a second: more table updates than BigQuery's 5 in 10 s)
		curl -sS -o /dev/null -X POST "$PGS_BQ_ENDPOINT/_emu/config" \
			-d '{"tableUpdateRate":{"operations":100,"seconds":10}}'
		bq_api GET "/datasets/$ds/tables/player_game_summary" </dev/null >def.json
		bq_sql "CREATE TABLE \`pgs-test.$ds.old\` AS SELECT * EXCEPT ($col)
			FROM \`pgs-test.$ds.player_game_summary\`"
		bq_api DELETE "/datasets/$ds/tables/player_game_summary" </dev/null >/dev/null
		jq -c --arg col "$col" '{tableReference, timePartitioning, clustering, schema: {fields:
			[.schema.fields[] | select(.name != $col)]}}' def.json |
			bq_api POST "/datasets/$ds/tables" >/dev/null
		bq_sql "INSERT INTO \`pgs-test.$ds.player_game_summary\` SELECT * FROM \`pgs-test.$ds.old\`"
		;;
	esac
}
