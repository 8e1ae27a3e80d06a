#!/usr/bin/env python3
"""Hostile-archive corpus for npm-release verify: each case is built here, byte by byte,
and must fail exactly the check(s) named for it (so that it fails because of its rule,
not by accident). Usage: hostile.py NPM_RELEASE [OUTDIR]"""
import gzip
import json
import os
import subprocess
import sys
import tempfile

from tarcraft import (BLOCK, END, base256, deflate_bomb_gz, entry, gz, header,
                      longname, manifest, package, pad, pax, pax_records, octal)

PJ = ("package/package.json", manifest())
IDX = ("package/index.js", "module.exports = 1\n")


def tar(*parts, end=END):
    return gz(b"".join(parts) + end)


def ok_entries():
    return entry(*PJ) + entry(*IDX)


CASES = []


def case(name, data, fails=(), warns=(), args=(), rc=None, check=None, previous=None):
    CASES.append(dict(name=name, data=data, fails=set(fails), warns=set(warns),
                      args=list(args), rc=rc if rc is not None else (1 if fails else 0),
                      check=check, previous=previous))


def findings(rep, cid):
    return [(x.get("path"), x["message"]) for x in rep["checks"] if x["id"] == cid]


def names(cid, *wanted):
    """Each (path, text) wanted is one finding of cid with that path and text."""
    def check(rep):
        got = findings(rep, cid)
        for path, text in wanted:
            if not any(p == path and text in m for p, m in got):
                return "no %s finding at %s with %r (got %r)" % (cid, path, text, got)
        return len(got) == len(wanted) or "%s findings %r" % (cid, got)
    return check


def all_of(rep, *checks):
    for c in checks:
        r = c(rep)
        if r is not True:
            return r
    return True


# --- honest shapes that must pass --------------------------------------------------
case("ok-minimal", tar(ok_entries()))
case("ok-record-padding", gz(ok_entries() + END + b"\0" * (10240 - 3 * 1024)))
case("ok-directory-entries", tar(header("package/", typeflag=b"5", mode=0o755),
                                 header("package/lib/", typeflag=b"5", mode=0o755),
                                 ok_entries(), entry("package/lib/a.js", "x\n")))
case("ok-pax-long-path", tar(entry(*PJ), pax([("path", "package/" + "d/" * 80 + "f.js")]),
                             entry("package/placeholder", "long\n")))
case("ok-gnu-long-name", tar(entry(*PJ), longname("package/" + "e/" * 80 + "f.js"),
                             entry("package/placeholder", "long\n")))
case("ok-base256-mtime", tar(entry(*PJ), entry("package/a.js", "a\n",
                                               fields={136: base256(1 << 40, 12)})))
case("ok-pax-utf8-path", tar(entry(*PJ), pax([("path", "package/caf\u00e9-\u20ac.js")]),
                             entry("package/placeholder", "x"),
                             entry("package/na\u00efve.js", "y")),
     check=lambda rep: rep["unpacked"]["files"] == 3 or "files miscounted")
case("ok-gnu-magic", tar(entry(*PJ, magic=b"ustar  \0")))

# --- digest -------------------------------------------------------------------------
case("digest-integrity-mismatch", tar(ok_entries()), fails={"digest.integrity"},
     args=["--integrity", "sha512-" + "A" * 86 + "=="])
case("digest-shasum-mismatch", tar(ok_entries()), fails={"digest.shasum"},
     args=["--shasum", "0" * 40])

