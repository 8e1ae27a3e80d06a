#!/bin/bash
# Guarantee attacked: what goes live is what was checked, even when the registry
# (or something between it and the release host) lies. A proxy in front of the
# registry (tests/registry/fault-proxy.js) plays the hostile registry:
#   swap          serves the checked bytes for download while holding other bytes
#                 (with a postinstall) that its approve would publish;
#   lie-bytes     confirms the publish but then serves other bytes for the version;
#   lie-manifest  ... or a version document with a dependency and a script added;
#   redirect      answers every request with a redirect to another origin;
#   huge / drip   an endless stage record, a tarball that never ends;
#   no-packument  hides the package's versions and dist-tags (a release for
#                 another tag than latest went on to the prompt without them);
#   bad-tarball   serves other bytes for the previous version (the approve went on
#                 to the prompt without the diff against it).
# Unchecked bytes must never go live; a registry that says it serves other bytes
# or another manifest is an INCIDENT (exit 1, ledger "incident", LOG_ALERT to
# syslog, the release "compromised" and refused from then on); no request follows
# a redirect; every answer is bounded in size and time.
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

# syslog: /dev/log of this mount namespace only, captured. An overlay over /dev
# (this namespace's view; nothing of the real /dev is ever bound under $T, which
# the cleanup deletes), fresh /dev/shm and /dev/pts instances over it.
mkdir "$T/dev-upper" "$T/dev-work"
mount -t overlay overlay -o "lowerdir=/dev,upperdir=$T/dev-upper,workdir=$T/dev-work" /dev ||
	skip "cannot overlay /dev"
ATTACK_CLEANUPS+=("umount -R -l /dev")
mount -t tmpfs -o mode=1777 tmpfs /dev/shm
mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts
rm -f /dev/log # a whiteout in the overlay's upper layer only
python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
f = open(sys.argv[1], "ab", buffering=0)
while True:
    f.write(s.recv(65536) + b"\n")
' "$T/syslog" &
SYSLOG_PID=$!
ATTACK_CLEANUPS+=("kill $SYSLOG_PID")

DIRECT_URL=$REGISTRY_URL
node "$SRCDIR/tests/registry/fault-proxy.js" "$DIRECT_URL" "$RELEASE_SECRET" "$T/proxy.port" \
	> "$T/proxy.log" 2>&1 &
ATTACK_CLEANUPS+=("kill $!")
for _ in $(seq 1 100); do [ -s "$T/proxy.port" ] && break; sleep 0.1; done
PROXY_URL="http://127.0.0.1:$(cat "$T/proxy.port")/"
proxy_mode() { curl -fsS -X POST --data "$1" "${PROXY_URL}__proxy/mode" >/dev/null; }
REGISTRY_URL=$PROXY_URL write_conf
sed -i 's/^otp = stored$/otp = stored\ntimeout = 8/' "$CONF"

live_version() { # NAME VERSION -> the version document the registry itself serves, or ""
	curl -fsS "${DIRECT_URL}$(printf '%s' "$1" | sed 's|/|%2f|')" 2>/dev/null |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=(JSON.parse(s).versions||{})[process.argv[1]];if(v)console.log(JSON.stringify(v))})' "$2"
}
release_status() { sqlite3 "$T/state/state.db" "SELECT status FROM releases WHERE id = '$1'"; }
approve_as_a1() { # WANT ID
	code "$S1"
	expect_status "$1" with_input "$CODE" as_user "$A1" "$NR" approve "$2"
}

