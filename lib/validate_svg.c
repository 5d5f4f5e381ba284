/*
 * validate_svg.c — pgs-validate's report as a picture: rows per month as
 * bars (the baseline as a line across each bar), under them the NULL rate
 * per month and column as a heat map, then the failing games and dates
 * per month, the legend and the failing checks.  Failing cells have a
 * thick dark-red border.  Every bar and cell carries its numbers as data-*
 * attributes and a <title> (a tooltip in a browser), drawn from the same
 * report that --json prints.
 *
 * Hand-written SVG 1.1: no script, no external reference, no library.
 */
#include "validate.h"

#include <math.h>
#include <string.h>

#define LW 132          /* the label column */
#define CW 58           /* one month */
#define BAR_TOP 92
#define BAR_H 150
#define RH 30           /* one heat-map row */
#define PAD 16

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

/* Text or attribute content, escaped. */
static void
esc(pgs_buf *b, const char *s)
{
	for (; *s; s++) {
		switch (*s) {
		case '&': pgs_buf_adds(b, "&amp;"); break;
		case '<': pgs_buf_adds(b, "&lt;"); break;
		case '>': pgs_buf_adds(b, "&gt;"); break;
		case '"': pgs_buf_adds(b, "&quot;"); break;
		default:
			/* control characters are not allowed in XML 1.0 */
			if ((unsigned char)*s < 0x20 && *s != '\n' && *s != '\t')
				pgs_buf_adds(b, "?");
			else
				pgs_buf_add(b, s, 1);
		}
	}
}

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

