/* Small strict helpers shared by the sigstore checks: base64, RFC 3339 times, bounded
 * file reads, public keys and signature checks. */
#include "config.h"

#include <sys/stat.h>

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <fcntl.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <openssl/x509.h>

#include "sigstore.h"

static int
b64_value(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

int
ns_b64_decode(const char *in, size_t inlen, unsigned char **out, size_t *outlen)
{
	unsigned char *o;
	size_t i, n = 0, pad = 0;
	uint32_t acc = 0;
	int bits = 0;

	*out = NULL;
	*outlen = 0;
	while (pad < 2 && inlen > 0 && in[inlen - 1] == '=') {
		inlen--;
		pad++;
	}
	if (inlen % 4 == 1 || (pad > 0 && (inlen + pad) % 4 != 0))
		return -1;
	if ((o = malloc(inlen / 4 * 3 + 3)) == NULL)
		return -1;
	for (i = 0; i < inlen; i++) {
		int v = b64_value((unsigned char)in[i]);

		if (v < 0) {
			free(o);
			return -1;
		}
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			o[n++] = (unsigned char)(acc >> bits);
		}
	}
	/* leftover bits must be zero: one encoding per byte string */
	if (bits > 0 && (acc & ((1u << bits) - 1)) != 0) {
		free(o);
		return -1;
	}
	o[n] = '\0';
	*out = o;
	*outlen = n;
	return 0;
}

char *
ns_b64_encode(const unsigned char *in, size_t len)
{
	static const char tab[] =
	    "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	char *o;
	size_t i, n = 0;

	if (len > SIZE_MAX / 2 || (o = malloc((len + 2) / 3 * 4 + 1)) == NULL)
		return NULL;
	for (i = 0; i + 2 < len; i += 3) {
		uint32_t v = ((uint32_t)in[i] << 16) | ((uint32_t)in[i + 1] << 8) | in[i + 2];

		o[n++] = tab[v >> 18];
		o[n++] = tab[(v >> 12) & 63];
		o[n++] = tab[(v >> 6) & 63];
		o[n++] = tab[v & 63];
	}
	if (i < len) {
		uint32_t v = (uint32_t)in[i] << 16;

		if (i + 1 < len)
			v |= (uint32_t)in[i + 1] << 8;
		o[n++] = tab[v >> 18];
		o[n++] = tab[(v >> 12) & 63];
		o[n++] = i + 1 < len ? tab[(v >> 6) & 63] : '=';
		o[n++] = '=';
	}
	o[n] = '\0';
	return o;
}

static int
digits(const char *s, int n, int *out)
{
	int i, v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return 0;
}

int
ns_time_parse(const char *s, int64_t *out)
{
	struct tm tm;
	int y, mo, d, h, mi, se;
	const char *p;
	time_t t;

	if (s == NULL || strlen(s) < 20 || s[4] != '-' || s[7] != '-' || s[10] != 'T' ||
	    s[13] != ':' || s[16] != ':')
		return -1;
	if (digits(s, 4, &y) || digits(s + 5, 2, &mo) || digits(s + 8, 2, &d) ||
	    digits(s + 11, 2, &h) || digits(s + 14, 2, &mi) || digits(s + 17, 2, &se))
		return -1;
	if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || se > 60)
		return -1;
	p = s + 19;
	if (*p == '.') {
		p++;
		if (*p < '0' || *p > '9')
			return -1;
		while (*p >= '0' && *p <= '9')
			p++;
	}
	if (strcmp(p, "Z") != 0)
		return -1;
	memset(&tm, 0, sizeof(tm));
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = se;
	if ((t = timegm(&tm)) == (time_t)-1)
		return -1;
	*out = (int64_t)t;
	return 0;
}

void
ns_time_format(int64_t t, char out[32])
{
	struct tm tm;
	time_t tt = (time_t)t;

	if (t == NS_TIME_OPEN || gmtime_r(&tt, &tm) == NULL ||
	    strftime(out, 32, "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		strcpy(out, t == NS_TIME_OPEN ? "open" : "?");
}

int
ns_read_small_file(const char *path, char **buf, size_t *len, struct ns_err *err)
{
	struct stat st;
	char *b;
	size_t n = 0;
	int fd;

	*buf = NULL;
	*len = 0;
	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW | O_NOCTTY)) < 0)
		return ns_fail(err, "%s: %s", path, strerror(errno));
	if (fstat(fd, &st) != 0 || !S_ISREG(st.st_mode) || st.st_size > NS_SIG_MAX_FILE) {
		close(fd);
		return ns_fail(err, "%s: not a regular file of at most %d bytes", path,
		               NS_SIG_MAX_FILE);
	}
	if ((b = malloc((size_t)st.st_size + 1)) == NULL) {
		close(fd);
		return ns_fail(err, "out of memory");
	}
	while (n < (size_t)st.st_size) {
		ssize_t r = read(fd, b + n, (size_t)st.st_size - n);

		if (r < 0 && errno == EINTR)
			continue;
		if (r <= 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (n != (size_t)st.st_size) {
		free(b);
		return ns_fail(err, "%s: short read", path);
	}
	b[n] = '\0';
	*buf = b;
	*len = n;
	return 0;
}

EVP_PKEY *
ns_spki_key(const unsigned char *der, size_t len)
{
	const unsigned char *p = der;
	EVP_PKEY *k;

	if (len > LONG_MAX)
		return NULL;
	k = d2i_PUBKEY(NULL, &p, (long)len);
	if (k != NULL && p != der + len) { /* trailing bytes: not one key */
		EVP_PKEY_free(k);
		return NULL;
	}
	return k;
}

int
ns_sig_ok(EVP_PKEY *key, const unsigned char *msg, size_t msglen,
          const unsigned char *sig, size_t siglen)
{
	EVP_MD_CTX *c;
	int ok, ed = EVP_PKEY_get_base_id(key) == EVP_PKEY_ED25519;

	if (!ed && EVP_PKEY_get_base_id(key) != EVP_PKEY_EC)
		return 0;
	if ((c = EVP_MD_CTX_new()) == NULL)
		return 0;
	ok = EVP_DigestVerifyInit(c, NULL, ed ? NULL : EVP_sha256(), NULL, key) == 1 &&
	     EVP_DigestVerify(c, sig, siglen, msg, msglen) == 1;
	EVP_MD_CTX_free(c);
	return ok;
}
