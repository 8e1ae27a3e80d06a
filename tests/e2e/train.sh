#!/bin/bash
# Release trains (local staging, Verdaccio, the real npm CLI): every member is
# checked before the prompt and one failure approves nothing; a wrong factor
# publishes nothing; one factor approves a 10-package train with dependencies
# between its members, which go live in dependency order and install with npm;
# show --train approves nothing; a member in a scope the approver may not approve
# refuses the whole train before any check.
. "$SRCDIR/tests/e2e/common.sh"

. "$SRCDIR/tests/e2e/train_host.sh"
train_host train
cat >> "$HOST_CONF" <<CONF

[scope @closed/*]
approvers = nobody-here
CONF

status_of() { nr show --json "$1" | sed -n 's/.*"status": "\([a-z]*\)".*/\1/p' | head -1; }
no_prompt() { case "$OUT" in *"Verification code"*) fail "$1: the gate ran" ;; esac; }

# 1. One member fails its audit (it locks a dependency with a known advisory):
#    nothing is approved, no prompt, and the report names the member and why.
stage_pkg tr-ok 1.0.0;  OK1=$ID
fixture_package "$(source_dir tr-bad 1.0.0)" tr-bad 1.0.0 ',"dependencies":{"lodash":"^4.17.4"}'
fixture_lockfile "$(source_dir tr-bad 1.0.0)" lodash@4.17.4
stage_pkg tr-bad 1.0.0 ',"dependencies":{"lodash":"^4.17.4"}'; BAD=$ID
stage_pkg tr-ok2 1.0.0; OK2=$ID
approver_code
expect_status 1 with_input "$CODE" nr approve "$OK1" "$BAD" "$OK2"
no_prompt "a train with a failing member"
contains "$OUT" "1 of 3 members did not pass"
contains "$OUT" "tr-bad@1.0.0"
contains "$OUT" "audit.advisory"
contains "$OUT" "GHSA-35jh-r3h4-6jhm"
packument_has tr-ok 1.0.0 && fail "a member of a refused train was published"
packument_has tr-ok2 1.0.0 && fail "a member of a refused train was published"
APPROVER_STEP=$((APPROVER_STEP - 1)) # the code was never read
pass "a member failing its checks refuses the whole train before the prompt"

# 2. A wrong factor: nothing is published, the denial is in the ledger.
expect_status 1 with_input 000000 nr approve "$OK1" "$OK2"
contains "$OUT" "Verification code for a train of 2 packages"
packument_has tr-ok 1.0.0 && fail "published after a wrong code"
packument_has tr-ok2 1.0.0 && fail "published after a wrong code"
[ "$(status_of "$OK1")" = checked ] || fail "$OK1 is not back to checked"
expect_status 0 nr log
contains "$OUT" '"train":'
pass "a wrong factor approves nothing"

# 3. A member whose scope the approver may not approve: refused before any check.
stage_pkg @closed/tr-x 1.0.0; CLOSED=$ID
expect_status 1 with_input 000000 nr approve "$OK1" "$CLOSED"
no_prompt "a train with a closed-scope member"
contains "$OUT" "refused before any check"
contains "$OUT" "$CLOSED"
pass "a train mixing a scope the approver may not approve is refused before any check"

# 4. Ten packages that depend on each other, staged dependents first.
TRAIN=()
stage_dep tr-app tr-ui tr-api tr-util tr-core; TRAIN+=("$ID")
for p in ui api cli docs; do
	stage_dep "tr-$p" tr-util tr-core; TRAIN+=("$ID")
done
for p in fmt log cfg; do
	stage_dep "tr-$p" tr-core; TRAIN+=("$ID")
done
stage_dep tr-util tr-core; TRAIN+=("$ID")
stage_dep tr-core; TRAIN+=("$ID")

expect_status 0 nr show --train --package 'tr-[a-z]*' --since 10m
for p in app ui api cli docs fmt log cfg util core ok ok2; do contains "$OUT" "tr-$p@1.0.0"; done
no_prompt "show --train"
[ "$(status_of "${TRAIN[0]}")" = checked ] || fail "show --train changed a status"
pass "show --train selects by glob and time and shows the table without approving"

