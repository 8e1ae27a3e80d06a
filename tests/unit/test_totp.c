/* TOTP against oathtool (an independent implementation), window edges, formats. */
#include "config.h"

#include <liboath/oath.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "digest.h"
#include "nstest.h"
#include "totp.h"

/* RFC 6238 test secrets (ASCII "1234567890" repeated), base32 for our parser. */
#define SHA1_B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"
#define SHA1_HEX "3132333435363738393031323334353637383930"

static void
key(struct ns_totp_key *k, const char *line)
{
	struct ns_err err;

	if (ns_totp_key_parse(line, k, &err) != 0)
		fail_msg("%s: %s", line, err.msg);
}

static void
test_matches_oathtool(void **state)
{
	struct ns_totp_key k;
	char code[16];
	time_t t;

	(void)state;
	key(&k, "totp sha1 6 30 " SHA1_B32);
	for (t = 1700000000; t < 1700000000 + 30 * 40; t += 30) {
		assert_int_equal(nstest_oathtool(SHA1_HEX, 6, "sha1", t, code, sizeof(code)), 0);
		assert_int_equal(ns_totp_match(&k, code, t, 0), (long long)(t / 30));
	}
}

static void
test_algorithms_and_digits(void **state)
{
	static const struct {
		const char *algo;
		unsigned digits;
	} v[] = { { "sha1", 8 }, { "sha256", 6 }, { "sha256", 8 }, { "sha512", 7 } };
	struct ns_totp_key k;
	char line[200], code[16];
	size_t i;
	time_t t = 1800000000;

	(void)state;
	for (i = 0; i < sizeof(v) / sizeof(v[0]); i++) {
		snprintf(line, sizeof(line), "totp %s %u 30 %s", v[i].algo, v[i].digits, SHA1_B32);
		key(&k, line);
		assert_int_equal(nstest_oathtool(SHA1_HEX, v[i].digits, v[i].algo, t, code,
		                                 sizeof(code)), 0);
		assert_int_equal(ns_totp_match(&k, code, t, 1), (long long)(t / 30));
		/* the same code under another algorithm must not match */
		snprintf(line, sizeof(line), "totp %s %u 30 %s",
		         strcmp(v[i].algo, "sha1") == 0 ? "sha256" : "sha1", v[i].digits, SHA1_B32);
		key(&k, line);
		assert_int_equal(ns_totp_match(&k, code, t, 1), -1);
	}
}

static void
test_window_edges(void **state)
{
	struct ns_totp_key k;
	char code[16];
	time_t t = 1750000005;

	(void)state;
	key(&k, "totp sha1 6 30 " SHA1_B32);
	assert_int_equal(nstest_oathtool(SHA1_HEX, 6, "sha1", t - 30, code, sizeof(code)), 0);
	assert_int_equal(ns_totp_match(&k, code, t, 1), (long long)((t - 30) / 30));
	assert_int_equal(ns_totp_match(&k, code, t, 0), -1);
	assert_int_equal(nstest_oathtool(SHA1_HEX, 6, "sha1", t + 30, code, sizeof(code)), 0);
	assert_int_equal(ns_totp_match(&k, code, t, 1), (long long)((t + 30) / 30));
	assert_int_equal(nstest_oathtool(SHA1_HEX, 6, "sha1", t - 60, code, sizeof(code)), 0);
	assert_int_equal(ns_totp_match(&k, code, t, 1), -1);
	assert_int_equal(ns_totp_match(&k, code, t, 2), (long long)((t - 60) / 30));
}

static void
test_malformed_codes(void **state)
{
	struct ns_totp_key k;

	(void)state;
	key(&k, "totp sha1 6 30 " SHA1_B32);
	assert_int_equal(ns_totp_match(&k, "", 1750000000, 1), -1);
	assert_int_equal(ns_totp_match(&k, "12345", 1750000000, 1), -1);
	assert_int_equal(ns_totp_match(&k, "1234567", 1750000000, 1), -1);
	assert_int_equal(ns_totp_match(&k, "12a456", 1750000000, 1), -1);
	assert_int_equal(ns_totp_match(&k, " 12345", 1750000000, 1), -1);
}

static void
test_key_lines(void **state)
{
	static const char *bad[] = {
		"totp md5 6 30 " SHA1_B32, "totp sha1 5 30 " SHA1_B32, "totp sha1 9 30 " SHA1_B32,
		"totp sha1 6 10 " SHA1_B32, "totp sha1 6 30 not-base32!", "totp sha1 6 30 GEZDG",
		"totp sha1 6 30", "hotp sha1 6 30 " SHA1_B32, "totp sha1 6 30 " SHA1_B32 " extra",
	};
	struct ns_totp_key k;
	struct ns_err err;
	char out[512];
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		if (ns_totp_key_parse(bad[i], &k, &err) == 0)
			fail_msg("accepted: %s", bad[i]);
	key(&k, "totp sha512 8 60 " SHA1_B32);
	assert_int_equal(ns_totp_key_format(&k, out, sizeof(out), &err), 0);
	assert_string_equal(out, "totp sha512 8 60 " SHA1_B32);
}

static void
test_generate(void **state)
{
	struct ns_totp_key k;
	struct ns_err err;
	char ours[16], theirs[16];

	(void)state;
	key(&k, "totp sha1 6 30 " SHA1_B32);
	assert_int_equal(ns_totp_generate(&k, 1760000000, ours, sizeof(ours), &err), 0);
	assert_int_equal(nstest_oathtool(SHA1_HEX, 6, "sha1", 1760000000, theirs, sizeof(theirs)), 0);
	assert_string_equal(ours, theirs);
	assert_true(ns_ct_streq("abc", "abc"));
	assert_false(ns_ct_streq("abc", "abd"));
	assert_false(ns_ct_streq("abc", "abcd"));
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_matches_oathtool),
		cmocka_unit_test(test_algorithms_and_digits),
		cmocka_unit_test(test_window_edges),
		cmocka_unit_test(test_malformed_codes),
		cmocka_unit_test(test_key_lines),
		cmocka_unit_test(test_generate),
	};

	oath_init();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
