/* output.c — pgs-sample's output: bbref-derived CSV or raw NDJSON, to stdout or one file per season. */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <unistd.h>

#include "sample.h"
#include "teams.h"

/* Rows are built in a pgs_buf and written a game at a time. */
static inline void
put_ch(pgs_buf *b, char c)
{
	if (b->len + 2 > b->cap)
		pgs_buf_reserve(b, 1);
	b->s[b->len++] = c;
	b->s[b->len] = '\0';
}

/* A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break. */
static void
put_csv(pgs_buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		pgs_buf_adds(b, s);
		return;
	}
	put_ch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			put_ch(b, '"');
		put_ch(b, *s);
	}
	put_ch(b, '"');
}

static void
put_minutes(pgs_buf *b, int sec)
{
	pgs_buf_addint(b, sec / 60);
	put_ch(b, ':');
	put_ch(b, (char)('0' + sec % 60 / 10));
	put_ch(b, (char)('0' + sec % 10));
}

/* bbref percentage: .500, 1.000, empty without attempts. */
static void
put_pct(pgs_buf *b, int made, int att)
{
	int permille;

	if (att == 0)
		return;
	permille = (1000 * made + att / 2) / att;
	if (permille >= 1000) {
		pgs_buf_adds(b, "1.000");
		return;
	}
	put_ch(b, '.');
	put_ch(b, (char)('0' + permille / 100));
	put_ch(b, (char)('0' + permille / 10 % 10));
	put_ch(b, (char)('0' + permille % 10));
}

static void
put_date(pgs_buf *b, long d, int dashes)
{
	char tmp[16];
	int y, m, day;

	civil_from_days(d, &y, &m, &day);
	if (dashes)
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, day);
	else
		snprintf(tmp, sizeof(tmp), "%04d%02d%02d", y, m, day);
	pgs_buf_adds(b, tmp);
}

static void
put_season(pgs_buf *b, int year)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), "%04d-%02d", year, (year + 1) % 100);
	pgs_buf_adds(b, tmp);
}

static const char *const bbref_reason[] = {
	[R_DNP] = "Did Not Play", [R_DND] = "Did Not Dress",
	[R_NWT] = "Not With Team", [R_SUSP] = "Player Suspended",
};

static const char *const injuries[] = {
	"Left Ankle; Sprain", "Right Ankle; Sprain", "Right Knee; Soreness",
	"Left Knee; Injury Management", "Lower Back; Tightness",
	"Right Hamstring; Strain", "Left Hamstring; Strain", "Left Foot; Contusion",
	"Right Calf; Strain", "Right Wrist; Sprain", "Illness", "Health and Safety Protocols",
};

/*
 * The reason as an NBA-style source would print it: the bbref text about half
 * the time, NBA.com wording otherwise.  *inactive says which status it means.
 */
static const char *
raw_reason(const struct row *rw, char *tmp, size_t tmpsz, int *inactive)
{
	int v = rw->variant;
	const char *inj = injuries[v % NELEM(injuries)];

	*inactive = rw->reason != R_DNP;
	switch (rw->reason) {
	case R_DNP:
		if (v < 55)
			return bbref_reason[R_DNP];
		if (v < 88)
			return "DNP - Coach's Decision";
		snprintf(tmp, tmpsz, "DNP - Injury/Illness - %s", inj);
		return tmp;
	case R_DND:
		if (v < 50)
			return bbref_reason[R_DND];
		snprintf(tmp, tmpsz, "DND - Injury/Illness - %s", inj);
		return tmp;
	case R_NWT:
		return v < 50 ? bbref_reason[R_NWT] : "NWT - Personal Reasons";
	default:
		return bbref_reason[R_SUSP];
	}
}

/* As pgs-extract types the bbref file's rows: a regular game on a Cup date is the Cup's. */
static const char *
game_type_name(int type, long date, enum format fmt)
{
	static const char *const raw[] = { "regular", "play_in", "playoffs", "cup_final" };
	static const char *const bbref[] = { "regular", "play-in", "playoffs", "regular" };

	if (fmt == FMT_RAW && type == GT_REGULAR)
		return pgs_regular_game_type(date);
	return fmt == FMT_RAW ? raw[type] : bbref[type];
}

