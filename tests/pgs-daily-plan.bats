#!/usr/bin/env bats
# pgs-daily-plan, pgs-daily's C half: its settings (the config file under the
# command line, the days), its lock, and what it reads in the tools' JSON.

load test_helper

setup() {
	common_setup
}

# The value of KEY in the settings on standard output ($output).
setting() {
	awk -F '\t' -v k="$1" '$1 == k { print $2 }' <<<"$output"
}

@test "pgs-daily-plan --help, a bad command or option (2)" {
	run -0 --separate-stderr pgs-daily-plan --help
	assert_line --index 0 "usage: pgs-daily-plan settings [pgs-daily's options]"
	run -2 --separate-stderr pgs-daily-plan
	[[ $stderr == *"want a command: settings, lock, gaps, provisional [DAYS]..., why (landing | rebuild | validation), ranges, landing FROM TO, changed STORED FETCHED or corrections CHANGES"* ]]
	run -2 --separate-stderr pgs-daily-plan why nothing
	run -2 --separate-stderr pgs-daily-plan settings --bogus
	[[ $stderr == "pgs-daily-plan: unknown option '--bogus'"* ]]
	run -2 --separate-stderr pgs-daily-plan lock
	[[ $stderr == *"want: lock --fd N"* ]]
}

@test "settings: the days, the state directory and the log made, the store redacted beside it" {
	run -0 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --days-back 3 --gap-days 10 \
		--store 'postgres://u:pw@h/db' --state-dir st
	[ -z "$stderr" ]
	[ "$(setting day)" = 2024-03-01 ]
	[ "$(setting first)" = 2024-02-28 ]
	[ "$(setting scan_from)" = 2024-02-20 ]
	[ "$(setting store)" = 'postgres://u:pw@h/db' ]
	[ "$(setting store_shown)" = 'postgres://u:***@h/db' ]
	[ "$(setting log)" = st/daily.log ]
	[ "$(setting lock)" = st/daily.lock ]
	[ "$(setting rerun)" = 1 ]
	[ -d st ]
	[ -f st/daily.log ]
	# no secret given: no need to run again; the default gap scan is every date
	run -0 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st
	[ "$(setting rerun)" = 0 ]
	[ "$(setting scan_from)" = 1900-01-01 ]
	[ "$(setting first)" = 2024-02-28 ]
}

@test "settings: the command line wins over the config file; its --source replaces the file's sources" {
	cat >daily.conf <<-EOF
	# a comment

	store = sqlite:conf.db
	days-back = 2
	source = https://a.example/{date}.csv?token=t0k
	format = nbacom-csv
	map = TO=steals
	allow-missing
	min-players = 18
	EOF
	run -0 --separate-stderr pgs-daily-plan settings --config daily.conf --date 2024-03-01 --state-dir st \
		--days-back 1 --max-players 40
	[ "$(setting store)" = sqlite:conf.db ]
	[ "$(setting first)" = 2024-03-01 ]
	[ "$(setting source_shown)" = 'https://a.example/{date}.csv?token=***' ]
	[ "$(setting source_opt | paste -sd ' ')" = "--format nbacom-csv --map TO=steals --allow-missing" ]
	[ "$(setting validate_opt | paste -sd ' ')" = "--min-players 18 --max-players 40" ]
	run -0 --separate-stderr pgs-daily-plan settings --config daily.conf --date 2024-03-01 --state-dir st \
		--source b.csv --format raw
	[ "$(setting source)" = b.csv ]
	[ "$(setting source_opt | paste -sd ' ')" = "--format raw" ]
}

