/* npm lockfiles (package-lock.json v1/v2/v3, npm-shrinkwrap.json) as a flat
 * list of installed packages keyed by install location, with the dependency
 * edges resolved the way Node resolves node_modules, so every package can be
 * reported with its dependency path(s) from the root. Bounded, no globals. */
#ifndef NS_LOCKFILE_H
#define NS_LOCKFILE_H

#include <stddef.h>

#include <jansson.h>

#include "nserr.h"

#define NS_LOCK_MAX_BYTES (64u << 20)
#define NS_LOCK_MAX_NODES 200000
#define NS_LOCK_MAX_DEPTH 512

struct ns_lock_node {
	char *location;     /* "" (root), "node_modules/a/node_modules/@s/b", "packages/w" */
	char *name;
	char *version;      /* NULL when none (links, workspaces without one) */
	unsigned dev : 1, optional : 1, dev_optional : 1, peer : 1, bundled : 1, link : 1;
	unsigned registry : 1;   /* a semver version, i.e. something an advisory can name */
	unsigned folder : 1;     /* a folder of the project's own (workspace, file: folder,
	                          * link target): no node_modules/ in its location */
	unsigned outside : 1;    /* location (or, for a link, target) outside the project: "../x" */
	unsigned dangling : 1;   /* a link to a folder outside the project that the lockfile
	                          * does not list: a leaf whose dependencies are unknown */
	char *link_target;  /* for links: the location linked to */
	char *fetch;        /* what npm fetches instead of name@version from the registry:
	                     * "resolved", or a v1 URL/git/file "version"; NULL when neither */
	char **requires;    /* dependency names (prod, optional, peer, dev for root/workspaces) */
	size_t nrequires;
	/* filled by ns_lock_resolve() */
	long depth;         /* edges from the root, -1 if unreachable */
	size_t preds[4];    /* shortest-path predecessors */
	size_t npreds;
};

struct ns_lock {
	int lockfile_version;   /* 1 also for an npm@4/npm@5-pre file without one */
	json_t *notes;          /* strings: what was read leniently (duplicate keys, …) */
	char *root_name, *root_version;
	struct ns_lock_node *nodes;
	size_t n;
	size_t root;        /* index of the "" node */
};

/* 1 when a package name's last part is node_modules or .bin (any letter case): npm
 * would install it in a folder it reads as a node_modules or .bin folder. */
int ns_lock_name_reserved(const char *name);

/* Parses a lockfile held in memory. -1 with a message naming the problem. */
int ns_lock_parse(const char *buf, size_t len, struct ns_lock *lock, struct ns_err *err);

/* Reads (bounded) and parses a lockfile from a descriptor. */
int ns_lock_parse_fd(int fd, struct ns_lock *lock, struct ns_err *err);

/* Resolves dependency edges and shortest paths from the root and the workspaces.
 * -1 on link cycles or links to locations inside the project that are not in the
 * lockfile (a link to a folder outside it that is not listed becomes a leaf). */
int ns_lock_resolve(struct ns_lock *lock, struct ns_err *err);

/* Up to max dependency paths of node i ("root > a > b"); a path through a workspace
 * starts at the workspace's folder ("packages/w > a"). */
json_t *ns_lock_paths(const struct ns_lock *lock, size_t i, size_t max);

/* --omit kinds, as npm's: a node flagged peer, dev or optional (devOptional: when
 * both dev and optional are omitted) is left out. */
#define NS_LOCK_OMIT_DEV 1u
#define NS_LOCK_OMIT_OPTIONAL 2u
#define NS_LOCK_OMIT_PEER 4u

/* 1 when node n is audited: a registry install (a version an advisory can name,
 * not a link, not a folder of the project's own) not left out by omit. */
int ns_lock_audited(const struct ns_lock_node *n, unsigned omit);

/* 1 when node i is a direct dependency of the root. */
int ns_lock_is_direct(const struct ns_lock *lock, size_t i);

void ns_lock_free(struct ns_lock *lock);

/* Duplicate object keys (a bad merge): JSON.parse, and so npm, keeps the last
 * copy. Appends one note per duplicated key to notes; -1 (err set) when copies
 * of a package entry disagree on "version", "resolved" or "integrity". buf must be
 * valid JSON. (lockfile_dups.c) */
int ns_lock_check_duplicates(const char *buf, size_t len, json_t *notes, struct ns_err *err);

#endif
