/* Publishing exactly the checked bytes, with the token the gate released. */
#ifndef NS_PUBLISH_H
#define NS_PUBLISH_H

#include <jansson.h>

#include "nsconfig.h"
#include "pam_gate.h"
#include "registry.h"
#include "state.h"

#define NS_TARBALL_B64_MAX (512LL * 1024 * 1024)

/* The publish document as libnpmpublish builds it (PROTOCOLS.md §2.2).
 * Returns the JSON text (malloc'd) or NULL. */
char *publish_document(const char *registry, json_t *manifest, const char *tag,
                       const unsigned char *tgz, size_t len, const char *sri,
                       const char *sha1, struct ns_err *err);

/* Registry staging: POST /-/stage/<id>/approve. 0 accepted, -1 failed. */
int publish_stage_approve(struct reg_client *c, const struct ns_config *cfg,
                          const struct ns_release *r, struct gate_token *tok,
                          const char *read_token, struct ns_err *err);

/* Registry staging: DELETE /-/stage/<id> (the reject). */
int publish_stage_reject(struct reg_client *c, const struct ns_config *cfg,
                         const struct ns_release *r, struct gate_token *tok,
                         struct ns_err *err);

/* Local staging: PUT /<name> with the publish document. */
int publish_put(struct reg_client *c, const struct ns_config *cfg, const struct ns_release *r,
                const char *doc, struct gate_token *tok, const char *read_token,
                struct ns_err *err);

/* Whether the registry serves name@version with exactly this integrity:
 * 1 live, 0 not (yet), -1 could not tell. */
int publish_is_live(struct reg_client *c, const char *bearer, const struct ns_release *r,
                    struct ns_err *err);

#endif
