#!/bin/bash
# After publish, with the registry's signing keys pinned ([provenance] registry_keys
# with a key for npm:signatures), approve checks the registry's signature over the
# version it now serves (npm audit signatures' check): a good one is said; a bad one
# or one by a key that is not pinned exits 1 and leaves a "registry-signature" ledger
# entry (the version is live and recorded either way); a registry that serves the
# version unsigned is warned about. Verdaccio signs nothing: the proxy in front of it
# (tests/registry/fault-proxy.js, mode sign) signs packuments as a registry would.
. "$SRCDIR/tests/e2e/common.sh"

e2e_registry_users
proxy_start
REGISTRY_URL=$PROXY_URL e2e_host local

KEYS="$E2E_DIR/keys"
mkdir "$KEYS"
node "$SRCDIR/tests/e2e/signed-publish.js" keys "$KEYS" || fail "test keys"
mkdir -m 0755 "$HOST_DIR/etc/trust"
install -m 0644 "$KEYS/registry-keys.json" "$HOST_DIR/etc/trust/registry-keys.json"
printf '\n[provenance]\nregistry_keys = %s\n' "$HOST_DIR/etc/trust/registry-keys.json" >> "$HOST_CONF"

stage_new() { # NAME -> ID: a new package, so no previous version is diffed against
	local pkg
	pkg=$(source_dir "$1" 1.0.0)
	fixture_package "$pkg" "$1" 1.0.0
	(cd "$pkg" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
	expect_status 0 nr stage "$E2E_DIR/$1-1.0.0.tgz"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
ledger_says() { nr log | grep 'registry-signature' | grep -q "\"package\":\"$1\".*\"result\":\"$2\""; }

proxy_mode "sign $KEYS/pinned.pem"
stage_new lsig-good
expect_status 0 with_input "$(host_totp)" nr approve "$ID"
contains "$OUT" "is live"
contains "$OUT" "registry signature over lsig-good@1.0.0 verified ($(cat "$KEYS/pinned.keyid"))"
pass "the registry's signature over the published version verifies with the pinned key"

proxy_mode "sign-wrong $KEYS/pinned.pem"
stage_new lsig-bad
expect_status 1 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "is live"
contains "$OUT" "lsig-bad@1.0.0 is live, but its registry signature fails: signature does not verify"
ledger_says lsig-bad fail || fail "no registry-signature ledger entry for lsig-bad"
pass "a registry signature that does not verify over the published version exits 1, in the ledger"

proxy_mode "sign $KEYS/unknown.pem"
stage_new lsig-unknown
expect_status 1 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "lsig-unknown@1.0.0 is live, but its registry signature fails: no registry key with keyid $(cat "$KEYS/unknown.keyid")"
ledger_says lsig-unknown fail || fail "no registry-signature ledger entry for lsig-unknown"
pass "a signature by a key that is not pinned exits 1"

proxy_mode normal
stage_new lsig-none
expect_status 0 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "is live"
contains "$OUT" "warning: the registry serves lsig-none@1.0.0 without a registry signature"
ledger_says lsig-none unsigned || fail "no registry-signature ledger entry for lsig-none"
pass "a registry that serves the version unsigned is warned about and logged"
