/* pam_npmstage: the gate in front of the stored npm publish token.
 *
 * auth: establish which checked release is being approved (from root-owned state),
 * check the approver and factor policy, show the approver what they approve, demand
 * the factor, then consume the approval and hand the token to npm-release. Every
 * path that is not that exact sequence ends in one cleanup block with a denial. */
#include "config.h"

#define PAM_SM_AUTH
#define PAM_SM_ACCOUNT
#include <security/pam_ext.h>
#include <security/pam_modules.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "approver.h"
#include "factor.h"
#include "module.h"
#include "train.h"

static int
get_user(pam_handle_t *pamh, const char **user)
{
	if (pam_get_user(pamh, user, NULL) != PAM_SUCCESS || *user == NULL ||
	    !ns_user_name_valid(*user)) {
		mod_log(pamh, LOG_ERR, "no valid user name");
		return PAM_USER_UNKNOWN;
	}
	return PAM_SUCCESS;
}

/* ssh-sk when the policy allows it, the approver has an ssh-sk key and the helper
 * holds their agent (they came over ssh -A); else FIDO2 when allowed and the approver
 * has a key; else TOTP when allowed. Exactly one factor is tried: a failed one is a
 * denial, never a fallback. Unknown users take the same path as enrolled ones
 * without a key. */
static int
run_factor(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
           const char *user, const struct approval_context *ctx,
           const struct module_args *args, unsigned factors, const char **fname)
{
	struct ns_approver appr;
	struct ns_err err;
	int k, rc, agent = -1, uv = ctx->require_uv;

	k = ns_approver_load(st, user, &appr, &err);
	if (k == 0 && (factors & NS_FACTOR_SSHSK) && appr.n_sshsk > 0) {
		rc = factor_sshsk_agent(pamh, &agent);
		if (rc != PAM_SUCCESS && rc != PAM_AUTHINFO_UNAVAIL) {
			ns_approver_wipe(&appr);
			return PAM_CONV_ERR;
		}
	}
	if (k < 0) {
		mod_log(pamh, LOG_ERR, "%s", err.msg);
		conv_error(pamh, "npm-release: enrolment of %s is unusable (see syslog)", user);
		rc = PAM_AUTH_ERR;
	} else if (agent >= 0) {
		*fname = "ssh-sk";
		rc = factor_sshsk(pamh, cfg, st, user, &appr, ctx, agent, uv);
	} else if (k == 0 && (factors & NS_FACTOR_FIDO2) && appr.n_fido2 > 0) {
		*fname = "fido2";
		rc = factor_fido2(pamh, cfg, st, user, &appr, ctx, args->cue);
	} else if ((factors & NS_FACTOR_TOTP) && !(k == 0 && !appr.has_totp && appr.n_sshsk > 0 &&
	                                           (factors & NS_FACTOR_SSHSK))) {
		*fname = "totp";
		rc = factor_totp(pamh, cfg, st, user, k == 0 ? &appr : NULL, ctx);
	} else if ((factors & NS_FACTOR_SSHSK) && k == 0 && appr.n_sshsk > 0) {
		/* an approver whose only usable factor is ssh-sk and who came without an
		 * agent: say so (a TOTP prompt could never succeed) */
		mod_log(pamh, LOG_NOTICE, "user %s: %s needs ssh-sk; no ssh-agent was handed over",
		        user, ctx->what);
		conv_error(pamh, "npm-release: %s needs your security key through your ssh-agent, "
		                 "and none was found: connect with ssh -A (SSH_AUTH_SOCK)",
		           ctx->what);
		rc = PAM_AUTH_ERR;
	} else if (factors & NS_FACTOR_FIDO2) {
		mod_log(pamh, LOG_NOTICE, "user %s: %s requires fido2; no fido2 credential enrolled",
		        user, ctx->what);
		conv_error(pamh, "npm-release: no usable second factor for %s: it requires a FIDO2 "
		                 "security key and none is enrolled for %s (npm-release enroll fido2)",
		           ctx->what, user);
		rc = PAM_AUTH_ERR;
	} else {
		mod_log(pamh, LOG_ERR, "no permitted factor for %s", ctx->what);
		conv_error(pamh, "npm-release: no usable second factor for %s", ctx->what);
		rc = PAM_AUTH_ERR;
	}
	if (k == 0)
		ns_approver_wipe(&appr);
	return rc;
}

/* What both hooks start with: arguments, the user, the configuration and the
 * state. On failure the PAM code to return; the caller's cleanup frees cfg and st. */
static int
open_gate(pam_handle_t *pamh, int argc, const char **argv, struct module_args *args,
          const char **user, struct ns_config **cfg, struct ns_state **st)
{
	const void *service = NULL;
	struct ns_err err;
	int rc;

	if (module_args_parse(pamh, argc, argv, args) != 0)
		return PAM_SERVICE_ERR;
	if ((rc = get_user(pamh, user)) != PAM_SUCCESS)
		return rc;
	*cfg = ns_config_load(args->config, &err);
	if (*cfg == NULL) {
		mod_log(pamh, LOG_ERR, "%s", err.msg);
		conv_error(pamh, "npm-release: configuration error (see syslog)");
		return PAM_SERVICE_ERR;
	}
	/* Only the service npm-release runs: stacked into su, sudo, login or sshd the
	 * module must never succeed, whatever the application answers its prompts. */
	if (pam_get_item(pamh, PAM_SERVICE, &service) != PAM_SUCCESS || service == NULL ||
	    (*cfg)->service == NULL || strcmp(service, (*cfg)->service) != 0) {
		if (args->ignore_other_services)
			return PAM_IGNORE;
		mod_log(pamh, LOG_ERR, "called by service '%s', not '%s': denied",
		        service ? (const char *)service : "?",
		        (*cfg)->service ? (*cfg)->service : "?");
		return PAM_AUTH_ERR;
	}
	if (ns_state_open((*cfg)->state_dir, 0, st, &err) != 0) {
		mod_log(pamh, LOG_ERR, "%s", err.msg);
		return PAM_SERVICE_ERR;
	}
	return PAM_SUCCESS;
}

