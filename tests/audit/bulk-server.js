'use strict'
// A local bulk advisory endpoint for the tests: serves
// POST /-/npm/v1/security/advisories/bulk from OSV directories, mapping each
// advisory to one node-semver range as PROTOCOLS §7.2 describes.
// usage: node bulk-server.js PORTFILE REQUESTLOG OSVDIR... [--status CODE]
const fs = require('fs')
const http = require('http')
const path = require('path')
const zlib = require('zlib')

const args = process.argv.slice(2)
const portFile = args.shift()
const requestLog = args.shift()
let status = 200
const dirs = []
while (args.length) {
  const a = args.shift()
  if (a === '--status') status = Number(args.shift())
  else dirs.push(a)
}

function walk (dir, out) {
  for (const e of fs.readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name)
    if (e.isDirectory()) walk(p, out)
    else if (e.name.endsWith('.json')) out.push(p)
  }
  return out
}

function renderRange (range, lkavr) {
  const parts = []
  let open = null
  for (const ev of range.events) {
    if ('introduced' in ev) open = ev.introduced
    else if (('fixed' in ev || 'last_affected' in ev) && open !== null) {
      const op = 'fixed' in ev ? '<' : '<='
      const v = 'fixed' in ev ? ev.fixed : ev.last_affected
      parts.push(open === '0' ? `${op}${v}` : `>=${open} ${op}${v}`)
      open = null
    }
  }
  if (open !== null) {
    if (open === '0') parts.push(lkavr || '*')
    else parts.push(lkavr ? `>=${open} ${lkavr}` : `>=${open}`)
  }
  return parts
}

const byPackage = new Map()
let nextId = 1000
for (const dir of dirs) {
  for (const file of walk(dir, []).sort()) {
    const rec = JSON.parse(fs.readFileSync(file, 'utf8'))
    if (rec.withdrawn) continue
    const perPkg = new Map()
    for (const aff of rec.affected || []) {
      if (!aff.package || aff.package.ecosystem !== 'npm') continue
      const lkavr = aff.database_specific && aff.database_specific.last_known_affected_version_range
      const parts = perPkg.get(aff.package.name) || []
      for (const r of aff.ranges || []) {
        if (r.type === 'ECOSYSTEM' || r.type === 'SEMVER') parts.push(...renderRange(r, lkavr))
      }
      for (const v of aff.versions || []) parts.push(v)
      perPkg.set(aff.package.name, parts)
    }
    const id = nextId++
    const malware = rec.id.startsWith('MAL-')
    const sev = malware ? 'critical'
      : ((rec.database_specific && rec.database_specific.severity) || 'high').toLowerCase()
    for (const [name, parts] of perPkg) {
      const list = byPackage.get(name) || []
      list.push({
        id,
        url: rec.id.startsWith('GHSA-') ? `https://github.com/advisories/${rec.id}`
          : `https://osv.dev/vulnerability/${rec.id}`,
        title: malware ? `Malware in ${name}` : rec.summary,
        severity: sev,
        vulnerable_versions: parts.join(' || ') || '*',
        cwe: (rec.database_specific && rec.database_specific.cwe_ids) || [],
        cvss: { score: 0, vectorString: null },
      })
      byPackage.set(name, list)
    }
  }
}

const server = http.createServer((req, res) => {
  const chunks = []
  req.on('data', (c) => chunks.push(c))
  req.on('end', () => {
    let body
    try {
      if (req.method !== 'POST' || req.url !== '/-/npm/v1/security/advisories/bulk') {
        res.writeHead(404, { 'content-type': 'application/json' })
        res.end('{"error":"not found"}')
        return
      }
      const raw = Buffer.concat(chunks)
      const enc = req.headers['content-encoding']
      body = JSON.parse((enc === 'gzip' ? zlib.gunzipSync(raw) : raw).toString('utf8'))
      fs.appendFileSync(requestLog, JSON.stringify({ encoding: enc || null, body }) + '\n')
    } catch (e) {
      res.writeHead(400, { 'content-type': 'application/json' })
      res.end('{"statusCode":400,"error":"Bad Request","message":"Invalid request payload input"}')
      return
    }
    if (status !== 200) {
      res.writeHead(status, { 'content-type': 'application/json' })
      res.end(JSON.stringify({ error: 'configured failure' }))
      return
    }
    const out = {}
    for (const name of Object.keys(body)) {
      if (byPackage.has(name)) out[name] = byPackage.get(name)
    }
    res.writeHead(200, { 'content-type': 'application/json' })
    res.end(JSON.stringify(out))
  })
})
server.listen(0, '127.0.0.1', () => {
  fs.writeFileSync(portFile + '.tmp', String(server.address().port))
  fs.renameSync(portFile + '.tmp', portFile)
})
process.on('SIGTERM', () => server.close(() => process.exit(0)))
