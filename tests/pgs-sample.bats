#!/usr/bin/env bats
# pgs-sample: the deterministic sample league — options, failure paths,
# determinism, both output formats, box-score consistency, scale and windows.

load test_helper

SAMPLE="$PGS_ROOT/bin/pgs-sample"
SYNOPSIS='pgs-sample [--seed N] [--scale X] [--format bbref-csv|raw] [--from D] [--to D] [-o DIR]'
HEADER='season,game_type,bbref_game_id,game_date,home_team,team,opponent,is_home,starter,row_order,player,bbref_player_id,player_csk,mp,fg,fga,fg_pct,fg3,fg3a,fg3_pct,ft,fta,ft_pct,orb,drb,trb,ast,stl,blk,tov,pf,pts,plus_minus,reason'
RAW_FIELDS='["assists","away_team_abbr","blocks","defensive_rebounds","dnp_reason","fg_attempts","fg_makes","ft_attempts","ft_makes","game_date","game_id","game_type","home_team_abbr","minutes","offensive_rebounds","opponent_team_abbr","personal_fouls","player_name","player_status","plus_minus","points","season_year","source","source_game_id","source_player_id","starter","steals","team_abbr","three_pt_attempts","three_pt_makes","total_rebounds","turnovers"]'

# One small league in each format, made once for the whole file; the tests
# check the exit status recorded here.
setup_file() {
	local d="$BATS_FILE_TMPDIR"
	"$SAMPLE" --scale 0.05 > "$d/small.csv" 2> "$d/small.err"
	echo $? > "$d/small.rc"
	"$SAMPLE" --scale 0.05 --format raw > "$d/small.ndjson" 2> "$d/small_raw.err"
	echo $? > "$d/small_raw.rc"
}

setup() {
	common_setup
	SMALL="$BATS_FILE_TMPDIR/small.csv"
	SMALL_RAW="$BATS_FILE_TMPDIR/small.ndjson"
}

# py SCRIPT FILE...: runs a python3 check; it prints "ok" or what is wrong.
py() {
	local script="$1"
	shift
	printf '%s\n' "$script" > "$BATS_TEST_TMPDIR/check.py"
	python3 "$BATS_TEST_TMPDIR/check.py" "$@"
}

@test "--help prints the synopsis to stdout and exits 0" {
	run --separate-stderr "$SAMPLE" --help
	assert_success
	assert_line --index 0 "usage: $SYNOPSIS"
	assert_output --partial '--scale X'
	assert_equal "$stderr" ""
}

@test "-V prints the version" {
	run --separate-stderr "$SAMPLE" -V
	assert_success
	assert_output 'pgs-sample 0.1.0'
}

@test "a bad flag is a usage error (2) with a message on stderr" {
	run --separate-stderr -2 "$SAMPLE" --bogus
	assert_output ""
	[[ "$stderr" == "pgs-sample: unknown option '--bogus'"* ]]
}

@test "bad option values are usage errors (2)" {
	run --separate-stderr -2 "$SAMPLE" --scale 0
	[[ "$stderr" == "pgs-sample: bad --scale '0'"* ]]
	run --separate-stderr -2 "$SAMPLE" --format xml
	[[ "$stderr" == "pgs-sample: bad --format 'xml'"* ]]
	run --separate-stderr -2 "$SAMPLE" --from 2023-02-30
	[[ "$stderr" == "pgs-sample: bad --from '2023-02-30'"* ]]
	run --separate-stderr -2 "$SAMPLE" --seed -4
	run --separate-stderr -2 "$SAMPLE" --from 2023-02-02 --to 2023-02-01
	run --separate-stderr -2 "$SAMPLE" --seed
	run --separate-stderr -2 "$SAMPLE" stray
	assert_equal "$output" ""
}

@test "the small league was generated cleanly" {
	assert_equal "$(cat "$BATS_FILE_TMPDIR/small.rc")" 0
	assert_equal "$(cat "$BATS_FILE_TMPDIR/small_raw.rc")" 0
	assert_equal "$(cat "$BATS_FILE_TMPDIR/small.err")" ""
	assert_equal "$(cat "$BATS_FILE_TMPDIR/small_raw.err")" ""
	[ "$(wc -l < "$SMALL")" -gt 3000 ]
}

