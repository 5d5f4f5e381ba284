/* dnp.c — DNP reason text → category, by word matching. */
#include "dnp.h"

#include <stddef.h>
#include <string.h>

#define MAXWORDS 32
#define WORDLEN 24

/* Lowercased ASCII words of s (letters only), so "Injury/Illness" and
 * "Coach's" split predictably; words longer than WORDLEN-1 are cut. */
static int
split_words(const char *s, char w[MAXWORDS][WORDLEN])
{
	int n = 0;
	size_t k = 0;

	for (;; s++) {
		int c = (unsigned char)*s;
		int letter = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');

		if (letter) {
			if (k < WORDLEN - 1 && n < MAXWORDS)
				w[n][k++] = (char)(c | 0x20);
			continue;
		}
		if (k > 0) {
			w[n++][k] = '\0';
			k = 0;
		}
		if (c == '\0' || n == MAXWORDS)
			return n;
	}
}

static int
has_word(char w[MAXWORDS][WORDLEN], int n, const char *const *set)
{
	for (int i = 0; i < n; i++)
		for (const char *const *p = set; *p; p++)
			if (strcmp(w[i], *p) == 0)
				return 1;
	return 0;
}

/* Two consecutive words a b. */
static int
has_pair(char w[MAXWORDS][WORDLEN], int n, const char *a, const char *b)
{
	for (int i = 0; i + 1 < n; i++)
		if (strcmp(w[i], a) == 0 && strcmp(w[i + 1], b) == 0)
			return 1;
	return 0;
}

static const char *const suspension_words[] = { "suspended", "suspension", "suspend", NULL };
static const char *const injury_words[] = {
	"injury", "injured", "illness", "ill", "sick", "sprain", "sprained", "strain", "strained",
	"surgery", "concussion", "soreness", "sore", "contusion", "fracture", "fractured", "tendinitis",
	"tendonitis", "tear", "torn", "bruise", "bruised", "spasms", "inflammation", "knee", "ankle",
	"hamstring", "foot", "back", "hip", "wrist", "shoulder", "calf", "groin", "achilles",
	"protocol", "protocols", "covid", "recovery", "rehab", "reconditioning", NULL
};
static const char *const personal_words[] = { "personal", "family", "bereavement", NULL };
static const char *const rest_words[] = { "rest", "resting", NULL };
static const char *const nwt_words[] = { "nwt", "league", "assigned", "assignment", "twoway", NULL };
static const char *const coach_words[] = { "coach", "coaches", "coaching", NULL };

const char *
pgs_dnp_category(const char *reason)
{
	char w[MAXWORDS][WORDLEN];
	int n;

	if (!reason)
		return NULL;
	n = split_words(reason, w);
	if (n == 0)
		return NULL;
	/* most specific first: "DNP - Injury/Illness" is an injury, not a coach's call */
	if (has_word(w, n, suspension_words))
		return "suspension";
	if (has_word(w, n, injury_words) || has_pair(w, n, "health", "safety"))
		return "injury";
	if (has_word(w, n, personal_words))
		return "personal";
	if (has_word(w, n, rest_words) || has_pair(w, n, "load", "management"))
		return "rest";
	if (has_word(w, n, nwt_words) || has_pair(w, n, "with", "team") || has_pair(w, n, "two", "way"))
		return "not_with_team";
	/* bbref prints a coach's decision as plain "Did Not Play" */
	if (has_word(w, n, coach_words) || has_pair(w, n, "not", "play"))
		return "coach_decision";
	return "other";
}
