/* Root-owned state under state_dir (mode 0700): one SQLite database (releases,
 * approvals, the hash-chained ledger), the spool of exact tarball bytes, and the
 * small files the PAM module uses on every authentication without opening the
 * database: approval tickets and use markers (ticket.h), TOTP records
 * (totp_state.h) and FIDO2 counters (record.h). */
#ifndef NS_STATE_H
#define NS_STATE_H

#include <time.h>

#include "nserr.h"
#include "totp_state.h"

struct ns_state;

#define NS_ID_MAX 64
#define NS_NAME_MAX 215
#define NS_VERSION_MAX 257

/* Release origins and the states a release moves through. */
#define NS_ORIGIN_REGISTRY "registry"
#define NS_ORIGIN_LOCAL "local"
/* A registry stage that npm-release withdraws (or withdrew) to publish the checked
 * spooled bytes itself: from then on the spool holds the only copy. */
#define NS_ORIGIN_WITHDRAWN "withdrawn"

struct ns_release {
	char id[NS_ID_MAX];
	char origin[16];
	char name[NS_NAME_MAX + 1];
	char version[NS_VERSION_MAX];
	char tag[128];
	char shasum[41];
	char integrity[100];
	long long size;
	char staged_by[64];
	long long staged_at;
	char status[16];          /* staged, checked, failed, publishing, published, rejected,
	                           * compromised (live with bytes or a manifest not approved) */
	char report_sha256[65];
	char *report;             /* JSON text, malloc'd (ns_release_clear frees) */
};

#define NS_ACTION_APPROVE "approve"
#define NS_ACTION_REJECT "reject"

struct ns_approval {
	char id[NS_ID_MAX];       /* the statement nonce */
	char action[16];          /* approve or reject */
	char release_id[NS_ID_MAX];
	char approver[64];
	char *statement;          /* malloc'd */
	char statement_sha256[65];
	long long created;
	long long expires;
	int consumed;
	char factor[16];
};

/* Opens (create: also creates) state_dir, its spool/ and approvers/ folders and the
 * database; every object is owner/mode checked and opened without following links. */
int ns_state_open(const char *state_dir, int create, struct ns_state **out, struct ns_err *err);
void ns_state_close(struct ns_state *st);

/* Descriptors of state_dir, spool/ and approvers/ (owned by st). */
int ns_state_dirfd(const struct ns_state *st);
int ns_state_spoolfd(const struct ns_state *st);
int ns_state_approversfd(const struct ns_state *st);
const char *ns_state_path(const struct ns_state *st);

/* Releases. get: 0 found, 1 not found, -1 error. */
int ns_release_insert(struct ns_state *st, const struct ns_release *r, struct ns_err *err);
int ns_release_get(struct ns_state *st, const char *id, struct ns_release *r, struct ns_err *err);
/* Compare-and-set of the status; 0 on success, 1 when the status was not `from`. */
int ns_release_set_status(struct ns_state *st, const char *id, const char *from,
                          const char *to, struct ns_err *err);
/* Compare-and-set of the origin (and the status must be `status`); 0 done, 1 not. */
int ns_release_set_origin(struct ns_state *st, const char *id, const char *status,
                          const char *from, const char *to, struct ns_err *err);
/* Records the integrity and size of the downloaded bytes of a release first seen
 * without them (a reject needs no download); 0 done, 1 it holds other ones. */
int ns_release_set_artifact(struct ns_state *st, const char *id, const char *integrity,
                            long long size, struct ns_err *err);
int ns_release_set_report(struct ns_state *st, const char *id, const char *status,
                          const char *integrity, const char *report, struct ns_err *err);
/* Calls fn for each release (newest first); stops when fn returns non-zero. */
int ns_release_each(struct ns_state *st, int (*fn)(const struct ns_release *, void *),
                    void *arg, struct ns_err *err);
void ns_release_clear(struct ns_release *r);
/* Compare-and-set of the status and a ledger entry, in one transaction: either
 * both happen or neither. 0 done, 1 the status was not `from`, -1 error. */
int ns_release_transition(struct ns_state *st, const char *id, const char *from,
                          const char *to, const char *event, const char *data_json,
                          struct ns_err *err);
/* One approve at a time per release: an exclusive flock on state_dir/locks/<id>.lock
 * (released by the kernel when the holder exits or is killed). Returns the
 * descriptor to keep open, -2 when another process holds it, -1 on error. */
