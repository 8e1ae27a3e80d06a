/* `advisories update`: an index file built from OSV's zip export of an ecosystem
 * (one JSON record per member), read in place with libarchive, member by member,
 * never extracted. */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>

#include "advisory_int.h"

/* A member's name as shown in an error: printable and bounded. */
static void
shown_name(char *out, size_t outlen, const char *name)
{
	size_t i, o = 0;

	for (i = 0; name != NULL && name[i] != '\0' && o + 1 < outlen && i < 120; i++)
		out[o++] = (name[i] >= 0x20 && name[i] < 0x7f) ? name[i] : '?';
	out[o] = '\0';
}

static int
read_member(struct archive *a, struct archive_entry *e, char **buf, size_t *len,
            struct ns_err *err)
{
	la_int64_t size = archive_entry_size(e);
	char *b;
	size_t got = 0;

	*buf = NULL;
	if (!archive_entry_size_is_set(e) || size < 0 || size > (la_int64_t)NS_OSV_MAX_RECORD)
		return ns_fail(err, "missing size or larger than %u bytes", NS_OSV_MAX_RECORD);
	if ((b = malloc((size_t)size + 1)) == NULL)
		return ns_fail(err, "out of memory");
	for (;;) {
		la_ssize_t r = archive_read_data(a, b + got, (size_t)size + 1 - got);

		if (r < 0) {
			free(b);
			return ns_fail(err, "%s", archive_error_string(a) ? archive_error_string(a) :
			    "read error");
		}
		if (r == 0)
			break;
		got += (size_t)r;
		if (got > (size_t)size) {
			free(b);
			return ns_fail(err, "longer than its recorded size");
		}
	}
	if (got != (size_t)size) {
		free(b);
		return ns_fail(err, "truncated (%zu of %lld bytes)", got, (long long)size);
	}
	*buf = b;
	*len = got;
	return 0;
}

int
ns_advidx_import_zip(const char *zip_path, const char *origin, const char *out_path,
                     struct ns_advidx_stats *st, struct ns_err *err)
{
	struct advidx_writer w;
	struct archive *a;
	struct archive_entry *e;
	size_t members = 0;
	int r, rc = -1;

	if ((a = archive_read_new()) == NULL)
		return ns_fail(err, "out of memory");
	/* the seekable reader trusts the central directory at the end, so an archive
	 * cut short anywhere is refused, not read as a shorter export */
	archive_read_support_format_zip_seekable(a);
	if (archive_read_open_filename(a, zip_path, 65536) != ARCHIVE_OK) {
		ns_fail(err, "%s: %s", zip_path, archive_error_string(a));
		archive_read_free(a);
		return -1;
	}
	if (advidx_writer_open(&w, out_path, st, err) < 0) {
		archive_read_free(a);
		return -1;
	}
	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK) {
		const char *name = archive_entry_pathname(e);
		size_t nl = name ? strlen(name) : 0;
		char shown[128], *buf = NULL;
		size_t len = 0;

		shown_name(shown, sizeof(shown), name);
		if (archive_entry_filetype(e) == AE_IFDIR)
			continue;
		if (archive_entry_filetype(e) != AE_IFREG || nl <= 5 ||
		    strcmp(name + nl - 5, ".json") != 0) {
			ns_fail(err, "%s: member \"%s\" is not an OSV record (*.json)", zip_path, shown);
			goto out;
		}
		if (++members > NS_ADVIDX_MAX_FILES) {
			ns_fail(err, "%s: more than %d records", zip_path, NS_ADVIDX_MAX_FILES);
			goto out;
		}
		if (read_member(a, e, &buf, &len, err) < 0) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			ns_fail(err, "%s: member \"%s\": %s", zip_path, shown, msg);
			goto out;
		}
		r = advidx_writer_add(&w, buf, len, shown, NULL, NULL, err);
		free(buf);
		if (r < 0) {
			char msg[sizeof(err->msg)];

			snprintf(msg, sizeof(msg), "%s", err->msg);
			ns_fail(err, "%s: %s", zip_path, msg);
			goto out;
		}
	}
	if (r != ARCHIVE_EOF) {
		ns_fail(err, "%s: not a complete zip archive: %s", zip_path,
		    archive_error_string(a) ? archive_error_string(a) : "read error");
		goto out;
	}
	if (members == 0) {
		ns_fail(err, "%s: no OSV records in the archive", zip_path);
		goto out;
	}
	if (advidx_writer_finish(&w, "export", origin, err) < 0 ||
	    advidx_writer_compare(&w, out_path, err) < 0 || advidx_install(&w, out_path, err) < 0)
		goto out;
	rc = 0;
out:
	if (rc < 0)
		advidx_writer_abort(&w);
	archive_read_free(a);
	return rc;
}
