/* The soft authenticator itself, driven by libfido2's real client code:
 * makeCredential + attestation check, getAssertion + fido_assert_verify, and each
 * behaviour knob. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <fido.h>
#include <fido/eddsa.h>
#include <fido/es256.h>

#include "softfido2.h"
#include "sf2_testenv.h"

#define RP "release.example.test"
#define SEED_A "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define SEED_B "ff0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static const unsigned char cdh[32] = "0123456789abcdef0123456789abcdef";

struct enrolled {
	int alg;
	unsigned char id[256];
	size_t id_len;
	unsigned char pk[128];
	size_t pk_len;
};

static fido_dev_t *
open_soft(void)
{
	fido_dev_t *dev = softfido2_open();

	assert_non_null(dev);
	return dev;
}

static int
make(int alg, const char *rp, const unsigned char *excl, size_t excl_len, fido_opt_t uv,
    struct enrolled *e, fido_cred_t **keep)
{
	fido_dev_t *dev = open_soft();
	fido_cred_t *c = fido_cred_new();
	int r;

	assert_non_null(c);
	assert_int_equal(fido_cred_set_type(c, alg), FIDO_OK);
	assert_int_equal(fido_cred_set_clientdata_hash(c, cdh, sizeof(cdh)), FIDO_OK);
	assert_int_equal(fido_cred_set_rp(c, rp, NULL), FIDO_OK);
	assert_int_equal(fido_cred_set_user(c, (const unsigned char *)"uid", 3, "alice",
	    NULL, NULL), FIDO_OK);
	assert_int_equal(fido_cred_set_uv(c, uv), FIDO_OK);
	if (excl != NULL)
		assert_int_equal(fido_cred_exclude(c, excl, excl_len), FIDO_OK);
	r = fido_dev_make_cred(dev, c, NULL);
	if (r == FIDO_OK && e != NULL) {
		e->alg = alg;
		e->id_len = fido_cred_id_len(c);
		e->pk_len = fido_cred_pubkey_len(c);
		assert_true(e->id_len <= sizeof(e->id) && e->pk_len <= sizeof(e->pk));
		memcpy(e->id, fido_cred_id_ptr(c), e->id_len);
		memcpy(e->pk, fido_cred_pubkey_ptr(c), e->pk_len);
	}
	if (keep != NULL)
		*keep = c;
	else
		fido_cred_free(&c);
	softfido2_close(&dev);
	return r;
}

/* getAssertion on a fresh device; returns the libfido2 code, keeps the assertion. */
static int
get(const struct enrolled *e, const char *rp, fido_opt_t uv, fido_assert_t **out)
{
	fido_dev_t *dev = open_soft();
	fido_assert_t *a = fido_assert_new();
	int r;

	assert_non_null(a);
	assert_int_equal(fido_assert_set_rp(a, rp), FIDO_OK);
	assert_int_equal(fido_assert_set_clientdata_hash(a, cdh, sizeof(cdh)), FIDO_OK);
	assert_int_equal(fido_assert_allow_cred(a, e->id, e->id_len), FIDO_OK);
	assert_int_equal(fido_assert_set_up(a, FIDO_OPT_TRUE), FIDO_OK);
	assert_int_equal(fido_assert_set_uv(a, uv), FIDO_OK);
	r = fido_dev_get_assert(dev, a, NULL);
	softfido2_close(&dev);
	*out = a;
	return r;
}

static int
verify(const fido_assert_t *a, const struct enrolled *e)
{
	int r;

	if (e->alg == COSE_ES256) {
		es256_pk_t *pk = es256_pk_new();
		assert_int_equal(es256_pk_from_ptr(pk, e->pk, e->pk_len), FIDO_OK);
		r = fido_assert_verify(a, 0, e->alg, pk);
		es256_pk_free(&pk);
	} else {
		eddsa_pk_t *pk = eddsa_pk_new();
		assert_int_equal(eddsa_pk_from_ptr(pk, e->pk, e->pk_len), FIDO_OK);
		r = fido_assert_verify(a, 0, e->alg, pk);
		eddsa_pk_free(&pk);
	}
	return r;
}

