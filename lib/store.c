/* store.c — store URIs, the tables' shapes, and dispatch to a backend. */
#include "store.h"

#include <string.h>

#include "jsonparse.h"
#include "util.h"

static const struct pgs_store_ops *const backends[] = {
	&pgs_store_sqlite_ops,
	&pgs_store_pg_ops,
	&pgs_store_bq_ops,
};
#define NBACKENDS (sizeof(backends) / sizeof(backends[0]))

/* ---- URIs ---- */

static const struct pgs_store_ops *
backend_of(const char *uri)
{
	for (size_t i = 0; i < NBACKENDS; i++)
		for (const char *const *p = backends[i]->prefixes; *p; p++)
			if (strncmp(uri, *p, strlen(*p)) == 0)
				return backends[i];
	return NULL;
}

int
pgs_store_is_uri(const char *s)
{
	return s && backend_of(s) != NULL;
}

/* Query parameters whose value is a secret. */
static int
secret_param(const char *k, size_t n)
{
	static const char *const names[] = { "password", "pass", "token", "access_token",
		"key", "secret", "sslpassword" };

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strlen(names[i]) == n && strncmp(k, names[i], n) == 0)
			return 1;
	return 0;
}

/* uri with its password and secret parameters shown as "***" (strip 0) or left out (strip 1). */
static char *
rewrite_secrets(const char *uri, int strip)
{
	pgs_buf b = { 0 };
	const char *p = uri, *scheme_end = strstr(uri, "://"), *q, *at, *colon, *slash;
	int kept = 0;

	if (scheme_end) {
		/* authority: user[:password]@host — the password goes */
		p = scheme_end + 3;
		slash = p + strcspn(p, "/?#");
		at = memchr(p, '@', (size_t)(slash - p));
		/* the last '@' of the authority: a password may contain '@' */
		for (q = at; q && q < slash; q = memchr(q + 1, '@', (size_t)(slash - q - 1)))
			at = q;
		pgs_buf_add(&b, uri, (size_t)(p - uri));
		if (at) {
			colon = memchr(p, ':', (size_t)(at - p));
			if (colon) {
				pgs_buf_add(&b, p, (size_t)(colon - p));
				if (!strip)
					pgs_buf_adds(&b, ":***");
			} else
				pgs_buf_add(&b, p, (size_t)(at - p));
			p = at;
		}
	}
	/* up to the query, then each parameter */
	q = strchr(p, '?');
	if (!q) {
		pgs_buf_adds(&b, p);
		return b.s ? b.s : pgs_xstrdup("");
	}
	pgs_buf_add(&b, p, (size_t)(q - p));
	for (p = q; *p; ) {
		const char *k = p + 1, *eq, *end = k + strcspn(k, "&#");

		eq = memchr(k, '=', (size_t)(end - k));
		if (eq && secret_param(k, (size_t)(eq - k))) {
			if (!strip) {
				pgs_buf_add(&b, p, 1);
				pgs_buf_add(&b, k, (size_t)(eq - k) + 1);
				pgs_buf_adds(&b, "***");
			}
		} else {
			pgs_buf_adds(&b, strip ? (kept ? "&" : "?") : (char[]){ *p, '\0' });
			pgs_buf_add(&b, k, (size_t)(end - k));
			kept++;
		}
		p = end;
		if (*p == '#') {
			pgs_buf_adds(&b, p);
			break;
		}
	}
	return b.s ? b.s : pgs_xstrdup("");
}

char *
pgs_store_redact(const char *uri)
{
	return rewrite_secrets(uri, 0);
}

char *
pgs_store_strip_secrets(const char *uri)
{
	return rewrite_secrets(uri, 1);
}

void
pgs_store_hide_secrets(int argc, char **argv)
{
	for (int i = 1; i < argc; i++) {
		char *shown = pgs_store_redact(argv[i]);
		size_t n = strlen(argv[i]), m = strlen(shown);

		if (strcmp(shown, argv[i]) != 0) {
			char *orig = argv[i];

			argv[i] = pgs_xstrdup(orig);   /* lives as long as the program */
			/* the redacted form is never longer: '***' replaces at least one byte,
			 * or the whole secret is blanked when it is shorter */
			if (m <= n) {
				memcpy(orig, shown, m);
				memset(orig + m, ' ', n - m);
			} else
				memset(orig, '*', n);
		}
		free(shown);
	}
}

/* ---- opening ---- */

pgs_store *
pgs_store_open(const char *uri, enum pgs_store_mode mode, int *usage)
{
	const struct pgs_store_ops *ops = uri ? backend_of(uri) : NULL;
	pgs_store *st;
	char *shown;

	if (usage)
		*usage = 0;
	if (!ops) {
		shown = pgs_store_redact(uri ? uri : "");
		pgs_err("unknown store '%s': want sqlite:PATH, postgres://USER@HOST/DB or "
		    "bigquery://PROJECT/DATASET", shown);
		free(shown);
		if (usage)
			*usage = 1;
		return NULL;
	}
	shown = pgs_store_redact(uri);
	st = ops->open(uri, shown, mode);
	if (st) {
		st->ops = ops;
		st->mode = mode;
		st->uri = shown;
	} else
		free(shown);
	return st;
}

