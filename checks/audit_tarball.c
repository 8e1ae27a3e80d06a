/* Reads package.json and npm-shrinkwrap.json out of an npm tarball. The full
 * hostile-archive checks run before the audit in `approve`; this is a simple,
 * bounded extraction of two members. */
#include "config.h"

#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "audit_int.h"
#include "lockfile.h"
#include "sanitize.h"

#define MAX_ENTRIES 200000

/* "package/npm-shrinkwrap.json" -> "npm-shrinkwrap.json"; NULL unless depth is one. */
static const char *
member_name(const char *path)
{
	const char *slash;

	if (path == NULL)
		return NULL;
	if (path[0] == '.' && path[1] == '/')
		path += 2;
	slash = strchr(path, '/');
	if (slash == NULL || slash == path || strchr(slash + 1, '/') != NULL)
		return NULL;
	return slash + 1;
}

static int
read_member(struct archive *a, struct archive_entry *ae, size_t max, char **out, size_t *len,
            const char *what, struct ns_err *err)
{
	la_int64_t size = archive_entry_size(ae);
	la_ssize_t r;
	size_t got = 0;
	char *buf;

	if (archive_entry_filetype(ae) != AE_IFREG)
		return ns_fail(err, "tarball member %s is not a regular file", what);
	if (size < 0 || (uint64_t)size > max)
		return ns_fail(err, "tarball member %s is larger than %zu bytes", what, max);
	if ((buf = malloc((size_t)size + 1)) == NULL)
		return ns_fail(err, "out of memory");
	while (got < (size_t)size && (r = archive_read_data(a, buf + got, (size_t)size - got)) > 0)
		got += (size_t)r;
	if (got != (size_t)size) {
		free(buf);
		return ns_fail(err, "tarball member %s is truncated: %s", what,
		    archive_error_string(a) ? archive_error_string(a) : "short read");
	}
	buf[got] = '\0';
	free(*out);
	*out = buf;
	*len = got;
	return 0;
}

/* The names package.json asks npm to install for its consumers are folder names
 * (node_modules/<name>, an alias's key included): none may be node_modules or .bin
 * (see ns_lock_name_reserved), whatever lockfile there is or is not. */
static int
check_dependency_names(const char *pkgjson, size_t len, struct ns_err *err)
{
	static const char *const kinds[] = { "dependencies", "optionalDependencies",
	    "peerDependencies", "bundleDependencies", "bundledDependencies" };
	json_t *pj = json_loadb(pkgjson, len, 0, NULL), *v;
	const char *name, *bad = NULL, *kind = NULL;
	char clean[160];
	size_t i, k;

	if (pj == NULL)
		return 0; /* not JSON: the audit says so when it reads it */
	for (i = 0; i < sizeof(kinds) / sizeof(kinds[0]) && bad == NULL; i++) {
		const json_t *deps = json_object_get(pj, kinds[i]);

		kind = kinds[i];
		json_object_foreach((json_t *)deps, name, v)
			if (ns_lock_name_reserved(name) && bad == NULL)
				bad = name;
		json_array_foreach(deps, k, v)
			if (json_is_string(v) && ns_lock_name_reserved(json_string_value(v)) &&
			    bad == NULL)
				bad = json_string_value(v);
	}
	if (bad != NULL) {
		ns_sanitize(clean, sizeof(clean), bad);
		ns_fail(err, "package.json %s: \"%s\" would be installed in a folder named "
		    "node_modules or .bin, which npm puts on the PATH of install scripts", kind,
		    clean);
	}
	json_decref(pj);
	return bad != NULL ? -1 : 0;
}

int
ns_audit_tarball_members(int fd, char **pkgjson, size_t *pjlen, char **shrinkwrap,
                         size_t *swlen, struct ns_err *err)
{
	struct archive *a;
	struct archive_entry *ae;
	size_t n = 0;
	int r, rc = -1;

	*pkgjson = *shrinkwrap = NULL;
	*pjlen = *swlen = 0;
	if ((a = archive_read_new()) == NULL)
		return ns_fail(err, "out of memory");
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		ns_fail(err, "tarball: %s", archive_error_string(a));
		goto out;
	}
	while ((r = archive_read_next_header(a, &ae)) == ARCHIVE_OK) {
		const char *m = member_name(archive_entry_pathname(ae));

		if (++n > MAX_ENTRIES) {
			ns_fail(err, "tarball has more than %d entries", MAX_ENTRIES);
			goto out;
		}
		if (m != NULL && strcmp(m, "package.json") == 0) {
			if (read_member(a, ae, NS_AUDIT_MAX_PKGJSON, pkgjson, pjlen, "package.json",
			    err) < 0)
				goto out;
		} else if (m != NULL && strcmp(m, "npm-shrinkwrap.json") == 0) {
			if (read_member(a, ae, NS_LOCK_MAX_BYTES, shrinkwrap, swlen,
			    "npm-shrinkwrap.json", err) < 0)
				goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		ns_fail(err, "tarball is unreadable: %s", archive_error_string(a));
		goto out;
	}
	if (*pkgjson != NULL && check_dependency_names(*pkgjson, *pjlen, err) < 0)
		goto out;
	rc = 0;
out:
	archive_read_free(a);
	if (rc < 0) {
		free(*pkgjson);
		free(*shrinkwrap);
		*pkgjson = *shrinkwrap = NULL;
	}
	return rc;
}
