/* The release checks run on the spooled bytes in an unprivileged child; the parent
 * only hands over descriptors and gets one JSON report back. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "checks.h"
#include "checks_provenance.h"
#include "audit.h"
#include "nsconfig.h"
#include "integrity.h"
#include "manifest.h"
#include "npm_name.h"
#include "nslog.h"
#include "privsep.h"
#include "spool.h"

struct child_arg {
	int fd;
	int previous_fd;
	int source_fd;                 /* the scope's source checkout, or -1 */
	int lockfile_fd;               /* its lockfile, or -1 */
	/* what the checks expect, copied: the checker gets these bytes, and nothing
	 * from the parent's stack or heap may travel with them (privsep.h) */
	char name[NS_NAME_MAX + 1];
	char version[NS_VERSION_MAX];
	char integrity[100];
	char shasum[41];
	const struct ns_config *cfg;
	const struct ns_scope *scope;
	struct prov_input prov;        /* its descriptors are in keep[] */
};

/* Messages name advisories, dependencies and paths from the package: one printable,
 * bounded line each (ns_sanitize), whoever reads the report. */
static json_t *
check(const char *id, const char *status, const char *message)
{
	char clean[600];

	ns_sanitize(clean, sizeof(clean), message);
	return json_pack("{s:s, s:s, s:s}", "id", id, "status", status, "message", clean);
}

/* The audit, after the integrity checks, folded into the same report: its own
 * report under "audit" and one check entry per counted finding. */
static int
run_audit(const struct child_arg *a, json_t *report, struct ns_err *err)
{
	struct ns_audit_opts o;
	json_t *audit = NULL, *checks = json_object_get(report, "checks"), *f;
	const char *result;
	char msg[600];
	size_t i;
	int rc, disabled;

	ns_audit_opts_init(&o);
	o.level = ns_config_audit_level(a->cfg, a->name);
	o.advisory_dirs = a->cfg->n_advisories > 0 ? (const char *const *)a->cfg->advisories : NULL;
	o.bulk_url = a->cfg->audit_bulk ? a->cfg->registry_url : NULL;
	o.exceptions_path = a->cfg->audit_exceptions;
	o.lockfile_fd = a->lockfile_fd;
	o.registry_url = a->cfg->registry_url;
	/* audit_level = none turns off severities and tree coverage, never malware */
	disabled = o.level == 5;
	if (disabled && o.advisory_dirs == NULL && o.bulk_url == NULL) {
		json_array_append_new(checks, check("audit.result", "warn",
		                                    "audit disabled for this package (audit_level = none)"));
		return 0;
	}
	if (o.advisory_dirs == NULL && o.bulk_url == NULL) {
		json_array_append_new(checks, check("audit.source", "fail",
		                                    "no advisory source: set [audit] advisories or bulk = on"));
		return 1;
	}
	if (lseek(a->fd, 0, SEEK_SET) != 0 || (a->lockfile_fd >= 0 && lseek(a->lockfile_fd, 0, SEEK_SET) != 0))
		return ns_fail(err, "cannot rewind for the audit");
	rc = ns_audit_fd(a->fd, &o, &audit, err);
	if (rc < 0)
		return -1;
	result = json_string_value(json_object_get(audit, "result"));
	json_array_foreach(json_object_get(audit, "findings"), i, f) {
		const char *sev = json_string_value(json_object_get(f, "severity"));
		int malware = json_is_true(json_object_get(f, "malware"));
		/* Below the level (or waived by an exception) is reported by the audit's
		 * own summary, not as a failed check. */
		if (!json_is_true(json_object_get(f, "counted")) ||
		    (!malware && (disabled || sev == NULL || ns_severity_parse(sev) < o.level)))
			continue;
		snprintf(msg, sizeof(msg), "%.214s@%.64s %.64s (%.20s)",
		         json_string_value(json_object_get(f, "package")),
		         json_string_value(json_object_get(f, "version")),
		         json_string_value(json_object_get(f, "advisory")),
		         json_string_value(json_object_get(f, "severity")));
		json_array_append_new(checks, check("audit.advisory", "fail", msg));
	}
	if (disabled) {
		rc = json_integer_value(json_object_get(json_object_get(audit, "counts"),
		                                        "malicious")) > 0;
		json_array_append_new(checks, check("audit.result", rc ? "fail" : "warn", rc ?
		    "malicious package (audit_level = none does not waive malware)" :
		    "audit disabled for this package (audit_level = none); no malware found"));
		json_object_set_new(report, "audit", audit);
		return rc;
	}
	if (json_array_size(json_object_get(audit, "not_audited")) > 0) {
		const json_t *na = json_array_get(json_object_get(audit, "not_audited"), 0);

		/* the first one named: no lockfile at all, or one that does not cover it */
		snprintf(msg, sizeof(msg), "dependencies the lockfile does not account for: not "
		         "audited (%zu; first %.214s: %.160s; ship an npm-shrinkwrap.json that locks "
		         "them, or configure the scope's source checkout with its package-lock.json)",
		         json_array_size(json_object_get(audit, "not_audited")),
		         json_string_value(json_object_get(na, "package")) ?
		         json_string_value(json_object_get(na, "package")) : "?",
		         json_string_value(json_object_get(na, "reason")) ?
		         json_string_value(json_object_get(na, "reason")) : "?");
		json_array_append_new(checks, check("audit.tree", "fail", msg));
	}
	if (json_array_size(json_object_get(audit, "outside_registry")) > 0) {
		const json_t *out = json_object_get(audit, "outside_registry");

		/* the first one named; the audit's report lists them all */
		snprintf(msg, sizeof(msg), "%.500s (%zu such entr%s)",
		         json_string_value(json_object_get(json_array_get(out, 0), "reason")) ?
		         json_string_value(json_object_get(json_array_get(out, 0), "reason")) : "?",
		         json_array_size(out), json_array_size(out) == 1 ? "y" : "ies");
		json_array_append_new(checks, check("audit.fetch", "fail", msg));
	}
	snprintf(msg, sizeof(msg), "level %s, max severity %s",
	         ns_severity_name(o.level), json_string_value(json_object_get(audit, "max_severity")) ?
	         json_string_value(json_object_get(audit, "max_severity")) : "none");
	json_array_append_new(checks, check("audit.result", rc == 0 ? "pass" : "fail", msg));
	json_object_set_new(report, "audit", audit);
	(void)result;
	return rc;
}

