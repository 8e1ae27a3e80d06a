#!/bin/bash
# Guarantee attacked: on a bastion, an approver who logged in with `ssh -A`
# approves with the security key at their own desk: the setuid helper reaches the
# agent sshd forwarded for them, the touch happens on the workstation, the release
# goes live, and the ledger keeps a signature stock `ssh-keygen -Y verify` accepts.
# Nobody else logged in to the same bastion can use that forwarded agent: A2, with
# A1's public key enrolled as his own, points SSH_AUTH_SOCK at A1's live forwarded
# socket and must be refused and publish nothing.
# A real hop on this one machine: Debian's sshd on 127.0.0.1 (own config, host key
# and port), the real ssh client with agent forwarding, ssh-agent holding sk-soft
# (a software security key), Verdaccio in staged mode and the real npm CLI.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"
SSHD=/usr/sbin/sshd
[ -x "$SSHD" ] || skip "needs $SSHD (openssh-server)"
for tool in ssh ssh-agent ssh-add ssh-keygen timeout; do
	command -v "$tool" >/dev/null || skip "needs $tool"
done
. "$SRCDIR/tests/sshsk/lib.sh"
[ -f "$BUILDDIR/tests/sshsk/.libs/sk-soft.so" ] || fail "sk-soft provider not built"

sed -i 's/^factors = totp fido2$/factors = totp fido2 ssh-sk/' "$CONF"
printf '\n[ssh-sk]\ntouch_timeout = 10\n' >> "$CONF"

# --- The bastion: sshd with its own config, in this namespace (it sees the
# overlaid /etc: the test users, the helper's config and PAM stack).
# sshd needs its privilege-separation user and directory.
id sshd >/dev/null 2>&1 || useradd -r -M -d /run/sshd -s /usr/sbin/nologin sshd
[ -d /run/sshd ] || mkdir -m 0755 /run/sshd
# With UsePAM no, sshd itself refuses a locked password ('!') and a shell that
# cannot run commands: the users get '*' and bash, and a home of their own. (The
# home goes into the overlay's passwd directly: usermod -d refuses while any
# process has the user's uid, and parallel tests' users may share those uids.)
for u in "$A1" "$A2"; do
	mkdir -m 0700 "$T/home-$u"
	chown "$u:$(id -g "$u")" "$T/home-$u"
	usermod -s /bin/bash -p '*' "$u"
	awk -F: -v OFS=: -v u="$u" -v h="$T/home-$u" '$1 == u { $6 = h } 1' /etc/passwd > "$T/passwd"
	cat "$T/passwd" > /etc/passwd
	[ "$(getent passwd "$u" | cut -d: -f6,7)" = "$T/home-$u:/bin/bash" ] || fail "home and shell of $u"