@test "same seed gives byte-identical output, another seed does not" {
	"$SAMPLE" --scale 0.05 --seed 7 > a.csv
	"$SAMPLE" --scale 0.05 --seed 7 > b.csv
	"$SAMPLE" --scale 0.05 --seed 8 > c.csv
	"$SAMPLE" --scale 0.05 --seed 7 --format raw > a.ndjson
	"$SAMPLE" --scale 0.05 --seed 7 --format raw > b.ndjson
	a=$(sha256sum < a.csv) b=$(sha256sum < b.csv) c=$(sha256sum < c.csv)
	assert_equal "$a" "$b"
	[ "$a" != "$c" ]
	assert_equal "$(sha256sum < a.ndjson)" "$(sha256sum < b.ndjson)"
	# the default seed is 1
	"$SAMPLE" --scale 0.05 --seed 1 > d.csv
	cmp d.csv "$SMALL"
}

@test "bbref-csv starts with the exact header" {
	run head -n 1 "$SMALL"
	assert_output "$HEADER"
}

@test "every team-game has 5 starters first and whole-game seconds" {
	run py '
import csv, sys, collections
tg = collections.defaultdict(list)
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    tg[(r["bbref_game_id"], r["team"])].append(r)
bad = []
for k, rows in tg.items():
    st = [r["starter"] for r in rows]
    if st.count("1") != 5 or st[:5] != ["1"] * 5:
        bad.append(("starters", k))
    if [int(r["row_order"]) for r in rows] != list(range(len(rows))):
        bad.append(("row_order", k))
    secs = 0
    for r in rows:
        if r["mp"]:
            m, s = r["mp"].split(":")
            secs += int(m) * 60 + int(s)
    if secs not in (14400, 15900, 17400, 18900):
        bad.append(("seconds", k, secs))
    if not 9 <= len(rows) <= 17:
        bad.append(("rows", k, len(rows)))
print(bad[:5] if bad else "ok %d" % len(tg))
' "$SMALL"
	assert_success
	assert_output --regexp '^ok [0-9]+$'
}

@test "played rows are consistent box scores, DNP rows are empty" {
	run py '
import csv, sys, re
bad = []
n = 0
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    stats = ["fg","fga","fg3","fg3a","ft","fta","orb","drb","trb","ast","stl","blk","tov","pf","pts"]
    if r["reason"]:
        if any(r[k] for k in stats + ["mp","fg_pct","plus_minus"]) or r["starter"] != "0":
            bad.append(("dnp", r["bbref_game_id"], r["player"]))
        if r["reason"] not in ("Did Not Play","Did Not Dress","Not With Team","Player Suspended"):
            bad.append(("reason", r["reason"]))
        continue
    n += 1
    v = {k: int(r[k]) for k in stats}
    ok = (v["fg"] <= v["fga"] and v["fg3"] <= v["fg3a"] and v["fg3"] <= v["fg"]
          and v["fg3a"] <= v["fga"] and v["ft"] <= v["fta"]
          and v["pts"] == 2 * v["fg"] + v["fg3"] + v["ft"]
          and v["trb"] == v["orb"] + v["drb"] and min(v.values()) >= 0)
    ok = ok and re.fullmatch(r"[0-9]{1,2}:[0-5][0-9]", r["mp"]) is not None
    ok = ok and re.fullmatch(r"|0|[+-][1-9][0-9]*", r["plus_minus"]) is not None
    if v["fga"]:
        # bbref rounds halves up: 7/16 is .438
        permille = (2000 * v["fg"] + v["fga"]) // (2 * v["fga"])
        ok = ok and r["fg_pct"] == ("1.000" if permille == 1000 else ".%03d" % permille)
    else:
        ok = ok and r["fg_pct"] == ""
    if not ok:
        bad.append(r)
print(bad[:3] if bad else "ok %d" % n)
' "$SMALL"
	assert_success
	assert_output --regexp '^ok [0-9]+$'
}

@test "no game ends in a tie and every game has two teams" {
	run py '
import csv, sys, collections
pts = collections.defaultdict(collections.Counter)
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    pts[r["bbref_game_id"]][r["team"]] += int(r["pts"] or 0)
bad = [g for g, c in pts.items() if len(c) != 2 or len(set(c.values())) != 2]
print(bad[:5] if bad else "ok")
' "$SMALL"
	assert_output "ok"
}

@test "bbref-csv uses BRK/CHO/PHO, raw uses BKN/CHA/PHX" {
	run cut -d, -f5-7 "$SMALL"
	assert_output --regexp 'BRK'
	assert_output --regexp 'CHO'
	assert_output --regexp 'PHO'
	refute_output --regexp 'BKN|CHA|PHX'
	run jq -r '[.home_team_abbr, .away_team_abbr, .team_abbr, .opponent_team_abbr, (.game_id | split("_") | .[1:] | .[])] | join(" ")' "$SMALL_RAW"
	assert_success
	assert_output --regexp 'BKN'
	assert_output --regexp 'CHA'
	assert_output --regexp 'PHX'
	refute_output --regexp 'BRK|CHO|PHO'
}

