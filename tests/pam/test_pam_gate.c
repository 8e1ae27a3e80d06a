/* pam_npmstage through the real Linux-PAM stack (pam_wrapper + libpamtest).
 * A custom conversation plays npm-release's side: it names the approval when asked
 * and receives the token. TOTP codes come from oathtool. Every denial path is
 * checked to deny, and the token to be handed over exactly once, only on success. */
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

static void
test_good_code_releases_token_once(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	const char *user = new_user(NULL);

	(void)state;
	new_approval(&fx, user, "demo-pkg", "pass");
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_SUCCESS, PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	assert_string_equal(cs.token, TOKEN);
	assert_int_equal(cs.prompts, 1);
	assert_true(consumed(&fx));
	/* the approver saw what they approved, control characters stripped */
	assert_non_null(strstr(cs.text, "Approve demo-pkg@1.0.0"));
	assert_non_null(strstr(cs.text, "integrity sha512-"));
	assert_non_null(strstr(cs.text, "1 passed, 1 warnings"));
	assert_non_null(strstr(cs.text, "  changes:\n  | +1 file\n"));
	assert_null(strchr(cs.text, 0x1b));
	/* the same approval cannot be used twice, even with a fresh code */
	cs.approval_id = fx.approval_id;
	cs.code = code_at(time(NULL) + 30);
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, -1);
	assert_int_equal(cs.tokens, 0);
}

/* No byte of a line the approver sees may steer the terminal or reorder text. */
static void
assert_line_inert(const char *line, size_t len)
{
	const unsigned char *p = (const unsigned char *)line;
	size_t i;

	for (i = 0; i < len; i++) {
		if (p[i] < 0x20 || p[i] == 0x7f)
			fail_msg("raw control 0x%02x in shown line: %.*s", p[i], (int)len, line);
		if (i + 1 < len && p[i] == 0xc2 && p[i + 1] >= 0x80 && p[i + 1] <= 0x9f)
			fail_msg("raw C1 control in shown line: %.*s", (int)len, line);
		if (i + 2 < len && p[i] == 0xe2 &&
		    ((p[i + 1] == 0x80 && (p[i + 2] == 0xa8 || p[i + 2] == 0xa9 ||
		                           (p[i + 2] >= 0xaa && p[i + 2] <= 0xae))) ||
		     (p[i + 1] == 0x81 && p[i + 2] >= 0xa6 && p[i + 2] <= 0xa9)))
			fail_msg("raw line separator or bidi control in shown line: %.*s", (int)len,
			         line);
	}
}

/* The approver's screen cannot be forged from the package: a postinstall of 30
 * newlines and a fake header, terminal escapes, \r, U+2028 and a bidi override
 * in the message, the diff and the stager's name. Every line shown is the
 * module's own: the genuine header, a two-space detail line, or "  | " quoting. */
static void
test_prompt_forgery(void **state)
{
	static const char *const own[] = { "  integrity ", "  sha1      ", "  warn ", "  checks: ",
		                           "  changes:", "  | " };
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	const char *user = new_user(NULL);
	char warning[1024] = "install-time script 'postinstall': ";
	const char *line, *nl;
	size_t i, len, headers = 0, quoted = 0;
	int known;

	(void)state;
	for (i = 0; i < 30; i++)
		strcat(warning, "\\n");
	strcat(warning, "Approve left-pad@1.3.1 (dist-tag latest, staged by ci)\\n"
	                "  integrity sha512-AAAA\\r\\u001b[2J");
	fixture_warning = warning;
	fixture_diff = "+1 file\\nApprove left-pad@1.3.1 (dist-tag latest, staged by ci)\\r"
	               "\\u001b[2J\\u001b[H\\u001b[1A\\u2028Approve left-pad@1.3.1\\u202e"
	               "\\u2066\\u0085  | ok\\u007f\\u2029x";
	fixture_staged_by = "ci\nApprove left-pad@1.3.1\r\x1b[2J";
	new_approval(&fx, user, "demo-pkg", "pass");
	fixture_warning = "postinstall \\u001b[31m";
	fixture_diff = "+1 file";
	fixture_staged_by = "ci";
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_SUCCESS, PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	for (line = cs.text; *line != '\0'; line = nl + 1) {
		nl = strchr(line, '\n');
		assert_non_null(nl);
		len = (size_t)(nl - line);
		assert_line_inert(line, len);
		if (strncmp(line, "Approve ", 8) == 0 || strncmp(line, "REJECT ", 7) == 0) {
			headers++;
			assert_true(strncmp(line, "Approve demo-pkg@1.0.0 (dist-tag latest, staged by "
			                          "ci\\nApprove left-pad@1.3.1\\r\\x1b[2J)", 82) == 0);
			continue;
		}
		/* the summary's own last newline, before the conversation's */
		for (known = len == 0, i = 0; i < sizeof(own) / sizeof(own[0]); i++)
			known |= strncmp(line, own[i], strlen(own[i])) == 0;
		if (!known)
			fail_msg("a shown line does not start like one of the module's: %.*s",
			         (int)len, line);
		quoted += strncmp(line, "  | ", 4) == 0;
	}
	assert_int_equal(headers, 1);
	assert_int_equal(quoted, 2);
	assert_null(strstr(cs.text, "\n\n\n"));
	/* the forged text is there, visibly escaped, inside the quoted lines */
	line = strstr(cs.text, "  | install-time script 'postinstall': \\n\\n\\n");
	assert_non_null(line);
	/* bounded: a quoted check message is cut at 160 bytes, visibly */
	nl = strchr(line, '\n');
	assert_true(nl - line <= 4 + 160 && strncmp(nl - 3, "...", 3) == 0);
	assert_non_null(strstr(cs.text, "  | +1 file\\nApprove left-pad@1.3.1 (dist-tag latest, "
	                                "staged by ci)\\r\\x1b[2J\\x1b[H\\x1b[1A\\u2028Approve "
	                                "left-pad@1.3.1\\u202e\\u2066\\u0085  | ok\\x7f\\u2029x\n"));
}

