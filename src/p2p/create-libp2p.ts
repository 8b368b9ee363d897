import { identify } from '@libp2p/identify'
import { kadDHT, passthroughMapper, type KadDHT, type KadDHTComponents } from '@libp2p/kad-dht'
import { noise } from '@libp2p/noise'
import { ping, type Ping } from '@libp2p/ping'
import { yamux } from '@libp2p/yamux'
import type { Identify } from '@libp2p/identify'
import type { AbortOptions, ComponentLogger, ConnectionGater, Libp2p, PrivateKey } from '@libp2p/interface'
import { peerIdFromPrivateKey } from '@libp2p/peer-id'
import type { Multiaddr } from '@multiformats/multiaddr'
import type { Datastore } from 'interface-datastore'
import { createLibp2p, type Libp2pOptions } from 'libp2p'
import { DHT_NAMESPACE } from '../identity/account-record.js'
import { ParleyRecords } from '../net/parley-records.js'
import { DEVICE_DHT_RECORD_LIMITS, type DhtRecordLimits } from '../net/dht-record-limits.js'
import { DhtRecordStore, type DhtRefusalReason } from '../net/dht-record-store.js'
import type { AddressKeys } from '../net/remote-address.js'
import { defaultDhtAddressKeys, defaultDhtClientMode, defaultListenAddresses, ephemeralTransports, guardDhtPuts, platformTransports } from './libp2p-defaults.js'
import type { PlatformOptions } from './platform-options.js'
import type { TestNetworkOptions } from './test-network.js'

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

/** Options of {@link parleyLibp2pDefaults}: keys and stores come in here, never from `device/` or `store/`. */
export interface ParleyLibp2pOptions extends PlatformOptions, TestNetworkOptions {
  privateKey: PrivateKey
  datastore?: Datastore
  /** Multiaddrs to listen on; platform defaults when omitted. */
  listen?: string[]
  /** Multiaddrs to announce instead of the listen ones (identify, DHT); none: the listen ones. */
  announce?: string[]
  /** DHT client mode; platform default (Node: server, browser: client) when omitted. */
  dhtClientMode?: boolean
  /** Extra libp2p services (the node adds Parley's protocols, the relay its mailbox server). */
  extraServices?: Record<string, (components: any) => unknown>
  /**
   * Start the node once created. `node/` passes `false` and starts libp2p in `ParleyNode.start`,
   * so that its services (the envelope server) serve only once the messenger's handler is set.
   * @default true
   */
  start?: boolean
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

/** @deprecated the old name of {@link ParleyLibp2pOptions}. */
export type Libp2pAssemblyInit = ParleyLibp2pOptions

/**
 * Parley's libp2p 3.x options, in the manner of Helia's `libp2pDefaults`: platform transports,
 * Noise, yamux, identify, ping and kad-dht under `/parley/kad/1.0.0` with the account-record
 * validator and selector, a bounded in-memory record store for other peers' DHT records, plus
 * `extraServices`. Callers may change the result before handing it to `createLibp2p`.
 *
 * @example
 * ```ts
 * const libp2p = await createLibp2p(parleyLibp2pDefaults({ privateKey, datastore: store.datastore }))
 * ```
 */
export function parleyLibp2pDefaults (init: ParleyLibp2pOptions): Libp2pOptions<ParleyServices> {
  const limits: DhtRecordLimits = { ...DEVICE_DHT_RECORD_LIMITS, ...init.dhtRecordLimits }
  const rules = new ParleyRecords()
  let records: DhtRecordStore | undefined
  const recordStore = (logger: ComponentLogger): DhtRecordStore => {
    records ??= new DhtRecordStore({
      limits,
      rules,
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
    validators: { [DHT_NAMESPACE]: rules.validator },
    selectors: { [DHT_NAMESPACE]: rules.selector }
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
        if (guardDhtPuts != null) {
          guardDhtPuts(service, {
            records: store,
            rules,
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
  return options
}

/**
 * Assembles and creates a libp2p node from {@link parleyLibp2pDefaults}, started unless
 * `init.start` is `false`. `Extra` types the services of `init.extraServices`.
 *
 * @example
 * ```ts
 * const libp2p = await createParleyLibp2p({ privateKey })
 * const device = await createParleyLibp2p<{ envelopes: Envelopes }>({ privateKey, extraServices: { envelopes: envelopes({ deviceKey }) }, start: false })
 * ```
 */
export async function createParleyLibp2p<Extra extends Record<string, unknown> = Record<never, never>> (init: ParleyLibp2pOptions, options: AbortOptions = {}): Promise<Libp2p<ParleyServices & Extra>> {
  options.signal?.throwIfAborted()
  // the services map is assembled untyped (parleyLibp2pDefaults): `Extra` names what extraServices holds
  return await createLibp2p({ ...parleyLibp2pDefaults(init), start: init.start ?? true }) as Libp2p<ParleyServices & Extra>
}

/**
 * A throwaway libp2p node with a fresh random PeerId and no listeners, DHT or identify (with
 * `relayed`, identify and the circuit-relay transport, for device linking): used to
 * deposit sealed envelopes at relays so that the relay cannot link a deposit to the sender's
 * device PeerId (which account records list).
 */
export async function createEphemeralLibp2p (init: PlatformOptions & Pick<TestNetworkOptions, 'allowPrivateAddresses'> & EphemeralRelayedOption = {}): Promise<Libp2p> {
  return await createLibp2p({
    addresses: { listen: [] },
    transports: ephemeralTransports({ relayed: init.relayed }),
    connectionEncrypters: [noise()],
    streamMuxers: [yamux()],
    // circuit-relay-v2's transport requires identify (it learns the relay's protocols with it)
    ...(init.relayed === true ? { services: { identify: identify() } } : {}),
    ...(init.allowPrivateAddresses === true ? { connectionGater: { denyDialMultiaddr: async () => false } } : {})
  })
}

/** Options of {@link createEphemeralNode}. */
export type EphemeralNodeOptions = PlatformOptions & Pick<TestNetworkOptions, 'allowPrivateAddresses'> & EphemeralRelayedOption & AbortOptions

export interface EphemeralRelayedOption {
  /** Also dial `/p2p-circuit` addresses (device linking to a device reachable only through relays). @default false */
  relayed?: boolean
}

/** The shape of {@link createEphemeralNode}, for components that are handed it (depositor, device linking). */
export type CreateEphemeralNode = (options?: EphemeralNodeOptions) => Promise<Libp2p>

/**
 * A throwaway libp2p node (see {@link createEphemeralLibp2p}), as a factory that `node/` hands
 * the anonymous depositor and device linking, so they need not import `p2p/`.
 *
 * @example
 * ```ts
 * const depositor = new AnonymousDepositor({ createEphemeralNode })
 * ```
 */
export const createEphemeralNode: CreateEphemeralNode = async (options = {}) => {
  options.signal?.throwIfAborted()
  const { signal, ...init } = options
  return await createEphemeralLibp2p(init)
}
