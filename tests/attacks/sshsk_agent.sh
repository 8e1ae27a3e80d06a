#!/bin/bash
# Guarantees attacked: an ssh-sk approval (the approver's OpenSSH security key,
# signing through their ssh-agent) publishes only when the approver's own agent,
# with an enrolled key, signed exactly this statement with a touch: user presence,
# user verification where the scope requires it, a counter above the last one.
# Attacks: another user's agent socket (in their 0700 directory, and served by them
# from a directory anyone reaches), a signature over other data, a replayed
# signature, a signature of another type (webauthn-sk, the other key type), no UP,
# missing UV, a counter that goes back or stays 0, a key that is not enrolled, an
# agent that refuses, hangs, answers garbage or announces a 2 GiB frame; and a
# failed ssh-sk factor must not fall back to TOTP. Real OpenSSH (ssh-keygen,
# ssh-agent, ssh-add) drives sk-soft, a software security key.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"
for tool in ssh-agent ssh-add ssh-keygen; do
	command -v "$tool" >/dev/null || skip "needs $tool"
done
# the system's python (the approver runs the hostile agent; a per-user python of
# root's would not be reachable by them)
PY=/usr/bin/python3
[ -x "$PY" ] || skip "needs $PY"
. "$SRCDIR/tests/sshsk/lib.sh"
[ -f "$BUILDDIR/tests/sshsk/.libs/sk-soft.so" ] || fail "sk-soft provider not built"

sed -i 's/^factors = totp fido2$/factors = totp fido2 ssh-sk/' "$CONF"
cat >> "$CONF" <<EOF

