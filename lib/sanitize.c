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

/* Code points that end a line or reorder what follows them on screen. */
static int
moves_text(unsigned long cp)
{
	return (cp >= 0x80 && cp <= 0x9f) || cp == 0x2028 || cp == 0x2029 || cp == 0x200e ||
	       cp == 0x200f || cp == 0x061c || (cp >= 0x202a && cp <= 0x202e) ||
	       (cp >= 0x2066 && cp <= 0x2069);
}

/* Characters that show as nothing or as blank space: each is escaped as \uHHHH, so
 * that none can push text out of sight or imitate a line of ours (red team: 400
 * U+200B before a payload). */
static int
invisible(unsigned long cp)
{
	return cp == 0xa0 || cp == 0xad || cp == 0x34f || cp == 0x115f || cp == 0x1160 ||
	       cp == 0x17b4 || cp == 0x17b5 || cp == 0x180e || (cp >= 0x2000 && cp <= 0x200d) ||
	       cp == 0x202f || (cp >= 0x205f && cp <= 0x2064) || cp == 0x2800 || cp == 0x3000 ||
	       cp == 0x3164 || cp == 0xfeff || cp == 0xffa0;
}

/* Runs of spaces at least this long are shown as "<N spaces>": a long run pushes
 * what follows it (a payload after "node build.js") past the end of a line or of a
 * bounded quote, where nobody reads it. */
#define SPACE_RUN 8
#define ESC_MAX 32

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
	} else if (*n > 1 && invisible(utf8_decode(s, *n))) {
		size_t k = 1, w = *n;
		unsigned long cp = utf8_decode(s, w);
		/* a run of one invisible character is counted, not repeated */
		while (k < 99999 && s[k * w] != 0 && ns_utf8_len(s + k * w) == w &&
		       memcmp(s + k * w, s, w) == 0)
			k++;
		if (k >= 4) {
			*n = k * w;
			snprintf(esc, ESC_MAX, "<%u x \\u%04lx>", (unsigned)k, cp);
		} else {
			snprintf(esc, ESC_MAX, "\\u%04lx", cp);
		}
	} else if (*n > 1 && moves_text(utf8_decode(s, *n))) {
		snprintf(esc, ESC_MAX, "\\u%04lx", utf8_decode(s, *n));
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
