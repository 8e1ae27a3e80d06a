/* The release-host fixture (see pamfix.h). Test code. */
#include "config.h"

#include <security/pam_appl.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "digest.h"
#include "handoff.h"
#include "nsconfig.h"
#include "nsfido2.h"
#include "nstest.h"
#include "pamfix.h"
#include "state.h"
#include "ticket.h"

int
pamfix_conv_fn(int n, const struct pam_message **msgs, struct pam_response **resp, void *ud)
{
	struct pamfix_conv *cs = ud;
	struct pam_response *r = calloc((size_t)n, sizeof(*r));
	const unsigned char *payload;
	const char *a, *t, *o;
	size_t plen;
	int i, type;

	if (r == NULL)
		return PAM_BUF_ERR;
	for (i = 0; i < n; i++) {
		const struct pam_message *m = msgs[i];

		if (m->msg_style == PAM_PROMPT_ECHO_OFF) {
			cs->prompts++;
			if (cs->delay > 0)
				sleep(cs->delay);
			if (cs->code == NULL || (r[i].resp = strdup(cs->code)) == NULL)
				goto fail;
		} else if (m->msg_style == PAM_TEXT_INFO || m->msg_style == PAM_ERROR_MSG) {
			size_t off = strlen(cs->text);
			snprintf(cs->text + off, sizeof(cs->text) - off, "%s\n", m->msg);
		} else if (m->msg_style == PAM_BINARY_PROMPT && cs->approval_id != NULL &&
		           ns_bp_decode(m->msg, &type, &payload, &plen) == 0) {
			if (type == NS_BP_CONTEXT) {
				r[i].resp = strdup(cs->approval_id);
			} else if (type == NS_BP_TOKEN &&
			           ns_bp_token_fields(payload, plen, &a, &t, &o) == 0 &&
			           strcmp(a, cs->approval_id) == 0) {
				cs->tokens++;
				snprintf(cs->token, sizeof(cs->token), "%s", t);
				r[i].resp = strdup("ok");
			} else if (type == NS_BP_RECORDED && plen > 0 &&
			           strcmp((const char *)payload, cs->approval_id) == 0) {
				cs->recorded++;
				r[i].resp = strdup("ok");
			} else if (type == NS_BP_AGENT) {
				char num[16];
				snprintf(num, sizeof(num), "%d", cs->agent_fd);
				r[i].resp = strdup(cs->agent_fd >= 3 ? num : "none");
			} else if (type == NS_BP_REJECTED && plen > 0 &&
			           strcmp((const char *)payload, cs->approval_id) == 0) {
				cs->rejected++;
				r[i].resp = strdup("ok");
			} else {
				goto fail;
			}
			if (r[i].resp == NULL)
				goto fail;
		} else {
			goto fail;
		}
	}
	*resp = r;
	return PAM_SUCCESS;
fail:
	for (i = 0; i < n; i++)
		free(r[i].resp);
	free(r);
	return PAM_CONV_ERR;
}

int
pamfix_authenticate(const char *service, const char *user, struct pamfix_conv *cs)
{
	struct pam_conv c = { pamfix_conv_fn, cs };
	pam_handle_t *pamh = NULL;
	int rc;

	if (pam_start(service, user, &c, &pamh) != PAM_SUCCESS)
		return -1;
	rc = pam_authenticate(pamh, 0);
	pam_end(pamh, rc);
	return rc;
}

int
pamfix_init(struct pamfix *f, const char *work)
{
	struct ns_state *st;
	struct ns_err err;
	char t[700];

	memset(f, 0, sizeof(*f));
	snprintf(f->work, sizeof(f->work), "%s", work);
	nstest_rmtree(f->work);
	if (mkdir(f->work, 0755) != 0 || chmod(f->work, 0755) != 0)
		return -1;
	snprintf(f->conf, sizeof(f->conf), "%s/npmstage.conf", work);
	snprintf(f->statedir, sizeof(f->statedir), "%s/state", work);
	snprintf(f->tokenfile, sizeof(f->tokenfile), "%s/release-token", work);
	snprintf(t, sizeof(t), "token %s\n", PAMFIX_TOKEN);
	if (nstest_write(f->tokenfile, t, 0600) != 0 ||
	    ns_state_open(f->statedir, 1, &st, &err) != 0)
		return -1;
	ns_state_close(st);
	return 0;
}

/* The module answers only the service the configuration names, so a test that
 * runs several service files (module arguments) names the one it runs next. */
static int
pamfix_write_config(struct pamfix *f)
{
	char text[8192];

	if ((size_t)snprintf(text, sizeof(text), "[npmstage]\nstate_dir = %s\nservice = %s\n%s\n"
	                     "[registry]\nurl = http://127.0.0.1:9/\nmode = local\n"
	                     "token_file = %s\n", f->statedir,
	                     f->service[0] ? f->service : "npm-release", f->body,
	                     f->tokenfile) >= sizeof(text))
		return -1;
	return nstest_write(f->conf, text, 0644);
}

