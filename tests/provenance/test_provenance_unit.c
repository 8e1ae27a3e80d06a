/* Unit tests for the provenance parts the CLI tests cannot reach with real data:
 * a real Fulcio certificate just outside its validity window at the signing time,
 * RFC 6962 inclusion proofs over every index of trees of 1..33 leaves (paths computed
 * from the RFC's PATH definition), DER UTF8String and base64 strictness, the DSSE PAE
 * vector from the DSSE specification. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <openssl/evp.h>
#include <openssl/x509v3.h>

#include "sigstore.h"

static X509 *
leaf_of(const char *bundle_path, int64_t *itime)
{
	json_t *j = json_load_file(bundle_path, 0, NULL);
	const json_t *vm = json_object_get(j, "verificationMaterial");
	const char *b64 = json_string_value(json_object_get(json_object_get(vm, "certificate"),
	                                                    "rawBytes"));
	unsigned char *der;
	const unsigned char *p;
	size_t n;
	X509 *x;

	assert_non_null(b64);
	assert_int_equal(ns_b64_decode(b64, strlen(b64), &der, &n), 0);
	p = der;
	x = d2i_X509(NULL, &p, (long)n);
	assert_non_null(x);
	*itime = strtoll(json_string_value(json_object_get(json_array_get(
	    json_object_get(vm, "tlogEntries"), 0), "integratedTime")), NULL, 10);
	free(der);
	json_decref(j);
	return x;
}

static void
cert_window(void **state)
{
	struct ns_trust t;
	struct ns_err err = { "" };
	X509 *leaf, *issuer = NULL;
	int64_t it;

	(void)state;
	assert_int_equal(ns_trust_load(SRCDIR "/tests/provenance/data/trust/trusted_root.json",
	                               &t, &err), 0);
	leaf = leaf_of(SRCDIR "/tests/provenance/data/npm/sigstore@5.0.0/provenance.sigstore.json",
	               &it);
	assert_int_equal(ns_cert_verify_chain(leaf, &t, it, &issuer, &err), 0);
	assert_int_equal(ns_cert_verify_sct(leaf, issuer, &t, &err), 0);
	X509_free(issuer);
	/* Fulcio leaves live ten minutes: an hour later and a minute before are outside */
	assert_int_equal(ns_cert_verify_chain(leaf, &t, it + 3600, &issuer, &err), -1);
	assert_non_null(strstr(err.msg, "certificate has expired"));
	assert_int_equal(ns_cert_verify_chain(leaf, &t, it - 60, &issuer, &err), -1);
	assert_non_null(strstr(err.msg, "certificate is not yet valid"));
	/* the old CA (2021..2022) does not cover 2026 and cannot be used instead */
	t.cas[1].end = it - 1;
	assert_int_equal(ns_cert_verify_chain(leaf, &t, it, &issuer, &err), -1);
	X509_free(leaf);
	ns_trust_free(&t);
}

/* RFC 6962 §2.1: MTH and PATH, straight from the definitions. */
static void
leaf_hash(unsigned i, unsigned char out[32])
{
	unsigned char b[5] = { 0, (unsigned char)i, (unsigned char)(i >> 8), 7, 9 };

	EVP_Digest(b, sizeof(b), out, NULL, EVP_sha256(), NULL);
}

static unsigned
split(unsigned n)
{
	unsigned k = 1;

	while (k * 2 < n)
		k *= 2;
	return k;
}

static void
mth(unsigned lo, unsigned n, unsigned char out[32])
{
	unsigned char b[65];
	unsigned k;

	if (n == 1) {
		leaf_hash(lo, out);
		return;
	}
	k = split(n);
	b[0] = 1;
	mth(lo, k, b + 1);
	mth(lo + k, n - k, b + 33);
	EVP_Digest(b, sizeof(b), out, NULL, EVP_sha256(), NULL);
}

