#!/bin/bash
# Guarantee attacked: a member who may not approve a release cannot hold up those
# who may. A stager (not an approver) running approve or reject on a registry
# stage or a local release is refused before any lock, download, check or ledger
# entry: the ledger, the spool and the release records stay as they were, and an
# approver's concurrent approve of the same release is not blocked by it (the
# stager's run, if it got as far as the lock, stops itself there via [debug]
# stop_at = fetched, as a SIGSTOP from the stager would hold it). Nor can an
# approver who leaves the factor's prompt unanswered: the prompt gives up 30 s after
# the approval statement expired (approval_ttl), and the lock goes with it.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

ledger_count() { sqlite3 "$T/state/state.db" 'SELECT count(*) FROM ledger' 2>/dev/null || echo 0; }
release_known() { [ -n "$(sqlite3 "$T/state/state.db" "SELECT id FROM releases WHERE id = '$1'" 2>/dev/null)" ]; }

# A registry stage the host has never seen.
stage_npm stall-remote-$SUFFIX 1.0.0
RID=$ID
before=$(ledger_count)
for cmd in approve reject; do
	rc=0
	OUT=$(printf '000000\n' | as_user "$ST" "$NR" "$cmd" "$RID" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	case "$OUT" in *fetching*|*checking*|*Approve*) attack_succeeded "$cmd by $ST fetched or checked $RID" ;; esac
	[ "$(ledger_count)" = "$before" ] || attack_succeeded "$cmd by $ST wrote the ledger ($before -> $(ledger_count) entries)"
	[ -e "$T/state/spool/$RID.tgz" ] && attack_succeeded "$cmd by $ST downloaded $RID into the spool"
	ls "$T/state/spool/" | grep -c '^\.incoming' >/dev/null && attack_succeeded "$cmd by $ST left a download in the spool"
	release_known "$RID" && attack_succeeded "$cmd by $ST recorded $RID"
	[ "$rc" = 1 ] || fail "$cmd by $ST exited $rc"
	contains "$OUT" "denied"
	contains "$OUT" "not an approver"
done
pass "$ST's approve and reject of a registry stage: refused before download, record or ledger entry"

# A local release; the stager's approve, if it takes the lock, stops holding it.
stage_local stall-local-$SUFFIX 1.0.0
LID=$ID
before=$(ledger_count)
write_conf "$(printf '[debug]\nstop_at = fetched')"
(exec setpriv --reuid="$(id -u "$ST")" --regid="$(id -g "$ST")" --init-groups -- \
	"$NR" approve "$LID") < /dev/null > "$T/stager.out" 2>&1 &
SJOB=$!
ATTACK_CLEANUPS+=("kill -9 $SJOB 2>/dev/null")
for i in $(seq 1 300); do
	kill -0 "$SJOB" 2>/dev/null || break
	grep -q 'stops here' "$T/stager.out" && break
	sleep 0.1
done
sed 's/^/    | /' "$T/stager.out"
grep -q 'stops here' "$T/stager.out" && stalled=1 || stalled=0
write_conf
code "$S1"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$LID" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
case "$OUT" in *"already being approved"*) attack_succeeded "$ST's approve holds the release lock; $A1 is blocked" ;; esac
[ "$stalled" = 0 ] || attack_succeeded "$ST's approve got past the lock to step fetched"
[ "$rc" = 0 ] || fail "$A1's approve exited $rc"
contains "$OUT" "is live"
contains "$(cat "$T/stager.out")" "denied"
after=$(sqlite3 "$T/state/state.db" "SELECT count(*) FROM ledger WHERE data LIKE '%$ST%'")
[ "$after" = 0 ] || attack_succeeded "the ledger names $ST ($after entries)"
pass "$ST's approve of a local release is refused before the lock; $A1 approves and publishes meanwhile"

# An approver who never answers the prompt: it gives up 30 s after approval_ttl and
# the release's lock goes with it; the other approver then approves.
stage_local stall-prompt-$SUFFIX 1.0.0
PID_=$ID
ATTACK_NPMSTAGE_EXTRA="approval_ttl = 30" write_conf
(sleep 150 | as_user "$A2" "$NR" approve "$PID_" > "$T/silent.out" 2>&1) &
SILENT=$!
ATTACK_CLEANUPS+=("kill -9 $SILENT 2>/dev/null; pkill -9 -P $SILENT 2>/dev/null")
for i in $(seq 1 600); do
	grep -qi 'code' "$T/silent.out" 2>/dev/null && break
	sleep 0.1
done
grep -qi 'code' "$T/silent.out" || fail "$A2's approve never prompted: $(cat "$T/silent.out")"
waited=0
while pgrep -f "$NR approve $PID_" >/dev/null && [ "$waited" -lt 90 ]; do
	sleep 1
	waited=$((waited + 1))
done
sed 's/^/    | /' "$T/silent.out"
pgrep -f "$NR approve $PID_" >/dev/null &&
	attack_succeeded "$A2's unanswered prompt still holds the release after ${waited}s (approval_ttl 30)"
contains "$(cat "$T/silent.out")" "no answer within 60 seconds"
code "$S1"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$PID_" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
case "$OUT" in *"already being approved"*) attack_succeeded "the unanswered prompt's lock blocks $A1" ;; esac
[ "$rc" = 0 ] || fail "$A1's approve exited $rc"
contains "$OUT" "is live"
write_conf
pass "an unanswered prompt gives up 30 s after approval_ttl ($waited s) and $A1 then approves"
