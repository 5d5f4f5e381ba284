#!/usr/bin/env python3
"""The transform as the old Python backfill did it, for tests/bench/run.

json.loads every raw row, keep every game in memory, group by game, compute
minutes, eFG%, TS% and usage rate per player with the team totals of the
same game, and json.dumps one summary row per player.  It is a yardstick for
pgs-transform, not a reference implementation: no source merging, no rejects.
"""
import json
import sys
from collections import defaultdict


def seconds(minutes):
    if minutes is None or minutes == "":
        return None
    if minutes.startswith("PT"):
        m, s = minutes[2:-1].split("M")
        return int(m) * 60 + round(float(s))
    if ":" in minutes:
        m, s = minutes.split(":")
        return int(m) * 60 + int(s)
    return int(minutes) * 60


def ratio(num, den, digits):
    return None if not den else round(num / den, digits)


def main():
    games = defaultdict(list)
    for line in sys.stdin:
        row = json.loads(line)
        if "pgs_end" in row:
            continue
        games[row["game_id"]].append(row)

    out = sys.stdout
    for game_id, rows in games.items():
        team = defaultdict(lambda: {"fga": 0, "fta": 0, "tov": 0, "sec": 0, "pts": 0})
        for r in rows:
            r["_sec"] = seconds(r.get("minutes"))
            t = team[r["team_abbr"]]
            t["fga"] += r.get("fg_attempts") or 0
            t["fta"] += r.get("ft_attempts") or 0
            t["tov"] += r.get("turnovers") or 0
            t["sec"] += r["_sec"] or 0
            t["pts"] += r.get("points") or 0
        for r in rows:
            t, o = team[r["team_abbr"]], team[r["opponent_team_abbr"]]
            sec = r.pop("_sec")
            fgm, fga = r.get("fg_makes") or 0, r.get("fg_attempts") or 0
            fta, pts = r.get("ft_attempts") or 0, r.get("points") or 0
            tov, tpm = r.get("turnovers") or 0, r.get("three_pt_makes") or 0
            poss = t["fga"] + 0.44 * t["fta"] + t["tov"]
            usage = None
            if sec and poss:
                usage = round(100 * (fga + 0.44 * fta + tov) * (t["sec"] / 60 / 5)
                              / (sec / 60 * poss), 1)
            name = r["player_name"]
            lookup = "".join(c for c in name.lower() if c.isalnum())
            out.write(json.dumps({
                "player_lookup": lookup, "player_full_name": name,
                "game_id": game_id, "game_date": r["game_date"],
                "team_abbr": r["team_abbr"], "opponent_team_abbr": r["opponent_team_abbr"],
                "points": r.get("points"), "seconds_played": sec,
                "minutes_played": None if sec is None else round(sec / 60, 1),
                "efg_pct": ratio(fgm + 0.5 * tpm, fga, 3),
                "ts_pct": ratio(pts, 2 * (fga + 0.44 * fta), 3),
                "usage_rate": usage,
                "win_flag": t["pts"] > o["pts"],
            }, separators=(",", ":")) + "\n")


if __name__ == "__main__":
    main()
