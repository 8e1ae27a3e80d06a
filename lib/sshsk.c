/* OpenSSH security-key public keys, their text lines and fingerprints, sk signature
 * blobs and their verification (see sshsk.h; the SSHSIG envelope is in sshsig.c).
 * Layouts: OpenSSH PROTOCOL.u2f and sshkey.c; PROTOCOLS.md §11. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/core_names.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/params.h>

#include "sshsk.h"
#include "sshwire.h"

#define TYPE_NAME_MAX	64	/* longer than any key or signature type name we know */
#define ED25519_PK_LEN	32
#define ED25519_SIG_LEN	64
#define P256_POINT_LEN	65	/* 0x04 || X || Y */
#define P256_SCALAR_MAX	33	/* an mpint of a 256-bit value: 32 bytes + a leading 0 */
#define SIGNED_LEN	69	/* SHA256(app) || flags || counter || SHA256(data) */

static const char ED25519_NAME[] = "sk-ssh-ed25519@openssh.com";
static const char ECDSA_NAME[] = "sk-ecdsa-sha2-nistp256@openssh.com";
static const char WEBAUTHN_PREFIX[] = "webauthn-sk-";

const char *
ns_sshsk_type_name(enum ns_sshsk_type t)
{
	switch (t) {
	case NS_SSHSK_ED25519:
		return ED25519_NAME;
	case NS_SSHSK_ECDSA:
		return ECDSA_NAME;
	}
	return "unknown";
}

static int
name_is(const unsigned char *p, size_t n, const char *name)
{
	return n == strlen(name) && memcmp(p, name, n) == 0;
}

/* An untrusted name for an error message: at most 64 bytes, anything outside
 * printable ASCII shown as '?', so a refusal is one bounded printable line. */
static const char *
shown(const unsigned char *p, size_t n, char out[TYPE_NAME_MAX + 4])
{
	size_t i;

	for (i = 0; i < n && i < TYPE_NAME_MAX; i++)
		out[i] = p[i] >= 0x20 && p[i] < 0x7f ? (char)p[i] : '?';
	out[i] = '\0';
	if (n > TYPE_NAME_MAX)
		strcat(out, "...");
	return out;
}

/* The libcrypto key of k. For P-256 the point is checked here: EVP_PKEY_fromdata
 * (EC_POINT_oct2point) refuses coordinates outside the field and points off the
 * curve; EVP_PKEY_public_check repeats that and adds the order check (vacuous for
 * P-256, cofactor 1), as OpenSSH's sshkey_ec_validate_public does. */
