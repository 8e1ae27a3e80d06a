#!/bin/sh
# npm-release trust show over a configuration pinning the real trust material
# (copies of shared/provenance/trust): every Fulcio CA, Rekor log, CT log, TSA and
# registry key is listed with its window and its state now; an entry ending within
# 30 days and a kind with no entry valid now are warnings (exit 1); a pinned file
# others may write is refused as approve refuses it (exit 2). Running as the caller
# through the setuid helper: tests/attacks/trust_show.sh.
set -u
top=${srcdir:-.}
data="$top/tests/provenance/data"
nm="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}"
node="$nm/.bin/node"
helper=./helper/npm-release
mutate="$top/tests/provenance/mutate.js"
if [ ! -x "$node" ]; then
	echo "trust-show: $node missing; run 'npm ci' in tests/registry" >&2
	exit 1
fi
mkdir -p tests/provenance
tmp=$(mktemp -d "$PWD/tests/provenance/trust.XXXXXX") || exit 1
chmod 0755 "$tmp"
trap 'rm -rf "$tmp"' EXIT
failures=0
n=0
fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}
install -m 0644 "$data/trust/trusted_root.json" "$tmp/root.json"
install -m 0644 "$data/trust/npm-registry-keys.json" "$tmp/keys.json"
conf() { # ROOT KEYS (either may be empty: not set)
	{
		echo "[provenance]"
		[ -n "$1" ] && echo "trusted_root = $1"
		[ -n "$2" ] && echo "registry_keys = $2"
	} > "$tmp/npmstage.conf"
	chmod 0644 "$tmp/npmstage.conf"
}
# show EXPECTED_RC NAME [--json]: output into $tmp/NAME.out
show() {
	want=$1 name=$2
	shift 2
	n=$((n + 1))
	"$helper" -c "$tmp/npmstage.conf" trust show "$@" > "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, expected $want"
		cat "$tmp/$name.err" "$tmp/$name.out" >&2
	fi
}
# js NAME EXPRESSION: EXPRESSION over the JSON report r is true
js() {
	n=$((n + 1))
	"$node" -e 'const r = JSON.parse(require("fs").readFileSync(process.argv[1]));
		const k = (l) => l.map((e) => e.name + " " + e.id + " " + e.status).join("\n")
		if (!('"$2"')) { console.error(JSON.stringify(r, null, 1)); process.exit(1) }' \
		"$tmp/$1.out" || fail "$1: $2"
}

# ---- the real material: everything listed, the old entries expired, no warning ----
conf "$tmp/root.json" "$tmp/keys.json"
show 0 real --json
js real 'r.trusted_root.path.endsWith("/root.json") && r.registry_keys.path.endsWith("/keys.json")'
js real 'r.trusted_root.certificate_authorities.length === 2 && r.trusted_root.tlogs.length === 2 &&
	r.trusted_root.ctlogs.length === 2 && r.trusted_root.timestamp_authorities.length === 1 &&
	r.registry_keys.keys.length === 4'
js real 'k(r.trusted_root.certificate_authorities) === "https://fulcio.sigstore.dev O=sigstore.dev CN=sigstore expired\nhttps://fulcio.sigstore.dev O=sigstore.dev CN=sigstore-intermediate valid"'
js real 'r.trusted_root.certificate_authorities[0].end === "2022-12-31T23:59:59Z" &&
	r.trusted_root.certificate_authorities[1].end === null &&
	r.trusted_root.certificate_authorities[1].certificate_end === "2031-10-05T13:56:58Z"'
js real 'k(r.trusted_root.tlogs) === "https://rekor.sigstore.dev wNI9atQGlz+VWfO6LRygH4QUfY/8W4RFwiT5i5WRgB0= valid\nhttps://log2025-1.rekor.sigstore.dev zxGZFVvd0FEmjR8WrFwMdcAJ9vtaY/QXf44Y1wUeP6A= valid"'
js real 'k(r.trusted_root.ctlogs) === "https://ctfe.sigstore.dev/test CGCS8ChS/2hF0dFrJ4ScRWcYrBY9wzjSbea8IgY2b3I= expired\nhttps://ctfe.sigstore.dev/2022 3T0wasbHETJjGR4cmWc3AqJKXrjePK3/h4pygC8p7o4= valid"'
js real 'k(r.trusted_root.timestamp_authorities) === "https://timestamp.sigstore.dev/api/v1/timestamp O=sigstore.dev CN=sigstore-tsa valid" &&
	r.trusted_root.timestamp_authorities[0].start === "2025-07-04T00:00:00Z"'
js real 'k(r.registry_keys.keys) === [
	"SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA npm:signatures expired",
	"SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA npm:attestations expired",
	"SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U npm:signatures valid",
	"SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U npm:attestations valid"].join("\n")'
