/* pam_npmstage's ssh-sk factor through the real Linux-PAM stack (pam_wrapper). The
 * approver is the user running the test, because the module checks that the
 * agent socket's peer (SO_PEERCRED) is the approver: the test plays that agent on
 * a socketpair (tests/pam/soft_agent.c) with libcrypto Ed25519 and P-256 keys that
 * sign like security keys, and each way a signature or an agent can be wrong must
 * deny without handing over the token, using the approval, or keeping a proof.
 * Here: the fixture and the signature cases; the agent's own failures are in
 * test_pam_sshsk_agent.c. */
#include "config.h"

#include <security/pam_appl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>
#include <cmocka.h>

#include "sshsk_cred.h"
#include "state.h"
#include "test_pam_sshsk.h"

struct pamfix fx;
char approver[64];
struct soft_key ed, ec, stranger;

/* Scope * allows factors, with require_uv; the approver is the test's user. */
void
write_config(const char *factors, const char *require_uv)
{
	char body[1024];

	snprintf(body, sizeof(body), "factors = totp fido2 ssh-sk\napproval_ttl = 300\n%s"
	         "[totp]\nwindow = 1\n[ssh-sk]\ntouch_timeout = 5\n"
	         "[scope *]\napprovers = %s " GHOST "\nfactors = %s\nrequire_uv = %s\n",
	         getuid() == 0 ? "root_may_approve = yes\n" : "", approver, factors, require_uv);
	assert_int_equal(pamfix_config(&fx, body), 0);
}

/* approvers/<approver>: the key (uv=0|1), and a TOTP secret when totp is set. */
void
enrol(const struct soft_key *k, int uv, int totp)
{
	char line[NS_SSHSK_LINE_MAX + 128], text[sizeof(line) + 128];
	struct ns_err err;

	assert_int_equal(ns_sshsk_cred_format(&k->key, uv, line, sizeof(line), &err), 0);
	snprintf(text, sizeof(text), "%s\n%s", line, totp ? TOTP_LINE : "");
	assert_int_equal(pamfix_enrol(&fx, approver, text), 0);
}

struct soft_agent
agent(const struct soft_key *k, unsigned flags, uint32_t counter)
{
	struct soft_agent a;

	memset(&a, 0, sizeof(a));
	a.mode = SOFT_SIGN;
	a.offer[0] = k;
	a.n_offer = 1;
	a.flags = flags;
	a.counter = counter;
	return a;
}

/* One pam_authenticate of a new approval (id) with the agent a handed over
 * (a NULL: the application answers "none"). */
int
attempt(struct soft_agent *a, char *id, struct pamfix_conv *cs)
{
	int client = -1, rc;

	memset(cs, 0, sizeof(*cs));
	assert_int_equal(pamfix_approval(&fx, approver, "demo-pkg", id), 0);
	cs->approval_id = id;
	if (a != NULL) {
		assert_int_equal(soft_agent_start(a, &client), 0);
		cs->agent_fd = client;
	}
	assert_int_equal(pamfix_service(&fx, SVC), 0);
	rc = pamfix_authenticate(SVC, approver, cs);
	if (a != NULL)
		soft_agent_stop(a, client);
	return rc;
}

int
have_proof(const char *id)
{
	char path[900];

	snprintf(path, sizeof(path), "%s/proofs/%s", fx.statedir, id);
	return access(path, F_OK) == 0;
}

/* Denied with why in the text; no token, the approval unused, no proof kept. */
void
denied(struct soft_agent *a, const char *why)
{
	struct pamfix_conv cs;
	char id[65];

	assert_int_equal(attempt(a, id, &cs), PAM_AUTH_ERR);
	if (strstr(cs.text, why) == NULL)
		fail_msg("expected \"%s\" in: %s", why, cs.text);
	assert_int_equal(cs.tokens, 0);
	assert_int_equal(cs.prompts, 0);
	assert_int_equal(pamfix_consumed(&fx, id, NULL), 0);
	assert_false(have_proof(id));
}

/* Approved by ssh-sk: the token crossed, the approval is used, the proof kept. */
void
approved(struct soft_agent *a, char *id)
{
	struct pamfix_conv cs;
	char factor[16];

	assert_int_equal(attempt(a, id, &cs), PAM_SUCCESS);
	assert_int_equal(cs.tokens, 1);
	assert_string_equal(cs.token, PAMFIX_TOKEN);
	assert_int_equal(cs.prompts, 0);
	assert_int_equal(a->lists, 1);
	assert_int_equal(a->signs, 1);
	assert_int_equal(pamfix_consumed(&fx, id, factor), 1);
	assert_string_equal(factor, "ssh-sk");
	assert_true(have_proof(id));
}

