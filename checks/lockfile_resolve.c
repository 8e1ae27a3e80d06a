/* node_modules resolution over a parsed lockfile: which installed node each
 * dependency reaches, links followed, and the paths that lead to a node; see
 * lockfile.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockfile.h"
#include "semver.h"

/* Location -> node index, open addressing. */
struct locmap {
	size_t *slot;   /* index + 1, 0 = empty */
	size_t mask;
};

static uint64_t
hash_str(const char *s, size_t n)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < n; i++)
		h = (h ^ (unsigned char)s[i]) * 1099511628211ULL;
	return h;
}

static int
locmap_build(struct locmap *m, const struct ns_lock *lock, struct ns_err *err)
{
	size_t cap = 16, i;

	while (cap < lock->n * 2)
		cap *= 2;
	if ((m->slot = calloc(cap, sizeof(*m->slot))) == NULL)
		return ns_fail(err, "out of memory");
	m->mask = cap - 1;
	for (i = 0; i < lock->n; i++) {
		const char *loc = lock->nodes[i].location;
		size_t h = (size_t)hash_str(loc, strlen(loc)) & m->mask;

		while (m->slot[h] != 0) {
			if (strcmp(lock->nodes[m->slot[h] - 1].location, loc) == 0)
				return ns_fail(err, "location \"%.128s\" appears twice", loc);
			h = (h + 1) & m->mask;
		}
		m->slot[h] = i + 1;
	}
	return 0;
}

static long
locmap_get(const struct locmap *m, const struct ns_lock *lock, const char *loc, size_t n)
{
	size_t h = (size_t)hash_str(loc, n) & m->mask;

	while (m->slot[h] != 0) {
		const char *l = lock->nodes[m->slot[h] - 1].location;

		if (strlen(l) == n && memcmp(l, loc, n) == 0)
			return (long)(m->slot[h] - 1);
		h = (h + 1) & m->mask;
	}
	return -1;
}

/* Follows links to the installed package; -1 on a cycle or a missing target
 * inside the project. A link to an unlisted folder outside the project (npm
 * writes "../x" and "../.." targets without an entry) ends at the link itself. */
static long
follow_links(const struct ns_lock *lock, const struct locmap *m, size_t i, struct ns_err *err)
{
	size_t hops = 0;

	while (lock->nodes[i].link) {
		const char *t = lock->nodes[i].link_target;
		long j = locmap_get(m, lock, t, strlen(t));

		if (j < 0 && lock->nodes[i].outside)
			return (long)i;
		if (j < 0) {
			ns_fail(err, "link \"%.128s\" points at \"%.128s\", which the lockfile "
			    "does not contain", lock->nodes[i].location, t);
			return -1;
		}
		if (++hops > lock->n) {
			ns_fail(err, "cyclic link at \"%.128s\"", lock->nodes[i].location);
			return -1;
		}
		i = (size_t)j;
	}
	return (long)i;
}

/* Node resolution: the nearest node_modules/<name> from loc upwards. */
static long
resolve_from(const struct ns_lock *lock, const struct locmap *m, const char *loc,
             const char *name, char *tmp, size_t tmplen)
{
	size_t n = strlen(loc);

	for (;;) {
		const char *cut;
		long j;
		int w = snprintf(tmp, tmplen, "%.*s%snode_modules/%s", (int)n, loc, n ? "/" : "",
		    name);

		if (w > 0 && (size_t)w < tmplen && (j = locmap_get(m, lock, tmp, (size_t)w)) >= 0)
			return j;
		if (n == 0)
			return -1;
		/* parent: drop the last "node_modules/<name>" (scoped names have a '/') */
		cut = NULL;
		{
			size_t k;
			for (k = 0; k + 13 <= n; k++)
				if (memcmp(loc + k, "node_modules/", 13) == 0 && (k == 0 || loc[k - 1] == '/'))
					cut = loc + k;
		}
		if (cut == NULL || cut == loc)
			n = 0;
		else
			n = (size_t)(cut - loc) - 1;
	}
}

