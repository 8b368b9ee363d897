import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from '@noble/hashes/utils.js'
import * as Digest from 'multiformats/hashes/digest'
import { nativeBackend, type CryptoBackend } from '../crypto/index.js'
import { TypedEvents } from '../events.js'
import { ParleyError } from '../errors.js'
import {
  ACCOUNT_RECORD_VERSION, DEFAULT_RECORD_LIFETIME_MS, accountDhtKey, signAccountRecord, signDeviceEntry, verifyAccountRecord,
  type AccountRecordBody, type DeviceEntry, type VerifiedAccountRecord
} from '../identity/account-record.js'
import { decodeAddress, encodeAddress } from '../identity/address.js'
import { wipe } from '../identity/keys.js'
import type { Store } from '../store/index.js'
import { AccountDirectory } from '../net/account-directory.js'
import { EnvelopeClient } from '../net/envelope-client.js'
import { ENVELOPE_ID_BYTES, ENVELOPE_VERSION, envelopeIdHex, type Ack, type Envelope } from '../net/envelope-codec.js'
import { EnvelopeServer, type ProtocolErrorEvent, type ReceivedEnvelope } from '../net/envelope-server.js'
import { DeviceUnreachableError } from '../net/errors.js'
import { AccountRecordFloor } from './account-record-floor.js'
import { createParleyLibp2p, type ParleyLibp2p } from './create-libp2p.js'
import { loadOrCreateIdentity, type DeviceIdentity } from './device-identity.js'
import { NodeNotStartedError } from './errors.js'
import { LocalPrekeys } from './local-prekeys.js'
import { reachableOnlyViaRelays } from './libp2p-defaults.js'
import { learnRelayedDeviceAddresses } from './relayed-addresses.js'

