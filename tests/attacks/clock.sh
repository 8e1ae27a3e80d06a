#!/bin/bash
# Guarantee attacked: an approval is fresh. The approver (or anyone who can signal
# their session) stops npm-release at the verification prompt (SIGSTOP) for
# longer than approval_ttl, then answers with the code of the step the prompt was
# shown in. The module must read the clock when the answer arrives: the approval
# has expired and the code's step is old, so nothing is published.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

sed -i 's/^approval_ttl = 300$/approval_ttl = 30/' "$CONF"
grep -q '^approval_ttl = 30$' "$CONF" || fail "could not set approval_ttl"
stage_local clock-held 1.0.0

# A1 starts the approve; its answer comes through a FIFO we hold open.
mkfifo "$T/answer"
exec 7<>"$T/answer"
setpriv --reuid="$(id -u "$A1")" --regid="$(id -g "$A1")" --init-groups -- \
	"$NR" approve "$ID" < "$T/answer" > "$T/approve.out" 2>&1 &
HELPER=$!
ATTACK_CLEANUPS+=("kill -CONT $HELPER 2>/dev/null; kill $HELPER 2>/dev/null")
for _ in $(seq 1 300); do
	grep -qs 'Verification code for clock-held' "$T/approve.out" && break
	kill -0 "$HELPER" 2>/dev/null || break
	sleep 0.1
done
grep -qs 'Verification code for clock-held' "$T/approve.out" || { cat "$T/approve.out"; fail "no prompt"; }
# the code for the step the prompt was shown in
code "$S1"
# The caller's own kill is refused (the helper holds root's ids once it knows the
# caller); the terminal's suspend key still stops it, which root stands in for.
as_user "$A1" kill -STOP "$HELPER" 2>/dev/null && attack_succeeded "A1 could signal its privileged helper"
kill -STOP "$HELPER"
for i in $(seq 1 50); do grep -q '^State:.*T' "/proc/$HELPER/status" && break; sleep 0.1; done
grep -q '^State:.*T' "/proc/$HELPER/status" || fail "the helper did not stop"
pass "the helper is stopped at the prompt (as ^Z on A1's terminal would)"
sleep 36
kill -CONT "$HELPER"
printf '%s\n' "$CODE" >&7
rc=0
wait "$HELPER" || rc=$?
exec 7>&-
sed 's/^/    | /' "$T/approve.out"
if [ "$rc" = 0 ] || packument_has clock-held 1.0.0 2>/dev/null; then
	attack_succeeded "a code answered 36 s after the prompt, past approval_ttl = 30, published clock-held"
fi
contains "$(cat "$T/approve.out")" "expired while the prompt was open"
pass "the answer after the approval expired was refused with a clear message"

# The same approver, answering promptly, still approves (the refusal was the clock).
stage_local clock-prompt 1.0.0
code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" approve "$ID"
packument_has clock-prompt 1.0.0 2>/dev/null || fail "a prompt answer did not publish"
pass "a prompt answer still publishes"
