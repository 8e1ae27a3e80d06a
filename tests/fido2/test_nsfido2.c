/* lib/nsfido2 against the soft authenticator attached through libfido2's hooks:
 * enrolment, approval, every refusal, and the credential text form. */
#include "config.h"

#include <sys/wait.h>

#include <limits.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <fido.h>
#include <openssl/evp.h>

#include "fido2_test.h"
#include "nsfido2.h"
#include "softfido2.h"
#include "sf2_testenv.h"

#define RP "release.example.test"
#define SEED_A "a0a1a2a3a4a5a6a7a8a9aaabacadaeafb0b1b2b3b4b5b6b7b8b9babbbcbdbebf"
#define SEED_B "c0c1c2c3c4c5c6c7c8c9cacbcccdcecfd0d1d2d3d4d5d6d7d8d9dadbdcdddedf"

static unsigned char challenge[32];

/* The challenge is the SHA-256 of an approval statement. */
static void
statement_hash(const char *statement, unsigned char out[32])
{
	unsigned int n = 32;

	assert_int_equal(EVP_Digest(statement, strlen(statement), out, &n, EVP_sha256(),
	    NULL), 1);
}

static fido_dev_t *
open_soft(void)
{
	fido_dev_t *dev = softfido2_open();

	assert_non_null(dev);
	return dev;
}

static int
enroll(int alg, const struct ns_fido2_cred *excl, size_t nexcl, struct ns_fido2_cred *c,
    struct ns_err *err)
{
	fido_dev_t *dev = open_soft();
	int r;

	memset(err, 0, sizeof(*err));
	r = ns_fido2_enroll_dev(dev, RP, "alice", NULL, alg, excl, nexcl, c, err);
	softfido2_close(&dev);
	return r;
}

static int
auth(const struct ns_fido2_cred *creds, size_t n, int uv, size_t *which, unsigned *ctr,
    struct ns_err *err)
{
	fido_dev_t *dev = open_soft();
	int r;

	memset(err, 0, sizeof(*err));
	r = ns_fido2_authenticate_dev(dev, RP, creds, n, challenge, uv, NULL, which, ctr, NULL,
	    err);
	softfido2_close(&dev);
	return r;
}

/* The assertion kept for the ledger verifies again later, and only for this
 * challenge, this relying party, this key and these exact bytes. */
static void
proof_round_trip_alg(int alg)
{
	struct ns_fido2_cred c, other;
	struct ns_err err;
	unsigned char other_challenge[NS_FIDO2_CHALLENGE_LEN];
	size_t which = 99;
	unsigned ctr = 0, vctr = 0, flags = 0;
	char *proof = NULL, *bad;
	fido_dev_t *dev;

	assert_int_equal(enroll(alg, NULL, 0, &c, &err), 0);
	assert_int_equal(enroll(alg, NULL, 0, &other, &err), 0);
	dev = open_soft();
	assert_int_equal(ns_fido2_authenticate_dev(dev, RP, &c, 1, challenge, 0, NULL, &which,
	    &ctr, &proof, &err), 0);
	softfido2_close(&dev);
	assert_non_null(proof);
	assert_int_equal(strncmp(proof, "fido2-assertion ", 16), 0);
	assert_null(strchr(proof, '\n'));
	which = 99;
	assert_int_equal(ns_fido2_proof_verify(proof, RP, challenge, &c, 1, &which, &vctr, &flags,
	    &err), 0);
	assert_int_equal(which, 0);
	assert_int_equal(vctr, ctr);
	assert_true(flags & 0x01);
	/* another statement, relying party or key: refused */
	memcpy(other_challenge, challenge, sizeof(other_challenge));
	other_challenge[0] ^= 1;
	assert_fails_with(ns_fido2_proof_verify(proof, RP, other_challenge, &c, 1, &which, &vctr,
	    &flags, &err), &err, "fido2");
	assert_fails_with(ns_fido2_proof_verify(proof, "elsewhere", challenge, &c, 1, &which,
	    &vctr, &flags, &err), &err, "fido2");
	assert_fails_with(ns_fido2_proof_verify(proof, RP, challenge, &other, 1, &which, &vctr,
	    &flags, &err), &err, "not enrolled");
	/* a changed byte of the signature (the last field), or of the framing */
	assert_non_null(bad = strdup(proof));
	bad[strlen(bad) - 5] = bad[strlen(bad) - 5] == 'A' ? 'B' : 'A';
	assert_int_equal(ns_fido2_proof_verify(bad, RP, challenge, &c, 1, &which, &vctr, &flags,
	    &err), -1);
	free(bad);
	assert_fails_with(ns_fido2_proof_verify("fido2-assertion AAAA", RP, challenge, &c, 1,
	    &which, &vctr, &flags, &err), &err, "three fields");
	assert_non_null(bad = malloc(strlen(proof) + 3));
	sprintf(bad, "%s x", proof);
	assert_int_equal(ns_fido2_proof_verify(bad, RP, challenge, &c, 1, &which, &vctr, &flags,
	    &err), -1);
	free(bad);
	free(proof);
	ns_fido2_cred_clear(&c);
	ns_fido2_cred_clear(&other);
}

