/* Internal interfaces of pam_npmstage.so, one file per job. */
#ifndef PAM_NPMSTAGE_MODULE_H
#define PAM_NPMSTAGE_MODULE_H

#include <security/pam_modules.h>
#include <time.h>

#include "approver.h"
#include "nsconfig.h"
#include "nserr.h"
#include "state.h"

/* module_args.c: pam.d arguments. */
struct module_args {
	const char *config;  /* config=FILE */
	unsigned factors;    /* factors=LIST (0 = all the configuration allows) */
	int debug;
	int cue;
	int ignore_other_services; /* ignore_outside_helper: the documented opt-out */
};
int module_args_parse(pam_handle_t *pamh, int argc, const char **argv, struct module_args *a);

/* conv.c: the conversation. Every failure is an error (fail closed). */
int conv_info(pam_handle_t *pamh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
int conv_error(pam_handle_t *pamh, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/* Prompts with echo off; *out is malloc'd (wipe it). Empty or over-long answers fail. */
int conv_secret(pam_handle_t *pamh, const char *prompt, size_t max, char **out);
/* Sends a binary message; *reply (may be NULL) is malloc'd text from the application. */
int conv_binary(pam_handle_t *pamh, const unsigned char *msg, char **reply);
/* Asks npm-release a question of a handoff type (handoff.h); *reply is malloc'd text. */
int conv_ask(pam_handle_t *pamh, int type, const char *question, char **reply);
void mod_log(pam_handle_t *pamh, int prio, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* approval_context.c: what is being approved, read from root-owned state. */
struct approval_context {
	/* one release: its approval; a train: the train's id, approver, statement, hash
	 * and expiry, with the action "train" */
	struct ns_approval approval;
	struct ns_release release;    /* one release only */
	/* a train: each member loaded and verified exactly as one release would be */
	struct approval_context *members;
	size_t n_members;
	char what[512];               /* "name@version" or "a train of N packages" */
	int require_uv;               /* some scope of what is approved requires UV */
	/* for a train's table: warnings, the change since the previous version, and
	 * where the install-script and provenance lines are in summary */
	size_t warnings;
	char warning_ids[160];        /* "id, id, ..." (cut with "...") */
	char change[1600];            /* sanitised, at most 1500 bytes, as quoted alone */
	size_t quoted_from, quoted_to;
	char summary[8192];           /* what the approver is shown (one release) */
	int summary_cut;              /* a line did not fit and was left out */
	char *train_summary;          /* a train's table, malloc'd, shown in parts */
	/* a consumed train resumed after a crash: no factor, nothing consumed */
	int resume;
	size_t resume_pending;        /* members still "publishing" */
	char resume_factor[16];       /* the factor the train was approved with */
};
/* Asks the application (npm-release) which approval this is. */
int context_approval_id(pam_handle_t *pamh, char *id, size_t cap);
int context_load(pam_handle_t *pamh, struct ns_state *st, const struct ns_config *cfg,
                 const char *user, time_t now, struct approval_context *ctx);
/* One release's approval id: loaded, and its report and spool verified. */
int context_load_release(pam_handle_t *pamh, struct ns_state *st, const char *user, time_t now,
                         const char *id, struct approval_context *ctx);
/* Every scope of what is approved allows user; *factors: the factors all of them
 * permit (within the module's factors= when not 0). 0 with an error shown, or 1. */
int context_policy(pam_handle_t *pamh, const struct ns_config *cfg,
                   const struct approval_context *ctx, const char *user, unsigned args_factors,
                   unsigned *factors);
/* Shows the approver what they approve: PAM_SUCCESS or the conversation's error. */
int context_show(pam_handle_t *pamh, const struct approval_context *ctx);
/* The spooled bytes of r are still the checked ones (logged when not): 1 or 0. */
int context_spool_matches(pam_handle_t *pamh, struct ns_state *st, const struct ns_release *r);
/* The stored statement must be exactly the one the release and approval produce. */
int context_verify_statement(pam_handle_t *pamh, const struct ns_config *cfg,
                             const struct approval_context *ctx);
void context_clear(struct approval_context *ctx);

/* train_context.c: a train's ticket, its members and its table. */
struct ns_train;
int train_context_load(pam_handle_t *pamh, struct ns_state *st, const struct ns_config *cfg,
                       const char *user, time_t now, struct ns_train *t,
                       struct approval_context *ctx);
/* A resumed train (ctx->resume), its statement verified: the notice, then the
 * token, nothing consumed. PAM_SUCCESS or a denial. */
int train_resume(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
                 const struct approval_context *ctx, const char *user);
int train_verify_statement(pam_handle_t *pamh, const struct ns_config *cfg,
                           const struct approval_context *ctx);
/* account: user may approve every member of train id (1), or not (0). */
int train_account(pam_handle_t *pamh, struct ns_state *st, const struct ns_config *cfg,
                  const struct ns_train *t, const char *user);
/* The clock, read again once the factor's answer has arrived (the module may have
 * waited at a prompt for any time, e.g. a stopped helper): *now is that time, and
 * an approval that expired meanwhile is refused. The expiry is the bound on how
 * long a prompt may stay open. */
int context_answer_time(pam_handle_t *pamh, const struct approval_context *ctx, time_t *now);

/* factor_totp.c: appr is the user's enrolment, NULL when there is none (the prompt
 * is the same either way). */
int factor_totp(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
                const char *user, const struct ns_approver *appr,
                const struct approval_context *ctx);

/* factor_fido2.c: appr has at least one fido2 credential; cue shows the touch cue. */
struct ns_approver;
int factor_fido2(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
                 const char *user, const struct ns_approver *appr,
                 const struct approval_context *ctx, int cue);

/* factor_common.c: for the hardware factors. The signature counter stored under
 * record (shown in logs as shown) must advance (else a possible clone or replay:
 * denied, 0); factor_accept reads the clock again and keeps the proof for the
 * ledger: PAM_SUCCESS or PAM_AUTH_ERR. */
int factor_counter_advances(pam_handle_t *pamh, struct ns_state *st, const char *user,
                            const char *record, const char *shown, unsigned counter);
int factor_accept(pam_handle_t *pamh, struct ns_state *st, const struct approval_context *ctx,
                  const char *proof);

/* factor_sshsk.c: factor_sshsk_agent asks the helper for the agent descriptor
 * (PAM_AUTHINFO_UNAVAIL: none); factor_sshsk signs the statement through it with one
 * of appr's ssh-sk keys; uv_required: the scope's require_uv. */
int factor_sshsk_agent(pam_handle_t *pamh, int *fd);
int factor_sshsk(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
                 const char *user, const struct ns_approver *appr,
                 const struct approval_context *ctx, int agent, int uv_required);

/* token_release.c: consume the approval (at the time of consumption), hand the
 * helper what the action needs: the token for a publish or a registry reject,
 * nothing for a local reject or an approval that is not yet the last needed. */
int token_release(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
                  const struct approval_context *ctx, const char *factor);

#endif
