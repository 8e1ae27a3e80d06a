#!/bin/bash
# Guarantee attacked: nothing is published without a passing check of the exact bytes,
# and the install-time script the approver reads is what runs. npm puts the package's
# own node_modules/.bin first on PATH for its install scripts and runs each through
# "sh -c" (@npmcli/run-script). A stager fills that folder with a bin named after a
# system command, so that a reviewed, harmless "postinstall": "echo building" (or
# "node install.js") runs the stager's file instead of sh (or node):
#   1. a bundled dependency whose package.json links a bin "sh";
#   2. a bundled package named "node" linking "node" (its name in the tarball proves
#      nothing: no bundled package is a command's own);
#   3. npm-shrinkwrap.json giving a locked, innocuous registry dependency a bin "node"
#      pointing at a data file (npm 7 to 11 link the lockfile entry's bin), also under
#      the key node_modules/node with "resolved" naming the innocuous package.
# Each is refused before the approver is prompted, naming the dependency; a bundled
# dependency with an ordinary bin name (mkdirp) still reaches the gate and goes live.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

SHADOWS="shadows the system command"
bundling() { # NAME DIR DEP POSTINSTALL DEP_JSON: DIR/package bundles DEP with DEP_JSON
	mkdir -p "$2/package/node_modules/$3"
	printf '{"name":"%s","version":"1.0.0","main":"index.js","license":"MIT",'\
'"dependencies":{"%s":"1.0.0"},"bundleDependencies":["%s"],"scripts":{"postinstall":"%s"}}\n' \
		"$1" "$3" "$3" "$4" > "$2/package/package.json"
	echo 'module.exports = 1;' > "$2/package/index.js"
	printf '%s\n' "$5" > "$2/package/node_modules/$3/package.json"
	printf '#!/bin/sh\necho stager code > /tmp/dependency-bins-ran\n' > "$2/package/node_modules/$3/run.sh"
	shrinkwrap_bundling "$2" "$1" "node_modules/$3"
}
build_tgz() { # NAME DIR -> TGZ: tar of DIR/package, npm's layout
	TGZ="$T/$1.tgz"
	tar -czf "$TGZ" --owner=0 --group=0 --numeric-owner -C "$2" package || fail "tar $1"
	chmod 0644 "$TGZ"
}
stage_as_stager() { # TGZ -> ID
	expect_status 0 as_user "$ST" "$NR" stage "$1"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
refused_before_gate() { # NAME WHAT
	case "$OUT" in *"is live"*) attack_succeeded "$2: approve says $1 is live" ;; esac
	case "$OUT" in *"Verification code"*|*"Approve $1"*) attack_succeeded "$2: the approver was prompted" ;; esac
	packument_has "$1" 1.0.0 2>/dev/null && attack_succeeded "$2: $1@1.0.0 is live"
	return 0
}

# 1. A bundled dependency links "sh"; the reviewed script is "echo building".
NAME=atk-bbin-$SUFFIX
bundling "$NAME" "$T/b1" x "echo building" '{"name":"x","version":"1.0.0","bin":{"sh":"run.sh"}}'
build_tgz "$NAME" "$T/b1"
stage_as_stager "$TGZ"
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" "a bundled dependency's bin sh"
contains "$OUT" "FAIL bin.shadow: package/node_modules/x/package.json: bundled package node_modules/x: bin 'sh' $SHADOWS sh"
pass "a bundled dependency whose bin is named sh is refused before the gate"

# 2. A bundled package named "node" links "node" (as a string bin, under its name).
NAME=atk-bnode-$SUFFIX
bundling "$NAME" "$T/b2" node "node index.js" '{"name":"node","version":"1.0.0","bin":"run.sh"}'
build_tgz "$NAME" "$T/b2"
stage_as_stager "$TGZ"
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" "a bundled package node's bin node"
contains "$OUT" "FAIL bin.shadow: package/node_modules/node/package.json: bundled package node_modules/node: bin 'node' $SHADOWS node"
pass "a bundled package named node linking node is refused before the gate"

# 3. npm-shrinkwrap.json gives a live, innocuous dependency a bin "node". The
# dependency itself (a data file, no bin, no script) passes and goes live first.
DATA=atk-swdata-$SUFFIX
mkdir -p "$T/d/package"
printf '{"name":"%s","version":"1.0.0","license":"MIT"}\n' "$DATA" > "$T/d/package/package.json"
printf '#!/bin/sh\necho stager code > /tmp/dependency-bins-ran\n' > "$T/d/package/data.txt"
build_tgz "$DATA" "$T/d"
stage_as_stager "$TGZ"
approve_as_a1 0 "$ID"
contains "$OUT" "is live"
DSRI=$(sri_of "$TGZ")
NAME=atk-swbin-$SUFFIX
mkdir -p "$T/s/package"
printf '{"name":"%s","version":"1.0.0","license":"MIT","dependencies":{"%s":"1.0.0"},'\
'"scripts":{"postinstall":"node install.js"}}\n' "$NAME" "$DATA" > "$T/s/package/package.json"
echo 'console.log("benign install step")' > "$T/s/package/install.js"
printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{"%s":"1.0.0"}},"node_modules/%s":{"version":"1.0.0","resolved":"%s%s/-/%s-1.0.0.tgz","integrity":"%s","bin":{"node":"data.txt"}}}}\n' \
	"$NAME" "$NAME" "$DATA" "$DATA" "$REGISTRY_URL" "$DATA" "$DATA" "$DSRI" > "$T/s/package/npm-shrinkwrap.json"
