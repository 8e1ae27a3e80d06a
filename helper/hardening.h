/* The setuid helper trusts nothing from its caller. */
#ifndef NS_HARDENING_H
#define NS_HARDENING_H

#include <sys/types.h>

/* Resets the environment to a short allowlist (sudo-style table), guarantees fds
 * 0-2 are open and closes all others, sets umask 077, disables core dumps and
 * ptrace-ability. Returns -1 (message on stderr) when the process can't be made
 * safe. Must run first thing in main. */
int harden_process(char **argv0);

/* Whether we run with more privilege than the caller (setuid or sudo-less root). */
int running_setuid(void);

/* The real (calling) user. */
uid_t caller_uid(void);
int caller_name(char *buf, size_t cap);

/* Runs fn with the caller's effective ids (for opening caller-named paths), then
 * restores; without privilege it just calls fn. Returns fn's result, -1 on failure. */
int as_caller(int (*fn)(void *), void *arg);

/* Refuses to run unless our own executable is root-owned and not writable by
 * others (only checked when running setuid). */
int check_own_executable(void);

#endif
