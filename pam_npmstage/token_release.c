/* The one place the stored publish token leaves its file: after the factor
 * succeeded on a verified approval context, the approval is consumed atomically
 * and the token crosses to the helper in memory, inside this process, only when
 * it will be used:
 *  - approve: when the package's scope needs more distinct approvers
 *    (min_approvers) than have approved so far, the approval is recorded and no
 *    token crosses; the last needed approval releases it;
 *  - reject: one allowed approver's reject ends the release (no quorum). A local
 *    release needs nothing (the helper drops its spool); a registry stage needs
 *    the token (and its OTP key) for its DELETE. */
#include "config.h"

#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "handoff.h"
#include "module.h"
#include "secure_file.h"
#include "token_store.h"

/* Sends a message that carries no secret and wants "ok" back. */
static int
tell_helper(pam_handle_t *pamh, int type, const char *approval_id, const char *payload,
            size_t plen)
{
	unsigned char *msg;
	char *reply = NULL;
	size_t mlen = 0;
	int rc;

	msg = ns_bp_encode(type, payload, plen, &mlen);
	if (msg == NULL)
		return PAM_BUF_ERR;
	rc = conv_binary(pamh, msg, &reply);
	ns_free_secret(msg, mlen);
	if (rc != PAM_SUCCESS || reply == NULL || strcmp(reply, "ok") != 0) {
		free(reply);
		mod_log(pamh, LOG_ERR, "approval %s: the helper did not acknowledge", approval_id);
		return PAM_AUTH_ERR;
	}
	free(reply);
	return PAM_SUCCESS;
}

/* Tells the helper that this approval counted but was not the last one. */
static int
recorded_only(pam_handle_t *pamh, const char *approval_id, unsigned have, unsigned need)
{
	char payload[NS_ID_MAX + 32];
	int n, rc;

	n = snprintf(payload, sizeof(payload), "%s%c%u%c%u", approval_id, 0, have, 0, need);
	if (n < 0 || (size_t)n + 1 > sizeof(payload))
		return PAM_BUF_ERR;
	rc = tell_helper(pamh, NS_BP_RECORDED, approval_id, payload, (size_t)n + 1);
	if (rc == PAM_SUCCESS)
		mod_log(pamh, LOG_NOTICE, "approval %s recorded: %u of %u approvers", approval_id,
		        have, need);
	return rc;
}

/* Consumes the approval at the time of consumption (not when the module started:
 * a prompt held open must not stretch the approval's life). */