[scope @uv/*]
approvers = $A1 $A2
require_uv = yes

[ssh-sk]
touch_timeout = 5
EOF

# Enrolment from the caller's own agent (root's here): one signed challenge, which
# must carry user presence; the key's counter is stored from it.
SK_AS_USER=
sk_agent_start "$T/sk-root" || fail "agent for root"
ROOT_SOCK=$SSH_AUTH_SOCK ROOT_AGENT=$SK_AGENT_PID
ATTACK_CLEANUPS+=("kill $ROOT_AGENT 2>/dev/null")
sk_keygen ecdsa-sk "$SK_DIR/id" || fail "ssh-keygen -t ecdsa-sk"
sk_add "$SK_DIR/id" || fail "ssh-add ecdsa-sk"
ROOT_FP=$(ssh-keygen -l -f "$SK_DIR/id.pub" | cut -d' ' -f2)
sk_mode no-up
expect_status 1 env SSH_AUTH_SOCK="$ROOT_SOCK" "$NR" enroll ssh-sk "$UO" --fingerprint "$ROOT_FP"
contains "$OUT" "without user presence"
sk_mode normal
expect_status 0 env SSH_AUTH_SOCK="$ROOT_SOCK" "$NR" enroll ssh-sk "$UO" --fingerprint "$ROOT_FP"
contains "$OUT" "ssh-sk key $ROOT_FP enrolled for $UO"
expect_status 1 env SSH_AUTH_SOCK="$ROOT_SOCK" "$NR" enroll ssh-sk "$UO" --fingerprint "$ROOT_FP"
contains "$OUT" "already enrolled"
LOG=$(nr log)
grep -q '"challenge":"signed"' <<<"$LOG" || fail "the enroll entry does not say the challenge was signed"
kill "$ROOT_AGENT" 2>/dev/null
unset SSH_AUTH_SOCK SK_AGENT_PID
pass "enrolment from an agent signs a challenge (no UP: refused; twice: refused)"

# A1's agent with one key, as A1, in A1's 0700 directory.
SK_AS_USER=$A1
sk_agent_start "$T/sk-a1" || fail "agent for $A1"
A1_SOCK=$SSH_AUTH_SOCK A1_AGENT=$SK_AGENT_PID A1_DIR=$SK_DIR
ATTACK_CLEANUPS+=("kill $A1_AGENT 2>/dev/null")
sk_keygen ed25519-sk "$A1_DIR/id" || fail "ssh-keygen -t ed25519-sk"
sk_add "$A1_DIR/id" || fail "ssh-add -S"
A1_PUB=$(cut -d' ' -f1,2 "$A1_DIR/id.pub")
unset SSH_AUTH_SOCK

approve_as() { # USER SOCKET ID: approve with SSH_AUTH_SOCK=SOCKET, no input
	expect_status "$4" as_user "$1" env SSH_AUTH_SOCK="$2" "$NR" approve "$3" </dev/null
}
published() { packument_has "$1" "$2" 2>/dev/null; }

# 0. Root cannot use A1's agent to enrol (the agent is A1's, root is the caller).
expect_status 1 env SSH_AUTH_SOCK="$A1_SOCK" "$NR" enroll ssh-sk "$A1"
contains "$OUT" "refused"
# Root enrols A1's public key line (it vouches for it).
expect_status 0 nr enroll ssh-sk "$A1" --key "$A1_PUB"
FP=$(ssh-keygen -l -f "$A1_DIR/id.pub" | cut -d' ' -f2)
expect_status 0 nr enroll list "$A1"
contains "$OUT" "$FP"
pass "enrolled $A1's key $FP from its public key line; list shows ssh-keygen's fingerprint"

# 1. A good approval, then the ledger's signature verifies, also with ssh-keygen.
stage_local @sk/good 1.0.0
approve_as "$A1" "$A1_SOCK" "$ID" 0
contains "$OUT" "Touch your security key ($FP)"
published @sk/good 1.0.0 || fail "@sk/good was not published"
APPROVAL=$(sqlite3 "$T/state/state.db" "SELECT id FROM approvals WHERE release_id = '$ID'")
expect_status 0 nr log --verify --signatures
contains "$OUT" "signatures: 1 checked, 0 failed"
nr log --statement "$APPROVAL" > "$T/statement"
nr log --proof "$APPROVAL" > "$T/statement.sig"
printf '%s namespaces="npmstage-approval" %s\n' "$A1" "$A1_PUB" > "$T/signers"
ssh-keygen -Y verify -f "$T/signers" -I "$A1" -n npmstage-approval -s "$T/statement.sig" \
	< "$T/statement" > "$T/verify.out" 2>&1 || { cat "$T/verify.out"; fail "ssh-keygen -Y verify refused the recorded approval"; }
pass "approved with the ssh-sk key; log --verify --signatures and ssh-keygen -Y verify accept the ledger's signature"

# 2. The statements are not in the hash chain: one rewritten in the database is
# no longer the one the signature covers, and --signatures says so.
sqlite3 "$T/state/state.db" "UPDATE approvals SET statement = statement || 'x' WHERE id = '$APPROVAL'"
expect_status 1 nr log --verify --signatures
contains "$OUT" "the stored statement is not the one approved"
sqlite3 "$T/state/state.db" "UPDATE approvals SET statement = substr(statement, 1, length(statement) - 1) WHERE id = '$APPROVAL'"
expect_status 0 nr log --verify --signatures
pass "a rewritten statement fails log --verify --signatures"

# 2b. A release train with the ssh-sk key: one SSHSIG over the train's statement,
# which the ledger's train entry keeps (stock ssh-keygen verifies it), the members
# verified through it; a member whose scope requires UV makes the whole train
# require it.
stage_local @sk/t1 1.0.0; T1=$ID
stage_local @uv/t2 1.0.0; T2=$ID
expect_status 1 as_user "$A1" env SSH_AUTH_SOCK="$A1_SOCK" "$NR" approve "$T1" "$T2" </dev/null
contains "$OUT" "needs user verification"
published @sk/t1 1.0.0 && attack_succeeded "a train with a require_uv member was approved without UV"
sk_mode uv
expect_status 0 as_user "$A1" env SSH_AUTH_SOCK="$A1_SOCK" "$NR" approve "$T1" "$T2" </dev/null
contains "$OUT" "Touch your security key ($FP) to approve a train of 2 packages"
contains "$OUT" "2 packages live"
published @sk/t1 1.0.0 || fail "@sk/t1 was not published"
published @uv/t2 1.0.0 || fail "@uv/t2 was not published"
sk_mode normal
TRAIN=$(nr log | sed -n 's/.* train .*"train":"\([0-9a-f]\{32\}\)".*/\1/p' | tail -1)
[ -n "$TRAIN" ] || fail "no train entry in the ledger"
expect_status 0 nr log --verify --signatures
contains "$OUT" "signatures: 4 checked, 0 failed"
contains "$OUT" "in train $TRAIN"
nr log --statement "$TRAIN" > "$T/train-statement"
nr log --proof "$TRAIN" > "$T/train-statement.sig"
head -1 "$T/train-statement" | grep -qx 'npmstage-train-v1' || fail "log --statement did not print the train's statement"
ssh-keygen -Y verify -f "$T/signers" -I "$A1" -n npmstage-approval -s "$T/train-statement.sig" \
	< "$T/train-statement" > "$T/verify.out" 2>&1 || { cat "$T/verify.out"; fail "ssh-keygen -Y verify refused the train's signature"; }
pass "a train approved with the ssh-sk key: UV when a member's scope requires it; one SSHSIG over the train's statement, verified by log --verify --signatures and ssh-keygen"

# 3. Attacks by the agent's answers: each must be denied and publish nothing.
denied() { # NAME WHAT SOCKET MESSAGE
	stage_local "$1" 1.0.0
	approve_as "$A1" "$3" "$ID" 1
	contains "$OUT" "$4"
	published "$1" 1.0.0 && attack_succeeded "$2: $1 was published"
	pass "$2: denied ($4)"
}
sk_mode no-up
denied @sk/no-up "a signature without user presence" "$A1_SOCK" "no user presence"
sk_mode normal
denied @uv/no-uv "no UV where the scope requires it" "$A1_SOCK" "needs user verification"
sk_mode uv
stage_local @uv/with-uv 1.0.0
approve_as "$A1" "$A1_SOCK" "$ID" 0
pass "with UV the @uv/* scope approves"
sk_mode lower-counter
denied @sk/lower "a counter that goes back" "$A1_SOCK" "counter did not advance"
sk_mode zero-counter
denied @sk/zero "a counter of 0 from a key that counted" "$A1_SOCK" "counter did not advance"
sk_mode deny
denied @sk/deny "an agent that refuses" "$A1_SOCK" "refused to sign"
contains "$OUT" "Touch your security key"
grep -q "Verification code" <<<"$OUT" && attack_succeeded "a failed ssh-sk factor fell back to a TOTP prompt"
pass "no fall-back from a failed ssh-sk signature to TOTP"
sk_mode hang
denied @sk/hang "an agent that never answers" "$A1_SOCK" "no answer in time"
sk_mode normal
# ssh-agent waits for its ssh-sk-helper in one thread: end the one still sleeping
kill $(ps -o pid= --ppid "$A1_AGENT") 2>/dev/null || true

# The hostile agent: A1's own agent behind a proxy that tampers with what passes.
PROXY_SOCK=$A1_DIR/proxy.sock
# (exec, not the as_user function: $! must be the proxy, not a subshell whose
# kill would leave the proxy running as A1 after the test)
A1_IDS=(--reuid="$(id -u "$A1")" --regid="$(id -g "$A1")" --init-groups)
(exec setpriv "${A1_IDS[@]}" -- "$PY" "$SRCDIR/tests/sshsk/agent-proxy.py" "$PROXY_SOCK" \
	"$A1_SOCK" "$A1_DIR/proxy-mode") > "$T/proxy.log" 2>&1 &
PROXY_PID=$!
ATTACK_CLEANUPS+=("kill $PROXY_PID 2>/dev/null")
for _ in $(seq 1 100); do [ -S "$PROXY_SOCK" ] && break; sleep 0.05; done
[ -S "$PROXY_SOCK" ] || { cat "$T/proxy.log"; fail "agent proxy did not start"; }
proxy() { as_user "$A1" sh -c "echo $1 > '$A1_DIR/proxy-mode'"; }
proxy other-data
denied @sk/other-data "a real signature over other data" "$PROXY_SOCK" "does not verify"
proxy replay
stage_local @sk/replay-first 1.0.0
approve_as "$A1" "$PROXY_SOCK" "$ID" 0
denied @sk/replayed "a replayed signature" "$PROXY_SOCK" "verification failed"
proxy retype
denied @sk/retype "a signature labelled with the other key type" "$PROXY_SOCK" "verification failed"
proxy webauthn
denied @sk/webauthn "a webauthn-sk signature" "$PROXY_SOCK" "verification failed"
proxy garbage
denied @sk/garbage "an agent answering garbage" "$PROXY_SOCK" "verification failed"
proxy oversized
denied @sk/oversized "an agent announcing a 2 GiB frame" "$PROXY_SOCK" "refused"
proxy pass

# 4. A key the agent holds but that is not enrolled.
as_user "$A1" env SSH_AUTH_SOCK="$A1_SOCK" ssh-add -D >/dev/null 2>&1
sk_keygen ed25519-sk "$A1_DIR/other" || fail "second key"
SSH_AUTH_SOCK=$A1_SOCK sk_add "$A1_DIR/other" || fail "ssh-add other"
denied @sk/unenrolled "a key that is not enrolled" "$A1_SOCK" "offers none of your enrolled"
SSH_AUTH_SOCK=$A1_SOCK sk_add "$A1_DIR/id" || fail "ssh-add id again"

# 5. Another user's agent. A2 enrols A1's public key as its own (a public key is
# public) and points SSH_AUTH_SOCK at A1's agent: first at the socket in A1's 0700
# directory (root could connect; A2 cannot), then at a socket A1 serves from a
# directory anyone reaches (connectable; its peer is A1, not A2).
expect_status 0 nr enroll ssh-sk "$A2" --key "$A1_PUB"
stage_local @sk/other-uid 1.0.0
approve_as "$A2" "$A1_SOCK" "$ID" 1
contains "$OUT" "refused"
published @sk/other-uid 1.0.0 && attack_succeeded "$A2 approved with $A1's agent (0700 directory)"
pass "$A2 cannot use $A1's agent socket in $A1's directory"
mkdir -m 0755 "$T/open"
chmod 0777 "$T/open"
(exec setpriv "${A1_IDS[@]}" -- "$PY" "$SRCDIR/tests/sshsk/agent-proxy.py" \
	"$T/open/agent.sock" "$A1_SOCK" "$A1_DIR/proxy-mode") > "$T/proxy2.log" 2>&1 &
ATTACK_CLEANUPS+=("kill $! 2>/dev/null")
for _ in $(seq 1 100); do [ -S "$T/open/agent.sock" ] && break; sleep 0.05; done
as_user "$A1" chmod 0666 "$T/open/agent.sock"
approve_as "$A2" "$T/open/agent.sock" "$ID" 1
contains "$OUT" "not to uid"
published @sk/other-uid 1.0.0 && attack_succeeded "$A2 approved through an agent served by $A1"
pass "$A2 cannot use an agent socket $A1 serves, even one $A2 can connect to"

# 6. The ledger keeps every accepted signature, and each verifies.
expect_status 0 nr log --verify --signatures
contains "$OUT" "signatures: 6 checked, 0 failed"
pass "the ledger's ssh-sk signatures verify (three approvals, a train and its two members)"
