/*
 * validate_svg.c — pgs-validate's report as a picture: rows per month as
 * bars (the baseline as a line across each bar), under them the NULL rate
 * per month and column as a heat map, then the failing games and dates
 * per month, a total per row, the legend in words and the failing checks.
 * Months of different seasons are set apart by a gap and a line, each
 * season named above its months.  Failing cells have a thick dark-red
 * border.  Every bar and cell carries its numbers as data-* attributes and
 * a <title> (a tooltip in a browser), drawn from the same report that
 * --json prints.
 *
 * The picture has a viewBox and a width of 100%: it scales down to its
 * window or container, never wider than it, and up to its own size (a
 * picture of a few months is not blown up to a wide window's width).  Hand-written SVG 1.1: no script, no
 * external reference, no library.
 */
#include "validate.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define LW 132          /* the label column */
#define CW 58           /* one month */
#define BAR_TOP 124
#define BAR_H 150
#define RH 30           /* one heat-map row */
#define PAD 16
#define GAP 30          /* between seasons */
#define MINW 900        /* the legend's and the findings' lines */
#define MONO_CW 6.7     /* one character of 11 px monospace, to cut long lines */

static const char *const row_label[PGS_V_NCOLS] = {
	"NULL minutes", "NULL usage", "NULL ts_pct", "NULL efg_pct",
};
static const char *const row_field[PGS_V_NCOLS] = {
	"minutes_played", "usage_rate", "ts_pct", "efg_pct",
};
static const char *const row_due[PGS_V_NCOLS] = {
	"active rows", "active rows with seconds played", "active rows with FGA + FTA > 0",
	"active rows with FGA > 0",
};

static long
jint(const json_t *o, const char *k)
{
	return (long)json_integer_value(json_object_get(o, k));
}

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

void
pgs_xml_escape(pgs_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': pgs_buf_adds(b, "&amp;"); break;
		case '<': pgs_buf_adds(b, "&lt;"); break;
		case '>': pgs_buf_adds(b, "&gt;"); break;
		case '"': pgs_buf_adds(b, "&quot;"); break;
		case '\'': pgs_buf_adds(b, "&#39;"); break;
		default:
			/* control characters are not allowed in XML 1.0 */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				pgs_buf_adds(b, "?");
			else
				pgs_buf_add(b, s, 1);
		}
	}
}

#define esc pgs_xml_escape

static void
text(pgs_buf *b, double x, double y, const char *attrs, const char *s)
{
	pgs_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\"%s%s>", x, y, *attrs ? " " : "", attrs);
	esc(b, s);
	pgs_buf_adds(b, "</text>\n");
}

/* Fill and text colour of a NULL-rate cell. */
static void
rate_color(const json_t *pct, const char **fill, const char **ink)
{
	double p = json_number_value(pct);

	*ink = "#1b1b1b";
	if (!json_is_number(pct))
		*fill = "#ececec";
	else if (p <= 0)
		*fill = "#d9f0d3";
	else if (p <= 1)
		*fill = "#fee08b";
	else if (p <= 10)
		*fill = "#fc8d59";
	else {
		*fill = "#d73027";
		*ink = "#ffffff";
	}
}

static void
count_color(long n, const char **fill, const char **ink)
{
	*ink = "#1b1b1b";
	if (n == 0)
		*fill = "#d9f0d3";
	else if (n <= 2)
		*fill = "#fc8d59";
	else {
		*fill = "#d73027";
		*ink = "#ffffff";
	}
}

/* Where the months go: one column each, a gap between seasons, then the totals. */
struct layout {
	size_t nm;
	double *x;      /* each month's left edge */
	double total;   /* the totals' column */
	double width;
};

/* The season a month belongs to, by the year it starts in: July on is the next one. */
static int
season_of(const char *ym)
{
	int y = atoi(ym), m = strlen(ym) >= 7 ? atoi(ym + 5) : 1;

	return m >= 7 ? y : y - 1;
}

static void
layout_months(struct layout *l, const json_t *months)
{
	size_t i;
	json_t *m;
	double x = LW;

	l->nm = json_array_size(months);
	l->x = pgs_xcalloc(l->nm ? l->nm : 1, sizeof(*l->x));
	json_array_foreach(months, i, m) {
		if (i > 0 && season_of(jstr(m, "month")) !=
		    season_of(jstr(json_array_get(months, i - 1), "month")))
			x += GAP;
		l->x[i] = x;
		x += CW;
	}
	l->total = x + 8;
	l->width = l->total + CW + PAD;
	if (l->width < MINW)
		l->width = MINW;
}

