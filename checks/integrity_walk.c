/* Reading one tarball: the stream (digest, gzip, framing, limits) feeds libarchive, and
 * every entry libarchive reports is held to the entry rules; see integrity_int.h. */
#include "config.h"

#include <errno.h>
#include <locale.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <archive.h>
#include <archive_entry.h>
#include <openssl/evp.h>

#include "nslog.h"
#include "integrity_int.h"
#include "integrity_path.h"
#include "integrity_stream.h"

json_t *
ns_json_bytes(const char *s)
{
	char buf[4096];

	if (ns_utf8_valid(s, strlen(s)))
		return json_string(s);
	ns_sanitize(buf, sizeof(buf), s);
	return json_string(buf);
}

void
ns_finding(struct ns_vctx *v, const char *id, const char *status, const char *path,
    const char *fmt, ...)
{
	char clean[512];
	va_list ap;
	json_t *list, *f;

	if (strcmp(status, "fail") == 0)
		v->failed = 1;
	list = json_object_get(v->findings, id);
	if (list == NULL) {
		list = json_array();
		if (list == NULL || json_object_set_new(v->findings, id, list) != 0)
			return;
	}
	/* past the cap only the count grows: one hostile archive, one bounded report */
	if (json_array_size(list) >= NS_FINDINGS_PER_CHECK) {
		json_t *last = json_array_get(list, json_array_size(list) - 1);
		json_int_t more = json_integer_value(json_object_get(last, "more")) + 1;

		if (json_object_get(last, "more") == NULL) {
			last = json_pack("{s:s,s:s,s:s,s:I}", "id", id, "status", status,
			    "message", "further findings of this check omitted", "more", (json_int_t)0);
			json_array_append_new(list, last);
			more = 1;
		}
		json_object_set_new(last, "more", json_integer(more));
		return;
	}
	/* Messages quote the package (script bodies, names, paths): stored as one
	 * printable, bounded line, so no report reader can be handed a second line. */
	va_start(ap, fmt);
	ns_vformat_clean(clean, sizeof(clean), fmt, ap);
	va_end(ap);
	f = json_pack("{s:s,s:s,s:s}", "id", id, "status", status, "message", clean);
	if (f == NULL)
		return;
	if (path != NULL) {
		ns_sanitize(clean, sizeof(clean), path);
		json_object_set_new(f, "path", json_string(clean));
	}
	json_array_append_new(list, f);
}

int
ns_vctx_init(struct ns_vctx *v, const struct ns_verify_opts *o, int is_previous,
    struct ns_err *err)
{
	memset(v, 0, sizeof(*v));
	v->o = o;
	v->is_previous = is_previous;
	v->max_unpacked = o->max_unpacked ? o->max_unpacked : NS_VERIFY_DEFAULT_MAX_UNPACKED;
	v->max_entries = o->max_entries ? o->max_entries : NS_VERIFY_DEFAULT_MAX_ENTRIES;
	v->max_ratio = o->max_ratio ? o->max_ratio : NS_VERIFY_DEFAULT_MAX_RATIO;
	v->max_path = o->max_path ? o->max_path : NS_VERIFY_DEFAULT_MAX_PATH;
	v->want_file_digests = o->previous_fd >= 0;
	v->findings = json_object();
	v->files = json_object();
	v->folded = json_object();
	v->seen = json_object();
	v->generated = json_array();
	v->missing = json_object();
	v->bundled = json_object();
	v->install = json_array();
	if (v->missing == NULL || v->bundled == NULL || v->install == NULL ||
	    v->findings == NULL || v->files == NULL ||
	    v->folded == NULL || v->seen == NULL || v->generated == NULL)
		return ns_fail(err, "out of memory");
	return 0;
}

