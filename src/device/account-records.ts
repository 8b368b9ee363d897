import type { AbortOptions, ComponentLogger, Logger, Startable } from '@libp2p/interface'
import { toHex } from '../bytes.js'
import type { CryptoBackend } from '../crypto/index.js'
import {
  ACCOUNT_RECORD_VERSION, DEFAULT_RECORD_LIFETIME_MS, MAX_REMOVED_DEVICES, signAccountRecord, signDeviceEntry, verifyAccountRecord,
  type AccountRecordBody, type DeviceEntry, type VerifiedAccountRecord
} from '../identity/account-record.js'
import type { Store } from '../store/index.js'
import {
  DEFAULT_INACTIVITY_DAYS, DEFAULT_REPUBLISH_INTERVAL_MS, INITIAL_PUBLISH_BACKOFF_MS, MAX_RECORD_DEVICES,
  OWN_RECORD_SETTING, PUBLISH_TIMEOUT_MS, REFRESH_TIMEOUT_MS
} from './constants.js'
import type { DeviceIdentity } from './device-identity.js'
import { DeviceLimitError, DeviceUnlinkedError, NodeNotStartedError } from './errors.js'
import type { LocalPrekeys } from './local-prekeys.js'
import { RegrowthWatch } from './publish-regrowth.js'

/** Where account records are published and looked up (the DHT directory in `net/`). */
export interface RecordDirectory {
  publish: (recordBytes: Uint8Array, options?: AbortOptions) => Promise<void>
  lookup: (accountKey: Uint8Array, options?: AbortOptions & { fresh?: boolean }) => Promise<VerifiedAccountRecord>
}

export interface AccountRecordsComponents {
  store: Store
  identity: DeviceIdentity
  prekeys: LocalPrekeys
  backend: CryptoBackend
  directory: RecordDirectory
  logger: ComponentLogger
  /** This device's libp2p PeerId, as multihash bytes (listed in its device entry). */
  peerId: Uint8Array
  /**
   * Whether the network is up, so the record can be published (the node's started state).
   * @default whether these account records are started
   */
  isOnline?: () => boolean
  /**
   * How many DHT servers the routing table holds: a record published while it held few is
   * published again once the table has grown (see {@link RegrowthWatch}). Without it, only the
   * republish interval applies.
   */
  dhtServers?: () => number
}

export interface AccountRecordsInit {
  /** Inactivity period in days written into a new account record. @default 180 */
  inactivityDays?: number
  /** How often the account record is put into the DHT again. @default 3600000 (1 h) */
  republishIntervalMs?: number
  /** Whether this device is reachable only through its relays (browsers). @default false */
  relayedOnly?: boolean
}

/** Changes to the next signed record. */
export type AccountRecordChanges = Partial<Pick<AccountRecordBody, 'relays' | 'inactivityDays' | 'deleted' | 'fleets'>> & {
  addDevices?: DeviceEntry[]
  removeDevices?: Uint8Array[]
}

/**
 * This account's own record, as this device keeps it: signs it (sequence above any earlier
 * one), adopts newer ones signed by the account's other devices, and publishes it in the
 * background while started (retried with backoff, then every republish interval).
 *
 * @example
 * ```ts
 * const records = await AccountRecords.open({ store, identity, prekeys, backend, directory, logger, peerId })
 * await records.start() // publishes in the background
 * await records.signAccountRecord({ relays })
 * await records.stop()
 * ```
 */
export class AccountRecords implements Startable {
  private readonly components: AccountRecordsComponents
  private readonly init: AccountRecordsInit
  private readonly log: Logger
  private currentEntry: DeviceEntry
  private ownRecord: Uint8Array | undefined
  private ownBody: AccountRecordBody | undefined
  private ownBodyFor: Uint8Array | undefined
  private republishTimer: ReturnType<typeof setTimeout> | undefined
  private shutdown = new AbortController()
  private running = false
  private published = false
  private publishing = false
  private readonly regrowth: RegrowthWatch | undefined

  private constructor (components: AccountRecordsComponents, init: AccountRecordsInit, entry: DeviceEntry, ownRecord: Uint8Array | undefined) {
    this.components = components
    this.init = init
    this.log = components.logger.forComponent('parley:device:account-records')
    this.currentEntry = entry
    this.ownRecord = ownRecord
    const servers = components.dhtServers
    this.regrowth = servers == null
      ? undefined
      : new RegrowthWatch({
        servers,
        grown: () => {
          if (!this.running || this.publishing) return
          this.log('the DHT routing table has grown since the record was published: publishing it again')
          if (this.republishTimer != null) clearTimeout(this.republishTimer)
          this.schedulePublish(0, INITIAL_PUBLISH_BACKOFF_MS)
        }
      })
  }

