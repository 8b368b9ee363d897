import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
// the crypto modules it needs, not crypto/index.js: the barrel would bring the E2E session code
// (PQXDH, ratchet, sealed sender, their codecs) into the browser's first load
import type { CryptoBackend } from '../crypto/backend.js'
import { nativeBackend } from '../crypto/backend-native.js'
import type { Signer } from '../crypto/signer.js'
import {
  AccountRecords, LocalPrekeys, NodeNotStartedError, OWN_RECORD_SETTING, deviceSigner, loadOrCreateIdentity,
  type AccountRecordChanges, type DeviceIdentity
} from '../device/index.js'
import { TypedEvents } from '../events.js'
import { accountDhtKey, type AccountRecordBody, type DeviceEntry, type VerifiedAccountRecord } from '../identity/account-record.js'
import { decodeAddress, encodeAddress } from '../identity/address.js'
import { wipe } from '../identity/keys.js'
import type { Store } from '../store/index.js'
import type { AccountDirectory } from '../net/account-directory.js'
import type { Ack } from '../net/envelope-codec.js'
import type { ProtocolErrorEvent, ReceivedEnvelope } from '../net/envelope-server.js'
import type { DeviceSendResult, Envelopes, SendEnvelopeInput } from '../net/envelopes.js'
import { learnRelayedDeviceAddresses } from '../net/relayed-addresses.js'
import { DeviceRoutes } from '../net/device-routes.js'
import { createDeferredTransports, createParleyLibp2p, reachableOnlyViaRelays, type DeferredTransports } from '../p2p/index.js'
import { AccountRecordFloor } from './account-record-floor.js'
import { BOOTSTRAP_DIAL_TIMEOUT_MS } from './constants.js'
import { deviceServices, type DeviceLibp2p, type DeviceServices } from './services.js'

export { OWN_RECORD_SETTING }
export { peerIdFromBytes } from '../net/peer-ids.js'
export type { DeviceSendResult, SendEnvelopeInput } from '../net/envelopes.js'

/** The deferred transports of each node's libp2p (`deferWebRTC`). */
const deferredTransportsOf = new WeakMap<DeviceLibp2p, DeferredTransports>()

export interface ParleyNodeInit {
  /** The device's encrypted store: keys, prekeys, own record and libp2p's datastore live here. */
  store: Store
  /** Create a new account when the store has none. @default false */
  create?: boolean
  /** Crypto backend. @default nativeBackend */
  backend?: CryptoBackend
  /** Multiaddrs to listen on. */
  listen?: string[]
  /** Multiaddrs (with /p2p/<id>) of nodes to join the network through. */
  bootstrap?: string[]
  /** Inactivity period in days written into the account record. @default 180 */
  inactivityDays?: number
  /** How often the account record is put into the DHT again. @default 3600000 (1 h) */
  republishIntervalMs?: number
  /** Let browsers dial private/loopback addresses (dev and tests). @default false */
  allowPrivateAddresses?: boolean
  /** ICE servers for WebRTC (STUN/TURN). Default: none. */
  iceServers?: RTCIceServer[]
  /** Extra libp2p connection gating (allow/deny lists). */
  connectionGater?: import('@libp2p/interface').ConnectionGater
  /** Test networks: many nodes on one IP. @default false */
  manyPeersPerAddress?: boolean
  /** WebRTC bind address (Node; tests use 127.0.0.1). */
  webrtcBindAddress?: string
  /**
   * Node: leave the WebRTC transport's modules out of the start; it dials and accepts nothing
   * (browsers stay on relayed connections) until {@link ParleyNode.loadDeferredTransports}. The
   * daemon calls that once it is ready (docs/PERFORMANCE.md, "Daemon start"). @default false
   */
  deferWebRTC?: boolean
  /** Bounds on other peers' DHT records this device holds (in memory) and on their PUT rate. */
  dhtRecordLimits?: Partial<import('../net/dht-record-limits.js').DhtRecordLimits>
  /** Envelope server limits (tests shorten the timeouts). */
  envelopeLimits?: { frameTimeoutMs?: number, idleTimeoutMs?: number, maxFrameBytes?: number }
  /**
   * Called for every accepted envelope before it is acked (the messenger decrypts and stores
   * here). Without it, envelopes are only emitted as `envelope` events.
   */
  onEnvelope?: (received: ReceivedEnvelope) => Promise<void> | void
}