int
pamfix_config(struct pamfix *f, const char *body)
{
	if ((size_t)snprintf(f->body, sizeof(f->body), "%s", body) >= sizeof(f->body))
		return -1;
	return pamfix_write_config(f);
}

int
pamfix_service(struct pamfix *f, const char *service)
{
	if ((size_t)snprintf(f->service, sizeof(f->service), "%s", service) >= sizeof(f->service))
		return -1;
	return pamfix_write_config(f);
}

int
pamfix_enrol(struct pamfix *f, const char *user, const char *lines)
{
	char path[800];

	snprintf(path, sizeof(path), "%s/approvers/%s", f->statedir, user);
	return nstest_write(path, lines, 0600);
}

int
pamfix_enrol_fido2(struct pamfix *f, const char *rp_id, const char *user, int alg,
                   const char *extra)
{
	struct ns_fido2_cred c;
	struct ns_err err;
	char text[NS_FIDO2_LINE_MAX + 1024], *line;
	int rc;

	if (ns_fido2_enroll(rp_id, user, NULL, alg, &c, &err) != 0) {
		fprintf(stderr, "pamfix: enrol %s: %s\n", user, err.msg);
		return -1;
	}
	line = ns_fido2_cred_format(&c);
	ns_fido2_cred_clear(&c);
	if (line == NULL)
		return -1;
	snprintf(text, sizeof(text), "%s\n%s", line, extra != NULL ? extra : "");
	free(line);
	rc = pamfix_enrol(f, user, text);
	return rc;
}

static int
checked_release(struct pamfix *f, struct ns_state *st, const char *pkg, const char *origin,
                struct ns_release *r)
{
	struct ns_err err;
	char spool[900], bytes[64];
	static const char report[] =
		"{\"result\":\"pass\",\"checks\":[{\"id\":\"digest.sha1\",\"status\":\"pass\","
		"\"message\":\"ok\"}],\"diff_summary\":\"+1 file\"}";
	int fd;

	memset(r, 0, sizeof(*r));
	snprintf(r->id, sizeof(r->id), "00000000-0000-4000-8000-%012d", ++f->next_release);
	snprintf(spool, sizeof(spool), "%s/spool/%s.tgz", f->statedir, r->id);
	snprintf(bytes, sizeof(bytes), "tarball bytes %d", f->next_release);
	if (nstest_write(spool, bytes, 0600) != 0 || (fd = open(spool, O_RDONLY)) < 0) {
		fprintf(stderr, "pamfix: cannot write %s\n", spool);
		return -1;
	}
	r->size = ns_digest_fd(fd, r->integrity, r->shasum, &err);
	close(fd);
	snprintf(r->origin, sizeof(r->origin), "%s", origin);
	snprintf(r->name, sizeof(r->name), "%s", pkg);
	strcpy(r->version, "1.0.0");
	strcpy(r->tag, "latest");
	strcpy(r->staged_by, "ci");
	strcpy(r->status, "staged");
	r->staged_at = 1;
	if (r->size < 0 || ns_release_insert(st, r, &err) != 0 ||
	    ns_release_set_report(st, r->id, "checked", r->integrity, report, &err) != 0) {
		fprintf(stderr, "pamfix: release %s: %s\n", r->id, r->size < 0 ? "digest" : err.msg);
		return -1;
	}
	ns_release_clear(r);
	return ns_release_get(st, r->id, r, &err);
}

int
pamfix_approval(struct pamfix *f, const char *user, const char *pkg, char *approval_id)
{
	struct ns_state *st = NULL;
	struct ns_config *cfg = NULL;
	struct ns_release r;
	struct ns_approval a;
	struct ns_err err;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (ns_state_open(f->statedir, 1, &st, &err) != 0 ||
	    (cfg = ns_config_load(f->conf, &err)) == NULL) {
		fprintf(stderr, "pamfix: %s\n", err.msg);
		goto out;
	}
	if (checked_release(f, st, pkg, "local", &r) != 0 ||
	    ns_approval_create(st, cfg, &r, NS_ACTION_APPROVE, user, time(NULL), &a, &err) != 0)
		goto out;
	snprintf(approval_id, 65, "%s", a.id);
	ns_approval_clear(&a);
	rc = 0;
out:
	ns_release_clear(&r);
	ns_config_free(cfg);
	ns_state_close(st);
	return rc;
}

int
pamfix_release(struct pamfix *f, const char *pkg, const char *origin, char *release_id)
{
	struct ns_state *st = NULL;
	struct ns_release r;
	struct ns_err err;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (ns_state_open(f->statedir, 1, &st, &err) != 0)
		return -1;
	if (checked_release(f, st, pkg, origin, &r) == 0) {
		snprintf(release_id, 65, "%s", r.id);
		rc = 0;
	}
	ns_release_clear(&r);
	ns_state_close(st);
	return rc;
}

