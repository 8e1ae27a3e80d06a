#!/bin/bash
# bench/approve: one package at a time, the time from the approver's factor being
# accepted to "is live", npm-release approve against the real npm CLI's
# `npm stage approve ID --otp CODE`, on one Verdaccio on 127.0.0.1, in one run.
#
#   bench/approve/run.sh [BUILDDIR]     (default: the current directory; N=5)
#   TOKENS=jwt bench/approve/run.sh    the registry issues JWT tokens instead of its
#                                       default legacy ones (see README.md)
#   PARTS="single train" (default)     which comparisons to run: single packages
#                                       against npm, and a release train against a
#                                       loop of single approves (train.sh; TRAIN_N=10,
#                                       TRAIN_N=50 the issue's number; TRAIN_MODE=local|stage)
#
# Stage mode: the real `npm stage publish` stages 2N packages as a user who may
# only stage. npm-release approves N of them (`approve --timings`, the approver's
# TOTP code from oathtool on standard input, so the gate costs no typing) as the
# release account releasebot; npm approves the other N as npmbot, a second
# account with its own registry 2FA, so that neither spends the other's one-time
# password steps. They alternate, one of each per round.
# Our time after the factor: publish + confirm + record and the process's last
# microseconds, i.e. total - fetch - checks - gate - otp_wait. npm's: the wall time
# of the whole `npm stage approve` process (its OTP is given on the command line,
# so all of it comes after the factor; the registry publishes before it answers).
# Registry-imposed waits are excluded on both sides: ours as otp_wait (measured
# inside npm-release), npm's as the wait for an unspent step before it starts.
# A benchmark, not a test: it prints numbers and never fails on them.
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
build=$(cd "${1:-.}" && pwd)
N=${N:-5}
[ -x "$build/helper/npm-release" ] || { echo "bench/approve: no $build/helper/npm-release (run from a build directory)" >&2; exit 1; }
export SRCDIR=$top BUILDDIR=$build
export PAM_WRAPPER_SO=${PAM_WRAPPER_SO:-$(pkg-config --libs pam_wrapper | tr -d ' ')}
export REGISTRY_PUBLISHERS="releasebot npmbot trainbot loopbot probebot"
PARTS=${PARTS:-single train}
export npm_config_update_notifier=false npm_config_fund=false npm_config_audit=false
. "$top/tests/e2e/common.sh"

ms_now() { echo $(( $(date +%s%N) / 1000000 )); }
step_now() { echo $(( $(date +%s) / 30 )); }

echo "setting up Verdaccio, the accounts and a release host..." >&2
TOKENS=${TOKENS:-legacy}
registry_start "$E2E_DIR/registry" || fail "registry did not start"
if [ "$TOKENS" = jwt ]; then
	# Verdaccio's legacy tokens cost a bcrypt check on every request; JWT ones an
	# HMAC. Same registry, restarted with its API tokens signed as JWT.
	registry_stop
	printf 'security:\n  api:\n    legacy: false\n    jwt:\n      sign:\n        expiresIn: 7d\n' \
		>> "$REGISTRY_DIR/config.yaml"
	NODE_OPTIONS="--require $top/tests/registry/verdaccio-guard.js" \
		verdaccio --config "$REGISTRY_DIR/config.yaml" > "$REGISTRY_DIR/verdaccio.log" 2>&1 &
	REGISTRY_PID=$!
	for _ in $(seq 1 300); do
		! curl -fsS "${REGISTRY_URL}-/ping" >/dev/null 2>&1 || break
		sleep 0.1
	done
fi
STAGER_TOKEN=$(registry_adduser stager pw-stager-bench-1) || fail "adduser stager"
RELEASE_TOKEN=$(registry_adduser releasebot pw-release-bench-1) || fail "adduser releasebot"
RELEASE_SECRET=$(registry_enable_2fa "$RELEASE_TOKEN" pw-release-bench-1) || fail "2fa"
registry_npmrc "$E2E_DIR/stager.npmrc" "$STAGER_TOKEN"
RELEASE_LAST=$(step_now)   # enabling 2FA spent a step of releasebot
# npmbot's code for its first unspent step (Verdaccio takes each step once and
# accepts one step ahead); waits when both are spent. Sets NPM_OTP, NPM_WAIT_MS.
npm_code() {
	local t0 step
	t0=$(ms_now)
	step=$(step_now)
	[ "$step" -gt "$NPM_LAST" ] || step=$(( NPM_LAST + 1 ))
	while [ "$step" -gt $(( $(step_now) + 1 )) ]; do sleep 0.2; done
	NPM_LAST=$step
	NPM_OTP=$(oathtool --totp -b -N "@$(( step * 30 + 15 ))" "$NPM_SECRET")
	NPM_WAIT_MS=$(( $(ms_now) - t0 ))
}

field() { sed -n "s/.* $1=\([0-9][0-9]*\).*/\1/p" <<<"$2"; }
median() { sort -n | awk '{v[NR] = $1} END {if (NR % 2) print v[(NR + 1) / 2]; else print int((v[NR / 2] + v[NR / 2 + 1]) / 2)}'; }

