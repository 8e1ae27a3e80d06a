/* softfido2 CTAP2 commands: getInfo, makeCredential, getAssertion. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cbor.h>
#include <openssl/crypto.h>
#include <openssl/sha.h>

#include "sf2.h"

/* CTAP2 command bytes and status codes used here */
#define CMD_MAKE_CRED	0x01
#define CMD_GET_ASSERT	0x02
#define CMD_GET_INFO	0x04
#define ST_OK			0x00
#define ST_INVALID_COMMAND	0x01
#define ST_CBOR_UNEXPECTED	0x11
#define ST_INVALID_CBOR		0x12
#define ST_MISSING_PARAM	0x14
#define ST_CRED_EXCLUDED	0x19
#define ST_UNSUPPORTED_ALG	0x26
#define ST_UNSUPPORTED_OPTION	0x2b
#define ST_INVALID_OPTION	0x2c
#define ST_NO_CREDENTIALS	0x2e
#define ST_ACTION_TIMEOUT	0x2f
#define ST_PIN_AUTH_INVALID	0x33
#define ST_OTHER		0x7f

#define FL_UP	0x01
#define FL_UV	0x04
#define FL_AT	0x40

static const unsigned char aaguid[16] = "softfido2 aaguid";

static const cbor_item_t *
get_uint(const cbor_item_t *map, uint64_t key)
{
	struct cbor_pair *p = cbor_map_handle(map);

	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_uint(p[i].key) && cbor_get_int(p[i].key) == key)
			return p[i].value;
	return NULL;
}

static const cbor_item_t *
get_str(const cbor_item_t *map, const char *key)
{
	struct cbor_pair *p;
	size_t klen = strlen(key);

	if (map == NULL || !cbor_isa_map(map))
		return NULL;
	p = cbor_map_handle(map);
	for (size_t i = 0; i < cbor_map_size(map); i++)
		if (cbor_isa_string(p[i].key) && cbor_string_is_definite(p[i].key) &&
		    cbor_string_length(p[i].key) == klen &&
		    memcmp(cbor_string_handle(p[i].key), key, klen) == 0)
			return p[i].value;
	return NULL;
}

static int
is_bytes(const cbor_item_t *v)
{
	return v != NULL && cbor_isa_bytestring(v) && cbor_bytestring_is_definite(v);
}

static int
is_text(const cbor_item_t *v)
{
	return v != NULL && cbor_isa_string(v) && cbor_string_is_definite(v);
}

/* A boolean option: -1 absent, 0/1 value, -2 malformed. */
static int
opt(const cbor_item_t *opts, const char *name)
{
	const cbor_item_t *v = get_str(opts, name);

	if (v == NULL)
		return -1;
	return cbor_is_bool(v) ? cbor_get_bool(v) : -2;
}

int
sf2_put(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v)
{
	int ok = k != NULL && v != NULL &&
	    cbor_map_add(map, (struct cbor_pair){ .key = k, .value = v });

	if (k != NULL)
		cbor_decref(&k);
	if (v != NULL)
		cbor_decref(&v);
	return ok ? 0 : -1;
}

static int
push(cbor_item_t *array, cbor_item_t *v)
{
	int ok = v != NULL && cbor_array_push(array, v);

	if (v != NULL)
		cbor_decref(&v);
	return ok ? 0 : -1;
}

static cbor_item_t *
alg_entry(uint8_t negalg)
{
	cbor_item_t *m = cbor_new_definite_map(2);

	if (m != NULL && (sf2_put(m, cbor_build_string("alg"), cbor_build_negint8(negalg)) < 0 ||
	    sf2_put(m, cbor_build_string("type"), cbor_build_string("public-key")) < 0))
		cbor_decref(&m);
	return m;
}

