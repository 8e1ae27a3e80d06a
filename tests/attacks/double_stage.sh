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
