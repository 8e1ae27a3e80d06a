'use strict'
// Inputs for bench/audit: lockfiles of real package names (packages.tsv: the
// most-downloaded npm packages, name and current version) and synthetic OSV sets.
//   node gen.js lockfile N OUT      a lockfileVersion 3 tree of the first N names
//   node gen.js osv COUNT DIR [MAL [SKIP]]  COUNT synthetic GHSA-style records over those
//                                   names (all but the first SKIP: with SKIP = N they name
//                                   no package of an N-entry lockfile), and MAL
//                                   malicious-package records (MAL-*, as OpenSSF
//                                   publishes them): mostly made-up typosquat names, a few
//                                   naming real packages at versions nobody installs
const fs = require('fs')
const path = require('path')

const pkgs = fs.readFileSync(path.join(__dirname, 'packages.tsv'), 'utf8').trim().split('\n')
  .map((l) => { const [name, version] = l.split('\t'); return { name, version } })
let state = 12345
const rnd = () => { state = (state * 1103515245 + 12345) % 2147483648; return state / 2147483648 }

const [mode, countArg, out] = process.argv.slice(2)
const count = Number(countArg)
if (mode === 'lockfile') {
  const sel = pkgs.slice(0, count)
  const packages = { '': { name: 'bench-root', version: '1.0.0', dependencies: {} } }
  const direct = Math.max(1, Math.floor(count / 4))
  sel.forEach((p, i) => {
    const entry = { version: p.version, resolved: `http://127.0.0.1/${p.name}.tgz`, dependencies: {} }
    if (i < direct) packages[''].dependencies[p.name] = `^${p.version}`
    else {
      // required by an earlier package, as a transitive dependency
      const parent = sel[Math.floor(rnd() * i)]
      packages[`node_modules/${parent.name}`].dependencies[p.name] = `^${p.version}`
    }
    packages[`node_modules/${p.name}`] = entry
  })
  // every tenth package also pulls an old copy of another one, nested under it
  sel.forEach((p, i) => {
    if (i % 10 !== 0 || i + 1 >= sel.length) return
    const dep = sel[(i * 7 + 1) % sel.length]
    if (dep.name === p.name) return
    packages[`node_modules/${p.name}`].dependencies[dep.name] = '^1.0.0'
    packages[`node_modules/${p.name}/node_modules/${dep.name}`] = { version: '1.0.0' }
  })
  fs.writeFileSync(out, JSON.stringify({ name: 'bench-root', version: '1.0.0', lockfileVersion: 3, requires: true, packages }))
} else if (mode === 'osv') {
  fs.mkdirSync(out, { recursive: true })
  const sev = ['LOW', 'MODERATE', 'HIGH', 'CRITICAL']
  const skip = Number(process.argv[6] || 0)
  for (let i = 0; i < count; i++) {
    const p = pkgs[skip + Math.floor(rnd() * (pkgs.length - skip))]
    const major = Math.floor(rnd() * 5)
    const id = `GHSA-bnch-${String(i).padStart(4, '0').slice(-4)}-${(i >> 12).toString(36).padStart(4, 'x')}`
    const rec = {
      schema_version: '1.4.0', id, modified: '2026-01-01T00:00:00Z', published: '2026-01-01T00:00:00Z',
      summary: `Synthetic advisory ${i} for ${p.name}`, details: 'bench/audit synthetic record',
      affected: [{
        package: { ecosystem: 'npm', name: p.name },
        ranges: [{ type: 'ECOSYSTEM', events: [{ introduced: major ? `${major}.0.0` : '0' }, { fixed: `${major}.${1 + Math.floor(rnd() * 9)}.0` }] }],
      }],
      database_specific: { severity: sev[Math.floor(rnd() * 4)], cwe_ids: ['CWE-400'], github_reviewed: true },
    }
    fs.writeFileSync(path.join(out, `${id}.json`), JSON.stringify(rec, null, 2))
  }
  const mal = Number(process.argv[5] || 0)
  for (let i = 0; i < mal; i++) {
    const real = rnd() < 0.01
    const name = real ? pkgs[Math.floor(rnd() * pkgs.length)].name
      : `${pkgs[Math.floor(rnd() * pkgs.length)].name.replace(/^@[^/]*\//, '')}-${Math.floor(rnd() * 1e9).toString(36)}`
    const id = `MAL-${2022 + (i % 5)}-${i}`
    const rec = {
      modified: '2026-01-01T00:00:00Z', published: '2026-01-01T00:00:00Z', schema_version: '1.5.0', id,
      summary: `Malicious code in ${name} (npm)`,
      details: '\n---\n_-= Per source details. Do not edit below this line.=-_\n\n## Source: ossf-package-analysis\nThe package ran code at install time that exfiltrated data (bench/audit synthetic record).\n',
      affected: [{
        package: { ecosystem: 'npm', name },
        ...(real ? { versions: [`${90 + Math.floor(rnd() * 9)}.0.0-mal`] } : { ranges: [{ type: 'SEMVER', events: [{ introduced: '0' }] }] }),
        database_specific: { cwes: [{ cweId: 'CWE-506', name: 'Embedded Malicious Code' }] },
      }],
      database_specific: { 'malicious-packages-origins': [{ source: 'ossf-package-analysis', sha256: '0'.repeat(64), import_time: '2026-01-01T00:00:00Z', modified_time: '2026-01-01T00:00:00Z', versions: ['1.0.0'] }] },
    }
    fs.writeFileSync(path.join(out, `${id}.json`), JSON.stringify(rec, null, 2))
  }
} else {
  console.error('usage: node gen.js lockfile N OUT | osv COUNT DIR [MAL [SKIP]]')
  process.exit(2)
}
