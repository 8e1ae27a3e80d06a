# Shell helpers for tests that drive real OpenSSH with sk-soft, the software
# security key (tests/sshsk/sk-soft.c). Source it with BUILDDIR set (make check
# sets it). Typical use:
#   . "$SRCDIR/tests/sshsk/lib.sh"
#   SK_AS_USER=alice             # optional: keygen, agent and ssh-add run as alice
#   sk_agent_start "$T/sk"       # private dir (its parents searchable by alice)
#   trap sk_agent_stop EXIT
#   sk_keygen ed25519-sk "$SK_DIR/id"   # or ecdsa-sk; writes id and id.pub
#   sk_add "$SK_DIR/id"
#   sk_mode no-up                # takes effect at the agent's next signature
#   sk_sshsig "$SK_DIR/id.pub" FILE     # FILE.sig, signed through the agent
#   sk_sig_info FILE.sig         # "TYPE flags=0x01 counter=3"
# The agent's environment carries NPMSTAGE_SK_FILE (the key store) and
# NPMSTAGE_SK_MODE_FILE (what sk_mode writes); an absolute provider path and the -P
# allow-list are required (TESTING.md, "A security key over SSH without hardware").

SK_APPLICATION=ssh:npmstage
SK_NAMESPACE=npmstage-approval

# The provider as built by make check; after sk_setup, the copy the tools load.
sk_provider_path() {
	if [ -n "${SK_PROVIDER:-}" ]; then
		printf '%s\n' "$SK_PROVIDER"
	else
		printf '%s\n' "$BUILDDIR/tests/sshsk/.libs/sk-soft.so"
	fi
}

# _sk_run [--exec] CMD...: CMD in the sk environment, as SK_AS_USER when set
# (--exec replaces the shell, so that a background job's $! is CMD's pid).
_sk_run() {
	local ex=
	[ "$1" != --exec ] || { ex="exec"; shift; }
	if [ -n "${SK_AS_USER:-}" ]; then
		$ex setpriv --reuid="$(id -u "$SK_AS_USER")" --regid="$(id -g "$SK_AS_USER")" \
			--init-groups -- env HOME="$SK_DIR" NPMSTAGE_SK_FILE="$NPMSTAGE_SK_FILE" \
			NPMSTAGE_SK_MODE_FILE="$NPMSTAGE_SK_MODE_FILE" "$@"
	else
		$ex env NPMSTAGE_SK_FILE="$NPMSTAGE_SK_FILE" \
			NPMSTAGE_SK_MODE_FILE="$NPMSTAGE_SK_MODE_FILE" "$@"
	fi
}

_sk_fail() {
	echo "sk: $*" >&2
	return 1
}

# sk_setup DIR: DIR (created, 0700, owned by SK_AS_USER when set) holds the key
# store, the mode file, a copy of the provider (readable whatever the build dir's
# permissions), the agent socket and its log. Exports SK_DIR, SK_PROVIDER,
# NPMSTAGE_SK_FILE, NPMSTAGE_SK_MODE_FILE.
sk_setup() {
	local built
	built=$BUILDDIR/tests/sshsk/.libs/sk-soft.so
	[ -f "$built" ] || { _sk_fail "provider not built: $built (make check builds it)"; return 1; }
	mkdir -p "$1" || return 1
	SK_DIR=$(realpath "$1") || return 1
	SK_PROVIDER=$SK_DIR/sk-soft.so
	NPMSTAGE_SK_FILE=$SK_DIR/sk-store
	NPMSTAGE_SK_MODE_FILE=$SK_DIR/sk-mode
	export SK_DIR SK_PROVIDER NPMSTAGE_SK_FILE NPMSTAGE_SK_MODE_FILE
	install -m 0755 "$built" "$SK_PROVIDER" || return 1
	chmod 0700 "$SK_DIR" || return 1
	if [ -n "${SK_AS_USER:-}" ]; then
		chown "$(id -u "$SK_AS_USER"):$(id -g "$SK_AS_USER")" "$SK_DIR" || return 1
		_sk_run test -r "$SK_PROVIDER" ||
			{ _sk_fail "$SK_AS_USER cannot reach $SK_DIR (a parent not searchable?)"; return 1; }
	fi
}

