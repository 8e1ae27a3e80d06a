#!/bin/bash
# The Debian package as a new admin gets it. Builds pam-npmstage from a clean copy
# of this tree (git archive HEAD, so commit first) as a production build whose
# pkg-config cannot see cmocka, libpamtest or pam_wrapper (configure must not need
# them; make check must then stop at once naming them), checks it with lintian
# (no errors), then installs it with dpkg -i in a private mount namespace whose
# /etc, /usr and /var are overlays (the host is untouched) and checks what the
# package did and did not do: the module in the multiarch security folder, the
# helper setuid root through dpkg-statoverride, the check user, the root-only state
# and token folders, no PAM service or sudoers rule enabled, the examples naming
# the installed paths; then the admin's steps from README.md (groups, config, PAM
# service, tokens), check-config and one verify of a real tarball as a plain user
# from the installed paths; purge, and an admin's own statoverride kept.
# Root only (CI runs it after the suite). Usage: tests/package/deb.sh
set -euo pipefail
top=$(cd "$(dirname "$0")/../.." && pwd)
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
[ "$(id -u)" = 0 ] || fail "needs root (dpkg -i in a mount namespace)"

if [ -z "${NPMSTAGE_DEB_NS:-}" ]; then
	for tool in dpkg-buildpackage dh lintian unshare git; do
		command -v "$tool" >/dev/null || fail "needs $tool (tests/install-deps.sh installs it)"
	done
	T=$(mktemp -d /tmp/npmstage-deb.XXXXXX)
	trap 'rm -rf --one-file-system "$T"' EXIT
	chmod 0755 "$T"
	git -C "$top" rev-parse --verify -q HEAD >/dev/null || fail "$top is not a git checkout"
	echo "# building pam-npmstage from $(git -C "$top" rev-parse --short HEAD) (uncommitted changes are not in it)"
	git -C "$top" archive --format=tar --prefix=src/ HEAD | tar -x -C "$T"

	# A pkg-config that cannot find the test-only libraries.
	mkdir "$T/bin"
	cat > "$T/bin/pkg-config" <<'EOF'
#!/bin/sh
for a in "$@"; do
	case "$a" in cmocka*|libpamtest*|pam_wrapper*) exit 1 ;; esac
done
exec /usr/bin/pkg-config "$@"
EOF
	chmod 0755 "$T/bin/pkg-config"
	start=$(date +%s)
	(cd "$T/src" && PKG_CONFIG="$T/bin/pkg-config" DEB_BUILD_OPTIONS=nocheck \
		dpkg-buildpackage -us -uc -b) > "$T/build.log" 2>&1 ||
		{ tail -n 40 "$T/build.log"; fail "dpkg-buildpackage -us -uc -b"; }
	DEB=$(ls "$T"/pam-npmstage_*.deb)
	grep -q '^checking for cmocka\.\.\. no' "$T/build.log" || fail "the build saw cmocka: the no-test-deps case was not exercised"
	grep -qF 'make check needs libcmocka-dev libpamtest0-dev libpam-wrapper' "$T/build.log" ||
		fail "configure did not name the missing test packages"
	pass "dpkg-buildpackage -us -uc -b builds $(basename "$DEB") without cmocka, libpamtest, pam_wrapper ($(( $(date +%s) - start ))s)"

	rc=0
	check_out=$(timeout 60 make -C "$T/src/debian/build" check 2>&1) || rc=$?
	[ "$rc" != 0 ] || fail "make check without the test libraries exited 0"
	grep -qF 'make check needs libcmocka-dev libpamtest0-dev libpam-wrapper' <<<"$check_out" ||
		{ printf '%s\n' "$check_out" | tail -n 20; fail "make check did not name the missing packages"; }
	[ -z "$(find "$T/src/debian/build/tests" -name '*.o' -print -quit)" ] || fail "make check built tests before stopping"
	pass "make check without them stops at once: 'make check needs libcmocka-dev libpamtest0-dev libpam-wrapper'"

	lintian_out=$(lintian --no-cfg "$DEB" 2>&1 | grep -v '^running with root privileges' || true)
	printf '%s\n' "$lintian_out" | sed '/^$/d; s/^/    | /'
	grep -q '^E: ' <<<"$lintian_out" && fail "lintian reports errors"
	pass "lintian: no errors"

	cp "$top/tests/integrity/fixtures/ms-2.1.3.tgz" "$T/ms-2.1.3.tgz"
	chmod 0644 "$T/ms-2.1.3.tgz"
	export NPMSTAGE_DEB_NS=1 T DEB
	unshare --mount --propagation private true 2>/dev/null || fail "cannot create a mount namespace here"
	unshare --mount --propagation private bash "$0"
	exit $?
