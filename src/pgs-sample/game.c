/* game.c — pgs-sample's trades and one game: lineups, minutes, box scores, plus-minus. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* ---- trades ---------------------------------------------------------------- */

/* Picks k players of team t who can be traded (not pinned, not yet moved). */
static int
trade_pick(struct league *L, struct rng *r, int t, int k, int *out)
{
	int cand[ROSTER_MAX], nc = 0;

	for (int i = 0; i < L->nroster[t]; i++) {
		struct player *p = &L->p[L->roster[t][i]];
		if (!p->is_pinned && !p->traded)
			cand[nc++] = L->roster[t][i];
	}
	if (nc < k)
		return -1;
	rng_shuffle(r, cand, nc);
	memcpy(out, cand, (size_t)k * sizeof(int));
	return 0;
}

/*
 * About 70 players a season change teams in 20-25 player-for-player trades,
 * between mid-November and the deadline; planned on the full schedule so a
 * shortened season keeps the same league.
 */
int
plan_trades(struct league *L, uint64_t seed, int year, int nday, struct trade *tr)
{
	struct rng r;
	int n, made = 0;

	rng_init(&r, seed, (uint64_t)year, ST_TRADES);
	n = 20 + rng_below(&r, 6);
	for (int i = 0; i < n; i++) {
		struct trade *t = &tr[made];
		t->a = rng_below(&r, NTEAMS);
		t->b = (t->a + 1 + rng_below(&r, NTEAMS - 1)) % NTEAMS;
		t->k = 1 + rng_below(&r, 2) + (rng_unit(&r) < 0.15);
		t->day = (int)(nday * (0.15 + 0.5 * rng_unit(&r)));
		t->done = 0;
		if (trade_pick(L, &r, t->a, t->k, t->pa) != 0 ||
		    trade_pick(L, &r, t->b, t->k, t->pb) != 0)
			continue;
		for (int k = 0; k < t->k; k++) {
			L->p[t->pa[k]].traded = 1;
			L->p[t->pb[k]].traded = 1;
		}
		made++;
	}
	return made;
}

void
apply_trades(struct league *L, struct trade *tr, int n, int upto_day)
{
	for (int i = 0; i < n; i++) {
		struct trade *t = &tr[i];
		if (t->done || t->day > upto_day)
			continue;
		for (int k = 0; k < t->k; k++) {
			roster_remove(L, t->a, t->pa[k]);
			roster_remove(L, t->b, t->pb[k]);
			roster_add(L, t->b, t->pa[k]);
			roster_add(L, t->a, t->pb[k]);
		}
		t->done = 1;
	}
}

/* ---- one game --------------------------------------------------------------- */

struct side {
	int team, n, nplay;
	int pts;
	struct row rows[ROSTER_MAX];
};

/* Games an injury costs: mostly a few, sometimes weeks. */
static int
injury_length(struct rng *r)
{
	if (rng_unit(r) < 0.7)
		return 1 + rng_poisson(r, 3.0);
	return 8 + rng_below(r, 33);
}

/*
 * Who is listed: the players who play (best first), then 1-4 rows of
 * players who did not (coach's decision, injured but listed, away, suspended).
 */
