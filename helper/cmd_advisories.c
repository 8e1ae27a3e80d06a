/* npm-release advisories index DIR [-o FILE]: builds the advisory index an
 * audit reads instead of parsing every OSV file.
 * npm-release advisories update [--from ZIP] INDEX: replaces the index file INDEX
 * with one built from OSV's zip export (downloaded from [audit] osv_url, or a local
 * copy), atomically; run by root it is recorded in the ledger. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "advisories_fetch.h"
#include "commands.h"
#include "nsconfig.h"
#include "nslog.h"
#include "session.h"
#include "../checks/advisory_index.h"

static int
usage(void)
{
	fprintf(stderr, "usage: npm-release advisories index DIR [-o FILE]\n"
	                "       npm-release advisories update [--from ZIP] INDEX\n");
	return NS_EXIT_USAGE;
}

static int
cmd_index(int argc, char **argv)
{
	struct ns_advidx_stats st;
	struct ns_err err = { "" };
	const char *out = NULL;
	char shown[512];

	if (argc == 5 && strcmp(argv[3], "-o") == 0)
		out = argv[4];
	else if (argc != 3)
		return usage();
	if (ns_advidx_build(argv[2], out, &st, &err) < 0) {
		ns_sanitize(shown, sizeof(shown), err.msg);
		fprintf(stderr, "npm-release advisories index: %s\n", shown);
		return NS_EXIT_FAIL;
	}
	printf("indexed %zu OSV files (%zu withdrawn): %zu package advisories\n", st.files,
	    st.withdrawn, st.advisories);
	return NS_EXIT_OK;
}

/* The update in the ledger, when root ran it (the ledger is root's). */
static int
record_update(const char *index, const char *origin, const struct ns_advidx_stats *st)
{
	struct session s;
	int rc;

	if (session_open(&s, NS_SESSION_CREATE) != 0)
		return -1;
	rc = session_ledger(&s, "advisories-update", "{\"index\":\"%s\",\"source\":\"%s\","
	    "\"records\":%zu,\"withdrawn\":%zu,\"added\":%ld,\"changed\":%ld,"
	    "\"newly_withdrawn\":%ld}", index, origin, st->files, st->withdrawn, st->added,
	    st->changed, st->newly_withdrawn);
	session_close(&s);
	return rc;
}

static int
cmd_update(int argc, char **argv)
{
	struct ns_advidx_stats st;
	struct ns_err err = { "" };
	const char *from = NULL, *index, *origin;
	struct ns_config *cfg = NULL;
	char shown[512], zip[4200] = "", abs[PATH_MAX];
	int rc = NS_EXIT_FAIL;

	if (argc == 5 && strcmp(argv[2], "--from") == 0)
		from = argv[3];
	else if (argc != 3)
		return usage();
	index = argv[argc - 1];
	if (from == NULL) {
		int fd;

		if ((cfg = ns_config_load(session_config_path, &err)) == NULL)
			goto fail;
		if (cfg->osv_url == NULL) {
			ns_fail(&err, "no [audit] osv_url in %s: set it, or give --from ZIP",
			    session_config_path);
			goto fail;
		}
		/* beside the index, the caller's own file, gone when the update ends */
		if (snprintf(zip, sizeof(zip), "%s.download%ld", index, (long)getpid()) >=
		    (int)sizeof(zip)) {
			ns_fail(&err, "index path too long");
			goto fail;
		}
		unlink(zip);
		if ((fd = open(zip, O_RDWR | O_CREAT | O_EXCL | O_NOFOLLOW | O_CLOEXEC, 0600)) < 0) {
			ns_fail(&err, "%s: %s", zip, strerror(errno));
			zip[0] = '\0';
			goto fail;
		}
		if (advisories_fetch(cfg->osv_url, fd, &err) < 0 || fsync(fd) < 0) {
			close(fd);
			goto fail;
		}
		close(fd);
		from = zip;
		origin = cfg->osv_url;
	} else
		origin = realpath(from, abs) != NULL ? abs : from;
	if (ns_advidx_import_zip(from, origin, index, &st, &err) < 0)
		goto fail;
	ns_sanitize(shown, sizeof(shown), index);
	printf("updated %s: %zu OSV records (%zu withdrawn), %zu package advisories "
	    "(%zu malicious-package)\n", shown, st.files, st.withdrawn, st.advisories, st.malware);
	if (st.added >= 0)
		printf("since the previous index: %ld added, %ld changed, %ld withdrawn\n", st.added,
		    st.changed, st.newly_withdrawn);
	else
		printf("since the previous index: unknown (it was not an index of this version)\n");
	rc = NS_EXIT_OK;
	if (getuid() == 0 && record_update(index, origin, &st) < 0) {
		fprintf(stderr, "npm-release advisories update: the index is updated, but recording "
		    "that in the ledger failed\n");
		rc = NS_EXIT_FAIL;
	}
	goto out;
fail:
	ns_sanitize(shown, sizeof(shown), err.msg);
	fprintf(stderr, "npm-release advisories update: %s (the previous index is unchanged)\n",
	    shown);
out:
	if (zip[0] != '\0')
		unlink(zip);
	ns_config_free(cfg);
	return rc;
}

int
cmd_advisories(int argc, char **argv)
{
	char shown[128];

	if (argc >= 2 && strcmp(argv[1], "index") == 0)
		return cmd_index(argc, argv);
	if (argc >= 2 && strcmp(argv[1], "update") == 0)
		return cmd_update(argc, argv);
	if (argc < 2)
		return usage();
	ns_sanitize(shown, sizeof(shown), argv[1]);
	fprintf(stderr, "npm-release advisories: unknown subcommand \"%s\"\n", shown);
	return NS_EXIT_USAGE;
}
