#!/bin/bash
# Guarantee attacked: a train's resumption after a crash publishes with no new
# factor only for the approver who approved it. $A1 approves a train of two local
# releases and is killed (kill -9) while the first is published; $A2, an approver
# of the same packages, reruns the same approve: the module refuses to hand over
# the token for $A1's train (nothing is published, no factor asked, the members
# stay "publishing"), and $A1's own rerun then publishes the rest without a prompt.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

release_status() { sqlite3 "$T/state/state.db" "SELECT status FROM releases WHERE id = '$1'"; }

stage_local "tres-a-$SUFFIX" 1.0.0; IA=$ID
stage_local "tres-b-$SUFFIX" 1.0.0; IB=$ID

# $A1's train, stopped after the first publish was sent, then killed.
write_conf "$(printf '[debug]\nstop_at = sent')"
code "$S1"
printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$IA" "$IB" > "$T/a1.out" 2>&1 &
JOB=$!
ATTACK_CLEANUPS+=("kill -9 $JOB 2>/dev/null")
wait_stopped "$T/a1.out" "$JOB" sent
kill -9 "$STOPPED_PID"
wait "$JOB" 2>/dev/null || true
write_conf
sed 's/^/    | /' "$T/a1.out"
contains "$(cat "$T/a1.out")" "Verification code for a train of 2 packages"
[ "$(release_status "$IB")" = publishing ] || fail "$IB is $(release_status "$IB") after the kill"
packument_has "tres-b-$SUFFIX" 1.0.0 2>/dev/null && fail "tres-b published before the kill"

# $A2 reruns $A1's train.
rc=0
OUT=$(as_user "$A2" "$NR" approve "$IA" "$IB" < /dev/null 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
packument_has "tres-b-$SUFFIX" 1.0.0 2>/dev/null &&
	attack_succeeded "$A2 published the rest of $A1's train without a factor"
case "$OUT" in *"is live"*"is live"*) attack_succeeded "$A2's rerun published" ;; esac
case "$OUT" in *"Verification code"*) fail "$A2 was asked a factor for $A1's train" ;; esac
[ "$rc" = 1 ] || fail "$A2's rerun exited $rc"
contains "$OUT" "was approved by $A1: only they can resume it"
contains "$OUT" "nothing done"
# refused before any lock, check, registry request or gate (red team pass 6)
case "$OUT" in *"resuming:"*|*"checking "*|*"asking the registry"*) fail "$A2's rerun went on after the refusal" ;; esac
[ "$(release_status "$IB")" = publishing ] || fail "$IB is $(release_status "$IB") after $A2's rerun"
pass "$A2 cannot resume $A1's interrupted train: refused before any lock or check, nothing is published"

# The module itself, driven directly by a PAM application that answers its binary
# prompt with the consumed train's id (tests/attacks/hostile_app.c, as in
# stacked_service.sh): no token for another user, for a member sent back to
# "checked", or for changed spooled bytes; the control (nothing tampered) gets it,
# so each denial is that check's.
if command -v cc >/dev/null; then
	cc -o "$T/hostile_app" "$SRCDIR/tests/attacks/hostile_app.c" -lpam || fail "cc hostile_app"
	TID=$(sed -n 's/^train \([0-9a-f]*\): 2 packages.*/\1/p' "$T/a1.out" | head -1)
	[ -n "$TID" ] || fail "no train id in $A1's output"
	module_resume() { # USER -> OUT
		OUT=$("$T/hostile_app" npm-release "$1" "$TID" 000000 2>&1) || true
		printf '%s\n' "$OUT" | sed 's/^/    | /;s/'"$RELEASE_TOKEN"'/<token>/g;s/'"$RELEASE_SECRET"'/<seed>/g'
	}
	no_token() { # WHAT
		case "$OUT" in *AUTH_OK*|*"TOKEN type"*) attack_succeeded "the module resumed $TID: $1" ;; esac
		contains "$OUT" "AUTH_FAILED"
	}
	module_resume "$A2"
	no_token "for $A2"
	sqlite3 "$T/state/state.db" "UPDATE releases SET status = 'checked' WHERE id = '$IB'"
	module_resume "$A1"
	no_token "with a member back in checked"
	sqlite3 "$T/state/state.db" "UPDATE releases SET status = 'publishing' WHERE id = '$IB'"
	cp -p "$T/state/spool/$IB.tgz" "$T/spool-b.saved"
	printf 'x' >> "$T/state/spool/$IB.tgz"
	module_resume "$A1"
	no_token "with changed spooled bytes"
	cp -p "$T/spool-b.saved" "$T/state/spool/$IB.tgz"
	module_resume "$A1"
	contains "$OUT" "msg: Resuming train $TID, approved by you at "
	contains "$OUT" "of 2 packages still to publish; no new factor"
	contains "$OUT" "TOKEN type 2"
	[ "$(release_status "$IB")" = publishing ] || fail "$IB is $(release_status "$IB")"
	pass "the module refuses a resume to another user, with a member in checked, or with changed bytes (control: handed over, nothing consumed)"
fi

# $A1's own rerun: no factor, the rest goes live once.
rc=0
OUT=$(as_user "$A1" "$NR" approve "$IA" "$IB" < /dev/null 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
case "$OUT" in *"Verification code"*) fail "$A1's rerun asked a factor" ;; esac
[ "$rc" = 0 ] || fail "$A1's rerun exited $rc"
contains "$OUT" "Resuming train "
packument_has "tres-b-$SUFFIX" 1.0.0 || fail "tres-b is not live after $A1's rerun"
for id in "$IA" "$IB"; do
	[ "$(release_status "$id")" = published ] || fail "$id is $(release_status "$id")"
	n=$(nr log | grep -E '^ *[0-9]+ [^ ]+ publish ' | grep -c "\"$id\"" || true)
	[ "$n" = 1 ] || fail "$id: $n ledger publish entries"
done
expect_status 0 nr log --verify
expect_status 0 nr log --verify --signatures
pass "$A1's rerun resumes the train without a factor; each member published once"
