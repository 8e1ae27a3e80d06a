/* Logging to syslog (authpriv) with control characters escaped. */
#ifndef NS_LOG_H
#define NS_LOG_H

#include <stdarg.h>
#include <stddef.h>
#include "nserr.h"
#include "sanitize.h"

/* vsnprintf into dst, then ns_sanitize (sanitize.h) it: for every log line. */
void ns_vformat_clean(char *dst, size_t cap, const char *fmt, va_list ap)
	__attribute__((format(printf, 3, 0)));

/* syslog(LOG_AUTHPRIV | prio) of the formatted, sanitized message, tagged "npm-release". */
void ns_log(int prio, const char *fmt, ...) NS_PRINTF(2, 3);

#endif
