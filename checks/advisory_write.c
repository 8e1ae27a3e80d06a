/* Writing an advisory index: a temporary SQLite file beside the target, filled
 * record by record, compared with the index it replaces, then renamed over it. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <jansson.h>

#include "advisory_int.h"

int
advidx_exec(sqlite3 *db, const char *sql, struct ns_err *err)
{
	char *msg = NULL;

	if (sqlite3_exec(db, sql, NULL, NULL, &msg) != SQLITE_OK) {
		ns_fail(err, "advisory index: %s", msg ? msg : sqlite3_errmsg(db));
		sqlite3_free(msg);
		return -1;
	}
	return 0;
}

/* 0 and the value (truncated to outlen) when meta holds key, else -1. */
int
advidx_meta(sqlite3 *db, const char *key, char *out, size_t outlen)
{
	sqlite3_stmt *q;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "SELECT value FROM meta WHERE key=?", -1, &q, NULL) != SQLITE_OK)
		return -1;
	sqlite3_bind_text(q, 1, key, -1, SQLITE_STATIC);
	if (sqlite3_step(q) == SQLITE_ROW && sqlite3_column_type(q, 0) == SQLITE_TEXT) {
		snprintf(out, outlen, "%s", (const char *)sqlite3_column_text(q, 0));
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}

int
advidx_writer_open(struct advidx_writer *w, const char *out_path, struct ns_advidx_stats *st,
                   struct ns_err *err)
{
	memset(w, 0, sizeof(*w));
	memset(st, 0, sizeof(*st));
	st->added = st->changed = st->newly_withdrawn = -1;
	w->st = st;
	if (snprintf(w->tmp, sizeof(w->tmp), "%s.tmp%ld", out_path, (long)getpid()) >=
	    (int)sizeof(w->tmp))
		return ns_fail(err, "index path too long");
	unlink(w->tmp);
	if (sqlite3_open_v2(w->tmp, &w->db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE, NULL) !=
	    SQLITE_OK) {
		ns_fail(err, "cannot create %s: %s", w->tmp, w->db ? sqlite3_errmsg(w->db) : "?");
		advidx_writer_abort(w);
		return -1;
	}
	if (advidx_exec(w->db, "PRAGMA journal_mode=OFF; PRAGMA synchronous=OFF;"
	    "PRAGMA cache_size=-65536;"
	    "CREATE TABLE meta(key TEXT PRIMARY KEY, value TEXT NOT NULL);"
	    /* rows are staged as read, then stored clustered by package (finish) */
	    "CREATE TEMP TABLE staged(id TEXT NOT NULL, package TEXT NOT NULL,"
	    " severity INTEGER NOT NULL, malware INTEGER NOT NULL, url TEXT NOT NULL,"
	    " summary TEXT NOT NULL, range TEXT NOT NULL, affected TEXT NOT NULL,"
	    " file TEXT, file_ino INTEGER, file_ctime INTEGER, digest TEXT);"
	    "CREATE TEMP TABLE staged_record(id TEXT PRIMARY KEY, modified TEXT NOT NULL,"
	    " withdrawn INTEGER NOT NULL);"
	    "CREATE TABLE dirstate(path TEXT PRIMARY KEY, ino INTEGER NOT NULL,"
	    " ctime INTEGER NOT NULL);"
	    "BEGIN;", err) < 0) {
		advidx_writer_abort(w);
		return -1;
	}
	if (sqlite3_prepare_v2(w->db, "INSERT INTO staged VALUES(?,?,?,?,?,?,?,?,?,?,?,?)", -1,
	    &w->ins, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, "INSERT OR REPLACE INTO staged_record VALUES(?,?,?)", -1, &w->rec,
	    NULL) != SQLITE_OK) {
		ns_fail(err, "advisory index: %s", sqlite3_errmsg(w->db));
		advidx_writer_abort(w);
		return -1;
	}
	return 0;
}

