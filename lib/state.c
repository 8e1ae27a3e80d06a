#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "approver.h"
#include "digest.h"
#include "nslog.h"
#include "record.h"
#include "secure_file.h"
#include "state.h"
#include "ticket.h"
#include "totp_state.h"

struct ns_state {
	sqlite3 *db;              /* opened on first use: the module's factors never need it */
	int create;
	int dirfd;
	int spoolfd;
	int approversfd;
	int ticketsfd;
	int usedfd;
	int totpfd;
	int fido2fd;
	char *path;
};

#define SCHEMA_VERSION 1
#define FIDO2_TAG "npmstage-fido2 1"

static const char schema[] =
	"BEGIN IMMEDIATE;"
	"CREATE TABLE IF NOT EXISTS releases ("
	"  id TEXT PRIMARY KEY, origin TEXT NOT NULL, name TEXT NOT NULL,"
	"  version TEXT NOT NULL, tag TEXT NOT NULL, shasum TEXT NOT NULL DEFAULT '',"
	"  integrity TEXT NOT NULL DEFAULT '', size INTEGER NOT NULL DEFAULT 0,"
	"  staged_by TEXT NOT NULL DEFAULT '', staged_at INTEGER NOT NULL,"
	"  status TEXT NOT NULL, report TEXT, report_sha256 TEXT NOT NULL DEFAULT '');"
	"CREATE TABLE IF NOT EXISTS approvals ("
	"  id TEXT PRIMARY KEY, release_id TEXT NOT NULL REFERENCES releases(id),"
	"  action TEXT NOT NULL DEFAULT 'approve' CHECK (action IN ('approve','reject')),"
	"  approver TEXT NOT NULL, statement TEXT NOT NULL, statement_sha256 TEXT NOT NULL,"
	"  created INTEGER NOT NULL, expires INTEGER NOT NULL);"
	"CREATE TABLE IF NOT EXISTS ledger ("
	"  seq INTEGER PRIMARY KEY, t INTEGER NOT NULL, event TEXT NOT NULL,"
	"  data TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);"
	"PRAGMA user_version = 1;"
	"COMMIT;";

static int
db_fail(struct ns_state *st, const char *what, struct ns_err *err)
{
	return ns_fail(err, "state database %s: %s: %s", st->path, what, sqlite3_errmsg(st->db));
}

/* PRAGMA user_version, or -1. */
static int
schema_version(struct ns_state *st)
{
	sqlite3_stmt *s;
	int v = -1;

	if (sqlite3_prepare_v2(st->db, "PRAGMA user_version", -1, &s, NULL) != SQLITE_OK)
		return -1;
	if (sqlite3_step(s) == SQLITE_ROW)
		v = sqlite3_column_int(s, 0);
	sqlite3_finalize(s);
	return v;
}

int
ns_state_dirfd(const struct ns_state *st)
{
	return st->dirfd;
}

int
ns_state_spoolfd(const struct ns_state *st)
{
	return st->spoolfd;
}

int
ns_state_approversfd(const struct ns_state *st)
{
	return st->approversfd;
}

const char *
ns_state_path(const struct ns_state *st)
{
	return st->path;
}

