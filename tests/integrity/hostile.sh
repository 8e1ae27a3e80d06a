#!/bin/sh
# Hostile-archive corpus: every rule of npm-release verify, one crafted tarball each.
srcdir=${srcdir:-$(dirname "$0")/../..}
PYTHONDONTWRITEBYTECODE=1 exec python3 "$srcdir/tests/integrity/hostile.py" \
	"$PWD/helper/npm-release"
