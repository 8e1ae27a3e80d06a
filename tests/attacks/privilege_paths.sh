#!/bin/bash
# Guarantee attacked: a local user gains nothing from the setuid helper. The
# commands without state (advisories, verify, audit) run as the caller, so every
# path a caller names is opened with the caller's rights: an outsider or a stager
# can neither write a root-owned file of its choosing (advisories index -o
# /etc/passwd) nor read a root-only file through them (verify --json, verify
# --source, audit --lockfile), nor stage a root-only tarball; a running verify
# holds the caller's ids and groups only.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

# Root-only material: a tarball, a source folder, a lockfile, a directory.
RO="$T/rootonly"
mkdir -m 0700 "$RO" "$RO/outdir"
pack_pkg secret-pkg-$SUFFIX 1.0.0
PUBLIC_TGZ=$TGZ
fixture_lockfile "$DIR" "leftpad@1.0.0"
chmod 0644 "$DIR/package-lock.json"
PUBLIC_LOCK="$DIR/package-lock.json"
cp "$TGZ" "$RO/x.tgz"
mkdir -m 0700 "$RO/src"
fixture_package "$RO/src" "secret-pkg-$SUFFIX" 1.0.0
printf 'leak\n' > "$RO/src/topsecret-$SUFFIX.js"
fixture_lockfile "$RO/src" "leftpad-secret-$SUFFIX@1.0.0"
cp /etc/passwd "$T/passwd.before"
[ -s /etc/shadow ] || printf 'root:*:19000:0:99999:7:::\n' > /etc/shadow
chmod 0640 /etc/shadow
ADV="$T/adv"
cp -r "$SRCDIR/tests/audit/data/osv" "$ADV"
chmod -R a+rX "$ADV"

