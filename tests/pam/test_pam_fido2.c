/* pam_npmstage's FIDO2 factor through the real Linux-PAM stack (pam_wrapper),
 * with softfido2 behind libfido2 (the LD_PRELOAD shim, added by run-test.sh).
 * Keys are enrolled with lib/nsfido2 (and once with npm-release enroll) and each
 * way an assertion can be wrong must deny without handing over the token. */
#include "config.h"

#include <security/pam_appl.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "nsfido2.h"
#include "pamfix.h"

#define RP "npmstage.test"
#define SEED_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SEED_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SVC "npm-release-fido2"

static struct pamfix fx;
static char counter_file[700];
static int next_user;

static void
write_config(const char *uv, const char *factors)
{
	char body[2048], names[512];
	int i, off = 0;

	for (i = 1; i <= 60; i++)
		off += snprintf(names + off, sizeof(names) - (size_t)off, "%s f%d",
		                i % 10 == 1 ? "\napprovers =" : "", i);
	snprintf(body, sizeof(body), "factors = %s\napproval_ttl = 300\n[totp]\nwindow = 1\n"
	         "[fido2]\nrp_id = " RP "\nuser_verification = %s\n[scope @acme/*]%s\nfactors = fido2\n"
	         "[scope *]\napprovers = h1%s\n", factors, uv, names, names);
	assert_int_equal(pamfix_config(&fx, body), 0);
}

/* The soft authenticator's behaviour for the next device open (this process). */
static void
device(const char *seed, const char *up, const char *uv, const char *counter, int tamper,
       int absent)
{
	static const char *vars[] = { "SOFTFIDO2_SEED", "SOFTFIDO2_UP", "SOFTFIDO2_UV",
		                      "SOFTFIDO2_COUNTER", "SOFTFIDO2_TAMPER_CDH",
		                      "SOFTFIDO2_ABSENT" };
	const char *vals[] = { seed, up, uv, counter, tamper ? "1" : NULL, absent ? "1" : NULL };

	for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
		if (vals[i] != NULL)
			setenv(vars[i], vals[i], 1);
		else
			unsetenv(vars[i]);
}

static void
plain_device(const char *seed)
{
	device(seed, NULL, NULL, NULL, 0, 0);
}

/* A new approver f<N> with a key from seed enrolled (plus extra lines). */
static const char *
enrol(int alg, const char *seed, const char *extra)
{
	static char user[16];

	snprintf(user, sizeof(user), "f%d", ++next_user);
	plain_device(seed);
	assert_int_equal(pamfix_enrol_fido2(&fx, RP, user, alg, extra), 0);
	return user;
}

static int
approve(const char *service, const char *user, const char *pkg, char *id, struct pamfix_conv *cs)
{
	memset(cs, 0, sizeof(*cs));
	if (id[0] == '\0')
		assert_int_equal(pamfix_approval(&fx, user, pkg, id), 0);
	cs->approval_id = id;
	assert_int_equal(pamfix_service(&fx, service), 0);
	return pamfix_authenticate(service, user, cs);
}

/* Denied, nothing handed over, the approval still unused. */
static void
assert_denied(const char *user, const char *seed_note)
{
	struct pamfix_conv cs;
	char id[65] = "";

	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_AUTH_ERR);
	if (cs.tokens != 0 || pamfix_consumed(&fx, id, NULL) != 0)
		fail_msg("%s: token handed over or approval used", seed_note);
}

