#!/usr/bin/env python3
"""Independent check of a backfilled player_game_summary against the real
basketball-reference box scores in ../shared/data.

It recomputes every summary field straight from the CSV files with Python's own
unicodedata/csv/hashlib — sharing no code with pgs — and compares it with the
table row by row.  Exit 0 when every row is present once and every field
agrees (within rounding); 1 with a report of the first differences otherwise.

Usage: verify.py --db PGS.DB --data SHARED_DATA [--seasons 2021-22,2022-23,2023-24]
"""
import argparse
import collections
import csv
import gzip
import sqlite3
import sys
import unicodedata

TEAM = {"BRK": "BKN", "CHO": "CHA", "PHO": "PHX"}
SPECIAL = {"ø": "o", "đ": "d", "ł": "l", "æ": "ae", "œ": "oe", "þ": "th", "ð": "d", "ı": "i"}
CUP_FINALS = {"2023-12-09", "2024-12-17", "2025-12-16"}
# the NBA Cup quarterfinals and semifinals of the seasons here (only their games were played those days)
CUP_KNOCKOUTS = {"2023-12-04", "2023-12-05", "2023-12-07"}
STATS = [("points", "pts"), ("fg_makes", "fg"), ("fg_attempts", "fga"), ("three_pt_makes", "fg3"),
         ("three_pt_attempts", "fg3a"), ("ft_makes", "ft"), ("ft_attempts", "fta"),
         ("offensive_rebounds", "orb"), ("defensive_rebounds", "drb"), ("total_rebounds", "trb"),
         ("assists", "ast"), ("steals", "stl"), ("blocks", "blk"), ("turnovers", "tov"),
         ("personal_fouls", "pf"), ("plus_minus", "plus_minus")]


def lookup(name):
    s = unicodedata.normalize("NFKD", name)
    s = "".join(c for c in s if not unicodedata.combining(c))
    s = s.casefold()
    s = "".join(SPECIAL.get(c, c) for c in s)
    return "".join(c for c in s if c in "abcdefghijklmnopqrstuvwxyz0123456789")


def seconds(mp):
    if mp == "":
        return None
    m, s = mp.split(":")
    return int(m) * 60 + int(s)


def num(v):
    if v == "":
        return None
    return int(v.lstrip("+"))


def rnd(x, dp):
    # decimal half-away-from-zero on the printed value
    from decimal import Decimal, ROUND_HALF_UP
    q = Decimal(1).scaleb(-dp)
    return float(Decimal(repr(x)).quantize(q, rounding=ROUND_HALF_UP))


def category(reason):
    r = reason.lower()
    if "suspend" in r:
        return "suspension"
    if "not with team" in r:
        return "not_with_team"
    if r == "did not play":
        return "coach_decision"
    return "other"


