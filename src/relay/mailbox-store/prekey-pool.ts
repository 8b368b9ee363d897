import type { AbortOptions } from '@libp2p/interface'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { MailboxPrekey } from '../../wire/mailbox.js'
import { QuotaExceededError } from '../errors.js'
import { K, KINDS, end } from './keys.js'
import type { BatchOp, StoreParts, TakenPrekey } from './types.js'

/** Stores one-time prekeys (and last-resort keys, one per kind); returns the one-time count held. */
export async function putPrekeys (parts: StoreParts, mailbox: string, oneTime: MailboxPrekey[], lastResort: MailboxPrekey[], replace: boolean, options: AbortOptions = {}): Promise<number> {
  const { db, counters, limits } = parts
  return parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const ops: BatchOp[] = []
    const s = { ...counters.of(mailbox) }
    if (replace) {
      await db.clear({ gte: K.prekeyPrefix(mailbox), lt: end(K.prekeyPrefix(mailbox)) })
      s.prekeys = 0
    }
    const keys = oneTime.map((p) => K.prekey(mailbox, p.kind, p.id))
    const existing = await db.getMany(keys)
    const fresh = new Set<string>()
    keys.forEach((key, i) => { if (existing[i] === undefined) fresh.add(key) })
    if (s.prekeys + fresh.size > limits.maxPrekeysPerMailbox) {
      throw new QuotaExceededError(MailboxErrorCode.PREKEY_LIMIT, `A mailbox holds at most ${limits.maxPrekeysPerMailbox} one-time prekeys`, 'prekeys')
    }
    oneTime.forEach((p, i) => { ops.push({ type: 'put', key: keys[i], value: MailboxPrekey.encode(p) }) })
    for (const p of lastResort) ops.push({ type: 'put', key: K.lastResort(mailbox, p.kind), value: MailboxPrekey.encode(p) })
    s.prekeys += fresh.size
    counters.save(mailbox, s, ops, true)
    await db.batch(ops)
    return s.prekeys
  })
}

/**
 * One prekey per kind the mailbox has: a one-time key (deleted as it is handed out, so never
 * given twice), or the last-resort key when that kind's pool is empty or `oneTime` is false
 * (the mailbox's one-time budget is spent).
 */
export async function takePrekeys (parts: StoreParts, mailbox: string, options: AbortOptions & { oneTime?: boolean } = {}): Promise<TakenPrekey[]> {
  const { db, counters } = parts
  return parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const out: TakenPrekey[] = []
    const ops: BatchOp[] = []
    let taken = 0
    for (const kind of KINDS) {
      let found = false
      const oneTime = options.oneTime === false ? [] : db.iterator({ gte: K.prekeyPrefix(mailbox, kind), lt: end(K.prekeyPrefix(mailbox, kind)), limit: 1 })
      for await (const [key, value] of oneTime) {
        out.push({ prekey: MailboxPrekey.decode(value), lastResort: false })
        ops.push({ type: 'del', key })
        taken++
        found = true
      }
      if (!found) {
        const last = await db.get(K.lastResort(mailbox, kind))
        if (last !== undefined) out.push({ prekey: MailboxPrekey.decode(last), lastResort: true })
      }
    }
    if (taken > 0) {
      const s = { ...counters.of(mailbox) }
      s.prekeys = Math.max(0, s.prekeys - taken)
      counters.save(mailbox, s, ops, true)
      await db.batch(ops)
    }
    return out
  })
}
