'use strict'
// A reference audit written independently of the C code: npm's own reading of
// each lockfile (arborist loadVirtual, AuditReport.shouldAudit) and the OSV
// records evaluated with node-semver (the copy npm bundles). For each project
// folder it checks that `npm-release audit --json` gives a verdict (exit 0 or 1,
// never a refusal) and exactly the same (package, version, advisory) findings.
// OSV rules: events sorted by version (stable), introduced / fixed (exclusive) /
// last_affected (inclusive) / limit; explicit versions; withdrawn records ignored;
// an open range capped by last_known_affected_version_range; an event holding
// several versions ("7.2.4, 6.11.4") read each way, affected if any reading is.
// usage: node reference.js HELPER NPM_DIR OSV_DIR DIR...   (exit 1 on any difference)
const fs = require('fs')
const os = require('os')
const path = require('path')
const { spawnSync } = require('child_process')
const [helper, npmDir, osvDir, ...dirs] = process.argv.slice(2)
const Arborist = require(path.resolve(npmDir, 'node_modules', '@npmcli', 'arborist'))
const semver = require(path.resolve(npmDir, 'node_modules', 'semver'))

const byName = new Map()
for (const f of fs.readdirSync(osvDir).filter((f) => f.endsWith('.json'))) {
  const rec = JSON.parse(fs.readFileSync(path.join(osvDir, f), 'utf8'))
  if (rec.withdrawn) continue
  for (const aff of rec.affected || []) {
    if (!aff.package || aff.package.ecosystem !== 'npm') continue
    const list = byName.get(aff.package.name) || []
    let adv = list.find((a) => a.id === rec.id)
    if (!adv) list.push(adv = { id: rec.id, affected: [] })
    adv.affected.push(aff)
    byName.set(aff.package.name, list)
  }
}

// "0" -> null (before everything); else a SemVer; undefined when unreadable
function eventVersion (s) {
  if (s === '0') return null
  const v = semver.parse(s) || semver.parse(s, { loose: true })
  if (v) return v
  if (/^\d+(\.\d+)?$/.test(s)) return semver.parse(s + (s.includes('.') ? '.0' : '.0.0'))
  return undefined
}

function readings (events) {
  let all = [[]]
  for (const e of events) {
    const kind = Object.keys(e).find((k) => ['introduced', 'fixed', 'last_affected', 'limit'].includes(k))
    if (kind === 'limit' && e.limit === '*') continue
    let texts = [e[kind]]
    if (eventVersion(e[kind]) === undefined) texts = e[kind].split(/[ ,|]+/).filter(Boolean)
    const next = []
    for (const r of all) for (const t of texts) next.push([...r, { kind, v: eventVersion(t) }])
    all = next
  }
  return all
}

const cmp = (a, b) => a.v === null ? (b.v === null ? 0 : -1) : b.v === null ? 1 : semver.compare(a.v, b.v)

function rangeAffects (events, lkavr, version) {
  for (const evs of readings(events)) {
    const sorted = evs.map((e, i) => ({ ...e, i })).sort((a, b) => cmp(a, b) || a.i - b.i)
    let affected = false; let closed = false; let limit = false; let below = false
    for (const e of sorted) {
      const c = e.v === null ? 1 : semver.compare(version, e.v)
      if (e.kind === 'introduced' && c >= 0) affected = true
      if (e.kind === 'fixed') { closed = true; if (c >= 0) affected = false }
      if (e.kind === 'last_affected') { closed = true; if (c > 0) affected = false }
      if (e.kind === 'limit') { limit = true; if (c < 0) below = true }
    }
    if (limit && !below) continue
    if (affected && !closed && lkavr) {
      affected = semver.satisfies(version, lkavr, { loose: true, includePrerelease: true })
    }
    if (affected) return true
  }
  return false
}

function affects (adv, version) {
  for (const aff of adv.affected) {
    for (const s of aff.versions || []) {
      const v = eventVersion(s)
      if (v && semver.eq(v, version)) return true
    }
    const lkavr = aff.database_specific && aff.database_specific.last_known_affected_version_range
    for (const r of aff.ranges || []) {
      if ((r.type === 'ECOSYSTEM' || r.type === 'SEMVER') && rangeAffects(r.events, lkavr, version)) return true
    }
  }
  return false
}

async function main () {
  let failures = 0
  for (const dir of dirs) {
    const lockfile = ['npm-shrinkwrap.json', 'package-lock.json']
      .map((f) => path.join(dir, f)).find((f) => fs.existsSync(f))
    let from = dir
    if (path.basename(lockfile) !== 'package-lock.json') {
      from = fs.mkdtempSync(path.join(os.tmpdir(), 'reference-'))
      fs.copyFileSync(path.join(dir, 'package.json'), path.join(from, 'package.json'))
      fs.copyFileSync(lockfile, path.join(from, 'package-lock.json'))
    }
    const tree = await new Arborist({ path: from }).loadVirtual()
    if (from !== dir) fs.rmSync(from, { recursive: true })
    const expected = new Set()
    for (const node of tree.inventory.values()) {
      if (!node.version || node.isRoot || node.isLink || node.linksIn.size > 0) continue
      for (const adv of byName.get(node.packageName) || []) {
        if (affects(adv, node.version)) expected.add(`${node.packageName}@${node.version} ${adv.id}`)
      }
    }
    const run = spawnSync(helper, ['audit', '--json', '--level', 'none', '--advisories', osvDir,
      '--lockfile', lockfile], { encoding: 'utf8' })
    let report = null
    try { report = JSON.parse(run.stdout) } catch {}
    if (!report || (run.status !== 0 && run.status !== 1)) {
      failures++
      console.error(`REFUSED ${dir}: exit ${run.status}: ${run.stderr.trim()}`)
      continue
    }
    const got = new Set(report.findings.map((f) => `${f.package}@${f.version} ${f.advisory}`))
    const missing = [...expected].filter((k) => !got.has(k))
    const extra = [...got].filter((k) => !expected.has(k))
    if (missing.length || extra.length) {
      failures++
      console.error(`DIFF ${dir}:`)
      for (const k of missing) console.error(`  only reference: ${k}`)
      for (const k of extra) console.error(`  only ours:      ${k}`)
    }
    console.log(`${path.basename(dir)}: ${report.tree.packages} packages, ${got.size} findings, ` +
      `exit ${run.status}`)
  }
  console.log(`reference: ${dirs.length} lockfiles, ${failures} differing or refused`)
  process.exit(failures ? 1 : 0)
}
main().catch((e) => { console.error(e); process.exit(1) })
