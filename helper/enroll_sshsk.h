/* npm-release enroll ssh-sk (enroll_sshsk.c); cmd_enroll.c parses the arguments
 * and holds the session and the approver's enrolment. */
#ifndef NS_ENROLL_SSHSK_H
#define NS_ENROLL_SSHSK_H

#include <stddef.h>

#include "approver.h"
#include "session.h"

/* Adds a key to a (saved, with a ledger entry): key_line from --key, else the
 * caller's agent (fingerprint chooses among its keys; NULL: the only one, or ask). */
int enroll_sshsk(struct session *s, struct ns_approver *a, const char *key_line,
                 const char *fingerprint, int require_uv);
void enroll_sshsk_list(const struct ns_approver *a);
/* Removes all keys (prefix NULL) or the one whose fingerprint starts with prefix;
 * removed names it. 0, -1 no match, -2 several match. a is not saved. */
int enroll_sshsk_remove(struct ns_approver *a, const char *prefix, char *removed, size_t cap);

#endif
