#!/bin/bash
# Guarantee attacked: with min_approvers = 2 nothing is published without two
# distinct approvers' approvals. A reject is no approval: an approver's reject
# that was consumed and then abandoned (its DELETE failed) must not count towards
# the quorum, so the other approver alone cannot publish. And a reject needs no
# quorum: one allowed approver's reject ends a release in a two-approver scope.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

# A local port nothing listens on (bound, then released).
closed_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }

# 1. A1's reject is consumed, then abandoned: the registry does not answer it.
stage_npm @two/quorum-a 1.0.0
IDA=$ID
# a refused approve first (wrong code), so the release is fetched, checked and on
# record before the registry stops
code "$S1"
WRONG=000000; [ "$CODE" != "$WRONG" ] || WRONG=111111
expect_status 1 with_input "$WRONG" as_user "$A1" "$NR" approve "$IDA"
# The registry is unreachable for the reject: the configured URL names a port
# nothing listens on, so the DELETE never reaches the registry. (Stopping the
# registry instead raced: the queued DELETE ran once it resumed.)
code "$S1"
cp "$CONF" "$T/conf.reachable"
sed -i "s|^url = .*|url = http://127.0.0.1:$(closed_port)/|" "$CONF"
expect_status 1 with_input "$CODE" as_user "$A1" "$NR" reject "$IDA"
cp "$T/conf.reachable" "$CONF"
used=$(sqlite3 "$T/state/state.db" "SELECT id FROM approvals WHERE release_id = '$IDA' AND action = 'reject'" |
	while read -r a; do [ -s "$T/state/used/$a" ] && echo "$a"; done)
[ -n "$used" ] || fail "the abandoned reject was not consumed (the scenario did not happen)"
pass "A1's reject was consumed and abandoned (DELETE failed)"

# A2 alone approves: one approver of two, recorded, not published.
code "$S2"
with_input "$CODE" as_user "$A2" "$NR" approve "$IDA" > "$T/approve-a.out" 2>&1 || true
sed 's/^/    | /' "$T/approve-a.out"
if packument_has @two/quorum-a 1.0.0 2>/dev/null; then
	attack_succeeded "A2 alone published @two/quorum-a: A1's abandoned reject counted as an approval"
fi
grep -q "approval 1 of 2 recorded" "$T/approve-a.out" ||
	fail "A2's approval was not recorded as 1 of 2"
pass "A2 alone did not publish: the abandoned reject is no approval"

# 2. One allowed approver's reject ends a release in the two-approver scope.
stage_npm @two/quorum-b 1.0.0
IDB=$ID
code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" reject "$IDB"
contains "$OUT" "rejected on the registry"
code "$S2"
expect_status 1 with_input "$CODE" as_user "$A2" "$NR" approve "$IDB"
packument_has @two/quorum-b 1.0.0 2>/dev/null && attack_succeeded "@two/quorum-b published after A1 rejected it"
pass "A1's reject alone ended @two/quorum-b"
