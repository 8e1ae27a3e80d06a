/* The registry's one-time passwords from the release account's stored seed
 * ([registry] otp = stored): which single-use step each write uses. */
#ifndef NS_REGISTRY_OTP_H
#define NS_REGISTRY_OTP_H

#include <stddef.h>

#include "nserr.h"
#include "totp.h"

/* Where the last step taken is kept (state_dir, registry-otp.step), so that the
 * next write, in this approve or another, uses a later one. */
void registry_otp_steps_at(int state_dirfd);

/* Takes `writes` consecutive steps for this process's next writes, under the step
 * file's lock (two approves at once never take the same step), and waits until the
 * last of them is usable: what is read right after this (the registry's "latest")
 * is then not a step's wait old when the writes go out. */
void registry_otp_reserve(const struct ns_totp_key *k, unsigned writes);

/* The code for the next write: a step taken by registry_otp_reserve that is still
 * usable, else a new one (waiting, with a countdown, until it is usable). refused:
 * the registry refused the last code, so the next one is a step it cannot have
 * seen. *waited: set to 1 when this call waited. */
int registry_otp_code(const struct ns_totp_key *k, int refused, char *otp, size_t cap,
                      int *waited, struct ns_err *err);

#endif
