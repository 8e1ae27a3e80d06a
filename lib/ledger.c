/* The ledger: a hash chain of events in the database, its head anchored in a file
 * outside it, and its verification. */
#include "config.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "digest.h"
#include "nslog.h"
#include "secure_file.h"
#include "state.h"
#include "state_internal.h"

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

/* A stored hash column: exactly 64 lowercase hex digits (or, as the first entry's
 * prev, exactly "genesis"). The whole value is checked, not a prefix: a copy
 * into a 65-byte buffer would cut appended junk off and let it verify. */
static int
ledger_hash_col(sqlite3_stmt *s, int col, int genesis_ok, char out[65])
{
	/* the type first: reading the text would convert a blob in place */
	int type = sqlite3_column_type(s, col), len, i;
	const unsigned char *v = sqlite3_column_text(s, col);

	out[0] = '\0';
	len = sqlite3_column_bytes(s, col);
	if (v == NULL || type != SQLITE_TEXT)
		return -1;
	if (genesis_ok && len == 7 && memcmp(v, "genesis", 7) == 0) {
		memcpy(out, "genesis", 8);
		return 0;
	}
	if (len != 64)
		return -1;
	for (i = 0; i < 64; i++)
		if (!((v[i] >= '0' && v[i] <= '9') || (v[i] >= 'a' && v[i] <= 'f')))
			return -1;
	memcpy(out, v, 64);
	out[64] = '\0';
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

	if (st_prepare(st, "SELECT seq, hash FROM ledger ORDER BY seq DESC LIMIT 1", &s, err) != 0)
		return -1;
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0) + 1;
		/* never chain onto a malformed head: verify would reject it anyway */
		if (ledger_hash_col(s, 1, 0, prev) != 0)
			rc = SQLITE_CORRUPT;
	}
	sqlite3_finalize(s);
	if (rc == SQLITE_CORRUPT) {
		ns_fail(err, "ledger: the stored hash of the last entry is malformed (tampered?); "
		             "run npm-release log --verify");
		return -1;
	}
	if ((rc != SQLITE_ROW && rc != SQLITE_DONE) ||
	    ledger_hash(prev, seq, t, event, data_json, hash) != 0)
		return st_db_fail(st, "ledger head", err);
	if (st_prepare(st, "INSERT INTO ledger (seq, t, event, data, prev, hash) VALUES (?,?,?,?,?,?)",
	            &s, err) != 0)
		return -1;
	/* the caller rolls the transaction back */
	if (st_bind_int(s, 1, seq) ||
	    st_bind_int(s, 2, t) ||
	    st_bind_text(s, 3, event) ||
	    st_bind_text(s, 4, data_json) ||
	    st_bind_text(s, 5, prev) ||
	    st_bind_text(s, 6, hash))
		return st_bind_failed(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE)
		return st_db_fail(st, "ledger append", err);
	return 0;
}

/* The ledger's head, kept outside the database in state_dir/ledger.head
 * ("seq hash"), rewritten atomically after every commit that appends. A chain
 * alone cannot show that its last entries were deleted; the anchor can. A crash
 * between the commit and the anchor leaves the anchor behind: verify reports it
 * (deleting the last entry then looks the same), and root re-anchors after checking.
 * Each new head also goes to syslog as "ledger head seq=N hash=H": root on this
 * host can rewrite both the chain and the anchor, a remote log server cannot be. */
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
		char hash[65];
		long long seq = (long long)sqlite3_column_int64(s, 0);

		if (ledger_hash_col(s, 1, 0, hash) != 0) {
			ns_log(LOG_ERR, "ledger head seq=%lld has a malformed hash: anchor not updated",
			       seq);
			sqlite3_finalize(s);
			return;
		}
		ns_log(LOG_NOTICE, "ledger head seq=%lld hash=%s", seq, hash);
		snprintf(line, sizeof(line), "%lld %s\n", seq, hash);
		/* The entry is committed; a failed anchor update leaves the anchor
		 * behind, which verify reports. Say so rather than stay silent. */
		if (sf_write_atomic(st->dirfd, st->path, LEDGER_ANCHOR, line, strlen(line), 0600,
		                    &err) != 0)
			ns_log(LOG_ERR, "ledger head anchor not updated: %s", err.msg);
	}
	sqlite3_finalize(s);
}