static size_t
path(unsigned m, unsigned lo, unsigned n, unsigned char (*out)[32])
{
	unsigned k;
	size_t c;

	if (n == 1)
		return 0;
	k = split(n);
	if (m < k) {
		c = path(m, lo, k, out);
		mth(lo + k, n - k, out[c]);
	} else {
		c = path(m - k, lo + k, n - k, out);
		mth(lo, k, out[c]);
	}
	return c + 1;
}

static void
merkle(void **state)
{
	unsigned char p[16][32], root[32], leaf[32];
	unsigned n, m;
	size_t np;

	(void)state;
	for (n = 1; n <= 33; n++) {
		mth(0, n, root);
		for (m = 0; m < n; m++) {
			np = path(m, 0, n, p);
			leaf_hash(m, leaf);
			assert_true(ns_merkle_inclusion_ok(m, n, leaf, (const unsigned char (*)[32])p,
			                                   np, root));
			/* wrong index, wrong leaf, a flipped path hash, a short path */
			if (n > 1)
				assert_false(ns_merkle_inclusion_ok((m + 1) % n, n, leaf,
				                                    (const unsigned char (*)[32])p, np, root));
			leaf[0] ^= 1;
			assert_false(ns_merkle_inclusion_ok(m, n, leaf, (const unsigned char (*)[32])p,
			                                    np, root));
			leaf[0] ^= 1;
			if (np > 0) {
				p[np - 1][5] ^= 1;
				assert_false(ns_merkle_inclusion_ok(m, n, leaf,
				                                    (const unsigned char (*)[32])p, np, root));
				p[np - 1][5] ^= 1;
				assert_false(ns_merkle_inclusion_ok(m, n, leaf,
				                                    (const unsigned char (*)[32])p, np - 1, root));
			}
			assert_false(ns_merkle_inclusion_ok(m, m, leaf, (const unsigned char (*)[32])p,
			                                    np, root));
		}
	}
}

static void
der_and_base64(void **state)
{
	static const unsigned char ok[] = { 0x0c, 3, 'a', 'b', 'c' };
	static const unsigned char trailing[] = { 0x0c, 2, 'a', 'b', 'c' };
	static const unsigned char longform[] = { 0x0c, 0x81, 3, 'a', 'b', 'c' };
	static const unsigned char ctrl[] = { 0x0c, 2, 'a', '\n' };
	static const unsigned char ia5[] = { 0x16, 1, 'a' };
	unsigned char *o;
	char *s;
	size_t n;

	(void)state;
	assert_int_equal(ns_der_utf8string(ok, sizeof(ok), &s), 0);
	assert_string_equal(s, "abc");
	free(s);
	assert_int_equal(ns_der_utf8string(trailing, sizeof(trailing), &s), -1);
	assert_int_equal(ns_der_utf8string(longform, sizeof(longform), &s), -1);
	assert_int_equal(ns_der_utf8string(ctrl, sizeof(ctrl), &s), -1);
	assert_int_equal(ns_der_utf8string(ia5, sizeof(ia5), &s), -1);
	assert_int_equal(ns_der_utf8string(ok, 1, &s), -1);
	assert_int_equal(ns_b64_decode("aGk=", 4, &o, &n), 0);
	assert_int_equal(n, 2);
	free(o);
	assert_int_equal(ns_b64_decode("aGk", 3, &o, &n), 0);   /* unpadded */
	free(o);
	assert_int_equal(ns_b64_decode("aGl=", 4, &o, &n), -1); /* non-zero spare bits */
	assert_int_equal(ns_b64_decode("aG k", 4, &o, &n), -1);
	assert_int_equal(ns_b64_decode("a", 1, &o, &n), -1);
	assert_int_equal(ns_b64_decode("aGk==", 5, &o, &n), -1);
}

/* A throwaway certificate with the given SAN URIs and Fulcio extensions (arc, DER or raw
 * value), to reach the identity parser's corners that real certificates do not. */
struct ext { int arc; const char *val; int len; };

