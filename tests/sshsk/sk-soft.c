/* sk-soft: a security key in software for OpenSSH's middleware API (sk-api.h of
 * OpenSSH 9.2, API version 0x000a0000), so that tests drive the real ssh-keygen -w,
 * ssh-agent -P and ssh-add -S without hardware. Test-only: the "authenticator"
 * keeps its private keys in a plain file.
 *
 * NPMSTAGE_SK_FILE names the key store: one line per enrolled key,
 *   "sk-soft1 ALG HANDLE COUNTER DER"  (ALG 0 = P-256, 1 = Ed25519; HANDLE the 32-byte
 *   key handle in hex, which OpenSSH keeps in its private key file; COUNTER the last
 *   signature counter in decimal; DER the PKCS#8/SEC1 private key in hex).
 * Enrolment appends to it (created 0600); signing looks the handle up and updates the
 * counter under flock(LOCK_EX). NPMSTAGE_SK_MODE, or the first line of the file named
 * by NPMSTAGE_SK_MODE_FILE (it wins when it exists, so a test can change the mode of a
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

/* Bounds of the key store. */
#define HANDLE_LEN	32
#define DER_MAX		512
#define ENTRIES_MAX	64
#define STORE_MAX	(ENTRIES_MAX * (2 * DER_MAX + 2 * HANDLE_LEN + 40))

struct entry {
	unsigned alg;
	uint8_t handle[HANDLE_LEN];
	uint32_t counter;
	uint8_t der[DER_MAX];
	size_t der_len;
};

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

static int nibble(char c)
{
	return c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
}

/* n bytes from 2n lowercase hex digits. */
static int unhex(const char *s, size_t n, uint8_t *out)
{
	for (size_t i = 0; i < n; i++) {
		int hi = nibble(s[2 * i]), lo = hi < 0 ? -1 : nibble(s[2 * i + 1]);

		if (lo < 0)
			return -1;
		out[i] = (uint8_t)(hi << 4 | lo);
	}
	return 0;
}

static void tohex(const uint8_t *in, size_t n, char *out)
{
	for (size_t i = 0; i < n; i++)
		snprintf(out + 2 * i, 3, "%02x", in[i]);
}

/* One store line (NUL-terminated, without its newline) into e. */
static int parse_line(char *line, struct entry *e)
{
	char *f[6], *save = NULL;
	int n = 0;
	size_t hl;
	char *end;
	unsigned long c;

	for (char *t = strtok_r(line, " ", &save); t != NULL; t = strtok_r(NULL, " ", &save)) {
		if (n == 5)
			return -1;
		f[n++] = t;
	}
	if (n != 5 || strcmp(f[0], "sk-soft1") != 0 || (strcmp(f[1], "0") && strcmp(f[1], "1")))
		return -1;
	e->alg = (unsigned)(f[1][0] - '0');
	if (strlen(f[2]) != 2 * HANDLE_LEN || unhex(f[2], HANDLE_LEN, e->handle) != 0)
		return -1;
	errno = 0;
	c = strtoul(f[3], &end, 10);
	if (f[3][0] < '0' || f[3][0] > '9' || *end != '\0' || errno != 0 || c > UINT32_MAX)
		return -1;
	e->counter = (uint32_t)c;
	hl = strlen(f[4]);
	if (hl == 0 || hl % 2 != 0 || hl / 2 > DER_MAX || unhex(f[4], hl / 2, e->der) != 0)
		return -1;
	e->der_len = hl / 2;
	return 0;
}

static int format_line(const struct entry *e, char *out, size_t cap)
{
	char h[2 * HANDLE_LEN + 1], d[2 * DER_MAX + 1];
	int n;

	tohex(e->handle, HANDLE_LEN, h);
	tohex(e->der, e->der_len, d);
	n = snprintf(out, cap, "sk-soft1 %u %s %u %s\n", e->alg, h, (unsigned)e->counter, d);
	return n > 0 && (size_t)n < cap ? n : -1;
}

/* Opens the store and takes its lock: a regular file, not writable by others. */
static int store_open(const char *path, int flags)
{
	struct stat st;
	int fd = open(path, flags | O_NOFOLLOW | O_CLOEXEC, 0600);

	if (fd < 0) {
		say("cannot open the key store", strerror(errno));
		return -1;
	}
	if (flock(fd, LOCK_EX) != 0 || fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) ||
	    (st.st_mode & 022) != 0) {
		say("the key store is not a private regular file", path);
		close(fd);
		return -1;
	}
	return fd;
}

