'use strict'
// Assertions over `npm-release provenance --json` and `signatures --json` reports.
// usage: node expect.js REPORT.json ASSERTION ARGS...   (exit 1 with a message)
//   result pass|fail                 the report's result
//   att I FIELD VALUE                attestations[I][FIELD] (or identity.FIELD) equals VALUE
//   reason SUBSTRING                 some attestation's reason, or the report's, contains it
//   subject NAME VERSION SHA512      the subject
//   sigs N                           signatures count, all pass
//   shape                            exactly the documented keys (npm-release(8))
const fs = require('fs')
const [file, what, ...args] = process.argv.slice(2)
const r = JSON.parse(fs.readFileSync(file, 'utf8'))
const fail = (msg) => { console.error(`expect ${what} ${args.join(' ')}: ${msg}\n${JSON.stringify(r, null, 1)}`); process.exit(1) }
switch (what) {
  case 'result': if (r.result !== args[0]) fail(`result is ${r.result}`); break
  case 'att': {
    const a = r.attestations[Number(args[0])] || fail('no such attestation')
    const v = args[1] in a ? a[args[1]] : (a.identity || {})[args[1]]
    if (String(v) !== args[2]) fail(`${args[1]} is ${v}`)
    break
  }
  case 'reason': {
    const all = [r.reason, ...(r.attestations || []).concat(r.signatures || []).map((a) => a.reason)].filter(Boolean)
    if (!all.some((x) => x.includes(args[0]))) fail(`reasons: ${JSON.stringify(all)}`)
    break
  }
  case 'subject': {
    const s = r.subject
    if (s.name !== args[0] || s.version !== args[1] || s.sha512 !== args[2]) fail(`subject ${JSON.stringify(s)}`)
    break
  }
  case 'sigs': {
    if (r.signatures.length !== Number(args[0])) fail(`${r.signatures.length} signatures`)
    if (!r.signatures.every((s) => s.result === 'pass')) fail('not all pass')
    break
  }
  case 'shape': {
    const same = (o, keys, what) => {
      if (JSON.stringify(Object.keys(o).sort()) !== JSON.stringify([...keys].sort())) fail(`${what} keys ${Object.keys(o)}`)
    }
    same(r, ['result', 'reason', 'subject', 'attestations'], 'report')
    same(r.subject, ['name', 'version', 'sha512'], 'subject')
    for (const a of r.attestations) {
      same(a, ['predicateType', 'result', 'reason', 'identity'], 'attestation')
      same(a.identity, ['san', 'issuer', 'repository', 'ref', 'commit', 'workflow'], 'identity')
      if (!['pass', 'fail'].includes(a.result) || (a.result === 'pass') !== (a.reason === null)) fail('result/reason')
    }
    break
  }
  default: fail('unknown assertion')
}
