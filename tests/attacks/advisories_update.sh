#!/bin/bash
# Guarantee attacked: a local user gains nothing from the setuid helper through
# `advisories update`. It runs as the caller: an outsider or a stager cannot
# replace root's advisory index (nor leave a file beside it), cannot make the
# helper fetch from a URL of their choosing (-c is root's), and writes no ledger
# entry; root's update is recorded in the ledger and readable by everyone, so
# the unprivileged check process and users can audit against it.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

IDX="$T/advroot"
mkdir -m 0755 "$IDX"
python3 - "$SRCDIR/tests/audit/data/osv" "$T/osv.zip" <<'PY'
import glob, os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w") as z:
    for p in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
        z.write(p, os.path.basename(p))
PY
chmod 0644 "$T/osv.zip"
cp "$SRCDIR/tests/audit/data/lock/hits.json" "$T/lock.json"
chmod 0644 "$T/lock.json"
ledger_updates() { nr log 2>/dev/null | grep -c advisories-update; }

rc=0
OUT=$(nr advisories update --from "$T/osv.zip" "$IDX/osv.db" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
[ "$rc" = 0 ] || fail "root's update exited $rc"
[ "$(stat -c '%U %a' "$IDX/osv.db")" = "root 644" ] || fail "root's index is $(stat -c '%U %a' "$IDX/osv.db")"
[ "$(ledger_updates)" = 1 ] || fail "root's update is not in the ledger"
pass "root: advisories update builds a 0644 index and records it in the ledger"
cp "$IDX/osv.db" "$T/saved.db"

printf '[audit]\nosv_url = http://127.0.0.1:9/evil.zip\n' > "$T/evil.conf"
chmod 0644 "$T/evil.conf"
for U in "$UO" "$ST"; do
	rc=0
	OUT=$(as_user "$U" "$NR" advisories update --from "$T/osv.zip" "$IDX/osv.db" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	[ "$rc" != 0 ] || attack_succeeded "$U replaced root's advisory index (exit 0)"
	cmp -s "$IDX/osv.db" "$T/saved.db" || attack_succeeded "$U changed root's advisory index"
	[ "$(ls -A "$IDX")" = osv.db ] || attack_succeeded "$U left a file beside root's index: $(ls -A "$IDX")"
	contains "$OUT" "the previous index is unchanged"
	rc=0
	OUT=$(as_user "$U" "$NR" -c "$T/evil.conf" advisories update "$IDX/osv.db" 2>&1) || rc=$?
	[ "$rc" != 0 ] || attack_succeeded "$U ran an update with a configuration of their own"
	contains "$OUT" "-c is for root only"
	[ "$(ledger_updates)" = 1 ] || attack_succeeded "$U wrote to the ledger"
	rc=0
	OUT=$(as_user "$U" "$NR" audit --advisories "$IDX/osv.db" --lockfile "$T/lock.json" 2>&1) || rc=$?
	[ "$rc" -le 1 ] || fail "$U cannot audit against root's index: $OUT"
	pass "$U: cannot replace root's index or pick the download URL; can audit against it"
done

# a user's own index, in a folder of their own: allowed, theirs, not in root's ledger
mkdir -m 0755 "$T/own"
chown "$UO" "$T/own"
rc=0
OUT=$(as_user "$UO" "$NR" advisories update --from "$T/osv.zip" "$T/own/osv.db" 2>&1) || rc=$?
[ "$rc" = 0 ] || fail "$UO's update of their own index exited $rc: $OUT"
[ "$(stat -c %U "$T/own/osv.db")" = "$UO" ] || attack_succeeded "$UO's index is owned by $(stat -c %U "$T/own/osv.db")"
[ "$(ledger_updates)" = 1 ] || attack_succeeded "$UO's own update wrote to root's ledger"
pass "$UO: updates an index of their own, as themselves, outside the ledger"
echo "ok advisories_update"
