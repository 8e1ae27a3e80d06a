#!/bin/bash
# Guarantee attacked: the one factor of a release train signs a set of checked
# bytes, and nothing else goes live on it. While $A1's train waits at the factor's
# prompt (held open here), the stager and the other approver try to change what is
# approved: the stager stages other bytes of a member's name@version (on the
# registry and locally), $A2 rejects a member or approves one alone, and a member's
# spooled bytes are replaced or removed (what a compromised spool would be). After
# the answer, every member that goes live must carry exactly the bytes the train's
# statement named; a member whose bytes changed is not published, with a clear
# error; nothing is rejected or approved under the train's lock; no INCIDENT.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

live_integrity() { # NAME -> the integrity of NAME@1.0.0 the registry serves, or nothing
	{ curl -fsS "${REGISTRY_URL}$(printf '%s' "$1" | sed 's|/|%2f|')" 2>/dev/null || true; } |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{try{const d=JSON.parse(s);process.stdout.write(((d.versions||{})["1.0.0"]||{dist:{}}).dist.integrity||"")}catch(e){}})'
}
signed_or_absent() { # NAME SRI WHAT: NAME@1.0.0 is absent or live with SRI
	local got
	got=$(live_integrity "$1")
	[ -z "$got" ] || [ "$got" = "$2" ] ||
		attack_succeeded "$1@1.0.0 went live with $got, not the bytes the train signed ($2): $3"
}
hold_train() { # NAME ID...: $A1's train, held at the factor's prompt
	local name=$1
	shift
	rm -f "$T/$name.fifo"
	mkfifo -m 0666 "$T/$name.fifo"
	exec 7<>"$T/$name.fifo"
	(exec setpriv --reuid="$(id -u "$A1")" --regid="$(id -g "$A1")" --init-groups -- \
		"$NR" approve "$@") < "$T/$name.fifo" > "$T/$name.out" 2>&1 &
	HELD=$!
	ATTACK_CLEANUPS+=("kill -9 $HELD 2>/dev/null")
	for _ in $(seq 1 900); do
		grep -q 'Verification code for a train' "$T/$name.out" && return 0
		kill -0 "$HELD" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/    | /' "$T/$name.out"
	fail "$name: the train did not reach its prompt"
}
answer_train() { # NAME -> OUT, RC: answers the held prompt with $A1's code
	code "$S1"
	printf '%s\n' "$CODE" >&7
	exec 7>&-
	RC=0
	wait "$HELD" || RC=$?
	OUT=$(cat "$T/$1.out")
	printf '%s\n' "$OUT" | sed 's/^/    | /'
}
live() { packument_has "$1" 1.0.0 2>/dev/null; }
no_incident() { nr log | grep -q '"incident"\|INCIDENT' && attack_succeeded "an INCIDENT was raised: $1"; return 0; }

