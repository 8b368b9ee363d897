import type { AbortOptions } from '@libp2p/interface'
import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { MailboxPrekey } from '../../wire/mailbox.js'
import { DEFAULT_MAILBOX_PREKEY_MAX_BYTES } from '../constants.js'
import { QuotaExceededError } from '../errors.js'
import { takeToken, type RateLimit } from '../../net/rate-limiter.js'
import { K, KINDS, end } from './keys.js'
import type { MailboxDb, BatchOp, PrekeyTake, StoreParts, TakenPrekey } from './types.js'

/** One upload of an owner's prekeys. */
export interface PrekeyUpload {
  oneTime: MailboxPrekey[]
  /** At most one per kind; replaces that kind's last-resort key. */
  lastResort: MailboxPrekey[]
  /** Drop the one-time keys held first. */
  replace: boolean
  /** Byte-share tag of the uploading address (`MailboxStore.depositorTag`); absent or 0: counted in no share. */
  uploader?: number
}

/** Bytes of every prekey a mailbox holds, read from the database (stats written before prekey bytes were counted). */
async function storedPrekeyBytes (db: MailboxDb, mailbox: string): Promise<number> {
  let bytes = 0
  for (const prefix of [K.prekeyPrefix(mailbox), K.lastResortPrefix(mailbox)]) {
    for await (const value of db.values({ gte: prefix, lt: end(prefix) })) bytes += value.length
  }
  return bytes
}

/**
 * Stores one-time prekeys (and last-resort keys, one per kind); returns the one-time count held.
 * Their bytes count like envelopes': in the mailbox's bytes, the relay's storage cap and the
 * uploading address's share; a mailbox holds at most `mailboxPrekeyMaxBytes` of them. A refused
 * upload changes nothing.
 */
export async function putPrekeys (parts: StoreParts, mailbox: string, upload: PrekeyUpload, options: AbortOptions = {}): Promise<number> {
  const { db, counters, limits } = parts
  return parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const s = { ...counters.of(mailbox) }
    /** What the totals and shares count for this mailbox now. */
    const counted = s.prekeyBytes ?? 0
    const held = s.prekeyBytes ?? await storedPrekeyBytes(db, mailbox)
    const lastResortHeld = await db.getMany(KINDS.map((kind) => K.lastResort(mailbox, kind)))
    const ops: BatchOp[] = []
    let count = s.prekeys
    let oneTimeBytes = Math.max(0, held - lastResortHeld.reduce((sum, v) => sum + (v?.length ?? 0), 0))
    if (upload.replace) {
      for await (const key of db.keys({ gte: K.prekeyPrefix(mailbox), lt: end(K.prekeyPrefix(mailbox)) })) ops.push({ type: 'del', key })
      count = 0
      oneTimeBytes = 0
    }
    // the same key twice in one upload: the last one is stored
    const oneTime = new Map(upload.oneTime.map((p) => [K.prekey(mailbox, p.kind, p.id), MailboxPrekey.encode(p)]))
    const keys = [...oneTime.keys()]
    const existing = upload.replace ? [] : await db.getMany(keys)
    keys.forEach((key, i) => {
      const value = oneTime.get(key) as Uint8Array
      const old = existing[i]
      if (old === undefined) count++
      oneTimeBytes += value.length - (old?.length ?? 0)
      ops.push({ type: 'put', key, value })
    })
    const lastResort = new Map(upload.lastResort.map((p) => [p.kind, MailboxPrekey.encode(p)]))
    let lastResortBytes = 0
    KINDS.forEach((kind, i) => {
      const value = lastResort.get(kind)
      if (value !== undefined) ops.push({ type: 'put', key: K.lastResort(mailbox, kind), value })
      lastResortBytes += (value ?? lastResortHeld[i])?.length ?? 0
    })
    const after = oneTimeBytes + lastResortBytes
    const maxBytes = limits.mailboxPrekeyMaxBytes ?? DEFAULT_MAILBOX_PREKEY_MAX_BYTES
    if (count > limits.maxPrekeysPerMailbox) {
      throw new QuotaExceededError(MailboxErrorCode.PREKEY_LIMIT, `A mailbox holds at most ${limits.maxPrekeysPerMailbox} one-time prekeys`, 'prekeys')
    }
    if (after > maxBytes) throw new QuotaExceededError(MailboxErrorCode.PREKEY_LIMIT, `A mailbox holds at most ${maxBytes} bytes of prekeys`, 'prekey_bytes')
    if (s.bytes + after > limits.mailboxMaxBytes) throw new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox byte quota (${limits.mailboxMaxBytes}) exceeded`, 'mailbox_bytes')
    const uploader = upload.uploader ?? 0
    // the mailbox's prekey bytes move to the uploader's share (usually the same address)
    const needed = s.prekeyTag === uploader ? after - counted : after
    const share = needed > 0 ? counters.shares.refusal(uploader, needed) : undefined
    if (share != null) {
      throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${share === 'address' ? 'network address' : 'IPv6 /48 network'} holds its share of the relay's storage; try later`, share === 'address' ? 'address_storage' : 'network_storage')
    }
    if (after > counted && counters.totalBytes + after - counted > limits.storageMaxBytes) throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay storage is full', 'storage')
    const oldTag = s.prekeyTag
    if (oldTag !== undefined) counters.shares.remove(oldTag, counted)
    counters.shares.add(uploader, after)
    s.prekeys = count
    s.prekeyBytes = after
    s.prekeyTag = uploader
    const before = counters.stats.get(mailbox)
    counters.save(mailbox, s, ops, true)
    try {
      await parts.gate.write(async () => { await db.batch(ops) })
    } catch (err) {
      counters.shares.remove(uploader, after)
      if (oldTag !== undefined) counters.shares.add(oldTag, counted)
      if (before != null) counters.stats.set(mailbox, before)
      else counters.stats.delete(mailbox)
      throw err
    }
    counters.totalBytes += after - counted
    return s.prekeys
  })
}

