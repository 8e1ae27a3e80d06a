#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sanitize.h"

size_t
ns_utf8_len(const unsigned char *s)
{
	if (s[0] < 0x80)
		return 1;
	if (s[0] >= 0xc2 && s[0] <= 0xdf)
		return (s[1] & 0xc0) == 0x80 ? 2 : 0;
	if (s[0] >= 0xe0 && s[0] <= 0xef) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xe0 && s[1] < 0xa0)
			return 0; /* overlong */
		if (s[0] == 0xed && s[1] >= 0xa0)
			return 0; /* surrogate */
		return 3;
	}
	if (s[0] >= 0xf0 && s[0] <= 0xf4) {
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 || (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0; /* overlong */
		if (s[0] == 0xf4 && s[1] >= 0x90)
			return 0; /* beyond U+10FFFF */
		return 4;
	}
	return 0;
}

static unsigned long
utf8_decode(const unsigned char *s, size_t n)
{
	if (n == 2)
		return ((s[0] & 0x1fUL) << 6) | (s[1] & 0x3f);
	if (n == 3)
		return ((s[0] & 0x0fUL) << 12) | ((s[1] & 0x3fUL) << 6) | (s[2] & 0x3f);
	return ((s[0] & 0x07UL) << 18) | ((s[1] & 0x3fUL) << 12) | ((s[2] & 0x3fUL) << 6) |
	       (s[3] & 0x3f);
}

/* Code points escaped as \\uHHHH because a terminal shows them as nothing, as blank
 * space, or not as themselves: they end a line, reorder what follows, or hide text so
 * that a payload slips out of sight or a line imitates one of ours (red team: 400 U+200B,
 * then 300 TAG characters, before "||payload"). Chosen by property, not by hand:
 * Default_Ignorable_Code_Point (DerivedCoreProperties.txt) and the general categories
 * Cc, Cf, Cs, Co, Zs, Zl, Zp (UnicodeData.txt) and Noncharacter_Code_Point
 * (PropList.txt) of Unicode 14.0, U+0080 and up, plus U+2800 BRAILLE PATTERN BLANK and
 * the Egyptian format controls U+13439..U+1343F (Cf since Unicode 15.0). Default
 * ignorables include the unassigned U+2065, U+FFF0..U+FFF8 and U+E0000..U+E0FFF, so
 * characters later assigned there are escaped too. Sorted, for a binary search. */
static const struct {
	unsigned long lo, hi;
} escaped[] = {
	{ 0x0080, 0x00a0 }, { 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x0600, 0x0605 },
	{ 0x061c, 0x061c }, { 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
	{ 0x08e2, 0x08e2 }, { 0x115f, 0x1160 }, { 0x1680, 0x1680 }, { 0x17b4, 0x17b5 },
	{ 0x180b, 0x180f }, { 0x2000, 0x200f }, { 0x2028, 0x202f }, { 0x205f, 0x206f },
	{ 0x2800, 0x2800 }, { 0x3000, 0x3000 }, { 0x3164, 0x3164 }, { 0xd800, 0xf8ff },
	{ 0xfdd0, 0xfdef }, { 0xfe00, 0xfe0f }, { 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 },
	{ 0xfff0, 0xfffb }, { 0xfffe, 0xffff }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
	{ 0x13430, 0x1343f }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a }, { 0x1fffe, 0x1ffff },
	{ 0x2fffe, 0x2ffff }, { 0x3fffe, 0x3ffff }, { 0x4fffe, 0x4ffff }, { 0x5fffe, 0x5ffff },
	{ 0x6fffe, 0x6ffff }, { 0x7fffe, 0x7ffff }, { 0x8fffe, 0x8ffff }, { 0x9fffe, 0x9ffff },
	{ 0xafffe, 0xaffff }, { 0xbfffe, 0xbffff }, { 0xcfffe, 0xcffff }, { 0xdfffe, 0xe0fff },
	{ 0xefffe, 0x10ffff },
};