# --- gzip ---------------------------------------------------------------------------
GOOD = tar(ok_entries())
case("gzip-not-gzip", ok_entries() + END, fails={"gzip.format"})
case("gzip-empty", b"", fails={"gzip.format"})
case("gzip-truncated", GOOD[:len(GOOD) // 2], fails={"gzip.format"})
case("gzip-bad-crc", GOOD[:-8] + bytes([GOOD[-8] ^ 0xff]) + GOOD[-7:], fails={"gzip.format"})
case("gzip-second-member", GOOD + gz(entry("package/evil.js", "pwn()\n") + END),
     fails={"gzip.trailing"})
case("gzip-trailing-garbage", GOOD + b"garbage", fails={"gzip.trailing"})
case("gzip-trailing-zeros", GOOD + b"\0" * 16, fails={"gzip.trailing"})

# --- tar framing ---------------------------------------------------------------------
case("tar-bad-checksum", tar(entry(*PJ, checksum=b"0000000\0")), fails={"tar.header"})
case("tar-negative-base256-size",
     tar(entry(*PJ), header("package/a.js", size=base256(-512, 12))), fails={"tar.header"})
case("tar-base256-uid-negative",
     tar(entry(*PJ), entry("package/a.js", "a", fields={108: b"\xff" * 8})),
     fails={"tar.header"})
case("tar-garbage-in-size", tar(entry(*PJ), header("package/a.js", size=b"0000000001x\0")),
     fails={"tar.header"})
case("tar-not-ustar", tar(entry(*PJ, magic=b"\0" * 8)), fails={"tar.header"})
case("tar-dir-with-size", tar(entry(*PJ), header("package/d/", size=512, typeflag=b"5") +
                              b"\0" * 512), fails={"tar.header"})
case("tar-entry-after-zero-block", tar(entry(*PJ), b"\0" * BLOCK, entry(*IDX)),
     fails={"tar.header"})
case("tar-truncated-data", gz(entry(*PJ) + header("package/a.js", size=4096) + b"x" * 100),
     fails={"tar.truncated"})
case("tar-truncated-header", gz(entry(*PJ) + header("package/a.js")[:300]),
     fails={"tar.truncated"})
case("tar-no-end-marker", gz(ok_entries()), fails={"tar.truncated"})
case("tar-one-zero-block", gz(ok_entries() + b"\0" * BLOCK), fails={"tar.truncated"})
case("tar-data-after-end", tar(ok_entries(), end=END + entry("package/evil.js", "pwn()\n")),
     fails={"tar.trailing"})
case("tar-junk-after-end", tar(ok_entries(), end=END + b"\0" * 100 + b"\x01"),
     fails={"tar.trailing"})

# --- pax / GNU tricks ---------------------------------------------------------------------
# Headers node-tar refuses and libarchive reads (node-tar then reads the entry's data as
# headers: npm installs what was never checked; the third red-team pass).
case("file-with-linkname", tar(entry(*PJ), entry("package/a.js", "x\n", linkname=b"b")),
     fails={"tar.header"})
case("pax-empty-name", tar(entry(*PJ), header(b"", size=len(pax_records([("path", "package/b.js")])),
                                               typeflag=b"x")
                              + pad(pax_records([("path", "package/b.js")])),
                              entry("package/a.js", "x\n")), fails={"tar.header"})
def unterminated_checksum(block):
    """A correct checksum as 8 octal digits, no NUL or space after them."""
    h = bytearray(block[:BLOCK])
    h[148:156] = b" " * 8
    h[148:156] = ("%08o" % sum(h)).encode()
    return bytes(h) + block[BLOCK:]


case("checksum-unterminated", tar(entry(*PJ), unterminated_checksum(entry("package/a.js", "x\n"))),
     fails={"tar.header"})
case("pax-path-ends-slash", tar(entry(*PJ), pax([("path", "package/d/")]),
                                entry("package/a.js", "x\n")), fails={"entry.path"})
case("prefix-ends-slash", tar(entry(*PJ), entry("package/a.js", "x\n",
                                               fields={345: b"package/d/"})),
     fails={"entry.path"})
# a file under node_modules/.bin/ runs in place of the command an approved script
# names (npm puts that folder first on PATH; npm pack never packs it): red team
case("dotbin-sh", tar(entry(*PJ), entry("package/node_modules/.bin/sh", "#!/bin/sh\n")),
     fails={"entry.path"})
case("dotbin-sh-bundled", tar(entry(*PJ), entry("package/node_modules/x/node_modules/.BIN/node",
                                                "x\n")), fails={"entry.path"})
case("pax-size-override", tar(entry(*PJ), pax([("size", "0")]),
                              entry("package/a.js", "hidden\n")), fails={"tar.pax"})
# the old npm (node-tar 2, e.g. object-assign 4.1.0) wrote a pax size equal to the header's
case("ok-pax-size-equal", tar(entry(*PJ), pax([("NODETAR.type", "File"), ("size", "7")]),
                              entry("package/a.js", "hidden\n")))
case("pax-size-malformed", tar(entry(*PJ), pax([("size", "07")]),
                               entry("package/a.js", "hidden\n")), fails={"tar.pax"})
case("pax-size-larger", tar(entry(*PJ), pax([("size", "1024")]),
                            entry("package/a.js", "hidden\n")), fails={"tar.pax"})
case("pax-global-header", tar(pax([("path", "package/x")], typeflag=b"g"), entry(*PJ)),
     fails={"tar.pax"})
case("pax-malformed-record", tar(entry(*PJ), pax(b"99 path=package/x\n"),
                                 entry("package/a.js", "a")), fails={"tar.pax"})
case("pax-record-no-newline", tar(entry(*PJ), pax(b"20 path=package/abc"),
                                  entry("package/a.js", "a")), fails={"tar.pax"})
case("pax-two-headers", tar(entry(*PJ), pax([("path", "package/x.js")]),
                            pax([("path", "package/y.js")]), entry("package/a.js", "a")),
     fails={"tar.pax"})
case("pax-header-without-entry", tar(entry(*PJ), pax([("path", "package/x.js")])),
     fails={"tar.header"})
case("pax-path-dotdot", tar(entry(*PJ), pax([("path", "package/../../etc/cron.d/x")]),
                            entry("package/innocent.js", "a")), fails={"entry.path"})
case("pax-path-nul", tar(entry(*PJ), pax([("path", b"package/a.js\0/../../x")]),
                         entry("package/b.js", "a")), fails={"entry.path"})
case("pax-gnu-sparse", tar(entry(*PJ), pax([("GNU.sparse.major", "1"),
                                            ("GNU.sparse.minor", "0")]),
                           entry("package/s.bin", "a")), fails={"entry.type"})
case("pax-path-not-utf8", tar(entry(*PJ), pax([("path", b"package/a\xff.js")]),
                              entry("package/b.js", "a")), fails={"tar.pax"})
case("gnu-longname-dotdot", tar(entry(*PJ), longname("package/../../../x"),
                                entry("package/innocent.js", "a")), fails={"entry.path"})
case("gnu-longname-nul", tar(entry(*PJ), longname(b"package/a.js\0../../x"),
                             entry("package/b.js", "a")), fails={"entry.path"})

# --- entry types ----------------------------------------------------------------------------
for tf, nm in ((b"1", "hardlink"), (b"2", "symlink"), (b"3", "chardev"), (b"4", "blockdev"),
               (b"6", "fifo"), (b"7", "contiguous"), (b"S", "gnu-sparse"), (b"K", "gnu-longlink"),
               (b"V", "volume-label")):
    case("type-" + nm, tar(entry(*PJ), header("package/x", typeflag=tf,
                                              linkname=b"package/package.json")),
         fails={"entry.type"})

# --- paths ----------------------------------------------------------------------------------
for nm, path in (("absolute", "/etc/passwd"), ("dotdot", "package/../evil.js"),
                 ("outside-prefix", "other/evil.js"), ("bare-name", "evil.js"),
                 ("empty-segment", "package/a//b.js"), ("dot-segment", "package/./a.js"),
                 ("backslash", "package\\..\\evil.js"), ("backslash-inside", "package/a\\b.js"),
                 ("control-char", "package/a\x1b[31m.js"), ("del-char", "package/a\x7f.js"),
                 ("c1-control", "package/a\u009b.js"), ("trailing-slash-file", "package/a.js/"),
                 ("package-itself", "package/")):
    case("path-" + nm, tar(entry(*PJ), entry(path, "x")), fails={"entry.path"})
case("path-not-utf8", tar(entry(*PJ), entry(b"package/a\xff.js", "x")), fails={"entry.path"})
case("path-overlong-utf8", tar(entry(*PJ), entry(b"package/\xc0\xae\xc0\xae/x", "x")),
     fails={"entry.path"})

# --- layout: one top-level folder, any name (npm strips it; @types/node uses node/) ----
def types_shape(*extra, top="node"):
    """The shape of the real @types/node tarball: directory entries, its own folder name."""
    d = lambda p: header(p, typeflag=b"5", mode=0o755, uid=1001, gid=127)
    return tar(d(top + "/"), entry(top + "/LICENSE", "MIT\n"), entry(top + "/README.md", "x\n"),
               d(top + "/assert/"), entry(top + "/assert/strict.d.ts", "export {}\n"),
               entry(top + "/package.json", manifest(name="@types/node", version="22.9.0")),
               *extra)


case("ok-layout-types-node", types_shape(),
     check=lambda rep: (rep["package"]["name"] == "@types/node" and
                        rep["unpacked"]["files"] == 4) or "manifest or files not read")
case("ok-layout-previous-other-folder", types_shape(), check=lambda rep: "diff" in rep and not any(
    rep["diff"]["files"][k] for k in ("added", "removed", "changed")) or "diff not empty",
     previous=tar(*[entry("package/" + p, d) for p, d in (
         ("LICENSE", "MIT\n"), ("README.md", "x\n"), ("assert/strict.d.ts", "export {}\n"),
         ("package.json", manifest(name="@types/node", version="22.9.0")))]))
# older npm wrote the folder's own entry without its '/' (combined-stream 1.0.7)
case("ok-layout-folder-entry-no-slash", tar(header("package", typeflag=b"5", mode=0o755),
                                            ok_entries()))
case("layout-file-named-like-folder", tar(entry("package", "x"), ok_entries()),
     fails={"entry.path"})
case("layout-two-top-folders", types_shape(entry("package/evil.js", "pwn()\n")),
     fails={"entry.path"})
case("layout-root-entry", types_shape(entry("evil.js", "pwn()\n")), fails={"entry.path"})
case("layout-root-entry-first", tar(entry("package.json", manifest()),
                                    entry("node/package.json", manifest()), entry("node/a", "x")),
     fails={"entry.path"}, check=names("entry.path", ("package.json", "archive's root")))
case("layout-dot-top", tar(entry("./package.json", manifest()), entry(*IDX)),
     fails={"entry.path", "manifest.present"})
case("layout-dotdot-top", tar(entry("../package/package.json", manifest()), entry(*IDX)),
     fails={"entry.path", "manifest.present"})
case("layout-dotdot-under-folder", types_shape(entry("node/../../x", "x")), fails={"entry.path"})
case("layout-control-in-folder", tar(entry("no\x1bde/package.json", manifest())),
     fails={"entry.path", "manifest.present"})
case("layout-dup-under-folder", types_shape(pax([("path", "node/package.json")]),
                                            entry("node/other.json", manifest(name="evil"))),
     fails={"entry.duplicate"})
case("layout-manifest-nested-only", tar(entry("node/lib/package.json", manifest()),
                                        entry("node/index.js", "x")),
     fails={"manifest.present"})

# --- duplicates ----------------------------------------------------------------------------
case("dup-package-json", tar(entry(*PJ), entry("package/package.json",
                                               manifest(name="evil-pkg"))),
     fails={"entry.duplicate"})
case("dup-dot-package-json", tar(entry(*PJ), entry("package/./package.json", manifest())),
     fails={"entry.duplicate", "entry.path"})
case("dup-via-pax", tar(entry(*PJ), pax([("path", "package/package.json")]),
                        entry("package/other.json", manifest(name="evil-pkg"))),
     fails={"entry.duplicate"})
case("dup-file", tar(ok_entries(), entry("package/index.js", "evil()\n")),
     fails={"entry.duplicate"})

BUNDLING = manifest(dependencies={"rtevil": "1.0.0"}, bundleDependencies=["rtevil"])
EVIL_PJ = manifest(name="rtevil", scripts={"postinstall": "node -e \"require('x')\""})
# --- reader differentials: libarchive (the checker) and node-tar (npm install) must see
# the same names and sizes. node-tar splits a pax body on newlines, libarchive by the
# stated record lengths; the two disagree which of a pax path and a GNU long name wins.
GYP_BODY = '{"targets":[{"target_name":"x","type":"none"}]}'


def raw_rec(key, value):
    """A pax record with a raw value (newlines kept), length computed honestly."""
    return pax_records([(key, value)])


HIDDEN_PATH = raw_rec("path", "package/binding.gyp")[:-1].decode()
HIDDEN_SIZE = raw_rec("size", "0")[:-1].decode()
case("pax-path-and-longname", tar(entry(*PJ), pax([("path", "package/harmless.txt")]),
                                  longname("package/binding.gyp"),
                                  entry("package/C.txt", GYP_BODY)),
     fails={"entry.path"}, check=names("entry.path", (None, "pax path and a GNU long name")))
case("longname-and-pax-path", tar(entry(*PJ), longname("package/binding.gyp"),
                                  pax([("path", "package/harmless.txt")]),
                                  entry("package/C.txt", GYP_BODY)),
     fails={"entry.path"}, check=names("entry.path", (None, "pax path and a GNU long name")))
case("pax-comment-hides-path", tar(entry(*PJ), pax(
    raw_rec("path", "package/harmless.txt") + raw_rec("comment", "x\n" + HIDDEN_PATH)),
    entry("package/C.txt", GYP_BODY)),
     fails={"tar.pax"}, check=names("tar.pax", (None, "contains a newline")))
case("pax-comment-hides-path-first", tar(entry(*PJ), pax(
    raw_rec("comment", "x\n" + HIDDEN_PATH) + raw_rec("path", "package/harmless.txt")),
    entry("package/C.txt", GYP_BODY)), fails={"tar.pax"})
case("pax-path-hides-path", tar(entry(*PJ), pax(
    raw_rec("path", "package/harmless.txt\n" + HIDDEN_PATH)),
    entry("package/C.txt", GYP_BODY)), fails={"tar.pax"})
# node-tar reads size 0 and the next "data" as a header: a hidden binding.gyp
case("pax-comment-hides-size", tar(entry(*PJ), pax(raw_rec("comment", "x\n" + HIDDEN_SIZE)),
                                   entry("package/a.txt", entry("package/binding.gyp", "{}"))),
     fails={"tar.pax"})
case("pax-key-twice-differs", tar(entry(*PJ), pax([("path", "package/a.js"),
                                                  ("path", "package/binding.gyp")]),
                                  entry("package/C.txt", GYP_BODY)),
     fails={"tar.pax"}, check=names("tar.pax", (None, "given twice with different values")))
case("ok-pax-key-twice-same", tar(entry(*PJ), pax([("path", "package/a.js"),
                                                  ("path", "package/a.js")]),
                                  entry("package/C.txt", "x")))
# node-tar drops a record whose UTF-8 decoded length differs; libarchive keeps it
case("pax-record-not-utf8", tar(entry(*PJ), pax([("comment", b"\xff\xfe"),
                                                 ("path", "package/a.js")]),
                                entry("package/C.txt", "x")), fails={"tar.pax"})
case("pax-comment-nul", tar(entry(*PJ), pax([("comment", b"a\0b")]),
                            entry("package/C.txt", "x")), fails={"tar.pax"})

# --- case-insensitive file systems (macOS, Windows): npm finds BINDING.GYP as binding.gyp
# and installs NODE_MODULES/ as node_modules/; two names for one file cannot both be it.
case("case-collision", tar(ok_entries(), entry("package/README.md", "a\n"),
                           entry("package/readme.md", "b\n")),
     fails={"entry.case-collision"},
     check=names("entry.case-collision", ("package/readme.md", "package/README.md")))
case("case-collision-package-json", tar(ok_entries(), entry("package/Package.json",
                                                            manifest(name="evil"))),
     fails={"entry.case-collision"})
case("case-binding-gyp", tar(ok_entries(), entry("package/BINDING.GYP", GYP_BODY)),
     warns={"install.binding-gyp"},
     check=names("install.binding-gyp", ("package/binding.gyp", "node-gyp rebuild")))
case("case-manifest-upper", tar(entry("package/PACKAGE.JSON", manifest()), entry(*IDX)),
     check=lambda rep: rep["package"]["name"] == "demo-pkg" or "manifest not read")
# U+017F (long s) folds to 's' and U+212A (Kelvin sign) to 'k' on those file systems
for nm, path in (("upper", "package/NODE_MODULES/rtevil/package.json"),
                 ("long-s", "package/node_module\u017f/rtevil/package.json"),
                 ("kelvin", "package/node_modules/rtevil/pac\u212aage.json")):
    case("case-bundled-" + nm, tar(entry("package/package.json", BUNDLING), entry(*IDX),
                                   entry(path, EVIL_PJ)),
         fails={"install.new"}, warns={"install.script"})

# --- limits ------------------------------------------------------------------------------
BOMB = deflate_bomb_gz(entry(*PJ) + header("package/zeros.bin", size=256 << 20),
                       256 << 20, END)
case("limit-ratio-bomb", BOMB, fails={"limit.ratio"},
     check=lambda rep: rep["unpacked"]["size"] < 8 << 20 or "inflated too much")
case("limit-unpacked-declared", tar(entry(*PJ), header("package/big.bin", size=2 << 20)),
     fails={"limit.unpacked"}, args=["--max-unpacked", "1000000"])
case("limit-unpacked-stream", tar(entry(*PJ), entry("package/a.bin", os.urandom(300000)),
                                  entry("package/b.bin", os.urandom(300000))),
     fails={"limit.unpacked"}, args=["--max-unpacked", "500000"])
case("limit-entries", tar(entry(*PJ), *[entry("package/f%d.js" % i, "x") for i in range(20)]),
     fails={"limit.entries"}, args=["--max-entries", "10"])
case("limit-path", tar(entry(*PJ), pax([("path", "package/" + "p" * 300)]),
                       entry("package/x", "x")), fails={"limit.path"}, args=["--max-path", "200"])

# --- manifest ----------------------------------------------------------------------------
def with_pj(text):
    return tar(entry("package/package.json", text), entry(*IDX))


case("manifest-missing", tar(entry(*IDX)), fails={"manifest.present"})
case("manifest-nested-only", tar(entry("package/lib/package.json", manifest()), entry(*IDX)),
     fails={"manifest.present"})
case("manifest-not-json", with_pj("{name: demo}"), fails={"manifest.json"})
case("manifest-not-object", with_pj("[1,2]"), fails={"manifest.json"})
case("manifest-duplicate-keys", with_pj('{"name":"demo-pkg","version":"1.0.0","name":"evil"}'),
     fails={"manifest.json"})
case("manifest-not-utf8", with_pj(b'{"name":"demo-pkg","version":"1.0.0","d":"\xff"}'),
     fails={"manifest.json"})
case("manifest-too-large", with_pj(manifest(description=os.urandom(600000).hex())),
     fails={"manifest.json"})
case("manifest-ok-bom", with_pj(b"\xef\xbb\xbf" + manifest().encode()))
for nm, bad in (("leading-dot", ".demo"), ("space", "de mo"), ("reserved", "node_modules"),
                ("reserved-case", "Node_Modules"), ("bad-scope", "@scope/a/b"), ("empty", "")):
    case("name-" + nm, with_pj(manifest(name=bad)), fails={"manifest.name"})
# validate-npm-package-name's warnings: names the registry keeps for existing packages
for nm, old in (("core-module", "buffer"), ("core-module-punycode", "punycode"),
                ("uppercase", "JSONStream"), ("special", "demo!"), ("too-long", "a" * 215)):
    case("name-existing-only-" + nm, with_pj(manifest(name=old)), warns={"manifest.name"})
case("name-not-string", with_pj('{"name":1,"version":"1.0.0"}'), fails={"manifest.name"})
case("name-scoped-ok", with_pj(manifest(name="@scope/demo.js")))
for nm, bad in (("leading-zero", "1.02.3"), ("v-prefix", "v1.2.3"), ("two-parts", "1.2"),
                ("space", " 1.2.3"), ("prerelease-zero", "1.2.3-01"), ("empty-pre", "1.2.3-"),
                ("huge", "9007199254740992.0.0"), ("junk", "1.2.3.4")):
    case("version-" + nm, with_pj(manifest(version=bad)), fails={"manifest.version"})
case("version-prerelease-ok", with_pj(manifest(version="1.2.3-beta.0a.1")))
# npm publishes 1.2.3+build as 1.2.3: what would be approved is not what goes live
case("version-build-metadata", with_pj(manifest(version="1.2.3-beta.0a.1+build.007")),
     fails={"manifest.version"})
# node-semver compares prerelease numbers as doubles: ...992 would equal ...993
case("version-prerelease-above-2^53", with_pj(manifest(version="1.0.0-9007199254740992")),
     fails={"manifest.version"})
case("version-build-metadata-previous-ok", tar(ok_entries()),
     previous=with_pj(manifest(version="0.9.0+build.007")))
case("manifest-private", with_pj(manifest(private=True)), fails={"manifest.private"})
case("expect-name-mismatch", tar(ok_entries()), fails={"manifest.expected"},
     args=["--expect", "other-pkg@1.0.0"])
case("expect-version-mismatch", tar(ok_entries()), fails={"manifest.expected"},
     args=["--expect", "demo-pkg@1.0.1"])
case("expect-ok", tar(ok_entries()), args=["--expect", "demo-pkg@1.0.0"])

# --- install-time code: what npm runs at a registry install (preinstall, install,
# postinstall; node-gyp rebuild for a binding.gyp); a warning while unchanged relative to
# --previous (or with none), install.new fails when added or changed ------------------
def scripted(**scripts):
    return with_pj(manifest(scripts=dict(scripts, test="tap")))


def install_rec(change, command, package=""):
    """The report's install_scripts lists the command with its change."""
    def check(rep):
        got = [(r["package"], r["change"], r["command"]) for r in rep.get("install_scripts", [])]
        return (package, change, command) in got or "install_scripts %r" % got
    return check


SCRIPTED = scripted(postinstall="node steal.js")
GYP = ("package/binding.gyp", "{}")
case("install-postinstall-no-previous-warns", SCRIPTED, warns={"install.script"},
     check=lambda rep: all_of(rep, names("install.script", (
         "package/package.json", "'postinstall': node steal.js (no previous version")),
         install_rec("no previous", "node steal.js")))
case("install-preinstall-install-warn", scripted(preinstall="a", install="b"),
     warns={"install.script"})
case("ok-install-prepare-not-install-time", scripted(prepare="tsc", prepublishOnly="x"))
case("install-non-string-value", with_pj('{"name":"demo-pkg","version":"1.0.0",'
                                         '"scripts":{"postinstall":true}}'),
     warns={"install.script"}, check=names("install.script", (
         "package/package.json", "'postinstall': (not a string)")))
case("install-denied", SCRIPTED, fails={"install.script"}, args=["--install-scripts", "deny"])
case("install-binding-gyp-warns", tar(ok_entries(), entry(*GYP)),
     warns={"install.binding-gyp"})
case("install-binding-gyp-with-install-script", tar(entry(
    "package/package.json", manifest(scripts={"install": "node-gyp-build"})), entry(*GYP)),
     warns={"install.script"})
case("ok-install-binding-gyp-gypfile-false",
     tar(entry("package/package.json", manifest(gypfile=False)), entry(*GYP)))
case("install-new-vs-previous", SCRIPTED, fails={"install.new"}, warns={"install.script"},
     previous=tar(ok_entries()), check=lambda rep: all_of(rep, names("install.new", (
         "package/package.json", "'postinstall' is new: node steal.js")),
         install_rec("new", "node steal.js")))
case("install-changed-vs-previous", SCRIPTED, fails={"install.new"}, warns={"install.script"},
     previous=scripted(postinstall="node build.js"), check=names("install.new", (
         "package/package.json", "is changed: node steal.js (was: node build.js)")))
case("install-unchanged-vs-previous", SCRIPTED, warns={"install.script"}, previous=SCRIPTED,
     check=lambda rep: all_of(rep, names("install.script", (
         "package/package.json", "(unchanged since the previous version)")),
         install_rec("unchanged", "node steal.js")))
case("install-unchanged-denied", SCRIPTED, fails={"install.script"}, previous=SCRIPTED,
     args=["--install-scripts", "deny"])
case("install-new-allowed-still-called-out", SCRIPTED, warns={"install.script", "install.new"},
     previous=tar(ok_entries()), args=["--allow-install-scripts"])
case("install-binding-gyp-new-vs-previous", tar(ok_entries(), entry(*GYP)),
     fails={"install.new"}, warns={"install.binding-gyp"}, previous=tar(ok_entries()))
case("install-binding-gyp-unchanged", tar(ok_entries(), entry(*GYP)),
     warns={"install.binding-gyp"}, previous=tar(ok_entries(), entry(*GYP)))
# --- install-time code in bundled dependencies (npm installs and runs them too) -----


def bundled(*files):
    return tar(entry("package/package.json", BUNDLING), entry(*IDX), *[entry(*f) for f in files])


case("bundled-postinstall",
     bundled(("package/node_modules/rtevil/package.json", EVIL_PJ),
             ("package/node_modules/rtevil/index.js", "x\n")),
     fails={"install.new"}, warns={"install.script"},
     check=names("install.script", ("package/node_modules/rtevil/package.json",
                                    "bundled package node_modules/rtevil: install-time "
                                    "script 'postinstall': node -e \"require('x')\"")))
case("bundled-postinstall-allowed-warns",
     bundled(("package/node_modules/rtevil/package.json", EVIL_PJ)),
     warns={"install.script", "install.new"}, args=["--allow-install-scripts"])
NESTED = "package/node_modules/a/node_modules/b/package.json"
case("bundled-nested-install",
     bundled(("package/node_modules/a/package.json", manifest(name="a")),
             (NESTED, manifest(name="b", scripts={"install": "sh x.sh", "test": "t"}))),
     fails={"install.new"}, warns={"install.script"},
     check=names("install.script", (NESTED, "node_modules/a/node_modules/b: install-time "
                                           "script 'install': sh x.sh")))
SCOPED = "package/node_modules/@s/a/node_modules/@t/b/package.json"
case("bundled-scoped-preinstall",
     bundled(("package/node_modules/@s/a/package.json",
              manifest(name="@s/a", scripts={"preinstall": "pre"})),
             (SCOPED, manifest(name="@t/b", scripts={"postinstall": "post\x1b[2J"}))),
     fails={"install.new"}, warns={"install.script"},
     check=names("install.script",
                 ("package/node_modules/@s/a/package.json", "'preinstall': pre"),
                 (SCOPED, "@t/b: install-time script 'postinstall': post\\x1b[2J")))
case("bundled-binding-gyp",
     bundled(("package/node_modules/native/binding.gyp", "{}"),
             ("package/node_modules/native/package.json", manifest(name="native")),
             ("package/node_modules/gyp-own/binding.gyp", "{}"),
             ("package/node_modules/gyp-own/package.json",
              manifest(name="gyp-own", scripts={"install": "prebuild-install"}))),
     fails={"install.new"}, warns={"install.binding-gyp", "install.script"},
     check=lambda rep: all_of(rep, names("install.binding-gyp", (
         "package/node_modules/native/binding.gyp", "bundled package node_modules/native: "
         "install-time script 'install': node-gyp rebuild")), names("install.script", (
             "package/node_modules/gyp-own/package.json", "'install': prebuild-install"))))
case("bundled-package-json-broken",
     bundled(("package/node_modules/x/package.json", '{"name":"x","scripts":')),
     fails={"install.script"},
     check=names("install.script", ("package/node_modules/x/package.json",
                                    "node_modules/x: package.json is not valid JSON")))
case("bundled-package-json-not-object",
     bundled(("package/node_modules/@s/x/package.json", '["postinstall"]')),
     fails={"install.script"},
     check=names("install.script", ("package/node_modules/@s/x/package.json",
                                    "@s/x: package.json is not a JSON object")))
case("bundled-package-json-too-large",
     bundled(("package/node_modules/x/package.json",
              manifest(name="x", description=os.urandom(600000).hex()))),
     fails={"install.script"})
case("ok-bundled-without-scripts",
     bundled(("package/node_modules/plain/package.json",
              manifest(name="plain", scripts={"test": "tap", "prepare": "tsc"})),
             ("package/node_modules/@s/lib/package.json", manifest(name="@s/lib")),
             ("package/node_modules/plain/lib/binding.gyp/x", "not a binding.gyp file"),
             ("package/lib/node_modules.js", "x\n")))
RTEVIL = ("package/node_modules/rtevil/package.json", EVIL_PJ)
case("bundled-unchanged-vs-previous-warns", bundled(RTEVIL), warns={"install.script"},
     previous=bundled(RTEVIL), check=install_rec(
         "unchanged", "node -e \"require('x')\"", "node_modules/rtevil"))
case("bundled-changed-vs-previous", bundled(RTEVIL), fails={"install.new"},
     warns={"install.script"}, previous=bundled((RTEVIL[0], manifest(
         name="rtevil", scripts={"postinstall": "node ok.js"}))),
     check=names("install.new", (RTEVIL[0], "is changed: node -e \"require('x')\" "
                                 "(was: node ok.js)")))
case("bundled-denied-even-unchanged", bundled(RTEVIL), fails={"install.script"},
     previous=bundled(RTEVIL), args=["--install-scripts", "deny"])
case("ok-bundled-binding-gyp-gypfile-false",
     bundled(("package/node_modules/n/package.json", manifest(name="n", gypfile=False)),
             ("package/node_modules/n/binding.gyp", "{}")))
case("ok-bundled-previous-not-judged", tar(ok_entries()), previous=bundled(
    ("package/node_modules/rtevil/package.json", EVIL_PJ)))
# --- bins: npm links them into node_modules/.bin, first on PATH for every dependent's
# scripts; one named after a system command is a warning (bin.shadow), a failure when
# the package is not that command's and the previous version did not link it ---------
def binned(name="demo-pkg", *files, **extra):
    return tar(entry("package/package.json", manifest(name=name, **extra)), entry(*IDX),
               *[entry(*f) for f in files])


SHADOW = "bin '%s' shadows the system command %s for every package that depends on this one"
case("ok-bin-plain", binned(bin={"demo-pkg": "index.js"}),
     check=lambda rep: rep.get("bin") == {"demo-pkg": "index.js"} or "bin %r" % rep.get("bin"))
case("bin-shadow-sh-stranger", binned("evil-helper", bin={"sh": "index.js", "eh": "index.js"}),
     fails={"bin.shadow"}, check=names("bin.shadow", (
         "package/package.json", SHADOW % ("sh", "sh") + ": this package is not that "
         "command's, and there is no previous version that linked it")))
case("bin-shadow-node-own-package-warns", binned("node", bin={"node": "index.js"}),
     warns={"bin.shadow"}, check=names("bin.shadow", ("package/package.json",
                                                      SHADOW % ("node", "node"))))
case("bin-shadow-npm-owns-npx", binned("npm", bin={"npm": "index.js", "npx": "index.js"}),
     warns={"bin.shadow"}, check=names("bin.shadow", (
         "package/package.json", SHADOW % ("npm", "npm")), (
         "package/package.json", SHADOW % ("npx", "npx"))))
case("bin-shadow-scoped-string-bin", binned("@evil/node", bin="index.js"),
     fails={"bin.shadow"}, check=names("bin.shadow", ("package/package.json",
                                                      SHADOW % ("node", "node"))))
case("bin-shadow-case-and-windows-extension", binned(bin={"Node.CMD": "index.js"}),
     fails={"bin.shadow"}, check=names("bin.shadow", ("package/package.json",
                                                      SHADOW % ("Node.CMD", "node"))))
case("bin-shadow-key-with-separator", binned(bin={"tools/../x/git": "index.js"}),
     fails={"bin.shadow"}, warns={"bin.name"}, check=lambda rep: all_of(rep, names(
         "bin.name", ("package/package.json", "bin 'tools/../x/git' is linked by npm as "
                      "'git'")), names("bin.shadow", ("package/package.json",
                                                      SHADOW % ("git", "git")))))
case("bin-shadow-array", binned(bin=["lib/env"]), fails={"bin.shadow"})
case("bin-shadow-directories-bin", binned("demo-pkg", ("package/tools/x/sudo", "x"),
                                          directories={"bin": "tools"}),
     fails={"bin.shadow"}, check=names("bin.shadow", ("package/package.json",
                                                      SHADOW % ("sudo", "sudo"))))
case("bin-shadow-new-vs-previous", binned("evil-helper", bin={"sh": "index.js"}),
     fails={"bin.shadow"}, previous=binned("evil-helper", bin={"eh": "index.js"}),
     check=lambda rep: all_of(rep, names("bin.shadow", (
         "package/package.json", SHADOW % ("sh", "sh") + ": new since the previous version")),
         lambda r: r["diff"]["bin"]["added"] == {"sh": "index.js"} or "diff %r" % r["diff"]))
case("bin-shadow-kept-vs-previous-warns", binned("evil-helper", bin={"sh": "index.js"}),
     warns={"bin.shadow"}, previous=binned("evil-helper", bin={"sh": "old.js"}),
     check=names("bin.shadow", ("package/package.json", SHADOW % ("sh", "sh") +
                                " (linked by the previous version too)")))
case("bin-name-dropped-by-npm", binned(bin={"..": "index.js", "ok": "index.js"}),
     warns={"bin.name"}, check=lambda rep: all_of(rep, names("bin.name", (
         "package/package.json", "bin '..' is not linked by npm")),
         lambda r: r.get("bin") == {"ok": "index.js"} or "bin %r" % r.get("bin")))
case("previous-other-package", tar(ok_entries()), fails={"previous.name"},
     previous=tar(entry("package/package.json", manifest(name="other-pkg")), entry(*IDX)))
case("previous-broken", tar(ok_entries()), fails={"previous.read"},
     previous=tar(ok_entries(), entry("package/../x", "x")))


def run(binary, outdir):
    failures = 0
    for c in CASES:
        path = os.path.join(outdir, c["name"] + ".tgz")
        with open(path, "wb") as f:
            f.write(c["data"])
        args = [binary, "verify", "--json"] + c["args"]
        if c["previous"] is not None:
            prev = os.path.join(outdir, c["name"] + ".previous.tgz")
            with open(prev, "wb") as f:
                f.write(c["previous"])
            args += ["--previous", prev]
        p = subprocess.run(args + [path], capture_output=True, timeout=120)
        problems = []
        if p.returncode != c["rc"]:
            problems.append("exit %d, want %d" % (p.returncode, c["rc"]))
        try:
            rep = json.loads(p.stdout)
        except ValueError:
            rep = None
            problems.append("no JSON report (stderr: %r)" % p.stderr[:200])
        if rep is not None:
            got_f = {x["id"] for x in rep["checks"] if x["status"] == "fail"}
            got_w = {x["id"] for x in rep["checks"] if x["status"] == "warn"}
            if got_f != c["fails"]:
                problems.append("failed %s, want %s" % (sorted(got_f), sorted(c["fails"])))
            if got_w != c["warns"]:
                problems.append("warned %s, want %s" % (sorted(got_w), sorted(c["warns"])))
            if rep["result"] != ("fail" if c["fails"] else "pass"):
                problems.append("result %s" % rep["result"])
            if c["check"] is not None:
                r = c["check"](rep)
                if r is not True:
                    problems.append(str(r))
        # the human summary must never carry a control character to the terminal
        h = subprocess.run([a for a in args if a != "--json"] + [path], capture_output=True,
                           timeout=120)
        if any(b < 0x20 and b not in (0x0a,) or b == 0x7f for b in h.stdout):
            problems.append("summary contains a control character")
        if h.returncode != c["rc"]:
            problems.append("summary run exit %d" % h.returncode)
        status = "ok" if not problems else "FAIL"
        print("%-4s %s%s" % (status, c["name"], (": " + "; ".join(problems)) if problems else ""))
        failures += bool(problems)
    print("%d cases, %d failed" % (len(CASES), failures))
    return 1 if failures else 0


if __name__ == "__main__":
    binary = sys.argv[1]
    if len(sys.argv) > 2:
        os.makedirs(sys.argv[2], exist_ok=True)
        sys.exit(run(binary, sys.argv[2]))
    with tempfile.TemporaryDirectory() as d:
        sys.exit(run(binary, d))
