#!/bin/bash
# End to end, provenance during approve: the real sigstore@5.0.0 tarball is staged
# and its real attestations are served by the registry's attestations endpoint
# (played by the proxy: the test registry has none, and its stage API neither keeps
# nor gives back a .sigstore attachment; the proxy adds one to the stage document
# where the last part says). With the scope's identity policy:
#   required and no attestation             -> the checks fail before the prompt;
#   a policy naming another repository      -> the checks fail before the prompt;
#   the policy naming sigstore/sigstore-js  -> the prompt shows the signer, it goes
#                                              live, the ledger records the signer;
#   a stage document's .sigstore attachment -> verified instead of the endpoint (one
#                                              of other bytes fails before the prompt),
#                                              published with the checked bytes.
. "$SRCDIR/tests/e2e/common.sh"

. "$SRCDIR/tests/e2e/provenance_host.sh"
provenance_host stage
before_prompt() { # the approver was never asked
	case "$OUT" in *"Approve sigstore@5.0.0"*) fail "the prompt was reached" ;; esac
	packument_has sigstore 5.0.0 && fail "published"
	return 0
}

PKG="$E2E_DIR/sigstore-pkg"
mkdir -p "$PKG"
tar -xzOf "$SET/sigstore-5.0.0.tgz" package/package.json > "$PKG/package.json"
ID=$(node "$SRCDIR/tests/registry/stage-crafted.js" "$DIRECT_URL" "$STAGER_TOKEN" "$PKG" \
	"$SET/sigstore-5.0.0.tgz" '{}') || fail "staging sigstore failed"
[ -n "$ID" ] || fail "no stage id"
pass "the real sigstore-5.0.0.tgz is staged ($ID)"

# (c) required, and the registry has no attestation for the version
policy "$SJS"
expect_status 1 nr approve "$ID" < /dev/null
contains "$OUT" "provenance.present"
contains "$OUT" "no attestation for sigstore@5.0.0 (provenance = required)"
contains "$OUT" "checks failed"
before_prompt
pass "provenance = required without an attestation fails the checks before the prompt"

serve_attestations() { # FILE: what the registry answers for sigstore@5.0.0
	curl -fsS -X POST --data "{\"spec\":\"sigstore@5.0.0\",\"file\":\"$1\"}" \
		"${PROXY_URL}__proxy/attestations" >/dev/null || fail "proxy attestations"
}

# real attestations, but of another version: they do not name these bytes
serve_attestations "$DATA/npm/sigstore@2.3.1/attestations.json"
expect_status 1 nr approve "$ID" < /dev/null
contains "$OUT" "provenance.verify"
contains "$OUT" "subject"
before_prompt
pass "attestations of another version fail the checks before the prompt, naming the subject"

serve_attestations "$SET/attestations.json"

# the pinned trust material must be protected like the configuration
chmod 0666 "$HOST_DIR/etc/trust/trusted_root.json"
expect_status 1 nr approve "$ID" < /dev/null
contains "$OUT" "[provenance] trusted_root"
before_prompt
chmod 0644 "$HOST_DIR/etc/trust/trusted_root.json"
pass "a trusted root others may write stops the checks before the prompt, naming the key"

# (b) the attestations verify, but were signed from another repository
policy https://github.com/acme/widgets
expect_status 1 nr approve "$ID" < /dev/null
contains "$OUT" "provenance.verify"
contains "$OUT" "repository"
contains "$OUT" "https://github.com/acme/widgets"
contains "$OUT" "checks failed"
before_prompt
pass "a policy naming another repository fails the checks before the prompt, naming the repository"

# (a) the policy naming sigstore/sigstore-js and its release workflow
policy "$SJS"
approver_code
expect_status 0 with_input "$CODE" nr approve "$ID"
contains "$OUT" "Approve sigstore@5.0.0"
contains "$OUT" "provenance verified (bundle sha256 $(sha256sum < "$SET/attestations.json" | cut -d' ' -f1))"
contains "$OUT" "  | repository $SJS"
contains "$OUT" "  | workflow .github/workflows/release.yml"
contains "$OUT" "  | ref refs/heads/main commit 7d2900eca1c2"
contains "$OUT" "  | issuer $GHA"
contains "$OUT" "is live"
REGISTRY_URL=$DIRECT_URL packument_has sigstore 5.0.0 || fail "sigstore@5.0.0 is not live"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
contains "$LOG" "attestations sigstore@5.0.0 auth=yes -> 200"
pass "with the right policy the prompt shows the signer and the bundle's sha256, and it goes live"