@test "settings: bad values and config lines are usage errors naming them (2); an unreadable file is 3" {
	run -2 --separate-stderr pgs-daily-plan settings --date 2021-02-30 --state-dir st
	[[ $stderr == *"bad --date '2021-02-30' (want YYYY-MM-DD)"* ]]
	run -2 --separate-stderr pgs-daily-plan settings --gap-days x --state-dir st
	[[ $stderr == *"bad --gap-days 'x' (want a positive integer)"* ]]
	run -2 --separate-stderr pgs-daily-plan settings --games g.csv
	[[ $stderr == *"--games belongs to a --source: give it after one"* ]]
	printf 'config = other.conf\n' >c.conf
	run -2 --separate-stderr pgs-daily-plan settings --config c.conf
	[[ $stderr == *"c.conf: a config file cannot name another (--config)"* ]]
	printf 'allow-missing = yes\n' >c.conf
	run -2 --separate-stderr pgs-daily-plan settings --config c.conf
	[[ $stderr == *"c.conf:1: 'allow-missing' takes no value"* ]]
	printf 'store\n' >c.conf
	run -2 --separate-stderr pgs-daily-plan settings --config c.conf
	[[ $stderr == *"c.conf:1: 'store' needs a value"* ]]
	run -3 --separate-stderr pgs-daily-plan settings --config missing.conf
	[[ $stderr == *"cannot read the config file 'missing.conf'"* ]]
	run -3 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --log /dev/full/x
	[[ $stderr == *"cannot write the log '/dev/full/x'"* ]]
}

@test "settings > /dev/full fails (3)" {
	run -3 --separate-stderr bash -c 'pgs-daily-plan settings --date 2024-03-01 --state-dir st >/dev/full'
}

@test "lock: taken on an open descriptor, held while it is open: a second one is refused (4)" {
	run -0 --separate-stderr bash -c 'exec 9>>l; pgs-daily-plan lock --fd 9 && pgs-daily-plan lock --fd 9'
	# another open file description of the same file: the lock is held
	run -4 --separate-stderr bash -c 'exec 8>>l 9>>l; pgs-daily-plan lock --fd 8 && pgs-daily-plan lock --fd 9'
	[ -z "$stderr" ]
	run -2 --separate-stderr pgs-daily-plan lock --fd x
	run -3 --separate-stderr pgs-daily-plan lock --fd 57
}

@test "gaps: the report's ranges with their days; a report that is not JSON is 3" {
	echo '{"gaps":[["2021-10-20","2021-10-20"],["2021-11-01","2021-11-03"]],"failures":[]}' >r.json
	run -0 --separate-stderr pgs-daily-plan gaps <r.json
	assert_output $'2021-10-20..2021-10-20 1\n2021-11-01..2021-11-03 3'
	echo '{"gaps":[]}' >none.json
	run -0 --separate-stderr pgs-daily-plan gaps <none.json
	assert_output ""
	run -3 --separate-stderr pgs-daily-plan gaps <<<'not json'
	[[ $stderr == *"no pgs-validate --json report on standard input"* ]]
	run -3 --separate-stderr pgs-daily-plan gaps <<<'{"gaps":[["2021-10-20"]]}'
}

@test "provisional: the report's dates of provisional games but the days given, merged, and their games" {
	echo '{"provisional":{"games":5,"rows":90,"dates":[{"date":"2021-10-18","games":1},
		{"date":"2021-10-19","games":2},{"date":"2021-10-21","games":1},{"date":"2021-10-24","games":1}]}}' >r.json
	run -0 --separate-stderr pgs-daily-plan provisional 2021-10-21 2021-10-23..2021-10-25 <r.json
	assert_output $'2021-10-18..2021-10-19 2\ngames\t3'
	[ -z "$stderr" ]
	run -0 --separate-stderr pgs-daily-plan provisional <r.json
	assert_output $'2021-10-18..2021-10-19 2\n2021-10-21..2021-10-21 1\n2021-10-24..2021-10-24 1\ngames\t5'
	# a report without provisional games (or from a pgs before them): nothing to do
	run -0 --separate-stderr pgs-daily-plan provisional <<<'{"gaps":[]}'
	assert_output $'games\t0'
	run -2 --separate-stderr pgs-daily-plan provisional 2021-13-01 <r.json
	[[ $stderr == *"'2021-13-01' is not a day (YYYY-MM-DD) or a range FROM..TO"* ]]
	run -3 --separate-stderr pgs-daily-plan provisional <<<'not json'
	run -3 --separate-stderr pgs-daily-plan provisional <<<'{"provisional":{"dates":[{"date":"x","games":1}]}}'
	[[ $stderr == *"a provisional date that is not {date, games} in the report"* ]]
	run -3 --separate-stderr bash -c 'pgs-daily-plan provisional <r.json >/dev/full'
}