/* A link whose target is a folder of the project's own (a workspace). */
static int
is_workspace_link(const struct ns_lock *lock, const struct locmap *m, size_t i)
{
	const char *t = lock->nodes[i].link_target;
	long j = locmap_get(m, lock, t, strlen(t));

	return j >= 0 && lock->nodes[j].folder && !lock->nodes[j].outside;
}

static int
cmp_strp(const void *a, const void *b)
{
	return strcmp(*(const char *const *)a, *(const char *const *)b);
}

/* lockfileVersion 1 does not record the root's own dependencies: take the
 * top-level packages that nothing else requires. */
static int
infer_root_requires(struct ns_lock *lock, struct ns_err *err)
{
	struct ns_lock_node *root = &lock->nodes[lock->root];
	const char **all;
	size_t total = 0, i, k, na = 0;

	for (i = 0; i < lock->n; i++)
		total += lock->nodes[i].nrequires;
	if ((all = malloc((total + 1) * sizeof(*all))) == NULL)
		return ns_fail(err, "out of memory");
	for (i = 0; i < lock->n; i++)
		for (k = 0; k < lock->nodes[i].nrequires; k++)
			all[na++] = lock->nodes[i].requires[k];
	qsort(all, na, sizeof(*all), cmp_strp);
	for (i = 0; i < lock->n; i++) {
		const struct ns_lock_node *n = &lock->nodes[i];
		char **nr;

		/* top-level folders by their folder name (an alias's differs from its name) */
		const char *key = n->location + 13;

		if (i == lock->root || strncmp(n->location, "node_modules/", 13) != 0 ||
		    strstr(key, "/node_modules/") != NULL)
			continue;
		if (na > 0 && bsearch(&key, all, na, sizeof(*all), cmp_strp) != NULL)
			continue;
		if ((nr = realloc(root->requires, (root->nrequires + 1) * sizeof(*nr))) == NULL ||
		    (nr[root->nrequires] = strdup(key)) == NULL) {
			if (nr != NULL)
				root->requires = nr;
			free(all);
			return ns_fail(err, "out of memory");
		}
		root->requires = nr;
		root->nrequires++;
	}
	free(all);
	return 0;
}

int
ns_lock_resolve(struct ns_lock *lock, struct ns_err *err)
{
	struct locmap m = { 0 };
	size_t *queue = NULL, qh = 0, qt = 0, i, r;
	char *tmp = NULL;
	int rc = -1;

	if (locmap_build(&m, lock, err) < 0)
		return -1;
	if (lock->lockfile_version == 1 && lock->nodes[lock->root].nrequires == 0 &&
	    infer_root_requires(lock, err) < 0)
		goto out;
	if ((queue = malloc(lock->n * sizeof(*queue))) == NULL || (tmp = malloc(8192)) == NULL) {
		ns_fail(err, "out of memory");
		goto out;
	}
	for (i = 0; i < lock->n; i++) {
		long t;

		lock->nodes[i].depth = -1;
		lock->nodes[i].npreds = 0;
		if (!lock->nodes[i].link)
			continue;
		if ((t = follow_links(lock, &m, i, err)) < 0)
			goto out;
		lock->nodes[i].dangling = (size_t)t == i;
	}
	lock->nodes[lock->root].depth = 0;
	queue[qt++] = lock->root;
	/* Workspaces are roots of their own: the top-level links to folders inside
	 * the project (npm's root has a "workspace" edge to each of them). */
	for (i = 0; i < lock->n; i++) {
		const struct ns_lock_node *n = &lock->nodes[i];

		if (n->link && !n->outside && strncmp(n->location, "node_modules/", 13) == 0 &&
		    strstr(n->location + 13, "/node_modules/") == NULL && is_workspace_link(lock, &m, i)) {
			lock->nodes[i].depth = 1;
			lock->nodes[i].preds[lock->nodes[i].npreds++] = lock->root;
			queue[qt++] = i;
		}
	}
	while (qh < qt) {
		size_t cur = queue[qh++];
		long src = follow_links(lock, &m, cur, err);
		const struct ns_lock_node *s;

		if (src < 0)
			goto out;
		s = &lock->nodes[src];
		for (r = 0; r < s->nrequires; r++) {
			long t = resolve_from(lock, &m, s->location, s->requires[r], tmp, 8192);
			struct ns_lock_node *tn;

			if (t < 0)
				continue; /* optional or peer dependency not installed */
			tn = &lock->nodes[t];
			if (tn->depth < 0) {
				tn->depth = lock->nodes[cur].depth + 1;
				tn->preds[tn->npreds++] = cur;
				queue[qt++] = (size_t)t;
			} else if (tn->depth == lock->nodes[cur].depth + 1 &&
			    tn->npreds < sizeof(tn->preds) / sizeof(tn->preds[0])) {
				size_t k;

				for (k = 0; k < tn->npreds && tn->preds[k] != cur; k++)
					;
				if (k == tn->npreds)
					tn->preds[tn->npreds++] = cur;
			}
		}
	}
	rc = 0;
out:
	free(m.slot);
	free(queue);
	free(tmp);
	return rc;
}

