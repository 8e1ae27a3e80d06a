#!/usr/bin/env python3
"""Differential: the bins npm-release reports for a tarball ("bin" in verify --json,
the names the bin rules judge) must be the bins npm links for it (binlinks.js runs
npm's own code on the unpacked folder). Usage: binlinks.py NPM_RELEASE NODE NPM_DIR"""
import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile

from tarcraft import END, entry, gz, manifest

IDX = ("package/index.js", "module.exports = 1\n")
TOOLS = [("package/tools/a.js", "x"), ("package/tools/sub/sh", "x"),
         ("package/tools/.hidden", "x"), ("package/tools/.d/node", "x"),
         ("package/other/git", "x")]

CASES = [
    ("string", manifest(bin="cli.js"), []),
    ("string-scoped", manifest(name="@s/node", bin="./bin/x.js"), []),
    ("string-empty-uses-directories", manifest(bin="", directories={"bin": "tools"}), TOOLS),
    ("array", manifest(bin=["bin/a.js", "x\\sh", "sh/.", "y/..", "./b/../c.js", "d/"]), []),
    ("object-separators", manifest(bin={"x/sh": "a.js", "C:node": "b.js", "a\\git": "c.js",
                                        "sh/": "d.js", "sh2/.": "e.js", "z/../env": "f.js"}), []),
    ("object-dropped", manifest(bin={"..": "a.js", ".": "b.js", "a/..": "c.js", "": "d.js",
                                     "/": "e.js", "ok": ".", "ok2": "../..", "n": 5}), []),
    ("object-dots-and-targets", manifest(bin={".hidden": "a.js", "..x": "../../etc/passwd",
                                              "t": "a/./b/", "u": "\\x\\y", "v": "a//b"}), []),
    ("number-bin", manifest(bin=5, directories={"bin": "tools"}), TOOLS),
    ("null-bin-directories", manifest(bin=None, directories={"bin": "tools"}), TOOLS),
    ("directories", manifest(directories={"bin": "tools"}), TOOLS),
    ("directories-dotted", manifest(directories={"bin": "./x/../tools/"}), TOOLS),
    ("directories-root", manifest(directories={"bin": "."}), [("package/lib/a.js", "x")]),
    ("directories-escape", manifest(directories={"bin": "../../tools"}), TOOLS),
    ("bin-wins-over-directories", manifest(bin={"a": "a.js"}, directories={"bin": "tools"}),
     TOOLS),
]


def tarball(pj, files):
    return gz(b"".join(entry(p, d) for p, d in [("package/package.json", pj), IDX] + files)
              + END)


def main(binary, node, npm_dir):
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        dirs, ours = [], []
        for name, pj, files in CASES:
            data = tarball(pj, files)
            path = os.path.join(tmp, name + ".tgz")
            with open(path, "wb") as f:
                f.write(data)
            p = subprocess.run([binary, "verify", "--json", path], capture_output=True,
                               timeout=60)
            ours.append(json.loads(p.stdout).get("bin"))
            d = os.path.join(tmp, name)
            with tarfile.open(fileobj=io.BytesIO(data)) as t:
                for m in t.getmembers():
                    m.name = m.name.split("/", 1)[1]
                    t.extract(m, d, filter="data")
            dirs.append(d)
        theirs = json.loads(subprocess.run([node, os.path.join(os.path.dirname(
            os.path.abspath(__file__)), "binlinks.js"), npm_dir] + dirs, stdout=subprocess.PIPE,
            check=True, timeout=120).stdout)
    for (name, _, _), a, b in zip(CASES, ours, theirs):
        ok = a == b
        if os.environ.get("BINLINKS_SHOW"):
            print(name, a)
        failures += not ok
        print("%-4s %s%s" % ("ok" if ok else "FAIL", name,
                             "" if ok else ": npm-release %r, npm %r" % (a, b)))
    print("%d cases, %d differ" % (len(CASES), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(*sys.argv[1:4]))
