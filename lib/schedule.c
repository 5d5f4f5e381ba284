/* schedule.c — game dates by stats.nba.com game id (see schedule.h). */
#include "schedule.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "csv.h"
#include "dates.h"
#include "hashmap.h"
#include "ndjson.h"
#include "util.h"

struct pgs_schedule {
	pgs_map days;      /* game id → day number */
};

pgs_schedule *
pgs_schedule_new(void)
{
	return pgs_xcalloc(1, sizeof(struct pgs_schedule));
}

#define SCHED_MAXCOLS 128

int
pgs_schedule_load(pgs_schedule *s, const char *path)
{
	pgs_input *in = pgs_input_open((char **)&path, 1);
	char *line, *f[SCHED_MAXCOLS];
	const char *err;
	int got, n, c_id = -1, c_date = -1, i, added, rc = -1;
	size_t len;
	long days;
	void **slot;

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
		if (f[c_id][0] == '\0' || pgs_date_parse_prefix(f[c_date], &days) < 0) {
			pgs_err("%s:%ld: bad game id '%s' or date '%s' in schedule", path,
			    pgs_input_lineno(in), f[c_id], f[c_date]);
			goto out;
		}
		/* team logs list a game once per team: the first date stands */
		slot = pgs_map_slot(&s->days, f[c_id], &added);
		if (added)
			*slot = (void *)(intptr_t)days;
	}
	if (got == 0 && c_id < 0)
		pgs_err("%s: empty schedule", path);
	else if (got == 0)
		rc = 0;
out:
	pgs_input_close(in);
	return rc;
}

int
pgs_schedule_date(const pgs_schedule *s, const char *game_id, long *days)
{
	return s ? pgs_map_get_num(&s->days, game_id, days) : -1;
}

size_t
pgs_schedule_size(const pgs_schedule *s)
{
	return s ? pgs_map_size(&s->days) : 0;
}

static int
cmp_game(const void *a, const void *b)
{
	const struct pgs_game_date *p = a, *q = b;

	if (p->days != q->days)
		return p->days < q->days ? -1 : 1;
	return strcmp(p->id, q->id);
}

struct pgs_game_date *
pgs_schedule_window(const pgs_schedule *s, long from, long to, size_t *n)
{
	struct pgs_game_date *g = NULL;
	size_t pos = 0, cap = 0;
	const char *id;
	void *v;

	*n = 0;
	while (s && (id = pgs_map_next(&s->days, &pos, &v))) {
		long days = (long)(intptr_t)v;

		if (days < from || days > to)
			continue;
		if (*n == cap) {
			cap = cap ? 2 * cap : 256;
			g = pgs_xrealloc(g, cap * sizeof(*g));
		}
		g[(*n)++] = (struct pgs_game_date){ id, days };
	}
	if (*n > 1)
		qsort(g, *n, sizeof(*g), cmp_game);
	return g;
}

void
pgs_schedule_free(pgs_schedule *s)
{
	if (!s)
		return;
	pgs_map_free(&s->days, NULL);
	free(s);
}
