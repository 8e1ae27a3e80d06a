/* Release trains: the statement one factor signs for several releases, and the
 * train ticket the module reads (train.h says why it is built this way). */
#include "config.h"

#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "approval.h"
#include "digest.h"
#include "factor.h"
#include "secure_file.h"
#include "state_internal.h"
#include "statement.h"
#include "ticket.h"
#include "train.h"

#define TRAIN_HEADER "npmstage-train 1\n"

/* A statement value: present, one line, no blank (the member line is split on
 * blanks), bounded. */
static int
word_ok(const char *label, const char *v, struct ns_err *err)
{
	const unsigned char *p;

	if (v == NULL || *v == '\0')
		return ns_fail(err, "train statement: %s is missing", label);
	if (strlen(v) > 512)
		return ns_fail(err, "train statement: %s is too long", label);
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= 0x20 || *p == 0x7f)
			return ns_fail(err, "train statement: %s has a blank or control character",
			               label);
	return 0;
}

static void
factor_list(unsigned bits, char *out, size_t cap)
{
	unsigned b;
	size_t off = 0;

	out[0] = '\0';
	for (b = 1; b <= NS_FACTOR_SSHSK; b <<= 1)
		if ((bits & b) && off + 16 < cap)
			off += (size_t)snprintf(out + off, cap - off, "%s%s", off ? "," : "",
			                        ns_factor_name(b));
	if (off == 0)
		snprintf(out, cap, "none");
}

/* Appends to a growing text; *failed is set once anything does not fit. */
static void
add(char **text, size_t *len, size_t *cap, int *failed, const char *fmt, ...)
	__attribute__((format(printf, 5, 6)));

static void
add(char **text, size_t *len, size_t *cap, int *failed, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (*failed)
		return;
	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(*text + *len, *cap - *len, fmt, ap);
		va_end(ap);
		if (n < 0) {
			*failed = 1;
			return;
		}
		if ((size_t)n < *cap - *len) {
			*len += (size_t)n;
			return;
		}
		{
			size_t ncap = (*cap + (size_t)n) * 2;
			char *p = ncap <= NS_TICKET_MAX ? realloc(*text, ncap) : NULL;
			if (p == NULL) {
				*failed = 1;
				return;
			}
			*text = p;
			*cap = ncap;
		}
	}
}

/* One member's line, after checking that it belongs in train t. */
static int
member_line(const struct ns_config *cfg, const struct ns_train *t, size_t i,
            const struct ns_train_member *m, char **text, size_t *len, size_t *cap,
            int *failed, struct ns_err *err)
{
	const struct ns_approval *a = m->approval;
	const struct ns_release *r = m->release;
	const struct ns_scope *scope = ns_config_scope(cfg, r->name);
	char factors[64];

	if (strcmp(a->id, t->members[i]) != 0 || strcmp(a->release_id, r->id) != 0)
		return ns_fail(err, "train statement: member %zu is not approval %s", i + 1,
		               t->members[i]);
	if (strcmp(a->action, NS_ACTION_APPROVE) != 0 || strcmp(a->approver, t->approver) != 0)
		return ns_fail(err, "train statement: approval %s is not an approve by %s", a->id,
		               t->approver);
	if (word_ok("member approval", a->id, err) || word_ok("stage-id", r->id, err) ||
	    word_ok("package", r->name, err) || word_ok("version", r->version, err) ||
	    word_ok("integrity", r->integrity, err) ||
	    word_ok("report-sha256", r->report_sha256, err) ||
	    word_ok("statement-sha256", a->statement_sha256, err) ||
	    (scope != NULL && word_ok("scope", scope->pattern, err)))
		return -1;
	factor_list(ns_config_factors_for(cfg, r->name), factors, sizeof(factors));
	add(text, len, cap, failed, "member: %s %s %s@%s %s report-sha256=%s statement-sha256=%s "
	    "scope=%s min-approvers=%u factors=%s require-uv=%s\n", a->id, r->id, r->name,
	    r->version, r->integrity, r->report_sha256, a->statement_sha256,
	    scope != NULL ? scope->pattern : "(none)", ns_config_min_approvers(cfg, r->name),
	    factors, ns_config_require_uv(cfg, r->name) ? "yes" : "no");
	return 0;
}

