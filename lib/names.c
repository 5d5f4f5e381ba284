/* names.c — player_lookup normalization (see names.h). */
#include <limits.h>
#include <stdlib.h>
#include <string.h>

#include <utf8proc.h>

#include "names.h"

/* Letters that NFKD leaves alone but that a reader sees as an accented Latin letter.
 * Applied after case folding, so only the lowercase forms can occur; the uppercase
 * forms are listed anyway in case a future utf8proc folds differently. */
static const struct {
	utf8proc_int32_t cp;
	const char *ascii;
} nodecomp[] = {
	{ 0x0131, "i" },  /* ı dotless i */
	{ 0x00F8, "o" },  { 0x00D8, "o" },   /* ø Ø */
	{ 0x0111, "d" },  { 0x0110, "d" },   /* đ Đ */
	{ 0x0142, "l" },  { 0x0141, "l" },   /* ł Ł */
	{ 0x00E6, "ae" }, { 0x00C6, "ae" },  /* æ Æ */
	{ 0x0153, "oe" }, { 0x0152, "oe" },  /* œ Œ */
	{ 0x00FE, "th" }, { 0x00DE, "th" },  /* þ Þ */
	{ 0x00F0, "d" },  { 0x00D0, "d" },   /* ð Ð */
};

static const char *suffixes[] = { "jr", "sr", "ii", "iii", "iv", "v" };

static const char *
nodecomp_ascii(utf8proc_int32_t cp)
{
	size_t i;

	for (i = 0; i < sizeof(nodecomp) / sizeof(nodecomp[0]); i++)
		if (nodecomp[i].cp == cp)
			return nodecomp[i].ascii;
	return NULL;
}

/* Normalize len bytes of s into out. Same contract as pgs_player_lookup. */
static int
normalize(const char *s, size_t len, char *out, size_t cap)
{
	utf8proc_uint8_t *folded = NULL;
	utf8proc_ssize_t flen, i, step;
	utf8proc_int32_t cp;
	const char *rep;
	size_t n = 0, rlen;
	int ret = -1;

	if (cap > 0)
		out[0] = '\0';
	if (s == NULL || cap == 0 || len > (size_t)INT_MAX)
		return -1;
	/* STRIPMARK drops the combining marks NFKD splits off (ć → c + U+0301 → c);
	 * CASEFOLD does full folding (ß → ss, İ → i + U+0307 → i). */
	flen = utf8proc_map((const utf8proc_uint8_t *)s, (utf8proc_ssize_t)len, &folded,
	    UTF8PROC_STABLE | UTF8PROC_COMPAT | UTF8PROC_DECOMPOSE |
	    UTF8PROC_STRIPMARK | UTF8PROC_CASEFOLD);
	if (flen < 0)
		return -1;
	for (i = 0; i < flen; i += step) {
		step = utf8proc_iterate(folded + i, flen - i, &cp);
		if (step <= 0)
			goto out;
		if ((cp >= 'a' && cp <= 'z') || (cp >= '0' && cp <= '9')) {
			if (n + 1 >= cap)
				goto out;
			out[n++] = (char)cp;
			continue;
		}
		if (cp >= 'A' && cp <= 'Z') {	/* casefold already did this */
			if (n + 1 >= cap)
				goto out;
			out[n++] = (char)(cp - 'A' + 'a');
			continue;
		}
		if ((rep = nodecomp_ascii(cp)) != NULL) {
			rlen = strlen(rep);
			if (n + rlen >= cap)
				goto out;
			memcpy(out + n, rep, rlen);
			n += rlen;
		}
	}
	out[n] = '\0';
	ret = (int)n;
out:
	if (ret < 0)
		out[0] = '\0';
	free(folded);
	return ret;
}

int
pgs_player_lookup(const char *name, char *out, size_t cap)
{
	if (name == NULL) {
		if (cap > 0)
			out[0] = '\0';
		return -1;
	}
	return normalize(name, strlen(name), out, cap);
}

static int
is_separator(utf8proc_int32_t cp)
{
	if (cp == ',' || cp == ' ' || (cp >= '\t' && cp <= '\r'))
		return 1;
	return utf8proc_category(cp) == UTF8PROC_CATEGORY_ZS;
}

static int
is_suffix(const char *norm)
{
	size_t i;

	for (i = 0; i < sizeof(suffixes) / sizeof(suffixes[0]); i++)
		if (strcmp(norm, suffixes[i]) == 0)
			return 1;
	return 0;
}

int
pgs_player_lookup_nosuffix(const char *name, char *out, size_t cap)
{
	const utf8proc_uint8_t *p;
	utf8proc_ssize_t len, i, step;
	utf8proc_int32_t cp;
	size_t start = 0, last_start = 0;
	int in_word = 0, last_is_suffix = 0, r;
	char tok[8];	/* longer than any suffix: a word that does not fit is not one */

	if (cap > 0)
		out[0] = '\0';
	if (name == NULL)
		return -1;

	/* Find the last word whose normalization is not empty and whether it is a suffix.
	 * The walk also rejects invalid UTF-8, as pgs_player_lookup would. */
	p = (const utf8proc_uint8_t *)name;
	len = (utf8proc_ssize_t)strlen(name);
	for (i = 0; i <= len; i += step) {
		if (i == len) {
			cp = ' ';	/* closes the last word */
			step = 1;
		} else if ((step = utf8proc_iterate(p + i, len - i, &cp)) <= 0)
			return -1;
		if (!is_separator(cp)) {
			if (!in_word)
				start = (size_t)i;
			in_word = 1;
			continue;
		}
		if (!in_word)
			continue;
		in_word = 0;
		r = normalize(name + start, (size_t)i - start, tok, sizeof(tok));
		if (r == 0)
			continue;	/* "*", "-", "." */
		last_start = start;
		last_is_suffix = r > 0 && is_suffix(tok);
	}
	if (last_is_suffix) {
		r = normalize(name, last_start, out, cap);
		if (r != 0)
			return r;
		/* nothing before the suffix: the name is only "Jr.", keep it */
	}
	return pgs_player_lookup(name, out, cap);
}

int
pgs_is_player_lookup(const char *s, size_t max)
{
	size_t n;

	if (s == NULL || *s == '\0')
		return 0;
	for (n = 0; s[n]; n++)
		if (n >= max || !((s[n] >= 'a' && s[n] <= 'z') || (s[n] >= '0' && s[n] <= '9')))
			return 0;
	return 1;
}