/* Opens (create: makes) one folder of state_dir; owner and mode checked. */
static int
state_subdir(struct ns_state *st, const char *name, struct ns_err *err)
{
	struct stat sb;
	int fd;

	if (st->create) {
		fd = sf_mkdirat(st->dirfd, st->path, name, 0700, err);
		if (fd < 0)
			return -1;
	} else {
		fd = openat(st->dirfd, name, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
		if (fd < 0)
			return ns_fail(err, "%s/%s/ missing or a link: %s (run npm-release "
			                    "check-config)", st->path, name, strerror(errno));
	}
	if (fstat(fd, &sb) != 0 || !sf_trusted_uid(sb.st_uid) || (sb.st_mode & 077)) {
		close(fd);
		return ns_fail(err, "%s/%s/ must be root-owned, mode 0700", st->path, name);
	}
	return fd;
}

/* state.db, when present, must pass the same checks as every other file before
 * SQLite opens it; only npm-release (create) may find it missing. */
static int
state_db_check(struct ns_state *st, struct ns_err *err)
{
	int fd = sf_openat_file(st->dirfd, st->path, "state.db", 077, 0, NULL, err);

	if (fd >= 0) {
		close(fd);
		return 0;
	}
	return st->create && errno == ENOENT ? 0 : -1;
}

/* The database, on first use (checked by ns_state_open). */
static int
state_db(struct ns_state *st, struct ns_err *err)
{
	char dbpath[PATH_MAX];
	int rc, flags;

	if (st->db != NULL)
		return 0;
	if (snprintf(dbpath, sizeof(dbpath), "%s/state.db", st->path) >= (int)sizeof(dbpath))
		return ns_fail(err, "%s: path too long", st->path);
	flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_FULLMUTEX;
	if (st->create)
		flags |= SQLITE_OPEN_CREATE;
	{
		mode_t old = umask(077);
		rc = sqlite3_open_v2(dbpath, &st->db, flags, NULL);
		umask(old);
	}
	if (rc != SQLITE_OK) {
		ns_fail(err, "state database %s: %s", dbpath,
		        st->db ? sqlite3_errmsg(st->db) : "cannot open");
		goto fail;
	}
	sqlite3_busy_timeout(st->db, 10000);
	/* Keep the WAL and its index in place instead of checkpointing and deleting them
	 * on each close; commits stay synchronous=FULL. */
	{
		int one = 1;
		sqlite3_file_control(st->db, "main", SQLITE_FCNTL_PERSIST_WAL, &one);
		sqlite3_db_config(st->db, SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, 1, NULL);
	}
	if (sqlite3_exec(st->db, "PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;", NULL, NULL,
	                 NULL) != SQLITE_OK) {
		db_fail(st, "pragma", err);
		goto fail;
	}
	/* The schema is created once (user_version marks it). */
	switch (schema_version(st)) {
	case SCHEMA_VERSION:
		break;
	case 0:
		if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
			db_fail(st, "schema", err);
			goto fail;
		}
		break;
	default:
		ns_fail(err, "state database %s: unknown schema version (newer npm-release?)", dbpath);
		goto fail;
	}
	return 0;
fail:
	if (st->db != NULL)
		sqlite3_close(st->db);
	st->db = NULL;
	return -1;
}

int
ns_state_open(const char *state_dir, int create, struct ns_state **out, struct ns_err *err)
{
	struct ns_state *st;

	*out = NULL;
	st = calloc(1, sizeof(*st));
	if (st == NULL)
		return ns_fail(err, "out of memory");
	st->dirfd = st->spoolfd = st->approversfd = st->ticketsfd = st->usedfd = st->totpfd =
		st->fido2fd = -1;
	st->create = create;
	st->path = strdup(state_dir);
	if (st->path == NULL) {
		free(st);
		return ns_fail(err, "out of memory");
	}
	if (create && state_dir[0] == '/' && mkdir(state_dir, 0700) != 0 && errno != EEXIST) {
		ns_fail(err, "%s: %s", state_dir, strerror(errno));
		goto fail;
	}
	st->dirfd = sf_open_dir(state_dir, 077, err);
	if (st->dirfd < 0 ||
	    (st->spoolfd = state_subdir(st, "spool", err)) < 0 ||
	    (st->approversfd = state_subdir(st, "approvers", err)) < 0 ||
	    (st->ticketsfd = state_subdir(st, "tickets", err)) < 0 ||
	    (st->usedfd = state_subdir(st, "used", err)) < 0 ||
	    (st->totpfd = state_subdir(st, "totp", err)) < 0 ||
	    (st->fido2fd = state_subdir(st, "fido2", err)) < 0 ||
	    state_db_check(st, err) != 0)
		goto fail;
	/* npm-release creates and checks the database up front; the module opens it
	 * only when a scope needs several approvers. */
	if (create && state_db(st, err) != 0)
		goto fail;
	*out = st;
	return 0;
fail:
	ns_state_close(st);
	return -1;
}

void
ns_state_close(struct ns_state *st)
{
	if (st == NULL)
		return;
	if (st->db != NULL)
		sqlite3_close(st->db);
	if (st->dirfd >= 0)
		close(st->dirfd);
	if (st->ticketsfd >= 0)
		close(st->ticketsfd);
	if (st->usedfd >= 0)
		close(st->usedfd);
	if (st->totpfd >= 0)
		close(st->totpfd);
	if (st->fido2fd >= 0)
		close(st->fido2fd);
	if (st->spoolfd >= 0)
		close(st->spoolfd);
	if (st->approversfd >= 0)
		close(st->approversfd);
	free(st->path);
	free(st);
}

static void
copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

