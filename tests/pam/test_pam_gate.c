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
#include "state.h"

#define SECRET_HEX "3132333435363738393031323334353637383930"
#define SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define TOKEN "npm_release_token_for_tests_0123456789"

static char work[512], conf[600], statedir[600], tokenfile[600];
static int next_user, next_release;

/* The conversation plays npm-release's side (tests/pam/pamfix.c): it names the
 * approval when asked and receives the token. */
#define conv pamfix_conv_fn

static void
write_config(const char *factors, const char *extra)
{
	char text[4096];
	int i, off;

	off = snprintf(text, sizeof(text),
	               "[npmstage]\nstate_dir = %s\nfactors = %s\napproval_ttl = 120\n"
	               "[totp]\nwindow = 1\nmax_failures = 3\nlockout = 600\n"
	               "[registry]\nurl = http://127.0.0.1:9/\nmode = local\ntoken_file = %s\n"
	               "[scope @acme/*]\napprovers = u1 u2\nfactors = fido2\n"
	               "[scope *]", statedir, factors, tokenfile);
	/* several approvers lines add up */
	for (i = 1; i <= 60; i++)
		off += snprintf(text + off, sizeof(text) - (size_t)off, "%s u%d",
		                i % 10 == 1 ? "\napprovers =" : "", i);
	snprintf(text + off, sizeof(text) - (size_t)off, "\n%s", extra ? extra : "");
	assert_int_equal(nstest_write(conf, text, 0644), 0);
}

static const char *
new_user(const char *enrolment)
{
	static char user[16];
	char path[800], text[512];

	snprintf(user, sizeof(user), "u%d", ++next_user);
	snprintf(path, sizeof(path), "%s/approvers/%s", statedir, user);
	snprintf(text, sizeof(text), "%s\n",
	         enrolment ? enrolment : "totp sha1 6 30 " SECRET_B32);
	assert_int_equal(nstest_write(path, text, 0600), 0);
	return user;
}

struct fixture {
	char release_id[64];
	char approval_id[64];
};

/* What the next release's report and record quote from the package and the stager
 * (JSON string contents); the forgery test replaces them. */
static const char *fixture_warning = "postinstall \\u001b[31m";
static const char *fixture_diff = "+1 file";
static const char *fixture_staged_by = "ci";

/* A checked release with spooled bytes and a passing report, and an approval for user. */
static void
new_approval(struct fixture *fx, const char *user, const char *pkg, const char *result)
{
	struct ns_state *st;
	struct ns_config *cfg;
	struct ns_release r;
	struct ns_approval a;
	struct ns_err err;
	char spool[900], bytes[64], report[4096];
	int fd;

	assert_int_equal(ns_state_open(statedir, 1, &st, &err), 0);
	cfg = ns_config_load(conf, &err);
	assert_non_null(cfg);
	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "00000000-0000-4000-8000-%012d", ++next_release);
	snprintf(spool, sizeof(spool), "%s/spool/%s.tgz", statedir, r.id);
	snprintf(bytes, sizeof(bytes), "tarball bytes %d", next_release);
	assert_int_equal(nstest_write(spool, bytes, 0600), 0);
	fd = open(spool, O_RDONLY);
	r.size = ns_digest_fd(fd, r.integrity, r.shasum, &err);
	close(fd);
	strcpy(r.origin, "local");
	snprintf(r.name, sizeof(r.name), "%s", pkg);
	strcpy(r.version, "1.0.0");
	strcpy(r.tag, "latest");
	snprintf(r.staged_by, sizeof(r.staged_by), "%s", fixture_staged_by);
	strcpy(r.status, "staged");
	r.staged_at = 1;
	assert_int_equal(ns_release_insert(st, &r, &err), 0);
	snprintf(report, sizeof(report),
	         "{\"result\":\"%s\",\"checks\":[{\"id\":\"digest.sha1\",\"status\":\"pass\","
	         "\"message\":\"ok\"},{\"id\":\"scripts.install\",\"status\":\"warn\","
	         "\"message\":\"%s\"}],\"diff_summary\":\"%s\"}", result, fixture_warning,
	         fixture_diff);
	assert_int_equal(ns_release_set_report(st, r.id, "checked", r.integrity, report, &err), 0);
	ns_release_clear(&r);
	assert_int_equal(ns_release_get(st, fx->release_id[0] ? fx->release_id : r.id, &r, &err), 0);
	assert_int_equal(ns_approval_create(st, cfg, &r, NS_ACTION_APPROVE, user, time(NULL), &a, &err), 0);
	snprintf(fx->release_id, sizeof(fx->release_id), "%s", r.id);
	snprintf(fx->approval_id, sizeof(fx->approval_id), "%s", a.id);
	ns_approval_clear(&a);
	ns_release_clear(&r);
	ns_config_free(cfg);
	ns_state_close(st);
}