/* One heat-map cell: a group with its data, tooltip, rectangle and label;
 * cls "cell" for a month, "total" for a row's total. */
static void
cell(pgs_buf *b, const char *cls, double x, double y, const char *fill, const char *ink,
    int failing, const char *data, const char *title, const char *label)
{
	pgs_buf_addf(b, "<g class=\"%s%s\" %s>", cls, failing ? " fail" : "", data);
	pgs_buf_adds(b, "<title>");
	esc(b, title);
	pgs_buf_adds(b, "</title>");
	pgs_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%d\" rx=\"3\" fill=\"%s\"",
	    x + 1, y + 1, CW - 2, RH - 2, fill);
	if (failing)
		pgs_buf_addf(b, " stroke=\"#67000d\" stroke-width=\"3\"");
	pgs_buf_adds(b, "/>");
	pgs_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" fill=\"%s\"%s>", x + CW / 2.0,
	    y + RH / 2.0 + 4, ink, failing ? " font-weight=\"bold\"" : "");
	esc(b, label);
	pgs_buf_adds(b, "</text></g>\n");
}

static void
pct_label(char *out, size_t cap, const json_t *p)
{
	double v = json_number_value(p);

	if (!json_is_number(p))
		snprintf(out, cap, "-");
	else if (v == 0)
		snprintf(out, cap, "0%%");
	else if (v < 0.1)
		snprintf(out, cap, "<0.1%%");
	else
		snprintf(out, cap, "%.*f%%", v >= 10 ? 0 : 1, v);
}

static void
rate_row(pgs_buf *b, const struct layout *l, const json_t *r, int col, double y)
{
	const json_t *months = json_object_get(r, "months");
	pgs_buf data = { 0 }, title = { 0 };
	const char *fill, *ink;
	char label[32];
	long n = 0, of = 0, nfail = 0;
	size_t i;
	json_t *m, *p;

	text(b, PAD, y + RH / 2.0 + 4, "", row_label[col]);
	json_array_foreach(months, i, m) {
		const json_t *c = json_object_get(json_object_get(m, "null"), pgs_validate_cols[col]);
		const json_t *pc = json_object_get(c, "pct");
		int failing = json_is_true(json_object_get(c, "fail"));
		double v = json_number_value(pc);

		n += jint(c, "n");
		of += jint(c, "of");
		nfail += failing;
		pgs_buf_reset(&data);
		pgs_buf_reset(&title);
		pgs_buf_addf(&data, "data-month=\"%s\" data-column=\"%s\" data-n=\"%ld\" data-of=\"%ld\""
		    " data-fail=\"%d\"", jstr(m, "month"), pgs_validate_cols[col], jint(c, "n"),
		    jint(c, "of"), failing);
		if (json_is_number(pc))
			pgs_buf_addf(&data, " data-pct=\"%.15g\"", v);
		pgs_buf_addf(&title, "%s NULL %s: %ld of %ld %s", jstr(m, "month"), row_field[col],
		    jint(c, "n"), jint(c, "of"), row_due[col]);
		if (json_is_number(pc))
			pgs_buf_addf(&title, " (%.*f%%)", v > 0 && v < 0.01 ? 4 : 2, v);
		if (failing)
			pgs_buf_adds(&title, ": fails its threshold");
		pct_label(label, sizeof(label), pc);
		rate_color(pc, &fill, &ink);
		cell(b, "cell", l->x[i], y, fill, ink, failing, data.s, title.s, label);
	}
	/* the window's rate: every month's NULLs over every month's rows */
	p = of ? json_real(100.0 * (double)n / (double)of) : json_null();
	pgs_buf_reset(&data);
	pgs_buf_reset(&title);
	pgs_buf_addf(&data, "data-column=\"%s\" data-n=\"%ld\" data-of=\"%ld\" data-fail=\"%d\"",
	    pgs_validate_cols[col], n, of, nfail > 0);
	pgs_buf_addf(&title, "in all: %ld of %ld %s have NULL %s", n, of, row_due[col], row_field[col]);
	if (of)
		pgs_buf_addf(&title, " (%.2f%%)", json_number_value(p));
	pgs_buf_addf(&title, "; %ld of %zu months fail", nfail, l->nm);
	pct_label(label, sizeof(label), p);
	rate_color(p, &fill, &ink);
	cell(b, "total", l->total, y, fill, ink, nfail > 0, data.s, title.s, label);
	json_decref(p);
	pgs_buf_free(&data);
	pgs_buf_free(&title);
}