static uint8_t
get_info(struct sf2_dev *d, cbor_item_t **out)
{
	cbor_item_t *m = cbor_new_definite_map(5), *versions = cbor_new_definite_array(1),
	    *opts = cbor_new_definite_map(d->cfg.uv != SF2_UV_NONE ? 3 : 2),
	    *algs = cbor_new_definite_array(2);

	if (m == NULL || versions == NULL || opts == NULL || algs == NULL ||
	    push(versions, cbor_build_string("FIDO_2_0")) < 0 ||
	    sf2_put(opts, cbor_build_string("rk"), cbor_build_bool(false)) < 0 ||
	    sf2_put(opts, cbor_build_string("up"), cbor_build_bool(true)) < 0 ||
	    (d->cfg.uv != SF2_UV_NONE &&
	    sf2_put(opts, cbor_build_string("uv"), cbor_build_bool(true)) < 0) ||
	    push(algs, alg_entry(6)) < 0 || push(algs, alg_entry(7)) < 0 ||
	    sf2_put(m, cbor_build_uint8(1), versions) < 0 ||
	    sf2_put(m, cbor_build_uint8(3), cbor_build_bytestring(aaguid, sizeof(aaguid))) < 0 ||
	    sf2_put(m, cbor_build_uint8(4), opts) < 0 ||
	    sf2_put(m, cbor_build_uint8(5), cbor_build_uint16(SF2_REPLY_MAX)) < 0 ||
	    sf2_put(m, cbor_build_uint8(10), algs) < 0) {
		if (m != NULL)
			cbor_decref(&m);
		return ST_OTHER;
	}
	/* sf2_put() took its own references; opts, versions and algs were consumed */
	*out = m;
	return ST_OK;
}

/* Chooses the first supported algorithm of pubKeyCredParams. */
static uint8_t
choose_alg(const cbor_item_t *params, uint8_t *tag)
{
	if (params == NULL)
		return ST_MISSING_PARAM;
	if (!cbor_isa_array(params))
		return ST_CBOR_UNEXPECTED;
	for (size_t i = 0; i < cbor_array_size(params); i++) {
		const cbor_item_t *p = cbor_array_handle(params)[i];
		const cbor_item_t *alg = get_str(p, "alg");

		if (alg == NULL || !cbor_isa_negint(alg))
			continue;
		if (cbor_get_int(alg) == 6) {
			*tag = SF2_ES256;
			return ST_OK;
		}
		if (cbor_get_int(alg) == 7) {
			*tag = SF2_EDDSA;
			return ST_OK;
		}
	}
	return ST_UNSUPPORTED_ALG;
}

/* The first descriptor of list that is one of our credentials for rp_hash. */
static const cbor_item_t *
find_cred(const struct sf2_dev *d, const cbor_item_t *list,
    const unsigned char rp_hash[32])
{
	for (size_t i = 0; i < cbor_array_size(list); i++) {
		const cbor_item_t *id = get_str(cbor_array_handle(list)[i], "id");

		if (is_bytes(id) && sf2_check_id(&d->cfg, rp_hash,
		    cbor_bytestring_handle(id), cbor_bytestring_length(id)) != 0)
			return id;
	}
	return NULL;
}

static size_t
auth_header(unsigned char *ad, const unsigned char rp_hash[32], uint8_t flags,
    uint32_t counter)
{
	memcpy(ad, rp_hash, 32);
	ad[32] = flags;
	ad[33] = (unsigned char)(counter >> 24);
	ad[34] = (unsigned char)(counter >> 16);
	ad[35] = (unsigned char)(counter >> 8);
	ad[36] = (unsigned char)counter;
	return 37;
}

/* Signs authData || clientDataHash (or a tampered hash, when asked to). */
static int
sign_ad(const struct sf2_dev *d, EVP_PKEY *key, uint8_t tag, const unsigned char *ad,
    size_t adlen, const unsigned char *cdh, unsigned char *sig, size_t *siglen)
{
	unsigned char msg[512 + 32];

	if (adlen > 512)
		return -1;
	memcpy(msg, ad, adlen);
	memcpy(msg + adlen, cdh, 32);
	if (d->cfg.tamper_cdh)
		msg[adlen] ^= 0x01;
	return sf2_sign(key, tag, msg, adlen + 32, sig, siglen);
}

