/* sk-soft: a security key in software for OpenSSH's middleware API (sk-api.h of
 * OpenSSH 9.2, API version 0x000a0000), so that tests drive the real ssh-keygen -w,
 * ssh-agent -P and ssh-add -S without hardware. Test-only: the "authenticator"
 * keeps its private keys in a plain file.
 *
 * NPMSTAGE_SK_FILE names the key store: one fixed-size record per enrolled key
 * (magic, algorithm, the 32-byte key handle that OpenSSH keeps in its private key
 * file, the last signature counter, the DER private key). Enrolment appends a record
 * (the file is created 0600); signing finds the handle and updates the counter, both
 * under flock(LOCK_EX). NPMSTAGE_SK_MODE, or the first line of the file named by
 * NPMSTAGE_SK_MODE_FILE (it wins when it exists, so a test can change the mode of a
 * running agent), is read at each signature:
 *   normal        flags UP, counter last+1        no-up   flags 0, counter last+1
 *   uv            flags UP|UV, counter last+1     deny    the signature fails
 *   zero-counter  flags UP, counter 0 (stored counter unchanged)
 *   lower-counter flags UP, counter last-1 (stored; fails when last is 0)
 *   hang          sleeps 60 s, then signs as "normal"
 * Nothing is written to stdout: ssh-sk-helper speaks its protocol there. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <openssl/core_names.h>
#include <openssl/ec.h>
#include <openssl/evp.h>
#include <openssl/rand.h>
#include <openssl/sha.h>

/* The sk-api.h 0x000a0000 interface, as OpenSSH 9.2 dlopen()s it. */
#define SK_API_VERSION		0x000a0000u
#define SK_ALG_ECDSA		0x00
#define SK_ALG_ED25519		0x01
#define SK_FLAG_UP		0x01
#define SK_FLAG_UV		0x04
#define SK_FLAG_RESIDENT	0x20
#define SK_ERR_GENERAL		(-1)
#define SK_ERR_UNSUPPORTED	(-2)

struct sk_enroll_response {
	uint8_t flags;
	uint8_t *public_key;
	size_t public_key_len;
	uint8_t *key_handle;
	size_t key_handle_len;
	uint8_t *signature;
	size_t signature_len;
	uint8_t *attestation_cert;
	size_t attestation_cert_len;
	uint8_t *authdata;
	size_t authdata_len;
};
struct sk_sign_response {
	uint8_t flags;
	uint32_t counter;
	uint8_t *sig_r;
	size_t sig_r_len;
	uint8_t *sig_s;
	size_t sig_s_len;
};
struct sk_resident_key;
struct sk_option {
	char *name;
	char *value;
	uint8_t required;
};

uint32_t sk_api_version(void);
int sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
              const char *application, uint8_t flags, const char *pin,
              struct sk_option **options, struct sk_enroll_response **enroll_response);
int sk_sign(uint32_t alg, const uint8_t *data, size_t data_len, const char *application,
            const uint8_t *key_handle, size_t key_handle_len, uint8_t flags, const char *pin,
            struct sk_option **options, struct sk_sign_response **sign_response);
int sk_load_resident_keys(const char *pin, struct sk_option **options,
                          struct sk_resident_key ***rks, size_t *nrks);

/* The key store: records of REC_LEN bytes; integers big-endian. */
#define HANDLE_LEN	32
#define DER_MAX		512
#define RECORDS_MAX	64
#define REC_MAGIC	"sk-soft1"
#define OFF_ALG		8
#define OFF_HANDLE	(OFF_ALG + 1)
#define OFF_COUNTER	(OFF_HANDLE + HANDLE_LEN)
#define OFF_DER_LEN	(OFF_COUNTER + 4)
#define OFF_DER		(OFF_DER_LEN + 2)
#define REC_LEN		(OFF_DER + DER_MAX)

enum mode { M_NORMAL, M_NO_UP, M_UV, M_DENY, M_ZERO, M_LOWER, M_HANG };

static void say(const char *what, const char *detail)
{
	fprintf(stderr, "sk-soft: %s%s%s\n", what, detail ? ": " : "", detail ? detail : "");
}

static const char *store_path(void)
{
	const char *p = getenv("NPMSTAGE_SK_FILE");

	if (p == NULL || p[0] != '/') {
		say("NPMSTAGE_SK_FILE must name the key store by an absolute path", p);
		return NULL;
	}
	return p;
}

