#!/bin/bash
# A release train killed (kill -9) while it publishes its 4th member: the rerun of
# the same 'approve ID...' reconciles with the registry and, while the train's
# approval lasts, publishes only what is missing, in dependency order, with no new
# factor (no prompt) for the same bytes; no member is published twice and the
# ledger verifies, signatures included. After the train's approval expired, a
# rerun asks for a fresh approval instead. (Local staging, Verdaccio, the real npm
# CLI; tests/attacks/train_resume.sh: another approver cannot resume the train.)
. "$SRCDIR/tests/e2e/common.sh"
. "$SRCDIR/tests/e2e/stopped.sh"

. "$SRCDIR/tests/e2e/train_host.sh"
train_host trcrash

no_prompt() { case "$OUT" in *"Verification code"*) fail "$1: a factor was asked" ;; esac; }
release_status() { sqlite3 "$HOST_DIR/state/state.db" "SELECT status FROM releases WHERE id = '$1'"; }
publish_entries() { # ID -> ledger publish entries for ID
	nr log | grep -E '^ *[0-9]+ [^ ]+ publish ' | grep -c "\"$1\"" || true
}
set_stop() { # STEP|"": the [debug] section of the host configuration
	sed -i '/^\[debug\]$/,$d' "$HOST_CONF"
	[ -z "$1" ] || printf '[debug]\nstop_at = %s\n' "$1" >> "$HOST_CONF"
}

# kill_at_nth N IDS...: approves the train, lets it go on at its first N-1 stops
# at "sent" (a member's publish sent, not yet confirmed live) and kill -9s it at
# the Nth
kill_at_nth() {
	local nth=$1 out="$E2E_DIR/killed.$RANDOM" job k=0 done=0 i pid
	shift
	set_stop sent
	approver_code
	printf '%s\n' "$CODE" | nr approve "$@" > "$out" 2>&1 &
	job=$!
	for i in $(seq 1 1200); do
		pid=$(sed -n 's/.*stop_at = sent: process \([0-9]*\) stops here.*/\1/p' "$out" 2>/dev/null | head -1)
		k=$(grep -c 'stop_at = sent: process' "$out" 2>/dev/null || true)
		if [ "$k" -gt "$done" ] && grep -q '^State:.*T' "/proc/$pid/status" 2>/dev/null; then
			if [ "$k" -ge "$nth" ]; then
				kill -9 "$pid"
				break
			fi
			done=$k
			kill -CONT "$pid"
		fi
		kill -0 "$job" 2>/dev/null || { sed 's/^/    | /' "$out"; fail "approve ended before publish $nth"; }
		sleep 0.1
	done
	wait "$job" 2>/dev/null || true
	set_stop ""
	[ "$k" = "$nth" ] || { sed 's/^/    | /' "$out"; fail "approve never stopped at publish $nth"; }
	KILLED_OUT=$(cat "$out")
	printf '%s\n' "$KILLED_OUT" | sed 's/^/    | /'
}

# 1. Six packages, staged dependents first: tc-core, tc-util, then tc-a, tc-b and
#    tc-c, then tc-app go live in that order; killed while tc-b (4th) is sent.
T=()
stage_dep tc-app tc-a tc-b tc-c tc-util tc-core; T+=("$ID"); APP=$ID
for p in a b c; do stage_dep "tc-$p" tc-util tc-core; T+=("$ID"); done
B=${T[2]}; C=${T[3]}
stage_dep tc-util tc-core; T+=("$ID"); UTIL=$ID
stage_dep tc-core; T+=("$ID"); CORE=$ID

kill_at_nth 4 "${T[@]}"
contains "$KILLED_OUT" "Verification code for a train of 6 packages"
for id in "$CORE" "$UTIL" "${T[1]}"; do
	[ "$(release_status "$id")" = published ] || fail "$id: $(release_status "$id") after the kill"
done
for id in "$B" "$C" "$APP"; do
	[ "$(release_status "$id")" = publishing ] || fail "$id: $(release_status "$id") after the kill"
done
packument_has tc-b 1.0.0 || fail "the 4th publish had not landed"
packument_has tc-c 1.0.0 2>/dev/null && fail "tc-c was published before the kill"
packument_has tc-app 1.0.0 2>/dev/null && fail "tc-app was published before the kill"
pass "killed while the 4th of 6 members was published: 3 published, 3 publishing"

