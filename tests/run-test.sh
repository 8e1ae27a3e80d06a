#!/bin/sh
# Automake LOG_COMPILER: runs one test. Tests that load the PAM module get the
# real Linux-PAM stack through pam_wrapper (PAM_WRAPPER_SERVICE_DIR names their
# service files); under ASan, pam_wrapper's preload comes before the runtime.
# Those whose name contains fido2, and the fault-injection run, also get the
# softfido2 shim after pam_wrapper, so libfido2 finds the soft authenticator.
test_path=$1
# Tests act as root or as their own users: a SUDO_UID left by `sudo make check`
# would make the helper act for that human instead (npm-release(8), SUDO).
unset SUDO_UID SUDO_GID SUDO_USER SUDO_COMMAND
preload=$PAM_WRAPPER_SO
case "$test_path" in
*/pam/*fido2*|*/fault/*)
	preload="$PAM_WRAPPER_SO $BUILDDIR/tests/softfido2/.libs/softfido2_preload.so"
	;;
esac
case "$test_path" in
*/pam/*|*/fault/*|*/e2e/*|*.sh)
	PAM_WRAPPER_DISABLE_DEEPBIND=1
	# pam_wrapper 1.1.4 reads this name for its DEEPBIND opt-out
	UID_WRAPPER_DISABLE_DEEPBIND=1
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export PAM_WRAPPER_DISABLE_DEEPBIND UID_WRAPPER_DISABLE_DEEPBIND ASAN_OPTIONS
	;;
esac
case "$test_path" in
*/pam/*|*/fault/*)
	exec env LD_PRELOAD="$preload" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$BUILDDIR/tests/pam/services" "$@"
	;;
*.sh)
	exec "${SHELL_FOR_TESTS:-bash}" "$@"
	;;
*)
	exec "$@"
	;;
esac
