/**
 * The browser bundle's budgets (docs/BROWSER.md, "Bundle size"): the library built as
 * `npm run build:browser` builds it, measured as scripts/bundle-size.mjs measures it.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
// @ts-expect-error plain ESM script without type declarations
import { buildBrowser } from '../../scripts/build-browser.mjs'
// @ts-expect-error plain ESM script without type declarations
import { FIRST_LOAD_BUDGET, LIBRARY_BUDGET, measureBundles } from '../../scripts/bundle-size.mjs'

interface Sizes { minified: number, gzip: number }
interface Measured {
  library: { firstLoad: Sizes & { inputs: string[] }, whole: Sizes, files: Array<[string, number]>, chunks: Array<{ file: string, firstLoad: boolean } & Sizes> }
  element: { whole: Sizes, chunks: Array<{ file: string } & Sizes> }
  over: string[]
}

let outDir: string | undefined
let measured: Measured

beforeAll(async () => {
  outDir = await mkdtemp(join(tmpdir(), 'parley-bundle-'))
  await buildBrowser({ outDir })
  measured = await measureBundles({ dir: outDir })
}, 120_000)

afterAll(async () => {
  if (outDir != null) await rm(outDir, { recursive: true, force: true })
})

describe('browser bundle', () => {
  it('a page first loads at most 200 KiB gzip, and the whole library is at most 300 KiB gzip (issue #16)', () => {
    const { library, over } = measured
    expect(FIRST_LOAD_BUDGET).toBe(200 * 1024)
    expect(LIBRARY_BUDGET).toBe(300 * 1024)
    expect(over).toEqual([])
    expect(library.firstLoad.gzip).toBeLessThanOrEqual(FIRST_LOAD_BUDGET)
    expect(library.whole.gzip).toBeLessThanOrEqual(LIBRARY_BUDGET)
    // the browser store is on `idb` (src/store/idb-backend.ts), not level's browser stack (≈12 KiB gzip)
    const level = library.files.map(([file]) => file.split('/')[0]).filter((pkg) => /^(level|browser-level|abstract-level|level-transcoder|buffer)$/.test(pkg))
    expect(level).toEqual([])
    // the first load is parley.js and its static imports, less than the whole
    expect(library.chunks.find((c) => c.file === 'parley.js')?.firstLoad).toBe(true)
    expect(library.firstLoad.gzip).toBeLessThan(library.whole.gzip)
  })

  it('loads the messenger lazily, and the element loads the library only when it opens Parley', async () => {
    const lazy = measured.library.chunks.filter((c) => !c.firstLoad).map((c) => c.file)
    expect(lazy.some((file) => /^chunks\/deferred-[\w-]+\.js$/.test(file))).toBe(true)
    // the element, esbuild's shared runtime (< 1 KiB), and the QR encoder, the device, file, group, group-invite and channel views it imports on demand
    const files = measured.element.chunks.map((c) => c.file).sort()
    const runtime = files.filter((f) => /^chunks\/element-chunk-\w+\.js$/.test(f))
    expect(runtime).toHaveLength(1)
    expect(files.filter((f) => f !== runtime[0]).map((f) => f.replace(/-[A-Z0-9]{8}\.js$/, '.js'))).toEqual(['chunks/element-channel-views.js', 'chunks/element-device-views.js', 'chunks/element-file-views.js', 'chunks/element-group-invite-views.js', 'chunks/element-group-views.js', 'chunks/element-qr.js', 'parley-chat.js'])
    expect(measured.element.chunks.find((c) => c.file === runtime[0])?.minified).toBeLessThan(1024)
    const element = await readFile(join(outDir as string, 'parley-chat.js'), 'utf8')
    expect(element).toContain('import("./parley.js")')
    expect(element).not.toMatch(/from\s*"\.\/parley\.js"/)
    expect(element).toMatch(/import\("\.\/chunks\/element-qr-\w+\.js"\)/)
    // the devices, groups and channels views are not in the first paint: their words only in their chunks
    for (const [chunk, words] of [['device-views', 'They match: link it'], ['group-views', 'Give the group a name.'], ['channel-views', "Only the channel's owner and admins post here."]]) {
      expect(element).toMatch(new RegExp(`import\\("\\./chunks/element-${chunk}-\\w+\\.js"\\)`))
      expect(element).not.toContain(words)
      const file = files.find((f) => f.startsWith(`chunks/element-${chunk}-`)) as string
      expect(await readFile(join(outDir as string, file), 'utf8')).toContain(words)
    }
    // the invite views load from the groups view, not from the element
    const invites = files.find((f) => f.startsWith('chunks/element-group-invite-views-')) as string
    expect(element).not.toContain('New invite link')
    expect(await readFile(join(outDir as string, invites), 'utf8')).toContain('New invite link')
  })

  it('defers what the first paint and the DHT client do not need, all in one lazy chunk', () => {
    const { inputs } = measured.library.firstLoad
    // what the first paint and the DHT client do not need: the messenger, the fleet-record rules
    // and their codecs, the device-link server and its codecs, ML-KEM (with SHA-3), scrypt (a
    // passphrase store only); and, not in the browser build at all, the PUT guard (a DHT client
    // answers no PUT) and the LevelDB compaction scheduler (IndexedDB cannot compact)
    const deferred = [
      'src/node/messenger.ts', 'src/messenger/messenger.ts', 'src/identity/fleet-record-rules.ts', 'src/identity/fleet-record.ts',
      'src/wire/fleet.ts', 'src/device/link-server.ts', 'src/device/device-link.ts', 'src/wire/link.ts', 'src/crypto/kem-noble.ts',
      '@noble/post-quantum/ml-kem.js', '@noble/hashes/sha3.js', '@noble/hashes/scrypt.js', 'src/net/dht-put-guard.ts',
      'src/store/compaction-scheduler.ts'
    ]
    expect(inputs.filter((path) => deferred.includes(path))).toEqual([])
    // what the first load needs stays in it (the check above is not vacuous)
    expect(inputs).toEqual(expect.arrayContaining(['src/node/parley-node.ts', 'src/net/parley-records.ts', 'src/wire/parley.ts', 'src/device/device-link-service.ts', 'src/store/compaction-scheduler.browser.ts']))
    // one lazy chunk: every further import() target would split the first load into more
    // chunks, costing more gzip than it moves out (scripts/build-browser.mjs, oneLazyChunkPlugin)
    const lazy = measured.library.chunks.filter((c) => !c.firstLoad).map((c) => c.file)
    expect(lazy).toHaveLength(1)
    expect(measured.library.chunks.filter((c) => c.firstLoad).map((c) => c.file.replace(/-[A-Z0-9]{8}\.js$/, '.js')).sort()).toEqual(['chunks/chunk.js', 'parley.js'])
  })

  it('leaves out what only relays run: the channel-history server, the relay\'s stored-record codecs', () => {
    const files = measured.library.files.map(([path]) => path)
    expect(files).not.toContain('src/net/channel-history-server.ts')
    expect(files).not.toContain('src/wire/relay-store.ts')
    // the client side is there (the check above is not vacuous)
    expect(files).toEqual(expect.arrayContaining(['src/net/channel-history.ts', 'src/net/channel-gossip.ts', 'src/wire/mailbox.ts']))
  })
})