static int parse_mode(const char *s, enum mode *m)
{
	static const struct { const char *name; enum mode m; } names[] = {
		{"normal", M_NORMAL}, {"no-up", M_NO_UP}, {"uv", M_UV}, {"deny", M_DENY},
		{"zero-counter", M_ZERO}, {"lower-counter", M_LOWER}, {"hang", M_HANG},
	};

	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (strcmp(s, names[i].name) == 0) {
			*m = names[i].m;
			return 0;
		}
	say("unknown mode (normal, no-up, uv, deny, zero-counter, lower-counter, hang)", s);
	return -1;
}

/* The mode file, when named and present, wins over NPMSTAGE_SK_MODE. */
static int read_mode(enum mode *m)
{
	const char *path = getenv("NPMSTAGE_SK_MODE_FILE");
	const char *env = getenv("NPMSTAGE_SK_MODE");
	char buf[64];

	if (path != NULL && path[0] != '\0') {
		int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);

		if (fd >= 0) {
			ssize_t n = read(fd, buf, sizeof(buf) - 1);

			close(fd);
			if (n < 0) {
				say("cannot read NPMSTAGE_SK_MODE_FILE", strerror(errno));
				return -1;
			}
			buf[n] = '\0';
			buf[strcspn(buf, "\r\n \t")] = '\0';
			return parse_mode(buf, m);
		}
		if (errno != ENOENT) {
			say("cannot open NPMSTAGE_SK_MODE_FILE", strerror(errno));
			return -1;
		}
	}
	return parse_mode(env != NULL && env[0] != '\0' ? env : "normal", m);
}

/* Opens the store and takes its lock: a regular file, not writable by others, of
 * whole records (*nrec of them). */
static int store_open(const char *path, int flags, long *nrec)
{
	struct stat st;
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		say("cannot open the key store", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 022) != 0 || st.st_size % REC_LEN != 0 ||
	    st.st_size / REC_LEN > RECORDS_MAX) {
		say("the key store is not a private regular file of whole records", path);
		close(fd);
		return -1;
	}
	*nrec = (long)(st.st_size / REC_LEN);
	return fd;
}

