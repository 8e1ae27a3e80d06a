/* One pass over the compressed tarball; see integrity_stream.h. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "nserr.h"
#include "integrity_stream.h"

#define IN_SIZE (128 * 1024)
#define OUT_SIZE (256 * 1024)

static void
stream_fail(struct ns_tgz *s, const char *id, const char *fmt, ...) NS_PRINTF(3, 4);

static void
stream_fail(struct ns_tgz *s, const char *id, const char *fmt, ...)
{
	va_list ap;

	if (s->fail_id != NULL)
		return;
	s->fail_id = id;
	va_start(ap, fmt);
	vsnprintf(s->fail_msg, sizeof(s->fail_msg), fmt, ap);
	va_end(ap);
}

int
ns_tgz_init(struct ns_tgz *s, int fd, uint64_t max_unpacked, unsigned max_ratio,
    unsigned max_entries)
{
	memset(s, 0, sizeof(*s));
	s->fd = fd;
	s->max_unpacked = max_unpacked;
	/* compressed input is never legitimately much larger than its content */
	s->max_compressed = max_unpacked + max_unpacked / 8 + 1024 * 1024;
	s->max_ratio = max_ratio;
	ns_tarframe_init(&s->frame, max_unpacked, max_entries);
	s->in = malloc(IN_SIZE);
	s->out = malloc(OUT_SIZE);
	s->sha512 = EVP_MD_CTX_new();
	s->sha1 = EVP_MD_CTX_new();
	if (s->in == NULL || s->out == NULL || s->sha512 == NULL || s->sha1 == NULL ||
	    EVP_DigestInit_ex(s->sha512, EVP_sha512(), NULL) != 1 ||
	    EVP_DigestInit_ex(s->sha1, EVP_sha1(), NULL) != 1) {
		snprintf(s->io_msg, sizeof(s->io_msg), "out of memory (digest/inflate buffers)");
		return -1;
	}
	/* 16 + 15: gzip wrapper only (no zlib or raw deflate), 32 KiB window */
	if (inflateInit2(&s->z, 16 + 15) != Z_OK) {
		snprintf(s->io_msg, sizeof(s->io_msg), "cannot initialise zlib");
		return -1;
	}
	s->z_ready = 1;
	return 0;
}

void
ns_tgz_free(struct ns_tgz *s)
{
	if (s->z_ready)
		inflateEnd(&s->z);
	EVP_MD_CTX_free(s->sha512);
	EVP_MD_CTX_free(s->sha1);
	free(s->in);
	free(s->out);
	memset(s, 0, sizeof(*s));
}

/* Reads more input into s->in, hashing it. Returns bytes read, 0 at EOF, -1 on error. */
static ssize_t
fill(struct ns_tgz *s)
{
	ssize_t n;

	if (s->in_eof)
		return 0;
	if (s->compressed >= s->max_compressed) {
		stream_fail(s, "limit.unpacked", "compressed input exceeds %llu bytes",
		    (unsigned long long)s->max_compressed);
		return -1;
	}
	do
		n = read(s->fd, s->in, IN_SIZE);
	while (n < 0 && errno == EINTR);
	if (n < 0) {
		s->io_error = 1;
		snprintf(s->io_msg, sizeof(s->io_msg), "reading the tarball: %s", strerror(errno));
		return -1;
	}
	if (n == 0) {
		s->in_eof = 1;
		return 0;
	}
	if (EVP_DigestUpdate(s->sha512, s->in, (size_t)n) != 1 ||
	    EVP_DigestUpdate(s->sha1, s->in, (size_t)n) != 1) {
		s->io_error = 1;
		snprintf(s->io_msg, sizeof(s->io_msg), "digest update failed");
		return -1;
	}
	s->compressed += (uint64_t)n;
	s->z.next_in = s->in;
	s->z.avail_in = (uInt)n;
	return n;
}

