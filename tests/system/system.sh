#!/bin/bash
# System test of a real installation, as CI runs it (root):
#  - make install DESTDIR into a temporary root; the helper chmod 4755; a PAM
#    service /etc/pam.d/npm-release naming the installed module by absolute path
#    and /etc/npmstage/npmstage.conf, both inside a private mount namespace whose
#    /etc is an overlay (nothing on the host changes; users added with useradd
#    live only in that overlay and are removed at exit anyway);
#  - an approver, a second approver and an outsider run the setuid helper through
#    setpriv: the outsider can neither approve nor read tokens or state; the
#    approver can; every environment injection has no effect; a scope with
#    min_approvers = 2 publishes on the second, distinct approver only;
#  - the helper refuses a copy of itself that root does not own, and a state
#    folder that root does not own.
set -euo pipefail
: "${SRCDIR:?}" "${BUILDDIR:?}"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "the system test needs root (setuid install, useradd, a private mount namespace); CI runs it as root"
for tool in setpriv useradd userdel unshare cc sqlite3 oathtool; do
	command -v "$tool" >/dev/null || skip "needs $tool"
done
if [ -z "${NPMSTAGE_SYSTEST_NS:-}" ]; then
	export NPMSTAGE_SYSTEST_NS=1
	unshare --mount --propagation private true 2>/dev/null || skip "cannot create a mount namespace here"
	exec unshare --mount --propagation private bash "$0" "$@"
fi

T=$(mktemp -d /tmp/npmstage-sys.XXXXXX)
chmod 0755 "$T"
mkdir "$T/etc-upper" "$T/etc-work"
if ! mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/etc-upper,workdir=$T/etc-work" /etc; then
	rm -rf "$T"
	skip "cannot overlay /etc in the private mount namespace"
fi

. "$SRCDIR/tests/e2e/common.sh"
. "$SRCDIR/tests/e2e/stopped.sh"
SUFFIX=$RANDOM
U1=nsysapp1$SUFFIX U2=nsysapp2$SUFFIX UO=nsysout$SUFFIX UC=nsyschk$SUFFIX
LISTENER_PID=
sys_cleanup() {
	local u
	for u in "$U1" "$U2" "$UO" "$UC"; do userdel "$u" >/dev/null 2>&1 || true; done
	[ -z "$LISTENER_PID" ] || kill "$LISTENER_PID" 2>/dev/null || true
	e2e_cleanup
	umount /etc 2>/dev/null || true
	rm -rf "$T"
}
trap sys_cleanup EXIT

# --- the installation -------------------------------------------------------
make -C "$BUILDDIR" install DESTDIR="$T/root" > "$T/install.log" 2>&1 || { tail -20 "$T/install.log"; fail "make install"; }
NR=$(find "$T/root" -path '*/bin/npm-release' -type f | head -1)
MOD=$(find "$T/root" -name pam_npmstage.so -type f | head -1)
[ -n "$NR" ] && [ -n "$MOD" ] || fail "install lacks npm-release or pam_npmstage.so"
chown root:root "$NR" && chmod 4755 "$NR"
pass "installed $NR (setuid root) and $MOD"

e2e_registry_users
useradd -M -s /usr/sbin/nologin "$U1"
useradd -M -s /usr/sbin/nologin "$U2"
useradd -M -s /usr/sbin/nologin "$UO"
useradd -r -M -s /usr/sbin/nologin "$UC"
as_user() { # USER CMD...: CMD with that user's ids and groups (from a root shell)
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- "$@"
}

