/**
 * The IndexedDB backend (`src/store/idb-backend.ts`) against browser-level, which it replaced in
 * the browser build, on Chromium's real IndexedDB: what browser-level wrote (a store, a blob)
 * reads back unchanged through the new backend and the other way round, and both answer the same
 * random ranged reads and range deletes the same way (property test).
 */
import fc from 'fast-check'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { toHex } from '../../src/bytes.js'
import { IdbBlobs, IDB_BLOBS_PREFIX } from '../../src/browser/idb-blobs.js'
import { encodeManifest } from '../../src/crypto/attachment/pieces.js'
import { openIdbKv } from '../../src/store/idb-backend.js'
import { passphraseKeySource } from '../../src/store/key-source.js'
import { openOnBackend } from '../../src/store/open-backend.js'
import type { KvBackend, KvOp, KvRange } from '../../src/store/kv-backend.js'
import { LevelKv } from '../../src/store/level-backend.js'
import { IDB_PREFIX, openStore, destroyStore } from '../../src/store/open-level.browser.js'
import { deleteIndexedDb } from '../../src/store/webcrypto-keyring.js'
import { sealInMemory } from '../helpers/blobs.js'
import { TEST_KDF } from './store-suite.js'

const te = new TextEncoder()
const created: string[] = []
let n = 0
/** A fresh database name (deleted after the test, with its prefix). */
const fresh = (prefix: string, tag: string): string => { const name = `${tag}-${Date.now()}-${n++}`; created.push(prefix + name); return name }

async function openLevel (location: string): Promise<LevelKv> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', prefix: IDB_PREFIX })
  await db.open()
  return new LevelKv(db)
}

const hex = (rows: Array<[Uint8Array, Uint8Array]>): string[][] => rows.map(([k, v]) => [toHex(k), toHex(v)])
async function collect<T> (it: AsyncIterable<T>): Promise<T[]> { const out: T[] = []; for await (const x of it) out.push(x); return out }

/** Every read of `range` through `kv`, in a comparable form. */
async function reads (kv: KvBackend, range: KvRange): Promise<{ range: string[][], entries: string[][], keys: string[] }> {
  return {
    range: hex(await kv.range(range)),
    entries: hex(await collect(kv.entries(range))),
    keys: (await collect(kv.keys(range))).map(toHex)
  }
}

afterEach(async () => { for (const name of created.splice(0)) await deleteIndexedDb(name) })

