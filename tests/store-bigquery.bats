#!/usr/bin/env bats
# The BigQuery store's own concerns (the write semantics it shares with every
# store are in tests/conformance/): a faulty network, credentials, secrets,
# jobs proportional to batches.  Against the emulator in tests/bqemu, which
# runs the SQL on DuckDB; a fault-injecting proxy sits in front of it.

load test_helper
# shellcheck source=tests/bqemu/server.bash
. "$PGS_ROOT/tests/bqemu/server.bash"

setup() {
	local why
	why=$(bq_skip_reason)
	[ -z "$why" ] || skip "$why"
	common_setup
	# no credentials of the machine's: gcloud's well-known file is read from HOME
	export HOME="$BATS_TEST_TMPDIR/home"
	unset GOOGLE_APPLICATION_CREDENTIALS CLOUDSDK_CONFIG GCE_METADATA_HOST
}

teardown() {
	[ -z "${PROXY_PID:-}" ] || { kill "$PROXY_PID" 2>/dev/null; wait "$PROXY_PID" 2>/dev/null || true; }
	bq_stop
}

# proxy ARGS...: faultproxy in front of the emulator; PGS_BQ_ENDPOINT points at it.
proxy() {
	"$(dirname "$BQEMU")/faultproxy" --listen 0 --port-file proxy.port --upstream "127.0.0.1:$BQ_PORT" \
		--log proxy.log "$@" >proxy.out 2>&1 &
	PROXY_PID=$!
	for _ in $(seq 1 50); do
		[ -s proxy.port ] && break
		sleep 0.1
	done
	PGS_BQ_ENDPOINT="http://127.0.0.1:$(cat proxy.port)"
	export PGS_BQ_ENDPOINT
}

sample() {
	pgs-sample --seed 5 --scale 1 --from 2023-10-24 --to 2023-11-06 -o sample >/dev/null
}

# The summary table as pgs-store-dump prints it, without the run's times.
table_of() {
	"$PGS_ROOT/bin-test/pgs-store-dump" "$1" player_game_summary | jq -c 'del(.processed_at)'
}

