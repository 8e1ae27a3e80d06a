#!/bin/bash
# Guarantee attacked: the approver sees exactly what they approve. A package whose
# install script is 30 newlines and a fake "Approve left-pad@1.3.1" header, with
# terminal escapes (clear screen, cursor moves), \r, U+2028 and bidi overrides in its
# scripts, description and dependency names (allow_install_scripts = yes, so the
# script is only a warning), cannot draw a header line or control the terminal:
# everything npm-release approve prints (its own output and the PAM conversation)
# has no raw control character, and no line but the genuine one starts like a
# header; package text is quoted on "  | " lines.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

# The audit would fail a tree without a lockfile (and show the dependency names in
# the failing run, which is checked too); with it off the approval is reached.
write_conf "[scope @forge/*]
approvers = $A1 $A2
allow_install_scripts = yes"

# The hostile manifest, written by python (JSON escapes for every control).
DIR=$T/pkg-forge
fixture_package "$DIR" @forge/demo 1.0.0
python3 - "$DIR/package.json" <<'PY'
import json, sys
fake = "\n" * 30 + "Approve left-pad@1.3.1 (dist-tag latest, staged by ci)\n  integrity sha512-AAAA"
hostile = ("\r\x1b[2J\x1b[H\x1b[5A\x1b]0;title\x07\u2028Approve left-pad@1.3.1"
           "\u202e\u2066\x85\u2029")
m = json.load(open(sys.argv[1]))
m["scripts"] = {"postinstall": fake + hostile, "preinstall": hostile + fake}
m["description"] = fake + hostile
m["dependencies"] = {"left-pad" + hostile: "1.0.0", fake: "1.0.0"}
json.dump(m, open(sys.argv[1], "w"))
PY
(cd "$DIR" && npm pack --pack-destination "$DIR" >/dev/null 2>&1) || fail "npm pack"
TGZ=$(ls "$DIR"/*.tgz)
chmod 0755 "$DIR" && chmod 0644 "$TGZ"
expect_status 0 nr stage "$TGZ"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
[ -n "$ID" ] || fail "stage printed no id"
check_screen() { # FILE: what approve printed (its output and the PAM conversation)
	python3 - "$1" <<'PY' || attack_succeeded "the approver's screen was forged ($1)"
import re, sys
data = open(sys.argv[1], "rb").read()
bad = re.search(rb"[\x00-\x08\x0b-\x1f\x7f]|\xc2[\x80-\x9f]|\xe2\x80[\xa8-\xae]|\xe2\x81[\xa6-\xa9]", data)
if bad:
    sys.exit("raw control or bidi bytes %r at offset %d" % (bad.group(), bad.start()))
headers = [l for l in data.split(b"\n") if re.match(rb"\s*(Approve|REJECT)\b", l)]
genuine = [l for l in headers if l.startswith(b"Approve @forge/demo@1.0.0 (dist-tag ")]
if len(headers) != len(genuine) or len(genuine) > 1:
    sys.exit("lines that start like a header: %r" % headers)
PY
}

# 1. With the audit on, the tree fails (no lockfile): the failing report, with the
#    hostile dependency names in it, is what the approver sees.
code "$S1"
printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$ID" > "$T/approve1.out" 2>&1 && fail "approve passed a tree without a lockfile"
sed 's/^/    | /' "$T/approve1.out" | cat -v
grep -q "not audited" "$T/approve1.out" || fail "the unaudited dependencies were not listed"
check_screen "$T/approve1.out"
pass "the check report (scripts, dependency names) is shown escaped, one line each"

# 2. Audit off: the approval summary and the factor prompt are reached.
write_conf "[scope @forge/*]
approvers = $A1 $A2
allow_install_scripts = yes
audit_level = none"
code "$S1"
rc=0
printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$ID" > "$T/approve2.out" 2>&1 || rc=$?
sed 's/^/    | /' "$T/approve2.out" | cat -v
grep -q "^Approve @forge/demo@1.0.0 (dist-tag latest, staged by root)" "$T/approve2.out" ||
	fail "approve never reached the approval summary (exit $rc)"
grep -qE '^  [|] install-time script .postinstall.: ([\]n){30}Approve left-pad' "$T/approve2.out" ||
	attack_succeeded "the install script is not shown as one quoted line"
check_screen "$T/approve2.out"
pass "the approval summary quotes the package on '  | ' lines: no forged header (exit $rc)"