# A rerun that leaves out a member still to publish, or adds a new one, is
# refused before any prompt and changes nothing.
expect_status 1 with_input "" nr approve "${T[@]:1}"
no_prompt "a rerun without tc-app"
contains "$OUT" "name every member of the train to resume it"
stage_pkg tc-new 1.0.0; NEW=$ID
expect_status 1 with_input "" nr approve "${T[@]}" "$NEW"
no_prompt "a rerun with a new member"
contains "$OUT" "it takes no new member"
# the registry serves tc-b: that much is recorded (a fact, not an approval)
contains "$OUT" "is live (recorded after an interrupted approve)"
for id in "$C" "$APP"; do
	[ "$(release_status "$id")" = publishing ] || fail "$id: $(release_status "$id") after a refused rerun"
done
pass "a rerun must name every member still to publish, and no new one"

# show --train of the interrupted train: what is left stays "publishing" (a dry
# run must not send it back for a fresh approval)
expect_status 0 nr show --train "${T[@]}"
no_prompt "show --train"
contains "$OUT" "to publish"
contains "$OUT" "tc-b@1.0.0 (sha512-"
[ "$(release_status "$APP")" = publishing ] || fail "show --train reopened $APP"

# 2. The same approve again: no factor, only the missing members.
expect_status 0 with_input "" nr approve "${T[@]}"
no_prompt "the rerun of an interrupted train"
contains "$OUT" "Resuming train "
contains "$OUT" "2 of 6 packages still to publish; no new factor"
contains "$OUT" "2 packages live (resumed"
for id in "${T[@]}"; do
	[ "$(release_status "$id")" = published ] || fail "$id: $(release_status "$id") after the rerun"
	[ "$(publish_entries "$id")" = 1 ] || fail "$id: $(publish_entries "$id") ledger publish entries"
done
for p in app a b c util core; do packument_has "tc-$p" 1.0.0 || fail "tc-$p is not live"; done
ORDER=$(nr log | grep -E '^ *[0-9]+ [^ ]+ publish ' | sed -n 's/.*"package":"\(tc-[a-z]*\)".*/\1/p' |
	tr '\n' ' ')
[ "$ORDER" = "tc-core tc-util tc-a tc-b tc-c tc-app " ] || fail "publish order: $ORDER"
INSTALLED=$(npm_install_integrity tc-app 1.0.0) || fail "npm install tc-app failed"
pass "the rerun published only the 2 missing members, without a factor ($ORDER)"

