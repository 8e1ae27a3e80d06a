#!/bin/sh
# End-to-end tests of `npm-release provenance` and `npm-release signatures` over the
# real Sigstore bundles, npm attestations and registry signatures in
# tests/provenance/data (a copy of shared/provenance; its README says where each came
# from): every real set passes with its real identity, and one change to anything
# signed, to the tarball, the trust material or the policy fails with the reason named.
set -u
top=${srcdir:-.}
data="$top/tests/provenance/data"
nm="${NPMSTAGE_REGISTRY_MODULES:-$top/tests/registry/node_modules}"
node="$nm/.bin/node"
helper=./helper/npm-release
mutate="$top/tests/provenance/mutate.js"
expect="$top/tests/provenance/expect.js"
if [ ! -x "$node" ]; then
	echo "provenance-cli: $node missing; run 'npm ci' in tests/registry" >&2
	exit 1
fi
mkdir -p tests/provenance
tmp=$(mktemp -d "$PWD/tests/provenance/cli.XXXXXX") || exit 1
trap 'rm -rf "$tmp"' EXIT
failures=0
n=0
ROOT="$data/trust/trusted_root.json"
KEYS="$data/trust/npm-registry-keys.json"
GHA=https://token.actions.githubusercontent.com
SJS=https://github.com/sigstore/sigstore-js

fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}

# prov EXPECTED_RC NAME ATTESTATIONS TARBALL [FLAGS...]: --json report into $tmp/NAME.json
prov() {
	want=$1 name=$2 att=$3 tgz=$4
	shift 4
	n=$((n + 1))
	"$helper" provenance --json --trusted-root "$ROOT" --registry-keys "$KEYS" "$@" \
		"$att" "$tgz" > "$tmp/$name.json" 2> "$tmp/$name.err"
	rc=$?
	if [ "$rc" -ne "$want" ]; then
		fail "$name: exit $rc, expected $want"
		cat "$tmp/$name.err" "$tmp/$name.json" >&2
	fi
}

# check NAME ASSERTION...: see expect.js
check() {
	name=$1
	shift
	n=$((n + 1))
	"$node" "$expect" "$tmp/$name.json" "$@" || fail "$name: $*"
}

# neg NAME SOURCE TARBALL REASON OP PATH [ARG]: the source document with one change
# (mutate.js) fails with exit 1 and REASON in the report
neg() {
	name=$1 src=$2 tgz=$3 reason=$4
	shift 4
	if ! "$node" "$mutate" "$src" "$tmp/$name.in.json" "$@"; then
		fail "$name: mutate $*"
		return
	fi
	prov 1 "$name" "$tmp/$name.in.json" "$tgz" ${POLICY:-}
	check "$name" result fail
	check "$name" reason "$reason"
}

s500="$data/npm/sigstore@5.0.0"; t500="$s500/sigstore-5.0.0.tgz"
s231="$data/npm/sigstore@2.3.1"; t231="$s231/sigstore-2.3.1.tgz"
s220="$data/npm/sigstore@2.2.0"; t220="$s220/sigstore-2.2.0.tgz"
s180="$data/npm/sigstore@1.8.0"; t180="$s180/sigstore-1.8.0.tgz"
s100="$data/npm/sigstore@1.0.0"; t100="$s100/sigstore-1.0.0.tgz"
tuf="$data/npm/tuf-js@1.0.0"; ttuf="$tuf/tuf-js-1.0.0.tgz"
REL="--repository $SJS --workflow .github/workflows/release.yml --ref refs/heads/main --issuer $GHA"

