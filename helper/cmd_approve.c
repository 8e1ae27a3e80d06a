/* npm-release approve <id>: fetch (or take from the spool) the exact bytes, check
 * them, bind an approval statement to them, pass the PAM gate, publish those
 * bytes with the token the gate released, confirm they are live, record it. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "checks.h"
#include "previous.h"
#include "commands.h"
#include "digest.h"
#include "nslog.h"
#include "pam_gate.h"
#include "publish.h"
#include "registry.h"
#include "session.h"
#include "stage_record.h"
#include "spool.h"
#include "token_store.h"
#include "uuid.h"
#include "npm_name.h"

/* Downloads the staged tarball into the spool; its sha1 must be the record's. */
static int
fetch_tarball(struct session *s, struct reg_client *c, const char *token, struct ns_release *r,
              struct ns_err *err)
{
	struct ns_digest *d = ns_digest_new();
	char tmp[64], path[128], sri[NS_SRI_SHA512_LEN + 1], sha1[41];
	long long n;
	long status;
	int fd;

	if (d == NULL)
		return ns_fail(err, "out of memory");
	fd = spool_tmp_open(s->st, tmp, sizeof(tmp), err);
	if (fd < 0) {
		ns_digest_free(d);
		return -1;
	}
	snprintf(path, sizeof(path), "/-/stage/%s/tarball", r->id);
	n = reg_download(c, path, token, fd, d, NS_TARBALL_MAX, &status, err);
	if (n < 0 || ns_digest_final(d, sri, sha1) != 0)
		goto fail;
	if (strcmp(sha1, r->shasum) != 0) {
		ns_fail(err, "stage %s: downloaded tarball has sha1 %s, the stage record says %s",
		        r->id, sha1, r->shasum);
		goto fail;
	}
	if (spool_commit(s->st, fd, tmp, r->id, err) != 0)
		goto fail;
	close(fd);
	ns_digest_free(d);
	snprintf(r->integrity, sizeof(r->integrity), "%s", sri);
	r->size = n;
	return 0;
fail:
	close(fd);
	spool_discard(s->st, tmp);
	ns_digest_free(d);
	return -1;
}

/* Registry mode: the release comes from the stage API; a known id must still
 * describe the same bytes. */
static int
prepare_registry(struct session *s, const char *id, struct ns_release *r, struct ns_err *err)
{
	struct reg_client *c = NULL;
	struct ns_release known;
	char token[NS_TOKEN_MAX];
	int rc = -1, k;

	if (ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
		return -1;
	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c == NULL || stage_record_fetch(c, token, id, r, err) != 0)
		goto out;
	k = ns_release_get(s->st, id, &known, err);
	if (k < 0)
		goto out;
	if (k == 0) {
		int same = strcmp(known.shasum, r->shasum) == 0 && strcmp(known.name, r->name) == 0 &&
		           strcmp(known.version, r->version) == 0;
		if (strcmp(known.status, "published") == 0) {
			ns_fail(err, "%s@%s (%s) was already approved and published", known.name,
			        known.version, id);
		} else if (!same) {
			ns_fail(err, "stage %s changed since it was first seen (was %s@%s sha1 %s)", id,
			        known.name, known.version, known.shasum);
		} else {
			ns_release_clear(&known);
			if (fetch_tarball(s, c, token, r, err) != 0)
				goto out;
			*r = known;
			memset(&known, 0, sizeof(known));
			rc = 0;
		}
		ns_release_clear(&known);
		goto out;
	}
	if (fetch_tarball(s, c, token, r, err) != 0 || ns_release_insert(s->st, r, err) != 0)
		goto out;
	session_ledger(s, "fetch", "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                           "\"integrity\":\"%s\",\"shasum\":\"%s\"}",
	               r->id, r->name, r->version, r->integrity, r->shasum);
	rc = 0;
out:
	explicit_bzero(token, sizeof(token));
	reg_free(c);
	return rc;
}

static int
publish(struct session *s, const struct ns_release *r, struct gate_token *tok,
        struct ns_err *err)
{
	struct reg_client *c;
	char read_token[NS_TOKEN_MAX] = "", sri[NS_SRI_SHA512_LEN + 1], sha1[41];
	unsigned char *tgz = NULL;
	struct ns_digest *d;
	size_t len = 0;
	json_t *manifest = NULL;
	char *doc = NULL;
	int rc = -1, live;

