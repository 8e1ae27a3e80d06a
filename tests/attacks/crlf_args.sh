#!/bin/bash
# Guarantee attacked: everything shown to a person is single-line and printable.
# CR, LF, ESC and other control characters in a caller's arguments (command
# names, stage ids, dist-tags, package names, paths given to -o, --lockfile,
# --level, TARBALL) never reach the terminal, a ledger line or `log` raw: no
# forged line, no carriage return, no escape sequence.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

EVIL=$'x\nFORGED ok - approved\r\e[2J\e]0;title\a'
raw_free() { # WHAT TEXT: TEXT has no forged line, CR, ESC or BEL
	if printf '%s\n' "$2" | grep -q '^FORGED'; then attack_succeeded "$1: a forged line reached the terminal"; fi
	case "$2" in *$'\r'*|*$'\e'*|*$'\a'*) attack_succeeded "$1: a raw control character reached the terminal" ;; esac
}
run_as() { # USER ARGS...: the helper as USER; output in OUT, status in RC
	RC=0
	OUT=$(as_user "$1" "$NR" "${@:2}" 2>&1 </dev/null) || RC=$?
	printf '%s\n' "$OUT" | cat -v | sed 's/^/    | /'
}
ADV="$T/adv"
cp -r "$SRCDIR/tests/audit/data/osv" "$ADV"
chmod -R a+rX "$ADV"
mkdir -m 0777 "$T/w"

checked=0
check() { # WHAT USER ARGS...
	local what=$1
	shift
	run_as "$@"
	[ "$RC" != 0 ] || fail "$what exited 0"
	raw_free "$what" "$OUT"
	checked=$((checked + 1))
}
check "unknown command" "$UO" "$EVIL"
check "advisories subcommand" "$UO" advisories "$EVIL" "$ADV"
check "advisories -o" "$UO" advisories index "$ADV" -o "$T/w/no$EVIL/index"
check "advisories DIR" "$UO" advisories index "$T/w/no$EVIL"
check "audit --level" "$UO" audit --level "$EVIL" --advisories "$ADV" --lockfile /dev/null
check "audit --lockfile" "$UO" audit --advisories "$ADV" --lockfile "$T/w/no$EVIL"
check "audit TARBALL" "$UO" audit --advisories "$ADV" "$T/w/no$EVIL"
check "verify TARBALL" "$UO" verify "$T/w/no$EVIL"
check "verify --expect" "$UO" verify --expect "$EVIL" "$T/w/none"
check "approve id" "$A1" approve "$EVIL"
check "reject id" "$A1" reject "$EVIL"
check "show id" "$A1" show "$EVIL"
check "stage --tag" "$ST" stage --tag "$EVIL" /dev/null
check "stage TARBALL" "$ST" stage "$T/w/no$EVIL.tgz"
pass "$checked commands with CR/LF/ESC/BEL in an argument: no raw control character, no forged line"

# A package whose name and version carry control characters, staged by the stager.
mkdir -p "$T/evilpkg/package"
printf '{"name":"evil\\nFORGED ok\\r\\u001b[2J","version":"1.0.0\\nFORGED","description":"x"}\n' \
	> "$T/evilpkg/package/package.json"
tar -czf "$T/w/evil.tgz" -C "$T/evilpkg" package
chmod 0644 "$T/w/evil.tgz"
check "stage of a package named with control characters" "$ST" stage "$T/w/evil.tgz"
run_as "$A1" list
raw_free "list" "$OUT"
run_as "$A1" log
raw_free "log" "$OUT"
if sqlite3 "$T/state/state.db" 'SELECT event || data FROM ledger' | LC_ALL=C grep -q $'[\x01-\x1f\x7f]'; then
	attack_succeeded "a ledger line holds a control character"
fi
sqlite3 "$T/state/state.db" 'SELECT data FROM ledger' | grep -c FORGED >/dev/null && attack_succeeded "the evil package reached the ledger"
pass "a package named with control characters is refused; list, log and the ledger hold no control character"

# A list filter goes into the registry's query string: only a name gets there
# (red-team finding: '?', '&' and a newline reached the query with the read token).
for name in 'a?b=c' 'x&package=other' $'a\r\nX-Injected: 1' '@a/b/c'; do
	expect_status 2 as_user "$ST" "$NR" list "$name"
	contains "$OUT" "is not a package name"
	raw_free "list filter" "$OUT"
done
pass "list refuses a filter that is not a package name before any request"
