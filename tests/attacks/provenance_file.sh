#!/bin/bash
# Guarantee attacked: `npm-release stage --provenance FILE` reads FILE with the
# stager's own rights, never root's, and only within a bound. A stager naming a
# root-only file (/etc/shadow, a root-only copy of a real bundle), or a symlink to
# one, is refused: its bytes never reach the root-owned spool, an error or the
# ledger. A huge, endless or hostile bundle is refused by the bound (1 MiB) or by
# the unprivileged checker, quickly, and leaves nothing in the spool.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

DATA="$SRCDIR/tests/provenance/data/npm/sigstore@5.0.0"
spool_files() { ls -A "$T/state/spool" | sort; }
ST_DIR="$T/stager-prov"
mkdir -m 0755 "$ST_DIR"
cp "$DATA/sigstore-5.0.0.tgz" "$ST_DIR/pkg.tgz"
cp "$DATA/provenance.sigstore.json" "$ST_DIR/bundle.json"
# a real, valid bundle that only root may read: refusing it proves the open is the caller's
cp "$DATA/provenance.sigstore.json" "$T/root-only-bundle.json"
chmod 0600 "$T/root-only-bundle.json"
head -c $((2 * 1024 * 1024)) /dev/zero | tr '\0' ' ' > "$ST_DIR/huge.json"
truncate -s 64G "$ST_DIR/sparse.json"
# nested a million deep, inside the bound: the parser must refuse it, not recurse
head -c $((1024 * 1024 - 16)) /dev/zero | tr '\0' '[' > "$ST_DIR/deep.json"
printf '{"mediaType":"application/json","dsseEnvelope":{}}\n' > "$ST_DIR/not-a-bundle.json"
mkfifo "$ST_DIR/fifo.json"
chmod 0644 "$ST_DIR"/*.json "$ST_DIR/pkg.tgz"
# the links last: chmod would follow them
ln -s /etc/shadow "$ST_DIR/shadow-link.json"
ln -s "$T/root-only-bundle.json" "$ST_DIR/bundle-link.json"
chown -h "$ST" "$ST_DIR"/*.json
[ "$(stat -c %a /etc/shadow)" = 640 ] && [ "$(stat -c %a "$T/root-only-bundle.json")" = 600 ] ||
	fail "the root-only files are not root-only"
SHADOW_LINE=$(head -1 /etc/shadow)

refused() { # FILE WANT: $ST stages pkg.tgz with --provenance FILE; refused, naming WANT
	local before rc=0 t0=$SECONDS
	before=$(spool_files)
	OUT=$(timeout 60 setpriv --reuid="$(id -u "$ST")" --regid="$(id -g "$ST")" --init-groups -- \
		"$NR" stage --provenance "$1" "$ST_DIR/pkg.tgz" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	[ "$rc" = 0 ] && attack_succeeded "$ST staged with --provenance $1"
	[ "$rc" = 124 ] && attack_succeeded "--provenance $1 hung the stage"
	[ "$(spool_files)" = "$before" ] || attack_succeeded "the refused --provenance $1 left $(comm -13 <(printf '%s\n' "$before") <(spool_files) | tr '\n' ' ') in the spool"
	case "$OUT" in *"$SHADOW_LINE"*|*"dsseEnvelope"*) attack_succeeded "the refusal of $1 shows its content" ;; esac
	[ "$rc" = 1 ] || fail "stage --provenance $1 exited $rc"
	contains "$OUT" "$2"
	[ $((SECONDS - t0)) -lt 30 ] || fail "refusing $1 took $((SECONDS - t0)) s"
}

refused /etc/shadow "Permission denied"
refused "$ST_DIR/shadow-link.json" "Permission denied"
refused "$T/root-only-bundle.json" "Permission denied"
refused "$ST_DIR/bundle-link.json" "Permission denied"
pass "root-only files, and symlinks to them, are opened as $ST and refused; nothing spooled or shown"

refused "$ST_DIR/huge.json" "larger than 1048576 bytes"
refused "$ST_DIR/sparse.json" "larger than 1048576 bytes"
refused "$ST_DIR/fifo.json" "not a regular file"
refused /dev/zero "not a regular file"
pass "a 2 MiB bundle, a 64 GiB sparse one, a FIFO and /dev/zero are refused by the bound or the file type"

refused "$ST_DIR/deep.json" "not JSON"
refused "$ST_DIR/not-a-bundle.json" "not a Sigstore bundle"
pass "a hostile (a million deep) bundle and a JSON that is no Sigstore bundle are refused by the checker"

expect_status 0 nr log
case "$OUT" in *"$SHADOW_LINE"*) attack_succeeded "the ledger holds /etc/shadow" ;; esac
case "$OUT" in *'"stage"'*) attack_succeeded "a refused stage reached the ledger" ;; esac

# control: the stager's own copy of the same bundle is accepted and kept, root-owned
expect_status 0 as_user "$ST" "$NR" stage --provenance "$ST_DIR/bundle.json" "$ST_DIR/pkg.tgz"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
[ -n "$ID" ] && [ -f "$T/state/spool/$ID.sigstore" ] || fail "the stager's own bundle was not kept"
[ "$(stat -c '%u %a' "$T/state/spool/$ID.sigstore")" = "0 600" ] || fail "kept bundle not root 0600"
pass "control: $ST's own readable copy of the same bundle is kept (root, 0600)"
