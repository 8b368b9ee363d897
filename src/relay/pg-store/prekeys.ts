import { MailboxErrorCode } from '../../net/mailbox-codec.js'
import { takeToken } from '../../net/rate-limiter.js'
import { MailboxPrekey } from '../../wire/mailbox.js'
import { DEFAULT_MAILBOX_PREKEY_MAX_BYTES } from '../constants.js'
import { QuotaExceededError } from '../errors.js'
import { KINDS } from '../mailbox-store/keys.js'
import type { PrekeyUpload, TakeOptions } from '../mailbox-store/prekey-pool.js'
import type { PrekeyTake, TakenPrekey } from '../mailbox-store/types.js'
import { lockMailboxes, type PgParts } from './parts.js'
import { valueRows } from './sql.js'

const toBuffer = (b: Uint8Array): Buffer => Buffer.from(b.buffer, b.byteOffset, b.byteLength)

/**
 * Stores one-time prekeys (and last-resort keys, one per kind) in one transaction holding the
 * mailbox's row; returns the one-time count held. The same limits and order of checks as the
 * LevelDB store (`mailbox-store/prekey-pool.ts`); a refused upload changes nothing (rolled back).
 */
export async function putPrekeys (parts: PgParts, mailbox: string, upload: PrekeyUpload): Promise<number> {
  const { limits, totals, shares } = parts
  const result = await parts.db.tx(async (tx) => {
    await tx`INSERT INTO mailboxes (mailbox) VALUES (${mailbox}) ON CONFLICT DO NOTHING`
    const row = (await lockMailboxes(tx, [mailbox])).get(mailbox)
    if (row == null) throw new Error('mailbox row missing after insert')
    const counted = row.prekeyBytes
    const lastResortHeld = new Map((await tx<Array<{ kind: string, size: number }>>`SELECT kind, length(blob) AS size FROM last_resort WHERE mailbox = ${mailbox}`).map((r) => [r.kind, r.size]))
    let count = row.prekeys
    let oneTimeBytes = Math.max(0, counted - [...lastResortHeld.values()].reduce((s, v) => s + v, 0))
    if (upload.replace) {
      await tx`DELETE FROM prekeys WHERE mailbox = ${mailbox}`
      count = 0
      oneTimeBytes = 0
    }
    // the same key twice in one upload: the last one is stored
    const oneTime = new Map(upload.oneTime.map((p) => [`${p.kind}:${p.id}`, { kind: p.kind, id: p.id, blob: toBuffer(MailboxPrekey.encode(p)) }]))
    const entries = [...oneTime.values()]
    const existing = new Map<string, number>()
    if (!upload.replace && entries.length > 0) {
      const rows = await tx<Array<{ kind: string, id: string, size: number }>>`
        SELECT kind, id, length(blob) AS size FROM prekeys WHERE mailbox = ${mailbox} AND (kind, id) IN (SELECT * FROM unnest(${entries.map((e) => e.kind)}::text[], ${entries.map((e) => e.id)}::bigint[]))`
      for (const r of rows) existing.set(`${r.kind}:${r.id}`, r.size)
    }
    for (const [key, e] of oneTime) {
      const old = existing.get(key)
      if (old === undefined) count++
      oneTimeBytes += e.blob.length - (old ?? 0)
    }
    const lastResort = new Map(upload.lastResort.map((p) => [p.kind as string, toBuffer(MailboxPrekey.encode(p))]))
    let lastResortBytes = 0
    for (const kind of KINDS) lastResortBytes += lastResort.get(kind)?.length ?? lastResortHeld.get(kind) ?? 0
    const after = oneTimeBytes + lastResortBytes
    const maxBytes = limits.mailboxPrekeyMaxBytes ?? DEFAULT_MAILBOX_PREKEY_MAX_BYTES
    if (count > limits.maxPrekeysPerMailbox) throw new QuotaExceededError(MailboxErrorCode.PREKEY_LIMIT, `A mailbox holds at most ${limits.maxPrekeysPerMailbox} one-time prekeys`, 'prekeys')
    if (after > maxBytes) throw new QuotaExceededError(MailboxErrorCode.PREKEY_LIMIT, `A mailbox holds at most ${maxBytes} bytes of prekeys`, 'prekey_bytes')
    if (row.bytes + after > limits.mailboxMaxBytes) throw new QuotaExceededError(MailboxErrorCode.MAILBOX_FULL, `Mailbox byte quota (${limits.mailboxMaxBytes}) exceeded`, 'mailbox_bytes')
    const uploader = upload.uploader ?? 0
    const oldTag = row.prekeyTag ?? 0
    const ledger = await shares.lock(tx, [uploader, oldTag], 'bytes')
    ledger.add(oldTag, -counted)
    const needed = after
    const share = needed > 0 ? ledger.refusal(uploader, needed) : undefined
    if (share != null) {
      throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, `This ${share === 'address' ? 'network address' : 'IPv6 /48 network'} holds its share of the relay's storage; try later`, share === 'address' ? 'address_storage' : 'network_storage')
    }
    if (after > counted && totals.totalBytes + after - counted > limits.storageMaxBytes) throw new QuotaExceededError(MailboxErrorCode.STORAGE_FULL, 'Relay storage is full', 'storage')
    ledger.add(uploader, after)
    await ledger.save(tx)
    if (entries.length > 0) {
      await tx`INSERT INTO prekeys (mailbox, kind, id, blob) ${valueRows(entries.map((e) => [mailbox, e.kind, e.id, e.blob]))} ON CONFLICT (mailbox, kind, id) DO UPDATE SET blob = EXCLUDED.blob`
    }
    for (const [kind, blob] of lastResort) {
      await tx`INSERT INTO last_resort (mailbox, kind, blob) VALUES (${mailbox}, ${kind}, ${blob}) ON CONFLICT (mailbox, kind) DO UPDATE SET blob = EXCLUDED.blob`
    }
    await tx`UPDATE mailboxes SET prekeys = ${count}, prekey_bytes = ${after}, prekey_tag = ${uploader} WHERE mailbox = ${mailbox}`
    return { count, delta: after - counted }
  })
  totals.moved({ totalBytes: result.delta })
  return result.count
}

