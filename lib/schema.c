/* schema.c — the field tables of the raw and summary rows (MANUAL "Rows"). */
#include "schema.h"

#include <string.h>

const struct pgs_field pgs_raw_fields[] = {
	{ "game_id", PGS_T_TEXT, 1, 1 },
	{ "game_date", PGS_T_DATE, 1, 1 },
	{ "season_year", PGS_T_INT, 1, 1 },
	{ "game_type", PGS_T_TEXT, 1, 1 },
	/* false: the source says the game is not over (its rows are provisional); null: the
	 * source does not say, which is read as final (MANUAL "Provisional rows") */
	{ "is_final", PGS_T_BOOL, 1, 0 },
	{ "home_team_abbr", PGS_T_TEXT, 1, 1 },
	{ "away_team_abbr", PGS_T_TEXT, 1, 1 },
	{ "team_abbr", PGS_T_TEXT, 1, 1 },
	{ "opponent_team_abbr", PGS_T_TEXT, 1, 1 },
	{ "source", PGS_T_TEXT, 1, 1 },
	{ "source_game_id", PGS_T_TEXT, 1, 0 },
	{ "source_player_id", PGS_T_TEXT, 1, 0 },
	{ "player_name", PGS_T_TEXT, 1, 1 },
	{ "player_status", PGS_T_TEXT, 1, 1 },
	{ "dnp_reason", PGS_T_TEXT, 1, 0 },
	{ "starter", PGS_T_BOOL, 1, 0 },
	{ "minutes", PGS_T_TEXT, 1, 0 },
	{ "points", PGS_T_INT, 1, 0 },
	{ "fg_makes", PGS_T_INT, 1, 0 },
	{ "fg_attempts", PGS_T_INT, 1, 0 },
	{ "three_pt_makes", PGS_T_INT, 1, 0 },
	{ "three_pt_attempts", PGS_T_INT, 1, 0 },
	{ "ft_makes", PGS_T_INT, 1, 0 },
	{ "ft_attempts", PGS_T_INT, 1, 0 },
	{ "offensive_rebounds", PGS_T_INT, 1, 0 },
	{ "defensive_rebounds", PGS_T_INT, 1, 0 },
	{ "total_rebounds", PGS_T_INT, 1, 0 },
	{ "assists", PGS_T_INT, 1, 0 },
	{ "steals", PGS_T_INT, 1, 0 },
	{ "blocks", PGS_T_INT, 1, 0 },
	{ "turnovers", PGS_T_INT, 1, 0 },
	{ "personal_fouls", PGS_T_INT, 1, 0 },
	{ "plus_minus", PGS_T_INT, 1, 0 },
};
const size_t pgs_raw_nfields = sizeof(pgs_raw_fields) / sizeof(pgs_raw_fields[0]);

const struct pgs_field pgs_summary_fields[] = {
	/* identity */
	{ "player_lookup", PGS_T_TEXT, 1, 1 },
	{ "universal_player_id", PGS_T_TEXT, 1, 0 },
	{ "player_full_name", PGS_T_TEXT, 1, 1 },
	{ "game_id", PGS_T_TEXT, 1, 1 },
	{ "game_date", PGS_T_DATE, 1, 1 },
	{ "season_year", PGS_T_INT, 1, 1 },
	{ "game_type", PGS_T_TEXT, 1, 1 },
	{ "counts_toward_regular_season", PGS_T_BOOL, 1, 0 },
	{ "is_final", PGS_T_BOOL, 1, 0 },
	{ "team_abbr", PGS_T_TEXT, 1, 1 },
	{ "opponent_team_abbr", PGS_T_TEXT, 1, 1 },
	{ "home_game", PGS_T_BOOL, 1, 0 },
	/* box score */
	{ "points", PGS_T_INT, 1, 0 },
	{ "minutes_played", PGS_T_REAL, 1, 0 },
	{ "seconds_played", PGS_T_INT, 1, 0 },
	{ "fg_makes", PGS_T_INT, 1, 0 },
	{ "fg_attempts", PGS_T_INT, 1, 0 },
	{ "three_pt_makes", PGS_T_INT, 1, 0 },
	{ "three_pt_attempts", PGS_T_INT, 1, 0 },
	{ "ft_makes", PGS_T_INT, 1, 0 },
	{ "ft_attempts", PGS_T_INT, 1, 0 },
	{ "offensive_rebounds", PGS_T_INT, 1, 0 },
	{ "defensive_rebounds", PGS_T_INT, 1, 0 },
	{ "total_rebounds", PGS_T_INT, 1, 0 },
	{ "assists", PGS_T_INT, 1, 0 },
	{ "steals", PGS_T_INT, 1, 0 },
	{ "blocks", PGS_T_INT, 1, 0 },
	{ "turnovers", PGS_T_INT, 1, 0 },
	{ "personal_fouls", PGS_T_INT, 1, 0 },
	{ "plus_minus", PGS_T_INT, 1, 0 },
	/* efficiency */
	{ "efg_pct", PGS_T_REAL, 1, 0 },
	{ "ts_pct", PGS_T_REAL, 1, 0 },
	{ "usage_rate", PGS_T_REAL, 1, 0 },
	/* availability */
	{ "is_active", PGS_T_BOOL, 1, 0 },
	{ "player_status", PGS_T_TEXT, 1, 0 },
	{ "is_dnp", PGS_T_BOOL, 1, 0 },
	{ "dnp_reason", PGS_T_TEXT, 1, 0 },
	{ "dnp_reason_category", PGS_T_TEXT, 1, 0 },
	/* game result */
	{ "starter_flag", PGS_T_BOOL, 1, 0 },
	{ "win_flag", PGS_T_BOOL, 1, 0 },
	{ "team_points", PGS_T_INT, 1, 0 },
	{ "opponent_points", PGS_T_INT, 1, 0 },
	/* props */
	{ "points_line", PGS_T_REAL, 1, 0 },
	{ "points_line_source", PGS_T_TEXT, 1, 0 },
	{ "over_under_result", PGS_T_TEXT, 1, 0 },
	{ "margin", PGS_T_REAL, 1, 0 },
	/* quality */
	{ "primary_source_used", PGS_T_TEXT, 1, 0 },
	{ "sources_seen", PGS_T_JSON, 1, 0 },
	{ "data_quality_tier", PGS_T_TEXT, 1, 0 },
	{ "quality_issues", PGS_T_JSON, 1, 0 },
	{ "registry_status", PGS_T_TEXT, 1, 0 },
	/* lineage */
	{ "data_hash", PGS_T_TEXT, 0, 0 },
	{ "processed_at", PGS_T_TEXT, 0, 0 },
};
const size_t pgs_summary_nfields = sizeof(pgs_summary_fields) / sizeof(pgs_summary_fields[0]);

const char *const pgs_stat_fields[] = {
	"points", "fg_makes", "fg_attempts", "three_pt_makes", "three_pt_attempts",
	"ft_makes", "ft_attempts", "offensive_rebounds", "defensive_rebounds",
	"total_rebounds", "assists", "steals", "blocks", "turnovers",
	"personal_fouls", "plus_minus",
};
const size_t pgs_stat_nfields = sizeof(pgs_stat_fields) / sizeof(pgs_stat_fields[0]);

const struct pgs_field *
pgs_field_find(const struct pgs_field *f, size_t n, const char *name)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(f[i].name, name) == 0)
			return &f[i];
	return NULL;
}