void
pgs_store_close(pgs_store *st)
{
	if (st)
		st->ops->close(st);   /* frees st->uri too */
}

const char *
pgs_store_name(const pgs_store *st)
{
	return st->uri;
}

int
pgs_store_readonly(pgs_store *st, const char *what)
{
	pgs_err("store '%s': opened read-only: cannot %s", st->uri, what);
	return -1;
}

/* ---- tables ---- */

static int summary_keys[2], raw_keys[4];
static struct pgs_table t_summary = { PGS_TABLE_SUMMARY, NULL, 0, summary_keys, 2, 0, -1, -1 };
static struct pgs_table t_raw = { PGS_TABLE_RAW, NULL, 0, raw_keys, 4, 1, -1, -1 };

static int
field_index(const struct pgs_field *f, size_t n, const char *name)
{
	const struct pgs_field *x = pgs_field_find(f, n, name);

	return x ? (int)(x - f) : -1;
}

/* The field tables are not constant expressions: fill the shapes once. */
static void
tables_init(void)
{
	static const char *const sk[] = { "game_id", "player_lookup" };
	static const char *const rk[] = { "source", "game_id", "team_abbr", "player_name" };

	if (t_summary.f)
		return;
	t_summary.f = pgs_summary_fields;
	t_summary.nf = pgs_summary_nfields;
	for (size_t i = 0; i < 2; i++)
		summary_keys[i] = field_index(t_summary.f, t_summary.nf, sk[i]);
	t_summary.date_field = field_index(t_summary.f, t_summary.nf, "game_date");
	t_raw.f = pgs_raw_fields;
	t_raw.nf = pgs_raw_nfields;
	for (size_t i = 0; i < 4; i++)
		raw_keys[i] = field_index(t_raw.f, t_raw.nf, rk[i]);
	t_raw.scope_field = field_index(t_raw.f, t_raw.nf, "source");
	t_raw.date_field = field_index(t_raw.f, t_raw.nf, "game_date");
}

const struct pgs_table *
pgs_table_get(const char *name)
{
	tables_init();
	if (!name || strcmp(name, PGS_TABLE_SUMMARY) == 0)
		return &t_summary;
	if (strcmp(name, PGS_TABLE_RAW) == 0)
		return &t_raw;
	return NULL;
}

const char *
pgs_table_history(const struct pgs_table *t)
{
	return t->raw ? PGS_TABLE_RAW_HISTORY : PGS_TABLE_HISTORY;
}

/* ---- reads and the registry ---- */

struct raw_ctx {
	pgs_store *st;
	int (*fn)(json_t *row, const char *doc, size_t len, void *arg);
	void *arg;
};

static int
raw_doc(const char *doc, size_t len, void *arg)
{
	struct raw_ctx *c = arg;
	json_error_t jerr;
	json_t *row = pgs_json_loadb(doc, len, 0, &jerr);
	int r;

	if (!json_is_object(row)) {
		pgs_err("store '%s': raw_boxscores row with a bad doc: %s", c->st->uri,
		    row ? "not an object" : jerr.text);
		json_decref(row);
		return -1;
	}
	r = c->fn(row, doc, len, c->arg);
	json_decref(row);
	return r;
}

int
pgs_store_raw_read(pgs_store *st, const char *from, const char *to, const char *source,
    int (*fn)(json_t *row, const char *doc, size_t len, void *arg), void *arg)
{
	struct raw_ctx c = { st, fn, arg };

	return st->ops->raw_read(st, from, to, source, raw_doc, &c);
}

int
pgs_store_ledger(pgs_store *st, const char *table, const char *from, const char *to,
    int (*fn)(const struct pgs_ledger_entry *e, void *arg), void *arg)
{
	return st->ops->ledger(st, table ? table : PGS_TABLE_SUMMARY, from ? from : "0000-01-01",
	    to ? to : "9999-12-31", fn, arg);
}

int
pgs_store_registry_load(pgs_store *st, const struct pgs_registry_cb *cb, void *arg)
{
	return st->ops->registry_load(st, cb, arg);
}

int
pgs_store_registry_write(pgs_store *st, const struct pgs_registry_batch *b)
{
	if (b->nplayers + b->nsource_ids + b->naliases + b->nunresolved + b->nteam_seasons == 0)
		return 0;
	if (st->mode == PGS_STORE_RO)
		return pgs_store_readonly(st, "write the registry");
	return st->ops->registry_write(st, b);
}

/* ---- a neutral look at every table ---- */

const char *const pgs_store_tables[] = {
	"player_game_summary", "raw_boxscores", "pgs_windows", "players_registry",
	"player_source_ids", "player_aliases", "unresolved_player_names",
	"player_team_seasons", PGS_TABLE_HISTORY, PGS_TABLE_RAW_HISTORY, NULL,
};

