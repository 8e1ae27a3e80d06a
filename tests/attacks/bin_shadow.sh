#!/bin/bash
# Guarantee attacked: a release cannot quietly take over a system command on every
# dependent's machine. npm links each dependency's bins into node_modules/.bin, first
# on PATH for the lifecycle scripts of every package that depends on it, so a bin
# named "sh" or "node" runs instead of the real command (and "#!/usr/bin/env node"
# finds it). A stager releases a package whose bin is named after a system command
# (plainly, or spelled "x/node" that npm links as "node"): refused before the approver
# is prompted, unless the package is that command's own (the package "node" linking
# "node"), which reaches the gate with the warning on its own line; and every bin
# change is named in the approver's summary.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

refused_before_gate() { # NAME VERSION WHAT
	case "$OUT" in *"is live"*) attack_succeeded "$3: approve says $1@$2 is live" ;; esac
	case "$OUT" in *"Verification code"*|*"Approve $1"*) attack_succeeded "$3: the approver was prompted" ;; esac
	packument_has "$1" "$2" 2>/dev/null && attack_succeeded "$3: $1@$2 is live"
	return 0
}
SHADOWS="shadows the system command"

# 1. A stranger's first version links "sh".
NAME=atk-binsh-$SUFFIX
stage_local "$NAME" 1.0.0 ',"bin":{"sh":"index.js"}'
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" 1.0.0 "a new package's bin sh"
contains "$OUT" "FAIL bin.shadow: package/package.json: bin 'sh' $SHADOWS sh for every package that depends on this one"
pass "a new package whose bin is named sh is refused before the gate"

# 2. A live package adds "node" in a later version, spelled so that only npm's
# normalisation makes it "node".
NAME=atk-bin-$SUFFIX
stage_local "$NAME" 1.0.0 ",\"bin\":{\"$NAME\":\"index.js\"}"
approve_as_a1 0 "$ID"
contains "$OUT" "is live"
stage_local "$NAME" 1.0.1 ",\"bin\":{\"$NAME\":\"index.js\",\"x/node\":\"index.js\"}"
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" 1.0.1 "a bin x/node added to a live package"
contains "$OUT" "WARN bin.name: package/package.json: bin 'x/node' is linked by npm as 'node'"
contains "$OUT" "FAIL bin.shadow: package/package.json: bin 'node' $SHADOWS node"
contains "$OUT" "new since the previous version"
pass "a bin that npm links as node, added to a live package, is refused before the gate"

# 3. The command's own package (the real package "node" does this): it reaches the
# gate with the warning on its own line, and goes live.
stage_local node 1.0.0 ',"bin":{"node":"index.js"}'
approve_as_a1 0 "$ID"
contains "$OUT" "WARN bin.shadow: package/package.json: bin 'node' $SHADOWS node for every package that depends on this one"
contains "$OUT" "is live"
pass "the package node linking node is warned about on its own line and may go live"

# 4. Its next version also takes "npm": not its command, new: refused.
stage_local node 1.0.1 ',"bin":{"node":"index.js","npm":"index.js"}'
approve_as_a1 1 "$ID"
refused_before_gate node 1.0.1 "the package node adding a bin npm"
contains "$OUT" "FAIL bin.shadow: package/package.json: bin 'npm' $SHADOWS npm"
pass "a command's own package cannot take another command"

# 5. A bin change is named in the approver's summary (not just "bin changed").
pack_pkg node 1.0.2 ',"bin":{"node":"lib/cli.js","node-helper":"index.js"}'
mkdir -p "$DIR/lib" && cp "$DIR/index.js" "$DIR/lib/cli.js" && rm -f "$TGZ"
(cd "$DIR" && npm pack --pack-destination "$DIR.pack" >/dev/null 2>&1) || fail "npm pack node"
TGZ=$(ls "$DIR.pack"/*.tgz) && chmod 0644 "$TGZ"
expect_status 0 nr stage "$TGZ"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
approve_as_a1 0 "$ID"
contains "$OUT" "; bin +'node-helper' ~'node'"
contains "$OUT" "bin changed: node index.js -> lib/cli.js"
contains "$OUT" "is live"
pass "the approver's summary names each bin added, removed or retargeted"
