/* Provenance during approve (npmstage.conf(5), [scope] provenance): the parent
 * gathers descriptors (the pinned trust files, the attestations), the unprivileged
 * checker parses and verifies them against the spooled bytes and the scope's policy. */
#ifndef NS_CHECKS_PROVENANCE_H
#define NS_CHECKS_PROVENANCE_H

#include <jansson.h>

#include "nsconfig.h"
#include "session.h"

struct prov_input {
	int mode;                  /* enum ns_provenance_mode */
	int trust_fd, keys_fd;     /* the pinned files, opened by root; -1 = none */
	int att_fd;                /* the attestations or bundle; -1 = there is none */
	char source[24];           /* where att_fd's bytes came from */
};

/* In the parent, before the checker runs: opens the trust files (root-owned, as the
 * configuration) and fetches the registry's attestations for name@version with the
 * read token (404: none). Nothing to do when the scope's provenance is off. Returns
 * 0, or -1 with err set (the checks cannot run: nothing is approved). */
int checks_provenance_prepare(const struct session *s, const struct ns_release *r,
                              const struct ns_scope *scope, struct prov_input *in,
                              struct ns_err *err);
void checks_provenance_close(struct prov_input *in);

/* In the checker: appends the provenance check entries and report["provenance"]
 * (result, source, bundle_sha256, identity) to report. Returns 1 when a check
 * failed, else 0; every error is a failed check naming what failed. */
int checks_provenance_run(const struct prov_input *in, const struct ns_scope *scope,
                          const char *name, const char *version, const char *integrity,
                          json_t *report);

#endif
