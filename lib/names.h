/*
 * names.h — player name normalization: the one function every source uses to turn a
 * display name into player_lookup, so that "Nikola Jokić", "Nikola Jokic" and
 * "NIKOLA JOKIC" are one player.
 *
 * Ownership: the caller owns every buffer; nothing is allocated that outlives a call.
 * Both functions are thread-safe and never print or exit.
 */
#ifndef PGS_NAMES_H
#define PGS_NAMES_H

#include <stddef.h>

/* Normalize a display name to player_lookup: Unicode NFKD via utf8proc, drop combining marks,
 * case fold (ß→ss, Turkish dotless ı and İ → i), map letters without a decomposition
 * (ø→o, đ→d, ł→l, æ→ae, œ→oe, þ→th, ð→d), then keep only [a-z0-9]. Suffixes are kept:
 * "Nikola Jokić"→"nikolajokic", "Kelly Oubre Jr."→"kellyoubrejr", "P.J. Tucker"→"pjtucker".
 * Writes a NUL-terminated result to out (cap bytes). Returns its length, or -1 when name is
 * not valid UTF-8 or the result does not fit (out is then "" when cap > 0).
 * An empty result (e.g. "---") returns 0. */
int pgs_player_lookup(const char *name, char *out, size_t cap);

/* Same as pgs_player_lookup but also strips a trailing generational suffix token
 * (jr, sr, ii, iii, iv, v) that was a separate word in the name: "Marcus Morris Sr."→"marcusmorris".
 * Words are separated by white space (any Unicode space) and commas; trailing words that
 * normalize to nothing ("*", "-") are skipped. A name that is nothing but a suffix keeps it. */
int pgs_player_lookup_nosuffix(const char *name, char *out, size_t cap);

/* 1 when s has the shape of a player_lookup: 1..max bytes, all of [a-z0-9]. */
int pgs_is_player_lookup(const char *s, size_t max);

#endif
