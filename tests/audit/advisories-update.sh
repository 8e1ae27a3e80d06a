#!/bin/sh
# npm-release advisories update: OSV's zip export (a local file with --from, or
# downloaded from [audit] osv_url, here a server on 127.0.0.1) becomes an index
# file, swapped in atomically. Guarantees attacked:
# - the audit through the new index gives the directory's answers, and keeps
#   malicious-package (MAL-) records marked as malware;
# - counts of added, changed and withdrawn records against the previous index;
# - a truncated zip, a connection cut mid-download, an HTTP error, a bad member or
#   record leave the previous index byte for byte, and no temporary file behind;
# - the index is readable by the unprivileged check user (0644) whatever the umask;
# - plain http only to loopback; root's update is in the ledger;
# - an old export index is reported as old.
set -u
top=${srcdir:-.}
data="$top/tests/audit/data"
helper=./helper/npm-release
lock="$data/lock/hits.json"
. "$top/tests/audit/lib.sh"
audit_scratch update

# mkzip OUT [MODE]: the real records as an OSV export, plus an active malware record;
# MODE next: one record gone, one withdrawn, one modified, one new
mkzip() {
	python3 - "$data/osv" "$1" "${2:-first}" <<'PY'
import glob, json, os, sys, zipfile
src, out, mode = sys.argv[1:4]
recs = {}
for p in sorted(glob.glob(os.path.join(src, "*.json"))):
    recs[os.path.basename(p)] = open(p, "rb").read()
def rec(id, name, sev):
    return json.dumps({"schema_version": "1.4.0", "id": id, "modified": "2026-01-01T00:00:00Z",
        "summary": "synthetic " + id, "affected": [{"package": {"ecosystem": "npm", "name": name},
        "ranges": [{"type": "ECOSYSTEM", "events": [{"introduced": "0"}]}]}],
        "database_specific": {"severity": sev}}).encode()
recs["MAL-2026-9999.json"] = rec("MAL-2026-9999", "supabase", "CRITICAL")
if mode == "next":
    del recs["GHSA-35jh-r3h4-6jhm.json"]
    r = json.loads(recs["GHSA-4xc9-xhrj-v574.json"]); r["withdrawn"] = "2026-02-01T00:00:00Z"
    recs["GHSA-4xc9-xhrj-v574.json"] = json.dumps(r).encode()
    r = json.loads(recs["GHSA-29mw-wpgm-hmr9.json"]); r["modified"] = "2026-03-01T00:00:00Z"
    recs["GHSA-29mw-wpgm-hmr9.json"] = json.dumps(r).encode()
    recs["GHSA-aaaa-bbbb-cccc.json"] = rec("GHSA-aaaa-bbbb-cccc", "y18n", "LOW")
elif mode == "notjson":
    recs["README.txt"] = b"hello"
elif mode == "badrecord":
    recs["GHSA-zzzz-zzzz-zzzz.json"] = b'{"id": "GHSA-zzzz-zzzz-zzzz", "affected": 7}'
with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
    for k in sorted(recs):
        z.writestr(k, recs[k])
PY
}

# audit NAME SOURCE: --json report of hits.json into $tmp/NAME.json
audit() {
	n=$((n + 1))
	"$helper" audit --json --level none --advisories "$2" --lockfile "$lock" \
		> "$tmp/$1.json" 2> "$tmp/$1.err"
	[ $? -le 1 ] || { fail "$1: audit failed"; cat "$tmp/$1.err" >&2; }
}


