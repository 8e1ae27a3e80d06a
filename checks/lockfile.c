/* Lockfile parsing and node_modules resolution; see lockfile.h. */
#include "config.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "lockfile.h"
#include "semver.h"

static void
node_clear(struct ns_lock_node *n)
{
	size_t i;

	free(n->location);
	free(n->name);
	free(n->version);
	free(n->link_target);
	for (i = 0; i < n->nrequires; i++)
		free(n->requires[i]);
	free(n->requires);
}

void
ns_lock_free(struct ns_lock *lock)
{
	size_t i;

	if (lock == NULL)
		return;
	for (i = 0; i < lock->n; i++)
		node_clear(&lock->nodes[i]);
	free(lock->nodes);
	free(lock->root_name);
	free(lock->root_version);
	memset(lock, 0, sizeof(*lock));
}

static int
valid_name(const char *s)
{
	size_t i, n = strlen(s);
	const char *slash;

	if (n == 0 || n > 214 || s[0] == '.' || s[0] == '_')
		return 0;
	for (i = 0; i < n; i++) {
		unsigned char c = (unsigned char)s[i];
		if (c <= 0x20 || c >= 0x7f || c == '\\' || c == '%' || c == ':')
			return 0;
	}
	slash = strchr(s, '/');
	if (s[0] == '@')
		return slash != NULL && slash > s + 1 && slash[1] != '\0' &&
		    strchr(slash + 1, '/') == NULL && slash[1] != '.';
	return slash == NULL;
}

/* Install locations: relative, '/'-separated, no empty, "." or ".." parts. */
static int
valid_location(const char *s)
{
	const char *p = s;

	if (*s == '\0')
		return 1;
	if (strlen(s) > 4096 || s[0] == '/')
		return 0;
	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.'))
			return 0;
		p += n;
		if (*p == '/')
			p++;
		if (*p == '\0' && e != NULL)
			return 0;
	}
	return strchr(s, '\\') == NULL;
}

/* The package name a node_modules location installs: text after the last
 * "node_modules/", or NULL for other locations (workspaces). */
static const char *
name_from_location(const char *loc)
{
	const char *p = loc, *last = NULL;

	while ((p = strstr(p, "node_modules/")) != NULL) {
		if (p == loc || p[-1] == '/')
			last = p + 13;
		p += 13;
	}
	return last;
}

static int
add_node(struct ns_lock *lock, struct ns_err *err)
{
	static const size_t step = 256;
	struct ns_lock_node *nn;

	if (lock->n >= NS_LOCK_MAX_NODES)
		return ns_fail(err, "lockfile lists more than %d packages", NS_LOCK_MAX_NODES);
	if (lock->n % step == 0) {
		nn = realloc(lock->nodes, (lock->n + step) * sizeof(*nn));
		if (nn == NULL)
			return ns_fail(err, "out of memory");
		lock->nodes = nn;
	}
	memset(&lock->nodes[lock->n], 0, sizeof(lock->nodes[0]));
	lock->nodes[lock->n].depth = -1;
	lock->n++;
	return 0;
}

static int
add_requires(struct ns_lock_node *n, const json_t *deps, const char *what, struct ns_err *err)
{
	const char *key;
	json_t *val;
	char **nr;

	if (deps == NULL)
		return 0;
	if (!json_is_object(deps))
		return ns_fail(err, "%s of \"%s\" is not an object", what, n->location);
	if (json_object_size(deps) == 0)
		return 0;
	nr = realloc(n->requires, (n->nrequires + json_object_size(deps)) * sizeof(*nr));
	if (nr == NULL)
		return ns_fail(err, "out of memory");
	n->requires = nr;
	json_object_foreach((json_t *)deps, key, val) {
		if (!json_is_string(val) && !json_is_object(val))
			return ns_fail(err, "%s of \"%s\": \"%.64s\" has a bad spec", what,
			    n->location, key);
		if (!valid_name(key))
			return ns_fail(err, "%s of \"%s\": \"%.64s\" is not a package name", what,
			    n->location, key);
		if ((n->requires[n->nrequires] = strdup(key)) == NULL)
			return ns_fail(err, "out of memory");
		n->nrequires++;
	}
	return 0;
}

