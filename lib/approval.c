#include "config.h"

#include <stdio.h>
#include <string.h>

#include "approval.h"
#include "digest.h"
#include "statement.h"

const char *
ns_statement_registry(const struct ns_config *cfg)
{
	return cfg->registry_url ? cfg->registry_url : "local";
}

void
ns_approval_fields(const struct ns_config *cfg, const struct ns_release *r,
                   const struct ns_approval *a, struct ns_statement_fields *f,
                   struct ns_statement_provenance *prov)
{
	memset(f, 0, sizeof(*f));
	f->action = a->action[0] ? a->action : NS_ACTION_APPROVE;
	f->registry = ns_statement_registry(cfg);
	f->name = r->name;
	f->version = r->version;
	f->tag = r->tag;
	/* A reject may name a release whose bytes were never fetched or checked. */
	f->integrity = r->integrity[0] ? r->integrity : "none";
	f->shasum = r->shasum[0] ? r->shasum : "none";
	f->stage_id = r->id;
	f->report_sha256 = r->report_sha256[0] ? r->report_sha256 : "none";
	f->approver = a->approver;
	f->nonce = a->id;
	f->expires = (time_t)a->expires;
	/* a malformed provenance leaves empty fields, which the statement refuses */
	if (ns_statement_provenance_from_report(r->report, prov) != 0)
		f->provenance = prov;
}

int
ns_approval_create(struct ns_state *st, const struct ns_config *cfg, const struct ns_release *r,
                   const char *action, const char *approver, time_t now, struct ns_approval *a,
                   struct ns_err *err)
{
	struct ns_statement_fields f;
	struct ns_statement_provenance prov;
	unsigned char h[32];

	memset(a, 0, sizeof(*a));
	if (strcmp(action, NS_ACTION_APPROVE) != 0 && strcmp(action, NS_ACTION_REJECT) != 0)
		return ns_fail(err, "unknown approval action '%s'", action);
	if (ns_nonce(a->id, err) != 0)
		return -1;
	snprintf(a->action, sizeof(a->action), "%s", action);
	snprintf(a->release_id, sizeof(a->release_id), "%s", r->id);
	snprintf(a->approver, sizeof(a->approver), "%s", approver);
	a->created = (long long)now;
	a->expires = (long long)now + cfg->approval_ttl;
	ns_approval_fields(cfg, r, a, &f, &prov);
	a->statement = ns_statement_build(&f, err);
	if (a->statement == NULL)
		return -1;
	if (ns_sha256(a->statement, strlen(a->statement), h) != 0)
		return ns_fail(err, "sha256 failed");
	ns_hex(h, 32, a->statement_sha256);
	return ns_approval_insert(st, a, err);
}
