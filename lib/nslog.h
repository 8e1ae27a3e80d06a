/* Logging to syslog (authpriv) with control characters stripped. */
#ifndef NS_LOG_H
#define NS_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include "nserr.h"

/* Copies src into dst, replacing every byte below 0x20, 0x7f and any byte of an
 * invalid UTF-8 sequence with '?', so that no log line or terminal can be steered
 * by attacker-chosen names. Always NUL-terminates (dstlen > 0). */
void ns_sanitize(char *dst, size_t dstlen, const char *src);

/* vsnprintf into dst, then ns_sanitize in place: for every log line. */
void ns_vformat_clean(char *dst, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* syslog(LOG_AUTHPRIV | prio) of the formatted, sanitized message, tagged "npm-release". */
void ns_log(int prio, const char *fmt, ...) NS_PRINTF(2, 3);

#endif