static int
flag(const json_t *o, const char *k, struct ns_err *err, const char *loc, unsigned *out)
{
	const json_t *v = json_object_get(o, k);

	*out = 0;
	if (v == NULL)
		return 0;
	if (!json_is_boolean(v))
		return ns_fail(err, "\"%s\" of \"%s\" is not a boolean", k, loc);
	*out = json_is_true(v);
	return 0;
}

static int
set_version(struct ns_lock_node *n, const json_t *v, struct ns_err *err)
{
	struct ns_semver sv;

	if (v == NULL)
		return 0;
	if (!json_is_string(v))
		return ns_fail(err, "version of \"%s\" is not a string", n->location);
	if ((n->version = strdup(json_string_value(v))) == NULL)
		return ns_fail(err, "out of memory");
	n->registry = ns_semver_parse(&sv, n->version, NS_SEMVER_LOOSE) == 0;
	return 0;
}

static int
read_flags(struct ns_lock_node *n, const json_t *e, struct ns_err *err)
{
	unsigned f;

	if (flag(e, "dev", err, n->location, &f) < 0)
		return -1;
	n->dev = f;
	if (flag(e, "optional", err, n->location, &f) < 0)
		return -1;
	n->optional = f;
	if (flag(e, "devOptional", err, n->location, &f) < 0)
		return -1;
	n->dev_optional = f;
	if (flag(e, "peer", err, n->location, &f) < 0)
		return -1;
	n->peer = f;
	if (flag(e, "inBundle", err, n->location, &f) < 0)
		return -1;
	n->bundled = f;
	if (flag(e, "bundled", err, n->location, &f) < 0)
		return -1;
	n->bundled |= f;
	return 0;
}

/* lockfileVersion 2/3: the flat "packages" map. */
static int
parse_packages(struct ns_lock *lock, const json_t *pkgs, struct ns_err *err)
{
	const char *loc;
	json_t *e;

	if (!json_is_object(pkgs))
		return ns_fail(err, "\"packages\" is not an object");
	json_object_foreach((json_t *)pkgs, loc, e) {
		struct ns_lock_node *n;
		const char *nm;
		unsigned link;

		if (!json_is_object(e))
			return ns_fail(err, "packages[\"%.128s\"] is not an object", loc);
		if (!valid_location(loc))
			return ns_fail(err, "packages key \"%.128s\" is not a valid location", loc);
		if (add_node(lock, err) < 0)
			return -1;
		n = &lock->nodes[lock->n - 1];
		if ((n->location = strdup(loc)) == NULL)
			return ns_fail(err, "out of memory");
		nm = json_string_value(json_object_get(e, "name"));
		if (nm == NULL)
			nm = name_from_location(loc);
		if (nm == NULL && loc[0] != '\0') {
			nm = strrchr(loc, '/');
			nm = nm ? nm + 1 : loc;
		}
		if (nm != NULL) {
			if (!valid_name(nm))
				return ns_fail(err, "packages[\"%.128s\"] has no valid package name", loc);
			if ((n->name = strdup(nm)) == NULL)
				return ns_fail(err, "out of memory");
		}
		if (set_version(n, json_object_get(e, "version"), err) < 0 || read_flags(n, e, err) < 0)
			return -1;
		if (flag(e, "link", err, loc, &link) < 0)
			return -1;
		if (link) {
			const char *target = json_string_value(json_object_get(e, "resolved"));

			n->link = 1;
			n->registry = 0;
			if (target == NULL || !valid_location(target))
				return ns_fail(err, "link \"%.128s\" has no valid \"resolved\" target", loc);
			if ((n->link_target = strdup(target)) == NULL)
				return ns_fail(err, "out of memory");
		}
		if (add_requires(n, json_object_get(e, "dependencies"), "dependencies", err) < 0 ||
		    add_requires(n, json_object_get(e, "optionalDependencies"),
		    "optionalDependencies", err) < 0 ||
		    add_requires(n, json_object_get(e, "peerDependencies"), "peerDependencies",
		    err) < 0)
			return -1;
		/* devDependencies are installed only for the root and workspaces */
		if ((loc[0] == '\0' || name_from_location(loc) == NULL) &&
		    add_requires(n, json_object_get(e, "devDependencies"), "devDependencies",
		    err) < 0)
			return -1;
	}
	return 0;
}

