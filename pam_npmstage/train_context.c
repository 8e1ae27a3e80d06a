/* A release train: one approval, one factor, several releases. The train ticket
 * names member approvals; each member is loaded and verified exactly as a single
 * approval would be (its ticket, report, spool and statement), and the train's
 * statement must be exactly the one those members produce, so the factor signs
 * the set the approver was shown and nothing else. */
#include "config.h"

#include <security/pam_ext.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>

#include "approval.h"
#include "digest.h"
#include "module.h"
#include "sanitize.h"
#include "train.h"

/* Appends one line (or several of ours) to the train's table; *cut is set when
 * it does not fit (the train is then refused: nothing is approved unseen). */
static void
table_add(char *buf, size_t cap, int *cut, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void
table_add(char *buf, size_t cap, int *cut, const char *fmt, ...)
{
	size_t off = strlen(buf);
	va_list ap;
	int n;

	if (*cut)
		return;
	va_start(ap, fmt);
	n = vsnprintf(buf + off, cap - off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= cap - off) {
		buf[off] = '\0';
		*cut = 1;
	}
}

/* The table the approver reads: one row per member (name, version, who staged
 * it, warnings, the change since the live version), then the member's quoted
 * install-time scripts and verified provenance, exactly as a single approval
 * quotes them. */
#define TABLE_MAX (512 * 1024)

static int
build_table(struct approval_context *ctx)
{
	char when[32], name[256], version[128], tag[128], by[128];
	time_t exp = (time_t)ctx->approval.expires;
	struct tm tm;
	size_t i;
	int cut = 0;

	ctx->train_summary = calloc(1, TABLE_MAX);
	if (ctx->train_summary == NULL)
		return -1;
	if (gmtime_r(&exp, &tm) == NULL || strftime(when, sizeof(when), "%H:%M:%SZ", &tm) == 0)
		snprintf(when, sizeof(when), "?");
	table_add(ctx->train_summary, TABLE_MAX, &cut, "Approve a train of %zu package%s "
	          "(statement sha256 %s, expires %s)\n", ctx->n_members,
	          ctx->n_members == 1 ? "" : "s", ctx->approval.statement_sha256, when);
	for (i = 0; i < ctx->n_members; i++) {
		const struct approval_context *m = &ctx->members[i];
		const struct ns_release *r = &m->release;

		ns_sanitize(name, sizeof(name), r->name);
		ns_sanitize(version, sizeof(version), r->version);
		ns_sanitize(tag, sizeof(tag), r->tag);
		ns_sanitize(by, sizeof(by), r->staged_by);
		/* the change since the previous version is quoted whole, as a single
		 * approval quotes it: a new bin or dependency may raise no warning */
		table_add(ctx->train_summary, TABLE_MAX, &cut, "  %2zu %s@%s (dist-tag %s, staged "
		          "by %s): %zu warning%s%s%s%s; changes:\n  | %s\n", i + 1, name, version,
		          tag, by, m->warnings, m->warnings == 1 ? "" : "s", m->warnings ? " (" : "",
		          m->warning_ids, m->warnings ? ")" : "", m->change);
		if (m->quoted_to > m->quoted_from)
			table_add(ctx->train_summary, TABLE_MAX, &cut, "%.*s",
			          (int)(m->quoted_to - m->quoted_from), m->summary + m->quoted_from);
	}
	return cut ? -1 : 0;
}

/* The train's own fields in ctx: the factors sign (or signed) its statement,
 * under its id and expiry. */
static int
train_header(pam_handle_t *pamh, const struct ns_train *t, struct approval_context *ctx)
{
	snprintf(ctx->approval.id, sizeof(ctx->approval.id), "%s", t->id);
	snprintf(ctx->approval.action, sizeof(ctx->approval.action), NS_ACTION_TRAIN);
	snprintf(ctx->approval.approver, sizeof(ctx->approval.approver), "%s", t->approver);
	snprintf(ctx->approval.statement_sha256, sizeof(ctx->approval.statement_sha256), "%s",
	         t->statement_sha256);
	ctx->approval.created = t->created;
	ctx->approval.expires = t->expires;
	ctx->approval.statement = strdup(t->statement);
	ctx->members = calloc(t->n, sizeof(*ctx->members));
	if (ctx->approval.statement == NULL || ctx->members == NULL) {
		mod_log(pamh, LOG_ERR, "train %s: out of memory", t->id);
		return PAM_BUF_ERR;
	}
	ctx->n_members = t->n;
	return PAM_SUCCESS;
}

/* A consumed train, only as the resumption of its own interrupted publishing: its
 * member tickets were withdrawn when they left "checked", so each member is read
 * from the state database. Every member approval was consumed with the train, by
 * user; every release is "publishing" or "published", some still "publishing",
 * and those still have their checked bytes in the spool. The statement is then
 * rebuilt from these records (train_verify_statement) and must be the stored one. */
static int
resume_load(pam_handle_t *pamh, struct ns_state *st, const struct ns_config *cfg,
            const char *user, const struct ns_train *t, struct approval_context *ctx)
{
	struct ns_err err;
	size_t i;
	int rc;

	if ((rc = train_header(pamh, t, ctx)) != PAM_SUCCESS)
		return rc;
	for (i = 0; i < t->n; i++) {
		struct approval_context *m = &ctx->members[i];
		const char *status;

		if (ns_approval_get(st, t->members[i], &m->approval, &err) != 0 ||
		    ns_release_get(st, m->approval.release_id, &m->release, &err) != 0) {
			mod_log(pamh, LOG_ERR, "train %s: member %zu (approval %s) unknown; not "
			                       "resumed", t->id, i + 1, t->members[i]);
			return PAM_AUTH_ERR;
		}
		if (!m->approval.consumed || strcmp(m->approval.action, NS_ACTION_APPROVE) != 0 ||
		    strcmp(m->approval.approver, user) != 0 || m->approval.factor[0] == '\0' ||
		    m->approval.expires < t->expires) {
			mod_log(pamh, LOG_ERR, "train %s: member %zu (approval %s) is not an approve "
			                       "by %s consumed with the train; not resumed", t->id,
			        i + 1, t->members[i], user);
			return PAM_AUTH_ERR;
		}
		status = m->release.status;
		if (strcmp(status, "publishing") == 0) {
			if (!context_spool_matches(pamh, st, &m->release)) {
				mod_log(pamh, LOG_ERR, "train %s: member %zu (%s): its bytes changed; "
				                       "not resumed", t->id, i + 1, m->release.id);
				return PAM_AUTH_ERR;
			}
			ctx->resume_pending++;
		} else if (strcmp(status, "published") != 0) {
			mod_log(pamh, LOG_ERR, "train %s: member %zu (%s) is %s, not publishing or "
			                       "published; not resumed (a fresh approval is needed)",
			        t->id, i + 1, m->release.id, status);
			return PAM_AUTH_ERR;
		}
		if (i == 0)
			snprintf(ctx->resume_factor, sizeof(ctx->resume_factor), "%s",
			         m->approval.factor);
		else if (strcmp(ctx->resume_factor, m->approval.factor) != 0) {
			mod_log(pamh, LOG_ERR, "train %s: its members were consumed with different "
			                       "factors; not resumed", t->id);
			return PAM_AUTH_ERR;
		}
		if (ns_config_require_uv(cfg, m->release.name))
			ctx->require_uv = 1;
	}
	if (ctx->resume_pending == 0) {
		mod_log(pamh, LOG_ERR, "train %s: every member is published; nothing to resume",
		        t->id);
		return PAM_AUTH_ERR;
	}
	ctx->resume = 1;
	snprintf(ctx->what, sizeof(ctx->what), "the rest of train %s", t->id);
	return PAM_SUCCESS;
}

int
train_context_load(pam_handle_t *pamh, struct ns_state *st, const struct ns_config *cfg,
                   const char *user, time_t now, struct ns_train *t,
                   struct approval_context *ctx)
{
	size_t i;
	int rc;

	if (strcmp(t->approver, user) != 0) {
		mod_log(pamh, LOG_ERR, "train %s belongs to another approver%s", t->id,
		        t->consumed ? ": only its approver may resume it" : "");
		return PAM_AUTH_ERR;
	}
	if (t->expires <= (long long)now) {
		mod_log(pamh, LOG_ERR, "train %s has expired%s", t->id,
		        t->consumed ? ": nothing is resumed after its expiry" : "");
		return PAM_AUTH_ERR;
	}
	if (t->consumed)
		return resume_load(pamh, st, cfg, user, t, ctx);
	if ((rc = train_header(pamh, t, ctx)) != PAM_SUCCESS)
		return rc;
	snprintf(ctx->what, sizeof(ctx->what), "a train of %zu package%s", t->n,
	         t->n == 1 ? "" : "s");
	for (i = 0; i < t->n; i++) {
		struct approval_context *m = &ctx->members[i];
		rc = context_load_release(pamh, st, user, now, t->members[i], m);
		if (rc != PAM_SUCCESS) {
			mod_log(pamh, LOG_ERR, "train %s: member %zu (approval %s) refused", t->id,
			        i + 1, t->members[i]);
			return PAM_AUTH_ERR;
		}
		if (strcmp(m->approval.action, NS_ACTION_APPROVE) != 0 ||
		    m->approval.expires < t->expires) {
			mod_log(pamh, LOG_ERR, "train %s: member %zu is not an approve that lasts as "
			                       "long as the train", t->id, i + 1);
			return PAM_AUTH_ERR;
		}
		if (ns_config_require_uv(cfg, m->release.name))
			ctx->require_uv = 1;
	}
	if (build_table(ctx) != 0) {
		mod_log(pamh, LOG_ERR, "train %s: its table does not fit in %d bytes", t->id,
		        TABLE_MAX);
		conv_error(pamh, "npm-release: this train is too long to show whole; approve it "
		                 "in smaller trains");
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

int
train_resume(pam_handle_t *pamh, const struct ns_config *cfg, struct ns_state *st,
             const struct approval_context *ctx, const char *user)
{
	char at[32], until[32];
	time_t created = (time_t)ctx->approval.created, expires = (time_t)ctx->approval.expires;
	struct tm tm;
	int rc;

	if (!ctx->resume || time(NULL) >= expires) {
		mod_log(pamh, LOG_ERR, "train %s: not resumable (expired)", ctx->approval.id);
		return PAM_AUTH_ERR;
	}
	if (gmtime_r(&created, &tm) == NULL ||
	    strftime(at, sizeof(at), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0 ||
	    gmtime_r(&expires, &tm) == NULL ||
	    strftime(until, sizeof(until), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0)
		return PAM_AUTH_ERR;
	if (conv_info(pamh, "Resuming train %s, approved by you at %s with %s: %zu of %zu "
	                    "packages still to publish; no new factor (the approval lasts "
	                    "until %s)", ctx->approval.id, at, ctx->resume_factor,
	              ctx->resume_pending, ctx->n_members, until) != PAM_SUCCESS)
		return PAM_CONV_ERR;
	rc = token_release(pamh, cfg, st, ctx, ctx->resume_factor);
	if (rc != PAM_SUCCESS) {
		mod_log(pamh, LOG_ERR, "train %s: resume by %s denied", ctx->approval.id, user);
		return PAM_AUTH_ERR;
	}
	mod_log(pamh, LOG_NOTICE, "user %s: resume train %s (%s): %zu of %zu packages still to "
	        "publish, approved with %s, no new factor", user, ctx->approval.id,
	        ctx->approval.statement_sha256, ctx->resume_pending, ctx->n_members,
	        ctx->resume_factor);
	return PAM_SUCCESS;
}

int
train_verify_statement(pam_handle_t *pamh, const struct ns_config *cfg,
                       const struct approval_context *ctx)
{
	struct ns_train_member *m;
	struct ns_train t;
	struct ns_err err;
	unsigned char h[32];
	char hex[65], *text = NULL;
	size_t i;
	int ok = 0;

	if (ctx->n_members < 1 || ctx->n_members > NS_TRAIN_MEMBERS_MAX)
		return PAM_AUTH_ERR;
	for (i = 0; i < ctx->n_members; i++)
		if (context_verify_statement(pamh, cfg, &ctx->members[i]) != PAM_SUCCESS)
			return PAM_AUTH_ERR;
	m = calloc(ctx->n_members, sizeof(*m));
	if (m == NULL)
		return PAM_BUF_ERR;
	memset(&t, 0, sizeof(t));
	snprintf(t.id, sizeof(t.id), "%s", ctx->approval.id);
	snprintf(t.approver, sizeof(t.approver), "%s", ctx->approval.approver);
	t.created = ctx->approval.created;
	t.expires = ctx->approval.expires;
	t.n = ctx->n_members;
	for (i = 0; i < t.n; i++) {
		snprintf(t.members[i], sizeof(t.members[i]), "%s", ctx->members[i].approval.id);
		m[i].approval = &ctx->members[i].approval;
		m[i].release = &ctx->members[i].release;
	}
	text = ns_train_statement(cfg, &t, m, &err);
	if (text == NULL)
		mod_log(pamh, LOG_ERR, "train %s: %s", t.id, err.msg);
	else if (strcmp(text, ctx->approval.statement) == 0 &&
	         ns_sha256(text, strlen(text), h) == 0) {
		ns_hex(h, 32, hex);
		ok = strcmp(hex, ctx->approval.statement_sha256) == 0;
	}
	if (text != NULL && !ok)
		mod_log(pamh, LOG_ERR, "train %s: statement does not match its members", t.id);
	free(text);
	free(m);
	return ok ? PAM_SUCCESS : PAM_AUTH_ERR;
}

int
train_account(pam_handle_t *pamh, struct ns_state *st, const struct ns_config *cfg,
              const struct ns_train *t, const char *user)
{
	struct ns_approval a;
	struct ns_release r;
	struct ns_err err;
	size_t i;
	int ok;

	if (strcmp(t->approver, user) != 0) {
		mod_log(pamh, LOG_ERR, "account: train %s is not %s's", t->id, user);
		return 0;
	}
	for (i = 0; i < t->n; i++) {
		/* a consumed (resumed) train's member tickets are withdrawn: the database */
		int k = t->consumed ? ns_approval_get(st, t->members[i], &a, &err) :
		                      ns_approval_ticket(st, t->members[i], &a, &r, &err);
		if (k == 0 && t->consumed && ns_release_get(st, a.release_id, &r, &err) != 0) {
			ns_approval_clear(&a);
			k = -1;
		}
		if (k != 0) {
			mod_log(pamh, LOG_ERR, "account: train %s: member %zu unknown", t->id, i + 1);
			return 0;
		}
		ok = strcmp(a.approver, user) == 0 &&
		     ns_scope_allows(ns_config_scope(cfg, r.name), user);
		if (!ok)
			mod_log(pamh, LOG_NOTICE, "account: user %s may not approve %s", user, r.name);
		ns_approval_clear(&a);
		ns_release_clear(&r);
		if (!ok)
			return 0;
	}
	return 1;
}
