/* Opening advisory sources and looking packages up: index files, and OSV
 * directories through their index while it is fresh (advisory_index.h). */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "advisory_int.h"

struct source {
	sqlite3 *db;             /* index */
	sqlite3_stmt *q;         /* which kinds of rows a package has (pkgnames) */
	sqlite3_stmt *qt[2];     /* its advisory rows, its malicious-package rows */
	int topfd;               /* an indexed directory: checked row by row; else -1 */
	char *dir;               /* the directory, to read it directly when stale */
	struct ns_advisory *mem; /* a directory read directly */
	size_t nmem;
	char desc[400];
};

struct ns_advdb {
	struct source *src;
	size_t nsrc;
	char desc[2048];
};

static void
update_desc(struct ns_advdb *db)
{
	size_t i, l = 0;

	db->desc[0] = '\0';
	for (i = 0; i < db->nsrc && l < sizeof(db->desc); i++) {
		snprintf(db->desc + l, sizeof(db->desc) - l, "%s%s", i ? "; " : "", db->src[i].desc);
		l = strlen(db->desc);
	}
}

const char *
ns_advdb_describe(const struct ns_advdb *db)
{
	return db->desc;
}

static void
source_clear(struct source *s)
{
	sqlite3_finalize(s->q);
	sqlite3_finalize(s->qt[0]);
	sqlite3_finalize(s->qt[1]);
	s->q = s->qt[0] = s->qt[1] = NULL;
	if (s->db != NULL)
		sqlite3_close(s->db);
	s->db = NULL;
	if (s->topfd >= 0)
		close(s->topfd);
	s->topfd = -1;
	ns_advisory_free_array(s->mem, s->nmem);
	s->mem = NULL;
	s->nmem = 0;
}

void
ns_advdb_close(struct ns_advdb *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nsrc; i++) {
		source_clear(&db->src[i]);
		free(db->src[i].dir);
	}
	free(db->src);
	free(db);
}

/* Asks the kernel to read the index's hot pages (package names, advisories) ahead,
 * in one sequential sweep, rather than page by page as lookups fault them in. */
static void
read_ahead(sqlite3 *db, int fd, off_t size)
{
	char hot[64];
	long long first, n, page = 0;
	sqlite3_stmt *q;

	if (advidx_meta(db, "hot_pages", hot, sizeof(hot)) < 0 ||
	    sscanf(hot, "%lld %lld", &first, &n) != 2 || first < 0 || n <= 0)
		return;
	if (sqlite3_prepare_v2(db, "PRAGMA page_size", -1, &q, NULL) == SQLITE_OK &&
	    sqlite3_step(q) == SQLITE_ROW)
		page = sqlite3_column_int64(q, 0);
	sqlite3_finalize(q);
	if (page <= 0 || first > size / page || n > size / page)
		return;
	posix_fadvise(fd, (off_t)(first * page), (off_t)(n * page), POSIX_FADV_WILLNEED);
}

/* Opens an index read-only. 0 open; 1 not an index of this schema (*why says
 * so); -1 error. */
static int
open_index(struct source *s, const char *path, const char **why, struct ns_err *err)
{
	char v[32];
	int fd, i, schema;
	struct stat st;
	static const char *const tables[2] = { "advisory", "malware" };

	/* refuse anything but a regular file before SQLite sees it */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ns_fail(err, "advisory index %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ns_fail(err, "advisory index %s is not a regular file", path);
	}
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		close(fd);
		return ns_fail(err, "advisory index %s: %s", path,
		    s->db ? sqlite3_errmsg(s->db) : "?");
	}
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	if (advidx_meta(s->db, "schema", v, sizeof(v)) < 0 ||
	    !advidx_schema_readable(schema = atoi(v))) {
		close(fd);
		*why = "not an npm-release advisory index of this version";
		return 1;
	}
	read_ahead(s->db, fd, st.st_size);
	close(fd);
	/* one read transaction for all lookups: one shared lock, not one per package */
	if (advidx_exec(s->db, "BEGIN", err) < 0)
		return -1;
	if (sqlite3_prepare_v2(s->db, "SELECT kinds FROM pkgnames WHERE package=?", -1, &s->q,
	    NULL) != SQLITE_OK)
		return ns_fail(err, "advisory index %s: %s", path, sqlite3_errmsg(s->db));
	for (i = 0; i < 2; i++) {
		char sql[256];

		/* an index from before the digest: its advisories evaluated from JSON */
		snprintf(sql, sizeof(sql), "SELECT id, package, severity, malware, url, summary,"
		    " range, affected, file, file_ino, file_ctime, %s FROM %s WHERE package=?",
		    schema >= 3 ? "digest" : "NULL", tables[i]);
		if (sqlite3_prepare_v2(s->db, sql, -1, &s->qt[i], NULL) != SQLITE_OK)
			return ns_fail(err, "advisory index %s: %s", path, sqlite3_errmsg(s->db));
	}
	return 0;
}