static void
pick_lineup(struct league *L, struct rng *r, struct side *sd)
{
	static const double play_w[] = { 3, 24, 33, 18, 13, 9 };	/* 8..13 */
	static const double dnp_w[] = { 30, 33, 24, 13 };		/* 1..4 */
	int avail[ROSTER_MAX], hurt[ROSTER_MAX], away[ROSTER_MAX];
	unsigned char away_reason[ROSTER_MAX];
	double key[ROSTER_MAX];
	int na = 0, nh = 0, nw = 0, nplay, ndnp, t = sd->team;

	for (int i = 0; i < L->nroster[t]; i++) {
		int pi = L->roster[t][i];
		struct player *p = &L->p[pi];
		double u;

		if ((p->is_pinned == 2 && L->year % 2 == 0) || (p->is_pinned == 3 && L->year % 2 == 1))
			continue;	/* a namesake's season off: not listed at all */
		if (p->injured > 0) {
			p->injured--;
			hurt[nh++] = pi;
			continue;
		}
		u = rng_unit(r);
		if (u < 0.010) {
			p->injured = injury_length(r) - 1;
			hurt[nh++] = pi;
		} else if (u < 0.0120) {
			away_reason[nw] = R_NWT;
			away[nw++] = pi;
		} else if (u < 0.0124) {
			away_reason[nw] = R_SUSP;
			away[nw++] = pi;
		} else {
			avail[na] = pi;
			key[na++] = p->q + 0.06 * rng_normal(r);
		}
	}
	while (na < PLAY_MIN && nh > 0) {	/* short-handed: the hurt play */
		avail[na] = hurt[--nh];
		key[na++] = 0.0;
	}
	for (int i = 1; i < na; i++)
		for (int j = i; j > 0 && key[j] > key[j - 1]; j--) {
			double k = key[j];
			int a = avail[j];
			key[j] = key[j - 1];
			avail[j] = avail[j - 1];
			key[j - 1] = k;
			avail[j - 1] = a;
		}
	nplay = PLAY_MIN + rng_pick(r, play_w, (int)NELEM(play_w));
	if (nplay > na)
		nplay = na;
	ndnp = 1 + rng_pick(r, dnp_w, (int)NELEM(dnp_w));
	if (nw + nh + (na - nplay) == 0 && nplay > PLAY_MIN)
		nplay--;

	sd->n = 0;
	for (int i = 0; i < nplay; i++) {
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = avail[i];
		rw->team = (unsigned char)t;
		rw->starter = i < 5;
	}
	sd->nplay = nplay;
	/* DNP rows: the away and suspended first, some injured, then the bench */
	for (int i = 0; i < nw && sd->n - nplay < ndnp; i++) {
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = away[i];
		rw->reason = away_reason[i];
	}
	for (int i = 0; i < nh && sd->n - nplay < ndnp; i++) {
		if (rng_unit(r) >= 0.1)
			continue;
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = hurt[i];
		rw->reason = R_DND;
	}
	for (int i = nplay; i < na && sd->n - nplay < ndnp; i++) {
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = avail[i];
		rw->reason = R_DNP;
	}
	if (sd->n == nplay && nh > 0) {	/* nobody else: an injured player is listed */
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = hurt[0];
		rw->reason = R_DND;
	}
	for (int i = nplay; i < sd->n; i++) {
		struct row *rw = &sd->rows[i];
		rw->team = (unsigned char)t;
		rw->sec = -1;
		rw->variant = (unsigned char)rng_below(r, 100);
	}
}

/* Splits total_sec among the players by rank, exactly, none above cap. */
static void
deal_minutes(struct rng *r, struct side *sd, int total_sec, int n_ot)
{
	static const double base[PLAY_MAX] = {
		34.5, 33, 32, 30.5, 28, 24, 21, 17.5, 13, 8.5, 5, 3.5, 2.5
	};
	double w[PLAY_MAX], x[PLAY_MAX], sum = 0.0;
	int cap = 60 * (48 + 5 * n_ot), n = sd->nplay, given = 0;

	for (int i = 0; i < n; i++) {
		w[i] = base[i] * exp((i < 5 ? 0.10 : i < 9 ? 0.15 : 0.5) * rng_normal(r));
		sum += w[i];
	}
	/* a few times a season somebody checks in with no time left */
	if (n >= 10 && rng_unit(r) < 0.0022) {
		sum -= w[n - 1];
		w[n - 1] = 0.0;
	}
	for (int i = 0; i < n; i++)
		x[i] = w[i] / sum * total_sec;
	for (int pass = 0; pass < 4; pass++) {
		double excess = 0.0, free_w = 0.0;
		for (int i = 0; i < n; i++) {
			if (x[i] > cap) {
				excess += x[i] - cap;
				x[i] = cap;
			} else if (x[i] < cap) {
				free_w += w[i];
			}
		}
		if (excess <= 0.0 || free_w <= 0.0)
			break;
		for (int i = 0; i < n; i++)
			if (x[i] < cap)
				x[i] += excess * w[i] / free_w;
	}
	for (int i = 0; i < n; i++) {
		sd->rows[i].sec = (short)floor(x[i]);
		given += sd->rows[i].sec;
	}
	for (int i = 0; given < total_sec; i = (i + 1) % n) {
		if (w[i] > 0.0 && sd->rows[i].sec < cap) {
			sd->rows[i].sec++;
			given++;
		}
	}
}

/*
 * Box score of one side.  Team totals follow the league (about 88 FGA, 34
 * 3PA, 23 FTA per 48 minutes), shared out by each player's rates times his
 * seconds; edge (points) moves the shooting percentages.
 */
