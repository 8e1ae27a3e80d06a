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
	local d="$T/tar-$1"
	mkdir -p "$d/package"
	fixture_package "$d/package" "$1" 1.0.0 ",\"dependencies\":{\"jsonwebtoken\":\"$2\"}"
	printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{"jsonwebtoken":"%s"}},"node_modules/jsonwebtoken":%s}}\n' \
		"$1" "$1" "$2" "$3" > "$d/package/npm-shrinkwrap.json"
	tar -C "$d" --owner=0 --group=0 --numeric-owner -czf "$d/pkg.tgz" package || fail "tar $1"
	chmod 0755 "$d" && chmod 0644 "$d/pkg.tgz"
	expect_status 0 nr stage "$d/pkg.tgz"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
# NAME REASON: A1's approve must fail before the prompt, naming the entry
refused() {
	local rc=0
	code "$S1"
	printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$ID" > "$T/approve-$1.out" 2>&1 || rc=$?
	sed 's/^/    | /' "$T/approve-$1.out"
	if [ "$rc" = 0 ] || packument_has "$1" 1.0.0 2>/dev/null; then
		attack_succeeded "$1 went live past a shrinkwrap that lies about what npm installs"
	fi
	grep -q 'Verification code for' "$T/approve-$1.out" &&
		fail "$1: the approver was prompted for a code"
	contains "$(cat "$T/approve-$1.out")" "$2"
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