/* Binding can fail (OOM); a statement with a missing value must never run, so
 * every bind goes through these and the caller checks. */
static int
bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

static int
bind_int(sqlite3_stmt *s, int i, long long v)
{
	return sqlite3_bind_int64(s, i, v) == SQLITE_OK ? 0 : -1;
}

static int
bind_failed(struct ns_state *st, sqlite3_stmt *s, struct ns_err *err)
{
	sqlite3_finalize(s);
	return db_fail(st, "bind", err);
}

static void rollback(struct ns_state *st);

static int
bind_failed_tx(struct ns_state *st, sqlite3_stmt *s, struct ns_err *err)
{
	int rc = bind_failed(st, s, err);

	rollback(st);
	return rc;
}

static int
prepare(struct ns_state *st, const char *sql, sqlite3_stmt **s, struct ns_err *err)
{
	if (state_db(st, err) != 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return db_fail(st, "prepare", err);
	return 0;
}

static int withdraw_tickets(struct ns_state *st, const char *id, struct ns_err *err);

/* After a committed change of release id: its tickets go. A failure is logged (by
 * withdraw_tickets), not returned: the change itself stands, and a left-over ticket
 * still needs an unused approval the helper hands over and its own factor. */
static void
tickets_changed(struct ns_state *st, const char *id)
{
	struct ns_err err;

	(void)withdraw_tickets(st, id, &err);
}

int
ns_release_insert(struct ns_state *st, const struct ns_release *r, struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "INSERT INTO releases (id, origin, name, version, tag, shasum, integrity,"
	                " size, staged_by, staged_at, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	            &s, err) != 0)
		return -1;
	if (bind_text(s, 1, r->id) ||
	    bind_text(s, 2, r->origin) ||
	    bind_text(s, 3, r->name) ||
	    bind_text(s, 4, r->version) ||
	    bind_text(s, 5, r->tag) ||
	    bind_text(s, 6, r->shasum) ||
	    bind_text(s, 7, r->integrity) ||
	    bind_int(s, 8, r->size) ||
	    bind_text(s, 9, r->staged_by) ||
	    bind_int(s, 10, r->staged_at) ||
	    bind_text(s, 11, r->status))
		return bind_failed(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_CONSTRAINT)
		return ns_fail(err, "release %s already exists", r->id);
	if (rc != SQLITE_DONE)
		return db_fail(st, "insert release", err);
	return 0;
}

static void
fill_release(sqlite3_stmt *s, struct ns_release *r)
{
	const unsigned char *rep;

	memset(r, 0, sizeof(*r));
	copy_col(r->id, sizeof(r->id), s, 0);
	copy_col(r->origin, sizeof(r->origin), s, 1);
	copy_col(r->name, sizeof(r->name), s, 2);
	copy_col(r->version, sizeof(r->version), s, 3);
	copy_col(r->tag, sizeof(r->tag), s, 4);
	copy_col(r->shasum, sizeof(r->shasum), s, 5);
	copy_col(r->integrity, sizeof(r->integrity), s, 6);
	r->size = sqlite3_column_int64(s, 7);
	copy_col(r->staged_by, sizeof(r->staged_by), s, 8);
	r->staged_at = sqlite3_column_int64(s, 9);
	copy_col(r->status, sizeof(r->status), s, 10);
	copy_col(r->report_sha256, sizeof(r->report_sha256), s, 12);
	rep = sqlite3_column_text(s, 11);
	r->report = rep ? strdup((const char *)rep) : NULL;
}

#define RELEASE_COLS "id, origin, name, version, tag, shasum, integrity, size, staged_by," \
	" staged_at, status, report, report_sha256"

int
ns_release_get(struct ns_state *st, const char *id, struct ns_release *r, struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc;

	/* id may point into r: bind a copy before r is cleared. */
	if (prepare(st, "SELECT " RELEASE_COLS " FROM releases WHERE id = ?", &s, err) != 0)
		return -1;
	if (bind_text(s, 1, id))
		return bind_failed(st, s, err);
	memset(r, 0, sizeof(*r));
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		fill_release(s, r);
		sqlite3_finalize(s);
		return 0;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_DONE)
		return 1;
	return db_fail(st, "read release", err);
}

int
ns_release_each(struct ns_state *st, int (*fn)(const struct ns_release *, void *), void *arg,
                struct ns_err *err)
{
	struct ns_release r;
	sqlite3_stmt *s;
	int rc, stop = 0;

