#!/bin/sh
# The verify checks against the real world: `npm-release verify`, with no configuration,
# on the real published tarball of every package in tests/corpus/packages.txt, then a
# table of passed / warned (warning kinds counted) / rejected (each with its reason).
# Goal: 0 rejected. Not part of `make check`: it needs the public registry, reached
# through npm's own default configuration (no registry is named here).
#
# usage: tests/corpus/verify.sh [NPM_RELEASE]   (default: build/helper/npm-release)
# CORPUS_DIR (default /tmp/npmstage-corpus) keeps the npm cache and the tarballs, so a
# second run downloads nothing new.
# CORPUS_PREVIOUS=1 also fetches each package's previous version (the highest below it)
# and verifies with --previous, as approve does.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
helper=${1:-$here/../../build/helper/npm-release}
[ -x "$helper" ] || { echo "verify.sh: no npm-release at $helper (build first)" >&2; exit 2; }
exec python3 "$here/corpus.py" "$helper" "$here/packages.txt" \
	"${CORPUS_DIR:-/tmp/npmstage-corpus}"
