#!/bin/bash
# Installs what building, testing and the demo need on Debian 12 (as root): the
# Debian packages, then the pinned npm harness (Node 24, Verdaccio 9, npm 12,
# node-semver) into tests/registry/node_modules from its lockfile.
# Usage: tests/install-deps.sh [REGISTRY_DIR]   (default: this tree's tests/registry)
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
registry_dir=${1:-$here/registry}

packages=(
	autoconf automake libtool pkg-config make gcc clang
	libpam0g-dev libpam-wrapper libpamtest0-dev libpam-modules
	libfido2-dev libcbor-dev liboath-dev oathtool
	libcurl4-openssl-dev libjansson-dev libssl-dev zlib1g-dev libarchive-dev
	libsqlite3-dev libinih-dev libqrencode-dev libcmocka-dev
	ca-certificates curl openssl git
	strace python3
	openssh-client openssh-server
	pamtester sudo util-linux passwd
	debhelper dpkg-dev lintian adduser
)
missing=()
for p in "${packages[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ! command -v npm >/dev/null 2>&1; then
	missing+=(nodejs npm)
fi
if [ ${#missing[@]} -gt 0 ]; then
	if [ "$(id -u)" != 0 ]; then
		echo "install-deps: missing Debian packages (run as root): ${missing[*]}" >&2
		exit 1
	fi
	echo "install-deps: apt-get install ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ ! -x "$registry_dir/node_modules/.bin/verdaccio" ] ||
   [ "$registry_dir/package-lock.json" -nt "$registry_dir/node_modules/.package-lock.json" ]; then
	echo "install-deps: npm ci in $registry_dir (Node 24, Verdaccio 9, npm 12; pinned)"
	(cd "$registry_dir" && npm ci --no-audit --no-fund --loglevel=error >/dev/null)
fi