describe('IndexedDB backend: browser-level compatibility', () => {
  it('opens a store browser-level wrote, with the same contents, and browser-level reads what it writes', async () => {
    const location = fresh(IDB_PREFIX, 'compat-store')
    const options = { location, kdf: TEST_KDF, passphrase: 'compat' }
    // the old build: the store over LevelKv(browser-level)
    const old = await openLevel(location)
    let store = await openOnBackend(old, passphraseKeySource('compat', TEST_KDF), {}, {})
    await store.settings.put('theme', 'dark')
    await store.close()
    // the new build opens it
    store = await openStore(options)
    expect(await store.settings.get('theme')).toBe('dark')
    await store.settings.put('lang', 'fr')
    await store.close()
    // and the old one still reads it (a downgrade keeps working)
    store = await openOnBackend(await openLevel(location), passphraseKeySource('compat', TEST_KDF), {}, {})
    expect(await store.settings.get('lang')).toBe('fr')
    expect(await store.settings.get('theme')).toBe('dark')
    await store.close()
    await destroyStore(location)
  })

  it('reads a blob browser-level wrote with utf8 keys, and browser-level reads the keys it writes', async () => {
    const name = fresh(IDB_BLOBS_PREFIX, 'compat-blobs')
    const id = 'cd'.repeat(16)
    const blob = await sealInMemory(700_000, 3)
    const old = new Level<string, Uint8Array>(name, { prefix: IDB_BLOBS_PREFIX, keyEncoding: 'utf8', valueEncoding: 'view' })
    await old.open()
    await old.put(`m!${id}`, te.encode(JSON.stringify({ digest: toHex(blob.summary.digest), cipherLength: blob.summary.cipherLength, complete: true })))
    await old.put(`f!${id}`, encodeManifest(blob.summary))
    for (let i = 0; i < blob.pieces.length; i++) await old.put(`p!${id}!${String(i).padStart(8, '0')}`, blob.pieces[i])
    await old.close()

    const blobs = new IdbBlobs(name)
    expect((await blobs.manifest(id))?.pieceDigests.map(toHex)).toEqual(blob.summary.pieceDigests.map(toHex))
    for (let i = 0; i < blob.pieces.length; i++) expect(await blobs.provider().readPiece(blob.summary.digest, i)).toEqual(blob.pieces[i])
    // written through the new backend: browser-level sees the same utf8 keys
    const other = 'ef'.repeat(16)
    const writer = await blobs.sealedWriter(other)
    await writer.write(0, blob.pieces[0])
    await blobs.close()
    const again = new Level<string, Uint8Array>(name, { prefix: IDB_BLOBS_PREFIX, keyEncoding: 'utf8', valueEncoding: 'view' })
    await again.open()
    expect(await again.get(`p!${other}!00000000`)).toEqual(blob.pieces[0])
    expect((await again.keys({ gt: 'p!', lt: 'p"' }).all()).filter((k) => k.startsWith(`p!${other}`))).toEqual([`p!${other}!00000000`])
    await again.close()
  })

  it('iterates past its chunk size in both directions, resuming at the right key', async () => {
    const location = fresh(IDB_PREFIX, 'chunks')
    const level = await openLevel(location)
    const ops: KvOp[] = []
    for (let i = 0; i < 700; i++) ops.push({ type: 'put', key: Uint8Array.of(i >> 8, i & 0xff), value: Uint8Array.of(i & 7) })
    await level.batch(ops)
    const idb = await openIdbKv(location, { prefix: IDB_PREFIX })
    try {
      const cases: Array<[KvRange, number]> = [[{}, 700], [{ reverse: true }, 700], [{ gte: Uint8Array.of(0, 10), limit: 600 }, 600], [{ lt: Uint8Array.of(2, 0), reverse: true, limit: 300 }, 300]]
      for (const [range, count] of cases) {
        const mine = await reads(idb, range)
        expect(mine.entries.length).toBe(count)
        expect(mine).toEqual(await reads(level, range))
      }
    } finally {
      await idb.close()
      await level.close()
    }
  })

  it('deletes a limited range from the right end, as many as the limit', async () => {
    const level = await openLevel(fresh(IDB_PREFIX, 'clear-level'))
    const idb = await openIdbKv(fresh(IDB_PREFIX, 'clear-idb'), { prefix: IDB_PREFIX })
    try {
      const ops: KvOp[] = Array.from({ length: 20 }, (_, i) => ({ type: 'put', key: Uint8Array.of(i), value: Uint8Array.of(i) }))
      await level.batch(ops)
      await idb.batch(ops)
      const cases: Array<[KvRange, number]> = [[{ gte: Uint8Array.of(5), limit: 3 }, 17], [{ lt: Uint8Array.of(15), reverse: true, limit: 2 }, 15], [{ gt: Uint8Array.of(0), lte: Uint8Array.of(2) }, 13]]
      for (const [range, left] of cases) {
        await level.clear(range)
        await idb.clear(range)
        const rows = hex(await idb.range({}))
        expect(rows.length).toBe(left)
        expect(rows).toEqual(hex(await level.range({})))
      }
    } finally {
      await idb.close()
      await level.close()
    }
  })

  it('answers random ranged reads and range deletes as browser-level does (property test)', async () => {
    const key = fc.uint8Array({ minLength: 1, maxLength: 3, max: 3 })
    const op = fc.oneof(
      fc.record({ type: fc.constant('put' as const), key, value: fc.uint8Array({ maxLength: 4 }) }),
      fc.record({ type: fc.constant('del' as const), key })
    )
    const range = fc.record({ gte: key, gt: key, lt: key, lte: key, reverse: fc.boolean(), limit: fc.nat({ max: 8 }) }, { requiredKeys: [] })
    await fc.assert(fc.asyncProperty(fc.array(op, { minLength: 1, maxLength: 40 }), fc.array(range, { minLength: 1, maxLength: 6 }), range, async (ops, queries, cleared) => {
      const a = fresh(IDB_PREFIX, 'prop-level')
      const b = fresh(IDB_PREFIX, 'prop-idb')
      const level = await openLevel(a)
      const idb = await openIdbKv(b, { prefix: IDB_PREFIX })
      const legacy = await openIdbKv(a, { prefix: IDB_PREFIX })
      try {
        await level.batch(ops)
        await idb.batch(ops)
        for (const q of queries) {
          const expected = await reads(level, q)
          expect(await reads(idb, q)).toEqual(expected)
          expect(await reads(legacy, q)).toEqual(expected) // what browser-level wrote, read by the new backend
        }
        await level.clear(cleared)
        await idb.clear(cleared)
        expect(hex(await idb.range({}))).toEqual(hex(await level.range({})))
        const probe = ops.map((o) => o.key)
        expect((await idb.getMany(probe)).map((v) => v === undefined ? null : toHex(v))).toEqual((await level.getMany(probe)).map((v) => v === undefined ? null : toHex(v)))
      } finally {
        await legacy.close()
        await idb.close()
        await level.close()
      }
    }), { numRuns: 40 })
  })
})

describe('IndexedDB backend: batches and closing', () => {
  it('applies a batch with an invalid key not at all', async () => {
    const location = fresh(IDB_PREFIX, 'atomic')
    const kv = await openIdbKv(location, { prefix: IDB_PREFIX })
    try {
      await kv.batch([{ type: 'put', key: Uint8Array.of(1), value: Uint8Array.of(1) }])
      const badKey = { type: 'put', key: { no: 'key' } as unknown as Uint8Array, value: Uint8Array.of(0) } as const
      await expect(kv.batch([{ type: 'put', key: Uint8Array.of(2), value: Uint8Array.of(2) }, { type: 'del', key: Uint8Array.of(1) }, badKey])).rejects.toThrow()
      expect(hex(await kv.range({}))).toEqual([['01', '01']])
    } finally {
      await kv.close()
    }
  })

  it('refuses use after close with a typed error', async () => {
    const location = fresh(IDB_PREFIX, 'closed')
    const kv = await openIdbKv(location, { prefix: IDB_PREFIX })
    await kv.close()
    await expect(kv.get(Uint8Array.of(1))).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' })
    await expect(kv.batch([{ type: 'del', key: Uint8Array.of(1) }])).rejects.toMatchObject({ code: 'ERR_STORE_CLOSED' })
    await expect(openIdbKv(location, { prefix: IDB_PREFIX, signal: AbortSignal.abort() })).rejects.toThrow()
  })
})
