/**
 * The store's behaviour, written once and run against every backend: LevelDB (level.test.ts),
 * memory (memory.test.ts) and IndexedDB in headless Chromium (indexeddb.browser.test.ts).
 */
import { describe, it, expect, beforeEach, afterEach } from 'vitest'
import { Key } from 'interface-datastore'
// not from src/store/index.js: that pulls in the Node opener, and this suite also runs in browsers
import { IntegrityError, InvalidQueryError, StoreClosedError, ValueTooLargeError, WrongPassphraseError } from '../../src/store/errors.js'
import { CURRENT_VERSION, MAX_VALUE_BYTES } from '../../src/store/constants.js'
import { newConversationId } from '../../src/store/conversation-repo.js'
import type { Store } from '../../src/store/store.js'
import type { Contact, Conversation, Message, OutboxEntry } from '../../src/store/types.js'
import type { KvBackend } from '../../src/store/kv-backend.js'
import { PREFIX } from '../../src/store/keys.js'
import { fromHex, startsWith, toHex, utf8 } from '../../src/bytes.js'
import v1Dump from '../fixtures/store/v1/dump.json' with { type: 'json' }

export interface StoreHarness {
  /** Opens database `db` (reopening when it exists). */
  open: (db: string, options?: { passphrase?: string }) => Promise<Store>
  /** Raw backend of database `db` while no store has it open; closed by the harness. */
  raw: <T>(db: string, fn: (kv: KvBackend) => Promise<T>) => Promise<T>
  /** Whether `open` accepts a passphrase (false: the browser's WebCrypto-key mode). */
  passphrase: boolean
  cleanup: () => Promise<void>
}

const enc = new TextEncoder()
const dec = new TextDecoder()

export function contact (accountId: string, name: string): Contact {
  return { accountId, name, identityKey: new Uint8Array(32).fill(5), verification: 'unverified', keyHistory: [], blocked: false, addedAt: 1 }
}

export function conversation (id: string, lastActivity: number, unreadCount = 0): Conversation {
  return { id, kind: 'normal', members: ['acc-bob'], lastActivity, unreadCount, disappearingTimerMs: null, clock: 0, createdAt: 1 }
}

export function message (conversationId: string, i: number, extra: Partial<Message> = {}): Message {
  return {
    id: `msg-${conversationId.slice(0, 6)}-${i}`, conversationId, clock: i, senderTimestamp: 1_000_000 + i,
    direction: i % 2 === 0 ? 'out' : 'in', sender: 'acc-bob', content: enc.encode(`text ${i}`), status: 'received', expiresAt: null, ...extra
  }
}

export function outboxEntry (id: string, nextAttemptAt: number): OutboxEntry {
  return { id, envelope: new Uint8Array([1, 2, 3]), targets: ['dev-1', 'dev-2'], attempts: 0, nextAttemptAt, createdAt: 1, messageId: null, lastError: null }
}

async function flipBit (kv: KvBackend, key: Uint8Array): Promise<void> {
  const v = await kv.get(key)
  if (v === undefined) throw new Error('no such key')
  v[v.length - 20] ^= 0x01
  await kv.batch([{ type: 'put', key, value: v }])
}

async function rawKeys (kv: KvBackend, prefix?: Uint8Array): Promise<Uint8Array[]> {
  const out: Uint8Array[] = []
  for await (const k of kv.keys({})) if (prefix === undefined || startsWith(k, prefix)) out.push(k)
  return out
}

