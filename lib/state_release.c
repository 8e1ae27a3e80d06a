/* Releases: the record of each staged version, its status and its check report. */
#include "config.h"

#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "digest.h"
#include "state.h"
#include "state_internal.h"

int
ns_release_insert(struct ns_state *st, const struct ns_release *r, struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (st_prepare(st, "INSERT INTO releases (id, origin, name, version, tag, shasum, integrity,"
	                " size, staged_by, staged_at, status) VALUES (?,?,?,?,?,?,?,?,?,?,?)",
	            &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, r->id) ||
	    st_bind_text(s, 2, r->origin) ||
	    st_bind_text(s, 3, r->name) ||
	    st_bind_text(s, 4, r->version) ||
	    st_bind_text(s, 5, r->tag) ||
	    st_bind_text(s, 6, r->shasum) ||
	    st_bind_text(s, 7, r->integrity) ||
	    st_bind_int(s, 8, r->size) ||
	    st_bind_text(s, 9, r->staged_by) ||
	    st_bind_int(s, 10, r->staged_at) ||
	    st_bind_text(s, 11, r->status))
		return st_bind_failed(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc == SQLITE_CONSTRAINT)
		return ns_fail(err, "release %s already exists", r->id);
	if (rc != SQLITE_DONE)
		return st_db_fail(st, "insert release", err);
	return 0;
}

static void
fill_release(sqlite3_stmt *s, struct ns_release *r)
{
	const unsigned char *rep;

	memset(r, 0, sizeof(*r));
	st_copy_col(r->id, sizeof(r->id), s, 0);
	st_copy_col(r->origin, sizeof(r->origin), s, 1);
	st_copy_col(r->name, sizeof(r->name), s, 2);
	st_copy_col(r->version, sizeof(r->version), s, 3);
	st_copy_col(r->tag, sizeof(r->tag), s, 4);
	st_copy_col(r->shasum, sizeof(r->shasum), s, 5);
	st_copy_col(r->integrity, sizeof(r->integrity), s, 6);
	r->size = sqlite3_column_int64(s, 7);
	st_copy_col(r->staged_by, sizeof(r->staged_by), s, 8);
	r->staged_at = sqlite3_column_int64(s, 9);
	st_copy_col(r->status, sizeof(r->status), s, 10);
	st_copy_col(r->report_sha256, sizeof(r->report_sha256), s, 12);
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
	if (st_prepare(st, "SELECT " RELEASE_COLS " FROM releases WHERE id = ?", &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, id))
		return st_bind_failed(st, s, err);
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
	return st_db_fail(st, "read release", err);
}

int
ns_release_each(struct ns_state *st, int (*fn)(const struct ns_release *, void *), void *arg,
                struct ns_err *err)
{
	struct ns_release r;
	sqlite3_stmt *s;
	int rc, stop = 0;

	if (st_prepare(st, "SELECT " RELEASE_COLS " FROM releases ORDER BY staged_at DESC, id", &s,
	            err) != 0)
		return -1;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW) {
		fill_release(s, &r);
		stop = fn(&r, arg);
		ns_release_clear(&r);
	}
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE)
		return st_db_fail(st, "list releases", err);
	return 0;
}

void
ns_release_clear(struct ns_release *r)
{
	free(r->report);
	r->report = NULL;
}

int
ns_release_set_status(struct ns_state *st, const char *id, const char *from, const char *to,
                      struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (st_prepare(st, "UPDATE releases SET status = ? WHERE id = ? AND status = ?", &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, to) ||
	    st_bind_text(s, 2, id) ||
	    st_bind_text(s, 3, from))
		return st_bind_failed(st, s, err);
	rc = st_exec_changes(st, s, "update release", err);
	if (rc == 0)
		st_tickets_changed(st, id);
	return rc;
}

int
ns_release_set_origin(struct ns_state *st, const char *id, const char *status, const char *from,
                      const char *to, struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc;

	if (st_prepare(st, "UPDATE releases SET origin = ? WHERE id = ? AND status = ? AND origin = ?",
	               &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, to) ||
	    st_bind_text(s, 2, id) ||
	    st_bind_text(s, 3, status) ||
	    st_bind_text(s, 4, from))
		return st_bind_failed(st, s, err);
	rc = st_exec_changes(st, s, "update release origin", err);
	if (rc == 0)
		st_tickets_changed(st, id);
	return rc;
}

int
ns_release_set_artifact(struct ns_state *st, const char *id, const char *integrity,
                        long long size, struct ns_err *err)
{
	sqlite3_stmt *s;

	if (st_prepare(st, "UPDATE releases SET integrity = ?, size = ? WHERE id = ? AND status IN"
	                   " ('staged','checked','failed') AND integrity IN ('', ?)", &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, integrity) ||
	    st_bind_int(s, 2, size) ||
	    st_bind_text(s, 3, id) ||
	    st_bind_text(s, 4, integrity))
		return st_bind_failed(st, s, err);
	return st_exec_changes(st, s, "record the release's bytes", err);
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
	if (st_prepare(st, "UPDATE releases SET status = ?, integrity = ?, report = ?,"
	                " report_sha256 = ? WHERE id = ? AND status IN ('staged','checked','failed')",
	            &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, status) ||
	    st_bind_text(s, 2, integrity) ||
	    st_bind_text(s, 3, report) ||
	    st_bind_text(s, 4, hex) ||
	    st_bind_text(s, 5, id))
		return st_bind_failed(st, s, err);
	rc = st_exec_changes(st, s, "store report", err);
	if (rc == 1)
		return ns_fail(err, "release %s is no longer open for checks", id);
	if (rc == 0)
		st_tickets_changed(st, id);
	return rc;
}
