/* npm-release token set|list|remove [--read]: stores the release token (and
 * optionally the release account's registry 2FA seed) root-only, read from
 * standard input so that it never appears in argv or the environment; lists which
 * token files exist with owner and mode (never their contents); removes one.
 * set and remove: root only; list: root and approvers. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <jansson.h>
#include <libgen.h>
#include <pwd.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "commands.h"
#include "pam_gate.h"
#include "secure_file.h"
#include "session.h"
#include "token_store.h"

static int
read_stdin(char *buf, size_t cap)
{
	size_t off = 0;
	ssize_t n;

	while (off + 1 < cap && (n = read(STDIN_FILENO, buf + off, cap - 1 - off)) > 0)
		off += (size_t)n;
	buf[off] = '\0';
	if (off + 1 >= cap)
		return -1;
	return 0;
}

/* One token file's presence, owner and mode; lstat so that a link shows as one. */
static json_t *
token_file_info(const char *kind, const char *path)
{
	struct stat sb;
	struct passwd *pw;
	char mode[8];

	if (path == NULL)
		return json_pack("{s:s, s:n, s:b}", "kind", kind, "path", "configured", 0);
	if (lstat(path, &sb) != 0)
		return json_pack("{s:s, s:s, s:b, s:b, s:s}", "kind", kind, "path", path,
		                 "configured", 1, "exists", 0, "error", strerror(errno));
	pw = getpwuid(sb.st_uid);
	snprintf(mode, sizeof(mode), "%04o", (unsigned)(sb.st_mode & 07777));
	return json_pack("{s:s, s:s, s:b, s:b, s:s, s:s, s:b, s:I, s:b}", "kind", kind, "path",
	                 path, "configured", 1, "exists", 1, "owner", pw ? pw->pw_name : "?",
	                 "mode", mode, "regular", S_ISREG(sb.st_mode), "size",
	                 (json_int_t)sb.st_size, "safe",
	                 S_ISREG(sb.st_mode) && sb.st_uid == 0 && (sb.st_mode & 077) == 0);
}

static int
token_list(struct session *s, int json)
{
	json_t *arr = json_array();
	json_t *it;
	size_t i;

	if (arr == NULL)
		return NS_EXIT_FAIL;
	json_array_append_new(arr, token_file_info("release", s->cfg->token_file));
	json_array_append_new(arr, token_file_info("read", s->cfg->read_token_file));
	if (json) {
		char *text = json_dumps(arr, JSON_INDENT(2));
		printf("%s\n", text ? text : "[]");
		free(text);
	} else {
		json_array_foreach(arr, i, it) {
			const char *kind = json_string_value(json_object_get(it, "kind"));
			const char *path = json_string_value(json_object_get(it, "path"));
			if (path == NULL)
				printf("%-8s not configured\n", kind);
			else if (!json_is_true(json_object_get(it, "exists")))
				printf("%-8s %s  missing\n", kind, path);
			else
				printf("%-8s %s  %s %s %lld bytes%s\n", kind, path,
				       json_string_value(json_object_get(it, "owner")),
				       json_string_value(json_object_get(it, "mode")),
				       (long long)json_integer_value(json_object_get(it, "size")),
				       json_is_true(json_object_get(it, "safe")) ? "" :
				       "  UNSAFE: must be a regular file, root-owned, mode 0600");
		}
	}
	json_decref(arr);
	return NS_EXIT_OK;
}

/* An approver of at least one scope (the same test session_is_member makes). */
static int
caller_approves_some_scope(const struct session *s)
{
	size_t i;

	for (i = 0; i < s->cfg->n_scopes; i++)
		if (ns_scope_allows(&s->cfg->scopes[i], s->caller))
			return 1;
	return 0;
}

static int
token_remove(struct session *s, const char *path, int read_token)
{
	if (unlink(path) != 0) {
		fprintf(stderr, "npm-release: %s: %s\n", path, strerror(errno));
		return NS_EXIT_FAIL;
	}
	session_ledger(s, "token-remove", "{\"file\":\"%s\",\"by\":\"%s\"}", path, s->caller);
	fprintf(stderr, "removed the %s token %s\n", read_token ? "read" : "release", path);
	return NS_EXIT_OK;
}

int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = { { "read", no_argument, NULL, 'r' },
		                              { "json", no_argument, NULL, 'j' },
		                              { NULL, 0, NULL, 0 } };
	struct session s;
	struct ns_token parsed;
	struct ns_err err;
	char *input = NULL, dir[PATH_MAX], base[PATH_MAX];
	const char *path;
	const char *sub;
	int c, read_token = 0, json = 0, rc = NS_EXIT_FAIL, dfd = -1;
	size_t cap = 3 * NS_TOKEN_MAX;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			read_token = 1;
		else if (c == 'j')
			json = 1;
		else
			return NS_EXIT_USAGE;
	}
	sub = optind == argc - 1 ? argv[optind] : "";
	if (strcmp(sub, "set") != 0 && strcmp(sub, "list") != 0 && strcmp(sub, "remove") != 0) {
		fprintf(stderr, "usage: npm-release token set [--read] < file\n"
		                "       npm-release token list [--json]\n"
		                "       npm-release token remove [--read]\n"
		                "  stdin: 'token <value>' and optionally 'totp sha1 6 30 <base32>'\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, NS_SESSION_CREATE |
	                         (strcmp(sub, "list") != 0 ? NS_SESSION_ADMIN : 0)) != 0)
		return NS_EXIT_USAGE;
	if (strcmp(sub, "list") == 0) {
		/* Where the tokens are and how they are guarded is for root and the
		 * approvers, not for every member (a stager is one). */
		if (!s.caller_is_root && !caller_approves_some_scope(&s)) {
			fprintf(stderr, "npm-release: only root and approvers may list token files\n");
			goto out;
		}
		rc = token_list(&s, json);
		goto out;
	}
	if (!s.caller_is_admin) {
		fprintf(stderr, "npm-release: only root may %s tokens\n",
		        sub[0] == 's' ? "store" : "remove");
		goto out;
	}
	path = read_token ? s.cfg->read_token_file : s.cfg->token_file;
	if (path == NULL) {
		fprintf(stderr, "npm-release: no [registry] %s configured\n",
		        read_token ? "read_token_file" : "token_file");
		goto out;
	}
	if (strcmp(sub, "remove") == 0) {
		rc = token_remove(&s, path, read_token);
		goto out;
	}
	input = calloc(1, cap);
	if (input == NULL || read_stdin(input, cap) != 0) {
		fprintf(stderr, "npm-release: token input too long\n");
		goto out;
	}
	if (ns_token_parse(input, &parsed, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	if (read_token && parsed.has_otp) {
		fprintf(stderr, "npm-release: a read token must not carry a 2FA seed\n");
		ns_token_wipe(&parsed);
		goto out;
	}
	ns_token_wipe(&parsed);
	snprintf(dir, sizeof(dir), "%s", path);
	snprintf(base, sizeof(base), "%s", path);
	dfd = sf_open_dir(dirname(dir), 022, &err);
	if (dfd < 0 || sf_write_atomic(dfd, dir, basename(base), input, strlen(input), 0600, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	session_ledger(&s, "token-set", "{\"file\":\"%s\",\"by\":\"%s\"}", path, s.caller);
	fprintf(stderr, "stored %s token in %s\n", read_token ? "read" : "release", path);
	rc = NS_EXIT_OK;
out:
	if (dfd >= 0)
		close(dfd);
	if (input != NULL)
		ns_free_secret(input, cap);
	session_close(&s);
	return rc;
}
