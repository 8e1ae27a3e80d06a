/* TOTP (RFC 6238) through liboath, with a constant-time comparison over the whole
 * window and the single-use step store in state.c. */
#ifndef NS_TOTP_H
#define NS_TOTP_H

#include <stddef.h>
#include <time.h>

#include "nserr.h"

#define NS_TOTP_SECRET_MAX 128

struct ns_totp_key {
	unsigned char secret[NS_TOTP_SECRET_MAX];
	size_t secret_len;
	unsigned digits;   /* 6..8 */
	unsigned period;   /* seconds, 15..300 */
	int algo;          /* 0 sha1, OATH_TOTP_HMAC_SHA256, OATH_TOTP_HMAC_SHA512 */
};

/* Parses "totp <sha1|sha256|sha512> <digits> <period> <base32 secret>". */
int ns_totp_key_parse(const char *line, struct ns_totp_key *k, struct ns_err *err);
/* The same fields, formatted; out must hold 512 bytes. */
int ns_totp_key_format(const struct ns_totp_key *k, char *out, size_t cap, struct ns_err *err);

/* Returns the time step that code matches within +-window steps of now, or -1.
 * Every candidate in the window is computed and compared in constant time. */
long long ns_totp_match(const struct ns_totp_key *k, const char *code, time_t now,
                        unsigned window);

/* Generates the code for now (used for the registry account's own OTP). */
int ns_totp_generate(const struct ns_totp_key *k, time_t now, char *out, size_t cap,
                     struct ns_err *err);

void ns_totp_key_wipe(struct ns_totp_key *k);

#endif
