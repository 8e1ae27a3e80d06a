#!/bin/bash
# Guarantee attacked: a release train publishes a member only after the members it
# depends on went live, and not when one of them was left out. The dependency may
# be an npm alias ("x": "npm:PKG@1.0.1"), which names PKG in the spec, not the key
# (red team pass 9), or a tarball URL, which names no package at all (pass 10;
# such a member goes after, and waits with, every other member). The stager sets
# it up alone: PKG is new, so its 2.0.0 staged for "next" becomes "latest" too
# when it goes live, and the train's PKG@1.0.1 (tag latest) is overtaken in the
# same train; the members that install PKG@1.0.1 through the alias or the URL must
# wait with it (they could never install), and go after PKG.
# The approver also sees that the first version of PKG becomes "latest".
. "$SRCDIR/tests/attacks/harness.sh"

PKG=atk-alias-a
stage_tagged() { # TGZ TAG -> ID
	expect_status 0 as_user "$ST" "$NR" stage --tag "$2" "$1"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
pack_pkg "$PKG" 1.0.1; P1_TGZ=$TGZ; P1_SRI=$SRI
pack_pkg "$PKG" 2.0.0; stage_tagged "$TGZ" next; P2=$ID
stage_tagged "$P1_TGZ" latest; P1=$ID

# b installs PKG@1.0.1 as "x", locked in its npm-shrinkwrap.json (what the audit reads)
d="$T/tar-alias-b"
mkdir -p "$d/package"
fixture_package "$d/package" atk-alias-b 1.0.0 ",\"dependencies\":{\"x\":\"npm:$PKG@1.0.1\"}"
printf '{"name":"atk-alias-b","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"atk-alias-b","version":"1.0.0","dependencies":{"x":"npm:%s@1.0.1"}},"node_modules/x":{"name":"%s","version":"1.0.1","resolved":"%s%s/-/%s-1.0.1.tgz","integrity":"%s"}}}\n' \
	"$PKG" "$PKG" "$REGISTRY_URL" "$PKG" "$PKG" "$P1_SRI" > "$d/package/npm-shrinkwrap.json"
tar_package "$d"
stage_tagged "$d/pkg.tgz" latest; B=$ID
# d installs PKG@1.0.1 by its tarball URL, a spec that names no package: it goes
# after every other member and waits when any of them is left out (red team pass 10)
URL="${REGISTRY_URL}$PKG/-/$PKG-1.0.1.tgz"
d="$T/tar-url-d"
mkdir -p "$d/package"
fixture_package "$d/package" atk-alias-d 1.0.0 ",\"dependencies\":{\"y\":\"$URL\"}"
printf '{"name":"atk-alias-d","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"atk-alias-d","version":"1.0.0","dependencies":{"y":"%s"}},"node_modules/y":{"name":"%s","version":"1.0.1","resolved":"%s","integrity":"%s"}}}\n' \
	"$URL" "$PKG" "$URL" "$P1_SRI" > "$d/package/npm-shrinkwrap.json"
tar_package "$d"
stage_tagged "$d/pkg.tgz" latest; D=$ID
stage_local atk-alias-c 1.0.0; C=$ID
pass "staged $PKG@2.0.0 (next), $PKG@1.0.1, atk-alias-b (x: npm:$PKG@1.0.1), atk-alias-d (y: URL), atk-alias-c"

code "$S1"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$D" "$B" "$P2" "$P1" "$C" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
contains "$OUT" "dist-tag.first"
pass "the approver was told that $PKG@2.0.0, its first version, becomes \"latest\" too"
packument_has atk-alias-b 1.0.0 2>/dev/null &&
	attack_succeeded "atk-alias-b went live depending on $PKG@1.0.1, which was not published"
packument_has atk-alias-d 1.0.0 2>/dev/null &&
	attack_succeeded "atk-alias-d went live depending on $PKG@1.0.1 by URL, which was not published"
packument_has "$PKG" 1.0.1 2>/dev/null && fail "$PKG@1.0.1 went live behind 2.0.0"
[ "$rc" = 1 ] || fail "the incomplete train exited $rc"
contains "$OUT" "not published: it depends on $PKG, which was not published"
packument_has "$PKG" 2.0.0 || fail "$PKG@2.0.0 is not live"
packument_has atk-alias-c 1.0.0 || fail "atk-alias-c, unrelated, was stranded"
ORDER=$(printf '%s\n' "$OUT" | sed -n 's/^publishing \([a-z-]*\)@.*/\1/p' | tr '\n' ' ')
[ "$ORDER" = "$PKG $PKG atk-alias-c " ] || fail "publish order: $ORDER"
pass "the members depending on $PKG by alias and by URL waited with $PKG@1.0.1; the others went live ($ORDER)"
