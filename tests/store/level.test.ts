import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { openStore } from '../../src/store/index.js'
import { LevelKv } from '../../src/store/level-backend.js'
import { storeSuite, PASSPHRASE, TEST_KDF, type StoreHarness } from './store-suite.js'

storeSuite('level (classic-level, Node)', (): StoreHarness => {
  const root = mkdtempSync(join(tmpdir(), 'parley-store-'))
  return {
    passphrase: true,
    open: async (db, options = {}) => await openStore({ location: join(root, db), passphrase: options.passphrase ?? PASSPHRASE, kdf: TEST_KDF }),
    raw: async (db, fn) => {
      const level = new Level<Uint8Array, Uint8Array>(join(root, db), { keyEncoding: 'view', valueEncoding: 'view', compression: false })
      await level.open()
      const kv = new LevelKv(level)
      try { return await fn(kv) } finally { await kv.close() }
    },
    cleanup: async () => { rmSync(root, { recursive: true, force: true }) }
  }
})
