/* softfido2 keys: derived from the seed, so no credential state is kept. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/bn.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/ec.h>
#include <openssl/hmac.h>
#include <openssl/obj_mac.h>
#include <openssl/param_build.h>
#include <openssl/rand.h>
#include <openssl/x509.h>

#include "sf2.h"

int
sf2_cose_alg(uint8_t tag)
{
	return tag == SF2_ES256 ? -7 : tag == SF2_EDDSA ? -8 : 0;
}

void
sf2_mac(const struct sf2_config *cfg, const char *label, uint8_t tag,
    const unsigned char rp_hash[32], const unsigned char nonce[SF2_NONCE_LEN],
    unsigned char out[SF2_MAC_LEN])
{
	unsigned char msg[16 + 1 + 32 + SF2_NONCE_LEN];
	size_t llen = strlen(label);
	unsigned int olen = SF2_MAC_LEN;

	/* labels are short constants; the length byte keeps fields apart */
	msg[0] = (unsigned char)llen;
	memcpy(msg + 1, label, llen);
	msg[1 + llen] = tag;
	memcpy(msg + 2 + llen, rp_hash, 32);
	memcpy(msg + 34 + llen, nonce, SF2_NONCE_LEN);
	if (HMAC(EVP_sha256(), cfg->seed, (int)cfg->seed_len, msg,
	    34 + llen + SF2_NONCE_LEN, out, &olen) == NULL)
		abort(); /* test code: an OpenSSL failure here is a broken harness */
}

void
sf2_make_id(const struct sf2_config *cfg, uint8_t tag, const unsigned char rp_hash[32],
    unsigned char id[SF2_ID_LEN])
{
	id[0] = tag;
	if (RAND_bytes(id + 1, SF2_NONCE_LEN) != 1)
		abort();
	sf2_mac(cfg, "id", tag, rp_hash, id + 1, id + 1 + SF2_NONCE_LEN);
}

uint8_t
sf2_check_id(const struct sf2_config *cfg, const unsigned char rp_hash[32],
    const unsigned char *id, size_t id_len)
{
	unsigned char mac[SF2_MAC_LEN];

	if (id_len != SF2_ID_LEN || (id[0] != SF2_ES256 && id[0] != SF2_EDDSA))
		return 0;
	sf2_mac(cfg, "id", id[0], rp_hash, id + 1, mac);
	if (CRYPTO_memcmp(mac, id + 1 + SF2_NONCE_LEN, SF2_MAC_LEN) != 0)
		return 0;
	return id[0];
}

static EVP_PKEY *
p256_from_secret(const unsigned char k[32])
{
	EC_GROUP *g = EC_GROUP_new_by_curve_name(NID_X9_62_prime256v1);
	BIGNUM *d = BN_bin2bn(k, 32, NULL), *nm1 = BN_new();
	BN_CTX *bctx = BN_CTX_new();
	EC_POINT *p = NULL;
	OSSL_PARAM_BLD *bld = NULL;
	OSSL_PARAM *params = NULL;
	EVP_PKEY_CTX *pctx = NULL;
	EVP_PKEY *pkey = NULL;
	unsigned char pub[65];

	if (g == NULL || d == NULL || nm1 == NULL || bctx == NULL ||
	    BN_copy(nm1, EC_GROUP_get0_order(g)) == NULL || !BN_sub_word(nm1, 1) ||
	    !BN_nnmod(d, d, nm1, bctx) || !BN_add_word(d, 1) ||
	    (p = EC_POINT_new(g)) == NULL ||
	    !EC_POINT_mul(g, p, d, NULL, NULL, bctx) ||
	    EC_POINT_point2oct(g, p, POINT_CONVERSION_UNCOMPRESSED, pub, sizeof(pub),
	    bctx) != sizeof(pub) ||
	    (bld = OSSL_PARAM_BLD_new()) == NULL ||
	    !OSSL_PARAM_BLD_push_utf8_string(bld, OSSL_PKEY_PARAM_GROUP_NAME,
	    "prime256v1", 0) ||
	    !OSSL_PARAM_BLD_push_BN(bld, OSSL_PKEY_PARAM_PRIV_KEY, d) ||
	    !OSSL_PARAM_BLD_push_octet_string(bld, OSSL_PKEY_PARAM_PUB_KEY, pub,
	    sizeof(pub)) ||
	    (params = OSSL_PARAM_BLD_to_param(bld)) == NULL ||
	    (pctx = EVP_PKEY_CTX_new_from_name(NULL, "EC", NULL)) == NULL ||
	    EVP_PKEY_fromdata_init(pctx) <= 0 ||
	    EVP_PKEY_fromdata(pctx, &pkey, EVP_PKEY_KEYPAIR, params) <= 0)
		pkey = NULL;
	EVP_PKEY_CTX_free(pctx);
	OSSL_PARAM_free(params);
	OSSL_PARAM_BLD_free(bld);
	EC_POINT_free(p);
	BN_CTX_free(bctx);
	BN_clear_free(d);
	BN_free(nm1);
	EC_GROUP_free(g);
	return pkey;
}

