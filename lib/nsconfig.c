#include "config.h"

#include <errno.h>
#include <ini.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "factor.h"
#include "nsconfig.h"
#include "secure_file.h"

/* inih splits a line longer than its buffer into two lines; refuse such input
 * before it gets the chance. */
#define LINE_MAX_LEN 190

struct parse_ctx {
	struct ns_config *cfg;
	struct ns_scope *scope;
	char section[80];
	struct ns_err *err;
	int failed;
};

static const char *const severities[] = { "info", "low", "moderate", "high", "critical",
	                                  "none", NULL };

int
ns_severity_parse(const char *s)
{
	int i;

	for (i = 0; severities[i] != NULL; i++)
		if (strcmp(s, severities[i]) == 0)
			return i;
	return -1;
}

const char *
ns_severity_name(int level)
{
	if (level < 0 || level > 5)
		return "?";
	return severities[level];
}

static int
set_str(char **dst, const char *v)
{
	free(*dst);
	*dst = strdup(v);
	return *dst != NULL;
}

static int
parse_uint(const char *v, unsigned min, unsigned max, unsigned *out)
{
	char *end;
	unsigned long n;

	if (*v < '0' || *v > '9')
		return 0;
	errno = 0;
	n = strtoul(v, &end, 10);
	if (errno != 0 || *end != '\0' || n < min || n > max)
		return 0;
	*out = (unsigned)n;
	return 1;
}

static int
valid_pattern(const char *p)
{
	size_t n = strlen(p);

	if (strcmp(p, "*") == 0)
		return 1;
	if (n == 0 || n > 214)
		return 0;
	if (strchr(p, '*') != NULL)
		return p[0] == '@' && n > 3 && strcmp(p + n - 2, "/*") == 0 &&
		       strchr(p, '*') == p + n - 1 && strchr(p, '/') == p + n - 2;
	return 1;
}

static int bad(struct parse_ctx *c, const char *fmt, ...) NS_PRINTF(2, 3);

static int
bad(struct parse_ctx *c, const char *fmt, ...)
{
	char tmp[300];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	ns_fail(c->err, "%.150s: %s", c->cfg->path ? c->cfg->path : "config", tmp);
	c->failed = 1;
	return 0;
}

static int
add_names(struct parse_ctx *c, char **names, size_t *count, const char *v)
{
	const char *p = v;
	size_t n;

	while (*p != '\0') {
		p += strspn(p, " \t,");
		n = strcspn(p, " \t,");
		if (n == 0)
			break;
		if (*count >= NS_MAX_NAMES)
			return bad(c, "too many names in [%s]", c->section);
		if (n > LOGIN_NAME_MAX)
			return bad(c, "user or group name too long in [%s]", c->section);
		names[*count] = strndup(p, n);
		if (names[*count] == NULL)
			return bad(c, "out of memory");
		(*count)++;
		p += n;
	}
	return 1;
}

/* install_scripts = review|allow|deny; allow_install_scripts = yes (allow) | no (review). */
static int
parse_install_scripts(const char *name, const char *value)
{
	if (name[0] == 'a')
		return strcmp(value, "yes") == 0 ? NS_INSTALL_SCRIPTS_ALLOW :
		       strcmp(value, "no") == 0 ? NS_INSTALL_SCRIPTS_REVIEW : -1;
	return strcmp(value, "review") == 0 ? NS_INSTALL_SCRIPTS_REVIEW :
	       strcmp(value, "allow") == 0 ? NS_INSTALL_SCRIPTS_ALLOW :
	       strcmp(value, "deny") == 0 ? NS_INSTALL_SCRIPTS_DENY : -1;
}

