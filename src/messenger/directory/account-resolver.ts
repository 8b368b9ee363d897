import type { AbortOptions } from '@libp2p/interface'
import { equalBytes } from '@noble/ciphers/utils.js'
import { toHex } from '../../bytes.js'
import { verifyAccountRecord, type DeviceEntry, type VerifiedAccountRecord } from '../../identity/account-record.js'
import { decodeAddress } from '../../identity/address.js'
import type { ResolvedDevice } from '../components.js'
import { DEFAULT_LOOKUP_TIMEOUT_MS } from '../constants.js'
import type { MessengerContext } from '../context.js'
import { noteDeviceKeys } from '../contacts/key-changes.js'
import { emitNow } from '../effects.js'
import { AccountDeletedError, UnknownSenderDeviceError } from '../errors.js'

/** Called with the devices an account's record gained since the copy stored here. */
export type DevicesAddedHandler = (address: string, added: DeviceEntry[]) => void

/**
 * Account records: the directory (DHT, cached) first, else the last copy this device stored
 * (`store.accountRecords`). A record that differs from the stored copy is stored and checked
 * for device-key changes.
 */
export class AccountResolver {
  private devicesAdded: DevicesAddedHandler | undefined

  constructor (private readonly ctx: MessengerContext) {}

  /** Told when a stored record of another account gains devices (the dispatcher re-sends recent messages to them). */
  setDevicesAddedHandler (handler: DevicesAddedHandler | undefined): void {
    this.devicesAdded = handler
  }

  async resolve (address: string, options: AbortOptions & { fresh?: boolean } = {}): Promise<VerifiedAccountRecord> {
    const { store, directory } = this.ctx.components
    let record: VerifiedAccountRecord
    try {
      record = await directory.lookup(address, { signal: options.signal ?? AbortSignal.timeout(DEFAULT_LOOKUP_TIMEOUT_MS), fresh: options.fresh === true })
      const stored = await store.accountRecords.get(address)
      if (stored == null || !equalBytes(stored, record.bytes)) {
        await store.accountRecords.put(address, record.bytes)
        const previous = stored == null ? undefined : this.storedDevices(stored)
        const event = await noteDeviceKeys(store, address, record, this.ctx.now(), previous)
        if (event != null) emitNow(this.ctx.components.events, event)
        if (previous != null) await this.forgetRemovedDevices(previous, record)
        if (address === this.ctx.address) await this.adoptIfNewer(record)
        else if (previous != null) this.noteAdded(address, previous, record)
      }
    } catch (err) {
      options.signal?.throwIfAborted()
      const stored = await store.accountRecords.get(address)
      if (stored == null) throw err
      this.ctx.log('directory').trace('lookup of an account failed, using the stored record - %e', err)
      record = verifyAccountRecord(stored, { accountKey: decodeAddress(address), now: 0 })
    }
    return address === this.ctx.address ? this.notBelowOwn(record) : record
  }

  /**
   * This account's record as its newest copy: the directory's cache may still hold one from
   * before another device was linked here, while the own record (signed here, or adopted from the
   * device that linked it) lists it already; copies to the new device must find it.
   */
  private notBelowOwn (record: VerifiedAccountRecord): VerifiedAccountRecord {
    const { accountRecords } = this.ctx.components
    const own = accountRecords.ownRecord()
    const body = accountRecords.ownBody()
    if (own == null || body == null || body.sequence <= record.body.sequence) return record
    return verifyAccountRecord(own, { accountKey: accountRecords.accountKey, now: 0 })
  }

  /** Devices `record` lists that `previous` did not: handed to the devices-added handler. */
  private noteAdded (address: string, previous: DeviceEntry[], record: VerifiedAccountRecord): void {
    const known = new Set(previous.map((d) => toHex(d.deviceKey)))
    const added = record.body.devices.filter((d) => !known.has(toHex(d.deviceKey)))
    if (added.length > 0) this.devicesAdded?.(address, added)
  }

  /** The devices of the record kept before this lookup; none when that copy no longer verifies (logged). */
  private storedDevices (stored: Uint8Array): DeviceEntry[] | undefined {
    try {
      return verifyAccountRecord(stored, { now: 0 }).body.devices
    } catch (err) {
      this.ctx.log('directory').error('the stored copy of an account record does not verify; device changes are not compared - %e', err)
      return undefined
    }
  }

  /** A newer record of this account (another device linked one): kept as the own record, so copies reach the new device. */
  private async adoptIfNewer (record: VerifiedAccountRecord): Promise<void> {
    const { accountRecords } = this.ctx.components
    const own = accountRecords.ownBody()
    if (own != null && record.body.sequence <= own.sequence) return
    await accountRecords.adopt(record.bytes)
  }

  /** Sessions with devices the account's new record no longer lists are erased (an unlinked device). */
  private async forgetRemovedDevices (previous: DeviceEntry[], record: VerifiedAccountRecord): Promise<void> {
    const listed = new Set(record.body.devices.map((d) => toHex(d.deviceKey)))
    for (const device of previous) {
      if (listed.has(toHex(device.deviceKey))) continue
      await this.ctx.components.sessions.forget(device.deviceKey)
      this.ctx.log('directory')('erased the sessions with a device its account removed')
    }
  }

  /** The current record entry of one device of an account, and the account's relays. */
  async resolveDevice (address: string, deviceHex: string, options: AbortOptions = {}): Promise<ResolvedDevice> {
    const record = await this.resolve(address, options)
    if (record.body.deleted) throw new AccountDeletedError()
    const device = record.body.devices.find((d) => toHex(d.deviceKey) === deviceHex)
    if (device == null) throw new UnknownSenderDeviceError('Recipient device is no longer listed in its account record')
    return { device, relays: record.body.relays, fleets: record.body.fleets }
  }
}