for U in "$UO" "$ST"; do
	rc=0
	OUT=$(as_user "$U" "$NR" advisories index "$ADV" -o /etc/passwd 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	cmp -s /etc/passwd "$T/passwd.before" || attack_succeeded "$U replaced /etc/passwd through advisories index -o"
	[ "$rc" != 0 ] || attack_succeeded "$U wrote an index to /etc/passwd (exit 0)"
	ls /etc/passwd.tmp* >/dev/null 2>&1 && attack_succeeded "$U left a root-owned temporary in /etc"
	contains "$OUT" "cannot create /etc/passwd"
	rc=0
	OUT=$(as_user "$U" "$NR" advisories index "$ADV" -o "$RO/outdir/index" 2>&1) || rc=$?
	[ -e "$RO/outdir/index" ] && attack_succeeded "$U wrote into a root-only folder"
	[ -z "$(ls -A "$RO/outdir")" ] || attack_succeeded "$U left a file in a root-only folder: $(ls -A "$RO/outdir")"
	[ "$rc" != 0 ] || fail "advisories index into a root-only folder exited 0"
	pass "$U: advisories index -o writes nothing as root (/etc/passwd unchanged, root-only folder empty)"

	rc=0
	OUT=$(as_user "$U" "$NR" verify --json "$RO/x.tgz" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	case "$OUT" in *secret-pkg-$SUFFIX*|*integrity*) attack_succeeded "$U read a root-only tarball through verify --json" ;; esac
	[ "$rc" = 2 ] || [ "$rc" = 1 ] || fail "verify of a root-only tarball exited $rc"
	contains "$OUT" "Permission denied"
	rc=0
	OUT=$(as_user "$U" "$NR" verify --source "$RO/src" "$PUBLIC_TGZ" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	case "$OUT" in *topsecret-$SUFFIX*) attack_succeeded "$U listed a root-only folder through verify --source" ;; esac
	[ "$rc" != 0 ] || attack_succeeded "$U compared against a root-only source folder (exit 0)"
	contains "$OUT" "Permission denied"
	pass "$U: verify reads no root-only tarball or source folder"

	for lock in /etc/shadow "$RO/src/package-lock.json"; do
		rc=0
		OUT=$(as_user "$U" "$NR" audit --advisories "$ADV" --lockfile "$lock" 2>&1) || rc=$?
		printf '%s\n' "$OUT" | sed 's/^/    | /'
		case "$OUT" in *root:*|*leftpad-secret-$SUFFIX*) attack_succeeded "$U read $lock through audit --lockfile" ;; esac
		[ "$rc" != 0 ] || attack_succeeded "$U audited root-only $lock (exit 0)"
		contains "$OUT" "Permission denied"
	done
	rc=0
	OUT=$(as_user "$U" "$NR" audit --advisories "$RO" --lockfile "$PUBLIC_LOCK" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	[ "$rc" != 0 ] || attack_succeeded "$U used a root-only folder as advisories (exit 0)"
	contains "$OUT" "Permission denied"
	pass "$U: audit reads no root-only lockfile or advisory folder"
done

# Staging a root-only tarball: the stager's file is opened with the stager's rights.
spool_before=$(ls -A "$T/state/spool" | wc -l)
expect_status 1 as_user "$ST" "$NR" stage "$RO/x.tgz"
contains "$OUT" "Permission denied"
[ "$(ls -A "$T/state/spool" | wc -l)" = "$spool_before" ] || attack_succeeded "a root-only tarball reached the spool"
nr list > "$T/list.out" 2>&1 || true
grep -q "secret-pkg-$SUFFIX" "$T/list.out" && attack_succeeded "$ST staged a root-only tarball"
pass "$ST cannot stage a root-only tarball"
# ...and is opened with all of the stager's credentials: a tarball readable only
# through the stager's supplementary group stages.
mkdir -m 0750 "$T/cigroup"
pack_pkg group-readable-$SUFFIX 1.0.0
cp "$TGZ" "$T/cigroup/g.tgz"
chgrp -R "natkci$SUFFIX" "$T/cigroup"
chmod 0640 "$T/cigroup/g.tgz"
expect_status 0 as_user "$ST" "$NR" stage "$T/cigroup/g.tgz"
expect_status 1 as_user "$UO" "$NR" stage "$T/cigroup/g.tgz"
pass "$ST stages a tarball readable through its supplementary group only (the caller's groups are used)"

# The identity of a running verify: blocked opening a FIFO the attacker owns.
mkdir -m 0777 "$T/fifo"
as_user "$UO" mkfifo "$T/fifo/f"
(exec setpriv --reuid="$(id -u "$UO")" --regid="$(id -g "$UO")" --init-groups -- \
	"$NR" verify "$T/fifo/f") > "$T/fifo.out" 2>&1 &
VPID=$!
ATTACK_CLEANUPS+=("kill -9 $VPID 2>/dev/null")
for i in $(seq 1 100); do
	grep -q 'npm-release' "/proc/$VPID/comm" 2>/dev/null && grep -q '^State:.*S' "/proc/$VPID/status" && break
	sleep 0.1
done
grep -q 'npm-release' "/proc/$VPID/comm" || fail "verify is not running (test broken)"
status=$(cat "/proc/$VPID/status")
printf '%s\n' "$status" | grep -E '^(Uid|Gid|Groups):' | sed 's/^/    | /'
uo=$(id -u "$UO") go=$(id -g "$UO")
printf '%s\n' "$status" | grep -qE "^Uid:[[:space:]]+$uo[[:space:]]+$uo[[:space:]]+$uo[[:space:]]+$uo\$" ||
	attack_succeeded "a running verify keeps root ids: $(printf '%s\n' "$status" | grep ^Uid)"
printf '%s\n' "$status" | grep -qE "^Gid:[[:space:]]+$go[[:space:]]+$go[[:space:]]+$go[[:space:]]+$go\$" ||
	attack_succeeded "a running verify keeps other gids: $(printf '%s\n' "$status" | grep ^Gid)"
printf '%s\n' "$status" | grep -E '^Groups:' | grep -qwE '0' &&
	attack_succeeded "a running verify keeps root's group"
printf '%s\n' "$status" | grep -qE '^CapEff:[[:space:]]+0+$' || attack_succeeded "a running verify keeps capabilities"
printf 'not a tarball' > "$T/fifo/f"
wait "$VPID" || true
pass "a running verify has the caller's uid and gid (all four), no root group, no capabilities"
