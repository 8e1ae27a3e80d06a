#!/bin/sh
# End-to-end tests of `npm-release audit` and `npm-release advisories index`
# against the real OSV records in tests/audit/data/osv: hits and near misses
# (fixed / last_affected boundaries, prereleases, nested and scoped packages,
# explicit versions, last_known_affected_version_range, withdrawn records),
# levels, malware, exceptions, the index, tarballs, the bulk endpoint served
# on 127.0.0.1 from the same records, and malformed inputs.
set -u
top=${srcdir:-.}
data="$top/tests/audit/data"
# NPMSTAGE_REGISTRY_MODULES: make distcheck builds from a copy without node_modules
nm="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}"
node="$nm/.bin/node"
helper=./helper/npm-release
expect="$top/tests/audit/expect.js"
if [ ! -x "$node" ]; then
	echo "audit-cli: $node missing; run 'npm ci' in tests/registry" >&2
	exit 1
fi
. "$top/tests/audit/lib.sh"
audit_scratch cli

# audit EXPECTED_RC NAME ARGS...: runs the audit with --json into $tmp/NAME.json
audit() {
	want=$1 name=$2
	shift 2
	n=$((n + 1))
	"$helper" audit --json "$@" > "$tmp/$name.json" 2> "$tmp/$name.err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		echo "FAIL $name: exit $rc, expected $want" >&2
		cat "$tmp/$name.err" >&2
		failures=$((failures + 1))
	fi
}

# check NAME ASSERTION...: an assertion over $tmp/NAME.json (see expect.js)
check() {
	name=$1
	shift
	n=$((n + 1))
	if ! "$node" "$expect" "$tmp/$name.json" "$@"; then
		echo "FAIL $name: $*" >&2
		failures=$((failures + 1))
	fi
}

# errcheck NAME SUBSTRING: the command's stderr names the problem
errcheck() {
	n=$((n + 1))
	if ! grep -q -- "$2" "$tmp/$1.err"; then
		echo "FAIL $1: stderr lacks \"$2\":" >&2
		cat "$tmp/$1.err" >&2
		failures=$((failures + 1))
	fi
}

osv="--advisories $data/osv"

# --- hits and near misses from the real records ---
audit 1 hits $osv --lockfile "$data/lock/hits.json"
check hits result fail
check hits has lodash@4.17.20 GHSA-35jh-r3h4-6jhm high        # fixed 4.17.21
check hits has lodash@4.17.20 GHSA-29mw-wpgm-hmr9 moderate
check hits lacks lodash@4.17.20 GHSA-p6mc-m468-83gw           # fixed 4.17.20 (boundary)
check hits lacks lodash@4.17.20 GHSA-jf85-cpcp-j695
check hits has elliptic@6.5.6 GHSA-49q7-c7j4-3p7m low          # last_affected 6.5.6 inclusive
check hits has elliptic@5.2.0 GHSA-977x-g7h5-7qgw              # nested copy
check hits lacks elliptic@5.2.0 GHSA-49q7-c7j4-3p7m            # introduced 5.2.1
check hits path elliptic@5.2.0 GHSA-977x-g7h5-7qgw "demo > a > elliptic"
check hits direct elliptic@5.2.0 GHSA-977x-g7h5-7qgw false
check hits direct elliptic@6.5.6 GHSA-977x-g7h5-7qgw true
check hits has express@5.0.0-beta.1 GHSA-qw6h-vgh9-j6wx        # prerelease in events
check hits has @babel/traverse@8.0.0-alpha.3 GHSA-67hx-6x53-jw92 critical
check hits has babel-traverse@6.26.0 GHSA-67hx-6x53-jw92       # introduced-only + "< 7.23.2"
check hits has y18n@4.0.0 GHSA-c4w7-xm78-47vh                  # explicit versions list
check hits has node-fetch@3.0.0 GHSA-r683-j2x4-v87g            # "introduced": "1.0"
check hits has qs@6.10.2 GHSA-hrpp-h998-j3pp high
check hits path qs@6.10.2 GHSA-hrpp-h998-j3pp "demo > express > body-parser > qs"
check hits lacks body-parser@1.20.3 GHSA-qwcr-r2fm-qrc7        # fixed 1.20.3
check hits has semver@7.5.1 GHSA-c2qf-rxjj-qqgw                # dev dependency still audited
check hits max critical

