/* Local advisory sources for the audit: OSV directories (read directly, or via
 * the index `npm-release advisories index DIR` writes beside them) and index
 * files (`npm-release advisories update` builds one from OSV's zip export). The
 * index is an SQLite database keyed by package name, so an audit reads only the
 * advisories of the packages it meets; it is opened read-only, defensively, and
 * every row is validated as it is read.
 *
 * Freshness of a directory's index costs O(directories), not O(records): the
 * index records each directory's change time (ctime), which any file added,
 * removed or renamed in it moves; and each file a looked-up advisory came from is
 * checked when it is used. An index that fails either check is not used: the
 * directory is read directly and the report says so. An index file given on its
 * own is a snapshot; the report gives its age and warns when it is old. */
#ifndef NS_ADVISORY_INDEX_H
#define NS_ADVISORY_INDEX_H

#include <stddef.h>

#include "nserr.h"
#include "osv.h"

#define NS_ADVIDX_NAME "npm-release-advisories.db"
#define NS_ADVIDX_MAX_FILES 500000
#define NS_ADVIDX_OLD_DAYS 7   /* an index file older than this is reported as old */

struct ns_advdb;

struct ns_advidx_stats {
	size_t files;        /* OSV records read */
	size_t withdrawn;    /* records skipped as withdrawn */
	size_t advisories;   /* (record, npm package) rows */
	size_t malware;      /* of those, malicious-package rows */
	/* against the index replaced (update only; -1 when there was none to compare) */
	long added, changed, newly_withdrawn;
};

/* Builds DIR's index at out_path (NULL: DIR/npm-release-advisories.db), atomically. */
int ns_advidx_build(const char *dir, const char *out_path, struct ns_advidx_stats *st,
                    struct ns_err *err);

/* Builds an index file from an OSV export zip (read in place with libarchive) and
 * renames it over out_path only once complete; origin (URL or file) is recorded. */
int ns_advidx_import_zip(const char *zip_path, const char *origin, const char *out_path,
                         struct ns_advidx_stats *st, struct ns_err *err);

/* Opens a list of sources (NULL-terminated): index files, or OSV directories
 * (using their index when it is present and fresh). */
struct ns_advdb *ns_advdb_open(const char *const *paths, struct ns_err *err);

/* All advisories naming package (a->malware set for malicious-package records);
 * *out is caller-owned (ns_advisory_free_array). */
int ns_advdb_lookup(struct ns_advdb *db, const char *package, struct ns_advisory **out,
                    size_t *n, struct ns_err *err);

/* Human description of the sources ("index /x/y.db (built 2026-12-01)", ...), for
 * reports; it changes when a lookup finds a directory's index stale. */
const char *ns_advdb_describe(const struct ns_advdb *db);

void ns_advdb_close(struct ns_advdb *db);

#endif
