#include "config.h"

#include <jansson.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <unistd.h>

#include "commands.h"
#include "hardening.h"
#include "nslog.h"
#include "privsep.h"
#include "session.h"

const char *session_config_path = NS_DEFAULT_CONFIG;

int
session_open(struct session *s, int create_state)
{
	struct ns_err err;

	memset(s, 0, sizeof(*s));
	if (caller_name(s->caller, sizeof(s->caller)) != 0) {
		fprintf(stderr, "npm-release: cannot determine the calling user\n");
		return -1;
	}
	s->caller_is_root = caller_uid() == 0;
	s->cfg = ns_config_load(session_config_path, &err);
	if (s->cfg == NULL) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		return -1;
	}
	if (!session_is_member(s)) {
		/* Outsiders learn nothing from the state: not the releases, not the ledger. */
		fprintf(stderr, "npm-release: %s is neither an approver nor a stager on this host\n",
		        s->caller);
		ns_log(LOG_WARNING, "refused %s (uid %ld): not an approver or stager", s->caller,
		       (long)caller_uid());
		ns_config_free(s->cfg);
		s->cfg = NULL;
		exit(NS_EXIT_FAIL); /* a denial (1), not a usage error */
	}
	/* A member: from here on all our ids are root's, so the caller can no longer
	 * stop, kill or trace us while we hold a lock, a transaction or a token. */
	if (become_root() != 0) {
		ns_config_free(s->cfg);
		s->cfg = NULL;
		return -1;
	}
	if (privsep_set_user(s->cfg->check_user) != 0) {
		fprintf(stderr, "npm-release: [npmstage] check_user must name a non-root user\n");
		ns_config_free(s->cfg);
		s->cfg = NULL;
		return -1;
	}
	if (ns_state_open(s->cfg->state_dir, create_state, &s->st, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		ns_config_free(s->cfg);
		s->cfg = NULL;
		return -1;
	}
	return 0;
}

void
session_close(struct session *s)
{
	ns_state_close(s->st);
	ns_config_free(s->cfg);
	memset(s, 0, sizeof(*s));
}

int
session_is_member(const struct session *s)
{
	size_t i;

	if (s->caller_is_root || session_may_stage(s))
		return 1;
	for (i = 0; i < s->cfg->n_scopes; i++)
		if (ns_scope_allows(&s->cfg->scopes[i], s->caller))
			return 1;
	return 0;
}

int
session_may_stage(const struct session *s)
{
	struct ns_scope stagers;
	size_t i;

	if (s->caller_is_root)
		return 1;
	memset(&stagers, 0, sizeof(stagers));
	for (i = 0; i < s->cfg->n_stagers && i < NS_MAX_NAMES; i++)
		stagers.approvers[i] = s->cfg->stagers[i];
	stagers.n_approvers = i;
	return ns_scope_allows(&stagers, s->caller);
}

int
session_ledger(struct session *s, const char *event, const char *fmt, ...)
{
	char data[4096];
	struct ns_err err;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(data, sizeof(data), fmt, ap);
	va_end(ap);
	if (ns_ledger_append(s->st, event, data, &err) != 0) {
		fprintf(stderr, "npm-release: ledger: %s\n", err.msg);
		ns_log(LOG_ERR, "ledger append failed: %s", err.msg);
		return -1;
	}
	ns_log(LOG_NOTICE, "%s %s", event, data);
	return 0;
}

int
session_transition(struct session *s, const char *id, const char *from, const char *to,
                   const char *event, const char *fmt, ...)
{
	char data[4096];
	struct ns_err err;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	vsnprintf(data, sizeof(data), fmt, ap);
	va_end(ap);
	rc = ns_release_transition(s->st, id, from, to, event, data, &err);
	if (rc != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		ns_log(LOG_ERR, "%s %s -> %s failed: %s", id, from, to, err.msg);
		return rc;
	}
	ns_log(LOG_NOTICE, "%s %s", event, data);
	return 0;
}

void
session_step(const struct session *s, const char *id, const char *step)
{
	ns_log(LOG_INFO, "approve %s: step %s", id, step);
	if (s->cfg->debug_stop_at != NULL && strcmp(s->cfg->debug_stop_at, step) == 0) {
		fprintf(stderr, "npm-release: [debug] stop_at = %s: process %ld stops here\n", step,
		        (long)getpid());
		fflush(stderr);
		raise(SIGSTOP);
	}
}
