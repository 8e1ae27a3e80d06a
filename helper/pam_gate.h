/* Runs the PAM service (pam_npmstage.so) for one approval and receives the
 * released token through the conversation, into locked, non-dumpable memory. */
#ifndef NS_PAM_GATE_H
#define NS_PAM_GATE_H

#include "nserr.h"
#include "token_store.h"

struct gate_token {
	struct ns_token tok;
	int received;
	/* Set instead of received when the approval counted but the scope needs more
	 * distinct approvers (NS_BP_RECORDED): approvers so far, and needed. */
	int recorded;
	unsigned approvers, needed;
	/* Set by the caller before gate_run: this gate is for a reject. Then the module
	 * may answer NS_BP_REJECTED (consumed, nothing crosses: a local release) and
	 * never NS_BP_RECORDED (a reject needs no quorum). */
	int for_reject;
	int rejected;
	/* Set by gate_run: the caller's ssh-agent, handed to the module on its
	 * NS_BP_AGENT request (-1: none). */
	int agent_fd;
	/* Set by the caller before gate_run: seconds each prompt waits for an answer,
	 * GATE_ANSWER_TIMEOUT(approval_ttl). The module refuses an answer that comes
	 * after the approval expired, with its own message; the prompt gives up a little
	 * later, so that it never races that check, and the release's lock goes. */
	unsigned answer_timeout;
};

#define GATE_ANSWER_GRACE 30
#define GATE_ANSWER_TIMEOUT(ttl) ((ttl) + GATE_ANSWER_GRACE)

/* mmap'd, mlock'd, MADV_DONTDUMP; NULL on failure. */
struct gate_token *gate_token_new(void);
void gate_token_free(struct gate_token *t);

/* pam_start(service, user) + authenticate + acct_mgmt for approval_id. 0 only when
 * both succeed and the token arrived for this approval, or the module recorded it
 * as one of several approvals needed (tok->recorded), or consumed a local reject
 * (tok->rejected). */
int gate_run(const char *service, const char *user, const char *approval_id,
             struct gate_token *tok, struct ns_err *err);

/* Reads one line from the terminal (stdin) with echo off, within timeout seconds;
 * for the factor's and the registry OTP prompts. Returns 0 and a NUL-terminated
 * answer; -1 on an empty, over-long or late answer, or end of input. */
int gate_read_secret(const char *prompt, char *out, size_t cap, unsigned timeout);

#endif
