#!/bin/sh
# Automake LOG_COMPILER: runs one test. Tests that load the PAM module get the
# real Linux-PAM stack through pam_wrapper (PAM_WRAPPER_SERVICE_DIR names their
# service files); under ASan, pam_wrapper's preload comes before the runtime.
test_path=$1
case "$test_path" in
*/pam/*|*/e2e/*|*.sh)
	PAM_WRAPPER_DISABLE_DEEPBIND=1
	# pam_wrapper 1.1.4 reads this name for its DEEPBIND opt-out
	UID_WRAPPER_DISABLE_DEEPBIND=1
	ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
	export PAM_WRAPPER_DISABLE_DEEPBIND UID_WRAPPER_DISABLE_DEEPBIND ASAN_OPTIONS
	;;
esac
case "$test_path" in
*/pam/*)
	exec env LD_PRELOAD="$PAM_WRAPPER_SO" PAM_WRAPPER=1 \
		PAM_WRAPPER_SERVICE_DIR="$BUILDDIR/tests/pam/services" "$@"
	;;
*.sh)
	exec "${SHELL_FOR_TESTS:-bash}" "$@"
	;;
*)
	exec "$@"
	;;
esac