static void
proof_round_trip(void **state)
{
	(void)state;
	proof_round_trip_alg(NS_FIDO2_ES256);
	proof_round_trip_alg(NS_FIDO2_EDDSA);
}

static int
setup(void **state)
{
	(void)state;
	sf2_testenv_seed(SEED_A);
	statement_hash("npm-release approve demo@1.0.0 sha512-... nonce 1", challenge);
	return 0;
}

static void
good_key(int alg)
{
	struct ns_fido2_cred c, back;
	struct ns_err err;
	size_t which = 99;
	unsigned ctr1 = 0, ctr2 = 0;
	char *line;

	assert_int_equal(enroll(alg, NULL, 0, &c, &err), 0);
	assert_int_equal(c.cose_alg, alg);
	assert_int_equal(c.pk_len, alg == NS_FIDO2_ES256 ? 64 : 32);
	assert_int_equal(c.uv_enrolled, 0);

	/* through the enrolment file's text form, as the module will read it */
	assert_non_null(line = ns_fido2_cred_format(&c));
	assert_int_equal(strncmp(line, alg == NS_FIDO2_ES256 ? "fido2 es256 " :
	    "fido2 eddsa ", 12), 0);
	assert_int_equal(ns_fido2_cred_parse(line, &back, &err), 0);
	free(line);

	assert_int_equal(auth(&back, 1, 0, &which, &ctr1, &err), 0);
	assert_int_equal(which, 0);
	assert_true(ctr1 > 0);
	assert_int_equal(auth(&back, 1, 0, &which, &ctr2, &err), 0);
	assert_true(ns_fido2_counter_ok(ctr1, ctr2));
	assert_false(ns_fido2_counter_ok(ctr2, ctr2)); /* a replayed counter */
	ns_fido2_cred_clear(&c);
	ns_fido2_cred_clear(&back);
}

static void
good_key_es256(void **state)
{
	(void)state;
	good_key(NS_FIDO2_ES256);
}

static void
good_key_eddsa(void **state)
{
	(void)state;
	good_key(NS_FIDO2_EDDSA);
}

/* Enrolment in one process, approval in another: nothing but the seed is shared. */
static void
other_process(void **state)
{
	struct ns_fido2_cred c;
	struct ns_err err;
	char line[NS_FIDO2_LINE_MAX];
	int fds[2], status;
	ssize_t n;
	size_t which;
	unsigned ctr;
	pid_t pid;

	(void)state;
	assert_int_equal(pipe(fds), 0);
	if ((pid = fork()) == 0) {
		char *text = NULL;

		close(fds[0]);
		if (enroll(NS_FIDO2_EDDSA, NULL, 0, &c, &err) != 0 ||
		    (text = ns_fido2_cred_format(&c)) == NULL ||
		    write(fds[1], text, strlen(text)) != (ssize_t)strlen(text))
			_exit(1);
		_exit(0);
	}
	assert_true(pid > 0);
	close(fds[1]);
	n = read(fds[0], line, sizeof(line) - 1);
	close(fds[0]);
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_true(n > 0);
	line[n] = '\0';
	assert_int_equal(ns_fido2_cred_parse(line, &c, &err), 0);
	assert_int_equal(auth(&c, 1, 0, &which, &ctr, &err), 0);
	ns_fido2_cred_clear(&c);
}

