#!/bin/sh
# bench/audit/scale.sh: the audit at the size of OSV's whole npm export, in one run.
# A synthetic set of 250,000 records (25,000 GHSA-style over the most-downloaded
# names, 225,000 MAL-style malicious-package records, mostly on made-up names: gen.js)
# and a 2,000-entry lockfile (gen.js lockfile). Reports, as ratios to the 80 real
# records of ../shared/advisories (or tests/audit/data/osv):
#   - warm audit time, the directory indexed and the export index (update --from);
#   - the same with only the 225,000 MAL records added to the 80 real ones, and with
#     those and 25,000 GHSA-style records over names the lockfile does not hold
#     (250,080 records): the cost of the number of records alone, with the same
#     findings as the 80 (the synthetic GHSA set matches about 6,500 advisories and
#     gives about 700 findings, the 80 real records 6: see README.md);
#   - cold time: caches dropped if this is root and allowed, else the index's pages
#     evicted with posix_fadvise (the record files are then not read at all);
#   - index build time (advisories index) and import time (advisories update);
#   - max RSS, 80 records against 250,000.
# usage: bench/audit/scale.sh [HELPER]   (from the build directory; needs ~2.5 GB in
# TMPDIR, default /var/tmp). BENCH_GHSA / BENCH_MAL change the counts.
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
helper=$(cd "$(dirname "${1:-./helper/npm-release}")" && pwd)/$(basename "${1:-npm-release}")
node="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}/.bin/node"
measure="python3 $top/bench/audit/measure.py"
ghsa=${BENCH_GHSA:-25000}
mal=${BENCH_MAL:-225000}
real="$top/../shared/advisories/osv"
[ -d "$real" ] || real=/work/shared/advisories/osv
[ -d "$real" ] || real="$top/tests/audit/data/osv"
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/bench-audit.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
ms() { date +%s%N | cut -c1-13; }
ratio() { awk "BEGIN{printf \"%.2f\", $1/($2>0?$2:1)}"; }

