#!/bin/bash
# End to end, provenance with local staging: npm-release stage --provenance keeps the
# caller's Sigstore bundle beside the tarball in the root-owned spool; approve
# verifies that bundle among the checks (the scope's identity policy), the prompt
# shows its signer, and the publish carries it as the <name>-<version>.sigstore
# attachment as libnpmpublish sends it. Afterwards npm-release confirms that the
# registry's dist.attestations hold the same bundle, or says in one line that the
# registry offers none. The real sigstore@5.0.0 (and 2.2.0) with their real bundles:
#   required and no bundle               -> the checks fail before the prompt;
#   a bundle for other bytes             -> the checks fail before the prompt;
#   a policy naming another repository   -> the checks fail before the prompt;
#   the policy naming sigstore/sigstore-js -> the prompt shows the signer, it goes
#                                           live with the attachment, confirmed.
# The test registry refuses a second attachment (Verdaccio 9): the proxy takes the
# .sigstore off, logs it, and plays a registry that keeps it (or keeps none).
. "$SRCDIR/tests/e2e/common.sh"

. "$SRCDIR/tests/e2e/provenance_host.sh"
OLD="$DATA/npm/sigstore@2.2.0"
provenance_host local
before_prompt() { # VERSION: the approver was never asked, nothing went live
	case "$OUT" in *"Approve sigstore@$1"*) fail "the prompt was reached" ;; esac
	REGISTRY_URL=$DIRECT_URL packument_has sigstore "$1" && fail "published"
	return 0
}
staged_id() { printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1; }
proxy() { curl -fsS -X POST --data "$2" "${PROXY_URL}__proxy/$1" >/dev/null || fail "proxy $1"; }
# what is kept and published: the bundle's compact JSON text, as JSON.stringify gives it
compact_sha() { node -e 'process.stdout.write(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1]))))' "$1" | sha256sum | cut -d' ' -f1; }
KEPT_SHA=$(compact_sha "$SET/provenance.sigstore.json")
policy "$SJS"

# required, and no bundle staged (nor any at the registry's endpoint)
expect_status 0 nr stage "$SET/sigstore-5.0.0.tgz"
ID0=$(staged_id)
expect_status 1 nr approve "$ID0" < /dev/null
contains "$OUT" "no attestation for sigstore@5.0.0 (provenance = required)"
contains "$OUT" "checks failed"
before_prompt 5.0.0
pass "provenance = required and no --provenance: the checks fail before the prompt"

# a real bundle, but of other bytes (sigstore@2.2.0's)
expect_status 0 nr stage --provenance "$OLD/provenance.sigstore.json" "$SET/sigstore-5.0.0.tgz"
ID1=$(staged_id)
ASKED=$(curl -fsS "${PROXY_URL}__proxy/log" | grep -c "attestations sigstore@5.0.0" || true)
expect_status 1 nr approve "$ID1" < /dev/null
contains "$OUT" "provenance.verify"
contains "$OUT" "the bundle staged with --provenance"
contains "$OUT" "subject"
before_prompt 5.0.0
[ "$(curl -fsS "${PROXY_URL}__proxy/log" | grep -c "attestations sigstore@5.0.0" || true)" = "$ASKED" ] ||
	fail "the registry's endpoint was asked despite a kept bundle"
pass "a bundle for other bytes fails the checks before the prompt, naming the subject"

# the real bundle of these bytes
expect_status 0 nr stage --provenance "$SET/provenance.sigstore.json" "$SET/sigstore-5.0.0.tgz"
ID=$(staged_id)
contains "$OUT" "provenance bundle application/vnd.dev.sigstore.bundle.v0.3+json, sha256 $KEPT_SHA"
[ -f "$HOST_DIR/state/spool/$ID.sigstore" ] || fail "no bundle kept in the spool"
[ "$(stat -c '%u %a' "$HOST_DIR/state/spool/$ID.sigstore")" = "0 600" ] || fail "kept bundle not root 0600"
pass "stage --provenance keeps the bundle in the spool (root, 0600), compact, sha256 shown"

policy https://github.com/acme/widgets
expect_status 1 nr approve "$ID" < /dev/null
contains "$OUT" "provenance.verify"
contains "$OUT" "https://github.com/acme/widgets"
contains "$OUT" "checks failed"
before_prompt 5.0.0
pass "a policy naming another repository fails the checks before the prompt"

