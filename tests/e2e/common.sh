# Shared by the end-to-end tests: a registry with a stager (may only stage) and a
# release account (may publish and approve, registry 2FA on), a release host, and
# small assertions. Everything lives in temporary directories removed on exit.
set -euo pipefail
: "${SRCDIR:?}" "${BUILDDIR:?}"
. "$SRCDIR/tests/registry/harness.sh"
. "$SRCDIR/tests/e2e/release_host.sh"

E2E_DIR=$(mktemp -d /tmp/npmstage-e2e.XXXXXX)
e2e_cleanup() {
	registry_stop
	host_cleanup
	rm -rf "$E2E_DIR"
}
trap e2e_cleanup EXIT

fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok - $*"; }
expect_status() { # WANT CMD...: runs CMD, its status must be WANT; output kept in $OUT
	local want=$1 rc=0
	shift
	OUT=$("$@" 2>&1) || rc=$?
	E2E_STEP=$(( ${E2E_STEP:-0} + 1 ))
	printf '%s\n' "$OUT" > "$E2E_DIR/step-$E2E_STEP.out"
	printf '%s\n' "$OUT" | sed 's/^/    | /'
	if [ "$rc" != "$want" ]; then
		# never echo what went to standard input (codes, tokens)
		[ "$1" = with_input ] && set -- with_input "<input>" "${@:3}"
		fail "exit $rc, wanted $want: $*"
	fi
}
with_input() { # INPUT CMD...: CMD with INPUT on its standard input
	local input=$1
	shift
	printf '%s\n' "$input" | "$@"
}
contains() { grep -qF -- "$2" <<<"$1" || fail "output lacks '$2'"; } # no pipe: under pipefail grep's early exit fails it

e2e_registry_users() {
	registry_start "$E2E_DIR/registry" || fail "registry did not start"
	STAGER_TOKEN=$(registry_adduser stager pw-stager-e2e-1) || fail "adduser stager"
	RELEASE_TOKEN=$(registry_adduser releasebot pw-release-e2e-1) || fail "adduser releasebot"
	RELEASE_SECRET=$(registry_enable_2fa "$RELEASE_TOKEN" pw-release-e2e-1) || fail "2fa"
	RELEASE_TFA_STEP=$(( $(date +%s) / 30 ))  # the registry step enabling 2FA spent
	registry_npmrc "$E2E_DIR/stager.npmrc" "$STAGER_TOKEN"
}

# The fault proxy (tests/registry/fault-proxy.js) in front of the registry:
# DIRECT_URL the registry, PROXY_URL the proxy; proxy_mode MODE switches it.
proxy_start() {
	DIRECT_URL=$REGISTRY_URL
	node "$SRCDIR/tests/registry/fault-proxy.js" "$DIRECT_URL" "$RELEASE_SECRET" \
		"$E2E_DIR/proxy.port" > "$E2E_DIR/proxy.log" 2>&1 &
	PROXY_PID=$!
	trap 'kill $PROXY_PID 2>/dev/null; e2e_cleanup' EXIT
	for _ in $(seq 1 100); do [ -s "$E2E_DIR/proxy.port" ] && break; sleep 0.1; done
	[ -s "$E2E_DIR/proxy.port" ] || fail "the fault proxy did not start"
	PROXY_URL="http://127.0.0.1:$(cat "$E2E_DIR/proxy.port")/"
}
proxy_mode() { curl -fsS -X POST --data "$1" "${PROXY_URL}__proxy/mode" >/dev/null || fail "proxy mode $1"; }

e2e_host() { # MODE: a release host with tokens stored and the approver enrolled
	host_setup "$1"
	printf 'token %s\ntotp sha1 6 30 %s\n' "$RELEASE_TOKEN" "$RELEASE_SECRET" | nr token set \
		|| fail "token set"
	printf 'token %s\n' "$STAGER_TOKEN" | nr token set --read || fail "token set --read"
	host_enroll_totp || fail "enroll totp"
}