/* "players_per_game 2, team_points 1": the games (key "game_id") or dates
 * ("date") of a month (NULL: every month) that each check fails, counted
 * once each; a stale summary counts its stale dates. */
static long
breakdown(const json_t *failures, const char *month, const char *key, pgs_buf *out)
{
	const char *check = NULL, *prev = NULL;
	long n = 0, all = 0;
	size_t i, j;
	json_t *f, *d;

	for (i = 0; i <= json_array_size(failures); i++) {
		const char *id = NULL, *subj;
		long add = 0;

		if ((f = json_array_get(failures, i))) {
			id = jstr(f, "check");
			subj = json_string_value(json_object_get(f, key));
			if (strcmp(key, "date") == 0 && strcmp(id, "stale_summary") == 0) {
				json_array_foreach(json_object_get(f, "stale_dates"), j, d)
					add += !month || strncmp(json_string_value(d), month, 7) == 0;
				subj = NULL;
			} else if (subj && (!month || strncmp(jstr(f, "month"), month, 7) == 0 ||
			    (!json_object_get(f, "month") && strncmp(subj, month, 7) == 0)))
				add = !prev || strcmp(prev, subj) != 0 || !check || strcmp(check, id) != 0;
			else
				subj = NULL;
			prev = subj ? subj : prev;
		}
		if (check && (!id || strcmp(check, id) != 0)) {
			if (n)
				pgs_buf_addf(out, "%s%s %ld", out->len ? ", " : "", check, n);
			n = 0;
		}
		check = id;
		n += add;
		all += add;
	}
	return all;
}

/* Failing games, dates or scheduled games per month (key "game_failures",
 * "date_failures", "schedule_failures"), and their sum. */
static void
count_row(pgs_buf *b, const struct layout *l, const json_t *r, const char *key, const char *name,
    const char *unit, const char *what, double y)
{
	const json_t *months = json_object_get(r, "months"), *failures = json_object_get(r, "failures");
	const char *subj = strcmp(key, "date_failures") == 0 ? "date" : "game_id";
	pgs_buf data = { 0 }, title = { 0 }, why = { 0 };
	const char *fill, *ink;
	char label[32];
	long sum = 0;
	size_t i;
	json_t *m;

	text(b, PAD, y + RH / 2.0 + 4, "", name);
	json_array_foreach(months, i, m) {
		long n = jint(m, key), of = jint(m, strcmp(key, "schedule_failures") == 0 ?
		    "scheduled_games" : "games");

		sum += n;
		pgs_buf_reset(&data);
		pgs_buf_reset(&title);
		pgs_buf_reset(&why);
		pgs_buf_addf(&data, "data-month=\"%s\" data-column=\"%s\" data-n=\"%ld\" data-fail=\"%d\"",
		    jstr(m, "month"), key, n, n > 0);
		if (strcmp(unit, "dates") == 0)
			pgs_buf_addf(&title, "%s: %ld %s %s", jstr(m, "month"), n, n == 1 ? "date" : unit, what);
		else
			pgs_buf_addf(&title, "%s: %ld of %ld %s %s", jstr(m, "month"), n, of, unit, what);
		if (n > 0 && strcmp(key, "schedule_failures") != 0 &&
		    breakdown(failures, jstr(m, "month"), subj, &why) > 0)
			pgs_buf_addf(&title, " (%s)", why.s);
		snprintf(label, sizeof(label), "%ld", n);
		count_color(n, &fill, &ink);
		cell(b, "cell", l->x[i], y, fill, ink, n > 0, data.s, title.s, label);
	}
	pgs_buf_reset(&data);
	pgs_buf_reset(&title);
	pgs_buf_reset(&why);
	pgs_buf_addf(&data, "data-column=\"%s\" data-n=\"%ld\" data-fail=\"%d\"", key, sum, sum > 0);
	pgs_buf_addf(&title, "in all: %ld %s %s", sum, unit, what);
	if (sum > 0 && strcmp(key, "schedule_failures") != 0 && breakdown(failures, NULL, subj, &why) > 0)
		pgs_buf_addf(&title, " (%s)", why.s);
	snprintf(label, sizeof(label), "%ld", sum);
	count_color(sum, &fill, &ink);
	cell(b, "total", l->total, y, fill, ink, sum > 0, data.s, title.s, label);
	pgs_buf_free(&data);
	pgs_buf_free(&title);
	pgs_buf_free(&why);
}