void
ns_vctx_free(struct ns_vctx *v)
{
	json_decref(v->findings);
	json_decref(v->files);
	json_decref(v->folded);
	json_decref(v->seen);
	json_decref(v->generated);
	json_decref(v->missing);
	json_decref(v->bundled);
	json_decref(v->install);
	json_decref(v->manifest_json);
	free(v->manifest);
	free(v->shrinkwrap);
	free(v->top);
	memset(v, 0, sizeof(*v));
}

static la_ssize_t
read_cb(struct archive *a, void *client, const void **buf)
{
	struct ns_tgz *s = client;
	ssize_t n = ns_tgz_read(s, buf);

	if (n < 0) {
		archive_set_error(a, EIO, "%s",
		    s->fail_id != NULL ? s->fail_msg : s->io_msg);
		return -1;
	}
	return n;
}

#define NS_READER_MSG 256

/* Per-entry consumers of the file data. */
struct entry_sink {
	const char *path;          /* effective path */
	int is_manifest, is_shrinkwrap;
	EVP_MD_CTX *sha256;
	struct ns_srccmp *src;
	struct ns_bundled_pj *bundled;
	uint64_t got;
};

static int
sink_data(struct ns_vctx *v, struct entry_sink *k, const void *buf, size_t n,
    struct ns_err *err)
{
	if (k->is_manifest && v->manifest_count == 1 && v->manifest != NULL) {
		if (v->manifest_len + n > NS_VERIFY_MANIFEST_MAX) {
			ns_finding(v, "manifest.json", "fail", k->path,
			    "package.json is larger than %d bytes", NS_VERIFY_MANIFEST_MAX);
			free(v->manifest);
			v->manifest = NULL;
		} else {
			memcpy(v->manifest + v->manifest_len, buf, n);
			v->manifest_len += n;
		}
	}
	if (k->sha256 != NULL && EVP_DigestUpdate(k->sha256, buf, n) != 1)
		return ns_fail(err, "sha256 update failed");
	if (k->src != NULL)
		ns_source_feed(k->src, buf, n);
	if (ns_bundled_feed(k->bundled, buf, n, err) != 0)
		return -1;
	if (k->is_shrinkwrap && ns_bin_shrinkwrap_feed(v, buf, n, err) != 0)
		return -1;
	k->got += n;
	return 0;
}

static int
sink_end(struct ns_vctx *v, struct entry_sink *k, json_t *info, struct ns_err *err)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	char hex[2 * EVP_MAX_MD_SIZE + 1];
	unsigned int len = 0, i;

	if (k->src != NULL) {
		ns_source_end(v, k->src);
		k->src = NULL;
	}
	if (k->sha256 != NULL) {
		if (EVP_DigestFinal_ex(k->sha256, md, &len) != 1)
			return ns_fail(err, "sha256 final failed");
		for (i = 0; i < len; i++)
			snprintf(hex + 2 * i, 3, "%02x", md[i]);
		if (info != NULL)
			json_object_set_new(info, "sha256", json_string(hex));
	}
	return 0;
}

/* The archive's package folder: npm strips the first path component of every entry,
 * whatever its name (the @types packages use "<name>/"), so the first entry valid under
 * its own first component fixes it; every later entry must be under the same one. */
static const char *
package_top(struct ns_vctx *v, const char *path, int is_dir, const char **why, int *oom)
{
	size_t n = ns_tar_top_len(path);
	char *cand;

	*oom = 0;
	*why = path[0] == '/' ? "absolute path" :
	    "entry at the archive's root, outside a package folder";
	if (n == 0 && is_dir) /* "package", the folder itself (older npm wrote it so) */
		n = strlen(path);
	if (v->top != NULL || n == 0)
		return v->top;
	if ((cand = strndup(path, n)) == NULL) {
		*oom = 1;
		return NULL;
	}
	if (ns_tar_path_valid(path, cand, is_dir, why))
		v->top = cand;
	else
		free(cand);
	return v->top;
}

/* Canonical path of an entry under the package folder, named "package/..." whatever the
 * archive calls the folder, so that one name means one file in every later rule. */