@test "raw lines are compact JSON with exactly the raw-row fields" {
	run --separate-stderr jq -c . "$SMALL_RAW"
	assert_success
	assert_equal "$output" "$(cat "$SMALL_RAW")"
	run bash -c "jq -c keys '$SMALL_RAW' | sort -u"
	assert_output "$RAW_FIELDS"
}

@test "raw rows follow the contract's types and statuses" {
	run jq -r '
	  if .player_status == "active" then
	    (.minutes | test("^[0-9]{1,2}:[0-5][0-9]$")) and .dnp_reason == null and (.points | type) == "number"
	  elif .player_status == "dnp" or .player_status == "inactive" then
	    (.minutes == null or .minutes == "") and .dnp_reason != null and .points == null
	      and .plus_minus == null and .starter == false
	  else false end
	  and (.season_year | type) == "number" and .source == "sample"
	  and (.game_id | test("^[0-9]{8}_[A-Z]{3}_[A-Z]{3}$"))
	  and (.source_game_id | test("^[0-9]{8}0[A-Z]{3}$"))' "$SMALL_RAW"
	assert_success
	refute_output --partial false
	run jq -r 'select(.player_status != "active") | .dnp_reason' "$SMALL_RAW"
	assert_output --partial 'DNP - '
	assert_output --partial 'Did Not Play'
}

@test "raw and bbref-csv describe the same games and players" {
	run py '
import csv, json, sys
a = {(r["bbref_game_id"], r["bbref_player_id"]): r["pts"] for r in csv.DictReader(open(sys.argv[1], encoding="utf-8"))}
b = {}
for line in open(sys.argv[2], encoding="utf-8"):
    r = json.loads(line)
    b[(r["source_game_id"], r["source_player_id"])] = "" if r["points"] is None else str(r["points"])
print("ok" if a == b else "differ")
' "$SMALL" "$SMALL_RAW"
	assert_output "ok"
}

@test "rows are grouped by game and ordered by date then game id" {
	run bash -c "tail -n +2 '$SMALL' | cut -d, -f3,4 | uniq | awk -F, '{print \$2 \",\" \$1}' | sort -c && tail -n +2 '$SMALL' | cut -d, -f3 | uniq | sort | uniq -d"
	assert_success
	assert_output ""
	run bash -c "jq -r '.game_date + \" \" + .game_id' '$SMALL_RAW' | uniq | sort -c && jq -r .game_id '$SMALL_RAW' | uniq | sort | uniq -d"
	assert_success
	assert_output ""
}

@test "names carry diacritics, suffixes and one pair of namesakes" {
	run py '
import csv, sys, unicodedata, re
ids = {}
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    ids[r["bbref_player_id"]] = r["player"]
def key(s):
    s = unicodedata.normalize("NFKD", s.replace("ß", "ss").replace("ı", "i"))
    return re.sub("[^a-z0-9]", "", "".join(c for c in s if not unicodedata.combining(c)).lower())
names = list(ids.values())
keys = {}
for i, n in ids.items():
    keys.setdefault(key(n), set()).add(i)
print(any(not n.isascii() for n in names), any(n.endswith(" Jr.") for n in names),
      any("\x27" in n for n in names), any("-" in n for n in names),
      sorted(k for k, v in keys.items() if len(v) > 1))
' "$SMALL"
	assert_output "True True True True ['marcuswilliams']"
}

@test "--from/--to keeps exactly the games in the window" {
	run --separate-stderr "$SAMPLE" --scale 0.05 --from 2022-10-19 --to 2022-10-21
	assert_success
	assert_line --index 0 "$HEADER"
	printf '%s\n' "$output" | tail -n +2 > window.csv
	run bash -c "cut -d, -f4 window.csv | sort -u"
	assert_output "$(printf '%s\n' 2022-10-19 2022-10-20 2022-10-21)"
	awk -F, '$4 >= "2022-10-19" && $4 <= "2022-10-21"' "$SMALL" > expected.csv
	[ -s window.csv ]
	cmp window.csv expected.csv
	"$SAMPLE" --scale 0.05 --format raw --from 2022-10-19 --to 2022-10-21 > window.ndjson
	jq -c 'select(.game_date >= "2022-10-19" and .game_date <= "2022-10-21")' "$SMALL_RAW" > expected.ndjson
	cmp window.ndjson expected.ndjson
}