	if (prepare(st, "SELECT " RELEASE_COLS " FROM releases ORDER BY staged_at DESC, id", &s,
	            err) != 0)
		return -1;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		fill_release(s, &r);
		stop = fn(&r, arg);
		ns_release_clear(&r);
	}
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE)
		return db_fail(st, "list releases", err);
	return 0;
}

void
ns_release_clear(struct ns_release *r)
{
	free(r->report);
	r->report = NULL;
}

static int
exec_changes(struct ns_state *st, sqlite3_stmt *s, const char *what, struct ns_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, what, err);
	return sqlite3_changes(st->db) == 1 ? 0 : 1;
}

int
ns_release_set_status(struct ns_state *st, const char *id, const char *from, const char *to,
                      struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "UPDATE releases SET status = ? WHERE id = ? AND status = ?", &s, err) != 0)
		return -1;
	if (bind_text(s, 1, to) ||
	    bind_text(s, 2, id) ||
	    bind_text(s, 3, from))
		return bind_failed(st, s, err);
	rc = exec_changes(st, s, "update release", err);
	if (rc == 0)
		tickets_changed(st, id);
	return rc;
}

int
ns_release_set_report(struct ns_state *st, const char *id, const char *status,
                      const char *integrity, const char *report, struct ns_err *err)
{
	unsigned char h[32];
	char hex[65];
	sqlite3_stmt *s;
	int rc;

	if (ns_sha256(report, strlen(report), h) != 0)
		return ns_fail(err, "sha256 failed");
	ns_hex(h, 32, hex);
	if (prepare(st, "UPDATE releases SET status = ?, integrity = ?, report = ?,"
	                " report_sha256 = ? WHERE id = ? AND status IN ('staged','checked','failed')",
	            &s, err) != 0)
		return -1;
	if (bind_text(s, 1, status) ||
	    bind_text(s, 2, integrity) ||
	    bind_text(s, 3, report) ||
	    bind_text(s, 4, hex) ||
	    bind_text(s, 5, id))
		return bind_failed(st, s, err);
	rc = exec_changes(st, s, "store report", err);
	if (rc == 1)
		return ns_fail(err, "release %s is no longer open for checks", id);
	if (rc == 0)
		tickets_changed(st, id);
	return rc;
}

/* Withdraws the tickets of every approval of release id: its state changed, so
 * what they say is no longer what the module may act on. */
static int
withdraw_tickets(struct ns_state *st, const char *id, struct ns_err *err)
{
	char shown[PATH_MAX];
	sqlite3_stmt *s;
	int rc, failed = 0;

	snprintf(shown, sizeof(shown), "%s/tickets", st->path);
	if (prepare(st, "SELECT id FROM approvals WHERE release_id = ?", &s, err) != 0)
		return -1;
	if (bind_text(s, 1, id))
		return bind_failed(st, s, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *aid = (const char *)sqlite3_column_text(s, 0);
		if (aid == NULL || ns_ticket_remove(st->ticketsfd, shown, aid, err) != 0)
			failed = 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "list approvals", err);
	if (failed) {
		ns_log(LOG_ERR, "release %s: a ticket could not be withdrawn: %s", id, err->msg);
		return -1;
	}
	return 0;
}

int
ns_approval_insert(struct ns_state *st, const struct ns_approval *a, struct ns_err *err)
{
	char shown[PATH_MAX];
	struct ns_release r;
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "INSERT INTO approvals (id, release_id, approver, statement,"
	                " statement_sha256, created, expires, action) VALUES (?,?,?,?,?,?,?,?)",
	            &s, err) != 0)
		return -1;
	if (bind_text(s, 8, a->action[0] ? a->action : NS_ACTION_APPROVE) ||
	    bind_text(s, 1, a->id) ||
	    bind_text(s, 2, a->release_id) ||
	    bind_text(s, 3, a->approver) ||
	    bind_text(s, 4, a->statement) ||
	    bind_text(s, 5, a->statement_sha256) ||
	    bind_int(s, 6, a->created) ||
	    bind_int(s, 7, a->expires))
		return bind_failed(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "insert approval", err);
	/* The ticket carries the release as the database holds it now, not as the caller
	 * last read it. Without a ticket the module refuses the approval. */
	rc = ns_release_get(st, a->release_id, &r, err);
	if (rc != 0)
		return rc > 0 ? ns_fail(err, "approval %s: no release %s", a->id, a->release_id) : -1;
	snprintf(shown, sizeof(shown), "%s/used", st->path);
	rc = ns_used_prepare(st->usedfd, shown, a->id, err);
	if (rc == 0) {
		snprintf(shown, sizeof(shown), "%s/tickets", st->path);
		rc = ns_ticket_write(st->ticketsfd, shown, a, &r, err);
	}
	ns_release_clear(&r);
	return rc;
}