static void
bbref_game_id(pgs_buf *b, const struct game *g)
{
	put_date(b, g->date, 0);
	put_ch(b, '0');
	pgs_buf_adds(b, bbref_code[g->home]);
}

/* The part of a bbref-csv row shared by one team's rows in a game. */
static void
prefix_bbref(pgs_buf *b, const struct season *S, const struct game *g, int team)
{
	int home = team == g->home;

	pgs_buf_reset(b);
	put_season(b, S->year);
	put_ch(b, ',');
	pgs_buf_adds(b, game_type_name(g->type, g->date, FMT_BBREF));
	put_ch(b, ',');
	bbref_game_id(b, g);
	put_ch(b, ',');
	put_date(b, g->date, 1);
	put_ch(b, ',');
	pgs_buf_adds(b, bbref_code[g->home]);
	put_ch(b, ',');
	pgs_buf_adds(b, bbref_code[team]);
	put_ch(b, ',');
	pgs_buf_adds(b, bbref_code[home ? g->away : g->home]);
	pgs_buf_adds(b, home ? ",1," : ",0,");
}

/* ",N" */
static void
put_cint(pgs_buf *b, int v)
{
	put_ch(b, ',');
	pgs_buf_addint(b, v);
}

static void
format_bbref(pgs_buf *b, const pgs_buf *pre, const struct league *L,
    const struct row *rw, int row_order)
{
	const struct player *p = &L->p[rw->player];
	const unsigned char *v = rw->st;

	pgs_buf_add(b, pre->s, pre->len);
	pgs_buf_adds(b, rw->starter ? "1," : "0,");
	pgs_buf_addint(b, row_order);
	put_ch(b, ',');
	put_csv(b, p->name);
	put_ch(b, ',');
	put_csv(b, p->id);
	put_ch(b, ',');
	put_csv(b, p->csk);
	put_ch(b, ',');
	if (rw->sec < 0) {
		pgs_buf_adds(b, ",,,,,,,,,,,,,,,,,,,,");
		put_csv(b, bbref_reason[rw->reason]);
		put_ch(b, '\n');
		return;
	}
	put_minutes(b, rw->sec);
	/* made, attempted, percentage for FG, 3P and FT; then the rest, comma first */
	for (int k = S_FG; k <= S_FTA; k += 2) {
		put_cint(b, v[k]);
		put_cint(b, v[k + 1]);
		put_ch(b, ',');
		put_pct(b, v[k], v[k + 1]);
	}
	put_cint(b, v[S_ORB]);
	put_cint(b, v[S_DRB]);
	put_cint(b, v[S_ORB] + v[S_DRB]);
	for (int k = S_AST; k <= S_PTS; k++)
		put_cint(b, v[k]);
	put_ch(b, ',');
	if (!rw->pm_blank) {
		if (rw->pm > 0)
			put_ch(b, '+');
		pgs_buf_addint(b, rw->pm);
	}
	pgs_buf_adds(b, ",\n");
}

/* ,"key": -- keys are our own literals and need no escaping. */
static void
put_key(pgs_buf *b, const char *key)
{
	pgs_buf_adds(b, ",\"");
	pgs_buf_adds(b, key);
	pgs_buf_adds(b, "\":");
}

static void
put_key_str(pgs_buf *b, const char *key, const char *val)
{
	put_key(b, key);
	pgs_buf_addjson(b, val, strlen(val));
}

static void
put_key_int(pgs_buf *b, const char *key, int val)
{
	put_key(b, key);
	pgs_buf_addint(b, val);
}

static void
put_key_null(pgs_buf *b, const char *key)
{
	put_key(b, key);
	pgs_buf_adds(b, "null");
}

/* The part of a raw row shared by one team's rows in a game. */
static void
prefix_raw(pgs_buf *b, const struct season *S, const struct game *g, int team)
{
	int opp = team == g->home ? g->away : g->home;
	pgs_buf gid = { 0 };

	pgs_buf_reset(b);
	pgs_buf_adds(b, "{\"game_id\":\"");
	put_date(b, g->date, 0);
	put_ch(b, '_');
	pgs_buf_adds(b, nba_code[g->away]);
	put_ch(b, '_');
	pgs_buf_adds(b, nba_code[g->home]);
	pgs_buf_adds(b, "\",\"game_date\":\"");
	put_date(b, g->date, 1);
	put_ch(b, '"');
	put_key_int(b, "season_year", S->year);
	put_key_str(b, "game_type", game_type_name(g->type, g->date, FMT_RAW));
	put_key_str(b, "home_team_abbr", nba_code[g->home]);
	put_key_str(b, "away_team_abbr", nba_code[g->away]);
	put_key_str(b, "team_abbr", nba_code[team]);
	put_key_str(b, "opponent_team_abbr", nba_code[opp]);
	put_key_str(b, "source", "sample");
	bbref_game_id(&gid, g);
	put_key_str(b, "source_game_id", gid.s);
	pgs_buf_free(&gid);
}

