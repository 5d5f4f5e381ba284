/* teams.c — team codes and game ids (see teams.h). */
#include <stdio.h>
#include <string.h>

#include "dates.h"
#include "teams.h"

static const char *const tricodes[] = {
	"ATL", "BOS", "BKN", "CHA", "CHI", "CLE", "DAL", "DEN", "DET", "GSW",
	"HOU", "IND", "LAC", "LAL", "MEM", "MIA", "MIL", "MIN", "NOP", "NYK",
	"OKC", "ORL", "PHI", "PHX", "POR", "SAC", "SAS", "TOR", "UTA", "WAS",
};

/* Other spellings: basketball-reference, historical franchise codes, ESPN-style short codes. */
static const struct {
	const char *code, *tricode;
} aliases[] = {
	{ "BRK", "BKN" }, { "CHO", "CHA" }, { "PHO", "PHX" },
	{ "NJN", "BKN" }, { "NOH", "NOP" }, { "NOK", "NOP" }, { "SEA", "OKC" },
	{ "CHH", "CHA" }, { "VAN", "MEM" },
	{ "GS", "GSW" }, { "NO", "NOP" }, { "NY", "NYK" }, { "SA", "SAS" },
	{ "UTAH", "UTA" }, { "WSH", "WAS" },
};

/* NBA Cup finals; the table grows by one line a year. */
static const char *const cup_finals[] = { "2023-12-09", "2024-12-17", "2025-12-16" };

/*
 * The days of the NBA Cup's quarterfinals and semifinals: no other game is
 * played on them (2023: checked against the league's team game logs), so a
 * regular-season game dated on one is a knockout game.  One line a year.
 */
static const char *const cup_knockouts[] = {
	"2023-12-04", "2023-12-05", "2023-12-07",
	"2024-12-10", "2024-12-11", "2024-12-14",
	"2025-12-09", "2025-12-10", "2025-12-13",
};

/* The normalized game types, with whether they count toward the regular season. */
static const struct {
	const char *type;
	int regular;
} game_types[] = {
	{ "regular", 1 }, { "play_in", 0 }, { "playoffs", 0 }, { "cup_knockout", 1 },
	{ "cup_final", 0 }, { "all_star", 0 }, { "preseason", 0 },
};

/* How sources and seasons spell them (compared case-insensitively; ' ' and '-' as '_'). */
static const struct {
	const char *label, *type;
} game_type_labels[] = {
	{ "regular_season", "regular" }, { "regular", "regular" }, { "playin", "play_in" },
	{ "play_in", "play_in" }, { "play_in_tournament", "play_in" }, { "playoff", "playoffs" },
	{ "playoffs", "playoffs" }, { "postseason", "playoffs" }, { "nba_cup_quarter", "cup_knockout" },
	{ "nba_cup_quarterfinal", "cup_knockout" }, { "nba_cup_semi", "cup_knockout" },
	{ "nba_cup_semifinal", "cup_knockout" }, { "cup_knockout", "cup_knockout" },
	{ "nba_cup_final", "cup_final" }, { "cup_final", "cup_final" }, { "all_star", "all_star" },
	{ "allstar", "all_star" }, { "preseason", "preseason" }, { "pre_season", "preseason" },
};

/* ASCII-only, so a Turkish locale cannot make "phi" differ from "PHI". */
static int
ascii_casecmp(const char *a, const char *b)
{
	unsigned char ca, cb;

	do {
		ca = (unsigned char)*a++;
		cb = (unsigned char)*b++;
		if (ca >= 'a' && ca <= 'z')
			ca = (unsigned char)(ca - 'a' + 'A');
		if (cb >= 'a' && cb <= 'z')
			cb = (unsigned char)(cb - 'a' + 'A');
	} while (ca == cb && ca != '\0');
	return ca - cb;
}

/*
 * 1 + the index in tricodes[] of code, when it is one of them as it is
 * spelled there (every alias maps to a tricode other than its own spelling,
 * so this is pgs_team_tricode(c) == c), else 0.  The table is filled from the
 * 30 entries, not by asking pgs_team_tricode() about all 17,576 codes, which
 * cost each tool ~2 ms at start.
 */
static int
canon_index(const char *code)
{
	static unsigned char canon[26 * 26 * 26];
	static int ready;
	size_t i;
	int k;

	if (!ready) {
		for (i = 0; i < sizeof(tricodes) / sizeof(tricodes[0]); i++)
			canon[(tricodes[i][0] - 'A') * 676 + (tricodes[i][1] - 'A') * 26 + (tricodes[i][2] - 'A')] =
			    (unsigned char)(i + 1);
		ready = 1;
	}
	if (code == NULL)
		return 0;
	for (k = 0; k < 3; k++)
		if (code[k] < 'A' || code[k] > 'Z')
			return 0;
	if (code[3] != '\0')
		return 0;
	return canon[(code[0] - 'A') * 676 + (code[1] - 'A') * 26 + (code[2] - 'A')];
}