/* What goes live is the tarball's package.json itself: npm-release builds the
 * version document from it, never from a manifest the registry holds (a stage's
 * uploaded manifest is not even visible: GET /-/stage/<id> is metadata only). So
 * it must be one libnpmpublish would publish. Returns 1 when it is not. */
static int
check_publishable(const struct child_arg *a, json_t *report)
{
	json_t *checks = json_object_get(report, "checks"), *m = NULL;
	struct ns_err err;
	int bad = 1;

	if (lseek(a->fd, 0, SEEK_SET) != 0 || (m = manifest_read_fd(a->fd, &err)) == NULL)
		json_array_append_new(checks, check("manifest.publish", "fail",
		                                    "package/package.json cannot be read"));
	else if (json_object_get(m, "packageExtensions") != NULL)
		json_array_append_new(checks, check("manifest.publish", "fail",
		    "package.json has packageExtensions: npm refuses to publish it"));
	else {
		json_array_append_new(checks, check("manifest.publish", "pass",
		    "the version manifest published is this package.json (with the dist of "
		    "these bytes), never one the registry holds"));
		bad = 0;
	}
	json_decref(m);
	return bad;
}

static json_t *
child_checks(void *p, struct ns_err *err)
{
	const struct child_arg *a = p;
	struct ns_verify_opts o;
	json_t *report = NULL;
	int rc;

	if (lseek(a->fd, 0, SEEK_SET) != 0 ||
	    (a->previous_fd >= 0 && lseek(a->previous_fd, 0, SEEK_SET) != 0)) {
		ns_fail(err, "spool: cannot rewind");
		return NULL;
	}
	ns_verify_opts_init(&o);
	o.expect_name = a->name;
	o.expect_version = a->version;
	o.expect_integrity = a->integrity[0] ? a->integrity : NULL;
	o.expect_shasum = a->shasum[0] ? a->shasum : NULL;
	o.previous_fd = a->previous_fd;
	o.source_dirfd = a->source_fd;
	o.install_scripts = ns_config_install_scripts(a->cfg, a->name);
	if (a->scope != NULL) {
		if (a->scope->n_generated > 0)
			o.generated = (const char *const *)a->scope->generated;
	}
	if (ns_verify_fd(a->fd, &o, &report, err) < 0)
		return NULL;
	if (check_publishable(a, report) != 0)
		json_object_set_new(report, "result", json_string("fail"));
	rc = run_audit(a, report, err);
	if (rc < 0) {
		json_decref(report);
		return NULL;
	}
	if (rc > 0)
		json_object_set_new(report, "result", json_string("fail"));
	if ((a->prov.mode != NS_PROVENANCE_OFF || a->prov.att_fd >= 0) &&
	    checks_provenance_run(&a->prov, a->scope, a->name, a->version, a->integrity,
	                          report) != 0)
		json_object_set_new(report, "result", json_string("fail"));
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

/* The bin entries added (+), removed (-) and retargeted (~), each named: a bin is a
 * command on every dependent's PATH. Names are the links npm creates, sanitized and
 * cut to 40 bytes; at most BIN_NAMED per kind, then how many more. */
#define BIN_NAMED 8
static void
append_bin_changes(char *line, size_t cap, size_t off, const json_t *bin)
{
	static const char *const kinds[] = { "added", "removed", "changed" };
	static const char marks[] = { '+', '-', '~' };
	char clean[41];
	const char *k;
	json_t *v;
	size_t i, n;

	off += (size_t)snprintf(line + off, cap - off, "; bin");
	for (i = 0; i < 3 && off < cap; i++) {
		n = 0;
		json_object_foreach((json_t *)json_object_get(bin, kinds[i]), k, v) {
			if (off >= cap)
				break;
			if (n++ == BIN_NAMED) {
				off += (size_t)snprintf(line + off, cap - off, " %c(%zu more)", marks[i],
				                        json_object_size(json_object_get(bin, kinds[i])) -
				                        BIN_NAMED);
				break;
			}
			ns_sanitize(clean, sizeof(clean), k);
			off += (size_t)snprintf(line + off, cap - off, " %c'%s'", marks[i], clean);
		}
	}
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
		append_bin_changes(line, sizeof(line), off, json_object_get(diff, "bin"));
	json_object_set_new(report, "diff_summary", json_string(line));
}

json_t *
checks_run(struct session *s, const struct ns_release *r, int previous_fd, int first_version,
           struct ns_err *err)
{
	struct child_arg a;
	json_t *report;
	char src[PATH_MAX];

	memset(&a, 0, sizeof(a)); /* padding included */
	snprintf(a.name, sizeof(a.name), "%s", r->name);
	snprintf(a.version, sizeof(a.version), "%s", r->version);
	snprintf(a.integrity, sizeof(a.integrity), "%s", r->integrity);
	snprintf(a.shasum, sizeof(a.shasum), "%s", r->shasum);
	a.cfg = s->cfg;
	a.scope = ns_config_scope(s->cfg, r->name);
	a.previous_fd = previous_fd;
	a.source_fd = a.lockfile_fd = -1;
	/* The scope's source checkout: opened here, read by the child through the fd. */
	if (a.scope != NULL && a.scope->source != NULL) {
		if (ns_scope_source_path(a.scope, r->name, r->version, src, sizeof(src)) != 0) {
			ns_fail(err, "[scope %s] source: cannot expand for %s@%s", a.scope->pattern,
			        r->name, r->version);
			return NULL;
		}
		a.source_fd = open(src, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
		if (a.source_fd < 0) {
			ns_fail(err, "source checkout %s: %s", src, strerror(errno));
			return NULL;
		}
		a.lockfile_fd = openat(a.source_fd, "npm-shrinkwrap.json",
		                       O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
		if (a.lockfile_fd < 0)
			a.lockfile_fd = openat(a.source_fd, "package-lock.json",
			                       O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	}
	if (checks_provenance_prepare(s, r, a.scope, &a.prov, err) != 0) {
		if (a.source_fd >= 0)
			close(a.source_fd);
		if (a.lockfile_fd >= 0)
			close(a.lockfile_fd);
		return NULL;
	}
	a.fd = spool_open(s->st, r->id, err);
	if (a.fd < 0) {
		checks_provenance_close(&a.prov);
		if (a.source_fd >= 0)
			close(a.source_fd);
		if (a.lockfile_fd >= 0)
			close(a.lockfile_fd);
		return NULL;
	}
	{
		const int keep[] = { a.fd, a.previous_fd, a.source_fd, a.lockfile_fd,
		                     a.prov.trust_fd, a.prov.keys_fd, a.prov.att_fd };
		if (isatty(STDERR_FILENO))
			fprintf(stderr, "running integrity%s and audit checks (unprivileged)...",
			        a.source_fd >= 0 ? ", source" : "");
		report = privsep_run(child_checks, &a, sizeof(a), keep, 7, 64 * 1024 * 1024, err);
		if (isatty(STDERR_FILENO))
			fprintf(stderr, " done\n");
	}
	close(a.fd);
	checks_provenance_close(&a.prov);
	if (a.source_fd >= 0)
		close(a.source_fd);
	if (a.lockfile_fd >= 0)
		close(a.lockfile_fd);
	if (report == NULL)
		return NULL;
	if (!json_is_string(json_object_get(report, "result")) ||
	    !json_is_array(json_object_get(report, "checks"))) {
		json_decref(report);
		ns_fail(err, "check report is malformed");
		return NULL;
	}
	if (first_version && strcmp(r->tag, "latest") != 0) {
		/* the registry gives a package without "latest" its first version as
		 * latest too: what npm install gets, said where the approver reads the tag */
		char msg[1024];
		snprintf(msg, sizeof(msg), "%s has no \"latest\" yet: the registry makes %s "
		         "\"latest\" as well as \"%s\", so npm install %s gets it", r->name,
		         r->version, r->tag, r->name);
		json_array_append_new(json_object_get(report, "checks"),
		                      check("dist-tag.first", "warn", msg));
	}
	add_diff_summary(report);
	return report;
}

void
checks_print(const json_t *report)
{
	ns_verify_print_summary(stderr, report);
	if (json_object_get(report, "audit") != NULL)
		ns_audit_print_summary(stderr, json_object_get(report, "audit"));
	if (json_string_value(json_object_get(report, "diff_summary")) != NULL) {
		char clean[1100];
		ns_sanitize(clean, sizeof(clean),
		            json_string_value(json_object_get(report, "diff_summary")));
		fprintf(stderr, "changes %s\n", clean);
	}
}

void
checks_failures(const json_t *report, char *out, size_t cap)
{
	const json_t *c;
	size_t i, off = 0;
	char raw[200], clean[200];

	out[0] = '\0';
	json_array_foreach(json_object_get(report, "checks"), i, c) {
		const char *status = json_string_value(json_object_get(c, "status"));
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *m = json_string_value(json_object_get(c, "message"));
		int n;

		if (status == NULL || strcmp(status, "fail") != 0)
			continue;
		snprintf(raw, sizeof(raw), "%s: %s", id ? id : "?", m ? m : "");
		ns_sanitize(clean, sizeof(clean), raw);
		n = snprintf(out + off, cap - off, "%s%s", off ? "; " : "", clean);
		if (n < 0 || (size_t)n >= cap - off)
			break;
		off += (size_t)n;
	}
	if (off == 0)
		snprintf(out, cap, "checks failed");
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
	json_t *m = privsep_run(child_manifest, &a, sizeof(a), &fd, 1, 2 * NS_MANIFEST_MAX, err);
	const char *n, *v, *why = "missing";

	if (m == NULL)
		return -1;
	n = json_string_value(json_object_get(m, "name"));
	v = json_string_value(json_object_get(m, "version"));
	/* Names valid only for existing packages (buffer, JSONStream) are theirs to
	 * release; the registry refuses them for new packages, verify warns. */
	if (n == NULL || ns_npm_name_check(n, &why) == NS_NAME_INVALID || strlen(n) >= ncap) {
		json_decref(m);
		return ns_fail(err, "package.json: name: %s", why);
	}
	why = "missing";
	if (v == NULL || !ns_release_version_valid(v, &why) || strlen(v) >= vcap) {
		json_decref(m);
		return ns_fail(err, "package.json: version: %s", why);
	}
	snprintf(name, ncap, "%s", n);
	snprintf(version, vcap, "%s", v);
	json_decref(m);
	return 0;
}

static json_t *
child_publish_manifest(void *p, struct ns_err *err)
{
	const struct ident_arg *a = p;

	return manifest_publish_fd(a->fd, err);
}

json_t *
checks_manifest(struct session *s, const struct ns_release *r, struct ns_err *err)
{
	struct ident_arg a = { -1 };
	json_t *m;

	a.fd = spool_open(s->st, r->id, err);
	if (a.fd < 0)
		return NULL;
	m = privsep_run(child_publish_manifest, &a, sizeof(a), &a.fd, 1, 2 * NS_MANIFEST_MAX, err);
	close(a.fd);
	return m;
}
