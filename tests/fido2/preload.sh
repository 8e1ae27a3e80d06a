#!/bin/sh
# Runs test_nsfido2_preload with the softfido2 shim preloaded into that program
# only (make and the shell stay clean). Run from the top build directory, as make
# check does.
set -eu
shim="$(pwd)/tests/softfido2/.libs/softfido2_preload.so"
prog="$(pwd)/tests/fido2/test_nsfido2_preload"
if [ ! -f "$shim" ]; then
	echo "preload.sh: $shim is missing (make check builds it)" >&2
	exit 1
fi
# Under ASan the shim comes before the ASan runtime in the initial library list.
ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0"
export ASAN_OPTIONS
exec env LD_PRELOAD="$shim" "$prog"
