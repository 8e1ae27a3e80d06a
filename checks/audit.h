/* The dependency audit of a package about to be released (issue 4).
 *
 * The dependency tree comes from the tarball's npm-shrinkwrap.json, else from a
 * given lockfile; with neither, the package's declared dependency ranges are
 * reported as "not audited" and the audit fails. Installed versions are matched
 * against local OSV advisories (directories or their index) and/or a registry's
 * bulk advisory endpoint (results re-checked locally against the exact versions).
 * Policy: severities info < low < moderate < high < critical, findings at or above
 * the level fail ("none" never fails on severity); malware always fails; an
 * exception (advisory + package + reason + expiry) waives one finding until it
 * expires, and the report says when one has expired. */
#ifndef NS_AUDIT_H
#define NS_AUDIT_H

#include <stdio.h>

#include <jansson.h>

#include "nserr.h"

struct ns_audit_opts {
	int level;                       /* 0 info,1 low,2 moderate,3 high,4 critical,5 none */
	const char *const *advisory_dirs;/* NULL-terminated OSV dirs or index files, or NULL */
	const char *bulk_url;            /* registry base URL for the bulk endpoint, or NULL */
	const char *exceptions_path;     /* or NULL */
	int lockfile_fd;                 /* -1 = use the tarball's npm-shrinkwrap.json */
	long long now;                   /* unix time for exception expiry (a clock seam) */
	unsigned omit;                   /* NS_LOCK_OMIT_* (lockfile.h), as npm audit --omit */
	const char *registry_url;        /* the registry the package is released to: the only
	                                  * place its npm-shrinkwrap.json may fetch from (NULL:
	                                  * none, every fetch URL in it fails) */
};

/* Defaults: level moderate, no sources, no exceptions, lockfile_fd -1, now = time(NULL). */
void ns_audit_opts_init(struct ns_audit_opts *o);

/* Audits the package in the tarball read from fd (may be -1 when lockfile_fd is given).
 * 0 = pass, 1 = findings at/above level or unresolvable tree, -1 = operational error
 * (err set). *report receives the JSON report on 0 and 1. */
int ns_audit_fd(int tarball_fd, const struct ns_audit_opts *o, json_t **report,
                struct ns_err *err);

/* Human summary of a report, grouped by severity; untrusted text is sanitised. */
void ns_audit_print_summary(FILE *f, const json_t *report);

/* Level names as for --level; -1 if unknown. */
int ns_audit_level_parse(const char *s);

/* Checks an exceptions file without auditing (for configuration checks). */
int ns_audit_exceptions_check(const char *path, struct ns_err *err);

#endif