/* A relative path that stays inside the directory ("" is the directory itself). */
static int
inside(const char *p)
{
	return p[0] != '/' && strcmp(p, "..") != 0 && strncmp(p, "../", 3) != 0 &&
	    strstr(p, "/../") == NULL && (strlen(p) < 3 || strcmp(p + strlen(p) - 3, "/..") != 0);
}

/* Whether each directory the index recorded still has its state: O(directories). */
static int
dirs_fresh(struct source *s)
{
	sqlite3_stmt *q;
	int fresh = 1, top = 0, rc;

	if (sqlite3_prepare_v2(s->db, "SELECT path, ino, ctime FROM dirstate", -1, &q, NULL) !=
	    SQLITE_OK)
		return 0;
	while (fresh && (rc = sqlite3_step(q)) == SQLITE_ROW) {
		const char *p = (const char *)sqlite3_column_text(q, 0);
		struct stat st;

		fresh = p != NULL && inside(p) &&
		    fstatat(s->topfd, p[0] ? p : ".", &st, AT_SYMLINK_NOFOLLOW) == 0 &&
		    S_ISDIR(st.st_mode) &&
		    (sqlite3_int64)st.st_ino == sqlite3_column_int64(q, 1) &&
		    advidx_ctime(&st) == sqlite3_column_int64(q, 2);
		top |= p != NULL && p[0] == '\0';
	}
	sqlite3_finalize(q);
	return fresh && top; /* no states (an interrupted build): not fresh */
}

struct mem_ctx {
	struct source *s;
	size_t cap;
};

static int
mem_file(void *ctx, int dirfd, const char *name, const char *rel, const struct stat *st,
         struct ns_err *err)
{
	struct mem_ctx *m = ctx;
	struct ns_advisory *adv;
	size_t n, i;
	char *buf;
	size_t len;
	json_error_t je;
	json_t *rec;
	int rc;

