/* State: single-use approvals, single-use TOTP steps (also across processes),
 * lockout, the ledger chain and tamper detection, refusal of unsafe state dirs. */
#include "config.h"

#include <dirent.h>
#include <setjmp.h>
#include <sqlite3.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <cmocka.h>

#include "approval.h"
#include "nstest.h"
#include "state.h"

static char *dir;
static char statedir[600];

static int
setup(void **state)
{
	(void)state;
	dir = nstest_tmpdir();
	snprintf(statedir, sizeof(statedir), "%s/state", dir);
	return dir == NULL;
}

static int
teardown(void **state)
{
	(void)state;
	nstest_rmtree(dir);
	free(dir);
	return 0;
}

static struct ns_state *
open_state(void)
{
	struct ns_state *st = NULL;
	struct ns_err err;

	if (ns_state_open(statedir, 1, &st, &err) != 0)
		fail_msg("%s", err.msg);
	return st;
}

static void
add_release(struct ns_state *st, const char *id)
{
	struct ns_release r;
	struct ns_err err;

	memset(&r, 0, sizeof(r));
	snprintf(r.id, sizeof(r.id), "%s", id);
	strcpy(r.origin, "local");
	strcpy(r.name, "demo");
	strcpy(r.version, "1.0.0");
	strcpy(r.tag, "latest");
	strcpy(r.shasum, "da39a3ee5e6b4b0d3255bfef95601890afd80709");
	strcpy(r.status, "staged");
	r.staged_at = 1;
	assert_int_equal(ns_release_insert(st, &r, &err), 0);
	assert_int_equal(ns_release_insert(st, &r, &err), -1);
	assert_int_equal(ns_release_set_report(st, id, "checked", "sha512-x", "{\"result\":\"pass\"}",
	                                       &err), 0);
}

