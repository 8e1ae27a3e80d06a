/* pam_npmstage through the real Linux-PAM stack: policy, missing context and
 * every failure path deny (the fixture: gate_fixture.h; main: test_pam_gate.c). */
#include "config.h"

#include <libpamtest.h>
#include <security/pam_appl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "approval.h"
#include "digest.h"
#include "handoff.h"
#include "nsconfig.h"
#include "nstest.h"
#include "pamfix.h"
#include "gate_fixture.h"
#include "state.h"

void
test_no_context(void **state)
{
	struct pamfix_conv cs = { 0 };
	const char *user = new_user(NULL);

	(void)state;
	cs.code = "123456";
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, PAM_PERM_DENIED);
	assert_int_equal(cs.prompts, 0);
	/* The documented opt-out: outside npm-release the module returns PAM_IGNORE,
	 * so the stack's next module (pam_permit in this service) decides. */
	memset(&cs, 0, sizeof(cs));
	cs.code = "123456";
	run("npm-release-optout", user, &cs, 0, PAM_SUCCESS, -1);
	assert_int_equal(cs.prompts, 0);
	/* an approval id nobody created */
	cs.approval_id = "0123456789abcdef0123456789abcdef";
	cs.code = "123456";
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, PAM_PERM_DENIED);
	/* a malformed approval id */
	memset(&cs, 0, sizeof(cs));
	cs.approval_id = "../../etc/passwd";
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, -1);
}

void
test_sms_never_authenticates(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	char user[16];

	(void)state;
	/* in the module arguments */
	snprintf(user, sizeof(user), "%s", new_user(NULL));
	new_approval(&fx, user, "demo-pkg", "pass");
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release-sms", user, &cs, 0, PAM_SERVICE_ERR, -1);
	assert_non_null(strstr(cs.text, "refused"));
	assert_int_equal(cs.tokens, 0);
	/* in the configuration */
	write_config("totp sms", NULL);
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_SERVICE_ERR, -1);
	assert_int_equal(cs.tokens, 0);
	write_config("totp fido2", NULL);
	/* in the enrolment */
	snprintf(user, sizeof(user), "%s",
	         new_user("totp sha1 6 30 " SECRET_B32 "\nsms +15550100"));
	memset(&fx, 0, sizeof(fx));
	new_approval(&fx, user, "demo-pkg", "pass");
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, -1);
	assert_int_equal(cs.tokens, 0);
	assert_false(consumed(&fx));
}

void
test_policy(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	char user[16];

	(void)state;
	/* a user outside the scope's approvers */
	new_approval(&fx, "mallory", "demo-pkg", "pass");
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", "mallory", &cs, 0, PAM_AUTH_ERR, PAM_PERM_DENIED);
	assert_non_null(strstr(cs.text, "not an approver"));
	assert_int_equal(cs.prompts, 0);
	/* another approver's approval */
	snprintf(user, sizeof(user), "%s", new_user(NULL));
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, PAM_PERM_DENIED);
	/* a scope that demands fido2: totp is not enough */
	memset(&fx, 0, sizeof(fx));
	new_approval(&fx, "u1", "@acme/widget", "pass");
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", "u1", &cs, 0, PAM_AUTH_ERR, -1);
	assert_non_null(strstr(cs.text, "no usable second factor"));
	assert_int_equal(cs.tokens, 0);
}

