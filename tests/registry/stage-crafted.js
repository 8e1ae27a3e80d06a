// Stages DIR's tarball as the registry stager would, but with a version manifest
// that differs from the tarball's package.json: MANIFEST_JSON is merged into it
// (the confusion a stager can upload, since the registry keeps the uploaded
// manifest and publishes it on approve). Prints the stage id.
// Usage: [STAGE_TAG=tag] node stage-crafted.js REGISTRY_URL TOKEN PACKAGE_DIR TGZ MANIFEST_JSON
'use strict';
const fs = require('fs');
const crypto = require('crypto');
const [url, token, dir, tgz, extra] = process.argv.slice(2);
const pkg = JSON.parse(fs.readFileSync(`${dir}/package.json`));
const data = fs.readFileSync(tgz);
const sri = 'sha512-' + crypto.createHash('sha512').update(data).digest('base64');
const sha1 = crypto.createHash('sha1').update(data).digest('hex');
const id = `${pkg.name}@${pkg.version}`;
const attach = `${pkg.name}-${pkg.version}.tgz`;
const version = Object.assign({}, pkg, JSON.parse(extra), {
  _id: id,
  dist: { integrity: sri, shasum: sha1,
          tarball: new URL(`${pkg.name}/-/${attach}`, url).toString().replace(/^https:/, 'http:') },
});
const doc = {
  _id: pkg.name, name: pkg.name, description: pkg.description,
  'dist-tags': { [process.env.STAGE_TAG || 'latest']: pkg.version }, versions: { [pkg.version]: version }, access: null,
  _attachments: { [attach]: { content_type: 'application/octet-stream',
                              data: data.toString('base64'), length: data.length } },
};
const escaped = pkg.name.replace('/', '%2f');
fetch(new URL(`-/stage/package/${escaped}`, url), {
  method: 'POST', body: JSON.stringify(doc),
  headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json',
             'npm-command': 'stage' },
}).then(async (r) => {
  const j = await r.json();
  if (r.status !== 201 || !j.stageId) { console.error(r.status, JSON.stringify(j)); process.exit(1); }
  console.log(j.stageId);
});
