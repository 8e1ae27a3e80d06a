#include "config.h"

#include <stdio.h>
#include <string.h>

#include "sshsk_cred.h"

int
ns_sshsk_cred_parse(const char *line, struct ns_sshsk_cred *c, struct ns_err *err)
{
	char word[8], type[48], b64[NS_SSHSK_LINE_MAX], uv[8], rest[2], pub[NS_SSHSK_LINE_MAX + 64];
	int n;

	memset(c, 0, sizeof(*c));
	if (strlen(line) >= NS_SSHSK_LINE_MAX)
		return ns_fail(err, "ssh-sk enrolment line too long");
	n = sscanf(line, "%7s %47s %2047s %7s %1s", word, type, b64, uv, rest);
	if (n != 4 || strcmp(word, "ssh-sk") != 0)
		return ns_fail(err, "ssh-sk enrolment line: expected 'ssh-sk TYPE BASE64 uv=0|1'");
	if (strcmp(uv, "uv=0") != 0 && strcmp(uv, "uv=1") != 0)
		return ns_fail(err, "ssh-sk enrolment line: '%s' is not uv=0 or uv=1", uv);
	c->uv = uv[3] == '1';
	snprintf(pub, sizeof(pub), "%s %s", type, b64);
	if (ns_sshsk_key_from_line(pub, &c->key, err) != 0)
		return -1;
	if (ns_sshsk_fingerprint(&c->key, c->fingerprint, sizeof(c->fingerprint)) != 0)
		return ns_fail(err, "ssh-sk key: no fingerprint");
	return 0;
}

int
ns_sshsk_cred_format(const struct ns_sshsk_key *k, int uv, char *out, size_t cap,
                     struct ns_err *err)
{
	char pub[NS_SSHSK_LINE_MAX];
	int n;

	if (ns_sshsk_key_to_line(k, pub, sizeof(pub)) != 0)
		return ns_fail(err, "ssh-sk key does not fit a line");
	n = snprintf(out, cap, "ssh-sk %s uv=%d", pub, uv ? 1 : 0);
	if (n < 0 || (size_t)n >= cap)
		return ns_fail(err, "ssh-sk enrolment line too long");
	return 0;
}

void
ns_sshsk_cred_counter_id(const struct ns_sshsk_cred *c, char *out, size_t cap)
{
	snprintf(out, cap, "ssh-sk %s", c->fingerprint);
}
