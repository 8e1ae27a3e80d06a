/* Internals shared by the advisory index files: the directory walk, the index
 * writer (used by `advisories index` on a directory and `advisories update` on
 * OSV's zip export) and the schema they agree on. */
#ifndef NS_ADVISORY_INT_H
#define NS_ADVISORY_INT_H

#include <stdint.h>
#include <sys/stat.h>

#include <sqlite3.h>

#include "advisory_index.h"

#define ADVIDX_SCHEMA 3   /* 3: the digest column (ns_osv_digest) */
#define ADVIDX_SCHEMA_READ_MIN 2   /* 2: no digest (evaluated from JSON): still read */

/* Whether an index of this schema is read (v: meta's "schema" value). */
static inline int
advidx_schema_readable(int v)
{
	return v >= ADVIDX_SCHEMA_READ_MIN && v <= ADVIDX_SCHEMA;
}
#define ADVIDX_MAX_DIR_DEPTH 8
#define ADVIDX_MAX_DIRS 100000

/* A change time as one number (ns); what freshness compares. */
static inline int64_t
advidx_ctime(const struct stat *st)
{
	return (int64_t)st->st_ctim.tv_sec * 1000000000LL + (int64_t)st->st_ctim.tv_nsec;
}

/* Called for each *.json file (relpath: relative to the walked directory) and, when
 * dir_fn is set, for each directory (relpath "" for the top) before it is read. */
typedef int (*advidx_file_fn)(void *ctx, int dirfd, const char *name, const char *relpath,
                              const struct stat *st, struct ns_err *err);
typedef int (*advidx_dir_fn)(void *ctx, const char *relpath, const struct stat *st,
                             struct ns_err *err);

/* Walks dir (no symlinks followed, dot entries skipped, bounded depth and count). */
int advidx_walk(const char *dir, advidx_file_fn fn, advidx_dir_fn dir_fn, void *ctx,
                struct ns_err *err);

/* Reads one OSV file of at most NS_OSV_MAX_RECORD bytes; *buf is caller-owned. */
int advidx_read_file(int dirfd, const char *name, const struct stat *st, char **buf,
                     size_t *len, struct ns_err *err);

struct advidx_writer {
	sqlite3 *db;
	sqlite3_stmt *ins, *rec;
	struct ns_advidx_stats *st;
	char tmp[4200];
};

/* Creates the new index as a temporary file beside out_path. */
int advidx_writer_open(struct advidx_writer *w, const char *out_path,
                       struct ns_advidx_stats *st, struct ns_err *err);

/* Adds one OSV record (the JSON text); file/fst name its source file (NULL: an
 * archive member, not checked for freshness). */
int advidx_writer_add(struct advidx_writer *w, const char *json, size_t len, const char *name,
                      const char *file, const struct stat *fst, struct ns_err *err);

/* Writes meta (source "directory" or "export", origin), commits and closes. */
int advidx_writer_finish(struct advidx_writer *w, const char *source, const char *origin,
                         struct ns_err *err);

/* Counts added / changed / withdrawn records against the index at old_path, if any. */
int advidx_writer_compare(struct advidx_writer *w, const char *old_path, struct ns_err *err);

void advidx_writer_abort(struct advidx_writer *w);

/* Makes the finished temporary file readable by all (0644), syncs it and renames it
 * over out_path: readers see the old index or the new one, never a mix. */
int advidx_install(struct advidx_writer *w, const char *out_path, struct ns_err *err);

/* SQLite statement helpers. */
int advidx_exec(sqlite3 *db, const char *sql, struct ns_err *err);
int advidx_meta(sqlite3 *db, const char *key, char *out, size_t outlen);

#endif
