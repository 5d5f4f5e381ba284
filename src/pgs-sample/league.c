/* league.c — pgs-sample's players: names (the pools, the pinned hard cases), skills, rosters, off-seasons. */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "sample.h"

/* ---- teams ---------------------------------------------------------------- */

/* NBA tricodes; bbref differs for three of them. */
const char *const nba_code[NTEAMS] = {
	"ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
	"HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
	"OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
};
const char *const bbref_code[NTEAMS] = {
	"ATL", "BOS", "BRK", "CHO", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
	"HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
	"OKC", "ORL", "PHI", "PHO", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
};
const unsigned char is_east[NTEAMS] = {
	1, 1, 1, 1, 1, 1, 0, 0, 1, 0,
	0, 1, 0, 0, 0, 1, 1, 0, 0, 1,
	0, 1, 1, 0, 0, 0, 0, 1, 0, 1,
};


/* ---- names ---------------------------------------------------------------- */

static const char *const first_plain[] = {
	"Aaron", "Adrian", "Alec", "Andre", "Anthony", "Austin", "Bam", "Bennett",
	"Blake", "Bobby", "Brandon", "Brice", "Bryce", "Cade", "Caleb", "Cameron",
	"Carter", "Chris", "Cody", "Cole", "Corey", "Dalen", "Damian", "Damon",
	"Dante", "Darius", "Davion", "Dejon", "Derrick", "Desmond", "Devin",
	"Dominic", "Donovan", "Dwayne", "Dylan", "Elijah", "Emmanuel", "Evan",
	"Franklin", "Gabe", "Garrett", "Grant", "Hayden", "Herb", "Isaiah", "Ivan",
	"Jabari", "Jace", "Jaden", "Jalen", "Jamal", "Jarrett", "Javon", "Jaylen",
	"Jeremiah", "Jerome", "Jordan", "Josh", "Jrue", "Julian", "Justin",
	"Kameron", "Keegan", "Keldon", "Kendall", "Kenny", "Kevin", "Khalil",
	"Killian", "Kobe", "Kyle", "Lamar", "Landry", "Lonnie", "Malcolm", "Malik",
	"Marcus", "Mason", "Maurice", "Miles", "Moses", "Myles", "Nate", "Naz",
	"Nolan", "Obi", "Omari", "Onyeka", "Orlando", "Precious", "Quentin",
	"Reggie", "Royce", "Russell", "Santiago", "Shawn", "Simon", "Terrell",
	"Terrence", "Trey", "Tristan", "Tyler", "Tyrese", "Usman", "Victor",
	"Wendell", "Xavier", "Zach", "Zion",
};
static const char *const first_special[] = {
	"Dāvis", "Nikola", "Luka", "Bogdan", "Jusuf", "Alperen", "Ersan", "İlkan",
	"Kristaps", "Rūdolfs", "Šarūnas", "Žan", "Domantas", "Théo", "Timothé",
	"Džanan", "João", "Ömer", "Furkan", "Vasilije", "Dário", "Matías",
	"Mãozinha", "Rokas", "Jonáš", "Ognjen", "Uroš", "Filip",
};
static const char *const first_forms[] = {
	"De'Aaron", "Day'Ron", "D'Marcus", "Ja'Kobe", "De'Anthony", "Devonte'",
	"Ke'Shawn", "A.J.", "P.J.", "T.J.", "R.J.", "C.J.", "J.J.", "O.G.", "GG",
	"Karl-Anthony", "Jean-Luc", "Jean-Baptiste",
};
static const char *const last_plain[] = {
	"Adams", "Allen", "Anderson", "Bailey", "Baker", "Barnes", "Beasley",
	"Bell", "Bennett", "Bledsoe", "Brooks", "Brown", "Bryant", "Butler",
	"Campbell", "Carter", "Coleman", "Collins", "Cook", "Cooper", "Crawford",
	"Cunningham", "Davis", "Diallo", "Dixon", "Edwards", "Ellis", "Evans",
	"Fisher", "Fleming", "Foster", "Freeman", "Garland", "Gibson", "Graham",
	"Gray", "Green", "Griffin", "Hamilton", "Hardaway", "Harper", "Harris",
	"Hayes", "Henderson", "Hill", "Holmes", "Howard", "Hughes", "Hunter",
	"Jackson", "James", "Jenkins", "Johnson", "Jones", "Kessler", "King",
	"Knox", "Lawson", "Lewis", "Long", "Lowry", "Mack", "Martin", "Mathieu",
	"Mbakwe", "McBride", "McDaniels", "McKinley", "Miller", "Mitchell",
	"Moore", "Morgan", "Morris", "Murphy", "Myers", "Ndiaye", "Nelson",
	"Nwora", "O'Malley", "O'Bryant", "Okafor", "Okoro", "Oladipo", "Owens",
	"Parker", "Patterson", "Payton", "Perry", "Peterson", "Phillips", "Porter",
	"Powell", "Price", "Reed", "Reynolds", "Richardson", "Roberts",
	"Robinson", "Rogers", "Ross", "Russell", "Sanders", "Scott", "Simmons",
	"Sissoko", "Smith", "Stewart", "Sullivan", "Sutton", "Taylor", "Thomas",
	"Thompson", "Turner", "Vaughn", "Walker", "Wallace", "Ward", "Warren",
	"Washington", "Watanabe", "Watson", "West", "White", "Whitfield",
	"Wiggins", "Wilkins", "Williams", "Wilson", "Wood", "Wright", "Young",
	"Bambara", "Adetokunbo", "Kalonji", "Ishikawa", "Kuzminskas", "Gobeil",
	"Sabaliauskas", "Dosunmu", "Achebe", "Mensah",
};
static const char *const last_special[] = {
	"Jokavić", "Vukčević", "Dončević", "Marković", "Hodžić", "Šarić",
	"Kovačić", "Kalniņš", "Ozoliņš", "Zariņģis", "Bērziņš", "Liepiņš",
	"İlyasoğlu", "Şenkaya", "Yılmaz", "Işıkoğlu", "Öztürk", "Çelik",
	"Schröter", "Müller", "Großmann", "Bäcker", "Lindqvist", "Jørgensen",
	"Pereirinha", "Gonçalves", "Hernández", "Muñoz", "Ibáñez", "Lefèvre",
	"Noël", "Valančius", "Mačiulis",
};
static const char *const last_hyphen[] = {
	"Caldwell-Pryce", "Gilgeous-Alder", "Horton-Bell", "Smith-Rowe",
	"Walker-Kidd", "Jones-Garcia", "Robinson-Earl", "Harper-Sims",
};

