/* The TOTP factor: one prompt, a constant-time match over the window placed at
 * the time the answer arrived (not when the prompt was shown: it may have been
 * held open), and the matched step recorded (with failures and lockout) before
 * success is returned. */
#include "config.h"

#include <security/pam_ext.h>
#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "approver.h"
#include "module.h"
#include "secure_file.h"
#include "totp.h"

struct match_arg {
	const struct ns_totp_key *key;
	const char *code;
	time_t now;
	unsigned window;
};

static long long
match(void *p)
{
	const struct match_arg *m = p;

	return ns_totp_match(m->key, m->code, m->now, m->window);
}

int
factor_totp(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
            const char *user, const struct ns_approver *appr,
            const struct approval_context *ctx)
{
	struct ns_totp_policy pol = { cfg->totp_max_failures, cfg->totp_lockout,
		                      cfg->totp_max_lockouts };
	struct match_arg m;
	struct ns_err err;
	char prompt[600], *code = NULL;
	time_t now;
	int rc;

	/* The same prompt whether or not the user is enrolled: no enumeration. */
	snprintf(prompt, sizeof(prompt), "Verification code for %s: ", ctx->what);
	rc = conv_secret(pamh, prompt, 16, &code);
	if (rc != PAM_SUCCESS) {
		mod_log(pamh, LOG_NOTICE, "user %s: no verification code (conversation)", user);
		return rc == PAM_CONV_ERR ? PAM_CONV_ERR : PAM_AUTH_ERR;
	}
	if (context_answer_time(pamh, ctx, &now) != PAM_SUCCESS) {
		ns_free_secret(code, strlen(code));
		return PAM_AUTH_ERR;
	}
	if (appr == NULL || !appr->has_totp) {
		ns_free_secret(code, strlen(code));
		mod_log(pamh, LOG_NOTICE, "user %s: not enrolled for totp", user);
		return PAM_AUTH_ERR;
	}
	m.key = &appr->totp;
	m.code = code;
	m.now = now;
	m.window = cfg->totp_window;
	rc = ns_state_totp_use(st, user, now, &pol, match, &m, &err);
	ns_free_secret(code, strlen(code));
	if (rc != 0) {
		mod_log(pamh, LOG_NOTICE, "user %s: totp refused: %s", user, err.msg);
		conv_error(pamh, "npm-release: verification failed");
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}
