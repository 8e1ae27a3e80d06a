/* npmstage.conf parsing: defaults, every refusal path, scope matching. */
#include "config.h"

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "factor.h"
#include "nsconfig.h"

static struct ns_config *
parse(const char *text, struct ns_err *err)
{
	memset(err, 0, sizeof(*err));
	return ns_config_parse(text, "test.conf", err);
}

static void
test_defaults(void **state)
{
	struct ns_err err;
	struct ns_config *c = parse("", &err);

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->state_dir, "/var/lib/npmstage");
	assert_int_equal(c->factors, NS_FACTOR_ALL);
	assert_int_equal(c->totp_window, 1);
	assert_int_equal(c->audit_level, 2);
	assert_int_equal(c->approval_ttl, 300);
	assert_int_equal(c->totp_lockout, 300);
	assert_int_equal(c->totp_max_lockouts, 4);
	ns_config_free(c);
}

static void
test_full(void **state)
{
	struct ns_err err;
	struct ns_config *c = parse("[npmstage]\nstate_dir = /srv/ns\nfactors = fido2\n"
	                            "stagers = ci %builders\n"
	                            "[registry]\nurl = http://127.0.0.1:1/\nmode = local\n"
	                            "token_file = /etc/t\notp = prompt\n"
	                            "[scope @acme/*]\napprovers = alice %rel\nfactors = fido2\n"
	                            "[scope *]\napprovers = bob\n[scope left-pad]\napprovers = carol\n",
	                            &err);

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->state_dir, "/srv/ns");
	assert_int_equal(c->factors, NS_FACTOR_FIDO2);
	assert_int_equal(c->n_stagers, 2);
	assert_int_equal(c->registry_mode, NS_MODE_LOCAL);
	assert_int_equal(c->registry_otp, NS_OTP_PROMPT);
	assert_string_equal(ns_config_scope(c, "@acme/x")->pattern, "@acme/*");
	assert_string_equal(ns_config_scope(c, "@acmex/y")->pattern, "*");
	assert_string_equal(ns_config_scope(c, "left-pad")->pattern, "left-pad");
	assert_true(ns_scope_allows(ns_config_scope(c, "@acme/x"), "alice"));
	assert_false(ns_scope_allows(ns_config_scope(c, "@acme/x"), "bob"));
	assert_true(ns_scope_allows(ns_config_scope(c, "other"), "bob"));
	ns_config_free(c);
}

static void
test_refusals(void **state)
{
	static const struct {
		const char *text;
		const char *needle;
	} cases[] = {
		{ "[npmstage]\nfactors = totp sms\n", "refused" },
		{ "[npmstage]\nfactors = SMS\n", "refused" },
		{ "[npmstage]\nfactors = voice\n", "refused" },
		{ "[npmstage]\nfactors = email\n", "refused" },
		{ "[npmstage]\nfactors = push\n", "refused" },
		{ "[npmstage]\nfactors = yubiotp\n", "unknown factor" },
		{ "[scope *]\nfactors = sms\n", "refused" },
		{ "[npmstage]\nbogus = 1\n", "unknown key" },
		{ "[nosuch]\na = b\n", "unknown section" },
		{ "[npmstage]\nstate_dir = relative\n", "absolute" },
		{ "[npmstage]\napproval_ttl = 5\n", "approval_ttl" },
		{ "[npmstage]\napproval_ttl = 10x\n", "approval_ttl" },
		{ "[totp]\nwindow = 99\n", "window" },
		{ "[totp]\nmax_lockouts = 21\n", "max_lockouts" },
		{ "[registry]\nurl = ftp://x\n", "http" },
		{ "[registry]\nurl = http://127.0.0.1/\nmode = stage\n", "read_token_file" },
		{ "[registry]\nmode = yolo\n", "mode" },
		{ "[registry]\notp = sms\n", "otp" },
		{ "[scope @a*]\napprovers = x\n", "pattern" },
		{ "[scope *]\napprovers = a\n[scope *]\napprovers = b\n", "twice" },
		{ "[npmstage\n", "syntax" },
		{ "[npmstage]\naudit_level = severe\n", "audit_level" },
		{ "[npmstage]\ninstall_scripts = yes\n", "review, allow or deny" },
		{ "[scope *]\ninstall_scripts = maybe\n", "review, allow or deny" },
		{ "[scope *]\nallow_install_scripts = deny\n", "yes or no" },
		{ "[scope *]\nallow_install_scripts = yes\ninstall_scripts = deny\n", "twice" },
	};
	struct ns_err err;
	size_t i;

	(void)state;
	for (i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		struct ns_config *c = parse(cases[i].text, &err);
		if (c != NULL)
			fail_msg("accepted: %s", cases[i].text);
		if (strstr(err.msg, cases[i].needle) == NULL)
			fail_msg("case %zu: '%s' lacks '%s'", i, err.msg, cases[i].needle);
	}
}

