# bench/approve, the train part (sourced by run.sh, after the registry is up):
# one `npm-release approve ID1..IDN` (a release train, one approver TOTP code,
# answered instantly) against N single `npm-release approve --timings ID` in a
# loop (each prompt answered instantly with a fresh approver code), on the same
# Verdaccio, in the same run. See README.md ("Release trains").
#
# Each side has its own host (state, spool, approver enrolment) and its own
# release account with registry 2FA (trainbot, loopbot), so that neither spends
# the other's single-use registry OTP steps. They run at the same time: the
# train's registry waits wake at a step's first second, and the loop is started
# 12 s into a step (bench_loop_pace), so their writes do not share the 2 cores.
# Both hosts enrol the approver with [totp] window = 10 (the most the product
# allows): 11 approver codes at once, then one per 30 s step. The product is not
# changed; approver-code waits are counted with the human's part.

TRAIN_N=${TRAIN_N:-10}
TRAIN_MODE=${TRAIN_MODE:-local}
case "$TRAIN_MODE" in local | stage) ;; *) fail "TRAIN_MODE is local or stage" ;; esac

# HOST: a release host for one side; its variables saved as HOST_<side>_*
bench_host() { # SIDE TOKEN SECRET
	host_setup "$TRAIN_MODE"
	sed -i 's/^window = 1$/window = 10/' "$HOST_CONF"
	grep -q '^window = 10$' "$HOST_CONF" || fail "could not widen the approver TOTP window"
	printf 'token %s\ntotp sha1 6 30 %s\n' "$2" "$3" | nr token set || fail "token set ($1)"
	printf 'token %s\n' "$STAGER_TOKEN" | nr token set --read || fail "token set --read ($1)"
	host_enroll_totp || fail "enroll totp ($1)"
	BENCH_HOSTS+=("$HOST_DIR")
	eval "H_${1}_DIR=\$HOST_DIR H_${1}_CONF=\$HOST_CONF H_${1}_SECRET=\$APPROVER_SECRET"
	eval "H_${1}_STEP=\$APPROVER_STEP"
}
use_host() { # SIDE
	[ -z "${CUR_SIDE:-}" ] || eval "H_${CUR_SIDE}_STEP=\$APPROVER_STEP"
	eval "HOST_DIR=\$H_${1}_DIR HOST_CONF=\$H_${1}_CONF APPROVER_SECRET=\$H_${1}_SECRET"
	eval "APPROVER_STEP=\$H_${1}_STEP"
	CUR_SIDE=$1
}

