/* Approvals: the database rows, the tickets the module reads and the use markers
 * it fills, and the count of distinct approvers of a release. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "nslog.h"
#include "state.h"
#include "state_internal.h"
#include "ticket.h"

/* Withdraws the tickets of every approval of release id: its state changed, so
 * what they say is no longer what the module may act on. */
int
st_withdraw_tickets(struct ns_state *st, const char *id, struct ns_err *err)
{
	char shown[PATH_MAX];
	sqlite3_stmt *s;
	int rc, failed = 0;

	snprintf(shown, sizeof(shown), "%s/tickets", st->path);
	if (st_prepare(st, "SELECT id FROM approvals WHERE release_id = ?", &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, id))
		return st_bind_failed(st, s, err);
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		const char *aid = (const char *)sqlite3_column_text(s, 0);
		if (aid == NULL || ns_ticket_remove(st->ticketsfd, shown, aid, err) != 0)
			failed = 1;
	}
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return st_db_fail(st, "list approvals", err);
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

	if (st_prepare(st, "INSERT INTO approvals (id, release_id, approver, statement,"
	                " statement_sha256, created, expires, action) VALUES (?,?,?,?,?,?,?,?)",
	            &s, err) != 0)
		return -1;
	if (st_bind_text(s, 8, a->action[0] ? a->action : NS_ACTION_APPROVE) ||
	    st_bind_text(s, 1, a->id) ||
	    st_bind_text(s, 2, a->release_id) ||
	    st_bind_text(s, 3, a->approver) ||
	    st_bind_text(s, 4, a->statement) ||
	    st_bind_text(s, 5, a->statement_sha256) ||
	    st_bind_int(s, 6, a->created) ||
	    st_bind_int(s, 7, a->expires))
		return st_bind_failed(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return st_db_fail(st, "insert approval", err);
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

	if (st_prepare(st, "SELECT id, release_id, approver, statement, statement_sha256, created,"
	                " expires, action FROM approvals WHERE id = ?", &s, err) != 0)
		return -1;
	if (st_bind_text(s, 1, id))
		return st_bind_failed(st, s, err);
	memset(a, 0, sizeof(*a));
	rc = sqlite3_step(s);
	if (rc != SQLITE_ROW) {
		sqlite3_finalize(s);
		if (rc == SQLITE_DONE)
			return 1;
		return st_db_fail(st, "read approval", err);
	}
	st_copy_col(a->id, sizeof(a->id), s, 0);
	st_copy_col(a->release_id, sizeof(a->release_id), s, 1);
	st_copy_col(a->approver, sizeof(a->approver), s, 2);
	stmt = sqlite3_column_text(s, 3);
	a->statement = stmt ? strdup((const char *)stmt) : NULL;
	st_copy_col(a->statement_sha256, sizeof(a->statement_sha256), s, 4);
	a->created = sqlite3_column_int64(s, 5);
	a->expires = sqlite3_column_int64(s, 6);
	st_copy_col(a->action, sizeof(a->action), s, 7);
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
	/* Only approvals count: a consumed reject is no vote for publishing. Ordered by
	 * approver, so that each approver is counted once. */
	/* ... and only those since the release last went back to "checked" after an
	 * approval (vote_resets): spent votes never complete a quorum */
	if (st_prepare(st, "SELECT id, approver FROM approvals WHERE release_id = ?"
	                " AND action = 'approve' AND rowid > coalesce((SELECT approvals_rowid"
	                " FROM vote_resets WHERE release_id = ?), 0) ORDER BY approver", &s,
	                err) != 0)
		return -1;
	if (st_bind_text(s, 1, release_id) || st_bind_text(s, 2, release_id))
		return st_bind_failed(st, s, err);
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
		return st_db_fail(st, "count approvals", err);
	return 0;
}