/* install_scripts: [npmstage]'s for packages whose scope sets none; the older
 * allow_install_scripts = yes|no is allow|review. */
static void
test_install_scripts(void **state)
{
	struct ns_err err;
	struct ns_config *c = parse("[npmstage]\ninstall_scripts = deny\n"
	                            "[scope @a/*]\napprovers = x\nallow_install_scripts = yes\n"
	                            "[scope @b/*]\napprovers = x\nallow_install_scripts = no\n"
	                            "[scope @c/*]\napprovers = x\ninstall_scripts = allow\n"
	                            "[scope *]\napprovers = x\n", &err);

	(void)state;
	assert_non_null(c);
	assert_int_equal(ns_config_install_scripts(c, "@a/p"), NS_INSTALL_SCRIPTS_ALLOW);
	assert_int_equal(ns_config_install_scripts(c, "@b/p"), NS_INSTALL_SCRIPTS_REVIEW);
	assert_int_equal(ns_config_install_scripts(c, "@c/p"), NS_INSTALL_SCRIPTS_ALLOW);
	assert_int_equal(ns_config_install_scripts(c, "other"), NS_INSTALL_SCRIPTS_DENY);
	ns_config_free(c);
	c = parse("[scope *]\napprovers = x\n", &err);
	assert_non_null(c);
	assert_int_equal(ns_config_install_scripts(c, "other"), NS_INSTALL_SCRIPTS_REVIEW);
	ns_config_free(c);
}

static void
test_long_line(void **state)
{
	char text[400];
	struct ns_err err;

	(void)state;
	memset(text, 'a', sizeof(text));
	memcpy(text, "[npmstage]\nservice = ", 21);
	text[sizeof(text) - 1] = '\0';
	assert_null(parse(text, &err));
	assert_non_null(strstr(err.msg, "longer than"));
}

static void
test_factor_names(void **state)
{
	struct ns_err err;

	(void)state;
	assert_int_equal(ns_factor_parse("totp", &err), NS_FACTOR_TOTP);
	assert_int_equal(ns_factor_parse("fido2", &err), NS_FACTOR_FIDO2);
	assert_int_equal(ns_factor_parse("sms", &err), 0);
	assert_non_null(strstr(err.msg, "never accepted"));
	assert_int_equal(ns_factor_parse("ssh-sk", &err), NS_FACTOR_SSHSK);
	assert_int_equal(ns_factor_parse("ssh", &err), 0);
	assert_int_equal(ns_factor_parse_list("totp,fido2", &err), NS_FACTOR_TOTP | NS_FACTOR_FIDO2);
	assert_int_equal(ns_factor_parse_list("totp fido2 ssh-sk", &err), NS_FACTOR_ALL);
	assert_int_equal(ns_factor_parse_list("ssh-sk sms", &err), 0);
	assert_int_equal(ns_factor_parse_list("", &err), 0);
	assert_int_equal(ns_factor_parse_list("totp, sms", &err), 0);
}

/* Root is listed but is no approver unless root_may_approve = yes (any uid 0
 * name); others listed beside it are unaffected. */
static void
test_root_approver(void **state)
{
	struct ns_err err;
	struct ns_config *c;

	(void)state;
	c = ns_config_parse("[scope *]\napprovers = root alice\n", "t", &err);
	assert_non_null(c);
	assert_false(c->root_may_approve);
	assert_false(ns_scope_allows(ns_config_scope(c, "x"), "root"));
	assert_true(ns_scope_allows(ns_config_scope(c, "x"), "alice"));
	ns_config_free(c);
	c = ns_config_parse("[npmstage]\nroot_may_approve = yes\n[scope *]\napprovers = root\n",
	                    "t", &err);
	assert_non_null(c);
	assert_true(ns_scope_allows(ns_config_scope(c, "x"), "root"));
	ns_config_free(c);
	assert_null(ns_config_parse("[npmstage]\nroot_may_approve = maybe\n", "t", &err));
	assert_non_null(strstr(err.msg, "root_may_approve"));
}