def expected(data, seasons):
    rows = {}
    by_team = collections.defaultdict(list)
    for season in seasons:
        path = f"{data}/bbref_parminpatel28/derived/bbref_player_box_{season}.csv.gz"
        with gzip.open(path, "rt", encoding="utf-8", newline="") as f:
            for r in csv.DictReader(f):
                date = r["game_date"]
                team, opp = TEAM.get(r["team"], r["team"]), TEAM.get(r["opponent"], r["opponent"])
                home, away = (team, opp) if r["is_home"] == "1" else (opp, team)
                gid = f"{date.replace('-', '')}_{away}_{home}"
                gt = {"regular": "regular", "play-in": "play_in", "playoffs": "playoffs"}[r["game_type"]]
                if gt == "regular" and date in CUP_FINALS:
                    gt = "cup_final"
                elif gt == "regular" and date in CUP_KNOCKOUTS:
                    gt = "cup_knockout"
                e = {"game_id": gid, "game_date": date, "season_year": int(date[:4]) if int(date[5:7]) >= 7 else int(date[:4]) - 1,
                     "game_type": gt, "counts_toward_regular_season": gt in ("regular", "cup_knockout"),
                     # basketball-reference publishes finished games only
                     "is_final": True,
                     "team_abbr": team, "opponent_team_abbr": opp,
                     "home_game": r["is_home"] == "1", "player_full_name": r["player"],
                     "player_lookup": lookup(r["player"]), "bbref_id": r["bbref_player_id"],
                     "starter_flag": r["starter"] == "1"}
                for k, c in STATS:
                    e[k] = num(r[c])
                sec = seconds(r["mp"])
                e["seconds_played"] = sec
                e["minutes_played"] = None if sec is None else rnd(sec / 60, 1)
                reason = r["reason"]
                status = "active" if reason == "" else ("dnp" if reason == "Did Not Play" else "inactive")
                e.update(player_status=status, is_active=status == "active", is_dnp=status != "active",
                         dnp_reason=reason or None, dnp_reason_category=None if status == "active" else category(reason))
                key = (gid, e["player_lookup"])
                if key in rows:
                    raise SystemExit(f"verify.py: duplicate key in the source data: {key}")
                rows[key] = e
                by_team[(gid, team)].append(e)
    for (gid, team), players in by_team.items():
        opp = players[0]["opponent_team_abbr"]
        others = by_team.get((gid, opp), [])
        act = [p for p in players if p["is_active"]]
        tsec = sum(p["seconds_played"] or 0 for p in players)
        tfga = sum(p["fg_attempts"] or 0 for p in act)
        tfta = sum(p["ft_attempts"] or 0 for p in act)
        ttov = sum(p["turnovers"] or 0 for p in act)
        tpts = sum(p["points"] or 0 for p in players)
        opts = sum(p["points"] or 0 for p in others) if others else None
        for p in players:
            p["team_points"] = tpts
            p["opponent_points"] = opts
            p["win_flag"] = None if opts is None else tpts > opts
            fga, fgm, fg3, fta, pts, tov = (p["fg_attempts"], p["fg_makes"], p["three_pt_makes"],
                                            p["ft_attempts"], p["points"], p["turnovers"])
            p["efg_pct"] = rnd((fgm + 0.5 * fg3) / fga, 3) if fga else None
            den = 2 * ((fga or 0) + 0.44 * (fta or 0)) if fga is not None else 0
            p["ts_pct"] = rnd(pts / den, 3) if den else None
            sec = p["seconds_played"]
            tden = tfga + 0.44 * tfta + ttov
            if sec and tsec and tden and fga is not None:
                p["usage_rate"] = rnd(100 * (fga + 0.44 * fta + tov) * (tsec / 60 / 5) / (sec / 60 * tden), 1)
            else:
                p["usage_rate"] = None
    return rows


TOL = {"efg_pct": 0.0011, "ts_pct": 0.0011, "usage_rate": 0.11, "minutes_played": 0.051}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--db", required=True)
    ap.add_argument("--data", required=True)
    ap.add_argument("--seasons", default="2021-22,2022-23,2023-24")
    a = ap.parse_args()
    exp = expected(a.data, a.seasons.split(","))
    con = sqlite3.connect(a.db)
    con.row_factory = sqlite3.Row
    got = {}
    dups = 0
    for r in con.execute("SELECT * FROM player_game_summary"):
        k = (r["game_id"], r["player_lookup"])
        dups += k in got
        got[k] = r
    bad = collections.Counter()
    examples = []
    missing = [k for k in exp if k not in got]
    extra = [k for k in got if k not in exp]
    uid_of = {}
    for k, e in exp.items():
        r = got.get(k)
        if r is None:
            continue
        if r["universal_player_id"] is None:
            bad["universal_player_id null"] += 1
        else:
            prev = uid_of.setdefault(e["bbref_id"], r["universal_player_id"])
            if prev != r["universal_player_id"]:
                bad["universal_player_id inconsistent"] += 1
        for f, v in e.items():
            if f == "bbref_id":
                continue
            g = r[f]
            if isinstance(v, bool):
                g = None if g is None else bool(g)
            if v is None or g is None:
                ok = v is None and g is None
            elif f in TOL:
                ok = abs(float(g) - v) <= TOL[f]
            else:
                ok = g == v
            if not ok:
                bad[f] += 1
                if len(examples) < 15:
                    examples.append(f"{k} {f}: table {g!r}, expected {v!r}")
    print(f"expected rows {len(exp)}, table rows {len(got)}, duplicates {dups}, "
          f"missing {len(missing)}, extra {len(extra)}")
    for f, n in sorted(bad.items()):
        print(f"field {f}: {n} rows differ")
    for x in examples:
        print("  " + x)
    for k in missing[:5]:
        print(f"  missing {k}")
    ok = not bad and not missing and not extra and not dups
    print("verify: OK" if ok else "verify: FAILED")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
