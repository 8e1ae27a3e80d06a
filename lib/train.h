/* Release trains: one approval, with one factor, over several checked releases.
 *
 * Each member keeps its own approval, statement and ticket, exactly as a single
 * approve would create them. The train's statement names every member approval
 * with its release, bytes, check report, statement hash and scope policy, so the
 * one factor signs the whole set and nothing else. The train ticket
 * (tickets/ID, its own header) holds the train; its use marker is used/ID. The
 * module rebuilds the statement from the member tickets and refuses any
 * difference. */
#ifndef NS_TRAIN_H
#define NS_TRAIN_H

#include <stddef.h>
#include <time.h>

#include "nsconfig.h"
#include "nserr.h"
#include "state.h"

#define NS_TRAIN_MEMBERS_MAX 100
#define NS_ACTION_TRAIN "train"

struct ns_train {
	char id[NS_ID_MAX];          /* the train statement's nonce */
	char approver[64];
	long long created, expires;  /* expires: the earliest member approval's */
	size_t n;
	char members[NS_TRAIN_MEMBERS_MAX][NS_ID_MAX]; /* member approval ids, in order */
	char *statement;             /* malloc'd */
	char statement_sha256[65];
	int consumed;
};

/* One member as the statement names it: its approval and release as the member's
 * ticket holds them. */
struct ns_train_member {
	const struct ns_approval *approval;
	const struct ns_release *release;
};

/* The canonical statement of train t (t->statement is not read) over its members,
 * in t's order; the scope of each member is looked up in cfg. Malloc'd, or NULL
 * with err set (a member that is not an approve by t's approver, a field with a
 * control character or a blank). The release's status is the caller's to check:
 * "checked" for a new train, "publishing" or "published" for a resumed one. */
char *ns_train_statement(const struct ns_config *cfg, const struct ns_train *t,
                         const struct ns_train_member *m, struct ns_err *err);

/* Creates train t for members m (approvals already inserted, releases "checked"):
 * nonce, times, statement and its hash, then the ticket and the empty use marker. */
int ns_train_create(struct ns_state *st, const struct ns_config *cfg, const char *approver,
                    time_t now, const struct ns_train_member *m, size_t n, struct ns_train *t,
                    struct ns_err *err);

/* Reads tickets/id as a train: 0 read (consumed filled from its marker), 1 no
 * such ticket or not a train's, -1 unreadable or malformed. */
int ns_train_read(struct ns_state *st, const char *id, struct ns_train *t, struct ns_err *err);

/* Serialises / parses a train ticket (the fuzzer's seam). */
int ns_train_format(const struct ns_train *t, char **out, size_t *len, struct ns_err *err);
int ns_train_parse(const char *buf, size_t size, const char *id, struct ns_train *t);

void ns_train_clear(struct ns_train *t);

#endif