EVP_PKEY *
sf2_key(const struct sf2_config *cfg, const unsigned char rp_hash[32],
    const unsigned char id[SF2_ID_LEN])
{
	unsigned char k[SF2_MAC_LEN];
	EVP_PKEY *pkey = NULL;

	sf2_mac(cfg, "key", id[0], rp_hash, id + 1, k);
	if (id[0] == SF2_ES256)
		pkey = p256_from_secret(k);
	else if (id[0] == SF2_EDDSA)
		pkey = EVP_PKEY_new_raw_private_key(EVP_PKEY_ED25519, NULL, k, sizeof(k));
	OPENSSL_cleanse(k, sizeof(k));
	return pkey;
}


int
sf2_cose_key(EVP_PKEY *pkey, uint8_t tag, unsigned char **out, size_t *out_len)
{
	unsigned char pub[65];
	size_t len = sizeof(pub), bufsz = 0;
	cbor_item_t *m;
	int r = -1;

	*out = NULL;
	if ((m = cbor_new_definite_map(tag == SF2_ES256 ? 5 : 4)) == NULL)
		return -1;
	if (tag == SF2_ES256) {
		/* kty EC2, alg ES256, crv P-256, x, y */
		if (EVP_PKEY_get_octet_string_param(pkey, OSSL_PKEY_PARAM_PUB_KEY, pub,
		    sizeof(pub), &len) != 1 || len != 65 || pub[0] != 0x04 ||
		    sf2_put(m, cbor_build_uint8(1), cbor_build_uint8(2)) < 0 ||
		    sf2_put(m, cbor_build_uint8(3), cbor_build_negint8(6)) < 0 ||
		    sf2_put(m, cbor_build_negint8(0), cbor_build_uint8(1)) < 0 ||
		    sf2_put(m, cbor_build_negint8(1), cbor_build_bytestring(pub + 1, 32)) < 0 ||
		    sf2_put(m, cbor_build_negint8(2), cbor_build_bytestring(pub + 33, 32)) < 0)
			goto out;
	} else {
		/* kty OKP, alg EdDSA, crv Ed25519, x */
		len = 32;
		if (EVP_PKEY_get_raw_public_key(pkey, pub, &len) != 1 || len != 32 ||
		    sf2_put(m, cbor_build_uint8(1), cbor_build_uint8(1)) < 0 ||
		    sf2_put(m, cbor_build_uint8(3), cbor_build_negint8(7)) < 0 ||
		    sf2_put(m, cbor_build_negint8(0), cbor_build_uint8(6)) < 0 ||
		    sf2_put(m, cbor_build_negint8(1), cbor_build_bytestring(pub, 32)) < 0)
			goto out;
	}
	if ((*out_len = cbor_serialize_alloc(m, out, &bufsz)) == 0)
		goto out;
	r = 0;
out:
	cbor_decref(&m);
	return r;
}

int
sf2_sign(EVP_PKEY *pkey, uint8_t tag, const unsigned char *msg, size_t len,
    unsigned char *sig, size_t *sig_len)
{
	EVP_MD_CTX *mctx = EVP_MD_CTX_new();
	int r = -1;

	/* ES256: ECDSA-SHA256, DER; EdDSA: pure Ed25519 over the message */
	if (mctx != NULL && EVP_DigestSignInit(mctx, NULL,
	    tag == SF2_ES256 ? EVP_sha256() : NULL, NULL, pkey) == 1 &&
	    EVP_DigestSign(mctx, sig, sig_len, msg, len) == 1)
		r = 0;
	EVP_MD_CTX_free(mctx);
	return r;
}

/* A batch attestation key (from the seed) and its self-signed certificate, for
 * packed attestation with x5c as programs like pamu2fcfg expect. */
int
sf2_attest_x5c(const struct sf2_config *cfg, EVP_PKEY **key, unsigned char **der,
    size_t *der_len)
{
	static const unsigned char zero[32];
	unsigned char k[SF2_MAC_LEN];
	X509 *x = NULL;
	X509_NAME *name;
	int n = -1;

	*der = NULL;
	sf2_mac(cfg, "attest", 0, zero, zero, k);
	*key = p256_from_secret(k);
	OPENSSL_cleanse(k, sizeof(k));
	if (*key == NULL || (x = X509_new()) == NULL || !X509_set_version(x, 2) ||
	    !ASN1_INTEGER_set(X509_get_serialNumber(x), 1) ||
	    X509_gmtime_adj(X509_getm_notBefore(x), -86400) == NULL ||
	    X509_gmtime_adj(X509_getm_notAfter(x), 86400L * 3650) == NULL ||
	    (name = X509_get_subject_name(x)) == NULL ||
	    !X509_NAME_add_entry_by_txt(name, "C", MBSTRING_ASC,
	    (const unsigned char *)"US", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "O", MBSTRING_ASC,
	    (const unsigned char *)"softfido2", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "OU", MBSTRING_ASC,
	    (const unsigned char *)"Authenticator Attestation", -1, -1, 0) ||
	    !X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_ASC,
	    (const unsigned char *)"softfido2 attestation", -1, -1, 0) ||
	    !X509_set_issuer_name(x, name) || !X509_set_pubkey(x, *key) ||
	    X509_sign(x, *key, EVP_sha256()) == 0 || (n = i2d_X509(x, der)) <= 0) {
		X509_free(x);
		EVP_PKEY_free(*key);
		*key = NULL;
		return -1;
	}
	X509_free(x);
	*der_len = (size_t)n;
	return 0;
}