struct pinned { const char *first, *last, *suffix; };

/*
 * Names every season must show, whatever the seed: diacritics of each kind
 * the normalizer must handle, suffixes, apostrophes, initials, hyphens, and
 * two different players who are both "Marcus Williams".
 */
static const struct pinned pinned[] = {
	{ "Nikola", "Jokavić", NULL },
	{ "Dāvis", "Kalniņš", NULL },
	{ "Kristaps", "Zariņģis", NULL },
	{ "Ersan", "İlyasoğlu", NULL },
	{ "Alperen", "Şenkaya", NULL },
	{ "Dennis", "Schröter", NULL },
	{ "Luka", "Dončević", NULL },
	{ "Yusuf", "Işıkoğlu", NULL },
	{ "Maximilian", "Großmann", NULL },
	{ "João", "Pereirinha", NULL },
	{ "Michael", "Porterfield", "Jr." },
	{ "Xavier", "Tillery", "Sr." },
	{ "GG", "Jackman", "II" },
	{ "Timothy", "Hardison", "III" },
	{ "De'Aaron", "Foxworth", NULL },
	{ "Day'Ron", "Sharpley", NULL },
	{ "Devonte'", "Graves", NULL },
	{ "A.J.", "Greenway", NULL },
	{ "P.J.", "Tuckerman", NULL },
	{ "Kentavious", "Caldwell-Pryce", NULL },
	{ "Karl-Anthony", "Townsend", NULL },
	{ "Marcus", "Williams", NULL },
	{ "Marcus", "Williams", NULL },
};

#define NELEM(a)	(sizeof(a) / sizeof((a)[0]))

