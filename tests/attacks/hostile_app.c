/* A PAM application that answers everything pam_npmstage.so asks, as a hostile
 * sshd/login/sudo peer that controls its own conversation would: its binary
 * context prompt with a real pending approval id, its echo-off prompt with a
 * valid code. Prints "AUTH_OK" when pam_authenticate succeeds and "TOKEN" plus
 * what crossed when the module handed a token over. Used by stacked_service.sh.
 *   hostile_app SERVICE USER APPROVAL_ID CODE */
#include <security/pam_appl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *approval, *code;

static int
conv(int n, const struct pam_message **msgs, struct pam_response **resp, void *ud)
{
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	int i;

	(void)ud;
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		const struct pam_message *m = msgs[i];
		if (m->msg_style == PAM_BINARY_PROMPT) {
			const unsigned char *b = (const unsigned char *)m->msg;
			uint32_t len = (uint32_t)b[10] << 24 | (uint32_t)b[11] << 16 |
			               (uint32_t)b[12] << 8 | b[13];
			if (b[9] == 0x02 || b[9] == 0x03) {
				/* payload fields are NUL-separated: print them readable */
				printf("TOKEN type %d:", b[9]);
				for (uint32_t k = 0; k < len && k < 4096; k++)
					putchar(b[14 + k] ? b[14 + k] : ' ');
				putchar('\n');
				r[i].resp = strdup("ok"); /* what npm-release acknowledges */
			} else {
				r[i].resp = strdup(approval);
			}
		} else if (m->msg_style == PAM_PROMPT_ECHO_OFF || m->msg_style == PAM_PROMPT_ECHO_ON) {
			r[i].resp = strdup(code);
		} else {
			printf("msg: %s\n", m->msg ? m->msg : "");
		}
	}
	*resp = r;
	return PAM_SUCCESS;
}

int
main(int argc, char **argv)
{
	struct pam_conv c = { conv, NULL };
	pam_handle_t *pamh = NULL;
	int rc;

	if (argc != 5)
		return 2;
	approval = argv[3];
	code = argv[4];
	if (pam_start(argv[1], argv[2], &c, &pamh) != PAM_SUCCESS)
		return 2;
	rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS)
		rc = pam_acct_mgmt(pamh, 0);
	printf("%s %s\n", rc == PAM_SUCCESS ? "AUTH_OK" : "AUTH_FAILED", pam_strerror(pamh, rc));
	pam_end(pamh, rc);
	return rc == PAM_SUCCESS ? 0 : 1;
}
