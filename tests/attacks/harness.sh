# The attack suite's harness: a real installation of the setuid helper in a private
# mount namespace (overlay /etc, users that live only in that overlay), a Verdaccio
# registry on 127.0.0.1, and four real users:
#   $A1, $A2  approvers (TOTP secrets $S1, $S2), both in [scope *] and [scope @two/*]
#             (min_approvers = 2)
#   $ST       a stager (in [npmstage] stagers), not an approver
#   $UO       an outsider: neither
# Source it from an attack script after setting ATTACK_MODE=local|stage (default local).
# Each script states the guarantee it attacks; attack_succeeded fails it loudly.
#
#   write_conf [EXTRA]        rewrite /etc/npmstage/npmstage.conf; EXTRA is appended
#                             ([npmstage] keys go in ATTACK_NPMSTAGE_EXTRA)
#   nr ARGS...                the installed helper as root
#   as_user USER CMD...       CMD with USER's ids and groups (setpriv)
#   code SECRET               the next unused TOTP code for SECRET in CODE
#   stage_local NAME VERSION [EXTRA_JSON]  npm-release stage as root -> ID TGZ SRI
#   stage_npm NAME VERSION [EXTRA_JSON]    npm stage publish as the registry stager -> ID TGZ SRI
#   attack_succeeded WHAT     the attack worked: fail the script
set -euo pipefail
: "${SRCDIR:?}" "${BUILDDIR:?}"

skip() { echo "SKIP: $*"; exit 77; }
[ "$(id -u)" = 0 ] || skip "attacks run against a setuid installation: needs root (CI runs it as root)"
for tool in setpriv useradd userdel unshare sqlite3 oathtool; do
	command -v "$tool" >/dev/null || skip "needs $tool"
done
if [ -z "${NPMSTAGE_ATTACK_NS:-}" ]; then
	export NPMSTAGE_ATTACK_NS=1
	unshare --mount --propagation private true 2>/dev/null || skip "cannot create a mount namespace here"
	exec unshare --mount --propagation private bash "$0" "$@"
fi

ATTACK_MODE=${ATTACK_MODE:-local}
T=$(mktemp -d /tmp/npmstage-attack.XXXXXX)
chmod 0755 "$T"
mkdir "$T/etc-upper" "$T/etc-work"
if ! mount -t overlay overlay -o "lowerdir=/etc,upperdir=$T/etc-upper,workdir=$T/etc-work" /etc; then
	rm -rf --one-file-system "$T"
	skip "cannot overlay /etc in the private mount namespace"
fi

. "$SRCDIR/tests/e2e/common.sh"
. "$SRCDIR/tests/e2e/stopped.sh"
SUFFIX=$RANDOM
A1=natka1$SUFFIX A2=natka2$SUFFIX ST=natkst$SUFFIX UO=natkout$SUFFIX
ATTACK_CLEANUPS=()
attack_cleanup() {
	local u c
	for c in "${ATTACK_CLEANUPS[@]}"; do eval "$c" || true; done
	for u in "$A1" "$A2" "$ST" "$UO"; do userdel "$u" >/dev/null 2>&1 || true; done
	groupdel "natkci$SUFFIX" >/dev/null 2>&1 || true
	e2e_cleanup
	umount /etc 2>/dev/null || true
	rm -rf --one-file-system "$T"
}
trap attack_cleanup EXIT

attack_succeeded() { echo "ATTACK SUCCEEDED: $*" >&2; exit 1; }

make -C "$BUILDDIR" install DESTDIR="$T/root" > "$T/install.log" 2>&1 || { tail -20 "$T/install.log"; fail "make install"; }
NR=$(find "$T/root" -path '*/bin/npm-release' -type f | head -1)
MOD=$(find "$T/root" -name pam_npmstage.so -type f | head -1)
[ -n "$NR" ] && [ -n "$MOD" ] || fail "install lacks npm-release or pam_npmstage.so"
chown root:root "$NR" && chmod 4755 "$NR"
# A sanitizer build: LeakSanitizer cannot inspect a non-dumpable setuid process and
# would turn every exit into its own failure; the attacks still run, without it.
# (The output is taken whole: `ldd | grep -q` under pipefail fails when grep exits
# first.)
ATTACK_SANITIZED=
case "$(ldd "$NR" 2>/dev/null)" in
*libasan*)
	ATTACK_SANITIZED=1
	export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
	;;
esac
# Everything the users must reach (the helper, the advisories) is on a 0755 path.
chmod 0755 "$T/root" 2>/dev/null || true

e2e_registry_users
groupadd "natkci$SUFFIX"
useradd -M -s /usr/sbin/nologin "$A1"
useradd -M -s /usr/sbin/nologin "$A2"
useradd -M -s /usr/sbin/nologin -G "natkci$SUFFIX" "$ST"
useradd -M -s /usr/sbin/nologin "$UO"
as_user() { # USER CMD...
	local u=$1
	shift
	setpriv --reuid="$(id -u "$u")" --regid="$(id -g "$u")" --init-groups -- "$@"
}
nr() { "$NR" "$@"; }

