/*
 * pgs-resolve — add player_lookup, universal_player_id, registry_status and
 * player_full_name to raw rows, from the player registry in the store.
 *
 * Rows come grouped by game.  One game is buffered at a time (memory bounded
 * by one game, and by GAME_MAX_ROWS for input that is not a game), resolved
 * as a whole — by spelling first, then the leftovers by what the game's other
 * sources say (lib/registry.h) — and written out in input order.
 *
 * The registry is loaded once into memory; a row costs no store round trip.  What was learned (new players, source ids,
 * team-seasons, aliases, unresolved names) is written back in one round
 * trip at the end (and every FLUSH_EVERY facts on a long stream), before
 * the end marker: a run whose registrations did not land never vouches for
 * rows naming them.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "minutes.h"
#include "ndjson.h"
#include "opts.h"
#include "rawcheck.h"
#include "registry.h"
#include "rejects.h"
#include "store.h"
#include "util.h"

/* Flush learned facts this often, so a long stream does not hoard them. */
#define FLUSH_EVERY 4096
/* A real game has at most ~40 rows per source; a longer run of one game id is
 * resolved in pieces of this many rows, so memory stays bounded anyway. */
#define GAME_MAX_ROWS 1024

/* One buffered row. */
struct brow {
	json_t *row;
	char *text;               /* the input line, for emit_row() */
	const char *lookup;       /* the printed name's lookup (registry-owned) */
	char idbuf[32];           /* a numeric source_player_id as text */
};

/* The buffered rows of one game, and their registry rows. */
struct game {
	struct brow *v;
	struct pgs_reg_row *reg;
	size_t n, cap;
};

struct ctx {
	pgs_registry *reg;
	pgs_store *st;
	int loaded;               /* load_registry(): 0 not yet, 1 done, -1 failed */
	int do_register, dry_run;
	const char *uri;
	FILE *unresolved;         /* --unresolved FILE, or NULL */
	const char *unresolved_path;
	long rows_out, counts[4]; /* counts by enum pgs_reg_status */
	struct game game;
	pgs_buf out;              /* an output line */
	struct pgs_window_mark mark;  /* window streams: the window in progress */
};

/* The command line, as given. */
struct options {
	const char *registry, *aliases, *unresolved;
	int do_register, dry_run;
	struct pgs_common co;
};

static const char *const synopsis[] = {
	"pgs-resolve [--registry URI] [--aliases FILE] [--register] [--dry-run]",
	"[--unresolved FILE] [--rejects FILE] [--max-rejects N] [FILE...]",
	NULL,
};

static void
help(FILE *f)
{
	fprintf(f,
	    "Add player_lookup, universal_player_id, registry_status and player_full_name to raw rows.\n"
	    "\n"
	    "  --registry URI      store holding the registry (default $PGS_STORE, else sqlite:pgs.db)\n"
	    "  --aliases FILE      CSV lines 'alias,target': a printed name and the player it means\n"
	    "                      (a universal_player_id or a canonical name)\n"
	    "  --register          give players not in the registry a new id (status new)\n"
	    "  --dry-run           resolve (and register) in memory only: write nothing to the store\n"
	    "  --unresolved FILE   append each unresolved row's name, team and game as NDJSON\n");
}

static const struct pgs_tool tool = {
	synopsis, help,
	"0 ok, 1 some rows rejected, 2 usage error, 3 failure: store, I/O or a truncated upstream",
	PGS_TOOL_ROWS,
};

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

/* The row's team, game and season (pgs_raw_check vouched for them). */
static void
row_context(json_t *row, struct pgs_reg_context *ctx)
{
	ctx->team_abbr = str_field(row, "team_abbr");
	ctx->game_id = str_field(row, "game_id");
	ctx->season_year = (int)json_integer_value(json_object_get(row, "season_year"));
}

/* How far printed minutes may be from the real time: whole minutes are rounded, "36:11" is cut. */
static int
minutes_slack(const char *s)
{
	size_t n;

	s += strspn(s, " \t");
	n = strspn(s, "0123456789");
	if (n > 0 && s[n + strspn(s + n, " \t")] == '\0')
		return 30;
	if (strchr(s, '.') && !strchr(s, ':') && *s != 'P')
		return 3;   /* tenths of a minute */
	return 1;
}

