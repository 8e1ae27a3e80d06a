#!/bin/bash
# The version document npm-release publishes, against the one the real npm CLI
# publishes for the same tarball (npm publish TARBALL, to a second Verdaccio): both
# as the registry then serves them to npm clients (full and abbreviated metadata).
# They must be equal but for what the publishing client and the registry stamp on
# (the _npm*/_node* keys, the tarball URL's host) and "_hasShrinkwrap": npm 7-11
# install a dependency's own npm-shrinkwrap.json only when the version document says
# "_hasShrinkwrap": true; npm publish never sends it (it drops every "_" key of
# package.json) and leaves it to the registry, which Verdaccio does not fill in. The
# audit checks the tarball's shrinkwrap, so npm-release says true for a tarball that
# holds one, and sends none otherwise, exactly as npm publish, whatever package.json
# says.
. "$SRCDIR/tests/e2e/common.sh"

e2e_registry_users
# the npm CLI's registry: a second Verdaccio, its own releasebot without 2FA
R1_URL=$REGISTRY_URL R1_PID=$REGISTRY_PID R1_DIR=$REGISTRY_DIR
registry_start "$E2E_DIR/registry-npm" || fail "second registry did not start"
R2_URL=$REGISTRY_URL R2_PID=$REGISTRY_PID
NPM_TOKEN=$(registry_adduser releasebot pw-npmcli-e2e-1) || fail "adduser on the npm CLI's registry"
registry_npmrc "$E2E_DIR/npmcli.npmrc" "$NPM_TOKEN"
REGISTRY_URL=$R1_URL REGISTRY_PID=$R1_PID REGISTRY_DIR=$R1_DIR
trap 'kill "$R2_PID" 2>/dev/null; wait "$R2_PID" 2>/dev/null; e2e_cleanup' EXIT
e2e_host local

# NAME SHRINKWRAP(yes|no) [EXTRA_JSON] -> $E2E_DIR/NAME.tgz, built with tar from the
# scope's source checkout (npm pack never packs npm-shrinkwrap.json)
build() {
	local d deps=''
	d=$(source_dir "$1" 1.0.0)
	[ "$2" = yes ] && deps=',"dependencies":{"jsonwebtoken":"^9.0.0"}'
	fixture_package "$d" "$1" 1.0.0 "$deps${3:-}"
	[ "$2" = yes ] && printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{"jsonwebtoken":"^9.0.0"}},"node_modules/jsonwebtoken":{"version":"9.0.2"}}}\n' \
		"$1" "$1" > "$d/npm-shrinkwrap.json"
	tar -C "$d" --transform 's,^\.,package,' --owner=0 --group=0 --numeric-owner \
		-czf "$E2E_DIR/$1.tgz" . || fail "tar $1"
	chmod 0644 "$E2E_DIR/$1.tgz"
}

# NAME: published by npm-release (approve) to the first registry, by npm publish to the second
publish_both() {
	expect_status 0 nr stage "$E2E_DIR/$1.tgz"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
	approver_code
	expect_status 0 with_input "$CODE" nr approve "$ID"
	contains "$OUT" "is live"
	APPROVED=$OUT
	expect_status 0 npm publish "$E2E_DIR/$1.tgz" --userconfig "$E2E_DIR/npmcli.npmrc" \
		--registry "$R2_URL" --tag latest --provenance=false
}