# --- swap: the registry holds other bytes than the ones it lets the approver check
NAME=@acme/atk-swap
pack_pkg "$NAME" 1.0.0 ',"scripts":{"postinstall":"node evil.js"}'
EVIL_SRI=$SRI
ID=$(stage_with_npm "$DIR")
[ -n "$ID" ] || fail "npm stage publish failed"
GOOD="$T/good-swap"
fixture_package "$GOOD" "$NAME" 1.0.0
(cd "$GOOD" && npm pack --pack-destination "$GOOD" >/dev/null 2>&1) || fail "npm pack"
GOOD_TGZ=$(ls "$GOOD"/*.tgz)
GOOD_SRI=$(sri_of "$GOOD_TGZ")
curl -fsS -X POST --data "{\"id\":\"$ID\",\"file\":\"$GOOD_TGZ\"}" "${PROXY_URL}__proxy/swap" >/dev/null
proxy_mode swap
code "$S1"
rc=0
OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$ID" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
V=$(live_version "$NAME" 1.0.0)
case "$V" in *"$EVIL_SRI"* | *postinstall*) attack_succeeded "the registry's held bytes went live, not the checked ones" ;; esac
case "$V" in *"$GOOD_SRI"*) ;; *) fail "the checked bytes are not live: $V" ;; esac
[ "$rc" = 0 ] || fail "approve exit $rc"
contains "$OUT" "is live"
pass "swap: the checked bytes went live, never the registry's held copy (with its postinstall)"

# --- lying confirmations: the publish is confirmed, then other bytes / a manifest are served
lie() { # MODE NAME VERSION DETAIL
	proxy_mode normal
	stage_npm "$2" "$3"
	proxy_mode "$1 $3"
	local t0=$SECONDS
	approve_as_a1 1 "$ID"
	case "$OUT" in *"INCIDENT: $2@$3 is live with bytes that were not approved"*) ;;
	*) attack_succeeded "$1: a registry serving other bytes than approved is not an incident" ;; esac
	contains "$OUT" "$4"
	[ "$(release_status "$ID")" = compromised ] ||
		attack_succeeded "$1: the release is '$(release_status "$ID")', not compromised"
	grep -a '^<81>' "$T/syslog" | grep -c "INCIDENT: $2@$3" >/dev/null ||
		fail "$1: no LOG_ALERT (authpriv.alert) for the incident in syslog"
	expect_status 0 nr log
	printf '%s\n' "$OUT" | grep -E ' incident ' | grep -q "$ID" || fail "$1: no incident in the ledger"
	expect_status 0 nr log --verify
	expect_status 0 nr show "$ID"
	contains "$OUT" "compromised"
	expect_status 0 nr list
	contains "$OUT" "compromised"
	code "$S1"
	expect_status 1 with_input "$CODE" as_user "$A1" "$NR" approve "$ID"
	contains "$OUT" "compromised"
	expect_status 1 with_input "$CODE" as_user "$A1" "$NR" reject "$ID"
	contains "$OUT" "compromised"
	pass "$1: INCIDENT (exit 1, ledger, LOG_ALERT), release compromised, approve and reject refused ($((SECONDS - t0))s)"
}
lie lie-bytes @acme/atk-lie-bytes 2.0.0 "is live with integrity sha512-"
lie lie-manifest @acme/atk-lie-manifest 3.0.0 "dependencies[evil-dep], scripts[postinstall]"

# --- a redirect to another origin is never followed (it would carry the token)
proxy_mode normal
stage_npm @acme/atk-redirect 1.0.0
proxy_mode redirect
expect_status 1 as_user "$A1" "$NR" approve "$ID"
contains "$OUT" "redirect"
curl -fsS "${PROXY_URL}__proxy/log" | grep -c '^elsewhere' >/dev/null &&
	attack_succeeded "a request followed the redirect to another origin"
pass "redirects are refused; nothing reached the other origin"

# --- endless answers are bounded: size (stage record) and time ([registry] timeout = 8)
proxy_mode normal
stage_npm @acme/atk-endless 1.0.0
proxy_mode huge
t0=$SECONDS
expect_status 1 as_user "$A1" "$NR" approve "$ID"
contains "$OUT" "larger than"
[ $((SECONDS - t0)) -lt 60 ] || fail "the endless record took $((SECONDS - t0))s"
pass "an endless stage record stops at the size cap ($((SECONDS - t0))s)"
proxy_mode drip
t0=$SECONDS
expect_status 1 as_user "$A1" "$NR" approve "$ID"
contains "$OUT" "imeout"
[ $((SECONDS - t0)) -lt 40 ] || fail "the endless download took $((SECONDS - t0))s"
live_version @acme/atk-endless 1.0.0 | grep -q . && fail "published after an endless download"
pass "a tarball that never ends stops at the registry timeout ($((SECONDS - t0))s)"

# MODE ID NAME VERSION WHAT: with the proxy in MODE, $A1's approve of ID must stop
# before its prompt (exit 1, OUT kept for the caller) and NAME@VERSION stay unpublished
refused_before_prompt() {
	proxy_mode "$1"
	code "$S1"
	rc=0
	OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$2" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	proxy_mode normal
	grep -q "Verification code" <<<"$OUT" && attack_succeeded "the approver was asked $5"
	live_version "$3" "$4" | grep -q . && attack_succeeded "$3@$4 went live $5"
	[ "$rc" = 1 ] || fail "approve exit $rc"
}

# --- a registry that hides the packument: whatever the tag, the approve stops
# before the prompt (the diff, the guard against a version live with other bytes
# and dist-tag.first come from it), and nothing is published
NAME=@acme/atk-hidden
pack_pkg "$NAME" 1.0.0 ',"scripts":{"postinstall":"node evil.js"}'
HID=$( (cd "$DIR" && npm stage publish --tag next --userconfig "$E2E_DIR/stager.npmrc" 2>&1) |
	sed -n 's/.*(staged with id \([0-9a-f-]*\)).*/\1/p') || true
[ -n "$HID" ] || fail "npm stage publish --tag next printed no id"
refused_before_prompt no-packument "$HID" "$NAME" 1.0.0 "without the registry's versions and dist-tags"
contains "$OUT" "cannot read $NAME's versions and dist-tags from the registry"
contains "$OUT" "HTTP 503"
pass "a hidden packument (tag next) stops the approve before the prompt; nothing published"

# --- a registry that serves other bytes for the previous version: no diff against
# nothing; the approve stops before the prompt
pack_pkg @acme/atk-swap 1.0.1 ',"scripts":{"postinstall":"node evil.js"}'
PID1=$(stage_with_npm "$DIR") || true
[ -n "$PID1" ] || fail "npm stage publish of @acme/atk-swap@1.0.1 printed no id"
refused_before_prompt bad-tarball "$PID1" @acme/atk-swap 1.0.1 "without the diff against the previous version"
contains "$OUT" "the previous version @acme/atk-swap@1.0.0 could not be downloaded with the bytes the registry lists for it"
pass "other bytes for the previous version stop the approve before the prompt; nothing published"

# --- a download that breaks off is never taken for the whole tarball: one clean
# retry, and a cut that repeats fails with nothing spooled
proxy_mode cut
expect_status 1 as_user "$A1" "$NR" approve "$ID"
contains "$OUT" "partial"
contains "$OUT" "retrying once"
[ ! -e "$T/state/spool/$ID.tgz" ] || fail "a cut download left a spool file"
[ -z "$(find "$T/state/spool" -name '.incoming.*')" ] || fail "a cut download left a temporary"
live_version @acme/atk-endless 1.0.0 2>/dev/null | grep -q . && fail "published after a cut download"
proxy_mode cut-once
rc=0
OUT=$(printf '000000\n' | as_user "$A1" "$NR" approve "$ID" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
[ "$rc" = 1 ] || fail "approve with a wrong code exited $rc"
contains "$OUT" "retrying once"
contains "$OUT" "checks passed"
contains "$OUT" "denied"
pass "a download cut once is retried from a clean file and checked whole; cut twice, refused"
proxy_mode normal