static void
which_credential(void **state)
{
	struct ns_fido2_cred c[3];
	struct ns_err err;
	size_t which = 99;
	unsigned ctr;

	(void)state;
	setenv("SOFTFIDO2_SEED", SEED_B, 1);
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &c[0], &err), 0);
	setenv("SOFTFIDO2_SEED", SEED_A, 1);
	assert_int_equal(enroll(NS_FIDO2_EDDSA, NULL, 0, &c[1], &err), 0);
	setenv("SOFTFIDO2_SEED", SEED_B, 1);
	assert_int_equal(enroll(NS_FIDO2_EDDSA, NULL, 0, &c[2], &err), 0);
	setenv("SOFTFIDO2_SEED", SEED_A, 1);
	assert_int_equal(auth(c, 3, 0, &which, &ctr, &err), 0);
	assert_int_equal(which, 1);
	for (size_t i = 0; i < 3; i++)
		ns_fido2_cred_clear(&c[i]);
}

static void
wrong_key(void **state)
{
	struct ns_fido2_cred c, other;
	struct ns_err err;
	size_t which;
	unsigned ctr;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &c, &err), 0);
	/* a key from another seed does not hold the credential */
	setenv("SOFTFIDO2_SEED", SEED_B, 1);
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err,
	    "fido2: getAssertion: FIDO_ERR_NO_CREDENTIALS");
	/* the right device, but the enrolment file holds another credential's key */
	setenv("SOFTFIDO2_SEED", SEED_A, 1);
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &other, &err), 0);
	memcpy(c.pk, other.pk, c.pk_len);
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err,
	    "fido2: assertion signature: FIDO_ERR_INVALID_SIG");
	ns_fido2_cred_clear(&c);
	ns_fido2_cred_clear(&other);
}

static void
tampered_challenge(void **state)
{
	struct ns_fido2_cred c;
	struct ns_err err;
	size_t which;
	unsigned ctr;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_EDDSA, NULL, 0, &c, &err), 0);
	/* the device signs another statement's hash than the one we sent */
	setenv("SOFTFIDO2_TAMPER_CDH", "1", 1);
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err,
	    "fido2: assertion signature: FIDO_ERR_INVALID_SIG");
	ns_fido2_cred_clear(&c);
}

static void
counter_backwards(void **state)
{
	struct ns_fido2_cred c;
	struct ns_err err;
	size_t which;
	unsigned stored, now;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &c, &err), 0);
	assert_int_equal(auth(&c, 1, 0, &which, &stored, &err), 0);
	/* a clone with an older counter */
	setenv("SOFTFIDO2_COUNTER", "1", 1);
	assert_int_equal(auth(&c, 1, 0, &which, &now, &err), 0);
	assert_int_equal(now, 1);
	assert_true(stored > 1);
	assert_false(ns_fido2_counter_ok(stored, now));
	/* keys without a counter */
	setenv("SOFTFIDO2_COUNTER", "0", 1);
	assert_int_equal(auth(&c, 1, 0, &which, &now, &err), 0);
	assert_int_equal(now, 0);
	assert_true(ns_fido2_counter_ok(0, now));
	assert_false(ns_fido2_counter_ok(stored, now));
	ns_fido2_cred_clear(&c);

	assert_true(ns_fido2_counter_ok(0, 1));
	assert_true(ns_fido2_counter_ok(5, 6));
	assert_false(ns_fido2_counter_ok(5, 5));
	assert_false(ns_fido2_counter_ok(1, 0));
	assert_true(ns_fido2_counter_ok(UINT_MAX - 1, UINT_MAX));
	assert_false(ns_fido2_counter_ok(UINT_MAX, UINT_MAX));
}

static void
missing_presence(void **state)
{
	struct ns_fido2_cred c, d;
	struct ns_err err;
	size_t which;
	unsigned ctr;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &c, &err), 0);
	/* libfido2 asks for UP; the device answers without it */
	setenv("SOFTFIDO2_UP", "0", 1);
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err,
	    "did not confirm user presence");
	assert_fails_with(enroll(NS_FIDO2_ES256, NULL, 0, &d, &err), &err,
	    "fido2: makeCredential: the authenticator did not confirm user presence");
	assert_null(d.id);
	setenv("SOFTFIDO2_UP", "timeout", 1);
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err,
	    "fido2: getAssertion: FIDO_ERR_USER_ACTION_TIMEOUT");
	ns_fido2_cred_clear(&c);
}