static void
good(int alg)
{
	struct pamfix_conv cs;
	char id[65] = "", factor[16];
	const char *user = enrol(alg, SEED_A, NULL);

	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	assert_string_equal(cs.token, PAMFIX_TOKEN);
	assert_int_equal(cs.prompts, 0);
	assert_non_null(strstr(cs.text, "Approve demo-pkg@1.0.0"));
	assert_non_null(strstr(cs.text, "Touch your security key to approve demo-pkg@1.0.0"));
	assert_int_equal(pamfix_consumed(&fx, id, factor), 1);
	assert_string_equal(factor, "fido2");
	/* the approval is single use, even with a fresh valid assertion */
	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_AUTH_ERR);
	assert_int_equal(cs.tokens, 0);
	/* without the cue argument no touch message */
	id[0] = '\0';
	assert_int_equal(approve(SVC "-nocue", user, "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_null(strstr(cs.text, "Touch"));
	assert_int_equal(cs.tokens, 1);
}

static void
test_es256(void **state)
{
	(void)state;
	good(NS_FIDO2_ES256);
}

static void
test_eddsa(void **state)
{
	(void)state;
	good(NS_FIDO2_EDDSA);
}

static void
test_wrong_key(void **state)
{
	const char *user = enrol(NS_FIDO2_ES256, SEED_A, NULL);

	(void)state;
	plain_device(SEED_B);
	assert_denied(user, "another key");
}

static void
test_tampered_statement(void **state)
{
	/* edits of the approval's ticket: key, from, to (see pamfix_ticket_edit) */
	static const struct {
		const char *key, *from, *to;
	} tamper[] = {
		{ "statement", "latest", "next" },
		{ "statement", "1.0.0", "1.0.1" },
		{ "statement_sha256", NULL,
		  "0000000000000000000000000000000000000000000000000000000000000000" },
	};
	const char *u = enrol(NS_FIDO2_ES256, SEED_A, NULL);
	char user[16];

	(void)state;
	snprintf(user, sizeof(user), "%s", u);
	for (size_t i = 0; i < sizeof(tamper) / sizeof(tamper[0]); i++) {
		struct pamfix_conv cs;
		char id[65] = "";

		assert_int_equal(pamfix_approval(&fx, user, "demo-pkg", id), 0);
		assert_int_equal(pamfix_ticket_edit(fx.statedir, id, "approval", tamper[i].key,
		                                    tamper[i].from, tamper[i].to), 0);
		assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_AUTH_ERR);
		assert_int_equal(cs.tokens, 0);
		/* refused before the key was asked to sign anything */
		assert_null(strstr(cs.text, "Touch"));
		assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	}
	/* the key signs another hash than the statement's */
	device(SEED_A, NULL, NULL, NULL, 1, 0);
	assert_denied(user, "tampered clientDataHash");
	/* control: the untampered key still works */
	plain_device(SEED_A);
	{
		struct pamfix_conv cs;
		char id[65] = "";
		assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_SUCCESS);
	}
}

static unsigned
soft_counter(void)
{
	char buf[32] = "";
	int fd = open(counter_file, O_RDONLY);

	assert_true(fd >= 0);
	assert_true(read(fd, buf, sizeof(buf) - 1) > 0);
	close(fd);
	return (unsigned)strtoul(buf, NULL, 10);
}

static void
test_counter(void **state)
{
	struct pamfix_conv cs;
	const char *u = enrol(NS_FIDO2_ES256, SEED_A, NULL);
	char user[16], id[65] = "", c[32];
	unsigned stored;

	(void)state;
	snprintf(user, sizeof(user), "%s", u);
	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_SUCCESS);
	stored = soft_counter();
	assert_true(stored > 0);
	/* equal, lower and zero: a cloned key replaying an older state */
	for (unsigned v = 0; v < 3; v++) {
		snprintf(c, sizeof(c), "%u", v == 0 ? stored : v == 1 ? stored - 1 : 0);
		device(SEED_A, NULL, NULL, c, 0, 0);
		id[0] = '\0';
		assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_AUTH_ERR);
		assert_non_null(strstr(cs.text, "possible clone"));
		assert_int_equal(cs.tokens, 0);
		assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	}
	snprintf(c, sizeof(c), "%u", stored + 1);
	device(SEED_A, NULL, NULL, c, 0, 0);
	id[0] = '\0';
	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_SUCCESS);
	/* a key without a counter (always 0) keeps working */
	snprintf(user, sizeof(user), "%s", enrol(NS_FIDO2_EDDSA, SEED_B, NULL));
	for (int i = 0; i < 2; i++) {
		device(SEED_B, NULL, NULL, "0", 0, 0);
		id[0] = '\0';
		assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_SUCCESS);
	}
}

