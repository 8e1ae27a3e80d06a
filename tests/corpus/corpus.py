#!/usr/bin/env python3
"""Driver of tests/corpus/verify.sh: fetch each package's tarball with `npm pack` (into a
cache), run `npm-release verify --json` on it, print the table. See verify.sh."""
import collections
import json
import os
import subprocess
import sys
import tarfile

BATCH = 25


def specs(path):
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.split("#", 1)[0].strip()
            if line:
                yield line


def npm_pack(batch, dest, cache):
    """[(spec, filename or None, error)] for one batch; a failing batch is retried one by one
    so that one unpublished name does not hide the others."""
    cmd = ["npm", "pack", "--json", "--prefer-offline", "--cache", cache,
           "--pack-destination", dest] + batch
    p = subprocess.run(cmd, capture_output=True, text=True, cwd=dest)
    if p.returncode == 0:
        got = json.loads(p.stdout)
        if len(got) == len(batch):
            return [(s, g["filename"], None) for s, g in zip(batch, got)]
    if len(batch) > 1:
        return [r for s in batch for r in npm_pack([s], dest, cache)]
    err = (p.stderr.strip().splitlines() or ["npm pack failed"])[-1]
    return [(batch[0], None, err)]


def fetch(all_specs, root, sub="tarballs"):
    dest = os.path.join(root, sub)
    cache = os.path.join(root, "npm-cache")
    os.makedirs(dest, exist_ok=True)
    out = []
    for i in range(0, len(all_specs), BATCH):
        out += npm_pack(all_specs[i:i + BATCH], dest, cache)
        print(f"fetched {min(i + BATCH, len(all_specs))}/{len(all_specs)}",
              file=sys.stderr, flush=True)
    return [(s, os.path.join(dest, f) if f else None, e) for s, f, e in out]


def verify(helper, tarball, previous=None):
    args = [helper, "verify", "--json"] + (["--previous", previous] if previous else [])
    p = subprocess.run(args + [tarball], capture_output=True, text=True)
    if p.returncode not in (0, 1):
        return None, f"exit {p.returncode}: {p.stderr.strip()[:200]}"
    return json.loads(p.stdout), None


def previous_specs(fetched, root):
    """{spec: tarball of the highest version below the one fetched}: what approve compares
    with, from the packument npm already cached (npm pack NAME@<VERSION)."""
    want = []
    for spec, tarball, _ in fetched:
        if tarball is None:
            continue
        with tarfile.open(tarball) as t:
            m = next(t.extractfile(e) for e in t if e.name.count("/") == 1 and
                     e.name.endswith("/package.json"))
            doc = json.load(m)
        want.append((spec, f"{doc['name']}@<{doc['version']}"))
    got = fetch([w for _, w in want], root, "previous")
    return {spec: tgz for (spec, _), (_, tgz, _) in zip(want, got) if tgz}


def main():
    helper, listfile, root = sys.argv[1:4]
    os.makedirs(root, exist_ok=True)
    passed, warned, rejected = [], [], []
    kinds = collections.Counter()
    fetched = fetch(list(specs(listfile)), root)
    prev = previous_specs(fetched, root) if os.environ.get("CORPUS_PREVIOUS") else {}
    if prev:
        print(f"with --previous: {len(prev)} of {len(fetched)} packages", flush=True)
    for spec, tarball, err in fetched:
        if tarball is None:
            rejected.append((spec, "fetch failed: " + err))
            continue
        report, err = verify(helper, tarball, prev.get(spec))
        if report is None:
            rejected.append((spec, "verify failed: " + err))
            continue
        pkg = report["package"]
        label = f"{pkg['name']}@{pkg['version']}" if pkg.get("name") else spec
        fails = [c for c in report["checks"] if c["status"] == "fail"]
        warns = sorted({c["id"] for c in report["checks"] if c["status"] == "warn"})
        if report["result"] != "pass" or fails:
            rejected.append((label, "; ".join(f"{c['id']}: {c['message'][:120]}"
                                              for c in fails[:3]) or report["result"]))
        elif warns:
            warned.append((label, warns))
            kinds.update(warns)
        else:
            passed.append(label)
    total = len(passed) + len(warned) + len(rejected)
    print(f"| result   | packages |\n|----------|---------:|")
    print(f"| passed   | {len(passed):8} |\n| warned   | {len(warned):8} |")
    print(f"| rejected | {len(rejected):8} |\n| total    | {total:8} |")
    print("\nwarning kinds (packages):")
    for k, n in kinds.most_common():
        who = ", ".join(l for l, w in warned if k in w)
        print(f"  {k:22} {n:4}  {who[:300]}")
    print("\nrejected:" if rejected else "\nrejected: none")
    for label, why in rejected:
        print(f"  {label}: {why}")
    return 0 if not rejected else 1


sys.exit(main())
