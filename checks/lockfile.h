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
	char *link_target;  /* for links: the location linked to */
	char **requires;    /* dependency names (prod, optional, peer, dev for root/workspaces) */
	size_t nrequires;
	/* filled by ns_lock_resolve() */
	long depth;         /* edges from the root, -1 if unreachable */
	size_t preds[4];    /* shortest-path predecessors */
	size_t npreds;
};

struct ns_lock {
	int lockfile_version;
	char *root_name, *root_version;
	struct ns_lock_node *nodes;
	size_t n;
	size_t root;        /* index of the "" node */
};

/* Parses a lockfile held in memory. -1 with a message naming the problem. */
int ns_lock_parse(const char *buf, size_t len, struct ns_lock *lock, struct ns_err *err);

/* Reads (bounded) and parses a lockfile from a descriptor. */
int ns_lock_parse_fd(int fd, struct ns_lock *lock, struct ns_err *err);

/* Resolves dependency edges and shortest paths from the root. -1 on link cycles
 * or links to locations that are not in the lockfile. */
int ns_lock_resolve(struct ns_lock *lock, struct ns_err *err);

/* Up to max dependency paths of node i ("root > a > b"). */
json_t *ns_lock_paths(const struct ns_lock *lock, size_t i, size_t max);

/* 1 when node i is a direct dependency of the root. */
int ns_lock_is_direct(const struct ns_lock *lock, size_t i);

void ns_lock_free(struct ns_lock *lock);

#endif
