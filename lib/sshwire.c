/* The SSH wire encoding, bounded, and strict base64 (see sshwire.h). */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <openssl/evp.h>

#include "sshwire.h"

void
ns_sshbuf_reader(struct ns_sshbuf *b, const unsigned char *p, size_t len)
{
	memset(b, 0, sizeof(*b));
	b->in = p;
	b->len = p != NULL ? len : 0;
}

size_t
ns_sshbuf_left(const struct ns_sshbuf *b)
{
	return b->len - b->off;
}

static int
need(const struct ns_sshbuf *b, size_t n, const char *what, struct ns_err *err)
{
	if (ns_sshbuf_left(b) < n)
		return ns_fail(err, "%s: truncated (%zu bytes needed, %zu left)", what, n,
		    ns_sshbuf_left(b));
	return 0;
}

static uint32_t
load_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8 | p[3];
}

int
ns_sshbuf_get_u8(struct ns_sshbuf *b, uint8_t *v, const char *what, struct ns_err *err)
{
	if (need(b, 1, what, err) < 0)
		return -1;
	*v = b->in[b->off++];
	return 0;
}

int
ns_sshbuf_get_u32(struct ns_sshbuf *b, uint32_t *v, const char *what, struct ns_err *err)
{
	if (need(b, 4, what, err) < 0)
		return -1;
	*v = load_be32(b->in + b->off);
	b->off += 4;
	return 0;
}

int
ns_sshbuf_get_raw(struct ns_sshbuf *b, size_t n, const unsigned char **p, const char *what,
                  struct ns_err *err)
{
	if (need(b, n, what, err) < 0)
		return -1;
	*p = b->in + b->off;
	b->off += n;
	return 0;
}

int
ns_sshbuf_get_string(struct ns_sshbuf *b, size_t max, const unsigned char **p, size_t *len,
                     const char *what, struct ns_err *err)
{
	uint32_t n;

	if (need(b, 4, what, err) < 0)
		return -1;
	n = load_be32(b->in + b->off);
	/* the declared length is checked against the limit before the data, so a huge
	 * length is refused as such, not read as a short buffer */
	if (n > max)
		return ns_fail(err, "%s: length %lu exceeds %zu", what, (unsigned long)n, max);
	if (need(b, 4 + (size_t)n, what, err) < 0)
		return -1;
	*p = b->in + b->off + 4;
	*len = n;
	b->off += 4 + (size_t)n;
	return 0;
}

int
ns_sshbuf_get_cstring(struct ns_sshbuf *b, char *out, size_t cap, const char *what,
                      struct ns_err *err)
{
	const unsigned char *p;
	size_t n, start = b->off;

	if (cap == 0)
		return ns_fail(err, "%s: no room", what);
	if (ns_sshbuf_get_string(b, cap - 1, &p, &n, what, err) < 0)
		return -1;
	if (memchr(p, '\0', n) != NULL) {
		b->off = start;
		return ns_fail(err, "%s: contains a NUL byte", what);
	}
	memcpy(out, p, n);
	out[n] = '\0';
	return 0;
}

int
ns_sshbuf_get_end(const struct ns_sshbuf *b, const char *what, struct ns_err *err)
{
	if (ns_sshbuf_left(b) != 0)
		return ns_fail(err, "%s: %zu trailing bytes", what, ns_sshbuf_left(b));
	return 0;
}

void
ns_sshbuf_writer(struct ns_sshbuf *b, size_t max)
{
	memset(b, 0, sizeof(*b));
	b->max = max;
}

int
ns_sshbuf_put_raw(struct ns_sshbuf *b, const void *p, size_t len)
{
	unsigned char *grown;
	size_t want;

	if (b->failed || b->in != NULL || len > b->max - b->len) {
		b->failed = 1;
		return -1;
	}
	if (len == 0)
		return 0;
	if (b->len + len > b->cap) {
		want = b->cap < 64 ? 64 : b->cap;
		while (want < b->len + len)
			want = want > b->max / 2 ? b->max : want * 2;
		if (want > b->max)
			want = b->max;
		if ((grown = malloc(want)) == NULL) {
			b->failed = 1;
			return -1;
		}
		/* copy rather than realloc so the old bytes can be wiped */
		if (b->len > 0)
			memcpy(grown, b->data, b->len);
		if (b->data != NULL) {
			explicit_bzero(b->data, b->cap);
			free(b->data);
		}
		b->data = grown;
		b->cap = want;
	}
	memcpy(b->data + b->len, p, len);
	b->len += len;
	return 0;
}