# update NAME EXPECTED-RC ARGS...: runs advisories update with the test config
update() {
	name=$1 want=$2
	shift 2
	n=$((n + 1))
	(umask 077 && "$helper" -c "$tmp/npmstage.conf" advisories update "$@") \
		> "$tmp/$name.out" 2> "$tmp/$name.err"
	rc=$?
	if [ $rc -ne "$want" ]; then
		fail "$name: exit $rc, expected $want"
		cat "$tmp/$name.out" "$tmp/$name.err" >&2
	fi
}
contains() { # NAME FILE-SUFFIX TEXT
	n=$((n + 1))
	grep -qF -- "$3" "$tmp/$1.$2" || { fail "$1: $2 lacks \"$3\""; cat "$tmp/$1.$2" >&2; }
}
unchanged() { # NAME: the index is byte for byte the one saved, and nothing is left beside it
	n=$((n + 1))
	cmp -s "$tmp/idx/osv.db" "$tmp/saved.db" || fail "$1: the previous index was changed"
	n=$((n + 1))
	[ "$(ls "$tmp/idx")" = osv.db ] || fail "$1: left behind: $(ls "$tmp/idx" | tr '\n' ' ')"
}

port_file="$tmp/port"
python3 - "$tmp" "$port_file" <<'PY' &
import http.server, os, socketserver, sys
root, port_file = sys.argv[1:3]
class H(http.server.BaseHTTPRequestHandler):
    def log_message(self, *a): pass
    def do_GET(self):
        if self.path not in ("/all.zip", "/cut.zip"):
            self.send_error(404); return
        body = open(os.path.join(root, "first.zip"), "rb").read()
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.path == "/cut.zip":   # the connection dies half-way
            self.wfile.write(body[: len(body) // 2]); self.wfile.flush()
            self.close_connection = True
            return
        self.wfile.write(body)
with socketserver.TCPServer(("127.0.0.1", 0), H) as s:
    open(port_file + ".tmp", "w").write(str(s.server_address[1]))
    os.rename(port_file + ".tmp", port_file)
    s.serve_forever()
PY
server=$!

mkdir -p "$tmp/idx" "$tmp/state"
conf() { # OSV_URL
	cat > "$tmp/npmstage.conf" <<CONF
[npmstage]
state_dir = $tmp/state/s
check_user = nobody
[registry]
url = http://127.0.0.1:9/
mode = local
[audit]
${1:+osv_url = $1}
CONF
}
conf ""
mkzip "$tmp/first.zip"
mkzip "$tmp/next.zip" next
mkzip "$tmp/notjson.zip" notjson
mkzip "$tmp/badrecord.zip" badrecord
head -c $(($(wc -c < "$tmp/next.zip") / 2)) "$tmp/next.zip" > "$tmp/truncated.zip"
# the index must not end where a truncated zip's entries do: cut at a member boundary too
python3 - "$tmp/next.zip" "$tmp/boundary.zip" <<'PY'
import sys, zipfile
z = zipfile.ZipFile(sys.argv[1])
end = z.infolist()[40].header_offset   # local entries 0..39, no central directory
open(sys.argv[2], "wb").write(open(sys.argv[1], "rb").read()[:end])
PY

# --- the first import: the directory's answers, malware marked, everything added ---
update first 0 --from "$tmp/first.zip" "$tmp/idx/osv.db"
contains first out "81 OSV records (1 withdrawn)"
contains first out "(1 malicious-package)"
contains first out "80 added, 0 changed, 0 withdrawn"
n=$((n + 1))
[ "$(stat -c %a "$tmp/idx/osv.db")" = 644 ] || fail "mode: $(stat -c %a "$tmp/idx/osv.db"), not 644 under umask 077"
audit dir "$data/osv"
audit first-audit "$tmp/idx/osv.db"
expect first-audit '"supabase@1.0.0 MAL-2026-9999" in ids'
expect first-audit 'all(f["malware"] == (f["advisory"] == "MAL-2026-9999") for f in r["findings"])'
expect first-audit "ids - {'supabase@1.0.0 MAL-2026-9999'} == {f\"{f['package']}@{f['version']} {f['advisory']}\" for f in json.load(open('$tmp/dir.json'))['findings']}"
expect first-audit '"OSV export, built" in notes and "WARNING" not in notes'

# --- the next export: counts, and the audit follows it ---
update next 0 --from "$tmp/next.zip" "$tmp/idx/osv.db"
contains next out "1 added, 1 changed, 2 withdrawn"
audit next-audit "$tmp/idx/osv.db"
expect next-audit '"lodash@4.17.20 GHSA-35jh-r3h4-6jhm" not in ids and "lodash@4.17.20 GHSA-4xc9-xhrj-v574" not in ids'
expect next-audit '"y18n@4.0.0 GHSA-aaaa-bbbb-cccc" in ids and "lodash@4.17.20 GHSA-29mw-wpgm-hmr9" in ids'
cp "$tmp/idx/osv.db" "$tmp/saved.db"

# --- failures leave the previous index working ---
update truncated 1 --from "$tmp/truncated.zip" "$tmp/idx/osv.db"
contains truncated err "the previous index is unchanged"
unchanged truncated
update boundary 1 --from "$tmp/boundary.zip" "$tmp/idx/osv.db"
unchanged boundary
update notjson 1 --from "$tmp/notjson.zip" "$tmp/idx/osv.db"
contains notjson err 'member "README.txt" is not an OSV record'
unchanged notjson
update badrecord 1 --from "$tmp/badrecord.zip" "$tmp/idx/osv.db"
contains badrecord err "GHSA-zzzz-zzzz-zzzz"
unchanged badrecord
audit after-failures "$tmp/idx/osv.db"
expect after-failures '"y18n@4.0.0 GHSA-aaaa-bbbb-cccc" in ids'

# --- the download from [audit] osv_url ---
i=0
while [ ! -s "$port_file" ] && [ $i -lt 100 ]; do sleep 0.1; i=$((i + 1)); done
port=$(cat "$port_file")
conf "http://127.0.0.1:$port/cut.zip"
update cut 1 "$tmp/idx/osv.db"
contains cut err "downloading the OSV export"
unchanged cut
conf "http://127.0.0.1:$port/missing.zip"
update missing 1 "$tmp/idx/osv.db"
contains missing err "HTTP 404"
unchanged missing
conf "http://192.0.2.1/all.zip"
update plainhttp 1 "$tmp/idx/osv.db"
contains plainhttp err "must be https://"
unchanged plainhttp
conf ""
update nourl 1 "$tmp/idx/osv.db"
contains nourl err "no [audit] osv_url"
conf "http://127.0.0.1:$port/all.zip"
update download 0 "$tmp/idx/osv.db"
contains download out "2 added, 1 changed, 1 withdrawn" # back to the first export
n=$((n + 1))
[ "$(ls "$tmp/idx")" = osv.db ] || fail "download: left behind: $(ls "$tmp/idx" | tr '\n' ' ')"
audit download-audit "$tmp/idx/osv.db"
expect download-audit '"supabase@1.0.0 MAL-2026-9999" in ids and "lodash@4.17.20 GHSA-35jh-r3h4-6jhm" in ids'

# --- root's updates are in the ledger ---
if [ "$(id -u)" = 0 ]; then
	n=$((n + 1))
	"$helper" -c "$tmp/npmstage.conf" log > "$tmp/log.out" 2>&1 || fail "log: $(cat "$tmp/log.out")"
	contains log out "\"source\":\"http://127.0.0.1:$port/all.zip\""
	contains log out '"added":1,"changed":1,"newly_withdrawn":2'
	n=$((n + 1))
	[ "$(grep -c advisories-update "$tmp/log.out")" = 3 ] || fail "ledger: not one entry per update"
fi

# --- an old export index says so ---
python3 - "$tmp/idx/osv.db" <<'PY'
import sqlite3, sys, time
db = sqlite3.connect(sys.argv[1])
db.execute("UPDATE meta SET value=? WHERE key='built'", (str(int(time.time()) - 30 * 86400),))
db.commit()
PY
audit old "$tmp/idx/osv.db"
expect old '"WARNING: 30 days old; run npm-release advisories update" in notes'

echo "advisories-update: $n checks, $failures failures"
[ "$failures" -eq 0 ]