/* The seasons' names over their months, a line in each gap between them. */
static void
seasons(pgs_buf *b, const struct layout *l, const json_t *months, double bottom)
{
	size_t i, first = 0;
	char name[16];

	for (i = 1; i <= l->nm; i++) {
		const char *ym = jstr(json_array_get(months, first), "month");
		int s = season_of(ym);

		if (i < l->nm && season_of(jstr(json_array_get(months, i), "month")) == s)
			continue;
		snprintf(name, sizeof(name), "%04d-%02d", s % 10000, (s + 1) % 100);
		pgs_buf_addf(b, "<g class=\"season\" data-season=\"%s\" data-first=\"%s\" data-last=\"%s\">",
		    name, ym, jstr(json_array_get(months, i - 1), "month"));
		pgs_buf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#555\"/>",
		    l->x[first] + 4, BAR_TOP - 22, l->x[i - 1] + CW - 4, BAR_TOP - 22);
		pgs_buf_addf(b, "<text x=\"%.1f\" y=\"%d\" text-anchor=\"%s\" font-weight=\"bold\">%s</text></g>\n",
		    i - first > 1 ? (l->x[first] + l->x[i - 1] + CW) / 2 : l->x[first] + 2,
		    BAR_TOP - 28, i - first > 1 ? "middle" : "start", name);
		if (i < l->nm) {
			double x = l->x[i] - GAP / 2.0;

			pgs_buf_addf(b, "<line class=\"season-break\" data-after=\"%s\" data-before=\"%s\""
			    " x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#888\""
			    " stroke-dasharray=\"6 4\"/>\n", jstr(json_array_get(months, i - 1), "month"),
			    jstr(json_array_get(months, i), "month"), x, BAR_TOP - 36, x, bottom);
		}
		first = i;
	}
}

static void
bars(pgs_buf *b, const struct layout *l, const json_t *months)
{
	pgs_buf title = { 0 };
	long top = 1;
	size_t i;
	json_t *m;
	char num[32];

	json_array_foreach(months, i, m) {
		const json_t *base = json_object_get(m, "baseline");

		if (jint(m, "rows") > top)
			top = jint(m, "rows");
		if (json_is_object(base) && jint(base, "rows") > top)
			top = jint(base, "rows");
	}
	text(b, PAD, BAR_TOP + 14, "", "rows per month");
	json_array_foreach(months, i, m) {
		const json_t *base = json_object_get(m, "baseline");
		int has_base = json_is_object(base) && json_is_true(json_object_get(base, "compared"));
		int failing = has_base && json_is_true(json_object_get(base, "fail"));
		long rows = jint(m, "rows");
		double x = l->x[i], h = (double)BAR_H * (double)rows / (double)top;

		pgs_buf_reset(&title);
		pgs_buf_addf(&title, "%s: %ld rows in %ld games (%s..%s)", jstr(m, "month"), rows,
		    jint(m, "games"), jstr(m, "from"), jstr(m, "to"));
		pgs_buf_addf(b, "<line x1=\"%.1f\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>\n", x,
		    BAR_TOP + BAR_H, x + CW, BAR_TOP + BAR_H);
		pgs_buf_addf(b, "<g class=\"bar%s\" data-month=\"%s\" data-rows=\"%ld\" data-games=\"%ld\"",
		    failing ? " fail" : "", jstr(m, "month"), rows, jint(m, "games"));
		if (has_base) {
			const json_t *d = json_object_get(base, "diff_pct");

			pgs_buf_addf(b, " data-baseline=\"%ld\" data-fail=\"%d\"", jint(base, "rows"), failing);
			if (json_is_number(d)) {
				pgs_buf_addf(b, " data-diff-pct=\"%.15g\"", json_number_value(d));
				pgs_buf_addf(&title, "; baseline %ld (%+.2f%%)", jint(base, "rows"),
				    json_number_value(d));
			} else
				pgs_buf_addf(&title, "; baseline %ld", jint(base, "rows"));
			if (failing)
				pgs_buf_adds(&title, ": fails its tolerance");
		}
		pgs_buf_adds(b, "><title>");
		esc(b, title.s);
		pgs_buf_adds(b, "</title>");
		pgs_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"%d\" height=\"%.1f\" fill=\"%s\"%s/>",
		    x + 8, BAR_TOP + BAR_H - h, CW - 16, h, failing ? "#d73027" : "#4a78b0",
		    failing ? " stroke=\"#67000d\" stroke-width=\"3\"" : "");
		if (has_base) {
			double by = BAR_TOP + BAR_H - (double)BAR_H * (double)jint(base, "rows") / (double)top;

			pgs_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111\""
			    " stroke-width=\"2\" stroke-dasharray=\"4 2\"/>", x + 3, by, x + CW - 3, by);
		}
		snprintf(num, sizeof(num), "%ld", rows);
		/* above the bar and above its baseline line */
		if (has_base && jint(base, "rows") > rows)
			h = (double)BAR_H * (double)jint(base, "rows") / (double)top;
		pgs_buf_addf(b, "<text x=\"%.1f\" y=\"%.1f\" text-anchor=\"middle\" font-size=\"10\">%s</text>",
		    x + CW / 2.0, BAR_TOP + BAR_H - h - 5, num);
		pgs_buf_adds(b, "</g>\n");
		/* the month, between the bars and the heat map below them */
		pgs_buf_addf(b, "<text class=\"month\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\""
		    " font-size=\"11\">", x + CW / 2.0, BAR_TOP + BAR_H + 18);
		esc(b, jstr(m, "month"));
		pgs_buf_adds(b, "</text>\n");
	}
	if (l->nm)
		pgs_buf_addf(b, "<text class=\"total\" x=\"%.1f\" y=\"%d\" text-anchor=\"middle\""
		    " font-size=\"11\" font-weight=\"bold\">total</text>\n", l->total + CW / 2.0,
		    BAR_TOP + BAR_H + 18);
	pgs_buf_free(&title);
}

