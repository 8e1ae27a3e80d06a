#!/bin/bash
# Release trains in stage mode (Verdaccio's staging API, the real npm CLI), the
# release account with registry 2FA (single-use 30 s steps):
# 1. `approve --staged-by stager --package 'ts-*'` selects exactly the stager's
#    matching stages; one factor approves them; each member is withdrawn from
#    staging and published with the stored seed's registry codes; all are live
#    and npm installs them with the integrity the approver saw; what the selection
#    left out stays staged; the ledger has the train and verifies.
# 2. The same 2-member train approved from two sessions at once: exactly one
#    publish per member, the other session refused with a clear message.
# Each part has its own host and release account, so that the second does not
# wait for the registry steps the first spent (about 2 minutes in all).
. "$SRCDIR/tests/e2e/common.sh"

export REGISTRY_PUBLISHERS="releasebot releasebot2"
e2e_registry_users
SPENT1=$(( $(date +%s) / 30 ))  # the registry step enabling releasebot's 2FA spent
RELEASE2_TOKEN=$(registry_adduser releasebot2 pw-release2-train-1) || fail "adduser releasebot2"
RELEASE2_SECRET=$(registry_enable_2fa "$RELEASE2_TOKEN" pw-release2-train-1) || fail "2fa 2"
SPENT2=$(( $(date +%s) / 30 ))
# npm-release does not know the steps enabling 2FA spent: starting when the
# previous step (the first it tries) is after them keeps every code it sends a
# first use
after_step() { while [ $(( $(date +%s) / 30 )) -le $(( $1 + 1 )) ]; do sleep 0.5; done; }
e2e_host stage
HOST1=$HOST_DIR
trap 'rm -rf "$HOST1"; e2e_cleanup' EXIT

stage_as() { # NPMRC NAME -> ID (npm stage publish as that npmrc's user)
	local dir
	dir=$(source_dir "$2" 1.0.0)
	fixture_package "$dir" "$2" 1.0.0
	ID=$( (cd "$dir" && npm stage publish --userconfig "$1" 2>&1) |
		sed -n 's/.*(staged with id \([0-9a-f-]*\)).*/\1/p')
	[ -n "$ID" ] || fail "npm stage publish of $2 gave no id"
}
live_sri() { # NAME: the integrity the approve output says went live
	printf '%s\n' "$OUT" | sed -n "s/^+ $1@1.0.0 (\(sha512-[^)]*\)) is live\$/\1/p"
}
count() { grep -c -- "$1" <<<"$OUT" || true; }

# 1. A train selected from what is staged.
stage_as "$E2E_DIR/stager.npmrc" ts-core; CORE=$ID
stage_as "$E2E_DIR/stager.npmrc" ts-util; UTIL=$ID
stage_as "$E2E_DIR/stager.npmrc" zz-core; ZZ=$ID         # left out by --package
# left out by --staged-by: staged on this host by its own user (the registry's
# stage list shows the read token's user only its own stages)
fixture_package "$(source_dir ts-local 1.0.0)" ts-local 1.0.0
(cd "$(source_dir ts-local 1.0.0)" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) ||
	fail "npm pack ts-local"
expect_status 0 nr stage "$E2E_DIR/ts-local-1.0.0.tgz"
OTHER=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
[ -n "$OTHER" ] || fail "nr stage printed no id"
after_step "$SPENT1"   # first: the approver's code must be fresh when it is typed
approver_code
expect_status 0 with_input "$CODE" nr approve --staged-by stager --package 'ts-*'
contains "$OUT" "Approve a train of 2 packages (statement sha256 "
[ "$(count 'Verification code')" = 1 ] || fail "not exactly one prompt"
for n in ts-local zz-core; do
	case "$OUT" in *"$n@"*) fail "the selection took $n" ;; esac
done
for id in "$CORE" "$UTIL"; do contains "$OUT" "withdrawing stage $id"; done
[ "$(count 'from its stored seed (nothing to type)')" = 4 ] ||
	fail "not 4 registry writes answered with the stored seed (2 withdrawals, 2 publishes)"
[ "$(count 'registry refused the code')" = 0 ] || fail "the registry refused a stored-seed code"
contains "$OUT" "2 packages live"
pass "--staged-by stager --package 'ts-*' selected 2 of 4 stages; one factor approved them"

for n in ts-core ts-util; do
	SRI=$(live_sri "$n")
	[ -n "$SRI" ] || fail "no live line for $n"
	INSTALLED=$(npm_install_integrity "$n" 1.0.0) || fail "npm install $n failed"
	[ "$INSTALLED" = "1.0.0 $SRI" ] || fail "npm installed $n '$INSTALLED', approved $SRI"
done
for n in ts-local zz-core; do
	packument_has "$n" 1.0.0 2>/dev/null && fail "$n was published though the selection left it out"