mkdir -m 0755 /etc/npmstage
mkdir -m 0700 "$T/state" "$T/tokens"
CONF=/etc/npmstage/npmstage.conf
ADVISORIES=$T/advisories
cp -r "$SRCDIR/tests/audit/data/osv" "$ADVISORIES"
chmod -R a+rX "$ADVISORIES"
write_conf() { # [DEBUG_STEP]
	cat > "$CONF" <<CONF
[npmstage]
state_dir = $T/state
factors = totp
approval_ttl = 300
check_user = $UC

[totp]
window = 10

[audit]
advisories = $ADVISORIES

[registry]
url = $REGISTRY_URL
mode = local
token_file = $T/tokens/release
otp = stored

[scope *]
approvers = $U1

[scope @nsys/*]
approvers = $U1 $U2
min_approvers = 2
CONF
	[ -z "${1:-}" ] || printf '\n[debug]\nstop_at = %s\n' "$1" >> "$CONF"
	chmod 0644 "$CONF"
}
write_conf
printf 'auth required %s config=%s\naccount required %s config=%s\n' "$MOD" "$CONF" "$MOD" "$CONF" \
	> /etc/pam.d/npm-release
nr() { "$NR" "$@"; } # root, default configuration path: as installed
printf 'token %s\ntotp sha1 6 30 %s\n' "$RELEASE_TOKEN" "$RELEASE_SECRET" | nr token set || fail "token set"
APPROVER=$U1; host_enroll_totp || fail "enroll $U1"; S1=$APPROVER_SECRET
APPROVER=$U2; host_enroll_totp || fail "enroll $U2"; S2=$APPROVER_SECRET
expect_status 0 nr check-config
pass "tokens stored, $U1 and $U2 enrolled, check-config finds nothing"

# Each code once, always a later step than the last (enrolment used the current one).
LAST_STEP=$(($(date +%s) / 30 + 1))
code() { # SECRET -> sets CODE
	local step=$(($(date +%s) / 30))
	[ "$step" -gt "$LAST_STEP" ] || step=$((LAST_STEP + 1))
	LAST_STEP=$step
	CODE=$(oathtool --totp -b -N "@$((step * 30))" "$1")
}
stage_pkg() { # NAME VERSION -> ID, TGZ, SRI (staged by root)
	local dir="$T/pkg-${1//[@\/]/_}"
	fixture_package "$dir" "$1" "$2"
	(cd "$dir" && npm pack --pack-destination "$dir" >/dev/null 2>&1) || fail "npm pack $1"
	TGZ=$(ls "$dir"/*.tgz)
	SRI=$(sri_of "$TGZ")
	expect_status 0 nr stage "$TGZ"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}

# --- the outsider -------------------------------------------------------------
stage_pkg sys-env 1.0.0
ID1=$ID SRI1=$SRI
code "$S1"
expect_status 1 with_input "$CODE" as_user "$UO" "$NR" approve "$ID1"
contains "$OUT" "neither an approver nor a stager"
for cmd in "token list" "log" "log --verify" "list" "check-config"; do
	# shellcheck disable=SC2086
	expect_status 1 as_user "$UO" "$NR" $cmd
done
expect_status 2 as_user "$UO" "$NR" -c "$CONF" list
contains "$OUT" "-c is for root only"
for f in "$T/tokens/release" "$T/state/state.db" "$T/state/spool/$ID1.tgz"; do
	as_user "$UO" cat "$f" >/dev/null 2>&1 && fail "the outsider read $f"
done
as_user "$UO" ls "$T/state" >/dev/null 2>&1 && fail "the outsider listed the state folder"
packument_has sys-env 1.0.0 2>/dev/null && fail "published by an outsider"
pass "the outsider can neither approve nor read tokens, state, ledger or list, nor use -c"

# An approver of other scopes only: the PAM account check (scope) denies.
code "$S2"
expect_status 1 with_input "$CODE" as_user "$U2" "$NR" approve "$ID1"
contains "$OUT" "denied"
packument_has sys-env 1.0.0 2>/dev/null && fail "published by an approver outside the scope"
pass "$U2 (approver of @nsys/* only) is denied for sys-env"

# --- environment injection ------------------------------------------------------
M="$T/markers"
mkdir -m 1777 "$M" "$T/evilhome"
cat > "$M/evil.c" <<C
#include <fcntl.h>
#include <unistd.h>
__attribute__((constructor)) static void mark(void)
{
	int fd = open("$M/preloaded", O_WRONLY | O_CREAT | O_APPEND, 0666);
	if (fd >= 0) { (void)write(fd, "x\n", 2); close(fd); }
}
C
cc -shared -fPIC -o "$M/evil.so" "$M/evil.c" || fail "cc evil.so"
for lib in libjansson.so.4 libcurl.so.4 libsqlite3.so.0 libpam.so.0 libc.so.6; do cp "$M/evil.so" "$M/$lib"; done
printf 'require("fs").writeFileSync("%s/node-ran", "x")\n' "$M" > "$M/evil.js"
node -e '
const fs = require("fs"), log = process.argv[1];
require("net").createServer(s => { fs.appendFileSync(log, "connection\n"); s.destroy(); })
  .listen(0, "127.0.0.1", function () { console.log(this.address().port); });' "$M/listener.log" > "$M/port" &
LISTENER_PID=$!
for i in $(seq 1 100); do [ -s "$M/port" ] && break; sleep 0.1; done
EVIL="http://127.0.0.1:$(cat "$M/port")/"
printf 'registry=%s\n//127.0.0.1:%s/:_authToken=stolen\n' "$EVIL" "$(cat "$M/port")" > "$T/evilhome/.npmrc"
INJECT=(LD_PRELOAD="$M/evil.so" LD_LIBRARY_PATH="$M" LD_AUDIT="$M/evil.so"
	NODE_OPTIONS="--require $M/evil.js" NODE_PATH="$M"
	npm_config_registry="$EVIL" NPM_CONFIG_REGISTRY="$EVIL" npm_config_userconfig="$T/evilhome/.npmrc"
	HTTPS_PROXY="$EVIL" HTTP_PROXY="$EVIL" ALL_PROXY="$EVIL" https_proxy="$EVIL" http_proxy="$EVIL"
	all_proxy="$EVIL" NO_PROXY= no_proxy= HOME="$T/evilhome" CURL_CA_BUNDLE="$M/evil.c")
# The markers and the listener do work when honoured: the test can see an effect.
env LD_PRELOAD="$M/evil.so" true
[ -s "$M/preloaded" ] || fail "the marker library does not mark (test broken)"
curl -s -m 2 -x "$EVIL" http://127.0.0.1:9/ >/dev/null 2>&1 || true
grep -q connection "$M/listener.log" || fail "the listener records nothing (test broken)"
rm -f "$M/preloaded" "$M/listener.log"

write_conf checked # stop after the checks to inspect the running helper
code "$S1"
printf '%s\n' "$CODE" > "$T/code"
(
	umask 000
	exec 1000> "$M/fd1000"
	exec setpriv --reuid="$(id -u "$U1")" --regid="$(id -g "$U1")" --init-groups -- \
		env "${INJECT[@]}" "$NR" approve "$ID1"
) < "$T/code" > "$T/env.out" 2>&1 &
JOB=$!
wait_stopped "$T/env.out" "$JOB" checked
PID=$STOPPED_PID
grep -q '^Umask:[[:space:]]*0077' "/proc/$PID/status" || fail "umask is not 077: $(grep Umask "/proc/$PID/status")"
grep -qE '^Max core file size +0 +0 ' "/proc/$PID/limits" || fail "core dumps not off"
[ -e "/proc/$PID/fd/1000" ] && fail "descriptor 1000 left open"
SOCKETS=0
for fd in /proc/"$PID"/fd/*; do
	n=${fd##*/}
	[ "$n" -le 2 ] && continue
	target=$(readlink "$fd")
	case "$target" in
	"$T/state"*) ;;
	socket:*) SOCKETS=$((SOCKETS + 1)) ;; # to the checker (privsep.h), below
	*) fail "fd $n is open on $target (not state)" ;;
	esac
