/*
 * dnp.h — why a player did not play: the source's free text mapped to the
 * dnp_reason_category of a summary row.
 *
 * Ownership: returns pointers to static strings; never free them.  Pure: no
 * allocation, never prints or exits.
 */
#ifndef PGS_DNP_H
#define PGS_DNP_H

/*
 * Map a DNP/inactive reason as a source printed it to one of "injury", "rest",
 * "personal", "coach_decision", "suspension", "not_with_team", "other".
 * Matching is by ASCII case-insensitive words, most specific first:
 *   suspension      "Player Suspended", "Suspension"
 *   injury          "Injury/Illness - Left Ankle; Sprain", "Health and Safety Protocols", …
 *   personal        "Personal Reasons", "Family"
 *   rest            "Rest", "Load Management"
 *   not_with_team   "Not With Team", "NWT", "G League - Two-Way", "Assigned"
 *   coach_decision  "DNP - Coach's Decision", bbref "Did Not Play"
 *   other           anything else, e.g. bbref "Did Not Dress", "Inactive"
 * NULL or blank text returns NULL: there is no reason to classify.
 */
const char *pgs_dnp_category(const char *reason);

#endif