static int
escaped_cp(unsigned long cp)
{
	size_t lo = 0, hi = sizeof(escaped) / sizeof(escaped[0]);

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (cp < escaped[mid].lo)
			hi = mid;
		else if (cp > escaped[mid].hi)
			lo = mid + 1;
		else
			return 1;
	}
	return 0;
}

/* Runs of spaces at least this long are shown as "<N spaces>": a long run pushes
 * what follows it (a payload after "node build.js") past the end of a line or of a
 * bounded quote, where nobody reads it. */
#define SPACE_RUN 8
#define ESC_MAX 48

/* The output for the text at s: either the n input bytes themselves (*piece = s) or
 * an escape in esc. Returns its length. */
static size_t
next_piece(const unsigned char *s, char esc[ESC_MAX], const char **piece, size_t *n)
{
	size_t run = strspn((const char *)s, " ");

	*n = ns_utf8_len(s);
	if (run >= SPACE_RUN) {
		*n = run > 99999 ? 99999 : run; /* a longer run continues as another */
		snprintf(esc, ESC_MAX, "<%u spaces>", (unsigned)*n);
	} else if (*n == 0) {
		*n = 1;
		snprintf(esc, ESC_MAX, "\\x%02x", s[0]);
	} else if (*n == 1 && s[0] == '\n') {
		memcpy(esc, "\\n", 3);
	} else if (*n == 1 && s[0] == '\r') {
		memcpy(esc, "\\r", 3);
	} else if (*n == 1 && s[0] == '\t') {
		memcpy(esc, "\\t", 3);
	} else if (*n == 1 && (s[0] < 0x20 || s[0] == 0x7f)) {
		snprintf(esc, ESC_MAX, "\\x%02x", s[0]);
	} else if (*n > 1 && escaped_cp(utf8_decode(s, *n))) {
		unsigned long cp = utf8_decode(s, *n), low = cp, high = cp, c;
		size_t k = 1, at = *n, w;
		int same = 1;

		/* a run of escaped code points is counted, not repeated: "<N x \uHHHH>"
		 * for one character, "<N invisible \uLOW-\uHIGH>" for a mix */
		while (k < 99999 && (w = ns_utf8_len(s + at)) > 1 &&
		       escaped_cp(c = utf8_decode(s + at, w))) {
			same = same && c == cp;
			low = c < low ? c : low;
			high = c > high ? c : high;
			at += w;
			k++;
		}
		if (k < 4)
			snprintf(esc, ESC_MAX, "\\u%04lx", cp);
		else if (same)
			snprintf(esc, ESC_MAX, "<%u x \\u%04lx>", (unsigned)k, cp);
		else
			snprintf(esc, ESC_MAX, "<%u invisible \\u%04lx-\\u%04lx>", (unsigned)k, low,
			    high);
		if (k >= 4)
			*n = at;
	} else {
		*piece = (const char *)s;
		return *n;
	}
	*piece = esc;
	return strlen(esc);
}

void
ns_sanitize(char *dst, size_t cap, const char *src)
{
	const unsigned char *start = (const unsigned char *)(src != NULL ? src : ""), *s;
	char esc[ESC_MAX];
	const char *piece;
	size_t o = 0, n, len, total = 0;

	if (cap == 0)
		return;
	for (s = start; *s != '\0' && total < cap; s += n)
		total += next_piece(s, esc, &piece, &n);
	for (s = start; *s != '\0'; s += n) {
		len = next_piece(s, esc, &piece, &n);
		/* when it does not all fit, keep room for "..." */
		if (o + len + (total < cap ? 0 : 3) >= cap) {
			if (o + 3 < cap) { /* always but for cap < 4 */
				memcpy(dst + o, "...", 3);
				o += 3;
			}
			break;
		}
		memcpy(dst + o, piece, len);
		o += len;
	}
	dst[o] = '\0';
}

size_t
ns_sanitized_len(const char *src)
{
	const unsigned char *s = (const unsigned char *)(src != NULL ? src : "");
	char esc[ESC_MAX];
	const char *piece;
	size_t n, total = 0;

	for (; *s != '\0'; s += n)
		total += next_piece(s, esc, &piece, &n);
	return total;
}
