/* The one sanitiser for text that came from a package, the registry or the stager
 * and goes to a prompt, a terminal or a log: one line, printable, bounded. */
#ifndef NS_SANITIZE_H
#define NS_SANITIZE_H

#include <stddef.h>

/* Length of the valid, shortest-form UTF-8 sequence at s (1..4), or 0 when the
 * bytes there are not one (s is NUL-terminated; a NUL ends any sequence). */
size_t ns_utf8_len(const unsigned char *s);

/* Copies src into dst (cap bytes, always NUL-terminated when cap > 0) as one
 * printable line: C0 controls and DEL become \n \r \t or \xHH, bytes of invalid UTF-8
 * become \xHH, a run of 8 or more spaces becomes "<N spaces>", and every code point
 * a terminal shows as nothing, as blank space or not as itself (controls, format
 * characters such as bidi overrides and TAG characters, default ignorables, other
 * spaces, line and paragraph separators, private use, noncharacters: the table in
 * sanitize.c) becomes \uHHHH; a run of 4 or more of them becomes "<N x \uHHHH>" (one
 * character) or "<N invisible \uLOW-\uHIGH>" (a mix), so nothing hides behind one.
 * Escapes and characters are never cut; text that does not fit ends in "...".
 * Nothing attacker-chosen can start a new line, clear a screen or move the cursor. */
void ns_sanitize(char *dst, size_t cap, const char *src);

/* The length ns_sanitize gives src with room enough: a quote of it is shown whole
 * only when this is within its bound. */
size_t ns_sanitized_len(const char *src);

/* The bound on an install-time command quoted in the approver's summary (pam_npmstage)
 * and the check that refuses a new or changed one whose quote would be cut there
 * (npm-release verify, install.length): the same number, so the approver reads every
 * such command whole. */
#define NS_INSTALL_QUOTE_MAX 600
/* ... and how many new or changed ones the summary quotes: install.count refuses a
 * release with more, so none is passed unread. */
#define NS_INSTALL_SHOWN_MAX 4

#endif