done
D=$T/sshd
mkdir -m 0755 "$D" "$D/keys"
ssh-keygen -q -t ed25519 -N '' -f "$D/host_key" </dev/null
free_port() { python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
sshd_start() { # -> PORT SSHD_PID, or 1 when it did not listen
	PORT=$(free_port)
	# StrictModes no: the authorized keys live under /tmp, which is world-writable
	cat > "$D/sshd_config" <<EOF
ListenAddress 127.0.0.1:$PORT
HostKey $D/host_key
PidFile $D/sshd.pid
UsePAM no
AuthenticationMethods publickey
PubkeyAuthentication yes
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile $D/keys/%u
StrictModes no
AllowUsers $A1 $A2
PermitRootLogin no
AllowAgentForwarding yes
AllowTcpForwarding no
X11Forwarding no
PermitTTY no
PrintMotd no
PrintLastLog no
LogLevel VERBOSE
EOF
	"$SSHD" -t -f "$D/sshd_config" || fail "sshd -t refused the test config"
	: > "$D/sshd.log"
	"$SSHD" -D -f "$D/sshd_config" -E "$D/sshd.log" </dev/null &
	SSHD_PID=$!
	for _ in $(seq 1 100); do
		grep -q "Server listening on 127.0.0.1 port $PORT" "$D/sshd.log" && return 0
		kill -0 "$SSHD_PID" 2>/dev/null || break
		sleep 0.05
	done
	kill "$SSHD_PID" 2>/dev/null || true
	wait "$SSHD_PID" 2>/dev/null || true
	return 1
}
# The sessions are sshd's descendants: end them (by pid) before sshd, so that
# userdel finds no process of the test users.
sshd_stop() {
	local kids pid
	[ -n "${SSHD_PID:-}" ] || return 0
	kids=$(ps -e -o pid=,ppid= | awk -v root="$SSHD_PID" '
		{ parent[$1] = $2 }
		END { for (p in parent) for (q = parent[p]; q != ""; q = parent[q])
			if (q == root) { print p; break } }')
	for pid in $kids; do kill "$pid" 2>/dev/null || true; done
	kill "$SSHD_PID" 2>/dev/null || true
	wait "$SSHD_PID" 2>/dev/null || true
	SSHD_PID=
}
sshd_start || sshd_start || { cat "$D/sshd.log"; fail "sshd did not listen"; }
ATTACK_CLEANUPS+=("sshd_stop")
printf '[127.0.0.1]:%s %s\n' "$PORT" "$(cut -d' ' -f1,2 "$D/host_key.pub")" > "$T/known_hosts"
chmod 0644 "$T/known_hosts"

# --- The workstations. A1's agent holds a plain login key and the sk-soft key.
SK_AS_USER=$A1
sk_agent_start "$T/sk-a1" || fail "agent for $A1"
A1_AGENT_SOCK=$SSH_AUTH_SOCK
ATTACK_CLEANUPS+=("kill $SK_AGENT_PID 2>/dev/null")
as_user "$A1" ssh-keygen -q -t ed25519 -N '' -f "$T/home-$A1/login" </dev/null
sk_add "$T/home-$A1/login" || fail "ssh-add $A1's login key"
sk_keygen ed25519-sk "$SK_DIR/id" || fail "ssh-keygen -t ed25519-sk"
sk_add "$SK_DIR/id" || fail "ssh-add -S"
A1_PUB=$(cut -d' ' -f1,2 "$SK_DIR/id.pub")
FP=$(ssh-keygen -l -f "$SK_DIR/id.pub" | cut -d' ' -f2)
unset SSH_AUTH_SOCK
# A2's own agent holds only his login key.
A2_AGENT_SOCK=$T/home-$A2/agent.sock
# (exec: $! is the agent itself, not a subshell that would leave it running)
(exec setpriv --reuid="$(id -u "$A2")" --regid="$(id -g "$A2")" --init-groups -- \
	env HOME="$T/home-$A2" ssh-agent -D -a "$A2_AGENT_SOCK" \
	>"$T/home-$A2/agent.out" 2>&1 </dev/null) &
ATTACK_CLEANUPS+=("kill $! 2>/dev/null")
as_user "$A2" ssh-keygen -q -t ed25519 -N '' -f "$T/home-$A2/login" </dev/null
for _ in $(seq 1 100); do [ -S "$A2_AGENT_SOCK" ] && break; sleep 0.05; done
as_user "$A2" env SSH_AUTH_SOCK="$A2_AGENT_SOCK" ssh-add -q "$T/home-$A2/login" </dev/null ||
	fail "ssh-add $A2's login key"
for u in "$A1" "$A2"; do
	install -m 0644 "$T/home-$u/login.pub" "$D/keys/$u"
done

# ssh_as USER AGENT_SOCKET [-n] COMMAND...: the real ssh client as USER, forwarding
# the agent at AGENT_SOCKET, runs COMMAND as USER@127.0.0.1 on the bastion (-n: no
# input); bounded in time.
ssh_as() {
	local u=$1 sock=$2 opts=()
	shift 2
	[ "$1" != -n ] || { opts=(-n); shift; }
	as_user "$u" env -i PATH=/usr/bin:/bin HOME="$T/home-$u" SSH_AUTH_SOCK="$sock" \
		timeout 40 ssh "${opts[@]}" -F /dev/null -A -p "$PORT" -o BatchMode=yes \
		-o StrictHostKeyChecking=yes -o UserKnownHostsFile="$T/known_hosts" \
		-o PreferredAuthentications=publickey -o ConnectTimeout=10 -o LogLevel=ERROR \
		"$u@127.0.0.1" "$@"
}

# Root enrols A1's key from its public key line, and the same line as A2's key
# (a public key is public: the attack below is then about the agent alone).
expect_status 0 nr enroll ssh-sk "$A1" --key "$A1_PUB"
expect_status 0 nr enroll ssh-sk "$A2" --key "$A1_PUB"
stage_npm @hop/pkg 1.0.0
published() { packument_has "$1" "$2" 2>/dev/null; }

# 1. A1 keeps a session open with agent forwarding; sshd's forwarded socket on the
# bastion is A1's, in A1's 0700 directory.
mkfifo -m 0600 "$T/hold"
ssh_as "$A1" "$A1_AGENT_SOCK" 'echo "$SSH_AUTH_SOCK"; read -r -t 50 _ || true' \
	< "$T/hold" > "$T/hold.out" 2>&1 &
HOLD_PID=$!	# on failure, sshd_stop ends the session and so this client
exec 8> "$T/hold"
for _ in $(seq 1 200); do [ -s "$T/hold.out" ] && break; sleep 0.05; done
A1_FWD=$(head -1 "$T/hold.out")
[[ "$A1_FWD" =~ ^/tmp/ssh-[A-Za-z0-9]+/agent\.[0-9]+$ ]] ||
	{ cat "$T/hold.out" "$D/sshd.log"; fail "no forwarded agent socket in $A1's session"; }
[ -S "$A1_FWD" ] || fail "$A1_FWD is not a socket"
[ "$(stat -c %U "$A1_FWD"; stat -c '%U %a' "${A1_FWD%/*}")" = "$A1"$'\n'"$A1 700" ] ||
	fail "$A1_FWD is not $A1's socket in $A1's 0700 directory"
# a session ended by sshd_stop (on failure) leaves the directory behind
ATTACK_CLEANUPS+=("rm -rf -- '${A1_FWD%/*}'")
grep -q "Accepted publickey for $A1 from 127.0.0.1" "$D/sshd.log" || fail "sshd did not log $A1's login"
pass "$A1 logged in with ssh -A; sshd forwards his agent at $A1_FWD"

# 2. A2 over the same bastion, with his own agent forwarded, points SSH_AUTH_SOCK at
# A1's live forwarded socket: refused, nothing published.
rc=0
OUT=$(ssh_as "$A2" "$A2_AGENT_SOCK" -n env SSH_AUTH_SOCK="$A1_FWD" "$NR" approve "$ID" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
published @hop/pkg 1.0.0 && attack_succeeded "$A2 approved @hop/pkg with $A1's forwarded agent"
[ "$rc" = 1 ] || attack_succeeded "$A2's approve with $A1's forwarded agent exited $rc, not 1"
contains "$OUT" "refused"
grep -q "Accepted publickey for $A2 from 127.0.0.1" "$D/sshd.log" || fail "sshd did not log $A2's login"
# His own forwarded agent does not hold the key he claims.
expect_status 1 ssh_as "$A2" "$A2_AGENT_SOCK" -n "$NR" approve "$ID"
contains "$OUT" "offers none of your enrolled"
published @hop/pkg 1.0.0 && attack_succeeded "$A2 approved @hop/pkg without the key"
pass "$A2 on the bastion cannot use $A1's forwarded agent (nor approve with his own)"

# 3. A1 approves on the bastion through his forwarded agent: the signature is made
# by sk-soft behind his workstation's agent, and the release goes live.
expect_status 0 ssh_as "$A1" "$A1_AGENT_SOCK" -n "$NR" approve "$ID"
contains "$OUT" "Touch your security key ($FP)"
published @hop/pkg 1.0.0 || fail "@hop/pkg 1.0.0 is not live after $A1's approval"
got=$(npm_install_integrity @hop/pkg 1.0.0) || fail "npm install @hop/pkg@1.0.0"
[ "$got" = "1.0.0 $SRI" ] || fail "npm installed '$got', staged '1.0.0 $SRI'"
pass "$A1 approved over the hop with his security key; npm installs the staged bytes"

# A1's session ends (its read sees end of input), and with it the forwarded socket.
exec 8>&-
wait "$HOLD_PID" || fail "$A1's held session failed"
for _ in $(seq 1 100); do [ -e "$A1_FWD" ] || break; sleep 0.05; done
[ ! -e "$A1_FWD" ] || fail "the forwarded socket outlived $A1's session"

# 4. The ledger: one signature, made by the touch on the workstation, verifies
# with the helper and with stock ssh-keygen.
APPROVAL=$(sqlite3 "$T/state/state.db" \
	"SELECT id FROM approvals WHERE release_id = '$ID' AND approver = '$A1' AND action = 'approve'")
[ -n "$APPROVAL" ] || fail "no approval of $A1 on record"
expect_status 0 nr log --verify --signatures
contains "$OUT" "signatures: 1 checked, 0 failed"
nr log --statement "$APPROVAL" > "$T/statement"
nr log --proof "$APPROVAL" > "$T/statement.sig"
info=$(sk_sig_info "$T/statement.sig") || fail "the recorded proof is no sk signature"
[[ "$info" == "sk-ssh-ed25519@openssh.com flags=0x01 counter="* ]] ||
	fail "the recorded signature is not a touched ed25519-sk one: $info"
printf '%s namespaces="npmstage-approval" %s\n' "$A1" "$A1_PUB" > "$T/signers"
ssh-keygen -Y verify -f "$T/signers" -I "$A1" -n npmstage-approval -s "$T/statement.sig" \
	< "$T/statement" > "$T/verify.out" 2>&1 ||
	{ cat "$T/verify.out"; fail "ssh-keygen -Y verify refused the recorded approval"; }
pass "log --verify --signatures and ssh-keygen -Y verify accept the approval made over the hop ($info)"
