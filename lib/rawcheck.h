/*
 * rawcheck.h — is a JSON object a valid raw row (SPEC "Raw row")?
 *
 * Shared by every stage that reads raw rows, so the contract is checked the
 * same way everywhere.  The row is borrowed and not modified; nothing is
 * allocated; never prints or exits: the caller turns a failure into a reject.
 */
#ifndef PGS_RAWCHECK_H
#define PGS_RAWCHECK_H

#include <jansson.h>
#include <stddef.h>

/*
 * Check row against the raw-row contract: every required field of
 * pgs_raw_fields present and not null (text non-empty); each field of the
 * right JSON type when present (counts integers, starter a bool, minutes a
 * string); game_date a real date and season_year its season; game_type one
 * of regular/playin/playoffs/cup_final; the four team codes current NBA
 * tricodes, team and opponent being the game's two teams; game_id the
 * canonical YYYYMMDD_AWAY_HOME of date and teams; player_status one of
 * active/dnp/inactive; minutes parseable by pgs_parse_minutes; counts >= 0
 * (plus_minus may be negative); FGM <= FGA, 3PM <= 3PA, 3PM <= FGM,
 * FTM <= FTA.  Fields not in the contract are ignored.
 * Returns 0, or -1 with a short reason in why ("fg_makes 7 > fg_attempts 5",
 * "bad minutes '3a:10'").  If days is not NULL it receives game_date as a
 * day number whenever that date is valid (even when another check fails).
 */
int pgs_raw_check(json_t *row, long *days, char *why, size_t whylen);

#endif
