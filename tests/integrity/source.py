#!/usr/bin/env python3
"""Real fixtures and source-compare cases for npm-release verify.
Usage: source.py NPM_RELEASE FIXTURE_DIR"""
import json
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile

from tarcraft import entry, gz, manifest, END

FAILURES = []


def verify(binary, *args):
    p = subprocess.run([binary, "verify", "--json"] + list(args), capture_output=True,
                       timeout=120)
    try:
        rep = json.loads(p.stdout)
    except ValueError:
        rep = None
    return p.returncode, rep, p.stderr


def expect(name, cond, detail=""):
    print("%-4s %s%s" % ("ok" if cond else "FAIL", name, "" if cond else ": " + detail))
    if not cond:
        FAILURES.append(name)


def ids(rep, status):
    return {c["id"] for c in rep["checks"] if c["status"] == status} if rep else None


def unpack_as_source(tgz, dest):
    """The package directory as a source checkout (tar's package/ prefix stripped)."""
    with tarfile.open(tgz) as t:
        for m in t.getmembers():
            if not m.isfile() or not m.name.startswith("package/"):
                continue
            out = os.path.join(dest, m.name[len("package/"):])
            os.makedirs(os.path.dirname(out), exist_ok=True)
            with open(out, "wb") as f:
                f.write(t.extractfile(m).read())


def fixtures(binary, fixdir, tmp):
    for line in open(os.path.join(fixdir, "DIGESTS")):
        if line.startswith("#") or not line.strip():
            continue
        fname, spec, sri, sha1 = line.split()
        path = os.path.join(fixdir, fname)
        rc, rep, err = verify(binary, "--expect", spec, "--integrity", sri, "--shasum", sha1,
                              path)
        expect("fixture " + spec, rc == 0 and rep and rep["result"] == "pass" and
               rep["integrity"]["sha512"] == sri and rep["integrity"]["sha1"] == sha1 and
               ids(rep, "fail") == set(), "rc %d %s %s" % (rc, ids(rep, "fail"), err[:200]))
        src = os.path.join(tmp, "src-" + fname)
        unpack_as_source(path, src)
        rc, rep, err = verify(binary, "--source", src, path)
        expect("fixture %s against its own source" % spec, rc == 0 and
               rep["source"]["compared"] == len(tarfile.open(path).getnames()),
               "rc %d %s" % (rc, rep and [c for c in rep["checks"] if c["status"] != "pass"]))
    # the approver's diff between two real versions
    rc, rep, err = verify(binary, "--previous", os.path.join(fixdir, "ms-2.1.2.tgz"),
                          os.path.join(fixdir, "ms-2.1.3.tgz"))
    d = rep and rep.get("diff")
    expect("diff ms 2.1.2 -> 2.1.3", rc == 0 and d and d["previous"]["version"] == "2.1.2" and
           "index.js" in d["files"]["changed"] and d["files"]["added"] == [] and
           d["files"]["removed"] == [], json.dumps(d)[:300])
    rc, rep, err = verify(binary, "--previous", os.path.join(fixdir, "ms-2.1.3.tgz"),
                          os.path.join(fixdir, "ms-2.1.3.tgz"))
    d = rep and rep.get("diff")
    expect("diff of a version with itself is empty", rc == 0 and d and
           d["files"] == {"added": [], "removed": [], "changed": []}, json.dumps(d)[:300])


def write_tree(root, files):
    for rel, data in files.items():
        p = os.path.join(root, rel)
        os.makedirs(os.path.dirname(p), exist_ok=True)
        with open(p, "wb") as f:
            f.write(data.encode() if isinstance(data, str) else data)


PJ = manifest(name="srcdemo", version="2.0.0", main="lib/index.js",
              bin={"srcdemo": "bin/cli.js"}, files=["lib/", "bin/", "dist/"],
              dependencies={"ms": "^2.1.3"})
TREE = {
    "package.json": PJ,
    "README.md": "# srcdemo\n",
    "LICENSE": "BSD\n",
    "lib/index.js": "module.exports = require('./util')\n",
    "lib/util.js": "module.exports = 42\n",
    "bin/cli.js": "#!/usr/bin/env node\nrequire('../lib')\n",
    "test/t.js": "not packed\n",
}


