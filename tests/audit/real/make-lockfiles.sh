#!/bin/sh
# Regenerates the real lockfiles in tests/audit/data/real/ (not part of make check:
# it needs the public registry, through npm's default configuration).
# Each project below is a small real project; the pinned npm resolves it against
# the registry and writes package-lock.json at lockfile versions 1, 2 and 3.
# The registry's base URL in "resolved" fields is replaced by 127.0.0.1 so the
# committed fixtures name no host; integrity values stay as the registry gave them.
# usage: tests/audit/real/make-lockfiles.sh   (from the source tree's top)
set -eu
top=$(pwd)
nm="$top/tests/registry/node_modules"
PATH="$nm/.bin:$PATH"
export PATH
out="$top/tests/audit/data/real"
reg=$(npm config get registry)
reg=${reg%/}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# project NAME: $work/NAME has package.json (and folders); writes v1..v3 lockfiles
project() {
	name=$1
	for v in 1 2 3; do
		rm -f "$work/$name/package-lock.json"
		(cd "$work/$name" && npm install --package-lock-only --ignore-scripts --no-audit \
			--no-fund --allow-remote=all --lockfile-version "$v" >/dev/null 2>&1)
		mkdir -p "$out/$name-v$v"
		(cd "$work/$name" && find . -name package.json -not -path '*/node_modules/*' \
			-o -name '*.tgz' -not -path '*/node_modules/*') | while read -r f; do
			mkdir -p "$out/$name-v$v/$(dirname "$f")"
			case $f in
			*.tgz) cp "$work/$name/$f" "$out/$name-v$v/$f" ;;
			*) sed "s#$reg/#http://127.0.0.1:4873/#g" "$work/$name/$f" > "$out/$name-v$v/$f" ;;
			esac
		done
		sed "s#$reg/#http://127.0.0.1:4873/#g" "$work/$name/package-lock.json" \
			> "$out/$name-v$v/package-lock.json"
	done
}

mkdir -p "$out"

# a web app: aliases, dev, optional and peer dependencies, nested copies
mkdir -p "$work/webapp"
cat > "$work/webapp/package.json" <<'J'
{"name":"webapp","version":"1.0.0",
 "dependencies":{"express":"4.17.1","lodash-old":"npm:lodash@4.17.15","react-dom":"18.2.0",
   "debug":"^4.3.4"},
 "devDependencies":{"semver":"7.5.1","minimist":"1.2.5"},
 "optionalDependencies":{"ws":"7.4.5"}}
J
project webapp

# a monorepo: workspaces with their own nested node_modules, a workspace that
# depends on another, a folder outside the project (file:../), a file: tarball
mkdir -p "$work/monorepo/packages/a" "$work/monorepo/packages/b" "$work/monorepo/vendor" \
	"$work/fork" "$work/tiny/package"
cat > "$work/monorepo/package.json" <<'J'
{"name":"monorepo","version":"0.0.0","private":true,"workspaces":["packages/*"],
 "dependencies":{"fork":"file:../fork","tiny":"file:vendor/tiny-1.0.0.tgz"},
 "devDependencies":{"minimatch":"3.0.4"}}
J
cat > "$work/monorepo/packages/a/package.json" <<'J'
{"name":"@mono/a","version":"1.0.0","dependencies":{"minimatch":"3.0.4","qs":"6.10.2"}}
J
cat > "$work/monorepo/packages/b/package.json" <<'J'
{"name":"@mono/b","version":"1.0.0","dependencies":{"@mono/a":"1.0.0","minimatch":"^9.0.0",
 "qs":"6.11.0"},"devDependencies":{"ms":"2.0.0"}}
J
cat > "$work/fork/package.json" <<'J'
{"name":"fork","version":"2.0.0","dependencies":{"ms":"2.1.3"}}
J
printf '{"name":"tiny","version":"1.0.0","dependencies":{"y18n":"4.0.0"}}' \
	> "$work/tiny/package/package.json"
tar -czf "$work/monorepo/vendor/tiny-1.0.0.tgz" -C "$work/tiny" package
project monorepo

# a command-line tool: a deep production tree with several copies of a package
mkdir -p "$work/cli"
cat > "$work/cli/package.json" <<'J'
{"name":"cli","version":"3.1.0","bin":{"cli":"index.js"},
 "dependencies":{"yargs":"15.4.1","glob":"7.2.3","chalk":"2.4.2","node-fetch":"2.6.1"},
 "peerDependencies":{"typescript":">=4"},"peerDependenciesMeta":{"typescript":{"optional":true}}}
J
project cli

# a library whose dependency is a remote tarball URL (what `npm install URL` writes)
mkdir -p "$work/tarball-dep"
cat > "$work/tarball-dep/package.json" <<J
{"name":"tarball-dep","version":"1.0.0",
 "dependencies":{"left-pad":"$reg/left-pad/-/left-pad-1.3.0.tgz","elliptic":"6.5.4"}}
J
project tarball-dep

# shrinkwraps published inside real packages' tarballs (npm@3 era, no lockfileVersion)
published() { # NAME@VERSION DIR
	(cd "$work" && npm pack "$1" --silent >/dev/null 2>&1)
	tgz=$(ls "$work"/*.tgz | head -1)
	rm -rf "$work/package" "$out/$2"
	tar -xzf "$tgz" -C "$work" package/package.json package/npm-shrinkwrap.json
	mkdir -p "$out/$2"
	for f in package.json npm-shrinkwrap.json; do
		sed "s#$reg/#http://127.0.0.1:4873/#g" "$work/package/$f" > "$out/$2/$f"
	done
	rm -f "$tgz"
}
published appium@1.6.0 appium-1.6.0-shrinkwrap
published pm2@2.0.0 pm2-2.0.0-shrinkwrap
