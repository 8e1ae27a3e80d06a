#!/bin/bash
# End to end with a FIDO2 key on the release host (the softfido2 authenticator
# behind libfido2's device discovery, preloaded into npm-release): enrol, approve,
# publish; the ledger keeps the assertion (credential id, authenticator data,
# signature) and `log --verify --signatures` verifies it again, against the key the
# enroll entry recorded, also after the key is removed; a rewritten statement fails.
. "$SRCDIR/tests/e2e/common.sh"

SHIM="$BUILDDIR/tests/softfido2/.libs/softfido2_preload.so"
[ -f "$SHIM" ] || fail "$SHIM missing (make check builds it)"
e2e_registry_users
e2e_host local
sed -i 's/^factors = totp fido2$/factors = fido2/' "$HOST_CONF"
# (npm-release resets its environment before the device opens: the authenticator
# runs with its defaults, the default seed and a counter file under /tmp)
nrk() { # nr with the software authenticator attached
	local preload="$PAM_WRAPPER_SO"
	[ -f "$NODEEPBIND_SO" ] && preload="$NODEEPBIND_SO $PAM_WRAPPER_SO"
	env ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0" \
		LD_PRELOAD="$SHIM $preload" PAM_WRAPPER=1 PAM_WRAPPER_SERVICE_DIR="$HOST_DIR/pam.d" \
		"$NPM_RELEASE" -c "$HOST_CONF" "$@"
}

# Rewrites the ledger as root could: EVENT entries' data goes through the Python
# statements CHANGE (on the dict o), and the chain and its anchor are recomputed.
rewrite_ledger() { # EVENT CHANGE
	python3 - "$HOST_DIR/state" "$1" "$2" <<'PY' || fail "could not rewrite the ledger"
import hashlib, json, sqlite3, sys
d, which, change = sys.argv[1:4]
db = sqlite3.connect(d + "/state.db")
prev, last = "genesis", None
for seq, t, event, data in db.execute("SELECT seq, t, event, data FROM ledger ORDER BY seq").fetchall():
    if event == which:
        o = json.loads(data)
        exec(change)
        data = json.dumps(o, separators=(",", ":"))
    h = hashlib.sha256(f"{prev}\n{seq}\n{t}\n{event}\n{data}".encode()).hexdigest()
    db.execute("UPDATE ledger SET data = ?, prev = ?, hash = ? WHERE seq = ?", (data, prev, h, seq))
    prev, last = h, seq
db.commit()
open(d + "/ledger.head", "w").write(f"{last} {prev}\n")
PY
}

expect_status 0 nrk enroll fido2 "$APPROVER"
contains "$OUT" "enrolled for $APPROVER"
LOG=$(nr log)
grep -q '"factor":"fido2","credential":"[^"]*","key":"fido2 es256 ' <<<"$LOG" ||
	fail "the enroll entry does not record the key line"
pass "enrolled a FIDO2 key; the ledger's enroll entry records its public key line"

PKG=$(source_dir e2e-fido2 1.0.0)
fixture_package "$PKG" "e2e-fido2" "1.0.0"
(cd "$PKG" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack"
expect_status 0 nr stage "$E2E_DIR/e2e-fido2-1.0.0.tgz"
ID=$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)
expect_status 0 nrk approve "$ID" </dev/null
contains "$OUT" "is live"
packument_has e2e-fido2 1.0.0 || fail "not published"
pass "approved with the FIDO2 key and published"

expect_status 0 nr log --verify --signatures
contains "$OUT" "fido2 credential"
contains "$OUT" "signatures: 1 checked, 0 failed"
LOG=$(nr log)
grep -q '"factor":"fido2","proof":"fido2-assertion ' <<<"$LOG" || fail "the approve entry keeps no assertion"
pass "the approve entry keeps the assertion and log --verify --signatures verifies it"

expect_status 0 nr enroll remove "$APPROVER" fido2
expect_status 0 nr log --verify --signatures
contains "$OUT" "signatures: 1 checked, 0 failed"
pass "the approval still verifies after the key is removed (the enroll entry's key)"

APPROVAL=$(sqlite3 "$HOST_DIR/state/state.db" "SELECT id FROM approvals WHERE release_id = '$ID'")
sqlite3 "$HOST_DIR/state/state.db" "UPDATE approvals SET statement = replace(statement, 'e2e-fido2', 'e2e-fido3') WHERE id = '$APPROVAL'"
expect_status 1 nr log --verify --signatures
contains "$OUT" "signatures: 1 checked, 1 failed"
pass "a rewritten statement no longer verifies"

# An approve entry by a signing factor with an empty proof (its proof file was lost
# between the factor and the entry), in a chain that still verifies: a failure, not
# a skip. The entry is rewritten and the chain and anchor recomputed, as root could.
sqlite3 "$HOST_DIR/state/state.db" "UPDATE approvals SET statement = replace(statement, 'e2e-fido3', 'e2e-fido2') WHERE id = '$APPROVAL'"
rewrite_ledger approve 'o["proof"] = ""'
expect_status 0 nr log --verify
expect_status 1 nr log --verify --signatures
contains "$OUT" "factor fido2 signs, but no proof was recorded"
contains "$OUT" "signatures: 1 checked, 1 failed"
pass "a FIDO2 approval whose entry keeps no proof fails --signatures (it was skipped)"

# A release train approved with the FIDO2 key: one assertion over the train's
# statement, kept in the train's ledger entry; each member's approve entry refers
# to it, and log --verify --signatures checks the assertion over the statement the
# train entry keeps and every member through it.
expect_status 0 nrk enroll fido2 "$APPROVER"
TRAIN=()
for n in e2e-fido2-a e2e-fido2-b; do
	PKG=$(source_dir "$n" 1.0.0)
	fixture_package "$PKG" "$n" 1.0.0
	(cd "$PKG" && npm pack --pack-destination "$E2E_DIR" >/dev/null 2>&1) || fail "npm pack $n"
	expect_status 0 nr stage "$E2E_DIR/$n-1.0.0.tgz"
	TRAIN+=("$(printf '%s\n' "$OUT" | grep -E '^[0-9a-f-]{36}$' | head -1)")
done
expect_status 0 nrk approve "${TRAIN[@]}" </dev/null
contains "$OUT" "Approve a train of 2 packages"
contains "$OUT" "2 packages live"
expect_status 1 nr log --verify --signatures
contains "$OUT" " train "
grep -qE '^ *[0-9]+ ok   train [0-9a-f]{32}: .*fido2 credential' <<<"$OUT" || fail "the train's assertion was not verified"
[ "$(grep -cE '^ *[0-9]+ ok   approval [0-9a-f]{32}: in train ' <<<"$OUT")" = 2 ] ||
	fail "the members were not verified through the train"
contains "$OUT" "signatures: 4 checked, 1 failed"
pass "a FIDO2 train: one assertion over the train's statement, verified, and both members through it"

# the train's statement rewritten in its entry (chain and anchor recomputed, as
# root could): the assertion no longer verifies, nor do the members through it
rewrite_ledger train 'o["statement"] = o["statement"].replace("e2e-fido2-b@1.0.0", "e2e-fido2-c@1.0.0"); o["statement_sha256"] = hashlib.sha256(o["statement"].encode()).hexdigest()'
expect_status 0 nr log --verify
expect_status 1 nr log --verify --signatures
grep -qE '^ *[0-9]+ FAIL train ' <<<"$OUT" || fail "a rewritten train statement still verifies"
contains "$OUT" "did not verify"
contains "$OUT" "signatures: 4 checked, 4 failed"
pass "a rewritten train statement fails, and its members with it"
