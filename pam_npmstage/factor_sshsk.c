/* The ssh-sk factor: the approver's OpenSSH security key, at their own desk, signs
 * the approval statement through their (forwarded) ssh-agent. The helper connected
 * to the agent as the approver and hands the module the descriptor; the module
 * checks again that the socket's peer is the approver, asks the agent to sign the
 * statement as SSHSIG (namespace npmstage-approval, so `ssh-keygen -Y verify` can
 * check it later), and accepts only a signature that
 *   - is by an enrolled key, with the key's own signature type (no webauthn-sk-*);
 *   - verifies over exactly this statement;
 *   - has UP, and UV where the scope or the enrolment demands it;
 *   - carries a counter above the stored one (0 only for a key that always said 0).
 * What the agent said (refusal, timeout, garbage) is a denial, never a fallback. */
#include "config.h"

#include <pwd.h>
#include <security/pam_ext.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "handoff.h"
#include "module.h"
#include "nsfido2.h"
#include "secure_file.h"
#include "sshagent.h"
#include "sshsk_cred.h"

/* Asks the helper for the agent descriptor it opened as the approver. */
static int
agent_fd(pam_handle_t *pamh, int *fd)
{
	char *reply = NULL, *end;
	long v;
	int rc;

	*fd = -1;
	if ((rc = conv_ask(pamh, NS_BP_AGENT, "npmstage/1 ssh-agent?", &reply)) != PAM_SUCCESS)
		return rc;
	if (strcmp(reply, "none") == 0) {
		free(reply);
		return PAM_AUTHINFO_UNAVAIL;
	}
	v = strtol(reply, &end, 10);
	if (end == reply || *end != '\0' || v < 3 || v > 65535) {
		free(reply);
		return PAM_CONV_ERR;
	}
	free(reply);
	*fd = (int)v;
	return PAM_SUCCESS;
}

static int
user_uid(const char *user, uid_t *uid)
{
	struct passwd pw, *res = NULL;
	char buf[4096];

	if (getpwnam_r(user, &pw, buf, sizeof(buf), &res) != 0 || res == NULL)
		return -1;
	*uid = pw.pw_uid;
	return 0;
}

/* The first enrolled key the agent offers (index into creds), or -1. */
static int
offered_key(const struct ns_sshsk_cred *creds, size_t n, const struct ns_agent_keys *keys)
{
	for (size_t i = 0; i < n; i++)
		for (size_t j = 0; j < keys->n; j++)
			if (keys->key[j].blob_len == creds[i].key.blob_len &&
			    memcmp(keys->key[j].blob, creds[i].key.blob, creds[i].key.blob_len) == 0)
				return (int)i;
	return -1;
}

/* What the signature says, against the policy. */
static int
flags_allowed(pam_handle_t *pamh, const char *user, const struct ns_sshsk_cred *c,
              const struct ns_sshsk_sig *sig, int uv_required)
{
	if (!(sig->flags & NS_SSHSK_FLAG_UP)) {
		mod_log(pamh, LOG_NOTICE, "user %s: ssh-sk %s: signature without user presence",
		        user, c->fingerprint);
		conv_error(pamh, "npm-release: the security key did not confirm a touch (no user "
		                 "presence): denied");
		return 0;
	}
	if ((uv_required || c->uv) && !(sig->flags & NS_SSHSK_FLAG_UV)) {
		mod_log(pamh, LOG_NOTICE, "user %s: ssh-sk %s: user verification required, absent",
		        user, c->fingerprint);
		conv_error(pamh, "npm-release: this approval needs user verification (PIN or "
		                 "biometric) on the security key: denied");
		return 0;
	}
	return 1;
}

