import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { WrongPassphraseError, newConversationId, openStore, type Store } from '../../src/store/index.js'
import type { KvBackend } from '../../src/store/kv-backend.js'
import { PREFIX } from '../../src/store/keys.js'
import { decodeKeyring } from '../../src/store/passphrase-keyring.js'
import { toHex } from '../../src/bytes.js'
import { waitFor } from '../helpers/wait.js'
import { message } from './store-suite.js'
import { TEST_KDF } from './store-suite-constants.js'

const MARK = 'OKAPI-DELETED-TEXT-9182'

function files (dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).filter((e) => e.isFile()).map((e) => join(dir, e.name))
}

/** The bytes of a file, or nothing when LevelDB deleted it since the directory was listed (a compaction running). */
function readIfThere (file: string): Buffer {
  try {
    return readFileSync(file)
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return Buffer.alloc(0)
    throw err
  }
}

/** The files of `dir` holding `needle` anywhere in their raw bytes. */
function filesHolding (dir: string, needle: Uint8Array): string[] {
  return files(dir).filter((f) => readIfThere(f).indexOf(Buffer.from(needle)) !== -1)
}

/**
 * What an attacker with the files and the passphrase needs to open a sealed value: its 24-byte
 * nonce (`0x01 ‖ nonce ‖ ct ‖ tag`) and its ciphertext with the tag. If neither is anywhere in
 * the files, the value cannot be decrypted, whatever the key.
 */
function sealedParts (value: Uint8Array): Uint8Array[] {
  return [value.subarray(1, 25), value.subarray(25)]
}

/** The store's own LevelDB handle: the raw sealed bytes an attacker would read from the files. */
function rawKv (store: Store): KvBackend {
  return (store as unknown as { skv: { kv: KvBackend } }).skv.kv
}

async function rawEntries (store: Store): Promise<Map<string, Uint8Array>> {
  const out = new Map<string, Uint8Array>()
  for await (const [k, v] of rawKv(store).entries({})) out.set(toHex(k), v)
  return out
}

describe('deleted, expired and replaced values leave the LevelDB files', () => {
  let dir: string
  let location: string
  beforeEach(() => { dir = mkdtempSync(join(tmpdir(), 'parley-purge-')); location = join(dir, 'db') })
  afterEach(() => { rmSync(dir, { recursive: true, force: true }) })

  it('a deleted, an expired and an edited message are unrecoverable from every file once the background compaction ran', async () => {
    const text = (what: string): Uint8Array => new TextEncoder().encode(`${MARK} ${what}`)
    const conv = newConversationId()
    // an old message, written in an earlier session: in a table file by now
    let store = await openStore({ location, passphrase: 'pw', kdf: TEST_KDF })
    for (let i = 1; i <= 40; i++) await store.messages.put(message(conv, i))
    const old = message(conv, 41, { content: text('old, deleted later') })
    await store.messages.put(old)
    await store.close()

    store = await openStore({ location, passphrase: 'pw', kdf: TEST_KDF, compactionDelayMs: 200 })
    try {
      // written and removed in the same session: value and tombstone sit in the same write buffer
      const expiring = message(conv, 42, { content: text('disappearing'), expiresAt: 1000 })
      const edited = message(conv, 43, { content: text('before the edit') })
      await store.messages.put(expiring)
      await store.messages.put(edited)
      const before = await rawEntries(store)

      expect(await store.messages.delete(old.id)).toBe(true)
      expect(await store.expiry.purge(Date.now())).toBe(1)
      await store.messages.put({ ...edited, content: new TextEncoder().encode('after the edit') })

      const after = await rawEntries(store)
      const gone = [...before].filter(([k, v]) => after.get(k) === undefined || toHex(after.get(k) ?? new Uint8Array()) !== toHex(v))
      // message, id index, expiry index of `old` and `expiring`, and the first version of `edited`
      expect(gone.length).toBeGreaterThanOrEqual(6)
      const needles = gone.flatMap(([, v]) => sealedParts(v))
      // right after the deletes every one of them is still on disk (the log): this is the attack
      expect(needles.every((n) => filesHolding(location, n).length > 0)).toBe(true)

      await waitFor(() => needles.every((n) => filesHolding(location, n).length === 0), 10_000, 'the background compaction to purge the deleted values')
    } finally {
      await store.close()
    }
    for (const needle of [new TextEncoder().encode(MARK)]) expect(filesHolding(location, needle)).toEqual([])

    // what was kept is intact
    store = await openStore({ location, passphrase: 'pw', kdf: TEST_KDF })
    try {
      expect((await store.messages.get(message(conv, 40).id))?.clock).toBe(40)
      expect(new TextDecoder().decode((await store.messages.get(message(conv, 43).id))?.content)).toBe('after the edit')
      expect(await store.messages.get(old.id)).toBeUndefined()
      const page = await store.messages.latest(conv, { limit: 100 })
      expect(page.items).toHaveLength(41)
      expect(page.damaged).toBe(0)
    } finally {
      await store.close()
    }
  })

  it('close purges what is still waiting for its compaction', async () => {
    const conv = newConversationId()
    const store = await openStore({ location, passphrase: 'pw', kdf: TEST_KDF, compactionDelayMs: 3_600_000 })
    const m = message(conv, 1, { content: new TextEncoder().encode(`${MARK} at close`) })
    await store.messages.put(m)
    const before = await rawEntries(store)
    await store.messages.delete(m.id)
    const needles = [...before].filter(([k]) => !k.startsWith(toHex(PREFIX.keyring)) && !k.startsWith(toHex(PREFIX.keycheck)) && !k.startsWith(toHex(PREFIX.version))).flatMap(([, v]) => sealedParts(v))
    expect(needles.length).toBeGreaterThanOrEqual(4)
    expect(needles.every((n) => filesHolding(location, n).length > 0)).toBe(true)
    await store.close()
    expect(needles.filter((n) => filesHolding(location, n).length > 0)).toEqual([])
  })

  it('after a passphrase change no file holds a keyring record the old passphrase unwraps', async () => {
    // created and changed in one session: both keyring records sit in the same write buffer
    const store = await openStore({ location, passphrase: 'old passphrase', kdf: TEST_KDF })
    const oldRecord = await rawKv(store).get(PREFIX.keyring)
    if (oldRecord === undefined) throw new Error('no keyring record')
    const { salt, nonce, wrapped } = decodeKeyring(oldRecord)
    expect(filesHolding(location, wrapped)).not.toEqual([])
    await store.changePassphrase('old passphrase', 'new passphrase')
    await store.close()
    // the old record, its salt, nonce and wrapped key: nowhere, so nothing is left to unwrap
    for (const needle of [oldRecord, salt, nonce, wrapped]) expect(filesHolding(location, needle)).toEqual([])
    await expect(openStore({ location, passphrase: 'old passphrase', kdf: TEST_KDF })).rejects.toBeInstanceOf(WrongPassphraseError)
    const again = await openStore({ location, passphrase: 'new passphrase', kdf: TEST_KDF })
    await again.close()
  })
})
