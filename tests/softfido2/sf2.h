/* softfido2 internals: configuration, key derivation, CTAP2 command handling. */
#ifndef SF2_H
#define SF2_H

#include <stddef.h>
#include <stdint.h>
#include <limits.h>
#include <cbor.h>
#include <openssl/evp.h>

#define SF2_NONCE_LEN	16
#define SF2_MAC_LEN	32
#define SF2_ID_LEN	(1 + SF2_NONCE_LEN + SF2_MAC_LEN)
#define SF2_REPLY_MAX	4096

/* credential algorithm tags stored in the id's first byte */
enum sf2_alg { SF2_ES256 = 1, SF2_EDDSA = 2 };

enum sf2_up { SF2_UP_NO = 0, SF2_UP_YES = 1, SF2_UP_TIMEOUT = 2 };
enum sf2_uv { SF2_UV_NONE = 0, SF2_UV_YES = 1, SF2_UV_LIE = 2 };

struct sf2_config {
	unsigned char seed[64];
	size_t seed_len;
	enum sf2_up up;
	enum sf2_uv uv;
	int counter_fixed;
	uint32_t counter;
	char counter_file[PATH_MAX];
	enum sf2_attest { SF2_ATT_SELF, SF2_ATT_NONE, SF2_ATT_X5C } attest;
	int tamper_cdh;
};

struct sf2_dev {
	struct sf2_config cfg;
	int have_reply;
	uint8_t reply_cmd;
	size_t reply_len;
	unsigned char reply[SF2_REPLY_MAX];
};

/* sf2_config.c: reads the SOFTFIDO2_* environment; -1 (message on stderr) if invalid. */
int sf2_config_load(struct sf2_config *cfg);
/* Next signature counter (fixed, or file + 1); -1 on error. */
int sf2_counter_next(const struct sf2_config *cfg, uint32_t *out);

/* sf2_crypto.c */
void sf2_mac(const struct sf2_config *cfg, const char *label, uint8_t tag,
    const unsigned char rp_hash[32], const unsigned char nonce[SF2_NONCE_LEN],
    unsigned char out[SF2_MAC_LEN]);
void sf2_make_id(const struct sf2_config *cfg, uint8_t tag,
    const unsigned char rp_hash[32], unsigned char id[SF2_ID_LEN]);
/* Returns the tag of a valid id for (seed, rp_hash), or 0. */
uint8_t sf2_check_id(const struct sf2_config *cfg, const unsigned char rp_hash[32],
    const unsigned char *id, size_t id_len);
EVP_PKEY *sf2_key(const struct sf2_config *cfg, const unsigned char rp_hash[32],
    const unsigned char id[SF2_ID_LEN]);
/* COSE_Key encoding of the public key, malloc'd into *out. */
int sf2_cose_key(EVP_PKEY *pkey, uint8_t tag, unsigned char **out, size_t *out_len);
int sf2_sign(EVP_PKEY *pkey, uint8_t tag, const unsigned char *msg, size_t len,
    unsigned char *sig, size_t *sig_len);
int sf2_cose_alg(uint8_t tag);
/* Attestation key (ES256, from the seed) and its self-signed certificate (DER). */
int sf2_attest_x5c(const struct sf2_config *cfg, EVP_PKEY **key, unsigned char **der,
    size_t *der_len);

/* sf2_ctap.c: adds k: v to map, consuming both references (NULL-safe); 0 or -1. */
int sf2_put(cbor_item_t *map, cbor_item_t *k, cbor_item_t *v);
/* sf2_ctap.c: handles one CTAP2 CBOR request (command byte first); writes the
 * reply (status byte, then CBOR) into dev->reply. */
void sf2_ctap(struct sf2_dev *dev, const unsigned char *req, size_t len);

#endif
