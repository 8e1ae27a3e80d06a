#!/bin/bash
# Guarantee attacked: nothing goes live without a passing audit of what npm will
# install. The audit reads the tree from the tarball's npm-shrinkwrap.json, but
# npm installs what package.json declares: a dependency the shrinkwrap omits,
# locks under another package's name, or locks at a version outside the declared
# range is resolved afresh by npm, never audited. Each such tarball (the vulnerable
# jsonwebtoken 8.0.0, GHSA-27h2-hvpr-p74q, behind a lying shrinkwrap) must be
# refused before the verification prompt, naming the dependency, and not go live.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

SW_ROOT='"":{"name":"%s","version":"1.0.0","dependencies":{"jsonwebtoken":"%s"}}'
# NAME SPEC EXTRA_PACKAGES_JSON -> ID (a tarball built with tar: npm pack may drop or
# rewrite npm-shrinkwrap.json)
stage_tar() {
	stage_tar_shrinkwrap "$1" ",\"dependencies\":{\"jsonwebtoken\":\"$2\"}" \
		"$(printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{'"$SW_ROOT"'%s}}' \
			"$1" "$1" "$2" "$3")"
}
# NAME REASON: A1's approve must fail before the prompt, naming the dependency
refused() {
	refused_before_prompt "$1" "past a shrinkwrap that does not lock what npm installs" \
		"jsonwebtoken: $2"
	pass "$1 refused before the prompt: jsonwebtoken: $2"
}

# (a) the shrinkwrap lists only the root: npm resolves jsonwebtoken@8.0.0 itself
stage_tar atk-sw-missing 8.0.0 ''
refused atk-sw-missing "npm-shrinkwrap.json does not lock it"

# (b) the entry claims to be lodash: npm ignores it (the spec is not an alias)
stage_tar atk-sw-renamed 8.0.0 ',"node_modules/jsonwebtoken":{"version":"8.0.0","name":"lodash"}'
refused atk-sw-renamed "locked as lodash, package.json asks for jsonwebtoken"

# (c) a clean version locked outside the range: npm installs 8.0.0
stage_tar atk-sw-outside 8.0.0 ',"node_modules/jsonwebtoken":{"version":"9.0.2"}'
refused atk-sw-outside "locked 9.0.2 does not satisfy 8.0.0"

# (d) a lockfile v1 alias: "jwt": "npm:jsonwebtoken@8.0.0" is jsonwebtoken 8.0.0
D="$T/tar-atk-sw-alias"
mkdir -p "$D/package"
fixture_package "$D/package" atk-sw-alias 1.0.0 ',"dependencies":{"jwt":"npm:jsonwebtoken@8.0.0"}'
printf '{"name":"atk-sw-alias","version":"1.0.0","lockfileVersion":1,"requires":true,"dependencies":{"jwt":{"version":"npm:jsonwebtoken@8.0.0"}}}\n' \
	> "$D/package/npm-shrinkwrap.json"
tar -C "$D" --owner=0 --group=0 --numeric-owner -czf "$D/pkg.tgz" package || fail "tar alias"
chmod 0755 "$D" && chmod 0644 "$D/pkg.tgz"
expect_status 0 nr stage "$D/pkg.tgz"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
code "$S1"
rc=0
printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$ID" > "$T/approve-alias.out" 2>&1 || rc=$?
sed 's/^/    | /' "$T/approve-alias.out"
if [ "$rc" = 0 ] || packument_has atk-sw-alias 1.0.0 2>/dev/null; then
	attack_succeeded "an aliased jsonwebtoken@8.0.0 (lockfile v1) went live unaudited"
fi
grep -q 'Verification code for' "$T/approve-alias.out" && fail "atk-sw-alias: the approver was prompted"
contains "$(cat "$T/approve-alias.out")" "jsonwebtoken@8.0.0 GHSA-27h2-hvpr-p74q"
pass "a v1 alias is audited as the package npm installs: refused on GHSA-27h2-hvpr-p74q"

# Control: an honest shrinkwrap of a fixed jsonwebtoken passes the audit and publishes.
stage_tar atk-sw-honest ^9.0.0 ',"node_modules/jsonwebtoken":{"version":"9.0.2"}'
code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" approve "$ID"
packument_has atk-sw-honest 1.0.0 2>/dev/null || fail "the honest shrinkwrap did not publish"
pass "an honest shrinkwrap still publishes"
