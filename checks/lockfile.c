/* Lockfile parsing (v1 trees, v2/v3 package maps, aliases); see lockfile.h.
 * Resolution of the parsed nodes is lockfile_resolve.c; package names and install
 * locations are lockfile_names.c. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "lockfile.h"
#include "lockfile_int.h"
#include "sanitize.h"
#include "semver.h"

static void
node_clear(struct ns_lock_node *n)
{
	size_t i;

	free(n->location);
	free(n->name);
	free(n->version);
	free(n->link_target);
	free(n->fetch);
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
	json_decref(lock->notes);
	memset(lock, 0, sizeof(*lock));
}

int
ns_lock_add_node(struct ns_lock *lock, struct ns_err *err)
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

int
ns_lock_add_requires(struct ns_lock_node *n, const json_t *deps, const char *what,
                     struct ns_err *err)
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
		if (!ns_lock_valid_name(key))
			return ns_fail(err, "%s of \"%s\": \"%.64s\" is not a package name", what,
			    n->location, key);
		if (ns_lock_name_reserved(key))
			return ns_fail(err, "%s of \"%s\": \"%.64s\" would be installed in a folder "
			    "named node_modules or .bin, which npm puts on the PATH of install scripts",
			    what, n->location, key);
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

int
ns_lock_set_version(struct ns_lock_node *n, const json_t *v, struct ns_err *err)
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

int
ns_lock_read_flags(struct ns_lock_node *n, const json_t *e, struct ns_err *err)
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

/* The package and version of a registry tarball URL: http(s), any host, a path
 * ending "/<name>/-/<name>-<version>.tgz" ("/@scope/<name>/-/<name>-<version>.tgz",
 * or ".../-/@scope/<name>-<version>.tgz"), read after percent-decoding as the
 * registry reads it. 1 when it is one (name, version filled), 0 when the URL is
 * not of that form, -1 when it is one npm and the registry may read otherwise
 * than its text (bad escapes, dot segments, spaces or control characters). */
int
ns_lock_registry_tarball(const char *url, char *name, size_t namecap, char *version,
                         size_t vercap)
{
	char path[4096], *seg[64], *base;
	const char *p = url;
	size_t n = 0, ns = 0, k, blen, plen;

	while (*p != '\0' && (unsigned char)*p <= 0x20)
		p++;
	if (strncasecmp(p, "http://", 7) != 0 && strncasecmp(p, "https://", 8) != 0)
		return 0;
	if (p != url)
		return -1;
	p += p[4] == ':' ? 7 : 8;
	p += strcspn(p, "/?#\\");
	for (; *p != '\0' && *p != '?' && *p != '#'; p++) {
		unsigned c = (unsigned char)*p;

		if (c == '%') {
			char hex[3] = { p[1], p[1] ? p[2] : 0, 0 };

			if (!isxdigit((unsigned char)hex[0]) || !isxdigit((unsigned char)hex[1]))
				return -1;
			c = (unsigned)strtoul(hex, NULL, 16);
			p += 2;
		}
		if (c <= 0x20 || c >= 0x7f || c == '\\' || n + 1 >= sizeof(path))
			return -1;
		path[n++] = (char)c;
	}
	path[n] = '\0';
	for (p = path; *p != '\0' && ns < sizeof(seg) / sizeof(seg[0]); ) {
		size_t l = strcspn(p, "/");

		seg[ns++] = (char *)p;
		p += l;
		if (*p == '/')
			path[p++ - path] = '\0';
	}
	if (*p != '\0')
		return -1;
	for (k = 0; k < ns; k++)
		if (strcmp(seg[k], ".") == 0 || strcmp(seg[k], "..") == 0)
			return -1;
	for (k = ns; k > 0 && strcmp(seg[k - 1], "-") != 0; k--)
		;
	if (k == 0 || k < 2 || ns == 0 || (blen = strlen(seg[ns - 1])) < 5 ||
	    strcmp(seg[ns - 1] + blen - 4, ".tgz") != 0)
		return 0;
	k--; /* seg[k] is "-" */
	/* the name: "<name>" or "@scope/<name>" before the "-" */
	if (k >= 2 && seg[k - 2][0] == '@')
		snprintf(name, namecap, "%s/%s", seg[k - 2], seg[k - 1]);
	else
		snprintf(name, namecap, "%s", seg[k - 1]);
	/* after it: "<name>-<version>.tgz", or "@scope/<name>-<version>.tgz" */
	base = seg[ns - 1];
	if (!(k + 2 == ns || (k + 3 == ns && k >= 2 && seg[k - 2][0] == '@' &&
	    strcmp(seg[k + 1], seg[k - 2]) == 0)))
		return -1;
	plen = strlen(seg[k - 1]);
	if (blen <= plen + 5 || strncmp(base, seg[k - 1], plen) != 0 || base[plen] != '-' ||
	    blen - plen - 5 >= vercap)
		return -1;
	memcpy(version, base + plen + 1, blen - plen - 5);
	version[blen - plen - 5] = '\0';
	return 1;
}

/* A version npm does not look up in the registry: file:, link:, git and URL
 * specs, paths and hosted-git shorthands (a '/'), tarball file names. */
