/* What an approval is worth, through the real Linux-PAM stack (pam_wrapper):
 * rejects and the approver quorum (min_approvers), what crosses to the helper for
 * each action, the clock (read when the answer arrives, not when the module
 * started) and the escalating TOTP lockout. Codes come from oathtool. */
#include "config.h"

#include <security/pam_appl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "nstest.h"
#include "pamfix.h"
#include "state.h"

#define SECRET_HEX "3132333435363738393031323334353637383930"
#define SECRET_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define SVC "npm-release-approvals"

static struct pamfix fx;
static int next_user;

/* ttl: approval_ttl; window: TOTP steps either side. Approvers r1..r40 everywhere,
 * scope @two/... needs two of them. */
static void
write_config(unsigned ttl, unsigned window, const char *totp_extra)
{
	char body[4096], names[512];
	int i, off = 0;

	for (i = 1; i <= 40; i++)
		off += snprintf(names + off, sizeof(names) - (size_t)off, "%s r%d",
		                i % 10 == 1 ? "\napprovers =" : "", i);
	snprintf(body, sizeof(body), "factors = totp\napproval_ttl = %u\n[totp]\nwindow = %u\n%s\n"
	         "[scope @two/*]%s\nmin_approvers = 2\n[scope *]%s\n", ttl, window,
	         totp_extra ? totp_extra : "", names, names);
	assert_int_equal(pamfix_config(&fx, body), 0);
	assert_int_equal(pamfix_service(&fx, SVC), 0);
}

static const char *
new_user(void)
{
	static char user[16];

	snprintf(user, sizeof(user), "r%d", ++next_user);
	assert_int_equal(pamfix_enrol(&fx, user, "totp sha1 6 30 " SECRET_B32 "\n"), 0);
	return user;
}

/* Clear of a step boundary, so that the module's clock and this one agree. */
static time_t
steady_now(void)
{
	time_t t = time(NULL);

	while (t % 30 >= 25 || t % 30 < 2) {
		sleep(1);
		t = time(NULL);
	}
	return t;
}

static const char *
code_at(time_t t)
{
	static char code[4][16];
	static int i;

	i = (i + 1) % 4;
	assert_int_equal(nstest_oathtool(SECRET_HEX, 6, "sha1", t, code[i], sizeof(code[i])), 0);
	return code[i];
}

/* Authenticates user for approval id with code; a fresh conversation record. */
static int
gate(const char *user, const char *id, const char *code, unsigned delay,
     struct pamfix_conv *cs)
{
	memset(cs, 0, sizeof(*cs));
	cs->approval_id = id;
	cs->code = code;
	cs->delay = delay;
	return pamfix_authenticate(SVC, user, cs);
}

/* min_approvers = 2: an approver's consumed reject (its helper then failed or was
 * killed before the release was marked) is no vote for publishing, and a reject
 * needs no second approver. */
static void
test_reject_is_no_approval(void **state)
{
	struct pamfix_conv cs;
	char ra[16], rb[16], rel[65], rej[65], app[65];

	(void)state;
	snprintf(ra, sizeof(ra), "%s", new_user());
	snprintf(rb, sizeof(rb), "%s", new_user());
	assert_int_equal(pamfix_release(&fx, "@two/pkg", "local", rel), 0);
	assert_int_equal(pamfix_approval_of(&fx, rel, ra, "reject", 0, rej), 0);
	assert_int_equal(gate(ra, rej, code_at(steady_now()), 0, &cs), PAM_SUCCESS);
	/* one reject is enough: consumed, and nothing but the word crosses */
	assert_int_equal(cs.rejected, 1);
	assert_int_equal(cs.recorded, 0);
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(pamfix_consumed(&fx, rej, NULL), 1);
	/* rb alone: one approver of two, recorded, no token */
	assert_int_equal(pamfix_approval_of(&fx, rel, rb, "approve", 0, app), 0);
	assert_int_equal(gate(rb, app, code_at(steady_now()), 0, &cs), PAM_SUCCESS);
	assert_int_equal(cs.recorded, 1);
	assert_int_equal(cs.tokens, 0);
	assert_non_null(strstr(cs.text, "Approve @two/pkg@1.0.0"));
}

/* A local reject drops the spool: the publish token stays in its file. A
 * registry reject needs the token for its DELETE, from the first approver. */
