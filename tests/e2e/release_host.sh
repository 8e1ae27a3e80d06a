# A release host in a temporary directory: npmstage.conf, state, token files and a
# PAM service file naming the built module by absolute path, used through
# pam_wrapper (no /etc/pam.d change, no root needed). Source after harness.sh.
#
#   host_setup MODE            (stage|local) -> HOST_DIR, HOST_CONF, APPROVER
#   nr ARGS...                 run the built npm-release against this host
#   host_enroll_totp           enrols $APPROVER through 'npm-release enroll totp'; sets APPROVER_SECRET
#                              and APPROVER_STEP (the step its activation code spent)
#   host_totp [+N]             the approver's current code (oathtool), optionally N steps ahead

: "${BUILDDIR:?BUILDDIR must point at the build tree}"
: "${PAM_WRAPPER_SO:?PAM_WRAPPER_SO must name libpam_wrapper.so}"
NPM_RELEASE="$BUILDDIR/helper/npm-release"
PAM_MODULE="$BUILDDIR/pam_npmstage/.libs/pam_npmstage.so"

host_setup() {
	local mode=$1
	HOST_DIR=$(mktemp -d /tmp/npmstage-host.XXXXXX)
	chmod 0755 "$HOST_DIR"
	mkdir -m 0755 "$HOST_DIR/etc" "$HOST_DIR/pam.d"
	mkdir -m 0700 "$HOST_DIR/etc/tokens" "$HOST_DIR/state"
	HOST_CONF="$HOST_DIR/etc/npmstage.conf"
	APPROVER=$(id -un)
	# The host's approver is whoever runs the tests (root in CI): root approves only
	# where the config says so. The attack and system tests use real users.
	local root_may=no
	[ "$(id -u)" != 0 ] || root_may=yes
	cat > "$HOST_CONF" <<CONF
[npmstage]
state_dir = $HOST_DIR/state
service = npm-release
factors = totp fido2
approval_ttl = 300
root_may_approve = $root_may

[totp]
window = 1
max_failures = 5
lockout = 300

[registry]
url = $REGISTRY_URL
mode = $mode
read_token_file = $HOST_DIR/etc/tokens/read
token_file = $HOST_DIR/etc/tokens/release
otp = stored

[audit]
advisories = $SRCDIR/tests/audit/data/osv

[scope *]
approvers = $APPROVER
source = $HOST_DIR/src/%n/%v
CONF
	mkdir -m 0755 "$HOST_DIR/src"
	chmod 0644 "$HOST_CONF"
	printf 'auth required %s config=%s\naccount required %s config=%s\n' \
		"$PAM_MODULE" "$HOST_CONF" "$PAM_MODULE" "$HOST_CONF" > "$HOST_DIR/pam.d/npm-release"
	printf 'auth required pam_deny.so\naccount required pam_deny.so\n' > "$HOST_DIR/pam.d/other"
}

# npm-release scrubs its environment before PAM loads, so pam_wrapper's DEEPBIND
# opt-out variable can't reach it; the nodeepbind shim (tests/common) does the same
# from outside, which sanitizer builds need.
NODEEPBIND_SO="$BUILDDIR/tests/common/.libs/nodeepbind.so"
nr() {
	local preload="$PAM_WRAPPER_SO"
	[ -f "$NODEEPBIND_SO" ] && preload="$NODEEPBIND_SO $PAM_WRAPPER_SO"
	env LD_PRELOAD="$preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$HOST_DIR/pam.d" \
		"$NPM_RELEASE" -c "$HOST_CONF" "$@"
}

host_enroll_totp() {
	local line pid
	coproc ENROLL { nr enroll totp "$APPROVER" 2>&1; }
	pid=$ENROLL_PID
	while IFS= read -r line <&"${ENROLL[0]}"; do
		case "$line" in
		otpauth://*) APPROVER_SECRET=$(printf '%s' "$line" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p'); break ;;
		esac
	done
	[ -n "${APPROVER_SECRET:-}" ] || return 1
	# Activation spends its code's step (single use): activate with the previous
	# step, still inside the window, so that the current one stays usable.
	[ $(( $(date +%s) % 30 )) -lt 28 ] || sleep 3
	APPROVER_STEP=$(( $(date +%s) / 30 - 1 ))
	oathtool --totp -b -N "@$(( APPROVER_STEP * 30 + 15 ))" "$APPROVER_SECRET" >&"${ENROLL[1]}"
	cat <&"${ENROLL[0]}" >/dev/null
	wait "$pid"
}

host_totp() {
	if [ -n "${1:-}" ]; then
		oathtool --totp -b -N "now + $((${1#+} * 30)) seconds" "$APPROVER_SECRET"
	else
		oathtool --totp -b "$APPROVER_SECRET"
	fi
}

host_cleanup() {
	[ -n "${HOST_DIR:-}" ] && rm -rf "$HOST_DIR"
	HOST_DIR=
}