static void
user_verification(void **state)
{
	struct ns_fido2_cred c, d;
	struct ns_err err;
	size_t which;
	unsigned ctr;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &c, &err), 0);
	assert_int_equal(auth(&c, 1, 0, &which, &ctr, &err), 0);
	assert_fails_with(auth(&c, 1, 1, &which, &ctr, &err), &err,
	    "authenticator has no built-in UV");
	/* a device that claims UV but never reports it in the flags */
	setenv("SOFTFIDO2_UV", "lie", 1);
	assert_fails_with(auth(&c, 1, 1, &which, &ctr, &err), &err,
	    "fido2: getAssertion: user verification required but the authenticator "
	    "did not perform it");
	assert_fails_with(enroll(NS_FIDO2_ES256, NULL, 0, &d, &err), &err,
	    "user verification was asked for");
	setenv("SOFTFIDO2_UV", "1", 1);
	assert_int_equal(auth(&c, 1, 1, &which, &ctr, &err), 0);
	assert_int_equal(enroll(NS_FIDO2_EDDSA, NULL, 0, &d, &err), 0);
	assert_int_equal(d.uv_enrolled, 1);
	ns_fido2_cred_clear(&c);
	ns_fido2_cred_clear(&d);
}

static void
enrol_refusals(void **state)
{
	struct ns_fido2_cred c, d;
	struct ns_err err;
	fido_dev_t *dev;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &c, &err), 0);
	assert_fails_with(enroll(NS_FIDO2_EDDSA, &c, 1, &d, &err), &err,
	    "fido2: makeCredential: FIDO_ERR_CREDENTIAL_EXCLUDED");
	/* an attestation signature over other data is refused, self or x5c */
	setenv("SOFTFIDO2_TAMPER_CDH", "1", 1);
	assert_fails_with(enroll(NS_FIDO2_ES256, NULL, 0, &d, &err), &err,
	    "fido2: attestation (self): FIDO_ERR_INVALID_SIG");
	setenv("SOFTFIDO2_ATTEST", "x5c", 1);
	assert_fails_with(enroll(NS_FIDO2_ES256, NULL, 0, &d, &err), &err,
	    "fido2: attestation (x5c): FIDO_ERR_INVALID_SIG");
	unsetenv("SOFTFIDO2_TAMPER_CDH");
	/* attestation with a certificate goes through fido_cred_verify */
	setenv("SOFTFIDO2_ATTEST", "x5c", 1);
	assert_int_equal(enroll(NS_FIDO2_EDDSA, NULL, 0, &d, &err), 0);
	ns_fido2_cred_clear(&d);
	setenv("SOFTFIDO2_ATTEST", "none", 1);
	assert_fails_with(enroll(NS_FIDO2_ES256, NULL, 0, &d, &err), &err,
	    "fido2: attestation: format \"none\"");
	assert_null(d.id);
	unsetenv("SOFTFIDO2_ATTEST");

	dev = open_soft();
	assert_fails_with(ns_fido2_enroll_dev(dev, RP, "alice", NULL, -257, NULL, 0, &d,
	    &err), &err, "unsupported algorithm -257");
	assert_fails_with(ns_fido2_enroll_dev(dev, RP, "", NULL, NS_FIDO2_ES256, NULL, 0,
	    &d, &err), &err, "user name empty");
	assert_fails_with(ns_fido2_enroll_dev(dev, "bad rp", "alice", NULL,
	    NS_FIDO2_ES256, NULL, 0, &d, &err), &err, "bad relying party id");
	assert_fails_with(ns_fido2_enroll_dev(NULL, RP, "alice", NULL, NS_FIDO2_ES256,
	    NULL, 0, &d, &err), &err, "no device");
	softfido2_close(&dev);
	ns_fido2_cred_clear(&c);
}