static int
handle_scope(struct parse_ctx *c, const char *name, const char *value)
{
	struct ns_scope *s = c->scope;
	struct ns_err ferr;

	if (strcmp(name, "approvers") == 0)
		return add_names(c, s->approvers, &s->n_approvers, value);
	if (strcmp(name, "factors") == 0) {
		s->factors = ns_factor_parse_list(value, &ferr);
		if (s->factors == 0)
			return bad(c, "[%s] factors: %.200s", c->section, ferr.msg);
		return 1;
	}
	if (strcmp(name, "audit_level") == 0) {
		s->audit_level = ns_severity_parse(value);
		if (s->audit_level < 0)
			return bad(c, "[%s] audit_level: unknown level '%s'", c->section, value);
		return 1;
	}
	if (strcmp(name, "source") == 0) {
		if (value[0] != '/' || strstr(value, "..") != NULL)
			return bad(c, "[%s] source must be an absolute path without '..'", c->section);
		return set_str(&s->source, value) || bad(c, "out of memory");
	}
	if (strcmp(name, "install_scripts") == 0 || strcmp(name, "allow_install_scripts") == 0) {
		if (s->install_scripts >= 0)
			return bad(c, "[%s] install_scripts set twice (allow_install_scripts is its "
			              "older spelling)", c->section);
		return (s->install_scripts = parse_install_scripts(name, value)) >= 0 ||
		       bad(c, "[%s] %s: '%s' is not %s", c->section, name, value, name[0] == 'a' ?
		           "yes or no" : "review, allow or deny");
	}
	if (strcmp(name, "generated") == 0)
		return add_names(c, s->generated, &s->n_generated, value);
	if (strcmp(name, "min_approvers") == 0)
		return parse_uint(value, 1, 8, &s->min_approvers) ||
		       bad(c, "[%s] min_approvers: '%s' is not 1..8", c->section, value);
	if (strcmp(name, "require_uv") == 0) {
		if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
			return bad(c, "[%s] require_uv: '%s' is not yes or no", c->section, value);
		s->require_uv = value[0] == 'y';
		return 1;
	}
	{
		char why[200];
		int k = ns_scope_provenance_key(s, name, value, why, sizeof(why));
		if (k != 0)
			return k > 0 || bad(c, "[%s] %s", c->section, why);
	}
	return bad(c, "[%s]: unknown key '%s'", c->section, name);
}

