/* Internals shared by the integrity check files. One struct ns_vctx per tarball read;
 * nothing global, so a verify can run in an unprivileged child from a descriptor. */
#ifndef NS_INTEGRITY_INT_H
#define NS_INTEGRITY_INT_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

#include "nserr.h"
#include "integrity.h"

#define NS_FINDINGS_PER_CHECK 200

struct ns_vctx {
	const struct ns_verify_opts *o;
	uint64_t max_unpacked;
	unsigned max_entries, max_ratio, max_path;
	int is_previous;           /* reading the previous version: no source, no policy */
	int want_file_digests;     /* per-file sha256 for the diff */
	json_t *findings;          /* id -> [ {id,status,message,path?} ] */
	int failed;                /* a finding with status fail */
	int aborted;               /* the stream stopped before the end (container failure) */
	json_t *files;             /* canonical path -> {"size", "sha256"?} (regular files) */
	json_t *seen;              /* canonical path of every file entry -> true */
	json_t *folded;            /* case-folded canonical path -> first path */
	char *top;                 /* the archive's one top-level folder, from its first
	                            * valid entry; canonical paths name it "package/" */
	unsigned char *manifest;   /* TOP/package.json bytes */
	size_t manifest_len;
	unsigned manifest_count;
	json_t *manifest_json;     /* parsed manifest when valid */
	int binding_gyp;           /* package/binding.gyp present */
	unsigned char *shrinkwrap; /* TOP/npm-shrinkwrap.json bytes (not read for the
	                            * previous version); NULL when none or too large */
	size_t shrinkwrap_len, shrinkwrap_cap;
	unsigned shrinkwrap_count;
	int shrinkwrap_too_large;
	json_t *bundled;           /* bundled package folder -> {flags, scripts} */
	size_t install_quoted;     /* new or changed install scripts the summary quotes */
	json_t *install;           /* [{package, script, command, change}]: the report's
	                            * install_scripts, what npm runs at install */
	uint64_t unpacked, compressed;
	unsigned entries;
	char sri[100], sha1[41];
	int have_digests;
	/* source compare */
	unsigned compared;
	json_t *generated;         /* [relpath] not compared */
	json_t *missing;           /* tarball paths reported as missing -> true */
};

/* Records a finding. status is "fail" or "warn". path may be NULL. */
void ns_finding(struct ns_vctx *v, const char *id, const char *status, const char *path,
    const char *fmt, ...) NS_PRINTF(5, 6);

/* A JSON string for bytes that may not be UTF-8 (invalid bytes become '?'). */
json_t *ns_json_bytes(const char *s);

int ns_vctx_init(struct ns_vctx *v, const struct ns_verify_opts *o, int is_previous,
    struct ns_err *err);
void ns_vctx_free(struct ns_vctx *v);

/* Reads one tarball; findings go into v. 0, or -1 on an operational error. */
int ns_walk_tarball(int fd, struct ns_vctx *v, struct ns_err *err);

/* Manifest checks after the walk (name, version, private, install-time code, new ones
 * relative to prev when prev is not NULL). */
void ns_check_manifest(struct ns_vctx *v, const struct ns_vctx *prev);

/* Install-time code (integrity_manifest.c). The command npm runs at install for the
 * lifecycle script name of manifest m, or NULL; a non-string value npm could still
 * act on is "(not a string)". */
const char *ns_install_command(const json_t *m, const char *name);
/* 1 when npm runs node-gyp rebuild for a package folder with a binding.gyp: no install
 * or preinstall script and no "gypfile": false. */
int ns_gyp_runs(const json_t *m);
enum ns_install_change { NS_INSTALL_NO_PREVIOUS, NS_INSTALL_UNCHANGED, NS_INSTALL_NEW,
	NS_INSTALL_CHANGED };
/* Judges one command npm runs at install: id is install.script or install.binding-gyp;
 * pkg NULL for the package itself, else its bundled folder ("node_modules/x"); old is
 * the previous version's command when it changed. Records it in v->install. */
void ns_judge_install(struct ns_vctx *v, const char *id, const char *path, const char *pkg,
    const char *script, const char *cmd, enum ns_install_change change, const char *old);

/* Bundled packages (node_modules/ in the tarball, any depth): a package.json entry is
 * streamed into *out (NULL for every other entry) and read at its end; binding.gyp is
 * noted per folder. ns_check_bundled judges them after the walk against the same
 * folder in the previous version (prev may be NULL). */
struct ns_bundled_pj;
int ns_bundled_begin(struct ns_vctx *v, const char *canon, struct ns_bundled_pj **out,
    struct ns_err *err);
int ns_bundled_feed(struct ns_bundled_pj *b, const void *buf, size_t n, struct ns_err *err);
void ns_bundled_end(struct ns_vctx *v, struct ns_bundled_pj *b, const char *path,
    int complete);
void ns_check_bundled(struct ns_vctx *v, const struct ns_vctx *prev);

/* Bins (integrity_bin.c): bin.name warns when npm links a bin key under another name
 * or drops it; bin.shadow warns on a bin named after a system command, and fails when
 * the package is not that command's and prev (may be NULL) did not link it. */
void ns_check_bins(struct ns_vctx *v, const struct ns_vctx *prev);
/* integrity_bin_deps.c: streams TOP/npm-shrinkwrap.json into v (bounded; -1 on OOM),
 * and judges, after the walk, the bins of bundled packages (their package.json's bin
 * as ns_bundled_end recorded it) and those npm-shrinkwrap.json's entries declare. */
int ns_bin_shrinkwrap_feed(struct ns_vctx *v, const void *buf, size_t n, struct ns_err *err);
void ns_check_dependency_bins(struct ns_vctx *v);

/* The approver's diff of cur against prev. NULL on OOM. */
json_t *ns_diff_versions(const struct ns_vctx *prev, const struct ns_vctx *cur);

/* Source compare of one regular file, fed while the entry streams. */
struct ns_srccmp;
struct ns_srccmp *ns_source_begin(struct ns_vctx *v, const char *relpath, uint64_t size);
void ns_source_feed(struct ns_srccmp *c, const void *buf, size_t n);
void ns_source_end(struct ns_vctx *v, struct ns_srccmp *c);
/* After the walk: files npm would have packed that the tarball lacks. */
void ns_source_missing(struct ns_vctx *v);

#endif
