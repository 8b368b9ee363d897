import { Libp2pRecord } from '@libp2p/record'
import type { ComponentLogger, Connection, PeerId } from '@libp2p/interface'
import type { Multiaddr } from '@multiformats/multiaddr'
import { Key } from 'interface-datastore'
import { toString as toText } from 'uint8arrays/to-string'
import { PeerAndAddressLimiter } from './rate-limiter.js'
import type { AddressKeys } from './remote-address.js'
import { parleyRecordKind, type ParleyRecords } from './parley-records.js'
import type { DhtRecordLimits } from './dht-record-limits.js'
import { DHT_RECORD_PREFIX, type DhtRecordStore, type DhtRefusalReason } from './dht-record-store.js'
import { DhtPutRateLimitedError, DhtRecordRefusedError } from './errors.js'

/** Remote PeerIds and addresses whose PUT buckets are remembered at most. */
const PUT_LIMITER_MAX_KEYS = 20_000

/** The part of kad-dht 16's PUT_VALUE message the handler reads. */
interface PutValueMessage { key?: Uint8Array, record?: Uint8Array }

interface RpcHandler { handle: (peerId: PeerId, msg: PutValueMessage) => Promise<unknown> }

/** kad-dht 16 internals replaced here: `dht.rpc.handlers.PUT_VALUE` (checked at start-up). */
interface KadDhtInternals { rpc?: { handlers?: Record<string, RpcHandler | undefined> } }

export interface DhtPutGuardInit {
  records: DhtRecordStore
  /** The namespace's validator (the same as kad-dht's). */
  rules: ParleyRecords
  limits: DhtRecordLimits
  connectionManager: { getConnections: (peerId?: PeerId) => Connection[] }
  logger: ComponentLogger
  /** Rate-limit keys of a remote address; undefined exempts it from per-address limits and shares. */
  addressKeys: (remoteAddr: Multiaddr) => AddressKeys | undefined
  onRefusal?: (reason: DhtRefusalReason) => void
}

/**
 * Replaces kad-dht's PUT_VALUE handler (which validates, then overwrites whatever it holds)
 * with one that, per request: takes a token from the sender's PeerId bucket and its address's
 * (all its PeerIds share it), accepts only Parley account records that verify, and stores them
 * through {@link DhtRecordStore.putFromPeer} — which refuses an older sequence than the one held
 * and charges the record to the sender address's share and, for IPv6, to its /48's. Any refusal throws: kad-dht then aborts
 * the stream, and the sender's put fails.
 *
 * kad-dht exposes no hook for this and a datastore cannot see who writes, hence the swap; it
 * throws at start-up if a kad-dht upgrade moved the handler.
 */
export function guardPutValue (dht: unknown, init: DhtPutGuardInit): void {
  const handlers = (dht as KadDhtInternals).rpc?.handlers
  if (handlers?.PUT_VALUE == null) throw new TypeError('kad-dht has no rpc.handlers.PUT_VALUE: the PUT guard needs updating for this kad-dht version')
  const log = init.logger.forComponent('parley:dht-put')
  const limiter = new PeerAndAddressLimiter(init.limits.putRate, init.limits.putRatePerAddress, PUT_LIMITER_MAX_KEYS)
  const refuse = (reason: DhtRefusalReason, err: Error): Error => {
    init.onRefusal?.(reason)
    return err
  }
  handlers.PUT_VALUE = {
    handle: async (peerId, msg) => {
      // a stream's connection is not handed to handlers: a peer usually has one; charge its first
      const connection = init.connectionManager.getConnections(peerId)[0]
      const keys = connection == null ? undefined : init.addressKeys(connection.remoteAddr)
      const scope = limiter.take(peerId.toString(), keys)
      if (scope != null) {
        log('PUT_VALUE from %p refused: %s rate limit', peerId, scope)
        throw refuse(`rate_limited_${scope}`, new DhtPutRateLimitedError(`DHT PUT rate limit exceeded for this ${scope}`))
      }
      if (msg.record == null) throw refuse('invalid', new DhtRecordRefusedError('Empty record'))
      let record: Libp2pRecord
      try {
        record = Libp2pRecord.deserialize(msg.record)
        if (parleyRecordKind(toText(record.key)) == null) throw new DhtRecordRefusedError('Only Parley account and fleet records are stored')
        await init.rules.validator(record.key, record.value)
      } catch (err) {
        log('PUT_VALUE from %p refused: %e', peerId, err)
        throw refuse('invalid', err instanceof Error ? err : new DhtRecordRefusedError())
      }
      record.timeReceived = new Date()
      const dsKey = new Key(`${DHT_RECORD_PREFIX}${toText(record.key, 'base32')}`, false)
      await init.records.putFromPeer(dsKey, record.serialize(), { address: keys?.address, network: keys?.network })
      log('stored a record from %p', peerId)
      return msg
    }
  }
}