static X509 *
make_cert(const char *const *sans, const struct ext *exts)
{
	X509 *x = X509_new();
	EVP_PKEY *k = EVP_EC_gen("P-256");
	GENERAL_NAMES *gens = GENERAL_NAMES_new();
	size_t i;

	assert_non_null(x);
	assert_non_null(k);
	X509_set_version(x, 2);
	X509_gmtime_adj(X509_getm_notBefore(x), 0);
	X509_gmtime_adj(X509_getm_notAfter(x), 600);
	X509_set_pubkey(x, k);
	for (i = 0; sans != NULL && sans[i] != NULL; i++) {
		GENERAL_NAME *g = GENERAL_NAME_new();
		ASN1_IA5STRING *s = ASN1_IA5STRING_new();

		ASN1_STRING_set(s, sans[i], -1);
		GENERAL_NAME_set0_value(g, strchr(sans[i], '@') && !strchr(sans[i], '/') ?
		                        GEN_EMAIL : GEN_URI, s);
		sk_GENERAL_NAME_push(gens, g);
	}
	if (sk_GENERAL_NAME_num(gens) > 0)
		X509_add1_ext_i2d(x, NID_subject_alt_name, gens, 1, X509V3_ADD_DEFAULT);
	GENERAL_NAMES_free(gens);
	for (i = 0; exts != NULL && exts[i].arc != 0; i++) {
		char oid[64];
		ASN1_OBJECT *o;
		ASN1_OCTET_STRING *v = ASN1_OCTET_STRING_new();
		X509_EXTENSION *e;

		snprintf(oid, sizeof(oid), "1.3.6.1.4.1.57264.1.%d", exts[i].arc);
		o = OBJ_txt2obj(oid, 1);
		ASN1_OCTET_STRING_set(v, (const unsigned char *)exts[i].val,
		                      exts[i].len >= 0 ? exts[i].len : (int)strlen(exts[i].val));
		e = X509_EXTENSION_create_by_OBJ(NULL, o, 0, v);
		X509_add_ext(x, e, -1);
		X509_EXTENSION_free(e);
		ASN1_OBJECT_free(o);
		ASN1_OCTET_STRING_free(v);
	}
	X509_sign(x, k, EVP_sha256());
	EVP_PKEY_free(k);
	return x;
}