/* Reads every entry of the locked store; *n entries into es (ENTRIES_MAX). */
static int store_read(int fd, struct entry *es, size_t *n)
{
	char *buf = malloc(STORE_MAX + 1), *line, *save = NULL;
	ssize_t got;
	size_t len = 0;
	int rc = -1;

	*n = 0;
	if (buf == NULL)
		return -1;
	while ((got = pread(fd, buf + len, STORE_MAX + 1 - len, (off_t)len)) > 0)
		len += (size_t)got;
	if (got < 0 || len > STORE_MAX || memchr(buf, '\0', len) != NULL) {
		say("the key store is unreadable or too large", NULL);
		goto out;
	}
	buf[len] = '\0';
	for (line = strtok_r(buf, "\n", &save); line != NULL; line = strtok_r(NULL, "\n", &save)) {
		if (*n == ENTRIES_MAX || parse_line(line, &es[*n]) != 0) {
			say("the key store has a malformed line or too many keys", NULL);
			goto out;
		}
		(*n)++;
	}
	rc = 0;
out:
	OPENSSL_cleanse(buf, STORE_MAX + 1);
	free(buf);
	return rc;
}

static int store_write(int fd, const struct entry *es, size_t n)
{
	char *buf = malloc(STORE_MAX + 1);
	size_t len = 0;
	int rc = -1, k;

	if (buf == NULL)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if ((k = format_line(&es[i], buf + len, STORE_MAX + 1 - len)) < 0)
			goto out;
		len += (size_t)k;
	}
	if (pwrite(fd, buf, len, 0) != (ssize_t)len || ftruncate(fd, (off_t)len) != 0 ||
	    fsync(fd) != 0) {
		say("cannot rewrite the key store", strerror(errno));
		goto out;
	}
	rc = 0;
out:
	OPENSSL_cleanse(buf, STORE_MAX + 1);
	free(buf);
	return rc;
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
	struct entry e;
	EVP_PKEY *pk = NULL;
	uint8_t *der = NULL, pub[65];
	size_t pub_len = sizeof(pub);
	char line[2 * DER_MAX + 2 * HANDLE_LEN + 40];
	const char *path = store_path();
	int fd = -1, der_len, n, rc = SK_ERR_GENERAL;

	(void)challenge;	/* no attestation is made, so nothing signs the challenge */
	(void)challenge_len;
	(void)pin;
	memset(&e, 0, sizeof(e));
	if (enroll_response == NULL || path == NULL || application == NULL)
		return SK_ERR_GENERAL;
	*enroll_response = NULL;
	if (alg != SK_ALG_ECDSA && alg != SK_ALG_ED25519)
		return SK_ERR_UNSUPPORTED;
	if ((flags & SK_FLAG_RESIDENT) != 0 || options_ok(options) != 0) {
		say("resident keys and device options are not supported", NULL);
		return SK_ERR_UNSUPPORTED;
	}
	pk = alg == SK_ALG_ECDSA ? EVP_PKEY_Q_keygen(NULL, NULL, "EC", "P-256")
	                         : EVP_PKEY_Q_keygen(NULL, NULL, "ED25519");
	if (pk == NULL || public_key(pk, alg, pub, &pub_len) != 0 ||
	    (der_len = i2d_PrivateKey(pk, &der)) <= 0 || der_len > DER_MAX ||
	    RAND_bytes(e.handle, HANDLE_LEN) != 1) {
		say("key generation failed", NULL);
		goto out;
	}
	e.alg = alg;
	memcpy(e.der, der, (size_t)der_len);
	e.der_len = (size_t)der_len;
	if ((n = format_line(&e, line, sizeof(line))) < 0 ||
	    (fd = store_open(path, O_WRONLY | O_CREAT | O_APPEND)) < 0)
		goto out;
	if (write(fd, line, (size_t)n) != n || fsync(fd) != 0) {
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
	memcpy(r->key_handle, e.handle, HANDLE_LEN);
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
	OPENSSL_cleanse(&e, sizeof(e));
	OPENSSL_cleanse(line, sizeof(line));
	if (der != NULL)
		OPENSSL_clear_free(der, (size_t)der_len);
	EVP_PKEY_free(pk);
	return rc;
}

