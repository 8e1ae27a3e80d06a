#!/bin/bash
# Guarantee attacked: nothing goes live without a passing audit of what npm will
# install. A package's own npm-shrinkwrap.json is installed as written by npm 7 to
# 11 (when the version document says "_hasShrinkwrap": true, which npm-release sets
# for such a tarball): each entry is fetched from what its "resolved" names (a git
# repository, a remote or file: tarball, another host), not as name@version from
# the registry. The audit names advisories by name and version, so an entry that
# claims a clean version (jsonwebtoken 9.0.2) but fetches from elsewhere must be
# refused before the verification prompt, naming where it fetches from, and not go
# live. An honest shrinkwrap whose entries are the configured registry's tarballs
# still publishes, and its version document says "_hasShrinkwrap": true.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

# NAME LOCKFILE_JSON -> ID: a tarball built with tar (npm pack drops npm-shrinkwrap.json)
stage_sw() {
	stage_tar_shrinkwrap "$1" ',"dependencies":{"jsonwebtoken":"^9.0.0"}' "$2"
}
# NAME RESOLVED (v3): jsonwebtoken 9.0.2 fetched from RESOLVED
v3() {
	printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{"jsonwebtoken":"^9.0.0"}},"node_modules/jsonwebtoken":{"version":"9.0.2","resolved":"%s"}}}' \
		"$1" "$1" "$2"
}
# NAME SOURCE: A1's approve must fail before the prompt, naming SOURCE
refused() {
	refused_before_prompt "$1" "although its shrinkwrap fetches jsonwebtoken from $2" \
		"fetch jsonwebtoken from $2, outside the registry"
	pass "$1 refused before the prompt: jsonwebtoken fetched from $2"
}

GIT='git+ssh://git@example.invalid/evil/jsonwebtoken.git#0123456789abcdef0123456789abcdef01234567'
stage_sw atk-swr-git "$(v3 atk-swr-git "$GIT")"
refused atk-swr-git "$GIT"

# the registry's tarball path, on another host
OTHER='https://example.invalid/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz'
stage_sw atk-swr-host "$(v3 atk-swr-host "$OTHER")"
refused atk-swr-host "$OTHER"

# a file: tarball (npm would read it next to the installed package)
stage_sw atk-swr-file "$(v3 atk-swr-file 'file:vendor/jsonwebtoken-9.0.2.tgz')"
refused atk-swr-file 'file:vendor/jsonwebtoken-9.0.2.tgz'

# lockfile v1: a URL "version" (read as jsonwebtoken 9.0.2 from its file name)
stage_sw atk-swr-v1url "$(printf '{"name":"atk-swr-v1url","version":"1.0.0","lockfileVersion":1,"requires":true,"dependencies":{"jsonwebtoken":{"version":"%s"}}}' "$OTHER")"
refused atk-swr-v1url "$OTHER"

# lockfile v1: a git "version" (was skipped as "not from the registry" and passed)
stage_sw atk-swr-v1git "$(printf '{"name":"atk-swr-v1git","version":"1.0.0","lockfileVersion":1,"requires":true,"dependencies":{"jsonwebtoken":{"version":"%s","from":"git+ssh://git@example.invalid/evil/jsonwebtoken.git"}}}' "$GIT")"
refused atk-swr-v1git "$GIT"

# Control: the same entry fetched from the configured registry publishes, with
# "_hasShrinkwrap": true in the version document npm clients read.
stage_sw atk-swr-honest "$(v3 atk-swr-honest "${REGISTRY_URL}jsonwebtoken/-/jsonwebtoken-9.0.2.tgz")"
code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" approve "$ID"
packument_has atk-swr-honest 1.0.0 2>/dev/null || fail "the honest shrinkwrap did not publish"
HAS=$(curl -fsS "${REGISTRY_URL}atk-swr-honest" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(String(JSON.parse(s).versions["1.0.0"]._hasShrinkwrap)))')
[ "$HAS" = true ] || fail "the version document says _hasShrinkwrap=$HAS for a tarball with npm-shrinkwrap.json"
pass "a shrinkwrap fetching only from the configured registry publishes, _hasShrinkwrap true"