static void
fill_box(struct league *L, struct rng *r, struct side *sd, int total_sec, double pace,
    double edge)
{
	static const double team_rate[] = {	/* per 240 player-minutes */
		[S_FGA] = 88.2, [S_FTA] = 23.4, [S_ORB] = 10.4, [S_DRB] = 33.0,
		[S_AST] = 25.2, [S_STL] = 7.3, [S_BLK] = 4.7, [S_TOV] = 13.4, [S_PF] = 19.9,
	};
	static const int rated[] = { S_FGA, S_FTA, S_ORB, S_DRB, S_AST, S_STL, S_BLK, S_TOV, S_PF };
	double wsum[NSTAT] = { 0 }, mult = 1.0 + edge / 114.0;
	double len = total_sec / 14400.0, wleft;
	int fga_left;

	for (int i = 0; i < sd->nplay; i++) {
		struct player *p = &L->p[sd->rows[i].player];
		double s = sd->rows[i].sec;
		wsum[S_FGA] += p->usage * s;
		wsum[S_FTA] += p->ftr * s;
		wsum[S_ORB] += p->orb * s;
		wsum[S_DRB] += p->drb * s;
		wsum[S_AST] += p->ast * s;
		wsum[S_STL] += p->stl * s;
		wsum[S_BLK] += p->blk * s;
		wsum[S_TOV] += p->tov * s;
		wsum[S_PF] += p->pf * s;
	}
	fga_left = (int)lround(team_rate[S_FGA] * len * pace + 3.0 * sqrt(len) * rng_normal(r));
	wleft = wsum[S_FGA];
	sd->pts = 0;
	for (int i = 0; i < sd->nplay; i++) {
		struct row *rw = &sd->rows[i];
		struct player *p = &L->p[rw->player];
		double s = rw->sec, mine[NSTAT] = { 0 };
		int fg2a, fg2, v[NSTAT] = { 0 };

		mine[S_FGA] = p->usage * s;
		mine[S_FTA] = p->ftr * s;
		mine[S_ORB] = p->orb * s;
		mine[S_DRB] = p->drb * s;
		mine[S_AST] = p->ast * s;
		mine[S_STL] = p->stl * s;
		mine[S_BLK] = p->blk * s;
		mine[S_TOV] = p->tov * s;
		mine[S_PF] = p->pf * s;
		for (size_t k = 0; k < NELEM(rated); k++) {
			int st = rated[k];
			if (st == S_FGA) {	/* multinomial share of the team's shots */
				v[st] = wleft > 0.0 ? rng_binom(r, fga_left, clamp(mine[st] / wleft, 0.0, 1.0)) : 0;
				fga_left -= v[st];
				wleft -= mine[st];
			} else if (wsum[st] > 0.0) {
				v[st] = rng_poisson(r, team_rate[st] * len * pace * mine[st] / wsum[st]);
			}
		}
		if (v[S_PF] > 6)
			v[S_PF] = 6;
		v[S_FG3A] = rng_binom(r, v[S_FGA], p->r3);
		v[S_FG3] = rng_binom(r, v[S_FG3A], clamp(p->p3 * mult, 0.1, 0.7));
		fg2a = v[S_FGA] - v[S_FG3A];
		fg2 = rng_binom(r, fg2a, clamp(p->p2 * mult, 0.2, 0.85));
		v[S_FG] = fg2 + v[S_FG3];
		v[S_FT] = rng_binom(r, v[S_FTA], p->pft);
		v[S_PTS] = 2 * v[S_FG] + v[S_FG3] + v[S_FT];
		for (int k = 0; k < NSTAT; k++)
			rw->st[k] = (unsigned char)(v[k] > 255 ? 255 : v[k]);
		sd->pts += v[S_PTS];
	}
}

/* One more made free throw for the side's busiest player: breaks a tie. */
static void
add_free_throw(struct side *sd)
{
	struct row *rw = &sd->rows[0];

	for (int i = 1; i < sd->nplay; i++)
		if (sd->rows[i].sec > rw->sec)
			rw = &sd->rows[i];
	rw->st[S_FT]++;
	rw->st[S_FTA]++;
	rw->st[S_PTS]++;
	sd->pts++;
}

