import type { AbortOptions } from '@libp2p/interface'
import { StoredEnvelope } from '../../wire/relay-store.js'
import { K, dec, end, envelopeIdOf, lastPart, timeKey } from './keys.js'
import type { BatchOp, FetchPage, StoreParts } from './types.js'

/** Bodies read by a fetch before it knows their sizes. */
const FETCH_FIRST_CHUNK = 8
/** Expiry index entries read per round of the expiry sweep. */
const EXPIRY_SCAN_BATCH = 5000

/**
 * Removes envelopes by (mailbox, seq), reading each body to learn its id and expiry. Every seq
 * must come from this mailbox's own list or indexes. Runs inside the mailbox lock.
 */
export async function removeLocked (parts: StoreParts, mailbox: string, seqs: string[]): Promise<number> {
  if (seqs.length === 0) return 0
  const { db, counters } = parts
  const values = await db.getMany(seqs.map((seq) => K.body(seq)))
  const ops: BatchOp[] = []
  const s = { ...counters.of(mailbox) }
  let removed = 0
  let bytes = 0
  const released: Array<[number, number]> = []
  seqs.forEach((seq, i) => {
    const value = values[i]
    if (value === undefined) return
    const stored = StoredEnvelope.decode(value)
    const id = envelopeIdOf(stored.envelope)
    ops.push({ type: 'del', key: K.body(seq) }, { type: 'del', key: K.listed(mailbox, seq) })
    if (id != null) ops.push({ type: 'del', key: K.id(mailbox, id) })
    else parts.log.error('stored envelope %s of a mailbox does not decode; its id key stays until the mailbox is purged', seq)
    ops.push({ type: 'del', key: K.exp(Number(stored.expiresAt), mailbox, seq) })
    removed++
    bytes += stored.envelope.length
    released.push([Number(stored.depositor), stored.envelope.length])
  })
  if (removed === 0) return 0
  s.count = Math.max(0, s.count - removed)
  s.bytes = Math.max(0, s.bytes - bytes)
  const before = counters.stats.get(mailbox)
  const wasUnowned = counters.unowned.has(mailbox)
  counters.save(mailbox, s, ops, false)
  try {
    await parts.gate.write(async () => { await db.batch(ops) })
  } catch (err) {
    // nothing was removed: the counters say so again
    if (before != null) counters.stats.set(mailbox, before)
    if (wasUnowned && !counters.unowned.has(mailbox)) counters.unowned.add(mailbox)
    throw err
  }
  for (const [depositor, size] of released) counters.shares.remove(depositor, size)
  counters.removed(removed, bytes)
  return removed
}

/**
 * One page of a mailbox in arrival order after `cursor`. Expired envelopes are skipped;
 * secret envelopes are deleted as they are handed out (held only until first fetch).
 */
export async function fetchPage (parts: StoreParts, mailbox: string, cursor: string, limit: number, maxBytes: number, now: number, options: AbortOptions = {}): Promise<FetchPage> {
  const { db } = parts
  return parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const envelopes: Uint8Array[] = []
    const secretSeqs: string[] = []
    let bytes = 0
    let last = cursor
    let more = false
    let listEnd = false
    let largest = 0
    while (!more && !listEnd) {
      // the next listed seqs, then their bodies: at first a few, then as many as the byte budget
      // left allows at the largest size seen (one more than still wanted tells whether more
      // remain), so that a page of large envelopes never reads many more bodies than it returns
      const wanted = limit - envelopes.length + 1
      const chunk = Math.min(wanted, largest === 0 ? FETCH_FIRST_CHUNK : Math.max(1, Math.floor((maxBytes - bytes) / largest)) + 1)
      const seqs: string[] = []
      const gt = last === '' ? K.listPrefix(mailbox) : K.listed(mailbox, last)
      for await (const key of db.keys({ gt, lt: end(K.listPrefix(mailbox)), limit: chunk })) seqs.push(lastPart(key))
      listEnd = seqs.length < chunk
      if (seqs.length === 0) break
      const bodies = await db.getMany(seqs.map((seq) => K.body(seq)))
      for (let i = 0; i < seqs.length; i++) {
        const value = bodies[i]
        // listed without a body: only after a failed write outside a batch, which the store never does
        if (value === undefined) { last = seqs[i]; continue }
        const stored = StoredEnvelope.decode(value)
        largest = Math.max(largest, stored.envelope.length)
        if (envelopes.length >= limit || (envelopes.length > 0 && bytes + stored.envelope.length > maxBytes)) { more = true; break }
        last = seqs[i]
        if (Number(stored.expiresAt) <= now) continue
        envelopes.push(stored.envelope)
        bytes += stored.envelope.length
        if (stored.secret) secretSeqs.push(last)
      }
    }
    // secret envelopes handed out go now, whatever the signal says: the page is returned
    await removeLocked(parts, mailbox, secretSeqs)
    return { envelopes, cursor: last, more }
  })
}

/** Deletes envelopes by id; returns how many were held. */
export async function ackIds (parts: StoreParts, mailbox: string, ids: string[], options: AbortOptions = {}): Promise<number> {
  return parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const seqs = await parts.db.getMany(ids.map((id) => K.id(mailbox, id)))
    return removeLocked(parts, mailbox, seqs.filter((v): v is Uint8Array => v !== undefined).map((v) => dec.decode(v)))
  })
}

/**
 * Deletes every envelope whose effective expiry is at or before `now`, a mailbox at a time;
 * returns how many. Stops between mailboxes when the signal aborts (or the store closes).
 */
export async function deleteExpired (parts: StoreParts, now: number, isOpen: () => boolean, options: AbortOptions = {}): Promise<number> {
  const { db, mutex } = parts
  let total = 0
  while (isOpen()) {
    const byMailbox = new Map<string, string[]>()
    const keys: string[] = []
    for await (const key of db.keys({ gte: 'x!', lt: `x!${timeKey(now + 1)}`, limit: EXPIRY_SCAN_BATCH })) {
      const [, , mailbox, seq] = key.split('!')
      let list = byMailbox.get(mailbox)
      if (list == null) { list = []; byMailbox.set(mailbox, list) }
      list.push(seq)
      keys.push(key)
    }
    if (keys.length === 0) break
    for (const [mailbox, seqs] of byMailbox) {
      options.signal?.throwIfAborted()
      total += await mutex.run(mailbox, async () => removeLocked(parts, mailbox, seqs))
    }
    // index entries whose envelope was already gone (acked or purged meanwhile) go too
    await parts.gate.write(async () => { await db.batch(keys.map((key) => ({ type: 'del' as const, key }))) })
  }
  return total
}
