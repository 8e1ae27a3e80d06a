#include "config.h"

#include <stdio.h>
#include <string.h>
#include <syslog.h>

#include "eligibility.h"
#include "nslog.h"
#include "registry.h"
#include "stage_record.h"
#include "token_store.h"

/* The package name of release id: the local record, else the registry's stage
 * record (metadata only). 0 found, 1 unknown, -1 error. */
static int
package_of(struct session *s, const char *id, char *name, size_t cap, struct ns_err *err)
{
	struct ns_release r;
	struct reg_client *c;
	char token[NS_TOKEN_MAX];
	int k;

	memset(&r, 0, sizeof(r));
	k = ns_release_get(s->st, id, &r, err);
	if (k == 1 && s->cfg->registry_url != NULL && s->cfg->registry_mode == NS_MODE_STAGE) {
		if (ns_read_token_load(s->cfg->read_token_file, token, sizeof(token), err) != 0)
			return -1;
		c = reg_new(s->cfg->registry_url, s->cfg->ca_file, s->cfg->registry_timeout, err);
		k = c != NULL && stage_record_fetch(c, token, id, &r, err) == 0 ? 0 : -1;
		explicit_bzero(token, sizeof(token));
		reg_free(c);
	}
	if (k == 0)
		snprintf(name, cap, "%s", r.name);
	ns_release_clear(&r);
	return k;
}

int
eligibility_require_approver(struct session *s, const char *id, const char *action)
{
	const struct ns_scope *scope;
	char name[NS_NAME_MAX + 1];
	struct ns_err err;
	int k;

	k = package_of(s, id, name, sizeof(name), &err);
	if (k != 0) {
		if (k == 1)
			fprintf(stderr, "npm-release: no staged release %s (locally%s); nothing done\n",
			        id, s->cfg->registry_mode == NS_MODE_STAGE ? " or on the registry" : "");
		else
			fprintf(stderr, "npm-release: %s\n", err.msg);
		return -1;
	}
	scope = ns_config_scope(s->cfg, name);
	if (!ns_scope_allows(scope, s->caller)) {
		fprintf(stderr, "npm-release: %s denied: %s is not an approver of %s (scope %s); "
		        "nothing done\n", action, s->caller, name, scope ? scope->pattern : "none");
		ns_log(LOG_WARNING, "refused %s of %s (%s) by %s: not an approver of its scope",
		       action, id, name, s->caller);
		return -1;
	}
	return 0;
}

int
eligibility_package_of(struct session *s, const char *id, char *name, size_t cap,
                       struct ns_err *err)
{
	return package_of(s, id, name, cap, err);
}
