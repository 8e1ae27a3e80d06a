#!/bin/bash
# Guarantee attacked: nothing is published without a passing check of the exact bytes,
# install-time code included. The stager builds (with tar, as npm pack may drop
# things) a package that bundles a dependency, rtevil, whose own package.json in the
# tarball's node_modules/ has a postinstall script: npm install of the package runs it.
# The checks must see that script, name it, and fail before the approver is prompted;
# nothing goes live. A nested, scoped bundled package with an install script and a
# bundled binding.gyp (node-gyp rebuild at install) are refused the same way.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

build_bundling() { # NAME DIR -> TGZ: DIR/package is the package; tar of it, npm's layout
	TGZ="$T/$(printf '%s' "$1" | tr -c 'a-z0-9.\n-' '_').tgz"
	tar -czf "$TGZ" --owner=0 --group=0 --numeric-owner -C "$2" package || fail "tar $1"
	chmod 0644 "$TGZ"
}
stage_tgz() { # TGZ -> ID
	expect_status 0 nr stage "$1"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
approve_refused() { # ID NAME WANT...: the approve fails before the prompt, naming each WANT
	local id=$1 name=$2 rc=0 want
	shift 2
	code "$S1"
	OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$id" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	packument_has "$name" 1.0.0 2>/dev/null && attack_succeeded "$name@1.0.0 with bundled install-time code is live"
	case "$OUT" in *"is live"*) attack_succeeded "approve of $name says it is live" ;; esac
	case "$OUT" in *"Verification code"*|*"Approve "*) attack_succeeded "the approver was prompted for $name" ;; esac
	[ "$rc" != 0 ] || attack_succeeded "approve of $name exited 0"
	for want in "$@"; do contains "$OUT" "$want"; done
}

# The red team's package: dependencies and bundleDependencies name rtevil.
NAME=atk-bundled-$SUFFIX
W=$T/bundle1
mkdir -p "$W/package/node_modules/rtevil"
printf '{"name":"%s","version":"1.0.0","main":"index.js","license":"MIT",'\
'"dependencies":{"rtevil":"1.0.0"},"bundleDependencies":["rtevil"]}\n' "$NAME" \
	> "$W/package/package.json"
echo 'module.exports = require("rtevil");' > "$W/package/index.js"
printf '{"name":"rtevil","version":"1.0.0","scripts":{"postinstall":"node -e \\"require(%s).writeFileSync(%s,%s)\\""}}\n' \
	"'fs'" "'/tmp/rtevil-ran'" "'x'" > "$W/package/node_modules/rtevil/package.json"
echo 'module.exports = 1;' > "$W/package/node_modules/rtevil/index.js"
shrinkwrap_bundling "$W" "$NAME" node_modules/rtevil
build_bundling "$NAME" "$W"
tar -tzf "$TGZ" | grep -cx 'package/node_modules/rtevil/package.json' >/dev/null || fail "tar left out the bundled package"
stage_tgz "$TGZ"
approve_refused "$ID" "$NAME" "install.script" "node_modules/rtevil" "postinstall" "writeFileSync"
pass "a bundled dependency's postinstall is named and refused; nothing is live"

# Deeper: node_modules/@s/a/node_modules/@t/b with an install script, and a bundled
# package whose binding.gyp makes npm run node-gyp rebuild.
NAME=atk-bundled-deep-$SUFFIX
W=$T/bundle2
mkdir -p "$W/package/node_modules/@s/a/node_modules/@t/b" "$W/package/node_modules/native"
printf '{"name":"%s","version":"1.0.0","main":"index.js","license":"MIT",'\
'"dependencies":{"@s/a":"1.0.0","native":"1.0.0"},"bundleDependencies":["@s/a","native"]}\n' \
	"$NAME" > "$W/package/package.json"
echo 'module.exports = 2;' > "$W/package/index.js"
echo '{"name":"@s/a","version":"1.0.0","dependencies":{"@t/b":"1.0.0"}}' \
	> "$W/package/node_modules/@s/a/package.json"
echo '{"name":"@t/b","version":"1.0.0","scripts":{"install":"sh ./deep-evil.sh"}}' \
	> "$W/package/node_modules/@s/a/node_modules/@t/b/package.json"
echo '{"name":"native","version":"1.0.0"}' > "$W/package/node_modules/native/package.json"
echo '{"targets":[{"target_name":"native","sources":["a.c"]}]}' \
	> "$W/package/node_modules/native/binding.gyp"
shrinkwrap_bundling "$W" "$NAME" node_modules/@s/a node_modules/native
build_bundling "$NAME" "$W"
stage_tgz "$TGZ"
approve_refused "$ID" "$NAME" "node_modules/@s/a/node_modules/@t/b" "sh ./deep-evil.sh" \
	"install.binding-gyp" "node_modules/native"
pass "a nested scoped bundled install script and a bundled binding.gyp are named and refused"
