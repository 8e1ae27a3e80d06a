#include "config.h"

#include <errno.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "digest.h"

struct ns_digest {
	EVP_MD_CTX *sha512;
	EVP_MD_CTX *sha1;
};

struct ns_digest *
ns_digest_new(void)
{
	struct ns_digest *d = calloc(1, sizeof(*d));

	if (d == NULL)
		return NULL;
	d->sha512 = EVP_MD_CTX_new();
	d->sha1 = EVP_MD_CTX_new();
	if (d->sha512 == NULL || d->sha1 == NULL ||
	    EVP_DigestInit_ex(d->sha512, EVP_sha512(), NULL) != 1 ||
	    EVP_DigestInit_ex(d->sha1, EVP_sha1(), NULL) != 1) {
		ns_digest_free(d);
		return NULL;
	}
	return d;
}

int
ns_digest_update(struct ns_digest *d, const void *buf, size_t len)
{
	if (EVP_DigestUpdate(d->sha512, buf, len) != 1 || EVP_DigestUpdate(d->sha1, buf, len) != 1)
		return -1;
	return 0;
}

int
ns_digest_final(struct ns_digest *d, char *sri, char *sha1hex)
{
	unsigned char h512[64], h1[20];
	unsigned int n512 = 0, n1 = 0;

	if (EVP_DigestFinal_ex(d->sha512, h512, &n512) != 1 ||
	    EVP_DigestFinal_ex(d->sha1, h1, &n1) != 1 || n512 != 64 || n1 != 20)
		return -1;
	memcpy(sri, "sha512-", 7);
	EVP_EncodeBlock((unsigned char *)sri + 7, h512, 64);
	ns_hex(h1, 20, sha1hex);
	return 0;
}

void
ns_digest_free(struct ns_digest *d)
{
	if (d == NULL)
		return;
	EVP_MD_CTX_free(d->sha512);
	EVP_MD_CTX_free(d->sha1);
	free(d);
}

long long
ns_digest_fd(int fd, char *sri, char *sha1hex, struct ns_err *err)
{
	struct ns_digest *d = ns_digest_new();
	unsigned char buf[65536];
	long long total = 0;
	ssize_t n;

	if (d == NULL)
		return ns_fail(err, "digest: out of memory");
	for (;;) {
		n = read(fd, buf, sizeof(buf));
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0) {
			ns_digest_free(d);
			return ns_fail(err, "digest: read: %s", strerror(errno));
		}
		if (n == 0)
			break;
		if (ns_digest_update(d, buf, (size_t)n) != 0) {
			ns_digest_free(d);
			return ns_fail(err, "digest: update failed");
		}
		total += n;
	}
	if (ns_digest_final(d, sri, sha1hex) != 0) {
		ns_digest_free(d);
		return ns_fail(err, "digest: final failed");
	}
	ns_digest_free(d);
	return total;
}

int
ns_sha256(const void *buf, size_t len, unsigned char out[32])
{
	unsigned int n = 0;

	if (EVP_Digest(buf, len, out, &n, EVP_sha256(), NULL) != 1 || n != 32)
		return -1;
	return 0;
}

void
ns_hex(const unsigned char *in, size_t len, char *out)
{
	static const char hx[] = "0123456789abcdef";
	size_t i;

	for (i = 0; i < len; i++) {
		out[2 * i] = hx[in[i] >> 4];
		out[2 * i + 1] = hx[in[i] & 15];
	}
	out[2 * len] = '\0';
}

int
ns_ct_streq(const char *a, const char *b)
{
	size_t la = strlen(a), lb = strlen(b);

	if (la != lb)
		return 0;
	return CRYPTO_memcmp(a, b, la) == 0;
}
