/* lockfileVersion 1 trees (and npm@4/npm@5-pre shrinkwraps), read the way npm's
 * arborist migrates them: the "version" field holds a semver version, an alias
 * (npm:NAME@VERSION), a file: folder (a link, whose nested dependencies live
 * under the folder), a file: or remote tarball (version from its file name, as
 * arborist's versionFromTgz), or a git URL. See lockfile.h. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "lockfile_int.h"
#include "semver.h"

/* Rewrites a v1 alias node (version "npm:NAME@VERSION") to the real NAME and VERSION. */
static int
v1_alias(struct ns_lock_node *n, struct ns_err *err)
{
	const char *spec = n->version + 4, *at = spec[0] ? strchr(spec + 1, '@') : NULL;
	char *name = NULL, *version;
	struct ns_semver sv;

	if (at == NULL || (name = strndup(spec, (size_t)(at - spec))) == NULL ||
	    !ns_lock_valid_name(name)) {
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

static int
ends_with(const char *s, const char *suffix)
{
	size_t n = strlen(s), k = strlen(suffix);

	return n >= k && strcasecmp(s + n - k, suffix) == 0;
}

/* "<project>-<semver>.tgz" -> the version, into out; 0 when it is one. */
static int
version_from_base(const char *base, const char *project, size_t plen, char *out, size_t outlen)
{
	size_t blen = strlen(base), vlen;
	struct ns_semver sv;

	if (plen == 0 || blen <= plen + 5 || strncmp(base, project, plen) != 0 ||
	    base[plen] != '-')
		return -1;
	vlen = blen - plen - 1 - 4;
	if (vlen >= outlen)
		return -1;
	memcpy(out, base + plen + 1, vlen);
	out[vlen] = '\0';
	return ns_semver_parse(&sv, out, 0) == 0 ? 0 : -1;
}

/* The version in a tarball's file name, as npm's versionFromTgz reads it: a
 * registry URL's ".../<project>/-/<project>-<version>.tgz", else the package
 * name's last part followed by "-<version>.tgz". */
static int
version_from_tgz(const char *name, const char *tgz, char *out, size_t outlen)
{
	const char *base = strrchr(tgz, '/'), *proj;

	base = base ? base + 1 : tgz;
	if (!ends_with(base, ".tgz"))
		return -1;
	if (strncmp(tgz, "http://", 7) == 0 || strncmp(tgz, "https://", 8) == 0) {
		const char *tf = NULL, *p = tgz;

		while ((p = strstr(p, "/-/")) != NULL)
			tf = p++;
		if (tf != NULL && tf + 3 == base) {
			const char *pre = tf;

			while (pre > tgz && pre[-1] != '/')
				pre--;
			if (version_from_base(base, pre, (size_t)(tf - pre), out, outlen) == 0)
				return 0;
		}
	}
	proj = strrchr(name, '/');
	proj = proj ? proj + 1 : name;
	return version_from_base(base, proj, strlen(proj), out, outlen);
}

/* A file: folder relative to the project root, as a location ("./a/../b" ->
 * "b", "../x" stays): NULL when it is not a relative path. */
static char *
folder_location(const char *spec)
{
	char *out = malloc(strlen(spec) + 1), *o = out;
	const char *p = spec;

	if (out == NULL || spec[0] == '/' || spec[0] == '\0' || strchr(spec, '\\') != NULL) {
		free(out);
		return NULL;
	}
	while (*p != '\0') {
		const char *e = strchr(p, '/');
		size_t n = e ? (size_t)(e - p) : strlen(p);

		if (n == 2 && p[0] == '.' && p[1] == '.') {
			/* drop the previous part unless it is itself ".." */
			char *last = o > out ? o - 1 : out;

			while (last > out && last[-1] != '/')
				last--;
			if (o > out && strncmp(last, "../", 3) != 0)
				o = last;
			else {
				memcpy(o, "../", 3);
				o += 3;
			}
		} else if (n > 0 && !(n == 1 && p[0] == '.')) {
			memcpy(o, p, n);
			o += n;
			*o++ = '/';
		}
		p += n;
		if (*p == '/')
			p++;
	}
	if (o > out)
		o--; /* trailing '/' */
	*o = '\0';
	return out;
}

/* A v1 file: folder dependency: a link at lock->nodes[li] to the folder, which
 * gets a node of its own (once) holding the entry's requires. *folder_loc is the
 * folder's location, under which the entry's nested dependencies live. */
static int
v1_link(struct ns_lock *lock, size_t li, const json_t *e, char **folder_loc, struct ns_err *err)
{
	struct ns_lock_node *n = &lock->nodes[li], *f;
	const json_t *req = json_object_get(e, "requires");
	char *target = folder_location(n->version + 5);
	int kind;
	size_t i;

	if (target == NULL || (kind = ns_lock_location_kind(target)) < 0) {
		free(target);
		return ns_fail(err, "file: dependency \"%.128s\" of \"%.128s\" is not a relative "
		    "folder", n->version, n->location);
	}
	if (ns_lock_location_reserved(target)) {
		free(target);
		return ns_fail(err, "file: dependency \"%.128s\" of \"%.128s\" is a folder named "
		    "node_modules or .bin, which npm puts on the PATH of install scripts",
		    n->version, n->location);
	}
	n->link = 1;
	n->registry = 0;
	n->outside = kind == 1;
	n->link_target = target;
	if ((*folder_loc = strdup(target)) == NULL)
		return ns_fail(err, "out of memory");
	for (i = 0; i < lock->n; i++)
		if (strcmp(lock->nodes[i].location, target) == 0)
			return 0;
	if (ns_lock_add_node(lock, err) < 0)
		return -1;
	n = &lock->nodes[li];
	f = &lock->nodes[lock->n - 1];
	f->folder = 1;
	f->outside = kind == 1;
	if ((f->location = strdup(target)) == NULL ||
	    (n->name != NULL && (f->name = strdup(n->name)) == NULL))
		return ns_fail(err, "out of memory");
	if (json_is_object(req) && ns_lock_add_requires(f, req, "requires", err) < 0)
		return -1;
	return 0;
}

/* Reads the "version" field's other forms; *folder_loc is set for file: folders. */
static int
v1_version(struct ns_lock *lock, size_t i, const json_t *e, char **folder_loc,
           struct ns_err *err)
{
	struct ns_lock_node *n = &lock->nodes[i];
	const char *v = n->version;
	char ver[128], *nv;
	int tarball;

	if (v == NULL || n->registry)
		return 0;
	if (strncmp(v, "npm:", 4) == 0)
		return v1_alias(n, err);
	tarball = strncmp(v, "http://", 7) == 0 || strncmp(v, "https://", 8) == 0 ||
	    (strncmp(v, "file:", 5) == 0 && (ends_with(v, ".tgz") || ends_with(v, ".tar.gz") ||
	    ends_with(v, ".tar")));
	if (strncmp(v, "file:", 5) == 0 && !tarball)
		return v1_link(lock, i, e, folder_loc, err);
	if (tarball && n->name != NULL && version_from_tgz(n->name, v, ver, sizeof(ver)) == 0) {
		if ((nv = strdup(ver)) == NULL)
			return ns_fail(err, "out of memory");
		free(n->version);
		n->version = nv;
		n->registry = 1;
	}
	return 0;
}

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
		size_t len, idx;
		char *loc, *folder = NULL;
		const json_t *req, *nested;
		int rc;

		if (!json_is_object(e))
			return ns_fail(err, "dependency \"%.128s\" is not an object", name);
		if (!ns_lock_valid_name(name))
			return ns_fail(err, "\"%.128s\" is not a valid package name", name);
		len = strlen(parent) + strlen(name) + 16;
		if (len > 4096 || (loc = malloc(len)) == NULL)
			return ns_fail(err, "dependency location too long under \"%.128s\"", parent);
		snprintf(loc, len, "%s%snode_modules/%s", parent, parent[0] ? "/" : "", name);
		if (ns_lock_location_reserved(loc)) {
			rc = ns_fail(err, "dependency \"%.128s\" (at \"%.128s\") would be installed "
			    "in a folder named node_modules or .bin, which npm puts on the PATH of "
			    "install scripts", name, loc);
			free(loc);
			return rc;
		}
		if (ns_lock_add_node(lock, err) < 0) {
			free(loc);
			return -1;
		}
		idx = lock->n - 1;
		n = &lock->nodes[idx];
		n->location = loc;
		if ((n->name = strdup(name)) == NULL)
			return ns_fail(err, "out of memory");
		if (ns_lock_set_version(n, json_object_get(e, "version"), err) < 0 ||
		    ns_lock_read_flags(n, e, err) < 0 || v1_version(lock, idx, e, &folder, err) < 0) {
			free(folder);
			return -1;
		}
		n = &lock->nodes[idx];
		if (ns_lock_check_source(n, e, err) < 0 || ns_lock_set_fetch(n, e, err) < 0) {
			free(folder);
			return -1;
		}
		req = json_object_get(e, "requires");
		nested = json_object_get(e, "dependencies");
		/* a link's requires are its folder's (v1_link) */
		if (!n->link && json_is_object(req) &&
		    ns_lock_add_requires(n, req, "requires", err) < 0) {
			free(folder);
			return -1;
		}
		/* npm@4 shrinkwraps have no "requires": a nested copy is there because
		 * its parent (or one of the parent's nested copies) depends on it */
		if (!n->link && req == NULL && json_is_object(nested) &&
		    ns_lock_add_requires(n, nested, "dependencies", err) < 0) {
			free(folder);
			return -1;
		}
		rc = nested == NULL ? 0 : parse_v1_tree(lock, nested, folder ? folder :
		    lock->nodes[idx].location, depth + 1, err);
		free(folder);
		if (rc < 0)
			return -1;
	}
	return 0;
}

int
ns_lock_parse_v1(struct ns_lock *lock, const json_t *deps, struct ns_err *err)
{
	return parse_v1_tree(lock, deps, "", 0, err);
}
