#!/bin/bash
# Guarantee attacked: pam_npmstage.so authenticates nobody and hands no token to
# any service but the one npm-release runs ([npmstage] service). An admin who
# stacks it "sufficient" into su, sudo, login or sshd opens nothing, even to an
# approver with a pending approval and a valid code, and even to an application
# that answers the module's binary prompt itself (a hostile peer controlling the
# conversation).
. "$SRCDIR/tests/attacks/harness.sh"
for tool in pamtester cc; do command -v "$tool" >/dev/null || skip "needs $tool"; done

cc -o "$T/hostile_app" "$SRCDIR/tests/attacks/hostile_app.c" -lpam || fail "cc hostile_app"

mkfifo "$T/answer"
pending_approval() { # VERSION -> APPROVE (pid), AID: A1's approve waits at its prompt on a FIFO
	stage_local stacked-pkg "$1"
	as_user "$A1" "$NR" approve "$ID" < "$T/answer" > "$T/approve.out" 2>&1 &
	APPROVE=$!
	exec 7> "$T/answer" # held open: the prompt waits
	ATTACK_CLEANUPS+=("kill $APPROVE 2>/dev/null")
	AID=
	for i in $(seq 1 300); do
		AID=$(ls "$T/state/tickets" 2>/dev/null | head -1)
		[ -n "$AID" ] && break
		kill -0 "$APPROVE" 2>/dev/null || { cat "$T/approve.out"; fail "approve exited early"; }
		sleep 0.1
	done
	[ -n "$AID" ] || { cat "$T/approve.out"; fail "no pending approval ticket appeared"; }
}
pending_approval 1.0.0
pass "A1's approval $AID is pending at its prompt"

# The control: the same hostile application in the npm-release service does get the
# module's token handover, so a denial below is the service rule, not a broken app.
code "$S1"
OUT=$("$T/hostile_app" npm-release "$A1" "$AID" "$CODE" 2>&1) || true
printf '%s\n' "$OUT" | sed 's/^/    | /;s/'"$RELEASE_TOKEN"'/<token>/g;s/'"$RELEASE_SECRET"'/<seed>/g'
contains "$OUT" "AUTH_OK"
contains "$OUT" "TOKEN type 2"
pass "control: in the npm-release service the hostile application is handed the token (test works)"

# Let the real approve go away and make a fresh pending approval for the services.
kill "$APPROVE" 2>/dev/null || true
wait "$APPROVE" 2>/dev/null || true
exec 7>&-
rm -f "$T/state/tickets/"* 2>/dev/null || true
pending_approval 1.0.1

for svc in su sudo login sshd; do
	printf 'auth sufficient %s config=%s\nauth required pam_deny.so\naccount sufficient %s config=%s\naccount required pam_deny.so\n' \
		"$MOD" "$CONF" "$MOD" "$CONF" > "/etc/pam.d/$svc"
	code "$S1"
	OUT=$("$T/hostile_app" "$svc" "$A1" "$AID" "$CODE" 2>&1) || true
	printf '%s\n' "$OUT" | sed 's/^/    | /;s/'"$RELEASE_TOKEN"'/<token>/g;s/'"$RELEASE_SECRET"'/<seed>/g'
	case "$OUT" in *AUTH_OK*) attack_succeeded "the module authenticated $A1 in service $svc" ;; esac
	case "$OUT" in *TOKEN*|*"$RELEASE_TOKEN"*) attack_succeeded "the module handed a token to service $svc" ;; esac
	code "$S1"
	rc=0
	printf '%s\n' "$CODE" | pamtester "$svc" "$A1" authenticate > "$T/pt.out" 2>&1 || rc=$?
	[ "$rc" != 0 ] || attack_succeeded "pamtester $svc $A1 authenticate succeeded"
	pass "service $svc: the hostile application and pamtester are denied, no token crossed"
done

# The real su, run by the outsider, with the module sufficient in its stack.
code "$S1"
rc=0
printf '%s\n' "$CODE" | as_user "$UO" su -c 'id -u' root > "$T/su.out" 2>&1 || rc=$?
grep -qx 0 "$T/su.out" && attack_succeeded "su gave the outsider root"
[ "$rc" != 0 ] || attack_succeeded "su succeeded for the outsider"
pass "the real su with pam_npmstage.so sufficient refuses the outsider"

packument_has stacked-pkg 1.0.1 2>/dev/null && attack_succeeded "stacked-pkg@1.0.1 went live"
packument_has stacked-pkg 1.0.0 2>/dev/null && attack_succeeded "stacked-pkg@1.0.0 went live"
pass "nothing was published through another service"