int
ns_lock_audited(const struct ns_lock_node *n, unsigned omit)
{
	if (!n->registry || n->link || n->folder || n->name == NULL || n->version == NULL)
		return 0;
	/* npm omits only within the project (root and workspaces), not under a
	 * linked folder outside it */
	if (omit == 0 || strncmp(n->location, "../", 3) == 0)
		return 1;
	return !((n->peer && (omit & NS_LOCK_OMIT_PEER)) ||
	    (n->dev && (omit & NS_LOCK_OMIT_DEV)) ||
	    (n->optional && (omit & NS_LOCK_OMIT_OPTIONAL)) ||
	    (n->dev_optional && (omit & NS_LOCK_OMIT_DEV) && (omit & NS_LOCK_OMIT_OPTIONAL)));
}

int
ns_lock_is_direct(const struct ns_lock *lock, size_t i)
{
	return lock->nodes[i].depth == 1;
}

static const char *
label(const struct ns_lock *lock, size_t i)
{
	if (i == lock->root)
		return lock->root_name != NULL ? lock->root_name : "(root)";
	return lock->nodes[i].name != NULL ? lock->nodes[i].name : lock->nodes[i].location;
}

static void
collect_paths(const struct ns_lock *lock, size_t i, const char *suffix, json_t *out, size_t max,
              int depth)
{
	const struct ns_lock_node *n = &lock->nodes[i];
	size_t k, len;
	char *s;

	if (json_array_size(out) >= max || depth > NS_LOCK_MAX_DEPTH)
		return;
	len = strlen(label(lock, i)) + (suffix ? strlen(suffix) + 3 : 0) + 1;
	if ((s = malloc(len)) == NULL)
		return;
	snprintf(s, len, "%s%s%s", label(lock, i), suffix ? " > " : "", suffix ? suffix : "");
	/* a path through a workspace starts at the workspace's folder */
	if (n->link && !n->outside && n->npreds > 0 && n->preds[0] == lock->root &&
	    n->link_target[0] != '\0' && strstr(n->link_target, "node_modules/") == NULL) {
		size_t fl = strlen(n->link_target) + (suffix ? strlen(suffix) + 3 : 0) + 1;
		char *full = malloc(fl);

		if (full != NULL) {
			snprintf(full, fl, "%s%s%s", n->link_target, suffix ? " > " : "",
			    suffix ? suffix : "");
			json_array_append_new(out, json_string(full));
			free(full);
		}
		free(s);
		return;
	}
	if (i == lock->root || n->npreds == 0) {
		if (i != lock->root && n->depth < 0) {
			/* not reachable from the root's declared dependencies: show where it sits */
			char *full;
			size_t fl = strlen(s) + strlen(label(lock, lock->root)) + 4;

			if ((full = malloc(fl)) != NULL) {
				snprintf(full, fl, "%s > %s", label(lock, lock->root), s);
				json_array_append_new(out, json_string(full));
				free(full);
			}
		} else
			json_array_append_new(out, json_string(s));
		free(s);
		return;
	}
	for (k = 0; k < n->npreds; k++)
		collect_paths(lock, n->preds[k], s, out, max, depth + 1);
	free(s);
}

json_t *
ns_lock_paths(const struct ns_lock *lock, size_t i, size_t max)
{
	json_t *out = json_array();

	if (out != NULL)
		collect_paths(lock, i, NULL, out, max, 0);
	return out;
}