static uint8_t
presence(const struct sf2_dev *d, uint8_t *flags)
{
	if (d->cfg.up == SF2_UP_TIMEOUT)
		return ST_ACTION_TIMEOUT;
	if (d->cfg.up == SF2_UP_YES)
		*flags |= FL_UP;
	return ST_OK;
}

/* packed attestation {alg: ES256, sig, x5c: [cert]} by the attestation key */
static cbor_item_t *
attest_x5c(const struct sf2_dev *d, const unsigned char *ad, size_t adlen,
    const unsigned char *cdh)
{
	unsigned char *der = NULL, sig[128];
	size_t der_len = 0, siglen = sizeof(sig);
	EVP_PKEY *akey = NULL;
	cbor_item_t *att = NULL, *x5c = NULL;

	if (sf2_attest_x5c(&d->cfg, &akey, &der, &der_len) < 0 ||
	    sign_ad(d, akey, SF2_ES256, ad, adlen, cdh, sig, &siglen) < 0 ||
	    (x5c = cbor_new_definite_array(1)) == NULL ||
	    push(x5c, cbor_build_bytestring(der, der_len)) < 0 ||
	    (att = cbor_new_definite_map(3)) == NULL ||
	    sf2_put(att, cbor_build_string("alg"), cbor_build_negint8(6)) < 0 ||
	    sf2_put(att, cbor_build_string("sig"), cbor_build_bytestring(sig, siglen)) < 0) {
		if (att != NULL)
			cbor_decref(&att);
	} else {
		int bad = sf2_put(att, cbor_build_string("x5c"), x5c) < 0;

		x5c = NULL; /* sf2_put() consumed it */
		if (bad)
			cbor_decref(&att);
	}
	if (x5c != NULL)
		cbor_decref(&x5c);
	OPENSSL_free(der);
	EVP_PKEY_free(akey);
	return att;
}

