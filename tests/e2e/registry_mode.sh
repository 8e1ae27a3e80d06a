#!/bin/bash
# Registry staging mode against the real registry behind a proxy that misbehaves on
# cue (tests/registry/fault-proxy.js): the registry OTP typed by the approver, a
# wrong one, the web (authUrl/doneUrl) flow, an approve whose answer is lost, a
# registry that dies mid-approve and recovers, an id the token can't see, reject.
. "$SRCDIR/tests/e2e/common.sh"

e2e_registry_users
proxy_start

REGISTRY_URL=$PROXY_URL e2e_host stage
TOTP_WINDOW=3
sed -i 's/^window = 1$/window = 3/' "$HOST_CONF"
set_otp() { sed -i "s/^otp = .*/otp = $1/" "$HOST_CONF"; }

stage_version() { # VERSION -> ID (as the stager, with its source checkout)
	local dir id
	dir=$(source_dir @acme/e2e-registry "$1")
	fixture_package "$dir" "@acme/e2e-registry" "$1" >/dev/null
	id=$(stage_with_npm "$dir")
	[ -n "$id" ] || fail "npm stage publish of $1 failed"
	printf '%s\n' "$id"
}
live() { REGISTRY_URL=$DIRECT_URL packument_has "@acme/e2e-registry" "$1"; }

set_otp stored
# --- the publish's answer is lost: resolved by looking at the registry, not by resending
proxy_mode drop-approve
IDC=$(stage_version 1.2.0)
approver_code
expect_status 0 with_input "$CODE" nr approve "$IDC"
contains "$OUT" "already live"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
[ "$(printf '%s\n' "$LOG" | grep -c "upstream PUT /@acme%2fe2e-registry -> 20")" = 1 ] ||
	fail "the publish was accepted more than once"
printf '%s\n' "$LOG" | grep -q "upstream DELETE /-/stage/$IDC -> 20" || fail "the stage was not withdrawn"
printf '%s\n' "$LOG" | grep -q "POST /-/stage/$IDC/approve" && fail "the registry's staged copy was approved"
pass "a lost publish answer is resolved from the registry; accepted exactly once"

# --- the registry dies in the middle of approve: clear failure, no publish, then recovery
proxy_mode down-approve
IDD=$(stage_version 1.3.0)
approver_code
expect_status 1 with_input "$CODE" nr approve "$IDD"
contains "$OUT" "publish failed"
live 1.3.0 && fail "published although the registry was down"
proxy_mode normal
approver_code
expect_status 0 with_input "$CODE" nr approve "$IDD"
contains "$OUT" "is live"
pass "registry down mid-approve: nothing published; a rerun after recovery publishes once"

# --- reject through the gate: DELETE /-/stage/<id>
proxy_mode normal
IDF=$(stage_version 1.4.0)
approver_code
expect_status 0 with_input "$CODE" nr reject "$IDF"
contains "$OUT" "REJECT @acme/e2e-registry@1.4.0"
contains "$OUT" "rejected on the registry"
expect_status 0 nr list
case "$OUT" in *"$IDF"*"registry"*) ;; esac
[ "$(printf '%s\n' "$OUT" | grep "^registry" | grep -c "$IDF")" = 0 ] || fail "still staged on the registry"
expect_status 1 nr approve "$IDF"
contains "$OUT" "rejected"
live 1.4.0 && fail "a rejected version went live"
pass "reject goes through the gate and removes the stage; it can't be approved afterwards"

# --- an id the read token cannot see
STAGER2=$(registry_adduser stager2 pw-stager-e2e-2)
registry_npmrc "$E2E_DIR/stager2.npmrc" "$STAGER2"
DIR2=$(source_dir @acme/e2e-registry 1.5.0)
fixture_package "$DIR2" "@acme/e2e-registry" "1.5.0"
IDE=$( (cd "$DIR2" && npm stage publish --userconfig "$E2E_DIR/stager2.npmrc" 2>&1) |
	sed -n 's/.*(staged with id \([0-9a-f-]*\)).*/\1/p')
[ -n "$IDE" ] || fail "stager2 could not stage"
expect_status 1 nr approve "$IDE"
contains "$OUT" "not visible to this token"
pass "a stage the read token cannot see is refused clearly"

proxy_mode normal
# --- prompt: the approver types the release account's registry code too
set_otp prompt
IDA=$(stage_version 1.6.0)
approver_code
# two registry codes (withdraw the stage, publish), for steps after the last one
# the stored seed spent (state_dir/registry-otp.step), at most one step ahead
STEP=$(cat "$HOST_DIR/state/registry-otp.step")
while [ $(( $(date +%s) / 30 + 1 )) -lt $(( STEP + 2 )) ]; do sleep 1; done
REG1=$(oathtool --totp -b -N "@$(( (STEP + 1) * 30 ))" "$RELEASE_SECRET")
REG2=$(oathtool --totp -b -N "@$(( (STEP + 2) * 30 ))" "$RELEASE_SECRET")
expect_status 0 with_input "$CODE
$REG1
$REG2" nr approve "$IDA"
contains "$OUT" "Registry one-time password (withdraw the stage)"
contains "$OUT" "Registry one-time password (publish)"
contains "$OUT" "is live"
pass "otp = prompt: approved with the registry codes typed by the approver"

# --- a wrong registry code: refused clearly, nothing published, release still open
IDB=$(stage_version 1.7.0)
approver_code
expect_status 1 with_input "$CODE
000000" nr approve "$IDB"
contains "$OUT" "refused the one-time password"
live 1.7.0 && fail "published with a wrong registry code"
expect_status 0 nr show "$IDB"
contains "$OUT" "checked"
pass "a wrong registry OTP is refused; the release stays checked"

# --- the web flow: authUrl shown, doneUrl polled (202 + Retry-After), token used as npm-otp
set_otp web
proxy_mode web
# the prompt case spent the registry step of REG; the proxy must use a later one
curl -fsS -X POST --data "$(( STEP + 3 ))" "${PROXY_URL}__proxy/minstep" >/dev/null
approver_code
expect_status 0 with_input "$CODE" nr approve "$IDB"
contains "$OUT" "/auth/cli/"
contains "$OUT" "is live"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
[ "$(printf '%s\n' "$LOG" | grep -c "GET /-/v1/done")" -ge 3 ] || fail "doneUrl was not polled"
for req in "DELETE /-/stage/$IDB" "PUT /@acme%2fe2e-registry"; do
	printf '%s\n' "$LOG" | grep -q "$req otp=no auth-type=web" || fail "no web auth-type: $req"
	printf '%s\n' "$LOG" | grep -q "$req otp=yes auth-type=legacy" || fail "token not used: $req"
done
pass "otp = web: authUrl shown, doneUrl polled, its token sent as npm-otp"

expect_status 0 nr log --verify
pass "ledger verifies"
