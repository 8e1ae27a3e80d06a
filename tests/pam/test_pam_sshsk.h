/* The ssh-sk PAM test (one cmocka program): the fixture in test_pam_sshsk.c, the
 * signature cases there, the agent's failures and the agent hand-over cases in
 * test_pam_sshsk_agent.c. */
#ifndef TEST_PAM_SSHSK_H
#define TEST_PAM_SSHSK_H

#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <setjmp.h>
#include <cmocka.h>

#include "pamfix.h"
#include "soft_agent.h"

#define SVC "npm-release-sshsk"
#define TOTP_HEX "3132333435363738393031323334353637383930"
#define TOTP_LINE "totp sha1 6 30 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"
#define GHOST "npmstage-no-such-user" /* an approver without a passwd entry */
#define UP NS_SSHSK_FLAG_UP
#define UV NS_SSHSK_FLAG_UV

extern struct pamfix fx;
extern char approver[64];		/* the user running the test */
extern struct soft_key ed, ec, stranger; /* fresh for each case */

/* Scope * allows factors, with require_uv; the approver is the test's user. */
void write_config(const char *factors, const char *require_uv);
/* approvers/<approver>: the key (uv=0|1), and a TOTP secret when totp is set. */
void enrol(const struct soft_key *k, int uv, int totp);
/* An agent that offers k and signs with it (flags, counter). */
struct soft_agent agent(const struct soft_key *k, unsigned flags, uint32_t counter);
/* One pam_authenticate of a new approval (id) with the agent a handed over
 * (a NULL: the application answers "none"). */
int attempt(struct soft_agent *a, char *id, struct pamfix_conv *cs);
int have_proof(const char *id);
/* Denied with why in the text; no token, no prompt, the approval unused, no proof. */
void denied(struct soft_agent *a, const char *why);
/* Approved by ssh-sk: the token crossed, the approval is used, the proof kept. */
void approved(struct soft_agent *a, char *id);

void test_agent_refuses(void **state);
void test_agent_hangs(void **state);
void test_agent_garbage(void **state);
void test_other_uid(void **state);
void test_not_a_stream_socket(void **state);
void test_no_agent(void **state);

#endif
