#!/bin/bash
# Guarantee attacked: hostile arguments to approve (a release train) and show
# --train approve nothing and get a clear error: 101 ids, duplicate ids (in any
# spelling), ids of releases the caller may not approve, --package globs with
# control characters or 10k long, --since garbage or overflow, --staged-by with
# invalid names, ids mixed with selectors, and show --train by a non-approver.
# A usage error exits 2; a refusal exits 1; no approval, train or publish is
# recorded for them, and nothing the caller typed comes back with a control
# character.
. "$SRCDIR/tests/attacks/harness.sh"

approvals() { sqlite3 "$T/state/state.db" 'SELECT count(*) FROM approvals'; }
trains() { sqlite3 "$T/state/state.db" "SELECT count(*) FROM ledger WHERE data LIKE '%\"train\":%'"; }
run_as() { # USER WANT ARGS...: USER's npm-release ARGS exits WANT, prompts for nothing
	local u=$1 want=$2 rc=0
	shift 2
	OUT=$(printf '000000\n' | as_user "$u" "$NR" "$@" 2>&1) || rc=$?
	printf '%s\n' "$OUT" | cut -c1-300 | sed 's/^/    | /'
	case "$OUT" in *"Verification code"*|*"Approve a train"*) attack_succeeded "$u was prompted: $*" ;; esac
	case "$OUT" in *"is live"*) attack_succeeded "$u published: $*" ;; esac
	[ "$rc" = "$want" ] || fail "$u: exit $rc, want $want: $(printf '%.200s' "$*")"
	if LC_ALL=C grep -q '[[:cntrl:]]' <<<"$(tr -d '\n\t' <<<"$OUT")"; then
		attack_succeeded "a control character came back to the terminal: $(printf '%.80s' "$*" | od -c | head -2)"
	fi
	return 0
}

stage_local ta-a-$SUFFIX 1.0.0; IA=$ID
stage_local ta-b-$SUFFIX 1.0.0; IB=$ID
BEFORE_APPROVALS=$(approvals) BEFORE_TRAINS=$(trains)
nothing_approved() {
	[ "$(approvals)" = "$BEFORE_APPROVALS" ] || attack_succeeded "$1 created an approval"
	[ "$(trains)" = "$BEFORE_TRAINS" ] || attack_succeeded "$1 recorded a train"
	[ -n "${A_APPROVED:-}" ] || ! packument_has ta-a-$SUFFIX 1.0.0 2>/dev/null || attack_succeeded "$1 published ta-a"
	packument_has ta-b-$SUFFIX 1.0.0 2>/dev/null && attack_succeeded "$1 published ta-b"
	return 0
}

# 1. 101 ids (100 unknown and one real), by an approver and by the stager.
MANY=()
for i in $(seq 1 100); do MANY+=("$(printf '%08x-0000-4000-8000-%012x' "$i" "$i")"); done
for u in "$A1" "$ST" "$UO"; do
	run_as "$u" 2 approve "${MANY[@]}" "$IA"
	contains "$OUT" "at most 100 members"
	run_as "$u" 2 show --train "${MANY[@]}" "$IA"
	contains "$OUT" "at most 100 members"
done
nothing_approved "101 ids"
pass "101 ids: usage error (exit 2) for approvers, stager and outsider; nothing approved"

# 2. Duplicate ids, in other spellings of one UUID: one member, approved once.
UPPER=$(tr 'a-f' 'A-F' <<<"$IA")
run_as "$ST" 1 approve "$IA" "$IA" "$UPPER"
contains "$OUT" "not an approver"
nothing_approved "the stager's duplicate ids"
code "$S1"
OUT=$(printf '%s\n' "$CODE" | as_user "$A1" "$NR" approve "$IA" "$UPPER" "$IA" 2>&1) || true
printf '%s\n' "$OUT" | sed 's/^/    | /'
case "$OUT" in
*"a train of 1 package"*|*"a train of 1 packages"*) ;;
*"in the train twice"*|*"duplicate"*) ;;
*) fail "duplicate ids: neither one member nor a clear refusal" ;;
esac
[ "$(grep -c 'Verification code' <<<"$OUT")" -le 1 ] || attack_succeeded "duplicate ids prompted more than once"
N=$(sqlite3 "$T/state/state.db" "SELECT count(*) FROM approvals WHERE release_id = '$IA'")
[ "$N" -le 1 ] || attack_succeeded "duplicate ids created $N approvals of $IA"
N=$(nr log | grep -cE "^ *[0-9]+ [^ ]+ publish .*$IA" || true)
[ "$N" -le 1 ] || attack_succeeded "$IA was published $N times"
pass "duplicate ids (three spellings) make one member at most once"
A_APPROVED=1 # from here only ta-b must stay unpublished
BEFORE_APPROVALS=$(approvals) BEFORE_TRAINS=$(trains)

