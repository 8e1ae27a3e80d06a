#include "config.h"

#include <archive.h>
#include <archive_entry.h>
#include <stdlib.h>
#include <string.h>

#include "manifest.h"

json_t *
manifest_read_fd(int fd, struct ns_err *err)
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
