/* Single-use TOTP steps, failure counts and lockout per approver: one record
 * (record.h) per user under totp/, read and rewritten under an exclusive flock so
 * that two concurrent sessions cannot both use a step. */
#ifndef NS_TOTP_STATE_H
#define NS_TOTP_STATE_H

#include <time.h>

#include "nserr.h"

/* max_failures wrong codes in a row lock the approver out for lockout seconds;
 * each further lockout without a good code in between doubles it; the lockout
 * after max_lockouts timed ones holds until an administrator unlocks it
 * (npm-release enroll unlock). */
struct ns_totp_policy {
	unsigned max_failures;
	unsigned lockout;
	unsigned max_lockouts;
};

/* locked_until: this value holds until an administrator unlocks. */
#define NS_TOTP_LOCKED_HELD (-1LL)

/* One record in memory: an empty one is fresh (last_step -1); anything but one
 * exact line is corrupt (-1). Version 1 records (no lockouts count) are read as
 * having none. format returns the record's length (always version 2) or -1. */
struct ns_totp_record {
	long long last_step, failures, locked_until, lockouts;
};
int ns_totp_record_parse(const char *buf, size_t len, struct ns_totp_record *rec);
int ns_totp_record_format(const struct ns_totp_record *rec, char *buf, size_t cap);

/* check_fn validates the code and returns the matched step (>= 0) or -1. Returns
 * 0 accepted, 1 refused (err says why: wrong code, reused code, locked out), -1
 * error (unsafe or corrupt record). */
int ns_totp_state_use(int totpfd, const char *dirname, const char *user, time_t now,
                      const struct ns_totp_policy *pol, long long (*check_fn)(void *arg),
                      void *arg, struct ns_err *err);

/* Lifts user's lockout (timed or held) and forgets failures and lockouts; the last
 * step used stays, so no code becomes usable twice. 0, or -1 with err. */
int ns_totp_state_unlock(int totpfd, const char *dirname, const char *user,
                         struct ns_totp_record *before, struct ns_err *err);

/* Starts user's record afresh: last_step used (-1: none), no failures, no lockout.
 * Enrolment uses it with the activation code's step, so that code is spent too. */
int ns_totp_state_set(int totpfd, const char *dirname, const char *user, long long last_step,
                      struct ns_err *err);

#endif
