#!/bin/bash
# kill -9 of 'npm-release approve' at every step boundary, then a rerun: never two
# publishes, the ledger complete (one approve that led to the publish, one publish
# entry per release, the chain verifies), the version live with the staged bytes;
# in local mode and in registry stage mode (withdraw the stage, then publish).
# The seam is the documented [debug] stop_at = STEP of the root-owned configuration:
# the helper stops itself (SIGSTOP) at STEP and prints its pid; the test kills it.
. "$SRCDIR/tests/e2e/common.sh"
. "$SRCDIR/tests/e2e/stopped.sh"

e2e_registry_users
e2e_host local
# Many approvals in a row: allow codes up to ten steps ahead (each is single use).
sed -i 's/^window = 1$/window = 10/' "$HOST_CONF"
LAST_STEP=$(($(date +%s) / 30)) # the enrolment used the current step
next_code() { # sets CODE to the code of a step after every step used so far
	local step=$(($(date +%s) / 30))
	[ "$step" -gt "$LAST_STEP" ] || step=$((LAST_STEP + 1))
	LAST_STEP=$step
	CODE=$(oathtool --totp -b -N "@$((step * 30))" "$APPROVER_SECRET")
}

set_stop() { # STEP|"" : the [debug] section of the host configuration
	sed -i '/^\[debug\]$/,$d' "$HOST_CONF"
	[ -z "$1" ] || printf '[debug]\nstop_at = %s\n' "$1" >> "$HOST_CONF"
}

publish_entries() { # ID -> number of ledger publish events for ID
	nr log | grep -E '^ *[0-9]+ [^ ]+ publish ' | grep -c "\"$1\"" || true
}

release_status() { sqlite3 "$HOST_DIR/state/state.db" "SELECT status FROM releases WHERE id = '$1'"; }

kill_at() { # STEP ID: runs approve ID until it stops at STEP, then kill -9 it
	local step=$1 id=$2 out="$E2E_DIR/killed.$1"
	set_stop "$step"
	next_code
	printf '%s\n' "$CODE" | nr approve "$id" > "$out" 2>&1 &
	local job=$!
	wait_stopped "$out" "$job" "$step"
	kill -9 "$STOPPED_PID"
	wait "$job" 2>/dev/null || true
	set_stop ""
}

STEPS="fetched checked consumed approved sent live recorded"
n=0
for step in $STEPS; do
	n=$((n + 1))
	name="e2e-crash-$step"
	pkg=$(source_dir "$name" "1.0.$n")
	fixture_package "$pkg" "$name" "1.0.$n"
	(cd "$pkg" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
	TGZ="$E2E_DIR/$name-1.0.$n.tgz"
	SRI=$(sri_of "$TGZ")
	expect_status 0 nr stage "$TGZ"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)

	kill_at "$step" "$ID"
	before=$(release_status "$ID")
	case "$step" in
	sent | live | recorded) packument_has "$name" "1.0.$n" 2>/dev/null || fail "$step: the publish had not landed" ;;
	*) packument_has "$name" "1.0.$n" 2>/dev/null && fail "$step: published before the publish step" ;;
	esac

	next_code
	if [ "$step" = recorded ]; then
		expect_status 1 with_input "$CODE" nr approve "$ID"
		contains "$OUT" "already published"
	else
		expect_status 0 with_input "$CODE" nr approve "$ID"
		contains "$OUT" "is live"
	fi
	case "$step" in
	sent|live) contains "$OUT" "recorded after an interrupted approve" ;;
	approved) contains "$OUT" "needs a fresh approval" ;;
	esac
	[ "$(release_status "$ID")" = published ] || fail "$step: status $(release_status "$ID") after the rerun"
	[ "$(publish_entries "$ID")" = 1 ] || fail "$step: $(publish_entries "$ID") ledger publish entries"
	expect_status 0 nr log --verify
	INSTALLED=$(npm_install_integrity "$name" "1.0.$n") || fail "$step: npm install failed"
	[ "$INSTALLED" = "1.0.$n $SRI" ] || fail "$step: npm installed '$INSTALLED', staged $SRI"
	pass "killed at '$step' (status then: $before); the rerun leaves it published once, ledger complete"
done

# Registry stage mode: the approve withdraws the stage and publishes the checked
# bytes itself. Killed before the withdrawal, between the withdrawal and the
# publish, and after the publish was sent: the rerun still publishes once.
sed -i 's/^mode = local$/mode = stage/' "$HOST_CONF"
for step in approved withdrawn sent; do
	n=$((n + 1))
	name="e2e-crash-stage-$step"
	pkg=$(source_dir "$name" "1.0.$n")
	fixture_package "$pkg" "$name" "1.0.$n"
	(cd "$pkg" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
	SRI=$(sri_of "$E2E_DIR/$name-1.0.$n.tgz")
	ID=$(stage_with_npm "$pkg")
	[ -n "$ID" ] || fail "npm stage publish of $name failed"

	kill_at "$step" "$ID"
	before=$(release_status "$ID")
	case "$step" in
	sent) packument_has "$name" "1.0.$n" 2>/dev/null || fail "stage $step: the publish had not landed" ;;
	*) packument_has "$name" "1.0.$n" 2>/dev/null && fail "stage $step: published before the publish step" ;;
	esac

	next_code
	expect_status 0 with_input "$CODE" nr approve "$ID"
	contains "$OUT" "is live"
	case "$step" in
	sent) contains "$OUT" "recorded after an interrupted approve" ;;
	*) contains "$OUT" "needs a fresh approval" ;;
	esac
	[ "$(release_status "$ID")" = published ] || fail "stage $step: status $(release_status "$ID") after the rerun"
	[ "$(publish_entries "$ID")" = 1 ] || fail "stage $step: $(publish_entries "$ID") ledger publish entries"
	expect_status 0 nr log --verify
	INSTALLED=$(npm_install_integrity "$name" "1.0.$n") || fail "stage $step: npm install failed"
	[ "$INSTALLED" = "1.0.$n $SRI" ] || fail "stage $step: npm installed '$INSTALLED', staged $SRI"
	pass "stage mode, killed at '$step' (status then: $before); the rerun leaves it published once"
done