const char *
pgs_team_tricode(const char *code)
{
	size_t i;
	int c;

	if (code == NULL)
		return NULL;
	if ((c = canon_index(code)) > 0)   /* the common case, without 30 comparisons */
		return tricodes[c - 1];
	for (i = 0; i < sizeof(tricodes) / sizeof(tricodes[0]); i++)
		if (ascii_casecmp(code, tricodes[i]) == 0)
			return tricodes[i];
	for (i = 0; i < sizeof(aliases) / sizeof(aliases[0]); i++)
		if (ascii_casecmp(code, aliases[i].code) == 0)
			return aliases[i].tricode;
	return NULL;
}

int
pgs_team_is_tricode(const char *code)
{
	return canon_index(code) > 0;
}

int
pgs_game_id(long days, const char *away, const char *home, char *out, size_t cap)
{
	const char *a = pgs_team_tricode(away), *h = pgs_team_tricode(home);
	char date[11];

	if (cap > 0)
		out[0] = '\0';
	if (a == NULL || h == NULL || cap < 17 || strlen(a) != 3 || strlen(h) != 3)
		return -1;
	pgs_date_format(days, date);
	if (date[0] == '0' && date[5] == '0' && date[6] == '0')	/* "0000-00-00": out of range */
		return -1;
	pgs_game_id_spell(date, a, h, out);
	return 0;
}

/* "%.4s%.2s%.2s_%s_%s", spelled out: snprintf was 3% of pgs-write */
void
pgs_game_id_spell(const char *date, const char *away, const char *home, char out[17])
{
	memcpy(out, date, 4);
	memcpy(out + 4, date + 5, 2);
	memcpy(out + 6, date + 8, 2);
	out[8] = '_';
	memcpy(out + 9, away, 3);
	out[12] = '_';
	memcpy(out + 13, home, 3);
	out[16] = '\0';
}

int
pgs_is_cup_final_date(long days)
{
	size_t i;
	long d;

	for (i = 0; i < sizeof(cup_finals) / sizeof(cup_finals[0]); i++)
		if (pgs_date_parse(cup_finals[i], &d) == 0 && d == days)
			return 1;
	return 0;
}

static int
date_in(const char *const *dates, size_t n, long days)
{
	long d;

	for (size_t i = 0; i < n; i++)
		if (pgs_date_parse(dates[i], &d) == 0 && d == days)
			return 1;
	return 0;
}

int
pgs_is_cup_knockout_date(long days)
{
	return date_in(cup_knockouts, sizeof(cup_knockouts) / sizeof(cup_knockouts[0]), days);
}

const char *
pgs_regular_game_type(long days)
{
	return pgs_is_cup_final_date(days) ? "cup_final" :
	    pgs_is_cup_knockout_date(days) ? "cup_knockout" : "regular";
}

const char *
pgs_game_type_norm(const char *label)
{
	char k[32];
	size_t n = 0;

	if (!label)
		return NULL;
	for (; *label && n + 1 < sizeof(k); label++, n++)
		k[n] = *label == ' ' || *label == '-' ? '_' :
		    *label >= 'A' && *label <= 'Z' ? (char)(*label - 'A' + 'a') : *label;
	if (*label)
		return NULL;
	k[n] = 0;
	for (size_t i = 0; i < sizeof(game_type_labels) / sizeof(game_type_labels[0]); i++)
		if (strcmp(game_type_labels[i].label, k) == 0)
			return game_type_labels[i].type;
	return NULL;
}

int
pgs_game_type_counts_regular(const char *type)
{
	for (size_t i = 0; type && i < sizeof(game_types) / sizeof(game_types[0]); i++)
		if (strcmp(game_types[i].type, type) == 0)
			return game_types[i].regular;
	return -1;
}

int
pgs_game_type_excluded(const char *type)
{
	return type && (strcmp(type, "all_star") == 0 || strcmp(type, "preseason") == 0);
}

const char *
pgs_game_type_from_id(const char *nba_id, long days)
{
	static const char *const prefix[][2] = {
		{ "001", "preseason" }, { "003", "all_star" }, { "004", "playoffs" },
		{ "005", "play_in" }, { "006", "cup_final" },
	};

	if (strncmp(nba_id, "002", 3) == 0)
		return pgs_regular_game_type(days);
	for (size_t i = 0; i < sizeof(prefix) / sizeof(prefix[0]); i++)
		if (strncmp(nba_id, prefix[i][0], 3) == 0)
			return prefix[i][1];
	return NULL;
}
