/* The one pass over a tarball: read the fd, hash the exact compressed bytes (sha512,
 * sha1), inflate exactly one gzip member, enforce the size and ratio limits as bytes
 * come out, and show every decompressed byte to the strict tar framer. libarchive reads
 * the decompressed bytes through ns_tgz_read(). */
#ifndef NS_INTEGRITY_STREAM_H
#define NS_INTEGRITY_STREAM_H

#include <stdint.h>
#include <sys/types.h>

#include <openssl/evp.h>
#include <zlib.h>

#include "integrity_tarframe.h"

#define NS_RATIO_FLOOR (1024 * 1024) /* ratios below this much output are not judged */

struct ns_tgz {
	int fd;
	EVP_MD_CTX *sha512, *sha1;
	z_stream z;
	int z_ready, z_end, in_eof, digest_done, io_error;
	unsigned char *in, *out;
	uint64_t compressed, unpacked;
	uint64_t max_unpacked, max_compressed;
	unsigned max_ratio;
	struct ns_tarframe frame;
	const char *fail_id;     /* first container/limit failure, NULL if none */
	char fail_msg[256];
	char io_msg[256];
};

/* Returns 0, or -1 on OOM (err text in io_msg). */
int ns_tgz_init(struct ns_tgz *s, int fd, uint64_t max_unpacked, unsigned max_ratio,
    unsigned max_entries);
void ns_tgz_free(struct ns_tgz *s);

/* Next decompressed chunk: >0 bytes at *buf, 0 at the end of the gzip member, -1 once a
 * check failed (fail_id) or reading failed (io_error). */
ssize_t ns_tgz_read(struct ns_tgz *s, const void **buf);

/* Reads and hashes the rest of the input (bounded by max_compressed), and runs the final
 * gzip and tar checks if no failure stopped the stream. */
void ns_tgz_finish(struct ns_tgz *s);

/* After ns_tgz_finish(): digests, or -1 when the input was not read to its end. */
int ns_tgz_digests(struct ns_tgz *s, char sri[100], char sha1hex[41]);

#endif