export interface ParleyNodeEvents extends Record<string, unknown> {
  /** An envelope for this device arrived and was acked. */
  envelope: ReceivedEnvelope
  /** A peer sent something malformed, oversize, stalled… and it was refused. */
  'protocol-error': ProtocolErrorEvent
}

/**
 * A Parley device on the network: its keys, its libp2p node, its account record in the DHT
 * and direct envelope delivery.
 *
 * @example
 * ```ts
 * const node = await ParleyNode.open({ store, create: true, bootstrap }) // or openHomeNode({ home, passphrase, … }) in Node
 * await node.start()
 * console.log(node.address, node.multiaddrs.map(String))
 * const record = await node.lookupAccount(bobAddress)
 * await node.sendEnvelope(record.body.devices[0], { payload })
 * await node.stop()
 * ```
 */
export class ParleyNode extends TypedEvents<ParleyNodeEvents> {
  /** The libp2p node, with Parley's protocols among its services (started and stopped with it). */
  readonly libp2p: DeviceLibp2p
  readonly directory: AccountDirectory
  readonly identity: DeviceIdentity
  readonly prekeys: LocalPrekeys
  readonly backend: CryptoBackend
  readonly store: Store
  /** This device's own account record: sign, adopt, refresh, publish. */
  readonly records: AccountRecords
  /** Signs with the device key; the secret stays in `device/`. */
  readonly signer: Signer
  private readonly init: ParleyNodeInit
  private readonly log: Logger
  private envelopeHandler: ((received: ReceivedEnvelope) => Promise<void>) | undefined
  private readonly envelopes: Envelopes
  private running = false
  /** True when this call created the account. */
  readonly created: boolean

  protected constructor (init: ParleyNodeInit, identity: DeviceIdentity, prekeys: LocalPrekeys, created: boolean, libp2p: DeviceLibp2p, records: AccountRecords) {
    super()
    this.init = init
    this.store = init.store
    this.backend = init.backend ?? nativeBackend
    this.identity = identity
    this.prekeys = prekeys
    this.created = created
    this.libp2p = libp2p
    this.directory = libp2p.services.directory
    this.records = records
    this.signer = deviceSigner(identity.device.signing, this.backend)
    this.log = libp2p.logger.forComponent('parley:node')
    this.envelopes = libp2p.services.envelopes
    // set before libp2p starts the service: no envelope is served (and acked) before this
    this.envelopes.setHandler(async (received) => { await (this.envelopeHandler ?? init.onEnvelope)?.(received) })
    this.envelopes.addEventListener('envelope', (evt) => { this.emit('envelope', evt.detail) })
    this.envelopes.addEventListener('protocol-error', (evt) => { this.emit('protocol-error', evt.detail) })
  }

  /**
   * Loads (or with `create`, creates) the device identity from `init.store` and assembles the
   * libp2p node. Throws NoAccountError before touching the network.
   */
  static async open (init: ParleyNodeInit, options: AbortOptions = {}): Promise<ParleyNode> {
    const parts = await ParleyNode.assemble(init, options)
    return new ParleyNode(init, ...parts)
  }

