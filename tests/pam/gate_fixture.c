/* The gate tests' release-host fixture (gate_fixture.h). */
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

char work[512], conf[600], statedir[600], tokenfile[600];
int next_user, next_release;


void
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

const char *
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


/* What the next release's report and record quote from the package and the stager
 * (JSON string contents); the forgery test replaces them. */
const char *fixture_warning = "postinstall \\u001b[31m";
const char *fixture_diff = "+1 file";
const char *fixture_staged_by = "ci";
const char *fixture_install = ""; /* ,"install_scripts":[...] in the report, or "" */

/* A checked release with spooled bytes and a passing report, and an approval for user. */
void
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
	         "\"message\":\"%s\"}],\"diff_summary\":\"%s\"%s}", result, fixture_warning,
	         fixture_diff, fixture_install);
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

int
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
time_t
steady_now(void)
{
	time_t t = time(NULL);

	while (t % 30 >= 28 || t % 30 == 0) {
		sleep(1);
		t = time(NULL);
	}
	return t;
}

char *
code_at(time_t t)
{
	static char code[4][16];
	static int i;

	i = (i + 1) % 4;
	assert_int_equal(nstest_oathtool(SECRET_HEX, 6, "sha1", t, code[i], sizeof(code[i])), 0);
	return code[i];
}

void
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

int
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

int
before_each(void **state)
{
	(void)state;
	write_config("totp fido2", NULL);
	return 0;
}
