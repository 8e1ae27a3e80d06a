/* npm-release provenance: an npm attestations document or one Sigstore bundle against
 * the exact tarball, with an optional identity policy (npm-release(8), PROVENANCE).
 * Runs as the caller; needs no state and no network. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "commands.h"
#include "digest.h"
#include "sanitize.h"
#include "../checks/integrity.h"
#include "../checks/sigstore.h"

static int
usage(void)
{
	fprintf(stderr, "usage: npm-release provenance [--json] --trusted-root FILE "
	    "[--registry-keys FILE]\n       [--repository URL] [--workflow PATH] [--ref GLOB] "
	    "[--issuer URL] ATTESTATIONS TARBALL\n");
	return NS_EXIT_USAGE;
}

static void
complain(const char *a, const char *b)
{
	char x[600], y[600];

	ns_sanitize(x, sizeof(x), a);
	ns_sanitize(y, sizeof(y), b != NULL ? b : "");
	fprintf(stderr, "npm-release provenance: %s%s%s\n", x, b != NULL ? ": " : "", y);
}

/* The package's name, version and SHA-512 from the tarball itself, through the same
 * bounded reader as verify. */
static int
tarball_subject(const char *path, char **name, char **version, char hex[129])
{
	struct ns_verify_opts o;
	struct ns_err err = { "" };
	json_t *rep = NULL;
	const char *sri;
	unsigned char *raw = NULL;
	size_t rawlen = 0;
	int fd, r = -1;

	if ((fd = open(path, O_RDONLY | O_CLOEXEC | O_NOCTTY)) < 0) {
		complain(path, strerror(errno));
		return -1;
	}
	ns_verify_opts_init(&o);
	if (ns_verify_fd(fd, &o, &rep, &err) < 0) {
		close(fd);
		complain(path, err.msg);
		return -1;
	}
	close(fd);
	*name = (char *)json_string_value(json_object_get(json_object_get(rep, "package"), "name"));
	*version = (char *)json_string_value(json_object_get(json_object_get(rep, "package"),
	                                                     "version"));
	sri = json_string_value(json_object_get(json_object_get(rep, "integrity"), "sha512"));
	if (*name == NULL || *version == NULL || sri == NULL || strncmp(sri, "sha512-", 7) != 0 ||
	    ns_b64_decode(sri + 7, strlen(sri + 7), &raw, &rawlen) != 0 || rawlen != 64)
		complain(path, "no package.json name and version, or no SHA-512");
	else if ((*name = strdup(*name)) == NULL || (*version = strdup(*version)) == NULL)
		complain("out of memory", NULL);
	else {
		ns_hex(raw, 64, hex);
		r = 0;
	}
	free(raw);
	json_decref(rep);
	return r;
}

static const char *
jget(const json_t *o, const char *k)
{
	const char *s = json_string_value(json_object_get(o, k));

	return s != NULL ? s : "?";
}

/* One line per attestation and a verdict; every line sanitised. */
static void
print_human(const json_t *report)
{
	const json_t *a, *subj = json_object_get(report, "subject");
	char raw[1400], line[1400];
	size_t k;

	json_array_foreach(json_object_get(report, "attestations"), k, a) {
		const json_t *id = json_object_get(a, "identity");
		const char *pt = json_is_string(json_object_get(a, "predicateType")) ?
		                 jget(a, "predicateType") : "(statement not reached)";

		if (json_is_string(json_object_get(a, "reason")))
			snprintf(raw, sizeof(raw), "%s %s: %s", jget(a, "result"), pt, jget(a, "reason"));
		else if (json_is_string(json_object_get(id, "san")))
			snprintf(raw, sizeof(raw), "%s %s: repository %s workflow %s ref %s commit %s "
			         "(issuer %s)", jget(a, "result"), pt,
			         jget(id, "repository"), jget(id, "workflow"), jget(id, "ref"),
			         jget(id, "commit"), jget(id, "issuer"));
		else
			snprintf(raw, sizeof(raw), "%s %s: signed by a registry key", jget(a, "result"), pt);
		ns_sanitize(line, sizeof(line), raw);
		printf("%s\n", line);
	}
	snprintf(raw, sizeof(raw), "provenance of %s@%s: %s%s%s", jget(subj, "name"),
	         jget(subj, "version"), jget(report, "result"),
	         json_is_string(json_object_get(report, "reason")) ? ": " : "",
	         json_is_string(json_object_get(report, "reason")) ? jget(report, "reason") : "");
	ns_sanitize(line, sizeof(line), raw);
	printf("%s\n", line);
}

int
cmd_provenance(int argc, char **argv)
{
	struct ns_prov_policy pol = { NULL, NULL, NULL, NULL };
	const char *root = NULL, *keyfile = NULL, *pos[2];
	struct ns_trust trust;
	struct ns_regkeys keys = { NULL, 0 };
	struct ns_prov_expect ex;
	struct ns_err err = { "" };
	char hex[129], *name = NULL, *version = NULL, *buf = NULL;
	size_t len, npos = 0;
	int i, json = 0, rc = NS_EXIT_USAGE;
	json_t *report = NULL;

	for (i = 1; i < argc; i++) {
		const char *a = argv[i];
		const char **slot = NULL;

		if (strcmp(a, "--json") == 0) {
			json = 1;
			continue;
		}
		if (strcmp(a, "--trusted-root") == 0)
			slot = &root;
		else if (strcmp(a, "--registry-keys") == 0)
			slot = &keyfile;
		else if (strcmp(a, "--repository") == 0)
			slot = &pol.repository;
		else if (strcmp(a, "--workflow") == 0)
			slot = &pol.workflow;
		else if (strcmp(a, "--ref") == 0)
			slot = &pol.ref_glob;
		else if (strcmp(a, "--issuer") == 0)
			slot = &pol.issuer;
		if (slot != NULL) {
			if (i + 1 >= argc || *slot != NULL || argv[i + 1][0] == '\0')
				return usage();
			*slot = argv[++i];
		} else if (a[0] == '-' || npos == 2)
			return usage();
		else
			pos[npos++] = a;
	}
	if (npos != 2 || root == NULL)
		return usage();
	if (ns_trust_load(root, &trust, &err) != 0) {
		complain(err.msg, NULL);
		return NS_EXIT_USAGE;
	}
	if (keyfile != NULL && ns_regkeys_load(keyfile, &keys, &err) != 0) {
		complain(err.msg, NULL);
		goto out;
	}
	rc = NS_EXIT_FAIL;
	if (ns_read_small_file(pos[0], &buf, &len, &err) != 0) {
		complain(err.msg, NULL);
		goto out;
	}
	if (tarball_subject(pos[1], &name, &version, hex) != 0)
		goto out;
	ex.name = name;
	ex.version = version;
	ex.sha512_hex = hex;
	if (ns_prov_verify(buf, len, &trust, &keys, &ex, &pol, &report, &err) < 0) {
		complain(err.msg, NULL);
		goto out;
	}
	if (json) {
		json_dumpf(report, stdout, JSON_INDENT(2) | JSON_ENSURE_ASCII);
		fputc('\n', stdout);
	} else
		print_human(report);
	rc = strcmp(json_string_value(json_object_get(report, "result")), "pass") == 0 ?
	     NS_EXIT_OK : NS_EXIT_FAIL;
out:
	json_decref(report);
	free(buf);
	free(name);
	free(version);
	ns_regkeys_free(&keys);
	ns_trust_free(&trust);
	return rc;
}
