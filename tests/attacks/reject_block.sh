#!/bin/bash
# Guarantee attacked: a stager (or anyone who can start a reject) cannot block a
# release for good. A reject of a registry stage that is abandoned at the gate
# records the release before anything was downloaded; the approve that follows
# must still check and publish it with the integrity of its bytes (it used to
# keep the empty integrity: "checking ... ()" and a denied approval, every time).
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

NAME=@acme/atk-reject-block
stage_npm "$NAME" 1.0.0
# the reject is abandoned at the gate: a wrong code
expect_status 1 with_input "000000" as_user "$A1" "$NR" reject "$ID"
contains "$OUT" "denied"
expect_status 0 nr show "$ID"
contains "$OUT" "staged"
pass "an abandoned reject left $ID staged"

code "$S1"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$ID" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
case "$OUT" in *"checking $NAME@1.0.0 ()"*) attack_succeeded "the approve checks a release with an empty integrity" ;; esac
[ "$rc" = 0 ] || attack_succeeded "the abandoned reject blocks the approve (exit $rc)"
contains "$OUT" "checking $NAME@1.0.0 ($SRI)"
contains "$OUT" "+ $NAME@1.0.0 ($SRI) is live"
INSTALLED=$(npm_install_integrity "$NAME" 1.0.0) || fail "npm install failed"
[ "$INSTALLED" = "1.0.0 $SRI" ] || fail "npm installed '$INSTALLED', staged $SRI"
pass "the approve after an abandoned reject checks and publishes the staged integrity"