static int
setup(void **state)
{
	(void)state;
	sf2_testenv_seed(SEED_A);
	return 0;
}

static void
get_info(void **state)
{
	fido_dev_t *dev;
	fido_cbor_info_t *ci = fido_cbor_info_new();
	char **names;
	const bool *vals;
	size_t n;
	int uv_seen = 0;

	(void)state;
	setenv("SOFTFIDO2_UV", "1", 1);
	dev = open_soft();
	assert_true(fido_dev_is_fido2(dev));
	assert_true(fido_dev_has_uv(dev));
	assert_int_equal(fido_dev_get_cbor_info(dev, ci), FIDO_OK);
	assert_int_equal(fido_cbor_info_versions_len(ci), 1);
	assert_string_equal(fido_cbor_info_versions_ptr(ci)[0], "FIDO_2_0");
	assert_int_equal(fido_cbor_info_aaguid_len(ci), 16);
	assert_memory_equal(fido_cbor_info_aaguid_ptr(ci), "softfido2 aaguid", 16);
	assert_int_equal(fido_cbor_info_algorithm_count(ci), 2);
	assert_int_equal(fido_cbor_info_algorithm_cose(ci, 0), COSE_ES256);
	assert_int_equal(fido_cbor_info_algorithm_cose(ci, 1), COSE_EDDSA);
	names = fido_cbor_info_options_name_ptr(ci);
	vals = fido_cbor_info_options_value_ptr(ci);
	n = fido_cbor_info_options_len(ci);
	for (size_t i = 0; i < n; i++) {
		if (strcmp(names[i], "rk") == 0)
			assert_false(vals[i]);
		if (strcmp(names[i], "up") == 0)
			assert_true(vals[i]);
		if (strcmp(names[i], "uv") == 0)
			uv_seen = vals[i];
	}
	assert_true(uv_seen);
	fido_cbor_info_free(&ci);
	softfido2_close(&dev);

	setenv("SOFTFIDO2_UV", "0", 1);
	dev = open_soft();
	assert_false(fido_dev_has_uv(dev));
	softfido2_close(&dev);
}

static void
round_trip(int alg)
{
	struct enrolled e;
	fido_cred_t *c = NULL;
	fido_assert_t *a = NULL;
	uint32_t first;

	assert_int_equal(make(alg, RP, NULL, 0, FIDO_OPT_OMIT, &e, &c), FIDO_OK);
	assert_string_equal(fido_cred_fmt(c), "packed");
	assert_int_equal(fido_cred_x5c_len(c), 0);
	assert_int_equal(fido_cred_verify_self(c), FIDO_OK);
	assert_int_equal(fido_cred_type(c), alg);
	assert_int_equal(e.id_len, 49);
	assert_int_equal(e.pk_len, alg == COSE_ES256 ? 64 : 32);
	fido_cred_free(&c);

	/* a new device object: the credential lives in its id, not in the device */
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_OK);
	assert_int_equal(fido_assert_count(a), 1);
	assert_int_equal(fido_assert_id_len(a, 0), e.id_len);
	assert_memory_equal(fido_assert_id_ptr(a, 0), e.id, e.id_len);
	assert_int_equal(fido_assert_flags(a, 0) & 0x05, 0x01);
	assert_int_equal(verify(a, &e), FIDO_OK);
	first = fido_assert_sigcount(a, 0);
	fido_assert_free(&a);

	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_OK);
	assert_true(fido_assert_sigcount(a, 0) > first);
	assert_int_equal(verify(a, &e), FIDO_OK);
	/* a different clientDataHash must not verify */
	assert_int_equal(fido_assert_set_clientdata_hash(a,
	    (const unsigned char *)"0123456789abcdef0123456789abcdeX", 32), FIDO_OK);
	assert_int_equal(verify(a, &e), FIDO_ERR_INVALID_SIG);
	fido_assert_free(&a);
}

