/*
 * validate_html.c — pgs-validate's report as one self-contained HTML page,
 * for a person who follows a link from a cron mail: what ran over what and
 * when, the verdict, the picture (validate_svg.c) inline, every finding as
 * a table row, the checks, the rates of merged rows whose sources differ and the
 * thresholds they used.
 *
 * No script, no external reference (no stylesheet, font or image from
 * elsewhere); every text escaped.  The page is also well-formed XML, so
 * both an HTML and an XML parser can check it.
 */
#include "validate.h"

#include <string.h>

#define esc pgs_xml_escape

/* The thresholds as the report names them, the option that sets each, and its unit. */
static const struct {
	const char *key, *opt, *unit;
} thresholds[] = {
	{ "max_null_minutes_pct", "--max-null-minutes", "%" },
	{ "max_null_usage_pct", "--max-null-usage", "%" },
	{ "max_null_ts_pct", "--max-null-ts", "%" },
	{ "max_null_efg_pct", "--max-null-efg", "%" },
	{ "baseline_tolerance_pct", "--baseline-tolerance", "%" },
	{ "min_players", "--min-players", "rows" },
	{ "max_players", "--max-players", "rows" },
	{ "min_played", "--min-played", "rows" },
	{ "seconds_tolerance", "--seconds-tolerance", "s" },
	{ "max_unresolved", "--max-unresolved", "rows" },
	{ "max_disagree_pct", "--max-disagree", "%" },
	{ "team_turnovers", "--team-turnovers", "" },
	{ "redate_days", "--redate-days", "days" },
};

static const char css[] =
    "body{font-family:\"DejaVu Sans\",Helvetica,Arial,sans-serif;margin:1em;color:#1b1b1b}\n"
    "h1{font-size:1.3em}h2{font-size:1.1em;margin-top:1.5em}\n"
    ".fail{color:#b00020}.pass{color:#1a7f37}\n"
    "figure{margin:0}\n"
    "table{border-collapse:collapse;margin:.3em 0}\n"
    "th,td{border:1px solid #ccc;padding:.2em .5em;text-align:left;vertical-align:top;"
    "white-space:nowrap}\n"
    "td.wrap{white-space:normal;overflow-wrap:anywhere}\n"
    "th{background:#f2f2f2}\n"
    "td.msg{font-family:\"DejaVu Sans Mono\",monospace;font-size:.9em}\n";

static const char *
jstr(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s ? s : "";
}

static void
cell(pgs_buf *b, const char *cls, const char *s)
{
	pgs_buf_addf(b, "<td%s%s%s>", *cls ? " class=\"" : "", cls, *cls ? "\"" : "");
	esc(b, s);
	pgs_buf_adds(b, "</td>");
}

/* What a finding is about: its game and team, its date or its span. */
static void
subject(const json_t *f, pgs_buf *out)
{
	const char *g = jstr(f, "game_id"), *t = jstr(f, "team_abbr"), *d = jstr(f, "date");

	if (*g)
		pgs_buf_addf(out, "%s%s%s", g, *t ? " " : "", t);
	else if (*d)
		pgs_buf_adds(out, d);
	else if (*jstr(f, "first_date"))
		pgs_buf_addf(out, "%s..%s", jstr(f, "first_date"), jstr(f, "last_date"));
	else if (*jstr(f, "from"))
		pgs_buf_addf(out, "%s..%s", jstr(f, "from"), jstr(f, "to"));
	else
		pgs_buf_adds(out, jstr(f, "month"));
}

static void
findings(const json_t *r, pgs_buf *b)
{
	const json_t *failures = json_object_get(r, "failures");
	pgs_buf s = { 0 };
	size_t i;
	json_t *f;

	pgs_buf_addf(b, "<h2 id=\"findings\">Findings (%zu)</h2>\n", json_array_size(failures));
	if (json_array_size(failures) == 0) {
		pgs_buf_adds(b, "<p class=\"pass\">None: every check passed.</p>\n");
		return;
	}
	pgs_buf_adds(b, "<table class=\"findings\">\n<thead><tr><th>#</th><th>check</th><th>month</th>"
	    "<th>subject</th><th>finding</th></tr></thead>\n<tbody>\n");
	json_array_foreach(failures, i, f) {
		pgs_buf_reset(&s);
		subject(f, &s);
		pgs_buf_addf(b, "<tr class=\"finding\" data-check=\"");
		esc(b, jstr(f, "check"));
		pgs_buf_addf(b, "\"><td>%zu</td>", i + 1);
		cell(b, "", jstr(f, "check"));
		cell(b, "", jstr(f, "month"));
		cell(b, "", s.s ? s.s : "");
		cell(b, "msg wrap", jstr(f, "message"));
		pgs_buf_adds(b, "</tr>\n");
	}
	pgs_buf_adds(b, "</tbody>\n</table>\n");
	pgs_buf_free(&s);
}

static void
checks(const json_t *r, pgs_buf *b)
{
	size_t i;
	json_t *k;
	char n[32];

	pgs_buf_adds(b, "<h2 id=\"checks\">Checks</h2>\n<table class=\"checks\">\n<thead><tr><th>check</th>"
	    "<th>status</th><th>failures</th><th>what it checks</th></tr></thead>\n<tbody>\n");
	json_array_foreach(json_object_get(r, "checks"), i, k) {
		const char *st = jstr(k, "status");

		snprintf(n, sizeof(n), "%lld", (long long)json_integer_value(json_object_get(k, "failures")));
		pgs_buf_adds(b, "<tr>");
		cell(b, "", jstr(k, "check"));
		cell(b, strcmp(st, "fail") == 0 ? "fail" : strcmp(st, "pass") == 0 ? "pass" : "", st);
		cell(b, "", n);
		cell(b, "wrap", jstr(k, "what"));
		pgs_buf_adds(b, "</tr>\n");
	}
	pgs_buf_adds(b, "</tbody>\n</table>\n");
}