char *
ns_train_statement(const struct ns_config *cfg, const struct ns_train *t,
                   const struct ns_train_member *m, struct ns_err *err)
{
	char *text = NULL, expires[32];
	size_t len = 0, cap = 1024, i, j;
	time_t when = (time_t)t->expires;
	struct tm tm;
	int failed = 0;

	if (t->n < 1 || t->n > NS_TRAIN_MEMBERS_MAX) {
		ns_fail(err, "train statement: %zu members (1 to %d)", t->n, NS_TRAIN_MEMBERS_MAX);
		return NULL;
	}
	for (i = 0; i < t->n; i++)
		for (j = 0; j < i; j++)
			if (strcmp(m[i].release->id, m[j].release->id) == 0 ||
			    (strcmp(m[i].release->name, m[j].release->name) == 0 &&
			     strcmp(m[i].release->version, m[j].release->version) == 0)) {
				ns_fail(err, "train statement: %s@%s is in the train twice",
				        m[i].release->name, m[i].release->version);
				return NULL;
			} else if (strcmp(m[i].release->name, m[j].release->name) == 0 &&
			           strcmp(m[i].release->tag, m[j].release->tag) == 0) {
				/* each was checked against what was live before the train: which
				 * one the tag ends on would be the publish order's choice */
				ns_fail(err, "train statement: %s@%s and %s@%s both take dist-tag %s; "
				        "approve them in separate trains", m[j].release->name,
				        m[j].release->version, m[i].release->name,
				        m[i].release->version, m[i].release->tag);
				return NULL;
			}
	if (word_ok("approver", t->approver, err) || word_ok("nonce", t->id, err) ||
	    word_ok("registry", ns_statement_registry(cfg), err))
		return NULL;
	if (gmtime_r(&when, &tm) == NULL ||
	    strftime(expires, sizeof(expires), "%Y-%m-%dT%H:%M:%SZ", &tm) == 0) {
		ns_fail(err, "train statement: bad expiry time");
		return NULL;
	}
	if ((text = malloc(cap)) == NULL) {
		ns_fail(err, "train statement: out of memory");
		return NULL;
	}
	add(&text, &len, &cap, &failed, "npmstage-train-v1\naction: approve\nregistry: %s\n"
	    "approver: %s\nnonce: %s\nmembers: %zu\n", ns_statement_registry(cfg), t->approver,
	    t->id, t->n);
	for (i = 0; i < t->n; i++)
		if (member_line(cfg, t, i, &m[i], &text, &len, &cap, &failed, err) != 0) {
			free(text);
			return NULL;
		}
	add(&text, &len, &cap, &failed, "expires: %s\n", expires);
	if (failed) {
		free(text);
		ns_fail(err, "train statement: over %d bytes or out of memory", NS_TICKET_MAX);
		return NULL;
	}
	return text;
}

/* One "NAME LENGTH\nVALUE\n" field, as ticket.c writes them. */
static void
add_field(char **text, size_t *len, size_t *cap, int *failed, const char *name,
          const char *value)
{
	add(text, len, cap, failed, "%s %zu\n%s\n", name, strlen(value), value);
}

int
ns_train_format(const struct ns_train *t, char **out, size_t *len, struct ns_err *err)
{
	char *text = NULL, *members, created[24], expires[24];
	size_t cap = 1024, i, off = 0;
	int failed = 0;

	*out = NULL;
	*len = 0;
	if (!ns_ticket_id_valid(t->id) || t->statement == NULL || t->n < 1 ||
	    t->n > NS_TRAIN_MEMBERS_MAX)
		return ns_fail(err, "train %s: not a complete train", t->id);
	if ((members = malloc(t->n * NS_ID_MAX)) == NULL)
		return ns_fail(err, "train %s: out of memory", t->id);
	for (i = 0; i < t->n; i++) {
		if (!ns_ticket_id_valid(t->members[i])) {
			free(members);
			return ns_fail(err, "train %s: member %zu is not an approval id", t->id, i + 1);
		}
		off += (size_t)snprintf(members + off, t->n * NS_ID_MAX - off, "%s%s",
		                        i ? " " : "", t->members[i]);
	}
	snprintf(created, sizeof(created), "%lld", t->created);
	snprintf(expires, sizeof(expires), "%lld", t->expires);
	if ((text = malloc(cap)) == NULL) {
		free(members);
		return ns_fail(err, "train %s: out of memory", t->id);
	}
	add(&text, len, &cap, &failed, "%s", TRAIN_HEADER);
	add_field(&text, len, &cap, &failed, "id", t->id);
	add_field(&text, len, &cap, &failed, "approver", t->approver);
	add_field(&text, len, &cap, &failed, "created", created);
	add_field(&text, len, &cap, &failed, "expires", expires);
	add_field(&text, len, &cap, &failed, "members", members);
	add_field(&text, len, &cap, &failed, "statement", t->statement);
	add_field(&text, len, &cap, &failed, "statement_sha256", t->statement_sha256);
	free(members);
	if (failed) {
		free(text);
		*len = 0;
		return ns_fail(err, "train %s: ticket over %d bytes or out of memory", t->id,
		               NS_TICKET_MAX);
	}
	*out = text;
	return 0;
}

/* "a b c": member approval ids separated by one blank. */
static int
parse_members(const char *v, size_t n, struct ns_train *t)
{
	size_t start = 0, i;

	t->n = 0;
	for (i = 0; i <= n; i++) {
		if (i < n && v[i] != ' ')
			continue;
		if (t->n == NS_TRAIN_MEMBERS_MAX ||
		    ns_ticket_text_to(t->members[t->n], sizeof(t->members[0]), v + start,
		                      i - start) != 0 ||
		    !ns_ticket_id_valid(t->members[t->n]))
			return -1;
		t->n++;
		start = i + 1;
	}
	return t->n > 0 ? 0 : -1;
}

