import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT, type KadDHTComponents } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping, type Ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import type { Identify } from '@libp2p/identify'
import type { ComponentLogger, ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { DHT_NAMESPACE } from '../identity/account-record.js'
import { accountRecordSelector, accountRecordValidator } from '../net/account-directory.js'
import { DEVICE_DHT_RECORD_LIMITS, type DhtRecordLimits } from '../net/dht-record-limits.js'
import { DhtRecordStore, type DhtRefusalReason } from '../net/dht-record-store.js'
import { guardPutValue } from '../net/dht-put-guard.js'
import type { AddressKeys } from '../relay/remote-address.js'
import { defaultDhtAddressKeys, defaultDhtClientMode, dhtServerSideAvailable, defaultListenAddresses, ephemeralTransports, platformTransports } from './libp2p-defaults.js'
import type { PlatformOptions } from './platform-options.js'

/** Parley's own Kademlia protocol id: never the public IPFS DHT. */
export const DHT_PROTOCOL = '/parley/kad/1.0.0'

export interface ParleyServices extends Record<string, unknown> {
  identify: Identify
  ping: Ping
  dht: KadDHT
  /** Other people's DHT records, in memory and bounded (never in the user's store). */
  dhtRecords: DhtRecordStore
}

export type ParleyLibp2p = Libp2p<ParleyServices>

export interface Libp2pAssemblyInit extends PlatformOptions {
  privateKey: PrivateKey
  datastore?: Datastore
  /** Multiaddrs to listen on; platform defaults when omitted. */
  listen?: string[]
  /** Multiaddrs to announce instead of the listen ones (identify, DHT); none: the listen ones. */
  announce?: string[]
  /** DHT client mode; platform default (Node: server, browser: client) when omitted. */
  dhtClientMode?: boolean
  /**
   * Allow many inbound connections per second from one IP (test networks and LANs with many
   * nodes on one address). @default false
   */
  manyPeersPerAddress?: boolean
  /** Allow dialling private and loopback addresses from browsers (dev/test only). @default false */
  allowPrivateAddresses?: boolean
  /** Extra libp2p services (the relay adds its own). */
  extraServices?: Record<string, (components: any) => unknown>
  /** Connection manager limits. */
  maxConnections?: number
  /** Inbound connections being upgraded (Noise + yamux) at once; more are refused. @default 10 (libp2p's) */
  maxIncomingPendingConnections?: number
  /** Extra connection gating (allow/deny lists), merged with `allowPrivateAddresses`. */
  connectionGater?: ConnectionGater
  /** Bounds on other peers' DHT records held here and on their PUT rate. @default DEVICE_DHT_RECORD_LIMITS */
  dhtRecordLimits?: Partial<DhtRecordLimits>
  /** DHT keys of this node's own account records (exempt from the record caps). */
  ownDhtKeys?: Uint8Array[]
  /** Rate-limit keys of a remote address for DHT PUTs; undefined exempts it. @default platform's (IPv4, IPv6 /64) */
  dhtAddressKeys?: (remoteAddr: Multiaddr) => AddressKeys | undefined
  /** Called once per refused DHT write, with a stable reason (relay metrics). */
  onDhtRefusal?: (reason: DhtRefusalReason) => void
  /** Called with the number of expired DHT records each prune dropped. */
  onDhtPruned?: (count: number) => void
}

/**
 * Assembles a libp2p 3.x node with Parley's stack: platform transports, Noise, yamux, identify,
 * ping and kad-dht under `/parley/kad/1.0.0` with the account-record validator and selector.
 */
export async function createParleyLibp2p (init: Libp2pAssemblyInit): Promise<ParleyLibp2p> {
  const limits: DhtRecordLimits = { ...DEVICE_DHT_RECORD_LIMITS, ...init.dhtRecordLimits }
  let records: DhtRecordStore | undefined
  const recordStore = (logger: ComponentLogger): DhtRecordStore => {
    records ??= new DhtRecordStore({
      limits,
      ownRecordKeys: init.ownDhtKeys,
      selfPeerId: peerIdFromPrivateKey(init.privateKey).toString(),
      logger,
      onRefusal: init.onDhtRefusal,
      onPruned: init.onDhtPruned
    })
    return records
  }
  const dht = kadDHT({
    protocol: DHT_PROTOCOL,
    clientMode: init.dhtClientMode ?? defaultDhtClientMode,
    peerInfoMapper: passthroughMapper,
    validators: { [DHT_NAMESPACE]: accountRecordValidator },
    selectors: { [DHT_NAMESPACE]: accountRecordSelector }
  })
  const options: Libp2pOptions<ParleyServices> = {
    privateKey: init.privateKey,
    ...(init.datastore != null ? { datastore: init.datastore } : {}),
    addresses: { listen: init.listen ?? defaultListenAddresses(), ...(init.announce != null && init.announce.length > 0 ? { announce: init.announce } : {}) },
    transports: platformTransports(init),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    connectionManager: {
      maxConnections: init.maxConnections ?? 300,
      ...(init.maxIncomingPendingConnections !== undefined ? { maxIncomingPendingConnections: init.maxIncomingPendingConnections } : {}),
      ...(init.manyPeersPerAddress === true ? { inboundConnectionThreshold: 10_000 } : {})
    },
    ...((init.allowPrivateAddresses === true || init.connectionGater != null)
      ? { connectionGater: { ...(init.allowPrivateAddresses === true ? { denyDialMultiaddr: async () => false } : {}), ...init.connectionGater } }
      : {}),
    services: {
      identify: identify(),
      ping: ping(),
      dhtRecords: (components: { logger: ComponentLogger }) => recordStore(components.logger),
      // kad-dht sees the bounded in-memory record store as its datastore; libp2p's peer store
      // stays in the datastore given (the user's encrypted store)
      dht: (components: KadDHTComponents) => {
        const store = recordStore(components.logger)
        const view = new Proxy(components, { get: (target, prop, receiver) => prop === 'datastore' ? store : Reflect.get(target, prop, receiver) as unknown })
        const service = dht(view)
        if (dhtServerSideAvailable) {
          guardPutValue(service, {
            records: store,
            limits,
            connectionManager: components.connectionManager,
            logger: components.logger,
            addressKeys: init.dhtAddressKeys ?? defaultDhtAddressKeys,
            onRefusal: init.onDhtRefusal
          })
        }
        return service
      },
      ...(init.extraServices ?? {})
    } as any
  }
  return createLibp2p(options)
}

/**
 * A throwaway libp2p node with a fresh random PeerId and no listeners, DHT or identify: used to
 * deposit sealed envelopes at relays so that the relay cannot link a deposit to the sender's
 * device PeerId (which account records list).
 */
export async function createEphemeralLibp2p (init: PlatformOptions & { allowPrivateAddresses?: boolean } = {}): Promise<Libp2p> {
  return createLibp2p({
    addresses: { listen: [] },
    transports: ephemeralTransports(),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    ...(init.allowPrivateAddresses === true ? { connectionGater: { denyDialMultiaddr: async () => false } } : {})
  })
}
