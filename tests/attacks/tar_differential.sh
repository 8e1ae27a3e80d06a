#!/bin/bash
# Guarantee attacked: nothing is published without a passing check of the exact bytes,
# as npm will read them. The checker reads a tarball with libarchive, npm installs it
# with node-tar; the stager crafts tarballs the two read differently, so that a
# binding.gyp (node-gyp runs it at npm install) or a bundled postinstall is seen by npm
# only: a pax path plus a GNU long name (each reader picks another), a pax record hidden
# inside a comment value by a newline (node-tar splits on newlines, libarchive by the
# stated lengths: a hidden path, a hidden size that turns data into a header), and names
# a case-insensitive file system (macOS, Windows) folds together (NODE_MODULES/,
# README.md + readme.md). Each must fail the checks, named, before the approver is
# prompted; nothing goes live.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

craft() { # VARIANT NAME -> TGZ (built byte by byte with the integrity tests' tarcraft)
	TGZ="$T/$1.tgz"
	PYTHONDONTWRITEBYTECODE=1 PYTHONPATH="$SRCDIR/tests/integrity" python3 - "$1" "$2" "$TGZ" <<'PY' || fail "craft $1"
import sys
from tarcraft import END, entry, gz, longname, manifest, pax, pax_records

variant, name, out = sys.argv[1:]
GYP = '{"targets":[{"target_name":"x","type":"none","actions":[]}]}'
EVIL = manifest(name="rtevil", scripts={"postinstall": "node -e \"require('fs').writeFileSync('/tmp/rtevil-ran','x')\""})
hidden_path = pax_records([("path", "package/binding.gyp")])[:-1].decode()
hidden_size = pax_records([("size", "0")])[:-1].decode()
pj = entry("package/package.json", manifest(name=name, license="MIT"))
idx = entry("package/index.js", "module.exports = 1;\n")
if variant == "pax-and-longname":
    body = pax([("path", "package/harmless.txt")]) + longname("package/binding.gyp") + \
        entry("package/C.txt", GYP)
elif variant == "comment-hides-path":
    body = pax(pax_records([("path", "package/harmless.txt"),
                            ("comment", "x\n" + hidden_path)])) + entry("package/C.txt", GYP)
elif variant == "comment-hides-size":
    body = pax(pax_records([("comment", "x\n" + hidden_size)])) + \
        entry("package/a.txt", entry("package/binding.gyp", GYP))
elif variant == "case-node-modules":
    pj = entry("package/package.json", manifest(name=name, license="MIT",
               dependencies={"rtevil": "1.0.0"}, bundleDependencies=["rtevil"]))
    # the shrinkwrap locks the bundled package, so the audit passes: only the case is left
    lock = ('{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":'
            '{"":{"name":"%s","version":"1.0.0","dependencies":{"rtevil":"1.0.0"}},'
            '"node_modules/rtevil":{"version":"1.0.0","inBundle":true}}}\n' % (name, name))
    body = entry("package/npm-shrinkwrap.json", lock) + \
        entry("package/NODE_MODULES/rtevil/package.json", EVIL)
elif variant == "case-collision":
    body = entry("package/README.md", "honest\n") + entry("package/readme.md", "other\n")
open(out, "wb").write(gz(pj + idx + body + END))
PY
	chmod 0644 "$TGZ"
}
attempt() { # VARIANT WANT...: stage it; the approve fails before the prompt naming WANTs
	local variant=$1 name=atk-tardiff-$1-$SUFFIX rc=0 want id
	shift
	craft "$variant" "$name"
	expect_status 0 nr stage "$TGZ"
	id=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$id" ] || fail "stage printed no id"
	code "$S1"
	OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$id" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	packument_has "$name" 1.0.0 2>/dev/null && attack_succeeded "$name@1.0.0 ($variant) is live"
	case "$OUT" in *"is live"*) attack_succeeded "approve of $variant says it is live" ;; esac
	case "$OUT" in *"Verification code"*|*"Approve "*) attack_succeeded "the approver was prompted for $variant" ;; esac
	[ "$rc" != 0 ] || attack_succeeded "approve of $variant exited 0"
	for want in "$@"; do contains "$OUT" "$want"; done
	pass "$variant: refused before the prompt"
}

attempt pax-and-longname "entry.path" "pax path and a GNU long name" "package/binding.gyp"
attempt comment-hides-path "tar.pax" "contains a newline"
attempt comment-hides-size "tar.pax" "contains a newline"
attempt case-node-modules "install.script" "node_modules/rtevil" "postinstall"
attempt case-collision "entry.case-collision" "package/readme.md"
