/* Digests of release artifacts: npm's sha512 SRI, the sha1 shasum, SHA-256. */
#ifndef NS_DIGEST_H
#define NS_DIGEST_H

#include <stddef.h>

#include "nserr.h"

#define NS_SRI_SHA512_LEN 95  /* "sha512-" + 88 base64 chars */

struct ns_digest;

struct ns_digest *ns_digest_new(void);
int ns_digest_update(struct ns_digest *d, const void *buf, size_t len);
/* sri: "sha512-<base64>" (NS_SRI_SHA512_LEN + 1 bytes), sha1hex: 41 bytes. */
int ns_digest_final(struct ns_digest *d, char *sri, char *sha1hex);
void ns_digest_free(struct ns_digest *d);

/* Digests a whole descriptor from its current offset; returns bytes read or -1. */
long long ns_digest_fd(int fd, char *sri, char *sha1hex, struct ns_err *err);

/* Returns 0, or -1 when libcrypto fails (callers deny). */
int ns_sha256(const void *buf, size_t len, unsigned char out[32]);
void ns_hex(const unsigned char *in, size_t len, char *out); /* out: 2*len+1 */

/* Constant-time string comparison of equal-length secrets; unequal lengths differ. */
int ns_ct_streq(const char *a, const char *b);

#endif
