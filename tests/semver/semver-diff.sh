#!/bin/sh
# Generates random and edge-case (version, range) pairs with a fixed seed,
# answers them with node-semver itself, and has the C implementation answer
# the same questions: parse (strict/loose), clean, compare, validRange and
# satisfies under all four {loose, includePrerelease} combinations.
# Any difference fails. SEMVER_DIFF_CASES overrides the number of pairs.
set -u
top=${srcdir:-.}
# NPMSTAGE_REGISTRY_MODULES: make distcheck builds from a copy without node_modules
nm="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}"
node="$nm/.bin/node"
if [ ! -x "$node" ] || [ ! -f "$nm/semver/package.json" ]; then
	echo "semver-diff: $nm lacks node and semver; run 'npm ci' in tests/registry" >&2
	exit 1
fi
if ! grep -q '"version": "7\.8\.' "$nm/semver/package.json"; then
	echo "semver-diff: node-semver in $nm is not 7.8.x" >&2
	exit 1
fi
cases=tests/semver/cases.jsonl
mkdir -p tests/semver
NODE_PATH="$nm" "$node" "$top/tests/semver/gen-cases.js" 20260701 \
	"${SEMVER_DIFF_CASES:-10000}" > "$cases" || {
	echo "semver-diff: gen-cases.js failed" >&2
	exit 1
}
exec ./tests/semver/test_semver_diff "$cases"