PAM_EXTERN int
pam_sm_authenticate(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_args args;
	struct ns_config *cfg = NULL;
	struct ns_state *st = NULL;
	struct approval_context ctx;
	const char *user = NULL;
	unsigned factors;
	const char *fname = NULL;
	time_t now = time(NULL); /* for loading the context; factors read the clock again */
	int rc = PAM_AUTH_ERR, have_ctx = 0;

	memset(&ctx, 0, sizeof(ctx));
	if (flags & PAM_SILENT) {
		/* The approver must see what they approve; silence means no approval. */
		mod_log(pamh, LOG_ERR, "PAM_SILENT: refusing to approve unseen");
		goto out;
	}
	if ((rc = open_gate(pamh, argc, argv, &args, &user, &cfg, &st)) != PAM_SUCCESS)
		goto out;
	rc = PAM_AUTH_ERR;
	rc = context_load(pamh, st, cfg, user, now, &ctx);
	have_ctx = 1;
	if (rc == PAM_CONV_ERR && args.ignore_other_services && ctx.approval.id[0] == '\0') {
		rc = PAM_IGNORE; /* documented opt-out: not called by npm-release */
		goto out;
	}
	if (rc != PAM_SUCCESS) {
		rc = PAM_AUTH_ERR;
		goto out;
	}
	if ((rc = context_verify_statement(pamh, cfg, &ctx)) != PAM_SUCCESS)
		goto out;
	rc = PAM_AUTH_ERR;
	if (!context_policy(pamh, cfg, &ctx, user, args.factors, &factors))
		goto out;
	if (ctx.resume) {
		/* a train approved with a factor and consumed, interrupted while it
		 * published: the same bytes, the same approver, within its expiry */
		rc = train_resume(pamh, cfg, st, &ctx, user);
		goto out;
	}
	if (context_show(pamh, &ctx) != PAM_SUCCESS)
		goto out;
	rc = run_factor(pamh, cfg, st, user, &ctx, &args, factors, &fname);
	if (rc != PAM_SUCCESS) {
		if (rc != PAM_CONV_ERR)
			rc = PAM_AUTH_ERR;
		goto out;
	}
	rc = token_release(pamh, cfg, st, &ctx, fname);
	if (rc == PAM_SUCCESS)
		mod_log(pamh, LOG_NOTICE, "user %s: %s %s (%s), approval %s", user,
		        ctx.approval.action, ctx.what,
		        ctx.members != NULL ? ctx.approval.statement_sha256 : ctx.release.integrity,
		        ctx.approval.id);
	else
		rc = PAM_AUTH_ERR;
out:
	if (have_ctx)
		context_clear(&ctx);
	ns_state_close(st);
	ns_config_free(cfg);
	return rc;
}

PAM_EXTERN int
pam_sm_setcred(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	(void)pamh;
	(void)flags;
	(void)argc;
	(void)argv;
	return PAM_SUCCESS;
}

/* account: is this user an approver for the package of the approval at hand? */
PAM_EXTERN int
pam_sm_acct_mgmt(pam_handle_t *pamh, int flags, int argc, const char **argv)
{
	struct module_args args;
	struct ns_config *cfg = NULL;
	struct ns_state *st = NULL;
	struct ns_approval a;
	struct ns_release r;
	const char *user = NULL;
	char id[NS_ID_MAX];
	struct ns_err err;
	int rc = PAM_PERM_DENIED, have_a = 0, have_r = 0;

	(void)flags;
	memset(&a, 0, sizeof(a));
	memset(&r, 0, sizeof(r));
	if ((rc = open_gate(pamh, argc, argv, &args, &user, &cfg, &st)) != PAM_SUCCESS)
		goto out;
	rc = PAM_PERM_DENIED;
	if (context_approval_id(pamh, id, sizeof(id)) != PAM_SUCCESS) {
		rc = args.ignore_other_services ? PAM_IGNORE : PAM_PERM_DENIED;
		goto out;
	}
	{
		/* a train: every member's */
		struct ns_train t;
		int k = ns_train_read(st, id, &t, &err);
		if (k <= 0) {
			if (k == 0 && train_account(pamh, st, cfg, &t, user))
				rc = PAM_SUCCESS;
			else if (k < 0)
				mod_log(pamh, LOG_ERR, "account: %s", err.msg);
			if (k == 0)
				ns_train_clear(&t);
			goto out;
		}
	}
	have_a = have_r = ns_approval_ticket(st, id, &a, &r, &err) == 0;
	if (!have_r || strcmp(a.approver, user) != 0) {
		mod_log(pamh, LOG_ERR, "account: approval %s unknown or not %s's", id, user);
		goto out;
	}
	if (!ns_scope_allows(ns_config_scope(cfg, r.name), user)) {
		mod_log(pamh, LOG_NOTICE, "account: user %s may not approve %s", user, r.name);
		goto out;
	}
	rc = PAM_SUCCESS;
out:
	if (have_a)
		ns_approval_clear(&a);
	if (have_r)
		ns_release_clear(&r);
	ns_state_close(st);
	ns_config_free(cfg);
	return rc;
}