static uint32_t get_be32(const uint8_t *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

static void put_be32(uint8_t *p, uint32_t v)
{
	p[0] = (uint8_t)(v >> 24);
	p[1] = (uint8_t)(v >> 16);
	p[2] = (uint8_t)(v >> 8);
	p[3] = (uint8_t)v;
}

/* The record of handle among the nrec of the locked store into rec; its index, or -1. */
static long find_record(int fd, long nrec, const uint8_t *handle, uint8_t *rec)
{
	for (long i = 0; i < nrec; i++) {
		if (pread(fd, rec, REC_LEN, (off_t)i * REC_LEN) != REC_LEN ||
		    memcmp(rec, REC_MAGIC, OFF_ALG) != 0 ||
		    (rec[OFF_DER_LEN] << 8 | rec[OFF_DER_LEN + 1]) > DER_MAX) {
			say("the key store has a malformed record", NULL);
			return -1;
		}
		if (memcmp(rec + OFF_HANDLE, handle, HANDLE_LEN) == 0)
			return i;
	}
	say("no key with this handle in the key store", NULL);
	return -1;
}

/* The public key as OpenSSH wants it: 65-byte uncompressed point or 32 bytes. */
static int public_key(EVP_PKEY *pk, unsigned alg, uint8_t *out, size_t *len)
{
	size_t cap = *len;

	if (alg == SK_ALG_ECDSA)
		return EVP_PKEY_get_octet_string_param(pk, OSSL_PKEY_PARAM_ENCODED_PUBLIC_KEY,
		                                       out, cap, len) == 1 &&
		       *len == 65 && out[0] == 0x04 ? 0 : -1;
	return EVP_PKEY_get_raw_public_key(pk, out, len) == 1 && *len == 32 ? 0 : -1;
}

static int options_ok(struct sk_option **options)
{
	for (size_t i = 0; options != NULL && options[i] != NULL; i++)
		if (options[i]->required) {
			say("unsupported required option", options[i]->name);
			return -1;
		}
	return 0;
}

uint32_t sk_api_version(void)
{
	return SK_API_VERSION;
}

int sk_enroll(uint32_t alg, const uint8_t *challenge, size_t challenge_len,
              const char *application, uint8_t flags, const char *pin,
              struct sk_option **options, struct sk_enroll_response **enroll_response)
{
	struct sk_enroll_response *r = NULL;
	EVP_PKEY *pk = NULL;
	uint8_t rec[REC_LEN], *der = NULL, pub[65];
	size_t pub_len = sizeof(pub);
	const char *path = store_path();
	long nrec;
	int fd = -1, der_len = 0, rc = SK_ERR_GENERAL;

	(void)challenge;	/* no attestation is made, so nothing signs the challenge */
	(void)challenge_len;
	(void)pin;
	if (enroll_response == NULL || path == NULL || application == NULL)
		return SK_ERR_GENERAL;
	*enroll_response = NULL;
	if (alg != SK_ALG_ECDSA && alg != SK_ALG_ED25519)
		return SK_ERR_UNSUPPORTED;
	if ((flags & SK_FLAG_RESIDENT) != 0 || options_ok(options) != 0) {
		say("resident keys and device options are not supported", NULL);
		return SK_ERR_UNSUPPORTED;
	}
	memset(rec, 0, sizeof(rec));
	pk = alg == SK_ALG_ECDSA ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
	                         : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (pk == NULL || public_key(pk, alg, pub, &pub_len) != 0 ||
	    (der_len = i2d_PrivateKey(pk, &der)) <= 0 || der_len > DER_MAX ||
	    RAND_bytes(rec + OFF_HANDLE, HANDLE_LEN) != 1) {
		say("key generation failed", NULL);
		goto out;
	}
	memcpy(rec, REC_MAGIC, OFF_ALG);
	rec[OFF_ALG] = (uint8_t)alg;
	rec[OFF_DER_LEN] = (uint8_t)(der_len >> 8);
	rec[OFF_DER_LEN + 1] = (uint8_t)der_len;
	memcpy(rec + OFF_DER, der, (size_t)der_len);
	if ((fd = store_open(path, O_WRONLY | O_CREAT | O_APPEND, &nrec)) < 0)
		goto out;
	if (nrec == RECORDS_MAX) {
		say("the key store is full", path);
		goto out;
	}
	if (write(fd, rec, REC_LEN) != REC_LEN || fsync(fd) != 0) {
		say("cannot append to the key store", strerror(errno));
		goto out;
	}
	if ((r = calloc(1, sizeof(*r))) == NULL || (r->public_key = malloc(pub_len)) == NULL ||
	    (r->key_handle = malloc(HANDLE_LEN)) == NULL ||
	    (r->signature = calloc(1, 1)) == NULL)	/* no attestation: empty, not NULL */
		goto out;
	r->flags = flags;	/* OpenSSH expects the flags it asked for back */
	memcpy(r->public_key, pub, pub_len);
	r->public_key_len = pub_len;
	memcpy(r->key_handle, rec + OFF_HANDLE, HANDLE_LEN);
	r->key_handle_len = HANDLE_LEN;
	*enroll_response = r;
	r = NULL;
	rc = 0;
out:
	if (r != NULL) {
		free(r->public_key);
		free(r->key_handle);
		free(r->signature);
		free(r);
	}
	if (fd >= 0)
		close(fd);
	OPENSSL_cleanse(rec, sizeof(rec));
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)der_len);
	EVP_PKEY_free(pk);
	return rc;
}

/* Signs the 69 bytes SHA256(application) || flags || be32(counter) || SHA256(data):
 * ECDSA-SHA256 (r and s big-endian) or Ed25519 over them raw (64 bytes in sig_r). */
static int sign_record(const uint8_t *rec, const uint8_t *data, size_t data_len,
                       const char *application, struct sk_sign_response *r)
{
	uint8_t msg[69], sig[80];	/* an ECDSA DER signature is at most 72 bytes */
	const uint8_t *p = rec + OFF_DER, *q = sig;
	size_t sig_len = sizeof(sig);
	EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, rec[OFF_DER_LEN] << 8 | rec[OFF_DER_LEN + 1]);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *es = NULL;
	const BIGNUM *br, *bs;
	int ecdsa = rec[OFF_ALG] == SK_ALG_ECDSA, rc = -1;

	SHA256((const unsigned char *)application, strlen(application), msg);
	msg[32] = r->flags;
	put_be32(msg + 33, r->counter);
	SHA256(data, data_len, msg + 37);
	if (pk == NULL || ctx == NULL ||
	    EVP_DigestSignInit(ctx, NULL, ecdsa ? EVP_sha256() : NULL, NULL, pk) != 1 ||
	    EVP_DigestSign(ctx, sig, &sig_len, msg, sizeof(msg)) != 1)
		goto out;
	if (!ecdsa) {
		if (sig_len != 64 || (r->sig_r = malloc(64)) == NULL)
			goto out;
		memcpy(r->sig_r, sig, 64);
		r->sig_r_len = 64;
		rc = 0;
		goto out;
	}
	if ((es = d2i_ECDSA_SIG(NULL, &q, (long)sig_len)) == NULL)
		goto out;
	ECDSA_SIG_get0(es, &br, &bs);
	r->sig_r_len = (size_t)BN_num_bytes(br);
	r->sig_s_len = (size_t)BN_num_bytes(bs);
	if ((r->sig_r = malloc(r->sig_r_len)) == NULL || (r->sig_s = malloc(r->sig_s_len)) == NULL)
		goto out;
	BN_bn2bin(br, r->sig_r);
	BN_bn2bin(bs, r->sig_s);
	rc = 0;
