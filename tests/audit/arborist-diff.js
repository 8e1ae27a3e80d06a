'use strict'
// Differential test of our lockfile reading against npm's own: for each project
// folder (package.json + package-lock.json or npm-shrinkwrap.json), the set of
// packages npm audit would look up, as arborist's loadVirtual() reads the tree
// (AuditReport.shouldAudit: a version, not the root, not a link, not a link
// target; Node.shouldOmit for --omit), against `npm-release audit --list-tree`.
// Compared per package: name, version, install location, dev, optional,
// devOptional and peer flags, with no --omit and with each --omit set.
// One known difference, where we are stricter, is accounted for: reading a v1
// lockfile, npm cannot see peer edges (v1 "requires" lists none), so a package
// installed only as a peer ("peer": true, neither "dev" nor "optional") is flagged
// dev+optional and `npm audit --omit=dev` skips it although production code needs
// it. We keep the lockfile's flags; such nodes are compared with those flags.
// usage: node arborist-diff.js HELPER NPM_DIR DIR...   (exit 1 on any difference)
const fs = require('fs')
const os = require('os')
const path = require('path')
const { execFileSync } = require('child_process')
const [helper, npmDir, ...dirs] = process.argv.slice(2)
const Arborist = require(path.resolve(npmDir, 'node_modules', '@npmcli', 'arborist'))

const omits = [[], ['dev'], ['optional'], ['peer'], ['dev', 'optional']]
const key = (n) => [n.name, n.version, n.location, n.dev, n.optional, n.devOptional, n.peer].join(' ')

// The entry of a v1 tree at a node_modules location, or undefined.
function v1Entry (lock, location) {
  let e = lock
  for (const name of location.split(/(?:^|\/)node_modules\//).slice(1)) {
    e = e && e.dependencies && e.dependencies[name]
  }
  return e
}

function npmReading (tree, lock, omit, adjusted) {
  const set = new Set(omit)
  const out = []
  const v1 = !lock.packages
  for (const node of tree.inventory.values()) {
    if (!node.version || node.isRoot || node.isLink || node.linksIn.size > 0) continue
    const n = {
      name: node.packageName,
      version: node.version,
      location: node.location,
      dev: !!node.dev,
      optional: !!node.optional,
      devOptional: !!node.devOptional && !node.dev && !node.optional,
      peer: !!node.peer
    }
    const e = v1 ? v1Entry(lock, node.location) : undefined
    if (e && e.peer && !e.dev && !e.optional && n.dev && n.optional) {
      adjusted.add(node.location)
      n.dev = n.optional = false
      if (set.has('peer')) continue
    } else if (set.size && node.shouldOmit(set)) continue
    out.push(key(n))
  }
  return out.sort()
}

function ourReading (lockfile, omit) {
  const args = ['audit', '--list-tree', '--lockfile', lockfile]
  for (const o of omit) args.push('--omit', o)
  const list = JSON.parse(execFileSync(helper, args, { encoding: 'utf8' }))
  return list.map((n) => key({
    ...n,
    // a lockfile writes devOptional only on nodes that are neither dev nor optional
    devOptional: n.devOptional && !n.dev && !n.optional
  })).sort()
}

async function main () {
  let failures = 0
  let compared = 0
  for (const dir of dirs) {
    const lockfile = ['npm-shrinkwrap.json', 'package-lock.json']
      .map((f) => path.join(dir, f)).find((f) => fs.existsSync(f))
    const lock = JSON.parse(fs.readFileSync(lockfile, 'utf8'))
    // this npm's arborist loads a virtual tree from package-lock.json only
    let from = dir
    if (path.basename(lockfile) !== 'package-lock.json') {
      from = fs.mkdtempSync(path.join(os.tmpdir(), 'arborist-diff-'))
      fs.copyFileSync(path.join(dir, 'package.json'), path.join(from, 'package.json'))
      fs.copyFileSync(lockfile, path.join(from, 'package-lock.json'))
    }
    const tree = await new Arborist({ path: from }).loadVirtual()
    if (from !== dir) fs.rmSync(from, { recursive: true })
    const adjusted = new Set()
    for (const omit of omits) {
      const theirs = npmReading(tree, lock, omit, adjusted)
      const ours = ourReading(lockfile, omit)
      const a = new Set(theirs)
      const b = new Set(ours)
      const missing = theirs.filter((k) => !b.has(k))
      const extra = ours.filter((k) => !a.has(k))
      compared++
      if (missing.length || extra.length) {
        failures++
        console.error(`DIFF ${dir} --omit=[${omit}]: npm ${theirs.length}, ours ${ours.length}`)
        for (const k of missing.slice(0, 10)) console.error(`  only npm:  ${k}`)
        for (const k of extra.slice(0, 10)) console.error(`  only ours: ${k}`)
      }
    }
    console.log(`${path.basename(dir)}: ${tree.inventory.size} nodes compared` +
      (adjusted.size ? ` (${adjusted.size} v1 peer-only kept as production: ${[...adjusted]})` : ''))
  }
  console.log(`arborist-diff: ${compared} comparisons, ${failures} differing`)
  process.exit(failures ? 1 : 0)
}
main().catch((e) => { console.error(e); process.exit(1) })