  /** Builds this device's entry (with its current signed prekeys) and loads the last own record. */
  static async open (components: AccountRecordsComponents, init: AccountRecordsInit = {}, options: AbortOptions = {}): Promise<AccountRecords> {
    const own = await components.store.settings.get(OWN_RECORD_SETTING, options)
    const ownRecord = own instanceof Uint8Array ? own : undefined
    const entry = await buildDeviceEntry(components, init, addedAtIn(ownRecord, components.identity.device.signing.publicKey))
    return new AccountRecords(components, init, entry, ownRecord)
  }

  /** The last account record this device signed or adopted (bytes), if any. */
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

  /** Whether the latest own record says this device was unlinked by another device of the account. */
  isUnlinked (): boolean {
    const key = toHex(this.components.identity.device.signing.publicKey)
    return (this.ownRecordBody()?.removedDevices ?? []).some((k) => toHex(k) === key)
  }

  /** This device as listed in the account record (with its current signed prekeys). */
  deviceEntry (): DeviceEntry {
    return this.currentEntry
  }

  private get online (): boolean {
    return this.components.isOnline?.() ?? this.running
  }

  /** True once the account record has been stored in the DHT since start. */
  get isPublished (): boolean {
    return this.published
  }

  /** Rotates the signed prekeys when due; re-signs and republishes the record when they changed. */
  async rotatePrekeys (options: AbortOptions = {}): Promise<boolean> {
    if (!(await this.components.prekeys.ensureCurrent())) return false
    this.currentEntry = await buildDeviceEntry(this.components, this.init, this.currentEntry.addedAt)
    await this.signAccountRecord({}, options)
    if (this.online) {
      await this.publishAccountRecord(options).catch((err: Error) => { this.log.error('could not publish the record after a prekey rotation - %e', err) })
    }
    return true
  }

  /**
   * Signs a fresh account record (sequence above any earlier one) listing this device, and
   * returns its bytes. Persisted in the store.
   */
  async signAccountRecord (changes: AccountRecordChanges = {}, options: AbortOptions = {}): Promise<Uint8Array> {
    const now = Date.now()
    const previous = this.ownRecordBody()
    // the other devices stay as the latest record listed them; this device's entry is replaced
    const devices: DeviceEntry[] = []
    const seen = new Set<string>()
    // an unlinked device never comes back: its key stays in the record's removed list
    const removedKeys = [...(previous?.removedDevices ?? []), ...(changes.removeDevices ?? [])]
    const removed = new Set(removedKeys.map(toHex))
    if (removed.has(toHex(this.deviceEntry().deviceKey))) throw new DeviceUnlinkedError()
    for (const device of [this.deviceEntry(), ...(changes.addDevices ?? []), ...(previous?.devices ?? [])]) {
      const key = toHex(device.deviceKey)
      if (seen.has(key) || removed.has(key)) continue
      seen.add(key)
      devices.push(device)
    }
    if (devices.length > MAX_RECORD_DEVICES) {
      throw new DeviceLimitError(`This account already has ${MAX_RECORD_DEVICES} devices: unlink one before adding another`)
    }
    const sequence = previous != null && previous.sequence >= BigInt(now) ? previous.sequence + 1n : BigInt(now)
    const body: AccountRecordBody = {
      version: ACCOUNT_RECORD_VERSION,
      accountKey: this.components.identity.account.publicKey,
      sequence,
      issuedAt: BigInt(now),
      expiresAt: BigInt(now + DEFAULT_RECORD_LIFETIME_MS),
      inactivityDays: changes.inactivityDays ?? previous?.inactivityDays ?? this.init.inactivityDays ?? DEFAULT_INACTIVITY_DAYS,
      devices,
      relays: changes.relays ?? previous?.relays ?? [],
      fleets: changes.fleets ?? previous?.fleets ?? [],
      deleted: changes.deleted ?? false,
      removedDevices: [...new Map(removedKeys.map((k) => [toHex(k), k])).values()].slice(-MAX_REMOVED_DEVICES)
    }
    const bytes = signAccountRecord(body, this.components.identity.account)
    this.ownRecord = bytes
    await this.components.store.settings.put(OWN_RECORD_SETTING, bytes, options)
    return bytes
  }

  /**
   * Adopts a newer record of this account from the DHT (signed by another device of the same
   * account: a device was added, or its prekeys rotated), so the next signature keeps its
   * changes. Best effort; returns true when a newer record was adopted.
   */
  async refreshOwnRecord (options: AbortOptions = {}): Promise<boolean> {
    try {
      const found = await this.components.directory.lookup(this.components.identity.account.publicKey, { fresh: true, signal: options.signal ?? AbortSignal.timeout(REFRESH_TIMEOUT_MS) })
      const current = this.ownRecordBody()
      if (current != null && found.body.sequence <= current.sequence) return false
      await this.adoptOwnRecord(found.bytes, options)
      return true
    } catch (err) {
      this.log('could not refresh the own record from the DHT - %e', err)
      return false
    }
  }

