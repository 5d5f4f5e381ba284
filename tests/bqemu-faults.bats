#!/usr/bin/env bats
# shellcheck disable=SC2016 # backticks in single quotes are BigQuery names, not shell
# tests/bqemu/bqemu as a referee that exposes races rather than hides them:
# writers conflict as BigQuery documents it (by the rows they updated or
# deleted, not by statement type), jobs fail the ways BigQuery's jobs fail,
# table metadata updates are rate limited, lists page, and Google's own Node
# client runs against the emulator unchanged.  Each test starts its own
# emulator.  Skips when node or the npm packages are missing.

load test_helper
load bqemu/test_helper

setup() {
	common_setup
}

teardown() {
	stop_bqemu
}

# The table pgs writes (nba.pgs) with six days of two players, and a
# one-row state table: what the concurrency probes race on.
seed() {
	make_pgs_table
	[ "$(sql 'INSERT INTO nba.pgs (game_date, player_lookup, points) SELECT d, p, 1
		FROM UNNEST(GENERATE_DATE_ARRAY("2024-01-01", "2024-01-06")) AS d, UNNEST(["a", "b"]) AS p')" = 200 ]
	[ "$(sql 'CREATE TABLE nba.state (k STRING, n INT64)')" = 200 ]
	[ "$(sql 'INSERT INTO nba.state VALUES ("runs", 0)')" = 200 ]
}

count() {
	[ "$(sql "SELECT COUNT(*) FROM $1")" = 200 ] || return 1
	b -r '.rows[0].f[0].v'
}

# The outcome of the background queries NAME...: "ok" or the error message, sorted.
outcomes() {
	local n
	for n in "$@"; do cat "$BATS_TEST_TMPDIR/$n.out"; done | jq -sc '[.[] | .error.message // "ok"] | sort'
}

# wait_statement KIND: until a running script has started a statement of that kind.
wait_statement() {
	until curl -sS "$BQ_URL/_emu/jobs" | jq -e --arg k "$1" '.jobs[] | select(.state == "RUNNING" and any(.statements[]; . == $k))' >/dev/null; do
		sleep 0.02
	done
}

CONFLICT='Could not serialize access to table pgs-test:nba.pgs due to concurrent update'

@test "conflicts: two concurrent transactions that only append to one table both commit" {
	start_bqemu --latency-ms 800
	seed
	for w in 1 2; do
		sql_bg "w$w" "BEGIN TRANSACTION;
			INSERT INTO nba.pgs (game_date, player_lookup, points) VALUES ('2024-02-0$w', 'w$w', $w);
			INSERT INTO nba.pgs (game_date, player_lookup, points) SELECT DATE '2024-03-01', 'copy$w', points FROM nba.pgs WHERE player_lookup = 'a';
			COMMIT TRANSACTION;"
	done
	wait "${BG_PIDS[@]}"
	jobs_overlapped SCRIPT
	[ "$(outcomes w1 w2)" = '["ok","ok"]' ]
	[ "$(count nba.pgs)" = 26 ]
}

@test "conflicts: two concurrent transactions that update different rows of one table do not both commit" {
	start_bqemu --latency-ms 800
	seed
	for p in a b; do
		sql_bg "u$p" "BEGIN TRANSACTION; UPDATE nba.pgs SET points = 100 WHERE player_lookup = '$p'; COMMIT TRANSACTION;"
	done
	wait "${BG_PIDS[@]}"
	jobs_overlapped SCRIPT
	[ "$(outcomes ua ub)" = "[\"$CONFLICT\",\"ok\"]" ]
	[ "$(jq -sc '[.[] | .error | select(.) | [.code, .errors[0].reason]]' "$BATS_TEST_TMPDIR"/u{a,b}.out)" = '[[400,"invalidQuery"]]' ]
	# the loser was rolled back: only one player's rows changed
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs WHERE points = 100')" = 200 ]
	[ "$(b -r '.rows[0].f[0].v')" = 6 ]
}

@test "conflicts: two writers of an empty window (DELETE deletes nothing, INSERT) both commit: the rows are there twice" {
	start_bqemu --latency-ms 800
	seed
	writer='BEGIN TRANSACTION;
		DELETE FROM nba.pgs WHERE game_date BETWEEN @lo AND @hi;
		INSERT INTO nba.pgs (game_date, player_lookup, points) VALUES (@lo, "a", 7), (@hi, "b", 8);
		COMMIT TRANSACTION;'
	params="[$(param lo DATE 2024-02-01),$(param hi DATE 2024-02-02)]"
	sql_bg e1 "$writer" "$params"
	sql_bg e2 "$writer" "$params"
	wait "${BG_PIDS[@]}"
	jobs_overlapped SCRIPT
	[ "$(outcomes e1 e2)" = '["ok","ok"]' ]
	[ "$(jq -sc 'map(.dmlStats)' "$BATS_TEST_TMPDIR"/e{1,2}.out)" = '[{"insertedRowCount":"2","deletedRowCount":"0","updatedRowCount":"0"},{"insertedRowCount":"2","deletedRowCount":"0","updatedRowCount":"0"}]' ]
	[ "$(count '`pgs-test.nba.pgs` WHERE game_date >= "2024-02-01"')" = 4 ]
	# a MERGE that only inserts is an append too: two of them over the empty window both commit
	merge='BEGIN TRANSACTION;
		MERGE nba.pgs T USING (SELECT DATE "2024-04-01" AS game_date, "m" AS player_lookup, 1 AS points) S
		ON T.game_date = S.game_date AND T.player_lookup = S.player_lookup
		WHEN MATCHED THEN UPDATE SET points = S.points
		WHEN NOT MATCHED BY SOURCE AND T.game_date = DATE "2024-04-01" THEN DELETE
		WHEN NOT MATCHED THEN INSERT (game_date, player_lookup, points) VALUES (S.game_date, S.player_lookup, S.points);
		COMMIT TRANSACTION;'
	BG_PIDS=()
	[ "$(emu config '{"latencyMs":800}')" = 200 ]
	sql_bg m1 "$merge"
	sql_bg m2 "$merge"
	wait "${BG_PIDS[@]}"
	[ "$(outcomes m1 m2)" = '["ok","ok"]' ]
	[ "$(count '`pgs-test.nba.pgs` WHERE player_lookup = "m"')" = 2 ]
}

@test "conflicts: the same two window writers that also UPDATE one shared state row conflict: one fails and is rolled back" {
	start_bqemu --latency-ms 800
	seed
	writer='BEGIN TRANSACTION;
		UPDATE nba.state SET n = n + 1 WHERE k = "runs";
		DELETE FROM nba.pgs WHERE game_date BETWEEN @lo AND @hi;
		INSERT INTO nba.pgs (game_date, player_lookup, points) VALUES (@lo, "a", 7), (@hi, "b", 8);
		COMMIT TRANSACTION;'
	params="[$(param lo DATE 2024-02-01),$(param hi DATE 2024-02-02)]"
	sql_bg s1 "$writer" "$params"
	sql_bg s2 "$writer" "$params"
	wait "${BG_PIDS[@]}"
	[ "$(outcomes s1 s2)" = '["Could not serialize access to table pgs-test:nba.state due to concurrent update","ok"]' ]
	[ "$(count '`pgs-test.nba.pgs` WHERE game_date >= "2024-02-01"')" = 2 ]
	[ "$(sql 'SELECT n FROM nba.state')" = 200 ]
	[ "$(b -r '.rows[0].f[0].v')" = 1 ]
}

@test "conflicts: a committed mutation outside a transaction fails a mutating transaction that began before it; an append does not" {
	start_bqemu --latency-ms 1000
	seed
	sql_bg t1 "BEGIN TRANSACTION; UPDATE nba.pgs SET points = 5 WHERE player_lookup = 'a'; COMMIT TRANSACTION;"
	# while t1 sleeps before its COMMIT: an append, then a DELETE that deletes nothing, then one that deletes a row
	wait_statement COMMIT_TRANSACTION
	[ "$(emu config '{"latencyMs":0}')" = 200 ]
	[ "$(sql 'INSERT INTO nba.pgs (game_date, player_lookup) VALUES ("2024-05-01", "x")')" = 200 ]
	[ "$(sql 'DELETE FROM nba.pgs WHERE player_lookup = "nobody"')" = 200 ]
	[ "$(b .dmlStats.deletedRowCount)" = '"0"' ]
	wait "${BG_PIDS[@]}"
	[ "$(outcomes t1)" = '["ok"]' ]
	BG_PIDS=()
	[ "$(emu config '{"latencyMs":1000}')" = 200 ]
	sql_bg t2 "BEGIN TRANSACTION; UPDATE nba.pgs SET points = 6 WHERE player_lookup = 'a'; COMMIT TRANSACTION;"
	wait_statement COMMIT_TRANSACTION
	[ "$(emu config '{"latencyMs":0}')" = 200 ]
	[ "$(sql 'DELETE FROM nba.pgs WHERE player_lookup = "x"')" = 200 ]
	[ "$(b .dmlStats.deletedRowCount)" = '"1"' ]
	wait "${BG_PIDS[@]}"
	[ "$(outcomes t2)" = "[\"$CONFLICT\"]" ]
}