/** What a take may hand out: one-time keys within the mailbox's budget (all takers together). */
export interface TakeOptions extends AbortOptions {
  /** The mailbox's one-time budget; a take spends one token. Absent: no budget. */
  budget?: RateLimit
  /** Clock for the budget (ms). */
  now?: number
}

/**
 * One prekey per kind the mailbox has: a one-time key (deleted as it is handed out, so never
 * given twice), or the last-resort key when that kind's pool is empty or the mailbox's one-time
 * budget is spent (`withheld`). The budget lives in the mailbox's own counters (persisted with
 * the take), so no activity elsewhere on the relay resets it.
 */
export async function takePrekeys (parts: StoreParts, mailbox: string, options: TakeOptions = {}): Promise<PrekeyTake> {
  const { db, counters } = parts
  return parts.mutex.run(mailbox, async () => {
    options.signal?.throwIfAborted()
    const s = { ...counters.of(mailbox) }
    let oneTime = s.prekeys > 0
    let withheld = false
    if (oneTime && options.budget != null) {
      const take = takeToken(s.prekeyBudget, options.budget, options.now ?? Date.now())
      oneTime = take.ok
      withheld = !take.ok
      s.prekeyBudget = take.bucket
    }
    const out: TakenPrekey[] = []
    const ops: BatchOp[] = []
    let taken = 0
    let bytes = 0
    for (const kind of KINDS) {
      let found = false
      const pool = oneTime ? db.iterator({ gte: K.prekeyPrefix(mailbox, kind), lt: end(K.prekeyPrefix(mailbox, kind)), limit: 1 }) : []
      for await (const [key, value] of pool) {
        out.push({ prekey: MailboxPrekey.decode(value), lastResort: false })
        ops.push({ type: 'del', key })
        taken++
        bytes += value.length
        found = true
      }
      if (!found) {
        const last = await db.get(K.lastResort(mailbox, kind))
        if (last !== undefined) out.push({ prekey: MailboxPrekey.decode(last), lastResort: true })
      }
    }
    if (taken > 0) {
      s.prekeys = Math.max(0, s.prekeys - taken)
      const counted = s.prekeyBytes !== undefined
      if (counted) s.prekeyBytes = Math.max(0, (s.prekeyBytes ?? 0) - bytes)
      counters.save(mailbox, s, ops, true)
      await parts.gate.write(async () => { await db.batch(ops) })
      if (counted) {
        counters.totalBytes = Math.max(0, counters.totalBytes - bytes)
        if (s.prekeyTag !== undefined) counters.shares.remove(s.prekeyTag, bytes)
      }
    }
    return { prekeys: out, withheld }
  })
}
