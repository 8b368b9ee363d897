import type { AbortOptions } from '@libp2p/interface'
import type { DbRunner } from './db.js'

/** Mailboxes looked up per replay statement. */
export const REPLAY_MAILBOXES_PER_QUERY = 256
/** Envelopes read per replay statement (bounded memory: at most this many bodies at once). */
export const REPLAY_ROWS_PER_QUERY = 64

/** An envelope read by the replay: what a push needs, and its seq. */
export interface ReplayRow {
  mailbox: string
  seq: bigint
  id: string
  secret: boolean
  body: Uint8Array
}

/**
 * The last seq the fleet's `envelope_seq` handed out (0 before the first). Read just after a
 * `LISTEN` connection came up, it bounds the next replay: every envelope with a higher seq was
 * numbered after this process was listening, so either its notice reached this process or it is
 * replayed once the connection is back.
 */
export async function readSeqFloor (db: DbRunner, options: AbortOptions = {}): Promise<bigint> {
  options.signal?.throwIfAborted()
  const [row] = await db.run(async (sql) => await sql<Array<{ v: string }>>`
    SELECT (CASE WHEN is_called THEN last_value ELSE last_value - 1 END)::text AS v FROM envelope_seq`)
  return BigInt(row?.v ?? '0')
}

/**
 * The envelopes held for `mailboxes` whose seq is above each mailbox's watermark (`after(m)`),
 * in seq order, a page of {@link REPLAY_ROWS_PER_QUERY} at a time (each page starts above the
 * last row read of each mailbox); `onRow` is called for each row in order. Expired envelopes are skipped. Within one mailbox seq order is commit order (a deposit
 * numbers its envelopes while it holds the mailbox's row lock), so a watermark never skips an
 * envelope that committed later.
 */
export async function replayAbove (db: DbRunner, mailboxes: string[], after: (mailbox: string) => bigint, onRow: (row: ReplayRow) => void, now: number, options: AbortOptions = {}): Promise<number> {
  let replayed = 0
  for (let start = 0; start < mailboxes.length; start += REPLAY_MAILBOXES_PER_QUERY) {
    const chunk = mailboxes.slice(start, start + REPLAY_MAILBOXES_PER_QUERY)
    const above = new Map(chunk.map((m) => [m, after(m)]))
    for (;;) {
      options.signal?.throwIfAborted()
      const rows = await db.run(async (sql) => await sql<Array<{ mailbox: string, seq: string, id: string, secret: boolean, body: Uint8Array }>>`
        SELECT e.mailbox, e.seq, e.id, e.secret, e.body FROM envelopes e
        JOIN unnest(${chunk}::text[], ${chunk.map((m) => String(above.get(m) ?? 0n))}::bigint[]) AS w(m, a) ON e.mailbox = w.m AND e.seq > w.a
        WHERE e.expires_at > ${now} ORDER BY e.seq LIMIT ${REPLAY_ROWS_PER_QUERY}`)
      for (const r of rows) {
        const seq = BigInt(r.seq)
        above.set(r.mailbox, seq)
        onRow({ mailbox: r.mailbox, seq, id: r.id, secret: r.secret, body: Uint8Array.from(r.body) })
      }
      replayed += rows.length
      if (rows.length < REPLAY_ROWS_PER_QUERY) break
    }
  }
  return replayed
}
