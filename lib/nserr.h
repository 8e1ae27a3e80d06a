/* Error reporting shared by the module and the helper: library code never logs or
 * prints, it fills one of these and the caller decides (pam_syslog, stderr, JSON). */
#ifndef NS_ERR_H
#define NS_ERR_H

#include <stddef.h>

struct ns_err {
	char msg[512];
};

#if defined(__GNUC__)
#define NS_PRINTF(a, b) __attribute__((format(printf, a, b)))
#else
#define NS_PRINTF(a, b)
#endif

/* Sets err->msg (when err is not NULL) and returns -1, so callers can
 * `return ns_fail(err, ...)`. */
int ns_fail(struct ns_err *err, const char *fmt, ...) NS_PRINTF(2, 3);

#endif
