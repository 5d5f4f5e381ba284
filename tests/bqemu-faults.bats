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

# wait_jobs JQ-CONDITION: until a job of /_emu/jobs meets it (a safety net of
# 30 s fails the test instead of waiting for the emulator's --exit-after).
wait_jobs() {
	local _
	for _ in $(seq 1500); do
		curl -sS "$BQ_URL/_emu/jobs" | jq -e "any(.jobs[]; $1)" >/dev/null && return 0
		sleep 0.02
	done
	echo "no job with $1" >&2
	return 1
}

# wait_statement KIND: until a running script has started a statement of that kind.
wait_statement() {
	wait_jobs ".state == \"RUNNING\" and any(.statements[]; . == \"$1\")"
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

# The jobId of the request with this requestId, from the request log.
job_of_request() {
	jq -rs --arg r "$1" '[.[] | select(.requestId == $r) | .jobId] | first' "$BATS_TEST_TMPDIR/bq.log"
}

ROW='INSERT INTO nba.pgs (game_date, player_lookup, points) VALUES ("2024-01-01", "a", 1)'

@test "conflicts: a restart with --data keeps the commit clock: a table mutated before it takes transactions after it" {
	mkdir "$BATS_TEST_TMPDIR/data"
	start_bqemu --data "$BATS_TEST_TMPDIR/data"
	seed
	[ "$(sql 'BEGIN TRANSACTION; UPDATE nba.state SET n = n + 1 WHERE k = "runs"; COMMIT TRANSACTION;')" = 200 ]
	# a table made afterwards saves the catalog, the state table's last mutation in it
	[ "$(sql 'CREATE TABLE nba.later (k STRING)')" = 200 ]
	stop_bqemu
	rm "$BATS_TEST_TMPDIR/bq.port"
	start_bqemu --data "$BATS_TEST_TMPDIR/data"
	[ "$(sql 'BEGIN TRANSACTION; UPDATE nba.state SET n = n + 1 WHERE k = "runs"; COMMIT TRANSACTION;')" = 200 ]
	[ "$(sql 'SELECT n FROM nba.state')" = 200 ]
	[ "$(b -r '.rows[0].f[0].v')" = 2 ]
	# the catalog is replaced whole, never left half-written
	[ ! -e "$BATS_TEST_TMPDIR/data/catalog.json.tmp" ]
}

@test "job failures: injected by job kind and statement, failed in BigQuery's shapes; the same requestId or jobId gets the same failed job, a new one runs" {
	start_bqemu
	make_pgs_table
	[ "$(emu config '{"jobErrorNext":{"count":1,"reason":"backendError","jobKind":"query","statement":"INSERT"}}')" = 200 ]
	[ "$(sql 'SELECT 1')" = 200 ]
	# jobs.query: HTTP 400 jobBackendError; jobs.get: DONE, errorResult backendError
	[ "$(sql "$ROW" '[]' '{"requestId":"r1"}')" = 400 ]
	[ "$(b '[.error.code, .error.status, .error.errors[0].reason, .error.message]')" = '[400,"INVALID_ARGUMENT","jobBackendError","Error encountered during execution. Retrying may solve the problem."]' ]
	job=$(job_of_request r1)
	wait_job "$job"
	[ "$(b -c '[.status.state, .status.errorResult.reason]')" = '["DONE","backendError"]' ]
	[ "$(api GET "/queries/$job?location=US")" = 400 ]
	[ "$(b '.error.errors[0].reason')" = '"jobBackendError"' ]
	# the same requestId: the same failed job, not run again; a new one runs
	[ "$(sql "$ROW" '[]' '{"requestId":"r1"}')" = 400 ]
	[ "$(jq -sc '[.[] | select(.requestId == "r1") | [.jobId, .replayed // false, .status]]' "$BATS_TEST_TMPDIR/bq.log")" = "[[\"$job\",false,400],[\"$job\",true,400]]" ]
	[ "$(count nba.pgs)" = 0 ]
	[ "$(sql "$ROW" '[]' '{"requestId":"r2"}')" = 200 ]
	[ "$(count nba.pgs)" = 1 ]
	# jobs.insert of a script: internalError; the same jobId is 409 and jobs.get shows the same failure
	[ "$(emu config '{"jobErrorNext":[{"count":1,"reason":"internalError","jobKind":"script"}]}')" = 200 ]
	script=$(jq -nc --arg q "BEGIN TRANSACTION; $ROW; COMMIT TRANSACTION;" \
		'{jobReference: {jobId: "s1", location: "US"}, configuration: {query: {query: $q, useLegacySql: false}}}')
	[ "$(api POST /jobs "$script")" = 200 ]
	wait_job s1
	[ "$(b .status.errorResult.reason)" = '"internalError"' ]
	[[ $(b -r .status.errorResult.message) == "An internal error occurred and the request could not be completed."* ]]
	[ "$(api GET /queries/s1?location=US)" = 400 ]
	[ "$(b '[.error.code, .error.errors[0].reason]')" = '[400,"jobInternalError"]' ]
	[ "$(api POST /jobs "$script")" = 409 ]
	[ "$(b '.error.errors[0].reason')" = '"duplicate"' ]
	wait_job s1
	[ "$(b .status.errorResult.reason)" = '"internalError"' ]
	[ "$(api POST /jobs "${script/\"s1\"/\"s2\"}")" = 200 ]
	wait_job s2
	[ "$(b .status.errorResult)" = null ]
	[ "$(count nba.pgs)" = 2 ]
	# a load: rateLimitExceeded (jobs.get), and nothing loaded
	[ "$(emu config '{"jobErrorNext":{"count":1,"reason":"rateLimitExceeded","jobKind":"load"}}')" = 200 ]
	printf '%s\n' '{"game_date":"2024-01-02","player_lookup":"b","points":2}' >"$BATS_TEST_TMPDIR/one.ndjson"
	[ "$(load l1 pgs WRITE_APPEND '[{"name":"game_date","type":"DATE","mode":"REQUIRED"},{"name":"player_lookup","type":"STRING","mode":"REQUIRED"},{"name":"points","type":"INT64"}]' "$BATS_TEST_TMPDIR/one.ndjson")" = 200 ]
	wait_job l1
	[ "$(b '[.status.errorResult.reason, .statistics.load.outputRows]')" = '["rateLimitExceeded",null]' ]
	[[ $(b -r .status.errorResult.message) == "Job exceeded rate limits:"* ]]
	[ "$(count nba.pgs)" = 2 ]
	# quotaExceeded names its quota: HTTP 403 on jobs.query
	[ "$(emu config '{"jobErrorNext":{"count":1,"reason":"quotaExceeded","quota":"queryBytes"}}')" = 200 ]
	[ "$(sql 'SELECT 1')" = 403 ]
	[ "$(b '[.error.errors[0].reason, .error.message]')" = '["quotaExceeded","Quota exceeded: Your project exceeded quota for free query bytes scanned. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas"]' ]
	# when "after": the job ran (its row landed) and says it failed
	[ "$(emu config '{"jobErrorNext":{"count":1,"when":"after"}}')" = 200 ]
	[ "$(sql "$ROW")" = 400 ]
	[ "$(b '.error.errors[0].reason')" = '"jobBackendError"' ]
	[ "$(count nba.pgs)" = 3 ]
	# a bad setting is refused by the control call
	[ "$(emu config '{"jobErrorNext":{"jobKind":"nope"}}')" = 400 ]
	[ "$(emu config '{"jobErrorNext":{"reason":"quotaExceeded","quota":"nope"}}')" = 400 ]
}

@test "job failures: a full DML queue fails the job at once: 400 resourcesExceeded, and jobs.get shows it DONE with that errorResult" {
	start_bqemu --latency-ms 800 --dml-running 1 --dml-queue 0
	make_pgs_table
	sql_bg first 'UPDATE nba.pgs SET points = 1 WHERE TRUE'
	wait_jobs '.statementType == "UPDATE" and .state == "RUNNING"'
	[ "$(sql 'DELETE FROM nba.pgs WHERE TRUE' '[]' '{"requestId":"second"}')" = 400 ]
	[ "$(b '[.error.code, .error.status, .error.errors[0].reason, .error.message]')" = '[400,"INVALID_ARGUMENT","resourcesExceeded","Resources exceeded during query execution: Too many DML statements outstanding against table pgs-test:nba.pgs, limit is 0."]' ]
	wait_job "$(job_of_request second)"
	[ "$(b '[.status.state, .status.errorResult.reason]')" = '["DONE","resourcesExceeded"]' ]
	wait "${BG_PIDS[@]}"
	[ "$(outcomes first)" = '["ok"]' ]
}

@test "quota: more than 5 table updates in 10 s on one table: 403 rateLimitExceeded on the API call, the job's errorResult for a load or DDL; DML counts but is never refused" {
	start_bqemu
	make_pgs_table
	msg='Exceeded rate limits: too many table update operations for this table. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas'
	[ "$(api POST /datasets/nba/tables '{"tableReference":{"tableId":"t"},"schema":{"fields":[{"name":"n","type":"INTEGER"}]}}')" = 200 ]
	for i in 1 2 3 4; do [ "$(api PATCH /datasets/nba/tables/t "{\"description\":\"v$i\"}")" = 200 ]; done
	[ "$(api PATCH /datasets/nba/tables/t '{"description":"v5"}')" = 403 ]
	[ "$(b '[.error.code, .error.status, .error.errors[0].reason, .error.message]')" = "[403,\"PERMISSION_DENIED\",\"rateLimitExceeded\",\"$msg\"]" ]
	[ "$(api PUT /datasets/nba/tables/t '{"description":"v5"}')" = 403 ]
	# DML is not subject to it
	[ "$(sql 'INSERT INTO nba.t (n) VALUES (1)')" = 200 ]
	# a load job is created, then fails; a DDL query fails as a job too (jobs.query: 400 jobRateLimitExceeded)
	printf '{"n":2}\n' >"$BATS_TEST_TMPDIR/n.ndjson"
	[ "$(load tl t WRITE_APPEND '[{"name":"n","type":"INTEGER"}]' "$BATS_TEST_TMPDIR/n.ndjson")" = 200 ]
	wait_job tl
	[ "$(b -c '[.status.errorResult.reason, .status.errorResult.message]')" = "[\"rateLimitExceeded\",\"$msg\"]" ]
	[ "$(sql 'ALTER TABLE nba.t SET OPTIONS (description = "x")')" = 400 ]
	[ "$(b '[.error.errors[0].reason, .error.message]')" = "[\"jobRateLimitExceeded\",\"$msg\"]" ]
	[ "$(count nba.t)" = 1 ]
	# other tables are not affected
	[ "$(api PATCH /datasets/nba/tables/pgs '{"description":"ok"}')" = 200 ]
	# the window slides (lowered here to 5 per 0.3 s): past it, updates go through again
	[ "$(emu config '{"tableUpdateRate":{"operations":5,"seconds":0.3}}')" = 200 ]
	sleep 0.4
	[ "$(api PATCH /datasets/nba/tables/t '{"description":"later"}')" = 200 ]
	# off
	[ "$(emu config '{"tableUpdateRate":null}')" = 200 ]
	for i in 1 2 3 4 5 6; do [ "$(api PATCH /datasets/nba/tables/t "{\"description\":\"w$i\"}")" = 200 ]; done
	[ "$(emu config '{"tableUpdateRate":{"operations":0}}')" = 400 ]
}

@test "quota: an injected quotaExceeded on an API call names its quota (HTTP 403)" {
	start_bqemu
	[ "$(emu config '{"failNext":[{"status":403,"count":1,"reason":"quotaExceeded","quota":"tableUpdates","path":"/datasets"}]}')" = 200 ]
	[ "$(api GET /datasets)" = 403 ]
	[ "$(b '[.error.code, .error.errors[0].reason, .error.message]')" = '[403,"quotaExceeded","Quota exceeded: Your table exceeded quota for imports or query appends per table. For more information, see https://cloud.google.com/bigquery/docs/troubleshoot-quotas"]' ]
	[ "$(api GET /datasets)" = 200 ]
}

# all_pages PATH QUERY ARRAY FIELD: every page of a list (following
# nextPageToken) with QUERY (e.g. maxResults=4; maxResults=0 is the default
# page), appending each item's FIELD to $BATS_TEST_TMPDIR/pages.
all_pages() {
	local tok='' sep='?'
	[[ $1 == *'?'* ]] && sep='&'
	while :; do
		[ "$(api GET "$1$sep$2${tok:+&pageToken=$tok}")" = 200 ] || return 1
		b -r "$3[]? | $4" >>"$BATS_TEST_TMPDIR/pages"
		tok=$(b -r '.nextPageToken // empty')
		[ -n "$tok" ] || return 0
	done
}

@test "lists: tables.list, datasets.list and jobs.list page by maxResults and pageToken (nextPageToken, totalItems), every item once" {
	start_bqemu
	[ "$(emu config '{"listPageSize":4}')" = 200 ]
	for d in d3 d1 d2 d5 d4 d6; do [ "$(api POST /datasets "{\"datasetReference\":{\"datasetId\":\"$d\"}}")" = 200 ]; done
	N='"schema":{"fields":[{"name":"n","type":"INTEGER"}]}'
	for t in $(seq 1 11); do [ "$(api POST /datasets/d1/tables "{\"tableReference\":{\"tableId\":\"t$(printf %02d "$t")\"},$N}")" = 200 ]; done
	# the default page (lowered to 4 here): 11 tables in 3 pages, in ID order, totalItems on each
	[ "$(api GET /datasets/d1/tables)" = 200 ]
	[ "$(b '[(.tables | length), .totalItems, (.nextPageToken != null), .tables[0].tableReference.tableId]')" = '[4,11,true,"t01"]' ]
	: >"$BATS_TEST_TMPDIR/pages"
	all_pages /datasets/d1/tables maxResults=0 .tables .tableReference.tableId
	[ "$(paste -sd, "$BATS_TEST_TMPDIR/pages")" = t01,t02,t03,t04,t05,t06,t07,t08,t09,t10,t11 ]
	# maxResults overrides it; a table created between pages is listed once, in its place
	[ "$(api GET '/datasets/d1/tables?maxResults=5')" = 200 ]
	tok=$(b -r .nextPageToken)
	[ "$(api POST /datasets/d1/tables '{"tableReference":{"tableId":"t00"},"schema":{"fields":[{"name":"n","type":"INTEGER"}]}}')" = 200 ]
	[ "$(api POST /datasets/d1/tables '{"tableReference":{"tableId":"t055"},"schema":{"fields":[{"name":"n","type":"INTEGER"}]}}')" = 200 ]
	[ "$(api GET "/datasets/d1/tables?maxResults=5&pageToken=$tok")" = 200 ]
	[ "$(b -c '[[.tables[].tableReference.tableId], .totalItems]')" = '[["t055","t06","t07","t08","t09"],13]' ]
	# a last page has no nextPageToken; a token of another list, or a bad maxResults, is 400
	[ "$(api GET '/datasets/d1/tables?maxResults=20')" = 200 ]
	[ "$(b '[(.tables | length), .nextPageToken]')" = '[13,null]' ]
	[ "$(api GET "/datasets/d2/tables?pageToken=$tok")" = 400 ]
	[ "$(api GET '/datasets/d1/tables?maxResults=-1')" = 400 ]
	# datasets: no totalItems
	: >"$BATS_TEST_TMPDIR/pages"
	all_pages /datasets 'maxResults=4' .datasets .datasetReference.datasetId
	[ "$(paste -sd, "$BATS_TEST_TMPDIR/pages")" = d1,d2,d3,d4,d5,d6 ]
	[ "$(api GET /datasets)" = 200 ]
	[ "$(b '[(.datasets | length), .totalItems, (.nextPageToken != null)]')" = '[4,null,true]' ]
	# jobs: newest first
	for i in 1 2 3 4 5 6; do [ "$(sql "SELECT $i" '[]' "{\"requestId\":\"q$i\"}")" = 200 ]; done
	: >"$BATS_TEST_TMPDIR/pages"
	all_pages '/jobs?stateFilter=done' 'maxResults=4' .jobs .jobReference.jobId
	jq -rs '[.[] | select(.requestId) | .jobId] | reverse | .[]' "$BATS_TEST_TMPDIR/bq.log" >"$BATS_TEST_TMPDIR/want"
	diff "$BATS_TEST_TMPDIR/want" "$BATS_TEST_TMPDIR/pages"
	[ "$(api GET '/jobs?maxResults=2')" = 200 ]
	[ "$(b '[(.jobs | length), .jobs[0].state, (.nextPageToken != null)]')" = '[2,"DONE",true]' ]
	[ "$(api GET '/jobs?stateFilter=running')" = 200 ]
	[ "$(b '.jobs | length')" = 0 ]
}

@test "client: Google's Node client (@google-cloud/bigquery) runs dataset, table, load, parameterized queries, a transaction and paging unchanged" {
	start_bqemu --strict-auth
	[ -f "$BQEMU_DIR/node_modules/@google-cloud/bigquery/package.json" ] || skip "@google-cloud/bigquery is not installed (tests/bqemu/setup)"
	printf '%s\n' '{"game_date":"2024-01-01","player":"a","points":10,"minutes":30.5}' \
		'{"game_date":"2024-01-02","player":"a","points":5,"minutes":12}' \
		'{"game_date":"2024-01-02","player":"b","points":7}' \
		'{"game_date":"2024-01-03","player":"b","points":1}' >"$BATS_TEST_TMPDIR/games.ndjson"
	# credentials as on a Compute Engine VM: the metadata server is the emulator
	GCE_METADATA_HOST="127.0.0.1:$BQ_PORT" METADATA_SERVER_DETECTION=assume-present \
		run -0 --separate-stderr node "$BQEMU_DIR/client-check.js" "$BQ_URL" "$BQ_PROJECT" "$BATS_TEST_TMPDIR/games.ndjson"
	[ "$stderr" = '' ]
	[ "$output" = 'dataset: client_ds
table: games game_date DATE,STRING,INTEGER,FLOAT
load: DONE 4 rows
query: a=15/30.5 b=7/null
positional: [{"n":42,"s":"x"}]
transaction: [{"n":3,"pts":110}]
paged: 1,10,99 in 3 pages
tables: extra_a,extra_b,games in 2 pages' ]
	# what it sent: a metadata token, then every call with it; the load as a multipart upload
	run -0 jq -sc '[.[] | .api] | unique' "$BATS_TEST_TMPDIR/bq.log"
	[ "$output" = '["datasets.insert","jobs.get","jobs.getQueryResults","jobs.insert","jobs.insert(upload)","jobs.query","metadata","tables.get","tables.insert","tables.list"]' ]
	[ "$(jq -sc '[.[] | select(.api != "metadata") | [.status, .token]] | unique | length' "$BATS_TEST_TMPDIR/bq.log")" = 1 ]
	[ "$(jq -sc '[.[] | select(.api == "jobs.insert(upload)") | .query]' "$BATS_TEST_TMPDIR/bq.log")" = '[["uploadType"]]' ]
}

@test "uploads: a resumable load upload in chunks (308 with the bytes kept, a status query, a chunk resent), then the job" {
	start_bqemu
	make_pgs_table
	for d in 1 2 3 4 5 6 7 8 9; do printf '{"game_date":"2024-01-0%s","player_lookup":"r","points":%s}\n' "$d" "$d"; done >"$BATS_TEST_TMPDIR/r.ndjson"
	size=$(stat -c %s "$BATS_TEST_TMPDIR/r.ndjson")
	meta='{"jobReference":{"jobId":"res1","location":"US"},"configuration":{"load":{"sourceFormat":"NEWLINE_DELIMITED_JSON",
		"destinationTable":{"projectId":"pgs-test","datasetId":"nba","tableId":"pgs"},"writeDisposition":"WRITE_APPEND"}}}'
	run -0 curl -sS -D - -o /dev/null -H "Authorization: Bearer $BQ_TOKEN" -H 'Content-Type: application/json' \
		--data-binary "$meta" "$BQ_URL/upload/bigquery/v2/projects/$BQ_PROJECT/jobs?uploadType=resumable"
	assert_line --index 0 --partial ' 200 '
	loc=$(sed -n 's/^Location: \(.*\)\r$/\1/p' <<<"$output")
	[[ $loc == "$BQ_URL/upload/bigquery/v2/projects/$BQ_PROJECT/jobs?uploadType=resumable&upload_id="* ]]
	head -c 100 "$BATS_TEST_TMPDIR/r.ndjson" >"$BATS_TEST_TMPDIR/c1"
	tail -c +101 "$BATS_TEST_TMPDIR/r.ndjson" >"$BATS_TEST_TMPDIR/c2"
	put() { # CONTENT-RANGE FILE
		curl -sS -D "$BATS_TEST_TMPDIR/h" -o "$BQ_BODY" -w '%{http_code}' -X PUT -H "Authorization: Bearer $BQ_TOKEN" \
			-H "Content-Range: $1" --data-binary @"$2" "$loc"
	}
	[ "$(put 'bytes 0-99/*' "$BATS_TEST_TMPDIR/c1")" = 308 ]
	grep -q '^Range: bytes=0-99' "$BATS_TEST_TMPDIR/h"
	# a chunk that does not continue where the upload is: 308 with what was kept
	[ "$(put "bytes 150-$((size - 1))/$size" <(tail -c +151 "$BATS_TEST_TMPDIR/r.ndjson"))" = 308 ]
	grep -q '^Range: bytes=0-99' "$BATS_TEST_TMPDIR/h"
	[ "$(put 'bytes */*' /dev/null)" = 308 ]
	[ "$(put "bytes 100-$((size - 1))/$size" "$BATS_TEST_TMPDIR/c2")" = 200 ]
	[ "$(b '[.jobReference.jobId, .configuration.jobType]')" = '["res1","LOAD"]' ]
	wait_job res1
	[ "$(b '[.status.errorResult, .statistics.load.outputRows]')" = '[null,"9"]' ]
	[ "$(count '`pgs-test.nba.pgs` WHERE player_lookup = "r"')" = 9 ]
}

# Two rows of player_game_summary for each player 1..10 of one five-day window (FROM, a YYYY-MM prefix).
pgs_rows() {
	jq -cn --arg m "$1" 'range(1; 11) as $i | ($i % 5 + 1) as $d |
	    {player_lookup: "player\($i)", universal_player_id: "player\($i)_001", player_full_name: "Player \($i)",
	     game_id: "\($m | gsub("-"; ""))0\($d)_BOS_NYK", game_date: "\($m)-0\($d)", season_year: 2023,
	     game_type: "regular", team_abbr: "NYK", opponent_team_abbr: "BOS", home_game: true, points: 10,
	     minutes_played: 30.5, seconds_played: 1830, is_active: true, player_status: "active",
	     sources_seen: ["bbref"], quality_issues: [], processed_at: "2023-11-14T22:13:20Z"}'
	printf '{"pgs_end":{"tool":"test","rows":10}}\n'
}

@test "pgs: two pgs-write of one empty window at once land its rows once, one commit after the other, each in the ledger" {
	command -v pgs-write >/dev/null || skip "pgs-write is not built (make)"
	start_bqemu --latency-ms 1500
	export PGS_BQ_ENDPOINT=$BQ_URL PGS_BQ_TOKEN=$BQ_TOKEN PGS_STORE=bigquery://pgs-test/race
	pgs_rows 2023-10 >a.m
	pgs_rows 2023-11 >b.m
	run -0 --separate-stderr pgs-write --from 2023-10-01 --to 2023-10-05 a.m
	pgs-write -v --from 2023-11-01 --to 2023-11-05 b.m >o1 2>e1 &
	p1=$!
	pgs-write -v --from 2023-11-01 --to 2023-11-05 b.m >o2 2>e2 &
	p2=$!
	wait $p1
	wait $p2
	# both inserted nothing yet when they inspected, both committed: serialized, the rows once
	[ "$(count '`pgs-test.race.player_game_summary` WHERE game_date >= "2023-11-01"')" = 10 ]
	[ "$(count '`pgs-test.race.pgs_windows` WHERE from_date = "2023-11-01"')" = 2 ]
	# the one that committed second lost a race and inspected again
	cat e1 e2 | grep -q 'changed under the write'
}
