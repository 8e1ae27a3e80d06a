#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "nslog.h"

void
ns_vformat_clean(char *dst, size_t cap, const char *fmt, va_list ap)
{
	char raw[1024];

	vsnprintf(raw, sizeof(raw), fmt, ap);
	ns_sanitize(dst, cap, raw);
}

void
ns_log(int prio, const char *fmt, ...)
{
	char clean[1024];
	va_list ap;

	va_start(ap, fmt);
	ns_vformat_clean(clean, sizeof(clean), fmt, ap);
	va_end(ap);
	openlog("npm-release", LOG_PID | LOG_NDELAY, LOG_AUTHPRIV);
	syslog(LOG_AUTHPRIV | prio, "%s", clean);
	closelog();
}
