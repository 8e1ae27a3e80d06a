/* What the hardware factors (FIDO2 on this host, ssh-sk through the approver's
 * agent) do alike once the key has answered: clone detection on the signature
 * counter, the clock read again, and the proof kept for the ledger. */
#include "config.h"

#include <security/pam_ext.h>
#include <syslog.h>

#include "module.h"
#include "nsfido2.h"

int
factor_counter_advances(pam_handle_t *pamh, struct ns_state *st, const char *user,
                        const char *record, const char *shown, unsigned counter)
{
	unsigned stored = 0;
	struct ns_err err;
	int k;

	k = ns_state_fido2_counter_advance(st, user, record, counter, ns_fido2_counter_ok, &stored,
	                                   &err);
	if (k < 0) {
		mod_log(pamh, LOG_ERR, "user %s: %s", user, err.msg);
		return 0;
	}
	if (k == 1) {
		mod_log(pamh, LOG_ALERT, "user %s: %s: signature counter %u does not advance past "
		        "%u: possible cloned key or replayed signature; denied", user, shown, counter,
		        stored);
		conv_error(pamh, "npm-release: security key refused: its signature counter did not "
		                 "advance (possible clone or replay); tell the release administrators");
		return 0;
	}
	return 1;
}

int
factor_accept(pam_handle_t *pamh, struct ns_state *st, const struct approval_context *ctx,
              const char *proof)
{
	struct ns_err err;
	time_t answered;

	/* the touch may have come late: the approval must still be valid */
	if (context_answer_time(pamh, ctx, &answered) != PAM_SUCCESS)
		return PAM_AUTH_ERR;
	/* what the key signed, for the ledger: the approval stays verifiable later */
	if (ns_state_proof_write(st, ctx->approval.id, proof, &err) != 0) {
		mod_log(pamh, LOG_ERR, "approval %s: %s", ctx->approval.id, err.msg);
		conv_error(pamh, "npm-release: cannot keep the signature: %s", err.msg);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}