static void
identity(void **state)
{
	static const char *gha[] = { "https://github.com/acme/w/.github/workflows/r.yml@refs/tags/v1",
	                             NULL };
	static const char *reusable[] = { "https://github.com/org/shared/.github/workflows/"
	                                  "build.yml@refs/heads/main", NULL };
	static const char *two[] = { "https://a.example/x", "https://b.example/y", NULL };
	static const char *email[] = { "dev@example.org", NULL };
	static const char iss[] = "\x0c\x2bhttps://token.actions.githubusercontent.com";
	static const char repo[] = "\x0c\x19https://github.com/acme/w";
	static const char ref[] = "\x0c\x0erefs/tags/v1.0";
	static const char sha[] = "\x0c\x03" "abc";
	static const char bad_len[] = "\x0c\x30https://github.com/acme/w";
	static const char ctl[] = "\x0c\x03" "a\nb";
	const struct ext modern[] = { { 8, iss, sizeof(iss) - 1 }, { 12, repo, sizeof(repo) - 1 },
	                              { 14, ref, sizeof(ref) - 1 }, { 13, sha, sizeof(sha) - 1 },
	                              { 0, NULL, 0 } };
	const struct ext legacy[] = { { 1, "https://token.actions.githubusercontent.com", -1 },
	                              { 5, "acme/w", -1 }, { 6, "refs/tags/v1", -1 },
	                              { 3, "0123abcd", -1 }, { 0, NULL, 0 } };
	const struct ext dup[] = { { 8, iss, sizeof(iss) - 1 }, { 8, iss, sizeof(iss) - 1 },
	                           { 0, NULL, 0 } };
	const struct ext badlen[] = { { 8, iss, sizeof(iss) - 1 },
	                              { 12, bad_len, sizeof(bad_len) - 1 }, { 0, NULL, 0 } };
	const struct ext ctrl[] = { { 8, iss, sizeof(iss) - 1 }, { 14, ctl, sizeof(ctl) - 1 },
	                            { 0, NULL, 0 } };
	const struct ext raw_ctl[] = { { 1, "https://x\x1b[2J", -1 }, { 0, NULL, 0 } };
	const struct ext none[] = { { 0, NULL, 0 } };
	struct ns_identity id;
	struct ns_err err = { "" };
	X509 *x;

	(void)state;
	x = make_cert(gha, modern);
	assert_int_equal(ns_cert_identity(x, &id, &err), 0);
	assert_string_equal(id.issuer, "https://token.actions.githubusercontent.com");
	assert_string_equal(id.repository, "https://github.com/acme/w");
	assert_string_equal(id.ref, "refs/tags/v1.0");
	assert_string_equal(id.commit, "abc");
	assert_string_equal(id.workflow, ".github/workflows/r.yml");
	ns_identity_free(&id);
	X509_free(x);
	/* pre-2023 certificates: raw .1, .5 owner/repo, .6, .3 */
	x = make_cert(gha, legacy);
	assert_int_equal(ns_cert_identity(x, &id, &err), 0);
	assert_string_equal(id.repository, "https://github.com/acme/w");
	assert_string_equal(id.ref, "refs/tags/v1");
	assert_string_equal(id.commit, "0123abcd");
	assert_string_equal(id.workflow, ".github/workflows/r.yml");
	ns_identity_free(&id);
	X509_free(x);
	/* a reusable workflow of another repository is not a path in this one */
	x = make_cert(reusable, modern);
	assert_int_equal(ns_cert_identity(x, &id, &err), 0);
	assert_string_equal(id.workflow, reusable[0]);
	ns_identity_free(&id);
	X509_free(x);
	x = make_cert(email, modern);
	assert_int_equal(ns_cert_identity(x, &id, &err), 0);
	assert_string_equal(id.san, "dev@example.org");
	ns_identity_free(&id);
	X509_free(x);
	/* refused: two SANs, none, a doubled extension, a bad length, control characters,
	 * no issuer at all */
	x = make_cert(two, modern);
	assert_int_equal(ns_cert_identity(x, &id, &err), -1);
	assert_non_null(strstr(err.msg, "not exactly one subject alternative name"));
	X509_free(x);
	x = make_cert(NULL, modern);
	assert_int_equal(ns_cert_identity(x, &id, &err), -1);
	X509_free(x);
	x = make_cert(gha, dup);
	assert_int_equal(ns_cert_identity(x, &id, &err), -1);
	assert_non_null(strstr(err.msg, "57264.1.8 is malformed"));
	X509_free(x);
	x = make_cert(gha, badlen);
	assert_int_equal(ns_cert_identity(x, &id, &err), -1);
	assert_non_null(strstr(err.msg, "57264.1.12 is malformed"));
	X509_free(x);
	x = make_cert(gha, ctrl);
	assert_int_equal(ns_cert_identity(x, &id, &err), -1);
	X509_free(x);
	x = make_cert(gha, raw_ctl);
	assert_int_equal(ns_cert_identity(x, &id, &err), -1);
	X509_free(x);
	x = make_cert(gha, none);
	assert_int_equal(ns_cert_identity(x, &id, &err), -1);
	assert_non_null(strstr(err.msg, "no OIDC issuer"));
	X509_free(x);
	/* a self-made certificate chains to nothing and carries no SCT */
	{
		struct ns_trust t;
		X509 *issuer = NULL;

		assert_int_equal(ns_trust_load(SRCDIR "/tests/provenance/data/trust/"
		                               "trusted_root.json", &t, &err), 0);
		x = make_cert(gha, modern);
		assert_int_equal(ns_cert_verify_chain(x, &t, (int64_t)time(NULL), &issuer, &err), -1);
		assert_int_equal(ns_cert_verify_sct(x, sk_X509_value(t.cas[1].certs, 0), &t, &err),
		                 -1);
		assert_non_null(strstr(err.msg, "no embedded SCT"));
		X509_free(x);
		ns_trust_free(&t);
	}
}

