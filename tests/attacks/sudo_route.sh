#!/bin/bash
# Guarantee attacked: under sudo (the helper installed root-owned 0755, not setuid,
# with the shipped conf/sudoers.d/npm-release and the real sudo), the approver is
# the human who ran sudo, never root: alice approves with her own factor; bob, in
# release-managers but no approver, cannot approve even with alice's code; a
# two-approver scope needs two different humans; a SUDO_UID that a root shell set
# itself does not get past the kernel's login uid; root is no approver unless the
# config says so; and `stage` opens the caller's path with the caller's rights.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"
command -v sudo >/dev/null || skip "needs sudo"
command -v chpasswd >/dev/null || skip "needs chpasswd"

SUDOERS=$SRCDIR/conf/sudoers.d/npm-release
# The helper goes where the shipped sudoers file says it is, without setuid.
P=$(grep -v '^#' "$SUDOERS" | grep -oE '/[^ ,]*/npm-release' | head -1)
[ -n "$P" ] || fail "no helper path in $SUDOERS"
PDIR=$(dirname "$P")
[ -d "$PDIR" ] || fail "$PDIR does not exist here"
mkdir "$T/bin-upper" "$T/bin-work"
mount -t overlay overlay -o "lowerdir=$PDIR,upperdir=$T/bin-upper,workdir=$T/bin-work" "$PDIR" ||
	skip "cannot overlay $PDIR"
ATTACK_CLEANUPS+=("umount '$PDIR'")
install -o root -g root -m 0755 "$NR" "$P"

# The groups the shipped file names, a non-approver release manager (bob), and
# passwords for sudo.
B=natkbob$SUFFIX
ATTACK_CLEANUPS+=("userdel $B")
groupadd release-managers
groupadd release-ci
useradd -M -s /usr/sbin/nologin -G release-managers "$B"
usermod -aG release-managers "$A1"
usermod -aG release-managers "$A2"
usermod -aG release-ci "$ST"
for u in "$A1" "$A2" "$B" "$ST"; do printf '%s:pw-%s\n' "$u" "$u"; done | chpasswd
install -o root -g root -m 0440 "$SUDOERS" /etc/sudoers.d/npm-release
visudo -cf /etc/sudoers.d/npm-release >/dev/null || fail "the shipped sudoers file does not parse"

# USER logged in (pam_loginuid set the login uid), then: sudo ARGS, with the
# password and then INPUT on stdin (-k: never a cached sudo timestamp).
sudo_as() { # USER INPUT ARGS...
	local u=$1 input=$2
	shift 2
	printf 'pw-%s\n%s\n' "$u" "$input" |
		bash -c 'echo "$1" > /proc/self/loginuid && shift && exec "$@"' _ "$(id -u "$u")" \
			setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- \
			sudo -k -S -p '' "$P" "$@"
}
approvers_of() { # ID -> the approvers recorded for ID's approvals
	sqlite3 "$T/state/state.db" \
		"SELECT approver FROM approvals WHERE release_id = '$1' AND action = 'approve' ORDER BY created"
}

# 1. stage through sudo: the stager is the human, and the path is opened as them.
pack_pkg sudo-a 1.0.0
expect_status 0 sudo_as "$ST" "" stage "$TGZ"
IDA=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
[ -n "$IDA" ] || fail "stage through sudo printed no id"
by=$(sqlite3 "$T/state/state.db" "SELECT staged_by FROM releases WHERE id = '$IDA'")
[ "$by" = "$ST" ] || attack_succeeded "stage through sudo recorded '$by' as the stager, not $ST"
pass "stage through sudo records the human ($ST), not root"
mkdir -m 0700 "$T/rootonly"
cp "$TGZ" "$T/rootonly/secret.tgz"
expect_status 1 sudo_as "$ST" "" stage "$T/rootonly/secret.tgz"
contains "$OUT" "Permission denied"
pass "stage through sudo cannot read a root-only file ($ST's own rights)"

# 2. bob (release-managers, no approver) holds alice's code: refused as bob.
code "$S1"
expect_status 1 sudo_as "$B" "$CODE" approve "$IDA"
contains "$OUT" "$B is neither an approver nor a stager"
packument_has sudo-a 1.0.0 2>/dev/null && attack_succeeded "bob published with alice's code"
pass "bob cannot approve through sudo, even with an approver's code"
# nor read the state through the commands the shipped file lets him run: sudo
# does not make him a member (found by the red-team pass)
for args in "log" "log --verify" "list" "show $IDA"; do
	# shellcheck disable=SC2086
	OUT=$(sudo_as "$B" "" $args 2>&1) && attack_succeeded "bob read the state through sudo: npm-release $args"
	contains "$OUT" "neither an approver nor a stager"