js real 'r.registry_keys.keys[0].start === "1999-01-01T00:00:00Z" && r.registry_keys.keys[0].end === "2025-01-29T00:00:00Z"'
js real 'r.warnings.length === 0'
show 0 real_human
n=$((n + 1))
grep -q '^  expired *registry key *SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA  npm:signatures$' "$tmp/real_human.out" &&
	grep -q '^      valid 1999-01-01T00:00:00Z \.\. 2025-01-29T00:00:00Z$' "$tmp/real_human.out" &&
	grep -q '^  valid *Fulcio CA *https://fulcio.sigstore.dev  O=sigstore.dev CN=sigstore-intermediate$' "$tmp/real_human.out" &&
	grep -q '^      valid 2022-04-13T20:06:15Z \.\. open, certificate until 2031-10-05T13:56:58Z$' "$tmp/real_human.out" &&
	! grep -q '^warning' "$tmp/real_human.out" ||
	{ fail "human output"; cat "$tmp/real_human.out" >&2; }

# ---- a registry key ending in 10 days: a warning naming it ----
soon=$("$node" -e 'console.log(new Date(Date.now() + 10 * 86400e3).toISOString())')
"$node" "$mutate" "$tmp/keys.json" "$tmp/soon.json" set keys.2.publicKey.validFor.end "\"$soon\""
chmod 0644 "$tmp/soon.json"
conf "$tmp/root.json" "$tmp/soon.json"
show 1 soon --json
js soon 'r.registry_keys.keys[2].status === "expires-soon" && r.registry_keys.keys[3].status === "valid"'
js soon 'r.warnings.length === 1 && /^registry key SHA256:DhQ8wR5APBvFHLF\/\+Tc\+AYvPOdTpcIDqOhxsBHRwC7U expires 20..-..-..T..:..:..Z, in (10|11) day\(s\)$/.test(r.warnings[0])'
show 1 soon_human
n=$((n + 1))
grep -q '^  expires-soon  registry key   SHA256:DhQ8' "$tmp/soon_human.out" &&
	grep -q '^warning: registry key SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U expires ' "$tmp/soon_human.out" ||
	{ fail "soon human output"; cat "$tmp/soon_human.out" >&2; }

# ---- no signing key valid now, no Fulcio CA valid now: warnings ----
"$node" "$mutate" "$tmp/keys.json" "$tmp/old.json" set keys.2.publicKey.validFor.end '"2026-01-01T00:00:00.000Z"'
"$node" "$mutate" "$tmp/root.json" "$tmp/oldca.json" set certificateAuthorities.1.validFor.end '"2026-01-01T00:00:00Z"'
chmod 0644 "$tmp/old.json" "$tmp/oldca.json"
conf "$tmp/oldca.json" "$tmp/old.json"
show 1 none --json
js none 'r.registry_keys.keys[2].status === "expired" && r.trusted_root.certificate_authorities[1].status === "expired"'
js none 'r.warnings.join("|") === "no Fulcio CA is valid now|no registry key for npm:signatures is valid now"'
# a log not valid yet: listed as such; no registry_keys set: null
"$node" "$mutate" "$tmp/root.json" "$tmp/notyet.json" set tlogs.1.publicKey.validFor.start '"2099-01-01T00:00:00Z"'
chmod 0644 "$tmp/notyet.json"
conf "$tmp/notyet.json" ""
show 0 notyet --json
js notyet 'r.trusted_root.tlogs[1].status === "not-yet-valid" && r.registry_keys === null && r.warnings.length === 0'

# ---- nothing pinned ----
conf "" ""
show 0 unset
n=$((n + 1))
grep -q '^\[provenance\] trusted_root: not set$' "$tmp/unset.out" &&
	grep -q '^\[provenance\] registry_keys: not set$' "$tmp/unset.out" || fail "unset output"

# ---- pinned files are checked as approve checks them ----
chmod 0666 "$tmp/keys.json"
conf "$tmp/root.json" "$tmp/keys.json"
show 2 writable
n=$((n + 1))
grep -q '\[provenance\] registry_keys: .*keys.json: mode 0666 is too open' "$tmp/writable.err" ||
	{ fail "writable: reason"; cat "$tmp/writable.err" >&2; }
[ -s "$tmp/writable.out" ] && fail "writable: printed a report"
chmod 0644 "$tmp/keys.json"
printf '{"keys": [' > "$tmp/broken.json"
conf "$tmp/broken.json" ""
show 2 broken
n=$((n + 1))
grep -q '\[provenance\] trusted_root: .*broken.json: not JSON' "$tmp/broken.err" || fail "broken: reason"
"$node" "$mutate" "$tmp/root.json" "$tmp/badtsa.json" set timestampAuthorities.0.certChain.certificates '[]'
chmod 0644 "$tmp/badtsa.json"
conf "$tmp/badtsa.json" ""
show 2 badtsa
n=$((n + 1))
grep -q 'timestampAuthorities 0 has no certificate chain' "$tmp/badtsa.err" || fail "badtsa: reason"

# ---- usage ----
for args in "" "list" "show --bogus" "show --json extra"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	"$helper" -c "$tmp/npmstage.conf" trust $args > /dev/null 2>&1
	[ $? -eq 2 ] || fail "usage '$args': not exit 2"
done

echo "trust-show: $n checks, $failures failures"
[ "$failures" -eq 0 ]
