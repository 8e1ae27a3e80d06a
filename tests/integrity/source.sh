#!/bin/sh
# Real package tarballs (must pass, digests as the registry has them), the approver's
# diff, and source-compare cases.
srcdir=${srcdir:-$(dirname "$0")/../..}
PYTHONDONTWRITEBYTECODE=1 exec python3 "$srcdir/tests/integrity/source.py" \
	"$PWD/helper/npm-release" "$srcdir/tests/integrity/fixtures"