static void
format_raw(pgs_buf *b, const pgs_buf *pre, const struct league *L,
    const struct row *rw)
{
	static const char *const stat_key[] = {
		"points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts",
		"ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds",
		"total_rebounds", "assists", "steals", "blocks", "turnovers", "personal_fouls",
	};
	const struct player *p = &L->p[rw->player];
	const unsigned char *v = rw->st;
	char tmp[128];

	pgs_buf_add(b, pre->s, pre->len);
	put_key_str(b, "source_player_id", p->id);
	put_key_str(b, "player_name", p->name);
	if (rw->sec < 0) {
		int inactive;
		const char *why = raw_reason(rw, tmp, sizeof(tmp), &inactive);
		put_key_str(b, "player_status", inactive ? "inactive" : "dnp");
		put_key_str(b, "dnp_reason", why);
		pgs_buf_adds(b, ",\"starter\":false");
		if (rw->variant % 10 == 3)	/* some sources print "" */
			put_key_str(b, "minutes", "");
		else
			put_key_null(b, "minutes");
		for (size_t k = 0; k < NELEM(stat_key); k++)
			put_key_null(b, stat_key[k]);
		put_key_null(b, "plus_minus");
		pgs_buf_adds(b, "}\n");
		return;
	}
	put_key_str(b, "player_status", "active");
	put_key_null(b, "dnp_reason");
	pgs_buf_adds(b, rw->starter ? ",\"starter\":true" : ",\"starter\":false");
	pgs_buf_adds(b, ",\"minutes\":\"");
	put_minutes(b, rw->sec);
	put_ch(b, '"');
	put_key_int(b, "points", v[S_PTS]);
	put_key_int(b, "fg_makes", v[S_FG]);
	put_key_int(b, "fg_attempts", v[S_FGA]);
	put_key_int(b, "three_pt_makes", v[S_FG3]);
	put_key_int(b, "three_pt_attempts", v[S_FG3A]);
	put_key_int(b, "ft_makes", v[S_FT]);
	put_key_int(b, "ft_attempts", v[S_FTA]);
	put_key_int(b, "offensive_rebounds", v[S_ORB]);
	put_key_int(b, "defensive_rebounds", v[S_DRB]);
	put_key_int(b, "total_rebounds", v[S_ORB] + v[S_DRB]);
	put_key_int(b, "assists", v[S_AST]);
	put_key_int(b, "steals", v[S_STL]);
	put_key_int(b, "blocks", v[S_BLK]);
	put_key_int(b, "turnovers", v[S_TOV]);
	put_key_int(b, "personal_fouls", v[S_PF]);
	if (rw->pm_blank)
		put_key_null(b, "plus_minus");
	else
		put_key_int(b, "plus_minus", rw->pm);
	pgs_buf_adds(b, "}\n");
}

static const char csv_header[] =
    "season,game_type,bbref_game_id,game_date,home_team,team,opponent,is_home,"
    "starter,row_order,player,bbref_player_id,player_csk,mp,fg,fga,fg_pct,fg3,"
    "fg3a,fg3_pct,ft,fta,ft_pct,orb,drb,trb,ast,stl,blk,tov,pf,pts,plus_minus,"
    "reason\n";

