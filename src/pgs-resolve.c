/*
 * pgs-resolve — add player_lookup, universal_player_id and registry_status
 * to raw rows, from the player registry in the store.
 *
 * The registry is loaded once into memory (lib/registry.h); a row costs no
 * store round trip.  What was learned (new players, source ids,
 * team-seasons, aliases, unresolved names) is written back in one round
 * trip at the end (and every FLUSH_EVERY facts on a long stream), before
 * the end marker: a run whose registrations did not land never vouches for
 * rows naming them.
 */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "dates.h"
#include "ndjson.h"
#include "opts.h"
#include "registry.h"
#include "rejects.h"
#include "store.h"
#include "util.h"

/* Flush learned facts this often, so a long stream does not hoard them. */
#define FLUSH_EVERY 4096

enum {
	OPT_REGISTRY = PGS_OPT_TOOL,
	OPT_ALIASES,
	OPT_REGISTER,
	OPT_UNRESOLVED,
	OPT_DRY_RUN,
};

struct ctx {
	pgs_registry *reg;
	pgs_store *st;
	int do_register, dry_run;
	const char *uri;
	FILE *unresolved;         /* --unresolved FILE, or NULL */
	const char *unresolved_path;
	long rows_out, counts[4]; /* counts by enum pgs_reg_status */
};

static void
usage(FILE *f)
{
	fprintf(f,
	    "usage: pgs-resolve [--registry URI] [--aliases FILE] [--register] [--dry-run]\n"
	    "                   [--unresolved FILE] [--rejects FILE] [--max-rejects N] [FILE...]\n"
	    "\n"
	    "Add player_lookup, universal_player_id and registry_status to raw rows.\n"
	    "\n"
	    "  --registry URI     store holding the registry (default $PGS_STORE, else sqlite:pgs.db)\n"
	    "  --aliases FILE     CSV lines 'alias,target': a printed name and the player it means\n"
	    "                     (a universal_player_id or a canonical name)\n"
	    "  --register         give players not in the registry a new id (status new)\n"
	    "  --dry-run          resolve (and register) in memory only: write nothing to the store\n"
	    "  --unresolved FILE  append each unresolved row's name, team and game as NDJSON\n"
	    "  --rejects FILE     write rejected lines to FILE as NDJSON (default: stderr)\n"
	    "  --max-rejects N    fail (exit 3) once more than N lines are rejected\n"
	    "  -q, --quiet        no warnings\n"
	    "  -v, --verbose      statistics on stderr at the end\n"
	    "  -h, --help         this help\n"
	    "  -V, --version      version\n"
	    "\n"
	    "Exit: 0 ok, 1 some rows rejected, 2 usage, 3 failure (store, I/O, truncated input).\n");
}

/* A row's string field, or NULL when absent, null or not a string. */
static const char *
str_field(json_t *row, const char *key)
{
	return json_string_value(json_object_get(row, key));
}

/* source_player_id as text: sources give strings, but a number is the same id. */
static const char *
spid_field(json_t *row, char *buf, size_t cap)
{
	json_t *v = json_object_get(row, "source_player_id");

	if (json_is_integer(v)) {
		snprintf(buf, cap, "%lld", (long long)json_integer_value(v));
		return buf;
	}
	return json_string_value(v);
}

/*
 * The row's team, game and season, for matching names that differ by a
 * suffix.  season_year, else the season of game_date; 0 when neither.
 */
static void
row_context(json_t *row, struct pgs_reg_context *ctx)
{
	json_t *season = json_object_get(row, "season_year");
	const char *date = str_field(row, "game_date");
	long days;

	ctx->team_abbr = str_field(row, "team_abbr");
	ctx->game_id = str_field(row, "game_id");
	ctx->season_year = 0;
	if (json_is_integer(season) && json_integer_value(season) > 0 && json_integer_value(season) < 10000)
		ctx->season_year = (int)json_integer_value(season);
	else if (date && pgs_date_parse(date, &days) == 0)
		ctx->season_year = pgs_season_year(days);
}