int ns_state_lock_release(struct ns_state *st, const char *id, struct ns_err *err);
/* One approve at a time per name@version, whichever release carries it (two stages
 * of one version, approved at once, would otherwise both pass the "already live"
 * check and the second publish would look like an incident): a flock on
 * state_dir/locks/v-<hash of name@version>.lock. Same returns. */
int ns_state_lock_version(struct ns_state *st, const char *name, const char *version,
                          struct ns_err *err);
/* One publish at a time per package name, from the re-read of its "latest" to the
 * version being live: two versions approved at once must not both pass that
 * re-read, the lower one then moving latest back. state_dir/locks/p-<hash of
 * name>.lock; waits for it. Returns the descriptor to keep open, -1 on error. */
int ns_state_lock_package(struct ns_state *st, const char *name, struct ns_err *err);

/* Approvals. consume: atomically marks an unexpired, unconsumed approval consumed;
 * 0 on success, 1 when it was already consumed or has expired. */
int ns_approval_insert(struct ns_state *st, const struct ns_approval *a, struct ns_err *err);
int ns_approval_get(struct ns_state *st, const char *id, struct ns_approval *a,
                    struct ns_err *err);
/* The approval and its release as its ticket holds them (no database access):
 * 0 found, 1 no ticket, -1 error. consumed is filled from the use marker (factor
 * is left empty). */
int ns_approval_ticket(struct ns_state *st, const char *id, struct ns_approval *a,
                       struct ns_release *r, struct ns_err *err);
/* Marks a used (its use marker, O_EXCL): 0 consumed now, 1 already used or expired
 * at now (err says which), -1 error. */
int ns_approval_consume(struct ns_state *st, const struct ns_approval *a, time_t now,
                        const char *factor, struct ns_err *err);
void ns_approval_clear(struct ns_approval *a);
/* Distinct approvers with a consumed approval (action approve: rejects never count)
 * for release_id; *user_has (may be
 * NULL) tells whether user is one of them. */
int ns_approvals_consumed(struct ns_state *st, const char *release_id, const char *user,
                          unsigned *distinct, int *user_has, struct ns_err *err);

/* Single-use TOTP steps and lockout: see totp_state.h (records under totp/). */
int ns_state_totp_use(struct ns_state *st, const char *user, time_t now,
                      const struct ns_totp_policy *pol,
                      long long (*check_fn)(void *arg), void *arg, struct ns_err *err);
int ns_state_totp_set(struct ns_state *st, const char *user, long long last_step,
                      struct ns_err *err);
int ns_state_totp_unlock(struct ns_state *st, const char *user, struct ns_totp_record *before,
                         struct ns_err *err);

/* FIDO2 signature counters, one record (record.h) per credential (cred: hex of
 * its id) under fido2/: under the record's lock, ok(stored, counter) decides (a
 * credential never seen has stored 0) and counter is stored if it agrees.
 * Returns 0 stored, 1 refused (*stored says what it did not advance past), -1 error. */
int ns_state_fido2_counter_advance(struct ns_state *st, const char *user, const char *cred,
                                   unsigned counter, int (*ok)(unsigned stored, unsigned now),
                                   unsigned *stored, struct ns_err *err);

/* The proof of an approval (state_proof.c): what the factor's hardware signed,
 * text of at most NS_PROOF_MAX bytes, one root-owned file per approval id under
 * proofs/. read: 0 found (*text malloc'd), 1 none, -1 error. */
#define NS_PROOF_MAX 8192
int ns_state_proof_write(struct ns_state *st, const char *approval_id, const char *text,
                         struct ns_err *err);
int ns_state_proof_read(struct ns_state *st, const char *approval_id, char **text,
                        struct ns_err *err);

/* The ledger: every event appended with hash = SHA-256(prev hash | fields). */
int ns_ledger_append(struct ns_state *st, const char *event, const char *data_json,
                     struct ns_err *err);
/* Recomputes the chain and checks the head anchor; returns the number of entries,
 * or -1 with err naming the first entry that does not verify, a malformed stored
 * hash, deleted last entries, or an anchor that lags behind the head. */
long long ns_ledger_verify(struct ns_state *st, struct ns_err *err);
/* The same, except that an anchor behind the head (still matching the entry it
 * names) is no failure: *anchored is that entry (0: none, empty ledger). For
 * re-anchoring after an administrator has checked the entries after it. */
long long ns_ledger_check(struct ns_state *st, long long *anchored, struct ns_err *err);
int ns_ledger_each(struct ns_state *st,
                   int (*fn)(long long seq, long long t, const char *event, const char *data,
                             const char *hash, void *arg),
                   void *arg, struct ns_err *err);

#endif
