/* The provenance keys of npmstage.conf: [provenance] trusted_root and registry_keys
 * (root-owned pinned copies of the Sigstore trusted root and the registry's keys),
 * and each scope's identity policy (npmstage.conf(5), PROVENANCE). */
#include "config.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "nsconfig.h"

static const char *const mode_names[] = { "off", "if-present", "required" };

const char *
ns_provenance_mode_name(int mode)
{
	return mode >= 0 && mode <= NS_PROVENANCE_REQUIRED ? mode_names[mode] : "?";
}

/* Every value here ends up in the approval statement or the prompt: one printable
 * line, bounded, no spaces inside (none of these names holds one). */
static int
printable_token(const char *v, size_t max)
{
	const unsigned char *p;

	if (*v == '\0' || strlen(v) > max)
		return 0;
	for (p = (const unsigned char *)v; *p != '\0'; p++)
		if (*p <= 0x20 || *p >= 0x7f)
			return 0;
	return 1;
}

static int
set_once(char **dst, const char *name, const char *value, char *why, size_t cap)
{
	if (*dst != NULL) {
		snprintf(why, cap, "%s set twice", name);
		return -1;
	}
	if ((*dst = strdup(value)) == NULL) {
		snprintf(why, cap, "%s: out of memory", name);
		return -1;
	}
	return 1;
}

int
ns_config_provenance_key(struct ns_config *cfg, const char *name, const char *value,
                         char *why, size_t cap)
{
	char **dst = strcmp(name, "trusted_root") == 0 ? &cfg->trusted_root :
	             strcmp(name, "registry_keys") == 0 ? &cfg->registry_keys : NULL;

	if (dst == NULL)
		return 0;
	if (value[0] != '/' || strstr(value, "..") != NULL || !printable_token(value, 4000)) {
		snprintf(why, cap, "%s must be an absolute path without '..'", name);
		return -1;
	}
	return set_once(dst, name, value, why, cap);
}

int
ns_scope_provenance_key(struct ns_scope *s, const char *name, const char *value, char *why,
                        size_t cap)
{
	char **dst = NULL;
	int mode;

	if (strcmp(name, "provenance") == 0) {
		for (mode = 0; mode <= NS_PROVENANCE_REQUIRED; mode++)
			if (strcmp(value, mode_names[mode]) == 0) {
				s->provenance = mode;
				return 1;
			}
		snprintf(why, cap, "provenance: '%.60s' is not required, if-present or off", value);
		return -1;
	}
	if (strcmp(name, "provenance_repository") == 0)
		dst = &s->provenance_repository;
	else if (strcmp(name, "provenance_workflow") == 0)
		dst = &s->provenance_workflow;
	else if (strcmp(name, "provenance_ref") == 0)
		dst = &s->provenance_ref;
	else if (strcmp(name, "provenance_issuer") == 0)
		dst = &s->provenance_issuer;
	else
		return 0;
	if (!printable_token(value, 400)) {
		snprintf(why, cap, "%s: not one printable word of at most 400 bytes", name);
		return -1;
	}
	if ((dst == &s->provenance_repository || dst == &s->provenance_issuer) &&
	    strncmp(value, "https://", 8) != 0) {
		snprintf(why, cap, "%s: '%.100s' is not an https:// URL", name, value);
		return -1;
	}
	return set_once(dst, name, value, why, cap);
}

int
ns_config_provenance_check(const struct ns_config *cfg, char *why, size_t cap)
{
	size_t i;

	for (i = 0; i < cfg->n_scopes; i++) {
		const struct ns_scope *s = &cfg->scopes[i];
		int policy = s->provenance_repository || s->provenance_workflow ||
		             s->provenance_ref || s->provenance_issuer;

		if (s->provenance == NS_PROVENANCE_OFF) {
			/* an identity policy that would silently not be enforced */
			if (policy) {
				snprintf(why, cap, "[scope %.200s] provenance_* keys are set but "
				         "provenance is off (set provenance = required or if-present)",
				         s->pattern);
				return -1;
			}
			continue;
		}
		if (cfg->trusted_root == NULL) {
			snprintf(why, cap, "[scope %.200s] provenance = %s needs [provenance] "
			         "trusted_root", s->pattern, ns_provenance_mode_name(s->provenance));
			return -1;
		}
		/* npm verifies a signature from any repository; the point is to name ours */
		if (s->provenance_repository == NULL) {
			snprintf(why, cap, "[scope %.200s] provenance = %s needs "
			         "provenance_repository", s->pattern,
			         ns_provenance_mode_name(s->provenance));
			return -1;
		}
	}
	return 0;
}

void
ns_scope_provenance_free(struct ns_scope *s)
{
	free(s->provenance_repository);
	free(s->provenance_workflow);
	free(s->provenance_ref);
	free(s->provenance_issuer);
}