  /**
   * The parts of a node on `init.store`: device identity, prekeys, libp2p with Parley's services
   * (created, not started) and the own-record keeper. For {@link open} and subclasses.
   */
  protected static async assemble (init: ParleyNodeInit, options: AbortOptions = {}): Promise<[DeviceIdentity, LocalPrekeys, boolean, DeviceLibp2p, AccountRecords]> {
    const backend = init.backend ?? nativeBackend
    const { identity, created } = await loadOrCreateIdentity(init.store, { create: init.create, backend, signal: options.signal })
    const prekeys = new LocalPrekeys(init.store, backend, identity.device)
    const privateKey = await generateKeyPairFromSeed('Ed25519', identity.libp2pSeed)
    // the own-record keeper needs the directory service, and device linking needs the keeper
    let records: AccountRecords | undefined
    const ownRecords = (): AccountRecords => {
      if (records == null) throw new NodeNotStartedError('The node is not open yet')
      return records
    }
    const deferred = init.deferWebRTC === true ? createDeferredTransports() : undefined
    const libp2p = await createParleyLibp2p<DeviceServices>({
      privateKey,
      deferredTransports: deferred,
      datastore: init.store.datastore,
      ownDhtKeys: [accountDhtKey(identity.account.publicKey)],
      dhtRecordLimits: init.dhtRecordLimits,
      listen: init.listen,
      manyPeersPerAddress: init.manyPeersPerAddress,
      allowPrivateAddresses: init.allowPrivateAddresses,
      connectionGater: init.connectionGater,
      webrtcBindAddress: init.webrtcBindAddress,
      iceServers: init.iceServers,
      extraServices: deviceServices({
        envelopes: { deviceKey: identity.device.signing.publicKey, ...init.envelopeLimits },
        floor: (logger) => new AccountRecordFloor(init.store.settings, logger.forComponent('parley:record-floor')),
        deviceLink: {
          accountKey: identity.account.publicKey,
          accountSecret: () => identity.account.secretKey,
          addDevice: async (entry) => await ownRecords().signAccountRecord({ addDevices: [entry] }),
          publishRecord: async (options) => { await ownRecords().publishAccountRecord(options) }
        }
      }),
      // started by ParleyNode.start, once the envelope handler is set (see Envelopes)
      start: false
    }, options)
    if (deferred != null) deferredTransportsOf.set(libp2p, deferred)
    try {
      records = await AccountRecords.open({
        store: init.store,
        identity,
        prekeys,
        backend,
        directory: libp2p.services.directory,
        logger: libp2p.logger,
        peerId: libp2p.peerId.toMultihash().bytes,
        // libp2p runs exactly while the node is started
        isOnline: () => libp2p.status === 'started',
        dhtServers: () => (libp2p.services.dht as unknown as { routingTable?: { size: number } }).routingTable?.size ?? 0
      }, {
        inactivityDays: init.inactivityDays,
        republishIntervalMs: init.republishIntervalMs,
        relayedOnly: reachableOnlyViaRelays
      }, options)
      return [identity, prekeys, created, libp2p, records]
    } catch (err) {
      await libp2p.stop()
      throw err
    }
  }

  /** This account's address (base58btc with checksum). */
  get address (): string {
    return encodeAddress(this.identity.account.publicKey)
  }

  get accountKey (): Uint8Array {
    return this.identity.account.publicKey
  }

  /** This device's Ed25519 device key (what envelopes are addressed to). */
  get deviceKey (): Uint8Array {
    return this.identity.device.signing.publicKey
  }

  get peerId (): PeerId {
    return this.libp2p.peerId
  }

  get multiaddrs (): Multiaddr[] {
    return this.libp2p.getMultiaddrs()
  }

  get isStarted (): boolean {
    return this.running
  }

  /**
   * Sets the function every accepted envelope goes through before it is acked (the messenger
   * decrypts and stores there). A ParleyError thrown by it is acked `REJECTED` with its code.
   */
  setEnvelopeHandler (handler: ((received: ReceivedEnvelope) => Promise<void>) | undefined): void {
    this.envelopeHandler = handler
  }

  /** The last account record this device signed (bytes), if any. */
  ownAccountRecord (): Uint8Array | undefined {
    return this.records.ownAccountRecord()
  }

  /** The decoded body of this device's own record (see {@link AccountRecords.ownRecordBody}). */
  ownRecordBody (): AccountRecordBody | undefined {
    return this.records.ownRecordBody()
  }

  /** This device as listed in the account record (with its current signed prekeys). */
  deviceEntry (): DeviceEntry {
    return this.records.deviceEntry()
  }

  /** Rotates the signed prekeys when due; re-signs and republishes the record when they changed. */
  async rotatePrekeys (options: AbortOptions = {}): Promise<boolean> {
    return await this.records.rotatePrekeys(options)
  }

  /**
   * Imports and starts the transports left out of the start (`deferWebRTC`); resolves at once
   * when there are none. Safe to call more than once.
   */
  async loadDeferredTransports (options: AbortOptions = {}): Promise<void> {
    await deferredTransportsOf.get(this.libp2p)?.load(options)
  }

