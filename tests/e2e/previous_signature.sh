#!/bin/bash
# approve diffs a release against the previous version the registry serves. With
# the registry's signing keys pinned ([provenance] registry_keys), that previous
# version's registry signature must verify (at its publish time) before it is used:
# a good signature goes on to the gate and live; a bad signature, one by a key that
# is not pinned, and none at all stop the approve before the prompt, naming the
# version. Verdaccio signs nothing: the previous versions are published with
# signatures made here (tests/e2e/signed-publish.js), before releasebot's 2FA is on.
. "$SRCDIR/tests/e2e/common.sh"

SIGNED="$SRCDIR/tests/e2e/signed-publish.js"
registry_start "$E2E_DIR/registry" || fail "registry did not start"
STAGER_TOKEN=$(registry_adduser stager pw-stager-e2e-1) || fail "adduser stager"
RELEASE_TOKEN=$(registry_adduser releasebot pw-release-e2e-1) || fail "adduser releasebot"
mkdir "$E2E_DIR/keys"
node "$SIGNED" keys "$E2E_DIR/keys" || fail "test keys"
for mode in good bad unknown none; do
	d="$E2E_DIR/prev/$mode"
	mkdir -p "$d/package"
	printf '{"name":"psig-%s","version":"1.0.0"}\n' "$mode" > "$d/package/package.json"
	tar -C "$d" -czf "$d/p.tgz" package || fail "tar"
	node "$SIGNED" publish "$REGISTRY_URL" "$RELEASE_TOKEN" "$E2E_DIR/keys" "$d/p.tgz" \
		"psig-$mode" "$mode" || fail "publish psig-$mode@1.0.0"
done
RELEASE_SECRET=$(registry_enable_2fa "$RELEASE_TOKEN" pw-release-e2e-1) || fail "2fa"
registry_npmrc "$E2E_DIR/stager.npmrc" "$STAGER_TOKEN"
e2e_host local
mkdir -m 0755 "$HOST_DIR/etc/trust"
install -m 0644 "$E2E_DIR/keys/registry-keys.json" "$HOST_DIR/etc/trust/registry-keys.json"
printf '\n[provenance]\nregistry_keys = %s\n' "$HOST_DIR/etc/trust/registry-keys.json" >> "$HOST_CONF"

# MODE: psig-MODE@1.0.1 staged locally -> ID
stage_next() {
	local pkg
	pkg=$(source_dir "psig-$1" 1.0.1)
	fixture_package "$pkg" "psig-$1" 1.0.1
	(cd "$pkg" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
	expect_status 0 nr stage --tag latest "$E2E_DIR/psig-$1-1.0.1.tgz"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
no_prompt() {
	case "$OUT" in *"Verification code"*|*"Approve psig-"*) fail "the gate ran" ;; esac
}

stage_next good
expect_status 0 with_input "$(host_totp)" nr approve "$ID"
contains "$OUT" "previous version 1.0.0: registry signature verified ($(cat "$E2E_DIR/keys/pinned.keyid"))"
contains "$OUT" "is live"
pass "a previous version with a good registry signature is diffed against, and the release goes live"

stage_next bad
expect_status 1 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "the previous version psig-bad@1.0.0, which the diff is made against, fails its registry signature: signature does not verify over <name>@<version>:<integrity>; nothing done"
no_prompt
packument_has psig-bad 1.0.1 && fail "psig-bad@1.0.1 published"
stage_next unknown
expect_status 1 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "the previous version psig-unknown@1.0.0, which the diff is made against, fails its registry signature: no registry key with keyid $(cat "$E2E_DIR/keys/unknown.keyid")"
no_prompt
stage_next none
expect_status 1 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "the previous version psig-none@1.0.0, which the diff is made against, has no registry signature while the registry's signing keys are pinned; nothing done"
no_prompt
packument_has psig-none 1.0.1 && fail "psig-none@1.0.1 published"
pass "a bad, unknown-key or missing registry signature on the previous version stops the approve before the prompt"

# keys pinned for attestations only: the registry is not known to sign, nothing to check
node -e 'const fs=require("fs");const k=JSON.parse(fs.readFileSync(process.argv[1]));
	fs.writeFileSync(process.argv[2], JSON.stringify({ keys: k.keys.map((e) => ({ keyId: e.keyid, keyUsage: "npm:attestations",
		publicKey: { rawBytes: e.key, keyDetails: "PKIX_ECDSA_P256_SHA_256", validFor: { start: "2020-01-01T00:00:00.000Z" } } })) }))' \
	"$E2E_DIR/keys/registry-keys.json" "$E2E_DIR/att-only.json"
install -m 0644 "$E2E_DIR/att-only.json" "$HOST_DIR/etc/trust/registry-keys.json"
expect_status 0 with_input "$(host_totp +1)" nr approve "$ID"
contains "$OUT" "is live"
case "$OUT" in *"registry signature"*) fail "a signature was checked without a npm:signatures key" ;; esac
pass "with keys for attestations only, the previous version's signature is not required"