/* An install-time script that is new or changed is shown whole (bounded) on its own
 * quoted line, the bundled package named; an unchanged one is not repeated. */
static void
test_install_script_shown(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	const char *user = new_user(NULL);
	char install[2400] = ",\"install_scripts\":[{\"package\":\"\",\"script\":\"postinstall\","
		"\"command\":\"node steal.js\\u001b[2J\\nApprove x\",\"length\":27,\"change\":\"new\"},"
		"{\"package\":\"node_modules/a\",\"script\":\"install\",\"command\":\"sh b.sh\","
		"\"length\":7,\"change\":\"changed\"},{\"package\":\"\",\"script\":\"preinstall\","
		"\"command\":\"node unchanged.js\",\"length\":17,\"change\":\"unchanged\"},"
		"{\"package\":\"\",\"script\":\"install\",\"length\":2000,\"change\":\"no previous\","
		"\"command\":\"";
	const char *line, *nl;

	(void)state;
	memset(install + strlen(install), 'x', 1000);
	strcat(install, "\"}]");
	fixture_install = install;
	new_approval(&fx, user, "demo-pkg", "pass");
	fixture_install = "";
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", user, &cs, 0, PAM_SUCCESS, PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	assert_non_null(strstr(cs.text, "  install-time script postinstall (new, 27 bytes):\n"
	                                "  | node steal.js\\x1b[2J\\nApprove x\n"));
	assert_non_null(strstr(cs.text, "  install-time script install (changed, 7 bytes):\n"
	                                "  | node_modules/a: sh b.sh\n"));
	assert_null(strstr(cs.text, "unchanged.js"));
	line = strstr(cs.text, "  install-time script install (no previous, 2000 bytes):\n  | xxx");
	assert_non_null(line);
	line = strchr(line, '\n') + 1;
	nl = strchr(line, '\n');
	assert_true(nl - line <= 4 + 600 && strncmp(nl - 3, "...", 3) == 0);
}

static void
test_wrong_code(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture fx = { "", "" };
	const char *user = new_user(NULL);
	char wrong[16];

	(void)state;
	new_approval(&fx, user, "demo-pkg", "pass");
	snprintf(wrong, sizeof(wrong), "%06d", (atoi(code_at(steady_now())) + 1) % 1000000);
	cs.approval_id = fx.approval_id;
	cs.code = wrong;
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, -1);
	assert_int_equal(cs.tokens, 0);
	assert_false(consumed(&fx));
}

