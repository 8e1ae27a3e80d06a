/* Creating an approval: a fresh nonce, an expiry, the canonical statement over the
 * checked release and its SHA-256, stored before the gate runs. */
#ifndef NS_APPROVAL_H
#define NS_APPROVAL_H

#include <time.h>

#include "nsconfig.h"
#include "state.h"
#include "statement.h"

/* action: NS_ACTION_APPROVE or NS_ACTION_REJECT. */
int ns_approval_create(struct ns_state *st, const struct ns_config *cfg,
                       const struct ns_release *r, const char *action, const char *approver,
                       time_t now, struct ns_approval *a, struct ns_err *err);

/* The statement fields of an approval of release r (a->statement is not read); the
 * verified provenance in r's report, if any, is copied into *prov, which f points to. */
void ns_approval_fields(const struct ns_config *cfg, const struct ns_release *r,
                        const struct ns_approval *a, struct ns_statement_fields *f,
                        struct ns_statement_provenance *prov);

/* The registry name the statement carries: the configured URL, or "local". */
const char *ns_statement_registry(const struct ns_config *cfg);

#endif
