#!/bin/bash
# Guarantee attacked: the release account's registry one-time passwords (the
# stored seed's, [registry] otp = stored) are each sent once. A registry takes a
# 30-second step once and counts a replayed step as a failed attempt towards the
# account's lockout, so a stager who gets two approves run at once (two releases
# queued for two approvers) must not make the host send one step's code twice, nor
# make a write wait for a step after "latest" was read for it (red team pass 10:
# two approves chose their step without a lock and one was refused).
# Two local releases, approved by two approvers at the same moment, while the
# test holds the step file's lock: neither writes to the registry until it is
# released (an approve that chose its step without the lock would); then both go
# live, no code is refused, and the step file holds the later of the two steps.
# Two versions of one package, 1.0.0 and 2.0.0 for latest, approved at once (the
# re-read of latest was not serialised per package: both could pass it and the
# lower one go out last, moving latest back): while the test holds the package's
# lock neither writes; in the end latest is 2.0.0, and 1.0.0 was either refused or
# published before 2.0.0.
. "$SRCDIR/tests/attacks/harness.sh"

approve_both_held() { # LOCKFILE ID_A NAME_A ID_B NAME_B: with LOCKFILE locked by this
	# script, $A1 approves ID_A (output $T/race.a) and $A2 ID_B ($T/race.b) at once;
	# returns once both say they are publishing, and 2 s more (they then wait)
	[ -e "$1" ] || install -m 0600 /dev/null "$1"
	exec 9<"$1"
	flock -x 9
	code "$S1"
	printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$2" > "$T/race.a" 2>&1 &
	PID_A=$!
	code "$S2"
	printf '%s\n' "$CODE" | as_user "$A2" "$NR" approve "$4" > "$T/race.b" 2>&1 &
	PID_B=$!
	for _ in $(seq 1 900); do
		grep -q "^publishing $3@" "$T/race.a" && grep -q "^publishing $5@" "$T/race.b" && break
		sleep 0.1
	done
	grep -q "^publishing $3@" "$T/race.a" && grep -q "^publishing $5@" "$T/race.b" ||
		{ cat "$T/race.a" "$T/race.b"; fail "the approves did not reach their publish"; }
	sleep 2
}
release_both() { # unlocks, waits for both approves: RC_A RC_B, their output shown
	flock -u 9
	exec 9<&-
	RC_A=0 RC_B=0
	wait "$PID_A" || RC_A=$?
	wait "$PID_B" || RC_B=$?
	sed 's/^/    a| /' "$T/race.a"
	sed 's/^/    b| /' "$T/race.b"
}

stage_local atk-race-a 1.0.0; IDA=$ID
stage_local atk-race-b 1.0.0; IDB=$ID
# the helper starts from the previous step: wait until that is after the step
# enabling the account's 2FA spent, so that a refusal can only come from a race
while [ $(( $(date +%s) / 30 )) -le $(( RELEASE_TFA_STEP + 1 )) ]; do sleep 0.5; done
STEPFILE=$T/state/registry-otp.step
approve_both_held "$STEPFILE" "$IDA" atk-race-a "$IDB" atk-race-b
for n in atk-race-a atk-race-b; do
	packument_has "$n" 1.0.0 &&
		attack_succeeded "$n was written to the registry while the step file was locked"
done
grep -q "from its stored seed" "$T/race.a" "$T/race.b" &&
	attack_succeeded "a code was sent while the step file was locked"
pass "while the step file is locked, neither approve takes a step"
release_both
for x in a b; do
	grep -q "registry refused the code" "$T/race.$x" &&
		attack_succeeded "approve $x sent a code the registry had already taken (a race for one step)"
done
[ "$RC_A" = 0 ] && [ "$RC_B" = 0 ] || fail "approves exited $RC_A and $RC_B"
for n in atk-race-a atk-race-b; do
	packument_has "$n" 1.0.0 || fail "$n is not live"
done
grep -q "atk-race-a@1.0.0 .* is live" "$T/race.a" || fail "approve a did not say atk-race-a is live"
grep -q "atk-race-b@1.0.0 .* is live" "$T/race.b" || fail "approve b did not say atk-race-b is live"
STEP=$(cat "$T/state/registry-otp.step")
NOW=$(( $(date +%s) / 30 ))
[ "$STEP" -ge $(( NOW - 2 )) ] && [ "$STEP" -le $(( NOW + 1 )) ] ||
	fail "registry-otp.step holds $STEP, now is step $NOW"
[ "$(stat -c '%U %a' "$T/state/registry-otp.step")" = "root 600" ] ||
	fail "registry-otp.step is not root's, mode 0600"
pass "two approves at once: both live, each with a step of its own (no code refused)"

# Two versions of one package at once.
stage_local atk-race-c 1.0.0; IDL=$ID
stage_local atk-race-c 2.0.0; IDH=$ID
approve_both_held "$T/state/locks/p-$(printf '%s' atk-race-c | sha256sum | cut -d' ' -f1).lock" \
	"$IDL" atk-race-c "$IDH" atk-race-c
curl -fsS "${REGISTRY_URL}atk-race-c" >/dev/null 2>&1 &&
	attack_succeeded "atk-race-c was written to the registry while its package lock was held"
pass "while the package's lock is held, neither version is published"
release_both
[ "$RC_B" = 0 ] || fail "the approve of 2.0.0 exited $RC_B"
DOC=$(curl -fsS "${REGISTRY_URL}atk-race-c") || fail "no packument for atk-race-c"
LATEST=$(node -e 'const d=JSON.parse(process.argv[1]);console.log(d["dist-tags"].latest)' "$DOC")
[ "$LATEST" = 2.0.0 ] || attack_succeeded "latest of atk-race-c is $LATEST after both approves"
ORDER=$(node -e 'const d=JSON.parse(process.argv[1]);const t=d.time||{};
console.log(!d.versions["1.0.0"] ? "refused" : (t["1.0.0"] < t["2.0.0"] ? "before" : "after"))' "$DOC")
case "$ORDER" in
before) [ "$RC_A" = 0 ] || fail "1.0.0 went live first but its approve exited $RC_A"
	WHAT="published before 2.0.0" ;;
refused) [ "$RC_A" = 1 ] && grep -q 'would move "latest" back' "$T/race.a" ||
	fail "1.0.0 was not published, but its approve did not say latest would go back (exit $RC_A)"
	WHAT="refused: latest would go back" ;;
*) attack_succeeded "atk-race-c@1.0.0 was published after 2.0.0" ;;
esac
pass "two versions at once: latest is 2.0.0; 1.0.0 $WHAT"

