/* Second factors. Only FIDO2 (a key on this host), ssh-sk (the approver's OpenSSH
 * security key, through their forwarded ssh-agent) and TOTP exist; SMS, voice, email, push and
 * anything unknown are refused wherever they are named (module arguments,
 * configuration, enrolment). */
#ifndef NS_FACTOR_H
#define NS_FACTOR_H

#include "nserr.h"

enum ns_factor {
	NS_FACTOR_TOTP = 1 << 0,
	NS_FACTOR_FIDO2 = 1 << 1,
	NS_FACTOR_SSHSK = 1 << 2,
};
#define NS_FACTOR_ALL (NS_FACTOR_TOTP | NS_FACTOR_FIDO2 | NS_FACTOR_SSHSK)

/* Parses one factor name. Returns the bit, or 0 with err set: a refused
 * factor (sms...) gets an explanation, an unknown one is named. */
unsigned ns_factor_parse(const char *name, struct ns_err *err);

/* Parses a list separated by spaces or commas into a bit set (0 on error). */
unsigned ns_factor_parse_list(const char *list, struct ns_err *err);

const char *ns_factor_name(unsigned bit);

#endif