/* Plus-minus: margin times share of the floor plus noise that sums to zero. */
static void
plus_minus(struct rng *r, struct side *sd, int margin, int total_sec, int all_blank)
{
	double e[PLAY_MAX], noise[PLAY_MAX], nsum = 0.0, fsum = 0.0;
	int sum = 0, diff, n = sd->nplay, on = 0;

	for (int i = 0; i < n; i++) {
		double f = sd->rows[i].sec / 2880.0;
		noise[i] = sd->rows[i].sec > 0 ? 8.0 * sqrt(f) * rng_normal(r) : 0.0;
		nsum += noise[i];
		fsum += sd->rows[i].sec;
	}
	for (int i = 0; i < n; i++) {
		struct row *rw = &sd->rows[i];
		if (rw->sec == 0) {
			rw->pm = 0;
			rw->pm_blank = rng_unit(r) < 0.8;
			continue;
		}
		e[i] = margin * rw->sec / (total_sec / 5.0) + noise[i] - nsum * rw->sec / fsum;
		rw->pm = (short)lround(e[i]);
		rw->pm_blank = all_blank || rng_unit(r) < 0.0015;
		sum += rw->pm;
		on++;
	}
	diff = 5 * margin - sum;
	for (int i = 0; diff != 0 && on > 0; i = (i + 1) % n) {
		if (sd->rows[i].sec == 0)
			continue;
		sd->rows[i].pm += diff > 0 ? 1 : -1;
		diff += diff > 0 ? -1 : 1;
	}
}

/* Final row order as bbref prints it: starters, then bench, by minutes; DNPs last. */
static void
order_rows(struct side *sd)
{
	for (int i = 1; i < sd->nplay; i++)
		for (int j = i; j > 0; j--) {
			struct row *a = &sd->rows[j - 1], *b = &sd->rows[j];
			struct row tmp;
			if (a->starter > b->starter || (a->starter == b->starter && a->sec >= b->sec))
				break;
			tmp = *a;
			*a = *b;
			*b = tmp;
		}
}

static int
overtimes(struct rng *r)
{
	double u;

	if (rng_unit(r) >= 0.06)
		return 0;
	u = rng_unit(r);
	return u < 0.83 ? 1 : u < 0.97 ? 2 : 3;
}

static void
season_push_rows(struct season *S, const struct side *sd)
{
	for (int i = 0; i < sd->n; i++) {
		S->r = pgs_xgrow(S->r, S->nr, &S->capr, sizeof(*S->r));
		S->r[S->nr++] = sd->rows[i];
	}
}

/* Plays one game, appends it to the season; returns the winning team. */
int
play_game(struct league *L, struct season *S, struct rng *r, long date, int type,
    int home, int away)
{
	struct side sd[2];	/* 0 away, 1 home */
	struct game *g;
	int n_ot = overtimes(r), total = 60 * (240 + 25 * n_ot);
	double pace = exp(0.025 * rng_normal(r));
	int all_blank = type == GT_CUP_FINAL;	/* as in the real 2023 Cup final */
	double sigma = n_ot > 0 ? OT_SIGMA : MARGIN_SIGMA;

	sd[0].team = away;
	sd[1].team = home;
	for (int k = 0; k < 2; k++) {
		pick_lineup(L, r, &sd[k]);
		deal_minutes(r, &sd[k], total, n_ot);
	}
	/*
	 * Independent box scores spread margins too wide (real |margin| averages
	 * about 12); keeping a draw with probability exp(-m^2 / 2 sigma^2) narrows
	 * them to the real spread.
	 */
	for (int tries = 0; tries < 50; tries++) {
		int m;
		for (int k = 0; k < 2; k++) {
			double edge = 0.5 * (L->strength[sd[k].team] - L->strength[sd[1 - k].team]) +
			    (k == 1 ? 1.3 : -1.3) + 2.0 * rng_normal(r);
			fill_box(L, r, &sd[k], total, pace, edge);
		}
		m = sd[1].pts - sd[0].pts;
		if (rng_unit(r) < exp(-(double)m * m / (2.0 * sigma * sigma)))
			break;
	}
	if (sd[0].pts == sd[1].pts)
		add_free_throw(&sd[rng_unit(r) < 0.55 ? 1 : 0]);
	for (int k = 0; k < 2; k++) {
		plus_minus(r, &sd[k], sd[k].pts - sd[1 - k].pts, total, all_blank);
		order_rows(&sd[k]);
	}

	S->g = pgs_xgrow(S->g, S->ng, &S->capg, sizeof(*S->g));
	g = &S->g[S->ng++];
	memset(g, 0, sizeof(*g));
	g->date = date;
	g->type = type;
	g->home = home;
	g->away = away;
	g->n_ot = n_ot;
	g->pts_away = sd[0].pts;
	g->pts_home = sd[1].pts;
	g->row0 = S->nr;
	g->nrows_away = sd[0].n;
	g->nrows_home = sd[1].n;
	season_push_rows(S, &sd[0]);
	season_push_rows(S, &sd[1]);
	return g->pts_home > g->pts_away ? home : away;
}