done
# The one socket leads to the unprivileged checker that forks the parsers.
CHECKER=$(pgrep -P "$PID" || true)
[ "$SOCKETS" = 1 ] && [ -n "$CHECKER" ] && [ "$(wc -w <<< "$CHECKER")" = 1 ] ||
	fail "expected one socket, to one checker child ($SOCKETS sockets, children: $CHECKER)"
awk '/^Uid:/ { exit ($2 == 0 || $3 == 0 || $4 == 0 || $5 == 0) }' "/proc/$CHECKER/status" ||
	fail "the checker $CHECKER kept a root uid"
[ "$(stat -c %u "/proc/$PID")" = 0 ] || fail "the helper is dumpable (its /proc entry is not root's)"
kill -CONT "$PID"
rc=0
wait "$JOB" || rc=$?
write_conf
sed 's/^/    | /' "$T/env.out"
[ "$rc" = 0 ] || fail "the approve with injections exited $rc"
contains "$(cat "$T/env.out")" "is live"
pass "running helper: umask 077, core size 0, not dumpable, only 0-2, state and the checker's socket (fd 1000 closed)"
[ ! -e "$M/preloaded" ] || fail "LD_PRELOAD/LD_LIBRARY_PATH/LD_AUDIT code ran"
[ ! -e "$M/node-ran" ] || fail "NODE_OPTIONS code ran"
[ ! -s "$M/listener.log" ] || fail "something connected to the injected registry/proxy: $(cat "$M/listener.log")"
INSTALLED=$(npm_install_integrity sys-env 1.0.0) || fail "npm install sys-env"
[ "$INSTALLED" = "1.0.0 $SRI1" ] || fail "npm installed '$INSTALLED', staged $SRI1"
bad=$(find "$T/state" \( -type f -perm /077 \) -o \( -type d -perm /077 \))
[ -z "$bad" ] || fail "state objects open to group/other after umask 000: $bad"
pass "${#INJECT[@]} injected variables, fd 1000 and umask 000 had no effect; published to the configured registry; state 0600/0700"