/* ASCII folding of the non-ASCII letters the name pools use (ids, namesakes). */
static const struct { const char *utf8, *ascii; } folds[] = {
	{ "á", "a" }, { "à", "a" }, { "â", "a" }, { "ä", "a" }, { "ã", "a" },
	{ "å", "a" }, { "ā", "a" }, { "Ā", "a" }, { "ć", "c" }, { "č", "c" },
	{ "ç", "c" }, { "Č", "c" }, { "Ć", "c" }, { "Ç", "c" }, { "đ", "d" },
	{ "é", "e" }, { "è", "e" }, { "ê", "e" }, { "ë", "e" }, { "ē", "e" },
	{ "É", "e" }, { "ğ", "g" }, { "ģ", "g" }, { "í", "i" }, { "ï", "i" },
	{ "î", "i" }, { "ı", "i" }, { "İ", "i" }, { "ī", "i" }, { "ķ", "k" },
	{ "ļ", "l" }, { "ł", "l" }, { "ņ", "n" }, { "ñ", "n" }, { "ó", "o" },
	{ "ö", "o" }, { "ô", "o" }, { "ø", "o" }, { "Ö", "o" }, { "Ø", "o" },
	{ "ş", "s" }, { "š", "s" }, { "Ş", "s" }, { "Š", "s" }, { "ß", "ss" },
	{ "ū", "u" }, { "ü", "u" }, { "ú", "u" }, { "Ü", "u" }, { "ž", "z" },
	{ "Ž", "z" },
};

/* ---- players -------------------------------------------------------------- */

/*
 * Lowercase ASCII letters (and digits when keep_digits) of a UTF-8 name,
 * diacritics folded; everything else dropped.
 */
static void
fold_letters(const char *in, char *out, size_t outsz, int keep_digits)
{
	size_t n = 0;

	while (*in != '\0' && n + 3 < outsz) {
		unsigned char c = (unsigned char)*in;
		size_t len, k;

		if (c < 0x80) {
			if ((c >= 'a' && c <= 'z') || (keep_digits && c >= '0' && c <= '9'))
				out[n++] = (char)c;
			else if (c >= 'A' && c <= 'Z')
				out[n++] = (char)(c - 'A' + 'a');
			in++;
			continue;
		}
		for (k = 0; k < NELEM(folds); k++) {
			len = strlen(folds[k].utf8);
			if (strncmp(in, folds[k].utf8, len) == 0)
				break;
		}
		if (k < NELEM(folds)) {
			for (const char *a = folds[k].ascii; *a; a++)
				out[n++] = *a;
			in += len;
			continue;
		}
		in++;		/* unknown letter: skip the whole sequence */
		while (((unsigned char)*in & 0xc0) == 0x80)
			in++;
	}
	out[n] = '\0';
}

/* Fills name, csk, id; 0 on success, -1 when the id space of the base is full. */
static int
name_player(struct league *L, struct player *p, const char *first, const char *last,
    const char *suffix)
{
	char lf[64], ff[64], base[8];

	fold_letters(last, lf, sizeof(lf), 0);
	fold_letters(first, ff, sizeof(ff), 0);
	snprintf(base, sizeof(base), "%.5s%.2s", lf, ff);
	for (int k = 1; k <= 99; k++) {
		snprintf(p->id, sizeof(p->id), "%s%02d", base, k);
		if (!pgs_map_has(&L->ids, p->id)) {
			pgs_map_add(&L->ids, p->id);
			snprintf(p->name, sizeof(p->name), "%s %s%s%s", first, last,
			    suffix ? " " : "", suffix ? suffix : "");
			snprintf(p->csk, sizeof(p->csk), "%s,%s", last, first);
			return 0;
		}
	}
	return -1;
}

static const char *
pick_str(struct rng *r, const char *const *pool, size_t n)
{
	return pool[rng_below(r, (int)n)];
}

/* A made-up name; avoids accidental namesakes while the pools allow it. */
static void
random_name(struct league *L, struct rng *r, struct player *p)
{
	static const char *const suffixes[] = { "Jr.", "III", "II", "Sr.", "IV" };
	static const double suffix_w[] = { 60, 15, 9, 8, 8 };

	for (int tries = 0;; tries++) {
		const char *first, *last, *suffix = NULL;
		char full[160], key[160];
		double u = rng_unit(r);

		if (u < 0.04)
			first = pick_str(r, first_special, NELEM(first_special));
		else if (u < 0.10)
			first = pick_str(r, first_forms, NELEM(first_forms));
		else
			first = pick_str(r, first_plain, NELEM(first_plain));
		u = rng_unit(r);
		if (u < 0.05)
			last = pick_str(r, last_special, NELEM(last_special));
		else if (u < 0.07)
			last = pick_str(r, last_hyphen, NELEM(last_hyphen));
		else
			last = pick_str(r, last_plain, NELEM(last_plain));
		if (rng_unit(r) < 0.06)
			suffix = suffixes[rng_pick(r, suffix_w, (int)NELEM(suffix_w))];
		snprintf(full, sizeof(full), "%s %s %s", first, last, suffix ? suffix : "");
		fold_letters(full, key, sizeof(key), 1);
		if (tries < 50 && pgs_map_has(&L->names, key))
			continue;
		if (name_player(L, p, first, last, suffix) != 0)
			continue;
		pgs_map_add(&L->names, key);
		return;
	}
}

