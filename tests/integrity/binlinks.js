// Usage: node binlinks.js NPM_DIR DIR...
// Prints, for each unpacked package folder given, the bins npm links for it: the
// manifest as @npmcli/package-json reads an installed package (bin and directories.bin
// steps), then bin-links' own npm-normalize-package-bin, as bin-links does before it
// links. Output: one JSON array of bin objects ({} for none), in argument order.
const path = require('path')
// argv[2]: npm's own folder (its package.json exports hide its dependencies)
const npmModules = path.resolve(process.argv[2], 'node_modules')
const PackageJson = require(path.join(npmModules, '@npmcli/package-json'))
const normalizeBin = require(require.resolve('npm-normalize-package-bin',
  { paths: [path.join(npmModules, 'bin-links')] }))

const main = async () => {
  const out = []
  for (const dir of process.argv.slice(3)) {
    const { content } = await PackageJson.normalize(dir)
    out.push(normalizeBin({ ...content }).bin || {})
  }
  process.stdout.write(JSON.stringify(out) + '\n')
}
main().catch(e => { console.error(e); process.exit(1) })
