/*
 * sumcheck.h — is a JSON object a valid summary row (MANUAL "Summary row",
 * the table player_game_summary)?
 *
 * The other half of the row contracts (lib/rawcheck.h has the raw one), for
 * every boundary that takes summary rows: pgs-write before it lands one,
 * pgs-validate on what it reads.  The row is borrowed and not modified;
 * nothing is allocated; never prints or exits.  Bounds: MANUAL.md "Row
 * contracts".
 */
#ifndef PGS_SUMCHECK_H
#define PGS_SUMCHECK_H

#include <jansson.h>
#include <stddef.h>

/* team_points and opponent_points: a team's score (the record is 186). */
#define PGS_MAX_TEAM_POINTS 400
/* usage_rate: legitimately far above 100 after a few seconds on the floor (flagged, kept). */
#define PGS_MAX_USAGE_RATE 1000000.0
/* points_line: a bookmaker's points line; margin is points - line. */
#define PGS_MAX_POINTS_LINE 200.0
/* sources_seen and quality_issues: at most this many strings of at most 32 bytes. */
#define PGS_MAX_LIST 16

/*
 * Check row against the summary-row contract:
 *  - every field of pgs_summary_fields of the right JSON type when present
 *    and not null (text a string, counts integers, decimals numbers, flags
 *    booleans, sources_seen/quality_issues arrays); the required ones
 *    (player_lookup, player_full_name, game_id, game_date, season_year,
 *    game_type, team_abbr, opponent_team_abbr) present, text non-empty;
 *  - no text with a NUL, none longer than its bound; player_lookup [a-z0-9];
 *  - game_date a real date, season_year its season, game_type an enum, the
 *    teams two different NBA tricodes, game_id YYYYMMDD_AWAY_HOME of the date
 *    and the teams (the way round home_game says, when given);
 *  - counts within the raw bounds, FGM <= FGA, 3PM <= 3PA, 3PM <= FGM,
 *    FTM <= FTA, the points and rebounds identities; seconds_played
 *    0..PGS_MAX_SECONDS and minutes_played its value in minutes to 1 dp
 *    (both null or neither);
 *  - efg_pct and ts_pct in 0..1.5, usage_rate in 0..PGS_MAX_USAGE_RATE;
 *  - the enums player_status, dnp_reason_category, over_under_result,
 *    data_quality_tier, registry_status; is_active and is_dnp agree with
 *    player_status; win_flag with the two teams' points;
 *  - points_line 0..PGS_MAX_POINTS_LINE; over_under_result and margin agree
 *    with points and the line;
 *  - primary_source_used and each of sources_seen a source name, quality_issues
 *    short [a-z_] codes; data_hash 16 lowercase hex digits; processed_at an
 *    ISO-8601 UTC timestamp.
 * Fields not in the contract are ignored.  Returns 0, or -1 with a short
 * reason in why ("three_pt_makes 5 > fg_makes 4", "missing game_id").
 */
int pgs_summary_check(json_t *row, char *why, size_t whylen);
/* The same, with the row's value of each contract field already found: cols[i] is row's
 * value of pgs_summary_fields[i], NULL when absent (as pgs_field_values() finds them). */
int pgs_summary_check_cols(json_t *row, json_t *const *cols, char *why, size_t whylen);

#endif
