/* One release of an approve, as named steps that a single approve and a release
 * train share: check it (locks, record, fetch, checks), record its approval after
 * the gate, publish it and confirm it is live. Every step prints what went wrong
 * and the caller stops. */
#include "config.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "approve_fetch.h"
#include "approve_member.h"
#include "checks.h"
#include "digest.h"
#include "eligibility.h"
#include "nslog.h"
#include "npm_name.h"
#include "pam_gate.h"
#include "previous.h"
#include "publish.h"
#include "publish_provenance.h"
#include "registry.h"
#include "registry_signature.h"
#include "session.h"
#include "spool.h"
#include "stage_record.h"
#include "statement.h"
#include "timings.h"
#include "token_store.h"

/* The verified signer in a ledger approve entry (the ledger escapes each %s). */
#define PROV_LEDGER "\"provenance\":{\"repository\":\"%s\",\"workflow\":\"%s\"," \
	"\"ref\":\"%s\",\"commit\":\"%s\",\"issuer\":\"%s\",\"bundle_sha256\":\"%s\"}"
#define PROV_LEDGER_ARGS(p) (p).repository, (p).workflow, (p).ref, (p).commit, (p).issuer, \
	(p).bundle_sha256

/* The read token (or none) for GETs that need one. */
static int
load_read_token(const struct session *s, char *buf, size_t cap, struct ns_err *err)
{
	buf[0] = '\0';
	if (s->cfg->read_token_file == NULL)
		return 0;
	return ns_read_token_load(s->cfg->read_token_file, buf, cap, err);
}

/* The registry serves name@version with bytes or a manifest nobody approved. Not
 * a failure to retry: the release becomes "compromised" (approve and reject refuse
 * it), the ledger records an "incident", syslog gets an alert. */
static void
incident(struct session *s, const struct ns_release *r, const char *what)
{
	ns_log(LOG_ALERT, "INCIDENT: %s@%s (%s) is live with bytes that were not approved: %s",
	       r->name, r->version, r->id, what);
	/* The ledger template escapes every %s into its JSON string. */
	if (session_transition(s, r->id, "publishing", "compromised", "incident",
	                       "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                       "\"approved_integrity\":\"%s\",\"live\":\"%s\"}",
	                       r->id, r->name, r->version, r->integrity, what) != 0)
		ns_log(LOG_ALERT, "INCIDENT: %s could not be recorded as compromised", r->id);
	fprintf(stderr, "npm-release: INCIDENT: %s@%s is live with bytes that were not approved "
	                "(%s); approved was %s. The release is marked compromised: deprecate or "
	                "unpublish that version on the registry and investigate the registry.\n",
	        r->name, r->version, what, r->integrity);
}

/* Publishes the checked bytes (the spool) with the checked package.json as the
 * version manifest, never a copy the registry holds. POST /-/stage/<id>/approve
 * has no body that could bind it to what was checked: the registry would publish
 * its own tarball and the manifest the stager uploaded, which nobody checked. So
 * a staged version is withdrawn first (the registry refuses a PUT over a staged
 * version) and the release's origin becomes "withdrawn" before that, so that an
 * interrupted run knows the stage is its to withdraw. Afterwards the live version
 * must carry exactly the approved integrity and manifest. Returns 0, -1, or
 * NS_PUBLISH_INCIDENT. */
static int
publish(struct session *s, struct ns_release *r, struct gate_token *tok,
        struct publish_bundle *bundle, struct ns_err *err)
{
	struct reg_client *c = NULL;
	char read_token[NS_TOKEN_MAX] = "", sri[NS_SRI_SHA512_LEN + 1], sha1[41];
	unsigned char *tgz = NULL;
	struct ns_digest *d;
	size_t len = 0;
	json_t *manifest = NULL;
	char *doc = NULL;
	int rc = -1, live;

