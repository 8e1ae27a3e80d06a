/* Single-use TOTP steps, failure counts and lockout per approver: one record
 * (record.h) per user under totp/, read and rewritten under an exclusive flock so
 * that two concurrent sessions cannot both use a step. */
#ifndef NS_TOTP_STATE_H
#define NS_TOTP_STATE_H

#include <time.h>

#include "nserr.h"

struct ns_totp_policy {
	unsigned max_failures;
	unsigned lockout;
};

/* One record in memory: an empty one is fresh (last_step -1); anything but one
 * exact line is corrupt (-1). format returns the record's length or -1. */
struct ns_totp_record {
	long long last_step, failures, locked_until;
};
int ns_totp_record_parse(const char *buf, size_t len, struct ns_totp_record *rec);
int ns_totp_record_format(const struct ns_totp_record *rec, char *buf, size_t cap);

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
