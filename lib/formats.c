/* formats.c — the table of source formats and the game-date schedule (see formats.h). */
#include "formats.h"

#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "dates.h"
#include "ndjson.h"
#include "util.h"

const struct pgs_format *const pgs_formats[] = {
	&pgs_fmt_bbref_csv,
	&pgs_fmt_nbacom_csv,
	&pgs_fmt_nbastats_v3, /* before raw: both start with '{' */
	&pgs_fmt_raw,
	NULL,
};

const struct pgs_format *
pgs_format_find(const char *name)
{
	const struct pgs_format *const *f;

	for (f = pgs_formats; *f; f++)
		if (strcmp((*f)->name, name) == 0)
			return *f;
	return NULL;
}

const struct pgs_format *
pgs_format_detect(const char *head, size_t len, int *more)
{
	const struct pgs_format *const *f;
	int d;

	if (more)
		*more = 0;
	for (f = pgs_formats; *f; f++) {
		d = (*f)->detect(head, len);
		if (d == PGS_DETECT_MORE && more) {
			/* an earlier format might still claim it: do not let a later one win */
			*more = 1;
			return NULL;
		}
		if (d == PGS_DETECT_YES)
			return *f;
	}
	return NULL;
}

const char *
pgs_format_names(void)
{
	static char names[256];
	const struct pgs_format *const *f;

	if (names[0])
		return names;
	for (f = pgs_formats; *f; f++) {
		if (f != pgs_formats)
			strncat(names, ", ", sizeof(names) - strlen(names) - 1);
		strncat(names, (*f)->name, sizeof(names) - strlen(names) - 1);
	}
	return names;
}

/* The schedule: a sorted array, binary-searched (a few thousand games). */
struct sched_game {
	char id[16];
	long days;
};

struct pgs_schedule {
	struct sched_game *g;
	size_t n, cap;
	int sorted;
};

pgs_schedule *
pgs_schedule_new(void)
{
	return pgs_xcalloc(1, sizeof(struct pgs_schedule));
}

static int
cmp_game(const void *a, const void *b)
{
	return strcmp(((const struct sched_game *)a)->id, ((const struct sched_game *)b)->id);
}

#define SCHED_MAXCOLS 128

int
pgs_schedule_load(pgs_schedule *s, const char *path)
{
	pgs_input *in = pgs_input_open((char **)&path, 1);
	char *line, *f[SCHED_MAXCOLS];
	const char *err;
	int got, n, c_id = -1, c_date = -1, i, rc = -1;
	size_t len;
	long days;

	while ((got = pgs_input_line(in, &line, &len)) > 0) {
		n = pgs_csv_split(line, len, f, SCHED_MAXCOLS, &err);
		if (pgs_input_lineno(in) == 1) {
			for (i = 0; i < n && i < SCHED_MAXCOLS; i++) {
				/* the crosswalk has both: nba_game_id is the stats.nba.com one */
				if (strcasecmp(f[i], "nba_game_id") == 0 ||
				    (c_id < 0 && strcasecmp(f[i], "game_id") == 0))
					c_id = i;
				if (strcasecmp(f[i], "game_date") == 0)
					c_date = i;
			}
			if (c_id < 0 || c_date < 0) {
				pgs_err("%s:1: not a schedule: want game_id (or nba_game_id) and game_date columns", path);
				goto out;
			}
			continue;
		}
		if (len == 0)
			continue;
		if (n <= c_id || n <= c_date || n > SCHED_MAXCOLS) {
			pgs_err("%s:%ld: schedule line has %d fields", path, pgs_input_lineno(in), n);
			goto out;
		}
		if (strlen(f[c_id]) >= sizeof(s->g->id) || pgs_date_parse_prefix(f[c_date], &days) < 0) {
			pgs_err("%s:%ld: bad game id '%s' or date '%s' in schedule", path,
			    pgs_input_lineno(in), f[c_id], f[c_date]);
			goto out;
		}
		if (s->n == s->cap) {
			s->cap = s->cap ? s->cap * 2 : 1024;
			s->g = pgs_xrealloc(s->g, s->cap * sizeof(*s->g));
		}
		strcpy(s->g[s->n].id, f[c_id]);
		s->g[s->n++].days = days;
		s->sorted = 0;
	}
	if (got == 0 && c_id < 0)
		pgs_err("%s: empty schedule", path);
	else if (got == 0)
		rc = 0;
out:
	pgs_input_close(in);
	if (rc == 0 && !s->sorted) {
		/* team logs list a game once per team: duplicates are harmless */
		qsort(s->g, s->n, sizeof(*s->g), cmp_game);
		s->sorted = 1;
	}
	return rc;
}

int
pgs_schedule_date(const pgs_schedule *s, const char *game_id, long *days)
{
	struct sched_game key, *hit;

	if (!s || strlen(game_id) >= sizeof(key.id))
		return -1;
	strcpy(key.id, game_id);
	hit = bsearch(&key, s->g, s->n, sizeof(*s->g), cmp_game);
	if (!hit)
		return -1;
	*days = hit->days;
	return 0;
}

size_t
pgs_schedule_size(const pgs_schedule *s)
{
	return s ? s->n : 0;
}

void
pgs_schedule_free(pgs_schedule *s)
{
	if (!s)
		return;
	free(s->g);
	free(s);
}
