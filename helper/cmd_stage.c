/* npm-release stage [--tag TAG] [--provenance BUNDLE] TARBALL: local staging for
 * registries without a staging API. The caller's files are opened with the
 * caller's rights, copied once into the root-owned spool, and never read again. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "checks.h"
#include "checks_provenance.h"
#include "commands.h"
#include "hardening.h"
#include "nslog.h"
#include "session.h"
#include "spool.h"
#include "stage_record.h"
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

struct pending_count {
	const char *stager;
	unsigned n;
};

static int
count_pending(const struct ns_release *r, void *p)
{
	struct pending_count *c = p;

	if (strcmp(r->origin, NS_ORIGIN_LOCAL) == 0 && strcmp(r->staged_by, c->stager) == 0 &&
	    strcmp(r->status, "published") != 0 && strcmp(r->status, "rejected") != 0)
		c->n++;
	return 0;
}

/* [npmstage] stager_spool_max: what one stager may have waiting in the root-owned
 * spool (root is not limited). 0 below the cap, -1 refused (printed). */
static int
within_spool_cap(struct session *s)
{
	struct pending_count c = { s->caller, 0 };
	struct ns_err err;

	if (s->caller_is_root)
		return 0;
	if (ns_release_each(s->st, count_pending, &c, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return -1;
	}
	if (c.n >= s->cfg->stager_spool_max) {
		fprintf(stderr, "npm-release: %s already has %u local releases waiting "
		        "([npmstage] stager_spool_max = %u); an approver must approve or reject one "
		        "first\n", s->caller, c.n, s->cfg->stager_spool_max);
		return -1;
	}
	return 0;
}

int
cmd_stage(int argc, char **argv)
{
	static const struct option opts[] = { { "tag", required_argument, NULL, 't' },
		                              { "provenance", required_argument, NULL, 'p' },
		                              { NULL, 0, NULL, 0 } };
	const char *tag = "latest", *bundle_path = NULL;
	struct open_arg ob = { NULL, -1, 0 };
	char btmp[64] = "", bundle_sha[65] = "", media[80], *compact = NULL;
	size_t clen = 0;
	int bfd = -1;
	char shown[256], tmp[64] = "";
	struct session s;
	struct ns_release r;
	struct open_arg oa = { NULL, -1, 0 };
	struct ns_err err;
	sigset_t quiet, old;
	int c, rc = NS_EXIT_FAIL, fd = -1, spooled = 0, blocked = 0, holding = 0;
	sigset_t held;

	while ((c = getopt_long(argc, argv, "t:", opts, NULL)) != -1) {
		if (c == 't')
			tag = optarg;
		else if (c == 'p')
			bundle_path = optarg;
		else
			return NS_EXIT_USAGE;
	}
	if (optind != argc - 1) {
		fprintf(stderr, "usage: npm-release stage [--tag TAG] [--provenance BUNDLE] TARBALL\n");
		return NS_EXIT_USAGE;
	}
	if (!stage_tag_valid(tag)) {
		ns_sanitize(shown, sizeof(shown), tag);
		fprintf(stderr, "npm-release: invalid dist-tag '%s'\n", shown);
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, NS_SESSION_CREATE) != 0)
		return NS_EXIT_USAGE;
	if (!session_may_stage(&s)) {
		fprintf(stderr, "npm-release: %s may not stage releases\n", s.caller);
		goto out;
	}
	if (within_spool_cap(&s) != 0)
		goto out;
	/* From the first spooled byte to the record: a terminal's interrupt waits,
	 * so that no failure leaves a file in the spool. */
	sigemptyset(&quiet);
	sigaddset(&quiet, SIGINT);
	sigaddset(&quiet, SIGQUIT);
	sigaddset(&quiet, SIGHUP);
	sigaddset(&quiet, SIGTERM);
	sigaddset(&quiet, SIGTSTP);
	blocked = sigprocmask(SIG_BLOCK, &quiet, &old) == 0;
	oa.path = argv[optind];
	if (as_caller(open_as_caller, &oa) != 0) {
		ns_sanitize(shown, sizeof(shown), oa.path);
		fprintf(stderr, "npm-release: %s: %s\n", shown,
		        oa.err == EINVAL ? "not a regular file" : strerror(oa.err));
		goto out;
	}
	memset(&r, 0, sizeof(r));
	if (uuid_v4(r.id, sizeof(r.id), &err) != 0 ||
	    (fd = spool_copy_fd(s.st, oa.fd, r.integrity, r.shasum, &r.size, tmp, sizeof(tmp),
	                        &err)) < 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	/* Identified while still unnamed: a refusal, and a run killed while saying
	 * so (SIGPIPE on a closed stderr), leave nothing in the spool. */
	if ((lseek(fd, 0, SEEK_SET) != 0 && ns_fail(&err, "spool: %s", strerror(errno)) != 0) ||
	    checks_identify(fd, r.name, sizeof(r.name), r.version, sizeof(r.version), &err) != 0) {
		ns_sanitize(shown, sizeof(shown), oa.path);
		fprintf(stderr, "npm-release: %s: %s\n", shown, err.msg);
		goto out;
	}
	/* The bundle, like the tarball: opened as the caller, copied (bounded) while
	 * unnamed, and read by the checker only, never parsed here. */
	if (bundle_path != NULL) {
		ob.path = bundle_path;
		ns_sanitize(shown, sizeof(shown), bundle_path);
		if (as_caller(open_as_caller, &ob) != 0) {
			fprintf(stderr, "npm-release: --provenance %s: %s\n", shown,
			        ob.err == EINVAL ? "not a regular file" : strerror(ob.err));
			goto out;
		}
		if ((bfd = spool_bundle_copy_fd(s.st, ob.fd, bundle_sha, btmp, sizeof(btmp),
		                                &err)) < 0 ||
		    (lseek(bfd, 0, SEEK_SET) != 0 && ns_fail(&err, "spool: %s", strerror(errno))) ||
		    checks_provenance_bundle_shape(bfd, media, sizeof(media), &compact, &clen,
		                                   &err) != 0 ||
		    spool_bundle_replace(bfd, compact, clen, bundle_sha, &err) != 0) {
			fprintf(stderr, "npm-release: --provenance %s: %s\n", shown, err.msg);
			goto out;
		}
	}
	/* From the name to the record nothing is written to the caller, and no signal
	 * the caller can send (a terminal's, or one relayed by sudo) cuts it short: a
	 * named spool file with no record, or a record with no ledger entry. */
	signals_hold(&held);
	holding = 1;
	if (spool_commit(s.st, fd, tmp, r.id, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	tmp[0] = '\0';
	spooled = 1;
	if (bfd >= 0 && spool_bundle_commit(s.st, bfd, btmp, r.id, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	btmp[0] = '\0';
	snprintf(r.origin, sizeof(r.origin), NS_ORIGIN_LOCAL);
	snprintf(r.tag, sizeof(r.tag), "%s", tag);
	snprintf(r.staged_by, sizeof(r.staged_by), "%s", s.caller);
	snprintf(r.status, sizeof(r.status), "staged");
	r.staged_at = (long long)time(NULL);
	if (ns_release_insert(s.st, &r, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	spooled = 0; /* recorded: the spool file belongs to the release now */
	session_ledger(&s, "stage", "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                            "\"integrity\":\"%s\",\"by\":\"%s\",\"provenance_sha256\":\"%s\"}",
	               r.id, r.name, r.version, r.integrity, s.caller, bundle_sha);
	signals_release(&held);
	holding = 0;
	printf("%s\n", r.id);
	fprintf(stderr, "staged %s@%s (tag %s) as %s\n  integrity %s\n", r.name, r.version, r.tag,
	        r.id, r.integrity);
	if (bfd >= 0)
		fprintf(stderr, "  provenance bundle %s, sha256 %s (verified by approve)\n", media,
		        bundle_sha);
	rc = NS_EXIT_OK;
out:
	if (spooled)
		spool_remove(s.st, r.id);
	if (holding)
		signals_release(&held);
	if (fd >= 0) {
		close(fd);
		spool_discard(s.st, tmp);
	}
	if (bfd >= 0) {
		close(bfd);
		spool_discard(s.st, btmp);
	}
	if (oa.fd >= 0)
		close(oa.fd);
	if (ob.fd >= 0)
		close(ob.fd);
	free(compact);
	session_close(&s);
	if (blocked)
		sigprocmask(SIG_SETMASK, &old, NULL);
	return rc;
}
