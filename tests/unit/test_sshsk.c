/* OpenSSH security keys (lib/sshsk.c, lib/sshsig.c, lib/sshwire.c): known answers
 * made independently (tests/unit/sshsk_vectors.py, python cryptography) and checked
 * against real ssh-keygen, fresh libcrypto signatures, and the refusals: flipped
 * bits, wrong and WebAuthn types, trailing and truncated bytes, huge lengths, bad
 * points and applications, non-canonical scalars, bad base64 and armor. The
 * armor, the wire helpers, fresh signatures and the ssh-keygen cross-checks are in
 * test_sshsk_openssh.c. */
#include "config.h"

#include <sys/wait.h>

#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include <openssl/ec.h>
#include <openssl/evp.h>

#include "nstest.h"
#include "sshsk.h"
#include "sshwire.h"
#include "sshsk_vectors.h"
#include "test_sshsk.h"

#define ED_TYPE "sk-ssh-ed25519@openssh.com"
#define EC_TYPE "sk-ecdsa-sha2-nistp256@openssh.com"

struct vec {
	enum ns_sshsk_type type;
	const unsigned char *blob, *sig;
	size_t blob_len, sig_len;
	const char *line, *app, *fp, *armor;
};

static const struct vec VECS[] = {
	{ NS_SSHSK_ED25519, VEC_ED_BLOB, VEC_ED_SIG, sizeof(VEC_ED_BLOB), sizeof(VEC_ED_SIG),
	  VEC_ED_LINE, VEC_ED_APP, VEC_ED_FP, VEC_ED_ARMOR },
	{ NS_SSHSK_ECDSA, VEC_EC_BLOB, VEC_EC_SIG, sizeof(VEC_EC_BLOB), sizeof(VEC_EC_SIG),
	  VEC_EC_LINE, VEC_EC_APP, VEC_EC_FP, VEC_EC_ARMOR },
};

static int
verify_msg(const struct ns_sshsk_key *k, const unsigned char *sig, size_t sig_len,
           const void *msg, size_t msg_len, struct ns_err *err)
{
	struct ns_sshsk_sig s;
	unsigned char *data;
	size_t data_len;
	int r;

	if (ns_sshsk_sig_parse(sig, sig_len, k->type, &s, err) < 0)
		return -1;
	if (ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, msg, msg_len, &data, &data_len, err) < 0)
		return -1;
	r = ns_sshsk_verify(k, &s, data, data_len, err);
	free(data);
	return r;
}

static void
test_vectors(void **state)
{
	struct ns_sshsk_key k, from_line;
	struct ns_sshsk_sig s;
	struct ns_err err;
	unsigned char *kb, *sb;
	size_t kl, sl;
	char text[NS_SSHSK_LINE_MAX], *armored;

	(void)state;
	for (size_t v = 0; v < sizeof(VECS) / sizeof(VECS[0]); v++) {
		const struct vec *t = &VECS[v];

		assert_int_equal(ns_sshsk_key_from_blob(t->blob, t->blob_len, &k, &err), 0);
		assert_int_equal(k.type, t->type);
		assert_string_equal(k.application, t->app);
		assert_int_equal(k.pk_len, t->type == NS_SSHSK_ED25519 ? 32 : 65);
		assert_int_equal(ns_sshsk_key_from_line(t->line, &from_line, &err), 0);
		assert_memory_equal(&k, &from_line, sizeof(k));
		/* the line without its comment, as written by ssh-keygen */
		assert_int_equal(ns_sshsk_key_to_line(&k, text, sizeof(text)), 0);
		assert_int_equal(strncmp(text, t->line, strlen(text)), 0);
		assert_string_equal(t->line + strlen(text), t->type == NS_SSHSK_ED25519 ?
		    " test@ed" : " test@ec");
		assert_int_equal(ns_sshsk_key_to_line(&k, text, strlen(t->line) - 8), -1);
		assert_int_equal(ns_sshsk_fingerprint(&k, text, sizeof(text)), 0);
		assert_string_equal(text, t->fp);
		assert_int_equal(ns_sshsk_fingerprint(&k, text, strlen(t->fp)), -1);

		assert_int_equal(ns_sshsk_sig_parse(t->sig, t->sig_len, t->type, &s, &err), 0);
		assert_int_equal(s.flags, NS_SSHSK_FLAG_UP);
		assert_int_equal(s.counter, 7);
		assert_int_equal(verify_msg(&k, t->sig, t->sig_len, VEC_MESSAGE,
		    strlen(VEC_MESSAGE), &err), 0);

		/* byte for byte what ssh-keygen -Y verify accepted at generation */
		assert_int_equal(ns_sshsk_sshsig_armor(&k, NS_SSHSK_NAMESPACE, t->sig, t->sig_len,
		    &armored, &err), 0);
		assert_string_equal(armored, t->armor);
		free(armored);
		assert_int_equal(ns_sshsk_sshsig_dearmor(t->armor, NS_SSHSK_NAMESPACE, &kb, &kl,
		    &sb, &sl, &err), 0);
		assert_int_equal(kl, t->blob_len);
		assert_memory_equal(kb, t->blob, kl);
		assert_int_equal(sl, t->sig_len);
		assert_memory_equal(sb, t->sig, sl);
		free(kb);
		free(sb);
	}
}