audit 0 misses $osv --lockfile "$data/lock/misses.json"
check misses result pass
check misses count 0
check misses max null

# --- levels ---
audit 0 level-none $osv --level none --lockfile "$data/lock/hits.json"
check level-none result pass
audit 1 level-critical $osv --level critical --lockfile "$data/lock/hits.json"
audit 0 level-crit-misses $osv --level critical --lockfile "$data/lock/v1.json"
audit 1 level-high-v1 $osv --level high --lockfile "$data/lock/v1.json"
audit 2 level-bad $osv --level severe --lockfile "$data/lock/hits.json"

# --- lockfile v1 tree, links and workspaces ---
check level-high-v1 has qs@6.10.2 GHSA-hrpp-h998-j3pp
check level-high-v1 path qs@6.10.2 GHSA-hrpp-h998-j3pp "legacy > body-parser > qs"
check level-high-v1 lacks qs@6.11.0 GHSA-hrpp-h998-j3pp
check level-high-v1 has ws@7.4.5 GHSA-3h5v-q93c-6h6q
check level-high-v1 has body-parser@1.20.2 GHSA-qwcr-r2fm-qrc7
audit 1 link $osv --lockfile "$data/lock/link.json"
check link has minimatch@3.0.4 GHSA-f8q6-p94x-37v3
# a path through a workspace starts at the workspace's folder
check link path minimatch@3.0.4 GHSA-f8q6-p94x-37v3 "packages/a > minimatch"

# --- malware always fails; exceptions do not cover it ---
audit 1 malware --advisories "$data/osv" --advisories "$data/osv-malware" --level none \
	--lockfile "$data/lock/malware.json"
check malware has evil-pkg@1.2.3 MAL-TEST-0001 "malicious package"
check malware result fail
check malware counts malicious 1
check malware counts critical 0
check malware max null
"$helper" audit --advisories "$data/osv-malware" --level none --lockfile "$data/lock/malware.json" \
	> "$tmp/malware.txt" 2>&1
n=$((n + 1))
if ! grep -q '^malicious package (1)' "$tmp/malware.txt" ||
   ! grep -q 'evil-pkg@1.2.3  MAL-TEST-0001  malicious package' "$tmp/malware.txt" ||
   grep -q '^critical' "$tmp/malware.txt"; then
	echo "FAIL malware summary does not say \"malicious package\":" >&2
	cat "$tmp/malware.txt" >&2
	failures=$((failures + 1))
fi
for lvl in info low moderate high critical none; do
	audit 1 "malware-$lvl" --advisories "$data/osv-malware" --level "$lvl" \
		--lockfile "$data/lock/malware.json"
	check "malware-$lvl" result fail
done
cp "$data/exceptions-malware.json" "$data/exceptions-valid.json" \
	"$data/exceptions-expired.json" "$data/exceptions-bad.json" "$tmp/"
chmod 644 "$tmp"/exceptions-*.json
audit 1 malware-exc --advisories "$data/osv-malware" --exceptions "$tmp/exceptions-malware.json" \
	--lockfile "$data/lock/malware.json"
check malware-exc exception evil-pkg@1.2.3 MAL-TEST-0001 not-applicable-to-malware
audit 0 withdrawn --advisories "$data/osv" --lockfile "$data/lock/malware.json"

# --- exceptions ---
audit 0 exc-valid $osv --level critical --exceptions "$tmp/exceptions-valid.json" \
	--lockfile "$data/lock/misses.json"
audit 1 exc-applied $osv --level high --exceptions "$tmp/exceptions-valid.json" \
	--lockfile "$data/lock/hits.json"
check exc-applied exception lodash@4.17.20 GHSA-35jh-r3h4-6jhm applied
audit 1 exc-expired $osv --exceptions "$tmp/exceptions-expired.json" \
	--lockfile "$data/lock/hits.json"
