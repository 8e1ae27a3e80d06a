/* Local advisory sources for the audit: OSV directories (read directly, or via
 * the index `npm-release advisories index DIR` writes beside them) and index
 * files. The index is an SQLite database keyed by package name, so an audit
 * reads only the advisories of the packages it meets; it is opened read-only,
 * defensively, and every row is validated as it is read. */
#ifndef NS_ADVISORY_INDEX_H
#define NS_ADVISORY_INDEX_H

#include <stddef.h>

#include "nserr.h"
#include "osv.h"

#define NS_ADVIDX_NAME "npm-release-advisories.db"
#define NS_ADVIDX_MAX_FILES 500000

struct ns_advdb;

struct ns_advidx_stats {
	size_t files;        /* OSV files read */
	size_t withdrawn;    /* records skipped as withdrawn */
	size_t advisories;   /* (record, npm package) rows */
};

/* Builds DIR's index at out_path (NULL: DIR/npm-release-advisories.db), atomically. */
int ns_advidx_build(const char *dir, const char *out_path, struct ns_advidx_stats *st,
                    struct ns_err *err);

/* Opens a list of sources (NULL-terminated): index files, or OSV directories
 * (using their index when it is present and matches the directory's files). */
struct ns_advdb *ns_advdb_open(const char *const *paths, struct ns_err *err);

/* All advisories naming package; *out is caller-owned (ns_advisory_free_array). */
int ns_advdb_lookup(struct ns_advdb *db, const char *package, struct ns_advisory **out,
                    size_t *n, struct ns_err *err);

/* Human description of the sources ("index /x/y.db (1234 advisories)", ...), for reports. */
const char *ns_advdb_describe(const struct ns_advdb *db);

void ns_advdb_close(struct ns_advdb *db);

#endif
