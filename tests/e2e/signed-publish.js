// Publishes NAME@1.0.0 to the test registry with a dist.signatures entry of the
// caller's choosing (Verdaccio signs nothing, and keeps what a publish sends), and
// writes the test's registry keys. Keys are P-256 pairs made here; the keyid is
// npm's: SHA256: + unpadded base64 of sha256 over the key's SSH wire encoding.
// Usage: node signed-publish.js keys OUT_DIR
//        node signed-publish.js publish REGISTRY_URL TOKEN KEYS_DIR TGZ NAME MODE
// MODE: good (the pinned key), bad (the pinned key over another message), unknown
// (a key not pinned), expired (a pinned key that expired in 2020), none (no signature)
'use strict';
const fs = require('fs');
const crypto = require('crypto');

const keyid = require('../registry/npm-keyid.js');
const [cmd, ...a] = process.argv.slice(2);
if (cmd === 'keys') {
  const out = a[0]; const keys = [];
  for (const [n, expires] of [['pinned', null], ['expired', '2020-01-01T00:00:00.000Z'], ['unknown', undefined]]) {
    const { publicKey, privateKey } = crypto.generateKeyPairSync('ec', { namedCurve: 'prime256v1' });
    fs.writeFileSync(`${out}/${n}.pem`, privateKey.export({ type: 'pkcs8', format: 'pem' }));
    fs.writeFileSync(`${out}/${n}.keyid`, keyid(publicKey));
    if (expires !== undefined)
      keys.push({ expires, keyid: keyid(publicKey), keytype: 'ecdsa-sha2-nistp256', scheme: 'ecdsa-sha2-nistp256',
                  key: publicKey.export({ type: 'spki', format: 'der' }).toString('base64') });
  }
  fs.writeFileSync(`${out}/registry-keys.json`, JSON.stringify({ keys }, null, 1));
} else if (cmd === 'publish') {
  const [url, token, kdir, tgz, name, mode] = a;
  const data = fs.readFileSync(tgz);
  const sri = 'sha512-' + crypto.createHash('sha512').update(data).digest('base64');
  const version = '1.0.0';
  const key = (n) => ({ priv: crypto.createPrivateKey(fs.readFileSync(`${kdir}/${n}.pem`)),
                        id: fs.readFileSync(`${kdir}/${n}.keyid`, 'utf8') });
  const sign = (k, msg) => ({ keyid: k.id, sig: crypto.sign('sha256', Buffer.from(msg), k.priv).toString('base64') });
  const msg = `${name}@${version}:${sri}`;
  const sigs = { good: () => [sign(key('pinned'), msg)],
                 bad: () => [sign(key('pinned'), `${name}@9.9.9:${sri}`)],
                 unknown: () => [sign(key('unknown'), msg)],
                 expired: () => [sign(key('expired'), msg)],
                 none: () => undefined }[mode]();
  const attach = `${name}-${version}.tgz`;
  const dist = { integrity: sri, shasum: crypto.createHash('sha1').update(data).digest('hex'),
                 tarball: new URL(`${name}/-/${attach}`, url).toString() };
  if (sigs) dist.signatures = sigs;
  const doc = { _id: name, name, 'dist-tags': { latest: version },
    versions: { [version]: { name, version, _id: `${name}@${version}`, dist } },
    _attachments: { [attach]: { content_type: 'application/octet-stream', data: data.toString('base64'), length: data.length } } };
  fetch(new URL(name.replace('/', '%2f'), url), { method: 'PUT', body: JSON.stringify(doc),
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' } })
    .then(async (r) => { if (r.status !== 201) { console.error(r.status, await r.text()); process.exit(1); } });
}
