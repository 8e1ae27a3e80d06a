/* What every privileged command starts with: the configuration (from the default
 * path, or -c for root and unprivileged runs only), the state, the caller. */
#ifndef NS_SESSION_H
#define NS_SESSION_H

#include "nsconfig.h"
#include "state.h"

struct session {
	struct ns_config *cfg;
	struct ns_state *st;
	char caller[64];
	int caller_is_root;  /* root itself (uid 0, not on behalf of someone via sudo) */
	int caller_is_admin; /* root, or a human whom sudo let run this command as root */
};

/* Set by main from -c/--config before the command runs. */
extern const char *session_config_path;

/* Loads config, refuses callers who are not members (session_is_member: exits 1) and opens
 * state (NS_SESSION_CREATE: create missing folders). NS_SESSION_ADMIN: an
 * administrative command (enrolments, tokens, re-anchoring), which a human may run
 * through sudo when sudoers lets them. Prints the error and returns -1 on failure. */
#define NS_SESSION_CREATE 1
#define NS_SESSION_ADMIN 2
int session_open(struct session *s, int flags);
void session_close(struct session *s);

/* Whether the caller is an admin, a stager or an approver of some scope; session_open
 * refuses everyone else before the state is opened. */
int session_is_member(const struct session *s);

/* Whether the caller may stage: root, or listed in [npmstage] stagers. */
int session_may_stage(const struct session *s);

/* Appends a ledger event (and copies it to syslog). Returns -1 on failure. */
int session_ledger(struct session *s, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Moves release id from status `from` to `to` and appends the ledger event, in one
 * transaction (and copies it to syslog). 0 done, 1 the status was not `from`, -1
 * error; both print why. */
int session_transition(struct session *s, const char *id, const char *from, const char *to,
                       const char *event, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));

/* Marks an approve step boundary (fetched, checked, consumed, approved, sent, live,
 * recorded) in syslog. With [debug] stop_at = STEP in the root-owned configuration
 * the process stops itself there (SIGSTOP), so that crash tests can kill it at
 * exactly that point; npm-release(8) documents it. */
void session_step(const struct session *s, const char *id, const char *step);

#endif
