#!/bin/bash
# Guarantee attacked: a release train needs the approvers each member's scope
# needs (min_approvers). In [scope @two/*] (min_approvers = 2) the first approver's
# train only records (nothing goes live); the same approver's second train over the
# same members is refused before the prompt (one person twice is not two); the
# second approver's train publishes. A mixed train (one member needing 2 approvers,
# one needing 1) publishes nothing, not even the member whose scope needs one,
# until both have their approvers.
. "$SRCDIR/tests/attacks/harness.sh"

train_as() { # USER SECRET WANT ID... -> OUT: USER's approve of the train, exit WANT
	local u=$1 s=$2 want=$3 rc=0
	shift 3
	code "$s"
	OUT=$(printf '%s\n' "$CODE" | as_user "$u" "$NR" approve "$@" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	if [ "$rc" != "$want" ]; then
		case "$OUT" in *"is live"*) attack_succeeded "$u's train exited $rc (want $want) and published" ;; esac
		fail "$u's train exited $rc, want $want"
	fi
}
prompts() { grep -c 'Verification code for' <<<"$OUT" || true; }
live() { packument_has "$1" 1.0.0 2>/dev/null; }
status_of() { sqlite3 "$T/state/state.db" "SELECT status FROM releases WHERE id = '$1'"; }

# 1. Two members in the min_approvers = 2 scope.
P1=@two/tq-a-$SUFFIX P2=@two/tq-b-$SUFFIX
stage_local "$P1" 1.0.0; X1=$ID
stage_local "$P2" 1.0.0; X2=$ID
train_as "$A1" "$S1" 0 "$X1" "$X2"
live "$P1" && attack_succeeded "$P1 went live with one approver of two ($A1's train)"
live "$P2" && attack_succeeded "$P2 went live with one approver of two ($A1's train)"
[ "$(prompts)" = 1 ] || fail "$A1's train did not prompt exactly once"
contains "$OUT" "approval 1 of 2 recorded"
[ "$(status_of "$X1")" = checked ] || fail "$X1 is $(status_of "$X1") after a recorded train"
pass "$A1's train over two min_approvers = 2 members records 1 of 2 and publishes nothing"

# The same approver again, as a train (same members, and the members reordered with
# one of them alone) and as a single approve: refused before any prompt.
for ids in "$X1 $X2" "$X2 $X1" "$X2"; do
	# shellcheck disable=SC2086
	train_as "$A1" "$S1" 1 $ids
	[ "$(prompts)" = 0 ] || attack_succeeded "$A1 was prompted again for a train over ($ids) it already approved"
	contains "$OUT" "$A1 already approved"
	[ "$ids" = "$X2" ] || contains "$OUT" "nothing was approved"
	live "$P1" && attack_succeeded "$P1 went live on $A1's second train"
	live "$P2" && attack_succeeded "$P2 went live on $A1's second train"
done
APPROVES=$(sqlite3 "$T/state/state.db" "SELECT count(*) FROM approvals WHERE release_id = '$X1' AND approver = '$A1'")
[ "$APPROVES" = 1 ] || fail "$A1 has $APPROVES approvals of $X1 after refused trains (want 1)"
pass "$A1's second train over the same members is refused before the prompt; $A1 counts once"

train_as "$A2" "$S2" 0 "$X1" "$X2"
[ "$(prompts)" = 1 ] || fail "$A2's train did not prompt exactly once"
contains "$OUT" "2 packages live"
live "$P1" || fail "$P1 is not live after the second approver's train"
live "$P2" || fail "$P2 is not live after the second approver's train"
pass "$A2's train (the second approver) publishes both members"

# 2. A mixed train: one member needs two approvers, the other one.
P3=@two/tq-c-$SUFFIX P4=tq-d-$SUFFIX
stage_local "$P3" 1.0.0; X3=$ID
stage_local "$P4" 1.0.0; Y4=$ID
train_as "$A1" "$S1" 0 "$Y4" "$X3"
live "$P3" && attack_succeeded "$P3 (min_approvers 2) went live on $A1's mixed train alone"
live "$P4" && attack_succeeded "$P4 went live on a mixed train whose other member lacks its second approver"
contains "$OUT" "approval 1 of 2 recorded"
pass "a mixed train (min_approvers 2 and 1) publishes nothing after the first approver"

train_as "$A1" "$S1" 1 "$X3" "$Y4"
[ "$(prompts)" = 0 ] || attack_succeeded "$A1 was prompted again for the mixed train"
live "$P4" && attack_succeeded "$P4 went live on $A1's repeated mixed train"
pass "$A1's repeated mixed train is refused before the prompt"

train_as "$A2" "$S2" 0 "$X3" "$Y4"
contains "$OUT" "2 packages live"
live "$P3" || fail "$P3 is not live after the second approver's mixed train"
live "$P4" || fail "$P4 is not live after the second approver's mixed train"
pass "the second approver's mixed train publishes both members"

expect_status 0 nr log --verify --signatures
pass "the ledger of recorded and published trains verifies with its signatures"
