import { StoredEnvelope } from '../../wire/relay-store.js'
import { K, MAILBOX_LAYOUT, PRESENT, dec, enc, end, envelopeIdOf, lastPart, seqKey } from './keys.js'
import type { BatchOp, MailboxDb } from './types.js'

/** Layout-1 envelopes moved per batch when migrating at open: at most this many… */
const MIGRATION_BATCH = 2000
/** …and about this many bytes of envelopes. */
const MIGRATION_BATCH_BYTES = 16 * 1024 * 1024

/** The seq of the newest body held (seqs are relay-wide), 0 when none. */
export async function highestBodySeq (db: MailboxDb): Promise<number> {
  const [newest] = await db.keys({ gte: 'b!', lt: end('b!'), reverse: true, limit: 1 }).all()
  return newest != null ? parseInt(newest.slice(2), 16) : 0
}

/**
 * Moves layout-1 envelopes (`e!<mbox>!<seq>` → body) to layout 2 (`b!<seq>` body plus
 * `m!<mbox>!<seq>`), a batch at a time; each batch is atomic, so a crash midway resumes at the
 * next open. Layout 1's seqs were unique per mailbox and, but for a clock stepped back across
 * a restart, relay-wide: an envelope whose seq is already taken by another mailbox's body gets
 * a fresh one (its id and expiry index entries are rewritten; it moves to the end of its list).
 * Throws for an unreadable or newer layout marker.
 */
export async function migrateLayout (db: MailboxDb): Promise<void> {
  const stored = await db.get(K.layout)
  const layout = stored === undefined ? 1 : Number(dec.decode(stored))
  if (!Number.isInteger(layout) || layout < 1) throw new Error(`Mailbox database has an unreadable layout marker (${JSON.stringify(stored === undefined ? '' : dec.decode(stored))})`)
  if (layout > MAILBOX_LAYOUT) throw new Error(`Mailbox database has layout ${layout}; this relay reads up to ${MAILBOX_LAYOUT} (newer relay version?)`)
  if (layout === MAILBOX_LAYOUT) return
  let freshSeq = Math.max(Date.now() * 1000, await highestBodySeq(db))
  let after: string | undefined
  for (;;) {
    // resume after the last key moved: the moved keys' tombstones are not scanned again
    const range = after === undefined ? { gte: K.legacyEnvelopes } : { gt: after }
    const entries: Array<[string, Uint8Array]> = []
    let bytes = 0
    for await (const entry of db.iterator({ ...range, lt: end(K.legacyEnvelopes), limit: MIGRATION_BATCH })) {
      entries.push(entry)
      bytes += entry[1].length
      if (bytes >= MIGRATION_BATCH_BYTES) break
    }
    if (entries.length === 0) break
    after = entries[entries.length - 1][0]
    const seqs = entries.map(([key]) => lastPart(key))
    const taken = new Set<string>()
    const existing = await db.getMany(seqs.map((seq) => K.body(seq)))
    existing.forEach((value, i) => { if (value !== undefined) taken.add(seqs[i]) })
    const ops: BatchOp[] = []
    for (let i = 0; i < entries.length; i++) {
      const [key, value] = entries[i]
      const mailbox = key.slice(2, key.lastIndexOf('!'))
      let seq = seqs[i]
      if (taken.has(seq)) {
        // another mailbox's envelope already holds this seq: renumber this one
        do { seq = seqKey(++freshSeq) } while ((await db.get(K.body(seq))) !== undefined)
        const stored = StoredEnvelope.decode(value)
        const id = envelopeIdOf(stored.envelope)
        if (id != null) ops.push({ type: 'put', key: K.id(mailbox, id), value: enc.encode(seq) })
        ops.push({ type: 'del', key: K.exp(Number(stored.expiresAt), mailbox, seqs[i]) }, { type: 'put', key: K.exp(Number(stored.expiresAt), mailbox, seq), value: PRESENT })
      }
      taken.add(seq)
      ops.push({ type: 'put', key: K.body(seq), value }, { type: 'put', key: K.listed(mailbox, seq), value: PRESENT }, { type: 'del', key })
    }
    await db.batch(ops)
  }
  await db.put(K.layout, enc.encode(String(MAILBOX_LAYOUT)))
}