expect_status 0 nr log
contains "$OUT" "\"repository\":\"$SJS\""
contains "$OUT" "\"workflow\":\".github/workflows/release.yml\""
contains "$OUT" "\"bundle_sha256\":\"$(sha256sum < "$SET/attestations.json" | cut -d' ' -f1)\""
pass "the ledger's approve entry records the signer and the bundle's sha256"

# if-present: a package without attestations is approved, the prompt says it was
# not verified; the statement and the ledger carry no signer
cat >> "$HOST_CONF" <<CONF

[scope @acme/*]
approvers = $APPROVER
source = $HOST_DIR/src/%n/%v
provenance = if-present
provenance_repository = https://github.com/acme/widgets
CONF
PKG2=$(source_dir @acme/e2e-prov 1.0.0)
fixture_package "$PKG2" "@acme/e2e-prov" "1.0.0"
ID2=$(stage_with_npm "$PKG2")
[ -n "$ID2" ] || fail "npm stage publish gave no stage id"
approver_code
expect_status 0 with_input "$CODE" nr approve "$ID2"
contains "$OUT" "Approve @acme/e2e-prov@1.0.0"
contains "$OUT" "  | no attestation for @acme/e2e-prov@1.0.0 (provenance = if-present): not verified"
case "$OUT" in *"provenance verified"*) fail "a signer was shown" ;; esac
contains "$OUT" "is live"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
contains "$LOG" "attestations @acme/e2e-prov@1.0.0 auth=yes -> 404"
pass "provenance = if-present without an attestation warns in the prompt and goes live"

# (b) a registry stage's .sigstore attachment (as libnpmpublish sends it: the bundle's
# JSON text): verified instead of the endpoint, and sent with the checked bytes.
# sigstore@2.2.0 under another tag; no registry keys pinned, since the previous
# version (5.0.0, published here) carries no registry signature.
OLD="$DATA/npm/sigstore@2.2.0"
policy "$SJS" nokeys
curl -fsS -X POST --data strip "${PROXY_URL}__proxy/provenance" >/dev/null || fail "proxy provenance"
PKG3="$E2E_DIR/sigstore-old"
mkdir -p "$PKG3"
tar -xzOf "$OLD/sigstore-2.2.0.tgz" package/package.json > "$PKG3/package.json"
ID3=$(STAGE_TAG=legacy node "$SRCDIR/tests/registry/stage-crafted.js" "$DIRECT_URL" "$STAGER_TOKEN" \
	"$PKG3" "$OLD/sigstore-2.2.0.tgz" '{}') || fail "staging sigstore@2.2.0 failed"
stage_bundle() { # FILE: the stage document of ID3 carries FILE as its .sigstore
	curl -fsS -X POST --data "{\"id\":\"$ID3\",\"name\":\"sigstore-2.2.0.sigstore\",\"file\":\"$1\"}" \
		"${PROXY_URL}__proxy/stage-bundle" >/dev/null || fail "proxy stage-bundle"
}
stage_bundle "$SET/provenance.sigstore.json"
expect_status 1 nr approve "$ID3" < /dev/null
contains "$OUT" "provenance.verify"
contains "$OUT" "the stage's .sigstore attachment"
contains "$OUT" "subject"
case "$OUT" in *"Approve sigstore@2.2.0"*) fail "the prompt was reached" ;; esac
REGISTRY_URL=$DIRECT_URL packument_has sigstore 2.2.0 && fail "published"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
case "$LOG" in *"attestations sigstore@2.2.0"*) fail "the endpoint was asked despite the attachment" ;; esac
pass "a stage's .sigstore attachment for other bytes fails the checks before the prompt (the endpoint is not asked)"

stage_bundle "$OLD/provenance.sigstore.json"
OLD_SHA=$(sha256sum < "$OLD/provenance.sigstore.json" | cut -d' ' -f1)
approver_code
expect_status 0 with_input "$CODE" nr approve "$ID3"
contains "$OUT" "Approve sigstore@2.2.0"
contains "$OUT" "provenance verified (bundle sha256 $OLD_SHA)"
contains "$OUT" "  | repository $SJS"
contains "$OUT" "is live"
contains "$OUT" "provenance: the registry offers no dist.attestations for sigstore@2.2.0"
REGISTRY_URL=$DIRECT_URL packument_has sigstore 2.2.0 || fail "sigstore@2.2.0 is not live"
LOG=$(curl -fsS "${PROXY_URL}__proxy/log")
contains "$LOG" "sigstore sigstore-2.2.0.sigstore content_type=application/vnd.dev.sigstore.bundle+json;version=0.2"
contains "$LOG" "data_sha256=$OLD_SHA"
pass "the stage's attachment is verified, shown, and published with the checked bytes"
