#!/bin/bash
# Guarantee attacked: a stager cannot fill the root-owned spool. A stage that
# fails (not a tarball, no package.json, an invalid name) leaves no file in the
# spool, and one stager may have at most [npmstage] stager_spool_max local
# releases waiting: the next stage is refused with a clear error and spools
# nothing, until an approver approves or rejects one.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

spool_files() { ls -A "$T/state/spool" | sort; }
ST_DIR="$T/stager-files"
mkdir -m 0755 "$ST_DIR"
head -c 4096 /dev/urandom > "$ST_DIR/random.tgz"
head -c 4096 /dev/urandom | gzip > "$ST_DIR/gzipped-noise.tgz"
mkdir -p "$ST_DIR/nopkg/package"
printf 'x\n' > "$ST_DIR/nopkg/package/index.js"
tar -czf "$ST_DIR/no-package-json.tgz" -C "$ST_DIR/nopkg" package
mkdir -p "$ST_DIR/badname/package"
printf '{"name":"../../Evil Name","version":"1.0.0"}\n' > "$ST_DIR/badname/package/package.json"
tar -czf "$ST_DIR/bad-name.tgz" -C "$ST_DIR/badname" package
chmod 0644 "$ST_DIR"/*.tgz

before=$(spool_files)
for f in random gzipped-noise no-package-json bad-name; do
	rc=0
	OUT=$(as_user "$ST" "$NR" stage "$ST_DIR/$f.tgz" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	[ "$(spool_files)" = "$before" ] || attack_succeeded "a failed stage of $f.tgz left $(comm -13 <(printf '%s\n' "$before") <(spool_files) | tr '\n' ' ') in the spool"
	[ "$rc" = 1 ] || fail "stage of $f.tgz exited $rc"
done
pass "four failed stages by $ST leave nothing in the spool"

ATTACK_NPMSTAGE_EXTRA="stager_spool_max = 2"
write_conf
for n in 1 2; do
	pack_pkg spool-cap-$SUFFIX 1.0.$n
	expect_status 0 as_user "$ST" "$NR" stage "$TGZ"
done
FIRST=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
pack_pkg spool-cap-$SUFFIX 1.0.3
before=$(spool_files)
rc=0
OUT=$(as_user "$ST" "$NR" stage "$TGZ" 2>&1) || rc=$?
printf '%s\n' "$OUT" | sed 's/^/    | /'
[ "$rc" = 0 ] && attack_succeeded "$ST staged a third release past stager_spool_max = 2"
[ "$(spool_files)" = "$before" ] || attack_succeeded "the refused stage spooled a file"
[ "$rc" = 1 ] || fail "the refused stage exited $rc"
contains "$OUT" "stager_spool_max = 2"
expect_status 0 nr stage "$TGZ"
pass "$ST's third waiting release is refused (stager_spool_max = 2); root is not limited"

code "$S1"
expect_status 0 with_input "$CODE" as_user "$A1" "$NR" reject "$FIRST"
pack_pkg spool-cap-$SUFFIX 1.0.4
expect_status 0 as_user "$ST" "$NR" stage "$TGZ"
pass "after an approver rejects one, $ST may stage again"

# A signal at the worst moment: the terminal's (setuid route) or one sudo relays
# from its caller (sudo route) arriving just as the spool copy gets its name, before
# the release record and its ledger entry exist (red team: it left named copies no
# record names, outside stager_spool_max, and records without a ledger entry).
# strace delivers it exactly there; the stage must end whole or leave nothing.
if command -v strace >/dev/null; then
	pack_pkg spool-signal-$SUFFIX 1.0.0
	before=$(spool_files)
	rc=0
	strace -f -qq -o "$T/strace.out" -e trace=renameat,renameat2 \
		-e inject=renameat,renameat2:signal=USR1 "$NR" stage "$TGZ" > "$T/signal.out" 2>&1 || rc=$?
	grep -q 'SIGUSR1' "$T/strace.out" || { cat "$T/strace.out"; fail "strace delivered no SIGUSR1"; }
	ids=$(sqlite3 "$T/state/state.db" "SELECT id FROM releases WHERE name = 'spool-signal-$SUFFIX'")
	LOG=$(nr log)
	for f in $(spool_files); do
		grep -qxF -- "$f" <<<"$before" && continue
		id=${f%.tgz}
		grep -qx "$id" <<<"$ids" || attack_succeeded "a signal at the spool rename left $f, which no release names"
	done
	for id in $ids; do
		grep -q "\"id\":\"$id\",\"package\":\"spool-signal-$SUFFIX\"" <<<"$LOG" ||
			attack_succeeded "a signal at the spool rename left release $id without its ledger entry"
	done
	pass "a signal at the spool copy's rename (exit $rc) leaves a whole release or nothing"
fi