static void
test_presence(void **state)
{
	const char *u = enrol(NS_FIDO2_ES256, SEED_A, NULL);
	char user[16];

	(void)state;
	snprintf(user, sizeof(user), "%s", u);
	device(SEED_A, "0", NULL, NULL, 0, 0);
	assert_denied(user, "no user presence");
	device(SEED_A, "timeout", NULL, NULL, 0, 0);
	assert_denied(user, "no touch in time");
	device(SEED_A, NULL, NULL, NULL, 0, 1);
	assert_denied(user, "no device");
}

static void
test_uv_required(void **state)
{
	struct pamfix_conv cs;
	const char *u = enrol(NS_FIDO2_ES256, SEED_A, NULL);
	char user[16], id[65] = "";

	(void)state;
	snprintf(user, sizeof(user), "%s", u);
	write_config("required", "totp fido2");
	device(SEED_A, NULL, "0", NULL, 0, 0);
	assert_denied(user, "no UV");
	device(SEED_A, NULL, "lie", NULL, 0, 0);
	assert_denied(user, "UV advertised, not done");
	device(SEED_A, NULL, "1", NULL, 0, 0);
	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
}

/* preferred (the default) asks a UV-capable key for UV and insists on it; a key
 * without UV still works. A credential enrolled with UV needs it under any
 * policy: a stolen, unlocked key that skips UV approves nothing. */
