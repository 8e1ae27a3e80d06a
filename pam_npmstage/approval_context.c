/* Which staged release is being approved, established from root-owned state only:
 * the helper names an approval id, everything else (the statement, the release,
 * its check report and the spooled bytes) is read from the approval's ticket and
 * the spool and re-verified here. */
#include "config.h"

#include <jansson.h>
#include <security/pam_ext.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "approval.h"
#include "digest.h"
#include "handoff.h"
#include "module.h"
#include "sanitize.h"
#include "secure_file.h"
#include "statement.h"
#include "train.h"

int
context_approval_id(pam_handle_t *pamh, char *id, size_t cap)
{
	char *reply = NULL;
	size_t n;
	int rc;

	if ((rc = conv_ask(pamh, NS_BP_CONTEXT, "npmstage/1 approval?", &reply)) != PAM_SUCCESS)
		return rc;
	n = strlen(reply);
	if (n != NS_NONCE_HEX || strspn(reply, "0123456789abcdef") != n || n >= cap) {
		free(reply);
		return PAM_CONV_ERR;
	}
	memcpy(id, reply, n + 1);
	free(reply);
	return PAM_SUCCESS;
}

int
context_spool_matches(pam_handle_t *pamh, struct ns_state *st, const struct ns_release *r)
{
	char name[NS_ID_MAX + 8], shown[600], sri[NS_SRI_SHA512_LEN + 1], sha1[41];
	struct ns_err err;
	int fd;
	long long n;

	snprintf(name, sizeof(name), "%s.tgz", r->id);
	snprintf(shown, sizeof(shown), "%s/spool", ns_state_path(st));
	fd = sf_openat_file(ns_state_spoolfd(st), shown, name, 077, 0, NULL, &err);
	if (fd < 0) {
		mod_log(pamh, LOG_ERR, "release %s: %s", r->id, err.msg);
		return 0;
	}
	n = ns_digest_fd(fd, sri, sha1, &err);
	close(fd);
	if (n < 0) {
		mod_log(pamh, LOG_ERR, "release %s: %s", r->id, err.msg);
		return 0;
	}
	if (n != r->size || strcmp(sri, r->integrity) != 0 || strcmp(sha1, r->shasum) != 0) {
		mod_log(pamh, LOG_ERR, "release %s: spooled bytes no longer match the checked "
		                       "artifact", r->id);
		return 0;
	}
	return 1;
}

/* The statement must be exactly the one these fields produce: nothing in it can
 * differ from the release that was checked. */
static int
statement_matches(pam_handle_t *pamh, const struct ns_config *cfg,
                  const struct approval_context *ctx)
{
	const struct ns_approval *a = &ctx->approval;
	struct ns_statement_fields f;
	struct ns_statement_provenance prov;
	unsigned char h[32];
	char hex[65], *text;
	struct ns_err err;
	int ok;

	ns_approval_fields(cfg, &ctx->release, a, &f, &prov);
	text = ns_statement_build(&f, &err);
	if (text == NULL) {
		mod_log(pamh, LOG_ERR, "approval %s: %s", a->id, err.msg);
		return 0;
	}
	ok = strcmp(text, a->statement) == 0 && ns_sha256(text, strlen(text), h) == 0;
	free(text);
	if (ok) {
		ns_hex(h, 32, hex);
		ok = strcmp(hex, a->statement_sha256) == 0;
	}
	if (!ok)
		mod_log(pamh, LOG_ERR, "approval %s: statement does not match the release", a->id);
	return ok;
}

/* The summary the approver reads before giving a factor. Its lines start only with
 * what this module writes: a header ("Approve ", "REJECT "), a two-space detail
 * line, or "  | " before text quoted from the package, the registry or the stager.
 * Every quoted value is one printable, bounded line (ns_sanitize), so no script
 * body, description or name can begin a line of its own: a "header" inside a
 * package is shown as "  | ...Approve ...", never as a header. */