int
ns_sshbuf_put_u8(struct ns_sshbuf *b, uint8_t v)
{
	return ns_sshbuf_put_raw(b, &v, 1);
}

int
ns_sshbuf_put_u32(struct ns_sshbuf *b, uint32_t v)
{
	unsigned char be[4] = { (unsigned char)(v >> 24), (unsigned char)(v >> 16),
		(unsigned char)(v >> 8), (unsigned char)v };

	return ns_sshbuf_put_raw(b, be, sizeof(be));
}

int
ns_sshbuf_put_string(struct ns_sshbuf *b, const void *p, size_t len)
{
	if (len > UINT32_MAX) {
		b->failed = 1;
		return -1;
	}
	if (ns_sshbuf_put_u32(b, (uint32_t)len) < 0)
		return -1;
	return ns_sshbuf_put_raw(b, p, len);
}

int
ns_sshbuf_put_cstring(struct ns_sshbuf *b, const char *s)
{
	return ns_sshbuf_put_string(b, s, strlen(s));
}

unsigned char *
ns_sshbuf_steal(struct ns_sshbuf *b, size_t *len)
{
	unsigned char *p;

	if (b->failed || b->in != NULL)
		return NULL;
	if (b->data == NULL && (b->data = malloc(1)) == NULL)
		return NULL;
	p = b->data;
	*len = b->len;
	b->data = NULL;
	b->len = b->cap = 0;
	return p;
}

void
ns_sshbuf_free(struct ns_sshbuf *b)
{
	if (b->data != NULL) {
		explicit_bzero(b->data, b->cap);
		free(b->data);
	}
	b->data = NULL;
	b->len = b->cap = b->off = 0;
}

/* ---- base64 */

static int
b64_char(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
	    c == '+' || c == '/';
}

int
ns_ssh_b64_encode(const unsigned char *p, size_t len, char *out, size_t cap)
{
	if (len > (size_t)INT32_MAX / 2 || cap == 0 || (len + 2) / 3 * 4 >= cap)
		return -1;
	EVP_EncodeBlock((unsigned char *)out, p, (int)len);
	return 0;
}

int
ns_ssh_b64_decode(const char *s, size_t n, size_t max, unsigned char **out, size_t *out_len)
{
	unsigned char *buf;
	char *again;
	size_t pad = 0, len;
	int d;

	*out = NULL;
	*out_len = 0;
	if (n == 0 || n % 4 != 0 || n / 4 > max / 3 + 1 || n > (size_t)INT32_MAX / 2)
		return -1;
	for (size_t i = 0; i < n; i++) {
		if (s[i] == '=' && i + 2 >= n)
			pad++;
		else if (pad > 0 || !b64_char((unsigned char)s[i]))
			return -1;
	}
	if ((buf = malloc(n / 4 * 3)) == NULL)
		return -1;
	/* EVP_DecodeBlock counts the padding as zero bytes; it is taken off here */
	if ((d = EVP_DecodeBlock(buf, (const unsigned char *)s, (int)n)) < 0 ||
	    (size_t)d != n / 4 * 3 || (len = (size_t)d - pad) == 0 || len > max ||
	    (again = malloc(n + 1)) == NULL) {
		free(buf);
		return -1;
	}
	EVP_EncodeBlock((unsigned char *)again, buf, (int)len);
	if (memcmp(again, s, n) != 0) { /* unused bits set: not the canonical text */
		free(again);
		free(buf);
		return -1;
	}
	free(again);
	*out = buf;
	*out_len = len;
	return 0;
}