	/* The manifest is parsed in a forked child: no secret may be in memory yet but
	 * the token, which is wiped on fork. */
	manifest = checks_manifest(s, r, err);
	if (manifest == NULL)
		goto out;
	/* The bytes in memory are the bytes checked: digest them once more here. */
	if (spool_read(s->st, r->id, &tgz, &len, err) != 0)
		goto out;
	d = ns_digest_new();
	if (d == NULL || ns_digest_update(d, tgz, len) != 0 || ns_digest_final(d, sri, sha1) != 0 ||
	    strcmp(sri, r->integrity) != 0 || strcmp(sha1, r->shasum) != 0) {
		ns_digest_free(d);
		ns_fail(err, "spooled bytes differ from the checked artifact; not publishing");
		goto out;
	}
	ns_digest_free(d);
	if (load_read_token(s, read_token, sizeof(read_token), err) != 0)
		goto out;
	if (publish_bundle_load(s, r, bundle, err) != 0)
		goto out;
	doc = publish_document(s->cfg->registry_url, manifest, r->tag, tgz, len, sri, sha1,
	                       bundle->data, bundle->len, bundle->media_type, err);
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (doc == NULL || c == NULL)
		goto out;
	if (strcmp(r->origin, NS_ORIGIN_REGISTRY) == 0) {
		if (ns_release_set_origin(s->st, r->id, "publishing", NS_ORIGIN_REGISTRY,
		                          NS_ORIGIN_WITHDRAWN, err) != 0) {
			ns_fail(err, "cannot record that stage %s is being withdrawn", r->id);
			goto out;
		}
		snprintf(r->origin, sizeof(r->origin), NS_ORIGIN_WITHDRAWN);
	}
	if (strcmp(r->origin, NS_ORIGIN_WITHDRAWN) == 0) {
		/* A rerun after a withdrawal that went through asks nothing of the
		 * registry again (a second DELETE costs a registry code, and some
		 * registries answer it badly). */
		int there = stage_record_exists(c, read_token[0] ? read_token : NULL, r->id, err);
		if (there < 0)
			goto out;
		if (there == 1) {
			fprintf(stderr, "withdrawing stage %s; publishing the checked bytes instead\n",
			        r->id);
			if (publish_stage_delete(c, s->cfg, r, tok, 1, err) != 0)
				goto out;
			session_ledger(s, "withdraw", "{\"id\":\"%s\",\"integrity\":\"%s\"}", r->id,
			               r->integrity);
		} else {
			fprintf(stderr, "stage %s was already withdrawn; publishing the checked bytes\n",
			        r->id);
		}
		session_step(s, r->id, "withdrawn");
	}
	rc = publish_put(c, s->cfg, r, manifest, doc, tok, read_token[0] ? read_token : NULL, err);
	if (rc != 0)
		goto out;
	session_step(s, r->id, "sent");
	/* 2xx is "accepted": report success only once the version is live with our bytes
	 * and our manifest. */
	live = publish_is_live(c, read_token[0] ? read_token : NULL, r, manifest, err);
	if (live == NS_LIVE_OTHER) {
		rc = NS_PUBLISH_INCIDENT;
	} else if (live != NS_LIVE_YES) {
		if (live == NS_LIVE_NO)
			ns_fail(err, "the registry accepted %s@%s but does not serve it (yet); a "
			             "later approve of %s confirms and records it", r->name, r->version,
			        r->id);
		rc = -1;
	}
out:
	explicit_bzero(read_token, sizeof(read_token));
	free(doc);
	free(tgz);
	json_decref(manifest);
	reg_free(c);
	return rc;
}

/* A release left in "publishing" by an approve that was killed or lost its answer
 * after the approval: the registry says whether the publish landed. Live with our
 * integrity and manifest: record it as published (1). Not there: back to "checked"
 * for a fresh approval (0), or, keep (its train can be resumed), left as it is
 * (2); a late-landing first publish then makes the registry
 * answer "already exists", which publish recognises, so nothing is published
 * twice. Live with anything else: an incident (NS_PUBLISH_INCIDENT). */
static int
reconcile(struct session *s, const struct ns_release *r, int keep, struct ns_err *err)
{
	struct reg_client *c;
	char read_token[NS_TOKEN_MAX] = "";
	json_t *manifest;
	int live = -1;

	fprintf(stderr, "an earlier approve of %s@%s (%s) stopped after its approval; asking "
	                "the registry whether it was published\n", r->name, r->version, r->id);
	manifest = checks_manifest(s, r, err);
	if (manifest == NULL)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c != NULL && load_read_token(s, read_token, sizeof(read_token), err) == 0)
		live = publish_is_live(c, read_token[0] ? read_token : NULL, r, manifest, err);
	explicit_bzero(read_token, sizeof(read_token));
	reg_free(c);
	json_decref(manifest);
	if (live < 0)
		return -1;
	if (live == NS_LIVE_OTHER)
		return NS_PUBLISH_INCIDENT;
	if (live == NS_LIVE_YES)
		return session_transition(s, r->id, "publishing", "published", "publish",
		                          "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
		                          "\"integrity\":\"%s\",\"reconciled\":true}",
		                          r->id, r->name, r->version, r->integrity) == 0 ? 1 :
		       ns_fail(err, "cannot record %s as published", r->id);
	if (keep) {
		/* the train it was approved in can be resumed: it stays "publishing" */
		fprintf(stderr, "%s@%s is not on the registry yet: the train's resumption "
		                "publishes it\n", r->name, r->version);
		return 2;
	}
	if (session_transition(s, r->id, "publishing", "checked", "publish-interrupted",
	                       "{\"id\":\"%s\"}", r->id) != 0)
		return ns_fail(err, "cannot reopen %s", r->id);
	fprintf(stderr, "%s@%s is not on the registry: it needs a fresh approval\n", r->name,
	        r->version);
	return 0;
}

