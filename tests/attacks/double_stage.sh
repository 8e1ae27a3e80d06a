#!/bin/bash
# Guarantee attacked: the ledger's INCIDENT (live bytes that were not approved) is
# never raised against a release that was approved and published honestly. A stager
# stages the same name@version twice with different bytes, once on the registry and
# once locally (red team); an approver approves the first, which goes live. The
# second must be refused before the approver is asked anything ("already live with
# other bytes"): no factor spent, no INCIDENT, the first release untouched.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

NAME=dbl-$SUFFIX
stage_npm "$NAME" 1.0.0
IDA=$ID SRIA=$SRI
stage_local "$NAME" 1.0.0 ',"keywords":["the other bytes"]'
IDB=$ID SRIB=$SRI
[ "$SRIA" != "$SRIB" ] || fail "the two stages have the same bytes"
code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" approve "$IDA"
contains "$OUT" "is live"
pass "the registry stage of $NAME@1.0.0 went live"

code "$S2"
expect_status 1 with_input "$CODE" as_user "$A2" "$NR" approve "$IDB"
contains "$OUT" "already live with other bytes"
case "$OUT" in *"Verification code"*) attack_succeeded "the approver was asked for a factor for a version already live" ;; esac
LOG=$(nr log)
grep -q '"incident"\|INCIDENT' <<<"$LOG" && attack_succeeded "a false INCIDENT was raised against $IDA"
status=$(sqlite3 "$T/state/state.db" "SELECT status FROM releases WHERE id = '$IDA'")
[ "$status" = published ] || [ "$status" = recorded ] || [ "$status" = live ] ||
	attack_succeeded "the release that went live is now '$status'"
pass "the second release of $NAME@1.0.0 is refused before the gate; no INCIDENT; the first stays '$status'"
expect_status 0 with_input "$CODE" as_user "$A2" "$NR" reject "$IDB"
pass "the second release can be rejected"

# The same two stages approved at once (red team): the first approve stops after its
# factor, before publishing; the second, of the other release of that version, must
# be refused before its checks and its prompt. Once the first resumes it goes live,
# and no INCIDENT is raised against anyone.
NAME=dbr-$SUFFIX
stage_npm "$NAME" 1.0.0
IDC=$ID
stage_local "$NAME" 1.0.0 ',"keywords":["the other bytes"]'
IDD=$ID
write_conf "$(printf '[debug]\nstop_at = consumed')"
code "$S1"
(printf '%s\n' "$CODE" | setpriv --reuid="$(id -u "$A1")" --regid="$(id -g "$A1")" --init-groups -- \
	"$NR" approve "$IDC") > "$T/first.out" 2>&1 &
FIRST=$!
ATTACK_CLEANUPS+=("kill -9 $FIRST 2>/dev/null")
for i in $(seq 1 600); do
	grep -q 'stops here' "$T/first.out" && break
	kill -0 "$FIRST" 2>/dev/null || break
	sleep 0.1
done
STOPPED=$(sed -n 's/.*process \([0-9]*\) stops here.*/\1/p' "$T/first.out")
[ -n "$STOPPED" ] || fail "the first approve did not stop after its factor: $(cat "$T/first.out")"
ATTACK_CLEANUPS+=("kill -CONT $STOPPED 2>/dev/null")
write_conf
code "$S2"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A2" "$NR" approve "$IDD" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
kill -CONT "$STOPPED"
wait "$FIRST" || true
sed 's/^/    | /' "$T/first.out"
case "$OUT" in *"Verification code"*) attack_succeeded "$A2 was asked for a factor while $IDC of the same version was being published" ;; esac
[ "$rc" = 1 ] || attack_succeeded "$A2's approve of $IDD exited $rc while $IDC was being published"
contains "$OUT" "another release of $NAME@1.0.0 is being approved"
contains "$(cat "$T/first.out")" "is live"
LOG=$(nr log)
grep -q '"incident"\|INCIDENT' <<<"$LOG" && attack_succeeded "a false INCIDENT was raised in the race"
pass "two releases of $NAME@1.0.0 approved at once: the second is refused before its prompt; the first goes live; no INCIDENT"