/* The order rows come in: the key, or what stands for one. */
static const char *const table_keys[] = {
	"game_id, player_lookup",
	"source, game_id, team_abbr, player_name",
	"tbl, scope, from_date, to_date, committed_at",
	"universal_player_id",
	"source, source_player_id",
	"alias_lookup",
	"player_lookup, source",
	"universal_player_id, team_abbr, season_year",
	"game_id, player_lookup, valid_to",
	"source, game_id, team_abbr, player_name, valid_to",
};

const char *
pgs_store_table_keys(const char *table)
{
	for (size_t i = 0; pgs_store_tables[i]; i++)
		if (strcmp(pgs_store_tables[i], table) == 0)
			return table_keys[i];
	return NULL;
}

struct table_ctx {
	pgs_store *st;
	const struct pgs_table *t;
	int (*fn)(json_t *row, void *arg);
	void *arg;
};

/* Give a row of the summary or raw table its schema types: stores keep a
 * boolean as 0/1 or an array as text, callers see true and [..]. */
static void
retype(const struct pgs_table *t, json_t *row)
{
	json_t *doc = t && t->raw ? json_object_get(row, "doc") : NULL, *x;

	/* the stored raw row: text in one store, a JSON column in another */
	if (json_is_string(doc) && (x = json_loads(json_string_value(doc), 0, NULL)) != NULL)
		json_object_set_new(row, "doc", x);
	for (size_t i = 0; t && i < t->nf; i++) {
		json_t *v = json_object_get(row, t->f[i].name);

		if (!v)
			continue;
		if (t->f[i].type == PGS_T_BOOL && json_is_integer(v))
			json_object_set_new(row, t->f[i].name, json_boolean(json_integer_value(v)));
		else if (t->f[i].type == PGS_T_JSON && json_is_string(v) &&
		    (x = json_loads(json_string_value(v), 0, NULL)) != NULL)
			json_object_set_new(row, t->f[i].name, x);
		else if (t->f[i].type == PGS_T_REAL && json_is_integer(v))
			json_object_set_new(row, t->f[i].name, json_real((double)json_integer_value(v)));
	}
}

static int
table_row(const char *text, size_t len, void *arg)
{
	struct table_ctx *c = arg;
	json_error_t jerr;
	json_t *row = json_loadb(text, len, 0, &jerr);
	int r;

	if (!json_is_object(row)) {
		pgs_err("store '%s': a row that is not a JSON object: %s", c->st->uri, jerr.text);
		json_decref(row);
		return -1;
	}
	retype(c->t, row);
	r = c->fn(row, c->arg);
	json_decref(row);
	return r;
}

int
pgs_store_table_read(pgs_store *st, const char *table, int (*fn)(json_t *row, void *arg),
    void *arg)
{
	struct table_ctx c = { st, NULL, fn, arg };

	if (!pgs_store_table_keys(table)) {
		pgs_err("unknown table '%s'", table);
		return -1;
	}
	if (strcmp(table, PGS_TABLE_SUMMARY) == 0 || strcmp(table, PGS_TABLE_RAW) == 0)
		c.t = pgs_table_get(table);
	return st->ops->table_read(st, table, table_row, &c);
}

/* ---- the history ---- */

struct summary_ctx {
	pgs_store *st;
	int (*fn)(json_t *row, void *arg);
	void *arg;
};

/* A stored row in the schema's field order (stores hand columns in theirs). */
static int
summary_row(const char *text, size_t len, void *arg)
{
	struct summary_ctx *c = arg;
	const struct pgs_table *t = pgs_table_get(PGS_TABLE_SUMMARY);
	json_error_t jerr;
	json_t *row = json_loadb(text, len, 0, &jerr), *out;
	int r;

	if (!json_is_object(row)) {
		pgs_err("store '%s': a row that is not a JSON object: %s", c->st->uri, jerr.text);
		json_decref(row);
		return -1;
	}
	retype(t, row);
	out = json_object();
	for (size_t i = 0; i < t->nf; i++) {
		json_t *v = json_object_get(row, t->f[i].name);

		json_object_set(out, t->f[i].name, v ? v : json_null());
	}
	json_decref(row);
	r = c->fn(out, c->arg);
	json_decref(out);
	return r;
}

int
pgs_store_summary_read(pgs_store *st, const char *from, const char *to, const char *as_of,
    int (*fn)(json_t *row, void *arg), void *arg)
{
	struct summary_ctx c = { st, fn, arg };

	if (!st->ops->summary_read) {
		pgs_err("store '%s' cannot read %s yet", st->uri, PGS_TABLE_SUMMARY);
		return -1;
	}
	return st->ops->summary_read(st, from, to, as_of, summary_row, &c);
}

long
pgs_store_history_prune(pgs_store *st, const char *before)
{
	if (st->mode == PGS_STORE_RO)
		return pgs_store_readonly(st, "prune the history");
	if (!st->ops->history_prune) {
		pgs_err("store '%s' cannot prune %s yet", st->uri, PGS_TABLE_HISTORY);
		return -1;
	}
	return st->ops->history_prune(st, before);
}