check exc-expired exception lodash@4.17.20 GHSA-35jh-r3h4-6jhm expired
check exc-expired note "expired on 2020-01-31"
audit 2 exc-bad $osv --exceptions "$tmp/exceptions-bad.json" --lockfile "$data/lock/hits.json"
errcheck exc-bad 'lacks "reason"'

# --- the index: same answers, used when it matches the files, stale when not ---
cp -r "$data/osv" "$tmp/osv"
chmod -R u+w "$tmp/osv"
n=$((n + 1))
if ! "$helper" advisories index "$tmp/osv" > "$tmp/index.out" 2>&1 ||
   ! grep -q 'indexed 80 OSV files (1 withdrawn)' "$tmp/index.out"; then
	echo "FAIL advisories index:" >&2
	cat "$tmp/index.out" >&2
	failures=$((failures + 1))
fi
audit 1 indexed --advisories "$tmp/osv" --lockfile "$data/lock/hits.json"
check indexed same "$tmp/hits.json"
check indexed note "(indexed)"
audit 1 index-file --advisories "$tmp/osv/npm-release-advisories.db" --lockfile "$data/lock/hits.json"
check index-file same "$tmp/hits.json"
touch -d '2001-01-01' "$tmp/osv/GHSA-29mw-wpgm-hmr9.json"
audit 1 stale --advisories "$tmp/osv" --lockfile "$data/lock/hits.json"
check stale note "index stale"
check stale same "$tmp/hits.json"
printf 'SQLite format 3\000 but not really' > "$tmp/garbage.db"
audit 2 garbage-index --advisories "$tmp/garbage.db" --lockfile "$data/lock/hits.json"
errcheck garbage-index "advisory index"

# --- tarballs: shrinkwrap inside, lockfile beside, or neither (not audited) ---
mkdir -p "$tmp/pkg1/package" "$tmp/pkg2/package"
printf '{"name":"demo","version":"1.0.0","dependencies":{"lodash":"^4.17.0"}}' \
	> "$tmp/pkg1/package/package.json"
cp "$data/lock/hits.json" "$tmp/pkg1/package/npm-shrinkwrap.json"
cp "$tmp/pkg1/package/package.json" "$tmp/pkg2/package/package.json"
tar -czf "$tmp/with-shrinkwrap.tgz" -C "$tmp/pkg1" package
tar -czf "$tmp/bare.tgz" -C "$tmp/pkg2" package
audit 1 tgz-shrinkwrap $osv "$tmp/with-shrinkwrap.tgz"
check tgz-shrinkwrap same "$tmp/hits.json"
audit 1 tgz-bare $osv "$tmp/bare.tgz"
check tgz-bare notaudited lodash
check tgz-bare result fail
"$helper" audit $osv "$tmp/bare.tgz" > "$tmp/bare.txt" 2>&1
n=$((n + 1))
grep -q 'not audited (1)' "$tmp/bare.txt" || { echo "FAIL summary lacks not audited" >&2; failures=$((failures + 1)); }

audit 0 tgz-lockfile $osv --lockfile "$data/lock/misses.json" "$tmp/bare.tgz"
check tgz-lockfile result pass
audit 2 tgz-wrong-lockfile $osv --lockfile "$data/lock/v1.json" "$tmp/bare.tgz"
errcheck tgz-wrong-lockfile 'the lockfile is for "legacy"'

# --- the bulk endpoint on 127.0.0.1, serving the same records ---
"$node" "$top/tests/audit/bulk-server.js" "$tmp/port" "$tmp/requests.log" "$data/osv" \
	"$data/osv-malware" &
