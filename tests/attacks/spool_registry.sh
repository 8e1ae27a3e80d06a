#!/bin/bash
# Guarantee attacked: a stager cannot fill the root-owned spool through the
# registry. Every approve downloads a registry stage afresh into the spool; one
# whose checks failed left its copy there, counted by no cap (found by the
# red-team pass: up to 512 MB per stage and approve attempt). A failed stage's
# copy is removed; its record keeps the report.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

write_conf "[scope @deny/*]
approvers = $A1 $A2
install_scripts = deny"
stage_npm "@deny/spool-$SUFFIX" 1.0.0 ',"scripts":{"postinstall":"node x.js"}'
code "$S1"
expect_status 1 with_input "$CODE" as_user "$A1" "$NR" approve "$ID"
contains "$OUT" "checks failed"
[ ! -e "$T/state/spool/$ID.tgz" ] || attack_succeeded "a failed registry stage's copy stays in the spool"
[ -z "$(ls -A "$T/state/spool")" ] || attack_succeeded "files left in the spool: $(ls -A "$T/state/spool")"
expect_status 0 as_user "$A1" "$NR" show "$ID"
contains "$OUT" "install.script"
pass "a registry stage whose checks failed leaves nothing in the spool; show still has its report"