static void
auth_refusals(void **state)
{
	struct ns_fido2_cred c;
	struct ns_err err;
	size_t which;
	unsigned ctr;
	fido_dev_t *dev;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_ES256, NULL, 0, &c, &err), 0);
	assert_fails_with(auth(&c, 0, 0, &which, &ctr, &err), &err, "no enrolled credential");
	c.pk_len = 63;
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err,
	    "bad es256 public key length 63");
	c.pk_len = 64;
	c.cose_alg = -257;
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err, "unsupported algorithm");
	c.cose_alg = NS_FIDO2_ES256;
	/* an enrolled "key" that is no point on the curve */
	memset(c.pk, 0, c.pk_len);
	assert_fails_with(auth(&c, 1, 0, &which, &ctr, &err), &err,
	    "fido2: enrolled public key");
	dev = open_soft();
	assert_fails_with(ns_fido2_authenticate_dev(dev, RP, &c, 1, NULL, 0, NULL, &which,
	    &ctr, NULL, &err), &err, "no challenge");
	assert_fails_with(ns_fido2_authenticate_dev(dev, "", &c, 1, challenge, 0, NULL,
	    &which, &ctr, NULL, &err), &err, "bad relying party id");
	softfido2_close(&dev);
	ns_fido2_cred_clear(&c);
}

static void
text_round_trip(void **state)
{
	static const unsigned char id[5] = { 1, 2, 3, 0xfe, 0xff };
	struct ns_fido2_cred c, back;
	struct ns_err err;
	char *line, *again;

	(void)state;
	assert_int_equal(enroll(NS_FIDO2_EDDSA, NULL, 0, &c, &err), 0);
	free(c.id);
	assert_non_null(c.id = malloc(sizeof(id)));
	memcpy(c.id, id, sizeof(id));
	c.id_len = sizeof(id);
	c.uv_enrolled = 1;
	assert_non_null(line = ns_fido2_cred_format(&c));
	assert_int_equal(strncmp(line, "fido2 eddsa AQID/v8= ", 21), 0);
	assert_int_equal(strcmp(line + strlen(line) - 3, " uv"), 0);
	assert_int_equal(ns_fido2_cred_parse(line, &back, &err), 0);
	assert_int_equal(back.cose_alg, NS_FIDO2_EDDSA);
	assert_int_equal(back.uv_enrolled, 1);
	assert_int_equal(back.id_len, sizeof(id));
	assert_memory_equal(back.id, id, sizeof(id));
	assert_int_equal(back.pk_len, 32);
	assert_memory_equal(back.pk, c.pk, 32);
	assert_non_null(again = ns_fido2_cred_format(&back));
	assert_string_equal(again, line);
	free(again);
	ns_fido2_cred_clear(&back);

	/* blanks between fields and a trailing newline are fine */
	{
		char loose[NS_FIDO2_LINE_MAX];
		const char *f2 = line + 6, *f3 = strchr(f2, ' ') + 1, *f4 = strchr(f3, ' ') + 1;

		snprintf(loose, sizeof(loose), "fido2\t eddsa  %.*s\t%.*s  uv \n",
		    (int)(f4 - f3 - 1), f3, (int)(strlen(f4) - 3), f4);
		assert_int_equal(ns_fido2_cred_parse(loose, &back, &err), 0);
		ns_fido2_cred_clear(&back);
	}
	/* format refuses what it could not parse back */
	c.pk_len = 31;
	assert_null(ns_fido2_cred_format(&c));
	assert_null(ns_fido2_cred_format(NULL));
	free(line);
	ns_fido2_cred_clear(&c);
	ns_fido2_cred_clear(&c); /* twice is safe */
}