static int
non_registry_spec(const char *v)
{
	static const char *const prefixes[] = { "file:", "link:", "git+", "git:", "git@", "ssh:",
	    "http:", "https:", "github:", "gitlab:", "bitbucket:", "gist:" };
	size_t i, n = strlen(v);

	for (i = 0; i < sizeof(prefixes) / sizeof(prefixes[0]); i++)
		if (strncasecmp(v, prefixes[i], strlen(prefixes[i])) == 0)
			return 1;
	return strchr(v, '/') != NULL ||
	    (n > 4 && (strcasecmp(v + n - 4, ".tgz") == 0 || strcasecmp(v + n - 4, ".tar") == 0)) ||
	    (n > 7 && strcasecmp(v + n - 7, ".tar.gz") == 0);
}

/* What npm installs for an entry is what "resolved" (or a v1 URL "version")
 * names, not what "version" says: a registry tarball URL must name the entry's
 * package (an alias's real name) and version, or the audit would check one
 * version while npm installs another. A version that is not an exact one (a
 * range or a dist-tag) with nothing else to fetch is resolved by npm at install.
 * Links and the project's own folders are not fetched. */
int
ns_lock_check_source(const struct ns_lock_node *n, const json_t *e, struct ns_err *err)
{
	const json_t *res = json_object_get(e, "resolved");
	const char *urls[2] = { NULL, json_string_value(json_object_get(e, "version")) };
	char uname[256], uver[128], loc[160], v1[160], v2[160];
	size_t i;
	int other = 0;

	if (n->link || n->folder || n->location[0] == '\0')
		return 0;
	ns_sanitize(loc, sizeof(loc), n->location);
	if (res != NULL && !json_is_string(res))
		return ns_fail(err, "entry \"%s\": \"resolved\" is not a string", loc);
	urls[0] = json_string_value(res);
	for (i = 0; i < 2; i++) {
		int kind = urls[i] != NULL ? ns_lock_registry_tarball(urls[i], uname, sizeof(uname), uver,
		    sizeof(uver)) : 0;

		ns_sanitize(v1, sizeof(v1), urls[i] != NULL ? urls[i] : "");
		if (kind < 0)
			return ns_fail(err, "entry \"%s\": \"%s\" is a registry tarball URL that "
			    "cannot be read unambiguously", loc, v1);
		if (kind == 0) {
			other |= i == 0 && urls[0] != NULL && urls[0][0] != '\0';
			continue;
		}
		if (n->name == NULL || n->version == NULL || strcmp(uname, n->name) != 0 ||
		    strcmp(uver, n->version) != 0) {
			ns_sanitize(v1, sizeof(v1), uname);
			ns_sanitize(v2, sizeof(v2), uver);
			ns_sanitize(uname, sizeof(uname), n->name != NULL ? n->name : "?");
			ns_sanitize(uver, sizeof(uver), n->version != NULL ? n->version : "?");
			return ns_fail(err, "entry \"%s\" says %s@%s but its %s URL is the "
			    "registry tarball of %s@%s, which is what npm installs", loc, uname,
			    uver, i == 0 ? "resolved" : "version", v1, v2);
		}
	}
	if (n->version != NULL && !n->registry && !other && !non_registry_spec(n->version)) {
		ns_sanitize(v1, sizeof(v1), n->version);
		return ns_fail(err, "entry \"%s\": version '%s' is a range or dist-tag, not an "
		    "exact version: npm would resolve it at install; the audit cannot tell which "
		    "version", loc, v1);
	}
	return 0;
}

