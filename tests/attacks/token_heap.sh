#!/bin/bash
# Guarantee attacked: no token byte is ever in the memory of a process that parses
# an untrusted tarball. approve downloads the staged tarball with the registry read
# token ($STAGER_TOKEN) and later uses the release token; the unprivileged parser
# that then reads the tarball is stopped ([debug] stop_at = checker) and its whole
# memory, and that of the process it was forked from, is read as root through
# /proc/PID/mem: no 12 bytes of either token may appear (a parser forked after the
# download inherits curl's freed request buffers, the Authorization header included,
# partly overwritten by the allocator).
ATTACK_MODE=stage
. "$SRCDIR/tests/attacks/harness.sh"

write_conf "[debug]
stop_at = checker"
stage_npm tokenheap-demo 1.0.0
as_user "$A1" "$NR" approve "$ID" < /dev/null > "$T/approve.out" 2>&1 &
JOB=$!
ATTACK_CLEANUPS+=("kill -KILL $JOB 2>/dev/null")
wait_stopped "$T/approve.out" "$JOB" checker
# The worker, the processes between it and approve (its checker), approve itself.
PARSERS=()
pid=$STOPPED_PID
while [ "$(cat "/proc/$pid/comm")" = npm-release ]; do
	PARSERS+=("$pid")
	pid=$(awk '{ print $4 }' "/proc/$pid/stat")
done
[ "${#PARSERS[@]}" -ge 2 ] || fail "the stopped worker $STOPPED_PID is not a child of approve"
APPROVE=${PARSERS[-1]}
unset 'PARSERS[-1]'
WORKER=$STOPPED_PID
grep -q "fetch" "$T/approve.out" || grep -q "checking" "$T/approve.out" ||
	{ sed 's/^/    | /' "$T/approve.out"; fail "approve stopped before it downloaded the tarball"; }
# The download did use the read token: the parent still holds it somewhere.
for pid in "${PARSERS[@]}" "$APPROVE"; do
	python3 - "$pid" "$STAGER_TOKEN" "$RELEASE_TOKEN" > "$T/scan.$pid" <<'PY' || fail "cannot read the memory of $pid"
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
        # freed buffers are partly overwritten by the allocator: any 12 bytes count
        for i, t in enumerate(tokens):
            if any(t[k:k + 12] in data for k in range(0, max(1, len(t) - 11))):
                found.add(("read-token", "release-token")[i])
print(scanned, " ".join(sorted(found)) or "-")
PY
	echo "    memory of $pid: $(cat "$T/scan.$pid") (bytes scanned, tokens found)"
done
[ "$(cut -d' ' -f1 "$T/scan.$WORKER")" -gt 100000 ] || fail "scanned too little of the worker"
# Only the parent may hold the read token; the fetch put it there.
grep -q "read-token" "$T/scan.$APPROVE" || fail "the read token is not in approve itself: the scan proves nothing"
for pid in "${PARSERS[@]}"; do
	[ "$(cut -d' ' -f2- "$T/scan.$pid")" = "-" ] ||
		attack_succeeded "token bytes in the memory of parser process $pid: $(cut -d' ' -f2- "$T/scan.$pid")"
done
pass "neither token is in the memory of the parser or the process it was forked from"
kill -KILL "$WORKER" "$APPROVE"
wait "$JOB" || true
