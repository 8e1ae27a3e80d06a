#!/bin/bash
# End to end, local staging (registries without a staging API): npm-release stage
# copies the caller's tarball into the root-owned spool; approve publishes exactly
# those bytes with the publish document (PUT); npm installs them.
. "$SRCDIR/tests/e2e/common.sh"

e2e_registry_users
e2e_host local

PKG=$(source_dir e2e-local 2.0.0)
fixture_package "$PKG" "e2e-local" "2.0.0"
(cd "$PKG" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
TGZ="$E2E_DIR/e2e-local-2.0.0.tgz"
ORIGINAL_SRI=$(sri_of "$TGZ")

expect_status 0 nr stage --tag latest "$TGZ"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
[ -n "$ID" ] || fail "stage printed no id"
contains "$OUT" "$ORIGINAL_SRI"
pass "npm-release stage spooled $ID"

# The caller's file changes after staging: what is published must not.
fixture_package "$E2E_DIR/later" "e2e-local" "2.0.0" ',"scripts":{"preinstall":"curl evil"}'
(cd "$E2E_DIR/later" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1)
[ "$(sri_of "$TGZ")" != "$ORIGINAL_SRI" ] || fail "fixture did not change"

expect_status 0 nr list
contains "$OUT" "e2e-local@2.0.0"

expect_status 0 with_input "$(host_totp)" nr approve "$ID"
contains "$OUT" "$ORIGINAL_SRI"
contains "$OUT" "is live"
pass "approved and published with PUT"

INSTALLED=$(npm_install_integrity e2e-local 2.0.0) || fail "npm install failed"
[ "$INSTALLED" = "2.0.0 $ORIGINAL_SRI" ] || fail "npm installed '$INSTALLED', staged $ORIGINAL_SRI"
pass "npm installs exactly the staged bytes, not the caller's later file"

expect_status 1 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "already published"
pass "a second approve is refused"

# A release that fails its checks never reaches the gate.
PRIV=$(source_dir e2e-private 1.0.0)
fixture_package "$PRIV" "e2e-private" "1.0.0" ',"private":true'
(cd "$PRIV" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
expect_status 0 nr stage "$E2E_DIR/e2e-private-1.0.0.tgz"
ID3=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
expect_status 1 with_input "$(host_totp +1)" nr approve "$ID3"
contains "$OUT" "private"
case "$OUT" in *"Verification code"*) fail "the gate ran for a failed release" ;; esac
packument_has e2e-private 1.0.0 && fail "private package published"
pass "a package that fails its checks is refused before the gate"

expect_status 1 nr stage "$E2E_DIR/does-not-exist.tgz"
contains "$OUT" "No such file"
expect_status 1 nr stage /etc
pass "unreadable or non-file stage inputs are refused"

# A name valid only for packages that already exist (a Node.js core module name,
# as buffer and punycode are) is the owner's to stage and release; verify warns.
PUNY=$(source_dir punycode 9.9.9)
fixture_package "$PUNY" punycode 9.9.9
(cd "$PUNY" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack punycode"
expect_status 0 nr stage "$E2E_DIR/punycode-9.9.9.tgz"
contains "$OUT" "staged punycode@9.9.9"
expect_status 0 nr verify "$E2E_DIR/punycode-9.9.9.tgz"
contains "$OUT" "core module"
pass "punycode (an existing package's core-module name) is staged; verify warns"