/* Every single-bit change to the signature, the message, the counter or the flags
 * makes verification fail (or parsing refuse). */
static void
test_flipped_bits(void **state)
{
	struct ns_sshsk_key k;
	struct ns_sshsk_sig s, bad;
	struct ns_err err;
	unsigned char sig[NS_SSHSK_SIG_MAX], msg[256], *data;
	size_t msg_len = strlen(VEC_MESSAGE), data_len;

	(void)state;
	memcpy(msg, VEC_MESSAGE, msg_len);
	for (size_t v = 0; v < sizeof(VECS) / sizeof(VECS[0]); v++) {
		const struct vec *t = &VECS[v];

		assert_int_equal(ns_sshsk_key_from_blob(t->blob, t->blob_len, &k, &err), 0);
		for (size_t i = 0; i < t->sig_len * 8; i++) {
			memcpy(sig, t->sig, t->sig_len);
			sig[i / 8] ^= (unsigned char)(1u << (i % 8));
			assert_int_equal(verify_msg(&k, sig, t->sig_len, msg, msg_len, &err), -1);
			assert_true(err.msg[0] != '\0');
		}
		for (size_t i = 0; i < msg_len * 8; i++) {
			msg[i / 8] ^= (unsigned char)(1u << (i % 8));
			assert_int_equal(verify_msg(&k, t->sig, t->sig_len, msg, msg_len, &err), -1);
			msg[i / 8] ^= (unsigned char)(1u << (i % 8));
		}
		assert_int_equal(verify_msg(&k, t->sig, t->sig_len, msg, msg_len, &err), 0);
		assert_int_equal(ns_sshsk_sig_parse(t->sig, t->sig_len, t->type, &s, &err), 0);
		assert_int_equal(ns_sshsk_sshsig_data(NS_SSHSK_NAMESPACE, msg, msg_len, &data,
		    &data_len, &err), 0);
		for (unsigned i = 0; i < 32; i++) {
			bad = s;
			bad.counter ^= 1u << i;
			assert_int_equal(ns_sshsk_verify(&k, &bad, data, data_len, &err), -1);
		}
		for (unsigned i = 0; i < 8; i++) {
			bad = s;
			bad.flags ^= 1u << i;
			assert_int_equal(ns_sshsk_verify(&k, &bad, data, data_len, &err), -1);
		}
		/* a signature of the other type, even if one got that far */
		bad = s;
		bad.type = t->type == NS_SSHSK_ED25519 ? NS_SSHSK_ECDSA : NS_SSHSK_ED25519;
		assert_int_equal(ns_sshsk_verify(&k, &bad, data, data_len, &err), -1);
		assert_non_null(strstr(err.msg, "does not match the key type"));
		/* another namespace is other signed data */
		free(data);
		assert_int_equal(ns_sshsk_sshsig_data("file", msg, msg_len, &data, &data_len,
		    &err), 0);
		assert_int_equal(ns_sshsk_verify(&k, &s, data, data_len, &err), -1);
		free(data);
	}
}

/* Builds a blob: type, then (for ECDSA) curve and point, then application. */
static size_t
make_key(unsigned char *out, const char *type, const char *curve, const unsigned char *pk,
         size_t pk_len, const char *app)
{
	struct ns_sshbuf b;
	unsigned char *p;
	size_t n;

	ns_sshbuf_writer(&b, NS_SSHSK_BLOB_MAX + 64);
	ns_sshbuf_put_cstring(&b, type);
	if (curve != NULL)
		ns_sshbuf_put_cstring(&b, curve);
	ns_sshbuf_put_string(&b, pk, pk_len);
	ns_sshbuf_put_cstring(&b, app);
	p = ns_sshbuf_steal(&b, &n);
	assert_non_null(p);
	memcpy(out, p, n);
	free(p);
	return n;
}

