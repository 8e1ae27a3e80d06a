/* audit --signatures: the registry signature of every registry dependency in a
 * lockfile, as `npm audit signatures` checks them (PROTOCOLS.md §4), against the
 * pinned registry keys (npm-release-audit(8), SIGNATURES). */
#ifndef NS_AUDIT_SIGNATURES_H
#define NS_AUDIT_SIGNATURES_H

#include <stdio.h>

#include <jansson.h>

#include "nserr.h"
#include "sigstore.h"

/* Fetches the full packument of name (with time[]): 0 and *doc, or 1 with why
 * (the registry does not have it, or could not be asked). */
typedef int (*ns_auditsig_fetch_fn)(void *ctx, const char *name, json_t **doc, char *why,
                                    size_t cap);

/* Every audited registry node of the lockfile read from lockfile_fd (omit as for
 * npm audit --omit), each name@version once. *report:
 * {result: pass|fail|unsigned, registry_signs, checked, verified, failed, unsigned,
 *  packages: [{name, version, result: pass|fail|unsigned, keyid, publish_time_known,
 *  reason}]}. A version without signatures fails when the registry signs another
 * version in the tree, else is "unsigned". 0 pass or unsigned, 1 fail, -1 error. */
int ns_audit_signatures(int lockfile_fd, unsigned omit, const struct ns_regkeys *keys,
                        ns_auditsig_fetch_fn fetch, void *ctx, json_t **report,
                        struct ns_err *err);

/* One line per package and a summary; every string sanitised. */
void ns_audit_signatures_print(FILE *f, const json_t *report, const char *registry);

#endif
