'use strict'
// Assertions over an `npm-release audit --json` report, for audit-cli.sh.
// usage: node expect.js REPORT.json ASSERTION ARGS...   (exit 1 with a message on failure)
//   result pass|fail          max SEVERITY|null        count N
//   has PKG@VER ADV [SEV]     lacks PKG@VER ADV        direct PKG@VER ADV true|false
//   path PKG@VER ADV "a > b"  exception PKG@VER ADV STATUS
//   notaudited PKG            note SUBSTRING           same OTHER.json
//   quirk PKG@VER ADV SUBSTRING  (the finding's data_quirk)   noquirk PKG@VER ADV
//   skipped LOCATION          counts KEY N             packages N
const fs = require('fs')
const [file, what, ...args] = process.argv.slice(2)
const r = JSON.parse(fs.readFileSync(file, 'utf8'))
const key = (f) => `${f.package}@${f.version} ${f.advisory}`
const find = (pv, adv) => r.findings.find((f) => `${f.package}@${f.version}` === pv && f.advisory === adv)
const fail = (msg) => { console.error(`expect ${what} ${args.join(' ')}: ${msg}`); process.exit(1) }
const need = (pv, adv) => find(pv, adv) || fail(`no finding; have:\n  ${r.findings.map(key).join('\n  ')}`)

switch (what) {
  case 'result': if (r.result !== args[0]) fail(`result is ${r.result}`); break
  case 'max': if (String(r.max_severity) !== args[0]) fail(`max_severity is ${r.max_severity}`); break
  case 'count': if (r.findings.length !== Number(args[0])) fail(`${r.findings.length} findings:\n  ${r.findings.map(key).join('\n  ')}`); break
  case 'has': {
    const f = need(args[0], args[1])
    if (args[2] && f.severity !== args[2]) fail(`severity ${f.severity}`)
    break
  }
  case 'lacks': if (find(args[0], args[1])) fail('finding present'); break
  case 'direct': if (String(need(args[0], args[1]).direct) !== args[2]) fail('direct differs'); break
  case 'path': {
    const f = need(args[0], args[1])
    if (!f.paths.includes(args[2])) fail(`paths are ${JSON.stringify(f.paths)}`)
    break
  }
  case 'exception': {
    const f = need(args[0], args[1])
    if (!f.exception || f.exception.status !== args[2]) fail(`exception ${JSON.stringify(f.exception)}`)
    break
  }
  case 'notaudited': if (!r.not_audited.some((n) => n.package === args[0])) fail(`not_audited ${JSON.stringify(r.not_audited)}`); break
  case 'note': if (!JSON.stringify(r.notes).includes(args[0])) fail(`notes ${JSON.stringify(r.notes)}`); break
  case 'same': {
    const o = JSON.parse(fs.readFileSync(args[0], 'utf8'))
    const a = r.findings.map((f) => `${key(f)} ${f.severity}`).sort().join('\n')
    const b = o.findings.map((f) => `${key(f)} ${f.severity}`).sort().join('\n')
    if (a !== b || r.result !== o.result) fail(`reports differ:\n${a}\n--- vs ---\n${b}`)
    break
  }
  case 'quirk': {
    const f = need(args[0], args[1])
    if (!f.data_quirk || !f.data_quirk.includes(args[2])) fail(`data_quirk ${JSON.stringify(f.data_quirk)}`)
    break
  }
  case 'noquirk': if ('data_quirk' in need(args[0], args[1])) fail('finding has a data_quirk'); break
  case 'skipped': if (!r.skipped.some((n) => n.location === args[0])) fail(`skipped ${JSON.stringify(r.skipped)}`); break
  case 'counts': if (String(r.counts[args[0]]) !== args[1]) fail(`counts ${JSON.stringify(r.counts)}`); break
  case 'packages': if (String(r.tree.packages) !== args[0]) fail(`tree ${JSON.stringify(r.tree)}`); break
  default: fail('unknown assertion')
}