expect_status 0 nr log --verify
expect_status 0 nr log --verify --signatures
expect_status 0 nr log
[ "$(grep -cE '^ *[0-9]+ [^ ]+ train-resume ' <<<"$OUT")" = 1 ] || fail "no train-resume entry"
[ "$(grep -cE '^ *[0-9]+ [^ ]+ approve .*"proof":"train ' <<<"$OUT")" = 6 ] ||
	fail "not one approve entry per member"
pass "the ledger names the resumption and verifies (chain and signatures)"

# 3. Everything live: a rerun has nothing to do and asks nothing.
expect_status 0 with_input "" nr approve "${T[@]}"
no_prompt "a rerun of a published train"
contains "$OUT" "nothing to approve: every member is live"
pass "a rerun of a finished train publishes nothing"

# 4. After the train's approval expired: no resumption; a fresh approval.
sed -i 's/^approval_ttl = 300$/approval_ttl = 30/' "$HOST_CONF"
X=()
for p in x1 x2 x3; do stage_pkg "tc-$p" 1.0.0; X+=("$ID"); done
STARTED=$(date +%s)
kill_at_nth 2 "${X[@]}"
[ "$(release_status "${X[2]}")" = publishing ] || fail "tc-x3: $(release_status "${X[2]}")"
while [ $(( $(date +%s) - STARTED )) -le 32 ]; do sleep 1; done
approver_code
expect_status 0 with_input "$CODE" nr approve "${X[@]}"
contains "$OUT" "nothing is resumed after its approval expires"
contains "$OUT" "needs a fresh approval"
contains "$OUT" "Verification code for a train of 1 package:"
for id in "${X[@]}"; do
	[ "$(release_status "$id")" = published ] || fail "$id: $(release_status "$id") after the rerun"
	[ "$(publish_entries "$id")" = 1 ] || fail "$id: $(publish_entries "$id") ledger publish entries"
done
expect_status 0 nr log --verify
expect_status 0 nr log --verify --signatures
pass "after the train's expiry the rest needed (and got) a fresh approval"

# 5. While a killed train waits to be resumed (red team pass 7):
#    - a single approve of one of its members is refused before any lock (it would
#      reconcile the member back to "checked" and break the resumption);
#    - other bytes staged for a member's name@version are refused (they would make
#      the rerun find that version live with other bytes: an incident);
#    - a higher version of a member's package goes live meanwhile: the rerun reads
#      "latest" again before publishing and does not move it back; the member that
#      depends on it waits with it, an unrelated member after it is published (red
#      team pass 8: it was stranded).
sed -i 's/^approval_ttl = 30$/approval_ttl = 300/' "$HOST_CONF"
stage_pkg tc-lat 1.5.0; L15=$ID
approver_code
expect_status 0 with_input "$CODE" nr approve "$L15"
stage_pkg tc-y1 1.0.0; Y1=$ID
stage_pkg tc-lat 1.6.0; L16=$ID
fixture_package "$(source_dir tc-y2 1.0.0)" tc-y2 1.0.0 ',"dependencies":{"tc-lat":"^1.6.0"}'
fixture_lockfile "$(source_dir tc-y2 1.0.0)" tc-lat@1.6.0
stage_pkg tc-y2 1.0.0 ',"dependencies":{"tc-lat":"^1.6.0"}'; Y2=$ID
stage_pkg tc-y3 1.0.0; Y3=$ID
kill_at_nth 1 "$Y1" "$L16" "$Y2" "$Y3"
for id in "$L16" "$Y2" "$Y3"; do
	[ "$(release_status "$id")" = publishing ] || fail "$id: $(release_status "$id") after the kill"
done
expect_status 1 with_input "" nr approve "$L16"
contains "$OUT" "is a member of train"
case "$OUT" in *"asking the registry"*|*"checking "*) fail "the single approve went on" ;; esac
[ "$(release_status "$L16")" = publishing ] || fail "the single approve changed tc-lat 1.6.0"
pass "a single approve of a member of a resumable train is refused before any lock"
fixture_package "$(source_dir tc-lat 1.6.0)" tc-lat 1.6.0 ',"keywords":["twin"]'
stage_pkg tc-lat 1.6.0 ',"keywords":["twin"]'; TWIN=$ID
expect_status 1 with_input "" nr approve "$TWIN"
contains "$OUT" "another release of tc-lat@1.6.0 ($L16) was approved and its publish was interrupted"
no_prompt "a twin of an interrupted member"
pass "other bytes for an interrupted member's version are refused before the prompt"
fixture_package "$(source_dir tc-lat 1.6.0)" tc-lat 1.6.0
stage_pkg tc-lat 2.0.0; L20=$ID
approver_code
expect_status 0 with_input "$CODE" nr approve "$L20"
expect_status 1 with_input "" nr approve "$Y1" "$L16" "$Y2" "$Y3"
no_prompt "the rerun"
contains "$OUT" "would move \"latest\" back from 2.0.0"
contains "$OUT" "not published: it depends on tc-lat, which was not published"
contains "$OUT" "ended after 1 of 3 remaining packages went live"
packument_has tc-lat 1.6.0 && fail "tc-lat 1.6.0 was published over 2.0.0"
packument_has tc-y2 1.0.0 2>/dev/null && fail "tc-y2, which depends on the member left out, was published"
packument_has tc-y3 1.0.0 || fail "tc-y3, unrelated to tc-lat, was stranded"
[ "$(release_status "$L16")" = checked ] || fail "tc-lat 1.6.0: $(release_status "$L16") after the refusal"
[ "$(release_status "$Y2")" = checked ] || fail "tc-y2: $(release_status "$Y2") after the rerun"
[ "$(release_status "$Y3")" = published ] || fail "tc-y3: $(release_status "$Y3") after the rerun"
expect_status 0 nr log --verify
expect_status 0 nr log --verify --signatures
pass "a resumed member whose package moved on is not published (\"latest\" stays on 2.0.0), nor what depends on it; an unrelated member is"
