/* Internal interfaces between the audit's parts (not for other modules). */
#ifndef NS_AUDIT_INT_H
#define NS_AUDIT_INT_H

#include <stddef.h>

#include <jansson.h>

#include "nserr.h"

#define NS_AUDIT_MAX_PKGJSON (1u << 20)
#define NS_AUDIT_MAX_BULK_RESPONSE (32u << 20)

/* Bounded extraction of package.json and npm-shrinkwrap.json from an npm
 * tarball (gzip'd tar, members under one top-level directory). Either output
 * may be NULL when the member is absent. */
int ns_audit_tarball_members(int fd, char **pkgjson, size_t *pjlen, char **shrinkwrap,
                             size_t *swlen, struct ns_err *err);

/* POSTs body ({name: [versions]}) gzip-compressed to BASE/-/npm/v1/security/advisories/bulk
 * and returns the parsed response object. */
int ns_audit_bulk_fetch(const char *base_url, const json_t *body, json_t **resp,
                        struct ns_err *err);

struct ns_audit_exception {
	char *advisory, *package, *reason, *expires;
	long long expires_at;   /* first second after the expiry day (UTC) */
};

struct ns_audit_exceptions {
	struct ns_audit_exception *e;
	size_t n;
};

int ns_audit_exceptions_load(const char *path, struct ns_audit_exceptions *ex,
                             struct ns_err *err);
void ns_audit_exceptions_free(struct ns_audit_exceptions *ex);
const struct ns_audit_exception *ns_audit_exception_find(const struct ns_audit_exceptions *ex,
                                                         const char *advisory,
                                                         const char *package);

struct ns_lock;

/* Appends to not_audited every dependency the root package.json declares for
 * consumers (dependencies, optionalDependencies, non-optional peers) that the
 * lockfile does not account for at node_modules/NAME: missing, locked under
 * another package's name, or at a version outside a semver range. source names
 * the lockfile in the reasons. -1 (err set) if package.json is malformed. */
int ns_audit_lock_coverage(const char *pkgjson, size_t len, const struct ns_lock *lock,
                           const char *source, json_t *not_audited, struct ns_err *err);

/* Appends to out ({package, location, source, reason}) every entry of a released
 * package's own npm-shrinkwrap.json that npm fetches from elsewhere than a
 * registry tarball under registry_url (NULL: none configured, so any URL is
 * elsewhere): git, file: and remote tarballs, other hosts, links out of the
 * package. (audit_fetch.c) */
int ns_audit_shrinkwrap_fetches(const struct ns_lock *lock, const char *registry_url, json_t *out,
                                struct ns_err *err);

/* Unique (name, version) pairs of the tree's audited nodes: {name: [versions]}. */
json_t *ns_audit_installed_versions(const struct ns_lock *lock, unsigned omit);

/* An audited node of a tree (index i in lock->nodes) by its name and version. */
struct ns_audit_node_ref {
	const char *name, *version;
	size_t i;
};

/* The tree's audited nodes (ns_lock_audited) sorted by name, version, then tree
 * order; *refs is caller-owned (free). */
int ns_audit_nodes_index(const struct ns_lock *lock, unsigned omit,
                         struct ns_audit_node_ref **refs, size_t *n, struct ns_err *err);

/* The first ref naming (name, version), or n when there is none. */
size_t ns_audit_node_first(const struct ns_audit_node_ref *refs, size_t n, const char *name,
                           const char *version);

/* 1 when r names (name, version). */
int ns_audit_node_is(const struct ns_audit_node_ref *r, const char *name, const char *version);

#endif
