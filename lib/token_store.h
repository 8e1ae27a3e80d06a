/* The stored release credential: a root-only file (0600, no links, owner checked)
 *   token <registry token>
 *   totp ALGO DIGITS PERIOD BASE32   (optional: the release account's registry 2FA seed)
 * Only pam_npmstage reads it, after the gate; the helper receives it in memory. */
#ifndef NS_TOKEN_STORE_H
#define NS_TOKEN_STORE_H

#include <stddef.h>

#include "nserr.h"
#include "totp.h"

#define NS_TOKEN_MAX 4096

struct ns_token {
	char token[NS_TOKEN_MAX];
	int has_otp;
	struct ns_totp_key otp;
};

int ns_token_parse(const char *text, struct ns_token *t, struct ns_err *err);
int ns_token_load(const char *path, struct ns_token *t, struct ns_err *err);
/* Reads only a read token file (a single "token" line; no 2FA seed allowed). */
int ns_read_token_load(const char *path, char *out, size_t cap, struct ns_err *err);
void ns_token_wipe(struct ns_token *t);

#endif