done
expect_status 0 nr list
grep -qE "^registry +$ZZ zz-core@1.0.0 " <<<"$OUT" || fail "zz-core is no longer staged"
grep -qE "^host +$OTHER ts-local@1.0.0 .* (staged|checked)\$" <<<"$OUT" || fail "ts-local is not open"
for id in "$CORE" "$UTIL"; do
	grep -qE "^registry +$id " <<<"$OUT" && fail "stage $id is still staged after its publish"
	grep -qE "^host +$id .* published\$" <<<"$OUT" || fail "$id is not recorded as published"
done
pass "both members live and installable with the approved integrity; the rest still staged"

expect_status 0 nr log
[ "$(count '^ *[0-9]* [^ ]* train ')" = 1 ] || fail "not one train ledger entry"
[ "$(grep -cE '^ *[0-9]+ [^ ]+ approve .*"proof":"train ' <<<"$OUT" || true)" = 2 ] ||
	fail "not one approve entry per member"
[ "$(grep -cE '^ *[0-9]+ [^ ]+ withdraw ' <<<"$OUT" || true)" = 2 ] || fail "not 2 withdraw entries"
[ "$(grep -cE '^ *[0-9]+ [^ ]+ publish ' <<<"$OUT" || true)" = 2 ] || fail "not 2 publish entries"
expect_status 0 nr log --verify --signatures
pass "the ledger: one train, two approvals through it, two withdrawals and publishes; verifies"

# 2. The same train from two sessions at once (a second host and release account).
# Both start within 20 ms (TRAIN_RACE=0: the second once the first is at its
# prompt). A train takes its members' locks in the order of their ids before any
# check, so exactly one goes on (each session locking its members in staging
# order while it checked them made both refuse).
RELEASE_TOKEN=$RELEASE2_TOKEN RELEASE_SECRET=$RELEASE2_SECRET
e2e_host stage
stage_as "$E2E_DIR/stager.npmrc" tc-core; C1=$ID
stage_as "$E2E_DIR/stager.npmrc" tc-util; C2=$ID
after_step "$SPENT2"
approver_code
pids=()
for i in 1 2; do
	printf '%s\n' "$CODE" | nr approve "$C1" "$C2" > "$E2E_DIR/conc.$i" 2>&1 &
	pids+=($!)
	[ "$i" = 2 ] && break
	if [ "${TRAIN_RACE:-1}" = 1 ]; then
		sleep 0.02 # pam_wrapper's start-up slot race (see concurrency.sh)
	else
		for _ in $(seq 1 300); do
			grep -q 'Verification code' "$E2E_DIR/conc.1" && break
			sleep 0.1
		done
		grep -q 'Verification code' "$E2E_DIR/conc.1" || fail "session 1 never reached its prompt"
	fi
done
ok=0 refused=0
for i in 1 2; do
	rc=0
	wait "${pids[$((i - 1))]}" || rc=$?
	sed "s/^/    $i| /" "$E2E_DIR/conc.$i"
	if [ "$rc" = 0 ] && grep -q "2 packages live" "$E2E_DIR/conc.$i"; then
		ok=$((ok + 1))
	elif [ "$rc" = 1 ] && grep -q "in progress in another npm-release" "$E2E_DIR/conc.$i" &&
	     grep -qE "nothing (done|was approved)" "$E2E_DIR/conc.$i"; then
		refused=$((refused + 1))
		grep -q "Verification code" "$E2E_DIR/conc.$i" && fail "session $i was refused after its gate"
		grep -q "is live" "$E2E_DIR/conc.$i" && fail "session $i was refused but published"
	fi
done
[ "$ok" = 1 ] && [ "$refused" = 1 ] ||
	fail "two sessions: $ok published the train, $refused refused clearly (want 1 and 1)"
pass "two sessions at once: one published the train, the other was refused before its factor"

expect_status 0 nr log
for id in "$C1" "$C2"; do
	[ "$(grep -cE "^ *[0-9]+ [^ ]+ publish .*\"id\":\"$id\"" <<<"$OUT" || true)" = 1 ] ||
		fail "member $id: not exactly one publish in the ledger"
done
[ "$(count '^ *[0-9]* [^ ]* train ')" = 1 ] || fail "not one train ledger entry"
expect_status 0 nr log --verify --signatures
for n in tc-core tc-util; do
	N_VERSIONS=$(curl -fsS "${REGISTRY_URL}$n" |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>console.log(Object.keys(JSON.parse(s).versions).length))')
	[ "$N_VERSIONS" = 1 ] || fail "$n has $N_VERSIONS versions live"
	npm_install_integrity "$n" 1.0.0 >/dev/null || fail "npm install $n failed"
done
pass "exactly one publish per member in the ledger and on the registry; both install"