static void
test_reject_releases_only_what_it_needs(void **state)
{
	struct pamfix_conv cs;
	char u[16], rel[65], rej[65];

	(void)state;
	snprintf(u, sizeof(u), "%s", new_user());
	assert_int_equal(pamfix_release(&fx, "demo-pkg", "local", rel), 0);
	assert_int_equal(pamfix_approval_of(&fx, rel, u, "reject", 0, rej), 0);
	assert_int_equal(gate(u, rej, code_at(steady_now()), 0, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(cs.token[0], '\0');
	assert_int_equal(cs.rejected, 1);
	assert_non_null(strstr(cs.text, "REJECT demo-pkg@1.0.0"));

	snprintf(u, sizeof(u), "%s", new_user());
	assert_int_equal(pamfix_release(&fx, "@two/staged", "registry", rel), 0);
	assert_int_equal(pamfix_approval_of(&fx, rel, u, "reject", 0, rej), 0);
	assert_int_equal(gate(u, rej, code_at(steady_now()), 0, &cs), PAM_SUCCESS);
	assert_int_equal(cs.recorded, 0);
	assert_int_equal(cs.rejected, 0);
	assert_int_equal(cs.tokens, 1);
	assert_string_equal(cs.token, PAMFIX_TOKEN);
}

/* The prompt held open (SIGSTOP, a slow answer) past the approval's expiry: the
 * answer is refused, even with the code of the step the prompt was shown in. */
static void
test_answer_after_expiry(void **state)
{
	struct pamfix_conv cs;
	char u[16], rel[65], id[65];
	time_t t;

	(void)state;
	write_config(30, 1, NULL);
	snprintf(u, sizeof(u), "%s", new_user());
	assert_int_equal(pamfix_release(&fx, "demo-pkg", "local", rel), 0);
	t = steady_now();
	/* created 27 s ago: 3 s left when the prompt is shown, none at the answer */
	assert_int_equal(pamfix_approval_of(&fx, rel, u, "approve", 27, id), 0);
	assert_int_equal(gate(u, id, code_at(t), 5, &cs), PAM_AUTH_ERR);
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	assert_non_null(strstr(cs.text, "expired"));
}

/* The TOTP window is placed at the time the answer arrived: a code of the step
 * the prompt was shown in, typed after that step ended (window 0), is refused. */
static void
test_code_checked_when_answered(void **state)
{
	struct pamfix_conv cs;
	char u[16], rel[65], id[65];
	time_t t;

	(void)state;
	write_config(300, 0, NULL);
	snprintf(u, sizeof(u), "%s", new_user());
	assert_int_equal(pamfix_release(&fx, "demo-pkg", "local", rel), 0);
	assert_int_equal(pamfix_approval_of(&fx, rel, u, "approve", 0, id), 0);
	/* 2 s before a step boundary; the answer comes 4 s later, in the next step */
	while ((t = time(NULL)) % 30 != 28)
		usleep(200000);
	assert_int_equal(gate(u, id, code_at(t), 4, &cs), PAM_AUTH_ERR);
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	/* the current step's code still works for the same approval */
	assert_int_equal(gate(u, id, code_at(steady_now()), 0, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
}

/* Wrong codes lock the approver out, each lockout in a row twice as long, then
 * until an administrator unlocks (the call npm-release enroll unlock makes). */
static void
test_lockout_escalates(void **state)
{
	struct pamfix_conv cs;
	struct ns_state *st;
	struct ns_totp_record was;
	struct ns_err err;
	char u[16], rel[65], id[65], wrong[16];
	time_t t;

	(void)state;
	write_config(300, 1, "max_failures = 1\nlockout = 3\nmax_lockouts = 1\n");
	snprintf(u, sizeof(u), "%s", new_user());
	assert_int_equal(pamfix_release(&fx, "demo-pkg", "local", rel), 0);
	assert_int_equal(pamfix_approval_of(&fx, rel, u, "approve", 0, id), 0);
	/* one good code for the whole test (window 1: valid for 30 s and more) */
	t = steady_now();
	snprintf(wrong, sizeof(wrong), "%s", strcmp(code_at(t), "000000") ? "000000" : "111111");
	/* first lockout: 3 s */
	assert_int_equal(gate(u, id, wrong, 0, &cs), PAM_AUTH_ERR);
	assert_int_equal(gate(u, id, code_at(t), 0, &cs), PAM_AUTH_ERR);
	sleep(4);
	/* second in a row: 6 s, so 4 s later still locked */
	assert_int_equal(gate(u, id, wrong, 0, &cs), PAM_AUTH_ERR);
	sleep(4);
	assert_int_equal(gate(u, id, code_at(t), 0, &cs), PAM_AUTH_ERR);
	assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	sleep(3);
	/* the third: held until unlocked */
	assert_int_equal(gate(u, id, wrong, 0, &cs), PAM_AUTH_ERR);
	sleep(1);
	assert_int_equal(gate(u, id, code_at(t), 0, &cs), PAM_AUTH_ERR);
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(ns_state_open(fx.statedir, 0, &st, &err), 0);
	assert_int_equal(ns_state_totp_unlock(st, u, &was, &err), 0);
	ns_state_close(st);
	assert_int_equal(was.locked_until, NS_TOTP_LOCKED_HELD);
	assert_int_equal(gate(u, id, code_at(t), 0, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
}

static int
setup(void **state)
{
	const char *b = getenv("BUILDDIR");
	char work[600];

	(void)state;
	if (b == NULL)
		return -1;
	snprintf(work, sizeof(work), "%s/tests/pam/work-approvals", b);
	return pamfix_init(&fx, work);
}

static int
before_each(void **state)
{
	(void)state;
	write_config(300, 1, NULL);
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(test_reject_is_no_approval, before_each),
		cmocka_unit_test_setup(test_reject_releases_only_what_it_needs, before_each),
		cmocka_unit_test_setup(test_answer_after_expiry, before_each),
		cmocka_unit_test_setup(test_code_checked_when_answered, before_each),
		cmocka_unit_test_setup(test_lockout_escalates, before_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
