/* ns_verify_fd(): one tarball (and optionally the previous version and the source
 * checkout) in, one JSON report out; see integrity.h. */
#include "config.h"

#include <string.h>

#include "integrity_bin.h"
#include "integrity_int.h"

/* The documented check ids, in report order, and when each one runs. */
enum { RUN_ALWAYS, RUN_CONTENT, RUN_INTEGRITY, RUN_SHASUM, RUN_EXPECT, RUN_SOURCE,
	RUN_PREVIOUS };

static const struct {
	const char *id;
	int when;
} catalogue[] = {
	{ "digest.integrity", RUN_INTEGRITY },
	{ "digest.shasum", RUN_SHASUM },
	{ "gzip.format", RUN_ALWAYS },
	{ "gzip.trailing", RUN_ALWAYS },
	{ "tar.header", RUN_ALWAYS },
	{ "tar.pax", RUN_ALWAYS },
	{ "tar.truncated", RUN_ALWAYS },
	{ "tar.trailing", RUN_ALWAYS },
	{ "limit.unpacked", RUN_ALWAYS },
	{ "limit.ratio", RUN_ALWAYS },
	{ "limit.entries", RUN_ALWAYS },
	{ "limit.path", RUN_CONTENT },
	{ "entry.type", RUN_CONTENT },
	{ "entry.path", RUN_CONTENT },
	{ "entry.duplicate", RUN_CONTENT },
	{ "entry.case-collision", RUN_CONTENT },
	{ "manifest.present", RUN_CONTENT },
	{ "manifest.json", RUN_CONTENT },
	{ "manifest.name", RUN_CONTENT },
	{ "manifest.version", RUN_CONTENT },
	{ "manifest.expected", RUN_EXPECT },
	{ "manifest.private", RUN_CONTENT },
	{ "manifest.deprecated", RUN_CONTENT },
	{ "manifest.githead", RUN_CONTENT },
	{ "install.script", RUN_CONTENT },
	{ "install.binding-gyp", RUN_CONTENT },
	{ "install.new", RUN_CONTENT },
	{ "install.length", RUN_CONTENT },
	{ "install.count", RUN_CONTENT },
	{ "bin.name", RUN_CONTENT },
	{ "bin.shadow", RUN_CONTENT },
	{ "source.content", RUN_SOURCE },
	{ "source.absent", RUN_SOURCE },
	{ "source.generated", RUN_SOURCE },
	{ "source.missing", RUN_SOURCE },
	{ "previous.read", RUN_PREVIOUS },
	{ "previous.name", RUN_PREVIOUS },
};

void
ns_verify_opts_init(struct ns_verify_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->source_dirfd = -1;
	o->previous_fd = -1;
}

static int
check_ran(const struct ns_vctx *v, int when)
{
	const struct ns_verify_opts *o = v->o;

	switch (when) {
	case RUN_ALWAYS: return 1;
	case RUN_CONTENT: return !v->aborted;
	case RUN_INTEGRITY: return o->expect_integrity != NULL && v->have_digests;
	case RUN_SHASUM: return o->expect_shasum != NULL && v->have_digests;
	case RUN_EXPECT: return !v->aborted &&
		(o->expect_name != NULL || o->expect_version != NULL);
	case RUN_SOURCE: return !v->aborted && o->source_dirfd >= 0;
	case RUN_PREVIOUS: return !v->aborted && o->previous_fd >= 0;
	}
	return 0;
}

static json_t *
ordered_checks(const struct ns_vctx *v)
{
	json_t *out = json_array(), *list;
	size_t i, j;

	for (i = 0; i < sizeof(catalogue) / sizeof(catalogue[0]); i++) {
		list = json_object_get(v->findings, catalogue[i].id);
		if (list != NULL) {
			for (j = 0; j < json_array_size(list); j++)
				json_array_append(out, json_array_get(list, j));
		} else if (check_ran(v, catalogue[i].when)) {
			json_array_append_new(out, json_pack("{s:s,s:s,s:s}", "id",
			    catalogue[i].id, "status", "pass", "message", "ok"));
		}
	}
	return out;
}

static void
check_digests(struct ns_vctx *v)
{
	const struct ns_verify_opts *o = v->o;

	if (!v->have_digests) {
		/* fail closed: an expectation that could not be checked is not met */
		if (o->expect_integrity != NULL || o->expect_shasum != NULL)
			ns_finding(v, o->expect_integrity != NULL ? "digest.integrity" :
			    "digest.shasum", "fail", NULL, "the tarball was not read to its end; "
			    "no digest to compare");
		return;
	}
	/* npm's dist.integrity holds one sha512 entry; anything else does not match */
	if (o->expect_integrity != NULL && strcmp(o->expect_integrity, v->sri) != 0)
		ns_finding(v, "digest.integrity", "fail", NULL,
		    "sha512 %s does not match the expected %s", v->sri, o->expect_integrity);
	if (o->expect_shasum != NULL && strcasecmp(o->expect_shasum, v->sha1) != 0)
		ns_finding(v, "digest.shasum", "fail", NULL,
		    "sha1 %s does not match the expected %s", v->sha1, o->expect_shasum);
}

