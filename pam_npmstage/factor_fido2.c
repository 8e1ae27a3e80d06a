/* The FIDO2 factor: one getAssertion whose clientDataHash is the SHA-256 of the
 * approval statement, so the signature covers exactly this artifact, approver and
 * expiry. User presence always; user verification when the policy requires it,
 * when it prefers it (the default) and the key supports it, and always for a
 * credential enrolled with it. The signature counter must move forward (else: a
 * possible clone, denied). */
#include "config.h"

#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "approver.h"
#include "digest.h"
#include "module.h"
#include "nsfido2.h"

static void
clear_creds(struct ns_fido2_cred *c, size_t n)
{
	for (size_t i = 0; i < n; i++)
		ns_fido2_cred_clear(&c[i]);
}

/* The challenge, recomputed from the statement and compared with the stored hash. */
static int
challenge_of(const struct approval_context *ctx, unsigned char out[NS_FIDO2_CHALLENGE_LEN])
{
	char hex[2 * NS_FIDO2_CHALLENGE_LEN + 1];

	if (ctx->approval.statement == NULL ||
	    ns_sha256(ctx->approval.statement, strlen(ctx->approval.statement), out) != 0)
		return -1;
	ns_hex(out, NS_FIDO2_CHALLENGE_LEN, hex);
	return strcmp(hex, ctx->approval.statement_sha256) == 0 ? 0 : -1;
}

int
factor_fido2(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
             const char *user, const struct ns_approver *appr,
             const struct approval_context *ctx, int cue)
{
	struct ns_fido2_cred creds[NS_MAX_CREDS];
	unsigned char challenge[NS_FIDO2_CHALLENGE_LEN];
	struct ns_err err;
	unsigned counter = 0;
	char *proof = NULL, id[2 * NS_FIDO2_ID_MAX + 1], shown[64];
	size_t n = 0, which = 0;
	int rc = PAM_AUTH_ERR, uv;

	memset(creds, 0, sizeof(creds));
	for (; n < appr->n_fido2 && n < NS_MAX_CREDS; n++) {
		if (ns_fido2_cred_parse(appr->fido2[n], &creds[n], &err) != 0) {
			mod_log(pamh, LOG_ERR, "user %s: fido2 credential %zu: %s", user, n + 1,
			        err.msg);
			conv_error(pamh, "npm-release: enrolment of %s is unusable (see syslog)", user);
			goto out;
		}
	}
	if (challenge_of(ctx, challenge) != 0) {
		mod_log(pamh, LOG_ERR, "approval %s: statement hash mismatch", ctx->approval.id);
		goto out;
	}
	if (cue && conv_info(pamh, "Touch your security key to approve %s",
	                     ctx->what) != PAM_SUCCESS) {
		rc = PAM_CONV_ERR;
		goto out;
	}
	/* the scope's require_uv overrides [fido2] user_verification */
	uv = cfg->fido2_uv == NS_UV_REQUIRED ||
	     ctx->require_uv ? NS_FIDO2_UV_REQUIRED :
	     cfg->fido2_uv == NS_UV_DISCOURAGED ? NS_FIDO2_UV_ENROLLED :
	                                          NS_FIDO2_UV_IF_CAPABLE;
	if (ns_fido2_authenticate(cfg->fido2_rp_id, creds, n, challenge, uv, NULL, &which,
	                          &counter, &proof, &err) != 0) {
		mod_log(pamh, LOG_NOTICE, "user %s: fido2 refused: %s", user, err.msg);
		conv_error(pamh, "npm-release: verification failed");
		goto out;
	}
	ns_hex(creds[which].id, creds[which].id_len, id);
	snprintf(shown, sizeof(shown), "fido2 credential %.16s...", id);
	if (factor_counter_advances(pamh, st, user, id, shown, counter))
		rc = factor_accept(pamh, st, ctx, proof);
out:
	free(proof);
	explicit_bzero(challenge, sizeof(challenge));
	clear_creds(creds, n);
	return rc;
}