# --- two distinct approvers --------------------------------------------------------
stage_pkg @nsys/two 1.0.0
ID2=$ID SRI2=$SRI
code "$S1"
expect_status 0 with_input "$CODE" as_user "$U1" "$NR" approve "$ID2"
contains "$OUT" "approval 1 of 2 recorded"
packument_has @nsys/two 1.0.0 2>/dev/null && fail "published after one of two approvals"
code "$S1"
expect_status 1 with_input "$CODE" as_user "$U1" "$NR" approve "$ID2"
contains "$OUT" "a different approver must approve"
packument_has @nsys/two 1.0.0 2>/dev/null && fail "published after the same approver twice"
pass "one approval of two recorded; the same approver twice does not count"
code "$S2"
expect_status 0 with_input "$CODE" as_user "$U2" "$NR" approve "$ID2"
contains "$OUT" "is live"
INSTALLED=$(npm_install_integrity @nsys/two 1.0.0) || fail "npm install @nsys/two"
[ "$INSTALLED" = "1.0.0 $SRI2" ] || fail "npm installed '$INSTALLED', staged $SRI2"
expect_status 0 as_user "$U1" "$NR" log --json
approves=$(printf '%s' "$OUT" | node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const l=JSON.parse(s.replace(/^ *\| /gm,""));const f=e=>l.filter(x=>x.event===e&&x.data.id===process.argv[1]).length;console.log(f("approve")+" "+f("publish"))})' "$ID2")
[ "$approves" = "2 1" ] || fail "ledger for $ID2: approve/publish = $approves (want 2 1)"
expect_status 0 as_user "$U1" "$NR" log --verify
pass "the second, distinct approver publishes; ledger: 2 approvals, 1 publish; the approver reads and verifies it"

expect_status 0 as_user "$U1" "$NR" token list
contains "$OUT" "0600"
case "$OUT" in *"$RELEASE_TOKEN"*) fail "token list shows the token" ;; esac
expect_status 1 as_user "$U1" "$NR" token remove
pass "the approver sees token files' owner and mode, never contents, and cannot remove them"

