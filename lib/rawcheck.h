/*
 * rawcheck.h — is a JSON object a valid raw row (MANUAL "Raw row", "Row contracts")?
 *
 * Shared by every stage that reads raw rows, so the contract is checked the
 * same way everywhere: pgs-extract on every row it emits, pgs-transform
 * (lib/summary.c) on every row it reads, pgs-write before it lands a row in
 * raw_boxscores.  The row is borrowed and not modified; nothing is
 * allocated; never prints or exits: the caller turns a failure into a reject.
 *
 * The bounds below are the ones MANUAL.md "Row contracts" documents; they are
 * there to stop garbage (a count near 2^63 that overflows a team total, 99999999
 * minutes, a megabyte "name") at the first boundary, not to judge real games,
 * so each is far above anything the NBA has seen.  lib/sumcheck.c applies the
 * same count bounds to summary rows.
 */
#ifndef PGS_RAWCHECK_H
#define PGS_RAWCHECK_H

#include <jansson.h>
#include <stddef.h>

/* A player's time in one game: 90 minutes (48 + 8 overtimes; the longest game ever had 6). */
#define PGS_MAX_SECONDS (90L * 60L)
/* Bytes of a name or reason as printed (player_name, player_full_name, dnp_reason). */
#define PGS_MAX_NAME_BYTES 200
/* Bytes of player_lookup and universal_player_id (a 200-byte name can fold to more). */
#define PGS_MAX_LOOKUP_BYTES 255
/* Bytes of a source name: 1..32 of [a-z0-9_-] ("bbref", "nbacom", "nbastats"). */
#define PGS_MAX_SOURCE_BYTES 32
/* Bytes of source_game_id and source_player_id. */
#define PGS_MAX_SOURCE_ID_BYTES 64
/* Bytes of a minutes string as printed ("36:11", "PT34M12.00S"). */
#define PGS_MAX_MINUTES_BYTES 32

/*
 * The plausible range of a counting stat of one player in one game (points,
 * fg_makes, …, plus_minus: the names of pgs_stat_fields).  Returns 0 with
 * *lo and *hi set, or -1 when field is not a counting stat.
 */
int pgs_count_bounds(const char *field, long *lo, long *hi);

/*
 * Check row against the raw-row contract: every required field of
 * pgs_raw_fields present and not null (text non-empty); each field of the
 * right JSON type when present (counts integers, starter a bool, minutes a
 * string); no text with a NUL in it, none longer than its bound; game_date a
 * real date and season_year its season; game_type one of
 * regular/playin/playoffs/cup_final; the four team codes current NBA
 * tricodes, team and opponent being the game's two teams; game_id the
 * canonical YYYYMMDD_AWAY_HOME of date and teams; source a short
 * [a-z0-9_-] name; player_status one of active/dnp/inactive; player_name
 * one that pgs_player_lookup() normalizes to something (unless the row has
 * a player_lookup already); minutes
 * parseable by pgs_parse_minutes and at most PGS_MAX_SECONDS; every count
 * within pgs_count_bounds (so >= 0, plus_minus excepted); FGM <= FGA,
 * 3PM <= 3PA, 3PM <= FGM, FTM <= FTA; points <= 3*FGA + FTA (so ts_pct <= 1.5),
 * points = 2*FGM + 3PM + FTM and
 * total_rebounds = offensive + defensive (where all of them are given:
 * true of every row of the 2021-24 data).  The fields pgs-resolve adds are
 * checked when present and not null: player_lookup non-empty [a-z0-9],
 * universal_player_id non-empty, registry_status one of
 * resolved/alias/new/unresolved.  Other fields are ignored.
 * Returns 0, or -1 with a short reason in why ("fg_makes 7 > fg_attempts 5",
 * "bad minutes '3a:10'").  If days is not NULL it receives game_date as a
 * day number whenever that date is valid (even when another check fails).
 */
int pgs_raw_check(json_t *row, long *days, char *why, size_t whylen);

/*
 * Pieces of the checks, shared with lib/sumcheck.c; each returns 0, or -1
 * with the reason in why.
 */
/* v a string without a NUL character, of at most max bytes. */
int pgs_check_text(json_t *v, const char *name, size_t max, char *why, size_t whylen);
/* v an integer in lo..hi ("negative assists -2" when lo is 0). */
int pgs_check_count(json_t *v, const char *name, long lo, long hi, char *why, size_t whylen);
/* FGM <= FGA, 3PM <= 3PA, 3PM <= FGM, FTM <= FTA, where both sides are integers. */
int pgs_check_shooting(json_t *fgm, json_t *fga, json_t *fg3m, json_t *fg3a, json_t *ftm,
    json_t *fta, char *why, size_t whylen);
/* points <= 3*FGA + FTA, points = 2*FGM + 3PM + FTM and total = offensive + defensive
 * rebounds, each where all its terms are integers. */
int pgs_check_totals(json_t *pts, json_t *fgm, json_t *fg3m, json_t *ftm, json_t *fga, json_t *fta,
    json_t *oreb, json_t *dreb, json_t *treb, char *why, size_t whylen);
/* 1 when s is a source name: 1..PGS_MAX_SOURCE_BYTES bytes of [a-z0-9_-]. */
int pgs_is_source_name(const char *s);

#endif