# the right policy; the registry keeps the attachment and offers it back
policy "$SJS"
proxy provenance keep
approver_code
expect_status 0 with_input "$CODE" nr approve "$ID"
contains "$OUT" "Approve sigstore@5.0.0"
contains "$OUT" "provenance verified (bundle sha256 $KEPT_SHA)"
contains "$OUT" "  | repository $SJS"
contains "$OUT" "  | workflow .github/workflows/release.yml"
contains "$OUT" "is live"
contains "$OUT" "provenance: the registry's attestations for sigstore@5.0.0 (https://slsa.dev/provenance/v1) hold the published bundle"
REGISTRY_URL=$DIRECT_URL packument_has sigstore 5.0.0 || fail "sigstore@5.0.0 is not live"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
printf '%s\n' "$LOG" | grep '^sigstore ' | sed 's/^/    | proxy: /'
LEN=$(node -e 'process.stdout.write(String(JSON.stringify(JSON.parse(require("fs").readFileSync(process.argv[1]))).length))' "$SET/provenance.sigstore.json")
contains "$LOG" "sigstore sigstore-5.0.0.sigstore content_type=application/vnd.dev.sigstore.bundle.v0.3+json length=$LEN data_len=$LEN data_sha256=$KEPT_SHA"
pass "the policy naming sigstore/sigstore-js: the prompt shows the signer, the publish carries the .sigstore attachment, the registry's copy is confirmed"

expect_status 0 nr log
contains "$OUT" "\"provenance_sha256\":\"$KEPT_SHA\""
contains "$OUT" "\"bundle_sha256\":\"$KEPT_SHA\""
pass "the ledger records the kept bundle at stage and the verified one at approve"

# a registry that keeps no provenance (as Verdaccio): said in one line, not a failure
proxy provenance strip
policy "$SJS" nokeys
expect_status 0 nr stage --tag legacy --provenance "$OLD/provenance.sigstore.json" "$OLD/sigstore-2.2.0.tgz"
ID2=$(staged_id)

# a train by source commit: sigstore@2.3.1 was built from another commit of the
# same repository, so --same-commit leaves it out of 2.2.0's train
NEW="$DATA/npm/sigstore@2.3.1"
node -e 'const d=require(process.argv[1]);process.stdout.write(JSON.stringify(d.attestations.find((a)=>a.predicateType==="https://slsa.dev/provenance/v1").bundle))' \
	"$NEW/attestations.json" > "$E2E_DIR/bundle-2.3.1.json"
expect_status 0 nr stage --tag legacy --provenance "$E2E_DIR/bundle-2.3.1.json" "$NEW/sigstore-2.3.1.tgz"
IDC=$(staged_id)
expect_status 0 nr show --train --json --same-commit "$ID2"
contains "$OUT" "\"id\": \"$ID2\""
contains "$OUT" "$IDC (sigstore@2.3.1) is not from commit"
case "$OUT" in *"\"id\": \"$IDC\""*) fail "another commit's stage joined the train" ;; esac
expect_status 0 nr show --train --same-commit "$IDC"
contains "$OUT" "sigstore@2.3.1"
contains "$OUT" "$ID2 (sigstore@2.2.0) is not from commit"
pass "--same-commit takes the stages of the anchor's verified source commit, and only those"
approver_code
expect_status 0 with_input "$CODE" nr approve "$ID2"
contains "$OUT" "is live"
contains "$OUT" "provenance: the registry offers no dist.attestations for sigstore@2.2.0"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
contains "$LOG" "sigstore sigstore-2.2.0.sigstore content_type=application/vnd.dev.sigstore.bundle+json;version=0.2"
pass "a registry without dist.attestations is said in one line; the attachment was sent"

# a registry whose attestations hold another bundle than the one published: the
# version is live with the approved bytes (recorded), but approve says so and fails
proxy provenance "other $SET/provenance.sigstore.json"
expect_status 0 nr stage --tag legacy --provenance "$E2E_DIR/bundle-2.3.1.json" "$NEW/sigstore-2.3.1.tgz"
ID3=$(staged_id)
approver_code
expect_status 1 with_input "$CODE" nr approve "$ID3"
contains "$OUT" "provenance verified (bundle sha256 $(compact_sha "$E2E_DIR/bundle-2.3.1.json"))"
contains "$OUT" "is live"
contains "$OUT" "npm-release: provenance: the registry's attestations for sigstore@2.3.1 do not hold the published bundle"
REGISTRY_URL=$DIRECT_URL packument_has sigstore 2.3.1 || fail "sigstore@2.3.1 is not live"
pass "a registry whose dist.attestations hold another bundle fails the approve after publishing, naming it"
