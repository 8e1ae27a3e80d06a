#!/bin/bash
# Single use under concurrency: 16 simultaneous 'npm-release approve' of one
# release publish it exactly once; the other 15 stop with "already approved / in
# progress" before any factor is asked; the ledger holds one approve and one
# publish; npm installs the bytes with matching integrity.
. "$SRCDIR/tests/e2e/common.sh"

N=16
e2e_registry_users
e2e_host local

PKG=$(source_dir e2e-concurrent 1.0.0)
fixture_package "$PKG" "e2e-concurrent" "1.0.0"
(cd "$PKG" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
TGZ="$E2E_DIR/e2e-concurrent-1.0.0.tgz"
SRI=$(sri_of "$TGZ")
expect_status 0 nr stage "$TGZ"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
[ -n "$ID" ] || fail "stage printed no id"

CODE=$(host_totp)
pids=()
for i in $(seq 1 $N); do
	printf '%s\n' "$CODE" | nr approve "$ID" > "$E2E_DIR/approve.$i" 2>&1 &
	pids+=($!)
	# pam_wrapper (test harness) picks its /tmp/pam.X slot with check-then-mkdir
	# at start-up and gives up when two processes collide; 20 ms apart avoids
	# that while all N approves still overlap (each runs for seconds).
	sleep 0.02
done
ok=0 refused=0 other=0
for i in $(seq 1 $N); do
	rc=0
	wait "${pids[$((i - 1))]}" || rc=$?
	if [ "$rc" = 0 ]; then
		ok=$((ok + 1))
		grep -q "is live" "$E2E_DIR/approve.$i" || fail "run $i exited 0 without publishing"
	elif [ "$rc" = 1 ] && grep -qE "in progress|already (approved|published)" "$E2E_DIR/approve.$i"; then
		refused=$((refused + 1))
		grep -q "Verification code" "$E2E_DIR/approve.$i" && fail "run $i was refused after the gate"
	else
		other=$((other + 1))
		sed 's/^/    | /' "$E2E_DIR/approve.$i"
	fi
done
echo "    $N concurrent approves: $ok published, $refused refused as in progress/already approved, $other other"
[ "$ok" = 1 ] || fail "$ok runs published (want exactly 1)"
[ "$refused" = $((N - 1)) ] || fail "$refused runs refused (want $((N - 1)))"
pass "$N concurrent approves: exactly one publish, $refused clear refusals"

expect_status 0 nr log
[ "$(printf '%s\n' "$OUT" | grep -cE '^ *[0-9]+ [^ ]+ publish ')" = 1 ] || fail "ledger publish entries != 1"
[ "$(printf '%s\n' "$OUT" | grep -cE '^ *[0-9]+ [^ ]+ approve ')" = 1 ] || fail "ledger approve entries != 1"
expect_status 0 nr log --verify
# An approval is consumed when its use marker (used/ID) is no longer empty.
consumed=0
for aid in $(sqlite3 "$HOST_DIR/state/state.db" "SELECT id FROM approvals WHERE release_id = '$ID'"); do
	[ -s "$HOST_DIR/state/used/$aid" ] && consumed=$((consumed + 1))
done
[ "$consumed" = 1 ] || fail "$consumed approvals consumed (want 1)"
pass "ledger: one approve, one publish, chain verifies; one approval consumed"

INSTALLED=$(npm_install_integrity e2e-concurrent 1.0.0) || fail "npm install failed"
[ "$INSTALLED" = "1.0.0 $SRI" ] || fail "npm installed '$INSTALLED', staged $SRI"
pass "npm installs the published bytes with matching integrity"
