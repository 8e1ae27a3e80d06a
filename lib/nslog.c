#include "config.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "nslog.h"

/* Length of a valid UTF-8 sequence starting at s (1..4), or 0 when invalid. */
static size_t
utf8_len(const unsigned char *s)
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
		if ((s[1] & 0xc0) != 0x80 || (s[2] & 0xc0) != 0x80 ||
		    (s[3] & 0xc0) != 0x80)
			return 0;
		if (s[0] == 0xf0 && s[1] < 0x90)
			return 0;
		if (s[0] == 0xf4 && s[1] >= 0x90)
			return 0;
		return 4;
	}
	return 0;
}

void
ns_sanitize(char *dst, size_t dstlen, const char *src)
{
	const unsigned char *s = (const unsigned char *)src;
	size_t o = 0, n;

	if (dstlen == 0)
		return;
	while (*s != '\0' && o + 1 < dstlen) {
		n = utf8_len(s);
		if (n == 1 && (*s < 0x20 || *s == 0x7f))
			n = 0;
		/* C1 controls (U+0080..U+009F) steer terminals too. */
		if (n == 2 && s[0] == 0xc2 && s[1] < 0xa0)
			n = 0;
		if (n == 0) {
			dst[o++] = '?';
			s++;
			continue;
		}
		if (o + n >= dstlen)
			break;
		memcpy(dst + o, s, n);
		o += n;
		s += n;
	}
	dst[o] = '\0';
}

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
