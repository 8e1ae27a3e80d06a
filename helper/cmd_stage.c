/* npm-release stage [--tag TAG] TARBALL: local staging for registries without a
 * staging API. The caller's file is opened with the caller's rights, copied once
 * into the root-owned spool, and never read again. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "commands.h"
#include "hardening.h"
#include "session.h"
#include "spool.h"
#include "statement.h"
#include "uuid.h"

struct open_arg {
	const char *path;
	int fd;
	int err;
};

static int
open_as_caller(void *p)
{
	struct open_arg *a = p;
	struct stat sb;

	a->fd = open(a->path, O_RDONLY | O_CLOEXEC | O_NOCTTY | O_NONBLOCK);
	if (a->fd < 0) {
		a->err = errno;
		return -1;
	}
	if (fstat(a->fd, &sb) != 0 || !S_ISREG(sb.st_mode)) {
		close(a->fd);
		a->fd = -1;
		a->err = EINVAL;
		return -1;
	}
	return 0;
}

int
cmd_stage(int argc, char **argv)
{
	static const struct option opts[] = { { "tag", required_argument, NULL, 't' },
		                              { NULL, 0, NULL, 0 } };
	const char *tag = "latest";
	struct session s;
	struct ns_release r;
	struct open_arg oa = { NULL, -1, 0 };
	struct ns_err err;
	int c, rc = NS_EXIT_FAIL, fd;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			tag = optarg;
		else
			return NS_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: npm-release stage [--tag TAG] TARBALL\n");
		return NS_EXIT_USAGE;
	}
	if (strlen(tag) == 0 || strlen(tag) > 100 || strspn(tag, "abcdefghijklmnopqrstuvwxyz"
	                                                          "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
	                                                          "0123456789-_.") != strlen(tag) ||
	    (tag[0] >= '0' && tag[0] <= '9') || tag[0] == 'v') {
		/* npm refuses tags that are valid semver ranges; a tag starting with a digit
		 * or 'v' could be one. */
		fprintf(stderr, "npm-release: invalid dist-tag '%s'\n", tag);
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, 1) != 0)
		return NS_EXIT_USAGE;
	if (!session_may_stage(&s)) {
		fprintf(stderr, "npm-release: %s may not stage releases\n", s.caller);
		goto out;
	}
	oa.path = argv[optind];
	if (as_caller(open_as_caller, &oa) != 0) {
		fprintf(stderr, "npm-release: %s: %s\n", oa.path,
		        oa.err == EINVAL ? "not a regular file" : strerror(oa.err));
		goto out;
	}
	memset(&r, 0, sizeof(r));
	if (uuid_v4(r.id, sizeof(r.id), &err) != 0 ||
	    spool_store_fd(s.st, r.id, oa.fd, r.integrity, r.shasum, &r.size, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	fd = spool_open(s.st, r.id, &err);
	if (fd < 0 || checks_identify(fd, r.name, sizeof(r.name), r.version, sizeof(r.version),
	                              &err) != 0) {
		fprintf(stderr, "npm-release: %s: %s\n", oa.path, err.msg);
		if (fd >= 0)
			close(fd);
		goto out;
	}
	close(fd);
	snprintf(r.origin, sizeof(r.origin), NS_ORIGIN_LOCAL);
	snprintf(r.tag, sizeof(r.tag), "%s", tag);
	snprintf(r.staged_by, sizeof(r.staged_by), "%s", s.caller);
	snprintf(r.status, sizeof(r.status), "staged");
	r.staged_at = (long long)time(NULL);
	if (ns_release_insert(s.st, &r, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	session_ledger(&s, "stage", "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                            "\"integrity\":\"%s\",\"by\":\"%s\"}",
	               r.id, r.name, r.version, r.integrity, s.caller);
	printf("%s\n", r.id);
	fprintf(stderr, "staged %s@%s (tag %s) as %s\n  integrity %s\n", r.name, r.version, r.tag,
	        r.id, r.integrity);
	rc = NS_EXIT_OK;
out:
	if (oa.fd >= 0)
		close(oa.fd);
	session_close(&s);
	return rc;
}