static int
consume(pam_handle_t *pamh, struct ns_state *st, const struct approval_context *ctx,
        const char *factor)
{
	struct ns_err err;
	int rc;

	time_t now = time(NULL);
	size_t i;

	rc = ns_approval_consume(st, &ctx->approval, now, factor, &err);
	/* A train: its own marker decides which session wins; then every member's,
	 * at the same time, so that each counts as an approval of its release. A
	 * member already used (never, while npm-release holds the members' locks)
	 * denies the whole train. */
	for (i = 0; rc == 0 && ctx->members != NULL && i < ctx->n_members; i++)
		rc = ns_approval_consume(st, &ctx->members[i].approval, now, factor, &err);
	if (rc != 0) {
		mod_log(pamh, LOG_ERR, "%s", err.msg);
		if (rc == 1)
			conv_error(pamh, "npm-release: %s", err.msg);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

/* Distinct approvers so far against those needed, for the release that has the
 * fewest of what it needs (a train: every member's scope). 0, or -1 (err). */
static int
quorum(struct ns_state *st, const struct ns_config *cfg, const struct approval_context *ctx,
       unsigned *have, unsigned *need, struct ns_err *err)
{
	const struct approval_context *one = ctx->members != NULL ? ctx->members : ctx;
	size_t i, n = ctx->members != NULL ? ctx->n_members : 1;
	unsigned h, w;

	*have = 1;
	*need = 1;
	for (i = 0; i < n; i++) {
		w = ns_config_min_approvers(cfg, one[i].release.name);
		h = w;
		if (w > 1 && ns_approvals_consumed(st, one[i].release.id, NULL, &h, NULL, err) != 0)
			return -1;
		if (h < w && (*need <= *have || w - h > *need - *have)) {
			*have = h;
			*need = w;
		}
	}
	return 0;
}

int
token_release(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
              const struct approval_context *ctx, const char *factor)
{
	struct ns_token tok;
	struct ns_err err;
	char otp_line[512] = "";
	unsigned char *payload = NULL, *msg = NULL;
	size_t la, lt, lo, plen, mlen = 0;
	char *reply = NULL;
	unsigned need, have = 0;
	int rc, reject = strcmp(ctx->approval.action, NS_ACTION_REJECT) == 0;

	if (reject && strcmp(ctx->release.origin, NS_ORIGIN_REGISTRY) != 0) {
		/* A local release is rejected by dropping its spool: no token. */
		if ((rc = consume(pamh, st, ctx, factor)) != PAM_SUCCESS)
			return rc;
		return tell_helper(pamh, NS_BP_REJECTED, ctx->approval.id, ctx->approval.id,
		                   strlen(ctx->approval.id) + 1);
	}
	if (cfg->token_file == NULL) {
		mod_log(pamh, LOG_ERR, "no [registry] token_file configured");
		return PAM_AUTH_ERR;
	}
	/* Load before consuming: a broken token file must not burn the approval. */
	if (ns_token_load(cfg->token_file, &tok, &err) != 0) {
		mod_log(pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTH_ERR;
	}
	if (tok.has_otp && ns_totp_key_format(&tok.otp, otp_line, sizeof(otp_line), &err) != 0) {
		ns_token_wipe(&tok);
		return PAM_AUTH_ERR;
	}
	/* a resumed train was consumed when it was approved: nothing to consume */
	if (!ctx->resume && (rc = consume(pamh, st, ctx, factor)) != PAM_SUCCESS) {
		ns_token_wipe(&tok);
		explicit_bzero(otp_line, sizeof(otp_line));
		return rc;
	}
	/* A quorum is for publishing; one allowed approver's reject is enough. A train
	 * crosses only when every member has the approvers its scope needs. */
	have = need = 1;
	if (!reject && quorum(st, cfg, ctx, &have, &need, &err) != 0) {
		ns_token_wipe(&tok);
		explicit_bzero(otp_line, sizeof(otp_line));
		mod_log(pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTH_ERR;
	}
	if (have < need) {
		ns_token_wipe(&tok);
		explicit_bzero(otp_line, sizeof(otp_line));
		if (ctx->resume) {
			mod_log(pamh, LOG_ERR, "train %s: %u of %u approvers; not resumed",
			        ctx->approval.id, have, need);
			return PAM_AUTH_ERR;
		}
		return recorded_only(pamh, ctx->approval.id, have, need);
	}
	la = strlen(ctx->approval.id) + 1;
	lt = strlen(tok.token) + 1;
	lo = strlen(otp_line) + 1;
	plen = la + lt + lo;
	payload = malloc(plen);
	if (payload != NULL) {
		memcpy(payload, ctx->approval.id, la);
		memcpy(payload + la, tok.token, lt);
		memcpy(payload + la + lt, otp_line, lo);
		msg = ns_bp_encode(NS_BP_TOKEN, payload, plen, &mlen);
	}
	ns_token_wipe(&tok);
	explicit_bzero(otp_line, sizeof(otp_line));
	ns_free_secret(payload, plen);
	if (msg == NULL)
		return PAM_BUF_ERR;
	rc = conv_binary(pamh, msg, &reply);
	ns_free_secret(msg, mlen);
	/* The helper acknowledges with "ok" once it holds the token. */
	if (rc != PAM_SUCCESS || reply == NULL || strcmp(reply, "ok") != 0) {
		free(reply);
		mod_log(pamh, LOG_ERR, "approval %s: the helper did not take the token",
		        ctx->approval.id);
		return PAM_AUTH_ERR;
	}
	free(reply);
	return PAM_SUCCESS;
}