build_tgz "$NAME" "$T/s"
stage_as_stager "$TGZ"
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" "a shrinkwrap bin node"
contains "$OUT" "FAIL bin.shadow: package/npm-shrinkwrap.json: npm-shrinkwrap.json entry 'node_modules/$DATA' has bin 'node', which $SHADOWS node"
pass "npm-shrinkwrap.json giving a locked dependency a bin node is refused before the gate"

# 3b. The same bytes locked under the key node_modules/node (the command's own name) as
# an alias of the data package: the folder's name proves nothing, what npm fetches does.
NAME=atk-swnode-$SUFFIX
mkdir -p "$T/s2/package"
printf '{"name":"%s","version":"1.0.0","license":"MIT","dependencies":{"node":"npm:%s@1.0.0"},'\
'"scripts":{"postinstall":"node install.js"}}\n' "$NAME" "$DATA" > "$T/s2/package/package.json"
echo 'console.log("benign install step")' > "$T/s2/package/install.js"
printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{"node":"npm:%s@1.0.0"}},"node_modules/node":{"name":"%s","version":"1.0.0","resolved":"%s%s/-/%s-1.0.0.tgz","integrity":"%s","bin":{"node":"data.txt"}}}}\n' \
	"$NAME" "$NAME" "$DATA" "$DATA" "$REGISTRY_URL" "$DATA" "$DATA" "$DSRI" > "$T/s2/package/npm-shrinkwrap.json"
build_tgz "$NAME" "$T/s2"
stage_as_stager "$TGZ"
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" "a shrinkwrap entry node aliasing another package"
contains "$OUT" "FAIL bin.shadow: package/npm-shrinkwrap.json: npm-shrinkwrap.json entry 'node_modules/node' has bin 'node', which $SHADOWS node"
pass "a shrinkwrap entry node that is an alias of another package is refused"

# 4. Legitimate: a bundled dependency with an ordinary bin (mkdirp) and an install
# script reaches the gate and goes live.
NAME=atk-bmkdirp-$SUFFIX
bundling "$NAME" "$T/b4" mkdirp "echo building" '{"name":"mkdirp","version":"1.0.0","bin":{"mkdirp":"run.sh"}}'
build_tgz "$NAME" "$T/b4"
stage_as_stager "$TGZ"
approve_as_a1 0 "$ID"
contains "$OUT" "is live"
case "$OUT" in *bin.shadow*) fail "an ordinary bundled bin was reported as shadowing" ;; esac
pass "a bundled dependency with an ordinary bin name still goes live"

# 5. No install script of its own, but a dependency it does not bundle (locked in its
# shrinkwrap from the registry): npm may install that below the package and run its
# install scripts with the package's node_modules/.bin first on PATH, where the
# bundled "sh" is (red team). Refused. With every dependency bundled and no install
# code, the same bin is a warning and the release goes live.
bundled_sh() { # NAME DIR DEPS_JSON SHRINKWRAP_EXTRA
	mkdir -p "$2/package/node_modules/x"
	printf '{"name":"%s","version":"1.0.0","main":"index.js","license":"MIT",'\
'"dependencies":{%s},"bundleDependencies":["x"]}\n' "$1" "$3" > "$2/package/package.json"
	echo 'module.exports = 1;' > "$2/package/index.js"
	echo '{"name":"x","version":"1.0.0","bin":{"sh":"run.sh"}}' > "$2/package/node_modules/x/package.json"
	printf '#!/bin/sh\necho stager code > /tmp/dependency-bins-ran\n' > "$2/package/node_modules/x/run.sh"
	printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{%s}},"node_modules/x":{"version":"1.0.0","inBundle":true}%s}}\n' \
		"$1" "$1" "$3" "$4" > "$2/package/npm-shrinkwrap.json"
}
NAME=atk-bdeps-$SUFFIX
bundled_sh "$NAME" "$T/b5" '"x":"1.0.0","jsonwebtoken":"^9.0.0"' \
	",\"node_modules/jsonwebtoken\":{\"version\":\"9.0.2\",\"resolved\":\"${REGISTRY_URL}jsonwebtoken/-/jsonwebtoken-9.0.2.tgz\"}"
build_tgz "$NAME" "$T/b5"
stage_as_stager "$TGZ"
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" "a bundled sh above a dependency npm installs below the package"
contains "$OUT" "FAIL bin.shadow: package/node_modules/x/package.json: bundled package node_modules/x: bin 'sh' $SHADOWS sh"
contains "$OUT" "it has dependencies it does not bundle"
pass "a bundled bin sh in a package with a dependency it does not bundle is refused before the gate"

NAME=atk-bonly-$SUFFIX
bundled_sh "$NAME" "$T/b6" '"x":"1.0.0"' ''
build_tgz "$NAME" "$T/b6"
stage_as_stager "$TGZ"
approve_as_a1 0 "$ID"
contains "$OUT" "is live"
contains "$OUT" "WARN bin.shadow: package/node_modules/x/package.json: bundled package node_modules/x: bin 'sh' $SHADOWS sh"
pass "with every dependency bundled and no install code, the bundled bin sh is a warning"
