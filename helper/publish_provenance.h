/* The provenance bundle published with a release (PROTOCOLS.md §2.6), and the
 * registry's word on it afterwards. */
#ifndef NS_PUBLISH_PROVENANCE_H
#define NS_PUBLISH_PROVENANCE_H

#include <stddef.h>

#include "session.h"

struct publish_bundle {
	char *data;                /* the bundle JSON text (malloc'd), NULL: none */
	size_t len;
	char media_type[80];       /* its mediaType: the attachment's content_type */
	char sha256[65];
};

/* The bundle kept with release r (spool/<id>.sigstore) when its checks verified
 * exactly it: r's report says provenance passed from the kept bundle ("local" or
 * "stage"), with this sha256 and a known media type. 0 (b->data NULL when there is
 * none to publish), -1 when the kept bundle is not the verified one (err set). */
int publish_bundle_load(struct session *s, const struct ns_release *r,
                        struct publish_bundle *b, struct ns_err *err);
void publish_bundle_clear(struct publish_bundle *b);

/* After publish: where the live version document offers dist.attestations (url and
 * provenance.predicateType), fetches them and checks, in the checker, that they hold
 * b's bundle. Prints one line either way (a registry that offers none is said, not
 * failed). 0 confirmed or not offered, -1 another bundle or no answer (err set). */
int publish_confirm_provenance(struct session *s, const struct ns_release *r,
                               const struct publish_bundle *b, struct ns_err *err);

#endif