# ---- every real set passes, with its identity ----
prov 0 p500 "$s500/attestations.json" "$t500" $REL
check p500 result pass
check p500 subject sigstore 5.0.0 849a897e81bf7b8a8541a6ae40bd3473a27a16b1cb0462ad905bd6dc96d34881053a12eb4a375233f81677fc9439f628fe0b0445e8535c60b5559597fbd5f80e
check p500 att 0 predicateType https://github.com/npm/attestation/tree/main/specs/publish/v0.1
check p500 att 0 san null
check p500 att 1 predicateType https://slsa.dev/provenance/v1
check p500 att 1 san "$SJS/.github/workflows/release.yml@refs/heads/main"
check p500 att 1 repository "$SJS"
check p500 att 1 workflow .github/workflows/release.yml
check p500 att 1 ref refs/heads/main
check p500 att 1 issuer "$GHA"
check p500 att 1 commit 7d2900eca1c22b3f87c13987c8d4b7c9a29b733a
check p500 shape
prov 0 p500b "$s500/provenance.sigstore.json" "$t500" $REL
check p500b att 0 commit 7d2900eca1c22b3f87c13987c8d4b7c9a29b733a
prov 0 p231 "$s231/attestations.json" "$t231" $REL
check p231 att 1 commit 46e7056ff9912ebfee5298d94024895a9fea76c0
prov 0 p220 "$s220/provenance.sigstore.json" "$t220" $REL
check p220 att 0 commit d9093d4b3b99d9ee446633ac7074e43cea78c727
prov 0 p180 "$s180/publish.sigstore.json" "$t180"
check p180 att 0 result pass
prov 0 p100 "$s100/attestations.json" "$t100" --repository "$SJS" \
	--workflow .github/workflows/publish.yml --ref 'refs/tags/v*' --issuer "$GHA"
check p100 att 0 san "$SJS/.github/workflows/publish.yml@refs/tags/v1.0.0"
check p100 att 0 commit 06528997c3c8ab9f864fad9a3658446aca7fd86d
prov 0 ptuf "$tuf/attestations.json" "$ttuf" \
	--repository https://github.com/theupdateframework/tuf-js \
	--workflow .github/workflows/publish.yml --ref refs/tags/v1.0.0 --issuer "$GHA"
check ptuf att 0 repository https://github.com/theupdateframework/tuf-js
check ptuf att 0 commit 99624cc7ce39872e6bd08a0df59229a48562dbca
# the human form names the identity
n=$((n + 1))
out=$("$helper" provenance --trusted-root "$ROOT" --registry-keys "$KEYS" \
	"$s500/attestations.json" "$t500" 2>&1) || fail "human: exit $?"
case $out in
*"repository $SJS workflow .github/workflows/release.yml ref refs/heads/main commit 7d2900eca1c2"*"provenance of sigstore@5.0.0: pass"*) ;;
*) fail "human output: $out" ;;
esac

# ---- one flipped bit in each signed field ----
A1=attestations.1.bundle           # sigstore@5.0.0: provenance, v0.3, dsse entry
E1=$A1.verificationMaterial.tlogEntries.0
neg env_sig "$s500/attestations.json" "$t500" "envelope signature does not verify" \
	flip-b64 $A1.dsseEnvelope.signatures.0.sig 12
neg payload "$s500/attestations.json" "$t500" "envelope signature does not verify" \
	flip-b64 $A1.dsseEnvelope.payload 300
neg pub_sig "$s500/attestations.json" "$t500" "envelope signature does not verify" \
	flip-b64 attestations.0.bundle.dsseEnvelope.signatures.0.sig -3
neg set "$s500/attestations.json" "$t500" "SET signature does not verify" \
	flip-b64 $E1.inclusionPromise.signedEntryTimestamp 20
neg itime "$s500/attestations.json" "$t500" "SET signature does not verify" \
	add-int $E1.integratedTime 1
neg logindex "$s500/attestations.json" "$t500" "SET signature does not verify" \
	add-int $E1.logIndex 1
neg body "$s500/attestations.json" "$t500" "SET signature does not verify" \
	flip-b64 $E1.canonicalizedBody 40
neg proof_hash "$s500/attestations.json" "$t500" "inclusion proof does not lead" \
	flip-b64 $E1.inclusionProof.hashes.3 7
neg proof_root "$s500/attestations.json" "$t500" "inclusion proof does not lead" \
	flip-b64 $E1.inclusionProof.rootHash 0
# (the path for size+1 can be the same: the checkpoint's signed size catches it)
neg proof_size "$s500/attestations.json" "$t500" "checkpoint tree size differs" \
	add-int $E1.inclusionProof.treeSize 1
neg proof_index "$s500/attestations.json" "$t500" "inclusion proof does not lead" \
	add-int $E1.inclusionProof.logIndex 1
neg checkpoint "$s500/attestations.json" "$t500" "checkpoint signature does not verify" \
	flip-text $E1.inclusionProof.checkpoint.envelope 30
