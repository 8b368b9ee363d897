/**
 * scripts/build-browser.mjs serves every `import()` of the library from one lazy chunk
 * (`oneLazyChunkPlugin`): checked on a small fixture built with esbuild and run in Node, so that
 * the rewritten imports are seen to give the same modules as the plain ones.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { build } from 'esbuild'
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { pathToFileURL } from 'node:url'
// @ts-expect-error plain ESM script without type declarations
import { oneLazyChunkPlugin } from '../../scripts/build-browser.mjs'

let dir: string

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'parley-lazy-'))
  await writeFile(join(dir, 'shared.ts'), 'export const shared = (x: string): string => \'shared:\' + x\n')
  await writeFile(join(dir, 'b.ts'), "import { shared } from './shared.js'\nexport const b = shared('b')\nexport const unused = 1\n")
  await writeFile(join(dir, 'c.ts'), "import { shared } from './shared.js'\nexport const c = shared('c')\n")
  await writeFile(join(dir, 'entry.ts'), [
    "import { shared } from './shared.js'",
    'export const first = shared(\'entry\')',
    "export async function later (): Promise<string[]> { return [(await import('./b.js')).b, (await import(\"./c.js\")).c] }",
    ''
  ].join('\n'))
})

afterAll(async () => {
  await rm(dir, { recursive: true, force: true })
})

/** The fixture's dynamic imports, as `dynamicImports` reads them from a first build's metafile. */
function imports (specifierB = './b.js'): Map<string, Map<string, string>> {
  return new Map([[join(dir, 'entry.ts'), new Map([[specifierB, join(dir, 'b.ts')], ['./c.js', join(dir, 'c.ts')]])]])
}

async function bundle (outName: string, plugins: unknown[]): Promise<{ files: string[], later: () => Promise<string[]> }> {
  const outdir = join(dir, outName)
  await build({
    entryPoints: { entry: join(dir, 'entry.ts') },
    outdir,
    bundle: true,
    format: 'esm',
    platform: 'neutral',
    splitting: true,
    chunkNames: 'chunks/[name]-[hash]',
    logLevel: 'silent',
    plugins: plugins as never[]
  })
  // esbuild resolves the fixture's `./b.js` to b.ts by itself
  const files = (await readdir(join(outdir, 'chunks'))).sort()
  const { later } = await import(pathToFileURL(join(outdir, 'entry.js')).href) as { later: () => Promise<string[]> }
  return { files, later }
}

describe('one lazy chunk for every import()', () => {
  it('plain esbuild splitting makes a chunk per import() target and one for the code they share', async () => {
    const { files, later } = await bundle('plain', [])
    expect(files.filter((f) => f.endsWith('.js')).map((f) => f.replace(/-\w+\.js$/, ''))).toEqual(['b', 'c', 'chunk'])
    expect(await later()).toEqual(['shared:b', 'shared:c'])
  })

  it('with the plugin, both targets come from one lazy chunk, and give the same values', async () => {
    const { files, later } = await bundle('one', [oneLazyChunkPlugin(imports())])
    // the code the entry shares with the targets stays a chunk of its own, loaded with the entry
    expect(files.filter((f) => f.endsWith('.js')).map((f) => f.replace(/-\w+\.js$/, ''))).toEqual(['chunk', 'deferred'])
    expect(await later()).toEqual(['shared:b', 'shared:c'])
  })

  it('refuses to build when an import() cannot be rewritten, naming it', async () => {
    await expect(bundle('bad', [oneLazyChunkPlugin(imports('./b-elsewhere.js'))])).rejects.toThrow(/import\('\.\/b-elsewhere\.js'\)/)
  })
})
