/* Who may approve or reject a release, decided before any lock, download, check
 * or ledger entry, so that a member who may not approve it cannot hold up those
 * who may. */
#ifndef NS_ELIGIBILITY_H
#define NS_ELIGIBILITY_H

#include "session.h"

/* 0 when the caller is an approver of the scope of release id's package (the
 * local record names it; a registry stage not seen before is asked for its record
 * only, GET /-/stage/<id>). Otherwise prints why ("denied", or the release is
 * unknown), logs the refusal to syslog and returns -1. The PAM gate still decides
 * on the release actually checked; this only refuses early. */
int eligibility_require_approver(struct session *s, const char *id, const char *action);

/* The package name of release id, found as above: 0, 1 unknown, -1 error (err). */
int eligibility_package_of(struct session *s, const char *id, char *name, size_t cap,
                           struct ns_err *err);

#endif
