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
	int caller_is_root;
};

/* Set by main from -c/--config before the command runs. */
extern const char *session_config_path;

/* Loads config and opens state (create_state: create missing folders). Prints the
 * error and returns -1 on failure. */
int session_open(struct session *s, int create_state);
void session_close(struct session *s);

/* Whether the caller may stage: root, or listed in [npmstage] stagers. */
int session_may_stage(const struct session *s);

/* Appends a ledger event (and copies it to syslog). Returns -1 on failure. */
int session_ledger(struct session *s, const char *event, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

#endif