static void
test_approval_single_use(void **state)
{
	struct ns_state *st = open_state();
	struct ns_config cfg;
	struct ns_release r, t;
	struct ns_approval a, b;
	struct ns_err err;
	unsigned n;
	int mine;

	(void)state;
	add_release(st, "rel-1");
	assert_int_equal(ns_release_get(st, "rel-1", &r, &err), 0);
	assert_string_equal(r.status, "checked");
	assert_int_equal(strlen(r.report_sha256), 64);
	memset(&cfg, 0, sizeof(cfg));
	cfg.approval_ttl = 60;
	if (ns_approval_create(st, &cfg, &r, NS_ACTION_APPROVE, "alice", 1000, &a, &err) != 0)
		fail_msg("approval: %s", err.msg);
	assert_int_equal(ns_approval_get(st, a.id, &b, &err), 0);
	assert_string_equal(b.statement, a.statement);
	assert_non_null(strstr(a.statement, "approver: alice\n"));
	assert_non_null(strstr(a.statement, r.report_sha256));
	assert_int_equal(b.consumed, 0);
	ns_approval_clear(&b);
	/* the ticket holds the approval and the release as the database does */
	assert_int_equal(ns_approval_ticket(st, a.id, &b, &t, &err), 0);
	assert_string_equal(b.statement, a.statement);
	assert_string_equal(b.statement_sha256, a.statement_sha256);
	assert_int_equal(b.expires, 1060);
	assert_string_equal(t.status, "checked");
	assert_string_equal(t.report, r.report);
	assert_string_equal(t.report_sha256, r.report_sha256);
	ns_approval_clear(&b);
	ns_release_clear(&t);
	/* expired: refused; in time: once, then never again */
	assert_int_equal(ns_approval_consume(st, &a, 1060, "totp", &err), 1);
	assert_non_null(strstr(err.msg, "expired"));
	if (ns_approval_consume(st, &a, 1010, "totp", &err) != 0)
		fail_msg("consume: %s", err.msg);
	assert_int_equal(ns_approval_consume(st, &a, 1011, "fido2", &err), 1);
	assert_non_null(strstr(err.msg, "already used"));
	assert_int_equal(ns_approval_get(st, a.id, &b, &err), 0);
	assert_int_equal(b.consumed, 1);
	assert_string_equal(b.factor, "totp");
	ns_approval_clear(&b);
	assert_int_equal(ns_approvals_consumed(st, "rel-1", "alice", &n, &mine, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mine, 1);
	ns_release_clear(&r);
	/* a release that changes state takes its tickets with it */
	assert_int_equal(ns_release_set_status(st, "rel-1", "checked", "published", &err), 0);
	assert_int_equal(ns_release_set_status(st, "rel-1", "checked", "published", &err), 1);
	assert_int_equal(ns_approval_ticket(st, a.id, &b, &t, &err), 1);
	assert_int_equal(ns_approval_get(st, a.id, &b, &err), 0);
	assert_int_equal(b.consumed, 1);
	ns_approval_clear(&b);
	ns_approval_clear(&a);
	ns_state_close(st);
}

/* A consumed reject is no vote: with two approvers needed, bob's reject and
 * alice's approve are one approver, not two (the count publishing relies on). */
static void
test_reject_is_no_approval(void **state)
{
	struct ns_state *st = open_state();
	struct ns_config cfg;
	struct ns_release r;
	struct ns_approval rej, app, rej2;
	struct ns_err err;
	unsigned n;
	int mine;

	(void)state;
	add_release(st, "rel-rq");
	assert_int_equal(ns_release_get(st, "rel-rq", &r, &err), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.approval_ttl = 60;
	assert_int_equal(ns_approval_create(st, &cfg, &r, NS_ACTION_REJECT, "bob", 1000, &rej,
	                                    &err), 0);
	assert_int_equal(ns_approval_consume(st, &rej, 1001, "totp", &err), 0);
	assert_int_equal(ns_approvals_consumed(st, "rel-rq", "bob", &n, &mine, &err), 0);
	assert_int_equal(n, 0);
	assert_int_equal(mine, 0);
	assert_int_equal(ns_approval_create(st, &cfg, &r, NS_ACTION_APPROVE, "alice", 1000, &app,
	                                    &err), 0);
	assert_int_equal(ns_approval_consume(st, &app, 1002, "totp", &err), 0);
	/* carol's reject sorts between alice and bob: still one approver */
	assert_int_equal(ns_approval_create(st, &cfg, &r, NS_ACTION_REJECT, "alicf", 1000, &rej2,
	                                    &err), 0);
	assert_int_equal(ns_approval_consume(st, &rej2, 1003, "totp", &err), 0);
	assert_int_equal(ns_approvals_consumed(st, "rel-rq", "bob", &n, &mine, &err), 0);
	assert_int_equal(n, 1);
	assert_int_equal(mine, 0);
	ns_approval_clear(&rej);
	ns_approval_clear(&rej2);
	ns_approval_clear(&app);
	ns_release_clear(&r);
	ns_state_close(st);
}

struct fixed {
	long long step;
};

static long long
fixed_step(void *p)
{
	return ((struct fixed *)p)->step;
}

static void
test_totp_steps(void **state)
{
	struct ns_state *st = open_state();
	struct ns_totp_policy pol = { 3, 100, 4 };
	struct fixed f;
	struct ns_err err;

	(void)state;
	f.step = 50;
	assert_int_equal(ns_state_totp_use(st, "bob", 1000, &pol, fixed_step, &f, &err), 0);
	assert_int_equal(ns_state_totp_use(st, "bob", 1000, &pol, fixed_step, &f, &err), 1);
	assert_string_equal(err.msg, "code already used");
	f.step = 49; /* an older step is a replay too */
	assert_int_equal(ns_state_totp_use(st, "bob", 1000, &pol, fixed_step, &f, &err), 1);
	f.step = -1; /* third failure in a row locks */
	assert_int_equal(ns_state_totp_use(st, "bob", 1000, &pol, fixed_step, &f, &err), 1);
	f.step = 51;
	assert_int_equal(ns_state_totp_use(st, "bob", 1050, &pol, fixed_step, &f, &err), 1);
	assert_non_null(strstr(err.msg, "locked out"));
	assert_int_equal(ns_state_totp_use(st, "bob", 1101, &pol, fixed_step, &f, &err), 0);
	/* another user is independent */
	f.step = 50;
	assert_int_equal(ns_state_totp_use(st, "carol", 1101, &pol, fixed_step, &f, &err), 0);
	ns_state_close(st);
}

/* Lockouts escalate: each one in a row doubles, the one after max_lockouts holds
 * until an administrator unlocks; a good code ends the run; the unlock keeps the
 * last step spent. A version 1 record still reads. */
static void
test_totp_escalation(void **state)
{
	struct ns_state *st = open_state();
	struct ns_totp_policy pol = { 2, 100, 2 };
	struct ns_totp_record was;
	struct fixed bad = { -1 }, good = { 70 };
	struct ns_err err;
	char p[800];
	int i;

	(void)state;
	for (i = 0; i < 2; i++)
		assert_int_equal(ns_state_totp_use(st, "hank", 1000, &pol, fixed_step, &bad, &err), 1);
	assert_int_equal(ns_state_totp_use(st, "hank", 1050, &pol, fixed_step, &good, &err), 1);
	assert_non_null(strstr(err.msg, "locked out for 50 more seconds"));
	for (i = 0; i < 2; i++)
		assert_int_equal(ns_state_totp_use(st, "hank", 1100, &pol, fixed_step, &bad, &err), 1);
	/* the second lockout in a row: 200 s */
	assert_int_equal(ns_state_totp_use(st, "hank", 1299, &pol, fixed_step, &good, &err), 1);
	assert_non_null(strstr(err.msg, "locked out for 1 more seconds"));
	for (i = 0; i < 2; i++)
		assert_int_equal(ns_state_totp_use(st, "hank", 1300, &pol, fixed_step, &bad, &err), 1);
	/* the third: held, however long one waits */
	assert_int_equal(ns_state_totp_use(st, "hank", 999999999, &pol, fixed_step, &good, &err), 1);
	assert_non_null(strstr(err.msg, "npm-release enroll unlock hank"));
	assert_int_equal(ns_state_totp_unlock(st, "hank", &was, &err), 0);
	assert_int_equal(was.locked_until, NS_TOTP_LOCKED_HELD);
	assert_int_equal(was.lockouts, 3);
	assert_int_equal(ns_state_totp_use(st, "hank", 1400, &pol, fixed_step, &good, &err), 0);
	/* the unlock did not make the used step usable again */
	assert_int_equal(ns_state_totp_use(st, "hank", 1400, &pol, fixed_step, &good, &err), 1);
	assert_string_equal(err.msg, "code already used");
	/* a good code ended the run: the next lockout is the first again (100 s) */
	assert_int_equal(ns_state_totp_use(st, "hank", 1400, &pol, fixed_step, &bad, &err), 1);
	assert_int_equal(ns_state_totp_use(st, "hank", 1499, &pol, fixed_step, &good, &err), 1);
	assert_non_null(strstr(err.msg, "locked out for 1 more seconds"));
	/* a version 1 record (no lockouts count) reads as none */
	snprintf(p, sizeof(p), "%s/totp/ivan", statedir);
	assert_int_equal(nstest_write(p, "npmstage-totp 1 00000000000000000069 "
	                              "00000000000000000000 00000000000000000000\n", 0600), 0);
	good.step = 69;
	assert_int_equal(ns_state_totp_use(st, "ivan", 1000, &pol, fixed_step, &good, &err), 1);
	assert_string_equal(err.msg, "code already used");
	good.step = 70;
	assert_int_equal(ns_state_totp_use(st, "ivan", 1000, &pol, fixed_step, &good, &err), 0);
	ns_state_close(st);
}

static void
test_totp_concurrent(void **state)
{
	struct ns_totp_policy pol = { 100, 100, 4 };
	int i, wins = 0, status;
	pid_t pids[8];

	(void)state;
	for (i = 0; i < 8; i++) {
		pids[i] = fork();
		if (pids[i] == 0) {
			struct ns_state *st = NULL;
			struct ns_err err;
			struct fixed f = { 777 };
			if (ns_state_open(statedir, 0, &st, &err) != 0)
				_exit(3);
			_exit(ns_state_totp_use(st, "dave", 2000, &pol, fixed_step, &f, &err) == 0 ? 0 : 1);
		}
	}
	for (i = 0; i < 8; i++) {
		waitpid(pids[i], &status, 0);
		assert_true(WIFEXITED(status));
		assert_true(WEXITSTATUS(status) <= 1);
		wins += WEXITSTATUS(status) == 0;
	}
	assert_int_equal(wins, 1);
}

static int
strictly_up(unsigned stored, unsigned now)
{
	return now > stored || (stored == 0 && now == 0);
}

/* FIDO2 counters: per credential, decided and stored under the record's lock. */
static void
test_fido2_counters(void **state)
{
	struct ns_state *st = open_state();
	struct ns_err err;
	unsigned stored = 99;
	char p[800];

	(void)state;
	assert_int_equal(ns_state_fido2_counter_advance(st, "fred", "aa01", 5, strictly_up, &stored,
	                                                &err), 0);
	assert_int_equal(stored, 0); /* never seen */
	assert_int_equal(ns_state_fido2_counter_advance(st, "fred", "aa01", 5, strictly_up, &stored,
	                                                &err), 1);
	assert_int_equal(stored, 5);
	assert_int_equal(ns_state_fido2_counter_advance(st, "fred", "aa01", 4, strictly_up, &stored,
	                                                &err), 1);
	assert_int_equal(ns_state_fido2_counter_advance(st, "fred", "aa01", 6, strictly_up, &stored,
	                                                &err), 0);
	/* another credential, another user: independent */
	assert_int_equal(ns_state_fido2_counter_advance(st, "fred", "bb02", 1, strictly_up, &stored,
	                                                &err), 0);
	assert_int_equal(ns_state_fido2_counter_advance(st, "gina", "aa01", 1, strictly_up, &stored,
	                                                &err), 0);
	assert_int_equal(ns_state_fido2_counter_advance(st, "../x", "aa01", 1, strictly_up, &stored,
	                                                &err), -1);
	/* a damaged record refuses, it does not start over */
	ns_state_close(st);
	snprintf(p, sizeof(p), "%s/fido2", statedir);
	{
		DIR *d = opendir(p);
		struct dirent *e;
		int damaged = 0;
		assert_non_null(d);
		while ((e = readdir(d)) != NULL) {
			char f[1100];
			if (strncmp(e->d_name, "fred+", 5) != 0)
				continue;
			snprintf(f, sizeof(f), "%s/%s", p, e->d_name);
			assert_int_equal(nstest_write(f, "npmstage-fido2 1 x\n", 0600), 0);
			damaged++;
		}
		closedir(d);
		assert_int_equal(damaged, 2);
	}
	st = open_state();
	assert_int_equal(ns_state_fido2_counter_advance(st, "fred", "aa01", 7, strictly_up, &stored,
	                                                &err), -1);
	assert_non_null(strstr(err.msg, "not a valid"));
	ns_state_close(st);
}

/* The module's small files refuse what they did not write: a corrupt or foreign
 * TOTP record, a link in its place, a malformed or renamed ticket. */
static void
test_hot_files_hostile(void **state)
{
	struct ns_state *st = open_state();
	struct ns_totp_policy pol = { 3, 100, 4 };
	struct fixed f = { 5 };
	struct ns_config cfg;
	struct ns_release r, t;
	struct ns_approval a, b, c;
	struct ns_err err;
	char p[800], q[800];

	(void)state;
	snprintf(p, sizeof(p), "%s/totp/erin", statedir);
	assert_int_equal(nstest_write(p, "npmstage-totp 1 garbage\n", 0600), 0);
	assert_int_equal(ns_state_totp_use(st, "erin", 1000, &pol, fixed_step, &f, &err), -1);
	assert_non_null(strstr(err.msg, "corrupt TOTP record"));
	assert_int_equal(chmod(p, 0640), 0);
	assert_int_equal(ns_state_totp_use(st, "erin", 1000, &pol, fixed_step, &f, &err), -1);
	assert_non_null(strstr(err.msg, "mode 0600"));
	assert_int_equal(unlink(p), 0);
	assert_int_equal(symlink("/etc/passwd", p), 0);
	assert_int_equal(ns_state_totp_use(st, "erin", 1000, &pol, fixed_step, &f, &err), -1);
	assert_int_equal(unlink(p), 0);
	assert_int_equal(ns_state_totp_use(st, "../erin", 1000, &pol, fixed_step, &f, &err), -1);
	/* a fresh record after removal: the reset an admin does */
	assert_int_equal(ns_state_totp_use(st, "erin", 1000, &pol, fixed_step, &f, &err), 0);

	add_release(st, "rel-2");
	assert_int_equal(ns_release_get(st, "rel-2", &r, &err), 0);
	memset(&cfg, 0, sizeof(cfg));
	cfg.approval_ttl = 60;
	assert_int_equal(ns_approval_create(st, &cfg, &r, NS_ACTION_APPROVE, "erin", 1000, &a, &err),
	                 0);
	snprintf(p, sizeof(p), "%s/tickets/%s", statedir, a.id);
	assert_int_equal(nstest_write(p, "{\"v\":1}", 0600), 0);
	assert_int_equal(ns_approval_ticket(st, a.id, &b, &t, &err), -1);
	assert_non_null(strstr(err.msg, "malformed ticket"));
	/* another approval's valid ticket under this id */
	assert_int_equal(ns_approval_create(st, &cfg, &r, NS_ACTION_APPROVE, "erin", 1000, &c, &err),
	                 0);
	snprintf(q, sizeof(q), "%s/tickets/%s", statedir, c.id);
	ns_approval_clear(&c);
	assert_int_equal(rename(q, p), 0);
	assert_int_equal(ns_approval_ticket(st, a.id, &b, &t, &err), -1);
	assert_int_equal(ns_approval_ticket(st, "../../etc/passwd", &b, &t, &err), -1);
	ns_approval_clear(&a);
	ns_release_clear(&r);
	ns_state_close(st);
}

/* Changes the state database behind the library's back, as an attacker would. */
static void
tamper(const char *stmt)
{
	char db[700];
	sqlite3 *h;

	snprintf(db, sizeof(db), "%s/state.db", statedir);
	assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
	if (sqlite3_exec(h, stmt, NULL, NULL, NULL) != SQLITE_OK)
		fail_msg("%s: %s", stmt, sqlite3_errmsg(h));
	sqlite3_close(h);
}

static void
append_three(struct ns_state *st)
{
	struct ns_err err;

	assert_int_equal(ns_ledger_append(st, "stage", "{\"n\":1}", &err), 0);
	assert_int_equal(ns_ledger_append(st, "approve", "{\"n\":2}", &err), 0);
	assert_int_equal(ns_ledger_append(st, "publish", "{\"n\":3}", &err), 0);
	assert_int_equal(ns_ledger_verify(st, &err), 3);
}

static void
test_ledger(void **state)
{
	struct ns_state *st = open_state();
	struct ns_err err;

	(void)state;
	append_three(st);
	ns_state_close(st);
	tamper("UPDATE ledger SET data='{\"n\":9}' WHERE seq=2");
	st = open_state();
	assert_int_equal(ns_ledger_verify(st, &err), -1);
	assert_non_null(strstr(err.msg, "entry 2"));
	ns_state_close(st);
	tamper("UPDATE ledger SET data='{\"n\":2}' WHERE seq=2; DELETE FROM ledger WHERE seq=2");
	st = open_state();
	assert_int_equal(ns_ledger_verify(st, &err), -1);
	assert_non_null(strstr(err.msg, "missing"));
	ns_state_close(st);
}

/* The chain alone can't show that its last entries are gone; the anchor does. */
static void
test_ledger_tail_deletion(void **state)
{
	struct ns_state *st;
	struct ns_err err;
	char db[700], anchor[700];
	sqlite3 *h;

	(void)state;
	nstest_rmtree(statedir);
	st = open_state();
	assert_int_equal(ns_ledger_verify(st, &err), 0);
	append_three(st);
	ns_state_close(st);
	snprintf(db, sizeof(db), "%s/state.db", statedir);
	tamper("DELETE FROM ledger WHERE seq = 3");
	st = open_state();
	assert_int_equal(ns_ledger_verify(st, &err), -1);
	assert_non_null(strstr(err.msg, "deleted"));
	/* a lagging anchor (crash after the commit, before the anchor) is fine */
	snprintf(anchor, sizeof(anchor), "%s/ledger.head", statedir);
	assert_int_equal(ns_ledger_append(st, "publish", "{\"n\":3}", &err), 0);
	assert_int_equal(ns_ledger_verify(st, &err), 3);
	ns_state_close(st);
	{
		/* anchor back at entry 2: still consistent */
		char line[200];
		FILE *f;
		assert_int_equal(sqlite3_open(db, &h), SQLITE_OK);
		sqlite3_stmt *q;
		assert_int_equal(sqlite3_prepare_v2(h, "SELECT hash FROM ledger WHERE seq = 2", -1, &q,
		                                    NULL), SQLITE_OK);
		assert_int_equal(sqlite3_step(q), SQLITE_ROW);
		snprintf(line, sizeof(line), "2 %s\n", (const char *)sqlite3_column_text(q, 0));
		sqlite3_finalize(q);
		sqlite3_close(h);
		f = fopen(anchor, "w");
		assert_non_null(f);
		fputs(line, f);
		fclose(f);
	}
	/* ... is reported (it looks exactly like appended entries, and deleting the
	 * unanchored entry would then verify), but the chain up to it is intact */
	st = open_state();
	assert_int_equal(ns_ledger_verify(st, &err), -1);
	assert_non_null(strstr(err.msg, "anchor lags"));
	assert_non_null(strstr(err.msg, "--reanchor"));
	{
		long long anchored = -1;
		assert_int_equal(ns_ledger_check(st, &anchored, &err), 3);
		assert_int_equal(anchored, 2);
	}
	/* the next append moves the anchor to the head again */
	assert_int_equal(ns_ledger_append(st, "reanchor", "{\"n\":4}", &err), 0);
	assert_int_equal(ns_ledger_verify(st, &err), 4);
	ns_state_close(st);
	/* a missing anchor with a non-empty ledger is itself a finding */
	assert_int_equal(unlink(anchor), 0);
	st = open_state();
	assert_int_equal(ns_ledger_verify(st, &err), -1);
	assert_non_null(strstr(err.msg, "anchor"));
	ns_state_close(st);
}

/* Stored hashes are compared whole: junk after a valid hash is tampering. */
static void
test_ledger_hash_junk(void **state)
{
	static const char *const edits[] = {
		"UPDATE ledger SET hash = hash || 'junk' WHERE seq = 2",
		"UPDATE ledger SET prev = prev || ' ' WHERE seq = 3",
		"UPDATE ledger SET prev = 'genesis!' WHERE seq = 1",
		"UPDATE ledger SET hash = upper(hash) WHERE seq = 1",
		"UPDATE ledger SET hash = CAST(hash AS BLOB) WHERE seq = 3",
	};
	struct ns_state *st;
	struct ns_err err;
	char anchor[700], line[200];
	size_t i;
	FILE *f;

	(void)state;
	for (i = 0; i < sizeof(edits) / sizeof(edits[0]); i++) {
		nstest_rmtree(statedir);
		st = open_state();
		append_three(st);
		ns_state_close(st);
		tamper(edits[i]);
		st = open_state();
		if (ns_ledger_verify(st, &err) != -1 || strstr(err.msg, "does not verify") == NULL)
			fail_msg("%s: verify accepted it (%s)", edits[i], err.msg);
		/* and nothing new is chained onto a malformed head */
		if (i == 4)
			assert_int_equal(ns_ledger_append(st, "x", "{}", &err), -1);
		ns_state_close(st);
	}
	/* the anchor file is parsed as strictly: junk after its hash is malformed */
	nstest_rmtree(statedir);
	st = open_state();
	append_three(st);
	snprintf(anchor, sizeof(anchor), "%s/ledger.head", statedir);
	f = fopen(anchor, "r");
	assert_non_null(f);
	assert_non_null(fgets(line, sizeof(line), f));
	fclose(f);
	line[strcspn(line, "\n")] = '\0';
	f = fopen(anchor, "w");
	assert_non_null(f);
	fprintf(f, "%sjunk\n", line);
	fclose(f);
	assert_int_equal(ns_ledger_verify(st, &err), -1);
	assert_non_null(strstr(err.msg, "malformed"));
	ns_state_close(st);
}

static void
test_unsafe_state_dir(void **state)
{
	struct ns_state *st = NULL;
	struct ns_err err;
	char bad[700];

	(void)state;
	snprintf(bad, sizeof(bad), "%s/open", dir);
	assert_int_equal(mkdir(bad, 0755), 0);
	assert_int_equal(chmod(bad, 0755), 0);
	assert_int_equal(ns_state_open(bad, 0, &st, &err), -1);
	assert_non_null(strstr(err.msg, "too open"));
	snprintf(bad, sizeof(bad), "%s/link", dir);
	assert_int_equal(symlink(statedir, bad), 0);
	assert_int_equal(ns_state_open(bad, 0, &st, &err), -1);
	assert_non_null(strstr(err.msg, "symbolic link"));
	snprintf(bad, sizeof(bad), "%s/state.db", statedir);
	assert_int_equal(chmod(bad, 0644), 0);
	assert_int_equal(ns_state_open(statedir, 0, &st, &err), -1);
	assert_non_null(strstr(err.msg, "too open"));
	assert_int_equal(chmod(bad, 0600), 0);
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_approval_single_use),
		cmocka_unit_test(test_reject_is_no_approval),
		cmocka_unit_test(test_totp_steps),
		cmocka_unit_test(test_totp_escalation),
		cmocka_unit_test(test_totp_concurrent),
		cmocka_unit_test(test_hot_files_hostile),
		cmocka_unit_test(test_fido2_counters),
		cmocka_unit_test(test_ledger),
		cmocka_unit_test(test_ledger_tail_deletion),
		cmocka_unit_test(test_ledger_hash_junk),
		cmocka_unit_test(test_unsafe_state_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