@test "why: what failed, from a job's status and a validation report" {
	cat >st.json <<-'EOF'
	{"failed":[{"from":"2021-10-19","to":"2021-10-19","error":"pgs-extract exited 3: HTTP 404","refused":null},
	 {"from":"2021-10-20","to":"2021-10-21","error":"x","refused":null},
	 {"from":"2021-10-22","to":"2021-10-22","error":"x","refused":null},
	 {"from":"2021-10-23","to":"2021-10-23","error":"x","refused":null}]}
	EOF
	run -0 --separate-stderr pgs-daily-plan why landing <st.json
	assert_output "2021-10-19, 2021-10-20..2021-10-21, 2021-10-22 and 1 more batches: pgs-extract exited 3: HTTP 404"
	run -0 --separate-stderr pgs-daily-plan why rebuild <st.json
	assert_output $'3\tfailed: 2021-10-19..2021-10-19  pgs-extract exited 3: HTTP 404'
	echo '{"failed":[{"from":"a","to":"b","error":"refused by fencing","refused":"fenced"}]}' >f.json
	run -0 --separate-stderr pgs-daily-plan why rebuild <f.json
	assert_output $'4\twas refused by fencing: a later run (a backfill?) committed these days; nothing was overwritten'
	echo '{"failed":[]}' >none.json
	run -0 --separate-stderr pgs-daily-plan why landing <none.json
	assert_output ""
	echo '{"failures":[{"check":"a","message":"m1"},{"check":"b","message":"m2"}]}' >v.json
	run -0 --separate-stderr pgs-daily-plan why validation <v.json
	assert_output $'a m1 (and 1 more)\nFAIL a m1\nFAIL b m2'
	run -3 --separate-stderr pgs-daily-plan why validation </dev/null
}

@test "settings: a backfill's options, the HTTP settings, the days forgotten and the store's key" {
	printf 'prefer = nbacom\nlines = l.csv\nhttp-retries = 4\nforget-day = 2024-01-02\n' >daily.conf
	run -0 --separate-stderr pgs-daily-plan settings --config daily.conf --date 2024-03-01 --state-dir st \
		--prefer bbref --aliases a.csv --no-register --http-timeout 9 --forget-day 2024-02-01
	[ "$(setting backfill_opt | paste -sd ' ')" = "--prefer bbref --aliases a.csv --lines l.csv --no-register" ]
	[ "$(setting ingest_opt | paste -sd ' ')" = "--http-timeout 9 --http-retries 4" ]
	[ "$(setting forget | paste -sd ' ')" = "2024-02-01 2024-01-02" ]
	key=$(setting store_key)
	[[ $key =~ ^[0-9a-f]{16}$ ]]
	# the key is the store's, and no password's
	run -0 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --store 'postgres://u:a@h/db'
	key=$(setting store_key)
	run -0 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --store 'postgres://u:b@h/db'
	[ "$(setting store_key)" = "$key" ]
	run -0 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --store 'postgres://u:b@h/other'
	[ "$(setting store_key)" != "$key" ]
	run -2 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --forget-day 2024-13-01
	[[ $stderr == *"bad --forget-day '2024-13-01' (want YYYY-MM-DD)"* ]]
}

@test "settings: the sweep's days, D-S+1..D-N, only with a sweep longer than the run's own days" {
	run -0 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --sweep-days 21
	[ "$(setting sweep_from)" = 2024-02-10 ]
	[ "$(setting sweep_to)" = 2024-02-27 ]
	printf 'sweep-days = 10\ndays-back = 5\n' >daily.conf
	run -0 --separate-stderr pgs-daily-plan settings --config daily.conf --date 2024-03-01 --state-dir st
	[ "$(setting sweep_from)..$(setting sweep_to)" = 2024-02-21..2024-02-25 ]
	# no longer than --days-back: the run's own days, nothing to sweep
	run -0 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --sweep-days 3
	[ -z "$(setting sweep_from)" ]
	[ -z "$(setting sweep_to)" ]
	[ "$(setting first)" = 2024-02-28 ]
	run -2 --separate-stderr pgs-daily-plan settings --date 2024-03-01 --state-dir st --sweep-days 0
	[[ $stderr == *"bad --sweep-days '0' (want a positive integer)"* ]]
}

