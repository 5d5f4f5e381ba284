/* lines.c — the points-lines table of pgs-transform --lines: best candidate per player-game. */
#include "lines.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "dates.h"
#include "hashmap.h"
#include "names.h"
#include "ndjson.h"
#include "rejects.h"
#include "util.h"

#define LOOKUP_CAP 256
#define DATE_LEN 10
#define US_PER_DAY (86400LL * 1000000LL)

/* The best candidate so far for one (game_date, lookup) key. */
struct entry {
	char *bookmaker;
	int rank;             /* index in the priority list; n for unlisted bookmakers */
	long long snap_us;
	struct pgs_line pub;
};

struct pgs_lines {
	char **prio;
	size_t nprio;
	pgs_map best;         /* "YYYY-MM-DD" then the lookup → struct entry */
	pgs_buf *key;         /* scratch for building keys */
	struct pgs_lines_stats st;
};

/* One parsed candidate line, strings borrowed from the JSON object or buffers. */
struct cand {
	const char *date, *lookup, *bookmaker;
	double line;
	long long snap_us;
	int rank;
};

/* The key of (date, lookup): the date has a fixed length, so plain concatenation. */
static const char *
make_key(pgs_buf *b, const char *date, const char *lookup)
{
	pgs_buf_reset(b);
	pgs_buf_add(b, date, DATE_LEN);
	pgs_buf_adds(b, lookup);
	return b->s;
}

pgs_lines *
pgs_lines_new(const char *const *bookmakers, size_t n)
{
	pgs_lines *l = pgs_xcalloc(1, sizeof(*l));

	l->prio = pgs_xcalloc(n + 1, sizeof(*l->prio));
	for (size_t i = 0; i < n; i++)
		l->prio[i] = pgs_xstrdup(bookmakers[i]);
	l->nprio = n;
	l->key = pgs_xcalloc(1, sizeof(*l->key));
	return l;
}

static void
free_entry(void *p)
{
	struct entry *e = p;

	free(e->bookmaker);
	free(e);
}

void
pgs_lines_free(pgs_lines *l)
{
	if (!l)
		return;
	pgs_map_free(&l->best, free_entry);
	for (size_t i = 0; i < l->nprio; i++)
		free(l->prio[i]);
	free(l->prio);
	pgs_buf_free(l->key);
	free(l->key);
	free(l);
}

void
pgs_lines_stats(const pgs_lines *l, struct pgs_lines_stats *st)
{
	*st = l->st;
	st->keys = (long)pgs_map_size(&l->best);
}

/* ---- reading the file ---- */

static int
rank_of(const pgs_lines *l, const char *bookmaker)
{
	return (int)pgs_rank((const char *const *)l->prio, l->nprio, bookmaker, strcasecmp);
}

/* Is c a better choice than the kept entry e?  Ties go to the later line of the file. */
static int
better(const struct cand *c, const struct entry *e)
{
	int byname;

	if (c->rank != e->rank)
		return c->rank < e->rank;
	byname = strcasecmp(c->bookmaker, e->bookmaker);
	if (byname != 0)
		return byname < 0;   /* two unlisted bookmakers: by name, for a stable choice */
	return c->snap_us >= e->snap_us;
}

static void
keep(pgs_lines *l, const struct cand *c)
{
	int added;
	void **slot = pgs_map_slot(&l->best, make_key(l->key, c->date, c->lookup), &added);
	struct entry *e = *slot;

	if (added) {
		e = *slot = pgs_xcalloc(1, sizeof(*e));
	} else {
		if (!better(c, e))
			return;
		free(e->bookmaker);
	}
	e->bookmaker = pgs_xstrdup(c->bookmaker);
	e->rank = c->rank;
	e->snap_us = c->snap_us;
	e->pub.line = c->line;
	e->pub.bookmaker = e->bookmaker;
}

/* A required non-empty string field, or NULL. */
static const char *
need_str(json_t *row, const char *name)
{
	const char *v = json_string_value(json_object_get(row, name));

	return v && *v ? v : NULL;
}

/*
 * Check one line and fill c.  Returns 1 for a candidate, 0 for a line that is
 * fine but not used (another market, a snapshot after tip-off), -1 for a reject.
 */
