/* OSV directory walking, the SQLite advisory index, and lookups. */
#include "config.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <sqlite3.h>

#include "advisory_index.h"

#define SCHEMA_VERSION "1"
#define MAX_DIR_DEPTH 8

/* What an index records about the directory it was built from. */
struct fingerprint {
	unsigned long long files, bytes, mtime_sum;  /* sum wraps: fine for a fingerprint */
};

struct source {
	sqlite3 *db;             /* index */
	sqlite3_stmt *q;
	struct ns_advisory *mem; /* parsed directory */
	size_t nmem;
};

struct ns_advdb {
	struct source *src;
	size_t nsrc;
	char desc[1024];
};

typedef int (*file_fn)(void *ctx, int dirfd, const char *name, const struct stat *st,
                       struct ns_err *err);

/* Walks dir for *.json files (no symlinks followed), calling fn for each. */
static int
walk(int dfd, const char *path, int depth, file_fn fn, void *ctx, size_t *count,
     struct ns_err *err)
{
	DIR *d;
	struct dirent *de;
	int rc = 0;

	if (depth > MAX_DIR_DEPTH)
		return ns_fail(err, "%s: directories nested too deep", path);
	if ((d = fdopendir(dfd)) == NULL) {
		close(dfd);
		return ns_fail(err, "%s: %s", path, strerror(errno));
	}
	while (rc == 0 && (de = readdir(d)) != NULL) {
		struct stat st;
		size_t nl = strlen(de->d_name);

		if (de->d_name[0] == '.')
			continue;
		if (fstatat(dirfd(d), de->d_name, &st, AT_SYMLINK_NOFOLLOW) < 0) {
			rc = ns_fail(err, "%s/%s: %s", path, de->d_name, strerror(errno));
			break;
		}
		if (S_ISDIR(st.st_mode)) {
			int sub = openat(dirfd(d), de->d_name,
			    O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
			char sp[4096];

			if (sub < 0) {
				rc = ns_fail(err, "%s/%s: %s", path, de->d_name, strerror(errno));
				break;
			}
			snprintf(sp, sizeof(sp), "%s/%s", path, de->d_name);
			rc = walk(sub, sp, depth + 1, fn, ctx, count, err);
		} else if (S_ISREG(st.st_mode) && nl > 5 &&
		    strcmp(de->d_name + nl - 5, ".json") == 0) {
			if (++*count > NS_ADVIDX_MAX_FILES) {
				rc = ns_fail(err, "%s: more than %d advisory files", path,
				    NS_ADVIDX_MAX_FILES);
				break;
			}
			rc = fn(ctx, dirfd(d), de->d_name, &st, err);
		}
	}
	closedir(d);
	return rc;
}

static int
walk_dir(const char *dir, file_fn fn, void *ctx, struct ns_err *err)
{
	int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	size_t count = 0;

	if (fd < 0)
		return ns_fail(err, "advisory directory %s: %s", dir, strerror(errno));
	return walk(fd, dir, 0, fn, ctx, &count, err);
}

static int
fp_file(void *ctx, int dirfd, const char *name, const struct stat *st, struct ns_err *err)
{
	struct fingerprint *fp = ctx;
	unsigned long long mt = (unsigned long long)st->st_mtim.tv_sec * 1000000000ULL +
	    (unsigned long long)st->st_mtim.tv_nsec;

	(void)dirfd;
	(void)name;
	(void)err;
	fp->files++;
	fp->bytes += (unsigned long long)st->st_size;
	fp->mtime_sum += mt; /* any file touched, added or removed changes the sum */
	return 0;
}

/* Reads one OSV file (bounded) into parsed advisories. */
static int
read_osv(int dirfd, const char *name, const struct stat *st, struct ns_advisory **adv,
         size_t *n, int *withdrawn, struct ns_err *err)
{
	int fd;
	char *buf;
	ssize_t r;
	json_t *rec;
	json_error_t je;
	int rc;

	*withdrawn = 0;
	if (st->st_size > (off_t)NS_OSV_MAX_RECORD)
		return ns_fail(err, "%s: larger than %u bytes", name, NS_OSV_MAX_RECORD);
	if ((fd = openat(dirfd, name, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ns_fail(err, "%s: %s", name, strerror(errno));
	if ((buf = malloc((size_t)st->st_size + 1)) == NULL) {
		close(fd);
		return ns_fail(err, "out of memory");
	}
	r = read(fd, buf, (size_t)st->st_size + 1);
	close(fd);
	if (r < 0 || r > st->st_size) {
		free(buf);
		return ns_fail(err, "%s: read failed or file changed while reading", name);
	}
	rec = json_loadb(buf, (size_t)r, JSON_REJECT_DUPLICATES, &je);
	free(buf);
	if (rec == NULL)
		return ns_fail(err, "%s: not valid JSON (line %d: %s)", name, je.line, je.text);
	*withdrawn = json_object_get(rec, "withdrawn") != NULL;
	rc = ns_osv_split(rec, adv, n, err);
	json_decref(rec);
	if (rc < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		return ns_fail(err, "%s: %s", name, msg);
	}
	return 0;
}

struct build_ctx {
	sqlite3 *db;
	sqlite3_stmt *ins;
	struct ns_advidx_stats *st;
	struct fingerprint fp;
};

static int
build_file(void *ctx, int dirfd, const char *name, const struct stat *st, struct ns_err *err)
{
	struct build_ctx *b = ctx;
	struct ns_advisory *adv;
	size_t n, i;
	int withdrawn;

	fp_file(&b->fp, dirfd, name, st, err);
	if (read_osv(dirfd, name, st, &adv, &n, &withdrawn, err) < 0)
		return -1;
	b->st->files++;
	b->st->withdrawn += withdrawn != 0;
	for (i = 0; i < n; i++) {
		char *aff = json_dumps(adv[i].affected, JSON_COMPACT);
		int rc;

		if (aff == NULL) {
			ns_advisory_free_array(adv, n);
			return ns_fail(err, "out of memory");
		}
		sqlite3_reset(b->ins);
		sqlite3_bind_text(b->ins, 1, adv[i].id, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(b->ins, 2, adv[i].package, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int(b->ins, 3, adv[i].severity);
		sqlite3_bind_int(b->ins, 4, adv[i].malware);
		sqlite3_bind_text(b->ins, 5, adv[i].url, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(b->ins, 6, adv[i].summary, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(b->ins, 7, adv[i].range, -1, SQLITE_TRANSIENT);
		sqlite3_bind_text(b->ins, 8, aff, -1, SQLITE_TRANSIENT);
		rc = sqlite3_step(b->ins);
		free(aff);
		if (rc != SQLITE_DONE) {
			ns_advisory_free_array(adv, n);
			return ns_fail(err, "index insert: %s", sqlite3_errmsg(b->db));
		}
		b->st->advisories++;
	}
	ns_advisory_free_array(adv, n);
	return 0;
}

static int
exec_sql(sqlite3 *db, const char *sql, struct ns_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		ns_fail(err, "advisory index: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

int
ns_advidx_build(const char *dir, const char *out_path, struct ns_advidx_stats *st,
                struct ns_err *err)
{
	struct build_ctx b;
	char path[4096], tmp[4200], sql[512];
	int rc = -1;

	memset(&b, 0, sizeof(b));
	memset(st, 0, sizeof(*st));
	b.st = st;
	if (out_path == NULL) {
		if (snprintf(path, sizeof(path), "%s/%s", dir, NS_ADVIDX_NAME) >= (int)sizeof(path))
			return ns_fail(err, "advisory directory path too long");
		out_path = path;
	}
	if (snprintf(tmp, sizeof(tmp), "%s.tmp%ld", out_path, (long)getpid()) >= (int)sizeof(tmp))
		return ns_fail(err, "index path too long");
	unlink(tmp);
	if (sqlite3_open_v2(tmp, &b.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) != SQLITE_OK) {
		ns_fail(err, "cannot create %s: %s", tmp, b.db ? sqlite3_errmsg(b.db) : "?");
		goto out;
	}
	if (exec_sql(b.db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    "CREATE TABLE advisory(id TEXT NOT NULL, package TEXT NOT NULL,"
	    " severity INTEGER NOT NULL, malware INTEGER NOT NULL, url TEXT NOT NULL,"
	    " summary TEXT NOT NULL, range TEXT NOT NULL, affected TEXT NOT NULL);"
	    "BEGIN;", err) < 0)
		goto out;
	if (sqlite3_prepare_v2(b.db, "INSERT INTO advisory VALUES(?,?,?,?,?,?,?,?)", -1, &b.ins,
	    NULL) != SQLITE_OK) {
		ns_fail(err, "advisory index: %s", sqlite3_errmsg(b.db));
		goto out;
	}
	if (walk_dir(dir, build_file, &b, err) < 0)
		goto out;
	snprintf(sql, sizeof(sql), "INSERT INTO meta VALUES('schema','" SCHEMA_VERSION "'),"
	    "('files','%llu'),('bytes','%llu'),('mtime_sum','%llu');"
	    "CREATE INDEX advisory_package ON advisory(package); COMMIT;",
	    b.fp.files, b.fp.bytes, b.fp.mtime_sum);
	if (exec_sql(b.db, sql, err) < 0)
		goto out;
	sqlite3_finalize(b.ins);
	b.ins = NULL;
	if (sqlite3_close(b.db) != SQLITE_OK) {
		ns_fail(err, "closing %s failed", tmp);
		b.db = NULL;
		goto out;
	}
	b.db = NULL;
	if (chmod(tmp, 0644) < 0 || rename(tmp, out_path) < 0) {
		ns_fail(err, "installing %s: %s", out_path, strerror(errno));
		goto out;
	}
	rc = 0;
out:
	sqlite3_finalize(b.ins);
	if (b.db != NULL)
		sqlite3_close(b.db);
	if (rc < 0)
		unlink(tmp);
	return rc;
}

static int
meta_ull(sqlite3 *db, const char *key, unsigned long long *v)
{
	sqlite3_stmt *q;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_text(q, 0) != NULL) {
		char *end;
		const char *t = (const char *)sqlite3_column_text(q, 0);

		errno = 0;
		*v = strtoull(t, &end, 10);
		if (errno == 0 && *end == '\0' && end != t)
			rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}

static int
open_index(struct source *s, const char *path, struct fingerprint *fp, struct ns_err *err)
{
	unsigned long long schema;
	int fd;
	struct stat st;

	/* refuse anything but a regular file before SQLite sees it */
	if ((fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC)) < 0)
		return ns_fail(err, "advisory index %s: %s", path, strerror(errno));
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return ns_fail(err, "advisory index %s is not a regular file", path);
	}
	close(fd);
	if (sqlite3_open_v2(path, &s->db, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, NULL) !=
	    SQLITE_OK) {
		ns_fail(err, "advisory index %s: %s", path, s->db ? sqlite3_errmsg(s->db) : "?");
		return -1;
	}
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_TRIGGER, 0, NULL);
	sqlite3_db_config(s->db, SQLITE_DBCONFIG_ENABLE_VIEW, 0, NULL);
	if (meta_ull(s->db, "schema", &schema) < 0 || schema != 1)
		return ns_fail(err, "%s is not an npm-release advisory index (schema %s expected)",
		    path, SCHEMA_VERSION);
	if (fp != NULL) {
		struct fingerprint have;

		if (meta_ull(s->db, "files", &have.files) < 0 ||
		    meta_ull(s->db, "bytes", &have.bytes) < 0 ||
		    meta_ull(s->db, "mtime_sum", &have.mtime_sum) < 0)
			return ns_fail(err, "advisory index %s: meta table incomplete", path);
		if (have.files != fp->files || have.bytes != fp->bytes ||
		    have.mtime_sum != fp->mtime_sum)
			return 1; /* stale */
	}
	if (sqlite3_prepare_v2(s->db, "SELECT id, package, severity, malware, url, summary, range,"
	    " affected FROM advisory WHERE package=?", -1, &s->q, NULL) != SQLITE_OK)
		return ns_fail(err, "advisory index %s: %s", path, sqlite3_errmsg(s->db));
	return 0;
}

struct mem_ctx {
	struct source *s;
	size_t cap;
};

static int
mem_file(void *ctx, int dirfd, const char *name, const struct stat *st, struct ns_err *err)
{
	struct mem_ctx *m = ctx;
	struct ns_advisory *adv;
	size_t n, i;
	int withdrawn;

	if (read_osv(dirfd, name, st, &adv, &n, &withdrawn, err) < 0)
		return -1;
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

static void
source_clear(struct source *s)
{
	if (s->q != NULL)
		sqlite3_finalize(s->q);
	if (s->db != NULL)
		sqlite3_close(s->db);
	ns_advisory_free_array(s->mem, s->nmem);
	memset(s, 0, sizeof(*s));
}

void
ns_advdb_close(struct ns_advdb *db)
{
	size_t i;

	if (db == NULL)
		return;
	for (i = 0; i < db->nsrc; i++)
		source_clear(&db->src[i]);
	free(db->src);
	free(db);
}

static void
describe(struct ns_advdb *db, const char *what, const char *path, const char *how)
{
	size_t l = strlen(db->desc);

	snprintf(db->desc + l, sizeof(db->desc) - l, "%s%s %s%s", l ? "; " : "", what, path, how);
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
		const char *p = paths[i];

		if (stat(p, &st) < 0) {
			ns_fail(err, "advisory source %s: %s", p, strerror(errno));
			goto fail;
		}
		if (S_ISREG(st.st_mode)) {
			if (open_index(s, p, NULL, err) != 0)
				goto fail;
			describe(db, "index", p, "");
		} else if (S_ISDIR(st.st_mode)) {
			struct fingerprint fp = { 0, 0, 0 };
			char ip[4096];
			struct mem_ctx mc = { s, 0 };
			int r = 1;

			if (walk_dir(p, fp_file, &fp, err) < 0)
				goto fail;
			snprintf(ip, sizeof(ip), "%s/%s", p, NS_ADVIDX_NAME);
			if (access(ip, F_OK) == 0 && (r = open_index(s, ip, &fp, err)) < 0)
				goto fail;
			if (r == 0) {
				describe(db, "OSV directory", p, " (indexed)");
				continue;
			}
			/* no index, or one that no longer matches the files: read them all */
			source_clear(s);
			if (walk_dir(p, mem_file, &mc, err) < 0)
				goto fail;
			describe(db, "OSV directory", p, r == 1 && access(ip, F_OK) == 0 ?
			    " (index stale: read directly)" : " (not indexed: read directly)");
		} else {
			ns_fail(err, "advisory source %s is neither a directory nor an index file", p);
			goto fail;
		}
	}
	return db;
fail:
	ns_advdb_close(db);
	return NULL;
}

const char *
ns_advdb_describe(const struct ns_advdb *db)
{
	return db->desc;
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

int
ns_advdb_lookup(struct ns_advdb *db, const char *package, struct ns_advisory **out, size_t *n,
                struct ns_err *err)
{
	size_t cap = 0, i, k;

	*out = NULL;
	*n = 0;
	for (i = 0; i < db->nsrc; i++) {
		struct source *s = &db->src[i];

		if (s->q != NULL) {
			int rc;

			sqlite3_reset(s->q);
			sqlite3_bind_text(s->q, 1, package, -1, SQLITE_TRANSIENT);
			while ((rc = sqlite3_step(s->q)) == SQLITE_ROW) {
				if (push(out, n, &cap, err) < 0)
					goto fail;
				if (sqlite3_column_type(s->q, 2) != SQLITE_INTEGER ||
				    sqlite3_column_type(s->q, 3) != SQLITE_INTEGER ||
				    ns_advisory_init(&(*out)[*n],
				    (const char *)sqlite3_column_text(s->q, 0),
				    (const char *)sqlite3_column_text(s->q, 1),
				    sqlite3_column_int(s->q, 2), sqlite3_column_int(s->q, 3),
				    (const char *)sqlite3_column_text(s->q, 4),
				    (const char *)sqlite3_column_text(s->q, 5),
				    (const char *)sqlite3_column_text(s->q, 6),
				    (const char *)sqlite3_column_text(s->q, 7), err) < 0) {
					ns_fail(err, "advisory index holds a malformed entry for %.128s",
					    package);
					goto fail;
				}
				if (strcmp((*out)[*n].package, package) != 0) {
					ns_advisory_clear(&(*out)[*n]);
					ns_fail(err, "advisory index returned a row for another package");
					goto fail;
				}
				(*n)++;
			}
			if (rc != SQLITE_DONE) {
				ns_fail(err, "advisory index: %s", sqlite3_errmsg(s->db));
				goto fail;
			}
			continue;
		}
		for (k = 0; k < s->nmem; k++) {
			const struct ns_advisory *a = &s->mem[k];
			struct ns_advisory *c;

			if (strcmp(a->package, package) != 0)
				continue;
			if (push(out, n, &cap, err) < 0)
				goto fail;
			c = &(*out)[*n];
			c->id = strdup(a->id);
			c->package = strdup(a->package);
			c->url = strdup(a->url);
			c->summary = strdup(a->summary);
			c->range = strdup(a->range);
			c->severity = a->severity;
			c->malware = a->malware;
			c->affected = json_incref(a->affected);
			if (c->id == NULL || c->package == NULL || c->url == NULL ||
			    c->summary == NULL || c->range == NULL) {
				ns_advisory_clear(c);
				ns_fail(err, "out of memory");
				goto fail;
			}
			(*n)++;
		}
	}
	return 0;
fail:
	ns_advisory_free_array(*out, *n);
	*out = NULL;
	*n = 0;
	return -1;
}