/* Signs the 69 bytes SHA256(application) || flags || be32(counter) || SHA256(data):
 * ECDSA-SHA256 (r and s big-endian) or Ed25519 over them raw (64 bytes in sig_r). */
static int sign_entry(const struct entry *e, const uint8_t *data, size_t data_len,
                      const char *application, struct sk_sign_response *r)
{
	uint8_t msg[69], der[80];	/* an ECDSA DER signature is at most 72 bytes */
	const uint8_t *p = e->der, *q = der;
	size_t sig_len = sizeof(der);
	EVP_PKEY *pk = d2i_AutoPrivateKey(NULL, &p, (long)e->der_len);
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();
	ECDSA_SIG *es = NULL;
	const BIGNUM *br, *bs;
	int rc = -1;

	SHA256((const unsigned char *)application, strlen(application), msg);
	msg[32] = r->flags;
	msg[33] = (uint8_t)(r->counter >> 24);
	msg[34] = (uint8_t)(r->counter >> 16);
	msg[35] = (uint8_t)(r->counter >> 8);
	msg[36] = (uint8_t)r->counter;
	SHA256(data, data_len, msg + 37);
	if (pk == NULL || ctx == NULL ||
	    EVP_DigestSignInit(ctx, NULL, e->alg == SK_ALG_ECDSA ? EVP_sha256() : NULL, NULL,
	                       pk) != 1 ||
	    EVP_DigestSign(ctx, der, &sig_len, msg, sizeof(msg)) != 1)
		goto out;
	if (e->alg == SK_ALG_ED25519) {
		if (sig_len != 64 || (r->sig_r = malloc(64)) == NULL)
			goto out;
		memcpy(r->sig_r, der, 64);
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

/* Finds the handle's key, sets the flags and counter the mode says, and stores the
 * counter before answering (a counter is spent even if the caller drops the answer). */
static int next_counter(const char *path, enum mode m, uint32_t alg, const uint8_t *handle,
                        struct entry *out, struct sk_sign_response *r)
{
	struct entry *es = calloc(ENTRIES_MAX, sizeof(*es));
	size_t n = 0, i;
	int fd = store_open(path, O_RDWR), rc = -1;

	if (es == NULL || fd < 0 || store_read(fd, es, &n) != 0)
		goto out;
	for (i = 0; i < n && memcmp(es[i].handle, handle, HANDLE_LEN) != 0; i++)
		;
	if (i == n || es[i].alg != alg) {
		say("no key with this handle and type in the key store", path);
		goto out;
	}
	r->flags = m == M_NO_UP ? 0 : m == M_UV ? SK_FLAG_UP | SK_FLAG_UV : SK_FLAG_UP;
	if (m == M_ZERO) {
		r->counter = 0;
	} else if (m == M_LOWER) {
		if (es[i].counter == 0) {
			say("lower-counter: the counter is already 0", NULL);
			goto out;
		}
		r->counter = --es[i].counter;
	} else {
		if (es[i].counter == UINT32_MAX) {
			say("the counter is exhausted", NULL);
			goto out;
		}
		r->counter = ++es[i].counter;
	}
	if (m != M_ZERO && store_write(fd, es, n) != 0)
		goto out;
	*out = es[i];
	rc = 0;
out:
	if (fd >= 0)
		close(fd);
	if (es != NULL) {
		OPENSSL_cleanse(es, ENTRIES_MAX * sizeof(*es));
		free(es);
	}
	return rc;
}

int sk_sign(uint32_t alg, const uint8_t *data, size_t data_len, const char *application,
            const uint8_t *key_handle, size_t key_handle_len, uint8_t flags, const char *pin,
            struct sk_option **options, struct sk_sign_response **sign_response)
{
	struct sk_sign_response *r = NULL;
	struct entry e;
	const char *path = store_path();
	enum mode m;
	int rc = SK_ERR_GENERAL;

	(void)flags;	/* what OpenSSH asks for; the mode decides what the "touch" gave */
	(void)pin;
	memset(&e, 0, sizeof(e));
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
	    next_counter(path, m, alg, key_handle, &e, r) != 0 ||
	    sign_entry(&e, data, data_len, application, r) != 0) {
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
	OPENSSL_cleanse(&e, sizeof(e));
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