# One package at a time: npm-release approve against npm stage approve.
bench_single() {
	NPM_TOKEN=$(registry_adduser npmbot pw-npmbot-bench-1) || fail "adduser npmbot"
	NPM_SECRET=$(registry_enable_2fa "$NPM_TOKEN" pw-npmbot-bench-1) || fail "2fa npmbot"
	NPM_LAST=$(step_now)
	registry_npmrc "$E2E_DIR/npmbot.npmrc" "$NPM_TOKEN"
	e2e_host stage >/dev/null 2>&1

	for i in $(seq 1 "$N"); do
		d=$(source_dir "bench-ours-$i" 1.0.0)
		fixture_package "$d" "bench-ours-$i" 1.0.0
		OURS_ID[$i]=$(stage_with_npm "$d")
		fixture_package "$E2E_DIR/npm-$i" "bench-npm-$i" 1.0.0
		NPM_ID[$i]=$(stage_with_npm "$E2E_DIR/npm-$i")
		[ -n "${OURS_ID[$i]}" ] && [ -n "${NPM_ID[$i]}" ] || fail "npm stage publish gave no id"
	done
	# The step that enabling releasebot's 2FA spent is unknown to npm-release: start
	# when even the previous step (its first try) is after it, so that its first code
	# is not refused (a retry would count as publish, and cost a step).
	while [ "$(step_now)" -le $(( RELEASE_LAST + 1 )) ]; do sleep 0.2; done

	t=$(ms_now); npm --version >/dev/null; NPM_STARTUP=$(( $(ms_now) - t ))

	row() { printf '%-3s|%6s %6s %5s %7s %7s %6s %7s %6s %7s %7s |%6s %7s\n' "$@"; }
	echo
	echo "   |            npm-release approve --timings (ms)                    | npm stage approve"
	row pkg fetch checks gate publish confirm record otp_wt after total wall wall otp_wt
	: > "$E2E_DIR/ours.after"
	: > "$E2E_DIR/npm.wall"
	OURS_WAIT=0 NPM_WAIT=0
	for i in $(seq 1 "$N"); do
		approver_code
		t0=$(ms_now)
		printf '%s\n' "$CODE" | nr approve --timings "${OURS_ID[$i]}" > "$E2E_DIR/ours-$i.out" 2>&1 ||
			{ cat "$E2E_DIR/ours-$i.out" >&2; fail "npm-release approve ${OURS_ID[$i]}"; }
		wall=$(( $(ms_now) - t0 ))
		grep -q "is live" "$E2E_DIR/ours-$i.out" || fail "approve did not say 'is live'"
		line=$(grep '^npm-release: timings (ms):' "$E2E_DIR/ours-$i.out")
		for f in fetch checks gate publish otp_wait confirm record total; do
			eval "$f=\$(field $f \"\$line\")"
		done
		after=$(( total - fetch - checks - gate - otp_wait ))
		echo "$after" >> "$E2E_DIR/ours.after"
		OURS_WAIT=$(( OURS_WAIT + otp_wait ))

		npm_code
		t0=$(ms_now)
		npm stage approve "${NPM_ID[$i]}" --otp "$NPM_OTP" --userconfig "$E2E_DIR/npmbot.npmrc" \
			> "$E2E_DIR/npm-$i.out" 2>&1 || { cat "$E2E_DIR/npm-$i.out" >&2; fail "npm stage approve"; }
		npm_wall=$(( $(ms_now) - t0 ))
		grep -q "approved and published" "$E2E_DIR/npm-$i.out" || fail "npm did not approve"
		packument_has "bench-npm-$i" 1.0.0 || fail "bench-npm-$i is not live after npm's approve"
		echo "$npm_wall" >> "$E2E_DIR/npm.wall"
		NPM_WAIT=$(( NPM_WAIT + NPM_WAIT_MS ))
		row "$i" "$fetch" "$checks" "$gate" "$publish" "$confirm" "$record" "$otp_wait" "$after" \
			"$total" "$wall" "$npm_wall" "$NPM_WAIT_MS"
	done
	ours=$(median < "$E2E_DIR/ours.after")
	npm=$(median < "$E2E_DIR/npm.wall")
	echo
	echo "after = total - fetch - checks - gate - otp_wait (publish + confirm + record + exit);"
	echo "wall = the npm-release process seen from outside, registry OTP waits included."
	echo "registry tokens: $TOKENS"
	echo "npm CLI start-up alone (npm --version): $NPM_STARTUP ms"
	echo "registry OTP waits: npm-release ${OURS_WAIT} ms in all, npm ${NPM_WAIT} ms in all (bench, before it ran)"
	echo "median after the factor, excluding registry OTP waits: npm-release $ours ms, npm stage approve $npm ms"
	awk -v a="$ours" -v b="$npm" 'BEGIN {
		r = b > 0 ? a / b : 0
		printf "ratio ours/npm: %.2fx (goal <= 0.5x: %s)\n", r, r <= 0.5 ? "met" : "NOT met" }'
}

case " $PARTS " in *" single "*) bench_single ;; esac
case " $PARTS " in *" train "*) . "$top/bench/approve/train.sh" ;; esac