/* Fills the use of a from its marker. */
static int
approval_used(struct ns_state *st, struct ns_approval *a, struct ns_err *err)
{
	char shown[PATH_MAX];
	long long at;
	int rc;

	snprintf(shown, sizeof(shown), "%s/used", st->path);
	rc = ns_used_read(st->usedfd, shown, a->id, a->factor, &at, err);
	if (rc < 0)
		return -1;
	a->consumed = rc == 0;
	return 0;
}

int
ns_approval_get(struct ns_state *st, const char *id, struct ns_approval *a, struct ns_err *err)
{
	sqlite3_stmt *s;
	const unsigned char *stmt;
	int rc;

	if (prepare(st, "SELECT id, release_id, approver, statement, statement_sha256, created,"
	                " expires, action FROM approvals WHERE id = ?", &s, err) != 0)
		return -1;
	if (bind_text(s, 1, id))
		return bind_failed(st, s, err);
	memset(a, 0, sizeof(*a));
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		if (rc == SQLITE_DONE)
			return 1;
		return db_fail(st, "read approval", err);
	}
	copy_col(a->id, sizeof(a->id), s, 0);
	copy_col(a->release_id, sizeof(a->release_id), s, 1);
	copy_col(a->approver, sizeof(a->approver), s, 2);
	stmt = sqlite3_column_text(s, 3);
	a->statement = stmt ? strdup((const char *)stmt) : NULL;
	copy_col(a->statement_sha256, sizeof(a->statement_sha256), s, 4);
	a->created = sqlite3_column_int64(s, 5);
	a->expires = sqlite3_column_int64(s, 6);
	copy_col(a->action, sizeof(a->action), s, 7);
	sqlite3_finalize(s);
	if (a->statement == NULL)
		return ns_fail(err, "approval %s: out of memory", id);
	if (approval_used(st, a, err) != 0) {
		ns_approval_clear(a);
		return -1;
	}
	return 0;
}

int
ns_approval_ticket(struct ns_state *st, const char *id, struct ns_approval *a,
                   struct ns_release *r, struct ns_err *err)
{
	char shown[PATH_MAX];
	int rc;

	snprintf(shown, sizeof(shown), "%s/tickets", st->path);
	rc = ns_ticket_read(st->ticketsfd, shown, id, a, r, err);
	if (rc != 0)
		return rc;
	snprintf(shown, sizeof(shown), "%s/used", st->path);
	rc = ns_used_state(st->usedfd, shown, id, err);
	if (rc < 0) {
		ns_approval_clear(a);
		ns_release_clear(r);
		return -1;
	}
	a->consumed = rc == 0;
	return 0;
}

int
ns_approval_consume(struct ns_state *st, const struct ns_approval *a, time_t now,
                    const char *factor, struct ns_err *err)
{
	char shown[PATH_MAX];
	int rc;

	if (a->expires <= (long long)now) {
		ns_fail(err, "approval %s has expired", a->id);
		return 1;
	}
	snprintf(shown, sizeof(shown), "%s/used", st->path);
	rc = ns_used_mark(st->usedfd, shown, a->id, factor, now, err);
	if (rc == 1)
		ns_fail(err, "approval %s was already used", a->id);
	return rc;
}

void
ns_approval_clear(struct ns_approval *a)
{
	free(a->statement);
	a->statement = NULL;
}

static int
begin_immediate(struct ns_state *st, struct ns_err *err)
{
	if (state_db(st, err) != 0)
		return -1;
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return db_fail(st, "begin", err);
	return 0;
}

static int
commit(struct ns_state *st, struct ns_err *err)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return db_fail(st, "commit", err);
	}
	return 0;
}

static void
rollback(struct ns_state *st)
{
	sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
}

int
ns_state_totp_use(struct ns_state *st, const char *user, time_t now,
                  const struct ns_totp_policy *pol, long long (*check_fn)(void *), void *arg,
                  struct ns_err *err)
{
	char shown[PATH_MAX];