done
pass "bob, no approver or stager, reads no ledger, release or report through sudo"

# 3. A SUDO_UID forged by a root shell whose login uid is someone else.
code "$S1"
OUT=$(printf '%s\n' "$CODE" | bash -c 'echo "$1" > /proc/self/loginuid && shift && exec "$@"' _ \
	"$(id -u "$A2")" env SUDO_UID="$(id -u "$A1")" "$NR" approve "$IDA" 2>&1) &&
	attack_succeeded "a root shell forged SUDO_UID=$A1 and approved"
contains "$OUT" "disagrees with the kernel's login uid"
packument_has sudo-a 1.0.0 2>/dev/null && attack_succeeded "a forged SUDO_UID published"
pass "a forged SUDO_UID is refused where the login uid names someone else"
# the setuid route ignores SUDO_UID altogether: the caller is the real uid; and
# a stager is refused before anything is checked or written
entries=$(sqlite3 "$T/state/state.db" "SELECT count(*) FROM ledger")
code "$S1"
OUT=$(printf '%s\n' "$CODE" | as_user "$ST" env SUDO_UID="$(id -u "$A1")" "$NR" approve "$IDA" 2>&1) &&
	attack_succeeded "a stager with SUDO_UID in its environment approved through the setuid helper"
contains "$OUT" "$ST is not an approver"
case "$OUT" in *checking*) attack_succeeded "a non-approver made the host check the release" ;; esac
[ "$(sqlite3 "$T/state/state.db" "SELECT count(*) FROM ledger")" = "$entries" ] ||
	attack_succeeded "a non-approver's refused approve wrote ledger entries"
[ "$(sqlite3 "$T/state/state.db" "SELECT status FROM releases WHERE id = '$IDA'")" = staged ] ||
	attack_succeeded "a non-approver's refused approve changed the release"
pass "the setuid helper ignores a caller's SUDO_UID; a stager is refused before any check or entry"

# 4. alice approves with her own factor, and the ledger names her.
code "$S1"
expect_status 0 sudo_as "$A1" "$CODE" approve "$IDA"
packument_has sudo-a 1.0.0 || fail "alice's approval through sudo did not publish"
[ "$(approvers_of "$IDA")" = "$A1" ] || attack_succeeded "the approval is recorded for '$(approvers_of "$IDA")', not $A1"
pass "alice approves through sudo with her own factor; recorded as $A1"

# the other commands an approver needs are in the shipped file: show, list, log, reject
expect_status 0 sudo_as "$A1" "" show "$IDA"
expect_status 0 sudo_as "$A1" "" list
expect_status 0 sudo_as "$A1" "" log --verify
pack_pkg sudo-r 1.0.0
expect_status 0 sudo_as "$ST" "" stage "$TGZ"
IDR=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
code "$S1"
expect_status 0 sudo_as "$A1" "$CODE" reject "$IDR"
[ "$(sqlite3 "$T/state/state.db" "SELECT approver FROM approvals WHERE release_id = '$IDR' AND action = 'reject'")" = "$A1" ] ||
	fail "the reject through sudo is not recorded as $A1's"
pass "show, list, log --verify and reject work through the shipped sudoers file, as $A1"

# 5. Two humans for a two-approver scope; the same human twice is one.
pack_pkg @two/sudo-b 1.0.0
expect_status 0 sudo_as "$ST" "" stage "$TGZ"
IDB=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
code "$S1"
expect_status 0 sudo_as "$A1" "$CODE" approve "$IDB"
contains "$OUT" "approval 1 of 2 recorded"
code "$S1"
sudo_as "$A1" "$CODE" approve "$IDB" > "$T/again.out" 2>&1 || true
packument_has @two/sudo-b 1.0.0 2>/dev/null && attack_succeeded "one human through sudo twice met a two-approver quorum"
code "$S2"
expect_status 0 sudo_as "$A2" "$CODE" approve "$IDB"
packument_has @two/sudo-b 1.0.0 || fail "the second human's approval did not publish"
got=$(approvers_of "$IDB" | sort -u | tr '\n' ' ')
want=$(printf '%s\n' "$A1" "$A2" | sort | tr '\n' ' ')
[ "$got" = "$want" ] || attack_succeeded "the quorum was recorded as '$got', not two humans"
pass "a two-approver scope through sudo needed $A1 and $A2"

