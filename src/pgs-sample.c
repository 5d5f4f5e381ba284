/*
 * pgs-sample — generate a deterministic, fictional but realistic NBA league
 * and write its player box scores as basketball-reference derived CSV or as
 * pgs raw rows (NDJSON).
 *
 * Self-contained on purpose (libc, libm and lib/dates' calendar arithmetic
 * only): it produces the test and benchmark data for the other tools, so it
 * must not share their parsing, naming or formulas.
 *
 * Determinism: every random decision comes from xoshiro256** streams named by
 * (seed, season, purpose).  The rosters, the schedule and the games of one
 * season each have their own stream, so cutting a season short (--scale < 1)
 * or filtering by date never changes what the kept games look like.
 */
#include <errno.h>
#include <getopt.h>
#include <math.h>
#include <signal.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <unistd.h>

#include "dates.h"
#include "opts.h"
#include "util.h"

#define PROG	"pgs-sample"
#define VERSION	"0.1.0"

#define LAST_YEAR	2023	/* the newest season is 2023-24 */
#define SCALE_MAX	100.0
#define PI		3.14159265358979323846
#define STRENGTH_SD	6.0	/* points, before the margin narrowing */
#define MARGIN_SIGMA	23.0	/* see play_game() */
#define OT_SIGMA	6.0	/* overtime games were tied after 48 minutes */

enum {
	EXIT_USAGE = 2,
	EXIT_IO = 3,
};

enum {
	NTEAMS = 30,
	NPAIRS = NTEAMS / 2,
	ROSTER_MAX = 20,
	ROSTER_BASE = 15,
	PLAY_MIN = 8,
	PLAY_MAX = 13,
	DNP_MAX = 4,
	REG_GAMES = 82,
	REG_TOTAL = NTEAMS * REG_GAMES / 2,	/* 1,230 games */
	DAY_MIN = 3,
	DAY_MAX = 14,
	MAX_DAYS = 400,
	NPINNED_MAX = 32,
};

/* Independent random streams; see rng_init(). */
enum stream {
	ST_LEAGUE = 1,
	ST_OFFSEASON,
	ST_SCHEDULE,
	ST_TRADES,
	ST_GAMES,
	ST_POSTSEASON,
	ST_STRENGTH,
};

enum gtype { GT_REGULAR, GT_PLAYIN, GT_PLAYOFFS, GT_CUP_FINAL };
enum format { FMT_BBREF, FMT_RAW };
enum reason { R_NONE, R_DNP, R_DND, R_NWT, R_SUSP };

enum box_stat {
	S_FG, S_FGA, S_FG3, S_FG3A, S_FT, S_FTA, S_ORB, S_DRB,
	S_AST, S_STL, S_BLK, S_TOV, S_PF, S_PTS, NSTAT
};

