#!/usr/bin/env node
// Builds the browser bundles from the TypeScript sources (`npm run build:browser`):
//   dist/browser/parley.js       the `parley/browser` library (ESM, minified, source map)
//   dist/browser/parley-chat.js  the <parley-chat> element; imports ./parley.js
// Platform files are swapped the way package.json's `browser` field does it for dist/: an import
// of `src/**/X.js` resolves to `src/**/X.browser.ts` when that file exists.
// Also writes dist/browser/meta.json (esbuild metafile) for scripts/bundle-size.mjs.
import { build } from 'esbuild'
import { existsSync } from 'node:fs'
import { mkdir, writeFile } from 'node:fs/promises'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const srcDir = join(root, 'src')

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

/**
 * kad-dht's 97 KiB generated prefix list → a lazy, cached computation of the entries it reads
 * (src/browser/shims/kad-prefix-list.ts): ≈50 KiB less gzip.
 */
const kadPrefixListPlugin = {
  name: 'parley-kad-prefix-list',
  setup (b) {
    b.onResolve({ filter: /generated-prefix-list(-browser)?\.js$/ }, (args) => {
      if (!args.importer.includes(`${join('@libp2p', 'kad-dht')}`)) return undefined
      return { path: join(srcDir, 'browser', 'shims', 'kad-prefix-list.ts') }
    })
  }
}

/**
 * The `buffer` polyfill → an empty module (src/browser/shims/no-buffer.ts): only level's unused
 * `buffer` encoding needs it; ≈7.5 KiB less gzip.
 */
const noBufferPlugin = {
  name: 'parley-no-buffer',
  setup (b) {
    b.onResolve({ filter: /^buffer\/?$/ }, (args) => {
      if (!/node_modules\/(abstract-level|level-transcoder)\//.test(args.importer)) return undefined
      return { path: join(srcDir, 'browser', 'shims', 'no-buffer.ts') }
    })
  }
}

/** The element imports the library through `../index.js`: keep it an import of `./parley.js`. */
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

/**
 * Builds both bundles into `outDir` (default dist/browser) and returns their metafiles.
 * @param {{ outDir?: string }} [options]
 */
export async function buildBrowser (options = {}) {
  const outDir = options.outDir ?? join(root, 'dist', 'browser')
  await mkdir(outDir, { recursive: true })
  const library = await build({
    ...common,
    entryPoints: { parley: join(srcDir, 'browser', 'index.ts') },
    outdir: outDir,
    plugins: [kadPrefixListPlugin, noBufferPlugin, browserSwapPlugin]
  })
  const element = await build({
    ...common,
    entryPoints: { 'parley-chat': join(srcDir, 'browser', 'element', 'parley-chat.ts') },
    outdir: outDir,
    plugins: [libraryExternalPlugin, browserSwapPlugin]
  })
  await writeFile(join(outDir, 'meta.json'), JSON.stringify({ library: library.metafile, element: element.metafile }))
  return { outDir, library: library.metafile, element: element.metafile }
}

if (process.argv[1] != null && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const started = Date.now()
  const { outDir } = await buildBrowser()
  console.log(`browser bundles written to ${outDir} in ${Date.now() - started} ms`)
}
