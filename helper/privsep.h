/* Untrusted input (tarballs, lockfiles, registry JSON) is parsed in a child that
 * has dropped root: it gets a descriptor, writes one JSON document to a pipe and
 * exits. The parent keeps state, token and PAM. */
#ifndef NS_PRIVSEP_H
#define NS_PRIVSEP_H

#include <jansson.h>
#include <stddef.h>

#include "nserr.h"

/* fn runs in the child with arg; it returns the JSON it produced (or NULL with its
 * err set). Returns the child's JSON, or NULL with err set (the child's message,
 * a crash, a limit). */
/* keep: the descriptors (nkeep of them; -1 entries ignored) the child may use;
 * every other inherited descriptor is closed in the child. */
json_t *privsep_run(json_t *(*fn)(void *arg, struct ns_err *err), void *arg,
                    const int *keep, size_t nkeep, size_t max_output, struct ns_err *err);

/* The user the child runs as when the helper is privileged ([npmstage] check_user,
 * default nobody). Refuses root. */
int privsep_set_user(const char *name);

#endif
