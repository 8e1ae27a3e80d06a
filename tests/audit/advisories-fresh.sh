#!/bin/sh
# The advisory index of an OSV directory is used only while it is fresh, and
# telling so costs O(directories), not a stat of every record file:
# - an audit stats no record file other than those of the advisories it uses;
# - a record changed in place that no audited package uses leaves the index in use;
# - a record file dropped into the directory, or into a subdirectory, is found at
#   once (the index is not used until rebuilt), as is one removed or rewritten in
#   place; an index of an older schema is not used (schema 2, before the digest
#   column, still is: evaluated from JSON), and none of this is an error.
set -u
top=${srcdir:-.}
data="$top/tests/audit/data"
helper=./helper/npm-release
lock="$data/lock/hits.json"
. "$top/tests/audit/lib.sh"
audit_scratch fresh
osv="$tmp/osv"
cp -r "$data/osv" "$osv"
chmod -R u+w "$osv"


# audit NAME: --json report of hits.json against $osv into $tmp/NAME.json
audit() {
	n=$((n + 1))
	"$helper" audit --json --level none --advisories "$osv" --lockfile "$lock" \
		> "$tmp/$1.json" 2> "$tmp/$1.err"
	rc=$?
	[ $rc -le 1 ] || { fail "$1: exit $rc"; cat "$tmp/$1.err" >&2; }
}


index() {
	n=$((n + 1))
	"$helper" advisories index "$osv" > "$tmp/index.out" 2>&1 || { fail "index"; cat "$tmp/index.out" >&2; }
}

# a record for supabase, which hits.json installs at 1.0.0 and nothing else flags
record() { # ID
	printf '{"schema_version":"1.4.0","id":"%s","modified":"2026-01-01T00:00:00Z",' "$1"
	printf '"summary":"dropped in by the admin","affected":[{"package":{"ecosystem":"npm",'
	printf '"name":"supabase"},"ranges":[{"type":"ECOSYSTEM","events":[{"introduced":"0"}]}]}],'
	printf '"database_specific":{"severity":"HIGH"}}\n'
}

index
audit base
expect base '"(indexed)" in notes and "lodash@4.17.20 GHSA-35jh-r3h4-6jhm" in ids'
expect base 'not any("supabase" in i for i in ids)'

# 1. the cost: no stat of record files beyond those of the advisories used
if command -v strace > /dev/null 2>&1; then
	n=$((n + 1))
	strace -f -qq -e trace=stat,lstat,newfstatat,statx,fstatat64 -o "$tmp/trace" \
		"$helper" audit --json --level none --advisories "$osv" --lockfile "$lock" > /dev/null 2>&1
	for f in GHSA-5955-9wpr-37jh GHSA-3h5v-q93c-6h6q GHSA-9r2w-394v-53qc; do # tar, ws: not installed
		grep -q "$f" "$tmp/trace" && fail "stat cost: the audit stats $f.json (a record it does not use)"
	done
	stats=$(grep -c '\.json"' "$tmp/trace")
	[ "$stats" -lt 40 ] || fail "stat cost: $stats stats of record files for 80 records"
else
	echo "advisories-fresh: strace missing, stat count not checked" >&2
fi

# 2. a record no audited package uses, changed in place: the index stays in use
touch -d 2001-01-01 "$osv/GHSA-5955-9wpr-37jh.json"
audit untouched
expect untouched '"(indexed)" in notes and "lodash@4.17.20 GHSA-35jh-r3h4-6jhm" in ids'

# 3. a new record file at the top: found now, without rebuilding the index
record GHSA-aaaa-bbbb-cccc > "$osv/GHSA-aaaa-bbbb-cccc.json"
audit added
expect added '"supabase@1.0.0 GHSA-aaaa-bbbb-cccc" in ids and "index stale" in notes'
index
audit added-indexed
expect added-indexed '"supabase@1.0.0 GHSA-aaaa-bbbb-cccc" in ids and "(indexed)" in notes'

# 4. a new record two directories down: only that directory changes
rm "$osv/GHSA-aaaa-bbbb-cccc.json"
mkdir -p "$osv/local/2026"
index
audit subdir-before
expect subdir-before '"(indexed)" in notes and not any("supabase" in i for i in ids)'
record GHSA-dddd-eeee-ffff > "$osv/local/2026/GHSA-dddd-eeee-ffff.json"
audit subdir
expect subdir '"supabase@1.0.0 GHSA-dddd-eeee-ffff" in ids and "index stale" in notes'

# 5. a used record removed: its finding goes
index
rm "$osv/GHSA-35jh-r3h4-6jhm.json"
audit removed
expect removed '"lodash@4.17.20 GHSA-35jh-r3h4-6jhm" not in ids and "index stale" in notes'
cp "$data/osv/GHSA-35jh-r3h4-6jhm.json" "$osv/"

# 6. a used record rewritten in place (same inode, same size): the new text counts
index
python3 - "$osv/GHSA-35jh-r3h4-6jhm.json" <<'PY'
import sys
p = sys.argv[1]
t = open(p).read()
assert '"severity": "HIGH"' in t
with open(p, "r+") as f:
    f.write(t.replace('"severity": "HIGH"', '"severity": "LOW" '))
PY
audit rewritten
expect rewritten 'any(f["advisory"] == "GHSA-35jh-r3h4-6jhm" and f["severity"] == "low" for f in r["findings"]) and "a record file changed" in notes'

# 7. the index's digests are what the audit evaluates (a damaged one fails closed:
# the advisory is reported with an error), except in an index of schema 2, written
# before digests existed, whose advisories are still evaluated from their JSON
index
python3 - "$osv/npm-release-advisories.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=MEMORY")  # no journal file: the directory unchanged
db.execute("UPDATE advisory SET digest='Zdamaged' WHERE package='lodash'")
db.commit()
PY
audit damaged
expect damaged 'any(f["package"] == "lodash" and "digest is malformed" in f.get("error", "") for f in r["findings"]) and "(indexed)" in notes'
python3 - "$osv/npm-release-advisories.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("PRAGMA journal_mode=MEMORY")  # no journal file: the directory unchanged
db.execute("UPDATE meta SET value='2' WHERE key='schema'")
db.commit()
PY
audit schema2
expect schema2 '"(indexed)" in notes and "lodash@4.17.20 GHSA-35jh-r3h4-6jhm" in ids and not any("error" in f for f in r["findings"])'

# 8. an index from an older version: read directly, not an error
python3 - "$osv/npm-release-advisories.db" <<'PY'
import sqlite3, sys
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE meta SET value='1' WHERE key='schema'")
db.commit()
PY
audit oldschema
expect oldschema '"read directly" in notes and "lodash@4.17.20 GHSA-35jh-r3h4-6jhm" in ids'

echo "advisories-fresh: $n checks, $failures failures"
[ "$failures" -eq 0 ]
