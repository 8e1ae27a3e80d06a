#!/bin/bash
# Guarantee attacked: no token byte is ever in the memory of a process that parses
# an untrusted tarball. approve downloads the staged tarball with the registry read
# token ($STAGER_TOKEN) and, after the factor, holds the release token while the
# publish path parses the manifest once more. Each unprivileged parser is stopped
# ([debug] stop_at = checker) and its whole memory, and that of every process
# between it and approve, is read as root through /proc/PID/mem: no 12 bytes of
# either token may appear (a parser forked after the download inherits curl's
# freed request buffers, the Authorization header included, partly overwritten
# by the allocator).
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"
# A sanitizer build maps terabytes of readable shadow and allocator reservations:
# no scan of them is meaningful. The production build's run is the one that counts.
[ -z "$ATTACK_SANITIZED" ] || skip "memory scan of a sanitizer build (its shadow mappings are terabytes)"

# Parsers stop only during the approves (staging parses the tarball too).
stopping_approve() { # ID INPUT OUTFILE: starts approve ID in the background (JOB)
	write_conf "[debug]
stop_at = checker"
	as_user "$A1" "$NR" approve "$1" < "$2" > "$3" 2>&1 &
	JOB=$!
	ATTACK_CLEANUPS+=("kill -KILL $JOB 2>/dev/null")
}

stop_pids() { # OUTFILE -> the pids of the parsers that stopped, in order
	sed -n 's/.*stop_at = checker: process \([0-9]*\) stops here.*/\1/p' "$1" 2>/dev/null || true
}
wait_stop() { # OUTFILE JOB N -> STOPPED_PID: the Nth parser to stop, once stopped
	local i
	for i in $(seq 1 900); do
		STOPPED_PID=$(stop_pids "$1" | sed -n "${3}p")
		[ -n "$STOPPED_PID" ] && grep -q '^State:.*T' "/proc/$STOPPED_PID/status" 2>/dev/null &&
			return 0
		kill -0 "$2" 2>/dev/null || break
		sleep 0.1
	done
	sed 's/^/    | /' "$1"
	fail "parser $3 never stopped"
}
scan() { # PID -> "BYTES FOUND..." for the memory of PID
	python3 - "$1" "$STAGER_TOKEN" "$RELEASE_TOKEN" <<'PY' || fail "cannot read the memory of $1"
import re, sys
pid, tokens = sys.argv[1], [t.encode() for t in sys.argv[2:]]
found, scanned = set(), 0
with open("/proc/%s/maps" % pid) as maps, open("/proc/%s/mem" % pid, "rb", 0) as mem:
    for line in maps:
        m = re.match(r"([0-9a-f]+)-([0-9a-f]+) (\S+)", line)
        if m.group(3)[0] != "r" or "[vvar" in line or "[vsyscall" in line:
            continue
        start, end = int(m.group(1), 16), int(m.group(2), 16)
        try:
            mem.seek(start)
            data = mem.read(end - start)
        except OSError:
            continue
        scanned += len(data)
        for i, t in enumerate(tokens):
            if any(t[k:k + 12] in data for k in range(0, max(1, len(t) - 11))):
                found.add(("read-token", "release-token")[i])
print(scanned, " ".join(sorted(found)) or "-")
PY
}
# Scans the stopped parser and its npm-release ancestors; APPROVE_SCAN is approve's.
check_parsers() { # STOPPED_PID WHAT
	local pid=$1 chain=() p result
	while [ "$(cat "/proc/$pid/comm")" = npm-release ]; do
		chain+=("$pid")
		pid=$(awk '{ print $4 }' "/proc/$pid/stat")
	done
	[ "${#chain[@]}" -ge 2 ] || fail "the stopped parser $1 is not a child of approve"
	APPROVE=${chain[-1]}
	APPROVE_SCAN=$(scan "$APPROVE")
	echo "    $2: approve $APPROVE: $APPROVE_SCAN (bytes scanned, tokens found)"
	for p in "${chain[@]:0:${#chain[@]}-1}"; do
		result=$(scan "$p")
		echo "    $2: parser-side process $p: $result"
		[ "${result%% *}" -gt 100000 ] || fail "scanned too little of $p"
		[ "${result#* }" = "-" ] ||
			attack_succeeded "$2: token bytes in the memory of parser process $p: ${result#* }"
	done
}

# 1. The check of a tarball fetched from the registry with the read token.
stage_npm tokenheap-demo 1.0.0
stopping_approve "$ID" /dev/null "$T/approve1.out"
wait_stop "$T/approve1.out" "$JOB" 1
check_parsers "$STOPPED_PID" "after the download"
# approve itself used the read token: without it there the scan would prove nothing
[[ "$APPROVE_SCAN" == *read-token* ]] || fail "the read token is not in approve: the scan proves nothing"
pass "after the download: no read-token bytes in the parser or the process it was forked from"
kill -KILL "$STOPPED_PID" "$APPROVE"
wait "$JOB" || true

# 2. After the factor: the release token is in approve, and publishing a local
#    release parses its manifest in a parser once more.
write_conf
stage_local tokenheap-local 1.0.0
code "$S1"
printf '%s\n' "$CODE" > "$T/code"
stopping_approve "$ID" "$T/code" "$T/approve2.out"
wait_stop "$T/approve2.out" "$JOB" 1
check_parsers "$STOPPED_PID" "the checks"
kill -CONT "$STOPPED_PID"
wait_stop "$T/approve2.out" "$JOB" 2
check_parsers "$STOPPED_PID" "the publish"
[[ "$APPROVE_SCAN" == *release-token* ]] ||
	fail "the release token is not in approve at publish time: the scan proves nothing"
pass "after the factor: no release-token bytes in the publish path's parser"
kill -CONT "$STOPPED_PID"
wait "$JOB" || { sed 's/^/    | /' "$T/approve2.out"; fail "the approve did not publish"; }
contains "$(cat "$T/approve2.out")" "is live"
