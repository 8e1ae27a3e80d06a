/* The SSH wire encoding (RFC 4251 §5: byte, uint32, string) as a bounded reader and
 * writer, and the strict base64 of OpenSSH's text forms. Shared by the security-key
 * code (sshsk.c) and the ssh-agent client.
 *
 * One struct serves both directions. A reader borrows the caller's bytes and only
 * moves a cursor; every get names the field it reads, so a refusal says what was
 * wrong. A writer owns a malloc'd buffer that never grows past the limit it was
 * made with; the first failed put makes every later put fail (check once at the end). */
#ifndef NS_SSHWIRE_H
#define NS_SSHWIRE_H

#include <stddef.h>
#include <stdint.h>

#include "nserr.h"

struct ns_sshbuf {
	const unsigned char *in; /* reader: the caller's bytes (borrowed) */
	unsigned char *data;	/* writer: its own malloc'd bytes */
	size_t len;		/* bytes held */
	size_t off;		/* reader: next byte to read */
	size_t cap;		/* writer: bytes allocated */
	size_t max;		/* writer: len never exceeds this */
	int failed;		/* writer: a put failed (too long or out of memory) */
};

/* A reader over p[0..len). No allocation; nothing to free. */
void ns_sshbuf_reader(struct ns_sshbuf *b, const unsigned char *p, size_t len);
/* Bytes not yet read. */
size_t ns_sshbuf_left(const struct ns_sshbuf *b);
/* Each get returns 0, or -1 with err naming `what` and the reason (truncated, too
 * long); on failure the cursor does not move. */
int ns_sshbuf_get_u8(struct ns_sshbuf *b, uint8_t *v, const char *what, struct ns_err *err);
int ns_sshbuf_get_u32(struct ns_sshbuf *b, uint32_t *v, const char *what, struct ns_err *err);
/* n raw bytes (no length prefix): *p points into the reader's bytes. */
int ns_sshbuf_get_raw(struct ns_sshbuf *b, size_t n, const unsigned char **p, const char *what,
                      struct ns_err *err);
/* A string of at most max bytes: *p points into the reader's bytes. */
int ns_sshbuf_get_string(struct ns_sshbuf *b, size_t max, const unsigned char **p,
                         size_t *len, const char *what, struct ns_err *err);
/* A string copied into out (cap bytes) and NUL-terminated; refused when it holds a
 * NUL byte or does not fit (length >= cap). */
int ns_sshbuf_get_cstring(struct ns_sshbuf *b, char *out, size_t cap, const char *what,
                          struct ns_err *err);
/* 0 when every byte was read, -1 with err ("trailing bytes after what") otherwise. */
int ns_sshbuf_get_end(const struct ns_sshbuf *b, const char *what, struct ns_err *err);

/* An empty writer whose content never exceeds max bytes. */
void ns_sshbuf_writer(struct ns_sshbuf *b, size_t max);
/* 0, or -1 (and b->failed set) when the limit or memory is exhausted. */
int ns_sshbuf_put_u8(struct ns_sshbuf *b, uint8_t v);
int ns_sshbuf_put_u32(struct ns_sshbuf *b, uint32_t v);
int ns_sshbuf_put_raw(struct ns_sshbuf *b, const void *p, size_t len);
int ns_sshbuf_put_string(struct ns_sshbuf *b, const void *p, size_t len);
int ns_sshbuf_put_cstring(struct ns_sshbuf *b, const char *s);
/* Hands the writer's bytes to the caller (malloc'd, *len bytes; never NULL on
 * success, even when empty) and empties the writer; NULL when a put failed. */
unsigned char *ns_sshbuf_steal(struct ns_sshbuf *b, size_t *len);
/* Zeroes and frees a writer's bytes (a no-op for a reader). */
void ns_sshbuf_free(struct ns_sshbuf *b);

/* Base64 (RFC 4648 alphabet, padded) of p into out; -1 when out (cap bytes, NUL
 * included) is too small. */
int ns_ssh_b64_encode(const unsigned char *p, size_t len, char *out, size_t cap);
/* Strict base64 of s[0..n): alphabet only, length a multiple of 4, '=' only as the
 * final one or two characters, canonical (unused bits zero: it re-encodes to the
 * same text), non-empty, at most max decoded bytes. *out is malloc'd. */
int ns_ssh_b64_decode(const char *s, size_t n, size_t max, unsigned char **out, size_t *out_len);

#endif
