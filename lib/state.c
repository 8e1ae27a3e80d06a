#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <syslog.h>
#include <unistd.h>

#include "approver.h"
#include "digest.h"
#include "nslog.h"
#include "record.h"
#include "secure_file.h"
#include "state.h"
#include "state_internal.h"
#include "ticket.h"
#include "totp_state.h"



#define SCHEMA_VERSION 2
#define FIDO2_TAG "npmstage-fido2 1"

#define VOTE_RESETS_TABLE \
	"CREATE TABLE IF NOT EXISTS vote_resets (" \
	"  release_id TEXT PRIMARY KEY REFERENCES releases(id)," \
	"  approvals_rowid INTEGER NOT NULL);"

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
	VOTE_RESETS_TABLE
	"CREATE TABLE IF NOT EXISTS ledger ("
	"  seq INTEGER PRIMARY KEY, t INTEGER NOT NULL, event TEXT NOT NULL,"
	"  data TEXT NOT NULL, prev TEXT NOT NULL, hash TEXT NOT NULL);"
	"PRAGMA user_version = 2;"
	"COMMIT;";

/* Version 1 -> 2: a release sent back to "checked" after its approvals (a publish
 * that failed, was skipped or was interrupted) keeps the approvals rowid of that
 * moment: only later approvals count towards its quorum. */
static const char schema_v2[] =
	"BEGIN IMMEDIATE;"
	VOTE_RESETS_TABLE
	"PRAGMA user_version = 2;"
	"COMMIT;";

int
st_db_fail(struct ns_state *st, const char *what, struct ns_err *err)
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
int
st_db(struct ns_state *st, struct ns_err *err)
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
		st_db_fail(st, "pragma", err);
		goto fail;
	}
	/* The schema is created once (user_version marks it). */
	switch (schema_version(st)) {
	case SCHEMA_VERSION:
		break;
	case 1:
		if (sqlite3_exec(st->db, schema_v2, NULL, NULL, NULL) != SQLITE_OK) {
			st_db_fail(st, "schema version 2", err);
			sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
			goto fail;
		}
		break;
	case 0:
		if (sqlite3_exec(st->db, "PRAGMA journal_mode=WAL;", NULL, NULL, NULL) != SQLITE_OK ||
		    sqlite3_exec(st->db, schema, NULL, NULL, NULL) != SQLITE_OK) {
			st_db_fail(st, "schema", err);
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
	if (create && st_db(st, err) != 0)
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

void
st_copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col)
{
	const unsigned char *v = sqlite3_column_text(s, col);

	snprintf(dst, cap, "%s", v ? (const char *)v : "");
}

/* Binding can fail (OOM); a statement with a missing value must never run, so
 * every bind goes through these and the caller checks. */
int
st_bind_text(sqlite3_stmt *s, int i, const char *v)
{
	return sqlite3_bind_text(s, i, v, -1, SQLITE_TRANSIENT) == SQLITE_OK ? 0 : -1;
}

int
st_bind_int(sqlite3_stmt *s, int i, long long v)
{
	return sqlite3_bind_int64(s, i, v) == SQLITE_OK ? 0 : -1;
}

int
st_bind_failed(struct ns_state *st, sqlite3_stmt *s, struct ns_err *err)
{
	sqlite3_finalize(s);
	return st_db_fail(st, "bind", err);
}


int
st_bind_failed_tx(struct ns_state *st, sqlite3_stmt *s, struct ns_err *err)
{
	int rc = st_bind_failed(st, s, err);

	st_rollback(st);
	return rc;
}

int
st_prepare(struct ns_state *st, const char *sql, sqlite3_stmt **s, struct ns_err *err)
{
	if (st_db(st, err) != 0)
		return -1;
	if (sqlite3_prepare_v2(st->db, sql, -1, s, NULL) != SQLITE_OK)
		return st_db_fail(st, "prepare", err);
	return 0;
}


/* After a committed change of release id: its tickets go. A failure is logged (by
 * withdraw_tickets), not returned: the change itself stands, and a left-over ticket
 * still needs an unused approval the helper hands over and its own factor. */
void
st_tickets_changed(struct ns_state *st, const char *id)
{
	struct ns_err err;

	(void)st_withdraw_tickets(st, id, &err);
}

int
st_exec_changes(struct ns_state *st, sqlite3_stmt *s, const char *what, struct ns_err *err)
{
	int rc = sqlite3_step(s);

	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return st_db_fail(st, what, err);
	return sqlite3_changes(st->db) == 1 ? 0 : 1;
}

int
st_begin(struct ns_state *st, struct ns_err *err)
{
	if (st_db(st, err) != 0)
		return -1;
	if (sqlite3_exec(st->db, "BEGIN IMMEDIATE", NULL, NULL, NULL) != SQLITE_OK)
		return st_db_fail(st, "begin", err);
	return 0;
}

int
st_commit(struct ns_state *st, struct ns_err *err)
{
	if (sqlite3_exec(st->db, "COMMIT", NULL, NULL, NULL) != SQLITE_OK) {
		sqlite3_exec(st->db, "ROLLBACK", NULL, NULL, NULL);
		return st_db_fail(st, "commit", err);
	}
	return 0;
}

void
st_rollback(struct ns_state *st)
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
ns_state_totp_unlock(struct ns_state *st, const char *user, struct ns_totp_record *before,
                     struct ns_err *err)
{
	char shown[PATH_MAX];

	snprintf(shown, sizeof(shown), "%s/totp", st->path);
	return ns_totp_state_unlock(st->totpfd, shown, user, before, err);
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
