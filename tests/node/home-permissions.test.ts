import { chmod, mkdir, readdir, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { openHomeStore } from '../../src/node/home.js'
import { newConversationId } from '../../src/store/index.js'
import { PASSPHRASE, TEST_KDF, tempDir } from '../helpers/network.js'

async function mode (path: string): Promise<number> {
  return (await stat(path)).mode & 0o777
}

describe('home and store permissions', () => {
  it.each([
    ['a new home', false],
    ['a home that already exists with mode 0755', true]
  ])('%s: home and store 0700, every store file 0600', async (_what, preexisting) => {
    const dir = await tempDir()
    const previous = process.umask(0o022)
    try {
      const home = join(dir.path, 'home')
      if (preexisting) {
        await mkdir(join(home, 'store'), { recursive: true })
        await chmod(home, 0o755)
        await chmod(join(home, 'store'), 0o755)
      }
      const store = await openHomeStore({ home, passphrase: PASSPHRASE, kdf: TEST_KDF, create: true })
      for (let i = 0; i < 20; i++) await store.settings.put(`s${i}`, { v: newConversationId() })
      await store.compactDeleted()
      await store.close()
      expect((await mode(home)).toString(8)).toBe('700')
      expect((await mode(join(home, 'store'))).toString(8)).toBe('700')
      const names = await readdir(join(home, 'store'))
      expect(names.length).toBeGreaterThan(3)
      const modes = await Promise.all(names.map(async (n) => `${n} ${(await mode(join(home, 'store', n))).toString(8)}`))
      expect(modes).toEqual(names.map((n) => `${n} 600`))
    } finally {
      process.umask(previous)
      await dir.cleanup()
    }
  })
})