static void
swatch(pgs_buf *b, double x, double y, const char *fill, const char *stroke, const char *label)
{
	pgs_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" rx=\"2\" fill=\"%s\"%s%s%s/>",
	    x, y - 10, fill, *stroke ? " stroke=\"" : "", stroke, *stroke ? "\" stroke-width=\"3\"" : "");
	text(b, x + 22, y, "", label);
}

/* Lines of at most width characters from s, broken after ", " or "; ". */
static double
wrapped(pgs_buf *b, double y, size_t width, const char *attrs, const char *s)
{
	pgs_buf line = { 0 };

	while (*s) {
		size_t n = strlen(s), cut = n;

		if (n > width) {
			for (cut = width; cut > 0 && !(s[cut - 1] == ' ' && cut > 1 &&
			    (s[cut - 2] == ',' || s[cut - 2] == ';')); cut--)
				;
			if (cut == 0)
				cut = width;
		}
		pgs_buf_reset(&line);
		pgs_buf_add(&line, s, cut - (cut < n && s[cut - 1] == ' '));
		text(b, PAD, y, attrs, line.s);
		y += 17;
		s += cut;
	}
	pgs_buf_free(&line);
	return y;
}

/* The legend: the colours, then what each row means, in words. */
static double
legend(pgs_buf *b, const json_t *r, double width, double y, int sched)
{
	const json_t *th = json_object_get(r, "thresholds");
	size_t chars = (size_t)((width - 2 * PAD) / 6.6);
	pgs_buf s = { 0 };

	text(b, PAD, y, "font-weight=\"bold\"", "NULL shares:");
	swatch(b, PAD + 110, y, "#d9f0d3", "", "0 %");
	swatch(b, PAD + 170, y, "#fee08b", "", "up to 1 %");
	swatch(b, PAD + 270, y, "#fc8d59", "", "up to 10 %");
	swatch(b, PAD + 375, y, "#d73027", "", "over 10 %");
	swatch(b, PAD + 475, y, "#ececec", "", "no rows to count");
	swatch(b, PAD + 630, y, "#ffffff", "#67000d", "fails its threshold");
	y += 22;
	text(b, PAD, y, "font-weight=\"bold\"", "games, dates:");
	swatch(b, PAD + 110, y, "#d9f0d3", "", "none");
	swatch(b, PAD + 170, y, "#fc8d59", "", "1 or 2");
	swatch(b, PAD + 270, y, "#d73027", "", "3 or more");
	pgs_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111\" stroke-width=\"2\""
	    " stroke-dasharray=\"4 2\"/>", PAD + 375.0, y - 4, PAD + 395.0, y - 4);
	text(b, PAD + 401, y, "", "the saved baseline (--baseline)");
	y += 24;

	pgs_buf_addf(&s, "rows per month: a bar a month, its rows above it; red when more than %g %% "
	    "away from the baseline's.", json_number_value(json_object_get(th, "baseline_tolerance_pct")));
	y = wrapped(b, y, chars, "class=\"legend\"", s.s);
	for (int c = 0; c < PGS_V_NCOLS; c++) {
		static const char *const key[PGS_V_NCOLS] = {
			"max_null_minutes_pct", "max_null_usage_pct", "max_null_ts_pct", "max_null_efg_pct",
		};

		pgs_buf_reset(&s);
		pgs_buf_addf(&s, "%s: share of %s with NULL %s; green 0, yellow up to 1 %%, orange up "
		    "to 10 %%, red over 10 %%; fails above %g %%.", row_label[c], row_due[c], row_field[c],
		    json_number_value(json_object_get(th, key[c])));
		y = wrapped(b, y, chars, "class=\"legend\"", s.s);
	}
	pgs_buf_reset(&s);
	pgs_buf_addf(&s, "failing games: games of the month failing a per-game check (duplicate_keys, "
	    "both_teams, players_per_game: %ld..%ld players, team_points, team_seconds%s), each game "
	    "once; green 0, orange 1 or 2, red 3 or more.", jint(th, "min_players"),
	    jint(th, "max_players"), sched ? ", the schedule's" : "");
	y = wrapped(b, y, chars, "class=\"legend\"", s.s);
	y = wrapped(b, y, chars, "class=\"legend\"", "failing dates: dates with raw rows but no summary "
	    "rows (raw_without_summary), or whose summary is older than their raw rows (stale_summary).");
	if (sched)
		y = wrapped(b, y, chars, "class=\"legend\"", "schedule: the month's scheduled games missing, "
		    "partial, unscheduled or misdated (schedule_games, schedule_dates).");
	y = wrapped(b, y, chars, "class=\"legend\"", "total: the whole window; hover a cell for its "
	    "numbers.");
	pgs_buf_free(&s);
	return y;
}

