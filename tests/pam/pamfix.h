/* A release-host fixture for driving pam_npmstage through libpam (under
 * pam_wrapper): state, configuration, token file, checked releases with
 * approvals, and a conversation that plays npm-release's side. Shared by the
 * FIDO2 PAM test, the fault-injection run and the PAM benchmark. Test code. */
#ifndef PAMFIX_H
#define PAMFIX_H

#include <stddef.h>

#define PAMFIX_TOKEN "npm_release_token_for_tests_0123456789"

struct pamfix {
	char work[512];
	char conf[600];
	char statedir[600];
	char tokenfile[600];
	char body[4096];   /* the test's configuration lines, kept for pamfix_service */
	char service[64];  /* [npmstage] service; "" is npm-release */
	int next_release;
};

struct pamfix_conv {
	const char *approval_id; /* answered to the context request */
	const char *code;        /* answered to an echo-off prompt; NULL fails it */
	int prompts;             /* echo-off prompts seen */
	int tokens;              /* token messages received (acknowledged "ok") */
	int recorded;            /* NS_BP_RECORDED: counted, not the last approval */
	int rejected;            /* NS_BP_REJECTED: a reject consumed, nothing crossed */
	unsigned delay;          /* seconds to wait before answering a prompt */
	int agent_fd;            /* answered to the ssh-agent request when >= 3, else "none" */
	char token[256];
	char text[8192];         /* info and error messages, one a line */
};

/* Empties work (created 0755), writes the token file, creates the state. */
int pamfix_init(struct pamfix *f, const char *work);
/* Writes the configuration: [npmstage] state_dir + body (the rest of the file). */
int pamfix_config(struct pamfix *f, const char *body);
/* Rewrites the configuration naming SERVICE as the one the module answers. */
int pamfix_service(struct pamfix *f, const char *service);
/* Writes approvers/<user> with the given enrolment lines. */
int pamfix_enrol(struct pamfix *f, const char *user, const char *lines);
/* Enrols a key on the attached authenticator (ns_fido2_enroll) for rp_id and
 * writes approvers/<user>: its line, then extra (may be NULL). */
int pamfix_enrol_fido2(struct pamfix *f, const char *rp_id, const char *user, int alg,
                       const char *extra);
/* A checked release of pkg (passing report, spooled bytes) and an approval for
 * user; its id goes to approval_id (65 bytes). */
int pamfix_approval(struct pamfix *f, const char *user, const char *pkg, char *approval_id);
/* A checked release of pkg with the given origin ("local" or "registry"); its id
 * goes to release_id (65 bytes). */
int pamfix_release(struct pamfix *f, const char *pkg, const char *origin, char *release_id);
/* An approval (action "approve" or "reject") of release_id for user, created
 * back_dated seconds ago (so it expires approval_ttl - back_dated from now). */
int pamfix_approval_of(struct pamfix *f, const char *release_id, const char *user,
                       const char *action, int back_dated, char *approval_id);
/* 1 consumed, 0 not, -1 error; factor (16 bytes, may be NULL) gets the factor used. */
int pamfix_consumed(struct pamfix *f, const char *approval_id, char *factor);
/* Tampers with the ticket of approval id under statedir, as an attacker with
 * write access would: in section "approval" (statement, statement_sha256,
 * approver, expires) or "release" (report, status, integrity) the key's first
 * "from" becomes "to" (from NULL: the whole value; expires: the number "to").
 * 0 done, -1 not possible. */
int pamfix_ticket_edit(const char *statedir, const char *id, const char *section,
                       const char *key, const char *from, const char *to);
/* Marks approval id used behind the module's back (used/ID). */
int pamfix_mark_used(const char *statedir, const char *id);
/* Forgets user's TOTP replay record and lockout (totp/USER). */
int pamfix_totp_reset(struct pamfix *f, const char *user);

/* The conversation: plays npm-release's side with a struct pamfix_conv. */
struct pam_message;
struct pam_response;
int pamfix_conv_fn(int n, const struct pam_message **msgs, struct pam_response **resp,
                   void *ud);

/* pam_start(service, user) + pam_authenticate + pam_end with cs as the
 * conversation; returns pam_authenticate's result (or -1 if pam_start failed). */
int pamfix_authenticate(const char *service, const char *user, struct pamfix_conv *cs);

#endif