# NAME WANT_HASSHRINKWRAP(true|absent): compares both registries' documents
compare() {
	node - "$1" "$2" "$R1_URL" "$R2_URL" <<'JS' || fail "$1: the version documents differ"
const [name, want, ours, npms] = process.argv.slice(2)
// stamped by the publishing client or the registry, not read by npm when installing
const stamped = ['_npmUser', '_npmVersion', '_nodeVersion', '_npmOperationalInternal',
  '_resolved', '_integrity', '_from', 'maintainers', 'contributors', 'readme', 'readmeFilename']
const get = async (base, accept) => (await fetch(base + name, { headers: { accept } })).json()
const differ = new Set()
const norm = (v, base, other) => {
  const o = JSON.parse(JSON.stringify(v))
  for (const k of stamped) {
    if (JSON.stringify(o[k]) !== JSON.stringify(other[k])) differ.add(k)
    delete o[k]
  }
  if (o.dist && o.dist.tarball) o.dist.tarball = o.dist.tarball.replace(new URL(base).host, 'REGISTRY')
  return o
}
const sorted = (o) => JSON.stringify(o, (k, v) => v && typeof v === 'object' && !Array.isArray(v)
  ? Object.fromEntries(Object.entries(v).sort()) : v)
;(async () => {
  let bad = 0
  for (const accept of ['application/json', 'application/vnd.npm.install-v1+json']) {
    const ra = (await get(ours, accept)).versions['1.0.0']
    const rb = (await get(npms, accept)).versions['1.0.0']
    const a = norm(ra, ours, rb)
    const b = norm(rb, npms, ra)
    const has = a._hasShrinkwrap
    if ('_hasShrinkwrap' in b) { console.error(`npm publish sent _hasShrinkwrap=${b._hasShrinkwrap}`); bad++ }
    if (want === 'absent' ? '_hasShrinkwrap' in a : has !== true) {
      console.error(`${accept}: ours says _hasShrinkwrap=${has}, wanted ${want}`); bad++
    }
    delete a._hasShrinkwrap
    if (sorted(a) !== sorted(b)) {
      console.error(`${accept}:\n  ours ${sorted(a)}\n  npm  ${sorted(b)}`); bad++
    }
    console.log(`${name} (${accept}): equal but _hasShrinkwrap (ours ${has}, npm's absent)` +
      ` and stamped keys [${[...differ]}]`)
  }
  process.exit(bad ? 1 : 0)
})()
JS
}

build e2e-sw-plain no
publish_both e2e-sw-plain
compare e2e-sw-plain absent
pass "no shrinkwrap: the same version document as npm publish, no _hasShrinkwrap"

build e2e-sw-locked yes
publish_both e2e-sw-locked
compare e2e-sw-locked true
pass "a tarball with npm-shrinkwrap.json: _hasShrinkwrap true, the rest as npm publish"

# package.json's own word is not taken, either way
build e2e-sw-saysno yes ',"_hasShrinkwrap":false'
publish_both e2e-sw-saysno
compare e2e-sw-saysno true
build e2e-sw-saysyes no ',"_hasShrinkwrap":true'
publish_both e2e-sw-saysyes
compare e2e-sw-saysyes absent
pass "package.json's _hasShrinkwrap is ignored: the tarball decides"

# "_" keys are not the publisher's to set (npm publish drops them): a package.json
# claiming to be published by someone else, or carrying a key of its own with a
# leading "_", publishes the document npm publish would; "deprecated", which npm
# publish keeps, is kept too, and the approver was shown it; so is "gitHead", a
# commit nothing verified
build e2e-sw-keys no ',"_npmUser":{"name":"npm","email":"npm@example.invalid"},"_custom":"x","deprecated":"use evil instead","gitHead":"0badc0de0badc0de0badc0de0badc0de0badc0de"'
publish_both e2e-sw-keys
compare e2e-sw-keys absent
ours=$(curl -fsS "${REGISTRY_URL}e2e-sw-keys")
grep -q '"_custom"' <<<"$ours" && fail "a \"_\" key of package.json was published"
grep -q 'npm@example.invalid' <<<"$ours" && fail "package.json's _npmUser was published"
grep -q 'use evil instead' <<<"$APPROVED" || fail "the approver was not shown package.json's deprecated"
grep -q 'gitHead.*0badc0de0badc0de0badc0de0badc0de0badc0de' <<<"$APPROVED" ||
	fail "the approver was not shown package.json's gitHead"
pass "\"_\" keys of package.json are dropped, as npm publish drops them; deprecated and gitHead are kept and shown"