stage_member() { # NAME -> ID on the current host
	local dir tgz out
	dir=$(source_dir "$1" 1.0.0)
	fixture_package "$dir" "$1" 1.0.0
	if [ "$TRAIN_MODE" = stage ]; then
		ID=$(stage_with_npm "$dir")
	else
		(cd "$dir" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack $1"
		tgz="$E2E_DIR/$1-1.0.0.tgz"
		out=$(nr stage "$tgz" 2>&1) || { printf '%s\n' "$out" >&2; fail "nr stage $1"; }
		ID=$(printf '%s\n' "$out" | grep -E '^[0-9a-f-]{36}$' | head -1)
	fi
	[ -n "$ID" ] || fail "staging $1 gave no id"
}

# Waits, before a single approve, for the loop account's next unspent registry
# step, 12 s into a step (npm-release would otherwise wait inside, to the step's
# first second, when the train's own wait ends). Sets PACE_MS.
bench_loop_pace() {
	local t0 now writes=$1
	t0=$(ms_now)
	now=$(step_now)
	if [ $(( LOOP_LAST + writes - 1 )) -gt "$now" ]; then
		while [ "$(step_now)" -lt $(( LOOP_LAST + writes - 1 )) ]; do sleep 0.2; done
		while [ $(( $(date +%s) % 30 )) -lt 12 ]; do sleep 0.2; done
	fi
	now=$(step_now)
	# what npm-release then uses: the current step, or the one after the last spent
	[ "$LOOP_LAST" -ge "$now" ] && LOOP_LAST=$(( LOOP_LAST + writes )) || LOOP_LAST=$(( now + writes - 1 ))
	PACE_MS=$(( $(ms_now) - t0 ))
}

echo "train part: $TRAIN_N packages, $TRAIN_MODE mode; setting up two hosts..." >&2
TRAIN_TOKEN=$(registry_adduser trainbot pw-trainbot-bench-1) || fail "adduser trainbot"
TRAIN_SECRET=$(registry_enable_2fa "$TRAIN_TOKEN" pw-trainbot-bench-1) || fail "2fa trainbot"
TRAIN_LAST=$(step_now)
LOOP_TOKEN=$(registry_adduser loopbot pw-loopbot-bench-1) || fail "adduser loopbot"
LOOP_SECRET=$(registry_enable_2fa "$LOOP_TOKEN" pw-loopbot-bench-1) || fail "2fa loopbot"
LOOP_LAST=$(step_now)
PROBE_TOKEN=$(registry_adduser probebot pw-probebot-bench-1) || fail "adduser probebot"
PROBE_SECRET=$(registry_enable_2fa "$PROBE_TOKEN" pw-probebot-bench-1) || fail "2fa probebot"
PROBE_LAST=$(step_now)
registry_npmrc "$E2E_DIR/probebot.npmrc" "$PROBE_TOKEN"
BENCH_HOSTS=(${HOST_DIR:+"$HOST_DIR"})
TOTP_WINDOW=10
trap 'for d in "${BENCH_HOSTS[@]}"; do rm -rf "$d"; done; e2e_cleanup' EXIT
bench_host train "$TRAIN_TOKEN" "$TRAIN_SECRET"
bench_host loop "$LOOP_TOKEN" "$LOOP_SECRET"
WRITES_PER=1
[ "$TRAIN_MODE" = local ] || WRITES_PER=2   # stage: DELETE /-/stage/<id>, then the PUT

TRAIN_IDS=() LOOP_IDS=()
use_host train
for i in $(seq 1 "$TRAIN_N"); do stage_member "bench-train-$i"; TRAIN_IDS+=("$ID"); done
use_host loop
for i in $(seq 1 "$TRAIN_N"); do stage_member "bench-loop-$i"; LOOP_IDS+=("$ID"); done

# Neither account's first write may use the step that enabling its 2FA spent
# (npm-release does not know it and tries from the previous step on; its retry
# would count as publish time).
while [ "$(step_now)" -le $(( TRAIN_LAST + 1 )) ] || [ "$(step_now)" -le $(( LOOP_LAST + 1 )) ]; do sleep 0.2; done

# The train, in the background; every output line stamped with the time it came.
use_host train
approver_code
TRAIN_T0=$(ms_now)
( rc=0; printf '%s\n' "$CODE" | nr approve "${TRAIN_IDS[@]}" 2>&1 || rc=$?; echo "exit $rc" ) |
	perl -MTime::HiRes=time -ne 'BEGIN { $| = 1 } printf "%d %s", time() * 1000, $_' \
	> "$E2E_DIR/train.out" &
TRAIN_PID=$!
# the loop starts once the train has checked every member and asks for its factor
while ! grep -q ' statement sha256 ' "$E2E_DIR/train.out" && kill -0 "$TRAIN_PID" 2>/dev/null; do
	sleep 0.2
done

use_host loop
: > "$E2E_DIR/loop.rows"
LOOP_T0=$(ms_now)
for i in $(seq 1 "$TRAIN_N"); do
	t=$(ms_now); approver_code; code_wait=$(( $(ms_now) - t ))
	bench_loop_pace "$WRITES_PER"
	t=$(ms_now)
	printf '%s\n' "$CODE" | nr approve --timings "${LOOP_IDS[$((i - 1))]}" > "$E2E_DIR/loop-$i.out" 2>&1 ||
		{ cat "$E2E_DIR/loop-$i.out" >&2; fail "single approve $i of the loop"; }
	wall=$(( $(ms_now) - t ))
	grep -q "is live" "$E2E_DIR/loop-$i.out" || fail "single approve $i did not say 'is live'"
	line=$(grep '^npm-release: timings (ms):' "$E2E_DIR/loop-$i.out")
	for f in fetch checks gate publish otp_wait confirm record total; do
		eval "$f=\$(field $f \"\$line\")"
	done
	prompts=$(grep -c 'Verification code' "$E2E_DIR/loop-$i.out" || true)
	# one line per approve: code wait, pace wait, fetch, checks, gate, publish,
	# otp_wait, confirm, record, total, wall, prompts
	echo "$code_wait $PACE_MS $fetch $checks $gate $publish $otp_wait $confirm $record $total $wall $prompts" \
		>> "$E2E_DIR/loop.rows"
	[ "$i" -eq 1 ] && LOOP_FIRST_FACTOR=$(( t + fetch + checks + gate ))
done
LOOP_T1=$(ms_now)
wait "$TRAIN_PID" || true
TRAIN_T1=$(sed -n '$s/^\([0-9]*\) .*/\1/p' "$E2E_DIR/train.out")
grep -q ' exit 0$' "$E2E_DIR/train.out" || { sed 's/^[0-9]* //' "$E2E_DIR/train.out" >&2; fail "the train failed"; }
grep -q "train .*: $TRAIN_N packages live" "$E2E_DIR/train.out" || fail "the train did not say all are live"
use_host train
for i in $(seq 1 "$TRAIN_N"); do
	packument_has "bench-train-$i" 1.0.0 || fail "bench-train-$i is not live after the train"
done
use_host loop
for i in $(seq 1 "$TRAIN_N"); do
	packument_has "bench-loop-$i" 1.0.0 || fail "bench-loop-$i is not live after the loop"
done

# The train, from its stamped output: the statement line is printed just before
# the gate; everything after it is the factor, then the publishes.
stamp() { grep -m1 -E "$1" "$E2E_DIR/train.out" | sed 's/ .*//'; }
T_STMT=$(stamp ' statement sha256 ')
T_PUB1=$(stamp ' publishing ')
TRAIN_PROMPTS=$(grep -c 'Verification code' "$E2E_DIR/train.out" || true)
TRAIN_WAIT=$(sed -n 's/^[0-9]* registry one-time password: waiting \([0-9]*\)s.*/\1/p' "$E2E_DIR/train.out" |
	awk '{s += $1} END {print s * 1000 + 0}')
TRAIN_WRITES=$(grep -c 'from its stored seed (nothing to type)' "$E2E_DIR/train.out" || true)
TRAIN_RETRIES=$(grep -c 'registry refused the code' "$E2E_DIR/train.out" || true)
TRAIN_AFTER=$(( TRAIN_T1 - T_STMT ))
TRAIN_OWN=$(( TRAIN_AFTER - TRAIN_WAIT ))

# The loop: sums over its approves.
sum() { awk -v c="$1" '{s += $c} END {print s + 0}' "$E2E_DIR/loop.rows"; }
L_CODEWAIT=$(sum 1) L_PACE=$(sum 2) L_FETCH=$(sum 3) L_CHECKS=$(sum 4) L_GATE=$(sum 5)
L_PUBLISH=$(sum 6) L_OTPWAIT=$(sum 7) L_CONFIRM=$(sum 8) L_RECORD=$(sum 9) L_TOTAL=$(sum 10)
L_WALL=$(sum 11) L_PROMPTS=$(sum 12)
L_REGWAIT=$(( L_PACE + L_OTPWAIT ))
# after the first factor: the loop's whole time to the last "is live", less the
# registry's waits and the approver-code waits after it (the human's part)
LOOP_AFTER=$(( LOOP_T1 - LOOP_FIRST_FACTOR ))
LOOP_OWN=$(( LOOP_AFTER - L_REGWAIT - L_CODEWAIT + $(awk 'NR == 1 {print $1 + $2}' "$E2E_DIR/loop.rows") ))
# the same, counting only each approve's own time after its factor
L_AFTER_EACH=$(( L_TOTAL - L_FETCH - L_CHECKS - L_GATE - L_OTPWAIT ))
LOOP_WRITES=$(cat "$E2E_DIR"/loop-*.out | grep -c 'from its stored seed (nothing to type)' || true)

floor() { # WRITES SPARE -> ms: one single-use step per write; the first SPARE + 1
	# writes use steps the registry accepts at once (Verdaccio: previous, current
	# and next, SPARE = 2, which npm-release uses too), each
	# later write waits a whole step
	echo $(( ($1 > $2 + 1 ? $1 - $2 - 1 : 0) * 30000 ))
}
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2fx", (b > 0 ? a / b : 0) }'; }
s() { awk -v v="$1" 'BEGIN { printf "%.1f s", v / 1000 }'; }

echo
echo "release train: $TRAIN_N packages, $TRAIN_MODE mode, registry tokens $TOKENS"
printf '%-44s %14s %14s %8s\n' "" "train (1 cmd)" "loop ($TRAIN_N cmds)" "ratio"
row2() { printf '%-44s %14s %14s %8s\n' "$@"; }
row2 "human interactions (prompts seen)" "$TRAIN_PROMPTS" "$L_PROMPTS" "$(ratio "$TRAIN_PROMPTS" "$L_PROMPTS")"
row2 "approver-code waits (human part)" "0.0 s" "$(s "$L_CODEWAIT")" ""
row2 "time after the (first) factor, all" "$(s "$TRAIN_AFTER")" "$(s "$LOOP_AFTER")" "$(ratio "$TRAIN_AFTER" "$LOOP_AFTER")"
row2 "  registry OTP waits" "$(s "$TRAIN_WAIT")" "$(s "$L_REGWAIT")" "$(ratio "$TRAIN_WAIT" "$L_REGWAIT")"
row2 "  our own time (less OTP and code waits)" "$(s "$TRAIN_OWN")" "$(s "$LOOP_OWN")" "$(ratio "$TRAIN_OWN" "$LOOP_OWN")"
row2 "  train: factor to first publish (gate, ledger)" "$(s $(( T_PUB1 - T_STMT )))" "" ""
row2 "  sum of each approve's own after-factor" "$(s "$TRAIN_OWN")" "$(s "$L_AFTER_EACH")" "$(ratio "$TRAIN_OWN" "$L_AFTER_EACH")"
row2 "fetch + checks (before the factor)" "$(s $(( T_STMT - TRAIN_T0 )))" "$(s $(( L_FETCH + L_CHECKS )))" ""
row2 "registry writes with an OTP" "$TRAIN_WRITES" "$LOOP_WRITES" ""
row2 "  registry's floor: 1 step/write, prev+cur+next" "$(s "$(floor "$TRAIN_WRITES" 2)")" "$(s "$(floor "$LOOP_WRITES" 2)")" ""
row2 "  waits / floor" "$(ratio "$TRAIN_WAIT" "$(floor "$TRAIN_WRITES" 2)")" "$(ratio "$L_REGWAIT" "$(floor "$LOOP_WRITES" 2)")" ""
row2 "  codes the registry refused (retried)" "$TRAIN_RETRIES" "$(cat "$E2E_DIR"/loop-*.out | grep -c 'registry refused the code' || true)" ""
row2 "wall, start to last live" "$(s $(( TRAIN_T1 - TRAIN_T0 )))" "$(s $(( LOOP_T1 - LOOP_T0 )))" ""
echo "goal: our own time after the factor <= 0.1x the loop's: $(awk -v a="$TRAIN_OWN" -v b="$LOOP_OWN" \
	'BEGIN { print (b > 0 && a / b <= 0.1) ? "met" : "NOT met" }')"
echo "loop's per-approve medians (ms): publish $(awk '{print $6}' "$E2E_DIR/loop.rows" | median)," \
	"confirm $(awk '{print $8}' "$E2E_DIR/loop.rows" | median), fetch $(awk '{print $3}' "$E2E_DIR/loop.rows" | median)," \
	"checks $(awk '{print $4}' "$E2E_DIR/loop.rows" | median), gate $(awk '{print $5}' "$E2E_DIR/loop.rows" | median)"

# The registry's OTP policy, measured directly: a third account with 2FA, whose
# steps nothing else spends, adds dist-tags (a write that needs its OTP) with the
# real npm CLI, within one 30 s step: no code, then the previous, current and next
# steps' codes, each sent twice, then the step after next.
otp_write() { # CODE|"" TAG -> accepted|refused
	local otp=()
	[ -z "$1" ] || otp=(--otp "$1")
	if npm dist-tag add bench-loop-1@1.0.0 "$2" "${otp[@]}" --userconfig "$E2E_DIR/probebot.npmrc" \
		>> "$E2E_DIR/probe.out" 2>&1; then echo accepted; else echo refused; fi
}
# the previous step must be one that enabling 2FA did not spend
while [ "$(step_now)" -lt $(( PROBE_LAST + 2 )) ] || [ $(( $(date +%s) % 30 )) -gt 12 ]; do sleep 0.5; done
P=$(step_now)
probe_code() { oathtool --totp -b -N "@$(( (P + $1) * 30 + 15 ))" "$PROBE_SECRET"; }
PROBE="no code: $(otp_write "" p0)"
for k in -1 0 1; do
	c=$(probe_code "$k")
	PROBE="$PROBE; step $k: $(otp_write "$c" "p$((k + 2))a"), again: $(otp_write "$c" "p$((k + 2))b")"
done
PROBE="$PROBE; step +2: $(otp_write "$(probe_code 2)" p5)"
[ "$(step_now)" = "$P" ] || PROBE="$PROBE (NOT within one step: rerun)"
echo "registry OTP probe (dist-tag writes within one step, steps relative to now): $PROBE"
