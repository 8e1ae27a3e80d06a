/* npm-release audit: the dependency audit as a command (npm-release-audit(8)). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "nslog.h"
#include "../checks/audit.h"
#include "../checks/lockfile.h"

#define MAX_SOURCES 32

/* Caller-chosen text (paths, names) reaches the terminal single-line and printable. */
static void
complain(const char *what, const char *detail)
{
	char a[512], b[512];

	ns_sanitize(a, sizeof(a), what);
	ns_sanitize(b, sizeof(b), detail != NULL ? detail : "");
	fprintf(stderr, "npm-release audit: %s%s%s\n", a, detail != NULL ? ": " : "", b);
}

static int
usage(void)
{
	fprintf(stderr, "usage: npm-release audit [--json] [--level info|low|moderate|high|"
	    "critical|none]\n       [--omit dev|optional|peer]... [--advisories DIR]... "
	    "[--bulk-url URL] [--exceptions FILE]\n       [--registry URL] (TARBALL [--lockfile FILE] | "
	    "--lockfile FILE)\n       npm-release audit --list-tree [--omit KIND]... "
	    "--lockfile FILE\n       npm-release audit --signatures [--json] [--omit KIND]... "
	    "[--registry URL]\n       [--registry-keys FILE] --lockfile FILE\n");
	return NS_EXIT_USAGE;
}

/* secure_file wants absolute paths. */
static char *
absolute(const char *p)
{
	char cwd[4096];
	char *out;
	size_t n;

	if (p[0] == '/')
		return strdup(p);
	if (getcwd(cwd, sizeof(cwd)) == NULL)
		return NULL;
	n = strlen(cwd) + strlen(p) + 2;
	if ((out = malloc(n)) != NULL)
		snprintf(out, n, "%s/%s", cwd, p);
	return out;
}

static int
omit_parse(const char *s, unsigned *omit)
{
	if (strcmp(s, "dev") == 0)
		*omit |= NS_LOCK_OMIT_DEV;
	else if (strcmp(s, "optional") == 0)
		*omit |= NS_LOCK_OMIT_OPTIONAL;
	else if (strcmp(s, "peer") == 0)
		*omit |= NS_LOCK_OMIT_PEER;
	else
		return -1;
	return 0;
}

/* --list-tree: the packages the audit would look up, one JSON object each (for
 * comparing our reading of a lockfile with npm's). */
static int
list_tree(int fd, unsigned omit)
{
	struct ns_lock lock;
	struct ns_err err = { "" };
	json_t *out;
	char *s;
	size_t i;

	if (ns_lock_parse_fd(fd, &lock, &err) < 0 || ns_lock_resolve(&lock, &err) < 0) {
		complain("lockfile refused", err.msg);
		return NS_EXIT_USAGE;
	}
	out = json_array();
	for (i = 0; i < lock.n; i++) {
		const struct ns_lock_node *n = &lock.nodes[i];

		if (ns_lock_audited(n, omit))
			json_array_append_new(out, json_pack("{s:s,s:s,s:s,s:b,s:b,s:b,s:b}",
			    "name", n->name, "version", n->version, "location", n->location,
			    "dev", n->dev, "optional", n->optional, "devOptional", n->dev_optional,
			    "peer", n->peer));
	}
	s = json_dumps(out, JSON_INDENT(1) | JSON_ENSURE_ASCII);
	if (s != NULL)
		printf("%s\n", s);
	free(s);
	json_decref(out);
	ns_lock_free(&lock);
	return NS_EXIT_OK;
}