static void
round_trip_es256(void **state)
{
	(void)state;
	round_trip(COSE_ES256);
}

static void
round_trip_eddsa(void **state)
{
	(void)state;
	round_trip(COSE_EDDSA);
}

static void
other_seed_or_rp(void **state)
{
	struct enrolled e;
	fido_assert_t *a = NULL;

	(void)state;
	assert_int_equal(make(COSE_ES256, RP, NULL, 0, FIDO_OPT_OMIT, &e, NULL), FIDO_OK);
	assert_int_equal(get(&e, "other.example.test", FIDO_OPT_OMIT, &a),
	    FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	setenv("SOFTFIDO2_SEED", SEED_B, 1);
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
	/* a flipped MAC byte is not our credential either */
	setenv("SOFTFIDO2_SEED", SEED_A, 1);
	e.id[e.id_len - 1] ^= 1;
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_ERR_NO_CREDENTIALS);
	fido_assert_free(&a);
}

static void
seed_file(void **state)
{
	struct enrolled e;
	fido_assert_t *a = NULL;
	char path[] = "/tmp/sf2seed.XXXXXX";
	int fd = mkstemp(path);

	(void)state;
	assert_true(fd >= 0);
	assert_int_equal(write(fd, SEED_B "\n", sizeof(SEED_B)), (ssize_t)sizeof(SEED_B));
	close(fd);
	setenv("SOFTFIDO2_SEED", path, 1);
	assert_int_equal(make(COSE_EDDSA, RP, NULL, 0, FIDO_OPT_OMIT, &e, NULL), FIDO_OK);
	setenv("SOFTFIDO2_SEED", SEED_B, 1); /* the same seed as hex */
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_OK);
	assert_int_equal(verify(a, &e), FIDO_OK);
	fido_assert_free(&a);
	unlink(path);
	setenv("SOFTFIDO2_SEED", "00zz", 1); /* neither hex nor a file */
	{
		fido_dev_t *dev = fido_dev_new();
		assert_int_equal(softfido2_attach(dev), FIDO_OK);
		assert_int_not_equal(fido_dev_open(dev, SOFTFIDO2_PATH), FIDO_OK);
		fido_dev_free(&dev);
	}
}

static void
no_presence(void **state)
{
	struct enrolled e;
	fido_assert_t *a = NULL;

	(void)state;
	assert_int_equal(make(COSE_ES256, RP, NULL, 0, FIDO_OPT_OMIT, &e, NULL), FIDO_OK);
	setenv("SOFTFIDO2_UP", "0", 1);
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_OK);
	assert_int_equal(fido_assert_flags(a, 0) & 0x01, 0);
	assert_int_equal(verify(a, &e), FIDO_ERR_INVALID_PARAM);
	fido_assert_free(&a);
	setenv("SOFTFIDO2_UP", "timeout", 1);
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_ERR_USER_ACTION_TIMEOUT);
	fido_assert_free(&a);
}

static void
user_verification(void **state)
{
	struct enrolled e;
	fido_assert_t *a = NULL;

	(void)state;
	assert_int_equal(make(COSE_ES256, RP, NULL, 0, FIDO_OPT_OMIT, &e, NULL), FIDO_OK);
	assert_int_equal(get(&e, RP, FIDO_OPT_TRUE, &a), FIDO_ERR_UNSUPPORTED_OPTION);
	fido_assert_free(&a);
	setenv("SOFTFIDO2_UV", "1", 1);
	assert_int_equal(get(&e, RP, FIDO_OPT_TRUE, &a), FIDO_OK);
	assert_int_equal(fido_assert_flags(a, 0) & 0x05, 0x05);
	assert_int_equal(verify(a, &e), FIDO_OK);
	fido_assert_free(&a);
	setenv("SOFTFIDO2_UV", "lie", 1);
	assert_int_equal(get(&e, RP, FIDO_OPT_TRUE, &a), FIDO_OK);
	assert_int_equal(fido_assert_flags(a, 0) & 0x04, 0);
	assert_int_equal(verify(a, &e), FIDO_ERR_INVALID_PARAM);
	fido_assert_free(&a);
}

