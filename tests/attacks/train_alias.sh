#!/bin/bash
# Guarantee attacked: a release train publishes a member only after the members it
# depends on went live, and not when one of them was left out. The dependency may
# be an npm alias ("x": "npm:PKG@1.0.1"), which names PKG in the spec, not the key
# (red team pass 9). The stager sets it up alone: PKG is new, so its 2.0.0 staged
# for "next" becomes "latest" too when it goes live, and the train's PKG@1.0.1
# (tag latest) is overtaken in the same train; the member that installs PKG@1.0.1
# through the alias must wait with it (it could never install), and go after PKG.
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
stage_local atk-alias-c 1.0.0; C=$ID
pass "staged $PKG@2.0.0 (next), $PKG@1.0.1, atk-alias-b (x: npm:$PKG@1.0.1), atk-alias-c"

code "$S1"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$B" "$P2" "$P1" "$C" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
contains "$OUT" "dist-tag.first"
pass "the approver was told that $PKG@2.0.0, its first version, becomes \"latest\" too"
packument_has atk-alias-b 1.0.0 2>/dev/null &&
	attack_succeeded "atk-alias-b went live depending on $PKG@1.0.1, which was not published"
packument_has "$PKG" 1.0.1 2>/dev/null && fail "$PKG@1.0.1 went live behind 2.0.0"
[ "$rc" = 1 ] || fail "the incomplete train exited $rc"
contains "$OUT" "not published: it depends on $PKG, which was not published"
packument_has "$PKG" 2.0.0 || fail "$PKG@2.0.0 is not live"
packument_has atk-alias-c 1.0.0 || fail "atk-alias-c, unrelated, was stranded"
ORDER=$(printf '%s\n' "$OUT" | sed -n 's/^publishing \([a-z-]*\)@.*/\1/p' | tr '\n' ' ')
[ "$ORDER" = "$PKG $PKG atk-alias-c " ] || fail "publish order: $ORDER"
pass "the member depending on $PKG by alias waited with $PKG@1.0.1; the others went live ($ORDER)"
