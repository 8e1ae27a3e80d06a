#!/bin/bash
# Guarantee attacked: nothing a caller puts into the helper's environment, its
# descriptors or its umask has an effect, for the commands that run as the caller
# (verify, audit) as much as for approve (tests/system/system.sh): LD_PRELOAD,
# LD_LIBRARY_PATH, LD_AUDIT, NODE_OPTIONS, npm_config_*, proxies, HOME; an open
# descriptor 1000; umask 000. A running verify or audit (blocked opening a FIFO
# the caller owns) has umask 077, no core dumps, only fds
# 0-2, and the caller's ids only.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"
command -v cc >/dev/null || skip "needs cc"

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
for lib in libjansson.so.4 libcurl.so.4 libsqlite3.so.0 libarchive.so.13 libcrypto.so.3 libc.so.6; do
	cp "$M/evil.so" "$M/$lib"
done
chmod -R a+rX "$M"
printf 'require("fs").writeFileSync("%s/node-ran", "x")\n' "$M" > "$M/evil.js"
EVIL="http://127.0.0.1:9/"
printf 'registry=%s\n' "$EVIL" > "$T/evilhome/.npmrc"
INJECT=(LD_PRELOAD="$M/evil.so" LD_LIBRARY_PATH="$M" LD_AUDIT="$M/evil.so"
	NODE_OPTIONS="--require $M/evil.js" NODE_PATH="$M"
	npm_config_registry="$EVIL" NPM_CONFIG_REGISTRY="$EVIL" npm_config_userconfig="$T/evilhome/.npmrc"
	HTTPS_PROXY="$EVIL" HTTP_PROXY="$EVIL" ALL_PROXY="$EVIL" https_proxy="$EVIL" http_proxy="$EVIL"
	all_proxy="$EVIL" HOME="$T/evilhome" CURL_CA_BUNDLE="$M/evil.c" TZ="../../../$M/evil.so"
	GCONV_PATH="$M" MALLOC_CHECK_=3 LOCPATH="$M" NLSPATH="$M/%N")
# The marker works when honoured: the test can see an effect.
env LD_PRELOAD="$M/evil.so" true
[ -s "$M/preloaded" ] || fail "the marker library does not mark (test broken)"
rm -f "$M/preloaded"

ADV="$T/adv"
cp -r "$SRCDIR/tests/audit/data/osv" "$ADV"
chmod -R a+rX "$ADV"
mkdir -m 0777 "$T/fifo"
uo=$(id -u "$UO") go=$(id -g "$UO")

inspect() { # WHAT ARGS...: runs the helper as $UO with the injections, blocked on a FIFO
	local what=$1 pid status n target i
	shift
	rm -f "$T/fifo/f"
	as_user "$UO" mkfifo "$T/fifo/f"
	(
		umask 000
		exec 1000> "$M/fd1000"
		exec setpriv --reuid="$uo" --regid="$go" --init-groups -- \
			env "${INJECT[@]}" "$NR" "$@"
	) > "$T/$what.out" 2>&1 &
	pid=$!
	ATTACK_CLEANUPS+=("kill -9 $pid 2>/dev/null")
	for i in $(seq 1 100); do
		grep -q 'npm-release' "/proc/$pid/comm" 2>/dev/null && grep -q '^State:.*S' "/proc/$pid/status" && break
		sleep 0.1
	done
	grep -q 'npm-release' "/proc/$pid/comm" || { cat "$T/$what.out"; fail "$what is not running (test broken)"; }
	status=$(cat "/proc/$pid/status")
	printf '%s\n' "$status" | grep -qE '^Umask:[[:space:]]*0077' || attack_succeeded "$what: umask is not 077: $(printf '%s\n' "$status" | grep Umask)"
	grep -qE '^Max core file size +0 +0 ' "/proc/$pid/limits" || attack_succeeded "$what: core dumps are on"
	[ -e "/proc/$pid/fd/1000" ] && attack_succeeded "$what: descriptor 1000 left open"
	for fd in /proc/"$pid"/fd/*; do
		n=${fd##*/}
		[ "$n" -le 2 ] && continue
		target=$(readlink "$fd")
		[ -n "${ALLOW_FD:-}" ] && [ "$target" = "$ALLOW_FD" ] && continue
		attack_succeeded "$what: fd $n is open on $target"
	done
	printf '%s\n' "$status" | grep -qE "^Uid:[[:space:]]+$uo[[:space:]]+$uo[[:space:]]+$uo[[:space:]]+$uo\$" ||
		attack_succeeded "$what: runs with root ids: $(printf '%s\n' "$status" | grep ^Uid)"
	printf 'not a tarball' > "$T/fifo/f"
	wait "$pid" || true
	sed 's/^/    | /' "$T/$what.out"
	[ ! -e "$M/preloaded" ] || attack_succeeded "$what: LD_PRELOAD/LD_LIBRARY_PATH/LD_AUDIT code ran"
	[ ! -e "$M/node-ran" ] || attack_succeeded "$what: NODE_OPTIONS code ran"
	pass "$what with ${#INJECT[@]} injected variables, fd 1000 and umask 000: no injected code ran, umask 077, no core, fds 0-2 (and what it was asked to open), caller ids"
}

inspect verify verify "$T/fifo/f"
ALLOW_FD=$T inspect "verify --source" verify --source "$T" "$T/fifo/f"
inspect audit audit --advisories "$ADV" --lockfile "$T/fifo/f"

# advisories index as the caller with umask 000: the index it writes is not
# world-writable, and is the caller's.
mkdir -m 0777 "$T/out"
(umask 000; exec setpriv --reuid="$uo" --regid="$go" --init-groups -- env "${INJECT[@]}" \
	"$NR" advisories index "$ADV" -o "$T/out/index") > "$T/adv.out" 2>&1 || { cat "$T/adv.out"; fail "advisories index as $UO"; }
[ "$(stat -c %u "$T/out/index")" = "$uo" ] || attack_succeeded "the index is owned by $(stat -c %U "$T/out/index"), not the caller"
[ -z "$(find "$T/out/index" -perm /022)" ] || attack_succeeded "the index is group/world-writable after umask 000"
[ ! -e "$M/preloaded" ] || attack_succeeded "advisories: LD_PRELOAD code ran"
pass "advisories index as $UO: the caller's file, not writable by others, no injected code"
