#!/bin/bash
# Guarantee attacked: what goes live is what was checked, in registry stage mode:
# the version manifest npm install acts on (dependencies, scripts, ...) included.
# The stager uploads a stage whose version manifest adds a dependency and a
# postinstall script that the tarball's package/package.json does not have. The
# registry keeps that manifest and its POST /-/stage/<id>/approve would publish it;
# the stage API shows no manifest (GET /-/stage/<id> is metadata only), so the
# checks cannot see it. npm-release must publish the checked package.json instead:
# the live version carries neither the dependency nor the script.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

live_version() { # NAME VERSION -> the registry's version document (JSON) or ""
	curl -fsS "${REGISTRY_URL}$(printf '%s' "$1" | sed 's|/|%2f|')" 2>/dev/null |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=(JSON.parse(s).versions||{})[process.argv[1]];if(v)console.log(JSON.stringify(v))})' "$2"
}

NAME=@acme/atk-confused
pack_pkg "$NAME" 1.0.0
ID=$(node "$SRCDIR/tests/registry/stage-crafted.js" "$REGISTRY_URL" "$STAGER_TOKEN" "$DIR" "$TGZ" \
	'{"dependencies":{"evil-dep":"^6.6.6"},"scripts":{"postinstall":"node evil.js"}}') ||
	fail "the crafted stage was refused"
[ -n "$ID" ] || fail "no stage id"
pass "staged $ID with a manifest that is not the tarball's package.json"

code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" approve "$ID"
V=$(live_version "$NAME" 1.0.0)
[ -n "$V" ] || fail "1.0.0 is not live"
case "$V" in *evil-dep*) attack_succeeded "the live version depends on evil-dep (the stager's manifest went live)" ;; esac
case "$V" in *postinstall*) attack_succeeded "the live version has the stager's postinstall script" ;; esac
printf '%s' "$V" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s);process.exit(v.dist.integrity===process.argv[1]&&v.main==="index.js"&&v.description==="e2e fixture"?0:1)})' "$SRI" ||
	fail "the live version is not the checked package.json with the checked integrity"
contains "$OUT" "withdrawing stage $ID"
contains "$OUT" "is live"
pass "the live version is the checked package.json and bytes, not the stager's manifest"

INSTALLED=$(npm_install_integrity "$NAME" 1.0.0) || fail "npm install failed"
[ "$INSTALLED" = "1.0.0 $SRI" ] || fail "npm installed '$INSTALLED', approved $SRI"
curl -fsS -H "authorization: Bearer $STAGER_TOKEN" "${REGISTRY_URL}-/stage/$ID" >/dev/null 2>&1 &&
	fail "the stage is still there after the approve"
expect_status 0 nr log
contains "$OUT" "withdraw"
pass "npm installs the approved bytes; the stage was withdrawn, the ledger says so"