static int
ledger_commit(struct ns_state *st, struct ns_err *err)
{
	if (st_commit(st, err) != 0)
		return -1;
	ledger_write_anchor(st);
	return 0;
}

int
ns_ledger_append(struct ns_state *st, const char *event, const char *data_json,
                 struct ns_err *err)
{
	if (st_begin(st, err) != 0)
		return -1;
	if (ledger_append_locked(st, event, data_json, err) != 0) {
		st_rollback(st);
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

	if (st_begin(st, err) != 0)
		return -1;
	if (st_prepare(st, "UPDATE releases SET status = ? WHERE id = ? AND status = ?", &s, err) != 0) {
		st_rollback(st);
		return -1;
	}
	if (st_bind_text(s, 1, to) || st_bind_text(s, 2, id) || st_bind_text(s, 3, from))
		return st_bind_failed_tx(st, s, err);
	rc = sqlite3_step(s);
	sqlite3_finalize(s);
	if (rc != SQLITE_DONE) {
		st_rollback(st);
		return st_db_fail(st, "update release", err);
	}
	if (sqlite3_changes(st->db) != 1) {
		st_rollback(st);
		ns_fail(err, "release %s is no longer %s", id, from);
		return 1;
	}
	/* back to "checked" after an approval: its votes are spent (a failed, skipped
	 * or interrupted publish needs the full quorum again), in the same transaction */
	if (strcmp(from, "publishing") == 0 && strcmp(to, "checked") == 0) {
		if (st_prepare(st, "INSERT OR REPLACE INTO vote_resets (release_id, approvals_rowid)"
		               " VALUES (?, (SELECT coalesce(max(rowid), 0) FROM approvals))", &s,
		               err) != 0) {
			st_rollback(st);
			return -1;
		}
		if (st_bind_text(s, 1, id))
			return st_bind_failed_tx(st, s, err);
		rc = sqlite3_step(s);
		sqlite3_finalize(s);
		if (rc != SQLITE_DONE) {
			st_rollback(st);
			return st_db_fail(st, "reset votes", err);
		}
	}
	if (ledger_append_locked(st, event, data_json, err) != 0) {
		st_rollback(st);
		return -1;
	}
	rc = ledger_commit(st, err);
	if (rc == 0)
		st_tickets_changed(st, id);
	return rc;
}

/* The anchor file, parsed strictly: "SEQ HASH\n", SEQ >= 1 in decimal, HASH 64
 * lowercase hex digits, nothing else. */
static int
ledger_parse_anchor(const char *text, long long *seq, char hash[65])
{
	const char *p = text;
	long long v = 0;
	int i;

	if (*p < '1' || *p > '9')
		return -1;
	for (; *p >= '0' && *p <= '9'; p++) {
		if (v > (LLONG_MAX - 9) / 10)
			return -1;
		v = v * 10 + (*p - '0');
	}
	if (*p++ != ' ')
		return -1;
	for (i = 0; i < 64; i++, p++) {
		if (!((*p >= '0' && *p <= '9') || (*p >= 'a' && *p <= 'f')))
			return -1;
		hash[i] = *p;
	}
	hash[64] = '\0';
	if (strcmp(p, "\n") != 0)
		return -1;
	*seq = v;
	return 0;
}

/* The chain (n entries) must reach the anchor, and hold the anchored hash there.
 * *anchored is the entry the anchor names (0: no anchor, empty ledger). */
static int
ledger_check_anchor(struct ns_state *st, long long n, long long *anchored, struct ns_err *err)
{
	char shown[600], text[128], hash[65] = "", stored[65] = "";
	long long aseq = 0;
	sqlite3_stmt *s;
	ssize_t len;
	int fd, rc;

	*anchored = 0;
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
	if (len <= 0 || (text[len] = '\0', ledger_parse_anchor(text, &aseq, hash)) != 0)
		return ns_fail(err, "ledger: head anchor %s/%s is malformed", st->path, LEDGER_ANCHOR);
	if (aseq > n)
		return ns_fail(err, "ledger: entries %lld..%lld were deleted (the head anchor names "
		                    "entry %lld)", n + 1, aseq, aseq);
	if (st_prepare(st, "SELECT hash FROM ledger WHERE seq = ?", &s, err) != 0)
		return -1;
	if (st_bind_int(s, 1, aseq))
		return st_bind_failed(st, s, err);
	rc = sqlite3_step(s);
	if (rc == SQLITE_ROW && ledger_hash_col(s, 0, 0, stored) != 0)
		stored[0] = '\0';
	sqlite3_finalize(s);
	if (strcmp(stored, hash) != 0)
		return ns_fail(err, "ledger: entry %lld differs from the head anchor (rewritten)", aseq);
	*anchored = aseq;
	return 0;
}

long long
ns_ledger_check(struct ns_state *st, long long *anchored, struct ns_err *err)
{
	char prev[65] = "genesis", hash[65], stored_prev[65], stored_hash[65];
	long long n = 0, seq, expect = 1;
	sqlite3_stmt *s;
	int rc;

	if (st_prepare(st, "SELECT seq, t, event, data, prev, hash FROM ledger ORDER BY seq", &s,
	            err) != 0)
		return -1;
	while ((rc = sqlite3_step(s)) == SQLITE_ROW) {
		seq = sqlite3_column_int64(s, 0);
		if (seq != expect) {
			sqlite3_finalize(s);
			return ns_fail(err, "ledger: entry %lld is missing (found %lld)", expect, seq);
		}
		if (ledger_hash_col(s, 4, seq == 1, stored_prev) != 0 ||
		    ledger_hash_col(s, 5, 0, stored_hash) != 0 ||
		    sqlite3_column_type(s, 2) != SQLITE_TEXT || sqlite3_column_type(s, 3) != SQLITE_TEXT ||
		    ledger_hash(prev, seq, sqlite3_column_int64(s, 1),
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
		return st_db_fail(st, "ledger read", err);
	if (ledger_check_anchor(st, n, anchored, err) != 0)
		return -1;
	return n;
}

long long
ns_ledger_verify(struct ns_state *st, struct ns_err *err)
{
	long long anchored = 0, n = ns_ledger_check(st, &anchored, err);

	if (n >= 0 && n > anchored)
		/* A crash between a commit and the anchor update, or entries appended
		 * by someone with write access to the database: only a human who
		 * compares them with the remote syslog copy can tell which. */
		return ns_fail(err, "ledger: the head anchor lags: it names entry %lld, the chain "
		                    "has %lld (a crash after a commit, or entries appended outside "
		                    "npm-release); check entries %lld..%lld against the syslog "
		                    "\"ledger head\" lines, then re-anchor with "
		                    "npm-release log --reanchor",
		               anchored, n, anchored + 1, n);
	return n;
}

int
ns_ledger_each(struct ns_state *st,
               int (*fn)(long long, long long, const char *, const char *, const char *, void *),
               void *arg, struct ns_err *err)
{
	sqlite3_stmt *s;
	int rc, stop = 0;

	if (st_prepare(st, "SELECT seq, t, event, data, hash FROM ledger ORDER BY seq", &s, err) != 0)
		return -1;
	while (!stop && (rc = sqlite3_step(s)) == SQLITE_ROW)
		stop = fn(sqlite3_column_int64(s, 0), sqlite3_column_int64(s, 1),
		          (const char *)sqlite3_column_text(s, 2),
		          (const char *)sqlite3_column_text(s, 3),
		          (const char *)sqlite3_column_text(s, 4), arg);
	sqlite3_finalize(s);
	if (!stop && rc != SQLITE_DONE)
		return st_db_fail(st, "ledger read", err);
	return 0;
}
