/* The setuid helper trusts nothing from its caller. */
#ifndef NS_HARDENING_H
#define NS_HARDENING_H

#include <signal.h>
#include <sys/types.h>

/* Resets the environment to a short allowlist (sudo-style table), guarantees fds
 * 0-2 are open and closes all others, sets umask 077, disables core dumps and
 * ptrace-ability, and records the caller's ids and groups. Returns -1 (message on
 * stderr) when the process can't be made safe. Must run first thing in main. */
int harden_process(char **argv0);

/* Whether we hold more privilege than the caller (started setuid and not dropped). */
int running_setuid(void);

/* The calling user: the real uid we were started with, or, when root started us
 * through sudo, the human SUDO_UID names (refused at harden_process unless it agrees
 * with the kernel's login uid where that is set). Stays the caller after
 * become_root, and privilege is then held over that human as over a setuid caller. */
uid_t caller_uid(void);
int caller_name(char *buf, size_t cap);
/* The caller's SSH_AUTH_SOCK (absolute, fits a socket address), read before the
 * environment was reset, or NULL. Connect only through caller_agent_open. */
const char *caller_agent_path(void);
/* Whether the caller came through sudo (for messages and the ledger). */
int caller_via_sudo(void);

/* For commands that need no state: becomes the caller for good (the caller's
 * groups, then all gids, then all uids) and checks that root cannot be regained.
 * Without privilege (an unprivileged run, or root itself, e.g. under sudo) it
 * changes nothing. -1 (message on stderr) when the drop is not complete. */
int drop_privileges_permanently(void);

/* For the privileged path once the caller is known to be a member: all uids and
 * gids 0, no supplementary groups, so that the caller can neither signal nor
 * trace the helper (only its terminal's signals still arrive). Caller-named paths
 * are then opened through as_caller only. No-op when not privileged. */
int become_root(void);

/* Runs fn with the caller's effective and file system ids and supplementary
 * groups (for opening caller-named paths), then restores them; without privilege
 * it just calls fn. Returns fn's result, -1 when the switch fails. */
int as_caller(int (*fn)(void *), void *arg);

/* Holds every catchable signal (sigprocmask) across a step that must not be cut
 * in half: the terminal's signals reach a setuid run, and sudo relays to its
 * command any signal the caller sends sudo. Pending ones arrive at the release. */
void signals_hold(sigset_t *saved);
void signals_release(const sigset_t *saved);

/* Refuses to run unless our own executable is root-owned and not writable by
 * others (only checked when running setuid). */
int check_own_executable(void);

#endif
