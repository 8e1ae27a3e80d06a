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
#include "timings.h"

const char *session_config_path = NS_DEFAULT_CONFIG;

int
session_open(struct session *s, int flags)
{
	int create_state = (flags & NS_SESSION_CREATE) != 0;
	struct ns_err err;

	memset(s, 0, sizeof(*s));
	if (caller_name(s->caller, sizeof(s->caller)) != 0) {
		fprintf(stderr, "npm-release: cannot determine the calling user\n");
		return -1;
	}
	s->caller_is_root = caller_uid() == 0;
	/* sudo ran us as root for this human: for an administrative command the
	 * sudoers policy, root's own, decided that they may run it (the shipped one
	 * grants none). Every other command holds them to the setuid route's rule:
	 * an approver or a stager, or nothing. */
	s->caller_is_admin = s->caller_is_root || ((flags & NS_SESSION_ADMIN) && caller_via_sudo());
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
	/* the parsers' parent, forked before any token is read (privsep.h) */
	if (privsep_start(s->cfg->debug_stop_at) != 0) {
		fprintf(stderr, "npm-release: cannot start the check process\n");
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

	if (s->caller_is_admin || session_may_stage(s))
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

/* Ledger data is written at the call sites as a printf template of a JSON object
 * ("{\"id\":\"%s\",\"n\":%u}"), and the values in it are names from NSS, the
 * package and the registry. So the template is interpreted here, not by printf:
 * each %s must sit inside a string of the template and its value is JSON-escaped
 * (a quote, a backslash or a newline in a user or package name can neither end the
 * string nor add a key; invalid UTF-8 becomes U+FFFD); %d %u %ld %lu %lld %llu %zu
 * print numbers; anything else is refused, and the result must parse as one JSON
 * object. Returns malloc'd text, or NULL with err set. */
#define LEDGER_DATA_MAX (256 * 1024) /* a train entry holds its statement */

static void
json_escape_into(FILE *f, const char *v)
{
	const unsigned char *s = (const unsigned char *)(v != NULL ? v : "");
	size_t n;

	while (*s != '\0') {
		n = ns_utf8_len(s);
		if (n == 0) {
			fputs("\\ufffd", f);
			s++;
			continue;
		}
		if (*s == '"' || *s == '\\')
			fprintf(f, "\\%c", *s);
		else if (*s < 0x20 || *s == 0x7f)
			fprintf(f, "\\u%04x", *s);
		else
			fwrite(s, 1, n, f);
		s += n;
	}
}

static char *
ledger_vjson(const char *fmt, va_list ap, struct ns_err *err)
{
	char *text = NULL;
	size_t len = 0;
	FILE *f = open_memstream(&text, &len);
	const char *p;
	int in_string = 0, ok = 1;
	json_t *check;

	if (f == NULL) {
		ns_fail(err, "out of memory");
		return NULL;
	}
	for (p = fmt; ok && *p != '\0'; p++) { /* ok first: a bad % may sit on the NUL */
		char lm[3] = "";
		size_t nl = 0;

		if (*p != '%') {
			if (in_string && *p == '\\' && p[1] != '\0')
				fputc(*p++, f); /* an escape in the template itself */
			else if (*p == '"')
				in_string = !in_string;
			fputc(*p, f);
			continue;
		}
		p++;
		if (*p == '%') {
			fputc('%', f);
			continue;
		}
		while ((*p == 'l' || *p == 'z') && nl < 2)
			lm[nl++] = *p++;
		if (*p == 's' && nl == 0 && in_string)
			json_escape_into(f, va_arg(ap, const char *));
		else if (*p == 'd' && nl == 0)
			fprintf(f, "%d", va_arg(ap, int));
		else if (*p == 'u' && nl == 0)
			fprintf(f, "%u", va_arg(ap, unsigned));
		else if (*p == 'd' && strcmp(lm, "l") == 0)
			fprintf(f, "%ld", va_arg(ap, long));
		else if (*p == 'u' && strcmp(lm, "l") == 0)
			fprintf(f, "%lu", va_arg(ap, unsigned long));
		else if (*p == 'd' && strcmp(lm, "ll") == 0)
			fprintf(f, "%lld", va_arg(ap, long long));
		else if (*p == 'u' && strcmp(lm, "ll") == 0)
			fprintf(f, "%llu", va_arg(ap, unsigned long long));
		else if (*p == 'u' && strcmp(lm, "z") == 0)
			fprintf(f, "%zu", va_arg(ap, size_t));
		else
			ok = 0;
	}
	if (fclose(f) != 0 || text == NULL) {
		free(text);
		ns_fail(err, "out of memory");
		return NULL;
	}
	if (!ok || len > LEDGER_DATA_MAX) {
		free(text);
		ns_fail(err, "ledger data template %.60s is not supported (%s)", fmt,
		        ok ? "too long" : "a %s outside a JSON string, or an unknown conversion");
		return NULL;
	}
	check = json_loads(text, JSON_REJECT_DUPLICATES, NULL);
	ok = json_is_object(check);
	json_decref(check);
	if (!ok) {
		free(text);
		ns_fail(err, "ledger data from template %.60s is not a JSON object", fmt);
		return NULL;
	}
	return text;
}

int
session_ledger(struct session *s, const char *event, const char *fmt, ...)
{
	char *data;
	struct ns_err err;
	va_list ap;

	va_start(ap, fmt);
	data = ledger_vjson(fmt, ap, &err);
	va_end(ap);
	if (data == NULL || ns_ledger_append(s->st, event, data, &err) != 0) {
		fprintf(stderr, "npm-release: ledger: %s\n", err.msg);
		ns_log(LOG_ERR, "ledger append of %s failed: %s", event, err.msg);
		free(data);
		return -1;
	}
	ns_log(LOG_NOTICE, "%s %s", event, data);
	free(data);
	return 0;
}

int
session_transition(struct session *s, const char *id, const char *from, const char *to,
                   const char *event, const char *fmt, ...)
{
	char *data;
	struct ns_err err;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	data = ledger_vjson(fmt, ap, &err);
	va_end(ap);
	if (data == NULL) {
		fprintf(stderr, "npm-release: ledger: %s\n", err.msg);
		ns_log(LOG_ERR, "%s %s -> %s not done: %s", id, from, to, err.msg);
		return -1;
	}
	rc = ns_release_transition(s->st, id, from, to, event, data, &err);
	if (rc != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		ns_log(LOG_ERR, "%s %s -> %s failed: %s", id, from, to, err.msg);
		free(data);
		return rc;
	}
	ns_log(LOG_NOTICE, "%s %s", event, data);
	free(data);
	return 0;
}

void
session_step(const struct session *s, const char *id, const char *step)
{
	ns_log(LOG_INFO, "approve %s: step %s", id, step);
	timings_mark(step);
	if (s->cfg->debug_stop_at != NULL && strcmp(s->cfg->debug_stop_at, step) == 0) {
		fprintf(stderr, "npm-release: [debug] stop_at = %s: process %ld stops here\n", step,
		        (long)getpid());
		fflush(stderr);
		raise(SIGSTOP);
	}
}