/** Settings key of the last account record this device signed. */
export const OWN_RECORD_SETTING = 'own-account-record'

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
  private readonly init: ParleyNodeInit
  private currentEntry: DeviceEntry
  private envelopeHandler: ((received: ReceivedEnvelope) => Promise<void>) | undefined
  private ownBody: AccountRecordBody | undefined
  private ownBodyFor: Uint8Array | undefined
  private readonly envelopeServer: EnvelopeServer
  private readonly envelopeClient: EnvelopeClient
  private ownRecord: Uint8Array | undefined
  /** PeerIds of devices we send to, by their PeerId bytes (hex); bounded. */
  private readonly peerIds = new Map<string, PeerId>()
  private republishTimer: ReturnType<typeof setTimeout> | undefined
  private shutdown = new AbortController()
  private running = false
  /** Set once the account record reached the DHT at least once since start. */
  private published = false
  /** True when this call created the account. */
  readonly created: boolean

  private constructor (init: ParleyNodeInit, identity: DeviceIdentity, prekeys: LocalPrekeys, entry: DeviceEntry, created: boolean, libp2p: ParleyLibp2p, ownRecord: Uint8Array | undefined) {
    super()
    this.init = init
    this.store = init.store
    this.backend = init.backend ?? nativeBackend
    this.identity = identity
    this.prekeys = prekeys
    this.currentEntry = entry
    this.created = created
    this.libp2p = libp2p
    this.ownRecord = ownRecord
    this.directory = new AccountDirectory(libp2p, {
      floor: new AccountRecordFloor(init.store.settings, libp2p.logger.forComponent('parley:record-floor')),
      log: libp2p.logger.forComponent('parley:account-directory')
    })
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
  static async open (init: ParleyNodeInit, options: { signal?: AbortSignal } = {}): Promise<ParleyNode> {
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
      iceServers: init.iceServers,
      start: false
    } as Parameters<typeof createParleyLibp2p>[0])
    const entry = await ParleyNode.buildDeviceEntry(identity, prekeys, libp2p)
    const own = await init.store.settings.get(OWN_RECORD_SETTING, options)
    return new ParleyNode(init, identity, prekeys, entry, created, libp2p, own instanceof Uint8Array ? own : undefined)
  }

  private static async buildDeviceEntry (identity: DeviceIdentity, prekeys: LocalPrekeys, libp2p: ParleyLibp2p): Promise<DeviceEntry> {
    const { signedPrekey, pqPrekey } = await prekeys.current()
    const toWire = (p: typeof signedPrekey): DeviceEntry['signedPrekey'] => ({ id: p.id, publicKey: p.publicKey, signature: p.signature, createdAt: BigInt(p.createdAt) })
    return signDeviceEntry(identity.account.publicKey, {
      peerId: libp2p.peerId.toMultihash().bytes,
      deviceKey: identity.device.signing.publicKey,
      identityDhKey: identity.device.identityDh.publicKey,
      signedPrekey: toWire(signedPrekey),
      pqPrekey: toWire(pqPrekey),
      addedAt: 0n,
      relayedOnly: reachableOnlyViaRelays
    }, { secretKey: identity.device.signing.privateKey, publicKey: identity.device.signing.publicKey })
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
    return this.ownRecord
  }

  /**
   * The decoded body of this device's own record (verified once when loaded or signed; cached:
   * verifying Ed25519 signatures on every message would cost milliseconds).
   */
  ownRecordBody (): AccountRecordBody | undefined {
    if (this.ownRecord == null) return undefined
    if (this.ownBodyFor !== this.ownRecord) {
      this.ownBody = verifyAccountRecord(this.ownRecord, { now: 0 }).body
      this.ownBodyFor = this.ownRecord
    }
    return this.ownBody
  }

  /** This device as listed in the account record (with its current signed prekeys). */
  deviceEntry (): DeviceEntry {
    return this.currentEntry
  }

  /** Rotates the signed prekeys when due; re-signs and republishes the record when they changed. */
  async rotatePrekeys (options: { signal?: AbortSignal } = {}): Promise<boolean> {
    if (!(await this.prekeys.ensureCurrent())) return false
    this.currentEntry = await ParleyNode.buildDeviceEntry(this.identity, this.prekeys, this.libp2p)
    await this.signAccountRecord()
    if (this.running) await this.publishAccountRecord(options).catch(() => {})
    return true
  }

  /** Starts libp2p, serves envelopes, joins through the bootstrap list and publishes the account record. */
  async start (options: { signal?: AbortSignal } = {}): Promise<void> {
    if (this.running) return
    this.shutdown = new AbortController()
    await this.libp2p.start()
    await this.envelopeServer.start()
    this.running = true
    await this.connectBootstrap(options)
    this.schedulePublish(0, 1000)
  }

  /**
   * Publishes the account record in the background: retried with backoff (1 s doubling up to the
   * republish interval) until it lands, then again every republish interval.
   */
  private schedulePublish (delayMs: number, nextBackoffMs: number): void {
    if (!this.running) return
    const interval = this.init.republishIntervalMs ?? 3_600_000
    this.republishTimer = setTimeout(() => {
      const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(30_000)])
      this.publishAccountRecord({ signal }).then(
        () => { this.published = true; this.schedulePublish(interval, 1000) },
        () => { this.schedulePublish(nextBackoffMs, Math.min(nextBackoffMs * 2, interval)) }
      )
    }, delayMs)
    this.republishTimer.unref?.()
  }

  /** True once the account record has been stored in the DHT since start. */
  get isPublished (): boolean {
    return this.published
  }

  /** Dials every bootstrap address; returns how many answered. */
  async connectBootstrap (options: { signal?: AbortSignal } = {}): Promise<number> {
    const addrs = this.init.bootstrap ?? []
    const results = await Promise.allSettled(addrs.map(async (addr) => {
      await this.libp2p.dial(multiaddr(addr), { signal: AbortSignal.any([options.signal ?? AbortSignal.timeout(10_000), AbortSignal.timeout(10_000)]) })
    }))
    return results.filter((r) => r.status === 'fulfilled').length
  }

  /** Stops everything, aborting streams in flight, and zeroes the keys held in memory (the store stays open: its owner closes it). */
  async stop (options: { keepStore?: boolean } = {}): Promise<void> {
    if (this.republishTimer != null) clearTimeout(this.republishTimer)
    this.republishTimer = undefined
    if (this.running) {
      this.running = false
      this.shutdown.abort(new NodeNotStartedError('Node stopping'))
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
  async signAccountRecord (changes: Partial<Pick<AccountRecordBody, 'relays' | 'inactivityDays' | 'deleted'>> & { addDevices?: DeviceEntry[], removeDevices?: Uint8Array[] } = {}): Promise<Uint8Array> {
    const now = Date.now()
    const previous = this.ownRecordBody()
    // the other devices stay as the latest record listed them; this device's entry is replaced
    const mine = this.deviceEntry()
    const devices: DeviceEntry[] = []
    const seen = new Set<string>()
    for (const device of [mine, ...(changes.addDevices ?? []), ...(previous?.devices ?? [])]) {
      const key = envelopeIdHex(device.deviceKey)
      if (seen.has(key) || (changes.removeDevices ?? []).some((r) => envelopeIdHex(r) === key)) continue
      seen.add(key)
      devices.push(device)
    }
    const sequence = previous != null && previous.sequence >= BigInt(now) ? previous.sequence + 1n : BigInt(now)
    const body: AccountRecordBody = {
      version: ACCOUNT_RECORD_VERSION,
      accountKey: this.accountKey,
      sequence,
      issuedAt: BigInt(now),
      expiresAt: BigInt(now + DEFAULT_RECORD_LIFETIME_MS),
      inactivityDays: changes.inactivityDays ?? previous?.inactivityDays ?? this.init.inactivityDays ?? 180,
      devices: devices.slice(0, 16),
      relays: changes.relays ?? previous?.relays ?? [],
      deleted: changes.deleted ?? false
    }
    const bytes = signAccountRecord(body, this.identity.account)
    this.ownRecord = bytes
    await this.store.settings.put(OWN_RECORD_SETTING, bytes)
    return bytes
  }

  /**
   * Adopts a newer record of this account from the DHT (signed by another device of the same
   * account: a device was added, or its prekeys rotated), so the next signature keeps its
   * changes. Best effort; returns true when a newer record was adopted.
   */
  async refreshOwnRecord (options: { signal?: AbortSignal } = {}): Promise<boolean> {
    try {
      const found = await this.directory.lookup(this.accountKey, { fresh: true, signal: options.signal ?? AbortSignal.timeout(5000) })
      const current = this.ownRecordBody()
      if (current != null && found.body.sequence <= current.sequence) return false
      await this.adoptOwnRecord(found.bytes)
      return true
    } catch {
      return false
    }
  }

  /** Stores `bytes` (a verified record of this account) as the latest own record. */
  async adoptOwnRecord (bytes: Uint8Array): Promise<void> {
    verifyAccountRecord(bytes, { accountKey: this.accountKey, now: 0 })
    this.ownRecord = bytes
    await this.store.settings.put(OWN_RECORD_SETTING, bytes)
  }

  /** Puts this account's record into the DHT, re-signing it when missing or near expiry. */
  async publishAccountRecord (options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.running) throw new NodeNotStartedError()
    let record = this.ownRecord
    const fresh = this.ownRecordBody()
    if (record == null || fresh == null || Number(fresh.expiresAt) - Date.now() < DEFAULT_RECORD_LIFETIME_MS / 2 ||
      !fresh.devices.some((d) => d.deviceKey.every((b, i) => b === this.deviceKey[i]))) {
      record = await this.signAccountRecord()
    }
    await this.directory.publish(record, options)
  }

  /** Looks up an account's record by address (cached; the DHT otherwise). */
  async lookupAccount (address: string, options: { signal?: AbortSignal, fresh?: boolean } = {}): Promise<VerifiedAccountRecord> {
    const record = await this.directory.lookup(decodeAddress(address), options)
    await learnRelayedDeviceAddresses(this.libp2p, record)
    return record
  }

  /** Sends one envelope directly to one device (dialling it through DHT peer routing if needed). */
  async sendEnvelope (device: DeviceEntry, input: SendEnvelopeInput, options: { signal?: AbortSignal } = {}): Promise<Ack> {
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
      if (this.peerIds.size > 1000) this.peerIds.delete(this.peerIds.keys().next().value as string)
    }
    return peer
  }

  /** Sends `input` to every device of an account; one result per device, never throws for a device. */
  async sendToAccount (address: string, input: Omit<SendEnvelopeInput, 'id'>, options: { signal?: AbortSignal } = {}): Promise<DeviceSendResult[]> {
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