static void
test_replayed_code(void **state)
{
	struct pamfix_conv cs = { 0 };
	struct fixture f1 = { "", "" }, f2 = { "", "" };
	const char *user = new_user(NULL);
	char *code;

	(void)state;
	new_approval(&f1, user, "demo-pkg", "pass");
	new_approval(&f2, user, "demo-pkg", "pass");
	code = code_at(steady_now());
	cs.approval_id = f1.approval_id;
	cs.code = code;
	run("npm-release", user, &cs, 0, PAM_SUCCESS, -1);
	cs.approval_id = f2.approval_id;
	cs.code = code;
	run("npm-release", user, &cs, 0, PAM_AUTH_ERR, -1);
	assert_int_equal(cs.tokens, 0);
	assert_false(consumed(&f2));
}

static void
test_concurrent_replay(void **state)
{
	struct fixture fx[4];
	const char *u = new_user(NULL);
	char user[16], *code;
	int i, wins = 0, status;
	pid_t pids[4];

	(void)state;
	snprintf(user, sizeof(user), "%s", u);
	for (i = 0; i < 4; i++) {
		memset(&fx[i], 0, sizeof(fx[i]));
		new_approval(&fx[i], user, "demo-pkg", "pass");
	}
	code = code_at(steady_now());
	for (i = 0; i < 4; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct pamfix_conv cs = { 0 };
			struct pam_testcase tc[] = { pam_test(PAMTEST_AUTHENTICATE, PAM_SUCCESS) };
			cs.approval_id = fx[i].approval_id;
			cs.code = code;
			_exit(_pamtest_conv("npm-release", user, conv, &cs, tc, 1, NULL) ==
			      PAMTEST_ERR_OK && cs.tokens == 1 ? 0 : 1);
		}
	}
	for (i = 0; i < 4; i++) {
		waitpid(pids[i], &status, 0);
		assert_true(WIFEXITED(status));
		wins += WEXITSTATUS(status) == 0;
	}
	assert_int_equal(wins, 1);
}

static void
test_lockout(void **state)
{
	struct pamfix_conv cs;
	struct fixture fx = { "", "" };
	const char *user = new_user(NULL);
	char u[16];
	int i;

	(void)state;
	snprintf(u, sizeof(u), "%s", user);
	new_approval(&fx, u, "demo-pkg", "pass");
	for (i = 0; i < 3; i++) {
		memset(&cs, 0, sizeof(cs));
		cs.approval_id = fx.approval_id;
		cs.code = "000000";
		if (strcmp(code_at(steady_now()), "000000") == 0)
			cs.code = "111111";
		run("npm-release", u, &cs, 0, PAM_AUTH_ERR, -1);
	}
	cs.approval_id = fx.approval_id;
	cs.code = code_at(steady_now());
	run("npm-release", u, &cs, 0, PAM_AUTH_ERR, -1);
	assert_int_equal(cs.tokens, 0);
	assert_false(consumed(&fx));
}

static void
test_clock_edges(void **state)
{
	static const struct {
		int offset;
		int expect;
	} v[] = { { -30, PAM_SUCCESS }, { 30, PAM_SUCCESS }, { -90, PAM_AUTH_ERR },
		  { 90, PAM_AUTH_ERR } };
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		struct pamfix_conv cs = { 0 };
		struct fixture fx = { "", "" };
		char user[16];
		snprintf(user, sizeof(user), "%s", new_user(NULL));
		new_approval(&fx, user, "demo-pkg", "pass");
		cs.approval_id = fx.approval_id;
		cs.code = code_at(steady_now() + v[i].offset);
		run("npm-release", user, &cs, 0, v[i].expect, -1);
		assert_int_equal(cs.tokens, v[i].expect == PAM_SUCCESS);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_code_releases_token_once, before_each),
		cmocka_unit_test_setup(test_prompt_forgery, before_each),
		cmocka_unit_test_setup(test_install_script_shown, before_each),
		cmocka_unit_test_setup(test_wrong_code, before_each),
		cmocka_unit_test_setup(test_replayed_code, before_each),
		cmocka_unit_test_setup(test_concurrent_replay, before_each),
		cmocka_unit_test_setup(test_lockout, before_each),
		cmocka_unit_test_setup(test_clock_edges, before_each),
		cmocka_unit_test_setup(test_no_context, before_each),
		cmocka_unit_test_setup(test_sms_never_authenticates, before_each),
		cmocka_unit_test_setup(test_policy, before_each),
		cmocka_unit_test_setup(test_context_failures, before_each),
		cmocka_unit_test_setup(test_conversation_failures, before_each),
		cmocka_unit_test_setup(test_silent_and_args, before_each),
		cmocka_unit_test_setup(test_unenrolled_gets_same_prompt, before_each),
		cmocka_unit_test_setup(test_unusable_token_file_burns_nothing, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
