/*
 * formulas.h — the efficiency fields of a summary row (eFG%, TS%, usage: MANUAL "Output fields").
 *
 * Each pgs_*_pct / pgs_usage_rate returns 1 and sets *out when the value is defined, 0 when it
 * is undefined (the row field is null; *out is left alone). A true 0 stays 0.0 and is defined.
 * Pure functions: no allocation, never print or exit.
 */
#ifndef PGS_FORMULAS_H
#define PGS_FORMULAS_H

/* Round half away from zero to dp decimal places, robust to binary noise: x·10^dp gets a 1e-9
 * relative nudge away from zero before round(), so 0.5 at 0 dp → 1 and 2.675 at 2 dp → 2.68.
 * NaN and infinities pass through; a result of zero is +0.0 (never "-0.0"). */
double pgs_round(double x, int dp);

/* (FGM + 0.5·3PM)/FGA, 3 dp; undefined when FGA <= 0 */
int pgs_efg_pct(long fgm, long fg3m, long fga, double *out);

/* PTS/(2·(FGA+0.44·FTA)), 3 dp; undefined when the denominator is <= 0 */
int pgs_ts_pct(long pts, long fga, long fta, double *out);

/* usage_rate = 100·(FGA+0.44·FTA+TOV)·(team_minutes/5) / (minutes·(tFGA+0.44·tFTA+tTOV)), minutes from seconds
 * (minutes = seconds/60, team_minutes = team_seconds/60, unrounded), 1 dp. Undefined when seconds <= 0,
 * team_seconds <= 0 or the team denominator is <= 0. A true 0 stays 0.0. Values > 100 are returned as
 * computed; flagging them is the caller's business. */
int pgs_usage_rate(long fga, long fta, long tov, long seconds,
                   long team_fga, long team_fta, long team_tov, long team_seconds, double *out);

#endif