static int
insert_row(struct advidx_writer *w, const struct ns_advisory *a, const char *file,
           const struct stat *fst, struct ns_err *err)
{
	char *aff = json_dumps(a->affected, JSON_COMPACT), *digest = ns_osv_digest(a->affected);
	sqlite3_stmt *q = w->ins;
	int rc;

	if (aff == NULL) {
		free(digest);
		return ns_fail(err, "out of memory");
	}
	sqlite3_reset(q);
	sqlite3_bind_text(q, 1, a->id, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 2, a->package, -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(q, 3, a->severity);
	sqlite3_bind_int(q, 4, a->malware);
	sqlite3_bind_text(q, 5, a->url, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 6, a->summary, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 7, a->range, -1, SQLITE_TRANSIENT);
	sqlite3_bind_text(q, 8, aff, -1, SQLITE_TRANSIENT);
	if (file != NULL) {
		sqlite3_bind_text(q, 9, file, -1, SQLITE_TRANSIENT);
		sqlite3_bind_int64(q, 10, (sqlite3_int64)fst->st_ino);
		sqlite3_bind_int64(q, 11, advidx_ctime(fst));
	} else {
		sqlite3_bind_null(q, 9);
		sqlite3_bind_null(q, 10);
		sqlite3_bind_null(q, 11);
	}
	/* NULL (an entry evaluation reports as malformed): evaluated from its JSON */
	if (digest != NULL)
		sqlite3_bind_text(q, 12, digest, -1, SQLITE_TRANSIENT);
	else
		sqlite3_bind_null(q, 12);
	rc = sqlite3_step(q);
	free(aff);
	free(digest);
	if (rc != SQLITE_DONE)
		return ns_fail(err, "index insert: %s", sqlite3_errmsg(w->db));
	w->st->advisories++;
	w->st->malware += a->malware != 0;
	return 0;
}

int
advidx_writer_add(struct advidx_writer *w, const char *text, size_t len, const char *name,
                  const char *file, const struct stat *fst, struct ns_err *err)
{
	json_error_t je;
	json_t *rec = json_loadb(text, len, JSON_REJECT_DUPLICATES, &je);
	struct ns_advisory *adv = NULL;
	size_t n = 0, i;
	const char *modified;
	int withdrawn, rc = -1;

	if (rec == NULL)
		return ns_fail(err, "%s: not valid JSON (line %d: %s)", name, je.line, je.text);
	withdrawn = json_object_get(rec, "withdrawn") != NULL;
	if (ns_osv_split(rec, &adv, &n, err) < 0) {
		char msg[sizeof(err->msg)];

		snprintf(msg, sizeof(msg), "%s", err->msg);
		ns_fail(err, "%s: %s", name, msg);
		goto out;
	}
	/* ns_osv_split has checked the id; "modified" is only compared between runs */
	modified = json_string_value(json_object_get(rec, "modified"));
	sqlite3_reset(w->rec);
	sqlite3_bind_text(w->rec, 1, json_string_value(json_object_get(rec, "id")), -1,
	    SQLITE_TRANSIENT);
	sqlite3_bind_text(w->rec, 2, modified ? modified : "", -1, SQLITE_TRANSIENT);
	sqlite3_bind_int(w->rec, 3, withdrawn);
	if (sqlite3_step(w->rec) != SQLITE_DONE) {
		ns_fail(err, "index insert: %s", sqlite3_errmsg(w->db));
		goto out;
	}
	w->st->files++;
	w->st->withdrawn += withdrawn;
	for (i = 0; i < n; i++)
		if (insert_row(w, &adv[i], file, fst, err) < 0)
			goto out;
	rc = 0;
out:
	ns_advisory_free_array(adv, n);
	json_decref(rec);
	return rc;
}

/* The advisory tables, in this order in the file: the package names (with the
 * kinds of rows each has), the advisories, the malicious-package advisories, the
 * records. The first two are what nearly every lookup reads; their byte range is
 * kept in meta ("hot") so that a reader can ask for it to be read ahead at once,
 * instead of one random read per package on a cold cache. */
#define ADV_COLUMNS " seq INTEGER NOT NULL, id TEXT NOT NULL, severity INTEGER NOT NULL," \
	" malware INTEGER NOT NULL, url TEXT NOT NULL, summary TEXT NOT NULL," \
	" range TEXT NOT NULL, affected TEXT NOT NULL, file TEXT, file_ino INTEGER," \
	" file_ctime INTEGER, digest TEXT, PRIMARY KEY(package, seq)) WITHOUT ROWID;"
#define ADV_SELECT " SELECT package, rowid, id, severity, malware, url, summary, range," \
	" affected, file, file_ino, file_ctime, digest FROM staged"

static int
page_count(sqlite3 *db, long long *n)
{
	sqlite3_stmt *q;
	int rc = -1;

	if (sqlite3_prepare_v2(db, "PRAGMA main.page_count", -1, &q, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(q) == SQLITE_ROW) {
		*n = sqlite3_column_int64(q, 0);
		rc = 0;
	}
	sqlite3_finalize(q);
	return rc;
}

int
advidx_writer_finish(struct advidx_writer *w, const char *source, const char *origin,
                     struct ns_err *err)
{
	sqlite3_stmt *q = NULL;
	char built[32], hot[64];
	long long p0 = 0, p1 = 0;
	int rc;

	snprintf(built, sizeof(built), "%lld", (long long)time(NULL));
	if (page_count(w->db, &p0) < 0)
		return ns_fail(err, "advisory index: %s", sqlite3_errmsg(w->db));
	if (advidx_exec(w->db, "CREATE TABLE pkgnames(package TEXT PRIMARY KEY,"
	    " kinds INTEGER NOT NULL) WITHOUT ROWID;"
	    "INSERT INTO pkgnames SELECT package, max(malware = 0) | (max(malware <> 0) << 1)"
	    " FROM staged GROUP BY package ORDER BY package;"
	    "CREATE TABLE advisory(package TEXT NOT NULL," ADV_COLUMNS
	    "INSERT INTO advisory" ADV_SELECT " WHERE malware = 0 ORDER BY package, rowid;",
	    err) < 0)
		return -1;
	if (page_count(w->db, &p1) < 0)
		return ns_fail(err, "advisory index: %s", sqlite3_errmsg(w->db));
	if (advidx_exec(w->db, "CREATE TABLE malware(package TEXT NOT NULL," ADV_COLUMNS
	    "INSERT INTO malware" ADV_SELECT " WHERE malware <> 0 ORDER BY package, rowid;"
	    "CREATE TABLE record(id TEXT PRIMARY KEY, modified TEXT NOT NULL,"
	    " withdrawn INTEGER NOT NULL) WITHOUT ROWID;"
	    "INSERT INTO record SELECT * FROM staged_record ORDER BY id;"
	    "DROP TABLE staged; DROP TABLE staged_record;", err) < 0)
		return -1;
	/* pages are appended as the tables grow: pkgnames and advisory lie in between */
	snprintf(hot, sizeof(hot), "%lld %lld", p0, p1 - p0);
	if (sqlite3_prepare_v2(w->db, "INSERT INTO meta VALUES('schema',?),('source',?),"
	    "('origin',?),('built',?),('hot_pages',?)", -1, &q, NULL) != SQLITE_OK)
		return ns_fail(err, "advisory index: %s", sqlite3_errmsg(w->db));
	sqlite3_bind_int(q, 1, ADVIDX_SCHEMA);
	sqlite3_bind_text(q, 2, source, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 3, origin, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 4, built, -1, SQLITE_STATIC);
	sqlite3_bind_text(q, 5, hot, -1, SQLITE_STATIC);
	rc = sqlite3_step(q);
	sqlite3_finalize(q);
	if (rc != SQLITE_DONE)
		return ns_fail(err, "advisory index: %s", sqlite3_errmsg(w->db));
	return advidx_exec(w->db, "COMMIT;", err);
}

/* Opens the index being replaced, read-only; NULL when there is none usable. */
static sqlite3 *
open_old(const char *path)
{
	sqlite3 *db = NULL;
	int fd = open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	struct stat st;
	char v[16];

	if (fd < 0)
		return NULL;
	if (fstat(fd, &st) < 0 || !S_ISREG(st.st_mode)) {
		close(fd);
		return NULL;
	}
	close(fd);
	if (sqlite3_open_v2(path, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
		sqlite3_close(db);
		return NULL;
	}
	sqlite3_db_config(db, SQLITE_DBCONFIG_DEFENSIVE, 1, NULL);
	sqlite3_db_config(db, SQLITE_DBCONFIG_TRUSTED_SCHEMA, 0, NULL);
	if (advidx_meta(db, "schema", v, sizeof(v)) < 0 || !advidx_schema_readable(atoi(v))) {
		sqlite3_close(db);
		return NULL;
	}
	return db;
}

int
advidx_writer_compare(struct advidx_writer *w, const char *old_path, struct ns_err *err)
{
	sqlite3 *old;
	sqlite3_stmt *oq = NULL, *nq = NULL, *cnt = NULL;
	long active = 0, matched = 0, changed = 0, gone = 0;
	int rc = -1;

	if (access(old_path, F_OK) < 0 && errno == ENOENT)
		old = NULL; /* first install: everything is added */
	else if ((old = open_old(old_path)) == NULL)
		return 0;   /* an older or foreign index: counts unknown */
	if (sqlite3_prepare_v2(w->db, "SELECT count(*) FROM record WHERE withdrawn=0", -1, &cnt,
	    NULL) != SQLITE_OK || sqlite3_step(cnt) != SQLITE_ROW) {
		ns_fail(err, "advisory index: %s", sqlite3_errmsg(w->db));
		goto out;
	}
	active = (long)sqlite3_column_int64(cnt, 0);
	if (old != NULL && (sqlite3_prepare_v2(old, "SELECT id, modified FROM record WHERE"
	    " withdrawn=0", -1, &oq, NULL) != SQLITE_OK ||
	    sqlite3_prepare_v2(w->db, "SELECT modified, withdrawn FROM record WHERE id=?", -1,
	    &nq, NULL) != SQLITE_OK)) {
		ns_fail(err, "comparing with %s: %s", old_path, sqlite3_errmsg(old));
		goto out;
	}
	while (oq != NULL && sqlite3_step(oq) == SQLITE_ROW) {
		const char *om = (const char *)sqlite3_column_text(oq, 1);

		sqlite3_reset(nq);
		sqlite3_bind_text(nq, 1, (const char *)sqlite3_column_text(oq, 0), -1,
		    SQLITE_TRANSIENT);
		if (sqlite3_step(nq) != SQLITE_ROW || sqlite3_column_int(nq, 1) != 0) {
			gone++; /* withdrawn, or no longer in the export */
			continue;
		}
		matched++;
		changed += om == NULL || strcmp(om, (const char *)sqlite3_column_text(nq, 0)) != 0;
	}
	w->st->added = active - matched;
	w->st->changed = changed;
	w->st->newly_withdrawn = gone;
	rc = 0;
out:
	sqlite3_finalize(cnt);
	sqlite3_finalize(oq);
	sqlite3_finalize(nq);
	if (old != NULL)
		sqlite3_close(old);
	return rc;
}

void
advidx_writer_abort(struct advidx_writer *w)
{
	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->rec);
	w->ins = w->rec = NULL;
	if (w->db != NULL)
		sqlite3_close(w->db);
	w->db = NULL;
	if (w->tmp[0] != '\0')
		unlink(w->tmp);
	w->tmp[0] = '\0';
}

int
advidx_install(struct advidx_writer *w, const char *out_path, struct ns_err *err)
{
	int fd;

	sqlite3_finalize(w->ins);
	sqlite3_finalize(w->rec);
	w->ins = w->rec = NULL;
	if (sqlite3_close(w->db) != SQLITE_OK) {
		w->db = NULL;
		advidx_writer_abort(w);
		return ns_fail(err, "closing the new index failed");
	}
	w->db = NULL;
	/* readable by the unprivileged check user, whatever the umask */
	fd = open(w->tmp, O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
	if (fd < 0 || fchmod(fd, 0644) < 0 || fsync(fd) < 0 || rename(w->tmp, out_path) < 0) {
		int e = errno;

		if (fd >= 0)
			close(fd);
		advidx_writer_abort(w);
		return ns_fail(err, "installing %s: %s", out_path, strerror(e));
	}
	close(fd);
	w->tmp[0] = '\0';
	return 0;
}
