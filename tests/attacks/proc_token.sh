#!/bin/bash
# Guarantee attacked: the publish token never leaks, and an approver's own helper
# cannot be stopped or killed by its caller once it holds state and the token.
# While approve holds the token (stopped at [debug] stop_at = approved, after the
# gate), the approver who started it, and a stager, try /proc/<pid>/{mem,environ,
# maps,fd} (must be refused), read cmdline (holds no secret), and send SIGSTOP,
# SIGKILL and signal 0 (must fail with EPERM: the helper runs with root's ids
# only). Then root lets it continue and it publishes.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

stage_local proc-token-$SUFFIX 1.0.0
write_conf "$(printf '[debug]\nstop_at = approved')"
code "$S1"
printf '%s\n' "$CODE" > "$T/code"
(exec setpriv --reuid="$(id -u "$A1")" --regid="$(id -g "$A1")" --init-groups -- \
	"$NR" approve "$ID") < "$T/code" > "$T/approve.out" 2>&1 &
JOB=$!
ATTACK_CLEANUPS+=("kill -9 $JOB 2>/dev/null")
wait_stopped "$T/approve.out" "$JOB" approved
PID=$STOPPED_PID
grep -E '^(Uid|Gid|Groups):' "/proc/$PID/status" | sed 's/^/    | /'
grep -qE '^Uid:[[:space:]]+0[[:space:]]+0[[:space:]]+0[[:space:]]+0$' "/proc/$PID/status" ||
	attack_succeeded "the helper holding the token keeps the caller's uid: $(grep ^Uid "/proc/$PID/status")"

ADDR=$(awk '/\[heap\]|\[stack\]/ { split($1, a, "-"); print a[1]; exit }' "/proc/$PID/maps")
[ -n "$ADDR" ] || fail "no heap or stack mapping (test broken)"
for U in "$A1" "$ST"; do
	as_user "$U" dd if="/proc/$PID/mem" bs=64 count=1 iflag=skip_bytes skip=$((16#$ADDR)) \
		of=/dev/null status=none 2>/dev/null && attack_succeeded "$U read the helper's memory"
	for f in environ maps auxv stack syscall; do
		as_user "$U" cat "/proc/$PID/$f" >/dev/null 2>&1 && attack_succeeded "$U read /proc/$PID/$f"
	done
	as_user "$U" ls "/proc/$PID/fd" >/dev/null 2>&1 && attack_succeeded "$U listed the helper's descriptors"
	as_user "$U" readlink "/proc/$PID/cwd" >/dev/null 2>&1 && attack_succeeded "$U read the helper's cwd"
	cmdline=$(as_user "$U" cat "/proc/$PID/cmdline" | tr '\0' ' ')
	case "$cmdline" in *"$RELEASE_TOKEN"*|*"$STAGER_TOKEN"*) attack_succeeded "a token is in the command line" ;; esac
	for sig in 0 STOP KILL; do
		if as_user "$U" kill -s "$sig" "$PID" 2>"$T/kill.err"; then
			attack_succeeded "$U sent signal $sig to the helper holding the token"
		fi
		grep -qi "not permitted" "$T/kill.err" || fail "kill -$sig by $U failed otherwise: $(cat "$T/kill.err")"
	done
	pass "$U: no memory, environ, maps or descriptors of the helper holding the token; signals 0, STOP, KILL refused (EPERM)"
done
write_conf
kill -CONT "$PID"
rc=0
wait "$JOB" || rc=$?
sed 's/^/    | /' "$T/approve.out"
[ "$rc" = 0 ] || fail "the approve exited $rc after it was continued"
contains "$(cat "$T/approve.out")" "is live"
case "$(cat "$T/approve.out")" in *"$RELEASE_TOKEN"*) attack_succeeded "the token reached the terminal" ;; esac
pass "continued by root, the approve published"
