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
	char source[24];           /* where att_fd's bytes came from: "local" (kept by
	                            * stage --provenance), "stage" (the registry stage's
	                            * .sigstore attachment) or "registry" (its endpoint) */
};

/* In the parent, before the checker runs: opens the trust files (root-owned, as the
 * configuration) and takes the bundle from (a) the spool (a local release's kept
 * bundle), (b) a registry stage's .sigstore attachment (kept in the spool, so that
 * the publish carries what was verified), else (c) the registry's attestations for
 * name@version, with the read token (404: none). With the scope's provenance off
 * only a kept bundle is opened (the checker says it is not verified). Returns
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

/* In the checker, at stage: the caller's bundle (fd, in the spool) must be a JSON
 * object with a Sigstore bundle mediaType (copied to media), a DSSE envelope and its
 * verification material; the full verification is approve's. *compact receives the
 * checker's compact serialisation (malloc'd), which is what is kept and published.
 * 0, or -1 with err naming what is wrong. */
int checks_provenance_bundle_shape(int fd, char *media, size_t cap, char **compact,
                                   size_t *clen, struct ns_err *err);

/* The media type of a Sigstore bundle npm publishes (the attachment's content_type). */
int checks_provenance_media_known(const char *media);

/* The bound on a registry's attestations document, wherever it is read. */
#define NS_ATTESTATIONS_MAX (4 * 1024 * 1024)

/* In the checker: all of fd from its start, at most max bytes, NUL-terminated into
 * a malloc'd *buf. -1 when it cannot be read or holds more than max bytes. */
int checks_read_fd(int fd, size_t max, char **buf, size_t *len);

/* After publish, in the checker: whether the registry's attestations document
 * (att_fd) holds, for predicate_type, the bundle in bundle_fd (same SHA-256 of the
 * canonical JSON, sorted keys, no spaces). 1 same, 0 not (why says what), -1 error. */
int checks_provenance_same_bundle(int att_fd, int bundle_fd, const char *predicate_type,
                                  char *why, size_t cap, struct ns_err *err);

#endif
