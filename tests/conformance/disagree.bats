#!/usr/bin/env bats
# Store conformance, pgs-validate's rates of merged rows whose sources differ, per
# month and list of sources: the same tests on every backend (PGS_TEST_STORE=
# sqlite|postgres|bigquery; see store.bash), each of which gives sources_seen
# back in its own form (JSON text, jsonb, ARRAY<STRING>).

load ../test_helper
load store

setup() {
	store_skip_unless_ready
	common_setup
	S=$(store_fresh d)
	export PGS_STORE=$S
	W=(--from 2023-10-01 --to 2023-10-05)
}

write() {
	with_end "$1"
	run --separate-stderr pgs-write "${W[@]}" "$1.m"
	assert_success
}

@test "disagreement: a pair of sources that differs is named, also when a good pair outnumbers it in the month" {
	# 400 rows bbref+nbastats that agree (NYK's), 30 bbref+nbacom of which 3 differ (BOS's):
	# 3 of 430 in the month (0.7%) but 3 of 30 (10%) for the pair
	# shellcheck disable=SC2016 # (jq's $i, not the shell's)
	summary_rows 1 430 10 'if $i > 400 then {sources_seen: ["bbref", "nbacom"], team_abbr: "BOS",
	    opponent_team_abbr: "NYK", home_game: false} + (if $i <= 403 then {quality_issues:
	    ["stats_disagree"]} else {} end) else {sources_seen: ["bbref", "nbastats"]} end' >a.nd
	write a.nd
	run -4 --separate-stderr pgs-validate "${W[@]}" --list 0
	assert_line "FAIL source_disagreement 2023-10: 3 of 30 rows merged from bbref,nbacom differ on a counted stat (stats_disagree, 10.00% > 5%): a mislabelled column?"
	assert_equal "$(grep -c '^FAIL source_disagreement' <<<"$output")" 1
	assert_line --regexp '^2023-24  bbref,nbacom +30 +3  10\.00%\*$'
	assert_line --regexp '^2023-24  bbref,nbastats +400 +0  0\.00%$'
	run -4 --separate-stderr pgs-validate "${W[@]}" --json
	assert_equal "$(jq -c '.disagreement' <<<"$output")" \
		'[{"season":"2023-24","sources":"bbref,nbacom","merged":30,"differ":3,"pct":10,"fail":true},{"season":"2023-24","sources":"bbref,nbastats","merged":400,"differ":0,"pct":0,"fail":false}]'
	assert_equal "$(jq -c '.months[0].disagree' <<<"$output")" '{"n":3,"of":430,"pct":0.7,"fail":true}'
	# the page a cron mail links to has the same table
	run -4 --separate-stderr pgs-validate "${W[@]}" --html page.html
	grep -q '<h2 id="sources">Sources merged</h2>' page.html
	grep -q '<tr><td>2023-24</td><td>bbref,nbacom</td><td>30</td><td>3</td><td class="fail">10.00%</td></tr>' page.html
	grep -q '<tr><td>2023-24</td><td>bbref,nbastats</td><td>400</td><td>0</td><td class="pass">0.00%</td></tr>' page.html
	# above the threshold for the pair: passes
	run --separate-stderr pgs-validate "${W[@]}" --max-disagree 10 --json
	assert_equal "$(jq -c '[.checks[] | select(.check == "source_disagreement") | .status]' <<<"$output")" '["pass"]'
}

@test "disagreement: rows from one source only make no rates" {
	summary_rows 1 40 >a.nd
	write a.nd
	run --separate-stderr pgs-validate "${W[@]}" --json
	assert_equal "$(jq -c '.disagreement' <<<"$output")" '[]'
	run --separate-stderr pgs-validate "${W[@]}"
	refute_output --partial "merged from"
}