static EVP_PKEY *
sshsk_pkey(const struct ns_sshsk_key *k, struct ns_err *err)
{
	char group[] = "prime256v1";
	unsigned char point[P256_POINT_LEN];
	OSSL_PARAM params[3];
	EVP_PKEY_CTX *ctx = NULL, *check = NULL;
	EVP_PKEY *pkey = NULL;

	if (k->type == NS_SSHSK_ED25519) {
		if (k->pk_len != ED25519_PK_LEN ||
		    (pkey = EVP_PKEY_new_raw_public_key(EVP_PKEY_ED25519, NULL, k->pk,
		    ED25519_PK_LEN)) == NULL) {
			ERR_clear_error();
			ns_fail(err, "invalid Ed25519 public key");
		}
		return pkey;
	}
	if (k->type != NS_SSHSK_ECDSA || k->pk_len != P256_POINT_LEN || k->pk[0] != 0x04) {
		ns_fail(err, "invalid security key type or public key length");
		return NULL;
	}
	memcpy(point, k->pk, sizeof(point));
	params[0] = OSSL_PARAM_construct_utf8_string(OSSL_PKEY_PARAM_GROUP_NAME, group, 0);
	params[1] = OSSL_PARAM_construct_octet_string(OSSL_PKEY_PARAM_PUB_KEY, point,
	    sizeof(point));
	params[2] = OSSL_PARAM_construct_end();
	if ((ctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(ctx) != 1 ||
	    EVP_PKEY_fromdata(ctx, &pkey, EVP_PKEY_PUBLIC_KEY, params) != 1 ||
	    (check = EVP_PKEY_CTX_new_from_pkey(NULL, pkey, NULL)) == NULL ||
	    EVP_PKEY_public_check(check) != 1) {
		ns_fail(err, "the ECDSA public key is not a valid P-256 point");
		EVP_PKEY_free(pkey);
		pkey = NULL;
	}
	ERR_clear_error();
	EVP_PKEY_CTX_free(check);
	EVP_PKEY_CTX_free(ctx);
	return pkey;
}

static int
app_valid(const char *app, struct ns_err *err)
{
	if (strncmp(app, "ssh:", 4) != 0)
		return ns_fail(err, "key application does not begin with \"ssh:\"");
	for (const char *c = app; *c != '\0'; c++)
		if ((unsigned char)*c < 0x20 || (unsigned char)*c > 0x7e)
			return ns_fail(err, "key application holds a byte outside printable ASCII");
	return 0;
}

static int
parse_key(const unsigned char *blob, size_t len, struct ns_sshsk_key *k, struct ns_err *err)
{
	struct ns_sshbuf b;
	const unsigned char *type, *curve, *pk;
	size_t type_len, curve_len, pk_len;
	char name[TYPE_NAME_MAX + 4];
	EVP_PKEY *pkey;

	if (len > NS_SSHSK_BLOB_MAX)
		return ns_fail(err, "key blob: %zu bytes exceeds %d", len, NS_SSHSK_BLOB_MAX);
	ns_sshbuf_reader(&b, blob, len);
	if (ns_sshbuf_get_string(&b, TYPE_NAME_MAX, &type, &type_len, "key type", err) < 0)
		return -1;
	if (name_is(type, type_len, ED25519_NAME)) {
		k->type = NS_SSHSK_ED25519;
		if (ns_sshbuf_get_string(&b, ED25519_PK_LEN, &pk, &pk_len, "Ed25519 key", err) < 0)
			return -1;
		if (pk_len != ED25519_PK_LEN)
			return ns_fail(err, "Ed25519 key: %zu bytes, not %d", pk_len, ED25519_PK_LEN);
	} else if (name_is(type, type_len, ECDSA_NAME)) {
		k->type = NS_SSHSK_ECDSA;
		if (ns_sshbuf_get_string(&b, 16, &curve, &curve_len, "ECDSA curve", err) < 0)
			return -1;
		if (!name_is(curve, curve_len, "nistp256"))
			return ns_fail(err, "ECDSA curve \"%s\" is not nistp256",
			    shown(curve, curve_len, name));
		if (ns_sshbuf_get_string(&b, P256_POINT_LEN, &pk, &pk_len, "ECDSA point", err) < 0)
			return -1;
		if (pk_len != P256_POINT_LEN || pk[0] != 0x04)
			return ns_fail(err, "ECDSA point: not an uncompressed P-256 point");
	} else
		return ns_fail(err, "key type \"%s\" is not an OpenSSH security key (%s or %s)",
		    shown(type, type_len, name), ED25519_NAME, ECDSA_NAME);
	memcpy(k->pk, pk, pk_len);
	k->pk_len = pk_len;
	if (ns_sshbuf_get_cstring(&b, k->application, sizeof(k->application),
	    "key application", err) < 0 || app_valid(k->application, err) < 0 ||
	    ns_sshbuf_get_end(&b, "key blob", err) < 0)
		return -1;
	if ((pkey = sshsk_pkey(k, err)) == NULL)
		return -1;
	EVP_PKEY_free(pkey);
	memcpy(k->blob, blob, len);
	k->blob_len = len;
	return 0;
}

int
ns_sshsk_key_from_blob(const unsigned char *blob, size_t len, struct ns_sshsk_key *k,
                       struct ns_err *err)
{
	memset(k, 0, sizeof(*k));
	if (parse_key(blob, len, k, err) < 0) {
		memset(k, 0, sizeof(*k));
		return -1;
	}
	return 0;
}

int
ns_sshsk_key_from_line(const char *line, struct ns_sshsk_key *k, struct ns_err *err)
{
	const char *b64, *end;
	size_t n, type_len;
	unsigned char *blob;
	size_t blob_len;
	int r;

	memset(k, 0, sizeof(*k));
	n = strnlen(line, NS_SSHSK_LINE_MAX + 2);
	if (n > 0 && line[n - 1] == '\n') /* one final newline, as read from a file */
		n--;
	if (n > NS_SSHSK_LINE_MAX)
		return ns_fail(err, "key line: longer than %d bytes", NS_SSHSK_LINE_MAX);
	for (size_t i = 0; i < n; i++)
		if (((unsigned char)line[i] < 0x20 && line[i] != '\t') || line[i] == 0x7f)
			return ns_fail(err, "key line: control character at byte %zu", i);
	type_len = strcspn(line, " \t");
	if (type_len >= n)
		return ns_fail(err, "key line: expected \"TYPE BASE64 [COMMENT]\"");
	b64 = line + type_len;
	b64 += strspn(b64, " \t");
	end = b64 + strcspn(b64, " \t\n");
	if (end == b64)
		return ns_fail(err, "key line: no base64 key after the type");
	if (ns_ssh_b64_decode(b64, (size_t)(end - b64), NS_SSHSK_BLOB_MAX, &blob, &blob_len) < 0)
		return ns_fail(err, "key line: the key is not valid base64 (or over %d bytes)",
		    NS_SSHSK_BLOB_MAX);
	r = ns_sshsk_key_from_blob(blob, blob_len, k, err);
	free(blob);
	if (r < 0)
		return -1;
	if (strlen(ns_sshsk_type_name(k->type)) != type_len ||
	    memcmp(line, ns_sshsk_type_name(k->type), type_len) != 0) {
		ns_fail(err, "key line: the type word does not match the key (%s)",
		    ns_sshsk_type_name(k->type));
		memset(k, 0, sizeof(*k));
		return -1;
	}
	return 0;
}

int
ns_sshsk_key_to_line(const struct ns_sshsk_key *k, char *out, size_t cap)
{
	const char *name = ns_sshsk_type_name(k->type);
	size_t n = strlen(name);

	if (k->blob_len == 0 || k->blob_len > NS_SSHSK_BLOB_MAX || cap < n + 2)
		return -1;
	memcpy(out, name, n);
	out[n] = ' ';
	return ns_ssh_b64_encode(k->blob, k->blob_len, out + n + 1, cap - n - 1);
}

int
ns_sshsk_fingerprint(const struct ns_sshsk_key *k, char *out, size_t cap)
{
	unsigned char h[32];
	char b64[48];
	unsigned int hl = 0;
	size_t n;

	if (k->blob_len == 0 || k->blob_len > NS_SSHSK_BLOB_MAX ||
	    EVP_Digest(k->blob, k->blob_len, h, &hl, EVP_sha256(), NULL) != 1 || hl != 32 ||
	    ns_ssh_b64_encode(h, sizeof(h), b64, sizeof(b64)) < 0)
		return -1;
	n = strcspn(b64, "="); /* ssh-keygen prints it without padding */
	if (cap < 7 + n + 1)
		return -1;
	memcpy(out, "SHA256:", 7);
	memcpy(out + 7, b64, n);
	out[7 + n] = '\0';
	return 0;
}

/* An mpint holding an ECDSA scalar in canonical form (RFC 4251 §5: no superfluous
 * leading zero, not negative), non-zero and at most 256 bits. Its bytes are then
 * exactly the content of the DER INTEGER. */
static int
get_scalar(struct ns_sshbuf *b, const unsigned char **p, size_t *n, const char *what,
           struct ns_err *err)
{
	if (ns_sshbuf_get_string(b, P256_SCALAR_MAX, p, n, what, err) < 0)
		return -1;
	if (*n == 0)
		return ns_fail(err, "%s: zero", what);
	if ((*p)[0] & 0x80)
		return ns_fail(err, "%s: negative", what);
	if ((*p)[0] == 0 && (*n == 1 || ((*p)[1] & 0x80) == 0))
		return ns_fail(err, "%s: not in canonical form (superfluous leading zero)", what);
	if (*n == P256_SCALAR_MAX && (*p)[0] != 0)
		return ns_fail(err, "%s: longer than 256 bits", what);
	return 0;
}

static int
parse_ecdsa_inner(const unsigned char *inner, size_t len, struct ns_sshsk_sig *s,
                  struct ns_err *err)
{
	struct ns_sshbuf b;
	const unsigned char *r, *sv;
	size_t rl, sl, o = 0;

	ns_sshbuf_reader(&b, inner, len);
	if (get_scalar(&b, &r, &rl, "ECDSA signature r", err) < 0 ||
	    get_scalar(&b, &sv, &sl, "ECDSA signature s", err) < 0 ||
	    ns_sshbuf_get_end(&b, "ECDSA signature", err) < 0)
		return -1;
	/* DER: SEQUENCE { INTEGER r, INTEGER s }; every length < 128 (short form) */
	s->sig[o++] = 0x30;
	s->sig[o++] = (unsigned char)(2 + rl + 2 + sl);
	s->sig[o++] = 0x02;
	s->sig[o++] = (unsigned char)rl;
	memcpy(s->sig + o, r, rl);
	o += rl;
	s->sig[o++] = 0x02;
	s->sig[o++] = (unsigned char)sl;
	memcpy(s->sig + o, sv, sl);
	s->sig_len = o + sl;
	return 0;
}

static int
parse_sig(const unsigned char *blob, size_t len, enum ns_sshsk_type want,
          struct ns_sshsk_sig *s, struct ns_err *err)
{
	struct ns_sshbuf b;
	const unsigned char *type, *inner;
	size_t type_len, inner_len;
	char name[TYPE_NAME_MAX + 4];
	uint8_t flags;

	if (want != NS_SSHSK_ED25519 && want != NS_SSHSK_ECDSA)
		return ns_fail(err, "signature: unknown key type");
	if (len > NS_SSHSK_SIG_MAX)
		return ns_fail(err, "signature blob: %zu bytes exceeds %d", len, NS_SSHSK_SIG_MAX);
	ns_sshbuf_reader(&b, blob, len);
	if (ns_sshbuf_get_string(&b, TYPE_NAME_MAX, &type, &type_len, "signature type",
	    err) < 0)
		return -1;
	if (!name_is(type, type_len, ns_sshsk_type_name(want))) {
		if (type_len >= strlen(WEBAUTHN_PREFIX) &&
		    memcmp(type, WEBAUTHN_PREFIX, strlen(WEBAUTHN_PREFIX)) == 0)
			return ns_fail(err, "signature type \"%s\" is a WebAuthn signature, "
			    "which is not accepted", shown(type, type_len, name));
		return ns_fail(err, "signature type \"%s\" does not match the key type %s",
		    shown(type, type_len, name), ns_sshsk_type_name(want));
	}
	s->type = want;
	if (ns_sshbuf_get_string(&b, 2 * (4 + P256_SCALAR_MAX), &inner, &inner_len,
	    "signature", err) < 0 ||
	    ns_sshbuf_get_u8(&b, &flags, "signature flags", err) < 0 ||
	    ns_sshbuf_get_u32(&b, &s->counter, "signature counter", err) < 0 ||
	    ns_sshbuf_get_end(&b, "signature blob", err) < 0)
		return -1;
	s->flags = flags;
	if (want == NS_SSHSK_ECDSA)
		return parse_ecdsa_inner(inner, inner_len, s, err);
	if (inner_len != ED25519_SIG_LEN)
		return ns_fail(err, "Ed25519 signature: %zu bytes, not %d", inner_len,
		    ED25519_SIG_LEN);
	memcpy(s->sig, inner, inner_len);
	s->sig_len = inner_len;
	return 0;
}

int
ns_sshsk_sig_parse(const unsigned char *blob, size_t len, enum ns_sshsk_type want,
                   struct ns_sshsk_sig *s, struct ns_err *err)
{
	memset(s, 0, sizeof(*s));
	if (parse_sig(blob, len, want, s, err) < 0) {
		memset(s, 0, sizeof(*s));
		return -1;
	}
	return 0;
}

int
ns_sshsk_verify(const struct ns_sshsk_key *k, const struct ns_sshsk_sig *s,
                const unsigned char *data, size_t data_len, struct ns_err *err)
{
	unsigned char msg[SIGNED_LEN];
	unsigned int hl = 0;
	EVP_MD_CTX *ctx = NULL;
	EVP_PKEY *pkey = NULL;
	int r = -1, v;

	if (s->type != k->type)
		return ns_fail(err, "signature type %s does not match the key type %s",
		    ns_sshsk_type_name(s->type), ns_sshsk_type_name(k->type));
	if (s->sig_len == 0 || s->sig_len > sizeof(s->sig) || s->flags > 0xff)
		return ns_fail(err, "signature: malformed");
	/* what the authenticator signed (PROTOCOL.u2f): no extensions in SSH use */
	if (EVP_Digest(k->application, strlen(k->application), msg, &hl, EVP_sha256(),
	    NULL) != 1 || hl != 32)
		goto crypto_error;
	msg[32] = (unsigned char)s->flags;
	msg[33] = (unsigned char)(s->counter >> 24);
	msg[34] = (unsigned char)(s->counter >> 16);
	msg[35] = (unsigned char)(s->counter >> 8);
	msg[36] = (unsigned char)s->counter;
	if (EVP_Digest(data, data_len, msg + 37, &hl, EVP_sha256(), NULL) != 1 || hl != 32)
		goto crypto_error;
	if ((pkey = sshsk_pkey(k, err)) == NULL)
		goto out;
	/* ECDSA signs SHA-256 of the 69 bytes; Ed25519 signs them as they are */
	if ((ctx = EVP_MD_CTX_new()) == NULL ||
	    EVP_DigestVerifyInit(ctx, NULL, k->type == NS_SSHSK_ECDSA ? EVP_sha256() : NULL,
	    NULL, pkey) != 1)
		goto crypto_error;
	v = EVP_DigestVerify(ctx, s->sig, s->sig_len, msg, sizeof(msg));
	if (v == 1)
		r = 0;
	else if (v == 0)
		ns_fail(err, "the %s signature does not verify", ns_sshsk_type_name(k->type));
	else
		ns_fail(err, "the %s signature does not verify (malformed)",
		    ns_sshsk_type_name(k->type));
	goto out;
crypto_error:
	ns_fail(err, "libcrypto failed while verifying the signature");
out:
	ERR_clear_error();
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pkey);
	return r;
}
