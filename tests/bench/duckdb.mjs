// Usage: node tests/bench/duckdb.mjs RAW.ndjson OUT.duckdb
//
// The peer that tests/bench/run measures pgs against: the same job done by a
// SQL engine, as a team that would rather not run pgs might do it.  DuckDB
// (the @duckdb/node-api package tests/bqemu installs) reads the raw NDJSON
// with read_json and ONE query computes, per player and game, minutes from
// the printed "MM:SS" (or whole minutes), the shooting percentages, usage
// with the team totals of the same game and the win flag, into a table of a
// database file.  No registry, no merging of sources, no contract checks, no
// lineage hashes: a lower bound of what the job costs, not the same product.
// Prints one line: {"rows":N,"ms":T}.
import { createRequire } from 'node:module';

// the package lives in tests/bqemu/node_modules (tests/bqemu/setup installs it)
const require = createRequire(new URL('../bqemu/package.json', import.meta.url));
const { DuckDBInstance } = require('@duckdb/node-api');

const [raw, out] = process.argv.slice(2);
if (!raw || !out) {
	process.stderr.write('usage: node tests/bench/duckdb.mjs RAW.ndjson OUT.duckdb\n');
	process.exit(2);
}
const quote = (s) => `'${s.replaceAll("'", "''")}'`;
const t0 = Date.now();
const db = await DuckDBInstance.create(out);
const con = await db.connect();
await con.run(`
CREATE OR REPLACE TABLE player_game_summary AS
WITH raw AS (
  SELECT *,
    CASE
      WHEN minutes IS NULL OR minutes = '' THEN NULL
      WHEN contains(minutes, ':') THEN
        CAST(split_part(minutes, ':', 1) AS INTEGER) * 60 + CAST(split_part(minutes, ':', 2) AS INTEGER)
      ELSE CAST(minutes AS INTEGER) * 60
    END AS secs
  FROM read_json(${quote(raw)}, format = 'newline_delimited', columns = {
    game_id: 'VARCHAR', game_date: 'DATE', season_year: 'INTEGER', game_type: 'VARCHAR',
    home_team_abbr: 'VARCHAR', team_abbr: 'VARCHAR', opponent_team_abbr: 'VARCHAR',
    source: 'VARCHAR', player_name: 'VARCHAR', player_status: 'VARCHAR', starter: 'BOOLEAN',
    minutes: 'VARCHAR', points: 'INTEGER', fg_makes: 'INTEGER', fg_attempts: 'INTEGER',
    three_pt_makes: 'INTEGER', three_pt_attempts: 'INTEGER', ft_makes: 'INTEGER',
    ft_attempts: 'INTEGER', offensive_rebounds: 'INTEGER', defensive_rebounds: 'INTEGER',
    total_rebounds: 'INTEGER', assists: 'INTEGER', steals: 'INTEGER', blocks: 'INTEGER',
    turnovers: 'INTEGER', personal_fouls: 'INTEGER', plus_minus: 'INTEGER'})
),
team AS (
  SELECT game_id, team_abbr,
    sum(fg_attempts) AS t_fga, sum(ft_attempts) AS t_fta, sum(turnovers) AS t_tov,
    sum(secs) AS t_secs, sum(points) AS t_pts
  FROM raw WHERE player_status = 'active' GROUP BY ALL
)
SELECT r.game_id, r.game_date, r.season_year, r.game_type, r.team_abbr, r.opponent_team_abbr,
  lower(regexp_replace(strip_accents(r.player_name), '[^A-Za-z0-9]', '', 'g')) AS player_lookup,
  r.player_name AS player_full_name, r.team_abbr = r.home_team_abbr AS home_game,
  r.points, r.secs AS seconds_played, round(r.secs / 60.0, 1) AS minutes_played,
  r.fg_makes, r.fg_attempts, r.three_pt_makes, r.three_pt_attempts, r.ft_makes, r.ft_attempts,
  r.offensive_rebounds, r.defensive_rebounds, r.total_rebounds, r.assists, r.steals, r.blocks,
  r.turnovers, r.personal_fouls, r.plus_minus,
  round((r.fg_makes + 0.5 * r.three_pt_makes) / nullif(r.fg_attempts, 0), 3) AS efg_pct,
  round(r.points / nullif(2 * (r.fg_attempts + 0.44 * r.ft_attempts), 0), 3) AS ts_pct,
  round(100 * (r.fg_attempts + 0.44 * r.ft_attempts + r.turnovers) * (t.t_secs / 5.0)
    / nullif(r.secs * (t.t_fga + 0.44 * t.t_fta + t.t_tov), 0), 1) AS usage_rate,
  r.player_status = 'active' AS is_active, r.player_status, r.starter AS starter_flag,
  t.t_pts AS team_points, o.t_pts AS opponent_points, t.t_pts > o.t_pts AS win_flag,
  r.source AS primary_source_used
FROM raw r
LEFT JOIN team t ON t.game_id = r.game_id AND t.team_abbr = r.team_abbr
LEFT JOIN team o ON o.game_id = r.game_id AND o.team_abbr = r.opponent_team_abbr
`);
const reader = await con.runAndReadAll('SELECT count(*) AS n FROM player_game_summary');
const rows = Number(reader.getRowObjects()[0].n);
con.closeSync?.();
process.stdout.write(JSON.stringify({ rows, ms: Date.now() - t0 }) + '\n');