static char *
package_canonical(const struct ns_vctx *v, const char *path, int under_top, int fold)
{
	size_t tl = v->top != NULL ? strlen(v->top) : 0, n;
	char *tmp, *c;

	if (!under_top || tl == 0)
		return ns_path_canonical(path, fold);
	n = strlen(path + tl) + sizeof("package");
	if ((tmp = malloc(n)) == NULL)
		return NULL;
	snprintf(tmp, n, "package%s", path + tl);
	c = ns_path_canonical(tmp, fold);
	free(tmp);
	return c;
}

/* Entry rules; returns 1 when the entry is a regular file whose data is to be read, with
 * its canonical path and its case-folded form (what names it on a case-insensitive file
 * system, so what every special name - package.json, binding.gyp, node_modules - is
 * matched against). */
static int
check_entry(struct ns_vctx *v, struct archive_entry *e, const char *path, char **canon_out,
    char **folded_out)
{
	mode_t type = archive_entry_filetype(e);
	const char *why, *top;
	char *canon = NULL, *folded;
	int valid, oom;
	json_t *first;

	*canon_out = NULL;
	*folded_out = NULL;
	if (strlen(path) > v->max_path) {
		ns_finding(v, "limit.path", "fail", NULL, "path of %zu bytes exceeds the limit of %u",
		    strlen(path), v->max_path);
		return 0;
	}
	if (archive_entry_hardlink(e) != NULL || archive_entry_symlink(e) != NULL) {
		ns_finding(v, "entry.type", "fail", path, "link entry");
		return 0;
	}
	if (type != AE_IFREG && type != AE_IFDIR) {
		ns_finding(v, "entry.type", "fail", path, "entry is not a regular file");
		return 0;
	}
	if (archive_entry_sparse_count(e) > 0) {
		ns_finding(v, "entry.type", "fail", path, "sparse file entry");
		return 0;
	}
	top = package_top(v, path, type == AE_IFDIR, &why, &oom);
	if (oom)
		return -1;
	if (top == NULL) {
		valid = 0;
		ns_finding(v, "entry.path", "fail", path, "%s", why);
	} else if (!(valid = ns_tar_path_valid(path, top, type == AE_IFDIR, &why))) {
		ns_finding(v, "entry.path", "fail", path, "%s", why);
	}
	if (type == AE_IFDIR)
		return 0; /* tolerated, never needed */
	/* duplicates are judged on the canonical form, so "package/./a" repeats "package/a" */
	if (ns_utf8_valid(path, strlen(path))) {
		if ((canon = package_canonical(v, path, valid, 0)) == NULL)
			return -1;
		if (json_object_get(v->seen, canon) != NULL) {
			ns_finding(v, "entry.duplicate", "fail", path,
			    "second entry for the same path (tar smuggling)");
			valid = 0;
		} else {
			json_object_set_new(v->seen, canon, json_true());
		}
		if (!valid)
			free(canon);
	}
	if (!valid)
		return 0;
	if ((folded = package_canonical(v, path, 1, 1)) == NULL) {
		free(canon);
		return -1;
	}
	/* one file on a case-insensitive file system (macOS, Windows): which one npm
	 * installs there is not the one judged here */
	if ((first = json_object_get(v->folded, folded)) != NULL) {
		ns_finding(v, "entry.case-collision", "fail", path,
		    "differs only in letter case from %s (one file where npm installs on a "
		    "case-insensitive file system)", json_string_value(first));
		free(folded);
		free(canon);
		return 0;
	}
	/* npm puts <package>/node_modules/.bin first on PATH for the package's own
	 * scripts, so a file shipped there (say .bin/sh) runs in place of the command an
	 * approved script names; npm pack never packs that folder (red team). So does a
	 * bundled folder named node_modules (node_modules/@s/node_modules/.bin) */
	if ((why = ns_tar_path_reserved_folder(folded)) != NULL) {
		ns_finding(v, "entry.path", "fail", path, "%s", why);
		free(folded);
		free(canon);
		return 0;
	}
	json_object_set_new(v->folded, folded, json_string(canon));
	json_object_set_new(v->files, canon, json_pack("{s:I}", "size",
	    (json_int_t)archive_entry_size(e)));
	*canon_out = canon;
	*folded_out = folded;
	return 1;
}