fi

# --- in the private mount namespace: /etc, /usr and /var are overlays ---------
: "${T:?}" "${DEB:?}"
for d in etc usr var; do
	mkdir "$T/$d-upper" "$T/$d-work"
	mount -t overlay overlay -o "lowerdir=/$d,upperdir=$T/$d-upper,workdir=$T/$d-work" "/$d" ||
		fail "cannot overlay /$d"
done
NR=/usr/bin/npm-release
MULTIARCH=$(dpkg-architecture -qDEB_HOST_MULTIARCH)
SUFFIX=$RANDOM
dpkg-query -W -f='${Status}' pam-npmstage 2>/dev/null | grep -q 'ok installed' &&
	fail "pam-npmstage is installed on this host: the test needs a host without it"
# Whatever a real installation left on this host goes, in the overlays only.
rm -rf /etc/pam.d/npm-release /etc/sudoers.d/npm-release /etc/npmstage /var/lib/npmstage \
	/var/cache/npmstage

out=$(dpkg -i "$DEB" 2>&1) || { printf '%s\n' "$out"; fail "dpkg -i"; }
[ "$(dpkg-statoverride --list $NR)" = "root root 4755 $NR" ] ||
	fail "statoverride: '$(dpkg-statoverride --list $NR)'"
[ "$(stat -c '%U %G %a' $NR)" = "root root 4755" ] || fail "helper is $(stat -c '%U %G %a' $NR)"
pass "npm-release is setuid root through dpkg-statoverride"
MOD=/usr/lib/$MULTIARCH/security/pam_npmstage.so
[ -f "$MOD" ] && dpkg -L pam-npmstage | grep -qx "$MOD" || fail "no $MOD"
dpkg -L pam-npmstage | grep -q '\.la$' && fail "the package ships a .la file"
pass "pam_npmstage.so is in /usr/lib/$MULTIARCH/security"
IFS=: read -r _ _ cuid _ _ chome cshell <<<"$(getent passwd npmstage-check)" || fail "no user npmstage-check"
[ "$cuid" -lt 1000 ] && [ "$cshell" = /usr/sbin/nologin ] && [ ! -e "$chome" ] ||
	fail "npmstage-check: uid $cuid, home $chome, shell $cshell"
for d in /var/lib/npmstage /etc/npmstage/tokens; do
	[ "$(stat -c '%U %G %a' "$d")" = "root root 700" ] || fail "$d is $(stat -c '%U %G %a' "$d")"
done
[ "$(stat -c '%U %G %a' /var/cache/npmstage)" = "root root 755" ] ||
	fail "/var/cache/npmstage is $(stat -c '%U %G %a' /var/cache/npmstage 2>&1)"
pass "check user npmstage-check (system, nologin, no home); /var/lib/npmstage and /etc/npmstage/tokens root 0700; /var/cache/npmstage 0755"
for f in /etc/pam.d/npm-release /etc/sudoers.d/npm-release /etc/npmstage/npmstage.conf; do
	[ ! -e "$f" ] || fail "the package created $f: enabling is the admin's step"
done
EX=/usr/share/doc/pam-npmstage/examples/conf
grep -q /usr/local/bin "$EX/sudoers.d/npm-release" && fail "the sudoers example names /usr/local/bin"
grep -q "$NR" "$EX/sudoers.d/npm-release" || fail "the sudoers example does not name $NR"
visudo -c -q -f "$EX/sudoers.d/npm-release" || fail "visudo rejects the sudoers example"
for m in man8/npm-release.8.gz man8/pam_npmstage.8.gz man5/npmstage.conf.5.gz; do
	[ -f "/usr/share/man/$m" ] || fail "no man page $m"
done
pass "nothing enabled (no PAM service, sudoers rule or config); examples name $NR and pass visudo; man pages"

