#!/usr/bin/env bats
# shellcheck disable=SC2016 # backticks in single quotes are BigQuery names, not shell
# tests/bqemu/bqemu, the BigQuery REST emulator the BigQuery store is tested
# against, and tests/bqemu/faultproxy: driven over loopback with curl + jq.
# Each test starts its own emulator (about 0.3 s) and stops it in teardown.
# Skips when node or the npm packages are missing (tests/bqemu/setup).

load test_helper
load bqemu/test_helper

GOLDEN="$PGS_ROOT/tests/bqemu/golden"
SCHEMA='[{"name":"game_date","type":"DATE","mode":"REQUIRED"},{"name":"player_lookup","type":"STRING","mode":"REQUIRED"},
	{"name":"points","type":"INT64"},{"name":"minutes","type":"FLOAT64"},{"name":"starter","type":"BOOL"},
	{"name":"processed_at","type":"TIMESTAMP"},{"name":"tags","type":"STRING","mode":"REPEATED"}]'

setup() {
	common_setup
}

teardown() {
	stop_bqemu
}

# Six days x two players (a, b): points = day number (a) or 10 x day (b).
seed_six_days() {
	local d
	: >"$BATS_TEST_TMPDIR/six.ndjson"
	for d in 1 2 3 4 5 6; do
		printf '{"game_date":"2024-01-0%s","player_lookup":"a","points":%s,"tags":["x"]}\n' "$d" "$d"
		printf '{"game_date":"2024-01-0%s","player_lookup":"b","points":%s}\n' "$d" "$((d * 10))"
	done >"$BATS_TEST_TMPDIR/six.ndjson"
	[ "$(load seed1 pgs WRITE_APPEND "$SCHEMA" "$BATS_TEST_TMPDIR/six.ndjson")" = 200 ] && wait_job seed1
}

@test "bqemu: --help prints the usage; a bad option or no --port exits 2" {
	bqemu_ready || skip "the BigQuery emulator needs node and its npm packages"
	run -0 --separate-stderr "$BQEMU_DIR/bqemu" --help
	assert_line --index 0 --partial 'Usage: bqemu --port PORT'
	[ -z "$stderr" ]
	run -2 --separate-stderr "$BQEMU_DIR/bqemu" --port 0 --bogus
	[ "$output" = "" ]
	[[ $stderr == "bqemu: unknown option '--bogus'"* ]]
	run -2 --separate-stderr "$BQEMU_DIR/bqemu"
	[[ $stderr == "bqemu: option '--port' is required"* ]]
	run -2 --separate-stderr "$BQEMU_DIR/faultproxy" --listen 0
	[[ $stderr == *"'--listen' and '--upstream' are required"* ]]
}

@test "bqemu: every API call needs a bearer token (401 in BigQuery's error shape)" {
	start_bqemu
	run -0 curl -sS -w '\n%{http_code}' "$BQ_API/datasets"
	assert_line --index 1 401
	[ "$(jq -c '.error | [.code, .status, .errors[0].reason, .errors[0].location]' <<<"${lines[0]}")" = '[401,"UNAUTHENTICATED","required","Authorization"]' ]
	run -0 curl -sS -o /dev/null -w '%{http_code}' -H 'Authorization: Bearer ' "$BQ_URL/upload/bigquery/v2/projects/p/jobs"
	[ "$output" = 401 ]
	[ "$(api GET /datasets)" = 200 ]
	[ "$(b .kind)" = '"bigquery#datasetList"' ]
}

