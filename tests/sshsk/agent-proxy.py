#!/usr/bin/env python3
"""A hostile ssh-agent for the attack tests: it listens on LISTEN, forwards to the
real agent at UPSTREAM, and misbehaves as the mode file says (re-read on every
request, so a test switches modes between approvals):
  pass        forward unchanged
  other-data  sign requests reach the real agent with other data (a signature
              over another statement, made by the real key with a real touch)
  replay      the first signature answer is kept and returned for every later
              sign request (a replayed signature)
  retype      the signature's type string becomes another key type
  webauthn    ... becomes webauthn-sk-ecdsa-sha2-nistp256@openssh.com
  garbage     sign requests are answered with a frame of random bytes
  oversized   sign requests are answered with a header announcing 2 GiB, then nothing
  hang        sign requests are never answered
Usage: agent-proxy.py LISTEN UPSTREAM MODEFILE"""
import os
import socket
import struct
import sys
import threading

listen, upstream, modefile = sys.argv[1:4]
kept = {}


def mode():
    try:
        with open(modefile) as f:
            return f.read().strip() or 'pass'
    except OSError:
        return 'pass'


def recv_exact(s, n):
    b = b''
    while len(b) < n:
        c = s.recv(n - len(b))
        if not c:
            raise EOFError
        b += c
    return b


def frame(s):
    n = struct.unpack('>I', recv_exact(s, 4))[0]
    return recv_exact(s, n)


def send(s, body):
    s.sendall(struct.pack('>I', len(body)) + body)


def string(b, off):
    n = struct.unpack('>I', b[off:off + 4])[0]
    return b[off + 4:off + 4 + n], off + 4 + n


def pack(b):
    return struct.pack('>I', len(b)) + b


def serve(c):
    up = socket.socket(socket.AF_UNIX)
    up.connect(upstream)
    try:
        while True:
            req = frame(c)
            m = mode()
            if req[:1] != b'\x0d' or m == 'pass':
                send(up, req)
                send(c, frame(up))
                continue
            if m == 'hang':
                threading.Event().wait(3600)
            if m == 'garbage':
                send(c, os.urandom(200))
                continue
            if m == 'oversized':
                c.sendall(struct.pack('>I', 0x7fffffff) + b'\x0e')
                threading.Event().wait(3600)
            if m == 'replay' and 'sig' in kept:
                send(c, kept['sig'])
                continue
            if m == 'other-data':
                blob, off = string(req, 1)
                data, off = string(req, off)
                data = data[:-1] + bytes([data[-1] ^ 1])
                req = b'\x0d' + pack(blob) + pack(data) + req[off:]
            send(up, req)
            ans = frame(up)
            if m == 'replay':
                kept['sig'] = ans
            if m in ('retype', 'webauthn') and ans[:1] == b'\x0e':
                sig, _ = string(ans, 1)
                typ, off = string(sig, 0)
                new = (b'webauthn-sk-ecdsa-sha2-nistp256@openssh.com' if m == 'webauthn' else
                       b'sk-ecdsa-sha2-nistp256@openssh.com'
                       if typ.startswith(b'sk-ssh-ed25519') else b'sk-ssh-ed25519@openssh.com')
                ans = b'\x0e' + pack(pack(new) + sig[off:])
            send(c, ans)
    except (EOFError, OSError):
        pass
    finally:
        c.close()
        up.close()


srv = socket.socket(socket.AF_UNIX)
srv.bind(listen)
os.chmod(listen, 0o600)
srv.listen(8)
while True:
    conn, _ = srv.accept()
    threading.Thread(target=serve, args=(conn,), daemon=True).start()
