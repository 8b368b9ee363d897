import { openMemoryStore, MemoryKvData } from '../../src/store/index.js'
import { MemoryKv } from '../../src/store/memory-backend.js'
import { storeSuite, PASSPHRASE, TEST_KDF, type StoreHarness } from './store-suite.js'

storeSuite('memory', (): StoreHarness => {
  const dbs = new Map<string, MemoryKvData>()
  const data = (db: string): MemoryKvData => {
    let d = dbs.get(db)
    if (d === undefined) { d = new MemoryKvData(); dbs.set(db, d) }
    return d
  }
  return {
    passphrase: true,
    open: async (db, options = {}) => await openMemoryStore({ data: data(db), passphrase: options.passphrase ?? PASSPHRASE, kdf: TEST_KDF }),
    raw: async (db, fn) => await fn(new MemoryKv(data(db))),
    cleanup: async () => { dbs.clear() }
  }
})