static void
text_malformed(void **state)
{
	/* a valid Ed25519 key and a valid P-256 point (the generator) */
	static const char ed[] = "O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=";
	static const char p256[] =
	    "axfR8uEsQkf4vOblY6RA8ncDfYEt6zOg9KE5RdiYwpZP40Li/hp/m47n60p8D54WK84zV2sxXs7LtkBoN79R9Q==";
	char buf[NS_FIDO2_LINE_MAX * 2];
	struct ns_fido2_cred c;
	struct ns_err err;
	const struct {
		const char *line;
		const char *why;
	} bad[] = {
		{ "", "expected 5 fields" },
		{ "fido2", "expected 5 fields" },
		{ "fido2 eddsa AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik=", "expected 5" },
		{ "totp eddsa AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "does not start with \"fido2\"" },
		{ "fido2 rs256 AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "unknown algorithm \"rs256\"" },
		{ "fido2 sms AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "unknown algorithm \"sms\"" },
		{ "fido2 eddsa AQ!D O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "credential id is not canonical base64" },
		{ "fido2 eddsa AQJ= O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "credential id is not canonical" },       /* non-zero trailing bits */
		{ "fido2 eddsa AQ==AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "credential id is not canonical" },       /* padding inside */
		{ "fido2 eddsa AQI O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "credential id is not canonical" },       /* unpadded */
		{ "fido2 eddsa ==== O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "credential id is not canonical" },
		{ "fido2 eddsa AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2g== -",
		  "public key is not a valid eddsa key" }, /* 31 bytes */
		{ "fido2 es256 AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= -",
		  "public key is not a valid es256 key" }, /* 32 bytes for es256 */
		{ "fido2 es256 AQID AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA== -",
		  "public key is not a valid es256 key" }, /* not on the curve */
		{ "fido2 eddsa AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= yes",
		  "last field must be" },
		{ "fido2 eddsa AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= uv\r\n",
		  "last field must be" },
		{ "fido2 eddsa AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= uv extra",
		  "got more" },
		{ "fido2 eddsa AQID O2onvM62pC1io6jQKm8Nc2UyFXcd4kOmOsBIoYtZ2ik= uv\n\n",
		  "last field must be" },
	};

	(void)state;
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		memset(&err, 0, sizeof(err));
		c.id = (unsigned char *)"garbage"; /* parse must not trust out */
		if (ns_fido2_cred_parse(bad[i].line, &c, &err) != -1)
			fail_msg("accepted: %s", bad[i].line);
		if (strstr(err.msg, bad[i].why) == NULL)
			fail_msg("\"%s\": error \"%s\" lacks \"%s\"", bad[i].line, err.msg,
			    bad[i].why);
		assert_null(c.id);
		assert_null(c.pk);
	}
	/* the valid keys above do parse */
	snprintf(buf, sizeof(buf), "fido2 eddsa AQID %s -", ed);
	assert_int_equal(ns_fido2_cred_parse(buf, &c, &err), 0);
	ns_fido2_cred_clear(&c);
	snprintf(buf, sizeof(buf), "fido2 es256 AQID %s uv\n", p256);
	assert_int_equal(ns_fido2_cred_parse(buf, &c, &err), 0);
	assert_int_equal(c.uv_enrolled, 1);
	ns_fido2_cred_clear(&c);

	/* an id of 1024 bytes is the limit; 1025 is too long; lines over the limit */
	{
		unsigned char id[1025];
		struct ns_fido2_cred big = { 0 };
		char *line;

		memset(id, 0x5a, sizeof(id));
		assert_int_equal(ns_fido2_cred_parse(buf, &big, &err), 0);
		free(big.id);
		big.id = id;
		big.id_len = 1024;
		assert_non_null(line = ns_fido2_cred_format(&big));
		assert_int_equal(ns_fido2_cred_parse(line, &c, &err), 0);
		assert_int_equal(c.id_len, 1024);
		ns_fido2_cred_clear(&c);
		free(line);
		big.id_len = 1025;
		assert_null(ns_fido2_cred_format(&big));
		snprintf(buf, sizeof(buf), "fido2 es256 %0*d %s -", 1368, 0, p256);
		memset(buf + 12, 'W', 1368);
		assert_int_equal(ns_fido2_cred_parse(buf, &c, &err), -1);
		assert_non_null(strstr(err.msg, "credential id is not canonical base64"));
		free(big.pk);
	}
	memset(buf, 'A', sizeof(buf) - 1);
	buf[sizeof(buf) - 1] = '\0';
	assert_int_equal(ns_fido2_cred_parse(buf, &c, &err), -1);
	assert_non_null(strstr(err.msg, "line longer than"));
	assert_int_equal(ns_fido2_cred_parse(NULL, &c, &err), -1);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(good_key_es256, setup),
		cmocka_unit_test_setup(good_key_eddsa, setup),
		cmocka_unit_test_setup(other_process, setup),
		cmocka_unit_test_setup(which_credential, setup),
		cmocka_unit_test_setup(wrong_key, setup),
		cmocka_unit_test_setup(tampered_challenge, setup),
		cmocka_unit_test_setup(counter_backwards, setup),
		cmocka_unit_test_setup(missing_presence, setup),
		cmocka_unit_test_setup(user_verification, setup),
		cmocka_unit_test_setup(enrol_refusals, setup),
		cmocka_unit_test_setup(auth_refusals, setup),
		cmocka_unit_test_setup(text_round_trip, setup),
		cmocka_unit_test_setup(text_malformed, setup),
		cmocka_unit_test_setup(proof_round_trip, setup),
	};

	fido_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