# 1. The stager restages a member's version with other bytes (registry and local),
#    and $A2 rejects one member and approves the other alone, while the train waits.
NA=tw-a-$SUFFIX NB=tw-b-$SUFFIX
stage_npm "$NA" 1.0.0; IA=$ID SA=$SRI
stage_local "$NB" 1.0.0; IB=$ID SB=$SRI
hold_train one "$IA" "$IB"
# (the registry may refuse a second stage of a staged version: either is fine)
pack_pkg "$NA" 1.0.0 ',"keywords":["swapped on the registry"]'; SA2=$SRI
IA2=$(stage_with_npm "$DIR" || true)
echo "# the registry's answer to a second stage of $NA@1.0.0: ${IA2:-refused}"
pack_pkg "$NB" 1.0.0 ',"keywords":["swapped locally"]'; SB2=$SRI
expect_status 0 as_user "$ST" "$NR" stage "$TGZ"
[ "$SA2" != "$SA" ] && [ "$SB2" != "$SB" ] || fail "the swapped bytes are the same"
# $A2's reject of a member: one allowed approver's reject ends a release, so it
# may win (then that member must never go live) or be refused while the train
# holds the member; $A2's single approve of the other member must be refused.
code "$S2"
REJ=0
REJ_OUT=$(printf '%s\n' "$CODE" | as_user "$A2" "$NR" reject "$IA" 2>&1) || REJ=$?
printf '%s\n' "$REJ_OUT" | sed 's/^/    | /'
code "$S2"
expect_status 1 with_input "$CODE" as_user "$A2" "$NR" approve "$IB"
case "$OUT" in *"Verification code"*) attack_succeeded "$A2's single approve of a held train's member reached the prompt" ;; esac
contains "$OUT" "already being approved"
answer_train one
signed_or_absent "$NA" "$SA" "restaged on the registry while the train waited"
signed_or_absent "$NB" "$SB" "restaged locally while the train waited"
no_incident "after a restage and a reject during the train's prompt"
if [ "$REJ" = 0 ]; then
	live "$NA" && attack_succeeded "$NA went live on $A1's train after $A2 rejected it during the prompt"
	[ "$(sqlite3 "$T/state/state.db" "SELECT status FROM releases WHERE id = '$IA'")" = rejected ] ||
		attack_succeeded "$IA is no longer rejected after $A1's train"
	[ "$RC" != 0 ] || fail "the train exited 0 although its member $IA was rejected meanwhile"
	grep -qE "denied|$NA|$IA" <<<"$OUT" || fail "the train's output does not say why nothing went live"
	pass "$A2's reject during the train's prompt wins: $NA is not published, the train says so (exit $RC)"
else
	contains "$REJ_OUT" "already being approved"
	[ "$RC" = 0 ] || fail "the train exited $RC"
	contains "$OUT" "2 packages live"
	pass "$A2's reject during the train's prompt is refused; the signed bytes went live"
fi
pass "restages (registry: ${IA2:-refused}, local) and $A2's approve during the prompt change nothing that goes live"

# 2. A member's spooled bytes are replaced while the train waits: that member is
#    not published, and nothing after it; what went live is what was signed.
NC=tw-c-$SUFFIX ND=tw-d-$SUFFIX
stage_local "$NC" 1.0.0; IC=$ID SC=$SRI
stage_local "$ND" 1.0.0 ',"keywords":["first bytes"]'; ID_=$ID SD=$SRI
OTHER=$TGZ
pack_pkg "$ND" 1.0.0 ',"keywords":["other bytes"]'
hold_train two "$ID_" "$IC"
install -m 0600 "$TGZ" "$T/state/spool/$ID_.tgz.new" && mv -f "$T/state/spool/$ID_.tgz.new" "$T/state/spool/$ID_.tgz" ||
	fail "cannot replace the spool of $ID_"
answer_train two
signed_or_absent "$ND" "$SD" "its spool was replaced while the train waited"
signed_or_absent "$NC" "$SC" "in a train whose other member's spool was replaced"
live "$ND" && attack_succeeded "$ND went live after its spooled bytes changed"
[ "$RC" != 0 ] || fail "the train exited 0 although a member's bytes changed"
contains "$OUT" "spooled bytes differ from the checked artifact"
no_incident "after a spool swap"
pass "a member whose spooled bytes changed during the prompt is not published (train exit $RC)"

# 3. A member's spool file is removed while the train waits.
NE=tw-e-$SUFFIX NF=tw-f-$SUFFIX
stage_local "$NE" 1.0.0; IE=$ID SE=$SRI
stage_local "$NF" 1.0.0; IF=$ID SF=$SRI
hold_train three "$IE" "$IF"
rm -f "$T/state/spool/$IF.tgz"
answer_train three
signed_or_absent "$NE" "$SE" "in a train whose other member's spool was removed"
live "$NF" && attack_succeeded "$NF went live without its spooled bytes"
[ "$RC" != 0 ] || fail "the train exited 0 although a member's spool is gone"
contains "$OUT" "$NF@1.0.0"
grep -qE "$NF@1.0.0.*(No such file|not publishing)" <<<"$OUT" || fail "the train does not say that $NF@1.0.0 lost its bytes"
no_incident "after a spool removal"
pass "a member whose spool was removed during the prompt is not published (train exit $RC)"

expect_status 0 nr log --verify --signatures
pass "the ledger verifies after the swaps"
