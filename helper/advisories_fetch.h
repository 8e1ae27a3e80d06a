/* Downloading OSV's zip export for `npm-release advisories update`. */
#ifndef NS_ADVISORIES_FETCH_H
#define NS_ADVISORIES_FETCH_H

#include "nserr.h"

#define NS_OSV_EXPORT_MAX (4LL << 30) /* bytes: the npm export is a few hundred MB */

/* Whether url may be fetched: https, or http to this host's loopback only. */
int advisories_url_ok(const char *url);

/* Downloads url into fd (a fresh file), with a progress bar when stderr is a
 * terminal. 0, or -1 with err naming what failed (HTTP status, cut connection). */
int advisories_fetch(const char *url, int fd, struct ns_err *err);

#endif
