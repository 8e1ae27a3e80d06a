#include "config.h"

#include <liboath/oath.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "totp.h"

static int
algo_parse(const char *s, int *algo)
{
	if (strcmp(s, "sha1") == 0)
		*algo = 0;
	else if (strcmp(s, "sha256") == 0)
		*algo = OATH_TOTP_HMAC_SHA256;
	else if (strcmp(s, "sha512") == 0)
		*algo = OATH_TOTP_HMAC_SHA512;
	else
		return -1;
	return 0;
}

static const char *
algo_name(int algo)
{
	return algo == OATH_TOTP_HMAC_SHA256 ? "sha256" :
	       algo == OATH_TOTP_HMAC_SHA512 ? "sha512" : "sha1";
}

int
ns_totp_key_parse(const char *line, struct ns_totp_key *k, struct ns_err *err)
{
	char kind[8], algo[8], b32[256], extra[2];
	unsigned digits, period;
	char *raw = NULL;
	size_t rawlen = 0;
	int n, rc;

	memset(k, 0, sizeof(*k));
	if (strlen(line) > 300)
		return ns_fail(err, "totp entry too long");
	n = sscanf(line, "%7s %7s %u %u %255s %1s", kind, algo, &digits, &period, b32, extra);
	if (n != 5 || strcmp(kind, "totp") != 0)
		rc = ns_fail(err, "totp entry: expected 'totp ALGO DIGITS PERIOD BASE32SECRET'");
	else if (algo_parse(algo, &k->algo) != 0)
		rc = ns_fail(err, "totp entry: unknown algorithm '%s' (sha1, sha256, sha512)", algo);
	else if (digits < 6 || digits > 8)
		rc = ns_fail(err, "totp entry: digits must be 6, 7 or 8");
	else if (period < 15 || period > 300)
		rc = ns_fail(err, "totp entry: period must be 15..300 seconds");
	else if (oath_base32_decode(b32, strlen(b32), &raw, &rawlen) != OATH_OK || raw == NULL)
		rc = ns_fail(err, "totp entry: secret is not valid base32");
	else if (rawlen < 10 || rawlen > NS_TOTP_SECRET_MAX)
		rc = ns_fail(err, "totp entry: secret must be 10..%d bytes", NS_TOTP_SECRET_MAX);
	else {
		memcpy(k->secret, raw, rawlen);
		k->secret_len = rawlen;
		k->digits = digits;
		k->period = period;
		rc = 0;
	}
	if (raw != NULL) {
		explicit_bzero(raw, rawlen);
		free(raw);
	}
	explicit_bzero(b32, sizeof(b32));
	if (rc != 0)
		ns_totp_key_wipe(k);
	return rc;
}

int
ns_totp_key_format(const struct ns_totp_key *k, char *out, size_t cap, struct ns_err *err)
{
	char *b32 = NULL;
	size_t b32len = 0;
	int n;

	if (oath_base32_encode((const char *)k->secret, k->secret_len, &b32, &b32len) != OATH_OK)
		return ns_fail(err, "base32 encoding failed");
	n = snprintf(out, cap, "totp %s %u %u %s", algo_name(k->algo), k->digits, k->period, b32);
	explicit_bzero(b32, b32len);
	free(b32);
	if (n < 0 || (size_t)n >= cap)
		return ns_fail(err, "totp entry too long");
	return 0;
}

long long
ns_totp_match(const struct ns_totp_key *k, const char *code, time_t now, unsigned window)
{
	char cand[16];
	long long found = -1;
	long long w;
	size_t len = strlen(code);
	int ok;

	if (len != k->digits || strspn(code, "0123456789") != len)
		return -1;
	for (w = -(long long)window; w <= (long long)window; w++) {
		time_t t = now + (time_t)(w * (long long)k->period);
		if (t < 0)
			continue;
		if (oath_totp_generate2((const char *)k->secret, k->secret_len, t, k->period, 0,
		                        k->digits, k->algo, cand) != OATH_OK)
			continue;
		/* No early exit: every candidate costs the same, match or not. */
		ok = CRYPTO_memcmp(cand, code, len) == 0;
		if (ok && found < 0)
			found = (long long)(t / (time_t)k->period);
		explicit_bzero(cand, sizeof(cand));
	}
	return found;
}

int
ns_totp_generate(const struct ns_totp_key *k, time_t now, char *out, size_t cap,
                 struct ns_err *err)
{
	if (cap < 9)
		return ns_fail(err, "totp: buffer too small");
	if (oath_totp_generate2((const char *)k->secret, k->secret_len, now, k->period, 0,
	                        k->digits, k->algo, out) != OATH_OK)
		return ns_fail(err, "totp: code generation failed");
	return 0;
}

void
ns_totp_key_wipe(struct ns_totp_key *k)
{
	explicit_bzero(k, sizeof(*k));
}