/* Signs and checks; on success *proof is the SSHSIG armor (malloc'd). */
static int
sign_statement(pam_handle_t *pamh, const struct ns_config *cfg, int fd, const char *user,
               const struct ns_sshsk_cred *c, const struct approval_context *ctx,
               int uv_required, unsigned *counter, char **proof)
{
	unsigned char *data = NULL, *blob = NULL;
	size_t data_len = 0, blob_len = 0;
	struct ns_sshsk_sig sig;
	struct ns_err err;
	const char *stmt = ctx->approval.statement;
	int ok = 0;

	*proof = NULL;
	if (ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, (const unsigned char *)stmt, strlen(stmt),
	                         &data, &data_len, &err) != 0 ||
	    ns_agent_sign(fd, c->key.blob, c->key.blob_len, data, data_len,
	                  (int)cfg->sshsk_touch_timeout * 1000, &blob, &blob_len, &err) != 0 ||
	    ns_sshsk_sig_parse(blob, blob_len, c->key.type, &sig, &err) != 0 ||
	    ns_sshsk_verify(&c->key, &sig, data, data_len, &err) != 0) {
		mod_log(pamh, LOG_NOTICE, "user %s: ssh-sk %s: %s", user, c->fingerprint, err.msg);
		conv_error(pamh, "npm-release: verification failed: %s", err.msg);
		goto out;
	}
	if (!flags_allowed(pamh, user, c, &sig, uv_required))
		goto out;
	if (ns_sshsk_sshsig_armor(&c->key, NS_SSHSK_NAMESPACE, blob, blob_len, proof, &err) != 0) {
		mod_log(pamh, LOG_ERR, "user %s: ssh-sk proof: %s", user, err.msg);
		conv_error(pamh, "npm-release: cannot keep the signature: %s", err.msg);
		goto out;
	}
	*counter = sig.counter;
	ok = 1;
out:
	free(data);
	free(blob);
	return ok;
}

int
factor_sshsk(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
             const char *user, const struct ns_approver *appr,
             const struct approval_context *ctx, int agent, int uv_required)
{
	struct ns_sshsk_cred creds[NS_MAX_CREDS];
	struct ns_agent_keys keys;
	struct ns_err err;
	unsigned counter = 0;
	char *proof = NULL, record[96];
	size_t n = 0;
	uid_t uid;
	int rc = PAM_AUTH_ERR, which;

	memset(&keys, 0, sizeof(keys));
	for (; n < appr->n_sshsk && n < NS_MAX_CREDS; n++) {
		if (ns_sshsk_cred_parse(appr->sshsk[n], &creds[n], &err) != 0) {
			mod_log(pamh, LOG_ERR, "user %s: ssh-sk key %zu: %s", user, n + 1, err.msg);
			conv_error(pamh, "npm-release: enrolment of %s is unusable (see syslog)", user);
			return PAM_AUTH_ERR;
		}
	}
	/* err holds no message yet: an unknown user gets its own */
	if ((user_uid(user, &uid) != 0 ? ns_fail(&err, "no such user")
	                               : ns_agent_peer_is(agent, uid, &err)) != 0) {
		mod_log(pamh, LOG_ALERT, "user %s: ssh-agent refused: %s", user, err.msg);
		conv_error(pamh, "npm-release: the ssh-agent is not %s's: refused", user);
		return PAM_AUTH_ERR;
	}
	if (ns_agent_list(agent, &keys, &err) != 0) {
		mod_log(pamh, LOG_NOTICE, "user %s: %s", user, err.msg);
		conv_error(pamh, "npm-release: %s", err.msg);
		return PAM_AUTH_ERR;
	}
	which = offered_key(creds, n, &keys);
	ns_agent_keys_free(&keys);
	if (which < 0) {
		mod_log(pamh, LOG_NOTICE, "user %s: the agent offers none of the enrolled ssh-sk keys",
		        user);
		conv_error(pamh, "npm-release: your ssh-agent offers none of your enrolled security "
		                 "keys (ssh-add the key; connect with ssh -A)");
		return PAM_AUTH_ERR;
	}
	if (conv_info(pamh, "Touch your security key (%s) to approve %s",
	              creds[which].fingerprint, ctx->what) !=
	    PAM_SUCCESS)
		return PAM_CONV_ERR;
	if (!sign_statement(pamh, cfg, agent, user, &creds[which], ctx, uv_required, &counter,
	                    &proof))
		goto out;
	ns_sshsk_cred_counter_id(&creds[which], record, sizeof(record));
	if (factor_counter_advances(pamh, st, user, record, record, counter))
		rc = factor_accept(pamh, st, ctx, proof);
out:
	free(proof);
	return rc;
}

int
factor_sshsk_agent(pam_handle_t *pamh, int *fd)
{
	return agent_fd(pamh, fd);
}