/* A failed write: said once, the half-written season file removed.  -1. */
static int
write_failed(struct out *o, int err)
{
	/* a closed pipe ends us quietly, as SIGPIPE would have had it not been ignored */
	if (err == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	if (o->tmp != NULL)
		unlink(o->tmp);
	pgs_err_errnum(err, "write error on %s", o->path ? o->path : "stdout");
	o->failed = 1;
	return -1;
}

static int
out_write(struct out *o, const char *s, size_t n)
{
	if (n > 0 && fwrite(s, 1, n, o->fp) != n)
		return write_failed(o, errno ? errno : EIO);
	return 0;
}

/* Start the output: the directory for -o, else stdout with the CSV header.  0 or -1 reported. */
int
out_start(struct out *o)
{
	if (o->dir)
		return pgs_mkdir_p(o->dir);
	o->fp = stdout;
	return o->fmt == FMT_BBREF ? out_write(o, csv_header, sizeof(csv_header) - 1) : 0;
}

static int
out_open_season(struct out *o, int year)
{
	char name[64];

	snprintf(name, sizeof(name), "sample_%04d-%02d.%s", year, (year + 1) % 100,
	    o->fmt == FMT_RAW ? "ndjson" : "csv");
	o->path = pgs_xasprintf("%s/%s", o->dir, name);
	o->tmp = pgs_xasprintf("%s/.%s.tmp", o->dir, name);
	if (!(o->fp = fopen(o->tmp, "w"))) {
		pgs_err_errno("cannot open '%s'", o->tmp);
		return -1;
	}
	o->files++;
	return o->fmt == FMT_BBREF ? out_write(o, csv_header, sizeof(csv_header) - 1) : 0;
}

/* Flush and check the stream; a season file is renamed into place only when whole.  0 or -1. */
int
out_close(struct out *o)
{
	int rc = o->failed ? -1 : 0;

	if (o->fp != NULL) {
		errno = 0;
		if (rc == 0 && (fflush(o->fp) != 0 || ferror(o->fp)))
			rc = write_failed(o, errno ? errno : EIO);
		if (fclose(o->fp) != 0 && rc == 0)
			rc = write_failed(o, errno ? errno : EIO);
		o->fp = NULL;
		if (rc == 0 && o->path != NULL && rename(o->tmp, o->path) != 0) {
			pgs_err_errno("cannot rename '%s' to '%s'", o->tmp, o->path);
			rc = -1;
		}
	}
	free(o->path);
	free(o->tmp);
	o->path = o->tmp = NULL;
	return rc;
}

static int
cmp_game(const void *pa, const void *pb)
{
	const struct game *a = *(const struct game *const *)pa;
	const struct game *b = *(const struct game *const *)pb;

	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Writes the season's games in the window, ordered by date then game id.  0, or -1 reported. */
int
write_season(struct out *o, const struct league *L, struct season *S)
{
	struct game **order = pgs_xcalloc(S->ng ? S->ng : 1, sizeof(*order));
	pgs_buf b = { 0 }, pre = { 0 };
	size_t n = 0;
	int rc = 0;

	for (size_t i = 0; i < S->ng; i++) {
		struct game *g = &S->g[i];
		if (g->date < o->from || g->date > o->to)
			continue;
		if (o->fmt == FMT_RAW)
			snprintf(g->key, sizeof(g->key), "%s_%s", nba_code[g->away], nba_code[g->home]);
		else
			snprintf(g->key, sizeof(g->key), "%s", bbref_code[g->home]);
		order[n++] = g;
	}
	qsort(order, n, sizeof(*order), cmp_game);
	if (n > 0 && o->dir != NULL)
		rc = out_open_season(o, S->year);
	for (size_t i = 0; rc == 0 && i < n; i++) {
		const struct game *g = order[i];
		int nrows = g->nrows_away + g->nrows_home;

		pgs_buf_reset(&b);
		for (int k = 0; k < nrows; k++) {
			const struct row *rw = &S->r[g->row0 + k];
			int home = k >= g->nrows_away, row_order = home ? k - g->nrows_away : k;
			if (k == 0 || k == g->nrows_away) {
				if (o->fmt == FMT_RAW)
					prefix_raw(&pre, S, g, home ? g->home : g->away);
				else
					prefix_bbref(&pre, S, g, home ? g->home : g->away);
			}
			if (o->fmt == FMT_RAW)
				format_raw(&b, &pre, L, rw);
			else
				format_bbref(&b, &pre, L, rw, row_order);
		}
		rc = out_write(o, b.s, b.len);
		o->rows += (unsigned long long)nrows;
		o->games++;
	}
	if (o->dir != NULL && o->fp != NULL && out_close(o) < 0)
		rc = -1;
	pgs_buf_free(&b);
	pgs_buf_free(&pre);
	free(order);
	return rc;
}
