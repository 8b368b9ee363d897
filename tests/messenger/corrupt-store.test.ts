import { createHash } from 'node:crypto'
import { readdir, readFile, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { openHomeMessenger } from '../../src/node/open-home-messenger.js'
import { PREFIX } from '../../src/store/keys.js'
import { StoreCorruptError } from '../../src/store/errors.js'
import { startsWith, toHex } from '../../src/bytes.js'
import { LOOPBACK_LISTEN, PASSPHRASE, TEST_KDF, startTestNode, tempDir } from '../helpers/network.js'

/** Raw access to the store's LevelDB, as an attacker (or a disk fault) would damage it. */
async function withRawDb (location: string, fn: (db: Level<Uint8Array, Uint8Array>) => Promise<void>): Promise<void> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', compression: false })
  await db.open()
  try { await fn(db) } finally { await db.close() }
}

async function rawDump (location: string): Promise<string[]> {
  const out: string[] = []
  await withRawDb(location, async (db) => {
    for await (const [k, v] of db.iterator()) out.push(`${toHex(k)}=${toHex(v)}`)
  })
  return out
}

/** Name and SHA-256 of each file, leaving out LevelDB's own text log (rotated by every open attempt). */
async function fileDigests (location: string): Promise<string[]> {
  const names = (await readdir(location)).filter((n) => n !== 'LOG' && n !== 'LOG.old').sort()
  return await Promise.all(names.map(async (n) => `${n} ${createHash('sha256').update(await readFile(join(location, n))).digest('hex')}`))
}

async function deleteKeys (location: string, match: (key: Uint8Array) => boolean): Promise<void> {
  await withRawDb(location, async (db) => {
    const doomed: Uint8Array[] = []
    for await (const k of db.keys()) if (match(k)) doomed.push(k)
    expect(doomed.length).toBeGreaterThan(0)
    await db.batch(doomed.map((key) => ({ type: 'del' as const, key })))
  })
}

describe('a damaged store is refused, never replaced by a new account', () => {
  let dir: { path: string, cleanup: () => Promise<void> }
  let home: string
  let location: string
  beforeEach(async () => {
    dir = await tempDir()
    home = join(dir.path, 'home')
    location = join(home, 'store')
    const node = await startTestNode(home)
    await node.stop()
  })
  afterEach(async () => { await dir.cleanup() })

  const open = async (): ReturnType<typeof openHomeMessenger> =>
    await openHomeMessenger({ home, passphrase: PASSPHRASE, kdf: TEST_KDF, create: true, listen: LOOPBACK_LISTEN })

  async function expectRefused (): Promise<void> {
    const err = await open().then(async (m) => { await m.node.stop(); return undefined }, (e: unknown) => e)
    expect(err).toBeInstanceOf(StoreCorruptError)
    expect((err as StoreCorruptError).code).toBe('ERR_STORE_CORRUPT')
    expect((err as Error).message).toMatch(/Nothing was created or deleted.*restore .* from a backup.*Recovery/)
  }

  it('LevelDB CURRENT file missing: refused, every file left byte for byte', async () => {
    await rm(join(location, 'CURRENT'))
    const before = await fileDigests(location)
    await expectRefused()
    expect(await fileDigests(location)).toEqual(before)
  })

  it.each([
    ['the account identity records', (k: Uint8Array) => startsWith(k, PREFIX.identity)],
    ['the key check record', (k: Uint8Array) => startsWith(k, PREFIX.keycheck)],
    ['the keyring record', (k: Uint8Array) => startsWith(k, PREFIX.keyring)]
  ])('%s deleted: refused, every record left as it was', async (_what, match) => {
    await deleteKeys(location, match)
    const before = await rawDump(location)
    await expectRefused()
    expect(await rawDump(location)).toEqual(before)
  })
})