/* One approve per name@version as well as per release: from the "already live"
 * check before the checks (or the reconciliation of an interrupted publish) to the
 * confirmation after publish (red team: two stages of one version approved at once
 * both passed that check, and the second publish raised an INCIDENT). */
static int
lock_version(struct session *s, const struct ns_release *r, int *fd)
{
	struct ns_err err;

	if (*fd >= 0)
		return 0;
	*fd = ns_state_lock_version(s->st, r->name, r->version, &err);
	if (*fd == -2)
		fprintf(stderr, "npm-release: another release of %s@%s is being approved (in "
		                "progress in another npm-release); nothing done\n", r->name, r->version);
	else if (*fd < 0)
		fprintf(stderr, "npm-release: %s\n", err.msg);
	return *fd >= 0 ? 0 : -1;
}

/* Before the gate: with min_approvers > 1 the same person twice does not count,
 * so a second approval by one approver is refused without asking for a factor. */
static int
already_approved_by_caller(struct session *s, const struct ns_release *r, struct ns_err *err)
{
	unsigned need = ns_config_min_approvers(s->cfg, r->name), have = 0;
	int mine = 0;

	if (need <= 1)
		return 0;
	if (ns_approvals_consumed(s->st, r->id, s->caller, &have, &mine, err) != 0)
		return -1;
	/* the quorum is complete but nothing was published (a train whose other member
	 * lacked approvers): any allowed approver's fresh factor publishes it */
	if (mine && have < need)
		return ns_fail(err, "%s already approved %s@%s (%u of %u approvers); a different "
		               "approver must approve it", s->caller, r->name, r->version, have,
		               need);
	return 0;
}

/* Prints why m stops here and keeps it for a train's report. */
int
approve_member_refuse(struct approve_member *m, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(m->why, sizeof(m->why), fmt, ap);
	va_end(ap);
	fprintf(stderr, "npm-release: %s\n", m->why);
	return -1;
}

void
approve_member_init(struct approve_member *m, const char *id)
{
	memset(m, 0, sizeof(*m));
	snprintf(m->id, sizeof(m->id), "%s", id);
	m->lock_fd = m->version_lock_fd = -1;
}

void
approve_member_free(struct approve_member *m)
{
	publish_bundle_clear(&m->bundle);
	ns_release_clear(&m->r);
	ns_approval_clear(&m->a);
	if (m->version_lock_fd >= 0)
		close(m->version_lock_fd);
	if (m->lock_fd >= 0)
		close(m->lock_fd);
	m->lock_fd = m->version_lock_fd = -1;
}

/* The release record as it stands, an interrupted publish reconciled: 0 to check,
 * 1 already live, -1 refused. */