static int
read_entry_data(struct archive *a, struct ns_vctx *v, struct archive_entry *e,
    const char *canon, const char *folded, struct ns_err *err)
{
	struct entry_sink k;
	const void *buf;
	size_t n;
	la_int64_t off;
	int r;

	memset(&k, 0, sizeof(k));
	k.path = canon;
	if (strcmp(folded, "package/package.json") == 0) {
		k.is_manifest = 1;
		if (++v->manifest_count == 1 &&
		    (v->manifest = malloc(NS_VERIFY_MANIFEST_MAX)) == NULL)
			return ns_fail(err, "out of memory");
	}
	if (strcmp(folded, "package/binding.gyp") == 0)
		v->binding_gyp = 1;
	if (!v->is_previous && strcmp(folded, "package/npm-shrinkwrap.json") == 0)
		k.is_shrinkwrap = ++v->shrinkwrap_count == 1; /* more than one fails later */
	if (ns_bundled_begin(v, folded, &k.bundled, err) != 0)
		return -1;
	if (v->want_file_digests) {
		if ((k.sha256 = EVP_MD_CTX_new()) == NULL ||
		    EVP_DigestInit_ex(k.sha256, EVP_sha256(), NULL) != 1) {
			EVP_MD_CTX_free(k.sha256);
			ns_bundled_end(v, k.bundled, canon, 0);
			return ns_fail(err, "out of memory");
		}
	}
	if (!v->is_previous && v->o->source_dirfd >= 0)
		k.src = ns_source_begin(v, canon + 8, (uint64_t)archive_entry_size(e));
	while ((r = archive_read_data_block(a, &buf, &n, &off)) == ARCHIVE_OK) {
		if (off < 0 || (uint64_t)off != k.got) {
			/* holes mean a sparse map: npm never writes one */
			ns_finding(v, "entry.type", "fail", canon, "entry data has holes (sparse)");
			break;
		}
		if (sink_data(v, &k, buf, n, err) != 0) {
			r = ARCHIVE_FATAL;
			break;
		}
	}
	if (sink_end(v, &k, json_object_get(v->files, canon), err) != 0)
		r = ARCHIVE_FATAL;
	EVP_MD_CTX_free(k.sha256);
	if (r == ARCHIVE_EOF && k.got != (uint64_t)archive_entry_size(e))
		ns_finding(v, "tar.truncated", "fail", canon, "entry data shorter than its size");
	ns_bundled_end(v, k.bundled, canon, r == ARCHIVE_EOF &&
	    k.got == (uint64_t)archive_entry_size(e));
	return r == ARCHIVE_EOF || r == ARCHIVE_OK ? 0 : -1;
}

/* The libarchive loop. Returns 0 at a clean end, 1 when the archive reader stopped. */
static int
walk_entries(struct archive *a, struct ns_vctx *v, struct ns_tgz *s, char *reader_msg,
    struct ns_err *err)
{
	struct archive_entry *e;
	int r;

