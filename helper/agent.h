/* The caller's ssh-agent, for the ssh-sk factor: SSH_AUTH_SOCK as the caller gave it
 * (remembered before the environment is reset), connected with the caller's
 * credentials, never root's (root passes the 0700 directory of another user's
 * forwarded socket), and accepted only when the socket's peer runs as the caller
 * (SO_PEERCRED). Both checks, because either alone has a hole: a socket in a
 * directory the caller can reach may be served by someone else's agent. */
#ifndef NS_AGENT_H
#define NS_AGENT_H

#include "nserr.h"

/* 0 with *fd connected; 1 when the caller has no agent (SSH_AUTH_SOCK unset, or
 * nothing listens there: *fd = -1); -1 refused (err says why: another user's
 * socket, not a socket...). */
int caller_agent_open(int *fd, struct ns_err *err);

#endif
