#!/usr/bin/env node
// Prints the size of the browser bundles (minified and gzip -9) and what dominates the library,
// from the esbuild metafile that scripts/build-browser.mjs writes (dist/browser/meta.json), and
// exits 1 when a budget is exceeded:
//   first load  parley.js and the chunks it imports statically: what a page loads before
//               `createParley` can run (≤ FIRST_LOAD_BUDGET gzip)
//   whole       every chunk of the library, the lazy ones included (≤ LIBRARY_BUDGET gzip)
// Gzip is measured per file and summed: each chunk travels as its own response.
// Usage: node scripts/bundle-size.mjs [--build] [--top N] [--json] [--stand-ins]
//   --stand-ins  also rebuilds the library once without each stand-in of scripts/build-browser.mjs
//                (in memory) and prints what each one saves of the whole library
import { readFile } from 'node:fs/promises'
import { join, resolve, dirname, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
/** Where scripts/build-browser.mjs writes the bundles. */
export const BUNDLE_DIR = join(root, 'dist', 'browser')
/**
 * Budget of what a page loads first (parley.js and its static imports): gzip bytes (issue #16).
 * Briefly 205 KiB after the wave-2 merges (202.3 KiB); back to 200 once the fleet-record rules,
 * the device-link server, ML-KEM and scrypt moved to the lazy chunk (BROWSER.md, "Bundle size").
 */
export const FIRST_LOAD_BUDGET = 200 * 1024
/**
 * Budget of the whole library, every chunk: gzip bytes (issue #16). Terser brought the library
 * to 291.4; the same day's features took it to 305.6 (306 was a documented regression), and the
 * browser store on IndexedDB through `idb` instead of `level`'s browser stack (abstract-level,
 * browser-level, level-transcoder: `src/store/idb-backend.ts`) won it back: 293.6,
 * 295.1 with the evening's other merges (BROWSER.md, "Bundle size").
 */
export const LIBRARY_BUDGET = 300 * 1024

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`
const gzipSize = (bytes) => gzipSync(bytes, { level: 9 }).length

/** Package (or src/ folder) an input path belongs to. */
function owner (path) {
  const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path)
  if (m != null) return m[1]
  const parts = path.split('/')
  return parts[0] === 'src' || parts[0] === 'scripts' ? parts.slice(0, 2).join('/') : path
}

/**
 * Output paths of the metafile (relative to the working directory, as esbuild writes them)
 * reachable from `start` through static imports only: what loads together with it.
 */
function staticClosure (metafile, start) {
  const seen = new Set([start])
  const queue = [start]
  while (queue.length > 0) {
    const out = metafile.outputs[queue.shift()]
    for (const imp of out.imports) {
      if (imp.kind !== 'import-statement' || imp.external === true || seen.has(imp.path)) continue
      seen.add(imp.path)
      queue.push(imp.path)
    }
  }
  return [...seen]
}

/**
 * Sizes of one build from its metafile: every JavaScript output with its minified and gzip -9
 * bytes, the entry's static closure (first load), the whole, and minified bytes by package and
 * by input file over the whole (esbuild gives bytes per input; gzip is per output file only), and
 * the inputs the first load carries (`firstLoad.inputs`).
 * @param {object} metafile esbuild metafile of the build
 * @param {string} entryName output name of the entry (`parley`, `parley-chat`)
 * @param {{ cwd?: string }} [options] directory the metafile's paths are relative to
 */
export async function measureBuild (metafile, entryName, options = {}) {
  const cwd = options.cwd ?? root
  const chunks = []
  for (const [path, info] of Object.entries(metafile.outputs)) {
    if (!path.endsWith('.js')) continue
    const bytes = await readFile(resolve(cwd, path))
    chunks.push({ path, minified: bytes.length, gzip: gzipSize(bytes), entry: info.entryPoint != null, info })
  }
  const entry = chunks.find((c) => c.entry && c.path.endsWith(`/${entryName}.js`))
  if (entry == null) throw new Error(`no entry ${entryName}.js in the metafile`)
  const first = new Set(staticClosure(metafile, entry.path))
  const sum = (list, key) => list.reduce((n, c) => n + c[key], 0)
  const firstChunks = chunks.filter((c) => first.has(c.path))
  const byOwner = new Map()
  const byFile = []
  for (const chunk of chunks) {
    for (const [path, input] of Object.entries(chunk.info.inputs)) {
      byOwner.set(owner(path), (byOwner.get(owner(path)) ?? 0) + input.bytesInOutput)
      byFile.push([path.replace(/^.*node_modules\//, ''), input.bytesInOutput])
    }
  }
  const outDir = dirname(entry.path)
  // what the first load carries, by input (src/… paths and package/… paths below node_modules)
  const firstLoadInputs = firstChunks.flatMap((c) => Object.keys(c.info.inputs)).map((path) => path.replace(/^.*node_modules\//, '')).sort()
  return {
    name: entryName,
    chunks: chunks.map(({ path, minified, gzip }) => ({ file: relative(outDir, path), minified, gzip, firstLoad: first.has(path) })),
    firstLoad: { minified: sum(firstChunks, 'minified'), gzip: sum(firstChunks, 'gzip'), inputs: firstLoadInputs },
    whole: { minified: sum(chunks, 'minified'), gzip: sum(chunks, 'gzip') },
    packages: [...byOwner].sort((a, b) => b[1] - a[1]),
    files: byFile.sort((a, b) => b[1] - a[1])
  }
}

/**
 * Measures the bundles in `dir` (default dist/browser, from its meta.json) against the budgets.
 * @param {{ dir?: string }} [options]
 */
export async function measureBundles (options = {}) {
  const dir = options.dir ?? BUNDLE_DIR
  const meta = JSON.parse(await readFile(join(dir, 'meta.json'), 'utf8'))
  const library = await measureBuild(meta.library, 'parley')
  const element = await measureBuild(meta.element, 'parley-chat')
  const over = []
  if (library.firstLoad.gzip > FIRST_LOAD_BUDGET) over.push(`first load ${kib(library.firstLoad.gzip)} gzip > ${kib(FIRST_LOAD_BUDGET)}`)
  if (library.whole.gzip > LIBRARY_BUDGET) over.push(`whole library ${kib(library.whole.gzip)} gzip > ${kib(LIBRARY_BUDGET)}`)
  return { library, element, over }
}

/**
 * Gzip bytes each stand-in saves of the whole library: the library rebuilt (in memory) without
 * it, minus the library as built.
 */
export async function standInSavings () {
  const { build } = await import('esbuild')
  const { STAND_INS, STAND_IN_MIN_SAVING, libraryBuildOptions, compressOutput } = await import('./build-browser.mjs')
  // measured as shipped: esbuild's output through terser (scripts/build-browser.mjs)
  const sizes = async (without) => {
    const result = await build({ ...await libraryBuildOptions({ without, outDir: join(BUNDLE_DIR, 'stand-in-check') }), write: false, sourcemap: false, metafile: false })
    const js = []
    for (const f of result.outputFiles.filter((f) => f.path.endsWith('.js'))) {
      js.push(Buffer.from((await compressOutput(f.text, { fileName: f.path })).code))
    }
    return { minified: js.reduce((n, b) => n + b.length, 0), gzip: js.reduce((n, b) => n + gzipSize(b), 0) }
  }
  const base = await sizes([])
  const rows = []
  for (const standIn of STAND_INS) {
    const without = await sizes([standIn.id])
    const gzip = without.gzip - base.gzip
    rows.push({ id: standIn.id, what: standIn.what, minified: without.minified - base.minified, gzip, belowMinimum: gzip < STAND_IN_MIN_SAVING })
  }
  return { base, rows }
}

function print ({ library, element }, standIns, top) {
  const budget = (size, limit) => `budget ${kib(limit)}: ${size <= limit ? 'within' : `OVER by ${kib(size - limit)}`}`
  console.log(`first load     ${kib(library.firstLoad.minified).padStart(10)} minified ${kib(library.firstLoad.gzip).padStart(10)} gzip  (parley.js + static imports; ${budget(library.firstLoad.gzip, FIRST_LOAD_BUDGET)})`)
  console.log(`whole library  ${kib(library.whole.minified).padStart(10)} minified ${kib(library.whole.gzip).padStart(10)} gzip  (all ${library.chunks.length} chunks; ${budget(library.whole.gzip, LIBRARY_BUDGET)})`)
  console.log(`parley-chat.js ${kib(element.whole.minified).padStart(10)} minified ${kib(element.whole.gzip).padStart(10)} gzip  (the element; loads parley.js when it opens Parley)`)
  console.log('\nlibrary chunks:')
  for (const c of [...library.chunks].sort((a, b) => b.minified - a.minified)) {
    console.log(`  ${kib(c.minified).padStart(10)} min ${kib(c.gzip).padStart(10)} gzip  ${c.firstLoad ? 'first' : 'lazy '}  ${c.file}`)
  }
  console.log(`\nlibrary, minified bytes by package (top ${top}):`)
  for (const [name, size] of library.packages.slice(0, top)) console.log(`  ${kib(size).padStart(10)}  ${(100 * size / library.whole.minified).toFixed(1).padStart(4)}%  ${name}`)
  console.log(`\nlibrary, largest files (top ${top}):`)
  for (const [name, size] of library.files.slice(0, top)) console.log(`  ${kib(size).padStart(10)}  ${name}`)
  if (standIns != null) {
    console.log('\nstand-ins (scripts/browser-shims/), what each saves of the whole library: rebuilt without it, minus as built')
    for (const row of standIns.rows) {
      const note = row.belowMinimum ? ' (saves less than STAND_IN_MIN_SAVING: drop it)' : ''
      console.log(`  ${kib(row.gzip).padStart(10)} gzip ${kib(row.minified).padStart(10)} min  ${row.id}: ${row.what}${note}`)
    }
  }
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const args = process.argv.slice(2)
  const topAt = args.indexOf('--top')
  const top = topAt >= 0 ? Number(args[topAt + 1]) || 15 : 15
  if (args.includes('--build')) {
    const { buildBrowser } = await import('./build-browser.mjs')
    await buildBrowser()
  }
  const measured = await measureBundles()
  const standIns = args.includes('--stand-ins') ? await standInSavings() : undefined
  if (args.includes('--json')) {
    const { library, element, over } = measured
    console.log(JSON.stringify({
      library: { ...library, firstLoad: { minified: library.firstLoad.minified, gzip: library.firstLoad.gzip }, files: library.files.slice(0, top), packages: library.packages.slice(0, top) },
      element: { minified: element.whole.minified, gzip: element.whole.gzip },
      budgets: { firstLoad: FIRST_LOAD_BUDGET, library: LIBRARY_BUDGET, over },
      ...(standIns != null ? { standIns: standIns.rows } : {})
    }, null, 2))
  } else {
    print(measured, standIns, top)
  }
  if (measured.over.length > 0) {
    console.error(`\nbundle budget exceeded: ${measured.over.join('; ')}`)
    process.exitCode = 1
  }
}