out:
	ECDSA_SIG_free(es);
	EVP_MD_CTX_free(ctx);
	EVP_PKEY_free(pk);
	return rc;
}

/* Finds the handle's record, sets the flags and counter the mode says, and stores
 * the counter before answering (a counter is spent even if the answer is dropped). */
static int next_counter(const char *path, enum mode m, uint32_t alg, const uint8_t *handle,
                        uint8_t *rec, struct sk_sign_response *r)
{
	long nrec, i;
	int fd = store_open(path, O_RDWR, &nrec), rc = -1;
	uint32_t last;

	if (fd < 0 || (i = find_record(fd, nrec, handle, rec)) < 0)
		goto out;
	if (rec[OFF_ALG] != alg) {
		say("the key handle belongs to a key of another type", NULL);
		goto out;
	}
	last = get_be32(rec + OFF_COUNTER);
	r->flags = m == M_NO_UP ? 0 : m == M_UV ? SK_FLAG_UP | SK_FLAG_UV : SK_FLAG_UP;
	if (m == M_ZERO) {
		r->counter = 0;
		rc = 0;
		goto out;
	}
	if ((m == M_LOWER && last == 0) || (m != M_LOWER && last == UINT32_MAX)) {
		say("the counter cannot move that way", m == M_LOWER ? "it is 0" : "exhausted");
		goto out;
	}
	r->counter = m == M_LOWER ? last - 1 : last + 1;
	put_be32(rec + OFF_COUNTER, r->counter);
	if (pwrite(fd, rec + OFF_COUNTER, 4, (off_t)i * REC_LEN + OFF_COUNTER) != 4 ||
	    fsync(fd) != 0) {
		say("cannot store the counter", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	return rc;
}

int sk_sign(uint32_t alg, const uint8_t *data, size_t data_len, const char *application,
            const uint8_t *key_handle, size_t key_handle_len, uint8_t flags, const char *pin,
            struct sk_option **options, struct sk_sign_response **sign_response)
{
	struct sk_sign_response *r = NULL;
	uint8_t rec[REC_LEN];
	const char *path = store_path();
	enum mode m;
	int rc = SK_ERR_GENERAL;

	(void)flags;	/* what OpenSSH asks for; the mode decides what the "touch" gave */
	(void)pin;
	if (sign_response == NULL || path == NULL || application == NULL ||
	    (data == NULL && data_len != 0))
		return SK_ERR_GENERAL;
	*sign_response = NULL;
	if (key_handle == NULL || key_handle_len != HANDLE_LEN) {
		say("not a key handle of this provider", NULL);
		return SK_ERR_GENERAL;
	}
	if (options_ok(options) != 0 || read_mode(&m) != 0)
		return SK_ERR_GENERAL;
	if (m == M_DENY) {
		say("mode deny: refusing to sign", NULL);
		return SK_ERR_GENERAL;
	}
	if (m == M_HANG) {
		say("mode hang: sleeping 60 s before signing", NULL);
		sleep(60);
	}
	if ((r = calloc(1, sizeof(*r))) == NULL ||
	    next_counter(path, m, alg, key_handle, rec, r) != 0 ||
	    sign_record(rec, data, data_len, application, r) != 0) {
		say("signing failed", NULL);
		goto out;
	}
	*sign_response = r;
	r = NULL;
	rc = 0;
out:
	if (r != NULL) {
		free(r->sig_r);
		free(r->sig_s);
		free(r);
	}
	OPENSSL_cleanse(rec, sizeof(rec));
	return rc;
}

/* No resident keys: an empty list, so `ssh-keygen -K` and ssh-add -K find none. */
int sk_load_resident_keys(const char *pin, struct sk_option **options,
                          struct sk_resident_key ***rks, size_t *nrks)
{
	(void)pin;
	(void)options;
	if (rks == NULL || nrks == NULL)
		return SK_ERR_GENERAL;
	*rks = NULL;
	*nrks = 0;
	return 0;
}
