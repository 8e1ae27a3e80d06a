/* npm-release token set [--read]: stores the release token (and optionally the
 * release account's registry 2FA seed) root-only, read from standard input so
 * that it never appears in argv or the environment. Root only. */
#include "config.h"

#include <getopt.h>
#include <libgen.h>
#include <limits.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
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

int
cmd_token(int argc, char **argv)
{
	static const struct option opts[] = { { "read", no_argument, NULL, 'r' },
		                              { NULL, 0, NULL, 0 } };
	struct session s;
	struct ns_token parsed;
	struct ns_err err;
	char *input = NULL, dir[PATH_MAX], base[PATH_MAX];
	const char *path;
	int c, read_token = 0, rc = NS_EXIT_FAIL, dfd = -1;
	size_t cap = 3 * NS_TOKEN_MAX;

	while ((c = getopt_long(argc, argv, "", opts, NULL)) != -1) {
		if (c == 'r')
			read_token = 1;
		else
			return NS_EXIT_USAGE;
	}
	if (optind != argc - 1 || strcmp(argv[optind], "set") != 0) {
		fprintf(stderr, "usage: npm-release token set [--read] < file\n"
		                "  stdin: 'token <value>' and optionally 'totp sha1 6 30 <base32>'\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, 1) != 0)
		return NS_EXIT_USAGE;
	if (!s.caller_is_root) {
		fprintf(stderr, "npm-release: only root may store tokens\n");
		goto out;
	}
	path = read_token ? s.cfg->read_token_file : s.cfg->token_file;
	if (path == NULL) {
		fprintf(stderr, "npm-release: no [registry] %s configured\n",
		        read_token ? "read_token_file" : "token_file");
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