	(void)rel;
	if (advidx_read_file(dirfd, name, st, &buf, &len, err) < 0)
		return -1;
	rec = json_loadb(buf, len, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (rec == NULL)
		return ns_fail(err, "%s: not valid JSON (line %d: %s)", rel, je.line, je.text);
	rc = ns_osv_split(rec, &adv, &n, err);
	json_decref(rec);
	if (rc < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return ns_fail(err, "%s: %s", rel, msg);
	}
	if (m->s->nmem + n > m->cap) {
		size_t ncap = m->cap ? m->cap * 2 : 256;
		struct ns_advisory *na;

		while (ncap < m->s->nmem + n)
			ncap *= 2;
		if ((na = realloc(m->s->mem, ncap * sizeof(*na))) == NULL) {
			ns_advisory_free_array(adv, n);
			return ns_fail(err, "out of memory");
		}
		m->s->mem = na;
		m->cap = ncap;
	}
	for (i = 0; i < n; i++)
		m->s->mem[m->s->nmem++] = adv[i];
	free(adv);
	return 0;
}

/* Reads the source's directory file by file (no index, or a stale one). */
static int
read_directly(struct source *s, const char *why, struct ns_err *err)
{
	struct mem_ctx mc = { s, 0 };

	source_clear(s);
	if (advidx_walk(s->dir, mem_file, NULL, &mc, err) < 0)
		return -1;
	snprintf(s->desc, sizeof(s->desc), "OSV directory %s (%s: read directly)", s->dir, why);
	return 0;
}

static void
describe_file(struct source *s, const char *path)
{
	char source[16] = "", built[32] = "", when[16] = "?";
	long long t = 0;
	long days = 0;
	struct tm tm;

	advidx_meta(s->db, "source", source, sizeof(source));
	if (advidx_meta(s->db, "built", built, sizeof(built)) == 0 && (t = atoll(built)) > 0) {
		time_t tt = (time_t)t;

		if (gmtime_r(&tt, &tm) != NULL)
			strftime(when, sizeof(when), "%Y-%m-%d", &tm);
		days = (long)((time(NULL) - tt) / 86400);
	}
	if (strcmp(source, "directory") == 0)
		snprintf(s->desc, sizeof(s->desc), "index %s (built %s from a directory; later "
		    "changes to it are not seen)", path, when);
	else
		snprintf(s->desc, sizeof(s->desc), "index %s (OSV export, built %s)", path, when);
	if (days > NS_ADVIDX_OLD_DAYS || t <= 0) {
		size_t l = strlen(s->desc);

		snprintf(s->desc + l, sizeof(s->desc) - l, " WARNING: %ld days old; run npm-release "
		    "advisories %s", days, strcmp(source, "directory") == 0 ? "index" : "update");
	}
}

static int
open_dir(struct source *s, const char *p, struct ns_err *err)
{
	char ip[4096];
	const char *why = "not indexed";
	int r;

	if ((s->dir = strdup(p)) == NULL)
		return ns_fail(err, "out of memory");
	if (snprintf(ip, sizeof(ip), "%s/%s", p, NS_ADVIDX_NAME) >= (int)sizeof(ip))
		return ns_fail(err, "advisory directory path too long");
	if (access(ip, F_OK) == 0) {
		char source[16] = "";

		if ((s->topfd = open(p, O_RDONLY | O_DIRECTORY | O_CLOEXEC)) < 0)
			return ns_fail(err, "advisory directory %s: %s", p, strerror(errno));
		if ((r = open_index(s, ip, &why, err)) < 0)
			return -1;
		if (r == 0 && (advidx_meta(s->db, "source", source, sizeof(source)) < 0 ||
		    strcmp(source, "directory") != 0))
			why = "its index was not built from it", r = 1;
		if (r == 0 && !dirs_fresh(s))
			why = "files added, removed or renamed since it was indexed", r = 1;
		if (r == 0) {
			snprintf(s->desc, sizeof(s->desc), "OSV directory %s (indexed)", p);
			return 0;
		}
		why = strncmp(why, "files", 5) == 0 ? "index stale: files added, removed or renamed"
		    : why;
	}
	return read_directly(s, why, err);
}

struct ns_advdb *
ns_advdb_open(const char *const *paths, struct ns_err *err)
{
	struct ns_advdb *db = calloc(1, sizeof(*db));
	size_t n = 0, i;

	if (db == NULL) {
		ns_fail(err, "out of memory");
		return NULL;
	}
	while (paths != NULL && paths[n] != NULL)
		n++;
	if (n > 0 && (db->src = calloc(n, sizeof(*db->src))) == NULL) {
		ns_fail(err, "out of memory");
		free(db);
		return NULL;
	}
	for (i = 0; i < n; i++) {
		struct source *s = &db->src[db->nsrc++];
		struct stat st;
		const char *p = paths[i], *why = NULL;
		int r;

		s->topfd = -1;
		if (stat(p, &st) < 0) {
			ns_fail(err, "advisory source %s: %s", p, strerror(errno));
			goto fail;
		}
		if (S_ISREG(st.st_mode)) {
			if ((r = open_index(s, p, &why, err)) < 0)
				goto fail;
			if (r == 1) {
				ns_fail(err, "advisory index %s: %s (build it again with npm-release "
				    "advisories index or update)", p, why);
				goto fail;
			}
			describe_file(s, p);
		} else if (S_ISDIR(st.st_mode)) {
			if (open_dir(s, p, err) < 0)
				goto fail;
		} else {
			ns_fail(err, "advisory source %s is neither a directory nor an index file", p);
			goto fail;
		}
	}
	update_desc(db);
	return db;
fail:
	ns_advdb_close(db);
	return NULL;
}

static int
push(struct ns_advisory **out, size_t *n, size_t *cap, struct ns_err *err)
{
	if (*n == *cap) {
		size_t nc = *cap ? *cap * 2 : 4;
		struct ns_advisory *na = realloc(*out, nc * sizeof(*na));

		if (na == NULL)
			return ns_fail(err, "out of memory");
		*out = na;
		*cap = nc;
	}
	memset(&(*out)[*n], 0, sizeof(**out));
	return 0;
}

/* Whether the file an indexed row came from is unchanged (same inode, same ctime). */
static int
row_file_fresh(struct source *s, sqlite3_stmt *q)
{
	const char *f = (const char *)sqlite3_column_text(q, 8);
	struct stat st;

	return f != NULL && f[0] != '\0' && inside(f) &&
	    sqlite3_column_type(q, 9) == SQLITE_INTEGER &&
	    fstatat(s->topfd, f, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
	    (sqlite3_int64)st.st_ino == sqlite3_column_int64(q, 9) &&
	    advidx_ctime(&st) == sqlite3_column_int64(q, 10);
}

/* The rows of one table for package. 0 done; 1 an indexed directory's file
 * changed; -1 error. */
static int
lookup_table(struct source *s, sqlite3_stmt *q, const char *package, struct ns_advisory **out,
             size_t *n, size_t *cap, struct ns_err *err)
{
	int rc;

	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, package, -1, SQLITE_TRANSIENT);
	while ((rc = sqlite3_step(q)) == SQLITE_ROW) {
		if (s->topfd >= 0 && !row_file_fresh(s, q))
			return 1;
		if (push(out, n, cap, err) < 0)
			return -1;
		if (sqlite3_column_type(q, 2) != SQLITE_INTEGER ||
		    sqlite3_column_type(q, 3) != SQLITE_INTEGER ||
		    ns_advisory_init(&(*out)[*n], (const char *)sqlite3_column_text(q, 0),
		    (const char *)sqlite3_column_text(q, 1), sqlite3_column_int(q, 2),
		    sqlite3_column_int(q, 3), (const char *)sqlite3_column_text(q, 4),
		    (const char *)sqlite3_column_text(q, 5),
		    (const char *)sqlite3_column_text(q, 6),
		    (const char *)sqlite3_column_text(q, 7),
		    (const char *)sqlite3_column_text(q, 11), err) < 0)
			return ns_fail(err, "advisory index holds a malformed entry for %.128s", package);
		if (strcmp((*out)[*n].package, package) != 0) {
			ns_advisory_clear(&(*out)[*n]);
			return ns_fail(err, "advisory index returned a row for another package");
		}
		(*n)++;
	}
	if (rc != SQLITE_DONE)
		return ns_fail(err, "advisory index: %s", sqlite3_errmsg(s->db));
	return 0;
}

/* 0 done; 1 an indexed directory's file changed (nothing added); -1 error. */
static int
lookup_index(struct source *s, const char *package, struct ns_advisory **out, size_t *n,
             size_t *cap, struct ns_err *err)
{
	int rc, kinds, i;

	sqlite3_reset(s->q);
	sqlite3_bind_text(s->q, 1, package, -1, SQLITE_TRANSIENT);
	rc = sqlite3_step(s->q);
	if (rc == SQLITE_DONE)
		return 0; /* no advisory names this package */
	if (rc != SQLITE_ROW || sqlite3_column_type(s->q, 0) != SQLITE_INTEGER)
		return ns_fail(err, "advisory index: %s", rc == SQLITE_ROW ?
		    "malformed package entry" : sqlite3_errmsg(s->db));
	kinds = sqlite3_column_int(s->q, 0);
	sqlite3_reset(s->q);
	/* a kinds value out of range reads both tables: never fewer rows than exist */
	for (i = 0; i < 2; i++)
		if ((kinds & (1 << i)) || (kinds & ~3) || kinds == 0)
			if ((rc = lookup_table(s, s->qt[i], package, out, n, cap, err)) != 0)
				return rc;
	return 0;
}

static int
lookup_mem(struct source *s, const char *package, struct ns_advisory **out, size_t *n,
           size_t *cap, struct ns_err *err)
{
	size_t k;

	for (k = 0; k < s->nmem; k++) {
		const struct ns_advisory *a = &s->mem[k];
		struct ns_advisory *c;

		if (strcmp(a->package, package) != 0)
			continue;
		if (push(out, n, cap, err) < 0)
			return -1;
		c = &(*out)[*n];
		c->id = strdup(a->id);
		c->package = strdup(a->package);
		c->url = strdup(a->url);
		c->summary = strdup(a->summary);
		c->range = strdup(a->range);
		c->severity = a->severity;
		c->malware = a->malware;
		c->affected = json_incref(a->affected);
		c->digest = a->digest != NULL ? strdup(a->digest) : NULL;
		if (c->id == NULL || c->package == NULL || c->url == NULL || c->summary == NULL ||
		    c->range == NULL || (a->digest != NULL && c->digest == NULL)) {
			ns_advisory_clear(c);
			return ns_fail(err, "out of memory");
		}
		(*n)++;
	}
	return 0;
}

int
ns_advdb_lookup(struct ns_advdb *db, const char *package, struct ns_advisory **out, size_t *n,
                struct ns_err *err)
{
	size_t cap = 0, i;

	*out = NULL;
	*n = 0;
	for (i = 0; i < db->nsrc; i++) {
		struct source *s = &db->src[i];
		size_t before = *n;
		int rc = s->q != NULL ? lookup_index(s, package, out, n, &cap, err) :
		    lookup_mem(s, package, out, n, &cap, err);

		if (rc == 1) {
			/* a record file changed in place since the build: this source's
			 * rows are not trusted any more, for this package or any other */
			while (*n > before)
				ns_advisory_clear(&(*out)[--*n]);
			if (read_directly(s, "index stale: a record file changed", err) < 0)
				rc = -1;
			else {
				update_desc(db);
				rc = lookup_mem(s, package, out, n, &cap, err);
			}
		}
		if (rc < 0) {
			ns_advisory_free_array(*out, *n);
			*out = NULL;
			*n = 0;
			return -1;
		}
	}
	return 0;
}