/* The row's stat line, for the box-score rule. */
static void
row_line(json_t *row, struct pgs_reg_line *l)
{
	const char *status = str_field(row, "player_status"), *min = str_field(row, "minutes");

	memset(l, 0, sizeof(*l));
	l->active = status && strcmp(status, "active") == 0;
	if (min && pgs_parse_minutes(min, &l->secs) == PGS_MIN_OK) {
		l->has_secs = 1;
		l->slack = minutes_slack(min);
	}
	for (int k = 0; k < PGS_REG_NLINE; k++) {
		json_t *v = json_object_get(row, pgs_reg_line_fields[k]);

		if (json_is_integer(v)) {
			l->stat[k] = (long)json_integer_value(v);
			l->has |= 1u << k;
		}
	}
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
		pgs_err_errno("write error on '%s'", c->unresolved_path);
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

/* 1 when the row has one of the fields this tool adds (a re-run on resolved rows). */
static int
has_our_fields(json_t *row)
{
	return json_object_get(row, "player_lookup") || json_object_get(row, "universal_player_id") ||
	    json_object_get(row, "registry_status") || json_object_get(row, "player_full_name");
}

/*
 * Write the row: its input text with the four fields spliced in before the
 * closing brace, when that gives compact JSON equal to re-serializing it
 * (input already compact, the fields not already present).  Re-serializing a
 * row costs as much as parsing it, so this halves the tool's work; any other
 * row goes through pgs_emit().  Returns 0, or -1 on a write error.
 */
static int
emit_row(struct ctx *c, const struct brow *b, const struct pgs_resolution *res)
{
	const char *name = res->full_name ? res->full_name : str_field(b->row, "player_name");
	size_t len = strlen(b->text);
	pgs_buf *o = &c->out;

	if (has_our_fields(b->row) || !compact_object(b->text, len)) {
		json_object_set_new_nocheck(b->row, "player_lookup", json_string_nocheck(res->lookup));
		json_object_set_new_nocheck(b->row, "universal_player_id",
		    res->uid ? json_string_nocheck(res->uid) : json_null());
		json_object_set_new_nocheck(b->row, "registry_status",
		    json_string_nocheck(pgs_reg_status_name(res->status)));
		json_object_set_new_nocheck(b->row, "player_full_name", json_string_nocheck(name));
		return pgs_emit(b->row);
	}
	pgs_buf_reset(o);
	pgs_buf_add(o, b->text, len - 1);
	if (len > 2)
		pgs_buf_add(o, ",", 1);
	pgs_buf_adds(o, "\"player_lookup\":");
	pgs_buf_addjson(o, res->lookup, strlen(res->lookup));
	pgs_buf_adds(o, ",\"universal_player_id\":");
	if (res->uid)
		pgs_buf_addjson(o, res->uid, strlen(res->uid));
	else
		pgs_buf_adds(o, "null");
	pgs_buf_adds(o, ",\"registry_status\":\"");
	pgs_buf_adds(o, pgs_reg_status_name(res->status));
	pgs_buf_adds(o, "\",\"player_full_name\":");
	pgs_buf_addjson(o, name, strlen(name));
	pgs_buf_adds(o, "}\n");
	return pgs_out_write(o->s, o->len);
}

static void
game_clear(struct game *g)
{
	for (size_t i = 0; i < g->n; i++) {
		json_decref(g->v[i].row);
		free(g->v[i].text);
	}
	g->n = 0;
}

static void
game_free(struct game *g)
{
	game_clear(g);
	free(g->v);
	free(g->reg);
}

/*
 * Resolve the buffered game and write its rows out, in input order; queue
 * the unresolved ones.  Returns 0, or -1 on a failure (a write error; reported
 * by pgs_out_close() or here).
 */
static int
finish_game(struct ctx *c)
{
	struct game *g = &c->game;
	size_t i;
	int rc = 0;

	for (i = 0; i < g->n; i++) {
		struct brow *b = &g->v[i];
		struct pgs_reg_row *w = &g->reg[i];

		memset(w, 0, sizeof(*w));
		w->lookup = b->lookup;
		w->name = str_field(b->row, "player_name");
		w->source = str_field(b->row, "source");
		w->spid = spid_field(b->row, b->idbuf, sizeof(b->idbuf));
		row_context(b->row, &w->ctx);
		row_line(b->row, &w->line);
	}
	pgs_registry_resolve_game(c->reg, g->reg, g->n, c->do_register);
	for (i = 0; i < g->n && rc == 0; i++) {
		const struct pgs_reg_row *w = &g->reg[i];
		json_t *row = g->v[i].row;

		c->counts[w->res.status]++;
		if (w->res.status == PGS_REG_UNRESOLVED) {
			struct pgs_unresolved u = {
				w->res.lookup, w->name, w->source, w->ctx.team_abbr,
				w->ctx.game_id, str_field(row, "game_date"), 1
			};

			pgs_registry_queue_unresolved(c->reg, &u);
			if (c->unresolved && write_unresolved(c, row, w->name, w->res.lookup) < 0)
				rc = -1;
		}
		if (rc == 0 && emit_row(c, &g->v[i], &w->res) < 0)
			rc = -1;
		if (rc == 0)
			c->rows_out++;
	}
	game_clear(g);
	return rc;
}

static int flush(struct ctx *c);

/*
 * One input row: checked against the raw-row contract, its name normalized,
 * buffered with its game (a row of another game first finishes the buffered
 * one).  Returns 0, or -1 on a failure (store, --max-rejects, a write error).
 */
static int
take_row(struct ctx *c, pgs_rows *rows, json_t *row)
{
	struct game *g = &c->game;
	json_t *jname = json_object_get(row, "player_name");
	const char *lookup, *why, *gid;
	char err[256];
	struct brow *b;

	if (pgs_raw_check(row, NULL, err, sizeof(err)) < 0)
		return pgs_reject(pgs_rows_name(rows), pgs_rows_lineno(rows), pgs_rows_text(rows),
		    "%s", err);
	lookup = pgs_registry_lookup(c->reg, json_string_value(jname), json_string_length(jname), &why);
	if (!lookup)
		return pgs_reject(pgs_rows_name(rows), pgs_rows_lineno(rows), pgs_rows_text(rows),
		    "player_name '%s' %s", json_string_value(jname), why);
	gid = str_field(row, "game_id");
	if (g->n > 0 && (g->n >= GAME_MAX_ROWS || strcmp(gid, str_field(g->v[0].row, "game_id")) != 0)) {
		if (finish_game(c) < 0)
			return -1;
		if (pgs_registry_pending(c->reg) >= FLUSH_EVERY && flush(c) < 0)
			return -1;
	}
	if (g->n == g->cap) {
		g->cap = g->cap ? 2 * g->cap : 64;
		g->v = pgs_xrealloc(g->v, g->cap * sizeof(*g->v));
		g->reg = pgs_xrealloc(g->reg, g->cap * sizeof(*g->reg));
	}
	b = &g->v[g->n++];
	b->row = json_incref(row);
	b->text = pgs_xstrdup(pgs_rows_text(rows));
	b->lookup = lookup;
	return 0;
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
	return 0;
}

/*
 * Read the store's registry into c->reg, once, when the first row needs it:
 * a batch without rows (a day without games: half of a one-day backfill)
 * then costs no registry read, which is about half of what such a
 * pgs-resolve does.  Returns 0, or -1 (reported).
 */
static int
load_registry(struct ctx *c)
{
	if (c->loaded == 0)
		c->loaded = pgs_registry_load(c->reg, c->st) < 0 ? -1 : 1;
	return c->loaded < 0 ? -1 : 0;
}

/* Resolve every row of the input.  Returns PGS_ROWS_END, or PGS_ROWS_FATAL (reported). */
static int
resolve_stream(struct ctx *c, pgs_rows *rows)
{
	json_t *row;
	int got, r;

	while ((got = pgs_rows_next(rows, &row)) > 0) {
		if (got == PGS_ROWS_WINDOW) {
			/* the window's rows, and what was learned from them, are
			 * out before its marker vouches for them */
			r = (c->game.n > 0 && finish_game(c) < 0) || flush(c) < 0 ||
			    pgs_pass_window(row, c->rows_out, &c->mark) < 0 ? -1 : 0;
			json_decref(row);
			if (r < 0)
				return PGS_ROWS_FATAL;
			continue;
		}
		if (load_registry(c) < 0) {
			json_decref(row);
			return PGS_ROWS_FATAL;
		}
		r = take_row(c, rows, row);   /* a write error is reported by pgs_out_close() */
		json_decref(row);
		if (r < 0)
			return PGS_ROWS_FATAL;
	}
	if (got == PGS_ROWS_END && c->game.n > 0 && finish_game(c) < 0)
		return PGS_ROWS_FATAL;
	return got;
}

/*
 * The dates whose summary rows this run made stale by moving players' first
 * games earlier, for the end marker ({"stale_dates":[...]}, which
 * pgs-backfill reads to redo them), or NULL when there are none or nothing
 * was saved.
 */
static json_t *
stale_dates(const struct ctx *c)
{
	size_t n = c->reg && !c->dry_run ? pgs_registry_nstale_dates(c->reg) : 0;
	json_t *a;

	if (n == 0)
		return NULL;
	a = json_array();
	for (size_t i = 0; i < n; i++)
		json_array_append_new(a, json_string(pgs_registry_stale_date(c->reg, i)));
	return json_pack("{s:o}", "stale_dates", a);
}

/* -v's statistics and the warning of a run that resolved nothing; -1 when
 * the registry could not be read for its sizes (reported) */
static int
print_stats(struct ctx *c, long long ms)
{
	struct pgs_registry_stats s;

	/* the registry's sizes, for -v, even when no row needed it */
	if (pgs_verbosity >= 2) {
		if (load_registry(c) < 0)
			return -1;
		pgs_registry_stats(c->reg, &s);
		pgs_info("%ld rows in %lld ms: %ld resolved, %ld alias, %ld new, %ld unresolved; "
		    "registry %ld players, %ld source ids (%ld learned), %ld aliases, "
		    "%ld team-seasons (%ld learned); %ld distinct names; "
		    "suffix rule: %ld matched, %ld ambiguous; same-game spelling: %ld matched; "
		    "box-score rule: %ld matched, %ld tied or shared; "
		    "%ld first games moved earlier",
		    c->rows_out, ms, c->counts[PGS_REG_RESOLVED], c->counts[PGS_REG_ALIAS],
		    c->counts[PGS_REG_NEW], c->counts[PGS_REG_UNRESOLVED], s.players, s.source_ids,
		    s.source_ids_learned, s.aliases, s.team_seasons, s.team_seasons_learned,
		    s.names_cached, s.suffix_matched, s.ambiguous, s.game_spelling, s.box_matched,
		    s.box_refused, s.first_games_moved);
	}
	if (c->rows_out > 0 && c->counts[PGS_REG_UNRESOLVED] == c->rows_out)
		pgs_warn("none of the %ld rows resolved: the registry has none of these players"
		    "%s", c->rows_out, c->do_register ? "" : " (give --register to add them)");
	return 0;
}

static int
parse_args(int argc, char **argv, struct options *o)
{
	const struct pgs_option opts[] = {
		PGS_OPT_STRING(0, "registry", &o->registry),
		PGS_OPT_STRING(0, "aliases", &o->aliases),
		PGS_OPT_FLAG(0, "register", &o->do_register),
		PGS_OPT_STRING(0, "unresolved", &o->unresolved),
		PGS_OPT_FLAG(0, "dry-run", &o->dry_run),
		PGS_OPT_END(),
	};

	return pgs_parse_options(argc, argv, &tool, opts, &o->co, o);
}

int
main(int argc, char **argv)
{
	struct options o = { 0 };
	struct ctx c = { 0 };
	pgs_rows *rows = NULL;
	json_t *extra;
	long long t0 = pgs_mono_ms();
	int got, status;

	pgs_setprog(argv[0]);
	pgs_store_hide_secrets(argc, argv);
	if ((status = parse_args(argc, argv, &o)) >= 0)
		return status;
	status = PGS_EXIT_FAIL;
	c.do_register = o.do_register;
	c.dry_run = o.dry_run;
	c.unresolved_path = o.unresolved;
	c.reg = pgs_registry_new();
	if (o.aliases && (got = pgs_registry_read_aliases(c.reg, o.aliases)) < 0) {
		status = got == -2 ? PGS_EXIT_USAGE : PGS_EXIT_FAIL;
		goto out;
	}
	if (pgs_rejects_init(o.co.rejects, o.co.max_rejects) < 0)
		goto out;
	c.uri = pgs_default_store(o.registry);
	if ((got = open_registry(&c)) != 0) {
		status = got;
		goto out;
	}
	if (c.unresolved_path && (c.unresolved = fopen(c.unresolved_path, "a")) == NULL) {
		pgs_err_errno("cannot open '%s'", c.unresolved_path);
		goto out;
	}

	rows = pgs_rows_open(argv + optind, argc - optind);
	pgs_rows_windows(rows);
	pgs_out_init();
	got = resolve_stream(&c, rows);
	/* What was learned from a stream cut short is left out: the batch will be run again. */
	if (got == PGS_ROWS_END && flush(&c) < 0)
		got = PGS_ROWS_FATAL;
	got = pgs_rows_vouch_extra(got, rows, c.rows_out, extra = stale_dates(&c));
	json_decref(extra);
	status = got == PGS_ROWS_END ? (pgs_reject_count() ? PGS_EXIT_REJECTS : PGS_EXIT_OK)
	    : PGS_EXIT_FAIL;
	if (pgs_out_close() < 0)
		status = PGS_EXIT_FAIL;
	if (print_stats(&c, pgs_mono_ms() - t0) < 0)
		status = PGS_EXIT_FAIL;
out:
	if (c.unresolved && pgs_close_stream(c.unresolved, c.unresolved_path) < 0)
		status = PGS_EXIT_FAIL;
	if (pgs_rejects_close() < 0)
		status = PGS_EXIT_FAIL;
	pgs_rows_close(rows);
	game_free(&c.game);
	pgs_buf_free(&c.out);
	pgs_store_close(c.st);
	pgs_registry_free(c.reg);
	return status;
}