	while ((r = archive_read_next_header(a, &e)) == ARCHIVE_OK || r == ARCHIVE_WARN) {
		const char *path = archive_entry_pathname(e);
		char *canon = NULL, *folded = NULL;
		int want;

		if (r == ARCHIVE_WARN || path == NULL) {
			ns_finding(v, "entry.path", "fail", path, "unreadable path: %s",
			    archive_error_string(a) != NULL ? archive_error_string(a) : "no name");
			if (path == NULL)
				return 1;
		}
		v->entries++;
		want = check_entry(v, e, path, &canon, &folded);
		if (want < 0)
			return ns_fail(err, "out of memory");
		if (want == 1) {
			int rr = read_entry_data(a, v, e, canon, folded, err);

			free(canon);
			free(folded);
			if (rr != 0) {
				if (err->msg[0] != '\0' && s->fail_id == NULL && !s->io_error)
					return -1;
				snprintf(reader_msg, NS_READER_MSG, "%s",
				    archive_error_string(a) != NULL ? archive_error_string(a) :
				    "error");
				return 1;
			}
		}
	}
	if (r == ARCHIVE_EOF)
		return 0;
	snprintf(reader_msg, NS_READER_MSG, "%s",
	    archive_error_string(a) != NULL ? archive_error_string(a) : "error");
	return 1;
}

static int walk_tarball(int fd, struct ns_vctx *v, struct ns_err *err);

/* libarchive converts pax paths (always UTF-8) to the current locale's charset and fails
 * on non-ASCII names in the C locale. A UTF-8 LC_CTYPE for this thread only (uselocale,
 * not setlocale) keeps them byte-exact without touching process-wide state. */
int
ns_walk_tarball(int fd, struct ns_vctx *v, struct ns_err *err)
{
	locale_t utf8 = newlocale(LC_CTYPE_MASK, "C.UTF-8", (locale_t)0), old = (locale_t)0;
	int r;

	if (utf8 != (locale_t)0)
		old = uselocale(utf8);
	r = walk_tarball(fd, v, err);
	if (utf8 != (locale_t)0) {
		uselocale(old);
		freelocale(utf8);
	}
	return r;
}

static int
walk_tarball(int fd, struct ns_vctx *v, struct ns_err *err)
{
	struct ns_tgz s;
	struct archive *a;
	char reader_msg[NS_READER_MSG] = "";
	int r = 0;

	err->msg[0] = '\0';
	if (ns_tgz_init(&s, fd, v->max_unpacked, v->max_ratio, v->max_entries) != 0) {
		ns_fail(err, "%s", s.io_msg);
		ns_tgz_free(&s);
		return -1;
	}
	if ((a = archive_read_new()) == NULL) {
		ns_tgz_free(&s);
		return ns_fail(err, "out of memory");
	}
	/* tar only: the gzip layer is ours, so libarchive never auto-detects another format */
	if (archive_read_support_format_tar(a) != ARCHIVE_OK ||
	    archive_read_support_filter_none(a) != ARCHIVE_OK ||
	    archive_read_open(a, &s, NULL, read_cb, NULL) != ARCHIVE_OK) {
		snprintf(reader_msg, sizeof(reader_msg), "not a tar archive: %s",
		    archive_error_string(a) != NULL ? archive_error_string(a) : "?");
		r = 1;
	} else {
		r = walk_entries(a, v, &s, reader_msg, err);
	}
	if (r == 1)
		v->aborted = 1;
	archive_read_free(a);
	if (r < 0 || s.io_error) {
		if (s.io_error)
			ns_fail(err, "%s", s.io_msg);
		ns_tgz_free(&s);
		return -1;
	}
	ns_tgz_finish(&s);
	if (s.io_error) {
		ns_fail(err, "%s", s.io_msg);
		ns_tgz_free(&s);
		return -1;
	}
	/* the stream's own finding is the precise one; libarchive's is the fallback */
	if (s.fail_id != NULL) {
		ns_finding(v, s.fail_id, "fail", NULL, "%s", s.fail_msg);
		v->aborted = 1;
	} else if (r == 1) {
		ns_finding(v, "tar.header", "fail", NULL, "tar reader: %s", reader_msg);
	}
	v->unpacked = s.unpacked;
	v->compressed = s.compressed;
	v->have_digests = ns_tgz_digests(&s, v->sri, v->sha1) == 0;
	ns_tgz_free(&s);
	return 0;
}