mkdir -p -m 0755 /etc/npmstage
mkdir -m 0700 "$T/state" "$T/tokens"
CONF=/etc/npmstage/npmstage.conf
write_conf() { # [EXTRA]
	cat > "$CONF" <<CONF
[npmstage]
state_dir = $T/state
factors = totp fido2
approval_ttl = 300
stagers = %natkci$SUFFIX
${ATTACK_NPMSTAGE_EXTRA:-}

[totp]
window = 10

[audit]
advisories = $SRCDIR/tests/audit/data/osv

[registry]
url = $REGISTRY_URL
mode = $ATTACK_MODE
read_token_file = $T/tokens/read
token_file = $T/tokens/release
otp = stored

[scope *]
approvers = $A1 $A2

[scope @two/*]
approvers = $A1 $A2
min_approvers = 2
${1:-}
CONF
	chmod 0644 "$CONF"
}
write_conf
printf 'auth required %s config=%s\naccount required %s config=%s\n' "$MOD" "$CONF" "$MOD" "$CONF" \
	> /etc/pam.d/npm-release
printf 'token %s\ntotp sha1 6 30 %s\n' "$RELEASE_TOKEN" "$RELEASE_SECRET" | nr token set || fail "token set"
printf 'token %s\n' "$STAGER_TOKEN" | nr token set --read || fail "token set --read"
APPROVER=$A1; host_enroll_totp || fail "enroll $A1"; S1=$APPROVER_SECRET
APPROVER=$A2; host_enroll_totp || fail "enroll $A2"; S2=$APPROVER_SECRET

# Each code once, always a later step than the last (enrolment used the current one).
LAST_STEP=$(($(date +%s) / 30 + 1))
code() { # SECRET -> CODE
	local step=$(($(date +%s) / 30))
	[ "$step" -gt "$LAST_STEP" ] || step=$((LAST_STEP + 1))
	LAST_STEP=$step
	CODE=$(oathtool --totp -b -N "@$((step * 30))" "$1")
}
pack_pkg() { # NAME VERSION [EXTRA_JSON] -> DIR TGZ SRI
	DIR="$T/pkg-${1//[@\/]/_}-$2"
	fixture_package "$DIR" "$1" "$2" "${3:-}"
	# outside DIR: stage_npm packs DIR again, and must get the same bytes
	mkdir -p "$DIR.pack"
	(cd "$DIR" && npm pack --pack-destination "$DIR.pack" >/dev/null 2>&1) || fail "npm pack $1"
	TGZ=$(ls "$DIR.pack"/*.tgz)
	chmod 0755 "$DIR" "$DIR.pack"
	chmod 0644 "$TGZ"
	SRI=$(sri_of "$TGZ")
}
stage_local() { # NAME VERSION [EXTRA_JSON] -> ID TGZ SRI
	pack_pkg "$@"
	expect_status 0 nr stage "$TGZ"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
tar_package() { # DIR: DIR/package -> DIR/pkg.tgz, built with tar as a stager may
	# (npm pack drops or rewrites what some attacks need), readable by every user
	tar -C "$1" --owner=0 --group=0 --numeric-owner -czf "$1/pkg.tgz" package ||
		fail "tar $1"
	chmod 0755 "$1" && chmod 0644 "$1/pkg.tgz"
}
stage_tar_shrinkwrap() { # NAME EXTRA_JSON SHRINKWRAP_JSON -> ID: a local release of
	# NAME@1.0.0 built with tar (npm pack drops or rewrites npm-shrinkwrap.json)
	local d="$T/tar-$1"
	mkdir -p "$d/package"
	fixture_package "$d/package" "$1" 1.0.0 "$2"
	printf '%s\n' "$3" > "$d/package/npm-shrinkwrap.json"
	tar_package "$d"
	expect_status 0 nr stage "$d/pkg.tgz"
	ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
	[ -n "$ID" ] || fail "stage printed no id"
}
refused_before_prompt() { # NAME ATTACK EXPECT: $A1's approve of $ID (NAME@1.0.0) fails
	# before the factor's prompt, saying EXPECT; ATTACK names what going live would mean
	local rc=0
	code "$S1"
	printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$ID" > "$T/approve-$1.out" 2>&1 || rc=$?
	sed 's/^/    | /' "$T/approve-$1.out"
	if [ "$rc" = 0 ] || packument_has "$1" 1.0.0 2>/dev/null; then
		attack_succeeded "$1 went live $2"
	fi
	grep -q 'Verification code for' "$T/approve-$1.out" &&
		fail "$1: the approver was prompted for a code"
	contains "$(cat "$T/approve-$1.out")" "$3"
}
approve_as_a1() { # WANT ID -> OUT
	local rc=0
	code "$S1"
	OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$2" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	if [ "$rc" != "$1" ]; then
		case "$OUT" in *"is live"*) attack_succeeded "approve $2 exited $rc: it went live" ;; esac
		fail "approve exit $rc, want $1"
	fi
}
shrinkwrap_bundling() { # DIR NAME DEP... : DIR/package/npm-shrinkwrap.json with DEPs bundled, so
	# the audit has its tree and passes: only the install-time code is left to refuse
	local dir=$1 name=$2 deps="" pkgs="" d
	shift 2
	for d in "$@"; do
		deps="$deps${deps:+,}\"${d#node_modules/}\":\"1.0.0\""
		pkgs="$pkgs,\"$d\":{\"version\":\"1.0.0\",\"inBundle\":true}"
	done
	printf '{"name":"%s","version":"1.0.0","lockfileVersion":3,"requires":true,"packages":{"":{"name":"%s","version":"1.0.0","dependencies":{%s}}%s}}\n' \
		"$name" "$name" "$deps" "$pkgs" > "$dir/package/npm-shrinkwrap.json"
}
stage_npm() { # NAME VERSION [EXTRA_JSON] -> ID TGZ SRI
	pack_pkg "$@"
	ID=$(stage_with_npm "$DIR") || true # under pipefail a refusal would exit unexplained
	[ -n "$ID" ] || fail "npm stage publish printed no id"
}
echo "# attack harness: mode $ATTACK_MODE, approvers $A1 $A2, stager $ST, outsider $UO"
