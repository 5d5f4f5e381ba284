/*
 * teams.h — team codes and the canonical game id.
 *
 * Ownership: pgs_team_tricode returns a pointer to static storage that lives for the whole
 * program; never free or modify it. pgs_game_id writes into the caller's buffer.
 * Never print or exit.
 */
#ifndef PGS_TEAMS_H
#define PGS_TEAMS_H

#include <stddef.h>

/* Map a team code from any source to the NBA tricode: BRK→BKN, CHO→CHA, PHO→PHX, plus historical NJN→BKN, NOH/NOK→NOP,
 * SEA→OKC, CHH→CHA, VAN→MEM, also "GS"→GSW, "NO"→NOP, "NY"→NYK, "SA"→SAS, "UTAH"→UTA, "WSH"→WAS (ASCII
 * case-insensitive, no blanks allowed); a current tricode maps to itself. Returns a static string, or NULL when
 * the code is unknown (or NULL). */
const char *pgs_team_tricode(const char *code);

/* 1 when code is a current NBA tricode exactly as the contract wants it ("BKN"; not "BRK",
 * "bkn" or NULL).  Fast: a table lookup, for checks that run on every row. */
int pgs_team_is_tricode(const char *code);

/* Canonical game id "YYYYMMDD_AWAY_HOME" into out (cap >= 17); away and home go through pgs_team_tricode.
 * Returns 0, or -1 when a tricode is unknown, cap is too small or the year is not 4 digits (out is then ""
 * when cap > 0). */
int pgs_game_id(long days, const char *away, const char *home, char *out, size_t cap);
/*
 * The game id YYYYMMDD_AWAY_HOME of a YYYY-MM-DD date and two 3-letter
 * codes, into out (17 bytes), as they are: nothing is checked.  For callers
 * that have checked them already (pgs_game_id, the raw-row check).
 */
void pgs_game_id_spell(const char *date, const char *away, const char *home, char out[17]);

/* 1 when days is the date of an NBA Cup (In-Season Tournament) final: 2023-12-09, 2024-12-17, 2025-12-16. */
int pgs_is_cup_final_date(long days);
/* 1 when days is a day of NBA Cup quarterfinals or semifinals (no other game is played then). */
int pgs_is_cup_knockout_date(long days);

/*
 * Game types (MANUAL "Rows"): regular, play_in, playoffs, cup_knockout
 * (Cup quarterfinals and semifinals: regular-season games), cup_final (not
 * one), all_star, preseason.
 */
/* The type of a regular-season game dated days: cup_final or cup_knockout on a Cup date, else regular. */
const char *pgs_regular_game_type(long days);
/* A source's or a season's label (regular_season, playin, Play-In, playoff, nba_cup_semi, ...)
 * as the normalized type (static), NULL when unknown. */
const char *pgs_game_type_norm(const char *label);
/* 1 when a normalized type counts toward the regular season, 0 when not, -1 unknown. */
int pgs_game_type_counts_regular(const char *type);
/* 1 for the types kept out of the table by default (all_star, preseason). */
int pgs_game_type_excluded(const char *type);
/* The type a stats.nba.com game id (0022300001) encodes, NULL for an unknown prefix. */
const char *pgs_game_type_from_id(const char *nba_id, long days);

#endif
