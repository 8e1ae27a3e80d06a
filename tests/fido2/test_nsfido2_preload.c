/* lib/nsfido2 as production runs it (fido_dev_info_manifest + fido_dev_open),
 * with the soft authenticator put behind those calls by softfido2_preload.so.
 * This program does not link softfido2; run it through preload.sh. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fido.h>

#include "fido2_test.h"
#include "nsfido2.h"
#include "sf2_testenv.h"

#define RP "release.example.test"
#define SEED_A "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed0001"
#define SEED_B "5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed5eed0002"

static const unsigned char challenge[32] = "approval statement sha256 here..";

static int
setup(void **state)
{
	(void)state;
	sf2_testenv_seed(SEED_A);
	return 0;
}

static void
shim_is_loaded(void **state)
{
	fido_dev_info_t *list = fido_dev_info_new(4);
	size_t n = 0;

	(void)state;
	assert_int_equal(fido_dev_info_manifest(list, 4, &n), FIDO_OK);
	if (n != 1)
		fail_msg("no soft device: run this test through tests/fido2/preload.sh");
	assert_string_equal(fido_dev_info_path(fido_dev_info_ptr(list, 0)), "softfido2");
	fido_dev_info_free(&list, 4);
}

static void
enrol_and_approve(int alg)
{
	struct ns_fido2_cred c[2], d;
	struct ns_err err;
	size_t which = 9;
	unsigned ctr1, ctr2;

	assert_int_equal(ns_fido2_enroll(RP, "alice", NULL, alg, &c[0], &err), 0);
	assert_int_equal(ns_fido2_enroll_excluding(RP, "alice", NULL, NS_FIDO2_ES256, NULL,
	    0, &c[1], &err), 0);
	assert_int_equal(ns_fido2_authenticate(RP, c, 2, challenge, 0, NULL, &which, &ctr1, NULL,
	    &err), 0);
	assert_true(which == 0 || which == 1);
	assert_int_equal(ns_fido2_authenticate(RP, c, 1, challenge, 0, NULL, &which, &ctr2, NULL,
	    &err), 0);
	assert_int_equal(which, 0);
	assert_true(ns_fido2_counter_ok(ctr1, ctr2));
	/* enrolling the same key again is refused */
	assert_fails_with(ns_fido2_enroll_excluding(RP, "alice", NULL, alg, c, 2, &d, &err),
	    &err, "fido2: makeCredential: FIDO_ERR_CREDENTIAL_EXCLUDED");
	assert_null(d.id);
	ns_fido2_cred_clear(&c[0]);
	ns_fido2_cred_clear(&c[1]);
}

static void
enrol_and_approve_es256(void **state)
{
	(void)state;
	enrol_and_approve(NS_FIDO2_ES256);
}

static void
enrol_and_approve_eddsa(void **state)
{
	(void)state;
	enrol_and_approve(NS_FIDO2_EDDSA);
}

static void
refusals(void **state)
{
	struct ns_fido2_cred c, d;
	struct ns_err err;
	size_t which;
	unsigned ctr, stored;

	(void)state;
	assert_int_equal(ns_fido2_enroll(RP, "alice", NULL, NS_FIDO2_EDDSA, &c, &err), 0);
	assert_int_equal(ns_fido2_authenticate(RP, &c, 1, challenge, 0, NULL, &which,
	    &stored, NULL, &err), 0);

	setenv("SOFTFIDO2_SEED", SEED_B, 1);
	assert_fails_with(ns_fido2_authenticate(RP, &c, 1, challenge, 0, NULL, &which,
	    &ctr, NULL, &err), &err, "fido2: getAssertion: FIDO_ERR_NO_CREDENTIALS");
	setenv("SOFTFIDO2_SEED", SEED_A, 1);

	setenv("SOFTFIDO2_UP", "0", 1);
	assert_fails_with(ns_fido2_authenticate(RP, &c, 1, challenge, 0, NULL, &which,
	    &ctr, NULL, &err), &err, "did not confirm user presence");
	unsetenv("SOFTFIDO2_UP");

	setenv("SOFTFIDO2_TAMPER_CDH", "1", 1);
	assert_fails_with(ns_fido2_authenticate(RP, &c, 1, challenge, 0, NULL, &which,
	    &ctr, NULL, &err), &err, "FIDO_ERR_INVALID_SIG");
	unsetenv("SOFTFIDO2_TAMPER_CDH");

	setenv("SOFTFIDO2_UV", "lie", 1);
	assert_fails_with(ns_fido2_authenticate(RP, &c, 1, challenge, 1, NULL, &which,
	    &ctr, NULL, &err), &err, "user verification required");
	unsetenv("SOFTFIDO2_UV");

	setenv("SOFTFIDO2_COUNTER", "1", 1);
	assert_int_equal(ns_fido2_authenticate(RP, &c, 1, challenge, 0, NULL, &which, &ctr, NULL,
	    &err), 0);
	assert_false(ns_fido2_counter_ok(stored, ctr));
	unsetenv("SOFTFIDO2_COUNTER");

	setenv("SOFTFIDO2_ABSENT", "1", 1);
	assert_fails_with(ns_fido2_authenticate(RP, &c, 1, challenge, 0, NULL, &which,
	    &ctr, NULL, &err), &err, "fido2: no FIDO2 device found");
	assert_fails_with(ns_fido2_enroll(RP, "alice", NULL, NS_FIDO2_ES256, &d, &err),
	    &err, "fido2: no FIDO2 device found");
	assert_null(d.id);
	ns_fido2_cred_clear(&c);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(shim_is_loaded, setup),
		cmocka_unit_test_setup(enrol_and_approve_es256, setup),
		cmocka_unit_test_setup(enrol_and_approve_eddsa, setup),
		cmocka_unit_test_setup(refusals, setup),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