/**
 * One prekey per kind the mailbox has: a one-time key (deleted as it is handed out, so never
 * given twice, whichever process hands it out), or the last-resort key when that kind's pool is
 * empty or the mailbox's one-time budget (kept in its row) is spent.
 */
export async function takePrekeys (parts: PgParts, mailbox: string, options: TakeOptions = {}): Promise<PrekeyTake> {
  options.signal?.throwIfAborted()
  const result = await parts.db.tx(async (tx) => {
    const row = (await lockMailboxes(tx, [mailbox])).get(mailbox)
    if (row == null) return { take: { prekeys: [], withheld: false }, bytes: 0 }
    let oneTime = row.prekeys > 0
    let withheld = false
    let budget = row.budgetTokens == null || row.budgetAt == null ? undefined : { tokens: row.budgetTokens, at: row.budgetAt }
    if (oneTime && options.budget != null) {
      const take = takeToken(budget, options.budget, options.now ?? Date.now())
      oneTime = take.ok
      withheld = !take.ok
      budget = take.bucket
    }
    const out: TakenPrekey[] = []
    let taken = 0
    let bytes = 0
    for (const kind of KINDS) {
      let found = false
      if (oneTime) {
        const [one] = await tx<Array<{ blob: Uint8Array }>>`
          DELETE FROM prekeys WHERE (mailbox, kind, id) = (SELECT mailbox, kind, id FROM prekeys WHERE mailbox = ${mailbox} AND kind = ${kind} ORDER BY id LIMIT 1) RETURNING blob`
        if (one != null) {
          out.push({ prekey: MailboxPrekey.decode(one.blob), lastResort: false })
          taken++
          bytes += one.blob.length
          found = true
        }
      }
      if (!found) {
        const [last] = await tx<Array<{ blob: Uint8Array }>>`SELECT blob FROM last_resort WHERE mailbox = ${mailbox} AND kind = ${kind}`
        if (last != null) out.push({ prekey: MailboxPrekey.decode(last.blob), lastResort: true })
      }
    }
    await tx`UPDATE mailboxes SET prekeys = greatest(0, prekeys - ${taken}), prekey_bytes = greatest(0, prekey_bytes - ${bytes}),
      budget_tokens = ${budget?.tokens ?? null}, budget_at = ${budget?.at ?? null} WHERE mailbox = ${mailbox}`
    if (bytes > 0 && row.prekeyTag != null) await parts.shares.release(tx, new Map([[row.prekeyTag, bytes]]), 'bytes')
    return { take: { prekeys: out, withheld }, bytes }
  })
  parts.totals.moved({ totalBytes: -result.bytes })
  return result.take
}
