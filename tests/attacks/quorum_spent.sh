#!/bin/bash
# Guarantee attacked: a min_approvers = 2 release publishes only on two distinct
# approvals given for the attempt that publishes it, and is never stranded.
#  1. The stager stages, in @two/*, a package that passes every check but that the
#     registry refuses at publish (over its body limit). Both approvers approve; the
#     publish fails and the release goes back to "checked". Their votes are spent:
#     the next approval records 1 of 2 (it must not publish on the spent votes, nor
#     be refused as "already approved" for ever).
#  2. $A1 approves X alone (1 of 2); $A2 approves a train of X and Y (Y in @two/*
#     too, so the train only records). X now has its two approvers but nothing was
#     published: a further approval by either approver publishes X (it is not
#     refused as "already approved" for ever).
. "$SRCDIR/tests/attacks/harness.sh"

approve() { # USER SECRET WANT ID... -> OUT
	local u=$1 s=$2 want=$3 rc=0
	shift 3
	code "$s"
	OUT=$(printf '%s\n' "$CODE" | as_user "$u" "$NR" approve "$@" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	[ "$rc" = "$want" ] || fail "$u's approve of $* exited $rc, want $want"
}
status_of() { sqlite3 "$T/state/state.db" "SELECT status FROM releases WHERE id = '$1'"; }

# 1. Votes spent by a publish the registry refused.
BIG=@two/qs-big-$SUFFIX
pack_pkg "$BIG" 1.0.0
head -c 9500000 /dev/urandom > "$DIR/blob.bin"
(cd "$DIR" && rm -f "$DIR.pack"/*.tgz && npm pack --pack-destination "$DIR.pack" >/dev/null 2>&1) ||
	fail "npm pack $BIG"
TGZ=$(ls "$DIR.pack"/*.tgz)
chmod 0644 "$TGZ"
expect_status 0 nr stage "$TGZ"
IDB=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
approve "$A1" "$S1" 0 "$IDB"
contains "$OUT" "approval 1 of 2 recorded"
approve "$A2" "$S2" 1 "$IDB"
contains "$OUT" "publish failed"
[ "$(status_of "$IDB")" = checked ] || fail "$IDB is $(status_of "$IDB") after a failed publish"
approve "$A1" "$S1" 0 "$IDB"
case "$OUT" in *"already approved"*) attack_succeeded "$BIG is stranded: $A1 may not approve it again" ;; esac
case "$OUT" in *"publishing $BIG"*) attack_succeeded "$BIG was published on spent votes (one fresh approval)" ;; esac
contains "$OUT" "approval 1 of 2 recorded"
pass "a failed publish spends the votes: the next approval records 1 of 2"

# 2. A quorum completed by a train that published nothing.
X=@two/qs-x-$SUFFIX Y=@two/qs-y-$SUFFIX
stage_local "$X" 1.0.0; IX=$ID
stage_local "$Y" 1.0.0; IY=$ID
approve "$A1" "$S1" 0 "$IX"
contains "$OUT" "approval 1 of 2 recorded"
approve "$A2" "$S2" 0 "$IX" "$IY"
contains "$OUT" "approval 1 of 2 recorded"
packument_has "$X" 1.0.0 && fail "$X went live in a train whose other member lacked approvers"
approve "$A1" "$S1" 0 "$IX"
case "$OUT" in *"already approved"*) attack_succeeded "$X is stranded with its quorum complete" ;; esac
contains "$OUT" "is live"
packument_has "$X" 1.0.0 || fail "$X is not live"
pass "a quorum completed by a train that published nothing: the next approval publishes it"

# 3. A selector leaves out what the caller already approved while its scope waits
#    for another approver (said, not failed): otherwise a stager's release that an
#    approver once approved makes every later selector train of theirs fail.
Q1=@two/qs-s1-$SUFFIX Q2=@two/qs-s2-$SUFFIX
stage_local "$Q1" 1.0.0; IS1=$ID
approve "$A1" "$S1" 0 "$IS1"
contains "$OUT" "approval 1 of 2 recorded"
stage_local "$Q2" 1.0.0
OUT=$(as_user "$A1" "$NR" show --train --package "@two/qs-s*-$SUFFIX" 2>&1) || fail "show --train: $OUT"
printf '%s\n' "$OUT" | sed 's/^/    | /'
contains "$OUT" "left out: $IS1 ($Q1@1.0.0), which you approved (1 of 2 approvers)"
contains "$OUT" "$Q2@1.0.0"
pass "a selector leaves out a release the caller already approved, and says so"