/* Rewrites a v1 alias node (version "npm:NAME@VERSION") to the real NAME and VERSION. */
static int
v1_alias(struct ns_lock_node *n, struct ns_err *err)
{
	const char *spec = n->version + 4, *at = spec[0] ? strchr(spec + 1, '@') : NULL;
	char *name = NULL, *version;
	struct ns_semver sv;

	if (at == NULL || (name = strndup(spec, (size_t)(at - spec))) == NULL ||
	    !valid_name(name)) {
		free(name);
		return ns_fail(err, "alias \"%.128s\" of \"%.128s\" is not npm:NAME@VERSION",
		    n->version, n->location);
	}
	if ((version = strdup(at + 1)) == NULL) {
		free(name);
		return ns_fail(err, "out of memory");
	}
	free(n->name);
	free(n->version);
	n->name = name;
	n->version = version;
	n->registry = ns_semver_parse(&sv, version, NS_SEMVER_LOOSE) == 0;
	return 0;
}

/* lockfileVersion 1: the nested "dependencies" tree. */
static int
parse_v1_tree(struct ns_lock *lock, const json_t *deps, const char *parent, int depth,
              struct ns_err *err)
{
	const char *name;
	json_t *e;

	if (depth > NS_LOCK_MAX_DEPTH)
		return ns_fail(err, "dependency tree nested deeper than %d", NS_LOCK_MAX_DEPTH);
	if (!json_is_object(deps))
		return ns_fail(err, "\"dependencies\" under \"%.128s\" is not an object", parent);
	json_object_foreach((json_t *)deps, name, e) {
		struct ns_lock_node *n;
		size_t len;
		char *loc;
		const json_t *req;

		if (!json_is_object(e))
			return ns_fail(err, "dependency \"%.128s\" is not an object", name);
		if (!valid_name(name))
			return ns_fail(err, "\"%.128s\" is not a valid package name", name);
		len = strlen(parent) + strlen(name) + 16;
		if (len > 4096 || (loc = malloc(len)) == NULL)
			return ns_fail(err, "dependency location too long under \"%.128s\"", parent);
		snprintf(loc, len, "%s%snode_modules/%s", parent, parent[0] ? "/" : "", name);
		if (add_node(lock, err) < 0) {
			free(loc);
			return -1;
		}
		n = &lock->nodes[lock->n - 1];
		n->location = loc;
		if ((n->name = strdup(name)) == NULL)
			return ns_fail(err, "out of memory");
		if (set_version(n, json_object_get(e, "version"), err) < 0 || read_flags(n, e, err) < 0)
			return -1;
		if (n->version != NULL && (strncmp(n->version, "file:", 5) == 0 ||
		    strncmp(n->version, "link:", 5) == 0))
			n->registry = 0;
		/* an alias is installed as "npm:NAME@VERSION": audit NAME@VERSION */
		if (n->version != NULL && strncmp(n->version, "npm:", 4) == 0 &&
		    v1_alias(n, err) < 0)
			return -1;
		req = json_object_get(e, "requires");
		if (json_is_object(req) && add_requires(n, req, "requires", err) < 0)
			return -1;
		if (json_object_get(e, "dependencies") != NULL &&
		    parse_v1_tree(lock, json_object_get(e, "dependencies"), loc, depth + 1, err) < 0)
			return -1;
	}
	return 0;
}

