import type { AbortOptions } from '@libp2p/interface'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { MailboxOwner } from '../../wire/relay-store.js'
import { QuotaExceededError } from '../errors.js'
import { K, end } from './keys.js'
import type { MailboxStats } from './counters.js'
import type { BatchOp, StoreParts } from './types.js'

/** The owner facts of a mailbox, if an owner ever authenticated. */
export async function getOwner (parts: StoreParts, mailbox: string, options: AbortOptions = {}): Promise<MailboxOwner | undefined> {
  options.signal?.throwIfAborted()
  const value = await parts.db.get(K.owner(mailbox))
  return value === undefined ? undefined : MailboxOwner.decode(value)
}

/** Why `creator` may not create one more owned mailbox (its address's share is used up), or undefined. */
export function ownedShareRefusal (parts: StoreParts, creator: number): QuotaExceededError | undefined {
  const share = parts.counters.ownedShares.refusal(creator, 1)
  if (share == null) return undefined
  const what = share === 'address' ? 'network address' : 'IPv6 /48 network'
  return new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${what} has created its share of the mailboxes held here; try later`, share === 'address' ? 'address_mailboxes' : 'network_mailboxes')
}

/**
 * Records an owner's facts and marks the mailbox owned. A first login (the mailbox becomes
 * owned) counts in the creating address's owned-mailbox share (`creator`, a share tag) and, when
 * nothing was ever deposited to it, makes it provisional; a later login while it holds prekeys
 * ends that. A new owner finding the relay's mailbox count reached first has `makeRoom` evict one.
 */
export async function setOwner (parts: StoreParts, mailbox: string, owner: MailboxOwner, makeRoom: () => Promise<void>, options: AbortOptions & { creator?: number } = {}): Promise<void> {
  const { counters, limits, db } = parts
  const creator = options.creator ?? 0
  if (!counters.isOwned(mailbox)) {
    const refusal = ownedShareRefusal(parts, creator)
    if (refusal != null) throw refusal
  }
  if (!counters.stats.has(mailbox) && counters.stats.size >= limits.maxMailboxes) await makeRoom()
  await parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const ops: BatchOp[] = [{ type: 'put', key: K.owner(mailbox), value: MailboxOwner.encode(owner) }]
    const s = counters.stats.get(mailbox)
    if (s == null && counters.stats.size >= limits.maxMailboxes) throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes', 'mailboxes')
    if (s?.owned === true) {
      // logged in again while holding prekeys: a device that came back, not a throwaway
      const settled = s.provisional === true && (s.prekeys > 0 || (s.prekeyBytes ?? 0) > 0)
      if (settled) {
        const next = { ...s }
        delete next.provisional
        counters.save(mailbox, next, ops, true)
      }
      await parts.gate.write(async () => { await db.batch(ops) })
      if (settled) counters.provisional.delete(mailbox)
      return
    }
    const refusal = ownedShareRefusal(parts, creator)
    if (refusal != null) throw refusal
    const owned: MailboxStats = { ...counters.of(mailbox), owned: true, creator, ownedAt: Number(owner.lastAuthAt) }
    delete owned.since
    // nothing ever deposited to it (an unowned mailbox holding envelopes has had some)
    if (s == null) owned.provisional = true
    counters.ownedShares.add(creator, 1)
    counters.save(mailbox, owned, ops, true)
    try {
      await parts.gate.write(async () => { await db.batch(ops) })
    } catch (err) {
      counters.ownedShares.remove(creator, 1)
      if (s == null) counters.stats.delete(mailbox)
      else counters.stats.set(mailbox, s)
      throw err
    }
    counters.unowned.delete(mailbox)
    if (owned.provisional === true) counters.provisional.add(mailbox)
  })
}

/** Every mailbox with owner facts, for the inactivity sweep. */
export async function * owners (parts: StoreParts): AsyncGenerator<[string, MailboxOwner]> {
  for await (const [key, value] of parts.db.iterator({ gte: 'o!', lt: end('o!') })) yield [key.slice(2), MailboxOwner.decode(value)]
}