server=$!
i=0
while [ ! -s "$tmp/port" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$tmp/port" 2>/dev/null)
if [ -z "$port" ]; then
	echo "FAIL bulk server did not start" >&2
	exit 1
fi
audit 1 bulk --bulk-url "http://127.0.0.1:$port" --lockfile "$data/lock/hits.json"
check bulk same "$tmp/hits.json"
audit 0 bulk-misses --bulk-url "http://127.0.0.1:$port/" --lockfile "$data/lock/misses.json"
check bulk-misses count 0
audit 1 bulk-both $osv --bulk-url "http://127.0.0.1:$port" --lockfile "$data/lock/hits.json"
check bulk-both same "$tmp/hits.json"
n=$((n + 1))
if ! grep -q '"encoding":"gzip"' "$tmp/requests.log" ||
   ! grep -q '"lodash":\["4.17.20"\]' "$tmp/requests.log" ||
   grep -q '"demo"' "$tmp/requests.log"; then
	echo "FAIL bulk request body/encoding:" >&2
	cat "$tmp/requests.log" >&2
	failures=$((failures + 1))
fi
kill "$server"
wait "$server" 2>/dev/null
server=
"$node" "$top/tests/audit/bulk-server.js" "$tmp/port2" "$tmp/requests2.log" "$data/osv" \
	--status 503 &
server=$!
i=0
while [ ! -s "$tmp/port2" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
audit 2 bulk-503 --bulk-url "http://127.0.0.1:$(cat "$tmp/port2")" --lockfile "$data/lock/hits.json"
errcheck bulk-503 "HTTP 503"
kill "$server"
wait "$server" 2>/dev/null
server=

# --- lockfile shapes npm writes (issue 15); tests/audit/lockfile-shapes.sh compares
# the same files with npm's own reading ---
shapes="$top/tests/audit/data/shapes"
# folders and links outside the project: read, not refused; the folder is not a
# registry install, the packages under it are
audit 1 outside $osv --lockfile "$shapes/outside-v3/package-lock.json"
check outside has minimist@1.2.5 GHSA-xvch-5gv4-984h critical
check outside path minimist@1.2.5 GHSA-xvch-5gv4-984h "outside > fork > minimist"
check outside has lodash@4.17.20 GHSA-35jh-r3h4-6jhm
check outside packages 2
audit 1 outside-v1 $osv --lockfile "$shapes/outside-v1/package-lock.json"
check outside-v1 same "$tmp/outside.json"
check outside-v1 path minimist@1.2.5 GHSA-xvch-5gv4-984h "outside > fork > minimist"
# "resolved": "../.." with no entry for it: a leaf, listed as skipped
audit 1 outside-unlisted $osv --lockfile "$data/lock/outside-unlisted.json"
check outside-unlisted same "$tmp/outside.json"
check outside-unlisted skipped node_modules/up
# no lockfileVersion (npm@4 shrinkwrap, no "requires"): a v1 tree, nesting as edges
audit 1 npm4 $osv --lockfile "$shapes/npm4/npm-shrinkwrap.json"
check npm4 has qs@6.10.2 GHSA-hrpp-h998-j3pp
check npm4 path qs@6.10.2 GHSA-hrpp-h998-j3pp "old > express > qs"
check npm4 has minimist@1.2.5 GHSA-xvch-5gv4-984h
check npm4 note "no lockfileVersion"
audit 1 noversion-packages $osv --lockfile "$shapes/noversion-packages/package-lock.json"
check noversion-packages has minimist@1.2.5 GHSA-xvch-5gv4-984h
check noversion-packages note 'read by its \"packages\" map'
mkdir -p "$tmp/npm4pkg/package"
cp "$shapes/npm4/package.json" "$shapes/npm4/npm-shrinkwrap.json" "$tmp/npm4pkg/package/"
tar -czf "$tmp/npm4.tgz" -C "$tmp/npm4pkg" package
audit 1 npm4-tgz $osv "$tmp/npm4.tgz"
check npm4-tgz same "$tmp/npm4.json"
# duplicate keys (a bad merge): copies that agree are read as npm does, with a note;
# copies that disagree on version, resolved or integrity are refused (exit 2)
audit 1 dup-agree $osv --lockfile "$shapes/dup-agree-v3/package-lock.json"
check dup-agree note 'duplicate key \"node_modules/chalk\" (2 copies)'
check dup-agree has node-fetch@2.6.1 GHSA-r683-j2x4-v87g
awk '/"version": "2.4.2"/ && ++seen == 2 { sub(/2\.4\.2/, "2.4.1") } { print }' \
	"$shapes/dup-agree-v3/package-lock.json" > "$tmp/dup-version-lock.json"
audit 2 dup-version $osv --lockfile "$tmp/dup-version-lock.json"
errcheck dup-version 'duplicate key "node_modules/chalk" (2 copies, a bad merge?): the copies disagree on version'
check dup-version result error
printf '{"name":"d","lockfileVersion":3,"packages":{"":{},"node_modules/a":{"version":"1.0.0",'\
'"integrity":"sha512-AA==","integrity":"sha512-BB=="}}}' > "$tmp/dup-field-lock.json"
audit 2 dup-field $osv --lockfile "$tmp/dup-field-lock.json"
errcheck dup-field 'duplicate key "integrity"'
# the family in all three versions: aliases (v1 "npm:lodash@4.17.15" too), git and
# remote-tarball deps, bundled deps, a workspace named like an advised package
# (not audited: qs 6.10.2 is in GHSA-hrpp's range) with its own node_modules
for v in 1 2 3; do
	audit 1 "family-v$v" $osv --lockfile "$shapes/family-v$v/package-lock.json"
	check "family-v$v" has lodash@4.17.15 GHSA-35jh-r3h4-6jhm high
	check "family-v$v" has lodash@4.17.15 GHSA-p6mc-m468-83gw high
	check "family-v$v" has lodash@4.17.15 GHSA-29mw-wpgm-hmr9 moderate
	check "family-v$v" lacks qs@6.10.2 GHSA-hrpp-h998-j3pp
	check "family-v$v" path minimist@1.2.5 GHSA-xvch-5gv4-984h "packages/qs > minimist"
	check "family-v$v" path minimist@1.2.5 GHSA-xvch-5gv4-984h "family > bund > minimist"
	check "family-v$v" has semver@7.5.1 GHSA-c2qf-rxjj-qqgw
	audit 1 "family-v$v-omit" $osv --omit dev --omit optional \
		--lockfile "$shapes/family-v$v/package-lock.json"
	check "family-v$v-omit" lacks semver@7.5.1 GHSA-c2qf-rxjj-qqgw
	check "family-v$v-omit" lacks ws@7.4.5 GHSA-3h5v-q93c-6h6q
	check "family-v$v-omit" has lodash@4.17.15 GHSA-35jh-r3h4-6jhm
done
check family-v1 skipped node_modules/gitdep
audit 2 omit-bad $osv --omit prod --lockfile "$shapes/family-v3/package-lock.json"
# an advisory whose event lists two versions ("fixed": "7.2.4, 6.11.4",
# GHSA-h755-8qp9-cq85): each reading is evaluated; only a version some reading
# makes affected is flagged, and the finding says which reading flagged it
cat > "$tmp/protobuf-lock.json" <<'EOF'
{"name":"p","lockfileVersion":3,"packages":{
"":{"name":"p","dependencies":{"protobufjs":"5","a":"1","b":"1","c":"1","d":"1"}},
"node_modules/protobufjs":{"version":"5.0.3"},
"node_modules/a":{"version":"1.0.0","dependencies":{"protobufjs":"6"}},
"node_modules/a/node_modules/protobufjs":{"version":"6.8.8"},
"node_modules/b":{"version":"1.0.0","dependencies":{"protobufjs":"7"}},
"node_modules/b/node_modules/protobufjs":{"version":"7.2.4"},
"node_modules/c":{"version":"1.0.0","dependencies":{"protobufjs":"7"}},
"node_modules/c/node_modules/protobufjs":{"version":"7.2.3"},
"node_modules/d":{"version":"1.0.0","dependencies":{"protobufjs":"6"}},
"node_modules/d/node_modules/protobufjs":{"version":"6.11.4"}}}
EOF
audit 1 quirk --advisories "$data/osv-quirks" --lockfile "$tmp/protobuf-lock.json"
check quirk count 2
check quirk has protobufjs@7.2.3 GHSA-h755-8qp9-cq85 high
check quirk quirk protobufjs@7.2.3 GHSA-h755-8qp9-cq85 '"fixed": "7.2.4, 6.11.4" is 2 versions'
check quirk quirk protobufjs@7.2.3 GHSA-h755-8qp9-cq85 'affected when read as 7.2.4'
check quirk has protobufjs@6.11.4 GHSA-h755-8qp9-cq85
check quirk lacks protobufjs@5.0.3 GHSA-h755-8qp9-cq85
check quirk lacks protobufjs@6.8.8 GHSA-h755-8qp9-cq85
check quirk lacks protobufjs@7.2.4 GHSA-h755-8qp9-cq85
check hits noquirk lodash@4.17.20 GHSA-35jh-r3h4-6jhm

# --- malformed input: clear errors, never a pass ---
audit 2 broken $osv --lockfile "$data/lock/broken.json"
errcheck broken "not valid JSON"
errcheck broken "cannot audit"
check broken result error
audit 2 badversion $osv --lockfile "$data/lock/badversion.json"
errcheck badversion "unsupported lockfileVersion"
audit 2 cyclic $osv --lockfile "$data/lock/cyclic.json"
errcheck cyclic "cyclic link"
audit 2 dangling $osv --lockfile "$data/lock/dangling.json"
errcheck dangling "does not contain"
audit 2 traversal $osv --lockfile "$data/lock/traversal.json"
errcheck traversal "not a valid location"
truncate -s 70M "$tmp/huge-lockfile"
audit 2 huge $osv --lockfile "$tmp/huge-lockfile"
errcheck huge "larger than"
printf 'not a tarball' > "$tmp/junk.tgz"
audit 2 junk-tgz $osv "$tmp/junk.tgz"
errcheck junk-tgz "tarball"
mkdir -p "$tmp/badosv"
printf '{"id":"GHSA-xxxx","affected":[{"package":{"ecosystem":"npm","name":"a"},' > "$tmp/badosv/GHSA-xxxx.json"
audit 2 bad-osv --advisories "$tmp/badosv" --lockfile "$data/lock/hits.json"
errcheck bad-osv "GHSA-xxxx.json: not valid JSON"
audit 2 no-source --lockfile "$data/lock/hits.json"
audit 2 no-input $osv
audit 2 missing-lock $osv --lockfile "$tmp/nonexistent.json"

# --- lockfiles that say one version while npm installs another: refused ---
# npm fetches "resolved", not "version": a registry tarball URL (any host) must
# name the entry's package (an alias's real name) and version; a "version" that
# is a range or dist-tag is resolved by npm at install. Each is exit 2, naming it.
reg=http://127.0.0.1:4873
# lockv3 NAME ENTRIES: a lockfileVersion 3 file with ENTRIES after the root
lockv3() {
	printf '{"name":"p","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"p","version":"1.0.0","dependencies":{"jsonwebtoken":"*"}},%s}}\n' \
		"$2" > "$tmp/$1-lock.json"
}
# refused NAME SUBSTRING ENTRIES
refused() {
	lockv3 "$1" "$3"
	audit 2 "$1" $osv --lockfile "$tmp/$1-lock.json"
	errcheck "$1" "$2"
	check "$1" result error
}
jwt='"node_modules/jsonwebtoken":{"version":"9.0.2","resolved":'
says='entry "node_modules/jsonwebtoken" says jsonwebtoken@9.0.2 but its resolved URL is the registry tarball of'
refused lie-resolved "$says jsonwebtoken@8.0.0" "$jwt\"$reg/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz\"}"
refused lie-host "$says jsonwebtoken@8.0.0" "$jwt\"https://mirror.invalid/npm/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz\"}"
refused lie-query "$says jsonwebtoken@8.0.0" "$jwt\"$reg/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz?v=9.0.2#x\"}"
refused lie-escaped "$says jsonwebtoken@8.0.0" "$jwt\"$reg/json%77ebtoken/%2d/jsonwebtoken-8.0.0.tgz\"}"
refused lie-otherpkg "$says lodash@4.17.20" "$jwt\"$reg/lodash/-/lodash-4.17.20.tgz\"}"
refused lie-dots "cannot be read unambiguously" "$jwt\"$reg/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz/../jsonwebtoken-8.0.0.tgz\"}"
refused lie-scoped 'says @s/a@1.0.0 but its resolved URL is the registry tarball of @s/b@1.0.0' \
	"\"node_modules/@s/a\":{\"version\":\"1.0.0\",\"resolved\":\"$reg/@s/b/-/b-1.0.0.tgz\"}"
refused lie-alias 'says jsonwebtoken@9.0.2 but its resolved URL is the registry tarball of jsonwebtoken@8.0.0' \
	"\"node_modules/jwt\":{\"name\":\"jsonwebtoken\",\"version\":\"9.0.2\",\"resolved\":\"$reg/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz\"}"
refused lie-range "version '<9.0.0' is a range or dist-tag, not an exact version: npm would resolve it at install" \
	'"node_modules/jsonwebtoken":{"version":"<9.0.0"}'
refused lie-tag "version 'latest' is a range or dist-tag" '"node_modules/jsonwebtoken":{"version":"latest"}'
# lockfileVersion 1: "resolved", and a registry URL in "version" under another name
printf '{"name":"p","version":"1.0.0","lockfileVersion":1,"requires":true,"dependencies":{"jsonwebtoken":{"version":"9.0.2","resolved":"%s/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz"}}}\n' \
	"$reg" > "$tmp/lie-v1-lock.json"
audit 2 lie-v1 $osv --lockfile "$tmp/lie-v1-lock.json"
errcheck lie-v1 "$says jsonwebtoken@8.0.0"
printf '{"name":"p","version":"1.0.0","lockfileVersion":1,"requires":true,"dependencies":{"left-pad":{"version":"%s/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz"}}}\n' \
	"$reg" > "$tmp/lie-v1url-lock.json"
audit 2 lie-v1url $osv --lockfile "$tmp/lie-v1url-lock.json"
errcheck lie-v1url 'says left-pad@8.0.0 but its version URL is the registry tarball of jsonwebtoken@8.0.0'
# the same lie in a tarball's npm-shrinkwrap.json
mkdir -p "$tmp/liepkg/package"
printf '{"name":"p","version":"1.0.0","dependencies":{"jsonwebtoken":"*"}}\n' > "$tmp/liepkg/package/package.json"
cp "$tmp/lie-resolved-lock.json" "$tmp/liepkg/package/npm-shrinkwrap.json"
tar -czf "$tmp/lie-shrinkwrap.tgz" -C "$tmp/liepkg" package
audit 2 lie-shrinkwrap $osv "$tmp/lie-shrinkwrap.tgz"
errcheck lie-shrinkwrap "npm-shrinkwrap.json: $says jsonwebtoken@8.0.0"
# controls: the honest forms (scoped, alias, other registry layouts, git and other
# tarball URLs, a v1 URL version) are audited as before
lockv3 honest "$jwt\"$reg/jsonwebtoken/-/jsonwebtoken-9.0.2.tgz\"},\
\"node_modules/@s/a\":{\"version\":\"1.0.0\",\"resolved\":\"https://mirror.invalid/api/npm/@s/a/-/@s/a-1.0.0.tgz\"},\
\"node_modules/@s/b\":{\"version\":\"1.0.0\",\"resolved\":\"$reg/@s%2fb/-/b-1.0.0.tgz\"},\
\"node_modules/jwt\":{\"name\":\"jsonwebtoken\",\"version\":\"8.0.0\",\"resolved\":\"$reg/jsonwebtoken/-/jsonwebtoken-8.0.0.tgz\"},\
\"node_modules/g\":{\"version\":\"1.0\",\"resolved\":\"git+ssh://git@example.invalid/o/g.git#abc\"},\
\"node_modules/t\":{\"version\":\"2.0.0\",\"resolved\":\"https://tgz.invalid/t-2.0.0.tgz\"}"
audit 1 honest $osv --lockfile "$tmp/honest-lock.json"
check honest has jsonwebtoken@8.0.0 GHSA-27h2-hvpr-p74q
check honest lacks jsonwebtoken@9.0.2 GHSA-27h2-hvpr-p74q
printf '{"name":"p","version":"1.0.0","lockfileVersion":1,"requires":true,"dependencies":{"left-pad":{"version":"%s/left-pad/-/left-pad-1.3.0.tgz"}}}\n' \
	"$reg" > "$tmp/honest-v1url-lock.json"
audit 0 honest-v1url $osv --lockfile "$tmp/honest-v1url-lock.json"

echo "audit-cli: $n checks, $failures failures"
[ "$failures" -eq 0 ]
