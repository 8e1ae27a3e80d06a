#!/bin/bash
# End to end, registry staging: the real npm CLI stages as a user that may only
# stage; npm-release lists, checks, passes the real PAM stack with an oathtool
# TOTP code, approves with the release account's registry OTP; npm installs it.
. "$SRCDIR/tests/e2e/common.sh"

e2e_registry_users
e2e_host stage

PKG=$(source_dir @acme/e2e-widget 1.0.0)
fixture_package "$PKG" "@acme/e2e-widget" "1.0.0"
ID=$(stage_with_npm "$PKG")
[ -n "$ID" ] || fail "npm stage publish gave no stage id"
pass "npm stage publish staged $ID"

expect_status 0 nr list
contains "$OUT" "$ID"
contains "$OUT" "@acme/e2e-widget@1.0.0"
contains "$OUT" "stager (user)"
pass "npm-release list shows the staged version"

expect_status 2 nr approve "../../etc/passwd"
contains "$OUT" "valid UUID"
pass "a malformed stage id is refused before any request"

WRONG=$(printf '%06d' $(( (10#$(host_totp) + 1) % 1000000 )))
expect_status 1 with_input "$WRONG" nr approve "$ID"
contains "$OUT" "approval denied"
packument_has "@acme/e2e-widget" 1.0.0 && fail "published after a wrong code"
pass "a wrong TOTP code denies; nothing is published"

expect_status 0 with_input "$(host_totp)" nr approve "$ID"
contains "$OUT" "Approve @acme/e2e-widget@1.0.0"
contains "$OUT" "is live"
SRI=$(printf '%s\n' "$OUT" | sed -n 's/^+ .* (\(sha512-[^)]*\)) is live$/\1/p')
[ -n "$SRI" ] || fail "no integrity in the approve output"
pass "approved with TOTP; the registry OTP came from the stored seed"

INSTALLED=$(npm_install_integrity "@acme/e2e-widget" 1.0.0) || fail "npm install failed"
[ "$INSTALLED" = "1.0.0 $SRI" ] || fail "npm installed '$INSTALLED', approved $SRI"
pass "npm installs 1.0.0 with the integrity the approver saw"

expect_status 1 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "already"
pass "a second approve of the same id is refused"

# A tarball replaced on the registry between list and approve.
PKG2=$(source_dir @acme/e2e-widget 1.0.1)
fixture_package "$PKG2" "@acme/e2e-widget" "1.0.1"
ID2=$(stage_with_npm "$PKG2")
[ -n "$ID2" ] || fail "second stage failed"
expect_status 0 nr list @acme/e2e-widget
contains "$OUT" "$ID2"
fixture_package "$E2E_DIR/evil" "@acme/e2e-widget" "1.0.1" ',"scripts":{"postinstall":"curl evil"}'
(cd "$E2E_DIR/evil" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1)
cp "$E2E_DIR/acme-e2e-widget-1.0.1.tgz" "$REGISTRY_DIR"/storage/.stage/"$ID2"/*.tgz
expect_status 1 with_input "$(host_totp +1)" nr approve "$ID2"
contains "$OUT" "sha1"
packument_has "@acme/e2e-widget" 1.0.1 && fail "replaced tarball was published"
pass "a tarball replaced after staging is refused (sha1 differs from the stage record)"

# A later version: the approver sees what changed since the live one.
PKG3=$(source_dir @acme/e2e-widget 1.0.2)
fixture_package "$PKG3" "@acme/e2e-widget" "1.0.2" ',"dependencies":{"ms":"^2.1.3"}'
printf 'extra\n' > "$PKG3/extra.js"
fixture_lockfile "$PKG3" ms@2.1.3
ID3=$(stage_with_npm "$PKG3")
expect_status 0 with_input "$(host_totp +1)" nr approve "$ID3"
contains "$OUT" "since 1.0.0: files +1"
contains "$OUT" "dependencies +1"
contains "$OUT" "is live"
pass "the approver is shown the diff against the live version (audited from the source lockfile)"

# A locked dependency with a known advisory fails the audit before the gate.
PKG5=$(source_dir @acme/e2e-widget 1.0.5)
fixture_package "$PKG5" "@acme/e2e-widget" "1.0.5" ',"dependencies":{"lodash":"^4.17.4"}'
fixture_lockfile "$PKG5" lodash@4.17.4
ID5=$(stage_with_npm "$PKG5")
expect_status 1 nr approve "$ID5"
contains "$OUT" "GHSA-35jh-r3h4-6jhm"
contains "$OUT" "audit.advisory"
case "$OUT" in *"Verification code"*) fail "the gate ran for a vulnerable release" ;; esac
pass "a release locking a vulnerable dependency fails the audit before the gate"

# A source checkout that differs from the tarball fails the source comparison.
PKG6=$(source_dir @acme/e2e-widget 1.0.6)
fixture_package "$PKG6" "@acme/e2e-widget" "1.0.6"
ID6=$(stage_with_npm "$PKG6")
printf 'module.exports = "reviewed code";\n' > "$PKG6/index.js"
expect_status 1 nr approve "$ID6"
contains "$OUT" "source.content"
pass "a tarball that differs from its source checkout is refused"

# Install-time code fails the checks: the gate is never reached.
PKG4=$(source_dir @acme/e2e-widget 1.0.3)
fixture_package "$PKG4" "@acme/e2e-widget" "1.0.3" ',"scripts":{"postinstall":"node x.js"}'
ID4=$(stage_with_npm "$PKG4")
expect_status 1 nr approve "$ID4"
contains "$OUT" "install.script"
case "$OUT" in *"Verification code"*) fail "the gate ran for a failing release" ;; esac
pass "a release with a postinstall script is refused before the gate"

# What goes live is the tarball's package.json: one npm would refuse to publish
# (packageExtensions) fails the manifest.publish check before the gate.
PKG7=$(source_dir @acme/e2e-widget 1.0.7)
fixture_package "$PKG7" "@acme/e2e-widget" "1.0.7" ',"packageExtensions":{"ms@*":{"dependencies":{"x":"1"}}}'
(cd "$PKG7" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack 1.0.7"
# staged as the stager, crafted: npm stage publish itself refuses packageExtensions
ID7=$(node "$SRCDIR/tests/registry/stage-crafted.js" "$REGISTRY_URL" "$STAGER_TOKEN" "$PKG7" \
	"$E2E_DIR/acme-e2e-widget-1.0.7.tgz" '{}')
[ -n "$ID7" ] || fail "npm stage publish of 1.0.7 failed"
expect_status 1 nr approve "$ID7"
contains "$OUT" "manifest.publish"
case "$OUT" in *"Verification code"*) fail "the gate ran for an unpublishable manifest" ;; esac
pass "a package.json npm would not publish fails manifest.publish before the gate"

# The release token and its registry 2FA seed appear nowhere but their file: not in
# any output above, the ledger, the database, its WAL, the spool or the host's files.
ALL_OUTPUT="$E2E_DIR/all-output"
cat "$E2E_DIR"/*.out 2>/dev/null > "$ALL_OUTPUT" || true
nr log >> "$ALL_OUTPUT" 2>&1
for secret in "$RELEASE_TOKEN" "$RELEASE_SECRET"; do
	grep -rqF -- "$secret" "$ALL_OUTPUT" && fail "a secret in command output"
	hits=$(grep -rlaF -- "$secret" "$HOST_DIR" | grep -v "/etc/tokens/release$" || true)
	[ -z "$hits" ] || fail "a secret outside its token file: $hits"
done
pass "the token and the 2FA seed are only in their root-only file"

expect_status 0 nr log --verify
contains "$OUT" "chain verifies"
expect_status 0 nr log
contains "$OUT" "publish"
contains "$OUT" '"factor":"totp"'
contains "$OUT" "$ID"
pass "the ledger records the approval and verifies"