/* Append an unresolved row to --unresolved FILE; -1 on a write error. */
static int
write_unresolved(struct ctx *c, json_t *row, const char *name, const char *lookup)
{
	static const char *const keep[] = { "source", "team_abbr", "game_id", "game_date" };
	json_t *o = json_object();
	size_t i;
	int r;

	json_object_set_new(o, "player_name", json_string(name));
	json_object_set_new(o, "player_lookup", json_string(lookup));
	for (i = 0; i < sizeof(keep) / sizeof(keep[0]); i++) {
		json_t *v = json_object_get(row, keep[i]);

		json_object_set(o, keep[i], v ? v : json_null());
	}
	r = json_dumpf(o, c->unresolved, JSON_COMPACT) < 0 || fputc('\n', c->unresolved) == EOF;
	json_decref(o);
	if (r)
		pgs_err("write error on '%s': %s", c->unresolved_path, strerror(errno));
	return r ? -1 : 0;
}

/* 1 when text is one JSON object written without white space outside its strings. */
static int
compact_object(const char *text, size_t len)
{
	const char *p = text, *end = text + len;
	int in_str = 0;

	if (len < 2 || text[0] != '{' || text[len - 1] != '}')
		return 0;
	for (; p < end; p++) {
		if (in_str) {
			if (*p == '\\')
				p++;
			else if (*p == '"')
				in_str = 0;
		} else if (*p == '"')
			in_str = 1;
		else if (*p == ' ' || *p == '\t' || *p == '\n' || *p == '\r')
			return 0;
	}
	return 1;
}

/* 1 when s can go between quotes in JSON as it is. */
static int
plain(const char *s)
{
	for (; *s; s++)
		if (*s == '"' || *s == '\\' || (unsigned char)*s < 0x20)
			return 0;
	return 1;
}

/*
 * Write the row: its input text with the three fields spliced in before the
 * closing brace, when that gives compact JSON equal to re-serializing it
 * (input already compact, the fields not already present).  Re-serializing a
 * row costs as much as parsing it, so this halves the tool's work; any other
 * row goes through pgs_emit().  Returns 0, or -1 on a write error.
 */
static int
emit_row(pgs_rows *rows, json_t *row, const struct pgs_resolution *res, int had_fields)
{
	const char *text = pgs_rows_text(rows);
	size_t len = strlen(text);

	if (had_fields || !compact_object(text, len) || (res->uid && !plain(res->uid)) ||
	    !plain(res->lookup)) {
		json_object_set_new_nocheck(row, "player_lookup", json_string_nocheck(res->lookup));
		json_object_set_new_nocheck(row, "universal_player_id",
		    res->uid ? json_string_nocheck(res->uid) : json_null());
		json_object_set_new_nocheck(row, "registry_status",
		    json_string_nocheck(pgs_reg_status_name(res->status)));
		return pgs_emit(row);
	}
	fwrite(text, 1, len - 1, stdout);
	if (len > 2)
		putchar(',');
	fputs("\"player_lookup\":\"", stdout);
	fputs(res->lookup, stdout);
	if (res->uid) {
		fputs("\",\"universal_player_id\":\"", stdout);
		fputs(res->uid, stdout);
		fputs("\",\"registry_status\":\"", stdout);
	} else
		fputs("\",\"universal_player_id\":null,\"registry_status\":\"", stdout);
	fputs(pgs_reg_status_name(res->status), stdout);
	return fputs("\"}\n", stdout) == EOF ? -1 : 0;
}

/*
 * Resolve one row and write it out.  Returns 1 when written, 0 when it was
 * rejected, -1 on a failure (store, --max-rejects, a write error).
 */
