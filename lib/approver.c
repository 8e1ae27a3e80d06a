#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "approver.h"
#include "factor.h"
#include "secure_file.h"

int
ns_user_name_valid(const char *u)
{
	size_t i, n = strlen(u);

	if (n == 0 || n > 32)
		return 0;
	if (!((u[0] >= 'a' && u[0] <= 'z') || u[0] == '_'))
		return 0;
	for (i = 1; i < n; i++)
		if (!((u[i] >= 'a' && u[i] <= 'z') || (u[i] >= '0' && u[i] <= '9') || u[i] == '_' ||
		      u[i] == '.' || u[i] == '-'))
			return 0;
	return 1;
}

static int
add_key_line(char **lines, size_t *n, const char *line, struct ns_err *err)
{
	if (*n >= NS_MAX_CREDS)
		return ns_fail(err, "more than %d keys", NS_MAX_CREDS);
	if ((lines[*n] = strdup(line)) == NULL)
		return ns_fail(err, "out of memory");
	(*n)++;
	return 0;
}

int
ns_approver_parse(const char *text, const char *user, struct ns_approver *a,
                  struct ns_err *err)
{
	const char *line = text, *nl;
	char buf[1024], word[16];
	unsigned lineno = 0;
	size_t len;
	struct ns_err ferr;

	memset(a, 0, sizeof(*a));
	snprintf(a->user, sizeof(a->user), "%s", user);
	while (*line != '\0') {
		lineno++;
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len >= sizeof(buf)) {
			ns_approver_wipe(a);
			return ns_fail(err, "approver %s: line %u too long", user, lineno);
		}
		memcpy(buf, line, len);
		buf[len] = '\0';
		line += len + (nl ? 1 : 0);
		if (buf[strspn(buf, " \t")] == '\0' || buf[strspn(buf, " \t")] == '#')
			continue;
		if (sscanf(buf, "%15s", word) != 1)
			continue;
		if (strcmp(word, "totp") == 0) {
			if (a->has_totp) {
				explicit_bzero(buf, sizeof(buf));
				ns_approver_wipe(a);
				return ns_fail(err, "approver %s: line %u: a second totp entry", user, lineno);
			}
			if (ns_totp_key_parse(buf, &a->totp, &ferr) != 0) {
				explicit_bzero(buf, sizeof(buf));
				ns_approver_wipe(a);
				return ns_fail(err, "approver %s: line %u: %s", user, lineno, ferr.msg);
			}
			a->has_totp = 1;
		} else if (strcmp(word, "fido2") == 0 || strcmp(word, "ssh-sk") == 0) {
			/* key lines are public and parsed where they are used */
			int fido2 = word[0] == 'f';
			if (add_key_line(fido2 ? a->fido2 : a->sshsk, fido2 ? &a->n_fido2 : &a->n_sshsk,
			                 buf, &ferr) != 0) {
				ns_approver_wipe(a);
				return ns_fail(err, "approver %s: line %u: %s %s", user, lineno, word,
				               ferr.msg);
			}
		} else {
			/* sms, voice, email...: refuse the whole enrolment, loudly. */
			ns_factor_parse(word, &ferr);
			explicit_bzero(buf, sizeof(buf));
			ns_approver_wipe(a);
			return ns_fail(err, "approver %s: line %u: %s", user, lineno, ferr.msg);
		}
		explicit_bzero(buf, sizeof(buf));
	}
	return 0;
}

int
ns_approver_load(struct ns_state *st, const char *user, struct ns_approver *a,
                 struct ns_err *err)
{
	char shown[512], *text;
	struct stat sb;
	size_t off = 0;
	ssize_t n;
	int fd, rc;

	memset(a, 0, sizeof(*a));
	if (!ns_user_name_valid(user))
		return ns_fail(err, "invalid user name");
	snprintf(shown, sizeof(shown), "%s/approvers", ns_state_path(st));
	fd = sf_openat_file(ns_state_approversfd(st), shown, user, 077, NS_APPROVER_MAX_SIZE, &sb,
	                    err);
	if (fd < 0)
		return errno == ENOENT ? 1 : -1;
	text = calloc(1, (size_t)sb.st_size + 1);
	if (text == NULL) {
		close(fd);
		return ns_fail(err, "out of memory");
	}
	while (off < (size_t)sb.st_size && (n = read(fd, text + off, (size_t)sb.st_size - off)) > 0)
		off += (size_t)n;
	close(fd);
	if (off != (size_t)sb.st_size || memchr(text, '\0', off) != NULL) {
		ns_free_secret(text, (size_t)sb.st_size + 1);
		return ns_fail(err, "%s/%s: unreadable or contains NUL", shown, user);
	}
	rc = ns_approver_parse(text, user, a, err);
	ns_free_secret(text, (size_t)sb.st_size + 1);
	return rc;
}

int
ns_approver_save(struct ns_state *st, const struct ns_approver *a, struct ns_err *err)
{
	char shown[512], *buf;
	size_t cap = 4096 + 2 * NS_MAX_CREDS * 1024, off = 0, i;
	int rc;

	if (!ns_user_name_valid(a->user))
		return ns_fail(err, "invalid user name");
	buf = calloc(1, cap);
	if (buf == NULL)
		return ns_fail(err, "out of memory");
	off += (size_t)snprintf(buf, cap, "# npm-release enrolment for %s; managed by npm-release "
	                                  "enroll\n", a->user);
	if (a->has_totp) {
		if (ns_totp_key_format(&a->totp, buf + off, cap - off - 1, err) != 0) {
			ns_free_secret(buf, cap);
			return -1;
		}
		off += strlen(buf + off);
		buf[off++] = '\n';
	}
	for (i = 0; i < a->n_fido2; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s\n", a->fido2[i]);
	for (i = 0; i < a->n_sshsk; i++)
		off += (size_t)snprintf(buf + off, cap - off, "%s\n", a->sshsk[i]);
	snprintf(shown, sizeof(shown), "%s/approvers", ns_state_path(st));
	rc = sf_write_atomic(ns_state_approversfd(st), shown, a->user, buf, off, 0600, err);
	ns_free_secret(buf, cap);
	return rc;
}

void
ns_approver_wipe(struct ns_approver *a)
{
	size_t i;

	for (i = 0; i < a->n_fido2; i++)
		free(a->fido2[i]);
	for (i = 0; i < a->n_sshsk; i++)
		free(a->sshsk[i]);
	explicit_bzero(a, sizeof(*a));
}
