// npm's registry keyid: SHA256: + unpadded base64 of sha256 over the key's SSH wire
// encoding (ecdsa-sha2-nistp256). Shared by signed-publish.js and fault-proxy.js.
'use strict';
const crypto = require('crypto');

const wire = (s) => { const b = Buffer.from(s); const l = Buffer.alloc(4); l.writeUInt32BE(b.length); return Buffer.concat([l, b]); };
module.exports = (pub) => {
  const spki = pub.export({ type: 'spki', format: 'der' });
  const q = spki.subarray(spki.length - 65);
  const ssh = Buffer.concat([wire('ecdsa-sha2-nistp256'), wire('nistp256'), wire(q)]);
  return 'SHA256:' + crypto.createHash('sha256').update(ssh).digest('base64').replace(/=+$/, '');
};