@test "ranges: days and ranges merged; landing: what a landing job's status landed, and the days owed" {
	run -0 --separate-stderr pgs-daily-plan ranges <<<$'2021-10-15\n2021-10-19..2021-10-21\n\n2021-10-18\n2021-10-01'
	assert_output $'2021-10-01..2021-10-01 1\n2021-10-15..2021-10-15 1\n2021-10-18..2021-10-21 4'
	run -3 --separate-stderr pgs-daily-plan ranges <<<'2021-10-21..2021-10-19'
	[[ $stderr == *"stdin:1: want a day or FROM..TO, not '2021-10-21..2021-10-19'"* ]]

	run -0 --separate-stderr pgs-daily-plan landing 2021-10-19 2021-10-22 <<<'{"done":[["2021-10-18","2021-10-19"],["2021-10-21","2021-10-21"]]}'
	assert_output $'landed\t2021-10-19..2021-10-19\nlanded\t2021-10-21..2021-10-21\nowed\t2021-10-20\nowed\t2021-10-22'
	# no status (the job never ran): nothing landed
	run -0 --separate-stderr pgs-daily-plan landing 2021-10-19 2021-10-20 </dev/null
	assert_output $'owed\t2021-10-19\nowed\t2021-10-20'
	run -2 --separate-stderr pgs-daily-plan landing 2021-10-20 2021-10-19 </dev/null
}

@test "changed: the games whose rows differ, per game and source, whatever the key order; corrections: counted from pgs-diff --json" {
	cat >stored <<-'EOF2'
	{"game_date":"2021-10-20","game_id":"G1","source":"bbref","player_name":"A","points":10}
	{"game_date":"2021-10-20","game_id":"G1","source":"bbref","player_name":"B","points":4}
	{"game_date":"2021-10-20","game_id":"G2","source":"bbref","player_name":"C","points":7}
	{"game_date":"2021-10-21","game_id":"G3","source":"bbref","player_name":"D","points":2}
	{"game_date":"2021-10-21","game_id":"G4","source":"nbacom","player_name":"E","points":2}
	{"pgs_end":{"tool":"pgs-extract","rows":5}}
	EOF2
	# G1: same rows, other key order (unchanged); G2: a point more; G3: gone
	# from a day fetched; G4: nbacom not fetched that day (not compared); G5: new
	cat >fetched <<-'EOF2'
	{"game_id":"G1","game_date":"2021-10-20","source":"bbref","player_name":"B","points":4}
	{"source":"bbref","game_date":"2021-10-20","game_id":"G1","player_name":"A","points":10}
	{"game_date":"2021-10-20","game_id":"G2","source":"bbref","player_name":"C","points":8}
	{"game_date":"2021-10-21","game_id":"G5","source":"bbref","player_name":"F","points":3}
	EOF2
	run -0 --separate-stderr pgs-daily-plan changed stored fetched
	assert_output $'2021-10-20 G2\n2021-10-21 G3\n2021-10-21 G5'
	# the same rows: nothing
	run -0 --separate-stderr pgs-daily-plan changed stored stored
	assert_output ""
	echo 'not json' >>fetched
	run -3 --separate-stderr pgs-daily-plan changed stored fetched
	[[ $stderr == *"fetched:5: not a JSON object"* ]]
	run -3 --separate-stderr pgs-daily-plan changed stored nosuch
	[[ $stderr == *"cannot read 'nosuch'"* ]]

	cat >changes <<-'EOF2'
	{"game_date":"2021-10-20","game_id":"G2","player_lookup":"c","change":"updated","over_under_flipped":true}
	{"game_date":"2021-10-20","game_id":"G2","player_lookup":"d","change":"deleted"}
	{"game_date":"2021-10-22","game_id":"G6","player_lookup":"x","change":"inserted"}
	{"game_date":"2021-10-21","game_id":"G3","player_lookup":"e","change":"updated"}
	EOF2
	run -0 --separate-stderr pgs-daily-plan corrections changes
	[ "${#lines[@]}" -eq 4 ]
	[ "${lines[3]}" = $'total\t3\t2\t1' ]
	[[ ${lines[0]} == *'"player_lookup":"c"'* ]]
	echo '{"no":"change"}' >>changes
	run -3 --separate-stderr pgs-daily-plan corrections changes
	[[ $stderr == *"changes:5: not a pgs-diff --json record"* ]]
}