static void
summary_add(struct approval_context *ctx, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void
summary_add(struct approval_context *ctx, const char *fmt, ...)
{
	size_t off = strlen(ctx->summary);
	va_list ap;
	int n;

	if (off + 1 >= sizeof(ctx->summary)) {
		ctx->summary_cut = 1;
		return;
	}
	va_start(ap, fmt);
	n = vsnprintf(ctx->summary + off, sizeof(ctx->summary) - off, fmt, ap);
	va_end(ap);
	if (n < 0 || (size_t)n >= sizeof(ctx->summary) - off) {
		ctx->summary[off] = '\0'; /* a line that does not fit is left out whole */
		ctx->summary_cut = 1;
	}
}

/* One line of quoted text: "  | " and at most max bytes of sanitised text. */
static void
summary_quote(struct approval_context *ctx, const char *text, size_t max)
{
	char clean[1600];

	ns_sanitize(clean, max < sizeof(clean) ? max + 1 : sizeof(clean), text);
	summary_add(ctx, "  | %s\n", clean);
}

/* The header: the names are validated at staging, the tag and the stager are
 * not ours: all four are sanitised once more here. */
static void
summary_header(struct approval_context *ctx, const char *verb)
{
	const struct ns_release *r = &ctx->release;
	char name[256], version[128], tag[128], by[128];

	ctx->summary[0] = '\0';
	ns_sanitize(name, sizeof(name), r->name);
	ns_sanitize(version, sizeof(version), r->version);
	ns_sanitize(tag, sizeof(tag), r->tag);
	ns_sanitize(by, sizeof(by), r->staged_by);
	summary_add(ctx, "%s %s@%s (dist-tag %s, staged by %s)\n", verb, name, version, tag, by);
}

/* Install-time commands that are new or changed (or have no previous version to be
 * compared with) are quoted whole, up to a bound, before anything else: the approver
 * passes code that runs on every install only after reading it. */
#define INSTALL_SHOWN_MAX NS_INSTALL_SHOWN_MAX /* the install.count check's bound */
#define INSTALL_QUOTE_MAX NS_INSTALL_QUOTE_MAX /* the install.length check's bound */

static void
summary_install_scripts(struct approval_context *ctx, const json_t *list)
{
	static const char *const changes[] = { "new", "changed", "no previous" };
	size_t i, c, shown = 0, more = 0;
	const json_t *e;

	json_array_foreach(list, i, e) {
		const char *change = json_string_value(json_object_get(e, "change"));
		const char *pkg = json_string_value(json_object_get(e, "package"));
		const char *cmd = json_string_value(json_object_get(e, "command"));
		char script[32], text[INSTALL_QUOTE_MAX + 300];

		for (c = 0; c < 3 && (change == NULL || strcmp(change, changes[c]) != 0); c++)
			;
		if (c == 3)
			continue; /* unchanged: already approved once */
		if (shown == INSTALL_SHOWN_MAX) {
			more++;
			continue;
		}
		shown++;
		ns_sanitize(script, sizeof(script), json_string_value(json_object_get(e, "script")) ?
		            json_string_value(json_object_get(e, "script")) : "?");
		summary_add(ctx, "  install-time script %s (%s, %lld bytes):\n", script, changes[c],
		            (long long)json_integer_value(json_object_get(e, "length")));
		snprintf(text, sizeof(text), "%s%s%s", pkg != NULL && pkg[0] ? pkg : "",
		         pkg != NULL && pkg[0] ? ": " : "", cmd != NULL ? cmd : "?");
		summary_quote(ctx, text, INSTALL_QUOTE_MAX);
	}
	if (more > 0)
		summary_add(ctx, "  install-time scripts not shown here: %zu more (in the check "
		                 "report)\n", more);
}

/* Where the bytes came from, as verified (the same values the statement carries):
 * the signer's names are the certificate's, quoted. */
static int
summary_provenance(struct approval_context *ctx, const char *report)
{
	struct ns_statement_provenance p;
	char text[NS_PROV_FIELD_MAX * 2 + 64];
	int k = ns_statement_provenance_from_report(report, &p);

	if (k != 1)
		return k; /* 0 none; -1 unreadable: the approver would not see the signer */
	summary_add(ctx, "  provenance verified (bundle sha256 %.64s), built by:\n",
	            p.bundle_sha256);
	snprintf(text, sizeof(text), "repository %s", p.repository);
	summary_quote(ctx, text, 300);
	snprintf(text, sizeof(text), "workflow %s", p.workflow);
	summary_quote(ctx, text, 300);
	snprintf(text, sizeof(text), "ref %s commit %s", p.ref, p.commit);
	summary_quote(ctx, text, 300);
	snprintf(text, sizeof(text), "issuer %s", p.issuer);
	summary_quote(ctx, text, 300);
	return 1;
}

/* The report must hash to the recorded value and say "pass"; builds the summary. */
static int
report_passed(pam_handle_t *pamh, struct approval_context *ctx)
{
	const struct ns_release *r = &ctx->release;
	unsigned char h[32];
	char hex[65];
	json_t *rep, *checks, *c;
	json_error_t jerr;
	size_t i, pass = 0, warn = 0, fail = 0;
	const char *result, *diff;

	if (r->report == NULL || ns_sha256(r->report, strlen(r->report), h) != 0) {
		mod_log(pamh, LOG_ERR, "release %s: no check report", r->id);
		return 0;
	}
	ns_hex(h, 32, hex);
	if (strcmp(hex, r->report_sha256) != 0) {
		mod_log(pamh, LOG_ERR, "release %s: check report was altered", r->id);
		return 0;
	}
	rep = json_loads(r->report, JSON_REJECT_DUPLICATES, &jerr);
	if (rep == NULL) {
		mod_log(pamh, LOG_ERR, "release %s: check report unreadable", r->id);
		return 0;
	}
	result = json_string_value(json_object_get(rep, "result"));
	if (result == NULL || strcmp(result, "pass") != 0) {
		mod_log(pamh, LOG_ERR, "release %s: checks did not pass", r->id);
		json_decref(rep);
		return 0;
	}
	checks = json_object_get(rep, "checks");
	summary_header(ctx, "Approve");
	summary_add(ctx, "  integrity %s\n  sha1      %s\n", r->integrity, r->shasum);
	ctx->quoted_from = strlen(ctx->summary);
	summary_install_scripts(ctx, json_object_get(rep, "install_scripts"));
	if (summary_provenance(ctx, r->report) < 0) {
		mod_log(pamh, LOG_ERR, "release %s: cannot read the report's provenance", r->id);
		json_decref(rep);
		return 0;
	}
	ctx->quoted_to = strlen(ctx->summary);
	if (ctx->summary_cut) {
		/* install-time scripts and the signer are never left out unseen */
		mod_log(pamh, LOG_ERR, "release %s: its install-time scripts and provenance do not "
		                       "fit in the summary", r->id);
		json_decref(rep);
		return 0;
	}
	json_array_foreach(checks, i, c) {
		const char *status = json_string_value(json_object_get(c, "status"));
		const char *id = json_string_value(json_object_get(c, "id"));
		const char *m = json_string_value(json_object_get(c, "message"));
		char clean_id[64];

		if (status == NULL)
			continue;
		if (strcmp(status, "pass") == 0) {
			pass++;
			continue;
		}
		if (strcmp(status, "warn") == 0) {
			size_t off = strlen(ctx->warning_ids);
			char clean_warn[64];

			warn++;
			ns_sanitize(clean_warn, sizeof(clean_warn), id ? id : "?");
			if (off + strlen(clean_warn) + 6 < sizeof(ctx->warning_ids))
				snprintf(ctx->warning_ids + off, sizeof(ctx->warning_ids) - off, "%s%s",
				         off ? ", " : "", clean_warn);
			else if (off + 5 < sizeof(ctx->warning_ids) &&
			         strcmp(ctx->warning_ids + off - 3, "...") != 0)
				snprintf(ctx->warning_ids + off, sizeof(ctx->warning_ids) - off, ", ...");
		} else {
			fail++;
		}
		if (strlen(ctx->summary) < sizeof(ctx->summary) - 400) {
			ns_sanitize(clean_id, sizeof(clean_id), id ? id : "?");
			summary_add(ctx, "  %s %s:\n", strcmp(status, "warn") == 0 ? "warn" : "fail",
			            clean_id);
			summary_quote(ctx, m ? m : "", 160);
		}
	}
	if (fail > 0) {
		mod_log(pamh, LOG_ERR, "release %s: report lists failed checks", r->id);
		json_decref(rep);
		return 0;
	}
	summary_add(ctx, "  checks: %zu passed, %zu warnings\n", pass, warn);
	ctx->warnings = warn;
	diff = json_string_value(json_object_get(rep, "diff_summary"));
	ns_sanitize(ctx->change, 1500 + 1, diff != NULL ? diff : "no previous version");
	if (diff != NULL) {
		summary_add(ctx, "  changes:\n");
		summary_quote(ctx, diff, 1500);
	}
	json_decref(rep);
	return 1;
}

int
context_load_release(pam_handle_t *pamh, struct ns_state *st, const char *user, time_t now,
                     const char *id, struct approval_context *ctx)
{
	struct ns_err err;
	int rc;

	rc = ns_approval_ticket(st, id, &ctx->approval, &ctx->release, &err);
	if (rc != 0) {
		mod_log(pamh, LOG_ERR, "approval %s: %s", id,
		        rc > 0 ? "unknown (no ticket, or withdrawn when its release changed)" :
		                 err.msg);
		return PAM_AUTH_ERR;
	}
	snprintf(ctx->what, sizeof(ctx->what), "%s@%s", ctx->release.name, ctx->release.version);
	if (strcmp(ctx->approval.approver, user) != 0) {
		mod_log(pamh, LOG_ERR, "approval %s belongs to another approver", id);
		return PAM_AUTH_ERR;
	}
	if (ctx->approval.consumed) {
		mod_log(pamh, LOG_ERR, "approval %s was already used", id);
		return PAM_AUTH_ERR;
	}
	if (ctx->approval.expires <= (long long)now) {
		mod_log(pamh, LOG_ERR, "approval %s has expired", id);
		return PAM_AUTH_ERR;
	}
	if (strcmp(ctx->approval.action, NS_ACTION_REJECT) == 0) {
		/* Rejecting needs no passing checks (a bad release must be rejectable),
		 * only an open release and, like approving, the factor. */
		if (strcmp(ctx->release.status, "staged") != 0 &&
		    strcmp(ctx->release.status, "checked") != 0 &&
		    strcmp(ctx->release.status, "failed") != 0) {
			mod_log(pamh, LOG_ERR, "release %s is %s: nothing to reject", ctx->release.id,
			        ctx->release.status);
			return PAM_AUTH_ERR;
		}
		summary_header(ctx, "REJECT");
		summary_add(ctx, "  sha1      %s\n",
		            ctx->release.shasum[0] ? ctx->release.shasum : "-");
		return PAM_SUCCESS;
	}
	if (strcmp(ctx->approval.action, NS_ACTION_APPROVE) != 0) {
		mod_log(pamh, LOG_ERR, "approval %s: unknown action", ctx->approval.id);
		return PAM_AUTH_ERR;
	}
	if (strcmp(ctx->release.status, "checked") != 0) {
		mod_log(pamh, LOG_ERR, "release %s is %s, not checked", ctx->release.id,
		        ctx->release.status);
		return PAM_AUTH_ERR;
	}
	if (!report_passed(pamh, ctx) || !context_spool_matches(pamh, st, &ctx->release))
		return PAM_AUTH_ERR;
	return PAM_SUCCESS;
}

int
context_load(pam_handle_t *pamh, struct ns_state *st, const struct ns_config *cfg,
             const char *user, time_t now, struct approval_context *ctx)
{
	struct ns_train train;
	char id[NS_ID_MAX];
	struct ns_err err;
	int rc;

	memset(ctx, 0, sizeof(*ctx));
	rc = context_approval_id(pamh, id, sizeof(id));
	if (rc != PAM_SUCCESS) {
		mod_log(pamh, LOG_ERR, "no approval context (not called by npm-release?)");
		return rc;
	}
	rc = ns_train_read(st, id, &train, &err);
	if (rc < 0) {
		mod_log(pamh, LOG_ERR, "approval %s: %s", id, err.msg);
		return PAM_AUTH_ERR;
	}
	if (rc == 0) {
		rc = train_context_load(pamh, st, cfg, user, now, &train, ctx);
		ns_train_clear(&train);
		return rc;
	}
	rc = context_load_release(pamh, st, user, now, id, ctx);
	if (rc == PAM_SUCCESS)
		ctx->require_uv = ns_config_require_uv(cfg, ctx->release.name);
	return rc;
}

int
context_answer_time(pam_handle_t *pamh, const struct approval_context *ctx, time_t *now)
{
	*now = time(NULL);
	if (ctx->approval.expires <= (long long)*now) {
		mod_log(pamh, LOG_NOTICE, "approval %s: answered %llds after it expired; refused",
		        ctx->approval.id, (long long)*now - ctx->approval.expires);
		conv_error(pamh, "npm-release: approval expired while the prompt was open "
		                 "(answered %llds too late); nothing was approved, start again",
		           (long long)*now - ctx->approval.expires);
		return PAM_AUTH_ERR;
	}
	return PAM_SUCCESS;
}

int
context_verify_statement(pam_handle_t *pamh, const struct ns_config *cfg,
                         const struct approval_context *ctx)
{
	if (ctx->members != NULL)
		return train_verify_statement(pamh, cfg, ctx);
	return statement_matches(pamh, cfg, ctx) ? PAM_SUCCESS : PAM_AUTH_ERR;
}

int
context_policy(pam_handle_t *pamh, const struct ns_config *cfg,
               const struct approval_context *ctx, const char *user, unsigned args_factors,
               unsigned *factors)
{
	const struct approval_context *one = ctx->members != NULL ? ctx->members : ctx;
	size_t i, n = ctx->members != NULL ? ctx->n_members : 1;

	*factors = args_factors != 0 ? args_factors : ~0u;
	for (i = 0; i < n; i++) {
		const char *name = one[i].release.name;
		if (!ns_scope_allows(ns_config_scope(cfg, name), user)) {
			mod_log(pamh, LOG_NOTICE, "user %s may not approve %s", user, name);
			conv_error(pamh, "npm-release: %s is not an approver for %s", user, name);
			return 0;
		}
		*factors &= ns_config_factors_for(cfg, name);
	}
	return 1;
}

/* A train's table is longer than one PAM message: it goes in parts of whole lines. */
int
context_show(pam_handle_t *pamh, const struct approval_context *ctx)
{
	const char *text = ctx->train_summary != NULL ? ctx->train_summary : ctx->summary;
	size_t len = strlen(text), off = 0, part;

	while (off < len) {
		part = len - off;
		if (part > 3000) {
			part = 3000;
			while (part > 0 && text[off + part - 1] != '\n')
				part--;
			if (part == 0)
				part = 3000;
		}
		if (conv_info(pamh, "%.*s", (int)part, text + off) != PAM_SUCCESS)
			return PAM_CONV_ERR;
		off += part;
	}
	return PAM_SUCCESS;
}

void
context_clear(struct approval_context *ctx)
{
	size_t i;

	for (i = 0; ctx->members != NULL && i < ctx->n_members; i++)
		context_clear(&ctx->members[i]);
	free(ctx->members);
	ctx->members = NULL;
	free(ctx->train_summary);
	ctx->train_summary = NULL;
	ns_approval_clear(&ctx->approval);
	ns_release_clear(&ctx->release);
}
