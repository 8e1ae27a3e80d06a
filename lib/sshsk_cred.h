/* An enrolled ssh-sk key, one line of the approver's enrolment file:
 *   ssh-sk TYPE BASE64-BLOB uv=0|1
 * TYPE and BLOB as in an OpenSSH .pub line; uv=1 when the key verified the user
 * (PIN or biometric) at enrolment or the admin asked for it: every approval with
 * it must then carry UV too. The key's signature counter lives in the state's
 * counter records under ns_sshsk_cred_counter_id(). */
#ifndef NS_SSHSK_CRED_H
#define NS_SSHSK_CRED_H

#include <stddef.h>

#include "nserr.h"
#include "sshsk.h"

struct ns_sshsk_cred {
	struct ns_sshsk_key key;
	int uv;
	char fingerprint[64];	/* SHA256:..., as ssh-keygen -l prints it */
};

int ns_sshsk_cred_parse(const char *line, struct ns_sshsk_cred *c, struct ns_err *err);
int ns_sshsk_cred_format(const struct ns_sshsk_key *k, int uv, char *out, size_t cap,
                         struct ns_err *err);
/* The name of the key's counter record: "ssh-sk " + fingerprint. */
void ns_sshsk_cred_counter_id(const struct ns_sshsk_cred *c, char *out, size_t cap);

#endif