@test "-o DIR writes one file per season, creating DIR" {
	run --separate-stderr "$SAMPLE" --scale 0.05 -o out/csv
	assert_success
	assert_output ""
	run ls out/csv
	assert_output "$(printf '%s\n' sample_2021-22.csv sample_2022-23.csv sample_2023-24.csv)"
	for f in out/csv/*.csv; do
		assert_equal "$(head -n 1 "$f")" "$HEADER"
	done
	{ echo "$HEADER"; for f in out/csv/*.csv; do tail -n +2 "$f"; done; } > joined.csv
	cmp joined.csv "$SMALL"
	run --separate-stderr "$SAMPLE" --scale 0.05 --format raw -o out/raw --from 2023-01-01
	assert_success
	run ls out/raw
	assert_output "sample_2023-24.ndjson"
	run grep -c '"season_year":2023,' out/raw/sample_2023-24.ndjson
	assert_equal "$output" "$(grep -c '"season_year":2023,' "$SMALL_RAW")"
}

@test "a full disk is an I/O failure (3) with a message" {
	run --separate-stderr -3 bash -c "'$SAMPLE' --scale 0.05 > /dev/full"
	[[ "$stderr" == "pgs-sample: write error on stdout: "* ]]
	run --separate-stderr -3 bash -c "'$SAMPLE' --scale 0.05 --format raw > /dev/full"
	[[ "$stderr" == "pgs-sample: write error on stdout: "* ]]
	touch notadir
	run --separate-stderr -3 "$SAMPLE" --scale 0.05 -o notadir/x
	[[ "$stderr" == "pgs-sample: cannot create directory"* ]]
}

@test "a reader closing the pipe early ends it quietly: pgs-sample itself ends by SIGPIPE" {
	"$SAMPLE" --scale 2 2> err | head -n 1 > first
	local st=("${PIPESTATUS[@]}")
	assert_equal "${st[*]}" "141 0"
	[ ! -s err ] || fail "stderr: $(cat err)"
	assert_equal "$(cat first)" "$HEADER"
	# the same when SIGPIPE is ignored
	(
		trap '' PIPE
		"$SAMPLE" --scale 2 2> err | head -n 1 > first
		echo "${PIPESTATUS[*]}" > st
	)
	assert_equal "$(cat st)" "141 0"
	[ ! -s err ] || fail "stderr with SIGPIPE ignored: $(cat err)"
}

@test "a shorter league is a prefix of each season of --scale 1" {
	"$SAMPLE" | sort > full.sorted
	sort "$SMALL" > small.sorted
	run comm -23 small.sorted full.sorted
	assert_success
	assert_output ""
}

@test "--scale 1: three seasons of 80k-110k rows with play-in, playoffs and the Cup final" {
	"$SAMPLE" --scale 1 > full.csv
	rows=$(($(wc -l < full.csv) - 1))
	[ "$rows" -ge 80000 ]
	[ "$rows" -le 110000 ]
	run bash -c "cut -d, -f1,2 full.csv | tail -n +2 | sort -u"
	assert_output "$(printf '%s\n' 2021-22,play-in 2021-22,playoffs 2021-22,regular \
	    2022-23,play-in 2022-23,playoffs 2022-23,regular \
	    2023-24,play-in 2023-24,playoffs 2023-24,regular)"
	"$SAMPLE" --format raw --from 2023-12-09 --to 2023-12-09 > cup.ndjson
	run bash -c "jq -r .game_type cup.ndjson | sort -u"
	assert_output "cup_final"
	# overtime happens, and only in 25-minute steps
	run py '
import csv, sys, collections
secs = collections.Counter()
for r in csv.DictReader(open(sys.argv[1], encoding="utf-8")):
    if r["mp"]:
        m, s = r["mp"].split(":")
        secs[(r["bbref_game_id"], r["team"])] += int(m) * 60 + int(s)
c = collections.Counter(secs.values())
ot = (len(secs) - c[14400]) / len(secs)
print(set(c) <= {14400, 15900, 17400, 18900}, 15900 in c, 0.03 < ot < 0.1)
' full.csv
	assert_output "True True True"
}

@test "--scale 15 adds earlier seasons, ending 2023-24" {
	run --separate-stderr "$SAMPLE" --scale 15 -o s15 --to 1985-01-01
	assert_success
	run ls s15
	assert_output "$(printf 'sample_%s.csv\n' 1979-80 1980-81 1981-82 1982-83 1983-84 1984-85)"
	"$SAMPLE" --scale 15 --format raw --from 2024-01-01 > late.ndjson
	run jq -r .season_year late.ndjson
	assert_success
	run bash -c "jq -r .season_year late.ndjson | sort -u"
	assert_output "2023"
}
