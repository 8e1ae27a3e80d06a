/* The one sanitiser for text that came from a package, the registry or the stager
 * and goes to a prompt, a terminal or a log: one line, printable, bounded. */
#ifndef NS_SANITIZE_H
#define NS_SANITIZE_H

#include <stddef.h>

/* Length of the valid, shortest-form UTF-8 sequence at s (1..4), or 0 when the
 * bytes there are not one (s is NUL-terminated; a NUL ends any sequence). */
size_t ns_utf8_len(const unsigned char *s);

/* Copies src into dst (cap bytes, always NUL-terminated when cap > 0) as one
 * printable line: C0 controls and DEL become \n \r \t or \xHH, C1 controls and the
 * characters that move or reorder text (U+2028, U+2029, U+200E, U+200F, U+061C,
 * U+202A..U+202E, U+2066..U+2069) become \uHHHH, bytes of invalid UTF-8 become
 * \xHH, and a run of 8 or more spaces becomes "<N spaces>" (so that nothing hides
 * behind one). Escapes and characters are never cut; text that does not fit ends in "...".
 * Nothing attacker-chosen can start a new line, clear a screen or move the cursor. */
void ns_sanitize(char *dst, size_t cap, const char *src);

#endif