# sk_agent_start DIR: ssh-agent in the foreground mode (-D) in the background,
# allowed to load only the provider; exports SSH_AUTH_SOCK and SK_AGENT_PID.
sk_agent_start() {
	local tries=100	# 5 s
	[ "${SK_DIR:-}" = "$(realpath -m "$1")" ] || sk_setup "$1" || return 1
	SSH_AUTH_SOCK=$SK_DIR/agent.sock
	rm -f "$SSH_AUTH_SOCK"
	(_sk_run --exec ssh-agent -D -a "$SSH_AUTH_SOCK" -P "$SK_PROVIDER" \
		>"$SK_DIR/agent.out" 2>"$SK_DIR/agent.log" </dev/null) &
	SK_AGENT_PID=$!
	export SSH_AUTH_SOCK SK_AGENT_PID
	while [ "$tries" -gt 0 ]; do
		[ -S "$SSH_AUTH_SOCK" ] && return 0
		kill -0 "$SK_AGENT_PID" 2>/dev/null || break
		sleep 0.05
		tries=$((tries - 1))
	done
	cat "$SK_DIR/agent.log" >&2
	_sk_fail "ssh-agent did not come up on $SSH_AUTH_SOCK"
}

# sk_agent_stop: stops the agent and any ssh-sk-helper it started (a "hang" one
# would otherwise sleep on), by their pids.
sk_agent_stop() {
	local kids
	[ -n "${SK_AGENT_PID:-}" ] || return 0
	kids=$(ps -o pid= --ppid "$SK_AGENT_PID" 2>/dev/null) || true
	# shellcheck disable=SC2086
	kill $kids "$SK_AGENT_PID" 2>/dev/null || true
	wait "$SK_AGENT_PID" 2>/dev/null || true
	SK_AGENT_PID=
	return 0
}

# sk_keygen TYPE FILE [ssh-keygen options...]: enrols a new key on the soft
# authenticator (TYPE ed25519-sk or ecdsa-sk, application ssh:npmstage, no
# passphrase); writes FILE and FILE.pub.
sk_keygen() {
	local type=$1 file=$2
	shift 2
	[ -n "${SK_DIR:-}" ] || { _sk_fail "sk_keygen before sk_setup/sk_agent_start"; return 1; }
	_sk_run ssh-keygen -q -t "$type" -w "$SK_PROVIDER" -N '' \
		-O application="$SK_APPLICATION" "$@" -f "$file" </dev/null
}

# sk_add FILE: hands the key to the agent with the provider that signs for it.
sk_add() {
	_sk_run ssh-add -q -S "$SK_PROVIDER" "$1" </dev/null
}

# sk_mode MODE: normal, no-up, uv, deny, zero-counter, lower-counter or hang; read
# by the provider at each signature, so it changes a running agent's behaviour.
sk_mode() {
	local tmp=$NPMSTAGE_SK_MODE_FILE.tmp
	printf '%s\n' "$1" >"$tmp" && chmod 0644 "$tmp" && mv -f "$tmp" "$NPMSTAGE_SK_MODE_FILE"
}

# sk_sshsig PUB FILE [NAMESPACE]: FILE.sig, an SSHSIG made by the agent's key PUB.
sk_sshsig() {
	rm -f "$2.sig"
	_sk_run env SSH_AUTH_SOCK="$SSH_AUTH_SOCK" ssh-keygen -q -Y sign \
		-n "${3:-$SK_NAMESPACE}" -f "$1" "$2" </dev/null
}

# sk_sig_info SIGFILE: the sk signature's type, flags and counter from an armored
# SSHSIG ("sk-ssh-ed25519@openssh.com flags=0x01 counter=2"); stock ssh-keygen
# -Y verify does not print them.
sk_sig_info() {
	python3 - "$1" <<'PY'
import base64, struct, sys
lines = open(sys.argv[1]).read().split("\n")
b = base64.b64decode("".join(l for l in lines if l and not l.startswith("-----")))
if b[:6] != b"SSHSIG":
    sys.exit("not an SSHSIG signature")
off = 10
def string(buf):
    global off
    n = struct.unpack(">I", buf[off:off + 4])[0]
    v = buf[off + 4:off + 4 + n]
    if len(v) != n:
        sys.exit("truncated")
    off += 4 + n
    return v
for _ in range(4):           # public key, namespace, reserved, hash algorithm
    string(b)
sig = string(b)
off = 0
kind = string(sig).decode()
string(sig)                  # the signature proper
if len(sig) != off + 5:
    sys.exit("not an sk signature")
print("%s flags=0x%02x counter=%d" % (kind, sig[off], struct.unpack(">I", sig[off + 1:])[0]))
PY
}