static uint8_t
make_credential(struct sf2_dev *d, const cbor_item_t *req, cbor_item_t **out)
{
	const cbor_item_t *cdh = get_uint(req, 1), *rp = get_uint(req, 2),
	    *user = get_uint(req, 3), *excl = get_uint(req, 5), *opts = get_uint(req, 7);
	const cbor_item_t *rpid = get_str(rp, "id");
	unsigned char rp_hash[32], id[SF2_ID_LEN], ad[512], sig[128];
	unsigned char *cose = NULL;
	size_t adlen, coselen = 0, siglen = sizeof(sig);
	uint8_t tag = 0, flags = FL_AT, st;
	uint32_t counter;
	EVP_PKEY *key = NULL;
	cbor_item_t *m = NULL, *att = NULL;
	int rk = opt(opts, "rk"), uv = opt(opts, "uv");

	if (cdh == NULL || rpid == NULL || user == NULL)
		return ST_MISSING_PARAM;
	if (!is_bytes(cdh) || cbor_bytestring_length(cdh) != 32 || !is_text(rpid) ||
	    !cbor_isa_map(user) || (excl != NULL && !cbor_isa_array(excl)) ||
	    (opts != NULL && !cbor_isa_map(opts)))
		return ST_CBOR_UNEXPECTED;
	if ((st = choose_alg(get_uint(req, 4), &tag)) != ST_OK)
		return st;
	if (get_uint(req, 8) != NULL)
		return ST_PIN_AUTH_INVALID; /* no clientPIN here */
	if (rk == -2 || uv == -2)
		return ST_CBOR_UNEXPECTED;
	if (rk == 1)
		return ST_UNSUPPORTED_OPTION;
	if (uv == 1 && d->cfg.uv == SF2_UV_NONE)
		return ST_INVALID_OPTION;
	SHA256(cbor_string_handle(rpid), cbor_string_length(rpid), rp_hash);
	if (excl != NULL && find_cred(d, excl, rp_hash) != NULL)
		return ST_CRED_EXCLUDED;
	if ((st = presence(d, &flags)) != ST_OK)
		return st;
	if (uv == 1 && d->cfg.uv == SF2_UV_YES)
		flags |= FL_UV;
	if (sf2_counter_next(&d->cfg, &counter) < 0)
		return ST_OTHER;

	sf2_make_id(&d->cfg, tag, rp_hash, id);
	st = ST_OTHER;
	if ((key = sf2_key(&d->cfg, rp_hash, id)) == NULL ||
	    sf2_cose_key(key, tag, &cose, &coselen) < 0 || coselen > 256)
		goto out;
	adlen = auth_header(ad, rp_hash, flags, counter);
	memcpy(ad + adlen, aaguid, 16);
	ad[adlen + 16] = 0;
	ad[adlen + 17] = SF2_ID_LEN;
	memcpy(ad + adlen + 18, id, SF2_ID_LEN);
	adlen += 18 + SF2_ID_LEN;
	memcpy(ad + adlen, cose, coselen);
	adlen += coselen;

	if ((m = cbor_new_definite_map(3)) == NULL)
		goto out;
	if (d->cfg.attest == SF2_ATT_NONE) {
		if ((att = cbor_new_definite_map(0)) == NULL ||
		    sf2_put(m, cbor_build_uint8(1), cbor_build_string("none")) < 0)
			goto out;
	} else if (d->cfg.attest == SF2_ATT_X5C) {
		if ((att = attest_x5c(d, ad, adlen, cbor_bytestring_handle(cdh))) == NULL ||
		    sf2_put(m, cbor_build_uint8(1), cbor_build_string("packed")) < 0)
			goto out;
	} else {
		/* packed self attestation: the credential key signs */
		if (sign_ad(d, key, tag, ad, adlen, cbor_bytestring_handle(cdh), sig,
		    &siglen) < 0 || (att = cbor_new_definite_map(2)) == NULL ||
		    sf2_put(att, cbor_build_string("alg"),
		    cbor_build_negint8((uint8_t)(-1 - sf2_cose_alg(tag)))) < 0 ||
		    sf2_put(att, cbor_build_string("sig"), cbor_build_bytestring(sig, siglen)) < 0 ||
		    sf2_put(m, cbor_build_uint8(1), cbor_build_string("packed")) < 0)
			goto out;
	}
	if (sf2_put(m, cbor_build_uint8(2), cbor_build_bytestring(ad, adlen)) < 0 ||
	    sf2_put(m, cbor_build_uint8(3), att) < 0) {
		att = NULL;
		goto out;
	}
	att = NULL;
	*out = m;
	m = NULL;
	st = ST_OK;
out:
	if (att != NULL)
		cbor_decref(&att);
	if (m != NULL)
		cbor_decref(&m);
	free(cose);
	EVP_PKEY_free(key);
	return st;
}

