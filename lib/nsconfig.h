/* npmstage.conf: one INI file, root-owned, read through secure_file. */
#ifndef NS_CONFIG_H
#define NS_CONFIG_H

#include <stddef.h>
#include <sys/types.h>

#include "nserr.h"

#define NS_DEFAULT_CONFIG "/etc/npmstage/npmstage.conf"
#define NS_CONFIG_MAX_SIZE (256 * 1024)
#define NS_MAX_SCOPES 256
#define NS_MAX_NAMES 64
#define NS_MAX_ADVISORY_DIRS 16

enum ns_registry_mode { NS_MODE_STAGE, NS_MODE_LOCAL };
enum ns_registry_otp { NS_OTP_NONE, NS_OTP_STORED, NS_OTP_PROMPT, NS_OTP_WEB };
enum ns_uv { NS_UV_DISCOURAGED, NS_UV_PREFERRED, NS_UV_REQUIRED };
/* install_scripts: review = a new or changed install script fails, an unchanged one
 * warns; allow = both warn (allow_install_scripts = yes); deny = any one fails. */
enum ns_install_scripts { NS_INSTALL_SCRIPTS_REVIEW, NS_INSTALL_SCRIPTS_ALLOW,
	NS_INSTALL_SCRIPTS_DENY };
/* [scope] provenance: off = not looked for; if-present = verified when the stage or
 * the registry has one; required = none is a failed check. */
enum ns_provenance_mode { NS_PROVENANCE_OFF, NS_PROVENANCE_IF_PRESENT, NS_PROVENANCE_REQUIRED };

/* Who may approve which packages, matched by exact name, "@scope/" + "*" or "*". */
struct ns_scope {
	char *pattern;
	char *approvers[NS_MAX_NAMES]; /* user names; "%group" for groups */
	size_t n_approvers;
	unsigned factors;              /* 0 = the global set */
	int audit_level;               /* -1 = the global level */
	char *source;                  /* source checkout dir pattern (%n name, %v version) */
	int install_scripts;           /* enum ns_install_scripts, -1 = [npmstage]'s */
	char *generated[NS_MAX_NAMES]; /* globs of generated files not compared to the source */
	size_t n_generated;
	unsigned min_approvers;        /* distinct approvers before the publish (1..8) */
	int root_may_approve;          /* [npmstage] root_may_approve, copied at load */
	int require_uv;                /* every approval needs UV (fido2, ssh-sk) */
	int provenance;                /* enum ns_provenance_mode (default off) */
	/* the identity policy: NULL = not checked; ref is a glob (fnmatch) */
	char *provenance_repository, *provenance_workflow, *provenance_ref, *provenance_issuer;
};

struct ns_config {
	char *path;
	char *state_dir;
	char *service;                 /* PAM service the helper runs */
	char *stagers[NS_MAX_NAMES];   /* who may stage locally ("%group" ok); root always */
	size_t n_stagers;
	unsigned stager_spool_max;     /* local releases one stager may have waiting */
	unsigned factors;
	unsigned approval_ttl;         /* seconds an approval statement is valid */
	unsigned totp_window;          /* steps either side */
	unsigned totp_max_failures;
	unsigned totp_lockout;         /* seconds, doubled by each further lockout */
	unsigned totp_max_lockouts;    /* timed lockouts in a row before an admin must unlock */
	char *fido2_rp_id;
	enum ns_uv fido2_uv;
	unsigned sshsk_touch_timeout;  /* [ssh-sk] touch_timeout: seconds the agent may take */
	char *registry_url;
	enum ns_registry_mode registry_mode;
	enum ns_registry_otp registry_otp;
	char *read_token_file;
	char *token_file;
	char *ca_file;
	unsigned registry_timeout;
	int audit_level;
	int install_scripts;           /* enum ns_install_scripts */
	char *advisories[NS_MAX_ADVISORY_DIRS + 1]; /* NULL-terminated OSV dirs / index files */
	size_t n_advisories;
	int audit_bulk;                /* also ask the registry's bulk advisory endpoint */
	char *audit_exceptions;
	char *osv_url;                 /* [audit] osv_url: OSV zip export for advisories update */
	char *check_user;              /* the unprivileged user parsers run as (not root) */
	int check_user_set;            /* named in the file (else "nobody", a finding) */
	int root_may_approve;          /* uid 0 may be an approver (default no) */
	char *trusted_root;            /* [provenance] trusted_root: pinned Sigstore root */
	char *registry_keys;           /* [provenance] registry_keys: pinned registry keys */
	char *debug_stop_at;           /* [debug] stop_at: approve step to SIGSTOP at, or NULL */
	struct ns_scope *scopes;        /* n_scopes of them (grown as sections appear) */
	size_t n_scopes;
};

/* Loads and validates path (root-owned, not group/other-writable, no links).
 * Any unknown section or key, bad value or refused factor is an error. */
struct ns_config *ns_config_load(const char *path, struct ns_err *err);

/* Parses text as configuration (used by the loader and the fuzzer). */
struct ns_config *ns_config_parse(const char *text, const char *shown, struct ns_err *err);

void ns_config_free(struct ns_config *cfg);

/* The most specific scope for a package name, or NULL. */
const struct ns_scope *ns_config_scope(const struct ns_config *cfg, const char *pkg);

/* Whether user (with its groups) is an approver in scope. */
int ns_scope_allows(const struct ns_scope *scope, const char *user);

/* Distinct approvers pkg needs (its scope's min_approvers; 1 without a scope). */
unsigned ns_config_min_approvers(const struct ns_config *cfg, const char *pkg);
/* require_uv of pkg's scope: user verification (PIN, biometric) on every hardware
 * factor's signature, beyond the user presence always required. */
int ns_config_require_uv(const struct ns_config *cfg, const char *pkg);

/* Factors permitted for pkg: the scope's set within the global one. */
unsigned ns_config_factors_for(const struct ns_config *cfg, const char *pkg);

/* The audit level for pkg: the scope's, else the global one. */
int ns_config_audit_level(const struct ns_config *cfg, const char *pkg);

/* The install_scripts policy for a package (its scope's, else [npmstage]'s). */
int ns_config_install_scripts(const struct ns_config *cfg, const char *pkg);

/* Expands a scope's source pattern for name@version into out (name's '/' becomes
 * '+'); 0 on success, -1 when it does not fit or the result would leave the
 * pattern's directory ("..", empty). */
int ns_scope_source_path(const struct ns_scope *scope, const char *name, const char *version,
                         char *out, size_t cap);

/* [provenance] and the scope's provenance keys (nsconfig_provenance.c): 1 when name is
 * one of them and its value is good, 0 when not one of them, -1 with why set when bad. */
int ns_config_provenance_key(struct ns_config *cfg, const char *name, const char *value,
                             char *why, size_t cap);
int ns_scope_provenance_key(struct ns_scope *scope, const char *name, const char *value,
                            char *why, size_t cap);
/* After the parse: a scope asking for provenance needs the trust material and a
 * repository to hold the signer to. 0, or -1 with why set. */
int ns_config_provenance_check(const struct ns_config *cfg, char *why, size_t cap);
void ns_scope_provenance_free(struct ns_scope *scope);
const char *ns_provenance_mode_name(int mode);

/* Severity names used by the audit level: info low moderate high critical none. */
int ns_severity_parse(const char *s);
const char *ns_severity_name(int level);

#endif
