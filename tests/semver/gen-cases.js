'use strict'
// Differential cases for checks/semver.c: random and edge-case versions and
// ranges, evaluated by node-semver itself. Deterministic for a given seed.
// usage: node gen-cases.js SEED COUNT  (node-semver found via NODE_PATH)
const semver = require('semver')

const seed = Number(process.argv[2] || 1)
const count = Number(process.argv[3] || 1000)
let state = seed >>> 0 || 1
const rnd = () => { // xorshift32
  state ^= state << 13; state >>>= 0
  state ^= state >>> 17
  state ^= state << 5; state >>>= 0
  return state / 4294967296
}
const pick = (a) => a[Math.floor(rnd() * a.length)]
const chance = (p) => rnd() < p

const NUMS = ['0', '1', '2', '3', '0', '1', '2', '10', '01', '00', '007', '99',
  '9007199254740991', '9007199254740992', '9007199254740990', '123456789012345678901234',
  '1e3', '']
const X = ['x', 'X', '*']
const PRE = ['alpha', 'beta', 'rc', '0', '1', '2', '10', '01', '0a', 'a10', 'a2', '-', '--',
  'x', 'beta.2', 'beta.11', 'rc.1', 'alpha.1', 'alpha.beta', '9007199254740993',
  '9007199254740992', '9007199254740991', '9007199254740990', '00', 'A', 'Z', 'a-b']
const BUILD = ['build', 'exp.sha.5114f85', '001', 'b.1', '', 'x-y']
const SPACES = [' ', '  ', '\t', '\u00a0', '\u3000', '\ufeff', '\n', '\u2028']
const JUNK = ['.', '-', '+', '=', 'v', ' ', 'x', '~', '^', '>', '<', '|', 'é', '0', 'a', '\u0085']

function num () { return chance(0.85) ? pick(NUMS.slice(0, 8)) : pick(NUMS) }
function part () { return chance(0.12) ? pick(X) : num() }

function prerelease () {
  const n = 1 + Math.floor(rnd() * 3)
  const ids = []
  for (let i = 0; i < n; i++) ids.push(pick(PRE))
  return ids.join('.')
}

function version (loosely) {
  let s = ''
  if (chance(0.15)) s += pick(['v', '=', 'v=', '==', 'V', ' v', 'vv'])
  s += num() + '.' + num() + '.' + num()
  if (chance(0.35)) s += (chance(0.85) ? '-' : '') + prerelease()
  if (chance(0.15)) s += '+' + pick(BUILD)
  if (chance(0.05)) s = s.split('.').slice(0, 2).join('.')
  if (chance(0.04)) s += pick(JUNK)
  if (chance(0.04)) s = pick(SPACES) + s + pick(SPACES)
  if (chance(0.01)) s = '1.2.3-' + 'a'.repeat(240 + Math.floor(rnd() * 20))
  if (chance(0.01)) s = '1.2.' + '3'.repeat(250 + Math.floor(rnd() * 10))
  return s
}

function partial () {
  const n = 1 + Math.floor(rnd() * 3)
  const p = []
  for (let i = 0; i < n; i++) p.push(part())
  let s = p.join('.')
  if (n === 3 && chance(0.25)) s += (chance(0.9) ? '-' : '') + prerelease()
  if (chance(0.08)) s += '+' + pick(BUILD)
  if (chance(0.08)) s = pick(['v', '=', 'v ', '= ']) + s
  return s
}

function simple () {
  const op = pick(['', '', '^', '~', '~>', '>', '>=', '<', '<=', '=', '^', '~', '>=', '<'])
  const sp = chance(0.1) ? pick([' ', '  ']) : ''
  return op + sp + partial()
}

function branch () {
  if (chance(0.12)) return partial() + pick([' - ', ' -  ', '  - ', ' -', '- ']) + partial()
  const n = 1 + Math.floor(rnd() * 3)
  const c = []
  for (let i = 0; i < n; i++) c.push(simple())
  return c.join(pick([' ', ' ', '  ', '\t']))
}

function range () {
  if (chance(0.03)) return pick(['', '*', 'x', 'X', '||', ' || ', '*||1.2.3', '>=0.0.0', '>=0.0.0-0',
    '<0.0.0-0', '<0.0.0-0||1.x', '>x', '<x', '>=*', '<=x', '~', '^', '~>', '1.2.3 - *', '* - 1'])
  const n = chance(0.8) ? 1 : 2 + Math.floor(rnd() * 2)
  const b = []
  for (let i = 0; i < n; i++) b.push(branch())
  let s = b.join(pick(['||', ' || ', ' ||', '|| ']))
  if (chance(0.04)) {
    const i = Math.floor(rnd() * (s.length + 1))
    s = s.slice(0, i) + pick(JUNK) + s.slice(i)
  }
  if (chance(0.03)) s = pick(SPACES) + s + pick(SPACES)
  return s
}

const OPTS = [{}, { loose: true }, { includePrerelease: true },
  { loose: true, includePrerelease: true }]
const safe = (f) => { try { return f() } catch (e) { return '<throw>' } }

const out = []
for (let i = 0; i < count; i++) {
  const v = version()
  const r = range()
  const w = version()
  const c = {
    v, r, w,
    valid: [semver.valid(v), semver.valid(v, { loose: true })],
    clean: [safe(() => semver.clean(v)), safe(() => semver.clean(v, { loose: true }))],
    range: OPTS.map((o) => semver.validRange(r, o)),
    sat: OPTS.map((o) => semver.satisfies(v, r, o)),
  }
  const pv = semver.parse(v, { loose: true })
  const pw = semver.parse(w, { loose: true })
  c.cmp = (pv && pw) ? semver.compare(pv, pw) : null
  out.push(JSON.stringify(c))
}
process.stdout.write(out.join('\n') + '\n')