static char *
slurp(const char *path)
{
	char *buf = malloc(65536);
	ssize_t n;
	int fd = open(path, O_RDONLY | O_CLOEXEC);

	assert_non_null(buf);
	assert_true(fd >= 0);
	n = read(fd, buf, 65535);
	close(fd);
	assert_true(n > 0);
	buf[n] = '\0';
	return buf;
}

/* The kept proof is an SSHSIG by k over the approval's statement, with the
 * flags and counter the key gave. */
static void
proof_verifies(const char *id, const struct soft_key *k, unsigned flags, uint32_t counter)
{
	struct ns_state *st;
	struct ns_approval ap;
	struct ns_sshsk_key key;
	struct ns_sshsk_sig sig;
	struct ns_err err;
	unsigned char *kb, *sb, *data;
	size_t kl, sl, dl;
	char path[900], *armor;

	snprintf(path, sizeof(path), "%s/proofs/%s", fx.statedir, id);
	armor = slurp(path);
	assert_int_equal(ns_sshsk_sshsig_dearmor(armor, NS_SSHSK_NAMESPACE, &kb, &kl, &sb, &sl,
	                                         &err), 0);
	assert_int_equal(ns_sshsk_key_from_blob(kb, kl, &key, &err), 0);
	assert_int_equal(kl, k->key.blob_len);
	assert_memory_equal(kb, k->key.blob, kl);
	assert_int_equal(ns_sshsk_sig_parse(sb, sl, k->key.type, &sig, &err), 0);
	assert_int_equal(sig.flags, flags);
	assert_int_equal(sig.counter, counter);
	assert_int_equal(ns_state_open(fx.statedir, 0, &st, &err), 0);
	assert_int_equal(ns_approval_get(st, id, &ap, &err), 0);
	ns_state_close(st);
	assert_non_null(strstr(ap.statement, id));
	assert_int_equal(ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, (const unsigned char *)ap.statement,
	                                      strlen(ap.statement), &data, &dl, &err), 0);
	if (ns_sshsk_verify(&key, &sig, data, dl, &err) != 0)
		fail_msg("the kept proof does not verify: %s", err.msg);
	/* and it is bound to this statement: not to another approval's */
	data[dl - 1] ^= 1;
	assert_int_equal(ns_sshsk_verify(&key, &sig, data, dl, &err), -1);
	free(data);
	ns_approval_clear(&ap);
	free(kb);
	free(sb);
	free(armor);
}

static void
good(const struct soft_key *k)
{
	struct soft_agent a = agent(k, UP, 1);
	struct pamfix_conv cs;
	char id[65];

	enrol(k, 0, 0);
	approved(&a, id);
	proof_verifies(id, k, UP, 1);
	/* what the approver was told, and the next touch of the same key */
	a.counter = 2;
	assert_int_equal(attempt(&a, id, &cs), PAM_SUCCESS);
	assert_non_null(strstr(cs.text, "Approve demo-pkg@1.0.0"));
	assert_non_null(strstr(cs.text, "Touch your security key (SHA256:"));
	assert_non_null(strstr(cs.text, ") to approve demo-pkg@1.0.0"));
	proof_verifies(id, k, UP, 2);
}

static void
test_good_ed25519(void **state)
{
	(void)state;
	good(&ed);
}

static void
test_good_ecdsa(void **state)
{
	(void)state;
	good(&ec);
}

static void
test_presence_and_verification(void **state)
{
	struct soft_agent a = agent(&ed, 0, 10);
	char id[65];

	(void)state;
	enrol(&ed, 0, 0);
	denied(&a, "did not confirm a touch (no user presence)");
	a.flags = UV;
	denied(&a, "no user presence");
	/* the scope requires UV */
	write_config("ssh-sk", "yes");
	a.flags = UP;
	a.counter = 11;
	denied(&a, "needs user verification");
	a.flags = UP | UV;
	approved(&a, id);
	/* the key line says uv=1: UV even where the scope does not ask */
	write_config("ssh-sk", "no");
	enrol(&ed, 1, 0);
	a.flags = UP;
	a.counter = 12;
	denied(&a, "needs user verification");
	a.flags = UP | UV;
	approved(&a, id);
	proof_verifies(id, &ed, UP | UV, 12);
}

