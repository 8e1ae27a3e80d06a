// A reverse proxy in front of the test registry that can misbehave on cue, so the
// helper's registry client meets what real registries do:
//   web           approve/reject/publish without npm-otp get 401 + {authUrl, doneUrl};
//                 GET doneUrl answers 202 + Retry-After twice, then 200 {token};
//                 a retry with npm-otp: <that token> is forwarded with the release
//                 account's real TOTP code in its place.
//   drop-approve  the approve is forwarded, then the answer is lost (socket closed).
//   down-approve  the approve never reaches the registry (socket closed).
//   normal        plain proxying.
// Control: POST /__proxy/mode with the mode as body; GET /__proxy/log.
// Usage: node fault-proxy.js UPSTREAM_URL RELEASE_TOTP_BASE32 PORTFILE
'use strict';
const http = require('http');
const crypto = require('crypto');

const upstream = new URL(process.argv[2]);
const secret = process.argv[3];
const portFile = process.argv[4];
let mode = 'normal';
const log = [];
const webAuth = new Map(); // authId -> { polls, token }

function base32(s) {
  const a = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';
  let bits = 0, value = 0;
  const out = [];
  for (const c of s.replace(/=+$/, '')) {
    value = (value << 5) | a.indexOf(c);
    bits += 5;
    if (bits >= 8) { out.push((value >>> (bits - 8)) & 255); bits -= 8; }
  }
  return Buffer.from(out);
}

function totp(step) {
  const msg = Buffer.alloc(8);
  msg.writeBigUInt64BE(BigInt(step));
  const h = crypto.createHmac('sha1', base32(secret)).update(msg).digest();
  const o = h[19] & 15;
  return String((h.readUInt32BE(o) & 0x7fffffff) % 1000000).padStart(6, '0');
}

let lastStep = 0;
// One registry step is usable once (and a code for step s also spends s-1): the
// test tells the proxy the lowest step nobody has spent (POST /__proxy/minstep).
async function nextCode() {
  lastStep = Math.max(lastStep + 1, Math.floor(Date.now() / 30000));
  while (Math.floor(Date.now() / 30000) + 1 < lastStep)
    await new Promise((r) => setTimeout(r, 500));
  return totp(lastStep);
}

function forward(req, body, res, headers, after) {
  // a fresh upstream connection per request (no pooled socket the registry may
  // have closed), and an upstream that hangs becomes a quick 504
  const opts = { method: req.method, host: upstream.hostname, port: upstream.port, agent: false,
                 timeout: 15000,
                 path: req.url, headers: Object.assign({}, headers, { host: upstream.host }) };
  const up = http.request(opts, (ur) => {
    const chunks = [];
    ur.on('data', (c) => chunks.push(c));
    ur.on('end', () => {
      log.push(`upstream ${req.method} ${req.url} -> ${ur.statusCode}`);
      // the registry did the work; only its (successful) answer is lost
      if (after === 'drop' && ur.statusCode < 300) { res.socket.destroy(); return; }
      res.writeHead(ur.statusCode, ur.headers);
      res.end(Buffer.concat(chunks));
    });
  });
  up.on('timeout', () => up.destroy(new Error('upstream timeout')));
  up.on('error', (e) => {
    log.push(`upstream ${req.method} ${req.url} -> error ${e.message}`);
    if (res.headersSent) { res.socket.destroy(); return; }
    res.writeHead(/timeout/.test(e.message) ? 504 : 502);
    res.end();
  });
  up.end(body);
}

const gated = (req) => (req.method === 'POST' && /^\/-\/stage\/[^/]+\/approve$/.test(req.url)) ||
  (req.method === 'DELETE' && /^\/-\/stage\/[^/]+$/.test(req.url)) ||
  (req.method === 'PUT' && !req.url.startsWith('/-/'));

const server = http.createServer((req, res) => {
  // (async only where a registry code must wait for a fresh step)
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const body = Buffer.concat(chunks);
    const self = `http://127.0.0.1:${server.address().port}`;
    log.push(`${mode} ${req.method} ${req.url} otp=${req.headers['npm-otp'] ? 'yes' : 'no'} ` +
             `auth-type=${req.headers['npm-auth-type'] || '-'}`);
    if (req.url === '/__proxy/mode' && req.method === 'POST') {
      mode = body.toString().trim();
      res.end('ok\n');
      return;
    }
    if (req.url === '/__proxy/minstep' && req.method === 'POST') {
      lastStep = Math.max(lastStep, parseInt(body.toString(), 10) - 1);
      res.end('ok\n');
      return;
    }
    if (req.url === '/__proxy/log') {
      res.end(log.join('\n') + '\n');
      return;
    }
    const done = req.url.match(/^\/-\/v1\/done\?authId=([0-9a-f-]+)$/);
    if (done && webAuth.has(done[1])) {
      const w = webAuth.get(done[1]);
      if (++w.polls <= 2) {
        res.writeHead(202, { 'retry-after': '1' });
        res.end();
      } else {
        res.writeHead(200, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ token: w.token }));
      }
      return;
    }
    const headers = Object.assign({}, req.headers);
    if (gated(req) && mode === 'web') {
      const given = req.headers['npm-otp'];
      const known = [...webAuth.values()].find((w) => w.token === given);
      if (!known) {
        const id = crypto.randomUUID();
        webAuth.set(id, { polls: 0, token: 'web-' + crypto.randomBytes(16).toString('hex') });
        res.writeHead(401, { 'www-authenticate': 'OTP', 'content-type': 'application/json',
                             'npm-notice': `Open ${self}/auth/cli/${id} to use your security key` });
        res.end(JSON.stringify({ authUrl: `${self}/auth/cli/${id}`,
                                 doneUrl: `${self}/-/v1/done?authId=${id}` }));
        return;
      }
      nextCode().then((code) => {
        headers['npm-otp'] = code;
        forward(req, body, res, headers, null);
      });
      return;
    }
    if (gated(req) && req.method === 'POST' && mode === 'down-approve') {
      res.socket.destroy();
      return;
    }
    forward(req, body, res, headers, gated(req) && mode === 'drop-approve' ? 'drop' : null);
  });
});
server.listen(0, '127.0.0.1', () => {
  require('fs').writeFileSync(portFile, String(server.address().port));
});
