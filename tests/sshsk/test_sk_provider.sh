#!/bin/bash
# sk-soft with real OpenSSH (Debian 12: 9.2): ssh-keygen -w enrols an ed25519-sk and
# an ecdsa-sk key, ssh-add -S hands them to ssh-agent -P, `ssh-keygen -Y sign`
# signs through the agent and stock `ssh-keygen -Y verify` accepts the signature.
# Each signature's counter is one above the last; "deny" makes signing fail;
# "no-up" and "uv" change the flags (and stock verify still says Good without UP:
# the release host must check UP itself); "zero-counter" and "lower-counter" report
# what they say; the mode file changes a running agent. The whole round also runs
# with the agent as an unprivileged user (SK_AS_USER), as the approval tests do.
set -u
for tool in ssh-keygen ssh-agent ssh-add python3 setpriv; do
	command -v "$tool" >/dev/null 2>&1 || { echo "SKIP: $tool missing"; exit 77; }
done
. "$SRCDIR/tests/sshsk/lib.sh"

T=$(mktemp -d /tmp/npmstage-sk.XXXXXX)
chmod 0755 "$T"
cleanup() { sk_agent_stop; rm -rf "$T"; }
trap cleanup EXIT
failures=0
ok() { echo "ok - $*"; }
not_ok() { echo "not ok - $*"; failures=$((failures + 1)); }
check() { # DESCRIPTION CMD...
	local what=$1
	shift
	if "$@"; then ok "$what"; else not_ok "$what"; fi
}

# verify FILE PUB: stock ssh-keygen -Y verify with an allowed_signers line for PUB.
verify() {
	printf 'approver@test namespaces="%s" %s\n' "$SK_NAMESPACE" "$(cut -d' ' -f1,2 "$2")" \
		>"$SK_DIR/allowed_signers"
	ssh-keygen -Y verify -f "$SK_DIR/allowed_signers" -I approver@test \
		-n "$SK_NAMESPACE" -s "$1.sig" <"$1" >"$SK_DIR/verify.out" 2>&1 &&
		grep -q '^Good "npmstage-approval" signature for approver@test' "$SK_DIR/verify.out"
}
not() { ! "$@"; }
# sign KEY: signs a fresh message $msg with KEY.pub through the agent; sets $info to
# the signature's "TYPE flags=.. counter=.." (empty when signing failed).
n=0
sign() {
	n=$((n + 1))
	msg=$SK_DIR/msg$n
	info=
	printf 'approve demo@1.0.%d sha512-%s\n' "$n" "$RANDOM" >"$msg"
	chmod 0644 "$msg"
	sk_sshsig "$1.pub" "$msg" 2>>"$SK_DIR/sign.err" && info=$(sk_sig_info "$msg.sig")
}

