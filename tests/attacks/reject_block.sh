#!/bin/bash
# Guarantee attacked: a stager (or anyone who can start a reject) cannot block a
# release for good. A reject of a registry stage that is abandoned at the gate
# records the release before anything was downloaded; the approve that follows
# must still check and publish it with the integrity of its bytes (it used to
# keep the empty integrity: "checking ... ()" and a denied approval, every time).
# And a reject holds the release as an approve does (see the last part).
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

# An approve and a reject of one release never run at once: while A1's reject
# waits at its prompt, A2's approve of the same release is refused before its own
# (it used to publish, and the reject then reported the live release as rejected,
# exit 0, red team pass 12); A1's reject then goes through.
stage_npm "$NAME" 1.0.1
IDR=$ID
mkfifo "$T/reject.in"
as_user "$A1" "$NR" reject "$IDR" < "$T/reject.in" > "$T/reject.out" 2>&1 &
REJ=$!
exec 8>"$T/reject.in"
for _ in $(seq 1 300); do grep -q "Verification code" "$T/reject.out" && break; sleep 0.1; done
grep -q "Verification code" "$T/reject.out" || { cat "$T/reject.out"; fail "the reject never reached its prompt"; }
code "$S2"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A2" "$NR" approve "$IDR" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
packument_has "$NAME" 1.0.1 2>/dev/null &&
	attack_succeeded "$NAME@1.0.1 was published while a reject of it waited at its prompt"
[ "$rc" = 1 ] || fail "the approve during the reject exited $rc"
contains "$OUT" "already being approved or rejected"
grep -q "Verification code" <<<"$OUT" && fail "the approve during the reject reached its prompt"
code "$S1"
printf '%s\n' "$CODE" >&8
exec 8>&-
rc=0
wait "$REJ" || rc=$?
sed 's/^/    | /' "$T/reject.out"
[ "$rc" = 0 ] || fail "the reject exited $rc"
grep -q "rejected on the registry" "$T/reject.out" || fail "the reject did not say rejected"
packument_has "$NAME" 1.0.1 2>/dev/null && fail "$NAME@1.0.1 is live after the reject"
pass "while a reject waits at its prompt, an approve of the same release is refused; the reject goes through"
