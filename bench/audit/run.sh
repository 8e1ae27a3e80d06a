#!/bin/sh
# bench/audit: audit time against lockfile size (1k/2k/4k/8k real package names)
# for the real advisory set (../shared/advisories or tests/audit/data/osv) and a
# synthetic 20,000-record set, each through its index; plus the 2k case read
# straight from the directories to show what the index saves. Each figure is the
# best of 3 runs of a fresh process (nothing kept between runs).
# usage: bench/audit/run.sh [HELPER]   (run from the build directory)
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
helper=${1:-./helper/npm-release}
node="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}/.bin/node"
real="$top/../shared/advisories/osv"
[ -d "$real" ] || real=/work/shared/advisories/osv
[ -d "$real" ] || real="$top/tests/audit/data/osv"
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT

ms() { date +%s%N | cut -c1-13; }
best() { # best wall time of 3 runs, in ms
	b=
	for _ in 1 2 3; do
		t0=$(ms)
		"$helper" audit --json --level none "$@" > /dev/null 2> "$tmp/err"
		rc=$?
		t1=$(ms)
		if [ $rc -gt 1 ]; then cat "$tmp/err" >&2; exit 1; fi
		t=$((t1 - t0))
		if [ -z "$b" ] || [ $t -lt $b ]; then b=$t; fi
	done
	echo $b
}

cp -r "$real" "$tmp/real"
"$node" "$top/bench/audit/gen.js" osv 20000 "$tmp/synth"
printf 'index real set:      '; "$helper" advisories index "$tmp/real"
t0=$(ms); printf 'index synthetic set: '; "$helper" advisories index "$tmp/synth"; t1=$(ms)
echo "  (building the 20,000-record index took $((t1 - t0)) ms)"
for n in 1000 2000 4000 8000; do
	"$node" "$top/bench/audit/gen.js" lockfile $n "$tmp/lock$n.json"
done
echo
printf '%-8s %14s %18s\n' entries "real set (ms)" "20k synthetic (ms)"
for n in 1000 2000 4000 8000; do
	r=$(best --advisories "$tmp/real" --lockfile "$tmp/lock$n.json")
	s=$(best --advisories "$tmp/synth" --lockfile "$tmp/lock$n.json")
	printf '%-8s %14s %18s\n' $n "$r" "$s"
	eval "r$n=$r s$n=$s"
done
rm "$tmp/synth/npm-release-advisories.db"
d=$(best --advisories "$tmp/synth" --lockfile "$tmp/lock2000.json")
echo
echo "2000 entries, 20k synthetic set read without its index: $d ms"
echo "linearity (8k/1k, ideal 8.0): real $(awk "BEGIN{printf \"%.1f\", $r8000/($r1000>0?$r1000:1)}"), synthetic $(awk "BEGIN{printf \"%.1f\", $s8000/($s1000>0?$s1000:1)}")"
if [ "$r2000" -le 300 ]; then
	echo "goal (2000 entries, real set, <= 300 ms cold): met ($r2000 ms)"
else
	echo "goal (2000 entries, real set, <= 300 ms cold): NOT met ($r2000 ms)"
fi