/* "3 of 14 checks failed, 12 failures: null_minutes 1, team_points 7, ...": the findings by
 * check, adding up to the failure count. */
static void
verdict(const json_t *r, pgs_buf *out)
{
	const json_t *checks = json_object_get(r, "checks");
	size_t nf = json_array_size(json_object_get(r, "failures")), i;
	const char *sep = ": ";
	json_t *k;

	pgs_buf_addf(out, "%ld of %zu checks failed, %zu %s", jint(r, "failed_checks"),
	    json_array_size(checks), nf, nf == 1 ? "failure" : "failures");
	json_array_foreach(checks, i, k) {
		if (jint(k, "failures") == 0)
			continue;
		pgs_buf_addf(out, "%s%s %ld", sep, jstr(k, "check"), jint(k, "failures"));
		sep = ", ";
	}
}

/* At most n bytes of s, cut at a UTF-8 character's start, "..." when cut. */
static void
cut_text(pgs_buf *out, const char *s, size_t n)
{
	size_t len = strlen(s);

	if (len <= n) {
		pgs_buf_adds(out, s);
		return;
	}
	n -= n > 3 ? 3 : n;
	while (n > 0 && ((unsigned char)s[n] & 0xc0) == 0x80)
		n--;
	pgs_buf_add(out, s, n);
	pgs_buf_adds(out, "...");
}