int
ns_lock_parse(const char *buf, size_t len, struct ns_lock *lock, struct ns_err *err)
{
	json_error_t je;
	json_t *root;
	const json_t *ver, *pkgs;
	size_t i;
	int rc = -1;

	memset(lock, 0, sizeof(*lock));
	if (len > NS_LOCK_MAX_BYTES)
		return ns_fail(err, "lockfile is larger than %u bytes", NS_LOCK_MAX_BYTES);
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL)
		return ns_fail(err, "lockfile is not valid JSON (line %d: %s)", je.line, je.text);
	if (!json_is_object(root)) {
		ns_fail(err, "lockfile is not a JSON object");
		goto out;
	}
	ver = json_object_get(root, "lockfileVersion");
	if (!json_is_integer(ver) || json_integer_value(ver) < 1 || json_integer_value(ver) > 3) {
		ns_fail(err, "unsupported lockfileVersion (1, 2 or 3 expected)");
		goto out;
	}
	lock->lockfile_version = (int)json_integer_value(ver);
	if (json_is_string(json_object_get(root, "name")))
		lock->root_name = strdup(json_string_value(json_object_get(root, "name")));
	if (json_is_string(json_object_get(root, "version")))
		lock->root_version = strdup(json_string_value(json_object_get(root, "version")));
	pkgs = json_object_get(root, "packages");
	if (pkgs != NULL) {
		if (parse_packages(lock, pkgs, err) < 0)
			goto out;
	} else if (lock->lockfile_version >= 3) {
		ns_fail(err, "lockfileVersion 3 without a \"packages\" map");
		goto out;
	} else {
		if (add_node(lock, err) < 0)
			goto out;
		if ((lock->nodes[0].location = strdup("")) == NULL) {
			ns_fail(err, "out of memory");
			goto out;
		}
		if (json_object_get(root, "dependencies") != NULL &&
		    parse_v1_tree(lock, json_object_get(root, "dependencies"), "", 0, err) < 0)
			goto out;
	}
	for (i = 0; i < lock->n; i++)
		if (lock->nodes[i].location[0] == '\0')
			break;
	if (i == lock->n) {
		ns_fail(err, "lockfile has no root package entry (\"\")");
		goto out;
	}
	lock->root = i;
	lock->nodes[i].registry = 0;
	rc = 0;
out:
	json_decref(root);
	if (rc < 0)
		ns_lock_free(lock);
	return rc;
}

int
ns_lock_parse_fd(int fd, struct ns_lock *lock, struct ns_err *err)
{
	size_t cap = 1 << 16, len = 0;
	char *buf = malloc(cap);
	int rc;

	memset(lock, 0, sizeof(*lock));
	if (buf == NULL)
		return ns_fail(err, "out of memory");
	for (;;) {
		ssize_t r;

		if (len == cap) {
			char *nb;

			if (cap > NS_LOCK_MAX_BYTES) {
				free(buf);
				return ns_fail(err, "lockfile is larger than %u bytes",
				    NS_LOCK_MAX_BYTES);
			}
			if ((nb = realloc(buf, cap * 2)) == NULL) {
				free(buf);
				return ns_fail(err, "out of memory");
			}
			buf = nb;
			cap *= 2;
		}
		r = read(fd, buf + len, cap - len);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0) {
			int e = errno;
			free(buf);
			return ns_fail(err, "reading the lockfile: %s", strerror(e));
		}
		if (r == 0)
			break;
		len += (size_t)r;
	}
	rc = ns_lock_parse(buf, len, lock, err);
	free(buf);
	return rc;
}

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

/* Follows links to the installed package; -1 on a cycle or a missing target. */
static long
follow_links(const struct ns_lock *lock, const struct locmap *m, size_t i, struct ns_err *err)
{
	size_t hops = 0;

	while (lock->nodes[i].link) {
		const char *t = lock->nodes[i].link_target;
		long j = locmap_get(m, lock, t, strlen(t));

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
		lock->nodes[i].depth = -1;
		lock->nodes[i].npreds = 0;
		if (lock->nodes[i].link && follow_links(lock, &m, i, err) < 0)
			goto out;
	}
	lock->nodes[lock->root].depth = 0;
	queue[qt++] = lock->root;
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
