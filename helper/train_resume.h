/* A release train's rerun after a crash while it published (train_resume.c), and
 * what it shares with approve_train.c. */
#ifndef NS_TRAIN_RESUME_H
#define NS_TRAIN_RESUME_H

#include <stddef.h>

#include <jansson.h>

#include "approve_member.h"
#include "session.h"
#include "train.h"

/* A member's state in a train's run. */
enum { TRAIN_M_CHECKED, TRAIN_M_LIVE, TRAIN_M_FAILED, TRAIN_M_PUBLISHED, TRAIN_M_UNPUBLISHED,
       TRAIN_M_RESUME };

/* Before any check: the interrupted train that members m[0..n) continue. 0 none
 * (or it expired, its ticket is gone or unused, or a member of it is in another
 * status than "publishing" or "published": printed; its members then reconcile to "checked" as after a
 * single approve), 1 resumable (t read; each still "publishing" member's resume
 * set and its approval in m->a), -1 refused (printed: two trains, a member of
 * the train still to publish not named, an unreadable record or train). */
int train_resume_find(struct session *s, struct approve_member *m, size_t n, struct ns_train *t);

/* Whether release id is a member of an interrupted train that can still be
 * resumed (the newest ledger approve entry of it names a train, consumed and
 * unexpired): 1 (t read), 0 no, -1 the ledger or the train is unreadable. */
int train_resumable_of(struct session *s, const char *release_id, struct ns_train *t);

/* The gate for train t without a factor (the module verifies that it may be
 * resumed), the ledger's "train-resume" entry, then every TRAIN_M_RESUME member
 * published in dependency order and confirmed live. An exit code. */
int train_resume_publish(struct session *s, struct approve_member *m, int *state, size_t n,
                         const struct ns_train *t, int json);

/* approve_train.c: order[]: the members in state want, before those that depend
 * on them, and *deps_out each member's dependency names (train_deps_free). */
int train_publish_order(struct session *s, struct approve_member *m, const int *state, int want,
                        size_t n, size_t *order, json_t ***deps_out);
void train_deps_free(json_t **deps, size_t n);
/* Publishes the members in state want in dependency order with tok. After a
 * failure the rest go back to "checked" (*stopped set); a member overtaken by a
 * higher live version goes back with only what depends on it (*incomplete set
 * whenever one is not published). The number now live, or (size_t)-1 when the
 * order could not be made. */
size_t train_publish_members(struct session *s, struct approve_member *m, int *state, size_t n,
                             int want, const char *train, struct gate_token *tok, int *stopped,
                             int *incomplete);
/* The table of a train's members (or its JSON). */
void train_print_table(struct approve_member *m, const int *state, size_t n, int json,
                       const char *train, const char *result);

#endif
