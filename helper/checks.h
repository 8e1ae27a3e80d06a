/* The release checks, run on the spooled bytes in the unprivileged child, and the
 * report that the gate shows and the approval statement binds (by its SHA-256). */
#ifndef NS_CHECKS_H
#define NS_CHECKS_H

#include <jansson.h>

#include "session.h"

/* Runs every check on release r (its spool file) in the unprivileged child;
 * previous_fd (or -1) is the previously published version, for the diff;
 * first_version says the registry would make r "latest" whatever its tag. Returns
 * the report (npm-release verify's, plus "diff_summary") or NULL with err set when
 * the checks could not run at all. */
json_t *checks_run(struct session *s, const struct ns_release *r, int previous_fd,
                   int first_version, struct ns_err *err);

/* Prints the human summary of a report to stderr. */
void checks_print(const json_t *report);
/* The failed checks of report, "id: message; ...", sanitised and cut to cap. */
void checks_failures(const json_t *report, char *out, size_t cap);

/* Reads name and version from a tarball fd in the unprivileged child. */
int checks_identify(int fd, char *name, size_t ncap, char *version, size_t vcap,
                    struct ns_err *err);

/* The version manifest published for a spooled release (manifest_publish_fd: its
 * package.json, with "_hasShrinkwrap" from the tarball), read in the child. */
json_t *checks_manifest(struct session *s, const struct ns_release *r, struct ns_err *err);

#endif