/* Each way the release context can be wrong denies, and burns nothing. */
void
test_context_failures(void **state)
{
	/* Each edits the approval's ticket (section, key, from, to) as an attacker with
	 * write access to the state would; "SPOOL" swaps the spooled bytes, "USED"
	 * marks the approval used. */
	static const struct {
		const char *section, *key, *from, *to;
	} tamper[] = {
		{ NULL, NULL, NULL, NULL }, /* report says fail */
		{ "release", "report", "ok", "OK" },
		{ "release", "status", NULL, "failed" },
		{ "release", "integrity", NULL, "sha512-AAAA" },
		{ "approval", "expires", NULL, "1" },
		{ "approval", "statement", "latest", "next" },
		{ "approval", "approver", NULL, "someone" },
		{ "USED", NULL, NULL, NULL },
		{ "SPOOL", NULL, NULL, NULL },
	};
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(tamper) / sizeof(tamper[0]); i++) {
		struct pamfix_conv cs = { 0 };
		struct fixture fx = { "", "" };
		const char *sec = tamper[i].section;
		char user[16];
		snprintf(user, sizeof(user), "%s", new_user(NULL));
		new_approval(&fx, user, "demo-pkg", sec == NULL ? "fail" : "pass");
		if (sec != NULL && strcmp(sec, "SPOOL") == 0) {
			char spool[900];
			snprintf(spool, sizeof(spool), "%s/spool/%s.tgz", statedir, fx.release_id);
			assert_int_equal(nstest_write(spool, "swapped bytes", 0600), 0);
		} else if (sec != NULL && strcmp(sec, "USED") == 0) {
			assert_int_equal(pamfix_mark_used(statedir, fx.approval_id), 0);
		} else if (sec != NULL) {
			assert_int_equal(pamfix_ticket_edit(statedir, fx.approval_id, sec, tamper[i].key,
			                                    tamper[i].from, tamper[i].to), 0);
		}
		cs.approval_id = fx.approval_id;
		cs.code = code_at(steady_now());
		run("npm-release", user, &cs, 0, PAM_AUTH_ERR, -1);
		assert_int_equal(cs.tokens, 0);
		assert_int_equal(cs.prompts, 0);
	}
}

void
test_conversation_failures(void **state)
{
	static const char *answers[] = { NULL, "", "12345678901234567890" };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(answers) / sizeof(answers[0]); i++) {
		struct pamfix_conv cs = { 0 };
		struct fixture fx = { "", "" };
		char user[16];
		snprintf(user, sizeof(user), "%s", new_user(NULL));
		new_approval(&fx, user, "demo-pkg", "pass");
		cs.approval_id = fx.approval_id;
		cs.code = answers[i];
		run("npm-release", user, &cs, 0, answers[i] == NULL ? PAM_CONV_ERR : PAM_AUTH_ERR, -1);
		assert_int_equal(cs.tokens, 0);
		assert_false(consumed(&fx));
	}
}

void
test_silent_and_args(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	char user[16];

	(void)state;
	snprintf(user, sizeof(user), "%s", new_user(NULL));
	new_approval(&fx, user, "demo-pkg", "pass");
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, PAM_SILENT, PAM_AUTH_ERR, -1);
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release-badarg", user, &cs, 0, PAM_SERVICE_ERR, -1);
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release-noconfig", user, &cs, 0, PAM_SERVICE_ERR, -1);
	assert_int_equal(cs.tokens, 0);
	assert_false(consumed(&fx));
	/* a configuration that turned world-writable is not read */
	assert_int_equal(chmod(conf, 0666), 0);
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_SERVICE_ERR, -1);
	assert_int_equal(chmod(conf, 0644), 0);
	assert_int_equal(cs.tokens, 0);
}

void
test_unenrolled_gets_same_prompt(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };

	(void)state;
	new_approval(&fx, "u60", "demo-pkg", "pass");
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", "u60", &cs, 0, PAM_AUTH_ERR, -1);
	assert_int_equal(cs.prompts, 1);
	assert_int_equal(cs.tokens, 0);
}

void
test_unusable_token_file_burns_nothing(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	char user[16];

	(void)state;
	snprintf(user, sizeof(user), "%s", new_user(NULL));
	new_approval(&fx, user, "demo-pkg", "pass");
	assert_int_equal(chmod(tokenfile, 0644), 0);
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, -1);
	assert_int_equal(chmod(tokenfile, 0600), 0);
	assert_int_equal(cs.tokens, 0);
	assert_false(consumed(&fx));
}
