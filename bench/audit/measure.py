# bench/audit: runs a command N times in fresh processes and prints
# "BEST_WALL_MS MAX_RSS_KB BEST_CPU_MS": the best wall time, the largest max RSS over
# the runs, and the best user+system CPU time (wait4 per process; CPU time is what
# to compare on a machine shared with other work, wall time on a quiet one).
# usage: python3 measure.py N [--evict FILE]... -- COMMAND ARGS...
#   --evict FILE: before each run, drop FILE's pages from the page cache
#   (posix_fadvise DONTNEED: a cold start for that file without root's drop_caches)
import os, subprocess, sys, time

args = sys.argv[1:]
n = int(args.pop(0))
evict = []
while args and args[0] == "--evict":
    args.pop(0)
    evict.append(args.pop(0))
assert args.pop(0) == "--"
best, rss, cpu = None, 0, None
for _ in range(n):
    for f in evict:
        fd = os.open(f, os.O_RDONLY)
        os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
        os.close(fd)
    t0 = time.monotonic()
    p = subprocess.Popen(args, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, ru = os.wait4(p.pid, 0)
    t = (time.monotonic() - t0) * 1000
    err = p.stderr.read()
    code = os.waitstatus_to_exitcode(status)
    if code > 1:
        sys.stderr.write(err.decode(errors="replace"))
        sys.exit(f"measure: {args[0]} exited {code}")
    best = t if best is None or t < best else best
    rss = max(rss, ru.ru_maxrss)
    c = (ru.ru_utime + ru.ru_stime) * 1000
    cpu = c if cpu is None or c < cpu else cpu
print(f"{best:.0f} {rss} {cpu:.0f}")
