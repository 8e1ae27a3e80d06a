// A reverse proxy in front of the test registry that can misbehave on cue, so the
// helper's registry client meets what real registries do:
//   web           approve/reject/publish without npm-otp get 401 + {authUrl, doneUrl};
//                 GET doneUrl answers 202 + Retry-After twice, then 200 {token};
//                 a retry with npm-otp: <that token> is forwarded with the release
//                 account's real TOTP code in its place.
//   drop-approve  the publishing request (PUT /<name>, or POST /-/stage/<id>/approve)
//                 is forwarded, then the answer is lost (socket closed).
//   down-approve  the publishing request never reaches the registry (socket closed).
//   normal        plain proxying.
// A hostile registry (tests/attacks/hostile_registry.sh):
//   swap          for a stage given by POST /__proxy/swap {"id","file"}: the view's
//                 shasum and the tarball download are those of FILE (the bytes the
//                 approver checks) while the registry holds the staged bytes, which
//                 its POST /-/stage/<id>/approve would publish.
//   lie-bytes V   writes are confirmed as usual, but the packument says version V
//                 has other bytes (dist.integrity/shasum of something else).
//   lie-manifest V  ... or that V depends on evil-dep and has a postinstall script.
//   redirect      every request answered 302 to another origin on 127.0.0.1, which
//                 logs what reaches it ("elsewhere ... auth=yes|no").
//   no-packument  GET of a packument (/<name>) answers 503: the previous versions
//                 and dist-tags are hidden, writes and stage requests go through.
//   bad-tarball   GET of a published tarball (/<name>/-/<file>.tgz) answers other
//                 bytes than the packument's integrity for it.
//   huge          GET /-/stage/<id> answers an endless JSON body, fast.
//   drip          GET /-/stage/<id>/tarball answers one byte a second, forever.
//   cut           GET /-/stage/<id>/tarball promises its whole length, sends 10
//                 bytes and closes; cut-once does that to the first download of
//                 each stage only.
// The registry's signatures, which the test registry does not make:
//   sign PEM      packuments carry dist.signatures over <name>@<version>:<integrity>
//                 by the P-256 key in PEM, for every version that has none;
//   sign-wrong PEM  ... over another message (a signature that does not verify).
// The registry's attestations endpoint, which the test registry lacks:
//   GET /-/npm/v1/attestations/<name>@<version> answers the file registered for that
//   spec by POST /__proxy/attestations {"spec","file"}, else 404 (none).
// Provenance (any mode), set by POST /__proxy/provenance with strip | keep | other FILE:
//   a publish's <name>-<version>.sigstore attachment is taken off before the test
//   registry sees it (Verdaccio 9 refuses a second attachment) and logged with its
//   content_type, length and the SHA-256 of its data; keep then offers it back as
//   the registry does (dist.attestations in the version documents, the bundle at the
//   attestations endpoint); other offers FILE's bundle instead; strip offers none.
//   POST /__proxy/stage-bundle {"id","name","file"}: GET /-/stage/<id> carries FILE
//   as its attachment NAME (a staged publish document's .sigstore).
// Control: POST /__proxy/mode with the mode as body; GET /__proxy/log.
// Usage: node fault-proxy.js UPSTREAM_URL RELEASE_TOTP_BASE32 PORTFILE
'use strict';
const http = require('http');
const crypto = require('crypto');

const upstream = new URL(process.argv[2]);
const secret = process.argv[3];
const portFile = process.argv[4];
let mode = 'normal';
const cuts = new Set(); // stages whose first download was cut (cut-once)
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

const swaps = new Map(); // stage id -> the bytes served as if staged
const attestations = new Map(); // "name@version" -> the attestations document
let provenance = ''; // strip | keep | other FILE (see above)
const offered = new Set(); // "name@version" whose dist.attestations are offered
const stageBundles = new Map(); // stage id -> { name, text }
const SLSA = 'https://slsa.dev/provenance/v1';

// Rewrites a 200 JSON answer (a packument or a stage view) with fn(doc).
function rewriting(fn) {
  return (status, buf) => {
    if (status !== 200) return buf;
    const doc = JSON.parse(buf.toString());
    fn(doc);
    return Buffer.from(JSON.stringify(doc));
  };
}

function endless(res, chunk, intervalMs) {
  let open = true;
  res.on('close', () => { open = false; });
  const pump = () => {
    if (!open) return;
    if (intervalMs) { res.write(chunk); setTimeout(pump, intervalMs); return; }
    while (open && res.write(chunk));
    if (open) res.once('drain', pump);
  };
  pump();
}

