#!/bin/bash
# audit --signatures against Verdaccio on 127.0.0.1: every registry dependency of a
# lockfile has its full packument fetched and its dist.signatures verified with the
# pinned registry keys. Verdaccio signs nothing, so the versions are published with
# signatures made here (tests/e2e/signed-publish.js) by a test key pair whose public
# key is pinned, and by keys that are not: a good signature passes; a bad one, an
# unknown keyid, a key expired at the publish time, a missing signature where the
# registry signs others, and a version the registry does not have fail, each named;
# a tree the registry signs none of is reported "unsigned", by name.
. "$SRCDIR/tests/e2e/common.sh"

NR="$BUILDDIR/helper/npm-release"
SIGNED="$SRCDIR/tests/e2e/signed-publish.js"
registry_start "$E2E_DIR/registry" || fail "registry did not start"
TOKEN=$(registry_adduser releasebot pw-release-sig-1) || fail "adduser releasebot"
mkdir "$E2E_DIR/keys"
node "$SIGNED" keys "$E2E_DIR/keys" || fail "test keys"
KEYS="$E2E_DIR/keys/registry-keys.json"
chmod 0644 "$KEYS"

# NAME MODE: NAME@1.0.0 published with a MODE signature (signed-publish.js)
publish() {
	local d="$E2E_DIR/pkg/$1"
	mkdir -p "$d/package"
	printf '{"name":"%s","version":"1.0.0"}\n' "$1" > "$d/package/package.json"
	tar -C "$d" -czf "$d/p.tgz" package || fail "tar $1"
	node "$SIGNED" publish "$REGISTRY_URL" "$TOKEN" "$E2E_DIR/keys" "$d/p.tgz" "$1" "$2" ||
		fail "publish $1"
}
publish sig-good good
publish @sigs/scoped good
publish sig-bad bad
publish sig-unknown unknown
publish sig-expired expired
publish sig-none none
publish sig-none-too none

# lockfile FILE NAME...: a v3 lockfile installing NAME@1.0.0 from the registry
lockfile() {
	local f=$1
	shift
	node - "$f" "$REGISTRY_URL" "$@" <<'JS'
const [f, url, ...names] = process.argv.slice(2)
const root = { name: 'app', version: '1.0.0', dependencies: {} }
const packages = { '': root }
for (const n of names) {
  root.dependencies[n] = '1.0.0'
  packages['node_modules/' + n] = { version: '1.0.0',
    resolved: new URL(`${n}/-/${n.split('/').pop()}-1.0.0.tgz`, url).toString() }
}
// a git dependency: nothing the registry signs, so not asked for
root.dependencies.gitdep = 'github:acme/gitdep'
packages['node_modules/gitdep'] = { version: '1.0.0', resolved: 'git+ssh://git@127.0.0.1/acme/gitdep.git#0123456789abcdef0123456789abcdef01234567' }
require('fs').writeFileSync(f, JSON.stringify({ name: 'app', version: '1.0.0', lockfileVersion: 3, requires: true, packages }))
JS
}
# js EXPRESSION: true of the last --json report in $OUT
js() {
	node -e 'const r = JSON.parse(process.argv[1]); const p = (n) => r.packages.find((e) => e.name === n)
		if (!('"$1"')) { console.error(JSON.stringify(r, null, 1)); process.exit(1) }' "$OUT" ||
		fail "report: $1"
}
audit() { "$NR" audit --signatures --registry "$REGISTRY_URL" --registry-keys "$KEYS" "$@"; }

# ---- one good, one bad, one unknown keyid, one expired key, one missing, one absent ----
lockfile "$E2E_DIR/mixed.json" sig-good @sigs/scoped sig-bad sig-unknown sig-expired sig-none sig-absent
expect_status 1 audit --json --lockfile "$E2E_DIR/mixed.json"
js 'r.result === "fail" && r.registry_signs === true && r.checked === 7 && r.verified === 2 && r.failed === 5 && r.unsigned === 0'
js 'r.packages.length === 7 && !p("gitdep")'
GOOD_ID=$(cat "$E2E_DIR/keys/pinned.keyid")
js 'p("sig-good").result === "pass" && p("sig-good").reason === null && p("sig-good").publish_time_known === true && p("sig-good").keyid === "'"$GOOD_ID"'"'
js 'p("@sigs/scoped").result === "pass"'
js 'p("sig-bad").result === "fail" && p("sig-bad").reason === "signature does not verify over <name>@<version>:<integrity>"'
js 'p("sig-unknown").result === "fail" && p("sig-unknown").reason === "no registry key with keyid '"$(cat "$E2E_DIR/keys/unknown.keyid")"'"'
js 'p("sig-expired").result === "fail" && /^registry key SHA256:\S+ was not valid at the publish time 20\d\d-\S+ \(valid - \.\. 2020-01-01T00:00:00Z\)$/.test(p("sig-expired").reason)'
js 'p("sig-none").result === "fail" && p("sig-none").reason === "no registry signature (dist.signatures missing or empty) where the registry signs others"'
js 'p("sig-absent").result === "fail" && p("sig-absent").reason === "the registry does not have it (404)"'
pass "good and scoped pass; bad, unknown keyid, expired key, missing and absent fail, each named"
expect_status 1 audit --lockfile "$E2E_DIR/mixed.json"
contains "$OUT" "ok       sig-good@1.0.0 signed by $GOOD_ID"
contains "$OUT" "FAIL     sig-bad@1.0.0: signature does not verify over <name>@<version>:<integrity>"
contains "$OUT" "FAIL     sig-unknown@1.0.0: no registry key with keyid"
contains "$OUT" "FAIL     sig-expired@1.0.0: registry key"
contains "$OUT" "FAIL     sig-none@1.0.0: no registry signature"
contains "$OUT" "registry signatures from $REGISTRY_URL: 7 checked, 2 verified, 5 failed, 0 unsigned"
pass "the human report names each package and its reason"

