/* Shared by the parts of the state (state.c: open, releases, locks, factor records;
 * state_approval.c: approvals and their tickets; ledger.c: the hash chain). Not
 * installed, not used outside lib/state*.c and lib/ledger.c. */
#ifndef NS_STATE_INTERNAL_H
#define NS_STATE_INTERNAL_H

#include <sqlite3.h>

#include "nserr.h"
#include "state.h"

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

/* The database, opened (and its schema checked) on first use. */
int st_db(struct ns_state *st, struct ns_err *err);
int st_db_fail(struct ns_state *st, const char *what, struct ns_err *err);
int st_prepare(struct ns_state *st, const char *sql, sqlite3_stmt **s, struct ns_err *err);
void st_copy_col(char *dst, size_t cap, sqlite3_stmt *s, int col);
/* Binding can fail (OOM); a statement with a missing value must never run. */
int st_bind_text(sqlite3_stmt *s, int i, const char *v);
int st_bind_int(sqlite3_stmt *s, int i, long long v);
int st_bind_failed(struct ns_state *st, sqlite3_stmt *s, struct ns_err *err);
int st_bind_failed_tx(struct ns_state *st, sqlite3_stmt *s, struct ns_err *err);
int st_exec_changes(struct ns_state *st, sqlite3_stmt *s, const char *what, struct ns_err *err);
int st_begin(struct ns_state *st, struct ns_err *err);
int st_commit(struct ns_state *st, struct ns_err *err);
void st_rollback(struct ns_state *st);
/* After a committed change of release id: its approvals' tickets are withdrawn. */
void st_tickets_changed(struct ns_state *st, const char *id);
int st_withdraw_tickets(struct ns_state *st, const char *id, struct ns_err *err);

#endif