/* One heat-map cell: a group with its data, tooltip, rectangle and label. */
static void
cell(pgs_buf *b, double x, double y, const char *fill, const char *ink, int failing,
    const char *data, const char *title, const char *label)
{
	pgs_buf_addf(b, "<g class=\"cell%s\" %s>", failing ? " fail" : "", data);
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
rate_row(pgs_buf *b, const json_t *months, int col, double y)
{
	pgs_buf data = { 0 }, title = { 0 };
	const char *fill, *ink;
	char label[32];
	size_t i;
	json_t *m;

	text(b, PAD, y + RH / 2.0 + 4, "", row_label[col]);
	json_array_foreach(months, i, m) {
		const json_t *c = json_object_get(json_object_get(m, "null"), pgs_validate_cols[col]);
		const json_t *p = json_object_get(c, "pct");
		int failing = json_is_true(json_object_get(c, "fail"));
		double v = json_number_value(p);

		pgs_buf_reset(&data);
		pgs_buf_reset(&title);
		pgs_buf_addf(&data, "data-month=\"%s\" data-column=\"%s\" data-n=\"%ld\" data-of=\"%ld\""
		    " data-fail=\"%d\"", jstr(m, "month"), pgs_validate_cols[col], jint(c, "n"),
		    jint(c, "of"), failing);
		if (json_is_number(p))
			pgs_buf_addf(&data, " data-pct=\"%.15g\"", v);
		pgs_buf_addf(&title, "%s NULL %s: %ld of %ld %s", jstr(m, "month"), row_field[col],
		    jint(c, "n"), jint(c, "of"), row_due[col]);
		if (json_is_number(p)) {
			pgs_buf_addf(&title, " (%.*f%%)", v > 0 && v < 0.01 ? 4 : 2, v);
			if (v == 0)
				snprintf(label, sizeof(label), "0%%");
			else if (v < 0.1)
				snprintf(label, sizeof(label), "<0.1%%");
			else
				snprintf(label, sizeof(label), "%.*f%%", v >= 10 ? 0 : 1, v);
		} else
			snprintf(label, sizeof(label), "-");
		if (failing)
			pgs_buf_adds(&title, ": fails its threshold");
		rate_color(p, &fill, &ink);
		cell(b, LW + (double)i * CW, y, fill, ink, failing, data.s, title.s, label);
	}
	pgs_buf_free(&data);
	pgs_buf_free(&title);
}

/* Failing games or dates per month (key "game_failures" / "date_failures"). */
static void
count_row(pgs_buf *b, const json_t *months, const char *key, const char *name, const char *what,
    double y)
{
	pgs_buf data = { 0 }, title = { 0 };
	const char *fill, *ink;
	char label[32];
	size_t i;
	json_t *m;

	text(b, PAD, y + RH / 2.0 + 4, "", name);
	json_array_foreach(months, i, m) {
		long n = jint(m, key);

		pgs_buf_reset(&data);
		pgs_buf_reset(&title);
		pgs_buf_addf(&data, "data-month=\"%s\" data-column=\"%s\" data-n=\"%ld\" data-fail=\"%d\"",
		    jstr(m, "month"), key, n, n > 0);
		pgs_buf_addf(&title, "%s: %ld %s", jstr(m, "month"), n, what);
		snprintf(label, sizeof(label), "%ld", n);
		count_color(n, &fill, &ink);
		cell(b, LW + (double)i * CW, y, fill, ink, n > 0, data.s, title.s, label);
	}
	pgs_buf_free(&data);
	pgs_buf_free(&title);
}

static void
bars(pgs_buf *b, const json_t *months)
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
	pgs_buf_addf(b, "<line x1=\"%d\" y1=\"%d\" x2=\"%.1f\" y2=\"%d\" stroke=\"#999\"/>\n", LW,
	    BAR_TOP + BAR_H, LW + (double)json_array_size(months) * CW, BAR_TOP + BAR_H);
	json_array_foreach(months, i, m) {
		const json_t *base = json_object_get(m, "baseline");
		int has_base = json_is_object(base) && json_is_true(json_object_get(base, "compared"));
		int failing = has_base && json_is_true(json_object_get(base, "fail"));
		long rows = jint(m, "rows");
		double x = LW + (double)i * CW, h = (double)BAR_H * (double)rows / (double)top;

		pgs_buf_reset(&title);
		pgs_buf_addf(&title, "%s: %ld rows in %ld games (%s..%s)", jstr(m, "month"), rows,
		    jint(m, "games"), jstr(m, "from"), jstr(m, "to"));
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
	pgs_buf_free(&title);
}

static void
swatch(pgs_buf *b, double x, double y, const char *fill, const char *stroke, const char *label)
{
	pgs_buf_addf(b, "<rect x=\"%.1f\" y=\"%.1f\" width=\"16\" height=\"12\" rx=\"2\" fill=\"%s\"%s%s%s/>",
	    x, y - 10, fill, *stroke ? " stroke=\"" : "", stroke, *stroke ? "\" stroke-width=\"3\"" : "");
	text(b, x + 22, y, "", label);
}

void
pgs_validate_svg(const json_t *r, pgs_buf *b)
{
	const json_t *months = json_object_get(r, "months"), *failures = json_object_get(r, "failures");
	size_t nm = json_array_size(months), nf = json_array_size(failures), shown, i;
	double width = LW + (double)(nm ? nm : 1) * CW + PAD, y, height;
	int ok = json_is_true(json_object_get(r, "ok"));
	/* with --schedule, a row of the scheduled games per month that are missing or misdated */
	int sched = json_object_get(json_object_get(r, "totals"), "scheduled_games") != NULL;
	int nrows = PGS_V_NCOLS + 2 + sched;
	pgs_buf line = { 0 };
	json_t *f;

	if (width < 860)
		width = 860;    /* the legend */
	shown = nf < 20 ? nf : 20;
	y = BAR_TOP + BAR_H + 32;           /* the heat map's top */
	height = y + nrows * RH + 70 + 18.0 * (double)(shown + (nf > shown)) + PAD;

	pgs_buf_addf(b, "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
	    "<svg xmlns=\"http://www.w3.org/2000/svg\" version=\"1.1\" width=\"%.0f\" height=\"%.0f\""
	    " viewBox=\"0 0 %.0f %.0f\" font-family=\"DejaVu Sans, Helvetica, Arial, sans-serif\""
	    " font-size=\"12\" data-ok=\"%d\" data-failed-checks=\"%ld\" data-from=\"%s\" data-to=\"%s\">\n",
	    width, height, width, height, ok, jint(r, "failed_checks"), jstr(r, "from"), jstr(r, "to"));
	pgs_buf_adds(b, "<title>pgs-validate ");
	esc(b, jstr(r, "store"));
	pgs_buf_addf(b, " %s..%s</title>\n", jstr(r, "from"), jstr(r, "to"));
	pgs_buf_addf(b, "<rect width=\"100%%\" height=\"100%%\" fill=\"#ffffff\"/>\n");

	pgs_buf_addf(&line, "pgs-validate  %s  %s..%s", jstr(r, "store"), jstr(r, "from"), jstr(r, "to"));
	text(b, PAD, 28, "font-size=\"17\" font-weight=\"bold\"", line.s);
	pgs_buf_reset(&line);
	if (ok) {
		pgs_buf_addf(&line, "every check passed: %ld rows, %ld games, %zu months",
		    jint(json_object_get(r, "totals"), "rows"), jint(json_object_get(r, "totals"), "games"), nm);
	} else {
		pgs_buf_addf(&line, "%ld of %zu checks failed (%zu failures, listed below)",
		    jint(r, "failed_checks"), json_array_size(json_object_get(r, "checks")), nf);
	}
	text(b, PAD, 52, ok ? "font-size=\"14\" fill=\"#1a7f37\"" :
	    "font-size=\"14\" fill=\"#b00020\" font-weight=\"bold\"", line.s);
	if (nm == 0)
		text(b, LW, BAR_TOP + BAR_H / 2.0, "fill=\"#666\"", "no rows in the window");

	bars(b, months);
	for (int c = 0; c < PGS_V_NCOLS; c++)
		rate_row(b, months, c, y + c * RH);
	count_row(b, months, "game_failures", "failing games", "games failing a per-game check",
	    y + PGS_V_NCOLS * RH);
	count_row(b, months, "date_failures", "failing dates",
	    "dates with raw rows but no summary rows, or a stale summary", y + (PGS_V_NCOLS + 1) * RH);

	if (sched)
		count_row(b, months, "schedule_failures", "schedule",
		    "scheduled games missing, partial, unscheduled or misdated", y + (PGS_V_NCOLS + 2) * RH);

	y += nrows * RH + 26;
	swatch(b, PAD, y, "#d9f0d3", "", "0% / none");
	swatch(b, PAD + 110, y, "#fee08b", "", "up to 1%");
	swatch(b, PAD + 215, y, "#fc8d59", "", "up to 10% / 1-2");
	swatch(b, PAD + 355, y, "#d73027", "", "more");
	swatch(b, PAD + 430, y, "#ececec", "", "nothing to count");
	swatch(b, PAD + 580, y, "#ffffff", "#67000d", "fails its threshold");
	pgs_buf_addf(b, "<line x1=\"%.1f\" y1=\"%.1f\" x2=\"%.1f\" y2=\"%.1f\" stroke=\"#111\" stroke-width=\"2\""
	    " stroke-dasharray=\"4 2\"/>", PAD + 735.0, y - 4, PAD + 755.0, y - 4);
	text(b, PAD + 760, y, "", "baseline");

	y += 30;
	json_array_foreach(failures, i, f) {
		if (i == shown) {
			pgs_buf_reset(&line);
			pgs_buf_addf(&line, "... and %zu more failures (pgs-validate --json lists them all)",
			    nf - shown);
			text(b, PAD, y, "fill=\"#b00020\"", line.s);
			break;
		}
		pgs_buf_reset(&line);
		pgs_buf_addf(&line, "%s  %s", jstr(f, "check"), jstr(f, "message"));
		text(b, PAD, y, "fill=\"#b00020\" font-family=\"DejaVu Sans Mono, monospace\" font-size=\"11\"",
		    line.s);
		y += 18;
	}
	pgs_buf_adds(b, "</svg>\n");
	pgs_buf_free(&line);
}