static int
handler(void *user, const char *section, const char *name, const char *value)
{
	struct parse_ctx *c = user;
	struct ns_config *cfg = c->cfg;
	struct ns_err ferr;

	if (c->failed)
		return 0;
	if (strcmp(section, c->section) != 0) {
		snprintf(c->section, sizeof(c->section), "%s", section);
		c->scope = NULL;
		if (strncmp(section, "scope ", 6) == 0) {
			size_t i;
			const char *pat = section + 6;
			if (!valid_pattern(pat))
				return bad(c, "[%s]: bad package pattern (use a name, @scope/* or *)",
				           section);
			for (i = 0; i < cfg->n_scopes; i++)
				if (strcmp(cfg->scopes[i].pattern, pat) == 0)
					return bad(c, "[%s]: scope defined twice", section);
			if (cfg->n_scopes >= NS_MAX_SCOPES)
				return bad(c, "too many scopes");
			/* Grown one at a time: the module parses the file on every
			 * authentication, and a fixed array of every possible scope cost
			 * more than the rest of the parse. */
			{
				struct ns_scope *grown = reallocarray(cfg->scopes, cfg->n_scopes + 1,
				                                      sizeof(*grown));
				if (grown == NULL)
					return bad(c, "out of memory");
				cfg->scopes = grown;
				memset(&grown[cfg->n_scopes], 0, sizeof(*grown));
			}
			c->scope = &cfg->scopes[cfg->n_scopes++];
			c->scope->audit_level = -1;
			c->scope->install_scripts = -1;
			c->scope->min_approvers = 1;
			if (!set_str(&c->scope->pattern, pat))
				return bad(c, "out of memory");
		}
	}
	if (c->scope != NULL)
		return handle_scope(c, name, value);

	if (strcmp(section, "npmstage") == 0) {
		if (strcmp(name, "state_dir") == 0) {
			if (value[0] != '/')
				return bad(c, "state_dir must be an absolute path: '%s'", value);
			return set_str(&cfg->state_dir, value) || bad(c, "out of memory");
		}
		if (strcmp(name, "stagers") == 0)
			return add_names(c, cfg->stagers, &cfg->n_stagers, value);
		if (strcmp(name, "service") == 0)
			return set_str(&cfg->service, value) || bad(c, "out of memory");
		if (strcmp(name, "factors") == 0) {
			cfg->factors = ns_factor_parse_list(value, &ferr);
			return cfg->factors != 0 || bad(c, "factors: %.250s", ferr.msg);
		}
		if (strcmp(name, "stager_spool_max") == 0)
			return parse_uint(value, 1, 10000, &cfg->stager_spool_max) ||
			       bad(c, "stager_spool_max: '%s' is not 1..10000 releases", value);
		if (strcmp(name, "approval_ttl") == 0)
			return parse_uint(value, 30, 86400, &cfg->approval_ttl) ||
			       bad(c, "approval_ttl: '%s' is not 30..86400 seconds", value);
		if (strcmp(name, "audit_level") == 0) {
			cfg->audit_level = ns_severity_parse(value);
			return cfg->audit_level >= 0 || bad(c, "audit_level: unknown level '%s'", value);
		}
		if (strcmp(name, "install_scripts") == 0)
			return (cfg->install_scripts = parse_install_scripts(name, value)) >= 0 ||
			       bad(c, "install_scripts: '%s' is not review, allow or deny", value);
		if (strcmp(name, "check_user") == 0) {
			if (strcmp(value, "root") == 0 || strlen(value) == 0 || strlen(value) > 32 ||
			    strspn(value, "abcdefghijklmnopqrstuvwxyz0123456789_-") != strlen(value))
				return bad(c, "check_user: '%s' is not an unprivileged user name", value);
			cfg->check_user_set = 1;
			return set_str(&cfg->check_user, value) || bad(c, "out of memory");
		}
		if (strcmp(name, "root_may_approve") == 0) {
			if (strcmp(value, "yes") != 0 && strcmp(value, "no") != 0)
				return bad(c, "root_may_approve: yes or no");
			cfg->root_may_approve = value[0] == 'y';
			return 1;
		}
	} else if (strcmp(section, "debug") == 0) {
		if (strcmp(name, "stop_at") == 0) {
			static const char *const steps[] = { "fetched", "checked", "consumed",
				                             "approved", "withdrawn", "sent", "live",
				                             "recorded", "checker", NULL };
			size_t i;
			for (i = 0; steps[i] != NULL; i++)
				if (strcmp(value, steps[i]) == 0)
					return set_str(&cfg->debug_stop_at, value) || bad(c, "out of memory");
			return bad(c, "[debug] stop_at: '%s' is not fetched, checked, consumed, approved, "
			              "withdrawn, sent, live, recorded or checker", value);
		}
	} else if (strcmp(section, "provenance") == 0) {
		char why[200];
		int k = ns_config_provenance_key(cfg, name, value, why, sizeof(why));
		if (k != 0)
			return k > 0 || bad(c, "[provenance] %s", why);
	} else if (strcmp(section, "audit") == 0) {
		if (strcmp(name, "advisories") == 0) {
			if (value[0] != '/')
				return bad(c, "[audit] advisories must be an absolute path");
			if (cfg->n_advisories >= NS_MAX_ADVISORY_DIRS)
				return bad(c, "[audit] at most %d advisories entries", NS_MAX_ADVISORY_DIRS);
			return set_str(&cfg->advisories[cfg->n_advisories++], value) ||
			       bad(c, "out of memory");
		}
		if (strcmp(name, "bulk") == 0) {
			if (strcmp(value, "on") != 0 && strcmp(value, "off") != 0)
				return bad(c, "[audit] bulk: on or off");
			cfg->audit_bulk = value[1] == 'n';
			return 1;
		}
		if (strcmp(name, "osv_url") == 0) {
			if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0)
				return bad(c, "[audit] osv_url must be http:// or https://: '%s'", value);
			return set_str(&cfg->osv_url, value) || bad(c, "out of memory");
		}
		if (strcmp(name, "exceptions") == 0) {
			if (value[0] != '/')
				return bad(c, "[audit] exceptions must be an absolute path");
			return set_str(&cfg->audit_exceptions, value) || bad(c, "out of memory");
		}
	} else if (strcmp(section, "totp") == 0) {
		if (strcmp(name, "window") == 0)
			return parse_uint(value, 0, 10, &cfg->totp_window) ||
			       bad(c, "totp window: '%s' is not 0..10 steps", value);
		if (strcmp(name, "max_failures") == 0)
			return parse_uint(value, 1, 100, &cfg->totp_max_failures) ||
			       bad(c, "totp max_failures: '%s' is not 1..100", value);
		if (strcmp(name, "lockout") == 0)
			return parse_uint(value, 1, 86400, &cfg->totp_lockout) ||
			       bad(c, "totp lockout: '%s' is not 1..86400 seconds", value);
		if (strcmp(name, "max_lockouts") == 0)
			return parse_uint(value, 0, 20, &cfg->totp_max_lockouts) ||
			       bad(c, "totp max_lockouts: '%s' is not 0..20", value);
	} else if (strcmp(section, "fido2") == 0) {
		if (strcmp(name, "rp_id") == 0)
			return set_str(&cfg->fido2_rp_id, value) || bad(c, "out of memory");
		if (strcmp(name, "user_verification") == 0) {
			if (strcmp(value, "required") == 0)
				cfg->fido2_uv = NS_UV_REQUIRED;
			else if (strcmp(value, "preferred") == 0)
				cfg->fido2_uv = NS_UV_PREFERRED;
			else if (strcmp(value, "discouraged") == 0)
				cfg->fido2_uv = NS_UV_DISCOURAGED;
			else
				return bad(c, "user_verification: '%s' is not required, preferred or discouraged", value);
			return 1;
		}
	} else if (strcmp(section, "ssh-sk") == 0) {
		if (strcmp(name, "touch_timeout") == 0)
			return parse_uint(value, 5, 300, &cfg->sshsk_touch_timeout) ||
			       bad(c, "[ssh-sk] touch_timeout: '%s' is not 5..300 seconds", value);
	} else if (strcmp(section, "registry") == 0) {
		if (strcmp(name, "url") == 0) {
			if (strncmp(value, "https://", 8) != 0 && strncmp(value, "http://", 7) != 0)
				return bad(c, "registry url must be http:// or https://: '%s'", value);
			return set_str(&cfg->registry_url, value) || bad(c, "out of memory");
		}
		if (strcmp(name, "mode") == 0) {
			if (strcmp(value, "stage") == 0)
				cfg->registry_mode = NS_MODE_STAGE;
			else if (strcmp(value, "local") == 0)
				cfg->registry_mode = NS_MODE_LOCAL;
			else
				return bad(c, "registry mode: '%s' is not stage or local", value);
			return 1;
		}
		if (strcmp(name, "otp") == 0) {
			if (strcmp(value, "stored") == 0)
				cfg->registry_otp = NS_OTP_STORED;
			else if (strcmp(value, "prompt") == 0)
				cfg->registry_otp = NS_OTP_PROMPT;
			else if (strcmp(value, "web") == 0)
				cfg->registry_otp = NS_OTP_WEB;
			else if (strcmp(value, "none") == 0)
				cfg->registry_otp = NS_OTP_NONE;
			else
				return bad(c, "registry otp: '%s' is not stored, prompt, web or none", value);
			return 1;
		}
		if (strcmp(name, "read_token_file") == 0 || strcmp(name, "token_file") == 0 ||
		    strcmp(name, "ca_file") == 0) {
			char **dst = name[0] == 'r' ? &cfg->read_token_file :
			             name[0] == 't' ? &cfg->token_file : &cfg->ca_file;
			if (value[0] != '/')
				return bad(c, "%s must be an absolute path", name);
			return set_str(dst, value) || bad(c, "out of memory");
		}
		if (strcmp(name, "timeout") == 0)
			return parse_uint(value, 1, 3600, &cfg->registry_timeout) ||
			       bad(c, "registry timeout: '%s' is not 1..3600 seconds", value);
	} else {
		return bad(c, "unknown section [%s]", section);
	}
	return bad(c, "[%s]: unknown key '%s'", section, name);
}