static uint8_t
get_assertion(struct sf2_dev *d, const cbor_item_t *req, cbor_item_t **out)
{
	const cbor_item_t *rpid = get_uint(req, 1), *cdh = get_uint(req, 2),
	    *allow = get_uint(req, 3), *opts = get_uint(req, 5), *id;
	unsigned char rp_hash[32], ad[64], sig[128];
	size_t adlen, siglen = sizeof(sig);
	uint8_t flags = 0, st;
	uint32_t counter;
	EVP_PKEY *key = NULL;
	cbor_item_t *m = NULL, *desc = NULL;
	int up = opt(opts, "up"), uv = opt(opts, "uv");

	if (rpid == NULL || cdh == NULL)
		return ST_MISSING_PARAM;
	if (!is_text(rpid) || !is_bytes(cdh) || cbor_bytestring_length(cdh) != 32 ||
	    (allow != NULL && !cbor_isa_array(allow)) ||
	    (opts != NULL && !cbor_isa_map(opts)) || up == -2 || uv == -2)
		return ST_CBOR_UNEXPECTED;
	if (get_uint(req, 6) != NULL)
		return ST_PIN_AUTH_INVALID;
	if (opt(opts, "rk") != -1)
		return ST_INVALID_OPTION;
	if (uv == 1 && d->cfg.uv == SF2_UV_NONE)
		return ST_UNSUPPORTED_OPTION;
	SHA256(cbor_string_handle(rpid), cbor_string_length(rpid), rp_hash);
	/* no resident credentials: without an allowList there is nothing to use */
	if (allow == NULL || (id = find_cred(d, allow, rp_hash)) == NULL)
		return ST_NO_CREDENTIALS;
	if (up != 0 && (st = presence(d, &flags)) != ST_OK)
		return st;
	if (uv == 1 && d->cfg.uv == SF2_UV_YES)
		flags |= FL_UV;
	if (sf2_counter_next(&d->cfg, &counter) < 0)
		return ST_OTHER;

	st = ST_OTHER;
	adlen = auth_header(ad, rp_hash, flags, counter);
	if ((key = sf2_key(&d->cfg, rp_hash, cbor_bytestring_handle(id))) == NULL ||
	    sign_ad(d, key, cbor_bytestring_handle(id)[0], ad, adlen,
	    cbor_bytestring_handle(cdh), sig, &siglen) < 0 ||
	    (m = cbor_new_definite_map(3)) == NULL ||
	    (desc = cbor_new_definite_map(2)) == NULL ||
	    sf2_put(desc, cbor_build_string("id"), cbor_build_bytestring(
	    cbor_bytestring_handle(id), cbor_bytestring_length(id))) < 0 ||
	    sf2_put(desc, cbor_build_string("type"), cbor_build_string("public-key")) < 0)
		goto out;
	if (sf2_put(m, cbor_build_uint8(1), desc) < 0) {
		desc = NULL;
		goto out;
	}
	desc = NULL;
	if (sf2_put(m, cbor_build_uint8(2), cbor_build_bytestring(ad, adlen)) < 0 ||
	    sf2_put(m, cbor_build_uint8(3), cbor_build_bytestring(sig, siglen)) < 0)
		goto out;
	*out = m;
	m = NULL;
	st = ST_OK;
out:
	if (desc != NULL)
		cbor_decref(&desc);
	if (m != NULL)
		cbor_decref(&m);
	EVP_PKEY_free(key);
	return st;
}

static void
reply_status(struct sf2_dev *d, uint8_t st)
{
	d->reply[0] = st;
	d->reply_len = 1;
}

void
sf2_ctap(struct sf2_dev *d, const unsigned char *req, size_t len)
{
	struct cbor_load_result res;
	cbor_item_t *in = NULL, *out = NULL;
	unsigned char *buf = NULL;
	size_t n, bufsz = 0;
	uint8_t st;

	if (len == 0) {
		reply_status(d, ST_INVALID_COMMAND);
		return;
	}
	if (req[0] == CMD_GET_INFO)
		st = get_info(d, &out);
	else if (req[0] != CMD_MAKE_CRED && req[0] != CMD_GET_ASSERT)
		st = ST_INVALID_COMMAND;
	else if (len < 2 || (in = cbor_load(req + 1, len - 1, &res)) == NULL ||
	    res.read != len - 1)
		st = ST_INVALID_CBOR;
	else if (!cbor_isa_map(in) || !cbor_map_is_definite(in))
		st = ST_CBOR_UNEXPECTED;
	else if (req[0] == CMD_MAKE_CRED)
		st = make_credential(d, in, &out);
	else
		st = get_assertion(d, in, &out);
	if (in != NULL)
		cbor_decref(&in);
	if (st != ST_OK) {
		reply_status(d, st);
		return;
	}
	if ((n = cbor_serialize_alloc(out, &buf, &bufsz)) == 0 || n + 1 > sizeof(d->reply))
		reply_status(d, ST_OTHER);
	else {
		d->reply[0] = ST_OK;
		memcpy(d->reply + 1, buf, n);
		d->reply_len = n + 1;
	}
	free(buf);
	cbor_decref(&out);
}
