#!/usr/bin/env node
// Prints the size of the browser bundles (minified and gzip -9) and what dominates the library,
// from the esbuild metafile that scripts/build-browser.mjs writes (dist/browser/meta.json).
// Usage: node scripts/bundle-size.mjs [--build] [--top N] [--json] [--stand-ins]
//   --stand-ins  also rebuilds the library once without each stand-in of scripts/build-browser.mjs
//                (in memory) and prints what each one saves
import { readFile } from 'node:fs/promises'
import { join, resolve, dirname } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const dir = join(root, 'dist', 'browser')
const args = process.argv.slice(2)
const topAt = args.indexOf('--top')
const top = topAt >= 0 ? Number(args[topAt + 1]) || 15 : 15
/** Library budget: gzip bytes. */
export const LIBRARY_BUDGET = 200 * 1024

if (args.includes('--build')) {
  const { buildBrowser } = await import('./build-browser.mjs')
  await buildBrowser()
}

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`

/** Package (or src/ folder) an input path belongs to. */
function owner (path) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (m != null) return m[1]
  const parts = path.split('/')
  return parts[0] === 'src' ? parts.slice(0, 2).join('/') : path
}

/**
 * Sizes of one bundle and its minified bytes by package and by file (esbuild's metafile gives
 * bytes per input in the minified output; gzip is only measurable for the whole bundle).
 */
async function measure (name, metafile) {
  const bytes = await readFile(join(dir, `${name}.js`))
  const out = Object.values(metafile.outputs).find((o) => o.entryPoint != null)
  const byOwner = new Map()
  const byFile = []
  for (const [path, info] of Object.entries(out.inputs)) {
    byOwner.set(owner(path), (byOwner.get(owner(path)) ?? 0) + info.bytesInOutput)
    byFile.push([path.replace(/^.*node_modules\//, ''), info.bytesInOutput])
  }
  return {
    name,
    minified: bytes.length,
    gzip: gzipSync(bytes, { level: 9 }).length,
    packages: [...byOwner].sort((a, b) => b[1] - a[1]),
    files: byFile.sort((a, b) => b[1] - a[1])
  }
}

const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))
const library = await measure('parley', meta.library)
const element = await measure('parley-chat', meta.element)

/** Gzip bytes each stand-in saves: the library rebuilt without it, minus the library as built. */
async function standInSavings () {
  const { build } = await import('esbuild')
  const { STAND_INS, libraryBuildOptions } = await import('./build-browser.mjs')
  const sizes = async (without) => {
    const result = await build({ ...libraryBuildOptions({ without, outDir: join(dir, 'stand-in-check') }), write: false, sourcemap: false, metafile: false })
    const js = result.outputFiles.find((f) => f.path.endsWith('.js')).contents
    return { minified: js.length, gzip: gzipSync(js, { level: 9 }).length }
  }
  const base = await sizes([])
  const rows = []
  for (const standIn of STAND_INS) {
    const without = await sizes([standIn.id])
    rows.push({ id: standIn.id, what: standIn.what, minified: without.minified - base.minified, gzip: without.gzip - base.gzip })
  }
  return { base, rows }
}

const standIns = args.includes('--stand-ins') ? await standInSavings() : undefined

if (args.includes('--json')) {
  console.log(JSON.stringify({ library: { ...library, files: library.files.slice(0, top) }, element: { minified: element.minified, gzip: element.gzip }, ...(standIns != null ? { standIns: standIns.rows } : {}) }, null, 2))
} else {
  console.log(`parley.js       ${kib(library.minified)} minified, ${kib(library.gzip)} gzip (budget ${kib(LIBRARY_BUDGET)}: ${library.gzip <= LIBRARY_BUDGET ? 'within' : `over by ${kib(library.gzip - LIBRARY_BUDGET)}`})`)
  console.log(`parley-chat.js  ${kib(element.minified)} minified, ${kib(element.gzip)} gzip (imports parley.js)`)
  console.log(`\nlibrary, minified bytes by package (top ${top}):`)
  for (const [name, size] of library.packages.slice(0, top)) console.log(`  ${kib(size).padStart(10)}  ${(100 * size / library.minified).toFixed(1).padStart(4)}%  ${name}`)
  console.log(`\nlibrary, largest files (top ${top}):`)
  for (const [name, size] of library.files.slice(0, top)) console.log(`  ${kib(size).padStart(10)}  ${name}`)
  if (standIns != null) {
    console.log('\nstand-ins (src/browser/shims/), what each saves: the library rebuilt without it, minus as built')
    for (const row of standIns.rows) console.log(`  ${kib(row.gzip).padStart(10)} gzip ${kib(row.minified).padStart(10)} min  ${row.id}: ${row.what}`)
  }
}
