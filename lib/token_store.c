#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "secure_file.h"
#include "token_store.h"

static int
token_chars_ok(const char *v)
{
	for (; *v != '\0'; v++)
		if ((unsigned char)*v <= 0x20 || (unsigned char)*v >= 0x7f)
			return 0;
	return 1;
}

int
ns_token_parse(const char *text, struct ns_token *t, struct ns_err *err)
{
	const char *line = text, *nl;
	char buf[NS_TOKEN_MAX + 16];
	size_t len;
	int rc = 0;

	memset(t, 0, sizeof(*t));
	while (*line != '\0' && rc == 0) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len >= sizeof(buf)) {
			rc = ns_fail(err, "token file: line too long");
			break;
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		line += len + (nl ? 1 : 0);
		if (len > 0 && buf[len - 1] == '\r')
			buf[--len] = '\0';
		if (buf[0] == '\0' || buf[0] == '#')
			continue;
		if (strncmp(buf, "token ", 6) == 0) {
			if (t->token[0] != '\0')
				rc = ns_fail(err, "token file: two token lines");
			else if (!token_chars_ok(buf + 6) || buf[6] == '\0')
				rc = ns_fail(err, "token file: token has spaces or control characters");
			else if (len - 6 >= sizeof(t->token))
				rc = ns_fail(err, "token file: token too long");
			else
				memcpy(t->token, buf + 6, len - 6 + 1);
		} else if (strncmp(buf, "totp ", 5) == 0) {
			if (t->has_otp)
				rc = ns_fail(err, "token file: two totp lines");
			else if (ns_totp_key_parse(buf, &t->otp, err) == 0)
				t->has_otp = 1;
			else
				rc = -1;
		} else {
			rc = ns_fail(err, "token file: unknown line (expected 'token' or 'totp')");
		}
	}
	explicit_bzero(buf, sizeof(buf));
	if (rc == 0 && t->token[0] == '\0')
		rc = ns_fail(err, "token file: no token line");
	if (rc != 0)
		ns_token_wipe(t);
	return rc;
}

int
ns_token_load(const char *path, struct ns_token *t, struct ns_err *err)
{
	char *text = NULL;
	size_t len = 0;
	int rc;

	memset(t, 0, sizeof(*t));
	if (sf_read_file(path, 077, 3 * NS_TOKEN_MAX, &text, &len, err) != 0)
		return -1;
	rc = ns_token_parse(text, t, err);
	ns_free_secret(text, len + 1);
	return rc;
}

int
ns_read_token_load(const char *path, char *out, size_t cap, struct ns_err *err)
{
	struct ns_token t;
	int rc = -1;

	if (ns_token_load(path, &t, err) != 0)
		return -1;
	if (t.has_otp)
		ns_fail(err, "%s: a read token file must not hold a 2FA seed", path);
	else if (strlen(t.token) >= cap)
		ns_fail(err, "%s: token too long", path);
	else {
		snprintf(out, cap, "%s", t.token);
		rc = 0;
	}
	ns_token_wipe(&t);
	return rc;
}

void
ns_token_wipe(struct ns_token *t)
{
	explicit_bzero(t, sizeof(*t));
}
