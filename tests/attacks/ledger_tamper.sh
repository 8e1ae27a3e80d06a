#!/bin/bash
# Guarantee attacked: the ledger is tamper-evident. An insider with write access to
# the state database (here: root editing it with sqlite3) cannot make
# `npm-release log --verify` accept a stored hash with junk appended, nor silently
# drop an entry while the head anchor lags after a crash; every head reaches syslog
# (authpriv) as "ledger head seq=N hash=H" for a remote log server to hold; and no
# name recorded in an entry (here a token file path with a quote and a backslash)
# can break or extend the entry's JSON. Re-anchoring is root-only and ledgered.
ATTACK_MODE=local
. "$SRCDIR/tests/attacks/harness.sh"
. "$SRCDIR/tests/attacks/syslog_capture.sh"
syslog_capture_start

DB=$T/state/state.db
ANCHOR=$T/state/ledger.head
head_row() { sqlite3 "$DB" "SELECT seq || ' ' || hash FROM ledger ORDER BY seq DESC LIMIT 1"; }
set_anchor() { # SEQ: the anchor as a crash right after entry SEQ's commit leaves it
	local line
	line=$(sqlite3 "$DB" "SELECT seq || ' ' || hash FROM ledger WHERE seq = $1")
	(umask 077 && printf '%s\n' "$line" > "$ANCHOR.new" && mv "$ANCHOR.new" "$ANCHOR")
}

# 1. A name with a quote and a backslash in an entry: the JSON stays one object
#    holding exactly that name (a raw %s would end the string and add keys).
EVIL=$T/tokens/'re"ad\",\"by\":\"nobody'
EVIL="$EVIL" python3 -c '
import os, re, sys
text = open(sys.argv[1]).read()
open(sys.argv[1], "w").write(re.sub(r"(?m)^read_token_file = .*$", lambda m: "read_token_file = " + os.environ["EVIL"], text))
' "$CONF"
printf 'token %s\n' "$STAGER_TOKEN" | nr token set --read >/dev/null 2>&1 || fail "token set --read at $EVIL"
write_conf
expect_status 0 nr log --json
printf '%s' "$OUT" | EVIL="$EVIL" python3 -c '
import json, os, sys
log = json.load(sys.stdin)
for e in log:
    if not isinstance(e["data"], dict):
        sys.exit("entry %d: data is not a JSON object: %r" % (e["seq"], e["data"]))
sets = [e["data"] for e in log if e["event"] == "token-set"]
if not sets or sets[-1].get("file") != os.environ["EVIL"] or sets[-1].get("by") != "root":
    sys.exit("token-set entry altered: %r" % (sets[-1:],))
' || attack_succeeded "a quote in a recorded name broke or injected ledger JSON"
pass "a quote and a backslash in a recorded name stay inside their JSON string"
expect_status 0 nr log --verify

# 2. Every head goes to syslog, authpriv.notice, in a fixed form.
read -r SEQ HASH <<< "$(head_row)"
grep -qE "^<85>.*npm-release\[[0-9]+\]: ledger head seq=$SEQ hash=$HASH\$" "$SYSLOG_OUT" ||
	{ sed 's/^/    syslog| /' "$SYSLOG_OUT"; fail "no syslog line 'ledger head seq=$SEQ hash=$HASH'"; }
pass "the head (seq $SEQ) was sent to syslog as authpriv.notice"

# 3. Junk appended to the stored hash of the head (and of an inner entry).
for where in "$SEQ" 1; do
	sqlite3 "$DB" "UPDATE ledger SET hash = hash || '0junk' WHERE seq = $where"
	expect_status 1 nr log --verify ||
		attack_succeeded "a stored hash with junk appended (entry $where) verifies"
	sqlite3 "$DB" "UPDATE ledger SET hash = substr(hash, 1, 64) WHERE seq = $where"
	expect_status 0 nr log --verify
done
pass "a stored hash is compared whole"

# 4. A lagging anchor (crash between commit and anchor) is reported, not accepted...
set_anchor $((SEQ - 1))
OUT=$(nr log --verify 2>&1) && attack_succeeded "a lagging head anchor verifies"
contains "$OUT" "anchor lags"
contains "$OUT" "--reanchor"
pass "a lagging head anchor is reported (exit 1)"
# ... because deleting the unanchored entry then verifies on this host; only the
# head line the remote log server already holds shows that it existed.
sqlite3 "$DB" "DELETE FROM ledger WHERE seq = $SEQ"
expect_status 0 nr log --verify
grep -q "ledger head seq=$SEQ hash=$HASH\$" "$SYSLOG_OUT" ||
	fail "the deleted head is not in the syslog copy"
pass "the deleted entry $SEQ survives in the syslog head lines"

# 5. Re-anchoring after a check: root only, and itself an entry.
read -r SEQ HASH <<< "$(head_row)"
set_anchor $((SEQ - 1))
OUT=$(as_user "$A1" "$NR" log --reanchor 2>&1) && attack_succeeded "an approver re-anchored the ledger"
contains "$OUT" "for root"
expect_status 1 nr log --verify
expect_status 0 nr log --reanchor
expect_status 0 nr log --verify
LAST=$(sqlite3 "$DB" "SELECT event || ' ' || data FROM ledger ORDER BY seq DESC LIMIT 1")
[ "$LAST" = "reanchor {\"anchored\":$((SEQ - 1)),\"head\":$SEQ,\"by\":\"root\"}" ] ||
	fail "unexpected re-anchor entry: $LAST"
read -r SEQ HASH <<< "$(head_row)"
grep -q "ledger head seq=$SEQ hash=$HASH\$" "$SYSLOG_OUT" || fail "re-anchored head not in syslog"
pass "only root re-anchors, and the re-anchoring is ledgered and sent to syslog"
