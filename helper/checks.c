/* The release checks run on the spooled bytes in an unprivileged child; the parent
 * only hands over descriptors and gets one JSON report back. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "integrity.h"
#include "manifest.h"
#include "npm_name.h"
#include "nslog.h"
#include "privsep.h"
#include "spool.h"

struct child_arg {
	int fd;
	int previous_fd;
	const struct ns_release *r;
};

static json_t *
child_checks(void *p, struct ns_err *err)
{
	const struct child_arg *a = p;
	struct ns_verify_opts o;
	json_t *report = NULL;

	if (lseek(a->fd, 0, SEEK_SET) != 0 ||
	    (a->previous_fd >= 0 && lseek(a->previous_fd, 0, SEEK_SET) != 0)) {
		ns_fail(err, "spool: cannot rewind");
		return NULL;
	}
	ns_verify_opts_init(&o);
	o.expect_name = a->r->name;
	o.expect_version = a->r->version;
	o.expect_integrity = a->r->integrity[0] ? a->r->integrity : NULL;
	o.expect_shasum = a->r->shasum[0] ? a->r->shasum : NULL;
	o.previous_fd = a->previous_fd;
	if (ns_verify_fd(a->fd, &o, &report, err) < 0)
		return NULL;
	return report;
}

/* Entries under o[k], whether the diff lists them (files) or maps them (deps). */
static size_t
count(const json_t *o, const char *k)
{
	const json_t *v = json_object_get(o, k);

	return json_is_array(v) ? json_array_size(v) : json_object_size(v);
}

static size_t
changes(const json_t *o)
{
	return count(o, "added") + count(o, "removed") + count(o, "changed");
}

/* One line for the approver: what changed since the previous version. */
static void
add_diff_summary(json_t *report)
{
	const json_t *diff = json_object_get(report, "diff"), *files, *deps, *d, *prev;
	const char *kind, *pv;
	char line[1024];
	size_t off;

	if (diff == NULL)
		return;
	prev = json_object_get(diff, "previous");
	pv = json_string_value(json_object_get(prev, "version"));
	files = json_object_get(diff, "files");
	off = (size_t)snprintf(line, sizeof(line), "since %s: files +%zu -%zu ~%zu",
	                       pv ? pv : "previous", count(files, "added"), count(files, "removed"),
	                       count(files, "changed"));
	deps = json_object_get(diff, "dependencies");
	json_object_foreach((json_t *)deps, kind, d) {
		if (changes(d) > 0 && off < sizeof(line))
			off += (size_t)snprintf(line + off, sizeof(line) - off, "; %s +%zu -%zu ~%zu", kind,
			                        count(d, "added"), count(d, "removed"), count(d, "changed"));
	}
	if (changes(json_object_get(diff, "scripts")) > 0 && off < sizeof(line))
		off += (size_t)snprintf(line + off, sizeof(line) - off, "; scripts +%zu -%zu ~%zu",
		                        count(json_object_get(diff, "scripts"), "added"),
		                        count(json_object_get(diff, "scripts"), "removed"),
		                        count(json_object_get(diff, "scripts"), "changed"));
	if (changes(json_object_get(diff, "bin")) > 0 && off < sizeof(line))
		snprintf(line + off, sizeof(line) - off, "; bin changed");
	json_object_set_new(report, "diff_summary", json_string(line));
}

json_t *
checks_run(struct session *s, const struct ns_release *r, int previous_fd, struct ns_err *err)
{
	struct child_arg a;
	json_t *report;

	a.r = r;
	a.previous_fd = previous_fd;
	a.fd = spool_open(s->st, r->id, err);
	if (a.fd < 0)
		return NULL;
	report = privsep_run(child_checks, &a, 64 * 1024 * 1024, err);
	close(a.fd);
	if (report == NULL)
		return NULL;
	if (!json_is_string(json_object_get(report, "result")) ||
	    !json_is_array(json_object_get(report, "checks"))) {
		json_decref(report);
		ns_fail(err, "check report is malformed");
		return NULL;
	}
	add_diff_summary(report);
	return report;
}

void
checks_print(const json_t *report)
{
	ns_verify_print_summary(stderr, report);
	if (json_string_value(json_object_get(report, "diff_summary")) != NULL) {
		char clean[1100];
		ns_sanitize(clean, sizeof(clean),
		            json_string_value(json_object_get(report, "diff_summary")));
		fprintf(stderr, "changes %s\n", clean);
	}
}

struct ident_arg {
	int fd;
};

static json_t *
child_manifest(void *p, struct ns_err *err)
{
	const struct ident_arg *a = p;

	return manifest_read_fd(a->fd, err);
}

int
checks_identify(int fd, char *name, size_t ncap, char *version, size_t vcap, struct ns_err *err)
{
	struct ident_arg a = { fd };
	json_t *m = privsep_run(child_manifest, &a, 2 * NS_MANIFEST_MAX, err);
	const char *n, *v, *why = "missing";

	if (m == NULL)
		return -1;
	n = json_string_value(json_object_get(m, "name"));
	v = json_string_value(json_object_get(m, "version"));
	if (n == NULL || !ns_npm_name_valid(n, &why) || strlen(n) >= ncap) {
		json_decref(m);
		return ns_fail(err, "package.json: name: %s", why);
	}
	why = "missing";
	if (v == NULL || !ns_strict_version_valid(v, &why) || strlen(v) >= vcap) {
		json_decref(m);
		return ns_fail(err, "package.json: version: %s", why);
	}
	snprintf(name, ncap, "%s", n);
	snprintf(version, vcap, "%s", v);
	json_decref(m);
	return 0;
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
