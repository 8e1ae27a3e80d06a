#!/bin/bash
# End to end, npm-release approve --timings: one line on standard error with the
# wall-clock milliseconds of fetch, checks, gate, publish, otp_wait (the registry's
# one-time password policy, kept out of publish) and confirm, which add up to no
# more than the total. Two approves back to back: the release account's registry
# codes are single-use per step, so the second waits for a fresh step, and that
# wait is reported as otp_wait, not as publish.
. "$SRCDIR/tests/e2e/common.sh"

e2e_registry_users
e2e_host stage

STEPS="fetch checks gate publish otp_wait confirm record total"

# check_timings OUTPUT: the one timings line has every step with a whole number,
# and the steps add up to no more than the total. Sets T_<step>.
check_timings() {
	local lines line step v sum=0
	lines=$(grep -c '^npm-release: timings (ms):' <<<"$1" || true)
	[ "$lines" = 1 ] || fail "expected one timings line, got $lines"
	line=$(grep '^npm-release: timings (ms):' <<<"$1")
	for step in $STEPS; do
		v=$(sed -n "s/.* $step=\([0-9][0-9]*\)\( .*\)\{0,1\}$/\1/p" <<<"$line")
		[ -n "$v" ] || fail "timings line lacks a number for $step: $line"
		eval "T_$step=$v"
		[ "$step" = total ] || sum=$((sum + v))
	done
	[ "$sum" -le "$T_total" ] || fail "steps add up to $sum ms, more than the total $T_total ms: $line"
	[ "$T_total" -gt 0 ] || fail "a total of 0 ms: $line"
}

PKG=$(source_dir timed-widget 1.0.0)
fixture_package "$PKG" timed-widget 1.0.0
ID=$(stage_with_npm "$PKG")
[ -n "$ID" ] || fail "npm stage publish gave no stage id"
PKG2=$(source_dir timed-widget 1.0.1)
fixture_package "$PKG2" timed-widget 1.0.1
ID2=$(stage_with_npm "$PKG2")
[ -n "$ID2" ] || fail "npm stage publish gave no second stage id"

expect_status 2 nr approve --timings
contains "$OUT" "usage: npm-release approve [--timings] STAGE-ID"
pass "approve --timings without an id is a usage error"

approver_code
expect_status 0 with_input "$CODE" nr approve --timings "$ID"
contains "$OUT" "is live"
check_timings "$OUT"
packument_has timed-widget 1.0.0 || fail "1.0.0 is not live"
pass "approve --timings: $(grep '^npm-release: timings' <<<"$OUT" | cut -d: -f3-)"

# Right after the first, the release account's next code is a step ahead: the
# helper waits for it, and that wait is otp_wait.
approver_code
expect_status 0 with_input "$CODE" nr approve --timings "$ID2"
contains "$OUT" "is live"
check_timings "$OUT"
WAITED=$(sed -n 's/^registry one-time password: waiting \([0-9]*\)s for a fresh step$/\1/p' <<<"$OUT" |
	awk '{s += $1} END {print s + 0}')
[ "$WAITED" -gt 0 ] || fail "the second approve did not wait for a registry step"
[ "$T_otp_wait" -ge $((WAITED * 1000 - 5)) ] ||
	fail "waited ${WAITED}s for a registry step, otp_wait is ${T_otp_wait} ms"
[ "$T_publish" -lt $((WAITED * 1000)) ] && [ "$T_publish" -lt 10000 ] ||
	fail "publish ${T_publish} ms includes the ${WAITED}s registry wait"
pass "a registry OTP wait of ${WAITED}s is otp_wait=${T_otp_wait}, publish=${T_publish} apart"

# Without --timings no timings line (a run that stops early reports too, with
# only the steps it reached).
expect_status 1 nr approve "$ID"
contains "$OUT" "already"
grep -q 'timings' <<<"$OUT" && fail "a timings line without --timings"
expect_status 1 nr approve --timings "$ID"
contains "$OUT" "npm-release: timings (ms): total="
pass "no timings line without --timings; an early stop reports only its total"
