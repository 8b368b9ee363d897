import { Level } from 'level'
import { openStore, destroyStore, IDB_PREFIX } from '../../src/store/open-level.browser.js'
import { LevelKv } from '../../src/store/level-backend.js'
import { storeSuite, TEST_KDF, type StoreHarness } from './store-suite.js'
import { describe, it, expect } from 'vitest'
import { StoreKeyUnavailableError } from '../../src/store/errors.js'

function harness (withPassphrase: boolean): () => StoreHarness {
  return () => {
    const dbs = new Set<string>()
    return {
      passphrase: withPassphrase,
      open: async (db, options = {}) => {
        dbs.add(db)
        const passphrase = options.passphrase ?? (withPassphrase ? 'suite-passphrase' : undefined)
        return await openStore({ location: db, kdf: TEST_KDF, ...(passphrase !== undefined ? { passphrase } : {}) })
      },
      raw: async (db, fn) => {
        dbs.add(db)
        const level = new Level<Uint8Array, Uint8Array>(db, { keyEncoding: 'view', valueEncoding: 'view', prefix: IDB_PREFIX })
        await level.open()
        const kv = new LevelKv(level)
        try { return await fn(kv) } finally { await kv.close() }
      },
      cleanup: async () => { for (const db of dbs) await destroyStore(db) }
    }
  }
}

storeSuite('IndexedDB (browser-level, WebCrypto key)', harness(false))
storeSuite('IndexedDB (browser-level, passphrase)', harness(true))

describe('browser store keys', () => {
  it('keeps the store key non-extractable and refuses data whose key is gone', async () => {
    const db = `keys-${Date.now()}`
    const store = await openStore({ location: db })
    expect(store.scheme).toContain('aes-256-gcm')
    await store.settings.put('a', 1)
    await store.close()
    // delete only the keys database: the data must not open (and must not be silently replaced)
    await new Promise<void>((resolve) => { const r = indexedDB.deleteDatabase(`${IDB_PREFIX}${db}-keys`); r.onsuccess = () => { resolve() } })
    await expect(openStore({ location: db })).rejects.toBeInstanceOf(StoreKeyUnavailableError)
    await destroyStore(db)
  })
})