static void
test_counter(void **state)
{
	struct soft_agent a = agent(&ec, UP, 7);
	char id[65];

	(void)state;
	enrol(&ec, 0, 0);
	approved(&a, id);
	/* a cloned key or a replayed signature: equal, lower, back to zero */
	for (int i = 0; i < 3; i++) {
		a.counter = i == 0 ? 7 : i == 1 ? 6 : 0;
		denied(&a, "signature counter did not advance");
	}
	a.counter = 8;
	approved(&a, id);
	/* a key that always says 0 keeps working, until it once says more */
	enrol(&ed, 0, 0);
	a = agent(&ed, UP, 0);
	approved(&a, id);
	approved(&a, id);
	a.counter = 1;
	approved(&a, id);
	a.counter = 0;
	denied(&a, "signature counter did not advance");
}

static void
test_wrong_key(void **state)
{
	struct soft_agent a = agent(&stranger, UP, 1);

	(void)state;
	enrol(&ed, 0, 0);
	/* the agent offers only a key that is not enrolled: nothing is signed */
	denied(&a, "offers none of your enrolled security keys");
	assert_int_equal(a.signs, 0);
	/* it offers the enrolled key, the signature is by another */
	a.offer[0] = &ed;
	a.signer = &stranger;
	a.counter = 2;
	denied(&a, "verification failed");
	assert_int_equal(a.signs, 1);
}

static void
test_other_statement(void **state)
{
	struct soft_agent a = agent(&ed, UP | UV, 3);
	char id[65];

	(void)state;
	enrol(&ed, 0, 0);
	a.other_data = 1;
	denied(&a, "verification failed");
	assert_int_equal(a.signs, 1);
	/* the counter of the refused signature was not taken: 3 still passes */
	a.other_data = 0;
	approved(&a, id);
}

static void
test_type_mismatch(void **state)
{
	struct soft_agent a = agent(&ed, UP, 5);
	char id[65];

	(void)state;
	enrol(&ed, 0, 0);
	a.label = "sk-ecdsa-sha2-nistp256@openssh.com";
	denied(&a, "\"sk-ecdsa-sha2-nistp256@openssh.com\" does not match the key type "
	           "sk-ssh-ed25519@openssh.com");
	a.label = "ssh-ed25519";
	denied(&a, "\"ssh-ed25519\" does not match the key type");
	enrol(&ec, 0, 0);
	a = agent(&ec, UP, 5);
	a.label = "webauthn-sk-ecdsa-sha2-nistp256@openssh.com";
	denied(&a, "is a WebAuthn signature, which is not accepted");
	a.label = "sk-ssh-ed25519@openssh.com";
	denied(&a, "\"sk-ssh-ed25519@openssh.com\" does not match the key type");
	/* control: the same key and counter, labelled right */
	a.label = NULL;
	approved(&a, id);
}

static int
setup(void **state)
{
	const char *b = getenv("BUILDDIR");
	struct passwd *pw = getpwuid(getuid());
	char work[600];

	(void)state;
	if (b == NULL || pw == NULL)
		return -1;
	snprintf(approver, sizeof(approver), "%s", pw->pw_name);
	snprintf(work, sizeof(work), "%s/tests/pam/work-sshsk", b);
	return pamfix_init(&fx, work);
}

static int
after_each(void **state)
{
	(void)state;
	soft_key_free(&ed);
	soft_key_free(&ec);
	soft_key_free(&stranger);
	return 0;
}

/* Fresh keys each case: a key's counter record outlives the case. */
static int
before_each(void **state)
{
	(void)state;
	soft_key_new(&ed, NS_SSHSK_ED25519);
	soft_key_new(&ec, NS_SSHSK_ECDSA);
	soft_key_new(&stranger, NS_SSHSK_ED25519);
	write_config("ssh-sk", "no");
	return 0;
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_good_ed25519, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_good_ecdsa, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_presence_and_verification, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_counter, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_wrong_key, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_other_statement, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_type_mismatch, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_agent_refuses, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_agent_hangs, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_agent_garbage, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_other_uid, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_not_a_stream_socket, before_each, after_each),
		cmocka_unit_test_setup_teardown(test_no_agent, before_each, after_each),
	};

	return cmocka_run_group_tests(tests, setup, NULL);
}
