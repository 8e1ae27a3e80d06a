/* One release of an approve (alone or in a train), as named steps. */
#ifndef NS_APPROVE_MEMBER_H
#define NS_APPROVE_MEMBER_H

#include "pam_gate.h"
#include "publish_provenance.h"
#include "session.h"
#include "state.h"

struct approve_member {
	char id[NS_ID_MAX];
	struct ns_release r;
	struct ns_approval a;
	int lock_fd, version_lock_fd;   /* held from the check to the confirmation */
	struct publish_bundle bundle;
	char why[512];                  /* why it stopped, for a train's report */
	int eligible;                   /* the caller's eligibility was already decided */
	int in_train;                   /* published already: live, not a failure */
	int resume;                     /* publishing in a resumable train: stays so */
};

void approve_member_init(struct approve_member *m, const char *id);

/* Prints why m stops ("npm-release: ...") and keeps it in m->why: -1. */
int approve_member_refuse(struct approve_member *m, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* approve_guard.c, before the release is locked (train) or checked (version):
 * a single approve of a member of an interrupted train its approver can still
 * resume; a name@version whose other release's publish was interrupted. 0, or
 * -1 (printed). */
int approve_guard_train(struct session *s, struct approve_member *m);
int approve_guard_version(struct session *s, struct approve_member *m);
void approve_member_free(struct approve_member *m);

/* Eligibility, the release's and the version's locks, the record (an interrupted
 * publish reconciled), the bytes (fetched for a registry stage) and the checks:
 * 0 passed (m->r is the checked record), 1 already live (printed), -1 refused
 * (printed; m->why says why), 2 (m->resume only) still "publishing" and not on
 * the registry: its train's resumption publishes it, unchecked again (the module
 * verifies its spooled bytes and statement). */
int approve_member_check(struct session *s, struct approve_member *m);

/* The approval (statement, ticket) of the checked release, by the caller. */
int approve_member_approval(struct session *s, struct approve_member *m);

/* After the gate: the ledger's approve entry (a train member's proof is "train
 * ID": the train's entry holds the signature) and, unless the approval was only
 * recorded (tok->recorded), the move to "publishing", after which a rerun
 * reconciles. */
int approve_member_record(struct session *s, struct approve_member *m, const char *factor,
                          const char *proof, const struct gate_token *tok);

/* Publishes the checked bytes with tok, confirms them live, records it: 0, or -1
 * (printed; an incident recorded as such), or APPROVE_MEMBER_OVERTAKEN: a higher
 * version went live meanwhile, so it is back to "checked", not published, and
 * nothing went wrong with the registry. */
enum { APPROVE_MEMBER_OVERTAKEN = 1 };
int approve_member_publish(struct session *s, struct approve_member *m, struct gate_token *tok);

#endif
