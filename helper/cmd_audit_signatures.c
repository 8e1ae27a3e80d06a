/* npm-release audit --signatures: the registry signatures of a lockfile's registry
 * dependencies against the pinned registry keys (npm-release-audit(8), SIGNATURES).
 * Runs as the caller, like the rest of audit: the registry URL and the keys come
 * from the command line or, when not given there, from the configuration (its
 * registry_keys opened with approve's checks); the registry is asked anonymously,
 * as for the bulk advisories (the read token is root's). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "nsconfig.h"
#include "registry.h"
#include "sanitize.h"
#include "secure_file.h"
#include "session.h"
#include "../checks/audit_signatures.h"
#include "../checks/lockfile.h"

/* A packument is bounded: the largest of the public registry's run to tens of MiB. */
#define PACKUMENT_MAX (64 * 1024 * 1024)

static void
complain(const char *what, const char *detail)
{
	char a[600], b[600];

	ns_sanitize(a, sizeof(a), what);
	ns_sanitize(b, sizeof(b), detail != NULL ? detail : "");
	fprintf(stderr, "npm-release audit --signatures: %s%s%s\n", a, detail ? ": " : "", b);
}

static int
usage(void)
{
	fprintf(stderr, "usage: npm-release audit --signatures [--json] [--omit dev|optional|peer]"
	    "...\n       [--registry URL] [--registry-keys FILE] --lockfile FILE\n");
	return NS_EXIT_USAGE;
}

/* GET /<name>: the full packument (accept: application/json, so time[] is there). */
static int
fetch_packument(void *ctx, const char *name, json_t **doc, char *why, size_t cap)
{
	struct reg_client *c = ctx;
	struct reg_response resp;
	struct ns_err err = { "" };
	char esc[600], path[620];
	json_error_t je;

	memset(&resp, 0, sizeof(resp));
	*doc = NULL;
	if (reg_escape_name(name, esc, sizeof(esc)) != 0) {
		snprintf(why, cap, "not a package name a registry path can hold");
		return 1;
	}
	snprintf(path, sizeof(path), "/%s", esc);
	if (reg_request(c, "GET", path, NULL, NULL, NULL, NULL, NULL, 0, PACKUMENT_MAX, &resp,
	                &err) != 0) {
		snprintf(why, cap, "cannot fetch its packument: %s", err.msg);
		reg_response_clear(&resp);
		return 1;
	}
	if (resp.status == 200 &&
	    (*doc = json_loadb(resp.body, resp.len, JSON_REJECT_DUPLICATES, &je)) == NULL)
		snprintf(why, cap, "its packument is not JSON (line %d: %s)", je.line, je.text);
	else if (resp.status == 404)
		snprintf(why, cap, "the registry does not have it (404)");
	else if (resp.status != 200)
		snprintf(why, cap, "the registry answered %ld for its packument", resp.status);
	reg_response_clear(&resp);
	return *doc != NULL ? 0 : 1;
}

/* The pinned keys from the configuration, opened as approve opens them. */
static int
config_keys(const char *path, struct ns_regkeys *keys, struct ns_err *err)
{
	char *buf = NULL;
	size_t len = 0;
	json_t *j;
	int r;

	if (sf_read_file(path, 022, NS_SIG_MAX_FILE, &buf, &len, err) != 0) {
		char why[sizeof(err->msg)];

		memcpy(why, err->msg, sizeof(why));
		return ns_fail(err, "[provenance] registry_keys: %s", why);
	}
	j = json_loadb(buf, len, JSON_REJECT_DUPLICATES, NULL);
	free(buf);
	if (j == NULL)
		return ns_fail(err, "[provenance] registry_keys: %s: not JSON", path);
	r = ns_regkeys_parse(j, keys, err);
	json_decref(j);
	return r;
}

int
cmd_audit_signatures(int argc, char **argv)
{
	const char *lockfile = NULL, *registry = NULL, *keyfile = NULL;
	struct ns_config *cfg = NULL;
	struct ns_regkeys keys = { NULL, 0 };
	struct reg_client *c = NULL;
	struct ns_err err = { "" };
	unsigned omit = 0;
	int i, json = 0, fd = -1, rc = NS_EXIT_USAGE, r;
	json_t *report = NULL;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];

		if (strcmp(a, "--signatures") == 0)
			continue;
		else if (strcmp(a, "--json") == 0)
			json = 1;
		else if (strcmp(a, "--lockfile") == 0 && i + 1 < argc && lockfile == NULL)
			lockfile = argv[++i];
		else if (strcmp(a, "--registry") == 0 && i + 1 < argc && registry == NULL)
			registry = argv[++i];
		else if (strcmp(a, "--registry-keys") == 0 && i + 1 < argc && keyfile == NULL)
			keyfile = argv[++i];
		else if (strcmp(a, "--omit") == 0 && i + 1 < argc) {
			const char *k = argv[++i];

			if (strcmp(k, "dev") == 0)
				omit |= NS_LOCK_OMIT_DEV;
			else if (strcmp(k, "optional") == 0)
				omit |= NS_LOCK_OMIT_OPTIONAL;
			else if (strcmp(k, "peer") == 0)
				omit |= NS_LOCK_OMIT_PEER;
			else
				return usage();
		} else
			return usage();   /* the advisory options belong to the other audit */
	}
	if (lockfile == NULL)
		return usage();
	if (registry != NULL && strncmp(registry, "http://", 7) != 0 &&
	    strncmp(registry, "https://", 8) != 0) {
		complain("--registry must be http(s)://", NULL);
		return NS_EXIT_USAGE;
	}
	if (registry == NULL || keyfile == NULL) {
		if ((cfg = ns_config_load(session_config_path, &err)) == NULL) {
			complain(err.msg, "give --registry and --registry-keys, or fix it");
			return NS_EXIT_USAGE;
		}
		if (registry == NULL && (registry = cfg->registry_url) == NULL) {
			complain("no --registry and no [registry] url configured", NULL);
			goto out;
		}
		if (keyfile == NULL && cfg->registry_keys == NULL) {
			complain("no --registry-keys and no [provenance] registry_keys configured",
			         NULL);
			goto out;
		}
	}
	if ((keyfile != NULL ? ns_regkeys_load(keyfile, &keys, &err) :
	     config_keys(cfg->registry_keys, &keys, &err)) != 0) {
		complain(err.msg, NULL);
		goto out;
	}
	if ((fd = open(lockfile, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		complain(lockfile, strerror(errno));
		goto out;
	}
	if ((c = reg_new(registry, cfg != NULL ? cfg->ca_file : NULL,
	                 cfg != NULL ? cfg->registry_timeout : 60, &err)) == NULL) {
		complain(err.msg, NULL);
		goto out;
	}
	r = ns_audit_signatures(fd, omit, &keys, fetch_packument, c, &report, &err);
	if (r < 0) {
		complain("cannot audit", err.msg);
		goto out;
	}
	if (json) {
		char reg[600];

		ns_sanitize(reg, sizeof(reg), registry);
		json_object_set_new(report, "registry", json_string(reg));
		json_dumpf(report, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
	} else
		ns_audit_signatures_print(stdout, report, registry);
	rc = r == 0 ? NS_EXIT_OK : NS_EXIT_FAIL;
out:
	json_decref(report);
	reg_free(c);
	if (fd >= 0)
		close(fd);
	ns_regkeys_free(&keys);
	ns_config_free(cfg);
	return rc;
}
