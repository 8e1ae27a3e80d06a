/* Where the entries of a released package's own npm-shrinkwrap.json come from.
 *
 * npm 7 to 11 install a dependency that ships an npm-shrinkwrap.json (and whose
 * version document says "_hasShrinkwrap": true) with exactly that tree, and fetch
 * each entry from what its "resolved" names (arborist reify: the resolved URL, only
 * the default registry's host rewritten to the consumer's registry), a git
 * repository, a remote or file: tarball, not "name@version" from the registry. The
 * audit names advisories by name and version, which only says something about
 * bytes the registry serves under that name and version. So in the package being
 * released, an entry fetched from anywhere but the registry it is released to is
 * a failure: the audit cannot tell what it installs. Project lockfiles (given with
 * --lockfile, a source checkout's) are read as npm audit reads them: their git and
 * tarball entries are not installed by the package's consumers. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <strings.h>

#include "audit_int.h"
#include "lockfile.h"
#include "lockfile_int.h"
#include "sanitize.h"

/* "http://Host:80/p/" -> scheme length, authority (without a default port) and path. */
static int
url_parts(const char *url, size_t *slen, const char **auth, size_t *alen, const char **path)
{
	const char *p;
	size_t n;

	if (strncasecmp(url, "https://", 8) == 0)
		*slen = 5;
	else if (strncasecmp(url, "http://", 7) == 0)
		*slen = 4;
	else
		return -1;
	*auth = url + *slen + 3;
	n = strcspn(*auth, "/?#\\");
	if (n == 0 || memchr(*auth, '@', n) != NULL)
		return -1; /* no host, or credentials: never the configured registry */
	p = *auth + n;
	if (*slen == 5 && n > 4 && strncmp(*auth + n - 4, ":443", 4) == 0)
		n -= 4;
	else if (*slen == 4 && n > 3 && strncmp(*auth + n - 3, ":80", 3) == 0)
		n -= 3;
	*alen = n;
	*path = p;
	return 0;
}

/* 1 when url is under registry: same scheme, host and port, and a path inside
 * the registry's path. */
static int
under_registry(const char *url, const char *registry)
{
	size_t us, ua, rs, ra, rp;
	const char *uauth, *upath, *rauth, *rpath;

	if (registry == NULL || url_parts(url, &us, &uauth, &ua, &upath) < 0 ||
	    url_parts(registry, &rs, &rauth, &ra, &rpath) < 0)
		return 0;
	if (us != rs || strncasecmp(url, registry, us) != 0 || ua != ra ||
	    strncasecmp(uauth, rauth, ua) != 0)
		return 0;
	rp = strcspn(rpath, "?#");
	while (rp > 0 && rpath[rp - 1] == '/')
		rp--;
	return upath[0] == '/' && strncmp(upath, rpath, rp) == 0 && upath[rp] == '/';
}

static int
add(json_t *out, const struct ns_lock_node *n, const char *src, const char *reason)
{
	json_t *e = json_pack("{s:s,s:s,s:s,s:s}", "package", n->name ? n->name : n->location,
	    "location", n->location, "source", src, "reason", reason);

	return e == NULL || json_array_append_new(out, e) < 0 ? -1 : 0;
}

int
ns_audit_shrinkwrap_fetches(const struct ns_lock *lock, const char *registry_url, json_t *out,
                            struct ns_err *err)
{
	char reason[900], name[160], src[260], reg[200], un[256], uv[128];
	size_t i;

	ns_sanitize(reg, sizeof(reg), registry_url != NULL ? registry_url : "none configured");
	for (i = 0; i < lock->n; i++) {
		const struct ns_lock_node *n = &lock->nodes[i];

		/* the root and the package's own folders are not fetched (an "inBundle"
		 * flag is the file's word only: such entries are judged like the rest) */
		if (i == lock->root || (n->folder && !n->link))
			continue;
		ns_sanitize(name, sizeof(name), n->name != NULL ? n->name : n->location);
		if (n->link) {
			if (!n->outside)
				continue;
			ns_sanitize(src, sizeof(src), n->link_target ? n->link_target : "?");
			snprintf(reason, sizeof(reason), "npm-shrinkwrap.json links %s to %s, a folder "
			    "outside the package: not in the tarball, not auditable", name, src);
			if (add(out, n, n->link_target ? n->link_target : "?", reason) < 0)
				return ns_fail(err, "out of memory");
			continue;
		}
		/* no source of its own: npm fetches name@version from the consumer's registry */
		if (n->fetch == NULL)
			continue;
		if (ns_lock_registry_tarball(n->fetch, un, sizeof(un), uv, sizeof(uv)) == 1 &&
		    under_registry(n->fetch, registry_url))
			continue;
		ns_sanitize(src, sizeof(src), n->fetch);
		snprintf(reason, sizeof(reason), "npm-shrinkwrap.json makes every install of this "
		    "package fetch %s from %s, outside the registry (%s): not auditable", name, src,
		    reg);
		if (add(out, n, n->fetch, reason) < 0)
			return ns_fail(err, "out of memory");
	}
	return 0;
}
