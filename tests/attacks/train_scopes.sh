#!/bin/bash
# Guarantee attacked: every member of a release train must allow the approver and
# the factor. In a train mixing two scopes with different approver lists ($A1 in
# both, $A2 in one), $A1's train works; $A2's is refused before any check (no
# download, check, approval or prompt), naming the member $A2 may not approve,
# whichever way the members are named or selected. A member whose scope's factors
# exclude the approver's factor refuses the train before the factor's prompt, and
# members whose scopes share no factor refuse it before any check, registry stages
# the host has not fetched yet included.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

write_conf "$(printf '%s\n' '' '[scope @one/*]' "approvers = $A1" '' \
	'[scope @fx/*]' "approvers = $A1 $A2" 'factors = fido2' '' \
	'[scope @tx/*]' "approvers = $A1 $A2" 'factors = totp')"

train_as() { # USER SECRET WANT ARGS... -> OUT: USER's approve ARGS, exit WANT
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
live() { packument_has "$1" 1.0.0 2>/dev/null; }
approvals() { sqlite3 "$T/state/state.db" "SELECT count(*) FROM approvals WHERE release_id IN ($1)"; }
not_checked() { # WHAT: the output shows no check, no prompt
	case "$OUT" in
	*"checking "*|*"checks passed"*) attack_succeeded "$1: a member was checked" ;;
	*"Verification code"*|*"Approve a train"*) attack_succeeded "$1: the approver was prompted" ;;
	esac
}

# 1. @one/* ($A1 only) and * ($A1 and $A2).
stage_local @one/ts-a-$SUFFIX 1.0.0; O1=$ID
stage_local ts-b-$SUFFIX 1.0.0; W1=$ID
train_as "$A1" "$S1" 0 "$O1" "$W1"
contains "$OUT" "2 packages live"
live @one/ts-a-$SUFFIX || fail "@one/ts-a is not live after $A1's train"
live ts-b-$SUFFIX || fail "ts-b is not live after $A1's train"
pass "$A1 (an approver of both scopes) approves a train mixing them"

stage_local @one/ts-c-$SUFFIX 1.0.0; O2=$ID
stage_local ts-d-$SUFFIX 1.0.0; W2=$ID
LEDGER_BEFORE=$(sqlite3 "$T/state/state.db" 'SELECT count(*) FROM ledger')
for args in "$W2 $O2" "$O2 $W2" "--package @one/ts-c-$SUFFIX" "--package *" "--since 1h"; do
	set -f # "--package *" is the helper's glob, not the shell's
	# shellcheck disable=SC2086
	train_as "$A2" "$S2" 1 $args
	set +f
	not_checked "$A2's train ($args)"
	live @one/ts-c-$SUFFIX && attack_succeeded "@one/ts-c went live on $A2's train ($args)"
	live ts-d-$SUFFIX && attack_succeeded "ts-d went live on $A2's train ($args), whose other member $A2 may not approve"
	contains "$OUT" "refused before any check"
	contains "$OUT" "may not approve member $O2"
	contains "$OUT" "nothing was approved"
done
[ "$(approvals "'$O2','$W2'")" = 0 ] || attack_succeeded "$A2's refused trains created approvals"
[ "$(sqlite3 "$T/state/state.db" 'SELECT count(*) FROM ledger')" = "$LEDGER_BEFORE" ] ||
	fail "$A2's refused trains wrote the ledger"
expect_status 1 as_user "$A2" "$NR" show --train "$W2" "$O2"
not_checked "$A2's show --train"
contains "$OUT" "may not approve member $O2"
pass "$A2's train with a member of a scope it may not approve is refused before any check, naming $O2"

# 2. A scope whose factors exclude the approvers' (TOTP only): refused before the
#    factor's prompt; nothing is published, not even the member of the other scope.
stage_local @fx/ts-e-$SUFFIX 1.0.0; F1=$ID
stage_local ts-f-$SUFFIX 1.0.0; W3=$ID
train_as "$A1" "$S1" 1 "$W3" "$F1"
case "$OUT" in *"Verification code"*) attack_succeeded "$A1 was prompted for a TOTP code for a fido2-only member" ;; esac
live @fx/ts-e-$SUFFIX && attack_succeeded "the fido2-only member went live on a TOTP answer"
live ts-f-$SUFFIX && attack_succeeded "ts-f went live on a train whose other member needs fido2"
contains "$OUT" "requires a FIDO2 security key"
pass "a member whose scope requires fido2 refuses a TOTP approver's train before the prompt"

# 3. Members whose scopes share no factor (fido2 only, TOTP only): refused before
#    any check.
stage_local @tx/ts-g-$SUFFIX 1.0.0; X1=$ID
train_as "$A1" "$S1" 1 "$X1" "$F1"
not_checked "a train over fido2-only and totp-only members"
contains "$OUT" "no factor is permitted for every member's scope"
live @tx/ts-g-$SUFFIX && attack_succeeded "the totp-only member went live on a train with a fido2-only one"
pass "members whose scopes share no factor refuse the train before any check"

# 4. The same with registry stages the host has never fetched: the factor check
#    must not need a download or a check first.
stage_npm @tx/ts-h-$SUFFIX 1.0.0; RX=$ID
stage_npm @fx/ts-i-$SUFFIX 1.0.0; RF=$ID
train_as "$A1" "$S1" 1 "$RX" "$RF"
not_checked "a train over registry stages in fido2-only and totp-only scopes"
case "$OUT" in *fetching*) attack_succeeded "a train no factor can approve downloaded $RX or $RF" ;; esac
[ -e "$T/state/spool/$RX.tgz" ] && attack_succeeded "a train no factor can approve left $RX in the spool"
contains "$OUT" "no factor is permitted for every member's scope"
pass "registry stages whose scopes share no factor refuse the train before any download or check"
