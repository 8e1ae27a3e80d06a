'use strict'
// Negative controls for provenance-cli.sh: writes a copy of a JSON document with one
// change. usage: node mutate.js IN OUT OP PATH [ARG]
//   flip-b64 PATH BYTE     flip the low bit of byte BYTE (negative: from the end) of
//                          the base64 string at PATH
//   flip-text PATH BYTE    the same in a plain string (e.g. a checkpoint)
//   set PATH JSON          set the value at PATH (JSON text; "delete" removes it)
//   add-int PATH N         add N to the integer string at PATH
//   copy PATH FROMPATH     put a copy of the value at FROMPATH at PATH
// PATH is dot-separated: attestations.1.bundle.dsseEnvelope.signatures.0.sig
const fs = require('fs')
const [inp, out, op, path, arg] = process.argv.slice(2)
const doc = JSON.parse(fs.readFileSync(inp, 'utf8'))
const keys = (p) => p.split('.').map((k) => (/^\d+$/.test(k) ? Number(k) : k))
const parent = (p) => {
  const ks = keys(p)
  let o = doc
  for (const k of ks.slice(0, -1)) {
    if (o[k] === undefined) throw new Error(`no ${k} in ${p}`)
    o = o[k]
  }
  return [o, ks[ks.length - 1]]
}
const get = (p) => { const [o, k] = parent(p); return o[k] }
const flip = (buf) => {
  const i = Number(arg) < 0 ? buf.length + Number(arg) : Number(arg)
  buf[i] ^= 1
  return buf
}
const [o, k] = parent(path)
if (['flip-b64', 'flip-text', 'add-int'].includes(op) && o[k] === undefined) throw new Error(`no value at ${path}`)
switch (op) {
  case 'flip-b64': o[k] = flip(Buffer.from(o[k], 'base64')).toString('base64'); break
  case 'flip-text': o[k] = flip(Buffer.from(o[k], 'utf8')).toString('utf8'); break
  case 'set': if (arg === 'delete') delete o[k]; else o[k] = JSON.parse(arg); break
  case 'add-int': o[k] = String(BigInt(o[k]) + BigInt(arg)); break
  case 'copy': o[k] = JSON.parse(JSON.stringify(get(arg))); break
  default: throw new Error(`unknown op ${op}`)
}
fs.writeFileSync(out, JSON.stringify(doc))