export function storeSuite (name: string, makeHarness: () => StoreHarness): void {
  describe(`store suite: ${name}`, () => {
    let h: StoreHarness
    let store: Store
    let n = 0
    let db: string

    beforeEach(async () => {
      h = makeHarness()
      db = `suite-${Date.now()}-${n++}`
      store = await h.open(db)
    })

    afterEach(async () => {
      await store.close()
      await h.cleanup()
    })

    it('opens at the current version', () => {
      expect(store.version).toBe(CURRENT_VERSION)
    })

    it('keeps identity blobs, sessions and settings', async () => {
      await store.identity.put('device-key', new Uint8Array([1, 2, 3]))
      await store.sessions.put('my-dev', 'their-dev', new Uint8Array([4, 5]))
      await store.settings.put('relays', ['a', 'b'])
      expect(await store.identity.get('device-key')).toEqual(new Uint8Array([1, 2, 3]))
      expect(await store.sessions.get('my-dev', 'their-dev')).toEqual(new Uint8Array([4, 5]))
      expect(await store.sessions.get('their-dev', 'my-dev')).toBeUndefined()
      expect(await store.settings.get('relays')).toEqual(['a', 'b'])
      expect(await store.identity.get('nope')).toBeUndefined()
      await store.sessions.delete('my-dev', 'their-dev')
      expect(await store.sessions.get('my-dev', 'their-dev')).toBeUndefined()
    })

    it('keeps contacts and lists them in pages', async () => {
      for (let i = 0; i < 7; i++) await store.contacts.put(contact(`acc-${i}`, `Name ${i}`))
      expect((await store.contacts.get('acc-3'))?.name).toBe('Name 3')
      const p1 = await store.contacts.list({ limit: 4 })
      expect(p1.items).toHaveLength(4)
      const p2 = await store.contacts.list({ limit: 4, cursor: p1.cursor })
      expect(p2.items).toHaveLength(3)
      expect(p2.cursor).toBeUndefined()
      expect(new Set([...p1.items, ...p2.items].map((c) => c.accountId)).size).toBe(7)
      await store.contacts.delete('acc-3')
      expect(await store.contacts.get('acc-3')).toBeUndefined()
    })

    it('orders conversations by last activity with unread counts', async () => {
      const ids = [newConversationId(), newConversationId(), newConversationId()]
      await store.conversations.put(conversation(ids[0], 100, 1))
      await store.conversations.put(conversation(ids[1], 300, 0))
      await store.conversations.put(conversation(ids[2], 200, 5))
      let page = await store.conversations.byActivity()
      expect(page.items.map((c) => c.id)).toEqual([ids[1], ids[2], ids[0]])
      expect(page.items.map((c) => c.unreadCount)).toEqual([0, 5, 1])
      const updated = await store.conversations.recordActivity(ids[0], 400, { unread: true, clock: 9 })
      expect(updated?.unreadCount).toBe(2)
      page = await store.conversations.byActivity({ limit: 2 })
      expect(page.items.map((c) => c.id)).toEqual([ids[0], ids[1]])
      const rest = await store.conversations.byActivity({ limit: 2, cursor: page.cursor })
      expect(rest.items.map((c) => c.id)).toEqual([ids[2]])
      await store.conversations.markRead(ids[0])
      expect((await store.conversations.get(ids[0]))?.unreadCount).toBe(0)
    })

    it('returns the latest messages and pages backwards', async () => {
      const conv = newConversationId()
      const other = newConversationId()
      await store.transaction(async (tx) => {
        for (let i = 1; i <= 120; i++) await tx.messages.put(message(conv, i))
        await tx.messages.put(message(other, 1))
      })
      const seen: number[] = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await store.messages.latest(conv, { limit: 50, cursor })
        seen.push(...page.items.map((m) => m.clock))
        cursor = page.cursor
        pages++
      } while (cursor !== undefined)
      expect(pages).toBe(3)
      expect(seen).toEqual(Array.from({ length: 120 }, (_, i) => 120 - i))
      const m = await store.messages.get(message(conv, 77).id)
      expect(dec.decode(m?.content)).toBe('text 77')
      expect(await store.messages.get('unknown')).toBeUndefined()
    })

    it('orders by clock then sender timestamp, and moves a message whose position changes', async () => {
      const conv = newConversationId()
      await store.messages.put(message(conv, 1, { id: 'a', clock: 5, senderTimestamp: 20 }))
      await store.messages.put(message(conv, 2, { id: 'b', clock: 5, senderTimestamp: 10 }))
      await store.messages.put(message(conv, 3, { id: 'c', clock: 4, senderTimestamp: 99 }))
      expect((await store.messages.latest(conv)).items.map((m) => m.id)).toEqual(['a', 'b', 'c'])
      await store.messages.put(message(conv, 3, { id: 'c', clock: 6, senderTimestamp: 99 }))
      expect((await store.messages.latest(conv)).items.map((m) => m.id)).toEqual(['c', 'a', 'b'])
      expect(await store.messages.setStatus('a', 'read')).toBe(true)
      expect((await store.messages.get('a'))?.status).toBe('read')
      expect(await store.messages.delete('b')).toBe(true)
      expect(await store.messages.delete('b')).toBe(false)
      expect((await store.messages.latest(conv)).items.map((m) => m.id)).toEqual(['c', 'a'])
    })

    it('writes a transaction atomically, with read-your-writes inside it', async () => {
      const conv = newConversationId()
      await store.outbox.put(outboxEntry('env-1', 10))
      await store.transaction(async (tx) => {
        await tx.messages.put(message(conv, 1))
        expect((await tx.messages.get(message(conv, 1).id))?.clock).toBe(1)
        expect(await store.messages.get(message(conv, 1).id)).toBeUndefined() // not committed yet
        await tx.sessions.put('me', 'them', new Uint8Array([7]))
        expect(await tx.outbox.delete('env-1')).toBe(true)
      })
      expect(await store.messages.get(message(conv, 1).id)).toBeDefined()
      expect(await store.sessions.get('me', 'them')).toEqual(new Uint8Array([7]))
      expect(await store.outbox.get('env-1')).toBeUndefined()

      await expect(store.transaction(async (tx) => {
        await tx.messages.put(message(conv, 2))
        await tx.sessions.put('me', 'them', new Uint8Array([8]))
        throw new Error('boom')
      })).rejects.toThrow('boom')
      expect(await store.messages.get(message(conv, 2).id)).toBeUndefined()
      expect(await store.sessions.get('me', 'them')).toEqual(new Uint8Array([7]))
    })

    it('runs parts of a transaction: a failed part leaves nothing of itself, the others commit once, each sees the ones before it', async () => {
      const conv = newConversationId()
      await store.sessions.put('me', 'them', new Uint8Array([1]))
      const seen: Array<Uint8Array | undefined> = []
      await store.transaction(async (tx, part) => {
        await part(async (p) => {
          await p.sessions.put('me', 'them', new Uint8Array([2]))
          await p.messages.put(message(conv, 1))
        })
        await expect(part(async (p) => {
          seen.push(await p.sessions.get('me', 'them'))
          await p.sessions.put('me', 'them', new Uint8Array([3]))
          await p.messages.put(message(conv, 2))
          seen.push(await p.sessions.get('me', 'them'))
          throw new Error('poison')
        })).rejects.toThrow('poison')
        await part(async (p) => {
          seen.push(await p.sessions.get('me', 'them'))
          expect(await p.messages.get(message(conv, 2).id)).toBeUndefined()
          await p.sessions.put('me', 'them', new Uint8Array([4]))
          await p.messages.put(message(conv, 3))
        })
        // nothing committed before the transaction ends; the transaction sees its parts
        expect(await store.messages.get(message(conv, 1).id)).toBeUndefined()
        expect(await tx.sessions.get('me', 'them')).toEqual(new Uint8Array([4]))
        await expect(part(async () => await part(async () => {}))).rejects.toMatchObject({ code: 'ERR_STORE_UNSUPPORTED' })
      })
      expect(seen).toEqual([new Uint8Array([2]), new Uint8Array([3]), new Uint8Array([2])])
      expect(await store.sessions.get('me', 'them')).toEqual(new Uint8Array([4]))
      expect((await store.messages.latest(conv)).items.map((m) => m.clock)).toEqual([3, 1])

      // a transaction that throws after its parts succeeded writes nothing of them
      await expect(store.transaction(async (_tx, part) => {
        await part(async (p) => { await p.sessions.put('me', 'them', new Uint8Array([5])) })
        throw new Error('boom')
      })).rejects.toThrow('boom')
      expect(await store.sessions.get('me', 'them')).toEqual(new Uint8Array([4]))
    })

    it('keeps the outbox ordered by next attempt', async () => {
      await store.outbox.put(outboxEntry('e1', 300))
      await store.outbox.put(outboxEntry('e2', 100))
      await store.outbox.put(outboxEntry('e3', 200))
      expect((await store.outbox.due(250)).items.map((e) => e.id)).toEqual(['e2', 'e3'])
      await store.outbox.put({ ...outboxEntry('e2', 1000), attempts: 1, lastError: 'timeout' })
      expect((await store.outbox.due(250)).items.map((e) => e.id)).toEqual(['e3'])
      expect((await store.outbox.get('e2'))?.attempts).toBe(1)
      expect((await store.outbox.due(5000)).items.map((e) => e.id)).toEqual(['e3', 'e1', 'e2'])
    })

    it('tracks delivery and read state per recipient, only forwards', async () => {
      await store.receipts.set('m1', 'dev-a', 'delivered', 10)
      await store.receipts.set('m1', 'dev-a', 'read', 20)
      await store.receipts.set('m1', 'dev-a', 'delivered', 30)
      await store.receipts.set('m1', 'dev-b', 'stored', 15)
      const r = await store.receipts.get('m1')
      expect(r?.targets).toEqual({ 'dev-a': { state: 'read', at: 20 }, 'dev-b': { state: 'stored', at: 15 } })
    })

    it('lists and purges what expires before T', async () => {
      const conv = newConversationId()
      await store.messages.put(message(conv, 1, { expiresAt: 500 }))
      await store.messages.put(message(conv, 2, { expiresAt: 100 }))
      await store.messages.put(message(conv, 3))
      await store.receipts.set(message(conv, 2).id, 'dev', 'read', 1)
      expect((await store.expiry.before(501)).items.map((e) => [e.expiresAt, e.messageId])).toEqual([[100, message(conv, 2).id], [500, message(conv, 1).id]])
      expect((await store.expiry.before(100)).items).toEqual([])
      expect(await store.expiry.purge(200)).toBe(1)
      expect(await store.messages.get(message(conv, 2).id)).toBeUndefined()
      expect(await store.receipts.get(message(conv, 2).id)).toBeUndefined()
      expect((await store.messages.latest(conv)).items.map((m) => m.clock)).toEqual([3, 1])
      // changing the expiry moves the index entry
      await store.messages.put(message(conv, 1, { expiresAt: 50 }))
      expect((await store.expiry.before(1000)).items.map((e) => e.expiresAt)).toEqual([50])
    })

    it('deletes a conversation with its messages', async () => {
      const conv = newConversationId()
      await store.conversations.put(conversation(conv, 5))
      await store.messages.put(message(conv, 1, { expiresAt: 100 }))
      await store.messages.put(message(conv, 2))
      await store.conversations.delete(conv)
      expect(await store.conversations.get(conv)).toBeUndefined()
      expect(await store.messages.get(message(conv, 1).id)).toBeUndefined()
      expect((await store.expiry.before(1000)).items).toEqual([])
      expect((await store.conversations.byActivity()).items).toEqual([])
    })

    it('serves as libp2p datastore', async () => {
      const ds = store.datastore
      await ds.put(new Key('/peers/abc'), new Uint8Array([1]))
      await ds.put(new Key('/peers/abd'), new Uint8Array([2]))
      await ds.put(new Key('/dht/record/x'), new Uint8Array([3]))
      expect(await ds.get(new Key('/peers/abc'))).toEqual(new Uint8Array([1]))
      expect(await ds.has(new Key('/peers/zzz'))).toBe(false)
      await expect(ds.get(new Key('/peers/zzz'))).rejects.toMatchObject({ name: 'NotFoundError' })
      const found: string[] = []
      for await (const { key } of ds.query({ prefix: '/peers' })) found.push(key.toString())
      expect(found).toEqual(['/peers/abc', '/peers/abd'])
      const b = ds.batch()
      b.delete(new Key('/peers/abc'))
      b.put(new Key('/peers/new'), new Uint8Array([4]))
      await b.commit()
      const keys: string[] = []
      for await (const k of ds.queryKeys({})) keys.push(k.toString())
      expect(keys.sort()).toEqual(['/dht/record/x', '/peers/abd', '/peers/new'])
    })

    it('persists across close and reopen', async () => {
      const conv = newConversationId()
      await store.messages.put(message(conv, 1))
      await store.contacts.put(contact('acc-x', 'X'))
      await store.close()
      store = await h.open(db)
      expect((await store.messages.get(message(conv, 1).id))?.clock).toBe(1)
      expect((await store.contacts.get('acc-x'))?.name).toBe('X')
    })

    it('keeps plaintext out of database keys', async () => {
      const conv = newConversationId()
      await store.contacts.put(contact('acc-MARKER-ID', 'MARKER-NAME'))
      await store.messages.put(message(conv, 1, { id: 'MARKER-MSG', content: enc.encode('MARKER-TEXT') }))
      await store.sessions.put('MARKER-DEV-1', 'MARKER-DEV-2', new Uint8Array([1]))
      await store.settings.put('MARKER-SETTING', 'MARKER-VALUE')
      await store.outbox.put(outboxEntry('MARKER-OUTBOX', 1))
      await store.close()
      await h.raw(db, async (kv) => {
        for await (const [k, v] of kv.entries({})) {
          expect(dec.decode(k)).not.toContain('MARKER')
          expect(dec.decode(v)).not.toContain('MARKER')
          if (!startsWith(k, PREFIX.keyring)) expect([1, 2]).toContain(v[0]) // every value sealed
        }
      })
      store = await h.open(db)
    })

    it('turns a flipped bit into IntegrityError for that record only', async () => {
      const conv = newConversationId()
      for (let i = 1; i <= 5; i++) await store.messages.put(message(conv, i))
      await store.contacts.put(contact('acc-1', 'One'))
      await store.contacts.put(contact('acc-2', 'Two'))
      await store.close()
      await h.raw(db, async (kv) => {
        const msgKeys = await rawKeys(kv, PREFIX.message)
        await flipBit(kv, msgKeys[2]) // clock 3
        const contactKeys = await rawKeys(kv, PREFIX.contact)
        // move contact 0's value under contact 1's key: AD binding must catch it
        await kv.batch([{ type: 'put', key: contactKeys[1], value: (await kv.get(contactKeys[0]))! }])
      })
      store = await h.open(db)
      await expect(store.messages.get(message(conv, 3).id)).rejects.toBeInstanceOf(IntegrityError)
      await expect(store.messages.get(message(conv, 3).id)).rejects.toMatchObject({ code: 'ERR_STORE_INTEGRITY' })
      expect((await store.messages.get(message(conv, 4).id))?.clock).toBe(4)
      const page = await store.messages.latest(conv)
      expect(page.items.map((m) => m.clock)).toEqual([5, 4, 2, 1])
      expect(page.damaged).toBe(1)
      const contacts = await store.contacts.list()
      expect(contacts.items).toHaveLength(1)
      expect(contacts.damaged).toBe(1)
      // the damaged record can be overwritten
      await store.messages.put(message(conv, 3))
      expect((await store.messages.get(message(conv, 3).id))?.clock).toBe(3)
    })

    it('rejects oversized values and pages', async () => {
      await expect(store.identity.put('big', new Uint8Array(MAX_VALUE_BYTES + 1))).rejects.toBeInstanceOf(ValueTooLargeError)
      await expect(store.messages.latest(newConversationId(), { limit: 10_000 })).rejects.toBeInstanceOf(InvalidQueryError)
      await expect(store.messages.latest(newConversationId(), { cursor: 'zz' })).rejects.toBeInstanceOf(InvalidQueryError)
      await expect(store.conversations.get('not-hex')).rejects.toMatchObject({ code: 'ERR_STORE_INVALID_RECORD' })
    })

    it('honours abort signals and refuses use after close', async () => {
      const ac = new AbortController()
      ac.abort()
      await expect(store.settings.put('x', 1, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' })
      await expect(store.messages.latest(newConversationId(), { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' })
      await expect(store.transaction(async () => {}, { signal: ac.signal })).rejects.toMatchObject({ name: 'AbortError' })
      await store.close()
      await expect(store.settings.get('x')).rejects.toBeInstanceOf(StoreClosedError)
      store = await h.open(db)
    })

    it('wipes everything', async () => {
      await store.contacts.put(contact('acc-1', 'One'))
      await store.wipe({ keepFiles: true })
      await h.raw(db, async (kv) => { expect(await rawKeys(kv)).toEqual([]) })
      store = await h.open(db)
      expect(await store.contacts.get('acc-1')).toBeUndefined()
    })

    it('migrates the frozen v1 fixture to the current version', async () => {
      await store.close()
      const fixtureDb = `${db}-v1`
      await h.raw(fixtureDb, async (kv) => {
        await kv.batch(v1Dump.pairs.map(([k, v]) => ({ type: 'put' as const, key: fromHex(k), value: fromHex(v) })))
      })
      store = await h.open(fixtureDb, { passphrase: v1Dump.passphrase })
      await checkMigratedV1(store)
    })

    if (makeHarness().passphrase) {
      it('rejects a wrong passphrase with a typed error, and changes the passphrase', async () => {
        await store.settings.put('k', 'v')
        await store.close()
        await expect(h.open(db, { passphrase: 'wrong' })).rejects.toBeInstanceOf(WrongPassphraseError)
        await expect(h.open(db, { passphrase: 'wrong' })).rejects.toMatchObject({ code: 'ERR_WRONG_PASSPHRASE' })
        store = await h.open(db)
        await expect(store.changePassphrase('wrong', 'new-pass')).rejects.toBeInstanceOf(WrongPassphraseError)
        await store.changePassphrase(PASSPHRASE, 'new-pass')
        await store.close()
        await expect(h.open(db)).rejects.toBeInstanceOf(WrongPassphraseError)
        store = await h.open(db, { passphrase: 'new-pass' })
        expect(await store.settings.get('k')).toBe('v')
      })
    }
  })
}

/** The default passphrase harnesses use. */
export const PASSPHRASE = 'suite-passphrase'

export { TEST_KDF } from './store-suite-constants.js'

/** What the v1 fixture must look like after migration. */
export async function checkMigratedV1 (store: Store): Promise<void> {
  expect(store.version).toBe(CURRENT_VERSION)
  const alice = await store.contacts.get('account-alice-v1')
  expect(alice?.name).toBe('Alice V1')
  expect(alice?.verification).toBe('verified')
  expect(alice?.keyHistory).toEqual([])
  expect(alice).not.toHaveProperty('verified')
  expect((await store.contacts.get('account-bob-v1'))?.verification).toBe('unverified')
  const conv = '0123456789abcdef0123456789abcdef'
  const page = await store.messages.latest(conv)
  expect(page.items.map((m) => dec.decode(m.content))).toEqual(['hello v1 #3', 'hello v1 #2', 'hello v1 #1'])
  expect((await store.expiry.before(2_000_000_000_000)).items).toEqual([{ expiresAt: 1_700_000_500_000, messageId: 'v1-message-2', conversationId: conv }])
  expect((await store.conversations.byActivity()).items.map((c) => c.unreadCount)).toEqual([2])
  expect(await store.settings.get('theme')).toBe('dark')
  expect(await store.sessions.get('my-device', 'alice-device')).toEqual(new Uint8Array([9, 9, 9]))
  // migrated records are writable with the v2 code
  expect(await store.expiry.purge(1_700_000_600_000)).toBe(1)
  expect(await store.messages.get('v1-message-2')).toBeUndefined()
}

export { toHex, utf8 }
