#!/bin/bash
# Guarantee attacked: the version approved is the version that goes live, and one
# name@version has one set of bytes. A stager's tarball names 1.0.0+b: npm would
# publish it as 1.0.0 (build metadata is dropped), a string compare would take it
# for another version than an interrupted 1.0.0, and the test registry fell over on
# the "+" in its tarball name (red team pass 8). The same for a prerelease number
# above 2^53-1, which node-semver compares as a double (1.0.0-9007199254740992
# equals ...993: red team pass 10). It must be refused at stage, and verify must
# fail it; nothing reaches the registry, which stays up.
. "$SRCDIR/tests/attacks/harness.sh"

NAME=atk-buildmeta
tar_release() { # VERSION DESCRIPTION -> $d/pkg.tgz, built with tar as the stager likes
	d="$T/tar-$1"
	mkdir -p "$d/package"
	fixture_package "$d/package" "$NAME" "$1" ",\"keywords\":[\"$2\"]"
	tar_package "$d"
}

stage_local "$NAME" 1.0.0
HONEST=$ID
pass "staged $NAME@1.0.0 ($HONEST)"

# VERSION WHY: refused at stage and failed by verify, naming WHY
for twin in "1.0.0+b|build metadata" "1.0.0-rc.1+build.7|build metadata" \
	"1.0.0-9007199254740992|above 2^53-1"; do
	v=${twin%%|*} why=${twin#*|}
	tar_release "$v" "twin $v"
	rc=0
	OUT=$(as_user "$ST" "$NR" stage "$d/pkg.tgz" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	[ "$rc" != 0 ] || attack_succeeded "the stager staged $NAME@$v"
	contains "$OUT" "$why"
	printf '%s\n' "$OUT" | grep -qE '^[0-9a-f-]{36}$' && fail "stage printed an id for $v"
	pass "stage of $NAME@$v refused ($why)"

	expect_status 1 nr verify "$d/pkg.tgz"
	contains "$OUT" "$why"
	pass "verify fails $NAME@$v"
done

expect_status 0 nr list
case "$OUT" in *"1.0.0+"*) attack_succeeded "a release with build metadata is listed" ;; esac
curl -fsS "${REGISTRY_URL}-/ping" >/dev/null 2>&1 || curl -fsS "$REGISTRY_URL" >/dev/null ||
	fail "the registry is down"
approve_as_a1 0 "$HONEST"
contains "$OUT" "is live"
packument_has "$NAME" 1.0.0 || fail "$NAME@1.0.0 is not live"
pass "the registry is up and the honest 1.0.0 went live"