	snprintf(shown, sizeof(shown), "%s/totp", st->path);
	return ns_totp_state_use(st->totpfd, shown, user, now, pol, check_fn, arg, err);
}

int
ns_state_totp_set(struct ns_state *st, const char *user, long long last_step,
                  struct ns_err *err)
{
	char shown[PATH_MAX];

	snprintf(shown, sizeof(shown), "%s/totp", st->path);
	return ns_totp_state_set(st->totpfd, shown, user, last_step, err);
}

int
ns_state_fido2_counter_advance(struct ns_state *st, const char *user, const char *cred,
                               unsigned counter, int (*ok)(unsigned stored, unsigned now),
                               unsigned *stored, struct ns_err *err)
{
	char shown[PATH_MAX], name[64 + 40], hex[65];
	unsigned char h[32];
	long long v;
	int fd, rc;

	*stored = 0;
	if (!ns_user_name_valid(user))
		return ns_fail(err, "'%s' is not a valid user name", user);
	/* One record per credential, named by its user and a digest of its id ('+' is
	 * not in user names); credential ids are too long for file names. */
	if (ns_sha256(cred, strlen(cred), h) != 0)
		return ns_fail(err, "sha256 failed");
	ns_hex(h, 16, hex);
	snprintf(name, sizeof(name), "%s+%s", user, hex);
	snprintf(shown, sizeof(shown), "%s/fido2", st->path);
	fd = ns_record_lock(st->fido2fd, shown, name, err);
	if (fd < 0)
		return -1;
	rc = ns_record_read(fd, FIDO2_TAG, &v, 1, shown, name, err);
	if (rc == 0 && (v < 0 || v > UINT_MAX))
		rc = ns_fail(err, "%s/%s: counter out of range", shown, name);
	if (rc >= 0) {
		*stored = rc == 0 ? (unsigned)v : 0;
		if (!ok(*stored, counter)) {
			rc = 1;
		} else {
			v = counter;
			rc = ns_record_write(fd, FIDO2_TAG, &v, 1, shown, name, err);
		}
	}
	if (close(fd) != 0 && rc == 0)
		rc = ns_fail(err, "%s/%s: cannot close the record", shown, name);
	return rc;
}

static int
ledger_hash(const char *prev, long long seq, long long t, const char *event, const char *data,
            char out[65])
{
	unsigned char h[32];
	size_t n = strlen(prev) + strlen(event) + strlen(data) + 64;
	char *buf = malloc(n);
	int rc;

	if (buf == NULL)
		return -1;
	snprintf(buf, n, "%s\n%lld\n%lld\n%s\n%s", prev, seq, t, event, data);
	rc = ns_sha256(buf, strlen(buf), h);
	free(buf);
	if (rc != 0)
		return -1;
	ns_hex(h, 32, out);
	return 0;
}

/* Appends one entry; the caller holds an IMMEDIATE transaction. */
static int
ledger_append_locked(struct ns_state *st, const char *event, const char *data_json,
                     struct ns_err *err)
{
	char prev[65] = "genesis", hash[65];
	long long seq = 1, t = (long long)time(NULL);
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1", &s, err) != 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0) + 1;
		copy_col(prev, sizeof(prev), s, 1);
	}
	sqlite3_finalize(s);
	if ((rc != SQLITE_ROW && rc != SQLITE_DONE) ||
	    ledger_hash(prev, seq, t, event, data_json, hash) != 0)
		return db_fail(st, "ledger head", err);
	if (prepare(st, "INSERT INTO ledger (seq, t, event, data, prev, hash) VALUES (?,?,?,?,?,?)",
	            &s, err) != 0)
		return -1;
	/* the caller rolls the transaction back */
	if (bind_int(s, 1, seq) ||
	    bind_int(s, 2, t) ||
	    bind_text(s, 3, event) ||
	    bind_text(s, 4, data_json) ||
	    bind_text(s, 5, prev) ||
	    bind_text(s, 6, hash))
		return bind_failed(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "ledger append", err);
	return 0;
}

/* The ledger's head, kept outside the database in state_dir/ledger.head
 * ("seq hash"), rewritten atomically after every commit that appends. A chain
 * alone cannot show that its last entries were deleted; the anchor can. A crash
 * between the commit and the anchor leaves the anchor behind, which verify accepts. */
#define LEDGER_ANCHOR "ledger.head"