static struct ns_config *
config_new(void)
{
	struct ns_config *cfg = calloc(1, sizeof(*cfg));

	if (cfg == NULL)
		return NULL;
	cfg->factors = NS_FACTOR_ALL;
	cfg->approval_ttl = 300;
	cfg->stager_spool_max = 16;
	cfg->totp_window = 1;
	cfg->totp_max_failures = 5;
	cfg->totp_lockout = 300;
	cfg->totp_max_lockouts = 4;
	cfg->fido2_uv = NS_UV_PREFERRED;
	cfg->sshsk_touch_timeout = 60;
	cfg->registry_mode = NS_MODE_STAGE;
	cfg->registry_otp = NS_OTP_NONE;
	cfg->registry_timeout = 60;
	cfg->audit_level = 2; /* moderate */
	if (!set_str(&cfg->state_dir, "/var/lib/npmstage") ||
	    !set_str(&cfg->service, "npm-release") || !set_str(&cfg->check_user, "nobody") || !set_str(&cfg->fido2_rp_id, "npmstage")) {
		ns_config_free(cfg);
		return NULL;
	}
	return cfg;
}

/* Before inih sees the text: no line longer than its buffer (it would split it),
 * and no section header twice (inih would silently merge the two). */
static int
precheck(const char *text, const char *shown, struct ns_err *err)
{
	static const size_t max_sections = NS_MAX_SCOPES + 8;
	const char *line = text, *nl, *p;
	const char **seen;
	size_t n_seen = 0, len, i;
	unsigned lineno = 1;
	int rc = 0;

	seen = calloc(max_sections, sizeof(*seen));
	if (seen == NULL)
		return ns_fail(err, "out of memory");
	for (; *line != '\0' && rc == 0; lineno++) {
		nl = strchr(line, '\n');
		len = nl ? (size_t)(nl - line) : strlen(line);
		if (len > LINE_MAX_LEN) {
			rc = ns_fail(err, "%s:%u: line longer than %d characters (split approvers over "
			                  "several lines)", shown, lineno, LINE_MAX_LEN);
			break;
		}
		p = line + strspn(line, " \t");
		if (*p == '[') {
			size_t hl = len - (size_t)(p - line);
			for (i = 0; i < n_seen; i++) {
				if (strncmp(seen[i], p, hl) == 0 && (seen[i][hl] == '\n' || seen[i][hl] == '\0')) {
					rc = ns_fail(err, "%s:%u: section %.*s defined twice", shown, lineno,
					             (int)(hl > 100 ? 100 : hl), p);
					break;
				}
			}
			if (rc == 0 && n_seen >= max_sections)
				rc = ns_fail(err, "%s:%u: too many sections", shown, lineno);
			else if (rc == 0)
				seen[n_seen++] = p;
		}
		if (nl == NULL)
			break;
		line = nl + 1;
	}
	free(seen);
	return rc;
}