neg checkpoint_sig "$s500/attestations.json" "$t500" "checkpoint signature does not verify" \
	flip-text $E1.inclusionProof.checkpoint.envelope -6
neg cert "$s500/attestations.json" "$t500" "certificate chain: not valid" \
	flip-b64 $A1.verificationMaterial.certificate.rawBytes 20
# intoto 0.0.2 entries (v0.1 SET only; v0.2 SET and proof)
neg set_v01 "$s100/attestations.json" "$t100" "SET signature does not verify" \
	flip-b64 attestations.0.bundle.verificationMaterial.tlogEntries.0.inclusionPromise.signedEntryTimestamp 30
neg itime_v01 "$s100/attestations.json" "$t100" "SET signature does not verify" \
	add-int attestations.0.bundle.verificationMaterial.tlogEntries.0.integratedTime -1
neg cert_v01 "$s100/attestations.json" "$t100" "certificate chain: not valid" \
	flip-b64 attestations.0.bundle.verificationMaterial.x509CertificateChain.certificates.0.rawBytes 20
neg proof_v02 "$s231/attestations.json" "$t231" "inclusion proof does not lead" \
	flip-b64 attestations.1.bundle.verificationMaterial.tlogEntries.0.inclusionProof.hashes.0 31
neg checkpoint_v02 "$s220/provenance.sigstore.json" "$t220" "checkpoint signature does not verify" \
	flip-text verificationMaterial.tlogEntries.0.inclusionProof.checkpoint.envelope 2

# ---- a valid log entry of another envelope (SET and proof verify; body does not match) ----
neg swap_dsse "$s500/attestations.json" "$t500" "entry body (dsse) signature differs" \
	copy $E1 attestations.0.bundle.verificationMaterial.tlogEntries.0
neg swap_intoto "$s100/attestations.json" "$t100" "entry body (intoto) signature differs" \
	copy attestations.0.bundle.verificationMaterial.tlogEntries.0 \
	attestations.1.bundle.verificationMaterial.tlogEntries.0

# ---- structure ----
neg no_proof_v02 "$s231/attestations.json" "$t231" "no inclusion proof with checkpoint" \
	set attestations.1.bundle.verificationMaterial.tlogEntries.0.inclusionProof null
neg no_set_v01 "$s180/publish.sigstore.json" "$t180" "no inclusion promise (SET), required by bundle v0.1" \
	set verificationMaterial.tlogEntries.0.inclusionPromise null
neg no_set_no_proof "$s100/attestations.json" "$t100" "neither an inclusion promise (SET) nor an inclusion proof" \
	set attestations.0.bundle.verificationMaterial.tlogEntries.0.inclusionPromise null
neg media "$s500/attestations.json" "$t500" "unknown mediaType" \
	set $A1.mediaType '"application/vnd.dev.sigstore.bundle+json;version=9"'
neg two_sigs "$s500/attestations.json" "$t500" "not exactly one signature" \
	copy $A1.dsseEnvelope.signatures.1 $A1.dsseEnvelope.signatures.0
neg ptype "$s500/attestations.json" "$t500" "predicateType differs" \
	set attestations.1.predicateType '"https://github.com/npm/attestation/tree/main/specs/publish/v0.1"'
neg hint "$s500/attestations.json" "$t500" "envelope keyid differs from the publicKey hint" \
	set attestations.0.bundle.verificationMaterial.publicKey.hint '"SHA256:jl3bwswu80PjjokCgh0o2w5c2U4LhQAE57gj9cz1kzA"'
neg empty "$s500/attestations.json" "$t500" "no attestation" set attestations '[]'

check env_sig shape
# text from the document reaches the terminal single-line and printable
# (a bad signature, so the document's own predicateType is what is shown)
"$node" "$mutate" "$s500/attestations.json" "$tmp/esc0.json" set attestations.1.predicateType \
	'"\u001b[2J\u001b]0;x\u0007\npass https://slsa.dev/provenance/v1"'
"$node" "$mutate" "$tmp/esc0.json" "$tmp/esc.json" flip-b64 $A1.dsseEnvelope.signatures.0.sig 12
n=$((n + 1))
"$helper" provenance --trusted-root "$ROOT" --registry-keys "$KEYS" "$tmp/esc.json" "$t500" \
	> "$tmp/esc.out" 2>&1