# --- refusals of an untrustworthy installation ------------------------------------
mkdir -m 0755 "$T/copy"
cp "$NR" "$T/copy/npm-release"
chown nobody "$T/copy/npm-release"
chmod 4755 "$T/copy/npm-release"
# Exit 2; a sanitizer build's leak checker cannot run in a setuid process and
# turns that exit into its own failure, so there only the refusal is asserted.
want=2
case "$(ldd "$NR" 2>/dev/null)" in *libasan*) want=1 ;; esac # (not | grep -q: pipefail)
expect_status "$want" as_user "$U1" "$T/copy/npm-release" --version
contains "$OUT" "not root-owned"
expect_status 0 as_user "$U1" "$NR" --version
pass "a setuid copy not owned by root refuses to run"
chown "$U1" "$T/state"
expect_status 2 as_user "$U1" "$NR" log
chown root "$T/state"
expect_status 0 as_user "$U1" "$NR" log --verify
chmod 0640 "$T/tokens/release"
expect_status 1 nr check-config
contains "$OUT" "token_file"
chmod 0600 "$T/tokens/release"
pass "a state folder not owned by root is refused; check-config finds a loose token file"

# --- check-config: each mistake on its own line, once -------------------------
findings_with() { # TEXT -> how many finding lines of the last check-config contain TEXT
	grep -c -F -- "$1" <<<"$(grep '^finding:' <<<"$OUT")" || true
}
once() { # TEXT WHAT
	local n
	n=$(findings_with "$1")
	[ "$n" = 1 ] || { printf '%s\n' "$OUT" | sed 's/^/    | /'; fail "check-config: $2 reported $n times, wanted once"; }
}
chmod 0640 "$T/tokens/release"
expect_status 1 nr check-config
once "token_file" "a token file at 0640"
chmod 0600 "$T/tokens/release"
chmod 0755 "$T/tokens"
expect_status 1 nr check-config
once "token folder $T/tokens: mode 0755" "a token folder at 0755"
chmod 0700 "$T/tokens"
sed -i '/^check_user = /d' "$CONF"
expect_status 1 nr check-config
once "check_user is not set" "a missing check_user line"
write_conf
chmod 0700 "$ADVISORIES"
expect_status 1 nr check-config
once "not readable by the check user $UC" "advisories the check user cannot read"
chmod 0755 "$ADVISORIES"
mkdir -m 0755 "$T/empty-advisories"
sed -i "s|^advisories = .*|advisories = $T/empty-advisories|" "$CONF"
expect_status 1 nr check-config
once "holds no advisories" "an empty advisories folder"
sed -i "s|^advisories = .*|advisories = $T/no-such-advisories|" "$CONF"
expect_status 1 nr check-config
once "advisories $T/no-such-advisories: No such file" "a missing advisories folder"
write_conf
printf '\n[scope @r/*]\napprovers = root %%nsysnogroup\n[scope @s/*]\napprovers = %%nsysnogroup root\n' >> "$CONF"
expect_status 1 nr check-config
once "root is listed as an approver" "root as an approver"
once "group nsysnogroup, which does not exist" "a group that does not exist"
write_conf
printf '\n[provenance]\ntrusted_root = %s/trusted_root.json\n' "$T" >> "$CONF"
printf '{}' > "$T/trusted_root.json" && chmod 0666 "$T/trusted_root.json"
expect_status 1 nr check-config
once "[provenance] trusted_root $T/trusted_root.json: mode 0666" "a writable trusted root"
write_conf
# The check that could not run (advisories the check user cannot read) is on
# record as an error, and nothing was asked or published.
stage_pkg sys-noadv 1.0.0
chmod 0700 "$ADVISORIES"
code "$S1"
expect_status 1 with_input "$CODE" as_user "$U1" "$NR" approve "$ID"
chmod 0755 "$ADVISORIES"
contains "$OUT" "checks could not run"
last=$(sqlite3 "$T/state/state.db" "SELECT data FROM ledger WHERE event = 'check' ORDER BY seq DESC LIMIT 1")
contains "$last" "\"id\":\"$ID\""
contains "$last" '"result":"error"'
expect_status 0 nr check-config
pass "a check that could not run leaves a check entry with result error; check-config: loose token file and folder, no check_user, unreadable or missing advisories, root approver, missing group: each once"