/* [provenance] and the scope's identity policy: parsed, defaulted to off, and every
 * bad value refused with the key named. */
static void
test_provenance(void **state)
{
	static const char ok[] =
	    "[provenance]\ntrusted_root = /etc/npmstage/trusted_root.json\n"
	    "registry_keys = /etc/npmstage/registry-keys.json\n"
	    "[scope sigstore]\napprovers = alice\nprovenance = required\n"
	    "provenance_repository = https://github.com/sigstore/sigstore-js\n"
	    "provenance_workflow = .github/workflows/release.yml\n"
	    "provenance_ref = refs/heads/*\n"
	    "provenance_issuer = https://token.actions.githubusercontent.com\n"
	    "[scope other]\napprovers = alice\n"
	    "[scope maybe]\napprovers = alice\nprovenance = if-present\n"
	    "provenance_repository = https://github.com/acme/maybe\n";
	static const struct { const char *text, *needle; } refused[] = {
	    { "[provenance]\ntrusted_root = relative.json\n", "trusted_root" },
	    { "[provenance]\nregistry_keys = /a/../b\n", "registry_keys" },
	    { "[provenance]\ntrusted_root = /a\ntrusted_root = /b\n", "trusted_root set twice" },
	    { "[provenance]\nroot = /a\n", "unknown key 'root'" },
	    { "[scope x]\nprovenance = maybe\n", "provenance: 'maybe'" },
	    { "[provenance]\ntrusted_root = /t\n[scope x]\nprovenance = required\n",
	      "needs provenance_repository" },
	    { "[scope x]\nprovenance = required\nprovenance_repository = https://r/x\n",
	      "needs [provenance] trusted_root" },
	    { "[scope x]\nprovenance_repository = https://r/x\n", "provenance is off" },
	    { "[scope x]\nprovenance_repository = http://r/x\n", "provenance_repository" },
	    { "[scope x]\nprovenance_issuer = issuer\n", "provenance_issuer" },
	    { "[scope x]\nprovenance_workflow = a b\n", "provenance_workflow" },
	    { "[scope x]\nprovenance_ref = refs/*\nprovenance_ref = x\n", "provenance_ref set twice" },
	};
	struct ns_err err;
	struct ns_config *c = parse(ok, &err);
	const struct ns_scope *s;
	size_t i;

	(void)state;
	assert_non_null(c);
	assert_string_equal(c->trusted_root, "/etc/npmstage/trusted_root.json");
	assert_string_equal(c->registry_keys, "/etc/npmstage/registry-keys.json");
	s = ns_config_scope(c, "sigstore");
	assert_non_null(s);
	assert_int_equal(s->provenance, NS_PROVENANCE_REQUIRED);
	assert_string_equal(s->provenance_repository, "https://github.com/sigstore/sigstore-js");
	assert_string_equal(s->provenance_workflow, ".github/workflows/release.yml");
	assert_string_equal(s->provenance_ref, "refs/heads/*");
	assert_string_equal(s->provenance_issuer, "https://token.actions.githubusercontent.com");
	s = ns_config_scope(c, "other");
	assert_int_equal(s->provenance, NS_PROVENANCE_OFF);
	assert_null(s->provenance_repository);
	assert_int_equal(ns_config_scope(c, "maybe")->provenance, NS_PROVENANCE_IF_PRESENT);
	ns_config_free(c);
	for (i = 0; i < sizeof(refused) / sizeof(refused[0]); i++) {
		c = parse(refused[i].text, &err);
		if (c != NULL || strstr(err.msg, refused[i].needle) == NULL)
			fail_msg("accepted or unnamed: %s -> %s", refused[i].text, err.msg);
	}
}

int
main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_defaults),
		cmocka_unit_test(test_full),
		cmocka_unit_test(test_refusals),
		cmocka_unit_test(test_install_scripts),
		cmocka_unit_test(test_long_line),
		cmocka_unit_test(test_factor_names),
		cmocka_unit_test(test_root_approver),
		cmocka_unit_test(test_provenance),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