static int
member_record(struct session *s, struct approve_member *m)
{
	struct ns_err err;
	struct ns_release *r = &m->r;
	int k, done;

	if (approve_guard_train(s, m) != 0)
		return -1;
	if (m->lock_fd < 0) /* a train takes its members' locks first, in one order */
		m->lock_fd = ns_state_lock_release(s->st, m->id, &err);
	if (m->lock_fd == -2)
		return approve_member_refuse(m, "%s is already being approved or rejected (in "
		                             "progress in another npm-release); nothing done", m->id);
	if (m->lock_fd < 0)
		return approve_member_refuse(m, "%s", err.msg);
	k = ns_release_get(s->st, m->id, r, &err);
	if (k < 0)
		return approve_member_refuse(m, "%s", err.msg);
	if (k == 0 && strcmp(r->status, "compromised") == 0)
		return approve_member_refuse(m, "%s@%s (%s) is compromised: the registry served "
		                             "it with bytes that were not approved (see the "
		                             "incident in npm-release log); it cannot be "
		                             "approved again", r->name, r->version, m->id);
	if (k == 0 && m->in_train && strcmp(r->status, "published") == 0) {
		/* a train's rerun: what went live before is done, not a failure */
		printf("+ %s@%s (%s) is live (published before)\n", r->name, r->version,
		       r->integrity);
		return 1;
	}
	if (k == 0 && (strcmp(r->status, "published") == 0 || strcmp(r->status, "rejected") == 0))
		return approve_member_refuse(m, "%s@%s (%s) was already %s (already approved)",
		                             r->name, r->version, m->id, r->status);
	if (k == 0 && strcmp(r->status, "publishing") == 0) {
		if (lock_version(s, r, &m->version_lock_fd) != 0)
			return approve_member_refuse(m, "%s@%s is locked by another approve",
			                             r->name, r->version);
		done = reconcile(s, r, m->resume, &err);
		if (done == NS_PUBLISH_INCIDENT) {
			incident(s, r, err.msg);
			snprintf(m->why, sizeof(m->why), "INCIDENT: live with bytes that were not "
			         "approved");
			return -1;
		}
		if (done < 0)
			return approve_member_refuse(m, "%s", err.msg);
		if (done == 1) {
			printf("+ %s@%s (%s) is live (recorded after an interrupted approve)\n", r->name,
			       r->version, r->integrity);
			return 1;
		}
		if (done == 2)
			return 2;
	}
	if (m->resume)
		return approve_member_refuse(m, "%s@%s (%s) is %s, not publishing: its train cannot be resumed",
		                             r->name, r->version, m->id, k == 0 ? r->status : "unknown");
	if (k == 1 || strcmp(r->origin, NS_ORIGIN_REGISTRY) == 0) {
		ns_release_clear(r);
		if (s->cfg->registry_url == NULL || s->cfg->registry_mode != NS_MODE_STAGE)
			return approve_member_refuse(m, "no local release %s (and no staging registry configured)",
			                             m->id);
		fprintf(stderr, "fetching stage %s from the registry\n", m->id);
		if (approve_fetch_stage(s, m->id, r, &err) != 0)
			return approve_member_refuse(m, "%s", err.msg);
	}
	return 0;
}

int
approve_member_check(struct session *s, struct approve_member *m)
{
	struct ns_release *r = &m->r;
	struct ns_err err;
	json_t *report = NULL;
	char *text = NULL;
	const char *status;
	int k, previous_fd, first_version = 0, rc = -1;

	/* Eligibility first: no lock, download, check or ledger entry for a caller
	 * who may not approve this package. */
	if (!m->eligible && eligibility_require_approver(s, m->id, "approve") != 0) {
		snprintf(m->why, sizeof(m->why), "%s may not approve it", s->caller);
		return -1;
	}
	k = member_record(s, m);
	if (k != 0)
		return k;
	session_step(s, m->id, "fetched");
	if (lock_version(s, r, &m->version_lock_fd) != 0) {
		snprintf(m->why, sizeof(m->why), "another release of %s@%s is being approved",
		         r->name, r->version);
		return -1;
	}
	if (approve_guard_version(s, m) != 0)
		return -1;
	if (already_approved_by_caller(s, r, &err) != 0)
		return approve_member_refuse(m, "%s", err.msg);
	fprintf(stderr, "checking %s@%s (%s)\n", r->name, r->version, r->integrity);
	previous_fd = previous_fetch(s, r, &first_version);
	if (previous_fd == -2) {
		/* latest would go back, or the registry could not be read (printed) */
		snprintf(m->why, sizeof(m->why), "the previous version could not be compared");
		return -1;
	}
	report = checks_run(s, r, previous_fd, first_version, &err);
	if (previous_fd >= 0)
		close(previous_fd);
	if (report == NULL) {
		session_ledger(s, "check", "{\"id\":\"%s\",\"result\":\"error\",\"error\":\"%s\"}",
		               m->id, err.msg);
		return approve_member_refuse(m, "checks could not run: %s", err.msg);
	}
	status = json_string_value(json_object_get(report, "result"));
	text = json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL || ns_release_set_report(s->st, m->id, strcmp(status, "pass") == 0 ?
	                                          "checked" : "failed", r->integrity, text,
	                                          &err) != 0) {
		approve_member_refuse(m, "%s", text ? err.msg : "out of memory");
		goto out;
	}
	checks_print(report);
	session_ledger(s, "check", "{\"id\":\"%s\",\"result\":\"%s\"}", m->id, status);
	if (strcmp(status, "pass") != 0) {
		approve_member_refuse(m, "checks failed; %s@%s cannot be approved", r->name, r->version);
		checks_failures(report, m->why, sizeof(m->why));
		/* A registry stage is downloaded afresh by every approve: a failed one's
		 * copy would only fill the root-owned spool (the record keeps the report). */
		if (strcmp(r->origin, NS_ORIGIN_REGISTRY) == 0)
			spool_remove(s->st, m->id);
		goto out;
	}
	session_step(s, m->id, "checked");
	ns_release_clear(r);
	if (ns_release_get(s->st, m->id, r, &err) != 0) {
		approve_member_refuse(m, "%s", err.msg);
		goto out;
	}
	rc = 0;
