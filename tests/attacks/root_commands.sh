#!/bin/bash
# Guarantee attacked: the administrative commands stay with root (and, for
# token list, root and the approvers): a stager or an outsider can neither see
# where the tokens are kept and how they are protected (token list), nor store
# or remove a token, nor list, add, remove or unlock an approver's factors, nor
# run check-config. Root's own enroll remove says plainly what it removed.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"

tokens_before=$(stat -c '%n %s %Y' "$T/tokens/release" "$T/tokens/read")
for U in "$ST" "$UO"; do
	for cmd in "token list" "token list --json"; do
		rc=0
		# shellcheck disable=SC2086
		OUT=$(as_user "$U" "$NR" $cmd 2>&1) || rc=$?
		printf '%s\n' "$OUT" | sed 's/^/    | /'
		case "$OUT" in *"$T/tokens"*|*0600*) attack_succeeded "$U read the token files' paths or modes ($cmd)" ;; esac
		[ "$rc" = 1 ] || attack_succeeded "$U ran $cmd (exit $rc)"
	done
	rc=0
	OUT=$(printf 'token stolen-%s\n' "$SUFFIX" | as_user "$U" "$NR" token set 2>&1) || rc=$?
	[ "$rc" = 1 ] || attack_succeeded "$U stored a release token (exit $rc)"
	rc=0
	OUT=$(as_user "$U" "$NR" token remove --read 2>&1) || rc=$?
	[ "$rc" = 1 ] || attack_succeeded "$U removed the read token (exit $rc)"
	[ "$(stat -c '%n %s %Y' "$T/tokens/release" "$T/tokens/read")" = "$tokens_before" ] ||
		attack_succeeded "$U changed a token file"
	pass "$U: token list, set and remove refused; the token files unchanged"

	for cmd in "enroll list $A1" "enroll unlock $A1" "enroll remove $A1 totp" "check-config"; do
		rc=0
		# shellcheck disable=SC2086
		OUT=$(as_user "$U" "$NR" $cmd </dev/null 2>&1) || rc=$?
		printf '%s\n' "$OUT" | sed 's/^/    | /'
		[ "$rc" = 1 ] || attack_succeeded "$U ran $cmd (exit $rc)"
	done
	rc=0
	OUT=$(as_user "$U" "$NR" enroll totp "$U" </dev/null 2>&1) || rc=$?
	case "$OUT" in *otpauth://*) attack_succeeded "$U started a TOTP enrolment for itself" ;; esac
	[ "$rc" = 1 ] || attack_succeeded "$U ran enroll totp (exit $rc)"
	pass "$U: enroll list, unlock, remove, totp and check-config refused"
done

# The approver still may: token list is root's and the approvers'.
expect_status 0 as_user "$A1" "$NR" token list
contains "$OUT" "$T/tokens/release"
contains "$OUT" "0600"
case "$OUT" in *"$RELEASE_TOKEN"*) attack_succeeded "token list showed the token" ;; esac
pass "an approver lists the token files (owner and mode, never contents)"

expect_status 0 nr enroll list "$A2"
contains "$OUT" "totp"
expect_status 0 nr enroll remove "$A2" totp
contains "$OUT" "totp removed for $A2"
case "$OUT" in *"totp totp"*) fail "enroll remove says: $OUT" ;; esac
expect_status 0 nr enroll list "$A2"
contains "$OUT" "$A2: nothing enrolled"
pass "root: enroll remove USER totp says 'totp removed for USER' and the factor is gone"
