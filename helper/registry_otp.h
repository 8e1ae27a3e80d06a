/* The registry's one-time passwords from the release account's stored seed
 * ([registry] otp = stored): which single-use step each write uses. */
#ifndef NS_REGISTRY_OTP_H
#define NS_REGISTRY_OTP_H

#include <stddef.h>

#include "nserr.h"
#include "totp.h"

/* The registry writes of one approve (a withdrawal and a publish, or one of
 * them): takes the lock of state_dir's registry-otp.step, which keeps the last
 * step taken so that the next write, here or in another approve, uses a later
 * one (waiting, saying so, while another approve writes); takes `writes`
 * consecutive steps under it, and waits until the last of them is usable. The
 * lock is held until registry_otp_end, so that no other approve sends a later
 * step first (the registry would then refuse these), and what is read after this
 * (the registry's "latest") is not a step's wait old when the writes go out. */
void registry_otp_begin(int state_dirfd, const struct ns_totp_key *k, unsigned writes);

/* Releases the lock and forgets the steps not used. */
void registry_otp_end(void);

/* The code for the next write: a step taken by registry_otp_begin that is still
 * usable, else a new one, under the lock (waiting, with a countdown, until it is
 * usable). refused: the registry refused the last code, so the next one is a step
 * it cannot have seen. *waited: set to 1 when this call waited. */
int registry_otp_code(const struct ns_totp_key *k, int refused, char *otp, size_t cap,
                      int *waited, struct ns_err *err);

#endif
