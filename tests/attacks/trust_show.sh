#!/bin/bash
# Guarantee attacked: a local user gains nothing from the setuid helper. `trust show`
# needs no state and runs as the caller (privileges dropped for good before it
# parses an argument): it shows the pinned trust material from the root-owned,
# world-readable configuration to anyone, but a pinned file only root may read
# stays unread when an outsider or a stager asks; only root sees it.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

DATA="$SRCDIR/tests/provenance/data/trust"
mkdir -m 0755 "$T/trust"
install -m 0644 "$DATA/trusted_root.json" "$T/trust/trusted_root.json"
install -m 0644 "$DATA/npm-registry-keys.json" "$T/trust/registry-keys.json"
write_conf "
[provenance]
trusted_root = $T/trust/trusted_root.json
registry_keys = $T/trust/registry-keys.json"

for U in "$UO" "$ST"; do
	expect_status 0 as_user "$U" "$NR" trust show
	contains "$OUT" "registry key   SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U  npm:signatures"
	contains "$OUT" "Rekor log      https://rekor.sigstore.dev"
done
pass "an outsider and a stager see what is pinned (world-readable configuration and files)"

# The registry keys readable by root only: the outsider's run must not read them.
chmod 0600 "$T/trust/registry-keys.json"
expect_status 0 nr trust show --json
contains "$OUT" '"SHA256:DhQ8wR5APBvFHLF/+Tc+AYvPOdTpcIDqOhxsBHRwC7U"'
pass "root sees a root-only pinned file (the test can tell)"
for U in "$UO" "$ST"; do
	rc=0
	OUT=$(as_user "$U" "$NR" trust show --json 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	case "$OUT" in *SHA256:DhQ8*|*SHA256:jl3b*)
		attack_succeeded "$U read root-only registry keys through trust show" ;;
	esac
	[ "$rc" = 2 ] || attack_succeeded "$U: trust show of a root-only file exited $rc, not 2"
	contains "$OUT" "[provenance] registry_keys"
	contains "$OUT" "Permission denied"
done
pass "an outsider and a stager read no root-only pinned file through trust show"

# -c names a configuration of the caller's choosing: root only.
printf '[provenance]\nregistry_keys = %s\n' "$T/trust/registry-keys.json" > "$T/own.conf"
chmod 0644 "$T/own.conf"
expect_status 2 as_user "$UO" "$NR" -c "$T/own.conf" trust show
contains "$OUT" "-c is for root only"
pass "an outsider cannot point trust show at another configuration"