static void
test_uv_preferred_and_enrolled(void **state)
{
	struct pamfix_conv cs;
	char plain[16], verified[16], id[65] = "", line[NS_FIDO2_LINE_MAX + 1];
	FILE *f;

	(void)state;
	snprintf(plain, sizeof(plain), "%s", enrol(NS_FIDO2_ES256, SEED_A, NULL));
	device(SEED_A, NULL, "lie", NULL, 0, 0);
	assert_denied(plain, "preferred: UV advertised, not done");
	device(SEED_A, NULL, "1", NULL, 0, 0);
	assert_int_equal(approve(SVC, plain, "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	device(SEED_A, NULL, "0", NULL, 0, 0);
	id[0] = '\0';
	assert_int_equal(approve(SVC, plain, "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);

	/* enrolled with UV: the file says so, and discouraged does not lift it */
	snprintf(verified, sizeof(verified), "f%d", ++next_user);
	device(SEED_B, NULL, "1", NULL, 0, 0);
	assert_int_equal(pamfix_enrol_fido2(&fx, RP, verified, NS_FIDO2_ES256, NULL), 0);
	snprintf(line, sizeof(line), "%s/approvers/%s", fx.statedir, verified);
	f = fopen(line, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	assert_non_null(strstr(line, " uv\n"));
	write_config("discouraged", "totp fido2");
	device(SEED_B, NULL, "lie", NULL, 0, 0);
	assert_denied(verified, "enrolled with UV: UV advertised, not done");
	device(SEED_B, NULL, "0", NULL, 0, 0);
	assert_denied(verified, "enrolled with UV: the key no longer offers UV");
	device(SEED_B, NULL, "1", NULL, 0, 0);
	id[0] = '\0';
	assert_int_equal(approve(SVC, verified, "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	/* discouraged and a key enrolled without UV: no UV asked for */
	device(SEED_A, NULL, "lie", NULL, 0, 0);
	id[0] = '\0';
	assert_int_equal(approve(SVC, plain, "demo-pkg", id, &cs), PAM_SUCCESS);
}

/* Replaces each occurrence of user in text by "USER". */
static void
anonymise(char *text, const char *user)
{
	char out[8192], *p = text, *hit;
	size_t off = 0, n = strlen(user);

	while ((hit = strstr(p, user)) != NULL && off + (size_t)(hit - p) + 5 < sizeof(out)) {
		memcpy(out + off, p, (size_t)(hit - p));
		off += (size_t)(hit - p);
		memcpy(out + off, "USER", 4);
		off += 4;
		p = hit + n;
	}
	snprintf(out + off, sizeof(out) - off, "%s", p);
	strcpy(text, out);
}

static void
test_scope_requires_fido2(void **state)
{
	struct pamfix_conv cs;
	char id[65] = "", totp_text[8192];

	(void)state;
	/* a TOTP-only approver */
	assert_int_equal(pamfix_enrol(&fx, "f59", "totp sha1 6 30 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n"),
	                 0);
	assert_int_equal(approve(SVC, "f59", "@acme/widget", id, &cs), PAM_AUTH_ERR);
	assert_int_equal(cs.prompts, 0);
	assert_int_equal(cs.tokens, 0);
	assert_non_null(strstr(cs.text, "requires a FIDO2 security key"));
	anonymise(cs.text, "f59");
	/* the summaries differ (each release has its own bytes); the rest must not */
	assert_non_null(strstr(cs.text, "npm-release:"));
	snprintf(totp_text, sizeof(totp_text), "%s", strstr(cs.text, "npm-release:"));
	/* an approver with no enrolment at all sees exactly the same */
	id[0] = '\0';
	assert_int_equal(approve(SVC, "f58", "@acme/widget", id, &cs), PAM_AUTH_ERR);
	anonymise(cs.text, "f58");
	assert_non_null(strstr(cs.text, "npm-release:"));
	assert_string_equal(strstr(cs.text, "npm-release:"), totp_text);
	assert_int_equal(cs.prompts, 0);
	/* a key holder passes the same scope */
	snprintf(id, sizeof(id), "%s", "");
	{
		char user[16];
		snprintf(user, sizeof(user), "%s", enrol(NS_FIDO2_ES256, SEED_A, NULL));
		assert_int_equal(approve(SVC, user, "@acme/widget", id, &cs), PAM_SUCCESS);
		assert_int_equal(cs.tokens, 1);
	}
}

static void
test_dispatch(void **state)
{
	struct pamfix_conv cs;
	const char *u = enrol(NS_FIDO2_ES256, SEED_A,
	                      "totp sha1 6 30 GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ\n");
	char user[16], id[65] = "", factor[16];

	(void)state;
	snprintf(user, sizeof(user), "%s", u);
	/* both enrolled: the key is preferred, no code is asked for */
	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.prompts, 0);
	assert_int_equal(pamfix_consumed(&fx, id, factor), 1);
	assert_string_equal(factor, "fido2");
	/* factors=totp in pam.d: the code prompt, no touch */
	id[0] = '\0';
	assert_int_equal(approve(SVC "-totp", user, "demo-pkg", id, &cs), PAM_CONV_ERR);
	assert_int_equal(cs.prompts, 1);
	assert_null(strstr(cs.text, "Touch"));
	/* a configuration allowing only totp does the same */
	write_config("preferred", "totp");
	id[0] = '\0';
	assert_int_equal(approve(SVC, user, "demo-pkg", id, &cs), PAM_CONV_ERR);
	assert_int_equal(cs.prompts, 1);
	assert_int_equal(cs.tokens, 0);
}

/* Runs npm-release with the shim preloaded; output (stdout) into out. */
static int
helper(char *out, size_t cap, const char *a1, const char *a2, const char *a3, const char *a4)
{
	char prog[700], shim[700], pre[800], *env[3];
	const char *b = getenv("BUILDDIR");
	int p[2], status;
	size_t off = 0;
	ssize_t n;
	pid_t pid;

	snprintf(prog, sizeof(prog), "%s/helper/npm-release", b);
	snprintf(shim, sizeof(shim), "%s/tests/softfido2/.libs/softfido2_preload.so", b);
	snprintf(pre, sizeof(pre), "LD_PRELOAD=%s", shim);
	env[0] = pre;
	env[1] = (char *)"ASAN_OPTIONS=verify_asan_link_order=0:detect_leaks=0";
	env[2] = NULL;
	assert_int_equal(pipe(p), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		const char *argv[] = { prog, "-c", fx.conf, "enroll", a1, a2, a3, a4, NULL };
		int null = open("/dev/null", O_RDONLY);
		dup2(null, 0);
		dup2(p[1], 1);
		close(p[0]);
		execve(prog, (char *const *)argv, env);
		_exit(127);
	}
	close(p[1]);
	while (off + 1 < cap && (n = read(p[0], out + off, cap - off - 1)) > 0)
		off += (size_t)n;
	out[off] = '\0';
	close(p[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static int
count_row(void *arg, int n, char **v, char **names)
{
	(void)n;
	(void)v;
	(void)names;
	(*(int *)arg)++;
	return 0;
}

static int
ledger_events(const char *event)
{
	char db[700], q[200];
	sqlite3 *h;
	int rows = 0;

	snprintf(db, sizeof(db), "%s/state.db", fx.statedir);
	snprintf(q, sizeof(q), "SELECT seq FROM ledger WHERE event = '%s' AND data LIKE "
	         "'%%\"user\":\"h1\"%%\"factor\":\"fido2\"%%'", event);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	assert_int_equal(sqlite3_exec(h, q, count_row, &rows, NULL), SQLITE_OK);
	sqlite3_close(h);
	return rows;
}

static void
test_enroll_command(void **state)
{
	struct pamfix_conv cs;
	char out[4096], id[65] = "", cred[16], *p;

	(void)state;
	/* the helper resets its environment: the device runs with the default seed */
	plain_device(NULL);
	assert_int_equal(helper(out, sizeof(out), "fido2", "h1", NULL, NULL), 0);
	assert_int_equal(helper(out, sizeof(out), "list", "h1", NULL, NULL), 0);
	p = strstr(out, "fido2  es256 ");
	assert_non_null(p);
	snprintf(cred, sizeof(cred), "%.8s", p + strlen("fido2  es256 "));
	assert_int_equal(ledger_events("enroll"), 1);
	assert_int_equal(approve(SVC, "h1", "demo-pkg", id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	/* the same key again is excluded by the device */
	assert_int_equal(helper(out, sizeof(out), "fido2", "h1", NULL, NULL), 1);
	assert_int_equal(helper(out, sizeof(out), "remove", "h1", "fido2", "zzzz"), 1);
	assert_int_equal(helper(out, sizeof(out), "remove", "h1", "sms", NULL), 2);
	assert_int_equal(helper(out, sizeof(out), "remove", "h1", "fido2", cred), 0);
	assert_int_equal(ledger_events("unenroll"), 1);
	assert_int_equal(helper(out, sizeof(out), "list", "h1", NULL, NULL), 0);
	assert_non_null(strstr(out, "nothing enrolled"));
	id[0] = '\0';
	assert_int_equal(approve(SVC, "h1", "demo-pkg", id, &cs), PAM_CONV_ERR);
	assert_int_equal(cs.tokens, 0);
}

static int
setup(void **state)
{
	const char *b = getenv("BUILDDIR");
	char work[600];

	(void)state;
	if (b == NULL)
		return -1;
	snprintf(work, sizeof(work), "%s/tests/pam/work-fido2", b);
	if (pamfix_init(&fx, work) != 0)
		return -1;
	snprintf(counter_file, sizeof(counter_file), "%s/softfido2.counter", work);
	setenv("SOFTFIDO2_COUNTER_FILE", counter_file, 1);
	return 0;
}

static int
before_each(void **state)
{
	(void)state;
	write_config("preferred", "totp fido2");
	plain_device(SEED_A);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_es256, before_each),
		cmocka_unit_test_setup(test_eddsa, before_each),
		cmocka_unit_test_setup(test_wrong_key, before_each),
		cmocka_unit_test_setup(test_tampered_statement, before_each),
		cmocka_unit_test_setup(test_counter, before_each),
		cmocka_unit_test_setup(test_presence, before_each),
		cmocka_unit_test_setup(test_uv_required, before_each),
		cmocka_unit_test_setup(test_uv_preferred_and_enrolled, before_each),
		cmocka_unit_test_setup(test_scope_requires_fido2, before_each),
		cmocka_unit_test_setup(test_dispatch, before_each),
		cmocka_unit_test_setup(test_enroll_command, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