  /** Stores `bytes` (a verified record of this account) as the latest own record. */
  async adoptOwnRecord (bytes: Uint8Array, options: AbortOptions = {}): Promise<void> {
    verifyAccountRecord(bytes, { accountKey: this.components.identity.account.publicKey, now: 0 })
    this.ownRecord = bytes
    await this.components.store.settings.put(OWN_RECORD_SETTING, bytes, options)
  }

  /** Puts this account's record into the DHT, re-signing it when missing or near expiry. */
  async publishAccountRecord (options: AbortOptions = {}): Promise<void> {
    if (!this.online) throw new NodeNotStartedError()
    let record = this.ownRecord
    const fresh = this.ownRecordBody()
    const deviceKey = this.components.identity.device.signing.publicKey
    if (record == null || fresh == null || Number(fresh.expiresAt) - Date.now() < DEFAULT_RECORD_LIFETIME_MS / 2 ||
      !fresh.devices.some((d) => d.deviceKey.every((b, i) => b === deviceKey[i]))) {
      record = await this.signAccountRecord({}, options)
    }
    await this.components.directory.publish(record, options)
  }

  /** Starts publishing the record in the background (at once, then every republish interval). */
  async start (): Promise<void> {
    if (this.running) return
    this.shutdown = new AbortController()
    this.running = true
    this.schedulePublish(0, INITIAL_PUBLISH_BACKOFF_MS)
  }

  /** Stops the background publishing; a publish in flight is aborted. */
  async stop (): Promise<void> {
    if (this.republishTimer != null) clearTimeout(this.republishTimer)
    this.republishTimer = undefined
    this.regrowth?.stop()
    if (!this.running) return
    this.running = false
    this.shutdown.abort(new NodeNotStartedError('Node stopping'))
  }

  /**
   * Publishes the account record in the background: retried with backoff (1 s doubling up to the
   * republish interval) until it lands, then again every republish interval.
   */
  private schedulePublish (delayMs: number, nextBackoffMs: number): void {
    if (!this.running) return
    const interval = this.init.republishIntervalMs ?? DEFAULT_REPUBLISH_INTERVAL_MS
    // a timer chain rather than @libp2p/utils' repeatingTask: the delay changes with each outcome (backoff)
    this.republishTimer = setTimeout(() => {
      const signal = AbortSignal.any([this.shutdown.signal, AbortSignal.timeout(PUBLISH_TIMEOUT_MS)])
      this.publishing = true
      this.publishAccountRecord({ signal }).then(
        () => {
          this.publishing = false
          this.published = true
          this.schedulePublish(interval, INITIAL_PUBLISH_BACKOFF_MS)
          if (this.running) this.regrowth?.published()
        },
        (err: Error) => {
          this.publishing = false
          this.log('publishing the account record failed, retrying in %d ms - %e', nextBackoffMs, err)
          this.schedulePublish(nextBackoffMs, Math.min(nextBackoffMs * 2, interval))
        }
      )
    }, delayMs)
    this.republishTimer.unref?.()
  }
}

/** When the record `bytes` says this device was added (ms; now when it does not list it or says 0). */
function addedAtIn (bytes: Uint8Array | undefined, deviceKey: Uint8Array): bigint {
  let addedAt = 0n
  if (bytes != null) {
    const hex = toHex(deviceKey)
    addedAt = verifyAccountRecord(bytes, { now: 0 }).body.devices.find((d) => toHex(d.deviceKey) === hex)?.addedAt ?? 0n
  }
  return addedAt > 0n ? addedAt : BigInt(Date.now())
}

/** This device's entry for the account record, signed by its device key. */
async function buildDeviceEntry (components: AccountRecordsComponents, init: AccountRecordsInit, addedAt: bigint): Promise<DeviceEntry> {
  const { identity, prekeys } = components
  const { signedPrekey, pqPrekey } = await prekeys.current()
  const toWire = (p: typeof signedPrekey): DeviceEntry['signedPrekey'] => ({ id: p.id, publicKey: p.publicKey, signature: p.signature, createdAt: BigInt(p.createdAt) })
  return signDeviceEntry(identity.account.publicKey, {
    peerId: components.peerId,
    deviceKey: identity.device.signing.publicKey,
    identityDhKey: identity.device.identityDh.publicKey,
    signedPrekey: toWire(signedPrekey),
    pqPrekey: toWire(pqPrekey),
    addedAt,
    relayedOnly: init.relayedOnly ?? false
  }, { secretKey: identity.device.signing.privateKey, publicKey: identity.device.signing.publicKey })
}