/* After the gzip member: whatever follows (a second member, junk) is a failure. */
static void
check_after_member(struct ns_tgz *s)
{
	if (s->z.avail_in == 0 && fill(s) <= 0)
		return;
	if (s->z.avail_in >= 2 && s->z.next_in[0] == 0x1f && s->z.next_in[1] == 0x8b)
		stream_fail(s, "gzip.trailing", "a second gzip member follows the first");
	else
		stream_fail(s, "gzip.trailing", "data after the end of the gzip stream");
}

ssize_t
ns_tgz_read(struct ns_tgz *s, const void **buf)
{
	for (;;) {
		size_t produced;
		uint64_t consumed;
		int r;

		if (s->fail_id != NULL || s->io_error)
			return -1;
		if (s->z_end)
			return 0;
		if (s->z.avail_in == 0) {
			ssize_t n = fill(s);

			if (n < 0)
				return -1;
			if (n == 0) {
				stream_fail(s, "gzip.format", s->compressed == 0 ? "empty input" :
				    "gzip stream truncated");
				return -1;
			}
		}
		s->z.next_out = s->out;
		s->z.avail_out = OUT_SIZE;
		r = inflate(&s->z, Z_NO_FLUSH);
		if (r != Z_OK && r != Z_STREAM_END && r != Z_BUF_ERROR) {
			stream_fail(s, "gzip.format", "not a valid gzip stream: %s",
			    s->z.msg != NULL ? s->z.msg : "inflate failed");
			return -1;
		}
		produced = OUT_SIZE - s->z.avail_out;
		s->unpacked += produced;
		consumed = s->compressed - s->z.avail_in;
		if (s->unpacked > s->max_unpacked) {
			stream_fail(s, "limit.unpacked", "unpacked size exceeds %llu bytes",
			    (unsigned long long)s->max_unpacked);
			return -1;
		}
		if (s->unpacked > NS_RATIO_FLOOR && consumed > 0 &&
		    s->unpacked / consumed >= s->max_ratio) {
			stream_fail(s, "limit.ratio", "compression ratio exceeds %u:1 "
			    "(%llu bytes from %llu)", s->max_ratio,
			    (unsigned long long)s->unpacked, (unsigned long long)consumed);
			return -1;
		}
		if (ns_tarframe_feed(&s->frame, s->out, produced) != 0) {
			stream_fail(s, s->frame.fail_id, "%s", s->frame.fail_msg);
			return -1;
		}
		if (r == Z_STREAM_END) {
			s->z_end = 1;
			check_after_member(s);
		}
		if (produced > 0) {
			*buf = s->out;
			return (ssize_t)produced;
		}
		if (s->z_end)
			return s->fail_id != NULL ? -1 : 0;
	}
}

void
ns_tgz_finish(struct ns_tgz *s)
{
	const void *buf;

	/* what libarchive did not ask for still goes through the framer */
	while (s->fail_id == NULL && !s->io_error && ns_tgz_read(s, &buf) > 0)
		;
	if (s->fail_id == NULL && !s->io_error && ns_tarframe_finish(&s->frame) != 0)
		stream_fail(s, s->frame.fail_id, "%s", s->frame.fail_msg);
	/* the digest covers every input byte, even after a failure */
	while (!s->io_error && !s->in_eof && s->compressed < s->max_compressed) {
		s->z.avail_in = 0;
		if (fill(s) < 0)
			break;
	}
}

int
ns_tgz_digests(struct ns_tgz *s, char sri[100], char sha1hex[41])
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned int len, i;

	if (s->io_error || !s->in_eof || s->digest_done)
		return -1;
	s->digest_done = 1;
	if (EVP_DigestFinal_ex(s->sha512, md, &len) != 1 || len != 64)
		return -1;
	memcpy(sri, "sha512-", 7);
	EVP_EncodeBlock((unsigned char *)sri + 7, md, (int)len); /* 88 chars + NUL */
	if (EVP_DigestFinal_ex(s->sha1, md, &len) != 1 || len != 20)
		return -1;
	for (i = 0; i < len; i++)
		snprintf(sha1hex + 2 * i, 3, "%02x", md[i]);
	return 0;
}