int
pamfix_approval_of(struct pamfix *f, const char *release_id, const char *user,
                   const char *action, int back_dated, char *approval_id)
{
	struct ns_state *st = NULL;
	struct ns_config *cfg = NULL;
	struct ns_release r;
	struct ns_approval a;
	struct ns_err err;
	int rc = -1;

	memset(&r, 0, sizeof(r));
	if (ns_state_open(f->statedir, 1, &st, &err) != 0 ||
	    (cfg = ns_config_load(f->conf, &err)) == NULL) {
		fprintf(stderr, "pamfix: %s\n", err.msg);
		goto out;
	}
	if (ns_release_get(st, release_id, &r, &err) != 0 ||
	    ns_approval_create(st, cfg, &r, action, user, time(NULL) - back_dated, &a, &err) != 0) {
		fprintf(stderr, "pamfix: approval of %s: %s\n", release_id, err.msg);
		goto out;
	}
	snprintf(approval_id, 65, "%s", a.id);
	ns_approval_clear(&a);
	rc = 0;
out:
	ns_release_clear(&r);
	ns_config_free(cfg);
	ns_state_close(st);
	return rc;
}

int
pamfix_consumed(struct pamfix *f, const char *approval_id, char *factor)
{
	struct ns_state *st;
	struct ns_approval a;
	struct ns_err err;
	int c = -1;

	if (ns_state_open(f->statedir, 0, &st, &err) != 0)
		return -1;
	if (ns_approval_get(st, approval_id, &a, &err) == 0) {
		c = a.consumed;
		if (factor != NULL)
			snprintf(factor, 16, "%s", a.factor);
		ns_approval_clear(&a);
	}
	ns_state_close(st);
	return c;
}

/* Replaces the first "from" in *field (from NULL: all of it) with "to". */
static int
edit_text(char **field, const char *from, const char *to)
{
	const char *cur = *field ? *field : "", *hit = from ? strstr(cur, from) : cur;
	size_t pre, cut;
	char *nv;

	if (hit == NULL || (nv = malloc(strlen(cur) + strlen(to) + 1)) == NULL)
		return -1;
	pre = (size_t)(hit - cur);
	cut = from ? strlen(from) : strlen(cur);
	memcpy(nv, cur, pre);
	strcpy(nv + pre, to);
	strcat(nv, hit + cut);
	free(*field);
	*field = nv;
	return 0;
}

static int
edit_fixed(char *field, size_t cap, const char *from, const char *to)
{
	char *tmp = strdup(field);
	int rc = tmp ? edit_text(&tmp, from, to) : -1;

	if (rc == 0 && strlen(tmp) < cap)
		strcpy(field, tmp);
	else
		rc = -1;
	free(tmp);
	return rc;
}

int
pamfix_ticket_edit(const char *statedir, const char *id, const char *section, const char *key,
                   const char *from, const char *to)
{
	struct ns_approval a;
	struct ns_release r;
	struct ns_err err;
	char dir[900];
	int dfd, rc = -1, approval = strcmp(section, "approval") == 0;

	snprintf(dir, sizeof(dir), "%s/tickets", statedir);
	dfd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
	if (dfd < 0)
		return -1;
	if (ns_ticket_read(dfd, dir, id, &a, &r, &err) != 0) {
		close(dfd);
		return -1;
	}
	if (approval && strcmp(key, "statement") == 0)
		rc = edit_text(&a.statement, from, to);
	else if (approval && strcmp(key, "statement_sha256") == 0)
		rc = edit_fixed(a.statement_sha256, sizeof(a.statement_sha256), from, to);
	else if (approval && strcmp(key, "approver") == 0)
		rc = edit_fixed(a.approver, sizeof(a.approver), from, to);
	else if (approval && strcmp(key, "expires") == 0)
		a.expires = strtoll(to, NULL, 10), rc = 0;
	else if (!approval && strcmp(key, "report") == 0)
		rc = edit_text(&r.report, from, to);
	else if (!approval && strcmp(key, "status") == 0)
		rc = edit_fixed(r.status, sizeof(r.status), from, to);
	else if (!approval && strcmp(key, "integrity") == 0)
		rc = edit_fixed(r.integrity, sizeof(r.integrity), from, to);
	if (rc == 0)
		rc = ns_ticket_write(dfd, dir, &a, &r, &err);
	ns_approval_clear(&a);
	ns_release_clear(&r);
	close(dfd);
	return rc;
}

int
pamfix_mark_used(const char *statedir, const char *id)
{
	char path[900];

	snprintf(path, sizeof(path), "%s/used/%s", statedir, id);
	return nstest_write(path, "totp 1\n", 0600);
}

int
pamfix_totp_reset(struct pamfix *f, const char *user)
{
	struct ns_state *st;
	struct ns_err err;
	int rc;

	if (ns_state_open(f->statedir, 0, &st, &err) != 0)
		return -1;
	rc = ns_state_totp_set(st, user, -1, &err);
	ns_state_close(st);
	return rc;
}