/* Skills; team totals are normalized per game, so only ratios matter here. */
static void
random_skills(struct rng *r, struct player *p, int rookie)
{
	double q = clamp((rookie ? 0.40 : 0.48) + 0.20 * rng_normal(r), 0.05, 1.0);
	double pos = rng_unit(r);

	p->q = q;
	p->pos = pos;
	p->usage = (0.55 + 1.6 * q * q) * exp(0.2 * rng_normal(r));
	p->r3 = clamp(0.635 - 0.52 * pos + 0.10 * rng_normal(r), 0.0, 0.85);
	p->ftr = (0.5 + q) * (0.8 + 0.4 * pos) * exp(0.3 * rng_normal(r));
	p->p2 = clamp(0.505 + 0.07 * pos + 0.03 * (q - 0.5) + 0.03 * rng_normal(r), 0.35, 0.72);
	p->p3 = clamp(0.355 + 0.02 * (q - 0.5) + 0.03 * rng_normal(r), 0.20, 0.46);
	p->pft = clamp(0.79 - 0.08 * (pos - 0.5) + 0.06 * rng_normal(r), 0.45, 0.95);
	p->orb = (0.3 + 1.7 * pos) * exp(0.25 * rng_normal(r));
	p->drb = (0.7 + 1.1 * pos) * exp(0.2 * rng_normal(r));
	p->ast = (1.8 - 1.3 * pos) * (0.6 + 0.8 * q) * exp(0.3 * rng_normal(r));
	p->stl = exp(0.3 * rng_normal(r));
	p->blk = (0.2 + 1.8 * pos * pos) * exp(0.35 * rng_normal(r));
	p->tov = (0.4 + 0.4 * p->usage + 0.3 * p->ast) * exp(0.2 * rng_normal(r));
	p->pf = (0.8 + 0.5 * pos) * exp(0.2 * rng_normal(r));
}

static int
new_player(struct league *L, struct rng *r, int rookie)
{
	struct player *p;

	L->p = pgs_xgrow(L->p, L->n, &L->cap, sizeof(*L->p));
	p = &L->p[L->n];
	memset(p, 0, sizeof(*p));
	random_name(L, r, p);
	random_skills(r, p, rookie);
	p->team = -1;
	return (int)L->n++;
}

static int
new_pinned(struct league *L, struct rng *r, const struct pinned *pn)
{
	struct player *p;
	char full[160], key[160];

	L->p = pgs_xgrow(L->p, L->n, &L->cap, sizeof(*L->p));
	p = &L->p[L->n];
	memset(p, 0, sizeof(*p));
	if (name_player(L, p, pn->first, pn->last, pn->suffix) != 0)
		internal_error("no id for pinned player");
	snprintf(full, sizeof(full), "%s %s %s", pn->first, pn->last, pn->suffix ? pn->suffix : "");
	fold_letters(full, key, sizeof(key), 1);
	pgs_map_add(&L->names, key);
	random_skills(r, p, 0);
	p->team = -1;
	p->is_pinned = 1;
	/*
	 * The two "Marcus Williams" share a player_lookup, and the summary key
	 * is (game_id, player_lookup): they must never be listed in the same
	 * game, so each plays every other season (2 = odd start years, 3 = even).
	 */
	if (strcmp(pn->first, "Marcus") == 0 && strcmp(pn->last, "Williams") == 0)
		p->is_pinned = pn == &pinned[NELEM(pinned) - 1] ? 2 : 3;
	return (int)L->n++;
}

/*
 * Rosters are kept sorted by player index, so a roster depends only on who is
 * on it, not on the order trades happened (a shortened season applies its
 * late trades at the end and must still hand the same league to the next).
 */
void
roster_add(struct league *L, int t, int pi)
{
	int i = L->nroster[t];

	if (i >= ROSTER_MAX)
		internal_error("a roster overflows");
	for (; i > 0 && L->roster[t][i - 1] > pi; i--)
		L->roster[t][i] = L->roster[t][i - 1];
	L->roster[t][i] = pi;
	L->nroster[t]++;
	L->p[pi].team = t;
}

void
roster_remove(struct league *L, int t, int pi)
{
	for (int i = 0; i < L->nroster[t]; i++) {
		if (L->roster[t][i] == pi) {
			memmove(&L->roster[t][i], &L->roster[t][i + 1],
			    (size_t)(L->nroster[t] - i - 1) * sizeof(int));
			L->nroster[t]--;
			L->p[pi].team = -1;
			return;
		}
	}
}