@test "bigquery: through 503s, 429s, dropped and cut connections, a backfill --jobs 3 equals SQLite's, with no insertAll" {
	bq_start
	export PGS_HTTP_BACKOFF_MS=50
	proxy --plan cut,503,429:0,drop,pass,cut --random 0.2:503,429:0,drop,cut --seed 11 --match '^POST '
	S=bigquery://pgs-test/nba_analytics
	sample
	run --separate-stderr pgs-ingest --store "$S" sample/*
	assert_success
	run --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-06 --batch-days 3 --jobs 3
	assert_success
	[[ $stderr == *"5/5 batches"* ]]
	# the proxy really interfered with the POSTs (jobs, loads, tables), with every
	# kind of fault, and cut answers to
	# POSTs the emulator had carried out (a retry must not do them twice)
	jq -r .action proxy.log | sort | uniq -c >actions
	for f in 503 429 drop cut; do
		grep -q " $f\$" actions || { cat actions; false; }
	done
	jq -e -s 'map(select(.action == "cut" and .method == "POST" and .upstreamStatus == 200)) | length > 0' proxy.log >/dev/null
	ref="sqlite:$BATS_TEST_TMPDIR/ref.db"
	PGS_STATE_DIR=$BATS_TEST_TMPDIR/ref-state pgs-ingest --store "$ref" sample/* 2>/dev/null
	PGS_STATE_DIR=$BATS_TEST_TMPDIR/ref-state pgs-backfill --store "$ref" --from 2023-10-24 --to 2023-11-06 --batch-days 3 2>/dev/null
	table_of "$ref" >want
	[ "$(grep -c . want)" -gt 1500 ]
	table_of "$S" >got
	diff want got
	# read back over the REST API itself, not through pgs: the same number of rows
	n=$(curl -sf -H "Authorization: Bearer $PGS_BQ_TOKEN" \
	    "http://127.0.0.1:$BQ_PORT/bigquery/v2/projects/pgs-test/datasets/nba_analytics/tables/player_game_summary" |
	    jq -r .numRows)
	[ "$n" -eq "$(grep -c . want)" ]
	# never a streaming insert; jobs proportional to batches, not rows or players
	! bq_requests | grep -q insertAll || false
	jobs=$(bq_requests | jq -r 'select(.api == "jobs.query" or .api == "jobs.insert") | .jobId // .requestId' | sort -u | grep -c .)
	rows=$(grep -c . want)
	[ "$jobs" -lt 120 ]
	[ "$jobs" -lt $((rows / 10)) ]
}

@test "bigquery: a token is never printed, not even when it is refused" {
	bq_start --strict-auth --token good-token-123
	echo '{"pgs_end":{"tool":"t","rows":0}}' >empty.nd
	PGS_BQ_TOKEN=Sup3rSecretTok3n run -3 --separate-stderr pgs-write --store bigquery://pgs-test/x \
	    --from 2023-10-01 --to 2023-10-02 empty.nd
	[[ "$stderr" == *"HTTP 401"* ]]
	[[ "$stderr$output" != *Sup3rSecretTok3n* ]]
	PGS_BQ_TOKEN=Sup3rSecretTok3n run -3 --separate-stderr pgs-extract --source bigquery://pgs-test/x \
	    --from 2023-10-01 --to 2023-10-02
	[[ "$stderr$output" != *Sup3rSecretTok3n* ]]
	! grep -rq Sup3rSecretTok3n "$BQ_DIR" . || false
	PGS_BQ_TOKEN=good-token-123 run --separate-stderr pgs-write --store bigquery://pgs-test/x \
	    --from 2023-10-01 --to 2023-10-02 empty.nd
	assert_success
}

@test "bigquery: a service-account key signs its own token (RS256), refreshed once on a 401; the key is never printed" {
	openssl genrsa -out key.pem 2048 2>/dev/null
	openssl rsa -in key.pem -pubout -out pub.pem 2>/dev/null
	jq -n --rawfile k key.pem '{type: "service_account", project_id: "pgs-test",
	    client_email: "pgs@pgs-test.iam.gserviceaccount.com", private_key: $k,
	    token_uri: "https://oauth2.googleapis.com/token"}' >sa.json
	bq_start --strict-auth --trust-key pub.pem
	unset PGS_BQ_TOKEN
	sample
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/sa.json run --separate-stderr pgs-ingest --store bigquery://pgs-test/sa sample/*
	assert_success
	bq_requests | jq -e -s 'map(select(.api == "oauth.token")) | length >= 1' >/dev/null
	# the token expires: the next call gets a 401, takes a new one, and goes on
	curl -sf -X POST "$PGS_BQ_ENDPOINT/_emu/config" -d '{"unauthorizedNext": 1}' >/dev/null
	before=$(bq_requests | jq -s 'map(select(.api == "oauth.token")) | length')
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/sa.json run --separate-stderr pgs-extract --source bigquery://pgs-test/sa \
	    --from 2023-10-24 --to 2023-10-25
	assert_success
	[ "$(grep -vc pgs_end <<<"$output")" -gt 100 ]
	bq_requests | jq -e -s 'map(select(.status == 401)) | length == 1' >/dev/null
	[ "$(bq_requests | jq -s 'map(select(.api == "oauth.token")) | length')" -gt "$before" ]
	# a key the server does not trust is refused, and nothing of the key shows
	openssl genrsa -out other.pem 2048 2>/dev/null
	jq --rawfile k other.pem '.private_key = $k' sa.json >bad.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/bad.json run -3 --separate-stderr pgs-extract --source bigquery://pgs-test/sa \
	    --from 2023-10-24 --to 2023-10-25
	[[ "$stderr" == *"token endpoint answered HTTP"* ]]
	[[ "$stderr" != *PRIVATE* && "$stderr" != *"$(sed -n 2p other.pem | cut -c1-20)"* ]]
}

@test "bigquery: authorized_user refresh tokens and the metadata server give tokens too" {
	bq_start --strict-auth --refresh-client cid:csecret:rtok
	unset PGS_BQ_TOKEN
	jq -n '{type: "authorized_user", client_id: "cid", client_secret: "csecret", refresh_token: "rtok"}' >user.json
	echo '{"pgs_end":{"tool":"t","rows":0}}' >empty.nd
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/user.json run --separate-stderr pgs-write \
	    --store bigquery://pgs-test/u --from 2023-10-01 --to 2023-10-02 empty.nd
	assert_success
	jq -n '{type: "authorized_user", client_id: "cid", client_secret: "csecret", refresh_token: "wrong"}' >bad.json
	GOOGLE_APPLICATION_CREDENTIALS=$PWD/bad.json run -3 --separate-stderr pgs-write \
	    --store bigquery://pgs-test/u --from 2023-10-01 --to 2023-10-02 empty.nd
	[[ "$stderr" == *"authorized_user credentials"* ]]
	[[ "$stderr" != *csecret* ]]
	# no other source: the metadata server
	run --separate-stderr pgs-write --store bigquery://pgs-test/m --from 2023-10-01 --to 2023-10-02 empty.nd
	assert_success
	bq_requests | jq -e -s 'map(select(.api == "metadata")) | length >= 1' >/dev/null
}

@test "bigquery: jobs that stay incomplete for a few polls, and pages of results, are waited for and read whole" {
	bq_start --pending-polls 3 --max-page-rows 500
	sample
	run --separate-stderr pgs-ingest --store bigquery://pgs-test/p sample/*
	assert_success
	run --separate-stderr pgs-extract --source bigquery://pgs-test/p --from 2023-10-24 --to 2023-11-06
	assert_success
	[ "$(grep -vc pgs_end <<<"$output")" -eq "$(pgs-extract sample/* | grep -vc pgs_end)" ]
	bq_requests | jq -e -s 'map(select(.api == "jobs.getQueryResults")) | length > 3' >/dev/null
}

@test "bigquery: writers of one machine take turns for the commit transaction (PGS_COMMIT_LOCK)" {
	bq_start
	S=bigquery://pgs-test/turns
	sample
	pgs-ingest -q --store "$S" sample/*
	pgs-extract --source "$S" --from 2023-10-24 --to 2023-10-26 | pgs-resolve --registry "$S" --register |
		pgs-transform >rows.ndjson
	# another writer's turn: the lock held until this one has staged its rows
	# (released by a file, not by killing a process: what flock -c runs, and under which parent,
	# depends on $SHELL)
	(
		exec 9>lock
		flock 9
		until [ -e release ]; do sleep 0.05; done
	) &
	holder=$!
	until ! flock -n lock true; do sleep 0.05; done
	scripts() { bq_requests | jq -s '[.[] | select(.kind == "SCRIPT")] | length'; }
	before=$(scripts)
	PGS_COMMIT_LOCK=$BATS_TEST_TMPDIR/lock pgs-write -v --store "$S" --from 2023-10-24 --to 2023-10-26 \
		rows.ndjson >stats 2>write.err &
	writer=$!
	# the kernel shows the writer blocked on the lock file (/proc/locks marks a waiter "->")
	inode=$(stat -c %i lock)
	until grep -Eq -- "-> FLOCK +ADVISORY +WRITE +$writer [0-9a-f]+:[0-9a-f]+:$inode " /proc/locks; do
		kill -0 "$writer" || { cat write.err; false; }
		sleep 0.05
	done
	# it staged and inspected, and waits with its commit: no transaction ran, nothing committed
	grep -q 'rows staged' write.err
	[ "$(scripts)" -eq "$before" ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id 2>/dev/null | grep -c .)" -eq 0 ]
	touch release
	wait "$holder"
	wait "$writer"
	[ "$(scripts)" -eq $((before + 1)) ]
	[ "$(jq .inserted stats)" -eq "$(grep -vc pgs_end rows.ndjson)" ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq "$(jq .inserted stats)" ]
}

# bq API METHOD PATH [JSON]: a call to the emulator's REST API as pgs's token; the body on stdout.
bq_api() {
	curl -sS -X "$1" -H "Authorization: Bearer $PGS_BQ_TOKEN" -H 'Content-Type: application/json' \
		${3:+--data-binary "$3"} "$PGS_BQ_ENDPOINT/bigquery/v2/projects/pgs-test/$2"
}

@test "bigquery: an existing table whose columns differ is refused before anything is written, each column named (3)" {
	bq_start
	S=bigquery://pgs-test/other
	sample
	pgs-extract --from 2023-10-24 --to 2023-10-25 sample/* | pgs-resolve --registry "$S" --register |
		pgs-transform >rows.ndjson
	# the tables as pgs makes them, then the summary table made again by someone else:
	# points as text, no minutes_played, and a REQUIRED column pgs does not know
	pgs-write --store "$S" --from 2023-10-24 --to 2023-10-25 --dry-run rows.ndjson >/dev/null
	bq_api GET datasets/other/tables/player_game_summary |
		jq -c '{tableReference, schema: {fields: ([.schema.fields[] | select(.name != "minutes_played")
		    | if .name == "points" then .type = "STRING" else . end]
		    + [{name: "owner", type: "STRING", mode: "REQUIRED"}])}}' >theirs.json
	bq_api DELETE datasets/other/tables/player_game_summary >/dev/null
	bq_api POST datasets/other/tables "$(cat theirs.json)" | jq -e '.schema.fields | length > 10' >/dev/null
	before=$(bq_requests | grep -c .)
	run -3 --separate-stderr pgs-write --store "$S" --from 2023-10-24 --to 2023-10-25 rows.ndjson
	assert_output ''
	[[ $stderr == *"table player_game_summary: column points is STRING NULLABLE, pgs writes INT64 NULLABLE"* ]]
	[[ $stderr == *"table player_game_summary has no column minutes_played FLOAT64 (NULLABLE), which pgs adds to a table otherwise its own"* ]]
	[[ $stderr == *"table player_game_summary: column owner is REQUIRED, and pgs does not write it"* ]]
	[[ $stderr == *"does not have the columns pgs writes; nothing written"* ]]
	# nothing written, nothing staged: no job but reads after the check
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows | grep -c .)" -eq 0 ]
	[ "$(bq_api GET datasets/other/tables | jq '[.tables[]?.tableReference.tableId | select(startswith("_pgs_stage"))] | length')" -eq 0 ]
	[ "$(bq_requests | tail -n +$((before + 1)) | jq -s '[.[] | select(.kind != null and .kind != "SELECT")] | length')" -eq 0 ]
	# the tables pgs made itself pass the same check
	run -0 --separate-stderr pgs-write --store bigquery://pgs-test/fine --from 2023-10-24 --to 2023-10-25 rows.ndjson
}

# The referee's SQL log (tests/bqemu --sql-log) as "DATASET KIND BYTES" lines, one per job.
bytes_by_job() {
	jq -r '"\(.text | capture("`pgs-test\\.(?<d>[a-z]+)\\.").d)"
	    + " \(if (.kinds | index("BEGIN")) then "TRANSACTION" else .kinds[0] end) \(.bytesProcessed)"' sql.log
}

@test "bigquery: a one-week rewrite reads only the months it touches: the same bytes on three seasons as on those two months alone" {
	export PGS_BQ_SQL_LOG=$BATS_TEST_TMPDIR/sql.log
	bq_start
	pgs-sample --seed 5 --scale 0.5 --from 2021-10-01 --to 2024-05-01 -o sample >/dev/null
	pgs-extract sample/* | pgs-resolve --registry sqlite:reg.db --register | pgs-transform >all.nd
	grep -v pgs_end all.nd | jq -c 'select(.game_date >= "2022-11-01" and .game_date <= "2022-12-31")' >two.nd
	pgs-write --store bigquery://pgs-test/seasons --from 2021-10-01 --to 2024-05-01 --run-id load all.nd >/dev/null
	pgs-write --store bigquery://pgs-test/months --from 2022-11-01 --to 2022-12-31 --run-id load --no-end-marker \
		two.nd >/dev/null
	# the week across the two months, a third of its rows changed
	grep -v pgs_end all.nd | jq -c 'select(.game_date >= "2022-11-28" and .game_date <= "2022-12-04")
	    | if (.player_lookup | test("^[a-h]")) then .plus_minus = ((.plus_minus // 0) + 1) else . end' >week.nd
	: >sql.log
	for d in seasons months; do
		run -0 --separate-stderr pgs-write --store "bigquery://pgs-test/$d" --from 2022-11-28 --to 2022-12-04 \
			--run-id week --no-end-marker week.nd
		[ "$(jq .updated <<<"$output")" -gt 100 ]
	done
	bytes_by_job >jobs.txt
	# the inspection (a query) and the commit (a script): each once per dataset, the same bytes
	[ "$(grep -c '^seasons QUERY ' jobs.txt)" -eq 1 ]
	[ "$(grep -c '^seasons TRANSACTION ' jobs.txt)" -eq 1 ]
	[ "$(grep '^seasons ' jobs.txt | cut -d' ' -f2-)" = "$(grep '^months ' jobs.txt | cut -d' ' -f2-)" ]
	# and less than the whole table (a third of whose rows are in those two months): the
	# commit reads the two months' keys and digests, and, since it replaces rows, their
	# full rows once, for the history (5.7 MB of a 19.1 MB table before pgs kept
	# history, 10.0 of 19.5 with it; a commit that replaces nothing reads no more)
	# shellcheck disable=SC2016 # backticks in single quotes are BigQuery names, not shell
	whole=$(curl -sS -H "Authorization: Bearer $PGS_BQ_TOKEN" -H 'Content-Type: application/json' \
		--data-binary '{"query":"SELECT * FROM `pgs-test.seasons.player_game_summary`","useLegacySql":false,"dryRun":true}' \
		"$PGS_BQ_ENDPOINT/bigquery/v2/projects/pgs-test/queries" | jq -r .totalBytesProcessed)
	commit=$(awk '$1 == "seasons" && $2 == "TRANSACTION" { print $3 }' jobs.txt)
	[ "$whole" -gt $((3 * commit / 2)) ]
}

# emu_config JSON: set the emulator's control settings (tests/bqemu/README.md, Control API).
emu_config() {
	curl -sS -f -X POST -H 'Content-Type: application/json' --data-binary "$1" \
		"http://127.0.0.1:$BQ_PORT/_emu/config" >/dev/null
}

@test "bigquery: jobs that failed after they were made (jobBackendError, jobInternalError, a DONE load's rateLimitExceeded) run again as new jobs; the table is SQLite's" {
	bq_start
	S=bigquery://pgs-test/again
	sample
	pgs-ingest -q --store "$S" sample/*
	pgs-ingest -q --store sqlite:ref.db sample/*
	pgs-backfill -q --store sqlite:ref.db --from 2023-10-24 --to 2023-11-06 --batch-days 7
	# two scripts (the registry's, then a commit) and a query fail as jobs, a load as a DONE job
	emu_config '{"jobErrorNext":[{"reason":"backendError","jobKind":"script","count":2},
	    {"reason":"internalError","jobKind":"query","statement":"SELECT","count":1},
	    {"reason":"rateLimitExceeded","jobKind":"load","count":1}]}'
	run -0 --separate-stderr pgs-backfill -v --store "$S" --from 2023-10-24 --to 2023-11-06 --batch-days 7
	diff <(table_of sqlite:ref.db) <(table_of "$S")
	# every injected failure happened (each count used up) and was followed by a new job: three
	# failed jobs.query answers, and no requestId sent twice
	curl -sS "http://127.0.0.1:$BQ_PORT/_emu/config" | jq -e '[.jobErrorNext[].count] == [0, 0, 0]' >/dev/null
	[ "$(bq_requests | jq -s '[.[] | select(.api == "jobs.query" and .status == 400)] | length')" -eq 3 ]
	bq_requests | jq -s -e '[.[] | select(.api == "jobs.query" and .requestId != null) | .requestId]
	    | length == (unique | length)' >/dev/null
}

@test "bigquery: a response that stalls (the proxy forwards, then never answers) is timed out and sent again, not waited for; the table is SQLite's" {
	bq_start
	export PGS_HTTP_BACKOFF_MS=50 PGS_HTTP_LOW_SPEED_TIME=1
	S=bigquery://pgs-test/stall
	sample
	pgs-ingest -q --store sqlite:ref.db sample/*
	pgs-backfill -q --store sqlite:ref.db --from 2023-10-24 --to 2023-11-06 --batch-days 7
	# the first two POSTs of the ingest and two of the backfill stall after BigQuery acted
	proxy --plan stall,pass,stall --match '^POST '
	run -0 --separate-stderr timeout 120 pgs-ingest --store "$S" sample/*
	curl -sS -X POST "$PGS_BQ_ENDPOINT/_proxy/plan" -d '{"plan":"pass*3,stall,pass,stall","match":"^POST "}' >/dev/null
	run -0 --separate-stderr timeout 120 pgs-backfill -v --store "$S" --from 2023-10-24 --to 2023-11-06 --batch-days 7
	[ "$(grep -c '"action":"stall"' proxy.log)" -eq 4 ]
	diff <(table_of sqlite:ref.db) <(table_of "$S")
}

@test "bigquery: a full DML queue makes writers wait and try again as new jobs, not fail" {
	bq_start --latency-ms 800
	emu_config '{"dmlRunning":1,"dmlQueue":0}'
	S=bigquery://pgs-test/queue
	summary_rows() { # DAY: ten summary rows of 2023-10-DAY
		jq -cn --arg d "$1" 'range(10) as $i | {player_lookup: "p\($i)", universal_player_id: "p\($i)_001",
		    player_full_name: "P \($i)", game_id: "202310\($d)_BOS_NYK", game_date: "2023-10-\($d)",
		    season_year: 2023, game_type: "regular", team_abbr: "NYK", opponent_team_abbr: "BOS",
		    home_game: true, points: 10, minutes_played: 30.5, seconds_played: 1830, is_active: true,
		    player_status: "active", sources_seen: ["bbref"], quality_issues: [],
		    processed_at: "2023-11-14T22:13:20Z"}'
	}
	pids=()
	for d in 11 12 13 14; do
		summary_rows "$d" >"d$d.nd"
		pgs-write -v --store "$S" --from "2023-10-$d" --to "2023-10-$d" --no-end-marker "d$d.nd" \
			>"out$d" 2>"err$d" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do wait "$p"; done
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary game_id | grep -c .)" -eq 40 ]
	# some were refused by the queue and tried again
	cat err* | grep -q 'Too many DML statements outstanding.*again as a new job'
}

@test "bigquery: quotaExceeded is not retried: exit 3, the quota named" {
	bq_start
	S=bigquery://pgs-test/quota
	sample
	emu_config '{"jobErrorNext":{"reason":"quotaExceeded","quota":"partitionModifications","jobKind":"script"}}'
	run -3 --separate-stderr pgs-ingest --store "$S" sample/*
	[[ $stderr == *"a BigQuery quota is used up (not retried: wait until it refills, or raise it): Quota exceeded"* ]]
	[[ $stderr == *"partition modifications"* ]]
	[ "$(bq_requests | jq -s '[.[] | select(.kind == "SCRIPT")] | length')" -eq 1 ]
}

@test "bigquery: a commit whose job is reported failed after it committed is not written twice" {
	bq_start
	S=bigquery://pgs-test/landed
	sample
	emu_config '{"jobErrorNext":{"reason":"backendError","jobKind":"script","count":1,"when":"after"}}'
	run -0 --separate-stderr pgs-ingest -v --store "$S" --from 2023-10-24 --to 2023-10-30 sample/*
	[[ $stderr == *"was committed by a job reported failed"* ]]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" pgs_windows | grep -c .)" -eq 1 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" "$S" raw_boxscores game_id | grep -c .)" -eq \
		"$(pgs-extract --from 2023-10-24 --to 2023-10-30 sample/* | grep -vc pgs_end)" ]
}

@test "bigquery: table update rate limits (403 rateLimitExceeded) are waited out; a quotaExceeded answer to an API call is exit 3 naming the quota" {
	bq_start
	sample
	emu_config '{"failNext":[{"status":403,"reason":"rateLimitExceeded","count":2,"path":"/tables","method":"POST",
	    "message":"Exceeded rate limits: too many table update operations for this table."}]}'
	run -0 --separate-stderr pgs-ingest --store bigquery://pgs-test/rate --from 2023-10-24 --to 2023-10-26 sample/*
	[ "$(bq_requests | jq -s '[.[] | select(.fault == 403)] | length')" -eq 2 ]
	emu_config '{"failNext":[{"status":403,"reason":"quotaExceeded","quota":"tableUpdates","path":"/tables","method":"POST"}]}'
	run -3 --separate-stderr pgs-ingest --store bigquery://pgs-test/rate --from 2023-10-27 --to 2023-10-28 sample/*
	[[ $stderr == *"a BigQuery quota is used up (not retried: wait until it refills, or raise it): Quota exceeded: Your table exceeded quota for imports or query appends per table."* ]]
	[ "$(bq_requests | jq -s '[.[] | select(.fault == 403)] | length')" -eq 3 ]
}

@test "bigquery: four first uses of a fresh dataset at once, under a table update rate of 1 operation in 3 s, all wait it out and land every row" {
	bq_start
	sample
	emu_config '{"tableUpdateRate":{"operations":1,"seconds":3}}'
	pids=()
	for d in 24 25 26 27; do
		PGS_STATE_DIR=$BATS_TEST_TMPDIR/st$d pgs-ingest --store bigquery://pgs-test/four \
			--from "2023-10-$d" --to "2023-10-$d" sample/* >"out$d" 2>"err$d" &
		pids+=($!)
	done
	for p in "${pids[@]}"; do
		wait "$p"
	done
	# the limit was met: tables.insert answered 403 rateLimitExceeded (a staging table is made,
	# then loaded: two operations on it, so even one writer alone meets it)
	[ "$(bq_requests | jq -s '[.[] | select(.error == "rateLimitExceeded")] | length')" -gt 0 ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" bigquery://pgs-test/four raw_boxscores game_id | grep -c .)" -eq \
		"$(pgs-extract --from 2023-10-24 --to 2023-10-27 sample/* 2>/dev/null | grep -vc pgs_end)" ]
	[ "$("$PGS_ROOT/bin-test/pgs-store-dump" bigquery://pgs-test/four pgs_windows | grep -c .)" -eq 4 ]
}

@test "bigquery: every SQL text an ingest, a --jobs 2 backfill, a dry run, a validation, a plan and an extract send passes the GoogleSQL referee" {
	export PGS_BQ_SQL_LOG=$BATS_TEST_TMPDIR/sql.log
	bq_start
	S=bigquery://pgs-test/texts
	sample
	run -0 --separate-stderr pgs-ingest --store "$S" sample/*
	run -0 --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-06 --jobs 2 --batch-days 3
	run -0 --separate-stderr pgs-backfill --store "$S" --from 2023-10-24 --to 2023-11-06 --dry-run --restart
	run -0 --separate-stderr pgs-validate --store "$S" --from 2023-10-24 --to 2023-11-06
	run -0 --separate-stderr pgs-checkpoint plan --job j --from 2023-10-24 --to 2023-11-06 --store "$S"
	run -0 --separate-stderr pgs-extract --source "$S" --from 2023-10-24 --to 2023-10-30
	# each text was analyzed statement by statement against the dataset's tables, and accepted
	[ "$(jq -s '[.[] | select(.verdict != "accepted")] | length' sql.log)" -eq 0 ]
	# the shapes: numbered parameters and staging names aside, about 25 distinct texts
	[ "$(jq -r '.text | gsub("_pgs_stage_[0-9a-f]+"; "S") | gsub("@[a-z_]+[0-9]+"; "@n")
	    | gsub("(, )?\\(@tbl, @n[^)]*\\)"; "")' sql.log | sort -u | grep -c .)" -ge 20 ]
}

@test "bigquery: a correction landed while a slow backfill runs: the window that missed it is stale, the next run brings it in" {
	bq_start
	S=bigquery://pgs-test/corr
	export PGS_STORE=$S
	sample
	pgs-ingest -q sample/* >/dev/null
	day=2023-11-06
	pgs-extract --source "$S" --from "$day" --to "$day" | grep -v '"pgs_end"' >day.ndjson
	name=$(jq -r 'select(.points != null and .ft_attempts != null) | .player_name' day.ndjson | head -n 1)
	jq -c --arg n "$name" 'if .player_name == $n then .points += 2 | .ft_makes += 2 | .ft_attempts += 2 else . end' \
		day.ndjson >fixed.ndjson
	# a pgs-write of the summary 3 s late: the stream's windows are read,
	# then written one at a time (PGS_GROUP_SECONDS=0)
	mkdir -p shim
	cat >shim/pgs-write <<-SHIM
	#!/bin/bash
	case " \$* " in
	*" raw_boxscores "*) ;;
	*) touch "$BATS_TEST_TMPDIR/write-started"; sleep 3 ;;
	esac
	exec "$PGS_ROOT/bin/pgs-write" "\$@"
	SHIM
	chmod +x shim/pgs-write
	PATH="$BATS_TEST_TMPDIR/shim:$PATH" PGS_GROUP_SECONDS=0 pgs-backfill -q --from 2023-10-24 --to "$day" \
		--batch-days 1 >bf.out 2>bf.err 3>&- &
	bf=$!
	for _ in $(seq 600); do [ -e write-started ] && break; sleep 0.1; done
	[ -e write-started ]
	sleep 1
	run -0 --separate-stderr pgs-ingest --from "$day" --to "$day" fixed.ndjson
	wait "$bf"
	points() { "$PGS_ROOT/bin-test/pgs-store-dump" "$S" player_game_summary |
		jq -s --arg d "$day" 'map(select(.game_date == $d and .points != null) | .points) | add'; }
	raw=$(pgs-extract --source "$S" --from "$day" --to "$day" | jq -s 'map(select(.points != null) | .points) | add')
	[ "$(points)" -eq $((raw - 2)) ]
	run --separate-stderr pgs-validate --json --from 2023-10-24 --to "$day"
	[ "$(jq -c .gaps <<<"$output")" = "[[\"$day\",\"$day\"]]" ]
	run -0 --separate-stderr pgs-backfill --from 2023-10-24 --to "$day" --batch-days 1
	[[ $stderr == *" 1/1 batches "* ]]
	[ "$(points)" -eq "$raw" ]
}