static int
consumed(const struct fixture *fx)
{
	struct ns_state *st;
	struct ns_approval a;
	struct ns_err err;
	int c;

	assert_int_equal(ns_state_open(statedir, 0, &st, &err), 0);
	assert_int_equal(ns_approval_get(st, fx->approval_id, &a, &err), 0);
	c = a.consumed;
	ns_approval_clear(&a);
	ns_state_close(st);
	return c;
}

/* Stay clear of a step boundary so that "now" here and in the module agree. */
static time_t
steady_now(void)
{
	time_t t = time(NULL);

	while (t % 30 >= 28 || t % 30 == 0) {
		sleep(1);
		t = time(NULL);
	}
	return t;
}

static char *
code_at(time_t t)
{
	static char code[4][16];
	static int i;

	i = (i + 1) % 4;
	assert_int_equal(nstest_oathtool(SECRET_HEX, 6, "sha1", t, code[i], sizeof(code[i])), 0);
	return code[i];
}

static void
run(const char *service, const char *user, struct pamfix_conv *cs, int flags, int expect_auth,
    int expect_account)
{
	struct pam_testcase tc[2] = {
		pam_test_flags(PAMTEST_AUTHENTICATE, expect_auth, flags),
		pam_test(PAMTEST_ACCOUNT, expect_account),
	};
	enum pamtest_err perr;
	const char *approval_id = cs->approval_id, *code = cs->code;

	/* every attempt starts with a fresh conversation record */
	memset(cs, 0, sizeof(*cs));
	cs->approval_id = approval_id;
	cs->code = code;
	perr = _pamtest_conv(service, user, conv, cs, tc, expect_account >= 0 ? 2 : 1, NULL);
	if (perr != PAMTEST_ERR_OK)
		fail_msg("%s/%s: pamtest %d: auth returned %d (want %d), account %d (want %d); text: %s",
		         service, user, perr, tc[0].op_rv, expect_auth, tc[1].op_rv, expect_account,
		         cs->text);
}

static int
setup(void **state)
{
	const char *b = getenv("BUILDDIR");
	char t[700];

	(void)state;
	if (b == NULL)
		return -1;
	snprintf(work, sizeof(work), "%s/tests/pam/work", b);
	nstest_rmtree(work);
	if (mkdir(work, 0755) != 0 || chmod(work, 0755) != 0)
		return -1;
	snprintf(conf, sizeof(conf), "%s/npmstage.conf", work);
	snprintf(statedir, sizeof(statedir), "%s/state", work);
	snprintf(tokenfile, sizeof(tokenfile), "%s/release-token", work);
	snprintf(t, sizeof(t), "token %s\n", TOKEN);
	if (nstest_write(tokenfile, t, 0600) != 0)
		return -1;
	{
		struct ns_state *st;
		struct ns_err err;
		if (ns_state_open(statedir, 1, &st, &err) != 0)
			return -1;
		ns_state_close(st);
	}
	return 0;
}

static int
before_each(void **state)
{
	(void)state;
	write_config("totp fido2", NULL);
	return 0;
}

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

static void
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

static void
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

static void
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
static void
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

static void
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

static void
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

static void
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

static void
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

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_good_code_releases_token_once, before_each),
		cmocka_unit_test_setup(test_prompt_forgery, before_each),
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