int
ns_train_parse(const char *buf, size_t size, const char *id, struct ns_train *t)
{
	static const char *const names[] = { "id", "approver", "created", "expires", "members",
		                             "statement", "statement_sha256" };
	const char *v[7];
	size_t n[7], pos = strlen(TRAIN_HEADER), f;

	memset(t, 0, sizeof(*t));
	if (size < pos || memcmp(buf, TRAIN_HEADER, pos) != 0)
		return -1;
	for (f = 0; f < 7; f++)
		if (ns_ticket_take(buf, size, &pos, names[f], &v[f], &n[f]) != 0)
			return -1;
	if (pos != size ||
	    ns_ticket_text_to(t->id, sizeof(t->id), v[0], n[0]) || strcmp(t->id, id) != 0 ||
	    ns_ticket_text_to(t->approver, sizeof(t->approver), v[1], n[1]) ||
	    ns_ticket_number_to(&t->created, v[2], n[2]) ||
	    ns_ticket_number_to(&t->expires, v[3], n[3]) ||
	    parse_members(v[4], n[4], t) != 0 ||
	    ns_ticket_text_to(t->statement_sha256, sizeof(t->statement_sha256), v[6], n[6]) ||
	    (t->statement = ns_ticket_text_dup(v[5], n[5])) == NULL) {
		ns_train_clear(t);
		return -1;
	}
	return 0;
}

int
ns_train_read(struct ns_state *st, const char *id, struct ns_train *t, struct ns_err *err)
{
	char shown[PATH_MAX], *buf;
	size_t len;
	int rc;

	memset(t, 0, sizeof(*t));
	snprintf(shown, sizeof(shown), "%s/tickets", st->path);
	rc = ns_ticket_load(st->ticketsfd, shown, id, TRAIN_HEADER, &buf, &len, err);
	if (rc == 2)
		return 1; /* a single release's ticket */
	if (rc != 0)
		return rc;
	rc = ns_train_parse(buf, len, id, t);
	free(buf);
	if (rc != 0)
		return ns_fail(err, "%s/%s: malformed train ticket", shown, id);
	snprintf(shown, sizeof(shown), "%s/used", st->path);
	rc = ns_used_state(st->usedfd, shown, id, err);
	if (rc < 0) {
		ns_train_clear(t);
		return -1;
	}
	t->consumed = rc == 0;
	return 0;
}

int
ns_train_create(struct ns_state *st, const struct ns_config *cfg, const char *approver,
                time_t now, const struct ns_train_member *m, size_t n, struct ns_train *t,
                struct ns_err *err)
{
	char shown[PATH_MAX], *text;
	unsigned char h[32];
	size_t i, len;
	int rc;

	memset(t, 0, sizeof(*t));
	if (n < 1 || n > NS_TRAIN_MEMBERS_MAX)
		return ns_fail(err, "a train has 1 to %d members, not %zu", NS_TRAIN_MEMBERS_MAX, n);
	if (ns_nonce(t->id, err) != 0)
		return -1;
	snprintf(t->approver, sizeof(t->approver), "%s", approver);
	t->created = (long long)now;
	t->expires = (long long)now + cfg->approval_ttl;
	t->n = n;
	for (i = 0; i < n; i++) {
		/* a new train is over checked releases only (a resumed one is rebuilt by
		 * the module over releases in "publishing" and "published") */
		if (strcmp(m[i].release->status, "checked") != 0)
			return ns_fail(err, "train: release %s is %s, not checked",
			               m[i].release->id, m[i].release->status);
		snprintf(t->members[i], sizeof(t->members[i]), "%s", m[i].approval->id);
		if (m[i].approval->expires < t->expires)
			t->expires = m[i].approval->expires;
	}
	t->statement = ns_train_statement(cfg, t, m, err);
	if (t->statement == NULL)
		return -1;
	if (ns_sha256(t->statement, strlen(t->statement), h) != 0)
		return ns_fail(err, "sha256 failed");
	ns_hex(h, 32, t->statement_sha256);
	if (ns_train_format(t, &text, &len, err) != 0)
		return -1;
	snprintf(shown, sizeof(shown), "%s/used", st->path);
	rc = ns_used_prepare(st->usedfd, shown, t->id, err);
	if (rc == 0) {
		snprintf(shown, sizeof(shown), "%s/tickets", st->path);
		rc = sf_write_atomic(st->ticketsfd, shown, t->id, text, len, 0600, err);
	}
	free(text);
	return rc;
}

void
ns_train_clear(struct ns_train *t)
{
	free(t->statement);
	t->statement = NULL;
}