/* Reads the previous version; problems with it are findings of this report. */
static int
read_previous(const struct ns_verify_opts *o, struct ns_vctx *prev, struct ns_vctx *cur,
    struct ns_err *err)
{
	const char *k;
	json_t *list;

	if (ns_vctx_init(prev, o, 1, err) != 0 || ns_walk_tarball(o->previous_fd, prev, err) != 0)
		return -1;
	ns_check_manifest(prev, NULL);
	json_object_foreach(prev->findings, k, list) {
		json_t *f = json_array_get(list, 0);

		if (strcmp(json_string_value(json_object_get(f, "status")), "fail") == 0) {
			ns_finding(cur, "previous.read", "fail", NULL,
			    "the previous version's tarball fails %s: %s", k,
			    json_string_value(json_object_get(f, "message")));
			return 1;
		}
	}
	return 0;
}

static json_t *
build_report(struct ns_vctx *v, const struct ns_vctx *prev)
{
	const json_t *m = v->manifest_json;
	json_t *r;

	r = json_pack("{s:s,s:{s:O?,s:O?},s:{s:s?,s:s?,s:I},s:{s:I,s:I},s:o}",
	    "result", v->failed ? "fail" : "pass",
	    "package", "name", json_object_get(m, "name"), "version", json_object_get(m, "version"),
	    "integrity", "sha512", v->have_digests ? v->sri : NULL,
	    "sha1", v->have_digests ? v->sha1 : NULL, "size", (json_int_t)v->compressed,
	    "unpacked", "size", (json_int_t)v->unpacked, "files",
	    (json_int_t)json_object_size(v->files),
	    "checks", ordered_checks(v));
	if (r == NULL)
		return NULL;
	if (v->o->source_dirfd >= 0 && !v->aborted)
		json_object_set_new(r, "source", json_pack("{s:I,s:O}", "compared",
		    (json_int_t)v->compared, "not_compared", v->generated));
	if (!v->aborted)
		json_object_set(r, "install_scripts", v->install);
	if (m != NULL) /* what npm links, for the approver and for differential tests */
		json_object_set_new(r, "bin", ns_bin_links(m, v->files, NULL));
	if (prev != NULL && prev->manifest_json != NULL && m != NULL)
		json_object_set_new(r, "diff", ns_diff_versions(prev, v));
	return r;
}

int
ns_verify_fd(int fd, const struct ns_verify_opts *o, json_t **report, struct ns_err *err)
{
	struct ns_vctx v, prev;
	int have_prev = 0, r;

	*report = NULL;
	memset(&prev, 0, sizeof(prev));
	if (ns_vctx_init(&v, o, 0, err) != 0) {
		ns_vctx_free(&v);
		return -1;
	}
	if (o->previous_fd >= 0) {
		r = read_previous(o, &prev, &v, err);
		if (r < 0)
			goto fail;
		have_prev = r == 0;
	}
	if (ns_walk_tarball(fd, &v, err) != 0)
		goto fail;
	check_digests(&v);
	ns_check_bundled(&v, have_prev ? &prev : NULL);
	ns_check_manifest(&v, have_prev ? &prev : NULL);
	if (have_prev && v.manifest_json != NULL && prev.manifest_json != NULL &&
	    !json_equal(json_object_get(v.manifest_json, "name"),
	    json_object_get(prev.manifest_json, "name")))
		ns_finding(&v, "previous.name", "fail", NULL,
		    "the previous tarball is a different package (%s)",
		    json_is_string(json_object_get(prev.manifest_json, "name")) ?
		    json_string_value(json_object_get(prev.manifest_json, "name")) : "no name");
	if (o->source_dirfd >= 0)
		ns_source_missing(&v);
	if (json_array_size(v.generated) > 0)
		ns_finding(&v, "source.generated", "warn", NULL,
		    "%zu generated files not compared with the source (listed in source.not_compared)",
		    json_array_size(v.generated));
	*report = build_report(&v, have_prev ? &prev : NULL);
	if (*report == NULL) {
		ns_fail(err, "out of memory building the report");
		goto fail;
	}
	r = v.failed ? 1 : 0;
	ns_vctx_free(&v);
	ns_vctx_free(&prev);
	return r;
fail:
	ns_vctx_free(&v);
	ns_vctx_free(&prev);
	return -1;
}