approver_code
expect_status 0 with_input "$CODE" nr approve "${TRAIN[@]}"
contains "$OUT" "Approve a train of 10 packages (statement sha256 "
[ "$(grep -c 'Verification code' <<<"$OUT")" = 1 ] || fail "not exactly one prompt"
for p in app ui api cli docs fmt log cfg util core; do
	contains "$OUT" "tr-$p@1.0.0 (dist-tag latest, staged by"
	packument_has "tr-$p" 1.0.0 || fail "tr-$p not live"
done
contains "$OUT" "10 packages live"
pass "one factor approved a 10-package train; every member is live"

# dependency order: core before util before the rest, app last
ORDER=$(nr log | grep -E '^ *[0-9]+ [^ ]+ publish ' | sed -n 's/.*"package":"\(tr-[a-z]*\)".*/\1/p' |
	tr '\n' ' ')
pos() { local i=0 w; for w in $ORDER; do [ "$w" = "$1" ] && { echo $i; return; }; i=$((i+1)); done; echo 99; }
[ "$(pos tr-core)" = 0 ] || fail "publish order: $ORDER (tr-core not first)"
for p in ui api cli docs; do
	[ "$(pos tr-util)" -lt "$(pos "tr-$p")" ] || fail "publish order: $ORDER (tr-util after tr-$p)"
done
[ "$(pos tr-app)" = 9 ] || fail "publish order: $ORDER (tr-app not last)"
pass "members went live in dependency order ($ORDER)"

INSTALLED=$(npm_install_integrity tr-app 1.0.0) || fail "npm install tr-app failed"
pass "npm installs the train's top package with its dependencies ($INSTALLED)"

expect_status 0 nr log --verify
expect_status 0 nr log --verify --signatures
expect_status 0 nr log
[ "$(grep -cE '^ *[0-9]+ [^ ]+ train ' <<<"$OUT")" -ge 1 ] || fail "no train ledger entry"
[ "$(grep -cE '^ *[0-9]+ [^ ]+ approve .*"proof":"train ' <<<"$OUT")" = 10 ] ||
	fail "not one approve entry per member"
pass "the ledger has one train entry, one approve entry per member, and verifies"

# 5. Approving the same members again: nothing left to do, nothing published twice
#    (a train's rerun shows what went live as live: train_crash.sh).
expect_status 0 with_input 000000 nr approve "${TRAIN[0]}" "${TRAIN[1]}"
contains "$OUT" "nothing to approve: every member is live"
no_prompt "a train of published members"
[ "$(nr log | grep -E '^ *[0-9]+ [^ ]+ publish ' | grep -c "\"${TRAIN[0]}\"")" = 1 ] ||
	fail "a member was published twice"
pass "a published member is not approved or published again"

# 6. A member's change since the live version is quoted whole in the table (a new
#    bin raises no warning: the change line is the only place it shows; red team
#    pass 6: rows cut it at 71 bytes).
fixture_package "$(source_dir tr-core 1.1.0)" tr-core 1.1.0 \
	',"bin":{"trcore-tool":"index.js"},"dependencies":{"tr-fmt":"^1.0.0","tr-log":"^1.0.0"}'
fixture_lockfile "$(source_dir tr-core 1.1.0)" tr-fmt@1.0.0 tr-log@1.0.0
stage_pkg tr-core 1.1.0 ',"bin":{"trcore-tool":"index.js"},"dependencies":{"tr-fmt":"^1.0.0","tr-log":"^1.0.0"}'
C11=$ID
stage_pkg tr-docs 1.1.0
G11=$ID
approver_code
expect_status 0 with_input "$CODE" nr approve "$C11" "$G11"
ROW=$(grep -A1 'tr-core@1.1.0 (dist-tag latest, staged by' <<<"$OUT" | tail -1)
case "$ROW" in "  | since 1.0.0: "*"trcore-tool"*) ;; *) fail "the row's change is not whole: '$ROW'" ;; esac
pass "a member's change since the live version is quoted whole in the table"

# 7. Two versions of one package for one dist-tag: refused (each was checked against
#    what was live before the train; the publish order would pick the tag).
stage_pkg tr-log 1.1.0; L11=$ID
stage_pkg tr-log 1.2.0; L12=$ID
expect_status 1 with_input 000000 nr approve "$L12" "$L11"
no_prompt "two versions for one tag"
contains "$OUT" "both take dist-tag latest"
packument_has tr-log 1.1.0 && fail "tr-log 1.1.0 was published"
pass "two versions of one package for the same dist-tag are refused before the prompt"