# The source checkout of NAME@VERSION, where the host's [scope *] source points.
source_dir() { printf '%s/src/%s/%s' "$HOST_DIR" "$(printf '%s' "$1" | tr / +)" "$2"; }

# The approver's next unused TOTP code in CODE: steps are single-use, so each
# successful gate needs a later step; waits when the window is exhausted.
APPROVER_STEP=${APPROVER_STEP:-0}
approver_code() {
	local window=${TOTP_WINDOW:-1} now step
	now=$(( $(date +%s) / 30 ))
	step=$(( now - window ))
	[ "$step" -gt "$APPROVER_STEP" ] || step=$(( APPROVER_STEP + 1 ))
	while [ "$step" -gt $(( $(date +%s) / 30 + window )) ]; do sleep 1; done
	APPROVER_STEP=$step
	CODE=$(oathtool --totp -b -N "@$(( step * 30 + 15 ))" "$APPROVER_SECRET")
}

fixture_package() { # DIR NAME VERSION [EXTRA_JSON]
	mkdir -p "$1"
	printf '{"name":"%s","version":"%s","description":"e2e fixture","main":"index.js",'\
'"license":"MIT"%s}\n' "$2" "$3" "${4:-}" > "$1/package.json"
	printf 'module.exports = "%s@%s";\n' "$2" "$3" > "$1/index.js"
	printf '# %s\n' "$2" > "$1/README.md"
}

stage_with_npm() { # DIR -> prints the stage id (npm stage publish as the stager)
	(cd "$1" && npm stage publish --userconfig "$E2E_DIR/stager.npmrc" 2>&1) |
		sed -n 's/.*(staged with id \([0-9a-f-]*\)).*/\1/p'
}

# Installs NAME@VERSION with the real npm CLI into a fresh project and prints the
# integrity npm recorded (npm verifies it against the downloaded bytes).
npm_install_integrity() {
	local proj="$E2E_DIR/install-$RANDOM"
	mkdir -p "$proj"
	printf '{"name":"consumer","version":"1.0.0","private":true}\n' > "$proj/package.json"
	printf 'registry=%s\n' "$REGISTRY_URL" > "$proj/.npmrc"
	(cd "$proj" && npm install --no-audit --no-fund "$1@$2" >/dev/null 2>&1) || return 1
	node -e 'const l=require(process.argv[1]);const p=l.packages["node_modules/"+process.argv[2]];console.log(p.version+" "+p.integrity)' \
		"$proj/package-lock.json" "$1"
}

# A lockfile for DIR's package with the given locked dependencies ("name@version"...).
fixture_lockfile() {
	local dir=$1 name version
	shift
	name=$(node -p 'require(process.argv[1]).name' "$dir/package.json")
	version=$(node -p 'require(process.argv[1]).version' "$dir/package.json")
	node -e '
		const [name, version, ...deps] = process.argv.slice(1);
		const pkgs = { "": { name, version, dependencies: {} } };
		for (const d of deps) {
			const at = d.lastIndexOf("@");
			pkgs[""].dependencies[d.slice(0, at)] = "^" + d.slice(at + 1);
			pkgs["node_modules/" + d.slice(0, at)] = { version: d.slice(at + 1) };
		}
		console.log(JSON.stringify({ name, version, lockfileVersion: 3, requires: true, packages: pkgs }, null, 2));
	' "$name" "$version" "$@" > "$dir/package-lock.json"
}

sri_of() { printf 'sha512-%s' "$(openssl dgst -sha512 -binary "$1" | base64 -w0)"; }

packument_has() { # NAME VERSION -> 0 when the registry serves it
	curl -fsS "${REGISTRY_URL}$(printf '%s' "$1" | sed 's|/|%2f|')" 2>/dev/null |
		node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const d=JSON.parse(s);process.exit(d.versions&&d.versions[process.argv[1]]?0:1)})' "$2"
}
