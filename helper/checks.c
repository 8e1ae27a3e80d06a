#include "config.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "digest.h"
#include "manifest.h"
#include "nslog.h"
#include "privsep.h"
#include "spool.h"

struct child_arg {
	int fd;
	const struct ns_release *r;
};

static json_t *
check(const char *id, const char *status, const char *message)
{
	return json_pack("{ssssss}", "id", id, "status", status, "message", message);
}

/* In the child: the manifest and its identity against the stage record. */
static json_t *
child_checks(void *p, struct ns_err *err)
{
	const struct child_arg *a = p;
	const char *name, *version;
	json_t *m, *out, *checks;
	char msg[600];

	if (lseek(a->fd, 0, SEEK_SET) != 0) {
		ns_fail(err, "spool: cannot rewind");
		return NULL;
	}
	out = json_object();
	checks = json_array();
	json_object_set_new(out, "checks", checks);
	m = manifest_read_fd(a->fd, err);
	if (m == NULL) {
		json_array_append_new(checks, check("manifest.present", "fail", err->msg));
		return out;
	}
	name = json_string_value(json_object_get(m, "name"));
	version = json_string_value(json_object_get(m, "version"));
	if (name == NULL || !npm_name_valid(name)) {
		json_array_append_new(checks, check("manifest.name", "fail",
		                                    "package.json name missing or invalid"));
	} else if (strcmp(name, a->r->name) != 0) {
		snprintf(msg, sizeof(msg), "package.json names %.214s, the stage record %.214s",
		         name, a->r->name);
		json_array_append_new(checks, check("manifest.name", "fail", msg));
	} else {
		json_array_append_new(checks, check("manifest.name", "pass", name));
	}
	if (version == NULL || !npm_version_valid(version)) {
		json_array_append_new(checks, check("manifest.version", "fail",
		                                    "package.json version missing or not strict semver"));
	} else if (strcmp(version, a->r->version) != 0) {
		snprintf(msg, sizeof(msg), "package.json has %.256s, the stage record %.256s", version,
		         a->r->version);
		json_array_append_new(checks, check("manifest.version", "fail", msg));
	} else {
		json_array_append_new(checks, check("manifest.version", "pass", version));
	}
	if (json_is_true(json_object_get(m, "private")))
		json_array_append_new(checks, check("manifest.private", "fail",
		                                    "package.json says \"private\": true"));
	json_object_set_new(out, "package", json_pack("{s:s?,s:s?}", "name", name, "version", version));
	json_decref(m);
	return out;
}

json_t *
checks_run(struct session *s, const struct ns_release *r, struct ns_err *err)
{
	char sri[NS_SRI_SHA512_LEN + 1], sha1[41], msg[300];
	struct child_arg a;
	json_t *child, *report, *checks, *c;
	long long size;
	size_t i;
	int failed = 0;

	a.r = r;
	a.fd = spool_open(s->st, r->id, err);
	if (a.fd < 0)
		return NULL;
	size = ns_digest_fd(a.fd, sri, sha1, err);
	if (size < 0) {
		close(a.fd);
		return NULL;
	}
	checks = json_array();
	/* Digest: the exact bytes against the stage record. */
	if (r->shasum[0] != '\0' && strcmp(sha1, r->shasum) != 0) {
		snprintf(msg, sizeof(msg), "sha1 %s differs from the stage record's %s", sha1, r->shasum);
		json_array_append_new(checks, check("digest.sha1", "fail", msg));
	} else {
		json_array_append_new(checks, check("digest.sha1", "pass", sha1));
	}
	if (r->integrity[0] != '\0' && strcmp(sri, r->integrity) != 0)
		json_array_append_new(checks, check("digest.sha512", "fail",
		                                    "sha512 differs from the recorded integrity"));
	else
		json_array_append_new(checks, check("digest.sha512", "pass", sri));
	child = privsep_run(child_checks, &a, 64 * 1024 * 1024, err);
	close(a.fd);
	if (child == NULL) {
		json_decref(checks);
		return NULL;
	}
	json_array_extend(checks, json_object_get(child, "checks"));
	json_array_foreach(checks, i, c) {
		if (strcmp(json_string_value(json_object_get(c, "status")), "fail") == 0)
			failed = 1;
	}
	report = json_pack("{sss{ssss}s{ssss}so}", "result", failed ? "fail" : "pass",
	                   "package", "name", r->name, "version", r->version,
	                   "integrity", "sha512", sri, "sha1", sha1, "checks", checks);
	json_decref(child);
	if (report == NULL)
		ns_fail(err, "out of memory");
	return report;
}

void
checks_print(const json_t *report)
{
	const json_t *c;
	char clean[1024];
	size_t i;

	json_array_foreach(json_object_get(report, "checks"), i, c) {
		const char *st = json_string_value(json_object_get(c, "status"));
		if (st == NULL || strcmp(st, "pass") == 0)
			continue;
		ns_sanitize(clean, sizeof(clean),
		            json_string_value(json_object_get(c, "message")) ?
		            json_string_value(json_object_get(c, "message")) : "");
		fprintf(stderr, "  %s %s: %s\n", st, json_string_value(json_object_get(c, "id")), clean);
	}
	fprintf(stderr, "checks: %s\n", json_string_value(json_object_get(report, "result")));
}

struct ident_arg {
	int fd;
};

static json_t *
child_identify(void *p, struct ns_err *err)
{
	const struct ident_arg *a = p;
	json_t *m = manifest_read_fd(a->fd, err), *out;

	if (m == NULL)
		return NULL;
	out = json_pack("{s:O?,s:O?}", "name", json_object_get(m, "name"), "version",
	                json_object_get(m, "version"));
	json_decref(m);
	return out;
}

int
checks_identify(int fd, char *name, size_t ncap, char *version, size_t vcap, struct ns_err *err)
{
	struct ident_arg a = { fd };
	json_t *id = privsep_run(child_identify, &a, 65536, err);
	const char *n, *v;

	if (id == NULL)
		return -1;
	n = json_string_value(json_object_get(id, "name"));
	v = json_string_value(json_object_get(id, "version"));
	if (n == NULL || !npm_name_valid(n) || strlen(n) >= ncap) {
		json_decref(id);
		return ns_fail(err, "package.json: name missing or not a valid npm package name");
	}
	if (v == NULL || !npm_version_valid(v) || strlen(v) >= vcap) {
		json_decref(id);
		return ns_fail(err, "package.json: version missing or not strict semver");
	}
	snprintf(name, ncap, "%s", n);
	snprintf(version, vcap, "%s", v);
	json_decref(id);
	return 0;
}

static json_t *
child_manifest(void *p, struct ns_err *err)
{
	const struct ident_arg *a = p;

	return manifest_read_fd(a->fd, err);
}

json_t *
checks_manifest(struct session *s, const struct ns_release *r, struct ns_err *err)
{
	struct ident_arg a;
	json_t *m;

	a.fd = spool_open(s->st, r->id, err);
	if (a.fd < 0)
		return NULL;
	m = privsep_run(child_manifest, &a, 2 * NS_MANIFEST_MAX, err);
	close(a.fd);
	return m;
}
