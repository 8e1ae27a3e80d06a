/* Approver enrolments: state_dir/approvers/<user>, root-owned 0600, one factor a
 * line: "totp ALGO DIGITS PERIOD BASE32", "fido2 ALG ID PK UV" or
 * "ssh-sk TYPE BASE64-BLOB uv=0|1 zero=0|1" (lib/sshsk_cred.h). Any other factor
 * word (sms, voice, email...) makes the whole file refused, never skipped. */
#ifndef NS_APPROVER_H
#define NS_APPROVER_H

#include <stddef.h>

#include "nserr.h"
#include "state.h"
#include "totp.h"

#define NS_MAX_CREDS 16
#define NS_APPROVER_MAX_SIZE 16384

struct ns_approver {
	char user[33];
	int has_totp;
	struct ns_totp_key totp;
	char *fido2[NS_MAX_CREDS];  /* the "fido2 ..." lines, parsed by nsfido2 */
	size_t n_fido2;
	char *sshsk[NS_MAX_CREDS];  /* the "ssh-sk ..." lines, parsed by sshsk_cred */
	size_t n_sshsk;
};

/* A user name that is also a safe file name: [a-z_][a-z0-9_.-]{0,31}. */
int ns_user_name_valid(const char *user);

int ns_approver_parse(const char *text, const char *user, struct ns_approver *a,
                      struct ns_err *err);
/* 0 loaded, 1 not enrolled, -1 error (bad owner/mode/link, refused factor...). */
int ns_approver_load(struct ns_state *st, const char *user, struct ns_approver *a,
                     struct ns_err *err);
int ns_approver_save(struct ns_state *st, const struct ns_approver *a, struct ns_err *err);
void ns_approver_wipe(struct ns_approver *a);

#endif