static void
ledger_write_anchor(struct ns_state *st)
{
	sqlite3_stmt *s;
	char line[128];
	struct ns_err err;

	if (sqlite3_prepare_v2(st->db, "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1", -1,
	                       &s, NULL) != SQLITE_OK)
		return;
	if (sqlite3_step(s) == SQLITE_ROW) {
		snprintf(line, sizeof(line), "%lld %s\n", (long long)sqlite3_column_int64(s, 0),
		         (const char *)sqlite3_column_text(s, 1));
		/* The entry is committed; a failed anchor update leaves the anchor
		 * behind, which verify accepts. Say so rather than stay silent. */
		if (sf_write_atomic(st->dirfd, st->path, LEDGER_ANCHOR, line, strlen(line), 0600,
		                    &err) != 0)
			ns_log(LOG_ERR, "ledger head anchor not updated: %s", err.msg);
	}
	sqlite3_finalize(s);
}

static int
ledger_commit(struct ns_state *st, struct ns_err *err)
{
	if (commit(st, err) != 0)
		return -1;
	ledger_write_anchor(st);
	return 0;
}

int
ns_ledger_append(struct ns_state *st, const char *event, const char *data_json,
                 struct ns_err *err)
{
	if (begin_immediate(st, err) != 0)
		return -1;
	if (ledger_append_locked(st, event, data_json, err) != 0) {
		rollback(st);
		return -1;
	}
	return ledger_commit(st, err);
}

int
ns_release_transition(struct ns_state *st, const char *id, const char *from, const char *to,
                      const char *event, const char *data_json, struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (begin_immediate(st, err) != 0)
		return -1;
	if (prepare(st, "UPDATE releases SET status = ? WHERE id = ? AND status = ?", &s, err) != 0) {
		rollback(st);
		return -1;
	}
	if (bind_text(s, 1, to) || bind_text(s, 2, id) || bind_text(s, 3, from))
		return bind_failed_tx(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		rollback(st);
		return db_fail(st, "update release", err);
	}
	if (sqlite3_changes(st->db) != 1) {
		rollback(st);
		ns_fail(err, "release %s is no longer %s", id, from);
		return 1;
	}
	if (ledger_append_locked(st, event, data_json, err) != 0) {
		rollback(st);
		return -1;
	}
	rc = ledger_commit(st, err);
	if (rc == 0)
		tickets_changed(st, id);
	return rc;
}

int
ns_approvals_consumed(struct ns_state *st, const char *release_id, const char *user,
                      unsigned *distinct, int *user_has, struct ns_err *err)
{
	char shown[PATH_MAX], prev[64] = "", factor[16];
	sqlite3_stmt *s;
	long long at;
	int rc, used;

	*distinct = 0;
	if (user_has != NULL)
		*user_has = 0;
	snprintf(shown, sizeof(shown), "%s/used", st->path);
	/* Ordered by approver, so that each approver is counted once. */
	if (prepare(st, "SELECT id, approver FROM approvals WHERE release_id = ?"
	                " ORDER BY approver", &s, err) != 0)
		return -1;
	if (bind_text(s, 1, release_id))
		return bind_failed(st, s, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *id = (const char *)sqlite3_column_text(s, 0);
		const char *who = (const char *)sqlite3_column_text(s, 1);
		if (id == NULL || who == NULL || strcmp(who, prev) == 0)
			continue;
		used = ns_used_read(st->usedfd, shown, id, factor, &at, err);
		if (used < 0) {
			sqlite3_finalize(s);
			return -1;
		}
		if (used == 0) {
			(*distinct)++;
			snprintf(prev, sizeof(prev), "%s", who);
			if (user_has != NULL && user != NULL && strcmp(who, user) == 0)
				*user_has = 1;
		}
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "count approvals", err);
	return 0;
}

int
ns_state_lock_release(struct ns_state *st, const char *id, struct ns_err *err)
{
	char name[NS_ID_MAX + 8], shown[PATH_MAX];
	int dfd, fd;

	if (strlen(id) == 0 || strlen(id) >= NS_ID_MAX || strspn(id, "0123456789abcdef-") != strlen(id))
		return ns_fail(err, "bad release id for a lock");
	snprintf(shown, sizeof(shown), "%s", st->path);
	dfd = sf_mkdirat(st->dirfd, shown, "locks", 0700, err);
	if (dfd < 0)
		return -1;
	snprintf(name, sizeof(name), "%s.lock", id);
	fd = openat(dfd, name, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
	close(dfd);
	if (fd < 0)
		return ns_fail(err, "%s/locks/%s: %s", st->path, name, strerror(errno));
	/* flock is released by the kernel when the holder dies, even by SIGKILL: a
	 * killed approve never leaves a stale lock behind. */
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno;
		close(fd);
		if (e == EWOULDBLOCK)
			return -2;
		return ns_fail(err, "%s/locks/%s: flock: %s", st->path, name, strerror(e));
	}
	return fd;
}

