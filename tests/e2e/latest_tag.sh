#!/bin/bash
# `latest` never goes back without a word: as npm 11 refuses to tag `latest`
# implicitly on a version lower than the current latest, approve refuses a release
# for `latest` below the registry's latest, before any prompt, and names both
# versions and the way out (a tag of its own), which then publishes and leaves
# `latest` where it was.
. "$SRCDIR/tests/e2e/common.sh"

e2e_registry_users
e2e_host local

stage_version() { # VERSION [TAG] -> ID
	local pkg
	pkg=$(source_dir e2e-latest "$1")
	fixture_package "$pkg" e2e-latest "$1"
	(cd "$pkg" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack $1"
	expect_status 0 nr stage --tag "${2:-latest}" "$E2E_DIR/e2e-latest-$1.tgz"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
# Each approval a later step than the last (codes are single use; window = 1);
# sets CODE (not in a subshell, which would lose LAST_STEP).
LAST_STEP=0
next_code() {
	local step=$(($(date +%s) / 30))
	[ "$step" -gt "$LAST_STEP" ] || step=$((LAST_STEP + 1))
	while [ $(($(date +%s) / 30 + 1)) -lt "$step" ]; do sleep 1; done
	LAST_STEP=$step
	CODE=$(oathtool --totp -b -N "@$((step * 30))" "$APPROVER_SECRET")
}
latest_tag() {
	curl -fsS "${REGISTRY_URL}e2e-latest" |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(JSON.parse(s)["dist-tags"].latest))'
}

stage_version 1.0.2
next_code
expect_status 0 with_input "$CODE" nr approve "$ID"
[ "$(latest_tag)" = 1.0.2 ] || fail "latest is $(latest_tag) after publishing 1.0.2"

stage_version 1.0.1
next_code
expect_status 1 with_input "$CODE" nr approve "$ID"
contains "$OUT" 'would move "latest" back from 1.0.2'
contains "$OUT" "e2e-latest@1.0.1"
contains "$OUT" "--tag"
case "$OUT" in *"Verification code"*) fail "the approver was asked for a factor before the refusal" ;; esac
[ "$(latest_tag)" = 1.0.2 ] || fail "latest moved to $(latest_tag)"
packument_has e2e-latest 1.0.1 && fail "1.0.1 was published"
pass "1.0.1 for latest after 1.0.2 is refused before the prompt, naming both versions"

stage_version 1.0.1 maint
next_code
expect_status 0 with_input "$CODE" nr approve "$ID"
packument_has e2e-latest 1.0.1 || fail "1.0.1 with its own tag was not published"
[ "$(latest_tag)" = 1.0.2 ] || fail "latest moved to $(latest_tag) with tag maint"
pass "1.0.1 with a tag of its own is published; latest stays 1.0.2"

stage_version 1.1.0
next_code
expect_status 0 with_input "$CODE" nr approve "$ID"
[ "$(latest_tag)" = 1.1.0 ] || fail "latest is $(latest_tag) after 1.1.0"
# the release account has 2FA (Verdaccio's tfa): the stored seed's code goes with
# the write, said as what the helper does, not as the registry's request to a person
contains "$OUT" "registry publish: sending the release account's one-time password from its stored seed (nothing to type)"
case "$OUT" in *"Provide a one-time password"*) fail "the registry's OTP request was shown as if to the approver" ;; esac
pass "a higher version moves latest forward"
