#!/usr/bin/env node
// Builds the browser bundles from the TypeScript sources (`npm run build:browser`):
//   dist/browser/parley.js       the `parley/browser` library (ESM, minified, source map): what a
//                                page loads first; it imports the rest lazily (code splitting)
//   dist/browser/chunks/*.js     the library's other chunks (lazy, or shared by lazy ones)
//   dist/browser/parley-chat.js  the <parley-chat> element; loads ./parley.js lazily, when it
//                                opens Parley itself, so it paints before the library arrives
// Platform files are swapped the way package.json's `browser` field does it for dist/: an import
// of `src/**/X.js` resolves to `src/**/X.browser.ts` when that file exists.
// Dependency modules that a browser never runs, or that are far larger than what the bundle
// uses of them, are replaced by stand-ins from scripts/browser-shims/ (STAND_INS below; see
// docs/BROWSER.md "Bundle size"). Each stand-in throws a clear error for whatever it leaves out;
// only those that save at least STAND_IN_MIN_SAVING gzip bytes are kept (smaller savings do not
// pay for maintaining a re-implementation of a maintained package).
// esbuild bundles, splits and minifies; terser then compresses every output once more (two
// passes, mangling, source maps carried through; see compressOutput): it ships ~4 % fewer gzip
// bytes than esbuild's minifier alone (measured on the library: 304.4 → 290.2 KiB gzip).
// Also writes dist/browser/meta.json (esbuild metafile) for scripts/bundle-size.mjs.
import { build } from 'esbuild'
import { minify } from 'terser'
import { existsSync, readFileSync } from 'node:fs'
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises'
import { basename, dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const srcDir = join(root, 'src')
const shimsDir = join(root, 'scripts', 'browser-shims')

/** `./x.js` inside src/ → `./x.browser.ts` if present, else `./x.ts`. */
export const browserSwapPlugin = {
  name: 'parley-browser-swap',
  setup (b) {
    b.onResolve({ filter: /^\.\.?\// }, (args) => {
      if (!args.importer.startsWith(srcDir)) return undefined
      const target = resolve(args.resolveDir, args.path)
      const base = target.replace(/\.(js|ts)$/, '')
      for (const candidate of [`${base}.browser.ts`, `${base}.ts`]) {
        if (existsSync(candidate)) return { path: candidate }
      }
      return undefined
    })
  }
}

const posix = (path) => path.split('\\').join('/')

/**
 * `@libp2p/crypto`'s secp256k1, RSA and ECDSA key modules → stand-ins whose functions throw a
 * typed `UnsupportedKeyTypeError` (scripts/browser-shims/key-*.ts).
 */
const KEY_SHIMS = {
  secp256k1: ['index', 'utils', 'secp256k1'],
  rsa: ['index', 'utils', 'der', 'rsa'],
  ecdsa: ['index', 'utils', 'ecdsa']
}
const ed25519OnlyKeysPlugin = {
  name: 'parley-stand-in-ed25519-only-keys',
  setup (b) {
    b.onResolve({ filter: /^\.\.?\/.*\.js$/ }, (args) => {
      if (!posix(args.importer).includes('node_modules/@libp2p/crypto/dist/src/keys/')) return undefined
      const m = /\/keys\/(secp256k1|rsa|ecdsa)\/([a-z0-9]+)\.js$/.exec(posix(resolve(args.resolveDir, args.path)))
      if (m == null || !KEY_SHIMS[m[1]].includes(m[2])) return undefined
      return { path: join(shimsDir, `key-${m[1]}.ts`) }
    })
  }
}

/** A stand-in stays only if it saves at least this much of the library, gzip -9 bytes. */
export const STAND_IN_MIN_SAVING = 5 * 1024

/**
 * The library's stand-ins, in the order esbuild tries them. `node scripts/bundle-size.mjs
 * --stand-ins` measures what each one saves (docs/BROWSER.md lists the figures).
 */
export const STAND_INS = [
  {
    id: 'kad-prefix-list',
    verified: { '@libp2p/kad-dht': '16.4.5' },
    what: "kad-dht's 97 KiB generated prefix list → entries computed on demand and cached",
    plugin: {
      name: 'parley-stand-in-kad-prefix-list',
      setup (b) {
        b.onResolve({ filter: /generated-prefix-list(-browser)?\.js$/ }, (args) => {
          if (!posix(args.importer).includes('@libp2p/kad-dht')) return undefined
          return { path: join(shimsDir, 'kad-prefix-list.ts') }
        })
      }
    }
  },
  {
    id: 'ed25519-only-keys',
    verified: { '@libp2p/crypto': '5.1.23' },
    what: "@libp2p/crypto's secp256k1, RSA and ECDSA keys (noble's Weierstrass curves) → throw UnsupportedKeyTypeError; Parley peers are Ed25519",
    plugin: ed25519OnlyKeysPlugin
  }
]

/** Installed version of a package (top-level node_modules). */
function installedVersion (pkg) {
  return JSON.parse(readFileSync(join(root, 'node_modules', pkg, 'package.json'), 'utf8')).version
}

/**
 * Every stand-in was checked against exact versions of the package it replaces and of the one
 * that uses it (`verified`). After a dependency upgrade the build stops here until someone has
 * re-checked the stand-in and updated the version, so a changed API can never be served a
 * stale replacement.
 */
export function checkStandInVersions (standIns = STAND_INS) {
  const stale = []
  for (const s of standIns) {
    for (const [pkg, version] of Object.entries(s.verified ?? {})) {
      const installed = installedVersion(pkg)
      if (installed !== version) stale.push(`${s.id}: verified against ${pkg}@${version}, installed ${installed}`)
    }
  }
  if (stale.length > 0) {
    throw new Error(`browser stand-ins need re-checking after an upgrade (scripts/browser-shims, STAND_INS in scripts/build-browser.mjs):\n  ${stale.join('\n  ')}`)
  }
}

/**
 * Plugins of the library build: the stand-ins (less those in `without`, by id) and the
 * platform file swap.
 * @param {{ without?: string[] }} [options]
 */
export function libraryPlugins (options = {}) {
  checkStandInVersions()
  const without = new Set(options.without ?? [])
  for (const id of without) {
    if (!STAND_INS.some((s) => s.id === id)) throw new Error(`no stand-in ${id}`)
  }
  return [...STAND_INS.filter((s) => !without.has(s.id)).map((s) => s.plugin), browserSwapPlugin]
}

/**
 * The element imports the library (lazily) through `../index.js`: keep it an import of
 * `./parley.js`, the library bundle beside it, resolved against the element's own URL.
 */
const libraryExternalPlugin = {
  name: 'parley-library-external',
  setup (b) {
    b.onResolve({ filter: /^\.\.\/index\.js$/ }, (args) => {
      if (resolve(args.resolveDir, args.path) !== join(srcDir, 'browser', 'index.js')) return undefined
      return { path: './parley.js', external: true }
    })
  }
}

const common = {
  // the metafile's paths are relative to this (scripts/bundle-size.mjs reads them)
  absWorkingDir: root,
  bundle: true,
  format: 'esm',
  platform: 'browser',
  target: ['es2022', 'chrome120', 'firefox120', 'safari17'],
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  metafile: true,
  logLevel: 'warning',
  // some dependencies read process.env.NODE_ENV / global; nothing needs Buffer or process at run time
  define: { 'process.env.NODE_ENV': '"production"', global: 'globalThis' }
}

/** Folder (under the output folder) of the library's chunks other than `parley.js`. */
export const CHUNKS_DIR = 'chunks'

/** The module every dynamic `import()` of the library is served from (see {@link oneLazyChunkPlugin}). */
const DEFERRED = 'parley-deferred'

/**
 * The dynamic imports of the library, from a first build's metafile: for each importing file
 * under src/ (absolute path), its `import()` specifiers as written → the file each resolves to
 * (absolute; platform files swapped, packages resolved).
 * @param {import('esbuild').Metafile} metafile
 */
export function dynamicImports (metafile) {
  const byImporter = new Map()
  for (const [path, input] of Object.entries(metafile.inputs)) {
    for (const imp of input.imports) {
      if (imp.kind !== 'dynamic-import') continue
      if (!path.startsWith('src/')) throw new Error(`a dependency imports lazily (${path} → ${imp.original}): scripts/build-browser.mjs serves only src/'s import() from the deferred chunk`)
      const importer = join(root, path)
      const specifiers = byImporter.get(importer) ?? new Map()
      specifiers.set(imp.original, resolve(root, imp.path))
      byImporter.set(importer, specifiers)
    }
  }
  return byImporter
}

/**
 * One lazy chunk for the whole library. esbuild makes every `import()` target an entry of its
 * own and splits the code shared between entries into chunks by which entries reach it; each
 * further target would so split the first load (everything `parley.js` imports statically)
 * into more files, and per-file gzip loses more than the target moves out (measured: making the
 * fleet-record rules a target of their own moved 1.1 KiB gzip out and cost 2.4). esbuild has no
 * manual chunks, so this plugin rewrites every `import('<specifier>')` in src/ into
 * `import('parley-deferred').then((m) => m.d<n>)`, where `parley-deferred` is one generated
 * module re-exporting each target's namespace: the source keeps plain dynamic imports (and
 * runs as written in Node and vitest), the bundle gets one lazy chunk (`chunks/deferred-*.js`).
 * @param {Map<string, Map<string, string>>} imports {@link dynamicImports} of a first build
 */
export function oneLazyChunkPlugin (imports) {
  const targets = [...new Set([...imports.values()].flatMap((m) => [...m.values()]))].sort()
  const id = (target) => `d${targets.indexOf(target)}`
  return {
    name: 'parley-one-lazy-chunk',
    setup (b) {
      b.onResolve({ filter: new RegExp(`^${DEFERRED}$`) }, () => ({ path: join(srcDir, 'deferred'), namespace: DEFERRED }))
      b.onLoad({ filter: /.*/, namespace: DEFERRED }, () => ({
        contents: targets.map((target) => `export * as ${id(target)} from ${JSON.stringify(target)}`).join('\n'),
        resolveDir: srcDir,
        loader: 'js'
      }))
      b.onLoad({ filter: /\.ts$/ }, async (args) => {
        const specifiers = imports.get(args.path)
        if (specifiers == null) return undefined
        let text = await readFile(args.path, 'utf8')
        for (const [specifier, target] of specifiers) {
          const quoted = specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
          const pattern = new RegExp(`\\bimport\\(\\s*(['"])${quoted}\\1\\s*\\)`, 'g')
          const before = text
          text = text.replace(pattern, `import('${DEFERRED}').then((m) => m.${id(target)})`)
          if (text === before) throw new Error(`could not serve import('${specifier}') of ${args.path} from the deferred chunk: write it as import('${specifier}')`)
        }
        return { contents: text, loader: 'ts', resolveDir: dirname(args.path) }
      })
    }
  }
}

/**
 * esbuild options of the library bundle: `parley.js` and, from code splitting, the chunks it
 * imports (statically: loaded with it) and the one lazy chunk every `import()` of src/ is
 * served from ({@link oneLazyChunkPlugin}; found by a first, unwritten build).
 * @param {{ outDir?: string, without?: string[] }} [options] `without`: stand-in ids to leave out
 */
export async function libraryBuildOptions (options = {}) {
  const base = {
    ...common,
    entryPoints: { parley: join(srcDir, 'browser', 'index.ts') },
    outdir: options.outDir ?? join(root, 'dist', 'browser'),
    splitting: true,
    chunkNames: `${CHUNKS_DIR}/[name]-[hash]`,
    plugins: libraryPlugins(options)
  }
  const first = await build({ ...base, write: false, sourcemap: false, minify: false, metafile: true, logLevel: 'silent' })
  return { ...base, plugins: [oneLazyChunkPlugin(dynamicImports(first.metafile)), ...base.plugins] }
}

/**
 * terser options: a second minifier over esbuild's output. esbuild keeps to transforms that are
 * safe one module at a time and fast; terser's compressor (two passes: inlining, dead-branch and
 * sequence folding) and its property-preserving mangler take ~4 % more off. Nothing `unsafe_*`:
 * every transform keeps the semantics of ES2022 modules.
 */
export const TERSER_OPTIONS = Object.freeze({
  module: true,
  ecma: 2022,
  compress: { passes: 2 },
  mangle: true,
  format: { comments: false }
})

/**
 * One output (code and, if given, esbuild's source map for it) through terser: the compressed
 * code and a source map that still points at the TypeScript sources.
 * @param {string} code
 * @param {{ fileName: string, map?: string }} options `fileName`: the output's base name
 * @returns {Promise<{ code: string, map?: string }>}
 */
export async function compressOutput (code, options) {
  const sourceMap = options.map == null ? false : { content: options.map, filename: options.fileName, url: `${options.fileName}.map` }
  const result = await minify(code, { ...TERSER_OPTIONS, sourceMap })
  if (result.code == null) throw new Error(`terser produced no code for ${options.fileName}`)
  return { code: result.code, map: typeof result.map === 'string' ? result.map : undefined }
}

/**
 * Every .js file of a written esbuild build through {@link compressOutput}, with its .map.
 * @param {import('esbuild').Metafile} metafile
 */
async function compressOutputs (metafile) {
  for (const path of Object.keys(metafile.outputs)) {
    if (!path.endsWith('.js')) continue
    const file = resolve(root, path)
    const mapFile = `${file}.map`
    const map = existsSync(mapFile) ? await readFile(mapFile, 'utf8') : undefined
    const out = await compressOutput(await readFile(file, 'utf8'), { fileName: basename(file), map })
    await writeFile(file, out.code)
    if (out.map != null) await writeFile(mapFile, out.map)
  }
}

/**
 * Builds both bundles into `outDir` (default dist/browser) and returns their metafiles.
 * @param {{ outDir?: string }} [options]
 */
export async function buildBrowser (options = {}) {
  const outDir = options.outDir ?? join(root, 'dist', 'browser')
  // chunk names carry a content hash: drop those of earlier builds
  await rm(join(outDir, CHUNKS_DIR), { recursive: true, force: true })
  await mkdir(outDir, { recursive: true })
  const library = await build(await libraryBuildOptions({ outDir }))
  const element = await build({
    ...common,
    entryPoints: { 'parley-chat': join(srcDir, 'browser', 'element', 'parley-chat.ts') },
    outdir: outDir,
    // what the element loads only on demand (the QR encoder) stays out of parley-chat.js
    splitting: true,
    chunkNames: `${CHUNKS_DIR}/element-[name]-[hash]`,
    plugins: [libraryExternalPlugin, browserSwapPlugin]
  })
  await compressOutputs(library.metafile)
  await compressOutputs(element.metafile)
  await writeFile(join(outDir, 'meta.json'), JSON.stringify({ library: library.metafile, element: element.metafile }))
  return { outDir, library: library.metafile, element: element.metafile }
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  const { outDir } = await buildBrowser()
  console.log(`browser bundles written to ${outDir} in ${Date.now() - started} ms`)
}