/* The rates of rows merged from several sources that differ, per season and list of sources. */
static void
disagreement(const json_t *r, pgs_buf *b)
{
	const json_t *d = json_object_get(r, "disagreement");
	size_t i;
	json_t *x;
	char n[3][48];

	if (json_array_size(d) == 0)
		return;
	pgs_buf_adds(b, "<h2 id=\"sources\">Sources merged</h2>\n<table class=\"sources\">\n<thead><tr>"
	    "<th>season</th><th>merged from</th><th>rows</th><th>differ on a counted stat</th>"
	    "<th>rate</th></tr></thead>\n<tbody>\n");
	json_array_foreach(d, i, x) {
		int fail = json_is_true(json_object_get(x, "fail"));
		double p = json_number_value(json_object_get(x, "pct"));

		snprintf(n[0], sizeof(n[0]), "%lld", (long long)json_integer_value(json_object_get(x, "merged")));
		snprintf(n[1], sizeof(n[1]), "%lld", (long long)json_integer_value(json_object_get(x, "differ")));
		snprintf(n[2], sizeof(n[2]), "%.*f%%", p > 0 && p < 0.01 ? 4 : 2, p);
		pgs_buf_adds(b, "<tr>");
		cell(b, "", jstr(x, "season"));
		cell(b, "", jstr(x, "sources"));
		cell(b, "", n[0]);
		cell(b, "", n[1]);
		cell(b, fail ? "fail" : "pass", n[2]);
		pgs_buf_adds(b, "</tr>\n");
	}
	pgs_buf_adds(b, "</tbody>\n</table>\n");
}

static void
threshold_table(const json_t *r, pgs_buf *b)
{
	const json_t *th = json_object_get(r, "thresholds"), *v;
	char val[64];

	pgs_buf_adds(b, "<h2 id=\"thresholds\">Thresholds</h2>\n<table class=\"thresholds\">\n<thead><tr>"
	    "<th>threshold</th><th>option</th><th>value</th></tr></thead>\n<tbody>\n");
	for (size_t i = 0; i < sizeof(thresholds) / sizeof(thresholds[0]); i++) {
		if (!(v = json_object_get(th, thresholds[i].key)))
			continue;
		if (json_is_integer(v))
			snprintf(val, sizeof(val), "%lld%s%s", (long long)json_integer_value(v),
			    *thresholds[i].unit ? " " : "", thresholds[i].unit);
		else
			snprintf(val, sizeof(val), "%g%s%s", json_number_value(v),
			    *thresholds[i].unit ? " " : "", thresholds[i].unit);
		pgs_buf_addf(b, "<tr data-threshold=\"%s\">", thresholds[i].key);
		cell(b, "", thresholds[i].key);
		cell(b, "", thresholds[i].opt);
		cell(b, "", val);
		pgs_buf_adds(b, "</tr>\n");
	}
	pgs_buf_adds(b, "</tbody>\n</table>\n");
}

void
pgs_validate_html(const json_t *r, const char *generated, pgs_buf *b)
{
	const json_t *tot = json_object_get(r, "totals");
	int ok = json_is_true(json_object_get(r, "ok"));
	pgs_buf s = { 0 };

	pgs_buf_adds(b, "<!DOCTYPE html>\n<html lang=\"en\" xmlns=\"http://www.w3.org/1999/xhtml\">\n"
	    "<head>\n<meta charset=\"utf-8\"/>\n"
	    "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"/>\n<title>");
	pgs_buf_addf(&s, "pgs-validate %s %s..%s: %s", jstr(r, "store"), jstr(r, "from"), jstr(r, "to"),
	    ok ? "passed" : "failed");
	esc(b, s.s);
	pgs_buf_addf(b, "</title>\n<style>\n%s</style>\n</head>\n<body>\n", css);

	pgs_buf_addf(b, "<h1 class=\"%s\">", ok ? "pass" : "fail");
	if (ok)
		pgs_buf_adds(b, "pgs-validate: every check passed");
	else
		pgs_buf_addf(b, "pgs-validate: %lld of %zu checks failed, %zu failures",
		    (long long)json_integer_value(json_object_get(r, "failed_checks")),
		    json_array_size(json_object_get(r, "checks")),
		    json_array_size(json_object_get(r, "failures")));
	pgs_buf_adds(b, "</h1>\n<table class=\"about\">\n<tr><th>store</th>");
	cell(b, "wrap", jstr(r, "store"));
	pgs_buf_adds(b, "</tr>\n<tr><th>window</th>");
	pgs_buf_reset(&s);
	pgs_buf_addf(&s, "%s..%s: %lld months, %lld games, %lld rows", jstr(r, "from"), jstr(r, "to"),
	    (long long)json_integer_value(json_object_get(tot, "months")),
	    (long long)json_integer_value(json_object_get(tot, "games")),
	    (long long)json_integer_value(json_object_get(tot, "rows")));
	cell(b, "", s.s);
	pgs_buf_adds(b, "</tr>\n<tr><th>generated</th>");
	pgs_buf_reset(&s);
	pgs_buf_addf(&s, "%s by pgs-validate %s", generated, jstr(r, "version"));
	cell(b, "", s.s);
	pgs_buf_adds(b, "</tr>\n</table>\n");

	pgs_buf_adds(b, "<figure>\n");
	pgs_validate_svg_inline(r, b);
	pgs_buf_adds(b, "</figure>\n");
	findings(r, b);
	checks(r, b);
	disagreement(r, b);
	threshold_table(r, b);
	pgs_buf_adds(b, "</body>\n</html>\n");
	pgs_buf_free(&s);
}
