# Test harness: a throwaway Verdaccio 9 registry (stage + tfa flags) on a free
# 127.0.0.1 port with temporary storage, driven over HTTP, stopped by pid.
# Source this file; it needs tests/registry/node_modules (npm ci) for Node 24,
# Verdaccio and the npm CLI.
#
#   registry_start DIR        -> sets REGISTRY_URL, REGISTRY_PID, REGISTRY_DIR
#                                (REGISTRY_PUBLISHERS: who may publish, default releasebot)
#   registry_adduser NAME PW  -> prints the user's bearer token
#   registry_enable_2fa TOKEN PW -> prints the account's base32 TOTP secret
#   registry_stop

harness_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
# NPMSTAGE_REGISTRY_MODULES points elsewhere (make distcheck builds from a copy
# of the sources without node_modules).
REGISTRY_BIN="${NPMSTAGE_REGISTRY_MODULES:-$harness_dir/node_modules}/.bin"
if [ ! -x "$REGISTRY_BIN/verdaccio" ] || [ ! -x "$REGISTRY_BIN/node" ]; then
	echo "harness: $REGISTRY_BIN lacks verdaccio/node: run 'npm ci' in tests/registry" >&2
	return 1 2>/dev/null || exit 1
fi
export PATH="$REGISTRY_BIN:$PATH"

free_port() {
	node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}

registry_start() {
	REGISTRY_DIR=$1
	local port i
	port=$(free_port) || return 1
	mkdir -p "$REGISTRY_DIR/storage"
	cat > "$REGISTRY_DIR/config.yaml" <<YAML
storage: $REGISTRY_DIR/storage
secret: 5f0c2b7e9d4a1c3e8f6b0a2d4c6e8f0a1b3c5d7e9f1a3b5c7d9e1f3a5b7c9d1e
auth:
  htpasswd:
    file: $REGISTRY_DIR/htpasswd
    max_users: 100
uplinks: {}
packages:
  '@*/*':
    access: \$all
    stage: \$authenticated
    publish: ${REGISTRY_PUBLISHERS:-releasebot}
    unpublish: releasebot
  '**':
    access: \$all
    stage: \$authenticated
    publish: ${REGISTRY_PUBLISHERS:-releasebot}
    unpublish: releasebot
listen: 127.0.0.1:$port
web:
  enable: false
flags:
  stage: true
  tfa: true
log: { type: stdout, format: pretty, level: warn }
YAML
	# verdaccio-guard.js: Verdaccio 9 can crash on its own stage tarball race.
	NODE_OPTIONS="--require $harness_dir/verdaccio-guard.js" \
		verdaccio --config "$REGISTRY_DIR/config.yaml" > "$REGISTRY_DIR/verdaccio.log" 2>&1 &
	REGISTRY_PID=$!
	REGISTRY_URL="http://127.0.0.1:$port/"
	for i in $(seq 1 300); do
		if curl -fsS "${REGISTRY_URL}-/ping" >/dev/null 2>&1; then
			return 0
		fi
		if ! kill -0 "$REGISTRY_PID" 2>/dev/null; then
			echo "harness: verdaccio died:" >&2
			cat "$REGISTRY_DIR/verdaccio.log" >&2
			return 1
		fi
		sleep 0.1
	done
	echo "harness: verdaccio did not answer on $REGISTRY_URL" >&2
	return 1
}

registry_stop() {
	if [ -n "${REGISTRY_PID:-}" ] && kill -0 "$REGISTRY_PID" 2>/dev/null; then
		kill "$REGISTRY_PID"
		wait "$REGISTRY_PID" 2>/dev/null || true
	elif [ -n "${REGISTRY_PID:-}" ]; then
		# it ended on its own during the test: say why, for whoever reads the log
		echo "harness: the registry (pid $REGISTRY_PID) died during the test; its log ends:" >&2
		tail -n 40 "$REGISTRY_DIR/verdaccio.log" >&2 2>/dev/null || true
	fi
	REGISTRY_PID=
}

json_field() { # json_field FIELD < json
	node -e 'let s="";process.stdin.on("data",d=>s+=d).on("end",()=>{const v=JSON.parse(s)[process.argv[1]];if(v===undefined)process.exit(1);console.log(typeof v==="string"?v:JSON.stringify(v))})' "$1"
}

registry_adduser() {
	curl -fsS -X PUT -H 'content-type: application/json' \
		"${REGISTRY_URL}-/user/org.couchdb.user:$1" \
		-d "{\"name\":\"$1\",\"password\":\"$2\",\"email\":\"$1@example.invalid\"}" | json_field token
}

registry_enable_2fa() { # TOKEN PASSWORD -> base32 secret; uses up the current step's code
	local uri secret code
	uri=$(curl -fsS -X POST -H "authorization: Bearer $1" -H 'content-type: application/json' \
		"${REGISTRY_URL}-/npm/v1/user" \
		-d "{\"tfa\":{\"mode\":\"auth-and-writes\",\"password\":\"$2\"}}" | json_field tfa) || return 1
	secret=$(printf '%s' "$uri" | sed -n 's/.*[?&]secret=\([A-Z2-7]*\).*/\1/p')
	[ -n "$secret" ] || return 1
	code=$(oathtool --totp -b "$secret")
	curl -fsS -X POST -H "authorization: Bearer $1" -H 'content-type: application/json' \
		"${REGISTRY_URL}-/npm/v1/user" -d "{\"tfa\":[\"$code\"]}" >/dev/null || return 1
	printf '%s\n' "$secret"
}

# npmrc for a user token against the harness registry.
registry_npmrc() { # FILE TOKEN
	local hostpath=${REGISTRY_URL#http:}
	printf 'registry=%s\n%s:_authToken=%s\n' "$REGISTRY_URL" "$hostpath" "$2" > "$1"
	chmod 600 "$1"
}
