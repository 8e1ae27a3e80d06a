/* The one place the stored publish token leaves its file: after the factor
 * succeeded on a verified approval context, the approval is consumed atomically
 * and the token crosses to the helper in memory, inside this process. */
#include "config.h"

#include <security/pam_ext.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>

#include "handoff.h"
#include "module.h"
#include "secure_file.h"
#include "token_store.h"

int
token_release(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
              const struct approval_context *ctx, const char *factor, time_t now)
{
	struct ns_token tok;
	struct ns_err err;
	char otp_line[512] = "";
	unsigned char *payload = NULL, *msg = NULL;
	size_t la, lt, lo, plen, mlen = 0;
	char *reply = NULL;
	int rc;

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
	rc = ns_approval_consume(st, ctx->approval.id, now, factor, &err);
	if (rc != 0) {
		ns_token_wipe(&tok);
		explicit_bzero(otp_line, sizeof(otp_line));
		mod_log(pamh, LOG_ERR, "%s", err.msg);
		return PAM_AUTH_ERR;
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