# The admin's steps (README.md, "Install from the .deb").
for g in release-managers release-ci; do getent group "$g" >/dev/null || groupadd "$g"; done
APPROVER=ndebapp$SUFFIX
useradd -M -s /usr/sbin/nologin -G release-managers "$APPROVER"
cp "$EX/pam.d/npm-release" /etc/pam.d/npm-release
sed -e "s|^url = .*|url = http://127.0.0.1:9/|" \
    -e '/^\[scope /,$d' "$EX/npmstage.conf" > /etc/npmstage/npmstage.conf
# The example's advisories, filled as README says (an OSV export zip, here made
# from the test records instead of downloaded).
/usr/bin/python3 - "$top/tests/audit/data/osv" "$T/all.zip" <<'PY'
import glob, os, sys, zipfile
with zipfile.ZipFile(sys.argv[2], "w", zipfile.ZIP_DEFLATED) as z:
    for f in sorted(glob.glob(os.path.join(sys.argv[1], "*.json"))):
        z.write(f, os.path.basename(f))
PY
ADV=$(sed -n 's/^advisories = //p' /etc/npmstage/npmstage.conf)
[ "$ADV" = /var/cache/npmstage/osv-npm.db ] || fail "the example's advisories is '$ADV'"
out=$($NR advisories update --from "$T/all.zip" "$ADV" 2>&1) || { printf '%s\n' "$out"; fail "advisories update"; }
printf '%s\n' "$out" | sed 's/^/    | /'
printf '[scope *]\napprovers = %%release-managers\n' >> /etc/npmstage/npmstage.conf
chmod 0644 /etc/npmstage/npmstage.conf
printf 'token deb-test-release-%s\n' "$SUFFIX" | $NR token set || fail "token set"
printf 'token deb-test-read-%s\n' "$SUFFIX" | $NR token set --read || fail "token set --read"
rc=0
out=$($NR check-config 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
[ "$rc" = 0 ] || fail "check-config exited $rc"
grep -q ': OK$' <<<"$out" || fail "check-config did not say OK"
pass "the admin's steps (groups, config from the example, PAM service, tokens): check-config OK"

rc=0
out=$(setpriv --reuid=nobody --regid=nogroup --clear-groups -- $NR verify "$T/ms-2.1.3.tgz" 2>&1) || rc=$?
printf '%s\n' "$out" | sed 's/^/    | /'
[ "$rc" = 0 ] || fail "verify exited $rc"
want=$(awk '$1 == "ms-2.1.3.tgz" {print $3}' "$top/tests/integrity/fixtures/DIGESTS")
grep -q '^PASS ms@2.1.3$' <<<"$out" || fail "verify did not pass ms@2.1.3"
[ -z "$want" ] || grep -qF "integrity $want" <<<"$out" || fail "verify's integrity is not the registry's"
pass "a plain user's npm-release verify of a real tarball passes from the installed path"

# Purge: the statoverride goes; state holding files (the ledger) stays, said so.
out=$(dpkg --purge pam-npmstage 2>&1) || { printf '%s\n' "$out"; fail "dpkg --purge"; }
dpkg-statoverride --list $NR >/dev/null && fail "purge left the statoverride"
[ ! -e $NR ] && [ ! -e "$MOD" ] || fail "purge left the helper or the module"
[ -d /var/lib/npmstage ] || fail "purge deleted the state (the ledger) without the admin"
grep -q 'kept /var/lib/npmstage' <<<"$out" || fail "purge did not say it kept /var/lib/npmstage"
[ ! -e /var/cache/npmstage ] || fail "purge left the advisory cache"
pass "dpkg --purge removes the statoverride, the files and the advisory cache, keeps the ledger and says so"

# An admin's own statoverride (here: only release-managers may run it) is kept.
dpkg-statoverride --add root release-managers 4750 $NR
out=$(dpkg -i "$DEB" 2>&1) || { printf '%s\n' "$out"; fail "dpkg -i again"; }
[ "$(stat -c '%U %G %a' $NR)" = "root release-managers 4750" ] ||
	fail "the admin's override was replaced: $(stat -c '%U %G %a' $NR)"
pass "an admin's existing statoverride (root:release-managers 4750) is respected"
