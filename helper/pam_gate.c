#include "config.h"

#include <security/pam_appl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <errno.h>
#include <poll.h>
#include <sys/mman.h>
#include <time.h>
#include <termios.h>
#include <unistd.h>

#include "agent.h"
#include "handoff.h"
#include "nslog.h"
#include "pam_gate.h"

struct gate_ctx {
	const char *approval_id;
	struct gate_token *tok;
};

struct gate_token *
gate_token_new(void)
{
	struct gate_token *t;

	t = mmap(NULL, sizeof(*t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
	if (t == MAP_FAILED)
		return NULL;
	/* Never swapped, never in a core dump. mlock can fail under RLIMIT_MEMLOCK for
	 * unprivileged test runs; DONTDUMP must not. */
	(void)mlock(t, sizeof(*t));
	/* Nor in a forked parser child (privsep). */
	if (madvise(t, sizeof(*t), MADV_DONTDUMP) != 0 ||
	    madvise(t, sizeof(*t), MADV_WIPEONFORK) != 0) {
		munmap(t, sizeof(*t));
		return NULL;
	}
	memset(t, 0, sizeof(*t));
	t->agent_fd = -1;
	return t;
}

void
gate_token_free(struct gate_token *t)
{
	if (t == NULL)
		return;
	explicit_bzero(t, sizeof(*t));
	munlock(t, sizeof(*t));
	munmap(t, sizeof(*t));
}

/* Milliseconds left until deadline (CLOCK_MONOTONIC seconds), 0 once past. */
static int
ms_left(const struct timespec *deadline)
{
	struct timespec now;
	long long ms;

	clock_gettime(CLOCK_MONOTONIC, &now);
	ms = (long long)(deadline->tv_sec - now.tv_sec) * 1000 +
	     (deadline->tv_nsec - now.tv_nsec) / 1000000;
	return ms <= 0 ? 0 : ms > 86400000 ? 86400000 : (int)ms;
}

/* One byte from stdin before the deadline: 1, or 0 on end of input, error or time out
 * (*timed_out set). */
static int
read_byte(const struct timespec *deadline, unsigned char *ch, int *timed_out)
{
	struct pollfd p = { STDIN_FILENO, POLLIN, 0 };

	for (;;) {
		int ms = ms_left(deadline), k;
		if (ms == 0) {
			*timed_out = 1;
			return 0;
		}
		k = poll(&p, 1, ms);
		if (k < 0 && errno == EINTR)
			continue;
		if (k < 0)
			return 0;
		if (k == 0)
			continue; /* ms_left says whether the deadline passed */
		return read(STDIN_FILENO, ch, 1) == 1;
	}
}

int
gate_read_secret(const char *prompt, char *out, size_t cap, unsigned timeout)
{
	struct termios old, quiet;
	struct timespec deadline;
	int tty = isatty(STDIN_FILENO), c, timed_out = 0;
	size_t n = 0;

	fputs(prompt, stderr);
	fflush(stderr);
	if (tty && tcgetattr(STDIN_FILENO, &old) == 0) {
		quiet = old;
		quiet.c_lflag &= ~(tcflag_t)(ECHO | ECHONL);
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &quiet);
	} else {
		tty = 0;
	}
	/* Unbuffered byte reads: nothing of the answer lingers in a stdio buffer. A
	 * deadline, because an unanswered prompt holds the release's lock. */
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += timeout;
	for (;;) {
		unsigned char ch;
		if (read_byte(&deadline, &ch, &timed_out) != 1) {
			c = EOF;
			n = timed_out ? 0 : n;
			break;
		}
		c = ch;
		if (c == '\n')
			break;
		if (n + 1 >= cap) {
			c = EOF; /* over-long: refuse */
			n = 0;
			break;
		}
		out[n++] = (char)c;
	}
	if (tty)
		tcsetattr(STDIN_FILENO, TCSAFLUSH, &old);
	fputc('\n', stderr);
	if (timed_out)
		fprintf(stderr, "npm-release: no answer within %u seconds\n", timeout);
	out[n] = '\0';
	if (n > 0 && out[n - 1] == '\r')
		out[--n] = '\0';
	if (n == 0) {
		explicit_bzero(out, cap);
		return -1;
	}
	(void)c;
	return 0;
}

static int
answer_binary(struct gate_ctx *g, const struct pam_message *m, struct pam_response *r)
{
	const unsigned char *payload;
	const char *approval, *token, *otp_line;
	struct ns_err err;
	size_t plen;
	int type;

	if (ns_bp_decode(m->msg, &type, &payload, &plen) != 0)
		return -1;
	if (type == NS_BP_CONTEXT) {
		r->resp = strdup(g->approval_id);
		return r->resp != NULL ? 0 : -1;
	}
	if (type == NS_BP_AGENT) {
		char num[16];
		snprintf(num, sizeof(num), "%d", g->tok->agent_fd);
		r->resp = strdup(g->tok->agent_fd >= 0 ? num : "none");
		return r->resp != NULL ? 0 : -1;
	}
	if (type == NS_BP_REJECTED && g->tok->for_reject && !g->tok->received &&
	    !g->tok->rejected) {
		if (plen == 0 || payload[plen - 1] != '\0' || strlen((const char *)payload) + 1 != plen ||
		    strcmp((const char *)payload, g->approval_id) != 0)
			return -1;
		g->tok->rejected = 1;
		r->resp = strdup("ok");
		return r->resp != NULL ? 0 : -1;
	}
	if (type == NS_BP_RECORDED && !g->tok->for_reject && !g->tok->received &&
	    !g->tok->recorded) {
		const char *have, *need;
		if (ns_bp_token_fields(payload, plen, &approval, &have, &need) != 0 ||
		    strcmp(approval, g->approval_id) != 0 ||
		    strspn(have, "0123456789") != strlen(have) || strlen(have) == 0 ||
		    strlen(have) > 2 || strspn(need, "0123456789") != strlen(need) ||
		    strlen(need) == 0 || strlen(need) > 2)
			return -1;
		g->tok->approvers = (unsigned)atoi(have);
		g->tok->needed = (unsigned)atoi(need);
		g->tok->recorded = 1;
		r->resp = strdup("ok");
		return r->resp != NULL ? 0 : -1;
	}
	if (type != NS_BP_TOKEN || g->tok->received || g->tok->recorded || g->tok->rejected)
		return -1;
	if (ns_bp_token_fields(payload, plen, &approval, &token, &otp_line) != 0 ||
	    strcmp(approval, g->approval_id) != 0 || strlen(token) >= sizeof(g->tok->tok.token) ||
	    token[0] == '\0')
		return -1;
	memcpy(g->tok->tok.token, token, strlen(token) + 1);
	if (otp_line[0] != '\0') {
		if (ns_totp_key_parse(otp_line, &g->tok->tok.otp, &err) != 0) {
			explicit_bzero(&g->tok->tok, sizeof(g->tok->tok));
			return -1;
		}
		g->tok->tok.has_otp = 1;
	}
	g->tok->received = 1;
	r->resp = strdup("ok");
	return r->resp != NULL ? 0 : -1;
}

static int
conversation(int n, const struct pam_message **msgs, struct pam_response **resp, void *ud)
{
	struct gate_ctx *g = ud;
	struct pam_response *r;
	char line[256], clean[4096];
	int i;

	if (n <= 0 || n > 32)
		return PAM_CONV_ERR;
	r = calloc((size_t)n, sizeof(*r));
	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		const struct pam_message *m = msgs[i];
		switch (m->msg_style) {
		case PAM_PROMPT_ECHO_OFF:
		case PAM_PROMPT_ECHO_ON:
			ns_sanitize(clean, sizeof(clean), m->msg ? m->msg : "");
			if (gate_read_secret(clean, line, sizeof(line), g->tok->answer_timeout) != 0)
				goto fail;
			r[i].resp = strdup(line);
			explicit_bzero(line, sizeof(line));
			if (r[i].resp == NULL)
				goto fail;
			break;
		case PAM_TEXT_INFO:
		case PAM_ERROR_MSG:
			/* The module already sanitized; multi-line summaries keep their newlines. */
			fprintf(stderr, "%s\n", m->msg ? m->msg : "");
			break;
		case PAM_BINARY_PROMPT:
			if (answer_binary(g, m, &r[i]) != 0)
				goto fail;
			break;
		default:
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++) {
		if (r[i].resp != NULL) {
			explicit_bzero(r[i].resp, strlen(r[i].resp));
			free(r[i].resp);
		}
	}
	free(r);
	return PAM_CONV_ERR;
}

static void
close_agent(struct gate_token *tok)
{
	if (tok->agent_fd >= 0)
		close(tok->agent_fd);
	tok->agent_fd = -1;
}

int
gate_run(const char *service, const char *user, const char *approval_id, struct gate_token *tok,
         struct ns_err *err)
{
	struct gate_ctx g = { approval_id, tok };
	struct pam_conv conv = { conversation, &g };
	pam_handle_t *pamh = NULL;
	int rc;

	/* the caller's agent, for an ssh-sk approver: refused outright when it is not
	 * the caller's (someone else's forwarded socket) */
	if (caller_agent_open(&tok->agent_fd, err) < 0)
		return -1;
	rc = pam_start(service, user, &conv, &pamh);
	if (rc != PAM_SUCCESS) {
		close_agent(tok);
		return ns_fail(err, "pam_start(%s): %s", service, pam_strerror(pamh, rc));
	}
	rc = pam_authenticate(pamh, 0);
	if (rc == PAM_SUCCESS) {
		rc = pam_acct_mgmt(pamh, 0);
		/* the factor was accepted, then the account step refused: what was approved
		 * changed meanwhile (a release rejected or restaged at the prompt), or the
		 * approver lost their place in a scope */
		if (rc != PAM_SUCCESS)
			ns_fail(err, "approval denied after the factor by the account check (%s): a "
			        "release changed state while the prompt was open, or %s is no longer "
			        "its approver; nothing is published (see syslog)",
			        pam_strerror(pamh, rc), user);
	} else {
		ns_fail(err, "approval denied: %s", pam_strerror(pamh, rc));
	}
	close_agent(tok);
	if (rc != PAM_SUCCESS) {
		pam_end(pamh, rc);
		explicit_bzero(&tok->tok, sizeof(tok->tok));
		tok->received = 0;
		tok->recorded = 0;
		tok->rejected = 0;
		return -1;
	}
	pam_end(pamh, rc);
	if (!tok->received && !tok->recorded && !tok->rejected)
		return ns_fail(err, "approval denied: the PAM stack succeeded but released no "
		                    "token (is pam_npmstage.so in the %s service?)", service);
	return 0;
}