[ $? -eq 1 ] || fail "escape: not exit 1"
if grep -q "$(printf '\033')" "$tmp/esc.out" || grep -q '^pass https://slsa' "$tmp/esc.out" ||
	! grep -q '^fail \\x1b\[2J\\x1b\]0;x\\x07\\npass https://slsa.dev/provenance/v1: envelope signature does not verify' "$tmp/esc.out"; then
	fail "escape: control characters or a forged line reached the output"
	cat "$tmp/esc.out" >&2
fi

# ---- the tarball ----
# one byte changed: the gzip header's OS byte, so the tarball still unpacks
"$node" -e 'const fs=require("fs");const b=fs.readFileSync(process.argv[1]);b[9]^=1;fs.writeFileSync(process.argv[2],b)' \
	"$t500" "$tmp/byte.tgz"
prov 1 tgz_byte "$s500/attestations.json" "$tmp/byte.tgz"
check tgz_byte reason "subject sha512 is not the tarball's"
# the same bytes under another name
mkdir "$tmp/x" && tar -xzf "$t500" -C "$tmp/x" &&
	"$node" -e 'const fs=require("fs");const f=process.argv[1];const p=JSON.parse(fs.readFileSync(f));p.name="sigstore-evil";fs.writeFileSync(f,JSON.stringify(p))' \
	"$tmp/x/package/package.json" && tar -czf "$tmp/evil.tgz" -C "$tmp/x" package ||
	fail "repack"
prov 1 subject_name "$s500/attestations.json" "$tmp/evil.tgz"
check subject_name reason "subject name is not pkg:npm/sigstore-evil@5.0.0"
prov 1 subject_version "$s500/attestations.json" "$t231"
check subject_version reason "subject name is not pkg:npm/sigstore@2.3.1"

# ---- trust material ----
"$node" "$mutate" "$KEYS" "$tmp/expired.json" set keys.3.publicKey.validFor.end '"2026-01-01T00:00:00.000Z"'
KEYS="$tmp/expired.json" prov 1 key_expired "$s500/attestations.json" "$t500"
check key_expired reason "registry key SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U was not valid at the integrated time 2026-06-01"
"$node" "$mutate" "$KEYS" "$tmp/early.json" set keys.1.publicKey.validFor.start '"2023-03-01T00:00:00.000Z"'
KEYS="$tmp/early.json" prov 1 key_early "$s100/attestations.json" "$t100"
check key_early reason "was not valid at the integrated time 2023-02-09"
"$node" "$mutate" "$KEYS" "$tmp/sigonly.json" set keys.3.keyUsage '"npm:signatures"'
KEYS="$tmp/sigonly.json" prov 1 key_usage "$s500/attestations.json" "$t500"
check key_usage reason "no npm:attestations registry key with keyid SHA256:DhQ8"
"$node" "$mutate" "$ROOT" "$tmp/ca.json" set certificateAuthorities.1.validFor.end '"2024-01-01T00:00:00Z"'
ROOT="$tmp/ca.json" prov 1 ca_window "$s500/attestations.json" "$t500"
check ca_window reason "no Fulcio CA in the trusted root is valid at that time"
"$node" "$mutate" "$ROOT" "$tmp/ct.json" copy ctlogs.1.publicKey.rawBytes tlogs.0.publicKey.rawBytes
ROOT="$tmp/ct.json" prov 1 sct "$s500/attestations.json" "$t500"
check sct reason "no embedded SCT verifies"
"$node" "$mutate" "$ROOT" "$tmp/ctold.json" set ctlogs.1.publicKey.validFor.end '"2023-01-01T00:00:00Z"'
ROOT="$tmp/ctold.json" prov 1 sct_window "$s500/attestations.json" "$t500"
check sct_window reason "no embedded SCT verifies"
"$node" "$mutate" "$ROOT" "$tmp/rekor.json" flip-b64 tlogs.0.logId.keyId 0
ROOT="$tmp/rekor.json" prov 1 rekor_unknown "$s500/attestations.json" "$t500"
check rekor_unknown reason "the entry's log is not in the trusted root"
"$node" "$mutate" "$ROOT" "$tmp/rekorkey.json" copy tlogs.0.publicKey.rawBytes ctlogs.1.publicKey.rawBytes
ROOT="$tmp/rekorkey.json" prov 1 rekor_key "$s500/attestations.json" "$t500"
check rekor_key reason "SET signature does not verify"