  /** Starts libp2p and with it Parley's services (serving envelopes), joins through the bootstrap list and publishes the account record. */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.running) return
    options.signal?.throwIfAborted()
    await this.libp2p.start()
    this.running = true
    await this.connectBootstrap(options)
    await this.records.start()
  }

  /** True once the account record has been stored in the DHT since start. */
  get isPublished (): boolean {
    return this.records.isPublished
  }

  /** Dials every bootstrap address; returns how many answered. */
  async connectBootstrap (options: AbortOptions = {}): Promise<number> {
    const addrs = this.init.bootstrap ?? []
    const results = await Promise.allSettled(addrs.map(async (addr) => {
      await this.libp2p.dial(multiaddr(addr), { signal: options.signal ?? AbortSignal.timeout(BOOTSTRAP_DIAL_TIMEOUT_MS) })
    }))
    for (const r of results) if (r.status === 'rejected') this.log('bootstrap dial failed - %e', r.reason)
    return results.filter((r) => r.status === 'fulfilled').length
  }

  /**
   * Stops libp2p (and with it Parley's services, aborting streams in flight) and zeroes the keys
   * held in memory. The store stays open: whoever opened it closes it.
   */
  async stop (options: AbortOptions = {}): Promise<void> {
    await this.goOffline(options)
  }

  /**
   * What {@link stop} does, never more (a subclass that owns the store closes it in `stop`, not
   * here): takes the device offline before its store is wiped (account deletion, self-destruct).
   */
  async goOffline (_options: AbortOptions = {}): Promise<void> {
    await this.records.stop()
    if (this.running) {
      this.running = false
      await this.libp2p.stop()
    }
    wipe(this.identity.account.secretKey, this.identity.device.signing.privateKey, this.identity.device.identityDh.privateKey, this.identity.libp2pSeed)
  }

  /**
   * Signs a fresh account record (sequence above any earlier one) listing this device, and
   * returns its bytes. Persisted in the store.
   */
  async signAccountRecord (changes: AccountRecordChanges = {}): Promise<Uint8Array> {
    return await this.records.signAccountRecord(changes)
  }

  /** Adopts a newer record of this account from the DHT; see {@link AccountRecords.refreshOwnRecord}. */
  async refreshOwnRecord (options: AbortOptions = {}): Promise<boolean> {
    return await this.records.refreshOwnRecord(options)
  }

  /** Stores `bytes` (a verified record of this account) as the latest own record. */
  async adoptOwnRecord (bytes: Uint8Array): Promise<void> {
    await this.records.adoptOwnRecord(bytes)
  }

  /** Puts this account's record into the DHT, re-signing it when missing or near expiry. */
  async publishAccountRecord (options: AbortOptions = {}): Promise<void> {
    await this.records.publishAccountRecord(options)
  }

  /** Looks up an account's record by address (cached; the DHT otherwise). */
  async lookupAccount (address: string, options: AbortOptions & { fresh?: boolean, onFirstRecord?: (record: VerifiedAccountRecord) => void } = {}): Promise<VerifiedAccountRecord> {
    const record = await this.directory.lookup(decodeAddress(address), options)
    await learnRelayedDeviceAddresses(this.libp2p, record, this.log)
    return record
  }

  /** Sends one envelope directly to one device (dialling it through DHT peer routing if needed). */
  async sendEnvelope (device: DeviceEntry, input: SendEnvelopeInput, options: AbortOptions = {}): Promise<Ack> {
    if (!this.running) throw new NodeNotStartedError()
    return await this.envelopes.sendToDevice(device, input, options)
  }

  /** Sends `input` to every device of an account; one result per device, never throws for a device. */
  async sendToAccount (address: string, input: Omit<SendEnvelopeInput, 'id'>, options: AbortOptions = {}): Promise<DeviceSendResult[]> {
    // the devices' addresses are searched from the lookup's first valid record on, not after it
    const routes = new DeviceRoutes(this.libp2p, this.log)
    const record = await this.lookupAccount(address, { ...options, onFirstRecord: (early) => { routes.start(early, options) } })
    if (!this.running) throw new NodeNotStartedError()
    const results = await Promise.all(record.body.devices.map(async (device) => {
      await routes.ready(device)
      return await this.envelopes.sendToDevices([device], input, options)
    }))
    return results.flat()
  }
}
