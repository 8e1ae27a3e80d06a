# Shared by the audit CLI scripts (POSIX sh): a scratch folder removed at exit
# (and the 127.0.0.1 server in $server stopped), failure counting, and expect.
#   audit_scratch NAME     sets tmp, server, failures, n
#   fail WHAT              counts a failure
#   expect NAME PYTHON     r is $tmp/NAME.json's report, ids its "pkg@ver ADV" set
audit_scratch() {
	mkdir -p tests/audit
	tmp=$(mktemp -d "$PWD/tests/audit/$1.XXXXXX") || exit 1
	server=
	trap audit_cleanup EXIT
	failures=0
	n=0
}
audit_cleanup() {
	[ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
	rm -rf "$tmp"
}
fail() {
	echo "FAIL $*" >&2
	failures=$((failures + 1))
}
expect() {
	n=$((n + 1))
	python3 - "$tmp/$1.json" "$2" <<'PY' || fail "$1: $2"
import json, sys
r = json.load(open(sys.argv[1]))
ids = {f"{f['package']}@{f['version']} {f['advisory']}" for f in r["findings"]}
notes = json.dumps(r["notes"])
if not eval(sys.argv[2]):
    print(f"  notes: {notes}\n  findings: {sorted(ids)}", file=sys.stderr)
    sys.exit(1)
PY
}
