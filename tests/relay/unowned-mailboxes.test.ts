import { randomBytes } from 'node:crypto'
import { Level } from 'level'
import { afterEach, describe, expect, it } from 'vitest'
import { StoredByteShares } from '../../src/relay/byte-shares.js'
import { QuotaExceededError } from '../../src/relay/errors.js'
import { MAILBOX_LAYOUT, MailboxStore, type MailboxStoreLimits } from '../../src/relay/mailbox-store/index.js'
import { MailboxOwner } from '../../src/wire/relay-store.js'
import { Envelope } from '../../src/wire/parley.js'
import { tempDir } from '../helpers/network.js'

const LIMITS: MailboxStoreLimits = {
  mailboxMaxEnvelopes: 1000, mailboxMaxBytes: 1 << 30, storageMaxBytes: 1 << 30, maxMailboxes: 1000, maxPrekeysPerMailbox: 10,
  maxUnownedMailboxes: 10, unownedMailboxMaxBytes: 1000, unownedMailboxMaxEnvelopes: 3
}
const OWNER = { accountKey: new Uint8Array(32), inactivityDays: 30, lastAuthAt: 1n, recordSequence: 1n }

function depositFor (mailbox: string, size = 200, depositor = 0): Parameters<MailboxStore['deposit']>[0] {
  const id = randomBytes(16)
  const bytes = Envelope.encode({ version: 1, id, recipientDevice: Buffer.from(mailbox, 'hex'), payload: randomBytes(size), createdAt: 1n, expiresAt: 0n, flags: 0 })
  return { mailbox, id: id.toString('hex'), bytes, expiresAt: Date.now() + 3_600_000, secret: false, now: Date.now(), depositor }
}

async function quotaOf (p: Promise<unknown>): Promise<string> {
  try { await p; return 'ok' } catch (err) { return err instanceof QuotaExceededError ? `${err.code}/${err.quota ?? ''}` : `unexpected: ${(err as Error).message}` }
}

describe('mailbox store: unowned mailboxes and byte shares', () => {
  const cleanups: Array<() => Promise<void>> = []
  afterEach(async () => { for (const c of cleanups.splice(0)) await c() })

  async function storeIn (path: string, limits: Partial<MailboxStoreLimits> = {}): Promise<MailboxStore> {
    const store = new MailboxStore(path, { ...LIMITS, ...limits })
    await store.open()
    cleanups.unshift(async () => { await store.close() })
    return store
  }

  it('gives a mailbox no owner has authenticated small quotas of its own, lifted once the owner authenticates', async () => {
    const dir = await tempDir('parley-unowned-')
    cleanups.push(dir.cleanup)
    const store = await storeIn(`${dir.path}/mailboxes`)
    const mailbox = randomBytes(32).toString('hex')
    expect(await quotaOf(store.deposit(depositFor(mailbox, 600)))).toBe('ok')
    expect(await quotaOf(store.deposit(depositFor(mailbox, 600)))).toBe('ERR_MAILBOX_FULL/unowned_mailbox_bytes')
    expect(await quotaOf(store.deposit(depositFor(mailbox, 10)))).toBe('ok')
    expect(await quotaOf(store.deposit(depositFor(mailbox, 10)))).toBe('ok')
    expect(await quotaOf(store.deposit(depositFor(mailbox, 10)))).toBe('ERR_MAILBOX_FULL/unowned_mailbox_envelopes')
    expect(store.unownedMailboxes).toBe(1)
    await store.setOwner(mailbox, OWNER)
    expect(store.isOwned(mailbox)).toBe(true)
    expect(store.unownedMailboxes).toBe(0)
    expect(await quotaOf(store.deposit(depositFor(mailbox, 2000)))).toBe('ok')
  })

  it('caps how many unowned mailboxes it holds', async () => {
    const dir = await tempDir('parley-unowned-')
    cleanups.push(dir.cleanup)
    const store = await storeIn(`${dir.path}/mailboxes`, { maxUnownedMailboxes: 3 })
    const results = await Promise.all(Array.from({ length: 5 }, async () => quotaOf(store.deposit(depositFor(randomBytes(32).toString('hex'))))))
    expect(results.filter((r) => r === 'ok')).toHaveLength(3)
    expect(results.filter((r) => r === 'ERR_STORAGE_FULL/unowned_mailboxes')).toHaveLength(2)
  })

  it('opens a database from before: an owner whose counters were dropped when its mailbox emptied is owned again', async () => {
    const dir = await tempDir('parley-unowned-')
    cleanups.push(dir.cleanup)
    const path = `${dir.path}/mailboxes`
    const owned = randomBytes(32).toString('hex')
    const old = new Level<string, Uint8Array>(path, { keyEncoding: 'utf8', valueEncoding: 'view' })
    await old.put('v!layout', new TextEncoder().encode(String(MAILBOX_LAYOUT)))
    await old.put(`o!${owned}`, MailboxOwner.encode(OWNER)) // owner facts, no `s!` counters
    await old.close()
    const store = await storeIn(path, { maxMailboxes: 1 })
    expect(store.isOwned(owned)).toBe(true)
    expect(store.mailboxes).toBe(1)
    expect(await quotaOf(store.deposit(depositFor(owned)))).toBe('ok')
    expect(await quotaOf(store.deposit(depositFor(randomBytes(32).toString('hex'))))).toBe('ERR_STORAGE_FULL/mailboxes')
  })

  it('counts stored bytes per depositor tag until the envelopes go, and ignores tags of another process', async () => {
    const dir = await tempDir('parley-unowned-')
    cleanups.push(dir.cleanup)
    const store = await storeIn(`${dir.path}/mailboxes`, { storedBytesPerAddress: 1000 })
    const tag = store.depositorTag({ address: '203.0.113.7' })
    const mailbox = randomBytes(32).toString('hex')
    await store.setOwner(mailbox, OWNER)
    const first = depositFor(mailbox, 500, tag)
    expect(await quotaOf(store.deposit(first))).toBe('ok')
    expect(await quotaOf(store.deposit(depositFor(mailbox, 500, tag)))).toBe('ERR_STORAGE_FULL/address_storage')
    // another address, and an exempt one (tag 0), are not affected
    expect(await quotaOf(store.deposit(depositFor(mailbox, 500, store.depositorTag({ address: '203.0.113.8' }))))).toBe('ok')
    expect(await quotaOf(store.deposit(depositFor(mailbox, 500, store.depositorTag(undefined))))).toBe('ok')
    expect(await store.ack(mailbox, [first.id])).toBe(1)
    expect(store.storedBy(tag)).toBe(0)
    expect(await quotaOf(store.deposit(depositFor(mailbox, 500, tag)))).toBe('ok')
    // a tag from another relay process (before a restart) counts nowhere
    expect(new StoredByteShares(1000).heldBy(tag)).toBe(0)
  })

  it('gives an IPv6 /48 eight addresses\' worth across its /64s', () => {
    const shares = new StoredByteShares(100)
    let stored = 0
    for (let i = 0; i < 20; i++) {
      const tag = shares.tagOf({ address: `2001:db8:1:${i.toString(16)}::/64`, network: '2001:db8:1::/48' })
      while (shares.refusal(tag, 50) == null) { shares.add(tag, 50); stored += 50 }
    }
    expect(stored).toBe(800)
  })
})
