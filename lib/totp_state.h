/* Single-use TOTP steps, failure counts and lockout per approver: one fixed-size
 * record per user under totp/, read and rewritten under an exclusive flock so that
 * two concurrent sessions cannot both use a step. Like pam_oath's usersfile the
 * record is not forced to disk on every use (see pam_npmstage(8)). */
#ifndef NS_TOTP_STATE_H
#define NS_TOTP_STATE_H

#include <time.h>

#include "nserr.h"

struct ns_totp_policy {
	unsigned max_failures;
	unsigned lockout;
};

/* check_fn validates the code and returns the matched step (>= 0) or -1. Returns
 * 0 accepted, 1 refused (err says why: wrong code, reused code, locked out), -1
 * error (unsafe or corrupt record). */
int ns_totp_state_use(int totpfd, const char *dirname, const char *user, time_t now,
                      const struct ns_totp_policy *pol, long long (*check_fn)(void *arg),
                      void *arg, struct ns_err *err);

/* Starts user's record afresh: last_step used (-1: none), no failures, no lockout.
 * Enrolment uses it with the activation code's step, so that code is spent too. */
int ns_totp_state_set(int totpfd, const char *dirname, const char *user, long long last_step,
                      struct ns_err *err);

#endif
