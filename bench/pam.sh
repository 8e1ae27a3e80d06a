#!/bin/sh
# bench/pam.sh BUILDDIR [N_TOTP [N_FIDO2 [N_SSHSK]]]: pam_npmstage vs pam_oath
# (TOTP) and vs pam_u2f (FIDO2, reference) in one run of bench/pam_bench under
# pam_wrapper, with the softfido2 shim as the security key; and pam_npmstage's
# ssh-sk factor signing through a real ssh-agent with sk-soft (the approver is
# root, the agent's owner). Prints per-op times and ratios.
# Needs libpam-oath and libpam-u2f (pamu2fcfg), and ssh-agent for ssh-sk.
# Not part of make check.
set -eu
build=$(cd "${1:?usage: bench/pam.sh BUILDDIR [N_TOTP [N_FIDO2 [N_SSHSK]]]}" && pwd)
n_totp=${2:-200}
n_fido2=${3:-100}
n_sshsk=${4:-100}
secdir=/lib/x86_64-linux-gnu/security
for m in pam_oath.so pam_u2f.so; do
	[ -f "$secdir/$m" ] || { echo "bench/pam.sh: $secdir/$m missing" >&2; exit 1; }
done
make -C "$build" -s bench/pam_bench tests/softfido2/softfido2_preload.la \
	pam_npmstage/pam_npmstage.la tests/sshsk/sk-soft.la >/dev/null
wrapper=$(pkg-config --libs pam_wrapper | tr -d ' ')
shim="$build/tests/softfido2/.libs/softfido2_preload.so"
work=$(mktemp -d /tmp/pam-bench.XXXXXX)
agent_pid=
trap 'if [ -n "$agent_pid" ]; then kill "$agent_pid"; fi; rm -rf "$work"' EXIT
chmod 0755 "$work"
mkdir -p "$work/services" "$work/oath"
chmod 0700 "$work/oath"

printf 'auth required %s config=%s\n' "$build/pam_npmstage/.libs/pam_npmstage.so" \
	"$work/fix/npmstage.conf" > "$work/services/bench-npmstage"
printf 'auth required %s/pam_oath.so usersfile=%s window=1 digits=6\n' "$secdir" \
	"$work/oath/users.oath" > "$work/services/bench-oath"
printf 'auth required %s/pam_u2f.so authfile=%s origin=pam://npmstage-bench appid=pam://npmstage-bench\n' \
	"$secdir" "$work/u2f_keys" > "$work/services/bench-u2f"

printf 'auth required pam_deny.so\n' > "$work/services/other"

# pam_u2f's key for root, made by pamu2fcfg on the soft authenticator (x5c attestation)
env LD_PRELOAD="$shim" SOFTFIDO2_ATTEST=x5c SOFTFIDO2_COUNTER_FILE="$work/counter" \
	pamu2fcfg -u root -o pam://npmstage-bench -i pam://npmstage-bench > "$work/u2f_keys"
chmod 0600 "$work/u2f_keys"

# The libraries of all three modules are resident for the whole run, as they are in
# the PAM application (npm-release links jansson, sqlite, libcrypto, libfido2): each
# pam_start still maps and relocates the module itself, but none of them pays for
# loading and unloading its libraries on every authentication while another finds
# them already loaded by this harness. BENCH_COLD=1 measures without this.
resident=""
if [ -z "${BENCH_COLD:-}" ]; then
	resident=$(for m in "$build/pam_npmstage/.libs/pam_npmstage.so" "$secdir/pam_oath.so" \
		"$secdir/pam_u2f.so"; do ldd "$m"; done | awk '$3 ~ /^\// {print $3}' | sort -u |
		tr '\n' ' ')
fi

# ssh-sk: an agent that may load only sk-soft, holding one ed25519-sk key
sshsk=
if [ "$n_sshsk" -gt 0 ]; then
	sk=$work/sk
	mkdir -m 0700 "$sk"
	install -m 0755 "$build/tests/sshsk/.libs/sk-soft.so" "$sk/sk-soft.so"
	export NPMSTAGE_SK_FILE="$sk/sk-store" NPMSTAGE_SK_MODE_FILE="$sk/sk-mode"
	export SSH_AUTH_SOCK="$sk/agent.sock"
	ssh-agent -D -a "$SSH_AUTH_SOCK" -P "$sk/sk-soft.so" >/dev/null 2>"$sk/agent.log" </dev/null &
	agent_pid=$!
	for _ in $(seq 1 100); do [ -S "$SSH_AUTH_SOCK" ] && break; sleep 0.05; done
	ssh-keygen -q -t ed25519-sk -w "$sk/sk-soft.so" -N '' -O application=ssh:npmstage \
		-f "$sk/id" </dev/null
	ssh-add -q -S "$sk/sk-soft.so" "$sk/id" </dev/null
	sshsk="ssh-sk $(cut -d' ' -f1,2 "$sk/id.pub") uv=0"
fi

${BENCH_WRAP:-} env NPMSTAGE_BENCH_SSHSK="$sshsk" LD_PRELOAD="$wrapper $shim $resident" PAM_WRAPPER=1 PAM_WRAPPER_DISABLE_DEEPBIND=1 UID_WRAPPER_DISABLE_DEEPBIND=1 \
	PAM_WRAPPER_SERVICE_DIR="$work/services" SOFTFIDO2_COUNTER_FILE="$work/counter" \
	"$build/bench/pam_bench" "$work" "$n_totp" "$n_fido2" "$n_sshsk"
