import type { AbortOptions, Logger } from '@libp2p/interface'
import type { QueryEvent } from '@libp2p/kad-dht'
import { selectAccountRecord, verifyAccountRecord, type VerifiedAccountRecord } from '../identity/account-record.js'
import { AccountNotFoundError } from './errors.js'

/** kad-dht's `get`: the query's events as they happen (PEER_RESPONSE carries each peer's record). */
export type DhtQuery = (key: Uint8Array, options?: AbortOptions) => AsyncIterable<QueryEvent>

export interface QuorumLookupInit {
  /** Valid records from this many different peers end the query. */
  quorum: number
  /** After the first valid record, wait at most this long for the others. */
  graceMs: number
  log?: Logger
  /**
   * Called once, with the first record that verifies, before the quorum is reached: for work
   * that may start early (finding the devices' addresses), never as the answer (a later record
   * may be newer).
   */
  onFirstRecord?: (record: VerifiedAccountRecord) => void
}

/**
 * Looks up an account record without waiting for the whole DHT query. kad-dht's own `get`
 * answers only once every one of the K closest peers has been asked (one slow or gone peer
 * holds it up); this reads the same query's events and stops at `quorum` valid records from
 * different peers, or `graceMs` after the first one, and picks the highest of them (the
 * selector's rule: sequence, then bytes). Records that do not verify for `accountKey` are
 * skipped. Throws AccountNotFoundError when the query ends with none.
 *
 * @example
 * ```ts
 * const bytes = await quorumLookup((key, o) => dht.get(key, o), accountKey, dhtKey, { quorum: 3, graceMs: 100 }, { signal })
 * ```
 */
export async function quorumLookup (query: DhtQuery, accountKey: Uint8Array, dhtKey: Uint8Array, init: QuorumLookupInit, options: AbortOptions = {}): Promise<Uint8Array> {
  const enough = new AbortController()
  const signal = options.signal == null ? enough.signal : AbortSignal.any([options.signal, enough.signal])
  const found: Uint8Array[] = []
  const peers = new Set<string>()
  let grace: ReturnType<typeof setTimeout> | undefined
  try {
    for await (const event of query(dhtKey, { signal })) {
      if (event.name !== 'PEER_RESPONSE' && event.name !== 'VALUE') continue
      const value = event.name === 'PEER_RESPONSE' ? event.record?.value : event.value
      if (value == null) continue
      const from = event.from.toString()
      if (peers.has(from)) continue
      let verified: VerifiedAccountRecord
      try {
        verified = verifyAccountRecord(value, { accountKey })
      } catch (err) {
        init.log?.('peer %s served an invalid record - %e', from, err)
        continue
      }
      peers.add(from)
      found.push(value)
      if (found.length === 1) notifyFirst(init, verified)
      if (found.length >= init.quorum) break
      grace ??= setTimeout(() => { enough.abort() }, init.graceMs)
    }
  } catch (err) {
    // the grace period ended the query: what was found is the answer; anything else is a failure
    if (!enough.signal.aborted || options.signal?.aborted === true || found.length === 0) throw err
  } finally {
    clearTimeout(grace)
    enough.abort() // stops the rest of the query (breaking out of the loop already returns the iterator)
  }
  if (found.length === 0) throw new AccountNotFoundError('No peer holds a valid account record')
  return found[selectAccountRecord(found)]
}

/** Runs `onFirstRecord`; its failure is logged, never the lookup's. */
function notifyFirst (init: QuorumLookupInit, record: VerifiedAccountRecord): void {
  try {
    init.onFirstRecord?.(record)
  } catch (err) {
    init.log?.error('onFirstRecord failed - %e', err)
  }
}