def tarball_of(files, path):
    with open(path, "wb") as f:
        f.write(gz(b"".join(entry("package/" + k, v) for k, v in files.items()) + END))
    return path


def source_cases(binary, tmp):
    src = os.path.join(tmp, "srcdemo")
    write_tree(src, TREE)
    packed = {k: v for k, v in TREE.items() if not k.startswith("test/")}

    def case(name, files, fails=(), warns=(), args=(), check=None, rc=None):
        t = tarball_of(files, os.path.join(tmp, name + ".tgz"))
        code, rep, err = verify(binary, "--source", src, *args, t)
        ok = rep is not None and ids(rep, "fail") == set(fails) and ids(rep, "warn") == set(warns)
        ok = ok and code == (rc if rc is not None else (1 if fails else 0))
        if ok and check is not None:
            ok = check(rep)
        expect("source " + name, ok, "rc %d %s" % (code, rep and [
            (c["id"], c.get("path"), c["message"]) for c in rep["checks"]
            if c["status"] != "pass"]))

    case("identical", packed, check=lambda r: r["source"]["compared"] == len(packed))
    case("content-differs", dict(packed, **{"lib/util.js": "module.exports = 43\n"}),
         fails={"source.content"})
    case("same-size-differs", dict(packed, **{"lib/util.js": "module.exports = 24\n"}),
         fails={"source.content"})
    case("not-in-source", dict(packed, **{"lib/evil.js": "steal()\n"}), fails={"source.absent"})
    big = os.urandom(200000)
    write_tree(src, {"lib/big.bin": big})
    case("large-identical", dict(packed, **{"lib/big.bin": big}))
    case("large-differs-at-end", dict(packed, **{"lib/big.bin": big[:-1] + b"!"}),
         fails={"source.content"})
    os.unlink(os.path.join(src, "lib/big.bin"))
    case("generated-not-compared", dict(packed, **{"dist/bundle.js": "built\n"}),
         args=["--generated", "dist/**"], warns={"source.generated"},
         check=lambda r: r["source"]["not_compared"] == ["dist/bundle.js"])
    case("generated-glob-does-not-cover", dict(packed, **{"dist/bundle.js": "built\n"}),
         args=["--generated", "build/**"], fails={"source.absent"})
    case("package-json-always-compared", dict(packed, **{"package.json": PJ.replace(
        "2.1.3", "2.1.4")}), args=["--generated", "**"], fails={"source.content"},
         warns={"source.generated"})
    case("missing-readme", {k: v for k, v in packed.items() if k != "README.md"},
         fails={"source.missing"})
    case("missing-bin", {k: v for k, v in packed.items() if k != "bin/cli.js"},
         fails={"source.missing"})
    case("missing-files-entry", {k: v for k, v in packed.items() if k != "lib/util.js"},
         warns={"source.missing"},
         check=lambda r: [c["path"] for c in r["checks"] if c["id"] == "source.missing"] ==
         ["package/lib/util.js"])
    os.symlink("/etc/passwd", os.path.join(src, "lib/link.js"))
    case("source-symlink", dict(packed, **{"lib/link.js": open("/etc/passwd").read()}),
         fails={"source.absent"})
    os.unlink(os.path.join(src, "lib/link.js"))
    os.rename(os.path.join(src, "lib"), os.path.join(src, "lib.real"))
    os.symlink("lib.real", os.path.join(src, "lib"))
    case("source-symlinked-dir", packed, fails={"source.absent"})
    os.unlink(os.path.join(src, "lib"))
    os.rename(os.path.join(src, "lib.real"), os.path.join(src, "lib"))
    # main pointing outside the package never reaches outside the source
    escaping = manifest(name="srcdemo", version="2.0.0", main="../../../../etc/passwd")
    write_tree(src, {"package.json": escaping})
    case("main-outside-ignored", dict(packed, **{"package.json": escaping}))
    write_tree(src, {"package.json": PJ})


def main():
    binary, fixdir = sys.argv[1], sys.argv[2]
    tmp = tempfile.mkdtemp(prefix="ns-integrity-")
    try:
        fixtures(binary, fixdir, tmp)
        source_cases(binary, tmp)
    finally:
        shutil.rmtree(tmp)
    print("%d failed" % len(FAILURES))
    return 1 if FAILURES else 0


if __name__ == "__main__":
    sys.exit(main())