struct ns_config *
ns_config_parse(const char *text, const char *shown, struct ns_err *err)
{
	struct parse_ctx c;
	struct ns_config *cfg;
	int rc;

	if (precheck(text, shown, err) != 0)
		return NULL;
	cfg = config_new();
	if (cfg == NULL) {
		ns_fail(err, "out of memory");
		return NULL;
	}
	if (!set_str(&cfg->path, shown)) {
		ns_config_free(cfg);
		ns_fail(err, "out of memory");
		return NULL;
	}
	memset(&c, 0, sizeof(c));
	c.cfg = cfg;
	c.err = err;
	rc = ini_parse_string(text, handler, &c);
	if (rc != 0 || c.failed) {
		if (!c.failed)
			ns_fail(err, "%s:%d: syntax error", shown, rc);
		ns_config_free(cfg);
		return NULL;
	}
	if (cfg->registry_url != NULL && cfg->registry_mode == NS_MODE_STAGE &&
	    cfg->read_token_file == NULL) {
		ns_fail(err, "%s: [registry] mode = stage needs read_token_file (a token that "
		             "can list and download staged versions)", shown);
		ns_config_free(cfg);
		return NULL;
	}
	{
		char why[300];
		if (ns_config_provenance_check(cfg, why, sizeof(why)) != 0) {
			ns_fail(err, "%s: %s", shown, why);
			ns_config_free(cfg);
			return NULL;
		}
	}
	for (size_t i = 0; i < cfg->n_scopes; i++)
		cfg->scopes[i].root_may_approve = cfg->root_may_approve;
	return cfg;
}

struct ns_config *
ns_config_load(const char *path, struct ns_err *err)
{
	struct ns_config *cfg;
	char *text;

	if (sf_read_file(path, 022, NS_CONFIG_MAX_SIZE, &text, NULL, err) != 0)
		return NULL;
	cfg = ns_config_parse(text, path, err);
	free(text);
	return cfg;
}

void
ns_config_free(struct ns_config *cfg)
{
	size_t i, j;

	if (cfg == NULL)
		return;
	free(cfg->path);
	free(cfg->state_dir);
	free(cfg->service);
	free(cfg->fido2_rp_id);
	free(cfg->registry_url);
	free(cfg->read_token_file);
	free(cfg->token_file);
	free(cfg->ca_file);
	free(cfg->check_user);
	free(cfg->debug_stop_at);
	free(cfg->trusted_root);
	free(cfg->registry_keys);
	for (i = 0; i < cfg->n_stagers; i++)
		free(cfg->stagers[i]);
	for (i = 0; i < cfg->n_advisories; i++)
		free(cfg->advisories[i]);
	free(cfg->audit_exceptions);
	free(cfg->osv_url);
	for (i = 0; i < cfg->n_scopes; i++) {
		free(cfg->scopes[i].pattern);
		for (j = 0; j < cfg->scopes[i].n_approvers; j++)
			free(cfg->scopes[i].approvers[j]);
		for (j = 0; j < cfg->scopes[i].n_generated; j++)
			free(cfg->scopes[i].generated[j]);
		free(cfg->scopes[i].source);
		ns_scope_provenance_free(&cfg->scopes[i]);
	}
	free(cfg->scopes);
	free(cfg);
}