static void
fixed_counter_and_tamper(void **state)
{
	struct enrolled e;
	fido_assert_t *a = NULL;

	(void)state;
	assert_int_equal(make(COSE_EDDSA, RP, NULL, 0, FIDO_OPT_OMIT, &e, NULL), FIDO_OK);
	setenv("SOFTFIDO2_COUNTER", "7", 1);
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_OK);
	assert_int_equal(fido_assert_sigcount(a, 0), 7);
	assert_int_equal(verify(a, &e), FIDO_OK);
	fido_assert_free(&a);
	setenv("SOFTFIDO2_TAMPER_CDH", "1", 1);
	assert_int_equal(get(&e, RP, FIDO_OPT_OMIT, &a), FIDO_OK);
	assert_int_equal(verify(a, &e), FIDO_ERR_INVALID_SIG);
	fido_assert_free(&a);
}

static void
attest_none_and_exclude(void **state)
{
	struct enrolled e;
	fido_cred_t *c = NULL;

	(void)state;
	assert_int_equal(make(COSE_ES256, RP, NULL, 0, FIDO_OPT_OMIT, &e, NULL), FIDO_OK);
	assert_int_equal(make(COSE_ES256, RP, e.id, e.id_len, FIDO_OPT_OMIT, NULL, NULL),
	    FIDO_ERR_CREDENTIAL_EXCLUDED);
	/* the same id under another seed is not ours: not excluded */
	setenv("SOFTFIDO2_SEED", SEED_B, 1);
	assert_int_equal(make(COSE_ES256, RP, e.id, e.id_len, FIDO_OPT_OMIT, NULL, NULL),
	    FIDO_OK);
	setenv("SOFTFIDO2_ATTEST", "x5c", 1);
	assert_int_equal(make(COSE_EDDSA, RP, NULL, 0, FIDO_OPT_OMIT, NULL, &c), FIDO_OK);
	assert_string_equal(fido_cred_fmt(c), "packed");
	assert_true(fido_cred_x5c_len(c) > 100);
	assert_int_equal(fido_cred_verify(c), FIDO_OK);
	assert_int_not_equal(fido_cred_verify_self(c), FIDO_OK);
	fido_cred_free(&c);
	setenv("SOFTFIDO2_ATTEST", "none", 1);
	assert_int_equal(make(COSE_EDDSA, RP, NULL, 0, FIDO_OPT_OMIT, NULL, &c), FIDO_OK);
	assert_string_equal(fido_cred_fmt(c), "none");
	assert_int_not_equal(fido_cred_verify_self(c), FIDO_OK);
	fido_cred_free(&c);
}

static void
absent(void **state)
{
	fido_dev_t *dev = fido_dev_new();

	(void)state;
	setenv("SOFTFIDO2_ABSENT", "1", 1);
	assert_int_equal(softfido2_attach(dev), FIDO_OK);
	assert_int_not_equal(fido_dev_open(dev, SOFTFIDO2_PATH), FIDO_OK);
	fido_dev_free(&dev);
	assert_int_equal(softfido2_present(), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup(get_info, setup),
		cmocka_unit_test_setup(round_trip_es256, setup),
		cmocka_unit_test_setup(round_trip_eddsa, setup),
		cmocka_unit_test_setup(other_seed_or_rp, setup),
		cmocka_unit_test_setup(seed_file, setup),
		cmocka_unit_test_setup(no_presence, setup),
		cmocka_unit_test_setup(user_verification, setup),
		cmocka_unit_test_setup(fixed_counter_and_tamper, setup),
		cmocka_unit_test_setup(attest_none_and_exclude, setup),
		cmocka_unit_test_setup(absent, setup),
	};

	fido_init(0);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