int
ns_lock_set_fetch(struct ns_lock_node *n, const json_t *e, struct ns_err *err)
{
	const char *res = json_string_value(json_object_get(e, "resolved"));
	const char *v = json_string_value(json_object_get(e, "version"));
	struct ns_semver sv;

	if (res == NULL || res[0] == '\0')
		res = v != NULL && strncmp(v, "npm:", 4) != 0 && non_registry_spec(v) &&
		    ns_semver_parse(&sv, v, NS_SEMVER_LOOSE) != 0 ? v : NULL;
	if (res != NULL && (n->fetch = strdup(res)) == NULL)
		return ns_fail(err, "out of memory");
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
		int kind;

		if (!json_is_object(e))
			return ns_fail(err, "packages[\"%.128s\"] is not an object", loc);
		if ((kind = ns_lock_location_kind(loc)) < 0)
			return ns_fail(err, "packages key \"%.128s\" is not a valid location", loc);
		if (ns_lock_location_reserved(loc))
			return ns_fail(err, "packages key \"%.128s\" installs a package in a folder "
			    "named node_modules or .bin, which npm puts on the PATH of install scripts",
			    loc);
		if (ns_lock_add_node(lock, err) < 0)
			return -1;
		n = &lock->nodes[lock->n - 1];
		if ((n->location = strdup(loc)) == NULL)
			return ns_fail(err, "out of memory");
		n->outside = kind == 1;
		n->folder = loc[0] != '\0' && ns_lock_name_from_location(loc) == NULL;
		nm = json_string_value(json_object_get(e, "name"));
		if (nm == NULL)
			nm = ns_lock_name_from_location(loc);
		if (nm == NULL && loc[0] != '\0') {
			nm = strrchr(loc, '/');
			nm = nm ? nm + 1 : loc;
		}
		/* a folder of the project's own may be named anything ("../.."): no name then */
		if (nm != NULL && n->folder && !ns_lock_valid_name(nm))
			nm = NULL;
		if (nm != NULL) {
			if (!ns_lock_valid_name(nm))
				return ns_fail(err, "packages[\"%.128s\"] has no valid package name", loc);
			if ((n->name = strdup(nm)) == NULL)
				return ns_fail(err, "out of memory");
		}
		if (ns_lock_set_version(n, json_object_get(e, "version"), err) < 0 || ns_lock_read_flags(n, e, err) < 0)
			return -1;
		/* folders are the project's (or a linked project's) own code, not installs
		 * from the registry, whatever version their package.json states (npm does
		 * not audit link targets either) */
		if (n->folder)
			n->registry = 0;
		if (flag(e, "link", err, loc, &link) < 0)
			return -1;
		if (link) {
			const char *target = json_string_value(json_object_get(e, "resolved"));

			n->link = 1;
			n->registry = 0;
			if (target == NULL || (kind = ns_lock_location_kind(target)) < 0)
				return ns_fail(err, "link \"%.128s\" has no valid \"resolved\" target", loc);
			if (ns_lock_location_reserved(target))
				return ns_fail(err, "link \"%.128s\" targets \"%.128s\", a folder named "
				    "node_modules or .bin, which npm puts on the PATH of install scripts",
				    loc, target);
			n->outside = kind == 1;
			if ((n->link_target = strdup(target)) == NULL)
				return ns_fail(err, "out of memory");
		}
		if (ns_lock_check_source(n, e, err) < 0 || ns_lock_set_fetch(n, e, err) < 0)
			return -1;
		if (ns_lock_add_requires(n, json_object_get(e, "dependencies"), "dependencies", err) < 0 ||
		    ns_lock_add_requires(n, json_object_get(e, "optionalDependencies"),
		    "optionalDependencies", err) < 0 ||
		    ns_lock_add_requires(n, json_object_get(e, "peerDependencies"), "peerDependencies",
		    err) < 0)
			return -1;
		/* devDependencies are installed only for the root and workspaces */
		if ((loc[0] == '\0' || n->folder) &&
		    ns_lock_add_requires(n, json_object_get(e, "devDependencies"), "devDependencies",
		    err) < 0)
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
	if ((lock->notes = json_array()) == NULL)
		return ns_fail(err, "out of memory");
	root = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	if (root == NULL && json_error_code(&je) == json_error_duplicate_key) {
		/* a bad merge: read it as npm does (last copy wins) if the copies agree */
		if (ns_lock_check_duplicates(buf, len, lock->notes, err) < 0)
			goto out;
		root = json_loadb(buf, len, 0, &je);
	}
	if (root == NULL) {
		ns_fail(err, "lockfile is not valid JSON (line %d: %s)", je.line, je.text);
		goto out;
	}
	if (!json_is_object(root)) {
		ns_fail(err, "lockfile is not a JSON object");
		goto out;
	}
	ver = json_object_get(root, "lockfileVersion");
	pkgs = json_object_get(root, "packages");
	if (ver == NULL) {
		/* npm@4 and npm@5 prereleases wrote none; npm reads such a file as a v1
		 * tree, or by its "packages" map when it has one */
		json_array_append_new(lock->notes, json_string(pkgs == NULL ? "the lockfile has "
		    "no lockfileVersion (npm@4/npm@5-pre): read as a version 1 tree" :
		    "the lockfile has no lockfileVersion: read by its \"packages\" map"));
		ver = json_integer(pkgs == NULL ? 1 : 3);
		json_object_set_new(root, "lockfileVersion", (json_t *)ver);
	}
	if (!json_is_integer(ver) || json_integer_value(ver) < 1 || json_integer_value(ver) > 3) {
		ns_fail(err, "unsupported lockfileVersion (1, 2 or 3 expected)");
		goto out;
	}
	lock->lockfile_version = (int)json_integer_value(ver);
	if (json_is_string(json_object_get(root, "name")))
		lock->root_name = strdup(json_string_value(json_object_get(root, "name")));
	if (json_is_string(json_object_get(root, "version")))
		lock->root_version = strdup(json_string_value(json_object_get(root, "version")));
	if (pkgs != NULL) {
		if (parse_packages(lock, pkgs, err) < 0)
			goto out;
	} else if (lock->lockfile_version >= 3) {
		ns_fail(err, "lockfileVersion 3 without a \"packages\" map");
		goto out;
	} else {
		if (ns_lock_add_node(lock, err) < 0)
			goto out;
		if ((lock->nodes[0].location = strdup("")) == NULL) {
			ns_fail(err, "out of memory");
			goto out;
		}
		if (json_object_get(root, "dependencies") != NULL &&
		    ns_lock_parse_v1(lock, json_object_get(root, "dependencies"), err) < 0)
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