# ---- the policy, one wrong field at a time ----
prov 1 policy_repository "$s500/attestations.json" "$t500" --repository https://github.com/acme/widgets \
	--workflow .github/workflows/release.yml --ref refs/heads/main --issuer "$GHA"
check policy_repository reason "policy: repository is $SJS, not https://github.com/acme/widgets"
prov 1 policy_workflow "$s500/attestations.json" "$t500" --repository "$SJS" \
	--workflow .github/workflows/other.yml --ref refs/heads/main --issuer "$GHA"
check policy_workflow reason "policy: workflow is .github/workflows/release.yml, not .github/workflows/other.yml"
prov 1 policy_ref "$s500/attestations.json" "$t500" --repository "$SJS" \
	--workflow .github/workflows/release.yml --ref 'refs/tags/v*' --issuer "$GHA"
check policy_ref reason "policy: ref is refs/heads/main, not matching refs/tags/v*"
prov 1 policy_issuer "$s500/attestations.json" "$t500" --repository "$SJS" \
	--workflow .github/workflows/release.yml --ref refs/heads/main --issuer https://gitlab.com
check policy_issuer reason "policy: issuer is $GHA, not https://gitlab.com"
# a repository whose URL is a prefix of the real one is another repository
prov 1 policy_prefix "$s500/attestations.json" "$t500" --repository https://github.com/sigstore/sigstore
check policy_prefix reason "policy: repository is"
prov 1 policy_ref_prefix "$s100/attestations.json" "$t100" --ref refs/tags/v1
check policy_ref_prefix reason "policy: ref is refs/tags/v1.0.0, not matching refs/tags/v1"
prov 1 policy_publish_only "$s180/publish.sigstore.json" "$t180" --repository "$SJS"
check policy_publish_only reason "no provenance attestation"

# ---- usage ----
for args in "" "$s500/attestations.json" "--bogus $s500/attestations.json $t500" \
	"--trusted-root"; do
	n=$((n + 1))
	# shellcheck disable=SC2086
	"$helper" provenance $args > /dev/null 2>&1
	[ $? -eq 2 ] || fail "usage '$args': not exit 2"
done
n=$((n + 1))
"$helper" provenance "$s500/attestations.json" "$t500" > /dev/null 2>&1
[ $? -eq 2 ] || fail "no --trusted-root: not exit 2"

# ---- registry signatures ----
sigs() {
	want=$1 name=$2
	shift 2
	n=$((n + 1))
	"$helper" signatures --json --registry-keys "${SKEYS:-$data/trust/npm-registry-keys.json}" \
		"$@" > "$tmp/$name.json" 2> "$tmp/$name.err"
	rc=$?
	[ "$rc" -eq "$want" ] || { fail "$name: exit $rc, expected $want"; cat "$tmp/$name.err" >&2; }
}
sigs 0 sig_all "$data/signatures.json"
check sig_all sigs 34
sig0=0
"$node" "$mutate" "$data/signatures.json" "$tmp/s_flip.json" flip-b64 $sig0.sig 40
sigs 1 sig_flip "$tmp/s_flip.json"
check sig_flip reason "signature does not verify"
"$node" "$mutate" "$data/signatures.json" "$tmp/s_int.json" flip-text 5.integrity 20
sigs 1 sig_integrity "$tmp/s_int.json"
"$node" "$mutate" "$data/signatures.json" "$tmp/s_ver.json" set 5.version '"9.9.9"'
sigs 1 sig_version "$tmp/s_ver.json"
"$node" "$mutate" "$data/signatures.json" "$tmp/s_key.json" set 5.keyid '"SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U"'
sigs 1 sig_otherkey "$tmp/s_key.json"
"$node" "$mutate" "$data/signatures.json" "$tmp/s_unk.json" set 5.keyid '"SHA256:nope"'
sigs 1 sig_unknown "$tmp/s_unk.json"
check sig_unknown reason "no registry key with keyid SHA256:nope"
# publish times: before the jl3b key's end passes, after it fails (expired key)
"$node" "$mutate" "$data/signatures.json" "$tmp/s_t1.json" set 0.time '"2023-01-01T00:00:00.000Z"'
sigs 0 sig_time_ok "$tmp/s_t1.json"
"$node" "$mutate" "$data/signatures.json" "$tmp/s_t2.json" set 0.time '"2025-01-29T00:00:00.000Z"'
sigs 1 sig_expired "$tmp/s_t2.json"
check sig_expired reason "was not valid at the publish time 2025-01-29T00:00:00Z"
# a packument (time[version] known) and a version document (time unknown, said so)
"$node" -e '
const fs = require("fs"); const s = JSON.parse(fs.readFileSync(process.argv[1]))
const mine = s.filter((e) => e.name === "sigstore")
const doc = (t) => ({ name: "sigstore", time: Object.fromEntries(mine.map((e) => [e.version, t])),
  versions: Object.fromEntries(mine.map((e) => [e.version, { name: e.name, version: e.version,
    dist: { integrity: e.integrity, signatures: [{ keyid: e.keyid, sig: e.sig }] } }])) })
