/* The release-host fixture of the PAM-stack gate tests (test_pam_gate.c, the
 * factor and replay tests; test_pam_gate_policy.c, policy and failure paths): a
 * state folder, a configuration, approvers u1..u60, checked releases with
 * approvals, TOTP codes from oathtool, and one pam_wrapper run per attempt. */
#ifndef NS_GATE_FIXTURE_H
#define NS_GATE_FIXTURE_H

#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <time.h>
#include <cmocka.h>

#include "pamfix.h"

#define SECRET_HEX "3132333435363738393031323334353637383930"
#define SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define TOKEN "npm_release_token_for_tests_0123456789"

/* The conversation plays npm-release's side (tests/pam/pamfix.c): it names the
 * approval when asked and receives the token. */
#define conv pamfix_conv_fn

struct fixture {
	char release_id[64];
	char approval_id[64];
};

extern char work[512], conf[600], statedir[600], tokenfile[600];
extern int next_user, next_release;
/* What the next release's report and record quote from the package and the stager
 * (JSON string contents); the forgery test replaces them. */
extern const char *fixture_warning, *fixture_diff, *fixture_staged_by, *fixture_install;

void write_config(const char *factors, const char *extra);
const char *new_user(const char *enrolment);
/* A checked release with spooled bytes and a passing report, and an approval for user. */
void new_approval(struct fixture *fx, const char *user, const char *pkg, const char *result);
int consumed(const struct fixture *fx);
/* Stay clear of a step boundary so that "now" here and in the module agree. */
time_t steady_now(void);
char *code_at(time_t t);
void run(const char *service, const char *user, struct pamfix_conv *cs, int flags,
         int expect_auth, int expect_account);
int setup(void **state);
int before_each(void **state);

/* test_pam_gate_policy.c */
void test_no_context(void **state);
void test_sms_never_authenticates(void **state);
void test_policy(void **state);
void test_context_failures(void **state);
void test_conversation_failures(void **state);
void test_silent_and_args(void **state);
void test_unenrolled_gets_same_prompt(void **state);
void test_unusable_token_file_burns_nothing(void **state);

#endif