static int
roster_target(struct rng *r)
{
	double u = rng_unit(r);

	return ROSTER_BASE + (u < 0.15 ? 2 : u < 0.40 ? 1 : 0);
}

/* Team strength in points from the best eight players, centred on the league. */
void
team_strengths(struct league *L, struct rng *r)
{
	static const double w[] = { 1.0, 0.95, 0.9, 0.8, 0.7, 0.55, 0.45, 0.35 };
	double raw[NTEAMS], mean = 0.0, var = 0.0;

	for (int t = 0; t < NTEAMS; t++) {
		double q[ROSTER_MAX];
		int n = L->nroster[t];

		for (int i = 0; i < n; i++)
			q[i] = L->p[L->roster[t][i]].q;
		for (int i = 1; i < n; i++)	/* insertion sort, descending */
			for (int j = i; j > 0 && q[j] > q[j - 1]; j--) {
				double x = q[j];
				q[j] = q[j - 1];
				q[j - 1] = x;
			}
		raw[t] = 0.0;
		for (int i = 0; i < n && i < (int)NELEM(w); i++)
			raw[t] += w[i] * q[i];
		mean += raw[t] / NTEAMS;
	}
	for (int t = 0; t < NTEAMS; t++)
		var += (raw[t] - mean) * (raw[t] - mean) / NTEAMS;
	for (int t = 0; t < NTEAMS; t++) {
		double z = var > 0 ? (raw[t] - mean) / sqrt(var) : 0.0;
		L->strength[t] = clamp(STRENGTH_SD * z + 1.5 * rng_normal(r), -15.0, 15.0);
	}
}

void
league_create(struct league *L, uint64_t seed, int year)
{
	struct rng r;
	int perm[NTEAMS];

	rng_init(&r, seed, (uint64_t)year, ST_LEAGUE);
	for (int t = 0; t < NTEAMS; t++)
		perm[t] = t;
	rng_shuffle(&r, perm, NTEAMS);
	for (size_t i = 0; i < NELEM(pinned); i++)
		roster_add(L, perm[i % NTEAMS], new_pinned(L, &r, &pinned[i]));
	for (int t = 0; t < NTEAMS; t++) {
		int target = roster_target(&r);
		while (L->nroster[t] < target)
			roster_add(L, t, new_player(L, &r, 0));
	}
}

/* Between seasons: players age, some leave, free agents move, rookies arrive. */
void
offseason(struct league *L, uint64_t seed, int year)
{
	struct rng r;
	int *fa = pgs_xcalloc(NTEAMS * ROSTER_MAX, sizeof(int));
	int nfa = 0, order[NTEAMS];

	rng_init(&r, seed, (uint64_t)year, ST_OFFSEASON);
	for (size_t i = 0; i < L->n; i++) {
		struct player *p = &L->p[i];
		if (p->team < 0)
			continue;
		p->q = clamp(p->q + 0.06 * rng_normal(&r), 0.05, 1.0);
		p->injured = 0;
		p->traded = 0;
	}
	for (int t = 0; t < NTEAMS; t++) {
		int leave = 3 + rng_below(&r, 3);
		for (int k = 0; k < leave; k++) {
			int cand[ROSTER_MAX], nc = 0, pi;
			for (int i = 0; i < L->nroster[t]; i++)
				if (!L->p[L->roster[t][i]].is_pinned)
					cand[nc++] = L->roster[t][i];
			if (nc == 0)
				break;
			pi = cand[rng_below(&r, nc)];
			roster_remove(L, t, pi);
			if (rng_unit(&r) < 0.45)
				fa[nfa++] = pi;
		}
	}
	rng_shuffle(&r, fa, nfa);
	for (int t = 0; t < NTEAMS; t++)
		order[t] = t;
	rng_shuffle(&r, order, NTEAMS);
	for (int k = 0; k < NTEAMS; k++) {
		int t = order[k], target = roster_target(&r);
		while (L->nroster[t] < target) {
			if (nfa > 0 && rng_unit(&r) < 0.5)
				roster_add(L, t, fa[--nfa]);
			else
				roster_add(L, t, new_player(L, &r, 1));
		}
	}
	free(fa);		/* unsigned free agents retire */
}

void
league_free(struct league *L)
{
	free(L->p);
	pgs_map_free(&L->names, NULL);
	pgs_map_free(&L->ids, NULL);
}
