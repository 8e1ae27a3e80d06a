/* npm-release reject <id>: through the same gate as approve (the factor, the
 * approver policy, an approval statement with action "reject"), then DELETE
 * /-/stage/<id> on the registry, or drop the local spool. Rejecting needs no
 * passing checks: a bad release must be rejectable. */
#include "config.h"

#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "commands.h"
#include "eligibility.h"
#include "pam_gate.h"
#include "publish.h"
#include "registry.h"
#include "session.h"
#include "stage_record.h"
#include "token_store.h"

/* Registry stage not seen before: take its record (no download needed). */
static int
record_from_registry(struct session *s, const char *id, struct ns_release *r, struct ns_err *err)
{
	struct reg_client *c;
	char token[NS_TOKEN_MAX];
	int rc = -1;

	if (ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c != NULL && stage_record_fetch(c, token, id, r, err) == 0 &&
	    ns_release_insert(s->st, r, err) == 0)
		rc = 0;
	explicit_bzero(token, sizeof(token));
	reg_free(c);
	return rc;
}

static int
mark_rejected(struct session *s, const char *id, struct ns_err *err)
{
	static const char *const from[] = { "staged", "checked", "failed" };
	char name[NS_ID_MAX + 8];
	size_t i;
	int rc = 1;

	for (i = 0; i < 3 && rc == 1; i++)
		rc = ns_release_set_status(s->st, id, from[i], "rejected", err);
	if (rc != 0)
		return rc < 0 ? -1 : ns_fail(err, "release %s changed state meanwhile", id);
	snprintf(name, sizeof(name), "%s.tgz", id);
	unlinkat(ns_state_spoolfd(s->st), name, 0);
	return 0;
}

int
cmd_reject(int argc, char **argv)
{
	struct session s;
	struct ns_release r;
	struct ns_approval a;
	struct gate_token *tok = NULL;
	struct reg_client *c = NULL;
	struct ns_err err;
	char id[NS_ID_MAX];
	int rc = NS_EXIT_FAIL, k, remote, lock_fd = -1;

	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	if (argc != 2 || stage_id_normalize(argv[1], id) != 0) {
		fprintf(stderr, argc == 2 ? "npm-release: stage-id must be a valid UUID\n" :
		                            "usage: npm-release reject STAGE-ID\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, NS_SESSION_CREATE) != 0)
		return NS_EXIT_USAGE;
	if (eligibility_require_approver(&s, id, "reject") != 0) {
		session_close(&s);
		return NS_EXIT_FAIL;
	}
	tok = gate_token_new();
	if (tok == NULL) {
		fprintf(stderr, "npm-release: cannot allocate locked memory\n");
		goto out;
	}
	tok->answer_timeout = GATE_ANSWER_TIMEOUT(s.cfg->approval_ttl);
	/* as approve does: a release is approved or rejected by one npm-release at a
	 * time (a reject whose prompt outlived another approver's approve would report
	 * a release live on the registry as rejected) */
	lock_fd = ns_state_lock_release(s.st, id, &err);
	if (lock_fd < 0) {
		if (lock_fd == -2)
			fprintf(stderr, "npm-release: %s is already being approved or rejected (in "
			                "progress in another npm-release); nothing done\n", id);
		else
			fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	k = ns_release_get(s.st, id, &r, &err);
	if (k == 1 && s.cfg->registry_url != NULL && s.cfg->registry_mode == NS_MODE_STAGE)
		k = record_from_registry(&s, id, &r, &err);
	if (k != 0) {
		fprintf(stderr, "npm-release: %s\n", k == 1 ? "no such staged release" : err.msg);
		goto out;
	}
	if (strcmp(r.status, "compromised") == 0) {
		fprintf(stderr, "npm-release: %s@%s (%s) is compromised: the registry served it with "
		                "bytes that were not approved (see the incident in npm-release log); "
		                "rejecting it here would hide that: deprecate or unpublish it on the "
		                "registry\n", r.name, r.version, id);
		goto out;
	}
	if (strcmp(r.status, "published") == 0 || strcmp(r.status, "rejected") == 0) {
		fprintf(stderr, "npm-release: %s@%s (%s) was already %s\n", r.name, r.version, id,
		        r.status);
		goto out;
	}
	if (ns_approval_create(s.st, s.cfg, &r, NS_ACTION_REJECT, s.caller, time(NULL), &a,
	                       &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	tok->for_reject = 1;
	if (gate_run(s.cfg->service, s.caller, a.id, tok, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		session_ledger(&s, "deny", "{\"id\":\"%s\",\"approval\":\"%s\",\"action\":\"reject\","
		                           "\"approver\":\"%s\"}", id, a.id, s.caller);
		goto out;
	}
	/* A withdrawn stage may still be on the registry (its approve stopped before the
	 * withdrawal): delete it, and a stage already gone is fine. */
	remote = strcmp(r.origin, NS_ORIGIN_REGISTRY) == 0 ||
	         strcmp(r.origin, NS_ORIGIN_WITHDRAWN) == 0;
	if (remote) {
		int deleted;

		c = reg_new(s.cfg->registry_url, s.cfg->ca_file, s.cfg->registry_timeout, &err);
		publish_writes_begin(ns_state_dirfd(s.st), s.cfg, tok, 1);
		deleted = c != NULL && publish_stage_delete(c, s.cfg, &r, tok,
		                                            strcmp(r.origin, NS_ORIGIN_WITHDRAWN) == 0,
		                                            &err) == 0;
		publish_writes_end();
		if (!deleted) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			session_ledger(&s, "reject-failed", "{\"id\":\"%s\",\"approval\":\"%s\"}", id,
			               a.id);
			goto out;
		}
	}
	gate_token_free(tok);
	tok = NULL;
	if (mark_rejected(&s, id, &err) != 0) {
		fprintf(stderr, "npm-release: %s; not rejected here\n", err.msg);
		session_ledger(&s, "reject-failed", "{\"id\":\"%s\",\"approval\":\"%s\"}", id,
		               a.id);
		goto out;
	}
	session_ledger(&s, "reject", "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                             "\"approval\":\"%s\",\"approver\":\"%s\"}",
	               id, r.name, r.version, a.id, s.caller);
	printf("- %s@%s (%s) rejected%s\n", r.name, r.version, id, remote ? " on the registry" : "");
	rc = NS_EXIT_OK;
out:
	if (lock_fd >= 0)
		close(lock_fd);
	reg_free(c);
	gate_token_free(tok);
	ns_release_clear(&r);
	ns_approval_clear(&a);
	session_close(&s);
	return rc;
}