out:
	free(text);
	json_decref(report);
	return rc;
}

int
approve_member_approval(struct session *s, struct approve_member *m)
{
	struct ns_err err;

	if (ns_approval_create(s->st, s->cfg, &m->r, NS_ACTION_APPROVE, s->caller, time(NULL),
	                       &m->a, &err) != 0)
		return approve_member_refuse(m, "%s", err.msg);
	return 0;
}

int
approve_member_record(struct session *s, struct approve_member *m, const char *factor,
                      const char *proof, const struct gate_token *tok)
{
	struct ns_statement_provenance prov;
	struct ns_release *r = &m->r;
	int have_prov = ns_statement_provenance_from_report(r->report, &prov) == 1;

	snprintf(m->a.factor, sizeof(m->a.factor), "%s", factor);
	if (tok->recorded) {
		/* The module consumed this approval but the scope wants more approvers. */
		if (have_prov)
			session_ledger(s, "approve", "{\"id\":\"%s\",\"approval\":\"%s\","
			               "\"approver\":\"%s\",\"factor\":\"%s\",\"proof\":\"%s\","
			               "\"statement_sha256\":\"%s\",\"integrity\":\"%s\",\"approvers\":%u,"
			               "\"required\":%u," PROV_LEDGER "}", m->id, m->a.id, s->caller,
			               factor, proof, m->a.statement_sha256, r->integrity, tok->approvers,
			               tok->needed, PROV_LEDGER_ARGS(prov));
		else
			session_ledger(s, "approve", "{\"id\":\"%s\",\"approval\":\"%s\","
			               "\"approver\":\"%s\",\"factor\":\"%s\",\"proof\":\"%s\","
			               "\"statement_sha256\":\"%s\",\"integrity\":\"%s\",\"approvers\":%u,"
			               "\"required\":%u}", m->id, m->a.id, s->caller, factor, proof,
			               m->a.statement_sha256, r->integrity, tok->approvers, tok->needed);
		return 0;
	}
	/* From here a rerun reconciles with the registry instead of publishing blindly. */
	if (have_prov ?
	    session_transition(s, m->id, "checked", "publishing", "approve",
	                       "{\"id\":\"%s\",\"approval\":\"%s\",\"approver\":\"%s\","
	                       "\"factor\":\"%s\",\"proof\":\"%s\",\"statement_sha256\":\"%s\","
	                       "\"integrity\":\"%s\"," PROV_LEDGER "}", m->id, m->a.id,
	                       s->caller, factor, proof, m->a.statement_sha256, r->integrity,
	                       PROV_LEDGER_ARGS(prov)) :
	    session_transition(s, m->id, "checked", "publishing", "approve",
	                       "{\"id\":\"%s\",\"approval\":\"%s\",\"approver\":\"%s\","
	                       "\"factor\":\"%s\",\"proof\":\"%s\",\"statement_sha256\":\"%s\","
	                       "\"integrity\":\"%s\"}", m->id, m->a.id, s->caller, factor,
	                       proof, m->a.statement_sha256, r->integrity) != 0)
		return approve_member_refuse(m, "cannot record the approval of %s", m->id);
	session_step(s, m->id, "approved");
	return 0;
}

struct latest_recheck {
	struct session *s;
	const struct ns_release *r;
};

/* After a wait for a registry step between the re-read of "latest" and a write:
 * read it again, so that no write goes out on a read a step's wait old. */