echo "generating $ghsa GHSA-style + $mal MAL-style records ..."
"$node" "$top/bench/audit/gen.js" osv "$ghsa" "$tmp/big" "$mal" || exit 1
"$node" "$top/bench/audit/gen.js" lockfile 2000 "$tmp/lock.json" || exit 1
"$node" "$top/bench/audit/gen.js" osv "$ghsa" "$tmp/other" 0 2000 || exit 1
cp -r "$real" "$tmp/real"
mkdir "$tmp/real+mal"
cp "$real"/*.json "$tmp/real+mal/"
find "$tmp/big" -name 'MAL-*.json' -exec cp -l -t "$tmp/real+mal/" {} +
mkdir "$tmp/real+other"
find "$tmp/real+mal" "$tmp/other" -name '*.json' -exec cp -l -t "$tmp/real+other/" {} +
records=$(ls "$tmp/big" | wc -l)
python3 - "$tmp/big" "$tmp/big.zip" <<'PY'
import os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED, compresslevel=1) as z:
    for f in sorted(os.listdir(sys.argv[1])):
        z.write(os.path.join(sys.argv[1], f), f)
PY
# update records itself in the ledger when root runs it: a private state for that
mkdir "$tmp/state"
cat > "$tmp/npmstage.conf" <<CONF
[npmstage]
state_dir = $tmp/state/s
check_user = nobody
[registry]
url = http://127.0.0.1:9/
mode = local
CONF

"$helper" advisories index "$tmp/real" > /dev/null || exit 1
"$helper" advisories index "$tmp/real+mal" > /dev/null || exit 1
"$helper" advisories index "$tmp/real+other" > /dev/null || exit 1
set -- $($measure 1 -- "$helper" advisories index "$tmp/big") || exit 1
build=$1 build_cpu=$3
set -- $($measure 1 -- "$helper" -c "$tmp/npmstage.conf" advisories update --from "$tmp/big.zip" \
	"$tmp/big.db") || exit 1
import=$1 import_cpu=$3

a="$helper audit --json --level none --lockfile $tmp/lock.json --advisories"
set -- $($measure 9 -- $a "$tmp/real"); w80=$1 m80=$2 c80=$3
set -- $($measure 9 -- $a "$tmp/big"); wdir=$1 mdir=$2 cdir_cpu=$3
set -- $($measure 9 -- $a "$tmp/big.db"); wdb=$1 mdb=$2 cdb_cpu=$3
set -- $($measure 9 -- $a "$tmp/real+mal"); wrm=$1 crm=$3
set -- $($measure 9 -- $a "$tmp/real+other"); wro=$1 cro=$3
if sync && echo 3 > /proc/sys/vm/drop_caches 2> /dev/null; then
	how="caches dropped (drop_caches) before each run"
	cold() { # SOURCE: best wall time of 3 runs, each after dropping the caches
		b=
		for _ in 1 2 3; do
			sync; echo 3 > /proc/sys/vm/drop_caches
			t=$($measure 1 -- $a "$1" | cut -d' ' -f1)
			[ -n "$t" ] || exit 1
			if [ -z "$b" ] || [ "$t" -lt "$b" ]; then b=$t; fi
		done
		echo "$b"
	}
	cdir=$(cold "$tmp/big"); cdb=$(cold "$tmp/big.db")
else
	how="no drop_caches here: the index file's pages evicted (posix_fadvise) before each run"
	set -- $($measure 3 --evict "$tmp/big/npm-release-advisories.db" -- $a "$tmp/big"); cdir=$1
	set -- $($measure 3 --evict "$tmp/big.db" -- $a "$tmp/big.db"); cdb=$1
fi

echo
echo "2,000-entry lockfile; best of 9 fresh processes; $records synthetic records"
printf '%-42s %7s %7s %10s %6s %6s\n' "advisories" "wall ms" "CPU ms" "max RSS KB" "wall x" "CPU x"
row() { # LABEL WALL CPU RSS
	printf '%-42s %7s %7s %10s %6s %6s\n' "$1" "$2" "$3" "$4" "$(ratio "$2" "$w80")" "$(ratio "$3" "$c80")"
}
row "80 real records (directory, indexed)" "$w80" "$c80" "$m80"
row "$records records (directory, indexed)" "$wdir" "$cdir_cpu" "$mdir"
row "$records records (export index, update)" "$wdb" "$cdb_cpu" "$mdb"
row "80 real + $mal MAL (no extra findings)" "$wrm" "$crm" ""
row "80 real + $(($mal + $ghsa)) non-matching" "$wro" "$cro" ""
echo
echo "cold ($how):"
echo "  directory, indexed: $cdir ms; export index: $cdb ms (goal <= 300 ms)"
echo "index build: advisories index $build ms ($build_cpu ms CPU), advisories update --from zip" \
	"$import ms ($import_cpu ms CPU) (goal <= 30000 ms)"
echo "memory: max RSS $m80 KB for 80 records, $mdir KB (directory) / $mdb KB (export index) for $records"
verdict() { if [ "$1" = 1 ]; then echo met; else echo "NOT met"; fi; }
echo
echo "goal ratio <= 1.5, wall (CPU): directory $(verdict "$(awk "BEGIN{print ($wdir <= 1.5 * $w80)}")")" \
	"($(verdict "$(awk "BEGIN{print ($cdir_cpu <= 1.5 * $c80)}")")), export index" \
	"$(verdict "$(awk "BEGIN{print ($wdb <= 1.5 * $w80)}")") ($(verdict "$(awk "BEGIN{print ($cdb_cpu <= 1.5 * $c80)}")"))," \
	"records alone $(verdict "$(awk "BEGIN{print ($wro <= 1.5 * $w80)}")") ($(verdict "$(awk "BEGIN{print ($cro <= 1.5 * $c80)}")"))"
echo "goal cold <= 300 ms: $(verdict "$(awk "BEGIN{print ($cdir <= 300 && $cdb <= 300)}")")"
echo "goal build <= 30 s: $(verdict "$(awk "BEGIN{print ($build <= 30000 && $import <= 30000)}")")"
echo "goal flat memory (<= 1.5x): $(verdict "$(awk "BEGIN{print ($mdir <= 1.5 * $m80 && $mdb <= 1.5 * $m80)}")")"
