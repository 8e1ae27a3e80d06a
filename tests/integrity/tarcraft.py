"""Byte-level construction of npm-style tarballs, honest and hostile, for the
integrity tests. Headers are built by hand (not with tarfile) so that every field can
be made wrong on purpose."""
import gzip
import json
import zlib

BLOCK = 512


def octal(value, width):
    return ("%0*o" % (width - 1, value)).encode() + b"\0"


def base256(value, width):
    raw = value.to_bytes(width, "big", signed=True)
    if value >= 0:
        raw = b"\x80" + raw[1:]
    return raw


def header(name, size=0, typeflag=b"0", mode=0o644, mtime=499162500, uid=0, gid=0,
           linkname=b"", magic=b"ustar\x0000", fields=None, checksum=None):
    """One 512-byte ustar header. fields: {offset: bytes} raw overrides applied before
    the checksum; checksum: a raw 8-byte override applied after."""
    if isinstance(name, str):
        name = name.encode()
    h = bytearray(BLOCK)
    h[0:len(name)] = name[:100]
    h[100:108] = octal(mode, 8)
    h[108:116] = octal(uid, 8)
    h[116:124] = octal(gid, 8)
    h[124:136] = octal(size, 12) if isinstance(size, int) else size
    h[136:148] = octal(mtime, 12)
    h[156:157] = typeflag
    h[157:157 + len(linkname)] = linkname
    h[257:265] = magic
    for off, raw in (fields or {}).items():
        h[off:off + len(raw)] = raw
    h[148:156] = b" " * 8
    if checksum is None:
        h[148:156] = ("%06o" % sum(h)).encode() + b"\0 "
    else:
        h[148:156] = checksum
    return bytes(h)


def pad(data):
    return data + b"\0" * ((BLOCK - len(data) % BLOCK) % BLOCK)


def entry(name, data=b"", **kw):
    if isinstance(data, str):
        data = data.encode()
    return header(name, size=len(data), **kw) + pad(data)


def pax_records(records):
    out = b""
    for key, value in records:
        if isinstance(value, str):
            value = value.encode()
        body = b" " + key.encode() + b"=" + value + b"\n"
        n = len(body) + 1
        while len(str(n)) + len(body) != n:
            n += 1
        out += str(n).encode() + body
    return out


def pax(records, name="package/PaxHeader", typeflag=b"x"):
    body = pax_records(records) if isinstance(records, list) else records
    return header(name, size=len(body), typeflag=typeflag) + pad(body)


def longname(name):
    if isinstance(name, str):
        name = name.encode()
    body = name + b"\0"
    return header("././@LongLink", size=len(body), typeflag=b"L") + pad(body)


END = b"\0" * (2 * BLOCK)


def manifest(name="demo-pkg", version="1.0.0", **extra):
    doc = {"name": name, "version": version}
    doc.update(extra)
    return json.dumps(doc, indent=2) + "\n"


def gz(raw):
    return gzip.compress(raw, compresslevel=9, mtime=0)


def package(files, end=END):
    """files: [(path, data)] -> gzip'd tarball bytes."""
    return gz(b"".join(entry(p, d) for p, d in files) + end)


def deflate_bomb_gz(prefix, zeros, suffix=b""):
    """gzip of prefix + zeros NUL bytes + suffix, compressed incrementally."""
    comp = zlib.compressobj(9, zlib.DEFLATED, 16 + 15)
    out = [comp.compress(prefix)]
    chunk = b"\0" * (1 << 20)
    left = zeros
    while left > 0:
        n = min(left, len(chunk))
        out.append(comp.compress(chunk[:n]))
        left -= n
    out.append(comp.compress(suffix))
    out.append(comp.flush())
    return b"".join(out)
