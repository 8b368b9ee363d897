import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { StoreLockedError } from '../../src/store/errors.js'
import { openStore } from '../../src/store/index.js'
import { tempDir } from '../helpers/network.js'

describe('one opener per LevelDB store', () => {
  it('a second open of a store in use is a typed ERR_STORE_LOCKED, and the first keeps working', async () => {
    const dir = await tempDir('parley-lock-')
    const location = join(dir.path, 'store')
    const first = await openStore({ location, passphrase: 'p', kdf: { N: 1024, r: 8, p: 1 } })
    try {
      await expect(openStore({ location, passphrase: 'p' })).rejects.toBeInstanceOf(StoreLockedError)
      await first.settings.put('still', 'fine')
      expect(await first.settings.get('still')).toBe('fine')
    } finally {
      await first.close()
      await dir.cleanup()
    }
  })
})
