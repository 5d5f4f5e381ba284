/* formulas.c — efg_pct, ts_pct, usage_rate (see formulas.h). */
#include <math.h>

#include "formulas.h"

double
pgs_round(double x, int dp)
{
	double scale, y, r;

	if (!isfinite(x))
		return x;
	scale = pow(10.0, dp);
	y = x * scale;
	if (!isfinite(y) || fabs(y) >= 4503599627370496.0)	/* 2^52: already whole */
		return x;
	/* A decimal half such as 2.675 is often stored a hair below itself; the nudge
	 * (same sign as y) lifts it back over the half before round() breaks the tie. */
	r = round(y + y * 1e-9) / scale;
	return r == 0.0 ? 0.0 : r;
}

/* The 0.44 in the formulas is applied as 44/100 in integers so that the only
 * rounding before pgs_round is one division of two exactly representable numbers. */

int
pgs_efg_pct(long fgm, long fg3m, long fga, double *out)
{
	if (fga <= 0)
		return 0;
	*out = pgs_round((2.0 * (double)fgm + (double)fg3m) / (2.0 * (double)fga), 3);
	return 1;
}

int
pgs_ts_pct(long pts, long fga, long fta, double *out)
{
	/* PTS / (2·(FGA + 0.44·FTA)) = 50·PTS / (100·FGA + 44·FTA) */
	double den = 100.0 * (double)fga + 44.0 * (double)fta;

	if (den <= 0.0)
		return 0;
	*out = pgs_round(50.0 * (double)pts / den, 3);
	return 1;
}

int
pgs_usage_rate(long fga, long fta, long tov, long seconds,
               long team_fga, long team_fta, long team_tov, long team_seconds, double *out)
{
	/* With P = 100·FGA + 44·FTA + 100·TOV and T the same for the team, the formula is
	 * 100·(P/100)·(team_seconds/300) / ((seconds/60)·(T/100)) = 20·P·team_seconds / (seconds·T). */
	double p = 100.0 * (double)fga + 44.0 * (double)fta + 100.0 * (double)tov;
	double t = 100.0 * (double)team_fga + 44.0 * (double)team_fta + 100.0 * (double)team_tov;

	if (seconds <= 0 || team_seconds <= 0 || t <= 0.0)
		return 0;
	*out = pgs_round(20.0 * p * (double)team_seconds / ((double)seconds * t), 1);
	return 1;
}
