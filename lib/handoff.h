/* Module <-> helper messages over the PAM conversation, as PAM_BINARY_PROMPT
 * (a Linux-PAM extension). Generic applications (sshd, su, pamtester) do not
 * answer binary prompts, so outside npm-release the module has no approval
 * context and denies. The token crosses only here: in memory, in-process.
 *
 * Wire: "NPMSTAGE" | version (1) | type (1) | payload length (u32 BE) | payload */
#ifndef NS_HANDOFF_H
#define NS_HANDOFF_H

#include <stddef.h>

#include "nserr.h"

#define NS_BP_VERSION 1
#define NS_BP_CONTEXT 0x01  /* module asks which approval; reply: approval id */
#define NS_BP_TOKEN 0x02    /* module hands over: approval id NUL token NUL otp-line NUL */
/* The approval was consumed but the scope needs more distinct approvers
 * (min_approvers): no token crosses. approval id NUL approvers-so-far NUL needed NUL */
#define NS_BP_RECORDED 0x03
/* A reject approval was consumed and nothing else is needed (a local release: the
 * helper only drops its spool): no token crosses. approval id NUL */
#define NS_BP_REJECTED 0x04
/* The module asks for the ssh-agent the helper connected to as the approver;
 * reply: the descriptor's number in decimal, or "none". */
#define NS_BP_AGENT 0x05
#define NS_BP_HEADER 14
#define NS_BP_MAX_PAYLOAD 16384

/* Returns a malloc'd message (wipe with ns_free_secret(msg, *len)). */
unsigned char *ns_bp_encode(int type, const void *payload, size_t plen, size_t *len);

/* Validates msg (magic, version, length bound). Returns 0 and sets type/payload/plen. */
int ns_bp_decode(const void *msg, int *type, const unsigned char **payload, size_t *plen);

/* Splits a token payload into its three NUL-terminated fields (pointers into payload). */
int ns_bp_token_fields(const unsigned char *payload, size_t plen, const char **approval,
                       const char **token, const char **otp_line);

#endif
