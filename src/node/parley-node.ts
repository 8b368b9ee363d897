import { generateKeyPairFromSeed } from '@libp2p/crypto/keys'
import { peerIdFromMultihash } from '@libp2p/peer-id'
import type { PeerId } from '@libp2p/interface'
import { multiaddr, type Multiaddr } from '@multiformats/multiaddr'
import { randomBytes } from '@noble/hashes/utils.js'
import { LevelDatastore } from 'datastore-level'
import * as Digest from 'multiformats/hashes/digest'
import { join } from 'node:path'
import { TypedEvents } from '../events.js'
import { ParleyError } from '../errors.js'
import {
  ACCOUNT_RECORD_VERSION, DEFAULT_RECORD_LIFETIME_MS, signAccountRecord, signDeviceEntry, verifyAccountRecord,
  type AccountRecordBody, type DeviceEntry, type VerifiedAccountRecord
} from '../identity/account-record.js'
import { decodeAddress, encodeAddress } from '../identity/address.js'
import { wipe } from '../identity/keys.js'
import type { ScryptParams } from '../identity/keystore.js'
import { AccountDirectory } from '../net/account-directory.js'
import { EnvelopeClient } from '../net/envelope-client.js'
import { ENVELOPE_ID_BYTES, ENVELOPE_VERSION, envelopeIdHex, type Ack, type Envelope } from '../net/envelope-codec.js'
import { EnvelopeServer, type ProtocolErrorEvent, type ReceivedEnvelope } from '../net/envelope-server.js'
import { DeviceUnreachableError } from '../net/errors.js'
import { createParleyLibp2p, type ParleyLibp2p } from './create-libp2p.js'
import { NodeNotStartedError } from './errors.js'
import { HOME_LAYOUT, loadOrCreateKeys, readOwnRecord, writeOwnRecord, type HomeKeys } from './home.js'

export interface ParleyNodeInit {
  /** Home directory: keystore, datastore, own account record. */
  home: string
  passphrase: string
  /** Create a new account when the home has none. @default false */
  create?: boolean
  /** Multiaddrs to listen on. */
  listen?: string[]
  /** Multiaddrs (with /p2p/<id>) of nodes to join the network through. */
  bootstrap?: string[]
  /** Inactivity period in days written into the account record. @default 180 */
  inactivityDays?: number
  /** How often the account record is put into the DHT again. @default 3600000 (1 h) */
  republishIntervalMs?: number
  /** scrypt cost for a new keystore (tests use cheap parameters). */
  scrypt?: ScryptParams
  /** Test networks: many nodes on one IP. @default false */
  manyPeersPerAddress?: boolean
  /** WebRTC bind address (Node; tests use 127.0.0.1). */
  webrtcBindAddress?: string
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
 * const node = await ParleyNode.open({ home: '/tmp/alice', passphrase: 'pw', create: true, bootstrap })
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
  private readonly keys: HomeKeys
  private readonly init: ParleyNodeInit
  private readonly datastore: LevelDatastore
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

  private constructor (init: ParleyNodeInit, keys: HomeKeys, created: boolean, libp2p: ParleyLibp2p, datastore: LevelDatastore, ownRecord: Uint8Array | undefined) {
    super()
    this.init = init
    this.keys = keys
    this.created = created
    this.libp2p = libp2p
    this.datastore = datastore
    this.ownRecord = ownRecord
    this.directory = new AccountDirectory(libp2p)
    this.envelopeClient = new EnvelopeClient(libp2p)
    this.envelopeServer = new EnvelopeServer(libp2p, {
      deviceKey: keys.device.device.publicKey,
      ...init.envelopeLimits,
      onEnvelope: async (received) => {
        await init.onEnvelope?.(received)
        this.emit('envelope', received)
      },
      onProtocolError: (event) => { this.emit('protocol-error', event) }
    })
  }

  /**
   * Opens (or with `create`, creates) the account in `init.home` and assembles the libp2p node.
   * Throws WrongPassphraseError / NoAccountError before touching the network.
   */
  static async open (init: ParleyNodeInit, options: { signal?: AbortSignal } = {}): Promise<ParleyNode> {
    const { keys, created } = await loadOrCreateKeys(init.home, init.passphrase, { create: init.create, scrypt: init.scrypt })
    options.signal?.throwIfAborted()
    const privateKey = await generateKeyPairFromSeed('Ed25519', keys.device.libp2pSeed)
    const datastore = new LevelDatastore(join(init.home, HOME_LAYOUT.datastore))
    await datastore.open()
    try {
      const libp2p = await createParleyLibp2p({
        privateKey,
        datastore,
        listen: init.listen,
        manyPeersPerAddress: init.manyPeersPerAddress,
        webrtcBindAddress: init.webrtcBindAddress,
        start: false
      } as Parameters<typeof createParleyLibp2p>[0])
      return new ParleyNode(init, keys, created, libp2p, datastore, await readOwnRecord(init.home))
    } catch (err) {
      await datastore.close()
      throw err
    }
  }