const ok = doc("2024-12-31T00:00:00.000Z"); for (const e of mine) if (e.keyid.startsWith("SHA256:Dh")) ok.time[e.version] = "2025-06-01T00:00:00.000Z"
fs.writeFileSync(process.argv[2] + "/pack_ok.in.json", JSON.stringify(ok))
fs.writeFileSync(process.argv[2] + "/pack_late.in.json", JSON.stringify(doc("2025-06-01T00:00:00.000Z")))
const v = ok.versions[mine[0].version]; fs.writeFileSync(process.argv[2] + "/vdoc.in.json", JSON.stringify(v))
fs.writeFileSync(process.argv[2] + "/vdoc_nosig.in.json", JSON.stringify({ ...v, dist: { integrity: v.dist.integrity } }))
' "$data/signatures.json" "$tmp"
sigs 0 pack_ok "$tmp/pack_ok.in.json"
check pack_ok sigs 20
sigs 1 pack_late "$tmp/pack_late.in.json"
check pack_late reason "was not valid at the publish time 2025-06-01"
# a version filed under another version's key (and so another time[] entry)
"$node" -e 'const fs=require("fs");const d=JSON.parse(fs.readFileSync(process.argv[1]));d.versions["9.9.9"]=d.versions["0.0.0"];d.time["9.9.9"]="2024-01-01T00:00:00.000Z";fs.writeFileSync(process.argv[2],JSON.stringify(d))' \
	"$tmp/pack_ok.in.json" "$tmp/pack_key.in.json"
sigs 1 pack_key "$tmp/pack_key.in.json"
check pack_key reason "differs from its key"
sigs 0 vdoc "$tmp/vdoc.in.json"
check vdoc reason "publish time unknown"
sigs 1 vdoc_nosig "$tmp/vdoc_nosig.in.json"
check vdoc_nosig reason "no registry signature"
# the registry's /-/npm/v1/keys shape ({keyid, key, expires}) works the same
"$node" -e '
const fs = require("fs"); const k = JSON.parse(fs.readFileSync(process.argv[1]))
const seen = new Set(); const keys = []
for (const e of k.keys) if (!seen.has(e.keyId)) { seen.add(e.keyId)
  keys.push({ expires: e.publicKey.validFor.end || null, keyid: e.keyId, keytype: "ecdsa-sha2-nistp256",
    scheme: "ecdsa-sha2-nistp256", key: e.publicKey.rawBytes }) }
fs.writeFileSync(process.argv[2], JSON.stringify({ keys }))' "$data/trust/npm-registry-keys.json" "$tmp/v1keys.in.json"
SKEYS="$tmp/v1keys.in.json" sigs 0 v1keys "$data/signatures.json"
check v1keys sigs 34
SKEYS="$tmp/v1keys.in.json" sigs 1 v1keys_expired "$tmp/s_t2.json"
check v1keys_expired reason "was not valid at the publish time 2025-01-29T00:00:00Z"
n=$((n + 1))
"$helper" signatures "$data/signatures.json" > /dev/null 2>&1
[ $? -eq 2 ] || fail "signatures without --registry-keys: not exit 2"

echo "provenance-cli: $n checks, $failures failures"
[ "$failures" -eq 0 ]