/* NBA tricodes; bbref differs for three of them. */
static const char *const nba_code[NTEAMS] = {
	"ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
	"HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
	"OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
};
static const char *const bbref_code[NTEAMS] = {
	"ATL", "BOS", "BRK", "CHO", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
	"HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
	"OKC", "ORL", "PHI", "PHO", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
};
static const unsigned char is_east[NTEAMS] = {
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

/* ---- data ---------------------------------------------------------------- */

struct player {
	char name[80];		/* display name, UTF-8, as printed */
	char csk[80];		/* bbref sort key "Last,First" (no suffix) */
	char id[24];		/* bbref style id, e.g. jokavni01 */
	double q;		/* overall quality, 0..1: minutes and role */
	double pos;		/* 0 guard .. 1 center */
	double usage, r3, ftr, p2, p3, pft;
	double orb, drb, ast, stl, blk, tov, pf;
	int team;		/* -1 when not in the league */
	int injured;		/* games still to miss */
	unsigned char is_pinned, traded;
};

struct league {
	struct player *p;
	size_t n, cap;
	int roster[NTEAMS][ROSTER_MAX];
	int nroster[NTEAMS];
	int year;		/* the season being played (its start year) */
	double strength[NTEAMS];	/* points per game above average */
	struct strset *names, *ids;
};

struct row {
	int player;
	unsigned char team, starter, reason, variant, pm_blank;
	short sec;			/* -1 on DNP rows */
	short pm;
	unsigned char st[NSTAT];
};

struct game {
	long date;
	int type, home, away, n_ot;
	int pts_home, pts_away;
	size_t row0;
	int nrows_away, nrows_home;
	char key[16];		/* output order within a date */
};

struct season {
	int year;
	struct game *g;
	size_t ng, capg;
	struct row *r;
	size_t nr, capr;
	int wins[NTEAMS], losses[NTEAMS];
};

struct sched {
	int home[REG_TOTAL], away[REG_TOTAL];
	int nday;
	long date[MAX_DAYS];
	int first[MAX_DAYS + 1];	/* games of day d: order[first[d]..first[d+1]) */
	int order[REG_TOTAL];
};

struct opts {
	uint64_t seed;
	double scale;
	enum format fmt;
	long from, to;
	const char *dir;
	int verbose;
};

struct out {
	enum format fmt;
	const char *dir;
	FILE *fp;
	char *path, *tmp;	/* NULL path: standard output */
	long from, to;
	unsigned long long rows, games, files;
};

struct rng { uint64_t s[4]; };

/* ---- errors and memory ---------------------------------------------------- */

static void die(int code, const char *fmt, ...)
	__attribute__((format(printf, 2, 3), noreturn));

static void
die(int code, const char *fmt, ...)
{
	va_list ap;

	fputs(PROG ": ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(code);
}

static void *
xcalloc(size_t n, size_t size)
{
	void *p = calloc(n, size);

	if (p == NULL)
		die(EXIT_IO, "out of memory");
	return p;
}

/* Grows *p (n elements in use, *cap allocated) so one more fits. */
static void
grow(void **p, size_t *cap, size_t n, size_t size)
{
	size_t ncap;
	void *np;

	if (n < *cap)
		return;
	ncap = *cap ? *cap * 2 : 256;
	np = realloc(*p, ncap * size);
	if (np == NULL)
		die(EXIT_IO, "out of memory");
	*p = np;
	*cap = ncap;
}

static char *
xstrdup(const char *s)
{
	char *d = strdup(s);

	if (d == NULL)
		die(EXIT_IO, "out of memory");
	return d;
}

/* ---- random numbers --------------------------------------------------------- */

static uint64_t
splitmix64(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ULL);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ULL;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebULL;
	return z ^ (z >> 31);
}

/* A stream named by (seed, a, b): distinct names give unrelated sequences. */
static void
rng_init(struct rng *r, uint64_t seed, uint64_t a, uint64_t b)
{
	uint64_t x = seed;

	x = splitmix64(&x) ^ a;
	x = splitmix64(&x) ^ b;
	for (int i = 0; i < 4; i++)
		r->s[i] = splitmix64(&x);
}

static uint64_t
rotl(uint64_t x, int k)
{
	return (x << k) | (x >> (64 - k));
}

/* xoshiro256** */
static uint64_t
rng_next(struct rng *r)
{
	uint64_t *s = r->s;
	uint64_t result = rotl(s[1] * 5, 7) * 9;
	uint64_t t = s[1] << 17;

	s[2] ^= s[0];
	s[3] ^= s[1];
	s[1] ^= s[2];
	s[0] ^= s[3];
	s[2] ^= t;
	s[3] = rotl(s[3], 45);
	return result;
}

/* Uniform in [0, 1). */
static double
rng_unit(struct rng *r)
{
	return (double)(rng_next(r) >> 11) * 0x1.0p-53;
}

/* Uniform in [0, n). */
static int
rng_below(struct rng *r, int n)
{
	return (int)(((rng_next(r) >> 32) * (uint64_t)n) >> 32);
}

static double
rng_normal(struct rng *r)
{
	double u = 1.0 - rng_unit(r), v = rng_unit(r);

	return sqrt(-2.0 * log(u)) * cos(2.0 * PI * v);
}

static int
rng_poisson(struct rng *r, double lambda)
{
	double limit, p = 1.0;
	int k = 0;

	if (lambda <= 0.0)
		return 0;
	if (lambda > 40.0) {
		long v = lround(lambda + sqrt(lambda) * rng_normal(r));
		return v < 0 ? 0 : (int)v;
	}
	limit = exp(-lambda);
	do {
		k++;
		p *= rng_unit(r);
	} while (p > limit);
	return k - 1;
}

static int
rng_binom(struct rng *r, int n, double p)
{
	int k = 0;

	for (int i = 0; i < n; i++)
		if (rng_unit(r) < p)
			k++;
	return k;
}

/* Index drawn with the given (unnormalized) weights. */
static int
rng_pick(struct rng *r, const double *w, int n)
{
	double sum = 0.0, u;

	for (int i = 0; i < n; i++)
		sum += w[i];
	u = rng_unit(r) * sum;
	for (int i = 0; i < n; i++) {
		if (u < w[i])
			return i;
		u -= w[i];
	}
	return n - 1;
}

static void
rng_shuffle(struct rng *r, int *a, int n)
{
	for (int i = n - 1; i > 0; i--) {
		int j = rng_below(r, i + 1), t = a[i];
		a[i] = a[j];
		a[j] = t;
	}
}

static double
clamp(double x, double lo, double hi)
{
	return x < lo ? lo : x > hi ? hi : x;
}

/* ---- dates (days since 1970-01-01, proleptic Gregorian) ------------------- */

static long
days_from_civil(int y, int m, int d)
{
	return pgs_days_from_civil(y, m, d);
}

static void
civil_from_days(long z, int *y, int *m, int *d)
{
	long yy;

	pgs_civil_from_days(z, &yy, m, d);
	*y = (int)yy;
}

/* 0 = Sunday. */
static int
weekday(long z)
{
	long w = (z + 4) % 7;

	return (int)(w < 0 ? w + 7 : w);
}

/* First day on or after z that falls on weekday wd. */
static long
on_or_after(long z, int wd)
{
	return z + (wd - weekday(z) + 7) % 7;
}

/* ---- string sets (namesakes and id clashes) -------------------------------- */

struct strset {
	char **slot;
	size_t cap, n;
};

static uint64_t
hash_str(const char *s)
{
	uint64_t h = 0xcbf29ce484222325ULL;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 0x100000001b3ULL;
	return h;
}

static struct strset *
strset_new(void)
{
	struct strset *set = xcalloc(1, sizeof(*set));

	set->cap = 1024;
	set->slot = xcalloc(set->cap, sizeof(*set->slot));
	return set;
}

static void
strset_free(struct strset *set)
{
	for (size_t i = 0; i < set->cap; i++)
		free(set->slot[i]);
	free(set->slot);
	free(set);
}

static int
strset_has(const struct strset *set, const char *s)
{
	size_t i = hash_str(s) & (set->cap - 1);

	for (; set->slot[i] != NULL; i = (i + 1) & (set->cap - 1))
		if (strcmp(set->slot[i], s) == 0)
			return 1;
	return 0;
}

static void
strset_add(struct strset *set, const char *s)
{
	size_t i;

	if (strset_has(set, s))
		return;
	if (2 * (set->n + 1) > set->cap) {
		struct strset big = { xcalloc(set->cap * 2, sizeof(char *)), set->cap * 2, 0 };
		for (size_t k = 0; k < set->cap; k++) {
			if (set->slot[k] == NULL)
				continue;
			i = hash_str(set->slot[k]) & (big.cap - 1);
			while (big.slot[i] != NULL)
				i = (i + 1) & (big.cap - 1);
			big.slot[i] = set->slot[k];
		}
		free(set->slot);
		set->slot = big.slot;
		set->cap = big.cap;
	}
	i = hash_str(s) & (set->cap - 1);
	while (set->slot[i] != NULL)
		i = (i + 1) & (set->cap - 1);
	set->slot[i] = xstrdup(s);
	set->n++;
}

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
		if (!strset_has(L->ids, p->id)) {
			strset_add(L->ids, p->id);
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
		if (tries < 50 && strset_has(L->names, key))
			continue;
		if (name_player(L, p, first, last, suffix) != 0)
			continue;
		strset_add(L->names, key);
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

	grow((void **)&L->p, &L->cap, L->n, sizeof(*L->p));
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

	grow((void **)&L->p, &L->cap, L->n, sizeof(*L->p));
	p = &L->p[L->n];
	memset(p, 0, sizeof(*p));
	if (name_player(L, p, pn->first, pn->last, pn->suffix) != 0)
		die(EXIT_IO, "internal error: no id for pinned player");
	snprintf(full, sizeof(full), "%s %s %s", pn->first, pn->last, pn->suffix ? pn->suffix : "");
	fold_letters(full, key, sizeof(key), 1);
	strset_add(L->names, key);
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
static void
roster_add(struct league *L, int t, int pi)
{
	int i = L->nroster[t];

	if (i >= ROSTER_MAX)
		die(EXIT_IO, "internal error: roster of %s overflows", nba_code[t]);
	for (; i > 0 && L->roster[t][i - 1] > pi; i--)
		L->roster[t][i] = L->roster[t][i - 1];
	L->roster[t][i] = pi;
	L->nroster[t]++;
	L->p[pi].team = t;
}

static void
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
static void
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

static void
league_create(struct league *L, uint64_t seed, int year)
{
	struct rng r;
	int perm[NTEAMS];

	rng_init(&r, seed, (uint64_t)year, ST_LEAGUE);
	L->names = strset_new();
	L->ids = strset_new();
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
static void
offseason(struct league *L, uint64_t seed, int year)
{
	struct rng r;
	int *fa = xcalloc(NTEAMS * ROSTER_MAX, sizeof(int));
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

/* ---- schedule ------------------------------------------------------------- */

struct calendar {
	long start, end;		/* planned regular season */
	long thanksgiving, allstar, cup;	/* cup: -1 when none */
};

static struct calendar
season_calendar(int year)
{
	struct calendar c;

	c.start = on_or_after(days_from_civil(year, 10, 18), 2);	/* Tuesday */
	c.end = on_or_after(days_from_civil(year + 1, 4, 9), 0);	/* Sunday */
	c.thanksgiving = on_or_after(days_from_civil(year, 11, 22), 4);
	c.allstar = on_or_after(days_from_civil(year + 1, 2, 15), 0);
	c.cup = year == 2023 ? days_from_civil(2023, 12, 9) : -1;
	return c;
}

static int
is_off_day(const struct calendar *c, long d)
{
	int y, m, day;

	civil_from_days(d, &y, &m, &day);
	if (d == c->thanksgiving || d == c->cup || (m == 12 && day == 24))
		return 1;
	return d >= c->allstar - 2 && d <= c->allstar + 3;
}

static int
is_christmas(long d)
{
	int y, m, day;

	civil_from_days(d, &y, &m, &day);
	return m == 12 && day == 25;
}

/*
 * 82 rounds in which every team plays once (circle method over three
 * shuffled cycles), home side balancing each team's home count.
 */
static void
make_matchups(struct sched *s, struct rng *r)
{
	int homes[NTEAMS] = { 0 }, ng = 0;

	for (int cycle = 0; ng < REG_TOTAL; cycle++) {
		int perm[NTEAMS], rounds[NTEAMS - 1];

		for (int t = 0; t < NTEAMS; t++)
			perm[t] = t;
		rng_shuffle(r, perm, NTEAMS);
		for (int k = 0; k < NTEAMS - 1; k++)
			rounds[k] = k;
		rng_shuffle(r, rounds, NTEAMS - 1);
		for (int k = 0; k < NTEAMS - 1 && ng < REG_TOTAL; k++) {
			int arr[NTEAMS];
			for (int i = 0; i < NTEAMS - 1; i++)
				arr[i] = perm[(i + rounds[k]) % (NTEAMS - 1)];
			arr[NTEAMS - 1] = perm[NTEAMS - 1];
			for (int i = 0; i < NPAIRS; i++) {
				int a = arr[i], b = arr[NTEAMS - 1 - i];
				int a_home = homes[a] < homes[b] ||
				    (homes[a] == homes[b] && rng_unit(r) < 0.5);
				s->home[ng] = a_home ? a : b;
				s->away[ng] = a_home ? b : a;
				homes[s->home[ng]]++;
				ng++;
			}
		}
	}
}

static double
weekday_factor(long d)
{
	static const double f[7] = { 0.85, 1.0, 0.85, 1.3, 0.6, 1.25, 1.05 };

	return f[weekday(d)];
}

/* Moves the games of a day with fewer than DAY_MIN games to days that have room. */
static void
fix_thin_days(struct sched *s, int *day_of, int *cnt, uint32_t *busy)
{
	for (int d = s->nday - 1; d >= 0; d--) {
		if (cnt[d] >= DAY_MIN)
			continue;
		for (int g = 0; g < REG_TOTAL; g++) {
			uint32_t bits;
			if (day_of[g] != d)
				continue;
			bits = (1u << s->home[g]) | (1u << s->away[g]);
			for (int e = s->nday - 1; e >= 0; e--) {
				if (e == d || cnt[e] >= DAY_MAX || (busy[e] & bits))
					continue;
				day_of[g] = e;
				busy[e] |= bits;
				busy[d] &= ~bits;
				cnt[e]++;
				cnt[d]--;
				break;
			}
		}
		if (cnt[d] > 0)
			continue;
		for (int g = 0; g < REG_TOTAL; g++)
			if (day_of[g] > d)
				day_of[g]--;
		for (int e = d; e + 1 < s->nday; e++) {
			s->date[e] = s->date[e + 1];
			cnt[e] = cnt[e + 1];
			busy[e] = busy[e + 1];
		}
		s->nday--;
	}
}

/*
 * Spreads the 1,230 games over the calendar: each day takes DAY_MIN..DAY_MAX
 * games, the earliest pending ones whose teams are free that day, aiming to
 * finish on the planned last day.
 */
static void
make_schedule(struct sched *s, const struct calendar *c, uint64_t seed, int year)
{
	static int day_of[REG_TOTAL], cnt[MAX_DAYS], pos[MAX_DAYS + 1];
	static uint32_t busy[MAX_DAYS];
	static long plan[MAX_DAYS];
	static double suf[MAX_DAYS + 1];
	static unsigned char used[REG_TOTAL];
	struct rng r;
	int nplan = 0, head = 0, remaining = REG_TOTAL;
	long d;

	rng_init(&r, seed, (uint64_t)year, ST_SCHEDULE);
	make_matchups(s, &r);
	for (d = c->start; d <= c->end && nplan < MAX_DAYS; d++)
		if (!is_off_day(c, d))
			plan[nplan++] = d;
	suf[nplan] = 0.0;
	for (int i = nplan - 1; i >= 0; i--)
		suf[i] = suf[i + 1] + weekday_factor(plan[i]);
	memset(used, 0, sizeof(used));
	s->nday = 0;
	d = c->end;
	for (int i = 0; remaining > 0; i++) {
		long date;
		int target, taken = 0;
		uint32_t mask = 0;

		if (s->nday >= MAX_DAYS)
			die(EXIT_IO, "internal error: schedule does not fit");
		if (i < nplan) {
			date = plan[i];
			target = (int)lround(remaining * weekday_factor(date) / suf[i] *
			    exp(0.2 * rng_normal(&r)));
		} else {
			do
				d++;
			while (is_off_day(c, d));
			date = d;
			target = DAY_MAX;
		}
		if (is_christmas(date))
			target = 5;
		target = target < DAY_MIN ? DAY_MIN : target > DAY_MAX ? DAY_MAX : target;
		for (int g = head; g < REG_TOTAL && taken < target; g++) {
			uint32_t bits = (1u << s->home[g]) | (1u << s->away[g]);
			if (used[g] || (mask & bits))
				continue;
			used[g] = 1;
			day_of[g] = s->nday;
			mask |= bits;
			taken++;
		}
		while (head < REG_TOTAL && used[head])
			head++;
		s->date[s->nday] = date;
		cnt[s->nday] = taken;
		busy[s->nday] = mask;
		s->nday++;
		remaining -= taken;
	}
	fix_thin_days(s, day_of, cnt, busy);
	s->first[0] = 0;
	for (int k = 0; k < s->nday; k++) {
		s->first[k + 1] = s->first[k] + cnt[k];
		pos[k] = s->first[k];
	}
	for (int g = 0; g < REG_TOTAL; g++)
		s->order[pos[day_of[g]]++] = g;
}

/* ---- trades ---------------------------------------------------------------- */

enum { TRADES_MAX = 40, TRADE_SIDE_MAX = 3 };

struct trade {
	int day;		/* schedule day index it takes effect */
	int a, b, k;
	int pa[TRADE_SIDE_MAX], pb[TRADE_SIDE_MAX];
	int done;
};

/* Picks k players of team t who can be traded (not pinned, not yet moved). */
static int
trade_pick(struct league *L, struct rng *r, int t, int k, int *out)
{
	int cand[ROSTER_MAX], nc = 0;

	for (int i = 0; i < L->nroster[t]; i++) {
		struct player *p = &L->p[L->roster[t][i]];
		if (!p->is_pinned && !p->traded)
			cand[nc++] = L->roster[t][i];
	}
	if (nc < k)
		return -1;
	rng_shuffle(r, cand, nc);
	memcpy(out, cand, (size_t)k * sizeof(int));
	return 0;
}

/*
 * About 70 players a season change teams in 20-25 player-for-player trades,
 * between mid-November and the deadline; planned on the full schedule so a
 * shortened season keeps the same league.
 */
static int
plan_trades(struct league *L, uint64_t seed, int year, int nday, struct trade *tr)
{
	struct rng r;
	int n, made = 0;

	rng_init(&r, seed, (uint64_t)year, ST_TRADES);
	n = 20 + rng_below(&r, 6);
	for (int i = 0; i < n; i++) {
		struct trade *t = &tr[made];
		t->a = rng_below(&r, NTEAMS);
		t->b = (t->a + 1 + rng_below(&r, NTEAMS - 1)) % NTEAMS;
		t->k = 1 + rng_below(&r, 2) + (rng_unit(&r) < 0.15);
		t->day = (int)(nday * (0.15 + 0.5 * rng_unit(&r)));
		t->done = 0;
		if (trade_pick(L, &r, t->a, t->k, t->pa) != 0 ||
		    trade_pick(L, &r, t->b, t->k, t->pb) != 0)
			continue;
		for (int k = 0; k < t->k; k++) {
			L->p[t->pa[k]].traded = 1;
			L->p[t->pb[k]].traded = 1;
		}
		made++;
	}
	return made;
}

static void
apply_trades(struct league *L, struct trade *tr, int n, int upto_day)
{
	for (int i = 0; i < n; i++) {
		struct trade *t = &tr[i];
		if (t->done || t->day > upto_day)
			continue;
		for (int k = 0; k < t->k; k++) {
			roster_remove(L, t->a, t->pa[k]);
			roster_remove(L, t->b, t->pb[k]);
			roster_add(L, t->b, t->pa[k]);
			roster_add(L, t->a, t->pb[k]);
		}
		t->done = 1;
	}
}

/* ---- one game --------------------------------------------------------------- */

struct side {
	int team, n, nplay;
	int pts;
	struct row rows[ROSTER_MAX];
};

/* Games an injury costs: mostly a few, sometimes weeks. */
static int
injury_length(struct rng *r)
{
	if (rng_unit(r) < 0.7)
		return 1 + rng_poisson(r, 3.0);
	return 8 + rng_below(r, 33);
}

/*
 * Who is listed: the players who play (best first), then 1-4 rows of
 * players who did not (coach's decision, injured but listed, away, suspended).
 */
static void
pick_lineup(struct league *L, struct rng *r, struct side *sd)
{
	static const double play_w[] = { 3, 24, 33, 18, 13, 9 };	/* 8..13 */
	static const double dnp_w[] = { 30, 33, 24, 13 };		/* 1..4 */
	int avail[ROSTER_MAX], hurt[ROSTER_MAX], away[ROSTER_MAX];
	unsigned char away_reason[ROSTER_MAX];
	double key[ROSTER_MAX];
	int na = 0, nh = 0, nw = 0, nplay, ndnp, t = sd->team;

	for (int i = 0; i < L->nroster[t]; i++) {
		int pi = L->roster[t][i];
		struct player *p = &L->p[pi];
		double u;

		if ((p->is_pinned == 2 && L->year % 2 == 0) || (p->is_pinned == 3 && L->year % 2 == 1))
			continue;	/* a namesake's season off: not listed at all */
		if (p->injured > 0) {
			p->injured--;
			hurt[nh++] = pi;
			continue;
		}
		u = rng_unit(r);
		if (u < 0.010) {
			p->injured = injury_length(r) - 1;
			hurt[nh++] = pi;
		} else if (u < 0.0120) {
			away_reason[nw] = R_NWT;
			away[nw++] = pi;
		} else if (u < 0.0124) {
			away_reason[nw] = R_SUSP;
			away[nw++] = pi;
		} else {
			avail[na] = pi;
			key[na++] = p->q + 0.06 * rng_normal(r);
		}
	}
	while (na < PLAY_MIN && nh > 0) {	/* short-handed: the hurt play */
		avail[na] = hurt[--nh];
		key[na++] = 0.0;
	}
	for (int i = 1; i < na; i++)
		for (int j = i; j > 0 && key[j] > key[j - 1]; j--) {
			double k = key[j];
			int a = avail[j];
			key[j] = key[j - 1];
			avail[j] = avail[j - 1];
			key[j - 1] = k;
			avail[j - 1] = a;
		}
	nplay = PLAY_MIN + rng_pick(r, play_w, (int)NELEM(play_w));
	if (nplay > na)
		nplay = na;
	ndnp = 1 + rng_pick(r, dnp_w, (int)NELEM(dnp_w));
	if (nw + nh + (na - nplay) == 0 && nplay > PLAY_MIN)
		nplay--;

	sd->n = 0;
	for (int i = 0; i < nplay; i++) {
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = avail[i];
		rw->team = (unsigned char)t;
		rw->starter = i < 5;
	}
	sd->nplay = nplay;
	/* DNP rows: the away and suspended first, some injured, then the bench */
	for (int i = 0; i < nw && sd->n - nplay < ndnp; i++) {
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = away[i];
		rw->reason = away_reason[i];
	}
	for (int i = 0; i < nh && sd->n - nplay < ndnp; i++) {
		if (rng_unit(r) >= 0.1)
			continue;
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = hurt[i];
		rw->reason = R_DND;
	}
	for (int i = nplay; i < na && sd->n - nplay < ndnp; i++) {
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = avail[i];
		rw->reason = R_DNP;
	}
	if (sd->n == nplay && nh > 0) {	/* nobody else: an injured player is listed */
		struct row *rw = &sd->rows[sd->n++];
		memset(rw, 0, sizeof(*rw));
		rw->player = hurt[0];
		rw->reason = R_DND;
	}
	for (int i = nplay; i < sd->n; i++) {
		struct row *rw = &sd->rows[i];
		rw->team = (unsigned char)t;
		rw->sec = -1;
		rw->variant = (unsigned char)rng_below(r, 100);
	}
}

/* Splits total_sec among the players by rank, exactly, none above cap. */
static void
deal_minutes(struct rng *r, struct side *sd, int total_sec, int n_ot)
{
	static const double base[PLAY_MAX] = {
		34.5, 33, 32, 30.5, 28, 24, 21, 17.5, 13, 8.5, 5, 3.5, 2.5
	};
	double w[PLAY_MAX], x[PLAY_MAX], sum = 0.0;
	int cap = 60 * (48 + 5 * n_ot), n = sd->nplay, given = 0;

	for (int i = 0; i < n; i++) {
		w[i] = base[i] * exp((i < 5 ? 0.10 : i < 9 ? 0.15 : 0.5) * rng_normal(r));
		sum += w[i];
	}
	/* a few times a season somebody checks in with no time left */
	if (n >= 10 && rng_unit(r) < 0.0022) {
		sum -= w[n - 1];
		w[n - 1] = 0.0;
	}
	for (int i = 0; i < n; i++)
		x[i] = w[i] / sum * total_sec;
	for (int pass = 0; pass < 4; pass++) {
		double excess = 0.0, free_w = 0.0;
		for (int i = 0; i < n; i++) {
			if (x[i] > cap) {
				excess += x[i] - cap;
				x[i] = cap;
			} else if (x[i] < cap) {
				free_w += w[i];
			}
		}
		if (excess <= 0.0 || free_w <= 0.0)
			break;
		for (int i = 0; i < n; i++)
			if (x[i] < cap)
				x[i] += excess * w[i] / free_w;
	}
	for (int i = 0; i < n; i++) {
		sd->rows[i].sec = (short)floor(x[i]);
		given += sd->rows[i].sec;
	}
	for (int i = 0; given < total_sec; i = (i + 1) % n) {
		if (w[i] > 0.0 && sd->rows[i].sec < cap) {
			sd->rows[i].sec++;
			given++;
		}
	}
}

/*
 * Box score of one side.  Team totals follow the league (about 88 FGA, 34
 * 3PA, 23 FTA per 48 minutes), shared out by each player's rates times his
 * seconds; edge (points) moves the shooting percentages.
 */
static void
fill_box(struct league *L, struct rng *r, struct side *sd, int total_sec, double pace,
    double edge)
{
	static const double team_rate[] = {	/* per 240 player-minutes */
		[S_FGA] = 88.2, [S_FTA] = 23.4, [S_ORB] = 10.4, [S_DRB] = 33.0,
		[S_AST] = 25.2, [S_STL] = 7.3, [S_BLK] = 4.7, [S_TOV] = 13.4, [S_PF] = 19.9,
	};
	static const int rated[] = { S_FGA, S_FTA, S_ORB, S_DRB, S_AST, S_STL, S_BLK, S_TOV, S_PF };
	double wsum[NSTAT] = { 0 }, mult = 1.0 + edge / 114.0;
	double len = total_sec / 14400.0, wleft;
	int fga_left;

	for (int i = 0; i < sd->nplay; i++) {
		struct player *p = &L->p[sd->rows[i].player];
		double s = sd->rows[i].sec;
		wsum[S_FGA] += p->usage * s;
		wsum[S_FTA] += p->ftr * s;
		wsum[S_ORB] += p->orb * s;
		wsum[S_DRB] += p->drb * s;
		wsum[S_AST] += p->ast * s;
		wsum[S_STL] += p->stl * s;
		wsum[S_BLK] += p->blk * s;
		wsum[S_TOV] += p->tov * s;
		wsum[S_PF] += p->pf * s;
	}
	fga_left = (int)lround(team_rate[S_FGA] * len * pace + 3.0 * sqrt(len) * rng_normal(r));
	wleft = wsum[S_FGA];
	sd->pts = 0;
	for (int i = 0; i < sd->nplay; i++) {
		struct row *rw = &sd->rows[i];
		struct player *p = &L->p[rw->player];
		double s = rw->sec, mine[NSTAT] = { 0 };
		int fg2a, fg2, v[NSTAT] = { 0 };

		mine[S_FGA] = p->usage * s;
		mine[S_FTA] = p->ftr * s;
		mine[S_ORB] = p->orb * s;
		mine[S_DRB] = p->drb * s;
		mine[S_AST] = p->ast * s;
		mine[S_STL] = p->stl * s;
		mine[S_BLK] = p->blk * s;
		mine[S_TOV] = p->tov * s;
		mine[S_PF] = p->pf * s;
		for (size_t k = 0; k < NELEM(rated); k++) {
			int st = rated[k];
			if (st == S_FGA) {	/* multinomial share of the team's shots */
				v[st] = wleft > 0.0 ? rng_binom(r, fga_left, clamp(mine[st] / wleft, 0.0, 1.0)) : 0;
				fga_left -= v[st];
				wleft -= mine[st];
			} else if (wsum[st] > 0.0) {
				v[st] = rng_poisson(r, team_rate[st] * len * pace * mine[st] / wsum[st]);
			}
		}
		if (v[S_PF] > 6)
			v[S_PF] = 6;
		v[S_FG3A] = rng_binom(r, v[S_FGA], p->r3);
		v[S_FG3] = rng_binom(r, v[S_FG3A], clamp(p->p3 * mult, 0.1, 0.7));
		fg2a = v[S_FGA] - v[S_FG3A];
		fg2 = rng_binom(r, fg2a, clamp(p->p2 * mult, 0.2, 0.85));
		v[S_FG] = fg2 + v[S_FG3];
		v[S_FT] = rng_binom(r, v[S_FTA], p->pft);
		v[S_PTS] = 2 * v[S_FG] + v[S_FG3] + v[S_FT];
		for (int k = 0; k < NSTAT; k++)
			rw->st[k] = (unsigned char)(v[k] > 255 ? 255 : v[k]);
		sd->pts += v[S_PTS];
	}
}

/* One more made free throw for the side's busiest player: breaks a tie. */
static void
add_free_throw(struct side *sd)
{
	struct row *rw = &sd->rows[0];

	for (int i = 1; i < sd->nplay; i++)
		if (sd->rows[i].sec > rw->sec)
			rw = &sd->rows[i];
	rw->st[S_FT]++;
	rw->st[S_FTA]++;
	rw->st[S_PTS]++;
	sd->pts++;
}

/* Plus-minus: margin times share of the floor plus noise that sums to zero. */
static void
plus_minus(struct rng *r, struct side *sd, int margin, int total_sec, int all_blank)
{
	double e[PLAY_MAX], noise[PLAY_MAX], nsum = 0.0, fsum = 0.0;
	int sum = 0, diff, n = sd->nplay, on = 0;

	for (int i = 0; i < n; i++) {
		double f = sd->rows[i].sec / 2880.0;
		noise[i] = sd->rows[i].sec > 0 ? 8.0 * sqrt(f) * rng_normal(r) : 0.0;
		nsum += noise[i];
		fsum += sd->rows[i].sec;
	}
	for (int i = 0; i < n; i++) {
		struct row *rw = &sd->rows[i];
		if (rw->sec == 0) {
			rw->pm = 0;
			rw->pm_blank = rng_unit(r) < 0.8;
			continue;
		}
		e[i] = margin * rw->sec / (total_sec / 5.0) + noise[i] - nsum * rw->sec / fsum;
		rw->pm = (short)lround(e[i]);
		rw->pm_blank = all_blank || rng_unit(r) < 0.0015;
		sum += rw->pm;
		on++;
	}
	diff = 5 * margin - sum;
	for (int i = 0; diff != 0 && on > 0; i = (i + 1) % n) {
		if (sd->rows[i].sec == 0)
			continue;
		sd->rows[i].pm += diff > 0 ? 1 : -1;
		diff += diff > 0 ? -1 : 1;
	}
}

/* Final row order as bbref prints it: starters, then bench, by minutes; DNPs last. */
static void
order_rows(struct side *sd)
{
	for (int i = 1; i < sd->nplay; i++)
		for (int j = i; j > 0; j--) {
			struct row *a = &sd->rows[j - 1], *b = &sd->rows[j];
			struct row tmp;
			if (a->starter > b->starter || (a->starter == b->starter && a->sec >= b->sec))
				break;
			tmp = *a;
			*a = *b;
			*b = tmp;
		}
}

static int
overtimes(struct rng *r)
{
	double u;

	if (rng_unit(r) >= 0.06)
		return 0;
	u = rng_unit(r);
	return u < 0.83 ? 1 : u < 0.97 ? 2 : 3;
}

static void
season_push_rows(struct season *S, const struct side *sd)
{
	for (int i = 0; i < sd->n; i++) {
		grow((void **)&S->r, &S->capr, S->nr, sizeof(*S->r));
		S->r[S->nr++] = sd->rows[i];
	}
}

/* Plays one game, appends it to the season; returns the winning team. */
static int
play_game(struct league *L, struct season *S, struct rng *r, long date, int type,
    int home, int away)
{
	struct side sd[2];	/* 0 away, 1 home */
	struct game *g;
	int n_ot = overtimes(r), total = 60 * (240 + 25 * n_ot);
	double pace = exp(0.025 * rng_normal(r));
	int all_blank = type == GT_CUP_FINAL;	/* as in the real 2023 Cup final */
	double sigma = n_ot > 0 ? OT_SIGMA : MARGIN_SIGMA;

	sd[0].team = away;
	sd[1].team = home;
	for (int k = 0; k < 2; k++) {
		pick_lineup(L, r, &sd[k]);
		deal_minutes(r, &sd[k], total, n_ot);
	}
	/*
	 * Independent box scores spread margins too wide (real |margin| averages
	 * about 12); keeping a draw with probability exp(-m^2 / 2 sigma^2) narrows
	 * them to the real spread.
	 */
	for (int tries = 0; tries < 50; tries++) {
		int m;
		for (int k = 0; k < 2; k++) {
			double edge = 0.5 * (L->strength[sd[k].team] - L->strength[sd[1 - k].team]) +
			    (k == 1 ? 1.3 : -1.3) + 2.0 * rng_normal(r);
			fill_box(L, r, &sd[k], total, pace, edge);
		}
		m = sd[1].pts - sd[0].pts;
		if (rng_unit(r) < exp(-(double)m * m / (2.0 * sigma * sigma)))
			break;
	}
	if (sd[0].pts == sd[1].pts)
		add_free_throw(&sd[rng_unit(r) < 0.55 ? 1 : 0]);
	for (int k = 0; k < 2; k++) {
		plus_minus(r, &sd[k], sd[k].pts - sd[1 - k].pts, total, all_blank);
		order_rows(&sd[k]);
	}

	grow((void **)&S->g, &S->capg, S->ng, sizeof(*S->g));
	g = &S->g[S->ng++];
	memset(g, 0, sizeof(*g));
	g->date = date;
	g->type = type;
	g->home = home;
	g->away = away;
	g->n_ot = n_ot;
	g->pts_away = sd[0].pts;
	g->pts_home = sd[1].pts;
	g->row0 = S->nr;
	g->nrows_away = sd[0].n;
	g->nrows_home = sd[1].n;
	season_push_rows(S, &sd[0]);
	season_push_rows(S, &sd[1]);
	return g->pts_home > g->pts_away ? home : away;
}

/* ---- standings, play-in, playoffs ------------------------------------------ */

struct standing { const struct season *S; const struct league *L; };
static struct standing cmp_ctx;

/* Better record first (win percentage), then strength, then code. */
static int
cmp_record(const void *pa, const void *pb)
{
	int a = *(const int *)pa, b = *(const int *)pb;
	const int *w = cmp_ctx.S->wins, *l = cmp_ctx.S->losses;
	long lhs = (long)w[a] * (w[b] + l[b]), rhs = (long)w[b] * (w[a] + l[a]);
	double sa = cmp_ctx.L->strength[a], sb = cmp_ctx.L->strength[b];

	if (lhs != rhs)
		return lhs > rhs ? -1 : 1;
	if (sa != sb)
		return sa > sb ? -1 : 1;
	return a - b;
}

/* Teams of a conference (east 1/0) by record; returns 15. */
static int
conference_table(const struct league *L, const struct season *S, int east, int *out)
{
	int n = 0;

	for (int t = 0; t < NTEAMS; t++)
		if (is_east[t] == east)
			out[n++] = t;
	cmp_ctx.S = S;
	cmp_ctx.L = L;
	qsort(out, (size_t)n, sizeof(int), cmp_record);
	return n;
}

/* Is team a seeded above team b (better record)? */
static int
seeded_above(const struct league *L, const struct season *S, int a, int b)
{
	cmp_ctx.S = S;
	cmp_ctx.L = L;
	return cmp_record(&a, &b) < 0;
}

/*
 * Best-of-seven; the better seed hosts games 1, 2, 5, 7.  Game k is played
 * on start + offs[k].  Returns the winner; *last gets the last game's date.
 */
static int
play_series(struct league *L, struct season *S, struct rng *r, int hi, int lo, long start,
    const int *offs, long *last)
{
	int w_hi = 0, w_lo = 0;

	for (int k = 0; w_hi < 4 && w_lo < 4; k++) {
		int hi_home = k == 0 || k == 1 || k == 4 || k == 6;
		int w = play_game(L, S, r, start + offs[k], GT_PLAYOFFS,
		    hi_home ? hi : lo, hi_home ? lo : hi);
		*last = start + offs[k];
		if (w == hi)
			w_hi++;
		else
			w_lo++;
	}
	return w_hi == 4 ? hi : lo;
}

static int
play_hosted(struct league *L, struct season *S, struct rng *r, long date, int type, int a,
    int b)
{
	if (seeded_above(L, S, a, b))
		return play_game(L, S, r, date, type, a, b);
	return play_game(L, S, r, date, type, b, a);
}

/* Play-in (6 games) and four rounds of best-of-seven. */
static void
postseason(struct league *L, struct season *S, uint64_t seed, long last_regular)
{
	static const int offs[7] = { 0, 2, 5, 7, 9, 11, 13 };
	static const int finals_offs[7] = { 0, 3, 5, 8, 10, 13, 16 };
	int seeds[2][8], table[NTEAMS];
	struct rng r;
	long day1 = last_regular + 2, start, end = 0;
	int alive[2][8];

	rng_init(&r, seed, (uint64_t)S->year, ST_POSTSEASON);
	for (int c = 0; c < 2; c++) {
		int east = c == 0, w78, l78, w910;
		long d = day1 + c;

		conference_table(L, S, east, table);
		for (int i = 0; i < 6; i++)
			seeds[c][i] = table[i];
		w78 = play_hosted(L, S, &r, d, GT_PLAYIN, table[6], table[7]);
		l78 = w78 == table[6] ? table[7] : table[6];
		w910 = play_hosted(L, S, &r, d, GT_PLAYIN, table[8], table[9]);
		seeds[c][6] = w78;
		seeds[c][7] = play_hosted(L, S, &r, day1 + 3, GT_PLAYIN, l78, w910);
	}
	start = day1 + 4;
	/* round 1: 1-8, 4-5, 3-6, 2-7 so winners meet in bracket order */
	for (int c = 0; c < 2; c++) {
		static const int pairs[4][2] = { { 0, 7 }, { 3, 4 }, { 2, 5 }, { 1, 6 } };
		for (int i = 0; i < 4; i++) {
			long last;
			alive[c][i] = play_series(L, S, &r, seeds[c][pairs[i][0]],
			    seeds[c][pairs[i][1]], start + ((c * 4 + i) % 2), offs, &last);
			end = last > end ? last : end;
		}
	}
	for (int n = 4; n > 1; n /= 2) {	/* conference semifinals, finals */
		start = end + 2;
		for (int c = 0; c < 2; c++)
			for (int i = 0; i < n / 2; i++) {
				long last;
				int a = alive[c][2 * i], b = alive[c][2 * i + 1];
				int hi = seeded_above(L, S, a, b) ? a : b;
				alive[c][i] = play_series(L, S, &r, hi, hi == a ? b : a,
				    start + ((c * 2 + i) % 2), offs, &last);
				end = last > end ? last : end;
			}
	}
	{
		long last;
		int a = alive[0][0], b = alive[1][0];
		int hi = seeded_above(L, S, a, b) ? a : b;
		play_series(L, S, &r, hi, hi == a ? b : a, end + 4, finals_offs, &last);
	}
}

/* The Cup final: the best East and West records so far, the better one hosting. */
static void
cup_final(struct league *L, struct season *S, struct rng *r, long date)
{
	int east[NTEAMS], west[NTEAMS];

	conference_table(L, S, 1, east);
	conference_table(L, S, 0, west);
	play_hosted(L, S, r, date, GT_CUP_FINAL, east[0], west[0]);
}

/* ---- a season ---------------------------------------------------------------- */

/* Regular-season days kept at this scale (see usage). */
static int
days_kept(double scale, int nday)
{
	long k;

	if (scale >= 1.0)
		return nday;
	k = lround(scale * nday);
	return k < 1 ? 1 : (int)k;
}

static void
run_season(struct league *L, struct season *S, const struct opts *o, int year)
{
	static struct sched sc;
	struct trade tr[TRADES_MAX];
	struct calendar cal = season_calendar(year);
	struct rng gr, sr;
	int ntr, keep, cup_done = cal.cup < 0;

	S->year = year;
	S->ng = S->nr = 0;
	memset(S->wins, 0, sizeof(S->wins));
	memset(S->losses, 0, sizeof(S->losses));
	rng_init(&sr, o->seed, (uint64_t)year, ST_STRENGTH);
	team_strengths(L, &sr);
	make_schedule(&sc, &cal, o->seed, year);
	ntr = plan_trades(L, o->seed, year, sc.nday, tr);
	keep = days_kept(o->scale, sc.nday);
	rng_init(&gr, o->seed, (uint64_t)year, ST_GAMES);
	for (int d = 0; d < keep; d++) {
		apply_trades(L, tr, ntr, d);
		if (!cup_done && cal.cup < sc.date[d]) {
			cup_final(L, S, &gr, cal.cup);
			cup_done = 1;
		}
		for (int k = sc.first[d]; k < sc.first[d + 1]; k++) {
			int g = sc.order[k], h = sc.home[g], a = sc.away[g];
			int w = play_game(L, S, &gr, sc.date[d], GT_REGULAR, h, a);
			S->wins[w]++;
			S->losses[w == h ? a : h]++;
		}
	}
	if (o->scale >= 0.5)	/* on the usual dates, even after a short season */
		postseason(L, S, o->seed, sc.date[sc.nday - 1]);
	apply_trades(L, tr, ntr, MAX_DAYS);
}

/* ---- output ------------------------------------------------------------------ */

struct buf {
	char *p;
	size_t n, cap;
};

static void
buf_need(struct buf *b, size_t more)
{
	if (b->n + more <= b->cap)
		return;
	while (b->n + more > b->cap)
		b->cap = b->cap ? b->cap * 2 : 4096;
	b->p = realloc(b->p, b->cap);
	if (b->p == NULL)
		die(EXIT_IO, "out of memory");
}

static void
put_mem(struct buf *b, const char *s, size_t n)
{
	buf_need(b, n);
	memcpy(b->p + b->n, s, n);
	b->n += n;
}

static void
put_str(struct buf *b, const char *s)
{
	put_mem(b, s, strlen(s));
}

static void
put_ch(struct buf *b, char c)
{
	buf_need(b, 1);
	b->p[b->n++] = c;
}

static void
put_int(struct buf *b, long v)
{
	char tmp[24];
	int n = 0;
	unsigned long u = v < 0 ? 0UL - (unsigned long)v : (unsigned long)v;

	do
		tmp[n++] = (char)('0' + u % 10);
	while ((u /= 10) != 0);
	if (v < 0)
		tmp[n++] = '-';
	buf_need(b, (size_t)n);
	while (n > 0)
		b->p[b->n++] = tmp[--n];
}

/* A CSV field, quoted (RFC 4180) when it holds a comma, quote or line break. */
static void
put_csv(struct buf *b, const char *s)
{
	if (strpbrk(s, ",\"\r\n") == NULL) {
		put_str(b, s);
		return;
	}
	put_ch(b, '"');
	for (; *s; s++) {
		if (*s == '"')
			put_ch(b, '"');
		put_ch(b, *s);
	}
	put_ch(b, '"');
}

/* A JSON string, escaped the way jq -c prints it. */
static void
put_json_str(struct buf *b, const char *s)
{
	put_ch(b, '"');
	for (; *s; s++) {
		unsigned char c = (unsigned char)*s;
		if (c == '"' || c == '\\') {
			put_ch(b, '\\');
			put_ch(b, (char)c);
		} else if (c == '\n') {
			put_str(b, "\\n");
		} else if (c == '\t') {
			put_str(b, "\\t");
		} else if (c == '\r') {
			put_str(b, "\\r");
		} else if (c < 0x20 || c == 0x7f) {
			char esc[8];
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			put_str(b, esc);
		} else {
			put_ch(b, (char)c);
		}
	}
	put_ch(b, '"');
}

static void
put_minutes(struct buf *b, int sec)
{
	put_int(b, sec / 60);
	put_ch(b, ':');
	put_ch(b, (char)('0' + sec % 60 / 10));
	put_ch(b, (char)('0' + sec % 10));
}

/* bbref percentage: .500, 1.000, empty without attempts. */
static void
put_pct(struct buf *b, int made, int att)
{
	int permille;

	if (att == 0)
		return;
	permille = (1000 * made + att / 2) / att;
	if (permille >= 1000) {
		put_str(b, "1.000");
		return;
	}
	put_ch(b, '.');
	put_ch(b, (char)('0' + permille / 100));
	put_ch(b, (char)('0' + permille / 10 % 10));
	put_ch(b, (char)('0' + permille % 10));
}

static void
put_date(struct buf *b, long d, int dashes)
{
	char tmp[16];
	int y, m, day;

	civil_from_days(d, &y, &m, &day);
	if (dashes)
		snprintf(tmp, sizeof(tmp), "%04d-%02d-%02d", y, m, day);
	else
		snprintf(tmp, sizeof(tmp), "%04d%02d%02d", y, m, day);
	put_str(b, tmp);
}

static void
put_season(struct buf *b, int year)
{
	char tmp[16];

	snprintf(tmp, sizeof(tmp), "%04d-%02d", year, (year + 1) % 100);
	put_str(b, tmp);
}

static const char *const bbref_reason[] = {
	[R_DNP] = "Did Not Play", [R_DND] = "Did Not Dress",
	[R_NWT] = "Not With Team", [R_SUSP] = "Player Suspended",
};

static const char *const injuries[] = {
	"Left Ankle; Sprain", "Right Ankle; Sprain", "Right Knee; Soreness",
	"Left Knee; Injury Management", "Lower Back; Tightness",
	"Right Hamstring; Strain", "Left Hamstring; Strain", "Left Foot; Contusion",
	"Right Calf; Strain", "Right Wrist; Sprain", "Illness", "Health and Safety Protocols",
};

/*
 * The reason as an NBA-style source would print it: the bbref text about half
 * the time, NBA.com wording otherwise.  *inactive says which status it means.
 */
static const char *
raw_reason(const struct row *rw, char *tmp, size_t tmpsz, int *inactive)
{
	int v = rw->variant;
	const char *inj = injuries[v % NELEM(injuries)];

	*inactive = rw->reason != R_DNP;
	switch (rw->reason) {
	case R_DNP:
		if (v < 55)
			return bbref_reason[R_DNP];
		if (v < 88)
			return "DNP - Coach's Decision";
		snprintf(tmp, tmpsz, "DNP - Injury/Illness - %s", inj);
		return tmp;
	case R_DND:
		if (v < 50)
			return bbref_reason[R_DND];
		snprintf(tmp, tmpsz, "DND - Injury/Illness - %s", inj);
		return tmp;
	case R_NWT:
		return v < 50 ? bbref_reason[R_NWT] : "NWT - Personal Reasons";
	default:
		return bbref_reason[R_SUSP];
	}
}

static const char *
game_type_name(int type, enum format fmt)
{
	static const char *const raw[] = { "regular", "playin", "playoffs", "cup_final" };
	static const char *const bbref[] = { "regular", "play-in", "playoffs", "regular" };

	return fmt == FMT_RAW ? raw[type] : bbref[type];
}

static void
bbref_game_id(struct buf *b, const struct game *g)
{
	put_date(b, g->date, 0);
	put_ch(b, '0');
	put_str(b, bbref_code[g->home]);
}

/* The part of a bbref-csv row shared by one team's rows in a game. */
static void
prefix_bbref(struct buf *b, const struct season *S, const struct game *g, int team)
{
	int home = team == g->home;

	b->n = 0;
	put_season(b, S->year);
	put_ch(b, ',');
	put_str(b, game_type_name(g->type, FMT_BBREF));
	put_ch(b, ',');
	bbref_game_id(b, g);
	put_ch(b, ',');
	put_date(b, g->date, 1);
	put_ch(b, ',');
	put_str(b, bbref_code[g->home]);
	put_ch(b, ',');
	put_str(b, bbref_code[team]);
	put_ch(b, ',');
	put_str(b, bbref_code[home ? g->away : g->home]);
	put_str(b, home ? ",1," : ",0,");
}

static void
format_bbref(struct buf *b, const struct buf *pre, const struct league *L,
    const struct row *rw, int row_order)
{
	const struct player *p = &L->p[rw->player];
	const unsigned char *v = rw->st;

	put_mem(b, pre->p, pre->n);
	put_str(b, rw->starter ? "1," : "0,");
	put_int(b, row_order);
	put_ch(b, ',');
	put_csv(b, p->name);
	put_ch(b, ',');
	put_csv(b, p->id);
	put_ch(b, ',');
	put_csv(b, p->csk);
	put_ch(b, ',');
	if (rw->sec < 0) {
		put_str(b, ",,,,,,,,,,,,,,,,,,,,");
		put_csv(b, bbref_reason[rw->reason]);
		put_ch(b, '\n');
		return;
	}
	put_minutes(b, rw->sec);
	put_ch(b, ',');
	put_int(b, v[S_FG]);
	put_ch(b, ',');
	put_int(b, v[S_FGA]);
	put_ch(b, ',');
	put_pct(b, v[S_FG], v[S_FGA]);
	put_ch(b, ',');
	put_int(b, v[S_FG3]);
	put_ch(b, ',');
	put_int(b, v[S_FG3A]);
	put_ch(b, ',');
	put_pct(b, v[S_FG3], v[S_FG3A]);
	put_ch(b, ',');
	put_int(b, v[S_FT]);
	put_ch(b, ',');
	put_int(b, v[S_FTA]);
	put_ch(b, ',');
	put_pct(b, v[S_FT], v[S_FTA]);
	put_ch(b, ',');
	put_int(b, v[S_ORB]);
	put_ch(b, ',');
	put_int(b, v[S_DRB]);
	put_ch(b, ',');
	put_int(b, v[S_ORB] + v[S_DRB]);
	put_ch(b, ',');
	put_int(b, v[S_AST]);
	put_ch(b, ',');
	put_int(b, v[S_STL]);
	put_ch(b, ',');
	put_int(b, v[S_BLK]);
	put_ch(b, ',');
	put_int(b, v[S_TOV]);
	put_ch(b, ',');
	put_int(b, v[S_PF]);
	put_ch(b, ',');
	put_int(b, v[S_PTS]);
	put_ch(b, ',');
	if (!rw->pm_blank) {
		if (rw->pm > 0)
			put_ch(b, '+');
		put_int(b, rw->pm);
	}
	put_str(b, ",\n");
}

/* ,"key": -- keys are our own literals and need no escaping. */
static void
put_key(struct buf *b, const char *key)
{
	put_str(b, ",\"");
	put_str(b, key);
	put_str(b, "\":");
}

static void
put_key_str(struct buf *b, const char *key, const char *val)
{
	put_key(b, key);
	put_json_str(b, val);
}

static void
put_key_int(struct buf *b, const char *key, int val)
{
	put_key(b, key);
	put_int(b, val);
}

static void
put_key_null(struct buf *b, const char *key)
{
	put_key(b, key);
	put_str(b, "null");
}

/* The part of a raw row shared by one team's rows in a game. */
static void
prefix_raw(struct buf *b, const struct season *S, const struct game *g, int team)
{
	int opp = team == g->home ? g->away : g->home;
	struct buf gid = { 0 };

	b->n = 0;
	put_str(b, "{\"game_id\":\"");
	put_date(b, g->date, 0);
	put_ch(b, '_');
	put_str(b, nba_code[g->away]);
	put_ch(b, '_');
	put_str(b, nba_code[g->home]);
	put_str(b, "\",\"game_date\":\"");
	put_date(b, g->date, 1);
	put_ch(b, '"');
	put_key_int(b, "season_year", S->year);
	put_key_str(b, "game_type", game_type_name(g->type, FMT_RAW));
	put_key_str(b, "home_team_abbr", nba_code[g->home]);
	put_key_str(b, "away_team_abbr", nba_code[g->away]);
	put_key_str(b, "team_abbr", nba_code[team]);
	put_key_str(b, "opponent_team_abbr", nba_code[opp]);
	put_key_str(b, "source", "sample");
	bbref_game_id(&gid, g);
	put_ch(&gid, '\0');
	put_key_str(b, "source_game_id", gid.p);
	free(gid.p);
}

static void
format_raw(struct buf *b, const struct buf *pre, const struct league *L,
    const struct row *rw)
{
	static const char *const stat_key[] = {
		"points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts",
		"ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds",
		"total_rebounds", "assists", "steals", "blocks", "turnovers", "personal_fouls",
	};
	const struct player *p = &L->p[rw->player];
	const unsigned char *v = rw->st;
	char tmp[128];

	put_mem(b, pre->p, pre->n);
	put_key_str(b, "source_player_id", p->id);
	put_key_str(b, "player_name", p->name);
	if (rw->sec < 0) {
		int inactive;
		const char *why = raw_reason(rw, tmp, sizeof(tmp), &inactive);
		put_key_str(b, "player_status", inactive ? "inactive" : "dnp");
		put_key_str(b, "dnp_reason", why);
		put_str(b, ",\"starter\":false");
		if (rw->variant % 10 == 3)	/* some sources print "" */
			put_key_str(b, "minutes", "");
		else
			put_key_null(b, "minutes");
		for (size_t k = 0; k < NELEM(stat_key); k++)
			put_key_null(b, stat_key[k]);
		put_key_null(b, "plus_minus");
		put_str(b, "}\n");
		return;
	}
	put_key_str(b, "player_status", "active");
	put_key_null(b, "dnp_reason");
	put_str(b, rw->starter ? ",\"starter\":true" : ",\"starter\":false");
	put_str(b, ",\"minutes\":\"");
	put_minutes(b, rw->sec);
	put_ch(b, '"');
	put_key_int(b, "points", v[S_PTS]);
	put_key_int(b, "fg_makes", v[S_FG]);
	put_key_int(b, "fg_attempts", v[S_FGA]);
	put_key_int(b, "three_pt_makes", v[S_FG3]);
	put_key_int(b, "three_pt_attempts", v[S_FG3A]);
	put_key_int(b, "ft_makes", v[S_FT]);
	put_key_int(b, "ft_attempts", v[S_FTA]);
	put_key_int(b, "offensive_rebounds", v[S_ORB]);
	put_key_int(b, "defensive_rebounds", v[S_DRB]);
	put_key_int(b, "total_rebounds", v[S_ORB] + v[S_DRB]);
	put_key_int(b, "assists", v[S_AST]);
	put_key_int(b, "steals", v[S_STL]);
	put_key_int(b, "blocks", v[S_BLK]);
	put_key_int(b, "turnovers", v[S_TOV]);
	put_key_int(b, "personal_fouls", v[S_PF]);
	if (rw->pm_blank)
		put_key_null(b, "plus_minus");
	else
		put_key_int(b, "plus_minus", rw->pm);
	put_str(b, "}\n");
}

static const char csv_header[] =
    "season,game_type,bbref_game_id,game_date,home_team,team,opponent,is_home,"
    "starter,row_order,player,bbref_player_id,player_csk,mp,fg,fga,fg_pct,fg3,"
    "fg3a,fg3_pct,ft,fta,ft_pct,orb,drb,trb,ast,stl,blk,tov,pf,pts,plus_minus,"
    "reason\n";

/* Reports a failed write and exits; a closed pipe ends us like SIGPIPE would. */
static void
write_failed(const struct out *o, int err)
{
	if (err == EPIPE) {
		signal(SIGPIPE, SIG_DFL);
		raise(SIGPIPE);
	}
	if (o->tmp != NULL)
		unlink(o->tmp);
	die(EXIT_IO, "%s: write error: %s", o->path ? o->path : "standard output",
	    strerror(err));
}

static void
out_write(struct out *o, const struct buf *b)
{
	if (b->n > 0 && fwrite(b->p, 1, b->n, o->fp) != b->n)
		write_failed(o, errno ? errno : EIO);
}

/* mkdir -p */
static void
make_dir(const char *dir)
{
	char *path = xstrdup(dir);

	for (char *s = path + 1;; s++) {
		if (*s != '/' && *s != '\0')
			continue;
		char c = *s;
		*s = '\0';
		if (mkdir(path, 0777) != 0 && errno != EEXIST)
			die(EXIT_IO, "cannot create directory '%s': %s", path, strerror(errno));
		*s = c;
		if (c == '\0')
			break;
	}
	free(path);
}

static void
out_open_season(struct out *o, int year)
{
	char name[64];
	size_t n;

	snprintf(name, sizeof(name), "sample_%04d-%02d.%s", year, (year + 1) % 100,
	    o->fmt == FMT_RAW ? "ndjson" : "csv");
	n = strlen(o->dir) + strlen(name) + 16;
	o->path = xcalloc(n, 1);
	o->tmp = xcalloc(n, 1);
	snprintf(o->path, n, "%s/%s", o->dir, name);
	snprintf(o->tmp, n, "%s/.%s.tmp", o->dir, name);
	o->fp = fopen(o->tmp, "w");
	if (o->fp == NULL)
		die(EXIT_IO, "cannot open '%s': %s", o->tmp, strerror(errno));
	o->files++;
	if (o->fmt == FMT_BBREF) {
		struct buf b = { (char *)csv_header, sizeof(csv_header) - 1, 0 };
		out_write(o, &b);
	}
}

/* Flushes and checks a stream; a season file is renamed into place only when whole. */
static void
out_close(struct out *o)
{
	if (o->fp == NULL)
		return;
	errno = 0;
	if (fflush(o->fp) != 0 || ferror(o->fp))
		write_failed(o, errno ? errno : EIO);
	if (fclose(o->fp) != 0) {
		o->fp = NULL;
		write_failed(o, errno ? errno : EIO);
	}
	if (o->path != NULL) {
		if (rename(o->tmp, o->path) != 0)
			die(EXIT_IO, "cannot rename '%s' to '%s': %s", o->tmp, o->path,
			    strerror(errno));
		free(o->path);
		free(o->tmp);
		o->path = o->tmp = NULL;
	}
	o->fp = NULL;
}

static int
cmp_game(const void *pa, const void *pb)
{
	const struct game *a = *(const struct game *const *)pa;
	const struct game *b = *(const struct game *const *)pb;

	if (a->date != b->date)
		return a->date < b->date ? -1 : 1;
	return strcmp(a->key, b->key);
}

/* Writes the season's games in the window, ordered by date then game id. */
static void
write_season(struct out *o, const struct league *L, struct season *S)
{
	struct game **order = xcalloc(S->ng ? S->ng : 1, sizeof(*order));
	struct buf b = { 0 }, pre = { 0 };
	size_t n = 0;

	for (size_t i = 0; i < S->ng; i++) {
		struct game *g = &S->g[i];
		if (g->date < o->from || g->date > o->to)
			continue;
		if (o->fmt == FMT_RAW)
			snprintf(g->key, sizeof(g->key), "%s_%s", nba_code[g->away], nba_code[g->home]);
		else
			snprintf(g->key, sizeof(g->key), "%s", bbref_code[g->home]);
		order[n++] = g;
	}
	qsort(order, n, sizeof(*order), cmp_game);
	if (n > 0 && o->dir != NULL)
		out_open_season(o, S->year);
	for (size_t i = 0; i < n; i++) {
		const struct game *g = order[i];
		int nrows = g->nrows_away + g->nrows_home;

		b.n = 0;
		for (int k = 0; k < nrows; k++) {
			const struct row *rw = &S->r[g->row0 + k];
			int home = k >= g->nrows_away, row_order = home ? k - g->nrows_away : k;
			if (k == 0 || k == g->nrows_away) {
				if (o->fmt == FMT_RAW)
					prefix_raw(&pre, S, g, home ? g->home : g->away);
				else
					prefix_bbref(&pre, S, g, home ? g->home : g->away);
			}
			if (o->fmt == FMT_RAW)
				format_raw(&b, &pre, L, rw);
			else
				format_bbref(&b, &pre, L, rw, row_order);
		}
		out_write(o, &b);
		o->rows += (unsigned long long)nrows;
		o->games++;
	}
	if (o->dir != NULL)
		out_close(o);
	free(b.p);
	free(pre.p);
	free(order);
}

/* ---- command line ------------------------------------------------------------ */

static const char *const synopsis[] = {
	"pgs-sample [--seed N] [--scale X] [--format bbref-csv|raw] [--from D] [--to D] [-o DIR]",
	NULL,
};

static void
help(FILE *fp)
{
	fputs(
"Generate a deterministic, fictional but realistic NBA league (30 teams, NBA\n"
"tricodes, made-up players) and write its player box scores: one row per\n"
"player listed for a team in a game, regular season, play-in, playoffs and\n"
"the 2023 Cup final.  Same seed and options give byte-identical output.\n"
"Quiet unless -v, which prints what was written.\n"
"\n"
"  --seed N            random seed, a decimal integer (default 1)\n"
"  --scale X           league size (default 1: seasons 2021-22..2023-24, about\n"
"                      100k rows).  X < 1 keeps the three seasons but plays only\n"
"                      the first max(1, round(X*D)) of each season's D (~165)\n"
"                      regular-season game days; the play-in and playoffs are\n"
"                      played only when X >= 0.5.  The kept days are exactly those\n"
"                      of --scale 1.  X > 1 adds earlier seasons: round(3*X)\n"
"                      seasons ending 2023-24 (--scale 15: 45 seasons, about\n"
"                      1.5M rows).  0 < X <= 100.\n"
"  --format F          bbref-csv (default): basketball-reference derived CSV with\n"
"                      a header line (BRK/CHO/PHO team codes); raw: NDJSON raw\n"
"                      rows (NBA tricodes, source \"sample\", no end marker)\n"
"  --from D, --to D    only games dated D or later / D or earlier (YYYY-MM-DD,\n"
"                      inclusive); the league itself does not change\n"
"  -o, --output DIR    write one file per season to DIR (created if missing):\n"
"                      sample_<season>.csv or sample_<season>.ndjson; a season\n"
"                      without games in the window gets no file\n",
	    fp);
}

static const struct pgs_tool tool = {
	synopsis, help, "0 success, 2 usage error, 3 I/O failure", PGS_TOOL_NO_OPERANDS,
};

static int
opt_seed(void *arg, const char *v)
{
	struct opts *o = arg;
	char *end;

	errno = 0;
	o->seed = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || v[0] == '+')
		return pgs_usage_error("bad --seed '%s': want a non-negative integer", v);
	return 0;
}

static int
opt_scale(void *arg, const char *v)
{
	struct opts *o = arg;
	char *end;

	errno = 0;
	o->scale = strtod(v, &end);
	if (errno || end == v || *end || !(o->scale > 0.0) || o->scale > SCALE_MAX)
		return pgs_usage_error("bad --scale '%s': want a number in (0, 100]", v);
	return 0;
}

static int
opt_format(void *arg, const char *v)
{
	struct opts *o = arg;

	if (strcmp(v, "bbref-csv") == 0)
		o->fmt = FMT_BBREF;
	else if (strcmp(v, "raw") == 0)
		o->fmt = FMT_RAW;
	else
		return pgs_usage_error("bad --format '%s': want bbref-csv or raw", v);
	return 0;
}

/* -1 to go on, or the exit status. */
static int
parse_args(int argc, char **argv, struct opts *o)
{
	const char *from = NULL, *to = NULL;
	const struct pgs_option opts[] = {
		PGS_OPT_CALLBACK(0, "seed", opt_seed),
		PGS_OPT_CALLBACK(0, "scale", opt_scale),
		PGS_OPT_CALLBACK(0, "format", opt_format),
		PGS_OPT_STRING(0, "from", &from),
		PGS_OPT_STRING(0, "to", &to),
		PGS_OPT_STRING('o', "output", &o->dir),
		PGS_OPT_END(),
	};
	int rc;

	o->seed = 1;
	o->scale = 1.0;
	o->fmt = FMT_BBREF;
	o->from = days_from_civil(1, 1, 1);
	o->to = days_from_civil(9999, 12, 31);
	o->dir = NULL;
	pgs_verbosity = 0;	/* quiet unless -v */
	if ((rc = pgs_parse_options(argc, argv, &tool, opts, NULL, o)) >= 0)
		return rc;
	if (o->dir && o->dir[0] == '\0')
		return pgs_usage_error("bad --output '': want a directory");
	if ((rc = pgs_opt_window(from, to, &o->from, &o->to)) != 0)
		return rc;
	o->verbose = pgs_verbosity > 1;
	return -1;
}

static void
league_free(struct league *L)
{
	free(L->p);
	strset_free(L->names);
	strset_free(L->ids);
}

int
main(int argc, char **argv)
{
	struct opts o;
	struct league L;
	struct season S;
	struct out out;
	int nseasons, first, rc;

	pgs_setprog(argv[0]);
	if ((rc = parse_args(argc, argv, &o)) >= 0)
		return rc;
	memset(&L, 0, sizeof(L));
	memset(&S, 0, sizeof(S));
	memset(&out, 0, sizeof(out));
	out.fmt = o.fmt;
	out.dir = o.dir;
	out.from = o.from;
	out.to = o.to;

	nseasons = o.scale > 1.0 ? (int)lround(3.0 * o.scale) : 3;
	first = LAST_YEAR - nseasons + 1;
	if (o.dir != NULL) {
		make_dir(o.dir);
	} else {
		struct buf b = { (char *)csv_header, sizeof(csv_header) - 1, 0 };
		out.fp = stdout;
		if (o.fmt == FMT_BBREF)
			out_write(&out, &b);
	}
	for (int year = first; year <= LAST_YEAR; year++) {
		if (year == first)
			league_create(&L, o.seed, year);
		else
			offseason(&L, o.seed, year);
		L.year = year;
		run_season(&L, &S, &o, year);
		write_season(&out, &L, &S);
	}
	out_close(&out);
	if (o.verbose)
		fprintf(stderr, PROG ": %d seasons, %llu games, %llu rows, %llu files\n",
		    nseasons, out.games, out.rows, out.files);
	league_free(&L);
	free(S.g);
	free(S.r);
	return 0;
}
