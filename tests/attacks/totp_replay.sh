#!/bin/bash
# Guarantee attacked: a TOTP code is single use. The same approver starts two
# approves of two different releases at once and answers both prompts with the
# same code at the same moment (a code seen once, used twice). Exactly one may
# succeed: the step is recorded under the approver's record lock before success.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

stage_local replay-one 1.0.0
ID1=$ID
stage_local replay-two 1.0.0
ID2=$ID

start() { # N ID: A1's approve of ID, answering from FIFO $T/answerN
	mkfifo "$T/answer$1"
	eval "exec $((6 + $1))<>\"\$T/answer$1\""
	setpriv --reuid="$(id -u "$A1")" --regid="$(id -g "$A1")" --init-groups -- \
		"$NR" approve "$2" < "$T/answer$1" > "$T/approve$1.out" 2>&1 &
	PIDS[$1]=$!
	ATTACK_CLEANUPS+=("kill ${PIDS[$1]} 2>/dev/null")
}
PIDS=()
start 1 "$ID1"
start 2 "$ID2"
for n in 1 2; do
	for _ in $(seq 1 300); do
		grep -qs 'Verification code for' "$T/approve$n.out" && break
		kill -0 "${PIDS[$n]}" 2>/dev/null || break
		sleep 0.1
	done
	grep -qs 'Verification code for' "$T/approve$n.out" || { cat "$T/approve$n.out"; fail "approve $n: no prompt"; }
done
pass "two approves by $A1 wait at their prompts"
code "$S1"
# two short FIFO writes: both answers arrive within microseconds of each other
printf '%s\n' "$CODE" >&7
printf '%s\n' "$CODE" >&8
wins=0
for n in 1 2; do
	rc=0
	wait "${PIDS[$n]}" || rc=$?
	sed 's/^/    | /' "$T/approve$n.out"
	[ "$rc" = 0 ] && wins=$((wins + 1))
done
exec 7>&- 8>&-
live=0
packument_has replay-one 1.0.0 2>/dev/null && live=$((live + 1))
packument_has replay-two 1.0.0 2>/dev/null && live=$((live + 1))
if [ "$wins" -gt 1 ] || [ "$live" -gt 1 ]; then
	attack_succeeded "one TOTP code approved two releases ($wins approves succeeded, $live live)"
fi
[ "$wins" = 1 ] && [ "$live" = 1 ] || fail "neither approve succeeded ($wins, $live): the race was not run"
grep -q 'code already used\|verification failed' "$T/approve1.out" "$T/approve2.out" ||
	fail "the refused approve does not say why"
pass "the same code, answered to two concurrent approves at once: exactly one succeeded"
