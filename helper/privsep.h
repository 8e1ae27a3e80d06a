/* Untrusted input (tarballs, lockfiles, registry JSON) is parsed in a child that
 * has dropped root: it gets descriptors, writes one JSON document to a pipe and
 * exits. The parent keeps state, tokens and PAM.
 *
 * The children are forked by a checker process that privsep_start forks before
 * any token is read (session_open): it drops privileges at once and, for each
 * request, forks a worker from its own memory, so no byte of a token the parent
 * later holds (curl's freed buffers, the token file's contents) can be in the
 * memory of a process that parses an untrusted tarball. Requests travel over a
 * socketpair: the function, a copy of its argument, the descriptors (SCM_RIGHTS). */
#ifndef NS_PRIVSEP_H
#define NS_PRIVSEP_H

#include <jansson.h>
#include <stddef.h>

#include "nserr.h"

#define PRIVSEP_MAX_ARG 4096
#define PRIVSEP_MAX_FDS 8

/* fn runs in a worker with a copy of the arg_len bytes at arg (at most
 * PRIVSEP_MAX_ARG); pointers in them must point to memory the process had before
 * privsep_start (the configuration), as the worker is a copy of that process;
 * the bytes go to a less privileged process, so zero the struct (padding too).
 * keep: the descriptors (nkeep of them; -1 entries ignored) the worker may use,
 * under the same numbers; every other descriptor is closed there. Returns the
 * worker's JSON (at most max_output bytes), or NULL with err set (the worker's
 * message, a crash, a limit). Starts the checker first if privsep_start was not
 * called (for commands that never hold a token). */
json_t *privsep_run(json_t *(*fn)(void *arg, struct ns_err *err), const void *arg,
                    size_t arg_len, const int *keep, size_t nkeep, size_t max_output,
                    struct ns_err *err);

/* The user the children run as when the helper is privileged ([npmstage] check_user,
 * default nobody). Refuses root. Before privsep_start. */
int privsep_set_user(const char *name);

/* Forks the checker; call before any secret is in memory. With debug_stop_at ==
 * "checker" ([debug] stop_at, root-owned configuration) each worker stops itself
 * (SIGSTOP) after its work, before it answers, so tests can read its memory. */
int privsep_start(const char *debug_stop_at);

#endif
