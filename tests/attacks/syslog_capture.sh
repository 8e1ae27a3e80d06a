# Captures syslog in the attack namespace: /dev is overlaid (only in this private
# mount namespace; /dev/shm and /dev/pts are moved back on top), and a datagram
# listener bound to /dev/log appends every message, one per line, to $SYSLOG_OUT.
# Source after harness.sh; syslog_capture_start before the events to capture.
syslog_capture_start() {
	local i
	SYSLOG_OUT=$T/syslog.txt
	mkdir "$T/dev-upper" "$T/dev-work" "$T/dev-shm" "$T/dev-pts"
	mount --bind /dev/shm "$T/dev-shm" && mount --bind /dev/pts "$T/dev-pts" ||
		skip "cannot bind /dev/shm, /dev/pts"
	mount -t overlay overlay -o "lowerdir=/dev,upperdir=$T/dev-upper,workdir=$T/dev-work" /dev ||
		skip "cannot overlay /dev in the private mount namespace"
	mount --move "$T/dev-shm" /dev/shm && mount --move "$T/dev-pts" /dev/pts ||
		fail "cannot restore /dev/shm, /dev/pts"
	ATTACK_CLEANUPS+=("umount -l /dev")
	rm -f /dev/log
	: > "$SYSLOG_OUT"
	python3 -c '
import socket, sys
s = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
s.bind("/dev/log")
open(sys.argv[1] + ".ready", "w").close()
with open(sys.argv[1], "ab", buffering=0) as out:
    while True:
        out.write(s.recv(65536).replace(b"\n", b"\\n") + b"\n")
' "$SYSLOG_OUT" &
	SYSLOG_PID=$!
	ATTACK_CLEANUPS+=("kill $SYSLOG_PID")
	for i in $(seq 1 50); do
		[ -e "$SYSLOG_OUT.ready" ] && return 0
		sleep 0.1
	done
	fail "syslog listener did not start"
}
