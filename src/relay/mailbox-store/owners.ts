import type { AbortOptions } from '@libp2p/interface'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { MailboxOwner } from '../../wire/mailbox.js'
import { QuotaExceededError } from '../errors.js'
import { K, end } from './keys.js'
import type { BatchOp, StoreParts } from './types.js'

/** The owner facts of a mailbox, if an owner ever authenticated. */
export async function getOwner (parts: StoreParts, mailbox: string, options: AbortOptions = {}): Promise<MailboxOwner | undefined> {
  options.signal?.throwIfAborted()
  const value = await parts.db.get(K.owner(mailbox))
  return value === undefined ? undefined : MailboxOwner.decode(value)
}

/**
 * Records an owner's facts and marks the mailbox owned. A new owner finding the relay's
 * mailbox count reached first has `evictOldestUnowned` make room.
 */
export async function setOwner (parts: StoreParts, mailbox: string, owner: MailboxOwner, evictOldestUnowned: () => Promise<void>, options: AbortOptions = {}): Promise<void> {
  const { counters, limits } = parts
  if (!counters.stats.has(mailbox) && counters.stats.size >= limits.maxMailboxes) await evictOldestUnowned()
  await parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const ops: BatchOp[] = [{ type: 'put', key: K.owner(mailbox), value: MailboxOwner.encode(owner) }]
    const s = counters.stats.get(mailbox)
    if (s == null && counters.stats.size >= limits.maxMailboxes) throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay holds its maximum number of mailboxes', 'mailboxes')
    if (s?.owned !== true) {
      const owned = { ...counters.of(mailbox), owned: true }
      delete owned.since
      counters.save(mailbox, owned, ops, true)
    }
    await parts.db.batch(ops)
    counters.unowned.delete(mailbox)
  })
}

/** Every mailbox with owner facts, for the inactivity sweep. */
export async function * owners (parts: StoreParts): AsyncGenerator<[string, MailboxOwner]> {
  for await (const [key, value] of parts.db.iterator({ gte: 'o!', lt: end('o!') })) yield [key.slice(2), MailboxOwner.decode(value)]
}