refused() { # the stager: refused before any check; the outsider: before anything
	grep -qE "refused before any check|not an approver|neither an approver nor a stager" <<<"$OUT" ||
		fail "no clear refusal"
}

# 3. Releases the caller may not approve (staged by someone else): the stager and
#    the outsider, by id and by selector, for approve and show --train.
for u in "$ST" "$UO"; do
	for cmd in approve "show --train"; do
		# shellcheck disable=SC2086
		run_as "$u" 1 $cmd "$IB"
		refused
		case "$OUT" in *"checking "*) attack_succeeded "$u's $cmd checked $IB" ;; esac
		# shellcheck disable=SC2086
		run_as "$u" 1 $cmd "$IB" "$IA"
		refused
		set -f
		# shellcheck disable=SC2086
		run_as "$u" 1 $cmd --package '*'
		set +f
		refused
		case "$OUT" in *"checking "*) attack_succeeded "$u's $cmd --package '*' checked a release" ;; esac
	done
done
nothing_approved "the stager's and outsider's trains"
pass "the stager and the outsider: approve and show --train refused before any check (exit 1)"

# 4. --package: control characters, 10k long, empty.
LONG=$(head -c 10000 /dev/zero | tr '\0' 'a')
for u in "$A1" "$ST"; do
	run_as "$u" 2 approve --package "$LONG"
	run_as "$u" 2 approve --package ''
	run_as "$u" 2 show --train --package "$LONG"
	run_as "$u" 1 approve --package "$(printf 'ta-\033[2J\r*\n')"
	contains "$OUT" "nothing staged matches"
done
nothing_approved "hostile --package"
pass "--package 10k long or empty: exit 2; with control characters: matches nothing (exit 1), nothing echoed"

# 5. --since: garbage, overflow, negative, escape sequences.
for v in yesterday 99999999999999999999 9223372036854775807 -5 1e9 10y 99999999d 1000001m \
	'2026-13-45' '2026-12-07T25:00:00Z' '' "$(printf '\033]0;owned\007x')" $'1h\n' 0x10; do
	for u in "$A1" "$ST"; do
		run_as "$u" 2 approve --since "$v"
	done
	contains "$OUT" "is not a time"
done
nothing_approved "hostile --since"
pass "--since garbage, overflow and escapes: exit 2, 'not a time', nothing echoed raw"

# 6. --staged-by: invalid user names.
for v in '../etc' 'a b' "$(head -c 300 /dev/zero | tr '\0' u)" $'root\n' '' '-x' \
	"$(printf 'a\033[1m')" '%group'; do
	run_as "$A1" 2 approve --staged-by "$v"
	run_as "$ST" 2 show --train --staged-by "$v"
done
nothing_approved "hostile --staged-by"
pass "--staged-by with invalid names: exit 2"

# 7. Ids mixed with selectors; a selector and an option the command does not take.
run_as "$A1" 2 approve "$IA" --package 'ta-*'
contains "$OUT" "not both"
run_as "$A1" 2 approve --staged-by root "$IB"
run_as "$A1" 2 approve --json
run_as "$A1" 2 approve --package 'ta-*' --otp 123456
run_as "$A1" 2 approve "$IA" "not-a-uuid"
contains "$OUT" "valid UUID"
nothing_approved "mixed arguments"
pass "ids with selectors, unknown options, a bad id among good ones: exit 2"
