/* The policy a loaded configuration gives one package: its scope (the most
 * specific match), who may approve it, and the per-scope settings with their
 * global fallbacks. Parsing is nsconfig.c's. */
#include "config.h"

#include <grp.h>
#include <pwd.h>
#include <stdio.h>
#include <string.h>

#include "nsconfig.h"

const struct ns_scope *
ns_config_scope(const struct ns_config *cfg, const char *pkg)
{
	const struct ns_scope *best = NULL;
	int best_rank = 0, rank;
	size_t i, n;

	for (i = 0; i < cfg->n_scopes; i++) {
		const char *p = cfg->scopes[i].pattern;
		n = strlen(p);
		if (strcmp(p, pkg) == 0)
			rank = 3;
		else if (n > 2 && strcmp(p + n - 2, "/*") == 0 && strncmp(p, pkg, n - 1) == 0)
			rank = 2;
		else if (strcmp(p, "*") == 0)
			rank = 1;
		else
			rank = 0;
		if (rank > best_rank) {
			best_rank = rank;
			best = &cfg->scopes[i];
		}
	}
	return best;
}

static int
user_in_group(const char *user, const char *group)
{
	struct passwd pw, *pwp = NULL;
	struct group gr, *grp = NULL;
	char pbuf[4096], gbuf[16384];
	size_t i;

	if (getgrnam_r(group, &gr, gbuf, sizeof(gbuf), &grp) != 0 || grp == NULL)
		return 0;
	for (i = 0; grp->gr_mem != NULL && grp->gr_mem[i] != NULL; i++)
		if (strcmp(grp->gr_mem[i], user) == 0)
			return 1;
	if (getpwnam_r(user, &pw, pbuf, sizeof(pbuf), &pwp) != 0 || pwp == NULL)
		return 0;
	return pwp->pw_gid == grp->gr_gid;
}

/* Root (any name with uid 0) approves only where the config says so: a root shell
 * is not a person, and every admin with sudo would otherwise be the same approver. */
static int
is_uid0(const char *user)
{
	struct passwd pw, *pwp = NULL;
	char pbuf[4096];

	if (strcmp(user, "root") == 0)
		return 1;
	return getpwnam_r(user, &pw, pbuf, sizeof(pbuf), &pwp) == 0 && pwp != NULL &&
	       pwp->pw_uid == 0;
}

int
ns_scope_allows(const struct ns_scope *scope, const char *user)
{
	size_t i;

	if (scope == NULL || user == NULL)
		return 0;
	if (!scope->root_may_approve && is_uid0(user))
		return 0;
	for (i = 0; i < scope->n_approvers; i++) {
		const char *a = scope->approvers[i];
		if (a[0] == '%') {
			if (user_in_group(user, a + 1))
				return 1;
		} else if (strcmp(a, user) == 0) {
			return 1;
		}
	}
	return 0;
}

int
ns_config_audit_level(const struct ns_config *cfg, const char *pkg)
{
	const struct ns_scope *s = ns_config_scope(cfg, pkg);

	return s != NULL && s->audit_level >= 0 ? s->audit_level : cfg->audit_level;
}

int
ns_config_install_scripts(const struct ns_config *cfg, const char *pkg)
{
	const struct ns_scope *s = ns_config_scope(cfg, pkg);

	return s != NULL && s->install_scripts >= 0 ? s->install_scripts : cfg->install_scripts;
}

int
ns_scope_source_path(const struct ns_scope *scope, const char *name, const char *version,
                     char *out, size_t cap)
{
	const char *p;
	size_t o = 0, n;
	char sub[300];

	if (scope == NULL || scope->source == NULL)
		return -1;
	for (p = scope->source; *p != '\0'; p++) {
		const char *ins = NULL;
		if (p[0] == '%' && (p[1] == 'n' || p[1] == 'v')) {
			size_t i;
			snprintf(sub, sizeof(sub), "%s", p[1] == 'n' ? name : version);
			for (i = 0; sub[i] != '\0'; i++)
				if (sub[i] == '/')
					sub[i] = '+';
			if (sub[0] == '\0' || sub[0] == '.' || strstr(sub, "..") != NULL)
				return -1;
			ins = sub;
			p++;
		}
		n = ins ? strlen(ins) : 1;
		if (o + n + 1 > cap)
			return -1;
		memcpy(out + o, ins ? ins : p, n);
		o += n;
	}
	out[o] = '\0';
	return 0;
}

unsigned
ns_config_min_approvers(const struct ns_config *cfg, const char *pkg)
{
	const struct ns_scope *s = ns_config_scope(cfg, pkg);

	return s == NULL || s->min_approvers == 0 ? 1 : s->min_approvers;
}

int
ns_config_require_uv(const struct ns_config *cfg, const char *pkg)
{
	const struct ns_scope *s = ns_config_scope(cfg, pkg);

	return s != NULL && s->require_uv;
}

unsigned
ns_config_factors_for(const struct ns_config *cfg, const char *pkg)
{
	const struct ns_scope *s = ns_config_scope(cfg, pkg);

	if (s == NULL || s->factors == 0)
		return cfg->factors;
	return cfg->factors & s->factors;
}