	c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
	if (c == NULL)
		return -1;
	if (s->cfg->read_token_file != NULL &&
	    ns_read_token_load(s->cfg->read_token_file, read_token, sizeof(read_token), err) != 0)
		goto out;
	if (s->cfg->registry_mode == NS_MODE_STAGE && strcmp(r->origin, NS_ORIGIN_REGISTRY) == 0) {
		rc = publish_stage_approve(c, s->cfg, r, tok, read_token[0] ? read_token : NULL, err);
	} else {
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
		manifest = checks_manifest(s, r, err);
		if (manifest == NULL)
			goto out;
		doc = publish_document(s->cfg->registry_url, manifest, r->tag, tgz, len, sri, sha1, err);
		if (doc == NULL)
			goto out;
		rc = publish_put(c, s->cfg, r, doc, tok, read_token[0] ? read_token : NULL, err);
	}
	if (rc != 0)
		goto out;
	/* 2xx is "accepted": report success only once the version is live with our bytes. */
	live = publish_is_live(c, read_token[0] ? read_token : NULL, r, err);
	if (live != 1) {
		if (live == 0)
			ns_fail(err, "the registry accepted %s@%s but does not serve it (yet); check "
			             "with npm-release show %s", r->name, r->version, r->id);
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

int
cmd_approve(int argc, char **argv)
{
	struct session s;
	struct ns_release r;
	struct ns_approval a;
	struct gate_token *tok = NULL;
	struct ns_err err;
	json_t *report = NULL;
	char *text = NULL, id[NS_ID_MAX];
	const char *status;
	int rc = NS_EXIT_FAIL, k, previous_fd;

	memset(&r, 0, sizeof(r));
	memset(&a, 0, sizeof(a));
	if (argc != 2 || stage_id_normalize(argv[1], id) != 0) {
		fprintf(stderr, argc == 2 ? "npm-release: stage-id must be a valid UUID\n" :
		                            "usage: npm-release approve STAGE-ID\n");
		return NS_EXIT_USAGE;
	}
	if (session_open(&s, 1) != 0)
		return NS_EXIT_USAGE;
	tok = gate_token_new();
	if (tok == NULL) {
		fprintf(stderr, "npm-release: cannot allocate locked memory\n");
		goto out;
	}
	k = ns_release_get(s.st, id, &r, &err);
	if (k < 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	if (k == 0 && (strcmp(r.status, "published") == 0 || strcmp(r.status, "rejected") == 0)) {
		fprintf(stderr, "npm-release: %s@%s (%s) was already %s\n", r.name, r.version, id,
		        r.status);
		goto out;
	}
	if (k == 1 || strcmp(r.origin, NS_ORIGIN_REGISTRY) == 0) {
		ns_release_clear(&r);
		if (s.cfg->registry_url == NULL || s.cfg->registry_mode != NS_MODE_STAGE) {
			fprintf(stderr, "npm-release: no local release %s (and no staging registry "
			                "configured)\n", id);
			goto out;
		}
		fprintf(stderr, "fetching stage %s from the registry\n", id);
		if (prepare_registry(&s, id, &r, &err) != 0) {
			fprintf(stderr, "npm-release: %s\n", err.msg);
			goto out;
		}
	}
	fprintf(stderr, "checking %s@%s (%s)\n", r.name, r.version, r.integrity);
	previous_fd = previous_fetch(&s, &r);
	report = checks_run(&s, &r, previous_fd, &err);
	if (previous_fd >= 0)
		close(previous_fd);
	if (report == NULL) {
		fprintf(stderr, "npm-release: checks could not run: %s\n", err.msg);
		goto out;
	}
	status = json_string_value(json_object_get(report, "result"));
	text = json_dumps(report, JSON_COMPACT | JSON_SORT_KEYS);
	if (text == NULL || ns_release_set_report(s.st, id, strcmp(status, "pass") == 0 ?
	                                          "checked" : "failed", r.integrity, text, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", text ? err.msg : "out of memory");
		goto out;
	}
	checks_print(report);
	session_ledger(&s, "check", "{\"id\":\"%s\",\"result\":\"%s\"}", id, status);
	if (strcmp(status, "pass") != 0) {
		fprintf(stderr, "npm-release: checks failed; %s@%s cannot be approved\n", r.name,
		        r.version);
		goto out;
	}
	ns_release_clear(&r);
	if (ns_release_get(s.st, id, &r, &err) != 0 || ns_approval_create(s.st, s.cfg, &r, NS_ACTION_APPROVE, s.caller, time(NULL), &a, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		goto out;
	}
	if (gate_run(s.cfg->service, s.caller, a.id, tok, &err) != 0) {
		fprintf(stderr, "npm-release: %s\n", err.msg);
		session_ledger(&s, "deny", "{\"id\":\"%s\",\"approval\":\"%s\",\"approver\":\"%s\"}",
		               id, a.id, s.caller);
		goto out;
	}
	session_ledger(&s, "approve", "{\"id\":\"%s\",\"approval\":\"%s\",\"approver\":\"%s\","
	                              "\"statement_sha256\":\"%s\",\"integrity\":\"%s\"}",
	               id, a.id, s.caller, a.statement_sha256, r.integrity);
	fprintf(stderr, "publishing %s@%s\n", r.name, r.version);
	if (publish(&s, &r, tok, &err) != 0) {
		fprintf(stderr, "npm-release: publish failed: %s\n", err.msg);
		session_ledger(&s, "publish-failed", "{\"id\":\"%s\",\"approval\":\"%s\"}", id, a.id);
		goto out;
	}
	gate_token_free(tok);
	tok = NULL;
	if (ns_release_set_status(s.st, id, "checked", "published", &err) != 0)
		fprintf(stderr, "npm-release: warning: %s\n", err.msg);
	session_ledger(&s, "publish", "{\"id\":\"%s\",\"package\":\"%s\",\"version\":\"%s\","
	                              "\"integrity\":\"%s\",\"approval\":\"%s\"}",
	               id, r.name, r.version, r.integrity, a.id);
	printf("+ %s@%s (%s) is live\n", r.name, r.version, r.integrity);
	rc = NS_EXIT_OK;
out:
	gate_token_free(tok);
	free(text);
	json_decref(report);
	ns_release_clear(&r);
	ns_approval_clear(&a);
	session_close(&s);
	return rc;
}
