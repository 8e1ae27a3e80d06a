#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"
#include "nslog.h"

/* npm extracts a tarball with its first path component stripped: "<top>/NAME". */
static int
top_member_is(const char *path, const char *name)
{
	const char *slash;

	if (path == NULL)
		return 0;
	if (path[0] == '.' && path[1] == '/')
		path += 2;
	slash = strchr(path, '/');
	return slash != NULL && slash != path && strcmp(slash + 1, name) == 0;
}

static json_t *
manifest_read(int fd, int *has_shrinkwrap, struct ns_err *err)
{
	struct archive *a = archive_read_new();
	struct archive_entry *e;
	json_t *m = NULL;
	json_error_t jerr;
	char *buf = NULL;
	la_ssize_t n;
	size_t len = 0;
	int found = 0, rc, entries = 0;

	if (a == NULL) {
		ns_fail(err, "out of memory");
		return NULL;
	}
	archive_read_support_filter_gzip(a);
	archive_read_support_format_tar(a);
	if (archive_read_open_fd(a, fd, 65536) != ARCHIVE_OK) {
		ns_fail(err, "tarball: %s", archive_error_string(a));
		goto out;
	}
	while ((rc = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		if (++entries > 200000) {
			ns_fail(err, "tarball: too many entries");
			goto out;
		}
		if (has_shrinkwrap != NULL && archive_entry_filetype(e) == AE_IFREG &&
		    top_member_is(archive_entry_pathname(e), "npm-shrinkwrap.json"))
			*has_shrinkwrap = 1;
		if (strcmp(archive_entry_pathname(e) ? archive_entry_pathname(e) : "",
		           "package/package.json") != 0)
			continue;
		if (found++) {
			ns_fail(err, "tarball: package/package.json occurs more than once");
			goto out;
		}
		if (archive_entry_filetype(e) != AE_IFREG ||
		    archive_entry_size(e) > NS_MANIFEST_MAX || archive_entry_size(e) < 0) {
			ns_fail(err, "tarball: package/package.json is not a regular file within %d bytes",
			        NS_MANIFEST_MAX);
			goto out;
		}
		buf = malloc((size_t)archive_entry_size(e) + 1);
		if (buf == NULL) {
			ns_fail(err, "out of memory");
			goto out;
		}
		while ((n = archive_read_data(a, buf + len, (size_t)archive_entry_size(e) - len)) > 0)
			len += (size_t)n;
		if (n < 0 || len != (size_t)archive_entry_size(e)) {
			ns_fail(err, "tarball: package/package.json truncated");
			goto out;
		}
	}
	if (rc != ARCHIVE_EOF) {
		ns_fail(err, "tarball: %s", archive_error_string(a));
		goto out;
	}
	if (!found) {
		ns_fail(err, "tarball: no package/package.json");
		goto out;
	}
	m = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &jerr);
	if (m == NULL || !json_is_object(m)) {
		ns_fail(err, "package.json: %s", m ? "not an object" : jerr.text);
		json_decref(m);
		m = NULL;
	}
out:
	free(buf);
	archive_read_free(a);
	return m;
}

json_t *
manifest_read_fd(int fd, struct ns_err *err)
{
	return manifest_read(fd, NULL, err);
}

json_t *
manifest_publish_fd(int fd, struct ns_err *err)
{
	int has_shrinkwrap = 0;
	json_t *m = manifest_read(fd, &has_shrinkwrap, err);

	if (m == NULL)
		return NULL;
	/* Never the publisher's word: npm publish drops every "_" key of package.json
	 * (_npmUser, _hasShrinkwrap, ...). ("deprecated" it keeps, and so do we: the
	 * checks show it to the approver as a warning.) */
	{
		const char *key;
		json_t *value;
		void *tmp;
		json_object_foreach_safe(m, tmp, key, value) {
			(void)value;
			if (key[0] == '_')
				json_object_del(m, key);
		}
	}
	if (has_shrinkwrap && json_object_set_new(m, "_hasShrinkwrap", json_true()) < 0) {
		json_decref(m);
		ns_fail(err, "out of memory");
		return NULL;
	}
	return m;
}

/* Keys of a version document that the registry (or the publishing client) adds
 * or rewrites and npm does not act on when installing: everything else (the
 * dependencies of every kind, overrides, bin, scripts, os/cpu/libc/engines,
 * main/exports/types, directories, gypfile, workspaces, name, version, and any
 * key this list does not name) must be exactly what the checked package.json
 * says. patchedDependencies is dropped by the publish document, as libnpmpublish
 * does (a pnpm field npm ignores); contributors and maintainers are rewritten
 * by registries (normalised to a list, the package's owners). */
static const char *const registry_keys[] = {
	"_id", "_rev", "dist", "_npmUser", "_nodeVersion", "_npmVersion",
	"_npmOperationalInternal", "_hasShrinkwrap", "maintainers", "gitHead", "readme",
	"readmeFilename", "deprecated", "patchedDependencies", "contributors",
};

static int
registry_key(const char *k)
{
	size_t i;

	for (i = 0; i < sizeof(registry_keys) / sizeof(registry_keys[0]); i++)
		if (strcmp(k, registry_keys[i]) == 0)
			return 1;
	return 0;
}

/* For an object-valued field: the first member that differs, to name it. */
static const char *
first_member_diff(const json_t *a, const json_t *b)
{
	const char *k;
	json_t *v;

	if (!json_is_object(a) || !json_is_object(b))
		return NULL;
	json_object_foreach((json_t *)a, k, v)
		if (!json_equal(v, json_object_get(b, k)))
			return k;
	json_object_foreach((json_t *)b, k, v)
		if (json_object_get(a, k) == NULL)
			return k;
	return NULL;
}

static void
note(char *diff, size_t cap, size_t *off, size_t n, const char *key, const char *member)
{
	char k[48], m[48], item[112];

	if (n > 8) {
		if (n == 9 && *off < cap)
			*off += (size_t)snprintf(diff + *off, cap - *off, ", ...");
		return;
	}
	ns_sanitize(k, sizeof(k), key);
	if (member != NULL) {
		ns_sanitize(m, sizeof(m), member);
		snprintf(item, sizeof(item), "%s[%s]", k, m);
	} else {
		snprintf(item, sizeof(item), "%s", k);
	}
	if (*off < cap)
		*off += (size_t)snprintf(diff + *off, cap - *off, "%s%s", n > 1 ? ", " : "", item);
}

size_t
manifest_compare(const json_t *checked, const json_t *version_doc, char *diff, size_t cap)
{
	const char *k;
	json_t *v, *w;
	size_t n = 0, off = 0;

	diff[0] = '\0';
	if (!json_is_object(checked) || !json_is_object(version_doc)) {
		snprintf(diff, cap, "(not a JSON object)");
		return 1;
	}
	json_object_foreach((json_t *)checked, k, v) {
		if (registry_key(k))
			continue;
		w = json_object_get(version_doc, k);
		if (w == NULL || !json_equal(v, w)) {
			n++;
			note(diff, cap, &off, n, k, w == NULL ? NULL : first_member_diff(v, w));
		}
	}
	json_object_foreach((json_t *)version_doc, k, v) {
		if (registry_key(k) || json_object_get(checked, k) != NULL)
			continue;
		n++;
		note(diff, cap, &off, n, k,
		     json_is_object(v) ? json_object_iter_key(json_object_iter(v)) : NULL);
	}
	return n;
}