/* The chain (n entries) must reach the anchor, and hold the anchored hash there. */
static int
ledger_check_anchor(struct ns_state *st, long long n, struct ns_err *err)
{
	char shown[600], text[128], hash[65] = "", stored[65] = "";
	long long aseq = 0;
	sqlite3_stmt *s;
	ssize_t len;
	int fd, rc;

	snprintf(shown, sizeof(shown), "%s", st->path);
	fd = sf_openat_file(st->dirfd, shown, LEDGER_ANCHOR, 077, 128, NULL, err);
	if (fd < 0) {
		char why[sizeof(err->msg)];
		if (n == 0 && errno == ENOENT)
			return 0; /* an empty ledger has no anchor yet */
		/* err->msg is both the reason and the destination: copy it first */
		snprintf(why, sizeof(why), "%s", err->msg);
		return ns_fail(err, "ledger: head anchor %s/%s unusable (%s)", st->path, LEDGER_ANCHOR,
		               why);
	}
	len = read(fd, text, sizeof(text) - 1);
	close(fd);
	if (len <= 0 || (text[len] = '\0', sscanf(text, "%lld %64s", &aseq, hash)) != 2 || aseq < 1)
		return ns_fail(err, "ledger: head anchor %s/%s is malformed", st->path, LEDGER_ANCHOR);
	if (aseq > n)
		return ns_fail(err, "ledger: entries %lld..%lld were deleted (the head anchor names "
		                    "entry %lld)", n + 1, aseq, aseq);
	if (prepare(st, "SELECT hash FROM ledger WHERE seq = ?", &s, err) != 0)
		return -1;
	if (bind_int(s, 1, aseq))
		return bind_failed(st, s, err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW)
		copy_col(stored, sizeof(stored), s, 0);
	sqlite3_finalize(s);
	if (strcmp(stored, hash) != 0)
		return ns_fail(err, "ledger: entry %lld differs from the head anchor (rewritten)", aseq);
	return 0;
}

long long
ns_ledger_verify(struct ns_state *st, struct ns_err *err)
{
	char prev[65] = "genesis", hash[65], stored_prev[65], stored_hash[65];
	long long n = 0, seq, expect = 1;
	sqlite3_stmt *s;
	int rc;

	if (prepare(st, "SELECT seq, t, event, data, prev, hash FROM ledger ORDER BY seq", &s,
	            err) != 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		copy_col(stored_prev, sizeof(stored_prev), s, 4);
		copy_col(stored_hash, sizeof(stored_hash), s, 5);
		if (seq != expect) {
			sqlite3_finalize(s);
			return ns_fail(err, "ledger: entry %lld is missing (found %lld)", expect, seq);
		}
		if (ledger_hash(prev, seq, sqlite3_column_int64(s, 1),
		                (const char *)sqlite3_column_text(s, 2),
		                (const char *)sqlite3_column_text(s, 3), hash) != 0 ||
		    strcmp(stored_prev, prev) != 0 || strcmp(stored_hash, hash) != 0) {
			sqlite3_finalize(s);
			return ns_fail(err, "ledger: entry %lld does not verify (edited or reordered)",
			               seq);
		}
		memcpy(prev, hash, sizeof(prev));
		expect++;
		n++;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return db_fail(st, "ledger read", err);
	if (ledger_check_anchor(st, n, err) != 0)
		return -1;
	return n;
}

int
ns_ledger_each(struct ns_state *st,
               int (*fn)(long long, long long, const char *, const char *, const char *, void *),
               void *arg, struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if (prepare(st, "SELECT seq, t, event, data, hash FROM ledger ORDER BY seq", &s, err) != 0)
		return -1;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = fn(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
		          (const char *)sqlite3_column_text(s, 2),
		          (const char *)sqlite3_column_text(s, 3),
		          (const char *)sqlite3_column_text(s, 4), arg);
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE)
		return db_fail(st, "ledger read", err);
	return 0;
}
