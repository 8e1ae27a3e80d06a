/* Creating an approval: a fresh nonce, an expiry, the canonical statement over the
 * checked release and its SHA-256, stored before the gate runs. */
#ifndef NS_APPROVAL_H
#define NS_APPROVAL_H

#include <time.h>

#include "nsconfig.h"
#include "state.h"

int ns_approval_create(struct ns_state *st, const struct ns_config *cfg,
                       const struct ns_release *r, const char *approver, time_t now,
                       struct ns_approval *a, struct ns_err *err);

/* The registry name the statement carries: the configured URL, or "local". */
const char *ns_statement_registry(const struct ns_config *cfg);

#endif