static int
resolve_row(struct ctx *c, pgs_rows *rows, json_t *row)
{
	json_t *jname = json_object_get(row, "player_name");
	const char *name = json_string_value(jname), *lookup, *why, *source, *spid;
	struct pgs_resolution res;
	struct pgs_reg_context ctx;
	char idbuf[32];
	int had_fields;

	if (!name)
		return pgs_reject(pgs_rows_name(rows), pgs_rows_lineno(rows), pgs_rows_text(rows),
		    jname ? "player_name is not a string" : "missing player_name") < 0 ? -1 : 0;
	lookup = pgs_registry_lookup(c->reg, name, json_string_length(jname), &why);
	if (!lookup)
		return pgs_reject(pgs_rows_name(rows), pgs_rows_lineno(rows), pgs_rows_text(rows),
		    "player_name '%s' %s", name, why) < 0 ? -1 : 0;
	source = str_field(row, "source");
	spid = spid_field(row, idbuf, sizeof(idbuf));
	row_context(row, &ctx);
	if (pgs_registry_resolve(c->reg, lookup, name, source, spid, &ctx, c->do_register,
	    &res) < 0)
		return -1;
	c->counts[res.status]++;
	if (res.status == PGS_REG_UNRESOLVED) {
		struct pgs_unresolved u = {
			res.lookup, name, source, str_field(row, "team_abbr"),
			str_field(row, "game_id"), str_field(row, "game_date"), 1
		};

		pgs_registry_queue_unresolved(c->reg, &u);
		if (c->unresolved && write_unresolved(c, row, name, res.lookup) < 0)
			return -1;
	}
	/* a row resolved before (re-run on pgs-resolve output) gets its fields replaced */
	had_fields = json_object_get(row, "player_lookup") || json_object_get(row, "universal_player_id") ||
	    json_object_get(row, "registry_status");
	return emit_row(rows, row, &res, had_fields) < 0 ? -1 : 1;
}

/* Write what was learned; a dry run writes nothing. */
static int
flush(struct ctx *c)
{
	if (c->dry_run || pgs_registry_pending(c->reg) == 0)
		return 0;
	return pgs_registry_flush(c->reg, c->st);
}

/*
 * Open the registry: for writing with --register (it is made on first use),
 * else read-only, so resolving against a store that does not exist says so
 * instead of making an empty one and calling every row unresolved.
 * Returns 0, or an exit status.
 */
static int
open_registry(struct ctx *c)
{
	int usage;

	c->st = pgs_store_open(c->uri, c->do_register && !c->dry_run ? PGS_STORE_RW : PGS_STORE_RO,
	    &usage);
	if (!c->st) {
		if (!usage && !c->do_register) {
			char *shown = pgs_store_redact(c->uri);

			pgs_err("no registry to resolve against in '%s': give --register to start one",
			    shown);
			free(shown);
		}
		return usage ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
	}
	/* it exists: a run that will write what it learns opens it for writing
	 * (which also brings an older store's schema up to date) */
	if (c->st->mode == PGS_STORE_RO && !c->dry_run) {
		pgs_store_close(c->st);
		if (!(c->st = pgs_store_open(c->uri, PGS_STORE_RW, NULL)))
			return PGS_EXIT_FAIL;
	}
	return pgs_registry_load(c->reg, c->st) < 0 ? PGS_EXIT_FAIL : 0;
}

/* Resolve every row of the input.  Returns PGS_ROWS_END, or PGS_ROWS_FATAL (reported). */
static int
resolve_stream(struct ctx *c, pgs_rows *rows)
{
	json_t *row;
	int got, r;

	while ((got = pgs_rows_next(rows, &row)) == PGS_ROWS_ROW) {
		r = resolve_row(c, rows, row);   /* a write error is reported by pgs_out_close() */
		json_decref(row);
		if (r < 0)
			return PGS_ROWS_FATAL;
		if (r > 0)
			c->rows_out++;
		if (pgs_registry_pending(c->reg) >= FLUSH_EVERY && flush(c) < 0)
			return PGS_ROWS_FATAL;
	}
	return got;
}