int
cmd_audit(int argc, char **argv)
{
	struct ns_audit_opts o;
	struct ns_err err = { "" };
	const char *sources[MAX_SOURCES + 1];
	const char *lockfile = NULL, *tarball = NULL;
	char *exceptions = NULL;
	size_t nsrc = 0;
	int json = 0, list = 0, i, tfd = -1, rc;
	json_t *report = NULL;

	for (i = 1; i < argc; i++)
		if (strcmp(argv[i], "--signatures") == 0)
			return cmd_audit_signatures(argc, argv);
	ns_audit_opts_init(&o);
	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--json") == 0)
			json = 1;
		else if (strcmp(a, "--list-tree") == 0)
			list = 1;
		else if (strcmp(a, "--omit") == 0 && i + 1 < argc) {
			if (omit_parse(argv[++i], &o.omit) < 0) {
				complain("unknown --omit kind", argv[i]);
				free(exceptions);
				return NS_EXIT_USAGE;
			}
		}
		else if (strcmp(a, "--level") == 0 && i + 1 < argc) {
			if ((o.level = ns_audit_level_parse(argv[++i])) < 0) {
				complain("unknown level", argv[i]);
				return NS_EXIT_USAGE;
			}
		} else if (strcmp(a, "--advisories") == 0 && i + 1 < argc) {
			if (nsrc == MAX_SOURCES) {
				fprintf(stderr, "npm-release audit: too many --advisories\n");
				return NS_EXIT_USAGE;
			}
			sources[nsrc++] = argv[++i];
		} else if (strcmp(a, "--bulk-url") == 0 && i + 1 < argc) {
			o.bulk_url = argv[++i];
			if (strncmp(o.bulk_url, "http://", 7) != 0 &&
			    strncmp(o.bulk_url, "https://", 8) != 0) {
				fprintf(stderr, "npm-release audit: --bulk-url must be http(s)://\n");
				return NS_EXIT_USAGE;
			}
		} else if (strcmp(a, "--registry") == 0 && i + 1 < argc) {
			o.registry_url = argv[++i];
			if (strncmp(o.registry_url, "http://", 7) != 0 &&
			    strncmp(o.registry_url, "https://", 8) != 0) {
				fprintf(stderr, "npm-release audit: --registry must be http(s)://\n");
				return NS_EXIT_USAGE;
			}
		} else if (strcmp(a, "--exceptions") == 0 && i + 1 < argc) {
			free(exceptions);
			if ((exceptions = absolute(argv[++i])) == NULL) {
				perror("npm-release audit");
				return NS_EXIT_USAGE;
			}
		} else if (strcmp(a, "--lockfile") == 0 && i + 1 < argc)
			lockfile = argv[++i];
		else if (a[0] == '-' && a[1] != '\0') {
			free(exceptions);
			return usage();
		} else if (tarball == NULL)
			tarball = a;
		else {
			free(exceptions);
			return usage();
		}
	}
	sources[nsrc] = NULL;
	if (list) {
		free(exceptions);
		if (lockfile == NULL || tarball != NULL)
			return usage();
		if ((o.lockfile_fd = open(lockfile, O_RDONLY | O_CLOEXEC)) < 0) {
			complain(lockfile, strerror(errno));
			return NS_EXIT_USAGE;
		}
		rc = list_tree(o.lockfile_fd, o.omit);
		close(o.lockfile_fd);
		return rc;
	}
	if ((tarball == NULL && lockfile == NULL) || (nsrc == 0 && o.bulk_url == NULL)) {
		if (nsrc == 0 && o.bulk_url == NULL)
			fprintf(stderr, "npm-release audit: give --advisories DIR or --bulk-url URL\n");
		free(exceptions);
		return usage();
	}
	o.advisory_dirs = nsrc ? sources : NULL;
	o.exceptions_path = exceptions;
	if (exceptions != NULL && ns_audit_exceptions_check(exceptions, &err) < 0) {
		complain(err.msg, NULL);
		free(exceptions);
		return NS_EXIT_USAGE;
	}
	if (lockfile != NULL && (o.lockfile_fd = open(lockfile, O_RDONLY | O_CLOEXEC)) < 0) {
		complain(lockfile, strerror(errno));
		free(exceptions);
		return NS_EXIT_USAGE;
	}
	if (tarball != NULL && (tfd = open(tarball, O_RDONLY | O_CLOEXEC)) < 0) {
		complain(tarball, strerror(errno));
		free(exceptions);
		return NS_EXIT_USAGE;
	}
	rc = ns_audit_fd(tfd, &o, &report, &err);
	if (tfd >= 0)
		close(tfd);
	if (o.lockfile_fd >= 0)
		close(o.lockfile_fd);
	free(exceptions);
	if (rc < 0) {
		/* no verdict (a refused lockfile, an unreadable tarball or advisory
		 * source): not the "vulnerabilities found" status, and never silent */
		complain("cannot audit", err.msg);
		if (json) {
			json_t *e = json_pack("{s:s,s:s}", "result", "error", "error", err.msg);
			char *s = e != NULL ? json_dumps(e, JSON_INDENT(2) | JSON_ENSURE_ASCII) : NULL;

			if (s != NULL)
				printf("%s\n", s);
			free(s);
			json_decref(e);
		}
		return NS_EXIT_USAGE;
	}
	if (json) {
		char *s = json_dumps(report, JSON_INDENT(2) | JSON_ENSURE_ASCII);

		if (s != NULL)
			printf("%s\n", s);
		free(s);
	} else
		ns_audit_print_summary(stdout, report);
	json_decref(report);
	return rc == 0 ? NS_EXIT_OK : NS_EXIT_FAIL;
}