static json_t *
statement_of(const char *bundle_path)
{
	json_t *j = json_load_file(bundle_path, 0, NULL), *st;
	const char *b64 = json_string_value(json_object_get(json_object_get(j, "dsseEnvelope"),
	                                                    "payload"));
	unsigned char *raw;
	size_t n;

	assert_non_null(b64);
	assert_int_equal(ns_b64_decode(b64, strlen(b64), &raw, &n), 0);
	st = json_loadb((const char *)raw, n, 0, NULL);
	assert_non_null(st);
	free(raw);
	json_decref(j);
	return st;
}

/* The real SLSA v1 and publish statements against a signer whose commit, repository
 * or ref differ (signed data cannot be changed in the CLI tests). */
static void
predicate(void **state)
{
	struct ns_identity id = { NULL };
	struct ns_prov_expect ex = { "sigstore", "5.0.0", NULL };
	struct ns_err err = { "" };
	json_t *st = statement_of(SRCDIR "/tests/provenance/data/npm/sigstore@5.0.0/"
	                          "provenance.sigstore.json");
	json_t *pub = statement_of(SRCDIR "/tests/provenance/data/npm/sigstore@1.8.0/"
	                           "publish.sigstore.json");
	char repo[] = "https://github.com/sigstore/sigstore-js", ref[] = "refs/heads/main";
	char commit[] = "7d2900eca1c22b3f87c13987c8d4b7c9a29b733a";

	(void)state;
	id.repository = repo;
	id.ref = ref;
	id.commit = commit;
	assert_int_equal(ns_prov_check_predicate(st, 0, &id, &ex, &err), 0);
	assert_int_equal(ns_prov_check_predicate(st, 1, &id, &ex, &err), -1);
	assert_non_null(strstr(err.msg, "not signed by a Fulcio certificate"));
	commit[0] = '8';
	assert_int_equal(ns_prov_check_predicate(st, 0, &id, &ex, &err), -1);
	assert_non_null(strstr(err.msg, "source commit differs"));
	commit[0] = '7';
	repo[strlen(repo) - 1] = 'x';
	assert_int_equal(ns_prov_check_predicate(st, 0, &id, &ex, &err), -1);
	assert_non_null(strstr(err.msg, "source uri differs"));
	repo[strlen(repo) - 1] = 's';
	ref[strlen(ref) - 1] = 'x';
	assert_int_equal(ns_prov_check_predicate(st, 0, &id, &ex, &err), -1);
	assert_non_null(strstr(err.msg, "source uri differs"));
	id.commit = NULL;
	assert_int_equal(ns_prov_check_predicate(st, 0, &id, &ex, &err), -1);
	/* publish: keyed only, and for this package and version */
	ex.version = "1.8.0";
	assert_int_equal(ns_prov_check_predicate(pub, 1, &id, &ex, &err), 0);
	assert_int_equal(ns_prov_check_predicate(pub, 0, &id, &ex, &err), -1);
	ex.version = "1.8.1";
	assert_int_equal(ns_prov_check_predicate(pub, 1, &id, &ex, &err), -1);
	assert_non_null(strstr(err.msg, "another package or version"));
	ex.version = "1.8.0";
	ex.name = "sigstore-x";
	assert_int_equal(ns_prov_check_predicate(pub, 1, &id, &ex, &err), -1);
	json_decref(st);
	json_decref(pub);
}

static void
pae(void **state)
{
	size_t n;
	unsigned char *p = ns_dsse_pae("http://example.com/HelloWorld",
	                               (const unsigned char *)"hello world", 11, &n);

	(void)state;
	assert_non_null(p);
	assert_int_equal(n, strlen("DSSEv1 29 http://example.com/HelloWorld 11 hello world"));
	assert_memory_equal(p, "DSSEv1 29 http://example.com/HelloWorld 11 hello world", n);
	free(p);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(cert_window),
		cmocka_unit_test(merkle),
		cmocka_unit_test(der_and_base64),
		cmocka_unit_test(identity),
		cmocka_unit_test(predicate),
		cmocka_unit_test(pae),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
