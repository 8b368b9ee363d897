import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import type { AbortOptions, Logger, PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from '@noble/hashes/utils.js'
import * as Digest from 'multiformats/hashes/digest'
import { nativeBackend, type CryptoBackend, type Signer } from '../crypto/index.js'
import {
  AccountRecords, LocalPrekeys, NodeNotStartedError, OWN_RECORD_SETTING, deviceSigner, loadOrCreateIdentity,
  type AccountRecordChanges, type DeviceIdentity
} from '../device/index.js'
import { TypedEvents } from '../events.js'
import { ParleyError } from '../errors.js'
import { accountDhtKey, type AccountRecordBody, type DeviceEntry, type VerifiedAccountRecord } from '../identity/account-record.js'
import { decodeAddress, encodeAddress } from '../identity/address.js'
import { wipe } from '../identity/keys.js'
import type { Store } from '../store/index.js'
import { AccountDirectory } from '../net/account-directory.js'
import { EnvelopeClient } from '../net/envelope-client.js'
import { ENVELOPE_ID_BYTES, ENVELOPE_VERSION, envelopeIdHex, type Ack, type Envelope } from '../net/envelope-codec.js'
import { EnvelopeServer, type ProtocolErrorEvent, type ReceivedEnvelope } from '../net/envelope-server.js'
import { DeviceUnreachableError } from '../net/errors.js'
import { AccountRecordFloor } from './account-record-floor.js'
import { BOOTSTRAP_DIAL_TIMEOUT_MS, MAX_CACHED_PEER_IDS } from './constants.js'
import { createParleyLibp2p, reachableOnlyViaRelays, type ParleyLibp2p } from '../p2p/index.js'
import { learnRelayedDeviceAddresses } from '../net/relayed-addresses.js'

export { OWN_RECORD_SETTING }

export interface ParleyNodeInit {
  /** The device's encrypted store: keys, prekeys, own record and libp2p's datastore live here. */
  store: Store
  /** Create a new account when the store has none. @default false */
  create?: boolean
  /** Close the store when the node stops (the node then owns it). @default false */
  closeStoreOnStop?: boolean
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

export interface SendEnvelopeInput {
  payload: Uint8Array
  /** 16-byte id; random when omitted. */
  id?: Uint8Array
  /** Absolute expiry (ms since epoch); 0 or omitted for none. */
  expiresAt?: number
  flags?: number
  /** Creation time (ms since epoch) carried by the envelope; now when omitted. */
  createdAt?: number
}

/** Outcome of sending to one device of an account (fan-out returns one per device). */
export type DeviceSendResult =
  | { device: DeviceEntry, ok: true, ack: Ack, envelopeId: Uint8Array }
  | { device: DeviceEntry, ok: false, error: ParleyError }

/** Turns PeerId multihash bytes from an account record into a PeerId. */
export function peerIdFromBytes (bytes: Uint8Array): PeerId {
  return peerIdFromMultihash(Digest.decode(bytes))
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
  readonly libp2p: ParleyLibp2p
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
  private readonly envelopeServer: EnvelopeServer
  private readonly envelopeClient: EnvelopeClient
  /** PeerIds of devices we send to, by their PeerId bytes (hex); bounded. */
  private readonly peerIds = new Map<string, PeerId>()
  private running = false
  /** True when this call created the account. */
  readonly created: boolean

  private constructor (init: ParleyNodeInit, identity: DeviceIdentity, prekeys: LocalPrekeys, created: boolean, libp2p: ParleyLibp2p, directory: AccountDirectory, records: AccountRecords) {
    super()
    this.init = init
    this.store = init.store
    this.backend = init.backend ?? nativeBackend
    this.identity = identity
    this.prekeys = prekeys
    this.created = created
    this.libp2p = libp2p
    this.directory = directory
    this.records = records
    this.signer = deviceSigner(identity.device.signing, this.backend)
    this.log = libp2p.logger.forComponent('parley:node')
    this.envelopeClient = new EnvelopeClient(libp2p)
    this.envelopeServer = new EnvelopeServer(libp2p, {
      deviceKey: identity.device.signing.publicKey,
      ...init.envelopeLimits,
      onEnvelope: async (received) => {
        await (this.envelopeHandler ?? init.onEnvelope)?.(received)
        this.emit('envelope', received)
      },
      onProtocolError: (event) => { this.emit('protocol-error', event) }
    })
  }

  /**
   * Loads (or with `create`, creates) the device identity from `init.store` and assembles the
   * libp2p node. Throws NoAccountError before touching the network.
   */
  static async open (init: ParleyNodeInit, options: AbortOptions = {}): Promise<ParleyNode> {
    const backend = init.backend ?? nativeBackend
    const { identity, created } = await loadOrCreateIdentity(init.store, { create: init.create, backend, signal: options.signal })
    const prekeys = new LocalPrekeys(init.store, backend, identity.device)
    const privateKey = await generateKeyPairFromSeed('Ed25519', identity.libp2pSeed)
    const libp2p = await createParleyLibp2p({
      privateKey,
      datastore: init.store.datastore,
      ownDhtKeys: [accountDhtKey(identity.account.publicKey)],
      dhtRecordLimits: init.dhtRecordLimits,
      listen: init.listen,
      manyPeersPerAddress: init.manyPeersPerAddress,
      allowPrivateAddresses: init.allowPrivateAddresses,
      connectionGater: init.connectionGater,
      webrtcBindAddress: init.webrtcBindAddress,
      iceServers: init.iceServers
    }, options)
    const directory = new AccountDirectory(libp2p, {
      floor: new AccountRecordFloor(init.store.settings, libp2p.logger.forComponent('parley:record-floor')),
      log: libp2p.logger.forComponent('parley:account-directory')
    })
    const self: { node?: ParleyNode } = {}
    const records = await AccountRecords.open({
      store: init.store,
      identity,
      prekeys,
      backend,
      directory,
      logger: libp2p.logger,
      peerId: libp2p.peerId.toMultihash().bytes,
      isOnline: () => self.node?.isStarted ?? false
    }, {
      inactivityDays: init.inactivityDays,
      republishIntervalMs: init.republishIntervalMs,
      relayedOnly: reachableOnlyViaRelays
    }, options)
    self.node = new ParleyNode(init, identity, prekeys, created, libp2p, directory, records)
    return self.node
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

  /** Starts libp2p, serves envelopes, joins through the bootstrap list and publishes the account record. */
  async start (options: AbortOptions = {}): Promise<void> {
    if (this.running) return
    await this.libp2p.start()
    await this.envelopeServer.start()
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
   * Stops everything, aborting streams in flight, and zeroes the keys held in memory. The store
   * stays open unless `closeStoreOnStop` was given (`keepStore` overrides it for one stop).
   */
  async stop (options: { keepStore?: boolean } = {}): Promise<void> {
    await this.records.stop()
    if (this.running) {
      this.running = false
      await this.envelopeClient.stop()
      await this.envelopeServer.stop()
      await this.libp2p.stop()
    }
    if (this.init.closeStoreOnStop === true && options.keepStore !== true) await this.store.close()
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
  async lookupAccount (address: string, options: AbortOptions & { fresh?: boolean } = {}): Promise<VerifiedAccountRecord> {
    const record = await this.directory.lookup(decodeAddress(address), options)
    await learnRelayedDeviceAddresses(this.libp2p, record)
    return record
  }

  /** Sends one envelope directly to one device (dialling it through DHT peer routing if needed). */
  async sendEnvelope (device: DeviceEntry, input: SendEnvelopeInput, options: AbortOptions = {}): Promise<Ack> {
    if (!this.running) throw new NodeNotStartedError()
    const envelope: Envelope = {
      version: ENVELOPE_VERSION,
      id: input.id ?? randomBytes(ENVELOPE_ID_BYTES),
      recipientDevice: device.deviceKey,
      payload: input.payload,
      createdAt: BigInt(input.createdAt ?? Date.now()),
      expiresAt: BigInt(input.expiresAt ?? 0),
      flags: input.flags ?? 0
    }
    try {
      return await this.envelopeClient.send(this.devicePeerId(device), envelope, options)
    } catch (err) {
      if (err instanceof ParleyError) throw err
      throw new DeviceUnreachableError(`Could not deliver to device: ${(err as Error).message}`, { cause: err })
    }
  }

  private devicePeerId (device: DeviceEntry): PeerId {
    const key = envelopeIdHex(device.peerId)
    let peer = this.peerIds.get(key)
    if (peer == null) {
      peer = peerIdFromBytes(device.peerId)
      this.peerIds.set(key, peer)
      if (this.peerIds.size > MAX_CACHED_PEER_IDS) this.peerIds.delete(this.peerIds.keys().next().value as string)
    }
    return peer
  }

  /** Sends `input` to every device of an account; one result per device, never throws for a device. */
  async sendToAccount (address: string, input: Omit<SendEnvelopeInput, 'id'>, options: AbortOptions = {}): Promise<DeviceSendResult[]> {
    const record = await this.lookupAccount(address, options)
    return Promise.all(record.body.devices.map(async (device): Promise<DeviceSendResult> => {
      const envelopeId = randomBytes(ENVELOPE_ID_BYTES)
      try {
        return { device, ok: true, ack: await this.sendEnvelope(device, { ...input, id: envelopeId }, options), envelopeId }
      } catch (err) {
        return { device, ok: false, error: err instanceof ParleyError ? err : new DeviceUnreachableError((err as Error).message) }
      }
    }))
  }
}