static void
print_stats(struct ctx *c, long long ms)
{
	struct pgs_registry_stats s;

	pgs_registry_stats(c->reg, &s);
	pgs_info("%ld rows in %lld ms: %ld resolved, %ld alias, %ld new, %ld unresolved; "
	    "registry %ld players, %ld source ids (%ld learned), %ld aliases, "
	    "%ld team-seasons (%ld learned); %ld distinct names; "
	    "suffix rule: %ld matched, %ld ambiguous",
	    c->rows_out, ms, c->counts[PGS_REG_RESOLVED], c->counts[PGS_REG_ALIAS],
	    c->counts[PGS_REG_NEW], c->counts[PGS_REG_UNRESOLVED], s.players, s.source_ids,
	    s.source_ids_learned, s.aliases, s.team_seasons, s.team_seasons_learned,
	    s.names_cached, s.suffix_matched, s.ambiguous);
	if (c->rows_out > 0 && c->counts[PGS_REG_UNRESOLVED] == c->rows_out)
		pgs_warn("none of the %ld rows resolved: the registry has none of these players"
		    "%s", c->rows_out, c->do_register ? "" : " (give --register to add them)");
}

int
main(int argc, char **argv)
{
	static const struct option longopts[] = {
		PGS_COMMON_LONGOPTS,
		{ "registry", required_argument, NULL, OPT_REGISTRY },
		{ "aliases", required_argument, NULL, OPT_ALIASES },
		{ "register", no_argument, NULL, OPT_REGISTER },
		{ "unresolved", required_argument, NULL, OPT_UNRESOLVED },
		{ "dry-run", no_argument, NULL, OPT_DRY_RUN },
		{ NULL, 0, NULL, 0 },
	};
	struct pgs_common co;
	struct ctx c = { 0 };
	const char *registry = NULL, *aliases = NULL;
	pgs_rows *rows = NULL;
	long long t0 = pgs_mono_ms();
	int ch, got, status = PGS_EXIT_FAIL;

	pgs_setprog(argv[0]);
	pgs_store_hide_secrets(argc, argv);
	pgs_common_init(&co);
	while ((ch = getopt_long(argc, argv, PGS_COMMON_SHORTOPTS, longopts, NULL)) != -1) {
		switch (pgs_common_opt(ch, optarg, &co, usage)) {
		case PGS_OPT_EXIT:
			return PGS_EXIT_OK;
		case PGS_OPT_BAD:
			return PGS_EXIT_USAGE;
		case PGS_OPT_HANDLED:
			continue;
		}
		switch (ch) {
		case OPT_REGISTRY:
			registry = optarg;
			break;
		case OPT_ALIASES:
			aliases = optarg;
			break;
		case OPT_REGISTER:
			c.do_register = 1;
			break;
		case OPT_UNRESOLVED:
			c.unresolved_path = optarg;
			break;
		case OPT_DRY_RUN:
			c.dry_run = 1;
			break;
		}
	}

	c.reg = pgs_registry_new();
	if (aliases && (got = pgs_registry_read_aliases(c.reg, aliases)) < 0) {
		status = got == -2 ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
		goto out;
	}
	if (pgs_rejects_init(co.rejects, co.max_rejects) < 0)
		goto out;
	c.uri = pgs_default_store(registry);
	if ((got = open_registry(&c)) != 0) {
		status = got;
		goto out;
	}
	if (c.unresolved_path && (c.unresolved = fopen(c.unresolved_path, "a")) == NULL) {
		pgs_err("cannot open '%s': %s", c.unresolved_path, strerror(errno));
		goto out;
	}

	rows = pgs_rows_open(argv + optind, argc - optind);
	pgs_out_init();
	got = resolve_stream(&c, rows);
	/* What was learned from a stream cut short is left out: the batch will be run again. */
	if (got == PGS_ROWS_END && flush(&c) < 0)
		got = PGS_ROWS_FATAL;
	got = pgs_rows_vouch(got, rows, c.rows_out);
	status = got == PGS_ROWS_END ? (pgs_reject_count() ? PGS_EXIT_REJECTS : PGS_EXIT_OK)
	    : PGS_EXIT_FAIL;
	if (pgs_out_close() < 0)
		status = PGS_EXIT_FAIL;
	print_stats(&c, pgs_mono_ms() - t0);
out:
	if (c.unresolved && pgs_close_stream(c.unresolved, c.unresolved_path) < 0)
		status = PGS_EXIT_FAIL;
	if (pgs_rejects_close() < 0)
		status = PGS_EXIT_FAIL;
	pgs_rows_close(rows);
	pgs_store_close(c.st);
	pgs_registry_free(c.reg);
	return status;
}