# 6. Root is no approver, even listed and enrolled, unless the config says so.
write_conf "[scope @root/*]
approvers = root $A1"
APPROVER=root; host_enroll_totp >/dev/null 2>&1 || fail "enroll root"; SR=$APPROVER_SECRET
stage_local @root/sudo-c 1.0.0
IDC=$ID
code "$SR"
OUT=$(printf '%s\n' "$CODE" | env -u SUDO_UID "$NR" approve "$IDC" 2>&1) &&
	attack_succeeded "root approved without root_may_approve"
contains "$OUT" "root is not an approver"
packument_has @root/sudo-c 1.0.0 2>/dev/null && attack_succeeded "root's approval published"
expect_status 1 nr check-config
contains "$OUT" "root is listed as an approver"
pass "root listed and enrolled is still no approver (and check-config says so)"

# 7. The ssh-sk factor through sudo: the shipped file keeps SSH_AUTH_SOCK, so alice
# approves with the security key in her own agent; bob, pointing SSH_AUTH_SOCK at
# alice's agent, is refused (the socket is connected to as bob, and is not his).
if command -v ssh-agent >/dev/null && [ -f "$BUILDDIR/tests/sshsk/.libs/sk-soft.so" ]; then
	. "$SRCDIR/tests/sshsk/lib.sh"
	sed -i 's/^factors = totp fido2$/factors = totp fido2 ssh-sk/' "$CONF"
	SK_AS_USER=$A1
	sk_agent_start "$T/sk-a1" || fail "agent for $A1"
	ATTACK_CLEANUPS+=("kill $SK_AGENT_PID 2>/dev/null")
	sk_keygen ed25519-sk "$SK_DIR/id" || fail "ssh-keygen -t ed25519-sk"
	sk_add "$SK_DIR/id" || fail "ssh-add"
	expect_status 0 nr enroll ssh-sk "$A1" --key "$(cut -d' ' -f1,2 "$SK_DIR/id.pub")"
	expect_status 0 nr enroll ssh-sk "$B" --key "$(cut -d' ' -f1,2 "$SK_DIR/id.pub")"
	sudo_sock_as() { # USER SOCKET ARGS...: sudo with SSH_AUTH_SOCK in the environment
		local u=$1 sock=$2
		shift 2
		printf 'pw-%s
' "$u" |
			bash -c 'echo "$1" > /proc/self/loginuid && shift && exec "$@"' _ "$(id -u "$u")" \
				setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- \
				env SSH_AUTH_SOCK="$sock" sudo -k -S -p '' "$P" "$@"
	}
	stage_local sudo-sk 1.0.0
	IDS=$ID
	write_conf "[scope sudo-sk]
approvers = $A1 $B"
	sed -i 's/^factors = totp fido2$/factors = totp fido2 ssh-sk/' "$CONF"
	expect_status 1 sudo_sock_as "$B" "$SSH_AUTH_SOCK" approve "$IDS"
	contains "$OUT" "refused"
	packument_has sudo-sk 1.0.0 2>/dev/null && attack_succeeded "bob approved through sudo with alice's agent"
	expect_status 0 sudo_sock_as "$A1" "$SSH_AUTH_SOCK" approve "$IDS"
	contains "$OUT" "Touch your security key"
	packument_has sudo-sk 1.0.0 || fail "alice's ssh-sk approval through sudo did not publish"
	LOG=$(nr log)
	grep -q "\"id\":\"$IDS\",\"approval\":\"[0-9a-f]*\",\"approver\":\"$A1\",\"factor\":\"ssh-sk\"" <<<"$LOG" ||
		attack_succeeded "the ssh-sk approval through sudo is not recorded as $A1's"
	grep -q "\"approver\":\"$B\",\"factor\":\"ssh-sk\"" <<<"$LOG" &&
		attack_succeeded "an ssh-sk approval is recorded as $B's"
	pass "through sudo, $A1 approves with her own agent's key; $B cannot use her agent"
	sk_agent_stop
fi

# 8. Everything the helper created is root's, group included (not the caller's).
theirs=$(find "$T/state" \( ! -user 0 -o ! -group 0 \) -printf '%p %u:%g\n')
[ -z "$theirs" ] || attack_succeeded "state files not root:root after setuid and sudo runs: $theirs"
pass "every file in the state is root:root"

echo "# sudo route: all attacks failed"