function forward(req, body, res, headers, after, rewrite) {
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
      let out = Buffer.concat(chunks);
      const h = Object.assign({}, ur.headers);
      if (rewrite) {
        out = rewrite(ur.statusCode, out);
        delete h['transfer-encoding'];
        delete h.etag;
        h['content-length'] = String(out.length);
      }
      res.writeHead(ur.statusCode, h);
      res.end(out);
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

// the request that makes a version live
const publishing = (req) => (req.method === 'POST' && /^\/-\/stage\/[^/]+\/approve$/.test(req.url)) ||
  (req.method === 'PUT' && !req.url.startsWith('/-/'));

const gated = (req) => (req.method === 'POST' && /^\/-\/stage\/[^/]+\/approve$/.test(req.url)) ||
  (req.method === 'DELETE' && /^\/-\/stage\/[^/]+$/.test(req.url)) ||
  (req.method === 'PUT' && !req.url.startsWith('/-/'));

const server = http.createServer((req, res) => {
  // (async only where a registry code must wait for a fresh step)
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    let body = Buffer.concat(chunks);
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
    if (req.url === '/__proxy/swap' && req.method === 'POST') {
      const o = JSON.parse(body.toString());
      swaps.set(o.id, require('fs').readFileSync(o.file));
      res.end('ok\n');
      return;
    }
    if (req.url === '/__proxy/attestations' && req.method === 'POST') {
      const o = JSON.parse(body.toString());
      attestations.set(o.spec, require('fs').readFileSync(o.file));
      res.end('ok\n');
      return;
    }
    const att = req.url.match(/^\/-\/npm\/v1\/attestations\/(.+)$/);
    if (att && req.method === 'GET') {
      const doc = attestations.get(decodeURIComponent(att[1]));
      log.push(`attestations ${decodeURIComponent(att[1])} auth=${req.headers.authorization ? 'yes' : 'no'} ` +
               `-> ${doc ? 200 : 404}`);
      res.writeHead(doc ? 200 : 404, { 'content-type': 'application/json' });
      res.end(doc || '{"error":"not found"}');
      return;
    }
    if (req.url === '/__proxy/provenance' && req.method === 'POST') {
      provenance = body.toString().trim();
      res.end('ok\n');
      return;
    }
    if (req.url === '/__proxy/stage-bundle' && req.method === 'POST') {
      const o = JSON.parse(body.toString());
      stageBundles.set(o.id, { name: o.name, text: require('fs').readFileSync(o.file, 'utf8') });
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
    const [m, arg] = mode.split(/\s+/);
    const stage = req.url.match(/^\/-\/stage\/([0-9a-f-]{36})(\/tarball)?$/);
    if (provenance && req.method === 'PUT' && !req.url.startsWith('/-/')) {
      const doc = JSON.parse(body.toString());
      for (const key of Object.keys(doc._attachments || {}).filter((k) => k.endsWith('.sigstore'))) {
        const a = doc._attachments[key];
        delete doc._attachments[key];
        const spec = `${doc.name}@${Object.keys(doc.versions)[0]}`;
        log.push(`sigstore ${key} content_type=${a.content_type} length=${a.length} ` +
                 `data_len=${a.data.length} data_sha256=${crypto.createHash('sha256').update(a.data).digest('hex')}`);
        const [how, file] = provenance.split(/\s+/);
        if (how === 'keep' || how === 'other') {
          const bundle = how === 'keep' ? JSON.parse(a.data) : JSON.parse(require('fs').readFileSync(file));
          attestations.set(spec, Buffer.from(JSON.stringify({ attestations: [{ predicateType: SLSA, bundle }] })));
          offered.add(spec);
        }
      }
      body = Buffer.from(JSON.stringify(doc));
      headers['content-length'] = String(body.length);
    }
    if (offered.size && req.method === 'GET' && !req.url.startsWith('/-/') && !req.url.includes('/-/')) {
      forward(req, body, res, headers, null, rewriting((d) => {
        const offer = (v) => {
          if (!v || !v.dist || !offered.has(`${v.name}@${v.version}`)) return;
          v.dist.attestations = { url: `${self}/-/npm/v1/attestations/${v.name.replace('/', '%2f')}@${v.version}`,
                                  provenance: { predicateType: SLSA } };
        };
        if (d.versions) Object.values(d.versions).forEach(offer); else offer(d);
      }));
      return;
    }
    if (req.method === 'GET' && stage && !stage[2] && stageBundles.has(stage[1]) && m === 'normal') {
      const b = stageBundles.get(stage[1]);
      forward(req, body, res, headers, null, rewriting((d) => {
        d._attachments = { [b.name]: { content_type: JSON.parse(b.text).mediaType, data: b.text,
                                       length: b.text.length } };
      }));
      return;
    }
    if (m === 'no-packument' && req.method === 'GET' && !req.url.startsWith('/-/') &&
        !req.url.includes('/-/')) {
      res.writeHead(503, { 'content-type': 'application/json' });
      res.end('{"error":"unavailable"}');
      return;
    }
    if (m === 'bad-tarball' && req.method === 'GET' && !req.url.startsWith('/-/') &&
        /\/-\/[^/]+\.tgz$/.test(req.url)) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      res.end(Buffer.from('not the bytes the registry lists'));
      return;
    }
    if (m === 'redirect') {
      res.writeHead(302, { location: `http://127.0.0.1:${elsewhere.address().port}${req.url}` });
      res.end();
      return;
    }
    if (m === 'huge' && req.method === 'GET' && stage && !stage[2]) {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id":"' + stage[1] + '","pad":"');
      endless(res, Buffer.alloc(65536, 'x'), 0);
      return;
    }
    if (m === 'drip' && req.method === 'GET' && stage && stage[2]) {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      endless(res, Buffer.from([0x1f]), 1000);
      return;
    }
    if ((m === 'cut' || (m === 'cut-once' && !cuts.has(stage && stage[1]))) &&
        req.method === 'GET' && stage && stage[2]) {
      if (m === 'cut-once') cuts.add(stage[1]);
      res.writeHead(200, { 'content-type': 'application/octet-stream',
                           'content-length': '100000' });
      res.write(Buffer.alloc(10, 0x1f));
      setTimeout(() => res.socket && res.socket.destroy(), 50);
      return;
    }
    if (m === 'swap' && req.method === 'GET' && stage && swaps.has(stage[1])) {
      const good = swaps.get(stage[1]);
      if (stage[2]) {
        res.writeHead(200, { 'content-type': 'application/octet-stream',
                             'content-length': String(good.length) });
        res.end(good);
      } else {
        forward(req, body, res, headers, null, rewriting((d) => {
          d.shasum = crypto.createHash('sha1').update(good).digest('hex');
        }));
      }
      return;
    }
    if ((m === 'lie-bytes' || m === 'lie-manifest') && req.method === 'GET' &&
        !req.url.startsWith('/-/') && !req.url.includes('/-/')) {
      forward(req, body, res, headers, null, rewriting((d) => {
        const v = d.versions && d.versions[arg];
        if (!v) return;
        if (m === 'lie-bytes') {
          const other = Buffer.from('not the approved bytes');
          v.dist.integrity = 'sha512-' + crypto.createHash('sha512').update(other).digest('base64');
          v.dist.shasum = crypto.createHash('sha1').update(other).digest('hex');
        } else {
          v.dependencies = Object.assign({}, v.dependencies, { 'evil-dep': '^6.6.6' });
          v.scripts = Object.assign({}, v.scripts, { postinstall: 'node evil.js' });
        }
      }));
      return;
    }
    if ((m === 'sign' || m === 'sign-wrong') && req.method === 'GET' &&
        !req.url.startsWith('/-/') && !req.url.includes('/-/')) {
      const priv = crypto.createPrivateKey(require('fs').readFileSync(arg));
      const id = require('./npm-keyid.js')(crypto.createPublicKey(priv));
      forward(req, body, res, headers, null, rewriting((d) => {
        for (const [version, v] of Object.entries(d.versions || {})) {
          if (!v.dist || v.dist.signatures) continue;
          const msg = m === 'sign' ? `${d.name}@${version}:${v.dist.integrity}` : `${d.name}@0.0.0-other:x`;
          v.dist.signatures = [{ keyid: id, sig: crypto.sign('sha256', Buffer.from(msg), priv).toString('base64') }];
        }
      }));
      return;
    }
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
    if (publishing(req) && mode === 'down-approve') {
      res.socket.destroy();
      return;
    }
    forward(req, body, res, headers, publishing(req) && mode === 'drop-approve' ? 'drop' : null);
  });
});
// the other origin a redirect points to: it must never see a request
const elsewhere = http.createServer((req, res) => {
  log.push(`elsewhere ${req.method} ${req.url} auth=${req.headers.authorization ? 'yes' : 'no'}`);
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end('{}');
});
elsewhere.listen(0, '127.0.0.1');
server.listen(0, '127.0.0.1', () => {
  require('fs').writeFileSync(portFile, String(server.address().port));
});
