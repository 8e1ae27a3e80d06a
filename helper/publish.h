/* Publishing exactly the checked bytes, with the token the gate released. */
#ifndef NS_PUBLISH_H
#define NS_PUBLISH_H

#include <jansson.h>

#include "nsconfig.h"
#include "pam_gate.h"
#include "registry.h"
#include "state.h"

#define NS_TARBALL_B64_MAX (512LL * 1024 * 1024)

/* The publish document as libnpmpublish builds it (PROTOCOLS.md §2.2), with the
 * provenance bundle (bundle, bundle_len: its JSON text; NULL none) as the attachment
 * "<name>-<version>.sigstore" (§2.6). Returns the JSON text (malloc'd) or NULL. */
char *publish_document(const char *registry, json_t *manifest, const char *tag,
                       const unsigned char *tgz, size_t len, const char *sri,
                       const char *sha1, const char *bundle, size_t bundle_len,
                       const char *bundle_type, struct ns_err *err);

/* With [registry] otp = stored: the registry writes that follow (`writes` of them)
 * hold the stored seed's steps, taken now and waited for (registry_otp_begin),
 * until publish_writes_end: another approve's writes wait, so that steps go out
 * in the order they were taken, and what is read right before the writes (the
 * registry's "latest") is not a step's wait old when they go out. Nothing
 * otherwise. */
void publish_writes_begin(int state_dirfd, const struct ns_config *cfg,
                          const struct gate_token *tok, unsigned writes);
void publish_writes_end(void);

/* When a write still has to wait for a step (its step was refused, or the steps
 * taken ahead aged out), fn(arg) runs after the wait and before the write goes
 * out; non-zero stops the write (err says why). NULL: nothing to re-check. */
void publish_recheck_after_wait(int (*fn)(void *arg, struct ns_err *err), void *arg);

/* What the registry serves for name@version. */
#define NS_LIVE_NO 0        /* not there (yet) */
#define NS_LIVE_YES 1       /* there, with the approved integrity and manifest */
#define NS_LIVE_OTHER 2     /* there with other bytes or another manifest: an incident */
#define NS_PUBLISH_INCIDENT (-2)

/* Registry staging: DELETE /-/stage/<id>. The reject; and, with gone_ok, the
 * withdrawal before publishing the checked bytes ourselves (a stage already gone
 * is then fine: an earlier, interrupted approve withdrew it). There is no way to
 * bind POST /-/stage/<id>/approve to the checked bytes (it has no body): the
 * registry would publish its own copy and the stager's manifest, so npm-release
 * never uses it. */
int publish_stage_delete(struct reg_client *c, const struct ns_config *cfg,
                         const struct ns_release *r, struct gate_token *tok, int gone_ok,
                         struct ns_err *err);

/* PUT /<name> with the publish document built from the checked bytes and the
 * checked package.json. 0 accepted or already live as approved, -1 failed,
 * NS_PUBLISH_INCIDENT when the registry serves the version with other bytes or
 * another manifest (err says what). */
int publish_put(struct reg_client *c, const struct ns_config *cfg, const struct ns_release *r,
                const json_t *manifest, const char *doc, struct gate_token *tok,
                const char *read_token, struct ns_err *err);

/* Whether the registry serves name@version with exactly this integrity and a
 * version document that matches the checked manifest (manifest_compare): one of
 * NS_LIVE_*, or -1 could not tell. */
int publish_is_live(struct reg_client *c, const char *bearer, const struct ns_release *r,
                    const json_t *manifest, struct ns_err *err);

#endif