@test "bqemu: datasets and tables: create, 409 on a duplicate, partitioning and clustering kept, bad PARTITION BY refused" {
	start_bqemu
	[ "$(api POST /datasets '{"datasetReference":{"datasetId":"nba"},"location":"US"}')" = 200 ]
	[ "$(b .id)" = '"pgs-test:nba"' ]
	[ "$(api POST /datasets '{"datasetReference":{"datasetId":"nba"}}')" = 409 ]
	[ "$(b '.error.errors[0].reason')" = '"duplicate"' ]
	[ "$(b .error.message)" = '"Already Exists: Dataset pgs-test:nba"' ]
	exp=$(($(date +%s) * 1000 + 3600000))
	[ "$(api POST /datasets/nba/tables "$(jq -nc --argjson f "$SCHEMA" --arg e "$exp" '{tableReference: {tableId: "stage"},
		schema: {fields: $f}, expirationTime: $e, timePartitioning: {type: "DAY", field: "game_date"}, clustering: {fields: ["player_lookup"]}}')")" = 200 ]
	[ "$(api GET /datasets/nba/tables/stage)" = 200 ]
	[ "$(b '[.expirationTime, .timePartitioning.field, .clustering.fields[0], .numRows, .schema.fields[2].type, .schema.fields[6].mode]')" = "[\"$exp\",\"game_date\",\"player_lookup\",\"0\",\"INTEGER\",\"REPEATED\"]" ]
	make_pgs_table
	[ "$(api GET /datasets/nba/tables/pgs)" = 200 ]
	[ "$(b '[.timePartitioning, .clustering, .description, .schema.fields[0].mode]')" = '[{"type":"MONTH","field":"game_date"},{"fields":["player_lookup"]},"test table","REQUIRED"]' ]
	[ "$(api GET /datasets/nba/tables)" = 200 ]
	[ "$(b '[.tables[].tableReference.tableId] | sort')" = '["pgs","stage"]' ]
	[ "$(sql 'CREATE TABLE nba.bad (n INT64) PARTITION BY n')" = 400 ]
	[ "$(b '.error.errors[0].reason')" = '"invalidQuery"' ]
	[[ $(b .error.message) == '"PARTITION BY expression must be'* ]]
	[ "$(api DELETE /datasets/nba/tables/stage)" = 204 ]
	[ "$(api GET /datasets/nba/tables/stage)" = 404 ]
	[ "$(b .error.message)" = '"Not found: Table pgs-test:nba.stage"' ]
}

@test "bqemu: a multipart load job, then a query reads it back as f/v rows of strings" {
	start_bqemu
	make_pgs_table
	cat >"$BATS_TEST_TMPDIR/rows.ndjson" <<-'EOF'
		{"game_date":"2024-01-02","player_lookup":"a","points":5,"minutes":0.5,"starter":true,"processed_at":"2024-01-01 00:00:00.5 UTC","tags":["x","y"]}
		{"game_date":"2024-01-03","player_lookup":"b","points":"12","minutes":30,"starter":false,"processed_at":"2024-01-03T12:00:00Z","tags":[]}
		{"game_date":"2024-01-04","player_lookup":"c","points":null,"minutes":null,"starter":null,"processed_at":null,"tags":null}
	EOF
	[ "$(load load1 pgs WRITE_APPEND "$SCHEMA" "$BATS_TEST_TMPDIR/rows.ndjson")" = 200 ]
	[ "$(b .jobReference)" = '{"projectId":"pgs-test","jobId":"load1","location":"US"}' ]
	wait_job load1
	[ "$(b '[.status.errorResult, .statistics.load.outputRows, .configuration.jobType]')" = '[null,"3","LOAD"]' ]
	[ "$(sql 'SELECT * FROM `pgs-test.nba.pgs` ORDER BY game_date')" = 200 ]
	[ "$(b '[.jobComplete, .totalRows, [.schema.fields[] | .type]]')" = '[true,"3",["DATE","STRING","INTEGER","FLOAT","BOOLEAN","TIMESTAMP","STRING"]]' ]
	diff <(jq '.rows' "$BQ_BODY") "$GOLDEN/readback.json"
	# formatOptions.useInt64Timestamp gives microseconds instead
	[ "$(sql 'SELECT processed_at FROM nba.pgs WHERE player_lookup = "a"' '[]' '{"formatOptions":{"useInt64Timestamp":true}}')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"1704067200500000"' ]
}

@test "bqemu: a load with one bad row fails the job with errorResult and loads nothing" {
	start_bqemu
	make_pgs_table
	printf '%s\n' '{"game_date":"2024-01-02","player_lookup":"a","points":5}' \
		'{"game_date":"2024-01-03","player_lookup":"b","points":"twelve"}' >"$BATS_TEST_TMPDIR/bad.ndjson"
	[ "$(load bad1 pgs WRITE_APPEND "$SCHEMA" "$BATS_TEST_TMPDIR/bad.ndjson")" = 200 ]
	wait_job bad1
	[ "$(b .status.errorResult.reason)" = '"invalid"' ]
	[[ $(b .status.errorResult.message) == *"JSON table encountered too many errors"* ]]
	[[ $(b '.status.errors[1].message') == *"row starting at position 58"*"Field: points; Value: twelve"* ]]
	printf '%s\n' '{"game_date":"2024-01-02","player_lookup":"a","nope":1}' >"$BATS_TEST_TMPDIR/unknown.ndjson"
	[ "$(load bad2 pgs WRITE_APPEND "$SCHEMA" "$BATS_TEST_TMPDIR/unknown.ndjson")" = 200 ]
	wait_job bad2
	[[ $(b '.status.errors[1].message') == *"No such field: nope."* ]]
	[ "$(api GET /datasets/nba/tables/pgs)" = 200 ]
	[ "$(b .numRows)" = '"0"' ]
}

@test "bqemu: getQueryResults and tabledata.list page by pageToken, every row once, in order" {
	start_bqemu
	make_pgs_table
	seed_six_days
	[ "$(sql 'SELECT game_date, player_lookup, points FROM nba.pgs ORDER BY points' '[]' '{"maxResults":5}')" = 200 ]
	[ "$(b '[.totalRows, (.rows | length), (.pageToken != null)]')" = '["12",5,true]' ]
	job=$(b -r .jobReference.jobId)
	b '[.rows[].f[2].v]' >"$BATS_TEST_TMPDIR/pages"
	tok=$(b -r .pageToken)
	while [ "$tok" != null ]; do
		[ "$(api GET "/queries/$job?location=US&maxResults=5&pageToken=$tok")" = 200 ]
		[ "$(b .kind)" = '"bigquery#getQueryResultsResponse"' ]
		b '[.rows[].f[2].v]' >>"$BATS_TEST_TMPDIR/pages"
		tok=$(b -r .pageToken)
	done
	[ "$(jq -sc 'add' "$BATS_TEST_TMPDIR/pages")" = '["1","2","3","4","5","6","10","20","30","40","50","60"]' ]
	[ "$(api GET "/queries/$job?location=US&pageToken=bogus")" = 400 ]
	: >"$BATS_TEST_TMPDIR/tpages"
	tok=
	for _ in 1 2 3 4 5; do
		[ "$(api GET "/datasets/nba/tables/pgs/data?maxResults=4${tok:+&pageToken=$tok}")" = 200 ]
		b '[.rows[].f[2].v]' >>"$BATS_TEST_TMPDIR/tpages"
		tok=$(b -r '.pageToken // empty')
		[ -n "$tok" ] || break
	done
	[ "$(jq -sc 'add | map(tonumber) | sort' "$BATS_TEST_TMPDIR/tpages")" = '[1,2,3,4,5,6,10,20,30,40,50,60]' ]
}

@test "bqemu: MERGE ... WHEN NOT MATCHED BY SOURCE AND date BETWEEN in a transaction replaces exactly the window" {
	start_bqemu
	make_pgs_table
	seed_six_days
	[ "$(sql 'CREATE TABLE nba.ledger (lo DATE, hi DATE, changed INT64)')" = 200 ]
	# the new window 01-02..01-04: a unchanged, b changed on 01-03, b gone on 01-04, c new on 01-02
	printf '%s\n' '{"game_date":"2024-01-02","player_lookup":"a","points":2,"tags":["x"]}' \
		'{"game_date":"2024-01-02","player_lookup":"b","points":20}' \
		'{"game_date":"2024-01-02","player_lookup":"c","points":7}' \
		'{"game_date":"2024-01-03","player_lookup":"a","points":3,"tags":["x"]}' \
		'{"game_date":"2024-01-03","player_lookup":"b","points":33}' \
		'{"game_date":"2024-01-04","player_lookup":"a","points":4,"tags":["x"]}' >"$BATS_TEST_TMPDIR/window.ndjson"
	[ "$(load stage1 stage WRITE_TRUNCATE "$SCHEMA" "$BATS_TEST_TMPDIR/window.ndjson")" = 200 ]
	wait_job stage1
	script='BEGIN TRANSACTION;
		MERGE `pgs-test.nba.pgs` T USING `pgs-test.nba.stage` S
		ON T.game_date = S.game_date AND T.player_lookup = S.player_lookup
		WHEN MATCHED AND T.points IS DISTINCT FROM S.points THEN UPDATE SET points = S.points
		WHEN NOT MATCHED BY TARGET THEN INSERT ROW
		WHEN NOT MATCHED BY SOURCE AND T.game_date BETWEEN @lo AND @hi THEN DELETE;
		INSERT INTO `pgs-test.nba.ledger` (lo, hi, changed) VALUES (@lo, @hi, @@row_count);
		COMMIT TRANSACTION;'
	params="[$(param lo DATE 2024-01-02),$(param hi DATE 2024-01-04)]"
	[ "$(sql "$script" "$params")" = 200 ]
	[ "$(b .dmlStats)" = '{"insertedRowCount":"2","deletedRowCount":"1","updatedRowCount":"1"}' ]
	[ "$(sql 'SELECT FORMAT_DATE("%m-%d", game_date) AS d, player_lookup, points FROM nba.pgs ORDER BY game_date, player_lookup')" = 200 ]
	[ "$(b '[.rows[] | [.f[].v] | join(" ")]')" = '["01-01 a 1","01-01 b 10","01-02 a 2","01-02 b 20","01-02 c 7","01-03 a 3","01-03 b 33","01-04 a 4","01-05 a 5","01-05 b 50","01-06 a 6","01-06 b 60"]' ]
	[ "$(sql 'SELECT lo, hi, changed FROM nba.ledger')" = 200 ]
	[ "$(b '[.rows[0].f[].v]')" = '["2024-01-02","2024-01-04","3"]' ]
	# a MERGE whose source matches a target row twice is refused, as BigQuery does
	[ "$(sql 'MERGE nba.pgs T USING (SELECT * FROM nba.stage UNION ALL SELECT * FROM nba.stage) S
		ON T.game_date = S.game_date AND T.player_lookup = S.player_lookup WHEN MATCHED THEN DELETE')" = 400 ]
	[ "$(b .error.message)" = '"UPDATE/MERGE must match at most one source row for each target row"' ]
}

@test "bqemu: RAISE inside a transaction fails the job with its message and rolls everything back" {
	start_bqemu
	make_pgs_table
	seed_six_days
	script='DECLARE n INT64 DEFAULT 0;
		BEGIN TRANSACTION;
		DELETE FROM nba.pgs WHERE game_date BETWEEN "2024-01-01" AND "2024-01-06";
		SET n = @@row_count;
		IF n > @limit THEN
			RAISE USING MESSAGE = "pgs: shrink guard: " || CAST(n AS STRING) || " rows";
		END IF;
		COMMIT TRANSACTION;'
	[ "$(sql "$script" "[$(param limit INT64 5)]")" = 400 ]
	[ "$(b '[.error.code, .error.status, .error.errors[0].reason, .error.message]')" = '[400,"INVALID_ARGUMENT","invalidQuery","pgs: shrink guard: 12 rows"]' ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"12"' ]
	# the same script under the limit commits
	[ "$(sql "$script" "[$(param limit INT64 100)]")" = 200 ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"0"' ]
}

@test "bqemu: jobs.insert with a client jobId: 409 duplicate on a repeat, jobs.get carries dmlStats" {
	start_bqemu
	make_pgs_table
	job='{"jobReference":{"projectId":"pgs-test","jobId":"pgs_w_1","location":"US"},"configuration":{"query":{
		"query":"INSERT INTO nba.pgs (game_date, player_lookup, points) VALUES (\"2024-01-01\", \"a\", 1)","useLegacySql":false}}}'
	[ "$(api POST /jobs "$job")" = 200 ]
	[ "$(b .id)" = '"pgs-test:US.pgs_w_1"' ]
	[ "$(api POST /jobs "$job")" = 409 ]
	[ "$(b '[.error.errors[0].reason, .error.message, .error.status]')" = '["duplicate","Already Exists: Job pgs-test:US.pgs_w_1","ALREADY_EXISTS"]' ]
	wait_job pgs_w_1
	[ "$(b '[.status.state, .statistics.query.statementType, .statistics.query.dmlStats.insertedRowCount]')" = '["DONE","INSERT","1"]' ]
	[ "$(api GET '/jobs/pgs_w_1?location=EU')" = 404 ]
	[ "$(api GET '/jobs/pgs_w_1')" = 200 ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"1"' ]
}

@test "bqemu: a repeated requestId is answered with the first result and runs once" {
	start_bqemu
	make_pgs_table
	ins='INSERT INTO nba.pgs (game_date, player_lookup, points) VALUES ("2024-01-01", "a", 1)'
	[ "$(sql "$ins" '[]' '{"requestId":"req-42"}')" = 200 ]
	first=$(b .jobReference.jobId)
	[ "$(sql "$ins" '[]' '{"requestId":"req-42"}')" = 200 ]
	[ "$(b .jobReference.jobId)" = "$first" ]
	[ "$(sql "$ins" '[]' '{"requestId":"req-43"}')" = 200 ]
	[ "$(b .jobReference.jobId)" != "$first" ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"2"' ]
	[ "$(jq -sc '[.[] | select(.requestId == "req-42") | .replayed // false]' "$BATS_TEST_TMPDIR/bq.log")" = '[false,true]' ]
}

@test "bqemu: injected 503 and 429 (flag and control call), with Retry-After" {
	start_bqemu --fail-next 503:1:/datasets
	[ "$(api GET /datasets)" = 503 ]
	[ "$(b '[.error.status, .error.errors[0].reason]')" = '["UNAVAILABLE","backendError"]' ]
	[ "$(api GET /datasets)" = 200 ]
	[ "$(emu config '{"failNext":[{"status":429,"count":2,"retryAfter":3,"path":"/queries"}]}')" = 200 ]
	run -0 curl -sS -i -H "Authorization: Bearer $BQ_TOKEN" "$BQ_API/queries" -d "$(query_body 'SELECT 1')"
	assert_line --index 0 --partial ' 429 '
	assert_line --regexp '^Retry-After: 3'
	[ "$(sql 'SELECT 1')" = 429 ]
	[ "$(sql 'SELECT 1')" = 200 ]
	# a seeded rate: about a third of 30 requests fail, the same ones for the same seed
	[ "$(emu config '{"seed":7,"failRate":{"fraction":0.33,"statuses":[500,503]}}')" = 200 ]
	for _ in $(seq 30); do api GET /datasets; echo; done >"$BATS_TEST_TMPDIR/codes1"
	[ "$(emu config '{"seed":7}')" = 200 ]
	for _ in $(seq 30); do api GET /datasets; echo; done >"$BATS_TEST_TMPDIR/codes2"
	diff "$BATS_TEST_TMPDIR/codes1" "$BATS_TEST_TMPDIR/codes2"
	fails=$(grep -cE '^50[03]$' "$BATS_TEST_TMPDIR/codes1")
	[ "$fails" -ge 4 ] && [ "$fails" -le 18 ]
}

@test "bqemu: jobs stay jobComplete:false / RUNNING for the injected number of polls" {
	start_bqemu --pending-polls 2
	[ "$(sql 'SELECT 7 AS x')" = 200 ]
	[ "$(b '[.jobComplete, .rows]')" = '[false,null]' ]
	job=$(b -r .jobReference.jobId)
	[ "$(api GET "/jobs/$job?location=US")" = 200 ]
	[ "$(b .status.state)" = '"RUNNING"' ]
	[ "$(api GET "/queries/$job?location=US")" = 200 ]
	[ "$(b '[.jobComplete, .rows[0].f[0].v]')" = '[true,"7"]' ]
	[ "$(api GET "/jobs/$job?location=US")" = 200 ]
	[ "$(b .status.state)" = '"DONE"' ]
	# timeoutMs shorter than the job's latency also answers jobComplete:false
	[ "$(emu config '{"pendingPolls":0,"latencyMs":600}')" = 200 ]
	[ "$(sql 'SELECT 8' '[]' '{"timeoutMs":50}')" = 200 ]
	[ "$(b .jobComplete)" = false ]
	job=$(b -r .jobReference.jobId)
	[ "$(api GET "/queries/$job?location=US&timeoutMs=5000")" = 200 ]
	[ "$(b '[.jobComplete, .rows[0].f[0].v]')" = '[true,"8"]' ]
}

@test "bqemu: two overlapping transactions on one table: one gets BigQuery's serialization error" {
	start_bqemu --latency-ms 800
	pids=()
	make_pgs_table
	seed_six_days
	for p in a b; do
		query_body "BEGIN TRANSACTION; UPDATE nba.pgs SET points = points + 1000 WHERE player_lookup = '$p'; COMMIT TRANSACTION;" >"$BATS_TEST_TMPDIR/tx.$p"
		curl -sS -o "$BATS_TEST_TMPDIR/out.$p" -H "Authorization: Bearer $BQ_TOKEN" -H 'Content-Type: application/json' \
			--data-binary @"$BATS_TEST_TMPDIR/tx.$p" "$BQ_API/queries" &
		pids+=($!)
	done
	wait "${pids[@]}"
	cat "$BATS_TEST_TMPDIR/out.a" "$BATS_TEST_TMPDIR/out.b" >"$BQ_BODY"
	run -0 jq -sc '[.[] | .error.message // "ok"] | sort' "$BQ_BODY"
	[ "$output" = '["Could not serialize access to table pgs-test:nba.pgs due to concurrent update","ok"]' ]
	[ "$(jq -sc '[.[] | .error.errors[0].reason // empty]' "$BQ_BODY")" = '["invalidQuery"]' ]
	winner=a
	jq -e .error "$BATS_TEST_TMPDIR/out.a" >/dev/null && winner=b
	[ "$(sql 'SELECT player_lookup, COUNTIF(points > 1000) FROM nba.pgs GROUP BY player_lookup ORDER BY 1')" = 200 ]
	if [ "$winner" = a ]; then want='["a 6","b 0"]'; else want='["a 0","b 6"]'; fi
	[ "$(b '[.rows[] | [.f[].v] | join(" ")]')" = "$want" ]
}

@test "bqemu: at most 2 mutating DML per table run, 20 queue, the next fails (limits lowered here to 1 and 1)" {
	start_bqemu --latency-ms 600 --dml-running 1 --dml-queue 1
	pids=()
	make_pgs_table
	seed_six_days
	for i in 1 2 3; do
		query_body "UPDATE nba.pgs SET points = $i WHERE player_lookup = 'a'" >"$BATS_TEST_TMPDIR/u.$i"
		curl -sS -o "$BATS_TEST_TMPDIR/u.$i.out" -H "Authorization: Bearer $BQ_TOKEN" -H 'Content-Type: application/json' \
			--data-binary @"$BATS_TEST_TMPDIR/u.$i" "$BQ_API/queries" &
		pids+=($!)
		sleep 0.1
	done
	wait "${pids[@]}"
	run -0 jq -sc '[.[] | .numDmlAffectedRows // .error.message] | sort' "$BATS_TEST_TMPDIR"/u.{1,2,3}.out
	[ "$output" = '["6","6","Resources exceeded during query execution: Too many DML statements outstanding against table pgs-test:nba.pgs, limit is 1."]' ]
}

@test "bqemu: --latency-ms is per job, so parallel jobs overlap and serial ones follow each other" {
	start_bqemu --latency-ms 400
	for i in 1 2 3 4; do [ "$(sql "SELECT $i")" = 200 ]; done
	# serial: each took its latency (the emulator's own times) and began after the one before ended
	curl -sS "$BQ_URL/_emu/jobs" | jq -e '[.jobs[] | select(.statementType == "SELECT")] | sort_by(.creationTime)
	    | length == 4 and all(.[]; (.endTime | tonumber) - (.startTime | tonumber) >= 400)
	    and ([range(1; length) as $i | (.[$i].startTime | tonumber) >= (.[$i - 1].endTime | tonumber)] | all)' >/dev/null
	curl -sS -X POST "$BQ_URL/_emu/reset" -d '{"data":true}' >/dev/null
	curl -sS -X POST "$BQ_URL/_emu/config" -d '{"latencyMs":400}' >/dev/null
	for i in 1 2 3 4; do sql_bg "par$i" "SELECT $i"; done
	wait "${BG_PIDS[@]}"
	[ "$(jq -sc '[.[] | .rows[0].f[0].v] | sort' "$BATS_TEST_TMPDIR"/par*.out)" = '["1","2","3","4"]' ]
	# parallel: every job ran while all the others did
	jobs_overlapped SELECT
}

@test "bqemu: the request log has one NDJSON line per request; insertAll is logged as such" {
	start_bqemu
	make_pgs_table
	seed_six_days
	[ "$(api GET '/datasets/nba/tables/pgs/data?maxResults=1')" = 200 ]
	[ "$(jq -sc '[.[] | select(.kind == "insertAll")] | length' "$BATS_TEST_TMPDIR/bq.log")" = 0 ]
	[ "$(api POST /datasets/nba/tables/pgs/insertAll '{"rows":[{"insertId":"i1","json":{"game_date":"2024-02-01","player_lookup":"z","points":1}}]}')" = 200 ]
	[ "$(b .insertErrors)" = null ]
	# jobs.get: as many polls as wait_job needed
	run -0 jq -sc 'map(select(.api != "jobs.get") | [.method, .api, .kind, .status, .query])' "$BATS_TEST_TMPDIR/bq.log"
	[ "$output" = '[["POST","jobs.query","CREATE_SCHEMA",200,[]],["POST","jobs.query","CREATE_TABLE",200,[]],["POST","jobs.insert(upload)","LOAD",200,["uploadType"]],["GET","tabledata.list",null,200,["maxResults"]],["POST","tabledata.insertAll","insertAll",200,[]]]' ]
	[ "$(jq -sc '[.[] | select(.api == "jobs.get") | [.jobId, .query, .status]] | unique' "$BATS_TEST_TMPDIR/bq.log")" = '[["seed1",["location"],200]]' ]
	[ "$(jq -sc '[.[] | select(.api == "jobs.query") | .jobId | test("^job_")] | all' "$BATS_TEST_TMPDIR/bq.log")" = true ]
	logged=$(wc -l <"$BATS_TEST_TMPDIR/bq.log")
	run -0 curl -sS "$BQ_URL/_emu/requests"
	[ "$(jq '.requests | length' <<<"$output")" = "$logged" ]
	# streamed rows sit in the streaming buffer: DML on the table is refused, as in BigQuery
	[ "$(sql 'DELETE FROM nba.pgs WHERE player_lookup = "z"')" = 400 ]
	[[ $(b .error.message) == *"would affect rows in the streaming buffer, which is not supported"* ]]
}

@test "faultproxy: 503/429 with Retry-After, a drop the upstream never sees, a cut after the upstream acted" {
	start_bqemu
	make_pgs_table
	start_proxy '503,429:2,drop,cut,pass' --match '^POST .*/queries$'
	ins=$(query_body 'INSERT INTO nba.pgs (game_date, player_lookup, points) VALUES ("2024-01-01", "a", 1)' '[]' '{"requestId":"once"}')
	via() {
		curl -sS -o "$BQ_BODY" -D "$BATS_TEST_TMPDIR/headers" -w '%{http_code}' -H "Authorization: Bearer $BQ_TOKEN" \
			-H 'Content-Type: application/json' --data-binary "$ins" "$PROXY_URL/bigquery/v2/projects/pgs-test/queries"
	}
	run -0 via
	[ "$output" = 503 ]
	run -0 via
	[ "$output" = 429 ]
	grep -q '^Retry-After: 2' "$BATS_TEST_TMPDIR/headers"
	[ "$(jq -sc '[.[] | select(.api == "jobs.query")] | length' "$BATS_TEST_TMPDIR/bq.log")" = 2 ]
	run -52 via
	[ "$(jq -sc '[.[] | select(.api == "jobs.query")] | length' "$BATS_TEST_TMPDIR/bq.log")" = 2 ]
	run -52 via
	[ "$(jq -sc '[.[] | select(.api == "jobs.query")] | length' "$BATS_TEST_TMPDIR/bq.log")" = 3 ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"1"' ]
	# the client retries with the same requestId: answered, not run again
	run -0 via
	[ "$output" = 200 ]
	[ "$(b .numDmlAffectedRows)" = '"1"' ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"1"' ]
	run -0 curl -sS "$PROXY_URL/_proxy/log"
	[ "$(jq -c '[.requests[] | .action + ":" + (.upstreamStatus // 0 | tostring)]' <<<"$output")" = '["503:0","429:0","drop:0","cut:200","pass:200"]' ]
}

@test "bqemu: token endpoint (RS256 JWT against a trusted key, refresh token), metadata token, strict auth, expiry" {
	start_bqemu --strict-auth --refresh-client cid:csecret:rtoken
	node -e 'const c=require("crypto");const {privateKey,publicKey}=c.generateKeyPairSync("rsa",{modulusLength:2048});
		require("fs").writeFileSync(process.argv[1],privateKey.export({type:"pkcs8",format:"pem"}));
		require("fs").writeFileSync(process.argv[2],publicKey.export({type:"spki",format:"pem"}));' \
		"$BATS_TEST_TMPDIR/sa.pem" "$BATS_TEST_TMPDIR/sa.pub"
	[ "$(emu config "$(jq -nc --rawfile k "$BATS_TEST_TMPDIR/sa.pub" '{trustKeys: [{pem: $k, email: "sa@pgs-test.iam.gserviceaccount.com"}]}')")" = 200 ]
	jwt() { # AUD SCOPE KEYFILE
		node -e 'const c=require("crypto");const b=(o)=>Buffer.from(JSON.stringify(o)).toString("base64url");
			const t=Math.floor(Date.now()/1000);const u=b({alg:"RS256",typ:"JWT"})+"."+b({iss:"sa@pgs-test.iam.gserviceaccount.com",
			scope:process.argv[2],aud:process.argv[1],iat:t,exp:t+3600});
			console.log(u+"."+c.sign("RSA-SHA256",Buffer.from(u),require("fs").readFileSync(process.argv[3],"utf8")).toString("base64url"));' "$@"
	}
	[ "$(api GET /datasets)" = 401 ]
	[ "$(b '.error.errors[0].reason')" = '"authError"' ]
	run -0 curl -sS -w '\n%{http_code}' "$BQ_URL/token" -d grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer \
		-d "assertion=$(jwt "$BQ_URL/token" https://www.googleapis.com/auth/bigquery "$BATS_TEST_TMPDIR/sa.pem")"
	assert_line --index 1 200
	[ "$(jq -c '[.token_type, .expires_in, (.access_token | startswith("ya29."))]' <<<"${lines[0]}")" = '["Bearer",3599,true]' ]
	BQ_TOKEN=$(jq -r .access_token <<<"${lines[0]}")
	[ "$(api GET /datasets)" = 200 ]
	# a JWT signed by another key, or with the wrong audience or scope, gets no token
	node -e 'const c=require("crypto");require("fs").writeFileSync(process.argv[1],c.generateKeyPairSync("rsa",{modulusLength:2048}).privateKey.export({type:"pkcs8",format:"pem"}))' "$BATS_TEST_TMPDIR/other.pem"
	run -0 curl -sS "$BQ_URL/token" -d grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer \
		-d "assertion=$(jwt "$BQ_URL/token" https://www.googleapis.com/auth/bigquery "$BATS_TEST_TMPDIR/other.pem")"
	[ "$output" = '{"error":"invalid_grant","error_description":"Invalid JWT Signature."}' ]
	run -0 curl -sS "$BQ_URL/token" -d grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer \
		-d "assertion=$(jwt http://elsewhere/token https://www.googleapis.com/auth/bigquery "$BATS_TEST_TMPDIR/sa.pem")"
	[[ $output == *'"Invalid JWT: Failed audience check.'* ]]
	run -0 curl -sS "$BQ_URL/token" -d grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer \
		-d "assertion=$(jwt "$BQ_URL/token" https://www.googleapis.com/auth/drive "$BATS_TEST_TMPDIR/sa.pem")"
	[ "$(jq -r .error <<<"$output")" = invalid_scope ]
	# refresh_token grant with the configured client
	run -0 curl -sS "$BQ_URL/token" -d grant_type=refresh_token -d client_id=cid -d client_secret=csecret -d refresh_token=rtoken
	[ "$(jq -r .token_type <<<"$output")" = Bearer ]
	run -0 curl -sS -w ' %{http_code}' "$BQ_URL/token" -d grant_type=refresh_token -d client_id=cid -d client_secret=wrong -d refresh_token=rtoken
	[ "$output" = '{"error":"invalid_client","error_description":"Unauthorized"} 401' ]
	# metadata server: needs Metadata-Flavor: Google
	run -0 curl -sS -o /dev/null -w '%{http_code}' "$BQ_URL/computeMetadata/v1/instance/service-accounts/default/token"
	[ "$output" = 403 ]
	run -0 curl -sS -H 'Metadata-Flavor: Google' "$BQ_URL/computeMetadata/v1/instance/service-accounts/default/token"
	[ "$(jq -r .token_type <<<"$output")" = Bearer ]
	# an expired token: 401 from then on (the client must refresh)
	[ "$(emu expire-token "$(jq -nc --arg t "$BQ_TOKEN" '{token: $t}')")" = 200 ]
	[ "$(api GET /datasets)" = 401 ]
	# the request log keeps a fingerprint of the token, never the token
	run -1 grep -cF "$BQ_TOKEN" "$BATS_TEST_TMPDIR/bq.log"
}

@test "bqemu: the GoogleSQL subset translates and runs (functions, UNNEST, STRUCT, scripts)" {
	start_bqemu
	make_pgs_table
	seed_six_days
	q='DECLARE first DATE DEFAULT (SELECT MIN(game_date) FROM nba.pgs);
		DECLARE label STRING;
		SET label = IF(first = DATE "2024-01-01", "jan", "other");
		SELECT label, FORMAT_DATE("%Y-%m", DATE_TRUNC(game_date, MONTH)) AS m,
			COUNT(*) AS n, COUNTIF(points > 5) AS big, SUM(points) AS pts, MIN(points) AS lo, MAX(points) AS hi,
			IFNULL(MAX(minutes), -1) AS mins, COALESCE(NULL, "c") AS c,
			CASE WHEN SUM(points) > 100 THEN "many" ELSE "few" END AS size,
			ARRAY_LENGTH(ARRAY_AGG(DISTINCT player_lookup)) AS players,
			TO_JSON_STRING(STRUCT(1 AS one, "x" AS s)) AS js,
			SAFE_CAST("nope" AS INT64) AS sc, CAST("42" AS INT64) AS ci, CAST(2.5 AS INT64) AS rounded,
			UNIX_MICROS(TIMESTAMP_MICROS(1704067200000001)) AS us, DATE(TIMESTAMP "2024-03-04 23:59:59+00") AS d,
			EXISTS (SELECT 1 FROM UNNEST(@names) AS nm WHERE nm = "b") AS has_b,
			(SELECT COUNT(*) FROM nba.pgs WHERE player_lookup IN UNNEST(@names) AND game_date BETWEEN @lo AND @hi) AS window_rows,
			(SELECT STRING_AGG(x, "," ORDER BY o) FROM UNNEST(["p", "q"]) AS x WITH OFFSET o) AS agg,
			DATE_DIFF(DATE "2024-01-10", first, DAY) AS days, DATE_ADD(first, INTERVAL 1 MONTH) AS next_month,
			CURRENT_TIMESTAMP() > TIMESTAMP "2020-01-01" AS now_ok, GENERATE_DATE_ARRAY(first, DATE_ADD(first, INTERVAL 2 DAY))[OFFSET(2)] AS third
		FROM `pgs-test`.nba.pgs GROUP BY m'
	params="[$(param names ARRAY STRING a b),$(param lo DATE 2024-01-02),$(param hi DATE 2024-01-03)]"
	[ "$(sql "$q" "$params")" = 200 ]
	diff <(jq -c '[.schema.fields[] | .name + ":" + .type + ":" + .mode], [.rows[0].f[].v]' "$BQ_BODY") "$GOLDEN/functions.txt"
	# unsupported constructs fail with invalidQuery naming them
	[ "$(sql 'EXECUTE IMMEDIATE "SELECT 1"')" = 400 ]
	[ "$(b '[.error.errors[0].reason, .error.message]')" = '["invalidQuery","Unsupported by the BigQuery emulator: EXECUTE statement at [1:1]"]' ]
	[ "$(sql 'SELECT APPROX_QUANTILES(points, 2) FROM nba.pgs')" = 400 ]
	[ "$(b .error.message)" = '"Function not found: APPROX_QUANTILES at [1:8]"' ]
	[ "$(sql 'SELECT @nope')" = 400 ]
	[ "$(b .error.message)" = "\"Query parameter 'nope' not found at [1:8]\"" ]
	[ "$(sql 'SELECT 1' '[]' '{"useLegacySql":true}')" = 400 ]
	[ "$(sql 'SELECT * FROM pgs')" = 400 ]
	[ "$(b .error.message)" = '"Table \"pgs\" must be qualified with a dataset (e.g. dataset.table)."' ]
	[ "$(sql 'SELECT COUNT(*) FROM pgs' '[]' '{"defaultDataset":{"projectId":"pgs-test","datasetId":"nba"}}')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"12"' ]
}

# ------------------------------------------------------------ the referee (ZetaSQL)

@test "bqemu: the referee refuses a bare reserved keyword as a column with BigQuery's message, and nothing runs; backticks run" {
	start_bqemu --sql-log "$BATS_TEST_TMPDIR/sql.ndjson"
	make_pgs_table
	[ "$(sql 'CREATE TABLE nba.ledger (tbl STRING, `rows` INT64)')" = 200 ]
	# The INSERT before the bad statement does not run either: the whole script is parsed first.
	q='SELECT COUNT(*) FROM nba.ledger;
INSERT INTO nba.ledger (tbl, rows) VALUES ("a", 1);
SELECT tbl, `rows` FROM nba.ledger'
	[ "$(sql "$q")" = 400 ]
	[ "$(b '[.error.errors[0].reason, .error.message]')" = '["invalidQuery","Syntax error: Unexpected keyword ROWS at [2:30]"]' ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.ledger')" = 200 ]
	[ "$(b '.rows[0].f[0].v')" = '"0"' ]
	# jobs.insert: the job is DONE with the same errorResult.
	body=$(jq -nc --arg q 'INSERT INTO nba.ledger (tbl, rows) VALUES ("a", 1)' \
		'{jobReference: {jobId: "bad-rows", location: "US"}, configuration: {query: {query: $q, useLegacySql: false}}}')
	[ "$(api POST /jobs "$body")" = 200 ]
	wait_job bad-rows
	[ "$(b -c .status.errorResult)" = '{"reason":"invalidQuery","message":"Syntax error: Unexpected keyword ROWS at [1:30]"}' ]
	# The same with the keyword in backticks runs.
	[ "$(sql "${q//, rows)/, \`rows\`)}")" = 200 ]
	[ "$(b -c '.rows')" = '[{"f":[{"v":"a"},{"v":"1"}]}]' ]
	# The SQL log: one line per job text, its verdict and statement kinds.
	run -0 jq -c 'select(.text | test("ledger")) | [.verdict, .message, .kinds]' "$BATS_TEST_TMPDIR/sql.ndjson"
	assert_line --index 0 '["accepted",null,["CREATE_TABLE"]]'
	assert_line --index 1 '["rejected","Syntax error: Unexpected keyword ROWS at [2:30]",[]]'
	assert_line --index 3 '["rejected","Syntax error: Unexpected keyword ROWS at [1:30]",[]]'
	assert_line --index 4 '["accepted",null,["QUERY","INSERT","QUERY"]]'
}

@test "bqemu: the referee refuses unknown names and type errors at their position, in a script at the script's position" {
	start_bqemu
	make_pgs_table
	[ "$(sql 'SELECT nosuch FROM nba.pgs')" = 400 ]
	[ "$(b .error.message)" = '"Unrecognized name: nosuch at [1:8]"' ]
	[ "$(sql 'SELECT points FROM nba.pgs WHERE player_lookup = 3')" = 400 ]
	[ "$(b .error.message)" = '"No matching signature for operator = for argument types: STRING, INT64. Supported signature: ANY = ANY at [1:34]"' ]
	# The second statement of a script, an IF condition, a RAISE message: positions in the whole text.
	[ "$(sql $'SELECT 1;\n  SELECT nosuch FROM nba.pgs')" = 400 ]
	[ "$(b .error.message)" = '"Unrecognized name: nosuch at [2:10]"' ]
	[ "$(sql $'DECLARE n INT64 DEFAULT 1;\nIF n > nope THEN SELECT 1; END IF')" = 400 ]
	[ "$(b .error.message)" = '"Unrecognized name: nope at [2:8]"' ]
	[ "$(sql $'SELECT 1;\nRAISE USING MESSAGE = CONCAT("x", missing)')" = 400 ]
	[ "$(b .error.message)" = '"Unrecognized name: missing at [2:35]"' ]
	# A missing table is BigQuery's 404, not ZetaSQL's message.
	[ "$(sql 'SELECT 1 FROM nba.nope')" = 404 ]
	[ "$(b .error.message)" = '"Not found: Table pgs-test:nba.nope was not found in location US"' ]
	# Names resolve the GoogleSQL ways (temp tables and variables included).
	q=$'DECLARE d DATE DEFAULT "2024-01-01";\nCREATE TEMP TABLE w AS SELECT game_date FROM `pgs-test.nba.pgs`;\n'
	q+='SELECT COUNT(*) FROM w, pgs-test.nba.pgs p, `pgs-test`.nba.pgs q, `nba.pgs` r, nba.pgs s WHERE w.game_date = d'
	[ "$(sql "$q")" = 200 ]
	[ "$(sql 'SELECT COUNT(*) FROM pgs' '[]' '{"defaultDataset":{"projectId":"pgs-test","datasetId":"nba"}}')" = 200 ]
}

@test "bqemu: the referee checks parameters' types (named and positional) and BigQuery's system variables" {
	start_bqemu
	make_pgs_table
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs WHERE game_date = @d' "[$(param d INT64 3)]")" = 400 ]
	[ "$(b .error.message)" = '"No matching signature for operator = for argument types: DATE, INT64. Supported signature: ANY = ANY at [1:36]"' ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs WHERE game_date = @d' "[$(param d DATE 2024-01-02)]")" = 200 ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs WHERE player_lookup IN UNNEST(@p)' "[$(param p ARRAY INT64 1 2)]")" = 400 ]
	[ "$(b .error.message)" = '"No matching signature for operator IN UNNEST for argument types: STRING, ARRAY<INT64> at [1:50]"' ]
	pos='{"parameterMode":"POSITIONAL","queryParameters":[{"parameterType":{"type":"DATE"},"parameterValue":{"value":"2024-01-02"}},{"parameterType":{"type":"STRING"},"parameterValue":{"value":"a"}}]}'
	[ "$(sql $'SELECT COUNT(*) FROM nba.pgs WHERE game_date = ?;\nSELECT ? = player_lookup FROM nba.pgs' '[]' "$pos")" = 200 ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs WHERE player_lookup = ?' '[]' "$pos")" = 400 ]
	[ "$(b .error.message)" = '"No matching signature for operator = for argument types: STRING, DATE. Supported signature: ANY = ANY at [1:36]"' ]
	[ "$(sql 'SELECT @@project_id, @@row_count, @@script.job_id, @@time_zone')" = 200 ]
	[ "$(sql 'SELECT @@nope')" = 400 ]
	[ "$(b .error.message)" = '"Unrecognized name: @@nope at [1:8]"' ]
}

@test "bqemu: the language features README names are the ones the referee sends" {
	bqemu_ready || skip "the BigQuery emulator needs node and its npm packages"
	run -0 node -e 'const r = require(process.argv[1]); console.log([...r.FEATURES, ...r.STATEMENT_KINDS].sort().join("\n"))' \
		"$BQEMU_DIR/lib/referee.js"
	code=$output
	run -0 bash -c "grep -o '^- \`\\(FEATURE\\|RESOLVED\\)_[A-Z0-9_]*\`' '$BQEMU_DIR/README.md' | sed 's/[^A-Z0-9_]//g' | sort"
	[ "$output" = "$code" ]
	[ "$(grep -c 'FEATURE_' <<<"$code")" -ge 40 ]
}

# A monthly partitioned table: January (12 rows, as seed_six_days) and February (3 rows).
# Bytes by BigQuery's data size rules: game_date 8, player_lookup 2 + length, points 8,
# minutes 8, tags 2 + length per element, NULL 0.
#   January:  game_date 96, player_lookup 36, points 96, tags 18 (all columns 246)
#   February: game_date 24, player_lookup 15, points 24, minutes 24, tags 21
seed_two_months() {
	seed_six_days
	for d in 1 2 3; do
		printf '{"game_date":"2024-02-0%s","player_lookup":"ccc","points":%s,"minutes":1.5,"tags":["yy","z"]}\n' "$d" "$d"
	done >"$BATS_TEST_TMPDIR/feb.ndjson"
	[ "$(load seed2 pgs WRITE_APPEND "$SCHEMA" "$BATS_TEST_TMPDIR/feb.ndjson")" = 200 ] && wait_job seed2
}

@test "bqemu: totalBytesProcessed: columns read, partitions pruned by parameters, DML on a window, dry run = real run" {
	start_bqemu
	make_pgs_table
	seed_two_months
	week="[$(param from DATE 2024-01-02),$(param to DATE 2024-01-08)]"
	# (a) a full scan of two columns
	[ "$(sql 'SELECT player_lookup, points FROM nba.pgs')" = 200 ]
	[ "$(b -r .totalBytesProcessed)" = 171 ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b -r .totalBytesProcessed)" = 0 ]
	# (b) one week by parameters reads its month only (game_date and points of January)
	q='SELECT SUM(points) FROM nba.pgs WHERE game_date BETWEEN @from AND @to'
	[ "$(sql "$q" "$week")" = 200 ]
	[ "$(b -r .totalBytesProcessed)" = 192 ]
	[ "$(sql 'SELECT SUM(points) FROM nba.pgs WHERE game_date >= "2024-02-01" AND game_date < @to' "$week")" = 200 ]
	[ "$(b -r .totalBytesProcessed)" = 0 ]
	[ "$(sql 'SELECT SUM(points) FROM nba.pgs WHERE game_date IN ("2024-02-03") OR points > 0')" = 200 ]
	[ "$(b -r .totalBytesProcessed)" = 240 ] # an OR prunes nothing
	# (d) a dry run answers the bytes (and the schema) without running anything
	d='DELETE FROM nba.pgs WHERE game_date BETWEEN @from AND @to'
	[ "$(sql "$d" "$week" '{"dryRun":true}')" = 200 ]
	[ "$(b -r .totalBytesProcessed)" = 342 ]
	[ "$(sql "$q" "$week" '{"dryRun":true}')" = 200 ]
	[ "$(b -c '[.totalBytesProcessed, .schema.fields]')" = '["192",[{"name":"f0_","type":"INTEGER","mode":"NULLABLE"}]]' ]
	[ "$(sql 'SELECT COUNT(*) FROM nba.pgs')" = 200 ]
	[ "$(b -r '.rows[0].f[0].v')" = 15 ]
	# (c) DELETE on a window: q' (game_date of January) + t' (every column of January)
	[ "$(sql "$d" "$week")" = 200 ]
	[ "$(b -c '[.totalBytesProcessed, .numDmlAffectedRows]')" = '["342","10"]' ]
	# INSERT ... SELECT: q' only, the February columns it reads
	[ "$(sql 'INSERT INTO nba.pgs (game_date, player_lookup, points) SELECT game_date, player_lookup, points FROM nba.pgs WHERE game_date BETWEEN "2024-02-01" AND "2024-02-07"')" = 200 ]
	[ "$(b -c '[.totalBytesProcessed, .numDmlAffectedRows]')" = '["63","3"]' ]
	# A script is the sum of its statements, an IF condition's subquery included (16: the game_date
	# of the 2 rows left in January; 36: every player_lookup); jobs.get says the same.
	s=$'IF (SELECT COUNT(*) FROM nba.pgs WHERE game_date = @from) = 0 THEN\n  SELECT player_lookup FROM nba.pgs;\nEND IF'
	body=$(jq -nc --arg q "$s" --argjson p "$week" \
		'{jobReference: {jobId: "bytes-script", location: "US"}, configuration: {query: {query: $q, useLegacySql: false, queryParameters: $p}}}')
	[ "$(api POST /jobs "$body")" = 200 ]
	wait_job bytes-script
	[ "$(b -c '[.statistics.totalBytesProcessed, .statistics.query.totalBytesProcessed, .status.errorResult]')" = '["52","52",null]' ]
	[ "$(api GET '/queries/bytes-script?location=US')" = 200 ]
	[ "$(b -r .totalBytesProcessed)" = 52 ]
}

@test "bqemu: the ZetaSQL server is the emulator's child: gone when it stops or is killed; no server, no emulator (exit 3)" {
	start_bqemu
	emu=$(cat "$BATS_TEST_TMPDIR/bq.pid")
	child=$(pgrep -P "$emu" -f remote_server)
	[ -n "$child" ]
	stop_bqemu
	run ! kill -0 "$child"
	# Killed outright (SIGKILL): the kernel tells the child (parent-death signal).
	rm "$BATS_TEST_TMPDIR/bq.port"
	start_bqemu
	emu=$(cat "$BATS_TEST_TMPDIR/bq.pid")
	child=$(pgrep -P "$emu" -f remote_server)
	kill -9 "$emu"
	timeout 20 tail --pid="$child" -f /dev/null
	run ! kill -0 "$child"
	run -3 --separate-stderr env BQEMU_ZETASQL_SERVER=/nonexistent "$BQEMU_DIR/bqemu" --port 0
	[[ $stderr == *"cannot start: ZetaSQL's server is missing: /nonexistent"* ]]
}

@test "bqemu: a MERGE with WHEN NOT MATCHED BY SOURCE reads the target partitions ON leaves and those its clause's condition leaves; unconditional, all" {
	start_bqemu
	make_pgs_table
	seed_two_months
	week="[$(param from DATE 2024-01-02),$(param to DATE 2024-01-08)]"
	m="MERGE nba.pgs t USING (SELECT DATE '2024-01-03' AS d, 'aaa' AS p) s"
	m+=" ON t.player_lookup = s.p AND t.game_date = s.d AND t.game_date BETWEEN @from AND @to"
	# bytes(w): the dry run's bytes of the MERGE with clause w
	bytes() {
		[ "$(sql "$m $1" "$week" '{"dryRun":true}')" = 200 ]
		b -r .totalBytesProcessed
	}
	# January only: q' (game_date 96 + player_lookup 36) + t' (every column of January, 246)
	[ "$(bytes 'WHEN MATCHED THEN DELETE')" = 378 ]
	[ "$(bytes 'WHEN NOT MATCHED BY SOURCE AND t.game_date BETWEEN @from AND @to THEN DELETE')" = 378 ]
	# the clause's own condition adds February: q' 120 + 51, t' 246 + 108
	[ "$(bytes 'WHEN NOT MATCHED BY SOURCE AND t.game_date > "2024-01-31" THEN DELETE')" = 525 ]
	# unconditional: every target row may be deleted, every partition is read
	[ "$(bytes 'WHEN NOT MATCHED BY SOURCE THEN DELETE')" = 525 ]
}