static int
latest_recheck(void *arg, struct ns_err *err)
{
	struct latest_recheck *x = arg;
	int k = previous_latest_still_behind(x->s, x->r);

	if (k == 0)
		return 0;
	return ns_fail(err, k > 0 ? "while waiting for a registry step, \"latest\" moved past "
	                            "%s@%s" : "%s@%s: the registry's dist-tags could not be "
	                            "read again after waiting for a registry step",
	               x->r->name, x->r->version);
}

int
approve_member_publish(struct session *s, struct approve_member *m, struct gate_token *tok)
{
	struct latest_recheck recheck = { s, &m->r };
	struct ns_release *r = &m->r;
	struct ns_err err;
	int k, sig, package_lock;

	fprintf(stderr, "publishing %s@%s\n", r->name, r->version);
	/* from the re-read of latest to live, no other approve here publishes this
	 * package: a lower version approved at the same time waits, then sees the
	 * higher one live */
	package_lock = ns_state_lock_package(s->st, r->name, &err);
	if (package_lock < 0) {
		session_transition(s, m->id, "publishing", "checked", "publish-failed",
		                   "{\"id\":\"%s\",\"approval\":\"%s\"}", m->id, m->a.id);
		return approve_member_refuse(m, "%s", err.msg);
	}
	/* any wait for the registry's one-time password steps comes next: "latest"
	 * is read again right before the writes, not a step's wait before them (a
	 * withdrawal may be needed too: two writes) */
	publish_writes_begin(ns_state_dirfd(s->st), s->cfg, tok,
	                     strcmp(r->origin, NS_ORIGIN_LOCAL) == 0 ? 1 : 2);
	k = previous_latest_still_behind(s, r);
	if (k != 0) {
		publish_writes_end();
		close(package_lock);
		/* overtaken: the registry is fine, a train goes on with what does not
		 * depend on it; unread: a failure like any other, the train stops */
		session_transition(s, m->id, "publishing", "checked", "publish-refused",
		                   "{\"id\":\"%s\",\"approval\":\"%s\",\"reason\":\"%s\"}",
		                   m->id, m->a.id, k > 0 ? "latest" : "latest-unread");
		snprintf(m->why, sizeof(m->why), "%s: not published", k > 0 ?
		         "\"latest\" would go back" : "the registry's dist-tags could not be read again");
		return k > 0 ? APPROVE_MEMBER_OVERTAKEN : -1;
	}
	publish_recheck_after_wait(latest_recheck, &recheck);
	k = publish(s, r, tok, &m->bundle, &err);
	publish_recheck_after_wait(NULL, NULL);
	publish_writes_end();
	close(package_lock);
	if (k == NS_PUBLISH_INCIDENT) {
		incident(s, r, err.msg);
		snprintf(m->why, sizeof(m->why), "INCIDENT: live with bytes that were not approved");
		return -1;
	}
	if (k != 0) {
		session_transition(s, m->id, "publishing", "checked", "publish-failed",
		                   "{\"id\":\"%s\",\"approval\":\"%s\"}", m->id, m->a.id);
		return approve_member_refuse(m, "publish failed: %s", err.msg);
	}
	session_step(s, m->id, "live");
	if (session_transition(s, m->id, "publishing", "published", "publish",
	                       "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                       "\"integrity\":\"%s\",\"approval\":\"%s\"}",
	                       m->id, r->name, r->version, r->integrity, m->a.id) != 0)
		return approve_member_refuse(m, "%s@%s is live but could not be recorded", r->name, r->version);
	session_step(s, m->id, "recorded");
	printf("+ %s@%s (%s) is live\n", r->name, r->version, r->integrity);
	/* where the registry's signing keys are pinned, what it now serves must carry a
	 * signature that verifies: live and recorded either way, but a bad one exits 1 */
	sig = regsig_check_live(s, r);
	if (sig != 0)
		session_ledger(s, "registry-signature", "{\"id\":\"%s\",\"package\":\"%s\","
		               "\"version\":\"%s\",\"result\":\"%s\"}", m->id, r->name, r->version,
		               sig > 0 ? "unsigned" : "fail");
	if (publish_confirm_provenance(s, r, &m->bundle, &err) != 0)
		return approve_member_refuse(m, "%s", err.msg);
	if (sig < 0) {
		snprintf(m->why, sizeof(m->why), "the live version's registry signature failed");
		return -1;
	}
	return 0;
}