static int
parse_line(pgs_lines *l, json_t *row, struct cand *c, char lookup[LOOKUP_CAP], char *err, size_t cap)
{
	json_t *v;
	const char *s, *name;
	long days;
	long long tip_us;

	v = json_object_get(row, "market");
	if (v && !json_is_null(v)) {
		if (!json_is_string(v))
			return pgs_fail(err, cap, "market is not a string");
		s = json_string_value(v);
		if (strcasecmp(s, "points") != 0 && strcasecmp(s, "player_points") != 0) {
			l->st.other_market++;
			return 0;
		}
	}
	if (!(c->date = need_str(row, "game_date")))
		return pgs_fail(err, cap, "missing game_date");
	if (pgs_date_parse(c->date, &days) < 0)
		return pgs_fail(err, cap, "bad game_date '%s'", c->date);

	/* the lookup is normalized again: harmless for a real lookup, a rescue for a display name */
	v = json_object_get(row, "player_lookup");
	if (v && !json_is_null(v) && !json_is_string(v))
		return pgs_fail(err, cap, "player_lookup is not a string");
	name = need_str(row, "player_lookup");
	if (!name && (v = json_object_get(row, "player_name")) && !json_is_null(v) && !json_is_string(v))
		return pgs_fail(err, cap, "player_name is not a string");
	if (!name && !(name = need_str(row, "player_name")))
		return pgs_fail(err, cap, "missing player_name or player_lookup");
	if (pgs_player_lookup(name, lookup, LOOKUP_CAP) <= 0)
		return pgs_fail(err, cap, "cannot normalize player name '%s'", name);
	c->lookup = lookup;

	v = json_object_get(row, "bookmaker");
	if (v && !json_is_null(v) && !json_is_string(v))
		return pgs_fail(err, cap, "bookmaker is not a string");
	if (!(c->bookmaker = need_str(row, "bookmaker")))
		return pgs_fail(err, cap, "missing bookmaker");
	c->rank = rank_of(l, c->bookmaker);

	v = json_object_get(row, "line");
	if (!v || json_is_null(v))
		return pgs_fail(err, cap, "missing line");
	if (!json_is_number(v))
		return pgs_fail(err, cap, "line is not a number");
	c->line = json_number_value(v);
	if (c->line < 0)
		return pgs_fail(err, cap, "negative line (%g)", c->line);

	v = json_object_get(row, "snapshot_at");
	if (!v || json_is_null(v))
		return pgs_fail(err, cap, "missing snapshot_at");
	if (pgs_timestamp_parse(json_string_value(v), &c->snap_us) < 0)
		return pgs_fail(err, cap, "bad snapshot_at '%s'", json_is_string(v) ? json_string_value(v) : "(not a string)");

	/* without a tip-off time, the game is taken to start at the end of game_date UTC */
	v = json_object_get(row, "tipoff_at");
	if (v && !json_is_null(v)) {
		if (pgs_timestamp_parse(json_string_value(v), &tip_us) < 0)
			return pgs_fail(err, cap, "bad tipoff_at '%s'", json_is_string(v) ? json_string_value(v) : "(not a string)");
	} else {
		tip_us = (days + 1) * US_PER_DAY;
	}

	v = json_object_get(row, "game_id");
	if (v && !json_is_null(v) && !json_is_string(v))
		return pgs_fail(err, cap, "game_id is not a string");

	if (c->snap_us >= tip_us) {
		l->st.late++;   /* a line seen once the game started is not a pre-game line */
		return 0;
	}
	return 1;
}

int
pgs_lines_load(pgs_lines *l, const char *path)
{
	char *names[1] = { (char *)path };
	pgs_rows *in = pgs_rows_open(names, 1);
	char lookup[LOOKUP_CAP], err[512];
	struct cand c;
	json_t *row;
	int got, rc = -1;

	while ((got = pgs_rows_next(in, &row)) == PGS_ROWS_ROW) {
		int ok;

		l->st.read++;
		ok = parse_line(l, row, &c, lookup, err, sizeof(err));
		if (ok > 0) {
			l->st.used++;
			keep(l, &c);
		}
		json_decref(row);
		if (ok < 0 && pgs_reject(pgs_rows_name(in), pgs_rows_lineno(in), pgs_rows_text(in),
		    "%s", err) < 0)
			goto out;
	}
	if (got == PGS_ROWS_END)
		rc = 0;
out:
	pgs_rows_close(in);
	return rc;
}

const struct pgs_line *
pgs_lines_find(const pgs_lines *l, const char *game_date, const char *lookup)
{
	const struct entry *e;

	if (!l || !game_date || !lookup || strlen(game_date) != DATE_LEN)
		return NULL;
	e = pgs_map_get(&l->best, make_key(l->key, game_date, lookup));
	return e ? &e->pub : NULL;
}
