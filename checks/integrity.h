/* Tarball integrity checks (npm-release verify, and the first step of approve).
 * Check ids, limits and the JSON report are described in npm-release(8), VERIFY. */
#ifndef NS_INTEGRITY_H
#define NS_INTEGRITY_H

#include <stdio.h>

#include <jansson.h>

#include "nserr.h"
#include "nsconfig.h" /* enum ns_install_scripts */

#define NS_VERIFY_DEFAULT_MAX_UNPACKED (1024ULL * 1024 * 1024) /* 1 GiB */
#define NS_VERIFY_DEFAULT_MAX_ENTRIES 100000U
#define NS_VERIFY_DEFAULT_MAX_RATIO 200U
#define NS_VERIFY_DEFAULT_MAX_PATH 1024U
#define NS_VERIFY_MANIFEST_MAX (1024 * 1024) /* package.json */

struct ns_verify_opts {
	const char *expect_name;       /* NULL = not checked */
	const char *expect_version;    /* NULL = not checked */
	const char *expect_integrity;  /* "sha512-..." SRI or NULL */
	const char *expect_shasum;     /* 40-hex sha1 or NULL */
	int source_dirfd;              /* -1 = no source compare */
	int previous_fd;               /* -1 = no previous tarball */
	const char *const *generated;  /* NULL-terminated globs, or NULL */
	int install_scripts;           /* enum ns_install_scripts; 0 = review */
	/* limits: 0 = default */
	unsigned long long max_unpacked; unsigned max_entries; unsigned max_ratio; unsigned max_path;
};

void ns_verify_opts_init(struct ns_verify_opts *o);

/* Reads the tarball from fd once (fd need not be seekable). Returns 0 when every check
 * passed, 1 when a check failed, -1 on an operational error (err set; e.g. I/O error
 * reading fd, OOM). *report receives the JSON report on 0 and 1. */
int ns_verify_fd(int fd, const struct ns_verify_opts *o, json_t **report, struct ns_err *err);

/* Short human summary of a report, control characters escaped. */
void ns_verify_print_summary(FILE *f, const json_t *report);

#endif