static void
expect_key_refused(const unsigned char *blob, size_t len, const char *why)
{
	struct ns_sshsk_key k;
	struct ns_err err;

	err.msg[0] = '\0';
	assert_int_equal(ns_sshsk_key_from_blob(blob, len, &k, &err), -1);
	if (strstr(err.msg, why) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", why, err.msg);
	assert_int_equal(k.blob_len, 0);
}

static void
test_key_refusals(void **state)
{
	struct ns_sshsk_key ed, ec;
	struct ns_err err;
	unsigned char blob[NS_SSHSK_BLOB_MAX + 128], pt[65];
	char app[NS_SSHSK_APP_MAX + 2];
	size_t n;

	(void)state;
	assert_int_equal(ns_sshsk_key_from_blob(VEC_ED_BLOB, sizeof(VEC_ED_BLOB), &ed, &err), 0);
	assert_int_equal(ns_sshsk_key_from_blob(VEC_EC_BLOB, sizeof(VEC_EC_BLOB), &ec, &err), 0);
	/* every truncation, and one trailing byte */
	for (size_t i = 0; i < sizeof(VEC_EC_BLOB); i++)
		expect_key_refused(VEC_EC_BLOB, i, i < sizeof(VEC_EC_BLOB) - 12 ? "" : "truncated");
	for (size_t i = 0; i < sizeof(VEC_ED_BLOB); i++)
		expect_key_refused(VEC_ED_BLOB, i, "");
	memcpy(blob, VEC_ED_BLOB, sizeof(VEC_ED_BLOB));
	blob[sizeof(VEC_ED_BLOB)] = 0;
	expect_key_refused(blob, sizeof(VEC_ED_BLOB) + 1, "trailing");
	/* huge lengths in each field */
	memcpy(blob, VEC_ED_BLOB, sizeof(VEC_ED_BLOB));
	memset(blob, 0xff, 4);
	expect_key_refused(blob, sizeof(VEC_ED_BLOB), "key type: length 4294967295 exceeds");
	memcpy(blob, VEC_ED_BLOB, sizeof(VEC_ED_BLOB));
	memset(blob + 30, 0xff, 4);
	expect_key_refused(blob, sizeof(VEC_ED_BLOB), "Ed25519 key: length");
	memcpy(blob, VEC_ED_BLOB, sizeof(VEC_ED_BLOB));
	memset(blob + 66, 0x7f, 4);
	expect_key_refused(blob, sizeof(VEC_ED_BLOB), "key application: length");
	expect_key_refused(blob, NS_SSHSK_BLOB_MAX + 1, "exceeds");
	/* other key types, by name */
	n = make_key(blob, "ssh-ed25519", NULL, ed.pk, 32, "ssh:");
	expect_key_refused(blob, n, "\"ssh-ed25519\" is not an OpenSSH security key");
	n = make_key(blob, "webauthn-sk-ecdsa-sha2-nistp256@openssh.com", "nistp256", ec.pk, 65,
	    "ssh:");
	expect_key_refused(blob, n, "is not an OpenSSH security key");
	n = make_key(blob, "sk-ecdsa-sha2-nistp256@openssh.com\n\x1b[2J", "nistp256", ec.pk, 65,
	    "ssh:");
	expect_key_refused(blob, n, "nistp256@openssh.com??[2J\" is not");
	n = make_key(blob, EC_TYPE, "nistp384", ec.pk, 65, "ssh:");
	expect_key_refused(blob, n, "not nistp256");
	n = make_key(blob, ED_TYPE, NULL, ed.pk, 31, "ssh:");
	expect_key_refused(blob, n, "31 bytes");
	/* bad points: off the curve, compressed, all zero, wrong length */
	memcpy(pt, ec.pk, 65);
	pt[64] ^= 1;
	n = make_key(blob, EC_TYPE, "nistp256", pt, 65, "ssh:");
	expect_key_refused(blob, n, "not a valid P-256 point");
	memset(pt + 1, 0, 64);
	n = make_key(blob, EC_TYPE, "nistp256", pt, 65, "ssh:");
	expect_key_refused(blob, n, "not a valid P-256 point");
	memcpy(pt, ec.pk, 65);
	memset(pt + 1, 0xff, 32); /* x >= p */
	n = make_key(blob, EC_TYPE, "nistp256", pt, 65, "ssh:");
	expect_key_refused(blob, n, "not a valid P-256 point");
	pt[0] = 0x02;
	n = make_key(blob, EC_TYPE, "nistp256", ec.pk, 33, "ssh:");
	expect_key_refused(blob, n, "not an uncompressed P-256 point");
	memcpy(pt, ec.pk, 65);
	pt[0] = 0x06; /* hybrid form */
	n = make_key(blob, EC_TYPE, "nistp256", pt, 65, "ssh:");
	expect_key_refused(blob, n, "not an uncompressed P-256 point");
	/* applications */
	n = make_key(blob, EC_TYPE, "nistp256", ec.pk, 65, "http://ssh:");
	expect_key_refused(blob, n, "does not begin with \"ssh:\"");
	n = make_key(blob, ED_TYPE, NULL, ed.pk, 32, "");
	expect_key_refused(blob, n, "does not begin with \"ssh:\"");
	n = make_key(blob, ED_TYPE, NULL, ed.pk, 32, "ssh:a\x1b[1m");
	expect_key_refused(blob, n, "outside printable ASCII");
	n = make_key(blob, ED_TYPE, NULL, ed.pk, 32, "ssh:\xc3\xa9");
	expect_key_refused(blob, n, "outside printable ASCII");
	memset(app, 'a', sizeof(app) - 1);
	memcpy(app, "ssh:", 4);
	app[NS_SSHSK_APP_MAX] = '\0';
	n = make_key(blob, ED_TYPE, NULL, ed.pk, 32, app);
	assert_int_equal(ns_sshsk_key_from_blob(blob, n, &ed, &err), 0);
	app[NS_SSHSK_APP_MAX] = 'a';
	app[NS_SSHSK_APP_MAX + 1] = '\0';
	n = make_key(blob, ED_TYPE, NULL, ed.pk, 32, app);
	expect_key_refused(blob, n, "key application: length 129 exceeds 128");
	/* a NUL inside the application */
	n = make_key(blob, ED_TYPE, NULL, ed.pk, 32, "ssh:ab");
	blob[n - 2] = '\0';
	expect_key_refused(blob, n, "NUL");
}

static void
expect_line_refused(const char *line, const char *why)
{
	struct ns_sshsk_key k;
	struct ns_err err;

	err.msg[0] = '\0';
	assert_int_equal(ns_sshsk_key_from_line(line, &k, &err), -1);
	if (strstr(err.msg, why) == NULL)
		fail_msg("line \"%.60s\": expected \"%s\" in \"%s\"", line, why, err.msg);
	assert_int_equal(k.blob_len, 0);
}

static void
test_lines(void **state)
{
	struct ns_sshsk_key k;
	struct ns_err err;
	char line[NS_SSHSK_LINE_MAX + 8], *b64;
	size_t n;

	(void)state;
	snprintf(line, sizeof(line), "%s\n", VEC_ED_LINE);
	assert_int_equal(ns_sshsk_key_from_line(line, &k, &err), 0);
	b64 = strchr(VEC_ED_LINE, ' ') + 1;
	n = strcspn(b64, " ");
	snprintf(line, sizeof(line), "%s %.*s", ED_TYPE, (int)n, b64);
	assert_int_equal(ns_sshsk_key_from_line(line, &k, &err), 0);
	/* the type word must be the blob's */
	snprintf(line, sizeof(line), "%s %.*s", EC_TYPE, (int)n, b64);
	expect_line_refused(line, "type word does not match the key (" ED_TYPE ")");
	snprintf(line, sizeof(line), "ssh-ed25519 %.*s", (int)n, b64);
	expect_line_refused(line, "type word does not match");
	/* base64: unused bits set, padding dropped, '=' inside, foreign characters */
	snprintf(line, sizeof(line), "%s %.*s", ED_TYPE, (int)n, b64);
	line[strlen(line) - 2] = 'p'; /* "Do=" -> "Dp=": a bit past the data is set */
	expect_line_refused(line, "not valid base64");
	snprintf(line, sizeof(line), "%s %.*s", ED_TYPE, (int)n - 1, b64);
	expect_line_refused(line, "not valid base64");
	snprintf(line, sizeof(line), "%s %.*s=AAAA", ED_TYPE, (int)n - 1, b64);
	expect_line_refused(line, "not valid base64");
	snprintf(line, sizeof(line), "%s %.*s", ED_TYPE, (int)n, b64);
	line[40] = '*';
	expect_line_refused(line, "not valid base64");
	line[40] = '\x01';
	expect_line_refused(line, "control character at byte 40");
	snprintf(line, sizeof(line), "%s %.*s comment\r", ED_TYPE, (int)n, b64);
	expect_line_refused(line, "control character");
	snprintf(line, sizeof(line), "%s\n%.*s", ED_TYPE, (int)n, b64);
	expect_line_refused(line, "control character");
	expect_line_refused(ED_TYPE, "expected \"TYPE BASE64");
	expect_line_refused(ED_TYPE " ", "no base64 key");
	expect_line_refused("", "expected");
	memset(line, 'A', sizeof(line) - 1);
	line[sizeof(line) - 1] = '\0';
	memcpy(line, ED_TYPE " ", strlen(ED_TYPE) + 1);
	expect_line_refused(line, "longer than");
}

/* Builds a signature blob: type || string(inner) || flags || counter || extra. */
static size_t
make_sig(unsigned char *out, const char *type, const unsigned char *inner, size_t inner_len,
         size_t extra)
{
	struct ns_sshbuf b;
	unsigned char *p;
	size_t n;

	ns_sshbuf_writer(&b, NS_SSHSK_SIG_MAX + 64);
	ns_sshbuf_put_cstring(&b, type);
	ns_sshbuf_put_string(&b, inner, inner_len);
	ns_sshbuf_put_u8(&b, NS_SSHSK_FLAG_UP);
	ns_sshbuf_put_u32(&b, 7);
	for (size_t i = 0; i < extra; i++)
		ns_sshbuf_put_u8(&b, 0);
	p = ns_sshbuf_steal(&b, &n);
	assert_non_null(p);
	memcpy(out, p, n);
	free(p);
	return n;
}

static void
expect_sig_refused(const unsigned char *blob, size_t len, enum ns_sshsk_type want,
                   const char *why)
{
	struct ns_sshsk_sig s;
	struct ns_err err;

	err.msg[0] = '\0';
	assert_int_equal(ns_sshsk_sig_parse(blob, len, want, &s, &err), -1);
	if (strstr(err.msg, why) == NULL)
		fail_msg("expected \"%s\" in \"%s\"", why, err.msg);
	assert_int_equal(s.sig_len, 0);
}

/* An ECDSA inner signature from the vector with r replaced by the mpint bytes given. */
static size_t
ecdsa_with_r(unsigned char *blob, const unsigned char *r, size_t rl)
{
	struct ns_sshbuf in, w;
	const unsigned char *type, *inner, *or, *os;
	size_t tl, il, orl, osl, n;
	unsigned char *p;

	ns_sshbuf_reader(&in, VEC_EC_SIG, sizeof(VEC_EC_SIG));
	assert_int_equal(ns_sshbuf_get_string(&in, 64, &type, &tl, "t", NULL), 0);
	assert_int_equal(ns_sshbuf_get_string(&in, 128, &inner, &il, "i", NULL), 0);
	ns_sshbuf_reader(&in, inner, il);
	assert_int_equal(ns_sshbuf_get_string(&in, 64, &or, &orl, "r", NULL), 0);
	assert_int_equal(ns_sshbuf_get_string(&in, 64, &os, &osl, "s", NULL), 0);
	assert_int_equal(orl, 33); /* the generator picked r, s with the top bit set */
	ns_sshbuf_writer(&w, 256);
	ns_sshbuf_put_string(&w, r != NULL ? r : or, r != NULL ? rl : orl);
	ns_sshbuf_put_string(&w, os, osl);
	p = ns_sshbuf_steal(&w, &n);
	assert_non_null(p);
	n = make_sig(blob, EC_TYPE, p, n, 0);
	free(p);
	return n;
}

static void
test_sig_refusals(void **state)
{
	unsigned char blob[NS_SSHSK_SIG_MAX + 128], inner[80], r[40];
	struct ns_sshsk_sig s;
	struct ns_err err;
	size_t n;

	(void)state;
	for (size_t i = 0; i < sizeof(VEC_EC_SIG); i++)
		expect_sig_refused(VEC_EC_SIG, i, NS_SSHSK_ECDSA, "");
	for (size_t i = 0; i < sizeof(VEC_ED_SIG); i++)
		expect_sig_refused(VEC_ED_SIG, i, NS_SSHSK_ED25519, "truncated");
	memcpy(blob, VEC_ED_SIG, sizeof(VEC_ED_SIG));
	blob[sizeof(VEC_ED_SIG)] = 0;
	expect_sig_refused(blob, sizeof(VEC_ED_SIG) + 1, NS_SSHSK_ED25519, "trailing");
	expect_sig_refused(blob, NS_SSHSK_SIG_MAX + 1, NS_SSHSK_ED25519, "exceeds");
	/* the type must be the key's; WebAuthn is refused by name */
	expect_sig_refused(VEC_ED_SIG, sizeof(VEC_ED_SIG), NS_SSHSK_ECDSA, "does not match");
	expect_sig_refused(VEC_EC_SIG, sizeof(VEC_EC_SIG), NS_SSHSK_ED25519, "does not match");
	memset(inner, 1, sizeof(inner));
	n = make_sig(blob, "webauthn-sk-ecdsa-sha2-nistp256@openssh.com", inner, 70, 0);
	expect_sig_refused(blob, n, NS_SSHSK_ECDSA, "WebAuthn");
	n = make_sig(blob, "ssh-ed25519", inner, 64, 0);
	expect_sig_refused(blob, n, NS_SSHSK_ED25519, "\"ssh-ed25519\" does not match");
	n = make_sig(blob, ED_TYPE, inner, 63, 0);
	expect_sig_refused(blob, n, NS_SSHSK_ED25519, "63 bytes");
	n = make_sig(blob, ED_TYPE, inner, 65, 0);
	expect_sig_refused(blob, n, NS_SSHSK_ED25519, "65 bytes");
	n = make_sig(blob, ED_TYPE, inner, 64, 1);
	expect_sig_refused(blob, n, NS_SSHSK_ED25519, "trailing");
	/* huge inner length */
	n = make_sig(blob, ED_TYPE, inner, 64, 0);
	memset(blob + 30, 0xff, 4);
	expect_sig_refused(blob, n, NS_SSHSK_ED25519, "length 4294967295 exceeds");
	/* ECDSA scalars: canonical, positive, non-zero, at most 256 bits */
	n = ecdsa_with_r(blob, NULL, 0);
	assert_int_equal(ns_sshsk_sig_parse(blob, n, NS_SSHSK_ECDSA, &s, &err), 0);
	memset(r, 0x11, sizeof(r));
	r[0] = 0;
	n = ecdsa_with_r(blob, r, 33); /* leading zero before a byte without the top bit */
	expect_sig_refused(blob, n, NS_SSHSK_ECDSA, "ECDSA signature r: not in canonical form");
	r[1] = 0;
	r[2] = 0x80;
	n = ecdsa_with_r(blob, r, 34);
	expect_sig_refused(blob, n, NS_SSHSK_ECDSA, "signature: length 75 exceeds 74");
	n = ecdsa_with_r(blob, r, 1);
	expect_sig_refused(blob, n, NS_SSHSK_ECDSA, "canonical");
	n = ecdsa_with_r(blob, r, 0);
	expect_sig_refused(blob, n, NS_SSHSK_ECDSA, "ECDSA signature r: zero");
	r[0] = 0x80;
	n = ecdsa_with_r(blob, r, 32);
	expect_sig_refused(blob, n, NS_SSHSK_ECDSA, "ECDSA signature r: negative");
	r[0] = 0x01;
	n = ecdsa_with_r(blob, r, 33); /* 257 bits */
	expect_sig_refused(blob, n, NS_SSHSK_ECDSA, "ECDSA signature r: longer than 256 bits");
	/* a short canonical r parses (and does not verify) */
	r[0] = 0x7f;
	n = ecdsa_with_r(blob, r, 31);
	assert_int_equal(ns_sshsk_sig_parse(blob, n, NS_SSHSK_ECDSA, &s, &err), 0);
	assert_int_equal(s.sig_len, 2 + 2 + 31 + 2 + 33);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_vectors),
		cmocka_unit_test(test_flipped_bits),
		cmocka_unit_test(test_key_refusals),
		cmocka_unit_test(test_lines),
		cmocka_unit_test(test_sig_refusals),
		cmocka_unit_test(test_armor),
		cmocka_unit_test(test_wire),
		cmocka_unit_test(test_fresh_signatures),
		cmocka_unit_test(test_openssh_accepts),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
