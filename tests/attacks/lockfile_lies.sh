#!/bin/bash
# Guarantee attacked: nothing goes live without a passing audit of what npm will
# install. npm installs what a lockfile entry's "resolved" names, not what its
# "version" says, and resolves a "version" that is a range at install time. A
# tarball whose npm-shrinkwrap.json says jsonwebtoken 9.0.2 (clean) while its
# resolved URL is the registry tarball of the vulnerable 8.0.0 (GHSA-27h2-hvpr-p74q),
# or whose version is the range "<9.0.0", must be refused before the verification
# prompt, naming the entry, and not go live.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

# NAME SPEC JWT_ENTRY_JSON -> ID (built with tar: npm pack may drop or rewrite
# npm-shrinkwrap.json)
stage_tar() {
	stage_tar_shrinkwrap "$1" ",\"dependencies\":{\"jsonwebtoken\":\"$2\"}" \
		"$(printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{"jsonwebtoken":"%s"}},"node_modules/jsonwebtoken":%s}}' \
			"$1" "$1" "$2" "$3")"
}
# NAME REASON: A1's approve must fail before the prompt, naming the entry
refused() {
	refused_before_prompt "$1" "past a shrinkwrap that lies about what npm installs" "$2"
	pass "$1 refused before the prompt: $2"
}

REG=${REGISTRY_URL%/}
SAYS='entry "node_modules/jsonwebtoken" says jsonwebtoken@9.0.2 but its resolved URL is the registry tarball of'

# (a) "version" clean, "resolved" the vulnerable tarball: npm installs 8.0.0
stage_tar atk-lf-resolved ^9.0.0 "{\"version\":\"9.0.2\",\"resolved\":\"$REG/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz\"}"
refused atk-lf-resolved "$SAYS jsonwebtoken@8.0.0"

# (a') the same behind a query string and escapes the registry ignores or decodes
stage_tar atk-lf-escaped ^9.0.0 "{\"version\":\"9.0.2\",\"resolved\":\"$REG/json%77ebtoken/-/jsonwebtoken-8.0.0.tgz?v=9.0.2\"}"
refused atk-lf-escaped "$SAYS jsonwebtoken@8.0.0"

# (a'') "resolved" another package's tarball: npm installs it as jsonwebtoken
stage_tar atk-lf-otherpkg ^9.0.0 "{\"version\":\"9.0.2\",\"resolved\":\"$REG/lodash/-/lodash-4.17.20.tgz\"}"
refused atk-lf-otherpkg "$SAYS lodash@4.17.20"

# (b) a range as "version": npm resolves it at install (to 8.x)
stage_tar atk-lf-range '*' '{"version":"<9.0.0"}'
refused atk-lf-range "version '<9.0.0' is a range or dist-tag, not an exact version: npm would resolve it at install"

# Control: an honest shrinkwrap whose resolved is the 9.0.2 tarball publishes.
stage_tar atk-lf-honest ^9.0.0 "{\"version\":\"9.0.2\",\"resolved\":\"$REG/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz\"}"
code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" approve "$ID"
packument_has atk-lf-honest 1.0.0 2>/dev/null || fail "the honest shrinkwrap did not publish"
pass "an honest shrinkwrap with a matching resolved still publishes"
