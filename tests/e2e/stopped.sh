# wait_stopped OUTFILE JOB STEP: waits until the npm-release writing OUTFILE (run as
# background job JOB) has stopped itself at STEP ([debug] stop_at) and sets
# STOPPED_PID; fails when it exits first or never gets there.
wait_stopped() {
	local out=$1 job=$2 step=$3 i
	STOPPED_PID=
	for i in $(seq 1 600); do
		# the job may not have created OUTFILE yet: not an error, just not stopped
		STOPPED_PID=$(sed -n "s/.*stop_at = $step: process \\([0-9]*\\) stops here.*/\\1/p" "$out" 2>/dev/null || true)
		[ -n "$STOPPED_PID" ] && grep -q '^State:.*T' "/proc/$STOPPED_PID/status" 2>/dev/null && return 0
		kill -0 "$job" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/    | /' "$out"
	fail "npm-release never stopped at step $step"
}
