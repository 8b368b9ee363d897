import { Envelope } from '../../wire/parley.js'
import { MailboxPrekey } from '../../wire/mailbox.js'

/** The key layout this code writes (see {@link K}). */
export const MAILBOX_LAYOUT = 2

export const enc = new TextEncoder()
export const dec = new TextDecoder()

/**
 * The value of list and expiry-index entries, whose key says it all. Never zero-length:
 * classic-level 3.0 copies each value into a `new char[size]` and frees it only when the size is
 * non-zero, so every empty value written leaks a small heap chunk (two per deposit grew the relay
 * by ~90 MB per million deposits, deleted or not).
 */
export const PRESENT = Uint8Array.of(1)

/** Prekey kinds a mailbox holds, one pool and one last-resort key each. */
export const KINDS = [MailboxPrekey.Kind.X25519, MailboxPrekey.Kind.ML_KEM]

export const seqKey = (n: number): string => n.toString(16).padStart(16, '0')
export const timeKey = (ms: number): string => Math.max(0, Math.min(ms, 0xffffffffffff)).toString(16).padStart(12, '0')

/**
 * Keys (utf8), layout 2: `b!<seq>` envelope body (StoredEnvelope) by relay-wide arrival order,
 * `m!<mbox>!<seq>` the mailbox's list, `i!<mbox>!<id>` → seq (dedup, ack by id),
 * `x!<expiry>!<mbox>!<seq>` expiry index, `o!<mbox>` owner facts, `s!<mbox>` counters,
 * `p!<mbox>!<kind>!<id>` one-time prekey, `l!<mbox>!<kind>` last-resort prekey, `v!layout` the
 * layout version. `<mbox>` is the hex device key; nothing in a key is secret or plaintext.
 *
 * Bodies are keyed by arrival alone so that LevelDB appends them: their tables move down the
 * levels without being rewritten, and compaction only merges the small index keys (layout 1 kept
 * bodies under `e!<mbox>!<seq>`, spread over every mailbox, and rewrote them at every level).
 */
export const K = {
  body: (seq: string) => `b!${seq}`,
  listed: (m: string, seq: string) => `m!${m}!${seq}`,
  listPrefix: (m: string) => `m!${m}!`,
  /** Layout 1's envelope key prefix (migrated at open). */
  legacyEnvelopes: 'e!',
  layout: 'v!layout',
  id: (m: string, id: string) => `i!${m}!${id}`,
  idPrefix: (m: string) => `i!${m}!`,
  exp: (at: number, m: string, seq: string) => `x!${timeKey(at)}!${m}!${seq}`,
  owner: (m: string) => `o!${m}`,
  stats: (m: string) => `s!${m}`,
  prekey: (m: string, kind: string, id: number) => `p!${m}!${kind}!${id.toString(16).padStart(8, '0')}`,
  prekeyPrefix: (m: string, kind?: string) => kind == null ? `p!${m}!` : `p!${m}!${kind}!`,
  lastResort: (m: string, kind: string) => `l!${m}!${kind}`,
  lastResortPrefix: (m: string) => `l!${m}!`
}

/** Upper bound of a key prefix range. */
export const end = (prefix: string): string => prefix + '\xff'

/** The seq (last part) of a list, expiry or prekey key. */
export const lastPart = (key: string): string => key.slice(key.lastIndexOf('!') + 1)

/** Relay-wide arrival order: microseconds since the epoch, strictly increasing. */
export class SeqClock {
  last = 0

  next (now: number): string {
    this.last = Math.max(this.last + 1, now * 1000)
    return seqKey(this.last)
  }
}

/** Hex id of an Envelope encoding (as stored: it was checked at deposit); undefined when it does not decode. */
export function envelopeIdOf (bytes: Uint8Array): string | undefined {
  try {
    let out = ''
    for (const b of Envelope.decode(bytes).id) out += b.toString(16).padStart(2, '0')
    return out
  } catch {
    // stored bodies were decoded at deposit: only a damaged database gets here; its id and
    // expiry keys stay until the mailbox is purged (the caller deletes what it can)
    return undefined
  }
}