static void
draw(const json_t *r, pgs_buf *b, int standalone)
{
	const json_t *months = json_object_get(r, "months"), *failures = json_object_get(r, "failures");
	size_t nf = json_array_size(failures), shown, i;
	struct layout l;
	double y, height, top;
	int ok = json_is_true(json_object_get(r, "ok"));
	/* with --schedule, a row of the scheduled games per month that are missing or misdated */
	int sched = json_object_get(json_object_get(r, "totals"), "scheduled_games") != NULL;
	int nrows = PGS_V_NCOLS + 2 + sched;
	pgs_buf line = { 0 }, body = { 0 }, full = { 0 };
	json_t *f;

	layout_months(&l, months);
	shown = nf < 20 ? nf : 20;
	top = y = BAR_TOP + BAR_H + 32;     /* the heat map's top */

	/* the body first: its height is known once the legend is wrapped */
	bars(&body, &l, months);
	for (int c = 0; c < PGS_V_NCOLS; c++)
		rate_row(&body, &l, r, c, y + c * RH);
	count_row(&body, &l, r, "game_failures", "failing games", "games",
	    "fail a per-game check", y + PGS_V_NCOLS * RH);
	count_row(&body, &l, r, "date_failures", "failing dates", "dates",
	    "with raw rows but no summary rows, or a stale summary", y + (PGS_V_NCOLS + 1) * RH);
	if (sched)
		count_row(&body, &l, r, "schedule_failures", "schedule", "scheduled games",
		    "missing, partial, unscheduled or misdated", y + (PGS_V_NCOLS + 2) * RH);
	seasons(&body, &l, months, top + nrows * RH);

	y = legend(&body, r, l.width, top + nrows * RH + 26, sched) + 10;
	json_array_foreach(failures, i, f) {
		if (i == shown) {
			pgs_buf_reset(&line);
			pgs_buf_addf(&line, "... and %zu more failures (pgs-validate --json lists them all)",
			    nf - shown);
			text(&body, PAD, y, "fill=\"#b00020\"", line.s);
			y += 18;
			break;
		}
		/* long messages are cut to the picture's width: the page's table has them whole */
		pgs_buf_reset(&full);
		pgs_buf_reset(&line);
		pgs_buf_addf(&full, "%s  %s", jstr(f, "check"), jstr(f, "message"));
		cut_text(&line, full.s, (size_t)((l.width - 2 * PAD) / MONO_CW));
		text(&body, PAD, y, "class=\"finding\" fill=\"#b00020\" font-family=\"DejaVu Sans Mono, "
		    "monospace\" font-size=\"11\"", line.s);
		y += 18;
	}
	height = y + PAD;

	if (standalone)
		pgs_buf_adds(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
	pgs_buf_addf(b, "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"100%%\""
	    " viewBox=\"0 0 %.0f %.0f\" style=\"height:auto;max-width:%.0fpx\""
	    " font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
	    " font-size=\"12\" data-ok=\"%d\" data-failed-checks=\"%ld\" data-from=\"%s\" data-to=\"%s\">\n",
	    l.width, height, l.width, ok, jint(r, "failed_checks"), jstr(r, "from"), jstr(r, "to"));
	pgs_buf_adds(b, "<title>pgs-validate ");
	esc(b, jstr(r, "store"));
	pgs_buf_addf(b, " %s..%s</title>\n", jstr(r, "from"), jstr(r, "to"));
	pgs_buf_addf(b, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");

	pgs_buf_reset(&full);
	pgs_buf_reset(&line);
	pgs_buf_addf(&full, "pgs-validate  %s  %s..%s", jstr(r, "store"), jstr(r, "from"), jstr(r, "to"));
	cut_text(&line, full.s, (size_t)((l.width - 2 * PAD) / 10.5));
	text(b, PAD, 28, "font-size=\"17\" font-weight=\"bold\"", line.s);
	pgs_buf_reset(&line);
	if (ok)
		pgs_buf_addf(&line, "every check passed: %ld rows, %ld games, %zu months",
		    jint(json_object_get(r, "totals"), "rows"), jint(json_object_get(r, "totals"), "games"), l.nm);
	else
		verdict(r, &line);
	wrapped(b, 52, (size_t)((l.width - 2 * PAD) / 8.2), ok ? "class=\"verdict\" font-size=\"14\" fill=\"#1a7f37\"" :
	    "class=\"verdict\" font-size=\"14\" fill=\"#b00020\" font-weight=\"bold\"", line.s);
	if (l.nm == 0)
		text(b, LW, BAR_TOP + BAR_H / 2.0, "fill=\"#666\"", "no rows in the window");
	pgs_buf_add(b, body.s ? body.s : "", body.len);
	pgs_buf_adds(b, "</svg>\n");
	pgs_buf_free(&line);
	pgs_buf_free(&body);
	pgs_buf_free(&full);
	free(l.x);
}

void
pgs_validate_svg(const json_t *r, pgs_buf *b)
{
	draw(r, b, 1);
}

void
pgs_validate_svg_inline(const json_t *r, pgs_buf *b)
{
	draw(r, b, 0);
}
