#!/bin/sh
# Differential: the bins verify judges are the bins npm links (npm's own code).
set -u
top=${srcdir:-$(dirname "$0")/../..}
nm="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}"
if [ ! -x "$nm/.bin/node" ] || [ ! -f "$nm/npm/package.json" ]; then
	echo "binlinks: $nm lacks node and npm; run 'npm ci' in tests/registry" >&2
	exit 1
fi
NODE_PATH="$nm" PYTHONDONTWRITEBYTECODE=1 exec python3 "$top/tests/integrity/binlinks.py" \
	"$PWD/helper/npm-release" "$nm/.bin/node" "$nm/npm"
