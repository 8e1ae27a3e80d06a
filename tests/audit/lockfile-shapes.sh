#!/bin/sh
# Our reading of lockfiles against npm's own (issue 15): the real lockfiles in
# tests/audit/data/real (written by the pinned npm at lockfileVersion 1, 2 and 3
# for small real projects: workspaces, aliases, file: folders and tarballs, links
# out of the project, remote tarballs, dev/optional/peer; see
# tests/audit/real/make-lockfiles.sh) and the shapes in tests/audit/data/shapes
# (npm@4 shrinkwrap without lockfileVersion, folders outside the project, git,
# bundled, duplicate keys). For each:
#  - arborist-diff.js: the packages npm audit would look up (name, version,
#    location, dev/optional/devOptional/peer), with and without --omit, equal;
#  - reference.js: audited without refusal, with exactly the findings of an
#    independent node-semver evaluation of the real OSV records.
set -u
top=${srcdir:-.}
nm="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}"
node="$nm/.bin/node"
helper=./helper/npm-release
if [ ! -x "$node" ] || [ ! -d "$nm/npm/node_modules/@npmcli/arborist" ]; then
	echo "lockfile-shapes: $nm lacks node or npm's arborist; run 'npm ci' in tests/registry" >&2
	exit 1
fi
data="$top/tests/audit/data"
failures=0
count=$(ls -d "$data"/real/*/ | wc -l)
if [ "$count" -lt 10 ]; then
	echo "FAIL only $count real lockfiles (10 or more expected)" >&2
	failures=$((failures + 1))
fi
"$node" "$top/tests/audit/arborist-diff.js" "$helper" "$nm/npm" "$data"/real/*/ "$data"/shapes/*/ ||
	failures=$((failures + 1))
"$node" "$top/tests/audit/reference.js" "$helper" "$nm/npm" "$data/osv" "$data"/real/*/ \
	"$data"/shapes/*/ || failures=$((failures + 1))
"$node" "$top/tests/audit/reference.js" "$helper" "$nm/npm" "$data/osv-quirks" \
	"$data/shapes/quirk-v3" || failures=$((failures + 1))
echo "lockfile-shapes: $failures failing parts"
[ "$failures" -eq 0 ]