  /** This account's address (base58btc with checksum). */
  get address (): string {
    return encodeAddress(this.keys.account.account.publicKey)
  }

  get accountKey (): Uint8Array {
    return this.keys.account.account.publicKey
  }

  /** This device's Ed25519 device key (what envelopes are addressed to). */
  get deviceKey (): Uint8Array {
    return this.keys.device.device.publicKey
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

  /** This device as listed in the account record. */
  deviceEntry (): DeviceEntry {
    return signDeviceEntry(this.accountKey, {
      peerId: this.libp2p.peerId.toMultihash().bytes,
      deviceKey: this.keys.device.device.publicKey,
      identityDhKey: this.keys.device.identityDh.publicKey,
      addedAt: 0n
    }, this.keys.device.device)
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

  /** Stops everything, aborting streams in flight, and closes the datastore. */
  async stop (): Promise<void> {
    if (this.republishTimer != null) clearTimeout(this.republishTimer)
    this.republishTimer = undefined
    if (this.running) {
      this.running = false
      this.shutdown.abort(new NodeNotStartedError('Node stopping'))
      await this.envelopeClient.stop()
      await this.envelopeServer.stop()
      await this.libp2p.stop()
    }
    await this.datastore.close()
    wipe(this.keys.account.account.secretKey, this.keys.device.device.secretKey, this.keys.device.identityDh.secretKey, this.keys.device.libp2pSeed)
  }

  /**
   * Signs a fresh account record (sequence above any earlier one) listing this device, and
   * returns its bytes. Persisted in the home directory.
   */
  async signAccountRecord (changes: Partial<Pick<AccountRecordBody, 'relays' | 'inactivityDays' | 'deleted'>> = {}): Promise<Uint8Array> {
    const now = Date.now()
    const previous = this.ownRecord != null ? verifyAccountRecord(this.ownRecord, { now: 0 }).body : undefined
    const sequence = previous != null && previous.sequence >= BigInt(now) ? previous.sequence + 1n : BigInt(now)
    const body: AccountRecordBody = {
      version: ACCOUNT_RECORD_VERSION,
      accountKey: this.accountKey,
      sequence,
      issuedAt: BigInt(now),
      expiresAt: BigInt(now + DEFAULT_RECORD_LIFETIME_MS),
      inactivityDays: changes.inactivityDays ?? previous?.inactivityDays ?? this.init.inactivityDays ?? 180,
      devices: [this.deviceEntry()],
      relays: changes.relays ?? previous?.relays ?? [],
      deleted: changes.deleted ?? false
    }
    const bytes = signAccountRecord(body, this.keys.account.account)
    this.ownRecord = bytes
    await writeOwnRecord(this.init.home, bytes)
    return bytes
  }

  /** Puts this account's record into the DHT, re-signing it when missing or near expiry. */
  async publishAccountRecord (options: { signal?: AbortSignal } = {}): Promise<void> {
    if (!this.running) throw new NodeNotStartedError()
    let record = this.ownRecord
    const fresh = record != null ? verifyAccountRecord(record, { now: 0 }).body : undefined
    if (record == null || fresh == null || Number(fresh.expiresAt) - Date.now() < DEFAULT_RECORD_LIFETIME_MS / 2 ||
      !fresh.devices.some((d) => d.deviceKey.every((b, i) => b === this.deviceKey[i]))) {
      record = await this.signAccountRecord()
    }
    await this.directory.publish(record, options)
  }

  /** Looks up an account's record by address (cached; the DHT otherwise). */
  async lookupAccount (address: string, options: { signal?: AbortSignal, fresh?: boolean } = {}): Promise<VerifiedAccountRecord> {
    return this.directory.lookup(decodeAddress(address), options)
  }

  /** Sends one envelope directly to one device (dialling it through DHT peer routing if needed). */
  async sendEnvelope (device: DeviceEntry, input: SendEnvelopeInput, options: { signal?: AbortSignal } = {}): Promise<Ack> {
    if (!this.running) throw new NodeNotStartedError()
    const envelope: Envelope = {
      version: ENVELOPE_VERSION,
      id: input.id ?? randomBytes(ENVELOPE_ID_BYTES),
      recipientDevice: device.deviceKey,
      payload: input.payload,
      createdAt: BigInt(Date.now()),
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