round() { # LABEL
	local label=$1 k type
	sk_agent_start "$T/$label" || { not_ok "$label: agent starts"; return; }
	if ! { sk_keygen ed25519-sk "$SK_DIR/ed" && sk_keygen ecdsa-sk "$SK_DIR/ec"; }; then
		not_ok "$label: ssh-keygen -w enrols both keys"
		return
	fi
	check "$label: the keys are sk keys for $SK_APPLICATION" \
		grep -q "^sk-ssh-ed25519@openssh.com .*" "$SK_DIR/ed.pub"
	check "$label: the key store is private (0600)" \
		test "$(stat -c %a "$NPMSTAGE_SK_FILE")" = 600
	if ! { sk_add "$SK_DIR/ed" && sk_add "$SK_DIR/ec"; }; then
		not_ok "$label: ssh-add -S hands both keys to the agent"
		return
	fi
	[ -z "${SK_AS_USER:-}" ] || check "$label: the agent runs as $SK_AS_USER" \
		test "$(ps -o uid= -p "$SK_AGENT_PID" | tr -d ' ')" = "$(id -u "$SK_AS_USER")"
	check "$label: the agent lists both keys" \
		test "$(_sk_run ssh-add -l | grep -c -- '-SK)$')" = 2
	for k in ed ec; do
		case $k in ed) type=sk-ssh-ed25519@openssh.com ;; *) type=sk-ecdsa-sha2-nistp256@openssh.com ;; esac
		sk_mode normal
		sign "$SK_DIR/$k"
		check "$label/$k: signed through the agent: $info" test "$info" = "$type flags=0x01 counter=1"
		check "$label/$k: stock ssh-keygen -Y verify says Good" verify "$msg" "$SK_DIR/$k.pub"
		cp "$msg" "$msg.other" && echo tampered >>"$msg.other" && cp "$msg.sig" "$msg.other.sig"
		check "$label/$k: ...and refuses the signature over other bytes" \
			not verify "$msg.other" "$SK_DIR/$k.pub"
		sign "$SK_DIR/$k"
		check "$label/$k: the next signature counts up: $info" test "$info" = "$type flags=0x01 counter=2"
		check "$label/$k: ...and verifies" verify "$msg" "$SK_DIR/$k.pub"

		sk_mode deny
		sign "$SK_DIR/$k"
		check "$label/$k: deny: no signature" test -z "$info" -a ! -s "$msg.sig"
		check "$label/$k: deny: the provider said why" grep -q "mode deny" "$SK_DIR/agent.log"

		sk_mode no-up
		sign "$SK_DIR/$k"
		check "$label/$k: no-up: flags without UP: $info" test "$info" = "$type flags=0x00 counter=3"
		check "$label/$k: no-up: stock ssh-keygen -Y verify still says Good (the pitfall)" \
			verify "$msg" "$SK_DIR/$k.pub"

		sk_mode uv
		sign "$SK_DIR/$k"
		check "$label/$k: uv: flags UP|UV: $info" test "$info" = "$type flags=0x05 counter=4"
		check "$label/$k: uv: verifies" verify "$msg" "$SK_DIR/$k.pub"

		sk_mode zero-counter
		sign "$SK_DIR/$k"
		check "$label/$k: zero-counter: $info" test "$info" = "$type flags=0x01 counter=0"
		check "$label/$k: zero-counter: verifies" verify "$msg" "$SK_DIR/$k.pub"

		sk_mode lower-counter
		sign "$SK_DIR/$k"
		check "$label/$k: lower-counter: one below the last (4): $info" \
			test "$info" = "$type flags=0x01 counter=3"
		check "$label/$k: lower-counter: verifies" verify "$msg" "$SK_DIR/$k.pub"

		sk_mode normal
		sign "$SK_DIR/$k"
		check "$label/$k: back to normal, counting on: $info" test "$info" = "$type flags=0x01 counter=4"
	done
	sk_mode bogus
	sign "$SK_DIR/ed"
	check "$label: an unknown mode refuses to sign" test -z "$info"
	check "$label: ...naming the mode" grep -q "unknown mode.*bogus" "$SK_DIR/agent.log"
	sk_agent_stop
	# The mode from the environment when no mode file exists.
	rm -f "$NPMSTAGE_SK_MODE_FILE"
	NPMSTAGE_SK_MODE=no-up sk_agent_start "$SK_DIR" && sk_add "$SK_DIR/ed"
	sign "$SK_DIR/ed"
	check "$label: NPMSTAGE_SK_MODE in the agent's environment: $info" \
		test "$info" = "sk-ssh-ed25519@openssh.com flags=0x00 counter=5"
	sk_agent_stop
}

round root
if [ "$(id -u)" = 0 ] && id nobody >/dev/null 2>&1; then
	SK_AS_USER=nobody
	round nobody
	check "nobody: the agent ran as nobody, and the store is nobody's" \
		test "$(stat -c %U "$NPMSTAGE_SK_FILE")" = nobody
	SK_AS_USER=
fi

# hang: the agent's answer waits (60 s in the provider); the test only checks that
# nothing comes back within 2 s, then stops the agent and its helper.
sk_agent_start "$T/hang" && sk_keygen ed25519-sk "$SK_DIR/ed" && sk_add "$SK_DIR/ed"
sk_mode hang
rm -f "$SK_DIR/msg.sig"
echo x >"$SK_DIR/msg"
start=$(date +%s)
timeout 2 ssh-keygen -q -Y sign -n "$SK_NAMESPACE" -f "$SK_DIR/ed.pub" "$SK_DIR/msg" 2>/dev/null
rc=$?
check "hang: no signature within 2 s (timeout rc $rc)" test "$rc" = 124 -a ! -s "$SK_DIR/msg.sig"
sk_agent_stop
check "hang: stopping the agent took under 5 s" test $(($(date +%s) - start)) -lt 5

[ "$failures" = 0 ] || { echo "$failures failure(s)"; exit 1; }
echo "all sk-soft checks passed"
