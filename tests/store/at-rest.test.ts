import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Level } from 'level'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { IntegrityError, WrongPassphraseError, newConversationId, openStore } from '../../src/store/index.js'
import { LevelKv } from '../../src/store/level-backend.js'
import { PREFIX } from '../../src/store/keys.js'
import { startsWith } from '../../src/bytes.js'
import { checkMigratedV1, contact, message } from './store-suite.js'
import { TEST_KDF } from './store-suite-constants.js'

const MARK_TEXT = 'ZEBRA-SECRET-TEXT-4711'
const MARK_NAME = 'Quentin-Marker-Name'

function files (dir: string): string[] {
  return readdirSync(dir).map((f) => join(dir, f)).filter((f) => statSync(f).isFile())
}

function filesContaining (dir: string, needle: Uint8Array): string[] {
  return files(dir).filter((f) => Buffer.from(readFileSync(f)).indexOf(Buffer.from(needle)) !== -1)
}

async function withRaw<T> (location: string, fn: (kv: LevelKv) => Promise<T>): Promise<T> {
  const db = new Level<Uint8Array, Uint8Array>(location, { keyEncoding: 'view', valueEncoding: 'view', compression: false })
  await db.open()
  const kv = new LevelKv(db)
  try { return await fn(kv) } finally { await kv.close() }
}

describe('LevelDB files at rest', () => {
  let dir: string
  let location: string
  const open = async (passphrase = 'pw-at-rest'): ReturnType<typeof openStore> => await openStore({ location, passphrase, kdf: TEST_KDF })
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'parley-rest-')); location = join(dir, 'db') })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('holds no plaintext marker in any file, before and after compaction; wrong passphrase is typed', async () => {
    const store = await open()
    const conv = newConversationId()
    await store.contacts.put(contact(`acc-${MARK_NAME}`, MARK_NAME))
    for (let i = 1; i <= 200; i++) await store.messages.put(message(conv, i, { content: new TextEncoder().encode(`${MARK_TEXT} number ${i}`) }))
    await store.close()
    const enc = new TextEncoder()
    expect(filesContaining(location, enc.encode(MARK_TEXT))).toEqual([])
    expect(filesContaining(location, enc.encode(MARK_NAME))).toEqual([])
    await withRaw(location, async (kv) => { await kv.compact() })
    expect(files(location).some((f) => f.endsWith('.ldb'))).toBe(true)
    expect(filesContaining(location, enc.encode(MARK_TEXT))).toEqual([])
    expect(filesContaining(location, enc.encode(MARK_NAME))).toEqual([])
    await expect(open('not the passphrase')).rejects.toBeInstanceOf(WrongPassphraseError)
    const again = await open()
    expect((await again.contacts.get(`acc-${MARK_NAME}`))?.name).toBe(MARK_NAME)
    await again.close()
  })

  it('turns a bit flipped in an .ldb file into IntegrityError for that record only', async () => {
    const store = await open()
    const conv = newConversationId()
    for (let i = 1; i <= 50; i++) await store.messages.put(message(conv, i))
    await store.close()
    // push everything into table files, then find message 25's sealed value on disk
    const sealed = await withRaw(location, async (kv) => {
      await kv.compact()
      const rows: Array<[Uint8Array, Uint8Array]> = []
      for await (const e of kv.entries({})) if (startsWith(e[0], PREFIX.message)) rows.push(e)
      return rows[24][1]
    })
    const hits = filesContaining(location, sealed)
    expect(hits).toHaveLength(1)
    const bytes = readFileSync(hits[0])
    const at = Buffer.from(bytes).indexOf(Buffer.from(sealed)) + sealed.length - 20
    bytes[at] ^= 0x04
    writeFileSync(hits[0], bytes)

    const reopened = await open()
    await expect(reopened.messages.get(message(conv, 25).id)).rejects.toBeInstanceOf(IntegrityError)
    expect((await reopened.messages.get(message(conv, 24).id))?.clock).toBe(24)
    expect((await reopened.messages.get(message(conv, 26).id))?.clock).toBe(26)
    const all = await reopened.messages.latest(conv, { limit: 100 })
    expect(all.items).toHaveLength(49)
    expect(all.damaged).toBe(1)
    await reopened.close()
  })

  it('wipe leaves no readable trace in the files', async () => {
    const store = await open()
    const conv = newConversationId()
    for (let i = 1; i <= 100; i++) await store.messages.put(message(conv, i))
    await store.contacts.put(contact('acc-1', MARK_NAME))
    await store.close()
    const samples = await withRaw(location, async (kv) => {
      const out: Uint8Array[] = []
      for await (const [k, v] of kv.entries({})) out.push(k.length > 12 ? k : v.subarray(0, 32), v.subarray(v.length - 32))
      return out
    })
    expect(samples.filter((s) => filesContaining(location, s).length > 0).length).toBeGreaterThan(0)
    const reopened = await open()
    await reopened.wipe({ keepFiles: true })
    const left = samples.map((s) => filesContaining(location, s).map((f) => `${f.slice(location.length)} ${Buffer.from(s).toString('hex')}`)).flat()
    expect(left).toEqual([])
    // and the store key is gone with the keyring: the passphrase opens only a new, empty store
    const fresh = await open()
    expect(await fresh.contacts.get('acc-1')).toBeUndefined()
    await fresh.wipe()
    expect(() => readdirSync(location)).toThrow()
  })

  it('migrates the frozen v1 LevelDB fixture', async () => {
    cpSync(new URL('../fixtures/store/v1/db', import.meta.url).pathname, location, { recursive: true })
    const store = await open('fixture-passphrase')
    await checkMigratedV1(store)
    await store.close()
    const again = await open('fixture-passphrase')
    expect(again.version).toBe(2)
    await again.close()
  })
})