# ---- all signed and pinned: exit 0 ----
lockfile "$E2E_DIR/good.json" sig-good @sigs/scoped
expect_status 0 audit --json --lockfile "$E2E_DIR/good.json"
js 'r.result === "pass" && r.verified === 2 && r.failed === 0'
# the publish time matters: with the good key expired in 2020, the same signature fails
node -e 'const fs=require("fs");const k=JSON.parse(fs.readFileSync(process.argv[1]));k.keys[0].expires="2020-06-01T00:00:00.000Z";fs.writeFileSync(process.argv[2],JSON.stringify(k))' \
	"$KEYS" "$E2E_DIR/keys/good-expired.json"
expect_status 1 "$NR" audit --signatures --json --registry "$REGISTRY_URL" \
	--registry-keys "$E2E_DIR/keys/good-expired.json" --lockfile "$E2E_DIR/good.json"
js 'p("sig-good").result === "fail" && /was not valid at the publish time/.test(p("sig-good").reason)'
pass "an all-signed tree passes; the same signatures fail once their key expired before the publish time"

# ---- a tree the registry signs none of: unsigned, by name, exit 0 ----
lockfile "$E2E_DIR/unsigned.json" sig-none sig-none-too
expect_status 0 audit --json --lockfile "$E2E_DIR/unsigned.json"
js 'r.result === "unsigned" && r.registry_signs === false && r.unsigned === 2 && p("sig-none").result === "unsigned" && p("sig-none-too").result === "unsigned"'
expect_status 0 audit --lockfile "$E2E_DIR/unsigned.json"
contains "$OUT" "unsigned sig-none@1.0.0"
contains "$OUT" "unsigned sig-none-too@1.0.0"
contains "$OUT" "0 verified, 0 failed, 2 unsigned (the registry signs none of these versions)"
pass "versions of a registry that signs none of them are reported unsigned, by name"

# ---- registry and keys from the configuration ----
mkdir -m 0755 "$E2E_DIR/etc"
install -m 0644 "$KEYS" "$E2E_DIR/etc/registry-keys.json"
printf '[registry]\nurl = %s\nmode = local\n\n[provenance]\nregistry_keys = %s\n' "$REGISTRY_URL" \
	"$E2E_DIR/etc/registry-keys.json" > "$E2E_DIR/etc/npmstage.conf"
chmod 0644 "$E2E_DIR/etc/npmstage.conf"
expect_status 1 "$NR" -c "$E2E_DIR/etc/npmstage.conf" audit --signatures --json --lockfile "$E2E_DIR/mixed.json"
js 'r.verified === 2 && r.failed === 5 && p("sig-bad").result === "fail"'
chmod 0666 "$E2E_DIR/etc/registry-keys.json"
expect_status 2 "$NR" -c "$E2E_DIR/etc/npmstage.conf" audit --signatures --lockfile "$E2E_DIR/good.json"
contains "$OUT" "[provenance] registry_keys"
contains "$OUT" "is too open"
pass "the configured registry and pinned keys are used, and checked as approve checks them"

# ---- a registry that cannot be asked: each package fails, never "unsigned" ----
expect_status 1 "$NR" audit --signatures --json --registry http://127.0.0.1:1/ \
	--registry-keys "$KEYS" --lockfile "$E2E_DIR/good.json"
js 'r.result === "fail" && r.failed === 2 && /^cannot fetch its packument: /.test(p("sig-good").reason)'
pass "an unreachable registry fails every package, named"

# ---- usage ----
expect_status 2 audit --json
expect_status 2 audit --advisories "$SRCDIR/tests/audit/data/osv" --lockfile "$E2E_DIR/good.json"
expect_status 2 "$NR" audit --signatures --registry ftp://127.0.0.1/ --registry-keys "$KEYS" --lockfile "$E2E_DIR/good.json"
pass "usage errors exit 2"
