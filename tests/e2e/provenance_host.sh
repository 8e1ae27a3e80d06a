# Sourced by the provenance e2e tests after common.sh: provenance_host MODE sets up
# the registry users, the fault proxy in front of the registry (its attestations
# endpoint and attachment handling), a release host in MODE with the pinned trust
# material, and policy REPOSITORY [nokeys] writes the sigstore scope's policy.
DATA="$SRCDIR/tests/provenance/data"
SET="$DATA/npm/sigstore@5.0.0"
SJS=https://github.com/sigstore/sigstore-js
GHA=https://token.actions.githubusercontent.com

provenance_host() { # MODE
	e2e_registry_users
	proxy_start
	REGISTRY_URL=$PROXY_URL e2e_host "$1"
	# the pinned trust material, owned and protected like the configuration
	mkdir -m 0755 "$HOST_DIR/etc/trust"
	install -m 0644 "$DATA/trust/trusted_root.json" "$HOST_DIR/etc/trust/trusted_root.json"
	install -m 0644 "$DATA/trust/npm-registry-keys.json" "$HOST_DIR/etc/trust/registry-keys.json"
	cp "$HOST_CONF" "$HOST_DIR/base.conf"
}
policy() { # REPOSITORY [nokeys]: the sigstore scope requires provenance signed from
	# REPOSITORY; nokeys: no registry keys pinned (the test registry signs nothing,
	# so with keys pinned a previous version published here would be refused)
	local keys="registry_keys = $HOST_DIR/etc/trust/registry-keys.json"
	[ "${2:-}" != nokeys ] || keys=
	cat "$HOST_DIR/base.conf" - > "$HOST_CONF" <<CONF

[provenance]
trusted_root = $HOST_DIR/etc/trust/trusted_root.json
$keys

[scope sigstore]
approvers = $APPROVER
# the audit is not what these tests are about (no lockfile ships with the package)
audit_level = none
provenance = required
provenance_repository = $1
provenance_workflow = .github/workflows/release.yml
provenance_ref = refs/heads/*
provenance_issuer = $GHA
CONF
}
