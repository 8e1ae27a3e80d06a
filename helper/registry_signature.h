/* The registry's own signature over name@version:integrity (npm audit signatures),
 * checked with the pinned keys ([provenance] registry_keys) where a key for
 * npm:signatures is pinned: on the previous version the diff is made against
 * (previous.c) and on the version just published. */
#ifndef NS_REGISTRY_SIGNATURE_H
#define NS_REGISTRY_SIGNATURE_H

#include <jansson.h>

#include "session.h"
#include "../checks/sigstore.h"

/* 1 and *keys filled when a key for npm:signatures (or for any use) is pinned, 0
 * when none is (nothing to check with), -1 when registry_keys cannot be read
 * (printed). */
int regsig_pinned(const struct session *s, struct ns_regkeys *keys);

/* After publish: the live version's signature, from a fresh packument. 0 verified
 * or nothing pinned, 1 served without a signature, -1 failing or unreadable (all
 * printed). */
int regsig_check_live(struct session *s, const struct ns_release *r);

#endif
